"""The gate: pure checks over a proposal and its context, composed into a verdict.

Nothing reaches a system of record without passing here: the only constructors of
approved writes live in :mod:`interlock.gate.approval` and are called by the gate and
by a person's review decision.
"""
