"""Media library API (``FilesFunction``): one Router per resource group in ``routes/``; built routes answer,
the template's other routes of this function answer 501 until their issues build them."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from routes import accounts, fields, files, folders, jobs, moves, versions

from medialib.api import new_resolver, respond
from medialib.observability import api_handler

app = new_resolver()
for group in (files, moves, versions, folders, fields, jobs, accounts):
    app.include_router(group.router)


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context)
