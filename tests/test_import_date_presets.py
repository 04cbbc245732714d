"""Presets that know their export's date order say so: Talkwalker day first, HubSpot month first (issue 11).

A column of two-digit-year dates that no value decides (`05/03/24`) is refused for a plain file,
and read the documented way, with a note naming the reading, for an export whose preset documents it.
"""

from __future__ import annotations

import pytest
import sqlite_utils

from scrm.errors import ImportRejected
from scrm.ingest import import_file
from scrm.ingest.presets import PRESETS

TALKWALKER = (
    "url,published,title,content,source_type,lang\n"
    "https://blog.example.com/a,05/03/17 11:00:24,Acme,Acme opened a shop,BLOG,en\n"
    "https://blog.example.com/b,06/03/17 08:30:00,Acme,Acme again,BLOG,en\n"
)
HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Create Date\n"
    "101,Ana,Ruiz,ana@example.com,2/5/24 1:51\n"
    "102,Bo,Lee,bo@example.com,3/4/24 9:05\n"
)


def test_the_presets_declare_the_date_order_their_tools_write() -> None:
    documented = {name: PRESETS[name].dayfirst for name in ("talkwalker", "hubspot-contacts", "surveymonkey")}
    assert documented == {"talkwalker": True, "hubspot-contacts": False, "surveymonkey": False}


def test_a_talkwalker_export_reads_two_digit_years_day_first_and_says_so(fresh_db: sqlite_utils.Database) -> None:
    result = import_file(fresh_db, TALKWALKER.encode(), "mentions", file_name="talkwalker.csv")
    assert result.new == 2
    stamps = [r[0] for r in fresh_db.execute("SELECT posted_at FROM mentions ORDER BY posted_at")]
    assert stamps == ["2017-03-05T11:00:24", "2017-03-06T08:30:00"]
    notes = [n for n in result.notes if n.startswith("Dates in")]
    assert notes and "were read day first (5 March 2017) because the talkwalker export writes its dates day first" in notes[0]


def test_a_hubspot_export_reads_two_digit_years_month_first(fresh_db: sqlite_utils.Database) -> None:
    result = import_file(fresh_db, HUBSPOT.encode(), "customers", file_name="hubspot.csv")
    assert result.new == 2
    created = dict(fresh_db.execute("SELECT customer_id, created_at FROM customers").fetchall())
    assert created == {"101": "2024-02-05T01:51:00", "102": "2024-03-04T09:05:00"}


def test_the_same_dates_in_a_plain_file_are_still_refused_with_both_readings(fresh_db: sqlite_utils.Database) -> None:
    plain = "id,platform,author,text,date\nA1,web,ana,hello,05/03/17 11:00:24\nA2,web,bo,hi,06/03/17 08:30:00\n"
    with pytest.raises(ImportRejected, match="read both as 5 March 2017 \\(day first\\) and as May 3, 2017"):
        import_file(fresh_db, plain.encode(), "mentions", file_name="plain.csv")
