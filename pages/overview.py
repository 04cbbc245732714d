"""Overview: how the brand is doing now against the period before, and what moved.

KPI tiles (value, change against the previous period of the same length,
weekly sparkline, formula in the help), weekly volume and net sentiment by
brand, the alerts of the period and the topics, authors and segments behind
the change. The global filters of the sidebar apply; the whole view can be
downloaded as a self-contained HTML report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import streamlit as st

from scrm import ui
from scrm.db.filters import Filters
from scrm.i18n import formats as F
from scrm.ui import listening as listening_loaders
from scrm.ui import masking as ui_privacy
from scrm.ui import overview as loaders
from scrm.ui import tables
from scrm.ui.chart_text import vega_chart
from scrm.ui.filters import current_filters
from scrm.ui.language import lang, t
from scrm.ui.missing import dataframe as show_table
from scrm.ui.notes import translate_note, translate_segment_description
from scrm.views import overview as O

EMPTY_MESSAGE = "No data yet. Load the demo or import your files on the Data page."
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Conversation", O.TILE_KEYS[0:4]),
    ("Customers", O.TILE_KEYS[4:8]),
    ("Relationships", O.TILE_KEYS[8:12]),
)
DELTA_COLOURS: dict[bool | None, Literal["normal", "inverse", "off"]] = {
    True: "normal",
    False: "inverse",
    None: "off",
}
RANK_LABELS = {"volume": "Change in mentions", "sentiment": "Change in net sentiment"}
MOVER_TITLES = {"topics": "Topic", "authors": "Author", "segments": "Segment"}
PAGES_DIR = Path(__file__).resolve().parent
# KPI notes that point to a setting (a currency without a rate, the own brand) link to it.
SETTINGS_LINK = "[Open the Settings page](/settings)"
SETTING_WORDS = ("exchange rate", "own brand", "reporting currency")


def _range_words(periods: O.Periods) -> tuple[str, str]:
    cur, prev = periods.current, periods.previous
    assert cur.date_from and cur.date_to and prev.date_from and prev.date_to
    language = lang()
    if language != "en":
        return F.format_date_range(cur.date_from, cur.date_to, language), F.format_date_range(
            prev.date_from, prev.date_to, language
        )
    now = f"{O.format_day(cur.date_from)} – {O.format_day(cur.date_to)}"
    before = f"{O.format_day(prev.date_from)} – {O.format_day(prev.date_to)}"
    return now, before


def _value(value: Any, unit: str, currency: str | None, key: str, *, compact: bool = False) -> str:
    """A KPI value in the reader's locale (English keeps the engine's own format)."""
    language = lang()
    if language == "en":
        return O.format_value(value, unit, currency, key=key, compact=compact)
    number = None if value is None or (isinstance(value, float) and pd.isna(value)) else float(value)
    return F.format_kpi(number, unit, language, currency, points=key in O.POINTS_KEYS, compact=compact)


def _change(change: Any, change_pct: Any, unit: str, key: str, *, compact: bool = False) -> str | None:
    language = lang()
    if language == "en":
        return O.format_change(change, change_pct, unit, key=key, compact=compact)
    c = None if change is None or (isinstance(change, float) and pd.isna(change)) else float(change)
    pct = None if change_pct is None or (isinstance(change_pct, float) and pd.isna(change_pct)) else float(change_pct)
    return F.format_kpi_change(c, pct, unit, language, points_word=t("pts"))


def _unit_words(unit: str, currency: str | None, key: str) -> str:
    if unit == "percent":
        return t("points (-100 to 100)") if key in O.POINTS_KEYS else t("percent")
    if unit == "currency":
        return t("{currency} (reporting currency)", currency=currency) if currency else t("reporting currency")
    return t({"count": "count", "minutes": "minutes", "hours": "hours", "ratio": "ratio"}.get(unit, unit))


def _filled(values: list[float | None]) -> list[float]:
    """Weeks without a value (no survey, nothing scored) carry the last known one: a drop to 0 would be invented."""
    known = [v for v in values if v is not None]
    out, last = [], known[0] if known else 0.0
    for v in values:
        last = v if v is not None else last
        out.append(last)
    return out


def _tile(row: dict[str, Any], periods: O.Periods) -> None:
    key, unit = str(row["key"]), str(row["unit"])
    currency = row["currency"] if isinstance(row["currency"], str) else None
    label = t(str(row["name"])) + (f" ({ui.escape_markdown(currency)})" if currency else "")
    now, before = _range_words(periods)
    # The label names the currency; the value stays short enough for a narrow tile.
    value = _value(row["value"], unit, None, key, compact=True)
    # Help is markdown: the currency code comes from imported files, so it is escaped there.
    safe_currency = ui.escape_markdown(currency) if currency else None
    exact = _value(row["value"], unit, safe_currency, key)
    lines = [t(str(row["formula"])), t("**Unit:** {unit}.", unit=_unit_words(unit, safe_currency, key))]
    note = row["note"] if isinstance(row["note"], str) else None
    if row["snapshot"]:
        lines.append(
            t("**Now:** {value}, as of the last recompute of the scores (not per period, so no change is shown).", value=exact)
        )
        st.metric(
            label,
            value,
            delta=t("at the last score"),
            delta_color="off",
            delta_arrow="off",
            help="\n\n".join([*lines, *([ui.escape_markdown(translate_note(note, lang()))] if note else [])]),
            border=True,
        )
        return
    previous = _value(row["previous"], unit, safe_currency, key)
    lines.append(
        t("**This period** ({now}): {value}. **Previous period** ({before}): {previous}.",
          now=now, value=exact, before=before, previous=previous)
    )
    if note:
        lines.append(ui.escape_markdown(translate_note(note, lang())))
        if any(word in note for word in SETTING_WORDS):
            lines.append(t(SETTINGS_LINK))
    change = _change(row["change"], row["change_pct"], unit, key, compact=True)
    if change is not None:
        lines.append(
            t("**Change:** {change} against the previous {days} days.",
              change=_change(row["change"], row["change_pct"], unit, key), days=periods.days)
        )
    delta: str | int | None = change
    if change is not None and float(row["change"]) == 0:
        delta = 0  # a gray "0", not a green arrow
    spark = (
        row["spark"] if isinstance(row["spark"], list) and any(v is not None for v in row["spark"]) else None
    )
    if spark is not None:
        lines.append(
            t("The line shows the 7-day values of the last weeks, the newest on the right "
              "(a week without data repeats the week before).")
        )
    st.metric(
        label,
        value,
        delta=delta,
        delta_color=DELTA_COLOURS.get(row["higher_is_better"], "off"),
        help="\n\n".join(lines),
        border=True,
        chart_data=_filled(spark) if spark else None,
        chart_type="line",
    )


def _tiles(table: pd.DataFrame, periods: O.Periods) -> None:
    rows = {str(r["key"]): {str(k): v for k, v in r.items()} for r in table.to_dict("records")}
    for title, keys in GROUPS:
        st.markdown(f"**{t(title)}**")
        for column, key in zip(st.columns(len(keys)), keys, strict=True):
            with column:
                _tile(rows[key], periods)


def _trends(path: str, version: int, filters: Filters, periods: O.Periods) -> None:
    start, end = O.trend_range(periods)
    trends = loaders.load_trends(path, version, filters, start, end)
    st.subheader(t("Trends by week"))
    if trends.empty:
        st.info(
            t("No mentions match these filters in this range. Widen the date range or clear the brand, "
              "platform or language filter."),
            icon=":material/filter_alt:",
        )
        return
    own = loaders.load_own_brand(path, version)
    brands = tuple(listening_loaders.load_options(path, version)[0])  # every brand: the same colours as Listening
    left, right = st.columns(2, gap="large")
    with left:
        vega_chart(loaders.load_trend_spec(path, version, filters, periods, "mentions", own, brands), width="stretch")
    with right:
        if trends["net_sentiment"].notna().any():
            vega_chart(loaders.load_trend_spec(path, version, filters, periods, "net_sentiment", own, brands), width="stretch")
        else:
            st.info(
                t("No mention in this range is scored yet. Sentiment follows in the background (or use Recompute now on the Settings page).")
            )
    # The week start is a setting (Settings page): the data's own first week says which day it is.
    first_week = date.fromisoformat(str(trends["week"].iloc[0])[:10])
    week_day = first_week.strftime("%A") if lang() == "en" else F.weekday_name(first_week, lang())
    st.caption(
        t("The shaded band is the period the tiles describe. Weeks start on {day}; hollow points are weeks "
          "the range covers only in part. Net sentiment = % positive − % negative of the scored mentions.", day=week_day)
    )


def _alerts(path: str, version: int, filters: Filters, periods: O.Periods) -> None:
    st.subheader(t("Alerts in this period"))
    alerts = loaders.load_alerts(path, version, filters, periods, lang())
    if alerts.empty:
        st.caption(
            t("No alert in this period for these filters. Alerts are raised each time the scores are recomputed.")
        )
    else:
        shown = ui_privacy.masked_frame(alerts, {"top_authors": "text", "top_mention": "text"})
        show_table(
            shown[
                ["severity", "what", "period_start", "period_end", "top_authors", "top_topics", "top_mention"]
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "severity": st.column_config.TextColumn(t("Severity"), width="small"),
                "what": st.column_config.TextColumn(t("Alert"), width="large"),
                "period_start": st.column_config.TextColumn(t("From"), width="small"),
                "period_end": st.column_config.TextColumn(t("To"), width="small"),
                "top_authors": st.column_config.TextColumn(t("Top authors (mentions)")),
                "top_topics": st.column_config.TextColumn(t("Top topics (mentions)")),
                "top_mention": st.column_config.TextColumn(t("Most-followed mention")),
            },
        )
    if (PAGES_DIR / "alerts.py").exists():
        st.page_link(
            "pages/alerts.py", label=t("All alerts and what drives them"), icon=":material/notifications_active:"
        )


def _segment_words(label: object) -> object:
    """A segment mover's ``3: low value, lapsed buyers`` with its words in the reader's language."""
    number, found, description = str(label).partition(": ")
    return f"{number}: {translate_segment_description(description, lang())}" if found else label


def _movers(path: str, version: int, filters: Filters, periods: O.Periods) -> None:
    st.subheader(t("What moved"))
    now, before = _range_words(periods)
    by = (
        st.segmented_control(
            t("Rank by"),
            ["volume", "sentiment"],
            format_func={k: t(v) for k, v in RANK_LABELS.items()}.__getitem__,
            key="overview_movers_by",
            default="volume",
            help=t("Compares {now} with {before}. Sentiment ranks only those with at least "
                   "{n} scored mentions in both periods.", now=now, before=before, n=O.MIN_SCORED_FOR_SENTIMENT),
        )
        or "volume"
    )
    for tab, kind in zip(st.tabs([t("Topics"), t("Authors"), t("Segments")]), O.MOVER_KINDS, strict=True):
        with tab:
            movers = loaders.load_movers(path, version, filters, periods, kind, by)
            if kind == "topics":
                # A subject's themes in every language are one row, named in the reader's language.
                movers = O.name_subjects(movers, lang())
            elif kind == "segments":
                movers = movers.assign(label=movers["label"].map(_segment_words).astype(object))
            if movers.empty:
                reason = {
                    "topics": t("Topics are computed with the scores; none changed between the periods, or none exist yet."),
                    "authors": t("No author's mentions changed between the two periods for these filters."),
                    "segments": t("Segments are computed with the scores; their linked authors' mentions did not change, or no segments exist yet."),
                }[kind]
                if by == "sentiment":
                    reason = t(
                        "Nothing has at least {n} scored mentions in both periods. "
                        "Rank by change in mentions, or widen the date range.", n=O.MIN_SCORED_FOR_SENTIMENT
                    )
                st.caption(reason)
                continue
            if kind == "authors":
                movers = ui_privacy.masked_frame(movers, {"label": "handle"})
            columns = [
                "label",
                *(["platform"] if kind == "authors" else []),
                "now",
                "before",
                "change",
                "change_pct",
                "net_now",
                "net_before",
                "net_change",
            ]
            data, config = tables.localise(
                movers[columns],
                {
                    "label": st.column_config.TextColumn(t(MOVER_TITLES[kind]), width="large"),
                    "platform": st.column_config.TextColumn(t("Platform")),
                    "now": st.column_config.NumberColumn(t("Mentions now"), format="%d"),
                    "before": st.column_config.NumberColumn(t("Mentions before"), format="%d"),
                    "change": st.column_config.NumberColumn(t("Change"), format="%+d"),
                    "change_pct": st.column_config.NumberColumn(t("Change %"), format="%+.1f %%"),
                    "net_now": st.column_config.NumberColumn(t("Net sentiment now"), format="%+.1f"),
                    "net_before": st.column_config.NumberColumn(t("Net sentiment before"), format="%+.1f"),
                    "net_change": st.column_config.NumberColumn(t("Net change (pts)"), format="%+.1f"),
                },
                lang(),
            )
            st.dataframe(data, hide_index=True, width="stretch", column_config=config)
            if kind == "segments":
                st.caption(
                    t("Segment figures count the mentions of social profiles linked to the segment's customers.")
                )


ui.ensure_routed("pages/overview.py")
path = ui.current_db_path()
version = ui.current_version(path)
state = loaders.load_readiness(path, version)

st.title(t("Overview"))

if state.is_empty:
    st.info(t(EMPTY_MESSAGE), icon=":material/inbox:")
    st.page_link("pages/data.py", label=t("Go to the Data page"), icon=":material/upload_file:")
else:
    if ui.load_is_demo(path, version):
        st.caption(t("You are looking at generated demo data. Replace it with your own on the Data page."))
    filters = current_filters()
    periods = loaders.load_periods(path, version, filters)
    if periods is None:
        st.info(
            t("None of the mentions or orders has a date, so there is no period to describe. "
              "Import files with dates on the Data page."),
            icon=":material/event_busy:",
        )
        # What is stored, so the page is not blank: customers or surveys without dated activity.
        for column, (label, count) in zip(
            st.columns(4),
            (
                ("Customers", state.customers),
                ("Orders", state.orders),
                ("Mentions", state.mentions),
                ("Survey answers", state.surveys),
            ),
            strict=True,
        ):
            with column:
                st.metric(
                    t(label), F.format_number(count, lang()),
                    help=t("{n} stored rows.", n=F.format_number(count, lang())), border=True,
                )
    else:
        now, before = _range_words(periods)
        head, action = st.columns([5, 2], vertical_alignment="center")
        with head:
            st.markdown(t("**{now}** ({days} days), compared with {before}", now=now, days=periods.days, before=before))
            if periods.note:
                st.caption(periods.note)
        with action:
            # Gated (a caption for roles without auth.EXPORT) and recorded in the audit log when clicked.
            loaders.report_download_button(
                path, filters, ui_privacy.masked(),
                f"scrm-report-{periods.current.date_from}-to-{periods.current.date_to}.html",
            )
        if state.needs_score:
            st.warning(O.RUN_SCORE_SENTENCE, icon=":material/calculate:")
        table = loaders.load_kpis(path, version, filters, periods)
        if table.attrs.get("segment_note"):
            st.caption(table.attrs["segment_note"])
        if filters.segment is not None:
            st.caption(
                t("The segment filter applies to customer figures (revenue, customers, NPS, CLV, advocates); "
                  "mention figures cover every author.")
            )
        values = table.set_index("key")["value"]
        if not values.get("mentions") and not values.get("active_customers") and not values.get("revenue"):
            st.info(
                t("No mentions or orders match these filters from {now}. Widen the date range or clear the "
                  "brand, platform or language filter.", now=now),
                icon=":material/filter_alt:",
            )
        _tiles(table, periods)
        quarantined = ui.load_summary(path, version).quarantined
        if quarantined:
            st.warning(
                t("{n} row was set aside during imports.", n=F.format_number(quarantined, lang()))
                if quarantined == 1
                else t("{n} rows were set aside during imports.", n=F.format_number(quarantined, lang())),
                icon=":material/report:",
            )
            st.page_link("pages/data.py", label=t("Review them on the Data page"), icon=":material/fact_check:")
        _trends(path, version, filters, periods)
        _alerts(path, version, filters, periods)
        _movers(path, version, filters, periods)
