"""The local stack runs functions like Lambda: one request per execution environment at a time."""

from __future__ import annotations

from typing import Any


def test_requests_in_flight_never_share_an_execution_environment(stack: Any) -> None:
    """Given a request in flight in FilesFunction, When a second one starts before it ends, Then it runs in
    another copy of the handler module (its own resolver and current event), and a finished environment
    is reused afterwards, as a warm Lambda would be."""
    functions = stack.functions
    with functions.environment("FilesFunction") as first, functions.environment("FilesFunction") as second:
        assert first is not second
        assert first.app is not second.app
    with functions.environment("FilesFunction") as again:
        assert again in (first, second)


def test_step_functions_tasks_share_one_lambda_client(stack: Any) -> None:
    """Given the local stack, When moto's Step Functions interpreter asks for the Lambda client of two tasks (with
    different credentials, which moto's client ignores), Then it gets the same client, pointed at the stack's moto
    server: the stack does not build a client per task."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    first = lambda_eval_utils.boto_client_for(region="us-east-1", service="lambda", state_credentials=None)  # type: ignore[attr-defined]
    second = lambda_eval_utils.boto_client_for(region="us-east-1", service="lambda", state_credentials=object())  # type: ignore[attr-defined]

    assert first is second
    assert first.meta.endpoint_url == stack.moto.endpoint.replace("127.0.0.1", "localhost")
