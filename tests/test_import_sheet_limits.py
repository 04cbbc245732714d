"""An .ods or .xls workbook is sized up before calamine builds its sheet (issue 11: like the XLSX guard).

A stray value far from the table (a cell at row 900,000 of an .ods, or at the last row and column an
.xls allows) would make calamine allocate the whole rectangle; the reader scans the workbook first and
refuses it past the limits with the sentence the limits use, without calamine ever reading it.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from scrm.errors import FileTooLarge
from scrm.ingest import readers
from scrm.ingest.readers import read_table

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods(body: str) -> bytes:
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.2">'
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


def text_cell(value: str, repeat: int = 1) -> str:
    times = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{times}><text:p>{value}</text:p></table:table-cell>'


TABLE = (f"<table:table-row>{text_cell('id')}{text_cell('text')}</table:table-row>"
         f"<table:table-row>{text_cell('1')}{text_cell('hola')}</table:table-row>")


@pytest.fixture
def no_calamine(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every call to calamine: a refused workbook must never reach it."""
    calls: list[str] = []
    real = readers._read_calamine

    def spy(raw: bytes, name: str, label: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(label)
        return real(raw, name, label, *args, **kwargs)

    monkeypatch.setattr(readers, "_read_calamine", spy)
    return calls


def test_an_ods_with_a_stray_cell_far_below_is_refused_before_calamine_reads_it(
    monkeypatch: pytest.MonkeyPatch, no_calamine: list[str]
) -> None:
    monkeypatch.setenv("SCRM_MAX_CELLS", "1000000")
    far = TABLE + '<table:table-row table:number-rows-repeated="899997"><table:table-cell/></table:table-row>' + (
        f"<table:table-row>{text_cell('', 2)}{text_cell('stray')}</table:table-row>"
    )
    with pytest.raises(FileTooLarge, match=r"^far\.ods has more than 1,000,000 cells \(3 columns by more than 333,333 rows\)"):
        read_table(ods(far), "far.ods")
    assert no_calamine == []


def test_an_ods_wider_than_the_column_limit_is_refused_before_calamine_reads_it(no_calamine: list[str]) -> None:
    wide = TABLE + f"<table:table-row><table:table-cell table:number-columns-repeated=\"16000\"/>{text_cell('x')}</table:table-row>"
    with pytest.raises(FileTooLarge, match=r"^wide\.ods has 16,001 columns, more than the 2,000 scrm reads"):
        read_table(ods(wide), "wide.ods")
    assert no_calamine == []


def test_libreoffices_trailing_runs_of_empty_rows_and_cells_cost_nothing(no_calamine: list[str]) -> None:
    padded = TABLE + ('<table:table-row table:number-rows-repeated="1048570">'
                      '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>')
    table = read_table(ods(padded), "padded.ods")
    assert table.to_dict("index") == {2: {"id": "1", "text": "hola"}}
    assert no_calamine == ["ODS"]


def test_an_xls_whose_used_range_is_past_the_cell_limit_is_refused_before_calamine_reads_it(
    monkeypatch: pytest.MonkeyPatch, no_calamine: list[str]
) -> None:
    xlwt = pytest.importorskip("xlwt", reason="xlwt (a test dependency) writes the .xls workbook")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    sheet.write(0, 0, "id")
    sheet.write(1, 0, "1")
    sheet.write(65_535, 255, "stray")  # the last cell an .xls holds
    out = io.BytesIO()
    book.save(out)
    assert readers._xls_extent(out.getvalue()) == (65_536, 256)
    monkeypatch.setenv("SCRM_MAX_CELLS", "1000000")
    with pytest.raises(FileTooLarge, match=r"^far\.xls has more than 1,000,000 cells \(256 columns"):
        read_table(out.getvalue(), "far.xls")
    assert no_calamine == []
