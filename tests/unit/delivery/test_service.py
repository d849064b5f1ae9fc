"""The delivery use case with its store in memory (no AWS): what is read for which answer, and what is not."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image

from medialib.accounts import service as accounts
from medialib.accounts.models import Account, AccountSettings
from medialib.adapters.blobs import Bounded
from medialib.delivery import limits, rules, service
from medialib.delivery.models import Incoming, NotModified, Redirected, Served
from medialib.errors import BadRequestError, ForbiddenError, InternalError, NotFoundError, UnauthorizedError
from medialib.files.models import FileItem
from medialib.settings import clear_settings
from medialib.transform import engine

SECRET = "s" * 40


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 10)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class MemoryStore:
    """A DeliveryStore in memory that records every read, and refuses any while ``closed``."""

    files: dict[str, FileItem] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    renditions: dict[str, bytes] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    closed: bool = False

    def _read(self, what: str) -> None:
        if self.closed:
            raise AssertionError(f"read {what}")
        self.reads.append(what)

    def file_at(self, account_id: str, file_path: str) -> FileItem | None:
        self._read("file")
        return self.files.get(f"{account_id}{file_path}")

    def versions(self, account_id: str, file_id: str) -> list[FileItem]:
        self._read("versions")
        return [item for item in self.files.values() if item.file_id == file_id]

    def original(self, version: FileItem) -> bytes | None:
        self._read("original")
        return self.blobs.get(version.version_id)

    def rendition(self, key: str, max_bytes: int) -> Bounded | None:
        self._read("rendition")
        body = self.renditions.get(key)
        return None if body is None else Bounded(body if len(body) <= max_bytes else None, len(body))

    def put_rendition(self, key: str, body: bytes, content_type: str, cache_control: str) -> None:
        self.renditions[key] = body

    def original_url(self, version: FileItem, expires_in: int, disposition: str | None) -> str:
        return f"https://s3.example/originals/{version.version_id}?expires={expires_in}&cd={disposition}"

    def rendition_url(self, key: str, expires_in: int, disposition: str | None) -> str:
        return f"https://s3.example/{key}?expires={expires_in}"


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryStore]:
    for name, value in {"TABLE_NAME": "t", "ORIGINALS_BUCKET": "o", "RENDITIONS_BUCKET": "r"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DELIVERY_ORIGIN_SECRET", SECRET)
    clear_settings()
    memory = MemoryStore()
    account = Account(account_id="acc", public_key="public_key_1", private_key="private_key_1")
    monkeypatch.setattr(service, "store", memory)
    monkeypatch.setattr(service, "clock", lambda: 1_700_000_000.0)
    monkeypatch.setattr(accounts, "get_account", lambda account_id: account if account_id == "acc" else None)
    service.forget_accounts()
    yield memory
    service.forget_accounts()
    clear_settings()


def _put(store: MemoryStore, content: bytes, **fields: Any) -> FileItem:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    values: dict[str, Any] = {
        "account_id": "acc", "file_id": "f1", "version_id": "v1", "version_number": 1, "name": "a.png",
        "file_path": "/a.png", "file_type": "image", "mime": "image/png", "size": len(content),
        "object_token": "t1", "created_at": now, "updated_at": now,
    }  # fmt: skip
    item = FileItem.model_validate(values | fields)
    store.files[f"acc{item.file_path}"] = item
    store.blobs[item.version_id] = content
    return item


def _ask(path: str = "/acc/a.png", query: dict[str, list[str]] | None = None, **fields: Any) -> Any:
    return service.deliver(Incoming(path=path, query=query, origin_secret=fields.pop("secret", SECRET), **fields))


def test_the_origin_secret_is_checked_before_anything_is_read(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a file, When asked without the CDN's secret, Then 403 and nothing was read (not even the account)."""
    _put(store, _png(4, 2))
    store.closed = True
    monkeypatch.setattr(accounts, "get_account", lambda _: pytest.fail("the account was read"))
    with pytest.raises(ForbiddenError):
        _ask(secret=None)


def test_head_of_an_original_reads_no_bytes(store: MemoryStore) -> None:
    """Given a file, When HEAD asks for it, Then its headers and no body, and the object was not read."""
    _put(store, _png(4, 2))
    answer = _ask(head=True)
    assert isinstance(answer, Served) and answer.body == b"" and answer.content_type == "image/png"
    assert "original" not in store.reads


def test_a_large_original_is_redirected_without_being_read(store: MemoryStore) -> None:
    """Given a file over the inline limit (by its record), When asked with ik-attachment, Then a redirect to it with
    the attachment header, and the object was not read."""
    _put(
        store,
        b"x",
        size=limits.MAX_INLINE_BYTES + 1,
        name="big.bin",
        mime="application/octet-stream",
        file_type="non-image",
    )
    answer = _ask(query={"ik-attachment": ["true"]})
    assert isinstance(answer, Redirected) and 'filename="big.bin"' in answer.location
    assert answer.headers == {"Cache-Control": "public, max-age=60"} and "original" not in store.reads


def test_a_missing_object_is_an_internal_error(store: MemoryStore) -> None:
    """Given a record whose object is gone, When asked, Then 500 (logged), not an empty 200."""
    item = _put(store, _png(4, 2))
    del store.blobs[item.version_id]
    with pytest.raises(InternalError):
        _ask()


def test_304_reads_only_records(store: MemoryStore) -> None:
    """Given a rendition's ETag, When asked with If-None-Match, Then 304 after reading the file record only."""
    _put(store, _png(4, 2))
    first = _ask(query={"tr": ["w-2"]})
    store.reads.clear()
    again = _ask(query={"tr": ["w-2"]}, if_none_match=first.headers["ETag"])
    assert isinstance(again, NotModified) and store.reads == ["file"]


def test_a_hit_is_served_from_the_renditions_store_without_rendering(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a rendition made once, When asked again, Then the same bytes without a render."""
    _put(store, _png(4, 2))
    made = _ask(query={"tr": ["w-2"]})
    monkeypatch.setattr(engine, "render", lambda *_, **__: pytest.fail("rendered twice"))
    again = _ask(query={"tr": ["w-2"]})
    assert isinstance(made, Served) and isinstance(again, Served) and again.body == made.body
    assert Image.open(io.BytesIO(again.body)).size == (2, 1) and len(store.renditions) == 1


def test_accounts_are_remembered_but_unknown_ones_are_not(store: MemoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a delivered file, When its account is asked again, Then no second account read; an unknown account is
    read every time (a new account works at once)."""
    _put(store, _png(4, 2))
    reads: list[str] = []
    real = accounts.get_account

    def counted(account_id: str) -> Account | None:
        reads.append(account_id)
        return real(account_id)

    monkeypatch.setattr(accounts, "get_account", counted)
    _ask()
    _ask()
    for _ in range(2):
        with pytest.raises(NotFoundError):
            _ask("/nobody/a.png")
    assert reads == ["acc", "nobody", "nobody"]


def test_a_redirect_of_a_signed_url_is_not_cached_past_its_expiry(store: MemoryStore) -> None:
    """Given a private file over the inline limit and a URL signed to expire in 10 s, When asked, Then 302 whose
    Cache-Control lets no cache keep it past the URL's expiry (a cached 302 is served without a signature check)."""
    _put(store, b"x", size=limits.MAX_INLINE_BYTES + 1, is_private_file=True)
    expiry = str(1_700_000_000 + 10)
    request = rules.parse_request("/acc/a.png", {"ik-t": [expiry]})
    signature = rules.sign("private_key_1", rules.strings_to_sign(request)[0])
    answer = _ask(query={"ik-t": [expiry], "ik-s": [signature]})
    assert isinstance(answer, Redirected)
    assert answer.headers["Cache-Control"] == "public, max-age=10"


def test_a_named_transformation_cannot_serve_a_private_original_unsigned(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a private file and an account whose named transformation is orig-true, When tr:n-<it> is asked
    unsigned, Then the original is not served (named ones are unsigned for private files, the original is not)."""
    _put(store, _png(4, 2), is_private_file=True)
    account = Account(
        account_id="acc",
        public_key="public_key_1",
        private_key="private_key_1",
        settings=AccountSettings(named_transformations={"full": "orig-true"}),
    )
    monkeypatch.setattr(accounts, "get_account", lambda account_id: account)
    with pytest.raises((BadRequestError, UnauthorizedError)):
        _ask("/acc/tr:n-full/a.png")
