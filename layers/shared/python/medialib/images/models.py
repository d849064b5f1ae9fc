"""img-processing.com's wire shapes: the Image object and the error body of the ``/v1/images`` routes.

Its wire format is snake_case (``created_at``), not ImageKit's camelCase: these models have no aliases."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ImageResponse(BaseModel):
    """img-processing.com's Image object, for a medialib file whose type is image."""

    id: str = Field(description="The file's id (fileId): the image_id of the /v1/images routes.")
    name: str = Field(description="The file's name.")
    url: str | None = Field(
        description="The file's delivery URL (as the files API's url), or null while its current version is "
        "unpublished."
    )
    width: int | None = Field(description="Width in pixels; null when unknown (an SVG without a size).")
    height: int | None = Field(description="Height in pixels; null when unknown.")
    format: str = Field(
        description="jpeg, png or webp; any other image type gives its media subtype (gif, avif, svg, tiff...)."
    )
    size: int = Field(description="The current version's size in bytes (exact, unlike img-processing.com's estimate).")
    created_at: str = Field(description="The file's createdAt as the files API answers it: ISO 8601, UTC, with Z.")


class ImageErrorDetail(BaseModel):
    code: str = Field(description="A stable snake_case code: image_not_found, not_an_image, invalid_request...")
    message: str = Field(description="What went wrong, for a person.")


class ImageErrorResponse(BaseModel):
    """The error body of the /v1/images routes: ``{"error": {"code", "message"}}``. API Gateway's own answers
    (401 from the authorizer, 413, 429 throttling) keep ImageKit's body."""

    error: ImageErrorDetail
