"""The Journey page through AppTest: a tiny scored demo, an empty database, the segment filter.

The page runs under a minimal router in ``tmp_path`` (``pages/`` linked in)
rather than ``app.py``, so these tests depend on this page only. The segment
is set as a link would set it (``?segment=N``), the contract of the sidebar's
global filters.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
ROUTER = """
import streamlit as st
from scrm import ui
st.session_state[ui.ROUTED_KEY] = True
st.navigation([
    st.Page("pages/journey.py", default=True),
    st.Page("pages/customer.py"),
    st.Page("pages/data.py"),
]).run()
"""
STAGE_TILE = "Customers with a stage"


@pytest.fixture(scope="module")
def demo_db(scored_demo_path: Path) -> Path:
    return scored_demo_path


@pytest.fixture
def db_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch


def open_page(folder: Path, db: Path, monkeypatch: pytest.MonkeyPatch, segment: int | None = None) -> AppTest:
    monkeypatch.setenv(store.ENV_DB, str(db))
    app = folder / "app"
    if not app.exists():
        app.mkdir()
        (app / "pages").symlink_to(ROOT / "pages", target_is_directory=True)
        (app / "router.py").write_text(ROUTER)
    at = AppTest.from_file(str(app / "router.py"), default_timeout=TIMEOUT)
    if segment is not None:
        at.query_params["segment"] = str(segment)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def segment_sizes(db_path: Path) -> list[tuple[int, int]]:
    db = store.open_db(db_path, create=False)
    try:
        return [
            (int(s), int(n))
            for s, n in db.execute(
                "SELECT s.segment_id, count(*) FROM segments s JOIN journey j USING (customer_id) "
                "GROUP BY s.segment_id ORDER BY count(*) DESC"
            ).fetchall()
        ]
    finally:
        db.close()


def test_page_on_an_empty_database_says_what_to_do(tmp_path: Path, db_env: pytest.MonkeyPatch) -> None:
    path = tmp_path / "empty.db"
    store.open_db(path).close()
    at = open_page(tmp_path, path, db_env)
    assert at.info[0].value.startswith("The customer journey has not been computed yet.")
    assert not at.metric


def test_page_on_the_demo_shows_funnel_flow_time_and_feedback(
    tmp_path: Path, demo_db: Path, db_env: pytest.MonkeyPatch
) -> None:
    at = open_page(tmp_path, demo_db, db_env)
    assert tiles(at)[STAGE_TILE] == "600"
    headings = [s.value for s in at.subheader]
    assert headings == [
        "Customers per stage",
        "How customers move between stages",
        "Where customers drop off",
        "Time spent per stage",
        "Sentiment and feedback",
    ]
    assert len(at.get("vega_lite_chart")) == 4  # funnel, flow, time, feedback
    assert any(m.value.startswith("The largest drop-off: **") for m in at.markdown)


def test_choosing_a_segment_changes_the_funnel_counts(tmp_path: Path, demo_db: Path, db_env: pytest.MonkeyPatch) -> None:
    segment, size = segment_sizes(demo_db)[0]
    at = open_page(tmp_path, demo_db, db_env)
    assert tiles(at)[STAGE_TILE] == "600"
    at.query_params["segment"] = str(segment)
    at.run()
    assert not at.exception
    assert tiles(at)[STAGE_TILE] == f"{size:,}"
    assert any(c.value.startswith(f"Segment {segment}") for c in at.caption)
    assert any("The segment filter does not apply here" in c.value for c in at.caption)


def test_a_segment_without_customers_says_what_to_do(tmp_path: Path, demo_db: Path, db_env: pytest.MonkeyPatch) -> None:
    at = open_page(tmp_path, demo_db, db_env, segment=999)
    assert "Pick another segment or clear the segment filter in the sidebar." in at.info[0].value
    assert not at.get("vega_lite_chart")


def test_feedback_can_be_grouped_by_current_stage(tmp_path: Path, demo_db: Path, db_env: pytest.MonkeyPatch) -> None:
    at = open_page(tmp_path, demo_db, db_env)
    phases = list(at.dataframe[-1].value["label"])
    assert phases[0] == "Before the first order"
    at.get("segmented_control")[0].set_value("stage").run()  # type: ignore[attr-defined]
    stages = list(at.dataframe[-1].value["label"])
    assert phases != stages and "Repeat" in stages
