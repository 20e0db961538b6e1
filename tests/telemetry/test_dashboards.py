"""The shipped dashboard and alert rules: valid for promtool, and only over documented families.

``deploy/prometheus/interlock-alerts.yml`` must pass ``promtool check rules`` and the
unit tests of ``alerts_test.yml`` (``promtool test rules``: each alert fires on the
series it is about and stays silent on healthy ones). Every PromQL expression of
``deploy/grafana/interlock.json`` is wrapped into a recording rule and checked by
``promtool check rules``. Every metric name either file uses must be a family of the
table in docs/observability.md (a histogram's ``_bucket``, ``_sum`` and ``_count`` too),
so renaming a metric without the dashboards breaks this test, and every documented
family must be on the dashboard. Without promtool the promtool checks are skipped with
the reason shown, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from promcheck import documented

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "interlock-alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "interlock.json"
RULE_TESTS = Path(__file__).with_name("alerts_test.yml")

#: Grafana's own interval variables, and what a check may put in their place.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "6h"}
_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
     "offset", "bool", "inf", "nan"}
)  # fmt: skip
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def _promtool() -> str:
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is not installed (Debian's prometheus package provides it)")
        pytest.skip("promtool is not installed (Debian's prometheus package provides it)")
    return promtool


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_promtool(), *args], capture_output=True, text=True, check=False, cwd=cwd)


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, keywords and labels left out)."""
    assert "__name__" not in expr, f"select metrics by name, not by __name__: {expr}"
    text = re.sub(r"#[^\n]*", " ", expr)
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', " ", text)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\boffset\s+-?[0-9a-z]+", " ", text)
    names: set[str] = set()
    for found in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        before = text[found.start() - 1] if found.start() else " "
        if before.isdigit() or before == ".":
            continue  # the exponent of a number such as 1e-9
        if text[found.end() :].lstrip().startswith("("):
            continue  # a function or an aggregation
        if found.group(0).lower() not in _KEYWORDS:
            names.add(found.group(0))
    return names


def undocumented(names: set[str]) -> set[str]:
    """The names that are not a documented family (nor a documented histogram's series)."""
    families = documented()
    histograms = {n for n, d in families.items() if d.type == "histogram"}
    known = set(families) | {h + s for h in histograms for s in _HISTOGRAM_SUFFIXES}
    return names - known


def rule_expressions(rules: dict[str, Any]) -> dict[str, str]:
    """Every rule's expression, by alert (or recorded) name."""
    found: dict[str, str] = {}
    for group in rules["groups"]:
        for rule in group["rules"]:
            found[rule.get("alert") or rule["record"]] = rule["expr"]
    return found


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, those inside collapsed rows included."""
    found: list[dict[str, Any]] = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def dashboard_expressions(dashboard: dict[str, Any]) -> dict[str, str]:
    """Every target's PromQL, keyed ``panel title / refId``, with Grafana's variables filled in."""
    found: dict[str, str] = {}
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            expr = str(target["expr"])
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            assert "$" not in expr, f"{panel['title']}: unknown variable in {expr}"
            found[f"{panel['title']} / {target['refId']}"] = expr
    return found


def _load_rules() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return loaded


def _load_dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def _check_as_rules(expressions: dict[str, str], directory: Path) -> subprocess.CompletedProcess[str]:
    """``promtool check rules`` on a file recording each expression."""
    rules = [{"record": f"dashboard:expression_{n}", "expr": e} for n, e in enumerate(expressions.values())]
    path = directory / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8")
    return _run("check", "rules", str(path))


def test_the_alert_rules_pass_promtool_check_rules() -> None:
    """``promtool check rules`` accepts the shipped rules file."""
    done = _run("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_each_alert_fires_on_its_series_and_not_on_healthy_ones() -> None:
    """``promtool test rules``: every alert of the file is tested, and every test passes."""
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))
    tested = {case["alertname"] for test in tests["tests"] for case in test["alert_rule_test"]}
    assert tested == set(rule_expressions(_load_rules()))
    done = _run("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_dashboard_expression_passes_promtool(tmp_path: Path) -> None:
    """Each panel's PromQL, as a recording rule, passes ``promtool check rules``."""
    expressions = dashboard_expressions(_load_dashboard())
    assert len(expressions) >= 15
    done = _check_as_rules(expressions, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(expressions)} rules found" in done.stdout


def test_a_broken_dashboard_expression_is_caught(tmp_path: Path) -> None:
    """The dashboard check fails on PromQL promtool rejects (so it checks something)."""
    done = _check_as_rules({"broken": "sum by (route (rate(interlock_work_items_total[5m]))"}, tmp_path)
    assert done.returncode != 0


def test_rules_and_dashboard_use_only_documented_families() -> None:
    """Every metric the alert rules and the dashboard select is in docs/observability.md's table."""
    expressions = {**rule_expressions(_load_rules()), **dashboard_expressions(_load_dashboard())}
    for where, expr in expressions.items():
        names = metric_names(expr)
        assert names, f"{where}: no metric in {expr}"
        assert undocumented(names) == set(), f"{where}: {expr}"


def test_every_documented_family_is_on_the_dashboard() -> None:
    """A family added to the docs' table needs a panel."""
    used: set[str] = set()
    for expr in dashboard_expressions(_load_dashboard()).values():
        used |= metric_names(expr)
    for suffix in _HISTOGRAM_SUFFIXES:
        used |= {n.removesuffix(suffix) for n in used}
    assert set(documented()) - used == set()


def test_a_renamed_metric_is_reported() -> None:
    """An expression over a name the docs do not list (a renamed family) is caught."""
    renamed = _load_dashboard()
    target = panels(renamed)[1]["targets"][0]
    target["expr"] = target["expr"].replace(
        "interlock_work_items_total", "interlock_work_items_finished_total"
    )
    names = set().union(*(metric_names(e) for e in dashboard_expressions(renamed).values()))
    assert undocumented(names) == {"interlock_work_items_finished_total"}
    assert undocumented({"interlock_breaker_open_bucket", "interlock_stage_duration_seconds_bucket"}) == {
        "interlock_breaker_open_bucket"
    }


def test_metric_names_reads_promql() -> None:
    """Names are found past functions, label matchers, groupings, offsets, numbers and strings."""
    expr = (
        'histogram_quantile(0.95, sum by (le, stage) (rate(a_seconds_bucket{stage="model"}[5m])))'
        " / on (stage) group_left b_total offset 1h > 1e-9 and bool"
        ' max without (instance) (c{kind=~"x|y"}) unless label_replace(d, "to", "$1", "from", "(.*)")'
        " or sum(rate(e[5m:1m])) by (route)"
    )
    assert metric_names(expr) == {"a_seconds_bucket", "b_total", "c", "d", "e"}


def test_the_dashboard_is_importable() -> None:
    """Grafana's import needs unique panel ids, a datasource on every query panel, and its variable."""
    dashboard = _load_dashboard()
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
