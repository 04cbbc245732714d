"""The Sources page through AppTest: add a source with the form, see it listed, pause it, and roles."""

from __future__ import annotations

from pathlib import Path

import page_support as support
import pytest
from streamlit.testing.v1 import AppTest

from scrm import auth
from scrm.db import store
from scrm.listen import sources as L


def open_page(user: auth.User | None = None) -> AppTest:
    at = AppTest.from_file(str(support.ROOT / "pages" / "sources.py"), default_timeout=support.TIMEOUT)
    at.session_state["app_routed"] = True
    if user is not None:
        at.session_state["scrm_user"] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sources_in(path: Path) -> list[L.Source]:
    db = store.open_db(path, create=False)
    try:
        return L.list_sources(db)
    finally:
        db.close()


def test_an_empty_page_says_how_to_add_and_run_a_source(empty_db: Path) -> None:
    at = open_page()
    assert at.title[0].value == "Sources"
    assert at.info[0].value.startswith("No sources yet. Add one below and use Test")


def test_the_form_adds_a_source_that_is_then_listed_and_can_be_paused(empty_db: Path) -> None:
    at = open_page()
    at.selectbox(key="sources_kind").set_value("hackernews")
    at.text_input(key="sources_name").set_value("hn")
    at.text_area(key="sources_settings").set_value("query=acme")
    at.button[0].click()  # the form's submit button comes first in the form
    at = at.run()
    assert not at.error, [e.value for e in at.error]
    assert [(s.name, s.kind, s.settings) for s in sources_in(empty_db)] == [("hn", "hackernews", {"query": "acme"})]
    at = open_page()
    assert at.dataframe[0].value["name"].tolist() == ["hn"]
    at.button(key="sources_pause").click().run()
    assert sources_in(empty_db)[0].state == "paused"


def test_a_secret_typed_in_the_form_is_refused_with_where_it_belongs(empty_db: Path) -> None:
    at = open_page()
    at.selectbox(key="sources_kind").set_value("mastodon")
    at.text_input(key="sources_name").set_value("m")
    at.text_area(key="sources_settings").set_value("instance=https://x.example\ntoken=abc")
    at.button[0].click()
    at = at.run()
    assert "token is a secret and is never stored" in at.error[0].value
    assert sources_in(empty_db) == []


@pytest.mark.parametrize("role", [auth.VIEWER, auth.ANALYST])
def test_only_admins_open_the_page(empty_db: Path, role: str) -> None:
    at = open_page(auth.User(name="x", role=role))
    assert not at.dataframe and not at.text_input
