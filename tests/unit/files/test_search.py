"""The searchQuery grammar (medialib.files.search): accepted queries with the AST they mean, refused queries with
the character and the expectation their 400 names, relative dates resolved against a given now, and limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medialib.errors import BadRequestError
from medialib.files.search import (
    AbsoluteDate,
    And,
    Clause,
    Or,
    Query,
    RelativeDate,
    SearchQueryError,
    compose,
    parse,
)

A = Clause("name", "=", "a.jpg")
B = Clause("width", ">", 100)
C = Clause("height", "<", 50)
D = Clause("published", "=", True)


def _day(year: int, month: int, day: int, clock: tuple[int, int, int] = (0, 0, 0)) -> AbsoluteDate:
    return AbsoluteDate(datetime(year, month, day, *clock, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "query"),
    [
        pytest.param(
            'name = "a.jpg" AND tags IN ["x","y"]',
            And((A, Clause("tags", "IN", ("x", "y")))),
            id="the-reference-example",
        ),
        pytest.param('name = "a.jpg"', A, id="one-clause"),
        pytest.param('name="a.jpg"', A, id="no-spaces-needed"),
        pytest.param('  name   =\t"a.jpg"  ', A, id="any-whitespace"),
        pytest.param('(name = "a.jpg")', A, id="a-group-of-one-is-its-clause"),
        pytest.param('((((name = "a.jpg"))))', A, id="redundant-parentheses"),
        pytest.param(
            'name = "a.jpg" OR width > 100 AND height < 50', Or((A, And((B, C)))), id="and-binds-tighter-than-or"
        ),
        pytest.param(
            'width > 100 AND height < 50 OR name = "a.jpg"', Or((And((B, C)), A)), id="and-binds-tighter-on-the-left"
        ),
        pytest.param(
            '(name = "a.jpg" OR width > 100) AND height < 50', And((Or((A, B)), C)), id="parentheses-override"
        ),
        pytest.param('name = "a.jpg" AND (width > 100 AND height < 50)', And((A, B, C)), id="nested-and-is-flattened"),
        pytest.param('name = "a.jpg" OR (width > 100 OR height < 50)', Or((A, B, C)), id="nested-or-is-flattened"),
        pytest.param(
            'name = "a.jpg" and width > 100 Or height < 50', Or((And((A, B)), C)), id="keywords-case-insensitive"
        ),
        pytest.param(
            '(name = "a.jpg" OR width > 100) AND (height < 50 OR published = true)',
            And((Or((A, B)), Or((C, D)))),
            id="two-or-groups-anded",
        ),
        pytest.param('name : "sale"', Clause("name", ":", "sale"), id="colon-prefix"),
        pytest.param('path : "/images/"', Clause("path", ":", "/images/"), id="path-within-subfolders"),
        pytest.param('path = "/images/"', Clause("path", "=", "/images/"), id="path-exact-folder"),
        pytest.param("width < 100", Clause("width", "<", 100), id="less-than"),
        pytest.param("width <= 100", Clause("width", "<=", 100), id="at-most"),
        pytest.param("width >= 100", Clause("width", ">=", 100), id="at-least"),
        pytest.param("height = 1.5", Clause("height", "=", 1.5), id="decimal-number"),
        pytest.param("width IN [100, 200]", Clause("width", "IN", (100, 200)), id="numbers-in-a-list"),
        pytest.param('name NOT IN ["a", "b"]', Clause("name", "NOT IN", ("a", "b")), id="not-in"),
        pytest.param('name not in ["a"]', Clause("name", "NOT IN", ("a",)), id="not-in-lower-case"),
        pytest.param('id NOT = "abc"', Clause("id", "NOT =", "abc"), id="not-equal"),
        pytest.param('createdBy NOT="me@x.io"', Clause("createdBy", "NOT =", "me@x.io"), id="not-equal-no-space"),
        pytest.param('name HAS "summer sale"', Clause("name", "HAS", "summer sale"), id="has"),
        pytest.param('tags has "red"', Clause("tags", "HAS", "red"), id="has-lower-case"),
        pytest.param("tags EXISTS", Clause("tags", "EXISTS"), id="exists"),
        pytest.param("tags NOT EXISTS", Clause("tags", "NOT EXISTS"), id="not-exists"),
        pytest.param('type = "file-version"', Clause("type", "=", "file-version"), id="type-file-version"),
        pytest.param('type IN ["file", "folder"]', Clause("type", "IN", ("file", "folder")), id="type-in"),
        pytest.param('format IN ["jpg", "png"]', Clause("format", "IN", ("jpg", "png")), id="format-in"),
        pytest.param("published = false", Clause("published", "=", False), id="bare-boolean-false"),
        pytest.param("private = TRUE", Clause("private", "=", True), id="boolean-case-insensitive"),
        pytest.param("transparency = true", Clause("transparency", "=", True), id="transparency"),
        pytest.param(r'name = "say \"hi\".jpg"', Clause("name", "=", 'say "hi".jpg'), id="escaped-quote"),
        pytest.param(r'name = "a\\b"', Clause("name", "=", "a\\b"), id="escaped-backslash"),
        pytest.param('name = "été (1).jpg"', Clause("name", "=", "été (1).jpg"), id="unicode-and-parens-in-a-string"),
        pytest.param('name = ""', Clause("name", "=", ""), id="empty-string"),
        pytest.param("size > 1024", Clause("size", ">", 1024), id="size-in-bytes"),
        pytest.param('size > "10kb"', Clause("size", ">", 10240), id="size-kb"),
        pytest.param('size < "1mb"', Clause("size", "<", 1048576), id="size-mb"),
        pytest.param('size < "1.5MB"', Clause("size", "<", 1572864), id="size-decimal-mb-any-case"),
        pytest.param('size <= "2gb"', Clause("size", "<=", 2 * 1024**3), id="size-gb"),
        pytest.param('size = "100b"', Clause("size", "=", 100), id="size-b"),
        pytest.param("videoDuration > 30", Clause("videoDuration", ">", 30), id="duration-bare-seconds"),
        pytest.param('videoDuration > "30sec"', Clause("videoDuration", ">", 30.0), id="duration-sec"),
        pytest.param('videoDuration < "1.5min"', Clause("videoDuration", "<", 90.0), id="duration-min"),
        pytest.param('videoDuration <= "2hr"', Clause("videoDuration", "<=", 7200.0), id="duration-hr"),
        pytest.param("createdAt > 2020-01-01", Clause("createdAt", ">", _day(2020, 1, 1)), id="bare-iso-date"),
        pytest.param('createdAt > "2020-01-01"', Clause("createdAt", ">", _day(2020, 1, 1)), id="quoted-iso-date"),
        pytest.param(
            'updatedAt < "2020-01-01T12:12:12"',
            Clause("updatedAt", "<", _day(2020, 1, 1, (12, 12, 12))),
            id="iso-datetime-is-utc",
        ),
        pytest.param(
            'updatedAt < "2020-01-01T14:12:12+02:00"',
            Clause("updatedAt", "<", _day(2020, 1, 1, (12, 12, 12))),
            id="iso-datetime-with-offset-to-utc",
        ),
        pytest.param('createdAt > "1h"', Clause("createdAt", ">", RelativeDate(1, "h")), id="relative-hours"),
        pytest.param('createdAt > "2d"', Clause("createdAt", ">", RelativeDate(2, "d")), id="relative-days"),
        pytest.param('createdAt > "3w"', Clause("createdAt", ">", RelativeDate(3, "w")), id="relative-weeks"),
        pytest.param('createdAt > "4m"', Clause("createdAt", ">", RelativeDate(4, "m")), id="relative-months"),
        pytest.param('createdAt > "1y"', Clause("createdAt", ">", RelativeDate(1, "y")), id="relative-years"),
        pytest.param(
            'createdAt IN [2020-01-01, "7d"]',
            Clause("createdAt", "IN", (_day(2020, 1, 1), RelativeDate(7, "d"))),
            id="dates-in-a-list",
        ),
        pytest.param(
            '"customMetadata.brand" = "acme"', Clause("customMetadata.brand", "=", "acme"), id="quoted-custom-field"
        ),
        pytest.param(
            "customMetadata.price > 10.5", Clause("customMetadata.price", ">", 10.5), id="bare-custom-field-number"
        ),
        pytest.param(
            '"customMetadata.onSale" = true', Clause("customMetadata.onSale", "=", True), id="custom-field-boolean"
        ),
        pytest.param(
            '"customMetadata.colour" IN ["red", "blue"]',
            Clause("customMetadata.colour", "IN", ("red", "blue")),
            id="custom-field-select-in",
        ),
        pytest.param(
            '"embeddedMetadata.Keywords" IN ["beach"]',
            Clause("embeddedMetadata.Keywords", "IN", ("beach",)),
            id="embedded-keywords",
        ),
        pytest.param(
            '"embeddedMetadata.Keywords" EXISTS', Clause("embeddedMetadata.Keywords", "EXISTS"), id="keywords-exist"
        ),
        pytest.param(
            '"embeddedMetadata.DateTimeOriginal" < 2019-06-01',
            Clause("embeddedMetadata.DateTimeOriginal", "<", _day(2019, 6, 1)),
            id="embedded-date-taken",
        ),
        pytest.param('"name" = "a.jpg"', A, id="quoted-plain-field"),
        pytest.param("width > -1", Clause("width", ">", -1), id="negative-number"),
    ],
)
def test_an_accepted_query_means_its_ast(text: str, query: Query) -> None:
    """Given a query in ImageKit's grammar, When parsed, Then it is that AST, and its canonical text parses back to
    it."""
    assert parse(text) == query
    assert parse(compose(query)) == query


_FIELD = "a searchable field (name, tags, type, id, createdAt, updatedAt, width, height, size, videoDuration, format"
_DATE = 'a date: 2020-01-01, "2020-01-01T12:12:12", or a relative date ("1h", "2d", "3w", "4m", "1y") for createdAt'


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        pytest.param("", 1, 'a field name (name, tags, "customMetadata.<name>"...) or (', id="empty"),
        pytest.param("   ", 4, "a field name", id="only-spaces"),
        pytest.param("width 300", 7, 'an operator (=, <, <=, >, >=, IN) after "width"', id="missing-operator"),
        pytest.param("width", 6, 'an operator (=, <, <=, >, >=, IN) after "width"', id="field-alone"),
        pytest.param("width HAS 3", 7, "an operator width allows (=, <, <=, >, >=, IN)", id="has-on-a-number"),
        pytest.param('tags = "x"', 6, "an operator tags allows (IN, NOT IN, HAS, EXISTS, NOT EXISTS)", id="tags-eq"),
        pytest.param('format : "jp"', 8, "an operator format allows (=, IN)", id="colon-on-format"),
        pytest.param("published IN [true]", 11, "an operator published allows (=)", id="in-on-a-boolean"),
        pytest.param('name NOT HAS "x"', 10, 'IN, = or EXISTS after "NOT"', id="not-has"),
        pytest.param('colour = "red"', 1, _FIELD, id="unknown-field"),
        pytest.param('"customMetadata." = "x"', 1, _FIELD, id="custom-field-without-a-name"),
        pytest.param('"embeddedMetadata.Make" = "x"', 1, _FIELD, id="unknown-embedded-field"),
        pytest.param('"embeddedMetadata.LocationTaken" = "x"', 1, "a searchable field (geo search", id="geo"),
        pytest.param('width = "300"', 9, "a number for width", id="string-for-width"),
        pytest.param("name = abc", 8, "a string in double quotes for name", id="bare-word-for-name"),
        pytest.param("name = 12", 8, "a string in double quotes for name", id="number-for-name"),
        pytest.param('name = "abc', 12, 'a closing " for the string that starts at character 8', id="unterminated"),
        pytest.param(r'name = "a\nb"', 10, r"\" or \\ (the only escapes in a string)", id="unknown-escape"),
        pytest.param("tags IN []", 10, "a string in double quotes for tags", id="empty-in-list"),
        pytest.param('tags IN ["a",]', 14, "a string in double quotes for tags", id="trailing-comma"),
        pytest.param('tags IN ["a" "b"]', 14, ", or ] to close the [ at character 9", id="missing-comma"),
        pytest.param('tags IN "a"', 9, 'a list [..] of a string in double quotes after "tags"', id="in-without-list"),
        pytest.param("published = yes", 13, "true or false for published", id="bare-word-for-boolean"),
        pytest.param('published = "true"', 13, "true or false for published", id="quoted-boolean"),
        pytest.param('type = "image"', 8, 'one of "file", "file-version", "folder" for type', id="unknown-type"),
        pytest.param("size > 10kb", 8, "a size: a number of bytes", id="unquoted-size-unit"),
        pytest.param('size > "10tb"', 8, "a size: a number of bytes", id="unknown-size-unit"),
        pytest.param('videoDuration > "2days"', 17, "a duration: a number of seconds", id="unknown-duration-unit"),
        pytest.param('createdAt > "yesterday"', 13, _DATE, id="not-a-date"),
        pytest.param('createdAt > "2020-13-01"', 13, _DATE, id="month-13"),
        pytest.param("createdAt > 2020-1-1", 13, _DATE, id="short-bare-date"),
        pytest.param('createdAt > "7x"', 13, _DATE, id="unknown-relative-unit"),
        pytest.param('name = "a" AND', 15, "a field name", id="dangling-and"),
        pytest.param('name = "a" OR OR width > 1', 15, "a field name", id="double-or"),
        pytest.param('name = "a" width > 1', 12, "AND, OR or the end of the query", id="missing-and"),
        pytest.param('(name = "a"', 12, "AND, OR or ) to close the ( at character 1", id="unclosed-parenthesis"),
        pytest.param('name = "a")', 11, "AND, OR or the end of the query", id="stray-closing-parenthesis"),
        pytest.param("()", 2, "a field name", id="empty-parentheses"),
        pytest.param('NOT (name = "a")', 1, "a field name", id="not-before-a-group"),
        pytest.param('AND = "a"', 1, "a field name", id="keyword-as-bare-field"),
        pytest.param("width > 1 && height > 1", 11, "AND, OR or the end of the query", id="c-style-and"),
        pytest.param("width > 1e5", 9, "a number for width", id="exponent-number"),
        pytest.param("width > 'a'", 9, "a number for width", id="single-quotes"),
    ],
)
def test_a_refused_query_names_where_and_what(text: str, position: int, expected: str) -> None:
    """Given a malformed query, When parsed, Then a 400 INVALID_SEARCH_QUERY names the character where it goes wrong
    and what was expected there."""
    with pytest.raises(SearchQueryError) as raised:
        parse(text)
    error = raised.value
    assert isinstance(error, BadRequestError) and error.status == 400 and error.reason == "INVALID_SEARCH_QUERY"
    assert error.message.startswith(f"searchQuery: at character {position}, expected {expected}")


def test_the_message_of_a_missing_operator_word_for_word() -> None:
    """Given a field followed by a value, When parsed, Then the message reads as the API reference shows it."""
    with pytest.raises(SearchQueryError) as raised:
        parse('name = "a" AND width 300')
    assert raised.value.message == (
        'searchQuery: at character 22, expected an operator (=, <, <=, >, >=, IN) after "width", found "300"'
    )


NOW = datetime(2024, 3, 31, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("relative", "resolved"),
    [
        pytest.param(RelativeDate(1, "h"), datetime(2024, 3, 31, 9, 30, tzinfo=UTC), id="1h"),
        pytest.param(RelativeDate(2, "d"), datetime(2024, 3, 29, 10, 30, tzinfo=UTC), id="2d"),
        pytest.param(RelativeDate(3, "w"), datetime(2024, 3, 10, 10, 30, tzinfo=UTC), id="3w"),
        pytest.param(RelativeDate(1, "m"), datetime(2024, 2, 29, 10, 30, tzinfo=UTC), id="1m-clamps-to-february-29"),
        pytest.param(RelativeDate(4, "m"), datetime(2023, 11, 30, 10, 30, tzinfo=UTC), id="4m-crosses-the-year"),
        pytest.param(RelativeDate(1, "y"), datetime(2023, 3, 31, 10, 30, tzinfo=UTC), id="1y"),
        pytest.param(RelativeDate(999999, "y"), datetime.min.replace(tzinfo=UTC), id="before-year-1-is-the-earliest"),
        pytest.param(RelativeDate(999999, "w"), datetime.min.replace(tzinfo=UTC), id="weeks-before-year-1"),
    ],
)
def test_a_relative_date_resolves_against_now(relative: RelativeDate, resolved: datetime) -> None:
    """Given a relative date and a now, When resolved, Then it is that long before now (by the calendar)."""
    assert relative.resolve(NOW) == resolved


def test_an_absolute_date_ignores_now() -> None:
    """Given an ISO date, When resolved, Then it is its own instant whatever now is."""
    assert _day(2020, 1, 1).resolve(NOW) == datetime(2020, 1, 1, tzinfo=UTC)


def _chain(count: int) -> str:
    return " OR ".join(f"width = {n}" for n in range(count))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "(" * 21 + "width = 1" + ")" * 21,
            "searchQuery: at character 21, expected a clause: parentheses nest at most 20 deep",
            id="21-nested-parentheses",
        ),
        pytest.param(
            "(" * 5000,
            "searchQuery: at character 4097, expected the end of the query: at most 4096 characters",
            id="over-4096-characters",
        ),
        pytest.param(
            _chain(101),
            "searchQuery: at character 1391, expected the end of the query: a query has at most 100 clauses",
            id="101-clauses",
        ),
        pytest.param(
            "tags IN [" + ", ".join(['"t"'] * 101) + "]",
            "searchQuery: at character 508, expected ]: a list holds at most 100 values",
            id="101-values-in-a-list",
        ),
    ],
)
def test_limits_are_a_clear_400(text: str, message: str) -> None:
    """Given a query beyond a limit (length, nesting, clauses, list), When parsed, Then a 400 names the limit, never
    a RecursionError."""
    with pytest.raises(SearchQueryError) as raised:
        parse(text)
    assert raised.value.message.startswith(message)


def test_the_limits_themselves_are_accepted() -> None:
    """Given 20 nested parentheses, 100 clauses and a list of 100 values, When parsed, Then each is a query."""
    assert parse("(" * 20 + "width = 1" + ")" * 20) == Clause("width", "=", 1)
    assert len(parse(_chain(100)).items) == 100  # type: ignore[union-attr]  # an Or of 100 clauses
    assert len(parse("tags IN [" + ", ".join(['"t"'] * 100) + "]").value) == 100  # type: ignore[arg-type, union-attr]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param('name="a.jpg" and tags in ["x","y"]', 'name = "a.jpg" AND tags IN ["x", "y"]', id="spacing-case"),
        pytest.param(
            "(a_ OR b)".replace("a_", "width > 1").replace("b", "height > 2") + " AND published = TRUE",
            "(width > 1 OR height > 2) AND published = true",
            id="or-inside-and-keeps-parentheses",
        ),
        pytest.param('size > "1kb"', "size > 1024", id="size-in-bytes"),
        pytest.param('videoDuration > "1.5min"', "videoDuration > 90.0", id="duration-in-seconds"),
        pytest.param('createdAt > "2020-01-01"', "createdAt > 2020-01-01", id="midnight-bare"),
        pytest.param(
            'createdAt > "2020-01-01T01:02:03.5+01:00"', 'createdAt > "2020-01-01T00:02:03.500000Z"', id="utc"
        ),
        pytest.param('createdAt > "7D"', 'createdAt > "7d"', id="relative-lower-case"),
        pytest.param(
            "customMetadata.brand EXISTS".replace("EXISTS", '= "x"'), '"customMetadata.brand" = "x"', id="quoted-dotted"
        ),
        pytest.param(r'name = "a\"b\\c"', r'name = "a\"b\\c"', id="escapes-kept"),
    ],
)
def test_compose_writes_the_canonical_text(text: str, canonical: str) -> None:
    """Given a query, When parsed and composed, Then the text is canonical: spacing, keywords, units and dates
    normalised."""
    assert compose(parse(text)) == canonical
