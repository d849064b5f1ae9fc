"""The purge of unpublished files (``purge_unpublished``) as one idempotent request: overlapping runs with the same
request id, a run that dies mid-way, a CDN failure. Against an in-memory store and a CDN that answers as CloudFront
does (the same CallerReference is the same invalidation)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.accounts.models import Account, AccountSettings
from medialib.adapters import cdn as cdn_adapter
from medialib.errors import QuotaExceededError, ThrottledError
from medialib.purge import service as purge
from tests.unit.services.fakes import FakePurgeStore

NOV = datetime(2030, 11, 15, tzinfo=UTC)
ACME = Account(
    account_id="acme",
    public_key="public_acme_key",
    private_key="private_acme_key",
    settings=AccountSettings(purge_monthly_quota=10),
)


class Killed(BaseException):
    """The run dies where this is raised (a Lambda timeout or crash): no ``except Exception`` of the code runs."""


class FakeCdn:
    """CloudFront's ``create_invalidation`` as the purge service sees it: one invalidation per CallerReference.
    ``before_each`` runs inside each call (to fail it, or to run an overlapping purge while it is under way)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.made: dict[str, str] = {}  # CallerReference -> invalidation id
        self.before_each: list[Callable[[], None]] = []

    def create_invalidation(self, distribution_id: str, paths: Any, *, caller_reference: str) -> str:
        self.calls.append(caller_reference)
        if self.before_each:
            self.before_each.pop(0)()
        return self.made.setdefault(caller_reference, f"I{len(self.made) + 1}")


@pytest.fixture
def cdn(monkeypatch: pytest.MonkeyPatch) -> FakeCdn:
    monkeypatch.setenv("DISTRIBUTION_ID", "E2EXAMPLE")
    fake = FakeCdn()
    monkeypatch.setattr(cdn_adapter, "create_invalidation", fake.create_invalidation)
    return fake


def unpublish_purge(request_id: str = "r1", *, force: bool = True) -> str:
    return purge.purge_unpublished(ACME, ["/a.png", "/b.png"], NOV, request_id=request_id, force=force)


def test_a_repeated_request_counts_nothing_more(purge_store: FakePurgeStore, cdn: FakeCdn) -> None:
    """Given an unpublish purge of two files done, When the same request id runs again, Then it answers the same id,
    counts nothing more (2 in all) and asks CloudFront nothing more."""
    assert unpublish_purge() == "r1"

    assert unpublish_purge() == "r1"

    assert purge_store.counters == {("acme", "2030-11"): 2}
    assert cdn.calls == ["r1"]
    assert purge_store.requests[("acme", "r1")].invalidation_id == "I1"


def test_an_overlapping_run_of_the_same_request_counts_nothing(purge_store: FakePurgeStore, cdn: FakeCdn) -> None:
    """Given a run of request r1 inside its CloudFront call, When a second run of r1 starts then (an at-least-once
    redelivery) and completes, Then both answer r1, the quota counted the request once, and the second asked
    CloudFront with the same CallerReference (the same invalidation), recorded once."""
    overlapping: list[str] = []
    cdn.before_each.append(lambda: overlapping.append(unpublish_purge()))

    assert unpublish_purge() == "r1"

    assert overlapping == ["r1"]
    assert purge_store.counters == {("acme", "2030-11"): 2}
    assert cdn.calls == ["r1", "r1"] and len(cdn.made) == 1
    assert purge_store.requests[("acme", "r1")].invalidation_id == "I1"


def test_a_run_that_dies_in_the_cdn_call_is_completed_by_the_retry_counted_once(
    purge_store: FakePurgeStore, cdn: FakeCdn
) -> None:
    """Given a run of r1 that dies inside its CloudFront call (nothing of it runs after), When r1 is retried,
    Then the retry asks CloudFront again (same CallerReference), records the invalidation, and the quota counted
    the request once."""

    def die() -> None:
        raise Killed

    cdn.before_each.append(die)
    with pytest.raises(Killed):
        unpublish_purge()
    assert purge_store.counters == {("acme", "2030-11"): 2}

    assert unpublish_purge() == "r1"

    assert purge_store.counters == {("acme", "2030-11"): 2}
    assert purge_store.requests[("acme", "r1")].invalidation_id == "I1"
    assert cdn.calls == ["r1", "r1"] and len(cdn.made) == 1


def test_a_cdn_failure_undoes_the_claim_and_the_count(purge_store: FakePurgeStore, cdn: FakeCdn) -> None:
    """Given CloudFront refusing once (too many invalidations), When r1 runs, Then the CDN's 429 leaves, nothing is
    recorded and nothing counted; When r1 is retried, Then it is counted once and recorded."""

    def refuse() -> None:
        raise ThrottledError("busy", retry_after=60)

    cdn.before_each.append(refuse)
    with pytest.raises(ThrottledError):
        unpublish_purge()
    assert purge_store.requests == {}
    assert purge_store.counters == {("acme", "2030-11"): 0}

    assert unpublish_purge() == "r1"

    assert purge_store.counters == {("acme", "2030-11"): 2}
    assert purge_store.requests[("acme", "r1")].invalidation_id == "I1"


def test_a_spent_quota_refuses_an_unforced_purge_and_a_forced_one_counts_past_it(
    purge_store: FakePurgeStore, cdn: FakeCdn
) -> None:
    """Given the quota of 10 spent, When an unforced unpublish purge runs, Then 429 PURGE_QUOTA_EXCEEDED, nothing
    recorded, nothing counted, no CloudFront call; When a forced one runs, Then it is counted past the limit."""
    purge_store.counters[("acme", "2030-11")] = 10

    with pytest.raises(QuotaExceededError) as caught:
        unpublish_purge("r1", force=False)

    assert caught.value.reason == "PURGE_QUOTA_EXCEEDED"
    assert purge_store.requests == {} and cdn.calls == []
    assert unpublish_purge("r2", force=True) == "r2"
    assert purge_store.counters == {("acme", "2030-11"): 12}
