"""The transformation grammar: ImageKit's URL text (``w-300,h-200:rt-90``) into typed steps, and back.

A chain is steps separated by ``:``; a step is parameters separated by ``,``; a parameter is ``key-value`` split
at the first ``-`` (so ``ar-4-3`` is key ``ar``, value ``4-3``). Every parameter is checked here, so a bad URL is
a 400 naming the parameter before any byte is read. ``compose`` writes the canonical text back: the parameters
in a fixed order, numbers normalised, aliases folded (``f-jpeg`` is ``f-jpg``) and defaults dropped, so two
strings that make the same bytes compose to the same text (the renditions cache key relies on it).

Pure: no I/O, no Pillow (``formats.output_format``, which asks Pillow whether it writes AVIF, is apart).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, get_args

from medialib.errors import BadRequestError

Crop = Literal["maintain_ratio", "force", "at_max", "at_max_enlarge", "at_least"]
CropMode = Literal["pad_resize", "extract", "pad_extract"]
Focus = Literal[
    "center", "top", "left", "bottom", "right", "top_left", "top_right", "bottom_left", "bottom_right", "custom", "auto"
]
Format = Literal["auto", "jpeg", "png", "webp", "avif", "gif"]
Flip = Literal["h", "v", "h_v"]
OutputFormat = Literal["jpeg", "png", "webp", "avif", "gif"]

MAX_SIDE = 16384  # pixels per side of an output (w, h, after dpr)
MAX_OUTPUT_PIXELS = 50_000_000  # pixels of an output (width x height)
MAX_INPUT_PIXELS = 100_000_000  # pixels of a decoded original (after JPEG draft scaling); the upload limit too
MAX_STEPS = 10  # steps in one chain
MAX_TEXT = 1024  # characters of one transformation string
DEFAULT_QUALITY = 80
DEFAULT_BACKGROUND = "FFFFFF"

BUILT_IN_NAMED: dict[str, str] = {
    # The media library's thumbnail (``thumbnailUrl``): fits inside 200 x 200, aspect kept, never enlarged.
    "ik_ml_thumbnail": "w-200,h-200,c-at_max",
}

_HELP = "See docs/transformations.md for the transformation parameters medialib supports, their ranges and limits."
_REASON = "INVALID_TRANSFORMATION"
_NUMBER = re.compile(r"^(?:\d{1,9}(?:\.\d{1,9})?|\.\d{1,9})$")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$")
_FLIPS: dict[str, Flip] = {"h": "h", "v": "v", "h_v": "h_v", "v_h": "h_v"}
_FORMATS: dict[str, Format] = {"auto": "auto", "jpg": "jpeg", "jpeg": "jpeg", "png": "png", "webp": "webp"}
_FORMATS |= {"avif": "avif", "gif": "gif"}

# ImageKit parameters medialib knows and refuses, with what they do (the 400 names both).
UNSUPPORTED: dict[str, str] = {
    "l": "overlays (layers)",
    "lx": "overlay position",
    "ly": "overlay position",
    "b": "border",
    "r": "radius (rounded corners)",
    "o": "opacity",
    "t": "trim",
    "z": "zoom",
    "pg": "page selection",
    "di": "default image",
    "md": "keeping metadata (medialib always strips it)",
    "cp": "colour profile",
    "dn": "density",
    "cr": "colour replace",
    "raw": "raw parameters",
    "vc": "video codec",
    "ac": "audio codec",
    "so": "video start offset",
    "eo": "video end offset",
    "du": "video duration",
    "sr": "streaming resolutions",
    "fs": "text overlays",
    "ff": "text overlays",
    "co": "text overlays",
    "ia": "text overlays",
    "pa": "text overlays",
    "al": "text overlays",
    "tg": "text overlays",
    "lh": "text overlays",
    "fol": "subtitle overlays",
    "fsh": "subtitle overlays",
    "i": "overlay input",
    "ie": "overlay input",
}
_EFFECTS = frozenset({"grayscale"})


@dataclass(frozen=True, slots=True)
class Step:
    """One ``:``-separated step. A field is None (or False) when its parameter is absent or is the default.

    ``width``/``height`` are whole pixels (int) or, below 1, a fraction of the source (float)."""

    width: int | float | None = None
    height: int | float | None = None
    aspect_ratio: tuple[int | float, int | float] | None = None
    crop: Crop | None = None
    crop_mode: CropMode | None = None
    focus: Focus | None = None
    x: int | None = None
    y: int | None = None
    x_center: int | None = None
    y_center: int | None = None
    dpr: float | None = None
    rotation: int | None = None
    flip: Flip | None = None
    blur: int | None = None
    grayscale: bool = False
    background: str | None = None  # RRGGBB or RRGGBBAA, upper case
    quality: int | None = None
    format: Format | None = None
    progressive: bool = False
    lossless: bool = False
    original: bool = False
    named: str | None = None


_EMPTY = Step()
Chain = tuple[Step, ...]


def invalid(message: str) -> BadRequestError:
    """The 400 of a bad transformation (the message names the parameter)."""
    return BadRequestError(message, help=_HELP, reason=_REASON)


# ------------------------------------------------------------------ values


def _decimal(key: str, text: str, what: str) -> Decimal:
    if not _NUMBER.match(text):
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not {what}.")
    return Decimal(text)  # the pattern admits only plain decimals, which Decimal always reads


def _plain(value: Decimal, places: int = 4) -> int | float:
    """A number as the canonical text will show it: whole numbers as int, others rounded to ``places``."""
    rounded = round(float(value), places)
    return int(rounded) if rounded.is_integer() else rounded


def _integer(key: str, text: str, low: int, high: int) -> int:
    what = f"a whole number from {low} to {high}"
    value = _decimal(key, text, what)
    if value != value.to_integral_value() or not low <= value <= high:
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not {what}.")
    return int(value)


def _dimension(key: str, text: str) -> int | float:
    what = f"a whole number of pixels from 1 to {MAX_SIDE}, or a fraction of the source between 0 and 1"
    value = _decimal(key, text, what)
    if value < 1:
        fraction = _plain(value)  # 0, and fractions that round to 0 at 4 decimals, are refused here
        if fraction <= 0:
            raise invalid(f"Invalid transformation parameter {key}: {text!r} is not {what}.")
        return fraction
    if value > MAX_SIDE or value != value.to_integral_value():
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not {what}.")
    return int(value)


def _ratio(key: str, text: str) -> tuple[int | float, int | float]:
    what = "a ratio width-height of two positive numbers up to 1000, such as 4-3"
    parts = text.split("-")
    if len(parts) != 2:
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not {what}.")
    numbers = [_decimal(key, part, what) for part in parts]
    if any(number > 1000 for number in numbers):
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not {what}.")
    first, second = (_plain(number) for number in numbers)
    if first <= 0 or second <= 0:  # 0, or a number that rounds to 0 at 4 decimals
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not {what}.")
    if isinstance(first, int) and isinstance(second, int):
        divisor = math.gcd(first, second)
        return first // divisor, second // divisor
    return first, second


def _choice(key: str, text: str, options: tuple[str, ...]) -> str:
    if text not in options:
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not one of {', '.join(options)}.")
    return text


def _true(key: str, text: str) -> bool:
    if text not in {"true", "false"}:
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not true or false.")
    return text == "true"


# The CSS colour names (those Pillow's ImageColor knows), so that parse needs no Pillow: name:rrggbb.
_CSS_COLOURS = (
    "aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff beige:f5f5dc bisque:ffe4c4 "
    "black:000000 blanchedalmond:ffebcd blue:0000ff blueviolet:8a2be2 brown:a52a2a burlywood:deb887 "
    "cadetblue:5f9ea0 chartreuse:7fff00 chocolate:d2691e coral:ff7f50 cornflowerblue:6495ed cornsilk:fff8dc "
    "crimson:dc143c cyan:00ffff darkblue:00008b darkcyan:008b8b darkgoldenrod:b8860b darkgray:a9a9a9 "
    "darkgreen:006400 darkgrey:a9a9a9 darkkhaki:bdb76b darkmagenta:8b008b darkolivegreen:556b2f darkorange:ff8c00 "
    "darkorchid:9932cc darkred:8b0000 darksalmon:e9967a darkseagreen:8fbc8f darkslateblue:483d8b "
    "darkslategray:2f4f4f darkslategrey:2f4f4f darkturquoise:00ced1 darkviolet:9400d3 deeppink:ff1493 "
    "deepskyblue:00bfff dimgray:696969 dimgrey:696969 dodgerblue:1e90ff firebrick:b22222 floralwhite:fffaf0 "
    "forestgreen:228b22 fuchsia:ff00ff gainsboro:dcdcdc ghostwhite:f8f8ff gold:ffd700 goldenrod:daa520 gray:808080 "
    "green:008000 greenyellow:adff2f grey:808080 honeydew:f0fff0 hotpink:ff69b4 indianred:cd5c5c indigo:4b0082 "
    "ivory:fffff0 khaki:f0e68c lavender:e6e6fa lavenderblush:fff0f5 lawngreen:7cfc00 lemonchiffon:fffacd "
    "lightblue:add8e6 lightcoral:f08080 lightcyan:e0ffff lightgoldenrodyellow:fafad2 lightgray:d3d3d3 "
    "lightgreen:90ee90 lightgrey:d3d3d3 lightpink:ffb6c1 lightsalmon:ffa07a lightseagreen:20b2aa "
    "lightskyblue:87cefa lightslategray:778899 lightslategrey:778899 lightsteelblue:b0c4de lightyellow:ffffe0 "
    "lime:00ff00 limegreen:32cd32 linen:faf0e6 magenta:ff00ff maroon:800000 mediumaquamarine:66cdaa "
    "mediumblue:0000cd mediumorchid:ba55d3 mediumpurple:9370db mediumseagreen:3cb371 mediumslateblue:7b68ee "
    "mediumspringgreen:00fa9a mediumturquoise:48d1cc mediumvioletred:c71585 midnightblue:191970 mintcream:f5fffa "
    "mistyrose:ffe4e1 moccasin:ffe4b5 navajowhite:ffdead navy:000080 oldlace:fdf5e6 olive:808000 olivedrab:6b8e23 "
    "orange:ffa500 orangered:ff4500 orchid:da70d6 palegoldenrod:eee8aa palegreen:98fb98 paleturquoise:afeeee "
    "palevioletred:db7093 papayawhip:ffefd5 peachpuff:ffdab9 peru:cd853f pink:ffc0cb plum:dda0dd powderblue:b0e0e6 "
    "purple:800080 rebeccapurple:663399 red:ff0000 rosybrown:bc8f8f royalblue:4169e1 saddlebrown:8b4513 "
    "salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 seashell:fff5ee sienna:a0522d silver:c0c0c0 skyblue:87ceeb "
    "slateblue:6a5acd slategray:708090 slategrey:708090 snow:fffafa springgreen:00ff7f steelblue:4682b4 tan:d2b48c "
    "teal:008080 thistle:d8bfd8 tomato:ff6347 turquoise:40e0d0 violet:ee82ee wheat:f5deb3 white:ffffff "
    "whitesmoke:f5f5f5 yellow:ffff00 yellowgreen:9acd32"
)


@lru_cache(maxsize=1)
def _named_colours() -> dict[str, str]:
    return dict(entry.split(":") for entry in _CSS_COLOURS.split())


def _colour(key: str, text: str) -> str:
    if _HEX.match(text):
        colour = text.upper()
    elif (named := _named_colours().get(text.lower())) is not None:
        colour = named.upper()
    else:
        raise invalid(
            f"Invalid transformation parameter {key}: {text!r} is not a colour "
            "(RRGGBB or RRGGBBAA in hexadecimal, or a colour name such as red)."
        )
    return colour[:6] if colour.endswith("FF") and len(colour) == 8 else colour


def _rotation(key: str, text: str) -> int | None:
    if text == "auto":
        return None  # EXIF orientation is always applied, so rt-auto changes nothing
    negative = text.startswith("N")
    degrees = _integer(key, text[1:] if negative else text, 0, 360)
    return (-degrees if negative else degrees) % 360 or None


def _format(key: str, text: str) -> Format:
    if text not in _FORMATS:
        raise invalid(
            f"Invalid transformation parameter {key}: {text!r} is not one of auto, jpg, jpeg, png, webp, avif, gif."
        )
    return _FORMATS[text]


def _focus(key: str, text: str) -> Focus:
    if text == "face":
        raise invalid("Unsupported transformation parameter fo-face: medialib does not detect faces.")
    return _choice(key, text, get_args(Focus))  # type: ignore[return-value]


def _name(key: str, text: str) -> str:
    if not _NAME.match(text):
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not a transformation name.")
    return text


def _dpr(key: str, text: str) -> float:
    what = "a number from 0.1 to 5"
    if text == "auto":
        raise invalid("Unsupported transformation parameter dpr-auto: medialib needs a number from 0.1 to 5.")
    value = _decimal(key, text, what)
    if not Decimal("0.1") <= value <= 5:
        raise invalid(f"Invalid transformation parameter {key}: {text!r} is not {what}.")
    return float(_plain(value, 3))


# key -> (Step field, value parser)
_PARAMETERS: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "w": ("width", _dimension),
    "h": ("height", _dimension),
    "ar": ("aspect_ratio", _ratio),
    "c": ("crop", lambda key, text: _choice(key, text, get_args(Crop))),
    "cm": ("crop_mode", lambda key, text: _choice(key, text, get_args(CropMode))),
    "fo": ("focus", _focus),
    "x": ("x", lambda key, text: _integer(key, text, 0, MAX_SIDE * 8)),
    "y": ("y", lambda key, text: _integer(key, text, 0, MAX_SIDE * 8)),
    "xc": ("x_center", lambda key, text: _integer(key, text, 0, MAX_SIDE * 8)),
    "yc": ("y_center", lambda key, text: _integer(key, text, 0, MAX_SIDE * 8)),
    "dpr": ("dpr", _dpr),
    "rt": ("rotation", _rotation),
    "fl": ("flip", lambda key, text: _FLIPS[_choice(key, text, tuple(_FLIPS))]),
    "bl": ("blur", lambda key, text: _integer(key, text, 1, 100)),
    "bg": ("background", _colour),
    "q": ("quality", lambda key, text: _integer(key, text, 1, 100)),
    "f": ("format", _format),
    "pr": ("progressive", _true),
    "lo": ("lossless", _true),
    "orig": ("original", _true),
    "n": ("named", _name),
}


# ------------------------------------------------------------------ parse


def _effect(value: str) -> str:
    name = value.partition("-")[0]
    if name not in _EFFECTS:
        raise invalid(f"Unsupported transformation parameter e-{name}: medialib does not support this effect.")
    if value != name:
        raise invalid(f"Invalid transformation parameter e-{name}: it takes no value (write e-{name}).")
    return name


def _unknown(key: str) -> BadRequestError:
    if key in UNSUPPORTED:
        return invalid(f"Unsupported transformation parameter {key}: medialib does not support {UNSUPPORTED[key]}.")
    shown = key if len(key) <= 20 else key[:20] + "..."
    return invalid(f"Unknown transformation parameter {shown!r}.")


def _step(text: str) -> Step:
    if not text:
        raise invalid("Invalid transformation: an empty step (two ':' in a row, or one at either end).")
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for token in text.split(","):
        key, dash, value = token.partition("-")
        if key == "e" and dash:
            key = f"e-{_effect(value)}"
        if key in seen:
            raise invalid(f"Invalid transformation parameter {key}: it appears twice in one step.")
        seen.add(key)
        if key == "e-grayscale":
            values["grayscale"] = True
            continue
        if key not in _PARAMETERS:
            raise _unknown(key) if key else invalid(f"Invalid transformation: {token!r} is not a parameter.")
        if not value:
            raise invalid(f"Invalid transformation parameter {key}: it has no value (write {key}-<value>).")
        name, parser = _PARAMETERS[key]
        values[name] = parser(key, value)
    return _checked(Step(**values))


def _checked(step: Step) -> Step:
    """Cross-parameter rules, then the defaults folded away (a default is written as absent)."""
    if step.named is not None and replace(step, named=None) != _EMPTY:
        raise invalid(
            f"Invalid transformation parameter n-{step.named}: a named transformation must be alone in its step."
        )
    if step.crop not in {None, "maintain_ratio"} and step.crop_mode is not None:
        raise invalid(
            f"Invalid transformation parameter cm-{step.crop_mode}: it cannot be combined with c-{step.crop}."
        )
    extract = step.crop_mode in {"extract", "pad_extract"}
    for key, value in (("x", step.x), ("y", step.y), ("xc", step.x_center), ("yc", step.y_center)):
        if value is not None and not extract:
            raise invalid(f"Invalid transformation parameter {key}: it needs cm-extract or cm-pad_extract.")
    if step.x is not None and step.x_center is not None:
        raise invalid("Invalid transformation parameter xc: it cannot be combined with x.")
    if step.y is not None and step.y_center is not None:
        raise invalid("Invalid transformation parameter yc: it cannot be combined with y.")
    both = step.width is not None and step.height is not None
    if step.width is None and step.height is None:
        for key, given in (("ar", step.aspect_ratio is not None), ("dpr", step.dpr is not None)):
            if given:
                raise invalid(f"Invalid transformation parameter {key}: it needs w or h in the same step.")
    return replace(
        step,
        aspect_ratio=None if both else step.aspect_ratio,  # w and h decide the box; ar changes nothing then
        crop=None if step.crop == "maintain_ratio" else step.crop,
        focus=None if step.focus == "center" else step.focus,
        dpr=None if step.dpr == 1 else step.dpr,
    )  # q and bg also matter to later steps (the encoder takes the last): their defaults are dropped by compose


def parse(text: str) -> Chain:
    """``"w-300,h-200:rt-90"`` -> two steps. Raises ``BadRequestError`` (400) naming the first bad parameter."""
    if not text:
        return ()
    if len(text) > MAX_TEXT:
        raise invalid(f"Invalid transformation: longer than {MAX_TEXT} characters.")
    parts = text.split(":")
    if len(parts) > MAX_STEPS:
        raise invalid(f"Invalid transformation: more than {MAX_STEPS} chained steps.")
    return tuple(_step(part) for part in parts)


# ------------------------------------------------------------------ compose


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _compose_step(step: Step) -> str:
    out: list[str] = []
    for field in fields(Step):
        value = getattr(step, field.name)
        if value is None or value is False:
            continue
        key = _KEYS[field.name]
        if value is True:
            out.append(key if key.startswith("e-") else f"{key}-true")
        elif field.name == "aspect_ratio":
            out.append(f"ar-{_number(value[0])}-{_number(value[1])}")
        elif field.name == "format":
            out.append(f"f-{'jpg' if value == 'jpeg' else value}")
        elif isinstance(value, int | float):
            out.append(f"{key}-{_number(value)}")
        else:
            out.append(f"{key}-{value}")
    return ",".join(out)


_KEYS = {name: key for key, (name, _) in _PARAMETERS.items()} | {"grayscale": "e-grayscale"}


def _without_chain_defaults(chain: Chain) -> Chain:
    """What the encoder reads is the last ``q`` and the last ``f`` (earlier ones are dead, and a last ``q-80`` is
    the default), and the last ``bg`` for a JPEG's transparency: a ``bg-FFFFFF`` changes nothing while no earlier
    step set another background. Parsed chains keep them as written, so that a name expanded before a ``q-80``
    step cannot take its place."""
    background, steps = DEFAULT_BACKGROUND, []
    for index, step in enumerate(chain):
        later = chain[index + 1 :]
        quality_overridden = any(after.quality is not None for after in later)
        format_overridden = any(after.format is not None for after in later)
        white = step.background == DEFAULT_BACKGROUND and background == DEFAULT_BACKGROUND
        background = step.background or background
        steps.append(
            replace(
                step,
                quality=None if quality_overridden or step.quality == DEFAULT_QUALITY else step.quality,
                format=None if format_overridden else step.format,
                background=None if white else step.background,
            )
        )
    return tuple(steps)


def compose(chain: Chain) -> str:
    """The canonical text of a chain: parameters in a fixed order, numbers normalised, defaults, dead output
    parameters and empty steps dropped; ``orig-true`` alone when any step asks for the original (it ignores
    everything else)."""
    if wants_original(chain):
        return "orig-true"
    return ":".join(text for text in map(_compose_step, _without_chain_defaults(chain)) if text)


# ------------------------------------------------------------------ named transformations, original, format


def named_only(chain: Chain) -> bool:
    """True when every step is ``n-<name>`` alone: such URLs are served unsigned even for private files."""
    return bool(chain) and all(step.named is not None for step in chain)


def expand_named(chain: Chain, lookup: Callable[[str], str | None]) -> Chain:
    """Each ``n-<name>`` step replaced by the steps of its definition (the built-in ones first, then ``lookup``).
    An unknown name, or a definition that names another, is a 400 naming it."""
    expanded: list[Step] = []
    for step in chain:
        if step.named is None:
            expanded.append(step)
            continue
        definition = BUILT_IN_NAMED.get(step.named)
        if definition is None:
            definition = lookup(step.named)
        if definition is None:
            raise invalid(f"Invalid transformation parameter n-{step.named}: no named transformation has this name.")
        steps = parse(definition)
        if any(inner.named is not None for inner in steps):
            raise invalid(f"Invalid transformation parameter n-{step.named}: its definition names another one.")
        expanded.extend(steps)
    if len(expanded) > MAX_STEPS:
        raise invalid(f"Invalid transformation: more than {MAX_STEPS} chained steps once names are expanded.")
    return tuple(expanded)


def wants_original(chain: Chain) -> bool:
    """``orig-true`` anywhere: the original is served as stored, every other parameter ignored."""
    return any(step.original for step in chain)
