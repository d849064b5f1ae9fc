"""An account's named transformations are checked with the transformation grammar when the account is stored."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from medialib.accounts.models import AccountSettings


def test_valid_named_transformations_are_kept() -> None:
    """Given names with transformations of one or more steps, When stored, Then kept as given."""
    named = {"card": "w-400,h-300", "hero.v2": "w-1200:f-webp"}
    assert AccountSettings(named_transformations=named).named_transformations == named


@pytest.mark.parametrize(
    ("named", "words"),
    [
        pytest.param({"card": "w-abc"}, "w", id="invalid-parameter-names-it"),
        pytest.param({"card": "l-text"}, "l", id="unsupported-parameter"),
        pytest.param({"card": ""}, "names no other", id="empty"),
        pytest.param({"card": "n-other"}, "names no other", id="names-another"),
        pytest.param({"ik_ml_thumbnail": "w-10"}, "built in", id="redefines-the-built-in"),
        pytest.param({"bad name": "w-10"}, "a name is", id="bad-name"),
    ],
)
def test_invalid_named_transformations_are_refused(named: dict[str, str], words: str) -> None:
    """Given a named transformation that would never work, When stored, Then refused saying why."""
    with pytest.raises(ValidationError) as refused:
        AccountSettings(named_transformations=named)
    assert words in str(refused.value)
