"""The transformation grammar at its edges: each bound tried on both sides, each refusal's 400 word for word (the
message a caller reads names the parameter and what it accepts), and the canonical text of values at the edges."""

from __future__ import annotations

import pytest

from medialib.errors import BadRequestError
from medialib.transform.parse import Step, compose, expand_named, parse

_W = "a whole number of pixels from 1 to 16384, or a fraction of the source between 0 and 1"
_AR = "a ratio width-height of two positive numbers up to 1000, such as 4-3"
_HELP = "See docs/transformations.md for the transformation parameters medialib supports, their ranges and limits."


def _refusal(text: str) -> BadRequestError:
    with pytest.raises(BadRequestError) as raised:
        parse(text)
    return raised.value


@pytest.mark.parametrize(
    ("text", "step"),
    [
        pytest.param("w-16384", Step(width=16384), id="w-16384-is-the-largest-width"),
        pytest.param("h-16384", Step(height=16384), id="h-16384-is-the-largest-height"),
        pytest.param("w-1", Step(width=1), id="w-1-is-one-pixel-not-the-whole-source"),
        pytest.param("w-1.0", Step(width=1), id="w-1.0-is-one-pixel"),
        pytest.param("w-0.0001", Step(width=0.0001), id="w-0.0001-is-the-smallest-fraction"),
        pytest.param("h-0.9999", Step(height=0.9999), id="h-0.9999-is-the-largest-fraction"),
        pytest.param("q-1", Step(quality=1), id="q-1-is-the-lowest-quality"),
        pytest.param("q-100", Step(quality=100), id="q-100-is-the-highest-quality"),
        pytest.param("bl-1", Step(blur=1), id="bl-1-is-the-least-blur"),
        pytest.param("bl-100", Step(blur=100), id="bl-100-is-the-most-blur"),
        pytest.param("w-1,dpr-0.1", Step(width=1, dpr=0.1), id="dpr-0.1-is-the-lowest"),
        pytest.param("w-1,dpr-5", Step(width=1, dpr=5.0), id="dpr-5-is-the-highest"),
        pytest.param("rt-1", Step(rotation=1), id="rt-1-turns-one-degree"),
        pytest.param("rt-359", Step(rotation=359), id="rt-359"),
        pytest.param("rt-360", Step(), id="rt-360-is-no-turn"),
        pytest.param("rt-N1", Step(rotation=359), id="rt-N1-is-359-clockwise"),
        pytest.param("rt-N360", Step(), id="rt-N360-is-no-turn"),
        pytest.param("w-1,ar-1000-1", Step(width=1, aspect_ratio=(1000, 1)), id="ar-1000-is-the-widest"),
        pytest.param("w-1,ar-1-1000", Step(width=1, aspect_ratio=(1, 1000)), id="ar-1-1000-is-the-tallest"),
        pytest.param("w-1,ar-0.0001-1", Step(width=1, aspect_ratio=(0.0001, 1)), id="ar-smallest-part-0.0001"),
        pytest.param("cm-extract,x-131072,y-0", Step(crop_mode="extract", x=131072, y=0), id="x-131072-y-0"),
        pytest.param(
            "cm-extract,xc-0,yc-131072", Step(crop_mode="extract", x_center=0, y_center=131072), id="xc-0-yc-131072"
        ),
        pytest.param("cm-pad_extract,x-1,y-2", Step(crop_mode="pad_extract", x=1, y=2), id="x-y-also-with-pad-extract"),
        pytest.param(
            "cm-pad_extract,xc-1,yc-2",
            Step(crop_mode="pad_extract", x_center=1, y_center=2),
            id="xc-yc-also-with-pad-extract",
        ),
        pytest.param(
            "w-9,h-9,c-maintain_ratio,cm-pad_resize",
            Step(width=9, height=9, crop_mode="pad_resize"),
            id="c-maintain-ratio-combines-with-a-crop-mode",
        ),
    ],
)
def test_a_value_at_its_bound_is_accepted(text: str, step: Step) -> None:
    """Given a parameter at the edge of its range, When parsed, Then it is accepted with that value."""
    assert parse(text) == (step,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("w-16385", f"Invalid transformation parameter w: '16385' is not {_W}.", id="w-16385"),
        pytest.param("h-16385", f"Invalid transformation parameter h: '16385' is not {_W}.", id="h-16385"),
        pytest.param("w-0", f"Invalid transformation parameter w: '0' is not {_W}.", id="w-0"),
        pytest.param("w-0.00004", f"Invalid transformation parameter w: '0.00004' is not {_W}.", id="w-rounds-to-0"),
        pytest.param("w-1.5", f"Invalid transformation parameter w: '1.5' is not {_W}.", id="w-1.5-half-a-pixel"),
        pytest.param("h-abc", f"Invalid transformation parameter h: 'abc' is not {_W}.", id="h-not-a-number"),
        pytest.param("q-0", "Invalid transformation parameter q: '0' is not a whole number from 1 to 100.", id="q-0"),
        pytest.param(
            "q-101", "Invalid transformation parameter q: '101' is not a whole number from 1 to 100.", id="q-101"
        ),
        pytest.param(
            "q-high", "Invalid transformation parameter q: 'high' is not a whole number from 1 to 100.", id="q-word"
        ),
        pytest.param(
            "q-50.5", "Invalid transformation parameter q: '50.5' is not a whole number from 1 to 100.", id="q-50.5"
        ),
        pytest.param(
            "bl-101", "Invalid transformation parameter bl: '101' is not a whole number from 1 to 100.", id="bl-101"
        ),
        pytest.param(
            "rt-361", "Invalid transformation parameter rt: '361' is not a whole number from 0 to 360.", id="rt-361"
        ),
        pytest.param(
            "rt-N361", "Invalid transformation parameter rt: '361' is not a whole number from 0 to 360.", id="rt-N361"
        ),
        pytest.param(
            "rt-left", "Invalid transformation parameter rt: 'left' is not a whole number from 0 to 360.", id="rt-word"
        ),
        pytest.param(
            "cm-extract,x-131073",
            "Invalid transformation parameter x: '131073' is not a whole number from 0 to 131072.",
            id="x-131073",
        ),
        pytest.param(
            "cm-extract,yc-131073",
            "Invalid transformation parameter yc: '131073' is not a whole number from 0 to 131072.",
            id="yc-131073",
        ),
        pytest.param(
            "w-1,dpr-0.09", "Invalid transformation parameter dpr: '0.09' is not a number from 0.1 to 5.", id="dpr-0.09"
        ),
        pytest.param(
            "w-1,dpr-5.001",
            "Invalid transformation parameter dpr: '5.001' is not a number from 0.1 to 5.",
            id="dpr-5.001",
        ),
        pytest.param(
            "w-1,dpr-5.5", "Invalid transformation parameter dpr: '5.5' is not a number from 0.1 to 5.", id="dpr-5.5"
        ),
        pytest.param(
            "w-1,dpr-two", "Invalid transformation parameter dpr: 'two' is not a number from 0.1 to 5.", id="dpr-word"
        ),
        pytest.param(
            "w-1,dpr-auto",
            "Unsupported transformation parameter dpr-auto: medialib needs a number from 0.1 to 5.",
            id="dpr-auto",
        ),
        pytest.param("w-1,ar-1001-1", f"Invalid transformation parameter ar: '1001-1' is not {_AR}.", id="ar-1001"),
        pytest.param(
            "w-1,ar-1-1000.5", f"Invalid transformation parameter ar: '1-1000.5' is not {_AR}.", id="ar-1000.5"
        ),
        pytest.param("w-1,ar-0-1", f"Invalid transformation parameter ar: '0-1' is not {_AR}.", id="ar-0-1"),
        pytest.param("w-1,ar-1-0", f"Invalid transformation parameter ar: '1-0' is not {_AR}.", id="ar-1-0"),
        pytest.param(
            "w-1,ar-0.00004-1",
            f"Invalid transformation parameter ar: '0.00004-1' is not {_AR}.",
            id="ar-first-rounds-to-0",
        ),
        pytest.param(
            "w-1,ar-1-0.00004",
            f"Invalid transformation parameter ar: '1-0.00004' is not {_AR}.",
            id="ar-second-rounds-to-0",
        ),
        pytest.param("w-1,ar-four-3", f"Invalid transformation parameter ar: 'four' is not {_AR}.", id="ar-word"),
        pytest.param("w-1,ar-4", f"Invalid transformation parameter ar: '4' is not {_AR}.", id="ar-one-number"),
        pytest.param(
            "c-squash",
            "Invalid transformation parameter c: 'squash' is not one of maintain_ratio, force, at_max, at_max_enlarge,"
            " at_least.",
            id="c-lists-the-strategies",
        ),
        pytest.param(
            "cm-pad",
            "Invalid transformation parameter cm: 'pad' is not one of pad_resize, extract, pad_extract.",
            id="cm-lists-the-modes",
        ),
        pytest.param(
            "fo-middle",
            "Invalid transformation parameter fo: 'middle' is not one of center, top, left, bottom, right, top_left,"
            " top_right, bottom_left, bottom_right, custom, auto.",
            id="fo-lists-the-focuses",
        ),
        pytest.param(
            "fl-x", "Invalid transformation parameter fl: 'x' is not one of h, v, h_v, v_h.", id="fl-lists-the-flips"
        ),
        pytest.param(
            "f-bmp",
            "Invalid transformation parameter f: 'bmp' is not one of auto, jpg, jpeg, png, webp, avif, gif.",
            id="f-lists-the-formats",
        ),
        pytest.param(
            "bg-12345",
            "Invalid transformation parameter bg: '12345' is not a colour (RRGGBB or RRGGBBAA in hexadecimal, or a"
            " colour name such as red).",
            id="bg-says-what-a-colour-is",
        ),
        pytest.param("pr-yes", "Invalid transformation parameter pr: 'yes' is not true or false.", id="pr-yes"),
        pytest.param(
            "n-a b", "Invalid transformation parameter n: 'a b' is not a transformation name.", id="n-with-a-space"
        ),
        pytest.param(
            "fo-face", "Unsupported transformation parameter fo-face: medialib does not detect faces.", id="fo-face"
        ),
        pytest.param(
            "e-grayscale-5",
            "Invalid transformation parameter e-grayscale: it takes no value (write e-grayscale).",
            id="e-grayscale-takes-no-value",
        ),
        pytest.param(
            "e-grayscale-5-6",
            "Invalid transformation parameter e-grayscale: it takes no value (write e-grayscale).",
            id="e-grayscale-takes-no-values",
        ),
        pytest.param(
            "e-sharpen-10",
            "Unsupported transformation parameter e-sharpen: medialib does not support this effect.",
            id="e-effect-named-without-its-value",
        ),
        pytest.param(
            "b-5_FF0000", "Unsupported transformation parameter b: medialib does not support border.", id="border"
        ),
        pytest.param("foo-bar", "Unknown transformation parameter 'foo'.", id="unknown-key"),
        pytest.param(
            "abcdefghijklmnopqrst-1",
            "Unknown transformation parameter 'abcdefghijklmnopqrst'.",
            id="unknown-key-of-20-characters-shown-whole",
        ),
        pytest.param(
            "abcdefghijklmnopqrstu-1",
            "Unknown transformation parameter 'abcdefghijklmnopqrst...'.",
            id="unknown-key-over-20-characters-cut-at-20",
        ),
        pytest.param("w-1,w-2", "Invalid transformation parameter w: it appears twice in one step.", id="twice"),
        pytest.param("h-", "Invalid transformation parameter h: it has no value (write h-<value>).", id="no-value"),
        pytest.param("w-1,-5", "Invalid transformation: '-5' is not a parameter.", id="value-without-key"),
        pytest.param(
            "w-1::h-1",
            "Invalid transformation: an empty step (two ':' in a row, or one at either end).",
            id="empty-step",
        ),
        pytest.param(
            "n-thumb,w-1",
            "Invalid transformation parameter n-thumb: a named transformation must be alone in its step.",
            id="name-not-alone",
        ),
        pytest.param(
            "w-9,h-9,c-force,cm-pad_resize",
            "Invalid transformation parameter cm-pad_resize: it cannot be combined with c-force.",
            id="crop-mode-with-a-crop",
        ),
        pytest.param(
            "w-9,x-1", "Invalid transformation parameter x: it needs cm-extract or cm-pad_extract.", id="x-alone"
        ),
        pytest.param(
            "w-9,y-1", "Invalid transformation parameter y: it needs cm-extract or cm-pad_extract.", id="y-alone"
        ),
        pytest.param(
            "w-9,xc-1", "Invalid transformation parameter xc: it needs cm-extract or cm-pad_extract.", id="xc-alone"
        ),
        pytest.param(
            "w-9,cm-pad_resize,yc-1",
            "Invalid transformation parameter yc: it needs cm-extract or cm-pad_extract.",
            id="yc-with-pad-resize",
        ),
        pytest.param(
            "cm-extract,x-1,xc-1",
            "Invalid transformation parameter xc: it cannot be combined with x.",
            id="xc-with-x",
        ),
        pytest.param(
            "cm-pad_extract,y-1,yc-1",
            "Invalid transformation parameter yc: it cannot be combined with y.",
            id="yc-with-y",
        ),
        pytest.param(
            "ar-4-3", "Invalid transformation parameter ar: it needs w or h in the same step.", id="ar-without-w-or-h"
        ),
        pytest.param(
            "dpr-2", "Invalid transformation parameter dpr: it needs w or h in the same step.", id="dpr-without-w-or-h"
        ),
        pytest.param(
            "w-1:ar-4-3",
            "Invalid transformation parameter ar: it needs w or h in the same step.",
            id="ar-in-a-w-less-step",
        ),
        pytest.param(":".join(["w-1"] * 11), "Invalid transformation: more than 10 chained steps.", id="eleven-steps"),
        pytest.param("w-1," * 256 + "w", "Invalid transformation: longer than 1024 characters.", id="1025-characters"),
    ],
)
def test_each_refusal_is_a_400_that_reads_so(text: str, message: str) -> None:
    """Given a transformation over a bound or with a bad value, When parsed, Then a 400 INVALID_TRANSFORMATION with
    exactly this message (naming the parameter and what it accepts) and the pointer to the docs."""
    refusal = _refusal(text)
    assert (refusal.status, refusal.reason, refusal.message, refusal.help) == (
        400,
        "INVALID_TRANSFORMATION",
        message,
        _HELP,
    )


def _names(lengths: list[int]) -> str:
    return ":".join("n-" + "a" * length for length in lengths)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(":".join(["w-1"] * 10), id="ten-steps"),
        pytest.param(_names([100] * 9 + [95]), id="1024-characters"),
    ],
)
def test_a_chain_at_the_limits_is_accepted(text: str) -> None:
    """Given 10 steps, or 1024 characters, When parsed, Then every step is read."""
    assert len(parse(text)) == 10


def test_1025_characters_of_names_are_refused() -> None:
    """Given ten names that make 1025 characters, When parsed, Then the 400 says the text is too long."""
    text = _names([100] * 9 + [96])
    assert len(text) == 1025
    assert _refusal(text).message == "Invalid transformation: longer than 1024 characters."


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        pytest.param("n-five:n-five", 10, id="two-names-of-five-steps-make-ten"),
        pytest.param("n-five:w-1:w-2:w-3:w-4:w-5", 10, id="a-name-and-five-steps-make-ten"),
    ],
)
def test_names_that_expand_to_ten_steps_are_accepted(text: str, steps: int) -> None:
    """Given names whose definitions add up to 10 steps, When expanded, Then the 10 steps are kept."""
    assert len(expand_named(parse(text), {"five": "w-1:w-2:w-3:w-4:w-5"}.get)) == steps


def test_names_that_expand_past_ten_steps_are_a_400() -> None:
    """Given names whose definitions add up to 11 steps, When expanded, Then a 400 says so."""
    with pytest.raises(BadRequestError) as raised:
        expand_named(parse("n-five:n-five:w-9"), {"five": "w-1:w-2:w-3:w-4:w-5"}.get)
    assert (raised.value.message, raised.value.help) == (
        "Invalid transformation: more than 10 chained steps once names are expanded.",
        _HELP,
    )


@pytest.mark.parametrize(
    ("variants", "canonical"),
    [
        pytest.param(["w-100,dpr-2.0004", "w-100,dpr-2", "w-100,dpr-2.000"], "w-100,dpr-2", id="dpr-keeps-3-decimals"),
        pytest.param(["w-100,dpr-1.2344", "w-100,dpr-1.234"], "w-100,dpr-1.234", id="dpr-rounded-at-3-decimals"),
        pytest.param(["w-100,dpr-1.0004", "w-100,dpr-1", "w-100"], "w-100", id="dpr-that-rounds-to-1-is-none"),
        pytest.param(["w-0.12344", "w-0.1234"], "w-0.1234", id="fraction-keeps-4-decimals"),
        pytest.param(["w-300,ar-1.5-1", "w-300,ar-1.50-1.0"], "w-300,ar-1.5-1", id="ratio-with-a-fraction"),
        pytest.param(["w-300,ar-3-1.5", "w-300,ar-3.0-1.5"], "w-300,ar-3-1.5", id="ratio-with-a-fraction-second"),
        pytest.param(["w-300,ar-1000-10", "w-300,ar-100-1"], "w-300,ar-100-1", id="ratio-reduced-at-the-bound"),
        pytest.param(["pr-true", "pr-true:pr-false"], "pr-true", id="progressive"),
        pytest.param(["lo-true", "lo-true:lo-false"], "lo-true", id="lossless"),
        pytest.param(["e-grayscale", "e-grayscale:rt-auto"], "e-grayscale", id="grayscale-written-without-value"),
        pytest.param(
            ["w-9,h-9,c-maintain_ratio,cm-pad_resize", "w-9,h-9,cm-pad_resize"],
            "w-9,h-9,cm-pad_resize",
            id="maintain-ratio-with-pad-resize",
        ),
        pytest.param(["cm-extract,x-0,y-0", "y-0,x-0,cm-extract"], "cm-extract,x-0,y-0", id="x-y-of-zero-kept"),
        pytest.param(["q-50:f-png:q-60:f-webp", "q-60:f-webp"], "q-60:f-webp", id="last-q-and-last-f-each-count"),
        pytest.param(["q-50,f-png:w-5", "f-png,q-50:w-5"], "q-50,f-png:w-5", id="q-and-f-not-overridden-stay"),
        pytest.param(["f-png:q-80", "f-png"], "f-png", id="a-last-default-quality-goes"),
    ],
)
def test_values_at_their_edges_compose_to_one_text(variants: list[str], canonical: str) -> None:
    """Given spellings of the same transformation, When composed, Then exactly one canonical text."""
    assert {compose(parse(text)) for text in variants} == {canonical}
