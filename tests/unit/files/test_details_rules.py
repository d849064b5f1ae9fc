"""The rules of a details update and of the bulk tag operations, on one stored version: what each field does,
when nothing changes (no write), and the refusals (ImageKit's bounds, as upload applies them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from medialib.errors import BadRequestError
from medialib.files.models import BulkAITagsRequest, BulkTagsRequest, FileItem, UpdateFileDetailsRequest
from medialib.files.rules import ai_tags_removed, tags_added, tags_removed, with_details, without_ai_tags

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 2, 1, tzinfo=UTC)
AI = [
    {"name": "Car", "confidence": 90.5, "source": "google-auto-tagging"},
    {"name": "Tree", "confidence": 80, "source": "aws-auto-tagging"},
]


def item(**changes: Any) -> FileItem:
    fields: dict[str, Any] = {
        "accountId": "acme",
        "fileId": "f1",
        "versionId": "v2",
        "versionNumber": 2,
        "name": "a.png",
        "filePath": "/a.png",
        "fileType": "image",
        "mime": "image/png",
        "size": 10,
        "width": 40,
        "height": 20,
        "tags": ["a", "b"],
        "AITags": AI,
        "customCoordinates": "1,1,5,5",
        "customMetadata": {"brand": "Nike"},
        "description": "old",
        "objectToken": "tok",
        "createdAt": T0,
        "updatedAt": T0,
    }
    return FileItem.model_validate(fields | changes)


def request(body: dict[str, Any]) -> UpdateFileDetailsRequest:
    return UpdateFileDetailsRequest.model_validate(body)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(({"tags": ["x", "x", " y "]}, "tags", ["x", "y"]), id="tags-replaced-repeats-and-spaces-dropped"),
        pytest.param(({"tags": None}, "tags", None), id="tags-null-clears"),
        pytest.param(({"tags": []}, "tags", None), id="tags-empty-list-clears"),
        pytest.param(({"customCoordinates": "0,0,40,20"}, "custom_coordinates", "0,0,40,20"), id="coordinates-whole-image"),
        pytest.param(({"customCoordinates": None}, "custom_coordinates", None), id="coordinates-null-clears"),
        pytest.param(({"customCoordinates": ""}, "custom_coordinates", None), id="coordinates-empty-clears"),
        pytest.param(({"description": "new"}, "description", "new"), id="description-set"),
        pytest.param(({"description": None}, "description", None), id="description-null-clears"),
        pytest.param(({"removeAITags": "all"}, "ai_tags", None), id="removeAITags-all"),
        pytest.param(({"removeAITags": ["Car", "Bus"]}, "ai_tags", [AI[1]]), id="removeAITags-by-name"),
        pytest.param(({"removeAITags": ["Car", "Tree"]}, "ai_tags", None), id="removeAITags-every-name-is-none"),
    ],
)  # fmt: skip
def test_each_details_field(case: tuple[dict[str, Any], str, Any]) -> None:
    body, field, expected = case
    changed = with_details(item(), request(body), custom_metadata=None, now=NOW)
    assert changed is not None and getattr(changed, field) == expected and changed.updated_at == NOW
    untouched = {"tags", "ai_tags", "custom_coordinates", "description"} - {field}
    assert all(getattr(changed, name) == getattr(item(), name) for name in untouched)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"tags": ["a", "b"]}, id="same-tags"),
        pytest.param({"description": "old"}, id="same-description"),
        pytest.param({"removeAITags": ["Bus"]}, id="removeAITags-none-present"),
        pytest.param({"webhookUrl": "https://h.example"}, id="webhook-only"),
        pytest.param({"extensions": [{"name": "remove-bg"}]}, id="extensions-only"),
    ],
)
def test_an_update_that_changes_nothing_is_none(body: dict[str, Any]) -> None:
    """No write, and updatedAt does not move."""
    assert with_details(item(), request(body), custom_metadata=None, now=NOW) is None


def test_custom_metadata_is_the_checked_set_given() -> None:
    changed = with_details(item(), request({"customMetadata": {"brand": None}}), custom_metadata={}, now=NOW)
    assert changed is not None and changed.custom_metadata == {}


@pytest.mark.parametrize(
    "coordinates", ["30,0,20,10", "0,15,10,10", "40,20,1,1"], ids=["past-the-right", "past-the-bottom", "at-the-corner"]
)
def test_coordinates_outside_the_image_are_refused(coordinates: str) -> None:
    with pytest.raises(BadRequestError, match="outside the image"):
        with_details(item(), request({"customCoordinates": coordinates}), custom_metadata=None, now=NOW)


def test_coordinates_of_a_file_without_dimensions_are_not_bounded() -> None:
    changed = with_details(
        item(width=None, height=None), request({"customCoordinates": "900,900,9,9"}), custom_metadata=None, now=NOW
    )
    assert changed is not None and changed.custom_coordinates == "900,900,9,9"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"tags": ["a%"]}, id="tag-with-percent"),
        pytest.param({"tags": ["x" * 251, "y" * 250]}, id="tags-over-500-characters"),
        pytest.param({"tags": "a,b"}, id="tags-as-text"),
        pytest.param({"customCoordinates": "1,2,3"}, id="three-coordinates"),
        pytest.param({"customCoordinates": "1,2,0,4"}, id="zero-width"),
        pytest.param({"customMetadata": None}, id="customMetadata-null"),
        pytest.param({"removeAITags": "All"}, id="removeAITags-All-capitalised"),
        pytest.param({"webhookUrl": "javascript:alert(1)"}, id="webhook-not-http"),
        pytest.param({"extensions": [{"name": "aws-auto-tagging", "maxTags": 0, "minConfidence": 5}]}, id="maxTags-0"),
        pytest.param({"extensions": [{"name": "google-auto-tagging", "max_tags": 2, "min_confidence": 101}]}, id="confidence-101"),
        pytest.param({"publish": {"isPublished": True}, "tags": ["a"]}, id="publish-with-tags"),
        pytest.param({"AITags": ["a"]}, id="unknown-field"),
        pytest.param({}, id="nothing"),
    ],
)  # fmt: skip
def test_a_details_request_out_of_bounds_is_refused_at_the_edge(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        request(body)


def test_snake_case_extension_keys_are_read_as_camel_case() -> None:
    body = {"extensions": [{"name": "google-auto-tagging", "max_tags": 2, "min_confidence": 50}]}
    assert request(body).extensions == [{"name": "google-auto-tagging", "maxTags": 2, "minConfidence": 50}]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param((["a", "b"], ["b", "c", "a", "d"], ["a", "b", "c", "d"]), id="order-kept-no-repeats"),
        pytest.param((None, ["x"], ["x"]), id="to-a-file-without-tags"),
    ],
)
def test_tags_added(case: tuple[list[str] | None, list[str], list[str]]) -> None:
    before, added, after = case
    changed = tags_added(item(tags=before), added, NOW)
    assert changed is not None and changed.tags == after and changed.updated_at == NOW


def test_adding_tags_already_there_changes_nothing() -> None:
    assert tags_added(item(), ["b", "a"], NOW) is None


def test_adding_past_500_characters_is_refused() -> None:
    with pytest.raises(BadRequestError, match="500"):
        tags_added(item(tags=["x" * 450]), ["y" * 60], NOW)


def test_tags_and_ai_tags_removed() -> None:
    assert tags_removed(item(), ["a", "zzz"], NOW).tags == ["b"]  # type: ignore[union-attr]
    assert tags_removed(item(), ["a", "b"], NOW).tags is None  # type: ignore[union-attr]
    assert tags_removed(item(), ["zzz"], NOW) is None
    assert ai_tags_removed(item(), ["Tree"], NOW).ai_tags == [AI[0]]  # type: ignore[union-attr]
    assert ai_tags_removed(item(), ["Bus"], NOW) is None
    assert without_ai_tags(None, ["Car"]) is None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"fileIds": [], "tags": ["a"]}, id="no-ids"),
        pytest.param({"fileIds": ["f"] * 51, "tags": ["a"]}, id="51-ids"),
        pytest.param({"fileIds": ["f"], "tags": []}, id="no-tags"),
        pytest.param({"fileIds": ["f"], "tags": ["", " "]}, id="blank-tags"),
        pytest.param({"fileIds": ["f"], "tags": ["a%b"]}, id="percent"),
        pytest.param({"fileIds": ["f"], "tags": ["x" * 300, "y" * 300]}, id="over-500-characters"),
        pytest.param({"fileIds": ["a/b"], "tags": ["a"]}, id="id-with-slash"),
    ],
)
def test_a_bulk_tags_request_out_of_bounds_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        BulkTagsRequest.model_validate(body)


def test_remove_ai_tags_reads_the_capitalised_key() -> None:
    assert BulkAITagsRequest.model_validate({"fileIds": ["f"], "AITags": ["Car"]}).ai_tags == ["Car"]
    with pytest.raises(ValidationError):
        BulkAITagsRequest.model_validate({"fileIds": ["f"], "aiTags": ["Car"]})
