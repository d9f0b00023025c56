"""The feed engine: bytes in, normalised and safe data out. Pure — no I/O, no clock."""

from newsriver.feeds.parse import parse_feed

__all__ = ["parse_feed"]
