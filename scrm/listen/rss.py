"""RSS and Atom feeds: news, blogs, Google Alerts, app store reviews, YouTube channel feeds.

The feed is fetched with ``If-None-Match`` / ``If-Modified-Since`` from the
last answer's ``ETag`` and ``Last-Modified`` (kept in the cursor), so an
unchanged feed costs one short 304. feedparser reads every RSS and Atom
dialect; items are keyed by their ``id`` (guid), else their link. The
platform is the host of the feed's site (its link, e.g. ``blog.example.com``),
else of the feed's own address, or ``web`` when neither names a host (an IP
address, localhost). Deletions: a feed only lists its latest items, so an item that
leaves it is not taken for a deleted one.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from typing import Any

from scrm.db import schema as S
from scrm.db.store import utcnow
from scrm.errors import SourceError
from scrm.i18n.messages import Message
from scrm.listen.base import Batch, Connector, Http, Setting, html_to_text, iso_utc, mention_id

KIND = "rss"
WEB = "web"


def site_of(link: str | None) -> str | None:
    """The host of a link (lower case); None for none, an IP address or localhost.

    >>> site_of("https://www.Example.com/blog"), site_of("http://127.0.0.1:8000/feed"), site_of(None)
    ('www.example.com', None, None)
    """
    if not link or "//" not in link:
        return None
    host = link.split("//", 1)[1].split("/", 1)[0].split("@")[-1].rsplit(":", 1)[0].strip("[]").lower()
    if not host or host == "localhost":
        return None
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    return host


def entry_row(entry: Mapping[str, Any], platform: str, feed: Mapping[str, Any]) -> dict[str, Any] | None:
    """The canonical mention row of a feed entry."""
    title = html_to_text(entry.get("title"))
    contents = entry.get("content") or []
    body_html = contents[0].get("value") if contents and isinstance(contents[0], Mapping) else entry.get("summary")
    body = html_to_text(body_html)
    if body and title and (body == title or body.startswith(title)):
        text = body
    else:
        text = "\n\n".join(p for p in (title, body) if p)
    if not text:
        return None
    link = entry.get("link")
    native = entry.get("id") or link or hashlib.sha256(f"{title}|{entry.get('published')}".encode()).hexdigest()[:24]
    author = entry.get("author") or (entry.get("author_detail") or {}).get("name")
    if not author and S.MENTION_ENTITY.column("author").required:
        author = html_to_text(feed.get("title")) or platform  # the feed speaks for itself
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    posted = iso_utc(stamp) if stamp else iso_utc(entry.get("published") or entry.get("updated"))
    return {
        "mention_id": mention_id(platform, native),
        "platform": platform,
        "author": author or None,
        "text": text,
        "posted_at": posted or utcnow(),  # an undated item is dated when first seen
        "url": link,
        "lang": entry.get("language") or feed.get("language") or None,
        "kind": "post",
    }


def fetch(http: Http, settings: Mapping[str, str], secrets: Mapping[str, str], cursor: Mapping[str, Any]) -> Batch:
    url = str(settings["url"])
    headers = {}
    if cursor.get("etag"):
        headers["If-None-Match"] = str(cursor["etag"])
    if cursor.get("modified"):
        headers["If-Modified-Since"] = str(cursor["modified"])
    response = http.get(url, headers=headers)
    batch = Batch(cursor=dict(cursor))
    if response.status_code == 304:
        batch.notes.append("The feed has not changed since the last run.")
        return batch
    import feedparser  # imported when a feed is read: the app's pages never need it

    parsed = feedparser.parse(response.content, response_headers={k.lower(): v for k, v in response.headers.items()})
    if parsed.get("bozo") and not parsed.get("entries"):
        problem = parsed.get("bozo_exception")  # the XML parser's own words, or none
        raise SourceError(Message(
            "{url} is not a readable RSS or Atom feed ({why}); "
            "nothing of it was stored. Check the address: it must be the feed itself, not the web page.",
            {"url": url, "why": str(problem) if problem else Message("malformed XML")},
        ))
    feed = parsed.get("feed") or {}
    platform = site_of(feed.get("link")) or site_of(url) or WEB
    for entry in parsed.get("entries") or []:
        row = entry_row(entry, platform, feed)
        if row is not None:
            batch.add(row, dict(entry))
    batch.cursor["etag"] = response.headers.get("ETag")
    batch.cursor["modified"] = response.headers.get("Last-Modified")
    return batch


CONNECTOR = Connector(
    kind=KIND,
    summary="the items of an RSS or Atom feed (news, blogs, Google Alerts, review feeds)",
    settings=(Setting("url", "the feed's address", required=True),),
    needs="nothing",
    fetch=fetch,
)
