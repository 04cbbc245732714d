"""Cached loaders of the Overview page (engine: :mod:`scrm.views.overview`, :mod:`scrm.export.report`).

Keyed on (db_path, data_version, filters, ...): every write bumps the data
version, so a new import is never hidden by a cached figure. The slow ones
read through the ``stored_*`` functions of :mod:`scrm.views.overview`, which keep
their answers in the database for the data version: a server restart does
not make the next visitor wait for them again. ``Filters`` is a
frozen dataclass, hashable, so it can be part of the key as it is.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scrm import ui
from scrm.db import store
from scrm.db.filters import Filters
from scrm.views import overview as O

_MAX_ENTRIES = 16


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_readiness(db_path: str, data_version: int) -> O.Readiness:
    """Row counts and derived tables present (:func:`scrm.views.overview.readiness`)."""
    with ui.connection(db_path) as db:
        return O.stored_readiness(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_periods(db_path: str, data_version: int, filters: Filters) -> O.Periods | None:
    """The current and previous period (:func:`scrm.views.overview.resolve_periods`)."""
    with ui.connection(db_path) as db:
        return O.stored_periods(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Computing the KPIs of both periods…")
def load_kpis(db_path: str, data_version: int, filters: Filters, periods: O.Periods) -> pd.DataFrame:
    """Every KPI now, before and its weekly values (:func:`scrm.views.overview.kpi_summary`)."""
    with ui.connection(db_path) as db:
        return O.stored_kpi_summary(db, filters, periods)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Counting mentions per week…")
def load_trends(
    db_path: str, data_version: int, filters: Filters, date_from: str, date_to: str
) -> pd.DataFrame:
    """Weekly mentions and net sentiment by brand (:func:`scrm.views.overview.weekly_trends`)."""
    with ui.connection(db_path) as db:
        return O.stored_weekly_trends(db, filters, date_from, date_to)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_trend_spec(
    db_path: str, data_version: int, filters: Filters, periods: O.Periods, measure: str, own_brand: str | None,
    brands: tuple[str, ...],
) -> dict:
    """The weekly trend chart of ``measure`` (:func:`scrm.charts.overview.weekly_trend_chart`) as a
    Vega-Lite spec: building and validating the Altair chart took half of every rerun of the page."""
    from scrm.charts import overview as overview_charts
    from scrm.ui.chart_text import chart_spec

    trends = load_trends(db_path, data_version, filters, *O.trend_range(periods))
    return chart_spec(overview_charts.weekly_trend_chart(trends, measure, periods=periods, own_brand=own_brand, brands=list(brands)))


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_movers(
    db_path: str, data_version: int, filters: Filters, periods: O.Periods, kind: str, by: str
) -> pd.DataFrame:
    """Topics, authors or segments that moved most (:func:`scrm.views.overview.top_movers`)."""
    with ui.connection(db_path) as db:
        return O.stored_top_movers(db, filters, periods, kind, by=by)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_alerts(
    db_path: str, data_version: int, filters: Filters, periods: O.Periods | None, lang: str = "en"
) -> pd.DataFrame:
    """The newest alerts of the current period, described in ``lang`` (:func:`scrm.views.overview.open_alerts`)."""
    with ui.connection(db_path) as db:
        return O.open_alerts(db, filters, periods, lang=lang)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_own_brand(db_path: str, data_version: int) -> str | None:
    """The own brand (:func:`scrm.db.store.own_brand`: the setting, else the most-mentioned brand)."""
    with ui.connection(db_path) as db:
        return store.own_brand(db)


def build_report(db_path: str, filters: Filters, masked: bool, lang: str | None = None) -> str:
    """The stakeholder report as HTML text, for a deferred download button.

    Not cached and not Streamlit: ``st.download_button`` calls it on its own
    thread only when the user clicks, so a page run never pays for it. That
    thread has no script run to read the reader's language from: the button
    passes the ``lang`` of the run that drew it (None: the current run's).
    """
    from scrm.export.report import build_report_html
    from scrm.ui.language import lang as reader_language

    with ui.connection(db_path) as db:
        return build_report_html(db, filters, masked=masked, lang=lang or reader_language())


def build_report_pdf(db_path: str, filters: Filters, masked: bool, lang: str) -> bytes:
    """The stakeholder report as PDF bytes (same content as the HTML), built only when clicked."""
    from scrm.export.pdf import build_report_pdf as build

    with ui.connection(db_path) as db:
        return build(db, filters, masked=masked, lang=lang)


def report_download_button(db_path: str, filters: Filters, masked: bool, file_name: str) -> None:
    """The Overview's "Download report (HTML)" button, or a caption for roles without ``auth.EXPORT``.

    The report is built only when clicked (see :func:`build_report`); the
    click goes to the audit log with the file name and whether names were masked.
    """
    from scrm.ui import auth as access
    from scrm.ui.language import lang, t

    if not access.export_allowed():
        return
    reader_lang = lang()
    st.download_button(
        t("Download report (HTML)"),
        data=access.audited(lambda: build_report(db_path, filters, masked, reader_lang), file_name, report="overview", masked=masked),
        file_name=file_name,
        mime="text/html",
        key="overview_report",
        icon=":material/download:",
        help=t(
            "One HTML file with these tiles, trends, alerts, movers and the KPI definitions, for the "
            "current filters. It opens offline; print it from the browser to get a PDF."
        ),
        on_click="ignore",
    )
    pdf_name = file_name.removesuffix(".html") + ".pdf"
    st.download_button(
        t("Download report (PDF)"),
        data=access.audited(
            lambda: build_report_pdf(db_path, filters, masked, reader_lang), pdf_name, report="overview", masked=masked
        ),
        file_name=pdf_name,
        mime="application/pdf",
        key="overview_report_pdf",
        icon=":material/picture_as_pdf:",
        help=t("The same report as a PDF, with the summary, key figures, alerts, movers and KPI tables."),
        on_click="ignore",
    )
