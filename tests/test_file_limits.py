"""Caps on hostile files (issue 10, item 3): every hostile file is built here, none is committed.

A gzip bomb, too many rows, columns or cells, a too long cell, JSON nested
100,000 deep, an .xlsx whose one cell is far away or whose declared range is
the whole sheet, an .xlsx bomb: each is refused with one sentence naming the
file, the limit and what to do (or, for the declared range, read at the cost
of the cells it really holds). A preview reads only the head of a file, and a
big upload reaches the importer as a temporary file.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import re
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from scrm.db import store
from scrm.errors import ConfigError, FileTooLarge, ImportRejected, MappingError, ScrmError
from scrm.ingest import import_file, limits, preview_file, readers
from scrm.ingest.mapping import parse_mapping
from scrm.ingest.readers import load_bytes, read_table
from scrm.ui.data import upload_source

MB = limits.MB


@pytest.fixture
def set_limits(monkeypatch: pytest.MonkeyPatch):
    """Lower the limits for one test: ``set_limits(max_rows=10)``."""

    def apply(**changes: int) -> limits.Limits:
        lowered = dataclasses.replace(limits.DEFAULTS, **changes)
        monkeypatch.setattr(limits, "DEFAULTS", lowered)
        return lowered

    return apply


def gzip_bomb(unpacked_mb: int) -> bytes:
    """A CSV header then ``unpacked_mb`` MB of zeros, compressed in a stream (about 1 KB per MB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    parts = [packer.compress(b"a,b\n")]
    block = b"0" * MB
    parts += [packer.compress(block) for _ in range(unpacked_mb)]
    parts.append(packer.flush())
    return b"".join(parts)


def peak_traced_mb(call) -> float:
    """The most memory (Python allocations) ``call`` held at once, in MB; its exception is swallowed."""
    tracemalloc.start()
    try:
        call()
    except ScrmError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / MB


# --- the limits and their settings --------------------------------------------------------


def test_the_defaults_are_the_documented_ones() -> None:
    assert dataclasses.asdict(limits.DEFAULTS) == {
        "max_file_bytes": 1024 * MB, "max_rows": 5_000_000, "max_columns": 2_000, "max_cells": 50_000_000,
        "max_cell_chars": 100_000, "max_json_depth": 100,
    }


def test_every_limit_but_the_depth_is_a_setting_named_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Limits for files", 1)[1].split("\n## ", 1)[0]
    for variable, _ in limits.SETTINGS.values():
        assert f"`{variable}`" in section
    assert "100 levels" in section


def test_an_environment_variable_raises_or_lowers_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRM_MAX_FILE_MB", "2")
    monkeypatch.setenv("SCRM_MAX_ROWS", "1_000")
    assert (limits.current().max_file_bytes, limits.current().max_rows) == (2 * MB, 1000)


def test_a_setting_that_is_not_a_number_says_what_to_write(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRM_MAX_ROWS", "lots")
    with pytest.raises(ConfigError) as e:
        read_table(b"a,b\n1,2\n", "a.csv")
    assert str(e.value) == (
        "SCRM_MAX_ROWS='lots' is not a positive whole number. "
        "Set it to a number such as 5000000, or unset it for the default."
    )


# --- 1. decompression ---------------------------------------------------------------------


@pytest.mark.parametrize("as_path", [False, True], ids=["uploaded bytes", "path"])
def test_a_gzip_bomb_is_refused_at_the_limit_without_being_unpacked(
    tmp_path: Path, set_limits, as_path: bool
) -> None:
    set_limits(max_file_bytes=1 * MB)
    bomb = gzip_bomb(64)  # 64 KB that unpack to 64 MB
    assert len(bomb) < 100_000
    source: bytes | Path = bomb
    if as_path:
        source = tmp_path / "bomb.csv.gz"
        source.write_bytes(bomb)
    with pytest.raises(FileTooLarge) as e:
        read_table(source, "bomb.csv.gz")
    assert str(e.value) == (
        "bomb.csv.gz unpacks to more than 1 MB, the most scrm reads from one file: "
        "split it into smaller files, or raise the limit with the environment variable SCRM_MAX_FILE_MB."
    )
    # Unpacked in blocks and counted: never more than a few MB held (gzip.decompress held all 64).
    assert peak_traced_mb(lambda: read_table(source, "bomb.csv.gz")) < 8


def test_a_bomb_under_a_high_limit_is_counted_not_held(set_limits, monkeypatch: pytest.MonkeyPatch) -> None:
    set_limits(max_file_bytes=32 * MB)
    monkeypatch.setattr(readers, "_GUNZIP_HOLD", 2 * MB)  # kept while unpacking: 64 MB in production
    bomb = gzip_bomb(64)
    with pytest.raises(FileTooLarge, match=r"^bomb\.gz unpacks to more than 32 MB"):
        read_table(bomb, "bomb.gz")
    assert peak_traced_mb(lambda: read_table(bomb, "bomb.gz")) < 8


def test_the_size_limit_is_read_from_the_environment_for_a_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRM_MAX_FILE_MB", "2")
    with pytest.raises(FileTooLarge, match=r"^data\.gz unpacks to more than 2 MB"):
        read_table(gzip_bomb(3), "data.gz")
    assert len(read_table(gzip.compress(_csv(400_000)), "data.gz")) == 400_000  # 1.6 MB unpacked: within


def test_an_import_refuses_a_gzip_bomb_and_stores_nothing(fresh_db, set_limits) -> None:
    set_limits(max_file_bytes=1 * MB)
    with pytest.raises(FileTooLarge, match=r"^orders\.csv\.gz unpacks to more than 1 MB"):
        import_file(fresh_db, gzip_bomb(8), "orders", file_name="orders.csv.gz")
    assert store.counts(fresh_db)["imports"] == 0


def test_a_plain_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path, set_limits, fresh_db) -> None:
    set_limits(max_file_bytes=1000)
    path = tmp_path / "big.csv"
    path.write_bytes(b"order_id,amount\n" + b"A1,1\n" * 300)
    message = (
        "big.csv is larger than 1,000 bytes, the most scrm reads from one file: "
        "split it into smaller files, or raise the limit with the environment variable SCRM_MAX_FILE_MB."
    )
    with pytest.raises(FileTooLarge) as e:
        read_table(path)
    assert str(e.value) == message
    with pytest.raises(FileTooLarge) as e:
        import_file(fresh_db, path, "orders")
    assert str(e.value) == message


def test_a_gzip_file_is_recognised_by_its_content_and_a_preset_reader_gets_it_unpacked() -> None:
    text = b"1 19970101 1 11.77\n2 19970112 1 12.00\n"
    assert load_bytes(gzip.compress(text), "CDNOW_master.txt.gz") == text
    preview = preview_file(gzip.compress(text), "CDNOW_master.txt.gz", mapping="cdnow")
    assert len(preview.sample) == 2


# --- 2. rows, columns, cells, cell length, nesting ----------------------------------------


def _csv(rows: int, columns: int = 2) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns))
    return (header + "\n" + "".join(",".join(["x"] * columns) + "\n" for _ in range(rows))).encode()


@pytest.mark.parametrize("fast", [False, True], ids=["pandas", "pyarrow"])
def test_a_csv_with_more_rows_than_the_limit_is_refused(set_limits, monkeypatch: pytest.MonkeyPatch, fast) -> None:
    set_limits(max_rows=10)
    if fast:
        monkeypatch.setattr(readers, "ARROW_MIN_BYTES", 0)
    assert len(read_table(_csv(10), "ten.csv")) == 10
    with pytest.raises(FileTooLarge) as e:
        read_table(_csv(11), "eleven.csv")
    assert str(e.value) == (
        "eleven.csv has more than 10 rows, the most scrm reads from one file: "
        "split it into smaller files, or raise the limit with the environment variable SCRM_MAX_ROWS."
    )


def _xlsx(rows: list[list[object]], far: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if far:
        sheet[far] = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (json.dumps([{"a": i} for i in range(11)]).encode(), "rows.json"),
        ("".join(json.dumps({"a": i}) + "\n" for i in range(11)).encode(), "rows.jsonl"),
        (_xlsx([["a"], *[[i] for i in range(11)]]), "rows.xlsx"),
    ],
    ids=["json", "jsonl", "xlsx"],
)
def test_json_and_excel_with_more_rows_than_the_limit_are_refused(set_limits, data: bytes, name: str) -> None:
    set_limits(max_rows=10)
    with pytest.raises(FileTooLarge, match=rf"^{re.escape(name)} has more than 10 rows, the most scrm reads"):
        read_table(data, name)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (_csv(2, columns=5), "wide.csv"),
        (json.dumps([{f"k{i}": i for i in range(5)}]).encode(), "wide.json"),
    ],
    ids=["csv", "json"],
)
def test_a_file_with_more_columns_than_the_limit_is_refused(set_limits, data: bytes, name: str) -> None:
    set_limits(max_columns=4)
    with pytest.raises(FileTooLarge) as e:
        read_table(data, name)
    assert str(e.value) == (
        f"{name} has 5 columns, more than the 4 scrm reads: remove the columns you do not need, "
        "or raise the limit with the environment variable SCRM_MAX_COLUMNS."
    )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (_csv(7, columns=3), "cells.csv"),
        (json.dumps([{"a": 1, "b": 2, "c": 3}] * 7).encode(), "cells.json"),
        (_xlsx([["a", "b", "c"], *[[1, 2, 3]] * 7]), "cells.xlsx"),
    ],
    ids=["csv", "json", "xlsx"],
)
def test_a_file_with_more_cells_than_the_limit_is_refused(set_limits, data: bytes, name: str) -> None:
    set_limits(max_cells=20)
    with pytest.raises(FileTooLarge) as e:
        read_table(data, name)
    assert str(e.value) == (
        f"{name} has more than 20 cells (3 columns by more than 6 rows), the most scrm reads from one file: "
        "split it into smaller files or remove the columns you do not need, "
        "or raise the limit with the environment variable SCRM_MAX_CELLS."
    )


def test_a_csv_of_empty_cells_is_counted_before_it_is_held(set_limits) -> None:
    # 2,000 columns by 5,000 lines of commas: 10 million empty cells from 10 MB.
    set_limits(max_cells=1_000_000)
    data = (",".join(f"c{i}" for i in range(2000)) + "\n" + ("," * 1999 + "\n") * 5000).encode()
    assert peak_traced_mb(lambda: read_table(data, "commas.csv")) < 200
    with pytest.raises(FileTooLarge, match=r"^commas\.csv has more than 1,000,000 cells \(2,000 columns"):
        read_table(data, "commas.csv")


@pytest.mark.parametrize(
    ("data", "name", "where"),
    [
        (b"id,text\n1,short\n2," + b"y" * 11 + b"\n", "long.csv", "row 3, column `text`"),
        (json.dumps([{"id": 1, "text": "y" * 11}]).encode(), "long.json", "row 2, column `text`"),
        (_xlsx([["id", "text"], [1, "y" * 11]]), "long.xlsx", "row 2, column `text`"),
    ],
    ids=["csv", "json", "xlsx"],
)
def test_a_cell_longer_than_the_limit_is_refused_naming_its_row_and_column(
    set_limits, data: bytes, name: str, where: str
) -> None:
    set_limits(max_cell_chars=10)
    with pytest.raises(FileTooLarge) as e:
        read_table(data, name)
    assert str(e.value) == (
        f"{name} {where}: the value has 11 characters, more than the 10 scrm keeps in one cell: "
        "shorten it, or raise the limit with the environment variable SCRM_MAX_CELL_CHARS."
    )


DEEP = "flatten the nested values (or export the data as CSV) and try again."


@pytest.mark.parametrize(
    ("text", "name", "where"),
    [
        ("[" * 100_000, "deep.json", ""),
        ("[" * 100_000 + "]" * 100_000, "deep.json", ""),
        ('[{"id": 1, "tags": ' + "[" * 150 + "]" * 150 + "}]", "deep.json", " row 2"),
        ('{"id": 1}\n{"id": 2, "tags": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "deep.jsonl", " line 2"),
        ('{"id": 1}\n{"id": 2, "tags": ' + "[" * 150 + "]" * 150 + "}\n", "deep.jsonl", " line 2"),
    ],
    ids=["100,000 open lists", "100,000 nested lists", "150 deep in a record", "jsonl 100,000", "jsonl 150"],
)
def test_deeply_nested_json_gets_a_sentence_not_a_recursion_error(text: str, name: str, where: str) -> None:
    with pytest.raises(FileTooLarge) as e:
        read_table(text.encode(), name)
    assert str(e.value) == f"{name}{where} nests its JSON more than 100 levels deep, the most scrm reads: {DEEP}"


def test_nesting_within_the_limit_is_kept_as_json_text() -> None:
    nested = "[" * 90 + "1" + "]" * 90
    table = read_table(f'[{{"id": 1, "tags": {nested}}}]'.encode(), "ok.json")
    assert table.loc[2, "tags"] == nested


def test_an_import_of_deep_json_is_refused_with_the_sentence(fresh_db) -> None:
    with pytest.raises(FileTooLarge, match=r"^mentions\.json nests its JSON more than 100 levels deep"):
        import_file(fresh_db, b"[" * 100_000, "mentions", file_name="mentions.json")


def test_a_mapping_nested_too_deep_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="nests too deep"):
        parse_mapping('{"amount": ' + "[" * 100_000)


def test_a_limit_set_in_the_environment_reaches_the_import_worker(tmp_path: Path, monkeypatch) -> None:
    from scrm.ingest import pipeline

    monkeypatch.setattr(pipeline, "WORKER_MIN_BYTES", 0)
    monkeypatch.setenv("SCRM_MAX_ROWS", "3")
    db = store.open_db(tmp_path / "w.db")
    path = tmp_path / "orders.csv"
    path.write_bytes(b"order_id,ordered_at,amount\n" + b"".join(b"A%d,2024-01-01,1\n" % i for i in range(5)))
    with pytest.raises(FileTooLarge, match=r"^orders\.csv has more than 3 rows"):
        import_file(db, path, "orders")
    assert store.counts(db)["imports"] == 0


# --- 3. spreadsheets: the cells present, not the declared range ---------------------------


@pytest.fixture
def cells_visited(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the cells the Excel reader turns into text; fails fast past 10,000 (a sheet of a billion)."""
    seen = [0]
    original = readers._cell_text

    def counting(value: object) -> str | None:
        seen[0] += 1
        if seen[0] > 10_000:
            raise AssertionError("the reader walks empty cells of the declared range")
        return original(value)

    monkeypatch.setattr(readers, "_cell_text", counting)
    return seen


def _with_dimension(raw: bytes, ref: str) -> bytes:
    """The workbook with its first sheet declaring the range ``ref``."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), data)
                assert n == 1
            target.writestr(info, data)
    return out.getvalue()


def test_a_workbook_declaring_the_whole_sheet_is_read_by_the_cells_it_holds(cells_visited: list[int]) -> None:
    raw = _with_dimension(_xlsx([["id", "name"], [1, "Ana"], [2, "Luis"]]), "A1:XFD1048576")
    assert len(raw) < 10_000
    table = read_table(raw, "declared.xlsx")
    assert table.to_dict("index") == {2: {"id": "1", "name": "Ana"}, 3: {"id": "2", "name": "Luis"}}
    assert cells_visited[0] == 6


def test_one_far_cell_is_one_cell_and_keeps_its_row_number(cells_visited: list[int]) -> None:
    table = read_table(_xlsx([["id", "name"], [1, "Ana"]], far="C1048576"), "far.xlsx")
    assert list(table.index) == [2, 1_048_576]
    assert table.loc[1_048_576].tolist()[-1] == "1"
    assert cells_visited[0] == 5


def test_a_far_cell_beyond_the_column_limit_is_named(cells_visited: list[int]) -> None:
    with pytest.raises(FileTooLarge) as e:
        read_table(_xlsx([["id", "name"], [1, "Ana"]], far="XFD1048576"), "stray.xlsx")
    assert str(e.value) == (
        "stray.xlsx has a value in cell XFD1048576 (column 16,384), beyond the 2,000 columns scrm reads: "
        "delete that cell, or the columns you do not need, or raise the limit with the environment variable "
        "SCRM_MAX_COLUMNS."
    )
    assert cells_visited[0] < 10


def test_a_sheet_numbering_rows_past_excels_last_row_is_refused_quickly(cells_visited: list[int]) -> None:
    raw = _xlsx([["id"], [1]])
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'r="2"', b'r="2000000000"').replace(b'r="A2"', b'r="A2000000000"')
            target.writestr(info, data)
    with pytest.raises(ImportRejected, match="rows past Excel's last row, 1,048,576"):
        read_table(out.getvalue(), "rows.xlsx")


def test_an_xlsx_that_unpacks_past_the_limit_is_refused_unopened(set_limits) -> None:
    set_limits(max_file_bytes=50_000)
    raw = _xlsx([["text"], ["y" * 30_000], ["z" * 30_000]])
    assert len(raw) < 20_000
    with pytest.raises(FileTooLarge) as e:
        read_table(raw, "bomb.xlsx")
    assert str(e.value).startswith("bomb.xlsx unpacks to more than 50,000 bytes, the most scrm reads from one file")


# --- 4. previews read a head; big uploads go through a temporary file ---------------------


def test_a_preview_reads_only_the_head_of_a_big_file(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"order_id,ordered_at,amount\n" + b"A1,2024-01-01,12.5\n" * 1_000_000)  # 19 MB
    preview = preview_file(path, "orders.csv")
    assert (len(preview.sample), preview.kind) == (20, "orders")
    assert peak_traced_mb(lambda: preview_file(path, "orders.csv")) < 10
    gz = tmp_path / "orders.csv.gz"
    gz.write_bytes(gzip.compress(path.read_bytes(), 1))
    assert len(preview_file(gz).sample) == 20
    assert peak_traced_mb(lambda: preview_file(gz)) < 10


def test_a_preview_of_uploaded_bytes_reads_only_their_head() -> None:
    # Windows-1252, so that the whole file would be decoded to choose its encoding.
    data = "pedido,fecha,importe,población\n".encode("cp1252") + "A1,2024-01-01,12.5,Cádiz\n".encode("cp1252") * 400_000
    preview = preview_file(data, "pedidos.csv")
    assert (len(preview.sample), preview.sample.iloc[0, 3]) == (20, "Cádiz")
    assert peak_traced_mb(lambda: preview_file(data, "pedidos.csv")) < 10


def test_a_json_preview_offers_the_keys_of_every_record() -> None:
    records = [{"id": i} for i in range(40)] + [{"id": 40, "late": "x"}]
    preview = preview_file(json.dumps(records).encode(), "late.json")
    assert preview.headers == ["id", "late"]
    assert len(preview.sample) == 20


def test_an_upload_above_the_threshold_is_handed_over_as_a_temporary_file(fresh_db) -> None:
    data = b"order_id,ordered_at,amount\nA1,2024-01-01,12.5\n"
    with upload_source(data, spool_above=len(data) - 1) as source:
        assert isinstance(source, Path) and source.read_bytes() == data
        result = import_file(fresh_db, source, "orders", file_name="mis pedidos.csv")
    assert not source.exists()
    assert (result.file_name, result.new) == ("mis pedidos.csv", 1)
    assert fresh_db.execute("SELECT file_name FROM imports").fetchone()[0] == "mis pedidos.csv"
    with upload_source(data) as small:
        assert small is data
    assert limits.UPLOAD_SPOOL_BYTES == 64 * MB
