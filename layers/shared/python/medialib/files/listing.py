"""``GET /v1/files``: list and search the account's files, file versions and folders.

The query is parsed (``files/search.py``), a plan chooses the cheapest read (``files/evaluation.plan``), and the
entries read are filtered by the pure evaluator, then ordered and paged. Every read is a Query on the account's own
partitions (``files/store.py``), never a Scan: a folder's children (by name, or by creation time), a walk of a
folder's tree, the account's listings by creation time, a file's versions. docs/search.md says what each costs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import chain, islice

from medialib.fields.service import field_types
from medialib.files import service
from medialib.files.evaluation import (
    Context,
    Kind,
    Order,
    Plan,
    Scope,
    custom_fields,
    matches,
    plan,
    relevance,
    sort_entries,
)
from medialib.files.models import FileItem, FileResponse, FolderItem, FolderResponse, ListFilesQuery
from medialib.files.rules import (
    as_listed_version,
    matches_file_type,
    matches_published,
    to_file_response,
    to_folder_response,
)
from medialib.files.search import Query, parse
from medialib.files.store import Child, Entry, Listing

_LISTING = {Kind.FOLDERS: Listing.FOLDERS, Kind.FILES: Listing.FILES, Kind.VERSIONS: Listing.VERSIONS}
_CHILD = {Kind.FOLDERS: Child.FOLDER, Kind.FILES: Child.FILE}


def list_files(
    account_id: str, query: ListFilesQuery, base_url: str, now: datetime | None = None
) -> list[FileResponse | FolderResponse]:
    """One page of ``GET /v1/files``. ``type`` is ignored when ``searchQuery`` is given (the query's ``type``
    clauses decide; without one, folders and current files are searched). ``path`` (this folder only),
    ``fileType`` and ``isPublished`` apply with or without a query; all filters apply before ``skip`` and
    ``limit``, so a page holds what matched. A malformed query is a 400 INVALID_SEARCH_QUERY naming the character."""
    search = parse(query.search_query) if query.search_query else None
    chosen = plan(search, list_type=query.type, path=query.path, sort=query.sort)
    ctx = Context(now=now or datetime.now(UTC), field_types=_field_types(account_id, search))
    found: Iterator[Entry] = (
        entry
        for entry in _read(account_id, chosen, _page_size(query, chosen, filtered=search is not None))
        if matches_file_type(entry, query.file_type)
        and matches_published(entry, query.is_published)
        and matches(search, entry, ctx)
    )
    if chosen.order is Order.SORTED:
        found = iter(
            sort_entries(found, query.sort, kinds=chosen.kinds, relevance_of=lambda e: relevance(search, e, ctx))
        )
    page = islice(found, query.skip, query.skip + query.limit)
    return [_to_response(entry, base_url) for entry in page]


def _field_types(account_id: str, search: Query | None) -> dict[str, str]:
    """The account's custom metadata field types (the fields domain's), read only when the query has a
    ``customMetadata`` clause."""
    return field_types(account_id) if custom_fields(search) else {}


MAX_PAGE = 1000  # items per Query page when a listing filters or sorts what it reads (DynamoDB stops at 1 MB)


def _page_size(query: ListFilesQuery, chosen: Plan, *, filtered: bool) -> int:
    """Large pages when the listing reads everything (sorted in memory) or filters what it reads; else the page
    the caller asked for, so that a plain listing reads about ``skip + limit`` items in one round trip."""
    if filtered or chosen.order is Order.SORTED or query.file_type.value != "all" or query.is_published is not None:
        return MAX_PAGE
    return max(1, min(MAX_PAGE, query.skip + query.limit))


def _read(account_id: str, chosen: Plan, page: int) -> Iterator[Entry]:
    """The entries the plan reads, kind by kind, in the index's order (lazily: a page stops the reads)."""
    store, ascending = service.store, chosen.ascending
    if chosen.scope is Scope.ACCOUNT:
        listings = [_LISTING[kind] for kind in chosen.kinds]
        return store.account_entries(account_id, listings, ascending=ascending, page_size=page)
    if chosen.scope is Scope.FOLDER and chosen.order is Order.CREATED:
        return chain.from_iterable(
            store.folder_children_by_created(
                account_id, chosen.folder, only=_CHILD[kind], ascending=ascending, page_size=page
            )
            for kind in chosen.kinds
        )
    if chosen.scope is Scope.FOLDER and chosen.order is Order.NAME:
        return chain.from_iterable(
            store.folder_children(account_id, chosen.folder, only=_CHILD[kind], ascending=ascending, page_size=page)
            for kind in chosen.kinds
        )
    folders = [chosen.folder] if chosen.scope is Scope.FOLDER else _tree(account_id, chosen.folder)
    return chain.from_iterable(_children(account_id, folder, chosen.kinds) for folder in folders)


def _tree(account_id: str, root: str) -> list[str]:
    """``root`` and every folder under it, breadth first, one Query per folder (its subfolders by name)."""
    found, pending = [root], [root]
    while pending:
        folder = pending.pop(0)
        for entry in service.store.folder_children(
            account_id, folder, only=Child.FOLDER, ascending=True, page_size=MAX_PAGE
        ):
            if isinstance(entry, FolderItem):
                found.append(entry.folder_path)
                pending.append(entry.folder_path)
    return found


def _children(account_id: str, folder: str, kinds: Iterable[Kind]) -> Iterator[Entry]:
    """A folder's direct children of ``kinds``; its files' non-current versions are read file by file (the
    versions of a file are one Query of the file's own partition)."""
    wanted = set(kinds)
    for entry in service.store.folder_children(account_id, folder, only=None, ascending=True, page_size=MAX_PAGE):
        if isinstance(entry, FolderItem):
            if Kind.FOLDERS in wanted:
                yield entry
            continue
        if Kind.FILES in wanted:
            yield entry
        if Kind.VERSIONS in wanted:
            yield from _older_versions(account_id, entry)


def _older_versions(account_id: str, current: FileItem) -> Iterator[FileItem]:
    for version in service.store.versions(account_id, current.file_id):
        if version.version_id != current.version_id:
            yield as_listed_version(version, current.version_id)


def _to_response(entry: Entry, base_url: str) -> FileResponse | FolderResponse:
    if isinstance(entry, FileItem):
        return to_file_response(entry, base_url)
    return to_folder_response(entry)
