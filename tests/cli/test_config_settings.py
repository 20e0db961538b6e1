"""The settings model: precedence, provenance, clear errors, and documentation of every field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from interlock.cli.configured import endpoints, engine_settings
from interlock.exceptions import ConfigurationError
from interlock.settings import Settings, env_name, iter_fields, load_settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"
EXAMPLE = ROOT / "examples" / "interlock.toml"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_no_configuration_is_the_embedded_default() -> None:
    """With no file and no variables: SQLite files in the working directory and the baseline model."""
    loaded = load_settings(None, environ={})
    assert loaded.settings.sor_url == "sqlite:///sor.db"
    assert loaded.settings.store_url == "sqlite:///store.db"
    assert loaded.settings.models.chain == "baseline"
    assert set(loaded.origins.values()) == {"default"}
    # The engine built from the defaults is the engine built with no settings at all, but
    # for the familiarity check: on in the settings, on in code only when an alpha is given.
    from dataclasses import replace

    from interlock.engine import EngineSettings

    knobs = engine_settings(loaded.settings)
    assert replace(knobs, familiarity_alpha=None) == EngineSettings()
    assert knobs.familiarity_alpha == 0.01
    off = load_settings(None, environ={"INTERLOCK_ENGINE__FAMILIARITY": "false"}).settings
    assert engine_settings(off).familiarity_alpha is None


def test_environment_overrides_the_file_and_the_file_overrides_defaults(tmp_path: Path) -> None:
    """A value set in both places comes from the environment; the rest of the section still from the file."""
    config = write(
        tmp_path / "interlock.toml",
        "[engine]\ndeadline_seconds = 5.0\nlease_seconds = 60\n[api]\nport = 9000\n",
    )
    loaded = load_settings(config, environ={"INTERLOCK_ENGINE__DEADLINE_SECONDS": "7.5"})
    s = loaded.settings
    assert (s.engine.deadline_seconds, s.engine.lease_seconds, s.api.port) == (7.5, 60.0, 9000)
    assert s.engine.max_defers == 5
    assert loaded.origins["engine.deadline_seconds"] == "env"
    assert loaded.origins["engine.lease_seconds"] == "file"
    assert loaded.origins["engine.max_defers"] == "default"


def test_config_file_can_be_named_by_the_environment(tmp_path: Path) -> None:
    """``INTERLOCK_CONFIG`` names the file when no path is passed."""
    config = write(tmp_path / "c.toml", 'service_principal = "nightly"\n')
    loaded = load_settings(None, environ={"INTERLOCK_CONFIG": str(config)})
    assert loaded.settings.service_principal == "nightly"
    assert loaded.config_file == config


def test_thresholds_and_deadlines_reach_the_engine(tmp_path: Path) -> None:
    """The [engine] section becomes EngineSettings; ``--threshold`` still sets both thresholds."""
    config = write(
        tmp_path / "c.toml",
        "[engine]\ndeadline_seconds = 4\napprove_threshold = 0.8\ndeny_threshold = 0.95\nmax_defers = 2\n",
    )
    s = load_settings(config, environ={}).settings
    built = engine_settings(s)
    assert (built.deadline_seconds, built.max_defers) == (4.0, 2)
    assert (built.thresholds.approve, built.thresholds.deny) == (0.8, 0.95)
    overridden = engine_settings(s, threshold=0.99)
    assert (overridden.thresholds.approve, overridden.thresholds.deny) == (0.99, 0.99)


def test_secrets_stay_hidden_until_the_sdk_boundary() -> None:
    """API keys are SecretStr: not in repr or dumps, revealed only for the provider client."""
    s = load_settings(
        None,
        environ={
            "INTERLOCK_MODELS__OPENAI_API_KEY": "sk-do-not-print",
            "INTERLOCK_MODELS__OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
        },
    ).settings
    assert "sk-do-not-print" not in repr(s)
    assert "sk-do-not-print" not in s.model_dump_json()
    openai = endpoints(s)["openai"]
    assert (openai.base_url, openai.api_key) == ("http://127.0.0.1:11434/v1", "sk-do-not-print")
    assert endpoints(s)["anthropic"].api_key is None


@pytest.mark.parametrize(
    ("environ", "toml", "expected"),
    [
        ({"INTERLOCK_API__PORT": "eighty"}, "", r"api\.port: .*integer.* \(from INTERLOCK_API__PORT\)"),
        ({"INTERLOCK_MODELS__CHAIN": "gpt-4o"}, "", r"models\.chain: unknown model spec 'gpt-4o'"),
        ({}, "[engine]\napprove_threshold = 1.5\n", r"engine\.approve_threshold: .*less than or equal to 1"),
        ({}, "[engine]\ndeadline = 3\n", r"engine\.deadline: unknown setting"),
        ({}, 'sor_url = "not a url"\n', r"sor_url: not a database URL"),
        ({}, "[engine\n", r"is not valid TOML"),
    ],
)
def test_bad_values_are_named_with_their_source(
    tmp_path: Path, environ: dict[str, str], toml: str, expected: str
) -> None:
    """Every kind of mistake raises ConfigurationError naming the setting and where it came from."""
    config = write(tmp_path / "c.toml", toml)
    with pytest.raises(ConfigurationError, match=expected):
        load_settings(config, environ=environ)


def test_a_missing_config_file_is_an_error(tmp_path: Path) -> None:
    """A named file that is not there is a mistake, not an empty configuration."""
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_every_setting_is_documented() -> None:
    """docs/configuration.md has a row for every field: its TOML key and its variable."""
    text = DOC.read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().strip("`") for line in text.splitlines() if line.startswith("| `")}
    missing = [path for path, _ in iter_fields() if path not in rows or env_name(path) not in text]
    assert missing == [], f"document these settings in {DOC.name}: {missing}"
    unknown = rows - {path for path, _ in iter_fields()}
    assert unknown == set(), f"{DOC.name} documents settings that do not exist: {unknown}"


def _shown(default: object) -> str:
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, tuple):
        return ", ".join(default)
    return str(default)


def test_documented_defaults_match_the_model() -> None:
    """The default column of the documentation is the model's default."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    for path, info in iter_fields():
        row = next(line for line in lines if line.startswith(f"| `{path}` |"))
        documented = row.split("|")[4].strip().strip("`")
        assert documented == _shown(info.default), path


def test_the_example_file_is_valid_and_complete() -> None:
    """examples/interlock.toml loads, and sets (or shows commented out) every section."""
    loaded = load_settings(EXAMPLE, environ={})
    assert isinstance(loaded.settings, Settings)
    text = EXAMPLE.read_text(encoding="utf-8")
    for path, _ in iter_fields():
        assert re.search(rf"^#? ?{re.escape(path.rpartition('.')[2])} =", text, re.MULTILINE), path
