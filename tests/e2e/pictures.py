"""Test pictures whose pixels say where they came from, and the checks that read them back.

The grid is 600 x 400 (wider than tall, so aspect ratio is checked): 6 columns x 4 rows of 100-px cells, each a
flat colour that encodes its cell, red = 30 + 40 * column, green = 30 + 60 * row, blue = 128. A pixel of a
transformed image therefore tells which cell of the source it shows, whatever the resize, crop, rotation or
lossy encoder did in between, and a crop's kept region, its focus and a rotation's direction can be verified
without comparing bytes."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

CELL = 100
COLUMNS, ROWS = 6, 4
WIDTH, HEIGHT = COLUMNS * CELL, ROWS * CELL
TOLERANCE = 16  # per channel: lossy encoders (JPEG, WebP, AVIF) move a flat colour by a few levels
MARGIN = 12  # source pixels kept away from cell edges, where resampling blends two cells

Point = tuple[float, float]
ToSource = Callable[[float, float], Point]


def cell_colour(column: int, row: int) -> tuple[int, int, int]:
    return (30 + 40 * column, 30 + 60 * row, 128)


def grid(*, mirrored: bool = False, fmt: str = "PNG") -> bytes:
    """The 600 x 400 grid picture; ``mirrored`` swaps left and right (column c shows column 5 - c's colour)."""
    picture = Image.new("RGB", (WIDTH, HEIGHT))
    for row in range(ROWS):
        for column in range(COLUMNS):
            shown = COLUMNS - 1 - column if mirrored else column
            box = (column * CELL, row * CELL, (column + 1) * CELL, (row + 1) * CELL)
            picture.paste(cell_colour(shown, row), box)
    out = io.BytesIO()
    picture.save(out, format=fmt)
    return out.getvalue()


def noise_jpeg(width: int = 300, height: int = 200, seed: int = 1) -> bytes:
    """Seeded noise as a quality-95 JPEG: detail that a lower quality visibly throws away (bytes shrink)."""
    pixels = random.Random(seed).randbytes(width * height * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(out, format="JPEG", quality=95)
    return out.getvalue()


def decode(body: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(body))
    picture.load()
    return picture


def cell_of(rgb: tuple[int, ...]) -> tuple[int, int] | None:
    """The grid cell a colour encodes, or None when it is no cell's colour (within TOLERANCE)."""
    red, green, blue = rgb[:3]
    column, row = round((red - 30) / 40), round((green - 30) / 60)
    if not (0 <= column < COLUMNS and 0 <= row < ROWS):
        return None
    expected = cell_colour(column, row)
    if max(abs(red - expected[0]), abs(green - expected[1]), abs(blue - expected[2])) > TOLERANCE:
        return None
    return column, row


def near(rgb: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return max(abs(a - b) for a, b in zip(rgb[:3], colour, strict=True)) <= TOLERANCE


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float


def linear(source: Box, output: Box) -> ToSource:
    """Output rectangle ``output`` shows source rectangle ``source``, stretched linearly."""

    def to_source(x: float, y: float) -> Point:
        sx = source.left + (x - output.left) * (source.right - source.left) / (output.right - output.left)
        sy = source.top + (y - output.top) * (source.bottom - source.top) / (output.bottom - output.top)
        return sx, sy

    return to_source


def rotated_clockwise(source_height: float, scale: float = 1.0) -> ToSource:
    """An image turned 90 degrees clockwise (after a resize by ``scale``): output (x, y) shows source
    (y, H - x) in the resized image's coordinates, i.e. the source's top-left corner is now top-right."""

    def to_source(x: float, y: float) -> Point:
        return y / scale, (source_height * scale - x) / scale

    return to_source


def mismatches(picture: Image.Image, to_source: ToSource, within: Box | None = None, steps: int = 12) -> list[str]:
    """Sample a ``steps`` x ``steps`` lattice of output pixels (inside ``within``, default the whole image),
    map each to the source, and list those that do not show the source cell they should. Points whose source
    falls near a cell edge or outside the grid are skipped; fewer than 10 checked points is itself a mismatch,
    so that a check never passes vacuously."""
    rgb = picture.convert("RGB")
    area = within or Box(0, 0, rgb.width, rgb.height)
    found: list[str] = []
    checked = 0
    for i in range(steps):
        for j in range(steps):
            x = area.left + (i + 0.5) * (area.right - area.left) / steps
            y = area.top + (j + 0.5) * (area.bottom - area.top) / steps
            sx, sy = to_source(x, y)
            if not (0 <= sx < WIDTH and 0 <= sy < HEIGHT):
                continue
            if min(sx % CELL, CELL - sx % CELL, sy % CELL, CELL - sy % CELL) < MARGIN:
                continue
            checked += 1
            want = (int(sx // CELL), int(sy // CELL))
            pixel = rgb.getpixel((int(x), int(y)))
            assert isinstance(pixel, tuple)
            got = cell_of(pixel)
            if got != want:
                found.append(
                    f"output ({int(x)},{int(y)}) {pixel}: cell {got}, expected {want} (source {sx:.0f},{sy:.0f})"
                )
    if checked < 10:
        found.append(f"only {checked} points could be checked")
    return found
