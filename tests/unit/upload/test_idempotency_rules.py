"""The rules of idempotent uploads: which Idempotency-Key values are accepted, and what makes two attempts "the
same upload" (the fingerprint Powertools hashes to refuse a key reused for another upload)."""

from __future__ import annotations

import pytest

from medialib.upload import rules


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("6f1f3e4c-1b7a-4c1e-9a55-2f7d9d2b7c10", id="a-uuid"),
        pytest.param("stainless-python-retry-6f1f3e4c", id="the-sdks-own-form"),
        pytest.param("k" * 255, id="255-characters"),
    ],
)
def test_keys_of_visible_ascii_up_to_255_characters_are_accepted(key: str) -> None:
    """Given a key of 1..255 visible ASCII characters, When read, Then it is used as sent."""
    assert rules.idempotency_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("k" * 256, id="256-characters"),
        pytest.param("two words", id="a-space"),
        pytest.param("clé", id="not-ascii"),
        pytest.param("tab\there", id="a-control-character"),
    ],
)
def test_other_keys_are_refused(key: str) -> None:
    """Given an empty, too long, or not visible-ASCII key, When read, Then ValueError (the service's 400)."""
    with pytest.raises(ValueError, match="Idempotency-Key"):
        rules.idempotency_key(key)


FORM = {"file": (b"\x89PNG bytes", "photo.png"), "fileName": (b"photo.png", None), "tags": (b"a,b", None)}


@pytest.mark.parametrize(
    ("other", "same"),
    [
        pytest.param(dict(FORM), True, id="the-same-form-is-the-same-upload"),
        pytest.param(
            {**FORM, "signature": (b"sig2", None), "token": (b"t2", None), "expire": (b"9", None)},
            True,
            id="signing-fields-do-not-count-a-re-signed-retry-is-the-same-upload",
        ),
        pytest.param({**FORM, "file": (b"\x89PNG other", "photo.png")}, False, id="other-bytes-are-another-upload"),
        pytest.param({**FORM, "file": (b"\x89PNG bytes", "x.png")}, False, id="another-part-file-name-is-another"),
        pytest.param({**FORM, "tags": (b"a", None)}, False, id="another-field-value-is-another-upload"),
        pytest.param({**FORM, "folder": (b"/x", None)}, False, id="an-added-field-is-another-upload"),
        pytest.param(
            {**FORM, "tags": (b"a,b", "None")}, False, id="a-field-sent-as-a-file-named-None-is-another-upload"
        ),
    ],
)
def test_the_fingerprint_tells_a_retry_from_another_upload(
    other: dict[str, tuple[bytes, str | None]], same: bool
) -> None:
    """Given the form of a first attempt, When another attempt's form is fingerprinted, Then the fingerprints are
    equal exactly when it asks for the same upload."""
    assert (rules.upload_fingerprint(other) == rules.upload_fingerprint(FORM)) is same
