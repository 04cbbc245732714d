"""`pip install .` gives the engine with its models and a `scrm` command (built offline here)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools leaves build/ and *.egg-info/ beside the sources.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "requirements.txt", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "scrm", source / "scrm", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(out)],
        capture_output=True, text=True, cwd=source, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (found,) = out.glob("scrm-*.whl")
    return found


def test_the_wheel_holds_every_floor_and_the_sentiment_models(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in ("scrm/api.py", "scrm/cli.py", "scrm/db/store.py", "scrm/analysis/stage.py", "scrm/ui/__init__.py"):
        assert module in names, module
    assert {"scrm/analysis/sentiment/models/es.json", "scrm/analysis/sentiment/models/fr.json"} <= names
    assert "scrm/export/templates/report.html.j2" in names  # the stakeholder report's template
    assert not any(n.startswith(("tests/", "pages/", "data/")) for n in names)


def test_the_wheel_installs_a_scrm_command_and_says_its_licence(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    info = next(n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "scrm = scrm.cli:console" in archive.read(info).decode()
    metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "Requires-Dist: streamlit[auth]" in metadata


def test_the_console_script_runs_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scrm import cli

    monkeypatch.setattr(sys, "argv", ["scrm", "status", "--db", "/no/such/dir/x.db"])
    with pytest.raises(SystemExit) as stop:
        cli.console()
    assert stop.value.code == 2
    assert capsys.readouterr().err.startswith("error: ")
