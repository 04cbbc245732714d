"""The stakeholder report as files (issue 14, item 4): HTML and PDF from the command line, in English,
Spanish and French, with an executive summary written from the figures and the brand's identity."""

from __future__ import annotations

import ast
import base64
import html
import re
import zlib
from pathlib import Path

import pytest
import sqlite_utils

from scrm import cli
from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.export import brand
from scrm.export import report as R
from scrm.export import summary as sm
from scrm.export.pdf import build_report_pdf
from scrm.i18n import t, untranslated
from tests.test_overview import CURRENT, add_week
from tests.test_report_scan import DEFECTS, scan_db, visible_text  # noqa: F401 (scan_db is a fixture)

ROOT = Path(__file__).resolve().parent.parent
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def report_texts() -> set[str]:
    """Every English text the report passes through ``t`` as a literal, plus the words chosen from data."""
    texts: set[str] = set(sm.TEXTS) | set(R.DYNAMIC_TEXTS)
    for name in ("scrm/export/report.py", "scrm/export/pdf.py", "scrm/export/summary.py"):
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    texts.add(first.value)
    template = (ROOT / "scrm/export/templates/report.html.j2").read_text(encoding="utf-8")
    texts |= set(re.findall(r'\bt\(\s*"((?:[^"\\]|\\.)*)"', template))
    return texts


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_report_string_has_a_translation(lang: str) -> None:
    texts = report_texts()
    assert len(texts) > 40
    assert untranslated(sorted(texts), lang) == []


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes: backslash escapes (``\\n``, ``\\(``, octal ``\\ddd``) undone."""
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def undo(m: re.Match[bytes]) -> bytes:
        s = m.group(1)
        return bytes([int(s, 8)]) if s[:1].isdigit() else escapes.get(s, s)

    return re.sub(rb"\\([0-7]{1,3}|.)", undo, raw, flags=re.S)


def pdf_text(data: bytes) -> str:
    """The text a PDF shows, read without a PDF library: fpdf2 writes (deflated) content streams in
    which each run is a string of 2-byte glyph codes of an embedded font, and each font's ToUnicode
    map gives the characters back. Core-font text (no embedded font) is Latin-1."""
    objects: dict[bytes, bytes] = {m.group(1): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}

    def stream(body: bytes) -> bytes:
        length = re.search(rb"/Length (\d+)", body)
        start = re.search(rb"stream\r?\n", body)
        if not (length and start):
            return b""
        raw = body[start.end() : start.end() + int(length.group(1))]
        return zlib.decompress(raw) if b"/FlateDecode" in body else raw

    maps: dict[bytes, dict[int, str]] = {}
    for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", data):
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects.get(number, b""))
        if to_unicode:
            cmap = stream(objects[to_unicode.group(1)])
            maps[name] = {int(c, 16): bytes.fromhex(u.decode()).decode("utf-16-be")
                          for c, u in re.findall(rb"<([0-9A-Fa-f]{4})> *<([0-9A-Fa-f]{4,8})>", cmap)}  # fmt: skip
    out = []
    for body in objects.values():
        if b"stream" not in body or b"/Length1" in body or b"/Subtype /Image" in body:
            continue
        content = stream(body)
        font = b""
        for m in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:[^\\)]|\\.)*)\) ?Tj", content, re.S):
            if m.group(1):
                font = m.group(1)
                continue
            text = _literal(m.group(2))
            if font in maps:
                out.append("".join(maps[font].get(int.from_bytes(text[i : i + 2], "big"), "") for i in range(0, len(text), 2)))
            else:
                out.append(text.decode("latin-1"))
    return " ".join(out)


@pytest.fixture(scope="module")
def documents(scored_demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """The HTML and PDF reports of the scored demo in each language, written by the command line."""
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for kind in ("html", "pdf"):
        for lang in ("en", "es", "fr"):
            path = folder / f"report-{lang}.{kind}"
            assert cli.main(["--db", str(scored_demo_path), "report", kind, "--out", str(path), "--lang", lang]) == 0
            out[(kind, lang)] = path
    return out


def test_the_command_line_writes_html_and_pdf_reports_in_three_languages(
    documents: dict[tuple[str, str], Path],
) -> None:
    for (kind, _), path in documents.items():
        data = path.read_bytes()
        assert data.startswith(b"%PDF-" if kind == "pdf" else b"<!DOCTYPE html>")
    assert "Executive summary" in documents[("html", "en")].read_text(encoding="utf-8")
    assert "Resumen ejecutivo" in documents[("html", "es")].read_text(encoding="utf-8")
    assert "Synthèse" in documents[("html", "fr")].read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_pdf_carries_the_summary_and_the_kpi_table_with_accents_and_the_euro_sign(
    documents: dict[tuple[str, str], Path], lang: str
) -> None:
    text = pdf_text(documents[("pdf", lang)].read_bytes())
    heading = {"en": "Executive summary", "es": "Resumen ejecutivo", "fr": "Synthèse"}[lang]
    assert heading in text
    assert {"en": "All KPIs", "es": "Todos los KPI", "fr": "Tous les KPI"}[lang] in text
    assert "€" in text
    if lang == "es":
        assert "Días" in text or "días" in text
    if lang == "fr":
        assert "Évolution" in text


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_no_generated_report_carries_a_defect_a_director_saw(
    documents: dict[tuple[str, str], Path], kind: str, lang: str
) -> None:
    path = documents[(kind, lang)]
    text = visible_text(path.read_text(encoding="utf-8")) if kind == "html" else pdf_text(path.read_bytes())
    text = re.sub(r"@\w+", "@handle", text)  # a handle may hold an underscore: it is a name, not an engine word
    found = {what: sorted({m.group(0) for m in p.finditer(text)}) for what, p in DEFECTS.items()}
    assert {what: hits for what, hits in found.items() if hits} == {}


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_spanish_and_french_reports_write_money_and_numbers_in_their_locale(
    documents: dict[tuple[str, str], Path], lang: str
) -> None:
    text = html.unescape(documents[("html", lang)].read_text(encoding="utf-8"))
    if lang == "es":
        assert re.search(r"\d{1,3}\.\d{3},\d{2}\xa0€", text), "a Spanish amount like 12.345,50 €"
    else:
        assert re.search(r"\d{1,3}\u202f\d{3},\d{2}\xa0€", text), "a French amount like 12 345,50 €"
    assert sm.money(1234.5, "EUR", "fr") == "1\u202f234,50\xa0€"
    assert sm.money(1234.5, "EUR", "es") == "1.234,50\xa0€"
    assert sm.day("2026-10-02", "fr") == "2 oct. 2026"


def row(value: float, previous: float | None) -> dict[str, object]:
    change = None if previous is None else value - previous
    pct = None if previous is None else change / previous * 100  # type: ignore[operator]
    return {"key": "revenue", "name": "Revenue", "unit": "currency", "currency": "EUR", "value": value,
            "previous": previous, "change": change, "change_pct": pct}  # fmt: skip


def test_the_summary_sentence_follows_the_figures() -> None:
    def first(r: dict[str, object], lang: str = "en") -> str:
        return sm.executive_summary([r], movers={}, alerts=[], team={}, lang=lang)[0]

    assert first(row(1200.0, 1000.0)) == "Revenue rose by 20.0 % to €1,200.00 (from €1,000.00)."
    assert first(row(800.0, 1000.0)) == "Revenue fell by 20.0 % to €800.00 (from €1,000.00)."
    assert first(row(1001.0, 1000.0)).startswith("Revenue held steady at €1,001.00")
    revenue = t("Revenue", "es")
    assert first(row(12345.5, 10000.0), "es") == f"{revenue}: sube un 23,5 %, hasta 12.345,50\xa0€ (antes: 10.000,00\xa0€)."


def test_a_period_without_data_to_compare_claims_no_change() -> None:
    sentence = sm.executive_summary([row(1200.0, None)], movers={}, alerts=[], team={}, lang="en")[0]
    assert sentence == "Revenue: €1,200.00; the previous period has no data to compare with."


def test_the_report_summary_claims_no_change_when_the_previous_period_has_no_data(
    fresh_db: sqlite_utils.Database,
) -> None:
    add_week(fresh_db)
    before = R.report_context(fresh_db, CURRENT, masked=False)["summary"]
    assert before[0].startswith("Mentions rose by")
    # The same week without the mentions before it: the previous period has nothing to compare with.
    fresh_db.execute(f"DELETE FROM {S.MENTIONS} WHERE posted_at < ?", [CURRENT.date_from])
    after = R.report_context(fresh_db, CURRENT, masked=False)["summary"]
    assert after[0].startswith("Mentions: ") and after[0].endswith("the previous period has no data to compare with.")
    assert not any(" rose by " in x or " fell by " in x for x in after if x.startswith("Mentions"))
    # No order at all: revenue is not "steady at 0.00", it has no data.
    assert "Revenue: no data in this period." in after


def test_the_summary_names_what_moved_the_alerts_and_what_the_team_did() -> None:
    movers = {"topics": [{"label": "late delivery", "change": 40}, {"label": "price", "change": -3}], "authors": []}
    alerts = [{"severity": "high"}, {"severity": "low"}, {"severity": "high"}]
    sentences = sm.executive_summary(
        [], movers=movers, alerts=alerts, team={"opened": 12, "resolved": 9, "rescued": 4}, lang="en"
    )
    assert sentences == [
        "Largest moves: theme “late delivery” (+40 mentions).",
        "3 alerts were raised in this period, 2 of high severity.",
        "The team opened 12 cases and resolved 9.",
        "4 customers who had posted a negative mention saw their case resolved.",
    ]


def test_the_report_uses_the_brand_name_logo_and_accent_from_settings(scan_db: sqlite_utils.Database) -> None:  # noqa: F811
    brand.save_identity(scan_db, name="Velora Shop", accent="#0A7F3C", logo=PNG_1PX)
    page = R.build_report_html(scan_db, Filters(), masked=False)
    assert "Social CRM report: Velora Shop" in page
    assert "--accent: #0a7f3c" in page
    assert 'src="data:image/png;base64,' in page
    assert build_report_pdf(scan_db, Filters(), masked=False).startswith(b"%PDF-")


def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(fresh_db: sqlite_utils.Database) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValueError, match="PNG or JPEG"):
        brand.save_identity(fresh_db, logo=svg)
    with pytest.raises(ValueError, match="at most"):
        brand.save_identity(fresh_db, logo=PNG_1PX + b"\0" * brand.MAX_LOGO_BYTES)
    with pytest.raises(ValueError, match="#rrggbb"):
        brand.save_identity(fresh_db, accent="red; background:url(x)")
    # A value slipped into the database by hand is ignored when read.
    store.set_meta(fresh_db, brand.META_LOGO, "data:image/svg+xml;base64," + base64.b64encode(svg).decode())
    store.set_meta(fresh_db, brand.META_ACCENT, "javascript:1")
    assert brand.identity(fresh_db) == brand.Identity(name=None, logo=None, accent=brand.DEFAULT_ACCENT)


def test_leaving_out_quotes_drops_every_mention_text(scan_db: sqlite_utils.Database) -> None:  # noqa: F811
    with_quotes = R.report_context(scan_db, Filters(), masked=False)
    without = R.report_context(scan_db, Filters(), masked=False, quotes=False)
    assert [r[-1][0] for r in without["alerts"]] == [""] * len(with_quotes["alerts"])
    assert "Texts written by customers are left out." in without["footer"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "de"], "--lang must be one of en, es, fr"),
        (["--from", "2026-13-01"], "--from"),
        (["--from", "2026-03-10", "--to", "2026-03-01"], "is after --to"),
        ([], "needs --out"),
    ],
)
def test_bad_dates_or_language_exit_2_with_one_sentence(
    scored_demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = [] if args == [] else ["--out", str(tmp_path / "r.pdf")]
    assert cli.main(["--db", str(scored_demo_path), "report", "pdf", *out, *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not (tmp_path / "r.pdf").exists()


def test_report_kpis_still_prints_its_table(scored_demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db", str(scored_demo_path), "report", "kpis"]) == 0
    assert "Mentions" in capsys.readouterr().out


def test_an_author_linked_to_a_customer_is_named_and_masked_when_the_mask_is_on(
    scan_db: sqlite_utils.Database,  # noqa: F811
) -> None:
    def authors(masked: bool) -> list[str]:
        context = R.report_context(scan_db, CURRENT, masked=masked)
        return [row[0][0] for m in context["movers"] if m["what"] == "authors" for row in m["rows"]]

    first = authors(False)[0]
    found = re.match(r"@(\S+) \((\w+)\)$", first)
    assert found, first
    handle, platform = found.groups()
    scan_db[S.CUSTOMERS].insert({"customer_id": "CUST-8841", "name": "Ana Ruiz"}, alter=True)
    scan_db[S.LINKS].insert(
        {"profile_id": f"{platform.lower()}:{handle.lower()}", "customer_id": "CUST-8841", "method": "email",
         "confidence": 1.0, "status": S.LINKED, "created_at": "2026-03-01T00:00:00"},  # fmt: skip
        alter=True,
    )
    assert authors(False)[0] == f"Ana Ruiz · {first}"
    masked = authors(True)[0]
    assert "Ana Ruiz" not in masked and handle not in masked and "CUST-8841" not in masked
    assert masked.startswith("Customer ")
