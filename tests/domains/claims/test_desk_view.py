"""The desk's formatting rules: money with currency and separators, the proposal's CARC and action."""

from __future__ import annotations

from decimal import Decimal

from interlock.domains.claims.desk_view import carc_options, money, proposed_action, proposed_carc


def test_money_has_currency_separators_and_cents() -> None:
    """Amounts read as $28,194.21: currency symbol, thousands separators, two decimals."""
    assert money(Decimal("28194.21")) == "$28,194.21"
    assert money("1000000") == "$1,000,000.00"
    assert money(Decimal("-5.5")) == "-$5.50"


def test_a_denial_proposal_preselects_its_carc() -> None:
    """A proposal denying with CARC 50 selects 50, and only 50, among codes that carry their meaning."""
    options = carc_options({"outcome": "deny", "carc": "50"})
    assert [o.code for o in options if o.selected] == ["50"]
    assert all(o.meaning for o in options)
    assert proposed_action({"outcome": "deny", "carc": "50"}) == "deny"


def test_a_held_claim_preselects_the_rules_suggestion() -> None:
    """A high-value claim held for a person preselects the CARC the rules suggested in its rationale."""
    held = {"outcome": "review", "carc": None, "rationale": "high-value claim: ... (rules suggest deny 197)"}
    assert proposed_carc(held) == "197"
    assert proposed_action(held) == "deny"
    assert proposed_action({"outcome": "review", "carc": None, "rationale": "rule 9: unsettled"}) is None
    assert not any(o.selected for o in carc_options({"outcome": "review", "rationale": "x"}))


def test_code_meanings_match_the_policy_manual_in_docs() -> None:
    """The meanings the desk shows are those of docs/reference/claims-policy.md, code for code."""
    import re
    from pathlib import Path

    from interlock.domains.claims.rules import CARC_MEANINGS, KNOWN_CARCS

    manual = (Path(__file__).resolve().parents[3] / "docs" / "reference" / "claims-policy.md").read_text()
    codes = manual.split("## Claim adjustment reason codes")[1]
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", codes, flags=re.MULTILINE))
    assert table == CARC_MEANINGS
    assert set(table) == KNOWN_CARCS
