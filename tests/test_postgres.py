"""PostgreSQL behind the same door (issue 16): opening, migrations, bulk writes, the write lock, errors.

Each test gets a fresh database from the ``pg_url`` fixture (``tests/conftest.py``):
``SCRM_TEST_PG_URL`` or a throwaway local cluster; without either they skip with the reason.
"""

from __future__ import annotations

import json
import math
import socket
from pathlib import Path
from typing import Any

import pytest

from scrm.cli import main
from scrm.db import pg, store
from scrm.db import schema as S
from scrm.errors import DatabaseBusy, DatabaseFault

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"


def test_opening_a_url_gives_a_migrated_postgres_database(pg_url: str) -> None:
    db = store.open_db(pg_url)
    try:
        assert store.is_postgres(db)
        assert store.get_meta(db, S.META_SCHEMA_VERSION) == str(S.SCHEMA_VERSION)
        assert store.data_version(db) == 0
        assert set(S.STORED_COLUMNS) <= set(db.table_names())
        assert store.counts(db)[S.MENTIONS] == 0
        assert store.table_exists(db, S.MENTIONS) and not store.table_exists(db, S.CUSTOMER_VALUE)
        assert store.migrate(db) == S.SCHEMA_VERSION  # a second open migrates nothing
    finally:
        db.close()


def test_postgres_columns_have_postgres_types_and_generated_keys(pg_url: str) -> None:
    db = store.open_db(pg_url)
    try:
        types = {c.name: c.type for c in db[S.ORDERS].columns}  # type: ignore[union-attr]
        assert types["amount"] == "double precision" and types["order_id"] == "text"
        first = db.execute(f"INSERT INTO {S.IMPORTS} (kind, file_name) VALUES (?, ?)", ["orders", "a.csv"]).lastrowid
        second = db.execute(f"INSERT INTO {S.IMPORTS} (kind, file_name) VALUES (?, ?)", ["orders", "b.csv"]).lastrowid
        assert (first, second) == (1, 2)
    finally:
        db.close()


def test_upsert_counts_new_updated_unchanged_and_a_reimport_adds_nothing(pg_url: str) -> None:
    db = store.open_db(pg_url)
    try:
        cols = ["customer_id", "name", "city"]
        rows = [("c1", "Ana", "Lyon"), ("c2", "Ben", None), ("c3", "Cé 100%", "Paris")]
        assert store.upsert_rows(db, S.CUSTOMERS, cols, rows) == store.UpsertCounts(3, 0, 0)
        version = store.data_version(db)
        assert store.upsert_rows(db, S.CUSTOMERS, cols, rows) == store.UpsertCounts(0, 0, 3)
        assert store.data_version(db) == version  # nothing changed: the caches stay valid
        changed = [("c1", "Ana", "Lyon"), ("c2", "Ben", "Nice"), ("c4", "Dee", None)]
        assert store.upsert_rows(db, S.CUSTOMERS, cols, changed) == store.UpsertCounts(1, 1, 1)
        assert store.data_version(db) == version + 1
        assert db.execute("SELECT name FROM customers WHERE customer_id = ?", ["c3"]).fetchone()[0] == "Cé 100%"
    finally:
        db.close()


def test_a_staged_write_is_all_or_nothing(pg_url: str) -> None:
    db = store.open_db(pg_url)
    try:
        cols = ["order_id", "customer_id", "amount"]
        good = [("o1", "c1", 10.5), ("o2", "c1", 3)]
        bad = good + [("o3", "c2", "not a number")]
        with store.staged_rows(db, cols, bad) as (staged, n), pytest.raises(Exception, match="double precision"):
            store.upsert_staged(db, S.ORDERS, cols, staged, total=n)
        assert store.counts(db)[S.ORDERS] == 0
        with pytest.raises(RuntimeError), store.transaction(db):
            store.upsert_rows(db, S.ORDERS, cols, good)
            raise RuntimeError("the import failed after its write")
        assert store.counts(db)[S.ORDERS] == 0 and store.data_version(db) == 0
        with store.staged_rows(db, cols, good) as (staged, n):
            assert store.upsert_staged(db, S.ORDERS, cols, staged, total=n, import_id=7) == store.UpsertCounts(2, 0, 0)
        amounts = db.execute("SELECT amount, import_id FROM orders ORDER BY order_id").fetchall()
        assert amounts == [(10.5, 7), (3.0, 7)]
    finally:
        db.close()


def test_sums_and_averages_come_back_as_numbers_not_decimals(pg_url: str) -> None:
    db = store.open_db(pg_url)
    try:
        store.upsert_rows(db, S.ORDERS, ["order_id", "amount"], [("o1", 1.5), ("o2", 2.0)])
        frame = store.read_frame(
            db, "SELECT sum(amount) AS total, avg(amount) AS mean, count(*) AS n, sum(1) AS ones FROM orders"
        )
        assert frame.to_dict("records") == [{"total": 3.5, "mean": 1.75, "n": 2, "ones": 2}]
        assert [str(t) for t in frame.dtypes] == ["float64", "float64", "int64", "int64"]
    finally:
        db.close()


def test_importing_the_samples_gives_the_same_counts_as_on_sqlite(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrm import api

    monkeypatch.setattr(api, "score", lambda db, **options: [])  # the imports are compared here, not the scores
    commands = [
        ["import", "customers", str(SAMPLES / "clientes.csv")],
        ["import", "orders", str(SAMPLES / "commandes.csv"), "--mapping", str(SAMPLES / "mapping-example.json")],
        ["import", "mentions", str(SAMPLES / "mentions.jsonl")],
    ]
    counts = {}
    for target in (str(tmp_path / "scrm.db"), pg_url):
        for command in commands:
            assert main([*command, "--db", target]) == 0
            assert main([*command, "--db", target]) == 0  # a re-import adds nothing
        db = store.open_db(target)
        try:
            stored = store.counts(db)
            counts[store.is_postgres(db)] = {t: stored[t] for t in (*S.KINDS, S.IMPORTS, S.QUARANTINE)}
        finally:
            db.close()
    assert counts[True] == counts[False]
    assert counts[True][S.CUSTOMERS] > 0 and counts[True][S.MENTIONS] > 0 and counts[True][S.IMPORTS] == 6


def test_the_advisory_lock_serialises_two_writers(pg_url: str) -> None:
    first, second = store.open_db(pg_url), store.open_db(pg_url)
    try:
        second.execute("SET lock_timeout = 200")  # milliseconds: fail fast instead of after 30 s
        with store.transaction(first):
            store.upsert_rows(first, S.CUSTOMERS, ["customer_id"], [("a",)])
            with pytest.raises(DatabaseBusy, match="is busy"), store.transaction(second):
                store.upsert_rows(second, S.CUSTOMERS, ["customer_id"], [("b",)])
        with store.transaction(second):  # the first writer committed: the lock is free
            store.upsert_rows(second, S.CUSTOMERS, ["customer_id"], [("b",)])
        assert [r[0] for r in first.execute("SELECT customer_id FROM customers ORDER BY 1").fetchall()] == ["a", "b"]
        assert store.data_version(first) == 2
    finally:
        first.close()
        second.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_refused_connection_is_one_sentence_naming_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("psycopg")
    port = _closed_port()
    url = f"postgresql://scrm:secret@127.0.0.1:{port}/crm"
    with pytest.raises(DatabaseFault) as raised:
        store.open_db(url)
    message = str(raised.value)
    assert message.startswith(f"Cannot reach the PostgreSQL database crm on 127.0.0.1:{port}: check that the server")
    assert "secret" not in message and "\n" not in message
    assert main(["status", "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot reach the PostgreSQL database crm") and "Traceback" not in err
    assert "secret" not in err


@pytest.mark.parametrize(
    ("sqlite_sql", "postgres_sql"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("SELECT '?' || ? FROM t", "SELECT '?' || %s FROM t"),
        ("SELECT 100 % 7, '5%'", "SELECT 100 %% 7, '5%%'"),
        ('SELECT "odd?name" FROM t', 'SELECT "odd?name" FROM t'),
        ('CREATE TEMP TABLE "s" ("a", "b")', 'CREATE TEMP TABLE "s" ("a" TEXT COLLATE "C", "b" TEXT COLLATE "C")'),
        ("CREATE TABLE t (a TEXT, b INTEGER, c REAL, d BLOB)",
         'CREATE TABLE t (a TEXT COLLATE "C", b BIGINT, c DOUBLE PRECISION, d BYTEA)'),
        ("SELECT CAST(x AS REAL), CAST(y AS TEXT)", "SELECT CAST(x AS DOUBLE PRECISION), CAST(y AS TEXT)"),
        ("SELECT a FROM t WHERE 1 AND b = 1", "SELECT a FROM t WHERE TRUE AND b = 1"),
        ("SELECT a FROM t WHERE c != 1 AND 1 ORDER BY 1", "SELECT a FROM t WHERE c != 1 AND TRUE ORDER BY 1"),
        ("SELECT a FROM t WHERE 1 = 1 AND 0 OR 1 + x > 2", "SELECT a FROM t WHERE 1 = 1 AND FALSE OR 1 + x > 2"),
        ("INSERT INTO cases (status) VALUES (?)", 'INSERT INTO cases (status) VALUES (%s) /* lastrowid */ RETURNING "case_id"'),
        ("INSERT INTO cases (status) VALUES (?) RETURNING case_id", "INSERT INTO cases (status) VALUES (%s) RETURNING case_id"),
    ],
)
def test_sqlite_statements_are_translated_outside_literals(sqlite_sql: str, postgres_sql: str) -> None:
    assert pg.translate(sqlite_sql) == postgres_sql


def test_the_long_write_lock_is_held_across_processes(pg_url: str) -> None:
    here, elsewhere = store.long_write_lock(pg_url), store.long_write_lock(pg_url)  # two app servers
    assert isinstance(here, pg.ServerLock)
    with here:
        assert not elsewhere.acquire(blocking=False)  # type: ignore[attr-defined]
    assert elsewhere.acquire(blocking=False)  # type: ignore[attr-defined]
    elsewhere.release()  # type: ignore[attr-defined]
    assert not isinstance(store.long_write_lock("data/scrm.db"), pg.ServerLock)


def test_copy_moves_a_scored_sqlite_database_into_postgres(
    scored_demo_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["copy", pg_url, "--db", str(scored_demo_path)]) == 0
    assert capsys.readouterr().out.startswith("Copied ")
    source, target = store.open_db(scored_demo_path), store.open_db(pg_url)
    try:
        before, after = store.counts(source), store.counts(target)
        assert after[S.AUDIT_LOG] == before[S.AUDIT_LOG] + 1  # the copy itself is on record
        assert {t: n for t, n in after.items() if t != S.AUDIT_LOG} == {t: n for t, n in before.items() if t != S.AUDIT_LOG}
        assert store.input_version(target) == store.input_version(source)  # the copied scores stay current
        assert store.table_exists(target, S.CUSTOMER_VALUE)
        same = "SELECT count(*), round(CAST(sum(revenue) AS NUMERIC), 2) FROM customer_value"
        assert target.execute(same).fetchone() == source.execute(same.replace("CAST(sum(revenue) AS NUMERIC)", "sum(revenue)")).fetchone()
        case = target.execute(f"INSERT INTO {S.CASES} (status) VALUES ('open')")  # generated keys go on after the copied ones
        assert case.lastrowid == int(source.execute(f"SELECT max(case_id) FROM {S.CASES}").fetchone()[0]) + 1
    finally:
        source.close()
        target.close()
    assert main(["copy", pg_url, "--db", str(scored_demo_path)]) == 2
    assert "already holds data; nothing was copied" in capsys.readouterr().err


def _report(target: str, *what: str, capsys: pytest.CaptureFixture[str]) -> Any:
    assert main(["report", *what, "--json", "--db", target]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.slow
def test_the_scored_tiny_demo_gives_the_same_figures_on_both_engines(
    scored_demo_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from scrm.compute import run_all
    from scrm.demo import build_demo

    db = store.open_db(pg_url)
    try:
        build_demo(db, scale="tiny")  # the same seed as the SQLite copy (tests/conftest.py)
        failed = [s.stage for s in run_all(db) if s.status not in ("ran", "up to date")]
        assert not failed, f"stages that failed on PostgreSQL: {failed}"
    finally:
        db.close()
    for what in (("kpis",), ("segments",), ("advocates",)):
        on_sqlite = _report(str(scored_demo_path), *what, capsys=capsys)
        on_postgres = _report(pg_url, *what, capsys=capsys)
        assert on_sqlite, what
        if what == ("kpis",):
            assert len(on_sqlite["kpis"]) >= 20 and on_sqlite["kpis"].keys() == on_postgres["kpis"].keys()
            differ = sorted(k for k in on_sqlite["kpis"] if not _close(on_sqlite["kpis"][k], on_postgres["kpis"].get(k)))
            assert not differ, {k: (on_sqlite["kpis"][k]["value"], on_postgres["kpis"].get(k, {}).get("value")) for k in differ}
        else:
            assert _close(on_sqlite, on_postgres), what


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_concurrent_writers_lose_nothing_and_never_fail(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Four writers (threads with their own connections, as app sessions, an import and `score`
    are) each commit 10 transactions while reading: no error, no lost write, one version per write."""
    import threading

    target = str(tmp_path / "scrm.db") if engine == "sqlite" else request.getfixturevalue("pg_url")
    store.open_db(target).close()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        db = store.open_db(target)
        try:
            for i in range(10):
                with store.transaction(db):
                    store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name"], [(f"c{n}-{i}", f"writer {n}")])
                    db.execute(f"SELECT count(*) FROM {S.CUSTOMERS}").fetchone()
        except BaseException as e:  # collected: a thread's exception would otherwise vanish
            errors.append(e)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = store.open_db(target)
    try:
        assert store.counts(db)[S.CUSTOMERS] == 40
        assert store.data_version(db) == 40
    finally:
        db.close()


def test_a_backup_of_postgres_is_an_sqlite_file_that_restores(pg_url: str, tmp_path: Path) -> None:
    db = store.open_db(pg_url)
    try:
        store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name"], [("c1", "Ana"), ("c2", "Ben")])
        assert main(["backup", str(tmp_path / "copy.db"), "--db", pg_url]) == 0
        backup = store.open_db(tmp_path / "copy.db")
        try:
            assert not store.is_postgres(backup) and store.counts(backup)[S.CUSTOMERS] == 2
        finally:
            backup.close()
        store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name"], [("c3", "Cy")])
        assert main(["restore", str(tmp_path / "copy.db"), "--yes", "--db", pg_url]) == 0
        assert [r[0] for r in db.execute("SELECT customer_id FROM customers ORDER BY 1").fetchall()] == ["c1", "c2"]
    finally:
        db.close()


def test_staged_text_numbers_take_the_columns_types_as_on_sqlite(pg_url: str) -> None:
    db = store.open_db(pg_url)
    try:
        cols = ["order_id", "items", "amount"]
        with store.staged_rows(db, cols, [("o1", "3.0", "12.50"), ("o2", 2, 7)]) as (staged, n):
            store.upsert_staged(db, S.ORDERS, cols, staged, total=n)
        assert db.execute("SELECT items, amount FROM orders ORDER BY order_id").fetchall() == [(3, 12.5), (2, 7.0)]
    finally:
        db.close()


def test_more_sessions_than_pooled_connections_still_open(pg_url: str) -> None:
    opened = [store.open_db(pg_url) for _ in range(pg.POOL_SIZE + 2)]
    try:
        assert all(store.data_version(db) == 0 for db in opened)
    finally:
        for db in opened:
            db.close()
    again = store.open_db(pg_url)  # a connection handed back is used again
    try:
        assert store.data_version(again) == 0
    finally:
        again.close()


def test_the_bench_runs_on_postgres_in_databases_of_its_own_and_drops_them(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    from scrm import bench

    result = bench.run_bench("small", tmp_path, rows=500, stages=["import_mentions", "sentiment"], server=pg_url)
    assert result["engine"] == "postgresql"
    imported, scored = result["stages"]
    assert imported["rows"] == 500 and imported["rejected"] == 0 and imported["seconds"] > 0
    assert scored["rows"] == 500
    base = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{base}_bench_%"])]
    assert names == []  # dropped at the end; the database named in the URL is left alone
    db = store.open_db(pg_url)
    try:
        assert store.counts(db)[S.MENTIONS] == 0
    finally:
        db.close()


def test_a_file_big_enough_for_the_reading_worker_imports_into_postgres(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrm import api
    from scrm.ingest import pipeline

    monkeypatch.setattr(pipeline, "WORKER_MIN_BYTES", 1)  # the path of files of 16 MB and more
    path = tmp_path / "mentions.csv"
    path.write_text("id,platform,author,text,date\n" + "".join(
        f"m{i},twitter,@a{i},great service {i},2024-03-0{1 + i % 9} 10:00\n" for i in range(200)
    ), encoding="utf-8")
    db = store.open_db(pg_url)
    try:
        api.import_file(db, path, "mentions", actor="test", score_after=False)
        assert store.counts(db)[S.MENTIONS] == 200
    finally:
        db.close()
