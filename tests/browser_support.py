"""Helpers for the browser tests (``tests/test_browser.py``): a scored database, a Streamlit
server on a free loopback port, Debian's Chromium through Playwright, and waits that follow
Streamlit's own state instead of sleeping.

Chromium is the Debian package (``apt-get install chromium``, done by ``.ci/run``), never
``playwright install``: without it the browser tests skip with the reason.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Upper bounds, never expected durations: the first run of a page imports pandas, Altair
# and the engine on 2 cores.
SERVER_START_TIMEOUT = 60.0
UI_TIMEOUT_MS = 30_000

# The script ran to its end and the server is not running it again.
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING_INDICATOR = '[data-testid="stStatusWidget"]'

# A word no demo text holds, so that a search finds exactly the hostile mentions.
HOSTILE_WORD = "zqxhostile"
HOSTILE_TEXTS = {
    "browser-hostile-img": f"{HOSTILE_WORD} <img src=x onerror=alert(1)>",
    "browser-hostile-link": f"{HOSTILE_WORD} [x](javascript:alert(1))",
}


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not os.access(CHROMIUM, os.X_OK):
        return (
            f"Chromium not found at {CHROMIUM}; install the Debian package (`apt-get install chromium`, "
            "as .ci/run does) to run the browser tests"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed; `pip install -r requirements-dev.txt`"
    return None


@dataclass(frozen=True)
class Site:
    """A running app on a scored database, and what the tests need to know about its data."""

    url: str
    db_path: Path
    log_path: Path
    first_day: date
    last_day: date
    hostile_ids: tuple[str, ...]  # newest first, as the mention explorer lists them


def build_database(path: Path) -> Site:
    """The tiny demo plus the hostile mentions, all scored; a Site without url."""
    from scrm import compute, demo
    from scrm.db import schema as S
    from scrm.db import store

    db = store.open_db(path)
    try:
        demo.build_demo(db, scale="tiny")
        first, last = db.execute(f"SELECT min(posted_at), max(posted_at) FROM {S.MENTIONS}").fetchone()
        last_day = date.fromisoformat(str(last)[:10])
        # On the data's last day: inside the default date range, and the newest after the
        # demo's own posts of that day only if they are earlier (the explorer orders itself).
        columns = ["mention_id", "platform", "author", "text", "posted_at", "lang", "kind", "brand"]
        rows = [
            (
                mention_id,
                "twitter",
                f"browser_tester_{i}",
                text,
                f"{last_day}T{10 + i:02d}:00:00",
                "en",
                "post",
                None,
            )
            for i, (mention_id, text) in enumerate(HOSTILE_TEXTS.items())
        ]
        store.upsert_rows(db, S.MENTIONS, columns, rows)
        # One run scores the demo and the hostile mentions together.
        compute.run_all(db)
    finally:
        db.close()
    return Site(
        url="",
        db_path=path,
        log_path=path.with_suffix(".log"),
        first_day=date.fromisoformat(str(first)[:10]),
        last_day=last_day,
        # Later posted_at first: the explorer lists the newest first.
        hostile_ids=tuple(reversed(HOSTILE_TEXTS)),
    )


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@contextmanager
def streamlit_server(
    site: Site, *, env: Mapping[str, str] | None = None, port: int | None = None
) -> Iterator[Site]:
    """``streamlit run app.py`` on ``site.db_path`` and a free loopback port, stopped at exit.

    ``env``: extra environment variables for the server (``HOME`` pointing to a folder with
    ``.streamlit/secrets.toml`` gives it secrets without touching the checkout's ``.streamlit``).
    ``port``: the port to serve on, when the test must know it before the start (an OIDC
    ``redirect_uri``); a free one otherwise.
    """
    port = port or free_port()
    env = {**os.environ, **(env or {}), "SCRM_DB": str(site.db_path)}
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with site.log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {proc.returncode}:\n{_log_tail(site.log_path)}"
                )
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"streamlit did not answer /_stcore/health within {SERVER_START_TIMEOUT:.0f} s:\n"
                    f"{_log_tail(site.log_path)}"
                )
            time.sleep(0.2)
        yield Site(**{**site.__dict__, "url": url})
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def server_log(site: Site) -> str:
    """The server's output so far (the app logs unexpected errors with their traceback)."""
    return site.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def chromium(user_data_dir: Path) -> Iterator[Any]:
    """A Playwright browser context on Debian's Chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
            accept_downloads=True,
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def wait_until_idle(page: Any) -> None:
    """Wait until the app's script run is over and the running indicator is gone.

    Call it after waiting for what an action must show: right after a click the
    previous run's "not running" state may still be on the page.
    """
    page.wait_for_selector(APP_IDLE, state="attached")
    page.wait_for_selector(RUNNING_INDICATOR, state="detached")


def open_page(page: Any, url: str, title: str) -> None:
    """Go to ``url`` and wait until the page titled ``title`` finished its run."""
    from playwright.sync_api import expect

    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]')
    expect(page.locator("h1").first).to_have_text(title)
    wait_until_idle(page)


def active_dom_from_texts(page: Any) -> dict[str, int]:
    """Elements that the hostile texts would create if they were rendered as HTML or markdown."""
    return dict(
        page.evaluate(
            """() => ({
                'img[src="x"]': document.querySelectorAll('img[src="x"]').length,
                '[onerror]': document.querySelectorAll('[onerror]').length,
                'a[href^="javascript:"]': document.querySelectorAll('a[href^="javascript:" i]').length,
            })"""
        )
    )


def days_ago(day: date, n: int) -> str:
    """``day`` minus ``n`` days, ISO."""
    return (day - timedelta(days=n)).isoformat()
