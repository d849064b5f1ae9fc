"""The one logger, metrics and tracer of every function.

Tracing is switchable (``MEDIALIB_TRACING=true``): Powertools' Tracer imports the X-Ray SDK and patches
botocore, about 200 ms of cold start, so it is only imported when it is on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

logger = Logger()
metrics = Metrics()

Handler = TypeVar("Handler", bound=Callable[..., Any])


def _tracing_enabled() -> bool:
    return os.environ.get("MEDIALIB_TRACING", "false").lower() == "true"


def _capture(handler: Handler) -> Handler:
    if not _tracing_enabled():
        return handler
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - deliberately lazy, see module doc

    return cast(Handler, Tracer().capture_lambda_handler(handler, capture_response=False))


def api_handler(handler: Handler) -> Handler:
    """Decorate an API Gateway entry point: Lambda context + REST correlation id, metrics, optional tracing."""
    traced = _capture(handler)
    with_metrics = metrics.log_metrics(traced)
    return cast(
        Handler,
        logger.inject_lambda_context(
            correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False, clear_state=True
        )(with_metrics),
    )


def task_handler(handler: Handler) -> Handler:
    """Decorate a non-HTTP entry point (Step Functions task, schedule): Lambda context, metrics, tracing."""
    traced = _capture(handler)
    with_metrics = metrics.log_metrics(traced)
    return cast(Handler, logger.inject_lambda_context(with_metrics, log_event=False, clear_state=True))
