"""The Data page's import form on files as shops write them: the kind it
proposes, the export it recognises, and a mapping saved for next time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrm.db import schema as S
from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60
FIXTURES = Path(__file__).parent / "fixtures" / "commerce"
SPANISH_ORDERS = "Nº pedido;Fecha;Importe;Cliente\n1001;05/03/2024;12,50;C1\n1002;16/03/2024;7,00;C2\n".encode()


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    yield path


def label(widget) -> str:
    """A widget's label without the markdown escapes of column names."""
    return re.sub(r"\\(.)", r"\1", widget.label)


def data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_spanish_orders_file_is_proposed_as_orders_and_imported(db_file: Path) -> None:
    at = data_page()
    at.file_uploader[0].set_value(("ventas.csv", SPANISH_ORDERS, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(s for s in at.selectbox if s.label == "This file holds").value == "orders"
    assert next(s for s in at.selectbox if label(s).startswith("order_id")).value == "Nº pedido"
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    db = store.open_db(db_file, create=False)
    assert [tuple(r) for r in db.execute("SELECT order_id, ordered_at, amount FROM orders ORDER BY 1")] == [
        ("1001", "2024-03-05T00:00:00", 12.5), ("1002", "2024-03-16T00:00:00", 7.0)
    ]
    db.close()


def test_a_shopify_export_is_recognised_and_its_preset_chosen(db_file: Path) -> None:
    at = data_page()
    at.file_uploader[0].set_value(("orders_export.csv", (FIXTURES / "shopify_orders.csv").read_bytes(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(s for s in at.selectbox if s.label == "Preset").value == "shopify-orders"
    captions = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]
    assert any(c.startswith("Detected: Shopify orders export, preset shopify-orders.") for c in captions), captions
    at.form_submit_button[0].click().run()
    db = store.open_db(db_file, create=False)
    assert store.counts(db)[S.ORDERS] == 4
    db.close()


def test_columns_chosen_by_hand_can_be_saved_and_used_again_by_name(db_file: Path) -> None:
    at = data_page()
    text = b"Ref,When,Total\nA1,2024-03-05,12.50\n"
    at.file_uploader[0].set_value(("o.csv", text, "text/csv")).run()
    next(s for s in at.selectbox if s.label == "This file holds").set_value("orders").run()
    next(s for s in at.selectbox if label(s).startswith("order_id")).set_value("Ref")
    next(s for s in at.selectbox if label(s).startswith("ordered_at")).set_value("When")
    next(s for s in at.selectbox if label(s).startswith("amount")).set_value("Total")
    next(t for t in at.text_input if t.label.startswith("Save these columns as")).set_value("my-shop")
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    from scrm.ingest import import_file

    db = store.open_db(db_file, create=False)
    assert [tuple(r) for r in db.execute("SELECT name, kind FROM mappings")] == [("my-shop", "orders")]
    again = import_file(db, b"Ref,When,Total\nA2,2024-03-06,3\n", "orders", file_name="o2.csv", mapping="my-shop")
    assert again.new == 1
    db.close()
