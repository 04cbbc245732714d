"""What the Rules page reads from the data: the values its form offers.

Reading them scans every mention (about 1.5 s at a million), so the answer is
stored per data version beside the other page summaries (:func:`scrm.views.data.stored`)
and computed by ``score`` before the first visitor asks.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from scrm.act import rules as W
from scrm.db import schema as S
from scrm.db.store import table_exists

RuleOptions = dict[str, Any]


def rule_options(db: sqlite_utils.Database) -> RuleOptions:
    """The languages, platforms, RFM segments and themes present in the data, for the rule form's choices.

    A mention's language is the detected one (unless detection said ``other``), else the one it came with.
    """
    langs = [str(r[0]) for r in db.execute(
        f"SELECT DISTINCT lower(coalesce(nullif(s.lang, 'other'), nullif(trim(m.lang), ''))) FROM {S.MENTIONS} m "
        f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id ORDER BY 1"
    ).fetchall() if r[0]] if table_exists(db, S.SENTIMENT) else [str(r[0]) for r in db.execute(
        f"SELECT DISTINCT lower(trim(lang)) FROM {S.MENTIONS} WHERE trim(lang) != '' ORDER BY 1"
    ).fetchall() if r[0]]  # fmt: skip
    platforms = [str(r[0]) for r in db.execute(
        f"SELECT DISTINCT coalesce(nullif(lower(trim(platform)), ''), 'other') FROM {S.MENTIONS} ORDER BY 1"
    ).fetchall()]
    segments: list[str] = []
    if table_exists(db, W.CUSTOMER_VALUE):
        present = {str(r[0]) for r in db.execute(f'SELECT DISTINCT rfm_segment FROM "{W.CUSTOMER_VALUE}"').fetchall()}
        segments = [s for s in S.RFM_SEGMENTS if s in present]
    return {"langs": langs, "platforms": platforms, "rfm_segments": segments, "topics": W.topic_labels(db)}


def stored_rule_options(db: sqlite_utils.Database) -> RuleOptions:
    """:func:`rule_options`, stored per data version."""
    from scrm.views import data as browse

    return browse.stored(db, "rules:options", lambda: rule_options(db), browse.encode_json, json.loads)
