"""The Overview page through Streamlit's AppTest: a tiny scored demo, an empty database, interactions.

AppTest runs ``app.py`` in this process; every test has its own database
path, which is part of every cache key, so no test sees another's figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrm import compute
from scrm.db import store
from scrm.views import kpis
from scrm.views import overview as O

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = "pages/overview.py"
TIMEOUT = 60  # the first run imports pandas, Altair and the engine on 2 cores
TILE_LABELS = [
    "Mentions", "Reach", "Net sentiment", "Share of voice", "Revenue (EUR)", "Active customers", "Repeat rate",
    "Net Promoter Score", "Response rate", "Average CLV (EUR)", "Advocates", "Detractors",
]  # fmt: skip


def build(path: Path, *, score: bool) -> Path:
    from scrm.demo import build_demo

    db = store.open_db(path)
    try:
        build_demo(db, scale="tiny")
        if score:
            compute.run_all(db)
    finally:
        db.close()
    return path


@pytest.fixture(scope="module")
def scored_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("scored") / "scrm.db", score=True)


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def use(path: Path) -> None:
        monkeypatch.setenv(store.ENV_DB, str(path))

    yield use


def open_overview(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Overview"
    return at


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_overview_of_a_scored_demo_shows_every_tile_and_no_error(scored_demo: Path, use_db) -> None:  # type: ignore[no-untyped-def]
    use_db(scored_demo)
    at = open_overview()
    assert not at.error, [e.value for e in at.error]
    assert list(tiles(at)) == TILE_LABELS
    assert not at.warning  # scored: no "run score" warning
    # The sidebar starts on the default period and says so.
    assert any("the default period \\(the last 30 days of data" in c.value for c in at.sidebar.caption)
    assert [b.label for b in at.download_button] == ["Download report (HTML)", "Download report (PDF)"]
    assert [s.value for s in at.subheader] == ["Trends by week", "Alerts in this period", "What moved"]
    # Mentions tile = the dictionary's KPI over the period the page names.
    db = store.open_db(scored_demo, create=False)
    default = O.default_period(db)
    assert default is not None
    expected = kpis.compute_kpis(db, default[0], default[1])["mentions"]["value"]
    db.close()
    assert tiles(at)["Mentions"] == O.format_value(expected, "count", compact=True)


def test_a_date_range_in_the_link_changes_the_tiles(scored_demo: Path, use_db) -> None:  # type: ignore[no-untyped-def]
    use_db(scored_demo)
    db = store.open_db(scored_demo, create=False)
    crisis = kpis.compute_kpis(db, "2026-07-27", "2026-08-02")["mentions"]["value"]
    before = kpis.compute_kpis(db, "2026-07-20", "2026-07-26")["mentions"]["value"]
    db.close()
    default = tiles(open_overview())["Mentions"]
    at = open_overview({"from": "2026-07-27", "to": "2026-08-02"})
    mentions = next(m for m in at.metric if m.label == "Mentions")
    assert mentions.value == f"{crisis:,}" != default
    assert mentions.proto.body == f"{crisis:,}"
    change = crisis - before
    assert mentions.delta.startswith(f"{'+' if change >= 0 else '-'}{abs(change):,}")
    assert any("27 Jul 2026 – 2 Aug 2026" in m.value for m in at.markdown)


def test_ranking_movers_by_sentiment_changes_the_tables(scored_demo: Path, use_db) -> None:  # type: ignore[no-untyped-def]
    use_db(scored_demo)
    at = open_overview({"from": "2026-07-27", "to": "2026-08-02"})
    by_volume = [d.value.copy() for d in at.dataframe]
    at.segmented_control(key="overview_movers_by").set_value("sentiment").run()
    assert not at.exception
    assert at.session_state["overview_movers_by"] == "sentiment"
    by_sentiment = [d.value for d in at.dataframe]
    assert [len(d) for d in by_volume] != [len(d) for d in by_sentiment] or any(
        not a.equals(b) for a, b in zip(by_volume, by_sentiment, strict=False)
    )


def test_a_brand_in_the_link_keeps_share_of_voice_and_narrows_mentions(scored_demo: Path, use_db) -> None:  # type: ignore[no-untyped-def]
    use_db(scored_demo)
    everyone = tiles(open_overview({"from": "2026-10-01", "to": "2026-10-31"}))
    own = tiles(open_overview({"from": "2026-10-01", "to": "2026-10-31", "brand": "Velora"}))
    assert own["Share of voice"] == everyone["Share of voice"]
    assert int(own["Mentions"].replace(",", "")) < int(everyone["Mentions"].replace(",", ""))


def test_the_overview_of_an_empty_database_says_what_to_do(tmp_path: Path, use_db) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    use_db(path)
    at = open_overview()
    assert [i.value for i in at.info] == [
        "No data yet. Load the demo or import your files on the Data page."
    ]
    assert not at.metric and not at.error


def test_an_unscored_database_asks_for_a_score_and_still_shows_counts(tmp_path: Path, use_db) -> None:  # type: ignore[no-untyped-def]
    use_db(build(tmp_path / "scrm.db", score=False))
    at = open_overview()
    assert not at.error
    assert [w.value for w in at.warning] == [O.RUN_SCORE_SENTENCE]
    assert tiles(at)["Net sentiment"] == "—"
    assert tiles(at)["Mentions"] != "—"


def test_a_filter_that_matches_nothing_is_a_sentence(scored_demo: Path, use_db) -> None:  # type: ignore[no-untyped-def]
    use_db(scored_demo)
    at = open_overview({"from": "2024-01-01", "to": "2024-01-31"})
    assert not at.error
    assert any(i.value.startswith("No mentions or orders match these filters") for i in at.info)
    assert (
        any(i.value.startswith("No mentions match these filters in this range.") for i in at.info)
        or at.dataframe
    )


def test_customers_without_dated_activity_show_the_stored_counts(tmp_path: Path, use_db) -> None:  # type: ignore[no-untyped-def]
    from scrm.db import schema as S

    path = tmp_path / "scrm.db"
    db = store.open_db(path)
    store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name"], [("C1", "Ana"), ("C2", "Ben")])
    db.close()
    use_db(path)
    at = open_overview()
    assert [i.value for i in at.info] == [
        "None of the mentions or orders has a date, so there is no period to describe. "
        "Import files with dates on the Data page."
    ]
    assert tiles(at) == {"Customers": "2", "Orders": "0", "Mentions": "0", "Survey answers": "0"}


def test_the_overview_offers_the_report_as_a_pdf_download(  # type: ignore[no-untyped-def]
    scored_demo: Path, use_db, fetches
) -> None:
    use_db(scored_demo)
    open_overview()
    pdf_name = next(name for name in fetches if name.endswith(".pdf"))
    data = fetches[pdf_name]()  # the browser fetches the file
    assert data.startswith(b"%PDF-") and len(data) > 5_000
