"""The private-address guard, checked against real servers on loopback.

Each refusal asserts that the server accepted no TCP connection at all, and each kind of
refusal has a twin that is allowed and does connect, so the assertions can fail.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from newsriver.errors import FetchError
from newsriver.fetch import FetchRequest, FetchResult
from newsriver.fetch.failures import wrap_failure
from newsriver.fetch.guard import AddressGuard, GuardedResolver, PrivateAddressError
from newsriver.settings import parse_private_networks
from tests.fetch.servers import Server, body, fetcher, redirect, serve

FEED = b"<rss version='2.0'><channel/></rss>"


async def _refused(server: Server, url: str, *, allow: str = "") -> FetchError:
    async with fetcher(allow=allow) as fetch:
        with pytest.raises(FetchError) as caught:
            await fetch.fetch(FetchRequest(url))
    assert server.connections == 0
    assert server.seen == []
    return caught.value


def test_loopback_literal_refused_by_default() -> None:
    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as server:
            error = await _refused(server, server.url("/feed"))
        assert error.kind == "private_address"
        assert error.reason == "private address 127.0.0.1 not allowed"
        assert str(error) == f"{server.url('/feed')}: private address 127.0.0.1 not allowed"

    asyncio.run(scenario())


def test_ipv6_loopback_literal_refused_by_default() -> None:
    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}, host="::1") as server:
            assert server.url("/feed").startswith("http://[::1]:")
            error = await _refused(server, server.url("/feed"))
        assert error.kind == "private_address"
        assert error.reason == "private address ::1 not allowed"

    asyncio.run(scenario())


def test_ipv4_mapped_literal_refused_and_named_as_written() -> None:
    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as server:
            error = await _refused(server, f"http://[::ffff:127.0.0.1]:{server.port}/feed")
        assert error.kind == "private_address"
        assert error.reason == "private address ::ffff:127.0.0.1 not allowed"

    asyncio.run(scenario())


def test_host_name_resolving_to_loopback_refused() -> None:
    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as server:
            error = await _refused(server, f"http://localhost:{server.port}/feed")
        assert error.kind == "private_address"
        assert "(resolved from localhost)" in error.reason

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "host",
    [
        "[::ffff:127.0.0.1]",  # IPv4-mapped: reaches the IPv4 server on a dual-stack host
        "0.0.0.0",  # Linux connects the unspecified address to itself
        "127.1",  # legacy shorthand numeric forms, resolved by getaddrinfo if anyone
        "2130706433",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "127.0.0.1.",
        "localhost.",
    ],
)
def test_other_spellings_of_loopback_never_connect(host: str) -> None:
    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as server:
            error = await _refused(server, f"http://{host}:{server.port}/feed")
        # aiohttp refuses some spellings as invalid, the resolver fails on others;
        # the guard refuses whatever resolves. None may connect.
        assert error.kind in {"private_address", "invalid_url", "dns"}

    asyncio.run(scenario())


@pytest.mark.parametrize("allow", ["1", "127.0.0.1", "127.0.0.0/8", "{endpoint}"])
def test_allowlisted_server_is_reached(allow: str) -> None:
    async def scenario() -> None:
        async with (
            serve({"/feed": body(FEED)}) as server,
            fetcher(allow=allow.format(endpoint=server.endpoint)) as fetch,
        ):
            result = await fetch.fetch(FetchRequest(server.url("/feed")))
            by_name = await fetch.fetch(FetchRequest(f"http://localhost:{server.port}/feed"))
        assert isinstance(result, FetchResult)
        assert isinstance(by_name, FetchResult)
        assert server.connections >= 1
        assert len(server.seen) == 2

    asyncio.run(scenario())


def test_allowlisted_endpoint_is_port_specific() -> None:
    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as server:
            error = await _refused(
                server, server.url("/feed"), allow=f"127.0.0.1:{server.port + 1}"
            )
        assert error.kind == "private_address"

    asyncio.run(scenario())


@pytest.mark.parametrize("target_host", ["127.0.0.1", "localhost"])
def test_redirect_from_allowed_to_refused_endpoint(target_host: str) -> None:
    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as b:
            target = f"http://{target_host}:{b.port}/feed"
            async with serve({"/feed": redirect(302, target)}) as a:
                async with fetcher(allow=a.endpoint) as fetch:
                    with pytest.raises(FetchError) as caught:
                        await fetch.fetch(FetchRequest(a.url("/feed")))
                assert [seen.path for seen in a.seen] == ["/feed"]
        assert caught.value.kind == "private_address"
        assert caught.value.url == a.url("/feed")
        assert b.connections == 0
        assert b.seen == []

    asyncio.run(scenario())


def test_redirect_between_allowed_endpoints() -> None:
    async def scenario() -> None:
        async with (
            serve({"/feed": body(FEED)}) as b,
            serve({"/feed": redirect(301, b.url("/feed"))}) as a,
            fetcher(allow=f"{a.endpoint},{b.endpoint}") as fetch,
        ):
            result = await fetch.fetch(FetchRequest(a.url("/feed")))
        assert isinstance(result, FetchResult)
        assert result.permanent_url == b.url("/feed")
        assert b.connections == 1

    asyncio.run(scenario())


def test_socket_factory_alone_refuses_before_connecting() -> None:
    """The last line of defence, without the resolver or the literal check in front."""
    guard = AddressGuard(parse_private_networks(""))

    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as server:
            connector = aiohttp.TCPConnector(socket_factory=guard.socket_factory)
            async with aiohttp.ClientSession(connector=connector) as session:
                with pytest.raises(aiohttp.ClientConnectorError) as caught:
                    await session.get(server.url("/feed"))
        assert server.connections == 0
        assert isinstance(caught.value.os_error, PrivateAddressError)
        wrapped = wrap_failure("u", caught.value, timeout=timedelta(seconds=1))
        assert (wrapped.kind, wrapped.reason) == (
            "private_address",
            "private address 127.0.0.1 not allowed",
        )

    asyncio.run(scenario())


def test_socket_factory_refuses_non_numeric_hosts() -> None:
    guard = AddressGuard(parse_private_networks("1"))
    with pytest.raises(PrivateAddressError):
        guard.socket_factory((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("localhost", 80)))
    sock = guard.socket_factory((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80)))
    sock.close()


class _FixedResolver(AbstractResolver):
    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=0,
            )
            for address in self.addresses
        ]

    async def close(self) -> None:
        pass


def test_resolver_keeps_only_permitted_addresses() -> None:
    guard = AddressGuard(parse_private_networks("10.0.0.0/8"))
    resolver = GuardedResolver(
        guard, _FixedResolver("127.0.0.1", "93.184.215.14", "10.1.2.3", "::1", "2606:4700::1")
    )
    answers = asyncio.run(resolver.resolve("mixed.example", 443))
    assert [answer["host"] for answer in answers] == ["93.184.215.14", "10.1.2.3", "2606:4700::1"]


def test_resolver_refuses_a_name_with_only_private_addresses() -> None:
    guard = AddressGuard(parse_private_networks(""))
    resolver = GuardedResolver(guard, _FixedResolver("169.254.169.254", "fd00::1"))
    with pytest.raises(PrivateAddressError) as caught:
        asyncio.run(resolver.resolve("metadata.example", 80))
    assert caught.value.address == "169.254.169.254"
    assert caught.value.host == "metadata.example"


def test_literal_check() -> None:
    guard = AddressGuard(parse_private_networks("192.168.1.10:8080"))
    guard.check_literal_host("example.com", 80)
    guard.check_literal_host("8.8.8.8", 80)
    guard.check_literal_host("192.168.1.10", 8080)
    for host, port in [("192.168.1.10", 80), ("169.254.169.254", 80), ("fe80::1%eth0", 80)]:
        with pytest.raises(PrivateAddressError):
            guard.check_literal_host(host, port)
