"""work package."""
