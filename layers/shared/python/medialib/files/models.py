"""File and folder shapes: the stored rows (``*Item``) and ImageKit's wire objects, mapped explicitly."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import ConfigDict, Field, StrictBool, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from medialib.models import ItemModel, WireModel, plain_numbers


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


_BOOLEAN_TEXT = {"true": True, "false": False}


class ListFilesQuery(WireModel):
    """``GET /v1/files`` query parameters, with ImageKit's defaults and bounds."""

    type: ListType = ListType.FILE
    sort: SortKey = "ASC_CREATED"
    path: str | None = Field(default=None, max_length=1024)
    search_query: str | None = Field(default=None, max_length=4096)
    file_type: FileTypeFilter = FileTypeFilter.ALL
    limit: int = Field(default=1000, ge=1, le=1000)
    skip: int = Field(default=0, ge=0)
    is_published: bool | None = Field(
        default=None,
        description="medialib extension: true lists only published files (or versions), false only drafts; "
        "folders are listed either way. Applied before skip and limit.",
    )

    @field_validator("is_published", mode="before")
    @classmethod
    def _true_or_false(cls, value: Any) -> Any:
        """A query string carries text: exactly ``true`` or ``false`` (what the SDKs send), nothing else."""
        if isinstance(value, str):
            if value not in _BOOLEAN_TEXT:
                raise ValueError(f"must be true or false, not {value[:20]!r}")
            return _BOOLEAN_TEXT[value]
        return value

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


class UpdateFileDetailsRequest(WireModel):
    """``PATCH /v1/files/{fileId}/details``: either ``publish`` alone (as the SDKs send it), or the details fields
    (tags, customCoordinates, ...; built by the media-library issue, 501 until then). Unknown fields are a 400."""

    model_config = ConfigDict(extra="forbid")

    publish: PublishStatus | SkipJsonSchema[None] = None  # null is a 400 (below), so the document says object
    tags: Any = None
    custom_coordinates: Any = None
    custom_metadata: Any = None
    remove_ai_tags: Any = Field(default=None, alias="removeAITags")
    webhook_url: Any = None
    extensions: Any = None
    description: Any = None

    @model_validator(mode="after")
    def _publish_alone(self) -> UpdateFileDetailsRequest:
        if not self.model_fields_set:
            raise ValueError("nothing to update: send publish, or the details to change")
        if "publish" in self.model_fields_set and self.publish is None:
            raise ValueError('publish must be an object: {"isPublished": true|false}')
        if self.publish is not None and any(getattr(self, f) is not None for f in self.model_fields_set - {"publish"}):
            raise ValueError("publish cannot be combined with other fields: send it in a request of its own")
        return self
