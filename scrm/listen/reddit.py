"""Reddit: posts matching a search or the newest posts of a subreddit (OAuth, approved apps only).

Reddit closed self-service API access in November 2025: this connector stays
off unless ``client_id`` and ``client_secret`` of an approved app are under
``[sources.NAME]``. It takes an application-only token
(``client_credentials``) from ``auth_url``, then reads ``{base_url}/search``
or ``{base_url}/r/{subreddit}/new``. Posts Reddit reports as ``[deleted]`` or
``[removed]`` are removed here too.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from scrm.errors import SourceError
from scrm.i18n.messages import Message
from scrm.listen.base import Batch, Connector, Http, Setting, as_dict, count, iso_utc, mention_id, shape_error

KIND = "reddit"
PLATFORM = "reddit"
DEFAULT_BASE = "https://oauth.reddit.com"
DEFAULT_AUTH = "https://www.reddit.com/api/v1/access_token"
GONE = ("[deleted]", "[removed]")


def post_row(data: Mapping[str, Any]) -> dict[str, Any] | None:
    native = data.get("name") or data.get("id")
    title = str(data.get("title") or "").strip()
    body = str(data.get("selftext") or data.get("body") or "").strip()
    text = f"{title}\n\n{body}".strip() if body else title
    if not native or not text:
        return None
    link = data.get("permalink")
    return {
        "mention_id": mention_id(PLATFORM, native),
        "platform": PLATFORM,
        "author": data.get("author"),
        "text": text,
        "posted_at": iso_utc(data.get("created_utc")),
        "url": f"https://www.reddit.com{link}" if link else data.get("url"),
        "kind": "reply" if str(native).startswith("t1_") else "post",
        "likes": count(data.get("score")),
        "replies": count(data.get("num_comments")),
    }


def fetch(http: Http, settings: Mapping[str, str], secrets: Mapping[str, str], cursor: Mapping[str, Any]) -> Batch:
    if not (secrets.get("client_id") and secrets.get("client_secret")):
        raise SourceError(Message(
            "Reddit is off without an approved app: put client_id and client_secret under [sources.NAME] "
            "in .streamlit/secrets.toml (Reddit no longer grants API access on its own)."
        ))
    basic = base64.b64encode(f"{secrets['client_id']}:{secrets['client_secret']}".encode()).decode()
    answer = http.json(http.request(
        "POST", str(settings.get("auth_url") or DEFAULT_AUTH), data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    ))
    token = as_dict(answer).get("access_token")
    if not token:
        raise SourceError(Message("Reddit did not grant a token with the client_id and client_secret given; check them."))
    base = str(settings.get("base_url") or DEFAULT_BASE).rstrip("/")
    if settings.get("subreddit"):
        url, params = f"{base}/r/{settings['subreddit']}/new", {"limit": "100"}
    else:
        url, params = f"{base}/search", {"q": str(settings.get("query") or ""), "sort": "new", "limit": "100"}
    data = http.json(http.get(url, params=params, headers={"Authorization": f"Bearer {token}"}))
    children = as_dict(as_dict(data).get("data")).get("children")
    if not isinstance(children, list):
        raise shape_error(base.split("//")[-1], Message("a listing of posts"))
    batch = Batch(cursor=dict(cursor))
    for child in children:
        item = as_dict(as_dict(child).get("data"))
        if item.get("author") in GONE and str(item.get("selftext") or item.get("body") or "") in GONE:
            batch.deleted.append(mention_id(PLATFORM, item.get("name") or item.get("id")))
            continue
        row = post_row(item)
        if row is not None:
            batch.add(row, child)
    return batch


CONNECTOR = Connector(
    kind=KIND,
    summary="Reddit posts matching a search or in a subreddit (approved API credentials only)",
    settings=(
        Setting("base_url", "the API's base URL", default=DEFAULT_BASE),
        Setting("auth_url", "where the app's token comes from", default=DEFAULT_AUTH),
        Setting("query", "words to search for"),
        Setting("subreddit", "a subreddit's name, without r/"),
    ),
    one_of=("query", "subreddit"),
    secrets=("client_id", "client_secret"),
    requires_secrets=("client_id", "client_secret"),
    needs="an approved Reddit app's client_id and client_secret",
    fetch=fetch,
    sign_in_requests=1,
)
