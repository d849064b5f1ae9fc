"""Step Functions task of the folders state machine: one idempotent step (start, one batch, purge, finish, fail)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.folders import service
from medialib.folders.models import FolderTask
from medialib.observability import logger, task_handler


@task_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = FolderTask.model_validate(event)
    logger.append_keys(account_id=task.account_id, job_id=task.job_id, action=task.action)
    return service.run_task(task)
