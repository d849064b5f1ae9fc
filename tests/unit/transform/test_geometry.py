"""The geometry of a step, without pixels: which region of the input is kept, the size it becomes, and where it
sits on a padded canvas, for each of ImageKit's crop strategies and focuses."""

from __future__ import annotations

import pytest

from medialib.errors import BadRequestError
from medialib.transform import geometry
from medialib.transform.parse import Step, parse

WIDE = (400, 200)  # every case below starts from a 400 x 200 input unless it says otherwise


def _plan(text: str, source: tuple[int, int] = WIDE, **kwargs: object) -> geometry.Plan:
    (step,) = parse(text) if text else (Step(),)
    return geometry.plan(*source, step, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "size"),
    [
        pytest.param("w-100", (100, 50), id="only-width-height-follows"),
        pytest.param("h-50", (100, 50), id="only-height-width-follows"),
        pytest.param("w-0.25", (100, 50), id="width-as-a-fraction"),
        pytest.param("h-0.5", (200, 100), id="height-as-a-fraction"),
        pytest.param("w-100,dpr-2", (200, 100), id="dpr-multiplies"),
        pytest.param("w-200,ar-1-1", (200, 200), id="ratio-gives-the-height"),
        pytest.param("h-90,ar-16-9", (160, 90), id="ratio-gives-the-width"),
        pytest.param("w-800", (800, 400), id="width-enlarges"),
        pytest.param("w-800,c-at_max", (400, 200), id="at-max-never-enlarges-one-side"),
        pytest.param("w-100,h-100,c-force", (100, 100), id="force-stretches"),
        pytest.param("w-100,h-100,c-at_max", (100, 50), id="at-max-fits-inside"),
        pytest.param("w-1000,h-1000,c-at_max", (400, 200), id="at-max-never-enlarges"),
        pytest.param("w-1000,h-1000,c-at_max_enlarge", (1000, 500), id="at-max-enlarge-enlarges"),
        pytest.param("w-100,h-100,c-at_least", (200, 100), id="at-least-covers"),
        pytest.param("w-100,h-100", (100, 100), id="maintain-ratio-is-exact"),
        pytest.param("", (400, 200), id="no-size-keeps-the-input"),
        pytest.param("rt-90", (400, 200), id="rotation-alone-keeps-the-size"),
    ],
)
def test_output_size(text: str, size: tuple[int, int]) -> None:
    """Given a 400 x 200 input and a step, When planned, Then the output has the size ImageKit gives."""
    assert _plan(text).output == size


@pytest.mark.parametrize(
    ("text", "box"),
    [
        pytest.param("w-100,h-100", (100, 0, 300, 200), id="cover-crop-centred"),
        pytest.param("w-100,h-100,fo-left", (0, 0, 200, 200), id="left"),
        pytest.param("w-100,h-100,fo-right", (200, 0, 400, 200), id="right"),
        pytest.param("w-100,h-100,fo-top_right", (200, 0, 400, 200), id="top-right"),
        pytest.param("w-100,h-100,fo-top", (100, 0, 300, 200), id="top-on-a-wide-image-centres-across"),
        pytest.param("w-400,h-100", (0, 50, 400, 150), id="wide-box-cuts-top-and-bottom"),
        pytest.param("w-400,h-100,fo-bottom", (0, 100, 400, 200), id="bottom"),
        pytest.param("w-400,h-100,c-force", (0, 0, 400, 200), id="force-keeps-everything"),
    ],
)
def test_cover_crop_region(text: str, box: geometry.Box) -> None:
    """Given a box of another shape than the input, When planned, Then the region kept sits at the focus."""
    assert _plan(text).box == box


def test_custom_focus_centres_on_the_custom_coordinates() -> None:
    """Given customCoordinates near the right edge, When cut square at fo-custom, Then the region is centred on
    them and kept inside the input."""
    assert _plan("w-100,h-100,fo-custom", custom="300,50,40,40").box == (200, 0, 400, 200)
    assert _plan("w-100,h-100,fo-custom", custom="150,50,20,20").box == (60, 0, 260, 200)


def test_custom_focus_without_coordinates_is_the_centre() -> None:
    """Given a file without customCoordinates, When cut at fo-custom, Then the centre is kept."""
    assert _plan("w-100,h-100,fo-custom", custom=None).box == (100, 0, 300, 200)


def test_auto_focus_centres_on_the_point_the_engine_found() -> None:
    """Given the point of most detail, When cut at fo-auto, Then the region is centred on it, within the input."""
    assert _plan("w-100,h-100,fo-auto", auto_focus=(120, 100)).box == (20, 0, 220, 200)
    assert _plan("w-100,h-100,fo-auto", auto_focus=(10, 100)).box == (0, 0, 200, 200)


@pytest.mark.parametrize(
    ("text", "canvas", "size", "offset"),
    [
        pytest.param("w-200,h-200,cm-pad_resize", (200, 200), (200, 100), (0, 50), id="padded-centred"),
        pytest.param("w-200,h-200,cm-pad_resize,fo-top", (200, 200), (200, 100), (0, 0), id="image-at-the-top"),
        pytest.param("w-200,h-200,cm-pad_resize,fo-bottom", (200, 200), (200, 100), (0, 100), id="at-the-bottom"),
        pytest.param("w-800,h-800,cm-pad_resize", (800, 800), (800, 400), (0, 200), id="enlarged-then-padded"),
    ],
)
def test_pad_resize(text: str, canvas: tuple[int, int], size: tuple[int, int], offset: tuple[int, int]) -> None:
    """Given cm-pad_resize, When planned, Then the input fits inside and the padding is placed per fo."""
    plan = _plan(text)
    assert (plan.canvas, plan.size, plan.offset) == (canvas, size, offset)
    assert plan.box == (0, 0, 400, 200)


@pytest.mark.parametrize(
    ("text", "box"),
    [
        pytest.param("w-100,h-50,cm-extract", (150, 75, 250, 125), id="centre"),
        pytest.param("w-100,h-50,cm-extract,fo-top_left", (0, 0, 100, 50), id="top-left"),
        pytest.param("w-100,h-50,cm-extract,fo-bottom_right", (300, 150, 400, 200), id="bottom-right"),
        pytest.param("w-100,h-50,cm-extract,x-10,y-20", (10, 20, 110, 70), id="x-y"),
        pytest.param("w-100,h-50,cm-extract,x-350,y-180", (300, 150, 400, 200), id="x-y-kept-inside"),
        pytest.param("w-100,h-50,cm-extract,xc-100,yc-100", (50, 75, 150, 125), id="centre-at-xc-yc"),
        pytest.param("w-1000,h-50,cm-extract", (0, 75, 400, 125), id="wider-than-the-input-is-clipped"),
        pytest.param("w-0.5,h-0.5,cm-extract", (100, 50, 300, 150), id="fractions"),
    ],
)
def test_extract_cuts_without_resizing(text: str, box: geometry.Box) -> None:
    """Given cm-extract, When planned, Then that region of the input is kept at its own size."""
    plan = _plan(text)
    assert plan.box == box
    assert plan.size == (box[2] - box[0], box[3] - box[1])
    assert plan.canvas is None


def test_extract_at_custom_focus_alone_is_the_custom_region() -> None:
    """Given cm-extract,fo-custom without w or h, When planned, Then exactly the custom region is kept."""
    plan = _plan("cm-extract,fo-custom", custom="10,20,30,40")
    assert (plan.box, plan.size) == ((10, 20, 40, 60), (30, 40))


@pytest.mark.parametrize(
    ("text", "box", "canvas", "offset"),
    [
        pytest.param("w-600,h-100,cm-pad_extract", (0, 50, 400, 150), (600, 100), (100, 0), id="padded-across"),
        pytest.param("w-600,h-100,cm-pad_extract,fo-left", (0, 50, 400, 150), (600, 100), (0, 0), id="pad-right"),
        pytest.param("w-500,h-300,cm-pad_extract", (0, 0, 400, 200), (500, 300), (50, 50), id="padded-all-round"),
    ],
)
def test_pad_extract(text: str, box: geometry.Box, canvas: tuple[int, int], offset: tuple[int, int]) -> None:
    """Given cm-pad_extract with a box larger than the input, When planned, Then it is padded where larger."""
    plan = _plan(text)
    assert (plan.box, plan.canvas, plan.offset) == (box, canvas, offset)


def test_pad_extract_within_the_input_is_an_extract() -> None:
    """Given cm-pad_extract with a box inside the input, When planned, Then it is a plain extract."""
    assert _plan("w-100,h-50,cm-pad_extract") == _plan("w-100,h-50,cm-extract")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param("w-16384,h-16384", "w-16384,h-16384", id="over-the-pixel-limit"),
        pytest.param("w-10000,dpr-2,fo-top", "w-10000,dpr-2", id="over-the-side-limit-after-dpr"),
        pytest.param("w-16384,h-16384,c-at_least", "w-16384,h-16384,c-at_least", id="cover-larger-than-the-box"),
        pytest.param("w-16000,h-10,c-at_least", "w-16000,h-10,c-at_least", id="one-side-grows-past-the-limit"),
        pytest.param("w-16384,h-16384,cm-pad_extract", "w-16384,h-16384,cm-pad_extract", id="pad-canvas"),
    ],
)
def test_an_output_over_the_limits_is_a_400_naming_the_parameters(text: str, named: str) -> None:
    """Given a step that would make an image over the limits, When planned, Then a 400 names the parameters that
    size it and says the limits."""
    with pytest.raises(BadRequestError) as raised:
        _plan(text)
    assert raised.value.message.startswith(f"Invalid transformation parameters {named}: they make a ")
    assert "at most 16384 pixels per side and 50000000 pixels in all" in raised.value.message


@pytest.mark.parametrize(
    ("degrees", "size"),
    [
        pytest.param(90, (200, 400), id="quarter-turn-swaps"),
        pytest.param(180, (400, 200), id="half-turn-keeps"),
        pytest.param(45, (425, 425), id="diagonal-grows"),
    ],
)
def test_rotated_size(degrees: int, size: tuple[int, int]) -> None:
    """Given a 400 x 200 image turned, When its canvas is sized, Then it holds the whole turned image."""
    assert geometry.rotated_size(400, 200, degrees) == size


@pytest.mark.parametrize(
    ("profile", "window", "centre"),
    [
        pytest.param([0, 0, 0, 0, 9, 9, 0, 0], 2, 5.0, id="the-busy-run"),
        pytest.param([5, 0, 0, 0, 0, 0, 0, 0], 3, 1.5, id="at-the-start"),
        pytest.param([0, 0, 0, 0, 0, 0, 0, 0], 2, 4.0, id="flat-keeps-the-middle"),
        pytest.param([1, 2, 3], 5, 1.5, id="window-larger-than-the-profile"),
    ],
)
def test_best_window(profile: list[float], window: float, centre: float) -> None:
    """Given an energy profile, When fo-auto looks for the busiest window, Then its centre is found."""
    assert geometry.best_window(profile, window) == centre


@pytest.mark.parametrize(
    ("custom", "box"),
    [
        pytest.param("10,20,30,40", (10, 20, 40, 60), id="x-y-width-height"),
        pytest.param(None, None, id="absent"),
        pytest.param("1,2,3", None, id="malformed"),
        pytest.param("1,2,0,3", None, id="empty-area"),
    ],
)
def test_custom_box(custom: str | None, box: geometry.Box | None) -> None:
    """Given a file's customCoordinates, When read, Then a box, or None when there is none to use."""
    assert geometry.custom_box(custom) == box
