"""A team at work on one database, on SQLite and on PostgreSQL (issue 16, "Concurrency for a team").

At the same time: three browser sessions (threads making the writes the pages
make through :mod:`scrm.api`: case notes, rule saves, identity decisions,
settings), a CLI import and a CLI ``score`` (separate processes), and a
``collect`` of an RSS feed served on 127.0.0.1 (a third process). Then: no
"database is locked" or busy error reached anyone, every write the sessions
made is stored, and what the Overview shows from its summaries is what the
data gives directly (no half-updated page).

The figures (sessions, writes, errors, longest wait) are printed; run with
``-s`` to see them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from scrm import api
from scrm.act import rules
from scrm.db import schema as S
from scrm.db import store, summaries
from scrm.db.filters import Filters
from scrm.views import overview

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 3
IMPORTED = 1_500
# A session keeps writing while the long writers run, at least this many rounds.
MIN_ROUNDS = 3
PACE = 0.25  # seconds between a session's writes: a busy person; a loop would only starve the other writers
PERIODS = (7, 14, 28, 30, 90, 180, 365)  # the default periods the Settings page offers
BUSY = ("database is locked", "database is busy", "is busy", "lock timeout", "deadlock")


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on 127.0.0.1 (its default is "localhost"), any free port."""
    return ("127.0.0.1", 0)


def _rss(n: int) -> str:
    items = "".join(
        f"<item><title>Acme team feed item {i}</title><link>https://blog.example.com/t{i}</link><guid>t{i}</guid>"
        f"<author>w{i}@example.com (W{i})</author><pubDate>Mon, 02 Mar 2026 1{i % 10}:00:00 +0000</pubDate>"
        f"<description>Acme item {i}</description></item>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Acme watch</title>'
        f"<link>https://blog.example.com/</link><language>en</language><description>x</description>{items}</channel></rss>"
    )


def _mentions_csv(path: Path, n: int) -> Path:
    words = ("great service", "terrible delivery", "slow refund", "love the app", "meh")
    lines = ["id,platform,author,text,date"]
    lines += [f"team{i},twitter,@member{i % 300},{words[i % 5]} {i},2024-03-{1 + i % 28:02d} 10:{i % 60:02d}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def team_db(request: pytest.FixtureRequest, scored_tiny_demo_master: Path, tmp_path: Path) -> Iterator[str]:
    """The scored tiny demo in the engine under test: a file path or a PostgreSQL URL."""
    if request.param == "sqlite":
        path = tmp_path / "scrm.db"
        shutil.copyfile(scored_tiny_demo_master, path)
        yield str(path)
        return
    url: str = request.getfixturevalue("pg_url")
    from scrm.db.transfer import copy_database

    source, target = store.open_db(scored_tiny_demo_master), store.open_db(url)
    try:
        copy_database(source, target, replace=True)
    finally:
        source.close()
        target.close()
    yield url


@dataclass
class Tally:
    """What the sessions did: each write kept for the checks, each wait timed."""

    notes: list[tuple[int, str]] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    settings: list[int] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lock = threading.Lock()

    @property
    def writes(self) -> int:
        return len(self.notes) + len(self.rules) + len(self.rejected) + len(self.settings)


def _setup(where: str, sessions: int) -> tuple[list[int], list[list[tuple[str, str]]]]:
    """One open case per session, and a disjoint list of suggested identity pairs per session."""
    db = store.open_db(where)
    try:
        mentions = [str(r[0]) for r in db.execute(f"SELECT mention_id FROM {S.MENTIONS} ORDER BY mention_id LIMIT 40")]
        case_ids: list[int] = []
        for mention_id in mentions:
            opened = api.open_case(db, mention_id=mention_id, actor="team-setup")
            if opened.case_id not in case_ids:
                case_ids.append(int(opened.case_id))
            if len(case_ids) == sessions:
                break
        pairs = [
            (str(p), str(c))
            for p, c in db.execute(
                f"SELECT profile_id, min(customer_id) FROM {S.LINKS} WHERE status = ? GROUP BY profile_id ORDER BY profile_id LIMIT ?",
                [S.SUGGESTED, sessions * 8],
            )
        ]
    finally:
        db.close()
    assert len(case_ids) == sessions, "the demo has too few mentions to open a case per session"
    return case_ids, [pairs[i::sessions] for i in range(sessions)]


def _session(where: str, n: int, case_id: int, pairs: list[tuple[str, str]], done: threading.Event, tally: Tally) -> None:
    """One person on the pages: a note on their case, a rule, an identity decision, the default period, in turn."""
    db = store.open_db(where)
    actor = f"member{n}"
    i = 0
    try:
        while not done.is_set() or i < MIN_ROUNDS * 4:
            kind = i % 4
            t0 = time.perf_counter()
            if kind == 0:
                note = f"{actor} note {i}"
                api.update_case(db, case_id, {"note": note}, actor=actor)
                record: Any = (case_id, note)
                target = tally.notes
            elif kind == 1:
                name = f"{actor} rule {i}"
                rule = rules.Rule(name, conditions={"sentiment": ["negative"]}, action="tag", params={"tag": f"t{n}"})
                api.save_rule(db, rule, actor=actor, backfill=False)
                record, target = name, tally.rules
            elif kind == 2 and pairs:
                pair = pairs.pop()
                api.review_link(db, "reject", *pair, actor=actor)
                record, target = pair, tally.rejected
            else:
                days = PERIODS[(i + n) % len(PERIODS)]
                api.save_settings(db, {S.META_DEFAULT_PERIOD: days}, actor=actor)
                record, target = days, tally.settings
            with tally.lock:
                tally.waits.append(time.perf_counter() - t0)
                target.append(record)
            i += 1
            done.wait(PACE)
    except BaseException as e:  # noqa: BLE001 - every error is reported by the test
        tally.errors.append(e)
    finally:
        db.close()


def _cli(where: str, *args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, store.ENV_DB: where, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "scrm", "--db", where, *args], cwd=cwd, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _overview_from_summaries_and_directly(
    where: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """The Overview's tiles as the page computes them (from the daily summaries when current), and directly."""
    db = store.open_db(where)
    try:
        current = summaries.is_current(db)
        periods = overview.resolve_periods(db, Filters())
        assert periods is not None
        keys = overview.TILE_KEYS  # the Overview's tiles and their sparklines
        by_summaries = overview.kpi_summary(db, Filters(), periods, keys=keys, spark_keys=keys)
        with monkeypatch.context() as m:
            m.setattr(overview.summaries, "is_current", lambda _db: False)
            direct = overview.kpi_summary(db, Filters(), periods, keys=keys, spark_keys=keys)
    finally:
        db.close()
    return by_summaries, direct, current


@pytest.mark.slow
def test_sessions_an_import_a_collect_and_a_score_at_once_lose_nothing_and_lock_no_one(
    team_db: str, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = team_db
    httpserver.expect_request("/feed.xml").respond_with_data(_rss(12), content_type="application/rss+xml")
    db = store.open_db(where)
    api.add_source(db, "rss", "team-feed", {"url": httpserver.url_for("/feed.xml")}, actor="team-setup")
    reviews_before = int(db.execute(f"SELECT count(*) FROM {S.LINK_REVIEWS}").fetchone()[0])
    db.close()
    case_ids, pairs = _setup(where, SESSIONS)
    csv = _mentions_csv(tmp_path / "team.csv", IMPORTED)

    t0 = time.perf_counter()
    done = threading.Event()
    tally = Tally()
    sessions = [
        threading.Thread(target=_session, args=(where, n, case_ids[n], pairs[n], done, tally)) for n in range(SESSIONS)
    ]
    for t in sessions:
        t.start()
    processes = {
        "import": _cli(where, "import", "mentions", str(csv), cwd=tmp_path),
        "collect": _cli(where, "collect", "--no-score", cwd=tmp_path),
        "score": _cli(where, "score", cwd=tmp_path),
    }
    outputs: dict[str, tuple[str, str]] = {}
    ended: dict[str, float] = {}

    def wait_for(name: str) -> None:
        outputs[name] = processes[name].communicate(timeout=240)
        ended[name] = time.perf_counter() - t0

    waiters = [threading.Thread(target=wait_for, args=(name,)) for name in processes]
    for t in waiters:
        t.start()
    for t in waiters:
        t.join()
    done.set()
    for t in sessions:
        t.join(timeout=120)
    seconds = time.perf_counter() - t0

    assert not any(t.is_alive() for t in sessions)
    failed = {name: outputs[name][1][-800:] for name, p in processes.items() if p.returncode != 0}
    assert failed == {}, failed
    said = " ".join(out + err for out, err in outputs.values()).lower()
    assert not [b for b in BUSY if b in said], said[-2000:]
    assert tally.errors == [], tally.errors

    db = store.open_db(where)
    try:
        imported = int(db.execute(f"SELECT count(*) FROM {S.MENTIONS} WHERE mention_id LIKE 'team%'").fetchone()[0])
        collected = int(db.execute(f"SELECT count(*) FROM {S.MENTIONS} WHERE text LIKE 'Acme team feed item%'").fetchone()[0])
        notes = {
            (int(c), str(n))
            for c, n in db.execute(f"SELECT case_id, note FROM {S.CASE_EVENTS} WHERE actor LIKE 'member%' AND note IS NOT NULL")
        }
        names = {str(r[0]) for r in db.execute(f"SELECT name FROM {S.RULES} WHERE name LIKE 'member%'")}
        statuses = {
            (str(p), str(c)): str(s) for p, c, s in db.execute(f"SELECT profile_id, customer_id, status FROM {S.LINKS}")
        }
        reviews = int(db.execute(f"SELECT count(*) FROM {S.LINK_REVIEWS}").fetchone()[0])
        period = db.execute(f"SELECT value FROM {S.META} WHERE key = ?", [S.META_DEFAULT_PERIOD]).fetchone()
    finally:
        db.close()

    assert imported == IMPORTED
    assert collected == 12
    assert set(tally.notes) <= notes, "a case note was lost"
    assert set(tally.rules) <= names, "a saved rule was lost"
    assert all(statuses.get(pair) == S.REJECTED for pair in tally.rejected), "an identity decision was lost"
    assert reviews == reviews_before + len(tally.rejected)
    assert period is not None and int(period[0]) in tally.settings

    # What the pages show after the team's last write and the next score: the Overview's figures from its
    # daily summaries (updated for the days each import touched, while the others wrote) equal the direct ones.
    db = store.open_db(where)
    api.score(db)
    db.close()
    by_summaries, direct, current = _overview_from_summaries_and_directly(where, monkeypatch)
    assert current
    pd.testing.assert_frame_equal(by_summaries.reset_index(drop=True), direct.reset_index(drop=True))
    print(
        f"\n{'postgres' if where.startswith('postgres') else 'sqlite'}: "
        f"{SESSIONS} sessions, {tally.writes} writes (notes {len(tally.notes)}, rules {len(tally.rules)}, "
        f"identity {len(tally.rejected)}, settings {len(tally.settings)}), errors {len(tally.errors)}, "
        f"longest wait {max(tally.waits):.2f} s; import {IMPORTED} rows, collect 12 items (--no-score), score; "
        f"summaries current {current}; ended after " + ", ".join(f"{k} {v:.1f} s" for k, v in ended.items())
        + f"; {seconds:.1f} s in all"
    )
