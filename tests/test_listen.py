"""Live listening: every connector against answers shaped like the platforms', served on 127.0.0.1.

The answers are built here in the shape each API documents (Mastodon
statuses, Bluesky ``searchPosts``, Algolia HN ``search_by_date`` hits, an
RSS 2.0 feed, YouTube ``commentThreads``, Discourse ``posts.json``); no test
reaches the network. For each connector: a first collection, an incremental
one that adds only the new items, a 429 with Retry-After, and a malformed
page that costs no row already stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from pytest_httpserver import HTTPServer

from scrm import api, cli
from scrm.db import schema as S
from scrm.db import store
from scrm.listen import CONNECTORS, KINDS
from scrm.listen import sources as L
from scrm.listen.base import html_to_text, retry_after

# --- answers in each platform's shape ---------------------------------------------------------------


def mastodon_status(n: int, acct: str, html: str, when: str, lang: str | None = "en") -> dict[str, Any]:
    return {
        "id": str(110_000 + n), "uri": f"https://social.example/users/{acct}/statuses/{110_000 + n}",
        "url": f"https://social.example/@{acct}/{110_000 + n}", "created_at": when, "language": lang,
        "content": html, "spoiler_text": "", "visibility": "public", "in_reply_to_id": None, "reblog": None,
        "replies_count": 1, "reblogs_count": 2, "favourites_count": 3,
        "account": {"id": str(n), "username": acct.split("@")[0], "acct": acct, "display_name": acct.title(),
                    "followers_count": 40},
    }  # fmt: skip


def bluesky_post(n: int, handle: str, text: str, when: str, langs: list[str] | None = None) -> dict[str, Any]:
    return {
        "uri": f"at://did:plc:{handle[:4]}/app.bsky.feed.post/3k{n:05d}", "cid": f"bafy{n}",
        "author": {"did": f"did:plc:{handle[:4]}", "handle": handle, "displayName": handle.split(".")[0].title()},
        "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": when, "langs": langs or ["en"]},
        "replyCount": 0, "repostCount": 1, "likeCount": 5, "quoteCount": 0, "indexedAt": when,
    }  # fmt: skip


def hn_hit(n: int, author: str, when_i: int, *, comment: str | None = None, title: str | None = None) -> dict[str, Any]:
    from datetime import UTC, datetime

    hit: dict[str, Any] = {
        "objectID": str(40_000_000 + n), "author": author, "created_at_i": when_i,
        "created_at": datetime.fromtimestamp(when_i, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "_tags": ["comment" if comment else "story", f"author_{author}"], "points": 7 if title else None,
        "num_comments": 2 if title else None, "title": title, "url": None, "story_text": None,
        "comment_text": comment, "story_id": 39_999_999, "parent_id": 39_999_999 if comment else None,
        "story_title": "Ask HN: acme?" if comment else None,
    }  # fmt: skip
    return hit


def hn_page(hits: list[dict[str, Any]]) -> dict[str, Any]:
    return {"hits": hits, "nbHits": len(hits), "page": 0, "nbPages": 1, "hitsPerPage": 100, "query": "acme"}


def rss_feed(items: list[tuple[str, str, str, str]]) -> str:
    body = "".join(
        f"<item><title>{title}</title><link>https://blog.example.com/{guid}</link><guid>{guid}</guid>"
        f"<author>{author}</author><pubDate>{date}</pubDate>"
        f"<description>&lt;p&gt;{title} &amp;amp; more&lt;/p&gt;</description></item>"
        for guid, title, author, date in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Acme watch</title>'
        f"<link>https://blog.example.com/</link><language>fr-fr</language><description>x</description>{body}</channel></rss>"
    )


def youtube_thread(n: int, author: str, text: str, when: str) -> dict[str, Any]:
    return {
        "kind": "youtube#commentThread", "id": f"Ugz{n}",
        "snippet": {"videoId": "dQw4w9WgXcQ", "totalReplyCount": 0, "canReply": True, "isPublic": True,
                    "topLevelComment": {"kind": "youtube#comment", "id": f"Ugz{n}", "snippet": {
                        "videoId": "dQw4w9WgXcQ", "textDisplay": text, "textOriginal": text,
                        "authorDisplayName": author, "authorChannelId": {"value": f"UC{n}"},
                        "likeCount": 4, "publishedAt": when, "updatedAt": when}}},
    }  # fmt: skip


def discourse_post(n: int, user: str, html: str, when: str, *, deleted: bool = False) -> dict[str, Any]:
    return {
        "id": 900 + n, "name": user.title(), "username": user, "created_at": when, "cooked": html,
        "post_number": n, "topic_id": 77, "topic_slug": "acme-support", "reply_count": 0,
        "deleted_at": when if deleted else None, "user_deleted": deleted,
    }  # fmt: skip


# --- one recorded conversation per connector --------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A connector's path on the server, its settings, and two answers (the second adds one item)."""

    kind: str
    path: str
    settings: Callable[[HTTPServer], dict[str, str]]
    first: Any
    second: Any
    first_count: int
    expected: dict[str, Any]  # fields of the first item stored
    secrets: dict[str, str] | None = None


CASES = [
    Case(
        "mastodon", "/api/v1/timelines/tag/acme",
        lambda s: {"instance": s.url_for("/").rstrip("/"), "hashtag": "acme"},
        [mastodon_status(2, "bea@other.example", "<p>Acme support was <b>great</b> &amp; quick</p>", "2026-03-02T10:00:00.000Z", "es"),
         mastodon_status(1, "ana", "<p>Hello #acme</p>", "2026-03-01T09:30:00.000Z")],
        [mastodon_status(3, "cy", "<p>New <a href='x'>link</a></p>", "2026-03-03T08:00:00.000Z"),
         mastodon_status(2, "bea@other.example", "<p>Acme support was <b>great</b> &amp; quick</p>", "2026-03-02T10:00:00.000Z", "es")],
        2,
        {"platform": "mastodon", "author": "bea@other.example", "text": "Acme support was great & quick",
         "posted_at": "2026-03-02T10:00:00", "lang": "es"},
    ),
    Case(
        "bluesky", "/xrpc/app.bsky.feed.searchPosts",
        lambda s: {"service": s.url_for("/").rstrip("/"), "query": "acme"},
        {"posts": [bluesky_post(2, "bea.bsky.social", "acme rocks", "2026-03-02T10:00:00.000Z", ["fr"]),
                   bluesky_post(1, "ana.bsky.social", "acme is slow", "2026-03-01T09:00:00.000Z")]},
        {"posts": [bluesky_post(3, "cy.bsky.social", "acme again", "2026-03-03T10:00:00.000Z"),
                   bluesky_post(2, "bea.bsky.social", "acme rocks", "2026-03-02T10:00:00.000Z", ["fr"])]},
        2,
        {"platform": "bluesky", "author": "bea.bsky.social", "text": "acme rocks", "posted_at": "2026-03-02T10:00:00",
         "lang": "fr"},
    ),
    Case(
        "hackernews", "/api/v1/search_by_date",
        lambda s: {"base_url": s.url_for("/api/v1"), "query": "acme"},
        hn_page([hn_hit(2, "pg", 1_772_445_600, comment="<p>I use <i>acme</i> daily</p>"),
                 hn_hit(1, "dang", 1_772_359_200, title="Show HN: Acme")]),
        hn_page([hn_hit(3, "tptacek", 1_772_532_000, comment="acme again"),
                 hn_hit(2, "pg", 1_772_445_600, comment="<p>I use <i>acme</i> daily</p>")]),
        2,
        {"platform": "hackernews", "author": "pg", "text": "I use acme daily", "posted_at": "2026-03-02T10:00:00",
         "lang": None, "kind": "reply"},
    ),
    Case(
        "rss", "/feed.xml",
        lambda s: {"url": s.url_for("/feed.xml")},
        rss_feed([("a2", "Acme raises prices", "bea@example.com (Bea)", "Mon, 02 Mar 2026 10:00:00 +0000"),
                  ("a1", "Acme opens a shop", "ana@example.com (Ana)", "Sun, 01 Mar 2026 09:00:00 +0000")]),
        rss_feed([("a3", "Acme again", "cy@example.com (Cy)", "Tue, 03 Mar 2026 10:00:00 +0000"),
                  ("a2", "Acme raises prices", "bea@example.com (Bea)", "Mon, 02 Mar 2026 10:00:00 +0000")]),
        2,
        {"platform": "blog.example.com", "author": "bea@example.com (Bea)", "text": "Acme raises prices & more",
         "posted_at": "2026-03-02T10:00:00", "lang": "fr"},
    ),
    Case(
        "youtube", "/youtube/v3/commentThreads",
        lambda s: {"base_url": s.url_for("/youtube/v3"), "video_id": "dQw4w9WgXcQ"},
        {"kind": "youtube#commentThreadListResponse",
         "items": [youtube_thread(2, "@bea", "love acme", "2026-03-02T10:00:00Z"),
                   youtube_thread(1, "@ana", "meh", "2026-03-01T09:00:00Z")]},
        {"kind": "youtube#commentThreadListResponse",
         "items": [youtube_thread(3, "@cy", "acme!", "2026-03-03T10:00:00Z"),
                   youtube_thread(2, "@bea", "love acme", "2026-03-02T10:00:00Z")]},
        2,
        {"platform": "youtube", "author": "bea", "text": "love acme", "posted_at": "2026-03-02T10:00:00"},
        secrets={"api_key": "k3y"},
    ),
    Case(
        "discourse", "/posts.json",
        lambda s: {"url": s.url_for("/").rstrip("/")},
        {"latest_posts": [discourse_post(2, "bea", "<p>Acme forum post</p>", "2026-03-02T10:00:00.000Z"),
                          discourse_post(1, "ana", "<p>first</p>", "2026-03-01T09:00:00.000Z")]},
        {"latest_posts": [discourse_post(3, "cy", "<p>another</p>", "2026-03-03T10:00:00.000Z"),
                          discourse_post(2, "bea", "<p>Acme forum post</p>", "2026-03-02T10:00:00.000Z")]},
        2,
        {"platform": "discourse", "author": "bea", "text": "Acme forum post", "posted_at": "2026-03-02T10:00:00"},
    ),
]
IDS = [c.kind for c in CASES]


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on 127.0.0.1 (its default is "localhost"), any free port."""
    return ("127.0.0.1", 0)

FAST = L.Options(budget=5, max_wait=2.0, sleep=lambda s: None)


@pytest.fixture
def no_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No secrets file of the machine's user leaks into a test."""
    monkeypatch.setattr(L, "SECRETS_FILES", ())
    monkeypatch.chdir(tmp_path)


def serve(server: HTTPServer, case: Case, answer: Any, **respond: Any) -> None:
    server.clear()
    if isinstance(answer, str):
        server.expect_request(case.path).respond_with_data(answer, content_type="application/rss+xml", **respond)
    else:
        server.expect_request(case.path).respond_with_json(answer, **respond)


def add(db: sqlite_utils.Database, server: HTTPServer, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in (case.secrets or {}).items():
        monkeypatch.setenv(f"SCRM_SOURCE_SRC_{key.upper()}", value)
    api.add_source(db, case.kind, "src", case.settings(server), actor="test")


def stored(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT * FROM {S.MENTIONS} ORDER BY posted_at DESC"))


def run(db: sqlite_utils.Database, options: L.Options = FAST) -> L.RunResult:
    outcome = api.collect(db, score_after=False, options=options)
    assert len(outcome.results) == 1
    return outcome.results[0]


# --- the contract over every connector --------------------------------------------------------------


def test_every_connector_is_registered_with_settings_that_say_what_they_are() -> None:
    assert set(KINDS) == {"rss", "mastodon", "bluesky", "hackernews", "youtube", "discourse", "reddit"}
    for kind, connector in CONNECTORS.items():
        assert connector.kind == kind
        assert connector.settings and all(s.help for s in connector.settings), kind
        assert callable(connector.fetch)
        assert not set(connector.setting_keys()) & L.SECRET_KEYS, f"{kind} stores a secret as a setting"


def test_every_case_covers_a_connector_and_only_reddit_needs_approved_credentials() -> None:
    assert set(IDS) | {"reddit"} == set(KINDS)
    assert CONNECTORS["reddit"].requires_secrets == ("client_id", "client_secret")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_first_collection_stores_each_item_with_platform_author_text_time_and_language(
    case: Case, fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    add(fresh_db, httpserver, case, monkeypatch)
    serve(httpserver, case, case.first)
    result = run(fresh_db)
    assert (result.error, result.fetched, result.new) == (None, case.first_count, case.first_count)
    rows = stored(fresh_db)
    assert len(rows) == case.first_count
    for key, value in case.expected.items():
        assert rows[0][key] == value, key
    raw = list(fresh_db.query(f"SELECT * FROM {S.RAW_ITEMS} WHERE mention_id = ?", [rows[0]["mention_id"]]))
    assert raw and json.loads(raw[0]["raw"]) and raw[0]["source"] == "src"
    runs = list(fresh_db.query(f"SELECT * FROM {S.COLLECTIONS}"))
    assert [(r["source"], r["fetched"], r["new"], r["error"]) for r in runs] == [("src", case.first_count, case.first_count, None)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_an_incremental_collection_adds_only_the_new_item_and_a_rerun_adds_nothing(
    case: Case, fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    add(fresh_db, httpserver, case, monkeypatch)
    serve(httpserver, case, case.first)
    run(fresh_db)
    version = store.data_version(fresh_db)
    serve(httpserver, case, case.second)
    second = run(fresh_db)
    assert (second.error, second.new) == (None, 1)
    assert len(stored(fresh_db)) == case.first_count + 1
    changed = store.data_version(fresh_db)
    assert changed > version
    third = run(fresh_db)
    assert (third.error, third.new) == (None, 0)
    assert store.data_version(fresh_db) == changed, "a re-run that adds nothing keeps every page's cache"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_429_with_retry_after_is_waited_out_then_collected(
    case: Case, fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    add(fresh_db, httpserver, case, monkeypatch)
    serve(httpserver, case, case.first)
    httpserver.expect_oneshot_request(case.path).respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    waits: list[float] = []
    result = run(fresh_db, L.Options(budget=5, max_wait=2.0, sleep=waits.append))
    assert waits == [1.0]
    assert (result.error, result.new) == (None, case.first_count)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_retry_after_longer_than_the_cap_stops_the_run_with_a_sentence(
    case: Case, fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    add(fresh_db, httpserver, case, monkeypatch)
    serve(httpserver, case, "busy" if case.kind != "rss" else "busy", status=429, headers={"Retry-After": "3600"})
    result = run(fresh_db)
    assert result.error is not None and "asked to wait 3600 s" in result.error
    assert stored(fresh_db) == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_malformed_page_costs_no_row_already_stored_and_keeps_the_cursor(
    case: Case, fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    add(fresh_db, httpserver, case, monkeypatch)
    serve(httpserver, case, case.first)
    run(fresh_db)
    before = stored(fresh_db)
    cursor = L.get_source(fresh_db, "src").cursor
    httpserver.clear()
    httpserver.expect_request(case.path).respond_with_data('{"posts": [{"uri": ', content_type="application/json")
    result = run(fresh_db)
    assert result.error is not None and "nothing of it was stored" in result.error
    assert stored(fresh_db) == before
    source = L.get_source(fresh_db, "src")
    assert (source.cursor, source.failures) == (cursor, 1)


def test_a_page_of_the_wrong_shape_is_refused_with_what_was_missing(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    api.add_source(fresh_db, "hackernews", "hn", {"base_url": httpserver.url_for("/api/v1"), "query": "acme"}, actor="t")
    httpserver.expect_request("/api/v1/search_by_date").respond_with_json({"message": "maintenance"})
    result = run(fresh_db)
    assert result.error == (
        f"127.0.0.1:{httpserver.port} sent a page without a list of hits; nothing of it was stored. "
        "Check the source's address (it may not be this kind of server)."
    )


def test_a_deletion_the_forum_reports_removes_the_stored_post(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    api.add_source(fresh_db, "discourse", "forum", {"url": httpserver.url_for("/").rstrip("/")}, actor="t")
    first = [discourse_post(2, "bea", "<p>kept</p>", "2026-03-02T10:00:00Z"),
             discourse_post(1, "ana", "<p>to be deleted</p>", "2026-03-01T10:00:00Z")]
    httpserver.expect_request("/posts.json").respond_with_json({"latest_posts": first})
    run(fresh_db)
    assert len(stored(fresh_db)) == 2
    httpserver.clear()
    later = [first[0], discourse_post(1, "ana", "", "2026-03-01T10:00:00Z", deleted=True)]
    httpserver.expect_request("/posts.json").respond_with_json({"latest_posts": later})
    result = run(fresh_db)
    assert (result.error, result.deleted) == (None, 1)
    assert [r["text"] for r in stored(fresh_db)] == ["kept"]
    assert fresh_db.execute(f"SELECT count(*) FROM {S.RAW_ITEMS}").fetchone()[0] == 1


def test_an_unchanged_feed_costs_one_conditional_request(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    api.add_source(fresh_db, "rss", "feed", {"url": httpserver.url_for("/feed.xml")}, actor="t")
    feed = rss_feed([("a1", "Acme", "ana@example.com (Ana)", "Sun, 01 Mar 2026 09:00:00 +0000")])
    httpserver.expect_request("/feed.xml", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    httpserver.expect_request("/feed.xml").respond_with_data(feed, headers={"ETag": '"v1"'})
    assert run(fresh_db).new == 1
    second = run(fresh_db)
    assert (second.error, second.fetched, second.requests) == (None, 0, 1)


def test_a_mastodon_search_sends_the_token_from_the_secrets_file_and_never_stores_it(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[sources.masto]\ntoken = "s3cr3t-token"\n', encoding="utf-8")
    monkeypatch.setattr(L, "SECRETS_FILES", (secrets,))
    api.add_source(fresh_db, "mastodon", "masto", {"instance": httpserver.url_for("/").rstrip("/"), "query": "acme"}, actor="t")
    status = mastodon_status(1, "ana", "<p>acme</p>", "2026-03-01T09:30:00Z")
    httpserver.expect_request("/api/v2/search", headers={"Authorization": "Bearer s3cr3t-token"},
                              query_string={"q": "acme", "type": "statuses", "resolve": "false", "limit": "40"}
                              ).respond_with_json({"accounts": [], "statuses": [status], "hashtags": []})
    assert run(fresh_db).new == 1
    dump = "\n".join(fresh_db.iterdump())
    assert "s3cr3t-token" not in dump


def test_a_secret_given_as_a_setting_is_refused(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(L.SourceError, match=r"token is a secret and is never stored in the database"):
        api.add_source(fresh_db, "mastodon", "m", {"instance": "https://x.example", "token": "abc"}, actor="t")
    assert L.list_sources(fresh_db) == []


@pytest.mark.parametrize(
    ("kind", "settings", "message"),
    [
        ("twitter", {}, "Unknown source kind 'twitter'; use one of rss, mastodon, bluesky, hackernews, youtube, discourse, reddit."),
        ("rss", {}, "A rss source needs url (the feed's address): add --set url=VALUE."),
        ("mastodon", {"instance": "https://x.example"},
         "A mastodon source needs hashtag or query or mentions: add one of --set hashtag=VALUE, --set query=VALUE, "
         "--set mentions=VALUE."),
        ("hackernews", {"query": "a", "colour": "red"}, "A hackernews source has no setting 'colour'; its settings are base_url, query, tags, brand."),
        ("rss", {"url": "feed.xml"}, "url must be a web address starting with http:// or https://, not 'feed.xml'."),
    ],
)
def test_a_source_set_up_wrong_is_refused_with_what_to_do(
    fresh_db: sqlite_utils.Database, kind: str, settings: dict[str, str], message: str
) -> None:
    with pytest.raises(L.SourceError) as caught:
        api.add_source(fresh_db, kind, "s", settings, actor="t")
    assert str(caught.value) == message


def test_reddit_stays_off_without_approved_credentials(fresh_db: sqlite_utils.Database, no_secrets: None) -> None:
    api.add_source(fresh_db, "reddit", "r", {"query": "acme"}, actor="t")
    result = run(fresh_db)
    assert result.error is not None and result.error.startswith("Source 'r' (reddit) is off until client_id and client_secret are given")
    assert result.requests == 0


def test_a_source_that_fails_five_times_in_a_row_is_paused_with_the_reason(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    api.add_source(fresh_db, "hackernews", "hn", {"base_url": httpserver.url_for("/api/v1"), "query": "acme"}, actor="t")
    httpserver.expect_request("/api/v1/search_by_date").respond_with_data("gone", status=404)
    for _ in range(4):
        assert run(fresh_db).paused is False
    fifth = run(fresh_db)
    assert fifth.paused is True
    source = L.get_source(fresh_db, "hn")
    assert source.state == S.SOURCE_PAUSED
    assert source.paused_reason is not None and source.paused_reason.startswith("Paused after 5 failed runs in a row. Last error: ")
    assert "HTTP 404" in source.paused_reason
    assert api.collect(fresh_db, score_after=False).results == [], "a paused source is not due"
    assert api.set_source_paused(fresh_db, "hn", False, actor="t").failures == 0


def test_a_request_budget_bounds_a_run_and_the_next_run_goes_on(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    api.add_source(fresh_db, "hackernews", "hn", {"base_url": httpserver.url_for("/api/v1"), "query": "acme"}, actor="t")
    pages = [hn_page([hn_hit(10 - p, "a", 1_772_445_600 - p, title=f"Story {p}")]) | {"page": p, "nbPages": 5} for p in range(5)]
    for p, page in enumerate(pages):
        httpserver.expect_request("/api/v1/search_by_date", query_string={
            "query": "acme", "tags": "(story,comment)", "hitsPerPage": "100", **({"page": str(p)} if p else {})
        }).respond_with_json(page)
    tight = L.Options(budget=2, max_wait=1.0, sleep=lambda s: None)
    first = run(fresh_db, tight)
    assert (first.error, first.requests, first.new) == (None, 2, 2)
    assert L.get_source(fresh_db, "hn").cursor == {"since": None, "resume_page": 2, "pending": 1_772_445_600}
    second = run(fresh_db, tight)
    assert (second.error, second.requests, second.new) == (None, 2, 2), "the next run goes on at page 2"
    third = run(fresh_db, tight)
    assert (third.requests, third.new) == (1, 1)
    assert L.get_source(fresh_db, "hn").cursor == {"since": 1_772_445_600}
    assert len(stored(fresh_db)) == 5


def test_sources_test_makes_one_request_and_stores_nothing(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    case = CASES[0]
    api.add_source(fresh_db, case.kind, "src", case.settings(httpserver), actor="t")
    serve(httpserver, case, case.first)
    probe = api.probe_source(fresh_db, "src")
    assert (probe.error, probe.fetched, probe.new) == (None, 2, 2)
    assert probe.sample[0]["author"] == "bea@other.example"
    assert len(httpserver.log) == 1
    assert stored(fresh_db) == []


def test_html_becomes_plain_text_and_retry_after_reads_seconds_or_a_date() -> None:
    assert html_to_text('<p>a<br/>b</p><script>x</script><p>&lt;b&gt; &#39;c&#39;</p>') == "a\nb\n\n<b> 'c'"
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("1.5") == 1.5


# --- the command line, end to end --------------------------------------------------------------------


@pytest.fixture
def four_servers(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    for case in CASES[:4]:
        serve_permanent(httpserver, case, case.first)
    yield httpserver


def serve_permanent(server: HTTPServer, case: Case, answer: Any) -> None:
    if isinstance(answer, str):
        server.expect_request(case.path).respond_with_data(answer, content_type="application/rss+xml")
    else:
        server.expect_request(case.path).respond_with_json(answer)


def test_sources_add_then_collect_json_then_a_second_collect_adds_nothing(
    four_servers: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    no_secrets: None,
) -> None:
    monkeypatch.setenv(store.ENV_DB, str(tmp_path / "fresh.db"))
    for case in CASES[:4]:
        argv = ["sources", "add", case.kind, f"my-{case.kind}"]
        for key, value in case.settings(four_servers).items():
            argv += ["--set", f"{key}={value}"]
        assert cli.main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "Added mastodon source 'my-mastodon' (at every collect)." in out

    assert cli.main(["collect", "--json"]) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["scored"] is True
    assert sorted((s["name"], s["kind"], s["fetched"], s["new"], s["error"]) for s in report["sources"]) == [
        ("my-bluesky", "bluesky", 2, 2, None), ("my-hackernews", "hackernews", 2, 2, None),
        ("my-mastodon", "mastodon", 2, 2, None), ("my-rss", "rss", 2, 2, None),
    ]  # fmt: skip
    assert list(report) == ["sources", "scored"]
    assert list(report["sources"][0]) == ["name", "kind", "fetched", "new", "error", "deleted"]  # extended, not renamed

    assert cli.main(["collect", "--json", "--no-score"]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [s["new"] for s in again["sources"]] == [0, 0, 0, 0] and again["scored"] is False

    db = store.open_db(tmp_path / "fresh.db")
    platforms = {r[0]: r[1] for r in db.execute(f"SELECT platform, count(*) FROM {S.MENTIONS} GROUP BY platform")}
    assert platforms == {"mastodon": 2, "bluesky": 2, "hackernews": 2, "blog.example.com": 2}
    db.close()

    assert cli.main(["sources", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["last_new"]) for s in listed["sources"]][0] == ("my-bluesky", 0)


def test_collect_exits_4_when_a_source_fails_while_the_others_still_collect(
    four_servers: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    no_secrets: None,
) -> None:
    monkeypatch.setenv(store.ENV_DB, str(tmp_path / "x.db"))
    case = CASES[2]
    argv = ["sources", "add", case.kind, "good"] + [a for k, v in case.settings(four_servers).items() for a in ("--set", f"{k}={v}")]
    assert cli.main(argv) == 0
    four_servers.expect_request("/missing.xml").respond_with_data("not here", status=404)
    assert cli.main(["sources", "add", "rss", "broken", "--set", f"url={four_servers.url_for('/missing.xml')}"]) == 0
    capsys.readouterr()
    assert cli.main(["collect", "--json", "--no-score"]) == 4
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    by_name = {s["name"]: s for s in report["sources"]}
    assert by_name["good"]["new"] == 2 and by_name["good"]["error"] is None
    assert by_name["broken"]["error"].startswith("127.0.0.1 has no such page (HTTP 404).")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["collect", "--source", "nope"], "error: There is no source named 'nope' (sources: none yet). See `python -m scrm sources list`.\n"),
        (["sources", "add", "rss", "x", "--set", "url"], "error: --set takes KEY=VALUE (e.g. --set query=acme), not 'url'.\n"),
        (["sources", "add", "mastodon", "m", "--set", "instance=https://x.example", "--set", "token=t"],
         "error: token is a secret and is never stored in the database: put it under [sources.NAME] in "
         ".streamlit/secrets.toml (or the environment variable SCRM_SOURCE_NAME_TOKEN) instead of --set.\n"),
    ],
)
def test_a_user_error_exits_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(store.ENV_DB, str(tmp_path / "x.db"))
    assert cli.main(argv) == 2
    assert capsys.readouterr().err == message


def test_starting_empty_keeps_the_sources_and_forgets_their_cursors(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    case = CASES[2]
    api.add_source(fresh_db, case.kind, "src", case.settings(httpserver), actor="t")
    serve(httpserver, case, case.first)
    run(fresh_db)
    api.start_empty(fresh_db, actor="t")
    assert stored(fresh_db) == [] and fresh_db.execute(f"SELECT count(*) FROM {S.RAW_ITEMS}").fetchone()[0] == 0
    assert L.get_source(fresh_db, "src").cursor == {}
    assert run(fresh_db).new == case.first_count


def test_reddit_with_approved_credentials_collects_and_applies_what_reddit_reports_deleted(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    monkeypatch.setenv("SCRM_SOURCE_R_CLIENT_ID", "app")
    monkeypatch.setenv("SCRM_SOURCE_R_CLIENT_SECRET", "shh")
    api.add_source(fresh_db, "reddit", "r", {"query": "acme", "base_url": httpserver.url_for("/oauth"),
                                             "auth_url": httpserver.url_for("/token")}, actor="t")
    httpserver.expect_request("/token", method="POST", headers={"Authorization": "Basic YXBwOnNoaA=="}
                              ).respond_with_json({"access_token": "tok", "token_type": "bearer", "expires_in": 86400})

    def post(n: int, author: str, body: str) -> dict[str, Any]:
        return {"kind": "t3", "data": {"id": f"p{n}", "name": f"t3_p{n}", "author": author, "title": f"Acme {n}" if body not in ("[deleted]", "[removed]") else "",
                                       "selftext": body, "created_utc": 1_772_445_600 + n, "permalink": f"/r/x/comments/p{n}/", "score": 3, "num_comments": 1}}

    listing = {"kind": "Listing", "data": {"after": None, "children": [post(1, "ana", "hello"), post(2, "bea", "bye")]}}
    httpserver.expect_request("/oauth/search", headers={"Authorization": "Bearer tok"}).respond_with_json(listing)
    first = run(fresh_db)
    assert (first.error, first.new) == (None, 2)
    assert {r["author"] for r in stored(fresh_db)} == {"ana", "bea"}
    httpserver.clear()
    httpserver.expect_request("/token", method="POST").respond_with_json({"access_token": "tok"})
    gone = {"kind": "Listing", "data": {"children": [post(1, "ana", "hello"), post(2, "[deleted]", "[deleted]")]}}
    httpserver.expect_request("/oauth/search").respond_with_json(gone)
    second = run(fresh_db)
    assert (second.error, second.new, second.deleted) == (None, 0, 1)
    assert [r["author"] for r in stored(fresh_db)] == ["ana"]


def test_watch_collects_in_rounds_and_stops_after_the_rounds_asked(
    four_servers: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    no_secrets: None,
) -> None:
    monkeypatch.setenv(store.ENV_DB, str(tmp_path / "w.db"))
    slept: list[float] = []
    monkeypatch.setattr(cli.time, "sleep", slept.append)
    case = CASES[2]
    assert cli.main(["sources", "add", case.kind, "hn"] + [a for k, v in case.settings(four_servers).items() for a in ("--set", f"{k}={v}")]) == 0
    assert cli.main(["watch", "--every", "0.5", "--runs", "2", "--no-score"]) == 0
    out = capsys.readouterr().out
    assert out.count("hn (hackernews): 2 fetched, 2 new") == 1 and out.count("hn (hackernews): 2 fetched, 0 new") == 1
    assert slept == [30.0]


def test_a_hacker_news_base_url_without_the_api_path_finds_it(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    api.add_source(fresh_db, "hackernews", "hn", {"base_url": httpserver.url_for("/").rstrip("/"), "query": "acme"}, actor="t")
    httpserver.expect_request("/search_by_date").respond_with_data("no", status=404)
    httpserver.expect_request("/api/v1/search_by_date").respond_with_json(CASES[2].first)
    assert (run(fresh_db).error, run(fresh_db).fetched) == (None, 2)


def test_bluesky_signs_in_with_the_app_password_only_when_the_secrets_give_one(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    case = CASES[1]
    api.add_source(fresh_db, "bluesky", "bsky", case.settings(httpserver), actor="t")
    monkeypatch.setenv("SCRM_SOURCE_BSKY_IDENTIFIER", "acme.example")
    monkeypatch.setenv("SCRM_SOURCE_BSKY_APP_PASSWORD", "app-pw")
    httpserver.expect_request("/xrpc/com.atproto.server.createSession", method="POST",
                              json={"identifier": "acme.example", "password": "app-pw"}
                              ).respond_with_json({"accessJwt": "jwt", "did": "did:plc:acme", "handle": "acme.example"})
    httpserver.expect_request(case.path, headers={"Authorization": "Bearer jwt"}).respond_with_json(case.first)
    probe = api.probe_source(fresh_db, "bsky")
    assert (probe.error, probe.fetched) == (None, 2), "the sign-in does not count as the test's one request"
    assert run(fresh_db).new == 2


def test_a_later_page_that_fails_keeps_the_pages_read_and_the_next_run_resumes_there(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    api.add_source(fresh_db, "hackernews", "hn", {"base_url": httpserver.url_for("/api/v1"), "query": "acme"}, actor="t")
    first = hn_page([hn_hit(2, "a", 1_772_445_600, title="Newest")]) | {"nbPages": 2}
    older = hn_page([hn_hit(1, "b", 1_772_400_000, title="Older")]) | {"page": 1, "nbPages": 2}
    base = {"query": "acme", "tags": "(story,comment)", "hitsPerPage": "100"}
    httpserver.expect_request("/api/v1/search_by_date", query_string=base).respond_with_json(first)
    httpserver.expect_oneshot_request("/api/v1/search_by_date", query_string={**base, "page": "1"}).respond_with_data("{oops")
    result = run(fresh_db)
    assert (result.error, result.new) == (None, 1)
    assert result.notes and result.notes[0].startswith("Stopped at page 2:")
    httpserver.expect_request("/api/v1/search_by_date", query_string={**base, "page": "1"}).respond_with_json(older)
    assert run(fresh_db).new == 1
    assert L.get_source(fresh_db, "hn").cursor == {"since": 1_772_445_600}


def test_mastodon_collects_the_brand_accounts_mentions_with_its_token(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    api.add_source(fresh_db, "mastodon", "brand", {"instance": httpserver.url_for("/").rstrip("/"), "mentions": "true"}, actor="t")
    assert run(fresh_db).error == (
        "Collecting the brand account's mentions needs its access token (read:notifications): "
        "put token under [sources.NAME] in .streamlit/secrets.toml."
    )
    monkeypatch.setenv("SCRM_SOURCE_BRAND_TOKEN", "tok")
    status = mastodon_status(5, "ana", "<p>@acme where is my parcel?</p>", "2026-03-05T09:00:00Z")
    httpserver.expect_request("/api/v1/notifications", headers={"Authorization": "Bearer tok"},
                              query_string={"types[]": "mention", "limit": "40"}
                              ).respond_with_json([{"id": "900", "type": "mention", "created_at": "2026-03-05T09:00:01Z",
                                                    "account": status["account"], "status": status}])
    result = run(fresh_db)
    assert (result.error, result.new) == (None, 1)
    assert stored(fresh_db)[0]["text"] == "@acme where is my parcel?"
    assert L.get_source(fresh_db, "brand").cursor["mentions_min_id"] == "900"


@pytest.mark.parametrize("kind", KINDS)
def test_the_readme_lists_every_source_kind_with_its_settings_and_what_it_needs(kind: str) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Listening live", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in section.splitlines() if line.startswith(f"| `{kind}` |"))
    for key in CONNECTORS[kind].setting_keys():
        assert f"`{key}`" in row, key
    for secret in CONNECTORS[kind].secrets:
        assert f"`{secret}`" in row, secret


def test_a_source_with_a_brand_setting_fills_the_brand_of_its_mentions(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    case = CASES[2]
    api.add_source(fresh_db, case.kind, "rival", {**case.settings(httpserver), "brand": "Rival Co"}, actor="t")
    serve(httpserver, case, case.first)
    run(fresh_db)
    assert {r["brand"] for r in stored(fresh_db)} == {"Rival Co"}


@pytest.mark.parametrize("case", [c for c in CASES if c.kind != "discourse"], ids=[c.kind for c in CASES if c.kind != "discourse"])
def test_an_item_gone_from_a_later_answer_is_kept_where_the_platform_reports_no_deletion(
    case: Case, fresh_db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    # An item missing from an answer may just be older than the page, so it is not taken for deleted;
    # only a platform's own word is (Mastodon, Bluesky and YouTube are re-asked: tests/test_listen_deletions.py).
    from test_listen_deletions import serve_recheck

    add(fresh_db, httpserver, case, monkeypatch)
    serve(httpserver, case, case.first)
    run(fresh_db)
    serve(httpserver, case, case.second)  # the oldest item of the first answer is gone
    serve_recheck(httpserver, case.kind, case.first)  # ... from the page, but the platform still has it
    result = run(fresh_db)
    assert (result.error, result.deleted) == (None, 0)
    assert len(stored(fresh_db)) == case.first_count + 1


def test_the_example_secrets_file_shows_where_each_secret_goes(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parent.parent / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    block = text[text.index("## --- Live sources"):]
    uncommented = tmp_path / "secrets.toml"
    uncommented.write_text("\n".join(line[2:] for line in block.splitlines() if line.startswith("# ")), encoding="utf-8")
    assert L.secrets_for("acme-bsky", ["identifier", "app_password"], files=[uncommented]) == {
        "identifier": "acme.bsky.social", "app_password": "xxxx-xxxx-xxxx-xxxx"}
    assert set(L.read_secrets("replies", "mastodon", ["instance", "token"], [uncommented])) == {"instance", "token"}


def test_an_item_the_validation_refuses_is_quarantined_once_not_at_every_run(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    api.add_source(fresh_db, "hackernews", "hn", {"base_url": httpserver.url_for("/api/v1"), "query": "acme"}, actor="t")
    undated = hn_hit(1, "pg", 1_772_445_600, title="No date") | {"created_at": "someday", "created_at_i": None}
    httpserver.expect_request("/api/v1/search_by_date").respond_with_json(hn_page([undated, hn_hit(2, "a", 1_772_445_700, title="ok")]))
    first = run(fresh_db)
    assert (first.new, first.rejected) == (1, 1)
    assert (run(fresh_db).rejected, fresh_db.execute(f"SELECT count(*) FROM {S.QUARANTINE}").fetchone()[0]) == (0, 1)
