"""The address rule of URL uploads: which resolved addresses medialib may fetch a file from (server-side request
forgery), and the local loopback allowance that never reaches a deployed function."""

from __future__ import annotations

from pathlib import Path

import pytest

from medialib.settings import ALLOW_LOOPBACK_URLS, UrlFetchSettings, get_settings
from medialib.upload.fetch import refused_address

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

REFUSED = {
    "ipv4-loopback": ("127.0.0.1", "loopback"),
    "ipv4-loopback-anywhere-in-127/8": ("127.10.20.30", "loopback"),
    "ipv6-loopback": ("::1", "loopback"),
    "ipv4-mapped-loopback": ("::ffff:127.0.0.1", "loopback"),
    "private-10/8": ("10.0.0.1", "private"),
    "private-172.16/12": ("172.16.0.1", "private"),
    "private-172.31-top-of-172.16/12": ("172.31.255.254", "private"),
    "private-192.168/16": ("192.168.1.1", "private"),
    "ipv4-mapped-private": ("::ffff:10.1.2.3", "private"),
    "6to4-wrapping-private": ("2002:a00:1::1", "private"),
    "nat64-wrapping-private": ("64:ff9b::a00:1", "private"),
    "ipv6-unique-local": ("fd12:3456::1", "private"),
    "metadata-service-ipv4": ("169.254.169.254", "metadata-service"),
    "metadata-service-ipv6": ("fd00:ec2::254", "metadata-service"),
    "ipv4-mapped-metadata-service": ("::ffff:169.254.169.254", "metadata-service"),
    "link-local-ipv4": ("169.254.1.1", "link-local"),
    "link-local-ipv6": ("fe80::1", "link-local"),
    "link-local-ipv6-with-scope": ("fe80::1%eth0", "link-local"),
    "unspecified-ipv4": ("0.0.0.0", "unspecified"),
    "unspecified-ipv6": ("::", "unspecified"),
    "multicast-ipv4": ("224.0.0.1", "multicast"),
    "multicast-ipv6": ("ff02::1", "multicast"),
    "reserved-240/4": ("240.0.0.1", "reserved"),
    "broadcast": ("255.255.255.255", "reserved"),
    "this-network-0/8": ("0.1.2.3", "private"),
    "documentation-range": ("192.0.2.10", "private"),
    "shared-address-space-100.64/10": ("100.64.0.1", "not-public"),
}


@pytest.mark.parametrize(("address", "rule"), REFUSED.values(), ids=REFUSED.keys())
def test_non_public_addresses_are_refused_naming_the_rule(address: str, rule: str) -> None:
    """Given a resolved address that is not public unicast, When checked without the loopback allowance, Then
    it is refused, under the rule it breaks."""
    assert refused_address(address) == rule


PUBLIC = {
    "public-ipv4": "93.184.216.34",
    "public-ipv4-next-to-172.16/12": "172.32.0.1",
    "public-ipv4-next-to-10/8": "11.0.0.1",
    "public-ipv6": "2606:2800:220:1:248:1893:25c8:1946",
    "ipv4-mapped-public": "::ffff:93.184.216.34",
    "nat64-wrapping-public": "64:ff9b::5db8:d822",
}


@pytest.mark.parametrize("address", PUBLIC.values(), ids=PUBLIC.keys())
def test_public_addresses_are_allowed(address: str) -> None:
    """Given a public unicast address, When checked, Then nothing refuses it."""
    assert refused_address(address) is None


ALLOWANCE = {
    "ipv4-loopback-allowed": ("127.0.0.1", None),
    "ipv6-loopback-allowed": ("::1", None),
    "ipv4-mapped-loopback-allowed": ("::ffff:127.0.0.1", None),
    "private-stays-refused": ("10.0.0.1", "private"),
    "metadata-service-stays-refused": ("169.254.169.254", "metadata-service"),
    "metadata-service-ipv6-stays-refused": ("fd00:ec2::254", "metadata-service"),
    "link-local-stays-refused": ("169.254.1.1", "link-local"),
    "unspecified-stays-refused": ("0.0.0.0", "unspecified"),
}


@pytest.mark.parametrize(("address", "rule"), ALLOWANCE.values(), ids=ALLOWANCE.keys())
def test_the_loopback_allowance_relaxes_loopback_only(address: str, rule: str | None) -> None:
    """Given the local stack's loopback allowance, When an address is checked, Then loopback is allowed and
    every other internal address is still refused."""
    assert refused_address(address, allow_loopback=True) == rule


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        pytest.param(None, False, id="unset-is-off"),
        pytest.param("false", False, id="false-is-off"),
        pytest.param("true", True, id="true-is-on"),
    ],
)
def test_the_loopback_allowance_is_off_unless_set(
    monkeypatch: pytest.MonkeyPatch, value: str | None, allowed: bool
) -> None:
    """Given the environment with or without the local allowance variable, When the fetch settings are read,
    Then the allowance is on only when the variable says true."""
    if value is None:
        monkeypatch.delenv(ALLOW_LOOPBACK_URLS, raising=False)
    else:
        monkeypatch.setenv(ALLOW_LOOPBACK_URLS, value)
    assert get_settings(UrlFetchSettings).allow_loopback_urls is allowed


def test_template_never_sets_the_loopback_allowance() -> None:
    """Given template.yaml (what deploys), When read, Then the loopback allowance variable appears nowhere:
    a deployed function always refuses loopback URLs."""
    assert ALLOW_LOOPBACK_URLS == "MEDIALIB_LOCAL_ALLOW_LOOPBACK_URLS"
    assert ALLOW_LOOPBACK_URLS not in TEMPLATE.read_text(encoding="utf-8")
