"""Customer 360: find one customer and read their whole story on one card.

Search by name, e-mail or handle; the picked customer's id is kept in the
link (``?customer=C000123``) so that a copied address opens the same card.
The card: identity and linked profiles, value, roles, journey stage, a
suggested next action, one timeline of orders, mentions, survey answers and
cases, and for B2B contacts the account across its contacts.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from scrm import ui
from scrm.charts import customer as charts
from scrm.export import files as exports
from scrm.ui import auth as access
from scrm.ui import customer as U
from scrm.ui import escape_markdown as esc
from scrm.ui import listening as sentiment
from scrm.ui import masking as P
from scrm.ui.filters import current_filters
from scrm.views import customer as C
from scrm.views import journey as journey_views

CUSTOMER_PARAM = "customer"
PERSONAL = {"name": "name", "email": "email"}
STAGE_NAMES = journey_views.STAGE_LABELS  # the Journey page's names for the stages
STAGE_COLOURS = {"at_risk": "orange", "lapsed": "red", "advocate": "green"}
ROLE_COLOURS = {"ambassador": "violet", "advocate": "green", "detractor": "red", "influencer": "blue"}


def _label(row: pd.Series) -> str:
    def text(column: str) -> str:
        value = row.get(column)
        return "" if value is None or pd.isna(value) else str(value).strip()

    parts = [text("name") or "(no name)", text("email"), text("city"), text("account")]
    return " · ".join(p for p in parts if p)


def _open_customer(key: str) -> None:
    # A callback, so it runs only when the user picks: the link then names the customer.
    customer_id = st.session_state.get(key)
    if customer_id:
        st.query_params[CUSTOMER_PARAM] = customer_id


def _close_card() -> None:
    del st.query_params[CUSTOMER_PARAM]
    st.session_state["customer_pick"] = None


def _search(path: str, version: int) -> None:
    text = st.text_input(
        "Search by name, e-mail or handle",
        key="customer_query",
        placeholder="e.g. García, @acox or anne@example.com",
        help="Case and accents do not matter; % and _ are searched as they are.",
    )
    if not text.strip():
        if not st.query_params.get(CUSTOMER_PARAM):
            st.caption("Type a few letters of a name, an e-mail or a social handle to find a customer.")
            _to_watch(path, version)
        return
    results = U.load_search(path, version, text.strip(), C.SEARCH_LIMIT)
    if results.empty:
        st.info(
            f"No customer's name, e-mail or handle contains “{esc(text.strip())}”. "
            "Check the spelling or search a shorter part of it.",
            icon=":material/search_off:",
        )
        return
    shown = P.masked_frame(results, PERSONAL)
    labels = {cid: _label(row) for cid, (_, row) in zip(results["customer_id"], shown.iterrows(), strict=True)}
    more = " (the first 20: type more to narrow)" if len(results) >= C.SEARCH_LIMIT else ""
    st.selectbox(
        f"{len(results):,} matching customer{'' if len(results) == 1 else 's'}{more}",
        options=list(labels),
        index=None,
        format_func=lambda cid: labels.get(cid, cid),
        placeholder="Pick a customer",
        key="customer_pick",
        on_change=_open_customer,
        args=("customer_pick",),
    )


def _open_watched(key: str, ids: list[str]) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        st.query_params[CUSTOMER_PARAM] = ids[rows[0]]


def _to_watch(path: str, version: int) -> None:
    watch = U.load_to_watch(path, version)
    if watch.empty:
        return
    st.subheader("High-value customers slipping away")
    st.caption(
        "At risk or lapsed, and in the top fifth by predicted 12-month value (CLV decile 9-10). "
        "Select a row to open the card."
    )
    ids = list(watch["customer_id"])
    P.show_frame(
        watch.assign(stage=watch["stage"].map(STAGE_NAMES).astype("object")),
        PERSONAL,
        hide_index=True,
        width="stretch",
        on_select=lambda: _open_watched("customer_watch", ids),
        selection_mode="single-row",
        key="customer_watch",
        column_config={
            "customer_id": "Customer id",
            "name": "Name",
            "email": "E-mail",
            "stage": "Journey stage",
            "clv": st.column_config.NumberColumn("CLV, next 12 months", format="localized"),
            "revenue": st.column_config.NumberColumn("Revenue to date", format="localized"),
            "rfm_segment": "RFM segment",
        },
    )


def _identity(card: C.CustomerCard) -> None:
    who = card.identity
    consent = {True: "yes", False: "no", None: "not recorded"}[who.consent_marketing]
    rows = [
        ("Name", P.mask_value(who.name, "name")),
        ("E-mail", P.mask_value(who.email, "email")),
        ("Phone", "hidden (privacy switch)" if (who.phone and P.masked()) else who.phone),
        ("City", who.city),
        ("Country", who.country),
        ("Account", who.account),
        ("Customer since", (who.created_at or "")[:10] or None),
        ("Marketing consent", consent),
    ]
    # A table, not markdown: names and e-mails from files stay plain text (no autolinks).
    table = pd.DataFrame({"Field": [k for k, _ in rows], "Value": [v or "not recorded" for _, v in rows]})
    st.dataframe(table, hide_index=True, width="stretch")


def _value(card: C.CustomerCard) -> None:
    value = card.value
    if not value:
        st.info(
            "No value figures: this customer has no order, or the value has not been computed yet "
            "(it follows in the background, or use Recompute now on the Settings page).",
            icon=":material/payments:",
        )
        return
    if len(card.currencies) == 1:
        unit = f" ({esc(card.currencies[0])})"
    elif card.currencies:
        unit = " (mixed currencies)"
    else:
        unit = ""
    decile = value.get("clv_decile")
    with st.container(horizontal=True):
        st.badge(f"RFM segment: {value.get('rfm_segment') or 'none'}", color="blue", icon=":material/grid_view:")
        st.badge(f"Buys: {value.get('frequency_class') or 'unknown'}", color="blue", icon=":material/repeat:")
        if decile is not None:
            st.badge(f"CLV decile {int(decile)} of 10", color="blue", icon=":material/trending_up:")
    tiles = [*st.columns(2), *st.columns(2)]
    tiles[0].metric(
        f"CLV, next 12 months{unit}",
        ui.format_number(float(value.get("clv") or 0), money=True),
        help="Predicted revenue of the next 12 months (BG/NBD x Gamma-Gamma). Decile 10 = the top tenth.",
        border=True,
    )
    tiles[1].metric(f"Revenue to date{unit}", ui.format_number(float(value.get("revenue") or 0), money=True), border=True)
    tiles[2].metric("Orders", f"{int(value.get('orders') or 0):,}", border=True)
    tiles[3].metric(
        f"Average order value{unit}", ui.format_number(float(value.get("aov") or 0), money=True), border=True
    )
    st.caption(
        f"RFM scores (1-5): recency {value.get('r_score')}, frequency {value.get('f_score')}, "
        f"monetary {value.get('m_score')}; last order {str(value.get('last_order_at') or '')[:10]} "
        f"({int(value.get('recency_days') or 0):,} days before {value.get('as_of')})."
    )


def _badges(card: C.CustomerCard) -> None:
    row = st.container(horizontal=True)
    with row:
        if card.stage:
            stage, since = card.stage
            st.badge(
                f"Journey: {STAGE_NAMES.get(stage, stage)} since {(since or '')[:7]}",
                color=STAGE_COLOURS.get(stage, "blue"),  # type: ignore[arg-type]
                icon=":material/route:",
            )
        else:
            st.badge("Journey: no stage yet", color="gray", icon=":material/route:")
        for role in card.roles:
            st.badge(role.title(), color=ROLE_COLOURS.get(role, "gray"), icon=":material/campaign:")  # type: ignore[arg-type]
    confirmed = not card.profiles.empty and bool((card.profiles["status"] == "linked").any())
    if confirmed and not card.roles:
        st.caption("No role (ambassador, advocate, detractor, influencer) on the linked profiles.")


def _next_action(card: C.CustomerCard, timeline: pd.DataFrame) -> None:
    action = C.suggest_next_action(
        stage=card.stage[0] if card.stage else None,
        clv_decile=int(card.value["clv_decile"]) if card.value and card.value.get("clv_decile") is not None else None,
        roles=card.roles,
        consent=card.identity.consent_marketing,
        recent_nps=C.recent_nps(timeline, card.as_of),
    )
    box = st.warning if action.action in ("Call within 48 h", "Open a rescue case") else st.success
    box(f"**Suggested next action: {action.action}.** Why: {action.reason}.", icon=":material/assistant:")
    with st.expander("How the next action is chosen"):
        st.markdown("The first rule that holds:\n\n" + "\n".join(
            f"{i}. **{a}**: {r}." for i, (a, r) in enumerate(C.NEXT_ACTION_RULES, 1)
        ))


def _profiles(card: C.CustomerCard) -> None:
    profiles = card.profiles
    if profiles.empty:
        st.caption(
            "No social profile is linked to this customer, so no mention shows here. "
            "Profiles link by e-mail, handle, or name and city when mentions are imported."
        )
        return
    shown = P.masked_frame(profiles, {"handle": "handle", "display_name": "name"})
    st.dataframe(
        shown[["platform", "handle", "display_name", "followers", "mentions", "method", "confidence", "status", "role"]],
        hide_index=True,
        width="stretch",
        column_config={
            "platform": "Platform",
            "handle": "Handle",
            "display_name": "Display name",
            "followers": st.column_config.NumberColumn("Followers", format="localized"),
            "mentions": st.column_config.NumberColumn("Mentions", format="localized"),
            "method": "Linked by",
            "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="%.2f"),
            "status": "Status",
            "role": "Role",
        },
    )


def _count(n: int, kind: str) -> str:
    noun = {"order": "order", "mention": "mention", "survey": "survey answer", "case": "case"}[kind]
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _timeline(timeline: pd.DataFrame, filtered: bool, customer_id: str) -> None:
    where = " in the dates and channels picked in the sidebar" if filtered else ""
    if timeline.empty:
        st.info(
            f"Nothing on this customer's timeline{where}: no order, no mention by a linked profile, "
            "no survey answer." + (" Widen the sidebar filters to see more." if filtered else ""),
            icon=":material/timeline:",
        )
        return
    counts = timeline["kind"].value_counts()
    missing = [
        sentence
        for kind, sentence in (
            ("order", f"No orders{where}."),
            ("mention", f"No mentions by a linked profile{where}."),
            ("survey", f"No survey answers{where}."),
        )
        if kind not in counts
    ]
    st.caption(
        " · ".join(_count(int(counts[k]), k) for k in C.TIMELINE_KINDS if k in counts)
        + (" — " + " ".join(missing) if missing else "")
    )
    # Mention texts name other people's handles and e-mails: masked in the chart's tooltips too.
    shown = P.masked_frame(timeline, {"author": "handle", "detail": "text"})
    st.altair_chart(charts.timeline_chart(shown), width="stretch")
    table = shown.iloc[::-1]
    table = table.assign(at=table["at"].str.replace("T", " ", regex=False).str.slice(0, 16))
    event = st.dataframe(
        table[["at", "kind", "title", "author", "detail", "amount", "sentiment", "score"]],
        hide_index=True,
        key="customer_timeline_table",
        on_select="rerun",
        selection_mode="single-row",
        width="stretch",
        height=min(420, 38 + 35 * len(table)),
        column_config={
            "at": "When (UTC)",
            "kind": "Kind",
            "title": "What",
            "author": "Profile",
            "detail": st.column_config.TextColumn("Text or details", width="large"),
            "amount": st.column_config.NumberColumn("Amount", format="%.2f"),
            "sentiment": "Sentiment",
            "score": st.column_config.NumberColumn("Score", help="Mentions: -1 to 1. Surveys: NPS 0-10.", format="%.2f"),
        },
    )
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked and picked[0] < len(table) and table.iloc[picked[0]]["kind"] == "mention":
        sentiment.sentiment_corrector(
            ui.current_db_path(), ui.current_version(), str(table.iloc[picked[0]]["item_id"]), key="customer_correct"
        )
    else:
        st.caption("Select a mention in the table to see how sure its sentiment is, or to correct it.")
    if access.export_allowed():
        file_name = f"timeline-{re.sub(r'[^A-Za-z0-9_-]', '_', customer_id)}.csv"
        st.download_button(
            "Download the timeline (CSV)",
            # Fetched after the customer's erasure (a page drawn before): an empty file, nothing recorded.
            data=access.audited(
                lambda: exports.to_csv_bytes(timeline), file_name, person=customer_id, rows=len(timeline)
            ),
            file_name=file_name,
            mime="text/csv",
            icon=":material/download:",
            key="customer_timeline_csv",
            help="All rows, unmasked; cells that start like a formula are neutralised.",
            on_click="ignore",
        )


def _account(path: str, version: int, account: str, customer_id: str) -> None:
    contacts = U.load_account(path, version, account)
    if contacts.empty:
        return
    st.subheader(f"Account: {esc(account)}")
    totals = C.account_totals(contacts)
    cols = st.columns(4)
    cols[0].metric("Contacts", f"{int(totals['contacts']):,}", border=True)
    cols[1].metric("Orders", f"{int(totals['orders']):,}", border=True)
    cols[2].metric("Revenue", ui.format_number(totals["revenue"], money=True), border=True)
    cols[3].metric("CLV, next 12 months", ui.format_number(totals["clv"], money=True), border=True)
    shown = P.masked_frame(contacts, PERSONAL)
    shown = shown.assign(stage=shown["stage"].map(STAGE_NAMES).astype("object"))
    st.dataframe(
        shown[["customer_id", "name", "email", "stage", "orders", "revenue", "clv", "rfm_segment"]],
        hide_index=True,
        width="stretch",
        column_config={
            "customer_id": "Customer id",
            "name": "Name",
            "email": "E-mail",
            "stage": "Journey stage",
            "orders": st.column_config.NumberColumn("Orders", format="localized"),
            "revenue": st.column_config.NumberColumn("Revenue", format="localized"),
            "clv": st.column_config.NumberColumn("CLV, next 12 months", format="localized"),
            "rfm_segment": "RFM segment",
        },
    )
    others = {cid: name for cid, name in zip(contacts["customer_id"], shown["name"], strict=True) if cid != customer_id}
    if others:
        st.selectbox(
            "Open another contact of this account",
            options=list(others),
            index=None,
            format_func=lambda cid: str(others.get(cid) or cid),
            placeholder="Pick a contact",
            key="customer_contact",
            on_change=_open_customer,
            args=("customer_contact",),
        )


def _card(path: str, version: int, customer_id: str) -> None:
    card = U.load_card(path, version, customer_id)
    if card is None:
        st.warning(
            f"No customer has the id “{esc(customer_id)}” (from the link). Search for the customer above.",
            icon=":material/person_off:",
        )
        return
    filters = current_filters()
    name = P.mask_value(card.identity.name, "name") or "(no name)"
    st.header(esc(name), divider="gray")
    st.caption(f"Customer id {esc(card.identity.customer_id)}")
    st.button("Close the card", icon=":material/close:", on_click=_close_card, key="customer_close")
    _badges(card)
    timeline = U.load_timeline(path, version, customer_id, filters)
    _next_action(card, timeline)

    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader("Identity")
        _identity(card)
    with right:
        st.subheader("Value")
        _value(card)

    st.subheader("Linked social profiles")
    _profiles(card)

    st.subheader("Timeline")
    filtered = bool(filters.date_from or filters.date_to or filters.brands or filters.platforms or filters.langs)
    _timeline(timeline, filtered, customer_id)

    if card.identity.account:
        _account(path, version, card.identity.account, customer_id)


ui.ensure_routed("pages/customer.py")
db_path = ui.current_db_path()
data_version = ui.current_version(db_path)

st.title("Customer 360")
if U.load_customer_count(db_path, data_version) == 0:
    st.info(
        "No customers yet. Import a customer file on the Data page, or load the demo data there.",
        icon=":material/group_off:",
    )
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
    st.stop()

_search(db_path, data_version)
selected = st.query_params.get(CUSTOMER_PARAM)
if selected:
    _card(db_path, data_version, selected)
