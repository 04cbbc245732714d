"""Closing the loop between pages: a case opened from a mention, an alert or a customer row.

Engine first (:func:`scrm.act.cases.open_case_from` through :func:`scrm.api.open_case`),
then the pages a manager walks: Listening, Alerts, Advocates and Segments.
"""

from __future__ import annotations

import json
from pathlib import Path

import page_support as support
import pandas as pd
import pytest
import sqlite_utils
from streamlit.testing.v1 import AppTest

from scrm import api, auth
from scrm.act import cases, review, rules
from scrm.analysis.alerts import DEFAULT_DAILY_CAP, daily_cap, group_incidents
from scrm.db import audit, store
from scrm.db import schema as S
from scrm.errors import CaseError, NotFound, ReviewRefused

PERSON = "maria"


@pytest.fixture
def people(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    db = fresh_db
    store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name"], [("C1", "Ana Ruiz"), ("C2", "Bo Lind")])
    store.upsert_rows(db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"],
                      [("twitter:ana", "C1", "email", 1.0, "linked"), ("twitter:anna", "C2", "name_city", 0.7, "suggested")])  # fmt: skip
    store.upsert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
                      [("a0", "twitter", "@Ana", "My parcel is late", "2024-03-01T10:00:00"),
                       ("x1", "twitter", "anna", "Also late", "2024-03-02T10:00:00")])  # fmt: skip
    store.upsert_rows(db, S.SENTIMENT, ["mention_id", "score", "label"], [("a0", -0.6, "negative"), ("x1", 0.2, "positive")])
    return db


def audited_openings(db: sqlite_utils.Database) -> list[dict[str, object]]:
    rows = db.execute(f"SELECT actor, target, detail FROM {S.AUDIT_LOG} WHERE action = ?", [audit.CASE]).fetchall()
    return [{"actor": a, "target": t, **json.loads(d)} for a, t, d in rows if json.loads(d).get("event") == cases.OPENED]


def test_a_case_opened_from_a_mention_links_the_mention_and_its_authors_customer(people: sqlite_utils.Database) -> None:
    opened = api.open_case(people, mention_id="a0", actor=PERSON, role="analyst")
    case = cases.get_case(people, opened.case_id)
    assert opened.created and (opened.customer_id, opened.mention_id) == ("C1", "a0")
    assert (case["mention_id"], case["customer_id"], case["profile_id"], case["queue"]) == ("a0", "C1", "twitter:ana", "rescue")
    assert case["subject"] == "Negative mention on twitter"  # no handle: the privacy switch does not mask subjects
    # The clock starts when the person takes it on, not when the customer wrote months ago.
    assert case["opened_at"] >= "2025-01-01" and not cases.list_cases(people)["breached"].any()
    assert audited_openings(people) == [
        {"actor": PERSON, "target": f"case {opened.case_id}", "event": "opened", "queue": "rescue", "priority": "medium"}
    ]


def test_a_second_opening_on_the_same_mention_returns_the_open_case(people: sqlite_utils.Database) -> None:
    first = api.open_case(people, mention_id="a0", actor=PERSON)
    again = api.open_case(people, mention_id="a0", actor=PERSON)
    assert (again.case_id, again.created) == (first.case_id, False)
    assert people.execute(f"SELECT count(*) FROM {S.CASES}").fetchone()[0] == 1
    cases.set_status(people, first.case_id, cases.RESOLVED, actor=PERSON)
    assert api.open_case(people, mention_id="a0", actor=PERSON).created  # a resolved case does not block a new one


def test_a_suggested_link_is_not_a_customer_and_a_positive_mention_goes_to_support(people: sqlite_utils.Database) -> None:
    opened = api.open_case(people, mention_id="x1", actor=PERSON)
    case = cases.get_case(people, opened.case_id)
    assert (case["customer_id"], case["queue"]) == (None, "support")


def test_a_case_opened_on_a_detractor_row_holds_the_customer(people: sqlite_utils.Database) -> None:
    opened = api.open_case(people, profile_id="twitter:ana", actor=PERSON)
    assert cases.get_case(people, opened.case_id)["customer_id"] == "C1"


def test_opening_needs_something_selected_and_an_existing_mention(people: sqlite_utils.Database) -> None:
    with pytest.raises(CaseError, match="Select a mention, an alert or a customer"):
        api.open_case(people, actor=PERSON)
    with pytest.raises(NotFound, match="Mention nope is no longer in the database"):
        api.open_case(people, mention_id="nope", actor=PERSON)


def test_the_customer_of_a_mention_is_the_confirmed_one(people: sqlite_utils.Database) -> None:
    assert cases.mention_customer(people, "a0") == ("C1", "Ana Ruiz")
    assert cases.mention_customer(people, "x1") is None


def add_vip_alert(path: Path) -> tuple[int, str, str]:
    """A VIP detractor alert on a linked customer's mention (the tiny demo raises none): alert, customer, mention ids."""
    db = store.open_db(path, create=False)
    try:
        found = db.execute(
            f"""SELECT alert_id, customer_id, drivers FROM {S.ALERTS} WHERE kind = 'vip_detractor' ORDER BY alert_id LIMIT 1"""
        ).fetchone()
        if found is not None:
            return int(found[0]), str(found[1]), json.loads(found[2])["mentions"][0]["mention_id"]
        mention_id, customer_id, platform, author = db.execute(
            f"""SELECT m.mention_id, l.customer_id, m.platform, m.author FROM {S.MENTIONS} m
                  JOIN {S.LINKS} l ON l.profile_id = lower(m.platform) || ':' || lower(ltrim(m.author, '@'))
                 WHERE l.status = 'linked' ORDER BY m.mention_id LIMIT 1"""
        ).fetchone()
        alert_id = int(db.execute(f"SELECT coalesce(max(alert_id), 0) + 1 FROM {S.ALERTS}").fetchone()[0])
        drivers = {"mentions": [{"mention_id": mention_id, "platform": platform, "author": author, "text": "late"}]}
        with store.transaction(db):
            db.execute(
                f"""INSERT INTO {S.ALERTS} (alert_id, kind, scope, brand, platform, customer_id, period_start, period_end,
                        days, severity, total, drivers, created_at)
                    VALUES (?, 'vip_detractor', 'customer', 'Velora', ?, ?, '2099-01-01', '2099-01-01', 1, 'high', 1, ?,
                            '2099-01-01T00:00:00')""",
                [alert_id, platform, customer_id, json.dumps(drivers)],
            )
        return alert_id, str(customer_id), str(mention_id)
    finally:
        db.close()


def test_a_case_opened_from_a_vip_detractor_alert_is_urgent_and_holds_customer_and_mention(scored_demo_path: Path) -> None:
    alert_id, customer_id, mention_id = add_vip_alert(scored_demo_path)
    db = store.open_db(scored_demo_path, create=False)
    try:
        opened = api.open_case(db, alert_id=alert_id, actor=PERSON)
        case = cases.get_case(db, opened.case_id)
        assert (case["customer_id"], case["priority"], case["mention_id"]) == (customer_id, "high", mention_id)
        assert case["subject"].startswith(f"VIP detractor (alert {alert_id}, Velora, ")
    finally:
        db.close()


# --- pages ------------------------------------------------------------------------------------


ROUTER = """
import streamlit as st
from scrm import ui
st.session_state[ui.ROUTED_KEY] = True
files = dict.fromkeys(("pages/{page}.py", "pages/cases.py", "pages/customer.py"))
st.navigation([st.Page(f, default=(i == 0)) for i, f in enumerate(files)]).run()
"""


def _router(tmp_path: Path, page: str) -> Path:
    """A router that opens ``page`` and knows the Cases and Customer pages (their links need it)."""
    folder = tmp_path / "app"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pages").symlink_to(support.ROOT / "pages", target_is_directory=True)
    (folder / "router.py").write_text(ROUTER.replace("{page}", page))
    return folder / "router.py"


def _run(tmp_path: Path, page: str, state: dict[str, object], **query: str) -> AppTest:
    at = AppTest.from_file(str(_router(tmp_path, page)), default_timeout=support.TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _links(at: AppTest) -> list[tuple[str, str]]:
    """(page?query, label) of every page link drawn."""
    return [(f"{p.proto.page}?{p.proto.query_string}", p.proto.label) for p in at.get("page_link")]


def _case_of_link(at: AppTest) -> int:
    """The case id the success message names."""
    message = next(s.value for s in at.success if "Rescue queue" in s.value)
    return int(message.split()[1])


def _button(at: AppTest, key_end: str) -> object:
    return next(b for b in at.button if str(b.key).endswith(key_end))


def test_a_manager_opens_a_case_from_a_mention_on_listening_and_is_told_where_it_is(tmp_path: Path, demo_db: Path) -> None:
    state = {"listening_query": "delivery", "listening_table": {"selection": {"rows": [0], "columns": []}}}
    at = _run(tmp_path, "listening", state, listening_tab="Mention explorer")
    _button(at, "listening_mention_open_case").click().run()
    assert not at.exception, [e.value for e in at.exception]
    case_id = _case_of_link(at)
    assert [p for p, label in _links(at) if label == f"Open case {case_id} in the Rescue queue"] == [f"cases?case={case_id}"]
    db = store.open_db(demo_db, create=False)
    try:
        case = cases.get_case(db, case_id)
    finally:
        db.close()
    assert case["mention_id"] and case["status"] == "new"


def test_an_alert_opens_a_case_and_a_vip_detractor_alert_leads_to_the_customer_card(tmp_path: Path, demo_db: Path) -> None:
    alert_id, customer_id, _ = add_vip_alert(demo_db)
    at = _run(tmp_path, "alerts", {"alerts_kinds": ["vip_detractor"]})
    assert any("Customer 360" in label for _, label in _links(at))  # the open (first) alert's customer
    button = next(b for b in at.button if str(b.key).startswith("alert_") and str(b.key).endswith("_open_case"))
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    case_id = _case_of_link(at)
    db = store.open_db(demo_db, create=False)
    try:
        case = cases.get_case(db, case_id)
    finally:
        db.close()
    assert (case["customer_id"], case["priority"]) == (customer_id, "high")
    assert case["subject"].startswith(f"VIP detractor (alert {alert_id}, Velora, ")


def test_a_detractor_row_leads_to_the_card_and_opens_a_case(tmp_path: Path, demo_db: Path) -> None:
    at = _run(tmp_path, "advocates", {"advocates_detractors_table": {"selection": {"rows": [0], "columns": []}}})
    assert any("Customer 360" in label for _, label in _links(at))
    _button(at, "advocates_detractors_open_case").click().run()
    assert not at.exception, [e.value for e in at.exception]
    case_id = _case_of_link(at)
    db = store.open_db(demo_db, create=False)
    try:
        assert cases.get_case(db, case_id)["customer_id"] is not None
    finally:
        db.close()


def test_a_segment_member_row_leads_to_their_customer_card(tmp_path: Path, demo_db: Path) -> None:
    at = _run(tmp_path, "segments", {"segments_rfm_table": {"selection": {"rows": [0], "columns": []}}})
    assert any("Customer 360" in label for _, label in _links(at))


# --- the assignee and the grid on the Rescue queue ---------------------------------------------


# Password mode with three people; the hashes are never checked here (nobody signs in), so a cheap one does.
_HASH = auth.hash_password("a long enough password", n=2**4)
TEAM = {"access": {"mode": "password", "users": {name: {"role": role, "password_hash": _HASH} for name, role in
                                                 (("ana", "admin"), ("lea", "analyst"), ("vic", "viewer"))}}}  # fmt: skip


def test_the_assignee_choices_are_the_team_and_past_assignees_once_each() -> None:
    assert cases.assignee_choices(["lea", "Marc"], ["Marc", "marc", "  ", None], "Ana") == ["Ana", "lea", "Marc", "marc"]  # type: ignore[list-item]
    assert auth.parse_config(TEAM).case_workers() == ["ana", "lea"]


def _selected_case(at: AppTest) -> list[int]:
    """The case ids of the rows highlighted in the queue's grid."""
    table = at.dataframe[0].value
    key = at.dataframe[0].proto.id.rsplit("-", 1)[-1]  # the user key ends the element id
    assert key.startswith("queue_table_")
    state = at.session_state[key]
    return [int(table["Case"].iloc[r]) for r in state["selection"]["rows"]]


def test_the_assignee_comes_from_the_team_and_the_grid_follows_the_open_case_after_save(
    tmp_path: Path, demo_db: Path
) -> None:
    db = store.open_db(demo_db, create=False)
    try:
        case_id = cases.open_case(db, queue=cases.SUPPORT, subject="Team pick", priority="low")
    finally:
        db.close()
    at = AppTest.from_file(str(_router(tmp_path, "cases")), default_timeout=support.TIMEOUT)
    at.secrets["access"] = TEAM["access"]
    at.session_state["scrm_user"] = auth.User("ana", "admin")
    at.query_params["case"] = str(case_id)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    picker = at.selectbox(key=f"queue_assignee_{case_id}")
    assert {"ana", "lea"} <= set(picker.options) and "vic" not in picker.options
    assert picker.options[0] == "Nobody"
    assert _selected_case(at) == [case_id]  # the grid highlights the open case
    # A higher priority moves the case up the list: the highlighted row moves with it.
    at.selectbox(key=f"queue_priority_{case_id}").set_value("high")
    picker.set_value("lea")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    db = store.open_db(demo_db, create=False)
    try:
        assert (cases.get_case(db, case_id)["assignee"], cases.get_case(db, case_id)["priority"]) == ("lea", "high")
    finally:
        db.close()
    assert _selected_case(at) == [case_id]
    assert at.subheader[0].value == f"Case {case_id}: Team pick"


# --- new rules: the own brand, only new mentions unless a back-fill is asked ---------------------


@pytest.fixture
def brand_mentions(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    """Negative mentions of Velora (own) and Rival, old and recent; no default rules."""
    db = fresh_db
    store.set_meta(db, S.META_DEFAULT_RULES, "1")
    store.set_meta(db, S.META_OWN_BRAND, "Velora")
    now = pd.Timestamp(store.utcnow())
    rows = [
        ("old", "ana", "Velora", now - pd.Timedelta(days=20)),
        ("rival", "bo", "Rival", now - pd.Timedelta(days=19)),
        ("fresh", "cy", "Velora", now - pd.Timedelta(hours=1)),
    ]
    store.upsert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "brand", "text", "posted_at"],
                      [(m, "twitter", a, b, "so late", t.strftime("%Y-%m-%dT%H:%M:%S")) for m, a, b, t in rows])  # fmt: skip
    store.upsert_rows(db, S.SENTIMENT, ["mention_id", "score", "label", "confidence"],
                      [(m, -0.8, "negative", 0.95) for m, *_ in rows])  # fmt: skip
    return db


RESCUE_RULE = rules.Rule("Unhappy", conditions={"sentiment": ["negative"], "own_brand": True},
                         params={"queue": "rescue", "priority": "medium"})  # fmt: skip


def test_the_preview_says_how_many_cases_a_back_fill_opens_and_how_many_are_overdue(brand_mentions: sqlite_utils.Database) -> None:
    result = rules.preview(brand_mentions, RESCUE_RULE)
    assert result.total == 2  # the competitor's complaint is not ours
    assert (result.backfill_cases, result.backfill_overdue) == (2, 1)  # 20 days old is past a 24 h SLA; 1 hour is not
    tag = rules.preview(brand_mentions, rules.Rule("T", conditions={"sentiment": ["negative"]}, action="tag", params={"tag": "x"}))
    assert tag.backfill_cases is None


def test_a_rule_saved_without_back_fill_opens_no_case_on_old_mentions(brand_mentions: sqlite_utils.Database) -> None:
    newest = rules.newest_mention(brand_mentions)
    rule_id = api.save_rule(brand_mentions, RESCUE_RULE, actor=PERSON, backfill=False)
    assert rules.get_rule(brand_mentions, rule_id).conditions["posted_after"] == newest
    rules.refresh(brand_mentions)
    assert brand_mentions.execute(f"SELECT count(*) FROM {S.CASES}").fetchone()[0] == 0
    # A mention that arrives afterwards opens a case, not past its deadline.
    later = (pd.Timestamp(newest) + pd.Timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S")
    store.upsert_rows(brand_mentions, S.MENTIONS, ["mention_id", "platform", "author", "brand", "text", "posted_at"],
                      [("new", "twitter", "dee", "Velora", "still late", later)])  # fmt: skip
    store.upsert_rows(brand_mentions, S.SENTIMENT, ["mention_id", "score", "label", "confidence"], [("new", -0.9, "negative", 0.9)])
    rules.refresh(brand_mentions)
    listed = cases.list_cases(brand_mentions)
    assert listed["mention_id"].tolist() == ["new"] and not listed["breached"].any()


def test_a_back_filled_rule_acts_on_the_recent_mentions(brand_mentions: sqlite_utils.Database) -> None:
    api.save_rule(brand_mentions, RESCUE_RULE, actor=PERSON, backfill=True)
    rules.refresh(brand_mentions)
    assert sorted(cases.list_cases(brand_mentions)["mention_id"]) == ["fresh", "old"]


def test_a_new_rule_in_the_form_starts_on_the_own_brand_without_back_fill(tmp_path: Path, demo_db: Path) -> None:
    at = _run(tmp_path, "rules", {})
    assert at.checkbox(key="rules_f0_own").value is True
    assert at.checkbox(key="rules_f0_backfill").value is False
    at.text_input(key="rules_f0_name").input("Complaints")
    at.multiselect(key="rules_f0_sentiment").set_value(["negative"])
    at.button(key="FormSubmitter:rules_form_0-Preview").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value.startswith("With a back-fill it would open ") and "past their deadline" in c.value for c in at.caption)


# --- identity review: many pairs at once -----------------------------------------------------------


@pytest.fixture
def two_anas(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    """The identity review's hand-made database: profile anag suggested for two customers called Ana García."""
    from test_identity_review import build

    build(fresh_db)
    return fresh_db


def suggested(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    return sorted(db.execute(f"SELECT profile_id, customer_id FROM {S.LINKS} WHERE status = 'suggested'").fetchall())


def test_the_evidence_of_many_pairs_is_summarised_by_method_and_confidence(two_anas: sqlite_utils.Database) -> None:
    pairs = review.suggestions(two_anas)
    evidence = review.summarise_evidence(pairs)
    assert (evidence.pairs, evidence.profiles, evidence.shared_profiles) == (2, 1, 1)
    assert sum(evidence.by_method.values()) == 2
    assert evidence.confidence_low == evidence.confidence_high == pytest.approx(float(pairs["confidence"].iloc[0]))
    assert review.suggestions(two_anas, 1.01).empty


def test_accepting_many_pairs_links_the_surest_candidate_and_each_decision_undoes_alone(two_anas: sqlite_utils.Database) -> None:
    pairs = suggested(two_anas)
    result = api.review_many(two_anas, "accept", pairs, actor=PERSON, role="analyst")
    assert len(result.decisions) == 1 and len(result.skipped) == 1  # one profile is one person
    assert "it is rejected" in result.skipped[0][2]
    assert suggested(two_anas) == []
    batch = two_anas.execute(f"SELECT detail FROM {S.AUDIT_LOG} WHERE detail LIKE '%accept many%'").fetchall()
    assert [json.loads(d)["decided"] for (d,) in batch] == [1]
    api.review_link(two_anas, "undo", result.decisions[0].review_id, actor=PERSON)
    assert suggested(two_anas) == pairs


def test_rejecting_many_pairs_rejects_each_and_refuses_an_empty_choice(two_anas: sqlite_utils.Database) -> None:
    pairs = suggested(two_anas)
    result = api.review_many(two_anas, "reject", pairs, actor=PERSON)
    assert (len(result.decisions), result.skipped) == (2, [])
    assert suggested(two_anas) == []
    api.review_link(two_anas, "undo", result.decisions[1].review_id, actor=PERSON)
    assert len(suggested(two_anas)) == 1
    with pytest.raises(ReviewRefused, match="No pair is selected"):
        api.review_many(two_anas, "reject", [], actor=PERSON)


def test_a_manager_accepts_every_suggestion_above_a_confidence_in_one_click(tmp_path: Path, demo_db: Path) -> None:
    db = store.open_db(demo_db, create=False)
    try:
        above = len(review.suggestions(db, 0.5))
        before = len(review.suggestions(db))
    finally:
        db.close()
    assert above > 1
    at = _run(tmp_path, "identity", {"identity_bulk_scope": "above", "identity_bulk_level": 50})
    assert any(m.value.startswith(f"**{above:,} pairs** of ") for m in at.markdown)
    _button(at, "identity_bulk_accept").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("Accepted ") and "History tab" in s.value for s in at.success)
    db = store.open_db(demo_db, create=False)
    try:
        assert review.suggestions(db, 0.5).empty and len(review.suggestions(db)) < before
    finally:
        db.close()


# --- alerts grouped by incident, with a daily cap per kind --------------------------------------------


def _alert(alert_id: int, kind: str, brand: str, start: str, end: str | None = None, severity: str = "medium",
           z: float = 4.0, customer_id: str | None = None) -> dict[str, object]:  # fmt: skip
    return {"alert_id": alert_id, "kind": kind, "brand": brand, "customer_id": customer_id, "period_start": start,
            "period_end": end or start, "severity": severity, "z": z, "total": 10.0, "drivers": None}  # fmt: skip


def test_alerts_of_one_kind_and_brand_a_few_days_apart_are_one_incident() -> None:
    feed = pd.DataFrame([
        _alert(1, "volume", "Velora", "2026-08-01", "2026-08-02"),
        _alert(2, "volume", "Velora", "2026-08-04", severity="high", z=7.0),  # 2 days after: the same incident
        _alert(3, "volume", "Velora", "2026-08-20"),  # weeks later: a new one
        _alert(4, "negative", "Velora", "2026-08-04"),  # another kind
        _alert(5, "volume", "Rival", "2026-08-04"),  # another brand
        _alert(6, "vip_detractor", "Velora", "2026-08-04", customer_id="C1"),
        _alert(7, "vip_detractor", "Velora", "2026-08-04", customer_id="C2"),  # another customer
    ])  # fmt: skip
    incidents = group_incidents(feed, cap=10)
    assert len(incidents) == 6
    crisis = incidents[incidents["alert_ids"] == "1,2"].iloc[0]
    # The strongest alert stands for the incident, with the count, the days and the mentions of all.
    assert (crisis["alert_id"], crisis["severity"], crisis["incident_alerts"]) == (2, "high", 2)
    assert (crisis["incident_start"], crisis["incident_end"], crisis["incident_total"]) == ("2026-08-01", "2026-08-04", 20.0)
    assert incidents["incident_end"].tolist() == sorted(incidents["incident_end"], reverse=True)  # newest first
    assert not incidents["capped"].any()


def test_the_daily_cap_folds_away_the_weakest_incidents_of_a_kind_beyond_it() -> None:
    feed = pd.DataFrame([_alert(i, "volume", f"Brand {i}", "2026-08-04", z=float(i)) for i in range(1, 6)])
    incidents = group_incidents(feed, cap=2)
    kept = incidents[~incidents["capped"].astype(bool)]
    assert sorted(kept["alert_id"]) == [4, 5]  # the two largest deviations


def test_the_daily_cap_is_a_workspace_setting_with_a_default(fresh_db: sqlite_utils.Database) -> None:
    assert daily_cap(fresh_db) == DEFAULT_DAILY_CAP
    store.set_meta(fresh_db, S.META_ALERT_DAILY_CAP, "5")
    assert daily_cap(fresh_db) == 5
    store.set_meta(fresh_db, S.META_ALERT_DAILY_CAP, "many")
    assert daily_cap(fresh_db) == DEFAULT_DAILY_CAP  # unreadable: the default, never an error


def test_the_alerts_page_lists_incidents_and_says_how_many_alerts_they_hold(tmp_path: Path, demo_db: Path) -> None:
    at = _run(tmp_path, "alerts", {})
    db = store.open_db(demo_db, create=False)
    try:
        alerts = store.read_frame(db, f"SELECT * FROM {S.ALERTS}")
    finally:
        db.close()
    incidents = group_incidents(alerts, cap=DEFAULT_DAILY_CAP)
    assert any(c.value.startswith(f"{len(alerts):,} alerts in {len(incidents):,} incidents") for c in at.caption)
    assert len(incidents) < len(alerts)
    assert any(" alerts from " in e.label for e in at.expander)  # an incident of several alerts says so


def test_a_listening_author_linked_to_a_customer_leads_to_their_card(tmp_path: Path, demo_db: Path) -> None:
    at = _run(tmp_path, "listening", {}, listening_tab="Authors")
    authors = at.dataframe[0].value
    outcomes = []
    for row in range(min(len(authors), 10)):
        at.session_state["listening_authors_table"] = {"selection": {"rows": [row], "columns": []}}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        linked = [q for q, label in _links(at) if label.endswith("in Customer 360")]
        outcomes.append((bool(authors["linked"].iloc[row]), bool(linked)))
        if linked:
            assert linked[0].startswith("customer?customer=")
        if {o[0] for o in outcomes} == {True, False}:
            break  # a linked and an unlinked author seen: enough
    assert outcomes and all(has_link == is_linked for is_linked, has_link in outcomes)
    assert any(is_linked for is_linked, _ in outcomes)
