"""Revisions of Interlock's store, oldest first; each file is one explicit step."""
