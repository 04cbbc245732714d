"""Pseudonyms for screen sharing (scrm.privacy.masking) and the helpers pages call (scrm.ui.masking)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scrm.db import store
from scrm.privacy import masking as privacy

SALT = "a-test-salt"
PERSONAL = [
    ("name", "Chloé Collins"),
    ("name", "Ana María Ruiz"),
    ("name", "Li"),
    ("email", "chloe.collins@example.com"),
    ("email", "ANA+news@correo.es"),
    ("handle", "@chloecollins"),
    ("handle", "velora_fan.92"),
]
FORMATS = {
    "name": r"Customer \d{6}",
    "email": r"c\d{6}@masked\.invalid",
    "handle": r"@user_[0-9a-f]{6}",
}


@pytest.mark.parametrize(("kind", "value"), PERSONAL)
def test_a_pseudonym_is_stable_has_its_kinds_shape_and_never_contains_the_original(kind, value) -> None:
    first = privacy.pseudonym(value, kind, salt=SALT)
    assert privacy.pseudonym(value, kind, salt=SALT) == first
    assert re.fullmatch(FORMATS[kind], first)
    assert value.lstrip("@").casefold() not in first.casefold()


@pytest.mark.parametrize(("kind", "value"), PERSONAL)
def test_another_database_salt_gives_another_pseudonym(kind, value) -> None:
    assert privacy.pseudonym(value, kind, salt=SALT) != privacy.pseudonym(value, kind, salt="other")


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        ("handle", "@ChloeCollins", "chloecollins"),
        ("email", "Ana@Example.com ", "ana@example.com"),
        ("name", "Ana  Ruiz", "ana ruiz"),
    ],
)
def test_case_spacing_and_the_at_sign_do_not_make_two_pseudonyms_for_one_person(kind, a, b) -> None:
    assert privacy.pseudonym(a, kind, salt=SALT) == privacy.pseudonym(b, kind, salt=SALT)


def test_different_people_get_different_pseudonyms() -> None:
    names = [f"Customer name {i}" for i in range(200)]
    assert len({privacy.pseudonym(n, "name", salt=SALT) for n in names}) == 200


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(
        ValueError, match="unknown kind of personal value 'phone'; use one of name, email, handle, text"
    ):
        privacy.pseudonym("+34 600 000 000", "phone", salt=SALT)


def test_a_text_keeps_its_words_and_loses_its_handles_and_addresses() -> None:
    text = "Thanks @ChloeCollins! Write to chloe.collins@example.com (not @ home), ok?"
    masked = privacy.mask_text(text, salt=SALT)
    handle = privacy.pseudonym("chloecollins", "handle", salt=SALT)
    email = privacy.pseudonym("chloe.collins@example.com", "email", salt=SALT)
    assert masked == f"Thanks {handle}! Write to {email} (not @ home), ok?"
    assert "chloe" not in masked.casefold()


def test_mask_frame_returns_a_new_frame_and_keeps_missing_values_and_the_index() -> None:
    frame = pd.DataFrame(
        {
            "name": ["Ana Ruiz", None, "Ana Ruiz"],
            "email": ["ana@example.com", "", None],
            "author": ["@anaruiz", "ben", None],
            "text": ["hi @anaruiz", None, "no handle here"],
            "orders": [3, 1, 2],
        },
        index=[10, 11, 12],
    )
    before = frame.copy()
    out = privacy.mask_frame(
        frame, {"name": "name", "email": "email", "author": "handle", "text": "text"}, salt=SALT
    )
    pd.testing.assert_frame_equal(frame, before)
    assert out.index.tolist() == [10, 11, 12]
    assert out["name"].iloc[0] == out["name"].iloc[2] == privacy.pseudonym("Ana Ruiz", "name", salt=SALT)
    assert pd.isna(out["name"].iloc[1]) and pd.isna(out["email"].iloc[2])
    assert out["email"].iloc[1] == ""  # blank stays blank: there is nobody to hide
    assert out["text"].tolist()[0] == f"hi {out['author'].iloc[0]}"
    assert out["text"].iloc[2] == "no handle here"
    assert out["orders"].tolist() == [3, 1, 2]
    assert "Ana" not in out.to_csv() and "anaruiz" not in out.to_csv()


def test_mask_frame_refuses_a_column_the_table_lacks() -> None:
    frame = pd.DataFrame({"name": ["Ana"]})
    with pytest.raises(KeyError, match="cannot mask 'nmae': not a column of this table"):
        privacy.mask_frame(frame, {"nmae": "name"}, salt=SALT)


def test_the_salt_is_made_once_per_database_without_changing_the_data_version(fresh_db) -> None:
    version = store.data_version(fresh_db)
    salt = privacy.privacy_salt(fresh_db)
    assert len(salt) == 32
    assert privacy.privacy_salt(fresh_db) == salt
    assert store.get_meta(fresh_db, privacy.SALT_KEY) == salt
    assert store.data_version(fresh_db) == version
    other = store.open_db(":memory:")
    assert privacy.privacy_salt(other) != salt
    other.close()


def test_calls_without_a_salt_use_the_registered_one() -> None:
    try:
        privacy.use_salt(SALT)
        assert privacy.pseudonym("Ana", "name") == privacy.pseudonym("Ana", "name", salt=SALT)
        privacy.use_salt(None)
        assert privacy.pseudonym("Ana", "name") == privacy.pseudonym("Ana", "name")
    finally:
        privacy.use_salt(None)


# --- the page helpers (scrm.ui.masking) through a page we control ----------------------------

PROBE = """
import pandas as pd
import streamlit as st
from scrm.ui import masking as privacy

privacy.privacy_switch()
frame = pd.DataFrame({"name": ["Chloé Collins"], "author": ["@chloecollins"], "orders": [4]})
privacy.show_frame(frame, {"name": "name", "author": "handle"}, key="probe_table")
st.text(privacy.mask_value("Chloé Collins", "name"))
st.text(str(privacy.mask_value(None, "name")))
"""


@pytest.fixture
def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    return str(script)


def test_names_show_as_they_are_until_the_switch_is_on(probe: str) -> None:
    at = AppTest.from_file(probe, default_timeout=30).run()
    assert not at.exception
    assert at.dataframe[0].value["name"].tolist() == ["Chloé Collins"]
    assert at.text[0].value == "Chloé Collins"
    at.toggle(key="privacy_mask").set_value(True).run()
    shown = at.dataframe[0].value
    assert re.fullmatch(r"Customer \d{6}", shown["name"].iloc[0])
    assert re.fullmatch(r"@user_[0-9a-f]{6}", shown["author"].iloc[0])
    assert shown["orders"].tolist() == [4]
    assert at.text[0].value == shown["name"].iloc[0]
    assert at.text[1].value == "None"
    assert at.query_params["mask"] == "1"


def test_a_link_with_mask_opens_masked_and_switching_off_removes_it(probe: str) -> None:
    at = AppTest.from_file(probe, default_timeout=30)
    at.query_params["mask"] = "1"
    at.run()
    assert at.toggle(key="privacy_mask").value is True
    assert "Chloé" not in at.dataframe[0].value.to_csv()
    at.toggle(key="privacy_mask").set_value(False).run()
    assert "mask" not in at.query_params
    assert at.dataframe[0].value["name"].tolist() == ["Chloé Collins"]
