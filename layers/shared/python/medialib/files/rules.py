"""Pure rules of the files domain: URLs of a file, the wire mapping, and list ordering."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

from medialib.errors import BadRequestError
from medialib.files.models import (
    AITag,
    FileItem,
    FileResponse,
    FileTypeFilter,
    FolderItem,
    FolderResponse,
    NewVersion,
    UpdateFileDetailsRequest,
    VersionedFile,
    VersionInfo,
)
from medialib.models import plain_numbers
from medialib.upload.rules import coordinates_outside, parse_tags

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


def _details(item: FileItem) -> tuple[object, ...]:
    return (item.tags, item.ai_tags, item.custom_coordinates, item.custom_metadata, item.description)


def without_ai_tags(
    ai_tags: list[dict[str, Any]] | None, names: list[str] | Literal["all"]
) -> list[dict[str, Any]] | None:
    """The AITags left once ``names`` (or ``"all"``) are removed; None when none is left."""
    if names == "all" or not ai_tags:
        return None
    removed = set(names)
    return [plain_numbers(tag) for tag in ai_tags if tag.get("name") not in removed] or None


def _checked_tags(tags: list[str]) -> list[str] | None:
    """Upload's tag rule (no ``%``, at most 500 characters in all, repeats dropped), as a 400 naming it."""
    try:
        return parse_tags(tags)
    except ValueError as error:
        raise BadRequestError(f"tags: {error}", reason="INVALID_PARAMETER") from None


def with_details(
    current: FileItem,
    request: UpdateFileDetailsRequest,
    *,
    custom_metadata: dict[str, Any] | None,
    now: datetime,
) -> FileItem | None:
    """The current version after a details update (``custom_metadata``: the merged and checked set, None when the
    request does not change it), or None when nothing would change (no write, ``updatedAt`` stays). AITags are
    removed first (before extensions, which medialib does not run). Coordinates must lie inside the image."""
    sent = request.model_fields_set
    update: dict[str, Any] = {}
    if request.remove_ai_tags is not None:
        update["ai_tags"] = without_ai_tags(current.ai_tags, request.remove_ai_tags)
    if "tags" in sent:
        update["tags"] = request.tags or None
    if "custom_coordinates" in sent:
        coordinates = request.custom_coordinates
        if (
            coordinates
            and current.width
            and current.height
            and coordinates_outside(coordinates, current.width, current.height)
        ):
            raise BadRequestError(
                f"customCoordinates {coordinates} reach outside the image ({current.width} x {current.height}).",
                reason="INVALID_PARAMETER",
            )
        update["custom_coordinates"] = coordinates
    if "description" in sent:
        update["description"] = request.description or None
    if custom_metadata is not None:
        update["custom_metadata"] = custom_metadata
    changed = current.model_copy(update=update)
    if _details(changed) == _details(current):
        return None
    return changed.model_copy(update={"updated_at": now})


def tags_added(current: FileItem, tags: list[str], now: datetime) -> FileItem | None:
    """``addTags``: the file's tags, then the new ones not already there, in order; None when all were there. A file
    whose tags would pass 500 characters in all is refused (400)."""
    merged = _checked_tags([*(current.tags or []), *tags])
    return None if merged == (current.tags or None) else current.model_copy(update={"tags": merged, "updated_at": now})


def tags_removed(current: FileItem, tags: list[str], now: datetime) -> FileItem | None:
    """``removeTags``: the file's tags without ``tags``; None when it had none of them."""
    removed = set(tags)
    left = [tag for tag in current.tags or [] if tag not in removed] or None
    return None if left == (current.tags or None) else current.model_copy(update={"tags": left, "updated_at": now})


def ai_tags_removed(current: FileItem, names: list[str], now: datetime) -> FileItem | None:
    """``removeAITags``: the file's AITags without those named; None when it had none of them."""
    left = without_ai_tags(current.ai_tags, names)
    if left == (current.ai_tags or None):
        return None
    return current.model_copy(update={"ai_tags": left, "updated_at": now})


# ------------------------------------------------------------------ details: file metadata

PHASH_SIDE = 32  # the grey image a pHash is computed from is PHASH_SIDE x PHASH_SIDE
_PHASH_BITS_SIDE = 8  # its lowest 8 x 8 frequencies make the 64 bits
# The IJG's luminance quantisation table (quality 50), which libjpeg scales for every other quality.
_IJG_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
_HALF_QUALITY = 50
_METADATA_HELP = "Send a delivery URL of your account: {base}/{{accountId}}/[tr:...]/{{filePath}}[?ik-obj-version=...]."


def _dct_rows(rows: Sequence[Sequence[float]], frequencies: int) -> list[list[float]]:
    """The first ``frequencies`` coefficients of the DCT-II of each row (unnormalised, as scipy's default)."""
    n = len(rows[0])
    cosines = [[math.cos(math.pi * u * (2 * x + 1) / (2 * n)) for x in range(n)] for u in range(frequencies)]
    return [[2 * sum(p * c for p, c in zip(row, cosine, strict=True)) for cosine in cosines] for row in rows]


def phash(grey: Sequence[float], side: int = PHASH_SIDE) -> str:
    """The 64-bit perceptual hash (pHash) of a ``side`` x ``side`` grey image given row by row: the 2-D DCT's lowest
    8 x 8 frequencies, each bit set when its coefficient is above their median, as 16 hexadecimal characters (the
    bit order of the ``imagehash`` library: row by row, the first bit most significant)."""
    if len(grey) != side * side:
        raise ValueError(f"a pHash needs {side * side} grey values, got {len(grey)}")
    rows = [list(grey[y * side : (y + 1) * side]) for y in range(side)]
    by_row = _dct_rows(rows, _PHASH_BITS_SIDE)  # [y][u]
    columns = [[by_row[y][u] for y in range(side)] for u in range(_PHASH_BITS_SIDE)]
    low = _dct_rows(columns, _PHASH_BITS_SIDE)  # [u][v]: v is the vertical frequency
    coefficients = [low[u][v] for v in range(_PHASH_BITS_SIDE) for u in range(_PHASH_BITS_SIDE)]
    ordered = sorted(coefficients)
    median = (ordered[31] + ordered[32]) / 2
    value = 0
    for coefficient in coefficients:
        value = (value << 1) | (coefficient > median)
    return f"{value:016x}"


def jpeg_quality(luminance: Sequence[int]) -> int:
    """A JPEG's quality (1-100) estimated from its luminance quantisation table, by inverting libjpeg's scaling of
    the IJG table (quality q < 50 scales it by 50/q, else by (100 - q)/50)."""
    scale = 100 * sum(luminance) / sum(_IJG_LUMINANCE)
    quality = (200 - scale) / 2 if scale <= 100 else 5000 / scale
    return max(1, min(100, round(quality)))


def format_name(pillow_format: str) -> str:
    """ImageKit's ``format`` of an image: ``jpg``, ``png``, ``webp``... (Pillow's format name, lower case)."""
    name = pillow_format.lower()
    return {"jpeg": "jpg", "tiff": "tiff", "heif": "heic"}.get(name, name)


def extension_of(name: str) -> str | None:
    """The extension of a file name, lower case (``format`` of a file that is not an image), or None."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem and extension else None


def delivery_path_of(url: str, base_url: str) -> tuple[str, dict[str, list[str]]]:
    """The delivery path (``/{accountId}/...``, decoded as API Gateway decodes it) and query of a URL on our
    delivery base URL; 400 for a malformed URL or another host."""
    help_text = _METADATA_HELP.format(base=base_url.rstrip("/"))
    try:
        parts, base = urlsplit(url.strip()), urlsplit(base_url)
        port, base_port = parts.port, base.port
    except ValueError:
        raise BadRequestError("url is not a valid URL.", help=help_text, reason="INVALID_URL") from None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise BadRequestError("url must be an http(s) URL.", help=help_text, reason="INVALID_URL")
    same_host = (parts.hostname, port) == ((base.hostname or "").lower(), base_port)
    prefix = base.path.rstrip("/")
    if not same_host or not (parts.path == prefix or parts.path.startswith(prefix + "/")):
        raise BadRequestError(
            f"url is not a delivery URL of this medialib: it must start with {base_url.rstrip('/')}/.",
            help=help_text,
            reason="FOREIGN_URL",
        )
    return unquote(parts.path[len(prefix) :]), parse_qs(parts.query, keep_blank_values=True)


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


# ------------------------------------------------------------------ details: the status of a bulk answer


def bulk_status(errors: Sequence[object] | None) -> int:
    """A bulk request's status (deleteByFileIds, addTags, removeTags, removeAITags): 200 when every file was done,
    207 (Multi-Status, the body's ``errors`` naming them) when some were not."""
    return 207 if errors else 200
