"""Turn nested JSON (API responses, JSON Lines dumps) into flat records.

Two steps, both pure:

* :func:`unwrap` finds the records inside the envelope of a known API
  response, recognised from its structure (never from the file name):

  - Twitter API v1.1 search (``{"statuses": [...], "search_metadata": ...}``)
    and plain lists of v1.1 tweets: the tweets as they are;
  - Twitter API v2 and raw ``twarc2`` pages (``{"data": [...], "includes":
    {"users": [...]}, "meta": ...}``): each tweet gets its author's user
    object as ``author``, joined by ``author_id`` (the shape ``twarc2
    flatten`` writes); the tweets in ``includes`` are references, not rows;
  - YouTube Data API ``commentThreads`` (and ``comments``) responses: one
    record per top-level comment, then one per reply in ``replies.comments``.
    A reply is laid out like a thread (``snippet.topLevelComment.snippet.*``)
    so that one mapping reaches both; its ``snippet.parentId`` points at the
    comment it answers;
  - Reddit listings (``{"kind": "Listing", "data": {"children": [...]}}``, or
    the list of two listings a thread's ``.json`` gives): each child's
    ``data``, the comments nested in ``replies`` included; "more" stubs are
    left out;
  - Bluesky ``feed`` (``feed[].post``), ``posts`` and ``thread`` responses:
    the post views;
  - Apple's customer-reviews RSS feed as JSON (``feed.entry``): the reviews.

  Anything else is left to the caller (a list of objects, or an object
  holding one list of objects, is already a table). Mastodon statuses,
  Pushshift lines, ``twarc2 flatten`` output and the Zeeschuimer browser
  extension's NDJSON are one object per record and need no unwrapping.

* :func:`flatten_record` makes one flat record of a nested object, with
  dotted names: ``{"user": {"screen_name": "ana"}}`` becomes
  ``{"user.screen_name": "ana"}``. A list of plain values (``["en", "fr"]``,
  hashtags) becomes one text joined with ``, ``; a list holding objects is
  kept as JSON text (``[{"type": "replied_to", "id": "1"}]``), which a preset
  may read again. An empty object or list is an empty cell.

:func:`html_to_text` turns the HTML of a Mastodon status or of a tweet's
``source`` into plain text; its result is only ever shown as text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

Record = dict[str, Any]

# Lists of plain values are joined with this.
LIST_JOINER = ", "


# --- flattening -------------------------------------------------------------------------


def flatten_record(record: Record) -> Record:
    """One level of dotted names for a nested object.

    >>> flatten_record({"id": 1, "user": {"screen_name": "ana", "ids": [1, 2]}, "tags": [{"t": "x"}]})
    {'id': 1, 'user.screen_name': 'ana', 'user.ids': '1, 2', 'tags': '[{"t": "x"}]'}
    """
    out: Record = {}
    _flatten_into(out, "", record)
    return out


def _flatten_into(out: Record, prefix: str, value: Record) -> None:
    # Recursion is bounded: readers refuse JSON nested deeper than the limit before flattening.
    for k, v in value.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            if v:
                _flatten_into(out, key + ".", v)
            else:
                out.setdefault(key, None)
        elif isinstance(v, list):
            out[key] = _list_text(v)
        else:
            out[key] = v


def _list_text(items: list[Any]) -> str | None:
    if not items:
        return None
    if any(isinstance(v, (dict, list)) for v in items):
        return json.dumps(items, ensure_ascii=False)
    return LIST_JOINER.join(_plain(v) for v in items if v is not None) or None


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_nested(records: list[Record]) -> bool:
    """Does any record hold an object (so that flattening changes its columns)?"""
    return any(isinstance(v, dict) for r in records[:1000] for v in r.values())


# --- envelopes ----------------------------------------------------------------------------


def unwrap(document: object) -> tuple[list[Record], str] | None:
    """(records, the API they come from) for a known envelope; None when it is none of them.

    >>> unwrap({"data": [{"id": "1", "author_id": "9", "text": "hi"}],
    ...         "includes": {"users": [{"id": "9", "username": "ana"}]}})[0]
    [{'id': '1', 'author_id': '9', 'text': 'hi', 'author': {'id': '9', 'username': 'ana'}}]
    """
    if isinstance(document, list):
        if document and all(_is_reddit_listing(d) for d in document):
            return [r for d in document for r in _reddit_children(d)], "reddit"
        if document and all(_is_reddit_thing(d) for d in document):  # a listing's children saved as a list
            return list(_reddit_children({"data": {"children": document}})), "reddit"
        if document and all(_is_youtube_item(d) for d in document):  # a response's items saved as a list
            return list(_youtube_comments({"items": document})), "youtube"
        if document and all(isinstance(d, dict) and _is_bluesky_post(d.get("post")) for d in document):
            return [d["post"] for d in document], "bluesky"
        return None
    if not isinstance(document, dict):
        return None
    if _is_youtube_item(document):  # one thread (or comment) per line
        return list(_youtube_comments({"items": [document]})), "youtube"
    if _is_reddit_thing(document):
        return list(_reddit_children({"data": {"children": [document]}})), "reddit"
    if _is_reddit_listing(document):
        return list(_reddit_children(document)), "reddit"
    if _is_twitter_v2_page(document):
        return _twitter_v2_tweets(document), "twitter-v2"
    if _is_empty_twitter_page(document):  # a twarc2 line of a page without results (or with errors only)
        return [], "twitter-v2"
    if _is_youtube_response(document):
        return list(_youtube_comments(document)), "youtube"
    bluesky = _bluesky_posts(document)
    if bluesky is not None:
        return bluesky, "bluesky"
    reviews = _app_store_entries(document)
    if reviews is not None:
        return reviews, "app-store"
    statuses = document.get("statuses")
    if isinstance(statuses, list) and "search_metadata" in document:
        return [s for s in statuses if isinstance(s, dict)], "twitter-v1"
    return None


def _dict(value: object) -> Record:
    return value if isinstance(value, dict) else {}


def _is_twitter_v2_page(document: Record) -> bool:
    data = document.get("data")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data or not all(isinstance(t, dict) for t in data):
        return False
    has_envelope = isinstance(document.get("includes"), dict) or isinstance(document.get("meta"), dict)
    looks_like_tweets = any("author_id" in t or ("text" in t and "edit_history_tweet_ids" in t) for t in data)
    return has_envelope and looks_like_tweets


def _is_empty_twitter_page(document: Record) -> bool:
    meta = document.get("meta")
    return "data" not in document and isinstance(meta, dict) and ("result_count" in meta or "errors" in document)


def _twitter_v2_tweets(document: Record) -> list[Record]:
    data = document["data"]
    tweets = [data] if isinstance(data, dict) else data
    includes = _dict(document.get("includes"))
    users = {
        str(u.get("id")): u for u in (includes.get("users") or []) if isinstance(u, dict) and u.get("id") is not None
    }
    out: list[Record] = []
    for tweet in tweets:
        if not isinstance(tweet, dict):
            continue
        author = users.get(str(tweet.get("author_id")))
        if author is not None and "author" not in tweet:
            tweet = {**tweet, "author": author}
        out.append(tweet)
    return out


def _is_youtube_response(document: Record) -> bool:
    kind = str(document.get("kind", ""))
    items = document.get("items")
    if not isinstance(items, list):
        return False
    if kind in ("youtube#commentThreadListResponse", "youtube#commentListResponse"):
        return True
    return any(isinstance(i, dict) and str(i.get("kind", "")).startswith("youtube#comment") for i in items)


def _youtube_comments(document: Record) -> Iterator[Record]:
    for item in document.get("items") or []:
        if not isinstance(item, dict):
            continue
        if item.get("kind") == "youtube#comment":  # a comments.list response: each item is a comment
            yield _as_thread(item, _video_of(item))
            continue
        snippet = _dict(item.get("snippet"))
        replies = _dict(item.get("replies"))
        yield {k: v for k, v in item.items() if k != "replies"}
        for reply in replies.get("comments") or []:
            if isinstance(reply, dict):
                yield _as_thread(reply, snippet.get("videoId") or _video_of(reply))


def _is_youtube_item(value: object) -> bool:
    return isinstance(value, dict) and value.get("kind") in ("youtube#commentThread", "youtube#comment") and (
        isinstance(value.get("snippet"), dict)
    )


def _video_of(comment: Record) -> object:
    snippet = comment.get("snippet")
    return snippet.get("videoId") if isinstance(snippet, dict) else None


def _as_thread(comment: Record, video_id: object) -> Record:
    """A comment laid out like a comment thread, so that threads and replies share their columns."""
    snippet: Record = {"topLevelComment": comment}
    if video_id is not None:
        snippet["videoId"] = video_id
    return {"kind": "youtube#commentThread", "id": comment.get("id"), "snippet": snippet}


def _is_reddit_listing(value: object) -> bool:
    return (
        isinstance(value, dict)
        and value.get("kind") == "Listing"
        and isinstance(value.get("data"), dict)
        and isinstance(value["data"].get("children"), list)
    )


def _is_reddit_thing(value: object) -> bool:
    """A post or comment as a listing holds it: ``{"kind": "t3", "data": {...}}``."""
    return isinstance(value, dict) and value.get("kind") in ("t1", "t3") and isinstance(value.get("data"), dict)


def _reddit_children(listing: Record) -> Iterator[Record]:
    """The things of a listing, the comments nested in ``replies`` after their parent."""
    stack: list[Any] = list(reversed(listing["data"]["children"]))
    while stack:
        child = stack.pop()
        if not isinstance(child, dict) or child.get("kind") == "more" or not isinstance(child.get("data"), dict):
            continue
        data = child["data"]
        replies = data.get("replies")
        yield {k: v for k, v in data.items() if k != "replies"}
        if _is_reddit_listing(replies):
            stack.extend(reversed(replies["data"]["children"]))


def _app_store_entries(document: Record) -> list[Record] | None:
    """The reviews of Apple's customer-reviews RSS feed as JSON (``feed.entry``); its app entry is left out."""
    feed = document.get("feed")
    entries = feed.get("entry") if isinstance(feed, dict) else None
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list) or not any(isinstance(e, dict) and "im:rating" in e for e in entries):
        return None
    return [e for e in entries if isinstance(e, dict) and "im:rating" in e]


def _is_bluesky_post(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("record"), dict) and isinstance(value.get("author"), dict)


def _bluesky_posts(document: Record) -> list[Record] | None:
    feed = document.get("feed")
    if isinstance(feed, list) and any(isinstance(f, dict) and _is_bluesky_post(f.get("post")) for f in feed):
        return [f["post"] for f in feed if isinstance(f, dict) and _is_bluesky_post(f.get("post"))]
    posts = document.get("posts")
    if isinstance(posts, list) and posts and all(_is_bluesky_post(p) for p in posts):
        return list(posts)
    thread = document.get("thread")
    if isinstance(thread, dict) and _is_bluesky_post(thread.get("post")):
        out: list[Record] = []
        stack = [thread]
        while stack:
            node = stack.pop()
            if not isinstance(node, dict):
                continue
            if _is_bluesky_post(node.get("post")):
                out.append(node["post"])
            stack.extend(reversed([r for r in node.get("replies") or [] if isinstance(r, dict)]))
        return out
    return None


# --- HTML to text ---------------------------------------------------------------------------

_BREAKS = {"br", "p", "div", "li", "blockquote"}


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_TAG = re.compile(r"<[a-zA-Z/!]")


def html_to_text(value: str | None) -> str | None:
    """Plain text of an HTML fragment: tags dropped, ``<br>`` and paragraphs as line breaks, entities decoded.

    Text without tags is returned with its entities decoded only. The result
    is text, never markup: it is stored and shown as text.

    >>> html_to_text('<p>Hola <span class="h-card"><a href="https://x.y/@bo">@<span>bo</span></a></span></p><p>2</p>')
    'Hola @bo\\n2'
    >>> html_to_text('<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>')
    'Twitter for iPhone'
    """
    if value is None:
        return None
    if not _TAG.search(value):
        return html.unescape(value) if "&" in value else value
    parser = _TextOnly()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text or None
