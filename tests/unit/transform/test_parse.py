"""The transformation grammar: what the SDKs emit is read into typed steps, every mistake is a 400 naming the
parameter, and ``compose`` writes one canonical text for strings that make the same image (the cache key)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from imagekitio import ImageKit

from medialib.errors import BadRequestError
from medialib.transform import formats
from medialib.transform.formats import output_format
from medialib.transform.parse import BUILT_IN_NAMED, Step, compose, expand_named, named_only, parse, wants_original

_SDK = ImageKit(private_key="private_test_key").helper


def _sdk(*steps: dict[str, Any]) -> str:
    return _SDK.build_transformation_string(list(steps))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sdk_steps", "steps"),
    [
        pytest.param([{"width": 300, "height": 200}], (Step(width=300, height=200),), id="width-height"),
        pytest.param([{"width": 0.5}], (Step(width=0.5),), id="width-below-one-is-a-fraction"),
        pytest.param([{"height": 300.0}], (Step(height=300),), id="whole-float-is-pixels"),
        pytest.param([{"width": 400, "aspect_ratio": "4-3"}], (Step(width=400, aspect_ratio=(4, 3)),), id="ar"),
        pytest.param(
            [{"width": 300, "height": 300, "crop": "at_max"}], (Step(width=300, height=300, crop="at_max"),), id="c"
        ),
        pytest.param(
            [{"width": 300, "height": 100, "crop_mode": "pad_resize", "background": "FF0000", "focus": "left"}],
            (Step(width=300, height=100, crop_mode="pad_resize", background="FF0000", focus="left"),),
            id="pad-resize-bg-fo",
        ),
        pytest.param(
            [{"width": 50, "height": 40, "crop_mode": "extract", "x": 10, "y": 20}],
            (Step(width=50, height=40, crop_mode="extract", x=10, y=20),),
            id="extract-x-y",
        ),
        pytest.param(
            [{"width": 50, "height": 40, "crop_mode": "extract", "x_center": 10, "y_center": 20}],
            (Step(width=50, height=40, crop_mode="extract", x_center=10, y_center=20),),
            id="extract-xc-yc",
        ),
        pytest.param(
            [{"quality": 60, "format": "webp", "blur": 10, "grayscale": True}],
            (Step(quality=60, format="webp", blur=10, grayscale=True),),
            id="q-f-bl-grayscale",
        ),
        pytest.param([{"rotation": 90}, {"rotation": "N90"}], (Step(rotation=90), Step(rotation=270)), id="rt-and-N"),
        pytest.param([{"width": 100, "dpr": 2.5}], (Step(width=100, dpr=2.5),), id="dpr"),
        pytest.param([{"named": "ik_ml_thumbnail"}], (Step(named="ik_ml_thumbnail"),), id="named"),
        pytest.param([{"original": True}], (Step(original=True),), id="orig-true"),
        pytest.param([{"progressive": True, "lossless": True}], (Step(progressive=True, lossless=True),), id="pr-lo"),
        pytest.param([{"flip": "h_v"}], (Step(flip="h_v"),), id="flip"),
        pytest.param(
            [{"width": 300}, {"rotation": 180}, {"named": "x"}],
            (Step(width=300), Step(rotation=180), Step(named="x")),
            id="chain-of-three",
        ),
    ],
)
def test_what_the_python_sdk_emits_is_read(sdk_steps: list[dict[str, Any]], steps: tuple[Step, ...]) -> None:
    """Given transformations built by the official Python SDK, When parsed, Then each step has the typed values."""
    assert parse(_sdk(*sdk_steps)) == steps


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param("w-abc", "w", id="word-for-a-number"),
        pytest.param("w--5", "w", id="negative-number"),
        pytest.param("w-1e9", "w", id="exponent"),
        pytest.param("w-NaN", "w", id="nan"),
        pytest.param("w-inf", "w", id="infinity"),
        pytest.param("w-0", "w", id="zero-width"),
        pytest.param("w-0.00001", "w", id="fraction-that-rounds-to-zero"),
        pytest.param("w-300.5", "w", id="fractional-pixels"),
        pytest.param("w-16385", "w", id="over-the-side-limit"),
        pytest.param("h-", "h", id="empty-value"),
        pytest.param("h", "h", id="no-value"),
        pytest.param("w-100,w-200", "w", id="duplicate-key-in-a-step"),
        pytest.param("e-grayscale,e-grayscale", "e-grayscale", id="duplicate-effect"),
        pytest.param("ar-4", "ar", id="ratio-with-one-number"),
        pytest.param("ar-4-0", "ar", id="ratio-with-zero"),
        pytest.param("ar-4-3-2", "ar", id="ratio-with-three-numbers"),
        pytest.param("c-squash", "c", id="unknown-crop"),
        pytest.param("cm-pad", "cm", id="unknown-crop-mode"),
        pytest.param("fo-middle", "fo", id="unknown-focus"),
        pytest.param("fo-face", "fo-face", id="face-focus-not-supported"),
        pytest.param("q-0", "q", id="quality-zero"),
        pytest.param("q-101", "q", id="quality-over-100"),
        pytest.param("f-bmp", "f", id="format-medialib-does-not-write"),
        pytest.param("bl-0", "bl", id="blur-zero"),
        pytest.param("bl-101", "bl", id="blur-over-100"),
        pytest.param("rt-361", "rt", id="rotation-over-360"),
        pytest.param("rt-45.5", "rt", id="rotation-fraction"),
        pytest.param("bg-12345", "bg", id="five-hex-digits"),
        pytest.param("bg-notacolour", "bg", id="unknown-colour-name"),
        pytest.param("dpr-6", "dpr", id="dpr-over-5"),
        pytest.param("dpr-0.05", "dpr", id="dpr-under-0.1"),
        pytest.param("dpr-auto", "dpr-auto", id="dpr-auto-needs-client-hints"),
        pytest.param("orig-yes", "orig", id="boolean-not-true-or-false"),
        pytest.param("n-a b", "n", id="name-with-a-space"),
        pytest.param("n-thumb,w-100", "n-thumb", id="named-not-alone"),
        pytest.param("w-100,h-100,c-at_max,cm-extract", "cm-extract", id="crop-and-crop-mode"),
        pytest.param("w-100,x-10", "x", id="x-without-extract"),
        pytest.param("cm-extract,w-10,h-10,x-1,xc-5", "xc", id="x-and-xc"),
        pytest.param("cm-extract,w-10,h-10,y-1,yc-5", "yc", id="y-and-yc"),
        pytest.param("w-100::h-100", "empty step", id="empty-step"),
        pytest.param("w-100:", "empty step", id="trailing-colon"),
        pytest.param("w-100,,h-5", "'' is not a parameter", id="empty-parameter"),
        pytest.param("foo-bar", "'foo'", id="unknown-key"),
        pytest.param(":".join(["w-1"] * 11), "more than 10", id="too-many-steps"),
        pytest.param("w-1," * 400, "longer than 1024", id="too-long"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(text: str, named: str) -> None:
    """Given a transformation with a bad parameter, When parsed, Then a 400 INVALID_TRANSFORMATION names it."""
    with pytest.raises(BadRequestError) as raised:
        parse(text)
    assert raised.value.status == 400
    assert raised.value.reason == "INVALID_TRANSFORMATION"
    assert named in raised.value.message


@pytest.mark.parametrize(
    ("sdk_step", "named"),
    [
        pytest.param({"overlay": {"type": "text", "text": "Hi"}}, "l", id="text-overlay"),
        pytest.param({"overlay": {"type": "image", "input": "logo.png"}}, "l", id="image-overlay"),
        pytest.param({"ai_remove_background": True}, "e-bgremove", id="background-removal"),
        pytest.param({"sharpen": 10}, "e-sharpen", id="sharpen"),
        pytest.param({"border": "5_FF0000"}, "b", id="border"),
        pytest.param({"radius": 20}, "r", id="radius"),
        pytest.param({"video_codec": "h264"}, "vc", id="video-codec"),
        pytest.param({"trim": True}, "t", id="trim"),
        pytest.param({"metadata": True}, "md", id="keep-metadata"),
        pytest.param({"focus": "face", "width": 100, "height": 100}, "fo-face", id="face"),
    ],
)
def test_an_imagekit_parameter_medialib_lacks_is_a_400_saying_so(sdk_step: dict[str, Any], named: str) -> None:
    """Given an ImageKit parameter medialib does not implement, When parsed, Then a 400 names it as unsupported."""
    with pytest.raises(BadRequestError) as raised:
        parse(_sdk(sdk_step))
    assert raised.value.message.startswith(f"Unsupported transformation parameter {named}")
    assert "medialib does not" in raised.value.message


@pytest.mark.parametrize(
    ("variants", "canonical"),
    [
        pytest.param(
            ["w-300,h-200", "h-200,w-300", "w-300.0,h-0200", "w-300,h-200,c-maintain_ratio"],
            "w-300,h-200",
            id="order-numbers-and-default-crop",
        ),
        pytest.param(["f-jpg", "f-jpeg"], "f-jpg", id="jpeg-is-jpg"),
        pytest.param(["w-0.5", "w-.5", "w-0.50"], "w-0.5", id="fraction"),
        pytest.param(
            ["w-100,q-80", "w-100", "w-100,fo-center", "w-100,dpr-1", "w-100,bg-FFFFFF"], "w-100", id="defaults-dropped"
        ),
        pytest.param(["bg-ff0000", "bg-FF0000FF", "bg-red"], "bg-FF0000", id="colour-spellings"),
        pytest.param(["rt-90", "rt-N270"], "rt-90", id="counter-clockwise-rotation"),
        pytest.param(["rt-0", "rt-360", "rt-auto", ""], "", id="no-rotation"),
        pytest.param(["w-400,ar-4-3", "w-400,ar-8-6", "ar-4-3,w-400"], "w-400,ar-4-3", id="ratio-reduced"),
        pytest.param(["w-10,h-20,ar-4-3", "w-10,h-20"], "w-10,h-20", id="ratio-ignored-with-both-sides"),
        pytest.param(["fl-v_h", "fl-h_v"], "fl-h_v", id="flip-both"),
        pytest.param(["pr-false,lo-false,orig-false,w-5", "w-5"], "w-5", id="false-flags"),
        pytest.param(["orig-true", "w-100:orig-true", "orig-true,w-5:rt-90"], "orig-true", id="original-wins"),
        pytest.param(["w-100:rt-auto:h-50", "w-100:h-50"], "w-100:h-50", id="step-without-effect-dropped"),
        pytest.param(["e-grayscale,bl-5,w-20", "w-20,bl-5,e-grayscale"], "w-20,bl-5,e-grayscale", id="effects"),
        pytest.param(["q-50:q-80", "q-80", "q-80:q-80", ""], "", id="only-the-last-quality-counts"),
        pytest.param(["w-5,q-50:q-60", "w-5:q-60"], "w-5:q-60", id="earlier-quality-is-dead"),
        pytest.param(["f-png:f-webp", "f-webp", "f-jpg:f-auto:f-webp"], "f-webp", id="only-the-last-format-counts"),
        pytest.param(["bg-FFFFFF:rt-45,bg-FFFFFF", "rt-45"], "rt-45", id="white-while-white-is-the-default"),
        pytest.param(["bg-000000:bg-FFFFFF", "bg-black:bg-white"], "bg-000000:bg-FFFFFF", id="white-after-black"),
    ],
)
def test_equivalent_strings_compose_to_one_canonical_text(variants: list[str], canonical: str) -> None:
    """Given strings that make the same image, When composed, Then one canonical text, stable when re-parsed."""
    composed = {compose(parse(text)) for text in variants}
    assert composed == {canonical}
    assert compose(parse(canonical)) == canonical


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param("w-300", "h-300", id="width-is-not-height"),
        pytest.param("w-300,h-200", "w-200,h-300", id="sides-swapped"),
        pytest.param("w-300:rt-90", "rt-90:w-300", id="step-order-matters"),
        pytest.param("w-300,rt-90", "w-300:rt-90", id="steps-are-not-merged"),
        pytest.param("w-0.5", "w-0.51", id="fractions"),
        pytest.param("q-80", "q-81", id="quality"),
        pytest.param("f-png", "f-auto", id="format"),
        pytest.param("w-10,h-10,c-force", "w-10,h-10,c-at_least", id="crop"),
        pytest.param("w-10,h-10,fo-top", "w-10,h-10", id="focus"),
        pytest.param("bg-FF000080", "bg-FF0000", id="alpha-of-background"),
        pytest.param("n-a", "n-b", id="names"),
        pytest.param("q-50:q-80", "q-50", id="a-later-default-quality-overrides"),
        pytest.param("bg-000000:bg-FFFFFF", "bg-000000", id="a-later-white-background-overrides"),
    ],
)
def test_different_transformations_compose_differently(one: str, other: str) -> None:
    """Given two transformations that make different images, When composed, Then the texts differ."""
    assert compose(parse(one)) != compose(parse(other))


def test_every_built_in_named_transformation_parses() -> None:
    """Given the built-in names, When their definitions are parsed, Then each is valid and already canonical."""
    for definition in BUILT_IN_NAMED.values():
        assert compose(parse(definition)) == definition
    assert parse(BUILT_IN_NAMED["ik_ml_thumbnail"]) == (Step(width=200, height=200, crop="at_max"),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("n-ik_ml_thumbnail", True, id="one-name"),
        pytest.param("n-a:n-b", True, id="names-only"),
        pytest.param("n-a:w-100", False, id="name-then-width"),
        pytest.param("w-100", False, id="no-name"),
        pytest.param("", False, id="original-is-not-named"),
    ],
)
def test_named_only(text: str, expected: bool) -> None:
    """Given a chain, When asked whether it is named transformations only (unsigned on private files), Then so."""
    assert named_only(parse(text)) is expected


def test_named_steps_expand_to_their_definition() -> None:
    """Given a built-in name and an account's name, When expanded, Then both become their parsed steps in place."""
    chain = parse("n-ik_ml_thumbnail:rt-90:n-square")
    expanded = expand_named(chain, {"square": "w-50,h-50:e-grayscale"}.get)
    assert compose(expanded) == "w-200,h-200,c-at_max:rt-90:w-50,h-50:e-grayscale"


def test_a_default_quality_after_a_name_still_overrides_the_names_quality() -> None:
    """Given a name defined with q-50 followed by q-80, When expanded, Then the last quality the encoder reads is 80
    and the canonical text has none (80 is the default)."""
    expanded = expand_named(parse("n-small:q-80"), {"small": "w-10,q-50"}.get)
    assert [step.quality for step in expanded] == [50, 80]
    assert compose(expanded) == "w-10"


@pytest.mark.parametrize(
    ("definitions", "named"),
    [
        pytest.param({}, "n-missing", id="unknown-name"),
        pytest.param({"missing": "n-other"}, "n-missing", id="definition-names-another"),
        pytest.param({"missing": "w-abc"}, "w", id="bad-definition"),
    ],
)
def test_a_name_that_cannot_expand_is_a_400_naming_it(definitions: dict[str, str], named: str) -> None:
    """Given a name that is unknown or badly defined, When expanded, Then a 400 names it."""
    with pytest.raises(BadRequestError) as raised:
        expand_named(parse("n-missing"), definitions.get)
    assert named in raised.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("orig-true", True, id="original"),
        pytest.param("w-100:orig-true", True, id="original-in-a-later-step"),
        pytest.param("orig-false", False, id="original-false"),
        pytest.param("w-100", False, id="transformed"),
    ],
)
def test_wants_original(text: str, expected: bool) -> None:
    """Given a chain, When asked whether it wants the original, Then only orig-true says so."""
    assert wants_original(parse(text)) is expected


CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
SAFARI = "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
SAFARI_15 = "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
FIREFOX = "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"


@pytest.mark.parametrize(
    ("text", "mime", "accept", "expected"),
    [
        pytest.param("f-auto", "image/jpeg", CHROME, "avif", id="auto-chrome-avif"),
        pytest.param("f-auto", "image/jpeg", SAFARI, "avif", id="auto-safari-17-avif"),
        pytest.param("f-auto", "image/png", SAFARI_15, "webp", id="auto-safari-15-webp"),
        pytest.param("f-auto", "image/jpeg", FIREFOX, "avif", id="auto-firefox-avif"),
        pytest.param("f-auto", "image/png", "*/*", "png", id="auto-wildcard-keeps-source"),
        pytest.param("f-auto", "image/jpeg", None, "jpeg", id="auto-no-accept-keeps-source"),
        pytest.param("f-auto", "image/jpeg", "image/avif;q=0,image/webp", "webp", id="auto-avif-refused-by-q0"),
        pytest.param("f-auto", "image/gif", "image/*", "gif", id="auto-image-wildcard-keeps-source"),
        pytest.param("w-100", "image/png", CHROME, "png", id="no-format-keeps-source"),
        pytest.param("w-100", "image/tiff", CHROME, "jpeg", id="source-medialib-does-not-write-is-jpeg"),
        pytest.param("f-jpg", "image/png", CHROME, "jpeg", id="jpg-is-jpeg"),
        pytest.param("f-webp:f-png", "image/jpeg", CHROME, "png", id="last-format-wins"),
        pytest.param("f-avif", "image/jpeg", None, "avif", id="explicit-avif"),
        pytest.param("", "image/webp", None, "webp", id="original-webp"),
    ],
)
def test_output_format(text: str, mime: str, accept: str | None, expected: str) -> None:
    """Given a chain, the source's type and a browser's Accept header, When the output format is chosen, Then so."""
    assert output_format(parse(text), mime, accept) == expected


def test_auto_without_an_avif_encoder_falls_back_to_webp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a Pillow build without AVIF, When f-auto meets Chrome's Accept, Then WebP; and f-avif is a 400."""
    monkeypatch.setattr(formats, "writes_avif", lambda: False)
    assert output_format(parse("f-auto"), "image/jpeg", CHROME) == "webp"
    with pytest.raises(BadRequestError, match="f-avif"):
        output_format(parse("f-avif"), "image/jpeg", CHROME)


def test_the_grammar_needs_no_pillow() -> None:
    """Given a Python where Pillow cannot be imported (the functions without the image layer), When a chain with a
    colour name is parsed and f-auto chosen, Then it works: AVIF is simply not offered."""
    script = (
        "import sys; sys.modules['PIL'] = None\n"
        "from medialib.transform.formats import output_format\nfrom medialib.transform.parse import compose, parse\n"
        f"print(compose(parse('w-10,bg-navy:f-auto')), output_format(parse('f-auto'), 'image/jpeg', {CHROME!r}))\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert ran.stdout.split() == ["w-10,bg-000080:f-auto", "webp"]
