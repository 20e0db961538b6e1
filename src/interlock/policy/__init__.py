"""Entitlements: who may read, see unmasked and write what. Pure: no I/O here.

A policy answers with a :class:`~interlock.policy.entitlements.Decision` that carries its
reasons, and compiles a principal's read rights once into a
:class:`~interlock.policy.entitlements.ClaimScope`, the value that retrieval pushes into
every query. Default-deny: anything not granted is refused.
"""
