"""The global filters in the sidebar, kept in the link so that a URL reproduces the view.

``app.py`` draws them on every run with :func:`sidebar_filters`, before the
page; pages read the result with :func:`current_filters` (a frozen, hashable
:class:`scrm.db.filters.Filters`, ready to be part of a cache key).

The link and the widgets
------------------------
- On the first run of a session the widgets are seeded from the address's
  query parameters (``?from=2026-01-01&to=2026-03-31&brand=Velora&platform=
  twitter,instagram&lang=en&segment=2``, see :func:`scrm.db.filters.from_query`).
  A malformed link shows the :class:`~scrm.errors.ConfigError` sentence as a
  warning and starts from the defaults; a value the data does not hold (a
  brand never mentioned, a segment that no longer exists) is dropped with a
  warning that names it.
- After that the widgets are the truth, and every run writes them back to the
  address, touching only the filter parameters: ``mask`` and the pages' own
  parameters (``data_tab``, ...) stay. Writing on every run, not only on a
  change, matters because switching pages clears the address.
- Dates start on the default period, the same on every page: the last N
  days (Settings) up to the last day mentions and orders both reach
  (:func:`scrm.views.overview.default_period`); the sidebar says so under
  the dates. Other defaults mean "all": every brand, platform and language,
  all customers. Defaults are left out of the link, so a link without dates
  follows the data as it grows.

Widget keys start with ``filters_``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import streamlit as st

from scrm import ui
from scrm.analysis.segments_words import description_message
from scrm.db.filters import (
    Q_BRAND,
    Q_FROM,
    Q_LANG,
    Q_PLATFORM,
    Q_SEGMENT,
    Q_TO,
    Filters,
    from_query,
    to_query,
)
from scrm.db.filters import describe as describe_filters  # noqa: F401 (re-exported)
from scrm.db.filters import language_label as stored_language_label
from scrm.db.filters import platform_label as stored_platform_label
from scrm.errors import ConfigError
from scrm.i18n import formats as F
from scrm.i18n import t as translate
from scrm.i18n.messages import Message
from scrm.ui.language import date_input_format, lang, t
from scrm.ui.notes import translate_segment_description
from scrm.views import data as browse
from scrm.views import overview
from scrm.views.data import SEGMENT_PROFILES, FilterOptions, filter_options  # noqa: F401 (re-exported)


def platform_label(platform: str) -> str:
    """A platform's name in the reader's language (``Foro`` for ``forum`` in Spanish; brand names as they are)."""
    return t(stored_platform_label(platform))


def language_label(code: str) -> str:
    """A language's name in the reader's language (``Inglés`` for ``en`` in Spanish)."""
    return t(stored_language_label(code))


# Widget and state keys.
KEY_DATES = "filters_dates"
KEY_BRANDS = "filters_brands"
KEY_PLATFORMS = "filters_platforms"
KEY_LANGS = "filters_langs"
KEY_SEGMENT = "filters_segment"
KEY_RESET = "filters_reset"
KEY_CURRENT = "filters_current"  # the Filters of this run, for current_filters()
KEY_SEEDED = "filters_seeded"  # the widgets were seeded from the link
KEY_BOUNDS = "filters_bounds"  # the default period (first, last day) when the dates widget was last drawn

# The segment select box's "All customers" (a real option: None would read "Choose an option").
ALL_SEGMENTS = 0

FILTER_PARAMS: tuple[str, ...] = (Q_FROM, Q_TO, Q_BRAND, Q_PLATFORM, Q_LANG, Q_SEGMENT)

NO_SEGMENTS_CAPTION = "Segments appear here once the scores are computed."
NO_DATA_CAPTION = "Filters appear once there is data. Import files on the Data page."


# --- what the data offers (engine: scrm.views.data) -----------------------------------------
# FilterOptions, filter_options and SEGMENT_PROFILES live in scrm.views.data (no
# Streamlit), where ``python -m scrm score`` can store them; re-exported here.


@st.cache_data(max_entries=16, show_spinner=False)
def load_default_period(db_path: str, data_version: int) -> tuple[date, date, str | None] | None:
    """The default period (first day, last day, a note on sources that end elsewhere), or None without data."""
    with ui.connection(db_path) as db:
        period = overview.default_period(db)
    if period is None:
        return None
    return date.fromisoformat(period[0]), date.fromisoformat(period[1]), period[2]


def _default_dates(options: FilterOptions) -> tuple[date, date] | None:
    """The dates every page starts on (see the module docstring)."""
    path = ui.current_db_path()
    period = load_default_period(path, ui.current_version(path))
    if period is not None:
        return period[0], period[1]
    if options.first_day is not None and options.last_day is not None:
        return options.first_day, options.last_day
    return None


@st.cache_data(max_entries=16, show_spinner=False)
def load_filter_options(db_path: str, data_version: int) -> FilterOptions:
    """:func:`filter_options`, cached per database and data version."""
    with ui.connection(db_path) as db:
        # Stored per data version: at a million mentions the scans cost seconds
        # on every server start (see scrm.views.data.stored).
        return browse.stored_filter_options(db)


# --- widgets and the link ---------------------------------------------------------------


def _known(values: Sequence[str], allowed: Sequence[str], what: str, warnings: list[str]) -> list[str]:
    kept = [v for v in values if v in allowed]
    for value in values:
        if value not in allowed:
            warnings.append(
                f"The link's {what} '{value}' does not occur in the data; it is left out of the filters."
            )
    return kept


def _seed_from_link(options: FilterOptions) -> list[str]:
    """Widget state from the address's query parameters; returns warnings to show."""
    warnings: list[str] = []
    try:
        link = from_query(st.query_params.to_dict())
    except ConfigError as e:
        warnings.append(f"{e} The filters start from their defaults.")
        link = Filters()
    default = _default_dates(options)
    if default is not None:
        start = date.fromisoformat(link.date_from) if link.date_from else default[0]
        end = date.fromisoformat(link.date_to) if link.date_to else default[1]
        if link.date_from and not link.date_to and options.last_day is not None:
            end = max(default[1], start)  # "from a day on": up to the day the data agrees on
        st.session_state[KEY_DATES] = (start, end)
        st.session_state[KEY_BOUNDS] = default
    st.session_state[KEY_BRANDS] = _known(link.brands, options.brands, "brand", warnings)
    st.session_state[KEY_PLATFORMS] = _known(link.platforms, options.platforms, "platform", warnings)
    st.session_state[KEY_LANGS] = _known(link.langs, options.langs, "language", warnings)
    segment_ids = [s[0] for s in options.segments or ()]
    if link.segment is not None and link.segment not in segment_ids:
        warnings.append(
            f"The link's segment {link.segment} does not exist in this data; showing all customers."
        )
        st.session_state[KEY_SEGMENT] = ALL_SEGMENTS
    else:
        st.session_state[KEY_SEGMENT] = ALL_SEGMENTS if link.segment is None else link.segment
    st.session_state[KEY_SEEDED] = True
    return warnings


def _follow_data(options: FilterOptions) -> None:
    """Keep the dates widget valid and, when it showed the default period, showing the new default period."""
    default = _default_dates(options)
    if default is None:
        return
    bounds = st.session_state.get(KEY_BOUNDS)
    value = st.session_state.get(KEY_DATES)
    if not isinstance(value, tuple) or not value or value == bounds:
        st.session_state[KEY_DATES] = default
    st.session_state[KEY_BOUNDS] = default


def reset_filters() -> None:
    """Dates back to the default period, every other filter to "all" (the Reset button's callback)."""
    bounds = st.session_state.get(KEY_BOUNDS)
    if bounds:
        st.session_state[KEY_DATES] = tuple(bounds)
    st.session_state[KEY_BRANDS] = []
    st.session_state[KEY_PLATFORMS] = []
    st.session_state[KEY_LANGS] = []
    st.session_state[KEY_SEGMENT] = ALL_SEGMENTS


def _filters_from_state(options: FilterOptions) -> Filters:
    date_from = date_to = None
    value = st.session_state.get(KEY_DATES)
    if options.first_day is not None and isinstance(value, tuple | list) and value:
        start = value[0]
        end = value[1] if len(value) > 1 else None
        # Both ends are passed on, so every page shows the same days; the link leaves
        # the default period out (write_link), so a shared link follows the data.
        date_from = start.isoformat()
        bounds = st.session_state.get(KEY_BOUNDS)
        fallback = bounds[1] if isinstance(bounds, tuple) and len(bounds) == 2 else options.last_day
        last_day = end or fallback
        date_to = last_day.isoformat() if last_day is not None else None
    segment = st.session_state.get(KEY_SEGMENT)
    return Filters(
        date_from=date_from,
        date_to=date_to,
        brands=tuple(st.session_state.get(KEY_BRANDS) or ()),
        platforms=tuple(st.session_state.get(KEY_PLATFORMS) or ()),
        langs=tuple(st.session_state.get(KEY_LANGS) or ()),
        segment=int(segment) if segment and options.segments else None,
    )


def write_link(f: Filters, default: tuple[date, date] | None = None) -> None:
    """Put ``f`` in the address's query parameters, leaving every other parameter alone.

    Dates equal to the ``default`` period are left out: a link without dates
    opens on the default period of the data as it is then.

    Only the filter keys are set or deleted (not ``from_dict`` over all of
    them): a page's own parameter may be bound to a widget, and Streamlit
    refuses to overwrite a bound parameter.
    """
    if default is not None and f.date_to == default[1].isoformat():
        # Ending on the day the data agrees on means "up to the data's end": the link follows new data.
        f = f.with_dates(None if f.date_from == default[0].isoformat() else f.date_from, None)
    wanted = to_query(f)
    for key in FILTER_PARAMS:
        if key not in wanted and key in st.query_params:
            del st.query_params[key]
    changed = {k: v for k, v in wanted.items() if st.query_params.get_all(k) != [v]}
    if changed:
        st.query_params.update(changed)


def _segment_label(segments: dict[int, tuple[Message | str, int]]) -> Any:
    # Words translated now, in the script run: a format function may be called outside it.
    everyone, language = t("All customers"), lang()

    def label(segment_id: int) -> str:
        if segment_id == ALL_SEGMENTS:
            return everyone
        description, size = segments.get(segment_id, ("", 0))
        # The size goes in a caption below: the sidebar is narrow.
        if not description:
            return translate("Segment {n}", language, n=segment_id)
        return f"{segment_id} · {translate_segment_description(description, language)}"

    return label


def _count_active(f: Filters, default: tuple[date, date] | None = None) -> int:
    dates = f.date_from is not None or f.date_to is not None
    if default is not None and (f.date_from, f.date_to) == (default[0].isoformat(), default[1].isoformat()):
        dates = False
    return sum([dates, bool(f.brands), bool(f.platforms), bool(f.langs), f.segment is not None])


def period_caption(chosen: object, default: tuple[date, date, str | None] | None, language: str = "en") -> str:
    """What the sidebar says under the dates: the period every page is showing, and whether it is the default.

    >>> period_caption((date(2026, 9, 6), date(2026, 10, 5)), (date(2026, 9, 6), date(2026, 10, 5), None))
    'Every page shows 6 Sep 2026 – 5 Oct 2026: the default period (the last 30 days of data, set on the Settings page).'
    """
    if not isinstance(chosen, tuple | list) or not chosen:
        return ""
    start = chosen[0]
    end = chosen[1] if len(chosen) > 1 else (default[1] if default else start)
    if language == "en":
        shown = f"{start:%-d %b %Y} – {end:%-d %b %Y}"
    else:
        shown = F.format_date_range(start, end, language)
    if default is not None and (start, end) == (default[0], default[1]):
        days = (default[1] - default[0]).days + 1
        text = translate(
            "Every page shows {range}: the default period (the last {days} days of data, set on the Settings page).",
            language, range=shown, days=days,
        )
        if default[2]:
            text += f" {default[2]}"
    else:
        text = translate("Every page shows {range}, as picked. Reset filters returns to the default period.", language, range=shown)
    return text


def _draw(options: FilterOptions) -> None:
    first, last = options.first_day, options.last_day
    if first is not None and last is not None:
        value = st.session_state.get(KEY_DATES) or (first, last)
        # A link may ask for days outside the data: widen the bounds rather than refuse it.
        low = min([first, *[d for d in value if isinstance(d, date)]])
        high = max([last, *[d for d in value if isinstance(d, date)]])
        language = lang()
        chosen = st.date_input(
            t("Date range"),
            # The default only makes it a range picker: the state (seeded from
            # the link) decides what it shows.
            value=(first, last),
            min_value=low,
            max_value=high,
            # Day first in Spanish and French; the calendar starts its weeks where the browser's locale says.
            format="YYYY-MM-DD" if language == "en" else date_input_format(),
            key=KEY_DATES,
            help=t(
                "The data runs from {first} to {last}. Type the dates or pick them in the calendar; both ends are included.",
                first=f"{first:%d %b %Y}" if language == "en" else F.format_date(first, language),
                last=f"{last:%d %b %Y}" if language == "en" else F.format_date(last, language),
            ),
        )
        if isinstance(chosen, tuple) and len(chosen) == 1:
            st.caption(t("Pick an end date; until then the range runs to the last day of the default period."))
        path = ui.current_db_path()
        caption = period_caption(chosen, load_default_period(path, ui.current_version(path)), language)
        if caption:
            st.caption(ui.escape_markdown(caption))
    if options.brands:
        st.multiselect(
            t("Brands"),
            options.brands,
            key=KEY_BRANDS,
            placeholder=t("All brands"),
            help=t("Your brand and the competitors named in the mentions."),
        )
    if options.platforms:
        st.multiselect(
            t("Platforms"),
            options.platforms,
            key=KEY_PLATFORMS,
            format_func=platform_label,
            placeholder=t("All platforms"),
        )
    if options.langs:
        st.multiselect(
            t("Languages"),
            options.langs,
            key=KEY_LANGS,
            format_func=language_label,
            placeholder=t("All languages"),
            help=t("The language of each mention, as detected when the mentions were scored."),
        )
    if options.segments:
        messages = dict(options.segment_messages)
        by_id = {i: (description_message(d, messages.get(i)), n) for i, d, n in options.segments}
        st.selectbox(
            t("Customer segment"),
            [ALL_SEGMENTS, *by_id],
            key=KEY_SEGMENT,
            format_func=_segment_label(by_id),
            help=t("Customers grouped by value and social activity; the Segments page explains each group."),
        )
        chosen_segment = st.session_state.get(KEY_SEGMENT)
        if chosen_segment in by_id:
            description, size = by_id[chosen_segment]
            st.caption(t("{n} customers: {description}.", n=F.format_number(size, lang()),
                         description=ui.escape_markdown(translate_segment_description(description, lang()))))
    else:
        st.caption(t(NO_SEGMENTS_CAPTION))


def sidebar_filters() -> Filters:
    """Draw the filters in the sidebar, sync them with the link and return them.

    Called by ``app.py`` on every run, before the page. Warnings about the
    link appear above the page, once.
    """
    path = ui.current_db_path()
    options = load_filter_options(path, ui.current_version(path))
    if options.is_empty:
        with st.sidebar:
            st.caption(t(NO_DATA_CAPTION))
        filters = Filters()
        st.session_state[KEY_CURRENT] = filters
        return filters
    warnings = [] if st.session_state.get(KEY_SEEDED) else _seed_from_link(options)
    _follow_data(options)
    if st.session_state.get(KEY_SEGMENT) not in [ALL_SEGMENTS, *(s[0] for s in options.segments or ())]:
        st.session_state[KEY_SEGMENT] = ALL_SEGMENTS  # segments were recomputed or removed
    for sentence in warnings:
        st.warning(ui.escape_markdown(sentence), icon=":material/link_off:")
    default = _default_dates(options)
    with st.sidebar:
        active = _count_active(_filters_from_state(options), default)
        st.markdown(t("**Filters** · {n} active", n=active) if active else t("**Filters**"))
        _draw(options)
        st.button(
            t("Reset filters"),
            key=KEY_RESET,
            on_click=reset_filters,
            icon=":material/filter_alt_off:",
            disabled=active == 0,
            width="stretch",
            help=t("Back to the default period, and all brands, platforms, languages and customers."),
        )
    filters = _filters_from_state(options)
    st.session_state[KEY_CURRENT] = filters
    write_link(filters, default)
    return filters


def current_filters() -> Filters:
    """The global filters of this run, for pages (all data before the sidebar ran).

    In a page after the sidebar ran, they are what it chose, for example
    ``Filters(date_from='2026-01-01', date_to=None, brands=('Velora',), ...)``.
    Outside a page run nothing is chosen, so every filter is open:

    >>> current_filters()
    Filters(date_from=None, date_to=None, brands=(), platforms=(), langs=(), segment=None)
    """
    value = st.session_state.get(KEY_CURRENT)
    if isinstance(value, Filters):
        return value
    try:
        return from_query(st.query_params.to_dict())
    except ConfigError:
        return Filters()
