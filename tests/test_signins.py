"""Sign-in throttling counted in the database (issue 10): wrong tries of one name or one address
pause the sign-in across sessions, processes, restarts and tries sent at once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrm import api, auth
from scrm.db import audit, signins, store
from scrm.ui import auth as access

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "admin-secret-3"
HASH = auth.hash_password(PASSWORD)
CONFIG = auth.AccessConfig(mode=auth.PASSWORD, users={"ada": (auth.ADMIN, HASH)})
SECRETS = {"access": {"mode": "password", "users": {"ada": {"role": "admin", "password_hash": HASH}}}}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "scrm.db"
    store.open_db(target).close()
    return target


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords checked against a hash, in order; each check takes a while, as scrypt does."""
    checked: list[str] = []
    lock = threading.Lock()
    original = auth.verify_password

    def counting(password: str, stored: str) -> bool:
        with lock:
            checked.append(password)
        time.sleep(0.02)
        return original(password, stored)

    monkeypatch.setattr(auth, "verify_password", counting)
    return checked


def try_sign_in(path: Path, name: str, password: str, client: str | None = None) -> str:
    """One try as the sign-in page makes it, on its own connection: "wait", "wrong" or "in"."""
    db = store.open_db(path, create=False)
    try:
        turn = api.reserve_sign_in(db, name, client)
        if turn.wait > 0:
            return "wait"
        if auth.authenticate(CONFIG, name, password) is None:
            api.sign_in_failed(db, turn)
            return "wrong"
        api.sign_in_succeeded(db, name, client)
        return "in"
    finally:
        db.close()


def test_twelve_wrong_passwords_sent_at_once_get_at_most_five_checks(path: Path, checks: list[str]) -> None:
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda i: try_sign_in(path, "ada", f"guess-{i}"), range(12)))
    assert len(checks) <= auth.MAX_FAILURES
    assert results.count("wrong") == len(checks) and results.count("wait") == 12 - len(checks)
    # The right password waits too, unchecked, and the pause was logged once.
    assert try_sign_in(path, "ada", PASSWORD) == "wait"
    assert len(checks) <= auth.MAX_FAILURES
    db = store.open_db(path, create=False)
    try:
        log = audit.read_log(db)
    finally:
        db.close()
    assert log[["actor", "action", "detail"]].values.tolist() == [
        ["anonymous", audit.LOGIN, "5 wrong sign-in tries in a row; sign-in paused for 60 s"]
    ]


def test_the_pause_outlives_the_connection_and_the_process(path: Path, checks: list[str]) -> None:
    started = time.monotonic()
    for i in range(auth.MAX_FAILURES):
        assert try_sign_in(path, "Ada", f"guess-{i}") == "wrong"  # names count case-insensitively
    # Another process (a second server, or the same after a restart) reads the same count.
    code = (
        "import sys; from scrm import api; from scrm.db import store\n"
        "db = store.open_db(sys.argv[1], create=False)\n"
        "print(round(api.reserve_sign_in(db, 'ada').wait))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT, check=True)
    # The pause counts from the last wrong try: what is left is the window less the time spent since.
    spent = time.monotonic() - started
    assert auth.LOCKOUT_SECONDS - spent - 1 <= int(done.stdout.strip()) <= auth.LOCKOUT_SECONDS
    assert try_sign_in(path, "ada", PASSWORD) == "wait"
    assert len(checks) == auth.MAX_FAILURES


def test_the_pause_ends_after_the_window_and_a_right_password_clears_the_count(path: Path) -> None:
    db = store.open_db(path, create=False)
    try:
        for _ in range(auth.MAX_FAILURES):
            assert api.reserve_sign_in(db, "ada", now=1000.0).wait == 0.0
        assert api.reserve_sign_in(db, "ada", now=1030.0).wait == pytest.approx(30.0)
        later = api.reserve_sign_in(db, "ada", now=1000.0 + auth.LOCKOUT_SECONDS + 1)
        assert later.wait == 0.0
        api.sign_in_succeeded(db, "ada")
        assert signins.failures(db, signins.name_subject("ada")) == 0
    finally:
        db.close()


def test_one_address_guessing_many_names_is_paused_later_than_one_name(path: Path) -> None:
    db = store.open_db(path, create=False)
    try:
        waits = [api.reserve_sign_in(db, f"user{i}", "203.0.113.9", now=1000.0).wait for i in range(auth.MAX_CLIENT_FAILURES + 1)]
        assert waits == [0.0] * auth.MAX_CLIENT_FAILURES + [auth.LOCKOUT_SECONDS]
        # Another address is not held up by it.
        assert api.reserve_sign_in(db, "user0", "198.51.100.7", now=1000.0).wait == 0.0
    finally:
        db.close()


def test_sign_in_tries_do_not_change_the_data_version(path: Path) -> None:
    db = store.open_db(path, create=False)
    try:
        before = store.data_version(db)
        turn = api.reserve_sign_in(db, "ada")
        api.sign_in_failed(db, turn)
        api.sign_in_succeeded(db, "ada")
        assert store.data_version(db) == before
    finally:
        db.close()


def test_wrong_tries_in_one_browser_session_pause_another(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.ENV_DB, str(path))
    monkeypatch.setattr(auth, "FAILURE_DELAY_SECONDS", 0.0)
    access._failures_by_name.clear()

    def session() -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.secrets.update(SECRETS)
        at.run()
        return at

    def sign_in(at: AppTest, password: str) -> AppTest:
        at.text_input(key="auth_name").input("ada")
        at.text_input(key="auth_password").input(password)
        at.button[0].click().run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    first = session()
    for i in range(auth.MAX_FAILURES):
        sign_in(first, f"guess-{i}")
    # A new tab, and a server restart (the process's memory cleared): still paused.
    access._failures_by_name.clear()
    second = sign_in(session(), PASSWORD)
    messages = [e.value for e in second.error]
    assert len(messages) == 1 and re.fullmatch(r"Too many wrong tries\. Wait (\d+) s, then sign in again\.", messages[0])
    assert 0 < int(re.findall(r"\d+", messages[0])[0]) <= auth.LOCKOUT_SECONDS
    assert second.title[0].value == "Sign in to scrm"


def test_a_schema_3_database_gains_the_sign_in_table_and_keeps_its_rows(path: Path) -> None:
    from scrm.db import schema as S

    db = store.open_db(path)
    api.record_event(db, audit.LOGIN, actor="ada", target="ada")
    db.execute(f"DROP TABLE {S.SIGN_IN_FAILURES}")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.conn.commit()
    db.close()
    db = store.open_db(path)
    try:
        assert store.get_meta(db, "schema_version") == str(S.SCHEMA_VERSION)
        assert api.reserve_sign_in(db, "ada").wait == 0.0
        assert len(audit.read_log(db)) == 1
    finally:
        db.close()
