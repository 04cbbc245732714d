"""Cached loaders and the masking of evidence for the Identity review page.

Every loader is keyed on ``(db_path, data_version, ...)`` and calls one
engine function of :mod:`scrm.act.review` (see :mod:`scrm.ui` for the
cache design). A decision is a write, so it bumps the data version and the
next rerun reads fresh rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scrm.act import review as R
from scrm.db import schema as S
from scrm.i18n.messages import Message, from_json
from scrm.ui import connection
from scrm.ui import masking as P
from scrm.views import customer as customer360

_MAX_ENTRIES = 16


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_queue(db_path: str, data_version: int, status: str, limit: int = R.QUEUE_LIMIT) -> pd.DataFrame:
    """Pairs of one status with their evidence (:func:`scrm.act.review.review_queue`)."""
    with connection(db_path) as db:
        return R.review_queue(db, status=status, limit=limit)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_suggestions(db_path: str, data_version: int, min_confidence: float) -> pd.DataFrame:
    """Every suggestion at or above a confidence (:func:`scrm.act.review.suggestions`), for a decision on many."""
    with connection(db_path) as db:
        return R.suggestions(db, min_confidence)


def evidence_of(pairs: pd.DataFrame) -> R.Evidence:
    """What the chosen pairs rest on (:func:`scrm.act.review.summarise_evidence`)."""
    return R.summarise_evidence(pairs)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_counts(db_path: str, data_version: int) -> dict[str, int]:
    """Links per status and decisions made (:func:`scrm.act.review.status_counts`)."""
    with connection(db_path) as db:
        return R.status_counts(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_history(db_path: str, data_version: int, limit: int = 200) -> pd.DataFrame:
    """The newest decisions with whether each can be undone (:func:`scrm.act.review.history`)."""
    with connection(db_path) as db:
        return R.history(db, limit=limit)


@st.cache_data(max_entries=32, show_spinner=False)
def load_profile(db_path: str, data_version: int, profile_id: str) -> dict[str, Any] | None:
    """One profile (:func:`scrm.act.review.profile_card`)."""
    with connection(db_path) as db:
        return R.profile_card(db, profile_id)


@st.cache_data(max_entries=32, show_spinner=False)
def load_customer(db_path: str, data_version: int, customer_id: str) -> dict[str, Any] | None:
    """One customer with counts (:func:`scrm.act.review.customer_card`) and the shop's ``currency``."""
    with connection(db_path) as db:
        card = R.customer_card(db, customer_id)
        if card is not None:
            # The revenue is a sum of this customer's order amounts: the page names their currency
            # (shops sell in several; None when the orders name none).
            found = db.execute(
                f"SELECT DISTINCT upper(trim(currency)) FROM {S.ORDERS} WHERE customer_id = ? "
                "AND currency IS NOT NULL AND trim(currency) != '' ORDER BY 1",
                [customer_id],
            ).fetchall()
            card = {**card, "currency": " + ".join(str(r[0]) for r in found) or None}
        return card


@st.cache_data(max_entries=32, show_spinner=False)
def load_search(db_path: str, data_version: int, text: str, limit: int = 20) -> pd.DataFrame:
    """Customers whose name, e-mail or handle contains ``text`` (:func:`scrm.views.customer.search_customers`)."""
    with connection(db_path) as db:
        return customer360.search_customers(db, text, limit)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_merge_preview(db_path: str, data_version: int, keep_id: str, merge_id: str) -> pd.DataFrame:
    """Two customer records side by side (:func:`scrm.act.review.merge_preview`)."""
    with connection(db_path) as db:
        return R.merge_preview(db, keep_id, merge_id)


# --- masking ---------------------------------------------------------------------------

# The personal columns of a queue frame and their kinds for scrm.ui.masking.
QUEUE_PERSONAL: dict[str, str] = {
    "handle": "handle",
    "display_name": "name",
    "customer_name": "name",
    "email": "email",
}


def _replace(value: str, kind: str) -> str:
    return P.mask_value(value, kind) or value


def masked_evidence(evidence: str | None, message: object = None) -> Message | str:
    """The evidence (its stored message when the link has one), names, e-mail or handle masked when the switch is on."""
    found = from_json(message) if isinstance(message, str) else None
    if found is not None:
        return R.rewrite_evidence_message(found, _replace) if P.masked() else found
    if not P.masked():
        return evidence or ""
    return R.rewrite_evidence(evidence, _replace)


def masked_queue(frame: pd.DataFrame) -> pd.DataFrame:
    """A queue frame with names, e-mails, handles and the evidence masked when the switch is on."""
    if not P.masked() or frame.empty:
        return frame
    out = P.masked_frame(frame, QUEUE_PERSONAL)
    out["evidence"] = [str(masked_evidence(e)) for e in frame["evidence"]]
    if "evidence_message" in out:
        out["evidence_message"] = [
            found.to_json() if isinstance(found := masked_evidence(None, m), Message) else None
            for m in frame["evidence_message"]
        ]
    out["profile_id"] = [masked_profile_id(p) for p in frame["profile_id"]]
    return out


def masked_profile_id(profile_id: str | None) -> str:
    """``platform:handle`` with the handle masked when the switch is on."""
    if not profile_id:
        return ""
    if not P.masked():
        return profile_id
    platform, _, handle = profile_id.partition(":")
    return f"{platform}:{(P.mask_value(handle, 'handle') or handle).lstrip('@')}"
