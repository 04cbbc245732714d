"""The Settings page's loaders and widgets, and the scores kept fresh without a terminal.

Recomputing
-----------
:func:`recompute_job` is one :class:`scrm.ui.BackgroundBuild` per database and
server process: "Recompute now" starts it, and :func:`keep_scores_fresh`
(called by ``app.py`` on every run) starts it after a write made in the app
when scores are pending and the "Recompute after changes" setting is on. The
thread holds the database's write lock while it scores; pages keep reading
(SQLite readers never wait for the writer) and see the new scores at their
next rerun, as the data version moves. Nothing waits for it: no page blocks.

The first version of a database this process sees is its baseline: a server
started on a database with pending scores does not recompute on its own (the
first start builds and scores the demo; a database scored elsewhere may be
large), only after a change made here, or when someone asks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from scrm import api, auth, ui
from scrm.db import schema as S
from scrm.errors import ScrmError
from scrm.ui import auth as access
from scrm.ui.language import format_number, format_percent, lang, t
from scrm.ui.notes import translate_score_status
from scrm.views import settings as V

if TYPE_CHECKING:
    from scrm.export.brand import Identity

log = logging.getLogger(__name__)

KEY_FORM = "settings_business"
KEY_RATES = "settings_rates"
KEY_RECOMPUTE = "settings_recompute"
POLL_SECONDS = 1.0
FROM_DATA = "(from the data)"
WEEKDAY_NAMES = {"monday": "Monday", "sunday": "Sunday"}
PHASE_LABEL = "Recomputing sentiment, profiles, values, themes, segments, roles, journeys, rules and alerts"


# --- loaders -------------------------------------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def load_settings(db_path: str, data_version: int) -> V.BusinessSettings:
    """:func:`scrm.views.settings.current_settings`, cached per data version (a setting change bumps it)."""
    with ui.connection(db_path) as db:
        return V.current_settings(db)


@st.cache_data(max_entries=16, show_spinner=False)
def load_pending(db_path: str, data_version: int) -> tuple[str, ...]:
    """The stages the next recompute would run (:func:`scrm.compute.pending_stages`), per data version:
    stored by ``score`` (:func:`scrm.views.settings.stored_pending_stages`), so that the first run after a
    server start does not import every compute stage."""
    with ui.connection(db_path) as db:
        return V.stored_pending_stages(db)


def load_score_status(db_path: str, data_version: int) -> V.ScoreStatus:
    """The status line (not cached: its age moves with the clock; two small reads)."""
    with ui.connection(db_path) as db:
        return V.score_status(db, list(load_pending(db_path, data_version)))


# --- recomputing in the background ----------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def recompute_job(db_path: str) -> ui.BackgroundBuild:
    """The background recompute of ``db_path``: one per database and server process, shared by every session."""
    return ui.BackgroundBuild()


@st.cache_resource(show_spinner=False)
def _baselines() -> dict[str, int]:
    """The first data version this process saw per database (see the module docstring)."""
    return {}


_BASELINE_LOCK = threading.Lock()


def _scorer(db_path: str, actor: str, role: str | None) -> ui.Build:
    def build(phase: Callable[[str], ui.Report]) -> bool:
        report = phase("score")
        with ui.connection(db_path) as db:
            api.score(db, progress=report, actor=actor, role=role)
        return True

    return build


def start_recompute(db_path: str, *, actor: str, role: str | None) -> int:
    """Start the background recompute unless it runs; the generation to watch."""
    return recompute_job(db_path).start(
        _scorer(db_path, actor, role), write_lock=ui.write_lock(db_path), name="scrm-recompute"
    )


def keep_scores_fresh(db_path: str, data_version: int) -> bool:
    """Start a background recompute after a change made in the app; True when one runs now.

    Only when "Recompute scores after changes" is on, scores are pending, and
    the data changed since this server process first saw the database. After
    a run that failed, its own writes are no change: it is not started again
    and again (the Settings page says it failed); a run that ended well leaves
    nothing pending unless a change came in meanwhile, which then gets its run.
    """
    job = recompute_job(db_path)
    status = job.status()
    if status.state == "running":
        return True
    ended = f"{db_path}#generation"
    with _BASELINE_LOCK:
        baselines = _baselines()
        if baselines.get(ended, 0) != status.generation:  # a run ended since the last look
            baselines[ended] = status.generation
            if status.state == "failed":
                baselines[db_path] = data_version
        baseline = baselines.setdefault(db_path, data_version)
    if data_version == baseline:
        return False
    settings = load_settings(db_path, data_version)
    if not settings.auto_score or not load_pending(db_path, data_version):
        return False
    with _BASELINE_LOCK:
        _baselines()[db_path] = data_version  # a failed run is not retried on every click
    start_recompute(db_path, actor=access.actor(), role=access.role() or None)
    return True


def sidebar_status(db_path: str, data_version: int) -> None:
    """One line in the sidebar while scores are being recomputed (nothing otherwise)."""
    status = recompute_job(db_path).status()
    if status.state == "running":
        fraction = status.phases[0][1] if status.phases else 0.0
        st.sidebar.caption(
            t("Recomputing the scores in the background ({percent}); pages update when it ends.",
              percent=format_percent(fraction * 100, decimals=0))
        )  # fmt: skip


def recompute_panel(db_path: str, data_version: int) -> None:
    """The status line and the "Recompute now" button (the Settings page; admins and analysts with import rights)."""
    st.subheader(t("Scores"))
    auto = load_settings(db_path, data_version).auto_score
    st.caption(
        t("Sentiment, profiles, customer value, themes, segments, roles, journeys, workflow rules and alerts.")
        + " "
        + (t("They are recomputed in the background after every change made in the app (Business tab: "
             "“Recompute scores after changes”).") if auto else
           t("Recomputing after changes is off (Business tab): use Recompute now after an import or a change."))
    )  # fmt: skip

    @st.fragment(run_every=POLL_SECONDS if recompute_job(db_path).status().state == "running" else None)
    def panel() -> None:
        job = recompute_job(db_path)
        status = job.status()
        version = ui.current_version(db_path)
        if status.state == "running":
            for _name, fraction, message in status.phases or (("score", 0.0, "Starting"),):
                st.progress(fraction, text=ui.escape_markdown(f"{PHASE_LABEL}: {message}"))
            st.caption(t("Pages stay usable meanwhile; they show the new scores once this ends."))
            return
        line = load_score_status(db_path, version)
        if status.state == "failed":
            st.error(
                t("The last recompute failed; the details are in the server log. The scores stay as they were."),
                icon=":material/error:",
            )
        icon = ":material/check_circle:" if not line.pending else ":material/schedule:"
        st.markdown(f"{icon} {ui.escape_markdown(translate_score_status(line.message or line.sentence, lang()))}")
        clicked = st.button(
            t("Recompute now"), key=KEY_RECOMPUTE, icon=":material/refresh:",
            disabled=not access.can(auth.IMPORT),
            help=t("Scores sentiment of new mentions, then recomputes profiles, customer value, themes, segments, "
            "roles, journeys, workflow rules and alerts, in the background."),
        )  # fmt: skip
        if clicked:
            start_recompute(db_path, actor=access.actor(), role=access.role() or None)
            st.rerun()  # the whole page: the fragment polls while the job runs

    panel()


# --- workspace languages (the sentiment engine's setting) ------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def load_languages(db_path: str, data_version: int) -> tuple[str, ...]:
    """The workspace languages, main first."""
    with ui.connection(db_path) as db:
        return V.workspace_languages(db)


def _language_setter(db_path: str, languages: tuple[str, ...], actor: str, role: str | None) -> ui.Build:
    def build(phase: Callable[[str], ui.Report]) -> bool:
        report = phase("score")
        report(0.0, "Storing the languages; every mention is scored again")
        with ui.connection(db_path) as db:
            api.set_sentiment_languages(db, languages, actor=actor, role=role)
        return True

    return build


def languages_form(db_path: str, data_version: int) -> None:
    """The workspace languages: saving them scores every mention again, in the background."""
    current = load_languages(db_path, data_version)
    st.subheader(t("Workspace languages"))
    st.caption(
        t("The languages your customers write in, main language first: each mention is scored in one of them, "
        "and a text too short to tell is read in the main one. Changing them scores every mention again, "
        "in the background.")
    )
    names = V.LANGUAGE_NAMES
    with st.form("settings_languages_form", border=True):
        chosen = st.multiselect(
            t("Languages (main first)"), list(V.supported_languages()), default=list(current),
            format_func=lambda c: t(names.get(c) or str(c)), key="settings_languages",
        )  # fmt: skip
        saved = st.form_submit_button(t("Save languages"), icon=":material/translate:")
    if not saved:
        return
    if not chosen:
        st.error(t("Choose at least one language; the first is the main one."), icon=":material/error:")
        return
    if tuple(chosen) == tuple(current):
        st.toast(t("Nothing changed."), icon=":material/check:")
        return
    job = recompute_job(db_path)
    if job.status().state == "running":
        st.warning(t("Scores are being recomputed; save the languages again when that ends."), icon=":material/schedule:")
        return
    job.start(
        _language_setter(db_path, tuple(chosen), access.actor(), access.role() or None),
        write_lock=ui.write_lock(db_path), name="scrm-languages",
    )  # fmt: skip
    st.toast(t("Languages saved: every mention is being scored again in the background."), icon=":material/translate:")


# --- the accurate sentiment mode's time budget ----------------------------------------------------------

# Which languages' heads run here (their encoders are installed), then what the mode does.
ACCURATE_LANGUAGES = {
    ("es", "fr"): "The accurate mode is installed for Spanish and French mentions.",
    ("es",): "The accurate mode is installed for Spanish mentions.",
    ("fr",): "The accurate mode is installed for French mentions.",
}
ACCURATE_INSTALLED = (
    "After each score run, a larger multilingual model takes a second look at them where it matters most: "
    "the mentions of your most valuable customers, negatives the fast model is unsure of (they could open a "
    "rescue case or an alert), then scores close to a label boundary (in French, where it does better than "
    "the fast model on every kind of text, all the others next). It stops when the time below is spent and "
    "goes on at the next run; each mention records which model scored it."
)
ACCURATE_MISSING = (
    "The accurate mode is not installed on this server, so this time has no effect: every mention is scored "
    "by the fast models. Once it is installed (see “Accurate mode” in the README), a larger multilingual "
    "model takes a second look, after each score run, at the Spanish and French mentions where it matters "
    "most: valuable customers, doubtful negatives, scores close to a label boundary."
)


@st.cache_data(max_entries=16, show_spinner=False)
def load_accurate_seconds(db_path: str, data_version: int) -> float:
    """The accurate mode's time budget per score run, in seconds (the setting, else the default)."""
    from scrm.analysis.sentiment import accurate

    with ui.connection(db_path) as db:
        return accurate.time_budget(db)


def accurate_form(db_path: str, data_version: int) -> None:
    """The accurate sentiment mode: whether it is installed, what it does, and its time budget (one save)."""
    from scrm.analysis.sentiment import accurate

    seconds = load_accurate_seconds(db_path, data_version)
    setting = V.business.SETTING_BY_KEY[S.META_SENTIMENT_ACCURATE_SECONDS]
    low, high = V.business.ACCURATE_SECONDS_RANGE
    st.subheader(t("Accurate sentiment"))
    running = tuple(sorted(accurate.heads()))
    if running in ACCURATE_LANGUAGES:
        st.caption(t(ACCURATE_LANGUAGES[running]) + " " + t(ACCURATE_INSTALLED))
    else:
        st.caption(t(ACCURATE_MISSING))
    with st.form("settings_accurate_form", border=True, width=520):
        chosen = st.number_input(
            t(setting.label), min_value=int(low), max_value=int(high), step=5, value=int(round(seconds)),
            key="settings_accurate_seconds", help=t(setting.help),
        )  # fmt: skip
        saved = st.form_submit_button(t("Save time budget"), icon=":material/timer:")
    if not saved:
        return
    try:
        with ui.connection(db_path) as db:
            changed = api.save_settings(
                db, {S.META_SENTIMENT_ACCURATE_SECONDS: chosen}, actor=access.actor(), role=access.role() or None
            )  # fmt: skip
    except ScrmError as e:
        ui.show_error(e, kept_input=True)
        return
    if not changed:
        st.toast(t("Nothing changed."), icon=":material/check:")
        return
    st.toast(
        t("Accurate mode turned off.") if not chosen
        else t("Saved: the accurate mode may take {seconds} s per score run.", seconds=format_number(int(chosen))),
        icon=":material/check:",
    )  # fmt: skip
    st.rerun()


# --- the business settings form -------------------------------------------------------------------------


def _rates_rows(s: V.BusinessSettings) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {"currency": r.currency, "rate": r.rate, "as_of": date.fromisoformat(r.as_of)} for r in s.rates
    ]
    for code, _ in V.missing_rates(s):
        rows.append({"currency": code, "rate": None, "as_of": date.today()})
    return rows


def business_form(db_path: str, data_version: int) -> None:
    """Own brand, competitors, currency and rates, week start, time zone, default period: one form, one save."""
    s = load_settings(db_path, data_version)
    st.subheader(t("Business"))
    st.caption(
        t("What the figures of every page assume. A change applies at once, to every page and to the report.")
    )
    missing = V.missing_rates(s)
    if missing and s.currency_used:
        left_out = ", ".join(
            t("{code} ({n} order)", code=code, n=format_number(n)) if n == 1
            else t("{code} ({n} orders)", code=code, n=format_number(n))
            for code, n in missing
        )  # fmt: skip
        st.warning(
            ui.escape_markdown(
                t("Orders in {left_out} are left out of revenue and other money figures: give their exchange rate "
                  "to {currency} below.", left_out=left_out, currency=s.currency_used)
            ),
            icon=":material/currency_exchange:",
        )
    with st.form(KEY_FORM, border=True):
        brand_choices = [FROM_DATA, *s.brands]
        if s.own_brand and s.own_brand not in brand_choices:
            brand_choices.append(s.own_brand)
        left, right = st.columns(2)
        with left:
            brand = st.selectbox(
                t("Own brand"), brand_choices, index=brand_choices.index(s.own_brand) if s.own_brand else 0,
                key="settings_own_brand",
                format_func=lambda b: t("The most-mentioned brand (from the data): {brand}", brand=s.own_brand_used)
                if b == FROM_DATA and s.own_brand_used else (t("The most-mentioned brand") if b == FROM_DATA else b),
                help=t(V.business.SETTING_BY_KEY[S.META_OWN_BRAND].help),
            )  # fmt: skip
            others = [b for b in s.brands if b != (brand if brand != FROM_DATA else s.own_brand_used)]
            competitors = st.multiselect(
                t("Competitors"), sorted(set(others) | set(s.competitors)), default=list(s.competitors),
                key="settings_competitors", placeholder=t("Every other brand in the mentions"),
                help=t(V.business.SETTING_BY_KEY[S.META_COMPETITORS].help),
            )  # fmt: skip
            currencies = sorted({*(c for c, _ in s.order_currencies), *([s.reporting_currency] if s.reporting_currency else [])})
            currency_choices = [FROM_DATA, *currencies]
            currency = st.selectbox(
                t("Reporting currency"), currency_choices,
                index=currency_choices.index(s.reporting_currency) if s.reporting_currency in currency_choices else 0,
                key="settings_currency",
                format_func=lambda c: (t("The most frequent order currency: {currency}", currency=s.currency_used)
                                       if s.currency_used else t("The most frequent order currency"))
                if c == FROM_DATA else c,
                help=t(V.business.SETTING_BY_KEY[S.META_REPORTING_CURRENCY].help),
            )  # fmt: skip
        with right:
            week = st.selectbox(
                t("Week starts on"), list(V.WEEK_STARTS), index=list(V.WEEK_STARTS).index(s.week_start),
                format_func=lambda day: t(WEEKDAY_NAMES[str(day)]), key="settings_week_start",
                help=t(V.business.SETTING_BY_KEY[S.META_WEEK_START].help),
            )  # fmt: skip
            zones = V.time_zones()
            zone = st.selectbox(
                t("Time zone"), zones, index=zones.index(s.time_zone) if s.time_zone in zones else 0,
                key="settings_time_zone", help=t(V.business.SETTING_BY_KEY[S.META_TIME_ZONE].help),
            )  # fmt: skip
            period = st.selectbox(
                t("Default period"), list(V.PERIOD_CHOICES), index=list(V.PERIOD_CHOICES).index(s.default_period_days),
                format_func=lambda d: t("The last {days} days", days=d), key="settings_default_period",
                help=t(V.business.SETTING_BY_KEY[S.META_DEFAULT_PERIOD].help),
            )  # fmt: skip
            auto = st.toggle(
                t("Recompute scores after changes"), value=s.auto_score, key="settings_auto_score",
                help=t(V.business.SETTING_BY_KEY[S.META_AUTO_SCORE].help),
            )  # fmt: skip
            low, high = V.business.ALERT_DAILY_CAP_RANGE
            cap = st.number_input(
                t("Alerts a day per kind"), min_value=low, max_value=high, step=1, value=s.alert_daily_cap,
                key="settings_alert_daily_cap", help=t(V.business.SETTING_BY_KEY[S.META_ALERT_DAILY_CAP].help),
            )  # fmt: skip
        st.markdown(t("**Exchange rates**"))
        target = s.currency_used if currency == FROM_DATA else currency
        st.caption(
            ui.escape_markdown(
                t("What one unit of each currency is worth in {currency}, and the date of that rate (the figures "
                  "name both). Add a row for a new currency; delete a row to drop its rate.",
                  currency=target or t("the reporting currency"))
            )
        )
        rates = st.data_editor(
            pd.DataFrame(_rates_rows(s), columns=["currency", "rate", "as_of"]),
            num_rows="dynamic", hide_index=True, key=KEY_RATES, width=520, placeholder="—",
            column_config={
                "currency": st.column_config.TextColumn(t("Currency"), help=t("Three letters, such as GBP."), max_chars=3),
                "rate": st.column_config.NumberColumn(t("Rate"), min_value=0.0, format="%.6g"),
                "as_of": st.column_config.DateColumn(t("Date of the rate"), format="YYYY-MM-DD"),
            },
        )  # fmt: skip
        saved = st.form_submit_button(t("Save settings"), icon=":material/save:", type="primary")
    if not saved:
        return
    changes: dict[str, object] = {
        S.META_OWN_BRAND: None if brand == FROM_DATA else brand,
        S.META_COMPETITORS: list(competitors),
        S.META_REPORTING_CURRENCY: None if currency == FROM_DATA else currency,
        S.META_WEEK_START: week,
        S.META_TIME_ZONE: zone,
        S.META_DEFAULT_PERIOD: period,
        S.META_AUTO_SCORE: bool(auto),
        S.META_ALERT_DAILY_CAP: int(cap),
    }
    table = pd.DataFrame(rates)
    pairs: dict[str, tuple[object, object]] = {}
    for row in table.to_dict("records"):
        code = str(row.get("currency") or "").strip()
        if not code and (row.get("rate") is None or pd.isna(row.get("rate"))):
            continue  # an empty row
        blank = row.get("rate") is None or pd.isna(row.get("rate"))
        if blank and code.upper() in {c for c, _ in missing}:
            continue  # a suggested row left blank: that currency keeps no rate
        day = row.get("as_of")
        pairs[code] = ("" if blank else row.get("rate"), "" if day is None or pd.isna(day) else day)
    changes[S.META_EXCHANGE_RATES] = pairs
    if currency == FROM_DATA and s.currency_used:
        changes[S.META_REPORTING_CURRENCY] = None
    try:
        with ui.connection(db_path) as db:
            # Rates are checked against the currency the figures will use.
            check = dict(changes)
            check[S.META_REPORTING_CURRENCY] = currency if currency != FROM_DATA else (s.currency_used or "")
            V.business.check_settings(check)
            changed = api.save_settings(db, changes, actor=access.actor(), role=access.role() or None)
    except ScrmError as e:
        ui.show_error(e, kept_input=True)
        return
    st.toast(t("Settings saved.") if changed else t("Nothing changed."), icon=":material/check:")
    st.rerun()


# --- the report's brand identity (the stakeholder report, scrm.export) ---------------------------


@st.cache_data(show_spinner=False, max_entries=4)
def load_report_identity(db_path: str, data_version: int) -> Identity:
    """The report's brand name, logo and accent colour as saved (:mod:`scrm.export.brand`)."""
    from scrm.export.brand import identity

    with ui.connection(db_path) as db:
        return identity(db)


def report_brand_form(db_path: str, data_version: int) -> None:
    """The report's name, accent colour and logo (PNG or JPEG, size-capped), one save through the API."""
    from scrm.export.brand import MAX_LOGO_BYTES

    current = load_report_identity(db_path, data_version)
    st.subheader(t("Report branding"))
    st.caption(t("The name, logo and colour the HTML and PDF reports carry."))
    with st.form("settings_report_brand", border=True):
        left, right = st.columns(2)
        with left:
            name = st.text_input(
                t("Brand name on the report"), value=current.name or "", max_chars=80, key="settings_report_name",
                placeholder=t("The own brand"),
            )  # fmt: skip
            accent = st.color_picker(t("Accent colour"), value=current.accent, key="settings_report_accent")
        with right:
            if current.logo_bytes:
                st.image(current.logo_bytes, width=120)
            logo = st.file_uploader(
                t("Logo (PNG or JPEG, at most {kb} kB)", kb=MAX_LOGO_BYTES // 1000), type=["png", "jpg", "jpeg"],
                key="settings_report_logo",
            )  # fmt: skip
            clear = bool(current.logo) and st.checkbox(t("Remove the logo"), key="settings_report_logo_clear")
        saved = st.form_submit_button(t("Save report branding"), icon=":material/save:")
    if not saved:
        return
    try:
        with ui.connection(db_path) as db:
            api.save_report_brand(
                db, name=name, accent=accent, logo=logo.getvalue() if logo is not None else None, clear_logo=clear,
                actor=access.actor(), role=access.role() or None,
            )  # fmt: skip
    except ScrmError as e:
        ui.show_error(e, kept_input=True)
        return
    st.toast(t("Report branding saved."), icon=":material/check:")
    st.rerun()

