"""Quarantine reasons and import presets read in the Data page reader's language.

The importer keeps writing each quarantined row's reason in English (scripts and the
command line read it) and stores beside it the reason as a message key plus values;
the Data page writes that message in Spanish or French, and keeps the English reason
of rows stored before messages existed. Preset descriptions are translated at display.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from streamlit.testing.v1 import AppTest

from scrm.db import schema as S
from scrm.db import store
from scrm.i18n import untranslated
from scrm.i18n.messages import from_json
from scrm.ingest import import_file
from scrm.ingest.presets import PRESETS
from scrm.ingest.write import note_keys, reason_keys
from scrm.ui import data as I

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60

SURVEYS = (
    b"customer,score,answered_at\n"
    b"a@x.com,11,2024-03-05\n"  # outside 0-10
    b"b@x.com,,2024-03-05\n"  # required value empty
    b"c@x.com,x,2024-03-05\n"  # not a whole number
    b"d@x.com,5,31/02/2024\n"  # no such day
    b"e@x.com,4,ayer\n"  # a relative date
    b"f@x.com,7,2024-03-06\n"
)
CUSTOMERS = b"customer_id,email,name\n1,not-an-address,Ann\n2,bo@x.com,Bo\n"
MENTIONS = b"platform,author,text,posted_at,likes,rating\nx,@ann,hi,2024-03-05,-1,\nx,@bo,yo,2024-03-05,2,-3\n"
RETAIL = (
    b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    b"536365,A,x,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
    b"536365,B,y,zz,12/1/2010 8:26,,17850,United Kingdom\n"
    b"536367,B,y,,12/1/2010 8:28,1.5,17850,United Kingdom\n"
)
STRIPE = (
    b"id,Created date (UTC),Amount,Currency,Customer Email,Status\n"
    b"ch_1,2024-03-05 10:00,12.5,eur,a@x.com,Paid\nch_2,2024-03-05 10:00,12.5,eur,a@x.com,Failed\n"
)
CDNOW = b"00001 19970101 1 11.77\n00002 19970112 1 12.00 4\n00003 19970102 2 20.76\n"
# Words that an English reason has and no Spanish or French one.
ENGLISH = re.compile(r"\b(is|not|the|every|needs|Use|digits|empty|outside|Check|there|line|row|column|payment)\b")


def quarantine(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query(f"SELECT column, reason, reason_message FROM {S.QUARANTINE} ORDER BY quarantine_id"))


@pytest.fixture
def every_reason(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    """A database whose quarantine holds a row of every kind of reason the importer writes."""
    import_file(fresh_db, SURVEYS, "surveys", file_name="nps.csv")
    import_file(fresh_db, CUSTOMERS, "customers", file_name="clients.csv")
    import_file(fresh_db, MENTIONS, "mentions", file_name="mentions.csv")
    import_file(fresh_db, RETAIL, "orders", file_name="retail.csv", mapping="online-retail")
    import_file(fresh_db, STRIPE, "orders", file_name="stripe.csv", mapping="stripe-payments")
    import_file(fresh_db, CDNOW, "orders", file_name="CDNOW_sample.txt", mapping="cdnow")
    return fresh_db


def test_every_quarantined_row_keeps_its_english_reason_and_the_same_reason_as_a_message(every_reason) -> None:
    rows = quarantine(every_reason)
    assert len(rows) == 12
    for row in rows:
        message = from_json(row["reason_message"])
        assert message is not None, row
        assert message.english() == row["reason"]


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_quarantine_reason_reads_with_no_english_in_spanish_and_french(every_reason, lang: str) -> None:
    for row in quarantine(every_reason):
        message = from_json(row["reason_message"])
        assert message is not None
        written = message.render(lang)
        # Headers and values of the file (`Quantity`, 'Failed') stay as the file wrote them.
        words = re.sub(r"`[^`]*`|'[^']*'", "", written)
        assert not ENGLISH.search(words), written
        assert written != row["reason"]


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_reason_kind_has_a_spanish_and_a_french_entry(lang: str) -> None:
    assert untranslated(reason_keys(), lang) == []
    assert untranslated(note_keys(), lang) == []


def _message_keys_in_ingest() -> set[str]:
    """Every key the ingest modules give a Message, resolved from the constants they name."""
    import importlib

    keys: set[str] = set()
    for path in sorted((ROOT / "scrm" / "ingest").glob("*.py")):
        module = importlib.import_module(f"scrm.ingest.{path.stem}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Message"):
                continue
            first = node.args[0]
            if isinstance(first, ast.Subscript):  # KEYS["kind"] or _TYPE_REASONS[t]: every value of the table
                first = first.value
            if isinstance(first, ast.Constant):
                found: object = first.value
            elif isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name):
                found = getattr(getattr(module, first.value.id), first.attr)
            elif isinstance(first, ast.Name) and hasattr(module, first.id):
                found = getattr(module, first.id)
            else:  # a local name (a key chosen per kind): its table is checked through reason_keys
                continue
            keys.update(found.values() if isinstance(found, dict) else found if isinstance(found, tuple) else [found])
    return {k for k in keys if isinstance(k, str) and re.sub(r"\{\w+\}", "", k).strip(",; ")}


def _refusal_keys() -> set[str]:
    """The sentences that refuse a whole file (errors, not rows' reasons): their own catalog pair, and
    the phrases they share with other catalogs."""
    import json

    own = json.loads((ROOT / "scrm" / "i18n" / "catalogs" / "errors-ingest.es.json").read_text(encoding="utf-8"))
    return {*own, "(none)", "{n} bytes", "{label}, preset {name}"}


def test_every_message_key_the_importer_writes_is_a_listed_reason_or_note() -> None:
    keys = _message_keys_in_ingest()
    assert len(keys) > 20
    assert keys - set(reason_keys()) - set(note_keys()) - _refusal_keys() == set()


def test_every_flag_of_a_bad_value_gives_its_reason_as_a_message() -> None:
    """A new kind of reason flagged without a message (and so without a catalog key) fails here."""
    for name in ("validate.py", "parse.py"):
        tree = ast.parse((ROOT / "scrm" / "ingest" / name).read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "flag"]
        assert calls
        assert [ast.unparse(c)[:60] for c in calls if len(c.args) + len(c.keywords) < 4] == []


def test_an_older_row_without_a_message_keeps_its_english_reason() -> None:
    import pandas as pd

    rows = pd.DataFrame({
        "reason": ["'x' is not a number. Use digits with `.` or `,` as decimal mark.", "an old reason"],
        "reason_message": ['{"key":"\'{v}\' is not a number. Use digits with `.` or `,` as decimal mark.",'
                           '"values":{"v":"x"}}', None],
    })
    shown = I.reasons_in_language(rows, "es")
    assert list(shown.columns) == ["reason"]
    assert shown["reason"].tolist() == [
        "'x' no es un número. Usa cifras con `.` o `,` como separador decimal.", "an old reason"
    ]


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_preset_description_is_translated(lang: str) -> None:
    assert untranslated([p.description for p in PRESETS.values()], lang) == []
    for name in PRESETS:
        description = I.preset_description(name, lang)
        label = I.detected_label(name, lang)
        assert description and label and label.startswith(description.split(":")[0].strip())


def test_the_detected_export_is_named_in_the_readers_language() -> None:
    assert I.detected_label("shopify-orders", "en") == "Shopify orders export, preset shopify-orders"
    assert I.detected_label("shopify-orders", "es") == "Exportación de pedidos de Shopify, preajuste shopify-orders"
    assert I.detected_label("auto (by column names)", "fr") is None


# --- the Data page -----------------------------------------------------------------------------


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "scrm.db"
    db = store.open_db(path)
    try:
        import_file(db, SURVEYS, "surveys", file_name="nps.csv")
        # A row quarantined before reasons were stored as messages.
        db.execute(f"UPDATE {S.QUARANTINE} SET reason = 'an older reason', reason_message = NULL "
                   "WHERE row_number = 6")
        db.conn.commit()
    finally:
        db.close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    yield path


def quarantine_tab(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["ui_lang"] = lang
    at.run()
    at.switch_page("pages/data.py")
    at.query_params["data_tab"] = {"es": "Cuarentena", "fr": "Quarantaine"}.get(lang, "Quarantine")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(("lang", "expected"), [
    ("es", "'11' está fuera de 0-10. Las puntuaciones NPS son números enteros de 0 a 10."),
    ("fr", "'11' est hors de 0-10. Les notes NPS sont des nombres entiers de 0 à 10."),
])
def test_the_quarantine_tab_shows_each_reason_in_the_readers_language(db_file: Path, lang: str, expected: str) -> None:
    at = quarantine_tab(lang)
    frame = at.dataframe[0].value
    reasons = dict(zip(frame["row_number"], frame["reason"], strict=True))
    assert reasons[2] == expected
    assert "reason_message" not in frame.columns
    for row, reason in reasons.items():
        if row != 6:
            assert not ENGLISH.search(re.sub(r"`[^`]*`|'[^']*'", "", reason)), reason
    assert reasons[6] == "an older reason"


def test_reason_messages_are_written_and_read_on_postgres(pg_url: str) -> None:
    from scrm.views import data as browse

    db = store.open_db(pg_url)
    try:
        import_file(db, SURVEYS, "surveys", file_name="nps.csv")
        rows = browse.quarantine_rows(db, messages=True)
        shown = I.reasons_in_language(rows, "fr")
    finally:
        db.close()
    assert rows["reason_message"].notna().all()
    assert shown.loc[rows["row_number"] == 2, "reason"].tolist() == [
        "'11' est hors de 0-10. Les notes NPS sont des nombres entiers de 0 à 10."
    ]


def test_the_first_quarantined_rows_after_an_import_read_in_the_readers_language(fresh_db) -> None:
    result = import_file(fresh_db, SURVEYS, "surveys", file_name="nps.csv")
    assert result.problems[0] == "nps.csv row 2, column `score`: '11' is outside 0-10. NPS scores are whole numbers from 0 to 10."
    assert I.describe_result(result, "en").problems == result.problems
    assert I.describe_result(result, "es").problems[0] == (
        "nps.csv fila 2, columna `score`: '11' está fuera de 0-10. Las puntuaciones NPS son números enteros de 0 a 10."
    )
    french = I.describe_result(result, "fr").problems
    assert len(french) == len(result.problems) == 5
    assert not any(ENGLISH.search(re.sub(r"`[^`]*`|'[^']*'", "", p)) for p in french), french


def test_a_recognised_export_is_described_in_spanish_on_the_data_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["ui_lang"] = "es"
    at.run()
    at.switch_page("pages/data.py").run()
    shopify = (ROOT / "tests" / "fixtures" / "commerce" / "shopify_orders.csv").read_bytes()
    at.file_uploader[0].set_value(("orders_export.csv", shopify, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]
    assert any(c.startswith("Detectado: Exportación de pedidos de Shopify, preajuste shopify-orders.") for c in captions), captions
    assert any(c.startswith("Exportación reconocida. Exportación de pedidos de Shopify: una línea por artículo")
               for c in captions), captions


def test_the_note_on_guest_orders_reads_in_the_readers_language(fresh_db) -> None:
    orders = b"order_id,customer_id,ordered_at,amount\nA1,C1,2024-03-05,10\nA2,,2024-03-05,4\nA3,,2024-03-06,5\n"
    result = import_file(fresh_db, orders, "orders", file_name="o.csv")
    assert "2 orders have no customer and are kept as guest orders." in result.notes
    assert "2 pedidos no tienen cliente y se guardan como pedidos de invitado." in I.describe_result(result, "es").notes
    assert "2 commandes n'ont pas de client et sont gardées comme commandes invitées." in I.describe_result(result, "fr").notes


@pytest.mark.parametrize("kind", ["relative", "two-digit"])
def test_the_data_page_names_its_own_box_not_a_command_line_flag_for_a_date_reason(kind: str) -> None:
    import pandas as pd

    from scrm.i18n.messages import Message
    from scrm.ingest.values import BAD_DATE_KEYS

    message = Message(BAD_DATE_KEYS[kind], {"v": "05/03/24", "day": "5 March 2024", "month": "3 May 2024"})
    rows = pd.DataFrame({"reason": [message.english()], "reason_message": [message.to_json()]})
    assert "--" in message.english()  # the stored sentence, for scripts and the command line
    for lang in ("en", "es", "fr"):
        shown = I.reasons_in_language(rows, lang)["reason"].iloc[0]
        assert "--" not in shown and "05/03/24" in shown, (lang, shown)


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_an_imports_notes_on_folded_lines_and_date_order_read_in_the_readers_language(tmp_path: Path, lang: str) -> None:
    csv = tmp_path / "pedidos.csv"
    csv.write_text(
        "order_id;order_date;amount;customer_id\nP1;05/03/2024;12,50;C1\nP2;06/03/2024;8,00;C2\n", encoding="utf-8"
    )
    db = store.open_db(tmp_path / "n.db")
    try:
        result = import_file(db, csv, kind="orders")
    finally:
        db.close()
    order_notes = [n for n in result.notes if "were read day first" in n]
    assert order_notes and all(n in result.note_messages for n in order_notes), result.notes
    written = I.describe_result(result, lang)
    shown = " ".join(written.notes)
    assert "were read" not in shown and "05/03/2024" in shown, shown
    assert not re.search(r"\b(because|separated|the file)\b", shown), shown
