"""The Rescue queue page through AppTest: a tiny scored demo with cases, an empty database,
working a case through the form, and a viewer who may only read.

The page runs under a minimal router in ``tmp_path`` (``pages/`` linked in)
rather than ``app.py``: the case card links to Customer 360, and page links
need a router. Besides the cases the demo's workflow rules opened on ``score``, the
module opens its own with ``scrm.act.cases.open_case`` and finds them by subject.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrm import auth
from scrm.act import cases
from scrm.act import rules as workflows
from scrm.db import store
from scrm.demo import casework

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
MINE = "Negative mention from a customer"
ROUTER = """
import streamlit as st
from scrm import ui
st.session_state[ui.ROUTED_KEY] = True
files = ("pages/cases.py", "pages/customer.py", "pages/rules.py")
st.navigation([st.Page(f, default=(i == 0)) for i, f in enumerate(files)]).run()
"""


def make_router(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pages").symlink_to(ROOT / "pages", target_is_directory=True)
    (folder / "router.py").write_text(ROUTER)
    return str(folder / "router.py")


@pytest.fixture(scope="module")
def demo_path(scored_demo_path: Path) -> Path:
    """The tiny scored demo with rescue cases on negative mentions of linked customers, worked by the demo team."""
    db = store.open_db(scored_demo_path)
    try:
        rows = db.execute(
            """SELECT m.mention_id, m.posted_at, l.customer_id FROM mentions m
                 JOIN sentiment s ON s.mention_id = m.mention_id AND s.label = 'negative'
                 JOIN links l ON l.status = 'linked' AND l.profile_id =
                      lower(m.platform) || ':' || lower(ltrim(m.author, '@'))
                WHERE coalesce(m.from_brand, 0) != 1 ORDER BY m.posted_at, m.mention_id LIMIT 30"""
        ).fetchall()
        assert rows, "the tiny demo has negative mentions of linked customers"
        for mention_id, posted_at, customer_id in rows:
            cases.open_case(db, queue=cases.RESCUE, subject=MINE, priority="high",
                            customer_id=customer_id, mention_id=mention_id, opened_at=posted_at,
                            reply_template="Sorry to hear that: DM us your order number.")  # fmt: skip
        # One fresh case nobody has touched: new, not breached, first in the list.
        cases.open_case(db, queue=cases.SUPPORT, subject="Fresh question", priority="low",
                        customer_id=rows[0][2], opened_at=store.utcnow())  # fmt: skip
        casework.demo_casework(db)
    finally:
        db.close()
    return scored_demo_path


def open_page(tmp_path: Path, *, case: int | None = None, user: auth.User | None = None) -> AppTest:
    at = AppTest.from_file(make_router(tmp_path / "app"), default_timeout=TIMEOUT)
    if case is not None:
        at.query_params["case"] = str(case)
    if user is not None:
        at.session_state["scrm_user"] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def case_row(path: Path, case_id: int) -> dict[str, object]:
    db = store.open_db(path, create=False)
    try:
        return cases.get_case(db, case_id)
    finally:
        db.close()


def first_case(path: Path, subject: str) -> int:
    """The first case with ``subject`` (the demo's own rules opened others before these)."""
    db = store.open_db(path, create=False)
    try:
        return int(db.execute("SELECT min(case_id) FROM cases WHERE subject = ?", [subject]).fetchone()[0])
    finally:
        db.close()



def test_the_queue_shows_kpis_and_the_open_cases_by_deadline(tmp_path: Path, demo_db: Path) -> None:
    db = store.open_db(demo_db, create=False)
    try:
        expected = cases.case_kpis(db)
        open_count = len(cases.list_cases(db, statuses=("new", "in progress", "waiting")))
    finally:
        db.close()
    at = open_page(tmp_path)
    assert at.title[0].value == "Rescue queue"
    assert metric(at, "Open cases") == f"{expected.open_cases:,}"
    assert metric(at, "Past deadline") == f"{expected.breached:,}"
    assert metric(at, "First response").endswith(" h")
    table = at.dataframe[0].value
    assert len(table) == open_count
    assert table["Deadline"].iloc[0].startswith("⚠ breached ")  # the most overdue first
    assert table["Deadline"].iloc[-1].endswith(" left")  # the fresh case is the only one not past its deadline
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download XLSX"]


def test_only_breached_and_status_filters_narrow_the_list(tmp_path: Path, demo_db: Path) -> None:
    at = open_page(tmp_path)
    everything = len(at.dataframe[0].value)
    at.toggle(key="queue_breached").set_value(True).run()
    breached = at.dataframe[0].value
    assert len(breached) == everything - 1  # all but the fresh case
    assert all(d.startswith("⚠ breached ") for d in breached["Deadline"])
    at.toggle(key="queue_breached").set_value(False)
    at.multiselect(key="queue_statuses").set_value(["resolved"]).run()
    resolved = at.dataframe[0].value
    assert len(resolved) and set(resolved["Status"]) == {"resolved"}
    assert set(resolved["Deadline"]) <= {"✓ on time"} | {d for d in resolved["Deadline"] if d.startswith("⚠ resolved ")}


def test_a_selected_case_shows_its_mention_customer_reply_and_history(tmp_path: Path, demo_db: Path) -> None:
    case_id = first_case(demo_db, MINE)
    at = open_page(tmp_path, case=case_id)
    assert at.subheader[0].value == f"Case {case_id}: {MINE}"
    assert "Sorry to hear that: DM us your order number." in [t.value for t in at.text]
    history = at.dataframe[1].value
    assert history["Event"].iloc[0] == "opened"
    assert at.get("form")


def test_saving_the_form_changes_the_case_and_the_list(tmp_path: Path, demo_db: Path) -> None:
    case_id = first_case(demo_db, "Fresh question")
    at = open_page(tmp_path, case=case_id)
    before = at.dataframe[0].value
    assert before[before["Case"] == case_id]["Status"].tolist() == ["new"]
    at.selectbox(key=f"queue_status_{case_id}").set_value("in progress")
    at.selectbox(key=f"queue_assignee_{case_id}").set_value("Lucie")  # picked from the team, not typed
    at.text_area(key=f"queue_note_{case_id}").input("Called the customer back.")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == [f"Case {case_id}: saved assignee, note, status."]
    row = case_row(demo_db, case_id)
    assert (row["status"], row["assignee"]) == ("in progress", "Lucie")
    assert row["first_response_at"] is not None
    table = at.dataframe[0].value
    shown = table[table["Case"] == case_id].iloc[0]
    assert (shown["Status"], shown["Assignee"]) == ("in progress", "Lucie")
    assert at.dataframe[1].value["Note"].tolist()[-2] == "Called the customer back."  # then the status event


def test_a_viewer_reads_the_case_but_gets_no_form_and_no_download(tmp_path: Path, demo_db: Path) -> None:
    case_id = first_case(demo_db, MINE)
    at = open_page(tmp_path, case=case_id, user=auth.User("v", "viewer"))
    assert at.subheader[0].value == f"Case {case_id}: {MINE}"
    assert not at.get("form")
    assert not at.get("download_button")
    assert auth.refusal("viewer", auth.CASES) in [c.value for c in at.caption]
    assert not any(e.label.startswith("SLA") for e in at.expander)


def test_an_admin_changes_the_sla_of_a_priority(tmp_path: Path, demo_db: Path) -> None:
    at = open_page(tmp_path)
    at.number_input(key="queue_sla_low").set_value(48.0)
    next(b for b in at.button if b.label == "Save SLA").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["SLA hours saved."]
    db = store.open_db(demo_db, create=False)
    try:
        assert cases.sla_hours(db)["low"] == 48.0
    finally:
        db.close()


def test_an_empty_database_says_how_cases_are_opened(tmp_path: Path, empty_db: Path) -> None:
    at = open_page(tmp_path)
    assert [i.value for i in at.info] == [
        "No cases yet. Cases are opened by workflow rules each time the scores are recomputed; see Workflow rules."
    ]
    assert not at.dataframe


def test_a_case_the_default_rules_opened_on_the_demo_is_on_the_queue_and_the_customers_timeline(
    tmp_path: Path, demo_db: Path
) -> None:
    from scrm.views import customer as customer360

    db = store.open_db(demo_db, create=False)
    try:
        # Opened by `score` (the fixture's scored demo), not by this module: a rule case with a customer.
        case_id, customer_id, rule = db.execute(
            """SELECT c.case_id, c.customer_id, r.name FROM cases c JOIN rules r ON r.rule_id = c.rule_id
                WHERE c.customer_id IS NOT NULL AND r.builtin = 1 ORDER BY c.case_id LIMIT 1"""
        ).fetchone()
        timeline = customer360.customer_timeline(db, customer_id)
    finally:
        db.close()
    assert rule in [r.name for r in workflows.DEFAULT_RULES]
    on_timeline = timeline[(timeline["kind"] == "case") & (timeline["item_id"] == str(case_id))]
    assert len(on_timeline) == 1
    at = open_page(tmp_path)
    at.multiselect(key="queue_statuses").set_value(list(cases.STATUSES)).run()
    assert case_id in at.dataframe[0].value["Case"].tolist()
    at = open_page(tmp_path / "again", case=case_id)
    assert at.subheader[0].value.startswith(f"Case {case_id}: ")
