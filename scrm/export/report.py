"""The stakeholder report: the Overview for some filters as ONE self-contained HTML file.

:func:`build_report_html` writes a page that opens offline and can be mailed
or archived: inline CSS, charts drawn as inline SVG from the data (no script,
no font, no image from the network), the KPI table with each KPI's change
against the previous period and its unit, the trends, the newest alerts, the
top movers and the KPI definitions, and a footer with the filters and the
generation time. Every string that comes from data (brands, handles, topic
labels, mention texts) goes through :func:`html.escape`.

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
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.db import store
from scrm.db.filters import Filters
from scrm.privacy import masking as privacy
from scrm.views import kpis
from scrm.views import overview as O

log = logging.getLogger(__name__)

BRAND_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

CSS = """
:root { --ink: #1f2430; --muted: #5f6b7a; --line: #e3e6eb; --good: #1a7f37; --bad: #c62828; --accent: #0072B2; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 980px; padding: 24px 28px 40px; line-height: 1.45; font-size: 14px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
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
    """Text from data, safe in HTML content and attribute values."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _tone(change: Any, higher_is_better: Any) -> str:
    if _missing(change) or change == 0 or higher_is_better is None:
        return ""
    return "good" if (change > 0) == bool(higher_is_better) else "bad"


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[tuple[str, str]]], numeric: frozenset[int] = frozenset()
) -> str:
    """An HTML table; each cell is (escaped html, css class)."""
    head = "".join(f'<th class="{"num" if i in numeric else ""}">{_e(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="{cls}">{cell}</td>' for cell, cls in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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
) -> str:
    """One line per ``series`` value of ``y`` over ISO dates ``x``, as an inline ``<svg>`` (no script).

    ``band`` shades a date range (the current period). Missing ``y`` values
    break the line. Labels are escaped. Returns a sentence instead when there
    is nothing to draw.
    """
    frame = data.dropna(subset=[y])
    if frame.empty:
        return '<p class="note">No data to draw for this chart.</p>'
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
                f'height="{height - top - bottom}" fill="#0072B2" fill-opacity="0.08"><title>current period</title></rect>'
            )
    for v in ticks:
        yy = py(v)
        label = f"{v:+,.0f}" if signed and v else f"{v:,.0f}"
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
            f'<text x="{px(day):.1f}" y="{height - 8}" text-anchor="{anchor}">{tick.day} {tick:%b %y}</text>'
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
            tip = f"{name} · week of {dt.date.fromordinal(int(day)).isoformat()}: {v:,.1f}"
            parts.append(
                f'<circle cx="{px(int(day)):.1f}" cy="{py(v):.1f}" r="2.5" fill="{colour}"><title>{_e(tip)}</title></circle>'
            )
    parts.append("</svg>")
    legend = "".join(f'<span><i style="background:{c}"></i>{_e(n)}</span>' for n, c in colours.items())
    return f'<h3>{_e(title)}</h3>{"".join(parts)}<div class="legend">{legend}</div>'


# --- the report --------------------------------------------------------------------------------------


def _kpi_rows(table: pd.DataFrame) -> str:
    rows = []
    for r in _records(table):
        change = O.format_change(r["change"], r["change_pct"], r["unit"], key=r["key"])
        cls = "headline" if r["key"] in O.TILE_KEYS else ""
        tone = _tone(r["change"], r["higher_is_better"])
        note = (
            f'<br><span class="note">{_e(r["note"])}</span>'
            if isinstance(r["note"], str) and r["note"]
            else ""
        )
        rows.append(
            f'<tr class="{cls}"><td>{_e(r["name"])}{note}</td>'
            f'<td class="num">{_e(O.format_value(r["value"], r["unit"], r["currency"], key=r["key"]))}</td>'
            f'<td class="num">{_e(O.format_value(r["previous"], r["unit"], r["currency"], key=r["key"])) if not r["snapshot"] else "as of last score"}</td>'
            f'<td class="num {tone}">{_e(change or "—")}</td>'
            f"<td>{_e(O.unit_words(r['unit'], r['currency'], key=r['key']))}</td></tr>"
        )
    head = "".join(
        f'<th class="{c}">{h}</th>'
        for h, c in (
            ("KPI", ""),
            ("This period", "num"),
            ("Previous period", "num"),
            ("Change", "num"),
            ("Unit", ""),
        )
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _tiles(table: pd.DataFrame) -> str:
    tiles = []
    rows = {str(r["key"]): r for r in _records(table)}
    for r in (rows[k] for k in O.TILE_KEYS if k in rows):
        change = O.format_change(r["change"], r["change_pct"], r["unit"], key=r["key"], compact=True)
        tone = _tone(r["change"], r["higher_is_better"])
        delta = (
            f'<div class="delta {tone}">{_e(change)}</div>'
            if change
            else '<div class="delta">as of the last score</div>'
            if r["snapshot"]
            else ""
        )
        tiles.append(
            f'<div class="tile"><div class="label">{_e(r["name"])}</div>'
            f'<div class="value">{_e(O.format_value(r["value"], r["unit"], r["currency"], key=r["key"], compact=True))}</div>{delta}</div>'
        )
    return f'<div class="tiles">{"".join(tiles)}</div>'


def _mask(
    db: sqlite_utils.Database, frame: pd.DataFrame, columns: dict[str, str], masked: bool
) -> pd.DataFrame:
    if not masked or frame.empty:
        return frame
    return privacy.mask_frame(frame, columns, salt=privacy.privacy_salt(db))


def _movers_table(frame: pd.DataFrame, what: str) -> str:
    if frame.empty:
        return (
            f'<p class="note">No {what} changed between the two periods (or they are not computed yet).</p>'
        )
    rows = []
    for r in _records(frame):
        label = r["label"] if not isinstance(r["platform"], str) else f"{r['label']} ({r['platform']})"
        net = "—" if _missing(r["net_now"]) else f"{r['net_now']:+.1f}"
        net_change = "—" if _missing(r["net_change"]) else f"{r['net_change']:+.1f} pts"
        rows.append(
            [
                (_e(label), ""),
                (f"{int(r['now']):,}", "num"),
                (f"{int(r['before']):,}", "num"),
                (f"{int(r['change']):+,}", "num"),
                (_e(net), "num"),
                (_e(net_change), "num"),
            ]
        )
    headers = [
        what.capitalize()[:-1] if what.endswith("s") else what,
        "Mentions now",
        "Before",
        "Change",
        "Net sentiment now",
        "Net sentiment change",
    ]
    return _table(headers, rows, numeric=frozenset({1, 2, 3, 4, 5}))


def build_report_html(db: sqlite_utils.Database, filters: Filters, *, masked: bool) -> str:
    """The Overview for ``filters`` as one self-contained HTML document (no network at view time).

    ``masked`` replaces handles (and handles or e-mails inside mention texts)
    with the pseudonyms of :mod:`scrm.privacy.masking`, as on a masked screen.
    """
    generated = store.utcnow()
    own = store.own_brand(db)
    periods = O.resolve_periods(db, filters)
    title = f"Social CRM report{': ' + own if own else ''}"
    body: list[str] = [f"<h1>{_e(title)}</h1>"]
    if periods is None:
        body.append(
            '<p class="lead">The database holds no dated mentions or orders yet, so there is nothing to report. '
            "Import files on the Data page or load the demo, then run <code>python -m scrm score</code>.</p>"
        )
    else:
        cur, prev = periods.current, periods.previous
        assert cur.date_from and cur.date_to and prev.date_from and prev.date_to
        body.append(
            f'<p class="lead">{_e(O.format_day(cur.date_from))} to {_e(O.format_day(cur.date_to))} '
            f"({periods.days} days), compared with {_e(O.format_day(prev.date_from))} to "
            f"{_e(O.format_day(prev.date_to))}.</p>"
        )
        if periods.note:
            body.append(f'<p class="note">{_e(periods.note)}</p>')
        readiness = O.readiness(db)
        if readiness.needs_score:
            body.append(f'<p class="note">{_e(O.RUN_SCORE_SENTENCE)}</p>')
        table = O.kpi_summary(db, filters, periods, spark_keys=())
        if table.attrs.get("segment_note"):
            body.append(f'<p class="note">{_e(table.attrs["segment_note"])}</p>')
        body.append("<h2>Key figures</h2>")
        body.append(_tiles(table))
        body.append(
            '<p class="note">Changes compare with the previous period of the same length; percent KPIs change '
            "in percentage points. Average CLV, advocates and detractors describe the state at the last score.</p>"
        )
        body.append("<h2>Trends</h2>")
        start, end = O.trend_range(periods)
        trends = O.weekly_trends(db, filters, start, end)
        if trends.empty:
            body.append('<p class="note">No mentions match these filters in this range.</p>')
        else:
            brands = sorted(set(trends["brand"].astype(str)), key=lambda b: (b != own, b.casefold()))
            colours = {b: BRAND_PALETTE[i % len(BRAND_PALETTE)] for i, b in enumerate(brands)}
            band = (cur.date_from, cur.date_to)
            body.append(
                svg_line_chart(
                    trends, "week", "mentions", "brand", title="Mentions per week", colours=colours, band=band
                )
            )
            body.append(
                svg_line_chart(
                    trends,
                    "week",
                    "net_sentiment",
                    "brand",
                    title="Net sentiment per week (points)",
                    colours=colours,
                    band=band,
                    zero_line=True,
                    signed=True,
                )
            )
            body.append('<p class="note">The shaded band is the current period. Weeks start on Monday.</p>')
        body.append("<h2>Alerts in this period</h2>")
        alerts = _mask(
            db,
            O.open_alerts(db, filters, periods, limit=10),
            {"top_authors": "text", "top_mention": "text"},
            masked,
        )
        if alerts.empty:
            body.append('<p class="note">No alert in this period for these filters.</p>')
        else:
            rows = [
                [
                    (_e(r["severity"]), ""),
                    (_e(r["what"]), ""),
                    (
                        _e(
                            f"{r['period_start']} to {r['period_end']}"
                            if r["period_start"] != r["period_end"]
                            else r["period_start"]
                        ),
                        "",
                    ),
                    (_e(r["top_authors"]), ""),
                    (_e(r["top_topics"]), ""),
                    (_e(r["top_mention"]), ""),
                ]
                for r in _records(alerts)
            ]
            body.append(
                _table(["Severity", "Alert", "Days", "Top authors", "Top topics", "Top mention"], rows)
            )
        body.append("<h2>What moved</h2>")
        for kind, what in (("topics", "topics"), ("authors", "authors"), ("segments", "segments")):
            movers = O.top_movers(db, filters, periods, kind)
            if kind == "authors":
                movers = _mask(db, movers, {"label": "handle"}, masked)
            body.append(f"<h3>{what.capitalize()}</h3>")
            body.append(_movers_table(movers, what))
        body.append("<h2>All KPIs</h2>")
        body.append(_kpi_rows(table))
    body.append("<h2>KPI definitions</h2>")
    definitions = kpis.definitions()
    rows = [
        [
            (_e(r["name"]), ""),
            (_e(r["formula"]), ""),
            (_e(O.unit_words(r["unit"], key=r["key"])), ""),
            (_e({True: "higher", False: "lower", None: "neither"}[r["higher_is_better"]]), ""),
        ]
        for r in _records(definitions)
    ]
    body.append(_table(["KPI", "Formula", "Unit", "Better when"], rows))
    footer = [
        f"Filters: {_e(O.describe_filters(filters))}.",
        f"Generated {_e(generated.replace('T', ' '))} UTC by scrm from data version {store.data_version(db)}.",
    ]
    if masked:
        footer.append("Names and handles are masked (stable stand-ins).")
    if store.is_demo(db):
        footer.append("Generated demo data, not real customers.")
    body.append(f"<footer>{' '.join(footer)}</footer>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )
