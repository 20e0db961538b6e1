"""A private, throw-away PostgreSQL cluster that a crash test may stop at will.

Stopping a shared server would break everyone else's work, so tests that take
PostgreSQL down run their own cluster: ``initdb`` into a temporary directory, a free
loopback port, trust authentication, and the durability settings of production
(``fsync``, ``synchronous_commit`` and ``full_page_writes`` on), because a crash test
on a server that may lose committed transactions proves nothing.

:meth:`PgCluster.crash` is ``pg_ctl stop -m immediate``: every server process quits at
once, with no shutdown checkpoint, as in a power cut of the database host; the next
start replays the write-ahead log. The binaries come from ``INTERLOCK_PG_BIN``, the
``PATH``, or ``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root,
so under root every server command runs as the ``postgres`` system user (``runuser``)
in a directory that user owns.

    with PgCluster.create() as cluster:
        url = cluster.create_database("scratch")
        cluster.crash()
        cluster.start()
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Final

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from interlock.db import normalize_url

BIN_VAR: Final = "INTERLOCK_PG_BIN"
FIRST_PORT: Final = 5439
SERVER_USER: Final = "postgres"
_SETTINGS: Final = {
    "listen_addresses": "127.0.0.1",
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "max_connections": "60",
    "shared_buffers": "32MB",
    "logging_collector": "off",
}


class ClusterUnavailable(RuntimeError):
    """The binaries to run a private cluster are missing, or the cluster would not start."""


def find_binaries(environ: dict[str, str] | None = None) -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``; raise if there is none."""
    env = os.environ if environ is None else environ
    candidates: list[Path] = []
    if env.get(BIN_VAR):
        candidates.append(Path(env[BIN_VAR]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name, reverse=True)
    candidates += versions
    for directory in candidates:
        if all((directory / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    looked = ", ".join(str(c) for c in candidates) or "nowhere"
    raise ClusterUnavailable(f"initdb/pg_ctl/postgres not found (looked in {looked}; set {BIN_VAR})")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As the server does: connections of a stopped server in TIME_WAIT do not block the port.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class PgCluster:
    """One private cluster: its directory, port and server user; start, crash, stop, remove."""

    def __init__(self, bindir: Path, root: Path, port: int, *, as_user: str | None) -> None:
        self.bindir, self.root, self.port, self.as_user = bindir, root, port, as_user
        self.data = root / "data"
        self.log = root / "server.log"
        self.crashes = 0

    @classmethod
    def create(cls, *, first_port: int = FIRST_PORT, bindir: Path | None = None) -> PgCluster:
        """``initdb`` a new cluster in a temporary directory and start it on a free port.

        Nothing is left behind when this fails: the directory is removed before raising.
        """
        bindir = bindir or find_binaries()
        as_user = SERVER_USER if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="interlock-pg-"))
        if as_user is not None:
            try:
                entry = pwd.getpwnam(as_user)
            except KeyError:
                shutil.rmtree(root, ignore_errors=True)
                raise ClusterUnavailable(f"running as root and there is no {as_user!r} user") from None
            os.chown(root, entry.pw_uid, entry.pw_gid)
        cluster = cls(bindir, root, first_port, as_user=as_user)
        try:
            cluster._run(
                "initdb",
                "-D",
                str(cluster.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-instructions",
            )
            # Another test may be starting a cluster at the same moment: try a few ports.
            for port in range(first_port, first_port + 60):
                if not _port_free(port):
                    continue
                cluster.port = port
                try:
                    cluster.start()
                except ClusterUnavailable:
                    if _port_free(port):
                        raise
                    continue
                return cluster
            raise ClusterUnavailable(f"no free port in {first_port}-{first_port + 59}")
        except BaseException:
            cluster.remove()
            raise

    # -- server control -------------------------------------------------------------

    def _run(self, tool: str, *args: str, timeout: float = 120.0) -> str:
        argv: list[str] = [str(self.bindir / tool), *args]
        if self.as_user is not None:
            argv = ["runuser", "-u", self.as_user, "--", *argv]
        try:
            done = subprocess.run(  # noqa: S603 - argv built from fixed tools and our own paths
                argv, capture_output=True, text=True, timeout=timeout, cwd=self.root, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ClusterUnavailable(f"{tool}: {exc}") from exc
        if done.returncode != 0:
            tail = self.log.read_text(errors="replace")[-800:] if self.log.exists() else ""
            raise ClusterUnavailable(f"{tool} failed ({done.returncode}): {done.stderr.strip()} {tail}")
        return done.stdout

    def _options(self) -> str:
        settings = {**_SETTINGS, "port": str(self.port), "unix_socket_directories": str(self.root)}
        return " ".join(f"-c {k}={v}" for k, v in settings.items())

    def start(self) -> None:
        """Start the server (replaying the write-ahead log after a crash) and wait until it accepts."""
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            self._options(),
        )

    def crash(self) -> None:
        """Stop immediately: no checkpoint, every backend gone; the next start recovers."""
        self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))
        self.crashes += 1

    def stop(self) -> None:
        """A clean (fast) shutdown."""
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    @property
    def running(self) -> bool:
        """True while the postmaster's pid file exists."""
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        """Stop the server if it runs (immediately: its data is about to go) and delete the directory."""
        try:
            if self.running:
                self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data), timeout=60)
        except ClusterUnavailable:
            pass
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- databases ------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for ``database`` over loopback TCP."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, statements: Sequence[str]) -> None:
        """Run administrative statements (``CREATE DATABASE`` ...) outside a transaction."""
        admin = create_engine(normalize_url(self.url()), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for statement in statements:
                    conn.exec_driver_sql(statement)
        finally:
            admin.dispose()

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create ``name`` (optionally as a copy of ``template``) and return its URL."""
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.execute([f'CREATE DATABASE "{name}"{suffix}'])
        return make_url(self.url()).set(database=name).render_as_string(hide_password=False)

    def wait_ready(self, seconds: float = 30.0) -> None:
        """Block until a connection succeeds (recovery after a crash can take a moment)."""
        give_up = time.monotonic() + seconds
        while True:
            try:
                self.execute(["SELECT 1"])
                return
            except Exception as exc:
                if time.monotonic() > give_up:
                    raise ClusterUnavailable(f"cluster on port {self.port} not ready: {exc}") from exc
                time.sleep(0.1)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.remove()
