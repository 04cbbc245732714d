"""The reader's interface language: chosen per person, the browser's by default, remembered.

Order of precedence, first found wins:

1. the address's ``ui_lang`` query parameter (a bookmark or a shared link keeps it);
2. the choice made in the sidebar during this visit;
3. the browser's language (``st.context.locale``, else the ``Accept-Language`` header);
4. English.

The sidebar selector writes the choice back to the address, so a reload, a
bookmark or a page switch keeps it. Pages call :func:`lang` for the code and
:func:`t` for a translated sentence; money, numbers and dates go through the
``format_*`` helpers, which write them the way the reader's locale does.
"""

from __future__ import annotations

import contextlib
import weakref

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from scrm.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, normalise_language
from scrm.i18n import formats as F
from scrm.i18n import t as translate

QUERY_KEY = "ui_lang"  # "lang" is the mentions' language filter
STATE_KEY = "app_lang"  # the language picked in this visit
WIDGET_KEY = "app_lang_select"


def _offered(tag: str | None) -> str | None:
    """The offered language a tag names (``fr-CA`` -> ``fr``), or None when it names none."""
    base = (tag or "").replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else None


def browser_language(locale: str | None, accept_language: str | None) -> str:
    """The first offered language among the browser's locale and its ``Accept-Language`` list; English otherwise.

    >>> browser_language("es-ES", None), browser_language(None, "de-DE,de;q=0.9,fr;q=0.8"), browser_language(None, None)
    ('es', 'fr', 'en')
    """
    if found := _offered(locale):
        return found
    for part in (accept_language or "").split(","):
        if found := _offered(part.split(";")[0]):
            return found
    return DEFAULT_LANGUAGE


def _from_browser() -> str:
    locale = getattr(st.context, "locale", None)
    try:
        accept = st.context.headers.get("Accept-Language")
    except Exception:  # no request behind this run (a test harness)
        accept = None
    return browser_language(locale if isinstance(locale, str) else None, accept)


# The language of each run, keyed on an object Streamlit makes anew for every run: a page calls
# t() hundreds of times, and reading the address and the headers each time was most of a warm
# rerun (Advocates at 100k mentions on a busy machine: 3.1 s, then 0.13-0.5 s).
_RUN_LANGUAGE: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()


def lang() -> str:
    """The interface language of this run: ``en``, ``es`` or ``fr``."""
    run = getattr(get_script_run_ctx(), "parallel_coordinator", None)
    if run is None:
        return _lang()
    # The selector's choice is stored by its callback, before the run: one answer per run.
    found = _RUN_LANGUAGE.get(run)
    if found is not None:
        return found
    found = _lang()
    with contextlib.suppress(TypeError):  # not weakly referable in another Streamlit version: no memo
        _RUN_LANGUAGE[run] = found
    return found


def _lang() -> str:
    asked = _offered(st.query_params.get(QUERY_KEY))
    if asked:
        st.session_state[STATE_KEY] = asked
        return asked
    chosen = st.session_state.get(STATE_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return _from_browser()


def t(text: str, /, **values: object) -> str:
    """``text`` in the reader's language (English when its catalog has none), with ``values`` filled in."""
    return translate(text, lang(), **values)


def _picked() -> None:
    """The selector's callback: remember the choice for the visit and in the address."""
    chosen = normalise_language(st.session_state.get(WIDGET_KEY))
    st.session_state[STATE_KEY] = chosen
    st.query_params[QUERY_KEY] = chosen


def language_selector() -> str:
    """The sidebar's language selector; returns the language in force."""
    current = lang()
    st.session_state[WIDGET_KEY] = current
    st.sidebar.selectbox(
        translate("Interface language", current),
        LANGUAGES,
        key=WIDGET_KEY,
        format_func=lambda code: LANGUAGE_NAMES.get(code, code),
        on_change=_picked,
        help=translate(
            "The language of the interface, and how numbers, amounts and dates are written. "
            "By default, your browser's language.",
            current,
        ),
    )
    # Keep the choice in the address once it differs from the browser's: reloads and bookmarks keep it.
    if current != _from_browser() and st.query_params.get(QUERY_KEY) != current:
        st.query_params[QUERY_KEY] = current
    return current


# --- locale formats for the reader -------------------------------------------------------


def format_number(value: float | int | None, *, decimals: int = 0) -> str:
    """A number in the reader's locale (``1.234`` in Spanish)."""
    return F.format_number(value, lang(), decimals=decimals)


def format_percent(value: float | int | None, *, decimals: int = 1) -> str:
    """A value in percent in the reader's locale (``12,5 %``)."""
    return F.format_percent(value, lang(), decimals=decimals)


def format_money(value: float | int | None, currency: str | None, *, decimals: int = 2) -> str:
    """An amount in the reader's locale (``1.234,50 €``)."""
    return F.format_money(value, currency, lang(), decimals=decimals)


def format_date(day: F.Day | None) -> str:
    """A day in the reader's locale (``2 oct. 2026``)."""
    return F.format_date(day, lang())


def date_input_format() -> str:
    """The ``format`` for ``st.date_input`` in the reader's language (the calendar's first weekday follows the browser)."""
    return F.date_input_format(lang())
