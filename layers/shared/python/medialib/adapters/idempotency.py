"""Run a piece of work at most once per idempotency key, with Powertools' idempotency utility on the single table.

Powertools keeps one row per key: ``PK`` = the partition the caller names (a store's key layout), ``SK`` =
``<prefix>#<sha256 of the key>``, ``status`` (INPROGRESS, then COMPLETED), ``expiresAt`` (the table's TTL
attribute; Powertools also checks it itself, since TTL deletes late), ``inProgressExpiresAt`` (milliseconds: when
an attempt that never finished, a Lambda timeout, stops holding the key), ``payloadHash`` (sha256 of the
payload, so that the key reused for other work is refused) and ``response`` (the work's JSON answer).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from medialib.adapters import clients
from medialib.errors import ServiceUnavailableError
from medialib.observability import logger
from medialib.settings import TableSettings, get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


class KeyReusedError(Exception):
    """The key was used before for other work (another payload): nothing was run."""


class KeyInUseError(Exception):
    """Another attempt with this key is running: nothing was run, a retry later gets its answer."""


def run_once(  # noqa: PLR0913 - where the row lives, which key, what it guards, how long, the work
    *,
    partition: str,
    prefix: str,
    key: str,
    payload: Mapping[str, Any],
    expires_after_seconds: int,
    work: Callable[[], dict[str, Any]],
    context: LambdaContext | None = None,
) -> dict[str, Any]:
    """``work()``'s answer, computed once per (``partition``, ``prefix``, ``key``) for ``expires_after_seconds``:
    a later call with the same key and payload answers the stored result without running ``work``. If ``work``
    raises, the key is released (a retry runs it again). ``context``: the Lambda invocation's, so that an
    attempt killed by its timeout holds the key no longer than the invocation could have run."""
    # Powertools' idempotency imports the whole of boto3 (about 190 ms): imported by the first keyed upload, not at
    # the function's init, like every boto3 client of medialib.adapters.clients.
    from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
    )
    from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
        idempotent_function as _idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
        IdempotencyAlreadyInProgressError,
        IdempotencyInconsistentStateError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    persistence = DynamoDBPersistenceLayer(
        table_name=get_settings(TableSettings).table_name,
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value=partition,
        expiry_attr="expiresAt",
        in_progress_expiry_attr="inProgressExpiresAt",
        status_attr="status",
        data_attr="response",
        validation_key_attr="payloadHash",
        boto3_client=clients.dynamodb(),
    )
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after_seconds,
        hash_function="sha256",
        lambda_context=context,
    )

    def _work(request: dict[str, Any]) -> dict[str, Any]:
        return work()

    # idempotent_function is typed ``-> Any``: the wrapped function keeps _work's signature
    once: Callable[..., dict[str, Any]] = _idempotent_function(
        _work, data_keyword_argument="request", persistence_store=persistence, config=config, key_prefix=prefix
    )
    try:
        answer = once(request={"key": key, "payload": dict(payload)})
    except IdempotencyValidationError:
        raise KeyReusedError from None
    except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError):
        raise KeyInUseError from None
    except IdempotencyPersistenceLayerError as err:
        logger.error("idempotency store failed", extra={"error": type(err.__cause__).__name__})
        raise ServiceUnavailableError() from None
    return answer
