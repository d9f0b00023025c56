"""Google Reader item ids, in every form clients send them.

An item id is a 64-bit number. The long form is `tag:google.com,2005:reader/item/`
followed by its 16 hexadecimal digits; the short form is its decimal value as a *signed*
64-bit integer (Google's own ids had the high bit set, so clients send negative numbers);
some clients send the 16 hex digits bare. The forms are told apart by their shape:

- the `tag:` prefix: hexadecimal;
- 16 characters starting with 0: the bare hex form (zero-padded; no decimal id is
  written with a leading zero);
- otherwise, an optional minus sign and decimal digits: decimal;
- otherwise, up to 16 hexadecimal digits: hexadecimal.

Only a bare hex id of 2**60 or more written without letters reads as decimal: far
beyond any entry id newsriver gives.

Anything else is malformed (ValueError), which the API answers with a 400, never a 500.
"""

from __future__ import annotations

LONG_PREFIX = "tag:google.com,2005:reader/item/"
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_MASK = (1 << 64) - 1
# The largest id a database can hold (SQLite and PostgreSQL integers are signed 64-bit).
MAX_STORED_ID = (1 << 63) - 1


def long_id(entry_id: int) -> str:
    """`tag:google.com,2005:reader/item/000000000000002a` for entry 42."""
    return f"{LONG_PREFIX}{entry_id & _MASK:016x}"


def short_id(entry_id: int) -> str:
    """The decimal form clients use in `stream/items/ids` (signed 64-bit)."""
    value = entry_id & _MASK
    return str(value - (1 << 64) if value > MAX_STORED_ID else value)


def parse_item_id(text: str) -> int:
    """The unsigned 64-bit value of an item id in any form; ValueError when malformed.

    The value may still name no entry (or exceed MAX_STORED_ID): callers treat such ids
    like any other id the user does not have.
    """
    text = text.strip()
    if text.startswith(LONG_PREFIX):
        return _hex(text[len(LONG_PREFIX) :])
    if len(text) == 16 and text.startswith("0"):
        return _hex(text)
    digits = text[1:] if text.startswith("-") else text
    if digits.isascii() and digits.isdigit() and len(digits) <= 20:
        value = int(text)
        if not -(1 << 63) <= value <= _MASK:
            raise ValueError(f"item id out of the 64-bit range: {text[:40]!r}")
        return value & _MASK
    return _hex(text)


def _hex(digits: str) -> int:
    if not digits or len(digits) > 16 or not set(digits) <= _HEX_DIGITS:
        raise ValueError(f"not an item id: {digits[:40]!r}")
    return int(digits, 16)


def stored_ids(values: list[int]) -> list[int]:
    """The values that can be entry ids (1 to MAX_STORED_ID), first occurrences only:
    what the store may be asked about. Others name nothing, and are dropped."""
    return list(dict.fromkeys(value for value in values if 0 < value <= MAX_STORED_ID))
