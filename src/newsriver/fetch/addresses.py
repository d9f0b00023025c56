"""Which IP addresses are on the public Internet: the pure half of the private-address guard.

`ipaddress`'s `is_global` is not used on its own: its answer changed between patch
releases (CVE-2024-4032 fixed it in 3.11.10 and 3.12.4), and it calls an address global
that leads somewhere private: `64:ff9b::a00:1` (NAT64 for 10.0.0.1), `2002:7f00:1::`
(6to4 for 127.0.0.1), deprecated site-local `fec0::/10`, and every unallocated IPv6
block. The tables below are explicit, so the answer is the same on every Python.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address

# IANA IPv4 Special-Purpose Address Registry (RFC 6890 and its updates), plus multicast
# and the old class E space. Everything here is unreachable, local or not a host.
_IPV4_NOT_PUBLIC = tuple(
    IPv4Network(network)
    for network in (
        "0.0.0.0/8",  # "this network" (RFC 1122 §3.2.1.3); Linux connects 0.0.0.0 to itself
        "10.0.0.0/8",  # private (RFC 1918)
        "100.64.0.0/10",  # carrier-grade NAT shared space (RFC 6598)
        "127.0.0.0/8",  # loopback (RFC 1122 §3.2.1.3)
        "169.254.0.0/16",  # link-local (RFC 3927), where cloud metadata services live
        "172.16.0.0/12",  # private (RFC 1918)
        # IETF protocol assignments (RFC 6890 §2.2.2). A few single addresses in it are
        # global (192.0.0.9, 192.0.0.10) but serve no feeds; refusing the block is simpler.
        "192.0.0.0/24",
        "192.0.2.0/24",  # TEST-NET-1 (RFC 5737)
        "192.88.99.0/24",  # 6to4 relay anycast, deprecated (RFC 7526)
        "192.168.0.0/16",  # private (RFC 1918)
        "198.18.0.0/15",  # benchmarking (RFC 2544)
        "198.51.100.0/24",  # TEST-NET-2 (RFC 5737)
        "203.0.113.0/24",  # TEST-NET-3 (RFC 5737)
        "224.0.0.0/4",  # multicast (RFC 5771)
        "240.0.0.0/4",  # reserved (RFC 1112 §4), with the limited broadcast 255.255.255.255
    )
)

# IANA allocates global unicast IPv6 only from 2000::/3 (RFC 4291 §2.4); everything
# outside it (::/8 with loopback, unspecified and IPv4-compatible forms; 100::/64 discard;
# 5f00::/16 SRv6; fc00::/7 unique local; fe80::/10 link-local; fec0::/10 site-local;
# ff00::/8 multicast) is not public, whatever is allocated there later.
_IPV6_GLOBAL_UNICAST = IPv6Network("2000::/3")
_IPV6_NOT_PUBLIC = tuple(
    IPv6Network(network)
    for network in (
        # IETF protocol assignments (RFC 2928), with Teredo 2001::/32 (RFC 4380), whose
        # tunnel endpoints are obfuscated IPv4 addresses we cannot vet.
        "2001::/23",
        "2001:db8::/32",  # documentation (RFC 3849)
        "3fff::/20",  # documentation (RFC 9637)
    )
)
# Forms that carry an IPv4 address: the connection reaches that IPv4 host, so it is that
# address which must be public.
_IPV4_MAPPED = IPv6Network("::ffff:0:0/96")  # RFC 4291 §2.5.5.2
_NAT64_WELL_KNOWN = IPv6Network("64:ff9b::/96")  # RFC 6052 §2.1, last 32 bits
_SIX_TO_FOUR = IPv6Network("2002::/16")  # RFC 3056 §2, bits 16 to 47


def is_public_address(address: IPAddress) -> bool:
    """Whether `address` is a unicast host on the public Internet.

    False for loopback, private, shared (CGNAT), link-local, multicast, unspecified,
    documentation, benchmarking and reserved addresses, and for IPv6 forms that embed
    such an IPv4 address (IPv4-mapped, NAT64, 6to4). An IPv6 zone (`%eth0`) is ignored.
    Does not consult any allowlist: that is the caller's second question.
    """
    if isinstance(address, IPv4Address):
        return not any(address in network for network in _IPV4_NOT_PUBLIC)
    embedded = embedded_ipv4(address)
    if embedded is not None:
        return is_public_address(embedded)
    if address not in _IPV6_GLOBAL_UNICAST:
        return False
    return not any(address in network for network in _IPV6_NOT_PUBLIC)


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped, NAT64 (well-known prefix) or 6to4 address reaches."""
    value = int(address)
    if address in _IPV4_MAPPED or address in _NAT64_WELL_KNOWN:
        return IPv4Address(value & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return IPv4Address((value >> 80) & 0xFFFFFFFF)
    return None


def without_zone(address: IPAddress) -> IPAddress:
    """`fe80::1%eth0` as `fe80::1`: allowlist entries cannot name a zone, so match without."""
    if isinstance(address, IPv6Address) and address.scope_id is not None:
        return IPv6Address(int(address))
    return address


def display_address(address: IPAddress) -> str:
    """The address as people write it: `::ffff:127.0.0.1` rather than `::ffff:7f00:1`."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)
