"""bench/deliver part (a): the transform engine alone (``medialib.transform.engine.render``) against libvips'
``thumbnail_buffer`` plus the same encoder settings, on generated photo-like JPEGs, in CPU time on one core.

Also the images every part of bench/deliver uses: ``photo(width, height, seed=...)`` (a smooth colour field,
soft shapes, fine strokes and grain, deterministic for a seed) and ``IMAGES`` (the two originals of the run).
libvips must run on one thread: set ``VIPS_CONCURRENCY=1`` before the first call here (bench/deliver/run.py
does, and pins the process to one CPU), since pyvips reads it when it is first imported.
"""

from __future__ import annotations

import io
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from medialib.transform.engine import render
from medialib.transform.parse import parse

QUALITY = 80  # the engine's default quality, given to libvips too
WEBP_EFFORT = 4  # libvips' default webp effort; the engine's WEBP_METHOD is the same libwebp setting
# name -> (width, height, JPEG quality of the original)
IMAGES = {"12 MP": (4000, 3000, 90), "1920x1080": (1920, 1080, 90)}


def photo(width: int, height: int, *, seed: int = 8) -> Image.Image:
    """A photo-like RGB image: smooth gradients, soft shapes with edges, thin strokes (detail), sensor grain."""
    rng = random.Random(seed)
    field = Image.frombytes("RGB", (6, 4), rng.randbytes(6 * 4 * 3)).resize((width, height), Image.Resampling.BICUBIC)
    shapes = Image.new("RGB", (width // 2, height // 2))
    draw = ImageDraw.Draw(shapes)
    for _ in range(60):
        x, y = rng.randrange(width // 2), rng.randrange(height // 2)
        rx, ry = rng.randrange(20, width // 6), rng.randrange(20, height // 6)
        draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(1500):
        x, y = rng.randrange(width // 2), rng.randrange(height // 2)
        draw.line((x, y, x + rng.randrange(-40, 40), y + rng.randrange(-40, 40)), fill=tuple(rng.randrange(256) for _ in range(3)))  # fmt: skip
    mask = Image.frombytes("L", (width // 64, height // 64), rng.randbytes((width // 64) * (height // 64)))
    mask = mask.resize((width, height), Image.Resampling.BICUBIC)
    shapes = shapes.resize((width, height), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(1.2))
    image = Image.composite(shapes, field, mask)
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height)).point(lambda value: value // 12)
    return ImageChops.add(image, Image.merge("RGB", (grain, grain, grain)), offset=-10)


@cache
def original(name: str) -> bytes:
    """The JPEG bytes of one of ``IMAGES`` (made once per run)."""
    width, height, quality = IMAGES[name]
    out = io.BytesIO()
    photo(width, height).save(out, "JPEG", quality=quality)
    return out.getvalue()


def _vips() -> Any:
    import pyvips

    pyvips.cache_set_max(0)  # no result reuse between rounds: every call decodes and encodes
    return pyvips


def _vips_save(image: Any, fmt: str) -> bytes:
    if fmt == "webp":
        return bytes(image.webpsave_buffer(Q=QUALITY, effort=WEBP_EFFORT, keep="none"))
    # Pillow's JPEG at q < 90: 4:2:0, baseline, standard Huffman tables; the same asked of libvips
    return bytes(image.jpegsave_buffer(Q=QUALITY, keep="none", subsample_mode="on", optimize_coding=False))


@dataclass(frozen=True)
class Case:
    name: str
    image: str  # a key of IMAGES
    transformation: str  # what the engine gets
    fmt: str
    width: int  # what thumbnail_buffer gets
    height: int | None = None
    crop: str | None = None
    target: float = 1.3  # the engine's CPU time over libvips', at most

    def ours(self) -> Callable[[], bytes]:
        chain, source = parse(self.transformation), original(self.image)
        return lambda: render(source, chain, fmt=self.fmt).body

    def theirs(self) -> Callable[[], bytes]:
        vips, source = _vips(), original(self.image)
        options: dict[str, Any] = {"height": self.height or 10_000_000}
        if self.crop:
            options["crop"] = self.crop
        return lambda: _vips_save(vips.Image.thumbnail_buffer(source, self.width, **options), self.fmt)


CASES = [
    Case("12 MP JPEG -> w-300 WebP", "12 MP", "w-300", "webp", 300, target=1.1),
    Case("12 MP JPEG -> w-1200 JPEG q80", "12 MP", "w-1200,q-80", "jpeg", 1200),
    Case("12 MP JPEG -> 400x400 cover crop JPEG", "12 MP", "w-400,h-400", "jpeg", 400, 400, crop="centre"),
    Case("1920x1080 JPEG -> WebP, full size", "1920x1080", "f-webp", "webp", 1920, 1080),
]


@dataclass(frozen=True)
class Result:
    case: Case
    ours: list[float]  # CPU seconds per round
    theirs: list[float]
    ours_out: bytes
    theirs_out: bytes

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.theirs)

    @staticmethod
    def size(body: bytes) -> tuple[int, int]:
        with Image.open(io.BytesIO(body)) as image:
            return image.size


def _cpu(run: Callable[[], bytes]) -> tuple[float, bytes]:
    start = time.process_time()
    body = run()
    return time.process_time() - start, body


def measure(rounds: int = 20, warmup: int = 2, cases: list[Case] | None = None) -> list[Result]:
    """Each case's two variants, interleaved in every round (which goes first alternates), after ``warmup``
    untimed calls of each; CPU time of this process (one thread on one core)."""
    results = []
    for case in cases or CASES:
        ours, theirs = case.ours(), case.theirs()
        for _ in range(warmup):
            ours(), theirs()
        times: dict[str, list[float]] = {"ours": [], "theirs": []}
        outputs: dict[str, bytes] = {}
        for index in range(rounds):
            order = [("ours", ours), ("theirs", theirs)]
            for name, run in order if index % 2 == 0 else order[::-1]:
                seconds, outputs[name] = _cpu(run)
                times[name].append(seconds)
        results.append(Result(case, times["ours"], times["theirs"], outputs["ours"], outputs["theirs"]))
    return results
