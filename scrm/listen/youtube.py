"""YouTube: the comments on a video or on all of a channel's videos (Data API v3).

``GET {base_url}/commentThreads?part=snippet&videoId=...`` (or
``allThreadsRelatedToChannelId=...``) with ``order=time``, paged with
``pageToken`` until it reaches comments no newer than the newest one kept
(the cursor). Needs a free API key (``api_key`` under ``[sources.NAME]``);
each page costs 1 unit of the key's 10,000 a day.

Deletions: each run re-asks about a group of the comments collected
recently (``GET {base_url}/comments?part=id&id=...``, up to 50 ids, 1 unit);
a comment missing from the answer was deleted by its author (or removed)
and is removed here with what hangs on it. YouTube's terms ask that stored
comments be refreshed or deleted within 30 days: the re-check covers the
latest 200 comments of a source; set the retention period (Privacy page)
to one month so older ones are deleted.
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
    html_to_text,
    iso_utc,
    mention_id,
    recheck,
    shape_error,
)

KIND = "youtube"
RECHECK = 50  # comment ids per comments.list request (the API's maximum)
PLATFORM = "youtube"
DEFAULT_BASE = "https://www.googleapis.com/youtube/v3"


def thread_row(thread: Mapping[str, Any]) -> dict[str, Any] | None:
    snippet = as_dict(thread.get("snippet"))
    top = as_dict(snippet.get("topLevelComment"))
    comment = as_dict(top.get("snippet"))
    native = top.get("id") or thread.get("id")
    text = comment.get("textOriginal") or html_to_text(comment.get("textDisplay"))
    if not native or not text:
        return None
    video = comment.get("videoId") or snippet.get("videoId")
    return {
        "mention_id": mention_id(PLATFORM, native),
        "platform": PLATFORM,
        "author": comment.get("authorDisplayName") or as_dict(comment.get("authorChannelId")).get("value"),
        "text": text,
        "posted_at": iso_utc(comment.get("publishedAt")),
        "url": f"https://www.youtube.com/watch?v={video}&lc={native}" if video else None,
        "kind": "reply",
        "likes": count(comment.get("likeCount")),
        "replies": count(snippet.get("totalReplyCount")),
    }


def fetch(http: Http, settings: Mapping[str, str], secrets: Mapping[str, str], cursor: Mapping[str, Any]) -> Batch:
    if not secrets.get("api_key"):
        raise SourceError(Message(
            "A YouTube source needs an API key: put api_key under [sources.NAME] in .streamlit/secrets.toml."
        ))
    base = str(settings.get("base_url") or DEFAULT_BASE).rstrip("/")
    batch = _threads(http, settings, secrets, cursor, base)
    collected = [(str(row["mention_id"]).split(":", 1)[1], str(row["mention_id"])) for row in batch.rows]
    recheck(batch, cursor, lambda ids: _still_there(http, base, secrets, ids), RECHECK, collected)
    return batch


def _still_there(http: Http, base: str, secrets: Mapping[str, str], ids: list[str]) -> set[str]:
    """Which of the comment ids YouTube still serves (one request, 1 unit)."""
    response = http.get(f"{base}/comments", params={"part": "id", "id": ",".join(ids)},
                        headers={"X-goog-api-key": secrets["api_key"]}, tries=RECHECK_TRIES)
    data = http.json(response)
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise shape_error(base.split("//")[-1].split("/")[0], Message("a list of comments"))
    return {str(i["id"]) for i in items if isinstance(i, dict) and i.get("id")}


def _threads(http: Http, settings: Mapping[str, str], secrets: Mapping[str, str], cursor: Mapping[str, Any],
             base: str) -> Batch:
    """The comment threads new since the cursor, newest first, page after page."""
    since = cursor.get("since")
    batch = Batch(cursor=dict(cursor))
    newest = cursor.get("pending", since)
    token: str | None = cursor.get("resume")  # where a run cut short by the budget stopped
    target = {"videoId": settings.get("video_id")} if settings.get("video_id") else {
        "allThreadsRelatedToChannelId": settings.get("channel_id")}
    while True:
        params = {"part": "snippet", "order": "time", "maxResults": 100, "textFormat": "plainText",
                  "pageToken": token, **target}
        try:
            # The key goes in a header, not the address: addresses end up in logs.
            response = http.get(f"{base}/commentThreads", params=params, headers={"X-goog-api-key": secrets["api_key"]})
        except BudgetSpent:
            batch.cursor = {"since": since, "resume": token, "pending": newest}
            return batch
        data = http.json(response)
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise shape_error(base.split("//")[-1].split("/")[0], Message("a list of comment threads"))
        older = False
        for item in items:
            row = thread_row(item) if isinstance(item, dict) else None
            if row is None:
                continue
            batch.add(row, item)
            when = row["posted_at"]
            if when and (newest is None or when > newest):
                newest = when
            if since and when and when <= since:
                older = True
        next_token = data.get("nextPageToken")
        if not next_token or next_token == token or older or not items:
            break
        token = str(next_token)
    batch.cursor = {"since": newest}
    return batch


CONNECTOR = Connector(
    kind=KIND,
    summary="comments on a YouTube video or channel (Data API v3)",
    settings=(
        Setting("base_url", "the API's base URL", default=DEFAULT_BASE),
        Setting("video_id", "the video whose comments to collect"),
        Setting("channel_id", "the channel whose videos' comments to collect"),
    ),
    one_of=("video_id", "channel_id"),
    secrets=("api_key",),
    requires_secrets=("api_key",),
    needs="a free YouTube Data API v3 key",
    fetch=fetch,
)
