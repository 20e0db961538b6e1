"""How the desk writes amounts: one rule for every page and every domain's template."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["money"]


def money(value: object, symbol: str = "$") -> str:
    """``28194.21`` -> ``$28,194.21``: currency, thousands separators, two decimals.

    ``symbol`` is the currency's sign (the claims platform is all USD); a value that is
    not a number is shown as it is, never hidden.
    """
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"
