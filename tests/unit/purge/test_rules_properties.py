"""Properties of the purge rules, over generated paths (hypothesis)."""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medialib.errors import BadRequestError
from medialib.purge.rules import PurgeTarget, check_wildcard, invalidation_paths, parse_purge_url

ENDPOINTS = ["http://127.0.0.1:3000/dev"]
# Path characters: any printable text (unicode included) but the separators the URL syntax gives a meaning.
_CHAR = st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="/*?#%")
_SEGMENT = st.text(_CHAR, min_size=1, max_size=12).filter(lambda s: s not in {".", ".."})
PATHS = st.lists(_SEGMENT, min_size=1, max_size=5).map(lambda segments: "/" + "/".join(segments))


@given(PATHS, PATHS)
def test_a_star_anywhere_but_the_end_is_refused(before: str, after: str) -> None:
    """Given a path with a * followed by more characters, When checked, Then 400."""
    with pytest.raises(BadRequestError, match="not its last character"):
        check_wildcard(f"{before}*{after}")


@given(PATHS)
def test_a_path_without_a_star_is_never_a_wildcard(path: str) -> None:
    """Given a path without *, When checked and parsed, Then it passes and the target is no wildcard."""
    check_wildcard(path)
    target = parse_purge_url(f"{ENDPOINTS[0]}{quote(path)}", ENDPOINTS)
    assert target == PurgeTarget("dev", path, wildcard=False)


@given(PATHS, st.booleans(), st.booleans())
def test_every_invalidation_path_is_under_the_account(path: str, star: bool, encode: bool) -> None:
    """Given any URL the rules accept, When turned into CloudFront paths, Then each starts with /dev/ and ends
    with the * that clears the query-string variants."""
    url = f"{ENDPOINTS[0]}{quote(path) if encode else path}{'*' if star else ''}"
    try:
        target = parse_purge_url(url, ENDPOINTS)
    except BadRequestError:
        return
    paths = invalidation_paths(target)
    assert paths
    assert all(p.startswith("/dev/") and p.endswith("*") and p.count("*") == 1 for p in paths)


@given(PATHS, st.booleans())
def test_percent_encoding_round_trips(path: str, star: bool) -> None:
    """Given a decoded path, When encoded for CloudFront, Then every form decodes back to it, is plain ASCII with
    no space, and parsing that form as a URL finds the same target."""
    target = PurgeTarget("dev", path + ("*" if star else ""), wildcard=star)
    for encoded in invalidation_paths(target):
        assert encoded.isascii() and " " not in encoded
        assert unquote(encoded.removesuffix("*"), errors="strict") == f"/dev{path}"
    if star:
        return
    for encoded in invalidation_paths(target):
        assert parse_purge_url(f"http://127.0.0.1:3000{encoded.removesuffix('*')}", ENDPOINTS) == target


@given(PATHS)
def test_another_accounts_path_is_never_purged(path: str) -> None:
    """Given any path under another account id on our host, When parsed, Then 400 not this account's."""
    with pytest.raises(BadRequestError, match="not this account's"):
        parse_purge_url(f"http://127.0.0.1:3000/acme{quote(path)}", ENDPOINTS)
