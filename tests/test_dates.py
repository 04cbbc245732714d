"""Dates as exports really write them: two-digit years decided per column,
month names in English, Spanish and French, ``Jul 2022``, and relative dates
counted back from a day the user gives. Never a silent misread."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scrm.errors import ImportRejected
from scrm.ingest import import_file
from scrm.ingest.pipeline import DateOptions
from scrm.ingest.values import describe_bad_date, parse_datetimes, two_digit_year_order


def parsed(values: list[str], **options) -> list[str | None]:
    return parse_datetimes(pd.Series(values), **options)[0].tolist()


def test_talkwalker_two_digit_years_are_day_first_when_a_day_above_12_says_so() -> None:
    assert parsed(["22/09/17 11:00:24", "01/10/17 08:00:00"]) == ["2017-09-22T11:00:24", "2017-10-01T08:00:00"]


def test_hubspot_two_digit_years_are_month_first_when_a_day_above_12_is_in_the_middle() -> None:
    assert parsed(["2/5/24 1:51 PM", "2/14/24 9:05 AM"]) == ["2024-02-05T13:51:00", "2024-02-14T09:05:00"]


def test_an_undecided_two_digit_year_is_never_guessed() -> None:
    assert parsed(["05/03/24"]) == [None]
    assert two_digit_year_order(pd.Series(["05/03/24", "06/03/24"])) == "ambiguous"
    assert parsed(["05/03/24"], dayfirst=True) == ["2024-03-05T00:00:00"]
    assert parsed(["05/03/24"], dayfirst=False) == ["2024-05-03T00:00:00"]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Jul 2022", "2022-07-01T00:00:00"),
        ("March 3, 2024", "2024-03-03T00:00:00"),
        ("12 de marzo de 2024", "2024-03-12T00:00:00"),
        ("3 janv. 2024", "2024-01-03T00:00:00"),
        ("5 mars 2024 14:02:11", "2024-03-05T14:02:11"),
        ("7 abr. 2024 23:30:00", "2024-04-07T23:30:00"),
        ("Mar 5, 2024 2:02:11 PM", "2024-03-05T14:02:11"),
        ("mardi 5 mars 2024", "2024-03-05T00:00:00"),
        ("1er décembre 2023", "2023-12-01T00:00:00"),
        ("Tuesday, March 5th, 2024", "2024-03-05T00:00:00"),
    ],
)
def test_month_names_in_english_spanish_and_french_are_read(text: str, iso: str) -> None:
    assert parsed([text]) == [iso]


def test_relative_dates_are_counted_back_from_the_anchor_day() -> None:
    anchor = date(2024, 3, 10)
    assert parsed(["Yesterday", "2 days ago", "hace 2 días", "il y a 3 jours", "a week ago"], anchor=anchor) == [
        "2024-03-09T00:00:00", "2024-03-08T00:00:00", "2024-03-08T00:00:00", "2024-03-07T00:00:00",
        "2024-03-03T00:00:00",
    ]


def test_relative_dates_without_an_anchor_are_refused_saying_how_to_give_one() -> None:
    assert parsed(["2 days ago"]) == [None]
    assert "--anchor-date" in describe_bad_date("2 days ago")


def test_a_refused_date_names_the_format_it_was_read_in() -> None:
    assert describe_bad_date("31/02/2024").startswith("'31/02/2024' is not a date: read as dd/mm/yyyy")
    assert describe_bad_date("2024-02-31").startswith("'2024-02-31' is not a date: read as ISO yyyy-mm-dd")


def test_an_ambiguous_column_is_refused_naming_both_readings_and_how_to_choose(fresh_db) -> None:
    text = "order_id,date,amount\nA,05/03/24,1\nB,06/03/24,2\n"
    with pytest.raises(ImportRejected) as e:
        import_file(fresh_db, text.encode(), "orders", file_name="o.csv")
    assert str(e.value) == (
        "o.csv column `date` holds dates such as '05/03/24' that read both as 5 March 2024 (day first) and as "
        "May 3, 2024 (month first), and no value decides: say which with --day-first or --month-first "
        "(the “Dates such as 05/03/24” box on the Data page)."
    )
    result = import_file(fresh_db, text.encode(), "orders", file_name="o.csv", dates=DateOptions(dayfirst=False))
    assert result.new == 2
    assert [r[0] for r in fresh_db.execute("SELECT ordered_at FROM orders ORDER BY 1")] == [
        "2024-05-03T00:00:00", "2024-06-03T00:00:00"
    ]


def test_an_import_says_which_anchor_its_relative_dates_were_counted_from(fresh_db) -> None:
    text = "author,text,date\nana,hola,hace 2 días\nbo,bonjour,il y a 3 jours\n"
    result = import_file(fresh_db, text.encode(), "mentions", file_name="m.csv",
                         dates=DateOptions(anchor=date(2024, 3, 10)))
    assert result.new == 2
    assert ("Relative dates in `posted_at` (such as 'hace 2 días') were counted back from 2024-03-10, "
            "the anchor date given.") in result.notes


def test_the_command_line_takes_the_date_order_and_the_anchor(tmp_path, capsys) -> None:
    from scrm import cli

    path = tmp_path / "o.csv"
    path.write_text("order_id,date,amount\nA,05/03/24,1\nB,2 days ago,2\n", encoding="utf-8")
    db = str(tmp_path / "scrm.db")
    assert cli.main(["--db", db, "import", "orders", str(path)]) == 2
    assert "say which with --day-first or --month-first" in capsys.readouterr().err
    assert cli.main(["--db", db, "import", "orders", str(path), "--day-first", "--anchor-date", "2024-03-10"]) == 0
    out = capsys.readouterr().out
    assert "  loaded (new)  2" in out
    assert "counted back from 2024-03-10" in out


def test_a_column_mixing_both_orders_is_refused_rather_than_half_misread(fresh_db) -> None:
    text = "order_id,date,amount\nA,22/09/17,1\nB,2/14/24,2\n"
    with pytest.raises(ImportRejected, match="only read day first .* others that only read month first"):
        import_file(fresh_db, text.encode(), "orders", file_name="o.csv")
    result = import_file(fresh_db, text.encode(), "orders", file_name="o.csv", dates=DateOptions(dayfirst=True))
    assert (result.new, result.rejected) == (1, 1)
