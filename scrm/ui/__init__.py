"""The only Streamlit code inside scrm: cached loaders and small shared widgets.

Cache design
------------
Every loader is ``@st.cache_data`` keyed on ``(db_path, data_version, ...filters)``
and calls one engine function. ``scrm.db.store.transaction`` bumps the data
version in the same commit as every write, so after an import, a clear or a
demo rebuild the next rerun asks for a new key and never sees stale figures;
nothing has to clear a cache by hand. Old entries age out through
``max_entries``.

Connections are opened per call (:func:`connection`) and closed at once
rather than shared through ``st.cache_resource``: sqlite3 connections with
``check_same_thread=False`` may cross threads but not be used by two at the
same time, and ``store.transaction`` decides "outer or nested" from the
connection's ``in_transaction`` flag, so a connection shared by two
sessions would let one user's import swallow another's write. Opening a
file costs well under a millisecond, which is noise next to a rerun, and a
cache hit opens nothing but the version read.

Untrusted text (file names, headers, mention texts) never goes into
markdown unescaped: see :func:`escape_markdown`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlite_utils
import streamlit as st

from scrm.db import store
from scrm.ingest import Preview, preview_file
from scrm.views import data as browse

log = logging.getLogger("scrm.ui")

# What write_lock returns: a ``with`` block (threading.Lock, or a server lock on PostgreSQL).
WriteLock = AbstractContextManager[Any]

# Entries per loader: a few data versions times a few filters is plenty,
# and it bounds memory on a server that sees many imports.
_MAX_ENTRIES = 16


def current_db_path() -> str:
    """The database path of this server as an absolute string (the cache key); a PostgreSQL URL as it is."""
    if store.is_url(store.default_db_path()):
        return store.database_url()
    return str(store.default_db_path().resolve())


@contextmanager
def connection(db_path: str) -> Iterator[sqlite_utils.Database]:
    """An open scrm database for the length of a ``with`` block.

    The file must exist (the app creates or builds it on start); a missing
    file raises :class:`scrm.errors.ConfigError` with what to do.
    """
    db = store.open_db(db_path, create=False)
    try:
        yield db
    finally:
        db.close()


def current_version(db_path: str | None = None) -> int:
    """The data version of the database now: the second half of every cache key."""
    with connection(db_path or current_db_path()) as db:
        return store.data_version(db)


@st.cache_resource(show_spinner=False)
def write_lock(db_path: str) -> WriteLock:
    """One lock per database for the app's long writes (demo build, clear).

    SQLite serialises writers anyway; the lock makes a second session wait
    for the first to finish instead of failing with "database is locked"
    after the busy timeout, and keeps two first-start demo builds apart.
    On PostgreSQL it is an advisory lock of the server, so it also keeps
    apart the app servers, collectors and workers of other machines.
    """
    return store.long_write_lock(db_path)


# --- the first start's demo build ------------------------------------------------

Report = Callable[[float, str], None]
# A build: called with ``phase(name) -> progress callback``, returns whether it fully succeeded.
Build = Callable[[Callable[[str], Report]], bool]


@dataclass(frozen=True)
class BuildStatus:
    """One consistent copy of a background build's state, for one script run to draw."""

    generation: int  # bumped by every start; 0 = never started
    state: str  # "idle", "running", "done" or "failed"
    phases: tuple[tuple[str, float, str], ...] = ()  # (phase, fraction, message), in the order they began
    complete: bool = False  # what the build returned ("done" without scores is False)


class BackgroundBuild:
    """One long build per database, run by a thread of the server process instead of a visitor's script run.

    Streamlit stops a script run when its tab closes (at the next ``st.*`` call), which cut the
    first start's build short; a thread owned by the server goes on, and every session of the
    same database attaches to it instead of starting another. The thread only stores numbers
    and text (no ``st.*`` call runs in it); script runs read them through :meth:`status`.
    A failed build does not block: the next :meth:`start` runs it again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the fields below, held for microseconds
        self._generation = 0
        self._state = "idle"
        self._phases: dict[str, tuple[float, str]] = {}
        self._complete = False
        self._thread: threading.Thread | None = None

    def status(self) -> BuildStatus:
        with self._lock:
            phases = tuple((name, *value) for name, value in self._phases.items())
            return BuildStatus(self._generation, self._state, phases, self._complete)

    def start(self, build: Build, *, write_lock: WriteLock, name: str = "scrm-build") -> int:
        """Run ``build`` in a new thread unless one is running; the generation to watch either way.

        The thread holds ``write_lock`` (the database's, see :func:`write_lock`) while it builds.
        """
        with self._lock:
            if self._state != "running":
                self._generation += 1
                self._state, self._phases, self._complete = "running", {}, False
                # A daemon: stopping the server does not wait for a build, and the next
                # start begins it again (a cut build leaves no half-filled database).
                self._thread = threading.Thread(
                    target=self._run, args=(build, write_lock, self._generation), name=name, daemon=True
                )
                self._thread.start()
            return self._generation

    def _run(self, build: Build, write_lock: WriteLock, generation: int) -> None:
        try:
            with write_lock:
                complete = build(self._phase)
        except Exception:
            log.exception("the background build failed")
            state, complete = "failed", False
        else:
            state = "done"
        with self._lock:
            if self._generation == generation:
                self._state, self._complete = state, bool(complete)

    def _phase(self, name: str) -> Report:
        with self._lock:
            self._phases[name] = (0.0, "Starting")

        def report(fraction: float, message: str) -> None:
            with self._lock:
                self._phases[name] = (min(max(float(fraction), 0.0), 1.0), str(message))

        return report

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running build's thread (tests and the command line)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)


@st.cache_resource(show_spinner=False)
def demo_build(db_path: str) -> BackgroundBuild:
    """The first start's demo build of ``db_path``: one per database and server process, shared by every session."""
    return BackgroundBuild()


# --- routing ---------------------------------------------------------------------

ROUTED_KEY = "app_routed"
NEXT_PAGE_KEY = "app_next_page"


def ensure_routed(page_path: str) -> None:
    """Send a page run that skipped ``app.py`` through it, then back to ``page_path``.

    Streamlit decides per process, on its first script run, whether the app
    is an old-style ``pages/`` folder app; until ``st.navigation`` has run
    once, a browser that opens ``/data`` directly after a server start gets
    ``pages/data.py`` run on its own: no session defaults, no error funnel,
    no sidebar. ``app.py`` marks every run it routes; a page without the
    mark asks ``app.py`` to run and to come back here.
    """
    if not st.session_state.get(ROUTED_KEY):
        st.session_state[NEXT_PAGE_KEY] = page_path
        # The link's filters and mask go along, or a shared link would lose them.
        st.switch_page("app.py", query_params=st.query_params.to_dict())


# --- cached loaders ----------------------------------------------------------
# ``data_version`` is unused in the bodies on purpose: it is part of the key.


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_summary(db_path: str, data_version: int) -> browse.DataSummary:
    """Counts, revenue and date coverage (:func:`scrm.views.data.summarise`), stored per data
    version (every page's sidebar shows it: seconds of scans at a million rows)."""
    with connection(db_path) as db:
        return browse.stored_summary(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_is_demo(db_path: str, data_version: int) -> bool:
    """Whether the database holds the demo dataset."""
    with connection(db_path) as db:
        return store.is_demo(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Counting orders and mentions per week…")
def load_weekly_activity(db_path: str, data_version: int) -> pd.DataFrame:
    """Orders and mentions per week (:func:`scrm.views.data.weekly_activity`)."""
    with connection(db_path) as db:
        return browse.weekly_activity(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_import_history(db_path: str, data_version: int, limit: int = 200) -> pd.DataFrame:
    """The newest imports first (:func:`scrm.views.data.import_history`)."""
    with connection(db_path) as db:
        return browse.import_history(db, limit=limit)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_quarantine_imports(db_path: str, data_version: int) -> pd.DataFrame:
    """Imports with quarantined rows (:func:`scrm.views.data.quarantine_imports`)."""
    with connection(db_path) as db:
        return browse.quarantine_imports(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_quarantine_rows(
    db_path: str, data_version: int, import_id: int | None = None, limit: int | None = None, messages: bool = False
) -> pd.DataFrame:
    """Quarantined rows, optionally of one import (:func:`scrm.views.data.quarantine_rows`)."""
    with connection(db_path) as db:
        return browse.quarantine_rows(db, import_id=import_id, limit=limit, messages=messages)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_counts(db_path: str, data_version: int) -> dict[str, int]:
    """Rows per table (:func:`scrm.db.store.counts`)."""
    with connection(db_path) as db:
        return store.counts(db)


# Previews are per session (the file is this user's upload) and keyed on the
# uploader's file id, which is new for every upload, instead of hashing the
# bytes of a large file on every rerun.
@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Reading the file…", scope="session")
def load_preview(file_id: str, file_name: str, preset: str | None, _data: bytes) -> Preview:
    """Detected kind, headers, proposed mapping and first rows of an uploaded file."""
    return preview_file(_data, file_name, mapping=preset)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False, scope="session")
def load_preset_suggestion(file_id: str, _sample: pd.DataFrame) -> str | None:
    """The preset that fits an uploaded file (:func:`scrm.ui.data.suggest_preset`)."""
    from scrm.ui.data import suggest_preset

    return suggest_preset(_sample)


# --- small shared widgets ----------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=])")


def escape_markdown(text: object) -> str:
    """``text`` made inert for Streamlit markdown (labels, captions, progress text).

    Every markdown-significant ASCII punctuation mark gets a backslash, which
    CommonMark allows before any punctuation; ``:`` and ``[`` are included so
    emoji short codes, icons and ``:red[...]`` colours cannot be injected.
    Line breaks become spaces: a label is one line.

    >>> escape_markdown("**x**_y")
    '\\\\*\\\\*x\\\\*\\\\*\\\\_y'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def show_error(error: object, *, kept_input: bool = False) -> None:
    """A caught error as the one red box every page uses: its sentence in the reader's language,
    escaped (it quotes file names, cells and ids), never as markdown.

    ``kept_input``: the error came from saving a form whose widgets still hold
    what the person typed; when the database was only busy, the box says so,
    and that saving again in a moment is all it takes.
    """
    from scrm.errors import DatabaseBusy
    from scrm.ui.language import lang, t

    text = error_text(error, lang())
    if kept_input and isinstance(error, DatabaseBusy):
        text += " " + t(FORM_KEPT)
    st.error(escape_markdown(text), icon=":material/error:")


def error_text(error: object, lang: str) -> str:
    """An error's sentence in ``lang``: a :class:`~scrm.errors.ScrmError` raised with a message, or the
    :class:`~scrm.i18n.messages.Message` itself, is written in the reader's language; anything else is
    its text as it is."""
    from scrm.errors import ScrmError
    from scrm.i18n.messages import Message

    if isinstance(error, Message):
        return error.render(lang)
    return error.render(lang) if isinstance(error, ScrmError) else str(error)


# Said under a busy-database error on a form: nothing typed is lost.
FORM_KEPT = "What you entered is still in the form: press its button again in a moment."


def format_number(value: float, *, money: bool = False, lang: str | None = None) -> str:
    """A metric tile's value: exact below a million, then ``1.23M`` (tiles are narrow), in the reader's locale.

    Money keeps cents below 10,000, where they still mean something. ``lang``: the reader's by default.

    >>> format_number(1234, lang="en"), format_number(1_234_567, lang="en"), format_number(14.5, money=True, lang="en")
    ('1,234', '1.23M', '14.50')
    >>> format_number(762497, lang="es"), format_number(945.43, money=True, lang="fr"), format_number(1_234_567, lang="es")
    ('762.497', '945,43', '1,23\\xa0M')
    """
    if lang is None:
        from scrm.ui.language import lang as reader_language

        lang = reader_language()
    if lang != "en":
        from scrm.i18n import formats as F

        size = abs(value)
        for cut, suffix in ((1e9, "\u00a0Md" if lang == "fr" else "\u00a0mil\u00a0M"), (1e6, "\u00a0M")):
            if size >= cut:
                return F.format_number(value / cut, lang, decimals=2) + suffix
        return F.format_number(value, lang, decimals=2 if money and size < 10_000 else 0)
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:,.2f}B"
    if size >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if money and size < 10_000:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def format_timestamp(value: str | None) -> str:
    """A stored UTC timestamp as ``2024-03-01 14:05 UTC`` (or "never", in the reader's language)."""
    if not value:
        from scrm.ui.language import t

        return t("never")
    return f"{value[:16].replace('T', ' ')} UTC"
