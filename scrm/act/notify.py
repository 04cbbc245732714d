"""Notifications: alerts reach people by e-mail or a chat webhook, as a digest, throttled.

A channel is a row of ``channels``: ``email`` (settings ``host``, ``port``,
``starttls``, ``from``, ``to``, ``username``; the ``password`` only under
``[notify.NAME]`` in ``.streamlit/secrets.toml`` or ``SCRM_NOTIFY_<NAME>_PASSWORD``)
or ``webhook`` (``url``, ``format`` = slack, teams, mattermost, discord or
json, default json; a secret URL may sit in the secrets as ``url`` instead).
Both take ``throttle_minutes`` (default 15), ``severity`` (``medium``: every
alert, ``high``: only high ones), ``kinds`` (the alert kinds it carries, e.g.
``rule`` for the workflow rules' raise_alert actions; default all) and
``app_url`` (the app's address, for a link back to the Alerts page). A
workflow rule's raise_alert action may name channels (``channels``): its
alerts then go to those channels only, whatever their ``kinds`` and ``severity``.

After each score run :func:`deliver_alerts` sends each channel ONE message
listing the incidents it has not carried yet, one line each: alerts of one
kind about one brand (or customer, or rule) a few days apart are one incident
(:func:`scrm.analysis.alerts.group_incidents`), so a week-long crisis that
raises a spike a day is announced once, and alerts that later join an
incident already announced are not sent again. Past the daily cap per kind
(Settings, "Alerts a day per kind") the day's other incidents of that kind
are folded into one count line. That digest waits when the channel sent
something less than ``throttle_minutes`` ago: the alerts then wait for the
next run. An alert is known by what it is about (kind, scope, brand,
platform, topic, customer, first day), so the same spike growing over the
days is not sent again. Only alerts whose period reaches the day before the
channel was added or later are sent: adding a channel does not replay history.
A failed send is tried :data:`TRIES` times; every delivery is recorded
(``sent``, ``retried`` when it went through after a failure, ``failed``).

Messages are plain text: values from the data (brands, platforms) are
escaped for the chat's markdown, and no mention text is quoted.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.analysis import alerts as incidents
from scrm.db import audit, store
from scrm.db import schema as S
from scrm.db import settings as business
from scrm.errors import NotFound, NotifyError
from scrm.i18n.messages import Message, Value
from scrm.listen import sources as L
from scrm.listen.base import USER_AGENT, dumps

log = logging.getLogger(__name__)

EMAIL, WEBHOOK = "email", "webhook"
KINDS: tuple[str, ...] = (EMAIL, WEBHOOK)
FORMATS: tuple[str, ...] = ("slack", "teams", "mattermost", "discord", "json")
SETTINGS: dict[str, dict[str, str]] = {
    EMAIL: {
        "host": "the SMTP server", "port": "its port (default 587)", "starttls": "true or false (default true)",
        "from": "the sender address", "to": "recipients, comma-separated", "username": "the SMTP user (default: from)",
    },
    WEBHOOK: {"url": "the webhook's address", "format": f"{', '.join(FORMATS)} (default json)"},
}  # fmt: skip
COMMON = {
    "throttle_minutes": "at most one message per this many minutes (default 15)",
    "severity": "medium: every alert; high: only high ones (default medium)",
    "kinds": f"the alert kinds it carries, comma-separated: {', '.join(S.ALERT_KINDS)} (default all)",
    "app_url": "the app's address, for a link back to the Alerts page",
}
REQUIRED = {EMAIL: ("host", "from", "to"), WEBHOOK: ()}
SECRET_KEYS = frozenset({"password", "token", "secret"})
SECRETS = {EMAIL: ("password",), WEBHOOK: ("url",)}
ENV_PREFIX = "SCRM_NOTIFY_"
TRIES = 3
TIMEOUT_SECONDS = 20.0
MAX_LISTED = 10  # alerts listed in one message; the rest are counted
DEFAULT_THROTTLE = 15
FINGERPRINT = ("kind", "scope", "brand", "platform", "topic_id", "customer_id", "period_start")


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str
    settings: dict[str, str]
    enabled: bool = True
    created_at: str | None = None


@dataclass
class Delivery:
    """One message to one channel: sent, retried (sent after a failure) or failed."""

    channel: str
    status: str
    attempts: int
    alerts: int
    error: str | None = None
    error_message: Message | None = None  # the error for the reader's language


@dataclass(frozen=True)
class Notice:
    """One notification: a subject and plain-text lines, in English (the channel's readers are the team's)."""

    subject: str
    lines: list[str]
    link: str | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join([*self.lines, *([f"Open: {self.link}"] if self.link else [])])


# --- channels ---------------------------------------------------------------------------------------


def _row(row: Mapping[str, Any]) -> Channel:
    return Channel(row["name"], row["kind"], json.loads(row["settings"] or "{}"), bool(row["enabled"]), row["created_at"])


def list_channels(db: sqlite_utils.Database) -> list[Channel]:
    return [_row(r) for r in db.query(f"SELECT * FROM {S.CHANNELS} ORDER BY name")]


def get_channel(db: sqlite_utils.Database, name: str) -> Channel:
    row = next(iter(db.query(f"SELECT * FROM {S.CHANNELS} WHERE name = ?", [name])), None)
    if row is None:
        known: Value = ", ".join(c.name for c in list_channels(db)) or Message("none yet")
        raise NotFound(Message(
            "There is no notification channel named {name} (channels: {known}). See `python -m scrm notify list`.",
            {"name": repr(name), "known": known},
        ))
    return _row(row)


def check_channel(kind: str, settings: Mapping[str, str]) -> dict[str, str]:
    """A channel's settings, checked: known keys, required ones, no secret, a known format."""
    if kind not in KINDS:
        raise NotifyError(Message("Unknown channel kind {kind}; use email or webhook.", {"kind": repr(kind)}))
    allowed = {**SETTINGS[kind], **COMMON}
    clean = {str(k).strip(): str(v).strip() for k, v in settings.items()}
    for key in clean:
        if key in SECRET_KEYS:
            raise NotifyError(Message(
                "{key} is a secret and is never stored in the database: put it under [notify.NAME] in "
                ".streamlit/secrets.toml (or the environment variable SCRM_NOTIFY_NAME_PASSWORD) instead of --set.",
                {"key": key},
            ))
        if key not in allowed:
            raise NotifyError(Message(
                "A {kind} channel has no setting {key}; its settings are {settings}.",
                {"kind": kind, "key": repr(key), "settings": ", ".join(allowed)},
            ))
    for key in REQUIRED[kind]:
        if not clean.get(key):
            raise NotifyError(Message(
                "A {kind} channel needs {key} ({what}): add --set {key}=VALUE.", {"kind": kind, "key": key, "what": Message(allowed[key])}
            ))
    if kind == WEBHOOK:
        fmt = clean.get("format", "json").lower()
        if fmt not in FORMATS:
            raise NotifyError(Message("format must be one of {formats}, not {given}.", {"formats": ", ".join(FORMATS), "given": repr(fmt)}))
        clean["format"] = fmt
        if clean.get("url") and not re.match(r"^https?://", clean["url"]):
            raise NotifyError(Message(
                "url must be a web address starting with http:// or https://, not {given}.", {"given": repr(clean["url"])}
            ))
    for key in ("port", "throttle_minutes"):
        if clean.get(key) and not clean[key].isdigit():
            raise NotifyError(Message("{key} must be a whole number, not {given}.", {"key": key, "given": repr(clean[key])}))
    unknown = [k for k in _kinds(clean) if k not in S.ALERT_KINDS]
    if unknown:
        raise NotifyError(Message("kinds takes {kinds}, not {given}.", {"kinds": ", ".join(S.ALERT_KINDS), "given": ", ".join(unknown)}))
    if clean.get("severity") and clean["severity"] not in S.ALERT_SEVERITIES:
        raise NotifyError(Message("severity must be high or medium, not {given}.", {"given": repr(clean["severity"])}))
    return {k: v for k, v in clean.items() if v}


# The sentences above that name the command line's --set, as the Sources page's form says them: there a
# channel's settings are typed one key=value a line (the Spanish and French entries of both say it so too).
FORM_WORDING = {
    "A {kind} channel needs {key} ({what}): add --set {key}=VALUE.":
        "A {kind} channel needs {key} ({what}): add the line {key}=VALUE to its settings.",
    "{key} is a secret and is never stored in the database: put it under [notify.NAME] in "
    ".streamlit/secrets.toml (or the environment variable SCRM_NOTIFY_NAME_PASSWORD) instead of --set.":
        "{key} is a secret and is never stored in the database: put it under [notify.NAME] in "
        ".streamlit/secrets.toml (or the environment variable SCRM_NOTIFY_NAME_PASSWORD), not in the channel's settings.",
}  # fmt: skip


def for_the_form(error: Exception) -> Exception:
    """``error`` as the Sources page's channel form says it: no command-line flag in it.

    >>> e = NotifyError(Message("A {kind} channel needs {key} ({what}): add --set {key}=VALUE.",
    ...                         {"kind": "email", "key": "to", "what": Message("recipients, comma-separated")}))
    >>> str(for_the_form(e))
    'A email channel needs to (recipients, comma-separated): add the line to=VALUE to its settings.'
    """
    if not isinstance(error, NotifyError):
        return error
    said = error.message
    wording = FORM_WORDING.get(said.key)
    return error if wording is None else NotifyError(Message(wording, said.values))


def _kinds(settings: Mapping[str, str]) -> list[str]:
    return [k.strip() for k in str(settings.get("kinds") or "").split(",") if k.strip()]


def add_channel(
    db: sqlite_utils.Database, kind: str, name: str, settings: Mapping[str, str], *, actor: str, role: str | None = None
) -> Channel:
    if not L.NAME_PATTERN.match(name or ""):
        raise NotifyError(Message("{name} cannot name a channel: use letters, digits, '-', '_' or '.'.", {"name": repr(name)}))
    clean = check_channel(kind, settings)
    now = store.utcnow()
    with store.transaction(db, bump=False):
        if next(iter(db.query(f"SELECT 1 FROM {S.CHANNELS} WHERE name = ?", [name])), None) is not None:
            raise NotifyError(Message(
                "A channel named {name} exists already; remove it first or choose another name.", {"name": repr(name)}
            ))
        db.execute(f"INSERT INTO {S.CHANNELS} (name, kind, settings, enabled, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)",
                   [name, kind, dumps(clean), now, now])
        audit.record(db, audit.SETTINGS, actor=actor, role=role, target=f"channel {name}", detail={"added": kind})
    return get_channel(db, name)


def remove_channel(db: sqlite_utils.Database, name: str, *, actor: str, role: str | None = None) -> None:
    get_channel(db, name)
    with store.transaction(db, bump=False):
        db.execute(f"DELETE FROM {S.CHANNELS} WHERE name = ?", [name])
        audit.record(db, audit.SETTINGS, actor=actor, role=role, target=f"channel {name}", detail="removed")


def channel_secrets(name: str, kind: str) -> dict[str, str]:
    return L.read_secrets("notify", name, SECRETS[kind], L.SECRETS_FILES, prefix=ENV_PREFIX)


# --- messages -----------------------------------------------------------------------------------------


def fingerprint(alert: Mapping[str, Any]) -> str:
    return "|".join("" if alert.get(k) is None else str(alert.get(k)) for k in FINGERPRINT)


KIND_NAMES = {"volume": "Volume spike", "negative": "Negative sentiment spike", "vip_detractor": "VIP detractor",
              "rule": "Workflow rule alert"}  # fmt: skip


def _alert_line(alert: Mapping[str, Any]) -> str:
    what = KIND_NAMES.get(str(alert.get("kind")), str(alert.get("kind")))
    where = [str(alert[k]) for k in ("brand", "platform") if alert.get(k)]
    if alert.get("customer_id"):
        where.append(f"customer {alert['customer_id']}")
    days = str(alert.get("period_start") or "")
    if alert.get("period_end") and alert.get("period_end") != alert.get("period_start"):
        days += f" to {alert['period_end']}"
    value = alert.get("value")
    figure = f": {int(value):,} on the peak day" if isinstance(value, int | float) and value == value else ""
    return f"[{alert.get('severity') or 'medium'}] {what}{' on ' + ', '.join(where) if where else ''}, {days}{figure}"


def build_message(alerts: Sequence[Mapping[str, Any]], app_url: str | None = None) -> Notice:
    """One digest of ``alerts``: a subject and plain lines (at most :data:`MAX_LISTED` listed)."""
    n = len(alerts)
    subject = f"scrm: {n} new alert" + ("" if n == 1 else "s")
    lines = [subject + "."]
    lines.extend(f"- {_alert_line(a)}" for a in alerts[:MAX_LISTED])
    if n > MAX_LISTED:
        lines.append(f"- and {n - MAX_LISTED:,} more on the Alerts page.")
    link = f"{app_url.rstrip('/')}/alerts" if app_url else None
    return Notice(subject, lines, link, [dict(a) for a in alerts])


def build_incident_message(groups: Sequence[Sequence[Mapping[str, Any]]], app_url: str | None = None, *,
                           cap: int = business.DEFAULT_ALERT_DAILY_CAP) -> Notice:
    """One digest of incidents (each a list of its alerts, strongest first): one line per incident.

    Past ``cap`` incidents of one kind ending on the same day, the rest are
    counted on one line instead of listed; every alert of every incident is
    carried (recorded as delivered), listed or folded.
    """
    carried = [dict(a) for group in groups for a in group]
    listed: list[str] = []
    folded: dict[str, int] = {}
    per_day: dict[tuple[str, str], int] = {}
    for group in groups:
        head = group[0]
        kind = str(head.get("kind"))
        end = max(str(a.get("period_end") or a.get("period_start") or "")[:10] for a in group)
        per_day[(kind, end)] = per_day.get((kind, end), 0) + 1
        if per_day[(kind, end)] > cap:
            folded[kind] = folded.get(kind, 0) + 1
            continue
        line = _alert_line(head)
        if len(group) > 1:
            start = min(str(a.get("period_start") or "")[:10] for a in group)
            line += f" ({len(group)} alerts, {start} to {end})"
        listed.append(line)
    n = len(groups)
    subject = f"scrm: {n} new incident" + ("" if n == 1 else "s")
    lines = [subject + "."]
    lines.extend(f"- {line}" for line in listed[:MAX_LISTED])
    if len(listed) > MAX_LISTED:
        lines.append(f"- and {len(listed) - MAX_LISTED:,} more on the Alerts page.")
    for kind, count in sorted(folded.items()):
        lines.append(f"- and {count:,} more {KIND_NAMES.get(kind, kind).lower()} incident{'s' if count != 1 else ''} "
                     f"today, past the daily cap of {cap}, on the Alerts page.")
    link = f"{app_url.rstrip('/')}/alerts" if app_url else None
    return Notice(subject, lines, link, carried)


_CHAT_MARKUP = re.compile(r"([\\`*_~|>#\[\]()<@!])")


def plain_for(fmt: str, text: str) -> str:
    """Text as the chat shows it literally: markdown characters escaped (Slack: its three entities).

    >>> plain_for("discord", "*bold* @everyone")
    '\\\\*bold\\\\* \\\\@everyone'
    >>> plain_for("slack", "a <b> & c")
    'a &lt;b&gt; &amp; c'
    """
    if fmt == "slack":
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if fmt in ("teams", "mattermost", "discord"):
        return _CHAT_MARKUP.sub(r"\\\1", text)
    return text


def webhook_payload(fmt: str, message: Notice) -> dict[str, Any]:
    text = plain_for(fmt, message.text)
    if fmt == "slack":
        return {"text": text, "mrkdwn": False}
    if fmt == "mattermost":
        return {"text": text, "username": "scrm"}
    if fmt == "discord":
        return {"content": text[:2000], "allowed_mentions": {"parse": []}}
    if fmt == "teams":
        return {"type": "message", "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {"type": "AdaptiveCard", "version": "1.4",
                        "body": [{"type": "TextBlock", "text": text, "wrap": True}]},
        }]}  # fmt: skip
    return {"subject": message.subject, "text": message.text, "link": message.link, "alerts": message.alerts}


# --- sending --------------------------------------------------------------------------------------------

Sender = Callable[[Channel, Notice], None]


def send_email(channel: Channel, message: Notice) -> None:
    s = channel.settings
    secrets = channel_secrets(channel.name, EMAIL)
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = s["from"]
    mail["To"] = ", ".join(a.strip() for a in s["to"].split(",") if a.strip())
    mail.set_content(message.text)
    port = int(s.get("port") or 587)
    try:
        with smtplib.SMTP(s["host"], port, timeout=TIMEOUT_SECONDS) as smtp:
            if s.get("starttls", "true").lower() in ("1", "true", "yes"):
                smtp.starttls()
            if secrets.get("password"):
                smtp.login(s.get("username") or s["from"], secrets["password"])
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as e:
        raise NotifyError(Message(
            "The SMTP server {host}:{port} refused or dropped the message ({error}).",
            {"host": s["host"], "port": str(port), "error": f"{type(e).__name__}: {e}"},
        )) from e


def send_webhook(channel: Channel, message: Notice) -> None:
    url = channel_secrets(channel.name, WEBHOOK).get("url") or channel.settings.get("url")
    if not url:
        raise NotifyError(Message(
            "Channel {channel} has no url: add --set url=... or put url under [notify.{name}].",
            {"channel": repr(channel.name), "name": channel.name},
        ))
    fmt = channel.settings.get("format", "json")
    import httpx  # here: the app's first run, which imports this module, sends nothing

    try:
        response = httpx.post(url, json=webhook_payload(fmt, message), timeout=TIMEOUT_SECONDS,
                              headers={"User-Agent": USER_AGENT})
    except httpx.HTTPError as e:
        raise NotifyError(Message(
            "The webhook of channel {channel} could not be reached ({error}).", {"channel": repr(channel.name), "error": type(e).__name__}
        )) from e
    if not response.is_success:
        raise NotifyError(Message(
            "The webhook of channel {channel} answered HTTP {status}.", {"channel": repr(channel.name), "status": str(response.status_code)}
        ))


SENDERS: dict[str, Sender] = {EMAIL: send_email, WEBHOOK: send_webhook}


def send(
    db: sqlite_utils.Database, channel: Channel, message: Notice, *, sleep: Callable[[float], None] = time.sleep,
    senders: Mapping[str, Sender] | None = None,
) -> Delivery:
    """Send one message, tried up to :data:`TRIES` times, and record the delivery."""
    sender = (senders or SENDERS)[channel.kind]
    error: str | None = None
    said: Message | None = None  # the error as a message, stored beside it for the reader's language
    attempts = 0
    for attempts in range(1, TRIES + 1):
        try:
            sender(channel, message)
            error, said = None, None
            break
        except NotifyError as e:
            error, said = str(e), e.message
            log.warning("notification to %s failed (try %d): %s", channel.name, attempts, error)
            if attempts < TRIES:
                sleep(2 ** (attempts - 1))
    if error is None:
        status = S.DELIVERY_SENT if attempts == 1 else S.DELIVERY_RETRIED
    else:
        status = S.DELIVERY_FAILED
    now = store.utcnow()
    with store.transaction(db, bump=False):
        db.execute(
            f"INSERT INTO {S.DELIVERIES} (channel, subject, alerts, status, attempts, error, error_message, created_at, sent_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [channel.name, message.subject, dumps([fingerprint(a) for a in message.alerts]), status, attempts, error,
             said.to_json() if said is not None else None, now, None if error else now],
        )
    return Delivery(channel.name, status, attempts, len(message.alerts), error, said)


# What a test notification says. Like every notification it is written in English: it goes to the team's
# channel, not to a page, and the Sources page lists its subject as the data it is.
TRIAL_SUBJECT = "scrm: test message"


def trial_message() -> Notice:
    return Notice(TRIAL_SUBJECT, [f"{TRIAL_SUBJECT}.", "This channel is set up; alerts will arrive here."])


def send_test(db: sqlite_utils.Database, name: str, *, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """``notify test NAME``: a test message through the channel, recorded like any delivery."""
    return send(db, get_channel(db, name), trial_message(), sleep=sleep)


# --- the digest after a score -----------------------------------------------------------------------------


def _delivered(db: sqlite_utils.Database, channel: str) -> set[str]:
    done: set[str] = set()
    for (alerts,) in db.execute(
        f"SELECT alerts FROM {S.DELIVERIES} WHERE channel = ? AND status IN (?, ?)",
        [channel, S.DELIVERY_SENT, S.DELIVERY_RETRIED],
    ).fetchall():
        done.update(json.loads(alerts or "[]"))
    return done


def _last_try(db: sqlite_utils.Database, channel: str) -> str | None:
    row = db.execute(f"SELECT max(created_at) FROM {S.DELIVERIES} WHERE channel = ? AND alerts != '[]'", [channel]).fetchone()
    return row[0] if row else None


def rule_channels(alert: Mapping[str, Any]) -> list[str]:
    """The channels a workflow rule's alert names (its raise_alert action's ``channels``), else none."""
    if alert.get("kind") != S.ALERT_RULE:
        return []
    try:
        rule = json.loads(str(alert.get("drivers") or "{}")).get("rule") or {}
    except (TypeError, ValueError, AttributeError):
        return []
    channels = rule.get("channels") if isinstance(rule, dict) else None
    return [str(c) for c in channels] if isinstance(channels, list) else []


def _channel_alerts(db: sqlite_utils.Database, channel: Channel) -> list[dict[str, Any]]:
    """Every alert ``channel`` carries by its settings, sent or not (see the module docstring)."""
    if not store.table_exists(db, S.ALERTS):
        return []
    since = (datetime.fromisoformat(channel.created_at or store.utcnow()) - timedelta(days=1)).strftime("%Y-%m-%d")
    rows = [dict(r) for r in db.query(f"SELECT * FROM {S.ALERTS} WHERE coalesce(period_end, period_start) >= ?", [since])]
    named = {id(r): rule_channels(r) for r in rows}
    # A workflow rule that names channels sends its alerts to those channels only, whatever their settings.
    chosen = [r for r in rows if channel.name in named[id(r)]]
    rows = [r for r in rows if not named[id(r)]]
    if kinds := _kinds(channel.settings):  # workflow-rule alerts ("rule") reach only the channels that take them
        rows = [r for r in rows if r.get("kind") in kinds]
    if channel.settings.get("severity") == S.HIGH:
        rows = [r for r in rows if r.get("severity") == S.HIGH]
    return chosen + rows


def pending_alerts(db: sqlite_utils.Database, channel: Channel) -> list[dict[str, Any]]:
    """The alerts ``channel`` has not carried yet (see the module docstring), most severe first."""
    done = _delivered(db, channel.name)
    fresh = [r for r in _channel_alerts(db, channel) if fingerprint(r) not in done]
    fresh.sort(key=lambda r: (r.get("severity") != S.HIGH, str(r.get("period_start") or "")))
    return fresh


def pending_incidents(db: sqlite_utils.Database, channel: Channel) -> list[list[dict[str, Any]]]:
    """The incidents ``channel`` has not announced yet, each a list of its alerts (strongest first), newest first.

    An incident with an alert the channel already carried is not announced again, whatever joined it since.
    """
    rows = _channel_alerts(db, channel)
    if not rows:
        return []
    done = _delivered(db, channel.name)
    for i, row in enumerate(rows):
        row["_n"] = i  # alert ids are not unique across the rule-named and the kind-matched rows
    table = pd.DataFrame(rows).drop(columns=["alert_id"], errors="ignore").rename(columns={"_n": "alert_id"})
    frame = incidents.group_incidents(table)
    out: list[list[dict[str, Any]]] = []
    for record in frame.to_dict("records"):
        members = [rows[int(i)] for i in str(record["alert_ids"]).split(",") if i]
        if not members or any(fingerprint(m) in done for m in members):
            continue
        strongest = rows[int(record["alert_id"])]
        out.append([strongest, *(m for m in members if m is not strongest)])
    for row in rows:
        row.pop("_n", None)
    # Most severe first, then the oldest: what the digest lists first (and keeps within the daily cap).
    out.sort(key=lambda g: (g[0].get("severity") != S.HIGH, str(g[0].get("period_start") or "")))
    return out


def deliver_alerts(
    db: sqlite_utils.Database, *, now: datetime | None = None, sleep: Callable[[float], None] = time.sleep,
    senders: Mapping[str, Sender] | None = None,
) -> list[Delivery]:
    """Send each enabled channel one digest of its new incidents, unless it is within its throttle."""
    out: list[Delivery] = []
    now = now or datetime.now(UTC)
    cap = business.alert_daily_cap(db)
    for channel in list_channels(db):
        if not channel.enabled:
            continue
        groups = pending_incidents(db, channel)
        if not groups:
            continue
        last = _last_try(db, channel.name)
        throttle = int(channel.settings.get("throttle_minutes") or DEFAULT_THROTTLE)
        if last and now - datetime.fromisoformat(last).replace(tzinfo=UTC) < timedelta(minutes=throttle):
            log.info("channel %s holds %d incident(s) until its throttle passes", channel.name, len(groups))
            continue
        message = build_incident_message(groups, channel.settings.get("app_url"), cap=cap)
        out.append(send(db, channel, message, sleep=sleep, senders=senders))
    return out


def deliveries(db: sqlite_utils.Database, limit: int = 50) -> list[dict[str, Any]]:
    """The latest deliveries, newest first."""
    return list(db.query(f"SELECT * FROM {S.DELIVERIES} ORDER BY delivery_id DESC LIMIT ?", [limit]))
