"""Deletions the platforms report, applied: Mastodon, Bluesky and YouTube re-asked about recent items.

Each run re-asks about a group of recently collected items (Mastodon
``GET /api/v1/statuses?id[]=``, Bluesky ``app.bsky.feed.getPosts``, YouTube
``comments.list``); an item missing from the answer was deleted on the
platform and goes with every row that hangs on it, while its case keeps a
tombstone. The answers are built in each API's documented shape and served
on 127.0.0.1. Discourse and Reddit report deletions in their own answers
(tests/test_listen.py); RSS and Hacker News report none, so nothing is
deleted there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlite_utils
from pytest_httpserver import HTTPServer
from test_listen import (  # noqa: F401 - fixtures: the same server address and no secrets
    CASES,
    Case,
    add,
    httpserver_listen_address,
    no_secrets,
    run,
    serve,
    stored,
)

from scrm import cli
from scrm.db import schema as S
from scrm.db.forget import DELETED_BY_AUTHOR
from scrm.listen.base import RECHECK_KEEP, RECHECK_KEY, Batch, recheck

RECHECK_PATHS = {
    "mastodon": "/api/v1/statuses",
    "bluesky": "/xrpc/app.bsky.feed.getPosts",
    "youtube": "/youtube/v3/comments",
}
RECHECKED = [c for c in CASES if c.kind in RECHECK_PATHS]
pytestmark = pytest.mark.usefixtures("no_secrets")


def items_of(kind: str, answer: Any) -> list[dict[str, Any]]:
    if kind == "mastodon":
        return list(answer)
    return list(answer["posts"] if kind == "bluesky" else answer["items"])


def serve_recheck(server: HTTPServer, kind: str, still_there: Any) -> None:
    """Answer the re-check with the items of ``still_there`` (an answer in the platform's shape)."""
    if kind not in RECHECK_PATHS:
        return
    items = items_of(kind, still_there)
    if kind == "mastodon":
        body: Any = items
    elif kind == "bluesky":
        body = {"posts": items}
    else:
        body = {"kind": "youtube#commentListResponse", "items": [{"kind": "youtube#comment", "id": i["id"]} for i in items]}
    server.expect_request(RECHECK_PATHS[kind]).respond_with_json(body)


def attach_work(db: sqlite_utils.Database, mention: str) -> None:
    """What hangs on a mention: its score, a tag, and a case the team works on."""
    db.execute(f"INSERT INTO {S.SENTIMENT} (mention_id, score, label) VALUES (?, -0.6, 'negative')", [mention])
    db.execute(f"INSERT INTO {S.MENTION_TAGS} (mention_id, tag) VALUES (?, 'complaint')", [mention])
    db.execute(f"INSERT INTO {S.CASES} (case_id, queue, mention_id, status) VALUES (7, 'rescue', ?, 'new')", [mention])
    db.conn.commit()


@pytest.mark.parametrize("case", RECHECKED, ids=[c.kind for c in RECHECKED])
def test_a_deleted_item_goes_with_its_score_and_tags_while_its_case_keeps_a_tombstone(
    case: Case, fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(fresh_db, httpserver, case, monkeypatch)
    serve(httpserver, case, case.first)
    assert run(fresh_db).new == 2
    oldest = stored(fresh_db)[-1]["mention_id"]
    attach_work(fresh_db, oldest)
    kept, gone = items_of(case.kind, case.first)

    serve(httpserver, case, case.second)
    serve_recheck(httpserver, case.kind, [kept] if case.kind == "mastodon" else
                  {"posts": [kept]} if case.kind == "bluesky" else {"items": [kept]})
    result = run(fresh_db)

    assert (result.error, result.new, result.deleted) == (None, 1, 1)
    assert oldest not in [r["mention_id"] for r in stored(fresh_db)]
    assert len(stored(fresh_db)) == 2
    for table in (S.SENTIMENT, S.MENTION_TAGS, S.RAW_ITEMS):
        assert fresh_db.execute(f"SELECT count(*) FROM {table} WHERE mention_id = ?", [oldest]).fetchone()[0] == 0
    case_row = next(fresh_db.query(f"SELECT mention_id, status FROM {S.CASES} WHERE case_id = 7"))
    assert case_row == {"mention_id": None, "status": "new"}
    notes = [r["note"] for r in fresh_db.query(f"SELECT note FROM {S.CASE_EVENTS} WHERE case_id = 7")]
    assert notes == [DELETED_BY_AUTHOR]
    run_row = next(fresh_db.query(f"SELECT deleted FROM {S.COLLECTIONS} ORDER BY collection_id DESC LIMIT 1"))
    assert run_row["deleted"] == 1
    asked = [r for r, _ in httpserver.log if r.path == RECHECK_PATHS[case.kind]]
    assert asked, "the platform was re-asked about the items it served"
    native = {"mastodon": "id", "bluesky": "uri", "youtube": "id"}[case.kind]
    assert str(gone[native]) in asked[-1].query_string.decode("utf-8").replace("%3A", ":").replace("%2F", "/")


@pytest.mark.parametrize("case", RECHECKED, ids=[c.kind for c in RECHECKED])
def test_a_recheck_the_platform_fails_deletes_nothing_and_keeps_the_new_items(
    case: Case, fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(fresh_db, httpserver, case, monkeypatch)
    serve(httpserver, case, case.first)
    run(fresh_db)
    serve(httpserver, case, case.second)
    httpserver.expect_request(RECHECK_PATHS[case.kind]).respond_with_data("no", status=404)
    result = run(fresh_db)
    assert (result.error, result.new, result.deleted) == (None, 1, 0)
    assert any(n.startswith("Deletions not checked this run:") for n in result.notes)
    assert len(stored(fresh_db)) == 3


def test_collect_json_reports_the_deletions_of_each_source(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any, capsys: pytest.CaptureFixture[str],
) -> None:
    case = next(c for c in CASES if c.kind == "mastodon")
    db_file = tmp_path / "scrm.db"
    monkeypatch.setenv("SCRM_DB", str(db_file))
    assert cli.main(["sources", "add", "mastodon", "masto", "--set", f"instance={httpserver.url_for('/').rstrip('/')}",
                     "--set", "hashtag=acme"]) == 0
    serve(httpserver, case, case.first)
    assert cli.main(["collect", "--json", "--no-score"]) == 0
    serve(httpserver, case, case.second)
    serve_recheck(httpserver, "mastodon", case.first[:1])
    capsys.readouterr()
    assert cli.main(["collect", "--json", "--no-score"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [(s["name"], s["new"], s["deleted"], s["error"]) for s in report["sources"]] == [("masto", 1, 1, None)]


def test_every_recent_item_is_asked_about_in_turn_and_the_queue_stays_bounded() -> None:
    queue = [[str(i), f"m:{i}"] for i in range(RECHECK_KEEP)]
    asked: list[list[str]] = []

    def ask(ids: list[str]) -> set[str]:
        asked.append(ids)
        return set(ids)

    batch = Batch()
    recheck(batch, {RECHECK_KEY: queue}, ask, 40, [("new", "m:new")])
    assert asked == [[str(i) for i in range(40)]]
    after = batch.cursor[RECHECK_KEY]
    assert len(after) == RECHECK_KEEP and after[-1] == ["39", "m:39"] and ["new", "m:new"] in after
    assert after[0] == ["40", "m:40"], "the next run asks about the group not yet asked"
    assert batch.deleted == []


def test_an_answer_that_is_not_about_the_items_asked_deletes_nothing() -> None:
    queue = {RECHECK_KEY: [["1", "m:1"], ["2", "m:2"]]}
    for answer in ({"1", "99"}, set()):  # a page about something else; an empty page for a whole group
        batch = Batch()
        recheck(batch, queue, lambda ids, answer=answer: answer, 40, [])
        assert batch.deleted == [] and batch.cursor[RECHECK_KEY] == [["1", "m:1"], ["2", "m:2"]]
        assert batch.notes == ["Deletions not checked this run: the answer did not list the items asked about."]
