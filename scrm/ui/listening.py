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
from scrm.ui import connection, escape_markdown, show_error, write_lock
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
        return listening.brand_and_platform_options(db)


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
        "Download CSV",
        access.audited(lambda: exports.to_csv_bytes(frame), f"{file_stem}.csv", rows=len(frame)),
        f"{file_stem}.csv", "text/csv",
        key=f"{key}_csv", icon=":material/download:", width="stretch", disabled=frame.empty,
        on_click="ignore",
    )
    right.download_button(
        "Download Excel",
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
_ICONS = {"positive": ":material/sentiment_satisfied:", "neutral": ":material/sentiment_neutral:",
          "negative": ":material/sentiment_dissatisfied:"}  # fmt: skip
_FLASH = "sentiment_correction_flash"


def sentiment_text(label: object, confidence: object) -> str:
    """A label with its confidence in percent: ``Negative (83% sure)``; no percent without one.

    >>> sentiment_text("negative", 0.834), sentiment_text("unscored", None)
    ('Negative (83% sure)', 'Not scored')
    """
    name = SENTIMENT_NAMES.get(str(label), str(label))
    try:
        value = float(confidence)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return name
    return name if value != value else f"{name} ({value:.0%} sure)"


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
        was = SENTIMENT_NAMES.get(str(found["model_label"] or "unscored"), "not scored")
        st.caption(escape_markdown(
            f"Sentiment: {SENTIMENT_NAMES.get(label, label)}, corrected by {found['corrected_by']} "
            f"on {str(found['corrected_at'] or '')[:10]} (the model said {was.lower()})."
        ))  # fmt: skip
    else:
        st.caption(escape_markdown(f"Sentiment: {sentiment_text(label, found['confidence'])}."))
    if not access.can(CORRECT):
        st.caption(escape_markdown(
            f"Your role ({access.role() or 'none'}) cannot correct a sentiment label. "
            "Ask an admin to give you the analyst role in the access settings."
        ))  # fmt: skip
        return
    cols = st.columns(3)
    for col, choice in zip(cols, ("positive", "neutral", "negative"), strict=True):
        if col.button(
            f"It is {SENTIMENT_NAMES[choice].lower()}", key=f"{key}_{choice}", icon=_ICONS[choice],
            disabled=choice == label, width="stretch",
            help="Correct the label: it wins in every figure and is kept when the scores are recomputed.",
        ):
            try:
                with connection(db_path) as db:
                    api.correct_sentiment(db, mention_id, choice, actor=access.actor(), role=access.role() or None)
            except ScrmError as e:
                show_error(e)
                return
            st.session_state[_FLASH] = (mention_id, f"Corrected to {SENTIMENT_NAMES[choice].lower()}; the figures use it now.")
            st.rerun()


@st.cache_data(max_entries=_MAX_ENTRIES, show_spinner=False)
def load_sentiment_accuracy(db_path: str, data_version: int) -> listening.SentimentAccuracy:
    """:func:`scrm.views.listening.sentiment_accuracy`."""
    with connection(db_path) as db:
        return listening.sentiment_accuracy(db)


_LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French"}


def accuracy_panel(db_path: str, data_version: int) -> None:
    """The "How accurate is this?" expander: per language the held-out macro-F1 with its interval, the
    confusion matrix and detection accuracy (recorded when the models were trained), then the
    workspace's own accuracy on its corrections and their download as labelled data."""
    from scrm.ui import auth as access

    found = load_sentiment_accuracy(db_path, data_version)
    with st.expander("How accurate is this?", icon=":material/fact_check:"):
        if not found.card:
            st.caption("The accuracy figures of the sentiment models are not available in this installation.")
        else:
            st.caption(
                "Measured when the models were trained, on labelled texts no setting was chosen on, scored as your "
                "mentions are (language detected, never forced). Macro-F1 averages how well each of the three labels "
                "is found: 1 is perfect, about 0.33 is guessing."
            )
            summary = pd.DataFrame([
                {"Language": _LANGUAGE_NAMES.get(lang, lang), "Macro-F1": f"{e['macro_f1']:.2f}",
                 "95% interval": f"{e['interval'][0]:.2f} to {e['interval'][1]:.2f}",
                 "Language detected right": f"{e['detection_accuracy']:.1%}", "Texts": f"{e['texts']:,}", "Checked on": e["data"]}
                for lang, e in found.card.items()
            ])  # fmt: skip
            st.dataframe(summary, hide_index=True, width="stretch")
            st.caption("Confusion matrices: texts per true label (rows) and the label given (columns).")
            for lang, entry in found.card.items():
                confusion = entry["confusion"]
                matrix = pd.DataFrame(
                    confusion["rows"], columns=[f"Said {c}" for c in confusion["columns"]],
                    index=[f"Really {c}" for c in confusion["classes"]],
                )  # fmt: skip
                st.markdown(f"**{_LANGUAGE_NAMES.get(lang, lang)}**")
                st.dataframe(matrix, width="stretch")
        st.markdown("**On your own corrections**")
        if found.workspace.empty:
            st.caption(
                "No corrections yet. When a label is wrong, correct it on a mention (Mention explorer, Customer 360, "
                "Alerts or the Rescue queue): your corrections measure the model on your own data."
            )
            return
        shown = found.workspace.assign(
            lang=found.workspace["lang"].map(lambda v: _LANGUAGE_NAMES.get(str(v), str(v))),
            accuracy=found.workspace["accuracy"].astype(float),
        )
        st.dataframe(
            shown, hide_index=True, width="stretch",
            column_config={
                "lang": "Language", "corrections": st.column_config.NumberColumn("Corrections", format="localized"),
                "model_right": st.column_config.NumberColumn("Model was right", format="localized",
                                                             help="A person confirmed the model's label."),
                "accuracy": st.column_config.NumberColumn("Share right", format="percent"),
                "adjusted_before": st.column_config.NumberColumn("Macro-F1 before adjustment", format="%.2f",
                                                                 help="The model on your corrections, when the adjustment was learnt."),
                "adjusted_after": st.column_config.NumberColumn("Macro-F1 with adjustment", format="%.2f",
                                                                help="Cross-validated on your corrections; empty: no adjustment in use."),
            },
        )  # fmt: skip
        st.caption(
            "People mostly correct wrong labels, so the share right is lower than on all your mentions; it shows "
            "where the model misreads your customers."
        )
        if access.export_allowed():
            frame = found.corrections
            st.download_button(
                "Download the corrections (CSV: text, lang, label)",
                access.audited(lambda: exports.to_csv_bytes(frame), "sentiment-corrections.csv", rows=len(frame)),
                "sentiment-corrections.csv", "text/csv", key="listening_corrections_csv",
                icon=":material/download:", on_click="ignore",
            )  # fmt: skip


def train_panel(db_path: str, data_version: int) -> None:
    """The admin's "Learn from the corrections" button (Settings): :func:`scrm.api.train_sentiment`."""
    from scrm.ui import auth as access

    st.subheader("Learn from the corrections")
    st.caption(
        "Fits a small adjustment of the sentiment model per language on your team's corrections. It is "
        f"used only where it does better than the model on them (checked by cross-validation; at least "
        f"{adjust.MIN_CORRECTIONS} corrections per language), and then relabels the mentions of that language."
    )
    if not access.can(auth.SETTINGS):
        return
    if not st.button("Learn from the corrections", icon=":material/model_training:", key="settings_sentiment_train"):
        return
    try:
        with st.spinner("Learning from the corrections…"), write_lock(db_path), connection(db_path) as db:
            result = api.train_sentiment(db, actor=access.actor(), role=access.role() or None)
    except ScrmError as e:
        show_error(e)
        return
    if not result.languages:
        st.info("No corrections yet: correct a few labels on the mentions first.", icon=":material/info:")
        return
    st.dataframe(
        pd.DataFrame([
            {"Language": _LANGUAGE_NAMES.get(r.lang, r.lang), "Corrections": r.corrections, "Model macro-F1": r.before,
             "Adjusted macro-F1 (cross-validated)": r.after, "Result": r.reason}
            for r in result.languages
        ]),
        hide_index=True, width="stretch",
        column_config={"Model macro-F1": st.column_config.NumberColumn(format="%.3f"),
                       "Adjusted macro-F1 (cross-validated)": st.column_config.NumberColumn(format="%.3f")},
    )  # fmt: skip
    if result.adopted:
        st.success("Adjustment in use for " + ", ".join(_LANGUAGE_NAMES.get(x, x) for x in result.adopted) + ".",
                   icon=":material/check_circle:")  # fmt: skip
    else:
        st.info("Nothing changed: no adjustment did better than the model on your corrections.", icon=":material/info:")
