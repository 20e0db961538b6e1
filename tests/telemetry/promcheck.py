"""Checks of a Prometheus text exposition against docs/observability.md and promtool's rules.

``documented()`` reads the metrics table of the docs; ``families()`` parses a scrape with
prometheus_client's parser; ``lint()`` applies promtool's lint rules in Python (so the
rules hold even where promtool is missing); ``promtool_problems()`` runs the real
``promtool check metrics`` when it is installed, and in CI insists that it is.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

DOC = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


@dataclass(frozen=True, slots=True)
class Documented:
    """One row of the docs' metrics table."""

    name: str
    type: str
    labels: frozenset[str]
    help: str
    served_by: frozenset[str]


@dataclass(frozen=True, slots=True)
class Family:
    """One family of a scrape, by the name it has in the text (counters with ``_total``)."""

    name: str
    type: str
    help: str
    labels: frozenset[str]
    samples: tuple[Sample, ...]


def documented(where: str | None = None) -> dict[str, Documented]:
    """The documented families (those served by ``where``: api, worker or cli)."""
    rows: dict[str, Documented] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not cells[0].startswith("`"):
            continue
        name, kind, _unit, labels, help_text, served = cells
        rows[name.strip("`")] = Documented(
            name=name.strip("`"),
            type=kind,
            labels=frozenset(re.findall(r"`([a-z_]+)`", labels)),
            help=help_text,
            served_by=frozenset(s.strip() for s in served.split(",")),
        )
    assert rows, f"no metrics table found in {DOC}"
    return {n: d for n, d in rows.items() if where is None or where in d.served_by}


_HISTOGRAM_LABELS = frozenset({"le"})


def _type_lines(text: str) -> dict[str, str]:
    """The families' names as the text's ``# TYPE`` lines spell them (the parser drops ``_total``)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[:2] == ["#", "TYPE"]:
            found[parts[2].removesuffix("_total")] = parts[2]
    return found


def families(text: str) -> dict[str, Family]:
    """The families of a scrape, keyed as their ``# TYPE`` lines name them (a counter keeps ``_total``)."""
    found: dict[str, Family] = {}
    spelled = _type_lines(text)
    for family in text_string_to_metric_families(text):
        name = spelled.get(family.name, family.name)
        assert name not in found, f"family {name} appears twice"
        labels = frozenset(k for s in family.samples for k in s.labels) - _HISTOGRAM_LABELS
        found[name] = Family(name, family.type, family.documentation, labels, tuple(family.samples))
    return found


def differences(text: str, where: str) -> list[str]:
    """Every way a scrape differs from the docs' table for ``where`` (empty when it matches)."""
    expected = documented(where)
    served = families(text)
    problems = [f"documented family {n} is missing" for n in sorted(expected.keys() - served.keys())]
    problems += [f"family {n} is not documented for {where}" for n in sorted(served.keys() - expected.keys())]
    for name in sorted(expected.keys() & served.keys()):
        doc, got = expected[name], served[name]
        if doc.type != got.type:
            problems.append(f"{name}: type {got.type}, documented {doc.type}")
        if doc.help != got.help:
            problems.append(f"{name}: help {got.help!r}, documented {doc.help!r}")
        if got.samples and doc.labels != got.labels:
            problems.append(f"{name}: labels {sorted(got.labels)}, documented {sorted(doc.labels)}")
    return problems


_NON_BASE_UNITS = re.compile(
    r"_(milliseconds|microseconds|nanoseconds|minutes|hours|days|ms|us|ns|kilobytes|megabytes|"
    r"gigabytes|kb|mb|gb|bits|percent|celsius|fahrenheit)(_total)?$"
)
_SNAKE = re.compile(r"^[a-z_][a-z0-9_]*$")
_RESERVED_SUFFIXES = ("_count", "_sum", "_bucket")


def lint(text: str) -> list[str]:
    """promtool's ``check metrics`` lint rules, applied to a scrape; the problems found."""
    problems: list[str] = []
    sample_names: dict[str, str] = {}
    spelled = _type_lines(text)
    for family in text_string_to_metric_families(text):
        name = spelled.get(family.name, family.name)
        if not family.documentation.strip():
            problems.append(f"{name}: no help text")
        if not _SNAKE.match(name):
            problems.append(f"{name}: metric names should be written in snake_case")
        if family.type == "counter" and not name.endswith("_total"):
            problems.append(f"{name}: counter metrics should have '_total' suffix")
        if family.type != "counter" and name.endswith("_total"):
            problems.append(f"{name}: non-counter metrics should not have '_total' suffix")
        if family.type not in {"histogram", "summary"} and name.endswith(_RESERVED_SUFFIXES):
            problems.append(
                f"{name}: non-histogram and non-summary metrics should not have reserved suffixes"
            )
        if _NON_BASE_UNITS.search(name):
            problems.append(f"{name}: use base unit")
        for sample in family.samples:
            for label in sample.labels:
                if not _SNAKE.match(label):
                    problems.append(f"{name}: label names should be written in snake_case, not {label}")
            owner = sample_names.setdefault(sample.name, name)
            if owner != name:
                problems.append(f"sample {sample.name} belongs to both {owner} and {name}")
    return problems


def promtool_problems(text: str) -> list[str]:
    """What ``promtool check metrics`` says about a scrape (skips the check without promtool, outside CI)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool is not installed (Debian's prometheus package provides it)")
        return []
    done = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    said = (done.stdout + done.stderr).strip()
    return [line for line in said.splitlines() if line.strip()] if done.returncode or said else []
