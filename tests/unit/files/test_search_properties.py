"""Properties of the searchQuery grammar over generated queries (hypothesis): every AST composes to text that
parses back to it, and any text either parses or is refused with SearchQueryError, never another exception."""

from __future__ import annotations

from datetime import UTC, datetime, time

from hypothesis import given, settings
from hypothesis import strategies as st

from medialib.files.search import (
    CUSTOM_METADATA,
    FIELDS,
    FILE_TYPES,
    AbsoluteDate,
    And,
    Clause,
    Kind,
    Or,
    Query,
    RelativeDate,
    Scalar,
    SearchQueryError,
    compose,
    parse,
)

_DECIMALS = st.integers(-(10**12), 10**12).map(lambda n: n / 1000)
_NUMBERS = st.one_of(st.integers(-(10**15), 10**15), _DECIMALS)
_TEXT = st.text(st.characters(codec="utf-8"), max_size=20)
_DATES = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(AbsoluteDate),
    st.builds(RelativeDate, st.integers(0, 999999), st.sampled_from(["h", "d", "w", "m", "y"])),
)
_MIDNIGHTS = st.dates().map(lambda d: AbsoluteDate(datetime.combine(d, time(), UTC)))
VALUES: dict[Kind, st.SearchStrategy[Scalar]] = {
    "text": _TEXT,
    "type": st.sampled_from(FILE_TYPES),
    "number": _NUMBERS,
    "size": _NUMBERS,
    "duration": _NUMBERS,
    "date": _DATES,
    "boolean": st.booleans(),
    "any": st.one_of(_TEXT, _NUMBERS, st.booleans(), _MIDNIGHTS),
}
_NAME_CHARS = "abcXYZ019_-"
_CUSTOM_FIELDS = st.text(_NAME_CHARS, min_size=1, max_size=8).map(lambda n: f"customMetadata.{n}")
FIELD_NAMES = st.one_of(st.sampled_from(sorted(FIELDS)), _CUSTOM_FIELDS)


@st.composite
def clauses(draw: st.DrawFn) -> Clause:
    field = draw(FIELD_NAMES)
    kind, ops = FIELDS.get(field) or CUSTOM_METADATA
    op = draw(st.sampled_from(ops))
    if op in ("EXISTS", "NOT EXISTS"):
        return Clause(field, op)
    if op in ("IN", "NOT IN"):
        return Clause(field, op, tuple(draw(st.lists(VALUES[kind], min_size=1, max_size=4))))
    return Clause(field, op, draw(VALUES[kind]))


def _group(cls: type[And] | type[Or], items: list[Query]) -> Query:
    flat: list[Query] = []
    for item in items:
        flat.extend(item.items if isinstance(item, cls) else (item,))
    return cls(tuple(flat))


def _groups(children: st.SearchStrategy[Query]) -> st.SearchStrategy[Query]:
    kinds: st.SearchStrategy[type[And] | type[Or]] = st.sampled_from([And, Or])
    return st.builds(_group, kinds, st.lists(children, min_size=2, max_size=4))


QUERIES: st.SearchStrategy[Query] = st.recursive(clauses(), _groups, max_leaves=8)


@given(QUERIES)
def test_every_query_round_trips_through_compose(query: Query) -> None:
    """Given any query the grammar can express, When composed and parsed, Then it is the same query, and composing
    that again gives the same text."""
    text = compose(query)
    assert parse(text) == query
    assert compose(parse(text)) == text


_VOCABULARY = [
    "(", ")", "[", "]", ",", "=", ":", "<", "<=", ">", ">=", "AND", "or", "NOT", "IN", "HAS", "EXISTS", "true",
    "name", "tags", "width", "size", "createdAt", "type", '"customMetadata.x"', '"a"', '"', "\\", "12", "1.5",
    "2020-01-01", '"7d"', '"1mb"', '"30sec"', "-", "x", " ", "é", "\n",
]  # fmt: skip
_TOKEN_SOUP = st.lists(st.sampled_from(_VOCABULARY), max_size=40).map(" ".join)


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    """A valid query's text with one slice deleted and other text put in its place."""
    text = compose(draw(QUERIES))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 5)))
    return text[:start] + draw(st.one_of(st.sampled_from(_VOCABULARY), st.text(max_size=3))) + text[end:]


_DEEP = st.integers(0, 60).map(lambda n: "(" * n + "width = 1" + ")" * n)


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=60), _TOKEN_SOUP, _mutated(), _DEEP))
def test_any_text_parses_or_is_a_400(text: str) -> None:
    """Given any text, When parsed, Then it is a query (whose canonical text parses back to it) or a
    SearchQueryError naming a character of the text, never another exception."""
    try:
        query = parse(text)
    except SearchQueryError as error:
        assert error.status == 400
        position = int(error.message.split("at character ", 1)[1].split(",", 1)[0])
        assert 1 <= position <= len(text) + 1
        return
    assert parse(compose(query)) == query
