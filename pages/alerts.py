"""Alerts: spikes in conversation volume or negative sentiment, and VIP detractors, newest first.

Each alert opens on what drives it (the mentions that carried furthest, the
authors and the themes behind it) and the daily series around its period.
The feed comes from the ``alerts`` table that ``python -m scrm score``
writes (:mod:`scrm.analysis.alerts`); this page only reads it.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from scrm import ui
from scrm.charts import listening as charts
from scrm.db.filters import Filters
from scrm.ui import listening as loaders
from scrm.ui.filters import current_filters, platform_label
from scrm.ui.masking import masked_frame
from scrm.views import listening as L

NOT_COMPUTED = (
    "Alerts are not computed yet. Import mentions: alerts follow in the background (or use Recompute now on the Settings page)."
)
NO_ALERTS = "No alert was raised on these data: no spike in volume or negative sentiment, and no VIP detractor."
NO_MATCH = "No alert matches these filters. Clear the kind, brand or platform filter above, or widen the sidebar's date range."
PAGE_SIZE = 20
SEVERITY = {"high": ("High", "red", ":material/priority_high:"), "medium": ("Medium", "orange", ":material/warning:")}
RULE_KIND = "rule"  # alerts raised by workflow rules (scrm.act.rules.RULE_ALERT)
SCOPES = {"brand": "all platforms", "platform": "platform", "topic": "theme", "customer": "customer"}


def _day(value: Any) -> str:
    try:
        return pd.Timestamp(str(value)).strftime("%-d %b %Y")
    except ValueError:
        return str(value)


def _count(n: Any, noun: str) -> str:
    number = int(n)
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _present(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _title(alert: dict[str, Any]) -> str:
    """The expander label: severity, kind, where, when (untrusted parts escaped)."""
    severity = SEVERITY.get(str(alert["severity"]), (str(alert["severity"]).title(), "gray", ""))[0]
    if alert["kind"] == RULE_KIND:  # raised by a workflow rule (scrm.act.rules): named by the rule
        return f"{severity} · Workflow rule “{ui.escape_markdown(_rule_name(alert))}” · {_day(alert['period_start'])}"
    kind = L.ALERT_KIND_NAMES.get(str(alert["kind"]), str(alert["kind"]))
    where = [str(alert["brand"]) if _present(alert["brand"]) else "all brands"]
    if alert["scope"] == "platform" and _present(alert["platform"]):
        where.append(f"on {alert['platform']}")
    if alert["scope"] == "topic" and _present(alert.get("topic_label")):
        where.append(f"theme “{alert['topic_label']}”")
    if alert["scope"] == "customer" and _present(alert["customer_id"]):
        where.append(f"customer {alert['customer_id']} on {alert['platform']}")
    start, end = _day(alert["period_start"]), _day(alert["period_end"])
    when = start if start == end else f"{start} – {end}"
    return f"{severity} · {kind} · {ui.escape_markdown(' '.join(where))} · {when}"


def _rule_name(alert: dict[str, Any]) -> str:
    try:
        rule = json.loads(str(alert.get("drivers") or "{}")).get("rule") or {}
    except (TypeError, ValueError, AttributeError):
        rule = {}
    return str(rule.get("name") or "a rule") if isinstance(rule, dict) else "a rule"


def _explain(alert: dict[str, Any]) -> str:
    if alert["kind"] == RULE_KIND:
        return (
            f"The workflow rule “{_rule_name(alert)}” matched {_count(alert['total'], 'mention')} that day. "
            "Change the rule on the Workflow rules page."
        )
    if alert["kind"] == "vip_detractor":
        return (
            f"A customer in the top 10% by lifetime value wrote {_count(alert['total'], 'negative mention')} "
            "of the brand in the last 30 days. The chart shows the brand's negative mentions on the same platform."
        )
    what = "negative mentions" if alert["kind"] == "negative" else "mentions"
    return (
        f"Peak: {alert['value']:,.0f} {what} in a day, against a usual {alert['baseline']:,.1f} "
        f"(alert line {alert['threshold']:,.1f}, {alert['z']:,.1f} deviations above); "
        f"{alert['total']:,.0f} {what} over {_count(alert['days'], 'day')}."
    )


def _show_alert(path: str, version: int, alert: dict[str, Any]) -> None:
    label, colour, _ = SEVERITY.get(str(alert["severity"]), (str(alert["severity"]), "gray", ""))
    st.badge(f"{label} severity", color=colour)  # type: ignore[arg-type]
    st.markdown(ui.escape_markdown(_explain(alert)))
    if alert["kind"] == RULE_KIND:
        _drivers(alert)
        return
    series = loaders.load_alert_series(path, version, int(alert["alert_id"]), alert)
    per_day = "Negative per day" if alert["kind"] != "volume" else "Mentions per day"
    st.altair_chart(
        charts.alert_series_chart(series, threshold=_present(alert["threshold"]), baseline=_present(alert["baseline"]), title=per_day),
        width="stretch",
    )
    _drivers(alert)


def _drivers(alert: dict[str, Any]) -> None:
    drivers = L.alert_drivers(alert["drivers"])
    mentions, authors, topics = drivers["mentions"], drivers["authors"], drivers["topics"]
    if mentions.empty and authors.empty and topics.empty:
        st.caption("No drivers were recorded for this alert.")
        return
    if not mentions.empty:
        st.caption("Mentions that carried furthest (by the author's followers)")
        shown = masked_frame(mentions, {"author": "handle", "text": "text"})
        if "posted_at" in shown.columns:
            shown = shown.assign(posted_at=shown["posted_at"].astype(str).str.replace("T", " ", regex=False))
        cols = [c for c in ("posted_at", "platform", "author", "followers", "label", "text") if c in shown.columns]
        event = st.dataframe(
            shown[cols], hide_index=True, key=f"alert_{alert['alert_id']}_mentions",
            on_select="rerun", selection_mode="single-row",
            column_config={
                "posted_at": "Posted (UTC)", "platform": "Platform", "author": "Author",
                "followers": st.column_config.NumberColumn("Followers", format="localized"),
                "label": st.column_config.TextColumn("Sentiment", help="The label when the alert was raised."),
                "text": st.column_config.TextColumn("Text (start)", width="large"),
            },
        )
        picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
        if picked and picked[0] < len(shown) and "mention_id" in shown.columns:
            loaders.sentiment_corrector(
                ui.current_db_path(), ui.current_version(), str(shown.iloc[picked[0]]["mention_id"]),
                key=f"alert_{alert['alert_id']}_correct",
            )
        elif "mention_id" in shown.columns:
            st.caption("Select a mention to see how sure its sentiment is, or to correct it.")
    left, right = st.columns(2)
    with left:
        if not authors.empty:
            st.caption("Authors with most mentions in the period")
            st.dataframe(
                masked_frame(authors, {"author": "handle"}), hide_index=True,
                column_config={
                    "platform": "Platform", "author": "Author",
                    "mentions": st.column_config.NumberColumn("Mentions", format="localized"),
                    "followers": st.column_config.NumberColumn("Followers", format="localized"),
                },
            )
    with right:
        if not topics.empty:
            st.caption("Themes most present in the period")
            cols = [c for c in ("label", "mentions") if c in topics.columns]
            st.dataframe(
                topics[cols], hide_index=True,
                column_config={"label": "Theme", "mentions": st.column_config.NumberColumn("Mentions", format="localized")},
            )


def _feed(path: str, version: int, f: Filters) -> None:
    brands, platforms = loaders.load_options(path, version)
    c1, c2, c3 = st.columns(3)
    kinds = c1.multiselect("Kind", list(L.ALERT_KINDS), format_func=L.ALERT_KIND_NAMES.__getitem__, key="alerts_kinds", placeholder="All kinds")
    chosen_brands = c2.multiselect("Brand", brands, key="alerts_brands", placeholder="All brands")
    chosen_platforms = c3.multiselect("Platform", platforms, key="alerts_platforms", placeholder="All platforms", format_func=platform_label)
    feed = loaders.load_alerts(path, version, f, tuple(kinds), tuple(chosen_brands), tuple(chosen_platforms))
    if feed.empty:
        st.info(NO_MATCH, icon=":material/filter_alt_off:")
        return
    counts = feed["severity"].value_counts()
    cols = st.columns(4)
    cols[0].metric("Alerts", f"{len(feed):,}", border=True, help="Alerts in these filters.")
    cols[1].metric("High severity", f"{int(counts.get('high', 0)):,}", border=True,
                   help="Peak at least 6 deviations above the usual level, or a VIP detractor.")
    cols[2].metric("Latest", _day(feed["period_end"].iloc[0]), border=True, help="End of the newest alert's period.")
    cols[3].metric("VIP detractors", f"{int((feed['kind'] == 'vip_detractor').sum()):,}", border=True,
                   help="Top-decile customers by lifetime value who complained in the last 30 days.")
    pages = max(1, -(-len(feed) // PAGE_SIZE))
    page = 1
    if pages > 1:
        page = int(st.columns([1, 3])[0].number_input(f"Page (of {pages}, {PAGE_SIZE} alerts each)", 1, pages, 1, key="alerts_page"))
    part = feed.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    for i, row in enumerate(part.to_dict("records")):
        alert = {str(k): v for k, v in row.items()}
        _, _, icon = SEVERITY.get(str(alert["severity"]), ("", "", ":material/notifications:"))
        # Lazy: only an open alert reads its series; the newest one starts open.
        box = st.expander(
            _title(alert), expanded=(page == 1 and i == 0), key=f"alerts_open_{alert['alert_id']}",
            icon=icon or ":material/notifications:", on_change="rerun",
        )
        with box:
            if box.open:
                _show_alert(path, version, alert)
    # Downloads are not masked (the privacy switch is for screen sharing).
    export = feed.drop(columns=["drivers"], errors="ignore")
    loaders.download_buttons(export, "alerts", "alerts")


ui.ensure_routed("pages/alerts.py")
path = ui.current_db_path()
version = ui.current_version(path)
filters = current_filters()

st.title("Alerts")
st.caption("Spikes in conversation volume or negative sentiment, and top customers who complain: newest first.")

everything = loaders.load_alerts(path, version, Filters())
if loaders.load_mention_count(path, version) == 0:
    st.info("No mentions yet. Import a mentions file on the Data page, or load the demo data there.", icon=":material/inbox:")
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
elif everything.empty and "kind" not in everything.columns:
    st.info(NOT_COMPUTED, icon=":material/pending:")
elif everything.empty:
    st.success(NO_ALERTS, icon=":material/check_circle:")
else:
    if filters.segment is not None or filters.langs:
        st.caption("Alerts are raised per brand, platform and theme: the segment and language filters do not apply here.")
    _feed(path, version, filters)
