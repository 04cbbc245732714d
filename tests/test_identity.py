"""Profiles built from mentions, and their links to customers."""

from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from scrm.analysis import identity
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError, NotFound

MENTION_COLS = [
    "mention_id",
    "platform",
    "author",
    "author_name",
    "author_email",
    "text",
    "posted_at",
    "author_followers",
    "location",
    "from_brand",
]
CUSTOMER_COLS = ["customer_id", "name", "email", "city", "instagram", "twitter"]


def add_mentions(db: sqlite_utils.Database, *rows: tuple[Any, ...]) -> None:
    """Rows of (platform, author, author_name, author_email, posted_at, followers, location[, from_brand])."""
    full = []
    for row in rows:
        platform, author, name, email, posted_at, followers, location, *brand = row
        mention_id = f"{platform}-{author}-{posted_at}"
        full.append(
            (
                mention_id,
                platform,
                author,
                name,
                email,
                "hola",
                posted_at,
                followers,
                location,
                brand[0] if brand else 0,
            )
        )
    store.upsert_rows(db, S.MENTIONS, MENTION_COLS, full)


def add_customers(db: sqlite_utils.Database, *rows: tuple[Any, ...]) -> None:
    """Rows of (customer_id, name, email, city, instagram, twitter)."""
    store.upsert_rows(db, S.CUSTOMERS, CUSTOMER_COLS, rows)


def links(db: sqlite_utils.Database) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["profile_id"], r["customer_id"]): r for r in db.query(f"SELECT * FROM {S.LINKS}")}


def all_rows(db: sqlite_utils.Database, table: str) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT * FROM {table} ORDER BY 1, 2"))


# --- pure helpers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "platform", "expected"),
    [
        ("@Ana_G", None, "ana_g"),
        ("  ana_g  ", "twitter", "ana_g"),
        ("https://www.instagram.com/Ana_G/?hl=es", "instagram", "ana_g"),
        ("instagram.com/ana_g", "instagram", "ana_g"),
        ("http://twitter.com/ana_g", "twitter", "ana_g"),
        ("https://x.com/Ana_G", "twitter", "ana_g"),
        ("https://mobile.twitter.com/ana_g/status/1", "twitter", "ana_g"),
        ("https://www.tiktok.com/@ana_g?lang=es", "tiktok", "ana_g"),
        ("youtube.com/@AnaG", "youtube", "anag"),
        ("https://www.youtube.com/c/AnaG", "youtube", "anag"),
        ("linkedin.com/in/ana-garcia/", "linkedin", "ana-garcia"),
        ("https://www.facebook.com/profile.php?id=1000123", "facebook", "1000123"),
        ("ana.garcia", "facebook", "ana.garcia"),
        ("https://twitter.com/ana_g", "instagram", None),
        ("https://example.com/ana", None, None),
        ("instagram.com", "instagram", None),
        ("https://www.instagram.com/p/C1a2b3/", "instagram", None),
        ("Ana Garcia", "instagram", None),
        ("@", None, None),
        ("  ", None, None),
        (None, None, None),
    ],
)
def test_normalise_handle(value: str | None, platform: str | None, expected: str | None) -> None:
    assert identity.normalise_handle(value, platform) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("José Pérez", "jose perez"),
        ("  JOSÉ   pérez ", "jose perez"),
        ("Pérez-López, José", "perez lopez jose"),
        ("François Ñúñez 🌸", "francois nunez"),
        ("Łukasz Øberg", "lukasz oberg"),
        ("Straße", "strasse"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_name(value: str | None, expected: str) -> None:
    assert identity.normalise_name(value) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("José Pérez", "jose perez", 1.0),
        ("Pérez, José", "jose perez", 1.0),
        ("Ana García", "Ana García López", 0.9),
        ("Ana Garcia", "Ana Garcya", 0.9),
        ("Ana Garcia", "Juan Martinez", 0.52),
    ],
)
def test_name_score_ignores_accents_case_and_word_order(a: str, b: str, expected: float) -> None:
    assert identity.name_score(a, b) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    ("city", "location", "expected"),
    [
        ("Madrid", "Madrid, España", 1.0),
        ("madrid", "MADRID", 1.0),
        ("A Coruña", "Vivo en A Coruna", 1.0),
        ("Madrid", "Madrd", 0.91),
        ("Sevilla", "Madrid", 0.0),
        ("León", "Leonardo's place", 0.0),
        ("", "Madrid", 0.0),
    ],
)
def test_city_score(city: str, location: str, expected: float) -> None:
    assert identity.city_score(city, location) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("name_score", [0.8, 0.85, 0.9, 0.95, 1.0])
@pytest.mark.parametrize("city", [0.0, 0.9, 1.0])
def test_name_city_confidence_stays_within_bounds_and_below_handles(name_score: float, city: float) -> None:
    confidence = identity.name_city_confidence(name_score, city)
    assert 0.0 <= confidence <= identity.NAME_CITY_MAX < identity.HANDLE_CONFIDENCE


def test_name_city_confidence_formula() -> None:
    assert identity.name_city_confidence(1.0, 1.0) == 0.9
    assert identity.name_city_confidence(1.0, 0.0) == 0.7
    assert identity.name_city_confidence(0.9, 1.0) == 0.83


# --- profiles ---------------------------------------------------------------------


def test_profiles_are_built_from_mentions(fresh_db: sqlite_utils.Database) -> None:
    add_mentions(
        fresh_db,
        ("twitter", "@AnaG", "Ana G", "Ana@X.es ", "2024-01-01T10:00:00", 10, "Madrid"),
        ("twitter", "anag", "Ana García", None, "2024-03-01T10:00:00", 30, ""),
        ("twitter", "AnaG", "", "", "2024-02-01T10:00:00", 20, "Madrid, España"),
        ("twitter", "AnaG", None, None, "2024-02-02T10:00:00", None, None),
        ("instagram", "anag", "Ana", None, "2024-01-05T10:00:00", 5, None),
        ("twitter", "MiMarca", "Mi Marca", None, "2024-01-01T11:00:00", 9000, None, 1),
    )
    summary = identity.link_profiles(fresh_db)
    profiles = {r["profile_id"]: r for r in fresh_db.query(f"SELECT * FROM {S.PROFILES}")}
    assert summary.profiles == 3
    assert profiles["twitter:anag"] == {
        "profile_id": "twitter:anag",
        "platform": "twitter",
        "handle": "AnaG",
        "display_name": "Ana García",
        "email": "ana@x.es",
        "followers": 30,
        "location": "Madrid, España",
        "mentions": 4,
        "first_seen": "2024-01-01T10:00:00",
        "last_seen": "2024-03-01T10:00:00",
    }
    assert profiles["instagram:anag"]["mentions"] == 1
    assert profiles["twitter:mimarca"]["display_name"] == "Mi Marca"


def test_profiles_are_updated_and_dropped_when_mentions_change(fresh_db: sqlite_utils.Database) -> None:
    add_mentions(
        fresh_db,
        ("twitter", "ana", "Ana", None, "2024-01-01T10:00:00", 10, None),
        ("twitter", "gone", "Gone", None, "2024-01-01T10:00:00", 10, None),
    )
    identity.link_profiles(fresh_db)
    fresh_db.execute(f"DELETE FROM {S.MENTIONS} WHERE author = 'gone'")
    add_mentions(fresh_db, ("twitter", "ana", "Ana López", None, "2024-05-01T10:00:00", 50, None))
    identity.link_profiles(fresh_db)
    rows = all_rows(fresh_db, S.PROFILES)
    assert [(r["profile_id"], r["display_name"], r["followers"], r["mentions"]) for r in rows] == [
        ("twitter:ana", "Ana López", 50, 2)
    ]


# --- links ------------------------------------------------------------------------


def test_same_email_links_at_full_confidence(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db, ("c1", "Ana García", " ANA@x.es", "Madrid", None, None))
    add_mentions(fresh_db, ("twitter", "anita", "Anita", "ana@X.es", "2024-01-01T10:00:00", 1, None))
    summary = identity.link_profiles(fresh_db)
    link = links(fresh_db)[("twitter:anita", "c1")]
    assert (link["method"], link["confidence"], link["status"], link["evidence"]) == (
        "email",
        1.0,
        "linked",
        "same e-mail ana@x.es",
    )
    assert (summary.linked, summary.suggested, summary.by_method) == (1, 0, {"email": 1})


def test_instagram_url_on_customer_record_links_by_handle(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db, ("c1", "Ana García", None, None, "https://www.instagram.com/Ana_G/", None))
    add_mentions(
        fresh_db,
        ("instagram", "@ana_g", None, None, "2024-01-01T10:00:00", 1, None),
        ("twitter", "ana_g", None, None, "2024-01-01T10:00:00", 1, None),
    )
    identity.link_profiles(fresh_db)
    assert {
        key: (r["method"], r["confidence"], r["status"], r["evidence"]) for key, r in links(fresh_db).items()
    } == {
        ("instagram:ana_g", "c1"): ("handle", 0.95, "linked", "customer record lists instagram handle @ana_g")
    }


def test_x_platform_matches_the_twitter_handle_column(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db, ("c1", None, None, None, None, "@Ana_G"))
    add_mentions(fresh_db, ("X", "ana_g", None, None, "2024-01-01T10:00:00", 1, None))
    identity.link_profiles(fresh_db)
    assert list(links(fresh_db)) == [("x:ana_g", "c1")]


def test_similar_name_in_same_city_is_only_suggested(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db, ("c1", "Ana García", None, "Madrid", None, None))
    add_mentions(fresh_db, ("twitter", "anag", "ana garcya", None, "2024-01-01T10:00:00", 1, "Madrid, Spain"))
    summary = identity.link_profiles(fresh_db)
    link = links(fresh_db)[("twitter:anag", "c1")]
    assert link["confidence"] < S.LINK_THRESHOLD
    assert (link["method"], link["confidence"], link["status"], link["evidence"]) == (
        "name_city",
        0.83,
        "suggested",
        "name 'Ana García' ~ 'ana garcya' (90%), same city Madrid",
    )
    assert summary.summary() == "Linked 0 profiles to customers; 1 suggestion waits for review."


def test_exact_name_in_same_city_is_linked(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db, ("c1", "José Pérez", None, "Sevilla", None, None))
    add_mentions(fresh_db, ("twitter", "jp", "jose perez", None, "2024-01-01T10:00:00", 1, "sevilla"))
    identity.link_profiles(fresh_db)
    link = links(fresh_db)[("twitter:jp", "c1")]
    assert (link["confidence"], link["status"], link["evidence"]) == (
        0.9,
        "linked",
        "name 'José Pérez' ~ 'jose perez' (100%), same city Sevilla",
    )


def test_name_without_city_needs_a_near_exact_name(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db,
        ("c1", "José Pérez", None, "Sevilla", None, None),
        ("c2", "Marta Ruiz", None, None, None, None),
    )
    add_mentions(
        fresh_db,
        ("twitter", "jp", "JOSÉ PÉREZ", None, "2024-01-01T10:00:00", 1, None),
        ("twitter", "mr", "Martha Ruix", None, "2024-01-01T10:00:00", 1, None),
    )
    identity.link_profiles(fresh_db)
    assert {key: (r["confidence"], r["status"], r["evidence"]) for key, r in links(fresh_db).items()} == {
        ("twitter:jp", "c1"): (
            0.7,
            "suggested",
            "name 'José Pérez' ~ 'JOSÉ PÉREZ' (100%), city not confirmed",
        )
    }


def test_a_display_name_without_the_second_surname_is_suggested(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db, ("c1", "Ana García López", None, "Madrid", None, None))
    add_mentions(fresh_db, ("twitter", "ana", "Ana Garcia", None, "2024-01-01T10:00:00", 1, "Madrid"))
    identity.link_profiles(fresh_db)
    link = links(fresh_db)[("twitter:ana", "c1")]
    assert (link["confidence"], link["status"], link["evidence"]) == (
        0.83,
        "suggested",
        "name 'Ana García López' ~ 'Ana Garcia' (90%), same city Madrid",
    )


def test_one_word_names_are_not_compared(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db, ("c1", "Ana", None, "Madrid", None, None), ("c2", "Ana García", None, "Madrid", None, None)
    )
    add_mentions(fresh_db, ("twitter", "ana", "Ana", None, "2024-01-01T10:00:00", 1, "Madrid"))
    identity.link_profiles(fresh_db)
    assert links(fresh_db) == {}


def test_ambiguous_names_give_suggestions_only(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db,
        ("c1", "María López", None, "Madrid", None, None),
        ("c2", "Maria Lopez", None, "Madrid", None, None),
    )
    add_mentions(fresh_db, ("twitter", "ml", "María López", None, "2024-01-01T10:00:00", 1, "Madrid"))
    summary = identity.link_profiles(fresh_db)
    assert {key: (r["confidence"], r["status"]) for key, r in links(fresh_db).items()} == {
        ("twitter:ml", "c1"): (0.9, "suggested"),
        ("twitter:ml", "c2"): (0.9, "suggested"),
    }
    assert (summary.linked, summary.suggested) == (0, 2)


def test_the_city_tells_two_namesakes_apart(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db,
        ("c1", "María López", None, "Madrid", None, None),
        ("c2", "María López", None, "Bilbao", None, None),
    )
    add_mentions(fresh_db, ("twitter", "ml", "María López", None, "2024-01-01T10:00:00", 1, "Bilbao"))
    identity.link_profiles(fresh_db)
    # The namesake in another city is not even suggested: the location argues against it.
    assert {key: r["status"] for key, r in links(fresh_db).items()} == {("twitter:ml", "c2"): "linked"}


def test_a_profile_gets_one_linked_customer_and_email_wins(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db,
        ("c1", "Ana García", "ana@x.es", "Madrid", None, None),
        ("c2", "Ana Ruiz", None, None, "ana_r", None),
    )
    add_mentions(
        fresh_db, ("instagram", "ana_r", "Ana García", "ana@x.es", "2024-01-01T10:00:00", 1, "Madrid")
    )
    identity.link_profiles(fresh_db)
    assert {key: (r["method"], r["status"]) for key, r in links(fresh_db).items()} == {
        ("instagram:ana_r", "c1"): ("email", "linked"),
        ("instagram:ana_r", "c2"): ("handle", "suggested"),
    }


def test_two_customers_with_one_email_are_both_suggested(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db,
        ("c1", "Ana García", "ana@x.es", None, None, None),
        ("c2", "Ana G.", "ana@x.es", None, None, None),
    )
    add_mentions(fresh_db, ("twitter", "ana", None, "ana@x.es", "2024-01-01T10:00:00", 1, None))
    identity.link_profiles(fresh_db)
    assert sorted(r["status"] for r in links(fresh_db).values()) == ["suggested", "suggested"]


def test_links_stay_within_zero_and_one(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db,
        ("c1", "Ana García", "ana@x.es", "Madrid", "ana_g", "@ana_g"),
        ("c2", "Ana Garcia Lopez", None, "Madrid", None, None),
        ("c3", "José Pérez", None, "Sevilla", None, None),
        ("c4", "Jose Perez", None, None, None, None),
    )
    add_mentions(
        fresh_db,
        ("twitter", "ana_g", "Ana García", "ana@x.es", "2024-01-01T10:00:00", 1, "Madrid"),
        ("instagram", "ana_g", "Ana Garcia", None, "2024-01-01T10:00:00", 1, "Madrid"),
        ("facebook", "anagl", "Ana García López", None, "2024-01-01T10:00:00", 1, "Madrid"),
        ("twitter", "pepe", "José Pérez", None, "2024-01-01T10:00:00", 1, "Sevila"),
    )
    identity.link_profiles(fresh_db)
    found = links(fresh_db)
    assert len(found) >= 5
    assert all(0.0 <= r["confidence"] <= 1.0 for r in found.values())
    assert all(r["status"] in (S.LINKED, S.SUGGESTED) for r in found.values())


def test_a_manual_link_survives_rerunning(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db,
        ("c1", "Ana García", "ana@x.es", None, None, None),
        ("c2", "Ana Ruiz", None, None, None, None),
    )
    add_mentions(fresh_db, ("twitter", "ana", "Ana", "ana@x.es", "2024-01-01T10:00:00", 1, None))
    manual = (
        "twitter:ana",
        "c2",
        "manual",
        1.0,
        "linked",
        "seen in the shop",
        "lucia",
        "2024-01-02T00:00:00",
        None,  # a person's link has no evidence message of the matching
    )
    store.upsert_rows(fresh_db, S.LINKS, list(S.STORED_COLUMNS[S.LINKS]), [manual])
    identity.link_profiles(fresh_db)
    identity.link_profiles(fresh_db)
    found = links(fresh_db)
    assert tuple(found[("twitter:ana", "c2")].values()) == manual
    # The e-mail match stays a suggestion: a person already linked this profile.
    assert (found[("twitter:ana", "c1")]["method"], found[("twitter:ana", "c1")]["status"]) == (
        "email",
        "suggested",
    )


def test_a_confirmed_link_is_kept_when_the_data_no_longer_supports_it(
    fresh_db: sqlite_utils.Database,
) -> None:
    add_customers(fresh_db, ("c1", "Ana García", "ana@x.es", None, None, None))
    add_mentions(fresh_db, ("twitter", "ana", "Ana", "ana@x.es", "2024-01-01T10:00:00", 1, None))
    identity.link_profiles(fresh_db)
    fresh_db.execute(f"UPDATE {S.LINKS} SET confirmed_by = 'lucia'")
    fresh_db.execute(f"UPDATE {S.CUSTOMERS} SET email = 'ana@new.es'")
    identity.link_profiles(fresh_db)
    link = links(fresh_db)[("twitter:ana", "c1")]
    assert (link["status"], link["confirmed_by"], link["evidence"]) == (
        "linked",
        "lucia",
        "same e-mail ana@x.es",
    )


def test_an_automatic_link_goes_when_the_data_no_longer_supports_it(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db, ("c1", "Ana García", "ana@x.es", None, None, None))
    add_mentions(fresh_db, ("twitter", "ana", "Ana", "ana@x.es", "2024-01-01T10:00:00", 1, None))
    identity.link_profiles(fresh_db)
    fresh_db.execute(f"UPDATE {S.CUSTOMERS} SET email = 'ana@new.es'")
    identity.link_profiles(fresh_db)
    assert links(fresh_db) == {}


def test_a_rejected_pair_is_not_suggested_again(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db,
        ("c1", "María López", None, "Madrid", None, None),
        ("c2", "Maria Lopez", None, "Madrid", None, None),
    )
    add_mentions(fresh_db, ("twitter", "ml", "María López", None, "2024-01-01T10:00:00", 1, "Madrid"))
    identity.link_profiles(fresh_db)
    fresh_db.execute(
        f"UPDATE {S.LINKS} SET status = 'rejected', confirmed_by = NULL WHERE customer_id = 'c1'"
    )
    identity.link_profiles(fresh_db)
    found = links(fresh_db)
    assert found[("twitter:ml", "c1")]["status"] == "rejected"
    # With its namesake rejected, the other customer is no longer ambiguous.
    assert found[("twitter:ml", "c2")]["status"] == "linked"


def test_rerunning_on_unchanged_data_changes_no_row(fresh_db: sqlite_utils.Database) -> None:
    add_customers(
        fresh_db,
        ("c1", "Ana García", "ana@x.es", "Madrid", "instagram.com/ana_g", None),
        ("c2", "María López", None, "Madrid", None, None),
        ("c3", "Maria Lopez", None, "Madrid", None, None),
    )
    add_mentions(
        fresh_db,
        ("twitter", "anita", "Ana", "ana@x.es", "2024-01-01T10:00:00", 1, None),
        ("instagram", "ana_g", "Ana García", None, "2024-01-01T10:00:00", 1, None),
        ("twitter", "ml", "María López", None, "2024-01-01T10:00:00", 1, "Madrid"),
    )
    first = identity.link_profiles(fresh_db)
    profiles, link_rows = all_rows(fresh_db, S.PROFILES), all_rows(fresh_db, S.LINKS)
    changes = fresh_db.conn.total_changes
    second = identity.link_profiles(fresh_db)
    assert all_rows(fresh_db, S.PROFILES) == profiles
    assert all_rows(fresh_db, S.LINKS) == link_rows
    # Nothing moves, not even the data version.
    assert fresh_db.conn.total_changes - changes == 0
    assert (first.linked, first.suggested, first.by_method) == (
        second.linked,
        second.suggested,
        second.by_method,
    )
    assert (second.linked, second.suggested) == (2, 2)


def test_a_lower_threshold_links_name_matches(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db, ("c1", "Ana García", None, None, None, None))
    add_mentions(fresh_db, ("twitter", "ana", "Ana Garcia", None, "2024-01-01T10:00:00", 1, None))
    summary = identity.link_profiles(fresh_db, threshold=0.6)
    assert summary.by_method == {"name_city": 1}


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_a_threshold_outside_zero_and_one_is_refused(
    fresh_db: sqlite_utils.Database, threshold: float
) -> None:
    with pytest.raises(ConfigError) as e:
        identity.link_profiles(fresh_db, threshold=threshold)
    assert (
        str(e.value) == f"The link threshold must be between 0 and 1, not {threshold}; use for example 0.85."
    )


def test_progress_is_reported_up_to_the_end(fresh_db: sqlite_utils.Database) -> None:
    seen: list[tuple[float, str]] = []
    identity.link_profiles(fresh_db, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert seen[0] == (0.0, "Building profiles from mentions")
    assert seen[-1] == (1.0, "Linked 0 profiles to customers; no suggestions wait for review.")


# --- reading links ------------------------------------------------------------------


def test_links_for_customer_lists_linked_before_suggested(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db, ("c1", "Ana García", "ana@x.es", "Madrid", None, None))
    add_mentions(
        fresh_db,
        ("twitter", "ana", "Ana", "ana@x.es", "2024-01-01T10:00:00", 7, None),
        ("instagram", "anagar", "Ana García", None, "2024-01-01T10:00:00", 1, None),
        ("facebook", "nope", "Ana García", None, "2024-01-01T10:00:00", 1, None),
    )
    identity.link_profiles(fresh_db)
    fresh_db.execute(f"UPDATE {S.LINKS} SET status = 'rejected' WHERE profile_id = 'facebook:nope'")
    rows = identity.links_for_customer(fresh_db, "c1")
    assert [(r["profile_id"], r["handle"], r["followers"], r["status"]) for r in rows] == [
        ("twitter:ana", "ana", 7, "linked"),
        ("instagram:anagar", "anagar", 1, "suggested"),
    ]
    with_rejected = identity.links_for_customer(fresh_db, "c1", include_rejected=True)
    assert [r["status"] for r in with_rejected] == ["linked", "suggested", "rejected"]


def test_links_for_an_unknown_customer_says_what_to_do(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(NotFound) as e:
        identity.links_for_customer(fresh_db, "c404")
    assert str(e.value) == (
        "No customer with id 'c404'. Check the id on the Customers page, or import the customer first."
    )


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        (
            identity.LinkSummary(900, 812, 96, {"handle": 540, "email": 120, "name_city": 152}),
            "Linked 812 profiles to customers (email 120, handle 540, name and city 152); "
            "96 suggestions wait for review.",
        ),
        (
            identity.LinkSummary(3, 1, 1, {"manual": 1}),
            "Linked 1 profile to customers (manual 1); 1 suggestion waits for review.",
        ),
        (
            identity.LinkSummary(0, 0, 0, {}),
            "Linked 0 profiles to customers; no suggestions wait for review.",
        ),
    ],
)
def test_link_summary_reads_as_a_sentence(summary: identity.LinkSummary, expected: str) -> None:
    assert summary.summary() == expected
