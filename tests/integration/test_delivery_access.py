"""Who may read what, through the local stack: every URL form (original, path and query transformation, version,
a version's rendition, named) of public and private, published and unpublished files, signed and unsigned; the
renditions cache is no way around the rules; other accounts, unknown versions and bad signatures."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from werkzeug.test import Client

from medialib.accounts.models import Account, AccountSettings
from medialib.accounts.service import seed_account
from medialib_local.stack import DevAccount
from tests.integration.delivery_helpers import Uploaded, halves, picture, sdk_path, token_of, upload, versions


@dataclass(frozen=True)
class Twice:
    """A file uploaded twice at one path with the same flags; ``older`` is the first version's token."""

    file: Uploaded
    older: str


@pytest.fixture(scope="module")
def client(stack: Any) -> Iterator[Client]:
    yield Client(stack.app)


@pytest.fixture(scope="module")
def files(client: Client, stack: Any) -> dict[tuple[bool, bool], Twice]:
    """(private, published) -> a file with two versions, both with those flags."""
    key = stack.account.private_key
    made: dict[tuple[bool, bool], Twice] = {}
    for private in (False, True):
        for published in (True, False):
            flags = {"isPrivateFile": str(private).lower(), "isPublished": str(published).lower()}
            first = upload(client, key, halves(40, 20), **flags)
            upload(client, key, halves(40, 20), folder=first.file_path.rsplit("/", 1)[0], **flags)
            made[(private, published)] = Twice(first, token_of(versions(client, key, first.file_id)[0]))
    return made


_FORMS: dict[str, dict[str, Any]] = {
    "original": {},
    "path-transformation": {"transformation": [{"width": 20}], "transformation_position": "path"},
    "query-transformation": {"transformation": [{"width": 20}]},
    "version": {"query_parameters": {"ik-obj-version": "{older}"}},
    "version-rendition": {"query_parameters": {"ik-obj-version": "{older}"}, "transformation": [{"width": 20}]},
    "named-query": {"transformation": [{"named": "ik_ml_thumbnail"}]},
    "named-path": {"transformation": [{"named": "ik_ml_thumbnail"}], "transformation_position": "path"},
}
_NAMED = {"named-query", "named-path"}


def _options(form: str, older: str) -> dict[str, Any]:
    options = dict(_FORMS[form])
    if "query_parameters" in options:
        options["query_parameters"] = {"ik-obj-version": older}
    return options


def _expected(private: bool, published: bool, signed: bool, form: str) -> int:
    if not published:
        return 404
    if private and not signed and form not in _NAMED:
        return 401
    return 200


_CASES = [
    pytest.param((private, published, signed, form), id=f"{kind}-{state}-{'signed' if signed else 'unsigned'}-{form}-{_expected(private, published, signed, form)}")
    for private, kind in ((False, "public"), (True, "private"))
    for published, state in ((True, "published"), (False, "unpublished"))
    for signed in (False, True)
    for form in _FORMS
]  # fmt: skip


@pytest.mark.parametrize("case", _CASES)
def test_access(
    client: Client, stack: Any, files: dict[tuple[bool, bool], Twice], case: tuple[bool, bool, bool, str]
) -> None:
    """Given a public or private, published or unpublished file with two versions, When a URL of each form is asked
    signed or unsigned, Then unpublished is 404 on every form, a private file's original and unnamed
    transformations need the signature (401 without), named ones do not, and public files are served."""
    private, published, signed, form = case
    twice = files[(private, published)]
    path = sdk_path(stack, stack.account, twice.file.file_path, signed=signed, **_options(form, twice.older))
    response = client.get(path)
    assert response.status_code == _expected(private, published, signed, form), response.get_data()
    if response.status_code != 200:
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Cache-Control"] == (
            "no-store" if response.status_code == 401 else "public, max-age=60"
        )


def test_a_private_rendition_is_not_served_unsigned_from_the_cache(
    client: Client, stack: Any, files: dict[tuple[bool, bool], Twice]
) -> None:
    """Given a private file whose w-30 rendition a signed URL made (it is in the renditions bucket), When the same
    transformation is asked unsigned, by path and by query, Then 401: the cache never bypasses the rules."""
    twice = files[(True, True)]
    signed = client.get(
        sdk_path(stack, stack.account, twice.file.file_path, signed=True, transformation=[{"width": 30}])
    )
    assert signed.status_code == 200
    bucket = stack.provisioned.physical["RenditionsBucket"]
    prefix = f"renditions/{stack.account.account_id}/{twice.file.file_id}/"
    assert boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)["KeyCount"] >= 1
    for position in ("query", "path"):
        unsigned = sdk_path(
            stack, stack.account, twice.file.file_path, transformation=[{"width": 30}], transformation_position=position
        )
        assert client.get(unsigned).status_code == 401


@pytest.mark.parametrize(
    "case",
    [
        pytest.param((False, True, 200, 404), id="unpublished-older-version-404"),
        pytest.param((True, False, 404, 200), id="unpublished-current-bare-404-published-older-served"),
    ],
)
def test_each_version_is_published_or_not(client: Client, stack: Any, case: tuple[bool, bool, int, int]) -> None:
    """Given two versions, one published and one not, When the bare path and the older version's URL are asked,
    Then the unpublished one is 404 and the published one served."""
    first_published, second_published, bare, older = case
    key = stack.account.private_key
    first = upload(client, key, halves(40, 20), isPublished=str(first_published).lower())
    upload(
        client, key, halves(40, 20), folder=first.file_path.rsplit("/", 1)[0], isPublished=str(second_published).lower()
    )
    token = token_of(versions(client, key, first.file_id)[0])
    assert client.get(sdk_path(stack, stack.account, first.file_path)).status_code == bare
    assert (
        client.get(
            sdk_path(stack, stack.account, first.file_path, query_parameters={"ik-obj-version": token})
        ).status_code
        == older
    )


def test_another_accounts_id_with_this_path_is_404(
    client: Client, stack: Any, other_account: Any, files: dict[tuple[bool, bool], Twice]
) -> None:
    """Given a public file of the dev account, When the other account's id is put before its path (unsigned, and
    signed with the other account's own key), Then 404."""
    path = files[(False, True)].file.file_path
    assert client.get(sdk_path(stack, other_account, path)).status_code == 404
    assert client.get(sdk_path(stack, other_account, path, signed=True)).status_code == 404


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(lambda p: p + "?ik-obj-version=nope", (404, None), id="unknown-version-404"),
        pytest.param(lambda p: p.replace("/a.png", "/b.png"), (404, None), id="unknown-path-404"),
        pytest.param(lambda p: p.replace("/dev/", "/nobody/"), (404, None), id="unknown-account-404"),
        pytest.param(lambda p: p + "?tr=w-abc", (400, "parameter w:"), id="bad-transformation-400"),
        pytest.param(lambda p: p + "?tr=l-text", (400, "parameter l:"), id="unsupported-parameter-400"),
        pytest.param(lambda p: p + "?tr=n-nope", (400, "n-nope"), id="unknown-named-400"),
    ],
)
def test_unknown_things_and_bad_transformations(
    client: Client, files: dict[tuple[bool, bool], Twice], stack: Any, change: Any, expected: tuple[int, str | None]
) -> None:
    """Given a public file, When the URL names an unknown version, path or account, or a bad transformation, Then
    404, or 400 naming the parameter."""
    path = files[(False, True)].file.url.removeprefix(stack.base_url)
    status, named = expected
    response = client.get(change(path))
    assert response.status_code == status
    if named is not None:  # the message names the parameter ("tr" alone is in every help text)
        assert named in response.get_json()["message"]


def test_signatures_are_checked_on_public_files_too(
    client: Client, stack: Any, files: dict[tuple[bool, bool], Twice]
) -> None:
    """Given a public file, When its URL carries a tampered signature or an expired one, Then 401 (a signature
    present is always checked); without one it is served."""
    path = files[(False, True)].file.file_path
    signed = sdk_path(stack, stack.account, path, signed=True, expires_in=300)
    assert client.get(signed).status_code == 200
    assert client.get(signed[:-1] + ("0" if signed[-1] != "0" else "1")).status_code == 401
    with patch("time.time", return_value=time.time() - 301):
        expired = client.get(sdk_path(stack, stack.account, path, signed=True, expires_in=300))
    assert expired.status_code == 401 and "expired" in expired.get_data(as_text=True)
    assert client.get(sdk_path(stack, stack.account, path, signed=True, key="private_wrong_key")).status_code == 401


def test_an_accounts_named_transformation_is_served_unsigned_on_private_files(client: Client, stack: Any) -> None:
    """Given an account that names w-20,h-10 "card", and a private 40 x 20 image of it, When tr:n-card is asked
    unsigned, Then a 20 x 10 image; an unnamed w-20,h-10 unsigned is 401; an unknown name is 400 naming it."""
    named = DevAccount("named-" + uuid.uuid4().hex[:8], "public_" + uuid.uuid4().hex, "private_" + uuid.uuid4().hex)
    settings = AccountSettings(named_transformations={"card": "w-20,h-10"})
    seed_account(
        Account(
            account_id=named.account_id, public_key=named.public_key, private_key=named.private_key, settings=settings
        )
    )
    private = upload(client, named.private_key, halves(40, 20), isPrivateFile="true")
    served = client.get(
        sdk_path(stack, named, private.file_path, transformation=[{"named": "card"}], transformation_position="path")
    )
    assert served.status_code == 200 and picture(served).size == (20, 10)
    assert (
        client.get(sdk_path(stack, named, private.file_path, transformation=[{"width": 20, "height": 10}])).status_code
        == 401
    )
    unknown = client.get(sdk_path(stack, named, private.file_path, transformation=[{"named": "nope"}]))
    assert unknown.status_code == 400 and "n-nope" in unknown.get_data(as_text=True)
