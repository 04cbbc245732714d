"""Loaders of the Sources page: live sources, their runs, notification channels and deliveries.

Not cached: adding, pausing or testing a source changes settings, not the
data version the other loaders are keyed on, and these tables are small.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from scrm.ui import connection
from scrm.views import sources as V


def load_sources(db_path: str) -> pd.DataFrame:
    with connection(db_path) as db:
        return V.sources_frame(db)


def load_runs(db_path: str, limit: int = 50) -> pd.DataFrame:
    with connection(db_path) as db:
        return V.runs_frame(db, limit=limit)


def load_new_per_source(db_path: str, days: int = 30) -> pd.DataFrame:
    with connection(db_path) as db:
        return V.new_per_source(db, days)


def load_channels(db_path: str) -> list[dict[str, Any]]:
    with connection(db_path) as db:
        return V.channel_records(db)


def load_deliveries(db_path: str, limit: int = 50) -> pd.DataFrame:
    with connection(db_path) as db:
        return V.deliveries_frame(db, limit)


def parse_settings(text: str) -> dict[str, str]:
    """The form's settings, one ``key=value`` a line (blank lines ignored).

    >>> parse_settings("url = https://example.com/feed\\n\\nquery=acme")
    {'url': 'https://example.com/feed', 'query': 'acme'}
    """
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"Settings line {number}: write key=value, e.g. query=acme.")
        out[key.strip()] = value.strip()
    return out
