"""newsriver: a self-hosted RSS, Atom and JSON Feed aggregator and reader."""

__version__ = "0.1.0.dev0"
