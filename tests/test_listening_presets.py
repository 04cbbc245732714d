"""Listening tools' and review sites' exports in the other shapes real files come in.

The fixtures were written for these tests in the shape public readers of these
exports take them (see the preset table in the README for the source of each);
no third-party file is copied. Each check is one thing a real file of the tool
trips on: Brandwatch's current "Bulk Mentions Download" (report lines above the
header, `X ` counts, replies), Trustpilot's two spellings of its Business export,
Talkwalker's date order, the same exports re-saved by Excel (UTF-16 with tabs,
semicolons, an old Windows code page), and rows that cannot be read.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from scrm.db import store
from scrm.ingest import import_file
from scrm.ingest.preset_types import detect_preset
from scrm.ingest.readers import read_table
from scrm.ingest.social import SOCIAL_PRESETS

FIXTURES = Path(__file__).parent / "fixtures" / "social"
BULK = FIXTURES / "brandwatch_bulk_mentions.csv"


def _mentions(db: Any) -> dict[str, dict[str, Any]]:
    return {row["mention_id"]: row for row in db["mentions"].rows}


# --- Brandwatch's Bulk Mentions Download ---------------------------------------------------------------


def test_a_brandwatch_bulk_download_is_detected_under_its_report_lines(fresh_db) -> None:
    headers = list(read_table(BULK).columns)
    assert headers[:3] == ["Query Id", "Query Name", "Date"]  # the six lines above are not data
    found = detect_preset(SOCIAL_PRESETS, headers)
    assert found is not None and found.name == "brandwatch"
    result = import_file(fresh_db, BULK, "mentions")
    assert (result.rows_read, result.new, result.rejected) == (3, 3, 0), result.summary()


def test_a_brandwatch_reply_on_x_points_to_the_post_it_answers_with_its_x_counts(fresh_db) -> None:
    import_file(fresh_db, BULK, "mentions")
    rows = _mentions(fresh_db)
    post, reply = rows["1798000000000000101"], rows["1798000000000000102"]
    assert {k: post[k] for k in ("platform", "author", "kind", "likes", "shares", "replies", "author_followers")} == {
        "platform": "twitter", "author": "marta_q", "kind": "post", "likes": 4, "shares": 1, "replies": 2,
        "author_followers": 310}
    assert post["posted_at"] == "2024-06-03T08:15:00"  # `2024-06-03T08:15:00.000Z`
    assert (reply["kind"], reply["in_reply_to"], reply["author"]) == ("reply", "1798000000000000101", "AcmeShop")
    forum = rows["1d9zk2"]
    assert (forum["platform"], forum["likes"], forum["replies"], forum["in_reply_to"]) == ("reddit", 57, 12, None)
    assert forum["text"] == "Acme X3 after a month\n\nBattery lasts two days, camera is fine."


def test_a_brandwatch_workbook_with_six_rows_above_the_header_is_read_like_its_csv(fresh_db, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(BULK.read_text(encoding="utf-8"))):
        sheet.append([cell or None for cell in row] or [None])
    path = tmp_path / "bulk.xlsx"
    book.save(path)
    result = import_file(fresh_db, path, "mentions")
    assert (result.new, result.rejected) == (3, 0), result.summary()
    assert _mentions(fresh_db)["1798000000000000102"]["in_reply_to"] == "1798000000000000101"


def test_a_trimmed_brandwatch_export_without_its_query_columns_is_still_known() -> None:
    headers = ["Date", "Url", "Domain", "Author", "Full Text", "Thread Entry Type", "Resource Id", "X Likes"]
    found = detect_preset(SOCIAL_PRESETS, headers)
    assert found is not None and found.name == "brandwatch"


def test_a_brandwatch_row_with_an_unreadable_date_is_quarantined_with_the_reason(fresh_db, tmp_path: Path) -> None:
    text = BULK.read_text(encoding="utf-8").replace("2024-06-04T17:40:00.000Z", "yesterday-ish")
    path = tmp_path / "bulk_bad_date.csv"
    path.write_text(text, encoding="utf-8")
    result = import_file(fresh_db, path, "mentions")
    assert (result.new, result.rejected) == (2, 1), result.summary()
    row, column, reason = fresh_db.execute('SELECT row_number, "column", reason FROM quarantine').fetchone()
    # Six lines above the header (line 7): the bad row is line 10, as a spreadsheet numbers it.
    assert (row, column) == (10, "posted_at")
    assert reason.startswith("'yesterday-ish' is not a date.")


# --- Trustpilot's Business export: both spellings -------------------------------------------------------

TRUSTPILOT_CURRENT = (
    "Review ID,Review Created (UTC),Review Consumer User Id,Review Username,Review Title,Review Content,"
    "Review Stars,Source Of Review,Location Name,Domain URL,Business Reply Date (UTC),Reply Content\n"
    "6650a1,2024-05-24 09:10:11,c1,Ana P,Great,Fast delivery,5,Organic,,https://www.acme.example,,\n"
    "6650a2,2024-05-25 10:00:00,c2,Bo,Bad,Arrived broken,1,Invitation,,https://www.acme.example,"
    "2024-05-25 12:00:00,Sorry to hear that\n"
)


def test_the_current_trustpilot_spelling_imports_like_the_older_one(fresh_db) -> None:
    data = TRUSTPILOT_CURRENT.encode()
    headers = list(read_table(data, "reviews.csv").columns)
    found = detect_preset(SOCIAL_PRESETS, headers)
    assert found is not None and found.name == "trustpilot"
    result = import_file(fresh_db, data, "mentions", file_name="reviews.csv")
    assert (result.new, result.rejected) == (3, 0), result.summary()
    rows = _mentions(fresh_db)
    assert {k: rows["6650a1"][k] for k in ("platform", "author", "rating", "kind", "posted_at")} == {
        "platform": "trustpilot", "author": "Ana P", "rating": 5, "kind": "review", "posted_at": "2024-05-24T09:10:11"}
    reply = rows["6650a2:reply"]
    assert (reply["in_reply_to"], reply["from_brand"], reply["posted_at"]) == ("6650a2", 1, "2024-05-25T12:00:00")
    again = import_file(fresh_db, data, "mentions", file_name="reviews.csv")
    assert (again.new, again.unchanged) == (0, 3)


# --- Talkwalker's date order -------------------------------------------------------------------------------

TALKWALKER_HEAD = "url,published,title,content,source_type,extra_author_attributes.name\n"


def _talkwalker(dates: list[str]) -> bytes:
    lines = [f"https://twitter.com/a/status/{i},{d},,post {i},SOCIALMEDIA_TWITTER,Ana" for i, d in enumerate(dates, 1)]
    return (TALKWALKER_HEAD + "\n".join(lines) + "\n").encode()


def test_a_talkwalker_column_whose_values_say_month_first_is_read_month_first(fresh_db) -> None:
    # The preset's day-first default only decides when no value does: 22 cannot be a month.
    result = import_file(fresh_db, _talkwalker(["09/22/17 11:00:24", "09/03/17 08:00:00"]), "mentions",
                         file_name="talkwalker.csv")
    assert (result.new, result.rejected) == (2, 0), result.summary()
    dates = sorted(r["posted_at"] for r in fresh_db["mentions"].rows)
    assert dates == ["2017-09-03T08:00:00", "2017-09-22T11:00:24"]


def test_a_talkwalker_column_that_cannot_decide_is_read_day_first_and_the_note_says_how_to_change(fresh_db) -> None:
    result = import_file(fresh_db, _talkwalker(["05/03/24 11:00:24", "06/03/24 09:30:00"]), "mentions",
                         file_name="talkwalker.csv")
    assert sorted(r["posted_at"] for r in fresh_db["mentions"].rows) == ["2024-03-05T11:00:24", "2024-03-06T09:30:00"]
    assert any("read day first (5 March 2024)" in n and "--month-first" in n for n in result.notes), result.notes


def test_an_unreadable_talkwalker_date_goes_to_quarantine_and_the_rest_is_kept(fresh_db) -> None:
    result = import_file(fresh_db, _talkwalker(["22/09/17 11:00:24", "32/13/17 25:00:00"]), "mentions",
                         file_name="talkwalker.csv")
    assert (result.new, result.rejected) == (1, 1), result.summary()
    assert fresh_db.execute('SELECT "column" FROM quarantine').fetchone()[0] == "posted_at"


# --- the same exports, re-saved by Excel ---------------------------------------------------------------------

EXPORTS = ["brandwatch_bulk_mentions.csv", "brandwatch.csv", "talkwalker.csv", "meltwater_current.csv",
           "sprout_social.csv", "hootsuite_messages.csv", "hootsuite_inbox_messages.csv", "trustpilot_reviews.csv"]
SAVED_AS = [
    ("utf-16", "\t"),  # Excel's "Unicode text": UTF-16 with a BOM, tabs
    ("utf-8-sig", ";"),  # Excel in a decimal-comma locale (Spain, France): semicolons
    ("cp1252", ","),  # an older Windows Excel
]


def _source_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    text = raw.decode("utf-16") if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else raw.decode("utf-8-sig")
    delimiter = "\t" if "\t" in text.split("\n", 2)[1] else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _stored(db: Any) -> list[tuple[Any, ...]]:
    keys = ("mention_id", "platform", "author", "posted_at", "likes", "text", "kind", "in_reply_to", "rating")
    return sorted(tuple(r[k] for k in keys) for r in db["mentions"].rows)


@pytest.mark.parametrize("encoding, delimiter", SAVED_AS, ids=["utf16-tabs", "semicolons", "cp1252"])
@pytest.mark.parametrize("file", EXPORTS)
def test_an_export_re_saved_by_excel_imports_the_same_rows(fresh_db, file: str, encoding: str, delimiter: str) -> None:
    source = FIXTURES / file
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(_source_rows(source))
    try:
        data = out.getvalue().encode(encoding)
    except UnicodeEncodeError:
        pytest.skip(f"{file} has characters {encoding} cannot write")
    expected = store.open_db(":memory:")
    try:
        import_file(expected, source, "mentions")
        result = import_file(fresh_db, data, "mentions", file_name=file)
        assert result.rejected == 0, result.summary()
        assert _stored(fresh_db) == _stored(expected)
    finally:
        expected.close()


def test_a_semicolon_listening_export_with_decimal_commas_reads_counts_and_dates(fresh_db) -> None:
    # A French-locale Excel save: `;`, thousands with `.` or a space, day-first dates.
    data = (
        "Query Id;Query Name;Date;Url;Page Type;Author;Full Text;X Followers;X Likes;Sentiment Score;Resource Id\n"
        "77;Acme;03/06/2024 08:15;https://x.com/lu/status/181;x;lu;Très déçue;1.530;12;-0,75;181\n"
        "77;Acme;14/06/2024 09:00;https://x.com/jo/status/182;x;jo;Parfait;2 040;3;0,5;182\n"
    ).encode("utf-8-sig")
    result = import_file(fresh_db, data, "mentions", file_name="brandwatch_fr.csv")
    assert (result.new, result.rejected) == (2, 0), result.summary()
    rows = _mentions(fresh_db)
    assert (rows["181"]["author_followers"], rows["181"]["posted_at"]) == (1530, "2024-06-03T08:15:00")
    assert (rows["182"]["author_followers"], rows["182"]["likes"]) == (2040, 3)


# --- Sprout Social's reports without a post id ---------------------------------------------------------------


def test_a_sprout_post_report_without_post_ids_is_detected_and_keyed_by_its_links(fresh_db) -> None:
    data = (
        b"Date,Network,Profile,Post Type,Content Type,Link,Post,Impressions,Reactions,Comments,Shares\n"
        b"3/4/2024 9:15 am,Instagram,acme.shop,Post,Photo,https://www.instagram.com/p/C4AbCd/,Spring is here,"
        b"\"5,210\",388,22,\n"
        b"3/13/2024 4:40 pm,TikTok,acmeshop,Video,Video,https://www.tiktok.com/@acmeshop/video/7345,Unboxing,"
        b"\"12,050\",\"1,020\",64,31\n"
    )
    found = detect_preset(SOCIAL_PRESETS, list(read_table(data, "post_performance.csv").columns))
    assert found is not None and found.name == "sprout-social"
    result = import_file(fresh_db, data, "mentions", file_name="post_performance.csv")
    assert (result.new, result.rejected) == (2, 0), result.summary()
    rows = _mentions(fresh_db)
    post = rows["https://www.instagram.com/p/C4AbCd/"]
    assert {k: post[k] for k in ("platform", "author", "kind", "from_brand", "likes", "posted_at")} == {
        "platform": "instagram", "author": "acme.shop", "kind": "post", "from_brand": 1, "likes": 388,
        "posted_at": "2024-03-04T09:15:00"}  # month first, as Sprout writes dates
    assert rows["https://www.tiktok.com/@acmeshop/video/7345"]["likes"] == 1020


# --- Hootsuite's Inbox messages export -------------------------------------------------------------------------

HOOTSUITE = FIXTURES / "hootsuite_inbox_messages.csv"


def test_a_hootsuite_inbox_export_keeps_who_speaks_the_kind_and_the_post_a_comment_is_under(fresh_db) -> None:
    found = detect_preset(SOCIAL_PRESETS, list(read_table(HOOTSUITE).columns))
    assert found is not None and found.name == "hootsuite"
    result = import_file(fresh_db, HOOTSUITE, "mentions")
    assert (result.new, result.rejected) == (4, 0), result.summary()
    rows = _mentions(fresh_db)
    keys = ("platform", "author", "kind", "from_brand", "in_reply_to")
    assert {k: rows["hm-5501"][k] for k in keys} == {
        "platform": "facebook", "author": "Lucía Gómez", "kind": "reply", "from_brand": 0,
        "in_reply_to": "https://www.facebook.com/100200300_400500600"}
    # The team's answer is the brand speaking, not the contact whose conversation it is.
    assert {k: rows["hm-5502"][k] for k in ("author", "author_name", "from_brand")} == {
        "author": "acme.shop", "author_name": None, "from_brand": 1}
    assert {k: rows["hm-5503"][k] for k in keys} == {
        "platform": "twitter", "author": "ravi_k", "kind": "reply", "from_brand": 0,
        "in_reply_to": "1808000000000000001"}
    assert (rows["hm-5504"]["kind"], rows["hm-5504"]["in_reply_to"]) == ("dm", None)
    again = import_file(fresh_db, HOOTSUITE, "mentions")
    assert (again.new, again.unchanged) == (0, 4)
