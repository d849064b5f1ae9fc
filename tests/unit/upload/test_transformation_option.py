"""Upload's ``transformation`` option as its rule reads it: ``pre`` and the ``post`` steps of type transformation are
checked by delivery's grammar when the upload arrives, and at most five post transformations are made."""

from __future__ import annotations

import json
from typing import Any

import pytest

from medialib.upload.rules import MAX_POST_TRANSFORMATIONS, parse_transformation


def _post(*values: str, others: int = 0) -> list[dict[str, Any]]:
    steps = [{"type": "transformation", "value": value} for value in values]
    return steps + [{"type": "thumbnail"}] * others


@pytest.mark.parametrize(
    "option",
    [
        pytest.param({"pre": "w-100,h-100"}, id="a-valid-pre"),
        pytest.param({"post": _post("w-100", "h-20:rt-90")}, id="valid-post-transformations-without-pre"),
        pytest.param({"post": _post(*(f"w-{n}" for n in range(1, 6)))}, id="five-post-transformations"),
        pytest.param({"post": _post("w-1", others=MAX_POST_TRANSFORMATIONS + 1)}, id="other-post-types-do-not-count"),
    ],
)
def test_accepted_transformations_are_kept_as_given(option: dict[str, Any]) -> None:
    """Given a pre and/or post transformations that the grammar accepts (at most five of type transformation), When
    the option is read, Then it is kept as given."""
    assert parse_transformation(json.dumps(option)) == option


@pytest.mark.parametrize(
    ("option", "message"),
    [
        pytest.param(
            {"pre": "w-abc"},
            "Invalid transformation parameter w: 'abc' is not a whole number of pixels",
            id="a-bad-pre-names-its-parameter",
        ),
        pytest.param(
            {"post": _post("w-10", "rt-1000")},
            "Invalid transformation parameter rt",
            id="a-bad-post-transformation-names-its-parameter",
        ),
        pytest.param(
            {"post": _post(*(f"w-{n}" for n in range(1, 7)))},
            "post holds at most 5 steps of type transformation",
            id="six-post-transformations-are-too-many",
        ),
    ],
)
def test_refused_transformations_say_why(option: dict[str, Any], message: str) -> None:
    """Given a transformation the grammar refuses, or six post transformations, When the option is read, Then it is
    refused with the grammar's message (naming the parameter) or the limit."""
    with pytest.raises(ValueError, match=r".") as refused:
        parse_transformation(json.dumps(option))
    assert str(refused.value).startswith(message)
