"""Pure rules of key rotation: which digests authenticate an account when, and how an operator writes a grace
period (medialib.accounts.rules)."""

from __future__ import annotations

import pytest

from medialib.accounts.models import Account
from medialib.accounts.rules import (
    MAX_GRACE_PERIOD_SECONDS,
    accepted_digests,
    digest_accepted,
    grace_period,
    key_digest,
)

NEW, OLD = key_digest("private_new"), key_digest("private_old")


@pytest.mark.parametrize(
    ("previous", "until", "now", "accepted"),
    [
        pytest.param(OLD, 1000, 999.999, (NEW, OLD), id="during-the-grace-period-both"),
        pytest.param(OLD, 1000, 1000, (NEW,), id="at-its-end-only-the-new"),
        pytest.param(OLD, 1000, 5000, (NEW,), id="long-after-only-the-new"),
        pytest.param(OLD, 0, 10, (NEW,), id="no-grace-only-the-new"),
        pytest.param("", None, 10, (NEW,), id="never-rotated-only-the-key"),
        pytest.param("", 1000, 10, (NEW,), id="an-until-without-a-previous-key-accepts-nothing-more"),
    ],
)
def test_the_previous_key_authenticates_only_before_the_grace_period_ends(
    previous: str, until: int | None, now: float, accepted: tuple[str, ...]
) -> None:
    """Given an account's digests and the end of its grace period, When the accepted digests are asked at a time,
    Then the previous key's digest is among them strictly before the end only."""
    assert accepted_digests(NEW, previous, until, now) == accepted


def test_a_digest_is_accepted_when_it_is_one_of_them() -> None:
    """Given the accepted digests, Then each of them is accepted and any other is not."""
    assert digest_accepted((NEW, OLD), OLD) and digest_accepted((NEW,), NEW)
    assert not digest_accepted((NEW,), OLD) and not digest_accepted((), NEW)


@pytest.mark.parametrize(
    ("disabled", "digest", "now", "accepts"),
    [
        pytest.param(False, OLD, 1500, True, id="enabled-previous-key-in-grace"),
        pytest.param(False, OLD, 2000, False, id="enabled-previous-key-after-grace"),
        pytest.param(True, NEW, 1500, False, id="disabled-refuses-the-current-key"),
        pytest.param(True, OLD, 1500, False, id="disabled-refuses-the-previous-key"),
    ],
)
def test_a_disabled_account_accepts_no_key(disabled: bool, digest: str, now: float, accepts: bool) -> None:
    """Given an account rotated with a grace period until 2000, enabled or disabled, Then it accepts a digest only
    while enabled and while that digest is one of its keys'."""
    account = Account(account_id="acme", public_key="public_acme", key_digest=NEW, previous_key_digest=OLD,
                      previous_key_until=2000, disabled=disabled)  # fmt: skip
    assert account.accepts(digest, now) is accepts


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("86400", 86400, id="seconds"),
        pytest.param("90s", 90, id="seconds-with-unit"),
        pytest.param("90m", 5400, id="minutes"),
        pytest.param("24h", 86400, id="hours"),
        pytest.param("7d", 604800, id="days"),
        pytest.param(" 2H ", 7200, id="unit-case-and-spaces"),
        pytest.param("0", 0, id="zero-ends-the-old-key-at-once"),
        pytest.param("30d", MAX_GRACE_PERIOD_SECONDS, id="thirty-days-the-longest"),
    ],
)
def test_a_grace_period_is_read_as_an_operator_writes_it(text: str, seconds: int) -> None:
    assert grace_period(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("forever", id="a-word"),
        pytest.param("-5", id="negative"),
        pytest.param("1.5h", id="a-fraction"),
        pytest.param("5w", id="an-unknown-unit"),
        pytest.param("h", id="a-unit-alone"),
        pytest.param("31d", id="over-30-days"),
        pytest.param("9" * 12, id="absurdly-long"),
    ],
)
def test_a_grace_period_that_is_no_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|longer than"):
        grace_period(text)
