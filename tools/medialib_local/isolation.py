"""One request's event per thread for Powertools' resolvers, as Lambda's one request per execution environment.

Powertools keeps the event being resolved, and the Lambda context, on the class ``BaseRouter``: ``resolve`` sets
``BaseRouter.current_event``, and every resolver and Router of the process reads it there. On Lambda a process
serves one request at a time, so that is the request's own event. The local stack serves concurrent requests in
threads of one process: without this, a request read the event of another in flight (found by schemathesis with
two workers: a files route answered in img-processing's error shape because the event it read was a concurrent
``/v1/images`` request's, and a route reads the caller's account from that event). ``isolate_requests_per_thread``
makes both attributes the calling thread's own, for class and instance access alike."""

from __future__ import annotations

import threading
from abc import ABCMeta
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

_ATTRIBUTES = ("current_event", "lambda_context")
_values = threading.local()


class _PerThread:
    """A data descriptor whose value is the calling thread's own."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        try:
            return getattr(_values, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(_values, self.name, value)


class _PerThreadRouterMeta(ABCMeta):
    """BaseRouter's metaclass with the two attributes per thread: ``BaseRouter.current_event = ...`` (a class
    attribute assignment, which a descriptor in the class itself would not see) lands in the thread's value."""

    current_event = _PerThread("current_event")
    lambda_context = _PerThread("lambda_context")


def isolate_requests_per_thread() -> None:
    """Make Powertools' current event and Lambda context per thread (idempotent)."""
    if type(BaseRouter) is _PerThreadRouterMeta:
        return
    for name in _ATTRIBUTES:  # first, while a class assignment still reaches the class: instance access
        setattr(BaseRouter, name, _PerThread(name))
    # then class access; mypy reads __class__ as a method, not the assignable attribute it is
    BaseRouter.__class__ = _PerThreadRouterMeta  # type: ignore[method-assign,assignment]
