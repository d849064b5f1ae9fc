"""Purge requests (``request_purge``, ``get_status``; docs/purge.md), the monthly quota
(:mod:`medialib.purge.period` says which month a purge counts toward) and its scheduled reset."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.adapters import blobs, cdn
from medialib.adapters.errors import ConditionFailedError
from medialib.adapters.transition import transition
from medialib.errors import NotFoundError, QuotaExceededError, ServiceUnavailableError
from medialib.files import service as files
from medialib.files.models import FileItem
from medialib.observability import logger, metrics
from medialib.purge.period import next_reset, period_of, seconds_until_reset
from medialib.purge.rules import PurgeTarget, invalidation_paths, parse_purge_url, unpublish_paths
from medialib.purge.store import PurgeRecord, PurgeStore, TablePurgeStore
from medialib.settings import CdnSettings, PurgeSettings, get_settings

store: PurgeStore = TablePurgeStore()  # the one seam: unit tests put an in-memory PurgeStore here


def get_status(account_id: str, request_id: str) -> dict[str, str]:
    """``Pending`` or ``Completed``, as CloudFront says of the request's invalidation; only the account that
    made the request sees it (another's id is a 404). Completed is remembered: CloudFront is asked until then."""
    record = store.get_request(account_id, request_id)
    if record is None:
        raise NotFoundError("The requested purge request does not exist.", reason="PURGE_REQUEST_NOT_FOUND")
    if record.status == "Completed" or record.invalidation_id is None:
        return {"status": record.status}
    # CloudFront keeps invalidations for a while, then forgets them: a forgotten one finished long ago.
    state = cdn.get_invalidation(get_settings(PurgeSettings).distribution_id, record.invalidation_id)
    if state == "InProgress":
        return {"status": "Pending"}
    store.mark_completed(account_id, request_id)
    return {"status": "Completed"}


# A month's counter is kept this long after the month ends (the table's TTL then deletes it).
COUNTER_KEPT_FOR = timedelta(days=400)


def consume_quota(account: Account, now: datetime, *, force: bool = False, count: int = 1) -> int:
    """Count ``count`` purges toward the month of ``now`` and return how many remain in it (never below 0).

    A spent quota raises QuotaExceededError (429, not retried, Retry-After = seconds to the next reset) and
    counts nothing. ``force`` (a purge caused by unpublishing: taking a file down must clear the CDN) counts
    past the limit and never refuses."""
    limit = accounts.purge_quota(account)
    period = period_of(now)
    expires_at = _counter_expiry(now)
    try:
        used = store.consume(account.account_id, period, limit, force=force, expires_at=expires_at, count=count)
    except ConditionFailedError:
        raise _quota_exceeded(limit, now) from None
    return max(0, limit - used)


def _quota_exceeded(limit: int, now: datetime) -> QuotaExceededError:
    return QuotaExceededError(
        f"The monthly limit of {limit} purge requests of this account is reached; "
        f"it resets at {next_reset(now).strftime('%Y-%m-%dT%H:%M:%SZ')}.",
        help="Purge requests are counted per calendar month (UTC). Retry after the reset, or ask your "
        "medialib administrator to raise the account's purge quota.",
        reason="PURGE_QUOTA_EXCEEDED",
        retry_after=seconds_until_reset(now),
    )


def _counter_expiry(now: datetime) -> int:
    return int((next_reset(now) + COUNTER_KEPT_FOR).timestamp())


def give_back_quota(account: Account, now: datetime, count: int = 1) -> None:
    """Give back the purges counted by ``consume_quota(account, now, count=...)`` (pass the same ``now``: the same
    month) when the purge failed after being counted. Never takes the count below 0."""
    store.give_back(account.account_id, period_of(now), count)


def remaining_quota(account: Account, now: datetime) -> int:
    """Purges the account may still request in the month of ``now``."""
    return max(0, accounts.purge_quota(account) - store.used(account.account_id, period_of(now)))


def reset_monthly_quota(fired_at: datetime) -> bool:
    """Record the reset of the month ``fired_at`` falls in, once: True the first time, False for a repeat.

    O(1) for any number of accounts: counters are keyed by month (``ACCOUNT#<acc>#QUOTA`` / ``PURGE#<yyyy-mm>``),
    so the first purge of a new month starts a new counter at 0 and the reset touches no account. The marker
    records that the schedule fired, for operators and for the idempotency of a redelivered event."""
    period = period_of(fired_at)
    outcome = transition(
        lambda: store.record_reset(period, fired_at),
        reread=lambda: store.reset_of(period),
        settled=lambda _ran_at: True,  # any record of the period is this reset, done before
    )
    return outcome.changed


# ------------------------------------------------------------------ purge requests

# A wildcard's renditions are removed for at most this many files (one Query per folder walked); CloudFront's
# invalidation covers the rest, whose renditions are of immutable versions and expire from the bucket in 30 days
# (its lifecycle rule in template.yaml).
MAX_WILDCARD_FILES = 1000


@dataclass(frozen=True)
class PurgeAnswer:
    """What a purge did (or, for a dry run, would do): the CloudFront paths, the files whose renditions go."""

    request_id: str | None  # None for a dry run
    paths: list[str]
    files: int
    remaining: int

    def body(self) -> dict[str, Any]:
        if self.request_id is not None:
            return {"requestId": self.request_id}
        return {"dryRun": True, "paths": self.paths, "files": self.files, "remaining": self.remaining}


def delivery_endpoints(account_id: str) -> list[str]:
    """The account's delivery endpoints: ``{DELIVERY_BASE_URL}/{accountId}`` (the URL the API writes in ``url``, a
    custom domain when one is configured) and the distribution's own domain, which serves the same files."""
    settings = get_settings(PurgeSettings)
    bases = [settings.delivery_base_url.rstrip("/")]
    if settings.distribution_domain:
        bases.append(f"https://{settings.distribution_domain}")
    return [f"{base}/{account_id}" for base in dict.fromkeys(bases)]


def request_purge(account: Account, url: str, now: datetime, *, dry_run: bool = False) -> PurgeAnswer:
    """``POST /v1/files/purge``: validate ``url`` against the account's endpoints and the wildcard rules; then
    spend one purge of the month, remove the matching renditions, invalidate the CDN (the request id is the
    CallerReference: a retried CloudFront call is the same invalidation, never a second) and record the request. A failure after the
    quota is spent gives it back. ``dry_run`` stops after validation: nothing spent, nothing written."""
    account_id = account.account_id
    target = parse_purge_url(url, delivery_endpoints(account_id))
    paths = invalidation_paths(target)
    covered = _files_of(target)
    if dry_run:
        return PurgeAnswer(None, paths, len(covered), remaining_quota(account, now))
    left = consume_quota(account, now)
    request_id = new_request_id()
    try:
        for item in covered:
            blobs.delete_prefix(get_settings(PurgeSettings).renditions_bucket, rendition_prefix(item))
        invalidation_id = cdn.create_invalidation(
            get_settings(PurgeSettings).distribution_id, paths, caller_reference=request_id
        )
        store.record_request(account_id, request_id, url=url, paths=paths, invalidation_id=invalidation_id, at=now)
    except Exception:
        give_back_quota(account, now)
        raise
    logger.info("purge requested", extra={"request_id": request_id, "paths": len(paths), "files": len(covered)})
    metrics.add_metric(name="PurgeRequested", unit="Count", value=1)
    return PurgeAnswer(request_id, paths, len(covered), left)


# A claim that failed on a request whose row is then absent (a concurrent run undid its claim) is tried again.
CLAIM_ATTEMPTS = 3


def purge_unpublished(
    account: Account, file_paths: Sequence[str], now: datetime, *, request_id: str, force: bool
) -> str:
    """Clear every public URL form of unpublished files from the CDN (``unpublish_paths``), as one purge request
    ``request_id``, counted in the quota, one per file. ``force`` (the request took something down) counts past
    the limit: taking a file down is never refused (seed 000); a repeated unpublish that changed nothing is an
    ordinary purge, refused with the quota spent.

    Idempotent under overlapping runs (Lambda's at-least-once delivery, a Step Functions retry while the first run
    goes on): the request's row and its count are written in one transaction only if the row is new, so the
    request is counted once. A run that finds the request claimed counts nothing; if the row has no invalidation
    yet (its first run crashed, or is still calling CloudFront) it asks CloudFront again with the same
    CallerReference, which answers the same invalidation. A CloudFront failure of the run that claimed undoes the
    claim and the count together and leaves as the CDN's error (429 or 503, retryable)."""
    account_id = account.account_id
    paths = unpublish_paths(account_id, file_paths)
    count = len(file_paths)
    claimed = _claim(account, request_id, now, force=force, count=count, paths=paths)
    if claimed is not None and claimed.invalidation_id is not None:
        return request_id  # done before
    try:
        invalidation_id = cdn.create_invalidation(
            get_settings(CdnSettings).distribution_id, paths, caller_reference=request_id
        )
    except Exception:
        if claimed is None:  # this run counted: undo both (a concurrent run that recorded its invalidation wins)
            with suppress(ConditionFailedError):
                store.unclaim(account_id, request_id, period_of(now), count)
        raise
    with suppress(ConditionFailedError):  # the row is gone (a failed concurrent run undid it) or already recorded
        store.set_invalidation(account_id, request_id, invalidation_id)
    if claimed is None:
        logger.info("unpublish purge requested", extra={"request_id": request_id, "files": count})
        metrics.add_metric(name="UnpublishPurgeRequested", unit="Count", value=1)
    return request_id


def _claim(  # noqa: PLR0913 - the request and how it counts
    account: Account, request_id: str, now: datetime, *, force: bool, count: int, paths: list[str]
) -> PurgeRecord | None:
    """Claim ``request_id`` and count it: None when this run claimed it, else the request as a run before claimed
    it (nothing counted). QuotaExceededError when the quota is spent (nothing written)."""
    account_id = account.account_id
    limit = accounts.purge_quota(account)
    period = period_of(now)
    for _ in range(CLAIM_ATTEMPTS):
        try:
            store.claim(
                account_id, request_id, period, limit, force=force, count=count, expires_at=_counter_expiry(now),
                url=f"unpublished: {count} file(s)", paths=paths, at=now,
            )  # fmt: skip
        except ConditionFailedError:
            existing = store.get_request(account_id, request_id)
            if existing is not None:
                return existing
            if not force and store.used(account_id, period) >= limit:
                raise _quota_exceeded(limit, now) from None
            continue  # the row that refused the claim is gone: claim again
        return None
    raise ServiceUnavailableError()  # claimed and undone under us each time: retryable


def _files_of(target: PurgeTarget) -> list[FileItem]:
    """The files whose renditions the purge removes: the file at the path, or those the wildcard covers."""
    if target.wildcard:
        return files.files_under(target.account_id, target.path.rstrip("*"), limit=MAX_WILDCARD_FILES)
    item = files.file_at(target.account_id, target.path)
    return [] if item is None else [item]


def rendition_prefix(item: FileItem) -> str:
    """Every rendition of every version of the file (delivery keys them ``renditions/{acc}/{file}/{ver}/{hash}``)."""
    return f"renditions/{item.account_id}/{item.file_id}/"


def new_request_id() -> str:
    """ImageKit's request ids are 24 hexadecimal characters."""
    return secrets.token_hex(12)
