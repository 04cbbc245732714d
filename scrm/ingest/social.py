"""Presets for social networks' exports, review sites and listening tools.

Each preset in :data:`SOCIAL_PRESETS` turns one export format into canonical
mention frames with the right ``platform`` (the network or site, never the
app a post was written with: that goes to ``client``). Each is detected from
its ``signature`` headers (:func:`scrm.ingest.preset_types.detect_preset`),
and reads the file with the standard reader, so nested JSON arrives flattened
to dotted headers and API envelopes arrive unwrapped
(:mod:`scrm.ingest.flatten`).

Identifiers are the platform's own, so a second import of the same file (or
of an overlapping one) adds nothing:

==================  ================================================================
preset              mention_id
==================  ================================================================
twitter-v1          ``id_str`` (the tweet id)
twitter-v2          ``id`` (raw twarc2 pages, ``twarc2 flatten`` lines, API v2 JSON)
twarc-csv           ``id``
youtube-comments    the comment id (replies: ``<parent>.<reply>``, as YouTube gives)
reddit              the fullname (``t3_...`` posts, ``t1_...`` comments)
mastodon            ``<instance host>:<status id>`` (ids are per instance)
bluesky             the post's ``at://`` URI
zeeschuimer         the item id of the captured post
google-play         ``reviewId`` (google-play-node: ``id``)
app-store           the review id (the RSS feed's ``id.label``; app-store-node: ``id``;
                    app-store-scraper has none: a stable hash)
tripadvisor         the review id (the owner's answer: ``<review id>:reply``)
trustpilot          the review id (trustpilot-api: ``id``; the business's answer: ``<review id>:reply``)
yelp                ``review_id``
talkwalker          the URL of the post
brandwatch          ``Resource Id`` (else ``Mention Id``, else the URL)
meltwater           ``Tweet Id`` (else ``Document ID``, else the URL)
sprout-social       the message id or ``Post ID`` (else the permalink)
hootsuite           the message id (else the URL)
==================  ================================================================

Dates are turned into UTC (ISO text) where the format says its zone: Twitter's
``Wed Oct 10 20:19:24 +0000 2018``, ISO with ``Z`` or an offset, epoch seconds
(Reddit's ``created_utc``) and milliseconds. Other dates (a listening tool's
``22/09/17 11:00:24``) are left to :mod:`scrm.ingest.values`, which reads them
per column. Replies point to their parent (``in_reply_to``) wherever the
format links them: tweets, YouTube replies, Reddit comments, Mastodon and
Bluesky replies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from scrm.db import schema as S
from scrm.ingest.flatten import html_to_text
from scrm.ingest.mapping import normalise_header
from scrm.ingest.preset_types import ISO, Preset

Frames = dict[str, pd.DataFrame]

# --- reading columns ---------------------------------------------------------------------


def _headers(raw: pd.DataFrame) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in raw.columns:
        found.setdefault(normalise_header(header), str(header))
    return found


def _cells(s: pd.Series) -> pd.Series:
    """Trimmed text cells as an object column, None where blank."""
    out = [
        (v.strip() or None) if isinstance(v, str) else (None if v is None or v is pd.NA or v != v else str(v))
        for v in s.to_numpy(dtype=object)
    ]
    return pd.Series(out, index=s.index, dtype=object)


def _get(raw: pd.DataFrame, *names: str) -> pd.Series:
    """The first non-blank value of the named columns, row by row (None where none has one).

    Names are compared like headers (:func:`normalise_header`), so a re-saved
    file's ``Full Text`` still matches ``full_text``.
    """
    lookup = _headers(raw)
    out = pd.Series([None] * len(raw), index=raw.index, dtype=object)
    for name in names:
        header = lookup.get(normalise_header(name))
        if header is None:
            continue
        values = _cells(raw[header])
        out = out.where(out.notna(), values)
    return out


def _has(raw: pd.DataFrame, name: str) -> bool:
    return normalise_header(name) in _headers(raw)


def _map(s: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """``fn`` on each distinct non-missing value once."""
    table = {v: fn(v) for v in pd.unique(s.dropna().to_numpy(dtype=object))}
    return pd.Series([None if v is None else table[v] for v in s.to_numpy(dtype=object)], index=s.index, dtype=object)


_NUMBER = re.compile(r"\d{9,}(\.\d+)?")
_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"


def _utc_text(value: str) -> str:
    """ISO UTC text for a date that says its zone; other text comes back unchanged for the value parser.

    >>> _utc_text("Wed Oct 10 20:19:24 +0000 2018"), _utc_text("2024-03-05T10:00:00.000Z")
    ('2018-10-10T20:19:24', '2024-03-05T10:00:00')
    >>> _utc_text("1700000000"), _utc_text("2024-03-05T12:00:00+02:00"), _utc_text("22/09/17 11:00:24")
    ('2023-11-14T22:13:20', '2024-03-05T10:00:00', '22/09/17 11:00:24')
    """
    text = value.strip()
    if _NUMBER.fullmatch(text):
        seconds = float(text)
        if seconds > 1e11:  # milliseconds
            seconds /= 1000
        try:
            return datetime.fromtimestamp(seconds, UTC).strftime(ISO)
        except (OverflowError, OSError, ValueError):
            return value  # out of any calendar: the value parser names it
    try:
        return datetime.strptime(text, _TWITTER_TIME).astimezone(UTC).strftime(ISO)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is None:
        return value
    return parsed.astimezone(UTC).strftime(ISO)


def _utc(s: pd.Series) -> pd.Series:
    return _map(s, _utc_text)


def _integral(s: pd.Series) -> pd.Series:
    """'12.0' -> '12' (counts written as floats by pandas-made exports)."""
    return _map(s, lambda v: v[:-2] if v.endswith(".0") and v[:-2].isdigit() else v)


def _first_word(s: pd.Series) -> pd.Series:
    """'en, fr' -> 'en' (a list of languages, joined by the flattener)."""
    return _map(s, lambda v: v.split(",")[0].strip() or None)


def _referenced_id(s: pd.Series, kind: str) -> pd.Series:
    """The id of the ``kind`` tweet (replied_to, quoted, retweeted) in a JSON list of referenced tweets."""

    def pick(text: str) -> str | None:
        try:
            items = json.loads(text)
        except ValueError:
            return None
        if not isinstance(items, list):
            return None
        for item in items:
            if isinstance(item, dict) and item.get("type") == kind and item.get("id") is not None:
                return str(item["id"])
        return None

    return _map(s, pick)


def _kind(in_reply_to: pd.Series, default: str = "post", shared: pd.Series | None = None) -> pd.Series:
    kind = np.where(in_reply_to.notna().to_numpy(), "reply", default).astype(object)
    if shared is not None:
        kind = np.where(shared.notna().to_numpy() & in_reply_to.isna().to_numpy(), "share", kind)
    return pd.Series(kind, index=in_reply_to.index, dtype=object)


def _frame(raw: pd.DataFrame, platform: str | pd.Series, **columns: pd.Series | str | None) -> Frames:
    """The canonical mentions frame: constant values are repeated, None columns left out."""
    data: dict[str, object] = {"platform": platform}
    data.update({k: v for k, v in columns.items() if v is not None})
    frame = pd.DataFrame(data, index=raw.index)
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].where(frame[name].notna(), None)
    return {S.MENTIONS: frame}


def _url(template: str, **parts: pd.Series) -> pd.Series:
    """A URL from parts, None where a part is missing."""
    index = next(iter(parts.values())).index
    values = [
        None if any(p is None for p in row) else template.format(**dict(zip(parts, row, strict=True)))
        for row in zip(*(p.to_numpy(dtype=object) for p in parts.values()), strict=True)
    ]
    return pd.Series(values, index=index, dtype=object)


def _anonymous(s: pd.Series, names: Iterable[str]) -> pd.Series:
    """Placeholder author names ("A Google user", "[deleted]") are no author."""
    folded = {n.lower() for n in names}
    return _map(s, lambda v: None if v.lower() in folded else v)


# --- Twitter -------------------------------------------------------------------------------

_TWITTER_WEB = "https://twitter.com/{user}/status/{id}"


def transform_twitter_v1(raw: pd.DataFrame) -> Frames:
    """Twitter API v1.1 tweets (a search response's ``statuses``, a list, or JSON Lines)."""
    tweet_id = _integral(_get(raw, "id_str", "id"))
    author = _get(raw, "user.screen_name")
    in_reply_to = _integral(_get(raw, "in_reply_to_status_id_str", "in_reply_to_status_id"))
    retweeted = _get(raw, "retweeted_status.id_str", "retweeted_status.id")
    text = _get(raw, "extended_tweet.full_text", "full_text", "text")
    # A retweet's own text is cut at 140 characters ("RT @ana: ..."): the original's is whole.
    original = _get(raw, "retweeted_status.extended_tweet.full_text", "retweeted_status.full_text")
    original_author = _get(raw, "retweeted_status.user.screen_name")
    text = pd.Series(
        [t if o is None or a is None else f"RT @{a}: {o}" for t, o, a in zip(text, original, original_author, strict=True)],
        index=raw.index, dtype=object,
    )
    return _frame(
        raw, "twitter",
        mention_id=tweet_id,
        author=author,
        author_name=_get(raw, "user.name"),
        text=text,
        posted_at=_utc(_get(raw, "created_at")),
        url=_url(_TWITTER_WEB, user=author, id=tweet_id),
        lang=_get(raw, "lang"),
        kind=_kind(in_reply_to, shared=retweeted),
        in_reply_to=in_reply_to,
        likes=_integral(_get(raw, "favorite_count")),
        shares=_integral(_get(raw, "retweet_count")),
        replies=_integral(_get(raw, "reply_count")),
        author_followers=_integral(_get(raw, "user.followers_count")),
        location=_get(raw, "user.location"),
        client=_get(raw, "source"),
    )


def transform_twitter_v2(raw: pd.DataFrame) -> Frames:
    """Twitter API v2 tweets: raw ``twarc2`` pages, ``twarc2 flatten`` lines, ``twarc2 csv`` files.

    The author is ``author.username`` (joined from ``includes.users``), else
    the numeric ``author_id``. A retweet keeps its author; ``twarc2 csv``
    writes line breaks in texts as ``\\n``, turned back into line breaks.
    """
    tweet_id = _integral(_get(raw, "id"))
    author = _get(raw, "author.username", "author_id")
    in_reply_to = _get(raw, "referenced_tweets.replied_to.id")
    retweeted = _get(raw, "referenced_tweets.retweeted.id")
    if _has(raw, "referenced_tweets"):
        refs = _get(raw, "referenced_tweets")
        in_reply_to = in_reply_to.where(in_reply_to.notna(), _referenced_id(refs, "replied_to"))
        retweeted = retweeted.where(retweeted.notna(), _referenced_id(refs, "retweeted"))
    text = _get(raw, "note_tweet.text", "text")
    if _has(raw, "referenced_tweets.replied_to.id"):  # twarc2 csv escapes line breaks
        text = _map(text, lambda v: v.replace("\\n", "\n"))
    return _frame(
        raw, "twitter",
        mention_id=tweet_id,
        author=author,
        author_name=_get(raw, "author.name"),
        text=text,
        posted_at=_utc(_get(raw, "created_at")),
        url=_url(_TWITTER_WEB, user=author, id=tweet_id),
        lang=_get(raw, "lang"),
        kind=_kind(_integral(in_reply_to), shared=retweeted),
        in_reply_to=_integral(in_reply_to),
        likes=_integral(_get(raw, "public_metrics.like_count")),
        shares=_integral(_get(raw, "public_metrics.retweet_count")),
        replies=_integral(_get(raw, "public_metrics.reply_count")),
        author_followers=_integral(_get(raw, "author.public_metrics.followers_count")),
        location=_get(raw, "author.location"),
        client=_get(raw, "source"),
    )


# --- YouTube ----------------------------------------------------------------------------------

_YT = "snippet.topLevelComment."


def transform_youtube(raw: pd.DataFrame) -> Frames:
    """YouTube Data API comment threads, with their replies (see :func:`scrm.ingest.flatten.unwrap`)."""
    comment_id = _get(raw, _YT + "id", "id")
    video = _get(raw, "snippet.videoId", _YT + "snippet.videoId")
    parent = _get(raw, _YT + "snippet.parentId")
    display = _get(raw, _YT + "snippet.authorDisplayName")
    text = _get(raw, _YT + "snippet.textOriginal")
    html_text = _map(_get(raw, _YT + "snippet.textDisplay"), html_to_text)
    return _frame(
        raw, "youtube",
        mention_id=comment_id,
        author=_map(display, lambda v: v.lstrip("@") or None).where(display.notna(),
                                                                   _get(raw, _YT + "snippet.authorChannelId.value")),
        author_name=display,
        text=text.where(text.notna(), html_text),
        posted_at=_utc(_get(raw, _YT + "snippet.publishedAt")),
        url=_url("https://www.youtube.com/watch?v={video}&lc={comment}", video=video, comment=comment_id),
        kind=_kind(parent),
        in_reply_to=parent,
        likes=_integral(_get(raw, _YT + "snippet.likeCount")),
        replies=_integral(_get(raw, "snippet.totalReplyCount")),
    )


# --- Reddit ------------------------------------------------------------------------------------


def transform_reddit(raw: pd.DataFrame) -> Frames:
    """Reddit posts and comments: API listings (unwrapped) and Pushshift lines.

    Ids are fullnames (``t3_`` posts, ``t1_`` comments), which is what a
    comment's ``parent_id`` points at. ``[deleted]`` authors are anonymous.
    """
    body = _get(raw, "body")
    title = _get(raw, "title")
    selftext = _map(_get(raw, "selftext"), lambda v: None if v in ("[deleted]", "[removed]") else v)
    post_text = pd.Series(
        [None if t is None else (t if s is None else f"{t}\n\n{s}") for t, s in zip(title, selftext, strict=True)],
        index=raw.index, dtype=object,
    )
    is_comment = body.notna()
    base_id = _get(raw, "id")
    prefix = pd.Series(np.where(is_comment.to_numpy(), "t1_", "t3_"), index=raw.index, dtype=object)
    fullname = _get(raw, "name")
    made = pd.Series([None if b is None else p + b for p, b in zip(prefix, base_id, strict=True)],
                     index=raw.index, dtype=object)
    parent = _get(raw, "parent_id")
    permalink = _get(raw, "permalink")
    url = _map(permalink, lambda v: v if v.startswith("http") else "https://www.reddit.com" + v)
    return _frame(
        raw, "reddit",
        mention_id=fullname.where(fullname.notna(), made),
        author=_anonymous(_get(raw, "author"), ["[deleted]", "[removed]"]),
        text=body.where(is_comment, post_text),
        posted_at=_utc(_integral(_get(raw, "created_utc", "created"))),
        url=url.where(url.notna(), _get(raw, "url")),
        kind=_kind(parent, default="forum"),
        in_reply_to=parent,
        likes=_integral(_get(raw, "score", "ups")),
        replies=_integral(_get(raw, "num_comments")),
    )


# --- Mastodon ----------------------------------------------------------------------------------

_VISIBILITY = {"public": "public", "unlisted": "public", "private": "private", "direct": "private"}


def _host(url: str) -> str | None:
    try:
        return urlparse(url).hostname or None
    except ValueError:  # a malformed address ("http://[::1")
        return None


def transform_mastodon(raw: pd.DataFrame) -> Frames:
    """Mastodon statuses (a timeline or search response): HTML content as plain text.

    Status ids are per instance, so the id is ``<host>:<id>`` (host of the
    status URL), and a reply's parent is looked up on the same instance. A
    local account's ``acct`` gets its instance (``ana`` -> ``ana@mastodon.social``).
    """
    uri = _get(raw, "uri", "url")
    host = _map(uri, _host)
    status_id = _get(raw, "id")
    mention_id = pd.Series([None if i is None else (i if h is None else f"{h}:{i}") for h, i in zip(host, status_id, strict=True)],
                           index=raw.index, dtype=object)
    parent = _get(raw, "in_reply_to_id")
    in_reply_to = pd.Series([None if p is None else (p if h is None else f"{h}:{p}") for h, p in zip(host, parent, strict=True)],
                            index=raw.index, dtype=object)
    acct = _get(raw, "account.acct")
    account_host = _map(_get(raw, "account.url"), _host)
    author = pd.Series(
        [None if a is None else (a if "@" in a or h is None else f"{a}@{h}") for a, h in zip(acct, account_host, strict=True)],
        index=raw.index, dtype=object,
    )
    content = _map(_get(raw, "content", "reblog.content"), html_to_text)  # a boost's own content is empty
    spoiler = _get(raw, "spoiler_text")
    text = pd.Series([c if s is None else (s if c is None else f"{s}\n\n{c}") for s, c in zip(spoiler, content, strict=True)],
                     index=raw.index, dtype=object)
    return _frame(
        raw, "mastodon",
        mention_id=mention_id,
        author=author,
        author_name=_get(raw, "account.display_name"),
        text=text,
        posted_at=_utc(_get(raw, "created_at")),
        url=_get(raw, "url", "uri"),
        lang=_get(raw, "language"),
        kind=_kind(in_reply_to, shared=_get(raw, "reblog.id")),
        in_reply_to=in_reply_to,
        likes=_integral(_get(raw, "favourites_count")),
        shares=_integral(_get(raw, "reblogs_count")),
        replies=_integral(_get(raw, "replies_count")),
        author_followers=_integral(_get(raw, "account.followers_count")),
        visibility=_map(_get(raw, "visibility"), lambda v: _VISIBILITY.get(v.lower(), v.lower())),
        client=_get(raw, "application.name"),
    )


# --- Bluesky -----------------------------------------------------------------------------------


def _bsky_url(uri: str, handle: str | None) -> str | None:
    # at://did:plc:xyz/app.bsky.feed.post/3k... -> https://bsky.app/profile/<handle>/post/3k...
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


def transform_bluesky(raw: pd.DataFrame) -> Frames:
    """Bluesky post views (``feed[].post``, ``posts[]``, a thread), as the AT Protocol API gives them."""
    uri = _get(raw, "uri")
    handle = _get(raw, "author.handle")
    parent = _get(raw, "record.reply.parent.uri")
    url = pd.Series([None if u is None else _bsky_url(u, h) for u, h in zip(uri, handle, strict=True)],
                    index=raw.index, dtype=object)
    return _frame(
        raw, "bluesky",
        mention_id=uri,
        author=handle,
        author_name=_get(raw, "author.displayName"),
        text=_get(raw, "record.text"),
        posted_at=_utc(_get(raw, "record.createdAt", "indexedAt")),
        url=url,
        lang=_first_word(_get(raw, "record.langs")),
        kind=_kind(parent),
        in_reply_to=parent,
        likes=_integral(_get(raw, "likeCount")),
        shares=_integral(_get(raw, "repostCount")),
        replies=_integral(_get(raw, "replyCount")),
    )


# --- Zeeschuimer ---------------------------------------------------------------------------------

# The extension names its modules by domain.
_ZS_PLATFORMS = {"x.com": "twitter", "twitter.com": "twitter", "threads.net": "threads", "threads.com": "threads"}
_ZS_USER = "data.core.user_results.result."


def _zs_platform(domain: str) -> str:
    domain = domain.lower().removeprefix("www.")
    return _ZS_PLATFORMS.get(domain, domain.rsplit(".", 1)[0] if "." in domain else domain)


def _zs_url(platform: str | None, author: str | None, item_id: str | None, code: str | None) -> str | None:
    """The public address of a captured post, where the platform's pattern is known."""
    if platform == "twitter" and author and item_id:
        return _TWITTER_WEB.format(user=author, id=item_id)
    if platform == "tiktok" and author and item_id:
        return f"https://www.tiktok.com/@{author}/video/{item_id}"
    if platform == "instagram" and code:
        return f"https://www.instagram.com/p/{code}/"
    if platform == "threads" and author and code:
        return f"https://www.threads.net/@{author}/post/{code}"
    return None


def transform_zeeschuimer(raw: pd.DataFrame) -> Frames:
    """Zeeschuimer NDJSON: one captured item per line (``item_id``, ``source_platform``, the item in ``data``).

    The item is the platform's own JSON; the fields read are those of X/Twitter
    (``legacy.full_text``), TikTok (``desc``, ``author.uniqueId``), Instagram
    and Threads (``caption.text``, ``user.username``), with common names
    (``text``, ``body``) for the rest. ``source_platform`` gives the platform.
    """
    platform = _map(_get(raw, "source_platform"), _zs_platform)
    item_id = _get(raw, "item_id", "data.rest_id", "data.id")
    author = _get(raw, _ZS_USER + "legacy.screen_name", _ZS_USER + "core.screen_name", "data.author.uniqueId",
                  "data.user.username", "data.owner.username", "data.author.username", "data.author.handle",
                  "data.actor.name.text", "data.author")
    name = _get(raw, _ZS_USER + "legacy.name", _ZS_USER + "core.name", "data.author.nickname", "data.user.full_name",
                "data.author.displayName")
    text = _get(raw, "data.note_tweet.note_tweet_results.result.text", "data.legacy.full_text", "data.desc",
                "data.caption.text", "data.commentary.text.text", "data.text", "data.body", "data.content",
                "data.title")
    posted = _get(raw, "data.legacy.created_at", "data.createTime", "data.taken_at", "data.created_at",
                  "data.createdAt", "timestamp_collected")
    in_reply_to = _integral(_get(raw, "data.legacy.in_reply_to_status_id_str"))
    mention_id = _integral(item_id)
    url = _get(raw, "data.url", "data.permalink")
    built = pd.Series(
        [_zs_url(p, a, i, c) for p, a, i, c in zip(platform, author, mention_id, _get(raw, "data.code"), strict=True)],
        index=raw.index, dtype=object,
    )
    return _frame(
        raw, platform.where(platform.notna(), "other"),
        mention_id=mention_id,
        author=author,
        author_name=name,
        text=_map(text, html_to_text),
        posted_at=_utc(_integral(posted)),
        url=url.where(url.notna(), built),
        lang=_get(raw, "data.legacy.lang"),
        kind=_kind(in_reply_to),
        in_reply_to=in_reply_to,
        likes=_integral(_get(raw, "data.legacy.favorite_count", "data.stats.diggCount", "data.like_count")),
        shares=_integral(_get(raw, "data.legacy.retweet_count", "data.stats.shareCount")),
        replies=_integral(_get(raw, "data.legacy.reply_count", "data.stats.commentCount", "data.comment_count")),
        client=_get(raw, "data.source"),
    )


# --- review sites -------------------------------------------------------------------------------


def _titled(raw: pd.DataFrame, titles: tuple[str, ...], bodies: tuple[str, ...]) -> pd.Series:
    """A review's title and body as one text (title, blank line, body)."""
    title = _get(raw, *titles)
    body = _get(raw, *bodies)
    return pd.Series([b if t is None else (t if b is None else f"{t}\n\n{b}") for t, b in zip(title, body, strict=True)],
                     index=raw.index, dtype=object)



def transform_google_play(raw: pd.DataFrame) -> Frames:
    """google-play-scraper's ``reviews()`` as a table: one review per row, ``score`` its stars.

    "A Google user" (Google's name for a reviewer who shows none) is anonymous. The developer's
    answer (``replyContent``, ``repliedAt``; Node: ``replyText``, ``replyDate``) becomes the brand's reply: a mention of kind reply
    from the brand, ``in_reply_to`` the review, keyed ``<reviewId>:reply`` (on the review's row number).
    """
    review_id = _get(raw, "reviewId", "id")
    frames = _frame(
        raw, "google-play",
        mention_id=review_id,
        author=_anonymous(_get(raw, "userName"), ["A Google user"]),
        text=_titled(raw, ("title",), ("content", "text")),
        posted_at=_utc(_get(raw, "at", "date")),
        url=_get(raw, "url"),
        kind="review",
        rating=_get(raw, "score"),
        likes=_integral(_get(raw, "thumbsUpCount", "thumbsUp")),
    )
    # The Python scraper's names, then the Node one's.
    return _with_brand_replies(frames, raw, "google-play", review_id, _get(raw, "replyContent", "replyText"),
                               _get(raw, "repliedAt", "replyDate"))


def _with_brand_replies(frames: Frames, raw: pd.DataFrame, platform: str, review_id: pd.Series,
                        reply: pd.Series, replied_at: pd.Series) -> Frames:
    """The reviews plus the business's answers to them: one mention of kind reply from the brand per
    answered review, keyed ``<review id>:reply`` (on the review's row number), ``in_reply_to`` the review."""
    answered = reply.notna() & review_id.notna()
    if not answered.any():
        return frames
    rows = raw.loc[answered]
    ids = review_id.loc[answered]
    replies = _frame(
        rows, platform,
        mention_id=ids.map(lambda v: f"{v}:reply").astype(object),
        text=reply.loc[answered],
        posted_at=_utc(replied_at.loc[answered]),
        url=_get(rows, "url"),
        kind="reply",
        in_reply_to=ids,
        from_brand="yes",
    )[S.MENTIONS]
    frames[S.MENTIONS] = pd.concat([frames[S.MENTIONS], replies]).astype(object)
    return frames


def transform_app_store(raw: pd.DataFrame) -> Frames:
    """App Store reviews: Apple's customer-reviews RSS feed (JSON) or the app-store-scraper tables."""
    title = _get(raw, "title.label", "title")
    body = _get(raw, "content.label", "review", "text")
    text = pd.Series([b if t is None else (t if b is None else f"{t}\n\n{b}") for t, b in zip(title, body, strict=True)],
                     index=raw.index, dtype=object)
    return _frame(
        raw, "app-store",
        mention_id=_get(raw, "id.label", "id"),
        author=_get(raw, "author.name.label", "userName"),
        text=text,
        posted_at=_utc(_get(raw, "updated.label", "date", "updated")),
        url=_get(raw, "url", "author.uri.label"),
        kind="review",
        rating=_get(raw, "im:rating.label", "rating", "score"),
        likes=_integral(_get(raw, "im:voteCount.label")),
    )


def transform_tripadvisor(raw: pd.DataFrame) -> Frames:
    """TripAdvisor reviews as review scrapers export them (``title``, ``text``, ``rating``, ``publishedDate``).

    The owner's answer (``ownerResponse.text``) becomes the brand's reply. ``publishedDate`` may be
    a day (``2024-01-15``) or only a month (``Jul 2022``, as the site shows "Date of stay").
    """
    review_id = _integral(_get(raw, "id", "reviewId", "review_id"))
    frames = _frame(
        raw, "tripadvisor",
        mention_id=review_id,
        author=_get(raw, "user.username", "username", "user.name", "reviewer", "author"),
        author_name=_get(raw, "user.name"),
        text=_titled(raw, ("title", "review_title"), ("text", "review_text", "review")),
        posted_at=_utc(_get(raw, "publishedDate", "published_date", "createdDate", "review_date", "date",
                            "travelDate", "tripInfo.stayDate")),
        url=_get(raw, "url", "absoluteUrl"),
        lang=_get(raw, "lang", "language", "originalLanguage"),
        kind="review",
        rating=_get(raw, "rating", "bubbles"),
        likes=_integral(_get(raw, "helpfulVotes")),
        location=_get(raw, "user.userLocation.name", "userProfile.hometown.location.additionalNames.long",
                      "reviewer_location"),
    )
    # The owner's answer: Apify-style `ownerResponse`, TripAdvisor's own `mgmtResponse`.
    return _with_brand_replies(frames, raw, "tripadvisor", review_id,
                               _get(raw, "ownerResponse.text", "mgmtResponse.text"),
                               _get(raw, "ownerResponse.publishedDate", "mgmtResponse.publishedDate"))


def transform_trustpilot(raw: pd.DataFrame) -> Frames:
    """Trustpilot reviews: the business account's export (CSV or XLSX) or the API's reviews (flattened).

    The export names the reviewer ``Review Username`` (older files: ``Consumer Name``) and
    the business's answer ``Reply Content`` / ``Company Response`` with its date
    (``Company Reply Date (UTC)``, ``Business Reply Date (UTC)``): the brand's reply.
    """
    review_id = _get(raw, "Review Id", "Review ID", "id")
    frames = _frame(
        raw, "trustpilot",
        mention_id=review_id,
        author=_get(raw, "Review Username", "Consumer Name", "Review Consumer Name", "consumer.displayName"),
        author_email=_get(raw, "Review User Email", "Consumer Email", "Review Consumer Email"),
        text=_titled(raw, ("Review Title", "title"), ("Review Content", "Review Text", "text")),
        posted_at=_utc(_get(raw, "Review Created (UTC)", "Review Date", "createdAt")),
        url=_get(raw, "Review Url", "Review URL"),
        lang=_get(raw, "Review Language", "language"),
        kind="review",
        rating=_get(raw, "Review Stars", "stars"),
    )
    return _with_brand_replies(
        frames, raw, "trustpilot", review_id,
        _get(raw, "Reply Content", "Company Response", "Business Reply", "companyReply.text"),
        _get(raw, "Company Reply Date (UTC)", "Business Reply Date (UTC)", "Reply Date", "companyReply.createdAt"),
    )


def transform_yelp(raw: pd.DataFrame) -> Frames:
    """Yelp reviews as in the Yelp Open Dataset (``review.json``: one review per line)."""
    return _frame(
        raw, "yelp",
        mention_id=_get(raw, "review_id"),
        author=_get(raw, "user_id"),
        text=_get(raw, "text"),
        posted_at=_utc(_get(raw, "date")),
        kind="review",
        rating=_get(raw, "stars"),
        likes=_integral(_get(raw, "useful", "votes.useful")),
    )


# --- listening and social media management tools -------------------------------------------------

# Names the tools give networks, folded to ours.
_NETWORKS = {
    "x": "twitter", "x (twitter)": "twitter", "twitter/x": "twitter", "tweet": "twitter", "facebook page": "facebook",
    "instagram business": "instagram", "linkedin company": "linkedin", "youtube channel": "youtube",
    "news": "news", "online news": "news", "blogs": "blog", "forums": "forum", "reviews": "review",
}


_SOCIAL = frozenset({
    "twitter", "facebook", "instagram", "youtube", "reddit", "tiktok", "linkedin", "pinterest", "tumblr", "threads",
    "bluesky", "mastodon", "twitch", "vk", "weibo", "forum", "blog", "review", "news", "podcast",
})
# Language names some tools write instead of codes.
_LANGUAGES = {
    "english": "en", "spanish": "es", "french": "fr", "german": "de", "italian": "it", "portuguese": "pt",
    "dutch": "nl", "catalan": "ca", "swedish": "sv", "danish": "da", "norwegian": "no", "finnish": "fi",
    "polish": "pl", "russian": "ru", "turkish": "tr", "arabic": "ar", "japanese": "ja", "chinese": "zh",
    "korean": "ko", "espanol": "es", "español": "es", "francais": "fr", "français": "fr",
}


def _language(s: pd.Series) -> pd.Series:
    return _map(s, lambda v: _LANGUAGES.get(v.lower(), v))


def _network(s: pd.Series) -> pd.Series:
    return _map(s, lambda v: _NETWORKS.get(v.lower(), v.lower()))


# Sites whose URL names a network, for exports that leave the network out.
_NETWORK_HOSTS = {
    "twitter.com": "twitter", "x.com": "twitter", "mobile.twitter.com": "twitter", "facebook.com": "facebook",
    "m.facebook.com": "facebook", "instagram.com": "instagram", "youtube.com": "youtube", "youtu.be": "youtube",
    "reddit.com": "reddit", "old.reddit.com": "reddit", "tiktok.com": "tiktok", "linkedin.com": "linkedin",
    "pinterest.com": "pinterest", "threads.net": "threads", "threads.com": "threads", "bsky.app": "bluesky",
    "tumblr.com": "tumblr", "twitch.tv": "twitch", "vk.com": "vk", "weibo.com": "weibo",
}


def _site(url: str) -> str | None:
    """``https://www.twitter.com/a/status/1`` -> ``twitter``; another site -> its host without ``www.``."""
    host = (_host(url) or "").lower().removeprefix("www.")
    return _NETWORK_HOSTS.get(host, host) or None


def _platform_or_domain(network: pd.Series, url: pd.Series) -> pd.Series:
    """The network a tool names, else the network or site of the URL (``twitter``, ``news.example.com``)."""
    host = _map(url, _site)
    return _network(network).where(network.notna(), host).where(lambda s: s.notna(), "other")


def _talkwalker_type(value: str) -> str:
    """``SOCIALMEDIA_TWITTER`` -> ``twitter``, ``ONLINENEWS_AGENCY`` -> ``news``, ``BLOG`` -> ``blog``.

    >>> [_talkwalker_type(v) for v in ("SOCIALMEDIA_X", "MESSAGEBOARD_OTHER", "BLOG_OTHER", "PRINT", "Twitter")]
    ['twitter', 'forum', 'blog', 'news', 'twitter']
    """
    kind = value.strip().lower()
    if kind.startswith("socialmedia_"):
        kind = kind.removeprefix("socialmedia_")
        return _NETWORKS.get(kind, kind)
    if kind.startswith(("onlinenews", "news", "print", "tv", "radio", "broadcast")):
        return "news"
    if kind.startswith(("messageboard", "forum")):
        return "forum"
    kind = kind.split("_")[0]
    return _NETWORKS.get(kind, kind)


def transform_talkwalker(raw: pd.DataFrame) -> Frames:
    """Talkwalker results exports (``url``, ``published``, ``title``, ``content``, ``source_type``...)."""
    url = _get(raw, "url")
    return _frame(
        raw, _platform_or_domain(_map(_get(raw, "source_type", "Source type", "Media type"), _talkwalker_type), url),
        mention_id=url,
        author=_get(raw, "extra_author_attributes.short_name", "author_short_name", "Author short name",
                    "extra_author_attributes.name", "author_name", "Author"),
        author_name=_get(raw, "extra_author_attributes.name", "author_name", "Author name"),
        text=_titled(raw, ("title",), ("content", "content_snippet")),
        posted_at=_utc(_get(raw, "published", "Date")),
        url=url,
        lang=_language(_get(raw, "lang", "Language")),
        author_followers=_integral(_get(raw, "reach", "Reach")),
        likes=_integral(_get(raw, "engagement", "Engagement")),
    )


_STATUS_URL = re.compile(r"(?:twitter|x)\.com/[^/?#]+/status(?:es)?/(\d+)", re.IGNORECASE)
# Brandwatch's `Thread Entry Type`, folded to our kinds.
_BRANDWATCH_ENTRY = {"post": "post", "reply": "reply", "comment": "reply", "share": "share", "repost": "share",
                     "retweet": "share", "quote": "share"}


def _status_id(url: str) -> str | None:
    """``https://x.com/ana/status/17980`` -> ``17980``; a bare id stays itself; another address: None.

    >>> _status_id("https://x.com/ana/status/1798000000000000101"), _status_id("1798"), _status_id("https://a.org/x")
    ('1798000000000000101', '1798', None)
    """
    found = _STATUS_URL.search(url)
    if found:
        return found.group(1)
    return url if url.isdigit() else None


def transform_brandwatch(raw: pd.DataFrame) -> Frames:
    """Brandwatch (Consumer Research) mentions exports: CSV or XLSX, their preamble lines skipped by the reader.

    The "Bulk Mentions Download" writes ``Report:``/``Brand:``/``From:``/``To:``/``Label:``
    lines and a blank one above the header. Network counts are prefixed with the network:
    ``X Likes``, ``X Reposts``, ``X Replies``, ``X Followers`` (older files: ``Twitter ...``).
    ``Thread Entry Type`` says post, reply, comment or share; a reply on X names the post it
    answers in ``X Reply to`` (a status address), a comment its thread in ``Thread Id``.
    """
    url = _get(raw, "Url")
    entry = _map(_get(raw, "Thread Entry Type"), lambda v: _BRANDWATCH_ENTRY.get(v.strip().lower()))
    replied = _map(_get(raw, "X Reply to", "Twitter Reply to"), _status_id)
    thread = _integral(_get(raw, "Thread Id"))
    answering = entry.isin(["reply"]).to_numpy()
    in_reply_to = replied.where(replied.notna(), thread.where(answering, None))
    in_reply_to = in_reply_to.where(in_reply_to.notna(), None)
    shared = _get(raw, "X Repost of", "Twitter Retweet of")
    kind = entry.where(entry.notna(), _kind(in_reply_to, shared=shared).where(
        in_reply_to.notna() | shared.notna(), None))
    return _frame(
        raw, _platform_or_domain(_get(raw, "Page Type", "Content Source", "Content Source Name"), url),
        mention_id=_integral(_get(raw, "Resource Id", "Mention Id", "Url")),
        author=_map(_get(raw, "Author"), lambda v: v.removeprefix("@") or None),
        author_name=_get(raw, "Full Name"),
        text=_titled(raw, ("Title",), ("Full Text", "Snippet")),
        posted_at=_utc(_get(raw, "Date")),
        url=url,
        lang=_language(_get(raw, "Language")),
        kind=kind.where(kind.notna(), None),
        in_reply_to=in_reply_to,
        likes=_integral(_get(raw, "X Likes", "Twitter Likes", "Likes", "Facebook Likes", "Instagram Likes")),
        shares=_integral(_get(raw, "X Reposts", "Twitter Retweets", "Shares", "Facebook Shares")),
        replies=_integral(_get(raw, "X Replies", "Twitter Reply Count", "Comments", "Facebook Comments",
                               "Instagram Comments", "Reddit Comments", "Blog Comments")),
        author_followers=_integral(_get(raw, "X Followers", "Twitter Followers", "Followers", "Instagram Followers")),
        location=_get(raw, "City", "Country"),
    )


# Meltwater's `Source Type` (current exports) names the kind of source; folded to ours.
_MELTWATER_TYPES = {
    "x": "twitter", "twitter": "twitter", "blogs": "blog", "blog": "blog", "forums": "forum", "forum": "forum",
    "news": "news", "online news": "news", "print": "news", "broadcast": "news", "tv": "news", "radio": "news",
    "podcasts": "podcast", "podcast": "podcast", "product reviews": "review", "reviews": "review",
}
# Types that say nothing of the site (comments under an article, "social"): the URL's site says it.
_MELTWATER_VAGUE = frozenset({"comments", "comment", "social", "other", "unknown"})


def _meltwater_type(value: str) -> str | None:
    """``X`` -> ``twitter``, ``Blogs`` -> ``blog``, ``Comments`` -> None (the site of the URL decides).

    >>> [_meltwater_type(v) for v in ("X", "Blogs", "Product Reviews", "Comments", "TikTok")]
    ['twitter', 'blog', 'review', None, 'tiktok']
    """
    kind = value.strip().lower()
    if kind in _MELTWATER_VAGUE:
        return None
    return _MELTWATER_TYPES.get(kind, _NETWORKS.get(kind, kind))


def transform_meltwater(raw: pd.DataFrame) -> Frames:
    """Meltwater exports, in both shapes Meltwater has written.

    Current exports (``Document ID``, ``Source Type``, ``Source Name``,
    ``Author Handle``, ``Hit Sentence``, ``Likes``, ``Replies``, ``Reposts``...)
    say the kind of source in ``Source Type``. Older ones (``Headline``,
    ``Source``, ``Influencer``, ``Tweet Id``, ``Twitter Client``) only name the
    network of a social post or the outlet of an article in ``Source``: an
    outlet is news. ``Twitter Client`` is the client app, never the platform.
    Both write the date and the time of day in separate columns
    (``05-Mar-2024`` / ``10:30 AM``).
    """
    url = _get(raw, "URL")
    date = _get(raw, "Date")
    time_ = _get(raw, "Time")
    when = pd.Series([d if t is None or d is None or ":" in d else f"{d} {t}" for d, t in zip(date, time_, strict=True)],
                     index=raw.index, dtype=object)
    if _has(raw, "Source Type") or _has(raw, "Information Type"):
        platform = _map(_get(raw, "Source Type", "Information Type"), _meltwater_type)
        # A social post without a type: the site of its URL.
        platform = _platform_or_domain(platform, url)
    else:
        # `Source` is the network of a social post and the outlet of an article: an outlet is news.
        source = _network(_get(raw, "Media Type", "Source"))
        platform = _map(source, lambda v: v if v in _SOCIAL else "news")
    return _frame(
        raw, platform.where(platform.notna(), "other"),
        mention_id=_integral(_get(raw, "Tweet Id", "Document ID", "URL")),
        author=_map(_get(raw, "Author Handle", "Twitter Screen Name", "Influencer", "Author Name"),
                    lambda v: v.removeprefix("@") or None),
        author_name=_get(raw, "Author Name", "Influencer"),
        # The hit sentence is the whole of a social post and the matching passage of an article.
        text=_get(raw, "Hit Sentence", "Opening Text", "Title", "Headline"),
        posted_at=_utc(when),
        url=url,
        lang=_language(_get(raw, "Language")),
        author_followers=_integral(_get(raw, "Twitter Followers")),
        likes=_integral(_get(raw, "Likes", "Reactions", "Engagement")),
        shares=_integral(_get(raw, "Reposts", "Shares")),
        replies=_integral(_get(raw, "Replies", "Comments")),
        location=_get(raw, "City", "Country"),
        client=_get(raw, "Twitter Client"),
    )


def transform_sprout_social(raw: pd.DataFrame) -> Frames:
    """Sprout Social exports: messages (Smart Inbox, Listening) and the Post Performance Report.

    Messages carry ``Network``, ``Message Type``, ``From``, ``Message`` and a
    timestamp. The Post Performance Report is the brand's own posts: ``Date``
    (``1/31/2024 3:45 pm``, month first, the user's time zone), ``Post ID``,
    ``Network``, ``Post Type``, ``Profile`` (the brand's profile), ``Sent by``
    (the team member, not the author), ``Link``, ``Post`` and the metrics.
    """
    link = _get(raw, "Permalink", "Link", "Message Link")
    if _has(raw, "Post") and not _has(raw, "Message"):
        return _frame(
            raw, _network(_get(raw, "Network")).where(lambda s: s.notna(), "other"),
            mention_id=_integral(_get(raw, "Post ID", "Link", "Permalink")),
            author=_map(_get(raw, "Profile"), lambda v: v.removeprefix("@") or None),
            text=_get(raw, "Post"),
            posted_at=_utc(_get(raw, "Date")),
            url=link,
            kind="post",
            from_brand="yes",
            likes=_integral(_get(raw, "Likes", "Reactions")),
            replies=_integral(_get(raw, "Comments")),
            shares=_integral(_get(raw, "Shares", "Reposts", "Retweets")),
        )
    return _frame(
        raw, _network(_get(raw, "Network")).where(lambda s: s.notna(), "other"),
        mention_id=_integral(_get(raw, "Message ID", "Guid", "Permalink", "Link")),
        author=_map(_get(raw, "From Handle", "From", "Profile"), lambda v: v.removeprefix("@") or None),
        author_name=_get(raw, "From Name", "Contact Name"),
        text=_get(raw, "Message", "Text", "Content"),
        posted_at=_utc(_get(raw, "Timestamp (UTC)", "Timestamp", "Timestamp (ET)", "Date", "Created Time", "Sent Date")),
        url=link,
        kind=_map(_get(raw, "Message Type", "Type"), lambda v: v.lower()),
        likes=_integral(_get(raw, "Likes")),
        author_followers=_integral(_get(raw, "Followers", "Audience")),
    )


def _hootsuite_kind(value: str) -> str | None:
    """Hootsuite's `Message Type` folded to our kinds: comments are replies, private messages DMs.

    >>> [_hootsuite_kind(v) for v in ("comment", "Private Message", "post", "reply", "mention", "")]
    ['reply', 'dm', 'post', 'reply', None, None]
    """
    kind = value.strip().lower()
    if any(word in kind for word in ("private", "direct", "dm")):
        return "dm"
    if "comment" in kind or "reply" in kind:
        return "reply"
    if "post" in kind:
        return "post"
    return None


def transform_hootsuite(raw: pd.DataFrame) -> Frames:
    """Hootsuite exports of messages and mentions (Inbox 2.0, Insights): ``Medium``/``Network``, author, text, date.

    The Inbox's messages export writes one row per message of a conversation:
    ``Message ID``, ``Conversation ID``, ``Medium`` (the network), ``Channel`` (the
    brand's account), ``Direction`` (``inbound`` from the contact, ``outbound`` from the
    team), ``Message Type`` (comment, post, private message), ``Content``, ``Created at``,
    ``Contact Primary Identifier`` / ``Contact Secondary Identifier`` (the contact, also
    on the team's answers) and ``Post URL`` (the post a comment is under). An outbound
    message is the brand speaking: its author is the channel, not the contact.
    """
    url = _get(raw, "Url", "URL", "Permalink", "Post Link")
    direction = _get(raw, "Direction")
    is_out = direction.map(lambda v: v is not None and v.strip().lower() in ("outbound", "out", "sent")).astype(bool)
    contact = _get(raw, "Author Handle", "Author", "Contact Primary Identifier", "Sender")
    author = contact.mask(is_out, _get(raw, "Channel", "Channel Display Name"))
    author_name = _get(raw, "Author Name", "Contact Secondary Identifier").mask(is_out, None)
    kind = _map(_get(raw, "Message Type", "Type"), _hootsuite_kind)
    parent = _map(_get(raw, "Post URL", "Parent URL"), lambda v: _status_id(v) or v)
    in_reply_to = parent.where(kind.eq("reply"), None)
    from_brand = _map(direction, lambda v: "yes" if v.strip().lower() in ("outbound", "out", "sent") else "no")
    return _frame(
        raw, _platform_or_domain(_get(raw, "Medium", "Network", "Social Network"), url),
        mention_id=_get(raw, "Message ID", "Post ID", "Mention ID", "Url"),
        author=author.where(author.notna(), None),
        author_name=author_name.where(author_name.notna(), None),
        text=_get(raw, "Message", "Message Content", "Content", "Text", "Post"),
        posted_at=_utc(_get(raw, "Created at", "Date", "Published Date", "Date (UTC)")),
        url=url,
        lang=_language(_get(raw, "Language")),
        kind=kind,
        in_reply_to=in_reply_to.where(in_reply_to.notna(), None),
        from_brand=from_brand.where(from_brand.notna(), None),
    )


# --- the registry ---------------------------------------------------------------------------------

SOCIAL_PRESETS: tuple[Preset, ...] = (
    Preset(
        name="twitter-v1", kind=S.MENTIONS,
        description="Twitter API v1.1 tweets: JSON or JSON Lines (a search response's `statuses`); the author from "
        "`user.screen_name`, the client app from `source`.",
        transform=transform_twitter_v1, signature=("id_str", "user.screen_name", "created_at"),
    ),
    Preset(
        name="twitter-v2", kind=S.MENTIONS,
        description="Twitter API v2 tweets: raw twarc2 pages (authors joined from `includes.users`) and `twarc2 "
        "flatten` lines.",
        transform=transform_twitter_v2, signature=("id", "author_id", "created_at", "text"),
    ),
    Preset(
        name="twarc-csv", kind=S.MENTIONS,
        description="twarc2 csv export: the CSV that `twarc2 csv` writes, one tweet per row with "
        "`referenced_tweets.replied_to.id`.",
        transform=transform_twitter_v2,
        signature=("id", "conversation_id", "author_id", "created_at", "text", "referenced_tweets.replied_to.id",
                   "author.username"),
    ),
    Preset(
        name="youtube-comments", kind=S.MENTIONS,
        description="YouTube comments: Data API commentThreads (or comments) responses, top-level comments and their "
        "replies.",
        transform=transform_youtube,
        signature=("snippet.topLevelComment.id", "snippet.topLevelComment.snippet.publishedAt"),
    ),
    Preset(
        name="reddit", kind=S.MENTIONS,
        description="Reddit posts and comments: API listings (a subreddit's or a thread's .json) and Pushshift "
        "lines.",
        transform=transform_reddit, signature=("author", "created_utc", "subreddit"),
    ),
    Preset(
        name="mastodon", kind=S.MENTIONS,
        description="Mastodon statuses: timelines and search results, `account.acct` as author, HTML `content` as "
        "text.",
        transform=transform_mastodon, signature=("account.acct", "content", "created_at"),
    ),
    Preset(
        name="bluesky", kind=S.MENTIONS,
        description="Bluesky posts: AT Protocol API responses (`feed[].post`, `posts[]`, threads).",
        transform=transform_bluesky, signature=("uri", "author.handle", "record.text"),
    ),
    Preset(
        name="zeeschuimer", kind=S.MENTIONS,
        description="Zeeschuimer capture: the browser extension's NDJSON (X/Twitter, TikTok, Instagram, Threads...).",
        transform=transform_zeeschuimer, signature=("item_id", "source_platform", "timestamp_collected"),
    ),
    Preset(
        name="google-play", kind=S.MENTIONS,
        description="Google Play reviews: google-play-scraper tables (`reviewId`, `userName`, `content`, `score`, "
        "`at`).",
        transform=transform_google_play, signature=("reviewId", "userName", "content", "score", "at"),
    ),
    Preset(
        name="google-play-node", kind=S.MENTIONS,
        description="Google Play reviews: the Node google-play-scraper's reviews (`id`, `userName`, `text`, "
        "`score`, `date`, `thumbsUp`).",
        transform=transform_google_play, signature=("id", "userName", "userImage", "date", "score", "text"),
    ),
    Preset(
        name="app-store", kind=S.MENTIONS,
        description="App Store reviews: Apple's customer-reviews RSS feed as JSON (`feed.entry`).",
        transform=transform_app_store, signature=("author.name.label", "im:rating.label", "content.label"),
    ),
    Preset(
        name="app-store-scraper", kind=S.MENTIONS,
        description="App Store reviews: app-store-scraper tables (`userName`, `title`, `review`, `rating`, `date`).",
        transform=transform_app_store, signature=("userName", "title", "review", "rating", "date"),
    ),
    Preset(
        name="app-store-node", kind=S.MENTIONS,
        description="App Store reviews: the Node app-store-scraper's reviews (`id`, `userName`, `score`, `title`, "
        "`text`, `updated`).",
        transform=transform_app_store, signature=("id", "userName", "userUrl", "score", "title", "text", "updated"),
    ),
    Preset(
        name="tripadvisor", kind=S.MENTIONS,
        description="TripAdvisor reviews: review scrapers' tables (`title`, `text`, `rating`, `publishedDate`).",
        # Shapes: an Apify-style review actor's items (`id`, `url`, `title`, `lang`, `publishedDate`,
        # `rating`, `helpfulVotes`, `text`, `travelDate`, `user{...}`, `ownerResponse`; not confirmed here)
        # and a public scraper of the site's own review objects (a TripAdvisorReviewScrapper class reading
        # `id`, `absoluteUrl`, `createdDate`, `publishedDate`, `tripInfo/stayDate`, `helpfulVotes`, `title`,
        # `text`, `rating`, `username`, `mgmtResponse/...`); month-only dates such as `Jul 2022`.
        transform=transform_tripadvisor, signature=("title", "text", "rating", "publishedDate"),
    ),
    Preset(
        name="trustpilot", kind=S.MENTIONS,
        description="Trustpilot reviews: the business reviews export (`Review Id`, `Review Stars`, `Review "
        "Content`).",
        # Headers of the Business export as public code reads them: `Review Id`, `Review Created (UTC)`,
        # `Review Consumer User Id`, `Review Username`, `Review Title`, `Review Content`, `Review Stars`,
        # `Source Of Review`, `Location Name`, `Domain URL`, `Webshop Name`, `Business Unit Id`,
        # `Company Reply Date (UTC)` / `Business Reply Date (UTC)`, `Reply Content`; dates ISO in UTC.
        transform=transform_trustpilot, signature=("Review Id", "Review Stars", "Review Content"),
        other_signatures=(("Review Created (UTC)", "Review Stars", "Review Content"),),
    ),
    Preset(
        name="trustpilot-api", kind=S.MENTIONS,
        description="Trustpilot reviews: the API's business-unit reviews (`reviews[]`: `id`, `stars`, `title`, "
        "`text`, `createdAt`, `consumer.displayName`).",
        transform=transform_trustpilot, signature=("id", "stars", "text", "createdAt", "consumer.displayName"),
    ),
    Preset(
        name="yelp", kind=S.MENTIONS,
        description="Yelp reviews: the Yelp Open Dataset's review.json (one review per line).",
        # Fields of the Yelp Open Dataset's review file as public repositories describe it (e.g.
        # intellectape/Yelp-Dataset-Challenge README: `review_id`, `user_id`, `business_id`, `stars`, `text`,
        # `useful`, `funny`, `cool`; older files nest the votes: `votes.useful`) and Kaggle's yelp.csv.
        transform=transform_yelp, signature=("review_id", "user_id", "business_id", "stars", "text", "date"),
    ),
    Preset(
        name="talkwalker", kind=S.MENTIONS,
        description="Talkwalker export: results with `url`, `published`, `title`, `content`, `source_type`.",
        transform=transform_talkwalker, signature=("url", "published", "content", "source_type"),
        # Shape learnt from public code reading Talkwalker XLSX/CSV exports: a public cleaning script for a
        # Talkwalker podcast export (`url`, `title`, `content`, `published`, `indexed`, `search_indexed`,
        # `source_type`, `post_type`, `lang`, `domain_url`, `extra_author_attributes.*`,
        # `extra_source_attributes.*`), importers that key on `title`/`content`/`published`/
        # `extra_author_attributes.name`/`reach`/`engagement`, a notebook reading `published` with
        # dayfirst=True, and developer.talkwalker.com's document fields (`source_type` like
        # `SOCIALMEDIA_TWITTER`, `ONLINENEWS_OTHER`, `MESSAGEBOARD_OTHER`). Exports trimmed of
        # `source_type` are still known by their author columns.
        other_signatures=(("url", "published", "content", "extra_author_attributes.name"),
                          ("url", "published", "content", "extra_author_attributes.short_name")),
        dayfirst=True,  # Talkwalker writes `22/09/17 11:00:24`: day, month, two-digit year (read with dayfirst)
    ),
    Preset(
        name="brandwatch", kind=S.MENTIONS,
        description="Brandwatch mentions export: CSV or XLSX; the preamble lines above the header are skipped.",
        # Fields from developers.brandwatch.com/docs/mention-metadata-field-definitions (`author`, `added`,
        # `pageType`, `fullText`, `resourceId`, `threadId`...); the export writes them title-cased (`Query Id`,
        # `Page Type`, `Full Text`, `Resource Id`), under report lines, dates `2024-03-05 10:30:00.0`. The
        # header spelling and the preamble are not confirmed against a public file.
        transform=transform_brandwatch, signature=("Query Id", "Query Name", "Date", "Url"),
        # The "Bulk Mentions Download" as open-source readers of it take it: `Report:`, `Brand:`, `From:`,
        # `To:`, `Label:` lines and a blank one above the header (six rows in the XLSX), `Mention Id`,
        # `Resource Id`, `Thread Entry Type` (post/reply/comment/share), `Thread Id`, X counts prefixed
        # `X ` (`X Likes`, `X Reposts`, `X Replies`, `X Followers`, `X Reply to`), dates ISO with `Z`.
        # A trimmed export without the query columns is still known by its thread columns.
        other_signatures=(("Query Id", "Date", "Url", "Page Type", "Full Text"),
                          ("Date", "Url", "Domain", "Full Text", "Thread Entry Type", "Resource Id")),
    ),
    Preset(
        name="meltwater", kind=S.MENTIONS,
        description="Meltwater export: `Date`, `URL`, `Hit Sentence`, `Source Type` or `Source`, `Author Handle` "
        "or `Influencer`...; UTF-16 with tabs as Meltwater writes it.",
        transform=transform_meltwater, signature=("Date", "Headline", "URL", "Hit Sentence", "Source", "Influencer"),
        # Older shape: hanna-tes/CIB-network-monitoring (App.py reads a Meltwater CSV with encoding='utf-16',
        # sep='\t' and maps `Influencer`, `Hit Sentence`, `Date`). Current shape: the column list a public
        # Streamlit app checks Meltwater CSVs against (`Date`, `Time`, `Document ID`, `URL`, `Input Name`,
        # `Source Type`, `Source Name`, `Source Domain`, `Author Name`, `Author Handle`, `Title`,
        # `Opening Text`, `Hit Sentence`, ..., `Likes`, `Replies`, `Reposts`, `Comments`), with a line
        # above the header; developer.meltwater.com (output templates) says strings are UTF-16. Dates are
        # `05-Mar-2024` (a month name: no order to guess), so a numeric date is left to the values.
        other_signatures=(("Date", "Document ID", "URL", "Hit Sentence", "Author Handle"),
                          ("Date", "URL", "Hit Sentence", "Source Type", "Author Name")),
    ),
    Preset(
        name="sprout-social", kind=S.MENTIONS,
        description="Sprout Social export: messages (`Network`, `Message Type`, `From`, `Message`) or the Post "
        "Performance Report (`Date`, `Post ID`, `Network`, `Profile`, `Post`).",
        transform=transform_sprout_social, signature=("Network", "Message Type", "From", "Message"),
        # Post Performance Report: support.sproutsocial.com "How do I use the Post Performance Report?"
        # describes its CSV export; the header names here (`Date`, `Post ID`, `Network`, `Post Type`,
        # `Content Type`, `Profile`, `Sent by`, `Link`, `Post`, metrics) are not confirmed against a public
        # file. Sprout is US-made: dates month first (`1/31/2024 3:45 pm`). The messages shape above is
        # unconfirmed too.
        # An open-source reader of Sprout's report CSVs (Post Performance and Competitor reports) keys on
        # `Date`, `Network`, `Profile`, `Link`/`Permalink`, `Post Type`, `Content Type`, `Post`,
        # `Reactions`/`Likes`, `Comments`, `Shares`, `Impressions`: a report without `Post ID` is keyed
        # by its link.
        other_signatures=(("Date", "Post ID", "Network", "Post Type", "Profile", "Post"),
                          ("Date", "Network", "Post Type", "Content Type", "Profile", "Link", "Post")),
        dayfirst=False,
    ),
    Preset(
        name="hootsuite", kind=S.MENTIONS,
        description="Hootsuite messages export: `Message ID`, `Medium`, `Message`, `Created at`.",
        # help.hootsuite.com "Create Inbox 2.0 data exports": headers `Conversation ID`, `Medium` (the network),
        # `Channel`, `Contact Primary Identifier`, `Contact Secondary Identifier`, `Created at`. The messages
        # export's own columns as two open-source readers of it take them: `Message ID`, `Direction`
        # (`inbound`/`outbound`), `Message Type` (comment, post, private), `Content`, `Post URL`, `Sentiment`.
        transform=transform_hootsuite, signature=("Message ID", "Medium", "Created at"),
        other_signatures=(("Message ID", "Conversation ID", "Medium", "Contact Primary Identifier"),),
    ),
)
