"""Step Functions task of the publish state machine: one idempotent step (start, one file, finish, fail)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.observability import logger, task_handler
from medialib.publish import service
from medialib.publish.models import WorkerTask


@task_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = WorkerTask.model_validate(event)
    logger.append_keys(account_id=task.account_id, job_id=task.job_id, file_id=task.file_id)
    return service.run_task(task)
