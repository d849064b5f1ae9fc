"""The whole plan of a step (region kept, size, canvas, offset), exactly, for each crop strategy and mode, each
focus, odd sizes where a half pixel is rounded, and the output limits tried on both sides."""

from __future__ import annotations

from typing import Any

import pytest

from medialib.errors import BadRequestError
from medialib.transform import geometry
from medialib.transform.geometry import Plan
from medialib.transform.parse import Step, parse

WIDE = (400, 200)
TALL = (200, 400)
FULL_WIDE = (0, 0, 400, 200)
_LIMITS = "medialib makes at most 16384 pixels per side and 50000000 pixels in all."


def _plan(text: str, source: tuple[int, int] = WIDE, **kwargs: object) -> Plan:
    (step,) = parse(text) if text else (Step(),)
    return geometry.plan(*source, step, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "source", "plan"),
    [
        pytest.param("w-100", WIDE, Plan(FULL_WIDE, (100, 50)), id="w-only-height-follows"),
        pytest.param("h-51", WIDE, Plan(FULL_WIDE, (102, 51)), id="h-only-width-follows"),
        pytest.param("w-100", (333, 101), Plan((0, 0, 333, 101), (100, 30)), id="odd-input-height-rounded"),
        pytest.param("w-0.001", WIDE, Plan(FULL_WIDE, (1, 1)), id="tiny-fraction-is-still-one-pixel"),
        pytest.param("h-50", (10, 1000), Plan((0, 0, 10, 1000), (1, 50)), id="sliver-never-rounds-to-nothing"),
        pytest.param("w-600,c-at_max", WIDE, Plan(FULL_WIDE, (400, 200)), id="at-max-w-one-and-a-half-not-enlarged"),
        pytest.param("h-300,c-at_max", WIDE, Plan(FULL_WIDE, (400, 200)), id="at-max-h-not-enlarged"),
        pytest.param("w-400,c-at_max", WIDE, Plan(FULL_WIDE, (400, 200)), id="at-max-same-width"),
        pytest.param("w-200,c-at_max", WIDE, Plan(FULL_WIDE, (200, 100)), id="at-max-shrinks"),
        pytest.param("w-600", WIDE, Plan(FULL_WIDE, (600, 300)), id="maintain-ratio-w-enlarges"),
        pytest.param("w-1000,h-100,c-at_max", WIDE, Plan(FULL_WIDE, (200, 100)), id="at-max-height-limits"),
        pytest.param("w-100,h-1000,c-at_max", WIDE, Plan(FULL_WIDE, (100, 50)), id="at-max-width-limits"),
        pytest.param("w-1000,h-300,c-at_max", WIDE, Plan(FULL_WIDE, (400, 200)), id="at-max-box-larger"),
        pytest.param("w-1000,h-300,c-at_max_enlarge", WIDE, Plan(FULL_WIDE, (600, 300)), id="at-max-enlarge-h-limits"),
        pytest.param("w-100,h-1000,c-at_max", (1000, 10), Plan((0, 0, 1000, 10), (100, 1)), id="at-max-flat-sliver"),
        pytest.param("w-100,h-100,c-at_max", (10, 1000), Plan((0, 0, 10, 1000), (1, 100)), id="at-max-thin-sliver"),
        pytest.param("w-1000,h-100,c-at_least", WIDE, Plan(FULL_WIDE, (1000, 500)), id="at-least-width-decides"),
        pytest.param("w-100,h-1000,c-at_least", WIDE, Plan(FULL_WIDE, (2000, 1000)), id="at-least-height-decides"),
        pytest.param("w-101,h-33,c-force", WIDE, Plan(FULL_WIDE, (101, 33)), id="force-whole-input-any-shape"),
        pytest.param("w-200,ar-4-1", WIDE, Plan((0, 50, 400, 150), (200, 50)), id="ar-gives-h-as-w-over-ratio"),
        pytest.param("h-100,ar-1-2", WIDE, Plan((150, 0, 250, 200), (50, 100)), id="ar-gives-w-as-h-times-ratio"),
        pytest.param("w-101,h-100", WIDE, Plan((99, 0, 301, 200), (101, 100)), id="odd-cover-cut-centred"),
        pytest.param("w-3,h-3", (10, 7), Plan((1.5, 0, 8.5, 7), (3, 3)), id="cover-cut-at-half-pixels"),
        pytest.param("e-grayscale", WIDE, Plan(FULL_WIDE, WIDE), id="no-size-is-the-input"),
    ],
)
def test_the_whole_plan(text: str, source: tuple[int, int], plan: Plan) -> None:
    """Given an input and a step, When planned, Then the region kept, its size and (no) canvas are exactly so."""
    assert _plan(text, source) == plan


@pytest.mark.parametrize(
    ("text", "kwargs", "box"),
    [
        pytest.param("w-100,h-100", {}, (0, 100, 200, 300), id="centre"),
        pytest.param("w-100,h-100,fo-top", {}, (0, 0, 200, 200), id="top"),
        pytest.param("w-100,h-100,fo-bottom", {}, (0, 200, 200, 400), id="bottom"),
        pytest.param("w-100,h-100,fo-bottom_left", {}, (0, 200, 200, 400), id="bottom-left"),
        pytest.param("w-100,h-100,fo-left", {}, (0, 100, 200, 300), id="left-on-a-tall-image-centres-down"),
        pytest.param("w-100,h-100,fo-custom", {"custom": None}, (0, 100, 200, 300), id="custom-without-coordinates"),
        pytest.param("w-100,h-100,fo-custom", {"custom": "20,200,40,40"}, (0, 120, 200, 320), id="custom-centred"),
        pytest.param("w-100,h-100,fo-custom", {"custom": "20,360,40,40"}, (0, 200, 200, 400), id="custom-kept-in"),
        pytest.param("w-100,h-100,fo-custom", {"custom": "bad"}, (0, 100, 200, 300), id="custom-malformed-centre"),
        pytest.param("w-100,h-100,fo-auto", {"auto_focus": (100, 150)}, (0, 50, 200, 250), id="auto-point"),
        pytest.param("w-100,h-100,fo-auto", {}, (0, 100, 200, 300), id="auto-without-a-point-centre"),
    ],
)
def test_cover_cut_of_a_tall_input_follows_the_focus_down(text: str, kwargs: dict[str, Any], box: geometry.Box) -> None:
    """Given a 200 x 400 input cut square, When planned at a focus, Then the 200 x 200 region sits there."""
    plan = _plan(text, TALL, **kwargs)
    assert (plan.box, plan.size, plan.canvas) == (box, (100, 100), None)


@pytest.mark.parametrize(
    ("text", "kwargs", "size", "offset"),
    [
        pytest.param("w-400,h-100,cm-pad_resize", {}, (200, 100), (100, 0), id="across-centred"),
        pytest.param("w-400,h-100,cm-pad_resize,fo-left", {}, (200, 100), (0, 0), id="across-left"),
        pytest.param("w-400,h-100,cm-pad_resize,fo-right", {}, (200, 100), (200, 0), id="across-right"),
        pytest.param("w-400,h-100,cm-pad_resize,fo-top_right", {}, (200, 100), (200, 0), id="across-top-right"),
        pytest.param("w-400,h-100,cm-pad_resize,fo-bottom_left", {}, (200, 100), (0, 0), id="across-bottom-left"),
        pytest.param("w-400,h-100,cm-pad_resize,fo-custom", {"custom": "0,0,5,5"}, (200, 100), (100, 0), id="custom"),
        pytest.param("w-400,h-100,cm-pad_resize,fo-auto", {"auto_focus": (0, 0)}, (200, 100), (100, 0), id="auto"),
        pytest.param("w-200,h-200,cm-pad_resize,fo-custom", {}, (200, 100), (0, 50), id="down-custom-centred"),
        pytest.param("w-200,h-200,cm-pad_resize,fo-auto", {}, (200, 100), (0, 50), id="down-auto-centred"),
        pytest.param("w-200,h-200,cm-pad_resize,fo-bottom_left", {}, (200, 100), (0, 100), id="down-bottom-left"),
        pytest.param("w-101,h-101,cm-pad_resize", {}, (101, 50), (0, 26), id="odd-half-pixel-rounds-to-even"),
        pytest.param("w-103,h-103,cm-pad_resize", {}, (103, 52), (0, 26), id="odd-size-rounds-up"),
        pytest.param("w-101,h-101,cm-pad_resize,fo-bottom", {}, (101, 50), (0, 51), id="odd-at-the-bottom"),
    ],
)
def test_pad_resize_places_the_image_on_the_canvas(
    text: str, kwargs: dict[str, Any], size: tuple[int, int], offset: tuple[int, int]
) -> None:
    """Given cm-pad_resize on a 400 x 200 input, When planned, Then the whole input is fitted and placed per fo."""
    (step,) = parse(text)
    plan = _plan(text, **kwargs)
    assert (plan.box, plan.size, plan.canvas, plan.offset) == (FULL_WIDE, size, (step.width, step.height), offset)


@pytest.mark.parametrize(
    ("text", "kwargs", "plan"),
    [
        pytest.param("w-100,cm-extract", {}, Plan((150, 0, 250, 200), (100, 200)), id="w-only-takes-the-full-height"),
        pytest.param("h-50,cm-extract", {}, Plan((0, 75, 400, 125), (400, 50)), id="h-only-takes-the-full-width"),
        pytest.param("cm-extract", {"custom": "10,20,30,40"}, Plan(FULL_WIDE, WIDE), id="custom-ignored-without-fo"),
        pytest.param(
            "w-101,h-51,cm-extract", {}, Plan((150, 74, 251, 125), (101, 51)), id="odd-box-centre-rounds-to-even"
        ),
        pytest.param(
            "w-100,h-50,cm-extract,xc-100,yc-40", {}, Plan((50, 15, 150, 65), (100, 50)), id="centred-on-xc-and-yc"
        ),
        pytest.param(
            "w-100,h-50,cm-extract,xc-0,yc-0", {}, Plan((0, 0, 100, 50), (100, 50)), id="xc-yc-at-the-corner-kept-in"
        ),
        pytest.param(
            "w-100,h-50,cm-extract,xc-400,yc-200", {}, Plan((300, 150, 400, 200), (100, 50)), id="xc-yc-far-kept-in"
        ),
        pytest.param(
            "w-100,h-50,cm-extract,x-0,yc-40", {}, Plan((0, 15, 100, 65), (100, 50)), id="x-with-yc-of-the-other-axis"
        ),
        pytest.param(
            "w-100,h-50,cm-extract,fo-custom",
            {"custom": "10,20,30,40"},
            Plan((0, 15, 100, 65), (100, 50)),
            id="custom-centre-with-a-box",
        ),
        pytest.param(
            "w-100,h-50,cm-extract,fo-custom",
            {"custom": "300,120,40,40"},
            Plan((270, 115, 370, 165), (100, 50)),
            id="custom-centre-away-from-the-edges",
        ),
        pytest.param(
            "w-100,h-50,cm-extract,fo-custom", {}, Plan((150, 75, 250, 125), (100, 50)), id="custom-missing-centre"
        ),
        pytest.param(
            "w-100,h-50,cm-extract,fo-auto",
            {"auto_focus": (320, 180)},
            Plan((270, 150, 370, 200), (100, 50)),
            id="auto-point-kept-in",
        ),
        pytest.param(
            "w-100,h-50,cm-extract,fo-auto",
            {"auto_focus": (120, 60)},
            Plan((70, 35, 170, 85), (100, 50)),
            id="auto-point",
        ),
        pytest.param(
            "cm-extract,fo-custom",
            {"custom": "390,190,20,20"},
            Plan((390, 190, 400, 200), (10, 10)),
            id="custom-region-clipped-to-the-input",
        ),
        pytest.param(
            "cm-extract,fo-custom",
            {"custom": "450,250,10,10"},
            Plan((399, 199, 400, 200), (1, 1)),
            id="custom-region-outside-is-the-last-pixel",
        ),
        pytest.param(
            "cm-extract,fo-custom", {"custom": "0,0,400,200"}, Plan(FULL_WIDE, WIDE), id="custom-region-whole-input"
        ),
        pytest.param("cm-extract,fo-custom", {}, Plan(FULL_WIDE, WIDE), id="custom-alone-without-coordinates"),
    ],
)
def test_extract_plan(text: str, kwargs: dict[str, Any], plan: Plan) -> None:
    """Given cm-extract on a 400 x 200 input, When planned, Then exactly this region is kept at its own size."""
    assert _plan(text, **kwargs) == plan


@pytest.mark.parametrize(
    ("text", "plan"),
    [
        pytest.param(
            "w-400,h-300,cm-pad_extract,fo-top",
            Plan(FULL_WIDE, WIDE, canvas=(400, 300), offset=(0, 0)),
            id="same-width-padded-below",
        ),
        pytest.param(
            "w-400,h-300,cm-pad_extract,fo-bottom",
            Plan(FULL_WIDE, WIDE, canvas=(400, 300), offset=(0, 100)),
            id="same-width-padded-above",
        ),
        pytest.param(
            "w-401,h-201,cm-pad_extract", Plan(FULL_WIDE, WIDE, canvas=(401, 201), offset=(0, 0)), id="half-rounds-even"
        ),
        pytest.param(
            "w-403,h-203,cm-pad_extract", Plan(FULL_WIDE, WIDE, canvas=(403, 203), offset=(2, 2)), id="odd-rounds-up"
        ),
        pytest.param(
            "w-600,h-100,cm-pad_extract,fo-right,yc-80",
            Plan((0, 30, 400, 130), (400, 100), canvas=(600, 100), offset=(200, 0)),
            id="padded-across-cut-down-at-yc",
        ),
        pytest.param(
            "w-100,h-300,cm-pad_extract,x-350",
            Plan((300, 0, 400, 200), (100, 200), canvas=(100, 300), offset=(0, 50)),
            id="cut-across-at-x-padded-down",
        ),
        pytest.param("w-400,h-200,cm-pad_extract", Plan(FULL_WIDE, WIDE), id="same-size-has-no-canvas"),
    ],
)
def test_pad_extract_plan(text: str, plan: Plan) -> None:
    """Given cm-pad_extract on a 400 x 200 input, When planned, Then the cut, canvas and offset are exactly so."""
    assert _plan(text) == plan


@pytest.mark.parametrize(
    ("text", "output"),
    [
        pytest.param("w-16384,h-1,c-force", (16384, 1), id="16384-wide"),
        pytest.param("w-1,h-16384,c-force", (1, 16384), id="16384-high"),
        pytest.param("w-10000,h-5000,c-force", (10000, 5000), id="exactly-50000000-pixels"),
        pytest.param("w-8192,h-1,c-force,dpr-2", (16384, 2), id="16384-after-dpr"),
    ],
)
def test_an_output_at_the_limits_is_planned(text: str, output: tuple[int, int]) -> None:
    """Given a step that makes an image exactly at a limit, When planned, Then it is allowed."""
    assert _plan(text).output == output


@pytest.mark.parametrize(
    ("text", "source", "message"),
    [
        pytest.param(
            "w-16384,h-1,c-force,dpr-2",
            WIDE,
            f"Invalid transformation parameters w-16384,h-1,c-force,dpr-2: they make a 32768 x 2 image; {_LIMITS}",
            id="too-wide-though-few-pixels",
        ),
        pytest.param(
            "w-1,h-16384,c-force,dpr-2",
            WIDE,
            f"Invalid transformation parameters w-1,h-16384,c-force,dpr-2: they make a 2 x 32768 image; {_LIMITS}",
            id="too-high-though-few-pixels",
        ),
        pytest.param(
            "w-10000,h-5001,c-force",
            WIDE,
            f"Invalid transformation parameters w-10000,h-5001,c-force: they make a 10000 x 5001 image; {_LIMITS}",
            id="one-row-over-50000000-pixels",
        ),
        pytest.param(
            "w-16384,ar-1-1000",
            WIDE,
            f"Invalid transformation parameters w-16384,ar-1-1000: they make a 16384 x 131072 image; {_LIMITS}",
            id="a-side-is-reported-at-most-131072",
        ),
        pytest.param(
            "e-grayscale",
            (20000, 1000),
            f"This transformation keeps the source's size, 20000 x 1000 (give w or h to reduce it); {_LIMITS}",
            id="an-unsized-step-on-a-too-wide-original",
        ),
    ],
)
def test_an_output_over_the_limits_is_a_400_that_reads_so(text: str, source: tuple[int, int], message: str) -> None:
    """Given a step whose output would pass a limit, When planned, Then the 400 names the sizing parameters (or
    none), the size they make and the limits, word for word."""
    with pytest.raises(BadRequestError) as raised:
        _plan(text, source)
    assert (raised.value.status, raised.value.reason, raised.value.message) == (400, "INVALID_TRANSFORMATION", message)


@pytest.mark.parametrize(
    ("source", "degrees", "size"),
    [
        pytest.param((401, 199), 90, (199, 401), id="quarter-turn-swaps-odd-sides-exactly"),
        pytest.param((401, 199), 270, (199, 401), id="three-quarter-turn-swaps"),
        pytest.param((401, 199), 180, (401, 199), id="half-turn-keeps"),
        pytest.param((131072, 3), 90, (3, 131072), id="quarter-turn-of-the-widest-side"),
        pytest.param((400, 200), 30, (447, 374), id="thirty-degrees"),
        pytest.param((1, 1), 45, (2, 2), id="one-pixel-at-45-needs-two"),
    ],
)
def test_rotated_size_exact(source: tuple[int, int], degrees: int, size: tuple[int, int]) -> None:
    """Given an image turned clockwise, When its canvas is sized, Then it holds the turned image, no pixel more."""
    assert geometry.rotated_size(*source, degrees) == size


@pytest.mark.parametrize(
    ("profile", "window", "centre"),
    [
        pytest.param([0, 0, 0, 9, 0, 0, 0, 0], 1, 3.5, id="window-of-one"),
        pytest.param([0, 0, 0, 9, 0, 0, 0, 0], 0.4, 3.5, id="window-under-one-is-one"),
        pytest.param([0, 0, 0, 0, 0, 0, 9, 9], 2, 7.0, id="busy-run-at-the-very-end"),
        pytest.param([0, 0, 0, 0, 0, 0, 0, 9], 3, 6.5, id="busy-last-value"),
        pytest.param([1, 2, 3], 3, 1.5, id="window-the-whole-profile"),
        pytest.param([4], 1, 0.5, id="one-value"),
    ],
)
def test_best_window_at_the_edges(profile: list[float], window: float, centre: float) -> None:
    """Given an energy profile, When fo-auto looks for the busiest window, Then its centre is found."""
    assert geometry.best_window(profile, window) == centre


@pytest.mark.parametrize(
    ("custom", "box"),
    [
        pytest.param("0,0,30,40", (0, 0, 30, 40), id="at-the-origin"),
        pytest.param("5,6,1,1", (5, 6, 6, 7), id="one-pixel"),
        pytest.param("-1,0,5,5", None, id="negative-x"),
        pytest.param("0,-1,5,5", None, id="negative-y"),
        pytest.param("1,2,3,0", None, id="no-height"),
        pytest.param("1,2,0,3", None, id="no-width"),
        pytest.param("a,b,c,d", None, id="not-numbers"),
        pytest.param("", None, id="empty"),
    ],
)
def test_custom_box_bounds(custom: str, box: geometry.Box | None) -> None:
    """Given a file's customCoordinates, When read, Then a box, or None when there is no region to use."""
    assert geometry.custom_box(custom) == box
