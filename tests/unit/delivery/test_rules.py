"""Delivery's pure rules: reading a URL, which versions and files are served to whom, what the answer's headers
say, and where renditions are kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.delivery import limits, rules
from medialib.delivery.limits import content_disposition
from medialib.delivery.models import Plan
from medialib.delivery.rules import (
    check_access,
    check_published,
    download_name,
    parse_request,
    plan,
    rendition_key,
    select_version,
)
from medialib.errors import BadRequestError, MedialibError, NotFoundError, UnauthorizedError
from medialib.files.models import FileItem
from medialib.transform.parse import compose, parse


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
    assert limits.inline(limits.MAX_INLINE_BYTES) and not limits.inline(limits.MAX_INLINE_BYTES + 1)
    encoded = (limits.MAX_INLINE_BYTES + 2) // 3 * 4
    assert encoded + limits.RESPONSE_HEADROOM <= limits.LAMBDA_MAX_RESPONSE_BYTES
    assert limits.MAX_INLINE_BYTES > 4_400_000


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


# ------------------------------------------------------------------ exact answers: what a client reads

URL_HELP = (
    "Delivery URLs are /{accountId}/[tr:<transformation>/]{filePath}[?tr=<transformation>]; see docs/delivery.md."
)
SIGNED_HELP = (
    "Build the URL with an ImageKit SDK (signed=True, optionally expires_in) and the account's private key, "
    "and send it unchanged."
)
NOT_FOUND_BODY = {"message": "The requested resource does not exist.", "help": URL_HELP, "reason": "NOT_FOUND"}


def _invalid_path(message: str) -> dict[str, str]:
    return {"message": message, "help": URL_HELP, "reason": "INVALID_PATH"}


@pytest.mark.parametrize(
    ("path", "query", "status", "body"),
    [
        pytest.param("/", None, 404, NOT_FOUND_BODY, id="no-account-404"),
        pytest.param("//a.jpg", None, 404, NOT_FOUND_BODY, id="empty-account-id-404"),
        pytest.param("/acc", None, 404, NOT_FOUND_BODY, id="account-alone-404"),
        pytest.param("/acc/tr:w-10", None, 404, NOT_FOUND_BODY, id="transformation-alone-404"),
        pytest.param("/acc/tr:w-10/", None, 404, NOT_FOUND_BODY, id="transformation-then-slash-404"),
        pytest.param("/acc/tr:w-10/a/", None, 404, NOT_FOUND_BODY, id="transformation-then-folder-404"),
        pytest.param("/acc/a/", None, 404, NOT_FOUND_BODY, id="folder-404"),
        pytest.param(
            "/acc/a/../b.jpg", None, 400, _invalid_path("The path must not contain . or .. segments."), id="dot-dot-400"
        ),
        pytest.param(
            "/acc/a//b.jpg", None, 400, _invalid_path("The path must not contain empty segments (//)."), id="empty-400"
        ),
        pytest.param(
            "/acc/a\x7f.jpg",
            None,
            400,
            _invalid_path("The path contains control characters or bytes that are not UTF-8."),
            id="control-400",
        ),
        pytest.param(
            "/acc/" + "a" * 2044, None, 400, _invalid_path("The path is longer than 2048 characters."), id="long-400"
        ),
        pytest.param(
            "/acc/a.jpg",
            {"x": ["v" * 4094]},
            400,
            {"message": "The query string is longer than 4096 characters.", "help": URL_HELP},
            id="long-query-400-without-reason",
        ),
        pytest.param(
            "/acc/a.jpg",
            {"ik-t": ["1", "2"]},
            400,
            {"message": "The query parameter ik-t is given more than once.", "help": URL_HELP},
            id="repeated-parameter-400-names-it",
        ),
    ],
)
def test_malformed_urls_answer_an_exact_body(path: str, query: Any, status: int, body: dict[str, str]) -> None:
    """Given a URL that names no file or is malformed, When read, Then the exact status and JSON body a client
    gets: 404 with NOT_FOUND for what names no file, 400 with INVALID_PATH and the URL's shape for a bad path, and
    400 naming the query's limit or the repeated parameter."""
    with pytest.raises(MedialibError) as refused:
        parse_request(path, query)
    assert (refused.value.status, refused.value.body()) == (status, body)


@pytest.mark.parametrize(
    ("path", "query", "accepted"),
    [
        pytest.param("/acc/" + "a" * 2043, None, True, id="path-of-2048-characters-accepted"),
        pytest.param("/acc/" + "a" * 2044, None, False, id="path-of-2049-characters-400"),
        pytest.param(
            "/acc/a.jpg", {"x": ["v" * 4093]}, True, id="query-name-value-and-two-separators-at-4096-accepted"
        ),
        pytest.param("/acc/a.jpg", {"x": ["v" * 4094]}, False, id="query-one-character-over-400"),
        pytest.param(
            "/acc/a.jpg", {"a": ["1"], "x": ["v" * 4089]}, True, id="two-parameters-count-4-separators-accepted"
        ),
        pytest.param("/acc/a.jpg", {"a": ["1"], "x": ["v" * 4090]}, False, id="two-parameters-one-over-400"),
    ],
)
def test_length_limits_are_inclusive(path: str, query: Any, accepted: bool) -> None:
    """Given a path or query at its limit (2048 path characters; 4096 for the query, each parameter counting its
    name, its value, = and &) or one character over, When read, Then the limit itself is accepted, one over is 400."""
    if accepted:
        parse_request(path, query)
        return
    with pytest.raises(BadRequestError) as refused:
        parse_request(path, query)
    assert "longer than" in refused.value.message


def test_a_private_file_asked_unsigned_answers_the_exact_401() -> None:
    """Given a private file, When its original is asked without a signature, Then 401 SIGNATURE_REQUIRED saying the
    URL must be signed and how to sign it."""
    with pytest.raises(UnauthorizedError) as refused:
        check_access(private=True, chain=(), signed=False)
    assert refused.value.body() == {
        "message": "This file is private: its URL must be signed.",
        "help": SIGNED_HELP,
        "reason": "SIGNATURE_REQUIRED",
    }


def test_a_transformation_of_a_non_image_answers_the_exact_400() -> None:
    """Given a PDF, When asked with w-300, Then 400 INVALID_TRANSFORMATION saying how to ask for the file instead."""
    with pytest.raises(BadRequestError) as refused:
        plan(item(file_type="non-image", mime="application/pdf", name="a.pdf"), parse("w-300"), None)
    assert refused.value.body() == {
        "message": "Transformations apply to images only; this file is not an image.",
        "help": "Request the file without tr, or with tr=orig-true.",
        "reason": "INVALID_TRANSFORMATION",
    }


@pytest.mark.parametrize(
    ("tr", "accept", "expected"),
    [
        pytest.param(
            "",
            None,
            Plan(True, None, "image/jpeg", "", '"28ddf88d988a9eee4cdd2951b74f3a70"', vary_accept=False),
            id="original",
        ),
        pytest.param(
            "f-auto:orig-true",
            "image/webp",
            Plan(True, None, "image/jpeg", "", '"28ddf88d988a9eee4cdd2951b74f3a70"', vary_accept=False),
            id="orig-true-wins-over-f-auto-and-does-not-vary",
        ),
        pytest.param(
            "w-300",
            None,
            Plan(False, "jpeg", "image/jpeg", "w-300", '"3c4582af1a26ed98df5e779f527bea7c"', vary_accept=False),
            id="w-300-as-jpeg",
        ),
        pytest.param(
            "w-300:f-auto",
            "image/webp",
            Plan(False, "webp", "image/webp", "w-300:f-auto", '"58f4aa9d600deff7c113e21c92021567"', vary_accept=True),
            id="f-auto-as-webp",
        ),
        pytest.param(
            "w-300:f-auto",
            "*/*",
            Plan(False, "jpeg", "image/jpeg", "w-300:f-auto", '"c4ed5f6a727a7f0630e2a13d7875a762"', vary_accept=True),
            id="f-auto-as-jpeg-has-another-etag",
        ),
        pytest.param(
            "w-10,h-10,fo-custom",
            None,
            Plan(
                False,
                "jpeg",
                "image/jpeg",
                "w-10,h-10,fo-custom",
                '"1d9f9d498aeb2b6124e27eedd478f8fe"',
                vary_accept=False,
            ),
            id="fo-custom-without-coordinates",
        ),
    ],
)
def test_plans_and_their_etags_are_exact_and_stable(tr: str, accept: str | None, expected: Plan) -> None:
    """Given version v1 of a JPEG, When planned bare, with orig-true, or transformed, Then the exact plan: the
    original never varies on Accept, and each ETag is pinned so a release does not change the ETag of unchanged
    bytes (every CDN and browser copy would be fetched again) nor give two formats of one URL the same ETag."""
    assert plan(item(), parse(tr), accept) == expected


def test_two_versions_originals_have_different_etags() -> None:
    """Given two versions of a file with the same type, When their originals are planned, Then different ETags (a
    304 never confirms the old bytes after a new version)."""
    assert plan(item(), (), None).etag != plan(item(version_id="v2"), (), None).etag


@pytest.mark.parametrize(
    ("expires", "expected"),
    [
        pytest.param(1000, "public, max-age=0", id="expiring-now-is-not-cached"),
        pytest.param(1001, "public, max-age=1", id="expiring-in-a-second-cached-a-second"),
        pytest.param(999, "public, max-age=0", id="already-expired-is-not-cached"),
        pytest.param(1000 + 31_536_000 + 1, "public, max-age=31536000", id="past-a-year-capped-at-a-year"),
    ],
)
def test_a_signed_url_is_never_cached_past_its_expiry(expires: int, expected: str) -> None:
    """Given a transformed signed URL with ik-t, When cached at now=1000, Then max-age is what is left of its
    validity, 0 at expiry, and never more than a year."""
    assert rules.cache_control(versioned=False, transformed=True, expires=expires, now=1000) == expected


@pytest.mark.parametrize(
    ("expires", "expected"),
    [
        pytest.param(None, "public, max-age=60", id="unsigned-redirect-a-minute"),
        pytest.param(1000 + 3600, "public, max-age=60", id="later-expiry-still-a-minute"),
        pytest.param(1000 + 30, "public, max-age=30", id="sooner-expiry-shortens-it"),
        pytest.param(1000, "public, max-age=0", id="expiring-now-is-not-cached"),
    ],
)
def test_redirects_are_cached_for_less_than_their_presigned_urls_live(expires: int | None, expected: str) -> None:
    """Given a redirect to a presigned URL valid REDIRECT_VALIDITY seconds, When cached at now=1000, Then for a
    minute at most, and never past a signed URL's expiry."""
    assert rules.redirect_cache_control(expires=expires, now=1000) == expected
    assert rules.REDIRECT_MAX_AGE < limits.REDIRECT_VALIDITY


@pytest.mark.parametrize(
    ("ik_t", "expected"),
    [
        pytest.param(None, None, id="no-ik-t-never-expires"),
        pytest.param("1700000300", 1_700_000_300, id="unix-seconds"),
        pytest.param("0", 0, id="zero"),
        pytest.param("17e8", None, id="not-an-integer-is-none"),
        pytest.param("-1", None, id="negative-is-none"),
        pytest.param("1" * 19, None, id="more-than-18-digits-is-none"),
    ],
)
def test_expiry_of(ik_t: str | None, expected: int | None) -> None:
    """Given a URL's ik-t, When its expiry is read for Cache-Control, Then Unix seconds, or None for no ik-t or one
    that is not a Unix time."""
    query = {} if ik_t is None else {"ik-t": ik_t}
    assert rules.expiry_of(parse_request("/acc/a.jpg", query)) == expected


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        pytest.param('"x","abc"', True, id="list-without-spaces"),
        pytest.param('"abc", "x"', True, id="first-of-a-list"),
        pytest.param(' W/"abc" ', True, id="weak-form-with-spaces"),
        pytest.param('"x" "abc"', False, id="space-is-not-a-separator"),
        pytest.param('w/"abc"', False, id="lowercase-w-is-not-weak"),
    ],
)
def test_if_none_match_lists(header: str, matches: bool) -> None:
    """Given our strong ETag "abc", When If-None-Match lists tags, Then they are split on commas only and W/ is
    dropped before comparing."""
    assert rules.not_modified(header, '"abc"') is matches


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        pytest.param("a.PNG", "png", "a.PNG", id="same-format-keeps-uppercase-extension"),
        pytest.param("a.JPG", "jpeg", "a.JPG", id="jpg-is-jpeg"),
        pytest.param("a.JPEG", "jpeg", "a.JPEG", id="jpeg-is-jpeg"),
        pytest.param("a.jpg", "png", "a.png", id="jpeg-converted-to-png"),
        pytest.param("a.jpeg", "webp", "a.webp", id="jpeg-long-extension-converted"),
        pytest.param("my.photo.png", "webp", "my.photo.webp", id="only-the-last-extension-changes"),
        pytest.param("my.photo.png", "png", "my.photo.png", id="last-extension-kept"),
        pytest.param("README", "png", "README.png", id="no-extension-gets-one"),
        pytest.param(".hidden", "webp", ".hidden.webp", id="dotfile-is-a-stem-not-an-extension"),
        pytest.param("a.png", None, "a.png", id="original-keeps-its-name"),
    ],
)
def test_download_names(name: str, fmt: str | None, expected: str) -> None:
    """Given a file name and the rendition's format, When downloaded, Then the name carries the format's extension,
    kept as written when it already names that format."""
    assert download_name(name, fmt) == expected


@pytest.mark.parametrize(
    ("name", "header"),
    [
        pytest.param("a b.jpg", 'attachment; filename="a b.jpg"', id="space-is-plain-ascii"),
        pytest.param("X.jpg", 'attachment; filename="X.jpg"', id="uppercase-is-plain-ascii"),
        pytest.param(
            "X-é.jpg", "attachment; filename=\"X-_.jpg\"; filename*=UTF-8''X-%C3%A9.jpg", id="only-e-replaced"
        ),
        pytest.param(
            "a\x7f.jpg", "attachment; filename=\"a_.jpg\"; filename*=UTF-8''a%7F.jpg", id="del-is-not-ascii-text"
        ),
        pytest.param("a\\b.jpg", "attachment; filename=\"a_b.jpg\"; filename*=UTF-8''a%5Cb.jpg", id="backslash"),
        pytest.param(
            "é/1.jpg", "attachment; filename=\"_/1.jpg\"; filename*=UTF-8''%C3%A9%2F1.jpg", id="slash-encoded"
        ),
    ],
)
def test_content_disposition_fallbacks(name: str, header: str) -> None:
    """Given a file name, When sent as an attachment, Then printable ASCII but " and \\ stays in filename, anything
    else becomes _ there, and filename* carries the name percent-encoded (RFC 8187: / is not an attr-char)."""
    assert content_disposition(name) == header


def test_an_origin_header_that_is_not_text_is_refused() -> None:
    """Given an origin header holding a lone surrogate (as a JSON event can carry), When compared with the secret,
    Then refused, not a crash."""
    assert rules.origin_allowed("\ud800", "s" * 40) is False


@pytest.mark.parametrize(
    ("tr", "named", "composed"),
    [
        pytest.param("n-card:rt-90", {"card": "w-10"}, "w-10:rt-90", id="account-name-replaced-in-place"),
        pytest.param("n-ik_ml_thumbnail", {}, "w-200,h-200,c-at_max", id="built-in-name-needs-no-account-entry"),
        pytest.param("w-10", {"card": "n-other"}, "w-10", id="an-unused-bad-definition-is-not-read"),
    ],
)
def test_named_steps_are_expanded(tr: str, named: dict[str, str], composed: str) -> None:
    """Given a chain with named steps and the account's named transformations, When expanded for delivery or
    upload, Then each n-<name> becomes its definition's steps."""
    assert compose(rules.expanded(parse(tr), named)) == composed


@pytest.mark.parametrize(
    ("tr", "words"),
    [
        pytest.param("n-nope", "n-nope: no named transformation has this name", id="unknown-name-400-names-it"),
        pytest.param("n-card", "n-card is not valid", id="bad-definition-400-names-it"),
    ],
)
def test_named_steps_that_cannot_be_expanded_are_400(tr: str, words: str) -> None:
    """Given an account defining card as n-x, When n-nope or n-card is expanded, Then 400 INVALID_TRANSFORMATION
    naming the step."""
    with pytest.raises(BadRequestError) as refused:
        rules.expanded(parse(tr), {"card": "n-x"})
    assert words in refused.value.message and refused.value.reason == "INVALID_TRANSFORMATION"
