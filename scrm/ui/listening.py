"""Cached loaders of the Listening and Alerts pages (keyed on database path, data version and filters).

Each loader opens the database, calls one engine function of
:mod:`scrm.views.listening` or :mod:`scrm.db.search` and returns its frame; the
data version in every key means a new import is seen on the next rerun
(see :mod:`scrm.ui`). The global filters come from :mod:`scrm.ui.filters`
and are part of every key (``Filters`` is frozen and hashable).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scrm.db import schema as S
from scrm.db import search
from scrm.db.filters import Filters
from scrm.export import files as exports
from scrm.ui import connection, write_lock
from scrm.views import listening

_MAX_ENTRIES = 16
# Searches vary more than filters do: keep more of them, they are small.
_MAX_SEARCHES = 64


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_has_scores(db_path: str, data_version: int) -> bool:
    """Whether any mention has a sentiment label yet."""
    with connection(db_path) as db:
        return listening.has_scores(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_mention_count(db_path: str, data_version: int) -> int:
    """Mentions stored (any filter)."""
    with connection(db_path) as db:
        return int(db.execute(f"SELECT count(*) FROM {S.MENTIONS}").fetchone()[0])


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Counting mentions per period…")
def load_volume(db_path: str, data_version: int, filters: Filters, by: listening.GroupBy, period: listening.Period) -> pd.DataFrame:
    """:func:`scrm.views.listening.volume_over_time`."""
    with connection(db_path) as db:
        return listening.volume_over_time(db, filters, by=by, period=period)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_share_of_voice(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """:func:`scrm.views.listening.share_of_voice`."""
    with connection(db_path) as db:
        return listening.share_of_voice(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_topics(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """:func:`scrm.views.listening.topic_summary`."""
    with connection(db_path) as db:
        return listening.topic_summary(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_top_authors(
    db_path: str, data_version: int, filters: Filters, limit: int = 25, rank_by: listening.AuthorRank = "mentions"
) -> pd.DataFrame:
    """:func:`scrm.views.listening.top_authors`."""
    with connection(db_path) as db:
        return listening.top_authors(db, filters, limit=limit, rank_by=rank_by)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_places(db_path: str, data_version: int, filters: Filters) -> listening.PlacesSummary:
    """:func:`scrm.views.listening.mention_places`."""
    with connection(db_path) as db:
        return listening.mention_places(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_modes(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """:func:`scrm.views.listening.communication_modes`."""
    with connection(db_path) as db:
        return listening.communication_modes(db, filters)


@st.cache_data(max_entries=_MAX_SEARCHES, show_spinner="Searching the mentions…")
def load_search(
    db_path: str,
    data_version: int,
    query: str,
    filters: Filters,
    labels: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
    limit: int = search.DEFAULT_LIMIT,
) -> search.SearchResult:
    """:func:`scrm.db.search.search_mentions`; the first search after new data refreshes the index."""
    with connection(db_path) as db:
        if search.to_fts_query(query) is not None:
            # The index refresh writes: one session at a time, like the app's other writes.
            with write_lock(db_path):
                search.refresh_index(db)
        return search.search_mentions(db, query, filters, limit, labels=labels, kinds=kinds, refresh=False)


@st.cache_data(max_entries=_MAX_SEARCHES, show_spinner=False)
def load_mention(db_path: str, data_version: int, mention_id: str) -> dict[str, Any] | None:
    """:func:`scrm.db.search.mention_detail`."""
    with connection(db_path) as db:
        return search.mention_detail(db, mention_id)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_alerts(
    db_path: str,
    data_version: int,
    filters: Filters,
    kinds: tuple[str, ...] = (),
    brands: tuple[str, ...] = (),
    platforms: tuple[str, ...] = (),
) -> pd.DataFrame:
    """:func:`scrm.views.listening.alerts_feed`."""
    with connection(db_path) as db:
        return listening.alerts_feed(db, filters, kinds=kinds, brands=brands, platforms=platforms)


@st.cache_data(max_entries=_MAX_SEARCHES, show_spinner=False)
def load_alert_series(db_path: str, data_version: int, alert_id: int, _alert: dict[str, Any]) -> pd.DataFrame:
    """:func:`scrm.views.listening.alert_series` of one alert (keyed on its id)."""
    with connection(db_path) as db:
        return listening.alert_series(db, _alert)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_options(db_path: str, data_version: int) -> tuple[list[str], list[str]]:
    """Brands and platforms of the mentions (:func:`scrm.views.listening.brand_and_platform_options`)."""
    with connection(db_path) as db:
        return listening.brand_and_platform_options(db)


def download_buttons(frame: pd.DataFrame, file_stem: str, key: str) -> None:
    """CSV and Excel download buttons for ``frame`` (formula cells neutralised by :mod:`scrm.export.files`).

    The files are built only when clicked (callable data). Roles without
    ``auth.EXPORT`` get a one-line caption instead; a click is recorded in the
    audit log (file name and row count).
    """
    from scrm.ui import auth as access

    if not access.export_allowed():
        return
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        access.audited(lambda: exports.to_csv_bytes(frame), f"{file_stem}.csv", rows=len(frame)),
        f"{file_stem}.csv", "text/csv",
        key=f"{key}_csv", icon=":material/download:", width="stretch", disabled=frame.empty,
        on_click="ignore",
    )
    right.download_button(
        "Download Excel",
        access.audited(lambda: exports.to_xlsx_bytes(frame, file_stem), f"{file_stem}.xlsx", rows=len(frame)),
        f"{file_stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx", icon=":material/download:", width="stretch", disabled=frame.empty,
        on_click="ignore",
    )
