"""The business settings: each listed once with its default and help, read and checked here.

A setting is one row of ``meta`` (its key is spelled in :mod:`scrm.db.schema`).
:data:`SETTINGS` is the table the Settings page, the README and the tests read:
the key, the label a person sees, the default and one sentence of help. The
readers below return the setting's value or its default, never raise on a
stored value that no longer parses (a hand-edited file falls back to the
default); the ``check_*`` functions turn what a person typed into the stored
value or raise :class:`~scrm.errors.ConfigError` with a sentence that says
what to type instead. :func:`write_settings` stores checked values; the one
door for it is :func:`scrm.api.save_settings`, which audits the change.

>>> db = store.open_db(":memory:")
>>> reporting_currency(db), week_start(db), default_period_days(db), time_zone(db)
(None, 'monday', 30, 'UTC')
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError
from scrm.i18n.messages import Message

WEEK_STARTS: tuple[str, ...] = ("monday", "sunday")
# The lengths a person can pick for "the last N days" (a free number invites 31 vs 30 debates).
PERIOD_CHOICES: tuple[int, ...] = (7, 14, 28, 30, 90, 180, 365)
DEFAULT_PERIOD_DAYS = 30
DEFAULT_WEEK_START = "monday"  # ISO 8601 weeks
DEFAULT_TIME_ZONE = "UTC"
# New incidents of one alert kind listed per day (scrm.analysis.alerts folds the rest into a count).
DEFAULT_ALERT_DAILY_CAP = 3
ALERT_DAILY_CAP_RANGE: tuple[int, int] = (1, 50)
# Seconds a score run may spend on the optional accurate sentiment mode (scrm.analysis.sentiment.accurate);
# 0 turns it off. The upper bound keeps a recompute from running for hours on a typo.
DEFAULT_ACCURATE_SECONDS = 30
ACCURATE_SECONDS_RANGE: tuple[float, float] = (0.0, 3600.0)
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Setting:
    """One business setting: its meta key, the label a person sees, its default and help."""

    key: str
    label: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(S.META_OWN_BRAND, "Own brand", "the most-mentioned brand",
            "The brand whose CRM this is: share of voice, response rate and workflow rules count its mentions."),
    Setting(S.META_COMPETITORS, "Competitors", "every other brand",
            "The brands you compare yourself with; mentions of other brands still count as mentions."),
    Setting(S.META_REPORTING_CURRENCY, "Reporting currency", "the most frequent order currency",
            "Revenue, order value and CLV are shown in this currency; other currencies are converted at the rates below."),
    Setting(S.META_EXCHANGE_RATES, "Exchange rates", "none",
            "How much one unit of another currency is worth in the reporting currency, and the date of that rate. "
            "Orders in a currency without a rate are left out of money figures, and the figure says how many."),
    Setting(S.META_WEEK_START, "Week starts on", DEFAULT_WEEK_START.capitalize(),
            "The first day of the weeks in the weekly charts of the Overview and Listening pages."),
    Setting(S.META_TIME_ZONE, "Time zone", DEFAULT_TIME_ZONE,
            "The time zone the team reads times in: the age of the scores and the times of status lines. "
            "Stored timestamps and the days of the date filter stay in UTC."),
    Setting(S.META_DEFAULT_PERIOD, "Default period", f"the last {DEFAULT_PERIOD_DAYS} days",
            "What every page shows until someone picks dates: the last N days up to the last day all the data "
            "reaches, compared with the N days before."),
    Setting(S.META_AUTO_SCORE, "Recompute scores after changes", "on",
            "After an import or another change made in the app, scores are recomputed in the background."),
    Setting(S.META_ALERT_DAILY_CAP, "Alerts a day per kind", str(DEFAULT_ALERT_DAILY_CAP),
            "How many new incidents of one alert kind (volume spike, negative spike, VIP detractor, rule) are listed "
            "and notified each day; the others of that day are folded into a count on the last one."),
    Setting(S.META_SENTIMENT_ACCURATE_SECONDS, "Accurate sentiment: seconds per score run", str(DEFAULT_ACCURATE_SECONDS),
            "How long each score run may spend on a second look by the accurate model, most valuable mentions "
            "first; the rest waits for the next run. 0 turns it off."),
)  # fmt: skip
SETTING_BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


# --- reading ------------------------------------------------------------------------------------------


def _text(db: sqlite_utils.Database, key: str) -> str | None:
    value = store.get_meta(db, key)
    return value.strip() if value and value.strip() else None


def _json(db: sqlite_utils.Database, key: str) -> object:
    value = _text(db, key)
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def own_brand_setting(db: sqlite_utils.Database) -> str | None:
    """The own brand as set (None when it is left to the data: see :func:`scrm.db.store.own_brand`)."""
    return _text(db, S.META_OWN_BRAND)


def competitors(db: sqlite_utils.Database) -> tuple[str, ...]:
    """The competitors as set (empty when none is named)."""
    value = _json(db, S.META_COMPETITORS)
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def reporting_currency(db: sqlite_utils.Database) -> str | None:
    """The reporting currency as set (None: the most frequent order currency stands in)."""
    value = _text(db, S.META_REPORTING_CURRENCY)
    return value if value and _CURRENCY.match(value) else None


@dataclass(frozen=True)
class Rate:
    """One unit of ``currency`` is worth ``rate`` units of the reporting currency, as of ``as_of``."""

    currency: str
    rate: float
    as_of: str  # ISO date


def exchange_rates(db: sqlite_utils.Database) -> dict[str, Rate]:
    """The exchange rates as set, by currency code (rates that no longer parse are left out)."""
    value = _json(db, S.META_EXCHANGE_RATES)
    rates: dict[str, Rate] = {}
    if isinstance(value, dict):
        for code, pair in value.items():
            try:
                rates[str(code)] = Rate(str(code), float(pair[0]), str(pair[1]))
            except (TypeError, ValueError, IndexError, KeyError):
                continue
    return rates


def week_start(db: sqlite_utils.Database) -> str:
    """``"monday"`` or ``"sunday"``."""
    value = (_text(db, S.META_WEEK_START) or "").lower()
    return value if value in WEEK_STARTS else DEFAULT_WEEK_START


def time_zone(db: sqlite_utils.Database) -> str:
    """The IANA time zone name (``UTC`` by default)."""
    value = _text(db, S.META_TIME_ZONE)
    return value if value and value in _zones() else DEFAULT_TIME_ZONE


def default_period_days(db: sqlite_utils.Database) -> int:
    """The length of the default period in days."""
    value = _text(db, S.META_DEFAULT_PERIOD)
    return int(value) if value and value.isdigit() and int(value) in PERIOD_CHOICES else DEFAULT_PERIOD_DAYS


def alert_daily_cap(db: sqlite_utils.Database) -> int:
    """New incidents of one alert kind listed and notified per day (3 by default)."""
    value = _text(db, S.META_ALERT_DAILY_CAP)
    low, high = ALERT_DAILY_CAP_RANGE
    return min(high, max(low, int(value))) if value and value.isdigit() else DEFAULT_ALERT_DAILY_CAP


def auto_score(db: sqlite_utils.Database) -> bool:
    """Whether the app recomputes scores in the background after its own writes (on by default)."""
    return _text(db, S.META_AUTO_SCORE) != "0"


def scored_at(db: sqlite_utils.Database) -> str | None:
    """When the last score run finished (UTC ISO text); None before the first."""
    return _text(db, S.META_SCORED_AT)


# --- checking what a person typed ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def time_zones() -> list[str]:
    """Every IANA time zone name this machine knows, sorted (the Settings page's choices)."""
    return sorted(_zones())


def check_currency(value: str, what: Message | None = None) -> str:
    """An ISO 4217 code in capitals; ``what`` names the field in the refusal ("The currency" by default).

    >>> check_currency(" eur ")
    'EUR'
    """
    code = str(value).strip().upper()
    if not _CURRENCY.match(code):
        raise ConfigError(Message(
            "{what} '{value}' is not a currency code; type three letters, such as EUR, GBP or USD.",
            {"what": what or Message("The currency"), "value": str(value)},
        ))
    return code


def check_rate(currency: str, rate: object, as_of: object, reporting: str) -> Rate:
    """One exchange rate, checked: a positive number and a date that is not in the future.

    >>> check_rate("gbp", "1.17", "2026-10-01", "EUR")
    Rate(currency='GBP', rate=1.17, as_of='2026-10-01')
    """
    code = check_currency(currency, Message("The rate's currency"))
    if code == reporting:
        raise ConfigError(Message("{code} is the reporting currency: it needs no rate. Remove that row.", {"code": code}))
    if rate is None or not str(rate).strip():
        raise ConfigError(Message(
            "The {code} row has no rate; type what one {code} is worth in {reporting}, such as 1.17, or delete the row.",
            {"code": code, "reporting": reporting},
        ))
    try:
        number = float(str(rate).strip().replace(",", "."))
    except ValueError:
        number = float("nan")
    if not number > 0 or number == float("inf"):
        raise ConfigError(Message(
            "The rate of {code} '{rate}' is not a positive number; type what one {code} is worth in {reporting}, "
            "such as 1.17.",
            {"code": code, "rate": str(rate), "reporting": reporting},
        ))
    day = dt.date(as_of.year, as_of.month, as_of.day) if isinstance(as_of, dt.date) else None  # a Timestamp too
    if day is None:
        try:
            day = dt.date.fromisoformat(str(as_of).strip()[:10])
        except ValueError:
            if not str(as_of or "").strip():
                raise ConfigError(Message(
                    "The {code} rate has no date; give the day the rate is from (YYYY-MM-DD).", {"code": code}
                )) from None
            raise ConfigError(Message(
                "The date of the {code} rate '{as_of}' is not a date; use YYYY-MM-DD.", {"code": code, "as_of": str(as_of)}
            )) from None
    return Rate(code, number, day.isoformat())


def check_time_zone(value: str) -> str:
    """An IANA time zone name such as ``Europe/Madrid``."""
    name = str(value).strip()
    if name not in _zones():
        raise ConfigError(Message(
            "'{value}' is not a time zone this server knows; pick one such as Europe/Madrid or UTC.", {"value": str(value)}
        ))
    return name


def check_week_start(value: str) -> str:
    day = str(value).strip().lower()
    if day not in WEEK_STARTS:
        raise ConfigError(Message("A week cannot start on '{value}'; choose Monday or Sunday.", {"value": str(value)}))
    return day


def check_period_days(value: object) -> int:
    try:
        days = int(str(value).strip())
    except ValueError:
        days = -1
    if days not in PERIOD_CHOICES:
        choices = ", ".join(str(d) for d in PERIOD_CHOICES)
        raise ConfigError(Message(
            "The default period '{value}' is not offered; choose one of {choices} days.",
            {"value": str(value), "choices": choices},
        ))
    return days


def check_alert_daily_cap(value: object) -> int:
    """A whole number of incidents a day, within :data:`ALERT_DAILY_CAP_RANGE`.

    >>> check_alert_daily_cap(" 5 ")
    5
    """
    low, high = ALERT_DAILY_CAP_RANGE
    try:
        cap = int(str(value).strip())
    except ValueError:
        cap = 0
    if not low <= cap <= high:
        raise ConfigError(Message(
            "'{value}' alerts a day is not offered; type a whole number from {low} to {high}.",
            {"value": str(value), "low": low, "high": high},
        ))
    return cap


def check_accurate_seconds(value: object) -> str:
    """The accurate sentiment mode's time budget as stored: seconds within :data:`ACCURATE_SECONDS_RANGE`.

    >>> check_accurate_seconds(" 45 "), check_accurate_seconds("7,5")
    ('45', '7.5')
    """
    text = str(value).strip()
    low, high = ACCURATE_SECONDS_RANGE
    what = Message("Type a number from {low} (off) to {high}.", {"low": f"{low:g}", "high": f"{high:g}"})
    try:
        seconds = float(text.replace(",", "."))
    except ValueError:
        raise ConfigError(Message("'{text}' is not a number of seconds. {what}", {"text": text, "what": what})) from None
    if not low <= seconds <= high:  # NaN fails too
        raise ConfigError(Message("{text} seconds is out of range. {what}", {"text": text, "what": what}))
    return f"{seconds:g}"


def check_brands(values: object) -> list[str]:
    """Brand names, trimmed, blanks and repeats dropped, in the order given."""
    items = values.split(",") if isinstance(values, str) else list(values or [])  # type: ignore[call-overload]
    seen: dict[str, str] = {}
    for item in items:
        name = " ".join(str(item).split())
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return list(seen.values())


def encode_rates(rates: Mapping[str, Rate]) -> str:
    """The stored form of the exchange rates."""
    return json.dumps({code: [r.rate, r.as_of] for code, r in sorted(rates.items())}, sort_keys=True)


def check_settings(changes: Mapping[str, object]) -> dict[str, str]:
    """What a person asked to change, checked and turned into stored text (``""`` clears a setting).

    Keys are meta keys of :data:`SETTINGS`; values as a form gives them: the
    brand as text (``None`` or blank: leave it to the data), competitors as a
    list or a comma-separated text, the currency as a code, the rates as a
    mapping of code to ``(rate, date)``, the rest as text or numbers.

    >>> check_settings({S.META_WEEK_START: "Sunday", S.META_DEFAULT_PERIOD: 90})
    {'week_start': 'sunday', 'default_period_days': '90'}
    """
    stored: dict[str, str] = {}
    for key, value in changes.items():
        if key not in SETTING_BY_KEY:
            raise ConfigError(Message(
                "There is no setting '{key}'; the settings are {names}.", {"key": str(key), "names": ", ".join(SETTING_BY_KEY)}
            ))
        blank = value is None or (isinstance(value, str) and not value.strip())
        if key == S.META_OWN_BRAND:
            stored[key] = "" if blank else " ".join(str(value).split())
        elif key == S.META_COMPETITORS:
            stored[key] = json.dumps(check_brands(value), ensure_ascii=False)
        elif key == S.META_REPORTING_CURRENCY:
            stored[key] = "" if blank else check_currency(str(value), Message("The reporting currency"))
        elif key == S.META_EXCHANGE_RATES:
            reporting = str(changes.get(S.META_REPORTING_CURRENCY) or "").strip().upper()
            rates = {}
            for code, pair in dict(value or {}).items():  # type: ignore[call-overload]
                rate = check_rate(code, pair[0], pair[1], reporting)
                rates[rate.currency] = rate
            stored[key] = encode_rates(rates)
        elif key == S.META_WEEK_START:
            stored[key] = check_week_start(str(value))
        elif key == S.META_TIME_ZONE:
            stored[key] = check_time_zone(str(value))
        elif key == S.META_DEFAULT_PERIOD:
            stored[key] = str(check_period_days(value))
        elif key == S.META_AUTO_SCORE:
            stored[key] = "1" if value not in (False, 0, "0", "off", "false") else "0"
        elif key == S.META_ALERT_DAILY_CAP:
            stored[key] = str(DEFAULT_ALERT_DAILY_CAP if blank else check_alert_daily_cap(value))
        elif key == S.META_SENTIMENT_ACCURATE_SECONDS:
            stored[key] = str(DEFAULT_ACCURATE_SECONDS) if blank else check_accurate_seconds(value)
    return stored


# --- writing (through scrm.api.save_settings) --------------------------------------------------------


def write_settings(db: sqlite_utils.Database, stored: Mapping[str, str]) -> dict[str, str]:
    """Store checked values (from :func:`check_settings`); returns those that changed, in one transaction."""
    changed = {k: v for k, v in stored.items() if (store.get_meta(db, k) or "") != v}
    if changed:
        with store.transaction(db):
            for key, value in changed.items():
                db.execute(
                    f"INSERT INTO {S.META} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )
    return changed


def record_scored_at(db: sqlite_utils.Database, at: str | None = None) -> None:
    """Note when a score run finished: bookkeeping that changes no figure (no version bump)."""
    with store.transaction(db, bump=False):
        db.execute(
            f"INSERT INTO {S.META} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [S.META_SCORED_AT, at or store.utcnow()],
        )
