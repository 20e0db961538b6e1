"""Start-up cost of the CLI: listing the commands loads no database, model or web code."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "pydantic", "sklearn", "numpy", "openai", "fastapi", "interlock.engine")


def test_help_imports_nothing_heavy() -> None:
    """`interlock --help` builds the whole command tree without importing databases, models or the API."""
    probe = (
        "import sys\n"
        "from interlock.cli import app\n"
        "from typer.main import get_command\n"
        "get_command(app)\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""


def test_help_lists_every_command_group() -> None:
    """The fast `--help` still lists the commands registered by every CLI module."""
    shown = subprocess.run(
        [sys.executable, "-m", "interlock", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "200", "PATH": ""},
    ).stdout
    for name in (
        "adjudicate",
        "audit",
        "serve",
        "demo",
        "index",
        "worker",
        "metrics",
        "db",
        "config",
        "faults",
    ):
        assert f" {name} " in shown, name


def test_the_cli_default_key_name_is_the_audit_default() -> None:
    """`audit keygen`'s default key name, spelled out for start-up speed, is the audit module's default."""
    from interlock.audit.checkpoint import DEFAULT_KEY_NAME
    from interlock.cli.audit_cmds import DEFAULT_KEY_NAME as CLI_DEFAULT

    assert CLI_DEFAULT == DEFAULT_KEY_NAME


def _paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the CLI, groups included."""
    subcommands = getattr(command, "commands", {})
    found = [prefix]
    for name, sub in subcommands.items():
        found += _paths(sub, (*prefix, name))
    return found


def test_every_help_text_reads_at_80_columns() -> None:
    """Each command's --help fits 80 columns, marks no flag `<bool>`, and shows no raw reST markup."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from interlock.cli import app

    runner = CliRunner()
    paths = _paths(get_command(app))
    assert len(paths) > 30
    for path in paths:
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
        assert shown.exit_code == 0, (path, shown.output)
        assert all(len(line) <= 80 for line in shown.output.splitlines()), (path, shown.output)
        assert "<bool>" not in shown.output and "``" not in shown.output, (path, shown.output)
