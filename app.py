"""scrm: the Streamlit entry point.

Only a router: page config, logging, session defaults, the database (built
as a demo on first start), the sidebar status, then ``st.navigation`` over
``pages/`` inside ONE error funnel. Pages render; the engine in ``scrm/``
does the work.

Run with ``streamlit run app.py`` (the database is ``$SCRM_DB`` or
``data/scrm.db``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from scrm import store, ui
from scrm.demo import build_demo
from scrm.errors import ScrmError

st.set_page_config(page_title="scrm", page_icon=":material/hub:", layout="wide")

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


def _build_demo_on_first_start(path: Path) -> None:
    """Create the database; on a fresh install fill it with the demo dataset, visibly."""
    with ui.write_lock(str(path.resolve())):
        if path.exists():  # another session built it while this one waited
            return
        # Build beside the target and move it in place at the end, so a
        # build cut short never leaves a half-filled database that the next
        # start would take for a finished one.
        partial = path.with_name(path.name + ".building")
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        with st.status("Welcome to scrm: building a demo database to explore…", expanded=True) as status:
            bar = st.progress(0.0, text="Starting")

            def report(fraction: float, message: str) -> None:
                bar.progress(min(max(float(fraction), 0.0), 1.0), text=ui.escape_markdown(message))

            db = store.open_db(partial)
            try:
                build_demo(db, progress=report)
            finally:
                db.close()
            partial.replace(path)
            status.update(label="Demo database ready", state="complete", expanded=False)
        # A file is new at this path: entries cached for an earlier file with
        # the same data version must not be served for it.
        st.cache_data.clear()
        log.info("built the demo database at %s", path)


def _sidebar_status() -> None:
    path = ui.current_db_path()
    ui.demo_badge(path, ui.current_version(path))


pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
]

# Navigation first, outside the funnel: it cannot fail, and a run that never
# calls st.navigation would fall back to listing pages/ on its own.
page = st.navigation(pages)
st.session_state[ui.ROUTED_KEY] = True
# A page opened before the router ever ran comes back through here (see
# scrm.ui.ensure_routed) and is sent on to where the browser asked to go.
if next_page := st.session_state.pop(ui.NEXT_PAGE_KEY, None):
    st.switch_page(next_page)

# The one error funnel: known errors are a sentence for the user; anything
# else is a short apology on screen and a traceback in the server log.
try:
    db_path = store.default_db_path()
    if not db_path.exists():
        _build_demo_on_first_start(db_path)
    _sidebar_status()
    page.run()
except ScrmError as e:
    # The sentence quotes file names and cell values: shown escaped, as the CLI prints it.
    st.error(ui.escape_markdown(e), icon=":material/error:")
except Exception:
    log.exception("unexpected error while rendering the page")
    st.error(
        "Something went wrong while showing this page. Reload the page to try again; "
        "the details are in the server log.",
        icon=":material/error:",
    )
