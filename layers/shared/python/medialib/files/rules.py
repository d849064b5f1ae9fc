"""Pure rules of the files domain: URLs of a file, the wire mapping, and list ordering."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from medialib.files.models import (
    AITag,
    FileItem,
    FileResponse,
    FileTypeFilter,
    FolderItem,
    FolderResponse,
    VersionInfo,
)

THUMBNAIL_TRANSFORMATION = "tr:n-ik_ml_thumbnail"


def iso(moment: datetime) -> str:
    """ImageKit's timestamp format: ``2019-08-24T06:14:41.313Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def file_url(base_url: str, item: FileItem) -> str:
    url = f"{base_url.rstrip('/')}/{item.account_id}{quote(item.file_path)}"
    return url if item.type == "file" else f"{url}?ik-obj-version={item.object_token}"


def thumbnail_url(base_url: str, item: FileItem) -> str | None:
    if item.file_type != "image":
        return None
    return f"{base_url.rstrip('/')}/{item.account_id}/{THUMBNAIL_TRANSFORMATION}{quote(item.file_path)}"


def to_file_response(item: FileItem, base_url: str) -> FileResponse:
    return FileResponse(
        file_id=item.file_id,
        type=item.type,
        name=item.name,
        file_path=item.file_path,
        url=file_url(base_url, item),
        thumbnail=thumbnail_url(base_url, item),
        file_type=item.file_type,
        mime=item.mime,
        width=item.width,
        height=item.height,
        size=item.size,
        has_alpha=item.has_alpha,
        tags=item.tags or None,
        ai_tags=[AITag.model_validate(tag) for tag in item.ai_tags] if item.ai_tags else None,
        version_info=VersionInfo(id=item.version_id, name=f"Version {item.version_number}"),
        is_private_file=item.is_private_file,
        is_published=item.is_published,
        custom_coordinates=item.custom_coordinates,
        custom_metadata=item.custom_metadata,
        embedded_metadata=item.embedded_metadata,
        description=item.description,
        created_at=iso(item.created_at),
        updated_at=iso(item.updated_at),
    )


def to_folder_response(item: FolderItem) -> FolderResponse:
    return FolderResponse(
        name=item.name,
        folder_id=item.folder_id,
        folder_path=item.folder_path,
        created_at=iso(item.created_at),
        updated_at=iso(item.updated_at),
    )


def folder_of(path: str) -> str:
    """Normalise a ``path`` query value to a folder path: leading slash, no trailing slash except root."""
    stripped = path.strip("/")
    return "/" + stripped if stripped else "/"


def matches_file_type(entry: FileItem | FolderItem, file_type: FileTypeFilter) -> bool:
    """The ``fileType`` filter of a listing applies to files; folders are always listed."""
    return isinstance(entry, FolderItem) or file_type is FileTypeFilter.ALL or entry.file_type == file_type.value
