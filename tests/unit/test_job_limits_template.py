"""What template.yaml deploys for the bulk jobs in flight per account (docs/jobs-limits.md): one parameter, handed
to exactly the functions that start jobs, bounded as the settings model reads it."""

from __future__ import annotations

from typing import Any

from medialib.settings import JobLimitSettings
from medialib_local.template import load_sam
from tests.conftest import TEMPLATE

VARIABLE = "MAX_JOBS_IN_FLIGHT_PER_ACCOUNT"
STARTERS = {"FilesFunction", "PublishFunction"}  # folder jobs; bulk publish


def test_the_limit_is_a_parameter_passed_to_the_functions_that_start_jobs() -> None:
    """Given template.yaml, When the functions whose environment holds the limit are listed, Then exactly the two
    that start jobs, each with the parameter; its default and bounds are the settings model's."""
    template: dict[str, Any] = load_sam(TEMPLATE)
    parameter = template["Parameters"]["MaxJobsInFlightPerAccount"]
    holders = {
        name: props["Environment"]["Variables"][VARIABLE]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        and VARIABLE in (props := resource["Properties"]).get("Environment", {}).get("Variables", {})
    }

    assert holders == {name: {"Ref": "MaxJobsInFlightPerAccount"} for name in STARTERS}
    field = JobLimitSettings.model_fields["max_jobs_in_flight_per_account"]
    assert field.alias == VARIABLE
    assert parameter["Default"] == field.default == 10
    bounds = {type(m).__name__: m for m in field.metadata}
    assert (parameter["MinValue"], parameter["MaxValue"]) == (bounds["Ge"].ge, bounds["Le"].le)
