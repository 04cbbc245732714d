"""Privacy requests: find a person, see what is held, export it, erase it; the retention period.

A request quotes a name, an e-mail, a handle or a customer id: the search
finds the customer. The page lists how many rows each table holds about
them, offers everything as one JSON file (the right of access) and, for an
admin, erases them after the customer id is typed again (the right to
erasure). The engine is :mod:`scrm.privacy.requests`; every export, erasure, purge and
change of setting goes to the audit log, without the person's data.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scrm import api, auth, ui
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ScrmError
from scrm.privacy import requests as gdpr
from scrm.ui import auth as access
from scrm.ui import escape_markdown as esc
from scrm.ui import language as ui_lang
from scrm.ui import masking as P
from scrm.ui import privacy as L
from scrm.ui.language import t
from scrm.ui.missing import dataframe as show_table

PICK_KEY = "privacy_pick"
QUERY_KEY = "privacy_query"
FLASH_KEY = "privacy_flash"
RESET_KEY = "privacy_reset"
RETENTION_FLASH = "privacy_retention_flash"
COUNTS_CONFIG: dict[str, Any] = {
    "table": st.column_config.TextColumn(t("Table")),
    "about": st.column_config.TextColumn(t("What it holds")),
    "rows": st.column_config.NumberColumn(t("Rows (count)"), format="localized"),
}
# The tables in words: a privacy officer answering a request need not know the schema.
TABLE_WORDS = {
    S.CUSTOMERS: "the customer record", S.ORDERS: "orders", S.SURVEYS: "survey answers",
    S.MENTIONS: "social posts by them", S.PROFILES: "their social profiles", S.LINKS: "profile-customer links",
    S.SENTIMENT: "sentiment scores of their posts", S.MENTION_TOPICS: "themes of their posts",
    S.MENTION_TAGS: "tags on their posts", S.RULE_MATCHES: "workflow rule matches", S.CASES: "cases",
    S.CASE_EVENTS: "case history and notes", S.LINK_REVIEWS: "identity review decisions",
    S.CUSTOMER_VALUE: "value scores (CLV, RFM)", S.SEGMENTS: "segment membership", S.ROLES: "advocate/detractor role",
    S.JOURNEY: "journey stage", S.JOURNEY_TRANSITIONS: "journey history", S.FEEDBACK_PHASES: "feedback by journey phase",
    S.ALERTS: "alerts about them",
}  # fmt: skip
NO_MATCH = (
    "No customer's id, name, e-mail or handle contains “{text}”. Check the spelling, type a customer id in full "
    "(ids match only whole), or search a shorter part of a name, e-mail or handle."
)
START = "Type a customer id, or a few letters of a name, an e-mail or a social handle, to find the person the request is about."


def _count_frame(counts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": list(counts),
            "about": [TABLE_WORDS.get(t, "derived scores") for t in counts],
            "rows": [int(n) for n in counts.values()],
        }
    )


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _label(row: pd.Series) -> str:
    name = P.mask_value(None if pd.isna(row["name"]) else str(row["name"]), "name") or "(no name)"
    email = P.mask_value(None if pd.isna(row["email"]) else str(row["email"]), "email")
    return " · ".join(p for p in (str(row["customer_id"]), name, email or "") if p)


def _find(path: str, version: int) -> str | None:
    """The search box and the pick; the chosen customer id or None."""
    text = st.text_input(
        t("Find the person: customer id, name, e-mail or handle"),
        key=QUERY_KEY,
        placeholder=t("e.g. C000123, García, anne@example.com or @acox"),
        help=t("Case and accents do not matter; an exact customer id comes first."),
    )
    if not text.strip():
        st.caption(t(START))
        return None
    results = L.load_search(path, version, text.strip())
    if results.empty:
        st.info(NO_MATCH.format(text=esc(text.strip())), icon=":material/search_off:")
        return None
    labels = {str(r["customer_id"]): _label(r) for _, r in results.iterrows()}
    ids = list(labels)
    if st.session_state.get(PICK_KEY) not in ids:
        st.session_state[PICK_KEY] = ids[0]
    picked = st.selectbox(
        t("Customers found ({n})", n=ui_lang.format_number(len(ids))), ids, key=PICK_KEY, format_func=lambda i: labels.get(i, i),
    )
    return str(picked) if picked else None


def _held(path: str, version: int, customer_id: str) -> dict[str, int]:
    identity = L.load_identity(path, version, customer_id)
    held = L.load_held(path, version, customer_id)
    if identity is not None:
        name = P.mask_value(identity.name, "name") or "(no name)"
        email = P.mask_value(identity.email, "email") or "no e-mail"
        consent = {True: "agreed to marketing", False: "did not agree to marketing", None: "marketing consent unknown"}
        st.subheader(f"{esc(name)} · {esc(customer_id)}")
        st.caption(f"{esc(email)} · {consent[identity.consent_marketing]}")
    st.markdown(f"**What is held: {_rows(sum(held.values()))} in {len(held):,} tables**")
    show_table(_count_frame(held), column_config=COUNTS_CONFIG, hide_index=True, width="content")
    return held


def _export(path: str, version: int, customer_id: str) -> None:
    st.markdown(t("**Export** (right of access)"))
    if not access.export_allowed():
        return
    file_name = f"person-{customer_id}.json"
    # Built and recorded when the browser fetches it, if the person is still held then.
    st.download_button(
        t("Download everything (JSON)"), access.audited_person_export(customer_id),
        file_name=file_name, mime="application/json",
        icon=":material/download:", key="privacy_export",
        help=t("The customer record, linked profiles, mentions with sentiment, orders, survey answers, cases "
        "and every derived row, in the format scrm-person-export/1. The download is recorded in the audit log."),
        on_click="ignore",
    )


def _erase(path: str, version: int, customer_id: str) -> None:
    st.markdown(t("**Erase** (right to erasure)"))
    if not access.can(auth.ERASE):
        st.caption(auth.refusal_message(access.role(), auth.ERASE).render(ui_lang.lang()))
        return
    preview = L.load_preview(path, version, customer_id)
    st.caption(
        f"Erasing deletes the {_rows(preview.total_deleted)} above and replaces the person's name, e-mail and "
        f"handles by {gdpr.ERASED} in {_rows(preview.total_swept)} elsewhere (other people's posts that mention "
        "them, notes, settings). It cannot be undone; backups and files already downloaded are not touched."
    )
    with st.form("privacy_erase_form", clear_on_submit=True):
        typed = st.text_input(
            t("Type the customer id ({id}) to confirm", id=customer_id), key="privacy_erase_confirm",
            placeholder=customer_id,
        )
        go = st.form_submit_button(t("Erase this person"), type="primary", icon=":material/delete_forever:")
    if not go:
        return
    if typed.strip() != customer_id:
        st.error(
            f"The id typed (“{esc(typed.strip())}”) is not {esc(customer_id)}: nothing was erased. "
            "Type the id exactly as shown, then press Erase again.",
            icon=":material/block:",
        )
        return
    try:
        with ui.connection(path) as db, st.spinner(t("Erasing…")):
            summary = api.erase_person(db, customer_id, actor=access.actor(), role=access.role())
    except ScrmError as e:
        ui.show_error(e)
        return
    st.session_state[FLASH_KEY] = {
        "customer_id": customer_id,
        "reference": summary.reference,
        "deleted": summary.deleted,
        "swept": summary.total_swept,
        "compacted": summary.checkpointed,
    }
    st.session_state[RESET_KEY] = True  # the search widgets exist in this run: cleared on the next
    st.rerun()


def _flash() -> None:
    done = st.session_state.pop(FLASH_KEY, None)
    if not done:
        return
    deleted: dict[str, int] = done["deleted"]
    st.success(
        f"Customer {esc(done['customer_id'])} was erased: {_rows(sum(deleted.values()))} deleted, and their "
        f"name, e-mail or handles replaced in {_rows(int(done['swept']))} elsewhere. Audit reference "
        f"`{done['reference']}`: note it with the request (the log keeps no erased value).",
        icon=":material/check_circle:",
    )
    show_table(_count_frame(deleted), column_config=COUNTS_CONFIG, hide_index=True, width="content")
    if not done["compacted"]:
        st.warning(
            t("Another program had the database open, so the file could not be compacted: erased bytes may remain "
            "in free space until the next erasure or `VACUUM`."),
            icon=":material/warning:",
        )


def _retention(path: str, version: int) -> None:
    st.subheader(t("Retention"))
    current = L.load_retention(path, version)
    st.caption(
        t("Mentions older than the retention period are deleted (with their sentiment, tags and rule matches; "
          "cases keep their record) each time the scores are recomputed, or with Purge now below.")
        + " "
        + (t("Now: **{n} months**.", n=ui_lang.format_number(current)) if current
           else t("Now: **keep everything** (no retention period)."))
    )
    if not access.can(auth.SETTINGS):
        st.caption(auth.refusal_message(access.role(), auth.SETTINGS).render(ui_lang.lang()))
        return
    with st.form("privacy_retention_form"):
        months = st.number_input(
            t("Keep mentions for (months; 0 = keep everything)"), min_value=0, max_value=1200, step=1,
            value=int(current or 0), key="privacy_retention_months",
        )
        saved = st.form_submit_button(t("Save the retention period"), icon=":material/save:")
    if saved:
        with ui.connection(path) as db:
            api.set_retention_months(db, int(months) or None, actor=access.actor(), role=access.role())
        st.session_state[RETENTION_FLASH] = (
            f"Retention saved: mentions are kept for {int(months)} months. Older ones go at the next "
            "recompute of the scores or with Purge now below."
            if months else "Retention saved: every mention is kept."
        )
        st.rerun()
    if message := st.session_state.pop(RETENTION_FLASH, None):
        st.success(message, icon=":material/check_circle:")
    if not current:
        return
    n, cutoff = L.load_purge_preview(path, version, int(current), store.utcnow()[:10])
    if n == 0:
        st.caption(t("No mention is older than {months} months (posted before {day}): nothing to purge.", months=current, day=cutoff[:10]))
        return
    with st.form("privacy_purge_form"):
        sure = st.checkbox(
            t("Delete the {n} mentions posted before {day} ({months} months ago) for good", n=ui_lang.format_number(n), day=cutoff[:10], months=current),
            key="privacy_purge_sure",
        )
        purge = st.form_submit_button(t("Purge now"), type="primary", icon=":material/auto_delete:")
    if purge:
        if not sure:
            st.error(t("Tick the box to confirm the purge first: nothing was deleted."), icon=":material/block:")
            return
        with ui.connection(path) as db, st.spinner(t("Purging…")):
            removed = api.purge_mentions(db, int(current), actor=access.actor(), role=access.role()).mentions
        st.session_state["privacy_purged"] = removed
        st.rerun()


# --- page -------------------------------------------------------------------------------------

ui.ensure_routed("pages/privacy.py")
st.title(t("Privacy requests"))
st.caption(
    t("Answer a person's request: see what is held about them, download it all as JSON, or erase them from "
    "every table. Every export and erasure is recorded in the audit log, without their data.")
)
access.require(auth.EXPORT)
db_path = ui.current_db_path()
data_version = ui.current_version(db_path)

if st.session_state.pop(RESET_KEY, False):
    st.session_state[QUERY_KEY] = ""
    st.session_state.pop(PICK_KEY, None)
_flash()
if (purged := st.session_state.pop("privacy_purged", None)) is not None:
    st.success(t("Purged {n} mentions older than the retention period.", n=ui_lang.format_number(int(purged))), icon=":material/check_circle:")

person = _find(db_path, data_version)
if person:
    _held(db_path, data_version, person)
    left, right = st.columns(2)
    with left:
        _export(db_path, data_version, person)
    with right:
        _erase(db_path, data_version, person)

st.divider()
_retention(db_path, data_version)
