"""Telemetry: OpenTelemetry spans, Prometheus metrics and PHI-free structured logs.

Everything here is observation only: removing it changes no decision. Spans and
metrics carry identifiers of stages, models and routes, never claim, member or staff
ids, and never content.
"""
