"""Overview: what the database holds today, counted honestly.

Row counts, revenue, date coverage and weekly activity. The dashboard with
KPIs replaces this page once the analytics are built.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from scrm import charts, ui
from scrm.browse import DataSummary

EMPTY_MESSAGE = (
    "No data yet. Load the demo (python -m scrm demo) or import your files on the Data page."
)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _span(first: str | None, last: str | None) -> str:
    start, end = _day(first), _day(last)
    if start is None or end is None:
        return "no dates"
    days = (end - start).days + 1
    if days < 120:
        length = f"{days:,} days"
    elif days < 3 * 365:
        length = f"{days / 30.44:,.0f} months"
    else:
        length = f"{days / 365.25:,.1f} years"
    return f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y} ({length})"


def _revenue_tile(summary: DataSummary) -> str | None:
    """The revenue tile; returns a note to show under the tiles, if any."""
    if summary.revenue is None and len(summary.currencies) > 1:
        # Never add currencies up: show the main one and say what is left out.
        named = [(c, n, total) for c, n, total in summary.revenue_by_currency if c]
        named = [(ui.escape_markdown(c), n, t) for c, n, t in named]  # currency codes come from files
        currency, orders, total = named[0]
        others = "; ".join(f"{t:,.2f} {c} ({n:,} orders)" for c, n, t in named[1:])
        st.metric(
            f"Revenue ({currency})",
            ui.format_number(total, money=True),
            help=f"{total:,.2f} {currency} from {orders:,} orders in {currency} only. Not added: {others}.",
            border=True,
        )
        others_short = ", ".join(f"{ui.format_number(t, money=True)} {c}" for c, _n, t in named[1:])
        return f"Revenue counts {currency} orders only; not added: {others_short}."
    if summary.revenue is None:
        st.metric("Revenue", "none", help="No order has an amount.", border=True)
    elif summary.currency:
        st.metric(
            f"Revenue ({ui.escape_markdown(summary.currency)})",
            ui.format_number(summary.revenue, money=True),
            help=f"Sum of all order amounts ({summary.revenue:,.2f}); returns count negative.",
            border=True,
        )
    else:
        st.metric(
            "Revenue",
            ui.format_number(summary.revenue, money=True),
            help=f"Sum of all order amounts ({summary.revenue:,.2f}). The imported files name no currency.",
            border=True,
        )
    return None


ui.ensure_routed("pages/overview.py")
path = ui.current_db_path()
version = ui.current_version(path)
summary = ui.load_summary(path, version)

st.title("Overview")

if summary.is_empty:
    st.info(EMPTY_MESSAGE, icon=":material/inbox:")
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
else:
    if ui.load_is_demo(path, version):
        st.caption("You are looking at generated demo data. Replace it with your own on the Data page.")

    # Two rows of three: six tiles in a row cut numbers such as "100,000" short.
    tiles = [*st.columns(3), *st.columns(3)]
    with tiles[0]:
        st.metric(
            "Customers", ui.format_number(summary.customers), help=f"{summary.customers:,} customer records.", border=True
        )
    with tiles[1]:
        st.metric(
            "Orders",
            ui.format_number(summary.orders),
            help=f"{summary.orders:,} orders, of which {summary.guest_orders:,} without a customer (guest orders).",
            border=True,
        )
    with tiles[2]:
        revenue_note = _revenue_tile(summary)
    with tiles[3]:
        st.metric(
            "Mentions",
            ui.format_number(summary.mentions),
            help=f"{summary.mentions:,} social posts, replies and reviews.",
            border=True,
        )
    with tiles[4]:
        st.metric(
            "Survey answers", ui.format_number(summary.surveys), help=f"{summary.surveys:,} NPS survey responses.", border=True
        )
    with tiles[5]:
        st.metric(
            "Linked profiles",
            ui.format_number(summary.linked_profiles),
            help=(
                f"Social profiles linked to a customer record, out of {summary.profiles:,} profiles "
                "found in the mentions."
            ),
            border=True,
        )

    if revenue_note:
        st.caption(revenue_note)

    left, right = st.columns([3, 1], gap="large")
    with left:
        st.subheader("Activity per week")
        weekly = ui.load_weekly_activity(path, version)
        for column, series in zip(st.columns(2), ("Orders", "Mentions"), strict=True):
            with column:
                if (weekly["series"] == series).any():
                    st.altair_chart(charts.weekly_series_chart(weekly, series), width="stretch")
                else:
                    st.caption(f"No dated {series.lower()} yet.")
        if weekly["partial"].any():
            st.caption("Hollow points are weeks the data covers only in part (it starts or ends mid-week).")
    with right:
        st.subheader("Date coverage")
        st.markdown(f"**Orders**  \n{_span(summary.orders_first, summary.orders_last)}")
        st.markdown(f"**Mentions**  \n{_span(summary.mentions_first, summary.mentions_last)}")
        st.markdown(
            f"**Imports**  \n{summary.imports:,} files, last {ui.format_timestamp(summary.last_import_at)}"
        )
        if summary.quarantined:
            st.warning(
                f"{summary.quarantined:,} row was set aside during imports."
                if summary.quarantined == 1
                else f"{summary.quarantined:,} rows were set aside during imports.",
                icon=":material/report:",
            )
            st.page_link("pages/data.py", label="Review them on the Data page", icon=":material/fact_check:")

    st.caption(
        "These are counts of the stored rows. Sentiment, segments and KPIs are not computed on this page yet."
    )
