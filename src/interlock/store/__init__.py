"""Interlock's own store: work items, decisions, review items, audit events, models.

It is a separate database from any system of record (SQLite or PostgreSQL by URL), so
that Interlock never adds a table or column to a system it does not own.
"""
