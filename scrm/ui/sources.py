"""Loaders of the Sources page: live sources, their runs, notification channels and deliveries.

Not cached: adding, pausing or testing a source changes settings, not the
data version the other loaders are keyed on, and these tables are small.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from scrm.act import notify
from scrm.errors import ConfigError
from scrm.i18n.messages import Message
from scrm.ui import connection
from scrm.views import sources as V


def load_sources(db_path: str, lang: str = "en") -> pd.DataFrame:
    """The sources, why each is paused and its last error written in ``lang``."""
    with connection(db_path) as db:
        return V.sources_frame(db, lang)


def load_runs(db_path: str, limit: int = 50, lang: str = "en") -> pd.DataFrame:
    """The latest collection runs, a failed one's error written in ``lang``."""
    with connection(db_path) as db:
        return V.runs_frame(db, limit=limit, lang=lang)


def load_new_per_source(db_path: str, days: int = 30) -> pd.DataFrame:
    with connection(db_path) as db:
        return V.new_per_source(db, days)


def load_channels(db_path: str, lang: str = "en") -> list[dict[str, Any]]:
    """The channels, each one's last error written in ``lang``."""
    with connection(db_path) as db:
        return V.channel_records(db, lang)


def load_deliveries(db_path: str, limit: int = 50, lang: str = "en") -> pd.DataFrame:
    """The latest deliveries, a failed one's error written in ``lang``."""
    with connection(db_path) as db:
        return V.deliveries_frame(db, limit, lang)


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
            raise ConfigError(Message("Settings line {n}: write key=value, e.g. query=acme.", {"n": number}))
        out[key.strip()] = value.strip()
    return out


def channel_form_error(error: Exception) -> Exception:
    """A refusal of the channel form as this form says it (its settings box, not the command line's ``--set``)."""
    return notify.for_the_form(error)
