# examples/tickets_refund/pack.py
"""The domain pack: what ``interlock.registry`` finds under the ``interlock.domains`` group."""

from __future__ import annotations

from interlock.task import Domain
from tickets_refund.connector import SqlTicketsConnector
from tickets_refund.task import TicketsRefund

DOMAIN = Domain(name="tickets", tasks=(TicketsRefund(),), connector=SqlTicketsConnector)
