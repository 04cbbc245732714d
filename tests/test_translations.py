"""Every string the translated parts of the interface show has a Spanish and a French translation.

The strings are read from the source (AST): every literal passed to ``t(...)``
(``ui_lang.t``, ``translate(..., lang)``) in the translated modules, the module
constants and dictionaries they pass by name, the page titles and menu sections
of ``app.py``, and every KPI's name and definition. A new English sentence
without its translations fails here, naming it.
"""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest

from scrm.act.templates import SHIPPED_TEMPLATES
from scrm.analysis.subjects import SUBJECT_NAMES
from scrm.db import settings as business_settings
from scrm.i18n import CATALOGS, LANGUAGES, catalog, untranslated
from scrm.views import customer, journey, kpis

ROOT = Path(__file__).resolve().parent.parent
# The modules whose every shown string goes through t(): every page and the ui modules that write sentences.
TRANSLATED = [
    "app.py",
    "pages/overview.py",
    "pages/settings.py",
    "pages/segments.py",
    "pages/journey.py",
    "pages/advocates.py",
    "pages/identity.py",
    "pages/rules.py",
    "pages/privacy.py",
    "pages/alerts.py",
    "pages/sources.py",
    "pages/cases.py",
    "pages/customer.py",
    "pages/listening.py",
    "scrm/ui/listening.py",
    "pages/data.py",
    "scrm/ui/data.py",
    "scrm/ui/filters.py",
    "scrm/ui/language.py",
    "scrm/ui/settings.py",
    "scrm/ui/loop.py",
    "scrm/ui/masking.py",
    "scrm/ui/segments.py",
    "scrm/ui/__init__.py",
    "scrm/ui/auth.py",  # the sign-in screen, shown before anyone signs in (the browser's language)
    "scrm/ui/overview.py",
    "scrm/ui/notes.py",
    "scrm/act/rules.py",
    "scrm/views/overview.py",  # the alerts' sentences and the subjects of "What moved"
]
T_NAMES = {"t", "translate"}


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = value`` assignments."""
    out: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out[node.target.id] = node.value
    return out


def _strings(node: ast.expr, constants: dict[str, ast.expr]) -> list[str]:
    """The English texts an argument of t() can be: literals, constants named, a dictionary's values."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return _strings(constants[node.id], constants)
    if isinstance(node, ast.Subscript):
        return _strings(node.value, constants)
    if isinstance(node, ast.Dict):
        return [s for v in node.values for s in _strings(v, constants)]
    if isinstance(node, ast.Tuple | ast.List):
        return [s for v in node.elts for s in _strings(v, constants)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return _strings(node.func.value, constants) + [s for a in node.args for s in _strings(a, constants)]
    if isinstance(node, ast.IfExp):
        return _strings(node.body, constants) + _strings(node.orelse, constants)
    return []


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _loop_strings(tree: ast.Module, constants: dict[str, ast.expr]) -> dict[str, list[str]]:
    """Loop variables and the texts they run over (``for title, keys in GROUPS: t(title)``)."""
    out: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.For | ast.comprehension):
            continue
        # A comprehension's texts come from the constants it runs over (``RANK_LABELS.items()``), not its literals.
        kinds = ast.Name if isinstance(node, ast.comprehension) else ast.Constant | ast.Name
        texts = [s for part in ast.walk(node.iter) if isinstance(part, kinds) for s in _strings(part, constants)]
        for target in ast.walk(node.target):
            if isinstance(target, ast.Name):
                out.setdefault(target.id, []).extend(texts)
    return out


def shown_strings(path: Path) -> set[str]:
    """Every English text that ``path`` passes to t()."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = _constants(tree)
    loops = _loop_strings(tree, constants)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in T_NAMES and node.args:
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id not in constants:
                found.update(loops.get(first.id, []))
            found.update(_strings(first, constants))
    return found


def app_menu_strings() -> set[str]:
    """The page titles and menu sections of app.py (passed to t() by variable)."""
    constants = _constants(ast.parse((ROOT / "app.py").read_text(encoding="utf-8")))
    titles = {elt.elts[1].value for elt in constants["PAGES"].elts if isinstance(elt, ast.Tuple)}  # type: ignore[attr-defined]
    sections = set(_strings(constants["SECTIONS"], constants)) | {"Insight"}
    return {str(x) for x in titles} | sections


def kpi_notes() -> set[str]:
    """The fixed notes a KPI gives when it has no value (the Overview's tile help shows them)."""
    path = ROOT / "scrm/views/kpis.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        args = [*node.args[1:2]] if _call_name(node) == "Result" else []
        args += [k.value for k in node.keywords if k.arg == "note"]
        for arg in args:
            if isinstance(arg, ast.BoolOp):  # note or "..."
                arg = arg.values[-1]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                out.add(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                out.add("".join(
                    str(v.value) if isinstance(v, ast.Constant) else kpis.RUN_SCORE
                    for v in arg.values
                ))
    return out


def test_the_kpi_notes_are_read_from_the_source_with_their_sentences_filled() -> None:
    notes = kpi_notes()
    assert "no survey answers in this range" in notes
    assert f"customer values are not computed yet; {kpis.RUN_SCORE}" in notes


# The charts whose titles, axes and tooltips the translated pages show through scrm.ui.chart_text.
LOCALISED_CHARTS = ["scrm/charts/listening.py", "scrm/charts/customer.py", "scrm/charts/sources.py", "scrm/charts/overview.py"]


def chart_titles() -> set[str]:
    """Every literal ``title="..."`` of the localised charts (scrm.ui.chart_text translates them at display time)."""
    out: set[str] = set()
    for name in LOCALISED_CHARTS:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "title":
                out |= {s for s in _strings(node.value, {}) if s.strip()}
    return out


def engine_words() -> set[str]:
    """Stored names and engine sentences that pages show in the reader's language (the stored values stay English)."""
    from scrm.act import rules as W
    from scrm.analysis.identity import METHOD_LABELS
    from scrm.auth import PERMISSION_NAMES
    from scrm.db import schema as S
    from scrm.db.filters import LANGUAGE_NAMES
    from scrm.ui import notes
    from scrm.views.advocates import QUADRANTS

    texts = {x for rule in W.DEFAULT_RULES for x in (rule.name, rule.description, str(rule.params.get("subject", "")))}
    for words in (W.SENTIMENT_WORDS, W.MENTION_ADJECTIVES, W.ROLE_PLURALS, W.KIND_WORDS, QUADRANTS, PERMISSION_NAMES, METHOD_LABELS):
        texts |= set(words.values())
    texts |= set(S.RFM_SEGMENTS) | set(S.FREQUENCY_CLASSES) | set(notes.engine_messages())
    texts |= {"city not confirmed", "Forum", "Google reviews"} | set(LANGUAGE_NAMES.values())
    # Table cells: stored words (scrm.ui.tables), what each live source collects and needs (Sources), and the
    # data each sentiment model was checked on (Listening's accuracy table).
    from scrm.act.review import ACTION_LABELS as REVIEW_ACTIONS
    from scrm.listen import CONNECTORS
    from scrm.ui.tables import STORED_WORDS

    texts |= set(STORED_WORDS.values()) | {x for c in CONNECTORS.values() for x in (c.summary, c.needs)}
    texts |= set(REVIEW_ACTIONS.values())  # Identity review's history
    card = json.loads((ROOT / "scrm/analysis/sentiment/models/card.json").read_text(encoding="utf-8"))
    texts |= {entry["data"] for entry in card["languages"].values()}
    return {x for x in texts if x}


def every_shown_string() -> set[str]:
    texts: set[str] = set()
    for name in TRANSLATED:
        texts |= shown_strings(ROOT / name)
    texts |= app_menu_strings()
    for kpi in kpis.KPIS:
        texts |= {kpi.name, kpi.formula}
    texts |= kpi_notes()
    # Labels a page translates from the engine's vocabularies.
    texts |= set(journey.STAGE_LABELS.values()) | set(journey.PHASE_LABELS.values())
    texts |= {text for rule in customer.NEXT_ACTION_RULES for text in rule}  # the card's next action and its reason
    texts |= chart_titles()
    texts |= set(SUBJECT_NAMES.values())  # the themes' subjects, named on Listening in the reader's language
    texts |= {x for setting in business_settings.SETTINGS for x in (setting.label, setting.help)}  # the Settings form
    texts |= engine_words()
    # A loop over the page list also runs over its files and icons: those are not shown as text.
    return {
        x for x in texts
        if re.search("[A-Za-z]", x) and not x.startswith(":material/") and not x.endswith(".py")
    }


def test_the_extractor_finds_literals_constants_and_dictionary_values(tmp_path: Path) -> None:
    source = tmp_path / "page.py"
    source.write_text(
        'EMPTY = "Nothing yet."\nLABELS = {"a": "First", "b": "Second"}\n'
        't("Hello {name}", name=x)\nui_lang.t(EMPTY)\nt(LABELS[k])\ntranslate("Plain", lang)\nprint("not shown")\n'
        'for label, n in (("Looped", 1),):\n    t(label)\n',
        encoding="utf-8",
    )
    assert shown_strings(source) == {"Hello {name}", "Nothing yet.", "First", "Second", "Plain", "Looped"}


def test_the_translated_modules_pass_a_good_number_of_strings_through_t() -> None:
    texts = every_shown_string()
    assert len(texts) > 150
    assert {"Overview", "Date range", "Mentions", "Trends by week"} <= texts


@pytest.mark.parametrize("lang", [x for x in LANGUAGES if x != "en"])
def test_every_string_shown_by_a_translated_page_has_a_translation(lang: str) -> None:
    missing = untranslated(sorted(every_shown_string()), lang)
    assert missing == [], f"{len(missing)} strings have no {lang} translation in ui.{lang}.json: {missing[:20]}"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", [x for x in LANGUAGES if x != "en"])
def test_translations_keep_the_placeholders_of_the_english_text(lang: str) -> None:
    ui_catalog = json.loads((CATALOGS / f"ui.{lang}.json").read_text(encoding="utf-8"))
    wrong = {k: v for k, v in ui_catalog.items() if _fields(k) != _fields(v)}
    assert wrong == {}


@pytest.mark.parametrize("lang", [x for x in LANGUAGES if x != "en"])
def test_no_translation_is_left_empty_or_in_english(lang: str) -> None:
    ui_catalog = json.loads((CATALOGS / f"ui.{lang}.json").read_text(encoding="utf-8"))
    empty = [k for k, v in ui_catalog.items() if not v.strip()]
    # Short words can rightly be the same in both languages ("Total", "Instagram"); whole sentences cannot.
    unchanged = [k for k, v in ui_catalog.items() if k == v and len(k.split()) > 3]
    assert empty == [] and unchanged == []


def test_a_catalog_has_no_string_that_nothing_shows_any_more() -> None:
    shown = every_shown_string() | set(SHIPPED_TEMPLATES)
    stale = sorted(set(catalog("es")) & set(json.loads((CATALOGS / "ui.es.json").read_text("utf-8"))) - shown)
    assert stale == []



@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_business_setting_label_and_help_is_translated(lang: str) -> None:
    texts = [x for setting in business_settings.SETTINGS for x in (setting.label, setting.help)]
    assert untranslated(texts, lang) == []
