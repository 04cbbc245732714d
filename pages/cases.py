"""Rescue queue: the cases the workflow rules opened, their deadlines, and the team's work on them.

KPI tiles say how fast the team answers and resolves and whether rescues
work; the list shows the open cases by deadline, breached ones marked; a
selected case (kept in the link as ``?case=12``) shows the mention behind
it, the customer, the suggested reply, its history and, for roles that may
work on cases, a form to change status, assignee and priority or add a note.
"""

from __future__ import annotations

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
from scrm.ui import listening as sentiment
from scrm.ui import masking as P
from scrm.ui.filters import current_filters
from scrm.ui.segments import download_buttons
from scrm.views import kpis

CASE_PARAM = "case"
EMPTY = "No cases yet. Cases are opened by workflow rules each time the scores are recomputed; see Workflow rules."
NO_MATCH = "No case matches these filters. Clear the status, priority or assignee filter, or turn off “only breached”."
PERSONAL = {"Customer": "name", "Author": "handle", "Mention": "text"}
ALL, UNASSIGNED = "All", "Unassigned"
OPEN_STATUSES = [s for s in cases.STATUSES if s != cases.RESOLVED]
FLASH = "queue_flash"
NOTE_ROUND = "queue_note_round"  # bumped after a save: the note box starts empty again


def _hours_text(hours: float) -> str:
    hours = abs(float(hours))
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} days"


def deadline_marker(row: pd.Series, now: pd.Timestamp) -> str:
    """The deadline column: a red sign on breached cases, the time left on the others."""
    due = pd.to_datetime(row["due_at"], errors="coerce")
    if pd.isna(due):
        return ""
    if row["status"] == cases.RESOLVED:
        resolved = pd.to_datetime(row["resolved_at"], errors="coerce")
        if bool(row["breached"]) and not pd.isna(resolved):
            return f"⚠ resolved {_hours_text((resolved - due).total_seconds() / 3600)} late"
        return "✓ on time"
    left = (due - now).total_seconds() / 3600
    if left < 0:
        return f"⚠ breached {_hours_text(left)} ago"
    return f"{_hours_text(left)} left"


def _table(frame: pd.DataFrame, now: str) -> pd.DataFrame:
    """The list as the page shows (and downloads) it."""
    moment = pd.Timestamp(now)
    return pd.DataFrame(
        {
            "Case": frame["case_id"].astype("Int64"),
            "Deadline": [deadline_marker(r, moment) for _, r in frame.iterrows()],
            "Queue": frame["queue"],
            "Priority": frame["priority"],
            "Status": frame["status"],
            "Assignee": frame["assignee"],
            "Customer": frame["customer_name"],
            "Platform": frame["platform"],
            "Author": frame["author"],
            "Mention": frame["mention_text"],
            "Subject": frame["subject"],
            "Opened (UTC)": frame["opened_at"],
            "Due (UTC)": frame["due_at"],
            "Resolved (UTC)": frame["resolved_at"],
        }
    )


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}{unit}" if isinstance(value, float) else f"{value:,}{unit}"


def _tiles(summary: cases.CaseKPIs, range_text: str) -> None:
    def help_of(key: str) -> str:
        kpi = kpis.KPI_BY_KEY[key]
        note = summary.notes.get(key)
        return kpi.formula + (f" ({note}.)" if note else "")

    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("Open cases", _number(summary.open_cases), help=help_of("open_cases"), border=True)
    c2.metric("Past deadline", _number(summary.breached), help=help_of("sla_breached"), border=True)
    c3.metric("First response", _number(summary.first_response_hours, " h"),
              help=help_of("first_response_hours"), border=True)  # fmt: skip
    c4.metric("Resolution", _number(summary.resolution_hours, " h"), help=help_of("resolution_hours"),
              border=True)  # fmt: skip
    rate = "" if summary.rescue_rate is None else f" ({summary.rescue_rate:.0f} %)"
    c5.metric("Rescued (rate)", f"{summary.rescued_customers:,}{rate}",
              help=help_of("rescued_customers") + " Rate: " + help_of("rescue_rate"), border=True)  # fmt: skip
    measured = (
        f"; rescue measured on {summary.rescue_measured:,} customers who wrote again after their case"
        if summary.rescue_measured else ""
    )  # fmt: skip
    st.caption(
        f"Cases opened {range_text}: {summary.cases:,}{measured}. Past deadline counts the open and the resolved "
        "cases that missed their SLA; first response and resolution are medians in hours. Hover a tile for its formula."
    )


def _select_case(key: str, ids: list[int]) -> None:
    # A callback: the link names the picked case, so it survives filters and can be shared.
    rows = st.session_state[key].selection.rows
    if rows:
        st.query_params[CASE_PARAM] = str(ids[rows[0]])


def _filters(frame: pd.DataFrame) -> pd.DataFrame:
    c1, c2, c3, c4, c5 = st.columns([1, 2.3, 1.4, 1, 1.3], vertical_alignment="bottom")
    queues = sorted(set(frame["queue"].dropna().astype(str)) | set(cases.QUEUES))
    queue = c1.selectbox("Queue", [ALL, *queues], key="queue_queue")
    statuses = c2.multiselect("Status", list(cases.STATUSES), default=OPEN_STATUSES, key="queue_statuses",
                              help="Resolved cases are hidden until you add “resolved”.")  # fmt: skip
    priorities = c3.multiselect("Priority", list(cases.PRIORITIES), key="queue_priorities",
                                placeholder="All priorities")  # fmt: skip
    names = sorted(set(frame["assignee"].dropna().astype(str)) - {""})
    assignee = c4.selectbox("Assignee", [ALL, UNASSIGNED, *names], key="queue_assignee")
    only_breached = c5.toggle("Only breached", key="queue_breached", help="Cases past their SLA deadline.")
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
        f"Case {case_id}: saved {', '.join(changed)}." if changed else f"Case {case_id}: nothing changed."
    )
    st.rerun()


def _note_key(case_id: int) -> str:
    # A new key after each save gives an empty box (a widget's value cannot be reset once it is drawn).
    round_ = int(st.session_state.get(NOTE_ROUND, 0))
    return f"queue_note_{case_id}" + (f"_{round_}" if round_ else "")


def _form(case_id: int, row: pd.Series, names: list[str]) -> None:
    case = {k: (None if pd.isna(row[k]) else row[k]) for k in ("status", "assignee", "priority")}
    with st.form(f"queue_form_{case_id}", border=True):
        st.markdown("**Work on this case**")
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox("Status", list(cases.STATUSES), index=list(cases.STATUSES).index(case["status"] or "new"),
                              key=f"queue_status_{case_id}")  # fmt: skip
        assignee = c2.text_input("Assignee", value=case["assignee"] or "", key=f"queue_assignee_{case_id}",
                                 help="A team member's name" + (f", e.g. {', '.join(names[:5])}" if names else "")
                                 + ". Empty: nobody.")  # fmt: skip
        priority = c3.selectbox("Priority", list(cases.PRIORITIES),
                                index=list(cases.PRIORITIES).index(case["priority"] or "medium"),
                                key=f"queue_priority_{case_id}",
                                help="The deadline moves to the opening time plus this priority's SLA.")  # fmt: skip
        note = st.text_area("Add a note", key=_note_key(case_id), max_chars=cases.MAX_NOTE,
                            placeholder="What was done or agreed (no need to repeat the customer's details).")  # fmt: skip
        if st.form_submit_button("Save", type="primary", icon=":material/save:"):
            _save(case_id, case, status, assignee, priority, note)


# Platforms a reply is posted on from the brand's account (scrm.act.replies).
REPLY_PLATFORMS = ("mastodon", "bluesky")


def _reply_form(case_id: int, row: pd.Series) -> None:
    """Post the reply on the platform: written here, approved by ticking, sent from the brand's account."""
    template = str(row["reply_template"]) if pd.notna(row["reply_template"]) else ""
    with st.form(f"queue_reply_{case_id}", border=True):
        st.markdown(f"**Reply on {esc(str(row['platform']))} from the brand's account**")
        text = st.text_area("Reply", value=template, key=f"queue_reply_text_{case_id}")
        approved = st.checkbox("I approve posting this reply publicly", key=f"queue_reply_ok_{case_id}")
        if st.form_submit_button("Post reply", icon=":material/send:"):
            if not approved:
                st.warning("Nothing was posted: tick the approval first.")
                return
            try:
                access.require(auth.CASES)
                with ui.connection(loaders_path) as db:
                    posted = api.post_reply(db, case_id, text, actor=access.actor(), role=access.role())
            except ScrmError as e:
                ui.show_error(e)
            else:
                st.success(esc(f"Posted: {posted.url or posted.mention_id}"), icon=":material/check_circle:")


def _details(case_id: int, frame: pd.DataFrame, names: list[str]) -> None:
    match = frame[frame["case_id"] == case_id]
    if match.empty:
        st.info(f"Case {case_id} is not in the database any more. Pick another case in the list.")
        return
    row = match.iloc[0]
    st.subheader(f"Case {case_id}: {esc(str(row['subject'] or ''))}")
    st.caption(
        f"{esc(str(row['queue']))} queue · {row['priority']} priority · {row['status']} · "
        f"assignee: {esc(str(row['assignee'])) if pd.notna(row['assignee']) and row['assignee'] else 'nobody'} · "
        f"opened {row['opened_at']} UTC · due {row['due_at']} UTC"
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**The mention that opened it**")
        if pd.notna(row["mention_text"]):
            author = P.mask_value(str(row["author"] or ""), "handle") or ""
            st.caption(f"{esc(str(row['platform'] or ''))} · @{esc(author.lstrip('@'))}")
            st.text(P.mask_value(str(row["mention_text"]), "text"))
            if pd.notna(row["mention_id"]) and row["mention_id"]:
                sentiment.sentiment_corrector(loaders_path, data_version, str(row["mention_id"]), key=f"case_{case_id}_correct")
        else:
            st.caption("No mention: the case was opened on the customer record.")
        if pd.notna(row["reply_template"]) and str(row["reply_template"]).strip():
            st.markdown("**Suggested reply**")
            st.text(str(row["reply_template"]))
    with right:
        st.markdown("**Customer**")
        if pd.notna(row["customer_id"]) and row["customer_id"]:
            name = P.mask_value(str(row["customer_name"] or row["customer_id"]), "name")
            st.page_link("pages/customer.py", label=f"Open {esc(name or '')} in Customer 360", icon=":material/person_search:",
                         query_params={"customer": str(row["customer_id"])})  # fmt: skip
        else:
            st.caption("Not linked to a customer: the author's profile is not confirmed (see Identity review).")
        st.markdown("**History**")
        history = loaders.load_history(loaders_path, data_version, case_id)
        shown = history.rename(columns={"at": "At (UTC)", "actor": "By", "event": "Event", "old": "From",
                                        "new": "To", "note": "Note"})  # fmt: skip
        P.show_frame(shown.drop(columns=["event_id"]), {"Note": "text"}, hide_index=True, width="stretch")
    if access.can(auth.CASES):
        _form(case_id, row, names)
        if row["platform"] in REPLY_PLATFORMS:
            _reply_form(case_id, row)
    else:
        st.caption(auth.refusal(access.role(), auth.CASES))


def _sla_settings() -> None:
    sla = loaders.load_sla(loaders_path, data_version)
    with st.expander("SLA per priority (admin)", icon=":material/timer:"):
        st.caption("Hours from the customer's message to the deadline. A change moves the deadline of the open "
                   "cases of that priority; resolved cases keep theirs.")  # fmt: skip
        with st.form("queue_sla_form"):
            columns = st.columns(len(cases.PRIORITIES))
            values = {
                p: c.number_input(f"{p.title()} priority (hours)", min_value=cases.MIN_SLA_HOURS,
                                  max_value=cases.MAX_SLA_HOURS, value=float(sla[p]), step=1.0, key=f"queue_sla_{p}")
                for p, c in zip(cases.PRIORITIES, columns, strict=True)
            }  # fmt: skip
            if st.form_submit_button("Save SLA", icon=":material/save:"):
                try:
                    changed = {p: float(hours) for p, hours in values.items() if float(hours) != float(sla[p])}
                    with ui.connection(loaders_path) as db:
                        api.set_sla_hours(db, changed, actor=access.actor(), role=access.role())
                except ScrmError as e:
                    ui.show_error(e)
                else:
                    st.session_state[FLASH] = "SLA hours saved."
                    st.rerun()


ui.ensure_routed("pages/cases.py")
loaders_path = ui.current_db_path()
data_version = ui.current_version(loaders_path)

st.title("Rescue queue")
st.caption("Cases the workflow rules opened (unhappy valuable customers, advocates to thank, support) and the "
           "team's work on them. Deadlines follow the SLA of each priority.")  # fmt: skip
if flash := st.session_state.pop(FLASH, None):
    st.success(flash, icon=":material/check_circle:")

if loaders.load_case_count(loaders_path, data_version) == 0:
    st.info(EMPTY, icon=":material/inbox:")
    st.page_link("pages/rules.py", label="Go to Workflow rules", icon=":material/rule:")
    if access.can(auth.SETTINGS):
        _sla_settings()
    st.stop()

# Minute precision: "breached" follows the clock, and a cache key per second would never hit.
now = store.utcnow()[:16] + ":00"
filters = current_filters()
summary = loaders.load_kpis(loaders_path, data_version, filters.date_from, filters.date_to, now)
if filters.date_from or filters.date_to:
    range_text = f"from {filters.date_from or 'the first'} to {filters.date_to or 'the last'} (sidebar dates)"
else:
    range_text = "at any time"
_tiles(summary, range_text)

everything = loaders.load_cases(loaders_path, data_version, now)
listed = _filters(everything)
if listed.empty:
    st.info(NO_MATCH, icon=":material/filter_alt_off:")
else:
    table = _table(listed, now)
    ids = [int(i) for i in listed["case_id"]]
    # The list is the team's work: an open case stays on it whatever the sidebar dates, which only the tiles follow.
    dated = " (of any date: the sidebar dates apply to the tiles above)" if filters.date_from or filters.date_to else ""
    st.caption(
        f"{len(listed):,} of {len(everything):,} cases{dated}; open ones by deadline first. Select a row to open it."
    )
    # Breached deadlines in red: the sign says it without colour, the colour makes it stand out.
    styled = P.masked_frame(table, PERSONAL).style.map(
        lambda v: "color: #d62728; font-weight: 600" if str(v).startswith("⚠") else "", subset=["Deadline"]
    )
    st.dataframe(
        styled, key="queue_table", on_select=lambda: _select_case("queue_table", ids),
        selection_mode="single-row", hide_index=True, width="stretch",
        column_config={"Deadline": st.column_config.TextColumn(help="⚠: past the SLA deadline of the priority"),
                       "Mention": st.column_config.TextColumn(width="large")},
    )  # fmt: skip
    if access.can(auth.EXPORT):
        download_buttons(table, "cases", "queue_download")

selected = st.query_params.get(CASE_PARAM)
if selected:
    try:
        case_id = int(selected)
    except ValueError:
        st.warning(f"“{esc(selected)}” in the link is not a case number. Pick a case in the list.")
    else:
        st.divider()
        _details(case_id, everything, sorted(set(everything["assignee"].dropna().astype(str)) - {""}))

if access.can(auth.SETTINGS):
    _sla_settings()
