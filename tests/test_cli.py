"""The command line contract (DESIGN.md, "The command line") and the benchmark.

Commands run in-process through ``scrm.cli.main(argv)``; one test runs the
real ``python -m scrm`` in a subprocess.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from scrm import bench, cli
from scrm.db import schema as S
from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent

TINY_MENTIONS = (
    "id,platform,author,text,date\n"
    "m1,twitter,@ana,Great service!,2024-03-05 10:00\n"
    "m2,twitter,bob,Terrible delivery,2024-03-06 11:30\n"
    "m3,instagram,carla,Meh,not a date\n"
    "m1,twitter,@ana,Great service!,2024-03-05 10:00\n"
)


@pytest.fixture
def mentions_csv(tmp_path: Path) -> Path:
    path = tmp_path / "mentions.csv"
    path.write_text(TINY_MENTIONS, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- the subprocess check ----------------------------------------------------------


def test_python_dash_m_scrm_lists_commands_and_fails_cleanly(tmp_path: Path) -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "scrm", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert helped.returncode == 0, helped.stderr
    for command in ("demo", "import", "status", "bench", "score", "sentiment", "report", "export-person", "erase", "purge"):
        assert re.search(rf"^    {command}\s", helped.stdout, re.MULTILINE), command

    missing = tmp_path / "nope.csv"
    failed = subprocess.run(
        [sys.executable, "-m", "scrm", "--db", str(tmp_path / "x.db"), "import", "orders", str(missing)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert failed.returncode == 2
    assert failed.stderr == f"error: {missing} does not exist. Check the path and try again.\n"
    assert failed.stdout == ""


# --- user errors: exit 2 and one `error:` line ---------------------------------------------


def test_import_of_a_missing_file_is_one_error_line_and_creates_no_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "scrm.db"
    missing = tmp_path / "nope.csv"
    code, out, err = run(capsys, "--db", str(db), "import", "mentions", str(missing))
    assert (code, out) == (2, "")
    assert err == f"error: {missing} does not exist. Check the path and try again.\n"
    assert not db.exists()


def test_refused_import_keeps_an_existing_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "scrm.db"
    store.open_db(db).close()
    code, _, _ = run(capsys, "--db", str(db), "import", "mentions", str(tmp_path / "nope.csv"))
    assert code == 2
    assert db.exists()


def test_unknown_kind_is_the_engine_message(capsys: pytest.CaptureFixture[str], mentions_csv: Path) -> None:
    code, out, err = run(capsys, "--db", str(mentions_csv.parent / "scrm.db"), "import", "tweets", str(mentions_csv))
    assert (code, out) == (2, "")
    assert err == "error: Unknown kind 'tweets': use one of customers, orders, mentions, surveys.\n"
    assert not (mentions_csv.parent / "scrm.db").exists()


def test_bad_mapping_json_is_one_error_line(capsys: pytest.CaptureFixture[str], mentions_csv: Path) -> None:
    code, _, err = run(
        capsys, "--db", str(mentions_csv.parent / "scrm.db"), "import", "mentions", str(mentions_csv),
        "--mapping", '{"text": ',
    )
    assert code == 2
    assert re.fullmatch(
        r"error: The mapping is not valid JSON \(Expecting value at character \d+\)\. "
        r'Give an object such as \{"amount": "Total", "ordered_at": "Date"\}\.\n',
        err,
    )


def test_unknown_preset_is_one_error_line(capsys: pytest.CaptureFixture[str], mentions_csv: Path) -> None:
    code, _, err = run(
        capsys, "--db", str(mentions_csv.parent / "scrm.db"), "import", "mentions", str(mentions_csv),
        "--mapping", "no-such-preset",
    )
    assert code == 2
    assert err.startswith("error: Unknown mapping preset 'no-such-preset': ")
    assert "the presets for mentions are airline-tweets, spotify-support" in err
    assert err.count("\n") == 1


def test_database_of_a_newer_schema_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "scrm.db"
    store.open_db(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    code, out, err = run(capsys, "--db", str(db), "status")
    assert (code, out) == (2, "")
    assert err == (
        f"error: {db} uses database schema 99, but this scrm reads schema {S.SCHEMA_VERSION} at most. "
        "Upgrade scrm (pip install -r requirements.txt from a newer release) or point SCRM_DB at another file.\n"
    )


def test_status_without_a_database_says_how_to_make_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    code, _, err = run(capsys, "status", "--db", str(db))
    assert code == 2
    assert err == (
        f"error: No database at {db}. Build one with `python -m scrm demo` "
        "or import a file with `python -m scrm import`.\n"
    )
    assert not db.exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["import"], "error: the following arguments are required: KIND, FILE. "
                     "Run `python -m scrm import --help` for usage.\n"),
        ([], "error: the following arguments are required: COMMAND. Run `python -m scrm --help` for usage.\n"),
        (["status", "--frobnicate"], "error: unrecognized arguments: --frobnicate. "
                                     "Run `python -m scrm --help` for usage.\n"),
    ],
)
def test_usage_errors_exit_2_with_one_error_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err == expected


def test_a_bad_choice_names_the_option_and_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "bench", "--scale", "huge")
    assert code == 2
    # argparse quotes the choices differently across Python versions
    assert err.startswith("error: argument --scale: invalid choice: 'huge' (choose from ")
    assert re.search(r"xl'?\)\. Run `python -m scrm bench --help` for usage\.\n$", err)
    assert err.count("\n") == 1


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "import", "--help")
    assert code == 0
    assert "--mapping PRESET_OR_JSON" in out


def test_unexpected_exceptions_are_one_line_and_their_traceback_comes_with_v(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(store, "counts", broken)
    store.open_db(tmp_path / "scrm.db").close()
    code, out, err = run(capsys, "--db", str(tmp_path / "scrm.db"), "status")
    assert (code, out) == (2, "")
    assert err == "error: unexpected RuntimeError: a bug (a bug in scrm?). Run again with -v for the details.\n"
    code, out, err = run(capsys, "--db", str(tmp_path / "scrm.db"), "-v", "status")
    assert code == 2
    assert err.startswith("error: unexpected RuntimeError: a bug (a bug in scrm?).\nTraceback (most recent call last):")
    assert err.rstrip().endswith("RuntimeError: a bug")


# --- import and status ----------------------------------------------------------------------


def test_import_prints_what_it_did(capsys: pytest.CaptureFixture[str], mentions_csv: Path) -> None:
    code, out, err = run(capsys, "--db", str(mentions_csv.parent / "scrm.db"), "import", "mentions", str(mentions_csv))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Imported mentions.csv as mentions (import 1) in ")
    assert lines[1:7] == [
        "  rows read     4",
        "  loaded (new)  2",
        "  updated       0",
        "  unchanged     0",
        "  duplicates    1  (same key twice in the file: the last one was kept)",
        "  rejected      1  (kept in quarantine with their reasons: see `python -m scrm status` or the Data page)",
    ]
    assert "  quarantined: mentions.csv row 4, column `posted_at`: 'not a date' is not a date." in out
    assert lines[-1].startswith("Profiles: 2. ")


def test_status_json_has_the_contract_shape_and_counts(
    capsys: pytest.CaptureFixture[str], mentions_csv: Path
) -> None:
    db = mentions_csv.parent / "scrm.db"
    assert run(capsys, "--db", str(db), "import", "mentions", str(mentions_csv))[0] == 0
    code, out, _ = run(capsys, "--db", str(db), "status", "--json")
    assert code == 0
    assert len(out.splitlines()) == 1
    info = json.loads(out)
    assert set(info) == {"db", "counts", "data_version", "demo", "last_imports"}
    assert info["db"] == str(db)
    assert set(info["counts"]) == {t for t in S.STORED_COLUMNS if t != S.META}
    assert info["counts"][S.MENTIONS] == 2
    assert info["counts"][S.QUARANTINE] == 1
    assert info["counts"][S.IMPORTS] == 1
    assert info["counts"][S.PROFILES] == 2
    assert info["demo"] is False
    assert isinstance(info["data_version"], int) and info["data_version"] >= 1
    [last] = info["last_imports"]
    assert (last["kind"], last["file_name"], last["rows_new"], last["rows_rejected"]) == ("mentions", "mentions.csv", 2, 1)


def test_status_plain_is_an_aligned_table_with_the_quarantine(
    capsys: pytest.CaptureFixture[str], mentions_csv: Path
) -> None:
    db = mentions_csv.parent / "scrm.db"
    run(capsys, "--db", str(db), "import", "mentions", str(mentions_csv))
    code, out, _ = run(capsys, "--db", str(db), "status")
    assert code == 0
    assert "demo data     no" in out
    assert (
        "table         rows\n"
        "customers        0\n"
        "orders           0\n"
        "mentions         2\n"
        "surveys          0\n"
        "profiles         2\n"
        "links            0\n"
        "imports          1\n"
        "quarantine       1\n"
    ) in out
    assert "Quarantined rows: 1 (newest 1 below; the Data page lists them all)" in out
    assert "  import 1: mentions.csv row 4, column `posted_at`: 'not a date' is not a date." in out


@pytest.mark.parametrize("where", ["before", "after"])
def test_db_option_works_before_and_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    db = tmp_path / "chosen.db"
    store.open_db(db).close()
    argv = ["--db", str(db), "status", "--json"] if where == "before" else ["status", "--json", "--db", str(db)]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert json.loads(out)["db"] == str(db)


def test_db_defaults_to_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env.db"
    store.open_db(db).close()
    monkeypatch.setenv(store.ENV_DB, str(db))
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0
    assert json.loads(out)["db"] == str(db)


ORDERS_CSV = "Ref,When,Total\nA1,2024-03-05,12.50\nA2,2024-03-06,7\n"
ORDERS_MAPPING = {"order_id": "Ref", "ordered_at": "When", "amount": "Total"}


@pytest.mark.parametrize("as_file", [False, True], ids=["json-text", "json-file"])
def test_import_with_an_explicit_mapping(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, as_file: bool
) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    mapping = json.dumps(ORDERS_MAPPING)
    if as_file:
        (tmp_path / "map.json").write_text(mapping, encoding="utf-8")
        mapping = str(tmp_path / "map.json")
    code, out, err = run(
        capsys, "--db", str(tmp_path / "scrm.db"), "import", "orders", str(tmp_path / "orders.csv"), "--mapping", mapping
    )
    assert code == 0, err
    assert "  loaded (new)  2" in out
    assert "Profiles:" not in out  # orders do not touch social profiles


# --- import exit codes: 3 when a file with rows stored none ------------------------------------


def test_an_import_that_stores_no_row_exits_3_with_the_top_reasons_on_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_id,date,amount\nA,not a date,1\nB,2024-01-01,x\nC,never,2\n", encoding="utf-8")
    code, out, err = run(capsys, "--db", str(tmp_path / "scrm.db"), "import", "orders", str(path))
    assert code == cli.EXIT_NOTHING_STORED == 3
    lines = err.splitlines()
    assert lines[0] == (
        "error: none of the 3 rows of orders.csv was stored as orders: "
        "fix the reasons below in the file or the mapping and import it again."
    )
    assert lines[1].startswith("  orders.csv row 2, column `ordered_at`: 'not a date' is not a date.")
    assert lines[1].endswith("(2 rows like this)")
    assert lines[2].startswith("  orders.csv row 3, column `amount`: 'x' is not a number.")
    assert "  rejected      3" in out


def test_an_import_that_stores_one_row_of_many_exits_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_id,date,amount\nA,not a date,1\nB,2024-01-01,3\n", encoding="utf-8")
    code, _, err = run(capsys, "--db", str(tmp_path / "scrm.db"), "import", "orders", str(path))
    assert code == 0, err
    assert err == ""


def test_a_re_import_where_every_row_is_unchanged_exits_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    argv = ("--db", str(tmp_path / "scrm.db"), "import", "orders", str(tmp_path / "orders.csv"),
            "--mapping", json.dumps(ORDERS_MAPPING))
    assert run(capsys, *argv)[0] == 0
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "  unchanged     2" in out


def test_an_import_says_which_export_it_detected_from_the_headers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "hubspot.csv"
    path.write_text("Record ID,First Name,Last Name,Email\n51,Ana,Ruiz,ana@example.com\n", encoding="utf-8")
    code, out, err = run(capsys, "--db", str(tmp_path / "scrm.db"), "import", "customers", str(path))
    assert code == 0, err
    assert out.splitlines()[0] == "Detected: HubSpot contacts export, preset hubspot-contacts (override with --mapping)"


def test_a_mapping_saved_under_a_name_is_used_with_mapping_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from scrm import api

    db = store.open_db(tmp_path / "scrm.db")
    api.save_mapping(db, "my-shop", "orders", ORDERS_MAPPING, actor="cli")
    db.close()
    (tmp_path / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    code, out, err = run(capsys, "--db", str(tmp_path / "scrm.db"), "import", "orders", str(tmp_path / "orders.csv"),
                         "--mapping", "my-shop")
    assert code == 0, err
    assert "  loaded (new)  2" in out


# --- demo (the command's wiring; scrm.demo has its own tests) ------------------------------------


class FakeSummary:
    def summary(self) -> str:
        return "Built the demo: 3 customers."


@pytest.fixture
def demo_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """Replace scrm.demo.build_demo by a recorder that reports progress."""
    calls: list[tuple[int, str]] = []

    def build_demo(db: object, seed: int = 7, scale: str = "small", progress: object = None) -> FakeSummary:
        calls.append((seed, scale))
        assert callable(progress)
        progress(0.5, "Making customers")
        progress(1.0, "Done")
        return FakeSummary()

    from scrm import api

    monkeypatch.setattr(api, "build_demo", build_demo)
    return calls


def test_demo_passes_options_and_prints_progress_and_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_calls: list[tuple[int, str]]
) -> None:
    code, out, err = run(capsys, "demo", "--seed", "3", "--scale", "medium", "--db", str(tmp_path / "d.db"))
    assert code == 0
    assert demo_calls == [(3, "medium")]
    assert out == "Built the demo: 3 customers.\n"
    assert err == "Making customers\nDone\n"


def test_demo_refuses_to_empty_imported_data_unless_told(
    capsys: pytest.CaptureFixture[str], mentions_csv: Path, demo_calls: list[tuple[int, str]]
) -> None:
    db = mentions_csv.parent / "scrm.db"
    assert run(capsys, "--db", str(db), "import", "mentions", str(mentions_csv))[0] == 0
    code, out, err = run(capsys, "--db", str(db), "demo")
    assert (code, out, demo_calls) == (2, "", [])
    assert err == (
        f"error: {db} holds imported data (2 mentions), not the demo. Build the demo in another file "
        "(python -m scrm --db demo.db demo), or add --replace to empty this one first.\n"
    )
    assert run(capsys, "--db", str(db), "demo", "--replace")[0] == 0
    assert demo_calls == [(7, "small")]


# --- bench ------------------------------------------------------------------------------------


def test_run_bench_returns_the_json_contract(tmp_path: Path) -> None:
    result = bench.run_bench("small", tmp_path, rows=2000, stages=["import_mentions"])
    assert list(result)[:3] == ["scale", "stages", "peak_rss_mb"]
    assert result["scale"] == "small"
    [first] = result["stages"]
    assert {"stage", "rows", "seconds", "rows_per_s", "baseline_seconds"} <= set(first)
    assert first["stage"] == "import_mentions"
    assert first["rows"] == 2000
    assert first["rejected"] == 0
    assert first["seconds"] > 0 and first["baseline_seconds"] > 0
    # seconds are rounded to the millisecond, so a short run needs some slack
    assert first["rows_per_s"] == pytest.approx(2000 / first["seconds"], rel=0.001 / first["seconds"] + 0.01)
    assert result["peak_rss_mb"] > 0
    json.dumps(result)  # serialisable as is


def test_bench_command_prints_one_json_object_on_its_last_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(bench.SCALES, "small", 1000)
    _fake_engine(monkeypatch)
    pages = _fake_pages(monkeypatch)
    code, out, err = run(capsys, "bench", "--json")
    assert code == 0, err
    result = json.loads(out.splitlines()[-1])
    assert result["scale"] == "small"
    assert [s["stage"] for s in result["stages"]] == list(bench.STAGES)
    assert "import_mentions: import" in err  # progress went to stderr, not stdout
    assert [page for page, _ in pages] == [f"pages/{p}.py" for p in bench.PAGES]


def test_bench_report_has_one_line_per_stage() -> None:
    result = {
        "scale": "large",
        "stages": [{"stage": "import_mentions", "rows": 1_000_000, "seconds": 12.3, "rows_per_s": 81_300.8,
                    "baseline_seconds": 6.1}],
        "peak_rss_mb": 812.4,
        "peak_rss_children_mb": 0.0,
    }
    assert bench.format_report(result) == [
        "import_mentions  1,000,000 rows  12.3 s  81,301 rows/s  baseline 6.1 s (2.0x)",
        "peak RSS 812 MB (whole run, data generation included), children 0 MB",
    ]


def test_bench_mentions_import_to_exactly_the_baseline_rows(tmp_path: Path) -> None:
    """The baseline inserts what the importer stores: the generator's parsed tuples
    match the imported rows, mixed date formats and `@` handles included."""
    from scrm.ingest import import_file

    path = bench.write_mentions_csv(tmp_path / "m.csv", 3000, seed=11)
    db = store.open_db(":memory:")
    result = import_file(db, path, S.MENTIONS)
    assert (result.rows_read, result.new, result.rejected) == (3000, 3000, 0)
    columns, chunks = bench.mention_tuples(3000, seed=11)
    expected = [row[:-1] for chunk in chunks for row in chunk]  # all but import_id
    cols = ", ".join(f'"{c}"' for c in columns[:-1])
    stored = [tuple(r) for r in db.execute(f"SELECT {cols} FROM mentions ORDER BY mention_id").fetchall()]
    assert stored == sorted(expected)


# --- the compute layer and reports (issue 3) ------------------------------------------------


def _fake_engine(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fast stand-ins for the engine stages (the real ones have their own tests)."""
    from scrm import compute

    calls: list[str] = []

    def fake(name: str) -> Any:
        def run(db: Any, *, as_of: str | None = None, progress: Any = None) -> Any:
            calls.append(name)
            if progress is not None:
                progress(0.5, "working")
            if name != compute.SENTIMENT_STAGE:
                store.replace_table(db, f"fake_{name}", pd.DataFrame({"x": [1, 2]}))
            return types.SimpleNamespace(stage=name, rows=2, seconds=0.0, message=f"{name} done")

        return run

    fakes = {name: fake(name) for name in compute.STAGE_NAMES}
    monkeypatch.setattr(compute, "stage_function", fakes.__getitem__)
    return calls


@pytest.fixture
def kpi_db(db_path: Path) -> Path:
    db = store.open_db(db_path)
    store.upsert_rows(
        db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand", "likes"],
        [("m1", "twitter", "ana", "great", "2024-03-01T10:00:00", "Velora", 4),
         ("m2", "twitter", "bob", "meh", "2024-04-01T10:00:00", "Rival", 0)],
    )
    store.upsert_rows(
        db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "currency"],
        [("o1", "c1", "2024-03-02T10:00:00", 10.5, "EUR"), ("o2", "c1", "2024-04-02T10:00:00", 20.0, "EUR")],
    )
    db.close()
    return db_path


def test_score_prints_each_stage_with_its_time_then_nothing_new(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kpi_db: Path
) -> None:
    calls = _fake_engine(monkeypatch)
    code, out, err = run(capsys, "--db", str(kpi_db), "score")
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["sentiment", "identity", "value", "topics", "segments",
                                                           "summaries", "roles", "alerts", "workflows", "journey"]
    assert re.fullmatch(r"value: +\d+\.\d s +2 rows  value done", lines[2])
    assert re.fullmatch(r"Done in \d+\.\d s \(data version \d+ -> \d+\)\.", lines[-1])

    calls.clear()
    code, out, _ = run(capsys, "--db", str(kpi_db), "score")
    assert calls == ["sentiment"]
    assert "value:     up to date (no new data since the last run)" in out.splitlines()
    assert re.search(r"\(data version \d+, nothing new\)\.$", out.strip())

    calls.clear()
    assert run(capsys, "--db", str(kpi_db), "score", "--force")[0] == 0
    assert calls == ["sentiment", "identity", "value", "topics", "segments", "summaries", "roles", "alerts", "workflows",
                     "journey"]


def test_score_without_a_database_says_how_to_make_one(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, out, err = run(capsys, "--db", str(db_path), "score")
    assert (code, out) == (2, "")
    assert err.startswith(f"error: No database at {db_path}.")
    assert not db_path.exists()


def test_report_kpis_json_has_the_contract_shape(capsys: pytest.CaptureFixture[str], kpi_db: Path) -> None:
    code, out, err = run(capsys, "--db", str(kpi_db), "report", "kpis", "--json", "--from", "2024-03-01",
                         "--to", "2024-03-31")
    assert code == 0, err
    result = json.loads(out)
    assert list(result) == ["kpis"]
    from scrm.views.kpis import KPIS

    assert list(result["kpis"]) == [k.key for k in KPIS]
    assert result["kpis"]["mentions"] == {
        "value": 1, "unit": "count", "name": "Mentions", "formula": KPIS[0].formula, "higher_is_better": None,
    }
    assert result["kpis"]["revenue"]["value"] == 10.5
    assert result["kpis"]["revenue"]["currency"] == "EUR"
    assert result["kpis"]["churn_rate"]["note"] == "no customer ordered in the previous period of the same length"


def test_report_kpis_as_of_ends_the_range(capsys: pytest.CaptureFixture[str], kpi_db: Path) -> None:
    code, out, _ = run(capsys, "--db", str(kpi_db), "report", "kpis", "--json", "--as-of", "2024-03-31")
    assert code == 0
    assert json.loads(out)["kpis"]["orders"]["value"] == 1


def test_report_kpis_plain_is_a_table_with_units(capsys: pytest.CaptureFixture[str], kpi_db: Path) -> None:
    code, out, _ = run(capsys, "--db", str(kpi_db), "report", "kpis")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "KPIs from first record to last record"
    assert re.fullmatch(r"  Revenue +30\.50 EUR", lines[[i for i, x in enumerate(lines) if "Revenue" in x][0]])
    assert any(re.fullmatch(r"  Net sentiment +- +no scored mentions in this range; recompute the scores first",
                            line) for line in lines)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "kpis", "--from", "2024-13-01"], "error: --from '2024-13-01' is not a date; use YYYY-MM-DD.\n"),
        (["report", "kpis", "--to", "yesterday"], "error: --to 'yesterday' is not a date; use YYYY-MM-DD.\n"),
        (["report", "clv", "--as-of", "2024-02-30"], "error: --as-of '2024-02-30' is not a date; use YYYY-MM-DD.\n"),
        (["report", "kpis", "--from", "2024-04-01", "--to", "2024-03-01"],
         "error: --from 2024-04-01 is after --to 2024-03-01; swap the dates.\n"),
        (["report", "segments", "--from", "2024-04-01"],
         "error: --from and --to apply to `report kpis` only, not to `report segments`.\n"),
        (["report", "segments", "--as-of", "2024-04-01"],
         "error: report segments shows the segments of the last `score`; --as-of does not apply.\n"),
        (["report", "segments"], "error: No segments yet: run `python -m scrm score` first.\n"),
        (["report", "advocates"], "error: No author roles yet: run `python -m scrm score` first.\n"),
    ],
)
def test_report_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], kpi_db: Path, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "--db", str(kpi_db), *argv)
    assert (code, out, err) == (2, "", message)


def test_an_unknown_report_names_the_choices(capsys: pytest.CaptureFixture[str], kpi_db: Path) -> None:
    code, _, err = run(capsys, "--db", str(kpi_db), "report", "sales")
    assert code == 2
    assert err.startswith("error: argument REPORT: invalid choice: 'sales'")


def test_report_segments_and_advocates_print_the_derived_tables(
    capsys: pytest.CaptureFixture[str], kpi_db: Path
) -> None:
    db = store.open_db(kpi_db)
    store.replace_table(db, "segment_profiles", pd.DataFrame(
        {"segment_id": [2, 1], "size": [5, 7], "description": ["loyal", "new"], "centre": ['{"a": 1}', '{"a": 2}']}
    ))
    store.replace_table(db, "roles", pd.DataFrame({
        "profile_id": ["twitter:ana", "twitter:bob", "twitter:cy"], "customer_id": ["c1", None, None],
        "role": ["ambassador", "detractor", "advocate"], "advocate_score": [0.9, 0.0, float("nan")],
    }))
    db.close()
    code, out, _ = run(capsys, "--db", str(kpi_db), "report", "segments", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"segment_id": 1, "size": 7, "description": "new", "centre": '{"a": 2}'},
        {"segment_id": 2, "size": 5, "description": "loyal", "centre": '{"a": 1}'},
    ]
    code, out, _ = run(capsys, "--db", str(kpi_db), "report", "segments")
    assert out.splitlines() == ["segment_id  size  description", "         1     7  new", "         2     5  loyal"]
    code, out, _ = run(capsys, "--db", str(kpi_db), "report", "advocates", "--json")
    assert [(a["profile_id"], a["advocate_score"]) for a in json.loads(out)] == [
        ("twitter:ana", 0.9), ("twitter:cy", None),
    ]
    code, out, _ = run(capsys, "--db", str(kpi_db), "report", "advocates")
    assert out.splitlines()[0] == "2 advocates (ambassadors included), best first"


def test_report_clv_json_prints_the_value_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kpi_db: Path
) -> None:
    seen: list[str | None] = []
    value = types.ModuleType("scrm.analysis.value")

    def clv_report(db: Any, as_of: str | None = None) -> dict[str, Any]:
        seen.append(as_of)
        return {"model": {"r": 0.243, "alpha": float("nan")}, "customers": [{"customer_id": "c1", "clv": 12.5}]}

    value.clv_report = clv_report  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "scrm.analysis.value", value)
    code, out, _ = run(capsys, "--db", str(kpi_db), "report", "clv", "--json", "--as-of", "1997-09-30")
    assert code == 0
    assert json.loads(out) == {"model": {"r": 0.243, "alpha": None}, "customers": [{"customer_id": "c1", "clv": 12.5}]}
    assert seen == ["1997-09-30"]
    code, out, _ = run(capsys, "--db", str(kpi_db), "report", "clv")
    assert out.splitlines()[0] == "CLV model (time in weeks): r = 0.243, alpha = None"


def test_sentiment_writes_csv_in_input_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sentiment = types.ModuleType("scrm.analysis.sentiment")
    seen: list[Path] = []

    def sentiment_file(path: Path) -> pd.DataFrame:
        seen.append(path)
        return pd.DataFrame({"text": ["b, quoted \"x\"", "a"], "lang": ["en", "other"], "score": [0.5, None],
                             "label": ["positive", "unscored"], "words": ["[]", "[]"], "confidence": [0.9, None]})

    sentiment.sentiment_file = sentiment_file  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "scrm.analysis.sentiment", sentiment)
    source = tmp_path / "texts.txt"
    code, out, _ = run(capsys, "--db", str(tmp_path / "none.db"), "sentiment", str(source))
    assert code == 0
    assert seen == [source]
    assert out == 'text,lang,score,label,confidence\n"b, quoted ""x""",en,0.5,positive,0.9\na,other,,unscored,\n'


def test_bench_has_a_stage_per_engine_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = ["overview", "listening", "segments", "customer", "journey", "advocates", "alerts", "cases", "rules",
             "identity", "privacy", "data", "sources", "settings"]
    assert list(bench.STAGES) == ["import_mentions", "sentiment", "identity", "value", "topics", "segments", "summaries",
                                  "roles", "journey", "alerts", "workflows", "kpis",
                                  *[f"page:{p}" for p in pages], *[f"filter:{p}" for p in pages]]
    calls = _fake_engine(monkeypatch)
    result = bench.run_bench("small", tmp_path, rows=500, stages=["sentiment", "value", "roles"])
    sentiment, value, roles = result["stages"]
    # the bench's mentions, then the engine database
    assert calls == ["sentiment", "sentiment", "value", "roles"]
    assert (sentiment["stage"], sentiment["rows"]) == ("sentiment", 2)
    assert (value["stage"], value["input"], value["rows_written"], value["demo_scale"]) == ("value", "orders", 2, "tiny")
    assert value["rows"] > 1000  # the tiny demo's orders
    assert (roles["stage"], roles["input"], roles["rows_written"]) == ("roles", "mentions", 2)


def test_sentiment_csv_cannot_run_as_a_spreadsheet_formula(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sentiment = types.ModuleType("scrm.analysis.sentiment")
    sentiment.sentiment_file = lambda path: pd.DataFrame(  # type: ignore[attr-defined]
        {"text": ["=1+1"], "lang": ["en"], "score": [0.123456], "label": ["neutral"], "confidence": [0.65]}
    )
    monkeypatch.setitem(sys.modules, "scrm.analysis.sentiment", sentiment)
    assert run(capsys, "--db", str(tmp_path / "none.db"), "sentiment", str(tmp_path / "t.txt"))[:2] == (
        0, "text,lang,score,label,confidence\n'=1+1,en,0.1235,neutral,0.65\n"
    )


def test_sentiment_of_a_real_file_keeps_the_input_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from scrm.analysis import sentiment

    if not hasattr(sentiment, "sentiment_file"):
        pytest.skip("scrm.analysis.sentiment has no sentiment_file yet")
    source = tmp_path / "texts.txt"
    source.write_text("I love this, great service!\nC'est nul, vraiment horrible.\nEs genial, me encanta.\n",
                      encoding="utf-8")
    code, out, err = run(capsys, "sentiment", str(source))
    assert code == 0, err
    import csv
    import io

    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["text", "lang", "score", "label", "confidence"]
    assert [r[0] for r in rows[1:]] == [
        "I love this, great service!", "C'est nul, vraiment horrible.", "Es genial, me encanta.",
    ]
    assert rows[1][3] == "positive"  # the other languages' labels are scrm.analysis.sentiment's own tests' business


# --- the page stages (issue 4) --------------------------------------------------------------


def _fake_pages(
    monkeypatch: pytest.MonkeyPatch, measured: dict[str, Any] | None = None
) -> list[tuple[str, dict[str, str]]]:
    """A stand-in for the page process (the real one is tested on a stand-in app below)."""
    calls: list[tuple[str, dict[str, str]]] = []

    def fake(page_file: str, db_path: Path, query: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
        assert db_path.is_file()
        calls.append((page_file, query or {}))
        return dict(measured or {"cold_seconds": 1.0, "warm_seconds": [0.1] * 5, "peak_rss_mb": 200.0})

    monkeypatch.setattr(bench, "measure_page", fake)
    return calls


@pytest.mark.parametrize(
    ("measured", "warm_ms", "cold", "within"),
    [
        ({"cold_seconds": 2.5, "warm_seconds": [0.1, 0.5, 0.12, 0.14, 0.13]}, 130.0, 2.5, True),
        ({"cold_seconds": 2.5, "warm_seconds": [0.4, 0.5, 0.1, 0.16, 0.12]}, 160.0, 2.5, False),
        ({"cold_seconds": 3.5, "warm_seconds": [0.1] * 5}, 100.0, 3.5, False),
    ],
)
def test_a_page_stage_reports_the_warm_median_and_the_cold_start_against_the_budgets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, measured: dict[str, Any], warm_ms: float, cold: float,
    within: bool,
) -> None:
    _fake_engine(monkeypatch)
    calls = _fake_pages(monkeypatch, measured)
    result = bench.run_bench("small", tmp_path, rows=500, stages=["page:overview", "page:customer"])
    overview, customer = result["stages"]
    assert overview["stage"] == "page:overview" and overview["rows"] == 10_000  # the tiny demo's mentions
    assert overview["seconds"] == warm_ms / 1000 and overview["rows_per_s"] is None
    assert (overview["warm_ms"], overview["cold_seconds"], overview["warm_runs"]) == (warm_ms, cold, 5)
    assert (overview["budget_ms"], overview["cold_budget_s"], overview["within_budget"]) == (150, 3, within)
    assert "error" not in overview
    # the customer card opens on a customer of the database, through the link
    [(_, first_query), (page, query)] = calls
    assert (first_query, page) == ({}, "pages/customer.py")
    db = sqlite3.connect(tmp_path / "engine.db")
    assert db.execute("SELECT count(*) FROM customers WHERE customer_id = ?", (query["customer"],)).fetchone() == (1,)
    db.close()
    line = bench.format_report(result)[0]
    assert line == (
        f"page:overview  warm {warm_ms:.0f} ms (budget 150)  cold {cold:.1f} s (budget 3)  "
        + ("within budget" if within else "OVER BUDGET")
    )


_STAND_IN_APP = """
import os
from pathlib import Path

import streamlit as st

with Path(os.environ["SCRM_DB"]).with_name("runs.txt").open("a") as f:
    f.write("app\\n")
page = st.navigation([st.Page("pages/overview.py", default=True), st.Page("pages/customer.py")])
page.run()
"""
_FAILING_PAGE = "raise RuntimeError('the overview broke')\n"
# App and page write one line per run beside the database: proves the routing through app.py
# on every run, $SCRM_DB and the link.
_RECORDING_PAGE = """
import os
from pathlib import Path

import streamlit as st

seen = Path(os.environ["SCRM_DB"]).with_name("runs.txt")
with seen.open("a") as f:
    f.write("customer " + st.query_params.get("customer", "-") + "\\n")
st.title("Customer")
"""


def test_pages_run_cold_then_warm_in_a_fresh_process_and_a_failing_page_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    (app / "pages").mkdir(parents=True)
    (app / "app.py").write_text(_STAND_IN_APP, encoding="utf-8")
    (app / "pages" / "overview.py").write_text(_FAILING_PAGE, encoding="utf-8")
    (app / "pages" / "customer.py").write_text(_RECORDING_PAGE, encoding="utf-8")
    monkeypatch.setattr(bench, "APP_ROOT", app)
    _fake_engine(monkeypatch)
    result = bench.run_bench(
        "small", tmp_path, rows=500, stages=["page:overview", "page:customer", "page:alerts", "kpis"]
    )
    overview, customer, alerts, kpis = result["stages"]
    assert overview["error"] == "the overview broke" and overview["within_budget"] is False
    assert overview["warm_runs"] == 0 and overview["cold_seconds"] > 0
    assert "error" not in customer, customer
    assert customer["warm_runs"] == 5 and customer["warm_ms"] > 0 and customer["peak_rss_mb"] > 0
    runs = (tmp_path / "runs.txt").read_text(encoding="utf-8").splitlines()
    # the overview's cold run, then the customer's cold run and five warm ones, all through app.py
    assert runs == ["app"] + ["app", f"customer {customer['query']['customer']}"] * 6
    assert "error" in alerts  # a page file that is not there is an error of its stage
    assert kpis["stage"] == "kpis"  # the bench went on
    assert bench.format_report(result)[0].endswith("  error: the overview broke")


@pytest.mark.parametrize(
    ("log_text", "cause"),
    [
        (
            "INFO started\nTraceback (most recent call last):\n  File \"app.py\", line 1\n    page.run()\n"
            "    ^^^^^^^^\nValueError: first\nTraceback (most recent call last):\n  File \"x.py\"\n"
            "altair.utils.data.MaxRowsError: The number of rows (7994) is greater than 5000.\nTry vegafusion\n",
            "altair.utils.data.MaxRowsError: The number of rows (7994) is greater than 5000.",
        ),
        ("INFO nothing went wrong\n", None),
    ],
)
def test_a_page_error_names_the_last_exception_of_the_server_log(log_text: str, cause: str | None) -> None:
    assert bench._logged_exception(log_text) == cause


# --- privacy requests: export-person, erase, purge, and the audit of imports ----------------


@pytest.fixture
def person_db(db_path: Path) -> Path:
    """Two customers; ana posted twice (one post in 2020), bob once and mentions @ana_r."""
    from scrm.analysis.identity import link_profiles

    db = store.open_db(db_path)
    store.upsert_rows(
        db, S.CUSTOMERS, ["customer_id", "name", "email", "twitter"],
        [("c1", "Ana Ruiz", "ana@example.com", "ana_r"), ("c2", "Bo Li", "bo@example.com", None)],
    )
    store.upsert_rows(
        db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"],
        [("o1", "c1", "2024-03-02T10:00:00", 10.5), ("o2", "c2", "2024-04-02T10:00:00", 20.0)],
    )
    store.upsert_rows(
        db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
        [("m1", "twitter", "ana_r", "Love the sofa", "2020-01-05T10:00:00"),
         ("m2", "twitter", "ana_r", "Still love it", "2099-01-05T10:00:00"),
         ("m3", "twitter", "bob", "Same as @ana_r", "2099-01-06T10:00:00")],
    )
    link_profiles(db)
    db.close()
    return db_path


def _audit(path: Path) -> list[tuple[str, str, str]]:
    db = store.open_db(path, create=False)
    try:
        return [tuple(r) for r in db.execute("SELECT actor, action, target FROM audit_log ORDER BY audit_id")]
    finally:
        db.close()


def _count(path: Path, table: str) -> int:
    db = store.open_db(path, create=False)
    try:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        db.close()


def test_export_person_prints_the_json_and_is_audited(capsys: pytest.CaptureFixture[str], person_db: Path) -> None:
    code, out, err = run(capsys, "--db", str(person_db), "export-person", "--customer", "c1")
    assert code == 0, err
    data = json.loads(out)
    assert data["format"] == "scrm-person-export/1" and data["customer"]["name"] == "Ana Ruiz"
    assert [o["order_id"] for o in data["orders"]] == ["o1"]
    assert [m["mention_id"] for m in data["mentions"]] == ["m1", "m2"]
    assert _audit(person_db) == [("cli", "export", "customer:c1")]


def test_export_person_writes_a_file_with_out(
    capsys: pytest.CaptureFixture[str], person_db: Path, tmp_path: Path
) -> None:
    target = tmp_path / "ana.json"
    code, out, err = run(capsys, "--db", str(person_db), "export-person", "--customer", "c1", "--out", str(target))
    assert (code, out) == (0, "")
    assert err.startswith(f"Wrote everything held about customer c1 to {target} (")
    assert json.loads(target.read_text(encoding="utf-8"))["customer"]["customer_id"] == "c1"


@pytest.mark.parametrize("command", [["export-person"], ["erase"], ["erase", "--yes"]])
def test_an_unknown_customer_is_one_error_line(
    capsys: pytest.CaptureFixture[str], person_db: Path, command: list[str]
) -> None:
    code, out, err = run(capsys, "--db", str(person_db), *command, "--customer", "c404")
    assert (code, out) == (2, "")
    assert err == (
        "error: No customer has the id 'c404'. Find the id on the Customer 360 or Privacy requests page "
        "(search by name or e-mail), then try again.\n"
    )


def test_erase_without_yes_shows_what_would_go_and_erases_nothing(
    capsys: pytest.CaptureFixture[str], person_db: Path
) -> None:
    code, out, err = run(capsys, "--db", str(person_db), "erase", "--customer", "c1")
    assert code == 2
    assert err == "error: Nothing was erased. Add --yes to erase customer c1: python -m scrm erase --customer c1 --yes\n"
    assert out.splitlines()[0] == "Erasing customer c1 would delete 6 rows:"
    assert "  mentions      2" in out.splitlines()
    assert "and replace their name, e-mail or handles by [erased] in 1 other rows:" in out
    assert (_count(person_db, "customers"), _count(person_db, "mentions")) == (2, 3)
    assert _audit(person_db) == []


def test_erase_with_yes_erases_and_prints_the_reference(capsys: pytest.CaptureFixture[str], person_db: Path) -> None:
    code, out, err = run(capsys, "--db", str(person_db), "erase", "--customer", "c1", "--yes")
    assert code == 0, err
    assert out.splitlines()[0] == "Erased customer c1: 6 rows deleted:"
    reference = re.search(r"Audit reference: (erasure-[0-9a-f]{12}) ", out)
    assert reference is not None
    assert _audit(person_db) == [("cli", "erase", reference.group(1))]
    assert (_count(person_db, "customers"), _count(person_db, "mentions"), _count(person_db, "orders")) == (1, 1, 1)


def test_purge_counts_equal_an_independent_count(capsys: pytest.CaptureFixture[str], person_db: Path) -> None:
    code, out, err = run(capsys, "--db", str(person_db), "purge", "--months", "12")
    assert code == 2 and out.startswith("1 mentions were posted more than 12 months ago (before ")
    assert err == "error: Nothing was deleted. Add --yes to delete them: python -m scrm purge --months 12 --yes\n"
    assert _count(person_db, "mentions") == 3
    code, out, err = run(capsys, "--db", str(person_db), "purge", "--months", "12", "--yes")
    assert code == 0, err
    assert out.startswith("Purged 1 mentions posted before ")
    assert _count(person_db, "mentions") == 2
    assert _audit(person_db) == [("cli", "purge", "mentions")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "No retention is set. Give --months N (e.g. --months 24), or set the retention on the Privacy requests page."),
        (["--months", "0"], "Retention must be a whole number of months, 1 or more (got '0'). For example: 24."),
    ],
)
def test_purge_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], person_db: Path, argv: list[str], message: str
) -> None:
    assert run(capsys, "--db", str(person_db), "purge", *argv) == (2, "", f"error: {message}\n")


def test_score_applies_the_retention_setting_first(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, person_db: Path
) -> None:
    from scrm.privacy import requests as gdpr

    _fake_engine(monkeypatch)
    db = store.open_db(person_db)
    gdpr.set_retention_months(db, 24, actor="ana")
    db.close()
    code, out, err = run(capsys, "--db", str(person_db), "score")
    assert code == 0, err
    assert re.fullmatch(
        r"retention: 1 mentions older than 24 months \(posted before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d UTC\) purged",
        out.splitlines()[0],
    )
    assert _count(person_db, "mentions") == 2
    code, out, _ = run(capsys, "--db", str(person_db), "score")
    assert not out.startswith("retention:")  # nothing old left: no line, no audit entry
    assert [a for a in _audit(person_db) if a[1] == "purge"] == [("cli", "purge", "mentions")]


def test_import_is_recorded_in_the_audit_log(capsys: pytest.CaptureFixture[str], mentions_csv: Path) -> None:
    path = mentions_csv.parent / "scrm.db"
    assert run(capsys, "--db", str(path), "import", "mentions", str(mentions_csv))[0] == 0
    db = store.open_db(path, create=False)
    try:
        actor, action, target, detail = db.execute("SELECT actor, action, target, detail FROM audit_log").fetchone()
    finally:
        db.close()
    assert (actor, action, target) == ("cli", "import", "mentions.csv")
    assert json.loads(detail) == {
        "import_id": 1, "rows_read": 4,
        "kinds": {"mentions": {"new": 2, "updated": 0, "unchanged": 0, "duplicates": 1, "quarantined": 1}},
    }
