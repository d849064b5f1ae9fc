"""bench/README.md holds one section per benchmark, each between its own ``<!-- name:start -->`` and
``<!-- name:end -->`` markers; a benchmark rewrites only its own section."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def write_section(section: str) -> None:
    """Replace the section between its own markers (its first and last lines) in bench/README.md, or append it."""
    start_marker, end_marker = section.splitlines()[0], section.rstrip("\n").splitlines()[-1]
    text = README.read_text()
    start, end = text.find(start_marker), text.find(end_marker)
    if start != -1 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(end_marker) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    README.write_text(text)
