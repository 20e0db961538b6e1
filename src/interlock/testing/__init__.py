"""Test doubles that Interlock ships for its own tests and for its users' tests."""
