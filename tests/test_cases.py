"""Cases: opening, changes and their history, SLA deadlines, the case KPIs and the demo's casework.

The KPI fixture (all times UTC, 2024; SLA defaults: high 4 h, medium 24 h, low 72 h):

case  queue    priority customer opened       first response      resolved            deadline
A     rescue   high     C1       03-01 10:00  11:00 (1 h, assign)  13:00 (3 h)         03-01 14:00 met
B     rescue   high     C2       03-02 10:00  16:00 (6 h, note)    03-03 10:00 (24 h)  03-02 14:00 breached
C     support  medium   -        03-05 00:00  -                   - (open)            03-06 00:00 breached
D     rescue   low      C1       04-10 00:00  -                   - (open)            04-13 00:00 (outside March)

Sentiment: A opened on mention a0 (-0.2); C1 wrote 03-20 (+0.5) and 04-01 (+0.1) within 90 days
of A's resolution (mean +0.3: rescued) and twice -1.0 in June (outside the window). B has no
mention: before = C2's mean over the 90 days before opening (02-01 -0.2, 02-15 -0.4: -0.3);
after: 03-10 -0.6 (not rescued). March: open 1 (C), breached 2 (B, C), median first response
(1 + 6) / 2 = 3.5 h, median resolution (3 + 24) / 2 = 13.5 h, rescued 1 of 2 measured: 50 %.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlite_utils

from scrm.act import cases
from scrm.db import audit, store
from scrm.db import schema as S
from scrm.demo import casework
from scrm.errors import NotFound
from scrm.views.customer import customer_timeline

NOW = "2024-06-30T00:00:00"
PERSON = "maria"


def add_mentions(db: sqlite_utils.Database, rows: list[tuple[str, str, str, float]]) -> None:
    """(mention_id, author, posted_at, score) on twitter, each with its sentiment."""
    store.upsert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
                      [(m, "twitter", a, f"text of {m}", t) for m, a, t, _ in rows])  # fmt: skip
    store.upsert_rows(db, S.SENTIMENT, ["mention_id", "score", "label"],
                      [(m, s, "negative" if s < 0 else "positive") for m, _, _, s in rows])  # fmt: skip


@pytest.fixture
def people(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    db = fresh_db
    store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name", "email"],
                      [("C1", "Ana Ruiz", "ana@example.org"), ("C2", "Bo Lind", "bo@example.org")])  # fmt: skip
    store.upsert_rows(db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"],
                      [("twitter:ana", "C1", "email", 1.0, "linked"), ("twitter:bo", "C2", "handle", 0.95, "linked"),
                       ("twitter:anna", "C1", "name_city", 0.7, "suggested")])  # fmt: skip
    add_mentions(db, [
        ("a0", "@Ana", "2024-03-01T10:00:00", -0.2),
        ("a1", "ana", "2024-03-20T09:00:00", 0.5),
        ("a2", "ana", "2024-04-01T09:00:00", 0.1),
        ("a3", "ana", "2024-06-15T09:00:00", -1.0),
        ("a4", "ana", "2024-06-16T09:00:00", -1.0),
        ("x1", "anna", "2024-03-21T09:00:00", -1.0),  # a suggested link only: not Ana's
        ("b1", "bo", "2024-02-01T09:00:00", -0.2),
        ("b2", "bo", "2024-02-15T09:00:00", -0.4),
        ("b3", "bo", "2024-03-10T09:00:00", -0.6),
    ])  # fmt: skip
    return db


@pytest.fixture
def worked(people: sqlite_utils.Database) -> sqlite_utils.Database:
    """The four cases of the module docstring, worked as it says."""
    db = people
    a = cases.open_case(db, queue=cases.RESCUE, subject="A", priority="high", customer_id="C1", mention_id="a0",
                        opened_at="2024-03-01T10:00:00")  # fmt: skip
    cases.assign(db, a, "Marc", actor=PERSON, at="2024-03-01T11:00:00")
    cases.set_status(db, a, "resolved", actor=PERSON, at="2024-03-01T13:00:00")
    b = cases.open_case(db, queue=cases.RESCUE, subject="B", priority="high", customer_id="C2",
                        opened_at="2024-03-02T10:00:00")  # fmt: skip
    cases.add_note(db, b, "Called back.", actor=PERSON, at="2024-03-02T16:00:00")
    cases.set_status(db, b, "resolved", actor=PERSON, at="2024-03-03T10:00:00")
    cases.open_case(db, queue=cases.SUPPORT, subject="C", priority="medium", opened_at="2024-03-05T00:00:00")
    cases.open_case(db, queue=cases.RESCUE, subject="D", priority="low", customer_id="C1",
                    opened_at="2024-04-10T00:00:00")  # fmt: skip
    return db


def row(db: sqlite_utils.Database, case_id: int) -> dict[str, object]:
    return cases.get_case(db, case_id)


# --- opening and changes -----------------------------------------------------------------


def test_an_opened_case_is_new_with_the_deadline_of_its_priority_and_an_opened_event(people: sqlite_utils.Database) -> None:
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="Late parcel", priority="high", customer_id="C1",
                              mention_id="a0", rule_id=3, opened_at="2024-03-01T10:00:00",
                              reply_template="Sorry!")  # fmt: skip
    case = row(people, case_id)
    assert (case["status"], case["due_at"], case["rule_id"], case["reply_template"]) == (
        "new", "2024-03-01T14:00:00", 3, "Sorry!"
    )
    assert case["sentiment_before"] == pytest.approx(-0.2)  # the triggering mention's score
    assert case["first_response_at"] is None  # the rules opened it, no person acted
    history = cases.case_history(people, case_id)
    assert history[["actor", "event", "old", "new"]].values.tolist() == [["rules", "opened", None, "new"]]
    assert audit.read_log(people).empty  # rule work is recorded as rule matches, not in the audit log


def test_without_a_mention_the_sentiment_before_is_the_customers_90_day_mean(people: sqlite_utils.Database) -> None:
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="B", priority="high", customer_id="C2",
                              opened_at="2024-03-02T10:00:00")  # fmt: skip
    assert row(people, case_id)["sentiment_before"] == pytest.approx(-0.3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"priority": "urgent"}, "Priority 'urgent' is not known; use one of high, medium, low."),
        ({"queue": " "}, "A case needs a queue, such as rescue, thank-you or support."),
        ({"opened_at": "yesterday"}, "opened_at 'yesterday' is not a time; use YYYY-MM-DDTHH:MM:SS (UTC)."),
    ],
)
def test_open_case_refuses_bad_values_with_a_sentence(
    fresh_db: sqlite_utils.Database, kwargs: dict[str, str], message: str
) -> None:
    args = {"queue": cases.RESCUE, "subject": "x", "priority": "high", **kwargs}
    with pytest.raises(cases.CaseError) as e:
        cases.open_case(fresh_db, **args)  # type: ignore[arg-type]
    assert str(e.value) == message


def test_a_persons_first_action_sets_the_first_response_and_later_ones_keep_it(people: sqlite_utils.Database) -> None:
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="x", priority="high", opened_at="2024-03-01T10:00:00")
    cases.set_status(people, case_id, "in progress", actor=audit.RULES_ACTOR, at="2024-03-01T10:05:00")
    assert row(people, case_id)["first_response_at"] is None  # automatic work is not a response
    cases.add_note(people, case_id, "Replied on twitter.", actor=PERSON, at="2024-03-01T10:30:00")
    cases.assign(people, case_id, "Lucie", actor=PERSON, at="2024-03-01T11:00:00")
    case = row(people, case_id)
    assert (case["first_response_at"], case["assignee"], case["status"]) == ("2024-03-01T10:30:00", "Lucie", "in progress")


def test_resolving_stamps_resolved_at_and_reopening_clears_it(people: sqlite_utils.Database) -> None:
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="x", priority="low", opened_at="2024-03-01T10:00:00")
    assert cases.set_status(people, case_id, "resolved", actor=PERSON, at="2024-03-02T10:00:00") is True
    assert row(people, case_id)["resolved_at"] == "2024-03-02T10:00:00"
    assert cases.set_status(people, case_id, "resolved", actor=PERSON) is False  # no change, no event
    cases.set_status(people, case_id, "waiting", actor=PERSON, at="2024-03-03T10:00:00")
    assert (row(people, case_id)["status"], row(people, case_id)["resolved_at"]) == ("waiting", None)
    events = cases.case_history(people, case_id)[["event", "old", "new"]].values.tolist()
    assert events == [["opened", None, "new"], ["status", "new", "resolved"], ["status", "resolved", "waiting"]]


def test_a_new_priority_moves_the_deadline(people: sqlite_utils.Database) -> None:
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="x", priority="low", opened_at="2024-03-01T10:00:00")
    assert row(people, case_id)["due_at"] == "2024-03-04T10:00:00"
    cases.set_priority(people, case_id, "high", actor=PERSON)
    assert row(people, case_id)["due_at"] == "2024-03-01T14:00:00"


def test_people_changes_are_audited_by_case_without_note_texts(people: sqlite_utils.Database) -> None:
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="x", priority="low", customer_id="C1")
    cases.add_note(people, case_id, "Ana Ruiz called from ana@example.org", actor=PERSON)
    cases.set_status(people, case_id, "in progress", actor=PERSON)
    log = audit.read_log(people)
    assert log["action"].tolist() == ["case", "case"]
    assert log["target"].tolist() == [f"case {case_id}"] * 2
    assert [json.loads(d) for d in log["detail"]] == [
        {"event": "status", "old": "new", "new": "in progress"},
        {"event": "note"},
    ]
    assert "Ana" not in log.to_string() and "example.org" not in log.to_string()


def test_people_changes_are_audited_with_the_role_of_the_person(people: sqlite_utils.Database) -> None:
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="x", priority="low", actor=PERSON, role="analyst")
    cases.assign(people, case_id, "Lea", actor=PERSON, role="analyst")
    cases.set_priority(people, case_id, "high", actor=PERSON, role="analyst")
    cases.add_note(people, case_id, "Called back.", actor=PERSON, role="analyst")
    cases.set_status(people, case_id, "waiting", actor=PERSON, role="analyst")
    cases.set_sla_hours(people, "high", 6, PERSON, role="admin")
    log = audit.read_log(people)
    assert log["role"].tolist() == ["admin", *["analyst"] * 5]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda db, c: cases.set_status(db, c, "done", actor=PERSON),
         "Status 'done' is not known; use one of new, in progress, waiting, resolved."),
        (lambda db, c: cases.add_note(db, c, "  ", actor=PERSON),
         "The note is empty; write what was done or agreed, then save."),
        (lambda db, c: cases.set_priority(db, c, "top", actor=PERSON),
         "Priority 'top' is not known; use one of high, medium, low."),
    ],
)  # fmt: skip
def test_changes_refuse_bad_values_with_a_sentence(people: sqlite_utils.Database, call: object, message: str) -> None:
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="x", priority="low")
    with pytest.raises(cases.CaseError) as e:
        call(people, case_id)  # type: ignore[operator]
    assert str(e.value) == message
    assert len(cases.case_history(people, case_id)) == 1


def test_a_missing_case_is_not_found(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(NotFound) as e:
        cases.assign(fresh_db, 99, "Ana", actor=PERSON)
    assert str(e.value) == "Case 99 does not exist (it may have been erased). Pick a case from the Rescue queue list."


def test_writes_are_the_teams_work_and_keep_the_input_version(people: sqlite_utils.Database) -> None:
    before = store.input_version(people)
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="x", priority="low")
    cases.add_note(people, case_id, "ok", actor=PERSON)
    assert store.input_version(people) == before


# --- SLA ----------------------------------------------------------------------------------------


def test_sla_hours_default_and_a_new_setting_moves_only_open_cases(people: sqlite_utils.Database) -> None:
    assert cases.sla_hours(people) == {"high": 4.0, "medium": 24.0, "low": 72.0}
    open_id = cases.open_case(people, queue=cases.RESCUE, subject="o", priority="high", opened_at="2024-03-01T10:00:00")
    done_id = cases.open_case(people, queue=cases.RESCUE, subject="d", priority="high", opened_at="2024-03-01T10:00:00")
    cases.set_status(people, done_id, "resolved", actor=PERSON, at="2024-03-01T12:00:00")
    assert cases.set_sla_hours(people, "high", "8", actor="admin") == 8.0
    assert cases.sla_hours(people)["high"] == 8.0
    assert row(people, open_id)["due_at"] == "2024-03-01T18:00:00"
    assert row(people, done_id)["due_at"] == "2024-03-01T14:00:00"
    entry = audit.read_log(people, actions=(audit.SETTINGS,)).iloc[0]
    assert (entry["actor"], entry["target"]) == ("admin", "sla_hours_high")


@pytest.mark.parametrize(
    ("priority", "hours", "message"),
    [
        ("high", "soon", "The SLA for high priority must be a number of hours between 0.5 and 8760 (a year); "
                         "'soon' is not. Type a number such as 8."),
        ("low", 0, "The SLA for low priority must be a number of hours between 0.5 and 8760 (a year); "
                   "'0' is not. Type a number such as 8."),
        ("urgent", 4, "Priority 'urgent' is not known; use one of high, medium, low."),
    ],
)  # fmt: skip
def test_set_sla_hours_refuses_bad_input(fresh_db: sqlite_utils.Database, priority: str, hours: object, message: str) -> None:
    with pytest.raises(cases.CaseError) as e:
        cases.set_sla_hours(fresh_db, priority, hours, actor="admin")  # type: ignore[arg-type]
    assert str(e.value) == message


# --- the list ------------------------------------------------------------------------------------


def test_list_cases_joins_customer_and_mention_and_marks_breaches_at_now(worked: sqlite_utils.Database) -> None:
    frame = cases.list_cases(worked, now="2024-03-05T12:00:00")
    assert frame["subject"].tolist() == ["C", "D", "B", "A"]  # open by deadline, then resolved newest first
    assert frame["breached"].tolist() == [False, False, True, False]
    assert frame["hours_left"].tolist()[:2] == [12.0, 924.0]  # D: 26.5 days to April 1st + 12 days, in hours
    assert pd.isna(frame["hours_left"].iloc[2])
    a = frame[frame["subject"] == "A"].iloc[0]
    assert (a["customer_name"], a["platform"], a["author"], a["mention_text"], a["assignee"]) == (
        "Ana Ruiz", "twitter", "@Ana", "text of a0", "Marc"
    )
    later = cases.list_cases(worked, now="2024-03-06T00:00:01")
    assert later.set_index("subject")["breached"]["C"]  # one second past the deadline


def test_list_cases_filters_by_queue_status_and_assignee(worked: sqlite_utils.Database) -> None:
    assert cases.list_cases(worked, queue=cases.SUPPORT)["subject"].tolist() == ["C"]
    assert cases.list_cases(worked, statuses=("resolved",))["subject"].tolist() == ["B", "A"]
    assert cases.list_cases(worked, assignee="Marc")["subject"].tolist() == ["A"]
    assert cases.list_cases(worked, assignee="")["subject"].tolist() == ["C", "D", "B"]


def test_an_empty_database_lists_no_case_with_every_column(fresh_db: sqlite_utils.Database) -> None:
    frame = cases.list_cases(fresh_db)
    assert frame.empty and list(frame.columns) == cases.CASE_COLUMNS


# --- KPIs ------------------------------------------------------------------------------------------


def test_case_kpis_over_march_match_the_hand_worked_values(worked: sqlite_utils.Database) -> None:
    k = cases.case_kpis(worked, "2024-03-01", "2024-03-31", now=NOW)
    assert (k.cases, k.open_cases, k.breached) == (3, 1, 2)
    assert (k.first_response_hours, k.resolution_hours) == (3.5, 13.5)
    assert (k.rescue_resolved, k.rescue_measured, k.rescued_customers, k.rescue_rate) == (2, 2, 1, 50.0)
    assert k.notes == {}


def test_the_rescue_compares_the_90_days_after_resolution_with_before(worked: sqlite_utils.Database) -> None:
    frame = cases.case_frame(worked).set_index("case_id")
    # A: after = (0.5 + 0.1) / 2; the June mentions fall outside the 90 days. B: before -0.3, after -0.6.
    assert frame.loc[1, ["sentiment_before", "sentiment_after", "after_mentions"]].tolist() == pytest.approx([-0.2, 0.3, 2])
    assert frame.loc[2, ["sentiment_before", "sentiment_after", "after_mentions"]].tolist() == pytest.approx([-0.3, -0.6, 1])


def test_a_rescue_without_later_mentions_is_not_counted_and_says_so(people: sqlite_utils.Database) -> None:
    case_id = cases.open_case(people, queue=cases.RESCUE, subject="x", priority="high", customer_id="C2",
                              mention_id="b3", opened_at="2024-03-10T09:00:00")  # fmt: skip
    cases.set_status(people, case_id, "resolved", actor=PERSON, at="2024-03-10T12:00:00")
    k = cases.case_kpis(people, now=NOW)
    assert (k.rescued_customers, k.rescue_rate) == (0, None)
    assert k.notes["rescue_rate"] == (
        "none of the 1 resolved rescue cases' customers wrote a scored mention in the 90 days after the "
        "resolution, so no rescue can be measured yet"
    )


def test_case_kpis_without_cases_are_zero_or_none_with_a_note(fresh_db: sqlite_utils.Database) -> None:
    k = cases.case_kpis(fresh_db)
    assert (k.open_cases, k.breached, k.first_response_hours, k.resolution_hours, k.rescued_customers, k.rescue_rate) == (
        0, 0, None, None, 0, None
    )
    assert set(k.notes.values()) == {cases.NO_CASES}


# --- Customer 360 ------------------------------------------------------------------------------------


def test_the_customer_timeline_shows_the_case_with_queue_priority_and_status(worked: sqlite_utils.Database) -> None:
    timeline = customer_timeline(worked, "C1")
    shown = timeline[timeline["kind"] == "case"][["at", "item_id", "title", "detail"]].values.tolist()
    assert shown == [
        ["2024-03-01T10:00:00", "1", "Case: A", "rescue queue · high priority · resolved · Marc"],
        ["2024-04-10T00:00:00", "4", "Case: D", "rescue queue · low priority · new"],
    ]


# --- the demo's casework -----------------------------------------------------------------------------


def demo_cases(db: sqlite_utils.Database, n: int = 40) -> sqlite_utils.Database:
    store.set_meta(db, "demo", "1")
    store.set_meta(db, "demo_story", json.dumps({"anchor": "2024-06-30T23:59:59"}))
    for i in range(n):
        queue = cases.THANK_YOU if i % 5 == 0 else cases.RESCUE
        day = 1 + i % 28
        month = 3 + i % 4  # March to June: the last days before the anchor stay untouched
        cases.open_case(db, queue=queue, subject=f"case {i}", priority=cases.PRIORITIES[i % 3],
                        customer_id="C1" if i % 2 else "C2", opened_at=f"2024-{month:02d}-{day:02d}T09:00:00")  # fmt: skip
    return db


def history_of(db: sqlite_utils.Database) -> list[tuple[object, ...]]:
    return [tuple(r) for r in db.execute(
        "SELECT case_id, at, actor, event, old, new, note FROM case_events ORDER BY event_id"
    ).fetchall()]  # fmt: skip


def test_demo_casework_simulates_the_teams_work_deterministically_once() -> None:
    first, second = demo_cases(store.open_db(":memory:")), demo_cases(store.open_db(":memory:"))
    worked = casework.demo_casework(first)
    assert worked == casework.demo_casework(second) > 0
    assert history_of(first) == history_of(second)
    assert casework.demo_casework(first) == 0  # idempotent: the flag is set
    frame = cases.list_cases(first, now="2024-06-30T23:59:59")
    statuses = frame["status"].value_counts().to_dict()
    assert statuses["resolved"] > len(frame) / 2
    assert set(frame["assignee"].dropna()) <= set(casework.DEMO_TEAM)
    recent = frame[frame["opened_at"] >= "2024-06-28"]
    assert (recent["status"] == "new").all()  # opened in the last days: left for the team
    assert int(frame["breached"].sum()) > 0
    events = cases.case_history(first, int(frame[frame["status"] == "resolved"]["case_id"].iloc[0]))
    assert events["at"].is_monotonic_increasing and (events["at"] <= "2024-06-30T23:59:59").all()
    notes = pd.concat([cases.case_history(first, int(c)) for c in frame["case_id"]])["note"].dropna()
    assert set(notes) <= {n for group in casework.DEMO_NOTES.values() for n in group}
    first.close()
    second.close()


def test_demo_casework_leaves_a_real_database_alone(worked: sqlite_utils.Database) -> None:
    before = history_of(worked)
    assert casework.demo_casework(worked) == 0
    assert history_of(worked) == before


def test_case_kpis_from_a_stored_case_frame_equal_the_direct_read(scored_demo_path) -> None:  # type: ignore[no-untyped-def]
    from scrm.views.kpis import stored_case_frame

    db = store.open_db(scored_demo_path, create=False)
    try:
        now = "2026-12-01T00:00:00"
        frame = stored_case_frame(db)
        assert frame is not None and len(frame) > 0
        for start, end in [(None, None), ("2026-01-01", "2026-06-30"), ("2026-11-01", None)]:
            direct = cases.case_kpis(db, start, end, now)
            assert repr(cases.case_kpis(db, start, end, now, frame=frame)) == repr(direct)
    finally:
        db.close()
