"""The layout holds: DESIGN.md's seven rules, checked on the source with ``ast``.

Each rule is a pure checker, ``check_<rule>(path, source) -> list[Violation]``
(what it needs from the rest of the tree, such as the module list or the table
names, comes in as keyword arguments read once from the repository), then two
kinds of test: one runs the checker over the real tree and asserts it finds
nothing, printing every ``file:line`` it found; the others feed it a tiny made-up
source that breaks the rule and assert it is caught, so that a checker that
cannot fail fails here.

Imports count wherever they are written: at the top, inside a function (a late
import is still a dependency), under ``TYPE_CHECKING``, or spelled as
``importlib.import_module("scrm....")``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# --- the floors ------------------------------------------------------------------------
# Bottom to top. A module may import from its own floor (freely, across the
# names on it) and from any floor below; importing from a floor above is a
# violation. A name is a module or a package (a package covers all its modules);
# the longest name that matches decides. "scrm" is the package's __init__ alone.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("scrm", "scrm.errors", "scrm.auth", "scrm.i18n"),  # the package, errors, roles and hashing, languages: pure
    ("scrm.db",),  # the database and its vocabulary (schema)
    ("scrm.ingest", "scrm.listen"),  # files and live sources -> canonical rows
    ("scrm.analysis",),  # the compute stages
    ("scrm.act",),  # the team's work: rules, cases, identity review
    ("scrm.compute",),  # the score run: imports the stages, in order
    ("scrm.privacy",),  # export, erasure, retention, masking
    ("scrm.views",),  # pure reads, one module per page stem
    ("scrm.charts",),  # frames in, Altair out
    ("scrm.export",),  # the stakeholder report and the CSV/XLSX files
    ("scrm.demo",),  # the demo dataset (rule 6 narrows who may import it)
    ("scrm.api",),  # the one door for writes
    ("scrm.ui", "scrm.cli", "scrm.bench", "scrm.__main__"),  # the top: Streamlit, the command line, the bench
)
FLOOR_OF: dict[str, int] = {name: i for i, names in enumerate(FLOORS) for name in names}

# Rule 1: the only Streamlit code in scrm/.
STREAMLIT_HOME = "scrm/ui/"

# Rule 2: what pages/, app.py and scrm/cli.py (the doors) may import from scrm.
# A name maps to None (the module or package and everything in it) or to the
# only names of it a door may use (checked on `from M import name` and on `M.name`).
DOORS = ("pages/", "app.py", "scrm/cli.py")
DOOR_IMPORTS: dict[str, frozenset[str] | None] = {
    "scrm.api": None,  # the one door for writes
    "scrm.ui": None,  # cached loaders and shared widgets
    "scrm.views": None,  # pure reads
    "scrm.charts": None,  # frames in, Altair out
    "scrm.export": None,  # the report and the files (a download is a read)
    "scrm.db.schema": None,  # names, columns and stored vocabularies
    "scrm.db.filters": None,  # the filter values a page or a command passes on
    "scrm.errors": None,  # the door turns them into messages
    "scrm.auth": None,  # roles and permissions (pure)
    "scrm.i18n": None,  # the interface's languages (pure)
    "scrm.db.store": frozenset(  # opening the database and reading it (`status`, reports), no writes
        {"open_db", "default_db_path", "ENV_DB", "data_version", "utcnow", "is_demo", "counts", "last_imports",
         "read_frame", "explain_sqlite_error",  # pure: a fault of the file as a sentence
         "is_url",  # pure: whether --db names a PostgreSQL server rather than a file
         "database_exists", "target_label"}  # a read: the file, or scrm's tables on a PostgreSQL server
    ),
    "scrm.analysis.stage": None,  # StageSummary and its statuses: what api.score returns (a dataclass)
    "scrm.compute": frozenset({"STAGE_NAMES", "pending_stages"}),  # the stage names; what `status` says is pending (a read)
}
# Any other module of scrm lends a door its vocabulary and types: names that
# start with a capital (constants such as ``cases.PRIORITIES``, classes such as
# ``rules.Rule``) are data, never a write. Its functions are off limits, but for
# these reads, each pure or read-only:
DOOR_READS: dict[str, frozenset[str]] = {
    "scrm.act.rules": frozenset({"validate"}),  # checks a draft rule, returns it; writes nothing
    "scrm.ingest.mapping": frozenset({"entity_of"}),  # the kind named on the command line, checked
    "scrm.ingest.pipeline": frozenset({"problem_sentence"}),  # a quarantined row as a sentence
    "scrm.privacy.requests": frozenset(  # what an erasure or a purge would do, before the person confirms
        {"preview_erasure", "check_months", "retention_months", "retention_cutoff", "count_mentions_older_than"}
    ),
    "scrm.analysis.sentiment": frozenset({"sentiment_file"}),  # `scrm sentiment FILE`: scores a file, no database
    "scrm.analysis.value": frozenset({"clv_report"}),  # `report clv --as-of`: computed, not stored
    "scrm.analysis.roles": frozenset({"compute_roles"}),  # `report advocates --as-of`: computed, not stored
}


# ... except these, which are no door's business at all (the bench, the CLI, the demo).
NO_VOCABULARY = ("scrm.bench", "scrm.cli", "scrm.demo", "scrm.__main__")


def _is_vocabulary(name: str) -> bool:
    """A constant or a class (a capital first letter): data a door may read from any module."""
    return name[:1].isupper()


# Only for scrm/cli.py: `python -m scrm bench` hands over to the bench, which
# builds and scores its own throwaway databases.
CLI_IMPORTS: dict[str, frozenset[str] | None] = {"scrm.bench": None}
# Calls that write, wherever their function came from (except scrm.api).
WRITE_CALLS = frozenset(
    {
        "transaction",  # store.transaction
        "atomic",  # db.atomic
        "run_all",  # the score run
        "build_demo",
        "clear_all",  # "start empty"
        "clear_database",
        "import_file",
        "import_frame",
        "upsert",  # sqlite-utils table writes
        "upsert_all",
        "insert_all",
        "delete_where",
    }
)
EXECUTE_CALLS = frozenset({"execute", "executemany", "executescript"})
WRITE_SQL = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)

# Rule 3: SQL that names a table (keywords upper-case, as scrm writes SQL) ...
SQL_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+[\"'`]?([A-Za-z_][A-Za-z0-9_]*)[\"'`]?(?![\w.])")
# ... and the names a database object goes by, for `db["table"]`.
DB_NAMES = frozenset({"db", "database", "conn", "connection"})

# Rule 5: modules of scrm/ui, scrm/views and scrm/charts that are no page's stem.
STEM_LAYERS = ("scrm/ui", "scrm/views", "scrm/charts")
SHARED_MODULES = frozenset(
    {
        "__init__",  # the package: shared helpers (ui.connection, ui.show_error, ...)
        "kpis",  # the KPI set the overview, the report and `scrm report kpis` share
        "filters",  # the sidebar filters every page reads
        "auth",  # sign-in and permissions
        "masking",  # demo-mode masking of personal data on any page
        "language",  # the reader's interface language and locale formats, on every page
        "missing",  # "—" for a missing value in every table
        "chart_text",  # charts in the reader's language (titles, month names, decimal marks)
        "loop",  # links between pages: a person's row to their card, a row to a new case, alert incidents
        "page_probe",  # the bench's page timer, run as a script
        "tables",  # table numbers in the reader's locale, for every page's tables
        "notes",  # KPI notes and status lines with figures, in the reader's language
    }
)

# Rule 6: who may import scrm.demo (besides scrm/demo/ itself and tests/).
DEMO_IMPORTERS = ("scrm/api.py", "scrm/cli.py", "scrm/bench.py", "scrm/demo/", "tests/")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.detail} [{self.rule}]"


# --- reading the tree ----------------------------------------------------------------------


def module_name(path: str) -> str:
    """``scrm/db/store.py`` -> ``scrm.db.store``; ``scrm/db/__init__.py`` -> ``scrm.db``."""
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def scrm_modules(root: Path = ROOT) -> frozenset[str]:
    """Every module and package of scrm/, by dotted name."""
    found = set()
    for file in (root / "scrm").rglob("*.py"):
        name = module_name(file.relative_to(root).as_posix())
        found.add(name)
        found.update(name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1))
    return frozenset(found)


MODULES = scrm_modules()


def sources(*patterns: str) -> list[tuple[str, str]]:
    """(path relative to the repository, text) of the files matching the glob patterns."""
    files = sorted({p for pattern in patterns for p in ROOT.glob(pattern) if p.is_file()})
    return [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in files]


def engine_sources() -> list[tuple[str, str]]:
    return sources("scrm/**/*.py")


def door_sources() -> list[tuple[str, str]]:
    return sources("pages/*.py", "app.py", "scrm/cli.py")


def all_sources() -> list[tuple[str, str]]:
    return sources("scrm/**/*.py", "pages/*.py", "app.py")


def page_stems(root: Path = ROOT) -> frozenset[str]:
    return frozenset(p.stem for p in (root / "pages").glob("*.py"))


@dataclass(frozen=True)
class Import:
    line: int
    module: str  # the module imported, resolved against the tree (`from scrm import ui` -> scrm.ui)
    name: str | None  # the name taken from it, when that name is not itself a module
    alias: str | None  # what the import binds in the importing file


def imports(path: str, tree: ast.AST, modules: frozenset[str] = MODULES) -> Iterator[Import]:
    """Every import in ``tree``, at any depth, with relative imports made absolute."""
    here = module_name(path)
    package = here if path.endswith("__init__.py") else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield Import(node.lineno, a.name, None, a.asname or a.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for a in node.names:
                full = f"{base}.{a.name}"
                if full in modules or full in FLOOR_OF:  # FLOOR_OF: modules planned, such as scrm.api
                    yield Import(node.lineno, full, None, a.asname or a.name)
                else:
                    yield Import(node.lineno, base, a.name, a.asname or a.name)
        elif (
            isinstance(node, ast.Call)
            and _called_name(node.func) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield Import(node.lineno, node.args[0].value, None, None)


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def floor_of(module: str) -> int | None:
    """The floor of a scrm module (None outside the table): the longest name that covers it."""
    best: str | None = None
    for name in FLOOR_OF:
        covers = module == name if name == "scrm" else _within(module, name)
        if covers and (best is None or len(name) > len(best)):
            best = name
    return None if best is None else FLOOR_OF[best]


def floor_label(floor: int) -> str:
    return "/".join(n.removeprefix("scrm.") for n in FLOORS[floor])


def _parse(path: str, source: str) -> ast.Module:
    return ast.parse(source, filename=path)


# --- the checkers -----------------------------------------------------------------------------


def check_floors(path: str, source: str, *, modules: frozenset[str] = MODULES) -> list[Violation]:
    """Rule 1: a scrm module imports only from its own floor or a lower one."""
    here = module_name(path)
    own = floor_of(here)
    if own is None:
        return [Violation(path, 1, "floors", f"{here} is on no floor: add it to FLOORS in tests/test_architecture.py")]
    found = []
    seen = set()
    for imp in imports(path, _parse(path, source), modules):
        if not _within(imp.module, "scrm") or (imp.line, imp.module) in seen:
            continue
        seen.add((imp.line, imp.module))
        target = floor_of(imp.module)
        if target is None:
            found.append(Violation(path, imp.line, "floors", f"imports {imp.module}, which is on no floor"))
        elif target > own:
            found.append(
                Violation(
                    path,
                    imp.line,
                    "floors",
                    f"{here} (floor {floor_label(own)}) imports {imp.module} from a higher floor ({floor_label(target)})",
                )
            )
    return found


def check_streamlit(path: str, source: str) -> list[Violation]:
    """Rule 1: only scrm/ui/ imports Streamlit inside scrm/."""
    if not path.startswith("scrm/") or path.startswith(STREAMLIT_HOME):
        return []
    return [
        Violation(path, imp.line, "streamlit", f"imports {imp.module} outside {STREAMLIT_HOME}")
        for imp in imports(path, _parse(path, source))
        if _within(imp.module, "streamlit")
    ]


def _allowed(module: str, name: str | None, table: dict[str, frozenset[str] | None]) -> frozenset[str] | None | bool:
    """True: allowed whole; a set: allowed, and only those names of it (and its vocabulary) may be
    used; False: not allowed."""
    for allowed, names in table.items():
        if _within(module, allowed):
            if names is None:
                return True
            if name is None:
                return names  # the module itself: its uses are checked name by name
            return name in names or _is_vocabulary(name)
        if name is not None and _within(f"{module}.{name}", allowed) and names is None:
            return True
    if any(_within(module, top) or (name is not None and _within(f"{module}.{name}", top)) for top in NO_VOCABULARY):
        return False
    if name is not None and f"{module}.{name}" in MODULES:
        return DOOR_READS.get(f"{module}.{name}", frozenset())  # a module imported by name: checked name by name
    reads = DOOR_READS.get(module, frozenset())
    if name is None:
        return reads  # the module itself: only its vocabulary and its listed reads
    return name in reads or _is_vocabulary(name)


def _string_text(node: ast.expr) -> str:
    """The constant text of a string literal, an f-string or a `+` of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(_string_text(v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _string_text(node.left) + " " + _string_text(node.right)
    return ""


def check_doors(path: str, source: str, *, modules: frozenset[str] = MODULES) -> list[Violation]:
    """Rule 2: pages/, app.py and scrm/cli.py write only through scrm.api."""
    if not path.startswith(DOORS):
        return []
    table = DOOR_IMPORTS | CLI_IMPORTS if path == "scrm/cli.py" else DOOR_IMPORTS
    tree = _parse(path, source)
    found = []
    restricted: dict[str, frozenset[str]] = {}  # alias of a module -> the names of it a door may use
    api_modules: set[str] = set()  # aliases bound to scrm.api
    api_names: set[str] = set()  # names imported from scrm.api
    audit_modules: set[str] = {"audit"}
    for imp in imports(path, tree, modules):
        if not _within(imp.module, "scrm") or (imp.module == "scrm" and imp.name is None):
            continue
        if _within(imp.module, "scrm.api") and imp.alias:
            (api_names if imp.name else api_modules).add(imp.alias)
        if imp.module == "scrm.db.audit" and imp.name is None and imp.alias:
            audit_modules.add(imp.alias)
        verdict = _allowed(imp.module, imp.name, table)
        if isinstance(verdict, frozenset):
            if imp.alias:
                restricted[imp.alias] = verdict
        elif not verdict:
            what = f"{imp.name} from {imp.module}" if imp.name else imp.module
            found.append(Violation(path, imp.line, "doors", f"imports {what}: a door reads through scrm.ui/views and writes through scrm.api"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in restricted
            and node.attr not in restricted[node.value.id]
            and not _is_vocabulary(node.attr)
            and node.attr not in WRITE_CALLS  # reported as a write call below
        ):
            names = sorted(restricted[node.value.id])
            also = f" and {', '.join(names)}" if names else ""
            found.append(Violation(path, node.lineno, "doors", f"uses {node.value.id}.{node.attr}: a door may use only the constants and classes{also} of it; write through scrm.api"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = _called_name(func)
        through_api = (isinstance(func, ast.Name) and func.id in api_names) or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in api_modules
        )
        if through_api or called is None:
            continue
        if called in WRITE_CALLS:
            found.append(Violation(path, node.lineno, "doors", f"calls {called}(): a write; call scrm.api instead"))
        elif called == "record" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in audit_modules:
            found.append(Violation(path, node.lineno, "doors", "calls audit.record(): scrm.api records its own audit entries"))
        elif called in EXECUTE_CALLS and node.args and WRITE_SQL.search(_string_text(node.args[0])):
            found.append(Violation(path, node.lineno, "doors", f"calls .{called}() with SQL that writes; call scrm.api instead"))
    return found


def schema_table_names(source: str) -> frozenset[str]:
    """The values of schema.py's table-name constants.

    Tables are known for sure from ``STORED_COLUMNS`` and ``PRIMARY_KEYS``
    (their keys) and from any module-level tuple, list or set whose name says
    ``TABLES``. The derived tables have no columns there, so the table names
    are every string constant of the block that holds those: the run of
    consecutive module-level ``NAME = "text"`` assignments (comments do not
    break a run) that contains at least one known table.
    """
    tree = ast.parse(source)
    runs: list[dict[str, str]] = [{}]
    known: set[str] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        value = getattr(node, "value", None)
        if names and isinstance(value, ast.Constant) and isinstance(value.value, str):
            runs[-1].update(dict.fromkeys(names, value.value))
            continue
        if runs[-1]:
            runs.append({})
        if any(n in {"STORED_COLUMNS", "PRIMARY_KEYS"} for n in names) and isinstance(value, ast.Dict):
            known.update(k.id for k in value.keys if isinstance(k, ast.Name))
        elif any("TABLES" in n for n in names) and value is not None:
            elements = value.elts if isinstance(value, ast.Tuple | ast.List | ast.Set) else []
            if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Tuple | ast.List | ast.Set):
                elements = value.args[0].elts  # frozenset({...}), tuple([...])
            known.update(e.id for e in elements if isinstance(e, ast.Name))
            for e in elements:
                if isinstance(e, ast.Constant) and isinstance(e.value, str):
                    runs.append({e.value: e.value})
                    known.add(e.value)
    return frozenset(value for run in runs if known & run.keys() for value in run.values())


TABLES = schema_table_names((ROOT / "scrm" / "db" / "schema.py").read_text(encoding="utf-8"))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def _table_positions(tree: ast.AST) -> set[int]:
    """The string literals a table name stands in when it is a whole literal.

    Many derived columns share a table's name (a segment's ``customers``
    count, a profile's ``mentions``), so a bare ``"customers"`` is a table
    only where a table goes: ``db["..."]``, an argument of a function about
    tables (its first or second argument: ``table_exists(db, "...")``,
    ``db.table("...")``; or ``table=``),
    a name that says ``table`` (``ROLES_TABLE = "..."``), or a test against
    ``db.table_names()``.
    """
    found: set[int] = set()

    def add(node: ast.AST | None) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(id(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _receiver(node.value) in DB_NAMES:
            add(node.slice)
        elif isinstance(node, ast.Call):
            called = (_called_name(node.func) or "").lower()
            if "table" in called:
                for arg in node.args[:2]:  # (db, table, ...) or db.table(table, ...)
                    add(arg)
            for keyword in node.keywords:
                if keyword.arg and "table" in keyword.arg.lower():
                    add(keyword.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any("table" in (_receiver(t) or "").lower() for t in targets):
                add(node.value)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Call) and _called_name(s.func) == "table_names" for s in sides):
                for side in sides:
                    add(side)
    return found


def _receiver(node: ast.expr) -> str | None:
    """``db`` for ``db``, ``self.db`` or ``x.db``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def check_table_names(path: str, source: str, *, tables: frozenset[str] = TABLES) -> list[Violation]:
    """Rule 3: outside scrm/db/, a table name is always ``S.<CONSTANT>``, never a literal.

    Caught: SQL text in a literal or an f-string's text that names a table
    after FROM, JOIN, INTO or UPDATE, and a literal that is a table's name
    where a table goes (see :func:`_table_positions`). Docstrings are prose.
    """
    if path.startswith("scrm/db/"):
        return []
    tree = _parse(path, source)
    skip = _docstrings(tree)
    as_table = _table_positions(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
            continue
        text = node.value
        if id(node) in as_table and text in tables:
            found.append(Violation(path, node.lineno, "table names", f'spells the table "{text}"; use its constant in scrm.db.schema'))
            continue
        for match in SQL_TABLE.finditer(text):
            if match.group(1) in tables:
                found.append(
                    Violation(path, node.lineno, "table names", f'SQL names the table {match.group(1)} in "{match.group(0)}"; use its constant in scrm.db.schema')
                )
    return found


def check_page_stems(path: str, source: str = "", *, pages: frozenset[str] | None = None) -> list[Violation]:
    """Rule 5: a module of scrm/ui, scrm/views or scrm/charts is a page's stem or a named shared module."""
    if pages is None:
        pages = page_stems()
    parts = Path(path).parts
    if len(parts) < 3 or "/".join(parts[:2]) not in STEM_LAYERS:
        return []
    stem = Path(parts[2]).stem  # a module, or a subpackage by its folder
    if stem in pages or stem in SHARED_MODULES:
        return []
    return [
        Violation(
            path,
            1,
            "page stems",
            f"{stem} is not a page (pages/{stem}.py) nor a shared module; rename it after its page or add it to SHARED_MODULES",
        )
    ]


def check_demo(path: str, source: str, *, modules: frozenset[str] = MODULES) -> list[Violation]:
    """Rule 6: scrm.demo is imported only by scrm/api.py, scrm/cli.py and scrm/bench.py."""
    if path.startswith(DEMO_IMPORTERS):
        return []
    return [
        Violation(path, imp.line, "demo", f"imports {imp.module}{'.' + imp.name if imp.name else ''}: only api, cli and bench know the demo")
        for imp in imports(path, _parse(path, source), modules)
        if _within(imp.module, "scrm.demo") or (imp.module == "scrm" and imp.name == "demo")
    ]


def violations(check: Callable[[str, str], list[Violation]], files: Iterable[tuple[str, str]]) -> list[Violation]:
    return [v for path, source in files for v in check(path, source)]


def report(found: list[Violation]) -> str:
    return f"{len(found)} violation(s):\n" + "\n".join(str(v) for v in found)


# --- the tree holds the rules ---------------------------------------------------------------


def test_every_scrm_module_is_on_a_floor() -> None:
    found = [
        Violation(path, 1, "floors", f"{module_name(path)} is on no floor: add it to FLOORS")
        for path, _ in engine_sources()
        if floor_of(module_name(path)) is None
    ]
    assert not found, report(found)


def test_imports_never_run_up_a_floor() -> None:
    found = violations(check_floors, engine_sources())
    assert not found, report(found)


def test_only_scrm_ui_imports_streamlit() -> None:
    found = violations(check_streamlit, engine_sources())
    assert not found, report(found)


def test_pages_app_and_cli_write_only_through_the_api() -> None:
    found = violations(check_doors, door_sources())
    assert not found, report(found)


def test_the_schema_names_the_tables() -> None:
    assert {"customers", "orders", "mentions", "meta", "audit_log"} <= TABLES


def test_table_names_are_spelled_only_in_scrm_db() -> None:
    found = violations(check_table_names, all_sources())
    assert not found, report(found)


def test_every_ui_views_and_charts_module_is_named_after_a_page() -> None:
    found = violations(check_page_stems, engine_sources())
    assert not found, report(found)


def test_only_api_cli_and_bench_import_the_demo() -> None:
    found = violations(check_demo, all_sources())
    assert not found, report(found)


# --- each checker catches what it is for ---------------------------------------------------


def rules_of(found: list[Violation]) -> list[tuple[str, int]]:
    return [(v.path, v.line) for v in found]


def test_an_import_up_a_floor_is_caught() -> None:
    source = "from scrm.db import schema\nfrom scrm.views import kpis\n"
    found = check_floors("scrm/db/x.py", source)
    assert rules_of(found) == [("scrm/db/x.py", 2)]
    assert "scrm.views" in str(found[0]) and "[floors]" in str(found[0])


def test_a_late_import_up_a_floor_is_caught() -> None:
    source = "def f():\n    from scrm.act.cases import RESCUE\n    return RESCUE\n"
    assert rules_of(check_floors("scrm/analysis/journey.py", source)) == [("scrm/analysis/journey.py", 2)]


@pytest.mark.parametrize(
    "source",
    [
        "from .. import compute\n",  # relative
        "import scrm.compute\n",
        "from scrm import compute\n",
        "import importlib\nimportlib.import_module('scrm.compute')\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from scrm.compute import StageSummary\n",
    ],
)
def test_every_spelling_of_an_import_up_a_floor_is_caught(source: str) -> None:
    assert len(check_floors("scrm/analysis/value.py", source)) == 1


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("scrm/analysis/value.py", "from scrm.analysis.roles import table_exists\nfrom scrm.db import store\n"),
        ("scrm/ingest/pipeline.py", "from scrm.listen import cursors\n"),  # the same floor
        ("scrm/analysis/sentiment/__init__.py", "from . import english\nfrom .language import OTHER\n"),
        ("scrm/cli.py", "from scrm import bench, ui\nfrom scrm.demo import build_demo\n"),  # the top floor
        ("scrm/errors.py", "import pandas\nimport os\n"),  # not scrm
    ],
)
def test_imports_down_or_across_a_floor_pass(path: str, source: str) -> None:
    assert check_floors(path, source) == []


def test_a_module_on_no_floor_is_caught() -> None:
    assert "on no floor" in str(check_floors("scrm/misc.py", ""))


def test_streamlit_outside_scrm_ui_is_caught() -> None:
    source = "def f():\n    import streamlit as st\n    from streamlit.runtime import exists\n"
    assert rules_of(check_streamlit("scrm/views/overview.py", source)) == [
        ("scrm/views/overview.py", 2),
        ("scrm/views/overview.py", 3),
    ]
    assert check_streamlit("scrm/ui/overview.py", source) == []


@pytest.mark.parametrize(
    "source",
    [
        "from scrm.db import store\nwith store.transaction(db):\n    pass\n",
        "with db.atomic():\n    pass\n",
        "from scrm.compute import run_all\n",
        "from scrm import compute\ncompute.run_all(db)\n",
        "from scrm.demo import build_demo\n",
        "from scrm.db import store\nstore.clear_all(db)\n",
        "from scrm.ingest import import_file\n",
        "from scrm.db import audit\naudit.record(db, 'import', 'x')\n",
        "db.execute('DELETE FROM customers WHERE customer_id = ?', [1])\n",
        "db.execute(f'UPDATE {S.CASES} SET status = ?', ['new'])\n",
        "from scrm.act import cases\ncases.set_status(db, 1, 'resolved', actor='x')\n",
        "from scrm.act.rules import save_rule\n",
        "from scrm.act import review as R\nR.accept(db, 'p', 'c', 'x')\n",
        "from scrm.privacy.requests import erase_person\n",
        "from scrm.db.store import clear_all\n",
    ],
)
def test_a_write_in_a_page_is_caught(source: str) -> None:
    assert check_doors("pages/data.py", source), source


def test_a_door_may_read_vocabulary_types_and_listed_reads_from_the_engine() -> None:
    source = (
        "from scrm.act import cases\nfrom scrm.act import rules as W\n"
        "from scrm.privacy import requests as gdpr\n"
        "x = (cases.PRIORITIES, cases.RESOLVED, W.Rule(name='r'), W.validate(W.Rule(name='r')))\n"
        "gdpr.preview_erasure(db, 'C1')\n"
    )
    assert check_doors("pages/rules.py", source) == []
    assert rules_of(check_doors("pages/rules.py", source + "gdpr.erase_person(db, 'C1', actor='x')\n")) == [
        ("pages/rules.py", 6)
    ]


def test_the_allowed_door_imports_pass() -> None:
    source = (
        "from scrm import api, auth, ui\n"
        "from scrm.api import import_file\n"
        "from scrm.db import schema as S\n"
        "from scrm.db import store\n"
        "from scrm.db.filters import Filters\n"
        "from scrm.errors import ScrmError\n"
        "from scrm.views import overview as O\n"
        "from scrm.charts import overview\n"
        "from scrm.export import files\n"
        "db = store.open_db(store.default_db_path())\n"
        "api.import_file(db, 'customers', 'x.csv')\n"
        "import_file(db, 'customers', 'x.csv')\n"
        "api.run_all(db)\n"
        "db.execute('SELECT count(*) FROM ' + S.CUSTOMERS)\n"
    )
    assert check_doors("pages/data.py", source) == []
    assert check_doors("app.py", source) == []


def test_only_the_cli_may_hand_over_to_the_bench() -> None:
    source = "from scrm import bench\n"
    assert check_doors("scrm/cli.py", source) == []
    assert check_doors("pages/settings.py", source)


def test_a_store_helper_that_writes_is_caught_in_the_cli() -> None:
    source = "from scrm.db import store\ndb = store.open_db()\nstore.replace_table(db, 'x', frame)\n"
    assert rules_of(check_doors("scrm/cli.py", source)) == [("scrm/cli.py", 3)]


def test_the_engine_is_no_door() -> None:
    assert check_doors("scrm/api.py", "from scrm.compute import run_all\nrun_all(db)\n") == []


def test_table_names_are_read_from_the_schema() -> None:
    schema = (
        'SCHEMA_VERSION = 3\nGREETING = "hello"\n'
        "X: int = 1\n"
        'CUSTOMERS = "customers"\n# derived\nSEGMENTS = "segments"\n'
        "KINDS = (CUSTOMERS,)\n"
        'LINKED = "linked"\nSCORES = "scores"\nRULES = "rules"\n'
        "STORED_COLUMNS = {CUSTOMERS: {}}\nPRIMARY_KEYS: dict = {CUSTOMERS: 'customer_id'}\n"
        "DERIVED_TABLES = frozenset({RULES, 'journey'})\n"
    )
    # "linked" shares its block with a table named in a TABLES set: a table too, by the block rule.
    assert schema_table_names(schema) == {"customers", "segments", "linked", "scores", "rules", "journey"}


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ('ROLES_TABLE = "customer_value"\n', 1),
        ('x = 1\ndb["orders"].count\n', 2),
        ('if table_exists(db, "customer_value"):\n    pass\n', 1),
        ('store.replace_table(db, "customer_value", frame)\n', 1),
        ('_report_table(db, "customer_value", "orders", "mentions", as_json=True)\n', 1),
        ('found = "orders" in db.table_names()\n', 1),
        ('sql = "SELECT * FROM orders WHERE amount > 0"\n', 1),
        ("sql = f'SELECT a FROM x JOIN \"mentions\" m ON m.id = x.id WHERE {clause}'\n", 1),
        ("db.execute(f'INSERT INTO orders VALUES ({marks})')\n", 1),
        ('db.execute("UPDATE customer_value SET x = 1")\n', 1),
    ],
)
def test_a_table_name_spelled_outside_scrm_db_is_caught(source: str, line: int) -> None:
    tables = frozenset({"orders", "mentions", "customer_value"})
    assert rules_of(check_table_names("scrm/views/x.py", source, tables=tables)) == [("scrm/views/x.py", line)]
    assert check_table_names("scrm/db/x.py", source, tables=tables) == []


@pytest.mark.parametrize(
    "source",
    [
        '"""Orders come FROM orders: a docstring explains."""\n',
        'sql = f"SELECT * FROM {S.ORDERS}"\n',
        'message = "no rows to import from orders.csv"\n',
        'out["orders"] = counts  # a column that shares the table\'s name\n',
        'columns = ["customer_id", "orders", "revenue"]\n',
        'column = "orders_90d"\n',
        'sql = "SELECT * FROM orders_view"\n',
    ],
)
def test_text_that_only_looks_like_a_table_name_passes(source: str) -> None:
    assert check_table_names("scrm/views/x.py", source, tables=frozenset({"orders"})) == []


def test_a_module_named_after_no_page_is_caught() -> None:
    pages = frozenset({"overview", "segments"})
    assert rules_of(check_page_stems("scrm/views/churn.py", pages=pages)) == [("scrm/views/churn.py", 1)]
    assert check_page_stems("scrm/charts/churn/__init__.py", pages=pages)
    assert check_page_stems("scrm/views/segments.py", pages=pages) == []
    assert check_page_stems("scrm/ui/kpis.py", pages=pages) == []
    assert check_page_stems("scrm/analysis/churn.py", pages=pages) == []


@pytest.mark.parametrize(
    "source",
    ["from scrm.demo import ANCHOR\n", "def f():\n    from scrm import demo\n", "import scrm.demo.text\n"],
)
def test_the_demo_imported_by_a_stage_or_a_page_is_caught(source: str) -> None:
    assert check_demo("scrm/act/cases.py", source)
    assert check_demo("pages/data.py", source)
    assert check_demo("app.py", source)
    for allowed in ("scrm/api.py", "scrm/cli.py", "scrm/bench.py", "scrm/demo/__init__.py"):
        assert check_demo(allowed, source) == []
