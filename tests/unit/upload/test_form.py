"""Reading the multipart body and the form: the parser's framing, the file field's three kinds, the defaults of
every field, and a 400 naming the field that breaks its rule."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from medialib.errors import BadRequestError
from medialib.upload import images, multipart
from medialib.upload.form import read_form
from medialib.upload.models import UploadRequest
from tests.upload_helpers import BOUNDARY, image, png_bomb
from tests.upload_helpers import multipart as build


def test_parts_are_read_with_binary_content_intact() -> None:
    """Given a binary part holding CRLF, dashes and NUL bytes, When parsed, Then its bytes are exactly what was sent
    and text fields are read by name, whatever their order."""
    tricky = b"\r\n--\x00\xff\r\n" + f"--{BOUNDARY[:-1]}".encode()
    body, content_type = build({"fileName": "a.bin", "tags": "x"}, tricky)
    parts = multipart.parse(body, content_type)
    assert parts["file"].data == tricky and parts["file"].filename == "upload"
    assert (parts["fileName"].data, parts["tags"].data) == (b"a.bin", b"x")


def test_a_quoted_boundary_and_a_preamble_are_accepted() -> None:
    """Given boundary="..." in quotes and text before the first boundary, When parsed, Then the fields are read."""
    body = b'preamble\r\n--b b\r\nContent-Disposition: form-data; name="fileName"\r\n\r\nx.png\r\n--b b--\r\n'
    assert multipart.parse(body, 'multipart/form-data; boundary="b b"')["fileName"].data == b"x.png"


@pytest.mark.parametrize(
    ("body", "content_type", "why"),
    [
        pytest.param(b"--x--", "multipart/form-data", "no boundary", id="no-boundary-parameter"),
        pytest.param(b"hello", "multipart/form-data; boundary=x", "does not occur", id="boundary-absent"),
        pytest.param(b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nv', "multipart/form-data; boundary=x",
                     "closing boundary", id="truncated-body"),
        pytest.param(b"--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x--", "multipart/form-data; boundary=x",
                     "no name", id="part-without-name"),
        pytest.param(b"--x\r\nno-blank-line\r\n--x--", "multipart/form-data; boundary=x", "blank line",
                     id="part-without-header-end"),
        pytest.param(b"--xjunk", "multipart/form-data; boundary=x", "line break", id="boundary-glued-to-text"),
    ],
)  # fmt: skip
def test_malformed_bodies_are_400(body: bytes, content_type: str, why: str) -> None:
    """Given a body that is not well-formed multipart, When parsed, Then a 400 INVALID_BODY saying why."""
    with pytest.raises(BadRequestError, match=why) as caught:
        multipart.parse(body, content_type)
    assert caught.value.reason == "INVALID_BODY"


def _form(fields: dict[str, str], file: bytes | str | None = b"x") -> UploadRequest:
    body, content_type = build(fields, file)
    return read_form(multipart.parse(body, content_type))


def test_defaults_of_every_field() -> None:
    """Given only file and fileName, When the form is read, Then ImageKit's defaults: unique name, root folder,
    not private, published decided by the account, overwrite flags true, nothing else set."""
    request = _form({"fileName": "a.png"})
    assert request.model_dump(exclude={"file"}) == {
        "file_name": "a.png", "use_unique_file_name": True, "folder": "/", "tags": None, "is_private_file": False,
        "is_published": None, "custom_coordinates": None, "response_fields": [], "extensions": None,
        "webhook_url": None, "overwrite_file": True, "overwrite_ai_tags": True, "overwrite_tags": True,
        "overwrite_custom_metadata": True, "custom_metadata": None, "transformation": None, "checks": None,
        "description": None,
    }  # fmt: skip


def test_every_field_is_read_by_its_wire_name() -> None:
    """Given every option as the SDKs name them (overwriteAITags with capital AI), When read, Then each is set."""
    request = _form(
        {
            "fileName": "a b.png", "useUniqueFileName": "false", "folder": "/x/y/", "tags": "t1,t2",
            "isPrivateFile": "true", "isPublished": "false", "customCoordinates": "1,1,2,2",
            "responseFields": "tags,metadata", "webhookUrl": "https://h/x", "overwriteFile": "false",
            "overwriteAITags": "false", "overwriteTags": "false", "overwriteCustomMetadata": "false",
            "transformation": '{"pre": "w-10"}', "checks": '"file.size" < "1mb"', "description": "d",
            "publicKey": "ignored-here", "token": "ignored-here",
        }
    )  # fmt: skip
    assert (request.file_name, request.folder, request.tags, request.is_published) == (
        "a_b.png",
        "/x/y",
        ["t1", "t2"],
        False,
    )
    assert not any([request.overwrite_file, request.overwrite_ai_tags, request.overwrite_tags])
    assert request.transformation == {"pre": "w-10"} and request.description == "d"


@pytest.mark.parametrize(
    ("file", "kind", "content"),
    [
        pytest.param(b"\x00\x01", "binary", b"\x00\x01", id="binary-part"),
        pytest.param(base64.b64encode(b"\x00\x01").decode(), "base64", b"\x00\x01", id="base64-text"),
        pytest.param("https://example.com/a.jpg", "url", b"", id="url-text"),
    ],
)
def test_the_file_field_kinds(file: bytes | str, kind: str, content: bytes) -> None:
    """Given file as a binary part, base64 text or a URL, When read, Then its kind and bytes."""
    source = _form({"fileName": "a"}, file).file
    assert (source.kind, source.content) == (kind, content)


@pytest.mark.parametrize(
    ("fields", "file", "says"),
    [
        pytest.param({"fileName": "a"}, None, "Missing file", id="no-file"),
        pytest.param({"fileName": "a"}, "", "Missing file", id="empty-file-text"),
        pytest.param({"fileName": ""}, b"x", "Missing fileName", id="empty-file-name"),
        pytest.param({"fileName": "a", "isPrivateFile": "yes"}, b"x", "isPrivateFile: must be true or false",
                     id="bad-boolean-named-by-wire-name"),
        pytest.param({"fileName": "a", "folder": "/../x"}, b"x", "folder:", id="bad-folder-named"),
        pytest.param({"fileName": "a", "description": "d" * 1025}, b"x", "description", id="description-too-long"),
    ],
)  # fmt: skip
def test_a_field_that_breaks_its_rule_is_a_400_naming_it(
    fields: dict[str, str], file: bytes | str | None, says: str
) -> None:
    """Given a form with a missing or invalid field, When read, Then 400 whose message names the field."""
    with pytest.raises(BadRequestError, match=says):
        _form(fields, file)


@pytest.mark.parametrize(
    ("content", "file_type", "mime"),
    [
        pytest.param(image(8, 6), "image", "image/png", id="png-is-an-image"),
        pytest.param(image(8, 6, fmt="JPEG"), "image", "image/jpeg", id="jpeg-is-an-image"),
        pytest.param(b"%PDF-1.4", "non-image", "application/pdf", id="pdf-by-its-name"),
        pytest.param(b"\xff\xd8\xff\xe0 not really a jpeg\xff\xd9", "non-image", "image/jpeg", id="unreadable-header-is-non-image"),
    ],
)  # fmt: skip
def test_probe_identifies_images(content: bytes, file_type: str, mime: str) -> None:
    """Given bytes and a file name, When probed, Then images are recognised by content, others by name."""
    name = "x.pdf" if content.startswith(b"%PDF") else "x.jpg"
    probe = images.probe(content, name, None)
    assert (probe.file_type, probe.mime) == (file_type, mime)


def test_probe_reads_size_alpha_and_exif() -> None:
    """Given an RGBA PNG and a JPEG with EXIF Make/Model, When probed, Then size, alpha and EXIF under its names."""
    png = images.probe(image(9, 4, mode="RGBA"), "a.png", None)
    assert (png.width, png.height, png.has_alpha) == (9, 4, True)
    jpeg = images.probe(image(9, 4, fmt="JPEG", exif={0x010F: "Canon", 0x0110: "EOS"}), "a.jpg", None)
    assert jpeg.embedded_metadata == {"Make": "Canon", "Model": "EOS"} and jpeg.has_alpha is False


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(png_bomb(), "IMAGE_TOO_LARGE", id="bomb-over-pillows-own-limit"),
        pytest.param(png_bomb(11_000, 10_000), "IMAGE_TOO_LARGE", id="bomb-over-our-limit-under-pillows"),
        pytest.param(image(400, 300, fmt="JPEG")[:1200], "CORRUPT_IMAGE", id="truncated-jpeg"),
    ],
)
def test_probe_refuses_bombs_and_corrupt_images(content: bytes, reason: str) -> None:
    """Given a decompression bomb or a truncated image, When probed, Then 400 (never a 500)."""
    with pytest.raises(BadRequestError) as caught:
        images.probe(content, "x", None)
    assert caught.value.reason == reason


def _fuzz_cases() -> list[Any]:
    cases = []
    for fmt in ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF"):
        whole = image(64, 48, fmt=fmt)
        for fraction in (0.1, 0.3, 0.5, 0.8, 0.95):
            cases.append(pytest.param(whole[: int(len(whole) * fraction)], id=f"{fmt.lower()}-cut-at-{fraction}"))
        flipped = bytearray(whole)
        for position in range(20, len(flipped), max(1, len(flipped) // 7)):
            flipped[position] ^= 0xFF
        cases.append(pytest.param(bytes(flipped), id=f"{fmt.lower()}-bytes-flipped"))
    return cases


@pytest.mark.parametrize("content", _fuzz_cases())
def test_a_damaged_image_is_a_non_image_or_a_400_never_an_error(content: bytes) -> None:
    """Given an image cut short or with bytes flipped, When probed, Then it is a non-image or a 400: no other
    exception escapes (which would be a 500)."""
    try:
        probe = images.probe(content, "x.bin", None)
    except BadRequestError as refused:
        assert refused.reason in {"CORRUPT_IMAGE", "IMAGE_TOO_LARGE"}
    else:
        assert probe.file_type in {"image", "non-image"}
