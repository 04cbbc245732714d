"""The README is a contract too: these tests fail when it drifts from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scrm import cli
from scrm.db import schema
from scrm.ingest.presets import PRESETS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_gives_the_two_setup_commands() -> None:
    assert "pip install -r requirements.txt" in README
    assert "streamlit run app.py" in README


def test_ci_runs_exactly_the_test_command_of_the_readme() -> None:
    command = re.search(r"## Running the tests\s+```bash\n(.+?)\n```", README, re.S)
    assert command is not None, "the README has a 'Running the tests' section with one bash block"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command.group(1).strip() in ci.splitlines()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_documented(name: str) -> None:
    assert f"`{name}`" in README


def test_every_command_is_documented() -> None:
    for name in (c.name for c in cli.COMMANDS):
        assert f"python -m scrm {name}" in README, name


@pytest.mark.parametrize("kind", schema.KINDS)
def test_every_required_column_is_documented(kind: str) -> None:
    row = next(line for line in README.splitlines() if line.startswith(f"| {kind} |"))
    for column in schema.ENTITIES[kind].required:
        assert f"`{column}`" in row
