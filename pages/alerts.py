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
from scrm.ui import language as UL
from scrm.ui import listening as loaders
from scrm.ui import loop
from scrm.ui.chart_text import chart_spec, vega_chart
from scrm.ui.filters import current_filters, platform_label
from scrm.ui.language import t
from scrm.ui.masking import masked_frame
from scrm.ui.missing import dataframe as show_table
from scrm.views import listening as L

NOT_COMPUTED = (
    "Alerts are not computed yet. Import mentions: alerts follow in the background (or use Recompute now on the Settings page)."
)
NO_ALERTS = "No alert was raised on these data: no spike in volume or negative sentiment, and no VIP detractor."
NO_MATCH = "No alert matches these filters. Clear the kind, brand or platform filter above, or widen the sidebar's date range."
PAGE_SIZE = 20
LABELS = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative", "unscored": "Not scored"}
SEVERITY = {"high": ("red", ":material/priority_high:"), "medium": ("orange", ":material/warning:")}
SEVERITY_NAMES = {"high": "High", "medium": "Medium"}
SEVERITY_BADGES = {"high": "High severity", "medium": "Medium severity"}
# The engine's names of the alert kinds (scrm.views.listening.ALERT_KIND_NAMES), as the page shows them.
KIND_NAMES = {"volume": "Volume spike", "negative": "Negative spike", "vip_detractor": "VIP detractor", "rule": "Workflow rule"}
RULE_KIND = "rule"  # alerts raised by workflow rules (scrm.act.rules.RULE_ALERT)


def _day(value: Any) -> str:
    try:
        return UL.format_date(pd.Timestamp(str(value)).date())
    except ValueError:
        return str(value)


def _kind_name(kind: Any) -> str:
    return t(KIND_NAMES[str(kind)]) if str(kind) in KIND_NAMES else str(kind)


def _present(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _title(alert: dict[str, Any]) -> str:
    """The expander label: severity, kind, where, when (untrusted parts escaped)."""
    sev = str(alert["severity"])
    severity = t(SEVERITY_NAMES[sev]) if sev in SEVERITY_NAMES else sev.title()
    if alert["kind"] == RULE_KIND:  # raised by a workflow rule (scrm.act.rules): named by the rule
        rule = t("Workflow rule “{name}”", name=ui.escape_markdown(_rule_name(alert)))
        return f"{severity} · {rule} · {_day(alert['period_start'])}"
    kind = _kind_name(alert["kind"])
    where = [str(alert["brand"]) if _present(alert["brand"]) else t("all brands")]
    if alert["scope"] == "platform" and _present(alert["platform"]):
        where.append(t("on {platform}", platform=platform_label(str(alert["platform"]))))
    if alert["scope"] == "topic" and _present(alert.get("topic_label")):
        where.append(t("theme “{theme}”", theme=alert["topic_label"]))
    if alert["scope"] == "customer" and _present(alert["customer_id"]):
        where.append(t("customer {customer} on {platform}", customer=alert["customer_id"], platform=platform_label(str(alert["platform"]))))
    start, end = _day(alert["period_start"]), _day(alert["period_end"])
    when = start if start == end else f"{start} – {end}"
    return f"{severity} · {kind} · {ui.escape_markdown(' '.join(where))} · {when}"


def _rule_name(alert: dict[str, Any]) -> str:
    try:
        rule = json.loads(str(alert.get("drivers") or "{}")).get("rule") or {}
    except (TypeError, ValueError, AttributeError):
        rule = {}
    return str(rule.get("name") or t("a rule")) if isinstance(rule, dict) else t("a rule")


def _explain(alert: dict[str, Any]) -> str:
    if alert["kind"] == RULE_KIND:
        total = int(alert["total"])
        return t(
            "The workflow rule “{rule}” matched 1 mention that day. Change the rule on the Workflow rules page." if total == 1
            else "The workflow rule “{rule}” matched {n} mentions that day. Change the rule on the Workflow rules page.",
            rule=_rule_name(alert), n=UL.format_number(total),
        )
    if alert["kind"] == "vip_detractor":
        return t(
            "A customer in the top 10% by lifetime value wrote {n} negative mention(s) of the brand in the last 30 days. "
            "The chart shows the brand's negative mentions on the same platform.",
            n=UL.format_number(alert["total"]),
        )
    numbers = {
        "peak": UL.format_number(alert["value"]), "usual": UL.format_number(alert["baseline"], decimals=1),
        "line": UL.format_number(alert["threshold"], decimals=1), "z": UL.format_number(alert["z"], decimals=1),
        "total": UL.format_number(alert["total"]), "days": UL.format_number(alert["days"]),
    }
    if alert["kind"] == "negative":
        return t(
            "Peak: {peak} negative mentions in a day, against a usual {usual} (alert line {line}, {z} deviations above); "
            "{total} negative mentions over {days} day(s).", **numbers,
        )
    return t(
        "Peak: {peak} mentions in a day, against a usual {usual} (alert line {line}, {z} deviations above); "
        "{total} mentions over {days} day(s).", **numbers,
    )


def _show_alert(path: str, version: int, alert: dict[str, Any]) -> None:
    sev = str(alert["severity"])
    colour = SEVERITY.get(sev, ("gray", ""))[0]
    st.badge(t(SEVERITY_BADGES[sev]) if sev in SEVERITY_BADGES else sev, color=colour)  # type: ignore[arg-type]
    st.markdown(ui.escape_markdown(_explain(alert)))
    # Close the loop: the customer's card (VIP detractor) and a case on this alert.
    loop.customer_link(_present(alert.get("customer_id")))
    loop.open_case_button(f"alert_{alert['alert_id']}", alert_id=alert["alert_id"])
    if alert["kind"] == RULE_KIND:
        _drivers(alert)
        return
    series = loaders.load_alert_series(path, version, int(alert["alert_id"]), alert)
    per_day = t("Negative per day") if alert["kind"] != "volume" else t("Mentions per day")
    spec = alert_chart_spec((path, version, int(alert["alert_id"])), series, _present(alert["threshold"]),
                            _present(alert["baseline"]), per_day)  # fmt: skip
    vega_chart(spec, width="stretch")
    _drivers(alert)


@st.cache_data(max_entries=64, show_spinner=False)
def alert_chart_spec(
    key: tuple[object, ...], _series: pd.DataFrame, threshold: float | None, baseline: float | None, title: str
) -> dict:
    """The alert's daily chart as a Vega-Lite spec, once per ``key`` (database, data version, alert):
    building and validating the Altair chart was a good part of every rerun."""
    return chart_spec(charts.alert_series_chart(_series, threshold=threshold, baseline=baseline, title=title))


def _drivers(alert: dict[str, Any]) -> None:
    drivers = L.alert_drivers(alert["drivers"])
    mentions, authors, topics = drivers["mentions"], drivers["authors"], drivers["topics"]
    if mentions.empty and authors.empty and topics.empty:
        st.caption(t("No drivers were recorded for this alert."))
        return
    if not mentions.empty:
        st.caption(t("Mentions that carried furthest (by the author's followers)"))
        shown = masked_frame(mentions, {"author": "handle", "text": "text"})
        if "posted_at" in shown.columns:
            shown = shown.assign(posted_at=shown["posted_at"].astype(str).str.slice(0, 16).str.replace("T", " ", regex=False))
        if "label" in shown.columns:
            shown = shown.assign(label=shown["label"].map(lambda v: t(LABELS[v]) if v in LABELS else v).astype(object))
        if "platform" in shown.columns:
            shown = shown.assign(platform=shown["platform"].map(lambda v: platform_label(str(v)) if _present(v) else v).astype(object))
        cols = [c for c in ("posted_at", "platform", "author", "followers", "label", "text") if c in shown.columns]
        event = show_table(
            shown[cols], hide_index=True, key=f"alert_{alert['alert_id']}_mentions",
            on_select="rerun", selection_mode="single-row",
            column_config={
                "posted_at": t("Posted (UTC)"), "platform": t("Platform"), "author": t("Author"),
                "followers": st.column_config.NumberColumn(t("Followers"), format="localized"),
                "label": st.column_config.TextColumn(t("Sentiment"), help=t("The label when the alert was raised.")),
                "text": st.column_config.TextColumn(t("Text (start)"), width="large"),
            },
        )
        picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
        if picked and picked[0] < len(shown) and "mention_id" in shown.columns:
            loaders.sentiment_corrector(
                ui.current_db_path(), ui.current_version(), str(shown.iloc[picked[0]]["mention_id"]),
                key=f"alert_{alert['alert_id']}_correct",
            )
        elif "mention_id" in shown.columns:
            st.caption(t("Select a mention to see how sure its sentiment is, or to correct it."))
    left, right = st.columns(2)
    with left:
        if not authors.empty:
            st.caption(t("Authors with most mentions in the period"))
            show_table(
                masked_frame(authors, {"author": "handle"}), hide_index=True,
                column_config={
                    "platform": t("Platform"), "author": t("Author"),
                    "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized"),
                    "followers": st.column_config.NumberColumn(t("Followers"), format="localized"),
                },
            )
    with right:
        if not topics.empty:
            st.caption(t("Themes most present in the period"))
            cols = [c for c in ("label", "mentions") if c in topics.columns]
            show_table(
                topics[cols], hide_index=True,
                column_config={"label": t("Theme"), "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized")},
            )


def _feed(path: str, version: int, f: Filters) -> None:
    brands, platforms = loaders.load_options(path, version)
    c1, c2, c3 = st.columns(3)
    kinds = c1.multiselect(t("Kind"), list(L.ALERT_KINDS), format_func=_kind_name, key="alerts_kinds", placeholder=t("All kinds"))
    chosen_brands = c2.multiselect(t("Brand"), brands, key="alerts_brands", placeholder=t("All brands"))
    chosen_platforms = c3.multiselect(t("Platform"), platforms, key="alerts_platforms", placeholder=t("All platforms"), format_func=platform_label)
    feed = loaders.load_alerts(path, version, f, tuple(kinds), tuple(chosen_brands), tuple(chosen_platforms))
    if feed.empty:
        st.info(t(NO_MATCH), icon=":material/filter_alt_off:")
        return
    counts = feed["severity"].value_counts()
    cols = st.columns(4)
    cols[0].metric(t("Alerts"), UL.format_number(len(feed)), border=True, help=t("Alerts in these filters."))
    cols[1].metric(t("High severity"), UL.format_number(int(counts.get("high", 0))), border=True,
                   help=t("Peak at least 6 deviations above the usual level, or a VIP detractor."))
    cols[2].metric(t("Latest"), _day(feed["period_end"].iloc[0]), border=True, help=t("End of the newest alert's period."))
    cols[3].metric(t("VIP detractors"), UL.format_number(int((feed["kind"] == "vip_detractor").sum())), border=True,
                   help=t("Top-decile customers by lifetime value who complained in the last 30 days."))
    # One incident per story: alerts of one kind about one brand (or customer) a few days apart, with a daily cap per kind.
    incidents, cap = loop.incident_feed(path, version, feed, key=(f, tuple(kinds), tuple(chosen_brands), tuple(chosen_platforms)))
    capped = int(incidents["capped"].astype(bool).sum())
    st.caption(t(
        "{alerts} alerts in {incidents} incidents (alerts of one kind about one brand or customer less than {days} days "
        "apart are one incident); at most {cap} incidents of a kind are listed per day.",
        alerts=UL.format_number(len(feed)), incidents=UL.format_number(len(incidents)), days=loop.INCIDENT_WINDOW_DAYS,
        cap=UL.format_number(cap),
    ))  # fmt: skip
    if capped and not st.toggle(t("Show the {n} incidents over the daily cap", n=UL.format_number(capped)), key="alerts_uncapped"):
        incidents = incidents[~incidents["capped"].astype(bool)].reset_index(drop=True)
    pages = max(1, -(-len(incidents) // PAGE_SIZE))
    page = 1
    if pages > 1:
        page = int(st.columns([1, 3])[0].number_input(t("Page (of {pages}, {size} alerts each)", pages=pages, size=PAGE_SIZE), 1, pages, 1, key="alerts_page"))
    part = incidents.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    for i, row in enumerate(part.to_dict("records")):
        alert = {str(k): v for k, v in row.items()}
        icon = SEVERITY.get(str(alert["severity"]), ("", ":material/notifications:"))[1]
        title = _title(alert)
        if int(alert.get("incident_alerts") or 1) > 1:
            title += " · " + t("{n} alerts from {start} to {end}", n=UL.format_number(int(alert["incident_alerts"])),
                               start=_day(alert["incident_start"]), end=_day(alert["incident_end"]))  # fmt: skip
        # Lazy: only an open alert reads its series; the newest one starts open.
        box = st.expander(
            title, expanded=(page == 1 and i == 0), key=f"alerts_open_{alert['alert_id']}",
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

st.title(t("Alerts"))
st.caption(t("Spikes in conversation volume or negative sentiment, and top customers who complain: newest first."))

everything = loaders.load_alerts(path, version, Filters())
if loaders.load_mention_count(path, version) == 0:
    st.info(t("No mentions yet. Import a mentions file on the Data page, or load the demo data there."), icon=":material/inbox:")
    st.page_link("pages/data.py", label=t("Go to the Data page"), icon=":material/upload_file:")
elif everything.empty and "kind" not in everything.columns:
    st.info(t(NOT_COMPUTED), icon=":material/pending:")
elif everything.empty:
    st.success(t(NO_ALERTS), icon=":material/check_circle:")
else:
    if filters.segment is not None or filters.langs:
        st.caption(t("Alerts are raised per brand, platform and theme: the segment and language filters do not apply here."))
    _feed(path, version, filters)
