"""scrm.ingest.values: text cells -> typed values, with bad cells flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from scrm.ingest.values import parse_bools, parse_datetimes, parse_ints, parse_numbers, unescape_html


def one(parser, value, **kwargs):  # type: ignore[no-untyped-def]
    """Parse a single cell: (value or None, bad)."""
    parsed, bad = parser(pd.Series([value], dtype=object), **kwargs)
    v = parsed.iloc[0]
    return (None if v is None or pd.isna(v) else v), bool(bad.iloc[0])


# --- datetimes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-05", "2024-03-05T00:00:00"),
        ("2024-3-5", "2024-03-05T00:00:00"),
        ("2024-03-05 14:02", "2024-03-05T14:02:00"),
        ("2024-03-05  14:02", "2024-03-05T14:02:00"),
        ("2024-03-05T14:02:11Z", "2024-03-05T14:02:11"),
        ("2024-03-05T14:02:11.123456Z", "2024-03-05T14:02:11"),
        ("2024-03-05 14:02:11,5", "2024-03-05T14:02:11"),
        ("2024-03-05T14:02:11+01:00", "2024-03-05T13:02:11"),
        ("2024-03-05 14:02:11 UTC", "2024-03-05T14:02:11"),
        ("2015-02-24 11:35:52 -0800", "2015-02-24T19:35:52"),
        ("2024/03/05 10:00", "2024-03-05T10:00:00"),
        ("05/03/2024", "2024-03-05T00:00:00"),
        ("05-03-2024 14:02", "2024-03-05T14:02:00"),
        ("05.03.2024 14:02:11", "2024-03-05T14:02:11"),
        ("5/3/2024, 9:05", "2024-03-05T09:05:00"),
        ("05/03/2024 2:05 PM", "2024-03-05T14:05:00"),
        ("05/03/2024 12:05 am", "2024-03-05T00:05:00"),
        ("19970101", "1997-01-01T00:00:00"),
        ("Tue Oct 31 23:36:20 +0000 2017", "2017-10-31T23:36:20"),
        ("Tue Oct 31 23:36:20 -0500 2017", "2017-11-01T04:36:20"),
        ("Tue Sept 05 10:00:00 +0000 2017", "2017-09-05T10:00:00"),
        ("Tue, 31 Oct 2017 23:36:20 +0000", "2017-10-31T23:36:20"),
        ("31 Oct 2017 23:36 GMT", "2017-10-31T23:36:00"),
        ("1 March 2024", "2024-03-01T00:00:00"),
    ],
)
def test_date_formats_become_utc_iso_text(text: str, expected: str) -> None:
    assert one(parse_datetimes, text) == (expected, False)


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2024",  # no 31 February
        "2023-02-29",  # not a leap year
        "2024-13-01",
        "2024-03-05 24:00",
        "05/03/2024 13:05 PM",
        "1850-01-01",  # before 1900
        "2101-01-01",  # after 2100
        "9999-12-31",  # beyond what pandas' nanoseconds hold: still only "bad"
        "12345678",  # 8 digits, not a date
        "05/03/24",  # two-digit years are refused
        "Tue Foo 31 23:36:20 +0000 2017",
        "yesterday",
        "12,5",
    ],
)
def test_impossible_or_unknown_dates_are_bad(text: str) -> None:
    assert one(parse_datetimes, text) == (None, True)


@pytest.mark.parametrize("value", [None, np.nan, "", "   "], ids=["None", "nan", "empty", "blank"])
def test_empty_cells_are_missing_but_not_bad(value: object) -> None:
    assert one(parse_datetimes, value) == (None, False)
    assert one(parse_numbers, value) == (None, False)
    assert one(parse_ints, value) == (None, False)
    assert one(parse_bools, value) == (None, False)


def test_slash_dates_are_day_first_when_the_column_does_not_say_otherwise() -> None:
    parsed, _ = parse_datetimes(pd.Series(["03/05/2024", "04/05/2024"]))
    assert parsed.tolist() == ["2024-05-03T00:00:00", "2024-05-04T00:00:00"]


def test_slash_dates_are_month_first_when_a_middle_part_exceeds_12() -> None:
    parsed, bad = parse_datetimes(pd.Series(["03/05/2024", "12/25/2024"]))
    assert parsed.tolist() == ["2024-03-05T00:00:00", "2024-12-25T00:00:00"]
    assert not bad.any()


def test_slash_dates_stay_day_first_when_both_parts_exceed_12_somewhere() -> None:
    parsed, bad = parse_datetimes(pd.Series(["25/12/2024", "12/25/2024"]))
    assert parsed.tolist() == ["2024-12-25T00:00:00", None]
    assert bad.tolist() == [False, True]


@pytest.mark.parametrize(
    "dayfirst, expected", [(True, "2024-05-03T00:00:00"), (False, "2024-03-05T00:00:00")]
)
def test_explicit_dayfirst_overrides_inference(dayfirst: bool, expected: str) -> None:
    assert one(parse_datetimes, "03/05/2024", dayfirst=dayfirst) == (expected, False)


def test_mixed_formats_in_one_column_are_each_parsed() -> None:
    s = pd.Series(
        ["2024-03-05", "05/03/2024", "Tue Oct 31 23:36:20 +0000 2017", "nope", None],
        index=[10, 11, 12, 13, 14],
    )
    parsed, bad = parse_datetimes(s)
    assert parsed.index.tolist() == [10, 11, 12, 13, 14]
    assert parsed.tolist() == [
        "2024-03-05T00:00:00",
        "2024-03-05T00:00:00",
        "2017-10-31T23:36:20",
        None,
        None,
    ]
    assert bad.tolist() == [False, False, False, True, False]
    assert parsed.dtype == object


def test_datetime_columns_pass_through_as_utc_text() -> None:
    naive = pd.Series(pd.to_datetime(["2024-03-05 10:00", None]))
    aware = pd.Series(pd.to_datetime(["2024-03-05 10:00"]).tz_localize("Europe/Madrid"))
    assert parse_datetimes(naive)[0].tolist() == ["2024-03-05T10:00:00", None]
    assert parse_datetimes(aware)[0].tolist() == ["2024-03-05T09:00:00"]
    assert not parse_datetimes(naive)[1].any()


def test_datetime_objects_from_excel_pass_through() -> None:
    s = pd.Series(
        [
            datetime(2010, 12, 1, 8, 26),
            date(2011, 1, 2),
            datetime(2024, 3, 5, 10, tzinfo=UTC),
            "2024-03-05",
            None,
        ],
        dtype=object,
    )
    parsed, bad = parse_datetimes(s)
    assert parsed.tolist() == [
        "2010-12-01T08:26:00",
        "2011-01-02T00:00:00",
        "2024-03-05T10:00:00",
        "2024-03-05T00:00:00",
        None,
    ]
    assert not bad.any()


def test_integer_columns_are_read_as_yyyymmdd() -> None:
    assert parse_datetimes(pd.Series([19970101, 19970225]))[0].tolist() == [
        "1997-01-01T00:00:00",
        "1997-02-25T00:00:00",
    ]


def test_many_repeated_dates_are_parsed_like_few() -> None:
    # Above the factorising threshold: the distinct-value path must give the same answer.
    s = pd.Series(["05/03/2024", "bad", None, "2024-03-06 10:00"] * 6000)
    parsed, bad = parse_datetimes(s)
    assert parsed.iloc[:4].tolist() == ["2024-03-05T00:00:00", None, None, "2024-03-06T10:00:00"]
    assert int(bad.sum()) == 6000
    assert parsed.iloc[-1] == "2024-03-06T10:00:00"


def test_parsers_do_not_change_their_input() -> None:
    s = pd.Series([" 2024-03-05 ", "12,5", None], dtype=object)
    before = s.copy()
    for parser in (parse_datetimes, parse_numbers, parse_ints, parse_bools):
        parser(s)
    unescape_html(s)
    pd.testing.assert_series_equal(s, before)


# --- numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12.5", 12.5),
        ("12,5", 12.5),
        ("1.234,56", 1234.56),
        ("1,234.56", 1234.56),
        ("1 234,56", 1234.56),
        ("1\u00a0234,56", 1234.56),
        ("1\u202f234,56", 1234.56),
        ("1'234.50", 1234.5),
        ("1.234.567", 1234567.0),
        ("1,234,567", 1234567.0),
        ("-3", -3.0),
        ("\u22123", -3.0),
        ("+4", 4.0),
        ("(3.50)", -3.5),
        ("1e3", 1000.0),
        ("€12", 12.0),
        ("12,50 €", 12.5),
        ("12,50\u202f€", 12.5),
        ("EUR 1.234,56", 1234.56),
        ("$1,234.56", 1234.56),
        ("-$3", -3.0),
        ("£7.50", 7.5),
        ("GBP7.5", 7.5),
        ("7 usd", 7.0),
        ("0,123", 0.123),
        ("1,234", 1234.0),  # lone comma before three digits groups thousands
        ("1.234", 1.234),  # lone dot before three digits is a decimal mark
    ],
)
def test_numbers_in_local_formats_are_parsed(text: str, expected: float) -> None:
    value, bad = one(parse_numbers, text)
    assert not bad
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("text", ["abc", "12,5O", "12 5", "1,2,3", "1.2.3", "--3", "12%", "1e999"])
def test_text_that_is_not_a_number_is_bad(text: str) -> None:
    assert one(parse_numbers, text) == (None, True)


def test_a_column_with_decimal_commas_reads_lone_marks_the_european_way() -> None:
    parsed, bad = parse_numbers(pd.Series(["1.234", "1,234", "12,5"]))
    assert parsed.tolist() == [1234.0, 1.234, 12.5]
    assert not bad.any()


def test_a_column_with_both_styles_keeps_the_default_reading() -> None:
    parsed, _ = parse_numbers(pd.Series(["1.234", "1,234", "12,5", "1,234.56"]))
    assert parsed.tolist() == [1.234, 1234.0, 12.5, 1234.56]


def test_numeric_columns_pass_through_as_float() -> None:
    parsed, bad = parse_numbers(pd.Series([1, 2, 3]))
    assert parsed.dtype == "float64"
    assert parsed.tolist() == [1.0, 2.0, 3.0]
    assert not bad.any()


def test_string_dtype_columns_with_na_are_parsed() -> None:
    parsed, bad = parse_numbers(pd.Series(["1,5", None], dtype="string"))
    assert parsed.iloc[0] == 1.5 and np.isnan(parsed.iloc[1])
    assert bad.tolist() == [False, False]


# --- integers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("17850", 17850),
        ("17850.0", 17850),
        ("1.000", 1000),
        ("1,000", 1000),
        ("1 000", 1000),
        ("1.000.000", 1000000),
        ("-3", -3),
        ("+4", 4),
        ("007", 7),
        ("570306133677760513", 570306133677760513),  # a tweet id: no float rounding
    ],
)
def test_whole_numbers_are_parsed(text: str, expected: int) -> None:
    assert one(parse_ints, text) == (expected, False)


@pytest.mark.parametrize("text", ["2.5", "17850.5", "1,5", "x", "1e400"])
def test_fractions_and_text_are_bad_whole_numbers(text: str) -> None:
    assert one(parse_ints, text) == (None, True)


def test_int_columns_pass_through_and_float_columns_must_be_integral() -> None:
    assert parse_ints(pd.Series([1, 2]))[0].dtype == "Int64"
    parsed, bad = parse_ints(pd.Series([1.0, 2.5, np.nan]))
    assert parsed.tolist() == [1, pd.NA, pd.NA]
    assert bad.tolist() == [False, True, False]


# --- booleans ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        ("Sí", True),
        ("si", True),
        ("oui", True),
        ("x", True),
        ("X", True),
        ("opt-in", True),
        ("Opt in", True),
        ("no", False),
        ("N", False),
        ("false", False),
        ("0", False),
        ("NON", False),
        ("opt-out", False),
        ("Opt-Out", False),
    ],
)
def test_yes_no_answers_are_parsed(text: str, expected: bool) -> None:
    assert one(parse_bools, text) == (expected, False)


@pytest.mark.parametrize("text", ["maybe", "2", "yess"])
def test_unknown_answers_are_bad(text: str) -> None:
    assert one(parse_bools, text) == (None, True)


def test_bool_and_numeric_columns_pass_through() -> None:
    assert parse_bools(pd.Series([True, False]))[0].tolist() == [True, False]
    parsed, bad = parse_bools(pd.Series([1, 0, 2]))
    assert parsed.tolist() == [True, False, pd.NA]
    assert bad.tolist() == [False, False, True]


# --- html ---------------------------------------------------------------------------


def test_html_entities_are_unescaped_once() -> None:
    s = pd.Series(
        ["Premium &amp; shuffle", "&amp;lt;3", "a < b", None, "caf&eacute;"],
        index=[5, 6, 7, 8, 9],
        name="text",
        dtype=object,
    )
    out = unescape_html(s)
    assert out.tolist()[:3] == ["Premium & shuffle", "&lt;3", "a < b"]
    assert out.iloc[3] is None
    assert out.iloc[4] == "café"
    assert out.index.tolist() == [5, 6, 7, 8, 9] and out.name == "text"


def test_unescape_keeps_the_string_dtype() -> None:
    out = unescape_html(pd.Series(["&amp;", None], dtype="str"))
    assert out.dtype == "str"
    assert out.iloc[0] == "&" and pd.isna(out.iloc[1])
