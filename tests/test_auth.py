"""Access control: password hashes, the configuration in secrets.toml, roles and pages (pure),
then the app through AppTest with access off, with passwords and with OpenID Connect.

The secrets reach the app through ``AppTest.secrets`` (no secrets.toml is written);
``st.user`` through ``AppTest.user``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import streamlit
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from scrm import api, auth, ui
from scrm.db import audit, store
from scrm.errors import ConfigError
from scrm.ui import auth as access

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60
FILE = ".streamlit/secrets.toml: "
CLOSED = " Until this is fixed nobody can sign in."

# One hash per role, made once: scrypt costs tens of milliseconds by design.
PASSWORDS = {"vera": "viewer-secret-1", "anton": "analyst-secret-2", "ada": "admin-secret-3"}
HASHES = {name: auth.hash_password(pw) for name, pw in PASSWORDS.items()}
ROLE_OF = {"vera": auth.VIEWER, "anton": auth.ANALYST, "ada": auth.ADMIN}
PASSWORD_SECRETS: dict[str, Any] = {
    "access": {
        "mode": "password",
        "users": {name: {"role": ROLE_OF[name], "password_hash": HASHES[name]} for name in PASSWORDS},
    }
}
AUTH_SECTION = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-string",
    "client_id": "scrm",
    "client_secret": "secret",
    "server_metadata_url": "https://login.example.com/.well-known/openid-configuration",
}
OIDC_SECRETS: dict[str, Any] = {
    "auth": AUTH_SECTION,
    "access": {"mode": "oidc", "roles": {"Ada@Example.com": "admin"}, "allowed_domains": ["example.com"]},
}


# --- passwords -------------------------------------------------------------------------


def test_a_hash_verifies_its_password_and_no_other() -> None:
    stored = HASHES["vera"]
    assert stored.startswith("scrypt$131072$8$1$") and len(stored.split("$")) == 6
    assert auth.verify_password("viewer-secret-1", stored)
    assert not auth.verify_password("viewer-secret-2", stored)
    assert not auth.verify_password("", stored)


# Made with the parameters of scrm before n = 2**17 (salt b"0" * 16): must keep working.
OLD_HASH = auth.hash_password("old-secret-4", salt=b"0" * 16, n=2**14)


def test_new_hashes_use_owasps_scrypt_parameters() -> None:
    assert (auth.SCRYPT_N, auth.SCRYPT_R, auth.SCRYPT_P) == (2**17, 8, 1)
    n, r, p = (int(x) for x in auth.hash_new_password("a long password").split("$")[1:4])
    assert (n, r, p) == (131072, 8, 1)
    assert not auth.needs_rehash(HASHES["vera"])


def test_a_hash_made_with_the_old_parameters_still_verifies_and_needs_a_rehash() -> None:
    assert OLD_HASH.startswith("scrypt$16384$8$1$")
    assert auth.verify_password("old-secret-4", OLD_HASH)
    assert not auth.verify_password("old-secret-5", OLD_HASH)
    assert auth.needs_rehash(OLD_HASH)
    config = auth.parse_config({"access": {"mode": "password", "users": {"olga": {"role": "admin", "password_hash": OLD_HASH}}}})
    assert auth.authenticate(config, "olga", "old-secret-4") == auth.User("olga", auth.ADMIN)
    assert auth.user_needs_rehash(config, "olga") and not auth.user_needs_rehash(config, "nobody")


def test_a_hash_needing_more_memory_than_allowed_never_matches() -> None:
    # 2**19 * 8 * 128 bytes = 512 MiB: above the 256 MiB a check may take.
    assert not auth.verify_password("x" * 8, "scrypt$524288$8$1$c2FsdA$aGFzaA")


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    first, second = auth.hash_password("same password"), auth.hash_password("same password")
    assert first != second
    assert auth.verify_password("same password", first) and auth.verify_password("same password", second)


def test_a_given_salt_gives_a_reproducible_hash() -> None:
    assert auth.hash_password("x" * 8, salt=b"0" * 16) == auth.hash_password("x" * 8, salt=b"0" * 16)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "viewer-secret-1",
        "pbkdf2$16384$8$1$c2FsdA$aGFzaA",
        "scrypt$16384$8$1$c2FsdA",
        "scrypt$abc$8$1$c2FsdA$aGFzaA",
        "scrypt$1000$8$1$c2FsdA$aGFzaA",  # n not a power of two
        "scrypt$1073741824$8$1$c2FsdA$aGFzaA",  # would take gigabytes
        "scrypt$16384$8$1$$aGFzaA",
        "scrypt$16384$8$1$c2FsdA$!!!",
    ],
)
def test_a_malformed_stored_hash_never_matches(stored: str) -> None:
    assert not auth.verify_password("viewer-secret-1", stored)


def test_an_empty_password_is_not_hashed() -> None:
    with pytest.raises(ValueError, match="the password is empty"):
        auth.hash_password("")


@pytest.mark.parametrize(
    ("first", "second", "problem"),
    [
        ("", "", "The password is empty. Type a password."),
        ("long enough 1", "long enough 2", "The two passwords differ. Type the same password twice."),
        ("short", "short", "The password has 5 characters. Use at least 8."),
        ("long enough", "long enough", None),
        ("long enough", None, None),
    ],
)
def test_a_new_password_is_checked_before_it_is_hashed(first: str, second: str | None, problem: str | None) -> None:
    assert auth.new_password_problem(first, second) == problem
    if problem:
        with pytest.raises(auth.PasswordRejected) as e:
            auth.hash_new_password(first, second)
        assert str(e.value) == problem
    else:
        assert auth.verify_password(first, auth.hash_new_password(first, second))


# --- the configuration --------------------------------------------------------------------


def test_no_access_section_means_access_control_is_off() -> None:
    assert auth.parse_config({}) == auth.OFF_CONFIG
    assert auth.parse_config({"auth": AUTH_SECTION}).mode == auth.OFF
    assert auth.parse_config({"access": {"mode": "off"}}).enabled is False


def test_a_password_configuration_lists_its_users_and_roles_but_never_a_hash() -> None:
    config = auth.parse_config(PASSWORD_SECRETS)
    assert config.mode == auth.PASSWORD and config.enabled
    assert config.user_roles() == [("ada", "admin"), ("anton", "analyst"), ("vera", "viewer")]
    assert "scrypt" not in repr(config.user_roles())


def test_an_oidc_configuration_lower_cases_emails_and_defaults_to_viewer() -> None:
    config = auth.parse_config(OIDC_SECRETS)
    assert (config.mode, config.roles, config.default_role) == (auth.OIDC, {"ada@example.com": "admin"}, "viewer")
    assert config.allowed_domains == ("example.com",)


def users(**entries: dict[str, Any]) -> dict[str, Any]:
    return {"access": {"mode": "password", "users": entries}}


@pytest.mark.parametrize(
    ("secrets", "sentence"),
    [
        (
            {"access": {"mode": "ldap"}},
            "[access] mode 'ldap' is not known; use mode = \"password\" or mode = \"oidc\", "
            "or remove the [access] section to turn sign-in off.",
        ),
        ({"access": {}}, 'the [access] section has no mode; add mode = "password" or mode = "oidc".'),
        (
            {"access": "password"},
            '[access] must be a section (a line "[access]" followed by mode = "password" or mode = "oidc").',
        ),
        (
            {"access": {"mode": "password"}},
            'password mode needs at least one user: add a section [access.users.NAME] with role = "admin" '
            "and password_hash = the output of `python -m scrm hash-password`.",
        ),
        (
            users(ana={"role": "analyst"}),
            "[access.users.ana] has no password_hash; add the output of `python -m scrm hash-password`.",
        ),
        (
            users(ana={"role": "analyst", "password_hash": "hunter2"}),
            "[access.users.ana] has a password_hash that is not in the scrypt$n$r$p$salt$hash format; "
            "paste the whole output of `python -m scrm hash-password`.",
        ),
        (
            users(ana={"role": "superuser", "password_hash": HASHES["ada"]}),
            "[access.users.ana] has the role 'superuser'; use one of viewer, analyst, admin.",
        ),
        (
            users(ana={"password_hash": HASHES["ada"]}),
            "[access.users.ana] has the role None; use one of viewer, analyst, admin.",
        ),
        (
            {"access": {"mode": "oidc", "roles": {"a@example.com": "admin"}}},
            "oidc mode needs an [auth] section with redirect_uri, cookie_secret, client_id, client_secret "
            "and server_metadata_url from your identity provider (see .streamlit/secrets.toml.example).",
        ),
        (
            {"auth": AUTH_SECTION, "access": {"mode": "oidc", "roles": {"a@example.com": "boss"}}},
            "[access.roles] \"a@example.com\" has the role 'boss'; use one of viewer, analyst, admin.",
        ),
        (
            {"auth": AUTH_SECTION, "access": {"mode": "oidc", "roles": {"a@example.com": "analyst"}}},
            'oidc mode needs at least one admin: add a line "you@example.com" = "admin" under [access.roles].',
        ),
        (
            {"auth": AUTH_SECTION, "access": {"mode": "oidc", "roles": {"a@x.com": "admin"}, "default_role": "guest"}},
            "[access] default_role has the role 'guest'; use one of viewer, analyst, admin, none.",
        ),
        (
            {"auth": AUTH_SECTION, "access": {"mode": "oidc", "roles": {"a@x.com": "admin"}, "allowed_domains": "x.com"}},
            '[access] allowed_domains must be a list of domains, like allowed_domains = ["example.com"].',
        ),
        (
            {"auth": AUTH_SECTION, "access": {"mode": "oidc", "roles": {"a@x.com": "admin"}, "provider": "google"}},
            "[access] provider 'google' has no [auth.google] section; add it or remove the provider line.",
        ),
    ],
)
def test_a_configuration_the_app_cannot_apply_says_what_to_fix_and_keeps_everyone_out(
    secrets: dict[str, Any], sentence: str
) -> None:
    with pytest.raises(ConfigError) as e:
        auth.parse_config(secrets)
    assert str(e.value) == FILE + sentence + CLOSED


# --- who is who ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def password_config() -> auth.AccessConfig:
    return auth.parse_config(PASSWORD_SECRETS)


def test_the_right_password_signs_in_with_the_configured_role(password_config: auth.AccessConfig) -> None:
    assert auth.authenticate(password_config, "anton", "analyst-secret-2") == auth.User("anton", "analyst")
    assert auth.authenticate(password_config, " anton ", "analyst-secret-2") == auth.User("anton", "analyst")


@pytest.mark.parametrize(("name", "password"), [("anton", "viewer-secret-1"), ("nobody", "analyst-secret-2"), ("", "")])
def test_a_wrong_name_or_password_signs_nobody_in(password_config: auth.AccessConfig, name: str, password: str) -> None:
    assert auth.authenticate(password_config, name, password) is None


def test_a_removed_user_or_a_changed_role_applies_to_a_signed_in_session(password_config: auth.AccessConfig) -> None:
    assert auth.password_user(password_config, "vera") == auth.User("vera", "viewer")
    promoted = auth.parse_config(users(vera={"role": "admin", "password_hash": HASHES["vera"]}))
    assert auth.password_user(promoted, "vera") == auth.User("vera", "admin")
    assert auth.password_user(promoted, "anton") is None
    assert auth.password_user(password_config, None) is None


@pytest.mark.parametrize(
    ("access_section", "claims", "user", "reason"),
    [
        ({}, {"is_logged_in": False}, None, ""),
        ({}, {"is_logged_in": True, "email": "ADA@example.com"}, auth.User("ada@example.com", "admin"), ""),
        ({}, {"is_logged_in": True, "email": "bo@example.com"}, auth.User("bo@example.com", "viewer"), ""),
        ({"default_role": "analyst"}, {"is_logged_in": True, "email": "bo@example.com"}, auth.User("bo@example.com", "analyst"), ""),
        (
            {"default_role": "none"},
            {"is_logged_in": True, "email": "bo@example.com"},
            None,
            "bo@example.com has no role in this scrm. Ask an admin to add you under [access.roles].",
        ),
        (
            {"allowed_domains": ["example.com"]},
            {"is_logged_in": True, "email": "eve@elsewhere.org"},
            None,
            "Accounts of elsewhere.org may not use this scrm. Sign in with your work account, or ask an admin "
            "to allow your domain.",
        ),
        (
            {"allowed_domains": ["elsewhere.org"]},
            {"is_logged_in": True, "email": "ada@example.com"},
            auth.User("ada@example.com", "admin"),
            "",
        ),
        (
            {},
            {"is_logged_in": True, "email": "bo@example.com", "email_verified": False},
            None,
            "Your e-mail address bo@example.com is not verified by your identity provider. Verify it there, "
            "then sign in again.",
        ),
        (
            {},
            {"is_logged_in": True, "name": "Bo"},
            None,
            "Your identity provider did not send an e-mail address, which scrm needs to give you a role. Ask your admin.",
        ),
    ],
)
def test_an_identity_providers_claims_give_a_role_by_email(
    access_section: dict[str, Any], claims: dict[str, Any], user: auth.User | None, reason: str
) -> None:
    config = auth.parse_config(
        {"auth": AUTH_SECTION, "access": {"mode": "oidc", "roles": {"ada@example.com": "admin"}, **access_section}}
    )
    assert auth.oidc_user(config, claims) == (user, reason)


@pytest.mark.parametrize(
    ("failures", "last", "now", "wait"),
    [(0, 0.0, 100.0, 0.0), (4, 99.0, 100.0, 0.0), (5, 99.0, 100.0, 59.0), (7, 30.0, 100.0, 0.0)],
)
def test_sign_in_pauses_after_too_many_wrong_tries(failures: int, last: float, now: float, wait: float) -> None:
    assert auth.seconds_to_wait(failures, last, now) == pytest.approx(wait)


# --- roles and pages -------------------------------------------------------------------------

ALL_PAGES = [
    "pages/overview.py", "pages/cases.py", "pages/rules.py", "pages/identity.py",
    "pages/privacy.py", "pages/data.py", "pages/settings.py",
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        (auth.VIEWER, ["pages/overview.py", "pages/cases.py", "pages/rules.py"]),
        (auth.ANALYST, ["pages/overview.py", "pages/cases.py", "pages/rules.py", "pages/identity.py", "pages/privacy.py", "pages/data.py"]),
        (auth.ADMIN, ALL_PAGES),
        ("", []),
        (None, []),
    ],
)
def test_each_role_sees_its_pages(role: str | None, pages: list[str]) -> None:
    assert auth.visible_pages(role, ALL_PAGES) == pages


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (auth.VIEWER, {auth.VIEW}),
        (auth.ANALYST, {auth.VIEW, auth.EXPORT, auth.CASES, auth.IDENTITY}),
        (auth.ADMIN, set(auth.PERMISSIONS)),
    ],
)
def test_each_role_holds_its_permissions(role: str, allowed: set[str]) -> None:
    assert {p for p in auth.PERMISSIONS if auth.can(role, p)} == allowed


def test_a_refused_page_says_which_role_it_needs() -> None:
    assert auth.page_refusal("viewer", "Data", auth.EXPORT) == (
        "The Data page is not open to your role (viewer): it needs the analyst role. "
        "Ask an admin to give it to you in the access settings."
    )
    assert auth.refusal(None, auth.IMPORT) == (
        "Your role (none) cannot import data. Ask an admin to give you the admin role in the access settings."
    )


# --- the app ---------------------------------------------------------------------------------


class _NavigationPagesManager(PagesManager):
    """The app routes with st.navigation on every run, as a server learns (see tests/test_shell.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture
def menu(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, str]]]:
    """The (title, visibility) of the pages app.py hands st.navigation, one list per run."""
    monkeypatch.setattr(app_test, "PagesManager", _NavigationPagesManager)
    runs: list[list[tuple[str, str]]] = []
    original = streamlit.navigation

    def recording(pages: Any, **kwargs: Any) -> Any:
        # A dict is the menu in sections: its pages in order.
        flat = [p for section in pages.values() for p in section] if isinstance(pages, dict) else list(pages)
        runs.append([(p.title, p.visibility) for p in flat])
        return original(pages, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", recording)
    return runs


@pytest.fixture(autouse=True)
def fresh_attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No wait after a wrong password, and no wrong tries left over from another test."""
    monkeypatch.setattr(auth, "FAILURE_DELAY_SECONDS", 0.0)
    access._failures_by_name.clear()
    yield
    access._failures_by_name.clear()


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    return path


def open_app(secrets: dict[str, Any] | None = None, user: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets.update(secrets or {})
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def visible(runs: list[list[tuple[str, str]]]) -> list[str]:
    return [title for title, visibility in runs[-1] if visibility == "visible"]


def log_rows(path: Path) -> list[tuple[Any, ...]]:
    db = store.open_db(path, create=False)
    try:
        return [tuple(r) for r in audit.read_log(db).itertuples(index=False)]
    finally:
        db.close()


def test_with_access_off_nobody_signs_in_and_the_sidebar_says_nothing_about_it(app_db: Path, menu) -> None:
    at = open_app()
    assert at.title[0].value == "Overview"
    assert not any("Signed in" in c.value for c in at.sidebar.caption)
    assert not [b for b in at.sidebar.button if b.label == "Sign out"]
    assert "Settings" in visible(menu) and "Data" in visible(menu)


def test_an_anonymous_visitor_gets_only_the_sign_in_form(app_db: Path, menu) -> None:
    at = open_app(PASSWORD_SECRETS)
    assert [t.value for t in at.title] == ["Sign in to scrm"]
    assert [w.key for w in at.text_input] == ["auth_name", "auth_password"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert visible(menu) == ["Sign in"]
    assert not at.sidebar.toggle and not at.metric  # no privacy switch, no dashboard
    assert log_rows(app_db) == []


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app_db: Path, menu) -> None:
    at = sign_in(open_app(PASSWORD_SECRETS), "vera", "not-her-password")
    assert [e.value for e in at.error] == [access.WRONG_CREDENTIALS]
    assert at.title[0].value == "Sign in to scrm"
    at = sign_in(at, "nobody", "viewer-secret-1")
    assert [e.value for e in at.error] == [access.WRONG_CREDENTIALS]


def test_too_many_wrong_tries_pause_the_sign_in_and_are_logged(app_db: Path, menu) -> None:
    at = open_app(PASSWORD_SECRETS)
    for _ in range(auth.MAX_FAILURES):
        at = sign_in(at, "ada", "guess")
    # Even the right password waits now.
    at = sign_in(at, "ada", "admin-secret-3")
    assert [e.value for e in at.error] == ["Too many wrong tries. Wait 60 s, then sign in again."]
    assert at.title[0].value == "Sign in to scrm"
    [entry] = log_rows(app_db)
    assert entry[2:] == ("anonymous", None, "login", "", "5 wrong sign-in tries in a row; sign-in paused for 60 s")


def test_a_sign_in_opens_the_app_and_is_logged(app_db: Path, menu) -> None:
    at = sign_in(open_app(PASSWORD_SECRETS), "anton", "analyst-secret-2")
    assert at.title[0].value == "Overview"
    assert "Signed in as **anton** (analyst)" in [c.value for c in at.sidebar.caption]
    [entry] = log_rows(app_db)
    assert entry[2:6] == ("anton", "analyst", "login", "anton")
    assert json.loads(entry[6]) == {"mode": "password", "result": "signed in"}
    at.run()  # a rerun does not log the sign-in again
    assert len(log_rows(app_db)) == 1


def test_a_viewer_does_not_get_the_data_page_and_is_refused_by_its_address(app_db: Path, menu) -> None:
    at = sign_in(open_app(PASSWORD_SECRETS), "vera", "viewer-secret-1")
    shown = visible(menu)
    assert "Overview" in shown
    assert not {"Data", "Privacy requests", "Identity review", "Settings"} & set(shown)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The Data page is not open to your role (viewer): it needs the analyst role. "
        "Ask an admin to give it to you in the access settings."
    ]
    assert not at.file_uploader and not at.title


def test_an_admin_sees_every_page(app_db: Path, menu) -> None:
    sign_in(open_app(PASSWORD_SECRETS), "ada", "admin-secret-3")
    every = [title for _file, title, _icon in _app_pages()]
    assert visible(menu) == every
    assert {"Data", "Settings"} <= set(every)


def _app_pages() -> list[tuple[str, str, str]]:
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "PAGES")
    return ast.literal_eval(node.value)  # type: ignore[arg-type]


def test_an_analyst_sees_the_data_page_but_cannot_import_or_start_over(app_db: Path, menu) -> None:
    at = sign_in(open_app(PASSWORD_SECRETS), "anton", "analyst-secret-2")
    assert "Data" in visible(menu) and "Settings" not in visible(menu)
    at.switch_page("pages/data.py").run()
    assert at.title[0].value == "Data"
    assert not at.file_uploader
    assert [i.value for i in at.info] == [
        "Your role (analyst) cannot import data. Ask an admin to give you the admin role in the access settings."
    ]


def _secrets_with_old_hashes() -> dict[str, Any]:
    users = {name: {"role": ROLE_OF[name], "password_hash": HASHES[name]} for name in PASSWORDS}
    users["olga"] = {"role": "admin", "password_hash": OLD_HASH}
    users["otto"] = {"role": "viewer", "password_hash": OLD_HASH}
    return {"access": {"mode": "password", "users": users}}


def test_an_admin_signed_in_with_an_old_hash_is_told_how_to_make_a_new_one(
    app_db: Path, menu, caplog: pytest.LogCaptureFixture
) -> None:
    secrets = _secrets_with_old_hashes()
    with caplog.at_level("WARNING", logger="scrm.ui.auth"):
        at = sign_in(open_app(secrets), "olga", "old-secret-4")
    assert at.title[0].value == "Overview"
    advice = auth.rehash_advice("olga")
    assert advice in caplog.text
    assert "run `python -m scrm hash-password`" in advice and "[access.users.olga]" in advice
    assert "scrm cannot rewrite secrets.toml" in advice
    assert [w.value for w in at.sidebar.warning] == [ui.escape_markdown(advice)]
    # Once the admin pastes a new hash, the notice goes at the next click.
    at.secrets["access"]["users"]["olga"]["password_hash"] = auth.hash_password("old-secret-4")
    at.run()
    assert not at.sidebar.warning


def test_no_rehash_notice_for_a_new_hash_nor_for_a_viewer(app_db: Path, menu, caplog: pytest.LogCaptureFixture) -> None:
    secrets = _secrets_with_old_hashes()
    assert not sign_in(open_app(secrets), "ada", "admin-secret-3").sidebar.warning
    with caplog.at_level("WARNING", logger="scrm.ui.auth"):
        at = sign_in(open_app(secrets), "otto", "old-secret-4")
    assert at.title[0].value == "Overview" and not at.sidebar.warning  # a viewer cannot edit secrets.toml
    assert auth.rehash_advice("otto") in caplog.text  # the admin reads it in the server log


def test_signing_out_returns_to_the_sign_in_form(app_db: Path, menu) -> None:
    at = sign_in(open_app(PASSWORD_SECRETS), "vera", "viewer-secret-1")
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert [t.value for t in at.title] == ["Sign in to scrm"]


def test_a_removed_user_is_signed_out_at_the_next_click(app_db: Path, menu) -> None:
    at = sign_in(open_app(PASSWORD_SECRETS), "vera", "viewer-secret-1")
    at.secrets["access"] = {"mode": "password", "users": {"ada": PASSWORD_SECRETS["access"]["users"]["ada"]}}
    at.run()
    assert [t.value for t in at.title] == ["Sign in to scrm"]


@pytest.mark.parametrize(
    ("secrets", "sentence"),
    [
        (
            {"access": {"mode": "passwords"}},
            "[access] mode 'passwords' is not known; use mode = \"password\" or mode = \"oidc\", "
            "or remove the [access] section to turn sign-in off.",
        ),
        (
            users(ana={"role": "analyst"}),
            "[access.users.ana] has no password_hash; add the output of `python -m scrm hash-password`.",
        ),
    ],
)
def test_a_broken_configuration_lets_nobody_in_and_says_what_to_fix(app_db: Path, menu, secrets, sentence) -> None:
    at = open_app(secrets)
    assert [t.value for t in at.title] == ["Sign in to scrm"]
    assert [access.ui.escape_markdown(FILE + sentence + CLOSED)] == [e.value for e in at.error]
    assert not at.text_input and visible(menu) == ["Sign in"]


def test_an_unreadable_secrets_file_is_not_taken_for_no_configuration(tmp_path: Path, monkeypatch) -> None:
    broken = tmp_path / "secrets.toml"
    broken.write_text("[access\nmode = password\n", encoding="utf-8")
    monkeypatch.setattr(access, "_secrets_files", lambda: [str(broken)])

    class Unreadable:
        def to_dict(self) -> dict[str, Any]:
            raise FileNotFoundError("cannot parse")

    monkeypatch.setattr(access.st, "secrets", Unreadable())
    with pytest.raises(ConfigError) as e:
        access.config()
    assert str(e.value) == (
        ".streamlit/secrets.toml cannot be read: check its TOML syntax (the server log names the line). "
        "Until this is fixed nobody can sign in."
    )
    monkeypatch.setattr(access, "_secrets_files", lambda: [str(tmp_path / "absent.toml")])
    assert access.config() == auth.OFF_CONFIG


# --- OpenID Connect ----------------------------------------------------------------------------


def test_oidc_without_a_signed_in_user_offers_the_providers_sign_in(app_db: Path, menu, monkeypatch) -> None:
    monkeypatch.setattr(access, "_authlib_installed", lambda: True)
    at = open_app(OIDC_SECRETS, user={"is_logged_in": False})
    assert [t.value for t in at.title] == ["Sign in to scrm"]
    assert [b.label for b in at.button] == ["Sign in with your organisation's account"]
    assert not at.text_input


def test_oidc_without_authlib_says_what_to_install_instead_of_failing_on_the_click(app_db: Path, menu, monkeypatch) -> None:
    monkeypatch.setattr(access, "_authlib_installed", lambda: False)
    at = open_app(OIDC_SECRETS, user={"is_logged_in": False})
    assert [e.value for e in at.error] == [access.AUTHLIB_MISSING]
    assert not at.button


def test_oidc_gives_the_role_of_the_email_and_logs_the_sign_in_once(app_db: Path, menu) -> None:
    at = open_app(OIDC_SECRETS, user={"is_logged_in": True, "email": "ada@example.com", "name": "Ada"})
    assert at.title[0].value == "Overview"
    assert "Signed in as **ada@example\\.com** (admin)" in [c.value for c in at.sidebar.caption]
    assert "Settings" in visible(menu)
    at.run()
    [entry] = log_rows(app_db)
    assert entry[2:6] == ("ada@example.com", "admin", "login", "ada@example.com")
    assert json.loads(entry[6])["mode"] == "oidc"


def test_oidc_refuses_an_account_of_another_domain(app_db: Path, menu) -> None:
    at = open_app(OIDC_SECRETS, user={"is_logged_in": True, "email": "eve@elsewhere.org"})
    assert [t.value for t in at.title] == ["Sign in to scrm"]
    assert [e.value for e in at.error] == [
        "Accounts of elsewhere.org may not use this scrm. Sign in with your work account, or ask an admin to "
        "allow your domain."
    ]
    assert [b.label for b in at.button] == ["Sign out"]
    assert log_rows(app_db) == []


# --- downloads ---------------------------------------------------------------------------------


def open_alerts_as(name: str) -> AppTest:
    """The Alerts page on its own (it has download buttons), with ``name`` signed in."""
    at = AppTest.from_file(str(ROOT / "pages" / "alerts.py"), default_timeout=TIMEOUT)
    at.secrets.update(PASSWORD_SECRETS)
    at.session_state["app_routed"] = True
    at.session_state[access.USER_KEY] = auth.User(name, ROLE_OF[name])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_viewer_sees_no_download_button_but_a_caption(demo_db: Path) -> None:
    at = open_alerts_as("vera")
    assert at.title[0].value == "Alerts"
    assert not at.get("download_button")
    assert access.NO_EXPORT_CAPTION in [c.value for c in at.caption]


def test_an_analysts_download_is_recorded_in_the_audit_log(demo_db: Path, fetches: dict[str, Any]) -> None:
    before = len(log_rows(demo_db))
    at = open_alerts_as("anton")
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Download CSV", "Download Excel"]
    assert len(log_rows(demo_db)) == before  # drawing the buttons records nothing
    fetches["alerts.csv"]()  # the browser fetches the file
    assert not at.exception
    rows = log_rows(demo_db)
    assert len(rows) == before + 1
    assert rows[0][2:6] == ("anton", "analyst", "export", "alerts.csv")
    assert set(json.loads(rows[0][6])) == {"rows"}


def test_a_viewer_opening_the_data_page_file_directly_is_refused(demo_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=TIMEOUT)
    at.secrets.update(PASSWORD_SECRETS)
    at.session_state["app_routed"] = True
    at.session_state[access.USER_KEY] = auth.User("vera", "viewer")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [auth.page_refusal("viewer", "Data", auth.EXPORT)]
    assert not at.title and not at.file_uploader


def test_a_session_user_claiming_a_role_the_configuration_does_not_give_gets_that_role_only(demo_db: Path) -> None:
    # The session keeps the name; the role always comes from secrets.toml.
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=TIMEOUT)
    at.secrets.update(PASSWORD_SECRETS)
    at.session_state["app_routed"] = True
    at.session_state[access.USER_KEY] = auth.User("vera", "admin")
    at.run()
    assert [e.value for e in at.error] == [auth.page_refusal("viewer", "Data", auth.EXPORT)]


# --- the example configuration -----------------------------------------------------------------


def example_option(letter: str) -> dict[str, Any]:
    """Option A or B of .streamlit/secrets.toml.example, uncommented and read as TOML."""
    import tomllib

    text = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    start = text.index(f"# --- Option {letter}:")
    end = text.index(f"# --- end of option {letter} ---")
    lines = [line[2:] if line.startswith("# ") else "" for line in text[start:end].splitlines()[1:]]
    return tomllib.loads("\n".join(lines).replace("PASTE the output of: python -m scrm hash-password", HASHES["ada"]))


def test_the_example_password_configuration_works_once_the_hashes_are_pasted() -> None:
    config = auth.parse_config(example_option("A"))
    assert config.user_roles() == [("ada", "admin"), ("anton", "analyst"), ("vera", "viewer")]
    assert auth.authenticate(config, "ada", "admin-secret-3") == auth.User("ada", "admin")


def test_the_example_oidc_configuration_works() -> None:
    config = auth.parse_config(example_option("B"))
    assert (config.mode, config.default_role, config.allowed_domains) == (auth.OIDC, "viewer", ("example.com",))
    assert config.roles == {"ada@example.com": "admin", "anton@example.com": "analyst"}


def test_the_example_copied_as_it_is_keeps_everyone_out_and_says_to_paste_a_hash() -> None:
    import tomllib

    text = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    start, end = text.index("# --- Option A:"), text.index("# --- end of option A ---")
    lines = [line[2:] if line.startswith("# ") else "" for line in text[start:end].splitlines()[1:]]
    with pytest.raises(ConfigError, match=r"\[access.users.ada\] has a password_hash that is not in the scrypt"):
        auth.parse_config(tomllib.loads("\n".join(lines)))


def test_the_real_secrets_file_is_kept_out_of_git() -> None:
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_a_download_is_recorded_when_its_file_is_fetched_not_when_the_button_is_drawn(tmp_path: Path) -> None:
    # The fetch runs outside the page's session: who and where were taken when the button was drawn.
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    built: list[str] = []

    def build() -> bytes:
        built.append("csv")
        return b"a,b\n"

    fetch = partial(access._fetch_and_record, str(path), auth.User("anton", auth.ANALYST), build, "alerts.csv", {"rows": 1})
    db = store.open_db(path)
    try:
        assert audit.read_log(db).empty and built == []
        assert fetch() == b"a,b\n"
        log = audit.read_log(db)
    finally:
        db.close()
    assert built == ["csv"]
    assert log[["actor", "role", "action", "target", "detail"]].values.tolist() == [
        ["anton", "analyst", audit.EXPORT, "alerts.csv", '{"rows": 1}']
    ]


# --- a configuration that changes under a running server (issue 10) ----------------------------------


def secrets_toml(**roles: str) -> str:
    """A password configuration of the test users named, with the roles given, as secrets.toml text."""
    lines = ["[access]", 'mode = "password"', ""]
    for name, role in roles.items():
        lines += [f"[access.users.{name}]", f'role = "{role}"', f'password_hash = "{HASHES[name]}"', ""]
    return "\n".join(lines)


@pytest.fixture
def secrets_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The secrets file the app reads, as a server reads it (``secrets.files``), and a server's ``st.secrets``
    whose file watch is gone: what deleting and re-creating the file does to a running server."""
    from streamlit.runtime.secrets import Secrets
    from streamlit.testing.v1.util import patch_config_options

    path = tmp_path / "secrets.toml"
    server_secrets = Secrets()
    server_secrets._file_watchers_installed = True  # no watcher reloads it: only scrm's own check can
    monkeypatch.setattr(streamlit, "secrets", server_secrets)
    with patch_config_options({"secrets.files": [str(path)]}):
        yield path


def rewrite(path: Path, text: str) -> None:
    """Delete the file and write it anew, as an editor's safe save or a deployment does."""
    path.unlink()
    path.write_text(text, encoding="utf-8")


def test_a_user_removed_from_a_re_created_secrets_file_is_signed_out_with_a_sentence(
    app_db: Path, menu, secrets_file: Path
) -> None:
    secrets_file.write_text(secrets_toml(vera=auth.VIEWER, ada=auth.ADMIN), encoding="utf-8")
    at = sign_in(open_app(), "vera", "viewer-secret-1")
    assert at.title[0].value == "Overview"
    rewrite(secrets_file, secrets_toml(ada=auth.ADMIN))
    at.run()
    assert [t.value for t in at.title] == ["Sign in to scrm"]
    assert [w.value for w in at.warning] == [
        access.ui.escape_markdown(
            "You were signed out: vera is no longer a user of this scrm. Ask an admin if you still need access."
        )
    ]
    assert visible(menu) == ["Sign in"]
    # ... and cannot sign in again.
    at = sign_in(at, "vera", "viewer-secret-1")
    assert [e.value for e in at.error] == [access.WRONG_CREDENTIALS]
    assert at.title[0].value == "Sign in to scrm"


def test_a_user_demoted_in_the_secrets_file_gets_the_new_role_at_the_next_click(
    app_db: Path, menu, secrets_file: Path
) -> None:
    secrets_file.write_text(secrets_toml(anton=auth.ANALYST, ada=auth.ADMIN), encoding="utf-8")
    at = sign_in(open_app(), "anton", "analyst-secret-2")
    assert "Data" in visible(menu)
    rewrite(secrets_file, secrets_toml(anton=auth.VIEWER, ada=auth.ADMIN))
    at.run()
    assert "Signed in as **anton** (viewer)" in [c.value for c in at.sidebar.caption]
    assert "Data" not in visible(menu)
    at.switch_page("pages/data.py").run()
    assert [e.value for e in at.error] == [auth.page_refusal(auth.VIEWER, "Data", auth.EXPORT)]


def test_a_deleted_secrets_file_turns_sign_in_off_and_a_new_one_on_again(app_db: Path, menu, secrets_file: Path) -> None:
    secrets_file.write_text(secrets_toml(ada=auth.ADMIN), encoding="utf-8")
    at = open_app()
    assert [t.value for t in at.title] == ["Sign in to scrm"]
    secrets_file.unlink()
    at.run()
    assert at.title[0].value == "Overview"  # no [access] section: the documented single-user mode
    secrets_file.write_text(secrets_toml(ada=auth.ADMIN), encoding="utf-8")
    at.run()
    assert [t.value for t in at.title] == ["Sign in to scrm"]


# --- the first start with sign-in on: only an admin builds the database -----------------------------


@pytest.fixture
def no_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """SCRM_DB names a file that does not exist yet; the demo build is replaced by an empty database."""
    path = tmp_path / "first" / "scrm.db"
    monkeypatch.setenv(store.ENV_DB, str(path))
    built: list[Path] = []

    def build(target: Path, *, phase: Any = None) -> bool:
        built.append(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        store.open_db(target).close()
        return True

    monkeypatch.setattr(api, "create_demo_database", build)
    return {"path": path, "built": built}


def test_with_sign_in_on_a_viewer_arriving_first_does_not_build_the_database(no_db: dict[str, Any], menu) -> None:
    at = open_app(PASSWORD_SECRETS)
    assert [t.value for t in at.title] == ["Sign in to scrm"] and no_db["built"] == []
    at = sign_in(at, "vera", "viewer-secret-1")
    assert [i.value for i in at.info] == [NO_DATABASE_YET]
    assert no_db["built"] == [] and not no_db["path"].exists()
    assert [b.label for b in at.sidebar.button] == ["Sign out"]


def test_with_sign_in_on_an_admins_sign_in_builds_the_database(no_db: dict[str, Any], menu) -> None:
    at = sign_in(open_app(PASSWORD_SECRETS), "ada", "admin-secret-3")
    assert no_db["built"] == [no_db["path"]]
    assert at.title[0].value == "Overview" and NO_DATABASE_YET not in [i.value for i in at.info]
    [entry] = log_rows(no_db["path"])
    assert entry[2:6] == ("ada", "admin", "login", "ada")


def test_with_sign_in_off_the_first_visitor_builds_the_database_as_before(no_db: dict[str, Any], menu) -> None:
    at = open_app()
    assert no_db["built"] == [no_db["path"]]
    assert at.title[0].value == "Overview"


NO_DATABASE_YET = (
    "The database does not exist yet: an admin signs in to build it with the demo data "
    "(replaced by your own on the Data page, or emptied with Start over). Come back once they have."
)


def test_the_server_config_serves_no_static_folder_no_agent_api_and_no_user_labels_on_metrics() -> None:
    import tomllib

    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert (server["enableStaticServing"], server["enableAgentApi"], server["unsafeMetricsUserAttributes"]) == (
        False, False, []
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "### What the server answers without sign-in" in readme and "`/_stcore/metrics`" in readme
    assert "### The command line is an operator's tool" in readme
