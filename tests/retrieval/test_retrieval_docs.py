"""docs/retrieval.md stays true: its policy examples parse and its planner limits are the code's."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from interlock.policy.document import parse_policy_toml
from interlock.retrieval.access import RESTRICTED_MAX_KEYS, RESTRICTED_MAX_SHARE
from interlock.retrieval.threshold import (
    DOCUMENT_COST_IN_POSTINGS,
    MAX_FIRST_DEPTH,
    MIN_DEPTH,
    READ_TO_THE_END_FACTOR,
)

DOC = Path(__file__).parents[2] / "docs" / "retrieval.md"
SHIPPED = resources.files("interlock.policy").joinpath("default_policy.toml").read_text(encoding="utf-8")


def _toml_blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_documented_read_rules_are_the_shipped_ones() -> None:
    """The policy shown in the docs is a verbatim part of the shipped default file and valid on its own."""
    shown = _toml_blocks()[0]
    assert shown in SHIPPED
    assert parse_policy_toml(shown).roles.keys() >= {"analyst", "supervisor", "service", "auditor"}


def test_documented_deny_rule_is_valid() -> None:
    """The deny rule example parses when added to the shipped policy."""
    policy = parse_policy_toml(SHIPPED + "\n" + _toml_blocks()[1])
    assert [rule.reason for rule in policy.deny] == [
        "claims of the executive plan are handled by its own unit"
    ]


def test_documented_planner_limits_match_the_code() -> None:
    """The restricted-path limits the docs state are the constants the planner uses."""
    stated = f"at most {RESTRICTED_MAX_SHARE:.0%} of the documents, in at most {RESTRICTED_MAX_KEYS} keys"
    assert stated in DOC.read_text(encoding="utf-8")


def test_documented_postgresql_planner_constants_match_the_code() -> None:
    """The threshold path's depths and the restricted-path cost the docs state are the code's constants."""
    doc = " ".join(DOC.read_text(encoding="utf-8").split())
    assert f"between {MIN_DEPTH} and {MAX_FIRST_DEPTH:,}" in doc
    assert f"expected to hold at most {READ_TO_THE_END_FACTOR} times that depth" in doc
    assert f"the permitted documents times {DOCUMENT_COST_IN_POSTINGS}" in doc
