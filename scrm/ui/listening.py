"""Cached loaders of the Listening and Alerts pages (keyed on database path, data version and filters).

Each loader opens the database, calls one engine function of
:mod:`scrm.views.listening` or :mod:`scrm.db.search` and returns its frame; the
data version in every key means a new import is seen on the next rerun
(see :mod:`scrm.ui`). The global filters come from :mod:`scrm.ui.filters`
and are part of every key (``Filters`` is frozen and hashable).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scrm import api, auth
from scrm.analysis.sentiment import adjust
from scrm.db import schema as S
from scrm.db import search
from scrm.db.filters import Filters
from scrm.errors import ScrmError
from scrm.export import files as exports
from scrm.i18n import formats as F
from scrm.i18n import t as translate
from scrm.ui import connection, escape_markdown, show_error, write_lock
from scrm.ui.language import lang, t
from scrm.ui.missing import dataframe as show_table
from scrm.ui.missing import fill_missing
from scrm.views import listening

_MAX_ENTRIES = 16
# Searches vary more than filters do: keep more of them, they are small.
_MAX_SEARCHES = 64


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_has_scores(db_path: str, data_version: int) -> bool:
    """Whether any mention has a sentiment label yet."""
    with connection(db_path) as db:
        return listening.has_scores(db)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_mention_count(db_path: str, data_version: int) -> int:
    """Mentions stored (any filter)."""
    with connection(db_path) as db:
        return int(db.execute(f"SELECT count(*) FROM {S.MENTIONS}").fetchone()[0])


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner="Counting mentions per period…")
def load_volume(db_path: str, data_version: int, filters: Filters, by: listening.GroupBy, period: listening.Period) -> pd.DataFrame:
    """:func:`scrm.views.listening.volume_over_time`."""
    with connection(db_path) as db:
        return listening.volume_over_time(db, filters, by=by, period=period)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_volume_by_source(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """:func:`scrm.views.listening.volume_by_source`."""
    with connection(db_path) as db:
        return listening.volume_by_source(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_share_of_voice(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """:func:`scrm.views.listening.share_of_voice`."""
    with connection(db_path) as db:
        return listening.share_of_voice(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_topics(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """:func:`scrm.views.listening.topic_summary`."""
    with connection(db_path) as db:
        return listening.topic_summary(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_subjects(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """:func:`scrm.views.listening.subject_summary`."""
    with connection(db_path) as db:
        return listening.subject_summary(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_top_authors(
    db_path: str, data_version: int, filters: Filters, limit: int = 25, rank_by: listening.AuthorRank = "mentions"
) -> pd.DataFrame:
    """:func:`scrm.views.listening.top_authors`."""
    with connection(db_path) as db:
        return listening.top_authors(db, filters, limit=limit, rank_by=rank_by)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_places(db_path: str, data_version: int, filters: Filters) -> listening.PlacesSummary:
    """:func:`scrm.views.listening.mention_places`."""
    with connection(db_path) as db:
        return listening.mention_places(db, filters)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_modes(db_path: str, data_version: int, filters: Filters) -> pd.DataFrame:
    """:func:`scrm.views.listening.communication_modes`."""
    with connection(db_path) as db:
        return listening.communication_modes(db, filters)


@st.cache_data(max_entries=_MAX_SEARCHES, show_spinner="Searching the mentions…")
def load_search(
    db_path: str,
    data_version: int,
    query: str,
    filters: Filters,
    labels: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
    limit: int = search.DEFAULT_LIMIT,
) -> search.SearchResult:
    """:func:`scrm.db.search.search_mentions`; the first search after new data refreshes the index."""
    with connection(db_path) as db:
        if search.to_fts_query(query) is not None:
            # The index refresh writes: one session at a time, like the app's other writes.
            with write_lock(db_path):
                search.refresh_index(db)
        return search.search_mentions(db, query, filters, limit, labels=labels, kinds=kinds, refresh=False)


@st.cache_data(max_entries=_MAX_SEARCHES, show_spinner=False)
def load_mention(db_path: str, data_version: int, mention_id: str) -> dict[str, Any] | None:
    """:func:`scrm.db.search.mention_detail`."""
    with connection(db_path) as db:
        return search.mention_detail(db, mention_id)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_alerts(
    db_path: str,
    data_version: int,
    filters: Filters,
    kinds: tuple[str, ...] = (),
    brands: tuple[str, ...] = (),
    platforms: tuple[str, ...] = (),
) -> pd.DataFrame:
    """:func:`scrm.views.listening.alerts_feed`."""
    with connection(db_path) as db:
        return listening.alerts_feed(db, filters, kinds=kinds, brands=brands, platforms=platforms)


@st.cache_data(max_entries=_MAX_SEARCHES, show_spinner=False)
def load_alert_series(db_path: str, data_version: int, alert_id: int, _alert: dict[str, Any]) -> pd.DataFrame:
    """:func:`scrm.views.listening.alert_series` of one alert (keyed on its id)."""
    with connection(db_path) as db:
        return listening.alert_series(db, _alert)


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_options(db_path: str, data_version: int) -> tuple[list[str], list[str]]:
    """Brands and platforms of the mentions (:func:`scrm.views.listening.brand_and_platform_options`)."""
    with connection(db_path) as db:
        return listening.stored_brand_and_platform_options(db)


def download_buttons(frame: pd.DataFrame, file_stem: str, key: str) -> None:
    """CSV and Excel download buttons for ``frame`` (formula cells neutralised by :mod:`scrm.export.files`).

    The files are built only when clicked (callable data). Roles without
    ``auth.EXPORT`` get a one-line caption instead; a click is recorded in the
    audit log (file name and row count).
    """
    from scrm.ui import auth as access

    if not access.export_allowed():
        return
    left, right = st.columns(2)
    left.download_button(
        t("Download CSV"),
        access.audited(lambda: exports.to_csv_bytes(frame), f"{file_stem}.csv", rows=len(frame)),
        f"{file_stem}.csv", "text/csv",
        key=f"{key}_csv", icon=":material/download:", width="stretch", disabled=frame.empty,
        on_click="ignore",
    )
    right.download_button(
        t("Download Excel"),
        access.audited(lambda: exports.to_xlsx_bytes(frame, file_stem), f"{file_stem}.xlsx", rows=len(frame)),
        f"{file_stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx", icon=":material/download:", width="stretch", disabled=frame.empty,
        on_click="ignore",
    )


# --- one-click sentiment corrections (Listening, Customer 360, Alerts, Rescue queue) ------------

# Correcting a label is acting on a mention: the analyst's permission, the one cases need.
CORRECT = auth.CASES
SENTIMENT_NAMES = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative", "unscored": "Not scored"}
CORRECT_TO = {"positive": "It is positive", "neutral": "It is neutral", "negative": "It is negative"}
CORRECTED = {
    "positive": "Corrected to positive; the figures use it now.",
    "neutral": "Corrected to neutral; the figures use it now.",
    "negative": "Corrected to negative; the figures use it now.",
}
_ICONS = {"positive": ":material/sentiment_satisfied:", "neutral": ":material/sentiment_neutral:",
          "negative": ":material/sentiment_dissatisfied:"}  # fmt: skip
_FLASH = "sentiment_correction_flash"


def sentiment_text(label: object, confidence: object, language: str = "en") -> str:
    """A label with its confidence in percent: ``Negative (83% sure)``; no percent without one.

    >>> sentiment_text("negative", 0.834), sentiment_text("unscored", None), sentiment_text("negative", 0.834, "fr")
    ('Negative (83% sure)', 'Not scored', 'Négatif (fiable à 83\xa0%)')
    """
    name = translate(SENTIMENT_NAMES[str(label)], language) if str(label) in SENTIMENT_NAMES else str(label)
    try:
        value = float(confidence)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return name
    if value != value:
        return name
    sure = f"{value:.0%}" if language == "en" else F.format_percent(value * 100, language, decimals=0)
    return translate("{name} ({sure} sure)", language, name=name, sure=sure)


@st.cache_data(max_entries=_MAX_SEARCHES, show_spinner=False)
def load_mention_sentiment(db_path: str, data_version: int, mention_id: str) -> dict[str, Any] | None:
    """:func:`scrm.views.listening.mention_sentiment`."""
    with connection(db_path) as db:
        return listening.mention_sentiment(db, mention_id)


def sentiment_corrector(db_path: str, data_version: int, mention_id: str, *, key: str) -> None:
    """A mention's label with its confidence, and one button per other label to correct it.

    The correction is written through :func:`scrm.api.correct_sentiment` (audited); it wins in
    every KPI and page at once and survives every re-scoring. Roles without :data:`CORRECT`
    see the label only, with a sentence saying who may correct it.
    """
    from scrm.ui import auth as access

    flash = st.session_state.pop(_FLASH, None)
    if flash and flash[0] == mention_id:
        st.success(escape_markdown(flash[1]), icon=":material/check_circle:")
    found = load_mention_sentiment(db_path, data_version, mention_id)
    if found is None:
        return
    label = str(found["label"])
    if found["corrected_by"]:
        language = lang()
        day = str(found["corrected_at"] or "")[:10]
        st.caption(escape_markdown(t(
            "Sentiment: {label}, corrected by {who} on {day} (the model said {was}).",
            label=sentiment_text(label, None, language), who=found["corrected_by"],
            day=F.format_date(day, language) if day else F.MISSING,
            was=sentiment_text(found["model_label"] or "unscored", None, language).lower(),
        )))  # fmt: skip
    else:
        st.caption(escape_markdown(t("Sentiment: {label}.", label=sentiment_text(label, found["confidence"], lang()))))
    if not access.can(CORRECT):
        st.caption(escape_markdown(t(
            "Your role ({role}) cannot correct a sentiment label. "
            "Ask an admin to give you the analyst role in the access settings.",
            role=access.role() or t("none"),
        )))  # fmt: skip
        return
    cols = st.columns(3)
    for col, choice in zip(cols, ("positive", "neutral", "negative"), strict=True):
        if col.button(
            t(CORRECT_TO[choice]), key=f"{key}_{choice}", icon=_ICONS[choice],
            disabled=choice == label, width="stretch",
            help=t("Correct the label: it wins in every figure and is kept when the scores are recomputed."),
        ):
            try:
                with connection(db_path) as db:
                    api.correct_sentiment(db, mention_id, choice, actor=access.actor(), role=access.role() or None)
            except ScrmError as e:
                show_error(e)
                return
            st.session_state[_FLASH] = (mention_id, t(CORRECTED[choice]))
            st.rerun()


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_sentiment_accuracy(db_path: str, data_version: int) -> listening.SentimentAccuracy:
    """:func:`scrm.views.listening.sentiment_accuracy`."""
    with connection(db_path) as db:
        return listening.sentiment_accuracy(db)


_LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French"}


def _language_name(code: object) -> str:
    return t(_LANGUAGE_NAMES[str(code)]) if str(code) in _LANGUAGE_NAMES else str(code)


def accuracy_panel(db_path: str, data_version: int) -> None:
    """The "How accurate is this?" expander: per language the held-out macro-F1 with its interval, the
    confusion matrix and detection accuracy (recorded when the models were trained), then the
    workspace's own accuracy on its corrections and their download as labelled data."""
    from scrm.ui import auth as access

    found = load_sentiment_accuracy(db_path, data_version)
    language = lang()

    def number(value: float, decimals: int) -> str:
        return F.format_number(value, language, decimals=decimals)

    with st.expander(t("How accurate is this?"), icon=":material/fact_check:"):
        if not found.card:
            st.caption(t("The accuracy figures of the sentiment models are not available in this installation."))
        else:
            st.caption(
                t("Measured when the models were trained, on labelled texts no setting was chosen on, scored as your "
                  "mentions are (language detected, never forced). Macro-F1 averages how well each of the three labels "
                  "is found: 1 is perfect, about 0.33 is guessing.")
            )
            summary = pd.DataFrame([
                {t("Language"): _language_name(code), t("Macro-F1"): number(e["macro_f1"], 2),
                 t("95% interval"): t("{low} to {high}", low=number(e["interval"][0], 2), high=number(e["interval"][1], 2)),
                 t("Language detected right"): F.format_percent(e["detection_accuracy"] * 100, language),
                 t("Texts"): number(e["texts"], 0), t("Checked on"): t(e["data"])}
                for code, e in found.card.items()
            ])  # fmt: skip
            show_table(summary, hide_index=True, width="stretch")
            st.caption(t("Confusion matrices: texts per true label (rows) and the label given (columns)."))
            for code, entry in found.card.items():
                confusion = entry["confusion"]
                matrix = pd.DataFrame(
                    confusion["rows"], columns=[t("Said {label}", label=sentiment_text(c, None, language).lower()) for c in confusion["columns"]],
                    index=[t("Really {label}", label=sentiment_text(c, None, language).lower()) for c in confusion["classes"]],
                )  # fmt: skip
                st.markdown(f"**{_language_name(code)}**")
                show_table(matrix, width="stretch")
        st.markdown("**" + t("On your own corrections") + "**")
        if found.workspace.empty:
            st.caption(
                t("No corrections yet. When a label is wrong, correct it on a mention (Mention explorer, Customer 360, "
                  "Alerts or the Rescue queue): your corrections measure the model on your own data.")
            )
            return
        shown = found.workspace.assign(
            lang=found.workspace["lang"].map(_language_name),
            accuracy=found.workspace["accuracy"].astype(float),
        )
        show_table(
            fill_missing(shown), hide_index=True, width="stretch",
            column_config={
                "lang": t("Language"), "corrections": st.column_config.NumberColumn(t("Corrections"), format="localized"),
                "model_right": st.column_config.NumberColumn(t("Model was right"), format="localized",
                                                             help=t("A person confirmed the model's label.")),
                "accuracy": st.column_config.NumberColumn(t("Share right"), format="percent"),
                "adjusted_before": st.column_config.NumberColumn(t("Macro-F1 before adjustment"), format="%.2f",
                                                                 help=t("The model on your corrections, when the adjustment was learnt.")),
                "adjusted_after": st.column_config.NumberColumn(t("Macro-F1 with adjustment"), format="%.2f",
                                                                help=t("Cross-validated on your corrections; “—”: no adjustment in use.")),
            },
        )  # fmt: skip
        st.caption(
            t("People mostly correct wrong labels, so the share right is lower than on all your mentions; it shows "
              "where the model misreads your customers.")
        )
        if access.export_allowed():
            frame = found.corrections
            st.download_button(
                t("Download the corrections (CSV: text, lang, label)"),
                access.audited(lambda: exports.to_csv_bytes(frame), "sentiment-corrections.csv", rows=len(frame)),
                "sentiment-corrections.csv", "text/csv", key="listening_corrections_csv",
                icon=":material/download:", on_click="ignore",
            )  # fmt: skip


def train_panel(db_path: str, data_version: int) -> None:
    """The admin's "Learn from the corrections" button (Settings): :func:`scrm.api.train_sentiment`."""
    from scrm.ui import auth as access

    st.subheader(t("Learn from the corrections"))
    st.caption(t(
        "Fits a small adjustment of the sentiment model per language on your team's corrections. It is used only "
        "where it does better than the model on them (checked by cross-validation; at least {n} corrections per "
        "language), and then relabels the mentions of that language.", n=adjust.MIN_CORRECTIONS,
    ))
    if not access.can(auth.SETTINGS):
        return
    if not st.button(t("Learn from the corrections"), icon=":material/model_training:", key="settings_sentiment_train"):
        return
    try:
        with st.spinner(t("Learning from the corrections…")), write_lock(db_path), connection(db_path) as db:
            result = api.train_sentiment(db, actor=access.actor(), role=access.role() or None)
    except ScrmError as e:
        show_error(e)
        return
    if not result.languages:
        st.info(t("No corrections yet: correct a few labels on the mentions first."), icon=":material/info:")
        return
    show_table(
        fill_missing(pd.DataFrame([
            {"lang": _language_name(r.lang), "corrections": r.corrections, "before": r.before, "after": r.after, "result": r.reason}
            for r in result.languages
        ])),
        hide_index=True, width="stretch",
        column_config={"lang": t("Language"), "corrections": st.column_config.NumberColumn(t("Corrections"), format="localized"),
                       "before": st.column_config.NumberColumn(t("Model macro-F1"), format="%.3f"),
                       "after": st.column_config.NumberColumn(t("Adjusted macro-F1 (cross-validated)"), format="%.3f"),
                       "result": t("Result")},
    )  # fmt: skip
    if result.adopted:
        st.success(t("Adjustment in use for {languages}.", languages=", ".join(_language_name(x) for x in result.adopted)),
                   icon=":material/check_circle:")  # fmt: skip
    else:
        st.info(t("Nothing changed: no adjustment did better than the model on your corrections."), icon=":material/info:")
