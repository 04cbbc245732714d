"""Bluesky: posts matching a search, ``app.bsky.feed.searchPosts``.

``GET {service}/xrpc/app.bsky.feed.searchPosts?q=...&sort=latest&since=...``
pages back with the answer's ``cursor`` until it reaches posts older than the
newest one already collected (kept in the cursor as ``since``). With
``identifier`` and ``app_password`` under ``[sources.NAME]`` it first signs in
(``com.atproto.server.createSession``) and sends the session token; without
them it asks anonymously (a self-hosted AppView, or a proxy that allows it).

Deletions: the search API does not report them. Each run re-asks about a
group of the posts collected recently (``app.bsky.feed.getPosts``, up to 25
AT-URIs in one request); a post missing from the answer was deleted by its
author (or taken down) and is removed here with what hangs on it. The
Jetstream firehose also carries deletions (``commit`` events with
``operation: delete``), but only while a websocket is held open and for the
whole network (a million events an hour to filter down to the few posts
kept); a scheduled ``collect`` re-checks with one plain request instead,
and needs no websocket library.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrm.errors import SourceError
from scrm.i18n.messages import Message
from scrm.listen.base import (
    RECHECK_TRIES,
    Batch,
    BudgetSpent,
    Connector,
    Http,
    Setting,
    as_dict,
    count,
    iso_utc,
    mention_id,
    recheck,
    shape_error,
)

KIND = "bluesky"
PLATFORM = "bluesky"
PAGE = 100
DEFAULT_SERVICE = "https://bsky.social"


def post_row(post: Mapping[str, Any]) -> dict[str, Any] | None:
    """The canonical mention row of a ``postView``."""
    uri = post.get("uri")
    if not uri:
        return None
    author = as_dict(post.get("author"))
    record = as_dict(post.get("record"))
    handle = author.get("handle") or author.get("did")
    langs = record.get("langs")
    reply = as_dict(record.get("reply"))
    rkey = str(uri).rsplit("/", 1)[-1]
    return {
        "mention_id": mention_id(PLATFORM, uri),
        "platform": PLATFORM,
        "author": handle,
        "author_name": author.get("displayName") or None,
        "text": record.get("text"),
        "posted_at": iso_utc(record.get("createdAt") or post.get("indexedAt")),
        "url": f"https://bsky.app/profile/{handle}/post/{rkey}" if handle else None,
        "lang": langs[0] if isinstance(langs, list) and langs else None,
        "kind": "reply" if reply else "post",
        "in_reply_to": as_dict(reply.get("parent")).get("uri"),
        "likes": count(post.get("likeCount")),
        "shares": count(post.get("repostCount")),
        "replies": count(post.get("replyCount")),
    }


def _session(http: Http, service: str, secrets: Mapping[str, str]) -> dict[str, str]:
    if not (secrets.get("identifier") and secrets.get("app_password")):
        return {}
    response = http.request(
        "POST", f"{service}/xrpc/com.atproto.server.createSession",
        json_body={"identifier": secrets["identifier"], "password": secrets["app_password"]},
    )
    token = as_dict(http.json(response)).get("accessJwt")
    if not token:
        raise SourceError(Message(
            "{service} did not open a session with the app password given; check identifier and app_password.",
            {"service": service},
        ))
    return {"Authorization": f"Bearer {token}"}


RECHECK = 25  # AT-URIs per app.bsky.feed.getPosts request (the lexicon's maximum)


def fetch(http: Http, settings: Mapping[str, str], secrets: Mapping[str, str], cursor: Mapping[str, Any]) -> Batch:
    service = str(settings.get("service") or DEFAULT_SERVICE).rstrip("/")
    host = service.split("//")[-1]
    headers = _session(http, service, secrets)
    batch = _search(http, settings, service, host, headers, cursor)
    collected = [(str(raw["uri"]), str(row["mention_id"])) for row, raw in zip(batch.rows, batch.raw, strict=True)
                 if raw.get("uri")]
    recheck(batch, cursor, lambda uris: _still_there(http, service, headers, uris, host), RECHECK, collected)
    return batch


def _still_there(http: Http, service: str, headers: dict[str, str], uris: list[str], host: str) -> set[str]:
    """Which of the post URIs the service still serves (one request)."""
    data = http.json(http.get(f"{service}/xrpc/app.bsky.feed.getPosts", params={"uris": uris}, headers=headers,
                                 tries=RECHECK_TRIES))
    posts = data.get("posts") if isinstance(data, dict) else None
    if not isinstance(posts, list):
        raise shape_error(host, Message("a list of posts"))
    return {str(p["uri"]) for p in posts if isinstance(p, dict) and p.get("uri")}


def _search(http: Http, settings: Mapping[str, str], service: str, host: str, headers: dict[str, str],
            cursor: Mapping[str, Any]) -> Batch:
    """The posts new since the cursor, paging back through the search's answers."""
    since = cursor.get("since")
    batch = Batch(cursor=dict(cursor))
    # A run cut short by the budget resumes from the page cursor it stopped at.
    newest = cursor.get("pending", since)
    seen: set[str] = set()
    page_cursor: str | None = cursor.get("resume")
    first = page_cursor
    while True:
        params = {"q": settings["query"], "sort": "latest", "limit": PAGE, "cursor": page_cursor,
                  "since": f"{since}Z" if since else None, "lang": settings.get("lang")}
        try:
            response = http.get(f"{service}/xrpc/app.bsky.feed.searchPosts", params=params, headers=headers)
            data = http.json(response)
            posts = data.get("posts") if isinstance(data, dict) else None
            if not isinstance(posts, list):
                raise shape_error(host, Message("a list of posts"))
        except BudgetSpent:
            batch.cursor = {"since": since, "resume": page_cursor, "pending": newest}
            return batch
        except SourceError as e:
            if page_cursor == first:
                raise
            # A later page failed: keep the pages read, and the next run resumes at this one.
            batch.notes.append(f"Stopped at a later page: {e}")
            batch.cursor = {"since": since, "resume": page_cursor, "pending": newest}
            return batch
        fresh = 0
        older = False
        for post in posts:
            if not isinstance(post, dict) or post.get("uri") in seen:
                continue
            seen.add(str(post.get("uri")))
            row = post_row(post)
            if row is None:
                continue
            fresh += 1
            batch.add(row, post)
            when = row["posted_at"]
            if when and (newest is None or when > newest):
                newest = when
            if since and when and when <= since:
                older = True
        next_cursor = data.get("cursor")
        if not next_cursor or next_cursor == page_cursor or not fresh or older or since is None:
            break
        page_cursor = str(next_cursor)
    batch.cursor = {"since": newest}
    return batch


CONNECTOR = Connector(
    kind=KIND,
    summary="Bluesky posts matching a search",
    settings=(
        Setting("service", "the base URL of the Bluesky service", default=DEFAULT_SERVICE),
        Setting("query", "words to search for (Lucene syntax)", required=True),
        Setting("lang", "only posts in this language (two letters)"),
    ),
    secrets=("identifier", "app_password"),
    needs="an app password (Settings > App passwords) with the account's handle as identifier",
    fetch=fetch,
    sign_in_requests=1,
)
