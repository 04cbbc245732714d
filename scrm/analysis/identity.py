"""Who is who: social profiles built from mentions, linked to CRM customers.

:func:`link_profiles` first rebuilds the ``profiles`` table (one row per
platform and handle) from ``mentions`` in SQL, then proposes links between
profiles and customers by three methods, strongest first:

- ``email`` (confidence 1.0): the profile's e-mail equals the customer's,
  ignoring case and surrounding spaces.
- ``handle`` (0.95): one of the customer's handle columns (a handle or a
  profile URL) names the profile on that platform.
- ``name_city`` (0.63 to 0.9): the display name resembles the customer's name
  and, ideally, the profile's location names the customer's city. A fallback
  for profiles that no e-mail or handle matched; see
  :func:`name_city_confidence`.

A link whose confidence reaches the threshold (:data:`scrm.db.schema.LINK_THRESHOLD`)
is ``linked``; below it, ``suggested`` for a person to review. People's
decisions are never overwritten: a ``manual`` link, a link with
``confirmed_by`` set and a ``rejected`` pair stay exactly as the person left
them, and a rejected pair is never proposed again.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import sqlite_utils
from rapidfuzz import fuzz, process

from scrm.analysis.stage import Progress, StageSummary
from scrm.db import dialect, store
from scrm.db import schema as S
from scrm.errors import ConfigError, NotFound
from scrm.i18n.messages import Message, Percent, join

log = logging.getLogger(__name__)


# Link methods (the `method` column of links), spelled in scrm.db.schema.
EMAIL = S.METHOD_EMAIL
HANDLE = S.METHOD_HANDLE
NAME_CITY = S.METHOD_NAME_CITY
MANUAL = S.METHOD_MANUAL
METHOD_LABELS: dict[str, str] = {
    EMAIL: "email",
    HANDLE: "handle",
    NAME_CITY: "name and city",
    MANUAL: "manual",
}

EMAIL_CONFIDENCE = 1.0
HANDLE_CONFIDENCE = 0.95
# Name and city: see name_city_confidence. The weights make 0.9 the most a
# name match can reach, below an e-mail (1.0) or a handle (0.95), and put an
# exact name without a city (0.7) under the link threshold.
NAME_MIN_SCORE = 0.8
# The name score of a name whose words all appear in the other name.
SUBSET_FACTOR = 0.9
_MAX_SUBSET_WORDS = 6  # 6 words give 56 subsets; longer "names" are rarely people
NAME_WEIGHT = 0.7
CITY_WEIGHT = 0.2
NAME_CITY_MAX = 0.9
# Without a city to back it, a name must be nearly exact to be worth a
# person's review: 80 % alone matches "Ana Garcia" with "Ana Garza".
NAME_ALONE_MIN_SCORE = 0.9
# A location word this close to the city counts as the city ("Madrd").
CITY_MIN_SCORE = 0.9
# Common names ("María García") would otherwise fill the review queue with
# dozens of look-alikes per profile; a person reviews the best few.
MAX_NAME_SUGGESTIONS = 3

# Platform names in mentions that mean the platform of a handle column.
_PLATFORM_ALIASES: dict[str, str] = {"x": "twitter"}

# Web domains of the handle platforms, for handles given as profile URLs.
_DOMAINS: dict[str, str] = {
    "twitter.com": "twitter",
    "x.com": "twitter",
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "tiktok.com": "tiktok",
    "youtube.com": "youtube",
    "linkedin.com": "linkedin",
}
# Path segments before the handle: linkedin.com/in/ana, youtube.com/c/ana.
_PATH_PREFIXES = frozenset({"in", "company", "pub", "c", "user", "channel", "people", "u"})
# First path segments of pages that are not a person: a post, a search.
_NOT_PROFILES = frozenset(
    {"p", "reel", "reels", "stories", "explore", "watch", "hashtag", "search", "share", "intent", "home", "i"}
)
_URL = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})(?::\d+)?(?P<rest>[/?#].*)?$"
)

# Letters that Unicode does not decompose into a base letter and an accent.
_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"})
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_NOT_WORD = re.compile(r"[\W_]+")
# Words too common in names to say anything when blocking candidates.
_NAME_PARTICLES = frozenset(
    {
        "de",
        "del",
        "la",
        "las",
        "los",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "des",
        "le",
        "van",
        "von",
        "der",
        "den",
        "di",
        "y",
        "e",
    }
)


# --- pure helpers -----------------------------------------------------------


def canonical_platform(platform: str | None) -> str | None:
    """The handle platform a mentions platform stands for (``x`` is ``twitter``)."""
    if platform is None:
        return None
    p = platform.strip().lower()
    return _PLATFORM_ALIASES.get(p, p) or None


def _domain_platform(host: str) -> str | None:
    for domain, platform in _DOMAINS.items():
        if host == domain or host.endswith("." + domain):
            return platform
    return None


def normalise_handle(value: object, platform: str | None = None) -> str | None:
    """A handle as profile ids spell it: lower case, no ``@``, no profile URL around it.

    ``platform`` (a handle column such as ``instagram``) makes a URL of another
    platform count as no handle. Values that cannot be a handle (blank, with
    spaces, a web site) give ``None``.

    >>> normalise_handle(" @Ana_G ")
    'ana_g'
    >>> normalise_handle("https://www.instagram.com/ana_g/?hl=es", "instagram")
    'ana_g'
    >>> normalise_handle("linkedin.com/in/ana-garcia")
    'ana-garcia'
    >>> normalise_handle("https://twitter.com/ana_g", "instagram") is None
    True
    """
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if not text:
        return None
    match = _URL.match(text)
    if match and ("://" in text or _domain_platform(match["host"]) is not None):
        host_platform = _domain_platform(match["host"])
        if host_platform is None or (platform is not None and canonical_platform(platform) != host_platform):
            return None
        rest = match["rest"] or ""
        path, _, query = rest.partition("#")[0].partition("?")
        segments = [s for s in path.split("/") if s]
        if segments and segments[0] == "profile.php":
            # facebook.com/profile.php?id=1000123: the number is the handle.
            ids = re.findall(r"(?:^|&)id=(\d+)", query)
            return ids[0] if ids else None
        if segments and segments[0] in _PATH_PREFIXES:
            segments = segments[1:]
        if not segments or segments[0] in _NOT_PROFILES:
            return None
        text = segments[0]
    handle = text.lstrip("@").strip()
    if not handle or any(ch.isspace() for ch in handle):
        return None
    return handle


def normalise_name(value: object) -> str:
    """A person's name folded for comparison: lower case, no accents, no punctuation.

    Word order is kept; matching sorts the words itself.

    >>> normalise_name("  José  PÉREZ-López ")
    'jose perez lopez'
    >>> normalise_name("Łukasz 🌸 Nowak")
    'lukasz nowak'
    >>> normalise_name(None)
    ''
    """
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFKD", value.casefold().translate(_FOLD))
    text = _COMBINING.sub("", text)
    return _NOT_WORD.sub(" ", text).strip()


def _name_key(value: object) -> str:
    """Normalised name with its words sorted: ``fuzz.ratio`` on keys is ``token_sort_ratio``."""
    return " ".join(sorted(normalise_name(value).split()))


def _block_keys(key: str) -> set[str]:
    """Blocks a name key falls in: the first three letters of each telling word.

    Two names with a ratio of 80 or more share, in practice, the start of at
    least one word, so comparing only within blocks loses almost nothing and
    turns profiles x customers comparisons into a small fraction of them.
    """
    words = key.split()
    telling = [w for w in words if len(w) > 1 and w not in _NAME_PARTICLES] or words
    return {w[:3] for w in telling}


@lru_cache(maxsize=65536)
def city_score(city: str, location: str) -> float:
    """How surely ``location`` (a profile's free text) names ``city``, in [0, 1].

    1.0 when the city's words appear in the location; the fuzzy ratio of the
    closest run of words when it reaches :data:`CITY_MIN_SCORE`; otherwise 0.

    >>> city_score("Madrid", "Madrid, España")
    1.0
    >>> city_score("Sevilla", "Madrid")
    0.0
    """
    c, loc = normalise_name(city), normalise_name(location)
    if not c or not loc:
        return 0.0
    city_words, loc_words = c.split(), loc.split()
    n = len(city_words)
    best = 0.0
    for i in range(max(1, len(loc_words) - n + 1)):
        window = " ".join(loc_words[i : i + n])
        if window == c:
            return 1.0
        best = max(best, fuzz.ratio(window, c) / 100)
    return best if best >= CITY_MIN_SCORE else 0.0


def name_city_confidence(name_score: float, city: float) -> float:
    """Confidence of a name-and-city link.

    ``confidence = min(0.9, 0.7 * name_score + 0.2 * city)`` where
    ``name_score`` is :func:`name_score` of the normalised names
    (pairs under 0.8 are not candidates at all, and pairs under 0.9 only when
    the city matches) and ``city`` the :func:`city_score`. So an exact name in the same city gives 0.9 (linked
    at the default threshold 0.85, yet below an e-mail or handle match), an
    exact name with no city evidence 0.7, and a 90 % name in the same city 0.83
    (both only suggested).

    >>> name_city_confidence(1.0, 1.0)
    0.9
    >>> name_city_confidence(1.0, 0.0)
    0.7
    """
    value = NAME_WEIGHT * name_score + CITY_WEIGHT * city
    return round(min(NAME_CITY_MAX, max(0.0, value)), 4)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- profiles -------------------------------------------------------------------

_PROFILE_COLUMNS = (
    "profile_id",
    "platform",
    "handle",
    "display_name",
    "email",
    "followers",
    "location",
    "mentions",
    "first_seen",
    "last_seen",
)
_TEMP_PROFILES = S.IDENTITY_PROFILES_TEMP


# The unit separator (written into the SQL as a literal: SQLite's char() is PostgreSQL's chr()).
_SEP = "'\x1f'"


def _latest(expr: str) -> str:
    """SQL: the value of ``expr`` on the latest mention where it is not blank."""
    return f"max(CASE WHEN trim({expr}) <> '' THEN coalesce(posted_at, '') || {_SEP} || trim({expr}) END)"


def _after_sep(db: sqlite_utils.Database, expr: str) -> str:
    return f"substr({expr}, {dialect.position(db, _SEP, expr)} + 1)"


def _build_profiles_sql(db: sqlite_utils.Database) -> str:
    m = S.MENTIONS
    # Stage one groups by the handle exactly as written, so stage two can pick
    # the most frequent spelling. The latest non-blank name, e-mail and
    # location come from max(posted_at || SEP || value) in the same pass: ISO
    # timestamps sort as text, so one scan replaces a window function per
    # column. SQLite's lower() folds ASCII only, which is what handles use.
    return f"""
CREATE TEMP TABLE {_TEMP_PROFILES} AS
WITH spelled AS (
    SELECT
        coalesce(nullif(lower(trim(platform)), ''), 'other') AS platform,
        ltrim(trim(author), '@') AS handle,
        count(*) AS n,
        max(author_followers) AS followers,
        min(posted_at) AS first_seen,
        max(posted_at) AS last_seen,
        {_latest("author_name")} AS name_at,
        {_latest("lower(author_email)")} AS email_at,
        {_latest("location")} AS location_at
    FROM {m}
    WHERE author IS NOT NULL AND ltrim(trim(author), '@') <> ''
    GROUP BY 1, 2
),
best AS (
    SELECT
        platform || ':' || lower(handle) AS profile_id,
        platform,
        max(CAST(1000000000000 + n AS TEXT) || {_SEP} || handle) AS handle_at,
        max(name_at) AS name_at,
        max(email_at) AS email_at,
        max(followers) AS followers,
        max(location_at) AS location_at,
        sum(n) AS mentions,
        min(first_seen) AS first_seen,
        max(last_seen) AS last_seen
    FROM spelled
    GROUP BY 1, 2
)
SELECT
    profile_id,
    platform,
    {_after_sep(db, "handle_at")} AS handle,
    {_after_sep(db, "name_at")} AS display_name,
    {_after_sep(db, "email_at")} AS email,
    followers,
    {_after_sep(db, "location_at")} AS location,
    mentions,
    first_seen,
    last_seen
FROM best
"""


def _rebuild_profiles(db: sqlite_utils.Database) -> tuple[int, int, int]:
    """Upsert profiles from mentions and drop those with no mention left; (new, updated, removed)."""
    conn = db.conn
    conn.execute(f"DROP TABLE IF EXISTS {_TEMP_PROFILES}")
    conn.execute(_build_profiles_sql(db))
    cols = ", ".join(_PROFILE_COLUMNS)
    values = [c for c in _PROFILE_COLUMNS if c != "profile_id"]
    sets = ", ".join(f"{c} = excluded.{c}" for c in values)
    changed = " OR ".join(f"{S.PROFILES}.{c} {dialect.differs(db)} excluded.{c}" for c in values)
    before = int(conn.execute(f"SELECT count(*) FROM {S.PROFILES}").fetchone()[0])
    changes = conn.total_changes
    # `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint.
    conn.execute(
        f"INSERT INTO {S.PROFILES} ({cols}) SELECT {cols} FROM {_TEMP_PROFILES} WHERE true "
        f"ON CONFLICT(profile_id) DO UPDATE SET {sets} WHERE {changed}"
    )
    upserted = conn.total_changes - changes
    after_upsert = int(conn.execute(f"SELECT count(*) FROM {S.PROFILES}").fetchone()[0])
    # A profile whose mentions were all erased goes too; its automatic links
    # are dropped with the other stale links, people's decisions stay. NOT EXISTS, not
    # NOT IN: PostgreSQL runs NOT IN over a large subquery as a nested loop (hours at 1M).
    # The index keeps NOT EXISTS a lookup per profile on SQLite too (else a scan of the new ones).
    conn.execute(f"CREATE INDEX {_TEMP_PROFILES}_id ON {_TEMP_PROFILES} (profile_id)")
    removed = conn.execute(
        f"DELETE FROM {S.PROFILES} WHERE NOT EXISTS "
        f"(SELECT 1 FROM {_TEMP_PROFILES} t WHERE t.profile_id = {S.PROFILES}.profile_id)"
    ).rowcount
    conn.execute(f"DROP TABLE {_TEMP_PROFILES}")
    new = after_upsert - before
    return new, upserted - new, int(removed)


# --- candidates -------------------------------------------------------------------


class Candidate(NamedTuple):
    """A proposed link before statuses are decided."""

    confidence: float
    method: str
    evidence: Message  # stored in English (``evidence``) and as a message (``evidence_message``)


# Why a profile was matched to a customer: the catalog keys of every evidence phrase (tests hold each one
# translated). The values (e-mails, handles, names, cities) stay as they are in every language.
SAME_EMAIL = "same e-mail {email}"
RECORD_HANDLE = "customer record lists {platform} handle {handle}"
NAME_LIKE = "name '{customer}' ~ '{profile}' ({score})"
SAME_CITY = "same city {city}"
CITY_LIKE = "city {city} ~ '{location}' ({score})"
CITY_NOT_CONFIRMED = "city not confirmed"
EVIDENCE_MESSAGES: tuple[str, ...] = (SAME_EMAIL, RECORD_HANDLE, NAME_LIKE, SAME_CITY, CITY_LIKE, CITY_NOT_CONFIRMED)


def _percent(share: float) -> Percent:
    """A share in [0, 1] as a whole percent, rounded as the English evidence always was (``90%``)."""
    return Percent(float(f"{share * 100:.0f}"))


def name_city_evidence(customer: str, profile: str, score: float, city: str | None, location: str | None,
                       place: float) -> Message:  # fmt: skip
    """Why a name-and-city pair was proposed.

    >>> name_city_evidence("Ana Ruiz", "Ana R.", 0.9, "Madrid", "Madrid", 1.0).english()
    "name 'Ana Ruiz' ~ 'Ana R.' (90%), same city Madrid"
    >>> name_city_evidence("Ana Ruiz", "Ana R.", 0.9, "Madrid", "Madrid, Spain", 0.88).render("es")
    "nombre 'Ana Ruiz' ~ 'Ana R.' (90\xa0%), ciudad Madrid ~ 'Madrid, Spain' (88\xa0%)"
    """
    names = Message(NAME_LIKE, {"customer": _short(customer), "profile": _short(profile), "score": _percent(score)})
    if place == 1.0:
        where = Message(SAME_CITY, {"city": _short(city or "", 40)})
    elif place > 0:
        where = Message(CITY_LIKE, {"city": _short(city or "", 40), "location": _short(location or "", 40),
                                    "score": _percent(place)})  # fmt: skip
    else:
        where = Message(CITY_NOT_CONFIRMED)
    return join([names, where])


Candidates = dict[str, dict[str, Candidate]]  # profile_id -> customer_id -> best candidate


def _offer(found: Candidates, profile_id: str, customer_id: str, candidate: Candidate) -> None:
    current = found[profile_id].get(customer_id)
    if current is None or candidate.confidence > current.confidence:
        found[profile_id][customer_id] = candidate


def _email_key(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    return email if "@" in email else None


def _email_candidates(
    profiles: list[tuple[Any, ...]],
    customers: list[dict[str, Any]],
    found: Candidates,
    locked: set[tuple[str, str]],
) -> None:
    by_email: dict[str, list[str]] = defaultdict(list)
    for c in customers:
        key = _email_key(c["email"])
        if key:
            by_email[key].append(c["customer_id"])
    for profile_id, _platform, _name, email, _location in profiles:
        key = _email_key(email)
        for customer_id in by_email.get(key, ()) if key else ():
            if (profile_id, customer_id) not in locked:
                _offer(
                    found, profile_id, customer_id, Candidate(EMAIL_CONFIDENCE, EMAIL, Message(SAME_EMAIL, {"email": str(key)}))
                )


def _handle_candidates(
    profiles: list[tuple[Any, ...]],
    customers: list[dict[str, Any]],
    found: Candidates,
    locked: set[tuple[str, str]],
) -> None:
    by_handle: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in customers:
        for platform in S.HANDLE_PLATFORMS:
            handle = normalise_handle(c[platform], platform)
            if handle:
                by_handle[(platform, handle)].append(c["customer_id"])
    if not by_handle:
        return
    for profile_id, platform, _name, _email, _location in profiles:
        handle_platform = canonical_platform(platform)
        if handle_platform not in S.HANDLE_PLATFORMS:
            continue
        handle = profile_id.split(":", 1)[1]
        for customer_id in by_handle.get((handle_platform, handle), ()):
            if (profile_id, customer_id) not in locked:
                evidence = Message(RECORD_HANDLE, {"platform": handle_platform, "handle": f"@{handle}"})
                _offer(found, profile_id, customer_id, Candidate(HANDLE_CONFIDENCE, HANDLE, evidence))


def _word_subsets(key: str) -> list[str]:
    """Name keys made of two or more of the words of ``key``, fewer than all of them."""
    words = sorted(set(key.split()))
    if len(words) < 3 or len(words) > _MAX_SUBSET_WORDS:
        return []
    return [" ".join(combo) for size in range(2, len(words)) for combo in itertools.combinations(words, size)]


def name_score(a: str, b: str) -> float:
    """How alike two people's names are, in [0, 1], ignoring case, accents, punctuation and word order.

    The ratio of the names with their words sorted (rapidfuzz
    ``token_sort_ratio``), or 0.9 when every word of the shorter name (two
    words at least) appears in the longer one: a social display name often
    leaves out a second surname ("Ana García" for "Ana García López").

    >>> name_score("José Pérez", "jose perez")
    1.0
    >>> name_score("Ana García", "García López, Ana")
    0.9
    >>> name_score("Ana Garcia", "Anna Garcia")
    0.9524
    """
    ka, kb = _name_key(a), _name_key(b)
    score = fuzz.ratio(ka, kb) / 100
    wa, wb = set(ka.split()), set(kb.split())
    if min(len(wa), len(wb)) >= 2 and (wa <= wb or wb <= wa):
        score = max(score, SUBSET_FACTOR)
    return round(score, 4)


def _similar_name_keys(profile_keys: list[str], customer_keys: list[str]) -> dict[tuple[int, int], float]:
    """Pairs (profile key index, customer key index) whose :func:`name_score` reaches NAME_MIN_SCORE."""
    blocks_p: dict[str, list[int]] = defaultdict(list)
    blocks_c: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(profile_keys):
        for b in _block_keys(key):
            blocks_p[b].append(i)
    for j, key in enumerate(customer_keys):
        for b in _block_keys(key):
            blocks_c[b].append(j)
    cutoff = NAME_MIN_SCORE * 100
    pairs: dict[tuple[int, int], float] = {}
    for block in sorted(blocks_p.keys() & blocks_c.keys()):
        rows, cols = blocks_p[block], blocks_c[block]
        choices = [customer_keys[j] for j in cols]
        # Bound the score matrix to a few MB however skewed the block is.
        step = max(1, 2_000_000 // len(cols))
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            queries = [profile_keys[i] for i in chunk]
            workers = -1 if len(chunk) * len(cols) > 50_000 else 1
            scores = process.cdist(
                queries, choices, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32, workers=workers
            )
            for r, c in zip(*np.nonzero(scores), strict=True):
                pairs[(chunk[r], cols[c])] = round(float(scores[r, c]) / 100, 4)
    # Names inside names ("ana garcia" in "ana garcia lopez") by exact lookups
    # of word subsets: a fuzzy token-set cdist over every block costs more
    # than everything else together.
    customer_index = {key: j for j, key in enumerate(customer_keys)}
    profile_index = {key: i for i, key in enumerate(profile_keys)}
    for pi, key in enumerate(profile_keys):
        for part in _word_subsets(key):
            if (ci := customer_index.get(part)) is not None:
                pairs[(pi, ci)] = max(pairs.get((pi, ci), 0.0), SUBSET_FACTOR)
    for cj, key in enumerate(customer_keys):
        for part in _word_subsets(key):
            if (pj := profile_index.get(part)) is not None:
                pairs[(pj, cj)] = max(pairs.get((pj, cj), 0.0), SUBSET_FACTOR)
    return pairs


def _name_candidates(
    profiles: list[tuple[Any, ...]],
    customers: list[dict[str, Any]],
    found: Candidates,
    locked: set[tuple[str, str]],
    skip: set[str],
) -> None:
    # Compare each distinct name once: many profiles share a display name.
    profile_groups: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for profile_id, _platform, name, _email, location in profiles:
        if profile_id in skip or not name:
            continue
        key = _name_key(name)
        if len(key.split()) >= 2:  # one word ("Ana") says too little about a person
            profile_groups[key].append((profile_id, name, location or ""))
    customer_groups: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for c in customers:
        key = _name_key(c["name"])
        if len(key.split()) >= 2:
            customer_groups[key].append((c["customer_id"], c["name"], c["city"] or ""))
    if not profile_groups or not customer_groups:
        return
    profile_keys, customer_keys = list(profile_groups), list(customer_groups)
    per_profile: dict[str, list[tuple[float, str, float, float, str, str, str, str]]] = defaultdict(list)
    for (i, j), score in _similar_name_keys(profile_keys, customer_keys).items():
        for profile_id, display_name, location in profile_groups[profile_keys[i]]:
            for customer_id, customer_name, city in customer_groups[customer_keys[j]]:
                if (profile_id, customer_id) in locked:
                    continue
                place = city_score(city, location) if city and location else 0.0
                # A name alone is evidence only when the profile says nowhere
                # else: a location that is not the customer's city argues against.
                if place == 0.0 and (location or score < NAME_ALONE_MIN_SCORE):
                    continue
                confidence = name_city_confidence(score, place)
                per_profile[profile_id].append(
                    (-confidence, customer_id, score, place, customer_name, display_name, city, location)
                )
    for profile_id, options in per_profile.items():
        options.sort(key=lambda o: (o[0], o[1]))
        for neg, customer_id, score, place, customer_name, display_name, city, location in options[
            :MAX_NAME_SUGGESTIONS
        ]:
            evidence = name_city_evidence(customer_name, display_name, score, city, location, place)
            _offer(found, profile_id, customer_id, Candidate(-neg, NAME_CITY, evidence))


# --- links ------------------------------------------------------------------------


@dataclass
class LinkSummary:
    """What :func:`link_profiles` left in the database."""

    profiles: int
    linked: int
    suggested: int
    by_method: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        """One sentence for the CLI and the app.

        >>> LinkSummary(900, 812, 96, {"email": 120, "handle": 540, "name_city": 152}).summary()
        'Linked 812 profiles to customers (email 120, handle 540, name and city 152); 96 suggestions wait for review.'
        """
        noun = "profile" if self.linked == 1 else "profiles"
        text = f"Linked {self.linked} {noun} to customers"
        parts = [
            f"{METHOD_LABELS.get(m, m)} {self.by_method[m]}"
            for m in sorted(
                self.by_method, key=lambda m: (list(METHOD_LABELS).index(m) if m in METHOD_LABELS else 99, m)
            )
            if self.by_method[m]
        ]
        if parts:
            text += f" ({', '.join(parts)})"
        if self.suggested == 0:
            return text + "; no suggestions wait for review."
        if self.suggested == 1:
            return text + "; 1 suggestion waits for review."
        return text + f"; {self.suggested} suggestions wait for review."


def _is_human(method: str | None, status: str | None, confirmed_by: str | None) -> bool:
    return method == MANUAL or confirmed_by is not None or status == S.REJECTED


def _decide(found: Candidates, threshold: float, human_linked: set[str], now: str) -> list[tuple[Any, ...]]:
    """Rows for the links table: the single best candidate per profile is linked when it is clear."""
    rows: list[tuple[Any, ...]] = []
    for profile_id in sorted(found):
        ranked = sorted(found[profile_id].items(), key=lambda kv: (-kv[1].confidence, kv[0]))
        top = ranked[0][1].confidence
        clear = len(ranked) == 1 or ranked[1][1].confidence < top
        for rank, (customer_id, c) in enumerate(ranked):
            linked = rank == 0 and clear and profile_id not in human_linked and c.confidence >= threshold
            status = S.LINKED if linked else S.SUGGESTED
            rows.append(
                (profile_id, customer_id, c.method, c.confidence, status, c.evidence.english(), c.evidence.to_json(), now)
            )
    return rows


def _human_guard(table: str) -> str:
    """SQL: the link row is automatic (no person has decided on it)."""
    return (
        f"coalesce({table}.method, '') <> '{MANUAL}' AND {table}.confirmed_by IS NULL "
        f"AND coalesce({table}.status, '') <> '{S.REJECTED}'"
    )


def _write_links(
    db: sqlite_utils.Database, rows: list[tuple[Any, ...]], automatic: set[tuple[str, str]]
) -> tuple[int, int]:
    """Upsert ``rows`` and delete the automatic links no longer proposed; (written, removed)."""
    conn = db.conn
    wanted = {(r[0], r[1]) for r in rows}
    stale = sorted(automatic - wanted)
    # The guards repeat in SQL what the caller already filtered, so that a
    # person's decision survives even a caller that forgot to.
    conn.executemany(
        f"DELETE FROM {S.LINKS} WHERE profile_id = ? AND customer_id = ? AND {_human_guard(S.LINKS)}", stale
    )
    changes = conn.total_changes
    values = ("method", "confidence", "status", "evidence", "evidence_message")
    sets = ", ".join(f"{c} = excluded.{c}" for c in values)
    changed = " OR ".join(f"{S.LINKS}.{c} {dialect.differs(db)} excluded.{c}" for c in values)
    guard = _human_guard(S.LINKS)
    conn.executemany(
        f"INSERT INTO {S.LINKS} (profile_id, customer_id, method, confidence, status, evidence, evidence_message, "
        f"created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        f"ON CONFLICT(profile_id, customer_id) DO UPDATE SET {sets} WHERE ({guard}) AND ({changed})",
        rows,
    )
    return conn.total_changes - changes, len(stale)


def _link_summary(db: sqlite_utils.Database, seconds: float) -> LinkSummary:
    conn = db.conn
    profiles = int(conn.execute(f"SELECT count(*) FROM {S.PROFILES}").fetchone()[0])
    linked = int(
        conn.execute(
            f"SELECT count(DISTINCT profile_id) FROM {S.LINKS} WHERE status = ?", [S.LINKED]
        ).fetchone()[0]
    )
    suggested = int(
        conn.execute(f"SELECT count(*) FROM {S.LINKS} WHERE status = ?", [S.SUGGESTED]).fetchone()[0]
    )
    by_method = {
        str(method): int(n)
        for method, n in conn.execute(
            f"SELECT method, count(DISTINCT profile_id) FROM {S.LINKS} WHERE status = ? GROUP BY method ORDER BY method",
            [S.LINKED],
        )
    }
    return LinkSummary(profiles, linked, suggested, by_method, round(seconds, 3))


def link_profiles(
    db: sqlite_utils.Database, *, threshold: float = S.LINK_THRESHOLD, progress: Progress | None = None
) -> LinkSummary:
    """Rebuild ``profiles`` from ``mentions`` and link profiles to customers.

    Each candidate pair gets a method, a confidence in [0, 1] and a one-line
    evidence. Per profile, the most confident customer is ``linked`` when its
    confidence reaches ``threshold`` and no other customer ties with it; every
    other candidate is ``suggested``. Confidences: e-mail 1.0, handle 0.95,
    name and city ``min(0.9, 0.7 * name_score + 0.2 * city_score)`` with
    name_score >= 0.8, or >= 0.9 when the profile gives no location (a
    location that is not the customer's city rules the pair out)
    (see :func:`name_city_confidence`). Name matching is a
    fallback: it runs only for profiles that no e-mail or handle matched and
    that no person has linked.

    Links that are ``manual``, confirmed by a person or ``rejected`` are left
    untouched and their pairs never proposed again; a profile a person has
    linked gets no second automatic ``linked`` customer. Automatic links that
    the data no longer supports are removed. Running twice on the same data
    writes no row the second time. Everything happens in one transaction.

    >>> db = store.open_db(":memory:")
    >>> link_profiles(db).summary()
    'Linked 0 profiles to customers; no suggestions wait for review.'
    """
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(Message(
            "The link threshold must be between 0 and 1, not {threshold}; use for example 0.85.", {"threshold": str(threshold)}
        ))
    started = time.perf_counter()

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    with store.transaction(db):
        report(0.0, "Building profiles from mentions")
        new, updated, removed = _rebuild_profiles(db)
        log.info("profiles: %d new, %d updated, %d removed", new, updated, removed)

        report(0.3, "Matching e-mails and handles")
        conn = db.conn
        profiles = conn.execute(
            f"SELECT profile_id, platform, display_name, email, location FROM {S.PROFILES} ORDER BY profile_id"
        ).fetchall()
        customer_cols = ["customer_id", "name", "email", "city", *S.HANDLE_PLATFORMS]
        cursor = conn.execute(f"SELECT {', '.join(customer_cols)} FROM {S.CUSTOMERS} ORDER BY customer_id")
        customers = [dict(zip(customer_cols, row, strict=True)) for row in cursor]
        existing = conn.execute(
            f"SELECT profile_id, customer_id, method, status, confirmed_by FROM {S.LINKS}"
        ).fetchall()
        locked = {(p, c) for p, c, m, s, by in existing if _is_human(m, s, by)}
        automatic = {(p, c) for p, c, m, s, by in existing if not _is_human(m, s, by)}
        human_linked = {p for p, _c, m, s, by in existing if _is_human(m, s, by) and s == S.LINKED}

        found: Candidates = defaultdict(dict)
        _email_candidates(profiles, customers, found, locked)
        _handle_candidates(profiles, customers, found, locked)

        report(0.5, "Comparing names and cities")
        _name_candidates(profiles, customers, found, locked, skip=set(found) | human_linked)

        report(0.85, "Saving links")
        rows = _decide(found, threshold, human_linked, store.utcnow())
        written, stale = _write_links(db, rows, automatic)
        log.info("links: %d candidates, %d written, %d stale removed", len(rows), written, stale)
        summary = _link_summary(db, time.perf_counter() - started)
    report(1.0, summary.summary())
    return summary


def links_for_customer(
    db: sqlite_utils.Database, customer_id: str, *, include_rejected: bool = False
) -> list[dict[str, Any]]:
    """The profiles linked or suggested for one customer, best first.

    Each dict has profile_id, platform, handle, display_name, followers,
    mentions, method, confidence, status, evidence, confirmed_by, created_at.
    Raises :class:`~scrm.errors.NotFound` when the customer does not exist.
    """
    exists = db.execute(f"SELECT 1 FROM {S.CUSTOMERS} WHERE customer_id = ?", [customer_id]).fetchone()
    if exists is None:
        raise NotFound(Message(
            "No customer with id '{id}'. Check the id on the Customers page, or import the customer first.",
            {"id": customer_id},
        ))
    rejected = "" if include_rejected else "AND coalesce(l.status, '') <> 'rejected'"
    sql = f"""
        SELECT l.profile_id, p.platform, p.handle, p.display_name, p.followers, p.mentions,
               l.method, l.confidence, l.status, l.evidence, l.confirmed_by, l.created_at
        FROM {S.LINKS} AS l LEFT JOIN {S.PROFILES} AS p ON p.profile_id = l.profile_id
        WHERE l.customer_id = ? {rejected}
        ORDER BY CASE l.status WHEN 'linked' THEN 0 WHEN 'suggested' THEN 1 ELSE 2 END,
                 l.confidence DESC, l.profile_id
    """
    return list(db.query(sql, [customer_id]))


STAGE = "identity"
# Imports of these kinds change the profiles or their links (the CLI and the Data page say so).
LINKING_KINDS: frozenset[str] = frozenset({S.MENTIONS, S.CUSTOMERS})


def refresh(db: sqlite_utils.Database, *, progress: Progress | None = None) -> StageSummary:
    """The compute stage ``identity``: :func:`link_profiles` after every change of the data.

    Whatever brought new mentions or customers (the Data page, ``python -m
    scrm import``, a live source), the next score rebuilds the profiles and
    proposes their links before roles and journeys read them.

    Its rows are the profiles; its message is :meth:`LinkSummary.summary`.

    >>> db = store.open_db(":memory:")
    >>> refresh(db).message
    'Linked 0 profiles to customers; no suggestions wait for review.'
    """
    summary = link_profiles(db, progress=progress)
    return StageSummary(STAGE, summary.profiles, summary.seconds, summary.summary())
