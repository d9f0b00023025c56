"""Google Reader item ids in each form, and the continuation token: pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsriver.api.greader.ids import (
    MAX_STORED_ID,
    long_id,
    parse_item_id,
    short_id,
    stored_ids,
)
from newsriver.api.greader.paging import _continuation, continuation


def test_the_forms_of_one_id() -> None:
    assert long_id(42) == "tag:google.com,2005:reader/item/000000000000002a"
    assert short_id(42) == "42"
    for form in ("tag:google.com,2005:reader/item/000000000000002a", "42", "000000000000002a"):
        assert parse_item_id(form) == 42
    assert parse_item_id(" 2a ") == 42  # bare hex with a letter: hexadecimal
    assert parse_item_id("tag:google.com,2005:reader/item/2A") == 42


def test_google_style_negative_ids_are_the_same_64_bits() -> None:
    high = (1 << 64) - 5
    assert short_id(high) == "-5"
    assert parse_item_id("-5") == high
    assert parse_item_id(long_id(high)) == high
    assert parse_item_id("fffffffffffffffb") == high
    # 16 digits: decimal unless zero-padded (the bare hex form).
    assert parse_item_id("1700000000000000") == 1_700_000_000_000_000
    assert parse_item_id("0000000000000042") == 0x42
    assert stored_ids([high, 7, 7, 0, MAX_STORED_ID + 1, 3]) == [7, 3]


@given(st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_every_form_reads_back(value: int) -> None:
    assert parse_item_id(long_id(value)) == value
    assert parse_item_id(short_id(value)) == value
    bare = f"{value:016x}"
    if bare.startswith("0") or not bare.isdigit():
        assert parse_item_id(bare) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "tag:google.com,2005:reader/item/",
        "tag:google.com,2005:reader/item/xyz",
        "tag:google.com,2005:reader/item/00000000000000001",  # 17 digits
        "12345678901234567890123",  # beyond 64 bits
        "18446744073709551616",  # 2**64
        "-9223372036854775809",
        "0x2a",
        "1.5",
        "١٢٣",  # non-ASCII digits
        "12 34",
        "'; DROP TABLE entries; --",
        "g" * 10_000,
    ],
)
def test_malformed_ids_are_value_errors(text: str) -> None:
    with pytest.raises(ValueError, match="item id"):
        parse_item_id(text)


@given(st.integers(min_value=1, max_value=MAX_STORED_ID))
def test_a_continuation_names_the_entry_it_was_made_for(entry_id: int) -> None:
    token = continuation(entry_id)
    assert str(entry_id) not in token or len(str(entry_id)) < 3
    assert _continuation(token) == entry_id


@pytest.mark.parametrize(
    "token", ["zz", "12", "ZTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk", "e-1", "!!!", "ZQ"]
)
def test_continuations_not_made_here_are_refused(token: str) -> None:
    with pytest.raises(ValueError, match="continuation"):
        _continuation(token)
