"""The rules of the upload form (seed 002), one table per field: what is kept, normalised or refused, and why."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from medialib.upload import rules


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        pytest.param("photo.jpg", "photo.jpg", id="letters-digits-dot-kept"),
        pytest.param("my file (1).jpg", "my_file__1_.jpg", id="space-and-brackets-become-underscore"),
        pytest.param("été-北京-١٢.png", "été-北京-١٢.png", id="letters-and-digits-of-any-script-kept"),
        pytest.param("e\u0301te.png", "éte.png", id="combining-mark-kept-normalised-nfc"),
        pytest.param("a/b\\c.png", "a_b_c.png", id="slashes-cannot-make-a-path"),
        pytest.param("100%.gif", "100_.gif", id="percent-replaced"),
    ],
)
def test_file_name_is_sanitised(given: str, kept: str) -> None:
    """Given a fileName, When sanitised, Then letters, marks, digits, . and - stay and anything else is _."""
    assert rules.sanitize_file_name(given) == kept


@pytest.mark.parametrize("given", [pytest.param("", id="empty"), pytest.param("   ", id="blank"),
                                   pytest.param("..", id="only-dots"), pytest.param("a" * 256, id="over-255")])  # fmt: skip
def test_file_name_without_substance_is_refused(given: str) -> None:
    """Given an empty, dot-only or over-long fileName, When sanitised, Then it is refused."""
    with pytest.raises(ValueError, match="fileName"):
        rules.sanitize_file_name(given)


@pytest.mark.parametrize(
    ("name", "unique"),
    [
        pytest.param("photo.jpg", "photo_SUFFIX.jpg", id="suffix-before-extension"),
        pytest.param("archive.tar.gz", "archive.tar_SUFFIX.gz", id="before-the-last-extension"),
        pytest.param("README", "README_SUFFIX", id="no-extension-suffix-at-end"),
        pytest.param(".env", ".env_SUFFIX", id="dotfile-is-a-name-not-an-extension"),
    ],
)
def test_unique_file_name(name: str, unique: str) -> None:
    """Given useUniqueFileName, When the name is made unique, Then the suffix goes before the extension."""
    assert rules.unique_file_name(name, "SUFFIX") == unique


@pytest.mark.parametrize(
    ("given", "folder"),
    [
        pytest.param("/", "/", id="root"),
        pytest.param("", "/", id="empty-is-root"),
        pytest.param("/images/folder/", "/images/folder", id="trailing-slash-dropped"),
        pytest.param("images//folder", "/images/folder", id="leading-slash-added-doubles-collapsed"),
        pytest.param("/my photos/été", "/my_photos/été", id="other-characters-underscore-unicode-kept"),
        pytest.param("/" + "/".join(["l"] * 50), "/" + "/".join(["l"] * 50), id="fifty-levels-accepted"),
    ],
)
def test_folder_is_normalised(given: str, folder: str) -> None:
    """Given a folder, When normalised, Then one leading slash, no trailing slash, safe characters per level."""
    assert rules.normalise_folder(given) == folder


@pytest.mark.parametrize(
    ("given", "why"),
    [
        pytest.param("/a/../b", ". or ..", id="dot-dot-refused"),
        pytest.param("/a/./b", ". or ..", id="dot-refused"),
        pytest.param("/" + "/".join(["l"] * 51), "51 levels", id="fifty-one-levels-refused"),
    ],
)
def test_folder_refused(given: str, why: str) -> None:
    """Given a folder escaping upwards or nested over 50 levels, When normalised, Then it is refused saying why."""
    with pytest.raises(ValueError, match=why.replace(".", r"\.")):
        rules.normalise_folder(given)


def test_folders_on_the_way() -> None:
    """Given /a/b/c, When the folders to create are listed, Then each level from the top; none for the root."""
    assert (rules.folders_on_the_way("/a/b/c"), rules.folders_on_the_way("/")) == (["/a", "/a/b", "/a/b/c"], [])


@pytest.mark.parametrize(
    ("given", "tags"),
    [
        pytest.param("t-shirt,round-neck,men", ["t-shirt", "round-neck", "men"], id="comma-separated"),
        pytest.param(" a , b ,, a", ["a", "b"], id="trimmed-empty-and-repeats-dropped"),
        pytest.param(["x", "y"], ["x", "y"], id="a-list"),
        pytest.param("", None, id="empty-is-none"),
        pytest.param("t" * 500, ["t" * 500], id="exactly-500-characters"),
    ],
)
def test_tags(given: Any, tags: list[str] | None) -> None:
    """Given tags, When parsed, Then the list of tags (None when there are none)."""
    assert rules.parse_tags(given) == tags


@pytest.mark.parametrize(
    ("given", "why"),
    [
        pytest.param("a,100%", "%", id="percent-refused"),
        pytest.param("t" * 501, "500", id="over-500-characters"),
        pytest.param(",".join(f"t{i:03d}" for i in range(101)), "500", id="over-500-with-commas"),
    ],
)
def test_tags_refused(given: str, why: str) -> None:
    """Given tags with % or over 500 characters in all, When parsed, Then refused."""
    with pytest.raises(ValueError, match=why):
        rules.parse_tags(given)


@pytest.mark.parametrize(
    ("given", "value"),
    [
        pytest.param("true", True, id="true"),
        pytest.param("FALSE", False, id="case-insensitive"),
        pytest.param("", None, id="empty-is-absent"),
    ],
)
def test_booleans(given: str, value: bool | None) -> None:
    """Given a boolean field, When parsed, Then true/false (absent when empty)."""
    assert rules.parse_bool(given) is value


def test_a_boolean_that_is_neither_is_refused() -> None:
    """Given isPrivateFile=yes, When parsed, Then refused."""
    with pytest.raises(ValueError, match="true or false"):
        rules.parse_bool("yes")


@pytest.mark.parametrize(
    ("given", "valid"),
    [
        pytest.param("10,10,100,100", "10,10,100,100", id="x-y-w-h"),
        pytest.param("010,0,1,1", "10,0,1,1", id="leading-zeros-normalised"),
        pytest.param("", None, id="empty-is-absent"),
        pytest.param("1,2,3", ValueError, id="three-numbers-refused"),
        pytest.param("1,2,0,4", ValueError, id="zero-width-refused"),
        pytest.param("-1,2,3,4", ValueError, id="negative-refused"),
        pytest.param("a,b,c,d", ValueError, id="not-numbers-refused"),
    ],
)
def test_custom_coordinates_format(given: str, valid: Any) -> None:
    """Given customCoordinates, When parsed, Then x,y,w,h with w,h >= 1, or refused."""
    if valid is ValueError:
        with pytest.raises(ValueError, match=r"x,y,width,height|at least 1"):
            rules.parse_coordinates(given)
    else:
        assert rules.parse_coordinates(given) == valid


@pytest.mark.parametrize(
    ("coordinates", "outside"),
    [
        pytest.param("0,0,40,30", False, id="whole-image-inside"),
        pytest.param("30,0,11,10", True, id="too-wide"),
        pytest.param("0,25,10,6", True, id="too-tall"),
    ],
)
def test_custom_coordinates_within_the_image(coordinates: str, outside: bool) -> None:
    """Given a 40x30 image, When an area is checked, Then it is outside when it reaches past an edge."""
    assert rules.coordinates_outside(coordinates, 40, 30) is outside


def test_response_fields() -> None:
    """Given responseFields, When parsed, Then known names are kept and an unknown one is refused."""
    assert rules.parse_response_fields("tags,customMetadata") == ["tags", "customMetadata"]
    with pytest.raises(ValueError, match="unknown field"):
        rules.parse_response_fields("tags,nope")


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        pytest.param("https://example.com/hook", True, id="https"),
        pytest.param("http://h:8080/x?y=1", True, id="http-with-port-and-query"),
        pytest.param("ftp://example.com", False, id="other-scheme-refused"),
        pytest.param("https://", False, id="no-host-refused"),
    ],
)
def test_webhook_url(given: str, ok: bool) -> None:
    """Given webhookUrl, When checked, Then http(s) URLs with a host are accepted, anything else refused."""
    if ok:
        assert rules.check_webhook_url(given) == given
    else:
        with pytest.raises(ValueError, match="http"):
            rules.check_webhook_url(given)


@pytest.mark.parametrize(
    ("given", "why"),
    [
        pytest.param("{bad", "valid JSON", id="malformed-json"),
        pytest.param("[1]", "JSON object", id="not-an-object"),
        pytest.param('{"a": ' + "[" * 150 + "]" * 150 + "}", "at most 100 levels", id="nested-past-100"),
        pytest.param('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "valid JSON", id="nested-past-the-parser"),
    ],
)
def test_custom_metadata_refused(given: str, why: str) -> None:
    """Given customMetadata that is not a JSON object, When parsed, Then refused (its keys and values are checked
    against the account's fields when the upload is stored: tests/unit/fields)."""
    with pytest.raises(ValueError, match=why):
        rules.parse_custom_metadata(given)


def test_custom_metadata_is_any_json_object() -> None:
    """Given {} or an object, When parsed, Then it is read as sent (the account's fields judge its keys later)."""
    assert rules.parse_custom_metadata("{}") == {}
    assert rules.parse_custom_metadata('{"brand": "x", "price": 9.5}') == {"brand": "x", "price": 9.5}


@pytest.mark.parametrize(
    ("given", "names"),
    [
        pytest.param('[{"name": "google-auto-tagging", "max_tags": 5, "min_confidence": 95}]',
                     {"google-auto-tagging": "failed"}, id="snake-case-python-sdk"),
        pytest.param('[{"name":"aws-auto-tagging","maxTags":5,"minConfidence":95},{"name":"remove-bg","options":{}}]',
                     {"aws-auto-tagging": "failed", "remove-bg": "failed"}, id="camel-case-node-sdk"),
        pytest.param("[]", None, id="none-requested-no-status"),
    ],
)  # fmt: skip
def test_extensions_are_validated_and_reported_failed(given: str, names: dict[str, str] | None) -> None:
    """Given extensions, When parsed, Then valid ones are accepted and each is reported failed (none runs)."""
    assert rules.extension_status(rules.parse_extensions(given)) == names


@pytest.mark.parametrize(
    ("given", "why"),
    [
        pytest.param('[{"name": "unknown-ext"}]', "unknown extension", id="unknown-name"),
        pytest.param('[{"name": "google-auto-tagging"}]', "maxTags", id="auto-tagging-without-max-tags"),
        pytest.param('[{"name": "aws-auto-tagging", "maxTags": 1, "minConfidence": 101}]', "minConfidence",
                     id="confidence-over-100"),
        pytest.param('[{"name": "remove-bg", "options": 3}]', "options", id="options-not-object"),
        pytest.param('[{"nom": 1}]', "with a name", id="no-name"),
        pytest.param('{"name": "remove-bg"}', "array", id="not-an-array"),
        pytest.param("[{", "valid JSON", id="malformed-json"),
    ],
)  # fmt: skip
def test_extensions_refused(given: str, why: str) -> None:
    """Given a malformed or unknown extension, When parsed, Then refused saying why."""
    with pytest.raises(ValueError, match=why):
        rules.parse_extensions(given)


def test_transformation_accepted() -> None:
    """Given pre and post (transformation, abs with protocol), When parsed, Then stored as given."""
    given = '{"pre": "w-100", "post": [{"type": "transformation", "value": "w-200"}, {"type": "abs", "value": "sr-240", "protocol": "hls"}, {"type": "thumbnail"}]}'
    parsed = rules.parse_transformation(given)
    assert parsed is not None and parsed["pre"] == "w-100" and len(parsed["post"]) == 3


@pytest.mark.parametrize(
    ("given", "why"),
    [
        pytest.param('{"pre": ""}', "pre", id="empty-pre"),
        pytest.param('{"post": [{"type": "zoom"}]}', "post type", id="unknown-post-type"),
        pytest.param('{"post": [{"type": "transformation"}]}', "needs a value", id="transformation-without-value"),
        pytest.param('{"post": [{"type": "abs", "value": "x"}]}', "protocol", id="abs-without-protocol"),
        pytest.param('{"post": [{"type": "thumbnail", "protocol": "hls"}]}', "protocol", id="protocol-not-on-abs"),
        pytest.param('{"other": 1}', "only pre and post", id="unknown-key"),
        pytest.param("{x", "valid JSON", id="malformed-json"),
    ],
)
def test_transformation_refused(given: str, why: str) -> None:
    """Given a transformation that breaks its grammar, When parsed, Then refused saying why."""
    with pytest.raises(ValueError, match=why):
        rules.parse_transformation(given)


@pytest.mark.parametrize(
    ("checks", "size", "mime", "passes"),
    [
        pytest.param('"file.size" < "1mb"', 1024 * 1024 - 1, "image/png", True, id="size-below-limit"),
        pytest.param('"file.size" < "1mb"', 1024 * 1024, "image/png", False, id="size-at-limit-fails-strict-less"),
        pytest.param("'file.size' <= '10kb'", 10 * 1024, "x/y", True, id="single-quotes-and-less-or-equal"),
        pytest.param('"file.size" > "100"', 101, "x/y", True, id="bytes-without-unit"),
        pytest.param('"file.mime" : "image/"', 1, "image/jpeg", True, id="mime-prefix"),
        pytest.param('"file.mime" = "image/png"', 1, "image/jpeg", False, id="mime-equals"),
        pytest.param('"file.mime" IN ["image/png", "image/jpeg"]', 1, "image/jpeg", True, id="mime-in-list"),
        pytest.param('"file.mime" NOT IN ["image/png"]', 1, "image/png", False, id="mime-not-in-list"),
        pytest.param('"file.size" < "1kb" AND "file.mime" : "image/"', 10, "text/plain", False, id="and-needs-both"),
        pytest.param('"file.size" < "1b" OR "file.mime" : "text/"', 10, "text/plain", True, id="or-needs-one"),
    ],
)
def test_checks(checks: str, size: int, mime: str, passes: bool) -> None:
    """Given an upload check, When evaluated on a file's size and media type, Then it passes or fails."""
    assert rules.checks_pass(rules.parse_checks(checks), size, mime) is passes


@pytest.mark.parametrize(
    ("checks", "why"),
    [
        pytest.param('"request.folder" : "a/"', "not supported", id="other-check-refused"),
        pytest.param('"file.size" : "1mb"', "does not apply", id="prefix-on-size-refused"),
        pytest.param('"file.mime" < "image/"', "does not apply", id="less-on-mime-refused"),
        pytest.param('"file.size" < "big"', "not a size", id="size-without-number"),
        pytest.param("file.size < 1mb", "each check is", id="unquoted-refused-as-imagekit-does"),
    ],
)
def test_checks_refused(checks: str, why: str) -> None:
    """Given a check that is not one ImageKit documents for file.size/file.mime, When parsed, Then refused."""
    with pytest.raises(ValueError, match=why):
        rules.parse_checks(checks)


PNG_BYTES = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("text", "content", "media"),
    [
        pytest.param(base64.b64encode(PNG_BYTES).decode(), PNG_BYTES, None, id="plain-base64"),
        pytest.param("data:image/png;base64," + base64.b64encode(PNG_BYTES).decode(), PNG_BYTES, "image/png",
                     id="data-uri-with-media-type"),
        pytest.param("iVBORw0KGgoAAAAN", base64.b64decode("iVBORw0KGgoAAAAN"), None, id="seed-002-example"),
        pytest.param("iVBORw0KGgo", base64.b64decode("iVBORw0KGgo="), None, id="missing-padding-tolerated"),
        pytest.param(base64.urlsafe_b64encode(b"\xfb\xff").decode(), b"\xfb\xff", None, id="url-safe-alphabet"),
    ],
)  # fmt: skip
def test_base64_file(text: str, content: bytes, media: str | None) -> None:
    """Given a file field holding base64 or a data URI, When decoded, Then its bytes and the URI's media type."""
    assert rules.decode_base64(text) == (content, media)


@pytest.mark.parametrize("text", [pytest.param("not base64 !", id="spaces-and-bang"), pytest.param("", id="empty")])
def test_text_that_is_not_a_file_is_refused(text: str) -> None:
    """Given a file text field that is neither a URL nor base64, When read, Then refused."""
    with pytest.raises(ValueError, match="base64"):
        rules.decode_base64(text)


@pytest.mark.parametrize(
    ("text", "url"),
    [
        pytest.param("https://example.com/a.jpg", True, id="https"),
        pytest.param("HTTP://example.com/a.jpg", True, id="scheme-case-insensitive"),
        pytest.param("ftp://example.com/a.jpg", False, id="ftp-is-not-fetched"),
        pytest.param("aHR0cHM6Ly9", False, id="base64-is-not-a-url"),
    ],
)
def test_url_detection(text: str, url: bool) -> None:
    """Given a file text field, When classified, Then http(s) URLs are URLs."""
    assert rules.looks_like_url(text) is url


def test_size_limit() -> None:
    """Given ImageKit's 25 MB limit, When sizes are checked, Then 25 MB is accepted and one byte more is not."""
    assert (rules.over_size(25 * 1024 * 1024), rules.over_size(25 * 1024 * 1024 + 1)) == (False, True)
