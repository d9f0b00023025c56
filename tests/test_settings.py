"""Settings from the environment, and the private-network allowlist parser."""

from __future__ import annotations

import os
from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsriver.settings import (
    Settings,
    SettingsError,
    load_settings,
    parse_private_networks,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no NEWSRIVER_* variable, whatever the shell exported."""
    for name in list(os.environ):
        if name.startswith("NEWSRIVER_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.data_dir == Path("data")
    assert settings.database_url is None
    assert settings.secret_key is None
    assert settings.private_networks().permits(IPv4Address("127.0.0.1"), 80) is False


def test_default_database_is_sqlite_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().effective_database_url == f"sqlite:///{tmp_path}/data/newsriver.db"

    monkeypatch.setenv("NEWSRIVER_DATA_DIR", "/srv/newsriver")
    assert load_settings().effective_database_url == "sqlite:////srv/newsriver/newsriver.db"


def test_database_url_from_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://news:pw@db.example/newsriver"
    monkeypatch.setenv("NEWSRIVER_DATABASE_URL", url)
    assert load_settings().effective_database_url == url


def test_empty_variables_mean_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSRIVER_DATABASE_URL", "")
    monkeypatch.setenv("NEWSRIVER_DATA_DIR", "")
    settings = load_settings()
    assert settings.database_url is None
    assert settings.data_dir == Path("data")


def test_secret_key_is_read_but_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSRIVER_SECRET_KEY", "hunter2-but-longer")
    settings = load_settings()
    assert settings.secret_key == "hunter2-but-longer"
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)


def test_bad_allowlist_is_refused_at_load_time_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSRIVER_ALLOW_PRIVATE_NETWORKS", "10.0.0.0/8,intranet.local")
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "NEWSRIVER_ALLOW_PRIVATE_NETWORKS" in message
    assert "intranet.local" in message
    assert "\n" not in message


def test_settings_can_be_built_without_the_environment(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, allow_private_networks="1")
    assert settings.effective_database_url == f"sqlite:///{tmp_path}/newsriver.db"
    assert settings.private_networks().allow_all


# --- the allowlist -------------------------------------------------------------------


def test_empty_allowlist_allows_nothing() -> None:
    allow = parse_private_networks("")
    assert not allow.allow_all
    assert not allow.permits(IPv4Address("10.0.0.1"), 80)
    assert not allow.permits(IPv6Address("::1"), 80)


def test_one_allows_everything() -> None:
    allow = parse_private_networks(" 1 ")
    assert allow.allow_all
    assert allow.permits(IPv4Address("169.254.169.254"), 80)


def test_the_documented_example() -> None:
    allow = parse_private_networks("192.168.1.10,10.0.0.0/8,127.0.0.1:8990")

    def permits(address: str, port: int) -> bool:
        return allow.permits(ip_address(address), port)

    assert permits("192.168.1.10", 80)
    assert permits("192.168.1.10", 8443)
    assert not permits("192.168.1.11", 80)
    assert permits("10.0.0.1", 80)
    assert permits("10.255.255.255", 1)
    assert not permits("11.0.0.1", 80)
    assert permits("127.0.0.1", 8990)
    assert not permits("127.0.0.1", 8991)
    assert not permits("127.0.0.2", 8990)


def test_ipv6_entries_and_ipv4_mapped_addresses() -> None:
    allow = parse_private_networks("::1, fd00::/8 ,[fe80::1]:8080, 10.1.2.3:443")
    assert allow.permits(IPv6Address("::1"), 1234)
    assert allow.permits(IPv6Address("fd12:3456::1"), 80)
    assert allow.permits(IPv6Address("fe80::1"), 8080)
    assert not allow.permits(IPv6Address("fe80::1"), 8081)
    # ::ffff:10.1.2.3 is the same host as 10.1.2.3.
    assert allow.permits(IPv6Address("::ffff:10.1.2.3"), 443)
    assert not allow.permits(IPv6Address("::ffff:10.1.2.3"), 80)

    mapped_entry = parse_private_networks("::ffff:10.0.0.0/104")
    assert mapped_entry.permits(IPv4Address("10.9.8.7"), 80)
    assert not mapped_entry.permits(IPv4Address("11.0.0.1"), 80)


def test_blank_entries_are_ignored() -> None:
    allow = parse_private_networks(" , 10.0.0.1,, ")
    assert allow.permits(IPv4Address("10.0.0.1"), 80)
    assert len(allow.networks) == 1


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("localhost", "localhost"),
        ("intranet.local:8080", "intranet.local"),
        ("10.0.0.0/33", "10.0.0.0/33"),
        ("10.0.0.5/8", "10.0.0.5/8"),
        ("127.0.0.1:0", "127.0.0.1:0"),
        ("127.0.0.1:65536", "127.0.0.1:65536"),
        ("127.0.0.1:http", "127.0.0.1:http"),
        ("127.0.0.1:", "127.0.0.1:"),
        ("127.0.0.1:８０", "127.0.0.1:８０"),
        ("[::1]", "[::1]"),
        ("[::1]:x", "[::1]:x"),
        ("1,10.0.0.0/8", "'1'"),
        ("true", "true"),
    ],
)
def test_unreadable_entries_are_errors_naming_the_entry(raw: str, named: str) -> None:
    with pytest.raises(ValueError, match=named.replace("[", r"\[").replace("]", r"\]")):
        parse_private_networks(raw)


@given(
    address=st.ip_addresses(),
    port=st.integers(min_value=1, max_value=65535),
    other_port=st.integers(min_value=1, max_value=65535),
)
def test_an_address_entry_allows_exactly_what_it_names(
    address: IPv4Address | IPv6Address, port: int, other_port: int
) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    with_port = parse_private_networks(f"{host}:{port}")
    assert with_port.permits(address, port)
    assert with_port.permits(address, other_port) == (port == other_port)

    any_port = parse_private_networks(str(address))
    assert any_port.permits(address, other_port)


def test_web_threads_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().web_threads == 8
    monkeypatch.setenv("NEWSRIVER_WEB_THREADS", "2")
    assert load_settings().web_threads == 2
    monkeypatch.setenv("NEWSRIVER_WEB_THREADS", "0")
    with pytest.raises(SettingsError, match="NEWSRIVER_WEB_THREADS"):
        load_settings()
