"""Where this process's metrics are served from: one registry per process, whole-server numbers.

The API's ``/metrics`` serves this process's families (:mod:`interlock.telemetry.metrics`)
and the store's (:mod:`interlock.telemetry.store_metrics`); a worker serves its own
process's families on a port of its own (``interlock worker --metrics-port``).

Under ``interlock serve --processes N`` a scrape reaches one of N processes, and each
process counts only what it did itself. So the serving command gives its processes one
directory (``PROMETHEUS_MULTIPROC_DIR``) before they start: prometheus_client then
keeps every value in a file there, and a scrape adds up the files of every process
(:class:`~prometheus_client.multiprocess.MultiProcessCollector`), so the numbers are the
whole server's whichever process answers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, start_http_server
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from interlock.telemetry.metrics import REGISTRY

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""The variable prometheus_client reads (when first imported) to keep values in files."""


def multiprocess_dir() -> Path | None:
    """The directory shared by this server's processes, or None when this process counts alone."""
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


API_ONLY_PREFIX = "interlock_api_"
"""Families only an API process has (its task queue); a worker leaves them out."""


class ProcessCollector(Collector):
    """This process's families: from memory, or summed over every process's files."""

    def __init__(self, *, api: bool = True) -> None:
        self.api = api

    def collect(self) -> Iterator[Metric]:
        """Yield the families of one scrape."""
        for family in _families():
            if self.api or not family.name.startswith(API_ONLY_PREFIX):
                yield family


def _families() -> Iterator[Metric]:
    """This process's families, or every process's summed, each family listed even when empty."""
    directory = multiprocess_dir()
    if directory is None:
        yield from REGISTRY.collect()
        return
    summed = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(summed, path=str(directory))  # type: ignore[no-untyped-call]
    seen: set[str] = set()
    for family in summed.collect():
        seen.add(family.name)
        yield family
    # The files hold only what some process has counted; the rest are listed without
    # samples, as one process lists them, so that a scrape always names every family.
    for family in REGISTRY.collect():
        if family.name not in seen:
            yield Metric(family.name, family.documentation, family.type, family.unit)


def registry_with(extra: Iterable[Collector] = (), *, api: bool = True) -> CollectorRegistry:
    """A registry of this process's families plus ``extra`` (the store's, in the API).

    ``api=False`` leaves out the families only an API process has.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ProcessCollector(api=api))
    for collector in extra:
        registry.register(collector)
    return registry


def text(registry: CollectorRegistry) -> bytes:
    """The Prometheus text exposition of ``registry``."""
    return generate_latest(registry)


def serve_process_metrics(port: int, host: str = "127.0.0.1") -> int:
    """Serve this process's families at ``http://host:port/metrics`` from a daemon thread; the port.

    Port 0 picks a free one (the return value says which).
    """
    server, _thread = start_http_server(port, addr=host, registry=registry_with(api=False))
    return int(server.server_port)


class SharedMetricsDir:
    """A fresh ``PROMETHEUS_MULTIPROC_DIR`` for the processes a command is about to start.

    Entering sets the variable (children inherit it) to a new empty directory, unless the
    operator set one, which is then used as it is (it must be emptied between runs, as
    prometheus_client documents). :meth:`process_ended` drops the live gauges of a process
    that is gone; leaving removes a directory made here.
    """

    def __init__(self) -> None:
        self.made: Path | None = None
        self.previous = os.environ.get(MULTIPROC_ENV)

    def __enter__(self) -> Path:
        """Point the variable at the shared directory and return it."""
        if self.previous:
            return Path(self.previous)
        self.made = Path(tempfile.mkdtemp(prefix="interlock-metrics-"))
        os.environ[MULTIPROC_ENV] = str(self.made)
        return self.made

    def process_ended(self, pid: int | None) -> None:
        """Forget the live gauges (queue depth, breakers) of a process that ended."""
        directory = multiprocess_dir()
        if pid is not None and directory is not None:
            mark_process_dead(pid, path=str(directory))  # type: ignore[no-untyped-call]

    def __exit__(self, *exc: object) -> None:
        """Restore the variable and remove a directory made here."""
        if self.made is None:
            return
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(self.made, ignore_errors=True)


__all__ = [
    "API_ONLY_PREFIX",
    "MULTIPROC_ENV",
    "ProcessCollector",
    "SharedMetricsDir",
    "multiprocess_dir",
    "registry_with",
    "serve_process_metrics",
    "text",
]
