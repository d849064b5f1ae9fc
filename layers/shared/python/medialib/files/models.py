"""File and folder shapes: the stored rows (``*Item``) and ImageKit's wire objects, mapped explicitly."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from medialib.models import ItemModel, ResourceId, WireModel, plain_numbers, query_boolean
from medialib.upload.rules import (
    check_webhook_url,
    normalise_folder,
    parse_coordinates,
    parse_extensions,
    parse_tags,
    sanitize_file_name,
)


class ListType(StrEnum):
    FILE = "file"
    FILE_VERSION = "file-version"
    FOLDER = "folder"
    ALL = "all"


class FileTypeFilter(StrEnum):
    ALL = "all"
    IMAGE = "image"
    NON_IMAGE = "non-image"


SortKey = Literal[
    "ASC_NAME", "DESC_NAME", "ASC_CREATED", "DESC_CREATED", "ASC_UPDATED", "DESC_UPDATED",
    "ASC_HEIGHT", "DESC_HEIGHT", "ASC_WIDTH", "DESC_WIDTH", "ASC_SIZE", "DESC_SIZE",
    "ASC_RELEVANCE", "DESC_RELEVANCE", "ASC_DURATION", "DESC_DURATION",
    "ASC_ORIGINAL_CREATION_DATE", "DESC_ORIGINAL_CREATION_DATE",
]  # fmt: skip


# skip past what any account holds (a listing reads skip + limit items): bounded so that a page is always a number
MAX_SKIP = 10_000_000


class ListFilesQuery(WireModel):
    """``GET /v1/files`` query parameters, with ImageKit's defaults and bounds."""

    type: ListType = ListType.FILE
    sort: SortKey = "ASC_CREATED"
    path: str | None = Field(default=None, max_length=1024)
    search_query: str | None = Field(default=None, max_length=4096)
    file_type: FileTypeFilter = FileTypeFilter.ALL
    limit: int = Field(default=1000, ge=1, le=1000)
    skip: int = Field(default=0, ge=0, le=MAX_SKIP)
    is_published: bool | None = Field(
        default=None,
        description="medialib extension: true lists only published files (or versions), false only drafts; "
        "folders are listed either way. Applied before skip and limit.",
    )

    @field_validator("is_published", mode="before")
    @classmethod
    def _true_or_false(cls, value: Any) -> Any:
        return query_boolean(value)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, values: Any) -> Any:
        """``?sort=&limit=`` (a form left blank) means the defaults, not a 400 per parameter."""
        return {k: v for k, v in values.items() if v != ""} if isinstance(values, dict) else values


class AITag(WireModel):
    name: str
    confidence: float
    source: str


class VersionInfo(WireModel):
    id: str
    name: str


class FileItem(ItemModel):
    """The stored record of a file's current version or of one older version (``type``)."""

    type: Literal["file", "file-version"] = "file"
    account_id: str = Field(alias="accountId")
    file_id: str = Field(alias="fileId")
    version_id: str = Field(alias="versionId")
    version_number: int = Field(alias="versionNumber", ge=1)
    name: str
    file_path: str = Field(alias="filePath")
    file_type: Literal["image", "non-image"] = Field(alias="fileType")
    mime: str
    size: int
    width: int | None = None
    height: int | None = None
    has_alpha: bool | None = Field(default=None, alias="hasAlpha")
    tags: list[str] | None = None
    ai_tags: list[dict[str, Any]] | None = Field(default=None, alias="AITags")
    is_private_file: bool = Field(default=False, alias="isPrivateFile")
    is_published: bool = Field(default=True, alias="isPublished")
    custom_coordinates: str | None = Field(default=None, alias="customCoordinates")
    custom_metadata: dict[str, Any] = Field(default_factory=dict, alias="customMetadata")
    embedded_metadata: dict[str, Any] | None = Field(default=None, alias="embeddedMetadata")
    description: str | None = None
    transformation: dict[str, Any] | None = Field(
        default=None, description="The upload's pre/post transformation, stored for the delivery issue to apply."
    )
    object_token: str = Field(alias="objectToken", description="The ik-obj-version token of this version.")
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")
    blob_key: str | None = Field(
        default=None,
        alias="blobKey",
        description="The version's object when it is not the derived {acc}/{fileId}/{versionId} (a version moved "
        "into another file keeps its object); read it with files.rules.version_object_key, never directly.",
    )

    # ------------------------------------------------------------------ fields: numbers as stored
    @field_validator("custom_metadata", "embedded_metadata", mode="before")
    @classmethod
    def _plain_numbers(cls, value: Any) -> Any:
        """Read from the table, numbers are Decimals: ints and floats again, so that the answers show numbers and a
        row written back (``mode="json"``) does not turn them into strings."""
        return plain_numbers(value)


class FileResponse(WireModel):
    """ImageKit's File / file-version object, as the details, versions and list endpoints answer it."""

    file_id: str
    type: str
    name: str
    file_path: str
    url: str
    thumbnail: str | None
    file_type: str
    mime: str
    width: int | None
    height: int | None
    size: int
    has_alpha: bool | None
    tags: list[str] | None
    ai_tags: list[AITag] | None = Field(serialization_alias="AITags")
    version_info: VersionInfo
    is_private_file: bool
    is_published: bool
    custom_coordinates: str | None
    custom_metadata: dict[str, Any]
    embedded_metadata: dict[str, Any] | None
    description: str | None
    created_at: str
    updated_at: str


class FolderItem(ItemModel):
    account_id: str = Field(alias="accountId")
    folder_id: str = Field(alias="folderId")
    name: str
    folder_path: str = Field(alias="folderPath")
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")


class FolderResponse(WireModel):
    type: Literal["folder"] = "folder"
    name: str
    folder_id: str
    folder_path: str
    custom_metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: str
    updated_at: str


class NewVersion(ItemModel):
    """What an upload (direct, or a finalised session) says about the version it stores; ``None`` for tags,
    custom coordinates or custom metadata means the request did not send them (the overwrite flags decide)."""

    name: str
    folder: str
    mime: str
    size: int = Field(ge=0)
    file_type: Literal["image", "non-image"]
    width: int | None = None
    height: int | None = None
    has_alpha: bool | None = None
    embedded_metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    custom_coordinates: str | None = None
    custom_metadata: dict[str, Any] | None = None
    is_private_file: bool = False
    is_published: bool = True
    description: str | None = None
    transformation: dict[str, Any] | None = None
    overwrite_file: bool = True
    overwrite_tags: bool = True
    overwrite_ai_tags: bool = True
    overwrite_custom_metadata: bool = True


class VersionedFile(ItemModel):
    """A file's current record with its version counters: ``seq`` numbers versions (``Version N``) and is the
    condition of every write to the file; ``count`` is how many versions exist (at most 100); ``publish_seq``
    counts the file's publish/unpublish writes (0 before the first): every ``set_published`` moves it on, so that
    the later transactions of a write too big for one see whether another came in between."""

    item: FileItem
    seq: int = Field(ge=1)
    count: int = Field(ge=1)
    publish_seq: int = Field(default=0, ge=0)


class PublishStatus(WireModel):
    """``publish`` of ``PATCH /v1/files/{fileId}/details``: the state to set, on the current version or on all.
    A misspelt option is a 400: ignoring ``includeFileVersion`` would leave older versions public."""

    model_config = ConfigDict(extra="forbid")

    is_published: StrictBool  # JSON true/false only: "false" or 0 is a 400, not a guess
    include_file_versions: StrictBool = False


MAX_DETAILS_TAGS = 500  # each tag at least one character: more cannot fit the 500 characters of a file's tags
MAX_DETAILS_METADATA_KEYS = 100
# A tag in a JSON list: text, at most the 500 characters all of a file's tags may take.
DetailsTag = Annotated[str, Field(max_length=500)]


class UpdateFileDetailsRequest(WireModel):
    """``PATCH /v1/files/{fileId}/details``: either ``publish`` alone (as the SDKs send it), or any of the details
    fields, each checked by the upload's rule for it (``upload/rules.py``). Unknown fields are a 400. A field
    absent is left as it is; ``tags``, ``customCoordinates`` and ``description`` sent as null are removed."""

    model_config = ConfigDict(extra="forbid")

    publish: PublishStatus | SkipJsonSchema[None] = None  # null is a 400 (below), so the document says object
    tags: Annotated[list[DetailsTag], Field(max_length=MAX_DETAILS_TAGS)] | None = Field(
        default=None,
        description="Replace the tags (null or [] removes them): at most 500 characters in all, no %.",
    )
    custom_coordinates: str | None = Field(
        default=None, max_length=64, description="x,y,width,height inside the image; null removes them."
    )
    custom_metadata: Annotated[dict[str, Any], Field(max_length=MAX_DETAILS_METADATA_KEYS)] | SkipJsonSchema[None] = (
        Field(
            default=None,
            description="Merged into the file's custom metadata: a key set to null is removed. Each key must be a "
            "custom metadata field of the account, each value valid for it.",
        )
    )
    remove_ai_tags: Annotated[list[DetailsTag], Field(max_length=MAX_DETAILS_TAGS)] | Literal["all"] | None = Field(
        default=None,
        alias="removeAITags",
        description='AITags to remove by name, or "all"; applied before extensions.',
    )
    webhook_url: str | None = Field(
        default=None, max_length=2048, description="Where extension results would be posted (no extension runs)."
    )
    extensions: Annotated[list[dict[str, Any]], Field(max_length=10)] | None = Field(
        default=None,
        description="Extensions to run; medialib runs none, and reports each as failed in extensionStatus.",
    )
    description: str | None = Field(default=None, max_length=1024, description="null removes it.")

    @field_validator("tags", mode="after")
    @classmethod
    def _tags_rule(cls, value: list[str] | None) -> list[str] | None:
        return parse_tags(value)

    @field_validator("custom_coordinates", mode="after")
    @classmethod
    def _coordinates_rule(cls, value: str | None) -> str | None:
        return parse_coordinates(value)

    @field_validator("webhook_url", mode="after")
    @classmethod
    def _webhook_rule(cls, value: str | None) -> str | None:
        return check_webhook_url(value)

    @field_validator("extensions", mode="after")
    @classmethod
    def _extensions_rule(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        return parse_extensions(value)

    @model_validator(mode="after")
    def _publish_alone(self) -> UpdateFileDetailsRequest:
        if not self.model_fields_set:
            raise ValueError("nothing to update: send publish, or the details to change")
        if "publish" in self.model_fields_set and self.publish is None:
            raise ValueError('publish must be an object: {"isPublished": true|false}')
        if self.publish is not None and any(getattr(self, f) is not None for f in self.model_fields_set - {"publish"}):
            raise ValueError("publish cannot be combined with other fields: send it in a request of its own")
        if "custom_metadata" in self.model_fields_set and self.custom_metadata is None:
            raise ValueError('customMetadata must be an object; to remove a key send {"key": null}')
        return self


# ------------------------------------------------------------------ details: bulk requests and answers

MAX_BULK_DELETE_FILES = 100  # POST /v1/files/batch/deleteByFileIds (ImageKit's SDK documents 100)
MAX_BULK_TAG_FILES = 50  # addTags, removeTags, removeAITags (ImageKit's SDK documents 50)
MAX_TAGS_PER_REQUEST = 500  # each tag is at least one character, and a file's tags are at most 500 in all

# A tag as sent in a JSON list: text, not empty, bounded (the 500-character rule is on all of a file's tags).
Tag = Annotated[str, Field(min_length=1, max_length=500)]


class BulkDeleteRequest(WireModel):
    """``POST /v1/files/batch/deleteByFileIds``."""

    model_config = ConfigDict(extra="forbid")

    file_ids: list[ResourceId] = Field(min_length=1, max_length=MAX_BULK_DELETE_FILES)


class BulkFileError(WireModel):
    """One file a bulk request could not change, and why."""

    file_id: str
    error: str


class BulkDeleteResponse(WireModel):
    """200 (``errors`` absent) or 207 (some files failed: they are in ``errors``)."""

    successfully_deleted_file_ids: list[str]
    errors: list[BulkFileError] | None = None


class BulkTagsRequest(WireModel):
    """``POST /v1/files/addTags`` and ``/v1/files/removeTags``."""

    model_config = ConfigDict(extra="forbid")

    file_ids: list[ResourceId] = Field(min_length=1, max_length=MAX_BULK_TAG_FILES)
    tags: list[Tag] = Field(min_length=1, max_length=MAX_TAGS_PER_REQUEST)

    @field_validator("tags", mode="after")
    @classmethod
    def _tags_rule(cls, value: list[str]) -> list[str]:
        """Upload's tag rule: no ``%``, at most 500 characters in all; blank entries and repeats dropped."""
        tags = parse_tags(value)
        if not tags:
            raise ValueError("tags must hold at least one tag that is not blank")
        return tags


class BulkAITagsRequest(WireModel):
    """``POST /v1/files/removeAITags`` (the key is ``AITags``, capitalised)."""

    model_config = ConfigDict(extra="forbid")

    file_ids: list[ResourceId] = Field(min_length=1, max_length=MAX_BULK_TAG_FILES)
    ai_tags: list[Tag] = Field(alias="AITags", min_length=1, max_length=MAX_TAGS_PER_REQUEST)


class BulkUpdateResponse(WireModel):
    """200 (``errors`` absent) or 207 (some files failed: they are in ``errors``)."""

    successfully_updated_file_ids: list[str]
    errors: list[BulkFileError] | None = None


class MissingFilesResponse(WireModel):
    """The 404 of a bulk request naming files that do not exist (nothing was changed)."""

    message: str
    help: str
    reason: str | None = None
    missing_file_ids: list[str]


class UpdatedFileResponse(FileResponse):
    """``PATCH /v1/files/{fileId}/details``: the File object, and ``extensionStatus`` when extensions were asked."""

    extension_status: dict[str, str] | None = None


# ------------------------------------------------------------------ details: file metadata


class MetadataQuery(WireModel):
    """``GET /v1/metadata?url=``: a delivery URL of the caller's account."""

    url: str = Field(
        min_length=1, max_length=4096, description="A delivery URL of your account (DELIVERY_BASE_URL/{accountId}/...)."
    )


class MetadataResponse(WireModel):
    """ImageKit's Metadata object. Image fields are absent for a file that is not an image (its ``size`` and
    ``format`` are given); ``quality`` is a JPEG's estimated quality; ``pHash`` is a 64-bit DCT perceptual hash (16
    hexadecimal characters); ``exif`` holds ImageKit's sections (``image``, ``thumbnail``, ``exif``, ``gps``,
    ``interoperability``, ``makernote``)."""

    height: int | None = None
    width: int | None = None
    size: int
    format: str | None = None
    has_color_profile: bool | None = None
    quality: int | None = None
    density: int | None = None
    has_transparency: bool | None = None
    p_hash: str | None = Field(default=None, serialization_alias="pHash")
    exif: dict[str, dict[str, Any]] | None = None


# ------------------------------------------------------------------ moves: copy, move and rename (seed 001)


def _file_path(value: Any) -> Any:
    """A file is named by its path (``/folder/name.ext``, leading ``/`` optional): only its current version can
    be; a version's URL form (``?ik-obj-version=``) or a query, a fragment or a folder path is refused."""
    if not isinstance(value, str):
        return value  # the str type says it
    path = value.strip()
    if "?" in path or "#" in path:
        raise ValueError(
            "must be a file path such as /folder/file.jpg, without a query: a non-current version "
            "(?ik-obj-version=...) cannot be copied, moved or renamed"
        )
    if not path.strip("/") or path.endswith("/"):
        raise ValueError("must be a file path such as /folder/file.jpg, not a folder")
    return path if path.startswith("/") else "/" + path


def _folder_path(value: Any) -> Any:
    """A destination folder, read by upload's ``folder`` rule; an empty one is a mistake, not the root."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        raise ValueError("must be a folder path such as /folder/ (/ for the root)")
    return normalise_folder(value)


def _new_file_name(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if "/" in value:
        raise ValueError("must be a file name, without /: rename does not move a file (use /v1/files/move)")
    try:
        return sanitize_file_name(value)
    except ValueError as err:  # its sentences name fileName
        raise ValueError(str(err).replace("fileName", "newFileName")) from None


SourceFilePath = Annotated[StrictStr, Field(min_length=1, max_length=2048), BeforeValidator(_file_path)]
DestinationFolder = Annotated[StrictStr, Field(min_length=1, max_length=1024), BeforeValidator(_folder_path)]


class CopyFileRequest(WireModel):
    """``POST /v1/files/copy``. Unknown fields are a 400: a misspelt ``includeFileVersions`` would copy less."""

    model_config = ConfigDict(extra="forbid")

    source_file_path: SourceFilePath = Field(description="The file to copy, e.g. /folder/a.jpg (its current version).")
    destination_path: DestinationFolder = Field(description="The folder to copy into, e.g. /dest/ (created if new).")
    include_file_versions: StrictBool = Field(
        default=False, description="Copy every version (oldest first); by default only the current version."
    )


class MoveFileRequest(WireModel):
    """``POST /v1/files/move``: always every version, metadata only (no object is rewritten)."""

    model_config = ConfigDict(extra="forbid")

    source_file_path: SourceFilePath = Field(description="The file to move, e.g. /folder/a.jpg.")
    destination_path: DestinationFolder = Field(description="The folder to move into, e.g. /dest/ (created if new).")


class RenameFileRequest(WireModel):
    """``PUT /v1/files/rename``."""

    model_config = ConfigDict(extra="forbid")

    file_path: SourceFilePath = Field(description="The file to rename, e.g. /folder/a.jpg.")
    new_file_name: Annotated[StrictStr, Field(min_length=1, max_length=1024), BeforeValidator(_new_file_name)] = Field(
        description="The new name, sanitised like upload's fileName; no /."
    )
    purge_cache: StrictBool = Field(
        default=False, description="Also purge the old URL (and every URL under it) from the CDN: one purge."
    )


class RenameFileResponse(WireModel):
    """200: ``{}``, or ``{"purgeRequestId"}`` when ``purgeCache`` was true."""

    purge_request_id: str | None = Field(default=None, description="The purge request, when purgeCache was true.")


class MoveRecord(ItemModel):
    """What a move left at its source path (``PATH#<src>`` / ``MOVED``), for a retry of the same call to finish it
    (a move larger than one transaction) or to answer it again: the file that was there, the file its versions
    went to (the same one when nothing was at the destination), the destination path, and the number each version
    takes in the destination's history (a move onto another file only)."""

    account_id: str = Field(alias="accountId")
    source_path: str = Field(alias="sourcePath")
    from_file_id: str = Field(alias="fromFileId")
    to_file_id: str = Field(alias="toFileId")
    to_path: str = Field(alias="toPath")
    numbers: dict[str, int] = Field(default_factory=dict)
    moved_at: datetime = Field(alias="movedAt")
