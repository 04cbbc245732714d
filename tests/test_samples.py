"""The sample files in data/samples import as the README promises."""

from __future__ import annotations

import json
from pathlib import Path

from scrm.analysis import identity
from scrm.ingest import import_file

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def test_the_spanish_customers_sample_imports_with_one_bad_email_quarantined(fresh_db) -> None:
    result = import_file(fresh_db, SAMPLES / "clientes.csv", "customers")
    assert (result.new, result.rejected) == (2, 1)
    row = next(fresh_db.query("SELECT * FROM customers WHERE customer_id = 'E100'"))
    assert (row["name"], row["created_at"], json.loads(row["attributes"])) == (
        "Lucía Fernández", "2024-02-03T00:00:00", {"Nivel": "oro"})


def test_the_french_orders_sample_reads_decimal_commas_and_quarantines_a_typo(fresh_db) -> None:
    result = import_file(fresh_db, SAMPLES / "commandes.csv", "orders", mapping=str(SAMPLES / "mapping-example.json"))
    assert (result.new, result.rejected) == (3, 1)
    amounts = dict(fresh_db.execute("SELECT order_id, amount FROM orders").fetchall())
    assert amounts == {"C-2001": 129.9, "C-2002": 1249.0, "C-2004": 45.0}


def test_the_mentions_sample_links_a_profile_by_the_handle_on_the_customer_record(fresh_db) -> None:
    import_file(fresh_db, SAMPLES / "clientes.csv", "customers")
    result = import_file(fresh_db, SAMPLES / "mentions.jsonl", "mentions")
    assert result.new == 3
    summary = identity.link_profiles(fresh_db)
    assert summary.by_method == {"handle": 1}
    link = next(fresh_db.query("SELECT profile_id, customer_id, status FROM links"))
    assert link == {"profile_id": "instagram:lucia.fdz", "customer_id": "E100", "status": "linked"}
