"""The geometry of one step, without pixels: which region of the input is used, what size it is resized to, and
where it sits on a padded canvas. All in the coordinates of the step's input (for the first step, the original
after its EXIF orientation); the engine scales them to what it actually decoded.

Crop strategies (ImageKit's): with w and h,
- ``maintain_ratio`` (the default): cover the box, then cut it to exactly w x h around the focus;
- ``force``: stretch to w x h;
- ``at_max``: fit inside the box, aspect kept, never enlarged (``at_max_enlarge`` enlarges);
- ``at_least``: cover the box, aspect kept, nothing cut (the result is at least w x h);
- ``cm-pad_resize``: fit inside, then pad to w x h with the background, the image placed per ``fo``;
- ``cm-extract``: cut a w x h region of the input at the focus or at x/y (xc/yc), no resizing;
- ``cm-pad_extract``: as extract, padded with the background where the box is larger than the input.
With only w or only h (or one of them and ``ar``), the other side follows the aspect ratio. Only ``at_max``
refuses to enlarge; the others enlarge small inputs, as ImageKit does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from medialib.transform.parse import MAX_OUTPUT_PIXELS, MAX_SIDE, Step, compose, invalid

Box = tuple[float, float, float, float]  # left, top, right, bottom
Point = tuple[float, float]

# fo -> where the kept region sits along x and y: 0 = left/top edge, 0.5 = centre, 1 = right/bottom edge
_ANCHORS: dict[str, tuple[float, float]] = {
    "center": (0.5, 0.5),
    "top": (0.5, 0.0),
    "bottom": (0.5, 1.0),
    "left": (0.0, 0.5),
    "right": (1.0, 0.5),
    "top_left": (0.0, 0.0),
    "top_right": (1.0, 0.0),
    "bottom_left": (0.0, 1.0),
    "bottom_right": (1.0, 1.0),
}


@dataclass(frozen=True, slots=True)
class Plan:
    """Take ``box`` of the input, resize it to ``size``; with ``canvas``, paste it at ``offset`` on a canvas of
    that size filled with the background."""

    box: Box
    size: tuple[int, int]
    canvas: tuple[int, int] | None = None
    offset: tuple[int, int] = (0, 0)

    @property
    def output(self) -> tuple[int, int]:
        return self.canvas or self.size


def custom_box(custom: str | None) -> Box | None:
    """A file's ``customCoordinates`` (``x,y,width,height``) as a box, or None when absent or malformed."""
    if not custom:
        return None
    try:
        x, y, w, h = (int(part) for part in custom.split(","))
    except ValueError:
        return None
    if min(x, y) < 0 or min(w, h) < 1:
        return None
    return (x, y, x + w, y + h)


def check_output(width: int, height: int, cause: str) -> None:
    """An output over the limits is the caller's 400, naming the parameters (``cause``) that asked for it."""
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_OUTPUT_PIXELS:
        what = (
            f"Invalid transformation parameters {cause}: they make a {width} x {height} image"
            if cause
            else f"This transformation keeps the source's size, {width} x {height} (give w or h to reduce it)"
        )
        raise invalid(
            f"{what}; medialib makes at most {MAX_SIDE} pixels per side and {MAX_OUTPUT_PIXELS} pixels in all."
        )


def _sizing(step: Step) -> str:
    """The parameters of a step that decide its output size, as written in the canonical text."""
    fields = ("width", "height", "aspect_ratio", "crop", "crop_mode", "dpr")
    return compose((Step(**{name: getattr(step, name) for name in fields}),))


def _side(value: int | float | None, source: int, dpr: float) -> float | None:
    if value is None:
        return None
    pixels = value * source if isinstance(value, float) else value
    return pixels * dpr


def requested_size(width: int, height: int, step: Step) -> tuple[int | None, int | None]:
    """The w and h a step asks for in pixels: fractions of the input resolved, ``ar`` applied, times ``dpr``."""
    dpr = step.dpr or 1.0
    w, h = _side(step.width, width, dpr), _side(step.height, height, dpr)
    if step.aspect_ratio is not None:
        ratio = step.aspect_ratio[0] / step.aspect_ratio[1]
        if w is not None:
            h = w / ratio
        elif h is not None:
            w = h * ratio
    box_w, box_h = (None if side is None else max(1, round(min(side, 8 * MAX_SIDE))) for side in (w, h))
    return box_w, box_h


def _scaled(width: int, height: int, scale: float) -> tuple[int, int]:
    return max(1, round(width * scale)), max(1, round(height * scale))


def _centred(length: float, source: float, point: float) -> float:
    """Where a region of ``length`` starts along an axis of ``source`` to be centred on ``point``, kept inside."""
    return min(max(point - length / 2, 0.0), source - length)


def _start(length: float, source: float, anchor: float, point: float | None) -> float:
    """Where a region of ``length`` starts along an axis of ``source``: at the anchor, or centred on a point."""
    if point is not None:
        return _centred(length, source, point)
    return (source - length) * anchor


def _focus(step: Step, custom: str | None, auto_focus: Point | None) -> tuple[Point, Point | None]:
    """The step's focus as edge anchors and, for ``custom`` and ``auto``, a point to centre on."""
    if step.focus == "custom":
        box = custom_box(custom)
        point = None if box is None else ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        return (0.5, 0.5), point  # a file without customCoordinates is cropped at the centre
    if step.focus == "auto":
        return (0.5, 0.5), auto_focus
    return _ANCHORS[step.focus or "center"], None


def _one_side_plan(source: tuple[int, int], step: Step, box: tuple[int | None, int | None]) -> Plan:
    """Only w or only h: the other side follows the aspect ratio (``at_max`` never enlarges)."""
    width, height = source
    box_w, box_h = box
    scale = box_w / width if box_w is not None else (box_h or height) / height
    if step.crop == "at_max":
        scale = min(scale, 1.0)
    return Plan((0, 0, width, height), _scaled(width, height, scale))


def _resize_plan(
    source: tuple[int, int], step: Step, box: tuple[int, int], anchors: Point, point: Point | None
) -> Plan:
    """w and h: the crop strategy decides the size; maintain_ratio's cut is placed by ``_cover_box``."""
    width, height = source
    box_w, box_h = box
    full: Box = (0, 0, width, height)
    fit, cover = min(box_w / width, box_h / height), max(box_w / width, box_h / height)
    if step.crop == "force":
        return Plan(full, box)
    if step.crop in {"at_max", "at_max_enlarge"}:
        return Plan(full, _scaled(width, height, min(fit, 1.0) if step.crop == "at_max" else fit))
    if step.crop == "at_least":
        return Plan(full, _scaled(width, height, cover))
    if step.crop_mode == "pad_resize":
        fitted = _scaled(width, height, fit)
        size = (min(fitted[0], box_w), min(fitted[1], box_h))
        offset = (round((box_w - size[0]) * anchors[0]), round((box_h - size[1]) * anchors[1]))
        return Plan(full, size, canvas=box, offset=offset)
    return Plan(_cover_box(source, box, anchors, point), box)  # maintain_ratio: cut the box at the focus


def _cover_box(source: tuple[int, int], size: tuple[int, int], anchors: Point, point: Point | None) -> Box:
    """maintain_ratio: the largest region of the box's aspect ratio, placed at the focus."""
    width, height = source
    scale = max(size[0] / width, size[1] / height)
    crop_w, crop_h = min(width, size[0] / scale), min(height, size[1] / scale)
    left = _start(crop_w, width, anchors[0], None if point is None else point[0])
    top = _start(crop_h, height, anchors[1], None if point is None else point[1])
    return (left, top, left + crop_w, top + crop_h)


@dataclass(frozen=True, slots=True)
class _Axis:
    """One axis of an extract: the box's length, the input's, and where the step places the box."""

    length: int
    source: int
    start: int | None  # x or y
    centre: int | None  # xc or yc
    anchor: float  # fo's edge
    point: float | None  # fo-custom / fo-auto


def _extract_axis(axis: _Axis, pad: bool) -> tuple[int, int, int]:
    """(first input pixel, pixels taken, offset on the canvas) along one axis."""
    if axis.length > axis.source and pad:
        return 0, axis.source, round((axis.length - axis.source) * axis.anchor)
    taken = min(axis.length, axis.source)
    if axis.start is not None:
        first = min(axis.start, axis.source - taken)
    elif axis.centre is not None:
        first = round(_centred(taken, axis.source, axis.centre))
    else:
        first = round(_start(taken, axis.source, axis.anchor, axis.point))
    return max(0, first), taken, 0


def _extract_plan(
    source: tuple[int, int], step: Step, box: tuple[int | None, int | None], custom: str | None, auto: Point | None
) -> Plan:
    width, height = source
    box_w, box_h = box
    region = custom_box(custom) if step.focus == "custom" else None
    if region is not None and box_w is None and box_h is None:  # fo-custom alone: the custom region itself
        left, top = min(int(region[0]), width - 1), min(int(region[1]), height - 1)
        right, bottom = min(int(region[2]), width), min(int(region[3]), height)
        return Plan((left, top, right, bottom), (right - left, bottom - top))
    anchors, point = _focus(step, custom, auto)
    point_x, point_y = (None, None) if point is None else point
    pad = step.crop_mode == "pad_extract"
    canvas = (box_w or width, box_h or height)
    x_first, x_taken, x_offset = _extract_axis(_Axis(canvas[0], width, step.x, step.x_center, anchors[0], point_x), pad)
    y_first, y_taken, y_offset = _extract_axis(
        _Axis(canvas[1], height, step.y, step.y_center, anchors[1], point_y), pad
    )
    cut: Box = (x_first, y_first, x_first + x_taken, y_first + y_taken)
    if pad and canvas != (x_taken, y_taken):
        return Plan(cut, (x_taken, y_taken), canvas=canvas, offset=(x_offset, y_offset))
    return Plan(cut, (x_taken, y_taken))


def plan(width: int, height: int, step: Step, *, custom: str | None = None, auto_focus: Point | None = None) -> Plan:
    """What one step does to an input of ``width`` x ``height`` (see the module's docstring)."""
    source = (width, height)
    box_w, box_h = requested_size(width, height, step)
    if step.crop_mode in {"extract", "pad_extract"}:
        result = _extract_plan(source, step, (box_w, box_h), custom, auto_focus)
    elif box_w is None and box_h is None:
        result = Plan((0, 0, width, height), source)
    elif box_w is None or box_h is None:
        result = _one_side_plan(source, step, (box_w, box_h))
    else:
        anchors, point = _focus(step, custom, auto_focus)
        result = _resize_plan(source, step, (box_w, box_h), anchors, point)
    check_output(*result.output, _sizing(step))
    return result


def rotated_size(width: int, height: int, degrees: int) -> tuple[int, int]:
    """The size of an image turned clockwise by ``degrees`` on an expanded canvas (Pillow's ``expand=True``). The
    1e-9 absorbs the float error of a quarter turn (cos 90 is not exactly 0), so those swap the sides exactly."""
    angle = math.radians(degrees)
    cos, sin = abs(math.cos(angle)), abs(math.sin(angle))
    return math.ceil(width * cos + height * sin - 1e-9), math.ceil(width * sin + height * cos - 1e-9)


def best_window(profile: Sequence[float], window: float) -> float:
    """The centre (in profile units) of the ``window``-long run of ``profile`` with the most energy: where
    ``fo-auto`` puts a crop along one axis. Ties keep the run nearest the middle."""
    count = len(profile)
    span = max(1, min(count, round(window)))
    middle = (count - span) / 2
    starts = range(count - span + 1)
    best = max(starts, key=lambda start: (sum(profile[start : start + span]), -abs(start - middle)))
    return best + span / 2
