"""Durable work items: leases with fencing, recovery points, and the local runner."""
