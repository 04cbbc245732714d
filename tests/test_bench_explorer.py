"""The explorer's benchmark: every page's reads under random filters never seen before, and
the sentiment stage's one-core VADER baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scrm import bench
from scrm.db import schema as S
from scrm.db import store


def _context(tmp_path: Path, pages_db: Path) -> bench.BenchContext:
    context = bench.BenchContext(scale="small", rows=500, workdir=tmp_path, progress=lambda f, m: None)
    context.state["pages_db"] = pages_db
    return context


def test_random_filters_are_distinct_dated_and_the_same_for_the_same_seed() -> None:
    choices = bench.FilterChoices("2024-01-01", "2024-06-30", ("Acme", "Globex"), ("twitter", "reddit"), ("en",), (0, 1, 2))
    first = bench.random_filters(choices, 20, seed=3)
    assert first == bench.random_filters(choices, 20, seed=3) != bench.random_filters(choices, 20, seed=4)
    assert len(set(first)) == 20
    assert all(f.date_from and f.date_to and "2024-01-01" <= f.date_from <= f.date_to <= "2024-06-30" for f in first)
    assert any(f.segment is not None for f in first) and any(f.brands for f in first)


@pytest.mark.parametrize("page", ["overview", "listening", "segments", "advocates", "journey"])
def test_a_filter_stage_reports_the_median_and_worst_of_twenty_filters(
    tmp_path: Path, scored_demo_path: Path, page: str
) -> None:
    result = bench.STAGES[f"filter:{page}"](_context(tmp_path, scored_demo_path)).as_dict()
    assert "error" not in result, result
    assert result["stage"] == f"filter:{page}" and result["runs"] == bench.FILTER_RUNS
    assert 0 < result["median_seconds"] <= result["worst_seconds"]
    assert result["peak_rss_mb"] > 0 and result["budget_s"] == 2.0
    line = bench.format_report({"stages": [result], "peak_rss_mb": 1.0})[0]
    assert line.startswith(f"filter:{page}  20 filters  median ")


def test_a_page_without_filters_has_its_filter_stage_skipped(tmp_path: Path, scored_demo_path: Path) -> None:
    result = bench.STAGES["filter:settings"](_context(tmp_path, scored_demo_path)).as_dict()
    assert result["skipped"] == "the page has no filters"


def test_the_vader_baseline_scores_every_text_of_the_database(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "m.db")
    rows: list[Any] = [(f"m{i}", "twitter", "ana", text, "2024-01-01T00:00:00") for i, text in enumerate(["good", "bad", "meh"])]
    with store.transaction(db):
        store.upsert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"], rows)
    db.close()
    seconds, texts = bench.vader_baseline(tmp_path / "m.db")
    assert texts == 3 and seconds > 0
