"""Reply templates offered in the language of the customer's mention (English, Spanish or French)."""

from __future__ import annotations

import pytest
import sqlite_utils

from scrm.act import rules as W
from scrm.act.rules import Rule
from scrm.act.templates import HELP_TEMPLATE, SHIPPED_TEMPLATES, localise_template, template_language
from scrm.db import schema as S
from scrm.db import store
from scrm.i18n import catalog

COLUMNS = ["mention_id", "platform", "author", "text", "posted_at", "lang", "kind", "visibility", "brand", "from_brand"]
MENTIONS = [
    ("m-en", "twitter", "ana", "I need a refund", "2026-03-08T10:00:00", "en", "post", "public", "Velora", 0),
    ("m-es", "twitter", "bea", "Necesito un reembolso", "2026-03-08T11:00:00", "es", "post", "public", "Velora", 0),
    ("m-fr", "twitter", "chloe", "Je veux un remboursement", "2026-03-08T12:00:00", "fr", "post", "public", "Velora", 0),
    ("m-de", "twitter", "dirk", "Ich will eine refund", "2026-03-08T13:00:00", "de", "post", "public", "Velora", 0),
]


@pytest.fixture
def db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    store.set_meta(fresh_db, "own_brand", "Velora")
    store.upsert_rows(fresh_db, S.MENTIONS, COLUMNS, MENTIONS)
    store.upsert_rows(
        fresh_db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], [(m[0], m[5], -0.5, "negative") for m in MENTIONS]
    )
    store.set_meta(fresh_db, W.DEFAULTS_KEY, "1")
    return fresh_db


def test_every_shipped_template_is_translated_into_spanish_and_french() -> None:
    for lang in ("es", "fr"):
        assert all(catalog(lang).get(x, x) != x for x in SHIPPED_TEMPLATES), lang


@pytest.mark.parametrize(("lang", "expected"), [("es", "es"), ("fr-CA", "fr"), ("en", "en"), ("de", "en"), (None, "en")])
def test_the_template_language_is_the_mentions_own_when_offered(lang: str | None, expected: str) -> None:
    assert template_language(lang) == expected


def test_a_template_without_a_translation_stays_as_the_team_wrote_it() -> None:
    assert localise_template("Gracias, te escribimos por privado.", "es") == "Gracias, te escribimos por privado."
    assert localise_template(None, "fr") is None


def test_a_suggest_reply_rule_offers_the_template_in_each_customers_language(db: sqlite_utils.Database) -> None:
    rule = Rule(
        "Help", conditions={"keywords": ["refund", "reembolso", "remboursement"]},
        action=W.SUGGEST_REPLY, params={"template": HELP_TEMPLATE},
    )
    W.save_rule(db, rule, actor="tester")
    W.refresh(db)
    templates = dict(db.execute("SELECT mention_id, reply_template FROM cases").fetchall())
    assert templates["m-en"] == HELP_TEMPLATE
    assert templates["m-de"] == HELP_TEMPLATE  # no German templates: English
    assert templates["m-es"].startswith("Hola, sentimos lo ocurrido")
    assert templates["m-fr"].startswith("Bonjour, nous sommes désolés")
