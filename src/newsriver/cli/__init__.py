"""The `newsriver` command line; `main` is the console-script entry point."""

from newsriver.cli.app import app, main

__all__ = ["app", "main"]
