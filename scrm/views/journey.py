"""Journey map reads: the stage funnel, the flow between stages, time per stage,
feedback per phase and stage, and where customers drop off.

Pure reads of the tables :mod:`scrm.analysis.journey` writes (``journey``,
``journey_transitions``, ``feedback_phases``); nothing is recomputed here.
Every function returns an empty frame with its columns when those tables do
not exist yet (the page then says to run ``python -m scrm score``).

Filters: the segment filter narrows customers (``journey``,
``feedback_phases``); the date range narrows feedback by when it was given.
``journey_transitions`` is stored as totals over all customers, so the flow,
the time per stage and the drop-offs cannot follow the segment filter;
:func:`stage_time` offers the time spent *so far* in the current stage,
which does.

Cases (:mod:`scrm.act.cases`) show in two places: the funnel counts, per stage,
the customers with a case, their open rescue cases and the customers who
recovered after a rescue (``journey`` columns ``cases``,
``open_rescue_cases``, ``recovered_at``; zeros for a journey stored before
cases counted); feedback counts support cases per phase (``cases``). A
support case's tone is that of the mention that opened it, which is feedback
already: cases add to ``items`` but not to the positive / neutral / negative
counts, so no complaint is counted twice.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlite_utils

from scrm.analysis.journey import FEEDBACK_PHASES, JOURNEY, JOURNEY_TRANSITIONS, PHASES, STAGES
from scrm.analysis.roles import resolve_as_of
from scrm.db import dialect, store
from scrm.db import schema as S
from scrm.db.filters import Filters, segment_where
from scrm.db.store import table_exists

# The funnel's order: the path forward, then the two ways out of it.
FUNNEL_STAGES = ("aware", "engaged", "first_purchase", "repeat", "advocate")
EXIT_STAGES = ("at_risk", "lapsed")
STAGE_LABELS: dict[str, str] = {
    "start": "(start)",
    "aware": "Aware",
    "engaged": "Engaged",
    "first_purchase": "First purchase",
    "repeat": "Repeat",
    "advocate": "Advocate",
    "at_risk": "At risk",
    "lapsed": "Lapsed",
}
PHASE_LABELS: dict[str, str] = {
    "pre_purchase": "Before the first order",
    "purchase_delivery": "Purchase and delivery",
    "post_purchase": "Using the product",
    "support": "Support conversations",
    "lapsed": "After lapsing",
}
LABELS = S.SCORED_LABELS


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def journey_ready(db: sqlite_utils.Database) -> bool:
    """Whether the journey tables exist (``python -m scrm score`` ran)."""
    return all(table_exists(db, t) for t in (JOURNEY, JOURNEY_TRANSITIONS, FEEDBACK_PHASES))


def stage_funnel(db: sqlite_utils.Database, filters: Filters | None = None) -> pd.DataFrame:
    """Customers per current stage, every stage in journey order (zeros kept).

    Columns: stage, label, customers, share (of all customers shown), group
    (``path`` for aware..advocate, ``exit`` for at_risk and lapsed), order,
    with_cases (customers with at least one case), open_rescue_cases (rescue
    cases not resolved yet), recovered (customers whose latest resolved
    rescue case was followed by an order or praise).
    """
    columns = ["stage", "label", "customers", "share", "group", "order", "with_cases", "open_rescue_cases", "recovered"]
    if not table_exists(db, JOURNEY):
        return _empty(columns)
    where, params = segment_where(filters or Filters(), "j.customer_id")
    stored = set(dialect.columns(db, JOURNEY))
    case_sql = (
        ", sum(CASE WHEN j.cases > 0 THEN 1 ELSE 0 END) AS with_cases, sum(j.open_rescue_cases) AS open_rescue_cases, "
        "count(j.recovered_at) AS recovered"
        if {"cases", "open_rescue_cases", "recovered_at"} <= stored
        else ", 0 AS with_cases, 0 AS open_rescue_cases, 0 AS recovered"
    )
    counts = store.read_frame(
        db, f"SELECT j.stage, count(*) AS customers{case_sql} FROM {JOURNEY} j WHERE {where} GROUP BY j.stage", params
    )
    by_stage = counts.set_index("stage").to_dict("index") if not counts.empty else {}
    rows = [
        {
            "stage": stage,
            "label": STAGE_LABELS[stage],
            "customers": int(by_stage.get(stage, {}).get("customers", 0)),
            "group": "path" if stage in FUNNEL_STAGES else "exit",
            "order": i,
            **{k: int(by_stage.get(stage, {}).get(k) or 0) for k in ("with_cases", "open_rescue_cases", "recovered")},
        }
        for i, stage in enumerate(STAGES)
    ]
    out = pd.DataFrame(rows)
    total = out["customers"].sum()
    out["share"] = out["customers"] / total if total else 0.0
    return out[columns]


def transitions(db: sqlite_utils.Database) -> pd.DataFrame:
    """Moves between stages (all customers): from_stage, to_stage, labels, customers, transitions, median_days, share.

    ``share`` is the part of the customers leaving ``from_stage`` who went to
    ``to_stage``. Entries (``from_stage = 'start'``) are kept: they say how
    customers enter the journey.
    """
    columns = ["from_stage", "to_stage", "from_label", "to_label", "customers", "transitions", "median_days", "share"]
    if not table_exists(db, JOURNEY_TRANSITIONS):
        return _empty(columns)
    frame = store.read_frame(
        db, f"SELECT from_stage, to_stage, customers, transitions, median_days FROM {JOURNEY_TRANSITIONS}"
    )
    if frame.empty:
        return _empty(columns)
    frame["customers"] = pd.to_numeric(frame["customers"]).astype(int)
    frame["median_days"] = pd.to_numeric(frame["median_days"], errors="coerce")
    out_total = frame.groupby("from_stage")["customers"].transform("sum")
    frame["share"] = frame["customers"] / out_total
    frame["from_label"] = frame["from_stage"].map(STAGE_LABELS).fillna(frame["from_stage"])
    frame["to_label"] = frame["to_stage"].map(STAGE_LABELS).fillna(frame["to_stage"])
    order = {s: i for i, s in enumerate(("start", *STAGES))}
    frame = frame.sort_values(
        ["from_stage", "to_stage"], key=lambda s: s.map(order).fillna(len(order)), kind="stable"
    )
    return frame[columns].reset_index(drop=True)


def stage_time(db: sqlite_utils.Database, filters: Filters | None = None) -> pd.DataFrame:
    """Time per stage: days before moving on (all customers) and days so far in the current stage.

    Columns: stage, label, median_days_before_moving (the median days of the
    moves out of the stage, weighted by the customers who made each move),
    customers_moved, median_days_so_far (median days since the current
    customers entered the stage, up to the analysis date; follows the
    segment filter), customers_now.
    """
    columns = ["stage", "label", "median_days_before_moving", "customers_moved", "median_days_so_far", "customers_now"]
    if not table_exists(db, JOURNEY):
        return _empty(columns)
    moves = transitions(db)
    moves = moves[(moves["from_stage"] != "start") & moves["median_days"].notna()] if not moves.empty else moves
    before: dict[str, tuple[float, int]] = {}
    for stage, part in moves.groupby("from_stage") if not moves.empty else []:
        before[str(stage)] = (_weighted_median(part["median_days"], part["customers"]), int(part["customers"].sum()))

    where, params = segment_where(filters or Filters(), "j.customer_id")
    current = store.read_frame(db, f"SELECT j.stage, j.since FROM {JOURNEY} j WHERE {where}", params)
    as_of = pd.Timestamp(resolve_as_of(db, None)) if not current.empty else None
    so_far: dict[str, tuple[float, int]] = {}
    if as_of is not None:
        since = pd.to_datetime(current["since"], errors="coerce")
        current = current.assign(days=(as_of - since).dt.total_seconds() / 86400)
        for stage, part in current.groupby("stage"):
            so_far[str(stage)] = (float(part["days"].median()), len(part))
    rows = []
    for stage in STAGES:
        b = before.get(stage, (float("nan"), 0))
        s = so_far.get(stage, (float("nan"), 0))
        rows.append(
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "median_days_before_moving": b[0],
                "customers_moved": b[1],
                "median_days_so_far": s[0],
                "customers_now": s[1],
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _weighted_median(values: pd.Series, weights: pd.Series) -> float:
    order = values.sort_values().index
    v, w = values.loc[order].to_numpy(dtype=float), weights.loc[order].to_numpy(dtype=float)
    cumulative = w.cumsum()
    return float(v[(cumulative >= cumulative[-1] / 2).argmax()])


def _feedback_sql(filters: Filters, *, with_sentiment: bool) -> tuple[str, list[Any]]:
    seg, params = segment_where(filters, "f.customer_id")
    clauses = [seg]
    if filters.date_from:
        clauses.append("f.at >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        clauses.append("substr(f.at, 1, 10) <= ?")
        params.append(filters.date_to)
    sentiment = f"(SELECT s.score FROM {S.SENTIMENT} s WHERE s.mention_id = f.id)" if with_sentiment else "NULL"
    sql = f"""
        SELECT f.phase, f.source, f.label, f.customer_id,
               CASE WHEN f.source = 'mention' THEN {sentiment} END AS sentiment_score,
               CASE WHEN f.source = 'survey' THEN (SELECT v.score FROM {S.SURVEYS} v WHERE v.survey_id = f.id) END
                 AS nps_score
          FROM {FEEDBACK_PHASES} f
         WHERE {' AND '.join(clauses)}
    """
    return sql, params


def feedback_by(db: sqlite_utils.Database, filters: Filters | None = None, *, by: str = "phase") -> pd.DataFrame:
    """Sentiment and survey scores of customers' feedback, per experience phase or per current stage.

    ``by="phase"`` groups by the phase the feedback was given in
    (``feedback_phases.phase``); ``by="stage"`` by the customer's current
    journey stage. Columns: key, label, items (mentions, survey answers and
    support cases), mentions, surveys, cases, positive, neutral, negative
    (mentions and survey answers: a case's tone is its mention's),
    negative_share (of those), avg_sentiment (mean mention score in
    [-1, 1]), nps (promoters % - detractors % of the survey answers, None
    without answers), avg_score (mean survey score 0-10).
    """
    columns = [
        "key", "label", "items", "mentions", "surveys", "cases", "positive", "neutral", "negative",
        "negative_share", "avg_sentiment", "nps", "avg_score",
    ]
    if not table_exists(db, FEEDBACK_PHASES):
        return _empty(columns)
    sql, params = _feedback_sql(filters or Filters(), with_sentiment=table_exists(db, S.SENTIMENT))
    items = store.read_frame(db, sql, params)
    if items.empty:
        return _empty(columns)
    if by == "stage":
        stages = store.read_frame(db, f"SELECT customer_id, stage FROM {JOURNEY}") if table_exists(db, JOURNEY) else None
        if stages is None or stages.empty:
            return _empty(columns)
        items = items.merge(stages, on="customer_id", how="inner").rename(columns={"stage": "key"})
        keys: tuple[str, ...] = STAGES
        labels = STAGE_LABELS
    else:
        items = items.rename(columns={"phase": "key"})
        keys, labels = PHASES, PHASE_LABELS
    items["sentiment_score"] = pd.to_numeric(items["sentiment_score"], errors="coerce")
    items["nps_score"] = pd.to_numeric(items["nps_score"], errors="coerce")
    rows = []
    for key in keys:
        part = items[items["key"] == key]
        if part.empty:
            continue
        nps = part["nps_score"].dropna()
        voiced = part[part["source"] != "case"]
        counts = voiced["label"].value_counts()
        rows.append(
            {
                "key": key,
                "label": labels.get(key, key),
                "items": len(part),
                "mentions": int((part["source"] == "mention").sum()),
                "surveys": int((part["source"] == "survey").sum()),
                "cases": int((part["source"] == "case").sum()),
                **{label: int(counts.get(label, 0)) for label in LABELS},
                "negative_share": float(counts.get("negative", 0)) / len(voiced) if len(voiced) else None,
                "avg_sentiment": float(part["sentiment_score"].mean()) if part["sentiment_score"].notna().any() else None,
                "nps": float(((nps >= 9).mean() - (nps <= 6).mean()) * 100) if len(nps) else None,
                "avg_score": float(nps.mean()) if len(nps) else None,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def drop_offs(db: sqlite_utils.Database, limit: int = 5) -> pd.DataFrame:
    """The largest moves into at risk or lapsed (all customers), largest first.

    Columns: from_stage, to_stage, from_label, to_label, customers, share
    (of the customers leaving ``from_stage``), median_days.
    """
    columns = ["from_stage", "to_stage", "from_label", "to_label", "customers", "share", "median_days"]
    moves = transitions(db)
    if moves.empty:
        return _empty(columns)
    out = moves[moves["to_stage"].isin(EXIT_STAGES) & (moves["from_stage"] != "start")]
    out = out.sort_values(["customers", "from_stage"], ascending=[False, True], kind="stable")
    return out[columns].head(limit).reset_index(drop=True)


def segment_names(db: sqlite_utils.Database) -> dict[int, str]:
    """``segment_id -> "3: low value, long lapsed buyers"`` from ``segment_profiles`` (empty before scoring)."""
    if not table_exists(db, S.SEGMENT_PROFILES):
        return {}
    rows = db.execute(f"SELECT segment_id, description FROM {S.SEGMENT_PROFILES} ORDER BY segment_id").fetchall()
    return {int(i): f"{i}: {d}" if d else str(i) for i, d in rows}
