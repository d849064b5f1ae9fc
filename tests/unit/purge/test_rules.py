"""The purge rules (seed 003): which URLs an account may purge, which wildcards are allowed, and the CloudFront
paths that clear them. Each id reads as the rule the case proves."""

from __future__ import annotations

import pytest

from medialib.errors import BadRequestError
from medialib.purge.rules import (
    MAX_URL_LENGTH,
    PurgeTarget,
    check_wildcard,
    invalidation_paths,
    parse_purge_url,
)

ENDPOINT = "http://127.0.0.1:3000/dev"
ENDPOINTS = [ENDPOINT, "https://media.example.com/dev"]

# (path after the account id, accepted?) — the seed's own examples first, quoted.
WILDCARDS = [
    # seed: "the path /images/upload* is valid, but /images* is not"
    pytest.param("/images/upload*", True, id="seed: /images/upload* has two levels of nesting"),
    pytest.param("/images*", False, id="seed: /images* has one level and fewer than 15 characters"),
    # seed: "PATTERN/LEVEL_1/LEVEL_2*" valid by nesting
    pytest.param("/LEVEL_1/LEVEL_2*", True, id="seed: LEVEL_1/LEVEL_2* has two levels"),
    pytest.param("/LEVEL_1*", False, id="seed: LEVEL_1* has one level of 7 characters"),
    # seed: "PATTERN/FIFTEEN_CHARACTERS*" valid by length
    pytest.param("/FIFTEEN_CHARACTERS*", True, id="seed: FIFTEEN_CHARACTERS* is at least 15 characters"),
    # seed: "the path /sample.jpg* is valid, despite not being 15 characters long, or having two levels of nesting"
    pytest.param("/sample.jpg*", True, id="seed: /sample.jpg* is a complete file path with an extension"),
    # seed: "/folder/*/sample.jpg is an invalid path"
    pytest.param("/folder/*/sample.jpg", False, id="seed: /folder/*/sample.jpg has a wildcard within the path"),
    # seed: "media/catalog/*" and "s/files/*" are unconditionally not supported
    pytest.param("/media/catalog/*", False, id="seed: media/catalog/* is never allowed"),
    pytest.param("/s/files/*", False, id="seed: s/files/* is never allowed"),
    pytest.param("/media/catalog*", False, id="a wildcard covering all of media/catalog/ is never allowed"),
    pytest.param("/s/files*", False, id="a wildcard covering all of s/files/ is never allowed"),
    pytest.param("/media/catalog/product/*", True, id="a folder deeper than media/catalog/ is allowed"),
    pytest.param("/s/files/1/*", True, id="a folder deeper than s/files/ is allowed"),
    pytest.param("/folder/sub/*", True, id="folder/sub/* has two levels"),
    pytest.param("/a/b*", True, id="two one-letter levels are enough"),
    pytest.param("/a/b/c/d*", True, id="more than two levels are allowed"),
    pytest.param("/images/*", False, id="images/* has one level: it purges the whole folder like images*"),
    pytest.param("/abcdefghijklmno*", True, id="exactly 15 characters is enough"),
    pytest.param("/abcdefghijklmn*", False, id="14 characters in one level is not enough"),
    pytest.param("/abcdefghijklmn/*", True, id="15 characters counting the trailing slash is enough"),
    pytest.param("/photo.png*", True, id="photo.png* names a file with an extension"),
    pytest.param("/a.b*", True, id="a one-letter name with a one-letter extension is a file"),
    pytest.param("/sample.*", False, id="sample.* has no extension yet"),
    pytest.param("/.jpg*", False, id=".jpg* is a hidden name, not a file with an extension"),
    pytest.param("/sample*", False, id="sample* has no extension, one level, 6 characters"),
    pytest.param("/*", False, id="a wildcard on the whole account is refused"),
    pytest.param("/**", False, id="two stars at the end are refused"),
    pytest.param("/folder/sub/**", False, id="two stars are refused even on an allowed prefix"),
    pytest.param("/*/folder/sub", False, id="a star at the start is refused"),
    pytest.param("/folder/sub/a*b", False, id="a star inside a file name is refused"),
    pytest.param("/images/upload/*", True, id="images/upload/* has two levels"),
    pytest.param("/folder//*", False, id="empty segments are no level: folder//* has one"),
    pytest.param("/folder/sub/photo.jpg*", True, id="a file two levels deep"),
    pytest.param("/a/sample.jpg*", True, id="a file one level deep with an extension"),
    pytest.param("/folder/archive.tar.gz*", True, id="a file with a double extension"),
    pytest.param("/v1.2*", True, id="a name with a dot and a digit extension counts as a file"),
    pytest.param("/abcdefghijklmnopqrstuvwxyz*", True, id="a long prefix of one level is allowed"),
    pytest.param("/images/upload", True, id="a path without a star is no wildcard and always passes"),
    pytest.param("/x", True, id="a short path without a star always passes"),
    pytest.param("/média/été*", True, id="unicode: two levels are counted in decoded characters"),
    pytest.param("/日本語の画像ファイルの名前です*", True, id="unicode: 15 decoded characters are enough"),
    pytest.param("/写真*", False, id="unicode: 2 characters in one level are not enough"),
]


@pytest.mark.parametrize(("path", "accepted"), WILDCARDS)
def test_wildcard_rules(path: str, accepted: bool) -> None:
    """Given the path after the account id, When its wildcard is checked, Then it passes or a 400 says why."""
    if accepted:
        check_wildcard(path)
        assert parse_purge_url(f"{ENDPOINT}{path}", ENDPOINTS).path == path
    else:
        with pytest.raises(BadRequestError) as raised:
            check_wildcard(path)
        assert raised.value.status == 400
        assert raised.value.reason == "INVALID_PURGE_URL"
        assert path in raised.value.message


# (URL, the words the 400 message must contain) — URLs an account may not purge.
REFUSED_URLS = [
    pytest.param("", "empty", id="an empty URL"),
    pytest.param("   ", "empty", id="a blank URL"),
    pytest.param("ftp://127.0.0.1:3000/dev/a.jpg", "http:// or https://", id="ftp is not http or https"),
    pytest.param("/dev/a.jpg", "absolute", id="a relative URL"),
    pytest.param("http://127.0.0.1:3000/other/a.jpg", "not this account's", id="another account's path on our host"),
    pytest.param("https://media.example.com/acme/x.png", "not this account's", id="another account on our CDN"),
    pytest.param("http://127.0.0.1:3000/devx/a.jpg", "not this account's", id="the account id must match whole"),
    pytest.param("http://127.0.0.1:3000/DEV/a.jpg", "not this account's", id="the account id compares exactly"),
    pytest.param("http://evil.example.com/dev/a.jpg", "not on this account's delivery endpoint", id="another host"),
    pytest.param("http://127.0.0.1:3001/dev/a.jpg", "not on this account's delivery endpoint", id="another port"),
    pytest.param("http://127.0.0.1:3000/", "must start with http://127.0.0.1:3000/dev", id="the host alone"),
    pytest.param("http://127.0.0.1:3000/dev", "names no file", id="the account alone names no file"),
    pytest.param("http://127.0.0.1:3000/dev/", "names no file", id="the account folder names no file"),
    pytest.param("http://127.0.0.1:3000/dev/*", "whole account", id="a wildcard on the whole account"),
    pytest.param("http://u:p@127.0.0.1:3000/dev/a.jpg", "credentials", id="userinfo in the URL"),
    pytest.param("http://127.0.0.1:3000/dev/a/b/*?tr=w-100", "last character", id="a query after the wildcard"),
    pytest.param("http://127.0.0.1:3000/dev/a.jpg?tr=*", "last character", id="a star in the query"),
    pytest.param("http://127.0.0.1:3000/dev/%FF.jpg", "UTF-8", id="percent-escapes that are not UTF-8"),
    pytest.param("http://127.0.0.1:3000/dev/a%00.jpg", "control character", id="an encoded control character"),
    pytest.param("http://127.0.0.1:3000/dev/../acme/a.jpg", "'..'", id="a dot-dot segment cannot leave the account"),
    pytest.param("http://127.0.0.1:3000/dev/a%2fb.jpg", "encoded slash", id="an encoded slash names no file"),
    pytest.param("http://127.0.0.1:3000/dev/./a.jpg", "'.'", id="a dot segment"),
    pytest.param("http://127.0.0.1:3000/dev/images*", "too broad", id="a too broad wildcard in a URL"),
    pytest.param("http://[::1/dev/a.jpg", "cannot be read", id="a URL that cannot be parsed"),
]


@pytest.mark.parametrize(("url", "words"), REFUSED_URLS)
def test_refused_urls_say_why(url: str, words: str) -> None:
    """Given a URL this account may not purge, When parsed, Then a 400 INVALID_PURGE_URL says why."""
    with pytest.raises(BadRequestError) as raised:
        parse_purge_url(url, ENDPOINTS)
    assert raised.value.status == 400
    assert raised.value.reason == "INVALID_PURGE_URL"
    assert words in raised.value.message


def test_a_url_over_2048_characters_is_refused() -> None:
    """Given a URL of 2,049 characters, When parsed, Then 400 naming its length and the limit."""
    url = f"{ENDPOINT}/" + "a" * (MAX_URL_LENGTH - len(ENDPOINT))
    assert len(url) == MAX_URL_LENGTH + 1
    with pytest.raises(BadRequestError, match="2049 characters long; it may have at most 2048"):
        parse_purge_url(url, ENDPOINTS)


def test_a_url_of_exactly_2048_characters_is_accepted() -> None:
    url = f"{ENDPOINT}/" + "a" * (MAX_URL_LENGTH - len(ENDPOINT) - 1)
    assert parse_purge_url(url, ENDPOINTS).path == "/" + "a" * (MAX_URL_LENGTH - len(ENDPOINT) - 1)


def test_a_path_too_long_for_cloudfront_once_encoded_is_refused() -> None:
    """Given 2,000 non-ASCII characters (within 2,048), When parsed, Then 400: encoded they exceed CloudFront's
    4,000-character path."""
    with pytest.raises(BadRequestError, match="once percent-encoded"):
        parse_purge_url(f"{ENDPOINT}/" + "é" * 2000, ENDPOINTS)


def test_no_endpoint_means_nothing_can_be_purged() -> None:
    with pytest.raises(BadRequestError, match="no delivery endpoint"):
        parse_purge_url(f"{ENDPOINT}/a.jpg", [])


ACCEPTED_URLS = [
    pytest.param(f"{ENDPOINT}/a.jpg", "/a.jpg", False, id="a file on the local endpoint"),
    pytest.param("https://127.0.0.1:3000/dev/a.jpg", "/a.jpg", False, id="https for an http endpoint"),
    pytest.param("HTTP://127.0.0.1:3000/dev/a.jpg", "/a.jpg", False, id="the scheme is case-insensitive"),
    pytest.param("https://MEDIA.Example.COM/dev/a.jpg", "/a.jpg", False, id="the host is case-insensitive"),
    pytest.param("https://media.example.com:443/dev/a.jpg", "/a.jpg", False, id="a default port equals none"),
    pytest.param(f"{ENDPOINT}/a.jpg?tr=w-100", "/a.jpg", False, id="the query string is ignored"),
    pytest.param(f"{ENDPOINT}/a.jpg?ik-obj-version=v2#x", "/a.jpg", False, id="a version query and fragment"),
    pytest.param(f"{ENDPOINT}/my%20photo.jpg", "/my photo.jpg", False, id="percent-encoded paths are decoded"),
    pytest.param(f"{ENDPOINT}/été/photo.jpg", "/été/photo.jpg", False, id="unicode paths are accepted as sent"),
    pytest.param(f"{ENDPOINT}/tr:w-100/a.jpg", "/tr:w-100/a.jpg", False, id="a path transformation URL"),
    pytest.param(f"{ENDPOINT}/folder/sub/*", "/folder/sub/*", True, id="an allowed wildcard"),
    pytest.param(f"{ENDPOINT}/folder/sub/%2A", "/folder/sub/*", True, id="an encoded star at the end is one"),
]


@pytest.mark.parametrize(("url", "path", "wildcard"), ACCEPTED_URLS)
def test_accepted_urls(url: str, path: str, wildcard: bool) -> None:
    """Given a URL on one of the account's endpoints, When parsed, Then the target is the decoded path."""
    assert parse_purge_url(url, ENDPOINTS) == PurgeTarget(account_id="dev", path=path, wildcard=wildcard)


def test_an_endpoint_with_a_base_path() -> None:
    """Given an endpoint behind a stage path, When a URL under it is parsed, Then the account id is its last
    segment, and another account under the same stage is refused."""
    endpoints = ["https://api.example.com/Prod/acme"]
    assert parse_purge_url("https://api.example.com/Prod/acme/a.jpg", endpoints).account_id == "acme"
    with pytest.raises(BadRequestError, match="'dev', which is not this account's"):
        parse_purge_url("https://api.example.com/Prod/dev/a.jpg", endpoints)


PATHS = [
    pytest.param(PurgeTarget("dev", "/a.jpg", False), ["/dev/a.jpg*"], id="a file: path* clears its query variants"),
    pytest.param(PurgeTarget("dev", "/folder/sub/*", True), ["/dev/folder/sub/*"], id="a wildcard: one path as is"),
    pytest.param(
        PurgeTarget("dev", "/my photo.jpg", False), ["/dev/my%20photo.jpg*"], id="a space is encoded by all viewers"
    ),
    pytest.param(PurgeTarget("dev", "/été.jpg", False), ["/dev/%C3%A9t%C3%A9.jpg*"], id="non-ASCII is UTF-8 encoded"),
    pytest.param(
        PurgeTarget("dev", "/a(1).jpg", False),
        ["/dev/a%281%29.jpg*", "/dev/a(1).jpg*"],
        id="characters viewers encode differently give each form",
    ),
    pytest.param(
        PurgeTarget("dev", "/a~b [x]^.jpg", False),
        ["/dev/a~b%20%5Bx%5D%5E.jpg*", "/dev/a~b%20[x]%5E.jpg*", "/dev/a~b%20[x]^.jpg*"],
        id="the Python SDK, the Node SDK with and without ^ encoded: one path each",
    ),
    pytest.param(
        PurgeTarget("dev", "/été/*", True), ["/dev/%C3%A9t%C3%A9/*"], id="a wildcard keeps its star unencoded"
    ),
]


@pytest.mark.parametrize(("target", "paths"), PATHS)
def test_invalidation_paths(target: PurgeTarget, paths: list[str]) -> None:
    """Given a target, When turned into CloudFront paths, Then each is percent-encoded under /{accountId}/."""
    assert invalidation_paths(target) == paths
