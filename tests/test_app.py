"""The app through Streamlit's AppTest, plus the Data page's per-file decisions.

AppTest runs ``app.py`` in this process, so the cached loaders are shared
between tests; every test has its own database path, which is part of every
cache key, so no test sees another's figures. Not covered here (browser tests
of the dashboard issue): the drag-and-drop upload widget itself, download
buttons producing a file, tooltips and the chart's rendering.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from scrm import api, compute, ui
from scrm.db import schema as S
from scrm.db import store
from scrm.ingest.pipeline import ImportResult
from scrm.ui import data as I
from scrm.ui import escape_markdown, format_timestamp

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = ["pages/overview.py", "pages/data.py"]
# Generous: the first run imports pandas, Altair and the engine on 2 cores.
TIMEOUT = 60

AIRLINE_CSV = (
    b"tweet_id,airline_sentiment,airline,name,text,tweet_created\n"
    b"570306133677760513,neutral,Virgin America,cairdin,@VirginAmerica What @dhepburn said.,2015-02-24 11:35:52 -0800\n"
)
ORDERS_CSV = b"order_id,customer_id,date,amount,currency\nA1,C1,2024-03-04,10.5,EUR\nA2,C2,2024-03-05,oops,EUR\nA3,,2024-03-12,4,EUR\n"


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty scrm database file that the app will use (so no demo is built)."""
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    yield path


def open_app(page: str = PAGES[0], tab: str | None = None) -> AppTest:
    """The app after its first run on ``page``; ``tab`` opens a Data page tab as a link would."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if tab:
        at.query_params["data_tab"] = tab
    at.run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(markdown: str) -> str:
    """Markdown shown by the app with the escapes of ``escape_markdown`` removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def sidebar_text(at: AppTest) -> str:
    return " ".join([*(m.value for m in at.sidebar.markdown), *(c.value for c in at.sidebar.caption)])


def with_db(path: Path) -> sqlite_utils.Database:
    return store.open_db(path, create=False)


def import_orders(path: Path, data: bytes = ORDERS_CSV, name: str = "orders.csv") -> None:
    from scrm.ingest import import_file

    db = with_db(path)
    try:
        import_file(db, data, "orders", file_name=name)
    finally:
        db.close()


# --- every page renders ---------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_database(db_file: Path, page: str) -> None:
    at = open_app(page)
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == {"pages/overview.py": "Overview", "pages/data.py": "Data"}[page]


def test_the_overview_of_an_empty_database_says_what_to_do(db_file: Path) -> None:
    at = open_app()
    assert [i.value for i in at.info] == [
        "No data yet. Load the demo or import your files on the Data page."
    ]
    assert not at.metric
    assert "Demo data" not in sidebar_text(at)


def test_the_overview_counts_imported_orders_and_revenue(db_file: Path) -> None:
    import_orders(db_file)
    at = open_app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Active customers"] == "1"
    assert metrics["Revenue (EUR)"] == "14.50"
    assert metrics["Mentions"] == "0"
    assert any("1 row was set aside during imports." in w.value for w in at.warning)


def test_a_page_opened_before_the_router_ran_goes_through_it(db_file: Path) -> None:
    # What a browser gets when its first request after a server start is /data:
    # Streamlit runs pages/data.py on its own (the pages/ folder convention).
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.title[0].value == "Data"
    assert "Data version 0" in sidebar_text(at)
    assert at.session_state["data_round"] == 0


# --- the error funnel -------------------------------------------------------------------


def test_a_database_path_that_is_a_folder_shows_the_engine_sentence(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(store.ENV_DB, str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [plain(e.value) for e in at.error] == [
        f"{tmp_path} is a folder; set SCRM_DB (or --db) to a file path such as data/scrm.db."
    ]


def test_an_unexpected_error_is_a_short_sentence_and_a_logged_traceback(db_file: Path, monkeypatch, caplog) -> None:
    from scrm.views import data as browse

    def broken(db: sqlite_utils.Database) -> None:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(browse, "summarise", broken)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Something went wrong while showing this page. Reload the page to try again; "
        "the details are in the server log."
    ]
    assert "internal detail" not in " ".join(e.value for e in at.error)
    assert any(r.exc_info and "internal detail" in str(r.exc_info[1]) for r in caplog.records)


# --- first start ---------------------------------------------------------------------------


def test_the_first_start_builds_the_demo_and_shows_the_badge(tmp_path: Path, monkeypatch) -> None:
    calls: list[float] = []

    def fake_build_demo(db: sqlite_utils.Database, seed: int = 7, scale: str = "small", progress=None) -> None:
        store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name"], [("C1", "Ana"), ("C2", "Ben")])
        store.set_meta(db, "demo", "1")
        if progress:
            progress(0.5, "Customers")
            calls.append(0.5)

    monkeypatch.setattr(api, "build_demo", fake_build_demo)
    path = tmp_path / "new" / "scrm.db"
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert path.exists() and not path.with_name("scrm.db.building").exists()
    assert calls == [0.5]
    assert {m.label: m.value for m in at.metric}["Customers"] == "2"
    assert "Demo data" in sidebar_text(at)
    assert any("generated demo data" in c.value for c in at.caption)


# The first build runs in a thread of the server (scrm.ui.demo_build) and the page polls it
# with st.rerun(). A test that wants to see a run while the build goes on replaces st.rerun
# with st.stop: the run draws the panel once and ends, as a run stopped by a closed tab does
# (both raise StopException at that point).
WELCOME = "Welcome to scrm: building a demo database to explore…"
CLOSE_TAB = "You can close this tab: the build goes on and the next visit shows it."
BUILD_FAILED = "The demo database could not be built. Reload the page to try again; the details are in the server log."


class _NavigationPagesManager(PagesManager):
    """As in test_shell: a second ``at.run()`` goes through ``app.py``, as on a server (AppTest
    forgets between runs that the app routes with ``st.navigation``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


class SlowDemo:
    """A demo build that waits for ``release`` (set it, or the build times out) and counts its calls."""

    def __init__(self, fail_first: bool = False) -> None:
        self.release = threading.Event()
        self.calls = 0
        self.fail_first = fail_first

    def __call__(self, db: sqlite_utils.Database, seed: int = 7, scale: str = "small", progress=None) -> None:
        self.calls += 1
        if progress:
            progress(0.25, "Customers")
        assert self.release.wait(TIMEOUT), "the test never released the build"
        if self.fail_first and self.calls == 1:
            raise RuntimeError("internal detail")
        store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name"], [("C1", "Ana")])
        store.set_meta(db, "demo", "1")


@pytest.fixture
def slow_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SlowDemo, Path, ui.BackgroundBuild]]:
    monkeypatch.setattr(app_test, "PagesManager", _NavigationPagesManager)
    demo = SlowDemo()
    monkeypatch.setattr(api, "build_demo", demo)
    monkeypatch.setattr(compute, "run_all", lambda db, **kwargs: [])
    path = tmp_path / "new" / "scrm.db"
    monkeypatch.setenv(store.ENV_DB, str(path))
    job = ui.demo_build(str(path.resolve()))
    yield demo, path, job
    demo.release.set()  # never leave a build thread waiting after the test
    job.join(TIMEOUT)


def wait_for(condition, timeout: float = TIMEOUT) -> None:
    deadline = threading.Event()
    timer = threading.Timer(timeout, deadline.set)
    timer.start()
    try:
        while not condition():
            assert not deadline.wait(0.02), "timed out waiting"
    finally:
        timer.cancel()


def test_the_first_build_runs_in_the_background_and_a_later_run_shows_the_app(slow_demo, monkeypatch) -> None:
    demo, path, job = slow_demo
    rerun = st.rerun
    monkeypatch.setattr(st, "rerun", st.stop)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.label for s in at.status] == [WELCOME]
    assert CLOSE_TAB in [c.value for c in at.caption]
    assert not at.metric and not path.exists()
    assert job.status().state == "running"
    wait_for(lambda: job.status().phases == (("build", 0.25, "Customers"),))
    at.run()  # the poll: the same build, further along
    assert [s.label for s in at.status] == [WELCOME] and demo.calls == 1
    assert [p.value for p in at.get("progress")] == [25]
    demo.release.set()
    monkeypatch.setattr(st, "rerun", rerun)
    at.run()  # polls until the build is done, then shows the app
    assert not at.exception, [e.value for e in at.exception]
    assert demo.calls == 1 and job.status().state == "done"
    assert path.exists() and not path.with_name("scrm.db.building").exists()
    assert [s.label for s in at.status] == ["Demo database ready"]
    assert CLOSE_TAB not in [c.value for c in at.caption]
    assert {m.label: m.value for m in at.metric}["Customers"] == "1"
    assert "Demo data" in sidebar_text(at)


def test_a_first_start_left_by_a_closed_tab_goes_on_and_the_next_visit_attaches_to_it(slow_demo, monkeypatch) -> None:
    demo, path, job = slow_demo
    rerun = st.rerun
    monkeypatch.setattr(st, "rerun", st.stop)
    first = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert [s.label for s in first.status] == [WELCOME]
    del first  # the tab is closed: its script run stopped, the session gone
    monkeypatch.setattr(st, "rerun", rerun)
    assert job.status().state == "running" and not path.exists()
    threading.Timer(1.0, demo.release.set).start()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()  # a new visit, while the build goes on
    assert not at.exception, [e.value for e in at.exception]
    assert demo.calls == 1, "the new visit attached to the running build instead of starting another"
    assert path.exists() and not path.with_name("scrm.db.building").exists()
    assert [s.label for s in at.status] == ["Demo database ready"]
    assert {m.label: m.value for m in at.metric}["Customers"] == "1"
    # A visit after the build: the app as usual, no build panel, no second build.
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.status and demo.calls == 1
    assert {m.label: m.value for m in at.metric}["Customers"] == "1"


def test_a_failed_first_build_is_one_sentence_and_the_next_visit_builds_again(slow_demo, monkeypatch, caplog) -> None:
    demo, path, job = slow_demo
    demo.fail_first = True
    demo.release.set()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [BUILD_FAILED]
    assert not at.metric and not path.exists() and job.status().state == "failed"
    assert any(r.exc_info and "internal detail" in str(r.exc_info[1]) for r in caplog.records)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()  # the next visit (a reload)
    assert not at.exception, [e.value for e in at.exception]
    assert demo.calls == 2 and not at.error
    assert path.exists() and not path.with_name("scrm.db.building").exists()
    assert [s.label for s in at.status] == ["Demo database ready"]
    assert {m.label: m.value for m in at.metric}["Customers"] == "1"


# --- the demo dataset -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        from scrm.demo import build_demo
    except ImportError as e:
        pytest.skip(f"scrm.demo is not available yet ({e})")
    path = tmp_path_factory.mktemp("demo") / "scrm.db"
    db = store.open_db(path)
    try:
        build_demo(db, scale="tiny")
    finally:
        db.close()
    return path


def test_the_overview_of_the_demo_shows_its_customer_count(demo_db: Path, monkeypatch) -> None:
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    at = open_app()
    metrics = {m.label: m.value for m in at.metric}
    # The tiles cover the last 30 days of data: mentions there, revenue in the reporting currency.
    assert metrics["Mentions"] not in ("—", "0") and "Revenue (EUR)" in metrics
    assert "Demo data" in sidebar_text(at)
    data_page = at.switch_page("pages/data.py").run()
    assert data_page.info[0].value.startswith("This database holds the generated demo data.")


# --- the Data page ------------------------------------------------------------------------


def test_start_empty_needs_the_confirmation_and_empties_the_database(db_file: Path) -> None:
    import_orders(db_file)
    at = open_app("pages/data.py", "Start over")
    clear = next(b for b in at.button if b.label == "Start with an empty database")
    assert clear.disabled
    at.checkbox(key="data_confirm_0").check().run()
    at.button(key="data_clear_0").click().run()
    assert not at.exception
    db = with_db(db_file)
    counts = store.counts(db)
    # The audit log stays and records the reset itself.
    assert counts.pop(S.AUDIT_LOG) == 1
    assert set(counts.values()) == {0}
    db.close()
    assert [s.value for s in at.success] == ["The database is empty. Import your files on the Import tab."]
    assert at.session_state["data_tab"] == "Import files"
    assert at.file_uploader[0].key == "data_upload_1"


def test_load_demo_data_replaces_everything_with_the_demo(db_file: Path, monkeypatch) -> None:
    def fake_build_demo(db: sqlite_utils.Database, seed: int = 7, scale: str = "small", progress=None) -> None:
        assert db.conn.in_transaction, "the page builds inside one transaction with the clearing"
        store.upsert_rows(db, S.CUSTOMERS, ["customer_id"], [("D1",)])
        store.set_meta(db, "demo", "1")

    monkeypatch.setattr(api, "build_demo", fake_build_demo)
    import_orders(db_file)
    at = open_app("pages/data.py", "Start over")
    at.checkbox(key="data_confirm_0").check().run()
    at.button(key="data_demo_0").click().run()
    assert not at.exception, [e.value for e in at.exception]
    db = with_db(db_file)
    # The workflow rules and the audit log are the team's own work: a reset keeps them; the daily
    # summaries are the scores of the demo's one customer.
    kept = (S.RULES, S.AUDIT_LOG, S.SUMMARY_CUSTOMERS)
    assert {t: n for t, n in store.counts(db).items() if n and t not in kept} == {S.CUSTOMERS: 1}
    assert store.is_demo(db)
    resets = db.execute(f"SELECT actor, action, target FROM {S.AUDIT_LOG} WHERE target = 'load demo'").fetchall()
    assert resets == [("local", "import", "load demo")]
    db.close()
    [message] = [s.value for s in at.success]
    assert message.startswith("The demo data is loaded: see the Overview page. Scores updated in ")
    assert "Demo data" in sidebar_text(open_app())


def test_an_import_on_the_data_page_updates_the_scores(db_file: Path) -> None:
    at = open_app("pages/data.py")
    at.file_uploader[0].set_value(  # one mention: the compute layer scores it
        ("m.csv", b"author,text,date,lang\nana,I love this lamp,2024-03-05 10:00,en\n", "text/csv")
    ).run()
    at.button(key=next(b.key for b in at.button if b.label.startswith("Import as"))).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Scores updated in" in c.value for c in at.caption)
    db = with_db(db_file)
    assert db.execute("SELECT label FROM sentiment").fetchone()[0] == "positive"
    db.close()


def test_import_history_and_quarantine_show_an_engine_import(db_file: Path) -> None:
    import_orders(db_file)
    at = open_app("pages/data.py", "Import history")
    history = at.dataframe[0].value
    at.query_params["data_tab"] = "Quarantine"
    quarantine = at.run().dataframe[0].value
    assert history[["file_name", "rows_read", "rows_new", "rows_rejected"]].values.tolist() == [["orders.csv", 3, 2, 1]]
    assert quarantine[["row_number", "column", "value"]].values.tolist() == [[3, "amount", "oops"]]
    assert "is not a number" in quarantine["reason"].iloc[0]
    assert [d.label for d in at.download_button] == ["Download CSV", "Download Excel"]


def test_the_quarantine_filter_shows_one_import(db_file: Path) -> None:
    import_orders(db_file, name="first.csv")
    import_orders(db_file, ORDERS_CSV.replace(b"A", b"B").replace(b"oops", b"bad"), name="second.csv")
    at = open_app("pages/data.py", "Quarantine")
    assert at.dataframe[0].value["value"].tolist() == ["bad", "oops"]
    at.selectbox(key="data_quarantine_import").set_value(1).run()
    assert at.dataframe[0].value["value"].tolist() == ["oops"]


def test_an_uploaded_file_is_previewed_mapped_and_imported(db_file: Path) -> None:
    at = open_app("pages/data.py")
    at.file_uploader[0].set_value(("ventas.csv", ORDERS_CSV, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    kind = next(s for s in at.selectbox if s.label == "This file holds")
    assert kind.value == "orders"
    amount = next(s for s in at.selectbox if s.label.startswith("amount"))
    assert amount.value == "amount"
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    # Seconds vary from run to run; everything else is exact.
    assert [re.sub(r"in [0-9.]+ s", "in N s", plain(w.value)) for w in at.warning] == [
        "Imported ventas.csv: 3 rows read in N s. 1 row set aside: see the Quarantine tab.  \n"
        "Orders: 2 new, 0 updated, 0 unchanged, 0 duplicates, 1 quarantined."
    ]
    db = with_db(db_file)
    assert store.counts(db)[S.ORDERS] == 2
    db.close()


def test_a_known_export_gets_its_preset_by_default_and_is_imported(db_file: Path) -> None:
    at = open_app("pages/data.py")
    at.file_uploader[0].set_value(("Tweets.csv", AIRLINE_CSV, "text/csv")).run()
    preset = next(s for s in at.selectbox if s.label == "Preset")
    assert preset.value == "airline-tweets"
    kind = next(s for s in at.selectbox if s.label == "This file holds")
    assert (kind.value, kind.disabled) == ("mentions", True)
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [re.sub(r"in [0-9.]+ s", "in N s", plain(s.value)) for s in at.success] == [
        "Imported Tweets.csv: 1 row read in N s.  \nSocial mentions: 1 new, 0 updated, 0 unchanged, "
        "0 duplicates, 0 quarantined."
    ]
    assert [plain(i.value) for i in at.info] == ["Linked 0 profiles to customers; no suggestions wait for review."]
    db = with_db(db_file)
    assert (store.counts(db)[S.MENTIONS], store.counts(db)[S.PROFILES]) == (1, 1)
    db.close()


def test_a_file_the_reader_refuses_shows_the_engine_sentence_and_keeps_the_presets(db_file: Path) -> None:
    at = open_app("pages/data.py")
    at.file_uploader[0].set_value(("empty.csv", b"", "text/csv")).run()
    assert not at.exception
    assert len(at.error) == 1 and plain(at.error[0].value).startswith("empty.csv")
    assert [s.label for s in at.selectbox] == ["Preset"]
    assert not at.form_submit_button


def test_an_error_sentence_quoting_a_file_name_is_not_read_as_markdown(db_file: Path) -> None:
    at = open_app("pages/data.py")
    at.file_uploader[0].set_value(("[x](http://e.vil) **b**.csv", b"", "text/csv")).run()
    assert at.error[0].value.startswith(r"\[x\]\(http\:")
    assert plain(at.error[0].value).startswith("[x](http://e.vil) **b**.csv")


def test_an_upload_without_a_required_column_asks_for_it(db_file: Path) -> None:
    at = open_app("pages/data.py")
    at.file_uploader[0].set_value(("o.csv", ORDERS_CSV, "text/csv")).run()
    next(s for s in at.selectbox if s.label.startswith("amount")).set_value(I.NONE)
    at.form_submit_button[0].click().run()
    assert [e.value for e in at.error] == ["Choose a column of the file for amount: it is required for orders."]
    db = with_db(db_file)
    assert store.counts(db)[S.ORDERS] == 0
    db.close()


# --- per-file decisions (scrm.ui.data) -----------------------------------------------


def test_mapping_fields_put_required_columns_first_with_the_proposal_selected() -> None:
    headers = ["Fecha", "Pedido", "Importe", "Notas"]
    fields = I.mapping_fields("orders", headers, I.proposed_mapping(headers, "orders"))
    assert [f.column for f in fields][:3] == ["order_id", "ordered_at", "amount"]
    chosen = {f.column: f.options[f.index] for f in fields}
    assert chosen["order_id"] == "Pedido" and chosen["amount"] == "Importe" and chosen["channel"] == I.NONE
    assert fields[0].label == "order_id *" and fields[0].options == [I.NONE, *headers]


def test_a_proposed_header_the_file_lacks_falls_back_to_none() -> None:
    fields = I.mapping_fields("orders", ["a"], {"order_id": "gone"})
    assert fields[0].options[fields[0].index] == I.NONE


def test_the_chosen_mapping_drops_none_and_reports_missing_and_reused_headers() -> None:
    chosen = I.chosen_mapping({"order_id": "Id", "ordered_at": I.NONE, "amount": "Id", "channel": None})
    assert chosen == {"order_id": "Id", "amount": "Id"}
    assert I.missing_required("orders", chosen) == ["ordered_at"]
    assert I.reused_headers(chosen) == {"Id": ["order_id", "amount"]}


def test_a_column_set_to_none_stays_out_of_the_import(fresh_db) -> None:
    from scrm.ingest import import_file

    text = b"Pedido,Fecha,Importe,Canal\nP1,2024-01-01,5,online\n"
    choices = {"order_id": "Pedido", "ordered_at": "Fecha", "amount": "Importe", "channel": I.NONE}
    import_file(fresh_db, text, "orders", file_name="o.csv", mapping=I.mapping_argument(I.AUTO, choices))
    assert fresh_db.execute("SELECT channel FROM orders").fetchone()[0] is None


def test_a_preset_is_suggested_only_for_its_own_export() -> None:
    from scrm.ingest import preview_file

    assert I.suggest_preset(preview_file(AIRLINE_CSV, "Tweets.csv").sample) == "airline-tweets"
    assert I.suggest_preset(preview_file(ORDERS_CSV, "orders.csv").sample) is None


@pytest.mark.parametrize(
    ("preset", "choices", "expected"),
    [
        (I.AUTO, {"amount": "Total", "channel": I.NONE}, {"amount": "Total", "channel": ""}),
        (I.AUTO, None, None),
        ("online-retail", {"amount": "Total"}, "online-retail"),
    ],
)
def test_the_mapping_argument_is_the_preset_or_the_chosen_columns(preset, choices, expected) -> None:
    assert I.mapping_argument(preset, choices) == expected


def test_preset_options_start_with_auto_and_presets_fix_the_kind() -> None:
    from scrm.ingest.presets import PRESETS

    options = I.preset_options()
    assert options[0] == I.AUTO and options[1:] == list(PRESETS)
    for name, preset in PRESETS.items():
        assert I.preset_kind(name) == preset.kind
        assert I.preset_label(name).startswith(name)
    assert I.preset_kind(I.AUTO) is None


@pytest.mark.parametrize(("kinds", "expected"), [(["orders"], False), (["orders", "customers"], True), (["mentions"], True)])
def test_profiles_are_linked_again_after_mentions_or_customers(kinds, expected) -> None:
    assert I.needs_linking(kinds) is expected


def test_an_import_result_with_quarantined_rows_reads_as_a_warning() -> None:
    result = ImportResult(
        import_id=4, kind="orders", file_name="o.csv", rows_read=3, new=2, rejected=1, seconds=0.25,
        notes=["1 order has no customer and is kept as a guest order."],
        also=[ImportResult(import_id=5, kind="customers", file_name="o.csv", rows_read=3, new=2)],
    )
    outcome = I.describe_result(result)
    assert outcome.level == "warning"
    assert outcome.headline == "Imported o.csv: 3 rows read in 0.2 s. 1 row set aside: see the Quarantine tab."
    assert outcome.parts == [
        "Orders: 2 new, 0 updated, 0 unchanged, 0 duplicates, 1 quarantined.",
        "Customers: 2 new, 0 updated, 0 unchanged, 0 duplicates, 0 quarantined.",
    ]
    assert outcome.kinds == ["orders", "customers"]
    # Duplicates lose nothing (the last copy of a key wins): still a success.
    clean = I.describe_result(ImportResult(import_id=1, kind="orders", file_name="o.csv", rows_read=2, new=1, duplicates=1))
    assert clean.level == "success"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**bold** _it_", r"\*\*bold\*\* \_it\_"),
        (":red[alert] :smile:", r"\:red\[alert\] \:smile\:"),
        ("<b>x</b>\nnext", r"\<b\>x\</b\> next"),
        ("plain name 2024", "plain name 2024"),
    ],
)
def test_untrusted_text_is_escaped_for_markdown(text, expected) -> None:
    assert escape_markdown(text) == expected


def test_timestamps_read_as_utc_minutes() -> None:
    assert format_timestamp("2024-03-05T14:30:59") == "2024-03-05 14:30 UTC"
    assert format_timestamp(None) == "never"
