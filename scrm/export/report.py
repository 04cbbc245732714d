"""The stakeholder report: the Overview for some filters as ONE self-contained HTML file.

:func:`build_report_html` writes a page that opens offline and can be mailed
or archived: inline CSS, charts drawn as inline SVG from the data (no script,
no font, no image from the network), the KPI table with each KPI's change
against the previous period and its unit, the trends, the newest alerts, the
top movers and the KPI definitions, and a footer with the filters and the
generation time.

The page is rendered by Jinja2 with autoescape on from
``templates/report.html.j2``: every string that comes from data (brands,
handles, topic labels, mention texts) is escaped by the template, so a
forgotten escape cannot become script in a file managers forward. The one
piece of HTML built here is the inline SVG chart; every label in it is
escaped where it is built (:func:`_e`) before it is marked safe.

Why inline SVG drawn here rather than Altair: rendering Vega-Lite to SVG
offline needs ``vl-convert-python`` (a 33 MB wheel with a JavaScript
engine), a dependency for two line charts; embedding the Vega JavaScript
would make the file 800 kB and still run script. PDF: print the HTML from the
browser ("Save as PDF"; the CSS has print rules). WeasyPrint would need Pango
and friends from the system, which a ``pip install`` does not bring.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import math
from functools import cache
from typing import Any

import jinja2
import pandas as pd
import sqlite_utils
from markupsafe import Markup

from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.export import brand as report_brand
from scrm.export import summary as sm
from scrm.i18n import normalise_language, t
from scrm.privacy import masking as privacy
from scrm.views import kpis
from scrm.views import overview as O

log = logging.getLogger(__name__)

# Report words chosen from data (mover kinds, "better when", alert severities): the coverage test checks them too.
DYNAMIC_TEXTS = ("Topic", "Author", "Segment", "Topics", "Authors", "Segments", "higher", "lower", "neither",
                 "high", "medium", "low")  # fmt: skip
BRAND_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

CSS = """
:root { --ink: #1f2430; --muted: #5f6b7a; --line: #e3e6eb; --good: #1a7f37; --bad: #c62828; --accent: #0072B2; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 980px; padding: 24px 28px 40px; line-height: 1.45; font-size: 14px; }
h1 { font-size: 24px; margin: 0 0 4px; color: var(--accent); } header.brand { display: flex; align-items: center; gap: 12px; } img.logo { max-height: 48px; max-width: 160px; }
ul.summary { margin: 4px 0 8px; padding-left: 20px; } ul.summary li { margin: 2px 0; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 8px; } p.note { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f6f7f9; font-weight: 600; font-size: 13px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.good { color: var(--good); } td.bad { color: var(--bad); }
tr.headline td:first-child { font-weight: 600; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 12px 0; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.tile .label { color: var(--muted); font-size: 12px; } .tile .value { font-size: 20px; font-weight: 600; }
.tile .delta { font-size: 12px; } .tile .delta.good { color: var(--good); } .tile .delta.bad { color: var(--bad); }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 3px; vertical-align: middle; margin-right: 4px; }
footer { margin-top: 32px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
svg text { font-family: inherit; font-size: 11px; fill: var(--muted); }
@media print { body { max-width: none; padding: 0; } h2 { break-after: avoid; } table, svg, .tiles { break-inside: avoid; } }
"""


def _e(value: object) -> str:
    """Text from data, safe in HTML content and attribute values (for the SVG built here)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def _shown(value: object) -> object:
    """How the template shows a value: None and NaN as nothing, text escaped (``'`` as ``&#x27;``).

    Jinja2's autoescape escapes whatever this returns unless it is already
    :class:`Markup`; escaping with :func:`html.escape` here keeps the report's
    entities as they were before the template (the tests compare them).
    """
    if isinstance(value, Markup):
        return value
    return Markup(_e(value))


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("scrm.export", "templates"),
        autoescape=True,
        finalize=_shown,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("report.html.j2")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _tone(change: Any, higher_is_better: Any) -> str:
    if _missing(change) or change == 0 or higher_is_better is None:
        return ""
    return "good" if (change > 0) == bool(higher_is_better) else "bad"


# --- inline SVG chart ----------------------------------------------------------------------------------


def _nice_step(raw: float) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) at least ``raw``.

    >>> _nice_step(808), _nice_step(13)
    (1000.0, 20.0)
    """
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(float(m * power) for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def svg_line_chart(
    data: pd.DataFrame,
    x: str,
    y: str,
    series: str,
    *,
    title: str,
    colours: dict[str, str],
    band: tuple[str, str] | None = None,
    zero_line: bool = False,
    width: int = 900,
    height: int = 240,
    signed: bool = False,
    lang: str = "en",
) -> str:
    """One line per ``series`` value of ``y`` over ISO dates ``x``, as an inline ``<svg>`` (no script).

    ``band`` shades a date range (the current period). Missing ``y`` values
    break the line. Labels are escaped. Returns a sentence instead when there
    is nothing to draw.
    """
    frame = data.dropna(subset=[y])
    if frame.empty:
        return f'<p class="note">{_e(t("No data to draw for this chart.", lang))}</p>'
    left, right, top, bottom = 56, 12, 14, 28
    days = pd.to_datetime(frame[x]).map(lambda d: d.toordinal())
    x0, x1 = int(days.min()), int(days.max())
    if band:
        x0 = min(x0, dt.date.fromisoformat(band[0]).toordinal())
        x1 = max(x1, dt.date.fromisoformat(band[1]).toordinal())
    span_x = max(1, x1 - x0)
    values = frame[y].astype(float)
    lo, hi = float(values.min()), float(values.max())
    if zero_line or y == "mentions":
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    step = _nice_step((hi - lo) / 4 if hi > lo else 1.0)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if hi == lo:
        hi = lo + step
    ticks = [lo + i * step for i in range(round((hi - lo) / step) + 1)]

    def px(day: int) -> float:
        return left + (day - x0) / span_x * (width - left - right)

    def py(v: float) -> float:
        return top + (hi - v) / (hi - lo) * (height - top - bottom)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
    ]
    if band:
        b0 = max(x0, dt.date.fromisoformat(band[0]).toordinal())
        b1 = min(x1, dt.date.fromisoformat(band[1]).toordinal())
        if b1 >= b0:
            parts.append(
                f'<rect x="{px(b0):.1f}" y="{top}" width="{max(1.0, px(b1) - px(b0)):.1f}" '
                f'height="{height - top - bottom}" fill="#0072B2" fill-opacity="0.08"><title>{_e(t("current period", lang))}</title></rect>'
            )
    for v in ticks:
        yy = py(v)
        label = ("+" if signed and v > 0 else "") + sm.number(v, lang)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#eceef1"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{_e(label)}</text>')
    if zero_line and lo < 0 < hi:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{py(0):.1f}" y2="{py(0):.1f}" stroke="#888" stroke-dasharray="4 4"/>'
        )
    for i in range(6):
        day = x0 + round(span_x * i / 5)
        tick = dt.date.fromordinal(day)
        anchor = "start" if i == 0 else "end" if i == 5 else "middle"
        parts.append(
            f'<text x="{px(day):.1f}" y="{height - 8}" text-anchor="{anchor}">{_e(sm.short_day(tick, lang))}</text>'
        )
    for name, part in frame.assign(_day=days).sort_values("_day").groupby(series, sort=True):
        colour = colours.get(str(name), "#555")
        segments: list[list[str]] = [[]]
        for day, v in zip(part["_day"], part[y].astype(float), strict=True):
            segments[-1].append(f"{px(int(day)):.1f},{py(v):.1f}")
        for seg in segments:
            if len(seg) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(seg)}"/>'
                )
        for day, v in zip(part["_day"], part[y].astype(float), strict=True):
            week = dt.date.fromordinal(int(day)).isoformat()
            tip = t("{series} · week of {week}: {value}", lang, series=name, week=week, value=sm.number(v, lang, 1))
            parts.append(
                f'<circle cx="{px(int(day)):.1f}" cy="{py(v):.1f}" r="2.5" fill="{colour}"><title>{_e(tip)}</title></circle>'
            )
    parts.append("</svg>")
    legend = "".join(f'<span><i style="background:{c}"></i>{_e(n)}</span>' for n, c in colours.items())
    return f'<h3>{_e(title)}</h3>{"".join(parts)}<div class="legend">{legend}</div>'


# --- the report --------------------------------------------------------------------------------------


def _value(r: dict[str, Any], column: str, lang: str, *, compact: bool = False) -> str:
    """A KPI value as the report shows it: the Overview's format in English, Babel's in Spanish and French."""
    if lang == "en":
        return O.format_value(r[column], r["unit"], r["currency"], key=r["key"], compact=compact)
    return sm.value_text(r[column], r["unit"], r["currency"], lang, points=r["key"] in O.POINTS_KEYS)


def _change(r: dict[str, Any], lang: str, *, compact: bool = False) -> str | None:
    if lang == "en":
        return O.format_change(r["change"], r["change_pct"], r["unit"], key=r["key"], compact=compact)
    text = sm.change_text(r["change"], r["change_pct"], r["unit"], r["currency"], lang)
    return None if text == "—" else text


def _kpi_rows(table: pd.DataFrame, lang: str = "en") -> list[dict[str, Any]]:
    rows = []
    for r in _records(table):
        change = _change(r, lang)
        rows.append(
            {
                "headline": r["key"] in O.TILE_KEYS,
                "name": t(r["name"], lang),
                "note": t(r["note"], lang) if isinstance(r["note"], str) and r["note"] else "",
                "value": _value(r, "value", lang),
                "previous": t("as of last score", lang) if r["snapshot"] else _value(r, "previous", lang),
                "change": change or "—",
                "tone": _tone(r["change"], r["higher_is_better"]),
                "unit": t(O.unit_words(r["unit"], r["currency"], key=r["key"]), lang),
            }
        )
    return rows


def _tiles(table: pd.DataFrame, lang: str = "en") -> list[dict[str, Any]]:
    rows = {str(r["key"]): r for r in _records(table)}
    return [
        {
            "name": t(r["name"], lang),
            "value": _value(r, "value", lang, compact=True),
            "change": _change(r, lang, compact=True),
            "tone": _tone(r["change"], r["higher_is_better"]),
            "snapshot": bool(r["snapshot"]),
        }
        for r in (rows[k] for k in O.TILE_KEYS if k in rows)
    ]


def _mask(
    db: sqlite_utils.Database, frame: pd.DataFrame, columns: dict[str, str], masked: bool
) -> pd.DataFrame:
    if not masked or frame.empty:
        return frame
    return privacy.mask_frame(frame, columns, salt=privacy.privacy_salt(db))


def _with_customer_names(db: sqlite_utils.Database, frame: pd.DataFrame) -> pd.DataFrame:
    """Authors' movers with a ``customer`` column: the name of the customer each handle is linked to (else None)."""
    out = frame.copy()
    out["customer"] = None
    if frame.empty or not db[S.LINKS].exists():
        return out
    keys = [
        f"{str(p).lower()}:{str(h).strip().lstrip('@').lower()}"
        for p, h in zip(frame["platform"], frame["label"], strict=True)
    ]
    marks = ", ".join("?" * len(keys))
    names = dict(
        db.execute(
            f"SELECT l.profile_id, c.name FROM {S.LINKS} l JOIN {S.CUSTOMERS} c ON c.customer_id = l.customer_id "
            f"WHERE l.status = ? AND l.profile_id IN ({marks}) AND c.name IS NOT NULL AND trim(c.name) != ''",
            [S.LINKED, *keys],
        ).fetchall()
    )
    out["customer"] = [names.get(k) for k in keys]
    return out


def _movers(frame: pd.DataFrame, what: str, lang: str = "en") -> dict[str, Any]:
    """One "What moved" table: its title, headers and rows of (text, css class) cells."""
    rows = []
    for r in _records(frame):
        # A platform that is a word of the language ("forum") in it; brand names as they are.
        label = r["label"] if not isinstance(r["platform"], str) else f"{r['label']} ({t(r['platform'], lang)})"
        if isinstance(r.get("customer"), str) and r["customer"]:
            label = f"{r['customer']} · {label}"
        net = "—" if _missing(r["net_now"]) else sm.value_text(r["net_now"], "percent", None, lang, points=True)
        net_change = "—" if _missing(r["net_change"]) else sm.change_text(r["net_change"], None, "percent", None, lang)
        change = int(r["change"])
        rows.append(
            [
                (label, ""),
                (sm.number(int(r["now"]), lang), "num"),
                (sm.number(int(r["before"]), lang), "num"),
                (("+" if change > 0 else "-" if change < 0 else "±") + sm.number(abs(change), lang), "num"),
                (net, "num"),
                (net_change, "num"),
            ]
        )
    singular = {"topics": "Topic", "authors": "Author", "segments": "Segment"}
    headers = [
        t(singular.get(what, what), lang),
        t("Mentions now", lang),
        t("Before", lang),
        t("Change", lang),
        t("Net sentiment now", lang),
        t("Net sentiment change", lang),
    ]
    return {"title": t(what.capitalize(), lang), "what": what, "headers": headers, "rows": rows}


def _team(db: sqlite_utils.Database, cur: Filters) -> dict[str, int]:
    """Cases opened and resolved in the current period, and customers rescued (resolved after a negative mention)."""
    if not db[S.CASES].exists() or not (cur.date_from and cur.date_to):
        return {}
    lo, hi = cur.date_from, cur.date_to + "T99"
    opened, resolved, rescued = db.execute(
        f"SELECT sum(CASE WHEN opened_at >= ? AND opened_at <= ? THEN 1 ELSE 0 END), sum(CASE WHEN resolved_at >= ? AND resolved_at <= ? THEN 1 ELSE 0 END), "
        f"count(DISTINCT CASE WHEN resolved_at >= ? AND resolved_at <= ? AND sentiment_before < 0 "
        f"THEN coalesce(customer_id, profile_id) END) FROM {S.CASES}",
        [lo, hi, lo, hi, lo, hi],
    ).fetchone()
    return {"opened": int(opened or 0), "resolved": int(resolved or 0), "rescued": int(rescued or 0)}


def _summary_rows(table: pd.DataFrame, periods: O.Periods) -> list[dict[str, Any]]:
    """KPI rows as the summary reads them: no change where the table shows none (a period without data,
    see :func:`scrm.views.overview.comparison_gap`), and no value where the KPI's source has no row at all."""
    sources = {name for name, _, _ in periods.coverage}
    rows = []
    for r in _records(table):
        comparable = not r["snapshot"] and not _missing(r["change"])
        source = O.KPI_SOURCES.get(str(r["key"]))
        rows.append(
            {
                **r,
                "value": None if source is not None and source not in sources else r["value"],
                "points": r["key"] in O.POINTS_KEYS,
                "change": r["change"] if comparable else None,
                "previous": r["previous"] if comparable else None,
            }
        )
    return rows


def report_context(
    db: sqlite_utils.Database, filters: Filters, *, masked: bool, lang: str = "en", quotes: bool = True
) -> dict[str, Any]:
    """Everything the report shows, in ``lang``: what the HTML template and the PDF writer lay out.

    ``quotes`` False leaves out every mention text (the report then names
    authors and figures only, never what a private person wrote).
    """
    lang = normalise_language(lang)
    generated = store.utcnow()
    identity = report_brand.identity(db)
    own = identity.name or store.own_brand(db)
    periods = O.resolve_periods(db, filters)
    title = t("Social CRM report: {brand}", lang, brand=own) if own else t("Social CRM report", lang)
    context: dict[str, Any] = {
        "lang": lang,
        "title": title,
        "css": Markup(CSS.replace("--accent: #0072B2", f"--accent: {identity.accent}")),
        "accent": identity.accent,
        "logo": identity.logo,
        "periods": None,
        "summary": [],
        "t": lambda text, **values: t(text, lang, **values),
    }
    if periods is not None:
        cur, prev = periods.current, periods.previous
        assert cur.date_from and cur.date_to and prev.date_from and prev.date_to
        context["periods"] = {
            "current_from": O.format_day(cur.date_from) if lang == "en" else sm.day(cur.date_from, lang),
            "current_to": O.format_day(cur.date_to) if lang == "en" else sm.day(cur.date_to, lang),
            "previous_from": O.format_day(prev.date_from) if lang == "en" else sm.day(prev.date_from, lang),
            "previous_to": O.format_day(prev.date_to) if lang == "en" else sm.day(prev.date_to, lang),
            "days": periods.days,
        }
        table = O.kpi_summary(db, filters, periods, spark_keys=())
        notes = [periods.note] if periods.note else []
        if notes and lang != "en" and t(notes[0], lang) == notes[0]:
            # The period sentence names its dates in English: say it in the reader's language instead.
            if not filters.date_from and not filters.date_to:
                notes[0] = t(
                    "No date range was chosen: the figures cover the last {days} days of data and compare them with "
                    "the {days} days before.", lang, days=periods.days,
                )  # fmt: skip
            else:
                notes[0] = t("The range was completed to {days} days: the dates above are the ones used.", lang,
                             days=periods.days)  # fmt: skip
        if O.readiness(db).needs_score:
            notes.append(O.NOT_SCORED_IN_REPORT)
        if table.attrs.get("segment_note"):
            notes.append(table.attrs["segment_note"])
        context["notes"] = [t(n, lang) for n in notes]
        context["tiles"] = _tiles(table, lang)
        start, end = O.trend_range(periods)
        trends = O.weekly_trends(db, filters, start, end)
        charts: list[Markup] = []
        if not trends.empty:
            brands = sorted(set(trends["brand"].astype(str)), key=lambda b: (b != own, b.casefold()))
            palette = (identity.accent, *[c for c in BRAND_PALETTE if c.casefold() != identity.accent.casefold()])
            colours = {b: palette[i % len(palette)] for i, b in enumerate(brands)}
            band = (cur.date_from, cur.date_to)
            # Markup: svg_line_chart escapes every label where it builds the SVG.
            charts.append(
                Markup(
                    svg_line_chart(
                        trends, "week", "mentions", "brand", title=t("Mentions per week", lang), colours=colours,
                        band=band, lang=lang,
                    )
                )
            )  # fmt: skip
            charts.append(
                Markup(
                    svg_line_chart(
                        trends,
                        "week",
                        "net_sentiment",
                        "brand",
                        title=t("Net sentiment per week (points)", lang),
                        colours=colours,
                        band=band,
                        zero_line=True,
                        signed=True,
                        lang=lang,
                    )
                )
            )
        context["charts"] = charts
        alerts = _mask(
            db,
            O.open_alerts(db, filters, periods, limit=10, lang=lang),
            {"top_authors": "text", "top_mention": "text"},
            masked,
        )
        alert_records = _records(alerts)
        context["alerts"] = [
            [
                (t(str(r["severity"]), lang), ""),
                (r["what"], ""),
                (
                    f"{r['period_start']} – {r['period_end']}"
                    if r["period_start"] != r["period_end"]
                    else r["period_start"],
                    "",
                ),
                (r["top_authors"], ""),
                (r["top_topics"], ""),
                (r["top_mention"] if quotes else "", ""),
            ]
            for r in alert_records
        ]
        movers = []
        mover_rows: dict[str, list[dict[str, Any]]] = {}
        for kind in ("topics", "authors", "segments"):
            frame = O.top_movers(db, filters, periods, kind)
            if kind == "topics":
                frame = O.name_subjects(frame, lang)  # a subject's themes in every language, one line in the reader's
            elif kind == "segments":
                frame = O.name_segments(db, frame, lang)
            if kind == "authors":
                frame = _mask(db, _with_customer_names(db, frame), {"label": "handle", "customer": "name"}, masked)
            mover_rows[kind] = _records(frame)
            movers.append(_movers(frame, kind, lang))
        context["movers"] = movers
        context["kpi_rows"] = _kpi_rows(table, lang)
        context["summary"] = sm.executive_summary(
            _summary_rows(table, periods), movers=mover_rows, alerts=alert_records, team=_team(db, cur), lang=lang
        )
    context["definitions"] = [
        [
            (t(r["name"], lang), ""),
            (t(r["formula"], lang), ""),
            (t(O.unit_words(r["unit"], key=r["key"]), lang), ""),
            (t({True: "higher", False: "lower", None: "neither"}[r["higher_is_better"]], lang), ""),
        ]
        for r in _records(kpis.definitions())
    ]
    generated_at = generated.replace("T", " ")[:16]
    footer = [
        t("Filters: {filters}.", lang, filters=O.describe_filters(filters)),
        t("Generated on {when} UTC from data version {version}.", lang, when=generated_at,
          version=store.data_version(db)),
    ]  # fmt: skip
    if masked:
        footer.append(t("Names and handles are masked (stable stand-ins).", lang))
    if not quotes:
        footer.append(t("Texts written by customers are left out.", lang))
    if store.is_demo(db):
        footer.append(t("Generated demo data, not real customers.", lang))
    context["footer"] = footer
    return context


def build_report_html(
    db: sqlite_utils.Database, filters: Filters, *, masked: bool, lang: str = "en", quotes: bool = True
) -> str:
    """The Overview for ``filters`` as one self-contained HTML document (no network at view time).

    ``masked`` replaces handles (and handles or e-mails inside mention texts)
    with the pseudonyms of :mod:`scrm.privacy.masking`, as on a masked screen.
    """
    return _template().render(report_context(db, filters, masked=masked, lang=lang, quotes=quotes)) + "\n"
