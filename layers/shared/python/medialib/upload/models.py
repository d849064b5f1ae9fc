"""The upload form as the API receives it (``UploadRequest``, every field of ImageKit's upload API with its
default) and the upload answer (``UploadResponse``, field by field as ImageKit returns it)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from medialib.files.models import AITag, VersionInfo
from medialib.models import WireModel
from medialib.upload import rules

FlagField = Annotated[bool, BeforeValidator(rules.parse_bool)]


class FileSource(WireModel):
    """What the ``file`` field held: bytes (a binary part, or base64 decoded), or a URL to fetch."""

    kind: Literal["binary", "base64", "url"]
    content: bytes = b""
    url: str | None = None
    content_type: str | None = Field(default=None, description="The media type of a binary part or data URI.")


class UploadRequest(WireModel):
    """``POST /api/v1/files/upload``: the form's fields, each validated by its rule in ``upload/rules.py``."""

    file: FileSource
    file_name: Annotated[str, BeforeValidator(rules.sanitize_file_name)]
    use_unique_file_name: FlagField = True
    folder: Annotated[str, BeforeValidator(rules.normalise_folder)] = "/"
    tags: Annotated[list[str] | None, BeforeValidator(rules.parse_tags)] = None
    is_private_file: FlagField = False
    is_published: Annotated[bool | None, BeforeValidator(rules.parse_bool)] = Field(
        default=None, description="None: the account's upload-as-draft setting decides."
    )
    custom_coordinates: Annotated[str | None, BeforeValidator(rules.parse_coordinates)] = None
    response_fields: Annotated[list[str], BeforeValidator(rules.parse_response_fields)] = Field(default_factory=list)
    extensions: Annotated[list[dict[str, Any]] | None, BeforeValidator(rules.parse_extensions)] = None
    webhook_url: Annotated[str | None, BeforeValidator(rules.check_webhook_url)] = None
    overwrite_file: FlagField = True
    overwrite_ai_tags: FlagField = Field(default=True, alias="overwriteAITags")
    overwrite_tags: FlagField = True
    overwrite_custom_metadata: FlagField = True
    custom_metadata: Annotated[dict[str, Any] | None, BeforeValidator(rules.parse_custom_metadata)] = None
    transformation: Annotated[dict[str, Any] | None, BeforeValidator(rules.parse_transformation)] = None
    checks: Annotated[list[list[rules.Check]] | None, BeforeValidator(rules.parse_checks)] = None
    description: str | None = Field(default=None, max_length=1024)


class UploadResponse(WireModel):
    """ImageKit's upload answer. ``customMetadata``, ``embeddedMetadata`` and ``metadata`` are present only when
    ``responseFields`` names them; ``extensionStatus`` only when extensions were requested."""

    file_id: str
    name: str
    url: str
    thumbnail_url: str | None
    height: int | None
    width: int | None
    size: int
    file_path: str
    tags: list[str] | None
    ai_tags: list[AITag] | None = Field(serialization_alias="AITags")
    version_info: VersionInfo
    is_private_file: bool
    is_published: bool
    custom_coordinates: str | None
    file_type: Literal["image", "non-image"]
    description: str | None = None
    custom_metadata: dict[str, Any] | None = None
    embedded_metadata: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    extension_status: dict[str, str] | None = None
