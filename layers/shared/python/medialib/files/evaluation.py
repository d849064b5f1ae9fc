"""What a parsed ``searchQuery`` (``files/search.py``) means for one file, version or folder, how a listing is
ordered, and which index a listing reads (its plan). Pure: no I/O, no clock (``now`` is an input), no env.

Decisions (docs/search.md "Evaluation"):
- ``NOT =``, ``NOT IN`` and ``NOT EXISTS`` are the exact complements of ``=``, ``IN`` and ``EXISTS``: an entry
  without the field (a folder's size, a file without tags) does not match ``=``/``IN``/comparisons, and does match
  their negations.
- ``name``/Text ``=`` and ``:`` (prefix) are case-sensitive; ``HAS`` is case-insensitive over word tokens (letters
  and digits), every query token must be a token of the value and the last may be a prefix of one.
- ``tags`` are the file's tags and its AITags' names; ``format`` comes from the MIME type (``image/jpeg`` is
  ``jpg``), else the name's extension, compared case-insensitively; ``path`` is the folder an entry is in
  (``=`` that folder, ``:`` it and its subfolders), ``transparency`` is ``hasAlpha``.
- Dates compare at the millisecond (what the API shows), relative dates resolved against one ``now``.
- ``videoDuration``: no stored file has a duration, so no comparison matches. ``createdBy``: no uploader is
  recorded, so ``=``/``IN`` match nothing and ``NOT =``/``NOT IN`` match everything.
- ``"customMetadata.<name>"`` is typed by the account's field schema (``field_types``); a name the account does not
  define (a deleted field) is typed by the stored value itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from medialib.files.models import FileItem, FolderItem, ListType
from medialib.files.search import AbsoluteDate, And, Clause, Or, Query, RelativeDate, date_value

Entry = FileItem | FolderItem

_TOKEN = re.compile(r"[^\W_]+")
_MIME_FORMATS = {
    "image/jpeg": "jpg",
    "image/svg+xml": "svg",
    "image/x-icon": "ico",
    "image/vnd.microsoft.icon": "ico",
    "image/tiff": "tiff",
    "video/quicktime": "mov",
    "application/octet-stream": "",
}
_EXIF_DATE = re.compile(r"(\d{4}):(\d{2}):(\d{2})([ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


@dataclass(frozen=True)
class Context:
    """What an evaluation needs besides the entry: the one ``now`` relative dates resolve against, and the
    account's custom metadata field types (name -> ``Text``, ``Number``, ``Date``, ...)."""

    now: datetime
    field_types: Mapping[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------ values of an entry


def kind_of(entry: Entry) -> str:
    return "folder" if isinstance(entry, FolderItem) else entry.type


def id_of(entry: Entry) -> str:
    return entry.folder_id if isinstance(entry, FolderItem) else entry.file_id


def folder_of_entry(entry: Entry) -> str:
    """The folder an entry is in: ``/a/b.jpg`` -> ``/a``, folder ``/a/b`` -> ``/a``, anything at the root -> ``/``."""
    path = entry.folder_path if isinstance(entry, FolderItem) else entry.file_path
    return path.rstrip("/").rsplit("/", 1)[0] or "/"


def format_of(item: FileItem) -> str:
    """ImageKit's ``format``: ``jpg``, ``png``, ``pdf``...: from the MIME type, else the name's extension."""
    mime = item.mime.lower().split(";", 1)[0].strip()
    known = _MIME_FORMATS.get(mime)
    if known:
        return known
    if "." in item.name:
        return item.name.rsplit(".", 1)[1].lower()
    if known is None and "/" in mime:
        return mime.split("/", 1)[1].split("+", 1)[0]
    return ""


def tags_of(item: FileItem) -> list[str]:
    """The file's tags and the names of its AITags."""
    ai = [str(tag.get("name")) for tag in item.ai_tags or [] if isinstance(tag, dict) and tag.get("name") is not None]
    return [*(item.tags or []), *ai]


def original_date_of(entry: Entry) -> datetime:
    """``ORIGINAL_CREATION_DATE``: the embedded ``DateTimeOriginal`` when it reads as a date, else ``createdAt``."""
    if isinstance(entry, FileItem):
        found = _embedded_date(entry)
        if found is not None:
            return found
    return entry.created_at


def _embedded_date(item: FileItem) -> datetime | None:
    embedded = item.embedded_metadata or {}
    value = embedded.get("DateTimeOriginal")
    return _stored_date(value) if isinstance(value, str) else None


def _stored_date(text: str) -> datetime | None:
    """A stored date: ISO 8601, or EXIF's ``2020:01:31 10:00:00``; without an offset it is UTC."""
    exif = _EXIF_DATE.fullmatch(text.strip())
    candidate = f"{exif.group(1)}-{exif.group(2)}-{exif.group(3)}{exif.group(4) or ''}" if exif else text.strip()
    try:
        at = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# ------------------------------------------------------------------ comparisons


def _tokens(text: str) -> list[str]:
    return [token.casefold() for token in _TOKEN.findall(text)]


def has_text(values: Iterable[str], query: str) -> bool:
    """``HAS``: every token of ``query`` is a token of one of ``values`` (case-insensitive), the last a prefix."""
    wanted = _tokens(query)
    if not wanted:
        return False
    tokens = {token for value in values for token in _tokens(value)}
    *whole, last = wanted
    return all(token in tokens for token in whole) and any(token.startswith(last) for token in tokens)


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):  # DynamoDB gives numbers back as Decimal
        try:
            return float(value)
        except (ValueError, OverflowError, InvalidOperation):
            return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _as_date(value: Any, now: datetime) -> datetime | None:
    if isinstance(value, AbsoluteDate | RelativeDate):
        return _ms(value.resolve(now))
    if isinstance(value, datetime):
        return _ms(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, str):
        parsed = date_value(value)
        if parsed is not None:
            return _ms(parsed.resolve(now))
        stored = _stored_date(value)
        return None if stored is None else _ms(stored)
    return None


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(have: Any, op: str, value: Any, convert: Callable[[Any], Any]) -> bool:
    """``have op value`` after ``convert`` on both (None: not comparable, no match); ``IN`` is ``=`` to any."""
    if have is None or (op not in _ORDER and op != "IN"):
        return False
    left = convert(have)
    if left is None:
        return False
    wanted = value if op == "IN" and isinstance(value, tuple) else (value,)
    test = _ORDER["=" if op == "IN" else op]  # ":" or HAS on a number or a date: no such comparison (above)
    for each in wanted:
        right = convert(each)
        if right is not None and test(left, right):
            return True
    return False


def _equal_any(have: Iterable[Any], value: Any) -> bool:
    wanted = value if isinstance(value, tuple) else (value,)
    items = list(have)
    return any(_same(a, b) for a in items for b in wanted)


def _same(a: Any, b: Any) -> bool:
    """Equality of a stored value and a query value: numbers by value, booleans only with booleans."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    number_a, number_b = _as_number(a), _as_number(b)
    if isinstance(a, int | float | Decimal) or isinstance(b, int | float | Decimal):
        return number_a is not None and number_b is not None and number_a == number_b
    return isinstance(a, str) and isinstance(b, str) and a == b


def _text_op(have: str | None, op: str, value: Any) -> bool:
    """``name`` and Text-like values: ``=``, ``:`` (prefix), ``IN``, ``HAS`` (negations handled by the caller)."""
    if have is None:
        return False
    if op == "HAS":
        return isinstance(value, str) and has_text([have], value)
    if op == ":":
        return isinstance(value, str) and have.startswith(value)
    wanted = value if isinstance(value, tuple) else (value,)
    return any(isinstance(each, str) and each == have for each in wanted)  # text equals text only


def _negated(op: str) -> str | None:
    return {"NOT =": "=", "NOT IN": "IN", "NOT EXISTS": "EXISTS"}.get(op)


# ------------------------------------------------------------------ fields


def _name(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
    return _text_op(entry.name, op, value)


def _tags(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
    tags = tags_of(entry) if isinstance(entry, FileItem) else []
    if op == "EXISTS":
        return bool(tags)
    if op == "HAS":
        return isinstance(value, str) and has_text(tags, value)
    return _equal_any(tags, value)


def _type(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
    return _equal_any([kind_of(entry)], value)


def _id(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
    return _equal_any([id_of(entry)], value)


def _date_field(name: str) -> Callable[[Entry, str, Any, Context], bool]:
    def check(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
        return _compare(getattr(entry, name), op, value, lambda v: _as_date(v, ctx.now))

    return check


def _number_field(name: str) -> Callable[[Entry, str, Any, Context], bool]:
    def check(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
        have = getattr(entry, name, None) if isinstance(entry, FileItem) else None
        return _compare(have, op, value, _as_number)

    return check


def _never(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
    return False


def _format(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
    if not isinstance(entry, FileItem):
        return False
    wanted = value if isinstance(value, tuple) else (value,)
    have = format_of(entry)
    return any(isinstance(w, str) and w.lower().lstrip(".") == have for w in wanted)


def _flag(name: str) -> Callable[[Entry, str, Any, Context], bool]:
    def check(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
        have = getattr(entry, name, None) if isinstance(entry, FileItem) else None
        return isinstance(have, bool) and isinstance(value, bool) and have is value

    return check


def _within(folder: str, value: str) -> bool:
    root = _folder(value)
    return root in ("/", folder) or folder.startswith(root + "/")


def _folder(value: str) -> str:
    stripped = value.strip("/")
    return "/" + stripped if stripped else "/"


def _path(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
    folder = folder_of_entry(entry)
    if op == ":":
        return isinstance(value, str) and _within(folder, value)
    wanted = value if isinstance(value, tuple) else (value,)
    return any(isinstance(w, str) and _folder(w) == folder for w in wanted)


def _keywords(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
    embedded = entry.embedded_metadata if isinstance(entry, FileItem) else None
    raw = (embedded or {}).get("Keywords")
    keywords = [raw] if isinstance(raw, str) else [str(k) for k in raw] if isinstance(raw, list) else []
    if op == "EXISTS":
        return bool(keywords)
    return _equal_any(keywords, value)


def _original_date(entry: Entry, op: str, value: Any, ctx: Context) -> bool:
    have = _embedded_date(entry) if isinstance(entry, FileItem) else None
    return _compare(have, op, value, lambda v: _as_date(v, ctx.now))


_FIELDS: dict[str, Callable[[Entry, str, Any, Context], bool]] = {
    "name": _name,
    "tags": _tags,
    "type": _type,
    "id": _id,
    "createdAt": _date_field("created_at"),
    "updatedAt": _date_field("updated_at"),
    "width": _number_field("width"),
    "height": _number_field("height"),
    "size": _number_field("size"),
    "videoDuration": _never,
    "format": _format,
    "private": _flag("is_private_file"),
    "published": _flag("is_published"),
    "transparency": _flag("has_alpha"),
    "createdBy": _never,
    "path": _path,
    "embeddedMetadata.Keywords": _keywords,
    "embeddedMetadata.DateTimeOriginal": _original_date,
}


def _schema_of(stored: Any) -> str:
    if isinstance(stored, bool):
        return "Boolean"
    if isinstance(stored, int | float | Decimal):
        return "Number"
    if isinstance(stored, list):
        return "MultiSelect"
    return "Text"


def _multi_select(stored: Any, op: str, value: Any, ctx: Context) -> bool:
    values = stored if isinstance(stored, list) else [stored]
    if op == "HAS":
        return isinstance(value, str) and has_text([str(v) for v in values], value)
    if op in ("=", "IN"):
        return _equal_any(values, value)
    return any(_compare(v, op, value, _as_number) for v in values)


def _number_value(stored: Any, op: str, value: Any, ctx: Context) -> bool:
    return op != "HAS" and _compare(stored, op, value, _as_number)


def _date_value(stored: Any, op: str, value: Any, ctx: Context) -> bool:
    return op != "HAS" and _compare(stored, op, value, lambda v: _as_date(v, ctx.now))


def _boolean_value(stored: Any, op: str, value: Any, ctx: Context) -> bool:
    return op in ("=", "IN") and _equal_any([stored], value)


def _text_value(stored: Any, op: str, value: Any, ctx: Context) -> bool:
    """Text, Textarea and SingleSelect: ``=``/``IN`` by value, ``:`` prefix and ``HAS`` on text, comparisons of
    text by code point."""
    if op in ("<", "<=", ">", ">="):
        return isinstance(stored, str) and isinstance(value, str) and _ORDER[op](stored, value)
    if isinstance(stored, str):
        return _text_op(stored, op, value)
    return op in ("=", "IN") and _equal_any([stored], value)


_SCHEMAS: dict[str, Callable[[Any, str, Any, Context], bool]] = {
    "MultiSelect": _multi_select,
    "Number": _number_value,
    "Date": _date_value,
    "Boolean": _boolean_value,
}


def _custom(entry: Entry, name: str, op: str, value: Any, ctx: Context) -> bool:
    metadata = entry.custom_metadata if isinstance(entry, FileItem) else {}
    stored = metadata.get(name)
    if stored is None:
        return False
    schema = ctx.field_types.get(name) or _schema_of(stored)
    return _SCHEMAS.get(schema, _text_value)(stored, op, value, ctx)


CUSTOM_PREFIX = "customMetadata."


def _clause(entry: Entry, clause: Clause, ctx: Context) -> bool:
    positive = _negated(clause.op)
    op = positive or clause.op
    if clause.field.startswith(CUSTOM_PREFIX):
        found = _custom(entry, clause.field[len(CUSTOM_PREFIX) :], op, clause.value, ctx)
    else:
        check = _FIELDS.get(clause.field)
        found = check(entry, op, clause.value, ctx) if check else False
    return not found if positive else found


def matches(query: Query | None, entry: Entry, ctx: Context) -> bool:
    """Whether ``entry`` is found by ``query`` (None: no query, everything is)."""
    if query is None:
        return True
    if isinstance(query, And):
        return all(matches(item, entry, ctx) for item in query.items)
    if isinstance(query, Or):
        return any(matches(item, entry, ctx) for item in query.items)
    return _clause(entry, query, ctx)


def clauses(query: Query | None) -> list[Clause]:
    if query is None:
        return []
    if isinstance(query, Clause):
        return [query]
    return [clause for item in query.items for clause in clauses(item)]


def text_clauses(query: Query | None) -> list[Clause]:
    """The ``HAS`` clauses: what ``RELEVANCE`` ranks by."""
    return [clause for clause in clauses(query) if clause.op == "HAS"]


def relevance(query: Query | None, entry: Entry, ctx: Context) -> int:
    """How many of the query's ``HAS`` clauses the entry satisfies."""
    return sum(1 for clause in text_clauses(query) if _clause(entry, clause, ctx))


def custom_fields(query: Query | None) -> list[str]:
    return [c.field[len(CUSTOM_PREFIX) :] for c in clauses(query) if c.field.startswith(CUSTOM_PREFIX)]


# ------------------------------------------------------------------ the plan: what to read, in which order


class Kind(StrEnum):
    """The three listings, in the order a listing groups them: folders first (as ImageKit lists), then files,
    then file versions."""

    FOLDERS = "folders"
    FILES = "files"
    VERSIONS = "versions"


_KIND_OF_TYPE = {"folder": Kind.FOLDERS, "file": Kind.FILES, "file-version": Kind.VERSIONS}
_KINDS_OF_LIST_TYPE = {
    ListType.FILE: (Kind.FILES,),
    ListType.FILE_VERSION: (Kind.VERSIONS,),
    ListType.FOLDER: (Kind.FOLDERS,),
    ListType.ALL: (Kind.FOLDERS, Kind.FILES),
}


class Scope(StrEnum):
    ACCOUNT = "account"  # the account's listings (GSI2, by creation time)
    FOLDER = "folder"  # one folder's direct children (GSI1 by name, GSI3 by creation time)
    TREE = "tree"  # a folder and its subfolders (walked folder by folder)


class Order(StrEnum):
    CREATED = "created"  # the index's own order: read lazily, stop after skip + limit
    NAME = "name"  # a folder's children by name (GSI1): lazily too
    SORTED = "sorted"  # read everything the scope holds, then sort


@dataclass(frozen=True)
class Plan:
    """What a listing reads: ``kinds`` in this order, within ``scope`` (``folder`` is the folder of a FOLDER or
    TREE scope), and whether the index order is the answer's order (``ascending`` then says which way)."""

    kinds: tuple[Kind, ...]
    scope: Scope
    folder: str
    order: Order
    ascending: bool


def searched_kinds(query: Query | None) -> tuple[Kind, ...]:
    """What a search reads: folders and current files, and file versions only when the query names
    ``"file-version"`` in a ``type =`` or ``type IN`` clause (versions are searched only when asked for, seed 001);
    narrowed to the types a top-level ``type =``/``IN`` clause allows."""
    named = {
        value
        for clause in clauses(query)
        if clause.field == "type" and clause.op in ("=", "IN")
        for value in (clause.value if isinstance(clause.value, tuple) else (clause.value,))
    }
    kinds = [Kind.FOLDERS, Kind.FILES, *([Kind.VERSIONS] if "file-version" in named else [])]
    for clause in _top_level(query):
        if clause.field == "type" and clause.op in ("=", "IN"):
            values = clause.value if isinstance(clause.value, tuple) else (clause.value,)
            allowed = {_KIND_OF_TYPE[v] for v in values if isinstance(v, str) and v in _KIND_OF_TYPE}
            kinds = [kind for kind in kinds if kind in allowed]
    return tuple(kinds)


def _top_level(query: Query | None) -> Sequence[Clause]:
    """The clauses every match must satisfy: the query itself, or the clauses of its top-level AND."""
    if isinstance(query, Clause):
        return [query]
    if isinstance(query, And):
        return [item for item in query.items if isinstance(item, Clause)]
    return []


def _scope(query: Query | None, path: str | None) -> tuple[Scope, str]:
    if path is not None:
        return Scope.FOLDER, _folder(path)
    top = _top_level(query)
    for clause in top:
        if clause.field == "path" and clause.op == "=" and isinstance(clause.value, str):
            return Scope.FOLDER, _folder(clause.value)
    for clause in top:
        if clause.field == "path" and clause.op == ":" and isinstance(clause.value, str):
            folder = _folder(clause.value)
            return (Scope.ACCOUNT, "/") if folder == "/" else (Scope.TREE, folder)
    return Scope.ACCOUNT, "/"


def plan(query: Query | None, *, list_type: ListType, path: str | None, sort: str) -> Plan:
    """The cheapest read that answers the listing: the folder's children for ``path`` (the parameter or a top-level
    ``path =`` clause), a walk of the folder's tree for a top-level ``path :``, else the account's listings; in the
    index's own order when the sort is that order (creation time everywhere, name within one folder), so that a
    page reads about ``skip + limit`` entries."""
    kinds = searched_kinds(query) if query is not None else _KINDS_OF_LIST_TYPE[list_type]
    scope, folder = _scope(query, path)
    direction, _, key = sort.partition("_")
    if key == "RELEVANCE" and not text_clauses(query):
        key = "CREATED"
    order = Order.SORTED
    if key == "CREATED" and scope is not Scope.TREE and not (scope is Scope.FOLDER and Kind.VERSIONS in kinds):
        order = Order.CREATED
    elif key == "NAME" and scope is Scope.FOLDER and Kind.VERSIONS not in kinds:
        order = Order.NAME
    return Plan(kinds=kinds, scope=scope, folder=folder, order=order, ascending=direction == "ASC")


# ------------------------------------------------------------------ sorting


def _sort_value(entry: Entry, key: str, relevance_of: Callable[[Entry], int]) -> Any:
    """The value a sort compares, or None when the entry has none (it then sorts last either way)."""
    if key == "NAME":
        return entry.name
    if key == "CREATED":
        return entry.created_at
    if key == "UPDATED":
        return entry.updated_at
    if key == "ORIGINAL_CREATION_DATE":
        return original_date_of(entry)
    if key == "RELEVANCE":
        return (relevance_of(entry), entry.created_at)
    if key in ("HEIGHT", "WIDTH", "SIZE") and isinstance(entry, FileItem):
        return getattr(entry, key.lower())
    return None  # DURATION: no stored file has one; a folder has no size, width or height


def sort_entries(
    entries: Iterable[Entry], sort: str, *, kinds: Sequence[Kind], relevance_of: Callable[[Entry], int]
) -> list[Entry]:
    """``entries`` grouped by kind in the order of ``kinds`` (folders, files, versions), each group by ``sort``
    (``ASC_``/``DESC_`` + key): ties by id (reversed with the direction, as an index reads), entries without a
    value last in both directions, by id. ``RELEVANCE`` without a ``HAS`` clause is ``CREATED``."""
    direction, _, key = sort.partition("_")
    group_of = {kind: index for index, kind in enumerate(kinds)}
    groups: dict[int, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(group_of.get(_kind(entry), len(kinds)), []).append(entry)
    ordered: list[Entry] = []
    for index in sorted(groups):
        valued = [
            (value, entry) for entry in groups[index] if (value := _sort_value(entry, key, relevance_of)) is not None
        ]
        missing = [entry for entry in groups[index] if _sort_value(entry, key, relevance_of) is None]
        valued.sort(key=lambda pair: (pair[0], id_of(pair[1]), _version_id(pair[1])), reverse=direction == "DESC")
        ordered += [entry for _, entry in valued] + sorted(missing, key=lambda e: (id_of(e), _version_id(e)))
    return ordered


def _version_id(entry: Entry) -> str:
    return entry.version_id if isinstance(entry, FileItem) else ""


def _kind(entry: Entry) -> Kind:
    return _KIND_OF_TYPE[kind_of(entry)]
