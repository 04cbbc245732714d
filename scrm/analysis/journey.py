"""Customer journeys: a stage per customer, the transitions between stages, and feedback by phase.

:func:`refresh` writes three derived tables:

- ``journey`` (customer_id, stage, since, orders, last_order_at): the stage at ``as_of``;
- ``journey_transitions`` (from_stage, to_stage, customers, transitions, median_days):
  moves between stages seen in month-end snapshots, how many customers made
  each, and the median days spent in ``from_stage`` before the move
  (``from_stage = 'start'`` counts how customers enter the journey);
- ``feedback_phases`` (source, id, customer_id, phase, at, label): each survey
  answer and each mention by a linked customer, placed in a phase of the experience.

Touchpoints of a customer: own-brand mentions of the social profiles linked to
them (links with status ``linked``; brand replies excluded), orders, survey
answers (by customer id, or by e-mail when the survey has no id), and cases
(:mod:`scrm.act.cases`: the case's customer, else the customer linked to its
profile; a case counts from ``opened_at``, and as resolved from
``resolved_at`` while its status is ``resolved``).

Cases are written by the ``workflows`` stage and by the team's work on the
queue; ``python -m scrm score`` runs ``journey`` after ``workflows``, and
recomputes it when the team's work changed the cases (:mod:`scrm.compute`),
so a journey sees the cases the rules opened in the same run.

Stage rules, evaluated at a date *t* on touchpoints up to *t*, first that holds:

1. ``lapsed``: ordered before, but no order for more than :data:`LAPSED_DAYS` (365) days.
2. ``at_risk``: ordered before, and either
   a rescue case open at *t* (opened, not yet resolved: it keeps the customer
   at risk until the team resolves it), or no order for more than
   :data:`AT_RISK_FACTOR` (1.5) x their usual gap (the average gap between
   their orders, (last - first) / (orders - 1), at least :data:`MIN_GAP_DAYS` (30);
   :data:`DEFAULT_GAP_DAYS` (180) for one-order customers), or negative lately: within :data:`NEGATIVE_DAYS` (90) days, more
   negative signals (negative mentions, NPS 0-6) than positive ones (positive mentions, NPS 9-10).
   **Recovery**: once a rescue case is resolved and the customer then orders
   again, mentions the brand positively or answers a survey with 9-10, the
   negative signals up to that resolution no longer count (the complaint was
   dealt with and the customer came back); without such a sign after the
   resolution, the ordinary rules apply to the complaint.
3. ``advocate``: 2+ orders and, within 365 days, a positive mention, an NPS
   answer of 9-10, or a thank-you case (the team thanking them for praise).
4. ``repeat``: 2+ orders.
5. ``first_purchase``: one order.
6. ``engaged``: no order, but :data:`ENGAGED_MIN_MENTIONS` (2)+ mentions, a reply or DM, a survey answer, or a case.
7. ``aware``: no order, one mention.

The rules are evaluated at every snapshot on all customers at once: the
touchpoints are sorted by time once, customers numbered once, and each rule
is a count over a time window (:class:`_Timeline`), so a snapshot costs a few
array passes rather than a group-by over text ids.

``since`` is the first snapshot of the uninterrupted run of the current stage
(snapshots: every month end, plus ``as_of``), so it has month precision.
``journey`` also holds, at ``as_of``, ``cases`` (cases opened so far, any
queue), ``open_rescue_cases`` and ``recovered_at`` (the first sign of recovery
after the latest resolved rescue case, else empty).

Feedback phases, first that holds: ``support`` (a reply, a DM or a message in a
thread: ``in_reply_to`` set); ``pre_purchase`` (before the first order);
``purchase_delivery`` (within :data:`DELIVERY_DAYS` (30) days after an order);
``lapsed`` (more than 365 days after the last order); ``post_purchase`` (otherwise: use).
Support cases are feedback too (``source = 'case'``, ``id`` the case id,
``at`` when it was opened, ``label`` the sentiment of the mention that opened
it), placed by the same rules as that mention: ``support`` when it came as a
reply, a DM or in a thread, else by when it happened relative to the orders
(a request for help during delivery is ``purchase_delivery``). Rescue and
thank-you cases act on stages instead; their mentions are feedback already.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.analysis.roles import (
    linked_customers,
    profile_id_sql,
    resolve_as_of,
)
from scrm.analysis.stage import Progress, StageSummary
from scrm.db import schema as S
from scrm.db import store
from scrm.db.store import own_brand, table_exists

log = logging.getLogger(__name__)

JOURNEY = S.JOURNEY
JOURNEY_TRANSITIONS = S.JOURNEY_TRANSITIONS
FEEDBACK_PHASES = S.FEEDBACK_PHASES
CASES = S.CASES
RESCUE, THANK_YOU, SUPPORT, RESOLVED = S.QUEUE_RESCUE, S.QUEUE_THANK_YOU, S.QUEUE_SUPPORT, S.CASE_RESOLVED

STAGES = S.JOURNEY_STAGES
PHASES = S.JOURNEY_PHASES

LAPSED_DAYS = 365
AT_RISK_FACTOR = 1.5
DEFAULT_GAP_DAYS = 180  # a yearly-ish buyer's gap for one-order customers: at risk after 270 days
# Weekly buyers would flap between repeat and at risk over a fortnight's pause.
MIN_GAP_DAYS = 30
NEGATIVE_DAYS = 90
ADVOCATE_DAYS = 365
ENGAGED_MIN_MENTIONS = 2
DELIVERY_DAYS = 30
MAX_SNAPSHOTS = 60  # five years of month ends is plenty for transitions
CASE_COLUMNS = ("case_id", "customer_id", "queue", "at", "resolved_at", "label", "support")

def _days(delta: pd.Series) -> pd.Series:
    """Timedeltas as float days."""
    return delta.dt.total_seconds() / 86_400.0


def _ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="ISO8601").astype("datetime64[ns]")


def _empty_cases() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in CASE_COLUMNS})
    frame["at"] = frame["at"].astype("datetime64[ns]")
    frame["resolved_at"] = frame["resolved_at"].astype("datetime64[ns]")
    frame["support"] = frame["support"].astype(bool)
    return frame


def load_cases(db: sqlite_utils.Database, as_of: str, linked: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cases opened up to ``as_of`` with a customer: columns :data:`CASE_COLUMNS`, times parsed.

    The customer is the case's own, else the one linked to the case's profile
    (``linked``: ``profile_id -> customer_id``). ``resolved_at`` is kept only
    while the case is resolved; ``label`` and ``support`` describe the mention
    that opened the case (its sentiment label; a reply, DM or thread message).
    """
    if not table_exists(db, CASES):
        return _empty_cases()
    frame = store.read_frame(
        db,
        f"SELECT c.case_id, c.customer_id, c.profile_id, c.queue, c.opened_at AS at, "
        f"CASE WHEN c.status = :resolved THEN c.resolved_at END AS resolved_at, "
        f"coalesce(s.label, 'unscored') AS label, "
        f"CASE WHEN m.kind IN ('reply', 'dm') OR m.in_reply_to IS NOT NULL THEN 1 ELSE 0 END AS support "
        f"FROM {CASES} c LEFT JOIN {S.MENTIONS} m ON m.mention_id = c.mention_id "
        f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = c.mention_id "
        f"WHERE c.opened_at <= :as_of",
        {"as_of": as_of, "resolved": RESOLVED},
    )
    if frame.empty:
        return _empty_cases()
    if linked is None:
        linked = linked_customers(db)
    by_profile = linked.set_index("profile_id")["customer_id"]
    frame["customer_id"] = frame["customer_id"].astype(object)
    missing = frame["customer_id"].isna()
    frame.loc[missing, "customer_id"] = frame.loc[missing, "profile_id"].map(by_profile)
    frame = frame.dropna(subset=["customer_id"])
    frame["at"] = _ts(frame["at"])
    frame["resolved_at"] = _ts(frame["resolved_at"])
    frame["support"] = frame["support"].fillna(0).astype(bool)
    frame["label"] = frame["label"].astype(object)
    frame["queue"] = frame["queue"].astype(object)
    return frame.dropna(subset=["at"])[list(CASE_COLUMNS)].reset_index(drop=True)


def load_surveys(db: sqlite_utils.Database, as_of: str) -> pd.DataFrame:
    """Survey answers up to ``as_of`` with their customer: ``survey_id, customer_id, score, at`` (times as text).

    A survey without a customer id belongs to every customer whose e-mail
    matches its own after SQLite's ``lower(trim())``, one row each, in survey
    order and then customer order; answers that name nobody are left out.
    """
    # A LEFT JOIN on lower(trim(email)) made SQLite compare every survey with
    # every customer (no index serves the expression): 80 s for 30,000 surveys
    # and 100,000 customers, even when no survey lacked its customer id. The
    # e-mails are matched with a dict instead, and only when a survey needs it.
    columns = ["survey_id", "customer_id", "score", "at"]
    by_email = db.execute(
        f"SELECT 1 FROM {S.SURVEYS} WHERE answered_at <= ? AND customer_id IS NULL AND email IS NOT NULL LIMIT 1", [as_of]
    ).fetchone()
    if by_email is None:
        return store.read_frame(
            db,
            f"SELECT survey_id, customer_id, score, answered_at AS at FROM {S.SURVEYS} "
            "WHERE answered_at <= ? AND customer_id IS NOT NULL ORDER BY survey_id",
            [as_of],
        )
    customers: dict[object, list[object]] = {}
    for customer_id, key in db.execute(f"SELECT customer_id, lower(trim(email)) FROM {S.CUSTOMERS} WHERE email IS NOT NULL ORDER BY customer_id"):
        customers.setdefault(key, []).append(customer_id)
    rows = []
    for survey_id, customer_id, key, score, at in db.execute(
        f"SELECT survey_id, customer_id, CASE WHEN email IS NOT NULL THEN lower(trim(email)) END, score, answered_at FROM {S.SURVEYS} "
        "WHERE answered_at <= ? AND (customer_id IS NOT NULL OR email IS NOT NULL) ORDER BY survey_id",
        [as_of],
    ):
        if customer_id is not None:
            rows.append((survey_id, customer_id, score, at))
        else:
            rows.extend((survey_id, match, score, at) for match in customers.get(key, ()))
    return pd.DataFrame.from_records(rows, columns=columns)


def load_touchpoints(db: sqlite_utils.Database, as_of: str) -> dict[str, pd.DataFrame]:
    """Orders, mentions (of linked customers, own brand), surveys and cases up to ``as_of``, with parsed times."""
    orders = store.read_frame(
        db,
        f"SELECT customer_id, ordered_at AS at FROM {S.ORDERS} WHERE customer_id IS NOT NULL AND ordered_at <= ?",
        [as_of],
    )
    brand = own_brand(db)
    own = "AND (m.brand = :brand OR trim(coalesce(m.brand, '')) = '')" if brand else ""
    # Only mentions by linked profiles are touchpoints: filtering them in SQL reads
    # a few percent of the mentions instead of all of them before the merge.
    mentions = store.read_frame(
        db,
        f"SELECT m.mention_id, {profile_id_sql('m')} AS profile_id, m.posted_at AS at, m.kind, m.in_reply_to, "
        f"coalesce(s.label, 'unscored') AS label FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id "
        f"WHERE m.posted_at <= :as_of AND coalesce(m.from_brand, 0) = 0 {own} "
        f"AND {profile_id_sql('m')} IN (SELECT profile_id FROM {S.LINKS} WHERE status = :linked)",
        {"as_of": as_of, "brand": brand, "linked": S.LINKED},
    )
    linked = linked_customers(db)
    mentions = mentions.merge(linked, on="profile_id", how="inner").drop(columns="profile_id")
    surveys = load_surveys(db, as_of)
    out = {}
    for name, frame in (("orders", orders), ("mentions", mentions), ("surveys", surveys)):
        frame = frame.copy()
        frame["at"] = _ts(frame["at"])
        frame["customer_id"] = frame["customer_id"].astype(object)
        out[name] = frame.dropna(subset=["at"]).reset_index(drop=True)
    m = out["mentions"]
    m["support"] = m["kind"].isin(["reply", "dm"]).to_numpy() | m["in_reply_to"].notna().to_numpy()
    out["cases"] = load_cases(db, as_of, linked)
    return out


# Times as int64 nanoseconds: NaT is the smallest int64, so "no time" sorts before every touchpoint.
_NAT = np.iinfo(np.int64).min
_NEVER = np.iinfo(np.int64).max


def _ns(values: pd.Series) -> np.ndarray:
    return np.ascontiguousarray(values.astype("datetime64[ns]").to_numpy()).view("int64")


def _ns_at(t: pd.Timestamp) -> int:
    return int(pd.Timestamp(t).as_unit("ns").value)


def _nanos(days: int) -> int:
    return int(pd.Timedelta(days=days).value)


@dataclass
class _Kind:
    """One kind of touchpoint sorted by time: customer numbers, times (ns) and the columns the rules test."""

    code: np.ndarray
    at: np.ndarray
    columns: dict[str, np.ndarray]

    def upto(self, t: int) -> int:
        """How many touchpoints happened at or before ``t``: they are the first ones."""
        return int(np.searchsorted(self.at, t, side="right"))


@dataclass
class _State:
    """The rules evaluated at one date, one entry per customer of the timeline."""

    present: np.ndarray  # a touchpoint by then
    stage: np.ndarray
    cases: np.ndarray
    open_rescue: np.ndarray
    resolved_at: np.ndarray  # ns, _NAT without a resolved rescue case
    recovered_at: np.ndarray  # ns, _NAT without a sign of recovery


class _Timeline:
    """All touchpoints with customers numbered once (in sorted id order) and each kind sorted by time.

    The stage rules are evaluated at a date with counts over time windows
    (``np.bincount`` on slices of the sorted arrays) instead of grouping the
    frames by customer id at every snapshot: that grouping of text ids was
    most of the time of a journey at 100,000 customers.
    """

    def __init__(self, orders: pd.DataFrame, mentions: pd.DataFrame, surveys: pd.DataFrame, cases: pd.DataFrame | None) -> None:
        frames = {"orders": orders, "mentions": mentions, "surveys": surveys, "cases": _empty_cases() if cases is None else cases}
        # A touchpoint without a time is never "up to t"; the loaders guarantee a customer id.
        frames = {k: f[f["at"].notna().to_numpy() & f["customer_id"].notna().to_numpy()] for k, f in frames.items()}
        ids = np.concatenate([f["customer_id"].to_numpy(dtype=object) for f in frames.values()])
        codes, uniques = pd.factorize(ids, sort=True)
        self.ids = pd.Index(uniques, dtype=object)
        self.size = len(self.ids)
        bounds = np.cumsum([0, *(len(f) for f in frames.values())])
        m, s, c = frames["mentions"], frames["surveys"], frames["cases"]
        flags: dict[str, dict[str, pd.Series]] = {
            "orders": {},
            "mentions": {
                "negative": m["label"] == "negative",
                "positive": m["label"] == "positive",
                "support": m["support"].astype(bool),
            },
            "surveys": {"negative": s["score"] <= 6, "positive": s["score"] >= 9},
            "cases": {
                "rescue": c["queue"] == RESCUE,
                "thank_you": c["queue"] == THANK_YOU,
                "resolved": c["resolved_at"].notna(),
            },
        }
        self.kinds: dict[str, _Kind] = {}
        for i, (name, frame) in enumerate(frames.items()):
            at = _ns(frame["at"])
            order = np.argsort(at, kind="stable")
            extra = {k: np.asarray(v.fillna(False), dtype=bool)[order] for k, v in flags[name].items()}
            if name == "cases":
                extra["resolved_at"] = _ns(frame["resolved_at"])[order]
            self.kinds[name] = _Kind(codes[bounds[i] : bounds[i + 1]][order].astype(np.intp), at[order], extra)
        o_kind = self.kinds["orders"]
        # The first order ever is also the first up to any date by which the customer has ordered.
        self.first_order = np.full(self.size, _NEVER, dtype=np.int64)
        np.minimum.at(self.first_order, o_kind.code, o_kind.at)
        # Signs of recovery after a rescue case: orders, positive mentions, NPS 9-10, by time.
        mk, sk = self.kinds["mentions"], self.kinds["surveys"]
        sign_code = np.concatenate([o_kind.code, mk.code[mk.columns["positive"]], sk.code[sk.columns["positive"]]])
        sign_at = np.concatenate([o_kind.at, mk.at[mk.columns["positive"]], sk.at[sk.columns["positive"]]])
        # Only customers with a resolved rescue case can recover.
        ck = self.kinds["cases"]
        rescued = np.zeros(self.size, dtype=bool)
        rescued[ck.code[ck.columns["rescue"] & ck.columns["resolved"]]] = True
        keep = rescued[sign_code]
        order = np.argsort(sign_at[keep], kind="stable")
        self.signs = _Kind(sign_code[keep][order], sign_at[keep][order], {})

    @classmethod
    def of(cls, touch: dict[str, pd.DataFrame]) -> _Timeline:
        return cls(touch["orders"], touch["mentions"], touch["surveys"], touch.get("cases"))

    def _count(
        self, kind: _Kind, t: int, hi: int, flag: str | None = None, *, days: int | None = None, cut: np.ndarray | None = None
    ) -> np.ndarray:
        """Touchpoints per customer among the first ``hi`` of ``kind`` (those up to ``t``): with ``flag`` set,
        within ``days`` before ``t``, after the customer's ``cut`` time."""
        lo = 0 if days is None else int(np.searchsorted(kind.at[:hi], t - _nanos(days), side="right"))
        code = kind.code[lo:hi]
        keep = None if flag is None else kind.columns[flag][lo:hi]
        if cut is not None:
            after = kind.at[lo:hi] > cut[code]
            keep = after if keep is None else keep & after
        if keep is not None:
            code = code[keep]
        return np.bincount(code, minlength=self.size)

    def at(self, when: pd.Timestamp) -> _State:
        """Each customer's stage and rescue state at ``when`` (rules in the module docstring)."""
        t = _ns_at(when)
        o, m, s, c = (self.kinds[k] for k in ("orders", "mentions", "surveys", "cases"))
        ko, km, ks, kc = o.upto(t), m.upto(t), s.upto(t), c.upto(t)
        present = np.zeros(self.size, dtype=bool)
        for kind, k in ((o, ko), (m, km), (s, ks), (c, kc)):
            present[kind.code[:k]] = True
        n_orders = np.bincount(o.code[:ko], minlength=self.size)
        last = np.full(self.size, _NAT, dtype=np.int64)
        np.maximum.at(last, o.code[:ko], o.at[:ko])
        last_at = last.view("datetime64[ns]")
        days_since = _days(pd.Series(np.datetime64(t, "ns") - last_at)).to_numpy(dtype=float)
        span = _days(pd.Series(last_at - self.first_order.view("datetime64[ns]"))).to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            gap = np.where(n_orders >= 2, span / np.maximum(n_orders - 1, 1), DEFAULT_GAP_DAYS)
        gap = np.maximum(gap, MIN_GAP_DAYS)

        n_cases = np.bincount(c.code[:kc], minlength=self.size)
        rescue, resolved_by = c.columns["rescue"][:kc], c.columns["resolved"][:kc] & (c.columns["resolved_at"][:kc] <= t)
        open_rescue = np.bincount(c.code[:kc][rescue & ~resolved_by], minlength=self.size)
        resolved_at = np.full(self.size, _NAT, dtype=np.int64)
        done = rescue & resolved_by
        np.maximum.at(resolved_at, c.code[:kc][done], c.columns["resolved_at"][:kc][done])
        recovered_at = np.full(self.size, _NEVER, dtype=np.int64)
        if done.any():
            k = self.signs.upto(t)
            code, at = self.signs.code[:k], self.signs.at[:k]
            # A sign counts after the latest resolution (customers without one have none to come after).
            after = (resolved_at[code] != _NAT) & (at > resolved_at[code])
            np.minimum.at(recovered_at, code[after], at[after])
        recovered = recovered_at != _NEVER
        recovered_at[~recovered] = _NAT
        # A recovered customer's complaints up to the resolution no longer count.
        cut = np.where(recovered, resolved_at, _NAT)

        neg = self._count(m, t, km, "negative", days=NEGATIVE_DAYS, cut=cut) + self._count(s, t, ks, "negative", days=NEGATIVE_DAYS, cut=cut)
        pos = self._count(m, t, km, "positive", days=NEGATIVE_DAYS, cut=cut) + self._count(s, t, ks, "positive", days=NEGATIVE_DAYS, cut=cut)
        praise = (
            self._count(m, t, km, "positive", days=ADVOCATE_DAYS)
            + self._count(s, t, ks, "positive", days=ADVOCATE_DAYS)
            + self._count(c, t, kc, "thank_you", days=ADVOCATE_DAYS)
        )
        n_mentions = self._count(m, t, km)
        n_support = self._count(m, t, km, "support")
        n_surveys = self._count(s, t, ks)

        bought = n_orders >= 1
        with np.errstate(invalid="ignore"):
            lapsed = bought & (days_since > LAPSED_DAYS)
            overdue = days_since > AT_RISK_FACTOR * gap
        stage = np.select(
            [
                lapsed,
                bought & ((open_rescue > 0) | overdue | (neg > pos)),
                (n_orders >= 2) & (praise > 0),
                n_orders >= 2,
                bought,
                (n_mentions >= ENGAGED_MIN_MENTIONS) | (n_support > 0) | (n_surveys > 0) | (n_cases > 0),
            ],
            ["lapsed", "at_risk", "advocate", "repeat", "first_purchase", "engaged"],
            "aware",
        )
        return _State(present, stage, n_cases, open_rescue, resolved_at, recovered_at)

    def positions(self, ids: pd.Index) -> tuple[np.ndarray, np.ndarray]:
        """Positions of ``ids`` in the timeline and whether each is there."""
        pos = self.ids.get_indexer(ids)
        return np.where(pos >= 0, pos, 0), pos >= 0


def rescue_state(
    t: pd.Timestamp,
    ids: pd.Index,
    orders: pd.DataFrame,
    mentions: pd.DataFrame,
    surveys: pd.DataFrame,
    cases: pd.DataFrame,
) -> pd.DataFrame:
    """Rescue cases of customers ``ids`` at ``t`` (touchpoints up to ``t`` count; pure).

    Columns: ``open_rescue`` (rescue cases opened and not resolved by ``t``),
    ``resolved_at`` (the latest resolution of a rescue case by ``t``, NaT
    without one) and ``recovered_at`` (the first order, positive mention or
    NPS 9-10 after that resolution, NaT without one).
    """
    timeline = _Timeline(orders, mentions, surveys, cases)
    state = timeline.at(t)
    pos, known = timeline.positions(ids)
    return pd.DataFrame(
        {
            "open_rescue": np.where(known, state.open_rescue[pos], 0).astype("int64"),
            "resolved_at": np.where(known, state.resolved_at[pos], _NAT).view("datetime64[ns]"),
            "recovered_at": np.where(known, state.recovered_at[pos], _NAT).view("datetime64[ns]"),
        },
        index=ids,
    )


def stages_at(
    t: pd.Timestamp,
    orders: pd.DataFrame,
    mentions: pd.DataFrame,
    surveys: pd.DataFrame,
    cases: pd.DataFrame | None = None,
) -> pd.Series:
    """Each customer's stage at ``t`` from touchpoints (columns ``customer_id``, ``at``; mentions
    add ``label`` and ``support``, surveys ``score``, cases ``queue`` and ``resolved_at``).
    Customers with no touchpoint by ``t`` are absent; the index is sorted.

    Pure: see the module docstring for the rules.
    """
    timeline = _Timeline(orders, mentions, surveys, cases)
    state = timeline.at(t)
    if not state.present.any():
        return pd.Series(dtype=object)
    return pd.Series(state.stage[state.present], index=timeline.ids[state.present], dtype=object)


def snapshot_dates(first: pd.Timestamp, as_of: pd.Timestamp) -> list[pd.Timestamp]:
    """Month ends from ``first``'s month to before ``as_of``, then ``as_of`` (at most :data:`MAX_SNAPSHOTS`)."""
    ends = pd.date_range(first.to_period("M").to_timestamp(how="end").normalize(), as_of, freq="ME")
    dates = [d + pd.Timedelta(hours=23, minutes=59, seconds=59) for d in ends]
    dates = [d for d in dates if d < as_of][-(MAX_SNAPSHOTS - 1) :]
    return [*dates, as_of]


def stage_history(touch: dict[str, pd.DataFrame], dates: list[pd.Timestamp]) -> pd.DataFrame:
    """Long frame ``customer_id, at, stage``: each customer's stage at each snapshot date."""
    return _stage_history(_Timeline.of(touch), dates)


def _stage_history(timeline: _Timeline, dates: list[pd.Timestamp]) -> pd.DataFrame:
    parts = []
    for d in dates:
        state = timeline.at(d)
        if state.present.any():
            parts.append(pd.DataFrame({"customer_id": timeline.ids[state.present].astype(object), "at": d, "stage": state.stage[state.present].astype(object)}))
    if not parts:
        return pd.DataFrame({"customer_id": pd.Series(dtype=object), "at": pd.Series(dtype="datetime64[ns]"), "stage": pd.Series(dtype=object)})
    return pd.concat(parts, ignore_index=True)


def _runs(history: pd.DataFrame) -> pd.DataFrame:
    """Uninterrupted runs of one stage per customer: customer_id, stage, start, next_stage, next_start."""
    h = history.sort_values(["customer_id", "at"]).reset_index(drop=True)
    new_run = (h["stage"] != h["stage"].shift()) | (h["customer_id"] != h["customer_id"].shift())
    runs = h[new_run].reset_index(drop=True)
    same = runs["customer_id"] == runs["customer_id"].shift(-1)
    runs["next_stage"] = runs["stage"].shift(-1).where(same)
    runs["next_start"] = runs["at"].shift(-1).where(same)
    return runs.rename(columns={"at": "start"})


def summarise_history(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``journey``, ``journey_transitions``) frames from a stage history (pure)."""
    if history.empty:
        journey = pd.DataFrame({"customer_id": pd.Series(dtype=object), "stage": pd.Series(dtype=object), "since": pd.Series(dtype=object)})
        trans = pd.DataFrame(
            {c: pd.Series(dtype=object if c.endswith("stage") else "float64") for c in ("from_stage", "to_stage", "customers", "transitions", "median_days")}
        )
        return journey, trans
    runs = _runs(history)
    last = runs.groupby("customer_id").tail(1)
    journey = pd.DataFrame(
        {
            "customer_id": last["customer_id"].astype(object),
            "stage": last["stage"].astype(object),
            "since": last["start"].dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object),
        }
    )
    moves = runs[runs["next_stage"].notna()].copy()
    moves["days"] = _days(moves["next_start"] - moves["start"])
    first = runs.groupby("customer_id").head(1)
    entries = pd.DataFrame({"customer_id": first["customer_id"], "from_stage": "start", "to_stage": first["stage"], "days": np.nan})
    moves = pd.concat(
        [entries, moves.rename(columns={"stage": "from_stage", "next_stage": "to_stage"})[["customer_id", "from_stage", "to_stage", "days"]]],
        ignore_index=True,
    )
    trans = (
        moves.groupby(["from_stage", "to_stage"], as_index=False)
        .agg(customers=("customer_id", "nunique"), transitions=("customer_id", "size"), median_days=("days", "median"))
        .sort_values(["transitions", "from_stage", "to_stage"], ascending=[False, True, True])
        .reset_index(drop=True)
    )
    trans["from_stage"] = trans["from_stage"].astype(object)
    trans["to_stage"] = trans["to_stage"].astype(object)
    return journey.reset_index(drop=True), trans


def place_feedback(touch: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``feedback_phases`` rows: each survey answer, linked mention and support case with its phase (pure; rules above)."""
    m, s = touch["mentions"], touch["surveys"]
    c = touch.get("cases")
    c = _empty_cases() if c is None else c[c["queue"] == SUPPORT]
    survey_label = np.select([s["score"] >= 9, s["score"] >= 7, s["score"].notna()], ["positive", "neutral", "negative"], "unscored")
    parts = [
        pd.DataFrame({"source": "survey", "id": s["survey_id"].astype(object), "customer_id": s["customer_id"], "at": s["at"],
                      "label": survey_label, "support": False}),
        pd.DataFrame({"source": "mention", "id": m["mention_id"].astype(object), "customer_id": m["customer_id"], "at": m["at"],
                      "label": m["label"].astype(object), "support": m["support"].astype(bool)}),
    ]
    if not c.empty:
        parts.append(
            pd.DataFrame({"source": "case", "id": c["case_id"].astype("int64").astype(str).astype(object), "customer_id": c["customer_id"],
                          "at": c["at"], "label": c["label"].astype(object), "support": c["support"].astype(bool)})
        )
    items = pd.concat(parts, ignore_index=True)
    if items.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("source", "id", "customer_id", "phase", "at", "label")})
    orders = touch["orders"].sort_values("at")[["customer_id", "at"]].rename(columns={"at": "order_at"})
    # merge_asof wants the same dtype on both sides (empty frames come as float, text as str).
    orders["customer_id"] = orders["customer_id"].astype(object)
    items["customer_id"] = items["customer_id"].astype(object)
    orders["order_at"] = orders["order_at"].astype("datetime64[ns]")
    items["at"] = items["at"].astype("datetime64[ns]")
    firsts = orders.groupby("customer_id")["order_at"].min().rename("first_order_at")
    items = items.sort_values("at").reset_index(drop=True)
    # The latest order at or before each piece of feedback, per customer.
    placed = pd.merge_asof(
        items, orders[["customer_id", "order_at"]].sort_values("order_at"), left_on="at", right_on="order_at", by="customer_id", direction="backward"
    )
    placed = placed.merge(firsts, left_on="customer_id", right_index=True, how="left")
    since_order = _days(placed["at"] - placed["order_at"])
    phase = np.select(
        [
            placed["support"].to_numpy(dtype=bool),
            placed["order_at"].isna().to_numpy(),
            (since_order <= DELIVERY_DAYS).to_numpy(),
            (since_order > LAPSED_DAYS).to_numpy(),
        ],
        ["support", "pre_purchase", "purchase_delivery", "lapsed"],
        "post_purchase",
    )
    out = pd.DataFrame(
        {
            "source": placed["source"].astype(object),
            "id": placed["id"].astype(object),
            "customer_id": placed["customer_id"].astype(object),
            "phase": pd.Series(phase, index=placed.index, dtype=object),
            "at": placed["at"].dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object),
            "label": placed["label"].astype(object),
        }
    )
    return out.sort_values(["source", "id"]).reset_index(drop=True)


def case_summary(t: pd.Timestamp, touch: dict[str, pd.DataFrame], ids: pd.Index) -> pd.DataFrame:
    """``cases``, ``open_rescue_cases`` and ``recovered_at`` of customers ``ids`` at ``t`` (pure; index ``ids``)."""
    return _case_summary(_Timeline.of(touch), t, ids)


def _case_summary(timeline: _Timeline, t: pd.Timestamp, ids: pd.Index) -> pd.DataFrame:
    state = timeline.at(t)
    pos, known = timeline.positions(ids)
    recovered = np.where(known, state.recovered_at[pos], _NAT).view("datetime64[ns]")
    return pd.DataFrame(
        {
            "cases": np.where(known, state.cases[pos], 0).astype("int64"),
            "open_rescue_cases": np.where(known, state.open_rescue[pos], 0).astype("int64"),
            "recovered_at": pd.Series(recovered, dtype="datetime64[ns]").dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object).to_numpy(),
        },
        index=ids,
    )


def compute_journey(db: sqlite_utils.Database, *, as_of: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(``journey``, ``journey_transitions``, ``feedback_phases``) for the data up to ``as_of``, not stored."""
    when = pd.Timestamp(resolve_as_of(db, as_of))
    touch = load_touchpoints(db, when.strftime("%Y-%m-%dT%H:%M:%S"))
    starts = [f["at"].min() for f in touch.values() if not f.empty]
    timeline = _Timeline.of(touch)
    history = _stage_history(timeline, snapshot_dates(min(starts), when) if starts else [])
    journey, trans = summarise_history(history)
    o = touch["orders"].groupby("customer_id")["at"].agg(["count", "max"])
    journey = journey.merge(o, left_on="customer_id", right_index=True, how="left")
    journey = journey.rename(columns={"count": "orders", "max": "last_order_at"})
    journey["orders"] = journey["orders"].fillna(0).astype("int64")
    journey["last_order_at"] = journey["last_order_at"].dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object)
    journey = journey.join(_case_summary(timeline, when, pd.Index(journey["customer_id"])), on="customer_id")
    return journey.sort_values("customer_id").reset_index(drop=True), trans, place_feedback(touch)


def refresh(db: sqlite_utils.Database, *, as_of: str | None = None, progress: Progress | None = None) -> StageSummary:
    """Recompute and store ``journey``, ``journey_transitions`` and ``feedback_phases``.

    >>> db = store.open_db(":memory:")
    >>> refresh(db).rows
    0
    """
    started = time.perf_counter()
    if progress:
        progress(0.0, "Placing customers on their journey")
    journey, trans, feedback = compute_journey(db, as_of=as_of)
    with store.transaction(db):
        rows = store.replace_table(db, JOURNEY, journey, pk="customer_id", indexes=[("stage",)])
        store.replace_table(db, JOURNEY_TRANSITIONS, trans)
        store.replace_table(db, FEEDBACK_PHASES, feedback, indexes=[("customer_id",), ("phase",)])
    counts = journey["stage"].value_counts()
    message = (
        f"Placed {rows:,} customers on their journey ("
        + ", ".join(f"{int(counts.get(s, 0)):,} {s.replace('_', ' ')}" for s in STAGES)
        + f"); {len(feedback):,} pieces of feedback placed in a phase"
        + (f"; {int((journey['cases'] > 0).sum()):,} customers with cases, {int(journey['recovered_at'].notna().sum()):,} recovered after a rescue."
           if len(journey) and "cases" in journey else ".")
    )
    if progress:
        progress(1.0, "Journeys placed")
    return StageSummary("journey", rows, time.perf_counter() - started, message)
