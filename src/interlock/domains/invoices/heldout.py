"""The held-out phrasing family: invoices worded in a style and vocabulary training never sees.

Terse statements of charges, shorthand covering notes and the accounts' held-out
purchases (other nouns for the same kinds of spending). Nothing trains on this family:
a baseline that does well on it has learned what the accounts mean, not the standard
family's templates. Tests seed backlogs in it and measure the decisions.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from interlock.domains.invoices.phrasing import Family

__all__ = ["HeldOutFamily"]


class HeldOutFamily(Family):
    """Clipped, upper-case headers, shorthand notes, the held-out vocabulary."""

    name = "heldout"

    def item(self, spec_items: Sequence[str], heldout_items: Sequence[str], rng: random.Random) -> str:
        """One of the account's held-out items (falling back to standard ones if it has none)."""
        return rng.choice(list(heldout_items or spec_items))

    def line(self, item: str, rng: random.Random) -> str:
        """Upper-case item text, sometimes with a service period."""
        return item.upper() + rng.choice(("", " / SVC PERIOD Q2", " -- PER SOW"))

    def invoice_text(
        self, *, number: str, vendor: str, lines: Sequence[tuple[str, int]], total: str, rng: random.Random
    ) -> str:
        """A statement of charges: reference, provider, itemised charges, balance."""
        rows = "; ".join(f"{desc.lower()} [{qty} units]" for desc, qty in lines)
        closing = rng.choice(("Remit by due date.", "Balance payable on receipt.", "E&OE."))
        return f"STATEMENT OF CHARGES // REF {number} // PROVIDER {vendor.upper()}\nCHARGES: {rows}\nBALANCE {total}. {closing}"

    def email(self, *, number: str, vendor: str, about: str, rng: random.Random) -> str:
        """A shorthand note from the vendor's billing desk."""
        greeting = rng.choice(("Hi AP team", "AP -", "Hi there"))
        return f"{greeting} - ref {number} attached, covers {about}. Thx, {vendor} billing"
