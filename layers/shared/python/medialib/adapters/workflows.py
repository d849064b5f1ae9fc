"""Step Functions: start one execution per bulk job (the job id is the execution name, so a retry is a no-op)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from medialib.adapters import clients
from medialib.adapters.errors import translate


def start(state_machine_arn: str, name: str, payload: dict[str, Any]) -> None:
    """Start ``name`` once: an execution of that name that already exists is this start, retried."""
    try:
        clients.sfn().start_execution(stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload))
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
            return
        raise translate(err, "Step Functions") from None
