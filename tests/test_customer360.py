"""Customer 360 reads: search, card, timeline, next action and B2B accounts, on tiny fixtures."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.views import customer as C


def _customers(db: sqlite_utils.Database, rows: list[dict]) -> None:
    cols = ["customer_id", "name", "email", "phone", "city", "country", "account", "consent_marketing", "twitter"]
    store.insert_rows(db, S.CUSTOMERS, cols, [[r.get(c) for c in cols] for r in rows])


@pytest.fixture
def people(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    _customers(
        fresh_db,
        [
            {"customer_id": "C1", "name": "José Núñez", "email": "jose@example.com", "city": "Sevilla"},
            {"customer_id": "C2", "name": "Ana 50% Off", "email": "ana_r@example.com", "account": "Acme"},
            {"customer_id": "C3", "name": "Anabel Ruiz", "email": "anab@example.com", "twitter": "@anabel_r"},
            {"customer_id": "C4", "name": "Bob Lee", "email": "bob@example.com", "account": " acme "},
            {"customer_id": "C5", "name": "Jose Perez", "email": "jp@example.com"},
        ],
    )
    store.insert_rows(
        fresh_db, S.PROFILES, ["profile_id", "platform", "handle", "display_name"],
        [["instagram:bobby.l", "instagram", "bobby.l", "Bobby"], ["twitter:qq", "twitter", "qq", "Q"]],
    )
    store.insert_rows(
        fresh_db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"],
        [["instagram:bobby.l", "C4", "handle", 1.0, S.LINKED], ["twitter:qq", "C1", "name_city", 0.6, S.REJECTED]],
    )
    return fresh_db


def ids(frame: pd.DataFrame) -> list[str]:
    return list(frame["customer_id"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jose", ["C1", "C5"]),  # accents ignored
        ("NÚÑEZ", ["C1"]),
        ("50%", ["C2"]),  # % is a character, not "anything"
        ("%", ["C2"]),
        ("_r", ["C2", "C3"]),  # _ is a character: "ana_r@", "@anabel_r"
        ("a_r", ["C2"]),
        ("@bobby", ["C4"]),  # a linked profile's handle
        ("anabel_r", ["C3"]),  # a handle on the customer record
        ("qq", []),  # the only profile "qq" is a rejected link
        ("   ", []),
    ],
)
def test_search_matches_names_emails_and_handles_literally(people: sqlite_utils.Database, text: str, expected: list[str]) -> None:
    assert sorted(ids(C.search_customers(people, text))) == sorted(expected)


def test_search_puts_exact_and_prefix_matches_first(people: sqlite_utils.Database) -> None:
    # "ana" starts "Ana 50% Off" and "Anabel Ruiz"; it is only inside nothing else.
    assert ids(C.search_customers(people, "ana")) == ["C2", "C3"]
    assert ids(C.search_customers(people, "jose perez")) == ["C5"]
    assert ids(C.search_customers(people, "jose")) == ["C1", "C5"]  # both start with it: by name


def test_search_respects_the_limit(people: sqlite_utils.Database) -> None:
    assert len(C.search_customers(people, "example.com", limit=2)) == 2


def test_search_says_what_matched(people: sqlite_utils.Database) -> None:
    row = C.search_customers(people, "bobby").iloc[0]
    assert (row["customer_id"], row["matched_on"]) == ("C4", "handle")


def test_like_pattern_escapes_wildcards_and_the_escape_character() -> None:
    assert C.like_pattern("a%b_c\\d") == "%a\\%b\\_c\\\\d%"


def test_identity_reads_the_record_with_consent_as_bool(people: sqlite_utils.Database) -> None:
    people.execute("UPDATE customers SET consent_marketing = 1, phone = '  ' WHERE customer_id = 'C1'")
    who = C.customer_identity(people, "C1")
    assert who is not None
    assert (who.name, who.city, who.consent_marketing, who.phone) == ("José Núñez", "Sevilla", True, None)
    assert C.customer_identity(people, "nobody") is None


def test_card_of_an_unscored_customer_without_orders_has_no_value_or_stage(people: sqlite_utils.Database) -> None:
    card = C.customer_card(people, "C4")
    assert card is not None
    assert (card.value, card.stage, card.roles, card.currencies) == (None, None, [], ())
    assert list(card.profiles["profile_id"]) == ["instagram:bobby.l"]  # the rejected link is left out
    assert C.customer_card(people, "nobody") is None


def _timeline_db(db: sqlite_utils.Database) -> sqlite_utils.Database:
    store.insert_rows(
        db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "currency"],
        [
            ["O2", "C4", "2024-03-01T10:00:00", 20.0, "EUR"],
            ["O1", "C4", "2024-01-05T09:00:00", 10.0, "EUR"],
            ["O9", "C1", "2024-01-01T00:00:00", 99.0, "EUR"],
        ],
    )
    store.insert_rows(
        db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand"],
        [
            ["M1", "instagram", "@Bobby.L", "Love it", "2024-03-01T10:00:00", "Velora"],
            ["M2", "instagram", "bobby.l", "Late again", "2024-02-01T08:00:00", "Other"],
            ["M3", "instagram", "someone", "Not them", "2024-02-02T08:00:00", "Velora"],
        ],
    )
    store.insert_rows(
        db, S.SENTIMENT, ["mention_id", "lang", "score", "label"],
        [["M1", "en", 0.8, "positive"], ["M2", "en", -0.6, "negative"]],
    )
    store.insert_rows(
        db, S.SURVEYS, ["survey_id", "customer_id", "email", "score", "comment", "answered_at"],
        [
            ["S1", None, "BOB@example.com", 3, "slow", "2024-02-15T12:00:00"],
            ["S2", "C1", None, 10, "great", "2024-02-16T12:00:00"],
        ],
    )
    return db


def test_timeline_puts_orders_mentions_and_surveys_in_time_order(people: sqlite_utils.Database) -> None:
    timeline = C.customer_timeline(_timeline_db(people), "C4")
    assert list(zip(timeline["kind"], timeline["item_id"], strict=True)) == [
        ("order", "O1"),
        ("mention", "M2"),
        ("survey", "S1"),  # matched by e-mail, any case
        ("order", "O2"),  # same second as M1: orders first
        ("mention", "M1"),
    ]
    row = timeline.set_index("item_id").loc["M2"]
    assert (row["sentiment"], row["score"], row["author"], row["detail"]) == ("negative", -0.6, "@bobby.l", "Late again")
    assert timeline.set_index("item_id").loc["S1", "sentiment"] == "negative"


def test_timeline_follows_the_date_and_brand_filters(people: sqlite_utils.Database) -> None:
    db = _timeline_db(people)
    feb = C.customer_timeline(db, "C4", Filters(date_from="2024-02-01", date_to="2024-02-29"))
    assert list(feb["item_id"]) == ["M2", "S1"]
    velora = C.customer_timeline(db, "C4", Filters(brands=("Velora",)))
    assert list(velora["item_id"]) == ["O1", "S1", "O2", "M1"]


def test_timeline_of_a_customer_with_nothing_is_empty_with_its_columns(people: sqlite_utils.Database) -> None:
    timeline = C.customer_timeline(people, "C3")
    assert timeline.empty and list(timeline.columns) == C.TIMELINE_COLUMNS


def test_timeline_shows_cases_with_queue_priority_status_and_assignee(people: sqlite_utils.Database) -> None:
    from scrm.act import cases

    case_id = cases.open_case(people, queue=cases.RESCUE, subject="Broken", priority="high", customer_id="C4",
                              opened_at="2024-01-10T00:00:00")  # fmt: skip
    cases.open_case(people, queue=cases.SUPPORT, subject="Outside", priority="low", customer_id="C4",
                    opened_at="2024-03-10T00:00:00")  # fmt: skip
    cases.assign(people, case_id, "Lucie", actor="maria")
    timeline = C.customer_timeline(people, "C4", Filters(date_to="2024-02-01"))
    assert list(zip(timeline["kind"], timeline["item_id"], timeline["title"], timeline["detail"], strict=True)) == [
        ("case", str(case_id), "Case: Broken", "rescue queue · high priority · new · Lucie")
    ]


@pytest.mark.parametrize(
    ("stage", "decile", "roles", "consent", "nps", "expected"),
    [
        ("at_risk", 10, [], True, None, "Call within 48 h"),
        ("lapsed", 9, ["detractor"], True, None, "Call within 48 h"),
        ("at_risk", 8, [], True, None, "Send a re-engagement offer"),
        ("repeat", 10, ["detractor"], True, None, "Open a rescue case"),
        ("repeat", 5, [], True, 6, "Open a rescue case"),
        ("repeat", 5, [], True, 7, "Keep warm: loyalty perks and cross-sell"),
        ("lapsed", 3, [], True, None, "Win-back offer"),
        ("advocate", 5, [], True, None, "Invite to the ambassador programme"),
        ("repeat", 5, ["ambassador"], True, None, "Invite to the ambassador programme"),
        ("advocate", 5, ["advocate"], False, None, "Thank them and ask for marketing consent"),
        ("advocate", 5, [], None, None, "Thank them and ask for marketing consent"),
        ("first_purchase", None, [], True, None, "Encourage a second order"),
        ("engaged", None, [], True, None, "Offer a first-order incentive"),
        ("aware", None, ["influencer"], True, None, "Offer a first-order incentive"),
        (None, None, [], None, None, "No action needed"),
    ],
)
def test_next_action_follows_the_first_rule_that_holds(
    stage: str | None, decile: int | None, roles: list[str], consent: bool | None, nps: int | None, expected: str
) -> None:
    action = C.suggest_next_action(stage=stage, clv_decile=decile, roles=roles, consent=consent, recent_nps=nps)
    assert action.action == expected
    assert action.reason == dict(C.NEXT_ACTION_RULES)[expected]


def test_recent_nps_is_the_latest_answer_of_the_last_90_days() -> None:
    timeline = pd.DataFrame(
        {
            "at": ["2024-01-01T00:00:00", "2024-05-01T00:00:00", "2024-05-20T00:00:00"],
            "kind": ["survey", "survey", "order"],
            "score": [2.0, 9.0, None],
        }
    )
    assert C.recent_nps(timeline, "2024-06-01") == 9
    assert C.recent_nps(timeline, "2024-12-31") is None
    assert C.recent_nps(timeline.iloc[0:0], "2024-06-01") is None


def test_account_contacts_match_the_account_in_any_case_and_spacing(people: sqlite_utils.Database) -> None:
    contacts = C.account_contacts(people, "ACME")
    assert sorted(contacts["customer_id"]) == ["C2", "C4"]
    totals = C.account_totals(contacts)
    assert totals == {"contacts": 2.0, "orders": 0.0, "revenue": 0.0, "clv": 0.0}


def test_customer_roles_keep_confirmed_profiles_strongest_first() -> None:
    profiles = pd.DataFrame(
        {"status": [S.LINKED, S.LINKED, S.SUGGESTED, S.LINKED], "role": ["influencer", "detractor", "ambassador", None]}
    )
    assert C.customer_roles(profiles) == ["detractor", "influencer"]


def test_fold_text_drops_accents_and_case() -> None:
    assert C.fold_text("Ångström ÇA") == "angstrom ca"
    assert C.fold_text(None) == ""


def test_customers_to_watch_are_valuable_and_slipping_most_valuable_first(people: sqlite_utils.Database) -> None:
    assert C.customers_to_watch(people).empty  # before scoring
    store.replace_table(
        people, "journey", pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"], "stage": ["at_risk", "lapsed", "at_risk", "repeat"]})
    )
    store.replace_table(
        people,
        "customer_value",
        pd.DataFrame(
            {"customer_id": ["C1", "C2", "C3", "C4"], "clv": [500.0, 900.0, 50.0, 990.0], "clv_decile": [9, 10, 2, 10],
             "revenue": [1.0, 2.0, 3.0, 4.0], "rfm_segment": ["At Risk", "Can't Lose Them", "Lost", "Champions"]}
        ),
    )
    assert ids(C.customers_to_watch(people)) == ["C2", "C1"]
    assert ids(C.customers_to_watch(people, limit=1)) == ["C2"]
