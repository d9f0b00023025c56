"""Configuration from the environment (`NEWSRIVER_*`), read once by a composition root.

There is deliberately no module-level settings object: `cli` and `web.app` call
`load_settings()` and pass the result (or the parts of it a component needs) down, so
tests can build any configuration without touching the process environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "NEWSRIVER_"

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network


class SettingsError(ValueError):
    """The environment holds a setting newsriver cannot use; the message names the variable.

    Lives here rather than in `newsriver.errors` because the bottom layer's modules do not
    import each other (see docs/decisions/0002-layers.md).
    """


@dataclass(frozen=True, slots=True)
class PrivateNetworkAllowlist:
    """Private, loopback or link-local destinations the fetcher may reach anyway.

    The fetcher refuses such addresses by default (a feed URL must not become a way into
    the server's own network); this is the admin's explicit exception list. It says
    nothing about public addresses, which are always allowed.
    """

    # `NEWSRIVER_ALLOW_PRIVATE_NETWORKS=1`: the guard is off.
    allow_all: bool = False
    # Any port on these; a single address is a /32 (or /128) network.
    networks: tuple[IPNetwork, ...] = ()
    # Only that port on that address (`host:port` entries).
    endpoints: frozenset[tuple[IPAddress, int]] = field(default_factory=frozenset)

    def permits(self, address: IPAddress, port: int) -> bool:
        """Whether a connection to `address`:`port` is on the allowlist.

        IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`), in entries and here alike, are
        taken as the IPv4 address they carry: that is where the connection goes.
        """
        if self.allow_all:
            return True
        address = _unmapped(address)
        if (address, port) in self.endpoints:
            return True
        return any(address in network for network in self.networks)


def parse_private_networks(raw: str) -> PrivateNetworkAllowlist:
    """Parse `NEWSRIVER_ALLOW_PRIVATE_NETWORKS`.

    Empty means nothing is allowed; `1` allows everything; otherwise a comma-separated
    list of addresses (`192.168.1.10`, `::1`), CIDR networks (`10.0.0.0/8`) and
    address-with-port entries (`127.0.0.1:8990`, `[::1]:8990`). Host names are refused:
    the guard checks the address actually connected to, so a name would either be
    unenforceable or be a DNS lookup inside configuration parsing.

    Raises ValueError naming the first entry it cannot read, rather than ignoring it: a
    typo that silently blocked (or allowed) traffic would be hard to notice.
    """
    raw = raw.strip()
    if raw == "1":
        return PrivateNetworkAllowlist(allow_all=True)
    networks: list[IPNetwork] = []
    endpoints: set[tuple[IPAddress, int]] = set()
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        endpoint = _parse_endpoint(entry)
        if endpoint is not None:
            endpoints.add(endpoint)
            continue
        try:
            # strict: `10.0.0.5/8` is more likely a mistake than a way to write 10.0.0.0/8.
            networks.append(_unmapped_network(ip_network(entry, strict=True)))
        except ValueError as e:
            raise ValueError(
                f"{entry!r} is not an IP address, a CIDR network or an address:port ({e})"
            ) from None
    return PrivateNetworkAllowlist(networks=tuple(networks), endpoints=frozenset(endpoints))


def _parse_endpoint(entry: str) -> tuple[IPAddress, int] | None:
    """Read `1.2.3.4:80` or `[::1]:80`; None when `entry` has no port part."""
    if entry.startswith("["):
        host, sep, port = entry[1:].partition("]:")
        if not sep:
            raise ValueError(f"{entry!r}: a bracketed IPv6 address must be followed by :port")
    elif entry.count(":") == 1:
        host, _, port = entry.partition(":")
    else:
        # No colon (IPv4 or network), or several (a bare IPv6 address or network).
        return None
    try:
        address = ip_address(host)
    except ValueError:
        raise ValueError(f"{entry!r}: {host!r} is not an IP address") from None
    if not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        raise ValueError(f"{entry!r}: {port!r} is not a port number (1-65535)")
    return _unmapped(address), int(port)


_IPV4_MAPPED = IPv6Network("::ffff:0:0/96")


def _unmapped(address: IPAddress) -> IPAddress:
    """`::ffff:10.0.0.1` as `10.0.0.1`; any other address unchanged."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _unmapped_network(network: IPNetwork) -> IPNetwork:
    """`::ffff:10.0.0.0/104` as `10.0.0.0/8`; any other network unchanged."""
    if isinstance(network, IPv6Network) and network.subnet_of(_IPV4_MAPPED):
        return IPv4Network((int(network.network_address) & 0xFFFFFFFF, network.prefixlen - 96))
    return network


class Settings(BaseSettings):
    """Everything newsriver reads from its environment; see README.md#configuration."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        # `NEWSRIVER_DATABASE_URL=` in a compose file means "use the default".
        env_ignore_empty=True,
        frozen=True,
    )

    # Where the SQLite database, the generated secret key and caches live.
    data_dir: Path = Path("./data")
    # An SQLAlchemy URL; None means SQLite in `data_dir` (see `effective_database_url`).
    database_url: str | None = None
    # See `parse_private_networks`; validated at load time, used via `private_networks()`.
    allow_private_networks: str = ""
    # Signs session cookies; kept out of repr so it cannot leak into logs or tracebacks.
    secret_key: str | None = Field(default=None, repr=False)
    # Threads a web process runs its handlers on. Few, because the work is Python
    # holding the GIL: 16 concurrent page requests on 40 threads cost 16.7 ms of CPU
    # each (67 pages/s on one process), on 8 threads 10.6 ms (102 pages/s).
    web_threads: int = Field(default=8, ge=1, le=256)

    @field_validator("allow_private_networks")
    @classmethod
    def _check_allow_private_networks(cls, value: str) -> str:
        parse_private_networks(value)
        return value

    @property
    def effective_database_url(self) -> str:
        """`database_url`, or an SQLite file `newsriver.db` under `data_dir` when unset.

        The path is made absolute so the URL means the same file whatever the process's
        working directory later becomes. Does not create the directory or the file.
        """
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newsriver.db').absolute().as_posix()}"

    def private_networks(self) -> PrivateNetworkAllowlist:
        """The parsed allowlist. Parses on each call: call once and pass the result down."""
        return parse_private_networks(self.allow_private_networks)


def load_settings() -> Settings:
    """Read the settings from the process environment (no `.env` file is consulted).

    Raises SettingsError with one line per bad variable instead of pydantic's report.
    """
    try:
        return Settings()
    except ValidationError as e:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(str(part) for part in err['loc']).upper()}: {err['msg']}"
            for err in e.errors()
        )
        raise SettingsError(f"invalid configuration: {problems}") from None
