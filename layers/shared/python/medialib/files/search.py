"""The ``searchQuery`` grammar of ``GET /v1/files``: text into a typed query (an AST of frozen dataclasses), and back.

A query is clauses ``<field> <op> <value>`` joined by ``AND`` / ``OR`` (``AND`` binds tighter), grouped with
parentheses. Keywords (``AND``, ``OR``, ``NOT``, ``IN``, ``HAS``, ``EXISTS``, ``true``, ``false``) are
case-insensitive; field names are not, and may be double-quoted (``"customMetadata.brand"``). Each field allows
the operators and the kind of value of ImageKit's table (docs reference, section 4.11); anything else is a
``SearchQueryError`` (400) naming the 1-based character where the query goes wrong and what was expected there.

Decisions where ImageKit says nothing:
- ``a AND (b AND c)`` is ``And((a, b, c))`` and ``(a)`` is ``a``: groups of one kind are flattened, so the
  AST is canonical and ``parse(compose(q)) == q``.
- Sizes are bytes; ``kb``, ``mb``, ``gb`` are powers of 1024 (rounded to a whole byte). Durations are seconds;
  ``sec``/``s``, ``min``, ``hr``/``h``. A quoted number without a unit is bytes or seconds.
- Dates without an offset are UTC; ISO dates become ``AbsoluteDate`` (aware, UTC); ``"7d"`` stays a
  ``RelativeDate`` until ``resolve(now)``: ``h`` hours, ``d`` days, ``w`` weeks, ``m`` calendar months, ``y`` years.
- ``customMetadata.<name>`` fields take any scalar (their type is the field's schema, known at evaluation) and the
  union of the operators ImageKit lists for the schema types. ``embeddedMetadata`` knows ``Keywords`` (like tags)
  and ``DateTimeOriginal`` (a date); ``LocationTaken``'s geo syntax is not supported.
- ``NOT`` exists only in the operators ``NOT =``, ``NOT IN`` and ``NOT EXISTS``, never before a group.

Pure: no I/O, no clock, no env.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal, get_args

from medialib.errors import BadRequestError

Op = Literal["=", ":", "<", "<=", ">", ">=", "IN", "NOT IN", "NOT =", "HAS", "EXISTS", "NOT EXISTS"]
OPS: tuple[Op, ...] = get_args(Op)
Kind = Literal["text", "type", "number", "size", "duration", "date", "boolean", "any"]
DateUnit = Literal["h", "d", "w", "m", "y"]

MAX_TEXT = 4096  # characters: the bound of ListFilesRequest.search_query
MAX_DEPTH = 20  # nested parentheses
MAX_CLAUSES = 100
MAX_LIST = 100  # values in one IN [..] list
FILE_TYPES = ("file", "file-version", "folder")

_HELP = "See the searchQuery grammar in the medialib API reference: fields, operators, value kinds and examples."
_REASON = "INVALID_SEARCH_QUERY"


class SearchQueryError(BadRequestError):
    """A searchQuery that does not parse: 400, its message names the character and what was expected there."""

    def __init__(self, message: str) -> None:
        super().__init__(f"searchQuery: {message}", help=_HELP, reason=_REASON)


@dataclass(frozen=True, slots=True)
class AbsoluteDate:
    """An instant, aware and in UTC (``2020-01-01`` is that day's midnight UTC)."""

    at: datetime

    def resolve(self, now: datetime) -> datetime:
        return self.at


@dataclass(frozen=True, slots=True)
class RelativeDate:
    """``"7d"``: that long before ``now``, kept relative until resolved."""

    amount: int
    unit: DateUnit

    def resolve(self, now: datetime) -> datetime:
        """The instant ``amount`` units before ``now`` (months and years by the calendar, the day clamped to the
        month's last); before year 1 it is the earliest instant Python knows."""
        try:
            if self.unit in ("m", "y"):
                months = now.year * 12 + now.month - 1 - self.amount * (12 if self.unit == "y" else 1)
                year, month = divmod(months, 12)
                return now.replace(year=year, month=month + 1, day=min(now.day, _month_days(year, month + 1)))
            hours = {"h": 1, "d": 24, "w": 24 * 7}[self.unit] * self.amount
            return now - timedelta(hours=hours)
        except (ValueError, OverflowError):
            return datetime.min.replace(tzinfo=now.tzinfo)


Scalar = str | int | float | bool | AbsoluteDate | RelativeDate
Value = Scalar | tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class Clause:
    """``field op value``; ``value`` is a tuple for ``IN``/``NOT IN`` and None for ``EXISTS``/``NOT EXISTS``."""

    field: str
    op: Op
    value: Value | None = None


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Query, ...]


Query = Clause | And | Or

_COMPARE: tuple[Op, ...] = ("=", "<", "<=", ">", ">=", "IN")
_IDS: tuple[Op, ...] = ("=", "IN", "NOT =", "NOT IN")
FIELDS: dict[str, tuple[Kind, tuple[Op, ...]]] = {
    "name": ("text", ("=", ":", "IN", "NOT IN", "NOT =", "HAS")),
    "tags": ("text", ("IN", "NOT IN", "HAS", "EXISTS", "NOT EXISTS")),
    "type": ("type", _IDS),
    "id": ("text", _IDS),
    "createdAt": ("date", _COMPARE),
    "updatedAt": ("date", _COMPARE),
    "width": ("number", _COMPARE),
    "height": ("number", _COMPARE),
    "size": ("size", _COMPARE),
    "videoDuration": ("duration", _COMPARE),
    "format": ("text", ("=", "IN")),
    "private": ("boolean", ("=",)),
    "published": ("boolean", ("=",)),
    "transparency": ("boolean", ("=",)),
    "createdBy": ("text", _IDS),
    "path": ("text", ("=", ":", "IN", "NOT =", "NOT IN")),
    "embeddedMetadata.Keywords": ("text", ("IN", "NOT IN", "EXISTS", "NOT EXISTS")),
    "embeddedMetadata.DateTimeOriginal": ("date", _COMPARE),
}
CUSTOM_METADATA: tuple[Kind, tuple[Op, ...]] = ("any", ("=", ":", "<", "<=", ">", ">=", "IN", "NOT IN", "HAS"))
_CUSTOM_NAME = re.compile(r"customMetadata\.[A-Za-z0-9_-]{1,100}")
_KEYWORDS = frozenset({"and", "or", "not", "in", "has", "exists", "true", "false"})
_WHAT: dict[Kind, str] = {
    "text": "a string in double quotes",
    "type": 'one of "file", "file-version", "folder"',
    "number": "a number",
    "size": 'a size: a number of bytes, or a quoted size with a unit ("10kb", "1mb")',
    "duration": 'a duration: a number of seconds, or a quoted duration with a unit ("30sec", "1.5min", "2hr")',
    "date": 'a date: 2020-01-01, "2020-01-01T12:12:12", or a relative date ("1h", "2d", "3w", "4m", "1y")',
    "boolean": "true or false",
    "any": "a value (a string in double quotes, a number, true or false)",
}
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_DURATION_UNITS = {"": 1, "s": 1, "sec": 1, "min": 60, "h": 3600, "hr": 3600}

_TOKEN = re.compile(r'\s+|<=|>=|[=:<>()\[\],]|[A-Za-z0-9_.\-]+|"')
_NUMBER = re.compile(r"-?\d{1,24}(?:\.\d{1,40})?")
_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_UNIT_NUMBER = re.compile(r"(\d{1,12}(?:\.\d{1,12})?)\s*([A-Za-z]*)")
_RELATIVE = re.compile(r"(\d{1,6})([hdwmyHDWMY])")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:\d{2})?")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["(", ")", "[", "]", ",", "op", "string", "bare", "end", "char", "unclosed", "escape"]
    text: str
    pos: int  # 1-based
    value: str = ""  # a string's content, escapes undone


def _month_days(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (datetime(year, month + 1, 1) - datetime(year, month, 1)).days


def _string(text: str, start: int) -> tuple[_Token, int]:
    """The string opening at ``start`` (0-based, on its quote) and the index after it."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return _Token("string", text[start : i + 1], start + 1, "".join(out)), i + 1
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1] not in '"\\':
                return _Token("escape", text[i : i + 2], i + 1), len(text)
            char, i = text[i + 1], i + 1
        out.append(char)
        i += 1
    return _Token("unclosed", text[start:], start + 1), len(text)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        match = _TOKEN.match(text, i)
        if match is None:
            tokens.append(_Token("char", text[i], i + 1))
            i += 1
            continue
        piece = match.group()
        if piece == '"':
            token, i = _string(text, i)
            tokens.append(token)
            continue
        if not piece.isspace():
            kind = piece if piece in "()[]," else "op" if piece in ("=", ":", "<", "<=", ">", ">=") else "bare"
            tokens.append(_Token(kind, piece, i + 1))  # type: ignore[arg-type]  # kind is one of the literals
        i = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


def _found(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the query"
    shown = token.text if len(token.text) <= 30 else token.text[:27] + "..."
    return f"the string {shown}" if token.kind == "string" else f'"{shown}"'


def _is_keyword(token: _Token, word: str) -> bool:
    return token.kind == "bare" and token.text.lower() == word


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0
        self.clauses = 0

    def peek(self) -> _Token:
        token = self.tokens[self.at]
        if token.kind == "unclosed":
            raise SearchQueryError(
                f'at character {len(token.text) + token.pos}, expected a closing " for the string '
                f"that starts at character {token.pos}"
            )
        if token.kind == "escape":
            raise SearchQueryError(f'at character {token.pos}, expected \\" or \\\\ (the only escapes in a string)')
        return token

    def take(self) -> _Token:
        token = self.peek()
        self.at += 1
        return token

    def fail(self, token: _Token, expected: str, after: str = "") -> SearchQueryError:
        where = f' after "{after}"' if after else ""
        return SearchQueryError(f"at character {token.pos}, expected {expected}{where}, found {_found(token)}")

    def query(self) -> Query:
        query = self.either()
        token = self.peek()
        if token.kind != "end":
            raise self.fail(token, "AND, OR or the end of the query" + (" or )" if self.depth else ""))
        return query

    def either(self) -> Query:
        items = [self.both()]
        while _is_keyword(self.peek(), "or"):
            self.take()
            items.append(self.both())
        return _group(Or, items)

    def both(self) -> Query:
        items = [self.primary()]
        while _is_keyword(self.peek(), "and"):
            self.take()
            items.append(self.primary())
        return _group(And, items)

    def primary(self) -> Query:
        token = self.peek()
        if token.kind != "(":
            return self.clause()
        if self.depth == MAX_DEPTH:
            raise self.fail(token, f"a clause: parentheses nest at most {MAX_DEPTH} deep")
        self.take()
        self.depth += 1
        query = self.either()
        closing = self.peek()
        if closing.kind != ")":
            raise self.fail(closing, f"AND, OR or ) to close the ( at character {token.pos}")
        self.take()
        self.depth -= 1
        return query

    def clause(self) -> Clause:
        token = self.peek()
        if self.clauses == MAX_CLAUSES:
            raise self.fail(token, f"the end of the query: a query has at most {MAX_CLAUSES} clauses")
        field = self.field()
        kind, allowed = FIELDS.get(field) or CUSTOM_METADATA
        op = self.operator(field, allowed)
        self.clauses += 1
        if op in ("EXISTS", "NOT EXISTS"):
            return Clause(field, op)
        if op in ("IN", "NOT IN"):
            return Clause(field, op, self.array(field, kind))
        return Clause(field, op, self.scalar(field, kind))

    def field(self) -> str:
        token = self.take()
        expected = 'a field name (name, tags, "customMetadata.<name>"...) or ('
        if token.kind == "string":
            name = token.value
        elif token.kind == "bare" and _IDENTIFIER.fullmatch(token.text) and token.text.lower() not in _KEYWORDS:
            name = token.text
        else:
            raise self.fail(token, expected)
        if name == "embeddedMetadata.LocationTaken":
            raise self.fail(token, "a searchable field (geo search on embeddedMetadata.LocationTaken is not supported)")
        if name not in FIELDS and not _CUSTOM_NAME.fullmatch(name):
            fields = ", ".join(f for f in FIELDS if "." not in f)
            raise self.fail(
                token, f'a searchable field ({fields}, "customMetadata.<name>", "embeddedMetadata.<field>")'
            )
        return name

    def operator(self, field: str, allowed: tuple[Op, ...]) -> Op:
        token = self.take()
        op: str | None = None
        if token.kind == "op":
            op = token.text
        elif _is_keyword(token, "not"):
            following = self.peek()
            if (following.kind == "op" and following.text == "=") or any(
                _is_keyword(following, w) for w in ("in", "exists")
            ):
                op = f"NOT {self.take().text.upper()}"
            else:
                raise self.fail(following, "IN, = or EXISTS", after="NOT")
        elif token.kind == "bare" and token.text.upper() in ("IN", "HAS", "EXISTS"):
            op = token.text.upper()
        ops = f"({', '.join(allowed)})"
        if op is None:
            raise self.fail(token, f"an operator {ops}", after=field)
        if op not in allowed:
            raise self.fail(token, f"an operator {field} allows {ops}")
        return op

    def array(self, field: str, kind: Kind) -> tuple[Scalar, ...]:
        token = self.take()
        if token.kind != "[":
            raise self.fail(token, f"a list [..] of {_WHAT[kind]}", after=field)
        values = [self.scalar(field, kind)]
        while self.peek().kind == ",":
            comma = self.take()
            if len(values) == MAX_LIST:
                raise self.fail(comma, f"]: a list holds at most {MAX_LIST} values")
            values.append(self.scalar(field, kind))
        closing = self.take()
        if closing.kind != "]":
            raise self.fail(closing, f", or ] to close the [ at character {token.pos}")
        return tuple(values)

    def scalar(self, field: str, kind: Kind) -> Scalar:
        token = self.take()
        value = _value(token, kind)
        if value is None:
            raise self.fail(token, f"{_WHAT[kind]} for {field}")
        return value


def _group(cls: type[And] | type[Or], items: list[Query]) -> Query:
    if len(items) == 1:
        return items[0]
    flat: list[Query] = []
    for item in items:
        flat.extend(item.items if isinstance(item, cls) else (item,))
    return cls(tuple(flat))


def _number(text: str) -> int | float | None:
    if not _NUMBER.fullmatch(text):
        return None
    return float(text) if "." in text else int(text)


def _with_unit(text: str, units: dict[str, int]) -> float | None:
    match = _UNIT_NUMBER.fullmatch(text.strip())
    if match is None or match.group(2).lower() not in units:
        return None
    return float(match.group(1)) * units[match.group(2).lower()]


def _date(text: str) -> AbsoluteDate | RelativeDate | None:
    relative = _RELATIVE.fullmatch(text)
    if relative:
        return RelativeDate(int(relative.group(1)), relative.group(2).lower())  # type: ignore[arg-type]  # [hdwmy]
    if not _ISO.fullmatch(text):
        return None
    try:
        at = datetime.fromisoformat(text)
        return AbsoluteDate(at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC))
    except (ValueError, OverflowError):
        return None


def _value(token: _Token, kind: Kind) -> Scalar | None:
    """The typed value of ``token`` for a field of ``kind``, or None when it is not one."""
    if token.kind == "string":
        return _string_value(token.value, kind)
    if token.kind != "bare":
        return None
    if kind in ("boolean", "any") and token.text.lower() in ("true", "false"):
        return token.text.lower() == "true"
    if kind in ("date", "any") and _BARE_DATE.fullmatch(token.text):
        return _date(token.text)
    if kind in ("number", "size", "duration", "any"):
        return _number(token.text)
    return None


def _string_value(text: str, kind: Kind) -> Scalar | None:
    if kind in ("text", "any"):
        return text
    if kind == "type":
        return text if text in FILE_TYPES else None
    if kind == "size":
        size = _with_unit(text, _SIZE_UNITS)
        return None if size is None else round(size)
    if kind == "duration":
        return _with_unit(text, _DURATION_UNITS)
    if kind == "date":
        return _date(text)
    return None


def parse(text: str) -> Query:
    """The query ``text`` means; ``SearchQueryError`` (400) naming the character where it goes wrong."""
    if len(text) > MAX_TEXT:
        raise SearchQueryError(
            f"at character {MAX_TEXT + 1}, expected the end of the query: at most {MAX_TEXT} characters"
        )
    return _Parser(text).query()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _compose_scalar(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, RelativeDate):
        return f'"{value.amount}{value.unit}"'
    at = value.at.astimezone(UTC)
    if (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0):
        return at.date().isoformat()
    return _quote(at.replace(tzinfo=None).isoformat() + "Z")


def _compose_field(field: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", field) and field.lower() not in _KEYWORDS:
        return field
    return _quote(field)


def compose(query: Query) -> str:
    """The canonical text of ``query``: ``parse(compose(q)) == q`` for any query ``parse`` returns."""
    if isinstance(query, Or):
        return " OR ".join(compose(item) for item in query.items)
    if isinstance(query, And):
        return " AND ".join(f"({compose(i)})" if isinstance(i, Or) else compose(i) for i in query.items)
    text = f"{_compose_field(query.field)} {query.op}"
    if isinstance(query.value, tuple):
        return f"{text} [{', '.join(_compose_scalar(v) for v in query.value)}]"
    return text if query.value is None else f"{text} {_compose_scalar(query.value)}"


def date_value(text: str) -> AbsoluteDate | RelativeDate | None:
    """``text`` as a date of the grammar (ISO, or relative ``"7d"``), or None: evaluation reads a Date custom
    metadata value given as a string with it."""
    return _date(text.strip())
