"""Pure rules of the files domain: URLs of a file, the wire mapping, and list ordering."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

from medialib.errors import BadRequestError
from medialib.files.models import (
    AITag,
    FileItem,
    FileResponse,
    FileTypeFilter,
    FolderItem,
    FolderResponse,
    NewVersion,
    VersionedFile,
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


def ai_tags_of(item: FileItem) -> list[AITag] | None:
    """The version's AITags as ImageKit answers them: null when there are none."""
    return [AITag.model_validate(tag) for tag in item.ai_tags] if item.ai_tags else None


def version_info_of(item: FileItem) -> VersionInfo:
    """``versionInfo``: the version's id and its name, ``Version N``."""
    return VersionInfo(id=item.version_id, name=f"Version {item.version_number}")


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
        ai_tags=ai_tags_of(item),
        version_info=version_info_of(item),
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


def matches_published(entry: FileItem | FolderItem, is_published: bool | None) -> bool:
    """The ``isPublished`` filter of a listing applies to files and to versions (each version by its own state);
    folders are always listed, and no filter (None) lists everything."""
    return isinstance(entry, FolderItem) or is_published is None or entry.is_published is is_published


# ------------------------------------------------------------------ versions (seed 001)

MAX_VERSIONS = 100


def blob_key(account_id: str, file_id: str, version_id: str) -> str:
    """Every version is its own immutable object, keyed by ids, never by path."""
    return f"{account_id}/{file_id}/{version_id}"


def new_version_item(  # noqa: PLR0913 - the ids, the clock and the version before are all inputs of the rule
    new: NewVersion,
    previous: VersionedFile | None,
    *,
    account_id: str,
    version_id: str,
    token: str,
    now: datetime,
) -> FileItem:
    """The record of a version an upload stores. The first version's id is the file's id. Over an existing file:
    absent ``tags`` are removed unless ``overwriteTags`` is false, AITags are removed unless ``overwriteAITags``
    is false, absent ``customMetadata`` is removed unless ``overwriteCustomMetadata`` is false, and absent
    ``customCoordinates`` are removed (seed 002)."""
    before = previous.item if previous else None
    tags = new.tags
    custom_metadata = new.custom_metadata
    ai_tags = None
    if before is not None:
        if tags is None and not new.overwrite_tags:
            tags = before.tags
        if custom_metadata is None and not new.overwrite_custom_metadata:
            custom_metadata = before.custom_metadata
        if not new.overwrite_ai_tags:
            ai_tags = before.ai_tags
    return FileItem(
        type="file",
        account_id=account_id,
        file_id=before.file_id if before else version_id,
        version_id=version_id,
        version_number=previous.seq + 1 if previous else 1,
        name=new.name,
        file_path=f"{new.folder.rstrip('/')}/{new.name}",
        file_type=new.file_type,
        mime=new.mime,
        size=new.size,
        width=new.width,
        height=new.height,
        has_alpha=new.has_alpha,
        tags=tags or None,
        ai_tags=ai_tags,
        is_private_file=new.is_private_file,
        is_published=new.is_published,
        custom_coordinates=new.custom_coordinates,
        custom_metadata=custom_metadata or {},
        embedded_metadata=new.embedded_metadata,
        description=new.description,
        transformation=new.transformation,
        object_token=token,
        created_at=now,
        updated_at=now,
    )


def as_listed_version(version: FileItem, current_version_id: str) -> FileItem:
    """A stored version as the versions endpoints show it: the current one is ``file`` (its bare URL), every
    other one ``file-version`` (its URL carries ``ik-obj-version``)."""
    kind = "file" if version.version_id == current_version_id else "file-version"
    return version.model_copy(update={"type": kind})


def restored_item(version: FileItem, now: datetime) -> FileItem:
    """Restoring makes a version current again: the file's current record becomes that version (same version id
    and name), updated now; the version that was current stays in the history."""
    return version.model_copy(update={"type": "file", "updated_at": now})


# ------------------------------------------------------------------ published state (seed 000)


def to_republish(
    current: FileItem, versions: Iterable[FileItem], *, is_published: bool, include_file_versions: bool
) -> list[FileItem]:
    """The versions whose published state a publish request changes: the current one, or every version with
    ``includeFileVersions``. A version already in the state asked for is left alone, its token still valid."""
    chosen = {version.version_id: version for version in versions} if include_file_versions else {}
    chosen.setdefault(current.version_id, current)
    return [version for version in chosen.values() if version.is_published != is_published]


def republished(version: FileItem, *, is_published: bool, token: str, now: datetime) -> FileItem:
    """A version after its published state changed: a new ``ik-obj-version`` token, so that the old one stops
    working (seed 000: the version's URL changes on publish and on unpublish)."""
    return version.model_copy(update={"is_published": is_published, "object_token": token, "updated_at": now})


# ------------------------------------------------------------------ details: delete, details, tags


def complete_history(previous: VersionedFile, versions: Iterable[FileItem]) -> bool:
    """Whether ``versions`` (read after ``previous``) are all of the file's versions: as many as it counts, the
    current one among them. A read that missed a version (read from a stale copy) must be read again."""
    ids = {version.version_id for version in versions}
    return len(ids) == previous.count and previous.item.version_id in ids


# ------------------------------------------------------------------ moves: copy, move and rename (seed 001)


def version_object_key(version: FileItem) -> str:
    """The object of a version: where its bytes are. Every reader of a version's bytes goes through here (delivery,
    delete, copy, the orphan sweep): a version moved into another file keeps its object (``blob_key``)."""
    return version.blob_key or blob_key(version.account_id, version.file_id, version.version_id)


def in_append_order(versions: list[FileItem], current_version_id: str) -> list[FileItem]:
    """The order in which a file's versions join another history: oldest first by version number, the current one
    last, so that it becomes the destination's current version (seed 001: "appended to the history")."""
    return sorted(versions, key=lambda v: (v.version_id == current_version_id, v.version_number))


def destination_of(folder: str, name: str) -> str:
    """The path of a file named ``name`` in ``folder`` (``/`` is the root)."""
    return f"{folder.rstrip('/')}/{name}"


def check_version_room(existing: int, adding: int, path: str) -> None:
    """Seed 001: a file has at most 100 versions; appending past it is refused whole (nothing written)."""
    if existing + adding > MAX_VERSIONS:
        raise BadRequestError(
            f"{path} has {existing} versions and this would add {adding}: a file has at most {MAX_VERSIONS}. "
            "Nothing was copied or moved; delete versions of the destination first.",
            reason="VERSION_LIMIT_REACHED",
        )


def copied_version(  # noqa: PLR0913 - the source, where it goes, and the new ids
    source: FileItem, *, file_id: str, file_path: str, version_id: str, number: int, token: str, now: datetime
) -> FileItem:
    """A copy of a version: a new version (new id, number, ik-obj-version token, times) of the destination file,
    with the source's content description, tags, custom metadata, published state and privacy. Its object is a
    copy under its own derived key."""
    return source.model_copy(
        update={
            "file_id": file_id,
            "version_id": version_id,
            "version_number": number,
            "name": file_path.rsplit("/", 1)[1],
            "file_path": file_path,
            "object_token": token,
            "created_at": now,
            "updated_at": now,
            "blob_key": None,
        }
    )


def moved_version(source: FileItem, *, file_id: str, file_path: str, number: int, now: datetime) -> FileItem:
    """A version moved into another file's history: same version id and token (its ik-obj-version URL works at the
    new path), a new number, and the object it always had (``blob_key`` when that is not the derived key)."""
    key = version_object_key(source)
    return source.model_copy(
        update={
            "file_id": file_id,
            "version_number": number,
            "name": file_path.rsplit("/", 1)[1],
            "file_path": file_path,
            "updated_at": now,
            "blob_key": None if key == blob_key(source.account_id, file_id, source.version_id) else key,
        }
    )


def relocated(version: FileItem, file_path: str) -> FileItem:
    """A version of a file that moves (or is renamed) without joining another: only its path and name change."""
    return version.model_copy(update={"file_path": file_path, "name": file_path.rsplit("/", 1)[1]})


def relocated_current(current: FileItem, file_path: str, now: datetime) -> FileItem:
    return relocated(current, file_path).model_copy(update={"updated_at": now})
