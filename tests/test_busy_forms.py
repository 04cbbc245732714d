"""A form saved while the database is busy keeps what the person typed and says to try again (issue 10).

The busy error is injected where the page calls the one door (``scrm.api``):
AppTest runs the page in this process, so the patched function is the one it calls.
"""

from __future__ import annotations

from pathlib import Path

import page_support as support
import pytest
from streamlit.testing.v1 import AppTest

from scrm import api, ui
from scrm.act import rules as W
from scrm.db import store
from scrm.errors import DatabaseBusy

BUSY = (
    "scrm.db is busy: another program held its write lock for more than 30 seconds. "
    "Nothing of this change was saved; wait for the other writer to finish and try again."
)


def _busy(*args: object, **kwargs: object) -> None:
    raise DatabaseBusy(BUSY)


def test_a_rule_saved_while_the_database_is_busy_stays_in_the_form_and_says_to_try_again(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = [r.name for r in W.list_rules(store.open_db(demo_db, create=False))]
    at = support.open_page("rules")
    at.text_input(key="rules_f0_name").input("Spanish complaints")
    at.multiselect(key="rules_f0_sentiment").set_value(["negative"])
    monkeypatch.setattr(api, "save_rule", _busy)
    at.button(key="FormSubmitter:rules_form_0-Save rule").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "try again" in errors[0] and "still in the form" in errors[0]
    assert at.text_input(key="rules_f0_name").value == "Spanish complaints"
    assert at.multiselect(key="rules_f0_sentiment").value == ["negative"]
    assert [r.name for r in W.list_rules(store.open_db(demo_db, create=False))] == before

    monkeypatch.undo()  # the database is free again: the same press saves the kept draft
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    at.button(key="FormSubmitter:rules_form_0-Save rule").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Spanish complaints" in [r.name for r in W.list_rules(store.open_db(demo_db, create=False))]


def test_only_a_busy_database_says_the_input_is_kept() -> None:
    at = AppTest.from_function(_show_two_errors).run()
    assert [e.value for e in at.error] == [
        ui.escape_markdown(BUSY + " " + ui.FORM_KEPT),
        ui.escape_markdown("The rule needs a name."),
    ]


def _show_two_errors() -> None:
    from scrm import ui
    from scrm.errors import DatabaseBusy, ScrmError

    ui.show_error(DatabaseBusy(
        "scrm.db is busy: another program held its write lock for more than 30 seconds. "
        "Nothing of this change was saved; wait for the other writer to finish and try again."
    ), kept_input=True)
    ui.show_error(ScrmError("The rule needs a name."), kept_input=True)
