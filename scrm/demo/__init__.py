"""The deterministic demo dataset: a home & lifestyle retailer in Spain, France and the UK.

:func:`build_demo` fills a database with customers, orders, mentions and
surveys of the fictional brand *Velora* and its competitors *Casanova Home*
and *Maison Brix*, over the two years before a fixed "today"
(:data:`ANCHOR`). The same seed gives byte-identical rows: all randomness
comes from ``numpy.random.default_rng(seed)`` and nothing reads the clock.

The data tells a story that later analyses must be able to find, written to
the meta key ``demo_story`` (JSON): advocates, ambassadors (advocates who are
also high-value customers), detractors with reach, influencers, a delivery
crisis week, seasonal buyers, B2B accounts, and which social profiles belong
to which customers (by e-mail, handle, or name and city, plus namesakes that
must stay mere suggestions).

``demo_story`` keys (handles are ``mentions.author`` on the social platforms):

- ``anchor``, ``start``, ``seed``, ``scale``; ``own_brand``, ``competitors``;
  ``brands``: per brand its ``accounts`` (language -> handle), ``support``
  handle, ``review_author`` (who answers reviews) and ``products``;
- ``crisis``: ``start`` and ``end`` (Monday to Sunday), ``topic``, ``what``;
- ``advocates``, ``influencers``, ``detractors``: handles;
  ``ambassadors``, ``advocate_customers``, ``detractor_customers``:
  ``{handle, platform, customer_id}``;
- ``seasonal_buyers`` (customer ids), ``buyer_types`` (counts), ``b2b_accounts``;
- ``identity``: ``email``, ``handle``, ``name_city`` (each customer's main
  profile and how it can be recognised), ``namesakes`` (people named like a
  customer living elsewhere: never to be linked) and ``profiles`` (every
  profile written by exactly one customer, ``{platform, author, customer_id}``).

>>> from scrm.db import store
>>> db = store.open_db(":memory:")
>>> build_demo(db, scale="tiny", link=False).counts["customers"] > 0
True
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.demo import text as T
from scrm.errors import ConfigError
from scrm.i18n.messages import Message

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Columns = dict[str, list[Any]]

# --- the calendar -------------------------------------------------------------------
# Every timestamp is an integer number of seconds since START; day d covers
# [d * 86400, (d + 1) * 86400). "Today" is the last second of ANCHOR_DATE.

START_DATE = "2024-11-01"
ANCHOR_DATE = "2026-10-31"
ANCHOR = "2026-10-31T23:59:59"
_DAY0 = np.datetime64(START_DATE, "D")
N_DAYS = int((np.datetime64(ANCHOR_DATE, "D") - _DAY0).astype(int)) + 1
_END_S = N_DAYS * 86_400 - 1
_START_S = np.datetime64(START_DATE, "s")


def _day(iso: str) -> int:
    return int((np.datetime64(iso, "D") - _DAY0).astype(int))


CRISIS_START = "2026-07-27"  # a Monday
CRISIS_END = "2026-08-02"  # the Sunday after
_CRISIS0, _CRISIS1 = _day(CRISIS_START), _day(CRISIS_END)
_BLACK_FRIDAYS = (_day("2024-11-29"), _day("2025-11-28"))

_DATES = _DAY0 + np.arange(N_DAYS)
_MONTH = _DATES.astype("datetime64[M]").astype(int) % 12 + 1
_DOM = (_DATES - _DATES.astype("datetime64[M]")).astype(int) + 1
_WEEKDAY = (_DATES.astype(int) + 3) % 7  # Monday = 0 (1970-01-01 was a Thursday)


def _windows(pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    mask = np.zeros(N_DAYS, dtype=bool)
    for a, b in pairs:
        mask[max(0, _day(a)) : min(N_DAYS, _day(b) + 1)] = True
    return mask


_WINTER_SEASON = _windows(
    [("2024-11-22", "2024-12-23"), ("2024-12-26", "2025-01-20"), ("2025-11-21", "2025-12-23"), ("2025-12-26", "2026-01-20")]
)
_SUMMER_SEASON = _windows([("2025-06-24", "2025-07-31"), ("2026-06-24", "2026-07-31")])
_SALE_DAYS = _windows(
    [
        ("2024-11-26", "2024-12-02"),
        ("2025-01-07", "2025-01-31"),
        ("2025-06-26", "2025-07-31"),
        ("2025-11-25", "2025-12-01"),
        ("2026-01-07", "2026-01-31"),
        ("2026-06-26", "2026-07-31"),
    ]
)


def _order_weights() -> np.ndarray:
    """Relative order volume per day: growth, Nov-Dec peak, January and summer sales."""
    month = np.array([1.15, 0.8, 0.9, 0.95, 0.95, 1.0, 1.15, 0.8, 0.95, 1.05, 1.35, 1.5])
    weekday = np.array([0.95, 0.95, 0.95, 1.0, 1.05, 1.15, 1.0])
    w = (1.0 + 0.35 * np.arange(N_DAYS) / N_DAYS) * month[_MONTH - 1] * weekday[_WEEKDAY]
    for bf in _BLACK_FRIDAYS:
        w[bf] *= 3.0
        w[bf + 1 : bf + 3] *= 1.8
        w[bf + 3] *= 2.2  # Cyber Monday
    w[(_MONTH == 12) & ((_DOM == 24) | (_DOM == 25) | (_DOM == 31))] *= 0.45
    w[(_MONTH == 1) & (_DOM == 1)] *= 0.45
    w[(_MONTH == 1) & (_DOM >= 2) & (_DOM <= 15)] *= 1.3
    # Online orders dip while the warehouse is down.
    w[_CRISIS0 : _CRISIS1 + 8] *= 0.7
    return w


def _mention_weights() -> np.ndarray:
    """Relative conversation volume per day (the crisis is added separately)."""
    month = np.array([1.1, 0.9, 0.95, 0.95, 1.0, 1.0, 1.05, 0.85, 0.95, 1.0, 1.2, 1.3])
    weekday = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.9, 1.05])
    w = (1.0 + 0.5 * np.arange(N_DAYS) / N_DAYS) * month[_MONTH - 1] * weekday[_WEEKDAY]
    for bf in _BLACK_FRIDAYS:
        w[bf : bf + 4] *= 1.8
    return w


def _cdf(w: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(w)])


def _sample_days(rng: np.random.Generator, cdf: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One day per row in [lo, hi] (inclusive), with the curve's weights; uniform where it has none."""
    lo = np.clip(lo, 0, N_DAYS - 1)
    hi = np.clip(np.maximum(hi, lo), 0, N_DAYS - 1)
    a, b = cdf[lo], cdf[hi + 1]
    u = rng.random(len(lo))
    day = np.searchsorted(cdf, a + u * (b - a), side="right") - 1
    flat = b <= a
    day[flat] = lo[flat] + (u[flat] * (hi[flat] - lo[flat] + 1)).astype(np.int64)
    return np.clip(day, lo, hi)


_H_MENTIONS = np.array([0.6, 0.35, 0.2, 0.15, 0.15, 0.25, 0.6, 1.2, 1.8, 2.0, 2.0, 2.0,
                        2.2, 2.2, 1.9, 1.9, 2.0, 2.2, 2.5, 2.8, 3.0, 2.8, 2.0, 1.2])
_H_ONLINE = np.array([0.5, 0.3, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.5, 1.8, 2.0, 2.0,
                      2.2, 2.1, 1.9, 1.8, 1.8, 2.0, 2.3, 2.7, 3.0, 2.8, 1.9, 1.0])
_H_STORE = np.array([0.0] * 8 + [0.8, 1.4, 1.8, 2.0, 2.0, 2.1, 2.3, 2.4, 2.4, 2.2, 1.8, 1.0] + [0.0] * 4)


def _times(rng: np.random.Generator, days: np.ndarray, hours: np.ndarray) -> np.ndarray:
    hour = rng.choice(24, size=len(days), p=hours / hours.sum())
    return days.astype(np.int64) * 86_400 + hour * 3600 + rng.integers(0, 3600, len(days))


def _iso(seconds: np.ndarray) -> list[str]:
    stamps = _START_S + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")
    return list(np.datetime_as_string(stamps, unit="s").tolist())


# --- sizes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How big a demo is, and how many planted people it holds."""

    customers: int
    orders: int
    mentions: int
    surveys: int
    authors: int
    influencers: int
    advocates: int
    ambassadors: int  # advocates who are high-value customers
    advocate_customers: int  # advocates who are ordinary, low-value customers
    detractors: int
    detractor_customers: int  # detractors who are customers with a high spend
    name_alikes: int  # people named like a customer, elsewhere: suggestions only


SCALES: dict[str, Scale] = {
    # "tiny" is for tests; the CLI offers small, medium and large.
    "tiny": Scale(600, 6_000, 10_000, 200, 3_000, 8, 24, 6, 4, 20, 6, 12),
    "small": Scale(5_000, 50_000, 100_000, 1_500, 30_000, 40, 150, 30, 20, 120, 40, 100),
    "medium": Scale(20_000, 200_000, 400_000, 6_000, 120_000, 80, 600, 120, 80, 480, 160, 400),
    "large": Scale(100_000, 1_000_000, 1_000_000, 30_000, 300_000, 150, 1_500, 500, 200, 1_200, 500, 2_000),
    # The bench's xl: made and written in PARTS parts of a fiftieth each (see SHARDS), never whole.
    "xl": Scale(1_000_000, 10_000_000, 10_000_000, 300_000, 3_000_000, 1_500, 15_000, 5_000, 2_000, 12_000, 5_000, 20_000),
}
# Scales generated part by part: a whole xl world (10M mentions as Python lists) would need
# tens of GB, a part (20k customers, 200k orders, 200k mentions) a few hundred MB; a whole large
# world held 2.9 GB, five parts keep `demo --scale large` under the 2 GB a process may take.
# Each part is its own world on the same calendar, with its own ids, handles and e-mail addresses.
SHARDS: dict[str, int] = {"large": 5, "xl": 50}
# The refusal of a scale that is not one of SCALES (the key of its translations).
UNKNOWN_SCALE = "Unknown demo scale '{scale}': use small, medium or large."
CUSTOMER_AUTHOR_SHARE = 0.08  # customers who also post about the brands

OWN_BRAND = T.OWN_BRAND
COMPETITORS = T.COMPETITORS
BRANDS = T.BRANDS

# Buyer types of customers.
FREQUENT, SPORADIC, SEASONAL, ONE_OFF, B2B = range(5)
BUYER_TYPES = ("frequent", "sporadic", "seasonal", "one_off", "b2b")
# Personas of mention authors.
BACKGROUND, ADVOCATE, DETRACTOR, INFLUENCER, CUSTOMER, NAMESAKE = range(6)
PERSONAS = ("background", "advocate", "detractor", "influencer", "customer", "namesake")
# How a customer's profile can be found (see scrm.analysis.identity).
BY_HANDLE, BY_EMAIL, BY_NAME_CITY = range(3)
LINK_METHODS = ("handle", "email", "name_city")

SOCIAL = ("twitter", "instagram", "facebook", "tiktok")
PLATFORMS = (*SOCIAL, "trustpilot", "google_reviews", "forum")
_NEG, _NEU, _POS = range(3)
_FIRST_NAMES = frozenset(n for by_gender in T.FIRST_NAMES.values() for names in by_gender.values() for n in names)
_SENT = T.SENTIMENTS  # ("neg", "neu", "pos")


# --- results ---------------------------------------------------------------------------


@dataclass
class DemoData:
    """The generated rows, as column lists ready for :func:`scrm.db.store.upsert_rows`, and the story."""

    tables: dict[str, Columns]
    story: dict[str, Any]

    def rows(self, table: str) -> int:
        cols = self.tables[table]
        return len(next(iter(cols.values()))) if cols else 0


@dataclass
class DemoSummary:
    """What :func:`build_demo` wrote: rows per table and the time it took."""

    seed: int
    scale: str
    counts: dict[str, int]
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    linked: str | None = None

    def summary(self) -> str:
        """One line for the CLI and the app.

        >>> DemoSummary(7, "small", {"customers": 5000, "orders": 50000, "mentions": 100000,
        ...             "surveys": 1500}, 9.87).summary()
        'Built the demo dataset (seed 7, small) in 9.9 s: 5,000 customers, 50,000 orders, 100,000 mentions, 1,500 surveys.'
        """
        parts = [f"{self.counts.get(t, 0):,} {t}" for t in (S.CUSTOMERS, S.ORDERS, S.MENTIONS, S.SURVEYS)]
        for t in (S.PROFILES, S.LINKS):
            if self.counts.get(t):
                parts.append(f"{self.counts[t]:,} {t}")
        return f"Built the demo dataset (seed {self.seed}, {self.scale}) in {self.seconds:.1f} s: {', '.join(parts)}."


# --- the public entry points ---------------------------------------------------------------


def build_demo(
    db: sqlite_utils.Database,
    seed: int = 7,
    scale: str = "small",
    progress: Progress | None = None,
    *,
    replace: bool = True,
    link: bool = True,
) -> DemoSummary:
    """Fill ``db`` with the demo dataset and return what was written.

    With ``replace`` (the default) customers, orders, mentions, surveys,
    profiles and links are emptied first, in the same transaction as the
    writes, so a failure leaves the database as it was. Sets the meta keys
    ``demo`` ("1"), ``demo_story`` (JSON of the planted truth) and
    ``own_brand``, then links profiles to customers with
    :func:`scrm.analysis.identity.link_profiles` unless ``link`` is False.
    ``progress(fraction, message)`` is called between stages.
    """
    if scale not in SCALES:
        raise ConfigError(Message(UNKNOWN_SCALE, {"scale": str(scale)}))
    report = progress or (lambda fraction, message: None)
    started = time.perf_counter()
    tables = (S.CUSTOMERS, S.ORDERS, S.MENTIONS, S.SURVEYS)
    if scale in SHARDS:
        generated = _write_parts(db, seed, scale, tables, report, replace=replace)
    else:
        data = generate_demo(seed, scale, progress=lambda f, m: report(0.7 * f, m))
        generated = time.perf_counter()

        report(0.7, "Writing the demo dataset")
        with store.transaction(db):
            if replace:
                for table in (*tables, S.PROFILES, S.LINKS):
                    db.execute(f'DELETE FROM "{table}"')
            for i, table in enumerate(tables):
                _write_table(db, data, table)
                report(0.7 + 0.2 * (i + 1) / len(tables), f"Wrote {data.rows(table):,} {table}")
            _write_story(db, data.story)
    written = time.perf_counter()

    linked: str | None = None
    if link:
        # Imported here: identity is a sibling module that also imports the store.
        from scrm.analysis.identity import link_profiles

        report(0.9, "Linking social profiles to customers")
        result = link_profiles(db, progress=lambda f, m: report(0.9 + 0.1 * f, m))
        linked = result.summary() if callable(getattr(result, "summary", None)) else str(result)
    finished = time.perf_counter()
    counts = store.counts(db)
    summary = DemoSummary(
        seed=seed,
        scale=scale,
        counts={t: counts.get(t, 0) for t in (*tables, S.PROFILES, S.LINKS)},
        seconds=round(finished - started, 2),
        stage_seconds={
            "generate": round(generated - started, 2),
            "write": round(written - generated, 2),
            "link": round(finished - written, 2),
        },
        linked=linked,
    )
    report(1.0, "Demo dataset ready")
    log.info("%s", summary.summary())
    return summary


def _write_table(db: sqlite_utils.Database, data: DemoData, table: str) -> None:
    cols = data.tables[table]
    names = list(cols)
    store.upsert_rows(db, table, names, zip(*(cols[c] for c in names), strict=True), total=data.rows(table))


def _write_story(db: sqlite_utils.Database, story: dict[str, Any]) -> None:
    store.set_meta(db, S.META_DEMO, "1")
    store.set_meta(db, S.META_OWN_BRAND, OWN_BRAND)
    store.set_meta(db, S.META_DEMO_STORY, json.dumps(story, ensure_ascii=False, sort_keys=True))


def _write_parts(
    db: sqlite_utils.Database, seed: int, scale: str, tables: Sequence[str], report: Progress, *, replace: bool
) -> float:
    """Generate and write a sharded scale part by part, one transaction each (the first empties the
    tables); returns the seconds spent generating. Only one part is in memory at a time."""
    parts = SHARDS[scale]
    generating = 0.0
    for k, data in enumerate(generate_demo_parts(seed, scale)):
        generating += data.story.pop("_seconds", 0.0)
        with store.transaction(db):
            if replace and k == 0:
                for table in (*tables, S.PROFILES, S.LINKS):
                    db.execute(f'DELETE FROM "{table}"')
            for table in tables:
                _write_table(db, data, table)
            if k == 0:
                # The first part's planted truth stands for the whole: the story of every part
                # (each profile of ten million mentions) would not fit in a meta value.
                _write_story(db, {**data.story, "scale": scale, "parts": parts})
        report(0.9 * (k + 1) / parts, f"Wrote part {k + 1} of {parts} ({data.rows(S.MENTIONS):,} mentions)")
        del data
    return generating


def generate_demo_parts(seed: int = 7, scale: str = "xl") -> Iterator[DemoData]:
    """The demo of a sharded scale (:data:`SHARDS`) as a stream of parts, each with its own ids,
    handles and e-mail addresses (unique across the parts) and its own story. Deterministic."""
    parts = SHARDS.get(scale, 1)
    whole = SCALES[scale]
    part = Scale(*(max(1, v // parts) for v in dataclasses.astuple(whole)))
    handles: _Handles | None = None
    emails: set[str] = set()
    for k in range(parts):
        t0 = time.perf_counter()
        world = _World(seed, part, scale, part_number=k, handles=handles, emails=emails)
        handles = world.handles
        data = _generate(world)
        data.story["_seconds"] = time.perf_counter() - t0
        del world
        yield data
        del data  # before the next part is made: one part in memory at a time


def generate_demo(seed: int = 7, scale: str = "small", progress: Progress | None = None) -> DemoData:
    """The demo rows and story, without touching a database (pure, deterministic).

    A sharded scale (xl) is too big to hold at once: use :func:`generate_demo_parts`.
    """
    if scale not in SCALES:
        raise ConfigError(Message(UNKNOWN_SCALE, {"scale": str(scale)}))
    if scale in SHARDS:
        raise ConfigError(Message("The demo scale '{scale}' is made part by part: build it into a database.", {"scale": scale}))
    return _generate(_World(seed, SCALES[scale], scale), progress)


def _generate(world: _World, progress: Progress | None = None) -> DemoData:
    report = progress or (lambda fraction, message: None)
    report(0.0, "Creating customers")
    world.make_customers()
    report(0.1, "Creating orders")
    world.make_orders()
    report(0.25, "Creating social media authors")
    world.make_authors()
    report(0.35, "Writing mentions")
    world.make_mentions()
    report(0.85, "Writing survey answers")
    world.make_surveys()
    report(1.0, "Demo data generated")
    return DemoData(
        tables={
            S.CUSTOMERS: world.customer_columns(),
            S.ORDERS: world.order_columns(),
            S.MENTIONS: world.mention_columns,
            S.SURVEYS: world.survey_columns,
        },
        story=world.story(),
    )


# --- the generator ---------------------------------------------------------------------------


def _weights(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], np.ndarray]:
    values = [v for v, _ in pairs]
    w = np.array([p for _, p in pairs], dtype=float)
    return values, w / w.sum()


def _cumulative(pairs: Sequence[tuple[str, float]]) -> tuple[list[str], list[float]]:
    values, p = _weights(pairs)
    return [str(v) for v in values], np.cumsum(p).tolist()


_CITY_CUMULATIVE = {c: _cumulative(T.CITIES[c]) for c in T.COUNTRIES}
_DOMAIN_CUMULATIVE = {c: _cumulative(T.EMAIL_DOMAINS[c]) for c in T.COUNTRIES}


class _Handles:
    """Unique handles: the first free spelling of a base, else base + digits."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()
        for accounts in T.BRAND_ACCOUNTS.values():
            self.used.update(h.lower() for h in (*accounts.social.values(), accounts.support))

    def take(self, base: str) -> str:
        base = base.strip("_")[:18] or "user"
        handle = base
        while handle.lower() in self.used:
            handle = f"{base}{int(self.rng.integers(1, 999))}"
        self.used.add(handle.lower())
        return handle


class _World:
    """All the state of one generation; methods run in order, each adding arrays."""

    def __init__(
        self, seed: int, scale: Scale, scale_name: str, *,
        part_number: int | None = None, handles: _Handles | None = None, emails: set[str] | None = None,
    ) -> None:
        self.seed = seed
        self.sc = scale
        self.scale_name = scale_name
        # A part of a sharded scale: its own draws, ids numbered after the parts before it,
        # handles and e-mail addresses unique across the parts (shared sets).
        root = np.random.default_rng(seed if part_number is None else [seed, 1 + part_number])
        # Ids of a part start with its number (C07-000123): a part's row counts are not exact.
        self.id_prefix = "" if part_number is None else f"{part_number + 1:02d}-"
        self.email_seen: set[str] = set() if emails is None else emails
        # One child generator per stage: a change in one stage leaves the others' draws alone.
        (self.rng_c, self.rng_o, self.rng_a, self.rng_m, self.rng_t, self.rng_s, self.rng_h) = root.spawn(7)
        self.handles = handles if handles is not None else _Handles(self.rng_h)
        self.products = {b: [p for p in T.PRODUCTS if p.brand == b] for b in BRANDS}

    # --- customers -------------------------------------------------------------------------

    def make_customers(self) -> None:
        rng, sc = self.rng_c, self.sc
        n = sc.customers
        # B2B accounts: about 3 % of customers, 2 to 6 contacts each.
        n_acc = max(3, round(n * 0.03 / 4))
        contacts = rng.integers(2, 7, n_acc)
        n_b2b = int(contacts.sum())
        acc_country = rng.choice(T.COUNTRIES, n_acc, p=[0.38, 0.3, 0.32])
        acc_kind = rng.choice(T.ACCOUNT_KINDS, n_acc, p=[0.4, 0.35, 0.25])
        acc_names: list[str] = []
        acc_cities: list[str] = []
        acc_domains: list[str] = []
        seen: set[str] = set()
        for a in range(n_acc):
            acc_c, kind = str(acc_country[a]), str(acc_kind[a])
            city = self._city(rng, acc_c)
            name = T.pick(T.ACCOUNT_NAMES[acc_c][kind], float(rng.random())).format(city=city)
            if name in seen:
                name = f"{name} {city}"
            while name in seen:
                name = f"{name} {int(rng.integers(2, 9))}"
            seen.add(name)
            acc_names.append(name)
            acc_cities.append(city)
            tld = {"ES": "es", "FR": "fr", "GB": "co.uk"}[acc_c]
            words = [w for w in name.split() if T.ascii_fold(w) not in {"hotel", "the", "cafe", "de", "des", "la", "le", "el", "du", "co"}]
            acc_domains.append("".join(T.ascii_fold(w) for w in words)[:22] + "." + tld)
        self.account_names = acc_names

        # Who is who: B2B contacts are spread among the ids, not all at the start.
        b2b_slots = np.sort(rng.choice(n, n_b2b, replace=False))
        is_b2b = np.zeros(n, dtype=bool)
        is_b2b[b2b_slots] = True
        account = np.full(n, -1)
        account[b2b_slots] = np.repeat(np.arange(n_acc), contacts)
        primary_contact = np.zeros(n, dtype=bool)
        primary_contact[b2b_slots[np.concatenate([[0], np.cumsum(contacts)[:-1]])]] = True

        country = rng.choice(T.COUNTRIES, n, p=[0.36, 0.30, 0.34])
        country[is_b2b] = acc_country[account[is_b2b]]
        gender = np.where(rng.random(n) < 0.56, "f", "m")
        names, firsts, lasts, cities, emails, phones = [], [], [], [], [], []
        email_seen = self.email_seen
        u = rng.random((n, 8))
        for i in range(n):
            c, g, ui = str(country[i]), str(gender[i]), u[i].tolist()
            first = T.pick(T.FIRST_NAMES[c][g], ui[0])
            last = T.pick(T.SURNAMES[c], ui[1])
            # Most Spaniards carry two surnames.
            full_last = f"{last} {T.pick(T.SURNAMES[c], ui[3])}" if c == "ES" and ui[2] < 0.85 else last
            name = f"{first} {full_last}"
            city = acc_cities[account[i]] if is_b2b[i] else self._city_u(c, ui[4])
            email: str | None
            if is_b2b[i]:
                email = self._b2b_email(first, last, acc_domains[account[i]], ui[5], email_seen)
            else:
                email = self._email(c, first, last, full_last, ui[5], ui[6], ui[7], email_seen)
            names.append(name)
            firsts.append(first)
            lasts.append(last)
            cities.append(city)
            emails.append(email)
            phones.append(self._phone(rng, c))
        self.c_name = names
        self.c_first = firsts
        self.c_last = lasts
        self.c_city = cities
        self.c_email = emails
        self.c_phone = phones
        self.c_country = country
        self.c_lang = np.array([T.COUNTRY_LANG[str(x)] for x in country])
        self.c_account = account
        self.c_is_b2b = is_b2b
        self.c_primary = primary_contact
        self.c_ids = [f"C{self.id_prefix}{i + 1:06d}" for i in range(n)]

        # Buyer types, personas and the numbers behind them.
        btype = rng.choice([FREQUENT, SPORADIC, SEASONAL, ONE_OFF], n, p=[0.12, 0.43, 0.13, 0.32])
        btype[is_b2b] = B2B
        # Satisfaction: loyal buyers are happier on average; it drives their posts and surveys.
        mood = rng.normal(0.0, 1.0, n) + np.array([0.5, 0.1, 0.0, -0.3, 0.3])[btype]
        spend = rng.lognormal(0.0, 0.3, n)
        free = ~is_b2b
        ambassadors = self._pick(rng, free & (btype == FREQUENT), sc.ambassadors)
        free[ambassadors] = False
        adv_customers = self._pick(rng, free & np.isin(btype, [ONE_OFF, SPORADIC]), sc.advocate_customers)
        free[adv_customers] = False
        det_pool = free & np.isin(btype, [FREQUENT, SPORADIC])
        det_customers = self._pick(rng, det_pool, sc.detractor_customers)
        free[det_customers] = False
        # Ordinary customers who also post: any kind, B2B contacts included.
        n_regular = max(0, round(n * CUSTOMER_AUTHOR_SHARE) - len(ambassadors) - len(adv_customers) - len(det_customers))
        regular = self._pick(rng, free | is_b2b, n_regular)
        mood[ambassadors] = 2.0 + np.abs(rng.normal(0, 0.3, len(ambassadors)))
        mood[adv_customers] = 1.6 + np.abs(rng.normal(0, 0.3, len(adv_customers)))
        mood[det_customers] = -2.0 - np.abs(rng.normal(0, 0.3, len(det_customers)))
        spend[ambassadors] *= 1.8
        spend[det_customers] *= 1.5
        self.c_type = btype
        self.c_mood = mood
        self.c_spend = spend
        self.ambassadors = ambassadors
        self.adv_customers = adv_customers
        self.det_customers = det_customers
        self.regular_authors = regular

        # When they joined: some long before the window, most during it.
        legacy_p = np.select([btype == FREQUENT, btype == B2B, btype == SPORADIC], [0.55, 0.5, 0.35], 0.2)
        legacy = rng.random(n) < legacy_p
        legacy[ambassadors] = True
        first_day = _day("2019-03-01")
        created = np.where(
            legacy,
            rng.integers(first_day, 0, n),
            _sample_days(rng, _cdf(1.0 + np.arange(N_DAYS) / N_DAYS), np.zeros(n, np.int64), np.full(n, N_DAYS - 20)),
        )
        # Seasonal buyers join in their season, before its last occurrence.
        season = np.where(rng.random(n) < 0.6, 0, 1)  # 0 winter, 1 summer
        seasonal = np.flatnonzero(btype == SEASONAL)
        new_seasonal = seasonal[~legacy[seasonal]]
        for s, mask in ((0, _WINTER_SEASON), (1, _SUMMER_SEASON)):
            rows = new_seasonal[season[new_seasonal] == s]
            cutoff = _day("2025-12-31") if s == 0 else _day("2026-07-10")
            w = np.where(mask, 1.0, 0.0)
            w[cutoff:] = 0.0
            created[rows] = _sample_days(rng, _cdf(w), np.zeros(len(rows), np.int64), np.full(len(rows), cutoff))
        self.c_season = season
        self.c_created_day = created
        created_s = created.astype(np.int64) * 86_400 + rng.integers(8 * 3600, 22 * 3600, n)
        self.c_created_s = created_s

        # Who stops buying: a share of the regulars, and half the detractors after the crisis.
        start = np.maximum(created, 0)
        end = np.full(n, N_DAYS - 1)
        churn = np.isin(btype, [FREQUENT, SPORADIC, B2B]) & (rng.random(n) < 0.22)
        churn[ambassadors] = False
        churn[det_customers] = False
        span = (N_DAYS - 1 - start).astype(float)
        end[churn] = (start[churn] + span[churn] * rng.uniform(0.35, 0.9, churn.sum())).astype(int)
        det_churn = det_customers[rng.random(len(det_customers)) < 0.5]
        end[det_churn] = np.minimum(N_DAYS - 1, _CRISIS1 + rng.integers(5, 45, len(det_churn)))
        self.c_start = start
        self.c_end = np.maximum(end, start)

        self.c_consent = np.where(rng.random(n) < 0.65, 1, 0)
        self.c_consent[ambassadors] = (rng.random(len(ambassadors)) < 0.9).astype(int)
        self.c_consent[det_customers] = (rng.random(len(det_customers)) < 0.4).astype(int)
        self.c_handles: dict[str, list[str | None]] = {p: [None] * n for p in S.HANDLE_PLATFORMS}
        self.c_attributes: list[str | None] = [None] * n
        titles_u = rng.random(n)
        for i in np.flatnonzero(is_b2b).tolist():
            c = str(country[i])
            self.c_attributes[i] = json.dumps(
                {
                    "account_type": str(acc_kind[account[i]]),
                    "job_title": T.pick(T.JOB_TITLES[c], float(titles_u[i])),
                    "vat_id": f"{c}{int(rng.integers(10_000_000, 99_999_999))}",
                },
                ensure_ascii=False,
            )

    @staticmethod
    def _pick(rng: np.random.Generator, mask: np.ndarray, k: int) -> np.ndarray:
        pool = np.flatnonzero(mask)
        k = min(k, len(pool))
        return np.sort(rng.choice(pool, k, replace=False)) if k else np.array([], dtype=np.int64)

    @staticmethod
    def _city(rng: np.random.Generator, country: str) -> str:
        return _World._city_u(country, float(rng.random()))

    @staticmethod
    def _city_u(country: str, u: float) -> str:
        cities, cum = _CITY_CUMULATIVE[country]
        return cities[min(bisect.bisect_right(cum, u), len(cities) - 1)]

    def _email(self, country: str, first: str, last: str, full_last: str, u1: float, u2: float, u3: float, seen: set[str]) -> str | None:
        if u3 < 0.03:
            return None  # no address on file
        f, la = T.ascii_fold(first), T.ascii_fold(last)
        la2 = T.ascii_fold(full_last.split(" ")[-1]) if " " in full_last else la
        yy = f"{int(u2 * 1000) % 40 + 70:02d}"[-2:]
        nn = str(int(u2 * 10_000) % 100)
        patterns = (
            f"{f}.{la}",
            f"{f}{la}",
            f"{f[0]}{la}",
            f"{f}_{la}{yy}",
            f"{f}{yy}",
            f"{f}.{la}{nn}",
            f"{la}.{f}",
            f"{f}.{la}.{la2}" if la2 != la else f"{f}.{la}{yy}",
            f"{f[0]}.{la}",
            f"{f}{la[:3]}{nn}",
        )
        local = T.pick(patterns, u1)
        domains, cum = _DOMAIN_CUMULATIVE[country]
        domain = domains[min(bisect.bisect_right(cum, u2), len(domains) - 1)]
        email = f"{local}@{domain}"
        k = 2
        while email.lower() in seen:
            email = f"{local}{k}@{domain}"
            k += 1
        seen.add(email.lower())
        # How addresses really arrive in a CRM: some capitalised, a few mistyped.
        if u3 > 0.96:
            email = f"{first.split()[0]}.{last}@{domain}".replace(" ", "") if u3 > 0.985 else email.capitalize()
            email = T.strip_accents(email)
        elif 0.03 <= u3 < 0.042:
            email = email.replace(domain, T.EMAIL_TYPOS.get(domain, domain))
        return email

    @staticmethod
    def _b2b_email(first: str, last: str, domain: str, u: float, seen: set[str]) -> str:
        f, la = T.ascii_fold(first), T.ascii_fold(last)
        local = T.pick((f"{f}.{la}", f"{f[0]}.{la}", f"{f}", f"{f[0]}{la}"), u)
        email = f"{local}@{domain}"
        k = 2
        while email in seen:
            email = f"{local}{k}@{domain}"
            k += 1
        seen.add(email)
        return email

    @staticmethod
    def _phone(rng: np.random.Generator, country: str) -> str | None:
        u = float(rng.random())
        d = rng.integers(0, 10, 9).tolist()
        if u < 0.08:
            return None
        s = "".join(map(str, d))
        if country == "ES":
            s = ("6" if u < 0.8 else "7") + s[1:]
            return (f"+34 {s[:3]} {s[3:6]} {s[6:]}", s, f"+34{s}", f"{s[:3]} {s[3:5]} {s[5:7]} {s[7:]}")[int(u * 40) % 4]
        if country == "FR":
            s = ("6" if u < 0.7 else "7") + s[1:]
            pairs = " ".join(s[i : i + 2] for i in range(1, 9, 2))
            return (f"+33 {s[0]} {pairs}", f"0{s[0]} {pairs}", f"0{s}", f"+33{s}")[int(u * 40) % 4]
        s = "7" + s[1:] + str(d[0])
        return (f"+44 {s[:4]} {s[4:]}", f"0{s[:4]} {s[4:]}", f"+44{s}", f"0{s}")[int(u * 40) % 4]

    # --- orders ----------------------------------------------------------------------------------

    def make_orders(self) -> None:
        rng, sc = self.rng_o, self.sc
        n = sc.customers
        btype, start, end = self.c_type, self.c_start, self.c_end
        months = (end - start + 1) / 30.4
        rate = np.select(
            [btype == FREQUENT, btype == SPORADIC, btype == B2B],
            [rng.uniform(1.0, 2.2, n), rng.uniform(0.08, 0.35, n), rng.uniform(0.6, 1.6, n)],
            0.0,
        )
        rate[self.c_primary] *= 2.0
        rate[self.ambassadors] = rng.uniform(2.0, 3.0, len(self.ambassadors))
        lam = rate * months
        # Seasonal buyers: about one and a half orders per season they are around for.
        # Days of each season from a day to the end, over the length of one season.
        winter_left = np.cumsum(_WINTER_SEASON[::-1])[::-1][np.clip(start, 0, N_DAYS - 1)] / 58.0
        summer_left = np.cumsum(_SUMMER_SEASON[::-1])[::-1][np.clip(start, 0, N_DAYS - 1)] / 38.0
        seasons_left = np.where(self.c_season == 0, winter_left, summer_left)
        lam_seasonal = np.where(btype == SEASONAL, 1.5 * np.maximum(seasons_left, 0.5), 0.0)
        base_target = sc.orders / 1.03  # returns come on top
        fixed = float((btype == ONE_OFF).sum()) + lam_seasonal.sum()
        k = max(0.3, (base_target - fixed) / max(lam.sum(), 1.0))
        counts = rng.poisson(lam * k + lam_seasonal)
        counts = np.where(btype == ONE_OFF, 1, counts)
        counts = np.maximum(counts, np.select([btype == FREQUENT, btype == SPORADIC], [3, 2], 1))
        cust = np.repeat(np.arange(n), counts)
        total = len(cust)
        first_pos = np.concatenate([[0], np.cumsum(counts)[:-1]])

        lo, hi = start[cust], end[cust]
        day = _sample_days(rng, _cdf(_order_weights()), lo, hi)
        ow = _order_weights()
        for s, mask in ((0, _WINTER_SEASON), (1, _SUMMER_SEASON)):
            rows = np.flatnonzero((btype[cust] == SEASONAL) & (self.c_season[cust] == s))
            day[rows] = _sample_days(rng, _cdf(np.where(mask, ow, 0.0)), lo[rows], np.full(len(rows), N_DAYS - 1))
        one = btype[cust] == ONE_OFF
        day[one] = np.minimum(N_DAYS - 1, lo[one] + rng.geometric(0.25, one.sum()) - 1)
        # New customers place their first order the day they sign up.
        new = self.c_created_day >= 0
        firsts = first_pos[new & (btype != SEASONAL)]
        day[firsts] = start[cust[firsts]]

        # Channel: each customer has a habit; stores only where there is one.
        habit = rng.choice(3, n, p=[0.45, 0.33, 0.22])  # online, store, app
        habit[self.c_is_b2b] = rng.choice(2, int(self.c_is_b2b.sum()), p=[0.7, 0.3])
        has_store = np.array([c in T.STORE_CITIES[str(k_)] for c, k_ in zip(self.c_city, self.c_country, strict=True)])
        channel = np.where(rng.random(total) < 0.75, habit[cust], rng.choice(3, total, p=[0.5, 0.3, 0.2]))
        channel[(channel == 1) & ~has_store[cust] & (rng.random(total) < 0.7)] = 0
        t = np.where(
            channel == 1,
            _times(rng, day, _H_STORE),
            _times(rng, day, _H_ONLINE),
        )
        # Amounts: unit prices per category, items, the customer's spend level, sales.
        cat_p = np.array([0.12, 0.15, 0.25, 0.22, 0.26])
        pref = rng.choice(5, n, p=cat_p)
        category = np.where(rng.random(total) < 0.45, pref[cust], rng.choice(5, total, p=cat_p))
        median = np.array([380.0, 65.0, 29.0, 19.0, 22.0])[category]
        sigma = np.array([0.55, 0.5, 0.55, 0.5, 0.6])[category]
        unit = np.exp(np.log(median) + sigma * rng.standard_normal(total))
        b2b = btype[cust] == B2B
        items = np.where(category == 0, 1 + (rng.random(total) < 0.1), 1 + np.minimum(rng.poisson(0.8, total), 7))
        items = np.where(b2b, np.where(category == 0, rng.integers(2, 13, total), rng.integers(6, 41, total)), items)
        unit = unit * self.c_spend[cust]
        sale = _SALE_DAYS[day]
        unit = np.where(sale, unit * rng.uniform(0.7, 0.9, total), unit)
        gbp = self.c_country[cust] == "GB"
        unit = np.where(gbp, unit * T.GBP_PER_EUR, unit)
        cents = rng.choice(np.array([0.99, 0.95, 0.0, 0.5]), total, p=[0.5, 0.2, 0.2, 0.1])
        unit = np.maximum(np.floor(unit), 1.0) + cents
        amount = np.round(unit * items, 2)

        # Returns: about 3 % of orders, more for furniture and textiles and around the crisis.
        n_ret = round(total * 0.03)
        wret = np.array([1.5, 1.0, 1.3, 0.6, 0.7])[category] * np.where(b2b, 0.3, 1.0)
        wret = wret * np.where((day >= _CRISIS0 - 20) & (day <= _CRISIS1), 3.0, 1.0)
        src = np.sort(rng.choice(total, n_ret, replace=False, p=wret / wret.sum()))
        rt = t[src] + rng.integers(2 * 86_400, 30 * 86_400, n_ret)
        keep = rt <= _END_S
        src, rt = src[keep], rt[keep]
        partial = rng.random(len(src)) < 0.2
        r_amount = np.where(partial, -np.round(unit[src] * 1.0, 2), -amount[src])
        r_items = np.where(partial, -1, -items[src])

        all_cust = np.concatenate([cust, cust[src]])
        all_t = np.concatenate([t, rt])
        order = np.lexsort((np.arange(len(all_t)), all_t))
        self.o_cust = all_cust[order]
        self.o_t = all_t[order]
        self.o_amount = np.concatenate([amount, r_amount])[order]
        self.o_items = np.concatenate([items, r_items])[order]
        self.o_channel = np.concatenate([channel, channel[src]])[order]
        self.o_category = np.concatenate([category, category[src]])[order]
        self.o_is_return = np.concatenate([np.zeros(total, bool), np.ones(len(src), bool)])[order]
        self.o_ids = [f"O{self.id_prefix}{i + 1:07d}" for i in range(len(order))]
        # Per customer, orders sorted by time: to find "the latest order before t".
        by_cust = np.lexsort((self.o_t, self.o_cust))
        self.o_by_cust = by_cust
        self.o_keys = self.o_cust[by_cust].astype(np.int64) * (1 << 32) + self.o_t[by_cust]
        real = ~self.o_is_return
        first_t = np.full(n, _END_S, dtype=np.int64)
        np.minimum.at(first_t, self.o_cust[real], self.o_t[real])
        self.c_first_order_s = first_t
        # An account exists before its first order: signing up is part of the first purchase.
        has_orders = first_t < _END_S
        before = first_t - rng.integers(60, 3600, n)
        self.c_created_s = np.where(has_orders, np.minimum(self.c_created_s, before), self.c_created_s)

    def latest_order(self, cust: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Index (into the order arrays) of each customer's latest order at or before ``t``; -1 if none."""
        keys = cust.astype(np.int64) * (1 << 32) + t
        pos = np.searchsorted(self.o_keys, keys, side="right") - 1
        ok = (pos >= 0) & (self.o_cust[self.o_by_cust[np.maximum(pos, 0)]] == cust)
        return np.where(ok, self.o_by_cust[np.maximum(pos, 0)], -1)

    # --- authors ---------------------------------------------------------------------------------

    def make_authors(self) -> None:
        rng, sc = self.rng_a, self.sc
        a: dict[str, list[Any]] = {k: [] for k in (
            "handle", "name", "lang", "location", "city", "followers", "platform", "platform2",
            "persona", "cust", "method", "email", "d0", "d1",
        )}
        self.a = a
        name_cities: dict[str, set[str]] = {}
        for nm, city in zip(self.c_name, self.c_city, strict=True):
            name_cities.setdefault(T.name_key(nm), set()).add(city)
        self.name_cities = name_cities
        customer_key_city = [(T.name_key(nm), city) for nm, city in zip(self.c_name, self.c_city, strict=True)]
        key_city_count: dict[tuple[str, str], int] = {}
        for kc in customer_key_city:
            key_city_count[kc] = key_city_count.get(kc, 0) + 1

        first_day = np.clip(self.c_first_order_s // 86_400, 0, N_DAYS - 1)

        def add(**kw: Any) -> None:
            for k in a:
                a[k].append(kw.get(k))

        # Customers who post, with the way their profile can be recognised.
        groups = [
            (self.ambassadors, ADVOCATE, (0.5, 0.5, 0.0)),
            (self.adv_customers, ADVOCATE, (0.4, 0.3, 0.3)),
            (self.det_customers, DETRACTOR, (0.35, 0.35, 0.3)),
            (self.regular_authors, CUSTOMER, (0.4, 0.3, 0.3)),
        ]
        for members, persona, method_p in groups:
            methods = rng.choice(3, len(members), p=np.array(method_p))
            for i, m in zip(members.tolist(), methods.tolist(), strict=True):
                c = str(self.c_country[i])
                lang = T.COUNTRY_LANG[c]
                if m == BY_EMAIL and not self.c_email[i]:
                    m = BY_HANDLE
                if m == BY_NAME_CITY and key_city_count[customer_key_city[i]] > 1:
                    m = BY_HANDLE
                u = rng.random(6).tolist()
                handle = self.handles.take(self._name_handle(self.c_first[i], self.c_last[i], u[0], u[1]))
                name = self.c_name[i]
                if m != BY_NAME_CITY and u[2] < 0.2:
                    name = f"{self.c_first[i]} {self.c_last[i][0]}." if u[3] < 0.5 else f"{self.c_first[i]} {self.c_last[i]}"
                if m == BY_NAME_CITY or u[4] < 0.5:
                    location = self._location_of(self.c_city[i], c, u[5])
                else:
                    location = None
                if m == BY_HANDLE:
                    platform = str(rng.choice(["twitter", "instagram", "tiktok"], p=[0.45, 0.4, 0.15]))
                    self.c_handles[platform][i] = self._handle_as_typed(handle, platform, float(rng.random()))
                elif m == BY_EMAIL:
                    platform = str(rng.choice(["twitter", "instagram", "facebook"], p=[0.4, 0.35, 0.25]))
                else:
                    platform = str(rng.choice(["facebook", "twitter", "forum"], p=[0.5, 0.3, 0.2]))
                if persona == ADVOCATE:
                    followers = int(np.clip(rng.lognormal(np.log(700), 0.9), 80, 12_000))
                elif persona == DETRACTOR:
                    followers = int(np.clip(rng.lognormal(np.log(4_000), 0.8), 1_200, 40_000))
                else:
                    followers = int(np.clip(rng.lognormal(np.log(150), 1.1), 10, 2_000))
                d0 = int(max(0, first_day[i] - 7))
                d1 = int(min(N_DAYS - 1, self.c_end[i] + 60))
                add(handle=handle, name=name, lang=lang, location=location, followers=followers,
                    platform=platform, platform2=None, persona=persona, cust=i, method=m,
                    email=self.c_email[i] if m == BY_EMAIL else None, d0=d0, d1=max(d0, d1))

        # Other customers with a handle on file: ~15 % of customers have one in all.
        n = sc.customers
        has_any = np.zeros(n, dtype=bool)
        for p in ("twitter", "instagram", "tiktok"):
            has_any |= np.array([h is not None for h in self.c_handles[p]])
        want = max(0, round(0.15 * n) - int(has_any.sum()))
        is_author = np.zeros(n, dtype=bool)
        is_author[[c for c in a["cust"] if c is not None]] = True
        extra = self._pick(rng, ~has_any & ~is_author, want)
        for i in extra.tolist():
            u = rng.random(3).tolist()
            handle = self.handles.take(self._name_handle(self.c_first[i], self.c_last[i], u[0], u[1]))
            platform = T.pick(("instagram", "instagram", "twitter", "tiktok"), u[2])
            self.c_handles[platform][i] = self._handle_as_typed(handle, platform, float(rng.random()))
        for i in np.flatnonzero(self.c_is_b2b & (rng.random(n) < 0.5)).tolist():
            slug = f"{T.ascii_fold(self.c_first[i])}-{T.ascii_fold(self.c_last[i])}-{int(rng.integers(10, 999))}"
            self.c_handles["linkedin"][i] = slug if rng.random() < 0.6 else f"https://www.linkedin.com/in/{slug}"

        # Namesakes: people called like a customer who live elsewhere (suggestions, never links).
        taken = is_author.copy()
        namesakes = self._pick(rng, ~taken, sc.name_alikes)
        self.namesake_of: dict[int, int] = {}
        for i in namesakes.tolist():
            c = str(self.c_country[i])
            lang = T.COUNTRY_LANG[c]
            u = rng.random(4).tolist()
            handle = self.handles.take(self._name_handle(self.c_first[i], self.c_last[i], u[0], u[1]))
            others = [city for city, _ in T.CITIES[c] if city not in name_cities[T.name_key(self.c_name[i])]]
            city = T.pick(others, u[2]) if others and u[3] < 0.6 else None
            location = self._location_of(city, c, u[3]) if city else None
            self.namesake_of[len(a["handle"])] = i
            add(handle=handle, name=self.c_name[i], lang=lang, location=location, city=city,
                followers=int(np.clip(rng.lognormal(np.log(150), 1.1), 10, 2_000)),
                platform=str(rng.choice(["twitter", "instagram", "facebook"], p=[0.45, 0.3, 0.25])),
                platform2=None, persona=NAMESAKE, cust=None, method=None, email=None, d0=0, d1=N_DAYS - 1)

        # Planted people who are not customers, then everybody else.
        n_adv = max(0, sc.advocates - len(self.ambassadors) - len(self.adv_customers))
        n_det = max(0, sc.detractors - len(self.det_customers))
        for persona, count in ((ADVOCATE, n_adv), (DETRACTOR, n_det), (INFLUENCER, sc.influencers)):
            self._add_strangers(rng, add, persona, count)
        self._add_strangers(rng, add, BACKGROUND, max(0, sc.authors - len(a["handle"])))

        self.n_authors = len(a["handle"])
        self.a_persona = np.array(a["persona"])
        self.a_cust = np.array([-1 if c is None else c for c in a["cust"]])
        self.a_method = np.array([-1 if m is None else m for m in a["method"]])
        self.a_lang = np.array(a["lang"])
        self.a_followers = np.array(a["followers"], dtype=np.int64)
        self.a_platform = np.array(a["platform"])
        self.a_platform2 = np.array([p or "" for p in a["platform2"]])
        self.a_d0 = np.array(a["d0"], dtype=np.int64)
        self.a_d1 = np.array(a["d1"], dtype=np.int64)
        self._clear_lookalike_locations()

    def _clear_lookalike_locations(self) -> None:
        """Forget the city of people who are not customers but are named like a customer there.

        Identity linking may link a close name in the same city (``Abigail
        Richardson`` in London to the customer ``Abigail Richards`` in
        London); such accidental links would blur the planted truth.
        """
        from rapidfuzz import fuzz, process

        # Compare only names that share the start of a word (as identity linking blocks them).
        blocks: dict[tuple[str, str], list[str]] = {}
        for nm, city in zip(self.c_name, self.c_city, strict=True):
            key = T.name_key(nm)
            for word in {w[:3] for w in key.split()}:
                blocks.setdefault((city, word), []).append(key)
        a = self.a
        for j in range(self.n_authors):
            city = a["city"][j]
            if city is None or self.a_cust[j] >= 0:
                continue
            key = T.name_key(a["name"][j])
            if len(key.split()) < 2:
                continue
            candidates = [k for w in sorted({w[:3] for w in key.split()}) for k in blocks.get((city, w), [])]
            if candidates and process.extractOne(key, candidates, scorer=fuzz.ratio, score_cutoff=78) is not None:
                a["location"][j] = None
                a["city"][j] = None

    def _add_strangers(self, rng: np.random.Generator, add: Callable[..., None], persona: int, count: int) -> None:
        """People who are not customers: planted advocates, detractors, influencers, or the crowd."""
        if count <= 0:
            return
        langs = rng.choice(T.LANGS, count, p=[0.46, 0.29, 0.25]).tolist()
        uu = rng.random((count, 12))
        if persona == INFLUENCER:
            followers = np.exp(rng.uniform(np.log(50_000), np.log(2_000_000), count))
            platform = rng.choice(["instagram", "tiktok", "twitter"], count, p=[0.55, 0.35, 0.1])
            platform2 = np.where(platform == "instagram", "tiktok", "instagram")
        elif persona == ADVOCATE:
            followers = np.clip(rng.lognormal(np.log(700), 0.9, count), 80, 12_000)
            platform = rng.choice(["instagram", "twitter", "facebook", "tiktok"], count, p=[0.45, 0.35, 0.12, 0.08])
            platform2 = np.where(platform != "instagram", "instagram", "facebook")
        elif persona == DETRACTOR:
            followers = np.clip(rng.lognormal(np.log(4_000), 0.8, count), 1_200, 40_000)
            platform = rng.choice(["twitter", "facebook", "instagram"], count, p=[0.65, 0.25, 0.1])
            platform2 = np.where(platform != "facebook", "facebook", "twitter")
        else:
            followers = np.clip(rng.lognormal(np.log(150), 1.1, count), 10, 2_000)
            platform = rng.choice(["twitter", "instagram", "facebook", "tiktok", "forum"], count, p=[0.38, 0.26, 0.18, 0.10, 0.08])
            platform2 = rng.choice(["twitter", "instagram", "facebook"], count)
            platform2 = np.where((uu[:, 11] < 0.2) & (platform2 != platform), platform2, "")
        d0 = rng.integers(0, N_DAYS // 2, count) if persona == ADVOCATE else np.zeros(count, dtype=np.int64)
        name_share = 0.5 if persona == INFLUENCER else 0.55
        for k in range(count):
            lang = langs[k]
            country = {"en": "GB", "es": "ES", "fr": "FR"}[lang]
            u = uu[k].tolist()
            if u[0] < name_share:
                first = T.pick(T.FIRST_NAMES[country]["f" if u[1] < 0.6 else "m"], u[2])
                last = T.pick(T.SURNAMES[country], u[3])
                handle = self.handles.take(self._name_handle(first, last, u[4], u[5]))
                if persona == INFLUENCER:
                    name = f"{first} | {T.pick(('Home & Interiors', 'Casa y Deco', 'Déco & Maison'), {'en': 0.1, 'es': 0.5, 'fr': 0.9}[lang])}"
                elif u[6] < 0.35:
                    name = f"{first} {last}"
                elif u[6] < 0.6:
                    name = first
                elif u[6] < 0.9:
                    name = f"{first} {last[0]}."
                else:
                    name = f"{first} {last}".lower()
            else:
                words = T.HANDLE_WORDS[lang]
                w1, w2 = T.pick(words, u[2]), T.pick(words, u[3])
                if w1 == w2:
                    w2 = words[(words.index(w2) + 1) % len(words)]
                base = f"{w1}_{w2}" if u[4] < 0.4 else (f"{w1}{w2}" if u[4] < 0.7 else f"{w1}{w2}{int(u[5] * 99)}")
                handle = self.handles.take(base)
                name = f"{w1.capitalize()} {w2}{T.pick(T.NICKNAME_EMOJI, u[6])}"
            city: str | None = None
            if u[7] < 0.45:
                location = None
            elif u[7] < 0.8:
                city = self._city_u(country, u[8])
                location = self._location_of(city, country, u[9])
            else:
                location = T.pick(T.VAGUE_LOCATIONS[lang], u[8])
            add(handle=handle, name=name, lang=lang, location=location, city=city, followers=int(followers[k]),
                platform=str(platform[k]), platform2=str(platform2[k]) or None, persona=persona, cust=None,
                method=None, email=None, d0=int(d0[k]), d1=N_DAYS - 1)

    @staticmethod
    def _name_handle(first: str, last: str, u1: float, u2: float) -> str:
        f, la = T.ascii_fold(first), T.ascii_fold(last)
        yy = str(int(u2 * 40) + 70 if u2 < 0.6 else int(u2 * 1000) % 100).zfill(2)
        return T.pick(
            (f"{f}{la}", f"{f}_{la}", f"{f}{la[0]}{yy}", f"{f}_{yy}", f"{f[0]}{la}", f"{la}{f[:3]}",
             f"{f}.{la}".replace(".", "_"), f"soy{f}" if u2 > 0.5 else f"its{f}", f"{f}{la}{yy}", f"{f}_{la[:4]}"),
            u1,
        )

    @staticmethod
    def _handle_as_typed(handle: str, platform: str, u: float) -> str:
        """A handle as a person types it into a form: with @, in capitals, as a link."""
        if u < 0.3:
            return "@" + handle
        if u < 0.38:
            domain = {"twitter": "x.com", "instagram": "instagram.com", "tiktok": "tiktok.com/@"}[platform]
            return f"https://{domain}/{handle}".replace("/@/", "/@")
        if u < 0.45:
            return handle.capitalize()
        return handle

    @staticmethod
    def _location_of(city: str, country: str, u: float) -> str:
        if u < 0.65:
            return city
        return f"{city}, {T.pick(T.COUNTRY_IN_LOCATION[country], (u - 0.65) / 0.35)}"

    # --- mentions --------------------------------------------------------------------------------

    def make_mentions(self) -> None:
        rng, sc = self.rng_m, self.sc
        persona = self.a_persona
        n_auth = self.n_authors
        total = sc.mentions
        self.n_brand_posts = round(624 * min(2.0, (total / 100_000) ** 0.5))
        n_orig_target = round(0.70 * total)

        # Posts per author: planted people are busy; everyone else follows a Zipf-like law.
        n_posts = np.zeros(n_auth, dtype=np.int64)
        n_posts[persona == ADVOCATE] = 6 + rng.poisson(7, (persona == ADVOCATE).sum())
        n_posts[persona == DETRACTOR] = 5 + rng.poisson(6, (persona == DETRACTOR).sum())
        n_posts[persona == INFLUENCER] = 4 + rng.poisson(8, (persona == INFLUENCER).sum())
        n_posts[persona == CUSTOMER] = 1 + rng.poisson(2.5, (persona == CUSTOMER).sum())
        n_posts[persona == NAMESAKE] = 1 + rng.poisson(1.0, (persona == NAMESAKE).sum())
        bg = np.flatnonzero(persona == BACKGROUND)
        weekly = n_orig_target / (N_DAYS / 7 + 3.4)  # the crisis adds 3.4 weeks' worth
        n_crisis_week = round(2.6 * weekly)
        n_crisis_after = round(0.8 * weekly)
        left = n_orig_target - int(n_posts.sum()) - n_crisis_week - n_crisis_after - len(bg)
        zipf = 1.0 / (rng.permutation(len(bg)) + 30.0)
        self.bg_weight = np.zeros(n_auth)
        self.bg_weight[bg] = zipf
        n_posts[bg] = 1 + rng.multinomial(max(left, 0), zipf / zipf.sum())
        author = np.repeat(np.arange(n_auth), n_posts)
        m = len(author)

        # Time: each author within their window, on the conversation curve.
        cdf = _cdf(_mention_weights())
        day = _sample_days(rng, cdf, self.a_d0[author], self.a_d1[author])
        crisis = np.zeros(m, dtype=bool)

        # The crisis week: complaints from affected customers and the public.
        crisis_authors = self._crisis_authors(rng, n_crisis_week + n_crisis_after)
        cw = np.array([0.6, 1.6, 2.0, 1.7, 1.3, 0.9, 0.7])
        c_days = np.concatenate([
            _CRISIS0 + rng.choice(7, n_crisis_week, p=cw / cw.sum()),
            _CRISIS1 + 1 + np.minimum(rng.geometric(0.18, n_crisis_after) - 1, 13),
        ])
        author = np.concatenate([author, crisis_authors])
        day = np.concatenate([day, c_days])
        crisis = np.concatenate([crisis, np.ones(len(crisis_authors), dtype=bool)])
        m = len(author)
        t = _times(rng, day, _H_MENTIONS)
        p = persona[author]

        # Brand, sentiment and topic.
        brand = np.zeros(m, dtype=np.int64)
        brand_p = {
            BACKGROUND: [0.58, 0.22, 0.20], ADVOCATE: [0.93, 0.04, 0.03], DETRACTOR: [0.85, 0.08, 0.07],
            INFLUENCER: [0.5, 0.25, 0.25], CUSTOMER: [0.8, 0.1, 0.1], NAMESAKE: [0.6, 0.2, 0.2],
        }
        for code, probs in brand_p.items():
            rows = np.flatnonzero(p == code)
            brand[rows] = rng.choice(3, len(rows), p=probs)
        brand[crisis] = 0
        sent = self._sentiments(rng, p, brand, author, crisis)
        topic = self._topics(rng, brand, sent, day)
        topic[crisis] = 0  # delivery

        platform, kind = self._platforms(rng, author, p, topic, crisis)
        # Reviews take a side; private messages are mostly problems and questions.
        u = rng.random(m)
        review_neu = (kind == "review") & (sent == _NEU)
        sent[review_neu] = np.where(u[review_neu] < 0.55, _POS, _NEG)
        dm_pos = (kind == "dm") & (sent == _POS) & ~np.isin(p, [ADVOCATE, INFLUENCER]) & (u < 0.8)
        sent[dm_pos] = np.where(u[dm_pos] < 0.35, _NEG, _NEU)
        changed = review_neu | dm_pos
        topic[changed] = self._topics(rng, brand[changed], sent[changed], day[changed])
        self._write_originals(author, t, brand, sent, topic, platform, kind, crisis, day)
        self._finish_mentions()

    def _crisis_authors(self, rng: np.random.Generator, k: int) -> np.ndarray:
        """Who complains in the crisis: customers with orders in the weeks before it, detractors, the public."""
        recent = (self.o_t >= (_CRISIS0 - 21) * 86_400) & (self.o_t <= (_CRISIS1 + 1) * 86_400) & (self.o_channel != 1)
        affected = np.zeros(self.sc.customers, dtype=bool)
        affected[self.o_cust[recent]] = True
        # Advocates forgive: they stay out of the storm.
        cust_authors = np.flatnonzero((self.a_cust >= 0) & ~np.isin(self.a_persona, [NAMESAKE, ADVOCATE]))
        cust_authors = cust_authors[affected[self.a_cust[cust_authors]]]
        detractors = np.flatnonzero(self.a_persona == DETRACTOR)
        bg = np.flatnonzero(self.a_persona == BACKGROUND)
        n_c = min(len(cust_authors) * 2, round(0.12 * k))
        n_d = min(len(detractors) * 2, round(0.06 * k))
        picks = [
            rng.choice(cust_authors, n_c) if n_c and len(cust_authors) else np.array([], np.int64),
            rng.choice(detractors, n_d) if n_d and len(detractors) else np.array([], np.int64),
        ]
        rest = k - sum(len(x) for x in picks)
        w = self.bg_weight[bg] ** 0.5
        picks.append(rng.choice(bg, rest, p=w / w.sum()))
        return np.concatenate(picks).astype(np.int64)

    def _sentiments(self, rng: np.random.Generator, p: np.ndarray, brand: np.ndarray, author: np.ndarray, crisis: np.ndarray) -> np.ndarray:
        m = len(p)
        probs = np.zeros((m, 3))
        own = brand == 0
        table = {
            (BACKGROUND, 0): [0.25, 0.33, 0.42], (BACKGROUND, 1): [0.32, 0.35, 0.33], (BACKGROUND, 2): [0.20, 0.37, 0.43],
            (NAMESAKE, 0): [0.25, 0.33, 0.42], (NAMESAKE, 1): [0.32, 0.35, 0.33], (NAMESAKE, 2): [0.20, 0.37, 0.43],
            (ADVOCATE, 0): [0.0, 0.08, 0.92], (ADVOCATE, 1): [0.25, 0.6, 0.15], (ADVOCATE, 2): [0.25, 0.6, 0.15],
            (DETRACTOR, 0): [0.88, 0.10, 0.02], (DETRACTOR, 1): [0.15, 0.35, 0.5], (DETRACTOR, 2): [0.15, 0.35, 0.5],
            (INFLUENCER, 0): [0.0, 0.2, 0.8], (INFLUENCER, 1): [0.02, 0.25, 0.73], (INFLUENCER, 2): [0.02, 0.25, 0.73],
        }
        for (code, b), row in table.items():
            probs[(p == code) & (brand == b)] = row
        # Ordinary customers: their satisfaction drives how they talk about the brand.
        cust_rows = p == CUSTOMER
        mood = self.c_mood[np.maximum(self.a_cust[author], 0)]
        pos = 0.2 + 0.6 / (1 + np.exp(-1.5 * mood))
        neg = 0.5 / (1 + np.exp(1.5 * mood))
        probs[cust_rows & own] = np.stack([neg, 1 - pos - neg, pos], axis=1)[cust_rows & own]
        probs[cust_rows & ~own] = [0.25, 0.4, 0.35]
        probs[crisis] = [0.85, 0.12, 0.03]
        cum = probs.cumsum(axis=1)
        return (rng.random(m)[:, None] > cum[:, :2]).sum(axis=1)

    @staticmethod
    def _topic_table() -> dict[tuple[int, int], list[float]]:
        # Order: delivery, quality, price, service, store, product, sustainability, returns, app.
        return {
            (0, _POS): [0.12, 0.18, 0.08, 0.10, 0.14, 0.25, 0.07, 0.02, 0.04],
            (0, _NEG): [0.30, 0.14, 0.08, 0.20, 0.03, 0.05, 0.03, 0.12, 0.05],
            (0, _NEU): [0.12, 0.08, 0.15, 0.06, 0.15, 0.30, 0.06, 0.05, 0.03],
            # Casanova Home: cheap; loved for prices, criticised for quality.
            (1, _POS): [0.08, 0.05, 0.40, 0.08, 0.12, 0.20, 0.02, 0.03, 0.02],
            (1, _NEG): [0.15, 0.38, 0.03, 0.15, 0.08, 0.08, 0.06, 0.05, 0.02],
            (1, _NEU): [0.10, 0.15, 0.25, 0.05, 0.12, 0.25, 0.03, 0.03, 0.02],
            # Maison Brix: premium; loved for design and quality, criticised for price and delays.
            (2, _POS): [0.05, 0.30, 0.02, 0.10, 0.13, 0.32, 0.05, 0.02, 0.01],
            (2, _NEG): [0.22, 0.05, 0.38, 0.12, 0.05, 0.06, 0.02, 0.07, 0.03],
            (2, _NEU): [0.10, 0.12, 0.25, 0.05, 0.12, 0.28, 0.04, 0.03, 0.01],
        }

    def _topics(self, rng: np.random.Generator, brand: np.ndarray, sent: np.ndarray, day: np.ndarray) -> np.ndarray:
        topic = np.zeros(len(brand), dtype=np.int64)
        for (b, s), w in self._topic_table().items():
            rows = np.flatnonzero((brand == b) & (sent == s))
            wv = np.array(w)
            topic[rows] = rng.choice(len(T.TOPICS), len(rows), p=wv / wv.sum())
        # In the sales, happy people talk about prices more.
        sale_pos = np.flatnonzero(_SALE_DAYS[day] & (sent == _POS) & (rng.random(len(day)) < 0.25))
        topic[sale_pos] = T.TOPICS.index("price")
        return topic

    def _platforms(self, rng: np.random.Generator, author: np.ndarray, p: np.ndarray, topic: np.ndarray, crisis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = len(author)
        primary = self.a_platform[author]
        second = self.a_platform2[author]
        u = rng.random(m)
        review_p = np.select([p == INFLUENCER, p == ADVOCATE, p == DETRACTOR, p == CUSTOMER], [0.0, 0.06, 0.1, 0.2], 0.12)
        dm_p = np.select([p == INFLUENCER, p == ADVOCATE, p == DETRACTOR, p == CUSTOMER], [0.0, 0.02, 0.08, 0.15], 0.08)
        review_p = np.where(crisis, 0.1, review_p)
        dm_p = np.where(crisis, 0.15, dm_p)
        # Planted people keep to their handle so their profile gathers their voice.
        review_p = np.where(np.isin(p, [ADVOCATE, DETRACTOR]) & (self.a_cust[author] < 0), 0.0, review_p)
        second_p = np.where(second != "", 0.1, 0.0)
        platform = primary.astype(object)
        is_review = u < review_p
        is_dm = (u >= review_p) & (u < review_p + dm_p)
        is_second = (u >= review_p + dm_p) & (u < review_p + dm_p + second_p)
        platform[is_second] = second[is_second]
        store_topic = topic == T.TOPICS.index("store")
        g = rng.random(m) < np.where(store_topic, 0.85, 0.25)
        platform[is_review] = np.where(g[is_review], "google_reviews", "trustpilot")
        dm_platform = np.where(np.isin(primary, ["twitter", "instagram", "facebook"]), primary, "twitter")
        platform[is_dm] = dm_platform[is_dm]
        # E-mail linked customers write the brand a private message first (the e-mail comes from it).
        first_of_author = np.zeros(m, dtype=bool)
        _, first_idx = np.unique(author, return_index=True)
        first_of_author[first_idx] = True
        email_first = first_of_author & (self.a_method[author] == BY_EMAIL)
        is_dm |= email_first
        platform[email_first] = dm_platform[email_first]
        # Handle and name linked customers post first on the platform their link is about.
        on_primary = first_of_author & (
            np.isin(self.a_method[author], [BY_HANDLE, BY_NAME_CITY]) | (self.a_persona[author] == NAMESAKE)
        )
        is_dm &= ~on_primary
        is_review &= ~on_primary
        platform[on_primary] = primary[on_primary]
        kind = np.full(m, "post", dtype=object)
        kind[is_review] = "review"
        kind[is_dm] = "dm"
        kind[(platform == "forum") & ~is_dm & ~is_review] = "forum"
        return platform.astype(str), kind.astype(str)

    # --- texts -------------------------------------------------------------------------------------

    def _slots_factory(self) -> Callable[..., dict[str, str]]:
        product_slots = {
            (lang, b): [T.product_slots(pr, lang) for pr in self.products[b]] for lang in T.LANGS for b in BRANDS
        }
        prices = {b: [pr.price_eur for pr in self.products[b]] for b in BRANDS}
        store_cities = {"en": T.STORE_CITIES["GB"], "es": T.STORE_CITIES["ES"], "fr": T.STORE_CITIES["FR"]}
        own_tags = T.BRAND_ACCOUNTS
        others_of = {b: [x for x in BRANDS if x != b] for b in BRANDS}
        code_of = {b: T.ascii_fold(b)[:6].upper() for b in BRANDS}

        def slots(lang: str, b: int, prod: int, u: list[float], sent: str, platform: str, city: str | None = None) -> dict[str, str]:
            brand = BRANDS[b]
            acc = own_tags[brand]
            d = dict(product_slots[(lang, brand)][prod])
            if platform in ("trustpilot", "google_reviews", "forum", "survey", "dm"):
                written = brand
            elif u[0] < 0.22 and platform in ("twitter", "instagram", "tiktok"):
                written = "@" + (acc.support if sent == "neg" and platform == "twitter" and u[1] < 0.5 else acc.social[lang])
            elif u[0] < 0.27 and platform in ("instagram", "tiktok"):
                written = acc.tags[0]
            else:
                written = T.pick(acc.written, u[1])
            others = others_of[brand]
            d["b"] = written
            d["comp"] = T.pick(others, u[2])
            d["city"] = city if city and city in store_cities[lang] else T.pick(store_cities[lang], u[3])
            if sent == "pos":
                d["days"] = str(2 + int(u[4] * 4))
            elif sent == "neg":
                d["days"] = str(7 + int(u[4] * 24))
            else:
                d["days"] = str(3 + int(u[4] * 8))
            d["weeks"] = str(2 + int(u[5] * 5))
            d["hours"] = str(2 + int(u[5] * 3))
            d["minutes"] = str(20 + 5 * int(u[6] * 8))
            d["pct"] = T.pick(("10", "15", "20", "25", "30", "40", "50"), u[6])
            base_price = prices[brand][prod]
            d["price"] = T.format_price(base_price * (0.75 if sent == "pos" else 1.0), lang)
            d["agent"] = T.pick(T.STAFF[lang], u[7])
            d["room"] = T.pick(T.ROOMS[lang], u[8])
            d["code"] = f"{code_of[brand]}{d['pct']}"
            d["order"] = ""
            d["tag"] = T.pick(acc.tags, u[9])
            return d

        return slots

    def _write_originals(self, author: np.ndarray, t: np.ndarray, brand: np.ndarray, sent: np.ndarray, topic: np.ndarray,
                         platform: np.ndarray, kind: np.ndarray, crisis: np.ndarray, day: np.ndarray) -> None:
        rng = self.rng_t
        m = len(author)
        lang = self.a_lang[author]
        cust = self.a_cust[author]
        # Products: a customer talks about what they bought, others about anything.
        prod = np.zeros(m, dtype=np.int64)
        for b in range(3):
            rows = np.flatnonzero(brand == b)
            prod[rows] = rng.integers(0, len(self.products[BRANDS[b]]), len(rows))
        latest = np.where(cust >= 0, self.latest_order(np.maximum(cust, 0), t), -1)
        own_rows = np.flatnonzero((latest >= 0) & (brand == 0))
        cat_products = {c: [i for i, pr in enumerate(self.products[OWN_BRAND]) if pr.category == c] for c in T.CATEGORIES}
        pu = rng.random(len(own_rows))
        for r, u in zip(own_rows.tolist(), pu.tolist(), strict=True):
            options = cat_products[T.CATEGORIES[self.o_category[latest[r]]]]
            prod[r] = options[int(u * len(options))]
        slots_for = self._slots_factory()
        uu = rng.random((m, 48))
        texts: list[str] = []
        personas = {ADVOCATE: "advocate", DETRACTOR: "detractor", INFLUENCER: "influencer"}
        p = self.a_persona[author]
        for r in range(m):
            u = uu[r].tolist()
            lg, s, pl = str(lang[r]), _SENT[sent[r]], str(platform[r])
            c = int(cust[r])
            where = "dm" if kind[r] == "dm" else pl
            d = slots_for(lg, int(brand[r]), int(prod[r]), u[:10], s, where, self.c_city[c] if c >= 0 else None)
            if kind[r] == "dm" and brand[r] == 0 and latest[r] >= 0:
                d["order"] = self.o_ids[latest[r]]  # their real Velora order
            texts.append(
                T.compose_post(
                    lg, s, T.TOPICS[topic[r]], pl, str(kind[r]), personas.get(int(p[r]), ""), bool(crisis[r]),
                    bool(_SALE_DAYS[day[r]]), d, u[10:],
                )
            )
        self.orig = {
            "author": author, "t": t, "brand": brand, "sent": sent, "topic": topic, "platform": platform,
            "kind": kind, "crisis": crisis, "text": texts, "lang": lang, "prod": prod,
        }

    # --- blocks of mentions ------------------------------------------------------------------
    # A block is a dict of equal-length columns; parents are global row numbers
    # (originals first, then brand posts, replies, follow-ups, user replies, shares).

    def _originals_block(self) -> dict[str, Any]:
        o, a = self.orig, self.a
        author = o["author"]
        m = len(author)
        rng = self.rng_t
        platform, kind = o["platform"], o["kind"]
        review = np.isin(platform, ["trustpilot", "google_reviews"])
        names = [a["name"][j] for j in author.tolist()]
        handles = [a["handle"][j] for j in author.tolist()]
        author_col = [nm if rv else h for nm, h, rv in zip(names, handles, review.tolist(), strict=True)]
        # E-mails travel with private messages and reviews of e-mail-linked customers.
        is_email = self.a_method[author] == BY_EMAIL
        first_dm = np.zeros(m, dtype=bool)
        dm_rows = np.flatnonzero(is_email & (kind == "dm"))
        if len(dm_rows):
            _, idx = np.unique(author[dm_rows], return_index=True)
            first_dm[dm_rows[idx]] = True
        u = rng.random(m)
        with_email = is_email & (first_dm | ((kind == "dm") & (u < 0.7)) | (review & (u < 0.6)))
        emails = [a["email"][j] if w else None for j, w in zip(author.tolist(), with_email.tolist(), strict=True)]
        country_of = {"en": "GB", "es": "ES", "fr": "FR"}
        location: list[str | None] = []
        for j, pl in zip(author.tolist(), platform.tolist(), strict=True):
            if pl == "trustpilot":
                location.append(country_of[str(self.a_lang[j])])
            elif pl == "google_reviews":
                location.append(None)
            else:
                location.append(a["location"][j])
        social_or_dm = np.isin(platform, SOCIAL)
        followers = [int(f) if s else None for f, s in zip(self.a_followers[author].tolist(), social_or_dm.tolist(), strict=True)]
        return {
            "t": o["t"], "platform": platform.tolist(), "author": author_col, "author_name": names,
            "author_email": emails, "text": o["text"], "lang": o["lang"].tolist(), "kind": kind.tolist(),
            "parent": np.full(m, -1, dtype=np.int64), "brand": o["brand"], "visibility": np.where(kind == "dm", "private", "public").tolist(),
            "followers": followers, "location": location, "from_brand": np.zeros(m, dtype=np.int64),
            "sent": o["sent"], "crisis": o["crisis"], "author_idx": author, "topic": o["topic"], "prod": o["prod"],
        }

    def _brand_posts_block(self) -> dict[str, Any]:
        rng = self.rng_t
        n = self.n_brand_posts
        brand = rng.choice(3, n, p=[0.5, 0.25, 0.25])
        day = rng.integers(0, N_DAYS, n)
        t = day * 86_400 + rng.choice(np.arange(7, 19), n) * 3600 + rng.integers(0, 3600, n)
        platform = rng.choice(["twitter", "instagram", "facebook", "tiktok"], n, p=[0.35, 0.35, 0.2, 0.1]).tolist()
        lang = rng.choice(T.LANGS, n, p=[0.45, 0.3, 0.25]).tolist()
        # Velora's statement on the Wednesday of the crisis week, in every language.
        statement_t = (_CRISIS0 + 2) * 86_400 + 9 * 3600 + 30 * 60
        crisis_rows = []
        for lg in T.LANGS:
            for k, pl in enumerate(("twitter", "instagram", "facebook")):
                brand = np.append(brand, 0)
                t = np.append(t, statement_t + 60 * k + 5 * T.LANGS.index(lg))
                platform.append(pl)
                lang.append(lg)
                crisis_rows.append(len(platform) - 1)
        m = len(platform)
        crisis = np.zeros(m, dtype=bool)
        crisis[crisis_rows] = True
        prod = np.array([int(rng.integers(0, len(self.products[BRANDS[b]]))) for b in brand.tolist()], dtype=np.int64)
        slots_for = self._slots_factory()
        uu = rng.random((m, 20))
        texts, authors, names, followers = [], [], [], []
        share = {"en": 0.8, "es": 1.0, "fr": 0.6}
        for r in range(m):
            u = uu[r].tolist()
            b, lg, pl = int(brand[r]), lang[r], platform[r]
            acc = T.BRAND_ACCOUNTS[BRANDS[b]]
            d = slots_for(lg, b, int(prod[r]), u[:10], "pos", "forum")
            which = "crisis" if crisis[r] else ("sale" if _SALE_DAYS[min(t[r] // 86_400, N_DAYS - 1)] and u[10] < 0.6 else "general")
            texts.append(T.compose_brand_post(lg, which, pl, d, u[11:]))
            authors.append(acc.social[lg])
            names.append(acc.display)
            followers.append(int(acc.followers * share[lg]))
        return {
            "t": t.astype(np.int64), "platform": platform, "author": authors, "author_name": names,
            "author_email": [None] * m, "text": texts, "lang": lang, "kind": ["post"] * m,
            "parent": np.full(m, -1, dtype=np.int64), "brand": brand, "visibility": ["public"] * m,
            "followers": followers, "location": [None] * m, "from_brand": np.ones(m, dtype=np.int64),
            "sent": np.where(crisis, _NEU, _POS), "crisis": crisis, "author_idx": np.full(m, -1), "topic": np.full(m, 5),
            "prod": prod,
        }

    def _brand_replies_block(self, base: dict[str, Any]) -> dict[str, Any]:
        """Customer care answers to complaints, questions and praise on the brands' channels."""
        rng = self.rng_t
        m = len(base["t"])
        platform = np.array(base["platform"])
        kind = np.array(base["kind"])
        brand, sent, crisis = base["brand"], base["sent"], base["crisis"]
        eligible = np.isin(platform, ["twitter", "instagram", "facebook", "trustpilot", "google_reviews", "tiktok"])
        eligible &= np.isin(kind, ["post", "review", "dm"]) & (base["from_brand"] == 0)
        review = np.isin(platform, ["trustpilot", "google_reviews"])
        # Answer rates per brand: Velora answers most, Casanova Home least.
        complaint = np.array([0.75, 0.45, 0.62])[brand]
        question = np.array([0.2, 0.1, 0.14])[brand]
        thanks = np.where(review, np.array([0.2, 0.05, 0.1])[brand], np.where(platform == "instagram", 0.05, 0.01))
        rate = np.select([crisis, sent == _NEG, sent == _NEU], [0.55, complaint, question], thanks)
        rate = np.where(platform == "tiktok", rate * 0.3, rate)
        answered = eligible & (rng.random(m) < rate)
        median_h = np.array([1.5, 9.0, 4.0])[brand] * np.select([crisis, sent == _NEU, sent == _POS], [10.0, 1.5, 3.0], 1.0)
        delay = np.clip(np.exp(np.log(median_h * 3600) + rng.normal(0, 1.0, m)), 300, 2 * 86_400).astype(np.int64)
        t = base["t"] + delay
        answered &= t <= _END_S
        rows = np.flatnonzero(answered)
        uu = rng.random((len(rows), 4))
        texts, authors, names, followers, group, agents = [], [], [], [], [], []
        for k, r in enumerate(rows.tolist()):
            u = uu[k].tolist()
            b, lg, pl = int(brand[r]), base["lang"][r], str(platform[r])
            acc = T.BRAND_ACCOUNTS[BRANDS[b]]
            g = "crisis" if crisis[r] else ("complaint" if sent[r] == _NEG else ("question" if sent[r] == _NEU else "thanks"))
            public_at = pl in ("twitter", "instagram", "tiktok") and kind[r] != "dm"
            first = str(base["author_name"][r] or "").split(" ")[0]
            if public_at:
                who = "@" + str(base["author"][r])
            else:
                who = first if first in _FIRST_NAMES else " ".join(str(base["author_name"][r]).split()[:2]).strip(" ✨🌿🏡🌸☕🪴🕯️")
            sig = T.pick(acc.agents[lg], u[1]) if u[2] < 0.7 else ""
            agents.append(sig.strip("^- ") if sig and sig.strip("^- ").istitle() and len(sig.strip("^- ")) > 2 else "")
            texts.append(T.compose_brand_reply(lg, g, who, sig, u[0]))
            if pl == "twitter":
                authors.append(acc.support)
                names.append(acc.support_display)
            elif review[r]:
                authors.append(acc.display)
                names.append(acc.display)
            else:
                authors.append(acc.social[lg])
                names.append(acc.display)
            followers.append(None if review[r] else acc.followers)
            group.append(g)
        n = len(rows)
        self.reply_group = group
        self.reply_agent = agents
        return {
            "t": t[rows], "platform": platform[rows].tolist(), "author": authors, "author_name": names,
            "author_email": [None] * n, "text": texts, "lang": [base["lang"][r] for r in rows.tolist()],
            "kind": np.where(kind[rows] == "dm", "dm", "reply").tolist(), "parent": rows.astype(np.int64),
            "brand": brand[rows], "visibility": [base["visibility"][r] for r in rows.tolist()],
            "followers": followers, "location": [None] * n, "from_brand": np.ones(n, dtype=np.int64),
            "sent": np.full(n, _NEU), "crisis": crisis[rows], "author_idx": np.full(n, -1),
            "topic": base["topic"][rows], "prod": base["prod"][rows],
        }

    def _follow_ups_block(self, base: dict[str, Any], replies: dict[str, Any], offset: int) -> dict[str, Any]:
        """The complainant's answer to the brand: thanks, or still waiting."""
        rng = self.rng_t
        parent = replies["parent"]
        groups = np.array(self.reply_group) if self.reply_group else np.array([], dtype=str)
        n = len(parent)
        follow = np.isin(groups, ["complaint", "crisis"]) & (rng.random(n) < 0.25)
        t = replies["t"] + np.clip(np.exp(np.log(2 * 3600) + rng.normal(0, 1.0, n)), 120, 3 * 86_400).astype(np.int64)
        follow &= t <= _END_S
        rows = np.flatnonzero(follow)
        # Whether the answer helped depends on who complained: detractors stay unhappy.
        who = base["author_idx"][parent[rows]]
        persona = np.where(who >= 0, self.a_persona[np.maximum(who, 0)], BACKGROUND)
        mood = np.where(self.a_cust[np.maximum(who, 0)] >= 0, self.c_mood[np.maximum(self.a_cust[np.maximum(who, 0)], 0)], 0.0)
        p_happy = np.where(groups[rows] == "crisis", 0.4, 0.65)
        p_happy = np.where(persona == CUSTOMER, 1 / (1 + np.exp(-(0.6 + 1.2 * mood))), p_happy)
        p_happy = np.select([persona == DETRACTOR, persona == ADVOCATE], [0.1, 0.9], p_happy)
        happy = rng.random(len(rows)) < p_happy
        uu = rng.random((len(rows), 18))
        slots_for = self._slots_factory()
        texts = []
        for k, r in enumerate(rows.tolist()):
            src = int(parent[r])
            lg = base["lang"][src]
            u = uu[k].tolist()
            s = "pos" if happy[k] else "neg"
            bh = "@" + replies["author"][r] if replies["platform"][r] == "twitter" else BRANDS[int(replies["brand"][r])]
            public = replies["platform"][r] in ("twitter", "instagram") and replies["kind"][r] != "dm"
            d = slots_for(lg, int(base["brand"][src]), int(base["prod"][src]), u[:10], s, "forum")
            d["agent"] = self.reply_agent[r] or d["agent"]
            texts.append(T.compose_follow_up(lg, s, bh, public, d, u[10:]))
        src = parent[rows]
        pick = src.tolist()
        return {
            "t": t[rows], "platform": [base["platform"][s] for s in pick], "author": [base["author"][s] for s in pick],
            "author_name": [base["author_name"][s] for s in pick], "author_email": [None] * len(rows), "text": texts,
            "lang": [base["lang"][s] for s in pick], "kind": [replies["kind"][r] for r in rows.tolist()],
            "parent": (offset + rows).astype(np.int64), "brand": base["brand"][src],
            "visibility": [base["visibility"][s] for s in pick], "followers": [base["followers"][s] for s in pick],
            "location": [base["location"][s] for s in pick], "from_brand": np.zeros(len(rows), dtype=np.int64),
            "sent": np.where(happy, _POS, _NEG), "crisis": base["crisis"][src], "author_idx": base["author_idx"][src],
            "topic": base["topic"][src], "prod": base["prod"][src],
        }

    def _conversation_block(self, base: dict[str, Any], n_budget: int) -> dict[str, Any]:
        """Replies and shares by people: advocates share the brand's posts, the crowd discusses."""
        rng = self.rng_t
        m = len(base["t"])
        platform = np.array(base["platform"])
        kind = np.array(base["kind"])
        lang = np.array(base["lang"])
        followers = np.array([f or 0 for f in base["followers"]], dtype=float)
        from_brand = base["from_brand"] == 1
        crisis = base["crisis"]
        t_parent = base["t"]
        # Advocates share Velora's posts in their language.
        adv = np.flatnonzero(self.a_persona == ADVOCATE)
        k_adv = 1 + rng.poisson(1.5, len(adv))
        own_posts = np.flatnonzero(
            from_brand & (kind == "post") & (base["brand"] == 0) & np.isin(platform, ["twitter", "facebook"]) & ~crisis
        )
        adv_author, adv_parent = [], []
        for j, k in zip(adv.tolist(), k_adv.tolist(), strict=True):
            options = own_posts[lang[own_posts] == self.a_lang[j]]
            if len(options):
                adv_author += [j] * k
                adv_parent += rng.choice(options, k).tolist()
        n_adv = min(len(adv_author), max(0, n_budget))
        adv_author_a = np.array(adv_author[:n_adv], dtype=np.int64)
        adv_parent_a = np.array(adv_parent[:n_adv], dtype=np.int64)
        rest = max(0, n_budget - n_adv)
        n_rep = round(rest * 0.55)
        n_sh = rest - n_rep
        # Parents: public posts and the brands' posts; bigger accounts and the crisis draw more.
        can_reply = np.isin(platform, [*SOCIAL, "forum"]) & np.isin(kind, ["post", "forum"])
        w_rep = np.where(can_reply, (followers + 20) ** 0.5 * np.where(crisis, 3.0, 1.0) * np.where(base["sent"] == _NEU, 1.5, 1.0), 0.0)
        can_share = np.isin(platform, ["twitter", "facebook"]) & (kind == "post")
        w_sh = np.where(can_share, (followers + 20) ** 0.8 * np.where(crisis, 3.0, 1.0), 0.0)
        rep_parent = rng.choice(m, n_rep, p=w_rep / w_rep.sum())
        sh_parent = rng.choice(m, n_sh, p=w_sh / w_sh.sum())
        # Repliers and sharers: ordinary people writing in the parent's language.
        bg = np.flatnonzero(self.a_persona == BACKGROUND)
        by_lang = {lg: bg[self.a_lang[bg] == lg] for lg in T.LANGS}

        def people(parents: np.ndarray) -> np.ndarray:
            out = np.zeros(len(parents), dtype=np.int64)
            for lg, pool in by_lang.items():
                rows = np.flatnonzero(lang[parents] == lg)
                w = self.bg_weight[pool] ** 0.7
                out[rows] = rng.choice(pool, len(rows), p=w / w.sum())
            return out

        rep_author = people(rep_parent)
        sh_author = people(sh_parent)
        parents = np.concatenate([rep_parent, sh_parent, adv_parent_a])
        authors = np.concatenate([rep_author, sh_author, adv_author_a])
        is_share = np.concatenate([np.zeros(n_rep, bool), np.ones(n_sh + n_adv, bool)])
        n = len(parents)
        delay = np.exp(np.log(np.where(is_share, 3.0, 1.5) * 3600) + rng.normal(0, 1.3, n))
        room = (_END_S - t_parent[parents]).astype(float)
        delay = np.clip(np.minimum(delay, room * rng.uniform(0.1, 0.99, n)), 30, None)
        t = t_parent[parents] + delay.astype(np.int64)
        t = np.minimum(t, _END_S)
        # How a reply relates to its parent.
        ps = base["sent"][parents]
        u = rng.random(n)
        group = np.where(
            ps == _NEG,
            np.where(u < 0.65, "agree_neg", np.where(u < 0.85, "neu", "disagree_pos")),
            np.where(
                ps == _POS,
                np.where(u < 0.7, "agree_pos", np.where(u < 0.9, "neu", "disagree_neg")),
                np.where(u < 0.4, "neu", np.where(u < 0.7, "agree_pos", "agree_neg")),
            ),
        )
        sent = np.where(is_share, ps, np.select([np.char.endswith(group.astype(str), "pos"), group == "neu"], [_POS, _NEU], _NEG))
        slots_for = self._slots_factory()
        uu = rng.random((n, 16))
        texts, kinds, plats, a_handles, a_names, a_loc, a_fol = [], [], [], [], [], [], []
        for r in range(n):
            pr, j = int(parents[r]), int(authors[r])
            lg, pl = str(lang[pr]), str(platform[pr])
            ur = uu[r].tolist()
            parent_handle = str(base["author"][pr])
            if is_share[r]:
                texts.append(T.compose_share(lg, pl, parent_handle, base["text"][pr], ur[0], ur[1]))
                kinds.append("share")
            else:
                s = _SENT[int(sent[r])]
                d = slots_for(lg, int(base["brand"][pr]), int(base["prod"][pr]), ur[2:12], s, pl)
                texts.append(T.compose_user_reply(lg, str(group[r]), s, T.TOPICS[int(base["topic"][pr])], parent_handle, pl, d, ur[12:]))
                kinds.append("forum" if pl == "forum" else "reply")
            plats.append(pl)
            a_handles.append(self.a["handle"][j])
            a_names.append(self.a["name"][j])
            a_loc.append(self.a["location"][j])
            a_fol.append(int(self.a_followers[j]) if pl in SOCIAL else None)
        return {
            "t": t, "platform": plats, "author": a_handles, "author_name": a_names, "author_email": [None] * n,
            "text": texts, "lang": lang[parents].tolist(), "kind": kinds, "parent": parents.astype(np.int64),
            "brand": base["brand"][parents], "visibility": ["public"] * n, "followers": a_fol, "location": a_loc,
            "from_brand": np.zeros(n, dtype=np.int64), "sent": sent, "crisis": crisis[parents], "author_idx": authors,
            "topic": base["topic"][parents], "prod": base["prod"][parents],
        }

    @staticmethod
    def _concat(blocks: Sequence[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in blocks[0]:
            vals = [b[key] for b in blocks]
            if isinstance(vals[0], np.ndarray):
                out[key] = np.concatenate([np.asarray(v) for v in vals])
            else:
                out[key] = [x for v in vals for x in (v.tolist() if isinstance(v, np.ndarray) else v)]
        return out

    def _finish_mentions(self) -> None:
        total = self.sc.mentions
        originals = self._originals_block()
        posts = self._brand_posts_block()
        base = self._concat([originals, posts])
        replies = self._brand_replies_block(base)
        offset = len(base["t"])
        follow = self._follow_ups_block(base, replies, offset)
        base = self._concat([base, replies, follow])
        budget = total - len(base["t"])
        log.debug(
            "demo mentions: %d originals, %d brand posts, %d brand replies, %d follow-ups, %d left for conversation",
            len(originals["t"]), len(posts["t"]), len(replies["t"]), len(follow["t"]), budget,
        )
        if budget < 0:
            log.warning("demo: %d mentions over budget before replies and shares", -budget)
        convo = self._conversation_block(base, budget)
        allm = self._concat([base, convo])
        self._assemble(allm)

    def _assemble(self, allm: dict[str, Any]) -> None:
        rng = self.rng_t
        t = allm["t"].astype(np.int64)
        n = len(t)
        order = np.lexsort((np.arange(n), t))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        ids = [f"M{self.id_prefix}{i + 1:08d}" for i in range(n)]
        parent = allm["parent"]
        kind = np.array(allm["kind"])
        platform = np.array(allm["platform"])
        # Engagement: likes grow with the audience, shares and replies include those in the data.
        followers = np.array([f or 0 for f in allm["followers"]], dtype=float)
        pf = np.select([platform == "instagram", platform == "tiktok", platform == "twitter"], [2.0, 3.0, 0.7], 1.0)
        er = np.exp(np.log(0.012) + rng.normal(0, 0.8, n))
        hot = np.where(allm["crisis"] & (allm["sent"] == _NEG), 2.5, 1.0)
        lam = np.select(
            [
                (kind == "post") & (allm["from_brand"] == 1),
                kind == "post",
                kind == "reply",
                kind == "share",
                kind == "review",
                kind == "forum",
            ],
            [followers * 0.004 * pf, followers * er * pf * hot, 0.5 + followers * 0.002, 0.2 + followers * 0.001, 0.6, 1.5],
            0.0,
        )
        likes = rng.poisson(np.minimum(lam, 5e6))
        has_parent = parent >= 0
        obs_shares = np.bincount(parent[has_parent & (kind == "share")], minlength=n)
        obs_replies = np.bincount(parent[has_parent & (kind != "share")], minlength=n)
        social_post = (kind == "post") & np.isin(platform, SOCIAL)
        shares = obs_shares + np.where(social_post & (platform != "instagram"), rng.poisson(likes * 0.05), 0)
        replies = obs_replies + np.where(social_post, rng.poisson(likes * 0.02), 0)
        urls = self._urls(allm, order, rng)
        iso = _iso(t)
        cols: Columns = {c: [] for c in S.MENTION_ENTITY.names}
        pick = order.tolist()
        cols["mention_id"] = ids
        cols["platform"] = [allm["platform"][i] for i in pick]
        cols["author"] = [allm["author"][i] for i in pick]
        cols["author_name"] = [allm["author_name"][i] for i in pick]
        cols["author_email"] = [allm["author_email"][i] for i in pick]
        cols["text"] = [allm["text"][i] for i in pick]
        cols["posted_at"] = [iso[i] for i in pick]
        cols["url"] = [urls[i] for i in pick]
        cols["lang"] = [allm["lang"][i] for i in pick]
        cols["kind"] = [allm["kind"][i] for i in pick]
        cols["in_reply_to"] = [ids[rank[parent[i]]] if parent[i] >= 0 else None for i in pick]
        cols["brand"] = [BRANDS[int(allm["brand"][i])] for i in pick]
        cols["visibility"] = [allm["visibility"][i] for i in pick]
        cols["likes"] = likes[order].tolist()
        cols["shares"] = shares[order].tolist()
        cols["replies"] = replies[order].tolist()
        cols["author_followers"] = [allm["followers"][i] for i in pick]
        cols["location"] = [allm["location"][i] for i in pick]
        cols["from_brand"] = allm["from_brand"][order].tolist()
        for name, values in cols.items():  # columns the demo does not make (client, rating) stay empty
            if not values:
                cols[name] = [None] * len(pick)
        self.mention_columns = cols
        self.m_author_idx = allm["author_idx"][order]
        self.m_sent = allm["sent"][order]

    def _urls(self, allm: dict[str, Any], order: np.ndarray, rng: np.random.Generator) -> list[str | None]:
        """Permalinks as each platform writes them; replies point into their parent's page."""
        n = len(order)
        t = allm["t"]
        # Twitter ids are snowflakes: milliseconds since 2010-11-04 shifted left by 22 bits.
        epoch_ms = int((_START_S - np.datetime64("1970-01-01T00:00:00", "s")).astype(np.int64)) * 1000
        ms = epoch_ms + t.astype(np.int64) * 1000 + rng.integers(0, 1000, n)
        snow = ((ms - 1_288_834_974_657) << 22) | rng.integers(0, 1 << 22, n)
        alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
        codes = alphabet[rng.integers(0, 64, (n, 11))]
        digits = rng.integers(10**15, 10**16, n)
        hexes = rng.integers(0, 16, (n, 24))
        forum_domain = {"en": "forum.homeandnest.co.uk", "es": "foro.casaydeco.es", "fr": "forum.maisonetdeco.fr"}
        urls: list[str | None] = [None] * n
        thread_posts: dict[int, int] = {}
        root_of: dict[int, int] = {}
        parent = allm["parent"]
        for i in order.tolist():  # parents always come before their children
            pl, kd, h = allm["platform"][i], allm["kind"][i], allm["author"][i]
            p = int(parent[i])
            if kd == "dm":
                continue
            if pl == "twitter":
                urls[i] = f"https://x.com/{h}/status/{snow[i]}"
            elif pl == "instagram":
                base = urls[p] if p >= 0 and urls[p] else None
                urls[i] = f"{base}c/{digits[i]}/" if base else f"https://www.instagram.com/p/{''.join(codes[i])}/"
            elif pl == "facebook":
                base = urls[p] if p >= 0 and urls[p] and kd != "share" else None
                urls[i] = f"{base.split('?')[0]}?comment_id={digits[i]}" if base else f"https://www.facebook.com/{h}/posts/{digits[i]}"
            elif pl == "tiktok":
                base = urls[p] if p >= 0 and urls[p] else None
                urls[i] = f"{base.split('?')[0]}?comment_id={digits[i]}" if base else f"https://www.tiktok.com/@{h}/video/{snow[i]}"
            elif pl == "trustpilot":
                base = urls[p] if p >= 0 and urls[p] else None
                urls[i] = f"{base}#reply" if base else "https://www.trustpilot.com/reviews/" + "".join(f"{x:x}" for x in hexes[i].tolist())
            elif pl == "google_reviews":
                base = urls[p] if p >= 0 and urls[p] else None
                urls[i] = f"{base}#reply" if base else f"https://maps.app.goo.gl/{''.join(codes[i])}{digits[i] % 1000}"
            elif pl == "forum":
                root = root_of.get(p, p) if p >= 0 else i
                root_of[i] = root
                thread_posts[root] = thread_posts.get(root, 0) + 1
                urls[i] = f"https://{forum_domain[allm['lang'][i]]}/t/{100_000 + root}/{thread_posts[root]}"
        return urls

    # --- surveys ---------------------------------------------------------------------------------

    def make_surveys(self) -> None:
        rng, sc = self.rng_s, self.sc
        real = np.flatnonzero(~self.o_is_return & (self.o_t < (N_DAYS - 2) * 86_400))
        cust = self.o_cust[real]
        # Each customer answers a few surveys at most, whatever their number of orders;
        # planted customers answer more often, so their scores can be checked.
        per_customer = np.bincount(cust, minlength=sc.customers)
        w = 1.0 / per_customer[cust]
        planted = np.zeros(sc.customers, dtype=bool)
        planted[self.ambassadors] = True
        planted[self.adv_customers] = True
        planted[self.det_customers] = True
        w[planted[cust]] *= 3.0
        k = min(sc.surveys, len(real))
        chosen = np.sort(rng.choice(real, k, replace=False, p=w / w.sum()))
        c = self.o_cust[chosen]
        answered = self.o_t[chosen] + rng.integers(86_400, 12 * 86_400, k)
        answered = np.minimum(answered, _END_S)
        day = self.o_t[chosen] // 86_400
        hit = (day >= _CRISIS0 - 20) & (day <= _CRISIS1 + 3) & (self.o_channel[chosen] != 1)
        score = 8.1 + 1.3 * self.c_mood[c] + rng.normal(0, 1.1, k) - np.where(hit, 3.5, 0.0)
        score = np.clip(np.round(score), 0, 10).astype(int)
        is_amb = np.isin(c, self.ambassadors) | np.isin(c, self.adv_customers)
        score[is_amb] = 9 + (rng.random(is_amb.sum()) < 0.7)
        is_det = np.isin(c, self.det_customers)
        score[is_det] = rng.integers(0, 5, is_det.sum())
        band = np.where(score >= 9, "promoter", np.where(score >= 7, "passive", "detractor"))
        has_comment = rng.random(k) < np.select([band == "detractor", band == "passive"], [0.8, 0.5], 0.6)
        slots_for = self._slots_factory()
        cat_products = {cat: [i for i, pr in enumerate(self.products[OWN_BRAND]) if pr.category == cat] for cat in T.CATEGORIES}
        uu = rng.random((k, 24))
        comments: list[str | None] = []
        for r in range(k):
            if not has_comment[r]:
                comments.append(None)
                continue
            u = uu[r].tolist()
            ci = int(c[r])
            lg = str(self.c_lang[ci])
            options = cat_products[T.CATEGORIES[int(self.o_category[chosen[r]])]]
            prod = options[int(u[20] * len(options))]
            s = {"promoter": "pos", "passive": "neu", "detractor": "neg"}[str(band[r])]
            d = slots_for(lg, 0, prod, u[:10], s, "survey", self.c_city[ci])
            comments.append(T.compose_survey_comment(lg, str(band[r]), bool(hit[r]), d, u[10:20]))
        order = np.lexsort((np.arange(k), answered))
        self.survey_columns: Columns = {
            "survey_id": [f"S{self.id_prefix}{i + 1:05d}" for i in range(k)],
            "customer_id": [self.c_ids[int(c[i])] for i in order.tolist()],
            "email": [None] * k,
            "score": score[order].tolist(),
            "comment": [comments[i] for i in order.tolist()],
            "answered_at": _iso(answered[order]) if k else [],
        }

    # --- output ----------------------------------------------------------------------------------

    def customer_columns(self) -> Columns:
        n = self.sc.customers
        cols: Columns = {
            "customer_id": self.c_ids,
            "name": self.c_name,
            "email": self.c_email,
            "phone": self.c_phone,
            "city": self.c_city,
            "country": [str(x) for x in self.c_country.tolist()],
            "created_at": _iso(self.c_created_s),
            "account": [self.account_names[a] if a >= 0 else None for a in self.c_account.tolist()],
            "consent_marketing": self.c_consent.tolist(),
        }
        for p in S.HANDLE_PLATFORMS:
            cols[p] = self.c_handles[p]
        cols["attributes"] = self.c_attributes
        assert all(len(v) == n for v in cols.values())
        return cols

    def order_columns(self) -> Columns:
        currency = np.where(self.c_country[self.o_cust] == "GB", "GBP", "EUR")
        return {
            "order_id": self.o_ids,
            "customer_id": [self.c_ids[i] for i in self.o_cust.tolist()],
            "ordered_at": _iso(self.o_t),
            "amount": [round(float(x), 2) for x in self.o_amount.tolist()],
            "currency": currency.tolist(),
            "channel": np.array(["online", "store", "app"])[self.o_channel].tolist(),
            "category": np.array(T.CATEGORIES)[self.o_category].tolist(),
            "items": [int(x) for x in self.o_items.tolist()],
        }

    def story(self) -> dict[str, Any]:
        a = self.a
        persona, cust = self.a_persona, self.a_cust

        def handles(mask: np.ndarray) -> list[str]:
            return [a["handle"][j] for j in np.flatnonzero(mask).tolist()]

        def with_customers(mask: np.ndarray) -> list[dict[str, str]]:
            return [
                {"handle": a["handle"][j], "platform": a["platform"][j], "customer_id": self.c_ids[int(cust[j])]}
                for j in np.flatnonzero(mask).tolist()
            ]

        amb = np.zeros(self.sc.customers, dtype=bool)
        amb[self.ambassadors] = True
        is_amb = (persona == ADVOCATE) & (cust >= 0) & amb[np.maximum(cust, 0)]
        identity: dict[str, list[dict[str, str]]] = {m: [] for m in LINK_METHODS}
        for j in np.flatnonzero((cust >= 0) & (self.a_method >= 0)).tolist():
            identity[LINK_METHODS[int(self.a_method[j])]].append(
                {"platform": a["platform"][j], "handle": a["handle"][j], "customer_id": self.c_ids[int(cust[j])]}
            )
        namesakes = [
            {"platform": a["platform"][j], "handle": a["handle"][j], "customer_id": self.c_ids[i]}
            for j, i in sorted(self.namesake_of.items())
        ]
        # Every profile written by one customer only, as (platform, author as written, customer):
        # the complete truth for identity linking.
        owners: dict[tuple[str, str], set[int]] = {}
        cols = self.mention_columns
        for j, pl, au, fb in zip(self.m_author_idx.tolist(), cols["platform"], cols["author"], cols["from_brand"], strict=True):
            if not fb:
                owners.setdefault((pl, au), set()).add(int(cust[j]) if j >= 0 and persona[j] != NAMESAKE else -1)
        profiles = [
            {"platform": pl, "author": au, "customer_id": self.c_ids[next(iter(who))]}
            for (pl, au), who in sorted(owners.items())
            if len(who) == 1 and next(iter(who)) >= 0
        ]
        seasonal = np.flatnonzero(self.c_type == SEASONAL)
        brands = {
            b: {
                "accounts": dict(T.BRAND_ACCOUNTS[b].social),
                "support": T.BRAND_ACCOUNTS[b].support,
                "review_author": T.BRAND_ACCOUNTS[b].display,
                "products": [p.en for p in self.products[b]],
            }
            for b in BRANDS
        }
        return {
            "version": 1,
            "seed": self.seed,
            "scale": self.scale_name,
            "start": START_DATE,
            "anchor": ANCHOR,
            "own_brand": OWN_BRAND,
            "competitors": list(COMPETITORS),
            "brands": brands,
            "countries": dict(T.COUNTRY_NAMES),
            "currencies": {"ES": "EUR", "FR": "EUR", "GB": "GBP"},
            "crisis": {
                "brand": OWN_BRAND,
                "start": CRISIS_START,
                "end": CRISIS_END,
                "topic": "delivery",
                "what": "A warehouse system failure at Velora's logistics centre during the summer sale left orders "
                "undelivered; Velora posted an apology on the Wednesday and answered more slowly than usual.",
            },
            "advocates": handles(persona == ADVOCATE),
            "ambassadors": with_customers(is_amb),
            "advocate_customers": with_customers((persona == ADVOCATE) & (cust >= 0) & ~is_amb),
            "influencers": handles(persona == INFLUENCER),
            "detractors": handles(persona == DETRACTOR),
            "detractor_customers": with_customers((persona == DETRACTOR) & (cust >= 0)),
            "seasonal_buyers": [self.c_ids[i] for i in seasonal.tolist()],
            "buyer_types": {BUYER_TYPES[k]: int((self.c_type == k).sum()) for k in range(len(BUYER_TYPES))},
            "b2b_accounts": list(self.account_names),
            "identity": {**identity, "namesakes": namesakes, "profiles": profiles},
        }
