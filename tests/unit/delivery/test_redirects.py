"""How long a redirect to S3 lives: its presigned URL never outlives the signed URL that led to it."""

from __future__ import annotations

import pytest

from medialib.delivery.limits import REDIRECT_VALIDITY
from medialib.delivery.rules import redirect_validity


@pytest.mark.parametrize(
    ("expires", "now", "validity"),
    [
        pytest.param(None, 1000, REDIRECT_VALIDITY, id="unsigned-or-no-expiry-is-the-usual-validity"),
        pytest.param(1000 + REDIRECT_VALIDITY + 50, 1000, REDIRECT_VALIDITY, id="a-later-expiry-changes-nothing"),
        pytest.param(1100, 1000, 100, id="a-sooner-expiry-shortens-the-presigned-url"),
        pytest.param(1000, 1000, 1, id="expiring-now-still-gets-one-second"),
    ],
)
def test_redirect_validity(expires: int | None, now: int, validity: int) -> None:
    """Given a signed URL's ik-t (or none) and the time, When a large answer is redirected, Then the presigned URL is
    valid for the usual 300 s at most, and never past the signed URL's expiry."""
    assert redirect_validity(expires=expires, now=now) == validity
