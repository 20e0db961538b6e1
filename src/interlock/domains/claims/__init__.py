"""domains claims package."""
