"""``python -m interlock`` runs the CLI."""

from interlock.cli import main

main()
