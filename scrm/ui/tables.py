"""Table numbers in the reader's locale: ``12,5 %`` and ``+1.234,5`` in Spanish, not ``12.5%``.

Pages write their ``st.column_config`` number formats in printf (``%+.1f``,
``%.1f%%``, ``%,.2f``), which the browser always draws with a decimal point,
or as ``"localized"``, which follows the browser's locale rather than the
language the reader picked.
:func:`localise` turns those columns into display values written with Babel
for Spanish and French readers, through a pandas Styler: the cells keep their
numbers, so sorting and row selection behave as before. English tables, and
tables too big to style cheaply, are returned as they are (the big ones with
the browser's own locale format instead).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

import pandas as pd
from babel import numbers

from scrm.db import schema as S
from scrm.db.filters import platform_label
from scrm.i18n import catalog
from scrm.i18n import formats as F

# Above this many styled cells, pandas' Styler costs more than a rerun should pay. A Styler writes
# every cell, so a table is styled only when each of its columns can be written faithfully.
MAX_STYLED_CELLS = 60_000
_PRINTF = re.compile(r"^(?P<pre>[^%]*)%(?P<sign>\+?)(?P<group>,?)(?:\.(?P<decimals>\d+))?(?P<kind>[dif])(?P<post>.*)$")


def number_formatter(printf: str, lang: str, *, whole: bool = False) -> Callable[[Any], str] | None:
    """A function writing one cell as ``printf`` would, in ``lang``'s locale; None for a format it does not read.

    ``"localized"`` (Streamlit's name for the browser's locale, which is not
    always the reader's language) is written with 2 decimals, none when ``whole``.

    >>> number_formatter("%+.1f %%", "es")(12.345)
    '+12,3\\xa0%'
    >>> number_formatter("%,.2f", "fr")(1234.5)
    '1\\u202f234,50'
    >>> number_formatter("%d", "es")(None)
    '—'
    """
    if printf == "localized":
        printf = "%,d" if whole else "%,.2f"
    match = _PRINTF.match(printf)
    if not match:
        return None
    decimals = 0 if match["kind"] in "di" else int(match["decimals"] or 6)
    signed = bool(match["sign"])
    pre = match["pre"]
    post = match["post"].replace("%%", "%")
    percent = post.strip() == "%"

    def write(value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return "—"
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        if percent:
            text = F.format_percent(abs(number) if signed else number, lang, decimals=decimals)
        else:
            text = F.format_number(abs(number) if signed else number, lang, decimals=decimals)
        if signed:
            text = ("-" if number < 0 and round(abs(number), decimals) else "+") + text
        return pre + text + ("" if percent else post)

    return write


def _is_missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list in a cell
        return False


def _plain_writer(series: pd.Series, lang: str) -> Callable[[Any], str] | None:
    """How a column without a number format is written once the table is styled (a Styler writes every cell).

    Numbers in the locale with up to 4 decimals, text as it is, "—" for a missing value;
    None for a kind of column (flags, dates, categories) whose drawing a Styler would change.
    """
    locale = F.locale_of(lang)
    if pd.api.types.is_bool_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype):
        return None
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        pattern = "#,##0" if pd.api.types.is_integer_dtype(series) else "#,##0.####"
        return lambda v: "—" if _is_missing(v) else numbers.format_decimal(v, format=pattern, locale=locale)
    if series.map(lambda v: isinstance(v, bool | dt.date | dt.datetime)).any():
        return None
    return lambda v: "—" if _is_missing(v) else str(v)


def _format_of(config: Any) -> str | None:
    if isinstance(config, Mapping):
        type_config = config.get("type_config")
        if isinstance(type_config, Mapping) and type_config.get("type") == "number":
            value = type_config.get("format")
            return value if isinstance(value, str) and ("%" in value or value == "localized") else None
    return None


def localise(frame: pd.DataFrame, column_config: Mapping[str, Any] | None, lang: str) -> tuple[Any, dict[str, Any] | None]:
    """``(data, column_config)`` for ``st.dataframe``: the printf number columns and the stored words
    (:func:`translate_cells`) written in ``lang``.

    English, or a frame without such columns: ``frame`` (its words translated) and the config unchanged.
    Spanish and French: a Styler with the display values and the config without
    those formats (a config format would win over the Styler's values); over
    :data:`MAX_STYLED_CELLS` cells the formats become ``"localized"`` instead.
    """
    frame = translate_cells(frame, lang)
    if column_config is None or lang == "en" or frame.empty:
        return frame, None if column_config is None else dict(column_config)
    formatters: dict[str, Callable[[Any], str]] = {}
    config = dict(column_config)
    for column, entry in column_config.items():
        printf = _format_of(entry)
        if printf is None or column not in frame.columns:
            continue
        writer = number_formatter(printf, lang, whole=pd.api.types.is_integer_dtype(frame[column]))
        if writer is None:
            continue
        formatters[column] = writer
        config[column] = {**entry, "type_config": {**entry["type_config"], "format": None}}
    if not formatters:
        return frame, config
    for column in frame.columns:
        entry = column_config.get(column)
        kind = entry.get("type_config", {}).get("type") if isinstance(entry, Mapping) else None
        if kind not in (None, "number", "text"):  # links, lists, progress bars: drawn from their values
            formatters = {}
            break
        if column in formatters:
            continue
        if (plain := _plain_writer(frame[column], lang)) is None:
            formatters = {}  # a column a Styler would draw differently: the browser's locale format instead
            break
        formatters[column] = plain
    if not formatters or frame.size > MAX_STYLED_CELLS or not frame.index.is_unique or not frame.columns.is_unique:
        for column, entry in column_config.items():
            if _format_of(entry) is not None and column in frame.columns:
                config[column] = {**entry, "type_config": {**entry["type_config"], "format": "localized"}}
        return frame, config
    return frame.style.format(formatters), config  # type: ignore[arg-type]


# --- stored words in cells -------------------------------------------------------------------------
# The engine stores its vocabulary in English (``negative``, ``in progress``, ``name_city``, ``rules``):
# tables show each word in the reader's language while the frames, filters and downloads keep the stored
# value. Each stored word maps to the English text its catalog entry translates.
STORED_WORDS: dict[str, str] = {
    **{label: label for label in S.SCORED_LABELS}, S.UNSCORED: "not scored",
    **{p: p for p in S.PRIORITIES}, **{s: s for s in S.CASE_STATUSES}, **{q: q for q in S.QUEUES},
    S.MODE_AUTOMATIC: "automatic", S.MODE_MANUAL: "manual",
    S.ACTION_OPEN_CASE: "open a case", S.ACTION_TAG: "tag the mention", S.ACTION_SUGGEST_REPLY: "suggest a reply",
    S.ACTION_RAISE_ALERT: "raise an alert",
    S.MATCH_APPLIED: "applied", S.MATCH_PROPOSED: "proposed", S.MATCH_DISMISSED: "dismissed",
    S.ALERT_VOLUME: "volume spike", S.ALERT_VIP_DETRACTOR: "valued detractor", S.ALERT_RULE: "workflow rule",
    S.METHOD_EMAIL: "email", S.METHOD_HANDLE: "handle", S.METHOD_NAME_CITY: "name and city", "name and city": "name and city",
    S.LINKED: "linked", S.SUGGESTED: "suggested", S.REJECTED: "rejected",
    **{r: r for r in S.ROLE_NAMES}, "prospect": "prospect", "customer": "customer", "former_customer": "former customer",
    **{k: k for k in S.MENTION_KINDS}, "dm": "direct message", **{v: v for v in S.VISIBILITIES},
    S.ACTOR_LOCAL: "local admin", S.ACTOR_CLI: "command line", S.ACTOR_RULES: "workflow rules", "system": "system",
    "demo": "demo team",
    "score": "score run", "anonymous": "anonymous",
    **{a: a for a in S.AUDIT_ACTIONS},
    **{f: f for f in S.FREQUENCY_CLASSES}, **{s: s for s in S.RFM_SEGMENTS},
    S.SOURCE_ACTIVE: "active", S.SOURCE_PAUSED: "paused",
    **{d: d for d in S.DELIVERY_STATUSES},
    "yes": "yes", "no": "no", "Yes": "yes", "No": "no", "true": "yes", "false": "no",
}  # fmt: skip
# Columns holding a stored vocabulary next to free values (the audit log's "Who": people and the system actors):
# their known words are translated, other values left as they are.
VOCABULARY_COLUMNS = frozenset({
    "actor", "role", "roles", "badges", "main_role", "relation", "rfm_segment", "quadrant", "frequency_class", "status", "priority", "queue",
    "mode", "kind", "severity", "method", "method_label", "action", "event", "visibility", "sentiment",
    "sentiment_label", "state", "enabled",
})  # fmt: skip
# Columns naming a platform (``forum`` and ``google_reviews`` are words of the language; brands are not).
PLATFORM_COLUMNS = frozenset({"platform", "main_platform", "Platform"})
# Columns of people's own words and names, and of codes: never translated, whatever they say.
USER_COLUMNS = frozenset({
    "name", "customer_name", "display_name", "handle", "author", "text", "brand", "theme_labels", "email",
    "city", "location", "customer", "customer_id", "profile_id", "person", "target", "account", "comment", "title",
    "assignee", "subject", "note", "url", "lang", "langs", "currency", "country",  # codes: "no" is Norwegian
})  # fmt: skip


def stored_word(value: object, lang: str, *, named: bool = False) -> str | None:
    """A stored vocabulary word in ``lang`` (``negativo`` for ``negative`` in Spanish); None when it is not one.

    ``named``: the value is in a vocabulary column, where any English text of the catalogs (a view's
    ``Champions to activate``) is a word of the interface too.

    >>> stored_word("in progress", "fr"), stored_word("name_city", "es"), stored_word("Velora", "es")
    ('en cours', 'nombre y ciudad', None)
    """
    if not isinstance(value, str):
        return None
    english = STORED_WORDS.get(value)
    if english is None:
        if not named or lang == "en" or value not in catalog(lang):
            return None
        english = value
    return english if lang == "en" else catalog(lang).get(english, english)


def _platform_name(value: object, lang: str) -> str | None:
    """A platform in ``lang`` when its name is a word of the language (``Foro``, ``Avis Google``); brands stay."""
    if not isinstance(value, str) or not value:
        return None
    english = platform_label(value)
    translated = catalog(lang).get(english)
    return translated if translated and translated != english else None


def _word_list(value: object, lang: str) -> str | None:
    """A list of stored words (a profile's roles: ``advocate, influencer``) in ``lang``; None unless every one is."""
    if not isinstance(value, str) or ", " not in value:
        return None
    words = [stored_word(part, lang) for part in value.split(", ")]
    return ", ".join(w for w in words if w) if all(words) else None


def _translated_column(series: pd.Series, lang: str, *, partial: bool) -> pd.Series | None:
    """``series`` with its stored words in ``lang``; None when nothing changes (or, unless ``partial``, when
    a value is not a stored word: a column of free text that happens to hold one is left alone)."""
    if not partial:
        # A column of free text says so in its first values: skip the full scan of a large table.
        head = [v for v in series.head(64).tolist() if isinstance(v, str) and v.strip()]
        if any(stored_word(v, lang) is None for v in head):
            return None
    values = [v for v in series.dropna().unique().tolist() if not (isinstance(v, str) and not v.strip())]
    if not values:
        return None
    words = {v: stored_word(v, lang, named=partial) or (_word_list(v, lang) if partial else None) for v in values}
    if not partial and any(w is None for w in words.values()):
        return None
    mapping = {v: w for v, w in words.items() if w is not None and w != v}
    if not mapping:
        return None
    return series.astype(object).map(lambda v: mapping.get(v, v) if isinstance(v, str) else v)


def translate_cells(frame: pd.DataFrame, lang: str, *, columns: Collection[str] = ()) -> pd.DataFrame:
    """``frame`` with the stored vocabulary in its text cells written in ``lang`` (a new frame; ``frame`` is kept).

    Translated: the known words of :data:`VOCABULARY_COLUMNS` and of ``columns``, and any other text column
    whose every value is a stored word (a sentiment ``label`` column); never :data:`USER_COLUMNS`. Rows keep
    their order and index, so a selection's row numbers still index the frame the page holds.

    >>> translate_cells(pd.DataFrame({"role": ["advocate", "viewer"], "name": ["none", "Ana"]}), "es").values.tolist()
    [['defensor', 'none'], ['viewer', 'Ana']]
    >>> translate_cells(pd.DataFrame({"badges": ["advocate, influencer"]}), "fr")["badges"].tolist()
    ['défenseur, influenceur']
    """
    if lang == "en" or not isinstance(frame, pd.DataFrame) or frame.empty or not frame.columns.is_unique:
        return frame
    changed: dict[str, pd.Series] = {}
    for column in frame.columns:
        if not isinstance(column, str) or column in USER_COLUMNS:
            continue
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if column in PLATFORM_COLUMNS:
            names = {v: name for v in series.dropna().unique().tolist() if (name := _platform_name(v, lang))}
            if names:
                changed[column] = series.astype(object).map(lambda v, names=names: names.get(v, v))
            continue
        named = column in VOCABULARY_COLUMNS or column in columns
        out = _translated_column(series, lang, partial=named)
        if out is not None:
            changed[column] = out
    return frame.assign(**changed) if changed else frame
