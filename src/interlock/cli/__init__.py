"""The ``interlock`` command."""

from __future__ import annotations

import os
import sys

from typer.exceptions import Abort, TyperException

from interlock.cli.app import app

DEBUG_ENV = "INTERLOCK_DEBUG"


def main() -> None:
    """Entry point of the ``interlock`` console script: every failure ends as one ``error:`` line.

    Usage mistakes, refused inputs and unexpected exceptions alike print one line on
    standard error and exit non-zero; ``--debug`` (or ``INTERLOCK_DEBUG=1``) shows the
    traceback of an unexpected exception instead, for a bug report.
    """
    args = sys.argv[1:]
    debug = "--debug" in args or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    args = [a for a in args if a != "--debug"]
    try:
        code = app(args=args, prog_name="interlock", standalone_mode=False)
    except TyperException as exc:  # usage mistakes and refused parameters
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            print(ctx.get_help())  # a group called bare shows its help, as before
            sys.exit(2)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        _error(exc.format_message() + hint, exc.exit_code)
    except Abort:
        _error("aborted", 1)
    except Exception as exc:
        if debug:
            raise
        _error(f"{describe(exc)} (run with --debug for the traceback)", 1)
    sys.exit(code if isinstance(code, int) else 0)


def describe(exc: BaseException) -> str:
    """One line for an exception nobody handled: its class and the first line of its message."""
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _error(message: str, code: int) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


__all__ = ["app", "main"]
