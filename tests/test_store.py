"""The store's shared helpers: table_exists and own_brand (each defined once, in scrm.db.store)."""

from __future__ import annotations

import sqlite_utils

from scrm.db import schema as S
from scrm.db import store


def _mentions(db: sqlite_utils.Database, rows: list[tuple[str, str | None, int]]) -> None:
    """Mentions as (mention_id, brand, from_brand)."""
    store.insert_rows(
        db,
        S.MENTIONS,
        ["mention_id", "platform", "author", "text", "posted_at", "brand", "from_brand"],
        [(i, "twitter", f"@a{i}", "hello", "2026-01-01T10:00:00", brand, own) for i, brand, own in rows],
    )


def test_a_table_exists_once_created_and_not_before(fresh_db: sqlite_utils.Database) -> None:
    assert store.table_exists(fresh_db, S.MENTIONS)
    assert not store.table_exists(fresh_db, S.CUSTOMER_VALUE)
    store.replace_table(fresh_db, S.CUSTOMER_VALUE, store.read_frame(fresh_db, "SELECT 1 AS customer_id"))
    assert store.table_exists(fresh_db, S.CUSTOMER_VALUE)


def test_there_is_no_own_brand_without_a_setting_or_a_branded_mention(fresh_db: sqlite_utils.Database) -> None:
    assert store.own_brand(fresh_db) is None
    _mentions(fresh_db, [("m1", None, 0), ("m2", "  ", 0)])
    assert store.own_brand(fresh_db) is None


def test_the_own_brand_setting_wins_and_is_trimmed(fresh_db: sqlite_utils.Database) -> None:
    _mentions(fresh_db, [("m1", "Velora", 0), ("m2", "Velora", 0)])
    store.set_meta(fresh_db, S.META_OWN_BRAND, " Maison Brix ")
    assert store.own_brand(fresh_db) == "Maison Brix"


def test_a_blank_own_brand_setting_falls_back_to_the_most_mentioned_brand(fresh_db: sqlite_utils.Database) -> None:
    _mentions(fresh_db, [("m1", "Velora", 0)])
    store.set_meta(fresh_db, S.META_OWN_BRAND, "   ")
    assert store.own_brand(fresh_db) == "Velora"


def test_brand_accounts_posts_do_not_choose_the_own_brand(fresh_db: sqlite_utils.Database) -> None:
    # A rival's busy account posts more than people mention anybody: people's mentions decide.
    _mentions(
        fresh_db,
        [("m1", "Velora", 0), ("m2", "Velora", 0), ("r1", "Rival", 1), ("r2", "Rival", 1), ("r3", "Rival", 1), ("r4", "Rival", 0)],
    )
    assert store.own_brand(fresh_db) == "Velora"


def test_a_tie_between_brands_goes_to_the_first_by_name(fresh_db: sqlite_utils.Database) -> None:
    _mentions(fresh_db, [("m1", "Zeta", 0), ("m2", "Alpha", 0)])
    assert store.own_brand(fresh_db) == "Alpha"


def test_a_schema_5_file_made_before_schema_5_grew_gains_its_new_tables_and_columns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "early-5.db"
    store.open_db(path).close()
    db = sqlite_utils.Database(path)
    added_table = S.SCHEMA_5[-1]
    table, columns = next(iter(S.SCHEMA_5_COLUMNS.items()))
    db.execute(f'DROP TABLE "{added_table}"')
    db.execute(f'ALTER TABLE "{table}" DROP COLUMN "{columns[-1]}"')
    db.conn.commit()
    db.close()
    db = store.open_db(path, create=False)
    try:
        assert added_table in db.table_names()
        assert columns[-1] in db[table].columns_dict
        assert store.get_meta(db, S.META_SCHEMA_VERSION) == str(S.SCHEMA_VERSION)
    finally:
        db.close()
