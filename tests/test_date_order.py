"""Four-digit dates that no value decides (issue 11 point 4): read as the file's evidence says, with a
note naming the reading and how to change it; refused only when nothing decides and the readings differ."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from scrm.errors import ImportRejected
from scrm.ingest import import_file
from scrm.ingest.map import date_order_evidence
from scrm.ingest.pipeline import DateOptions

CHANGE = "import the file again with --month-first (the “Dates such as 05/03/24” box on the Data page)."


def _date_notes(result) -> list[str]:
    return [n for n in result.notes if n.startswith("Dates in")]


def _ordered_at(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT ordered_at FROM orders ORDER BY order_id")]


def test_a_semicolon_file_reads_ambiguous_dates_day_first_and_says_so(fresh_db) -> None:
    data = "order_id;date;amount\nA1;05/03/2024;12\nA2;01/02/2024;3\n"
    result = import_file(fresh_db, data.encode(), "orders", file_name="ventas.csv")
    assert result.new == 2
    assert _ordered_at(fresh_db) == ["2024-03-05T00:00:00", "2024-02-01T00:00:00"]
    assert _date_notes(result) == [
        "Dates in `date` such as '05/03/2024' were read day first (5 March 2024) because the file is separated "
        f"by `;`, as European spreadsheets write it; if they are month first (May 3, 2024), {CHANGE}"
    ]


def test_spanish_headers_decide_day_first(fresh_db) -> None:
    data = "Pedido,Fecha,Total\nA1,05/03/2024,12\n"
    result = import_file(fresh_db, data.encode(), "orders", file_name="ventas.csv",
                         mapping={"order_id": "Pedido", "ordered_at": "Fecha", "amount": "Total"})
    assert _ordered_at(fresh_db) == ["2024-03-05T00:00:00"]
    assert "because its headers are Spanish or French (`Pedido`)" in _date_notes(result)[0]


def test_a_decimal_comma_in_another_column_decides_day_first(fresh_db) -> None:
    data = 'order_id,date,amount\nA1,05/03/2024,"12,50"\nA2,04/03/2024,"3,25"\n'
    result = import_file(fresh_db, data.encode(), "orders", file_name="orders.csv")
    assert _ordered_at(fresh_db) == ["2024-03-05T00:00:00", "2024-03-04T00:00:00"]
    assert "because its numbers use a decimal comma (column `amount`)" in _date_notes(result)[0]


def test_ambiguous_dates_with_no_evidence_are_refused_with_both_readings_and_nothing_is_stored(fresh_db) -> None:
    data = "order_id,date,amount\nA1,05/03/2024,12\nA2,01/02/2024,3\n"
    with pytest.raises(ImportRejected) as e:
        import_file(fresh_db, data.encode(), "orders", file_name="orders.csv")
    assert str(e.value) == (
        "orders.csv column `date` holds dates such as '05/03/2024' that read both as 5 March 2024 (day first) "
        "and as May 3, 2024 (month first), and neither the values nor the file decide: say which with "
        "--day-first or --month-first (the “Dates such as 05/03/24” box on the Data page)."
    )
    assert fresh_db.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_saying_month_first_reads_them_month_first_without_a_note(fresh_db) -> None:
    data = "order_id;date;amount\nA1;05/03/2024;12\n"
    result = import_file(fresh_db, data.encode(), "orders", file_name="o.csv", dates=DateOptions(dayfirst=False))
    assert _ordered_at(fresh_db) == ["2024-05-03T00:00:00"]
    assert _date_notes(result) == []


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["01/01/2024", "02/02/2024"], ["2024-01-01T00:00:00", "2024-02-02T00:00:00"]),  # same both ways
        (["05/03/2024", "25/03/2024"], ["2024-03-05T00:00:00", "2024-03-25T00:00:00"]),  # a value decides
        (["03/05/2024", "03/25/2024"], ["2024-03-05T00:00:00", "2024-03-25T00:00:00"]),  # month first
    ],
)
def test_dates_that_read_the_same_or_that_a_value_decides_need_no_evidence(fresh_db, dates, expected) -> None:
    data = "order_id,date,amount\n" + "".join(f"A{i},{d},1\n" for i, d in enumerate(dates))
    result = import_file(fresh_db, data.encode(), "orders", file_name="o.csv")
    assert (result.new, result.rejected, _date_notes(result)) == (2, 0, [])
    assert _ordered_at(fresh_db) == expected


def test_a_preset_that_documents_month_first_wins_over_the_files_look() -> None:
    preset = SimpleNamespace(name="us-shop", dayfirst=False)
    raw = pd.DataFrame({"Fecha": ["05/03/2024"]})
    assert date_order_evidence(raw, preset) == (False, "the us-shop export writes its dates month first")
    assert date_order_evidence(pd.DataFrame({"date": ["05/03/2024"], "note": ["hello, world"]})) is None
