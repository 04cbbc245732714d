"""The Settings page through AppTest: the access mode, the people and roles (never a
hash), the hash maker, the audit log with its filters and its recorded download; refused
below admin.

The page runs on its own (``app_routed`` set, as ``app.py`` would); the secrets reach it
through ``AppTest.secrets``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from scrm import api, auth
from scrm.db import audit, store
from scrm.db import schema as S
from scrm.ui import auth as access

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "settings.py")
TIMEOUT = 60
ADMIN_HASH = auth.hash_password("admin-secret-3")
SECRETS: dict[str, Any] = {
    "access": {
        "mode": "password",
        "users": {
            "ada": {"role": "admin", "password_hash": ADMIN_HASH},
            "vera": {"role": "viewer", "password_hash": ADMIN_HASH},
        },
    }
}


@pytest.fixture
def log_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database whose audit log holds an import, an export and an erasure."""
    path = tmp_path / "scrm.db"
    db = store.open_db(path)
    try:
        audit.record(db, audit.IMPORT, actor="ada", role="admin", target="orders.csv", detail={"rows_read": 3}, at="2026-01-01T10:00:00")
        audit.record(db, audit.EXPORT, actor="anton", role="analyst", target="alerts.csv", detail={"rows": 2}, at="2026-01-02T10:00:00")
        audit.record(db, audit.ERASE, actor=audit.CLI, target="customer C7", detail="erased", at="2026-01-03T10:00:00")
    finally:
        db.close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    return path


def open_page(secrets: dict[str, Any] | None = None, user: auth.User | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.secrets.update(secrets or {})
    at.session_state["app_routed"] = True
    if user is not None:
        at.session_state[access.USER_KEY] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def log_frame(at: AppTest) -> Any:
    return next(d.value for d in at.dataframe if "action" in d.value.columns)


def every_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "code", "error") for e in at.get(kind)]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(str(p) for p in parts)


def plain(text: str) -> str:
    """Markdown-escaped text as a person reads it."""
    return re.sub(r"\\(.)", r"\1", text)


def test_with_access_off_the_local_admin_sees_the_page_and_how_to_turn_access_on(log_db: Path) -> None:
    at = open_page()
    assert at.title[0].value == "Settings"
    assert at.info[0].value.startswith("Access control is off: everyone who opens this address is the local admin")
    assert "You are **local**, role **admin**." in [m.value for m in at.markdown]


def test_the_configured_people_are_listed_with_their_roles_and_never_a_hash(log_db: Path) -> None:
    at = open_page(SECRETS, auth.User("ada", "admin"))
    people = next(d.value for d in at.dataframe if "person" in d.value.columns)
    assert people.values.tolist() == [["ada", "admin"], ["vera", "viewer"]]
    assert at.info[0].value.startswith("People sign in with a user name and a password")
    assert "scrypt$" not in every_text(at).replace("scrypt$131072$8$1$...", "")


def test_the_audit_log_lists_every_entry_newest_first(log_db: Path) -> None:
    at = open_page()
    log = log_frame(at)
    assert log["action"].tolist() == ["erase", "export", "import"]
    assert log["actor"].tolist() == ["cli", "anton", "ada"]
    assert "Newest first: all 3 matching entries." in [c.value for c in at.caption]


def test_the_audit_log_filters_by_action_and_by_actor(log_db: Path) -> None:
    at = open_page()
    at.multiselect(key="settings_actions").set_value(["import", "export"]).run()
    assert log_frame(at)["action"].tolist() == ["export", "import"]
    at.selectbox(key="settings_actor").set_value("ada").run()
    assert log_frame(at)["target"].tolist() == ["orders.csv"]
    at.multiselect(key="settings_actions").set_value(["erase"]).run()
    assert "No entry matches these filters. Choose other actions or Everyone." in [c.value for c in at.caption]


def test_downloading_the_audit_log_is_itself_recorded(log_db: Path, fetches: dict[str, Any]) -> None:
    at = open_page(SECRETS, auth.User("ada", "admin"))
    [button] = at.get("download_button")
    assert button.proto.label == "Download CSV"  # type: ignore[attr-defined]
    fetches["audit-log.csv"]()  # the browser fetches the file
    db = store.open_db(log_db, create=False)
    try:
        newest = audit.read_log(db, limit=1).iloc[0]
    finally:
        db.close()
    assert (newest["actor"], newest["role"], newest["action"], newest["target"]) == ("ada", "admin", "export", "audit-log.csv")
    assert json.loads(newest["detail"]) == {"rows": 3}


def test_an_empty_audit_log_says_what_will_appear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "empty.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = open_page()
    assert at.info[-1].value.startswith("No entries yet.")
    assert not at.get("download_button")


def test_the_hash_form_makes_a_hash_that_verifies_and_keeps_no_password(log_db: Path) -> None:
    at = open_page()
    at.text_input(key="settings_hash_1").input("a new long password")
    at.text_input(key="settings_hash_2").input("a new long password")
    next(b for b in at.button if b.label == "Make the hash").click().run()
    [line] = [c.value for c in at.code if c.value.startswith("password_hash")]
    stored = line.split('"')[1]
    assert auth.verify_password("a new long password", stored)
    assert "a new long password" not in every_text(at)


def test_the_hash_form_refuses_two_different_passwords(log_db: Path) -> None:
    at = open_page()
    at.text_input(key="settings_hash_1").input("a new long password")
    at.text_input(key="settings_hash_2").input("a new long pasword")
    next(b for b in at.button if b.label == "Make the hash").click().run()
    assert [e.value for e in at.error] == ["The two passwords differ. Type the same password twice."]


@pytest.mark.parametrize("role", [auth.VIEWER, auth.ANALYST])
def test_the_page_is_refused_below_admin(log_db: Path, role: str) -> None:
    secrets = {"access": {"mode": "password", "users": {"sam": {"role": role, "password_hash": ADMIN_HASH}}}}
    at = open_page(secrets, auth.User("sam", role))
    assert [e.value for e in at.error] == [
        f"The Settings page is not open to your role ({role}): it needs the admin role. "
        "Ask an admin to give it to you in the access settings."
    ]
    assert not at.title and not at.dataframe


def test_a_visitor_who_has_not_signed_in_is_refused(log_db: Path) -> None:
    at = open_page(SECRETS)
    assert [e.value for e in at.error] == [
        "The Settings page is not open to your role (none): it needs the admin role. "
        "Ask an admin to give it to you in the access settings."
    ]


# --- business settings and recomputing (issue 14) -----------------------------------------------------


@pytest.fixture
def shop_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Mentions of two brands (Rival the most mentioned) and orders in EUR and GBP."""
    path = tmp_path / "shop.db"
    db = store.open_db(path)
    try:
        store.upsert_rows(
            db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand"],
            [(f"m{i}", "twitter", f"a{i}", "good", f"2026-09-{10 + i:02d}T10:00:00", "Rival" if i % 3 else "Velora")
             for i in range(9)],
        )  # fmt: skip
        store.upsert_rows(
            db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "currency"],
            [("o1", "c1", "2026-09-12T10:00:00", 100.0, "EUR"), ("o2", "c2", "2026-09-13T10:00:00", 50.0, "EUR"),
             ("o3", "c3", "2026-09-14T10:00:00", 80.0, "GBP")],
        )  # fmt: skip
    finally:
        db.close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    return path


def _meta(path: Path, key: str) -> str | None:
    db = store.open_db(path, create=False)
    try:
        return store.get_meta(db, key)
    finally:
        db.close()


def test_the_business_tab_says_which_orders_money_figures_leave_out(shop_db: Path) -> None:
    at = open_page()
    assert [plain(w.value) for w in at.warning] == [
        "Orders in GBP (1 order) are left out of revenue and other money figures: give their exchange rate to EUR below."
    ]
    brand = at.selectbox(key="settings_own_brand")
    assert brand.format_func(brand.options[0]) == "The most-mentioned brand (from the data): Rival"  # type: ignore[misc]


def test_an_admin_sets_the_own_brand_currency_week_and_period_and_the_log_says_so(shop_db: Path) -> None:
    at = open_page()
    at.selectbox(key="settings_own_brand").set_value("Velora")
    at.selectbox(key="settings_currency").set_value("GBP")
    at.selectbox(key="settings_week_start").set_value("sunday")
    at.selectbox(key="settings_default_period").set_value(90)
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert (_meta(shop_db, S.META_OWN_BRAND), _meta(shop_db, S.META_REPORTING_CURRENCY)) == ("Velora", "GBP")
    assert (_meta(shop_db, S.META_WEEK_START), _meta(shop_db, S.META_DEFAULT_PERIOD)) == ("sunday", "90")
    db = store.open_db(shop_db, create=False)
    try:
        newest = audit.read_log(db, limit=1).iloc[0]
        assert store.own_brand(db) == "Velora"
    finally:
        db.close()
    assert (newest["actor"], newest["action"]) == ("local", "settings")
    # Now the EUR orders are the ones without a rate.
    assert plain(at.warning[0].value).startswith("Orders in EUR (2 orders) are left out")


def test_recompute_now_scores_in_the_background_and_the_status_line_follows(shop_db: Path) -> None:
    from scrm.ui import settings as ui_settings

    at = open_page()
    assert "Scores have never been computed on this data." in plain(every_text(at))
    next(b for b in at.button if b.label == "Recompute now").click().run()
    assert not at.exception
    ui_settings.recompute_job(str(shop_db.resolve())).join(120)
    at.run()
    assert "Scores are up to date: computed less than a minute ago" in plain(every_text(at))
    assert _meta(shop_db, S.META_SCORED_AT) is not None


def test_a_change_made_in_the_app_is_scored_in_the_background_without_blocking(shop_db: Path) -> None:
    from scrm.ui import settings as ui_settings

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()  # the first sight of this database: its version is the baseline, nothing starts
    assert not at.exception, [e.value for e in at.exception]
    job = ui_settings.recompute_job(str(shop_db.resolve()))
    assert job.status().state == "idle"
    db = store.open_db(shop_db, create=False)
    try:
        api.save_settings(db, {S.META_OWN_BRAND: "Velora"}, actor="ada")  # a change: scores are now pending
    finally:
        db.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)  # the next visit
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert job.status().generation == 1  # started by that run, which did not wait for it
    job.join(120)
    assert job.status().state == "done"
    assert _meta(shop_db, S.META_SCORED_AT) is not None


def test_with_recompute_after_changes_off_nothing_starts_by_itself(shop_db: Path) -> None:
    from scrm.ui import settings as ui_settings

    db = store.open_db(shop_db, create=False)
    try:
        api.save_settings(db, {S.META_AUTO_SCORE: False}, actor="ada")
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.run()
        api.save_settings(db, {S.META_OWN_BRAND: "Velora"}, actor="ada")
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.run()
    finally:
        db.close()
    assert not at.exception
    assert ui_settings.recompute_job(str(shop_db.resolve())).status().state == "idle"


def test_an_admin_names_the_report_and_picks_its_accent_colour_and_a_bad_colour_is_refused(shop_db: Path) -> None:
    at = open_page()
    at.text_input(key="settings_report_name").set_value("Velora Shop")
    at.color_picker(key="settings_report_accent").set_value("#0A7F3C")
    next(b for b in at.button if b.label == "Save report branding").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert (_meta(shop_db, "report_brand_name"), _meta(shop_db, "report_accent")) == ("Velora Shop", "#0a7f3c")
    db = store.open_db(shop_db, create=False)
    try:
        newest = audit.read_log(db, limit=1).iloc[0]
    finally:
        db.close()
    assert (newest["action"], newest["target"]) == ("settings", "report brand")

