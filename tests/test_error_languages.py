"""An error a page shows is written in the reader's language; the CLI keeps its English.

Every error scrm raises on purpose (:class:`scrm.errors.ScrmError`) is made from a
:class:`~scrm.i18n.messages.Message`: its ``str()`` is the English sentence scripts and
logs have always read, and the red box on a page renders it with the catalogs. The
checks read the source (AST), so a new error raised with plain English text, or a
message key without its Spanish and French entries, fails here, naming the file and line.
"""

from __future__ import annotations

import ast
import pickle
import string
from pathlib import Path

import pytest

from scrm import errors
from scrm.errors import NotFound, ScrmError, reason
from scrm.i18n import catalog
from scrm.i18n.messages import Message, Number

ROOT = Path(__file__).resolve().parent.parent
# Modules only the command line runs: their errors are printed in English, which is the CLI's language.
CLI_ONLY = {"scrm/cli.py", "scrm/bench.py", "scrm/__main__.py"}


def error_classes() -> set[str]:
    """The names of every ScrmError class, those declared outside scrm/errors.py included."""
    names = {n for n, o in vars(errors).items() if isinstance(o, type) and issubclass(o, ScrmError)}
    grew = True
    while grew:
        grew = False
        for path in ROOT.glob("scrm/**/*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


def _is_text(node: ast.expr) -> bool:
    """A plain English sentence in the source: a literal, an f-string, a sum or a .format/.join of them."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "join"}:
        return isinstance(node.func.value, ast.Constant | ast.JoinedStr)
    return False


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def plain_text_errors(path: Path, names: set[str]) -> list[str]:
    """Where ``path`` makes a ScrmError from plain text instead of a message."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name in names and _is_text(node.args[0]):
            found.append(f"{_shown(path)}:{node.lineno} {name}")
    return found


def _constants(tree: ast.Module) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else getattr(node, "target", None)
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant) and isinstance(value.value, str):
            out[target.id] = value.value
    return out


def message_keys(path: Path) -> set[tuple[str, int]]:
    """Every ``Message("literal", ...)`` key in ``path`` (or a module constant's), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = _constants(tree)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Message" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add((first.value, node.lineno))
            elif isinstance(first, ast.Name) and first.id in constants:
                found.add((constants[first.id], node.lineno))
    return found


def engine_files() -> list[Path]:
    return sorted(p for p in ROOT.glob("scrm/**/*.py") if str(p.relative_to(ROOT)) not in CLI_ONLY)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- the error ------------------------------------------------------------------------------------


def test_an_error_made_from_a_message_keeps_its_english_and_renders_in_spanish_and_french() -> None:
    e = NotFound(Message("Customer {id} does not exist. Check the id on the Customer 360 page.", {"id": "C-9"}))
    assert str(e) == "Customer C-9 does not exist. Check the id on the Customer 360 page."
    assert e.render("es") == "El cliente C-9 no existe. Comprueba el id en la página Cliente 360."
    assert "C-9" in e.render("fr") and "existe pas" in e.render("fr")


def test_an_error_made_from_plain_text_reads_the_same_in_every_language_even_with_braces() -> None:
    e = ScrmError("Column {amount} is missing.")
    assert str(e) == e.render("es") == e.message.render("fr") == "Column {amount} is missing."


def test_an_error_survives_the_import_workers_process_boundary_with_its_message() -> None:
    e = NotFound(Message("Customer {id} does not exist. Check the id on the Customer 360 page.", {"id": "C-9"}))
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is NotFound and back.render("es") == e.render("es")


def test_a_wrapped_error_keeps_the_inner_message_so_the_whole_sentence_is_translated() -> None:
    inner = NotFound(Message("Customer {id} does not exist. Check the id on the Customer 360 page.", {"id": "C-9"}))
    outer = ScrmError(Message("{file}: {why}", {"file": "orders.csv", "why": reason(inner)}))
    assert outer.render("es").startswith("orders.csv: El cliente C-9 no existe")
    assert reason(ValueError("bad")) == "bad"


def test_figures_inside_an_error_are_written_in_the_readers_locale() -> None:
    e = ScrmError(Message("{n} rows", {"n": Number(12345)}))
    assert str(e) == "12,345 rows" and "12.345" in e.render("es")


# --- the source -----------------------------------------------------------------------------------


def test_the_scan_finds_an_error_made_from_plain_text(tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text(
        'raise NotFound(f"No rule {x}.")\nraise RuleError("Bad " + y)\nraise NotFound(Message("ok"))\n'
        'e = CaseError("Plain.")\nraise NotFound(sentence)\n',
        encoding="utf-8",
    )
    found = plain_text_errors(source, error_classes())
    assert [x.split()[-1] for x in found] == ["NotFound", "RuleError", "CaseError"]
    assert found[0] == "probe.py:1 NotFound"


def test_every_error_the_app_can_show_is_made_from_a_message() -> None:
    names = error_classes()
    assert {"ScrmError", "ImportRejected", "DatabaseBusy", "Refused"} <= names
    plain = [x for path in engine_files() for x in plain_text_errors(path, names)]
    assert plain == [], f"{len(plain)} errors are plain English text; raise them with a Message: {plain[:15]}"


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_message_key_in_the_engine_has_a_translation_with_the_same_placeholders(lang: str) -> None:
    have = catalog(lang)
    missing, wrong = [], []
    for path in engine_files():
        for key, line in message_keys(path):
            words = "".join(part for part, *_ in string.Formatter().parse(key))
            if not any(c.isalpha() for c in words):  # a join of phrases has no words of its own
                continue
            if key not in have:
                missing.append(f"{path.relative_to(ROOT)}:{line} {key!r}")
            elif _fields(key) != _fields(have[key]):
                wrong.append(f"{path.relative_to(ROOT)}:{line} {key!r}")
    assert missing == [], f"{len(missing)} message keys have no {lang} translation: {missing[:10]}"
    assert wrong == [], f"these {lang} translations change the placeholders: {wrong[:10]}"
