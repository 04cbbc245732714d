"""The identity review engine: each decision changes the tables as it says, and undo puts them back exactly.

A small hand-made database: two customers called Ana García (Madrid and
Sevilla) whom the Twitter profile ``anag`` (no location) resembles equally,
so both pairs are only suggested; Bruno Díaz, whose record lists the handle
``brunod``, linked by handle; orders, a survey, a case and a rule match.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from scrm.act import review as R
from scrm.analysis import identity
from scrm.db import audit, store
from scrm.db import schema as S
from scrm.errors import NotFound

ANA = "twitter:anag"
BRUNO = "twitter:brunod"
PERSONAL = ("Ana", "García", "Garcia", "Bruno", "Díaz", "ana@example.com", "ana2@example.com", "bruno@example.com", "anag", "brunod")


def build(db: sqlite_utils.Database) -> None:
    store.upsert_rows(
        db, S.CUSTOMERS, ["customer_id", "name", "email", "phone", "city", "twitter", "attributes"],
        [
            ("C1", "Ana García", "ana@example.com", None, "Madrid", None, json.dumps({"tier": "gold"})),
            ("C2", "Ana García", "ana2@example.com", "600 000 000", "Sevilla", None, json.dumps({"tier": "", "vip": "yes"})),
            ("C3", "Bruno Díaz", "bruno@example.com", None, "Bilbao", "@brunod", None),
        ],
    )  # fmt: skip
    store.upsert_rows(
        db, S.MENTIONS, ["mention_id", "platform", "author", "author_name", "text", "posted_at"],
        [
            ("M1", "twitter", "anag", "Ana García", "hola", "2026-01-01T10:00:00"),
            ("M2", "twitter", "anag", "Ana García", "otra vez", "2026-01-02T10:00:00"),
            ("M3", "twitter", "brunod", "Bruno Díaz", "buenas", "2026-01-03T10:00:00"),
        ],
    )  # fmt: skip
    store.upsert_rows(
        db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"],
        [
            ("O1", "C1", "2025-01-01T00:00:00", 10.0),
            ("O2", "C1", "2025-02-01T00:00:00", 20.5),
            ("O3", "C2", "2025-03-01T00:00:00", 5.25),
            ("O4", "C2", "2025-04-01T00:00:00", 7.0),
            ("O5", "C3", "2025-05-01T00:00:00", 99.0),
        ],
    )  # fmt: skip
    store.upsert_rows(db, S.SURVEYS, ["survey_id", "customer_id", "score"], [("S1", "C2", 9), ("S2", "C3", 3)])
    with store.transaction(db):
        db.execute(f"INSERT INTO {S.CASES} (case_id, queue, subject, customer_id, status) VALUES (1, 'rescue', 'x', 'C2', 'new')")
        db.execute(f"INSERT INTO {S.RULE_MATCHES} (match_id, rule_id, customer_id, status) VALUES (1, 1, 'C2', 'applied')")
    identity.link_profiles(db)


@pytest.fixture
def db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    build(fresh_db)
    return fresh_db


def dump(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Every data table's rows (not the review history, the audit log or meta), order-independent."""
    skipped = {S.META, S.LINK_REVIEWS, S.AUDIT_LOG}
    return {
        t: sorted(json.dumps(r, sort_keys=True) for r in db.query(f'SELECT * FROM "{t}"'))
        for t in S.STORED_COLUMNS
        if t not in skipped
    }


def link(db: sqlite_utils.Database, profile_id: str, customer_id: str) -> dict[str, Any] | None:
    rows = list(db.query(f"SELECT * FROM {S.LINKS} WHERE profile_id = ? AND customer_id = ?", [profile_id, customer_id]))
    return rows[0] if rows else None


def status(db: sqlite_utils.Database, profile_id: str, customer_id: str) -> str | None:
    row = link(db, profile_id, customer_id)
    return None if row is None else str(row["status"])


def test_the_fixture_has_two_suggestions_and_one_handle_link(db: sqlite_utils.Database) -> None:
    assert status(db, ANA, "C1") == status(db, ANA, "C2") == S.SUGGESTED
    assert status(db, BRUNO, "C3") == S.LINKED


# --- the queue ----------------------------------------------------------------------------


def test_the_queue_shows_each_suggestion_with_its_evidence_and_the_other_candidates(db: sqlite_utils.Database) -> None:
    queue = R.review_queue(db)
    assert list(queue["customer_id"]) == ["C1", "C2"]
    first = queue.iloc[0]
    assert first["profile_id"] == ANA and first["handle"] == "anag" and first["display_name"] == "Ana García"
    assert first["mentions"] == 2 and first["customer_name"] == "Ana García" and first["city"] == "Madrid"
    assert first["email"] == "ana@example.com" and first["orders"] == 2
    assert first["method"] == identity.NAME_CITY and first["method_label"] == "name and city"
    assert first["confidence"] == pytest.approx(0.7)
    assert first["evidence"] == "name 'Ana García' ~ 'Ana García' (100%), city not confirmed"
    assert first["others"] == "C2 70% suggested" and first["other_count"] == 1


def test_the_queue_is_sorted_by_confidence_first(db: sqlite_utils.Database) -> None:
    linked = R.review_queue(db, status=S.LINKED)
    assert list(linked["profile_id"]) == [BRUNO]
    assert linked.iloc[0]["evidence"] == "customer record lists twitter handle @brunod"
    assert R.review_queue(db, status=S.REJECTED).empty


def test_an_empty_database_has_an_empty_queue_and_no_history(fresh_db: sqlite_utils.Database) -> None:
    assert R.review_queue(fresh_db).empty and "method_label" in R.review_queue(fresh_db).columns
    assert R.history(fresh_db).empty
    assert R.status_counts(fresh_db) == {"linked": 0, "suggested": 0, "rejected": 0, "reviews": 0, "undone": 0}


def test_the_scored_demo_has_name_only_suggestions_to_review(scored_demo_path: Path) -> None:
    demo = store.open_db(scored_demo_path)
    try:
        queue = R.review_queue(demo)
    finally:
        demo.close()
    assert len(queue) > 0
    assert set(queue["method"]) == {identity.NAME_CITY}
    assert queue["confidence"].max() < S.LINK_THRESHOLD
    assert list(queue["confidence"]) == sorted(queue["confidence"], reverse=True)


# --- each decision and its undo ---------------------------------------------------------


def _accept(db: sqlite_utils.Database) -> R.Decision:
    return R.accept(db, ANA, "C1", "ana.analyst")


def _reject(db: sqlite_utils.Database) -> R.Decision:
    return R.reject(db, ANA, "C2", "ana.analyst")


def _unlink(db: sqlite_utils.Database) -> R.Decision:
    return R.unlink(db, BRUNO, "C3", "ana.analyst")


def _link(db: sqlite_utils.Database) -> R.Decision:
    return R.link(db, ANA, "C3", "ana.analyst")


def _merge(db: sqlite_utils.Database) -> R.Decision:
    return R.merge(db, "C1", "C2", "ana.analyst")


def _check_accept(db: sqlite_utils.Database) -> None:
    row = link(db, ANA, "C1")
    assert row is not None and row["status"] == S.LINKED and row["confirmed_by"] == "ana.analyst"
    assert row["method"] == identity.NAME_CITY  # the evidence stays what it was
    assert status(db, ANA, "C2") == S.REJECTED  # a profile is one person


def _check_reject(db: sqlite_utils.Database) -> None:
    assert status(db, ANA, "C2") == S.REJECTED and status(db, ANA, "C1") == S.SUGGESTED


def _check_unlink(db: sqlite_utils.Database) -> None:
    row = link(db, BRUNO, "C3")
    assert row is not None and row["status"] == S.REJECTED and row["confirmed_by"] == "ana.analyst"


def _check_link(db: sqlite_utils.Database) -> None:
    row = link(db, ANA, "C3")
    assert row is not None
    assert (row["method"], row["confidence"], row["status"], row["confirmed_by"]) == (
        identity.MANUAL, 1.0, S.LINKED, "ana.analyst"
    )
    assert status(db, ANA, "C1") == status(db, ANA, "C2") == S.REJECTED


def _check_merge(db: sqlite_utils.Database) -> None:
    assert db.execute(f"SELECT count(*) FROM {S.CUSTOMERS} WHERE customer_id = 'C2'").fetchone()[0] == 0
    assert {r[0] for r in db.execute(f"SELECT customer_id FROM {S.ORDERS} WHERE order_id IN ('O3', 'O4')")} == {"C1"}
    assert db.execute(f"SELECT customer_id FROM {S.SURVEYS} WHERE survey_id = 'S1'").fetchone()[0] == "C1"
    assert db.execute(f"SELECT customer_id FROM {S.CASES} WHERE case_id = 1").fetchone()[0] == "C1"
    assert db.execute(f"SELECT customer_id FROM {S.RULE_MATCHES} WHERE match_id = 1").fetchone()[0] == "C1"
    # Both records had the profile as a suggestion: one row stays, on the kept record.
    assert [r["customer_id"] for r in db.query(f"SELECT customer_id FROM {S.LINKS} WHERE profile_id = ?", [ANA])] == ["C1"]
    kept = next(db.query(f"SELECT * FROM {S.CUSTOMERS} WHERE customer_id = 'C1'"))
    assert (kept["name"], kept["email"], kept["city"], kept["phone"]) == (
        "Ana García", "ana@example.com", "Madrid", "600 000 000"
    )  # empty phone filled, the rest kept
    assert json.loads(kept["attributes"]) == {"tier": "gold", "vip": "yes"}


DECISIONS: dict[str, tuple[Callable[[sqlite_utils.Database], R.Decision], Callable[[sqlite_utils.Database], None], str]] = {
    R.ACCEPT: (_accept, _check_accept, "Linked profile twitter:anag to customer C1. The profile's other candidate was rejected."),
    R.REJECT: (_reject, _check_reject, "Rejected profile twitter:anag for customer C2; it will not be suggested again."),
    R.UNLINK: (_unlink, _check_unlink, "Unlinked profile twitter:brunod from customer C3; it will not be linked again automatically."),
    R.LINK: (_link, _check_link, "Linked profile twitter:anag to customer C3 by hand. The profile's 2 other candidates were rejected."),
    R.MERGE: (_merge, _check_merge, "Merged customer C2 into C1: moved 2 orders, 1 survey, 1 profile link, 1 case; record C2 is removed."),
}


@pytest.mark.parametrize("action", list(DECISIONS))
def test_a_decision_changes_the_tables_and_undo_restores_them_exactly(db: sqlite_utils.Database, action: str) -> None:
    decide, check, message = DECISIONS[action]
    before = dump(db)
    decision = decide(db)
    assert (decision.action, decision.message) == (action, message)
    check(db)
    assert dump(db) != before
    review = next(db.query(f"SELECT * FROM {S.LINK_REVIEWS} WHERE review_id = ?", [decision.review_id]))
    assert review["action"] == action and review["actor"] == "ana.analyst" and review["reverted_at"] is None
    assert isinstance(json.loads(review["before"]), dict) and isinstance(json.loads(review["after"]), dict)

    undone = R.undo(db, decision.review_id, "bea.analyst")
    assert undone.message.startswith(f"Undid decision {decision.review_id} (")
    assert dump(db) == before
    review = next(db.query(f"SELECT * FROM {S.LINK_REVIEWS} WHERE review_id = ?", [decision.review_id]))
    assert review["reverted_by"] == "bea.analyst" and review["reverted_at"] is not None


@pytest.mark.parametrize("action", list(DECISIONS))
def test_every_decision_and_undo_is_audited_without_personal_data(db: sqlite_utils.Database, action: str) -> None:
    decide = DECISIONS[action][0]
    decision = decide(db)
    R.undo(db, decision.review_id, "bea.analyst", role="analyst")
    entries = audit.read_log(db, actions=(audit.LINK,))
    assert list(entries["actor"]) == ["bea.analyst", "ana.analyst"]
    assert json.loads(entries["detail"].iloc[1]) == {"action": action, "review_id": decision.review_id}
    assert json.loads(entries["detail"].iloc[0]) == {"action": "undo", "review_id": decision.review_id, "undone": action}
    assert entries["role"].iloc[0] == "analyst"
    text = " ".join(entries["target"].tolist() + entries["detail"].tolist())
    assert all(p.casefold() not in text.casefold() for p in PERSONAL), text


def test_decisions_bump_the_input_version_so_the_scores_follow(db: sqlite_utils.Database) -> None:
    before = store.input_version(db)
    _accept(db)
    assert store.input_version(db) > before


# --- people's decisions survive a rebuild --------------------------------------------------


def test_a_rejected_pair_stays_rejected_when_the_links_are_rebuilt(db: sqlite_utils.Database) -> None:
    _reject(db)
    _unlink(db)
    identity.link_profiles(db)
    assert status(db, ANA, "C2") == S.REJECTED
    assert status(db, BRUNO, "C3") == S.REJECTED
    assert status(db, ANA, "C1") == S.SUGGESTED


def test_an_accepted_and_a_hand_made_link_stay_linked_when_the_links_are_rebuilt(db: sqlite_utils.Database) -> None:
    _accept(db)
    R.link(db, BRUNO, "C2", "ana.analyst")
    identity.link_profiles(db)
    assert status(db, ANA, "C1") == S.LINKED and status(db, ANA, "C2") == S.REJECTED
    assert status(db, BRUNO, "C2") == S.LINKED and status(db, BRUNO, "C3") == S.REJECTED
    # The rebuild changed none of the rows, so each decision can still be undone.
    R.undo(db, 2, "ana.analyst")
    R.undo(db, 1, "ana.analyst")
    assert status(db, ANA, "C1") == S.SUGGESTED and status(db, BRUNO, "C3") == S.LINKED


# --- merge ----------------------------------------------------------------------------------


def test_a_merge_moves_the_orders_and_keeps_the_totals(db: sqlite_utils.Database) -> None:
    def totals() -> tuple[int, float]:
        n, amount = db.execute(f"SELECT count(*), sum(amount) FROM {S.ORDERS}").fetchone()
        return int(n), float(amount)

    before = totals()
    preview = R.merge_preview(db, "C1", "C2").set_index("field")
    assert preview.loc["orders"].tolist() == ["2", "2", "4"]
    assert preview.loc["revenue"].tolist() == ["30.50", "12.25", "42.75"]
    assert preview.loc["phone"].tolist() == ["", "600 000 000", "600 000 000"]
    _merge(db)
    assert totals() == before
    card = R.customer_card(db, "C1")
    assert card is not None and card["orders"] == 4 and card["revenue"] == pytest.approx(42.75)
    assert R.customer_card(db, "C2") is None


def test_a_merge_keeps_the_better_of_two_links_to_one_profile(db: sqlite_utils.Database) -> None:
    R.link(db, BRUNO, "C2", "ana.analyst")  # C2 linked by hand, C3 now rejected for brunod
    R.merge(db, "C3", "C2", "ana.analyst")
    row = link(db, BRUNO, "C3")
    assert row is not None and (row["status"], row["method"]) == (S.LINKED, identity.MANUAL)
    assert link(db, BRUNO, "C2") is None


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda db: R.link(db, ANA, "C-0042", "a"), NotFound,
         "Customer C-0042 does not exist. Check the id on the Customer 360 page."),
        (lambda db: R.merge(db, "C1", "C-0042", "a"), NotFound,
         "Customer C-0042 does not exist. Check the id on the Customer 360 page."),
        (lambda db: R.link(db, "twitter:nobody", "C1", "a"), NotFound,
         "Profile twitter:nobody does not exist. Profiles come from imported mentions; "
         "check the platform and handle (for example twitter:ana_g)."),
        (lambda db: R.accept(db, BRUNO, "C1", "a"), NotFound,
         "Profile twitter:brunod and customer C1 are not a linked or suggested pair. Use Link to connect them by hand."),
        (lambda db: R.accept(db, BRUNO, "C3", "a"), R.ReviewRefused,
         "Cannot accept profile twitter:brunod with customer C3: it is linked already; use Unlink to undo a link."),
        (lambda db: R.unlink(db, ANA, "C1", "a"), R.ReviewRefused,
         "Cannot unlink profile twitter:anag with customer C1: it is only a suggestion; accept or reject it."),
        (lambda db: R.link(db, BRUNO, "C3", "a"), R.ReviewRefused,
         "Profile twitter:brunod is already linked to customer C3; nothing to do."),
        (lambda db: R.merge(db, "C1", "C1", "a"), R.ReviewRefused,
         "Pick two different customer records to merge; both are C1."),
        (lambda db: R.undo(db, 99, "a"), NotFound, "Decision 99 does not exist. Pick a decision from the History tab."),
    ],
)  # fmt: skip
def test_impossible_decisions_are_refused_with_a_sentence(
    db: sqlite_utils.Database, call: Callable[[sqlite_utils.Database], Any], error: type[Exception], message: str
) -> None:
    before = dump(db)
    with pytest.raises(error) as caught:
        call(db)
    assert str(caught.value) == message
    assert dump(db) == before


def test_a_rejected_pair_is_not_accepted_again(db: sqlite_utils.Database) -> None:
    _reject(db)
    with pytest.raises(R.ReviewRefused) as caught:
        R.reject(db, ANA, "C2", "a")
    assert str(caught.value) == (
        "Cannot reject profile twitter:anag with customer C2: it is rejected; use Link to connect them by hand, "
        "or undo the rejection in the History."
    )


def test_undo_out_of_order_is_refused_until_the_later_decision_is_undone(db: sqlite_utils.Database) -> None:
    start = dump(db)
    first = _reject(db)  # anag -> C2 rejected
    second = R.link(db, ANA, "C2", "ana.analyst")  # the same pair, linked by hand after all
    unrelated = _unlink(db)  # brunod: other rows, does not block
    assert R.undo_blockers(db, first.review_id) == [second.review_id]
    with pytest.raises(R.ReviewRefused) as caught:
        R.undo(db, first.review_id, "ana.analyst")
    assert str(caught.value) == (
        f"Decision {first.review_id} cannot be undone yet: later decision {second.review_id} changed the same rows. "
        "Undo it first, newest first."
    )
    hist = R.history(db).set_index("review_id")
    assert hist.loc[first.review_id, "blocked_by"] == str(second.review_id)
    assert not hist.loc[first.review_id, "can_undo"] and hist.loc[second.review_id, "can_undo"]
    R.undo(db, second.review_id, "ana.analyst")
    R.undo(db, first.review_id, "ana.analyst")
    R.undo(db, unrelated.review_id, "ana.analyst")
    assert dump(db) == start
    with pytest.raises(R.ReviewRefused, match=f"^Decision {first.review_id} was already undone at "):
        R.undo(db, first.review_id, "ana.analyst")


def test_undo_is_refused_when_an_import_changed_the_rows_since(db: sqlite_utils.Database) -> None:
    decision = _merge(db)
    store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "city"], [("C1", "Toledo")])  # a later import
    with pytest.raises(R.ReviewRefused) as caught:
        R.undo(db, decision.review_id, "ana.analyst")
    assert str(caught.value) == (
        f"Decision {decision.review_id} cannot be undone: the rows it changed were changed since "
        "(by an import, an erasure or a rebuild of the links). Make the change you want as a new decision."
    )
    assert R.customer_card(db, "C2") is None


# --- masking the evidence --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ("name 'Ana García' ~ 'Ana G' (90%), same city Madrid", "name '<name>' ~ '<name>' (90%), same city Madrid"),
        ("name 'Seán O'Brien' ~ 'Sean O'Brien' (95%), city not confirmed", "name '<name>' ~ '<name>' (95%), city not confirmed"),
        ("same e-mail ana@example.com", "same e-mail <email>"),
        ("customer record lists twitter handle @brunod", "customer record lists twitter handle <handle>"),
        (R.MANUAL_EVIDENCE, R.MANUAL_EVIDENCE),
        (None, ""),
    ],
)  # fmt: skip
def test_the_personal_values_in_an_evidence_can_be_rewritten(evidence: str | None, expected: str) -> None:
    assert R.rewrite_evidence(evidence, lambda value, kind: f"<{kind}>") == expected
