"""Presets of well-known exports, on tiny tables written here (the real files
are checked in test_real_exports.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from scrm.db import store
from scrm.errors import ImportRejected, MissingColumns
from scrm.ingest import import_file
from scrm.ingest.presets import PRESETS, Preset

RETAIL_HEADERS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


def table(headers: list[str], rows: list[list[str | None]], first_row: int = 2, file_name: str | None = None) -> pd.DataFrame:
    """A raw table as the readers give it: text cells, index = spreadsheet row number."""
    frame = pd.DataFrame(rows, columns=headers, index=range(first_row, first_row + len(rows)), dtype=object)
    if file_name:
        frame.attrs["file_name"] = file_name
    return frame


def retail(*lines: tuple[str, str, str, str, str | None, str]) -> pd.DataFrame:
    """Invoice lines as (InvoiceNo, Quantity, InvoiceDate, UnitPrice, CustomerID, Country)."""
    rows: list[list[str | None]] = [[inv, "85123A", "WHITE HANGING HEART", q, d, p, c, country] for inv, q, d, p, c, country in lines]
    return table(RETAIL_HEADERS, rows)


def transform(name: str, raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    preset = PRESETS[name]
    assert preset.transform is not None
    return preset.transform(raw)


def records(frame: pd.DataFrame, columns: list[str]) -> list[tuple[object, ...]]:
    """(row number, values...) with missing values as None, for exact comparisons."""
    out = []
    for row, values in zip(frame.index, frame[columns].astype(object).itertuples(index=False), strict=True):
        out.append((int(row), *[None if pd.isna(v) else v for v in values]))
    return out


# --- the registry ------------------------------------------------------------------------


def test_presets_are_the_four_documented_exports() -> None:
    public = {"online-retail", "airline-tweets", "spotify-support", "cdnow"}
    assert {name: (p.name, p.kind) for name, p in PRESETS.items() if name in public} == {
        "online-retail": ("online-retail", "orders"),
        "airline-tweets": ("airline-tweets", "mentions"),
        "spotify-support": ("spotify-support", "mentions"),
        "cdnow": ("cdnow", "orders"),
    }
    for preset in PRESETS.values():
        assert preset.read is None or callable(preset.read)
        assert callable(preset.transform) or preset.mapping is not None
        assert preset.description.endswith(".")


def test_a_preset_cannot_be_changed_once_defined() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS["cdnow"].kind = "mentions"  # type: ignore[misc]
    assert Preset("x", "orders", "X.").read is None


# --- online-retail -------------------------------------------------------------------------


def test_invoice_lines_become_one_order_per_invoice() -> None:
    raw = retail(
        ("536365", "6", "2010-12-01 08:26:00", "2.55", "17850.0", "United Kingdom"),
        ("536365", "8.0", "2010-12-01 08:26:00", "2.75", "17850.0", "United Kingdom"),
        ("536366", "6", "2010-12-01 08:28:00", "1.85", "17850.0", "United Kingdom"),
    )
    orders = transform("online-retail", raw)["orders"]
    assert list(orders.columns) == [
        "order_id", "customer_id", "ordered_at", "amount", "currency", "channel", "category", "items", "_problem",
        "_problem_message",
    ]
    assert records(orders, list(orders.columns)) == [
        (2, "536365", "17850", "2010-12-01T08:26:00", 37.3, "GBP", "online", None, 14, None, None),
        (4, "536366", "17850", "2010-12-01T08:28:00", 11.1, "GBP", "online", None, 6, None, None),
    ]


def test_a_cancellation_comes_out_negative_and_amounts_are_rounded_to_cents() -> None:
    raw = retail(
        ("C536379", "-1", "2010-12-01 09:41:00", "27.50", "14527", "United Kingdom"),
        ("550193", "1", "2011-04-15 10:00:00", "2042.761", "14527", "United Kingdom"),
    )
    orders = transform("online-retail", raw)["orders"]
    assert records(orders, ["order_id", "amount", "items"]) == [(2, "C536379", -27.5, -1), (3, "550193", 2042.76, 1)]


def test_an_invoice_without_customer_is_a_guest_order_and_makes_no_customer() -> None:
    raw = retail(
        ("536544", "1", "2010-12-01 14:32:00", "2.51", "", "United Kingdom"),
        ("536544", "2", "2010-12-01 14:32:00", "0.85", None, "United Kingdom"),
        ("536545", "1", "2010-12-01 14:35:00", "5.00", "12583", "France"),
    )
    frames = transform("online-retail", raw)
    assert records(frames["orders"], ["order_id", "customer_id", "amount"]) == [(2, "536544", None, 4.21), (4, "536545", "12583", 5.0)]
    assert records(frames["customers"], ["customer_id", "country", "created_at"]) == [(4, "12583", "France", "2010-12-01T14:35:00")]


def test_a_customer_gets_the_country_of_most_invoices_and_ties_go_to_the_earliest() -> None:
    raw = retail(
        ("1", "1", "2011-01-05 10:00:00", "1", "100", "France"),
        ("2", "1", "2011-01-06 10:00:00", "1", "100", "Germany"),
        ("3", "1", "2011-01-07 10:00:00", "1", "100", "Germany"),
        ("3", "1", "2011-01-07 10:00:00", "1", "100", "Germany"),
        ("4", "1", "2011-01-08 10:00:00", "1", "200", "Spain"),
        ("5", "1", "2011-01-09 10:00:00", "1", "200", "Portugal"),
        ("5", "1", "2011-01-09 10:00:00", "1", "200", "Portugal"),  # more lines, not more invoices
    )
    customers = transform("online-retail", raw)["customers"]
    assert records(customers, ["customer_id", "country"]) == [(2, "100", "Germany"), (6, "200", "Spain")]


def test_a_customer_is_created_at_the_first_invoice_date_even_when_it_is_not_the_first_row() -> None:
    raw = retail(
        ("581000", "1", "2011-12-01 10:00:00", "1", "17850", "United Kingdom"),
        ("536365", "1", "2010-12-01 08:26:00", "1", "17850", "United Kingdom"),
    )
    customers = transform("online-retail", raw)["customers"]
    assert records(customers, ["customer_id", "created_at"]) == [(2, "17850", "2010-12-01T08:26:00")]


@pytest.mark.parametrize(
    ("quantity", "price", "problem"),
    [
        ("abc", "2.55", "row 3, column `Quantity`: 'abc' is not a number. Use digits with `.` or `,` as decimal mark."),
        ("6", "", "row 3, column `UnitPrice` is empty. Every invoice line needs a quantity and a unit price."),
        (
            "six", "2,5O",
            "row 3, column `Quantity`: 'six' is not a number. Use digits with `.` or `,` as decimal mark.; "
            "row 3, column `UnitPrice`: '2,5O' is not a number. Use digits with `.` or `,` as decimal mark.",
        ),
    ],
)
def test_an_unreadable_line_holds_back_its_whole_invoice_with_the_reason(quantity: str, price: str, problem: str) -> None:
    raw = retail(
        ("536365", "6", "2010-12-01 08:26:00", "2.55", "17850", "United Kingdom"),
        ("536365", quantity, "2010-12-01 08:26:00", price, "17850", "United Kingdom"),
        ("536366", "6", "2010-12-01 08:28:00", "1.85", "17850", "United Kingdom"),
    )
    orders = transform("online-retail", raw)["orders"]
    assert records(orders, ["order_id", "_problem"]) == [(2, "536365", problem), (4, "536366", None)]


def test_the_problems_of_several_lines_are_all_given() -> None:
    raw = retail(
        ("536365", "x", "2010-12-01 08:26:00", "2.55", "17850", "United Kingdom"),
        ("536365", "y", "2010-12-01 08:26:00", "2.55", "17850", "United Kingdom"),
    )
    orders = transform("online-retail", raw)["orders"]
    assert orders["_problem"].tolist() == [
        "row 2, column `Quantity`: 'x' is not a number. Use digits with `.` or `,` as decimal mark.; "
        "row 3, column `Quantity`: 'y' is not a number. Use digits with `.` or `,` as decimal mark."
    ]


def test_a_line_without_invoice_number_becomes_its_own_order_with_a_problem() -> None:
    raw = retail(
        ("536365", "6", "2010-12-01 08:26:00", "2.55", "17850", "United Kingdom"),
        ("", "2", "2010-12-01 08:27:00", "1.00", "17850", "United Kingdom"),
    )
    orders = transform("online-retail", raw)["orders"]
    assert records(orders, ["order_id", "amount", "_problem"]) == [
        (2, "536365", 15.3, None),
        (3, None, 2.0, "row 3, column `InvoiceNo` is empty. Every invoice line needs an invoice number."),
    ]


def test_spreadsheet_numbers_and_renamed_headers_are_understood() -> None:
    raw = table(
        ["Invoice No", "Quantity", "Invoice Date", "Unit Price", "Customer ID", "country"],
        [["536365.0", "6.0", "2010-12-01 08:26:00", "2.55", "17850.0", "United Kingdom"]],
    )
    frames = transform("online-retail", raw)
    assert records(frames["orders"], ["order_id", "customer_id", "amount", "items"]) == [(2, "536365", "17850", 15.3, 6)]


def test_a_file_without_the_retail_columns_is_refused_naming_its_headers() -> None:
    raw = table(["order", "total"], [["1", "2"]], file_name="shop.csv")
    with pytest.raises(MissingColumns) as e:
        transform("online-retail", raw)
    assert str(e.value) == (
        "shop.csv cannot be imported with the preset 'online-retail': no columns `InvoiceNo`, `Quantity`, "
        "`InvoiceDate`, `UnitPrice`, `CustomerID`. Its headers are: order, total. The preset reads files with "
        "the columns InvoiceNo, Quantity, InvoiceDate, UnitPrice, CustomerID; use it only on that export, "
        "or import the file without a preset."
    )


@pytest.mark.parametrize("name", ["online-retail", "airline-tweets", "spotify-support", "cdnow"])
def test_a_transform_leaves_its_input_as_it_was(name: str) -> None:
    raw = {
        "online-retail": retail(("536365", "x", "2010-12-01 08:26:00", "2.55", "17850.0", "United Kingdom")),
        "airline-tweets": table(
            ["tweet_id", "airline_sentiment", "airline", "name", "retweet_count", "text", "tweet_created", "tweet_location"],
            [["5", "neutral", "United", "jo", "0", "RT @united hi", "2015-02-24 11:35:52 -0800", ""]],
        ),
        "spotify-support": table(
            ["", "index", "tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"],
            [["0", "541", "849", "115887", "True", "Tue Oct 31 23:36:20 +0000 2017", "hi", "851", "848.0"]],
        ),
        "cdnow": table(["customer_id", "date", "number_of_cds", "dollar_value"], [["00001", "19970101", "1", "11.77"]]),
    }[name]
    before = raw.copy()
    transform(name, raw)
    pd.testing.assert_frame_equal(raw, before)


def test_an_invoice_with_an_unreadable_line_is_quarantined_and_the_rest_imported(fresh_db) -> None:
    data = (
        b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        b"536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
        b"536365,71053,LANTERN,abc,2010-12-01 08:26:00,3.39,17850.0,United Kingdom\n"
        b"536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom\n"
        b"536367,22632,HAND WARMER,2,2010-12-01 08:34:00,1.85,,United Kingdom\n"
    )
    result = import_file(fresh_db, data, "orders", file_name="retail.csv", mapping="online-retail")
    assert (result.rows_read, result.new, result.rejected) == (4, 2, 1)
    assert [(p.kind, p.new) for p in result.also] == [("customers", 1)]
    assert fresh_db.execute("SELECT order_id, customer_id, amount, currency FROM orders ORDER BY order_id").fetchall() == [
        ("536366", "17850", 11.1, "GBP"),
        ("536367", None, 3.7, "GBP"),
    ]
    assert fresh_db.execute("SELECT row_number, reason FROM quarantine").fetchall() == [
        (2, "row 3, column `Quantity`: 'abc' is not a number. Use digits with `.` or `,` as decimal mark."),
    ]


# --- airline-tweets ----------------------------------------------------------------------

AIRLINE_HEADERS = [
    "tweet_id", "airline_sentiment", "airline_sentiment_confidence", "negativereason", "negativereason_confidence",
    "airline", "airline_sentiment_gold", "name", "negativereason_gold", "retweet_count", "text", "tweet_coord",
    "tweet_created", "tweet_location", "user_timezone",
]


def airline(*tweets: tuple[str, str, str, str]) -> pd.DataFrame:
    """Tweets as (tweet_id, name, text, tweet_created)."""
    rows: list[list[str | None]] = [
        [tid, "negative", "1.0", "Late Flight", "0.7", "United", "", name, "", "2", text, "", created, "Chicago", "Central Time"]
        for tid, name, text, created in tweets
    ]
    return table(AIRLINE_HEADERS, rows)


def test_airline_tweets_become_mentions_without_the_sentiment_labels() -> None:
    raw = airline(("570306133677760513", "cairdin", "@VirginAmerica What @dhepburn said.", "2015-02-24 11:35:52 -0800"))
    mentions = transform("airline-tweets", raw)["mentions"]
    assert list(mentions.columns) == [
        "mention_id", "platform", "author", "text", "posted_at", "url", "kind", "brand", "shares", "location",
    ]
    assert records(mentions, list(mentions.columns)) == [
        (
            2, "570306133677760513", "twitter", "cairdin", "@VirginAmerica What @dhepburn said.", "2015-02-24T19:35:52",
            "https://twitter.com/cairdin/status/570306133677760513", "reply", "United", "2", "Chicago",
        )
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("RT @united: we are on our way", "share"),
        ("@united where is my bag", "reply"),
        ("  @united where is my bag", "reply"),
        ("Flying @united today", "post"),
        ("RT this if you hate delays", "post"),
        ("", "post"),
    ],
)
def test_a_tweet_kind_follows_how_its_text_starts(text: str, kind: str) -> None:
    mentions = transform("airline-tweets", airline(("1", "jo", text, "2015-02-24 11:35:52 -0800")))["mentions"]
    assert mentions["kind"].tolist() == [kind]


def test_a_tweet_time_that_cannot_be_read_is_left_for_the_importer_to_quarantine() -> None:
    mentions = transform("airline-tweets", airline(("1", "jo", "hi", "yesterday"), ("2", "jo", "hi", "")))["mentions"]
    assert records(mentions, ["posted_at"]) == [(2, "yesterday"), (3, None)]


def test_duplicate_tweet_rows_are_kept_for_the_importer_to_count() -> None:
    raw = airline(("1", "jo", "@united hi", "2015-02-24 11:35:52 -0800"), ("1", "jo", "@united hi", "2015-02-24 11:35:52 -0800"))
    assert len(transform("airline-tweets", raw)["mentions"]) == 2


# --- spotify-support ---------------------------------------------------------------------

SPOTIFY_HEADERS = ["", "index", "tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"]


def test_support_requests_become_replies_that_keep_their_thread_link() -> None:
    raw = table(
        SPOTIFY_HEADERS,
        [
            ["0", "541", "849", "115887", "True", "Tue Oct 31 23:36:20 +0000 2017", "@SpotifyCares doesn’t work", "851", "848.0"],
            ["1", "545", "853", "115888", "True", "Tue Oct 31 19:57:59 +0000 2017", "@SpotifyCares hello &amp; bye", "", ""],
            ["2", "546", "860", "SpotifyCares", "False", "Tue Oct 31 20:00:00 +0000 2017", "@115888 Hi there!", "", "853"],
        ],
    )
    mentions = transform("spotify-support", raw)["mentions"]
    assert list(mentions.columns) == [
        "mention_id", "platform", "author", "text", "posted_at", "kind", "in_reply_to", "brand", "from_brand",
    ]
    assert records(mentions, list(mentions.columns)) == [
        (2, "849", "twitter", "115887", "@SpotifyCares doesn’t work", "2017-10-31T23:36:20", "reply", "848", "Spotify", False),
        (3, "853", "twitter", "115888", "@SpotifyCares hello &amp; bye", "2017-10-31T19:57:59", "post", None, "Spotify", False),
        (4, "860", "twitter", "SpotifyCares", "@115888 Hi there!", "2017-10-31T20:00:00", "reply", "853", "Spotify", True),
    ]


def test_bare_carriage_returns_stay_inside_the_tweet_they_belong_to() -> None:
    data = (
        b",index,tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        b"1464,251019,289165,184908,True,Fri Oct 06 15:31:09 +0000 2017,@SpotifyCares Lumia 950XL\r\rWindows 10,289163,289171.0\n"
        b'1465,251023,289174,184909,True,Fri Oct 06 15:19:31 +0000 2017,"@SpotifyCares Sweet\nthanks",289173,289175.0\n'
    )
    preset = PRESETS["spotify-support"]
    assert preset.read is not None and preset.transform is not None
    mentions = preset.transform(preset.read(data, "support_requests.csv"))["mentions"]
    assert records(mentions, ["mention_id", "text", "in_reply_to"]) == [
        (2, "289165", "@SpotifyCares Lumia 950XL\n\nWindows 10", "289171"),
        (3, "289174", "@SpotifyCares Sweet\nthanks", "289175"),
    ]


# --- cdnow ---------------------------------------------------------------------------------

CDNOW_MASTER = (
    b" customer_id  date number_of_cds  dollar_value\r\n"
    b" 00001 19970101  1   11.77\r\n"
    b" 00002 19970112  1   12.00\r\n"
    b" 00002 19970112  5   77.00\r\n"
    b" 00004 19970101  2   29.33\r\n"
    b" 00004 19970118  2   29.73\r\n"
)
CDNOW_SAMPLE = b" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n"


def read_cdnow(data: bytes, name: str = "CDNOW_master.txt") -> pd.DataFrame:
    read = PRESETS["cdnow"].read
    assert read is not None
    return read(data, name)


def test_the_cdnow_master_file_is_read_after_its_header_with_line_numbers() -> None:
    raw = read_cdnow(CDNOW_MASTER)
    assert list(raw.columns) == ["customer_id", "date", "number_of_cds", "dollar_value"]
    assert records(raw, list(raw.columns))[:2] == [(2, "00001", "19970101", "1", "11.77"), (3, "00002", "19970112", "1", "12.00")]


def test_the_cdnow_sample_file_has_no_header_and_a_sample_number(tmp_path: Path) -> None:
    path = tmp_path / "CDNOW_sample.txt"
    path.write_bytes(CDNOW_SAMPLE)
    read = PRESETS["cdnow"].read
    assert read is not None
    raw = read(path, None)
    assert records(raw, list(raw.columns)) == [
        (1, "00004", "0001", "19970101", "2", "29.33"),
        (2, "00004", "0001", "19970118", "2", "29.73"),
    ]


def test_cdnow_purchases_become_orders_numbered_per_customer_and_day() -> None:
    frames = transform("cdnow", read_cdnow(CDNOW_MASTER))
    orders = frames["orders"]
    assert records(orders, ["order_id", "customer_id", "ordered_at", "amount", "currency", "channel", "items", "_problem"]) == [
        (2, "00001-19970101", "00001", "1997-01-01T00:00:00", "11.77", "USD", "online", "1", None),
        (3, "00002-19970112", "00002", "1997-01-12T00:00:00", "12.00", "USD", "online", "1", None),
        (4, "00002-19970112-2", "00002", "1997-01-12T00:00:00", "77.00", "USD", "online", "5", None),
        (5, "00004-19970101", "00004", "1997-01-01T00:00:00", "29.33", "USD", "online", "2", None),
        (6, "00004-19970118", "00004", "1997-01-18T00:00:00", "29.73", "USD", "online", "2", None),
    ]
    assert records(frames["customers"], ["customer_id", "created_at"]) == [
        (2, "00001", "1997-01-01T00:00:00"),
        (3, "00002", "1997-01-12T00:00:00"),
        (5, "00004", "1997-01-01T00:00:00"),
    ]


def test_the_same_purchase_gets_the_same_order_id_in_the_master_and_the_sample() -> None:
    master = transform("cdnow", read_cdnow(CDNOW_MASTER))["orders"]
    sample = transform("cdnow", read_cdnow(CDNOW_SAMPLE, "CDNOW_sample.txt"))["orders"]
    assert sample["order_id"].tolist() == ["00004-19970101", "00004-19970118"]
    assert set(sample["order_id"]) <= set(master["order_id"])


def test_a_cdnow_line_with_a_missing_field_is_held_back_with_its_line_number() -> None:
    frames = transform("cdnow", read_cdnow(CDNOW_MASTER + b" 00005 19970102 12.99\r\n"))
    assert records(frames["orders"], ["_problem"])[-1] == (
        7,
        "line 7 has 3 fields, the lines before have 4. CDNOW lines hold 4 fields separated by spaces (customer id, "
        "date YYYYMMDD, number of CDs, dollar value) or 5 with the sample's own customer number after the id.",
    )
    assert "00005" not in frames["customers"]["customer_id"].tolist()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"order_id,date,amount\n1,2024-03-05,12.5\n",
            "orders.csv is not a CDNOW purchase file: line 2 has 1 field. CDNOW lines hold 4 fields separated by "
            "spaces (customer id, date YYYYMMDD, number of CDs, dollar value) or 5 with the sample's own customer "
            "number after the id.",
        ),
        (
            b"\r\n  \r\n",
            "orders.csv holds no purchases. CDNOW lines hold 4 fields separated by spaces (customer id, date "
            "YYYYMMDD, number of CDs, dollar value) or 5 with the sample's own customer number after the id.",
        ),
    ],
)
def test_a_file_that_is_not_cdnow_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImportRejected) as e:
        read_cdnow(data, "orders.csv")
    assert str(e.value) == message


def test_a_cdnow_file_imports_orders_and_customers_and_a_second_import_adds_nothing(db_path: Path) -> None:
    db = store.open_db(db_path)
    first = import_file(db, CDNOW_MASTER, "orders", file_name="CDNOW_master.txt", mapping="cdnow")
    again = import_file(db, CDNOW_SAMPLE, "orders", file_name="CDNOW_sample.txt", mapping="cdnow")
    assert (first.rows_read, first.new, first.also[0].kind, first.also[0].new) == (5, 5, "customers", 3)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert db.execute("SELECT sum(amount), sum(items) FROM orders").fetchone() == pytest.approx((159.83, 11))
    db.close()
