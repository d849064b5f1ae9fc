"""The purge refusals word for word: the 400 a caller reads says what is wrong, and its help shows the account's
own endpoint when the URL was on it (another account's id), else a neutral example."""

from __future__ import annotations

import pytest

from medialib.errors import BadRequestError
from medialib.purge.rules import parse_purge_url

# The first endpoint ends in "/" (as a setting may): the help and the message show it as configured, without it.
ENDPOINTS = ["http://127.0.0.1:3000/dev/", "https://media.example.com/dev"]
HELP = (
    "Send the full delivery URL of one file, e.g. {}/folder/file.jpg, or of a folder with a single * at the end: "
    "folder/sub/*, a prefix of at least 15 characters, or file.jpg*."
)
EXAMPLE = "https://media.example.com/your_account"
DEV = "http://127.0.0.1:3000/dev"


@pytest.mark.parametrize(
    ("url", "endpoints", "message", "endpoint"),
    [
        pytest.param("", ENDPOINTS, "The purge URL is empty: send the delivery URL of the file to purge.", EXAMPLE,
                     id="empty"),
        pytest.param(f"{DEV}/a.jpg", [], "This account has no delivery endpoint, so no URL can be purged.", EXAMPLE,
                     id="no-endpoint"),
        pytest.param("http://127.0.0.1:3000/acme/a.jpg", ENDPOINTS,
                     "The purge URL 'http://127.0.0.1:3000/acme/a.jpg' is under 'acme', which is not this account's: "
                     "an account can purge only URLs under its own id ('dev').", DEV,
                     id="another-accounts-id-on-our-host-shows-our-endpoint"),
        pytest.param("http://evil.example.com/dev/a.jpg", ENDPOINTS,
                     "The purge URL 'http://evil.example.com/dev/a.jpg' is not on this account's delivery endpoint: it "
                     "must start with http://127.0.0.1:3000/dev/ or https://media.example.com/dev.", DEV,
                     id="another-host-names-every-endpoint-and-shows-the-first"),
        pytest.param(f"{DEV}/a.jpg?tr=*", ENDPOINTS,
                     f"The purge URL '{DEV}/a.jpg?tr=*' has a * that is not its last character: a wildcard is allowed "
                     "only at the very end of the URL, after the path and with no query string.", EXAMPLE,
                     id="a-star-in-the-query"),
        pytest.param(f"{DEV}/a%2fb.jpg", ENDPOINTS,
                     f"The purge URL '{DEV}/a%2fb.jpg' has an encoded slash (%2F): file and folder names cannot contain "
                     "'/', so no delivery URL has one. Write the path's slashes as '/'.", EXAMPLE,
                     id="an-encoded-slash"),
        pytest.param(f"{DEV}/", ENDPOINTS,
                     f"The purge URL '{DEV}/' names no file: add the file's path after the account id (purging a whole "
                     "account is not allowed).", EXAMPLE,
                     id="the-account-alone"),
        pytest.param(f"{DEV}/a/*/b.jpg", ENDPOINTS,
                     "The purge path '/a/*/b.jpg' has a * that is not its last character: a wildcard is allowed only "
                     "at the very end of the URL, once (e.g. /folder/sub/*, not /folder/*/sample.jpg).", EXAMPLE,
                     id="a-star-inside-the-path"),
        pytest.param(f"{DEV}/media/catalog*", ENDPOINTS,
                     "A wildcard purge of '/media/catalog*' would cover media/catalog/*, which cannot be purged with a "
                     "wildcard: purge its files one by one, or a deeper folder.", EXAMPLE,
                     id="a-wildcard-covering-a-folder-never-purged-by-wildcard"),
    ],
)  # fmt: skip
def test_a_refusal_says_what_is_wrong_word_for_word(
    url: str, endpoints: list[str], message: str, endpoint: str
) -> None:
    """Given a URL the account may not purge, When parsed, Then the 400's message and help, word for word."""
    with pytest.raises(BadRequestError) as raised:
        parse_purge_url(url, endpoints)
    assert (raised.value.reason, raised.value.message, raised.value.help) == (
        "INVALID_PURGE_URL",
        message,
        HELP.format(endpoint),
    )
