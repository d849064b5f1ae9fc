"""The upload answer, field by field as ImageKit returns it (seed 002), from the stored version. Pure."""

from __future__ import annotations

from typing import Any

from medialib.files.models import FileItem
from medialib.files.rules import ai_tags_of, file_url, thumbnail_url, version_info_of
from medialib.upload import rules
from medialib.upload.models import UploadRequest, UploadResponse

# Fields an upload answers only when ``responseFields`` names them.
ON_REQUEST = ("customMetadata", "embeddedMetadata", "metadata")


def legacy_metadata(item: FileItem, image_format: str | None) -> dict[str, Any]:
    """``metadata``: the legacy summary of the file (ImageKit's Metadata object, the fields medialib knows)."""
    return {
        "height": item.height,
        "width": item.width,
        "size": item.size,
        "format": image_format or "",
        "hasTransparency": bool(item.has_alpha),
        "exif": {},
    }


def upload_response(item: FileItem, request: UploadRequest, image_format: str | None, base_url: str) -> dict[str, Any]:
    answer = UploadResponse(
        file_id=item.file_id,
        name=item.name,
        url=file_url(base_url, item),
        thumbnail_url=thumbnail_url(base_url, item),
        height=item.height,
        width=item.width,
        size=item.size,
        file_path=item.file_path,
        tags=item.tags or None,
        ai_tags=ai_tags_of(item),
        version_info=version_info_of(item),
        is_private_file=item.is_private_file,
        is_published=item.is_published,
        custom_coordinates=item.custom_coordinates,
        file_type=item.file_type,
        description=item.description,
        custom_metadata=item.custom_metadata,
        embedded_metadata=item.embedded_metadata or {},
        metadata=legacy_metadata(item, image_format),
        extension_status=rules.extension_status(request.extensions),
    )
    body = answer.model_dump(by_alias=True, mode="json")
    for field in ON_REQUEST:
        if field not in request.response_fields:
            del body[field]
    if body["extensionStatus"] is None:
        del body["extensionStatus"]
    if body["description"] is None:
        del body["description"]
    return body
