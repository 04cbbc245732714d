"""Workflow rules: what happens when a mention arrives, automatically or after a person decides.

A rule (table ``rules``) has a **target** (``mention`` or ``customer``),
**conditions** (a JSON object, every key optional, all of them must hold) and
one **action**, and is **automatic** (applied during ``python -m scrm score``)
or **manual** (proposed; a person approves or dismisses it with :func:`decide`).

Conditions (keys of :data:`CONDITIONS`):

- ``sentiment``: labels (positive, neutral, negative, unscored) of table ``sentiment``;
  ``score_min`` / ``score_max``: the sentiment score range (-1 to 1);
  ``confidence_min``: the sentiment's confidence at least this (0 to 1; a corrected label is 1,
  a mention without a score never meets it);
- ``langs``: languages (the detected one, else the mention's own ``lang``);
- ``roles``: the author's primary role in table ``roles`` (influencer, advocate,
  ambassador, detractor);
- ``clv_decile_min``: the linked customer's CLV decile (table ``customer_value``, 10 = top);
- ``rfm_segments``: the linked customer's RFM segment;
- ``topics``: theme ids of table ``mention_topics`` (``en-2``...);
- ``platforms``, ``kinds`` (post, reply, share, review, dm, forum), ``visibility``
  (public or private; a mention without one counts as public);
- ``keywords``: any of them, case-insensitive, as whole words ("help" does not match "helpful");
- ``min_followers``: the author's followers at least this;
- ``own_brand``: only mentions of the own brand (meta ``own_brand``; a mention naming no brand counts);
- ``exclude_brand_posts``: leave out what the brand's own accounts wrote (``from_brand``);
- ``posted_after``: only mentions posted after this time (UTC). A rule saved
  from the app without a back-fill gets the newest mention's time here
  (:func:`from_now`), so it acts on the mentions that arrive after it and
  never opens cases on weeks-old ones that are past their deadline at birth.

Customer conditions (CLV decile, RFM segment) need the author's profile to be
linked to a customer (``links`` with status ``linked``); an unlinked author
never meets them.

Actions (:data:`ACTIONS`) and their parameters:

- ``open_case`` (queue, priority, subject): a case through :func:`scrm.act.cases.open_case`,
  opened at the mention's ``posted_at`` (the SLA clock starts when the customer spoke);
  while the rule's earlier case for the same customer (or, unlinked, the same
  profile) is still open, a new match joins that case instead of opening another;
- ``tag`` (tag): a row in ``mention_tags`` (mention rules only);
- ``suggest_reply`` (template, priority): a case in the support queue carrying the reply template;
- ``raise_alert`` (severity, channels): one alert of kind ``rule`` per rule and day in the
  ``alerts`` table, shown on the Alerts page; ``channels`` (notification channel names,
  comma-separated) sends it to those channels only (:mod:`scrm.act.notify`).

Runs (:func:`refresh`, the compute stage ``workflows``): each enabled mention
rule looks at the mentions of the last :data:`LOOKBACK_DAYS` (30) days before
the newest mention, so a new rule does not flood the queues with years of
history while a mention imported late is still seen; a (rule, mention) pair
acts once (``rule_matches``). A customer rule looks at the customers who
wrote a mention meeting its mention conditions in that window and records one
match per customer; it skips a customer while the rule's earlier proposal for
them is pending or its case is open.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.act import cases
from scrm.act.templates import SHIPPED_TEMPLATES, localise_template
from scrm.analysis.roles import linked_customers, profile_id_sql
from scrm.analysis.sentiment import LOW_CONFIDENCE
from scrm.analysis.stage import Progress, StageSummary
from scrm.db import audit, dialect, store
from scrm.db import schema as S
from scrm.db.store import own_brand, table_exists
from scrm.errors import NotFound, RuleError
from scrm.i18n import t
from scrm.i18n.messages import Message, Value

log = logging.getLogger(__name__)


STAGE = "workflows"
# A rule's first run (and any run after a long pause) looks back this far from the newest mention.
LOOKBACK_DAYS = 30
PREVIEW_DAYS = 90
SAMPLE_ROWS = 10

# The stored vocabularies, tables and meta keys are spelled in scrm.db.schema; these names stay for callers.
MENTION, CUSTOMER = S.TARGET_MENTION, S.TARGET_CUSTOMER
TARGETS: tuple[str, ...] = S.RULE_TARGETS
OPEN_CASE, TAG, SUGGEST_REPLY, RAISE_ALERT = S.ACTION_OPEN_CASE, S.ACTION_TAG, S.ACTION_SUGGEST_REPLY, S.ACTION_RAISE_ALERT
ACTIONS: tuple[str, ...] = S.RULE_ACTIONS
AUTOMATIC, MANUAL = S.MODE_AUTOMATIC, S.MODE_MANUAL
MODES: tuple[str, ...] = S.RULE_MODES
APPLIED, PROPOSED, DISMISSED = S.MATCH_APPLIED, S.MATCH_PROPOSED, S.MATCH_DISMISSED

SENTIMENT_LABELS: tuple[str, ...] = S.SENTIMENT_LABELS
ROLE_CHOICES: tuple[str, ...] = ("influencer", "advocate", "ambassador", "detractor")
SEVERITIES: tuple[str, ...] = S.ALERT_SEVERITIES
PRIORITIES: tuple[str, ...] = cases.PRIORITIES
RESCUE, THANK_YOU, SUPPORT = cases.RESCUE, cases.THANK_YOU, cases.SUPPORT
RESOLVED = cases.RESOLVED
RULE_ALERT = S.ALERT_RULE

ROLES_TABLE = S.ROLES
CUSTOMER_VALUE = S.CUSTOMER_VALUE
MENTION_TOPICS = S.MENTION_TOPICS
ALERTS = S.ALERTS
DEFAULTS_KEY = S.META_DEFAULT_RULES  # meta: the default rules were installed once

LIST_CONDITIONS = ("sentiment", "langs", "roles", "rfm_segments", "topics", "platforms", "keywords", "kinds")
BOOL_CONDITIONS = ("own_brand", "exclude_brand_posts")
CONDITIONS: tuple[str, ...] = (
    "sentiment", "score_min", "score_max", "confidence_min", "langs", "roles", "clv_decile_min", "rfm_segments", "topics",
    "platforms", "keywords", "visibility", "kinds", "min_followers", "own_brand", "exclude_brand_posts", "posted_after",
)

ACTION_PARAMS: dict[str, tuple[str, ...]] = {
    OPEN_CASE: ("queue", "priority", "subject"),
    TAG: ("tag",),
    SUGGEST_REPLY: ("template", "priority", "subject"),
    RAISE_ALERT: ("severity", "channels"),
}


@dataclass(frozen=True)
class Rule:
    """A workflow rule as stored in ``rules`` (conditions and params as dicts)."""

    name: str
    target: str = MENTION
    conditions: Mapping[str, Any] = field(default_factory=dict)
    action: str = OPEN_CASE
    params: Mapping[str, Any] = field(default_factory=dict)
    mode: str = AUTOMATIC
    enabled: bool = True
    description: str = ""
    builtin: bool = False
    rule_id: int | None = None
    watermark: str | None = None


@dataclass(frozen=True)
class Preview:
    """What a rule would have matched in the last ``days`` days of data (no writes)."""

    total: int
    unit: str  # "mentions" | "customers"
    days: int
    since: str | None
    until: str | None
    weekly: pd.DataFrame  # week (Monday, ISO date), matches
    sample: pd.DataFrame  # mention_id, posted_at, platform, author, label, customer_id, text
    # With a back-fill over the last LOOKBACK_DAYS: the cases it would open now and how many of
    # them would already be past their deadline (None for actions that open no case).
    backfill_cases: int | None = None
    backfill_overdue: int | None = None

    def sentence(self, lang: str = "en") -> str:
        """``Would have matched 37 mentions in the last 90 days.`` (in ``lang``)."""
        if self.until is None:
            return t("No mentions yet, so there is nothing to preview. Import mentions on the Data page first.", lang)
        noun = self.unit if self.total != 1 else self.unit[:-1]
        return t(PREVIEW_SENTENCES[noun], lang, n=f"{self.total:,}" if lang == "en" else _count(self.total, lang), days=self.days)


PREVIEW_SENTENCES = {
    "mentions": "Would have matched {n} mentions in the last {days} days of data.",
    "mention": "Would have matched {n} mention in the last {days} days of data.",
    "customers": "Would have matched {n} customers in the last {days} days of data.",
    "customer": "Would have matched {n} customer in the last {days} days of data.",
}


def _count(n: int, lang: str) -> str:
    from scrm.i18n.formats import format_number

    return format_number(n, lang)


# --- validation -------------------------------------------------------------------------------


def _label(rule_name: str) -> Message:
    return Message("Rule “{name}”", {"name": rule_name}) if rule_name else Message("The rule")


def _either(values: tuple[str, ...] | list[str]) -> Value:
    """Stored names as a choice (``a, b or c``), its ``or`` in the reader's language."""
    items = list(values)
    return items[0] if len(items) == 1 else Message("{items} or {last}", {"items": ", ".join(items[:-1]), "last": items[-1]})


def _strings(name: str, field_name: str, value: Any, example: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise RuleError(Message(
            "{rule}, condition `{field}`: give a list of texts, such as {example}.",
            {"rule": _label(name), "field": field_name, "example": example},
        ))
    return [v.strip() for v in value if v.strip()]


def _choices(
    name: str, field_name: str, values: list[str], allowed: tuple[str, ...], what: Message, lower: bool = True
) -> list[str]:
    out = []
    for v in values:
        key = v.lower() if lower else v
        if key not in allowed:
            raise RuleError(Message(
                "{rule}, condition `{field}`: '{value}' is not {what}. Use {choices}.",
                {"rule": _label(name), "field": field_name, "value": v, "what": what, "choices": _either(allowed)},
            ))
        out.append(key)
    return out


def _moment(name: str, field_name: str, value: Any) -> str:
    try:
        return pd.Timestamp(str(value)).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise RuleError(Message(
            "{rule}, condition `{field}`: '{value}' is not a time. Use YYYY-MM-DDTHH:MM:SS (UTC).",
            {"rule": _label(name), "field": field_name, "value": str(value)},
        )) from None


def _or(values: tuple[str, ...] | list[str], lang: str = "en") -> str:
    items = list(values)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + t(" or ", lang) + items[-1]


def _and(values: list[str], lang: str) -> str:
    return t(" and ", lang).join(values)


def _number(name: str, field_name: str, value: Any, low: float, high: float, hint: Message, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and float(value) != int(value)):
        raise RuleError(Message(
            "{rule}, condition `{field}`: '{value}' is not a whole number. {hint}" if integer else
            "{rule}, condition `{field}`: '{value}' is not a number. {hint}",
            {"rule": _label(name), "field": field_name, "value": str(value), "hint": hint},
        ))
    if not low <= float(value) <= high:
        # The value and the bounds as the English has always written them (-1, 1e+12).
        raise RuleError(Message(
            "{rule}, condition `{field}`: {value} is outside {low} to {high}. {hint}",
            {"rule": _label(name), "field": field_name, "value": str(value), "low": f"{low:g}", "high": f"{high:g}", "hint": hint},
        ))
    return float(value)


def validate(rule: Rule) -> Rule:
    """``rule`` checked and normalised (lists lower-cased and de-duplicated, empty conditions dropped).

    Raises :class:`RuleError` with a sentence naming the field and how to fix it.

    >>> validate(Rule("x", conditions={"sentiment": "negative"})).conditions
    {'sentiment': ['negative']}
    """
    name = str(rule.name or "").strip()
    if not name:
        raise RuleError(Message("The rule has no name. Give it a short name, such as “Negative mention from a top customer”."))
    if rule.target not in TARGETS:
        raise RuleError(Message(
            "{rule}, field `target`: '{value}' is not a target. Use mention or customer.", {"rule": _label(name), "value": str(rule.target)}
        ))
    if rule.mode not in MODES:
        raise RuleError(Message(
            "{rule}, field `mode`: '{value}' is not a mode. Use automatic or manual.", {"rule": _label(name), "value": str(rule.mode)}
        ))
    if not isinstance(rule.conditions, Mapping):
        raise RuleError(Message(
            '{rule}, field `conditions`: give an object such as {{"sentiment": ["negative"]}}.', {"rule": _label(name)}
        ))
    conditions: dict[str, Any] = {}
    for key, value in rule.conditions.items():
        if key not in CONDITIONS:
            raise RuleError(Message(
                "{rule}, conditions: `{key}` is not a condition. Use {choices}.",
                {"rule": _label(name), "key": str(key), "choices": _either(CONDITIONS)},
            ))
        if value is None or value == [] or value == "":
            continue
        if key == "sentiment":
            conditions[key] = _choices(
                name, key, _strings(name, key, value, '["negative"]'), SENTIMENT_LABELS, Message("a sentiment label")
            )
        elif key in ("score_min", "score_max"):
            conditions[key] = _number(
                name, key, value, -1, 1, Message("Use a sentiment score from -1 (most negative) to 1 (most positive).")
            )
        elif key == "confidence_min":
            conditions[key] = _number(name, key, value, 0, 1, Message("Use a confidence from 0 to 1, such as 0.7 for 70%."))
        elif key == "roles":
            conditions[key] = _choices(name, key, _strings(name, key, value, '["detractor"]'), ROLE_CHOICES, Message("an author role"))
        elif key == "clv_decile_min":
            conditions[key] = int(_number(
                name, key, value, 1, 10, Message("Use a whole number from 1 to 10 (10 = the top 10% by lifetime value)."), integer=True
            ))
        elif key == "rfm_segments":
            conditions[key] = _choices(
                name, key, _strings(name, key, value, '["At Risk"]'), S.RFM_SEGMENTS, Message("an RFM segment"), lower=False
            )
        elif key == "kinds":
            conditions[key] = _choices(name, key, _strings(name, key, value, '["review"]'), S.MENTION_KINDS, Message("a kind of mention"))
        elif key == "visibility":
            if not isinstance(value, str) or value.strip().lower() not in S.VISIBILITIES:
                raise RuleError(Message(
                    "{rule}, condition `visibility`: '{value}' is not a visibility. Use public or private.",
                    {"rule": _label(name), "value": str(value)},
                ))
            conditions[key] = value.strip().lower()
        elif key == "min_followers":
            conditions[key] = int(_number(name, key, value, 0, 1e12, Message("Use a whole number of followers, such as 1000."), integer=True))
        elif key in BOOL_CONDITIONS:
            if not isinstance(value, bool):
                raise RuleError(Message(
                    "{rule}, condition `{field}`: '{value}' is not true or false. Use true or false.",
                    {"rule": _label(name), "field": key, "value": str(value)},
                ))
            if value:
                conditions[key] = True
        elif key == "keywords":
            conditions[key] = list(dict.fromkeys(k.lower() for k in _strings(name, key, value, '["refund", "broken"]')))
        elif key == "posted_after":
            conditions[key] = _moment(name, key, value)
        elif key == "topics":
            conditions[key] = list(dict.fromkeys(_strings(name, key, value, '["en-2"]')))
        else:  # langs, platforms: compared lower-cased
            conditions[key] = list(dict.fromkeys(v.lower() for v in _strings(name, key, value, '["en", "es"]')))
        if isinstance(conditions.get(key), list) and not conditions[key]:
            del conditions[key]
    if "score_min" in conditions and "score_max" in conditions and conditions["score_min"] > conditions["score_max"]:
        raise RuleError(Message(
            "{rule}, condition `score_min`: {low} is above `score_max` ({high}). Swap them or widen the range.",
            {"rule": _label(name), "low": f"{conditions['score_min']:g}", "high": f"{conditions['score_max']:g}"},
        ))
    if rule.action not in ACTIONS:
        raise RuleError(Message(
            "{rule}, field `action`: '{value}' is not an action. Use {choices}.",
            {"rule": _label(name), "value": str(rule.action), "choices": _either(ACTIONS)},
        ))
    if rule.action == TAG and rule.target != MENTION:
        raise RuleError(Message(
            "{rule}, field `action`: tag works on mentions only. Set the target to mention, or choose another action.",
            {"rule": _label(name)},
        ))
    params = _params(name, rule.action, rule.params)
    return replace(
        rule, name=name, conditions=conditions, params=params, description=str(rule.description or "").strip(),
        enabled=bool(rule.enabled), builtin=bool(rule.builtin),
    )


def _params(name: str, action: str, given: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(given, Mapping):
        raise RuleError(Message('{rule}, field `params`: give an object such as {{"priority": "high"}}.', {"rule": _label(name)}))
    allowed = ACTION_PARAMS[action]
    params: dict[str, Any] = {}
    for key, value in given.items():
        if key not in allowed:
            raise RuleError(Message(
                "{rule}, action {action}, parameter `{key}`: not a parameter of {action}. Use {choices}.",
                {"rule": _label(name), "action": action, "key": str(key), "choices": _either(allowed)},
            ))
        text = "" if value is None else str(value).strip()
        if text:
            params[key] = text
    if "priority" in allowed:
        priority = params.get("priority", "medium").lower()
        if priority not in PRIORITIES:
            raise RuleError(Message(
                "{rule}, action {action}, parameter `priority`: '{value}' is not a priority. Use high, medium or low.",
                {"rule": _label(name), "action": action, "value": params["priority"]},
            ))
        params["priority"] = priority
    if action == OPEN_CASE:
        params["queue"] = params.get("queue", RESCUE).lower()
        params.setdefault("subject", name)
    elif action == SUGGEST_REPLY:
        if not params.get("template"):
            raise RuleError(Message(
                "{rule}, action suggest_reply, parameter `template`: the reply template is empty. Write the reply to suggest.",
                {"rule": _label(name)},
            ))
        params.setdefault("subject", name)
    elif action == TAG:
        tag = params.get("tag", "").lower()
        if not tag:
            raise RuleError(Message(
                "{rule}, action tag, parameter `tag`: the tag is empty. Give the tag to write, such as support.", {"rule": _label(name)}
            ))
        params["tag"] = tag
    elif action == RAISE_ALERT:
        severity = params.get("severity", "medium").lower()
        if severity not in SEVERITIES:
            raise RuleError(Message(
                "{rule}, action raise_alert, parameter `severity`: '{value}' is not a severity. Use high or medium.",
                {"rule": _label(name), "value": params["severity"]},
            ))
        params["severity"] = severity
        if "channels" in params:
            names = [c.strip() for c in params["channels"].split(",") if c.strip()]
            wrong = [c for c in names if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", c)]
            if wrong:
                raise RuleError(Message(
                    "{rule}, action raise_alert, parameter `channels`: '{value}' cannot name a channel. "
                    "Give the names of notification channels, comma-separated, such as ops-slack, crisis-mail.",
                    {"rule": _label(name), "value": wrong[0]},
                ))
            params["channels"] = ", ".join(dict.fromkeys(names))
    return params


# --- describing a rule in words ---------------------------------------------------------------


def _plural(word: str) -> str:
    return word + "s"


# The stored words a description names, in English; their translations are catalog entries.
SENTIMENT_WORDS = {"positive": "positive", "neutral": "neutral", "negative": "negative", "unscored": "unscored"}
# Sentiment and visibility as they qualify "mentions" (feminine plural in Spanish and French).
MENTION_ADJECTIVES = {
    "positive": "positive (of mentions)", "neutral": "neutral (of mentions)", "negative": "negative (of mentions)",
    "unscored": "unscored (of mentions)", "public": "public (of mentions)", "private": "private (of mentions)",
}
ROLE_PLURALS = {"influencer": "influencers", "advocate": "advocates", "ambassador": "ambassadors", "detractor": "detractors"}
KIND_WORDS = {"post": "post", "reply": "reply", "share": "share", "review": "review", "dm": "direct message", "forum": "forum"}


def _word(words: Mapping[str, str], value: str, lang: str) -> str:
    return t(words[value], lang) if value in words else value


def describe(rule: Rule, topic_labels: Mapping[str, str] | None = None, lang: str = "en") -> str:
    """The conditions in words: ``negative mentions of the own brand by customers in CLV decile 10``.

    ``lang``: the reader's language (stored values such as theme labels and keywords stay as they are).

    >>> describe(DEFAULT_RULES[0], lang="es")[:40]
    'menciones negativas de la marca propia c'
    """
    c = rule.conditions
    labels = topic_labels or {}
    head: list[str] = []
    if lang == "en":
        if c.get("sentiment"):
            head.append(_or(list(c["sentiment"])))
        if c.get("visibility"):
            head.append(str(c["visibility"]))
        noun = "mentions"
        if c.get("kinds"):
            noun = _or([_plural(k) for k in c["kinds"]])
        parts = [" ".join([*head, noun])]
    else:
        # Adjectives follow the noun and agree with it: "menciones negativas", "mentions négatives".
        if c.get("sentiment"):
            head.append(_or([_word(MENTION_ADJECTIVES, s, lang) for s in c["sentiment"]], lang))
        if c.get("visibility"):
            head.append(_word(MENTION_ADJECTIVES, str(c["visibility"]), lang))
        parts = [" ".join([t("mentions", lang), *head])]
        if c.get("kinds"):
            parts.append(t("of kind {kinds}", lang, kinds=_or([_word(KIND_WORDS, k, lang) for k in c["kinds"]], lang)))
    if c.get("own_brand"):
        parts.append(t("of the own brand", lang))
    if c.get("langs"):
        parts.append(t("in {langs}", lang, langs=_or(list(c["langs"]), lang)))
    if c.get("platforms"):
        parts.append(t("on {platforms}", lang, platforms=_or(list(c["platforms"]), lang)))
    if c.get("topics"):
        parts.append(t("about {topics}", lang, topics=_or([f"“{labels.get(x, x)}”" for x in c["topics"]], lang)))
    if c.get("keywords"):
        parts.append(t("containing {keywords}", lang, keywords=_or([f"“{k}”" for k in c["keywords"]], lang)))
    if "score_min" in c or "score_max" in c:
        low, high = f"{c.get('score_min', -1):+.2f}", f"{c.get('score_max', 1):+.2f}"
        if lang != "en":
            low, high = low.replace(".", ","), high.replace(".", ",")
        parts.append(t("with a sentiment score from {low} to {high}", lang, low=low, high=high))
    if "confidence_min" in c:
        sure = f"{float(c['confidence_min']):.0%}" if lang == "en" else f"{float(c['confidence_min']) * 100:.0f}\u00a0%"
        parts.append(t("whose sentiment is at least {sure} sure", lang, sure=sure))
    authors: list[str] = []
    if c.get("roles"):
        authors.append(_or([_word(ROLE_PLURALS, r, lang) for r in c["roles"]], lang))
    if "min_followers" in c:
        n = int(c["min_followers"])
        authors.append(t("authors with at least {n} followers", lang, n=f"{n:,}" if lang == "en" else _count(n, lang)))
    customers: list[str] = []
    if "clv_decile_min" in c:
        d = int(c["clv_decile_min"])
        customers.append(t("CLV decile {d}", lang, d=d) if d == 10 else t("CLV deciles {d}-10", lang, d=d))
    if c.get("rfm_segments"):
        customers.append(t("RFM segment {segments}", lang, segments=_or([t(x, lang) for x in c["rfm_segments"]], lang)))
    if c.get("posted_after"):
        parts.append(t("posted after {when} UTC", lang, when=str(c["posted_after"])[:16].replace("T", " ")))
    tail = t("(not the brand's own posts)", lang) if c.get("exclude_brand_posts") else ""
    if rule.target == CUSTOMER:
        who = t("customers in {which}", lang, which=_and(customers, lang)) if customers else t("customers", lang)
        as_author = t("as {authors}", lang, authors=_and(authors, lang)) if authors else ""
        return " ".join(p for p in [who, t("who wrote", lang), *parts, as_author, tail] if p)
    by = [*authors, *([t("customers in {which}", lang, which=_and(customers, lang))] if customers else [])]
    return " ".join(p for p in [*parts, t("by {who}", lang, who=_and(by, lang)) if by else "", tail] if p)


def topic_labels(db: sqlite_utils.Database) -> dict[str, str]:
    """Theme id -> label (table ``topics``), for describing rules and filling the form."""
    if not table_exists(db, S.TOPICS):
        return {}
    cols = set(dialect.columns(db, S.TOPICS))
    if not {"topic_id", "label"} <= cols:
        return {}
    return {str(t): str(label) for t, label in db.execute(f'SELECT topic_id, label FROM "{S.TOPICS}"').fetchall()}


def describe_action(rule: Rule, lang: str = "en") -> str:
    """The action in words: ``open a high-priority case in the rescue queue`` (in ``lang``).

    >>> describe_action(DEFAULT_RULES[0], "fr")
    'ouvrir un dossier de priorité haute dans la file reconquête'
    """
    p = rule.params
    if rule.action == OPEN_CASE:
        text = t("open a {priority}-priority case in the {queue} queue", lang, priority=t(str(p.get("priority", "medium")), lang),
                 queue=t(str(p.get("queue", RESCUE)), lang))  # fmt: skip
    elif rule.action == TAG:
        text = t("tag the mention “{tag}”", lang, tag=p.get("tag", ""))
    elif rule.action == SUGGEST_REPLY:
        text = t("suggest a reply (a {priority}-priority case in the support queue)", lang,
                 priority=t(str(p.get("priority", "medium")), lang))  # fmt: skip
    else:
        text = t("raise a {severity}-severity alert", lang, severity=t(str(p.get("severity", "medium")), lang))
    return text if rule.mode == AUTOMATIC else t("propose to {action} (a person decides)", lang, action=text)


# --- the stored rules -------------------------------------------------------------------------


def _from_row(row: Mapping[str, Any]) -> Rule:
    def load(text: Any) -> dict[str, Any]:
        try:
            value = json.loads(text) if text else {}
        except (TypeError, ValueError):
            value = {}
        return value if isinstance(value, dict) else {}

    return Rule(
        name=str(row["name"] or ""), target=str(row["target"] or MENTION), conditions=load(row["conditions"]),
        action=str(row["action"] or ""), params=load(row["params"]), mode=str(row["mode"] or AUTOMATIC),
        enabled=bool(row["enabled"]), description=str(row["description"] or ""), builtin=bool(row["builtin"]),
        rule_id=int(row["rule_id"]), watermark=row["watermark"],
    )


def list_rules(db: sqlite_utils.Database, *, enabled_only: bool = False) -> list[Rule]:
    """The stored rules by id (disabled ones too unless ``enabled_only``)."""
    where = "WHERE enabled = 1" if enabled_only else ""
    cursor = db.execute(f"SELECT * FROM {S.RULES} {where} ORDER BY rule_id")
    names = [c[0] for c in cursor.description]
    return [_from_row(dict(zip(names, r, strict=True))) for r in cursor.fetchall()]


def get_rule(db: sqlite_utils.Database, rule_id: int) -> Rule:
    """One stored rule; :class:`scrm.errors.NotFound` when it does not exist."""
    for rule in list_rules(db):
        if rule.rule_id == int(rule_id):
            return rule
    raise NotFound(Message("There is no rule {id}. Reload the rules page to see the current rules.", {"id": str(rule_id)}))


def _invalidate_stage(db: sqlite_utils.Database) -> None:
    """Make the next ``score`` run the workflows stage although no data changed (a rule did)."""
    db.execute(f"DELETE FROM {S.META} WHERE key = ?", [S.META_COMPUTED_VERSION.format(STAGE)])


def save_rule(db: sqlite_utils.Database, rule: Rule, *, actor: str, role: str | None = None) -> int:
    """Insert (``rule_id`` None) or update a rule after :func:`validate`; returns its id. Audited."""
    rule = validate(rule)
    now = store.utcnow()
    values = {
        "name": rule.name, "description": rule.description, "target": rule.target,
        "conditions": json.dumps(dict(rule.conditions), ensure_ascii=False, sort_keys=True),
        "action": rule.action, "params": json.dumps(dict(rule.params), ensure_ascii=False, sort_keys=True),
        "mode": rule.mode, "enabled": int(rule.enabled), "updated_at": now, "updated_by": actor,
    }
    with store.transaction(db, work=True):
        if rule.rule_id is None:
            values |= {"builtin": int(rule.builtin), "created_at": now, "watermark": None}
            cols = list(values)
            cursor = db.execute(
                f"INSERT INTO {S.RULES} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [values[c] for c in cols]
            )
            rule_id = int(cursor.lastrowid or 0)
            what = "created"
        else:
            get_rule(db, rule.rule_id)
            db.execute(
                f"UPDATE {S.RULES} SET {', '.join(f'{c} = ?' for c in values)} WHERE rule_id = ?",
                [*values.values(), rule.rule_id],
            )
            rule_id, what = rule.rule_id, "changed"
        _invalidate_stage(db)
        audit.record(db, audit.RULE, actor=actor, role=role, target=f"rule {rule_id}",
                     detail={"what": what, "action": rule.action, "mode": rule.mode, "enabled": rule.enabled})
    return rule_id


def set_enabled(db: sqlite_utils.Database, rule_id: int, enabled: bool, *, actor: str, role: str | None = None) -> None:
    """Turn a rule on or off. Audited."""
    get_rule(db, rule_id)
    with store.transaction(db, work=True):
        db.execute(f"UPDATE {S.RULES} SET enabled = ?, updated_at = ?, updated_by = ? WHERE rule_id = ?",
                   [int(enabled), store.utcnow(), actor, int(rule_id)])
        _invalidate_stage(db)
        audit.record(db, audit.RULE, actor=actor, role=role, target=f"rule {rule_id}",
                     detail={"what": "enabled" if enabled else "disabled"})


def delete_rule(db: sqlite_utils.Database, rule_id: int, *, actor: str, role: str | None = None) -> None:
    """Delete a rule and its pending proposals; what it already did (cases, tags, decided matches) stays. Audited."""
    get_rule(db, rule_id)
    with store.transaction(db, work=True):
        db.execute(f"DELETE FROM {S.RULES} WHERE rule_id = ?", [int(rule_id)])
        db.execute(f"DELETE FROM {S.RULE_MATCHES} WHERE rule_id = ? AND status = ?", [int(rule_id), PROPOSED])
        audit.record(db, audit.RULE, actor=actor, role=role, target=f"rule {rule_id}", detail={"what": "deleted"})


HELP_KEYWORDS = (
    "help", "refund", "broken", "not working", "doesn't work", "ayuda", "reembolso", "roto", "no funciona",
    "aide", "remboursement", "cassé", "ne marche pas",
)
HELP_TEMPLATE = SHIPPED_TEMPLATES[0]

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        "Negative mention from a top-CLV-decile customer",
        # score_max: a clear complaint, not a mildly negative score (the Spanish and
        # French models label some hesitant or excited posts slightly negative).
        conditions={
            "sentiment": ["negative"], "score_max": -0.3, "clv_decile_min": 10, "own_brand": True,
            "exclude_brand_posts": True,
        },
        action=OPEN_CASE, params={"queue": RESCUE, "priority": "high", "subject": "Rescue a top customer who complained"},
        description="A valuable customer is clearly unhappy (score -0.3 or lower): rescue them before they leave.",
    ),
    Rule(
        "Positive mention from an advocate or ambassador",
        conditions={"sentiment": ["positive"], "roles": ["advocate", "ambassador"], "own_brand": True, "exclude_brand_posts": True},
        action=OPEN_CASE, params={"queue": THANK_YOU, "priority": "low", "subject": "Thank an advocate"},
        description="People who speak well of the brand deserve a thank-you.",
    ),
    Rule(
        "Detractor with reach posting negatively",
        conditions={"sentiment": ["negative"], "roles": ["detractor"], "min_followers": 1000, "own_brand": True,
                    "exclude_brand_posts": True},
        action=OPEN_CASE, params={"queue": RESCUE, "priority": "medium", "subject": "Answer a detractor with reach"},
        mode=MANUAL, description="A loud critic: a person decides whether to engage.",
    ),
    Rule(
        "Mention asking for help: tag support",
        conditions={"keywords": list(HELP_KEYWORDS), "exclude_brand_posts": True},
        action=TAG, params={"tag": "support"},
        description="Marks requests for help so they can be found and counted.",
    ),
    Rule(
        "Mention asking for help: suggest a reply",
        conditions={"keywords": list(HELP_KEYWORDS), "sentiment": ["negative", "neutral"], "own_brand": True,
                    "exclude_brand_posts": True, "visibility": "public"},
        action=SUGGEST_REPLY, params={"template": HELP_TEMPLATE, "priority": "medium", "subject": "Reply to a request for help"},
        description="Public requests for help get a support case with a reply to start from.",
    ),
    Rule(
        "Influencer posting negatively about the brand",
        conditions={"sentiment": ["negative"], "roles": ["influencer"], "own_brand": True, "exclude_brand_posts": True},
        action=RAISE_ALERT, params={"severity": "high"},
        description="A negative post that carries far: the team should know today.",
    ),
)


def ensure_default_rules(db: sqlite_utils.Database) -> int:
    """Install :data:`DEFAULT_RULES` once (meta flag: a deleted default stays deleted); returns how many were added."""
    if store.get_meta(db, DEFAULTS_KEY) == "1":
        return 0
    with store.transaction(db, work=True):
        for rule in DEFAULT_RULES:
            save_rule(db, replace(rule, builtin=True), actor=audit.RULES_ACTOR)
        db.execute(
            f"INSERT INTO {S.META} (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [DEFAULTS_KEY],
        )
    return len(DEFAULT_RULES)


# --- evaluation -------------------------------------------------------------------------------


def newest_mention(db: sqlite_utils.Database) -> str | None:
    """``posted_at`` of the newest mention (None without mentions)."""
    row = db.execute(f"SELECT max(posted_at) FROM {S.MENTIONS}").fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _shift(stamp: str, days: int) -> str:
    return (pd.Timestamp(stamp) - pd.Timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")


def load_context(db: sqlite_utils.Database, since: str, until: str | None = None) -> pd.DataFrame:
    """Every mention posted after ``since`` (up to ``until``) with what rules read, in one frame.

    Columns: mention_id, platform, author, text, posted_at, lang, label, score,
    kind, visibility, from_brand, brand, followers, profile_id, topic_id,
    customer_id, role, clv_decile, rfm_segment.
    """
    topic = "t.topic_id" if table_exists(db, MENTION_TOPICS) else "NULL"
    topic_join = f'LEFT JOIN "{MENTION_TOPICS}" t ON t.mention_id = m.mention_id' if topic != "NULL" else ""
    clauses, params = ["m.posted_at > ?"], [since]
    if until is not None:
        clauses.append("m.posted_at <= ?")
        params.append(until)
    frame = store.read_frame(
        db,
        f"""SELECT m.mention_id, coalesce(nullif(lower(trim(m.platform)), ''), 'other') AS platform, m.author, m.text,
            m.posted_at, lower(coalesce(nullif(s.lang, 'other'), nullif(trim(m.lang), ''), s.lang, '')) AS lang,
            coalesce(s.label, 'unscored') AS label, s.score AS score, s.confidence AS confidence,
            lower(trim(coalesce(m.kind, ''))) AS kind,
            lower(coalesce(nullif(trim(m.visibility), ''), 'public')) AS visibility, coalesce(m.from_brand, 0) AS from_brand,
            coalesce(m.brand, '') AS brand, coalesce(m.author_followers, 0) AS followers,
            {profile_id_sql('m')} AS profile_id, {topic} AS topic_id
        FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id {topic_join}
        WHERE {' AND '.join(clauses)}
        ORDER BY m.posted_at, m.mention_id{", t.topic_id" if topic != "NULL" else ""}""",  # one order on every engine
        params,
    )
    if frame.empty:
        frame = pd.DataFrame(columns=[*frame.columns, "customer_id", "role", "clv_decile", "rfm_segment"])
        return frame.astype({"score": float, "confidence": float, "followers": float, "clv_decile": float})
    frame = frame.merge(linked_customers(db), on="profile_id", how="left")
    if table_exists(db, ROLES_TABLE):
        roles = store.read_frame(db, f'SELECT profile_id, role FROM "{ROLES_TABLE}"')
        frame = frame.merge(roles, on="profile_id", how="left")
    else:
        frame["role"] = None
    value_cols = set(dialect.columns(db, CUSTOMER_VALUE))
    if {"customer_id", "clv_decile", "rfm_segment"} <= value_cols:
        value = store.read_frame(db, f'SELECT customer_id, clv_decile, rfm_segment FROM "{CUSTOMER_VALUE}"')
        frame = frame.merge(value, on="customer_id", how="left")
    else:
        frame["clv_decile"], frame["rfm_segment"] = float("nan"), None
    frame["clv_decile"] = pd.to_numeric(frame["clv_decile"], errors="coerce").astype(float)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype(float)
    frame["confidence"] = pd.to_numeric(frame["confidence"], errors="coerce").astype(float)
    frame["followers"] = pd.to_numeric(frame["followers"], errors="coerce").fillna(0).astype(float)
    return frame


def keyword_pattern(keywords: list[str] | tuple[str, ...]) -> str:
    """A regex matching any keyword as whole words (letters or digits may not touch it on either side).

    >>> bool(re.search(keyword_pattern(["help"]), "helpful", re.IGNORECASE))
    False
    """
    return r"(?<!\w)(?:" + "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True)) + r")(?!\w)"


def match_mask(frame: pd.DataFrame, conditions: Mapping[str, Any], brand: str | None = None) -> pd.Series:
    """True for the rows of a :func:`load_context` frame that meet every condition. Pure, vectorised."""
    mask = pd.Series(True, index=frame.index)
    c = conditions

    def isin(column: str, values: Any) -> pd.Series:
        return frame[column].astype(object).isin(list(values))

    if c.get("sentiment"):
        mask &= isin("label", c["sentiment"])
    if "score_min" in c:
        mask &= frame["score"] >= float(c["score_min"])
    if "score_max" in c:
        mask &= frame["score"] <= float(c["score_max"])
    if "confidence_min" in c:
        mask &= frame["confidence"] >= float(c["confidence_min"])
    if c.get("langs"):
        mask &= isin("lang", c["langs"])
    if c.get("roles"):
        mask &= isin("role", c["roles"])
    if "clv_decile_min" in c:
        mask &= frame["clv_decile"] >= int(c["clv_decile_min"])
    if c.get("rfm_segments"):
        mask &= isin("rfm_segment", c["rfm_segments"])
    if c.get("topics"):
        mask &= isin("topic_id", c["topics"])
    if c.get("platforms"):
        mask &= isin("platform", c["platforms"])
    if c.get("visibility"):
        mask &= frame["visibility"].astype(object) == c["visibility"]
    if c.get("kinds"):
        mask &= isin("kind", c["kinds"])
    if "min_followers" in c:
        mask &= frame["followers"] >= int(c["min_followers"])
    if c.get("exclude_brand_posts"):
        mask &= pd.to_numeric(frame["from_brand"], errors="coerce").fillna(0).astype(int) == 0
    if c.get("own_brand") and brand:
        mask &= frame["brand"].astype(object).isin([brand, ""])
    if c.get("posted_after"):
        mask &= frame["posted_at"].astype(object).fillna("").astype(str) > str(c["posted_after"])
    if c.get("keywords") and mask.any():
        texts = frame.loc[mask, "text"].astype(object).fillna("").astype(str)
        hit = texts.str.contains(keyword_pattern(list(c["keywords"])), flags=re.IGNORECASE, regex=True)
        mask.loc[mask] = hit.to_numpy(dtype=bool)
    return mask.fillna(False).astype(bool)


def needs_confident_sentiment(rule: Rule) -> bool:
    """Whether the rule opens a rescue case or raises a high-severity alert on a sentiment condition.

    Such a rule never acts on a low-confidence score alone: mentions whose
    label is more likely wrong than right (confidence below
    :data:`~scrm.analysis.sentiment.LOW_CONFIDENCE`) do not match it.
    """
    c, p = rule.conditions, rule.params
    if not (c.get("sentiment") or "score_min" in c or "score_max" in c):
        return False
    if rule.action == OPEN_CASE:
        return str(p.get("queue", RESCUE)) == RESCUE
    return rule.action == RAISE_ALERT and str(p.get("severity", "medium")) == "high"


def _hits(frame: pd.DataFrame, rule: Rule, brand: str | None) -> pd.DataFrame:
    """The rows a rule matches; for a customer rule one row per customer (their latest matching mention)."""
    hits = frame[match_mask(frame, rule.conditions, brand)]
    if needs_confident_sentiment(rule) and "confidence" in hits.columns:
        sure = hits["confidence"]
        hits = hits[sure.isna() | (sure >= LOW_CONFIDENCE)]
    if rule.target == CUSTOMER:
        hits = hits[hits["customer_id"].notna()]
        hits = hits.sort_values(["posted_at", "mention_id"]).drop_duplicates("customer_id", keep="last")
    return hits


# --- preview ----------------------------------------------------------------------------------


def preview(db: sqlite_utils.Database, rule: Rule, days: int = PREVIEW_DAYS) -> Preview:
    """How many mentions (customers for a customer rule) ``rule`` would have matched in the last ``days`` days. No writes."""
    rule = validate(rule)
    unit = "customers" if rule.target == CUSTOMER else "mentions"
    until = newest_mention(db)
    empty_weekly = pd.DataFrame({"week": pd.Series(dtype=object), "matches": pd.Series(dtype="int64")})
    sample_cols = ["mention_id", "posted_at", "platform", "author", "label", "customer_id", "text"]
    if until is None:
        return Preview(0, unit, days, None, None, empty_weekly, pd.DataFrame(columns=sample_cols))
    since = _shift(until, days)
    frame = load_context(db, since, until)
    hits = frame[match_mask(frame, rule.conditions, own_brand(db))]
    if rule.target == CUSTOMER:
        hits = hits[hits["customer_id"].notna()]
    weeks = pd.to_datetime(hits["posted_at"]).dt.to_period("W-SUN").dt.start_time.dt.strftime("%Y-%m-%d")
    if rule.target == CUSTOMER:
        weekly = hits.assign(week=weeks).groupby("week")["customer_id"].nunique()
        total = int(hits["customer_id"].nunique())
    else:
        weekly = weeks.value_counts()
        total = len(hits)
    weekly_frame = (
        pd.DataFrame({"week": weekly.index.astype(str), "matches": weekly.to_numpy(dtype="int64")}).sort_values("week")
        if len(weekly) else empty_weekly
    )
    sample = hits.sort_values(["posted_at", "mention_id"], ascending=False).head(SAMPLE_ROWS)[sample_cols]
    opened, overdue = _backfill_cases(db, rule, frame, until) if rule.action in (OPEN_CASE, SUGGEST_REPLY) else (None, None)
    return Preview(total, unit, days, since, until, weekly_frame.reset_index(drop=True), sample.reset_index(drop=True),
                   opened, overdue)  # fmt: skip


def _backfill_cases(db: sqlite_utils.Database, rule: Rule, frame: pd.DataFrame, until: str) -> tuple[int, int]:
    """(cases, overdue): what a back-fill over the last :data:`LOOKBACK_DAYS` would open now.

    As :func:`refresh` would: the conditions without ``posted_after``, one case
    per customer (or unlinked profile), opened at its first matching mention;
    overdue when that time plus the priority's SLA is already past.
    """
    everything = replace(rule, conditions={k: v for k, v in rule.conditions.items() if k != "posted_after"})
    recent = frame[frame["posted_at"].astype(object).fillna("").astype(str) > _shift(until, LOOKBACK_DAYS)]
    hits = _hits(recent, everything, own_brand(db)).sort_values(["posted_at", "mention_id"])
    if hits.empty:
        return 0, 0
    owners = [
        _case_owner(c, p) or f"m:{m}"
        for c, p, m in zip(hits["customer_id"].astype(object), hits["profile_id"].astype(object), hits["mention_id"], strict=True)
    ]
    first = hits.assign(owner=owners).drop_duplicates("owner", keep="first")
    hours = cases.sla_hours(db)[str(rule.params.get("priority", "medium"))]
    due = pd.to_datetime(first["posted_at"], format="ISO8601", errors="coerce") + pd.Timedelta(hours=hours)
    return len(first), int((due < pd.Timestamp(store.utcnow())).sum())


def from_now(db: sqlite_utils.Database, rule: Rule) -> Rule:
    """``rule`` limited to the mentions posted after the newest one now (no back-fill).

    Without mentions, the time now. A rule that already has ``posted_after`` keeps it.
    """
    if rule.conditions.get("posted_after"):
        return rule
    start = newest_mention(db) or store.utcnow()
    return replace(rule, conditions={**dict(rule.conditions), "posted_after": str(start)[:19]})


# --- applying actions -------------------------------------------------------------------------


def _case_owner(customer_id: Any, profile_id: Any) -> str | None:
    if isinstance(customer_id, str) and customer_id:
        return f"c:{customer_id}"
    if isinstance(profile_id, str) and profile_id:
        return f"p:{profile_id}"
    return None


def _open_cases(db: sqlite_utils.Database) -> dict[tuple[int, str], int]:
    """(rule_id, owner) -> the newest open case the rule opened for that customer (or profile)."""
    rows = db.execute(
        f"SELECT rule_id, customer_id, profile_id, case_id FROM {S.CASES} "
        f"WHERE rule_id IS NOT NULL AND coalesce(status, '') <> ? ORDER BY case_id",
        [RESOLVED],
    ).fetchall()
    out: dict[tuple[int, str], int] = {}
    for rule_id, customer_id, profile_id, case_id in rows:
        owner = _case_owner(customer_id, profile_id)
        if owner is not None:
            out[(int(rule_id), owner)] = int(case_id)
    return out


@dataclass
class _Counts:
    matches: int = 0
    cases: int = 0
    joined: int = 0
    tags: int = 0
    proposals: int = 0
    alerts: int = 0


def _apply(
    db: sqlite_utils.Database, rule: Rule, hit: Mapping[str, Any], open_cases: dict[tuple[int, str], int],
    counts: _Counts, actor: str, tag_rows: list[tuple[Any, ...]] | None = None, role: str | None = None,
) -> tuple[int | None, str]:
    """Do ``rule``'s action for one matched row; returns (case_id, detail).

    Tags go to ``tag_rows`` when given (written in one batch by the caller), else at once.
    """
    assert rule.rule_id is not None
    p = rule.params
    customer_id = hit.get("customer_id") if isinstance(hit.get("customer_id"), str) else None
    profile_id = hit.get("profile_id") if isinstance(hit.get("profile_id"), str) else None
    mention_id = hit.get("mention_id") if isinstance(hit.get("mention_id"), str) else None
    if rule.action in (OPEN_CASE, SUGGEST_REPLY):
        owner = _case_owner(customer_id, profile_id)
        key = (rule.rule_id, owner) if owner is not None else None
        if key is not None and key in open_cases:
            counts.joined += 1
            return open_cases[key], "joined the open case"
        queue = p.get("queue", RESCUE) if rule.action == OPEN_CASE else SUPPORT
        case_id = cases.open_case(
            db, queue=queue, subject=str(p.get("subject") or rule.name), priority=str(p.get("priority", "medium")),
            customer_id=customer_id, mention_id=mention_id, profile_id=profile_id, rule_id=rule.rule_id,
            opened_at=hit.get("posted_at") or None,
            # The template in the customer's language (es, fr) when it has a translation.
            reply_template=localise_template(p.get("template"), hit.get("lang")) if rule.action == SUGGEST_REPLY else None,
            actor=actor, role=role,
        )
        if key is not None:
            open_cases[key] = case_id
        counts.cases += 1
        return case_id, f"opened case {case_id}"
    if rule.action == TAG:
        if mention_id is not None:
            row = (mention_id, p["tag"], rule.rule_id, store.utcnow())
            if tag_rows is None:
                _write_tags(db, [row])
            else:
                tag_rows.append(row)
            counts.tags += 1
        return None, f"tagged {p['tag']}"
    counts.alerts += 1
    return None, f"raised a {p.get('severity', 'medium')} alert"


def _write_tags(db: sqlite_utils.Database, rows: list[tuple[Any, ...]]) -> None:
    db.conn.executemany(
        f"INSERT INTO {S.MENTION_TAGS} (mention_id, tag, rule_id, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(mention_id, tag) DO NOTHING",
        rows,
    )


def _match_row(rule: Rule, hit: Mapping[str, Any], status: str, case_id: int | None, detail: str, now: str) -> tuple[Any, ...]:
    customer_id = hit.get("customer_id") if isinstance(hit.get("customer_id"), str) else None
    return (rule.rule_id, hit.get("mention_id"), customer_id, rule.action, rule.mode, status, case_id, detail, now)


def _write_matches(db: sqlite_utils.Database, rows: list[tuple[Any, ...]]) -> None:
    db.conn.executemany(
        f"""INSERT INTO {S.RULE_MATCHES} (rule_id, mention_id, customer_id, action, mode, status, case_id, detail, matched_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        rows,
    )


def _seen(db: sqlite_utils.Database) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """(rule, mention) pairs already evaluated, and (rule, customer) pairs blocked by a pending proposal or open case."""
    rows = db.execute(
        f"""SELECT r.rule_id, r.mention_id, r.customer_id, r.status, c.status FROM {S.RULE_MATCHES} r
            LEFT JOIN {S.CASES} c ON c.case_id = r.case_id"""
    ).fetchall()
    mentions: set[tuple[int, str]] = set()
    customers: set[tuple[int, str]] = set()
    for rule_id, mention_id, customer_id, status, case_status in rows:
        if mention_id is not None:
            mentions.add((int(rule_id), str(mention_id)))
        pending = status == PROPOSED or (status == APPLIED and case_status is not None and case_status != RESOLVED)
        if customer_id is not None and pending:
            customers.add((int(rule_id), str(customer_id)))
    return mentions, customers


def _n(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count:,} {noun if count == 1 else (plural or noun + 's')}"


def refresh(db: sqlite_utils.Database, progress: Progress | None = None) -> StageSummary:
    """Run every enabled rule on the mentions posted since its watermark (the compute stage ``workflows``).

    Automatic rules act and record ``applied`` matches; manual rules record
    ``proposed`` ones for a person. Ends by refreshing the rule alerts.

    >>> db = store.open_db(":memory:")
    >>> refresh(db).message
    'No mentions yet: the rules have nothing to look at.'
    """
    started = time.perf_counter()
    report = progress or (lambda fraction, message: None)
    report(0.0, "Reading the rules")
    ensure_default_rules(db)
    rules = list_rules(db, enabled_only=True)
    newest = newest_mention(db)
    counts = _Counts()
    if newest is None:
        message = "No mentions yet: the rules have nothing to look at."
    elif not rules:
        message = "No rule is enabled. Turn rules on, or write one, on the Workflow rules page."
    else:
        floor = _shift(newest, LOOKBACK_DAYS)
        # Mention rules look at the whole window every run: a mention imported
        # late (a review export that lags a week) is still evaluated, and the
        # (rule, mention) pairs already in rule_matches are skipped. Customer
        # rules start at their watermark, so a resolved case is not reopened
        # by the same old mentions.
        starts = {
            r.rule_id: floor if r.target != CUSTOMER else max(r.watermark or floor, floor) for r in rules
        }
        todo = [r for r in rules if starts[r.rule_id] < newest]
        if todo:
            report(0.1, "Reading the new mentions")
            context = load_context(db, min(starts[r.rule_id] for r in todo), newest)
            brand = own_brand(db)
            seen_mentions, blocked = _seen(db)
            open_cases = _open_cases(db)
            now = store.utcnow()
            with store.transaction(db):
                for i, rule in enumerate(todo):
                    assert rule.rule_id is not None
                    report(0.2 + 0.7 * i / len(todo), f"Rule {i + 1} of {len(todo)}")
                    part = context[context["posted_at"].astype(str) > starts[rule.rule_id]]
                    hits = _hits(part, rule, brand)
                    match_rows: list[tuple[Any, ...]] = []
                    tag_rows: list[tuple[Any, ...]] = []
                    for raw in hits.to_dict("records"):
                        hit = {str(k): v for k, v in raw.items()}
                        if (rule.rule_id, str(hit["mention_id"])) in seen_mentions:
                            continue
                        if rule.target == CUSTOMER and (rule.rule_id, str(hit["customer_id"])) in blocked:
                            continue
                        counts.matches += 1
                        if rule.mode == MANUAL:
                            counts.proposals += 1
                            match_rows.append(_match_row(rule, hit, PROPOSED, None, "proposed", now))
                        else:
                            case_id, detail = _apply(db, rule, hit, open_cases, counts, audit.RULES_ACTOR, tag_rows)
                            match_rows.append(_match_row(rule, hit, APPLIED, case_id, detail, now))
                        if rule.target == CUSTOMER:
                            blocked.add((rule.rule_id, str(hit["customer_id"])))
                    _write_matches(db, match_rows)
                    _write_tags(db, tag_rows)
                    db.execute(
                        f"UPDATE {S.RULES} SET watermark = ? WHERE rule_id = ? AND watermark {dialect.differs(db)} ?",
                        [newest, rule.rule_id, newest],
                    )
        message = (
            f"{_n(len(rules), 'rule')} matched {_n(counts.matches, 'time')}: opened {_n(counts.cases, 'case')}"
            + (f" ({_n(counts.joined, 'match', 'matches')} joined an open case)" if counts.joined else "")
            + f", tagged {_n(counts.tags, 'mention')}, raised {_n(counts.alerts, 'alert')}, "
            f"proposed {_n(counts.proposals, 'match', 'matches')} for a person to decide."
        )
    report(0.9, "Refreshing the rule alerts")
    sync_rule_alerts(db)
    report(1.0, "Rules done")
    log.info("workflows: %s", message)
    return StageSummary(STAGE, counts.matches, time.perf_counter() - started, message)


# --- people's decisions -----------------------------------------------------------------------


def proposals(db: sqlite_utils.Database, limit: int = 500) -> pd.DataFrame:
    """Pending proposals, oldest mention first: match_id, rule_id, rule, action, mention_id,
    posted_at, platform, author, text, label, customer_id."""
    return store.read_frame(
        db,
        f"""SELECT r.match_id, r.rule_id, coalesce(u.name, 'rule ' || r.rule_id) AS rule, r.action, r.mention_id,
            m.posted_at, coalesce(nullif(lower(trim(m.platform)), ''), 'other') AS platform, m.author, m.text,
            coalesce(s.label, 'unscored') AS label, r.customer_id
        FROM {S.RULE_MATCHES} r LEFT JOIN {S.RULES} u ON u.rule_id = r.rule_id
        LEFT JOIN {S.MENTIONS} m ON m.mention_id = r.mention_id
        LEFT JOIN {S.SENTIMENT} s ON s.mention_id = r.mention_id
        WHERE r.status = ? ORDER BY m.posted_at, r.match_id LIMIT ?""",
        [PROPOSED, int(limit)],
    )


# Why a proposal cannot be decided again, one sentence per outcome (each a catalog key).
_ALREADY: dict[str | None, str] = {
    APPLIED: "Rule match {id} was already applied. Reload the page to see the current proposals.",
    DISMISSED: "Rule match {id} was already dismissed. Reload the page to see the current proposals.",
    None: "Rule match {id} was already {status}. Reload the page to see the current proposals.",
}


def decide(db: sqlite_utils.Database, match_id: int, approve: bool, actor: str, *, role: str | None = None) -> int | None:
    """Approve (apply the rule's action now) or dismiss a proposed match; returns the case id, if any. Audited."""
    row = db.execute(
        f"SELECT rule_id, mention_id, customer_id, status FROM {S.RULE_MATCHES} WHERE match_id = ?", [int(match_id)]
    ).fetchone()
    if row is None:
        raise NotFound(Message("There is no rule match {id}. Reload the page to see the current proposals.", {"id": str(match_id)}))
    rule_id, mention_id, customer_id, status = row
    if status != PROPOSED:
        raise RuleError(Message(_ALREADY.get(status, _ALREADY[None]), {"id": str(match_id), "status": str(status)}))
    case_id: int | None = None
    with store.transaction(db, work=True):
        if approve:
            rule = get_rule(db, int(rule_id))
            hit: dict[str, Any] = {"mention_id": mention_id, "customer_id": customer_id}
            if mention_id is not None:
                found = db.execute(
                    f"SELECT posted_at, {profile_id_sql()} FROM {S.MENTIONS} WHERE mention_id = ?", [mention_id]
                ).fetchone()
                if found is not None:
                    hit |= {"posted_at": found[0], "profile_id": found[1]}
            case_id, detail = _apply(db, rule, hit, _open_cases(db), _Counts(), actor, role=role)
            new_status = APPLIED
        else:
            detail, new_status = "dismissed by a person", DISMISSED
        db.execute(
            f"UPDATE {S.RULE_MATCHES} SET status = ?, case_id = ?, detail = ?, decided_by = ?, decided_at = ? WHERE match_id = ?",
            [new_status, case_id, detail, actor, store.utcnow(), int(match_id)],
        )
        if approve:
            sync_rule_alerts(db)
        audit.record(db, audit.CASE, actor=actor, role=role, target=f"rule match {match_id}",
                     detail={"rule": int(rule_id), "decision": "approved" if approve else "dismissed", "case": case_id})
    return case_id


def match_counts(db: sqlite_utils.Database) -> pd.DataFrame:
    """Per rule: matches so far, applied, proposed (pending), dismissed, cases opened."""
    return store.read_frame(
        db,
        f"""SELECT rule_id, count(*) AS matches, sum(CASE WHEN status = '{APPLIED}' THEN 1 ELSE 0 END) AS applied,
            sum(CASE WHEN status = '{PROPOSED}' THEN 1 ELSE 0 END) AS proposed, sum(CASE WHEN status = '{DISMISSED}' THEN 1 ELSE 0 END) AS dismissed,
            count(DISTINCT case_id) AS cases
        FROM {S.RULE_MATCHES} GROUP BY rule_id""",
    )


# --- rule alerts ------------------------------------------------------------------------------


def rule_alerts(db: sqlite_utils.Database) -> pd.DataFrame:
    """One alert row (columns of :data:`scrm.analysis.alerts.ALERT_COLUMNS`) per raise_alert rule and day of its applied matches."""
    from scrm.analysis import alerts as A

    hits = store.read_frame(
        db,
        f"""SELECT r.rule_id, u.name AS rule_name, u.params, r.mention_id, substr(m.posted_at, 1, 10) AS day,
            coalesce(m.brand, '') AS brand, coalesce(nullif(lower(trim(m.platform)), ''), 'other') AS platform,
            m.author, coalesce(m.author_followers, 0) AS followers
        FROM {S.RULE_MATCHES} r JOIN {S.MENTIONS} m ON m.mention_id = r.mention_id
        LEFT JOIN {S.RULES} u ON u.rule_id = r.rule_id
        WHERE r.action = ? AND r.status = ?""",
        [RAISE_ALERT, APPLIED],
    )
    columns = [c for c in A.ALERT_COLUMNS if c != "alert_id"]
    if hits.empty:
        return pd.DataFrame(columns=columns)
    topics = (
        store.read_frame(db, f'SELECT mention_id, topic_id FROM "{MENTION_TOPICS}"') if table_exists(db, MENTION_TOPICS) else None
    )
    hits = hits.merge(topics, on="mention_id", how="left") if topics is not None else hits.assign(topic_id=None)
    hits["followers"] = pd.to_numeric(hits["followers"], errors="coerce").fillna(0).astype(int)
    now = store.utcnow()
    rows = []
    for key, frame in hits.groupby(["rule_id", "day"], sort=True):
        rule_id, day = (str(k) for k in key)  # type: ignore[union-attr]
        try:
            severity = json.loads(frame["params"].iloc[0] or "{}").get("severity", "medium")
        except (TypeError, ValueError, AttributeError):
            severity = "medium"
        drivers = A.alert_drivers(db, frame)
        rule_info: dict[str, Any] = {"rule_id": int(rule_id), "name": str(frame["rule_name"].iloc[0] or "")}
        channels = _rule_channels(frame["params"].iloc[0])
        if channels:
            rule_info["channels"] = channels  # the notification channels the rule names (scrm.act.notify)
        drivers_json = json.dumps({**drivers, "rule": rule_info}, ensure_ascii=False)
        brands = frame["brand"].astype(str)
        rows.append({
            "kind": RULE_ALERT, "scope": "rule", "brand": brands.mode().iloc[0] or None,
            "platform": frame["platform"].iloc[0] if frame["platform"].nunique() == 1 else None, "topic_id": None,
            "customer_id": None, "period_start": str(day), "period_end": str(day), "days": 1,
            "value": float(len(frame)), "baseline": None, "threshold": None, "z": None, "severity": severity,
            "total": float(len(frame)), "drivers": drivers_json, "created_at": now,
        })
    return pd.DataFrame(rows, columns=columns)


def _rule_channels(params: Any) -> list[str]:
    """The channel names a raise_alert rule's params give (none: the channels' own settings decide)."""
    try:
        given = json.loads(params or "{}").get("channels") or ""
    except (TypeError, ValueError, AttributeError):
        return []
    return [c.strip() for c in str(given).split(",") if c.strip()]


def sync_rule_alerts(db: sqlite_utils.Database) -> int:
    """Replace the alerts of kind ``rule`` in ``alerts`` by :func:`rule_alerts` (the alerts stage rebuilds that table)."""
    from scrm.analysis import alerts as A

    frame = rule_alerts(db)
    exists = table_exists(db, ALERTS)
    if not exists and frame.empty:
        return 0
    if exists:
        stored = store.read_frame(
            db, f'SELECT period_start, severity, value, drivers FROM "{ALERTS}" WHERE kind = ? ORDER BY alert_id', [RULE_ALERT]
        )
        fresh = frame[["period_start", "severity", "value", "drivers"]]
        if stored.astype(str).values.tolist() == fresh.astype(str).values.tolist():
            return len(frame)  # unchanged: no write, so the data version stays
    with store.transaction(db):
        if not exists:
            types = {"alert_id": "int64", "days": "int64", **{c: "float64" for c in ("value", "baseline", "threshold", "z", "total")}}
            empty = pd.DataFrame({c: pd.Series(dtype=types.get(c, object)) for c in A.ALERT_COLUMNS})
            store.replace_table(db, ALERTS, empty, pk="alert_id", indexes=[("kind",), ("period_start",)])
        db.execute(f'DELETE FROM "{ALERTS}" WHERE kind = ?', [RULE_ALERT])
        if not frame.empty:
            top = int(db.execute(f'SELECT coalesce(max(alert_id), 0) FROM "{ALERTS}"').fetchone()[0])
            frame = frame.copy()
            frame.insert(0, "alert_id", range(top + 1, top + 1 + len(frame)))
            cols = list(frame.columns)
            values = [[None if (not isinstance(v, str) and pd.isna(v)) else v for v in row] for row in frame.itertuples(index=False)]
            db.conn.executemany(
                f'INSERT INTO "{ALERTS}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) VALUES ({", ".join("?" for _ in cols)})',
                values,
            )
    return len(frame)
