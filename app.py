"""scrm: the Streamlit entry point.

Only a router: page config, logging, session defaults, the sign-in gate
(when a team turned access control on), the database (built as a scored demo
on first start), the global sidebar (account, demo badge, filters, privacy
switch, status), then ``st.navigation`` over the pages the user's role may
see, inside ONE error funnel. Pages render; the engine in ``scrm/`` does the work.

Run with ``streamlit run app.py`` (the database is ``$SCRM_DB`` or
``data/scrm.db``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import streamlit as st

from scrm import api, auth, ui
from scrm.db import store
from scrm.errors import ScrmError
from scrm.ui import auth as access
from scrm.ui import filters as ui_filters
from scrm.ui import language as ui_lang
from scrm.ui import masking as ui_privacy
from scrm.ui import settings as ui_settings

# The icon is a file of ours: a `:material/...:` page icon makes the browser fetch it from a
# third-party server, and nothing of a self-hosted app may reach one on its own.
ICON = Path(__file__).resolve().parent / "data" / "scrm-icon.png"
st.set_page_config(page_title="scrm", page_icon=str(ICON), layout="wide")

# Configured once per process: basicConfig is a no-op when the root logger
# already has handlers (a rerun, or a host that set up logging itself).
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("scrm.app")

# Session state: ids, filters and versions only, keys prefixed by page.
SESSION_DEFAULTS: dict[str, object] = {
    "data_quarantine_import": 0,  # import id shown in the quarantine browser, 0 = all
    "data_results": {},  # uploaded file id -> summary of its import in this session
    "data_round": 0,  # bumped after "start over": fresh uploader and confirmation box
    "data_flash": None,  # one-shot message after a rerun ("The database is empty.")
}
for key, value in SESSION_DEFAULTS.items():
    if key not in st.session_state:
        st.session_state[key] = value.copy() if isinstance(value, dict) else value


# The first start builds the demo in a thread of the server process (scrm.ui.demo_build), not
# in the visitor's script run, which Streamlit stops when the tab closes: every session of the
# database attaches to the same build and polls its progress; a closed tab leaves it running.
FIRST_START_KEY = "app_first_start"  # the generation of the demo build this session watches
POLL_SECONDS = 0.5
WELCOME = "Welcome to scrm: building a demo database to explore…"
CLOSE_TAB_CAPTION = "You can close this tab: the build goes on and the next visit shows it."
BUILD_FAILED = "The demo database could not be built. Reload the page to try again; the details are in the server log."
SCORES_FAILED = (
    "The demo data is ready, but its scores could not be computed. "
    "Use Recompute now on the Settings page to compute them; the details are in the server log."
)
PHASE_LABELS = {
    "build": "Generating customers, orders, mentions and surveys",
    "score": "Scoring sentiment, profiles, values, topics, segments, roles, journeys and alerts",
}


def _demo_builder(path: Path) -> ui.Build:
    """The build the background thread runs: the scored demo at ``path`` (True when scored)."""

    def build(phase: Callable[[str], ui.Report]) -> bool:
        if store.database_exists(path):  # built meanwhile by someone else (the command line)
            return True
        return api.create_demo_database(path, phase=phase)

    return build


def _build_panel(status: ui.BuildStatus) -> None:
    """The status panel of the demo build: its phases' progress bars, then how it ended."""
    state: Literal["running", "complete", "error"]
    if status.state == "running":
        label, state, expanded = WELCOME, "running", True
    elif status.complete:
        label, state, expanded = "Demo database ready", "complete", False
    else:
        label, state, expanded = "Demo database ready, without scores", "error", True
    with st.status(label, state=state, expanded=expanded):
        for name, fraction, message in status.phases or (("build", 0.0, "Starting"),):
            st.write(PHASE_LABELS.get(name, name))
            st.progress(fraction, text=ui.escape_markdown(message))
        if status.state == "done" and not status.complete:
            st.warning(SCORES_FAILED, icon=":material/warning:")


def _first_start(path: Path) -> bool:
    """Whether the app can be shown: builds the scored demo on a fresh install, visibly.

    The build runs in a server thread; this run starts it (or attaches to the one running),
    draws its progress and reruns every ``POLL_SECONDS`` until it ends. The session that
    watched it shows how it ended; a failure is one sentence (the reason is in the log), and
    the next visit starts the build again.
    """
    watched = st.session_state.get(FIRST_START_KEY)
    if store.database_exists(path) and watched is None:
        return True  # the usual run
    db_key = ui.current_db_path()
    job = ui.demo_build(db_key)
    status = job.status()
    if status.state == "running":
        watched = status.generation  # another tab's build, or this one's from an earlier visit
    elif not store.database_exists(path) and not (status.state == "failed" and status.generation == watched):
        # Entries cached for an earlier file at this path must not be served for the new one.
        st.cache_data.clear()
        watched = job.start(_demo_builder(path), write_lock=ui.write_lock(db_key), name="scrm-demo-build")
        status = job.status()
    st.session_state[FIRST_START_KEY] = watched
    if status.state == "running":
        access.sidebar_account()
        _build_panel(status)
        st.caption(CLOSE_TAB_CAPTION)
        time.sleep(POLL_SECONDS)
        st.rerun()
    del st.session_state[FIRST_START_KEY]
    if status.state == "failed":
        access.sidebar_account()
        st.error(BUILD_FAILED, icon=":material/error:")
        return False
    st.cache_data.clear()
    if status.generation == watched and status.state == "done":
        _build_panel(status)
    return True


NO_DATABASE_YET = (
    "The database does not exist yet: an admin signs in to build it with the demo data "
    "(replaced by your own on the Data page, or emptied with Start over). Come back once they have."
)


def _sidebar() -> None:
    """The global sidebar under the page list: demo badge, privacy switch, filters, status."""
    access.sidebar_account()
    ui_lang.language_selector()
    path = ui.current_db_path()
    version = ui.current_version(path)
    if ui.load_is_demo(path, version):
        st.sidebar.badge(
            ui_lang.t("Demo data"),
            icon=":material/science:",
            color="orange",
            help=ui_lang.t("Generated sample data. Replace it on the Data page (Start over)."),
        )
    # The switch above the filters: it must be at hand, unscrolled, before a screen is shared.
    ui_privacy.privacy_switch()
    ui_filters.sidebar_filters()
    st.sidebar.divider()
    # After a change made in the app, the scores catch up in a server thread: no page waits, nobody types a command.
    ui_settings.keep_scores_fresh(path, version)
    ui_settings.sidebar_status(path, version)
    summary = ui.load_summary(path, version)
    st.sidebar.caption(
        ui_lang.t("Data version {version} · last import {when}", version=version, when=ui.format_timestamp(summary.last_import_at))
        + "  \n"
        + ui_lang.t("Database: {name}", name=ui.escape_markdown(Path(path).name))
    )


# The page list, in menu order.
PAGES: list[tuple[str, str, str]] = [
    ("pages/overview.py", "Overview", ":material/dashboard:"),
    ("pages/listening.py", "Listening", ":material/forum:"),
    ("pages/segments.py", "Segments", ":material/donut_small:"),
    ("pages/customer.py", "Customer 360", ":material/person_search:"),
    ("pages/journey.py", "Journey", ":material/route:"),
    ("pages/advocates.py", "Advocates & detractors", ":material/campaign:"),
    ("pages/alerts.py", "Alerts", ":material/notifications_active:"),
    ("pages/cases.py", "Rescue queue", ":material/support_agent:"),
    ("pages/rules.py", "Workflow rules", ":material/rule:"),
    ("pages/identity.py", "Identity review", ":material/how_to_reg:"),
    ("pages/privacy.py", "Privacy requests", ":material/shield_person:"),
    ("pages/data.py", "Data", ":material/upload_file:"),
    ("pages/sources.py", "Sources", ":material/rss_feed:"),
    ("pages/settings.py", "Settings", ":material/settings:"),
]
# The menu's sections: what the team reads, what it acts on, and the admin pages.
SECTIONS: dict[str, str] = {
    "pages/cases.py": "Act",
    "pages/rules.py": "Act",
    "pages/identity.py": "Act",
    "pages/privacy.py": "Act",
    "pages/data.py": "Data & access",
    "pages/sources.py": "Data & access",
    "pages/settings.py": "Data & access",
}

# Access control (off unless .streamlit/secrets.toml has an [access] section):
# a visitor who has not signed in gets only the sign-in form, whatever the
# address asked for; a broken configuration shows what to fix and lets nobody
# in. The pages stay registered (hidden, never run) so that a link to one of
# them shows the form without a "page not found", and that page after sign-in.
if not access.gate():
    st.navigation(
        [
            st.Page(access.sign_in_page, title=ui_lang.t("Sign in"), icon=":material/login:", url_path="sign-in", default=True),
            *(st.Page(file, title=title, icon=icon, visibility="hidden") for file, title, icon in PAGES),
        ],
        position="hidden",
    )
    st.session_state[ui.ROUTED_KEY] = True
    access.sign_in_page()
    st.stop()

# A page the role may not open is left out of the menu but stays registered,
# hidden: links to it (an empty page's "Go to the Data page") still resolve,
# and opening it by its address shows the refusal below instead of the page.
user_role = access.role()
refused = [p for p in PAGES if not auth.can(user_role, auth.page_permission(p[0]))]
menu: dict[str, list[Any]] = {}
for i, (file, title, icon) in enumerate(p for p in PAGES if p not in refused):
    section = ui_lang.t(SECTIONS.get(file, "Insight"))
    menu.setdefault(section, []).append(st.Page(file, title=ui_lang.t(title), icon=icon, default=(i == 0)))
hidden = {file: st.Page(file, title=ui_lang.t(title), icon=icon, visibility="hidden") for file, title, icon in refused}
refused_by_path = {hidden_page.url_path: file for file, hidden_page in hidden.items()}
# Hidden pages are in no menu; they go with the first section to stay registered.
next(iter(menu.values())).extend(hidden.values())

# Navigation first, outside the funnel: it cannot fail, and a run that never
# calls st.navigation would fall back to listing pages/ on its own.
page = st.navigation(menu, expanded=True)
st.session_state[ui.ROUTED_KEY] = True
# A page opened before the router ever ran comes back through here (see
# scrm.ui.ensure_routed) and is sent on to where the browser asked to go.
if next_page := st.session_state.pop(ui.NEXT_PAGE_KEY, None):
    # Keep the link's parameters (filters, mask): switching pages drops them otherwise.
    st.switch_page(next_page, query_params=st.query_params.to_dict())

# The one error funnel: known errors are a sentence for the user; anything
# else is a short apology on screen and a traceback in the server log.
try:
    db_path = store.default_db_path()
    if not store.database_exists(db_path) and not auth.can(user_role, auth.IMPORT):
        # Only an admin's action builds the first database: with sign-in on, a
        # viewer or analyst who comes first waits for one (with it off, the
        # person at the machine is the admin).
        access.sidebar_account()
        st.info(NO_DATABASE_YET, icon=":material/hourglass_empty:")
    elif _first_start(db_path):
        access.record_pending_sign_in()
        _sidebar()
        if page.url_path in refused_by_path:
            # Refused here, whatever the page itself checks: fail closed.
            needed = auth.page_permission(refused_by_path[page.url_path])
            refusal = auth.page_refusal_message(user_role or None, page.title, needed)
            st.error(refusal.render(ui_lang.lang()), icon=":material/lock:")
        else:
            page.run()
except ScrmError as e:
    # The sentence quotes file names and cell values: shown escaped, as the CLI prints it.
    ui.show_error(e)
except Exception:
    log.exception("unexpected error while rendering the page")
    st.error(
        "Something went wrong while showing this page. Reload the page to try again; "
        "the details are in the server log.",
        icon=":material/error:",
    )
