"""checkov over template.yaml: every failed check is fixed or accepted in checkov-accepted.yaml with its reason, and
every accepted finding still occurs (the list stays true). checkov runs from its own venv (.tools/checkov, from
requirements/checkov.txt; `make bootstrap` installs it), offline (`--skip-download`), once for the module, over the
template and a canary template whose findings are known (so a run that checked nothing cannot pass)."""

from __future__ import annotations

import json
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.decode.cfn_yaml import load
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from tests.conftest import ROOT, TEMPLATE

CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
ACCEPTED = ROOT / "checkov-accepted.yaml"
# A bucket with nothing set: checkov must find, among others, no versioning (CKV_AWS_21) and no access logging
# (CKV_AWS_18) on it.
CANARY = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  CanaryBucket:
    Type: AWS::S3::Bucket
"""
CANARY_FINDINGS = {("CKV_AWS_21", "CanaryBucket"), ("CKV_AWS_18", "CanaryBucket")}


class AcceptedFinding(BaseModel):
    """One entry of checkov-accepted.yaml: a check, the template's resources it fails on, and why that is accepted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(pattern=r"^CKV2?_AWS_\d+$")
    resources: list[str] = Field(min_length=1)
    reason: str = Field(min_length=80)


@dataclass(frozen=True)
class Finding:
    check: str
    resource: str  # logical id
    name: str  # what checkov checks, in its words
    line: int


@dataclass(frozen=True)
class CheckovRun:
    findings: dict[Path, list[Finding]]
    summary: dict[str, Any]
    seconds: float


def _accepted() -> list[AcceptedFinding]:
    return TypeAdapter(list[AcceptedFinding]).validate_python(yaml.safe_load(ACCEPTED.read_text()))


def _accepted_pairs() -> set[tuple[str, str]]:
    return {(entry.check, resource) for entry in _accepted() for resource in entry.resources}


@pytest.fixture(scope="module")
def checkov(tmp_path_factory: pytest.TempPathFactory) -> CheckovRun:
    """One checkov run over template.yaml and the canary, JSON output, no network."""
    if not CHECKOV.is_file():
        pytest.fail(
            f"{CHECKOV.relative_to(ROOT)} is missing: run `make bootstrap` (it installs requirements/checkov.txt)"
        )
    work = tmp_path_factory.mktemp("checkov")
    canary = work / "canary.yaml"
    canary.write_text(CANARY)
    started = time.monotonic()
    result = subprocess.run(
        [str(CHECKOV), "--framework", "cloudformation", "--output", "json", "--quiet", "--skip-download",
         "--file", str(TEMPLATE), "--file", str(canary)],
        cwd=work, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    assert result.returncode in {0, 1}, f"checkov exited {result.returncode}:\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    assert [r["check_type"] for r in reports] == ["cloudformation"], result.stdout[:500]
    findings: dict[Path, list[Finding]] = defaultdict(list)
    for failed in reports[0]["results"].get("failed_checks", []):
        findings[Path(failed["file_abs_path"]).resolve()].append(
            Finding(failed["check_id"], failed["resource"].rsplit(".", 1)[-1], failed["check_name"],
                    failed["file_line_range"][0])
        )  # fmt: skip
    return CheckovRun({TEMPLATE.resolve(): [], canary.resolve(): [], **findings}, reports[0]["summary"], seconds)


def _template_findings(run: CheckovRun) -> list[Finding]:
    return run.findings[TEMPLATE.resolve()]


@pytest.mark.slow
def test_checkov_reports_only_accepted_findings_on_the_template(checkov: CheckovRun) -> None:
    """Given template.yaml and checkov-accepted.yaml, When checkov checks the template, Then every check that fails is
    an accepted finding of that resource (a new one is fixed in the template, or accepted with its reason)."""
    accepted = _accepted_pairs()
    new = [f for f in _template_findings(checkov) if (f.check, f.resource) not in accepted]
    assert new == [], "checkov findings neither fixed nor in checkov-accepted.yaml:\n" + "\n".join(
        f"  {f.check} {f.resource} (template.yaml line {f.line}): {f.name}" for f in new
    )


@pytest.mark.slow
def test_every_accepted_finding_still_occurs(checkov: CheckovRun) -> None:
    """Given checkov-accepted.yaml, When checkov checks the template, Then each accepted (check, resource) pair still
    fails (a finding fixed since, or a resource renamed, is taken out of the list so that it stays true)."""
    found = {(f.check, f.resource) for f in _template_findings(checkov)}
    stale = sorted(_accepted_pairs() - found)
    assert stale == [], f"accepted in checkov-accepted.yaml but no longer reported: {stale}"


@pytest.mark.slow
def test_checkov_checked_the_whole_template_and_skipped_nothing(checkov: CheckovRun) -> None:
    """Given the run, When its summary and the canary's findings are read, Then the template parsed, nothing was
    skipped by an inline `checkov:skip` (the accepted list is the one place), and the canary's known findings were
    reported (the run checked what it was given), within seconds."""
    summary = checkov.summary
    assert summary["parsing_errors"] == 0, summary
    assert summary["skipped"] == 0, "a check is skipped in the template: accept it in checkov-accepted.yaml instead"
    assert summary["passed"] > 50, summary
    canary = {(f.check, f.resource) for path, found in checkov.findings.items() if path.name == "canary.yaml"
              for f in found}  # fmt: skip
    assert canary >= CANARY_FINDINGS, canary
    assert checkov.seconds < 120, f"checkov took {checkov.seconds:.1f} s"


def test_the_accepted_list_names_template_resources_once_each() -> None:
    """Given checkov-accepted.yaml, When read, Then every entry has a check id, resources and a reason of a few
    sentences, names only resources of template.yaml, and no (check, resource) pair twice."""
    entries = _accepted()
    assert entries
    resources = set(load(str(TEMPLATE))["Resources"])
    unknown = sorted({r for entry in entries for r in entry.resources} - resources)
    assert unknown == [], f"not resources of template.yaml: {unknown}"
    pairs = [(entry.check, r) for entry in entries for r in entry.resources]
    assert len(pairs) == len(set(pairs)), "a (check, resource) pair is accepted twice"
