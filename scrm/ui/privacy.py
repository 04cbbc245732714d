"""Cached loaders of the Privacy requests page, keyed on ``(db_path, data_version, ...)``.

Each calls one engine function of :mod:`scrm.privacy.requests`. Writes (an erasure, a
purge, a setting) bump the data version, so the page shows fresh counts on the
rerun that follows. The export itself is never cached: it is built when the
browser fetches it (:func:`scrm.ui.auth.audited_person_export`), so no copy of a
person's data waits in memory for an erasure to pass it by.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scrm.privacy import requests as gdpr
from scrm.ui import connection
from scrm.views import customer as customer360

_MAX_ENTRIES = 16


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_search(db_path: str, data_version: int, text: str) -> pd.DataFrame:
    """Customers matching ``text`` by id, name, e-mail or handle (:func:`scrm.privacy.requests.find_customers`)."""
    with connection(db_path) as db:
        return gdpr.find_customers(db, text)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_identity(db_path: str, data_version: int, customer_id: str) -> customer360.Identity | None:
    """The customer record (:func:`scrm.views.customer.customer_identity`)."""
    with connection(db_path) as db:
        return customer360.customer_identity(db, customer_id)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Counting what is held about this person…")
def load_held(db_path: str, data_version: int, customer_id: str) -> dict[str, int]:
    """Rows held per table (:func:`scrm.privacy.requests.held_counts`)."""
    with connection(db_path) as db:
        return gdpr.held_counts(db, customer_id)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Looking for the person's name, e-mail and handles elsewhere…")
def load_preview(db_path: str, data_version: int, customer_id: str) -> gdpr.ErasureSummary:
    """What an erasure would delete and sweep (:func:`scrm.privacy.requests.preview_erasure`)."""
    with connection(db_path) as db:
        return gdpr.preview_erasure(db, customer_id)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_retention(db_path: str, data_version: int) -> int | None:
    """The retention setting in months (:func:`scrm.privacy.requests.retention_months`)."""
    with connection(db_path) as db:
        return gdpr.retention_months(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_purge_preview(db_path: str, data_version: int, months: int, day: str) -> tuple[int, str]:
    """Mentions a purge at ``months`` would delete today (``day`` keys the cache) and the cutoff."""
    with connection(db_path) as db:
        return gdpr.count_mentions_older_than(db, months), gdpr.retention_cutoff(months)
