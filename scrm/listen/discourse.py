"""Discourse forums: the latest posts, a search, or a category's topics (public JSON).

No query or category: ``GET {url}/posts.json`` (the forum's latest posts);
``query``: ``GET {url}/search.json?q=... order:latest``; ``category``:
``GET {url}/c/{category}.json`` (its latest topics, titled). Private forums
take ``api_key`` and ``api_username`` under ``[sources.NAME]``. A post the
forum marks deleted (``deleted_at``, ``user_deleted``) is removed here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from scrm.i18n.messages import Message
from scrm.listen.base import (
    Batch,
    Connector,
    Http,
    Setting,
    count,
    html_to_text,
    iso_utc,
    mention_id,
    shape_error,
)

KIND = "discourse"
PLATFORM = "discourse"


def _site(url: str) -> str:
    return url.split("//")[-1].split("/")[0]


def post_row(post: Mapping[str, Any], url: str) -> dict[str, Any] | None:
    native = post.get("id")
    text = html_to_text(post.get("cooked")) or str(post.get("raw") or post.get("blurb") or "").strip()
    if native is None or not text:
        return None
    slug = post.get("topic_slug") or "topic"
    topic = post.get("topic_id")
    number = post.get("post_number")
    return {
        "mention_id": mention_id(PLATFORM, f"{_site(url)}/{native}"),
        "platform": PLATFORM,
        "author": post.get("username"),
        "author_name": post.get("name") or None,
        "text": text,
        "posted_at": iso_utc(post.get("created_at")),
        "url": f"{url}/t/{slug}/{topic}/{number}" if topic and number else None,
        "kind": "forum",
        "likes": count(post.get("like_count")),
        "replies": count(post.get("reply_count")),
    }


def topic_row(topic: Mapping[str, Any], url: str, users: Mapping[Any, str]) -> dict[str, Any] | None:
    native = topic.get("id")
    title = str(topic.get("title") or "").strip()
    if native is None or not title:
        return None
    posters = topic.get("posters") or []
    author = topic.get("last_poster_username")
    if posters and isinstance(posters[0], Mapping):
        author = users.get(posters[0].get("user_id"), author)
    excerpt = html_to_text(topic.get("excerpt"))
    return {
        "mention_id": mention_id(PLATFORM, f"{_site(url)}/t{native}"),
        "platform": PLATFORM,
        "author": author,
        "text": f"{title}\n\n{excerpt}".strip() if excerpt else title,
        "posted_at": iso_utc(topic.get("created_at")),
        "url": f"{url}/t/{topic.get('slug') or 'topic'}/{native}",
        "kind": "forum",
        "likes": count(topic.get("like_count")),
        "replies": count(topic.get("reply_count") if topic.get("reply_count") is not None else topic.get("posts_count")),
    }


def fetch(http: Http, settings: Mapping[str, str], secrets: Mapping[str, str], cursor: Mapping[str, Any]) -> Batch:
    url = str(settings["url"]).rstrip("/")
    headers = {}
    if secrets.get("api_key"):
        headers = {"Api-Key": secrets["api_key"], "Api-Username": secrets.get("api_username", "system")}
    batch = Batch(cursor=dict(cursor))
    if settings.get("category"):
        data = http.json(http.get(f"{url}/c/{quote(str(settings['category']), safe='/')}.json", headers=headers))
        topics = data.get("topic_list", {}).get("topics") if isinstance(data, dict) else None
        if not isinstance(topics, list):
            raise shape_error(_site(url), Message("a topic list"))
        users = {u.get("id"): str(u.get("username")) for u in data.get("users") or [] if isinstance(u, dict)}
        for topic in topics:
            row = topic_row(topic, url, users) if isinstance(topic, dict) else None
            if row is not None:
                batch.add(row, topic)
        return batch
    if settings.get("query"):
        data = http.json(http.get(f"{url}/search.json", params={"q": f"{settings['query']} order:latest"}, headers=headers))
        posts = data.get("posts") if isinstance(data, dict) else None
    else:
        data = http.json(http.get(f"{url}/posts.json", headers=headers))
        posts = data.get("latest_posts") if isinstance(data, dict) else None
    if not isinstance(posts, list):
        raise shape_error(_site(url), Message("a list of posts"))
    for post in posts:
        if not isinstance(post, dict):
            continue
        if post.get("deleted_at") or post.get("user_deleted"):
            if post.get("id") is not None:
                batch.deleted.append(mention_id(PLATFORM, f"{_site(url)}/{post['id']}"))
            continue
        row = post_row(post, url)
        if row is not None:
            batch.add(row, post)
    return batch


CONNECTOR = Connector(
    kind=KIND,
    summary="posts of a Discourse forum: the latest, a search, or a category's topics",
    settings=(
        Setting("url", "the forum's base URL, e.g. https://forum.example.com", required=True),
        Setting("query", "words to search for"),
        Setting("category", "a category's slug or id (its latest topics)"),
    ),
    secrets=("api_key", "api_username"),
    needs="nothing for a public forum; an API key for a private one",
    fetch=fetch,
)
