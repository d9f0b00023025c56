"""The address classification under the private-address guard: pure, no network."""

from __future__ import annotations

from ipaddress import IPv6Address, ip_address

import pytest

from newsriver.fetch import is_public_address
from newsriver.fetch.addresses import display_address, embedded_ipv4, without_zone


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "100.63.255.255",  # just below the CGNAT block
        "100.128.0.0",  # just above it
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.1",
        "198.20.0.1",
        "223.255.255.254",
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:8.8.8.8",  # IPv4-mapped public
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8: what DNS64 gives IPv6-only hosts
        "2002:808:808::1",  # 6to4 of 8.8.8.8
    ],
)
def test_public(address: str) -> None:
    assert is_public_address(ip_address(address)) is True


@pytest.mark.parametrize(
    "address",
    [
        "0.0.0.0",
        "0.1.2.3",
        "10.0.0.1",
        "10.255.255.255",
        "100.64.0.1",  # CGNAT, which ipaddress's is_private does not include
        "100.127.255.255",
        "127.0.0.1",
        "127.255.255.254",
        "169.254.169.254",  # cloud metadata
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.1",
        "192.0.0.9",  # global per IANA, but inside the refused IETF block
        "192.0.2.10",
        "192.88.99.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::127.0.0.1",  # deprecated IPv4-compatible form
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64 (RFC 8215)
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "100::1",  # discard-only
        "2001::1",  # Teredo
        "2001:db8::1",
        "3fff::1",
        "5f00::1",
        "fc00::1",
        "fd12:3456:789a::1",
        "fe80::1",
        "fe80::1%eth0",
        "fec0::1",  # site-local: deprecated, and "global" to ipaddress
        "ff02::1",
        "4000::1",  # unallocated, and "global" to ipaddress
    ],
)
def test_not_public(address: str) -> None:
    assert is_public_address(ip_address(address)) is False


def test_embedded_ipv4() -> None:
    assert str(embedded_ipv4(IPv6Address("::ffff:1.2.3.4"))) == "1.2.3.4"
    assert str(embedded_ipv4(IPv6Address("64:ff9b::102:304"))) == "1.2.3.4"
    assert str(embedded_ipv4(IPv6Address("2002:102:304::5"))) == "1.2.3.4"
    assert embedded_ipv4(IPv6Address("2606:4700::1")) is None


def test_without_zone() -> None:
    assert without_zone(ip_address("fe80::1%eth0")) == ip_address("fe80::1")
    assert without_zone(ip_address("10.0.0.1")) == ip_address("10.0.0.1")


def test_display_address() -> None:
    assert display_address(ip_address("::ffff:127.0.0.1")) == "::ffff:127.0.0.1"
    assert display_address(ip_address("::1")) == "::1"
    assert display_address(ip_address("10.0.0.1")) == "10.0.0.1"
