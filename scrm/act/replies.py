"""Replies that go back out: a case's reply posted to Mastodon or Bluesky from the brand's account.

A person writes the reply and approves it (``python -m scrm reply CASE --text ... --yes``;
without ``--yes`` it only says what would be posted where). The brand
account's credentials live only in ``.streamlit/secrets.toml``:

.. code-block:: toml

    [replies.mastodon]
    instance = "https://mastodon.social"
    token = "..."          # an access token with write:statuses and read:search

    [replies.bluesky]
    service = "https://bsky.social"
    identifier = "acme.bsky.social"
    app_password = "xxxx-xxxx-xxxx-xxxx"

(or ``SCRM_REPLY_MASTODON_TOKEN``, ``SCRM_REPLY_BLUESKY_APP_PASSWORD``, ...).
Mastodon: the case's status is found on the brand's server by its URI
(``/api/v2/search?resolve=true``) and answered with ``POST /api/v1/statuses``
(``in_reply_to_id``, the author mentioned first). Bluesky: a session
(``com.atproto.server.createSession``), then ``com.atproto.repo.createRecord``
of an ``app.bsky.feed.post`` whose ``reply`` names the thread's root and the
parent (their URI and CID, from the raw item kept at collection).

The post is recorded on the case (event ``reply``, with its link; the first
response time is set) and stored as a mention of the brand (``from_brand``,
``kind`` reply, ``in_reply_to`` the customer's mention), so the conversation
thread shows both sides.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.act import cases
from scrm.db import audit, store
from scrm.db import schema as S
from scrm.errors import CaseError, SourceError
from scrm.i18n.messages import Message
from scrm.ingest import import_frame
from scrm.listen import sources as L
from scrm.listen.base import Http, as_dict, iso_utc, mention_id

PLATFORMS: tuple[str, ...] = ("mastodon", "bluesky")
SECRETS = {"mastodon": ("instance", "token"), "bluesky": ("service", "identifier", "app_password")}
ENV_PREFIX = "SCRM_REPLY_"
MAX_CHARS = {"mastodon": 500, "bluesky": 300}


@dataclass(frozen=True)
class Plan:
    """What a reply would do: the case, the platform, the mention answered, the text."""

    case_id: int
    platform: str
    mention_id: str
    author: str | None
    text: str


@dataclass(frozen=True)
class Posted:
    case_id: int
    platform: str
    url: str | None
    mention_id: str


def _secrets(platform: str) -> dict[str, str]:
    return L.read_secrets("replies", platform, SECRETS[platform], L.SECRETS_FILES, prefix=ENV_PREFIX)


def plan_reply(db: sqlite_utils.Database, case_id: int, text: str) -> Plan:
    """Check that the case can be answered on its platform with ``text``; posts nothing."""
    case = cases.get_case(db, case_id)
    body = (text or "").strip()
    if not body:
        raise CaseError(Message("The reply is empty; write what the brand answers, then approve it."))
    mention = case.get("mention_id")
    row = db.execute(f"SELECT platform, author FROM {S.MENTIONS} WHERE mention_id = ?", [mention]).fetchone() if mention else None
    if row is None:
        raise CaseError(Message(
            "Case {id} has no mention to answer; reply on the platform itself and add a note.", {"id": str(case_id)}
        ))
    platform, author = row
    if platform not in PLATFORMS:
        raise CaseError(Message(
            "Case {id} is about a {platform} mention; scrm posts replies on {platforms} only. "
            "Reply on the platform itself and add a note.",
            {"id": str(case_id), "platform": str(platform), "platforms": Message("{first} and {last}", {"first": PLATFORMS[0], "last": PLATFORMS[1]})},
        ))
    limit = MAX_CHARS[platform]
    if len(body) + (len(author or "") + 2 if platform == "mastodon" else 0) > limit:
        raise CaseError(Message(
            "The reply is too long for {platform} ({limit} characters with the mention); shorten it.", {"platform": platform, "limit": limit}
        ))
    return Plan(int(case_id), platform, str(mention), author, body)


def _raw(db: sqlite_utils.Database, mention: str) -> dict[str, Any]:
    row = db.execute(f"SELECT raw FROM {S.RAW_ITEMS} WHERE mention_id = ?", [mention]).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def _need(secrets: Mapping[str, str], platform: str) -> None:
    missing = [k for k in SECRETS[platform] if not secrets.get(k)]
    if missing:
        raise SourceError(Message(
            "Posting to {platform} needs the brand account's {missing} under [replies.{platform}] in .streamlit/secrets.toml.",
            {"platform": platform, "missing": ", ".join(missing)},
        ))


def _post_mastodon(http: Http, plan: Plan, raw: Mapping[str, Any]) -> tuple[str, str | None, str, str | None]:
    secrets = _secrets("mastodon")
    _need(secrets, "mastodon")
    instance = secrets["instance"].rstrip("/")
    headers = {"Authorization": f"Bearer {secrets['token']}"}
    uri = raw.get("uri") or plan.mention_id.split(":", 1)[1]
    found = as_dict(http.json(http.get(f"{instance}/api/v2/search", headers=headers,
                                       params={"q": uri, "type": "statuses", "resolve": "true", "limit": 1})))
    statuses = found.get("statuses") or []
    if not statuses or not isinstance(statuses[0], dict) or not statuses[0].get("id"):
        raise SourceError(Message(
            "{instance} could not find the status to answer ({uri}); it may have been deleted.", {"instance": instance, "uri": str(uri)}
        ))
    mention = f"@{plan.author} " if plan.author and not plan.text.startswith("@") else ""
    status = as_dict(http.json(http.request(
        "POST", f"{instance}/api/v1/statuses", headers=headers,
        json_body={"status": f"{mention}{plan.text}", "in_reply_to_id": statuses[0]["id"], "visibility": "public"},
    )))
    account = as_dict(status.get("account"))
    return str(status.get("uri") or status.get("id")), status.get("url"), account.get("acct") or "brand", iso_utc(status.get("created_at"))


def _post_bluesky(http: Http, plan: Plan, raw: Mapping[str, Any]) -> tuple[str, str | None, str, str | None]:
    secrets = _secrets("bluesky")
    _need(secrets, "bluesky")
    service = secrets["service"].rstrip("/")
    if not raw.get("uri") or not raw.get("cid"):
        raise SourceError(Message("The Bluesky post's reference (URI and CID) was not kept at collection; reply in the Bluesky app."))
    session = as_dict(http.json(http.request(
        "POST", f"{service}/xrpc/com.atproto.server.createSession",
        json_body={"identifier": secrets["identifier"], "password": secrets["app_password"]},
    )))
    if not session.get("accessJwt") or not session.get("did"):
        raise SourceError(Message(
            "{service} did not open a session with the brand's app password; check [replies.bluesky].", {"service": service}
        ))
    parent = {"uri": raw["uri"], "cid": raw["cid"]}
    root = as_dict(as_dict(as_dict(raw.get("record")).get("reply")).get("root")) or parent
    now = store.utcnow() + "Z"
    created = as_dict(http.json(http.request(
        "POST", f"{service}/xrpc/com.atproto.repo.createRecord",
        headers={"Authorization": f"Bearer {session['accessJwt']}"},
        json_body={"repo": session["did"], "collection": "app.bsky.feed.post", "record": {
            "$type": "app.bsky.feed.post", "text": plan.text, "createdAt": now,
            "reply": {"root": {"uri": root.get("uri"), "cid": root.get("cid")}, "parent": parent}}},
    )))  # fmt: skip
    uri = created.get("uri")
    if not uri:
        raise SourceError(Message("{service} did not confirm the post; check the Bluesky app before trying again.", {"service": service}))
    handle = session.get("handle") or secrets["identifier"]
    return str(uri), f"https://bsky.app/profile/{handle}/post/{str(uri).rsplit('/', 1)[-1]}", str(handle), iso_utc(now[:-1])


def post_reply(
    db: sqlite_utils.Database, case_id: int, text: str, *, actor: str, role: str | None = None, http: Http | None = None
) -> Posted:
    """Post the approved reply of a case (see the module docstring); records it on the case and as a mention."""
    plan = plan_reply(db, case_id, text)
    raw = _raw(db, plan.mention_id)
    client = http or Http(budget=4)
    try:
        poster = _post_mastodon if plan.platform == "mastodon" else _post_bluesky
        native, url, handle, posted_at = poster(client, plan, raw)
    finally:
        if http is None:
            client.close()
    own = mention_id(plan.platform, native)
    at = store.utcnow()
    frame = pd.DataFrame([{
        "mention_id": own, "platform": plan.platform, "author": handle, "text": plan.text, "posted_at": posted_at or at,
        "url": url, "kind": "reply", "in_reply_to": plan.mention_id, "from_brand": "1",
    }], dtype=object, index=[1])  # fmt: skip
    with store.transaction(db, work=True):
        import_frame(db, frame, S.MENTIONS, file_name=f"reply to case {case_id}", mapping={c: c for c in frame.columns})
        db.execute(
            f"INSERT INTO {S.CASE_EVENTS} (case_id, at, actor, event, old, new, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [int(case_id), at, actor, S.EVENT_REPLY, plan.mention_id, url or own, plan.text],
        )
        db.execute(f"UPDATE {S.CASES} SET updated_at = ?, first_response_at = coalesce(first_response_at, ?) WHERE case_id = ?",
                   [at, at, int(case_id)])
        audit.record(db, audit.CASE, actor=actor, role=role, target=f"case {case_id}",
                     detail={"event": S.EVENT_REPLY, "platform": plan.platform, "posted": own})
    return Posted(int(case_id), plan.platform, url, own)
