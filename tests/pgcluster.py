"""A throwaway PostgreSQL cluster for the tests: Debian's binaries, 127.0.0.1 only, a free port.

``SCRM_TEST_PG_URL`` (a server URL such as ``postgresql://postgres@127.0.0.1:5432/postgres``)
is used as it is when set. Otherwise :func:`start` runs ``initdb`` and
``pg_ctl start`` in a temporary folder (as the ``postgres`` user through
``runuser`` when the tests run as root, which PostgreSQL requires) and
:func:`stop` removes it all. When neither works, :func:`start` raises
:class:`Unavailable` with the reason, and the PostgreSQL tests skip with it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ENV_URL = "SCRM_TEST_PG_URL"


class Unavailable(Exception):
    """No PostgreSQL server can be used for the tests (the message says why)."""


@dataclass
class Cluster:
    url: str  # the server's maintenance database, from which test databases are created
    folder: Path | None = None  # None: a server given by SCRM_TEST_PG_URL, left running
    as_postgres: bool = False


def _bin_dir() -> Path | None:
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(found, "initdb").exists():
            return Path(found)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cluster: Cluster, *args: str) -> None:
    command = ["runuser", "-u", "postgres", "--", *args] if cluster.as_postgres else list(args)
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
    if done.returncode:
        raise Unavailable(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-300:]}")


def start() -> Cluster:
    """A running server: the one in ``SCRM_TEST_PG_URL``, else a new throwaway cluster."""
    given = os.environ.get(ENV_URL, "").strip()
    if given:
        return Cluster(url=given)
    try:
        import psycopg  # noqa: F401
    except ImportError as e:
        raise Unavailable('psycopg is not installed (pip install ".[postgres]")') from e
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise Unavailable(f"no PostgreSQL server binaries (install Debian's postgresql package, or set {ENV_URL})")
    root = os.geteuid() == 0
    if root and shutil.which("runuser") is None:
        raise Unavailable("running as root without runuser to start PostgreSQL as the postgres user")
    folder = Path(tempfile.mkdtemp(prefix="scrm-pg-"))
    cluster = Cluster(url="", folder=folder, as_postgres=root)
    try:
        if root:
            shutil.chown(folder, user="postgres")
        port = _free_port()
        data = folder / "data"
        _run(cluster, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
             "-E", "UTF8", "--no-sync", "--locale=C")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        _run(cluster, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
             "-o", options, "start")
    except (Unavailable, OSError, LookupError, subprocess.SubprocessError) as e:
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"PostgreSQL could not start here: {e}") from e
    cluster.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    return cluster


def stop(cluster: Cluster) -> None:
    """Stop a cluster :func:`start` made and remove its folder (a given server is left alone)."""
    if cluster.folder is None:
        return
    bin_dir = _bin_dir()
    if bin_dir is not None:
        with contextlib.suppress(Unavailable, subprocess.SubprocessError):
            _run(cluster, str(bin_dir / "pg_ctl"), "-D", str(cluster.folder / "data"), "-m", "immediate", "-w", "stop")
    shutil.rmtree(cluster.folder, ignore_errors=True)


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``.

    >>> database_url("postgresql://postgres@127.0.0.1:5/postgres", "t1")
    'postgresql://postgres@127.0.0.1:5/t1'
    """
    base, _, tail = server_url.rpartition("/")
    query = tail.partition("?")[2]
    return f"{base}/{name}" + (f"?{query}" if query else "")
