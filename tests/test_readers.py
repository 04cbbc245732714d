"""scrm.ingest.readers: files of every supported format -> tables of text cells."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scrm.errors import ImportRejected
from scrm.ingest import readers
from scrm.ingest.readers import clean_headers, read_table, sha256_of, sniff_delimiter, source_name


def rows(df: pd.DataFrame) -> list[list[object]]:
    """Cells as lists, missing as None, for compact comparisons."""
    return [[None if pd.isna(v) else v for v in row] for row in df.itertuples(index=False)]


def rejected(source: object, file_name: str | None = None) -> str:
    with pytest.raises(ImportRejected) as e:
        read_table(source, file_name)  # type: ignore[arg-type]
    return str(e.value)


# --- CSV: encodings, delimiters, quoting ------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "name,city\nJosé,Málaga\n".encode(),
        b"\xef\xbb\xbf" + "name,city\nJosé,Málaga\n".encode(),
        "name,city\nJosé,Málaga\n".encode("cp1252"),
        "name,city\nJosé,Málaga\n".encode("latin-1"),
        "name,city\r\nJosé,Málaga\r\n".encode("utf-16"),
    ],
    ids=["utf-8", "utf-8 with BOM", "cp1252", "latin-1", "utf-16 with BOM"],
)
def test_each_encoding_is_decoded(raw: bytes) -> None:
    df = read_table(raw, "people.csv")
    assert list(df.columns) == ["name", "city"]
    assert rows(df) == [["José", "Málaga"]]


def test_cp1252_only_characters_are_decoded() -> None:
    # The euro sign and curly quotes are cp1252, not latin-1.
    raw = "item;price\n“Café” mug;12,50 €\n".encode("cp1252")
    assert rows(read_table(raw, "prices.csv")) == [["“Café” mug", "12,50 €"]]


def test_bytes_undefined_in_cp1252_fall_back_to_latin1() -> None:
    raw = b"code,label\n1,a\x81b\n"  # 0x81 has no cp1252 character
    assert rows(read_table(raw, "codes.csv")) == [["1", "a\x81b"]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_each_delimiter_is_sniffed(delimiter: str) -> None:
    text = delimiter.join(["id", "name", "amount"]) + "\n" + delimiter.join(["1", "Ana", "12.5"]) + "\n"
    df = read_table(text.encode(), "data.csv")
    assert list(df.columns) == ["id", "name", "amount"]
    assert rows(df) == [["1", "Ana", "12.5"]]


def test_semicolon_csv_with_decimal_comma_is_read() -> None:
    raw = b"order;amount;date\nA1;12,50;05/03/2024\nA2;1.234,56;06/03/2024\n"
    df = read_table(raw, "orders.csv")
    assert list(df.columns) == ["order", "amount", "date"]
    assert df["amount"].tolist() == ["12,50", "1.234,56"]


def test_commas_inside_values_of_a_semicolon_file_do_not_split_columns() -> None:
    raw = b"name;note\nAna;late, again, sorry\nLuis;fine\n"
    assert rows(read_table(raw, "notes.csv")) == [["Ana", "late, again, sorry"], ["Luis", "fine"]]


def test_sniff_delimiter_prefers_tab_for_tsv_names_on_a_tie() -> None:
    text = "a\tb,c\n1\t2,3\n"
    assert sniff_delimiter(text) == ","
    assert sniff_delimiter(text, tab_first=True) == "\t"


def test_quoted_values_keep_delimiters_and_line_breaks() -> None:
    raw = b'id,text\n1,"hello, world"\n2,"line one\nline two"\n3,"say ""hi"""\n'
    df = read_table(raw, "mentions.csv")
    assert df["text"].tolist() == ["hello, world", "line one\nline two", 'say "hi"']


def test_row_numbers_count_records_not_lines_after_a_quoted_line_break() -> None:
    raw = b'id,text\n1,"two\nlines"\n2,plain\n'
    df = read_table(raw, "mentions.csv")
    assert df.index.tolist() == [2, 3]
    assert df.loc[3, "text"] == "plain"


def test_old_mac_line_endings_are_read() -> None:
    df = read_table(b'id,name\r1,Ana\r2,"Luis\rX"\r3,Eva\r', "mac.csv")
    assert df.index.tolist() == [2, 3, 4]
    assert df["name"].tolist() == ["Ana", "Luis\rX", "Eva"]


def test_all_cells_stay_text_and_empty_cells_are_missing() -> None:
    raw = b"id,amount,flag,note\n007,1e3,TRUE,NA\n8,,,\n"
    df = read_table(raw, "a.csv")
    assert rows(df) == [["007", "1e3", "TRUE", "NA"], ["8", None, None, None]]
    assert all(dtype is np.dtype(object) for dtype in df.dtypes)


def test_empty_rows_are_dropped_and_row_numbers_keep_their_gaps() -> None:
    raw = b"id,name\n1,Ana\n\n,\n2,Luis\n"
    df = read_table(raw, "a.csv")
    assert df.index.tolist() == [2, 5]
    assert rows(df) == [["1", "Ana"], ["2", "Luis"]]


def test_leading_blank_lines_are_skipped_but_counted() -> None:
    df = read_table(b"\n\nid,name\n1,Ana\n", "a.csv")
    assert list(df.columns) == ["id", "name"]
    assert df.index.tolist() == [4]


def test_rows_with_fewer_fields_get_missing_cells() -> None:
    df = read_table(b"a,b,c\n1,2\n", "a.csv")
    assert rows(df) == [["1", "2", None]]


def test_a_one_column_csv_with_a_header_is_a_table() -> None:
    df = read_table(b"text\nI love it, really\nmeh\n", "texts.csv")
    assert list(df.columns) == ["text"]
    assert df["text"].tolist() == ["I love it, really", "meh"]


# --- headers -----------------------------------------------------------------------


def test_headers_are_stripped_blank_ones_named_and_repeats_numbered() -> None:
    df = read_table(b"\xef\xbb\xbf Id ,,email,email,Email \n1,x,a@b.c,d@e.f,g@h.i\n", "c.csv")
    assert list(df.columns) == ["Id", "column_2", "email", "email (2)", "Email"]


def test_clean_headers_never_produces_a_repeat() -> None:
    assert clean_headers(["a", "a", "a (2)", None, "  "]) == [
        "a",
        "a (2)",
        "a (2) (2)",
        "column_4",
        "column_5",
    ]


def test_a_blank_header_column_without_values_is_dropped() -> None:
    df = read_table(b"id,name,\n1,Ana,\n2,Luis,\n", "a.csv")
    assert list(df.columns) == ["id", "name"]


def test_a_delimiter_at_the_end_of_every_data_row_is_tolerated() -> None:
    df = read_table(b"id;name\n1;Ana;\n2;Luis;;\n", "a.csv")
    assert list(df.columns) == ["id", "name"]
    assert rows(df) == [["1", "Ana"], ["2", "Luis"]]


def test_a_blank_header_column_with_values_is_kept() -> None:
    df = read_table(b",id\n0,541\n1,543\n", "a.csv")
    assert list(df.columns) == ["column_1", "id"]
    assert df["column_1"].tolist() == ["0", "1"]


# --- compressed, Excel, JSON -------------------------------------------------------


def test_gz_csv_is_unpacked_and_read_by_its_inner_name(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(b"order;amount\nA1;12,5\n"))
    df = read_table(path)
    assert rows(df) == [["A1", "12,5"]]
    assert df.index.tolist() == [2]


def test_gzip_bytes_are_recognised_without_a_name() -> None:
    assert rows(read_table(gzip.compress(b"a,b\n1,2\n"))) == [["1", "2"]]


def _workbook(tmp_path: Path, sheet_rows: list[list[object]], name: str = "book.xlsx") -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for r in sheet_rows:
        sheet.append(r)
    extra = book.create_sheet("second")
    extra.append(["ignored"])
    path = tmp_path / name
    book.save(path)
    return path


def test_xlsx_first_sheet_is_read_with_dates_as_iso_text_and_sheet_row_numbers(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path,
        [
            ["InvoiceNo", "InvoiceDate", "UnitPrice", "CustomerID", "Paid", "Note"],
            [536365, datetime(2010, 12, 1, 8, 26), 2.55, 17850.0, True, "first"],
            [None, None, None, None, None, None],
            [536366, datetime(2010, 12, 2), 0.1 + 0.2, 13047, False, None],
        ],
    )
    df = read_table(path)
    assert list(df.columns) == ["InvoiceNo", "InvoiceDate", "UnitPrice", "CustomerID", "Paid", "Note"]
    assert df.index.tolist() == [2, 4]
    assert rows(df) == [
        ["536365", "2010-12-01T08:26:00", "2.55", "17850", "TRUE", "first"],
        ["536366", "2010-12-02", "0.3", "13047", "FALSE", None],
    ]


def test_xlsx_bytes_are_recognised_without_a_name(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [["id", "name"], [1, "Ana"]])
    assert rows(read_table(path.read_bytes())) == [["1", "Ana"]]


def test_xlsx_header_below_blank_rows_keeps_sheet_row_numbers(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [[None], [None], ["id", "name"], [1, "Ana"]])
    df = read_table(path)
    assert list(df.columns) == ["id", "name"]
    assert df.index.tolist() == [4]


def test_json_array_of_objects_is_a_table_with_rows_from_two() -> None:
    raw = json.dumps(
        [
            {"id": 1, "name": "Ana", "vip": True, "tags": ["a", "b"]},
            {"id": 2, "name": None, "score": 7.5},
        ]
    ).encode()
    df = read_table(raw, "customers.json")
    assert list(df.columns) == ["id", "name", "vip", "tags", "score"]
    assert df.index.tolist() == [2, 3]
    # A list of plain values is joined (see scrm.ingest.flatten).
    assert rows(df) == [["1", "Ana", "true", "a, b", None], ["2", None, None, None, "7.5"]]


def test_json_object_holding_one_list_of_records_is_read() -> None:
    raw = b'{"count": 2, "data": [{"id": "a"}, {"id": "b"}]}'
    df = read_table(raw, "export.json")
    assert rows(df) == [["a"], ["b"]]
    assert df.index.tolist() == [2, 3]


def test_json_is_sniffed_without_an_extension() -> None:
    assert rows(read_table(b'  [{"id": 1}]', "export")) == [["1"]]


def test_jsonl_row_numbers_are_line_numbers() -> None:
    raw = b'{"id": 1, "text": "hi"}\n\n{"id": 2, "text": "yo"}\n'
    df = read_table(raw, "mentions.jsonl")
    assert df.index.tolist() == [1, 3]
    assert rows(df) == [["1", "hi"], ["2", "yo"]]


def test_json_lines_saved_as_json_are_read_as_lines() -> None:
    df = read_table(b'{"id": 1}\n{"id": 2}\n', "mentions.json")
    assert df.index.tolist() == [1, 2]


# --- rejections ----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [b"", b"   \r\n\t\n", b"\xef\xbb\xbf\n"], ids=["0 bytes", "whitespace", "BOM only"]
)
def test_empty_file_is_rejected(raw: bytes) -> None:
    assert rejected(raw, "orders.csv") == (
        "orders.csv is empty: there is nothing to import. "
        "Export the data again and check the file has a header row and at least one row."
    )


@pytest.mark.parametrize(
    "raw", [b"id,name\n", b"id,name\n\n,\n"], ids=["header only", "header and empty rows"]
)
def test_header_without_rows_is_rejected(raw: bytes) -> None:
    assert rejected(raw, "orders.csv") == (
        "orders.csv has a header row but no data rows. Export the data again with its rows."
    )


def test_xlsx_with_header_only_is_rejected(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [["id", "name"]], name="only.xlsx")
    assert (
        rejected(path) == "only.xlsx has a header row but no data rows. Export the data again with its rows."
    )


@pytest.mark.parametrize(
    "raw, name, reason",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "photo.csv", "it is a PNG image"),
        (b"id,name\n1,A\x00na\n", "nul.csv", "it contains NUL bytes, so it is probably not a text file"),
        (
            b"PK\x03\x04 not really a zip",
            "broken.xlsx",
            "it is not a valid XLSX workbook (damaged ZIP container)",
        ),
        (b"id,name\n1,Ana\n", "renamed.xlsx", "it is not a valid XLSX workbook"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "old.xls",
            "it is not a valid XLS workbook (its content is damaged)",
        ),
        (gzip.compress(b"a,b\n1,2\n")[:-6], "cut.csv.gz", "the .gz archive is damaged or incomplete"),
        (b'[{"id": 1},', "bad.json", "invalid JSON at line 1, column 12: Expecting value"),
    ],
    ids=["png", "nul bytes", "corrupt xlsx", "csv renamed xlsx", "old xls", "truncated gz", "invalid json"],
)
def test_unreadable_file_is_rejected_with_its_reason(raw: bytes, name: str, reason: str) -> None:
    assert rejected(raw, name) == (
        f"{name} could not be read as CSV, Excel or JSON ({reason}). Save it as CSV (UTF-8) or XLSX and try again."
    )


def test_zip_that_is_not_a_workbook_is_rejected(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("orders.csv", "a,b\n1,2\n")
    assert rejected(path) == (
        "export.zip could not be read as CSV, Excel or JSON (it is a ZIP archive, not an Excel workbook; "
        "unzip it first). Save it as CSV (UTF-8) or XLSX and try again."
    )


def test_workbook_with_damaged_content_is_rejected(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<not-a-workbook")
    assert rejected(path) == (
        "damaged.xlsx could not be read as CSV, Excel or JSON (it is not a valid XLSX workbook "
        "(its content is damaged)). Save it as CSV (UTF-8) or XLSX and try again."
    )


def test_binary_without_nul_bytes_is_rejected_for_its_control_characters() -> None:
    raw = bytes(range(1, 32)) * 50
    assert rejected(raw, "blob.csv") == (
        "blob.csv could not be read as CSV, Excel or JSON (it contains control characters, so it is probably "
        "not a text file). Save it as CSV (UTF-8) or XLSX and try again."
    )


def test_unquoted_decimal_commas_in_a_comma_file_are_reported_at_the_first_row() -> None:
    # Every row splits into 3 fields and the header into 2: no delimiter is
    # consistent, but the header is made of labels, so the comma stands and
    # the first row is named rather than the file being read as one column.
    raw = b"id,amount\n1,12,5\n2,3,25\n"
    assert rejected(raw, "orders.csv") == (
        "orders.csv row 2: the row has 3 fields but the header has 2. "
        "Check for an unquoted delimiter or a missing closing quote."
    )


def test_tsv_name_prefers_tab(tmp_path: Path) -> None:
    path = tmp_path / "export.tsv"
    path.write_bytes(b"a\tb,c\n1\t2,3\n")
    assert list(read_table(path).columns) == ["a", "b,c"]


def test_row_with_too_many_fields_is_named_by_row_number() -> None:
    raw = b"id,amount\n1,12.5\n2,12,5\n"
    assert rejected(raw, "orders.csv") == (
        "orders.csv row 3: the row has 3 fields but the header has 2. "
        "Check for an unquoted delimiter or a missing closing quote."
    )


def test_row_number_of_a_bad_row_counts_records_after_quoted_line_breaks_and_blank_lines() -> None:
    raw = b'\nid,text\n1,"a\nb\nc"\n\n2,x,y\n'
    # Blank line 1, header row 2, record "1" row 3, blank row 4, bad row 5.
    assert rejected(raw, "m.csv").startswith("m.csv row 5: the row has 3 fields but the header has 2.")


def test_unclosed_quote_is_named_by_row_number() -> None:
    raw = b'id,text\n1,ok\n2,"never closed\n3,more\n'
    assert rejected(raw, "m.csv") == (
        "m.csv row 3: a quoted value starts here and is never closed. "
        'Check for a missing closing quote, or write a quote inside a value as "".'
    )


def test_plain_text_is_not_a_table() -> None:
    raw = "A Fukushima, la radioactivité met à mal la biodiversité\nBiodiversité et développement durable : la petite histoire\n"
    assert rejected(raw.encode(), "tweets.txt") == (
        "tweets.txt does not look like a table: no `,`, `;`, tab or `|` separates its columns and its first line "
        "reads like text, not a header. Export it as CSV, XLSX or JSON with one row per record."
    )


@pytest.mark.parametrize(
    "raw, why",
    [
        (b"42", "its JSON is a single number, not a list of records"),
        (b'["a", "b"]', "item 1 of its JSON list is a string, not an object with named fields"),
        (b'[{"id": 1}, 2]', "item 2 of its JSON list is a number, not an object with named fields"),
        (
            b'{"id": 1, "name": "Ana"}',
            'its JSON object holds no list of records such as {"data": [{...}, ...]}',
        ),
        (
            b'{"a": [{"id": 1}], "b": [{"id": 2}]}',
            "its JSON object holds several lists of records (`a`, `b`) and it is unclear which one to import",
        ),
    ],
    ids=["scalar", "list of strings", "mixed list", "single object", "two lists"],
)
def test_json_that_is_not_a_list_of_objects_is_not_a_table(raw: bytes, why: str) -> None:
    assert rejected(raw, "x.json") == (
        f"x.json does not look like a table: {why}. Export it as CSV, XLSX or JSON with one row per record."
    )


@pytest.mark.parametrize("raw", [b"[]", b'{"data": []}'], ids=["empty list", "empty data"])
def test_json_without_records_is_empty(raw: bytes) -> None:
    assert rejected(raw, "x.json").startswith("x.json is empty: there is nothing to import.")


def test_jsonl_with_a_broken_line_names_the_line() -> None:
    raw = b'{"id": 1}\n{"id": 2\n{"id": 3}\n'
    assert rejected(raw, "m.jsonl") == (
        "m.jsonl line 2 is not valid JSON (Expecting ',' delimiter at column 9). "
        "Each line of a JSON Lines file must hold one object: fix or remove that line and try again."
    )


def test_jsonl_with_a_line_that_is_not_an_object_names_the_line() -> None:
    assert rejected(b'{"id": 1}\n[1, 2]\n', "m.ndjson") == (
        "m.ndjson line 2 holds a list, not a JSON object. "
        "Each line of a JSON Lines file must hold one object: fix or remove that line and try again."
    )


def test_missing_path_is_rejected(tmp_path: Path) -> None:
    assert (
        rejected(tmp_path / "nope.csv")
        == "nope.csv was not found. Check the file name and folder, and try again."
    )


# --- names and hashes -----------------------------------------------------------


def test_source_name_prefers_the_given_name_then_the_path() -> None:
    assert source_name(b"a,b", "upload.csv") == "upload.csv"
    assert source_name(Path("data") / "orders.csv") == "orders.csv"
    assert source_name(b"a,b") == "the uploaded file"


def test_an_upload_without_a_name_is_called_the_uploaded_file() -> None:
    assert rejected(b"id,name\n").startswith("The uploaded file has a header row but no data rows.")


def test_sha256_of_path_and_bytes_agree(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b\n1,2\n")
    expected = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert sha256_of(path) == sha256_of(b"a,b\n1,2\n") == expected


def test_reading_does_not_depend_on_path_or_bytes(tmp_path: Path) -> None:
    raw = "id;name\n1;Zoë\n".encode("cp1252")
    path = tmp_path / "p.csv"
    path.write_bytes(raw)
    pd.testing.assert_frame_equal(read_table(path), read_table(raw, "p.csv"))


# --- the real exports -------------------------------------------------------------


def test_real_airline_tweets_csv_is_read(shared_data: Path) -> None:
    df = read_table(shared_data / "airline-tweets" / "Tweets.csv")
    assert df.shape == (14640, 15)
    assert df.loc[2, "tweet_id"] == "570306133677760513"
    assert df.loc[2, "tweet_created"] == "2015-02-24 11:35:52 -0800"


def test_real_spotify_export_gets_a_name_for_its_blank_first_header(shared_data: Path) -> None:
    df = read_table(shared_data / "spotify-support" / "support_requests.csv")
    assert list(df.columns[:3]) == ["column_1", "index", "tweet_id"]
    assert df.loc[2, "created_at"] == "Tue Oct 31 23:36:20 +0000 2017"
    assert np.all(np.diff(df.index.to_numpy()) > 0)


def test_real_online_retail_gz_is_read(shared_data: Path) -> None:
    df = read_table(shared_data / "online-retail" / "onlineretail.csv.gz")
    assert len(df) == 541909
    assert df.loc[2, "CustomerID"] == "17850.0"


@pytest.fixture
def arrow_for_all(monkeypatch):
    """Send every file, however small, to the pyarrow fast path first."""
    monkeypatch.setattr(readers, "ARROW_MIN_BYTES", 0)


def test_the_pyarrow_path_reads_the_same_cells_and_row_numbers_as_pandas(arrow_for_all) -> None:
    data = 'id;text;amount\n1;"hola, ""amigo""\nadiós";12,5\n2;  spaced  ;\n3;é;7\n'.encode()
    fast = readers.read_table(data, "m.csv")
    assert isinstance(fast["text"].dtype, pd.StringDtype)
    assert list(fast.index) == [2, 3, 4]
    assert fast["text"].tolist() == ['hola, "amigo"\nadiós', "  spaced  ", "é"]
    assert fast["amount"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("data", "expected_index"),
    [
        (b"id,text\n1,a\n\n2,b\n", [2, 4]),  # a blank line: pyarrow would shift the numbers
        ("id,text\n1,caf\xe9\n".encode("cp1252"), [2]),  # not UTF-8
    ],
)
def test_files_the_pyarrow_path_cannot_number_or_decode_go_to_pandas(arrow_for_all, data, expected_index) -> None:
    table = readers.read_table(data, "m.csv")
    assert list(table.index) == expected_index


def test_a_too_wide_row_gets_the_pandas_message_on_the_pyarrow_path(arrow_for_all) -> None:
    data = b"id,text\n" + b"".join(b"%d,x\n" % i for i in range(60)) + b"61,x,extra\n"
    with pytest.raises(ImportRejected) as e:
        readers.read_table(data, "m.csv")
    assert str(e.value).startswith("m.csv row 62: the row has 3 fields but the header has 2.")


# --- bare carriage returns ---------------------------------------------------------


@pytest.mark.parametrize("arrow", [False, True], ids=["pandas", "pyarrow"])
def test_a_bare_carriage_return_inside_an_unquoted_cell_keeps_its_row_whole(monkeypatch, arrow: bool) -> None:
    if arrow:
        monkeypatch.setattr(readers, "ARROW_MIN_BYTES", 0)
    data = b"id,text,date\r\n1,first line\r\rsecond line,2017-10-31\r\n2,plain,2017-11-01\r\n3,\"quoted\rcr\",2017-11-02\r\n"
    table = read_table(data, "support.csv")
    assert table["id"].tolist() == ["1", "2", "3"]
    assert table["text"].tolist() == ["first line\n\nsecond line", "plain", "quoted\ncr"]
    assert table.index.tolist() == [2, 3, 4]


def test_a_file_with_carriage_return_line_ends_only_is_still_read_by_line() -> None:
    table = read_table(b'id,name\r1,"A\nna"\r2,Bo\r', "mac.csv")
    assert table["name"].tolist() == ["A\nna", "Bo"]


def test_real_spotify_export_keeps_every_tweet_with_the_generic_reader(shared_data: Path) -> None:
    from scrm.ingest.presets import read_keeping_bare_cr

    path = shared_data / "spotify-support" / "support_requests.csv"
    generic = read_table(path)
    preset = read_keeping_bare_cr(path)
    # The file holds 15,096 tweets; a reader that ends records at bare \r saw 15,103 rows, 7 of them broken.
    assert len(generic) == 15_096
    assert generic["tweet_id"].tolist() == preset["tweet_id"].tolist()
    assert generic["created_at"].notna().all()


# --- lines above the header ----------------------------------------------------------


def test_report_lines_above_the_header_are_skipped_and_rows_keep_their_numbers() -> None:
    data = b"Brandwatch\r\nReport:,Mentions\r\nFrom:,2024-03-01\r\n\r\nDate,Author,Full Text,Url\r\n" \
           b"2024-03-05 10:30:00.0,ana,hola,https://x.y/1\r\n2024-03-05 11:00:00.0,bo,adios,https://x.y/2\r\n"
    table = read_table(data, "brandwatch.csv")
    assert list(table.columns) == ["Date", "Author", "Full Text", "Url"]
    assert table.index.tolist() == [6, 7]


@pytest.mark.parametrize(
    "data, fields",
    [
        (b"a,b\n1,2,3,4\n5,6,7,8\n", 4),
        (b"id,amount\n1,12,5\n2,3,25\n3,4,75\n", 3),  # an unquoted decimal comma
        (b"id,text\nAna,hello, world\nBo,foo, bar\nCy,x, y\n", 3),  # an unquoted comma in a text
    ],
)
def test_a_short_header_over_wider_rows_is_not_taken_for_a_preamble(data: bytes, fields: int) -> None:
    header = len(data.split(b"\n")[0].split(b","))
    assert rejected(data, "wide.csv") == (
        f"wide.csv row 2: the row has {fields} fields but the header has {header}. "
        "Check for an unquoted delimiter or a missing closing quote."
    )


# --- spreadsheets read with calamine -----------------------------------------------------

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ods(rows: list[list[object]]) -> bytes:
    """A minimal OpenDocument spreadsheet, with LibreOffice's repeated empty rows at the end."""
    import io
    import zipfile

    def cell(v: object) -> str:
        if isinstance(v, datetime):
            return (f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}">'
                    f"<text:p>{v}</text:p></table:table-cell>")
        if isinstance(v, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    body += ('<table:table-row table:number-rows-repeated="1048570">'
             '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Hoja1">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            "</manifest:manifest>"
        ))
    return out.getvalue()


def test_an_ods_sheet_is_read_with_dates_and_numbers_as_text() -> None:
    raw = _ods([["id", "text", "date"], [1, "hola", datetime(2024, 3, 5, 10)], [2.5, "adiós", datetime(2024, 3, 6)]])
    table = read_table(raw, "mentions.ods")
    assert table.to_dict("index") == {
        2: {"id": "1", "text": "hola", "date": "2024-03-05T10:00:00"},
        3: {"id": "2.5", "text": "adiós", "date": "2024-03-06"},
    }


def test_a_regular_xlsx_is_read_by_calamine_not_cell_by_cell(tmp_path: Path, monkeypatch) -> None:
    def no_openpyxl(*_: object, **__: object) -> None:
        raise AssertionError("a dense sheet must not need the careful reader")

    monkeypatch.setattr(readers, "_read_xlsx", no_openpyxl)
    path = _workbook(tmp_path, [[None], ["id", "when", "amount"], [1, datetime(2024, 1, 2, 3, 4, 5), 2.55]])
    table = read_table(path)
    assert table.to_dict("index") == {3: {"id": "1", "when": "2024-01-02T03:04:05", "amount": "2.55"}}


def test_report_rows_above_a_sheet_header_are_skipped(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [
        ["Brandwatch"], ["Report:", "Mentions"], [None],
        ["Date", "Author", "Full Text", "Url"], ["2024-03-05", "ana", "hola", "https://x.y/1"],
        ["2024-03-06", "bo", "adios"],
    ])
    table = read_table(path)
    assert list(table.columns) == ["Date", "Author", "Full Text", "Url"]
    assert table.index.tolist() == [5, 6]


@pytest.mark.parametrize(
    "raw, name, reason",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls", "it is not a valid XLS workbook"),
        (b"id,name\n1,Ana\n", "renamed.ods", "it is not a valid ODS workbook"),
        (b"id,name\n1,Ana\n", "renamed.xlsb", "it is not a valid XLSB workbook"),
    ],
)
def test_a_damaged_or_renamed_workbook_is_refused_in_one_sentence(raw: bytes, name: str, reason: str) -> None:
    message = rejected(raw, name)
    assert message.startswith(f"{name} could not be read as CSV, Excel or JSON ({reason}")
    assert "\n" not in message


def test_an_api_page_with_links_beside_its_records_reads_the_records() -> None:
    page = {"reviews": [{"id": "a", "stars": 5}], "links": [{"href": "https://x.y/?page=2", "rel": "next-page"}]}
    table = read_table(json.dumps(page).encode(), "page.json")
    assert list(table.columns) == ["id", "stars"]


def test_a_legacy_xls_workbook_is_read_with_its_dates() -> None:
    import io

    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Reviews")
    when = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    rows = [["review_id", "text", "date", "stars"], ["r1", "Muy bueno", datetime(2024, 3, 5, 10), 5],
            ["r2", "Malo", datetime(2024, 3, 6), 1.5]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value, when) if isinstance(value, datetime) else sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue(), "reviews.xls")
    assert table.to_dict("index") == {
        2: {"review_id": "r1", "text": "Muy bueno", "date": "2024-03-05T10:00:00", "stars": "5"},
        3: {"review_id": "r2", "text": "Malo", "date": "2024-03-06", "stars": "1.5"},
    }
