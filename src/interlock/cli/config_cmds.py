"""``interlock --config FILE ...`` and ``interlock config show``.

The global ``--config`` option (or ``INTERLOCK_CONFIG``) names the TOML file every
command reads its settings from; ``config show`` prints what a command would use, with
secrets masked and, for each value, whether it is the default or came from the file
or the environment. Registered on the main app by importing this module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from interlock.settings import LoadedSettings
from rich.markup import escape

from interlock.cli import configured
from interlock.cli.app import app
from interlock.cli.common import fail, out
from interlock.exceptions import ConfigurationError

config_app = typer.Typer(
    help="The effective configuration (defaults, TOML file, environment).", no_args_is_help=True
)
app.add_typer(config_app, name="config")

MASK = "**********"
_URL_FIELDS = frozenset({"sor_url", "store_url"})


@app.callback()
def read_configuration(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="INTERLOCK_CONFIG",  # interlock.settings.CONFIG_ENV, spelled out to keep start-up light
            help="TOML settings file (see docs/configuration.md).",
            show_envvar=True,
        ),
    ] = None,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="On an unexpected error, print its traceback (anywhere on the line; INTERLOCK_DEBUG=1).",
        ),
    ] = False,
) -> None:
    """Read the settings once, before any command, so a bad value stops every command the same way.

    ``--debug`` is taken off the command line by :func:`interlock.cli.main` wherever it
    appears; it is declared here so that ``interlock --help`` lists it.
    """
    del debug
    try:
        loaded = configured.load(config)
    except ConfigurationError as exc:
        fail(escape(str(exc)))
    configured.configure_telemetry(loaded.settings)


@config_app.command("show")
def config_show(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of TOML.")] = False,
) -> None:
    """Print the effective settings (secrets masked) and where each value came from."""
    loaded = configured.loaded()
    values = masked(loaded)
    if json_out:
        out.print_json(
            json.dumps(
                {
                    "config_file": None if loaded.config_file is None else str(loaded.config_file),
                    "settings": values,
                    "origins": dict(loaded.origins),
                }
            )
        )
        return
    out.print(to_toml(values, loaded), markup=False, highlight=False, soft_wrap=True)


def masked(loaded: LoadedSettings) -> dict[str, Any]:
    """The settings as plain data, secrets replaced by a mask and passwords cut from URLs."""
    data: dict[str, Any] = loaded.settings.model_dump(mode="python")
    return {key: _mask(key, value) for key, value in data.items()}


def _mask(key: str, value: Any) -> Any:
    from pydantic import SecretStr  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    if isinstance(value, dict):
        return {k: _mask(k, v) for k, v in value.items()}
    if isinstance(value, SecretStr):
        return MASK
    if key in _URL_FIELDS and isinstance(value, str):
        return make_url(value).render_as_string(hide_password=True)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _toml_value(value: Any) -> str:
    # JSON's string, number, boolean and array forms are valid TOML for these values.
    return json.dumps(value)


def to_toml(values: dict[str, Any], loaded: LoadedSettings) -> str:
    """A TOML document of ``values``; unset values are commented out, origins are comments."""
    from interlock.settings import (  # noqa: PLC0415
        env_name,
        iter_fields,
    )

    source = "defaults and the environment" if loaded.config_file is None else str(loaded.config_file)
    lines = [f"# effective configuration ({source}; environment overrides the file)"]
    sections: dict[str, list[str]] = {"": []}
    for path, _info in iter_fields():
        section, _, name = path.rpartition(".")
        value = values[section][name] if section else values[name]
        origin = loaded.origins.get(path, "default")
        note = {"env": f"  # from {env_name(path)}", "file": "  # from the file"}.get(origin, "")
        line = f"# {name} = (unset)" if value is None else f"{name} = {_toml_value(value)}"
        sections.setdefault(section, []).append(line + note)
    lines += sections.pop("")
    for section, body in sections.items():
        lines += ["", f"[{section}]", *body]
    return "\n".join(lines)
