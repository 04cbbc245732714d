"""Hacker News: stories and comments matching a search, through the Algolia HN Search API.

``GET {base_url}/search_by_date?query=...&tags=(story,comment)&numericFilters=created_at_i>=N``,
newest first, page by page (``page``, ``nbPages``) until the budget or the
end; the cursor keeps the newest ``created_at_i`` seen. No key is needed.
Deletions: a deleted item leaves the index, so it is not collected again;
but an item missing from a later answer is not taken for deleted (the
search's window moves on), so an item already stored stays until the
retention period removes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from scrm.errors import SourceError
from scrm.i18n.messages import Message
from scrm.listen.base import (
    Batch,
    BudgetSpent,
    Connector,
    Http,
    Refused,
    Setting,
    count,
    html_to_text,
    iso_utc,
    mention_id,
    shape_error,
)

KIND = "hackernews"
PLATFORM = "hackernews"
DEFAULT_BASE = "https://hn.algolia.com/api/v1"
PAGE = 100


def hit_row(hit: Mapping[str, Any]) -> dict[str, Any] | None:
    """The canonical mention row of a search hit (a story or a comment)."""
    native = hit.get("objectID")
    if native is None:
        return None
    tags = hit.get("_tags") or []
    is_comment = "comment" in tags or (hit.get("comment_text") and not hit.get("title"))
    if is_comment:
        text = html_to_text(hit.get("comment_text"))
    else:
        title = str(hit.get("title") or "").strip()
        body = html_to_text(hit.get("story_text"))
        text = f"{title}\n\n{body}".strip() if body else title
    if not text:
        return None  # a deleted or empty item
    return {
        "mention_id": mention_id(PLATFORM, native),
        "platform": PLATFORM,
        "author": hit.get("author"),
        "text": text,
        "posted_at": iso_utc(hit.get("created_at") or hit.get("created_at_i")),
        "url": f"https://news.ycombinator.com/item?id={native}",
        "kind": "reply" if is_comment else "post",
        "in_reply_to": str(hit["parent_id"]) if is_comment and hit.get("parent_id") is not None else None,
        "likes": count(hit.get("points")),
        "replies": count(hit.get("num_comments")),
    }


def fetch(http: Http, settings: Mapping[str, str], secrets: Mapping[str, str], cursor: Mapping[str, Any]) -> Batch:
    base = str(settings.get("base_url") or DEFAULT_BASE).rstrip("/")
    host = base.split("//")[-1].split("/")[0]
    since = cursor.get("since")
    batch = Batch(cursor=dict(cursor))
    # A run cut short by the budget resumes at the page it stopped at, with the same filter:
    # newer items arriving meanwhile push older ones back a page, never past it.
    newest = cursor.get("pending", since)
    seen: set[str] = set()
    page = first = int(cursor.get("resume_page") or 0)
    while True:
        params = {"query": settings.get("query"), "tags": settings.get("tags") or "(story,comment)",
                  "hitsPerPage": PAGE, "page": page or None,
                  "numericFilters": f"created_at_i>={since}" if since else None}
        try:
            try:
                response = http.get(f"{base}/search_by_date", params=params)
            except Refused as e:
                # A base URL given without the API's path (https://hn.algolia.com): try it with /api/v1.
                if e.status != 404 or urlsplit(base).path not in ("", "/"):
                    raise
                base = f"{base}/api/v1"
                response = http.get(f"{base}/search_by_date", params=params)
            data = http.json(response)
            hits = data.get("hits") if isinstance(data, dict) else None
            if not isinstance(hits, list):
                raise shape_error(host, Message("a list of hits"))
        except BudgetSpent:
            batch.cursor = {"since": since, "resume_page": page, "pending": newest}
            return batch
        except SourceError as e:
            if page == first:
                raise
            # A later page failed: keep the pages read, and the next run resumes at this one.
            batch.notes.append(f"Stopped at page {page + 1}: {e}")
            batch.cursor = {"since": since, "resume_page": page, "pending": newest}
            return batch
        fresh = 0
        for hit in hits:
            if not isinstance(hit, dict) or str(hit.get("objectID")) in seen:
                continue
            seen.add(str(hit.get("objectID")))
            fresh += 1
            stamp = hit.get("created_at_i")
            if isinstance(stamp, int) and (newest is None or stamp > newest):
                newest = stamp
            row = hit_row(hit)
            if row is not None:
                batch.add(row, hit)
        pages = data.get("nbPages")
        if not fresh or not isinstance(pages, int) or page + 1 >= pages:
            break
        page += 1
    batch.cursor = {"since": newest}
    return batch


CONNECTOR = Connector(
    kind=KIND,
    summary="Hacker News stories and comments matching a search (Algolia HN Search API)",
    settings=(
        Setting("base_url", "the API's base URL", default=DEFAULT_BASE),
        Setting("query", "words to search for", required=True),
        Setting("tags", "Algolia tags: story, comment, or (story,comment)", default="(story,comment)"),
    ),
    needs="nothing",
    fetch=fetch,
)
