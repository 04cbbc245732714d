"""The summaries stage: keeps the aggregates any filter is answered from (:mod:`scrm.db.summaries`).

It runs after sentiment (the labels), identity (the links) and segments (the
segment of each customer), which are dimensions of the summaries; it is
incremental by the days that new imports and collections touched.
"""

from __future__ import annotations

import time

import sqlite_utils

from scrm.analysis.stage import RAN, Progress, StageSummary
from scrm.db import summaries

STAGE = summaries.STAGE


def refresh(db: sqlite_utils.Database, *, progress: Progress | None = None) -> StageSummary:
    """Bring the summary tables up to date: the touched days after an import, everything otherwise."""
    t0 = time.perf_counter()
    done = summaries.refresh(db, progress=progress)
    what = {
        "full": "Summed every day",
        "days": f"Summed the days {done['first_day']} to {done['last_day']}",
        "none": "No new days to sum",
    }[done["mode"]]
    return StageSummary(STAGE, done["rows"], time.perf_counter() - t0, f"{what} ({done['rows']:,} rows).", RAN)
