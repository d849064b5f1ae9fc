"""Delivery's pure rules: reading a URL, which versions and files are served to whom, what the answer's headers
say, and where renditions are kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.delivery import rules
from medialib.delivery.rules import (
    check_access,
    check_published,
    content_disposition,
    download_name,
    parse_request,
    plan,
    rendition_key,
    select_version,
)
from medialib.errors import BadRequestError, MedialibError, NotFoundError, UnauthorizedError
from medialib.files.models import FileItem
from medialib.transform.parse import parse


def item(**fields: Any) -> FileItem:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    values: dict[str, Any] = {
        "account_id": "acc",
        "file_id": "f1",
        "version_id": "v1",
        "version_number": 1,
        "name": "a.jpg",
        "file_path": "/images/a.jpg",
        "file_type": "image",
        "mime": "image/jpeg",
        "size": 1000,
        "object_token": "tok1",
        "created_at": now,
        "updated_at": now,
    }
    return FileItem.model_validate(values | fields)


# ------------------------------------------------------------------ URLs


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [
        pytest.param("/acc/images/a.jpg", None, ("acc", "/images/a.jpg", None, None), id="bare-path"),
        pytest.param(
            "/acc/tr:w-300,h-200/images/a.jpg", None, ("acc", "/images/a.jpg", "w-300,h-200", None), id="path-tr"
        ),
        pytest.param("/acc/a.jpg", {"tr": ["w-300"]}, ("acc", "/a.jpg", None, "w-300"), id="query-tr"),
        pytest.param(
            "/acc/tr:w-300/a.jpg", {"tr": ["rt-90"]}, ("acc", "/a.jpg", "w-300", "rt-90"), id="path-and-query-tr"
        ),
        pytest.param("/acc/tr:/a.jpg", {"tr": [""]}, ("acc", "/a.jpg", None, None), id="empty-tr-is-none"),
        pytest.param(
            "/acc/deep/er/tr:w-1/a.jpg", None, ("acc", "/deep/er/tr:w-1/a.jpg", None, None), id="tr-only-first"
        ),
        pytest.param("/acc/a b/ä+@(1).jpg", {"x": "1"}, ("acc", "/a b/ä+@(1).jpg", None, None), id="any-characters"),
    ],
)
def test_urls_are_read(path: str, query: Any, expected: tuple[Any, ...]) -> None:
    """Given a delivery URL's decoded path and query, When read, Then the account, file path and transformations."""
    request = parse_request(path, query)
    assert (
        request.account_id,
        request.file_path,
        request.path_transformation,
        request.query_transformation,
    ) == expected


def test_the_query_is_kept_in_order_without_the_signature() -> None:
    """Given a signed URL with a version, an unknown parameter and a transformation, When read, Then the version,
    the attachment flag and the query in order without ik-s/ik-t (what the signature covers)."""
    query = {
        "ik-obj-version": ["t1"],
        "zz": ["1"],
        "ik-attachment": ["true"],
        "tr": ["w-1"],
        "ik-t": ["9"],
        "ik-s": ["s"],
    }
    request = parse_request("/acc/a.jpg", query)
    assert (request.version_token, request.attachment, request.expires, request.signature) == ("t1", True, "9", "s")
    assert request.query == (("ik-obj-version", "t1"), ("zz", "1"), ("ik-attachment", "true"), ("tr", "w-1"))


@pytest.mark.parametrize(
    ("path", "query", "status", "words"),
    [
        pytest.param("/", None, 404, "does not exist", id="empty-path-404"),
        pytest.param("/acc", None, 404, "does not exist", id="account-only-404"),
        pytest.param("/acc/", None, 404, "does not exist", id="account-slash-404"),
        pytest.param("/acc/folder/", None, 404, "does not exist", id="trailing-slash-folder-404"),
        pytest.param("/acc/tr:w-10", None, 404, "does not exist", id="transformation-without-file-404"),
        pytest.param("/acc/tr:w-10/", None, 404, "does not exist", id="transformation-slash-404"),
        pytest.param("/acc/a/../b.jpg", None, 400, ". or ..", id="dot-dot-400"),
        pytest.param("/acc/./b.jpg", None, 400, ". or ..", id="dot-400"),
        pytest.param("/acc/a//b.jpg", None, 400, "empty segments", id="double-slash-400"),
        pytest.param("/acc/a\x00.jpg", None, 400, "control characters", id="nul-400"),
        pytest.param("/acc/a\n.jpg", None, 400, "control characters", id="newline-400"),
        pytest.param("/acc/a\ufffd.jpg", None, 400, "not UTF-8", id="invalid-utf8-400"),
        pytest.param("/acc/" + "a" * 3000, None, 400, "longer than", id="long-path-400"),
        pytest.param("/acc/a.jpg", {"x": ["y" * 5000]}, 400, "longer than", id="long-query-400"),
        pytest.param("/acc/a.jpg", {"tr": ["w-1", "w-2"]}, 400, "tr is given more than once", id="tr-twice-400"),
        pytest.param("/acc/a.jpg", {"ik-s": ["a", "b"]}, 400, "ik-s is given more than once", id="ik-s-twice-400"),
        pytest.param(
            "/acc/a.jpg", {"ik-obj-version": ["a", "b"]}, 400, "ik-obj-version is given more", id="version-twice-400"
        ),
    ],
)
def test_malformed_urls_are_4xx(path: str, query: Any, status: int, words: str) -> None:
    """Given a URL that names no file or is malformed, When read, Then 404 or a 400 that says what is wrong."""
    with pytest.raises(MedialibError) as refused:
        parse_request(path, query)
    assert refused.value.status == status and words in refused.value.message


def test_single_valued_queries_are_read_too() -> None:
    """Given queryStringParameters (one value per name, as without multiValue), When read, Then the same request."""
    assert parse_request("/acc/a.jpg", {"tr": "w-1", "x": None}).query == (("tr", "w-1"), ("x", ""))


# ------------------------------------------------------------------ versions, publishing, access


def test_versions_are_selected_by_token() -> None:
    """Given a file with an older version, When addressed bare, by the current token, by the older token and by an
    unknown one, Then current, current, older and 404."""
    current, older = item(), item(version_id="v0", object_token="tok0")
    assert select_version(current, [older, current], None) is current
    assert select_version(current, [older, current], "tok1") is current
    assert select_version(current, [older, current], "tok0") is older
    with pytest.raises(NotFoundError):
        select_version(current, [older, current], "nope")


def test_unpublished_versions_are_404() -> None:
    """Given an unpublished version, When delivered, Then 404 as for a path with no file; a published one passes."""
    check_published(item())
    with pytest.raises(NotFoundError):
        check_published(item(is_published=False))


@pytest.mark.parametrize(
    ("private", "tr", "signed", "allowed"),
    [
        pytest.param(False, "", False, True, id="public-original-unsigned"),
        pytest.param(False, "w-10", False, True, id="public-transform-unsigned"),
        pytest.param(True, "", True, True, id="private-original-signed"),
        pytest.param(True, "", False, False, id="private-original-unsigned-401"),
        pytest.param(True, "w-10", False, False, id="private-transform-unsigned-401"),
        pytest.param(True, "w-10", True, True, id="private-transform-signed"),
        pytest.param(True, "n-ik_ml_thumbnail", False, True, id="private-named-only-unsigned"),
        pytest.param(True, "n-ik_ml_thumbnail:n-card", False, True, id="private-two-named-unsigned"),
        pytest.param(True, "n-ik_ml_thumbnail:w-10", False, False, id="private-named-then-unnamed-401"),
        pytest.param(True, "orig-true", False, False, id="private-orig-true-unsigned-401"),
    ],
)
def test_access(private: bool, tr: str, signed: bool, allowed: bool) -> None:
    """Given a public or private file, When its original, a transformation or a named transformation is asked with
    or without a valid signature, Then only private originals and unnamed transformations need the signature."""
    if allowed:
        check_access(private=private, chain=parse(tr), signed=signed)
        return
    with pytest.raises(UnauthorizedError) as refused:
        check_access(private=private, chain=parse(tr), signed=signed)
    assert refused.value.reason == "SIGNATURE_REQUIRED"


def test_a_version_uploaded_private_stays_private() -> None:
    """Given a file made public whose older version was private, When that version is addressed, Then private."""
    assert rules.is_private(item(), item(is_private_file=True)) is True
    assert rules.is_private(item(is_private_file=True), item()) is True
    assert rules.is_private(item(), item()) is False


def test_the_origin_secret_must_match() -> None:
    """Given the CDN's secret, When a request has it, a wrong one, a prefix of it or none, Then only it passes."""
    assert rules.origin_allowed("s" * 40, "s" * 40)
    assert not rules.origin_allowed(None, "s" * 40)
    assert not rules.origin_allowed("s" * 39, "s" * 40)
    assert not rules.origin_allowed("t" * 40, "s" * 40)
    assert not rules.origin_allowed("é", "s" * 40)


# ------------------------------------------------------------------ what is sent


def test_originals_and_renditions_are_planned_without_reading_bytes() -> None:
    """Given an image, When asked bare, with orig-true, and with w-300, Then the original (stored mime) twice and a
    JPEG rendition whose ETag differs from the original's."""
    original, forced, rendition = (
        plan(item(), (), None),
        plan(item(), parse("w-300:orig-true"), None),
        plan(item(), parse("w-300"), None),
    )
    assert (original.original, original.content_type, forced.original) == (True, "image/jpeg", True)
    assert (rendition.original, rendition.fmt, rendition.content_type, rendition.canonical) == (
        False,
        "jpeg",
        "image/jpeg",
        "w-300",
    )
    assert original.etag == forced.etag != rendition.etag


def test_a_transformation_of_a_non_image_is_400() -> None:
    """Given a PDF, When asked with w-300, Then 400 saying transformations are for images; bare and orig-true pass."""
    pdf = item(file_type="non-image", mime="application/pdf", name="a.pdf")
    assert plan(pdf, (), None).original and plan(pdf, parse("orig-true"), None).original
    with pytest.raises(BadRequestError) as refused:
        plan(pdf, parse("w-300"), None)
    assert "images only" in refused.value.message


@pytest.mark.parametrize(
    ("tr", "accept", "fmt", "vary"),
    [
        pytest.param("f-auto", "image/webp,*/*", "webp", True, id="f-auto-webp-varies"),
        pytest.param("f-auto", "*/*", "jpeg", True, id="f-auto-source-varies"),
        pytest.param("f-png", "image/webp", "png", False, id="f-png-does-not-vary"),
        pytest.param("w-10", "image/webp", "jpeg", False, id="no-f-does-not-vary"),
    ],
)
def test_f_auto_varies_on_accept(tr: str, accept: str, fmt: str, vary: bool) -> None:
    """Given a transformation, When asked with an Accept header, Then its format, and Vary: Accept only for f-auto."""
    planned = plan(item(), parse(tr), accept)
    assert (planned.fmt, planned.vary_accept) == (fmt, vary)


def test_etags_change_with_version_transformation_and_format() -> None:
    """Given one file, When the version, the canonical transformation or the format differ, Then the ETag differs;
    equivalent transformations share it."""
    a = plan(item(), parse("w-300,h-200"), None).etag
    assert a == plan(item(), parse("h-200,w-300"), None).etag
    assert a != plan(item(version_id="v2"), parse("w-300,h-200"), None).etag
    assert a != plan(item(), parse("w-300,h-200,f-png"), None).etag
    assert a.startswith('"') and a.endswith('"') and not a.startswith("W/")


def test_equivalent_transformations_share_one_rendition_key() -> None:
    """Given w-300,h-200 and h-200,w-300, When keyed, Then one key under the version's prefix; another format or
    version is another key."""
    key = rendition_key(item(), parse("w-300,h-200"), "jpeg")
    assert key == rendition_key(item(), parse("h-200,w-300"), "jpeg")
    assert key.startswith("renditions/acc/f1/v1/") and len(key.rsplit("/", 1)[1]) == 64
    assert key != rendition_key(item(), parse("w-300,h-200"), "webp")
    assert key != rendition_key(item(version_id="v2"), parse("w-300,h-200"), "jpeg")


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        pytest.param('"abc"', True, id="same"),
        pytest.param('W/"abc"', True, id="weak-form-matches"),
        pytest.param('"x", "abc"', True, id="in-a-list"),
        pytest.param("*", True, id="star"),
        pytest.param('"abd"', False, id="other"),
        pytest.param(None, False, id="absent"),
        pytest.param("", False, id="empty"),
    ],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    """Given an ETag, When If-None-Match names it (or not), Then 304 (or not)."""
    assert rules.not_modified(header, '"abc"') is matches


@pytest.mark.parametrize(
    ("versioned", "transformed", "expires", "expected"),
    [
        pytest.param(False, False, None, "public, max-age=3600", id="bare-original-short"),
        pytest.param(True, False, None, "public, max-age=31536000", id="versioned-long"),
        pytest.param(False, True, None, "public, max-age=31536000", id="transformed-long"),
        pytest.param(True, True, 1000 + 120, "public, max-age=120", id="signed-capped-at-validity"),
        pytest.param(False, False, 1000 + 99999, "public, max-age=3600", id="signed-longer-than-short"),
    ],
)
def test_cache_control(versioned: bool, transformed: bool, expires: int | None, expected: str) -> None:
    """Given what a URL addresses, When cached, Then long for versioned and transformed URLs, an hour for an
    original's bare path, never past a signed URL's expiry."""
    assert rules.cache_control(versioned=versioned, transformed=transformed, expires=expires, now=1000) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [(400, "public, max-age=60"), (404, "public, max-age=60"), (401, "no-store"), (403, "no-store"), (500, "no-store")],
    ids=["400-briefly", "404-briefly", "401-never", "403-never", "500-never"],
)
def test_errors_cache_control(status: int, expected: str) -> None:
    """Given an error status, When answered, Then 401/403/5xx are never cached and 400/404 briefly."""
    assert rules.error_cache_control(status) == expected


@pytest.mark.parametrize(
    ("name", "fmt", "header"),
    [
        pytest.param("a.jpg", None, 'attachment; filename="a.jpg"', id="ascii"),
        pytest.param("a.png", "webp", 'attachment; filename="a.webp"', id="converted-extension"),
        pytest.param("a.jpeg", "jpeg", 'attachment; filename="a.jpeg"', id="jpeg-keeps-its-extension"),
        pytest.param(
            "été.jpg",
            None,
            "attachment; filename=\"_t_.jpg\"; filename*=UTF-8''%C3%A9t%C3%A9.jpg",
            id="unicode-rfc6266",
        ),
        pytest.param('a"b.jpg', None, "attachment; filename=\"a_b.jpg\"; filename*=UTF-8''a%22b.jpg", id="quote"),
    ],
)
def test_content_disposition(name: str, fmt: str | None, header: str) -> None:
    """Given a file name (and a rendition's format), When downloaded with ik-attachment, Then RFC 6266's header."""
    assert content_disposition(download_name(name, fmt)) == header


def test_the_inline_limit_fits_a_lambda_answer() -> None:
    """Given Lambda's 6 MiB answer and base64's 4/3, When a body of the limit is encoded, Then it fits with room for
    the headers; one more byte is redirected."""
    assert rules.inline(rules.MAX_INLINE_BYTES) and not rules.inline(rules.MAX_INLINE_BYTES + 1)
    encoded = (rules.MAX_INLINE_BYTES + 2) // 3 * 4
    assert encoded + rules.RESPONSE_HEADROOM <= rules.LAMBDA_MAX_RESPONSE_BYTES
    assert rules.MAX_INLINE_BYTES > 4_400_000


def test_custom_coordinates_are_part_of_what_fo_custom_is_keyed_by() -> None:
    """Given one version whose customCoordinates change (PATCH details changes them without a new version), When
    fo-custom is planned before and after, Then another ETag and another rendition key (the old crop is neither
    served nor 304'd); a transformation without fo-custom keeps its key and ETag."""
    before, after = item(custom_coordinates="0,0,10,10"), item(custom_coordinates="50,50,10,10")
    custom, plain = parse("w-10,h-10,fo-custom"), parse("w-10,h-10")
    assert rules.plan(before, custom, None).etag != rules.plan(after, custom, None).etag
    assert rules.rendition_key(before, custom, "png") != rules.rendition_key(after, custom, "png")
    assert rules.plan(before, plain, None).etag == rules.plan(after, plain, None).etag
    assert rules.rendition_key(before, plain, "png") == rules.rendition_key(after, plain, "png")
