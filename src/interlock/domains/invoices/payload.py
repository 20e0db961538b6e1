"""What an approved invoice decision writes: the released amount and its ledger postings.

The payload of a commit, built by the task from a proposal that passed the gate and
applied by the connector in one ERP transaction. It is kept as decimal strings in the
recovery point, so a retried write applies exactly the cents that were decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from interlock.domains.invoices.rules import Posting

__all__ = ["InvoicePayload"]


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoicePayload:
    """The amount released for payment (0.00 on a rejection) and one posting per line on approval."""

    approved_amount: Decimal
    postings: tuple[Posting, ...]

    def to_json(self) -> dict[str, Any]:
        """Decimal strings, never floats: the recovery point must restore the exact cents."""
        return {
            "approved_amount": str(self.approved_amount),
            "postings": [[p.line_no, p.gl_account, p.cost_center, str(p.amount)] for p in self.postings],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InvoicePayload:
        """The payload saved by :meth:`to_json`, exactly."""
        return cls(
            approved_amount=Decimal(str(data["approved_amount"])),
            postings=tuple(
                Posting(line_no=int(n), gl_account=str(a), cost_center=str(c), amount=Decimal(str(m)))
                for n, a, c, m in data["postings"]
            ),
        )
