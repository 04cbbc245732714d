"""The stakeholder report as a PDF, from Python packages alone (no system library).

Written with fpdf2 (pure Python, LGPL-3.0) from the same content as the HTML
(:func:`scrm.export.report.report_context`): title and logo, period,
executive summary, notes, key figures, alerts, what moved, every KPI with its
unit and the definitions. Charts are drawn in the HTML only; the PDF gives
the same figures as tables.

Text is set in Roboto (Apache-2.0, shipped by the ``font-roboto`` package)
so accents and the euro sign print; without that package the PDF falls back
to Helvetica, whose Latin-1 has every Spanish and French letter, and writes
"EUR" for "€".
"""

from __future__ import annotations

import io
from typing import Any

import sqlite_utils
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from scrm.db.filters import Filters

FONT = "Roboto"


def _font_files() -> tuple[str, str] | None:
    try:
        import font_roboto  # type: ignore[import-untyped]
    except ImportError:
        return None
    from pathlib import Path

    folder = Path(font_roboto.__file__).with_name("files")
    regular, bold = folder / "Roboto-Regular.ttf", folder / "Roboto-Bold.ttf"
    return (str(regular), str(bold)) if regular.is_file() and bold.is_file() else None


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class _Report(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        files = _font_files()
        if files is not None:
            self.add_font(FONT, "", files[0])
            self.add_font(FONT, "B", files[1])
            self.family = FONT
        else:
            self.family = "Helvetica"
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def clean(self, text: Any) -> str:
        value = "" if text is None else str(text)
        # Emoji and pictographs have no glyph in a text font: leave them out rather than print boxes.
        value = "".join(c for c in value if ord(c) <= 0xFFFF and not 0x2600 <= ord(c) <= 0x27BF and c != "\ufe0f")
        if self.family != FONT:
            value = value.replace("€", "EUR").replace("“", '"').replace("”", '"').replace("–", "-").replace("—", "-")
            value = value.replace("·", "-").replace("\u202f", " ").replace("\u00a0", " ")
            value = value.encode("latin-1", "replace").decode("latin-1")
        return value

    def para(self, text: Any, size: float = 10, style: str = "", colour: tuple[int, int, int] = (31, 36, 48)) -> None:
        self.set_font(self.family, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, self.clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, accent: tuple[int, int, int]) -> None:
        self.ln(3)
        self.para(text, 13, "B", accent)
        self.set_draw_color(227, 230, 235)
        self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
        self.ln(2)

    def grid(self, headers: list[str], rows: list[list[Any]], widths: list[float]) -> None:
        total = self.w - self.l_margin - self.r_margin
        scale = total / sum(widths)
        col_widths = [w * scale for w in widths]
        self.set_font(self.family, "", 8)
        with self.table(col_widths=col_widths, text_align="LEFT", line_height=4, first_row_as_headings=True) as table:
            head = table.row()
            for h in headers:
                head.cell(self.clean(h))
            for r in rows:
                row = table.row()
                for cell in r:
                    row.cell(self.clean(cell))
        self.ln(2)


def render_pdf(context: dict[str, Any]) -> bytes:
    """The PDF bytes of a report context (see :func:`scrm.export.report.report_context`)."""
    t = context["t"]
    accent = _rgb(context["accent"])
    pdf = _Report()
    pdf.set_title(pdf.clean(context["title"]))
    pdf.set_creator("scrm")
    pdf.set_lang(context["lang"])
    pdf.add_page()
    logo = context.get("logo")
    if logo:
        from scrm.export.brand import Identity

        data = Identity(name=None, logo=logo, accent=context["accent"]).logo_bytes
        if data:
            pdf.image(io.BytesIO(data), h=14, keep_aspect_ratio=True)
            pdf.ln(2)
    pdf.para(context["title"], 18, "B", accent)
    periods = context["periods"]
    if periods is None:
        pdf.para(t("The database holds no dated mentions or orders yet, so there is nothing to report yet."))
    else:
        pdf.para(
            t(
                "{start} to {end} ({days} days), compared with {previous_start} to {previous_end}.",
                start=periods["current_from"], end=periods["current_to"], days=periods["days"],
                previous_start=periods["previous_from"], previous_end=periods["previous_to"],
            ),
            10, "", (95, 107, 122),
        )  # fmt: skip
        pdf.heading(t("Executive summary"), accent)
        for sentence in context["summary"]:
            pdf.para("• " + sentence)
        for note in context.get("notes", []):
            pdf.para(note, 9, "", (95, 107, 122))
        pdf.heading(t("Key figures"), accent)
        pdf.grid(
            [t("KPI"), t("This period"), t("Change")],
            [[x["name"], x["value"], x["change"] or ("—" if not x["snapshot"] else t("as of the last score"))]
             for x in context["tiles"]],
            [3, 2, 2],
        )  # fmt: skip
        pdf.heading(t("Alerts in this period"), accent)
        if context["alerts"]:
            pdf.grid(
                [t("Severity"), t("Alert"), t("Days"), t("Top authors"), t("Top topics"), t("Top mention")],
                [[text for text, _ in row] for row in context["alerts"]],
                [1.2, 4, 1.8, 2, 2, 3],
            )
        else:
            pdf.para(t("No alert in this period for these filters."), 9)
        pdf.heading(t("What moved"), accent)
        for m in context["movers"]:
            pdf.para(m["title"], 11, "B")
            if m["rows"]:
                pdf.grid(m["headers"], [[text for text, _ in row] for row in m["rows"]], [3, 1.4, 1.4, 1.4, 1.6, 1.8])
            else:
                pdf.para(t("Nothing changed here between the two periods (or it is not computed yet)."), 9)
        pdf.heading(t("All KPIs"), accent)
        pdf.grid(
            [t("KPI"), t("This period"), t("Previous period"), t("Change"), t("Unit")],
            [[r["name"], r["value"], r["previous"], r["change"], r["unit"]] for r in context["kpi_rows"]],
            [3.5, 1.8, 1.8, 2, 2],
        )
    pdf.heading(t("KPI definitions"), accent)
    pdf.grid(
        [t("KPI"), t("Formula"), t("Unit"), t("Better when")],
        [[text for text, _ in row] for row in context["definitions"]],
        [2.5, 5, 1.5, 1.2],
    )
    pdf.ln(3)
    pdf.para(" ".join(context["footer"]), 8, "", (95, 107, 122))
    return bytes(pdf.output())


def build_report_pdf(
    db: sqlite_utils.Database, filters: Filters, *, masked: bool, lang: str = "en", quotes: bool = True
) -> bytes:
    """The report for ``filters`` as PDF bytes, with the same content as :func:`build_report_html`."""
    from scrm.export.report import report_context

    return render_pdf(report_context(db, filters, masked=masked, lang=lang, quotes=quotes))
