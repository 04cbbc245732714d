"""Writes that wait their turn: BEGIN IMMEDIATE, and a team's writes during an import and a score.

Issue 10: a deferred ``BEGIN`` that reads first holds a snapshot; in WAL mode,
when another connection commits meanwhile, its first write failed at once
with "database is locked" (the busy timeout never applied). Every write now
takes the lock first and waits for it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from scrm import api
from scrm.db import audit, store
from scrm.db import schema as S
from scrm.demo import build_demo
from scrm.errors import DatabaseBusy
from scrm.views import data as page_data


def _customer(db: sqlite_utils.Database, customer_id: str) -> None:
    db.execute(f"INSERT INTO {S.CUSTOMERS} (customer_id, name) VALUES (?, ?)", [customer_id, customer_id])


def test_the_outer_transaction_begins_immediate_and_nested_ones_are_savepoints(db_path: Path) -> None:
    db = store.open_db(db_path)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    with store.transaction(db), store.transaction(db):  # the second one nested in the first
        _customer(db, "c1")
    db.conn.set_trace_callback(None)
    assert statements[0] == "BEGIN IMMEDIATE"
    assert statements[1].startswith("SAVEPOINT ")
    assert statements[-1] == "COMMIT"
    assert not any(s.strip() in ("BEGIN", "BEGIN DEFERRED") for s in statements)
    db.close()


def test_a_write_that_reads_first_waits_for_a_writer_that_committed_meanwhile(db_path: Path) -> None:
    """The reproduction: A reads then writes; B commits meanwhile; A's write is saved, not "locked"."""
    store.open_db(db_path).close()
    read_done = threading.Event()
    b_done = threading.Event()
    errors: list[BaseException] = []

    def writer_a() -> None:
        a = store.open_db(db_path)
        try:
            with store.transaction(a):
                a.execute(f"SELECT count(*) FROM {S.CUSTOMERS}").fetchone()  # holds a snapshot
                read_done.set()
                # B's commit lands here with a deferred BEGIN; with BEGIN IMMEDIATE,
                # B waits for this transaction instead (the wait times out: no matter).
                b_done.wait(timeout=1.0)
                _customer(a, "from-a")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            a.close()

    def writer_b() -> None:
        b = store.open_db(db_path)
        try:
            read_done.wait(timeout=10)
            with store.transaction(b):
                _customer(b, "from-b")
            b_done.set()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            b.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db = store.open_db(db_path)
    assert [r[0] for r in db.execute(f"SELECT customer_id FROM {S.CUSTOMERS} ORDER BY 1")] == ["from-a", "from-b"]
    assert store.data_version(db) == 2
    db.close()


def test_bookkeeping_writes_do_not_bump_the_data_version(fresh_db: sqlite_utils.Database) -> None:
    before = store.data_version(fresh_db)
    api.record_event(fresh_db, audit.LOGIN, actor="ada", target="sign-in")
    assert store.data_version(fresh_db) == before
    with store.transaction(fresh_db):
        _customer(fresh_db, "c1")
    assert store.data_version(fresh_db) == before + 1


def test_a_failed_transaction_leaves_nothing_and_the_connection_usable(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(RuntimeError), store.transaction(fresh_db):
        _customer(fresh_db, "c1")
        raise RuntimeError("stop")
    assert not fresh_db.conn.in_transaction
    assert store.counts(fresh_db)[S.CUSTOMERS] == 0
    with store.transaction(fresh_db):
        _customer(fresh_db, "c2")
    assert store.counts(fresh_db)[S.CUSTOMERS] == 1


def test_a_page_summary_write_is_skipped_not_failed_while_another_connection_writes(db_path: Path) -> None:
    writer = store.open_db(db_path)
    reader = store.open_db(db_path)
    version = store.data_version(reader)
    writer.conn.execute("BEGIN IMMEDIATE")  # an import holds the lock
    try:
        assert page_data.write_stored(reader, "overview", version, b"answer") is False
    finally:
        writer.conn.execute("ROLLBACK")
    assert page_data.write_stored(reader, "overview", version, b"answer") is True
    assert page_data.read_stored(reader, "overview", version) == b"answer"
    writer.close()
    reader.close()


def _mentions_csv(path: Path, n: int) -> Path:
    lines = ["id,platform,author,text,date"]
    words = ("great service", "terrible delivery", "slow refund", "love the app", "meh")
    lines += [f"load{i},twitter,@user{i % 700},{words[i % 5]} {i},2024-03-{1 + i % 28:02d} 10:{i % 60:02d}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_teams_writes_during_an_import_and_a_score_are_all_stored(tmp_path: Path) -> None:
    """Case updates, audit entries and page summaries while an import and a score run: nothing lost, nothing locked.

    Bounded by the long writer (an import of 3,000 mentions, its score, and a
    forced score of the tiny demo); the short writers loop until it ends.
    """
    path = tmp_path / "scrm.db"
    db = store.open_db(path)
    build_demo(db, scale="tiny")
    api.score(db)
    case_id = int(db.execute(f"SELECT min(case_id) FROM {S.CASES}").fetchone()[0])
    events_before = int(db.execute(f"SELECT count(*) FROM {S.CASE_EVENTS} WHERE case_id = ?", [case_id]).fetchone()[0])
    signins = f"SELECT count(*) FROM {S.AUDIT_LOG} WHERE actor = 'load-test' AND action = ?"
    audit_before = int(db.execute(signins, [audit.LOGIN]).fetchone()[0])
    db.close()
    csv = _mentions_csv(tmp_path / "load.csv", 3_000)

    finished = threading.Event()
    errors: list[BaseException] = []
    waits: dict[str, list[float]] = {"case": [], "audit": [], "summary": []}
    summaries = {"stored": 0, "skipped": 0}
    notes: list[str] = []

    def long_writer() -> None:
        conn = store.open_db(path)
        try:
            outcome = api.import_file(conn, csv, "mentions", actor="load-test")
            assert outcome.score_error is None, outcome.score_error
            api.score(conn, force=True)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            conn.close()
            finished.set()

    def short_writer(kind: str) -> None:
        conn = store.open_db(path)
        i = 0
        try:
            while not finished.is_set() or i < 3:
                i += 1
                t0 = time.perf_counter()
                if kind == "case":
                    note = f"load note {i}"
                    api.update_case(conn, case_id, {"note": note}, actor="load-test")
                    notes.append(note)
                elif kind == "audit":
                    api.record_event(conn, audit.LOGIN, actor="load-test", target=f"sign-in {i}")
                else:
                    version = store.data_version(conn)
                    ok = page_data.write_stored(conn, f"load-{i % 5}", version, b"x" * 100)
                    summaries["stored" if ok else "skipped"] += 1
                waits[kind].append(time.perf_counter() - t0)
                time.sleep(0.05)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=long_writer)]
    threads += [threading.Thread(target=short_writer, args=(kind,)) for kind in waits]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not any(t.is_alive() for t in threads)
    assert errors == [], errors
    db = store.open_db(path)
    case_events = int(db.execute(f"SELECT count(*) FROM {S.CASE_EVENTS} WHERE case_id = ?", [case_id]).fetchone()[0])
    audit_rows = int(db.execute(signins, [audit.LOGIN]).fetchone()[0])
    import_entries = int(db.execute(signins, [audit.IMPORT]).fetchone()[0])
    imported = int(db.execute(f"SELECT count(*) FROM {S.MENTIONS} WHERE mention_id LIKE 'load%'").fetchone()[0])
    db.close()
    assert imported == 3_000
    assert case_events == events_before + len(notes)
    assert audit_rows == audit_before + len(waits["audit"])
    assert import_entries == 1
    print(_figures(waits, summaries))


def _figures(waits: dict[str, list[float]], summaries: dict[str, Any]) -> str:
    parts = [f"{kind}: {len(w)} writes, longest {max(w):.2f} s" for kind, w in waits.items() if w]
    return "; ".join(parts) + f"; page summaries stored {summaries['stored']}, skipped {summaries['skipped']}"


def test_a_lock_held_past_the_timeout_is_a_sentence(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = store.open_db(db_path)
    waiter = store.open_db(db_path)
    waiter.execute("PRAGMA busy_timeout = 50")  # the store's 30 s, shortened for the test
    holder.conn.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusy) as caught, store.transaction(waiter):
            _customer(waiter, "never")
    finally:
        holder.conn.execute("ROLLBACK")
    assert str(caught.value) == (
        f"{db_path} is busy: another program (an import, `score`, the app) held its write lock for more than 30 "
        "seconds. Nothing of this change was saved; wait for the other writer to finish and try again."
    )
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    holder.close()
    waiter.close()


def test_several_connections_creating_the_same_new_file_at_once_all_open_it(db_path: Path) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            store.open_db(db_path).close()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db = store.open_db(db_path)
    assert store.get_meta(db, S.META_SCHEMA_VERSION) == str(S.SCHEMA_VERSION)
    db.close()
