#!/usr/bin/env python3
"""Bootstrap and run Interlock from a fresh checkout with nothing but Python 3.11+.

    python3 dev.py demo [ARGS...]   run the demo (the whole path on SQLite and the embedded model)
    python3 dev.py test [ARGS...]   run the test suite on every core (extra arguments go to pytest)
    python3 dev.py check            ruff, mypy and import-linter
    python3 dev.py bench [NAME ...] run a benchmark in bench/ (JSON and a short table); no NAME lists them
    python3 dev.py interlock ARGS   any `interlock` command inside the project environment

The first run creates ``.venv`` with the standard library's venv module, installs uv
into it, and lets uv install the locked dependencies (``uv.lock``); later runs reuse it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
UV_VERSION = "0.13.8"


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def bootstrap() -> None:
    """Create the environment once and keep it in sync with the lock file."""
    if sys.version_info < (3, 11):
        sys.exit(f"Interlock needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    python = BIN / "python"
    if not python.exists():
        print("creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    uv = BIN / "uv"
    if not uv.exists():
        _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"uv=={UV_VERSION}")
    env_python = os.environ.get("UV_PYTHON")
    os.environ["UV_PROJECT_ENVIRONMENT"] = str(VENV)
    os.environ.setdefault("UV_PYTHON", env_python or str(python))
    _run(uv, "sync", "--frozen", "--quiet")


def _bench(args: list[str]) -> int:
    """Run ``bench/NAME.py`` or ``bench/NAME_bench.py`` with the remaining arguments."""
    scripts = {p.stem.removesuffix("_bench"): p for p in sorted((ROOT / "bench").glob("*.py"))}
    if not args or args[0] not in scripts:
        print("benchmarks: " + ", ".join(scripts) + "\n(python3 dev.py bench NAME --help for options)")
        return 0 if not args else 2
    return subprocess.call([str(BIN / "python"), str(scripts[args[0]]), *args[1:]], cwd=ROOT)


def _parallel(args: list[str]) -> list[str]:
    """pytest-xdist options: one worker per core, each test file kept on one worker.

    Files keep their module fixtures (a world built once serves all its tests). Nothing
    is added when the caller chose ``-n``, turned xdist off (``-p no:xdist``) or asked
    for output shown live (``-s``, ``--capture=no``), which needs the tests in this process.
    """
    chosen = any(a.startswith(("-n", "--numprocesses")) for a in args)
    short_s = any(a.startswith("-") and not a.startswith("--") and "s" in a[1:] for a in args)
    pairs = list(zip(args, args[1:]))
    live = short_s or any(a in ("--capture=no", "--capture=tee-sys") for a in args)
    live = live or any(a == "--capture" and b in ("no", "tee-sys") for a, b in pairs)
    disabled = any("no:xdist" in a for a in args)
    return [] if chosen or live or disabled else ["-n", "auto", "--dist", "loadfile"]


def main(argv: list[str]) -> int:
    """Dispatch one of the commands in the module docstring."""
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    # The environment's modules are compiled once and the compiled files kept in .venv
    # and src (both ignored by git). With PYTHONDONTWRITEBYTECODE set, every `interlock`
    # process would compile every module from source again: seconds per process, and
    # the test suite starts hundreds of them.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    bootstrap()
    if command == "demo":
        return subprocess.call([str(BIN / "interlock"), "demo", *rest], cwd=ROOT)
    if command == "test":
        return subprocess.call([str(BIN / "python"), "-m", "pytest", *_parallel(rest), *rest], cwd=ROOT)
    if command == "bench":
        return _bench(rest)
    if command == "check":
        steps = [
            [str(BIN / "ruff"), "check", "src", "tests", "bench", "examples"],
            [str(BIN / "ruff"), "format", "--check", "src", "tests", "bench", "examples"],
            [str(BIN / "python"), "-m", "mypy"],
            [str(BIN / "lint-imports")],
        ]
        return max(subprocess.call(step, cwd=ROOT) for step in steps)
    if command == "interlock":
        return subprocess.call([str(BIN / "interlock"), *rest], cwd=ROOT)
    print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
