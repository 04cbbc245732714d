"""`scrm backup FILE` and `scrm restore FILE --yes`: consistent snapshots while the app runs."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from scrm import api, cli
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError


def _mention(db, mention_id: str) -> None:  # type: ignore[no-untyped-def]
    store.upsert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
                      [(mention_id, "twitter", "ana", "hello", "2024-03-01T10:00:00")])  # fmt: skip


def test_a_backup_then_a_restore_round_trips_the_demo(scored_demo_path: Path, tmp_path: Path) -> None:
    db = store.open_db(scored_demo_path)
    counts = store.counts(db)
    copy = tmp_path / "backup.db"
    summary = api.backup(db, copy)
    assert summary.path == copy and summary.bytes > 0 and not copy.with_name("backup.db.partial").exists()
    version = store.data_version(db)
    api.start_empty(db, actor="cli")
    assert store.counts(db)[S.MENTIONS] == 0
    restored = api.restore(db, copy, actor="cli")
    assert {k: n for k, n in store.counts(db).items() if k != S.AUDIT_LOG} == {
        k: n for k, n in counts.items() if k != S.AUDIT_LOG
    }
    # Past every version seen before: no cache keyed on a version serves the emptied data.
    assert restored.data_version > store.data_version(store.open_db(copy)) and restored.data_version > version
    assert db.execute(f"SELECT count(*) FROM {S.AUDIT_LOG} WHERE target = 'restore backup.db'").fetchone()[0] == 1
    db.close()


def test_a_backup_taken_during_an_import_holds_none_of_it(db_path: Path, tmp_path: Path) -> None:
    db = store.open_db(db_path)
    _mention(db, "m1")
    importing = store.open_db(db_path)
    with store.transaction(importing):  # an import holding the write lock, not committed yet
        _mention(importing, "m2")
        api.backup(db, tmp_path / "during.db")
    copy = sqlite3.connect(tmp_path / "during.db")
    assert [r[0] for r in copy.execute(f"SELECT mention_id FROM {S.MENTIONS}")] == ["m1"]
    copy.close()
    importing.close()
    db.close()


def test_a_backup_never_overwrites_a_file_unless_told(fresh_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "b.db"
    target.write_bytes(b"precious")
    with pytest.raises(ConfigError, match="exists already. Give a new file name"):
        api.backup(fresh_db, target)
    assert target.read_bytes() == b"precious"
    api.backup(fresh_db, target, replace=True)
    assert target.read_bytes()[:15] == b"SQLite format 3"


def test_restoring_a_file_that_is_no_scrm_database_changes_nothing(fresh_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _mention(fresh_db, "m1")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ConfigError, match="junk.db is not an scrm database"):
        api.restore(fresh_db, junk, actor="cli")
    assert store.counts(fresh_db)[S.MENTIONS] == 1


def test_the_cli_backs_up_and_restores_only_with_yes(
    capsys: pytest.CaptureFixture[str], scored_demo_path: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live.db"
    shutil.copy(scored_demo_path, live)
    copy = tmp_path / "nightly.db"
    assert cli.main(["--db", str(live), "backup", str(copy)]) == 0
    assert capsys.readouterr().out.startswith("Backed up data version ")
    assert cli.main(["--db", str(live), "restore", str(copy)]) == 2
    assert "Nothing was restored." in capsys.readouterr().err
    assert cli.main(["--db", str(live), "restore", str(copy), "--yes"]) == 0
    assert "data version now" in capsys.readouterr().out
