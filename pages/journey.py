"""Journey map: where customers are, how they move, how long they stay, what they say, where they leave.

Reads what ``python -m scrm score`` stored (``journey``, ``journey_transitions``,
``feedback_phases``). The sidebar's segment filter narrows the funnel, the
time so far in each stage and the feedback; the date range narrows feedback.
The flow between stages is stored as totals over all customers, and says so.
Cases show as touchpoints: per stage (customers with a case, open rescue
cases, recoveries after a rescue) and, for support cases, per feedback phase.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scrm import ui
from scrm.db.filters import Filters
from scrm.ui import customer as U
from scrm.ui import language as L
from scrm.ui.filters import current_filters
from scrm.ui.language import t
from scrm.ui.missing import dataframe as show_table
from scrm.views import journey as J

GROUP_NAMES = {"phase": "Phase of the experience", "stage": "Customer's current stage"}


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%" if L.lang() == "en" else L.format_percent(x * 100, decimals=0)


def _funnel(path: str, version: int, filters: Filters, segment_label: str | None) -> bool:
    funnel = U.load_funnel(path, version, filters)
    total = int(funnel["customers"].sum())
    if total == 0:
        which = t("segment {name}", name=segment_label) if segment_label else t("these filters")
        st.info(
            t("No customer of {which} has a journey stage. "
              "Pick another segment or clear the segment filter in the sidebar.", which=ui.escape_markdown(which)),
            icon=":material/filter_alt_off:",
        )
        return False
    by = dict(zip(funnel["stage"], funnel["customers"], strict=True))
    on_path = sum(by.get(s, 0) for s in J.FUNNEL_STAGES)
    leaving = sum(by.get(s, 0) for s in J.EXIT_STAGES)
    tiles = st.columns(4)
    tiles[0].metric(t("Customers with a stage"), L.format_number(total), border=True)
    tiles[1].metric(t("On the path"), _pct(on_path / total), help=t("Aware to advocate."), border=True)
    tiles[2].metric(
        t("Repeat or advocate"),
        _pct((by.get("repeat", 0) + by.get("advocate", 0)) / total),
        help=t("Customers with two orders or more who are not at risk or lapsed."),
        border=True,
    )
    tiles[3].metric(t("At risk or lapsed"), _pct(leaving / total), help=t("Overdue for an order, negative lately, or no order for a year."), border=True)
    st.vega_lite_chart(U.load_funnel_spec(path, version, filters), width="stretch")
    _cases(funnel)
    return True


def _cases(funnel: pd.DataFrame) -> None:
    """Case touchpoints per stage: who has cases, open rescue cases, recoveries after a rescue."""
    if "with_cases" not in funnel or int(funnel["with_cases"].sum()) == 0:
        st.caption(
            t("No customer on the journey has a case yet. Cases the workflow rules open count from the next "
            "recompute of the journeys, which runs in the background after changes.")
        )
        return
    open_rescue = int(funnel["open_rescue_cases"].sum())
    recovered = int(funnel["recovered"].sum())
    with st.expander(
        t("Cases per stage: {with_cases} customers with a case, "
          "{open_rescue} open rescue cases, {recovered} customers recovered after a rescue",
          with_cases=L.format_number(int(funnel["with_cases"].sum())), open_rescue=L.format_number(open_rescue),
          recovered=L.format_number(recovered))
    ):
        shown = funnel[(funnel["with_cases"] > 0) | (funnel["open_rescue_cases"] > 0)]
        show_table(
            shown[["label", "customers", "with_cases", "open_rescue_cases", "recovered"]].assign(label=lambda f: f["label"].map(t)),
            hide_index=True,
            width="stretch",
            column_config={
                "label": t("Stage"),
                "customers": st.column_config.NumberColumn(t("Customers"), format="localized"),
                "with_cases": st.column_config.NumberColumn(t("Customers with a case"), format="localized"),
                "open_rescue_cases": st.column_config.NumberColumn(
                    t("Open rescue cases"), help=t("An open rescue case keeps a customer at risk until it is resolved."), format="localized"
                ),
                "recovered": st.column_config.NumberColumn(
                    t("Recovered after a rescue"),
                    help=t("Customers who ordered, praised the brand or gave 9-10 after their last rescue case was resolved."),
                    format="localized",
                ),
            },
        )
        st.caption(
            t("Cases as they were when the journeys were last computed: closing a case shows here after "
            "the next recompute, which runs in the background after changes.")
        )


def _flow(path: str, version: int, filtered: bool) -> None:
    moves = U.load_transitions(path, version)
    st.subheader(t("How customers move between stages"))
    if moves.empty:
        st.info(t("No moves between stages are stored yet. Import orders; the journeys follow in the background."))
        return
    st.vega_lite_chart(U.load_flow_spec(path, version), width="stretch")
    note = " " + t("The segment filter does not apply here: moves are stored as totals over all customers.") if filtered else ""
    st.caption(
        t("Each cell counts the customers who moved from the row's stage to the column's stage at least once, "
          "seen at month ends; \u201c(start)\u201d is the stage a customer entered the journey in.") + note
    )


def _drop_offs(drops: pd.DataFrame) -> None:
    st.subheader(t("Where customers drop off"))
    if drops.empty:
        st.info(t("No customer has moved to at risk or lapsed yet."), icon=":material/check_circle:")
        return
    top = drops.iloc[0]
    days = (
        " " + t("after a median {n} days", n=L.format_number(top["median_days"])) if pd.notna(top["median_days"]) else ""
    )
    st.markdown(
        t("The largest drop-off: **{n} customers** went from **{source}** to **{target}**{days}, "
          "{share} of those who left {source}.",
          n=L.format_number(int(top["customers"])), source=t(str(top["from_label"])), target=t(str(top["to_label"])),
          days=days, share=L.format_percent(float(top["share"]) * 100, decimals=0))
    )
    show_table(
        drops[["from_label", "to_label", "customers", "share", "median_days"]].assign(
            from_label=lambda f: f["from_label"].map(t), to_label=lambda f: f["to_label"].map(t)
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "from_label": t("From stage"),
            "to_label": t("To stage"),
            "customers": st.column_config.NumberColumn(t("Customers"), format="localized"),
            "share": st.column_config.NumberColumn(t("Share of those leaving the stage"), format="percent"),
            "median_days": st.column_config.NumberColumn(t("Median days before the move"), format="%.0f"),
        },
    )


def _stage_time(path: str, version: int, filters: Filters) -> None:
    times = U.load_stage_time(path, version, filters)
    st.subheader(t("Time spent per stage"))
    shown = times[(times["customers_moved"] > 0) | (times["customers_now"] > 0)]
    if shown.empty:
        st.info(t("No time per stage yet: no customer has a journey stage."))
        return
    st.vega_lite_chart(U.load_stage_time_spec(path, version, filters), width="stretch")
    st.caption(
        t("Blue: median days customers stayed in a stage before moving on (all customers, weighted by move). "
        "Orange: median days the customers in a stage now have been there so far (month precision).")
    )


def _feedback(path: str, version: int, filters: Filters) -> None:
    st.subheader(t("Sentiment and feedback"))
    by = st.segmented_control(
        t("Group feedback by"),
        options=["phase", "stage"],
        format_func=lambda key: t(GROUP_NAMES[key]),
        default="phase",
        key="journey_feedback_by",
    ) or "phase"
    feedback = U.load_feedback(path, version, filters, by)
    if feedback.empty:
        st.info(
            t("No feedback from known customers here: no survey answer and no mention by a linked profile "
            "matches these filters. Widen the date range or clear the segment filter."),
            icon=":material/forum:",
        )
        return
    st.vega_lite_chart(U.load_feedback_spec(path, version, filters, by), width="stretch")
    show_table(
        feedback[["label", "items", "mentions", "surveys", "cases", "negative_share", "avg_sentiment", "nps", "avg_score"]].assign(
            label=lambda f: f["label"].map(t)
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "label": t("Phase") if by == "phase" else t("Stage"),
            "items": st.column_config.NumberColumn(t("Feedback"), format="localized"),
            "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized"),
            "surveys": st.column_config.NumberColumn(t("Survey answers"), format="localized"),
            "cases": st.column_config.NumberColumn(
                t("Support cases"), help=t("Requests for help the team handled; their tone is that of their mention."), format="localized"
            ),
            "negative_share": st.column_config.NumberColumn(t("Negative"), format="percent"),
            "avg_sentiment": st.column_config.NumberColumn(
                t("Mean sentiment"), help=t("Mean score of the mentions, -1 (negative) to 1 (positive)."), format="%.2f"
            ),
            "nps": st.column_config.NumberColumn(
                t("NPS"), help=t("% promoters (9-10) minus % detractors (0-6) of the survey answers."), format="%.0f"
            ),
            "avg_score": st.column_config.NumberColumn(t("Mean survey score (0-10)"), format="%.1f"),
        },
    )


ui.ensure_routed("pages/journey.py")
db_path = ui.current_db_path()
data_version = ui.current_version(db_path)
filters = current_filters()

st.title(t("Journey map"))
if not U.load_journey_ready(db_path, data_version):
    st.info(
        t("The customer journey has not been computed yet. Import orders (and mentions or surveys), the journeys "
        "follow in the background, placing every customer on the journey."),
        icon=":material/route:",
    )
    st.page_link("pages/data.py", label=t("Go to the Data page"), icon=":material/upload_file:")
    st.stop()

segment_label = None
if filters.segment is not None:
    names = U.load_segment_names(db_path, data_version)
    segment_label = names.get(filters.segment, str(filters.segment))
    st.caption(t("Segment {name} (sidebar filter).", name=ui.escape_markdown(segment_label)))

st.subheader(t("Customers per stage"))
if _funnel(db_path, data_version, filters, segment_label):
    _flow(db_path, data_version, filters.segment is not None)
    left, right = st.columns(2, gap="large")
    with left:
        _drop_offs(U.load_drop_offs(db_path, data_version))
    with right:
        _stage_time(db_path, data_version, filters)
    _feedback(db_path, data_version, filters)
