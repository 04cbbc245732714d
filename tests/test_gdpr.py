"""Privacy requests: export one person, erase one person everywhere, retention purges.

The key test erases a customer of the scored tiny demo who has linked
profiles, mentions, orders, a survey and a case, after planting copies of
their values where only a sweep finds them (another person's post, a link
review's JSON, a quarantined row, a case note), then reads every text cell
and blob of every table, and the database file itself, for their e-mail,
name and handles.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from scrm.db import audit, search, store
from scrm.db import schema as S
from scrm.errors import ConfigError, NotFound
from scrm.privacy import requests as gdpr


@pytest.fixture
def demo(scored_tiny_demo_master: Path, tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    """A private copy of the scored tiny demo, open."""
    path = tmp_path / "scrm.db"
    shutil.copyfile(scored_tiny_demo_master, path)
    db = store.open_db(path)
    yield db
    db.close()


def pick_customer(db: sqlite_utils.Database) -> dict[str, Any]:
    """A customer with linked profiles that posted, orders and a survey, whose name and e-mail no one else has."""
    row = db.execute(
        """WITH posted AS MATERIALIZED (
                SELECT DISTINCT coalesce(nullif(lower(trim(platform)), ''), 'other') || ':'
                       || lower(ltrim(trim(author), '@')) AS profile_id FROM mentions),
            names AS MATERIALIZED (SELECT lower(name) AS name, count(*) AS n FROM customers GROUP BY 1),
            emails AS MATERIALIZED (SELECT lower(email) AS email, count(*) AS n FROM customers GROUP BY 1)
           SELECT c.customer_id, c.name, c.email FROM customers c
             JOIN names ON names.name = lower(c.name) AND names.n = 1
             JOIN emails ON emails.email = lower(c.email) AND emails.n = 1
            WHERE EXISTS (SELECT 1 FROM links l JOIN posted p ON p.profile_id = l.profile_id
                           WHERE l.customer_id = c.customer_id AND l.status = 'linked')
              AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)
              AND EXISTS (SELECT 1 FROM surveys s WHERE s.customer_id = c.customer_id)
            ORDER BY c.customer_id LIMIT 1"""
    ).fetchone()
    assert row is not None, "the tiny demo has no suitable customer"
    customer_id = row[0]
    handles = [
        r[0]
        for r in db.execute(
            "SELECT p.handle FROM links l JOIN profiles p ON p.profile_id = l.profile_id "
            "WHERE l.customer_id = ? AND l.status = 'linked'",
            [customer_id],
        )
    ]
    return {"customer_id": customer_id, "name": row[1], "email": row[2], "handles": handles}


def person_mentions(db: sqlite_utils.Database, customer_id: str) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            """SELECT m.mention_id FROM mentions m JOIN links l
                 ON coalesce(nullif(lower(trim(m.platform)), ''), 'other') || ':' || lower(ltrim(trim(m.author), '@')) = l.profile_id
                WHERE l.customer_id = ? AND l.status = 'linked' ORDER BY m.mention_id""",
            [customer_id],
        )
    ]


def every_value(db: sqlite_utils.Database) -> Iterator[tuple[str, str]]:
    """(table, text) for every text cell and blob of every table in sqlite_master, FTS shadow tables included."""
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for row in db.execute(f'SELECT * FROM "{table}"'):
            for value in row:
                if isinstance(value, str):
                    yield table, value
                elif isinstance(value, bytes):
                    yield table, value.decode("utf-8", "replace")


def plant_copies(db: sqlite_utils.Database, person: dict[str, Any], mention_id: str) -> dict[str, Any]:
    """The person's values where only the sweep can find them; returns ids of what was planted."""
    from scrm.act import cases

    handle = person["handles"][0]
    case_id = cases.open_case(
        db, queue=cases.RESCUE, subject=f"Unhappy: {person['name']}", priority="high",
        customer_id=person["customer_id"], mention_id=mention_id, actor="ana",
    )
    cases.add_note(db, case_id, f"Called {person['name']} at {person['email']}", actor="ana")
    other_case = cases.open_case(db, queue=cases.SUPPORT, subject="Someone else", priority="low", actor="ana")
    cases.add_note(db, other_case, f"Mentioned @{handle} and {person['email']} in passing", actor="ana")
    with store.transaction(db):
        db.execute(
            "INSERT INTO mention_tags (mention_id, tag, created_at) VALUES (?, 'vip', '2026-01-01T00:00:00')",
            [mention_id],
        )
        db.execute(
            "INSERT INTO link_reviews (action, profile_id, customer_id, before, after, actor, at) "
            "VALUES ('accept', 'twitter:someone', ?, ?, ?, 'ana', '2026-01-01T00:00:00')",
            [person["customer_id"], json.dumps({"name": person["name"]}), json.dumps({"email": person["email"]})],
        )
        db.execute(
            "INSERT INTO quarantine (import_id, kind, file_name, row_number, reason, raw, created_at) "
            "VALUES (1, 'customers', 'crm.csv', 7, 'bad date', ?, '2026-01-01T00:00:00')",
            [json.dumps({"Customer": person["customer_id"], "Mail": person["email"], "Since": "soon"})],
        )
        db.execute(
            "INSERT INTO mentions (mention_id, platform, author, text, posted_at) VALUES (?, ?, ?, ?, ?)",
            ["M-OTHER-1", "twitter", "someone_else", f"Zyzzyva agrees with @{handle}, and {person['name']} is right",
             "2026-01-02T00:00:00"],
        )
        store.set_meta(db, "demo_story_extra", json.dumps({"hero": person["name"], "mail": person["email"]}))
    search.refresh_index(db)
    return {"case_id": case_id, "other_case": other_case}


def test_an_erased_person_appears_nowhere_in_the_database(demo: sqlite_utils.Database) -> None:
    person = pick_customer(demo)
    mentions = person_mentions(demo, person["customer_id"])
    planted = plant_copies(demo, person, mentions[0])
    assert search.search_mentions(demo, person["handles"][0]).total >= 1
    before = store.counts(demo)
    others_orders = demo.execute(
        "SELECT count(*) FROM orders WHERE customer_id <> ? OR customer_id IS NULL", [person["customer_id"]]
    ).fetchone()[0]
    path = Path(demo.execute("PRAGMA database_list").fetchone()[2])

    summary = gdpr.erase_person(demo, person["customer_id"], actor="ana")

    values = [person["email"], person["name"], *person["handles"]]
    leaks = [
        (table, value, text[:80])
        for table, text in every_value(demo)
        for value in values
        if value.casefold() in text.casefold()
    ]
    assert leaks == []
    assert summary.deleted[S.CUSTOMERS] == 1
    assert summary.deleted[S.MENTIONS] == len(mentions)
    assert summary.deleted[S.CASES] == 1 and summary.deleted[S.QUARANTINE] == 1
    after = store.counts(demo)
    assert after[S.CUSTOMERS] == before[S.CUSTOMERS] - 1
    assert after[S.MENTIONS] == before[S.MENTIONS] - len(mentions)
    assert demo.execute("SELECT count(*) FROM orders").fetchone()[0] == others_orders
    assert demo.execute("SELECT count(*) FROM cases WHERE case_id = ?", [planted["case_id"]]).fetchone()[0] == 0
    assert demo.execute("SELECT count(*) FROM case_events WHERE case_id = ?", [planted["case_id"]]).fetchone()[0] == 0
    # Another person's post keeps its words but loses the handle; another case keeps its note.
    text = demo.execute("SELECT text FROM mentions WHERE mention_id = 'M-OTHER-1'").fetchone()[0]
    assert text == "Zyzzyva agrees with @[erased], and [erased] is right"
    note = demo.execute(
        "SELECT note FROM case_events WHERE case_id = ? AND note IS NOT NULL", [planted["other_case"]]
    ).fetchone()[0]
    assert note == "Mentioned @[erased] and [erased] in passing"
    # The search index was rebuilt from what is left.
    assert search.search_mentions(demo, person["handles"][0]).total == 0
    assert search.search_mentions(demo, "Zyzzyva").total == 1
    # Not even the free pages or the write-ahead log keep a copy.
    demo.close()
    raw = path.read_bytes().lower() + (Path(f"{path}-wal").read_bytes().lower() if Path(f"{path}-wal").exists() else b"")
    assert [v for v in values if v.lower().encode() in raw] == []


def test_erasure_is_logged_with_counts_and_a_reference_never_the_values(demo: sqlite_utils.Database) -> None:
    person = pick_customer(demo)
    summary = gdpr.erase_person(demo, person["customer_id"], actor="ana", role="admin")
    entry = audit.read_log(demo, actions=(audit.ERASE,)).iloc[0]
    assert (entry["actor"], entry["role"], entry["target"]) == ("ana", "admin", summary.reference)
    assert summary.reference.startswith("erasure-") and len(summary.reference) == len("erasure-") + 12
    detail = json.loads(entry["detail"])
    assert detail["deleted"] == summary.deleted and detail["swept"] == summary.swept
    text = entry.to_json()
    assert person["email"] not in text and person["name"] not in text and person["customer_id"] not in text


def test_the_preview_counts_what_erase_deletes_and_writes_nothing(demo: sqlite_utils.Database) -> None:
    person = pick_customer(demo)
    version = store.data_version(demo)
    preview = gdpr.preview_erasure(demo, person["customer_id"])
    same = gdpr.erase_person(demo, person["customer_id"], actor="ana", dry_run=True)
    assert store.data_version(demo) == version
    assert preview.dry_run and preview.deleted == same.deleted
    assert gdpr.held_counts(demo, person["customer_id"]) == preview.deleted
    done = gdpr.erase_person(demo, person["customer_id"], actor="ana")
    assert done.deleted == preview.deleted
    assert done.swept == preview.swept
    assert preview.summary().startswith(f"Would delete {preview.total_deleted:,} rows (")


@pytest.mark.parametrize("call", ["export", "erase", "preview"])
def test_an_unknown_customer_id_is_refused(fresh_db: sqlite_utils.Database, call: str) -> None:
    functions = {
        "export": lambda: gdpr.export_person(fresh_db, "C404"),
        "erase": lambda: gdpr.erase_person(fresh_db, "C404", actor="ana"),
        "preview": lambda: gdpr.preview_erasure(fresh_db, "C404"),
    }
    with pytest.raises(NotFound) as e:
        functions[call]()
    assert str(e.value) == (
        "No customer has the id 'C404'. Find the id on the Customer 360 or Privacy requests page "
        "(search by name or e-mail), then try again."
    )
    assert fresh_db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0


def test_a_failed_erasure_leaves_everything_as_it_was(
    demo: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = pick_customer(demo)
    before = store.counts(demo)
    version = store.data_version(demo)
    secure = demo.execute("PRAGMA secure_delete").fetchone()[0]

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        gdpr.erase_person(demo, person["customer_id"], actor="ana")
    assert store.counts(demo) == before and store.data_version(demo) == version
    assert demo.execute("PRAGMA secure_delete").fetchone()[0] == secure


def customer(db: sqlite_utils.Database, customer_id: str, name: str, email: str | None, **extra: Any) -> None:
    columns = ["customer_id", "name", "email", *extra]
    store.upsert_rows(db, S.CUSTOMERS, columns, [[customer_id, name, email, *extra.values()]])


def mention(db: sqlite_utils.Database, mention_id: str, author: str, text: str, posted_at: str = "2026-01-01T00:00:00") -> None:
    store.upsert_rows(
        db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
        [[mention_id, "twitter", author, text, posted_at]],
    )


def test_namesakes_longer_handles_and_longer_words_are_not_erased(fresh_db: sqlite_utils.Database) -> None:
    from scrm.analysis.identity import link_profiles

    customer(fresh_db, "C1", "Ana Ruiz", "ana@example.com", twitter="@ana_r")
    customer(fresh_db, "C2", "Ana Ruiz", "other@example.com")
    mention(fresh_db, "M1", "ana_r", "Love it")
    mention(fresh_db, "M2", "bob", "@ana_r and @ana_r2 said so; Ana Ruizova and ANA RUIZ agree, mail ana@example.com.")
    link_profiles(fresh_db)
    summary = gdpr.erase_person(fresh_db, "C1", actor="ana", compact=False)
    assert summary.deleted == {"customers": 1, "links": 1, "mentions": 1, "profiles": 1}
    assert fresh_db.execute("SELECT text FROM mentions").fetchall() == [
        ("@[erased] and @ana_r2 said so; Ana Ruizova and [erased] agree, mail [erased].",)
    ]
    assert fresh_db.execute("SELECT customer_id, name FROM customers").fetchall() == [("C2", "Ana Ruiz")]


def test_json_objects_that_are_the_persons_rows_leave_their_lists(fresh_db: sqlite_utils.Database) -> None:
    customer(fresh_db, "C1", "Ana Ruiz", "ana@example.com", twitter="ana_r")
    mention(fresh_db, "M1", "ana_r", "Broken sofa")
    mention(fresh_db, "M2", "bob", "Fine sofa")
    drivers = {"mentions": [{"mention_id": "M1", "text": "Broken sofa"}, {"mention_id": "M2", "text": "Fine sofa"}]}
    fresh_db.execute("CREATE TABLE alerts_like (alert_id INTEGER, drivers TEXT)")
    fresh_db.execute("INSERT INTO alerts_like VALUES (1, ?)", [json.dumps(drivers)])
    from scrm.analysis.identity import link_profiles

    link_profiles(fresh_db)
    gdpr.erase_person(fresh_db, "C1", actor="ana", compact=False)
    kept = json.loads(fresh_db.execute("SELECT drivers FROM alerts_like").fetchone()[0])
    assert kept == {"mentions": [{"mention_id": "M2", "text": "Fine sofa"}]}


def test_derived_tables_added_later_are_exported_and_erased(fresh_db: sqlite_utils.Database) -> None:
    customer(fresh_db, "C1", "Ana Ruiz", "ana@example.com")
    customer(fresh_db, "C2", "Bo Li", "bo@example.com")
    fresh_db.execute("CREATE TABLE churn_scores (customer_id TEXT, risk REAL)")
    fresh_db.execute("INSERT INTO churn_scores VALUES ('C1', 0.8), ('C2', 0.1)")
    fresh_db.execute("CREATE TABLE offers (customer_id TEXT, offer TEXT, PRIMARY KEY (customer_id, offer)) WITHOUT ROWID")
    fresh_db.execute("INSERT INTO offers VALUES ('C1', 'sofa'), ('C1', 'bed'), ('C2', 'sofa')")
    store.insert_rows(
        fresh_db, S.QUARANTINE, ["import_id", "kind", "file_name", "row_number", "reason", "raw"],
        [(1, "orders", "orders.csv", 5, "bad amount", json.dumps({"Client": "C1", "Total": "12,5O"})),
         (1, "orders", "orders.csv", 6, "bad amount", json.dumps({"Client": "C2", "Total": "x"}))],
    )
    exported = gdpr.export_person(fresh_db, "C1")
    assert set(exported["derived"]) == {"churn_scores", "offers", "quarantine"}
    assert exported["derived"]["churn_scores"] == [{"customer_id": "C1", "risk": 0.8}]
    assert sorted(r["offer"] for r in exported["derived"]["offers"]) == ["bed", "sofa"]
    assert [r["row_number"] for r in exported["derived"]["quarantine"]] == [5]
    summary = gdpr.erase_person(fresh_db, "C1", actor="ana", compact=False)
    assert (summary.deleted["churn_scores"], summary.deleted["offers"], summary.deleted["quarantine"]) == (1, 2, 1)
    assert fresh_db.execute("SELECT customer_id FROM churn_scores").fetchall() == [("C2",)]
    assert fresh_db.execute("SELECT customer_id, offer FROM offers").fetchall() == [("C2", "sofa")]
    assert fresh_db.execute("SELECT row_number FROM quarantine").fetchall() == [(6,)]


# --- export ------------------------------------------------------------------------------


def test_export_holds_the_persons_orders_mentions_survey_and_cases(demo: sqlite_utils.Database) -> None:
    from scrm.act import cases

    person = pick_customer(demo)
    mentions = person_mentions(demo, person["customer_id"])
    case_id = cases.open_case(
        demo, queue=cases.RESCUE, subject="Rescue", priority="high", customer_id=person["customer_id"], actor="ana"
    )
    data = gdpr.export_person(demo, person["customer_id"])
    assert list(data) == list(gdpr.EXPORT_KEYS)
    assert data["format"] == "scrm-person-export/1"
    assert data["customer"]["email"] == person["email"]
    orders = {r[0] for r in demo.execute("SELECT order_id FROM orders WHERE customer_id = ?", [person["customer_id"]])}
    assert {o["order_id"] for o in data["orders"]} == orders
    assert {m["mention_id"] for m in data["mentions"]} >= set(mentions)
    assert all(m["sentiment"]["label"] for m in data["mentions"] if m["mention_id"] in mentions)
    assert data["surveys"] and all(s["customer_id"] == person["customer_id"] for s in data["surveys"])
    assert case_id in {c["case_id"] for c in data["cases"]}
    assert next(c for c in data["cases"] if c["case_id"] == case_id)["events"][0]["event"] == "opened"
    linked = [p for p in data["profiles"] if any(link["status"] == "linked" for link in p["links"])]
    assert {p["handle"] for p in linked} >= set(person["handles"])
    assert all({"method", "confidence"} <= set(p["links"][0]) for p in linked)
    assert {"customer_value", "segments", "journey", "roles"} <= set(data["derived"])
    json.dumps(data)  # JSON-able as it is


def test_export_json_is_audited_as_an_export(demo: sqlite_utils.Database) -> None:
    person = pick_customer(demo)
    text = gdpr.export_person_json(demo, person["customer_id"], actor="ana", role="analyst")
    assert json.loads(text)["customer"]["customer_id"] == person["customer_id"]
    entry = audit.read_log(demo, actions=(audit.EXPORT,)).iloc[0]
    assert (entry["actor"], entry["target"]) == ("ana", f"customer:{person['customer_id']}")
    assert person["email"] not in entry["detail"]


# --- retention ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "now", "cutoff"),
    [
        (1, "2026-03-15T08:00:00", "2026-02-15T08:00:00"),
        (3, "2024-05-31T10:00:00", "2024-02-29T10:00:00"),
        (12, "2026-01-10T00:00:00", "2025-01-10T00:00:00"),
        (25, "2026-01-31T23:59:59", "2023-12-31T23:59:59"),
    ],
)
def test_the_cutoff_is_calendar_months_before_now(months: int, now: str, cutoff: str) -> None:
    assert gdpr.retention_cutoff(months, now) == cutoff


@pytest.mark.parametrize("months", [0, -3, "two", "1.5"])
def test_retention_must_be_whole_months(months: object) -> None:
    with pytest.raises(ConfigError) as e:
        gdpr.check_months(months)
    assert str(e.value) == f"Retention must be a whole number of months, 1 or more (got '{months}'). For example: 24."


def test_purge_deletes_exactly_the_old_mentions_and_what_hangs_on_them(demo: sqlite_utils.Database) -> None:
    from scrm.act import cases

    latest = demo.execute("SELECT max(posted_at) FROM mentions").fetchone()[0]
    now = latest  # "now" at the newest mention: a deterministic cutoff
    cutoff = gdpr.retention_cutoff(6, now)
    old = [r[0] for r in demo.execute("SELECT mention_id FROM mentions WHERE posted_at < ?", [cutoff])]
    assert 0 < len(old) < store.counts(demo)[S.MENTIONS]
    case_id = cases.open_case(demo, queue=cases.SUPPORT, subject="Old", priority="low", mention_id=old[0], actor="ana")
    search.refresh_index(demo)
    mentions_before = store.counts(demo)[S.MENTIONS]
    assert gdpr.count_mentions_older_than(demo, 6, now=now) == len(old)

    purged = gdpr.purge_mentions_older_than(demo, 6, actor="cli", now=now)

    assert purged == len(old)
    assert store.counts(demo)[S.MENTIONS] == mentions_before - len(old)
    assert demo.execute("SELECT count(*) FROM mentions WHERE posted_at < ?", [cutoff]).fetchone()[0] == 0
    assert demo.execute(
        "SELECT count(*) FROM sentiment WHERE mention_id NOT IN (SELECT mention_id FROM mentions)"
    ).fetchone()[0] == 0
    assert demo.execute("SELECT mention_id, subject FROM cases WHERE case_id = ?", [case_id]).fetchone() == (None, "Old")
    entry = audit.read_log(demo, actions=(audit.PURGE,)).iloc[0]
    assert (entry["actor"], entry["target"]) == ("cli", "mentions")
    assert json.loads(entry["detail"])["mentions"] == len(old)
    assert search.search_mentions(demo, "").total == store.counts(demo)[S.MENTIONS]


def test_the_retention_setting_is_stored_and_audited(fresh_db: sqlite_utils.Database) -> None:
    assert gdpr.retention_months(fresh_db) is None
    gdpr.set_retention_months(fresh_db, 24, actor="ana", role="admin")
    assert gdpr.retention_months(fresh_db) == 24
    gdpr.set_retention_months(fresh_db, None, actor="ana")
    assert gdpr.retention_months(fresh_db) is None
    log = audit.read_log(fresh_db, actions=(audit.SETTINGS,))
    assert [json.loads(d)["retention_months"] for d in log["detail"]] == [None, 24]


def test_a_namesakes_confirmed_profile_keeps_its_name(fresh_db: sqlite_utils.Database) -> None:
    from scrm.analysis.identity import link_profiles

    customer(fresh_db, "C1", "Ana Ruiz", "ana@example.com", twitter="ana_r")
    customer(fresh_db, "C2", "Ana Ruiz", "ruiz@example.com", instagram="anaruiz_bcn")
    mention(fresh_db, "M1", "ana_r", "Love it")
    store.upsert_rows(
        fresh_db, S.MENTIONS, ["mention_id", "platform", "author", "author_name", "text", "posted_at"],
        [["M2", "instagram", "anaruiz_bcn", "Ana Ruiz", "Hi from Ana Ruiz in Barcelona", "2026-01-01T00:00:00"]],
    )
    link_profiles(fresh_db)
    assert fresh_db.execute("SELECT customer_id FROM links WHERE profile_id = 'instagram:anaruiz_bcn' AND status = 'linked'").fetchall() == [("C2",)]
    gdpr.erase_person(fresh_db, "C1", actor="ana", compact=False)
    # The other Ana Ruiz's own name in her profile and posts' author field stays; a text is still swept.
    assert fresh_db.execute("SELECT author_name, text FROM mentions").fetchall() == [("Ana Ruiz", "Hi from [erased] in Barcelona")]
    assert fresh_db.execute("SELECT display_name FROM profiles").fetchall() == [("Ana Ruiz",)]


@pytest.mark.parametrize(
    ("name", "text", "swept"),
    [
        ("李小龍", "我喜欢李小龍的电影", "我喜欢[erased]的电影"),  # no spaces between words: found anywhere
        ("Chloé Collins", "CHLOÉ COLLINS said so", "[erased] said so"),
        ("Chloé Collins", '{"hero": "Chlo\\u00e9 Collins"}', '{"hero": "[erased]"}'),
        ("Ana Ruiz", "Ana Ruizova said so", "Ana Ruizova said so"),
    ],
)
def test_names_are_swept_in_any_case_script_and_json_escape(
    fresh_db: sqlite_utils.Database, name: str, text: str, swept: str
) -> None:
    customer(fresh_db, "C1", name, None)
    mention(fresh_db, "M1", "someone", text)
    gdpr.erase_person(fresh_db, "C1", actor="ana", compact=False)
    assert fresh_db.execute("SELECT text FROM mentions").fetchone()[0] == swept
