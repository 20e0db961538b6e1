"""One bare claim row per combination of the attributes entitlements are decided on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any


def attribute_claim(region: str, lob: str, sensitivity: str) -> dict[str, Any]:
    """A ``claims`` row with these attributes, its id ``region/lob/sensitivity``, nothing else of note."""
    return {
        "claim_id": f"{region}/{lob}/{sensitivity}",
        "member_id": "M",
        "billing_npi": "1",
        "service_date": date(2026, 1, 1),
        "received_date": date(2026, 1, 2),
        "place_of_service": "11",
        "total_billed": Decimal("1.00"),
        "region": region,
        "line_of_business": lob,
        "sensitivity": sensitivity,
        "status": "received",
        "version": 1,
        "updated_at": date(2026, 1, 1),
    }
