"""What no route of the management API serves: the template's greedy ``ANY /{proxy+}`` (no authorizer) sends
here every request that no declared resource + method pair takes, as API Gateway routes. The answer is
ImageKit's: 404 for a path no route has, 405 with ``Allow`` for a path that exists with other methods."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import new_resolver, respond
from medialib.observability import api_handler

app = new_resolver()  # no routes: every request is answered by the resolver's not-found handler


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context, accepts=())
