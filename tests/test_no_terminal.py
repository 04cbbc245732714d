"""No sentence of the interface asks the user to run a command: the app does it (issue 14).

Every string literal of the pages, ``app.py``, ``scrm/ui``, ``scrm/views`` and
``scrm/charts`` is read (docstrings and comments are for developers and stay
out); one that names a command of the command line fails the test with its
file and line. The CLI and the README keep theirs: scripts and cron use them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INTERFACE = ("app.py", "pages", "scrm/ui", "scrm/views", "scrm/charts")
# "python -m scrm score", "`scrm demo`", "scrm purge" and the like.
COMMAND = re.compile(
    r"python3? -m scrm\b|\bscrm (score|demo|import|purge|report|hash-password|collect|watch|sentiment)\b"
    r"|`score( --force)?`"
)


def interface_files() -> list[Path]:
    files: list[Path] = []
    for name in INTERFACE:
        path = ROOT / name
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string nodes that are docstrings (of the module, a class or a function)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


def commands_asked(source: str, path: str = "x.py") -> list[str]:
    """``path:line: text`` of every string literal in ``source`` that names a command (docstrings left out)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
        if text is not None and id(node) not in skip and COMMAND.search(text):
            found.append(f"{path}:{node.lineno}: {text.strip()[:90]}")
    return found


def test_no_interface_string_asks_the_user_to_run_a_command() -> None:
    found = []
    for path in interface_files():
        found += commands_asked(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        'st.info("Run `python -m scrm score`, then reload this page.")',
        'MESSAGE = "Load the demo (python -m scrm demo) first."',
        'x = f"computed by `python -m scrm score` at {when}"',
        'NOTE = "closing a case shows after `score --force`."',
    ],
)
def test_a_sentence_that_asks_for_a_command_is_caught(source: str) -> None:
    assert len(commands_asked(source)) == 1


def test_docstrings_may_name_commands_for_developers() -> None:
    source = '"""Reads what ``python -m scrm score`` stored."""\n\ndef f():\n    """Run python -m scrm demo."""\n'
    assert commands_asked(source) == []
