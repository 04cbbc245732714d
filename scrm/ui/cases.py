"""Cached loaders and write helpers for the Rescue queue page.

Loaders are keyed on ``(db_path, data_version, ...)`` and call one engine
function of :mod:`scrm.act.cases` (see :mod:`scrm.ui` for the cache design).
Every write bumps the data version, so the rerun after a change reads fresh
rows. ``now`` is part of the list's key at minute precision: "breached" and
"hours left" move with the clock, not only with the data.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scrm.act import cases
from scrm.db import schema as S
from scrm.ui import connection

_MAX_ENTRIES = 16


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_cases(db_path: str, data_version: int, now: str) -> pd.DataFrame:
    """Every case with customer and mention (:func:`scrm.act.cases.list_cases`); the page filters it."""
    with connection(db_path) as db:
        return cases.list_cases(db, now=now)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Measuring the queue…")
def load_kpis(db_path: str, data_version: int, date_from: str | None, date_to: str | None, now: str) -> cases.CaseKPIs:
    """The case KPIs of cases opened in the range (:func:`scrm.act.cases.case_kpis`)."""
    from scrm.views.kpis import stored_case_frame

    with connection(db_path) as db:
        return cases.case_kpis(db, date_from, date_to, now, frame=stored_case_frame(db))


@st.cache_data(max_entries=64, show_spinner=False)
def load_history(db_path: str, data_version: int, case_id: int) -> pd.DataFrame:
    """One case's events, oldest first (:func:`scrm.act.cases.case_history`)."""
    with connection(db_path) as db:
        return cases.case_history(db, case_id)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_sla(db_path: str, data_version: int) -> dict[str, float]:
    """Hours to the deadline per priority (:func:`scrm.act.cases.sla_hours`)."""
    with connection(db_path) as db:
        return cases.sla_hours(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_case_count(db_path: str, data_version: int) -> int:
    """How many cases the database holds (the empty state's test)."""
    with connection(db_path) as db:
        return int(db.execute(f"SELECT count(*) FROM {S.CASES}").fetchone()[0])
