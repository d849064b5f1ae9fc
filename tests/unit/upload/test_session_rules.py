"""Rules of upload sessions: the incoming/ key, JSON values as the form's text, the declared size and type."""

from __future__ import annotations

from typing import Any

import pytest

from medialib.upload import session_rules as rules


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("incoming/acme/0f1e2d", ("acme", "0f1e2d")),
        ("incoming/acme/0f1e2d/extra", None),
        ("incoming/acme", None),
        ("incoming//0f1e2d", None),
        ("incoming/ac me/0f1e2d", None),
        ("acme/0f1e2d/0f1e2d", None),
        ("incoming/acme/" + "x" * 129, None),
    ],
    ids=["a-session-key", "deeper-than-a-session", "no-session-id", "empty-account", "not-an-id",
         "outside-incoming", "id-over-128-characters"],
)  # fmt: skip
def test_only_keys_a_session_hands_out_name_a_session(key: str, expected: tuple[str, str] | None) -> None:
    """Given an object key, When parsed, Then (account, session) only for incoming/{accountId}/{sessionId}."""
    assert rules.parse_object_key(key) == expected
    if expected:
        assert rules.object_key(*expected) == key


@pytest.mark.parametrize(
    ("value", "text"),
    [("a,b", "a,b"), (True, "true"), (False, "false"), (["a", "b"], "a,b"), ({"k": 1}, '{"k":1}'),
     ([{"name": "remove-bg"}], '[{"name":"remove-bg"}]'), (12, "12")],
    ids=["text-as-is", "true", "false", "list-of-texts-comma-joined", "object-as-json", "list-of-objects-as-json",
         "number-as-text"],
)  # fmt: skip
def test_json_values_read_as_the_forms_text(value: Any, text: str) -> None:
    """Given a JSON value of an option, When read as a form field, Then the text the direct upload's form takes."""
    assert rules.form_value(value) == text


def test_options_leave_out_the_file_its_size_type_and_the_signed_fields() -> None:
    """Given an open request's fields, When its options are taken, Then fileSize, contentType, file, publicKey,
    signature, token and expire are not options; every other field is."""
    fields = {n: "v" for n in ("fileName", "tags", "fileSize", "contentType", "file", "publicKey", "signature",
                               "token", "expire")}  # fmt: skip
    assert rules.options_of(fields) == {"fileName": "v", "tags": "v"}


@pytest.mark.parametrize(("value", "size"), [("1", 1), (" 26214400 ", 26_214_400)], ids=["one-byte", "exactly-25-mb"])
def test_file_size_accepted(value: str, size: int) -> None:
    assert rules.file_size(value) == size


@pytest.mark.parametrize(
    "value",
    [None, "", "0", "-1", "1.5", "26214401"],
    ids=["absent", "empty", "zero", "negative", "fraction", "over-25-mb"],
)
def test_file_size_refused(value: str | None) -> None:
    """Given a fileSize that is not 1 byte to 25 MB in whole bytes, When read, Then ValueError."""
    with pytest.raises(ValueError, match="fileSize"):
        rules.file_size(value)


@pytest.mark.parametrize(
    ("value", "media", "declared"),
    [(None, "application/octet-stream", None), ("Image/JPEG", "image/jpeg", "image/jpeg"),
     ("application/vnd.ms-excel", "application/vnd.ms-excel", "application/vnd.ms-excel")],
    ids=["absent-is-octet-stream-which-declares-nothing", "lowercased", "vendor-type"],
)  # fmt: skip
def test_content_type(value: str | None, media: str, declared: str | None) -> None:
    assert rules.content_type(value) == media
    assert rules.declared_type(media) == declared


@pytest.mark.parametrize(
    "value",
    ["jpeg", "image/jpeg; charset=x", "image/", "a/b/c"],
    ids=["no-subtype", "parameters", "empty-subtype", "two-slashes"],
)
def test_content_type_refused(value: str) -> None:
    with pytest.raises(ValueError, match="contentType"):
        rules.content_type(value)
