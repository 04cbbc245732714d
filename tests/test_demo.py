"""The demo dataset: deterministic, the promised sizes, and a story analyses can find.

One small build (the real demo) is shared by the module; determinism and
replacement are checked on the hidden ``tiny`` scale, which builds in well
under a second.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from scrm import demo
from scrm.db import schema as S
from scrm.db import store
from scrm.demo import text as demo_text
from scrm.errors import ConfigError

SMALL_TARGETS = {S.CUSTOMERS: 5_000, S.ORDERS: 50_000, S.MENTIONS: 100_000, S.SURVEYS: 1_500}

# Sentiment words chosen for these tests, independently of the demo's templates:
# a word counts when a folded text has a word starting with it.
POSITIVE = {
    "en": ["love", "great", "brilliant", "amazing", "gorgeous", "perfect", "recommend", "happy", "lovely",
           "beautiful", "fantastic", "impressed", "best", "easy", "thank", "obsessed", "pleased", "bargain",
           "favourite", "comfortable"],
    "es": ["encant", "genial", "precios", "perfect", "recomiend", "recomendable", "maravilla", "content", "bonit",
           "gracias", "mejor", "feliz", "enamorad", "facilisim", "chollazo", "comodisim", "top", "de diez", "un 10",
           "ilusion", "alegria", "bravo", "orgullos", "obsesionad", "espectacular", "gustazo", "regalo"],
    "fr": ["ador", "genial", "parfait", "recommand", "magnifique", "superbe", "ravi", "merci", "top", "content",
           "coup de coeur", "meilleur", "bravo", "joli", "trop bien", "bonheur", "fan", "affaire", "conquise", "fier",
           "plaisir", "super", "amoureu", "beau"],
}
NEGATIVE = {
    "en": ["disappoint", "terrible", "awful", "worst", "never again", "useless", "ridiculous", "broke", "shocking",
           "rude", "nightmare", "avoid", "unacceptable", "poor", "waste", "fed up", "disaster", "rip-off", "joke",
           "frustrat", "gutted", "furious", "fuming", "regret", "disgrace", "pathetic", "annoy"],
    "es": ["decepcion", "fatal", "horrible", "peor", "verguenza", "vergonzoso", "desastre", "inutil", "harta",
           "nunca mas", "pesim", "lamentable", "rot", "timo", "pesadilla", "inaceptable", "rabia", "desesperacion",
           "cutre", "endeble", "no lo recomiendo", "no compreis", "furios", "de risa", "bordes", "arrepiento"],
    "fr": ["decu", "deception", "decevant", "nul", "horrible", "pire", "honteux", "catastrophe", "lamentable",
           "scandaleux", "inadmissible", "marre", "arnaque", "cauchemar", "a eviter", "plus jamais", "desagreable",
           "mediocre", "furieu", "rageant", "exasperant", "insupportable", "fiasco", "deplorable", "galere",
           "ras-le-bol", "regrette", "inacceptable", "inutile", "n'importe quoi"],
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _says(text: str, words: list[str]) -> bool:
    folded = _fold(text)
    return any(re.search(r"(?<!\w)" + re.escape(_fold(w)), folded) for w in words)


def _table_hash(db: sqlite_utils.Database, table: str) -> str:
    pk = S.PRIMARY_KEYS[table]
    order = pk if isinstance(pk, str) else ", ".join(pk)
    digest = hashlib.sha256()
    for row in db.execute(f'SELECT * FROM "{table}" ORDER BY {order}'):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _story(db: sqlite_utils.Database) -> dict[str, Any]:
    value = store.get_meta(db, "demo_story")
    assert value is not None
    return dict(json.loads(value))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sqlite_utils.Database, demo.DemoSummary, list[tuple[float, str]]]]:
    """The real demo (scale small) in a file, built once for the module."""
    db = store.open_db(tmp_path_factory.mktemp("demo") / "scrm.db")
    calls: list[tuple[float, str]] = []
    summary = demo.build_demo(db, seed=7, scale="small", progress=lambda f, m: calls.append((f, m)))
    yield db, summary, calls
    db.close()


@pytest.fixture
def small_db(small: tuple[sqlite_utils.Database, demo.DemoSummary, list[tuple[float, str]]]) -> sqlite_utils.Database:
    return small[0]


def _tiny(seed: int = 7, db: sqlite_utils.Database | None = None) -> sqlite_utils.Database:
    db = db if db is not None else store.open_db(":memory:")
    demo.build_demo(db, seed=seed, scale="tiny", link=False)
    return db


# --- sizes and determinism --------------------------------------------------------------


@pytest.mark.parametrize("table", list(SMALL_TARGETS))
def test_small_demo_has_the_promised_number_of_rows(small_db: sqlite_utils.Database, table: str) -> None:
    n = store.counts(small_db)[table]
    assert abs(n - SMALL_TARGETS[table]) <= 0.1 * SMALL_TARGETS[table]


def test_summary_counts_what_was_written(small: tuple[sqlite_utils.Database, demo.DemoSummary, Any]) -> None:
    db, summary, _ = small
    counts = store.counts(db)
    for table in SMALL_TARGETS:
        assert summary.counts[table] == counts[table]
    assert summary.summary().startswith("Built the demo dataset (seed 7, small) in ")
    assert f"{counts[S.MENTIONS]:,} mentions" in summary.summary()


def test_summary_line_reads_as_a_sentence() -> None:
    summary = demo.DemoSummary(7, "small", {"customers": 5000, "orders": 50000, "mentions": 100000, "surveys": 1500}, 9.87)
    assert summary.summary() == (
        "Built the demo dataset (seed 7, small) in 9.9 s: 5,000 customers, 50,000 orders, 100,000 mentions, 1,500 surveys."
    )


def test_progress_goes_from_zero_to_one_without_going_back(small: tuple[Any, Any, list[tuple[float, str]]]) -> None:
    calls = small[2]
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(message for _, message in calls)


def test_same_seed_gives_identical_rows() -> None:
    a, b = _tiny(7), _tiny(7)
    for table in (*S.KINDS, S.META):
        if table == S.META:
            assert store.get_meta(a, "demo_story") == store.get_meta(b, "demo_story")
        else:
            assert _table_hash(a, table) == _table_hash(b, table), table


def test_another_seed_gives_other_rows() -> None:
    a, b = _tiny(7), _tiny(8)
    for table in S.KINDS:
        assert _table_hash(a, table) != _table_hash(b, table), table


def test_generated_rows_do_not_depend_on_the_database() -> None:
    data = demo.generate_demo(7, "tiny")
    db = _tiny(7)
    ids = [r[0] for r in db.execute(f"SELECT mention_id FROM {S.MENTIONS} ORDER BY mention_id")]
    assert ids == data.tables[S.MENTIONS]["mention_id"]
    assert data.rows(S.CUSTOMERS) == store.counts(db)[S.CUSTOMERS]


def test_building_again_replaces_the_previous_demo(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "scrm.db")
    _tiny(7, db)
    store.insert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
                      [("x-1", "twitter", "someone", "an imported tweet", "2026-01-01T00:00:00")])
    _tiny(8, db)
    fresh = _tiny(8)
    for table in S.KINDS:
        assert _table_hash(db, table) == _table_hash(fresh, table), table


def test_building_without_replace_keeps_other_rows() -> None:
    db = store.open_db(":memory:")
    store.insert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
                      [("x-1", "twitter", "someone", "an imported tweet", "2026-01-01T00:00:00")])
    demo.build_demo(db, scale="tiny", replace=False, link=False)
    assert db.execute(f"SELECT text FROM {S.MENTIONS} WHERE mention_id = 'x-1'").fetchone() == ("an imported tweet",)


def test_unknown_scale_is_refused_with_the_choices() -> None:
    db = store.open_db(":memory:")
    with pytest.raises(ConfigError) as e:
        demo.build_demo(db, scale="huge")
    assert str(e.value) == "Unknown demo scale 'huge': use small, medium or large."
    assert store.counts(db)[S.CUSTOMERS] == 0


def test_meta_marks_the_demo_and_its_brand(small_db: sqlite_utils.Database) -> None:
    assert store.is_demo(small_db)
    assert store.get_meta(small_db, "own_brand") == "Velora"
    story = _story(small_db)
    assert story["own_brand"] == "Velora"
    assert story["competitors"] == ["Casanova Home", "Maison Brix"]
    assert story["crisis"]["start"] == "2026-07-27" and story["crisis"]["end"] == "2026-08-02"
    for key in ("advocates", "ambassadors", "influencers", "detractors", "seasonal_buyers", "b2b_accounts", "identity"):
        assert story[key], key


# --- identifiers and time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "pattern"),
    [
        (S.CUSTOMERS, "customer_id", r"C\d{6}"),
        (S.ORDERS, "order_id", r"O\d{7}"),
        (S.MENTIONS, "mention_id", r"M\d{8}"),
        (S.SURVEYS, "survey_id", r"S\d{5}"),
    ],
)
def test_identifiers_follow_their_pattern(small_db: sqlite_utils.Database, table: str, column: str, pattern: str) -> None:
    bad = [v for (v,) in small_db.execute(f"SELECT {column} FROM {table}") if not re.fullmatch(pattern, v)]
    assert bad == []


@pytest.mark.parametrize(
    ("table", "column"),
    [(S.CUSTOMERS, "created_at"), (S.ORDERS, "ordered_at"), (S.MENTIONS, "posted_at"), (S.SURVEYS, "answered_at")],
)
def test_nothing_is_dated_after_the_anchor(small_db: sqlite_utils.Database, table: str, column: str) -> None:
    first, last, n = small_db.execute(f"SELECT min({column}), max({column}), count({column}) FROM {table}").fetchone()
    assert n == store.counts(small_db)[table]
    assert last <= demo.ANCHOR == "2026-10-31T23:59:59"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", last)
    if table != S.CUSTOMERS:  # some customers joined before the two years of activity
        assert first >= "2024-11-01T00:00:00"


def test_customers_sign_up_before_their_first_order(small_db: sqlite_utils.Database) -> None:
    late = small_db.execute(
        f"""SELECT count(*) FROM {S.CUSTOMERS} c JOIN (SELECT customer_id, min(ordered_at) AS first
            FROM {S.ORDERS} GROUP BY 1) o USING (customer_id) WHERE c.created_at > o.first"""
    ).fetchone()[0]
    assert late == 0


def test_orders_belong_to_known_customers(small_db: sqlite_utils.Database) -> None:
    orphans = small_db.execute(
        f"SELECT count(*) FROM {S.ORDERS} WHERE customer_id NOT IN (SELECT customer_id FROM {S.CUSTOMERS})"
    ).fetchone()[0]
    assert orphans == 0


def test_replies_come_after_the_mention_they_answer(small_db: sqlite_utils.Database) -> None:
    rows = small_db.execute(
        f"""SELECT count(*), sum(p.mention_id IS NULL), sum(p.posted_at > m.posted_at)
            FROM {S.MENTIONS} m LEFT JOIN {S.MENTIONS} p ON p.mention_id = m.in_reply_to
            WHERE m.in_reply_to IS NOT NULL"""
    ).fetchone()
    assert rows[0] > 10_000
    assert rows[1] == 0  # every in_reply_to names an existing mention
    assert rows[2] == 0


# --- customers and orders ---------------------------------------------------------------------


def test_customers_look_like_people_of_their_country(small_db: sqlite_utils.Database) -> None:
    rows = list(small_db.execute(f"SELECT name, country, city, email, phone FROM {S.CUSTOMERS}"))
    countries = Counter(r[1] for r in rows)
    assert set(countries) == {"ES", "FR", "GB"}
    assert all(c > 0.25 * len(rows) for c in countries.values())
    cities = {c: {city for city, _ in demo_text.CITIES[c]} for c in countries}
    assert all(r[2] in cities[r[1]] for r in rows)
    assert any("ñ" in r[0] or "á" in r[0] or "í" in r[0] for r in rows if r[1] == "ES")
    assert any("é" in r[0] or "ë" in r[0] or "ï" in r[0] for r in rows if r[1] == "FR")
    emails = [r[3] for r in rows if r[3]]
    assert 0.9 * len(rows) < len(emails) < len(rows)
    assert len({e.lower() for e in emails}) == len(emails)  # no two customers share an address
    assert any(e != e.lower() for e in emails)  # some arrive capitalised, as in a real CRM
    phones = Counter(r[4][:3] for r in rows if r[4])
    assert phones["+34"] and phones["+33"] and phones["+44"]


def test_about_two_thirds_consent_to_marketing(small_db: sqlite_utils.Database) -> None:
    share = small_db.execute(f"SELECT avg(consent_marketing) FROM {S.CUSTOMERS}").fetchone()[0]
    assert 0.6 < share < 0.7


def test_b2b_accounts_group_two_to_six_contacts(small_db: sqlite_utils.Database) -> None:
    sizes = [n for _, n in small_db.execute(f"SELECT account, count(*) FROM {S.CUSTOMERS} WHERE account IS NOT NULL GROUP BY 1")]
    assert 30 <= len(sizes) <= 50
    assert min(sizes) >= 2 and max(sizes) <= 6
    assert 0.02 < sum(sizes) / store.counts(small_db)[S.CUSTOMERS] < 0.04
    assert sorted(_story(small_db)["b2b_accounts"]) == sorted(
        a for (a,) in small_db.execute(f"SELECT DISTINCT account FROM {S.CUSTOMERS} WHERE account IS NOT NULL")
    )


def test_b2b_orders_are_larger(small_db: sqlite_utils.Database) -> None:
    def median(where: str) -> float:
        values = sorted(v for (v,) in small_db.execute(
            f"SELECT o.amount FROM {S.ORDERS} o JOIN {S.CUSTOMERS} c USING (customer_id) WHERE o.amount > 0 AND {where}"
        ))
        return values[len(values) // 2]

    assert median("c.account IS NOT NULL") > 5 * median("c.account IS NULL")


def test_orders_have_returns_currencies_channels_and_categories(small_db: sqlite_utils.Database) -> None:
    n = store.counts(small_db)[S.ORDERS]
    returns = small_db.execute(f"SELECT count(*) FROM {S.ORDERS} WHERE amount < 0").fetchone()[0]
    assert 0.02 < returns / n < 0.04
    currency = dict(small_db.execute(
        f"SELECT c.country, group_concat(DISTINCT o.currency) FROM {S.ORDERS} o JOIN {S.CUSTOMERS} c USING (customer_id) GROUP BY 1"
    ).fetchall())
    assert currency == {"ES": "EUR", "FR": "EUR", "GB": "GBP"}
    assert {c for (c,) in small_db.execute(f"SELECT DISTINCT channel FROM {S.ORDERS}")} == {"store", "online", "app"}
    assert {c for (c,) in small_db.execute(f"SELECT DISTINCT category FROM {S.ORDERS}")} == set(demo_text.CATEGORIES)


def test_orders_peak_before_christmas(small_db: sqlite_utils.Database) -> None:
    by_month = dict(small_db.execute(
        f"SELECT substr(ordered_at, 6, 2), count(*) FROM {S.ORDERS} WHERE ordered_at < '2025-11-01' GROUP BY 1"
    ).fetchall())
    assert by_month["12"] > 1.5 * by_month["02"]


def test_seasonal_buyers_only_buy_in_sales_seasons(small_db: sqlite_utils.Database) -> None:
    ids = _story(small_db)["seasonal_buyers"]
    assert len(ids) > 300
    marks = ",".join("?" for _ in ids)
    months = Counter(m for (m,) in small_db.execute(
        f"SELECT substr(ordered_at, 6, 2) FROM {S.ORDERS} WHERE amount > 0 AND customer_id IN ({marks})", ids
    ))
    assert set(months) <= {"11", "12", "01", "06", "07"}


def _spend_rank(db: sqlite_utils.Database) -> dict[str, float]:
    """Each customer's total spend (in euros) as a percentile among customers."""
    spend = dict(db.execute(
        f"SELECT customer_id, sum(CASE currency WHEN 'GBP' THEN amount / 0.86 ELSE amount END) FROM {S.ORDERS} GROUP BY 1"
    ).fetchall())
    ordered = sorted(spend, key=lambda c: spend[c])
    return {c: (i + 1) / len(ordered) for i, c in enumerate(ordered)}


def test_ambassadors_are_advocates_among_the_best_customers(small_db: sqlite_utils.Database) -> None:
    story = _story(small_db)
    rank = _spend_rank(small_db)
    ambassadors = story["ambassadors"]
    assert 25 <= len(ambassadors) <= 35
    assert {a["handle"] for a in ambassadors} <= set(story["advocates"])
    assert min(rank[a["customer_id"]] for a in ambassadors) >= 0.8


def test_detractor_customers_spend_more_than_most(small_db: sqlite_utils.Database) -> None:
    rank = _spend_rank(small_db)
    ranks = sorted(rank[d["customer_id"]] for d in _story(small_db)["detractor_customers"])
    assert ranks[len(ranks) // 2] > 0.6


def test_surveys_agree_with_the_personas(small_db: sqlite_utils.Database) -> None:
    story = _story(small_db)
    scores = dict.fromkeys(("ambassadors", "detractor_customers"), [])
    for key in scores:
        ids = [x["customer_id"] for x in story[key]]
        marks = ",".join("?" for _ in ids)
        scores[key] = [s for (s,) in small_db.execute(f"SELECT score FROM {S.SURVEYS} WHERE customer_id IN ({marks})", ids)]
    assert scores["ambassadors"] and min(scores["ambassadors"]) >= 9
    assert scores["detractor_customers"] and max(scores["detractor_customers"]) <= 4
    all_scores = [s for (s,) in small_db.execute(f"SELECT score FROM {S.SURVEYS}")]
    assert set(all_scores) <= set(range(11))
    nps = (sum(s >= 9 for s in all_scores) - sum(s <= 6 for s in all_scores)) / len(all_scores)
    assert 0.0 < nps < 0.5


def test_surveys_follow_an_order_and_comment_in_the_customer_language(small_db: sqlite_utils.Database) -> None:
    rows = list(small_db.execute(
        f"""SELECT s.comment, c.country, s.answered_at, (SELECT min(ordered_at) FROM {S.ORDERS} o WHERE o.customer_id = s.customer_id)
            FROM {S.SURVEYS} s JOIN {S.CUSTOMERS} c USING (customer_id)"""
    ))
    assert len(rows) == store.counts(small_db)[S.SURVEYS]
    assert all(first is not None and first < answered for _, _, answered, first in rows)
    french = [comment for comment, country, _, _ in rows if comment and country == "FR"]
    spanish = [comment for comment, country, _, _ in rows if comment and country == "ES"]
    assert sum(_says(c, POSITIVE["fr"] + NEGATIVE["fr"] + ["livraison", "correct"]) for c in french) > 0.7 * len(french)
    assert sum(_says(c, POSITIVE["es"] + NEGATIVE["es"] + ["entrega", "correcto"]) for c in spanish) > 0.7 * len(spanish)


# --- mentions ----------------------------------------------------------------------------------


def test_mentions_come_from_at_least_five_platforms_and_every_kind(small_db: sqlite_utils.Database) -> None:
    platforms = dict(small_db.execute(f"SELECT platform, count(*) FROM {S.MENTIONS} GROUP BY 1").fetchall())
    assert {"twitter", "instagram", "facebook", "tiktok", "forum"} <= set(platforms)
    assert {"trustpilot", "google_reviews"} & set(platforms)
    kinds = {k for (k,) in small_db.execute(f"SELECT DISTINCT kind FROM {S.MENTIONS}")}
    assert kinds == set(S.MENTION_KINDS)
    assert {v for (v,) in small_db.execute(f"SELECT DISTINCT visibility FROM {S.MENTIONS} WHERE kind = 'dm'")} == {"private"}
    assert {k for (k,) in small_db.execute(f"SELECT DISTINCT kind FROM {S.MENTIONS} WHERE platform IN ('trustpilot', 'google_reviews') AND in_reply_to IS NULL")} == {"review"}


def test_three_languages_in_the_announced_shares(small_db: sqlite_utils.Database) -> None:
    n = store.counts(small_db)[S.MENTIONS]
    shares = {lang: c / n for lang, c in small_db.execute(f"SELECT lang, count(*) FROM {S.MENTIONS} GROUP BY 1")}
    assert set(shares) == {"en", "es", "fr"}
    assert 0.4 < shares["en"] < 0.5
    assert 0.25 < shares["es"] < 0.35
    assert 0.2 < shares["fr"] < 0.3


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ["the", "and", "my"]), ("es", ["el", "la", "de", "que", "y"]), ("fr", ["le", "la", "de", "et", "les"])],
)
def test_texts_are_written_in_their_language(small_db: sqlite_utils.Database, lang: str, words: list[str]) -> None:
    texts = [t for (t,) in small_db.execute(
        f"SELECT text FROM {S.MENTIONS} WHERE lang = ? AND kind NOT IN ('share') ORDER BY mention_id LIMIT 2000", [lang]
    )]
    with_words = sum(bool(set(re.findall(r"\w+", t.lower())) & set(words)) for t in texts)
    assert with_words > 0.6 * len(texts)


def test_own_brand_has_about_sixty_percent_of_the_voice(small_db: sqlite_utils.Database) -> None:
    n = store.counts(small_db)[S.MENTIONS]
    brands = {b: c / n for b, c in small_db.execute(f"SELECT brand, count(*) FROM {S.MENTIONS} GROUP BY 1")}
    assert set(brands) == {"Velora", "Casanova Home", "Maison Brix"}
    assert 0.55 < brands["Velora"] < 0.7


def test_texts_are_real_posts_not_placeholders(small_db: sqlite_utils.Database) -> None:
    texts = [t for (t,) in small_db.execute(f"SELECT text FROM {S.MENTIONS}")]
    assert not [t for t in texts if re.fullmatch(r"text \d+", t) or "{" in t or "}" in t]
    sample = random.Random(0).sample(texts, 1000)
    assert len(set(sample)) >= 950
    assert sum("#" in t for t in texts) > 0.2 * len(texts)
    assert sum(bool(re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", t)) for t in texts) > 0.2 * len(texts)
    assert sum(t.startswith("RT @") for t in texts) > 1000


def test_tweets_fit_in_280_characters(small_db: sqlite_utils.Database) -> None:
    longest = small_db.execute(
        f"SELECT max(length(text)) FROM {S.MENTIONS} WHERE platform = 'twitter' AND kind NOT IN ('share', 'dm')"
    ).fetchone()[0]
    assert longest <= 280


def test_urls_follow_each_platform(small_db: sqlite_utils.Database) -> None:
    starts = {
        "twitter": "https://x.com/",
        "instagram": "https://www.instagram.com/p/",
        "facebook": "https://www.facebook.com/",
        "tiktok": "https://www.tiktok.com/@",
        "trustpilot": "https://www.trustpilot.com/reviews/",
        "google_reviews": "https://maps.app.goo.gl/",
    }
    for platform, start in starts.items():
        bad = small_db.execute(
            f"SELECT count(*) FROM {S.MENTIONS} WHERE platform = ? AND kind != 'dm' AND (url IS NULL OR substr(url, 1, ?) != ?)",
            [platform, len(start), start],
        ).fetchone()[0]
        assert bad == 0, platform
    assert small_db.execute(f"SELECT count(*) FROM {S.MENTIONS} WHERE kind = 'dm' AND url IS NOT NULL").fetchone()[0] == 0
    tweet = small_db.execute(f"SELECT author, url FROM {S.MENTIONS} WHERE platform = 'twitter' AND kind = 'post' LIMIT 1").fetchone()
    assert re.fullmatch(rf"https://x\.com/{re.escape(tweet[0])}/status/\d{{18,19}}", tweet[1])


def test_crisis_week_is_a_spike_of_the_own_brand(small_db: sqlite_utils.Database) -> None:
    story = _story(small_db)["crisis"]
    start = date.fromisoformat(story["start"])
    assert start.weekday() == 0 and date.fromisoformat(story["end"]) == start + timedelta(days=6)
    first_monday = date(2024, 11, 4)
    weeks: Counter[int] = Counter()
    own: Counter[int] = Counter()
    for day, brand, n in small_db.execute(f"SELECT substr(posted_at, 1, 10), brand, count(*) FROM {S.MENTIONS} GROUP BY 1, 2"):
        week = (date.fromisoformat(day) - first_monday).days // 7
        if week >= 0:
            weeks[week] += n
            if brand == "Velora":
                own[week] += n
    full = sorted(weeks)[:-1]  # the last week is not over on the anchor day
    median = sorted(weeks[w] for w in full)[len(full) // 2]
    crisis = (start - first_monday).days // 7
    assert weeks[crisis] >= 3 * median
    assert max(weeks[w] for w in full if w != crisis) < weeks[crisis]
    assert own[crisis] > 0.85 * weeks[crisis]


def test_crisis_is_about_delivery(small_db: sqlite_utils.Database) -> None:
    texts = [t for (t,) in small_db.execute(
        f"""SELECT text FROM {S.MENTIONS} WHERE posted_at BETWEEN '2026-07-27' AND '2026-08-03' AND brand = 'Velora'
            AND lang = 'en' AND kind IN ('post', 'dm', 'review', 'forum') AND from_brand = 0"""
    )]
    assert len(texts) > 500
    delivery = ["deliver", "order", "warehouse", "tracking", "delay", "courier", "money back", "refund", "excuses"]
    assert sum(_says(t, delivery) for t in texts) > 0.7 * len(texts)
    assert sum(_says(t, NEGATIVE["en"]) for t in texts) > 0.5 * len(texts)


def test_brands_answer_complaints_from_their_own_accounts(small_db: sqlite_utils.Database) -> None:
    story = _story(small_db)
    rows = list(small_db.execute(
        f"""SELECT r.brand, r.author, r.kind, p.kind, r.visibility, p.visibility,
                   (julianday(r.posted_at) - julianday(p.posted_at)) * 86400
            FROM {S.MENTIONS} r JOIN {S.MENTIONS} p ON p.mention_id = r.in_reply_to WHERE r.from_brand = 1"""
    ))
    assert len(rows) > 5_000
    for brand, author, kind, parent_kind, vis, parent_vis, seconds in rows:
        accounts = story["brands"][brand]
        assert author in {*accounts["accounts"].values(), accounts["support"], accounts["review_author"]}
        assert (kind == "dm") == (parent_kind == "dm") and vis == parent_vis
        assert 299 <= seconds <= 2 * 86_400 + 1
    assert "velora_help" in {r[1] for r in rows}


def test_most_complaints_to_velora_are_answered(small_db: sqlite_utils.Database) -> None:
    # Private messages to the brand are complaints or questions; most get an answer.
    answered = {p for (p,) in small_db.execute(f"SELECT in_reply_to FROM {S.MENTIONS} WHERE from_brand = 1")}
    dms = [m for (m,) in small_db.execute(
        f"SELECT mention_id FROM {S.MENTIONS} WHERE kind = 'dm' AND from_brand = 0 AND brand = 'Velora' AND in_reply_to IS NULL"
    )]
    share = sum(m in answered for m in dms) / len(dms)
    assert 0.35 < share < 0.85


def test_engagement_grows_with_followers(small_db: sqlite_utils.Database) -> None:
    def mean_likes(low: int, high: int) -> float:
        return float(small_db.execute(
            f"SELECT avg(likes) FROM {S.MENTIONS} WHERE kind = 'post' AND from_brand = 0 AND author_followers BETWEEN ? AND ?",
            [low, high],
        ).fetchone()[0])

    assert mean_likes(50_000, 10**7) > 20 * mean_likes(0, 500)
    negative = small_db.execute(f"SELECT count(*) FROM {S.MENTIONS} WHERE likes < 0 OR shares < 0 OR replies < 0").fetchone()[0]
    assert negative == 0


def test_influencers_have_the_largest_audiences(small_db: sqlite_utils.Database) -> None:
    story = _story(small_db)
    followers = dict(small_db.execute(
        f"SELECT author, max(author_followers) FROM {S.MENTIONS} WHERE from_brand = 0 AND author_followers IS NOT NULL GROUP BY 1"
    ).fetchall())
    assert 35 <= len(story["influencers"]) <= 45
    assert all(50_000 <= followers[h] <= 2_000_000 for h in story["influencers"])
    others = [f for h, f in followers.items() if h not in set(story["influencers"]) | set(story["detractors"]) | set(story["advocates"])]
    assert max(others) <= 2_000


def _own_texts_by(db: sqlite_utils.Database, handles: list[str]) -> dict[str, list[str]]:
    marks = ",".join("?" for _ in handles)
    out: dict[str, list[str]] = {"en": [], "es": [], "fr": []}
    for lang, text in db.execute(
        f"""SELECT lang, text FROM {S.MENTIONS} WHERE author IN ({marks}) AND brand = 'Velora'
            AND from_brand = 0 AND kind != 'share'""",
        handles,
    ):
        out[lang].append(text)
    return out


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_advocates_speak_well_of_the_own_brand(small_db: sqlite_utils.Database, lang: str) -> None:
    story = _story(small_db)
    assert 140 <= len(story["advocates"]) <= 160
    texts = _own_texts_by(small_db, story["advocates"])[lang]
    assert len(texts) > 200
    assert sum(_says(t, POSITIVE[lang]) for t in texts) >= 0.75 * len(texts)
    assert sum(_says(t, NEGATIVE[lang]) for t in texts) <= 0.05 * len(texts)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_detractors_speak_ill_of_the_own_brand(small_db: sqlite_utils.Database, lang: str) -> None:
    story = _story(small_db)
    assert 110 <= len(story["detractors"]) <= 130
    texts = _own_texts_by(small_db, story["detractors"])[lang]
    assert len(texts) > 200
    assert sum(_says(t, NEGATIVE[lang]) for t in texts) >= 0.55 * len(texts)
    assert sum(_says(t, POSITIVE[lang]) for t in texts) <= 0.15 * len(texts)


def test_vader_agrees_on_english_advocates_and_detractors(small_db: sqlite_utils.Database) -> None:
    vader = pytest.importorskip("vaderSentiment.vaderSentiment", reason="vaderSentiment is not installed")
    analyser = vader.SentimentIntensityAnalyzer()
    story = _story(small_db)

    def mean(handles: list[str]) -> float:
        texts = _own_texts_by(small_db, handles)["en"]
        return sum(analyser.polarity_scores(t)["compound"] for t in texts) / len(texts)

    assert mean(story["advocates"]) > 0.4
    assert mean(story["detractors"]) < -0.2


def test_detractors_have_reach(small_db: sqlite_utils.Database) -> None:
    story = _story(small_db)
    marks = ",".join("?" for _ in story["detractors"])
    low = small_db.execute(
        f"SELECT min(author_followers) FROM {S.MENTIONS} WHERE author IN ({marks}) AND author_followers IS NOT NULL AND from_brand = 0",
        story["detractors"],
    ).fetchone()[0]
    assert low >= 1_000


def test_customers_who_post_mostly_do_so_after_their_first_order(small_db: sqlite_utils.Database) -> None:
    truth = _story(small_db)["identity"]["profiles"]
    first_order = dict(small_db.execute(f"SELECT customer_id, min(ordered_at) FROM {S.ORDERS} GROUP BY 1").fetchall())
    owner = {(p["platform"], p["author"]): p["customer_id"] for p in truth}
    after = total = 0
    for platform, author, posted in small_db.execute(f"SELECT platform, author, posted_at FROM {S.MENTIONS} WHERE from_brand = 0"):
        customer = owner.get((platform, author))
        if customer:
            total += 1
            after += posted >= first_order[customer]
    assert total > 500
    assert after > 0.9 * total


def test_planted_profiles_carry_the_evidence_for_their_link(small_db: sqlite_utils.Database) -> None:
    story = _story(small_db)["identity"]
    customers = {r[0]: r for r in small_db.execute(
        f"SELECT customer_id, name, email, city, twitter, instagram, tiktok FROM {S.CUSTOMERS}"
    )}
    for e in story["email"]:
        emails = {m for (m,) in small_db.execute(
            f"SELECT DISTINCT lower(author_email) FROM {S.MENTIONS} WHERE platform = ? AND author = ? AND author_email IS NOT NULL",
            [e["platform"], e["handle"]],
        )}
        assert emails == {customers[e["customer_id"]][2].lower()}
    for e in story["handle"]:
        column = {"twitter": 4, "instagram": 5, "tiktok": 6}[e["platform"]]
        assert e["handle"].lower() in customers[e["customer_id"]][column].lower()
    for e in story["name_city"]:
        name, location = small_db.execute(
            f"SELECT author_name, location FROM {S.MENTIONS} WHERE platform = ? AND author = ? LIMIT 1", [e["platform"], e["handle"]]
        ).fetchone()
        assert name == customers[e["customer_id"]][1]
        assert customers[e["customer_id"]][3] in location
    for e in story["namesakes"]:
        name, location = small_db.execute(
            f"SELECT author_name, location FROM {S.MENTIONS} WHERE platform = ? AND author = ? LIMIT 1", [e["platform"], e["handle"]]
        ).fetchone()
        assert name == customers[e["customer_id"]][1]
        assert location is None or customers[e["customer_id"]][3] not in location


def test_identity_links_the_planted_profiles_and_not_the_namesakes(small_db: sqlite_utils.Database) -> None:
    story = _story(small_db)["identity"]
    linked = {
        (p, c) for p, c in small_db.execute(f"SELECT profile_id, customer_id FROM {S.LINKS} WHERE status = ?", [S.LINKED])
    }
    by_profile = {p for p, _ in linked}
    for method in ("email", "handle", "name_city"):
        planted = [(f"{e['platform']}:{e['handle'].lower()}", e["customer_id"]) for e in story[method]]
        found = sum(pair in linked for pair in planted)
        assert found >= 0.95 * len(planted), method
    namesakes = [f"{e['platform']}:{e['handle'].lower()}" for e in story["namesakes"]]
    assert not [p for p in namesakes if p in by_profile]


# --- templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", demo_text.LANGS)
def test_every_template_fills_for_every_product(lang: str) -> None:
    extra = {
        "b": "Velora", "comp": "Maison Brix", "city": "Lyon", "days": "4", "weeks": "3", "hours": "2", "minutes": "30",
        "pct": "20", "price": "99 €", "agent": "Léa", "room": "le salon", "code": "VELORA20", "order": "O0000001",
        "tag": "#Velora", "who": "@someone", "sig": "^Léa", "bh": "@velora_help", "day": "lundi",
    }
    templates = demo_text.all_templates()[lang]
    assert len(templates) > 250
    for product in demo_text.PRODUCTS:
        slots = {**demo_text.product_slots(product, lang), **extra}
        for where, template in templates:
            text = demo_text.fill(template, slots)
            assert "{" not in text and "}" not in text, (where, template)


def test_spanish_and_french_articles_agree_with_the_product() -> None:
    by_name = {p.en: p for p in demo_text.PRODUCTS}
    assert demo_text.product_slots(by_name["Nube lamp"], "es")["el_p"] == "la lámpara Nube"
    assert demo_text.product_slots(by_name["Lisboa sofa"], "es")["del_p"] == "del sofá Lisboa"
    assert demo_text.product_slots(by_name["Olivo bookcase"], "fr")["le_p"] == "l'étagère Olivo"
    assert demo_text.product_slots(by_name["Olivo bookcase"], "fr")["mon_p"] == "mon étagère Olivo"
    assert demo_text.product_slots(by_name["Nube lamp"], "fr")["du_p"] == "de la lampe Nube"
    assert demo_text.product_slots(by_name["Oslo armchair"], "en")["a_p"] == "an Oslo armchair"


@pytest.mark.parametrize(("eur", "lang", "text"), [(1290, "en", "£1,109"), (1290, "es", "1.290€"), (1290, "fr", "1\u202f290 €")])
def test_prices_are_written_as_each_country_writes_them(eur: int, lang: str, text: str) -> None:
    assert demo_text.format_price(eur, lang) == text


def test_anchor_is_a_fixed_day() -> None:
    assert datetime.fromisoformat(demo.ANCHOR) == datetime(2026, 10, 31, 23, 59, 59)
