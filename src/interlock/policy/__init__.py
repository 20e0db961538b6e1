"""Entitlements: who may read, see unmasked and write what. Pure: no I/O here.

A policy answers with a :class:`~interlock.policy.entitlements.Decision` that carries its
reasons, and compiles a principal's read rights on each declared resource
(:mod:`interlock.policy.resources`: claims, invoices, any other) once into a
:class:`~interlock.policy.values.ResourceScope`, the value that retrieval pushes into
every query (:class:`~interlock.policy.values.ClaimScope` is its claims-era form).
Default-deny: anything not granted is refused.
"""
