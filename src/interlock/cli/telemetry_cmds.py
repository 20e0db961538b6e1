"""``interlock metrics``: the store's operational gauges in Prometheus text format."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from interlock.cli.app import app
from interlock.cli.common import STORE_HELP, open_store

if TYPE_CHECKING:
    pass


@app.command("metrics")
def metrics(store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None) -> None:
    """Print work items by route and status, review backlog and age, audited model errors, sampled precision.

    Without --store, the configured store (store_url) is read.
    """
    from interlock.cli.configured import settings  # noqa: PLC0415
    from interlock.from_settings import quality_of  # noqa: PLC0415
    from interlock.telemetry.store_metrics import store_exposition  # noqa: PLC0415

    engine = open_store(store, create=False)
    quality = quality_of(settings().quality)
    sys.stdout.write(store_exposition(engine, lambda: datetime.now(UTC), quality).decode())
