"""Fixtures of the fault tests; the world itself lives in ``faultworld``."""

from faultworld import fault_world

__all__ = ["fault_world"]
