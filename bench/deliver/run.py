"""Delivery benchmark: (a) the transform engine against libvips, (b) whole delivery requests through the local stack.

Part (a) (bench/deliver/engine.py): for each case, ``medialib.transform.engine.render`` and libvips'
``thumbnail_buffer`` with the same target size and encoder settings, on the same generated photo-like JPEGs, in
CPU time (``time.process_time``) of this process pinned to one CPU with libvips on one thread; interleaved rounds
after warm-up, the median per variant. Part (b) (bench/deliver/stack.py, when it exists): its
``measure(rounds)`` rows, in the same README section.

    .venv/bin/python bench/deliver/run.py               # measure, rewrite the deliver section of bench/README.md
    .venv/bin/python bench/deliver/run.py --no-write    # print only
    .venv/bin/python bench/deliver/run.py --profile 1   # cProfile of the engine on case 1 (of 4); nothing written
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import math
import os
import platform
import pstats
import shlex
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, cast

from PIL import Image, ImageChops, ImageStat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))  # bench/: the README writer and bench/deliver's parts
os.environ["VIPS_CONCURRENCY"] = "1"  # read by libvips when pyvips is first imported (bench/deliver/engine.py)

from deliver.engine import CASES, IMAGES, QUALITY, Result, measure, original  # noqa: E402
from readme import README, write_section  # noqa: E402

MISS_TARGET = 1.5  # a whole cache-miss request over libvips' 12 MP -> w-300 WebP, at most (the issue's target)
StackRow = tuple[str, float, str]  # case, median handler/request time in ms, note


class StackPart(Protocol):
    def measure(self, rounds: int) -> list[StackRow]: ...


def pin_to_one_cpu() -> str:
    """Pin this process (and whatever it starts) to one CPU; say which."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def psnr(one: bytes, other: bytes) -> float:
    """How alike two outputs are, in dB (inf when identical): the two variants did the same work."""
    with Image.open(io.BytesIO(one)) as first, Image.open(io.BytesIO(other)) as second:
        a, b = first.convert("RGB"), second.convert("RGB")
        if a.size != b.size:
            return 0.0
        squares = ImageStat.Stat(ImageChops.difference(a, b)).rms
    mse = statistics.fmean(value * value for value in squares)
    return math.inf if mse == 0 else 10 * math.log10(255 * 255 / mse)


def stack_rows(rounds: int) -> list[StackRow] | None:
    if not (HERE / "stack.py").exists():
        print("bench/deliver/stack.py does not exist yet: part (b) skipped", file=sys.stderr)
        return None
    part = cast(StackPart, importlib.import_module("deliver.stack"))
    return part.measure(rounds)


def _ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.1f}"


def render_section(results: list[Result], stack: list[StackRow] | None, rounds: int, pinned: str, command: str) -> str:
    lines = [
        "<!-- deliver:start -->",
        "## Delivery: the transform engine against libvips, and whole requests",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with Python {platform.python_version()} ({platform.system()}"
        f" {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}) by:",
        "",
        "```sh",
        command,
        "```",
        "",
        "`make bench` installs requirements/bench.txt (pyvips, pyvips-binary) into the development venv first;"
        " `--no-write` prints only, `--no-stack` skips part (b), `--profile N` prints cProfile's view of the"
        " engine on case N.",
        "",
        "### (a) The engine alone: `medialib.transform.engine.render` against libvips",
        "",
        "Originals generated in the run (smooth colour fields, soft shapes, thin strokes, grain; seeded), saved as"
        " JPEG q90: "
        + ", ".join(f"{name} ({w} x {h}, {len(original(name)) / 1e6:.1f} MB)" for name, (w, h, _) in IMAGES.items())
        + ". *libvips*: pyvips `thumbnail_buffer` to the same size (`crop='centre'` for the cover crop; the full-size"
        " case goes through it too), then `webpsave_buffer(Q=80, effort=4)` or `jpegsave_buffer(Q=80,"
        " subsample_mode='on', optimize_coding=False)`, `keep='none'`, the operation cache off. *medialib*: `render`"
        f" with the engine's defaults (quality {QUALITY}, libwebp method 4 = libvips' effort 4, JPEG 4:2:0 baseline"
        " without optimised tables, no metadata). CPU time (`time.process_time`) of one process"
        f" {pinned} (`os.sched_setaffinity`) with `VIPS_CONCURRENCY=1`; each round runs both variants (which goes"
        f" first alternates), after 2 warm-up calls each; median of {rounds} rounds, in ms. Both decode the JPEG at"
        " the same reduced DCT scale (1/8 for w-300, 1/4 for the crop, 1/2 for w-1200: libvips' thumbnail costs its"
        " decode at that scale plus a resize) and resize with a Lanczos-3 kernel (Pillow's `LANCZOS` after"
        " `reducing_gap=2.0` box reduction; libvips' `reduce`). *PSNR* compares the two outputs' pixels: both did"
        " the same work when it is high (inf = identical bytes).",
        "",
        "| Case | medialib ms | libvips ms | Ratio | Target | Met | Output (bytes medialib / libvips) | PSNR dB |",
        "|---|---:|---:|---:|---:|:---:|---|---:|",
    ]
    for result in results:
        width, height = result.size(result.ours_out)
        lines.append(
            f"| {result.case.name} | {_ms(result.ours)} | {_ms(result.theirs)} | {result.ratio:.2f}x"
            f" | <= {result.case.target}x | {'yes' if result.ratio <= result.case.target else '**no**'}"
            f" | {width} x {height}, {len(result.ours_out):,} / {len(result.theirs_out):,}"
            f" | {psnr(result.ours_out, result.theirs_out):.1f} |"
        )
    lines += ["", "### (b) Whole delivery requests through the local stack", ""]
    if stack is None:
        lines.append("Not measured in this run: bench/deliver/stack.py was not there.")
    else:
        yardstick = statistics.median(results[0].theirs) * 1000 if results else math.nan
        lines += [
            f"bench/deliver/stack.py's `measure({rounds})`, run by this process after part (a), so it and the"
            f" `start-api` it starts are {pinned.replace('pinned to', 'on')} too. A miss is compared with libvips'"
            f" {results[0].case.name if results else ''} of part (a) ({yardstick:.1f} ms CPU): target <="
            f" {MISS_TARGET}x.",
            "",
            "| Case | Median ms | vs libvips | Note |",
            "|---|---:|---:|---|",
        ]
        for name, ms, note in stack:
            ratio = f"{ms / yardstick:.2f}x" if "miss" in name else ""
            lines.append(f"| {name} | {ms:.1f} | {ratio} | {note} |")
    lines.append("<!-- deliver:end -->")
    return "\n".join(lines) + "\n"


def profile(index: int, rounds: int, top: int) -> str:
    case = CASES[index - 1]
    run: Callable[[], bytes] = case.ours()
    run()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        run()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return f"{case.name}, {rounds} renders\n{out.getvalue()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls of each variant first (default 2)")
    parser.add_argument("--no-write", action="store_true", help=f"print the section, leave {README.name} alone")
    parser.add_argument("--no-stack", action="store_true", help="part (a) only")
    parser.add_argument("--profile", type=int, metavar="CASE", help="cProfile the engine on case CASE (1-4)")
    parser.add_argument("--top", type=int, default=30, help="functions the profile lists (default 30)")
    args = parser.parse_args()
    pinned = pin_to_one_cpu()
    if args.profile:
        print(profile(args.profile, args.rounds, args.top))
        return 0
    results = measure(args.rounds, args.warmup)
    stack = None if args.no_stack else stack_rows(args.rounds)
    command = shlex.join([".venv/bin/python", "bench/deliver/run.py", *sys.argv[1:]])
    section = render_section(results, stack, args.rounds, pinned, command)
    print(section)
    if not args.no_write and args.rounds == 20:
        write_section(section)
        print(f"wrote {README.relative_to(ROOT)}", file=sys.stderr)
    elif not args.no_write:
        print(f"only the default 20 rounds are recorded: {README.name} left alone", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
