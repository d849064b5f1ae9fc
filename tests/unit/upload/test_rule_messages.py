"""The upload form's refusals word for word, and the edges of its limits.

A rule's ValueError message is what the caller reads in the 400 body (``<field>: <message>``), so each refusal
is pinned here exactly; the limits are tried at the limit and one past it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from medialib.upload import rules

_SORTED_POST_TYPES = ", ".join(sorted(rules.POST_TYPES))
_SORTED_EXTENSIONS = ", ".join(sorted(rules.EXTENSIONS))
_SORTED_RESPONSE_FIELDS = ", ".join(sorted(rules.RESPONSE_FIELDS))
_TRANSFORMATION_SHAPE = 'a JSON object {"pre": ..., "post": [...]}'


def _post(*steps: Any) -> str:
    return json.dumps({"post": list(steps)})


@pytest.mark.parametrize(
    ("rule", "given", "message"),
    [
        pytest.param(rules.sanitize_file_name, "", "fileName is required", id="file-name-required"),
        pytest.param(
            rules.sanitize_file_name, "..", "fileName must contain a letter, digit, - or _", id="file-name-of-dots"
        ),
        pytest.param(rules.sanitize_file_name, b"\xff", "must be UTF-8 text", id="bytes-not-utf8"),
        pytest.param(rules.sanitize_file_name, 5, "must be text", id="not-text"),
        pytest.param(
            rules.normalise_folder, "a" * 1025, "folder is longer than 1024 characters", id="folder-over-1024"
        ),
        pytest.param(rules.normalise_folder, "/a/../b", "folder must not contain . or .. levels", id="folder-dot-dot"),
        pytest.param(rules.parse_tags, "a,b%c", "tags must not contain %", id="tag-with-percent"),
        pytest.param(
            rules.parse_coordinates,
            "1,2,3",
            "must be x,y,width,height (four non-negative integers)",
            id="coordinates-three-numbers",
        ),
        pytest.param(
            rules.parse_coordinates, "1,2,0,3", "width and height must be at least 1", id="coordinates-zero-width"
        ),
        pytest.param(
            rules.parse_response_fields,
            "tags,nope,zap",
            f"unknown field(s) nope, zap; allowed: {_SORTED_RESPONSE_FIELDS}",
            id="response-fields-unknown",
        ),
        pytest.param(
            rules.check_webhook_url, "ftp://example.com/hook", "must be an http(s) URL", id="webhook-not-http"
        ),
        pytest.param(
            rules.check_webhook_url,
            "https://e.com/" + "a" * (rules.MAX_URL_LENGTH - 13),
            "must be an http(s) URL",
            id="webhook-one-over-2048",
        ),
        pytest.param(rules.parse_custom_metadata, "[1]", "must be a JSON object", id="custom-metadata-not-an-object"),
        pytest.param(rules.parse_extensions, "{}", "must be a JSON array of extensions", id="extensions-not-an-array"),
        pytest.param(
            rules.parse_extensions, "[1]", "each extension must be an object with a name", id="extension-not-an-object"
        ),
        pytest.param(
            rules.parse_extensions,
            '[{"name": "nope"}]',
            f"unknown extension 'nope'; known: {_SORTED_EXTENSIONS}",
            id="extension-unknown",
        ),
        pytest.param(
            rules.parse_transformation, "[]", f"must be {_TRANSFORMATION_SHAPE}", id="transformation-not-an-object"
        ),
        pytest.param(
            rules.parse_transformation,
            "{",
            f"must be valid JSON ({_TRANSFORMATION_SHAPE})",
            id="transformation-malformed",
        ),
        pytest.param(
            rules.parse_transformation, '{"mid": "w-1"}', "only pre and post are allowed", id="transformation-other-key"
        ),
        pytest.param(
            rules.parse_transformation, '{"pre": " "}', "pre must be a non-empty transformation string", id="pre-blank"
        ),
        pytest.param(rules.parse_transformation, '{"post": "w-1"}', "post must be an array", id="post-not-an-array"),
        pytest.param(
            rules.parse_transformation,
            _post("w-1"),
            "each post step is an object with type, value and protocol",
            id="post-step-not-an-object",
        ),
        pytest.param(
            rules.parse_transformation,
            _post({"type": "x"}),
            f"post type must be one of {_SORTED_POST_TYPES}",
            id="post-type-unknown",
        ),
        pytest.param(
            rules.parse_transformation,
            _post({"type": "transformation", "value": 5}),
            "post value must be a non-empty string",
            id="post-value-a-number",
        ),
        pytest.param(
            rules.parse_transformation, _post({"type": "abs"}), "post type abs needs a value", id="abs-without-value"
        ),
        pytest.param(
            rules.parse_transformation,
            _post({"type": "thumbnail", "protocol": "hls"}),
            "protocol is hls or dash, and only for type abs",
            id="protocol-on-thumbnail",
        ),
        pytest.param(
            rules.parse_transformation,
            _post({"type": "abs", "value": "sr-240"}),
            "post type abs needs a protocol (hls or dash)",
            id="abs-without-protocol",
        ),
        pytest.param(
            rules.parse_checks,
            '"file.size" <',
            'each check is "field" operator "value", e.g. "file.size" < "1mb"',
            id="check-incomplete",
        ),
        pytest.param(
            rules.parse_checks,
            '"file.mime" = ["image/png"]',
            "a [list] goes with IN or NOT IN and holds quoted values",
            id="check-list-with-equals",
        ),
        pytest.param(
            rules.decode_base64,
            "!!!!",
            "file must be binary, base64 (plain or a data URI) or an http(s) URL",
            id="file-text-neither-url-nor-base64",
        ),
        pytest.param(rules.decode_base64, "a", "file is not valid base64", id="file-base64-one-character-too-short"),
        pytest.param(rules.decode_base64, "abc==", "file is not valid base64", id="file-base64-with-excess-padding"),
        pytest.param(
            rules.parse_transformation,
            _post({"type": "transformation", "value": "w-1", "width": 5}),
            "each post step is an object with type, value and protocol",
            id="post-step-with-another-key",
        ),
    ],
)
def test_each_refusal_says_exactly_what_is_wrong(rule: Callable[[Any], Any], given: Any, message: str) -> None:
    """Given a field value a rule refuses, When the rule reads it, Then ValueError with exactly the message the
    caller gets in the 400 body."""
    with pytest.raises(ValueError) as caught:
        rule(given)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("rule", "given", "kept"),
    [
        pytest.param(rules.sanitize_file_name, "a" * 255, "a" * 255, id="file-name-of-exactly-255-kept"),
        pytest.param(rules.sanitize_file_name, "X", "X", id="file-name-of-one-letter-kept"),
        pytest.param(rules.sanitize_file_name, b"photo.jpg", "photo.jpg", id="file-name-as-utf8-bytes"),
        pytest.param(rules.normalise_folder, "a" * 1024, "/" + "a" * 1024, id="folder-of-exactly-1024-kept"),
        pytest.param(rules.parse_bool, True, True, id="bool-true-as-is"),
        pytest.param(rules.parse_bool, False, False, id="bool-false-as-is"),
        pytest.param(rules.parse_checks, None, None, id="checks-absent"),
        pytest.param(rules.parse_checks, "  ", None, id="checks-blank-is-absent"),
        pytest.param(rules.parse_response_fields, ["tags"], ["tags"], id="response-fields-as-a-list"),
        pytest.param(
            rules.parse_response_fields,
            "tags, ,isPrivateFile",
            ["tags", "isPrivateFile"],
            id="response-fields-blank-entries-dropped",
        ),
        pytest.param(rules.check_webhook_url, "", None, id="webhook-empty-is-absent"),
        pytest.param(
            rules.check_webhook_url,
            "HTTPS://Example.com/hook",
            "HTTPS://Example.com/hook",
            id="webhook-scheme-any-case",
        ),
        pytest.param(
            rules.check_webhook_url,
            "https://e.com/" + "a" * (rules.MAX_URL_LENGTH - 14),
            "https://e.com/" + "a" * (rules.MAX_URL_LENGTH - 14),
            id="webhook-of-exactly-2048-kept",
        ),
        pytest.param(rules.parse_custom_metadata, None, None, id="custom-metadata-absent"),
        pytest.param(rules.parse_custom_metadata, "", None, id="custom-metadata-empty-is-absent"),
        pytest.param(rules.parse_extensions, None, None, id="extensions-absent"),
        pytest.param(
            rules.parse_extensions,
            '[{"name": "google-auto-tagging", "max_tags": 1, "min_confidence": 0}]',
            [{"name": "google-auto-tagging", "maxTags": 1, "minConfidence": 0}],
            id="confidence-0-and-one-tag-kept",
        ),
        pytest.param(
            rules.parse_extensions,
            '[{"name": "aws-auto-tagging", "maxTags": 5, "minConfidence": 100}]',
            [{"name": "aws-auto-tagging", "maxTags": 5, "minConfidence": 100}],
            id="confidence-100-kept",
        ),
        pytest.param(
            rules.parse_transformation,
            _post({"type": "transformation", "value": "w-200"}),
            {"post": [{"type": "transformation", "value": "w-200"}]},
            id="post-alone-has-no-pre",
        ),
        pytest.param(
            rules.parse_transformation,
            _post({"type": "abs", "value": "sr-240", "protocol": "dash"}),
            {"post": [{"type": "abs", "value": "sr-240", "protocol": "dash"}]},
            id="abs-with-dash",
        ),
        pytest.param(rules.decode_base64, "aGVs\nbG8=", (b"hello", None), id="base64-across-lines"),
        pytest.param(rules.decode_base64, "+/8=", (b"\xfb\xff", None), id="base64-standard-alphabet"),
    ],
)
def test_values_at_the_edges_are_kept(rule: Callable[[Any], Any], given: Any, kept: Any) -> None:
    """Given a value at a limit or in a less common but valid form, When the rule reads it, Then it is kept."""
    assert rule(given) == kept


def test_unknown_snake_case_keys_of_an_extension_are_camel_cased_whole() -> None:
    """Given an extension option with three words in snake_case (the Python SDK's style), When read, Then each
    word after the first is capitalised and joined with nothing between."""
    [extension] = rules.parse_extensions('[{"name": "remove-bg", "bg_image_url": "u"}]') or []
    assert extension == {"name": "remove-bg", "bgImageUrl": "u"}


@pytest.mark.parametrize(
    ("extension", "refused"),
    [
        pytest.param({"maxTags": 0, "minConfidence": 50}, True, id="zero-tags-refused"),
        pytest.param({"maxTags": True, "minConfidence": 50}, True, id="boolean-tags-refused"),
        pytest.param({"maxTags": 3, "minConfidence": "50"}, True, id="confidence-as-text-refused"),
        pytest.param({"maxTags": 3, "minConfidence": 100.5}, True, id="confidence-over-100-refused"),
        pytest.param({"maxTags": 3, "minConfidence": 99.5}, False, id="fractional-confidence-kept"),
    ],
)
def test_auto_tagging_needs_a_positive_tag_count_and_a_confidence_in_range(
    extension: dict[str, Any], refused: bool
) -> None:
    """Given google-auto-tagging with these maxTags and minConfidence, When read, Then refused with a message
    naming what it needs, or kept."""
    text = json.dumps([{"name": "google-auto-tagging", **extension}])
    if refused:
        with pytest.raises(ValueError, match=r"^google-auto-tagging needs "):
            rules.parse_extensions(text)
    else:
        assert rules.parse_extensions(text) == [{"name": "google-auto-tagging", **extension}]


@pytest.mark.parametrize(
    ("checks", "size", "passes"),
    [
        pytest.param('"file.size" > "100"', 100, False, id="greater-than-is-strict"),
        pytest.param('"file.size" > "100"', 101, True, id="greater-than-passes-above"),
        pytest.param('"file.size" >= "100"', 100, True, id="at-least-passes-at-the-limit"),
        pytest.param('"file.size" >= "100"', 99, False, id="at-least-fails-below"),
        pytest.param('"file.size" = "100"', 100, True, id="equal-passes-at-the-size"),
        pytest.param('"file.size" = "100"', 101, False, id="equal-fails-otherwise"),
        pytest.param('"file.mime" NOT   IN ["image/png"]', 1, False, id="not-in-with-spaces-inside"),
    ],
)
def test_size_checks_compare_as_written(checks: str, size: int, passes: bool) -> None:
    """Given a checks expression, When a file of `size` bytes (image/png) is checked, Then it passes or not."""
    assert rules.checks_pass(rules.parse_checks(checks), size, "image/png") is passes


@pytest.mark.parametrize(
    ("folder", "name", "path"),
    [
        pytest.param("/", "a.png", "/a.png", id="root"),
        pytest.param("/x/y/", "a.png", "/x/y/a.png", id="trailing-slash"),
        pytest.param("/X/", "a.png", "/X/a.png", id="only-slashes-are-trimmed"),
    ],
)
def test_the_file_path_joins_folder_and_name_with_one_slash(folder: str, name: str, path: str) -> None:
    """Given a folder and a name, When joined, Then one slash between them."""
    assert rules.file_path(folder, name) == path
