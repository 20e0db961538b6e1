"""The ``interlock`` command."""

from __future__ import annotations

from interlock.cli.app import app


def main() -> None:
    """Entry point of the ``interlock`` console script."""
    app()


__all__ = ["app", "main"]
