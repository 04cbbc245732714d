"""Mastodon: a hashtag timeline (no token on most servers) and/or a search (token).

Hashtag: ``GET {instance}/api/v1/timelines/tag/{hashtag}``; search:
``GET {instance}/api/v2/search?type=statuses`` (most servers answer status
searches only with a token, ``token`` under ``[sources.NAME]``); with
``mentions=true`` and the brand account's token, the statuses that mention it
(``GET /api/v1/notifications?types[]=mention``). Each pages forward with
``min_id`` from the newest id seen, kept in the cursor.
The HTML of a status becomes plain text; ``account.acct`` is the author.

Deletions: each run re-asks the server about a group of the statuses
collected recently (``GET /api/v1/statuses?id[]=...``, Mastodon 4.3 and
later, one request for up to 40); a status it no longer serves was deleted
by its author (or removed by a moderator) and is removed here with what
hangs on it. Mastodon also announces deletions on its streaming API
(``delete`` events over server-sent events), but a scheduled ``collect``
does not hold a stream open, most servers ask a token for public streams,
and a stream only tells what happens while it is open: the re-check needs
neither and catches a deletion made between two runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from scrm.errors import SourceError
from scrm.i18n.messages import Message
from scrm.listen.base import (
    RECHECK_TRIES,
    Batch,
    BudgetSpent,
    Connector,
    Http,
    Refused,
    Setting,
    as_dict,
    count,
    html_to_text,
    iso_utc,
    mention_id,
    recheck,
    shape_error,
)

KIND = "mastodon"
PLATFORM = "mastodon"
PAGE = 40  # Mastodon's maximum page size


def _newest(ids: list[str]) -> str | None:
    """The largest status id (snowflake ids compare as numbers)."""
    if not ids:
        return None
    return max(ids, key=lambda i: (len(i), i) if i.isdigit() else (0, i))


def status_row(status: Mapping[str, Any]) -> dict[str, Any] | None:
    """The canonical mention row of a status (a boost counts as the status it boosts)."""
    reblog = status.get("reblog")
    if isinstance(reblog, dict):
        status = reblog
    native = status.get("uri") or status.get("id")
    if not native:
        return None
    account = as_dict(status.get("account"))
    text = html_to_text(status.get("content"))
    warning = str(status.get("spoiler_text") or "").strip()
    if warning:
        text = f"{warning}\n\n{text}".strip()
    if not text:
        return None  # a picture or a poll without words: nothing to read
    visibility = str(status.get("visibility") or "").lower()
    return {
        "mention_id": mention_id(PLATFORM, native),
        "platform": PLATFORM,
        "author": account.get("acct") or account.get("username"),
        "author_name": account.get("display_name") or None,
        "text": text,
        "posted_at": iso_utc(status.get("created_at")),
        "url": status.get("url") or status.get("uri"),
        "lang": status.get("language"),
        "kind": "reply" if status.get("in_reply_to_id") else "post",
        "in_reply_to": str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None,
        "visibility": "public" if visibility in ("public", "unlisted", "") else "private",
        "likes": count(status.get("favourites_count")),
        "shares": count(status.get("reblogs_count")),
        "replies": count(status.get("replies_count")),
        "author_followers": count(account.get("followers_count")),
        "client": as_dict(status.get("application")).get("name"),  # the app it was posted with
    }


def _collect(http: Http, url: str, params: dict[str, Any], headers: dict[str, str], since: str | None,
             pick: str | None, batch: Batch, host: str) -> str | None:
    """Page forward from ``since``; returns the newest id seen (or ``since``)."""
    newest = since
    seen: set[str] = set()
    min_id = since
    while True:
        try:
            response = http.get(url, params={**params, "limit": PAGE, "min_id": min_id}, headers=headers)
        except BudgetSpent:
            break
        data = http.json(response)
        statuses = data.get(pick) if pick and isinstance(data, dict) else data
        if not isinstance(statuses, list):
            raise shape_error(host, Message("a list of statuses"))
        ids = [str(s["id"]) for s in statuses if isinstance(s, dict) and s.get("id") is not None]
        fresh = [i for i in ids if i not in seen]
        for status in statuses:
            if isinstance(status, dict) and str(status.get("id")) in fresh:
                row = status_row(status)
                if row is not None:
                    batch.add(row, status)
        seen.update(ids)
        newest = _newest([*([newest] if newest else []), *ids])
        # A full page may have more after it; a page of nothing new means the end
        # (or a server that ignores min_id): stop either way.
        if len(statuses) < PAGE or not fresh or since is None:
            break
        min_id = _newest(ids)
    return newest


def _mentions(http: Http, instance: str, headers: dict[str, str], since: str | None, batch: Batch, host: str) -> str | None:
    """The statuses that mention the brand's account (its notifications of type mention), newest page forward."""
    try:
        response = http.get(f"{instance}/api/v1/notifications", headers=headers,
                            params={"types[]": "mention", "limit": PAGE, "min_id": since})
    except BudgetSpent:
        return since
    notes = http.json(response)
    if not isinstance(notes, list):
        raise shape_error(host, Message("a list of notifications"))
    ids = [str(n["id"]) for n in notes if isinstance(n, dict) and n.get("id") is not None]
    for note in notes:
        status = note.get("status") if isinstance(note, dict) else None
        if isinstance(status, dict):
            row = status_row(status)
            if row is not None:
                batch.add(row, status)
    return _newest([*([since] if since else []), *ids])


def fetch(http: Http, settings: Mapping[str, str], secrets: Mapping[str, str], cursor: Mapping[str, Any]) -> Batch:
    instance = str(settings["instance"]).rstrip("/")
    host = instance.split("//")[-1]
    headers = {"Authorization": f"Bearer {secrets['token']}"} if secrets.get("token") else {}
    batch = Batch(cursor=dict(cursor))
    if settings.get("hashtag"):
        tag = str(settings["hashtag"]).lstrip("#")
        url = f"{instance}/api/v1/timelines/tag/{quote(tag, safe='')}"
        params: dict[str, Any] = {"local": "true"} if str(settings.get("local", "")).lower() in ("1", "true", "yes") else {}
        batch.cursor["hashtag_min_id"] = _collect(
            http, url, params, headers, cursor.get("hashtag_min_id"), None, batch, host
        )
    if str(settings.get("mentions", "")).lower() in ("1", "true", "yes"):
        if not headers:
            raise SourceError(Message(
                "Collecting the brand account's mentions needs its access token (read:notifications): "
                "put token under [sources.NAME] in .streamlit/secrets.toml."
            ))
        batch.cursor["mentions_min_id"] = _mentions(http, instance, headers, cursor.get("mentions_min_id"), batch, host)
    if settings.get("query"):
        url = f"{instance}/api/v2/search"
        params = {"q": settings["query"], "type": "statuses", "resolve": "false"}
        batch.cursor["search_min_id"] = _collect(
            http, url, params, headers, cursor.get("search_min_id"), "statuses", batch, host
        )
    collected = [(str(own_status(raw).get("id")), str(row["mention_id"]))
                 for row, raw in zip(batch.rows, batch.raw, strict=True) if own_status(raw).get("id") is not None]
    recheck(batch, cursor, lambda ids: _still_there(http, instance, headers, ids, host), PAGE, collected)
    return batch


def own_status(status: Mapping[str, Any]) -> Mapping[str, Any]:
    """The status a row reads: the boosted one for a boost."""
    reblog = status.get("reblog")
    return reblog if isinstance(reblog, dict) else status


def _still_there(http: Http, instance: str, headers: dict[str, str], ids: list[str], host: str) -> set[str]:
    """Which of the status ids the server still serves (one request)."""
    try:
        response = http.get(f"{instance}/api/v1/statuses", params={"id[]": ids}, headers=headers,
                            tries=RECHECK_TRIES)
    except Refused as e:
        if e.status in (404, 405):
            raise SourceError(Message(
                "{host} cannot re-check several statuses at once (it runs Mastodon before 4.3).", {"host": host}
            )) from e
        raise
    statuses = http.json(response)
    if not isinstance(statuses, list):
        raise shape_error(host, Message("a list of statuses"))
    return {str(s["id"]) for s in statuses if isinstance(s, dict) and s.get("id") is not None}


CONNECTOR = Connector(
    kind=KIND,
    summary="Mastodon statuses with a hashtag (no token on most servers) or matching a search (token)",
    settings=(
        Setting("instance", "the server's base URL, e.g. https://mastodon.social", required=True),
        Setting("hashtag", "a hashtag to follow, without #"),
        Setting("query", "words to search for (most servers need a token for status search)"),
        Setting("local", "true: only statuses posted on this server", default="false"),
        Setting("mentions", "true: also the statuses that mention the brand's account (token)", default="false"),
    ),
    one_of=("hashtag", "query", "mentions"),
    secrets=("token",),
    needs="nothing for a hashtag; an access token (read:search, read:notifications) for a search or the account's mentions",
    fetch=fetch,
)
