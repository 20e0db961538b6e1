"""Routing: pure functions from a verdict to where a work item goes next."""
