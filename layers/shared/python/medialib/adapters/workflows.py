"""Step Functions: start one execution per bulk job (the job id is the execution name, so a retry is a no-op), and
tell whether a job's execution was started."""

from __future__ import annotations

import json
from typing import Any

from medialib.adapters import clients
from medialib.adapters.errors import AWS_ERRORS, error_code, translate


def start(state_machine_arn: str, name: str, payload: dict[str, Any]) -> None:
    """Start ``name`` once: an execution of that name that already exists is this start, retried."""
    try:
        clients.sfn().start_execution(stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload))
    except AWS_ERRORS as err:
        if error_code(err) == "ExecutionAlreadyExists":
            return
        raise translate(err, "Step Functions") from None


def execution_exists(state_machine_arn: str, name: str) -> bool:
    """Whether the execution ``name`` of the state machine exists (started, whatever it became since)."""
    execution_arn = state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
    try:
        clients.sfn().describe_execution(executionArn=execution_arn)
    except AWS_ERRORS as err:
        if error_code(err) == "ExecutionDoesNotExist":
            return False
        raise translate(err, "Step Functions") from None
    return True
