"""Identity review: a person confirms the links between social profiles and customers.

The machine links a profile to a customer when an e-mail, a handle or a name
in the same city makes it clear, and only suggests the pair when it is not
sure. Here an analyst accepts or rejects suggestions, links a profile to
another customer, unlinks a wrong link, merges two customer records of one
person, and undoes any of it from the history. Every decision is recorded
(:mod:`scrm.act.review`) and in the audit log.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scrm import api, auth, ui
from scrm.act import review as R
from scrm.db import schema as S
from scrm.errors import ScrmError
from scrm.ui import auth as access
from scrm.ui import escape_markdown as esc
from scrm.ui import identity as L
from scrm.ui import language as ui_lang
from scrm.ui import masking as P
from scrm.ui import tables
from scrm.ui.filters import platform_label
from scrm.ui.language import t
from scrm.ui.missing import dataframe as show_table
from scrm.ui.notes import translate_evidence

EMPTY_QUEUE = (
    "No links wait for review. Suggestions appear after an import of mentions when a profile "
    "resembles a customer but the match is not certain."
)
EMPTY_LINKED = (
    "No profile is linked to a customer yet. Links appear after an import of mentions whose authors' "
    "e-mails, handles or names match customers, or when you accept a suggestion."
)
EMPTY_HISTORY = (
    "No decision yet. Accept, reject, link, unlink or merge on the other tabs; every decision "
    "appears here and can be undone."
)
NO_SEARCH_MATCH = "No customer matches that search. Try part of the name, the e-mail or a handle."
SCORE_NOTE = (
    "Segments, roles and alerts use the links as of the last recompute: it runs in the background after "
    "a round of decisions (or use Recompute now on the Settings page)."
)
TABS = ("To review", "Linked", "Merge customers", "History")
HISTORY_PAGE = 20
FLASH_KEY = "identity_flash"

QUEUE_COLUMNS: dict[str, Any] = {
    "confidence": st.column_config.ProgressColumn(t("Confidence"), format="percent", min_value=0.0, max_value=1.0),
    "method_label": t("Method"),
    "platform": t("Platform"),
    "handle": t("Handle"),
    "display_name": t("Display name"),
    "location": t("Profile location"),
    "mentions": st.column_config.NumberColumn(t("Mentions (count)"), format="localized"),
    "customer_id": t("Customer id"),
    "customer_name": t("Customer name"),
    "city": t("Customer city"),
    "orders": st.column_config.NumberColumn(t("Orders (count)"), format="localized"),
    "other_count": st.column_config.NumberColumn(t("Other candidates (count)"), format="localized"),
    "confirmed_by": t("Confirmed by"),
}


def _present(value: Any) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value)) and str(value).strip() != ""


def _text(value: Any) -> str:
    return str(value) if _present(value) else "—"


COUNTS = {
    "follower": ("{n} follower", "{n} followers"), "mention": ("{n} mention", "{n} mentions"),
    "order": ("{n} order", "{n} orders"), "answer": ("{n} answer", "{n} answers"), "profile": ("{n} profile", "{n} profiles"),
}  # fmt: skip


def _number(value: Any, unit: str) -> str:
    """``1 order``, ``1.234 pedidos``: a count with its unit (a key of :data:`COUNTS`), in the reader's language."""
    if not _present(value):
        return "—"
    return t(COUNTS[unit][0 if int(value) == 1 else 1], n=ui_lang.format_number(int(value)))


def _act(path: str, action: str, *args: Any, profile_id: str | None = None) -> None:
    """Make one decision as the signed-in user; a flash sentence on success, the refusal on failure."""
    try:
        with ui.connection(path) as db:
            decision = api.review_link(db, action, *args, actor=access.actor(), role=access.role())
    except ScrmError as e:
        message = ui.error_text(e, ui_lang.lang())
        if profile_id:
            message = message.replace(profile_id, L.masked_profile_id(profile_id))
        ui.show_error(message)
        return
    message = decision.message
    if profile_id:
        message = message.replace(profile_id, L.masked_profile_id(profile_id))
    st.session_state[FLASH_KEY] = message
    st.rerun()


def _fields(rows: list[tuple[str, str]]) -> None:
    """A two-column table of labelled values (untrusted text stays text in a dataframe)."""
    show_table(
        pd.DataFrame(rows, columns=["Field", "Value"]),
        hide_index=True,
        width="stretch",
        column_config={"Field": st.column_config.TextColumn(t("Field"), width="small"), "Value": t("Value")},
    )


def _profile_fields(profile: dict[str, Any] | None, profile_id: str) -> list[tuple[str, str]]:
    if profile is None:
        return [(t("Profile"), L.masked_profile_id(profile_id)), (t("Note"), t("No mention of this profile is left."))]
    return [
        (t("Platform"), platform_label(str(profile["platform"])) if _present(profile["platform"]) else "—"),
        (t("Handle"), _text(P.mask_value(profile["handle"], "handle"))),
        (t("Display name"), _text(P.mask_value(profile["display_name"], "name"))),
        (t("Location"), _text(profile["location"])),
        (t("E-mail given"), _text(P.mask_value(profile["email"], "email"))),
        (t("Followers"), _number(profile["followers"], "follower")),
        (t("Mentions"), _number(profile["mentions"], "mention")),
        (t("First seen (UTC)"), _text(profile["first_seen"]).replace("T", " ")),
        (t("Last seen (UTC)"), _text(profile["last_seen"]).replace("T", " ")),
    ]


def _customer_fields(customer: dict[str, Any] | None, customer_id: str) -> list[tuple[str, str]]:
    if customer is None:
        return [(t("Customer id"), customer_id), (t("Note"), t("This customer record no longer exists."))]
    return [
        (t("Customer id"), customer_id),
        (t("Name"), _text(P.mask_value(customer["name"], "name"))),
        (t("City"), _text(customer["city"])),
        (t("Country"), _text(customer["country"])),
        (t("E-mail"), _text(P.mask_value(customer["email"], "email"))),
        (t("Orders"), _number(customer["orders"], "order")),
        (t("Revenue ({currency})", currency=customer["currency"]) if customer.get("currency") else t("Revenue"),
         t("{amount} (sum of order amounts, not converted)" if "+" in str(customer.get("currency"))
           else "{amount} (sum of order amounts)", amount=ui_lang.format_number(customer["revenue"], decimals=2))),
        (t("Survey answers"), _number(customer["surveys"], "answer")),
        (t("Linked profiles"), _number(customer["linked_profiles"], "profile")),
    ]


def _side_by_side(path: str, version: int, profile_id: str, customer_id: str) -> None:
    left, right = st.columns(2)
    with left:
        st.markdown(t("**Social profile**"))
        _fields(_profile_fields(L.load_profile(path, version, profile_id), profile_id))
    with right:
        st.markdown(t("**Customer**"))
        _fields(_customer_fields(L.load_customer(path, version, customer_id), customer_id))
        st.page_link(
            "pages/customer.py", label=t("Open customer {id} in Customer 360", id=esc(customer_id)),
            icon=":material/person_search:", query_params={"customer": customer_id},
        )  # fmt: skip


def _evidence(row: dict[str, Any]) -> None:
    confidence = float(row["confidence"] or 0)
    c1, c2 = st.columns([1, 3])
    c1.metric(t("Confidence"), ui_lang.format_percent(confidence * 100, decimals=0), border=True,
              help=t("How sure the matching is, from 0% to 100%: e-mail 100%, handle 95%, name and city 63-90%. "
                   "85% or more links automatically when no other customer ties."))  # fmt: skip
    with c2:
        st.markdown(t("**Evidence** ({method}): {evidence}", method=esc(t(str(row["method_label"]))),
                      evidence=esc(translate_evidence(L.masked_evidence(row["evidence"], row.get("evidence_message")), ui_lang.lang()))))
        if int(row["other_count"] or 0):
            st.caption(
                t("Other candidates for this profile: {others}. Accepting this customer rejects them: a profile is one person.",
                  others=esc(row["others"]))
            )


FIELD_LABELS = {
    "customer_id": "Customer id",
    "email": "E-mail",
    "created_at": "Customer since (UTC)",
    "consent_marketing": "Marketing consent (1 = yes)",
    "orders": "Orders (count)",
    "revenue": "Revenue (sum of order amounts)",
    "surveys": "Survey answers (count)",
    "cases": "Cases (count)",
    "linked_profiles": "Linked profiles (count)",
}


def _field_label(field: str) -> str:
    """A customer column of the merge preview, named in the reader's language."""
    if field in S.HANDLE_PLATFORMS:
        return t("{platform} handle", platform=platform_label(field))
    return t(FIELD_LABELS.get(field, field.replace("_", " ").capitalize()))


def _masked_field(field: str, value: str, personal: dict[str, str]) -> str:
    """One cell of the merge preview, masked when the switch is on (the phone is hidden)."""
    if not value:
        return "—"
    if field == "phone" and P.masked():
        return t("(hidden while masking)")
    return _text(P.mask_value(value, personal[field]) if field in personal else value)


def _pick_customer(path: str, version: int, label: str, key: str) -> str | None:
    """A search box and a pick list of customers; the picked id or None."""
    text = st.text_input(label, key=f"{key}_search", placeholder=t("Name, e-mail, handle or customer id"))
    if not text.strip():
        return None
    found = L.load_search(path, version, text.strip())
    exact = L.load_customer(path, version, text.strip())
    options: list[str] = ([text.strip()] if exact is not None else []) + [
        str(c) for c in found["customer_id"] if str(c) != text.strip()
    ]
    if not options:
        st.info(t(NO_SEARCH_MATCH), icon=":material/search_off:")
        return None
    names = dict(zip(found["customer_id"].astype(str), found["name"], strict=True))
    cities = dict(zip(found["customer_id"].astype(str), found["city"], strict=True))
    if exact is not None:
        names[text.strip()], cities[text.strip()] = exact["name"], exact["city"]

    def label_of(customer_id: str) -> str:
        name = P.mask_value(names.get(customer_id), "name")
        parts = [customer_id, _text(name), _text(cities.get(customer_id))]
        return " · ".join(parts)

    choice = st.selectbox(t("Customer"), options, format_func=label_of, key=f"{key}_pick")
    return str(choice) if choice else None


# --- tabs ---------------------------------------------------------------------------------


def _to_review(path: str, version: int, total: int) -> None:
    queue = L.load_queue(path, version, S.SUGGESTED)
    if queue.empty:
        st.info(t(EMPTY_QUEUE), icon=":material/task_alt:")
        return
    if total > len(queue):
        st.caption(t("The {n} most confident of {total} suggestions, most confident first.", n=ui_lang.format_number(len(queue)), total=ui_lang.format_number(total)))
    else:
        st.caption(t("{total} suggestions, most confident first. Pick a row to see it side by side.", total=ui_lang.format_number(total)))
    cols = ["confidence", "method_label", "platform", "handle", "display_name", "location", "mentions",
            "customer_id", "customer_name", "city", "orders", "other_count"]  # fmt: skip
    # Several rows can be selected: the first is shown side by side, all of them can be decided at once below.
    event = st.dataframe(  # a selectable table keeps st.dataframe's own drawing; its stored words translated
        tables.translate_cells(L.masked_queue(queue)[cols], ui_lang.lang()), hide_index=True, on_select="rerun",
        selection_mode="multi-row",
        key=f"identity_queue_{version}", column_config=QUEUE_COLUMNS, height=300,
    )  # fmt: skip
    rows = list(event.selection.rows) if event is not None else []
    _decide_many(path, version, queue, rows)
    i = rows[0] if rows and rows[0] < len(queue) else 0
    row = {str(k): v for k, v in queue.iloc[i].to_dict().items()}
    profile_id, customer_id = str(row["profile_id"]), str(row["customer_id"])
    st.subheader(t("Is {profile} customer {customer}?", profile=esc(L.masked_profile_id(profile_id)), customer=esc(customer_id)), anchor=False)
    _evidence(row)
    _side_by_side(path, version, profile_id, customer_id)
    b1, b2, _ = st.columns([1, 1, 3])
    if b1.button(t("Accept"), type="primary", icon=":material/check:", key="identity_accept", width="stretch"):
        _act(path, "accept", profile_id, customer_id, profile_id=profile_id)
    if b2.button(t("Reject"), icon=":material/close:", key="identity_reject", width="stretch"):
        _act(path, "reject", profile_id, customer_id, profile_id=profile_id)
    with st.expander(t("Not this customer? Link the profile to another one"), icon=":material/person_add:"):
        other = _pick_customer(path, version, t("Search customers"), "identity_other")
        if other and st.button(t("Link the profile to customer {customer}", customer=esc(other)), key="identity_link_other"):
            _act(path, "link", profile_id, other, profile_id=profile_id)


BULK_SCOPES = {"selected": "The rows selected in the list", "above": "Every suggestion at or above a confidence"}


def _act_many(path: str, action: str, pairs: list[tuple[str, str]]) -> None:
    """Decide many pairs in one call; a flash sentence with how many were decided and skipped."""
    try:
        with ui.connection(path) as db:
            result = api.review_many(db, action, pairs, actor=access.actor(), role=access.role())
    except ScrmError as e:
        ui.show_error(e)
        return
    done, skipped = ui_lang.format_number(len(result.decisions)), ui_lang.format_number(len(result.skipped))
    st.session_state[FLASH_KEY] = (
        t("Accepted {n} pairs ({skipped} skipped: no longer suggestions). Each one can be undone in the History tab.",
          n=done, skipped=skipped) if action == "accept" else
        t("Rejected {n} pairs ({skipped} skipped: no longer suggestions). Each one can be undone in the History tab.",
          n=done, skipped=skipped)
    )  # fmt: skip
    st.rerun()


def _decide_many(path: str, version: int, queue: pd.DataFrame, rows: list[int]) -> None:
    """Accept or reject many pairs at once, with what their evidence rests on summarised."""
    with st.expander(t("Decide many pairs at once"), icon=":material/done_all:", expanded=len(rows) > 1):
        scope = st.radio(t("Pairs"), list(BULK_SCOPES), format_func=lambda s: t(BULK_SCOPES[s]), horizontal=True,
                         key="identity_bulk_scope")  # fmt: skip
        if scope == "selected":
            chosen = queue.iloc[[r for r in rows if r < len(queue)]]
        else:
            level = st.slider(t("Confidence at least (%)"), 0, 100, 80, step=5, key="identity_bulk_level")
            chosen = L.load_suggestions(path, version, level / 100)
        evidence = L.evidence_of(chosen)
        if evidence.pairs == 0:
            st.caption(t("No pair is chosen: select several rows in the list, or choose every suggestion above a confidence."))
            return
        st.markdown(t(
            "**{pairs} pairs** of {profiles} profiles; confidence from {low} to {high}.",
            pairs=ui_lang.format_number(evidence.pairs), profiles=ui_lang.format_number(evidence.profiles),
            low=ui_lang.format_percent(100 * (evidence.confidence_low or 0), decimals=0),
            high=ui_lang.format_percent(100 * (evidence.confidence_high or 0), decimals=0),
        ))  # fmt: skip
        show_table(
            pd.DataFrame({"method": list(evidence.by_method), "pairs": list(evidence.by_method.values())}),
            hide_index=True, column_config={"method": t("Matched on"), "pairs": st.column_config.NumberColumn(t("Pairs"))},
        )  # fmt: skip
        if evidence.shared_profiles:
            st.caption(t("{n} profiles have more than one candidate here: accepting links the surest one and rejects "
                         "the others.", n=ui_lang.format_number(evidence.shared_profiles)))  # fmt: skip
        pairs = [(str(p), str(c)) for p, c in zip(chosen["profile_id"], chosen["customer_id"], strict=True)]
        b1, b2, _ = st.columns([1, 1, 2])
        if b1.button(t("Accept {n} pairs", n=ui_lang.format_number(len(pairs))), key="identity_bulk_accept",
                     icon=":material/done_all:", width="stretch"):  # fmt: skip
            _act_many(path, "accept", pairs)
        if b2.button(t("Reject {n} pairs", n=ui_lang.format_number(len(pairs))), key="identity_bulk_reject",
                     icon=":material/remove_done:", width="stretch"):  # fmt: skip
            _act_many(path, "reject", pairs)


def _linked(path: str, version: int, total: int) -> None:
    linked = L.load_queue(path, version, S.LINKED, 100_000)
    if linked.empty:
        st.info(t(EMPTY_LINKED), icon=":material/link_off:")
        return
    needle = st.text_input(t("Filter by customer id or handle"), key="identity_linked_filter").strip().casefold()
    if needle:
        hit = linked["customer_id"].astype(str).str.casefold().str.contains(needle, regex=False) | linked[
            "profile_id"
        ].astype(str).str.casefold().str.contains(needle, regex=False)
        linked = linked[hit].reset_index(drop=True)
        if linked.empty:
            st.info(t("No link matches that filter. Clear it to see every link."), icon=":material/filter_alt_off:")
            return
    st.caption(t("{n} of {total} linked pairs. Pick a row to unlink it.", n=ui_lang.format_number(len(linked)), total=ui_lang.format_number(total)))
    cols = ["confidence", "method_label", "platform", "handle", "display_name", "customer_id", "customer_name",
            "city", "orders", "confirmed_by"]  # fmt: skip
    event = st.dataframe(  # a selectable table keeps st.dataframe's own drawing; its stored words translated
        tables.translate_cells(L.masked_queue(linked)[cols], ui_lang.lang()), hide_index=True, on_select="rerun",
        selection_mode="single-row",
        key=f"identity_linked_{version}", column_config=QUEUE_COLUMNS, height=300,
    )  # fmt: skip
    rows = list(event.selection.rows) if event is not None else []
    if not rows or rows[0] >= len(linked):
        return
    row = {str(k): v for k, v in linked.iloc[rows[0]].to_dict().items()}
    profile_id, customer_id = str(row["profile_id"]), str(row["customer_id"])
    _evidence(row)
    _side_by_side(path, version, profile_id, customer_id)
    st.caption(t("Unlinking marks the pair rejected, so a later import does not link it again. You can undo it in History."))
    if st.button(t("Unlink {profile} from {customer}", profile=esc(L.masked_profile_id(profile_id)), customer=esc(customer_id)), icon=":material/link_off:",
                 key="identity_unlink"):  # fmt: skip
        _act(path, "unlink", profile_id, customer_id, profile_id=profile_id)


def _merge(path: str, version: int) -> None:
    st.caption(
        t("Two customer records of one person: orders, survey answers, profile links and cases of the second "
        "move to the first, its empty fields are filled from the second, and the second record is removed.")
    )
    left, right = st.columns(2)
    with left:
        keep = _pick_customer(path, version, "Keep this record", "identity_keep")
    with right:
        other = _pick_customer(path, version, "Merge this record into it", "identity_merge")
    if not keep or not other:
        st.info(t("Search and pick the two records above to compare them."), icon=":material/compare_arrows:")
        return
    if keep == other:
        st.warning(t("Pick two different records: both boxes hold the same customer."), icon=":material/warning:")
        return
    try:
        preview = L.load_merge_preview(path, version, keep, other)
    except ScrmError as e:
        ui.show_error(e)
        return
    personal = {"name": "name", "email": "email", **{p: "handle" for p in S.HANDLE_PLATFORMS}}
    shown = preview.copy()
    for column in ("keep", "merge", "result"):
        shown[column] = [
            _masked_field(f, v, personal) for f, v in zip(preview["field"], preview[column], strict=True)
        ]
    shown["field"] = [_field_label(f) for f in preview["field"]]
    config: dict[str, Any] = {
        "field": t("Field"), "keep": t("Keep: {id}", id=keep), "merge": t("Merge: {id}", id=other),
        "result": t("After the merge"),
    }  # fmt: skip
    show_table(shown, hide_index=True, width="stretch", column_config=config, height=35 * (len(shown) + 1) + 3)
    with st.form("identity_merge_form"):
        sure = st.checkbox(t("I checked: {keep} and {other} are the same person", keep=esc(keep), other=esc(other)), key="identity_merge_sure")
        go = st.form_submit_button(t("Merge the second record into the first"), type="primary", icon=":material/merge:")
    if go:
        if not sure:
            st.warning(t("Tick the box to confirm that both records are the same person."), icon=":material/warning:")
        else:
            _act(path, "merge", keep, other)


def _history(path: str, version: int) -> None:
    hist = L.load_history(path, version, 1000)
    if hist.empty:
        st.info(t(EMPTY_HISTORY), icon=":material/history:")
        return
    st.caption(
        t("Newest first. Undo puts back exactly the rows a decision changed; a decision whose rows a later "
        "decision changed again is undone after that one.")
    )
    pages = max(1, -(-len(hist) // HISTORY_PAGE))
    page = 1
    if pages > 1:
        page = int(
            st.columns([1, 3])[0].number_input(
                t("Page (of {pages}, {n} decisions each)", pages=pages, n=HISTORY_PAGE), 1, pages, 1, key="identity_history_page"
            )
        )
    for row in hist.iloc[(page - 1) * HISTORY_PAGE : page * HISTORY_PAGE].to_dict("records"):
        review_id = int(row["review_id"])
        what = (
            t("customer {other} into {customer}", other=row["other_customer_id"], customer=row["customer_id"])
            if row["action"] == R.MERGE
            else t("profile {profile} · customer {customer}", profile=L.masked_profile_id(row["profile_id"]),
                   customer=row["customer_id"])
        )  # fmt: skip
        action = t(R.ACTION_LABELS[row["action"]]) if row["action"] in R.ACTION_LABELS else str(row["action_label"])
        with st.container(border=True):
            text, button = st.columns([4, 1], vertical_alignment="center")
            text.markdown(
                f"**{review_id}** · {esc(str(row['at']).replace('T', ' '))} UTC · {esc(row['actor'])} "
                f"{esc(action)}: {esc(what)}"
            )
            if _present(row["reverted_at"]):
                text.caption(t("Undone at {at} UTC by {who}.", at=esc(str(row["reverted_at"]).replace("T", " ")),
                               who=esc(row["reverted_by"])))  # fmt: skip
            elif row["can_undo"]:
                if button.button(t("Undo"), key=f"identity_undo_{review_id}", icon=":material/undo:", width="stretch"):
                    _act(path, "undo", review_id)
            else:
                later = str(row["blocked_by"])
                blocked = (t("Undo the later decisions {ids} first: they changed the same rows.", ids=later) if "," in later
                           else t("Undo the later decision {ids} first: it changed the same rows.", ids=later))
                text.caption(esc(blocked))
                button.button(
                    t("Undo"), key=f"identity_undo_{review_id}", icon=":material/undo:", width="stretch", disabled=True,
                    help=blocked,
                )  # fmt: skip


# --- page -------------------------------------------------------------------------------------

ui.ensure_routed("pages/identity.py")
st.title(t("Identity review"))
st.caption(
    t("Confirm or correct the links between social profiles and customers. "
    "Every decision is recorded and can be undone in the History tab.")
)
access.require(auth.IDENTITY, page="Identity review")
path = ui.current_db_path()
version = ui.current_version(path)

if flash := st.session_state.pop(FLASH_KEY, None):
    st.success(esc(flash), icon=":material/check_circle:")

counts = L.load_counts(path, version)
def _pairs(n: int) -> str:
    return t("{n} pair", n=ui_lang.format_number(n)) if n == 1 else t("{n} pairs", n=ui_lang.format_number(n))


m = st.columns(4)
m[0].metric(t("To review"), _pairs(counts[S.SUGGESTED]), border=True,
            help=t("Suggested profile-customer pairs the matching was not sure of."))  # fmt: skip
m[1].metric(t("Linked"), _pairs(counts[S.LINKED]), border=True,
            help=t("Profile-customer pairs the analysis treats as one person."))  # fmt: skip
m[2].metric(t("Rejected"), _pairs(counts[S.REJECTED]), border=True,
            help=t("Pairs a person turned down; never suggested again."))  # fmt: skip
m[3].metric(t("Decisions"), ui_lang.format_number(counts["reviews"]), border=True,
            help=t("Decisions made in this review, {n} of them undone.", n=ui_lang.format_number(counts["undone"])))  # fmt: skip
if counts["reviews"]:
    st.caption(t(SCORE_NOTE))

tabs = st.tabs([t(x) for x in TABS], key="identity_tab", on_change="rerun")
with tabs[0]:
    if tabs[0].open is not False:
        _to_review(path, version, counts[S.SUGGESTED])
with tabs[1]:
    if tabs[1].open:
        _linked(path, version, counts[S.LINKED])
with tabs[2]:
    if tabs[2].open:
        _merge(path, version)
with tabs[3]:
    if tabs[3].open:
        _history(path, version)
