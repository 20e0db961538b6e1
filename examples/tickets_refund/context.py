# examples/tickets_refund/context.py
"""What one refund decision reads: the ticket and its messages, each with provenance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from interlock.policy.values import ResourceScope
from interlock.task import ContextItem, Provenance, item_id_for

#: The policy resource a ticket is: ``[resources.tickets]`` declares its attributes,
#: masked fields and approval limit.
RESOURCE = "tickets"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ticket:
    """The ticket's fields a decision needs (the e-mail is masked unless the reader may see it)."""

    ticket_id: str
    version: int
    status: str
    region: str
    product_line: str
    confidentiality: str
    customer_email: str
    order_total: Decimal
    requested_amount: Decimal
    delivered_on: date | None
    opened_on: date

    def attributes(self) -> dict[str, str]:
        """The ticket's access attributes, named as the policy's ``tickets`` resource declares them."""
        return {
            "region": self.region,
            "product_line": self.product_line,
            "confidentiality": self.confidentiality,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One message on the ticket, addressable by its context item id in citations."""

    item_id: str
    author: str
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketContext:
    """The ticket and its messages as one principal may see them: Interlock's ``Context``.

    ``for_model`` is what a model may be told about the ticket, as (field, value) pairs:
    the fields the resource declares ``model_never_sees`` are left out, whoever reads.
    """

    ticket: Ticket
    messages: tuple[Message, ...]
    items: tuple[ContextItem, ...]
    for_model: tuple[tuple[str, str], ...]

    @property
    def record_id(self) -> str:
        """The ticket decided."""
        return self.ticket.ticket_id

    @property
    def record_version(self) -> int:
        """The ticket version read; the refund applies only at this version."""
        return self.ticket.version

    def customer_messages(self) -> tuple[Message, ...]:
        """What the customer wrote: the only evidence a refund reason may cite."""
        return tuple(m for m in self.messages if m.author == "customer")


def ticket_context(
    ticket_id: str,
    version: int,
    row: Mapping[Any, Any],
    messages: Iterable[Mapping[Any, Any]],
    scope: ResourceScope,
) -> TicketContext:
    """Build the context of one ticket version from its fields and messages, masked for ``scope``.

    The masks are the resource's declared ``fields``, compiled for the reader. Pure, so
    the SQL connector and an in-memory test world build exactly the same value.
    """
    masks = scope.masks
    shown = masks.apply({"customer_email": str(row["customer_email"])})
    ticket = Ticket(
        ticket_id=ticket_id,
        version=version,
        status=str(row["status"]),
        region=str(row["region"]),
        product_line=str(row["product_line"]),
        confidentiality=str(row["confidentiality"]),
        customer_email=shown["customer_email"],
        order_total=Decimal(str(row["order_total"])),
        requested_amount=Decimal(str(row["requested_amount"])),
        delivered_on=row["delivered_on"],
        opened_on=row["opened_on"],
    )
    items = [
        ContextItem(
            item_id=item_id_for("tickets", ticket.ticket_id, str(version)),
            kind="ticket",
            provenance=Provenance(source="tickets", record_id=ticket.ticket_id, version=str(version)),
        )
    ]
    found: list[Message] = []
    for m in sorted(messages, key=lambda m: str(m["message_id"])):
        item_id = item_id_for("ticket_messages", str(m["message_id"]), str(m["version"]))
        found.append(Message(item_id=item_id, author=str(m["author"]), body=str(m["body"])))
        items.append(
            ContextItem(
                item_id=item_id,
                kind="message",
                provenance=Provenance(
                    source="ticket_messages", record_id=str(m["message_id"]), version=str(m["version"])
                ),
            )
        )
    described = {
        "product_line": ticket.product_line,
        "customer_email": ticket.customer_email,
        "delivered_on": "" if ticket.delivered_on is None else ticket.delivered_on.isoformat(),
        "opened_on": ticket.opened_on.isoformat(),
    }
    return TicketContext(
        ticket=ticket,
        messages=tuple(found),
        items=tuple(items),
        for_model=tuple(sorted(masks.for_model(described).items())),
    )
