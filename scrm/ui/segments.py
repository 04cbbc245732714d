"""Cached loaders and small widgets of the Segments and Advocates & detractors pages.

Loaders are keyed on (db_path, data_version, filters) and call one engine
function each (:mod:`scrm.views.segments`, :mod:`scrm.views.advocates`). Tables of
people go through :func:`mask` (the sidebar's privacy switch); downloads are
not masked, as the switch's help says: a campaign list needs real addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from scrm.charts import segments as segment_charts
from scrm.db.filters import Filters
from scrm.export import files as exports
from scrm.ui import connection, escape_markdown
from scrm.ui import masking as ui_privacy
from scrm.ui.chart_text import arrow_datasets
from scrm.ui.language import t
from scrm.views import advocates as advocacy
from scrm.views import segments as segment_views

_MAX_ENTRIES = 16

# Columns of personal data that the privacy switch masks, with their kind (scrm.privacy.masking).
PERSONAL_COLUMNS = {"name": "name", "email": "email", "handle": "handle", "display_name": "name"}


def mask(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with names, e-mails and handles replaced by stable stand-ins when the
    sidebar's privacy switch is on (:func:`scrm.ui.masking.masked_frame`)."""
    columns = {c: kind for c, kind in PERSONAL_COLUMNS.items() if c in frame.columns}
    return ui_privacy.masked_frame(frame, columns) if columns else frame


def download_buttons(
    frame: pd.DataFrame | Callable[[], pd.DataFrame], file_stem: str, key: str, *, label: str | None = None,
    rows: int | None = None,
) -> None:
    """CSV and XLSX download buttons for ``frame`` (formula cells neutralised).

    The files are built only when clicked (callable data), so a rerun does not
    pay for an Excel workbook nobody asked for. ``frame`` may be a function
    that builds the frame (then ``rows`` is its length): built only when
    clicked too. Roles without ``auth.EXPORT`` get a one-line caption instead;
    a click is recorded in the audit log.
    """
    from scrm.ui import auth as access

    if not access.export_allowed():
        return
    build: Callable[[], pd.DataFrame] = frame if callable(frame) else (lambda: frame)
    count = len(frame) if isinstance(frame, pd.DataFrame) else int(rows or 0)
    left, right = st.columns(2, gap="small", width=420)
    disabled = count == 0
    with left:
        st.download_button(
            t("{label} CSV", label=label) if label else t("Download CSV"),
            data=access.audited(lambda: exports.to_csv_bytes(build()), f"{file_stem}.csv", rows=count),
            file_name=f"{file_stem}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            icon=":material/download:",
            disabled=disabled,
            on_click="ignore",
        )
    with right:
        st.download_button(
            t("{label} XLSX", label=label) if label else t("Download XLSX"),
            data=access.audited(
                lambda: exports.to_xlsx_bytes(build(), sheet_name=file_stem), f"{file_stem}.xlsx", rows=count
            ),
            file_name=f"{file_stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            icon=":material/download:",
            disabled=disabled,
            on_click="ignore",
        )


FILTER_LABELS = {"platforms": "platforms {values}", "brands": "brands {values}", "langs": "languages {values}"}


def filter_note(f: Filters, applies: Sequence[str]) -> str | None:
    """A caption naming the active global filters that this view uses, or None, in the reader's language.

    Values come from the link (untrusted): they are escaped for markdown.
    """
    from scrm.ui.language import format_date

    parts = []
    if f.segment is not None and "segment" in applies:
        parts.append(t("segment {segment}", segment=f.segment))
    if (f.date_from or f.date_to) and "dates" in applies:
        parts.append(
            t("dates {start} to {end}", start=format_date(f.date_from) if f.date_from else t("the start"),
              end=format_date(f.date_to) if f.date_to else t("the end"))
        )  # fmt: skip
    for name, values in (("platforms", f.platforms), ("brands", f.brands), ("langs", f.langs)):
        if values and name in applies:
            parts.append(t(FILTER_LABELS[name], values=", ".join(values)))
    return escape_markdown(t("Filtered by {filters}.", filters="; ".join(parts))) if parts else None


# --- segments ------------------------------------------------------------------
# ``data_version`` is unused in the bodies on purpose: it is part of the key.


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_segments_reason(db_path: str, data_version: int) -> str | None:
    """What to do before the Segments page has anything to show (None when ready)."""
    with connection(db_path) as db:
        return segment_views.not_ready_reason(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Reading customer value…")
def load_customer_values(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """Valued customers (:func:`scrm.views.segments.customer_values`)."""
    with connection(db_path) as db:
        return segment_views.customer_values(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_cluster_profiles(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """Clusters with centre and money (:func:`scrm.views.segments.cluster_profiles`)."""
    with connection(db_path) as db:
        values = segment_views.customer_values(db, filters)
        return segment_views.cluster_profiles(db, values, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Averaging the sentiment of customers' mentions…")
def load_value_sentiment(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """Customers with a CLV and scored mentions (:func:`scrm.views.segments.value_sentiment`)."""
    with connection(db_path) as db:
        values = segment_views.customer_values(db, filters)
        return segment_views.value_sentiment(values, segment_views.customer_sentiment(db, filters))


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_segment_tables(
    db_path: str, data_version: int, filters: Filters
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The RFM grid, the RFM segment summary and the frequency class summary."""
    values = load_customer_values(db_path, data_version, filters)
    return (
        segment_views.rfm_grid(values),
        segment_views.rfm_segment_summary(values),
        segment_views.frequency_class_summary(values),
    )


# Charts are cached as Vega-Lite specs: building and validating an Altair chart
# costs more than everything else in a warm rerun of these pages.
@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_segment_charts(db_path: str, data_version: int, filters: Filters) -> dict[str, dict]:
    """Vega-Lite specs of the Segments page: ``rfm_grid``, ``rfm_segments``, ``frequency_classes``
    and, when there are points, ``value_sentiment``."""
    grid, rfm, classes = load_segment_tables(db_path, data_version, filters)
    specs = {
        "rfm_grid": segment_charts.rfm_heatmap(grid).to_dict(),
        "rfm_segments": segment_charts.summary_bars(rfm, "rfm_segment", "RFM segment").to_dict(),
        "frequency_classes": segment_charts.summary_bars(classes, "frequency_class", "Frequency class").to_dict(),
    }
    points = load_value_sentiment(db_path, data_version, filters)
    if not points.empty:
        specs["value_sentiment"] = segment_charts.value_sentiment_scatter(points).to_dict()
    # Their rows as Arrow bytes, converted once here rather than on every rerun.
    return {name: arrow_datasets(spec) for name, spec in specs.items()}


# --- advocates & detractors -------------------------------------------------------


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_advocacy_reason(db_path: str, data_version: int) -> str | None:
    """What to do before the Advocates page has anything to show (None when ready)."""
    with connection(db_path) as db:
        return advocacy.not_ready_reason(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Reading author roles…")
def load_roles(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """Roles with customer value and consent, notable authors only (:func:`scrm.views.advocates.role_table`)."""
    with connection(db_path) as db:
        return advocacy.stored_role_table(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Ranking detractors by CLV at risk…")
def load_detractors(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """Detractors ranked by CLV at risk (:func:`scrm.views.advocates.detractors_at_risk`)."""
    roles = load_roles(db_path, data_version, filters)  # read once for the page (a second at a million mentions)
    with connection(db_path) as db:
        return advocacy.detractors_at_risk(roles, advocacy.recent_sentiment(db, filters))


# The Advocates page's pieces, each cached on its own: a rerun unpickles the few hundred rows
# it draws instead of the 14,000 authors (at a million mentions) and deriving them again.


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_role_summary(db_path: str, data_version: int, filters: Filters) -> tuple[int, bool, dict[str, int]]:
    """``(authors, whether any names a currency, authors per primary role)`` of :func:`load_roles`."""
    roles = load_roles(db_path, data_version, filters)
    counts = {str(role): int(n) for role, n in roles["role"].value_counts().items()}
    return len(roles), advocacy.has_currency(roles), counts


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_ranked(db_path: str, data_version: int, filters: Filters, role: str) -> pd.DataFrame:
    """The authors of one primary role, best score first (:func:`scrm.views.advocates.ranked`)."""
    return advocacy.ranked(load_roles(db_path, data_version, filters), role)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_quadrant(
    db_path: str, data_version: int, filters: Filters, columns: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(points, thresholds, counts)``: :func:`scrm.views.advocates.quadrant` with only ``columns``,
    and the :func:`~scrm.views.advocates.value_thresholds` and
    :func:`~scrm.views.advocates.quadrant_counts` of all its columns."""
    points = advocacy.quadrant(load_roles(db_path, data_version, filters))
    return points[list(columns)], advocacy.value_thresholds(points), advocacy.quadrant_counts(points)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_detractor_view(
    db_path: str, data_version: int, filters: Filters, columns: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(detractors, sums)``: :func:`load_detractors` with only ``columns``, and its CLV at risk
    per currency (:func:`scrm.views.advocates.at_risk_by_currency`)."""
    detractors = load_detractors(db_path, data_version, filters)
    if detractors.empty:
        return detractors, advocacy.at_risk_by_currency(detractors)
    return detractors[list(columns)], advocacy.at_risk_by_currency(detractors)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_campaign(db_path: str, data_version: int, filters: Filters, roles_wanted: tuple[str, ...]) -> pd.DataFrame:
    """The advocacy campaign's authors (:func:`scrm.views.advocates.campaign_list`)."""
    return advocacy.campaign_list(load_roles(db_path, data_version, filters), roles_wanted)
