"""An account's named transformations: names checked when the account is stored; definitions checked against the
transformation grammar by delivery (the authorizer, which reads accounts, has no Pillow)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from medialib.accounts.models import AccountSettings
from medialib.delivery.rules import named_definition
from medialib.errors import BadRequestError


def test_valid_named_transformations_are_kept_and_pass_the_grammar() -> None:
    """Given names with transformations of one or more steps, When stored and checked, Then kept as given."""
    named = {"card": "w-400,h-300", "hero.v2": "w-1200:f-webp"}
    assert AccountSettings(named_transformations=named).named_transformations == named
    assert {name: named_definition(named, name) for name in named} == named
    assert named_definition(named, "nope") is None


@pytest.mark.parametrize(
    ("named", "words"),
    [
        pytest.param({"bad name": "w-10"}, "a name is", id="bad-name"),
        pytest.param({"card": ""}, "1 to 1024 characters", id="empty"),
        pytest.param({"card": "w-1," * 300}, "1 to 1024 characters", id="too-long"),
    ],
)
def test_bad_names_are_refused_when_stored(named: dict[str, str], words: str) -> None:
    """Given a name or text that could never be used, When the account is stored, Then refused saying why."""
    with pytest.raises(ValidationError) as refused:
        AccountSettings(named_transformations=named)
    assert words in str(refused.value)


@pytest.mark.parametrize(
    ("definition", "words"),
    [
        pytest.param("w-abc", "parameter w", id="invalid-parameter-names-it"),
        pytest.param("l-text", "l", id="unsupported-parameter"),
        pytest.param("n-other", "name no other", id="names-another"),
    ],
)
def test_definitions_are_checked_against_the_grammar(definition: str, words: str) -> None:
    """Given a definition that does not parse, When delivery uses it, Then 400 naming n-card and the problem."""
    with pytest.raises(BadRequestError) as refused:
        named_definition({"card": definition}, "card")
    assert "n-card" in refused.value.message and words in refused.value.message


def test_a_built_in_name_cannot_be_redefined() -> None:
    """Given an account that defines ik_ml_thumbnail, When checked, Then 400 (the built-in one is what URLs get)."""
    with pytest.raises(BadRequestError) as refused:
        named_definition({"ik_ml_thumbnail": "w-10"}, "ik_ml_thumbnail")
    assert "built-in" in refused.value.message


@pytest.mark.parametrize(
    ("named", "problem"),
    [
        pytest.param({"card": "n-other"}, "a definition must be steps that name no other", id="names-another"),
        pytest.param({"card": "w-10:n-other"}, "a definition must be steps that name no other", id="names-one-later"),
        pytest.param({"card": ""}, "a definition must be steps that name no other", id="empty-has-no-steps"),
        pytest.param(
            {"card": "w-10:orig-true"},
            "orig-true would serve a private file's original without a signature",
            id="orig-true-would-unsign-a-private-original",
        ),
        pytest.param({"ik_ml_thumbnail": "w-10"}, "it redefines a built-in name", id="redefines-built-in"),
    ],
)
def test_an_invalid_definition_answers_the_exact_400(named: dict[str, str], problem: str) -> None:
    """Given an account whose named transformation is invalid, When delivery uses it, Then 400
    INVALID_TRANSFORMATION naming n-<name> and the problem, with help pointing at the account's settings."""
    (name,) = named
    with pytest.raises(BadRequestError) as refused:
        named_definition(named, name)
    assert refused.value.body() == {
        "message": f"The account's named transformation n-{name} is not valid: {problem}",
        "help": "Correct the account's named transformations (AccountSettings.named_transformations).",
        "reason": "INVALID_TRANSFORMATION",
    }
