"""An import killed mid-way (``kill -9``) leaves no trace: the design's promise
that "a failure leaves the database as it was"."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scrm import bench
from scrm.db import schema as S
from scrm.db import store
from scrm.ingest import import_file

ROOT = Path(__file__).resolve().parent.parent

# Big enough that the write phase lasts over a second on a 2-core machine (the
# WAL grows by some 50 MB while the poll below looks every 5 ms), small enough
# to keep the test near 15 s.
ROWS = 100_000
# The WAL of the killed import must have grown past this before the kill:
# rows are being written, but the transaction has not committed.
WAL_BYTES = 4 * 1024 * 1024
TIMEOUT = 300

EARLIER = (
    "id,platform,author,text,date\n"
    "early-1,twitter,ana,First!,2024-03-05 10:00\n"
    "early-2,twitter,bob,Second,2024-03-06 11:30\n"
)


def _wal_size(db: Path) -> int:
    try:
        return Path(f"{db}-wal").stat().st_size
    except FileNotFoundError:
        return 0


def _kill_mid_import(db: Path, csv: Path) -> float:
    """Start `python -m scrm import` and kill -9 it while it writes; return the WAL size seen."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrm", "--db", str(db), "import", "mentions", str(csv)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    started = time.monotonic()
    seen = 0
    try:
        while proc.poll() is None and time.monotonic() - started < TIMEOUT:
            seen = _wal_size(db)
            if seen > WAL_BYTES:
                proc.kill()  # SIGKILL: no handler, no rollback, no cleanup
                break
            time.sleep(0.005)
        else:
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            if proc.poll() is None:
                proc.kill()
                pytest.fail(f"the import did not start writing within {TIMEOUT} s. stderr: {stderr}")
            pytest.fail(
                f"the import finished (exit {proc.returncode}) in {time.monotonic() - started:.1f} s before it "
                f"could be killed mid-way; raise ROWS in {Path(__file__).name}. stderr: {stderr}"
            )
    finally:
        proc.wait(timeout=60)
        if proc.stderr:
            proc.stderr.close()
    if sys.platform != "win32":
        assert proc.returncode == -signal.SIGKILL, "the import ended on its own, not by the kill"
    return seen


@pytest.mark.slow
def test_import_killed_mid_way_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "scrm.db"
    small = tmp_path / "earlier.csv"
    small.write_text(EARLIER, encoding="utf-8")
    big = bench.write_mentions_csv(tmp_path / "big.csv", ROWS)

    conn = store.open_db(db)
    first = import_file(conn, small, S.MENTIONS)
    assert first.new == 2
    conn.close()

    _kill_mid_import(db, big)

    raw = sqlite3.connect(db)  # plain sqlite3: recovery of the WAL needs nothing of ours
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        if raw.execute("SELECT count(*) FROM imports").fetchone() != (1,):
            pytest.fail("the kill came after the import had committed (while profiles were linked); "
                        "the poll was too slow to see the write phase: raise ROWS")
        assert raw.execute("SELECT mention_id FROM mentions ORDER BY mention_id").fetchall() == [
            ("early-1",),
            ("early-2",),
        ]
        assert raw.execute("SELECT import_id, file_name FROM imports").fetchall() == [(first.import_id, "earlier.csv")]
        assert raw.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
    finally:
        raw.close()

    conn = store.open_db(db)
    try:
        again = import_file(conn, big, S.MENTIONS)
        assert (again.rows_read, again.new, again.rejected) == (ROWS, ROWS, 0)
        counts = store.counts(conn)
        assert counts[S.MENTIONS] == ROWS + 2
        assert counts[S.IMPORTS] == 2
        assert [i["file_name"] for i in store.last_imports(conn)] == ["big.csv", "earlier.csv"]
    finally:
        conn.close()
