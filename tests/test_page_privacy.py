"""The Privacy requests page through AppTest on the scored tiny demo.

Find a person, see the counts, the export download, the typed confirmation
of an erasure, the retention setting and purge, and the role checks (a
viewer cannot open the page; an analyst may export but not erase).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import page_support as support
import pytest
from streamlit.testing.v1 import AppTest

from scrm import api, auth
from scrm.db import store
from scrm.privacy import requests as gdpr
from scrm.ui import auth as access

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "privacy.py")
TIMEOUT = 60


@pytest.fixture
def own_demo(scored_tiny_demo_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the scored demo as the app's database (for tests that erase or purge)."""
    path = tmp_path / "scrm.db"
    shutil.copyfile(scored_tiny_demo_master, path)
    monkeypatch.setenv(store.ENV_DB, str(path))
    yield path


def a_customer(path: Path) -> tuple[str, str]:
    """A customer with orders and a linked profile: (id, name)."""
    db = store.open_db(path, create=False)
    try:
        row = db.execute(
            """SELECT c.customer_id, c.name FROM customers c
                WHERE EXISTS (SELECT 1 FROM links l WHERE l.customer_id = c.customer_id AND l.status = 'linked')
                  AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)
                ORDER BY c.customer_id LIMIT 1"""
        ).fetchone()
    finally:
        db.close()
    return str(row[0]), str(row[1])


def opened(role: str | None = None, **state: object) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["app_routed"] = True
    if role is not None:
        at.session_state["scrm_user"] = auth.User("pat", role)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def find(at: AppTest, text: str) -> AppTest:
    at.text_input(key="privacy_query").set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def count(path: Path, sql: str) -> int:
    db = store.open_db(path, create=False)
    try:
        return int(db.execute(sql).fetchone()[0])
    finally:
        db.close()


def test_the_page_renders_with_a_start_sentence_and_the_retention(demo_db: Path) -> None:
    at = support.open_page("privacy")
    assert at.title[0].value == "Privacy requests"
    assert at.caption[1].value.startswith("Type a customer id, or a few letters")
    assert [s.value for s in at.subheader] == ["Retention"]
    assert at.number_input(key="privacy_retention_months").value == 0


def test_finding_a_person_by_id_shows_what_is_held_and_the_download(demo_db: Path) -> None:
    customer_id, name = a_customer(demo_db)
    at = find(opened(), customer_id)
    assert at.selectbox(key="privacy_pick").value == customer_id
    assert at.subheader[0].value.startswith(name)
    held = at.dataframe[0].value
    db = store.open_db(demo_db, create=False)
    try:
        expected = gdpr.held_counts(db, customer_id)
    finally:
        db.close()
    assert dict(zip(held["table"], held["rows"], strict=True)) == expected
    assert [b.label for b in at.get("download_button")] == ["Download everything (JSON)"]
    assert at.button(key="FormSubmitter:privacy_erase_form-Erase this person")


def test_a_search_with_no_match_says_what_to_do(demo_db: Path) -> None:
    at = find(opened(), "zzqxw")
    assert at.info[0].value.startswith("No customer's id, name, e-mail or handle contains “zzqxw”.")


def test_masking_hides_the_name_in_the_pick_and_the_heading(demo_db: Path) -> None:
    customer_id, name = a_customer(demo_db)
    at = find(opened(privacy_mask=True), customer_id)
    assert name not in at.subheader[0].value
    assert all(name not in str(o) for o in at.selectbox(key="privacy_pick").options)


def test_a_viewer_cannot_open_the_page(demo_db: Path) -> None:
    at = opened(auth.VIEWER)
    assert [e.value for e in at.error] == [auth.refusal(auth.VIEWER, auth.EXPORT)]
    assert not at.text_input and not at.get("download_button")


def test_an_analyst_may_export_but_not_erase_or_set_retention(demo_db: Path) -> None:
    customer_id, _ = a_customer(demo_db)
    at = find(opened(auth.ANALYST), customer_id)
    assert len(at.get("download_button")) == 1
    captions = [c.value for c in at.caption]
    assert auth.refusal(auth.ANALYST, auth.ERASE) in captions
    assert auth.refusal(auth.ANALYST, auth.SETTINGS) in captions
    assert "privacy_erase_confirm" not in [t.key for t in at.text_input]
    assert not [b for b in at.button if "Erase" in b.label]


def test_an_admin_erases_after_typing_the_id(own_demo: Path) -> None:
    customer_id, _ = a_customer(own_demo)
    customers = count(own_demo, "SELECT count(*) FROM customers")
    at = find(opened(auth.ADMIN), customer_id)
    at.text_input(key="privacy_erase_confirm").set_value("C999999")
    at.button(key="FormSubmitter:privacy_erase_form-Erase this person").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("The id typed (“C999999”) is not ")
    assert count(own_demo, "SELECT count(*) FROM customers") == customers

    at.text_input(key="privacy_erase_confirm").set_value(customer_id)
    at.button(key="FormSubmitter:privacy_erase_form-Erase this person").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value.startswith(f"Customer {customer_id} was erased: ")
    assert "Audit reference `erasure-" in at.success[0].value
    assert at.dataframe[0].value["rows"].sum() > 0
    assert count(own_demo, "SELECT count(*) FROM customers") == customers - 1
    assert count(own_demo, f"SELECT count(*) FROM customers WHERE customer_id = '{customer_id}'") == 0
    assert count(own_demo, "SELECT count(*) FROM audit_log WHERE action = 'erase' AND actor = 'pat'") == 1
    assert at.text_input(key="privacy_query").value == ""


def test_an_admin_sets_the_retention_and_purges_after_confirming(own_demo: Path) -> None:
    at = opened(auth.ADMIN)
    at.number_input(key="privacy_retention_months").set_value(3)
    at.button(key="FormSubmitter:privacy_retention_form-Save the retention period").click().run()
    assert not at.exception
    db = store.open_db(own_demo, create=False)
    try:
        assert gdpr.retention_months(db) == 3
        old = gdpr.count_mentions_older_than(db, 3)
    finally:
        db.close()
    assert old > 0
    purge = "FormSubmitter:privacy_purge_form-Purge now"
    at.button(key=purge).click().run()
    assert at.error[0].value == "Tick the box to confirm the purge first: nothing was deleted."
    at.checkbox(key="privacy_purge_sure").check()
    at.button(key=purge).click().run()
    assert not at.exception
    assert at.success[0].value == f"Purged {old:,} mentions older than the retention period."
    assert count(own_demo, "SELECT count(*) FROM audit_log WHERE action = 'purge' AND actor = 'pat'") == 1


def test_inside_the_app_a_viewer_is_refused_and_an_admin_gets_the_page(demo_db: Path) -> None:
    for role, refused in ((auth.VIEWER, True), (auth.ADMIN, False)):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.session_state["scrm_user"] = auth.User("pat", role)
        at.run()
        at.switch_page(PAGE).run()
        assert not at.exception, [e.value for e in at.exception]
        errors = [e.value for e in at.error]
        assert (auth.refusal(role, auth.EXPORT) in errors) is refused
        assert bool([t for t in at.text_input if t.key == "privacy_query"]) is not refused


# --- an erasure reaches downloads drawn before it (issue 10) ----------------------------------------


def audit_rows_after(path: Path, audit_id: int) -> list[tuple[object, ...]]:
    db = store.open_db(path, create=False)
    try:
        return [tuple(r) for r in db.execute("SELECT * FROM audit_log WHERE audit_id > ?", [audit_id]).fetchall()]
    finally:
        db.close()


def erase(path: Path, customer_id: str) -> int:
    """Erase the customer as an admin elsewhere would; the id of the erasure's audit entry."""
    db = store.open_db(path, create=False)
    try:
        api.erase_person(db, customer_id, actor="ana", role=auth.ADMIN)
        return int(db.execute("SELECT max(audit_id) FROM audit_log WHERE action = 'erase'").fetchone()[0])
    finally:
        db.close()


def test_an_export_fetched_from_a_page_drawn_before_the_erasure_holds_nothing_and_logs_nothing(
    own_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: dict[str, Any] = {}
    original = access.audited_person_export

    def recording(customer_id: str) -> Any:
        made[customer_id] = original(customer_id)
        return made[customer_id]

    monkeypatch.setattr(access, "audited_person_export", recording)
    customer_id, name = a_customer(own_demo)
    find(opened(auth.ANALYST), customer_id)
    fetch = made[customer_id]
    before = count(own_demo, "SELECT max(audit_id) FROM audit_log")
    # Fetched while the person is held: their data, built now and recorded.
    data = json.loads(fetch())
    assert data["customer"]["customer_id"] == customer_id and data["customer"]["name"] == name
    [entry] = audit_rows_after(own_demo, before)
    assert entry[2:6] == ("pat", auth.ANALYST, "export", f"customer:{customer_id}")

    erased_at = erase(own_demo, customer_id)
    # The same page's button, fetched after the erasure: an empty file, and no entry naming them.
    assert fetch() == b""
    assert audit_rows_after(own_demo, erased_at) == []


def test_a_timeline_fetched_after_the_customers_erasure_is_empty_and_not_recorded(own_demo: Path) -> None:
    customer_id, name = a_customer(own_demo)
    built: list[str] = []

    def build() -> bytes:
        built.append("csv")
        return f"{customer_id},{name}\n".encode()

    file_name = f"timeline-{customer_id}.csv"
    fetch = partial(
        access._fetch_and_record, str(own_demo), auth.User("pat", auth.ANALYST), build, file_name, {"rows": 1}, customer_id
    )
    erased_at = erase(own_demo, customer_id)
    assert fetch() == b"" and built == []
    assert audit_rows_after(own_demo, erased_at) == []


def test_a_timeline_fetched_while_the_customer_is_held_is_recorded(own_demo: Path) -> None:
    customer_id, _ = a_customer(own_demo)
    before = count(own_demo, "SELECT max(audit_id) FROM audit_log")
    fetch = partial(
        access._fetch_and_record, str(own_demo), auth.User("pat", auth.ANALYST), b"a,b\n", "timeline.csv", {"rows": 1},
        customer_id,
    )
    assert fetch() == b"a,b\n"
    [entry] = audit_rows_after(own_demo, before)
    assert entry[2:7] == ("pat", auth.ANALYST, "export", "timeline.csv", '{"rows": 1}')


def test_an_erasure_bumps_the_data_version_so_no_cached_page_serves_the_person(own_demo: Path) -> None:
    customer_id, _ = a_customer(own_demo)
    db = store.open_db(own_demo, create=False)
    try:
        before = store.data_version(db)
    finally:
        db.close()
    erase(own_demo, customer_id)
    db = store.open_db(own_demo, create=False)
    try:
        assert store.data_version(db) > before
    finally:
        db.close()
