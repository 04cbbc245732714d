"""Replies that go back out: a case's approved reply posted to Mastodon or Bluesky (servers on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from pytest_httpserver import HTTPServer
from test_listen import bluesky_post, mastodon_status

from scrm import api, cli
from scrm.act import cases
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import CaseError
from scrm.listen import sources as L


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(L, "SECRETS_FILES", ())
    monkeypatch.chdir(tmp_path)


def collected_case(db: sqlite_utils.Database, server: HTTPServer, kind: str) -> int:
    if kind == "mastodon":
        api.add_source(db, kind, "s", {"instance": server.url_for("/").rstrip("/"), "hashtag": "acme"}, actor="t")
        server.expect_request("/api/v1/timelines/tag/acme").respond_with_json(
            [mastodon_status(1, "ana@other.example", "<p>acme lost my parcel</p>", "2026-03-01T09:30:00Z")])
    else:
        api.add_source(db, kind, "s", {"service": server.url_for("/").rstrip("/"), "query": "acme"}, actor="t")
        server.expect_request("/xrpc/app.bsky.feed.searchPosts").respond_with_json(
            {"posts": [bluesky_post(1, "ana.bsky.social", "acme lost my parcel", "2026-03-01T09:30:00Z")]})
    assert api.collect(db, score_after=False).results[0].new == 1
    [mention] = [r[0] for r in db.execute(f"SELECT mention_id FROM {S.MENTIONS}")]
    server.clear()
    return cases.open_case(db, queue="rescue", subject="parcel", priority="high", mention_id=mention)


def events(db: sqlite_utils.Database, case_id: int) -> list[tuple[str, str | None]]:
    return [(r[0], r[1]) for r in db.execute(f"SELECT event, note FROM {S.CASE_EVENTS} WHERE case_id = ? ORDER BY event_id", [case_id])]


def test_an_approved_reply_is_posted_on_mastodon_and_recorded_on_the_case_and_the_thread(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = collected_case(fresh_db, httpserver, "mastodon")
    monkeypatch.setenv("SCRM_REPLY_MASTODON_INSTANCE", httpserver.url_for("/brand").rstrip("/"))
    monkeypatch.setenv("SCRM_REPLY_MASTODON_TOKEN", "brand-token")
    httpserver.expect_request("/brand/api/v2/search", headers={"Authorization": "Bearer brand-token"},
                              query_string={"q": "https://social.example/users/ana@other.example/statuses/110001",
                                            "type": "statuses", "resolve": "true", "limit": "1"}
                              ).respond_with_json({"statuses": [{"id": "777"}]})
    reply = mastodon_status(50, "acme", "<p>@ana sorry, we are on it</p>", "2026-03-01T10:00:00Z")
    httpserver.expect_request("/brand/api/v1/statuses", method="POST").respond_with_json(reply)
    posted = api.post_reply(fresh_db, case_id, "sorry, we are on it", actor="maria")
    body = json.loads(httpserver.log[-1][0].get_data())
    assert body == {"status": "@ana@other.example sorry, we are on it", "in_reply_to_id": "777", "visibility": "public"}
    assert posted.url == "https://social.example/@acme/110050"
    assert events(fresh_db, case_id)[-1] == (S.EVENT_REPLY, "sorry, we are on it")
    assert cases.get_case(fresh_db, case_id)["first_response_at"] is not None
    own = dict(next(iter(fresh_db.query(f"SELECT * FROM {S.MENTIONS} WHERE from_brand = 1"))))
    assert (own["author"], own["kind"], own["in_reply_to"]) == ("acme", "reply", cases.get_case(fresh_db, case_id)["mention_id"])


def test_an_approved_reply_is_posted_on_bluesky_in_the_thread_of_the_post(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = collected_case(fresh_db, httpserver, "bluesky")
    for key, value in (("SERVICE", httpserver.url_for("/").rstrip("/")), ("IDENTIFIER", "acme.example"), ("APP_PASSWORD", "app-pw")):
        monkeypatch.setenv(f"SCRM_REPLY_BLUESKY_{key}", value)
    httpserver.expect_request("/xrpc/com.atproto.server.createSession", method="POST").respond_with_json(
        {"accessJwt": "jwt", "refreshJwt": "r", "did": "did:plc:acme", "handle": "acme.example"})
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord", method="POST", headers={"Authorization": "Bearer jwt"}
                              ).respond_with_json({"uri": "at://did:plc:acme/app.bsky.feed.post/3kzz", "cid": "bafyz"})
    posted = api.post_reply(fresh_db, case_id, "sorry, we are on it", actor="maria")
    record = json.loads(httpserver.log[-1][0].get_data())["record"]
    parent = {"uri": "at://did:plc:ana./app.bsky.feed.post/3k00001", "cid": "bafy1"}
    assert record["reply"] == {"root": parent, "parent": parent} and record["text"] == "sorry, we are on it"
    assert posted.url == "https://bsky.app/profile/acme.example/post/3kzz"
    assert events(fresh_db, case_id)[-1] == (S.EVENT_REPLY, "sorry, we are on it")


def test_a_reply_is_not_posted_without_approval_nor_without_the_brand_credentials(
    db_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store.open_db(db_path)
    case_id = collected_case(db, httpserver, "mastodon")
    db.close()
    assert cli.main(["--db", str(db_path), "reply", str(case_id), "--text", "on it"]) == 2
    assert capsys.readouterr().err == (
        f"error: Nothing was posted. This would answer ana@other.example on mastodon (case {case_id}) from the "
        "brand's account; add --yes to approve and post it.\n"
    )
    assert cli.main(["--db", str(db_path), "reply", str(case_id), "--text", "on it", "--yes"]) == 2
    assert "needs the brand account's instance, token under [replies.mastodon]" in capsys.readouterr().err
    assert httpserver.log == []


def test_a_reply_to_a_platform_scrm_cannot_post_on_says_so(fresh_db: sqlite_utils.Database) -> None:
    api.import_file(fresh_db, b"id,platform,author,text,date\nm1,twitter,ana,late,2026-03-01\n", "mentions",
                    file_name="m.csv", actor="t", score_after=False)
    case_id = cases.open_case(fresh_db, queue="rescue", subject="x", priority="high", mention_id="m1")
    with pytest.raises(CaseError, match="is about a twitter mention; scrm posts replies on mastodon and bluesky only"):
        api.plan_reply(fresh_db, case_id, "hello")


def test_the_rescue_queue_posts_a_reply_only_once_a_person_ticks_the_approval(
    db_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import page_support as support

    db = store.open_db(db_path)
    case_id = collected_case(db, httpserver, "mastodon")
    db.close()
    monkeypatch.setenv(store.ENV_DB, str(db_path))
    monkeypatch.setenv("SCRM_REPLY_MASTODON_INSTANCE", httpserver.url_for("/brand").rstrip("/"))
    monkeypatch.setenv("SCRM_REPLY_MASTODON_TOKEN", "brand-token")
    httpserver.expect_request("/brand/api/v2/search").respond_with_json({"statuses": [{"id": "777"}]})
    httpserver.expect_request("/brand/api/v1/statuses", method="POST").respond_with_json(
        mastodon_status(50, "acme", "<p>on it</p>", "2026-03-01T10:00:00Z"))
    at = support.open_page("cases", case=str(case_id))
    at.text_area(key=f"queue_reply_text_{case_id}").set_value("on it")
    next(b for b in at.button if b.label == "Post reply").click()
    at.run()
    assert at.warning[0].value == "Nothing was posted: tick the approval first."
    assert httpserver.log == []
    at.checkbox(key=f"queue_reply_ok_{case_id}").check()
    next(b for b in at.button if b.label == "Post reply").click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert len(httpserver.log) == 2
    db = store.open_db(db_path)
    assert events(db, case_id)[-1] == (S.EVENT_REPLY, "on it")
    db.close()
