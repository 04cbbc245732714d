"""Who is signed in, the sign-in page, and the checks pages make before showing or doing something.

Access control is off until ``.streamlit/secrets.toml`` has an ``[access]``
section: then everyone is :data:`scrm.auth.LOCAL_USER` (admin) and nothing
about signing in shows. The rules (modes, roles, passwords) are pure
functions in :mod:`scrm.auth`; this module only reads ``st.secrets``,
``st.user`` and the session, and draws.

A configuration the app cannot apply safely lets nobody in and says on
screen what to fix (fail closed).

Pages use :func:`require` (refuse and stop), :func:`can` (hide a button),
:func:`export_allowed` and :func:`audited` (download buttons) and
:func:`actor`/:func:`role` (the audit log).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from scrm import api, auth, ui
from scrm.db import audit, store
from scrm.errors import ConfigError, NotFound, ScrmError
from scrm.i18n.messages import Message, message_of
from scrm.ui.language import lang, t

log = logging.getLogger(__name__)

USER_KEY = "scrm_user"  # the signed-in auth.User (password mode)
FAILURES_KEY = "auth_failures"  # wrong sign-in tries in a row in this session
LAST_FAILURE_KEY = "auth_last_failure"  # time.time() of the last wrong try
LOGIN_PENDING_KEY = "auth_login_pending"  # a sign-in not written to the audit log yet
LOGIN_SEEN_KEY = "auth_login_seen"  # OIDC: this session's sign-in is already recorded
REHASH_KEY = "auth_rehash"  # the signed-in user's password hash has older scrypt parameters

WRONG_CREDENTIALS = "The user name or password is not right. Check both and try again."
TOO_MANY_TRIES = "Too many wrong tries. Wait {n} s, then sign in again."
SIGNED_OUT = "You were signed out: {name} is no longer a user of this scrm. Ask an admin if you still need access."


# --- configuration -------------------------------------------------------------------


def _secrets_files() -> list[str]:
    try:
        from streamlit import config as st_config

        return [str(p) for p in st_config.get_option("secrets.files")]
    except Exception:  # noqa: BLE001 - only used to tell "no file" from "unreadable file"
        return [str(Path.home() / ".streamlit" / "secrets.toml"), str(Path.cwd() / ".streamlit" / "secrets.toml")]


# Streamlit parses the secrets file(s) once and re-reads them only when its
# file watcher fires. A file deleted and re-created (an editor's safe save, a
# deployment tool, `rm` then `cp`) loses that watch, and a removed user kept
# access until the server restarted. So every run stats the files (a few
# microseconds) and has Streamlit re-read them when one changed: a removed or
# demoted user is refused on their next click, whatever happened to the file.
_seen_lock = threading.Lock()
_seen: tuple[weakref.ref[Any], tuple[Any, ...]] | None = None


def _files_signature() -> tuple[Any, ...]:
    """What identifies the secrets files' contents without reading them: inode, size, times."""
    signature: list[Any] = []
    for path in _secrets_files():
        try:
            stat = os.stat(path)
        except OSError:
            signature.append((path, None))
            continue
        signature.append((path, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
    return tuple(signature)


def _refresh_secrets() -> None:
    """Make ``st.secrets`` re-read its files when they changed since this process last looked."""
    global _seen
    secrets = st.secrets
    signature = _files_signature()
    with _seen_lock:
        seen = _seen
        # Only the same Secrets object is reloaded: a test's (AppTest.secrets)
        # is new on every run and has no file behind it.
        if seen is not None and seen[0]() is secrets and seen[1] != signature:
            log.info("the secrets file changed: reading the access configuration again")
            reset = getattr(secrets, "_reset", None)
            if callable(reset):
                reset()
        _seen = (weakref.ref(secrets), signature)


def _read_secrets() -> dict[str, Any]:
    """``st.secrets`` as a plain dict, as the files are now; {} when there is no secrets file at all."""
    try:
        _refresh_secrets()
        return st.secrets.to_dict()
    except FileNotFoundError as e:  # StreamlitSecretNotFoundError: missing OR unparseable
        # A file that exists but cannot be read may hold an [access] section:
        # treating it as "no configuration" would open the app to everyone.
        existing = [f for f in _secrets_files() if Path(f).is_file()]
        if existing:
            log.error("cannot read %s: %s", existing[0], e)
            raise ConfigError(Message(
                "{file} cannot be read: check its TOML syntax (the server log names the line). "
                "Until this is fixed nobody can sign in.",
                {"file": auth.SECRETS_FILE},
            )) from e
        return {}


def config() -> auth.AccessConfig:
    """The access settings in effect; raises :class:`ConfigError` when they cannot be applied."""
    return auth.parse_config(_read_secrets())


def config_problem() -> str | None:
    """The sentence saying what to fix in secrets.toml, or None when the configuration is usable."""
    try:
        config()
    except ConfigError as e:
        return e.render(lang())
    return None


def _claims() -> dict[str, Any]:
    """What the identity provider said about the visitor (``st.user``), as a plain dict."""
    try:
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no runtime or no [auth]: nobody signed in through OIDC
        return {}


# --- who is signed in ------------------------------------------------------------------


def current_user() -> auth.User:
    """The signed-in user, the local admin when access control is off, else :data:`auth.ANONYMOUS`.

    The role is looked up in the configuration on every run, so a removed
    user or a changed role takes effect at once.
    """
    try:
        cfg = config()
    except ConfigError:
        return auth.ANONYMOUS
    stored = st.session_state.get(USER_KEY)
    if not cfg.enabled:
        # Nothing signs in while access is off; a User put in the session
        # (tests of role checks) still counts.
        return stored if isinstance(stored, auth.User) else auth.LOCAL_USER
    if cfg.mode == auth.OIDC:
        user, _reason = auth.oidc_user(cfg, _claims())
        return user or auth.ANONYMOUS
    name = stored.name if isinstance(stored, auth.User) else None
    return auth.password_user(cfg, name) or auth.ANONYMOUS


def actor() -> str:
    """The name the audit log records for the current user."""
    return current_user().name


def role() -> str:
    """The current user's role ("" for a visitor who has not signed in)."""
    return current_user().role


def can(permission: str) -> bool:
    """True when the current user may ``permission``."""
    return auth.can(role(), permission)


def require(permission: str, *, page: str | None = None) -> None:
    """Stop the page with a sentence saying what is refused and how to get it, unless allowed.

    ``page`` (the page's title) words the refusal for the whole page rather
    than for one action.
    """
    if not can(permission):
        held = role() or None
        sentence = auth.page_refusal_message(held, page, permission) if page else auth.refusal_message(held, permission)
        st.error(sentence.render(lang()), icon=":material/lock:")
        st.stop()


def signed_in() -> bool:
    """True when the visitor may see the app: access off, or signed in with a role."""
    return current_user() is not auth.ANONYMOUS


def gate() -> bool:
    """True when the app may show its pages; False when only the sign-in page may run.

    An OIDC sign-in is noted here, once per session, for the audit log.
    """
    if not signed_in():
        return False
    cfg_mode = _mode()
    if cfg_mode == auth.OIDC and not st.session_state.get(LOGIN_SEEN_KEY):
        st.session_state[LOGIN_SEEN_KEY] = True
        st.session_state[LOGIN_PENDING_KEY] = auth.OIDC
    return True


def _mode() -> str:
    try:
        return config().mode
    except ConfigError:
        return auth.OFF


def record_pending_sign_in() -> None:
    """Write this session's sign-in to the audit log once the database exists (app.py calls it)."""
    mode = st.session_state.get(LOGIN_PENDING_KEY)
    if not mode:
        return
    st.session_state[LOGIN_PENDING_KEY] = None
    user = current_user()
    _record(audit.LOGIN, user, target=user.name, detail={"mode": mode, "result": "signed in"})


def _record(
    action: str, user: auth.User, *, target: str = "", detail: str | dict[str, Any] = "", path: str | None = None
) -> None:
    """One audit entry in the app's database; a failure to log is logged, never a crash of the page."""
    try:
        path = path or ui.current_db_path()
        if not store.database_exists(path):  # first start: no database to write to yet
            log.warning("no database yet for the %s entry of the audit log (%s)", action, detail)
            return
        with ui.connection(path) as db:
            api.record_event(db, action, actor=user.name, role=user.role or None, target=target, detail=detail)
    except ScrmError:
        log.exception("could not write the %s entry of the audit log", action)


# --- the sign-in page ------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _failures_by_name() -> tuple[threading.Lock, dict[str, tuple[int, float]]]:
    """Wrong tries per user name in this process, before the database exists (first start).

    Once it exists, the counts live in it (:func:`scrm.api.reserve_sign_in`):
    across sessions, processes and restarts.
    """
    return threading.Lock(), {}


_MAX_TRACKED_NAMES = 1000


def _name_wait(name: str, now: float) -> float:
    lock, failures = _failures_by_name()
    with lock:
        count, last = failures.get(name.strip().lower(), (0, 0.0))
    return auth.seconds_to_wait(count, last, now)


def _note_name_result(name: str, ok: bool, now: float) -> None:
    lock, failures = _failures_by_name()
    key = name.strip().lower()
    with lock:
        if ok:
            failures.pop(key, None)
            return
        if key not in failures and len(failures) >= _MAX_TRACKED_NAMES:
            failures.pop(next(iter(failures)))  # the oldest entry: memory stays bounded
        count, _last = failures.get(key, (0, 0.0))
        failures[key] = (count + 1, now)


def _client_address() -> str | None:
    """The visitor's address as the server sees it (None on localhost or without a server)."""
    try:
        return st.context.ip_address
    except Exception:  # noqa: BLE001 - no runtime (bare mode): no address
        return None


class _Try:
    """One sign-in try's turn: counted in the database when it exists, else in this process."""

    def __init__(self, name: str, client: str | None, now: float) -> None:
        self.name, self.client, self.now = name, client, now
        self.path = ui.current_db_path()
        self.in_db = store.database_exists(self.path)
        self.reservation: Any = None

    def wait(self) -> float:
        """Seconds to wait before this try may check its password (0.0: checked now, counted as wrong)."""
        if not self.in_db:
            return _name_wait(self.name, self.now)
        with ui.connection(self.path) as db:
            self.reservation = api.reserve_sign_in(db, self.name, self.client, now=self.now)
        return float(self.reservation.wait)

    def failed(self) -> None:
        if not self.in_db:
            _note_name_result(self.name, ok=False, now=time.time())
            return
        try:
            with ui.connection(self.path) as db:
                api.sign_in_failed(db, self.reservation)
        except ScrmError:
            log.exception("could not write the lockout entry of the audit log")

    def succeeded(self) -> None:
        if not self.in_db:
            _note_name_result(self.name, ok=True, now=time.time())
            return
        try:
            with ui.connection(self.path) as db:
                api.sign_in_succeeded(db, self.name, self.client)
        except ScrmError:  # the count stays and ends with its window; the sign-in stands
            log.exception("could not clear the wrong sign-in tries")


def _removed_sentence(cfg: auth.AccessConfig) -> str | None:
    """Why a user signed in in this session is signed out now (removed from the configuration), once."""
    stored = st.session_state.get(USER_KEY)
    if not isinstance(stored, auth.User) or auth.password_user(cfg, stored.name) is not None:
        return None
    st.session_state[USER_KEY] = None
    return t(SIGNED_OUT, name=stored.name)


def sign_in_page() -> None:
    """The one page an anonymous visitor gets: the sign-in form, or what to fix in the configuration."""
    st.title(t("Sign in to scrm"))
    problem = config_problem()
    if problem:
        st.error(ui.escape_markdown(problem), icon=":material/key_off:")
        return
    cfg = config()
    if cfg.mode == auth.OIDC:
        _oidc_sign_in(cfg)
    else:
        _password_sign_in(cfg)


def _password_sign_in(cfg: auth.AccessConfig) -> None:
    now = time.time()
    wait = auth.seconds_to_wait(
        int(st.session_state.get(FAILURES_KEY, 0)), float(st.session_state.get(LAST_FAILURE_KEY, 0.0)), now
    )
    if removed := _removed_sentence(cfg):
        st.warning(ui.escape_markdown(removed), icon=":material/person_off:")
    st.caption(t("This scrm is shared by a team: sign in with the user name and password your admin gave you."))
    # clear_on_submit: the password does not stay in the widget (nor in the session) after a try.
    with st.form("auth_sign_in", clear_on_submit=True, enter_to_submit=True, width=420):
        name = st.text_input(t("User name"), key="auth_name", autocomplete="username")
        password = st.text_input(t("Password"), type="password", key="auth_password", autocomplete="current-password")
        submitted = st.form_submit_button(t("Sign in"), type="primary", icon=":material/login:")
    if not submitted:
        return
    # The session's own count first (no database write), then the name's and
    # the address's, counted in the database before the password is checked.
    attempt = _Try(name, _client_address(), now)
    if wait <= 0:
        try:
            wait = attempt.wait()
        except ScrmError as e:  # the count cannot be read or written: no password is checked
            ui.show_error(e)
            return
    if wait > 0:
        st.error(t(TOO_MANY_TRIES, n=math.ceil(wait)), icon=":material/timer:")
        return
    user = auth.authenticate(cfg, name, password)
    if user is None:
        # Slows guessing down; the form stays keyboard-friendly for a typo.
        time.sleep(auth.FAILURE_DELAY_SECONDS)
        st.session_state[FAILURES_KEY] = int(st.session_state.get(FAILURES_KEY, 0)) + 1
        st.session_state[LAST_FAILURE_KEY] = time.time()
        attempt.failed()  # logs the try that reached the limit
        st.error(t(WRONG_CREDENTIALS), icon=":material/error:")
        return
    st.session_state[USER_KEY] = user
    st.session_state[FAILURES_KEY] = 0
    st.session_state[LOGIN_PENDING_KEY] = auth.PASSWORD
    # The hash lives in secrets.toml, which the app never writes: it cannot be
    # upgraded here, so the admin is told (log and sidebar) how to do it.
    st.session_state[REHASH_KEY] = auth.user_needs_rehash(cfg, user.name)
    if st.session_state[REHASH_KEY]:
        log.warning("%s", auth.rehash_advice(user.name))
    attempt.succeeded()
    st.rerun()


AUTHLIB_MISSING = (
    'Sign-in through your identity provider needs the Authlib package: run pip install "Authlib>=1.6.9" '
    "on the server, then restart scrm."
)


def _authlib_installed() -> bool:
    return importlib.util.find_spec("authlib") is not None


def _oidc_sign_in(cfg: auth.AccessConfig) -> None:
    claims = _claims()
    if not claims.get("is_logged_in") and not _authlib_installed():
        # st.login would fail on the click with a traceback; say it before.
        st.error(t(AUTHLIB_MISSING), icon=":material/key_off:")
        return
    args = (cfg.provider,) if cfg.provider else ()
    if claims.get("is_logged_in"):
        _user, reason = auth.oidc_user(cfg, claims)
        said = message_of(reason)
        st.error(said.render(lang()) if said else reason, icon=":material/lock:")
        st.button(t("Sign out"), on_click=st.logout, icon=":material/logout:", key="auth_oidc_sign_out")
        return
    st.caption(t("This scrm is shared by a team: sign in with your organisation's account."))
    st.button(
        t("Sign in with your organisation's account"), on_click=st.login, args=args, type="primary",
        icon=":material/login:", key="auth_oidc_sign_in",
    )


# --- the sidebar -----------------------------------------------------------------------


def _sign_out() -> None:
    st.session_state[USER_KEY] = None
    st.session_state[LOGIN_SEEN_KEY] = False
    st.session_state[REHASH_KEY] = False


def _rehash_notice(user: auth.User) -> None:
    """Tell an admin who signed in with an old-parameter hash how to make a new one (gone once it is replaced)."""
    if not st.session_state.get(REHASH_KEY) or not auth.can(user.role, auth.SETTINGS):
        return
    try:
        still_old = auth.user_needs_rehash(config(), user.name)
    except ConfigError:
        return
    if still_old:
        advice = auth.rehash_advice(user.name)
        said = message_of(advice)
        st.sidebar.warning(ui.escape_markdown(said.render(lang()) if said else advice), icon=":material/key:")


def sidebar_account() -> None:
    """"Signed in as NAME (role)" and a sign-out button; nothing when access control is off."""
    mode = _mode()
    if mode == auth.OFF:
        return
    user = current_user()
    st.sidebar.caption(t("Signed in as **{name}** ({role})", name=ui.escape_markdown(user.name), role=user.role))
    if mode == auth.OIDC:
        st.sidebar.button(t("Sign out"), on_click=st.logout, icon=":material/logout:", key="auth_sign_out")
    else:
        st.sidebar.button(t("Sign out"), on_click=_sign_out, icon=":material/logout:", key="auth_sign_out")
        _rehash_notice(user)


# --- downloads -------------------------------------------------------------------------

NO_EXPORT_CAPTION = "Downloads need the analyst or admin role; ask an admin if you need this data."


def export_allowed(container: Any = None) -> bool:
    """True when the current user may download; otherwise a one-line caption in its place."""
    if can(auth.EXPORT):
        return True
    (container or st).caption(t(NO_EXPORT_CAPTION))
    return False


def audited(data: Any, file_name: str, *, person: str | None = None, **detail: Any) -> Callable[[], Any]:
    """A download button's ``data`` that records the export when the browser fetches the file.

    Recorded at fetch time rather than by an ``on_click`` callback: a callback
    reruns the page, and the rerun can retire the file before the browser has
    fetched it, so the download is lost. Use with ``on_click="ignore"``. Who is
    downloading and from which database are read now, while the page runs:
    the fetch itself runs outside the page's session. ``data`` may be the
    content or a function that builds it (then built only when fetched).

    ``person``: the customer id the file is about. A page drawn before that
    person was erased keeps its button; fetched after the erasure, the file is
    empty and nothing is recorded (no audit entry naming them follows the
    erasure's).
    """
    return partial(_fetch_and_record, ui.current_db_path(), current_user(), data, file_name, detail, person)


def _fetch_and_record(
    path: str, user: auth.User, data: Any, file_name: str, detail: dict[str, Any], person: str | None = None
) -> Any:
    if person is None:
        _record(audit.EXPORT, user, target=file_name, detail=detail, path=path)
    else:
        with ui.connection(path) as db:
            held = api.record_person_download(
                db, person, file_name, actor=user.name, role=user.role or None, detail=detail
            )
        if not held:
            log.warning("a download about an erased customer was fetched from a page drawn before: nothing sent")
            return b""
    return data() if callable(data) else data


def audited_person_export(customer_id: str) -> Callable[[], bytes]:
    """A download button's ``data`` for everything held about one customer (``scrm-person-export/1``).

    Built from the database when the browser fetches the file, and recorded
    with it in one transaction (:func:`scrm.api.export_person`): a Privacy
    page opened before the person was erased gets an empty file, and no audit
    entry naming them is written after the erasure's. Nothing of the person
    is held in the session or a cache meanwhile. Use with ``on_click="ignore"``.
    """
    return partial(_fetch_person_export, ui.current_db_path(), current_user(), customer_id)


def _fetch_person_export(path: str, user: auth.User, customer_id: str) -> bytes:
    try:
        with ui.connection(path) as db:
            text = api.export_person(db, customer_id, actor=user.name, role=user.role or None)
    except NotFound:
        log.warning("a person export was fetched after that person was erased: nothing sent, nothing recorded")
        return b""
    return text.encode("utf-8")


# --- the audit log -----------------------------------------------------------------------


def load_audit_log(
    db_path: str, data_version: int, actions: tuple[str, ...], actor: str | None, limit: int
) -> pd.DataFrame:
    """The newest audit entries (:func:`scrm.db.audit.read_log`), read fresh: entries do not bump the data version."""
    with ui.connection(db_path) as db:
        return audit.read_log(db, actions=actions or None, actor=actor, limit=limit)
