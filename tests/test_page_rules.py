"""The Workflow rules page through AppTest: the list, the form with its preview, decisions, and roles."""

from __future__ import annotations

from pathlib import Path

import page_support as support
import pytest
from streamlit.testing.v1 import AppTest

from scrm import auth
from scrm.act import rules as W
from scrm.db import audit, store


def open_page(user: auth.User | None = None) -> AppTest:
    if user is None:
        return support.open_page("rules")
    at = AppTest.from_file(str(support.ROOT / "pages" / "rules.py"), default_timeout=support.TIMEOUT)
    at.session_state["app_routed"] = True
    at.session_state["scrm_user"] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def listed_names(at: AppTest) -> list[str]:
    return at.dataframe[0].value["name"].tolist()


def rules_in(path: Path) -> list[W.Rule]:
    db = store.open_db(path, create=False)
    try:
        return W.list_rules(db)
    finally:
        db.close()


def test_the_page_lists_the_default_rules_on_the_demo(demo_db: Path) -> None:
    at = open_page()
    assert at.title[0].value == "Workflow rules"
    names = listed_names(at)
    assert names[: len(W.DEFAULT_RULES)] == [r.name for r in W.DEFAULT_RULES]
    when = at.dataframe[0].value["when"].tolist()
    assert when[0] == (
        "negative mentions of the own brand with a sentiment score from -1.00 to -0.30 "
        "by customers in CLV decile 10 (not the brand's own posts)"
    )
    assert at.button(key="rules_toggle").label == "Turn off"
    assert any(str(W.LOOKBACK_DAYS) in c.value for c in at.caption)


def test_the_page_on_an_empty_database_installs_the_defaults_and_says_what_to_do(empty_db: Path) -> None:
    # Inside the app: the page links to the Data page, which only the app's router knows.
    at = AppTest.from_file(str(support.ROOT / "app.py"), default_timeout=support.TIMEOUT)
    at.run()
    at.switch_page("pages/rules.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.info[0].value == (
        "No mentions yet, so the rules have nothing to act on. Import a mentions file on the Data page "
        "(or load the demo data there); the rules run when the data is scored."
    )
    assert listed_names(at) == [r.name for r in W.DEFAULT_RULES]
    assert any(i.value.startswith("Nothing waits for a person.") for i in at.info)


def test_a_rule_written_in_the_form_is_previewed_saved_listed_and_audited(demo_db: Path) -> None:
    at = open_page()
    at.text_input(key="rules_f0_name").input("Spanish complaints")
    at.multiselect(key="rules_f0_sentiment").set_value(["negative"])
    at.multiselect(key="rules_f0_langs").set_value(["es"])
    at.button(key="FormSubmitter:rules_form_0-Preview").click().run()
    assert not at.exception
    db = store.open_db(demo_db, create=False)
    try:
        # A new rule starts on the own brand.
        expected = W.preview(db, W.Rule("x", conditions={"sentiment": ["negative"], "langs": ["es"], "exclude_brand_posts": True,
                                                         "own_brand": True}))
        newest = W.newest_mention(db)
    finally:
        db.close()
    assert expected.total > 0
    assert any(i.value == expected.sentence().replace(".", "\\.") or i.value == expected.sentence() for i in at.info)
    at.button(key="FormSubmitter:rules_form_0-Save rule").click().run()
    assert not at.exception
    assert "Spanish complaints" in listed_names(at)
    assert any("Saved “Spanish complaints”" in s.value for s in at.success)
    assert at.text_input(key="rules_f0_name").value == ""  # the form is empty for the next rule
    saved = next(r for r in rules_in(demo_db) if r.name == "Spanish complaints")
    # No back-fill asked: the rule looks only at mentions posted after the newest one when it was saved.
    assert saved.conditions == {"sentiment": ["negative"], "langs": ["es"], "exclude_brand_posts": True, "own_brand": True,
                                "posted_after": str(newest)[:19]}
    db = store.open_db(demo_db, create=False)
    try:
        log = audit.read_log(db, actions=(audit.RULE,))
    finally:
        db.close()
    assert log["target"].iloc[0] == f"rule {saved.rule_id}" and log["actor"].iloc[0] == "local"


def test_an_invalid_rule_shows_the_sentence_and_saves_nothing(demo_db: Path) -> None:
    before = len(rules_in(demo_db))
    at = open_page()
    at.selectbox(key="rules_f0_action").set_value(W.TAG)
    at.button(key="FormSubmitter:rules_form_0-Save rule").click().run()
    assert [e.value for e in at.error] == [
        "The rule has no name\\. Give it a short name, such as “Negative mention from a top customer”\\."
    ]
    assert len(rules_in(demo_db)) == before


def test_turning_a_rule_off_and_deleting_one_after_confirming(demo_db: Path) -> None:
    at = open_page()
    first = rules_in(demo_db)[0]
    at.button(key="rules_toggle").click().run()
    assert not next(r for r in rules_in(demo_db) if r.rule_id == first.rule_id).enabled
    assert at.button(key="rules_delete").disabled
    at.checkbox(key=f"rules_confirm_{first.rule_id}").check().run()
    at.button(key="rules_delete").click().run()
    assert first.rule_id not in [r.rule_id for r in rules_in(demo_db)]
    assert first.name not in listed_names(at)


def test_a_person_approves_a_proposal(demo_db: Path) -> None:
    db = store.open_db(demo_db, create=False)
    try:
        pending = W.proposals(db)
    finally:
        db.close()
    if pending.empty:
        pytest.skip("the tiny demo has no proposal")
    at = open_page()
    match_id = int(at.selectbox(key="rules_decide_pick").value)
    at.button(key="FormSubmitter:rules_decide-Approve").click().run()
    assert not at.exception
    assert any(f"Approved match {match_id}" in s.value for s in at.success)
    db = store.open_db(demo_db, create=False)
    try:
        assert db.execute("SELECT status FROM rule_matches WHERE match_id = ?", [match_id]).fetchone()[0] == W.APPLIED
    finally:
        db.close()


def test_a_viewer_sees_the_rules_but_no_form_and_no_decisions(demo_db: Path) -> None:
    at = open_page(auth.User("vera", auth.VIEWER))
    assert listed_names(at)
    assert not [b for b in at.button if b.label in ("Save rule", "Turn off", "Delete rule", "Approve")]
    assert any(c.value == auth.refusal(auth.VIEWER, auth.RULES) for c in at.caption)


def test_an_analyst_decides_proposals_but_cannot_edit_rules(demo_db: Path) -> None:
    at = open_page(auth.User("ana", auth.ANALYST))
    assert not [b for b in at.button if b.label == "Save rule"]
    assert any(c.value == auth.refusal(auth.ANALYST, auth.RULES) for c in at.caption)


def test_an_alert_raised_by_a_rule_shows_on_the_alerts_page(demo_db: Path) -> None:
    db = store.open_db(demo_db, create=False)
    try:
        W.save_rule(db, W.Rule("Any negative mention", conditions={"sentiment": ["negative"]}, action=W.RAISE_ALERT,
                               params={"severity": "high"}), actor="admin1")
        W.refresh(db)
        raised = db.execute("SELECT count(*) FROM alerts WHERE kind = 'rule'").fetchone()[0]
    finally:
        db.close()
    assert raised > 0
    at = support.open_page("alerts")
    labels = [e.label for e in at.expander]
    assert any(label.startswith("High · Workflow rule “Any negative mention”") for label in labels), labels
