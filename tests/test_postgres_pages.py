"""Every page renders on PostgreSQL (issue 16): the scored tiny demo copied into a server database.

Skips with the reason where no PostgreSQL server can be had (see ``tests/pgcluster.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrm.db import schema as S
from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
TIMEOUT = 60


@pytest.fixture(scope="module")
def pg_demo(pg_server: str, scored_tiny_demo_master: Path) -> Iterator[str]:
    """A PostgreSQL database holding a copy of the scored tiny demo, for this module."""
    import pgcluster
    import psycopg

    from scrm.db import pg
    from scrm.db.transfer import copy_database

    name = "scrm_pages_demo"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pgcluster.database_url(pg_server, name)
    source, target = store.open_db(scored_tiny_demo_master), store.open_db(url)
    try:
        copy_database(source, target)
    finally:
        source.close()
        target.close()
    yield url
    pg.close_pools(url)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_postgres(pg_demo: str, page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.ENV_DB, pg_demo)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def empty_pg(pg_server: str) -> Iterator[str]:
    """A new PostgreSQL database with nothing in it (no scrm tables): a team's first start."""
    import pgcluster
    import psycopg

    from scrm.db import pg

    name = "scrm_first_start"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pgcluster.database_url(pg_server, name)
    yield url
    pg.close_pools(url)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_the_first_start_on_an_empty_postgres_database_builds_the_scored_demo_and_the_pages_render(
    empty_pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrm import api
    from scrm.demo import build_demo

    # The app's own build, at the tiny scale (the small one takes minutes).
    monkeypatch.setattr(api, "build_demo", lambda db, **options: build_demo(db, **{**options, "scale": "tiny"}))
    monkeypatch.setenv(store.ENV_DB, empty_pg)
    assert not store.database_exists(empty_pg)
    at = AppTest.from_file(APP, default_timeout=300).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert store.database_exists(empty_pg)
    db = store.open_db(empty_pg)
    try:
        counts = store.counts(db)
        scored = db.execute(f"SELECT count(*) FROM {S.SENTIMENT}").fetchone()[0]
    finally:
        db.close()
    assert counts[S.CUSTOMERS] > 0 and counts[S.MENTIONS] > 0
    assert scored > 0  # the build scored the demo too
    for page in ("pages/listening.py", "pages/customer.py", "pages/data.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
