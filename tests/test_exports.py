from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from scrm.export.files import neutralise_cell, neutralise_formulas, to_csv_bytes, to_xlsx_bytes


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+33 6 12", "'+33 6 12"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (1.5, 1.5),
        (None, None),
    ],
)
def test_only_text_cells_that_start_like_a_formula_get_a_quote(cell, expected) -> None:
    assert neutralise_cell(cell) == expected


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": pd.array(["=1+1", "fine", pd.NA], dtype="string"),
            "amount": [-2.5, 3.0, 4.0],
            "=evil": ["@me", "ok", None],
        }
    )


def test_neutralising_leaves_the_input_frame_untouched() -> None:
    df = frame()
    before = df.copy()
    out = neutralise_formulas(df)
    pd.testing.assert_frame_equal(df, before)
    assert out["text"].tolist()[:2] == ["'=1+1", "fine"]
    assert out["text"].dtype == df["text"].dtype
    assert out["amount"].tolist() == [-2.5, 3.0, 4.0]
    assert list(out.columns) == ["text", "amount", "'=evil"]


def test_csv_export_is_utf8_with_bom_and_neutralised() -> None:
    data = to_csv_bytes(frame())
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == [
        "text,amount,'=evil",
        "'=1+1,-2.5,'@me",
        "fine,3.0,ok",
        ",4.0,",
    ]


def test_xlsx_export_holds_text_not_formulas() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame(), "quarantine")))
    sheet = book["quarantine"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows == [
        ["text", "amount", "'=evil"],
        ["'=1+1", -2.5, "'@me"],
        ["fine", 3, "ok"],
        [None, 4, None],
    ]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_a_frame_with_repeated_column_names_is_exported() -> None:
    df = pd.DataFrame([["=a", "=b"]], columns=["x", "x"])
    assert to_csv_bytes(df).decode("utf-8-sig").splitlines() == ["x,x", "'=a,'=b"]
