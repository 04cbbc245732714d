"""What the Settings page reads: the business settings as they are, and how fresh the scores are.

Pure reads (no Streamlit). :func:`score_status` words the status line of the
"Recompute now" panel ("Scores are 3 h old; 2 imports since"); :func:`current_settings`
gathers every business setting with what stands in when it is not set, so the
page can show "Velora (from the data)" rather than an empty box.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass

import sqlite_utils

from scrm.db import schema as S
from scrm.db import settings as business
from scrm.db import store
from scrm.i18n.messages import Message, Moment
from scrm.views import kpis

SETTINGS = business.SETTINGS
WEEK_STARTS = business.WEEK_STARTS
PERIOD_CHOICES = business.PERIOD_CHOICES
time_zones = business.time_zones


@dataclass(frozen=True)
class BusinessSettings:
    """Every business setting as stored, and what the figures use when one is not set."""

    own_brand: str | None  # as set; None: left to the data
    own_brand_used: str | None  # what the KPIs use (the setting, else the most-mentioned brand)
    competitors: tuple[str, ...]
    brands: tuple[str, ...]  # the brands the mentions name, most mentioned first
    reporting_currency: str | None  # as set
    currency_used: str | None  # what money KPIs are shown in
    order_currencies: tuple[tuple[str, int], ...]  # (code, orders), most orders first
    rates: tuple[business.Rate, ...]
    week_start: str
    time_zone: str
    default_period_days: int
    auto_score: bool
    alert_daily_cap: int = business.DEFAULT_ALERT_DAILY_CAP


def current_settings(db: sqlite_utils.Database) -> BusinessSettings:
    """The business settings of ``db``.

    >>> s = current_settings(store.open_db(":memory:"))
    >>> (s.own_brand_used, s.currency_used, s.week_start, s.default_period_days)
    (None, None, 'monday', 30)
    """
    brands, currencies = stored_brands_and_currencies(db)
    return BusinessSettings(
        own_brand=business.own_brand_setting(db),
        own_brand_used=store.own_brand(db),
        competitors=business.competitors(db),
        brands=brands,
        reporting_currency=business.reporting_currency(db),
        currency_used=kpis.shop_currency(db),
        order_currencies=currencies,
        rates=tuple(business.exchange_rates(db).values()),
        week_start=business.week_start(db),
        time_zone=business.time_zone(db),
        default_period_days=business.default_period_days(db),
        auto_score=business.auto_score(db),
        alert_daily_cap=business.alert_daily_cap(db),
    )


def brands_and_currencies(db: sqlite_utils.Database) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """The mentions' brands (most mentioned first, 200 at most) and the orders' currencies with
    their order counts (most orders first): what the business settings offer to choose from."""
    brands = tuple(
        str(r[0]) for r in db.execute(
            f"SELECT brand FROM {S.MENTIONS} WHERE brand IS NOT NULL AND trim(brand) != '' "
            "GROUP BY brand ORDER BY count(*) DESC, brand LIMIT 200"
        )
    )  # fmt: skip
    currencies = tuple(
        (str(r[0]), int(r[1])) for r in db.execute(
            f"SELECT upper(trim(currency)) AS code, count(*) FROM {S.ORDERS} "
            "WHERE currency IS NOT NULL AND trim(currency) != '' GROUP BY code ORDER BY count(*) DESC, code"
        )
    )  # fmt: skip
    return brands, currencies


def stored_brands_and_currencies(db: sqlite_utils.Database) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """:func:`brands_and_currencies`, stored per data version (:func:`scrm.views.data.stored`): its two
    scans of every mention and order took most of a second of the Settings page's first run."""
    from scrm.views import data as browse

    def decode(raw: bytes) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
        brands, currencies = json.loads(raw)
        return tuple(str(b) for b in brands), tuple((str(c), int(n)) for c, n in currencies)

    return browse.stored(db, "settings:brands_and_currencies", lambda: brands_and_currencies(db), browse.encode_json, decode)


def stored_pending_stages(db: sqlite_utils.Database) -> tuple[str, ...]:
    """:func:`scrm.compute.pending_stages`, stored per data version: asking it imports every compute
    stage (scikit-learn and scipy, a second), which the Settings page's first run then skips."""
    from scrm.views import data as browse

    def pending() -> tuple[str, ...]:
        from scrm.compute import pending_stages

        return tuple(pending_stages(db))

    return browse.stored(db, "settings:pending_stages", pending, browse.encode_json, lambda raw: tuple(json.loads(raw)))


LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French"}


def workspace_languages(db: sqlite_utils.Database) -> tuple[str, ...]:
    """The languages the brand works in, main first (the sentiment engine's setting; imported when asked)."""
    from scrm.analysis.sentiment import workspace_languages as stored

    return stored(db)


def supported_languages() -> tuple[str, ...]:
    """The languages sentiment is scored in."""
    from scrm.analysis.sentiment.language import SUPPORTED

    return SUPPORTED


def missing_rates(s: BusinessSettings) -> list[tuple[str, int]]:
    """Order currencies that are neither the reporting currency nor have a rate: their orders are left out."""
    have = {r.currency for r in s.rates}
    return [(code, n) for code, n in s.order_currencies if code != s.currency_used and code not in have]


# --- the scores' freshness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreStatus:
    """How fresh the scores are: what the status line of "Recompute now" says."""

    scored_at: str | None  # UTC ISO text of the last finished score run
    imports_since: int
    pending: tuple[str, ...]  # the stages the next recompute would run
    sentence: str  # in English
    message: Message | None = None  # the same line, for the reader's language (None: read ``sentence``)


NEVER_COMPUTED = "Scores have never been computed on this data."
UP_TO_DATE = "Scores are up to date."
COMPUTED_AGO = "Scores are up to date: computed {age} ago ({when})."
BEHIND = "Scores are {age} old; {changes}. Computed {when}."
IMPORTS_SINCE = {True: "{n} import since", False: "{n} imports since"}
CHANGES_SINCE = "changes since"
AGES = ("less than a minute", "{n} min", "{n} h", "{n} days")
# Every phrase the status line is made of: its catalog keys (tests hold each one translated).
STATUS_MESSAGES: tuple[str, ...] = (
    NEVER_COMPUTED, UP_TO_DATE, COMPUTED_AGO, BEHIND, *IMPORTS_SINCE.values(), CHANGES_SINCE, *AGES,
)


def age_words(seconds: float) -> str:
    """A duration as a person says it.

    >>> age_words(40), age_words(600), age_words(3 * 3600 + 100), age_words(3 * 86400)
    ('less than a minute', '10 min', '3 h', '3 days')
    """
    return age_message(seconds).english()


def age_message(seconds: float) -> Message:
    """:func:`age_words` as a message, for the reader's language."""
    less, minutes, hours, days = AGES
    if seconds < 60:
        return Message(less)
    if seconds < 3600:
        return Message(minutes, {"n": int(seconds // 60)})
    if seconds < 86400 * 2:
        return Message(hours, {"n": int(seconds // 3600)})
    return Message(days, {"n": int(seconds // 86400)})


def _local(at: str, zone: str) -> Moment:
    moment = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(zone))
    return Moment(moment.replace(tzinfo=None).isoformat(timespec="minutes"), zone)


def score_status(db: sqlite_utils.Database, pending: list[str], *, now: str | None = None) -> ScoreStatus:
    """The status line: "Scores are 3 h old; 2 imports since." (``pending``: :func:`scrm.compute.pending_stages`).

    >>> db = store.open_db(":memory:")
    >>> score_status(db, ["sentiment"]).sentence
    'Scores have never been computed on this data.'
    >>> business.record_scored_at(db, "2026-10-05T09:00:00")
    >>> score_status(db, [], now="2026-10-05T12:10:00").sentence
    'Scores are up to date: computed 3 h ago (5 Oct 2026 09:00 (UTC)).'
    """
    at = business.scored_at(db)
    zone = business.time_zone(db)
    since = 0
    if at is not None:
        row = db.execute(f"SELECT count(*) FROM {S.IMPORTS} WHERE coalesce(finished_at, started_at) > ?", [at]).fetchone()
        since = int(row[0]) if row else 0
    if at is None:
        message = Message(NEVER_COMPUTED if pending else UP_TO_DATE)
        return ScoreStatus(None, since, tuple(pending), message.english(), message)
    age = (dt.datetime.fromisoformat(now or store.utcnow()) - dt.datetime.fromisoformat(at)).total_seconds()
    when = _local(at, zone)
    if not pending:
        message = Message(COMPUTED_AGO, {"age": age_message(max(age, 0)), "when": when})
    else:
        changes = Message(IMPORTS_SINCE[since == 1], {"n": since}) if since else Message(CHANGES_SINCE)
        message = Message(BEHIND, {"age": age_message(max(age, 0)), "changes": changes, "when": when})
    return ScoreStatus(at, since, tuple(pending), message.english(), message)
