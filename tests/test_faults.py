"""Faults diagnosed truthfully: each fault of the file or the disk has its own sentence, the CLI
prints no traceback, a failed score after an import is reported as pending, workers die with
their parent, and an interrupted ``demo`` leaves no half database (issue 10)."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlite_utils

from scrm import api, cli
from scrm.db import schema as S
from scrm.db import store
from scrm.demo import build_demo
from scrm.errors import DatabaseBusy, DatabaseDamaged, DatabaseFault, DiskFull, ReadOnlyDatabase

ROOT = Path(__file__).resolve().parent.parent

BUSY = (
    "x.db is busy: another program (an import, `score`, the app) held its write lock for more than 30 seconds. "
    "Nothing of this change was saved; wait for the other writer to finish and try again."
)
FULL = (
    "The disk holding x.db is full (or its quota is used up). Nothing of this change was saved and the database "
    "is intact; free some space, or point SCRM_DB at a disk with room, and try again."
)
READ_ONLY = (
    "x.db is read-only: the file, its folder (where SQLite keeps its -wal and -shm files) or the disk cannot be "
    "written. Nothing was changed and the database is not damaged; make them writable, or point SCRM_DB at a "
    "writable copy, and try again."
)
DENIED = (
    "Permission denied on x.db: this user may not read or write the file or its folder. Fix their owner or "
    "permissions, or point SCRM_DB at a file you own. The database itself was not changed."
)
CANNOT_OPEN = (
    "x.db cannot be opened: its folder is missing, read-only or not accessible to this user. Check that the "
    "folder exists and that this user may write in it, or point SCRM_DB at another file."
)


@pytest.mark.parametrize(
    ("error", "kind", "sentence"),
    [
        (sqlite3.OperationalError("database is locked"), DatabaseBusy, BUSY),
        (sqlite3.OperationalError("database or disk is full"), DiskFull, FULL),
        (OSError(errno.ENOSPC, "No space left on device"), DiskFull, FULL),
        (sqlite3.OperationalError("attempt to write a readonly database"), ReadOnlyDatabase, READ_ONLY),
        (OSError(errno.EROFS, "Read-only file system"), ReadOnlyDatabase, READ_ONLY),
        (PermissionError(errno.EACCES, "Permission denied"), ReadOnlyDatabase, DENIED),
        (sqlite3.OperationalError("unable to open database file"), ReadOnlyDatabase, CANNOT_OPEN),
        (
            sqlite3.DatabaseError("file is not a database"),
            DatabaseDamaged,
            "x.db is not an scrm database or is damaged (file is not a database). Point SCRM_DB at another file, "
            "or move this one away and run `python -m scrm demo`.",
        ),
        (
            sqlite3.DatabaseError("database disk image is malformed"),
            DatabaseDamaged,
            "x.db is not an scrm database or is damaged (database disk image is malformed). Point SCRM_DB at "
            "another file, or move this one away and run `python -m scrm demo`.",
        ),
    ],
)
def test_each_fault_of_the_file_has_its_own_sentence(error: BaseException, kind: type, sentence: str) -> None:
    fault = store.explain_sqlite_error(error, "x.db")
    assert type(fault) is kind
    assert str(fault) == sentence


def test_an_error_that_is_no_fault_of_the_file_is_left_alone() -> None:
    assert store.explain_sqlite_error(sqlite3.OperationalError("no such column: nope"), "x.db") is None
    assert store.explain_sqlite_error(ValueError("a bug"), "x.db") is None


def test_a_damaged_file_is_called_damaged(tmp_path: Path) -> None:
    path = tmp_path / "scrm.db"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(DatabaseDamaged, match=r"is not an scrm database or is damaged \(file is not a database\)"):
        store.open_db(path)


def _read_only_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections that cannot write, as on a read-only file (chmod does not stop root, who runs the tests)."""

    def connect(path: str | Path) -> sqlite_utils.Database:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=1)
        return sqlite_utils.Database(conn)

    monkeypatch.setattr(store, "connect", connect)


def test_a_healthy_read_only_database_is_read_only_not_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    csv = tmp_path / "m.csv"
    csv.write_text("id,platform,author,text,date\nm1,twitter,ana,Great,2024-03-05\n", encoding="utf-8")
    _read_only_connect(monkeypatch)
    db = store.open_db(path)  # reading works
    with pytest.raises(ReadOnlyDatabase) as caught, store.transaction(db):
        db.execute(f"INSERT INTO {S.CUSTOMERS} (customer_id) VALUES ('c1')")
    db.close()
    assert str(caught.value) == READ_ONLY.replace("x.db", str(path))
    code = cli.main(["--db", str(path), "import", "mentions", str(csv)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err == f"error: {READ_ONLY.replace('x.db', str(path))}\n"
    assert "damaged" not in err.replace("not damaged", "")


def test_a_new_read_only_database_is_not_called_damaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "scrm.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()  # an SQLite file scrm never migrated
    _read_only_connect(monkeypatch)
    with pytest.raises(ReadOnlyDatabase):
        store.open_db(path)


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (sqlite3.OperationalError("database is locked"), BUSY),
        (sqlite3.OperationalError("database or disk is full"), FULL),
        (OSError(errno.ENOSPC, "No space left on device"), FULL),
        (sqlite3.OperationalError("attempt to write a readonly database"), READ_ONLY),
        (PermissionError(errno.EACCES, "Permission denied"), DENIED),
        (
            MemoryError(),
            "scrm ran out of memory. Close other programs, or split the file into smaller parts, and try again.",
        ),
        (
            RecursionError("maximum recursion depth exceeded"),
            "The input is nested too deeply to read (JSON with thousands of levels inside each other?). "
            "Flatten it, or export it as CSV, and try again.",
        ),
    ],
)
def test_the_cli_says_one_sentence_per_fault_and_no_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    sentence: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    store.open_db("x.db").close()

    def failing(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(api, "score", failing)
    code = cli.main(["--db", "x.db", "score"])
    out, err = capsys.readouterr()
    assert code == 2
    assert err == f"error: {sentence}\n"
    assert "Traceback" not in err + out


def test_a_fault_inside_a_transaction_is_raised_as_its_sentence_after_the_rollback(
    fresh_db: sqlite_utils.Database,
) -> None:
    with pytest.raises(DiskFull) as caught, store.transaction(fresh_db):
        fresh_db.execute(f"INSERT INTO {S.CUSTOMERS} (customer_id) VALUES ('c1')")
        raise sqlite3.OperationalError("database or disk is full")
    assert isinstance(caught.value, DatabaseFault)
    assert not fresh_db.conn.in_transaction
    assert store.counts(fresh_db)[S.CUSTOMERS] == 0


def test_deep_json_is_a_sentence_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code = cli.main(["--db", str(tmp_path / "scrm.db"), "import", "mentions", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert "Traceback" not in err + out


# --- derived work after an import -------------------------------------------------------------


def test_a_failed_score_after_an_import_says_the_rows_are_stored_and_the_scores_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = tmp_path / "scrm.db"
    csv = tmp_path / "m.csv"
    csv.write_text("id,platform,author,text,date\nm1,twitter,ana,Great,2024-03-05\n", encoding="utf-8")

    def locked(*args: object, **kwargs: object) -> None:
        raise store.explain_sqlite_error(sqlite3.OperationalError("database is locked"), db_path) or AssertionError

    with monkeypatch.context() as m:
        m.setattr(api, "score", locked)
        code = cli.main(["--db", str(db_path), "import", "mentions", str(csv)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.splitlines()[-1] == (
        f"The rows are stored, but the scores could not be updated: {BUSY.replace('x.db', str(db_path)).rstrip('.')}. "
        "They are pending (profile links included): run `python -m scrm score`; "
        "`python -m scrm status` lists what is pending."
    )
    code = cli.main(["--db", str(db_path), "status"])
    out, _ = capsys.readouterr()
    assert "scores        pending: sentiment, identity, value, topics, segments, summaries, roles, alerts, workflows, journey" in out
    assert cli.main(["--db", str(db_path), "score"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", str(db_path), "status"]) == 0
    out, _ = capsys.readouterr()
    assert "scores        up to date" in out
    db = store.open_db(db_path)
    assert store.counts(db)[S.PROFILES] == 1  # linked by the next score
    db.close()


# --- an interrupted demo ------------------------------------------------------------------------


def test_a_demo_that_fails_midway_leaves_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scrm.db"

    def half_build(db: sqlite_utils.Database, **kwargs: object) -> None:
        db.execute(f"INSERT INTO {S.CUSTOMERS} (customer_id) VALUES ('half')")
        raise RuntimeError("killed midway")

    monkeypatch.setattr(api, "build_demo", half_build)
    code = cli.main(["--db", str(path), "demo"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == "error: unexpected RuntimeError: killed midway (a bug in scrm?). Run again with -v for the details.\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def test_a_killed_demo_leaves_no_half_database_and_the_next_one_builds(tmp_path: Path) -> None:
    path = tmp_path / "scrm.db"
    building = tmp_path / "scrm.db.building"
    argv = [sys.executable, "-m", "scrm", "--db", str(path), "demo"]
    proc = subprocess.Popen(argv, cwd=tmp_path, env=_child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not building.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # into the build
    proc.kill()
    proc.wait()
    assert not path.exists()
    done = subprocess.run(argv, cwd=tmp_path, env=_child_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert path.exists() and not building.exists()
    db = store.open_db(path)
    assert store.is_demo(db) and store.counts(db)[S.PROFILES] > 0
    db.close()


# --- worker processes die with their parent ---------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(b")", 1)[-1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _descendants(pid: int) -> set[int]:
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat.rsplit(b")", 1)[-1].split()[0] != b"Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the workers")
def test_sentiment_workers_die_when_the_scoring_process_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "scrm.db"
    db = store.open_db(path)
    build_demo(db, scale="tiny")  # 10,000 mentions; workers from 200 distinct texts below
    db.close()
    script = textwrap.dedent(
        f"""
        import sys, time
        from scrm import api
        from scrm.analysis import sentiment
        from scrm.db import store

        sentiment.PARALLEL_FROM = 200

        def stuck_write(db, rows, total, fresh):  # the workers have their chunks: the parent hangs here
            print("workers started", flush=True)
            time.sleep(600)

        sentiment._write = stuck_write
        api.score(store.open_db({str(path)!r}), stages=("sentiment",))
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=tmp_path, env=_child_env(), stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "workers started\n"
    family = _descendants(proc.pid)
    assert len(family) >= 2  # the forkserver and its workers (and the resource tracker)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_running(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in family if _running(p)] == []
