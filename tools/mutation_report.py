"""Summarise a `mutmut run` (run from the directory that holds ``mutants/``): the score per module and the diff
of every mutant the unit tests did not kill, as Markdown for docs/testing.md. Used by `make mutate`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

MUTMUT = str(Path(sys.executable).parent / "mutmut")
# mutmut's exit codes (mutmut/stats.py): 1 and 3 killed, 0 survived, 5 and 33 no test reached the code.
KILLED = {1, 3}
SURVIVED = {0}
NO_TESTS = {5, 33}


def outcome(code: int | None) -> str:
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    return "other"  # timeouts, crashes, not run: each is worth a look


def module_of(mutant: str) -> str:
    return mutant.split(".x", 1)[0]


def main() -> int:
    results: dict[str, int | None] = {}
    for meta in sorted(Path("mutants").rglob("*.meta")):
        results.update(json.loads(meta.read_text())["exit_code_by_key"])
    if not results:
        print("no mutmut results under ./mutants: run `mutmut run` first", file=sys.stderr)
        return 1
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for mutant, code in results.items():
        by_module[module_of(mutant)][outcome(code)] += 1
    total: Counter[str] = Counter()
    print("| module | mutants | killed | survived | no tests | other | killed % |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for module, counts in sorted(by_module.items()):
        total.update(counts)
        print(_row(module, counts))
    print(_row("**all**", total))
    print("\nMutants not killed:\n")
    for mutant, code in sorted(results.items()):
        if outcome(code) != "killed":
            # the mutant names come from mutmut's own results
            shown = subprocess.run([MUTMUT, "show", mutant], capture_output=True, text=True, check=False)  # noqa: S603
            diff = [line for line in shown.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")]
            print(f"- `{mutant}` ({outcome(code)}): " + " / ".join(f"`{line}`" for line in diff))
    return 0


def _row(module: str, counts: Counter[str]) -> str:
    mutants = sum(counts.values())
    score = 100 * counts["killed"] / mutants if mutants else 0.0
    return (
        f"| {module} | {mutants} | {counts['killed']} | {counts['survived']} | {counts['no tests']} "
        f"| {counts['other']} | {score:.1f} |"
    )


if __name__ == "__main__":
    sys.exit(main())
