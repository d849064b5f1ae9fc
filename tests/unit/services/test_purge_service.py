"""Purge status and the monthly quota reset, against an in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medialib.errors import NotFoundError
from medialib.purge import service as purge
from medialib.purge.store import PurgeRecord
from tests.unit.services.fakes import FakePurgeStore


def test_the_reset_happens_once_per_month(purge_store: FakePurgeStore) -> None:
    """Given no reset yet, When the schedule fires for January twice (a redelivery, a second minute) and then
    for February, Then January resets once and February once, each recorded with its first firing."""
    first = datetime(2030, 1, 1, tzinfo=UTC)
    assert purge.reset_monthly_quota(first) is True
    assert purge.reset_monthly_quota(first) is False
    assert purge.reset_monthly_quota(datetime(2030, 1, 1, 0, 1, tzinfo=UTC)) is False
    assert purge.reset_monthly_quota(datetime(2030, 2, 1, tzinfo=UTC)) is True
    assert purge_store.resets == {"2030-01": first, "2030-02": datetime(2030, 2, 1, tzinfo=UTC)}


def test_the_status_of_a_purge_request(purge_store: FakePurgeStore) -> None:
    """Given a completed purge request of one account, When its status is read by that account and another,
    Then Completed for the owner and 404 PURGE_REQUEST_NOT_FOUND for the other."""
    purge_store.requests[("acme", "r1")] = PurgeRecord("Completed", "I1")
    assert purge.get_status("acme", "r1") == {"status": "Completed"}
    with pytest.raises(NotFoundError) as caught:
        purge.get_status("other", "r1")
    assert caught.value.reason == "PURGE_REQUEST_NOT_FOUND"
