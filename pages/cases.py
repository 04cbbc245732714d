"""Rescue queue: the cases the workflow rules opened, their deadlines, and the team's work on them.

KPI tiles say how fast the team answers and resolves and whether rescues
work; the list shows the open cases by deadline, breached ones marked; a
selected case (kept in the link as ``?case=12``) shows the mention behind
it, the customer, the suggested reply, its history and, for roles that may
work on cases, a form to change status, assignee and priority or add a note.
"""

from __future__ import annotations

import zlib
from typing import Any

import pandas as pd
import streamlit as st

from scrm import api, auth, ui
from scrm.act import cases
from scrm.db import store
from scrm.errors import ScrmError
from scrm.ui import auth as access
from scrm.ui import cases as loaders
from scrm.ui import escape_markdown as esc
from scrm.ui import language as UL
from scrm.ui import listening as sentiment
from scrm.ui import loop, tables
from scrm.ui import masking as P
from scrm.ui.filters import current_filters
from scrm.ui.language import t
from scrm.ui.missing import MISSING, fill_missing
from scrm.ui.missing import dataframe as show_table
from scrm.ui.notes import translate_case_note
from scrm.ui.segments import download_buttons
from scrm.views import kpis

CASE_PARAM = "case"
EMPTY = "No cases yet. Cases are opened by workflow rules each time the scores are recomputed; see Workflow rules."
NO_MATCH = "No case matches these filters. Clear the status, priority or assignee filter, or turn off “only breached”."
PERSONAL = {"Customer": "name", "Author": "handle", "Mention": "text"}
ALL = "All"
UNASSIGNED = "Unassigned"
OPEN_STATUSES = [s for s in cases.STATUSES if s != cases.RESOLVED]
FLASH = "queue_flash"
STATUS_NAMES = {"new": "new", "in progress": "in progress", "waiting": "waiting", "resolved": "resolved"}
PRIORITY_NAMES = {"high": "high", "medium": "medium", "low": "low"}
QUEUE_NAMES = {"rescue": "rescue", "thank-you": "thank-you", "support": "support"}
STORED_WORDS = {**STATUS_NAMES, **PRIORITY_NAMES, **QUEUE_NAMES}
SLA_LABELS = {"high": "High priority (hours)", "medium": "Medium priority (hours)", "low": "Low priority (hours)"}
# The list's headers (the frame keeps English names: its download and the styling refer to them).
HEADERS = {
    "Case": "Case", "Deadline": "Deadline", "Queue": "Queue", "Priority": "Priority", "Status": "Status",
    "Assignee": "Assignee", "Customer": "Customer", "Platform": "Platform", "Author": "Author", "Mention": "Mention",
    "Subject": "Subject", "Opened (UTC)": "Opened (UTC)", "Due (UTC)": "Due (UTC)", "Resolved (UTC)": "Resolved (UTC)",
}
HISTORY = {"at": "At (UTC)", "actor": "By", "event": "Event", "old": "From", "new": "To", "note": "Note"}


def _named(names: dict[str, str], value: object) -> str:
    """A stored word (status, priority, queue) in the reader's language."""
    return t(STORED_WORDS[str(value)]) if str(value) in names else ("" if value is None or pd.isna(value) else str(value))  # type: ignore[call-overload]
NOTE_ROUND = "queue_note_round"  # bumped after a save: the note box starts empty again


def _subject(value: object) -> str:
    """A case's subject: a shipped rule's in the reader's language, a person's as written."""
    return t(value) if isinstance(value, str) and value else ""


def _hours_text(hours: float) -> str:
    hours = abs(float(hours))
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return t("{n} days", n=UL.format_number(hours / 24))


def _moments(column: pd.Series) -> pd.Series:
    """A column of stored ISO-8601 times as timestamps, converted once (unreadable ones become NaT)."""
    return pd.to_datetime(column, errors="coerce", format="ISO8601")


def deadline_marker(due: pd.Timestamp, resolved: pd.Timestamp, status: object, breached: object,
                    now: pd.Timestamp) -> str:
    """The deadline column: a red sign on breached cases, the time left on the others."""
    if pd.isna(due):
        return ""
    if status == cases.RESOLVED:
        if bool(breached) and not pd.isna(resolved):
            return "⚠ " + t("resolved {time} late", time=_hours_text((resolved - due).total_seconds() / 3600))
        return "✓ " + t("on time")
    left = (due - now).total_seconds() / 3600
    if left < 0:
        return "⚠ " + t("breached {time} ago", time=_hours_text(left))
    return t("{time} left", time=_hours_text(left))


def deadline_markers(frame: pd.DataFrame, now: pd.Timestamp) -> list[str]:
    """The deadline column of a whole list, its times converted once per column."""
    return [
        deadline_marker(due, resolved, status, breached, now)
        for due, resolved, status, breached in zip(
            _moments(frame["due_at"]), _moments(frame["resolved_at"]), frame["status"], frame["breached"], strict=True,
        )
    ]


def _table(frame: pd.DataFrame, now: str) -> pd.DataFrame:
    """The list as the page shows (and downloads) it."""
    moment = pd.Timestamp(now)
    return pd.DataFrame(
        {
            "Case": frame["case_id"].astype("Int64"),
            "Deadline": deadline_markers(frame, moment),
            "Queue": frame["queue"].map(lambda v: _named(QUEUE_NAMES, v)),
            "Priority": frame["priority"].map(lambda v: _named(PRIORITY_NAMES, v)),
            "Status": frame["status"].map(lambda v: _named(STATUS_NAMES, v)),
            "Assignee": frame["assignee"],
            "Customer": frame["customer_name"],
            "Platform": frame["platform"],
            "Author": frame["author"],
            "Mention": frame["mention_text"],
            "Subject": frame["subject"].map(lambda v: _subject(v) if isinstance(v, str) else v),
            "Opened (UTC)": frame["opened_at"],
            "Due (UTC)": frame["due_at"],
            "Resolved (UTC)": frame["resolved_at"],
        }
    )


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return MISSING
    return UL.format_number(value, decimals=1 if isinstance(value, float) else 0) + unit


def _tiles(summary: cases.CaseKPIs, range_text: str) -> None:
    def help_of(key: str) -> str:
        kpi = kpis.KPI_BY_KEY[key]
        note = summary.messages.get(key)
        return t(kpi.formula) + (f" ({translate_case_note(note, UL.lang())}.)" if note else "")

    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(t("Open cases"), _number(summary.open_cases), help=help_of("open_cases"), border=True)
    c2.metric(t("Past deadline"), _number(summary.breached), help=help_of("sla_breached"), border=True)
    c3.metric(t("First response"), _number(summary.first_response_hours, " h"),
              help=help_of("first_response_hours"), border=True)  # fmt: skip
    c4.metric(t("Resolution"), _number(summary.resolution_hours, " h"), help=help_of("resolution_hours"),
              border=True)  # fmt: skip
    rate = "" if summary.rescue_rate is None else f" ({UL.format_percent(summary.rescue_rate, decimals=0)})"
    c5.metric(t("Rescued (rate)"), UL.format_number(summary.rescued_customers) + rate,
              help=help_of("rescued_customers") + " " + t("Rate:") + " " + help_of("rescue_rate"), border=True)  # fmt: skip
    measured = (
        t("; rescue measured on {n} customers who wrote again after their case", n=UL.format_number(summary.rescue_measured))
        if summary.rescue_measured else ""
    )  # fmt: skip
    st.caption(
        t("Cases opened {range}: {n}", range=range_text, n=UL.format_number(summary.cases)) + measured + ". "
        + t("Past deadline counts the open and the resolved cases that missed their SLA; first response and resolution "
            "are medians in hours. Hover a tile for its formula.")
    )


def _select_case(key: str, ids: list[int]) -> None:
    # A callback: the link names the picked case, so it survives filters and can be shared.
    rows = st.session_state[key].selection.rows
    if rows:
        st.query_params[CASE_PARAM] = str(ids[rows[0]])


def _filters(frame: pd.DataFrame) -> pd.DataFrame:
    c1, c2, c3, c4, c5 = st.columns([1, 2.3, 1.4, 1, 1.3], vertical_alignment="bottom")
    queues = sorted(set(frame["queue"].dropna().astype(str)) | set(cases.QUEUES))
    queue = c1.selectbox(t("Queue"), [ALL, *queues], key="queue_queue",
                         format_func=lambda q: t("All") if q == ALL else _named(QUEUE_NAMES, q))  # fmt: skip
    statuses = c2.multiselect(t("Status"), list(cases.STATUSES), default=OPEN_STATUSES, key="queue_statuses",
                              format_func=lambda s: _named(STATUS_NAMES, s),
                              help=t("Resolved cases are hidden until you add “resolved”."))  # fmt: skip
    priorities = c3.multiselect(t("Priority"), list(cases.PRIORITIES), key="queue_priorities",
                                format_func=lambda p: _named(PRIORITY_NAMES, p), placeholder=t("All priorities"))  # fmt: skip
    names = sorted(set(frame["assignee"].dropna().astype(str)) - {""})
    assignee = c4.selectbox(t("Assignee"), [ALL, UNASSIGNED, *names], key="queue_assignee",
                            format_func=lambda a: t(ALL) if a == ALL else t(UNASSIGNED) if a == UNASSIGNED else a)  # fmt: skip
    only_breached = c5.toggle(t("Only breached"), key="queue_breached", help=t("Cases past their SLA deadline."))
    keep = pd.Series(True, index=frame.index)
    if queue != ALL:
        keep &= frame["queue"] == queue
    if statuses:
        keep &= frame["status"].isin(statuses)
    if priorities:
        keep &= frame["priority"].isin(priorities)
    if assignee == UNASSIGNED:
        keep &= frame["assignee"].fillna("").astype(str) == ""
    elif assignee != ALL:
        keep &= frame["assignee"] == assignee
    if only_breached:
        keep &= frame["breached"].astype(bool)
    return frame[keep.fillna(False).astype(bool)].reset_index(drop=True)


def _save(case_id: int, case: dict[str, Any], status: str, assignee: str, priority: str, note: str) -> None:
    # Who and in which role: both go to the audit log.
    actor, role = access.actor(), access.role()
    # Only what the form changed; the changes land together or not at all.
    changes: dict[str, str | None] = {}
    if priority != case["priority"]:
        changes["priority"] = priority
    if (assignee.strip() or None) != (case["assignee"] or None):
        changes["assignee"] = assignee
    if note.strip():
        changes["note"] = note
    if status != case["status"]:
        changes["status"] = status
    try:
        with ui.connection(loaders_path) as db:
            changed = api.update_case(db, case_id, changes, actor=actor, role=role)
    except ScrmError as e:
        ui.show_error(e, kept_input=True)  # the note stays in its box
        return
    # The note is saved: a new key gives an empty box, so a second Save does not add it twice.
    st.session_state[NOTE_ROUND] = st.session_state.get(NOTE_ROUND, 0) + 1
    st.session_state[FLASH] = (
        t("Case {id}: saved {what}.", id=case_id, what=", ".join(changed)) if changed
        else t("Case {id}: nothing changed.", id=case_id)
    )
    st.rerun()


def _note_key(case_id: int) -> str:
    # A new key after each save gives an empty box (a widget's value cannot be reset once it is drawn).
    round_ = int(st.session_state.get(NOTE_ROUND, 0))
    return f"queue_note_{case_id}" + (f"_{round_}" if round_ else "")


def _team() -> list[str]:
    """The configured people who may work on cases, and the signed-in person when they may."""
    try:
        config = access.config()
    except ScrmError:
        return []
    me = [access.actor()] if config.enabled and access.can(auth.CASES) else []
    return [*config.case_workers(), *me]


def _form(case_id: int, row: pd.Series, names: list[str]) -> None:
    case = {k: (None if pd.isna(row[k]) else row[k]) for k in ("status", "assignee", "priority")}
    with st.form(f"queue_form_{case_id}", border=True):
        st.markdown("**" + t("Work on this case") + "**")
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox(t("Status"), list(cases.STATUSES), index=list(cases.STATUSES).index(case["status"] or "new"),
                              format_func=lambda s: _named(STATUS_NAMES, s), key=f"queue_status_{case_id}")  # fmt: skip
        # Picked from the team (the people whose role may work on cases), never typed: no "Lucie" and "lucie ".
        people = ["", *loop.assignee_options(_team(), names, case["assignee"])]
        assignee = c2.selectbox(t("Assignee"), people, index=people.index((case["assignee"] or "").strip()),
                                key=f"queue_assignee_{case_id}", format_func=lambda a: a or t("Nobody"),
                                help=t("The people whose role may work on cases (access settings) and everyone a case "
                                       "was given to."))  # fmt: skip
        priority = c3.selectbox(t("Priority"), list(cases.PRIORITIES),
                                index=list(cases.PRIORITIES).index(case["priority"] or "medium"),
                                format_func=lambda p: _named(PRIORITY_NAMES, p), key=f"queue_priority_{case_id}",
                                help=t("The deadline moves to the opening time plus this priority's SLA."))  # fmt: skip
        note = st.text_area(t("Add a note"), key=_note_key(case_id), max_chars=cases.MAX_NOTE,
                            placeholder=t("What was done or agreed (no need to repeat the customer's details)."))  # fmt: skip
        if st.form_submit_button(t("Save"), type="primary", icon=":material/save:"):
            _save(case_id, case, status, assignee, priority, note)


# Platforms a reply is posted on from the brand's account (scrm.act.replies).
REPLY_PLATFORMS = ("mastodon", "bluesky")


def _reply_form(case_id: int, row: pd.Series) -> None:
    """Post the reply on the platform: written here, approved by ticking, sent from the brand's account."""
    template = str(row["reply_template"]) if pd.notna(row["reply_template"]) else ""
    with st.form(f"queue_reply_{case_id}", border=True):
        st.markdown("**" + t("Reply on {platform} from the brand's account", platform=esc(str(row["platform"]))) + "**")
        text = st.text_area(t("Reply"), value=template, key=f"queue_reply_text_{case_id}")
        approved = st.checkbox(t("I approve posting this reply publicly"), key=f"queue_reply_ok_{case_id}")
        if st.form_submit_button(t("Post reply"), icon=":material/send:"):
            if not approved:
                st.warning(t("Nothing was posted: tick the approval first."))
                return
            try:
                access.require(auth.CASES)
                with ui.connection(loaders_path) as db:
                    posted = api.post_reply(db, case_id, text, actor=access.actor(), role=access.role())
            except ScrmError as e:
                ui.show_error(e)
            else:
                st.success(esc(t("Posted: {where}", where=posted.url or posted.mention_id)), icon=":material/check_circle:")


def _details(case_id: int, frame: pd.DataFrame, names: list[str]) -> None:
    match = frame[frame["case_id"] == case_id]
    if match.empty:
        st.info(t("Case {id} is not in the database any more. Pick another case in the list.", id=case_id))
        return
    row = match.iloc[0]
    st.subheader(t("Case {id}: {subject}", id=case_id, subject=esc(_subject(row["subject"]))))
    who = esc(str(row["assignee"])) if pd.notna(row["assignee"]) and row["assignee"] else t("nobody")
    st.caption(t(
        "{queue} queue · {priority} priority · {status} · assignee: {who} · opened {opened} UTC · due {due} UTC",
        queue=esc(_named(QUEUE_NAMES, row["queue"])), priority=_named(PRIORITY_NAMES, row["priority"]),
        status=_named(STATUS_NAMES, row["status"]), who=who, opened=row["opened_at"], due=row["due_at"],
    ))
    left, right = st.columns(2)
    with left:
        st.markdown("**" + t("The mention that opened it") + "**")
        if pd.notna(row["mention_text"]):
            author = P.mask_value(str(row["author"] or ""), "handle") or ""
            st.caption(f"{esc(str(row['platform'] or ''))} · @{esc(author.lstrip('@'))}")
            st.text(P.mask_value(str(row["mention_text"]), "text"))
            if pd.notna(row["mention_id"]) and row["mention_id"]:
                sentiment.sentiment_corrector(loaders_path, data_version, str(row["mention_id"]), key=f"case_{case_id}_correct")
        else:
            st.caption(t("No mention: the case was opened on the customer record."))
        if pd.notna(row["reply_template"]) and str(row["reply_template"]).strip():
            st.markdown("**" + t("Suggested reply") + "**")
            st.text(str(row["reply_template"]))
    with right:
        st.markdown("**" + t("Customer") + "**")
        if pd.notna(row["customer_id"]) and row["customer_id"]:
            name = P.mask_value(str(row["customer_name"] or row["customer_id"]), "name")
            st.page_link("pages/customer.py", label=t("Open {name} in Customer 360", name=esc(name or "")), icon=":material/person_search:",
                         query_params={"customer": str(row["customer_id"])})  # fmt: skip
        else:
            st.caption(t("Not linked to a customer: the author's profile is not confirmed (see Identity review)."))
        st.markdown("**" + t("History") + "**")
        history = loaders.load_history(loaders_path, data_version, case_id)
        shown = history.drop(columns=["event_id"]).rename(columns={key: t(header) for key, header in HISTORY.items()})
        show_table((P.masked_frame(shown, {t("Note"): "text"})), hide_index=True, width="stretch")
    if access.can(auth.CASES):
        _form(case_id, row, names)
        if row["platform"] in REPLY_PLATFORMS:
            _reply_form(case_id, row)
    else:
        st.caption(auth.refusal_message(access.role(), auth.CASES).render(UL.lang()))


def _sla_settings() -> None:
    sla = loaders.load_sla(loaders_path, data_version)
    with st.expander(t("SLA per priority (admin)"), icon=":material/timer:"):
        st.caption(t("Hours from the customer's message to the deadline. A change moves the deadline of the open "
                     "cases of that priority; resolved cases keep theirs."))  # fmt: skip
        with st.form("queue_sla_form"):
            columns = st.columns(len(cases.PRIORITIES))
            values = {
                p: c.number_input(t(SLA_LABELS[p]) if p in SLA_LABELS else p, min_value=cases.MIN_SLA_HOURS,
                                  max_value=cases.MAX_SLA_HOURS, value=float(sla[p]), step=1.0, key=f"queue_sla_{p}")
                for p, c in zip(cases.PRIORITIES, columns, strict=True)
            }  # fmt: skip
            if st.form_submit_button(t("Save SLA"), icon=":material/save:"):
                try:
                    changed = {p: float(hours) for p, hours in values.items() if float(hours) != float(sla[p])}
                    with ui.connection(loaders_path) as db:
                        api.set_sla_hours(db, changed, actor=access.actor(), role=access.role())
                except ScrmError as e:
                    ui.show_error(e)
                else:
                    st.session_state[FLASH] = t("SLA hours saved.")
                    st.rerun()


ui.ensure_routed("pages/cases.py")
loaders_path = ui.current_db_path()
data_version = ui.current_version(loaders_path)

st.title(t("Rescue queue"))
st.caption(t("Cases the workflow rules opened (unhappy valuable customers, advocates to thank, support) and the "
             "team's work on them. Deadlines follow the SLA of each priority."))  # fmt: skip
if flash := st.session_state.pop(FLASH, None):
    st.success(flash, icon=":material/check_circle:")

if loaders.load_case_count(loaders_path, data_version) == 0:
    st.info(t(EMPTY), icon=":material/inbox:")
    st.page_link("pages/rules.py", label=t("Go to Workflow rules"), icon=":material/rule:")
    if access.can(auth.SETTINGS):
        _sla_settings()
    st.stop()

# Minute precision: "breached" follows the clock, and a cache key per second would never hit.
now = store.utcnow()[:16] + ":00"
filters = current_filters()
summary = loaders.load_kpis(loaders_path, data_version, filters.date_from, filters.date_to, now)
if filters.date_from or filters.date_to:
    range_text = t(
        "from {start} to {end} (sidebar dates)",
        start=UL.format_date(filters.date_from) if filters.date_from else t("the first"),
        end=UL.format_date(filters.date_to) if filters.date_to else t("the last"),
    )
else:
    range_text = t("at any time")
_tiles(summary, range_text)

everything = loaders.load_cases(loaders_path, data_version, now)
listed = _filters(everything)
if listed.empty:
    st.info(t(NO_MATCH), icon=":material/filter_alt_off:")
else:
    table = _table(listed, now)
    ids = [int(i) for i in listed["case_id"]]
    # The grid and the open case stay in step: a new key whenever a save or the filters change the list's
    # rows or order, with the open case's row selected, so a highlighted row never names another case.
    open_id = int(st.query_params[CASE_PARAM]) if str(st.query_params.get(CASE_PARAM, "")).isdigit() else None
    table_key = f"queue_table_{zlib.crc32(repr((ids, st.session_state.get(NOTE_ROUND, 0))).encode())}"
    # The list is the team's work: an open case stays on it whatever the sidebar dates, which only the tiles follow.
    st.caption(
        t("{n} of {total} cases (of any date: the sidebar dates apply to the tiles above); open ones by deadline first. "
          "Select a row to open it.", n=UL.format_number(len(listed)), total=UL.format_number(len(everything)))
        if filters.date_from or filters.date_to else
        t("{n} of {total} cases; open ones by deadline first. Select a row to open it.",
          n=UL.format_number(len(listed)), total=UL.format_number(len(everything)))
    )
    # Breached deadlines in red: the sign says it without colour, the colour makes it stand out.
    shown = tables.translate_cells(P.masked_frame(table, PERSONAL).assign(Case=table["Case"].astype(object)), UL.lang())
    styled = fill_missing(shown).style.map(
        lambda v: "color: #d62728; font-weight: 600" if str(v).startswith("⚠") else "", subset=["Deadline"]
    )
    show_table(
        styled, key=table_key, on_select=lambda: _select_case(table_key, ids),
        selection_default={"selection": {"rows": [ids.index(open_id)] if open_id in ids else [], "columns": []}},
        selection_mode="single-row", hide_index=True, width="stretch",
        column_config={**{key: t(header) for key, header in HEADERS.items()},
                       "Deadline": st.column_config.TextColumn(t("Deadline"), help=t("⚠: past the SLA deadline of the priority")),
                       "Mention": st.column_config.TextColumn(t("Mention"), width="large")},
    )  # fmt: skip
    if access.can(auth.EXPORT):
        download_buttons(table, "cases", "queue_download", label=t("Download"))

selected = st.query_params.get(CASE_PARAM)
if selected:
    try:
        case_id = int(selected)
    except ValueError:
        st.warning(t("“{value}” in the link is not a case number. Pick a case in the list.", value=esc(selected)))
    else:
        st.divider()
        _details(case_id, everything, sorted(set(everything["assignee"].dropna().astype(str)) - {""}))

if access.can(auth.SETTINGS):
    _sla_settings()
