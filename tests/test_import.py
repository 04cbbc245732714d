from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ImportRejected, MissingColumns, UnknownKind, UnknownPreset
from scrm.ingest import import_file, preview_file

ORDERS_CSV = (
    "Pedido;Cliente;Fecha;Importe;Canal\n"
    "P1;C1;05/03/2024;12,50;online\n"
    "P2;C2;06/03/2024;1.234,56;store\n"
    "P3;;07/03/2024;7;online\n"
)


def snapshot(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    """Every row of every data table, to prove that nothing changed."""
    return {t: list(db.query(f'SELECT * FROM "{t}"')) for t in store.counts(db)}


def test_a_spanish_semicolon_csv_with_decimal_comma_is_imported(fresh_db) -> None:
    result = import_file(fresh_db, ORDERS_CSV.encode("cp1252"), "orders", file_name="ventas.csv")
    assert (result.rows_read, result.new, result.rejected) == (3, 3, 0)
    rows = {r["order_id"]: r for r in fresh_db.query("SELECT * FROM orders")}
    assert rows["P2"]["amount"] == pytest.approx(1234.56)
    assert rows["P1"]["ordered_at"] == "2024-03-05T00:00:00"
    assert rows["P3"]["customer_id"] is None
    assert "1 order has no customer and is kept as a guest order." in result.notes


def test_re_importing_the_same_file_adds_nothing(fresh_db) -> None:
    import_file(fresh_db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv")
    again = import_file(fresh_db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert store.counts(fresh_db)["orders"] == 3
    assert "0 new, 0 updated, 3 unchanged" in again.summary()


def test_a_changed_row_is_updated_not_duplicated(fresh_db) -> None:
    import_file(fresh_db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv")
    changed = ORDERS_CSV.replace("P1;C1;05/03/2024;12,50", "P1;C1;05/03/2024;13,00")
    result = import_file(fresh_db, changed.encode(), "orders", file_name="ventas.csv")
    assert (result.new, result.updated, result.unchanged) == (0, 1, 2)
    assert fresh_db.execute("SELECT amount FROM orders WHERE order_id = 'P1'").fetchone()[0] == 13.0


def test_duplicate_keys_inside_one_file_are_counted_and_the_last_wins(fresh_db) -> None:
    text = "order_id,date,amount\nA,2024-01-01,1\nA,2024-01-01,2\nB,2024-01-02,3\n"
    result = import_file(fresh_db, text.encode(), "orders", file_name="o.csv")
    assert (result.new, result.duplicates) == (2, 1)
    assert fresh_db.execute("SELECT amount FROM orders WHERE order_id = 'A'").fetchone()[0] == 2.0


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [
        ("P9;C9;05/03/2024;12,5O", "amount", "'12,5O' is not a number. Use digits with `.` or `,` as decimal mark."),
        ("P9;C9;31/02/2024;12", "ordered_at",
         "'31/02/2024' is not a date: read as dd/mm/yyyy (or mm/dd/yyyy), there is no such day. "
         "Check the day and the month."),
        ("P9;C9;;12", "ordered_at", "`ordered_at` is empty; every order needs one."),
        (";C9;05/03/2024;12", "order_id", "`order_id` is empty; every order needs one."),
    ],
)
def test_a_bad_row_goes_to_quarantine_with_row_column_and_reason(fresh_db, line: str, column: str, reason: str) -> None:
    text = "Pedido;Cliente;Fecha;Importe\nP1;C1;05/03/2024;12,50\n" + line + "\n"
    result = import_file(fresh_db, text.encode(), "orders", file_name="orders.csv")
    assert (result.new, result.rejected) == (1, 1)
    row = next(fresh_db.query("SELECT * FROM quarantine"))
    assert (row["file_name"], row["row_number"], row["column"], row["reason"]) == ("orders.csv", 3, column, reason)
    assert json.loads(row["raw"])["customer_id"] == "C9"
    assert result.problems == [f"orders.csv row 3, column `{column}`: {reason}"]


def test_an_nps_score_outside_0_to_10_is_quarantined(fresh_db) -> None:
    text = "customer,score,comment\nC1,9,great\nC2,11,typo\nana@x.es,3,slow\n"
    result = import_file(fresh_db, text.encode(), "surveys", file_name="nps.csv")
    assert (result.new, result.rejected) == (2, 1)
    assert result.problems == ["nps.csv row 3, column `score`: '11' is outside 0-10. NPS scores are whole numbers from 0 to 10."]
    rows = list(fresh_db.query("SELECT customer_id, email, score FROM surveys ORDER BY score"))
    assert rows == [{"customer_id": None, "email": "ana@x.es", "score": 3}, {"customer_id": "C1", "email": None, "score": 9}]


def test_a_bad_email_is_quarantined_and_extra_customer_columns_are_kept_as_attributes(fresh_db) -> None:
    text = "id,nombre,correo,ciudad,nivel\nC1,Ana García,ANA@x.es,Madrid,oro\nC2,Luc Martin,luc-at-x,Lyon,\n"
    result = import_file(fresh_db, text.encode(), "customers", file_name="clientes.csv")
    assert (result.new, result.rejected) == (1, 1)
    row = next(fresh_db.query("SELECT * FROM customers"))
    assert (row["email"], row["city"], json.loads(row["attributes"])) == ("ana@x.es", "Madrid", {"nivel": "oro"})
    assert result.problems == [
        "clientes.csv row 3, column `email`: 'luc-at-x' is not an e-mail address. Use the form name@example.com or leave it empty."
    ]


def test_mentions_get_a_stable_id_and_html_entities_unescaped_once(fresh_db) -> None:
    text = "author,text,date,platform\n@ana,Love it &amp; more &amp;lt;3,2024-03-05 10:00,X\n"
    first = import_file(fresh_db, text.encode(), "mentions", file_name="m.csv")
    again = import_file(fresh_db, text.encode(), "mentions", file_name="m.csv")
    assert (first.new, again.new, again.unchanged) == (1, 0, 1)
    row = next(fresh_db.query("SELECT * FROM mentions"))
    assert (row["author"], row["text"], row["platform"]) == ("ana", "Love it & more &lt;3", "twitter")
    assert len(row["mention_id"]) == 20


def test_an_offset_timestamp_is_stored_in_utc(fresh_db) -> None:
    text = "author,text,posted_at\nana,hola,2015-02-24 11:35:52 -0800\n"
    import_file(fresh_db, text.encode(), "mentions", file_name="m.csv")
    assert fresh_db.execute("SELECT posted_at FROM mentions").fetchone()[0] == "2015-02-24T19:35:52"


def test_a_missing_required_column_rejects_the_whole_file_and_changes_nothing(fresh_db) -> None:
    import_file(fresh_db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv")
    before, version = snapshot(fresh_db), store.data_version(fresh_db)
    with pytest.raises(MissingColumns) as e:
        import_file(fresh_db, b"Pedido,Cliente\nP1,C1\n", "orders", file_name="sin_importe.csv")
    assert str(e.value).startswith("sin_importe.csv cannot be imported as orders: no columns for `ordered_at`")
    assert snapshot(fresh_db) == before
    assert store.data_version(fresh_db) == version


@pytest.mark.parametrize(
    ("kind", "mapping", "error", "message"),
    [
        ("invoices", None, UnknownKind, "Unknown kind 'invoices': use one of customers, orders, mentions, surveys."),
        ("orders", "shopify", UnknownPreset,
         "Unknown mapping preset 'shopify': did you mean shopify-orders? the presets for orders are online-retail, "
         "cdnow, shopify-orders, woocommerce-orders, prestashop-orders, magento-orders, stripe-payments; "
         'or give a JSON object such as {"amount": "Total"}, or a .json file.'),
        ("mentions", "online-retail", ImportRejected,
         "The preset 'online-retail' imports orders, not mentions. "
         "Import it as orders (python -m scrm import orders FILE --mapping online-retail)."),
    ],
)
def test_a_wrong_kind_or_preset_is_refused_before_reading(fresh_db, kind, mapping, error, message) -> None:
    with pytest.raises(error) as e:
        import_file(fresh_db, ORDERS_CSV.encode(), kind, file_name="ventas.csv", mapping=mapping)
    assert str(e.value) == message
    assert store.counts(fresh_db)["imports"] == 0


def test_a_missing_file_is_refused_with_its_path(fresh_db, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as e:
        import_file(fresh_db, tmp_path / "nope.csv", "orders")
    assert str(e.value) == f"{tmp_path / 'nope.csv'} does not exist. Check the path and try again."


def test_a_gzipped_csv_file_on_disk_is_imported_with_an_import_record(fresh_db, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(ORDERS_CSV.encode()))
    result = import_file(fresh_db, path, "orders")
    record = next(fresh_db.query("SELECT * FROM imports"))
    assert (record["file_name"], record["rows_read"], record["rows_new"], record["kind"]) == ("orders.csv.gz", 3, 3, "orders")
    assert len(record["sha256"]) == 64 and record["import_id"] == result.import_id
    assert json.loads(record["mapping"])["amount"] == "Importe"


def test_every_import_changes_the_data_version(fresh_db) -> None:
    v0 = store.data_version(fresh_db)
    import_file(fresh_db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv")
    v1 = store.data_version(fresh_db)
    import_file(fresh_db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv")
    assert v0 < v1 < store.data_version(fresh_db)


def test_progress_is_reported_up_to_done(fresh_db) -> None:
    seen: list[tuple[float, str]] = []
    import_file(fresh_db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv", progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and seen[-1][1] == "Done"


def test_an_explicit_json_mapping_is_used_and_recorded(fresh_db) -> None:
    text = "Ref,Cuando,Cuanto\nR1,2024-01-01,5\n"
    result = import_file(fresh_db, text.encode(), "orders", file_name="x.csv",
                         mapping='{"order_id": "Ref", "ordered_at": "Cuando", "amount": "Cuanto"}')
    assert result.new == 1


def test_the_preview_detects_kind_and_mapping_without_writing(fresh_db) -> None:
    preview = preview_file(ORDERS_CSV.encode(), "ventas.csv")
    assert preview.kind == "orders"
    assert preview.mapping == {"order_id": "Pedido", "customer_id": "Cliente", "ordered_at": "Fecha", "amount": "Importe", "channel": "Canal"}
    assert preview.missing == [] and len(preview.sample) == 3


def test_the_store_refuses_a_database_from_a_newer_scrm(db_path: Path) -> None:
    db = store.open_db(db_path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.conn.commit()
    db.close()
    from scrm.errors import SchemaTooNew

    with pytest.raises(SchemaTooNew) as e:
        store.open_db(db_path)
    assert str(e.value) == (
        f"{db_path} uses database schema 99, but this scrm reads schema {S.SCHEMA_VERSION} at most. Upgrade scrm "
        "(pip install -r requirements.txt from a newer release) or point SCRM_DB at another file."
    )


def test_an_older_database_is_upgraded_on_open(db_path: Path) -> None:
    raw = sqlite_utils.Database(db_path)
    raw["unrelated"].insert({"x": 1})
    raw.close()
    db = store.open_db(db_path)
    assert store.get_meta(db, "schema_version") == str(S.SCHEMA_VERSION)
    assert store.counts(db)["customers"] == 0
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 rows, so that a tiny file goes through the threaded writer."""
    from scrm.ingest import validate

    monkeypatch.setattr(validate, "CHUNK", 4)


def test_a_chunked_import_keeps_the_last_row_of_a_repeated_id_across_chunks(fresh_db, small_chunks) -> None:
    lines = [f"O{i},2024-01-{i + 1:02d},{i}" for i in range(10)] + ["O1,2024-01-30,99"]
    result = import_file(fresh_db, ("order_id,date,amount\n" + "\n".join(lines)).encode(), "orders", file_name="o.csv")
    assert (result.new, result.duplicates, result.rejected) == (10, 1, 0)
    assert fresh_db.execute("SELECT amount FROM orders WHERE order_id = 'O1'").fetchone()[0] == 99.0


def test_a_chunked_import_counts_repeated_mentions_without_ids_across_chunks(fresh_db, small_chunks) -> None:
    lines = [f"ana{i},hola {i},2024-01-01 10:00" for i in range(9)] + ["ana0,hola 0,2024-01-01 10:00"]
    result = import_file(fresh_db, ("author,text,date\n" + "\n".join(lines)).encode(), "mentions", file_name="m.csv")
    assert (result.new, result.duplicates) == (9, 1)


def test_a_chunked_import_reads_every_chunk_with_the_date_order_of_the_whole_file(fresh_db, small_chunks) -> None:
    lines = [f"O{i},05/03/2024,1" for i in range(8)] + ["O9,03/25/2024,1"]
    import_file(fresh_db, ("order_id,date,amount\n" + "\n".join(lines)).encode(), "orders", file_name="o.csv")
    dates = {r[0] for r in fresh_db.execute("SELECT ordered_at FROM orders")}
    assert dates == {"2024-05-03T00:00:00", "2024-03-25T00:00:00"}


def test_quarantined_rows_of_every_chunk_are_kept(fresh_db, small_chunks) -> None:
    lines = [f"O{i},2024-01-01,{'x' if i % 3 == 0 else i}" for i in range(10)]
    result = import_file(fresh_db, ("order_id,date,amount\n" + "\n".join(lines)).encode(), "orders", file_name="o.csv")
    assert (result.new, result.rejected) == (6, 4)
    rows = [r[0] for r in fresh_db.execute("SELECT row_number FROM quarantine ORDER BY row_number")]
    assert rows == [2, 5, 8, 11]


@pytest.mark.parametrize("where", ["staging the second chunk", "the final write", "the quarantine"])
def test_a_failure_at_any_point_of_the_write_leaves_the_database_as_it_was(
    fresh_db, small_chunks, monkeypatch, where
) -> None:
    from scrm.ingest import write

    import_file(fresh_db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv")
    before = snapshot(fresh_db)
    calls = {"n": 0}

    def failing_after(real, n):
        def failing(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == n:
                raise OSError("disk full")
            return real(*args, **kwargs)

        return failing

    if where == "staging the second chunk":
        monkeypatch.setattr(write._PartWriter, "write", failing_after(write._PartWriter.write, 2))
    elif where == "the final write":
        monkeypatch.setattr(store, "upsert_staged", failing_after(store.upsert_staged, 1))
    else:
        monkeypatch.setattr(store, "insert_rows", failing_after(store.insert_rows, 1))
    lines = [f"N{i},2024-01-01,{i}" for i in range(10)] + ["N99,not a date,1"]
    with pytest.raises(OSError, match="disk full"):
        import_file(fresh_db, ("order_id,date,amount\n" + "\n".join(lines)).encode(), "orders", file_name="o.csv")
    assert snapshot(fresh_db) == before
    assert not fresh_db.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'").fetchall()


def test_an_import_holds_the_write_lock_only_for_the_final_write(tmp_path: Path, monkeypatch) -> None:
    """Reading and checking happen before the lock: another connection can write meanwhile."""
    from scrm.ingest import validate, write

    monkeypatch.setattr(validate, "CHUNK", 4)
    db_path = tmp_path / "lock.db"
    db = store.open_db(db_path)
    other = store.open_db(db_path)
    real = write._PartWriter.write
    written: list[str] = []

    def write_then_let_another_write(self, chunk):
        real(self, chunk)
        # Between chunks the import holds no lock: a page write goes through at once.
        other.conn.execute("PRAGMA busy_timeout = 0")
        with store.transaction(other):
            other.execute(f"INSERT INTO {S.CUSTOMERS} (customer_id, name) VALUES (?, ?)", [f"page-{len(written)}", "x"])
        written.append("page")

    monkeypatch.setattr(write._PartWriter, "write", write_then_let_another_write)
    lines = [f"N{i},2024-01-01,{i}" for i in range(10)]
    result = import_file(db, ("order_id,date,amount\n" + "\n".join(lines)).encode(), "orders", file_name="o.csv")
    assert result.new == 10
    assert written == ["page"] * 3
    assert db.execute(f"SELECT count(*) FROM {S.CUSTOMERS}").fetchone()[0] == 3
    assert 0 < write.last_lock_seconds < 5
    db.close()
    other.close()


def _orders_file(tmp_path: Path, rows: int = 30) -> Path:
    lines = [f"O{i},{(i % 28) + 1:02d}/03/2024,{i},C{i % 7}" for i in range(rows)]
    lines[5] = "O5,31/02/2024,5,C5"  # a bad date
    lines.append("O1,02/03/2024,99,C1")  # a repeated id: the last wins
    path = tmp_path / "orders.csv"
    path.write_text("order_id,date,amount,customer\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _all_rows(db: sqlite_utils.Database) -> tuple[list, list]:
    orders = list(db.execute("SELECT order_id, customer_id, ordered_at, amount FROM orders ORDER BY order_id"))
    quarantine = list(db.execute("SELECT row_number, column, value, reason FROM quarantine"))
    return orders, quarantine


def test_a_big_file_checked_in_a_worker_process_imports_exactly_as_in_process(tmp_path: Path, monkeypatch) -> None:
    from scrm.ingest import pipeline, validate

    path = _orders_file(tmp_path)
    here = store.open_db(tmp_path / "here.db")
    expected = import_file(here, path, "orders")
    monkeypatch.setattr(pipeline, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(validate, "CHUNK", 8)
    there = store.open_db(tmp_path / "there.db")
    result = import_file(there, path, "orders")
    assert (result.new, result.duplicates, result.rejected) == (expected.new, expected.duplicates, expected.rejected) == (29, 1, 1)
    assert result.problems == expected.problems
    assert _all_rows(there) == _all_rows(here)


def test_a_worker_process_error_reaches_the_caller_and_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    from scrm.ingest import pipeline

    monkeypatch.setattr(pipeline, "WORKER_MIN_BYTES", 0)
    db = store.open_db(tmp_path / "w.db")
    path = tmp_path / "sin_importe.csv"
    path.write_text("Pedido,Cliente\nP1,C1\n", encoding="utf-8")
    with pytest.raises(MissingColumns) as e:
        import_file(db, path, "orders")
    assert str(e.value).startswith("sin_importe.csv cannot be imported as orders: no columns for `ordered_at`")
    assert store.counts(db)["imports"] == 0


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "orders.csv",
         "orders.csv is empty: there is nothing to import. Export the data again and check the file has a header row and at least one row."),
        (b"order_id,date,amount\n", "orders.csv",
         "orders.csv has a header row but no data rows. Export the data again with its rows."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "orders.csv",
         "orders.csv could not be read as CSV, Excel or JSON (it is a PNG image). Save it as CSV (UTF-8) or XLSX and try again."),
        (b"[1, 2, 3]", "orders.json", "orders.json does not look like a table: "),
        (b'order_id,date,amount\n1,2024-01-01,"5\n', "orders.csv", "orders.csv row 2: "),
    ],
)
def test_a_fatal_file_is_refused_with_one_sentence_and_the_database_is_untouched(fresh_db, data, name, message) -> None:
    import_file(fresh_db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv")
    before, version = snapshot(fresh_db), store.data_version(fresh_db)
    with pytest.raises(ImportRejected) as e:
        import_file(fresh_db, data, "orders", file_name=name)
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)
    assert snapshot(fresh_db) == before and store.data_version(fresh_db) == version


def test_a_schema_1_database_gains_the_sentiment_table_and_keeps_its_rows(db_path: Path) -> None:
    db = store.open_db(db_path)
    import_file(db, ORDERS_CSV.encode(), "orders", file_name="ventas.csv")
    for table in ("sentiment", *S.SCHEMA_3, *S.SCHEMA_4, *S.SCHEMA_5):
        db.execute(f"DROP TABLE {table}")
    db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.conn.commit()
    db.close()
    db = store.open_db(db_path)
    assert store.get_meta(db, "schema_version") == str(S.SCHEMA_VERSION)
    assert set(S.SCHEMA_3) <= set(db.table_names())
    assert "sentiment" in db.table_names() and store.counts(db)["orders"] == 3
