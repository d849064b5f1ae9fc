"""The orphan sweep, on the schedule template.yaml declares (SweepFunction): objects of the originals bucket that
no version record points to, older than half an hour, are deleted (``medialib.orphans.service``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.observability import logger, metrics, task_handler
from medialib.orphans import rules, service


@task_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An EventBridge Scheduled Event; its content does not matter (the sweep judges ages by the clock)."""
    result = service.sweep(out_of_time=lambda: context.get_remaining_time_in_millis() < rules.TIME_MARGIN_MS)
    logger.info("orphan sweep done", extra=result.model_dump(by_alias=True))
    metrics.add_metric(name="OrphanBlobsDeleted", unit="Count", value=result.deleted)
    return result.model_dump(by_alias=True)
