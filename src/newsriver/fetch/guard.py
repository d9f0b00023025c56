"""The private-address guard: no connection to a non-public address unless allowlisted.

A feed URL is input from users, so without a guard "subscribe" would be a way to make the
server request `http://169.254.169.254/` or `http://localhost:5432/`. Checking the URL's
host name is not enough: DNS can answer differently the second time (DNS rebinding). So
the check sits on the addresses aiohttp actually connects to, in three places:

1. `GuardedResolver` drops non-permitted addresses from every DNS answer; aiohttp's
   connector then connects to exactly the addresses it returns (`_resolve_host` →
   `_convert_hosts_to_addr_infos` → `aiohappyeyeballs.start_connection`), and its DNS
   cache holds only the filtered answer. A name with public and private addresses
   connects to the public ones only.
2. `check_literal_host` covers IP-literal hosts, for which aiohttp skips the resolver.
3. `AddressGuard.socket_factory` is handed to the connector and sees the numeric
   socket address of every connection attempt just before `connect()`, whatever path led
   there; a refusal there is the last word.

Refusals are raised as `PrivateAddressError`, an `OSError`, because that is what
aiohttp's connection path carries upwards (wrapped in its own `ClientConnectorError`);
the fetcher finds it in the exception chain and turns it into
`FetchError(kind="private_address")`.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from ipaddress import ip_address

from aiohappyeyeballs import AddrInfoType
from aiohttp.abc import AbstractResolver, ResolveResult

from newsriver.fetch.addresses import (
    IPAddress,
    display_address,
    is_public_address,
    without_zone,
)
from newsriver.settings import PrivateNetworkAllowlist


class PrivateAddressError(OSError):
    """A connection to `address` was refused by the guard. Internal to `newsriver.fetch`."""

    def __init__(self, address: str, *, host: str | None = None) -> None:
        self.address = address
        self.host = host
        message = f"private address {address} not allowed"
        if host is not None and host != address:
            message += f" (resolved from {host})"
        super().__init__(errno.EACCES, message)


@dataclass(frozen=True, slots=True)
class AddressGuard:
    """Decides, for one fetcher, whether a connection to an address and port may be made."""

    allowlist: PrivateNetworkAllowlist

    def permits(self, address: IPAddress, port: int) -> bool:
        """Public addresses always; anything else only when the admin's allowlist says so."""
        address = without_zone(address)
        return is_public_address(address) or self.allowlist.permits(address, port)

    def check_literal_host(self, host: str, port: int) -> None:
        """Raise PrivateAddressError if `host` is an IP literal that may not be reached.

        Host names pass: they are checked on their resolved addresses.
        """
        try:
            address = ip_address(host)
        except ValueError:
            return
        if not self.permits(address, port):
            raise PrivateAddressError(display_address(address))

    def socket_factory(self, addr_info: AddrInfoType) -> socket.socket:
        """Create the socket for one connection attempt, refusing a non-permitted peer.

        The socket address here is the one `connect()` is called with next. A host that is
        not a numeric address would be resolved again inside `connect()`, reopening the
        rebinding window, so it is refused too (aiohttp never produces one).
        """
        family, kind, proto, _, sockaddr = addr_info
        host, port = str(sockaddr[0]), int(sockaddr[1])
        try:
            address = ip_address(host)
        except ValueError:
            raise PrivateAddressError(host) from None
        if not self.permits(address, port):
            raise PrivateAddressError(display_address(address))
        return socket.socket(family, kind, proto)


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver returning only the addresses the guard permits.

    Raises PrivateAddressError when a name resolves only to refused addresses, so the
    error names the address instead of looking like a DNS failure.
    """

    def __init__(self, guard: AddressGuard, inner: AbstractResolver) -> None:
        self._guard = guard
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        permitted = [answer for answer in answers if self._permits(answer)]
        if answers and not permitted:
            raise PrivateAddressError(answers[0]["host"], host=host)
        return permitted

    def _permits(self, answer: ResolveResult) -> bool:
        try:
            address = ip_address(answer["host"])
        except ValueError:
            return False
        return self._guard.permits(address, answer["port"])

    async def close(self) -> None:
        await self._inner.close()
