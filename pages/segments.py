"""Segments: who the customers are by value, and whom to target.

RFM grid, named RFM segments, purchase frequency classes, clusters and value
against sentiment (a brush on the chart lists the customers). Every list
downloads as CSV and XLSX.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scrm import ui
from scrm.charts import segments as segment_charts
from scrm.db.filters import Filters
from scrm.ui import language as L
from scrm.ui import loop, tables
from scrm.ui import segments as U
from scrm.ui.filters import current_filters
from scrm.ui.language import t
from scrm.ui.missing import dataframe as show_table
from scrm.ui.notes import translate_segment_descriptions
from scrm.views import segments as V

ui.ensure_routed("pages/segments.py")
path = ui.current_db_path()
version = ui.current_version(path)
filters = current_filters()

st.title(t("Segments"))

# Rows drawn in a table; longer lists are complete in their downloads (a table of
# 20,000 rows costs more to send than the rest of the page and nobody scrolls it).
DISPLAY_LIMIT = 1000
MONEY = st.column_config.NumberColumn
LIST_CONFIG = {
    "customer_id": st.column_config.TextColumn(t("Customer")),
    "name": st.column_config.TextColumn(t("Name")),
    "email": st.column_config.TextColumn(t("E-mail")),
    "consent_marketing": st.column_config.CheckboxColumn(t("Consent"), help=t("Agreed to marketing (customers.consent_marketing).")),
    "rfm_segment": st.column_config.TextColumn(t("RFM segment")),
    "r_score": MONEY(t("R"), help=t("Recency score, 5 = bought most recently."), format="%d"),
    "f_score": MONEY(t("F"), help=t("Frequency score, 5 = most orders."), format="%d"),
    "m_score": MONEY(t("M"), help=t("Monetary score, 5 = most revenue."), format="%d"),
    "frequency_class": st.column_config.TextColumn(t("Frequency class")),
    "orders": MONEY(t("Orders"), format="%d"),
    "currency": st.column_config.TextColumn(
        t("Currency"), help=t("Of the customer's orders: revenue, average order and CLV are in it (never converted).")
    ),
    "revenue": MONEY(t("Revenue"), help=t("All orders up to the analysis date, returns deducted, in the row's currency."), format="%,.2f"),
    "aov": MONEY(t("Avg order"), help=t("Revenue / orders, in the row's currency."), format="%,.2f"),
    "clv": MONEY(t("CLV (12 mo)"), help=t("Expected revenue of the next 12 months (BG/NBD x Gamma-Gamma), in the row's currency."), format="%,.2f"),
    "clv_decile": MONEY(t("CLV decile"), help=t("10 = top 10 % by CLV."), format="%d"),
    "recency_days": MONEY(t("Days since last order"), format="%d"),
    "last_order_at": st.column_config.TextColumn(t("Last order (UTC)")),
    "segment_id": MONEY(t("Cluster"), format="%d"),
    "mentions": MONEY(t("Scored mentions"), format="%d"),
    "avg_sentiment": MONEY(t("Avg sentiment"), help=t("-1 (negative) to 1 (positive)."), format="%+.2f"),
}
SUMMARY_CONFIG = {
    "customers": MONEY(t("Customers"), format="%d"),
    "share": MONEY(t("Share"), help=t("Of the customers shown."), format="percent"),
    "avg_orders": MONEY(t("Avg orders"), format="%.1f"),
    "avg_recency_days": MONEY(t("Avg days since last order"), format="%.0f"),
}
MONEY_LABELS = {"revenue": "Revenue", "avg_clv": "Avg CLV (12 mo)"}


def money_config(frame: pd.DataFrame) -> dict[str, Any]:
    """Column settings for the per-currency money columns of a summary (``revenue_EUR`` -> "Revenue (EUR)")."""
    config: dict[str, Any] = {}
    for base, label in MONEY_LABELS.items():
        for column, currency in V.money_columns(frame, base):
            title = f"{label} ({ui.escape_markdown(currency)})" if currency else label
            config[column] = MONEY(title, help=t("Customers whose orders are in this currency; amounts are not converted."), format="%,.0f")
    return config


@st.cache_data(max_entries=16, show_spinner=False)
def load_money(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """Customers, revenue and average CLV per currency (:func:`scrm.views.segments.money_by_currency`)."""
    return V.money_by_currency(U.load_customer_values(db_path, data_version, filters))


def money_text(amount: float | None, currency: str | None) -> str:
    """``1.23M EUR``; the currency code comes from imported files, so it is escaped."""
    if amount is None or pd.isna(amount):
        return "–"
    text = ui.format_number(float(amount), money=True)
    return f"{text} {ui.escape_markdown(currency)}" if currency else text


CONSENT_LABEL = "Only customers who consented to marketing"


def show_list(frame: pd.DataFrame, file_stem: str, key: str, **wanted: object) -> None:
    """A customer list (``wanted``: :func:`scrm.views.segments.customer_list` filters) with its
    count, the consent box (on by default: a list is a campaign list) and the two downloads."""
    consented = st.checkbox(
        t(CONSENT_LABEL),
        value=True,
        key=f"segments_{key}_consent",
        help=t("Keep customers who agreed to marketing (customers.consent_marketing = yes) in the list and its "
        "downloads. Customers whose consent is unknown count as not consented."),
    )
    # Only the rows drawn are ordered and copied on a rerun; the downloads build the whole list when fetched.
    listing = V.customer_list_of(frame, consented_only=consented, **wanted)  # type: ignore[arg-type]
    more = (
        " " + t("The table shows the first {n}; the downloads hold all of them.", n=L.format_number(DISPLAY_LIMIT))
        if len(listing) > DISPLAY_LIMIT
        else ""
    )
    consent_note = (
        " " + t("{n} left out: no marketing consent, or consent unknown.", n=L.format_number(listing.left_out)) if consented else
        " " + t("Customers without marketing consent are included: do not use this list for a campaign.")
    )
    st.caption(t("{n} customers, highest CLV first.", n=L.format_number(len(listing))) + consent_note + more)
    head = listing.head(DISPLAY_LIMIT)
    # Segment and class names in the reader's language on screen; the downloads keep the stored names.
    # Each distinct name is translated once, then mapped onto its column.
    words = {
        c: head[c].map({v: t(v) for v in head[c].dropna().unique() if isinstance(v, str)}).fillna(head[c])
        for c in ("rfm_segment", "frequency_class") if c in head
    }
    event = st.dataframe(  # a selectable table keeps st.dataframe's own drawing
        tables.translate_cells(U.mask(head).assign(**words), L.lang()), hide_index=True, column_config=LIST_CONFIG, height=300,
        key=f"segments_{key}_table", on_select="rerun", selection_mode="single-row",
    )
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked and picked[0] < len(head):
        # Close the loop: a member's row leads to their Customer 360 card.
        loop.customer_link(head.iloc[picked[0]].get("customer_id"), head.iloc[picked[0]].get("name"))
    elif not head.empty:
        st.caption(t("Select a customer to open their Customer 360 card."))
    U.download_buttons(listing.frame, file_stem, f"segments_{key}", rows=len(listing))


reason = U.load_segments_reason(path, version)
if reason:
    st.info(reason, icon=":material/info:")
    st.stop()

values = U.load_customer_values(path, version, filters)
note = U.filter_note(filters, ("segment", "dates", "platforms", "brands", "langs"))
if values.empty:
    st.info(
        t("No customers match these filters. Clear the segment filter in the sidebar."),
        icon=":material/filter_alt_off:",
    )
    st.stop()

as_of = V.analysis_date(values)
st.caption(
    t("Scores as of {when} (the last recompute); RFM and CLV do not follow the date filter.",
      when=(L.format_date(as_of) if L.lang() != "en" else as_of) if as_of else t("the last run"))
    + (f" {note}" if note else "")
)
money = load_money(path, version, filters)
main = money.iloc[0] if len(money) else None
main_code = None if main is None or pd.isna(main["currency"]) else str(main["currency"])
in_main = f" ({ui.escape_markdown(main_code)})" if main_code else ""
tiles = st.columns(4)
tiles[0].metric(t("Customers"), ui.format_number(len(values)), help=t("Customers with at least one order."), border=True)
tiles[1].metric(
    t("Revenue") + in_main,
    ui.format_number(float(main["revenue"]) if main is not None else 0.0, money=True),
    help=(
        t("Orders up to the analysis date, returns deducted, of the {n} customers who buy in {currency}.",
          n=L.format_number(main["customers"]), currency=ui.escape_markdown(main_code))
        if main is not None and main_code else t("Orders up to the analysis date, returns deducted.")
    ) + " " + t("Amounts in other currencies are listed below, never converted or added."),
    border=True,
)
tiles[2].metric(
    t("Avg CLV, 12 months") + in_main if in_main else t("Avg CLV (12 months)"),
    ui.format_number(float(main["avg_clv"]) if main is not None and pd.notna(main["avg_clv"]) else 0.0, money=True),
    help=t("Expected revenue per customer over the next 12 months, in their currency."),
    border=True,
)
tiles[3].metric(
    t("Consented"),
    f"{values['consent_marketing'].mean():.0%}" if L.lang() == "en" else L.format_percent(values["consent_marketing"].mean() * 100, decimals=0),
    help=t("Share of these customers who agreed to marketing."),
    border=True,
)
if len(money) > 1:
    others = []
    for row in money.iloc[1:].to_dict("records"):
        code = None if pd.isna(row["currency"]) else str(row["currency"])
        others.append(
            t("{revenue} revenue and avg CLV {clv} from {n} customers", revenue=money_text(row["revenue"], code),
              clv=money_text(row["avg_clv"], code), n=L.format_number(int(row["customers"])))
            + ("" if code else " " + t("whose orders name no currency"))
        )  # fmt: skip
    st.caption(t("Other currencies, kept apart (not converted): {others}.", others="; ".join(others)))

summary, classes = U.load_segment_tables(path, version, filters)[1:]
specs = U.load_segment_charts(path, version, filters)
rfm_tab, named_tab, freq_tab, cluster_tab, scatter_tab = st.tabs(
    [t("RFM grid"), t("RFM segments"), t("Frequency classes"), t("Clusters"), t("Value × sentiment")]
)

with rfm_tab:
    st.vega_lite_chart(specs["rfm_grid"], width="stretch")
    st.caption(t("Customers per recency × frequency score cell (quintiles, 5 = best). Hover a cell for its revenue and average CLV."))
    left, right = st.columns(2)
    r = left.selectbox(t("Recency score"), [5, 4, 3, 2, 1], key="segments_r")
    fs = right.selectbox(t("Frequency score"), [1, 2, 3, 4, 5], index=4, key="segments_f")
    show_list(values, f"rfm-r{r}-f{fs}", "cell", r_score=r, f_score=fs)

with named_tab:
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.vega_lite_chart(specs["rfm_segments"], width="stretch")
    with right:
        show_table(
            summary.assign(rfm_segment=summary["rfm_segment"].map(t).astype(object)),
            hide_index=True,
            column_config={"rfm_segment": st.column_config.TextColumn(t("RFM segment")), **SUMMARY_CONFIG, **money_config(summary)},
        )
    names = summary["rfm_segment"].tolist()
    # The stored names are the keys (filters, downloads); the reader sees them in their language.
    chosen = st.selectbox(t("Customers in segment"), names, key="segments_rfm_segment", format_func=t)
    show_list(values, f"rfm-{str(chosen).lower().replace(' ', '-').replace(chr(39), '')}", "rfm", rfm_segment=chosen)

with freq_tab:
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.vega_lite_chart(specs["frequency_classes"], width="stretch")
    with right:
        show_table(
            classes.assign(frequency_class=classes["frequency_class"].map(t).astype(object)),
            hide_index=True,
            column_config={"frequency_class": st.column_config.TextColumn(t("Frequency class")), **SUMMARY_CONFIG, **money_config(classes)},
        )
    st.caption(
        t("one-off: a single purchase day · seasonal: 80 % of purchase days in one 2-month window · "
        "frequent: median gap ≤ 45 days and bought in the last 90 days · sporadic: everyone else.")
    )
    klass = st.selectbox(t("Customers in class"), classes["frequency_class"].tolist(), key="segments_class", format_func=t)
    show_list(values, f"frequency-{klass}", "class", frequency_class=klass)

with cluster_tab:
    clusters = U.load_cluster_profiles(path, version, filters)
    if clusters.empty:
        st.info(t("Clusters are not computed yet. They follow in the background (or use Recompute now on the Settings page)."), icon=":material/info:")
    else:
        words = dict(zip(clusters["segment_id"], translate_segment_descriptions(clusters, L.lang()), strict=True))
        show_table(
            clusters.assign(description=clusters["segment_id"].map(words)).drop(columns="description_message", errors="ignore"),
            hide_index=True,
            column_config={
                "segment_id": MONEY(t("Cluster"), format="%d"),
                "size": MONEY(t("Customers"), format="%d"),
                "share": MONEY(t("Share"), format="percent"),
                "description": st.column_config.TextColumn(t("In plain words"), width="large"),
                "main_platform": st.column_config.TextColumn(t("Main platform")),
                "centre_recency_days": MONEY(t("Centre: days since order"), format="%.0f"),
                "centre_orders": MONEY(t("Centre: orders"), format="%.1f"),
                "centre_revenue": MONEY(t("Centre: revenue"), help=t("Amounts as stored (currencies not converted)."), format="%,.0f"),
                "centre_clv": MONEY(t("Centre: CLV"), help=t("Amounts as stored (currencies not converted)."), format="%,.0f"),
                "centre_mentions": MONEY(t("Centre: mentions (90 d)"), format="%.1f"),
                "centre_sentiment": MONEY(t("Centre: sentiment"), format="%+.2f"),
                **money_config(clusters),
            },
        )
        st.caption(t("The centre is the typical member (k-means centre in original units). Filter the whole app by a cluster with the sidebar's segment filter."))
        ids = clusters["segment_id"].tolist()
        picked = st.selectbox(
            t("Customers in cluster"),
            ids,
            format_func=lambda i: f"{i}: {words[i]}",
            key="segments_cluster",
        )
        show_list(values, f"cluster-{picked}", "cluster", segment_id=picked)

with scatter_tab:
    points = U.load_value_sentiment(path, version, filters)
    if points.empty:
        st.info(
            t("No customer with a linked social profile has scored mentions here. Link profiles on Identity review "
            "(scores follow in the background), or widen the date range and clear the platform, brand and language filters."),
            icon=":material/info:",
        )
    else:
        st.caption(
            t("{n} customers with a linked social profile and scored mentions. "
              "Drag a box on the chart to list those customers below; double-click to clear.", n=L.format_number(len(points)))
        )
        event = st.vega_lite_chart(
            specs["value_sentiment"],
            width="stretch",
            on_select="rerun",
            key="segments_scatter",
        )
        if note := segment_charts.sample_note(len(points)):
            st.caption(note)
        brush = event.selection.get(segment_charts.VALUE_SENTIMENT_SELECTION) if event else None
        ranges: dict[str, tuple[float, float]] = {}
        if brush:
            if "avg_sentiment" in brush:
                ranges["avg_sentiment"] = (float(brush["avg_sentiment"][0]), float(brush["avg_sentiment"][-1]))
            if "clv_plot" in brush:
                ranges["clv_plot"] = (float(brush["clv_plot"][0]), float(brush["clv_plot"][-1]))
        chosen_points = V.in_ranges(points.assign(clv_plot=points["clv"].clip(lower=1.0)), ranges) if ranges else points
        st.markdown(t("**Selected customers**") if ranges else t("**All customers in the chart**"))
        show_list(chosen_points, "value-sentiment", "scatter")
