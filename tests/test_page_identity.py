"""The Identity review page through AppTest, inside the app (its links to Customer 360 need the router).

On the scored tiny demo, whose name-only suggestions wait for review, and on
an empty database. The app's error funnel turns an exception into an
apology, so every test also asserts that no error is shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from scrm import auth, ui
from scrm.act import review as R
from scrm.db import schema as S
from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = "pages/identity.py"
TIMEOUT = 60
MERGE_BUTTON = "FormSubmitter:identity_merge_form-Merge the second record into the first"


def open_page(tab: str | None = None, **state: Any) -> AppTest:
    """The app switched to the identity page; ``state`` is set in the session first."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    if tab is not None:
        at.session_state["identity_tab"] = tab
    at.run()
    at.switch_page(PAGE).run()
    assert_fine(at)
    return at


def assert_fine(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def queue(path: Path) -> list[tuple[str, str]]:
    db = store.open_db(path, create=False)
    try:
        frame = R.review_queue(db)
    finally:
        db.close()
    return list(zip(frame["profile_id"], frame["customer_id"], strict=True))


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_queue_shows_the_most_confident_suggestion_side_by_side(demo_db: Path) -> None:
    pending = queue(demo_db)
    at = open_page()
    assert at.title[0].value == "Identity review"
    assert metric(at, "To review").endswith(" pairs")
    profile_id, customer_id = pending[0]
    assert at.subheader[0].value == f"Is {ui.escape_markdown(profile_id)} customer {ui.escape_markdown(customer_id)}?"
    assert metric(at, "Confidence").endswith("%")
    assert [b.label for b in at.button] == ["Accept", "Reject"]
    # The queue, the profile and the customer: three tables.
    assert len(at.dataframe) == 3


def test_accepting_a_suggestion_takes_it_out_of_the_queue_and_undo_brings_it_back(demo_db: Path) -> None:
    profile_id, customer_id = queue(demo_db)[0]
    at = open_page()
    at.button(key="identity_accept").click().run()
    assert_fine(at)
    assert (profile_id, customer_id) not in queue(demo_db)
    assert at.success[0].value.startswith(ui.escape_markdown(f"Linked profile {profile_id} to customer {customer_id}"))
    assert at.subheader[0].value != f"Is {ui.escape_markdown(profile_id)} customer {ui.escape_markdown(customer_id)}?"

    at.session_state["identity_tab"] = "History"
    at.run()
    assert_fine(at)
    undo = [b for b in at.button if b.label == "Undo" and not b.disabled]
    assert len(undo) == 1
    undo[0].click().run()
    assert_fine(at)
    assert (profile_id, customer_id) in queue(demo_db)
    assert any(c.value.startswith("Undone at ") for c in at.caption)


def test_rejecting_a_suggestion_takes_it_out_of_the_queue(demo_db: Path) -> None:
    profile_id, customer_id = queue(demo_db)[0]
    at = open_page()
    at.button(key="identity_reject").click().run()
    assert_fine(at)
    assert (profile_id, customer_id) not in queue(demo_db)
    assert metric(at, "Rejected") != "0 pairs"


def test_a_suggested_profile_can_be_linked_to_another_customer(demo_db: Path) -> None:
    profile_id, customer_id = queue(demo_db)[0]
    db = store.open_db(demo_db, create=False)
    try:
        other = db.execute(
            f"SELECT customer_id FROM {S.CUSTOMERS} WHERE customer_id <> ? ORDER BY customer_id DESC LIMIT 1", [customer_id]
        ).fetchone()[0]
    finally:
        db.close()
    at = open_page()
    at.text_input(key="identity_other_search").set_value(other).run()
    assert_fine(at)
    assert at.selectbox(key="identity_other_pick").value == other
    at.button(key="identity_link_other").click().run()
    assert_fine(at)
    assert at.success[0].value.startswith(ui.escape_markdown(f"Linked profile {profile_id} to customer {other} by hand."))
    assert all(p != profile_id for p, _ in queue(demo_db))  # its other suggestions were rejected


def test_the_privacy_switch_masks_handles_and_names_in_the_queue(demo_db: Path) -> None:
    at = open_page(privacy_mask=True)
    shown = at.dataframe[0].value
    assert shown["handle"].str.startswith("@user_").all()
    assert shown["customer_name"].str.startswith("Customer ").all()
    assert at.subheader[0].value.startswith("Is ") and ":@" not in at.subheader[0].value


def test_the_linked_tab_unlinks_the_picked_link(demo_db: Path) -> None:
    at = open_page(tab="Linked")
    assert at.dataframe and not at.button
    db = store.open_db(demo_db, create=False)
    try:
        first = R.review_queue(db, status=S.LINKED).iloc[0]
    finally:
        db.close()
    # The grid's key carries the data version the page read (a write after an earlier test may have moved it).
    grid = next(d.key for d in at.dataframe if d.key and d.key.startswith("identity_linked_"))
    at.session_state[grid] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert_fine(at)
    at.button(key="identity_unlink").click().run()
    assert_fine(at)
    assert at.success[0].value.startswith(
        ui.escape_markdown(f"Unlinked profile {first['profile_id']} from customer {first['customer_id']}")
    )
    db = store.open_db(demo_db, create=False)
    try:
        row = db.execute(
            f"SELECT status FROM {S.LINKS} WHERE profile_id = ? AND customer_id = ?",
            [first["profile_id"], first["customer_id"]],
        ).fetchone()
    finally:
        db.close()
    assert row[0] == S.REJECTED


def test_the_linked_tab_filter_says_when_nothing_matches(demo_db: Path) -> None:
    at = open_page(tab="Linked")
    at.text_input(key="identity_linked_filter").set_value("zz-no-such-id").run()
    assert_fine(at)
    assert [i.value for i in at.info] == ["No link matches that filter. Clear it to see every link."]


def test_the_merge_tab_compares_two_records_and_merges_after_the_confirmation(demo_db: Path) -> None:
    db = store.open_db(demo_db, create=False)
    try:
        keep, other = (r[0] for r in db.execute(f"SELECT customer_id FROM {S.CUSTOMERS} ORDER BY customer_id LIMIT 2"))
    finally:
        db.close()
    at = open_page(tab="Merge customers")
    assert [i.value for i in at.info] == ["Search and pick the two records above to compare them."]
    at.text_input(key="identity_keep_search").set_value(keep).run()
    at.text_input(key="identity_merge_search").set_value(other).run()
    assert_fine(at)
    preview = at.dataframe[0].value
    assert preview["field"].tolist()[0] == "Customer id" and preview["result"].tolist()[0] == keep
    at.button(key=MERGE_BUTTON).click().run()
    assert [w.value for w in at.warning] == ["Tick the box to confirm that both records are the same person."]
    at.checkbox(key="identity_merge_sure").check()  # in a form: sent with the submit
    at.button(key=MERGE_BUTTON).click().run()
    assert_fine(at)
    assert at.success[0].value.startswith(ui.escape_markdown(f"Merged customer {other} into {keep}"))
    db = store.open_db(demo_db, create=False)
    try:
        assert db.execute(f"SELECT count(*) FROM {S.CUSTOMERS} WHERE customer_id = ?", [other]).fetchone()[0] == 0
    finally:
        db.close()


def test_an_empty_database_says_what_to_do_on_every_tab(empty_db: Path) -> None:
    at = open_page()
    assert [i.value for i in at.info] == [
        "No links wait for review. Suggestions appear after an import of mentions when a profile "
        "resembles a customer but the match is not certain."
    ]
    at.session_state["identity_tab"] = "Linked"
    at.run()
    assert_fine(at)
    assert at.info[0].value.startswith("No profile is linked to a customer yet.")
    at.session_state["identity_tab"] = "History"
    at.run()
    assert_fine(at)
    assert at.info[0].value.startswith("No decision yet.")


def test_a_viewer_is_refused(demo_db: Path) -> None:
    # The page on its own (as the router would run it): the app may hide the page from viewers.
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.session_state["app_routed"] = True
    at.session_state["scrm_user"] = auth.User("vera", auth.VIEWER)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [auth.page_refusal(auth.VIEWER, "Identity review", auth.IDENTITY)]
    assert not at.button and not at.dataframe and not at.metric


def test_an_analyst_may_act(demo_db: Path) -> None:
    at = open_page(scrm_user=auth.User("ana", auth.ANALYST))
    assert [b.label for b in at.button] == ["Accept", "Reject"]
