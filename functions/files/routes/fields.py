"""Custom metadata fields: create, list, update, delete (docs/custom-metadata.md)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import Field

from medialib.api import Identifier, caller_account_id, json_response, new_router
from medialib.api.contract import ErrorResponse, answers, error_answer
from medialib.fields import service
from medialib.fields.models import CreateFieldRequest, FieldResponse, ListFieldsQuery, UpdateFieldRequest

router = new_router()

_TAGS = ["Custom metadata fields"]


class InvalidFieldResponse(ErrorResponse):
    """ImageKit's error body; for an invalid field object, ``errors`` says what is wrong with each member."""

    errors: dict[str, str] | None = Field(
        default=None, description="By member (name, label, schema.minValue...): what is wrong with it."
    )


_INVALID_FIELD: OpenAPIResponse = {
    **error_answer(400, InvalidFieldResponse),
    "description": "Invalid field object (reason INVALID_FIELD, errors by member), a name or label taken "
    "(FIELD_NAME_EXISTS, FIELD_LABEL_EXISTS), too many fields (TOO_MANY_FIELDS), or an invalid body",
}


def _body(field: FieldResponse) -> dict[str, object]:
    return field.model_dump(by_alias=True, mode="json")


@router.post(
    "/v1/customMetadataFields",
    summary="Create a custom metadata field",
    tags=_TAGS,
    responses={**answers(409, 415, 503, success=(201, FieldResponse, "The field")), 400: _INVALID_FIELD},
)
def create_custom_metadata_field(request: CreateFieldRequest) -> Response[str]:
    return json_response(201, _body(service.create_field(caller_account_id(router), request.sent())))


@router.get(
    "/v1/customMetadataFields",
    summary="List the custom metadata fields",
    tags=_TAGS,
    responses=answers(400, 503, success=(200, list[FieldResponse], "The fields, in creation order")),
)
def list_custom_metadata_fields(query: Annotated[ListFieldsQuery, Query()]) -> Response[str]:
    fields = service.list_fields(caller_account_id(router), include_deleted=query.include_deleted)
    return json_response(200, [_body(field) for field in fields])


@router.patch(
    "/v1/customMetadataFields/<fieldId>",
    summary="Update a custom metadata field (label, description, schema)",
    tags=_TAGS,
    responses={**answers(404, 409, 415, 503, success=(200, FieldResponse, "The field")), 400: _INVALID_FIELD},
)
def update_custom_metadata_field(fieldId: Identifier, request: UpdateFieldRequest) -> Response[str]:
    return json_response(200, _body(service.update_field(caller_account_id(router), fieldId, request.sent())))


@router.delete(
    "/v1/customMetadataFields/<fieldId>",
    summary="Delete a custom metadata field (its name stays taken)",
    tags=_TAGS,
    responses={204: {"description": "Deleted"}, **answers(400, 404, 409, 503)},
)
def delete_custom_metadata_field(fieldId: Identifier) -> Response[str]:
    service.delete_field(caller_account_id(router), fieldId)
    return Response(status_code=204, body="")
