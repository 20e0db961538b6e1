"""Several API server processes on one port, each with its own listening socket.

One Python process runs Python code on about one core at a time, so ``interlock serve
--processes N`` starts N server processes. uvicorn's own ``--workers`` shares one
listening socket between them, and the kernel then hands each new connection to
whichever process wakes first: under a burst of connections (a load balancer's pool,
or any client opening several keep-alive connections) one process took all of them
while the others idled. Here every process opens its own socket on the same address
with ``SO_REUSEPORT``, and the kernel spreads connections over the sockets by a hash of
each connection's addresses, so load divides whichever process is busy.

The parent only supervises. On SIGTERM or SIGINT it sends SIGTERM to every process
(each finishes the requests in hand, as uvicorn does on a signal), kills those still
running after :data:`STOP_GRACE_SECONDS`, and exits 0. When a process ends without
being asked to (a crash, a kill, a signal from elsewhere), it stops the others the same
way and exits 1, so that the service manager restarts the whole set rather than leaving
a partial one serving. The processes run in their own process group, so a terminal's
Ctrl-C reaches only the parent, which then stops them in order; and each asks the
kernel for SIGTERM should the parent die first, so none is left serving the port as an
orphan. (Only processes of the same user may bind a port already bound with
``SO_REUSEPORT``.)
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from interlock.telemetry.exposition import SharedMetricsDir

#: Pending connections the kernel queues per process before refusing more.
BACKLOG = 2048
#: Seconds each process gets to finish its requests after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 30.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that other processes of this user may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio switches Nagle's algorithm off only for
    # sockets that say they are TCP, and with it on, a response written as headers then
    # body waits out the client's delayed ACK (about 40 ms) on every keep-alive request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    return sock


def _follow_parent(parent: int) -> None:
    """Leave the terminal's process group, and end with the parent (Linux) instead of outliving it."""
    os.setpgid(0, 0)
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request above took effect
        sys.exit(0)


def _serve_one(host: str, port: int, log_level: str, parent: int) -> None:
    """One server process: its own socket, the app built from the inherited settings."""
    _follow_parent(parent)
    from interlock.api.app import app_from_env  # noqa: PLC0415 - built in the child, after spawn
    from interlock.api.settings import server_limits  # noqa: PLC0415

    sock = listening_socket(host, port)
    app = app_from_env()
    limits = server_limits(app.state.services.settings)
    config = uvicorn.Config(app, log_level=log_level, lifespan="on", **limits)
    uvicorn.Server(config).run(sockets=[sock])


def serve_processes(count: int, host: str, port: int, *, log_level: str = "info") -> int:
    """Run ``count`` server processes on ``host:port`` until a signal or a death; the exit code.

    The processes share one metrics directory, so that ``/metrics`` answers the whole
    server's numbers whichever process a scrape reaches.
    """
    from interlock.telemetry.exposition import SharedMetricsDir  # noqa: PLC0415

    shared = SharedMetricsDir()
    with shared:
        return _supervise(count, host, port, log_level, shared)


def _supervise(count: int, host: str, port: int, log_level: str, shared: SharedMetricsDir) -> int:
    context = multiprocessing.get_context("spawn")
    children: list[BaseProcess] = [
        context.Process(
            target=_serve_one, args=(host, port, log_level, os.getpid()), name=f"interlock-api-{i}"
        )
        for i in range(count)
    ]
    died: list[str] = []
    stop_by: list[float] = []  # set once: when the grace for stopping ends

    def stop_all() -> None:
        if not stop_by:
            stop_by.append(time.monotonic() + STOP_GRACE_SECONDS)
        for child in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: uvicorn finishes the requests in hand

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop_all()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for child in children:
            if stop_by:  # a signal came while the others were starting
                break
            child.start()
        waiting = {child.sentinel: child for child in children if child.pid is not None}
        while waiting:
            timeout = max(0.0, stop_by[0] - time.monotonic()) if stop_by else None
            ready = multiprocessing.connection.wait(list(waiting), timeout)
            if not ready:  # the grace is over: SIGKILL, and a few seconds for it to land
                for child in waiting.values():
                    child.kill()
                stop_by[0] = time.monotonic() + 5.0
                continue
            for sentinel in ready:
                child = waiting.pop(sentinel)  # type: ignore[arg-type]
                child.join()
                shared.process_ended(child.pid)
                if not stop_by:  # nobody asked it to stop
                    died.append(f"{child.name} exited with {child.exitcode}")
                    print(f"interlock serve: {died[0]}; stopping the others", file=sys.stderr)
                    stop_all()
        return 1 if died else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
