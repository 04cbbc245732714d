"""Charts in the reader's language: titles, axis and legend titles, tooltip names and the month and day names.

The chart builders in :mod:`scrm.charts` stay pure and write English; :func:`altair_chart`
translates the finished spec at display time (every ``title``, with :func:`scrm.ui.language.t`)
and gives Vega the locale's number and time formats (``config.locale``: decimal comma,
"oct." rather than "Oct"). English charts are drawn as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from babel import Locale

from scrm.i18n import formats as F
from scrm.ui.language import lang, t


def _translate_titles(node: Any, translate: Callable[[str], str]) -> Any:
    """A copy of a Vega-Lite spec with every title translated (data values are left alone)."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("datasets", "data", "values"):
                out[key] = value
            elif key == "title" and isinstance(value, str):
                out[key] = translate(value)
            elif key == "title" and isinstance(value, list):
                out[key] = [translate(v) if isinstance(v, str) else v for v in value]
            elif key == "title" and isinstance(value, dict) and isinstance(value.get("text"), str):
                out[key] = {**value, "text": translate(value["text"])}
            else:
                out[key] = _translate_titles(value, translate)
        return out
    if isinstance(node, list):
        return [_translate_titles(v, translate) for v in node]
    return node


def vega_locale(language: str) -> dict[str, Any]:
    """Vega's ``config.locale`` for a language: d3 number and time format locales from Babel's CLDR data.

    >>> vega_locale("fr")["number"]["decimal"], vega_locale("es")["time"]["shortMonths"][9]
    (',', 'oct')
    """
    locale = Locale.parse(F.locale_of(language))
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    months = locale.months["format"]
    days = locale.days["format"]
    return {
        "number": {
            "decimal": symbols["decimal"], "thousands": symbols["group"], "grouping": [3],
            "currency": ["", " €"] if language != "en" else ["$", ""],
        },
        "time": {
            "dateTime": "%x, %X", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
            # d3 lists days from Sunday; Babel numbers them from Monday (0).
            "days": [days["wide"][(i + 6) % 7] for i in range(7)],
            "shortDays": [days["abbreviated"][(i + 6) % 7] for i in range(7)],
            "months": [months["wide"][i] for i in range(1, 13)],
            "shortMonths": [months["abbreviated"][i].rstrip(".") for i in range(1, 13)],
        },
    }  # fmt: skip


def localised_spec(spec: dict[str, Any], language: str) -> dict[str, Any]:
    """``spec`` with its titles in ``language`` and the language's number and date formats."""
    out = _translate_titles(spec, t)
    config = dict(out.get("config") or {})
    config["locale"] = vega_locale(language)
    out["config"] = config
    return out


def arrow_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (a Vega-Lite dict) with its named datasets as Arrow IPC bytes, the form in which
    ``st.vega_lite_chart`` sends them to the browser.

    For specs kept in a cache: Streamlit converts rows given as dicts again on every
    rerun (20 ms for the 5,000 points of a scatter), and unpickling thousands of dicts
    out of ``st.cache_data`` costs more than unpickling their bytes. What the browser
    receives is the same. Titles are still translated by :func:`localised_spec`.
    """
    from streamlit import dataframe_util

    datasets = spec.get("datasets")
    if not isinstance(datasets, dict):
        return spec
    converted = {
        name: rows if isinstance(rows, bytes) else dataframe_util.convert_anything_to_arrow_bytes(rows)
        for name, rows in datasets.items()
    }
    return {**spec, "datasets": converted}


def altair_chart(chart: Any, **kwargs: Any) -> Any:
    """``st.altair_chart(chart, **kwargs)`` in the reader's language (English: unchanged)."""
    language = lang()
    if language == "en":
        return st.altair_chart(chart, **kwargs)
    return st.vega_lite_chart(localised_spec(chart.to_dict(), language), **kwargs)


def chart_spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite spec ``st.altair_chart(chart)`` sends (Streamlit's own conversion: without
    Altair's default sizes, datasets as Arrow bytes), for a chart kept in a cache and drawn
    with :func:`vega_chart` on every rerun instead of being built and validated again."""
    try:
        from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
    except ImportError:  # moved by a later Streamlit: the plain spec, its rows converted once
        return arrow_datasets(chart.to_dict())
    return dict(_convert_altair_to_vega_lite_spec(chart))


def vega_chart(spec: dict[str, Any], **kwargs: Any) -> Any:
    """``st.vega_lite_chart(spec, **kwargs)`` in the reader's language: :func:`altair_chart` for a
    chart kept as its spec (a cached ``chart.to_dict()``), which is not built again on a rerun."""
    language = lang()
    return st.vega_lite_chart(spec if language == "en" else localised_spec(spec, language), **kwargs)
