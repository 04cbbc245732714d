"""The import is laid out as stages that only hand forward (issue 11 point 10): each stage's module
imports earlier stages only, and the public names stay importable from ``scrm.ingest.pipeline``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAGES = ["read", "map", "parse", "validate", "write"]


def _ingest_imports(stage: str) -> set[str]:
    tree = ast.parse((ROOT / "scrm" / "ingest" / f"{stage}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("scrm.ingest."):
                found.add(node.module.split(".")[2])
            elif node.module == "scrm.ingest":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names if a.name.startswith("scrm.ingest."))
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_later_stage_and_not_the_pipeline(stage: str) -> None:
    later = set(STAGES[STAGES.index(stage) + 1 :]) | {"pipeline", "worker"}
    assert _ingest_imports(stage) & later == set()


def test_the_public_names_are_still_importable_from_the_pipeline() -> None:
    from scrm.ingest import pipeline

    for name in ("import_file", "import_frame", "preview_file", "read_source", "ImportResult", "Preview",
                 "checked_parts", "write_stream", "DateOptions", "problem_sentence", "validate", "column_hints"):
        assert hasattr(pipeline, name), name
