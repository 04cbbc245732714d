"""Cached loaders of the Workflow rules page, keyed on (db_path, data_version, ...).

Every write (a rule saved, a proposal decided) bumps the data version, so the
next rerun reads fresh rules and proposals without clearing anything by hand.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pandas as pd
import sqlite_utils
import streamlit as st

from scrm.act import rules as W
from scrm.db import schema as S
from scrm.db import store
from scrm.db.store import table_exists
from scrm.ui import connection

_MAX_ENTRIES = 16


def rule_key(rule: W.Rule) -> str:
    """A hashable cache key for a rule that is not saved yet (its JSON)."""
    data = asdict(rule)
    data["conditions"], data["params"] = dict(rule.conditions), dict(rule.params)
    return json.dumps(data, sort_keys=True, default=str)


def load_channel_names(db_path: str) -> list[str]:
    """The notification channels a raise_alert rule may name (not cached: settings, not data)."""
    from scrm.act import notify

    with connection(db_path) as db:
        return [c.name for c in notify.list_channels(db)]


def install_defaults(db_path: str) -> int:
    """Install the default rules on the first visit (a write only the first time)."""
    with connection(db_path) as db:
        return W.ensure_default_rules(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_rules(db_path: str, data_version: int) -> list[W.Rule]:
    """Every stored rule (:func:`scrm.act.rules.list_rules`)."""
    with connection(db_path) as db:
        return W.list_rules(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_rule_table(db_path: str, data_version: int, lang: str = "en") -> pd.DataFrame:
    """One row per rule with its conditions and action in words (in ``lang``) and its matches so far."""
    with connection(db_path) as db:
        rules = W.list_rules(db)
        counts = W.match_counts(db)
        labels = W.topic_labels(db)
    columns = ["rule_id", "name", "target", "when", "then", "mode", "enabled", "builtin", "matches", "proposed", "cases"]
    if not rules:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {
            "rule_id": [r.rule_id for r in rules],
            "name": [r.name for r in rules],
            "target": [r.target for r in rules],
            "when": [W.describe(r, labels, lang) for r in rules],
            "then": [W.describe_action(r, lang) for r in rules],
            "mode": [r.mode for r in rules],
            "enabled": [r.enabled for r in rules],
            "builtin": [r.builtin for r in rules],
        }
    )
    frame = frame.merge(counts, on="rule_id", how="left")
    for c in ("matches", "proposed", "cases"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").fillna(0).astype("int64")
    return frame[columns]


def input_version(db_path: str) -> int:
    """:func:`scrm.db.store.input_version`: moves with the data, not with the team's own work (a meta read)."""
    with connection(db_path) as db:
        return store.input_version(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Reading the languages, platforms and themes of the data…")
def load_options(db_path: str, data_version: int) -> dict[str, list[str] | dict[str, str]]:
    """The values the form's multiselects offer, read from the data: languages, platforms, themes, segments.

    The page keys it on :func:`input_version`: approving a proposal or saving a rule changes none of these
    values. ``score`` stores them beforehand (:func:`scrm.views.rules.stored_rule_options`).
    """
    from scrm.views.rules import stored_rule_options

    with connection(db_path) as db:
        return stored_rule_options(db)


def with_customer_names(db: sqlite_utils.Database, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``customer`` column: the linked customer's name (else the id), empty when not linked.

    A name says more to the team than ``C000546``; the page masks it with the privacy switch.
    """
    ids = sorted({str(i) for i in frame["customer_id"].dropna()}) if "customer_id" in frame else []
    names: dict[str, str] = {}
    if ids and table_exists(db, S.CUSTOMERS):
        marks = ", ".join("?" for _ in ids)
        names = {
            str(cid): str(name)
            for cid, name in db.execute(
                f"SELECT customer_id, name FROM {S.CUSTOMERS} WHERE customer_id IN ({marks})", ids
            ).fetchall()
            if name
        }
    customer = [
        None if pd.isna(cid) else names.get(str(cid), str(cid))
        for cid in frame.get("customer_id", [])
    ]
    return frame.assign(customer=pd.Series(customer, index=frame.index, dtype=object))


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Counting what the rule would have matched…")
def load_preview(db_path: str, data_version: int, key: str, _rule: W.Rule, days: int = W.PREVIEW_DAYS) -> W.Preview:
    """:func:`scrm.act.rules.preview` of an unsaved rule (keyed on its JSON); the sample has customer names."""
    with connection(db_path) as db:
        result = W.preview(db, _rule, days=days)
        return replace(result, sample=with_customer_names(db, result.sample))


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_proposals(db_path: str, data_version: int) -> pd.DataFrame:
    """Matches waiting for a person (:func:`scrm.act.rules.proposals`), with customer names."""
    with connection(db_path) as db:
        return with_customer_names(db, W.proposals(db))


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_has_mentions(db_path: str, data_version: int) -> bool:
    """Whether there is any mention for the rules to look at."""
    with connection(db_path) as db:
        return not store.is_empty(db, S.MENTIONS)
