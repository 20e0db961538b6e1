# examples/tickets_refund/__init__.py
"""tickets.refund: support-ticket refund approval, the example domain of docs/integrate.md."""
