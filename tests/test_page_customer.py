"""The Customer 360 page through AppTest: a tiny scored demo, an empty database, search and pick.

The page runs under a minimal router in ``tmp_path`` (``pages/`` linked in)
rather than ``app.py``, so these tests depend on this page only; the app's
own smoke test covers the page inside the full shell.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrm.db import store
from scrm.ui import escape_markdown, format_number

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
PAGE = "pages/customer.py"
ROUTER = """
import streamlit as st
from scrm import ui
st.session_state[ui.ROUTED_KEY] = True
st.navigation([
    st.Page("pages/customer.py", default=True),
    st.Page("pages/journey.py"),
    st.Page("pages/data.py"),
]).run()
"""
HOSTILE_NAME = "<img src=x onerror=alert(1)> **Zoë** [x](javascript:alert(1))"


def make_router(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pages").symlink_to(ROOT / "pages", target_is_directory=True)
    (folder / "router.py").write_text(ROUTER)
    return str(folder / "router.py")


@pytest.fixture(scope="module")
def demo_db(scored_demo_path: Path) -> Path:
    """A tiny scored demo plus one customer with no order, no profile and a hostile name."""
    path = scored_demo_path
    db = store.open_db(path)
    try:
        store.insert_rows(
            db, "customers", ["customer_id", "name", "email", "account"],
            [["QUIET1", HOSTILE_NAME, "quiet@example.org", "Quiet Ltd"], ["QUIET2", "Pat Quiet", None, "quiet ltd"]],
        )
    finally:
        db.close()
    return path


def open_page(tmp_path: Path, customer: str | None = None) -> AppTest:
    at = AppTest.from_file(make_router(tmp_path / "app"), default_timeout=TIMEOUT)
    if customer:
        at.query_params["customer"] = customer
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return " ".join([*(i.value for i in at.info), *(c.value for c in at.caption), *(m.value for m in at.markdown)])


def best_customer(path: Path) -> tuple[str, str, str, float]:
    db = store.open_db(path, create=False)
    try:
        row = db.execute(
            "SELECT c.customer_id, c.name, c.email, v.clv FROM customers c JOIN customer_value v USING (customer_id) "
            "WHERE c.customer_id IN (SELECT customer_id FROM links WHERE status = 'linked') ORDER BY v.clv DESC LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    return row[0], row[1], row[2], float(row[3])


def test_page_on_an_empty_database_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "empty.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = open_page(tmp_path)
    assert "No customers yet. Import a customer file on the Data page" in texts(at)


def test_page_without_a_search_invites_one(tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    at = open_page(tmp_path)
    assert "Type a few letters of a name, an e-mail or a social handle" in texts(at)
    assert not at.header
    assert at.subheader[0].value == "High-value customers slipping away"
    watch = at.dataframe[0].value
    assert len(watch) > 0 and set(watch["stage"]) <= {"At risk", "Lapsed"}


def test_search_and_pick_opens_the_card_and_puts_the_customer_in_the_link(
    tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    customer_id, name, email, clv = best_customer(demo_db)
    at = open_page(tmp_path)
    at.text_input(key="customer_query").input(email.upper()).run()
    pick = at.selectbox(key="customer_pick")
    assert len(pick.options) == 1 and pick.options[0].startswith(f"{name} · {email} · ")
    assert "nan" not in pick.options[0].split(" · ")
    pick.select(customer_id).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["customer"] == customer_id
    assert at.header[0].value == escape_markdown(name)
    metrics = {m.label: m.value for m in at.metric}
    clv_label = next(label for label in metrics if label.startswith("CLV, next 12 months"))
    assert metrics[clv_label] == format_number(clv, money=True)
    assert any(s.value.startswith("**Suggested next action:") for s in [*at.success, *at.warning])
    assert len(at.get("vega_lite_chart")) == 1  # the timeline chart
    assert len(at.get("download_button")) == 1  # the timeline as CSV


def test_a_link_with_a_customer_opens_the_card(tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    customer_id, name, _email, _clv = best_customer(demo_db)
    at = open_page(tmp_path, customer=customer_id)
    assert at.header[0].value == escape_markdown(name)
    at.button(key="customer_close").click().run()
    assert "customer" not in at.query_params and not at.header


def test_a_customer_with_no_orders_or_mentions_gets_sentences_and_the_account(
    tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    at = open_page(tmp_path, customer="QUIET1")
    # The hostile name is escaped: no image, no link, no bold.
    assert at.header[0].value == escape_markdown(HOSTILE_NAME)
    shown = texts(at)
    assert "No value figures: this customer has no order" in shown
    assert "Nothing on this customer's timeline: no order, no mention by a linked profile, no survey answer." in shown
    assert "No social profile is linked to this customer" in shown
    assert any(s.value.startswith("**Suggested next action: No action needed.**") for s in at.success)
    assert at.subheader[-1].value == "Account: Quiet Ltd"
    assert {m.label: m.value for m in at.metric}["Contacts"] == "2"
    assert at.selectbox(key="customer_contact").options == ["Pat Quiet"]


def test_an_unknown_customer_in_the_link_says_so(tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    at = open_page(tmp_path, customer="NOPE")
    assert at.warning[0].value.startswith("No customer has the id “NOPE” (from the link).")


def test_a_search_without_matches_says_what_to_try(tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    at = open_page(tmp_path)
    at.text_input(key="customer_query").input("zzz%_qqq").run()
    assert "Check the spelling or search a shorter part of it." in texts(at)


def test_the_privacy_switch_masks_the_card_and_the_search(tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    customer_id, name, email, _clv = best_customer(demo_db)
    at = AppTest.from_file(make_router(tmp_path / "app"), default_timeout=TIMEOUT)
    at.query_params["mask"] = "1"  # a link copied while masking
    at.query_params["customer"] = customer_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.header[0].value.startswith("Customer ") and name not in at.header[0].value
    identity = at.dataframe[0].value
    assert email not in set(identity["Value"]) and name not in set(identity["Value"])
    at.text_input(key="customer_query").input(email).run()
    label = at.selectbox(key="customer_pick").options[0]
    assert name not in label and email not in label
