"""The local stack's concurrent requests each read their own event (tools/medialib_local/isolation.py): Powertools
keeps the event being resolved on a class, one per process, and the local stack runs requests in threads."""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from medialib.api import caller_account_id, new_router
from medialib_local.isolation import isolate_requests_per_thread
from tests.unit.gateway import proxy_event

TIMEOUT = 10


def _event(path: str, account_id: str) -> dict[str, Any]:
    event = proxy_event("GET", path)
    event["requestContext"]["authorizer"] = {"accountId": account_id}
    return event


def _resolver(barrier: threading.Barrier, seen: dict[str, Any]) -> APIGatewayRestResolver:
    """A function as the stack's are built: a resolver with a Router whose route waits until the other request is
    in flight too, then records the path and the caller's account it reads."""
    app, router = APIGatewayRestResolver(), new_router()

    @router.get("/v1/<name>")
    def read(name: str) -> dict[str, str]:
        barrier.wait(TIMEOUT)  # both requests have set their event before either reads it
        seen[name] = (app.current_event.path, caller_account_id(router), router.lambda_context)
        return {}

    app.include_router(router)
    return app


def test_concurrent_requests_in_two_functions_each_read_their_own_event_and_account() -> None:
    """Given two functions' resolvers and the isolation the local stack installs, When each resolves a request of
    its own account in its own thread, both in flight at once, Then each route reads its own path, its own caller's
    account and its own Lambda context (without it the second request's event is read by both)."""
    isolate_requests_per_thread()
    barrier, seen = threading.Barrier(2), dict[str, Any]()
    requests = {
        name: (_resolver(barrier, seen), _event(f"/v1/{name}", account), f"context-{name}")
        for name, account in (("files", "acme"), ("images", "globex"))
    }
    threads = [threading.Thread(target=app.resolve, args=(event, ctx)) for app, event, ctx in requests.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert seen == {
        "files": ("/v1/files", "acme", "context-files"),
        "images": ("/v1/images", "globex", "context-images"),
    }
