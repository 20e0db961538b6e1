"""Reference domain 2: supplier invoices on an ERP's accounts payable (Alder Works)."""
