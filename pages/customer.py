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
from scrm.ui import language as UL
from scrm.ui import listening as sentiment
from scrm.ui import masking as P
from scrm.ui.chart_text import altair_chart as localised_chart
from scrm.ui.filters import current_filters
from scrm.ui.language import t
from scrm.ui.missing import MISSING, fill_missing
from scrm.ui.missing import dataframe as show_table
from scrm.views import customer as C
from scrm.views import journey as journey_views

CUSTOMER_PARAM = "customer"
PERSONAL = {"name": "name", "email": "email"}
STAGE_NAMES = journey_views.STAGE_LABELS  # the Journey page's names for the stages
STAGE_COLOURS = {"at_risk": "orange", "lapsed": "red", "advocate": "green"}
ROLE_COLOURS = {"ambassador": "violet", "advocate": "green", "detractor": "red", "influencer": "blue"}
ROLE_NAMES = {"ambassador": "Ambassador", "advocate": "Advocate", "detractor": "Detractor", "influencer": "Influencer"}
KIND_NAMES = {"order": "order", "mention": "mention", "survey": "survey answer", "case": "case"}
COUNTS = {
    "order": ("{n} order", "{n} orders"), "mention": ("{n} mention", "{n} mentions"),
    "survey": ("{n} survey answer", "{n} survey answers"), "case": ("{n} case", "{n} cases"),
}
SENTIMENT_NAMES = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative", "unscored": "Not scored"}
LINK_STATUS = {"linked": "linked", "suggested": "suggested", "rejected": "rejected"}
WORDS = {**ROLE_NAMES, **KIND_NAMES, **SENTIMENT_NAMES, **LINK_STATUS}
MISSING_KINDS = {"order": "No orders.", "mention": "No mentions by a linked profile.", "survey": "No survey answers."}
MISSING_FILTERED = {
    "order": "No orders in the dates and channels picked in the sidebar.",
    "mention": "No mentions by a linked profile in the dates and channels picked in the sidebar.",
    "survey": "No survey answers in the dates and channels picked in the sidebar.",
}


def _money(value: object) -> str:
    """An amount on a narrow tile in the reader's locale (cents below 10,000); "—" when missing."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return MISSING
    amount = float(value)  # type: ignore[arg-type]
    if UL.lang() == "en":
        return ui.format_number(amount, money=True)
    return UL.format_number(amount, decimals=2 if abs(amount) < 10_000 else 0)


def _stage_name(stage: object) -> str:
    return t(STAGE_NAMES[str(stage)]) if str(stage) in STAGE_NAMES else ("" if stage is None else str(stage))


def _word(names: dict[str, str], value: object) -> str:
    """A stored word (a role, a kind, a label) in the reader's language; other values as they are."""
    return t(WORDS[str(value)]) if str(value) in names else value  # type: ignore[return-value]


def _label(row: pd.Series) -> str:
    def text(column: str) -> str:
        value = row.get(column)
        return "" if value is None or pd.isna(value) else str(value).strip()

    parts = [text("name") or t("(no name)"), text("email"), text("city"), text("account")]
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
        t("Search by name, e-mail or handle"),
        key="customer_query",
        placeholder=t("e.g. García, @acox or anne@example.com"),
        help=t("Case and accents do not matter; % and _ are searched as they are."),
    )
    if not text.strip():
        if not st.query_params.get(CUSTOMER_PARAM):
            st.caption(t("Type a few letters of a name, an e-mail or a social handle to find a customer."))
            _to_watch(path, version)
        return
    results = U.load_search(path, version, text.strip(), C.SEARCH_LIMIT)
    if results.empty:
        st.info(
            t("No customer's name, e-mail or handle contains “{text}”. Check the spelling or search a shorter part of it.",
              text=esc(text.strip())),
            icon=":material/search_off:",
        )
        return
    shown = P.masked_frame(results, PERSONAL)
    labels = {cid: _label(row) for cid, (_, row) in zip(results["customer_id"], shown.iterrows(), strict=True)}
    more = " " + t("(the first {n}: type more to narrow)", n=C.SEARCH_LIMIT) if len(results) >= C.SEARCH_LIMIT else ""
    st.selectbox(
        (t("1 matching customer") if len(results) == 1 else t("{n} matching customers", n=UL.format_number(len(results)))) + more,
        options=list(labels),
        index=None,
        format_func=lambda cid: labels.get(cid, cid),
        placeholder=t("Pick a customer"),
        key="customer_pick",
        on_change=_open_customer,
        args=("customer_pick",),
    )


def _open_watched(key: str, ids: list[str]) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        st.query_params[CUSTOMER_PARAM] = ids[rows[0]]


def _segment_name(name: object) -> object:
    """A stored RFM segment name in the reader's language (missing stays missing)."""
    return t(name) if isinstance(name, str) and name else name


def _to_watch(path: str, version: int) -> None:
    watch = U.load_to_watch(path, version)
    if watch.empty:
        return
    st.subheader(t("High-value customers slipping away"))
    st.caption(
        t("At risk or lapsed, and in the top fifth by predicted 12-month value (CLV decile 9-10). "
          "Select a row to open the card.")
    )
    ids = list(watch["customer_id"])
    show_table(
        fill_missing(P.masked_frame(watch.assign(stage=watch["stage"].map(_stage_name).astype("object"),
                                                 rfm_segment=watch["rfm_segment"].map(_segment_name).astype("object")), PERSONAL)),
        hide_index=True,
        width="stretch",
        on_select=lambda: _open_watched("customer_watch", ids),
        selection_mode="single-row",
        key="customer_watch",
        column_config={
            "customer_id": t("Customer id"),
            "name": t("Name"),
            "email": t("E-mail"),
            "stage": t("Journey stage"),
            "clv": st.column_config.NumberColumn(t("CLV, next 12 months"), format="localized"),
            "revenue": st.column_config.NumberColumn(t("Revenue to date"), format="localized"),
            "rfm_segment": t("RFM segment"),
        },
    )


def _identity(card: C.CustomerCard) -> None:
    who = card.identity
    consent = {True: t("yes"), False: t("no"), None: t("not recorded")}[who.consent_marketing]
    since = (who.created_at or "")[:10]
    rows = [
        (t("Name"), P.mask_value(who.name, "name")),
        (t("E-mail"), P.mask_value(who.email, "email")),
        (t("Phone"), t("hidden (privacy switch)") if (who.phone and P.masked()) else who.phone),
        (t("City"), who.city),
        (t("Country"), who.country),
        (t("Account"), who.account),
        (t("Customer since"), UL.format_date(since) if since else None),
        (t("Marketing consent"), consent),
    ]
    # A table, not markdown: names and e-mails from files stay plain text (no autolinks).
    table = pd.DataFrame({t("Field"): [k for k, _ in rows], t("Value"): [v or t("not recorded") for _, v in rows]})
    show_table(table, hide_index=True, width="stretch")


def _value(card: C.CustomerCard) -> None:
    value = card.value
    if not value:
        st.info(
            t("No value figures: this customer has no order, or the value has not been computed yet "
              "(it follows in the background, or use Recompute now on the Settings page)."),
            icon=":material/payments:",
        )
        return
    if len(card.currencies) == 1:
        unit = f" ({esc(card.currencies[0])})"
    elif card.currencies:
        unit = " " + t("(mixed currencies)")
    else:
        unit = ""
    decile = value.get("clv_decile")
    with st.container(horizontal=True):
        st.badge(t("RFM segment: {name}", name=_segment_name(value.get("rfm_segment")) or t("none")), color="blue", icon=":material/grid_view:")
        st.badge(t("Buys: {how}", how=value.get("frequency_class") or t("unknown")), color="blue", icon=":material/repeat:")
        if decile is not None:
            st.badge(t("CLV decile {n} of 10", n=int(decile)), color="blue", icon=":material/trending_up:")
    tiles = [*st.columns(2), *st.columns(2)]
    tiles[0].metric(
        t("CLV, next 12 months") + unit,
        _money(value.get("clv")),
        help=t("Predicted revenue of the next 12 months (BG/NBD x Gamma-Gamma). Decile 10 = the top tenth."),
        border=True,
    )
    tiles[1].metric(t("Revenue to date") + unit, _money(value.get("revenue")), border=True)
    tiles[2].metric(t("Orders"), UL.format_number(value.get("orders")), border=True)
    tiles[3].metric(t("Average order value") + unit, _money(value.get("aov")), border=True)
    last = str(value.get("last_order_at") or "")[:10]
    st.caption(t(
        "RFM scores (1-5): recency {r}, frequency {f}, monetary {m}; last order {last} ({days} days before {as_of}).",
        r=value.get("r_score") or "—", f=value.get("f_score") or "—", m=value.get("m_score") or "—",
        last=UL.format_date(last) if last else "—", days=UL.format_number(value.get("recency_days")),
        as_of=UL.format_date(value.get("as_of")) if value.get("as_of") else "—",
    ))


def _badges(card: C.CustomerCard) -> None:
    row = st.container(horizontal=True)
    with row:
        if card.stage:
            stage, since = card.stage
            st.badge(
                t("Journey: {stage} since {since}", stage=_stage_name(stage), since=(since or "")[:7] or "—"),
                color=STAGE_COLOURS.get(stage, "blue"),  # type: ignore[arg-type]
                icon=":material/route:",
            )
        else:
            st.badge(t("Journey: no stage yet"), color="gray", icon=":material/route:")
        for role in card.roles:
            st.badge(_word(ROLE_NAMES, role) if role in ROLE_NAMES else role.title(), color=ROLE_COLOURS.get(role, "gray"), icon=":material/campaign:")  # type: ignore[arg-type]
    confirmed = not card.profiles.empty and bool((card.profiles["status"] == "linked").any())
    if confirmed and not card.roles:
        st.caption(t("No role (ambassador, advocate, detractor, influencer) on the linked profiles."))


def _next_action(card: C.CustomerCard, timeline: pd.DataFrame) -> None:
    action = C.suggest_next_action(
        stage=card.stage[0] if card.stage else None,
        clv_decile=int(card.value["clv_decile"]) if card.value and card.value.get("clv_decile") is not None else None,
        roles=card.roles,
        consent=card.identity.consent_marketing,
        recent_nps=C.recent_nps(timeline, card.as_of),
    )
    box = st.warning if action.action in ("Call within 48 h", "Open a rescue case") else st.success
    box(
        "**" + t("Suggested next action: {action}.", action=t(action.action)) + "** "
        + t("Why: {reason}.", reason=t(action.reason)),
        icon=":material/assistant:",
    )
    with st.expander(t("How the next action is chosen")):
        st.markdown(t("The first rule that holds:") + "\n\n" + "\n".join(
            f"{i}. **{t(a)}**: {t(r)}." for i, (a, r) in enumerate(C.NEXT_ACTION_RULES, 1)
        ))


def _profiles(card: C.CustomerCard) -> None:
    profiles = card.profiles
    if profiles.empty:
        st.caption(
            t("No social profile is linked to this customer, so no mention shows here. "
              "Profiles link by e-mail, handle, or name and city when mentions are imported.")
        )
        return
    shown = P.masked_frame(profiles, {"handle": "handle", "display_name": "name"})
    shown = shown.assign(
        status=shown["status"].map(lambda v: _word(LINK_STATUS, v)).astype(object),
        role=shown["role"].map(lambda v: _word(ROLE_NAMES, v)).astype(object),
    )
    show_table(
        fill_missing(shown[["platform", "handle", "display_name", "followers", "mentions", "method", "confidence", "status", "role"]]),
        hide_index=True,
        width="stretch",
        column_config={
            "platform": t("Platform"),
            "handle": t("Handle"),
            "display_name": t("Display name"),
            "followers": st.column_config.NumberColumn(t("Followers"), format="localized"),
            "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized"),
            "method": t("Linked by"),
            "confidence": st.column_config.ProgressColumn(t("Confidence"), min_value=0.0, max_value=1.0, format="%.2f"),
            "status": t("Status"),
            "role": t("Role"),
        },
    )


def _count(n: int, kind: str) -> str:
    return t(COUNTS[kind][0] if n == 1 else COUNTS[kind][1], n=UL.format_number(n))


def _timeline(timeline: pd.DataFrame, filtered: bool, customer_id: str) -> None:
    if timeline.empty:
        st.info(
            t("Nothing on this customer's timeline in the dates and channels picked in the sidebar: no order, no mention "
              "by a linked profile, no survey answer. Widen the sidebar filters to see more.") if filtered else
            t("Nothing on this customer's timeline: no order, no mention by a linked profile, no survey answer."),
            icon=":material/timeline:",
        )
        return
    counts = timeline["kind"].value_counts()
    missing = [
        t(MISSING_FILTERED[kind]) if filtered else t(MISSING_KINDS[kind])
        for kind in ("order", "mention", "survey") if kind not in counts
    ]
    st.caption(
        " · ".join(_count(int(counts[k]), k) for k in C.TIMELINE_KINDS if k in counts)
        + (" — " + " ".join(missing) if missing else "")
    )
    # Mention texts name other people's handles and e-mails: masked in the chart's tooltips too.
    shown = P.masked_frame(timeline, {"author": "handle", "detail": "text"})
    localised_chart(charts.timeline_chart(shown), width="stretch")
    table = shown.iloc[::-1]
    table = table.assign(at=table["at"].str.replace("T", " ", regex=False).str.slice(0, 16))
    shown_table = table.assign(
        kind=table["kind"].map(lambda v: _word(KIND_NAMES, v)).astype(object),
        sentiment=table["sentiment"].map(lambda v: _word(SENTIMENT_NAMES, v)).astype(object),
    )
    event = show_table(
        fill_missing(shown_table[["at", "kind", "title", "author", "detail", "amount", "sentiment", "score"]]),
        hide_index=True,
        key="customer_timeline_table",
        on_select="rerun",
        selection_mode="single-row",
        width="stretch",
        height=min(420, 38 + 35 * len(table)),
        column_config={
            "at": t("When (UTC)"),
            "kind": t("Kind"),
            "title": t("What"),
            "author": t("Profile"),
            "detail": st.column_config.TextColumn(t("Text or details"), width="large"),
            "amount": st.column_config.NumberColumn(t("Amount"), format="%.2f"),
            "sentiment": t("Sentiment"),
            "score": st.column_config.NumberColumn(t("Score"), help=t("Mentions: -1 to 1. Surveys: NPS 0-10."), format="%.2f"),
        },
    )
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked and picked[0] < len(table) and table.iloc[picked[0]]["kind"] == "mention":
        sentiment.sentiment_corrector(
            ui.current_db_path(), ui.current_version(), str(table.iloc[picked[0]]["item_id"]), key="customer_correct"
        )
    else:
        st.caption(t("Select a mention in the table to see how sure its sentiment is, or to correct it."))
    if access.export_allowed():
        file_name = f"timeline-{re.sub(r'[^A-Za-z0-9_-]', '_', customer_id)}.csv"
        st.download_button(
            t("Download the timeline (CSV)"),
            # Fetched after the customer's erasure (a page drawn before): an empty file, nothing recorded.
            data=access.audited(
                lambda: exports.to_csv_bytes(timeline), file_name, person=customer_id, rows=len(timeline)
            ),
            file_name=file_name,
            mime="text/csv",
            icon=":material/download:",
            key="customer_timeline_csv",
            help=t("All rows, unmasked; cells that start like a formula are neutralised."),
            on_click="ignore",
        )


def _account(path: str, version: int, account: str, customer_id: str) -> None:
    contacts = U.load_account(path, version, account)
    if contacts.empty:
        return
    st.subheader(t("Account: {name}", name=esc(account)))
    totals = C.account_totals(contacts)
    cols = st.columns(4)
    cols[0].metric(t("Contacts"), UL.format_number(totals["contacts"]), border=True)
    cols[1].metric(t("Orders"), UL.format_number(totals["orders"]), border=True)
    cols[2].metric(t("Revenue"), _money(totals["revenue"]), border=True)
    cols[3].metric(t("CLV, next 12 months"), _money(totals["clv"]), border=True)
    shown = P.masked_frame(contacts, PERSONAL)
    shown = shown.assign(stage=shown["stage"].map(_stage_name).astype("object"),
                         rfm_segment=shown["rfm_segment"].map(_segment_name).astype("object"))
    show_table(
        fill_missing(shown[["customer_id", "name", "email", "stage", "orders", "revenue", "clv", "rfm_segment"]]),
        hide_index=True,
        width="stretch",
        column_config={
            "customer_id": t("Customer id"),
            "name": t("Name"),
            "email": t("E-mail"),
            "stage": t("Journey stage"),
            "orders": st.column_config.NumberColumn(t("Orders"), format="localized"),
            "revenue": st.column_config.NumberColumn(t("Revenue"), format="localized"),
            "clv": st.column_config.NumberColumn(t("CLV, next 12 months"), format="localized"),
            "rfm_segment": t("RFM segment"),
        },
    )
    others = {cid: name for cid, name in zip(contacts["customer_id"], shown["name"], strict=True) if cid != customer_id}
    if others:
        st.selectbox(
            t("Open another contact of this account"),
            options=list(others),
            index=None,
            format_func=lambda cid: str(others.get(cid) or cid),
            placeholder=t("Pick a contact"),
            key="customer_contact",
            on_change=_open_customer,
            args=("customer_contact",),
        )


def _card(path: str, version: int, customer_id: str) -> None:
    card = U.load_card(path, version, customer_id)
    if card is None:
        st.warning(
            t("No customer has the id “{id}” (from the link). Search for the customer above.", id=esc(customer_id)),
            icon=":material/person_off:",
        )
        return
    filters = current_filters()
    name = P.mask_value(card.identity.name, "name") or t("(no name)")
    st.header(esc(name), divider="gray")
    st.caption(t("Customer id {id}", id=esc(card.identity.customer_id)))
    st.button(t("Close the card"), icon=":material/close:", on_click=_close_card, key="customer_close")
    _badges(card)
    timeline = U.load_timeline(path, version, customer_id, filters)
    _next_action(card, timeline)

    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader(t("Identity"))
        _identity(card)
    with right:
        st.subheader(t("Value"))
        _value(card)

    st.subheader(t("Linked social profiles"))
    _profiles(card)

    st.subheader(t("Timeline"))
    filtered = bool(filters.date_from or filters.date_to or filters.brands or filters.platforms or filters.langs)
    _timeline(timeline, filtered, customer_id)

    if card.identity.account:
        _account(path, version, card.identity.account, customer_id)


ui.ensure_routed("pages/customer.py")
db_path = ui.current_db_path()
data_version = ui.current_version(db_path)

st.title(t("Customer 360"))
if U.load_customer_count(db_path, data_version) == 0:
    st.info(
        t("No customers yet. Import a customer file on the Data page, or load the demo data there."),
        icon=":material/group_off:",
    )
    st.page_link("pages/data.py", label=t("Go to the Data page"), icon=":material/upload_file:")
    st.stop()

_search(db_path, data_version)
selected = st.query_params.get(CUSTOMER_PARAM)
if selected:
    _card(db_path, data_version, selected)
