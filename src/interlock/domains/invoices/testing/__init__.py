"""Helpers for tests of the invoices domain (ours and users'): hand-written ERP rows."""
