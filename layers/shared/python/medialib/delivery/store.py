"""What delivery reads and writes: files and versions (through ``medialib.files.service``), originals, and the
renditions bucket. The service speaks these terms; unit tests swap a ``DeliveryStore`` in."""

from __future__ import annotations

from typing import Protocol

from medialib.adapters import blobs
from medialib.adapters.blobs import Bounded
from medialib.files import service as files
from medialib.files.models import FileItem
from medialib.files.rules import version_object_key
from medialib.settings import BlobSettings, get_settings


class DeliveryStore(Protocol):
    def file_at(self, account_id: str, file_path: str) -> FileItem | None:
        """The current record of the file at the path, or None."""
        ...

    def versions(self, account_id: str, file_id: str) -> list[FileItem]:
        """Every version of the file, the current one included."""
        ...

    def original(self, version: FileItem) -> bytes | None:
        """The version's stored bytes, or None when its object is missing."""
        ...

    def rendition(self, key: str, max_bytes: int) -> Bounded | None:
        """A cached rendition (its bytes when at most ``max_bytes``, else only its size), or None."""
        ...

    def put_rendition(self, key: str, body: bytes, content_type: str, cache_control: str) -> None: ...

    def original_url(self, version: FileItem, expires_in: int, disposition: str | None) -> str:
        """A presigned GET URL of the version's object."""
        ...

    def rendition_url(self, key: str, expires_in: int, disposition: str | None) -> str:
        """A presigned GET URL of a stored rendition."""
        ...


class S3DeliveryStore:
    def file_at(self, account_id: str, file_path: str) -> FileItem | None:
        return files.file_at(account_id, file_path)

    def versions(self, account_id: str, file_id: str) -> list[FileItem]:
        return files.versions_of(account_id, file_id)

    def original(self, version: FileItem) -> bytes | None:
        key = version_object_key(version)
        return blobs.get(get_settings(BlobSettings).originals_bucket, key)

    def rendition(self, key: str, max_bytes: int) -> Bounded | None:
        return blobs.get_bounded(get_settings(BlobSettings).renditions_bucket, key, max_bytes)

    def put_rendition(self, key: str, body: bytes, content_type: str, cache_control: str) -> None:
        bucket = get_settings(BlobSettings).renditions_bucket
        blobs.put(bucket, key, body, content_type=content_type, cache_control=cache_control)

    def original_url(self, version: FileItem, expires_in: int, disposition: str | None) -> str:
        key = version_object_key(version)
        return blobs.presign(
            get_settings(BlobSettings).originals_bucket,
            key,
            expires_in=expires_in,
            content_disposition=disposition,
            content_type=version.mime,
        )

    def rendition_url(self, key: str, expires_in: int, disposition: str | None) -> str:
        bucket = get_settings(BlobSettings).renditions_bucket
        return blobs.presign(bucket, key, expires_in=expires_in, content_disposition=disposition)
