"""Cached loaders and small helpers for the Customer 360 and Journey pages.

Every loader is keyed on ``(db_path, data_version, ...)`` and calls one
engine function of :mod:`scrm.views.customer` or :mod:`scrm.views.journey`
(see :mod:`scrm.ui` for the cache design).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scrm.charts import customer as charts
from scrm.db import schema as S
from scrm.db.filters import Filters
from scrm.ui import connection
from scrm.views import customer as customer360
from scrm.views import journey as journey_views
from scrm.views.customer import CustomerCard

_MAX_ENTRIES = 32  # customers are many: a few dozen cards per data version


# --- Customer 360 ------------------------------------------------------------------


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_search(db_path: str, data_version: int, text: str, limit: int) -> pd.DataFrame:
    """Customers matching ``text`` (:func:`scrm.views.customer.search_customers`)."""
    with connection(db_path) as db:
        return customer360.search_customers(db, text, limit)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_card(db_path: str, data_version: int, customer_id: str) -> CustomerCard | None:
    """One customer's card (:func:`scrm.views.customer.customer_card`)."""
    with connection(db_path) as db:
        return customer360.customer_card(db, customer_id)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Reading the customer's history…")
def load_timeline(db_path: str, data_version: int, customer_id: str, filters: Filters) -> pd.DataFrame:
    """Orders, mentions, surveys and cases of a customer (:func:`scrm.views.customer.customer_timeline`)."""
    with connection(db_path) as db:
        return customer360.customer_timeline(db, customer_id, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_account(db_path: str, data_version: int, account: str) -> pd.DataFrame:
    """The contacts of a B2B account (:func:`scrm.views.customer.account_contacts`)."""
    with connection(db_path) as db:
        return customer360.account_contacts(db, account)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_customer_count(db_path: str, data_version: int) -> int:
    """How many customers the database holds."""
    with connection(db_path) as db:
        return int(db.execute(f"SELECT count(*) FROM {S.CUSTOMERS}").fetchone()[0])


# --- Journey ---------------------------------------------------------------------------


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_journey_ready(db_path: str, data_version: int) -> bool:
    """Whether the journey was computed (:func:`scrm.views.journey.journey_ready`)."""
    with connection(db_path) as db:
        return journey_views.journey_ready(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_funnel(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """Customers per stage (:func:`scrm.views.journey.stage_funnel`)."""
    with connection(db_path) as db:
        return journey_views.stage_funnel(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_transitions(db_path: str, data_version: int) -> pd.DataFrame:
    """Moves between stages (:func:`scrm.views.journey.transitions`)."""
    with connection(db_path) as db:
        return journey_views.transitions(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_stage_time(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """Time per stage (:func:`scrm.views.journey.stage_time`)."""
    with connection(db_path) as db:
        return journey_views.stage_time(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Reading feedback per phase…")
def load_feedback(db_path: str, data_version: int, filters: Filters, by: str) -> pd.DataFrame:
    """Sentiment and NPS per phase or stage (:func:`scrm.views.journey.feedback_by`)."""
    with connection(db_path) as db:
        return journey_views.feedback_by(db, filters, by=by)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_drop_offs(db_path: str, data_version: int) -> pd.DataFrame:
    """The largest moves to at risk or lapsed (:func:`scrm.views.journey.drop_offs`)."""
    with connection(db_path) as db:
        return journey_views.drop_offs(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_segment_names(db_path: str, data_version: int) -> dict[int, str]:
    """Segment labels (:func:`scrm.views.journey.segment_names`)."""
    with connection(db_path) as db:
        return journey_views.segment_names(db)


# --- chart specs -----------------------------------------------------------------------
# Building an Altair chart and turning it into Vega-Lite costs tens of
# milliseconds per chart, most of a warm rerun: the journey's four specs are
# cached with the figures they draw and drawn with ``st.vega_lite_chart``.


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_funnel_spec(db_path: str, data_version: int, filters: Filters) -> dict[str, Any]:
    """The funnel chart (:func:`scrm.charts.customer.funnel_chart`) as a Vega-Lite spec."""
    return charts.funnel_chart(load_funnel(db_path, data_version, filters)).to_dict()


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_flow_spec(db_path: str, data_version: int) -> dict[str, Any]:
    """The from -> to heat map (:func:`scrm.charts.customer.transition_heatmap`) as a Vega-Lite spec."""
    order = [journey_views.STAGE_LABELS[s] for s in ("start", *journey_views.FUNNEL_STAGES, *journey_views.EXIT_STAGES)]
    return charts.transition_heatmap(load_transitions(db_path, data_version), order).to_dict()


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_stage_time_spec(db_path: str, data_version: int, filters: Filters) -> dict[str, Any]:
    """Median days per stage (:func:`scrm.charts.customer.stage_time_chart`) as a Vega-Lite spec."""
    times = load_stage_time(db_path, data_version, filters)
    return charts.stage_time_chart(times[(times["customers_moved"] > 0) | (times["customers_now"] > 0)]).to_dict()


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_feedback_spec(db_path: str, data_version: int, filters: Filters, by: str) -> dict[str, Any]:
    """Feedback per phase or stage (:func:`scrm.charts.customer.feedback_chart`) as a Vega-Lite spec."""
    return charts.feedback_chart(load_feedback(db_path, data_version, filters, by)).to_dict()


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_to_watch(db_path: str, data_version: int, limit: int = 10) -> pd.DataFrame:
    """High-value customers at risk or lapsed (:func:`scrm.views.customer.customers_to_watch`)."""
    with connection(db_path) as db:
        return customer360.customers_to_watch(db, limit)
