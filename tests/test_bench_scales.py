"""The bench's scales up to xl (1M customers, 10M orders, 10M mentions): the xl demo is made and
written part by part so that no process holds it whole, and the import's file limits follow the
bench's file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrm import bench, demo
from scrm.cli import build_parser
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import UsageError
from scrm.ingest import limits as L


def test_the_bench_offers_small_medium_large_and_xl_with_ten_million_mentions_at_xl() -> None:
    assert list(bench.SCALES) == ["small", "medium", "large", "xl"]
    assert bench.SCALES["xl"] == 10_000_000
    xl = demo.SCALES["xl"]
    assert (xl.customers, xl.orders, xl.mentions) == (1_000_000, 10_000_000, 10_000_000)


def test_the_command_line_accepts_scale_xl_for_the_bench_only() -> None:
    parser = build_parser()
    assert parser.parse_args(["bench", "--scale", "xl"]).scale == "xl"
    with pytest.raises(UsageError):
        parser.parse_args(["demo", "--scale", "xl"])


def test_the_db_option_says_it_takes_a_postgresql_url_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "postgresql://" in text
    assert "PATH_OR_URL" in text


def test_an_xl_engine_database_is_built_from_the_xl_demo() -> None:
    context = bench.BenchContext(scale="xl", rows=bench.SCALES["xl"], workdir=Path("."), progress=lambda f, m: None)
    assert bench.demo_scale_for(context) == "xl"


@pytest.fixture(scope="module")
def parted() -> Iterator[str]:
    """A tiny scale made in three parts, standing in for xl's fifty."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(demo.SCALES, "parted", demo.SCALES["tiny"])
        mp.setitem(demo.SHARDS, "parted", 3)
        yield "parted"


@pytest.fixture(scope="module")
def parts(parted: str) -> list[demo.DemoData]:
    return list(demo.generate_demo_parts(7, parted))


def test_a_sharded_demo_is_made_in_parts_with_ids_handles_and_emails_unique_across_them(parts: list[demo.DemoData]) -> None:
    assert len(parts) == 3
    for table, key in ((S.CUSTOMERS, "customer_id"), (S.ORDERS, "order_id"), (S.MENTIONS, "mention_id")):
        ids = [i for p in parts for i in p.tables[table][key]]
        assert len(ids) == len(set(ids)), table
    emails = [e.lower() for p in parts for e in p.tables[S.CUSTOMERS]["email"] if e]
    assert len(emails) == len(set(emails))
    # Orders and replies point inside their own part.
    for p in parts:
        customers = set(p.tables[S.CUSTOMERS]["customer_id"])
        assert set(p.tables[S.ORDERS]["customer_id"]) <= customers
        mentions = set(p.tables[S.MENTIONS]["mention_id"])
        assert {r for r in p.tables[S.MENTIONS]["in_reply_to"] if r} <= mentions
    tiny = demo.SCALES["tiny"]
    assert sum(p.rows(S.CUSTOMERS) for p in parts) == 3 * (tiny.customers // 3)


def test_a_sharded_demo_is_refused_whole_and_built_part_by_part_the_same_for_the_same_seed(
    parted: str, parts: list[demo.DemoData]
) -> None:
    with pytest.raises(Exception, match="part by part"):
        demo.generate_demo(7, parted)
    assert parts[0].tables[S.MENTIONS]["text"][:20] != parts[1].tables[S.MENTIONS]["text"][:20]  # each part draws its own
    db = store.open_db(":memory:")
    summary = demo.build_demo(db, seed=7, scale=parted, link=False)
    assert summary.counts[S.MENTIONS] == sum(p.rows(S.MENTIONS) for p in parts)
    stored = {r[0]: r[1] for r in db.execute(f"SELECT mention_id, text FROM {S.MENTIONS}").fetchall()}
    assert all(stored[i] == t for p in parts for i, t in zip(p.tables[S.MENTIONS]["mention_id"], p.tables[S.MENTIONS]["text"], strict=True))
    assert store.is_demo(db)
    assert '"parts": 3' in (store.get_meta(db, S.META_DEMO_STORY) or "")


def test_the_import_limits_are_raised_for_a_bench_file_past_them_and_restored_after(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("x\n")
    before = {k: os.environ.get(k) for k in ("SCRM_MAX_ROWS", "SCRM_MAX_CELLS")}
    with bench._file_limits_for(path, 10_000_000, 14):
        assert L.current().max_rows > 10_000_000
        assert L.current().max_cells >= 10_000_001 * 14
    assert {k: os.environ.get(k) for k in before} == before
    with bench._file_limits_for(path, 1_000, 14):
        assert {k: os.environ.get(k) for k in before} == before  # a file within the limits changes nothing
