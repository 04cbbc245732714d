"""The connector contract, the polite HTTP client every connector uses, and text helpers.

A connector is a :class:`Connector`: its kind, the settings it takes (each
with help), the secrets it may read, and ``fetch(http, settings, secrets,
cursor) -> Batch``. ``fetch`` asks only for what is new since ``cursor`` (a
JSON-able dict the connector alone reads), and returns canonical mention rows
(text values keyed by the columns of :data:`scrm.db.schema.MENTION_ENTITY`),
the platform's JSON of each item beside its row, and the cursor the next run
starts from. It writes nothing: :mod:`scrm.listen.collect` stores the batch.

>>> html_to_text("<p>Hello <b>world</b> &amp; co<br>next</p><p>para</p>")
'Hello world & co\\nnext\\n\\npara'
>>> iso_utc("2024-03-05T10:00:00.000Z")
'2024-03-05T10:00:00'
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

import httpx

from scrm import __version__
from scrm.errors import SourceError
from scrm.i18n.messages import Message, Value

log = logging.getLogger(__name__)

USER_AGENT = f"scrm/{__version__} (self-hosted social CRM; live listening)"
TIMEOUT_SECONDS = 20.0
# Requests one source may make in one run: a first run of a busy hashtag stops here
# and the next run goes on from the cursor.
DEFAULT_BUDGET = 20
# The longest a run waits on a 429's Retry-After before giving up until the next run.
DEFAULT_MAX_WAIT = 60.0
RETRIES = 3  # tries of one request on a 429, a 5xx or a dropped connection


@dataclass(frozen=True)
class Setting:
    """A setting key of a connector: stored in the database (never a secret)."""

    key: str
    help: str
    required: bool = False
    default: str | None = None


@dataclass
class Batch:
    """What one fetch found: canonical rows, the raw JSON of each, the next cursor."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    raw: list[dict[str, Any]] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    # Mention ids the platform reports deleted (applied where the platform says so cheaply).
    deleted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: dict[str, Any], raw: Any) -> None:
        self.rows.append(row)
        self.raw.append(raw if isinstance(raw, dict) else {"value": raw})


Fetch = Callable[["Http", Mapping[str, str], Mapping[str, str], Mapping[str, Any]], Batch]


@dataclass(frozen=True)
class Connector:
    """One kind of live source (see the module docstring)."""

    kind: str
    summary: str  # one line: what it collects
    settings: tuple[Setting, ...]
    fetch: Fetch
    secrets: tuple[str, ...] = ()  # keys read from [sources.NAME] in secrets.toml or the environment
    needs: str = "nothing"  # what a user must bring (a token, an API key), in words
    # Settings of which at least one must be given (e.g. mastodon's hashtag or query).
    one_of: tuple[str, ...] = ()
    # Off unless these secrets are given (reddit).
    requires_secrets: tuple[str, ...] = ()
    validate: Callable[[Mapping[str, str], Mapping[str, str]], None] | None = None
    # Requests made before the first page when signing in (a session, a token): `sources test` allows them.
    sign_in_requests: int = 0

    def setting_keys(self) -> list[str]:
        return [s.key for s in self.settings]

    def resolved(self, settings: Mapping[str, str]) -> dict[str, str]:
        """The settings with their defaults filled in."""
        out = {s.key: s.default for s in self.settings if s.default is not None}
        out.update({k: v for k, v in settings.items() if v != ""})
        return out


# --- the polite HTTP client -----------------------------------------------------------------------


class Refused(SourceError):
    """The platform answered with an HTTP error status (kept in ``status``)."""

    def __init__(self, message: Message, status: int) -> None:
        super().__init__(message)
        self.status = status


class BudgetSpent(Exception):
    """The run's request budget is used up: the connector stops and keeps what it has."""


class Http:
    """httpx with scrm's User-Agent and timeouts, a request budget, and 429/5xx handling.

    A 429 or 503 with ``Retry-After`` is waited out when the wait is at most
    ``max_wait`` seconds, else the run stops with a sentence (the next run
    goes on from the cursor); other 5xx and dropped connections are retried
    with a doubling backoff. Every answer that is not 2xx or 304 raises a
    :class:`~scrm.errors.SourceError` naming the status and what to do.
    """

    def __init__(
        self,
        *,
        budget: int = DEFAULT_BUDGET,
        max_wait: float = DEFAULT_MAX_WAIT,
        timeout: float = TIMEOUT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.budget = budget
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests = 0
        self.waited: list[float] = []
        self.client = httpx.Client(
            timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True, transport=transport
        )

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def close(self) -> None:
        self.client.close()

    @property
    def spent(self) -> bool:
        return self.requests >= self.budget

    def get(self, url: str, *, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
            tries: int = RETRIES) -> httpx.Response:
        return self.request("GET", url, params=params, headers=headers, tries=tries)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: Mapping[str, str] | None = None,
        tries: int = RETRIES,
    ) -> httpx.Response:
        """One request, tried up to ``tries`` times on a 429, a 5xx or a dropped connection."""
        if self.spent:
            raise BudgetSpent
        clean = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        backoff = 1.0
        for attempt in range(1, tries + 1):
            self.requests += 1
            try:
                response = self.client.request(
                    method, url, params=clean, headers=dict(headers or {}), json=json_body, data=data
                )
            except httpx.HTTPError as e:
                if attempt == tries or self.spent:
                    raise SourceError(Message(
                        "{host} could not be reached ({why}). Check the address and the network; the next run tries again.",
                        {"host": _host(url), "why": _reason(e)},
                    )) from e
                self._wait(min(backoff, self.max_wait))
                backoff *= 2
                continue
            if response.status_code in (429, 503) or response.status_code >= 500:
                wait = retry_after(response.headers.get("Retry-After"))
                if wait is None:  # no word from the server: back off, doubling, within the cap
                    wait = min(backoff, self.max_wait)
                    backoff *= 2
                if wait > self.max_wait:
                    raise SourceError(Message(
                        "{host} asked to wait {seconds} s before the next request (HTTP {status}); "
                        "the next run goes on from where this one stopped.",
                        # the seconds as the server gave them, without grouping (the English always wrote 3600)
                        {"host": _host(url), "seconds": f"{wait:.0f}", "status": str(response.status_code)},
                    ))
                if attempt == tries or self.spent:
                    times = Message("once") if attempt == 1 else Message("{n} times in a row", {"n": attempt})
                    values: dict[str, Value] = {"host": _host(url), "status": str(response.status_code), "times": times}
                    raise SourceError(
                        Message("{host} answered HTTP {status} ({times}, the run's requests used up); the next run tries again.",
                                values)
                        if attempt < tries
                        else Message("{host} answered HTTP {status} {times}; the next run tries again.", values)
                    )
                self._wait(wait)
                continue
            if response.status_code == 304 or response.is_success:
                return response
            raise Refused(_refusal(url, response.status_code), response.status_code)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, seconds: float) -> None:
        self.waited.append(seconds)
        if seconds > 0:
            self.sleep(seconds)

    def json(self, response: httpx.Response) -> Any:
        """The JSON of an answer, or a SourceError saying the page was not JSON."""
        try:
            return response.json()
        except ValueError as e:
            raise SourceError(Message(
                "{host} sent a page that is not valid JSON; nothing of it was stored. "
                "Check the source's address (it may point at a web page, not the API).",
                {"host": _host(str(response.request.url))},
            )) from e


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds, or an HTTP date).

    >>> retry_after("2"), retry_after(None), retry_after("soon")
    (2.0, None, None)
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host or url
    except Exception:  # noqa: BLE001 - only for a message
        return url


def _reason(error: Exception) -> Value:
    if isinstance(error, httpx.TimeoutException):
        return Message("no answer within {n} s", {"n": round(TIMEOUT_SECONDS)})
    if isinstance(error, httpx.ConnectError):
        return Message("connection refused or no such host")
    return type(error).__name__


def _refusal(url: str, status: int) -> Message:
    host = _host(url)
    if status in (401, 403):
        return Message(
            "{host} refused the request (HTTP {status}): it needs a token, key or app password, or the one given "
            "is wrong. Put it in .streamlit/secrets.toml under [sources.NAME] (see the README, Listening live).",
            {"host": host, "status": str(status)},
        )
    if status == 404:
        return Message("{host} has no such page (HTTP 404). Check the source's address, hashtag, video or category.",
                       {"host": host})
    return Message("{host} refused the request (HTTP {status}). Check the source's settings; the next run tries again.",
                   {"host": host, "status": str(status)})


def shape_error(host: str, what: Message) -> SourceError:
    """The error of a page that is JSON but not of the platform's shape; ``what`` names what was missing.

    >>> shape_error("example.org", Message("a list of posts")).render("es").startswith("example.org envió")
    True
    """
    return SourceError(Message(
        "{host} sent a page without {what}; nothing of it was stored. Check the source's address "
        "(it may not be this kind of server).",
        {"host": host, "what": what},
    ))


# --- deletions: re-asking the platform about recent items -----------------------------------------

RECHECK_KEY = "recheck"  # the cursor key of the queue of recent items to re-ask about
# Recent items kept in the queue: a busy source re-asks about its latest 200, a group per run.
RECHECK_KEEP = 200
RECHECK_TRIES = 1  # a re-check that fails waits for the next run: it never costs the run its backoff

Ask = Callable[[list[str]], set[str]]


def recheck(batch: Batch, cursor: Mapping[str, Any], ask: Ask, per_request: int,
            collected: list[tuple[str, str]]) -> None:
    """Re-ask about the oldest-checked group of recent items; those the platform no longer has are deleted.

    The queue (``cursor["recheck"]``) holds ``[native id, mention id]`` pairs:
    ``ask(native ids)`` returns the native ids the platform still serves (one
    request); the others go to ``batch.deleted`` (their author deleted them,
    or the platform took them down). Survivors go to the back of the queue,
    behind the items ``collected`` in this run, so every recent item is asked
    about in turn; when the queue is full, the items asked about longest ago
    make room. A request that fails or a budget used up keeps the queue
    as it was (a note says why), and so does an answer that names items not
    asked about or none of a group of several: a deletion is never guessed.

    >>> b = Batch()
    >>> recheck(b, {"recheck": [["1", "m:1"], ["2", "m:2"]]}, lambda ids: {"2"}, 40, [("3", "m:3")])
    >>> b.deleted, b.cursor["recheck"]
    (['m:1'], [['3', 'm:3'], ['2', 'm:2']])
    """
    queue = [(str(p[0]), str(p[1])) for p in cursor.get(RECHECK_KEY) or []
             if isinstance(p, list | tuple) and len(p) == 2]
    check, rest = queue[:per_request], queue[per_request:]
    survivors: list[tuple[str, str]] = []
    if check:
        try:
            present = ask([native for native, _ in check])
        except BudgetSpent:
            rest = check + rest
        except SourceError as e:
            batch.notes.append(f"Deletions not checked this run: {' '.join(str(e).split())}")
            rest = check + rest
        else:
            asked = {native for native, _ in check}
            if present - asked or (not present and len(asked) > 1):
                # Not an answer to the question (a server that answers any address with the same page,
                # or an empty page for a whole group): a deletion is never inferred from it.
                batch.notes.append("Deletions not checked this run: the answer did not list the items asked about.")
                rest = check + rest
            else:
                batch.deleted.extend(mention for native, mention in check if native not in present)
                survivors = [pair for pair in check if pair[0] in present]
    known = {native for native, _ in rest + survivors}
    fresh = [pair for pair in dict.fromkeys(collected) if pair[0] not in known]
    # Full: items asked about already make room first, so every item is asked about at least once.
    overflow = len(rest) + len(fresh) + len(survivors) - RECHECK_KEEP
    if overflow > 0:
        dropped = min(overflow, len(survivors))
        survivors = survivors[dropped:]
        rest = rest[overflow - dropped:]
    batch.cursor[RECHECK_KEY] = [list(p) for p in rest + fresh + survivors]


# --- text and time --------------------------------------------------------------------------------


class _Text(HTMLParser):
    BREAKS = frozenset({"br"})
    BLOCKS = frozenset({"p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(value: Any) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, paragraphs kept as blank lines."""
    if value is None:
        return ""
    text = str(value)
    if "<" not in text and "&" not in text:
        return text.strip()
    parser = _Text()
    parser.feed(text)
    parser.close()
    out = html.unescape("".join(parser.parts))
    out = re.sub(r"[ \t\r\f\v]+\n", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip()


def iso_utc(value: Any) -> str | None:
    """A platform's time (ISO 8601, RFC 2822, epoch seconds, a struct_time) as UTC ``YYYY-MM-DDTHH:MM:SS``."""
    if value is None or value == "":
        return None
    when: datetime | None = None
    if isinstance(value, int | float):
        when = datetime.fromtimestamp(float(value), UTC)
    elif isinstance(value, time.struct_time):
        when = datetime(*value[:6], tzinfo=UTC)
    elif isinstance(value, datetime):
        when = value
    else:
        text = str(value).strip()
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError):
                return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def mention_id(platform: str, native_id: Any) -> str:
    """The stable key of a collected item: ``platform:native id`` (hashed when very long).

    >>> mention_id("hackernews", 42)
    'hackernews:42'
    """
    native = str(native_id)
    if len(native) > 200:
        native = hashlib.sha256(native.encode("utf-8")).hexdigest()[:32]
    return f"{platform}:{native}"


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def count(value: Any) -> str | None:
    """A count as text for the importer, None when absent or not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(int(value))
    return None


def base_url(value: str | None, default: str) -> str:
    return (value or default).rstrip("/")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
