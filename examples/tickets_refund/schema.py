# examples/tickets_refund/schema.py
"""The help desk's own tables: tickets, their messages, the refunds written back, the agents.

A ticket's access columns are the help desk's own (``region``, ``product_line``,
``confidentiality``); the policy file's ``[resources.tickets]`` declaration says which
attribute each column holds, and Interlock compiles its scope against them.
"""

from __future__ import annotations

from sqlalchemy import TIMESTAMP, Boolean, Column, Date, ForeignKey, Integer, MetaData, Numeric, Table, Text

metadata = MetaData()

MONEY = Numeric(12, 2, asdecimal=True)

tickets = Table(
    "tickets",
    metadata,
    Column("ticket_id", Text, primary_key=True),
    # Bumped by the help desk on every edit of the ticket; a refund applies only at the version decided.
    Column("version", Integer, nullable=False),
    Column("status", Text, nullable=False),  # open | held | refunded | declined
    Column("region", Text, nullable=False),
    Column("product_line", Text, nullable=False),
    Column("confidentiality", Text, nullable=False),  # none | legal
    Column("customer_email", Text, nullable=False),
    Column("order_total", MONEY, nullable=False),
    Column("requested_amount", MONEY, nullable=False),
    Column("delivered_on", Date, nullable=True),
    Column("opened_on", Date, nullable=False),
)

ticket_messages = Table(
    "ticket_messages",
    metadata,
    Column("message_id", Text, primary_key=True),
    Column("ticket_id", Text, ForeignKey("tickets.ticket_id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("author", Text, nullable=False),  # customer | agent
    Column("body", Text, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    Column("refund_id", Text, primary_key=True),
    Column("ticket_id", Text, ForeignKey("tickets.ticket_id"), nullable=False),
    Column("ticket_version", Integer, nullable=False),
    Column("outcome", Text, nullable=False),  # approve | deny
    Column("reason_code", Text, nullable=True),
    Column("amount", MONEY, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("rationale", Text, nullable=False),
    # One refund per work item, however often the write is retried.
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("decided_at", TIMESTAMP, nullable=False),
)

agents = Table(
    "agents",
    metadata,
    Column("agent_id", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    # The one (region, product line) the agent works.
    Column("region", Text, nullable=False),
    Column("product_line", Text, nullable=False),
    Column("privileges", Text, nullable=False),  # space-separated
)
