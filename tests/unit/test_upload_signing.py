"""The pure rules of client-side upload authentication: the signature ImageKit's SDKs compute, the fields a
signed upload carries, and the expire window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from imagekitio import ImageKit

from medialib.errors import BadRequestError
from medialib.upload import signing

NOW = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # Unix time 1700000000


def test_the_reference_signature_vector() -> None:
    """Given the reference's vector (private key private_TESTKEY, token tok-123, expire 1700001800), When
    signed, Then the signature is the one both SDKs and a manual HMAC give."""
    assert signing.sign("private_TESTKEY", "tok-123", "1700001800") == "f9a9d413b9986eed9c360d835103ccb7e1295a72"


@pytest.mark.parametrize(
    ("token", "expire"),
    [
        pytest.param("5d1f1c3a-8a51-4b5e-9f7e-2f3c1b0a9d88", 1700001800, id="uuid4-token-as-the-sdk-makes"),
        pytest.param("jeton-été-😀", 1700003599, id="non-ascii-token-signed-as-utf8"),
        pytest.param("t", 1, id="one-character-token"),
    ],
)
def test_our_signature_is_the_one_the_python_sdk_helper_gives(token: str, expire: int) -> None:
    """Given a backend that computes the client-side parameters with the official Python SDK's helper, When our
    rule signs the same token and expire, Then both signatures are equal and ours verifies the SDK's."""
    params = ImageKit(private_key="private_sdk_key").helper.get_authentication_parameters(token=token, expire=expire)
    assert signing.sign("private_sdk_key", token, str(expire)) == params["signature"]
    fields = {"publicKey": "public_sdk_key", "token": token, "expire": str(expire), "signature": params["signature"]}
    signed = signing.signed_fields(fields)
    assert signed is not None and signing.signature_matches("private_sdk_key", signed)
    assert not signing.signature_matches("private_other_key", signed)


def _fields(**changes: str | None) -> dict[str, str]:
    base = {"publicKey": "public_k", "signature": "ab" * 20, "token": "tok-123", "expire": "1700001800"}
    base.update(changes)  # type: ignore[arg-type]  # None removes the field below
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        pytest.param(_fields(token=None), "token", id="signature-without-token"),
        pytest.param(_fields(signature=None), "signature", id="token-without-signature"),
        pytest.param(_fields(expire=None), "expire", id="no-expire"),
        pytest.param(_fields(publicKey=None), "publicKey", id="no-public-key"),
        pytest.param(_fields(publicKey=None, token=None), "publicKey, token", id="two-missing-both-named"),
        pytest.param(_fields(token=""), "token", id="empty-token-is-missing"),
    ],
)
def test_a_partial_signed_form_is_400_naming_what_it_lacks(fields: dict[str, str], missing: str) -> None:
    """Given a form with some of signature, token and expire but not all four client-side fields, When read,
    Then 400 MISSING_AUTHENTICATION_PARAMETER naming the missing fields and echoing no value."""
    with pytest.raises(BadRequestError) as caught:
        signing.signed_fields(fields)
    assert caught.value.reason == "MISSING_AUTHENTICATION_PARAMETER"
    assert caught.value.message.endswith(f"missing: {missing}.")
    assert "tok-123" not in caught.value.message and "abab" not in caught.value.message


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="no-field"),
        pytest.param({"publicKey": "public_k"}, id="public-key-alone"),
        pytest.param({"signature": "", "token": "", "expire": ""}, id="empty-fields-of-an-html-form"),
        pytest.param({"fileName": "a.jpg", "file": "data"}, id="upload-fields-only"),
    ],
)
def test_a_form_without_signed_fields_is_not_a_signed_upload(fields: dict[str, str]) -> None:
    """Given a form with none of signature, token and expire (empty inputs count as absent), When read, Then it
    is not a client-side upload (Basic must authenticate it)."""
    assert signing.signed_fields(fields) is None


@pytest.mark.parametrize(
    ("expire", "reason"),
    [
        pytest.param("soon", "INVALID_EXPIRE", id="expire-not-a-number"),
        pytest.param("1700001800.5", "INVALID_EXPIRE", id="expire-with-a-fraction"),
        pytest.param("-1", "INVALID_EXPIRE", id="negative-expire"),
        pytest.param("1e9", "INVALID_EXPIRE", id="expire-in-exponent-notation"),
        pytest.param("9" * 13, "INVALID_EXPIRE", id="expire-of-13-digits"),
        pytest.param("1" * 300, "INVALID_AUTHENTICATION_PARAMETER", id="expire-over-256-characters"),
    ],
)
def test_a_malformed_expire_is_400(expire: str, reason: str) -> None:
    """Given an expire that is not a Unix time in whole seconds, When the form is read, Then 400 with the
    reason."""
    with pytest.raises(BadRequestError) as caught:
        signing.signed_fields(_fields(expire=expire))
    assert caught.value.reason == reason


def test_a_token_over_256_characters_is_400() -> None:
    """Given a 257-character token, When the form is read, Then 400 naming token (a table key stays small)."""
    with pytest.raises(BadRequestError) as caught:
        signing.signed_fields(_fields(token="t" * 257))
    assert caught.value.message == "token must be at most 256 characters."


def test_the_expire_signed_is_the_text_sent() -> None:
    """Given expire sent with a leading zero, When read, Then its number is the Unix time and the text that is
    verified is the text sent (the signer concatenated that text)."""
    signed = signing.signed_fields(_fields(expire="01700001800"))
    assert signed is not None and (signed.expire, signed.expire_text) == (1700001800, "01700001800")


@pytest.mark.parametrize(
    ("ahead", "accepted"),
    [
        pytest.param(timedelta(seconds=1), True, id="one-second-ahead"),
        pytest.param(timedelta(minutes=30), True, id="sdk-default-30-minutes"),
        pytest.param(timedelta(seconds=3599), True, id="just-under-one-hour"),
        pytest.param(timedelta(seconds=3600), False, id="exactly-one-hour-is-refused"),
        pytest.param(timedelta(hours=2), False, id="two-hours-ahead"),
        pytest.param(timedelta(0), False, id="expiring-now"),
        pytest.param(timedelta(seconds=-1), False, id="expired-a-second-ago"),
    ],
)
def test_expire_is_in_the_future_and_less_than_an_hour_ahead(ahead: timedelta, accepted: bool) -> None:
    """Given expire at now + ahead, When checked, Then accepted only strictly between now and now + 1 h;
    refused with 400 INVALID_EXPIRE otherwise."""
    expire = int((NOW + ahead).timestamp())
    if accepted:
        signing.check_expire(expire, NOW)
        return
    with pytest.raises(BadRequestError) as caught:
        signing.check_expire(expire, NOW)
    assert caught.value.reason == "INVALID_EXPIRE"
    assert ("in the past" in caught.value.message) == (ahead <= timedelta(0))


def test_a_used_token_is_remembered_an_hour_past_its_expire() -> None:
    """Given a token's expire, When its record's TTL is computed, Then it is one hour after expire: the record
    outlives every moment the token could still be accepted."""
    assert signing.token_expires_at(1700001800) == 1700005400


def test_the_signature_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a signed form, When verified, Then the expected and presented signatures go through
    hmac.compare_digest, and its answer decides."""
    import hmac

    compared: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return True

    monkeypatch.setattr(hmac, "compare_digest", spy)
    signed = signing.signed_fields(_fields())
    assert signed is not None and signing.signature_matches("private_TESTKEY", signed)
    assert compared == [(b"f9a9d413b9986eed9c360d835103ccb7e1295a72", b"ab" * 20)]


def _form(**overrides: str) -> dict[str, str]:
    return {"publicKey": "public_k", "token": "tok", "expire": str(int(NOW.timestamp()) + 600), "signature": "ab"} | {
        name: value for name, value in overrides.items()
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param(
            {"token": "tok"},
            "A client-side upload needs publicKey, signature, token and expire; missing: publicKey, signature, expire.",
            id="a-lone-token-names-each-missing-field",
        ),
        pytest.param(
            _form(token="t" * 257, signature="s" * 257),
            "signature, token must be at most 256 characters.",
            id="over-long-fields-are-named-comma-separated",
        ),
        pytest.param(
            _form(expire="soon"), "expire must be a Unix time in seconds (an integer).", id="expire-not-a-number"
        ),
    ],
)
def test_a_malformed_client_side_form_is_answered_with_imagekits_body(fields: dict[str, str], message: str) -> None:
    """Given client-side fields that are missing, too long or malformed, When read, Then a 400 whose body is
    exactly the message naming the problem, the help on how to sign, and the reason; never a value sent."""
    with pytest.raises(BadRequestError) as caught:
        signing.signed_fields(fields)
    assert caught.value.body()["message"] == message
    assert caught.value.body()["help"] == signing.HELP


def test_fields_of_exactly_256_characters_are_accepted() -> None:
    """Given every client-side field exactly 256 characters long (the limit), When read, Then they are kept."""
    expire = str(int(NOW.timestamp()) + 600)
    signed = signing.signed_fields(_form(publicKey="p" * 256, token="t" * 256, signature="s" * 256, expire=expire))
    assert signed is not None and (len(signed.public_key), len(signed.token), len(signed.signature)) == (256, 256, 256)


@pytest.mark.parametrize(
    ("ahead", "where"),
    [
        pytest.param(0, "in the past", id="now-is-in-the-past"),
        pytest.param(-30, "in the past", id="half-a-minute-ago-is-in-the-past"),
        pytest.param(3600, "3600 seconds ahead", id="one-hour-ahead-says-how-far"),
    ],
)
def test_an_expire_outside_the_window_says_which_side(ahead: int, where: str) -> None:
    """Given an expire at or before now, or one hour ahead, When checked, Then 400 whose message says where it
    fell, with the help on how to sign."""
    with pytest.raises(BadRequestError) as caught:
        signing.check_expire(int(NOW.timestamp()) + ahead, NOW)
    assert caught.value.body()["message"] == (
        f"The expire parameter must be a Unix time in the future and less than 1 hour ahead; it is {where}."
    )
    assert caught.value.body()["help"] == signing.HELP
