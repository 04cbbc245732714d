"""Listening: what people say about the brand and its competitors, where, how and who.

Volume and net sentiment over time, share of voice, themes, top authors,
places, communication modes and a searchable mention explorer. Every figure
comes from ``scrm.views.listening`` / ``scrm.db.search`` through the cached loaders of
``scrm.ui.listening``; the sidebar's global filters apply to all of it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from scrm import ui
from scrm.analysis.subjects import SUBJECT_NAMES
from scrm.charts import listening as charts
from scrm.db.filters import Filters
from scrm.i18n import LANGUAGES
from scrm.i18n import formats as F
from scrm.i18n import t as translate
from scrm.ui import language as UL
from scrm.ui import listening as loaders
from scrm.ui import loop
from scrm.ui import settings as ui_settings
from scrm.ui.chart_text import altair_chart as localised_chart
from scrm.ui.filters import current_filters, platform_label
from scrm.ui.language import t
from scrm.ui.masking import mask_value, masked_frame
from scrm.ui.missing import MISSING, fill_missing
from scrm.ui.missing import dataframe as show_table
from scrm.views.listening import AuthorRank, GroupBy, Period

NO_MENTIONS = "No mentions yet. Import a mentions file on the Data page, or load the demo data there."
NO_MATCH = "No mentions match these filters. Widen the date range or clear the brand, platform or language filter in the sidebar."
NO_SCORES = (
    "Sentiment is not computed yet, so net sentiment, themes and roles are empty. "
    "It is recomputed in the background after each change (or with Recompute now on the Settings page)."
)
SUBJECT_HELP = (
    "Themes are found in each language on its own; themes about the same subject (delivery, entrega, livraison) "
    "are shown together under one name. A theme whose words point to no known subject stays on its own."
)
SUBJECT_CAPTION = (
    "Each bubble is a subject, its themes in every language together, or a theme without a subject: "
    "right is warmer, up is growing (last 4 weeks against the 4 before), size is mentions."
)
TAB_PARAM = "listening_tab"
TABS = ("Trends", "Share of voice", "Themes", "Authors", "Places", "Modes", "Mention explorer")
PERIODS: dict[Period, str] = {"week": "Per week", "day": "Per day"}
GROUPS: dict[GroupBy, str] = {"platform": "By platform", "brand": "By brand"}
AUTHOR_RANKS: dict[AuthorRank, str] = {"mentions": "Most active", "followers": "Widest reach", "role": "With a role"}
LABEL_NAMES = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative", "unscored": "Not scored"}
KIND_NAMES = {"post": "post", "reply": "reply", "share": "share", "review": "review", "dm": "direct message", "forum": "forum"}
RANKINGS = {
    "mentions": "The 25 authors with most mentions in these filters (brand accounts left out).",
    "followers": "The 25 authors with most followers in these filters (brand accounts left out).",
    "role": "The 25 authors with a role and most mentions in these filters (brand accounts left out).",
}
PRECISIONS = {"city": "city", "region": "region", "country": "country"}
MODE_NAMES = {"one-to-many": "One-to-many", "one-to-one": "One-to-one", "one-to-one-to-many": "One-to-one-to-many"}
WORDS = {**LABEL_NAMES, **KIND_NAMES, **PRECISIONS}


def _word(value: object) -> object:
    """A stored word (a label, a kind) in the reader's language; other values as they are."""
    return t(WORDS[str(value)]) if str(value) in WORDS else value


def _words(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.assign(**{c: frame[c].map(_word).astype(object) for c in columns if c in frame.columns})


def _trends(path: str, version: int, f: Filters) -> None:
    c1, c2 = st.columns(2)
    with c1:
        period: Period = st.segmented_control(
            t("Period"), list(PERIODS), format_func=lambda p: t(PERIODS[p]), key="listening_period", required=True, default="week",
        ) or "week"
    with c2:
        by: GroupBy = st.segmented_control(
            t("Lines"), list(GROUPS), format_func=lambda g: t(GROUPS[g]), key="listening_by", required=True, default="platform",
        ) or "platform"
    volume = loaders.load_volume(path, version, f, by, period)
    if volume.empty:
        st.info(t(NO_MATCH), icon=":material/filter_alt_off:")
        return
    if by == "platform":
        volume = volume.assign(group=volume["group"].map(platform_label).astype(object))
    st.subheader(t("Volume"))
    brands = loaders.load_options(path, version)[0]  # every brand, so a brand keeps its colour on every page
    localised_chart(charts.volume_chart(volume, by=by, period=period, brands=brands), width="stretch")
    st.subheader(t("Net sentiment"))
    if volume["scored"].sum() == 0:
        st.info(t(NO_SCORES), icon=":material/pending:")
    else:
        localised_chart(charts.net_sentiment_chart(volume, by=by, period=period, brands=brands), width="stretch")
    total, scored = int(volume["mentions"].sum()), int(volume["scored"].sum())
    # A business setting ("monday" or "sunday"), named in the reader's language (5 Jan 2026 was a Monday).
    starts_sunday = ui_settings.load_settings(path, version).week_start == "sunday"
    week_day = F.weekday_name(date(2026, 1, 4 if starts_sunday else 5), UL.lang())
    st.caption(t(
        "{total} mentions written by people (brand accounts' own posts and replies are left out); {scored} of them "
        "scored. Net sentiment = % positive − % negative of the scored mentions, in points from −100 to +100. "
        "Weeks start on {day}; the first and last period may be partial.",
        total=UL.format_number(total), scored=UL.format_number(scored), day=week_day,
    ))
    _sources(path, version, f)


VIA_NAMES = {"live": "Live source", "import": "Imported file", "other": "Demo or earlier data"}


def _sources(path: str, version: int, f: Filters) -> None:
    """Volume per live source and per imported file, in the filters: a small chart and its table."""
    st.subheader(t("Volume per source"))
    per_source = loaders.load_volume_by_source(path, version, f)
    if per_source.empty:
        st.info(t(NO_MATCH), icon=":material/filter_alt_off:")
        return
    shown = per_source.assign(
        label=[str(name) if isinstance(name, str) and name else t(VIA_NAMES["other"]) for name in per_source["source"]],
        via_label=per_source["via"].map(lambda v: t(VIA_NAMES.get(str(v), VIA_NAMES["other"]))).astype(object),
    )
    localised_chart(
        charts.source_volume_chart(shown, mentions_title=t("Mentions"), via_title=t("Origin"), source_title=t("Source"),
                                   share_title=t("Share (%)")),
        width="stretch",
    )
    show_table(
        fill_missing(shown[["label", "via_label", "mentions", "share", "first", "last"]].assign(
            first=shown["first"].map(lambda d: UL.format_date(d) if isinstance(d, str) and d else None).astype(object),
            last=shown["last"].map(lambda d: UL.format_date(d) if isinstance(d, str) and d else None).astype(object),
        )),
        hide_index=True,
        width="stretch",
        column_config={
            "label": t("Source"),
            "via_label": t("Origin"),
            "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized"),
            "share": st.column_config.NumberColumn(t("Share (%)"), format="%.1f"),
            "first": t("First mention"),
            "last": t("Last mention"),
        },
    )
    st.caption(t(
        "Mentions written by people in these filters, per live source (Sources page) and per imported file (Data page). "
        "A mention collected or imported again counts once, under the source that brought it first."
    ))


def _share_of_voice(path: str, version: int, f: Filters) -> None:
    sov = loaders.load_share_of_voice(path, version, f)
    if sov.empty:
        st.info(
            t("No mention names a brand in these filters. Import mentions with a `brand` column, or widen the filters."),
            icon=":material/filter_alt_off:",
        )
        return
    own = sov[sov["own"]]
    if not own.empty:
        row = own.iloc[0]
        leader = sov.iloc[0]
        cols = st.columns(3)
        cols[0].metric(t("Share of voice of {brand}", brand=ui.escape_markdown(row["brand"])), UL.format_percent(row["share"]),
                       border=True, help=t("Mentions of the own brand (Settings page) ÷ mentions naming any brand."))
        cols[1].metric(t("Its net sentiment"), MISSING if pd.isna(row["net_sentiment"]) else f"{_signed(row['net_sentiment'])} {t('pts')}",
                       border=True, help=t("% positive − % negative of its scored mentions."))
        cols[2].metric(t("Brands compared"), UL.format_number(len(sov)), border=True,
                       help=t("Largest: {brand} ({share}).", brand=ui.escape_markdown(leader["brand"]), share=UL.format_percent(leader["share"])))
    brands = loaders.load_options(path, version)[0]  # every brand, so a brand keeps its colour on every page
    localised_chart(charts.share_of_voice_chart(sov, brands=brands), width="stretch")
    weekly = loaders.load_volume(path, version, replace(f, brands=()), "brand", "week")
    if weekly["period"].nunique() > 1:
        own_name = str(own.iloc[0]["brand"]) if not own.empty else None
        localised_chart(charts.share_of_voice_trend_chart(weekly, own_name, brands=brands), width="stretch")
    show_table(
        fill_missing(sov),
        hide_index=True,
        column_config={
            "brand": t("Brand"),
            "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized"),
            "share": st.column_config.ProgressColumn(t("Share of voice (%)"), format="%.1f%%", min_value=0, max_value=100),
            "net_sentiment": st.column_config.NumberColumn(t("Net sentiment (points)"), format="%+.1f"),
            "own": st.column_config.CheckboxColumn(t("Own brand")),
        },
    )
    if f.brands:
        st.caption(t("Share of voice compares every brand: the sidebar's brand filter does not apply here."))


def _trend_text(value: float) -> str:
    if pd.isna(value):
        return t("new or unknown")
    change = (value - 1) * 100
    arrow = "▲" if change > 5 else "▼" if change < -5 else "▶"
    return f"{arrow} {'-' if change < 0 else '+'}{UL.format_percent(abs(change), decimals=0)}"


def _signed(value: float, decimals: int = 1) -> str:
    """A change with its sign, in the reader's locale (``+13,1``)."""
    return ("-" if value < 0 else "+") + UL.format_number(abs(value), decimals=decimals)


def _topics(path: str, version: int, f: Filters, scored: bool) -> None:
    topics = loaders.load_topics(path, version, f)
    if topics.empty:
        if not scored:
            st.info(t(NO_SCORES), icon=":material/pending:")
        else:
            st.info(
                t("No themes in these filters. Themes are computed with the scores; "
                  "if they are, widen the date range or clear the language filter."),
                icon=":material/filter_alt_off:",
            )
        return
    if st.toggle(t("Group themes by subject across languages"), key="listening_topics_by_subject", help=t(SUBJECT_HELP)):
        _subjects(path, version, f)
        return
    topics = topics.assign(subject_name=topics["subject"].map(_subject_name).astype(object))
    localised_chart(charts.topics_chart(topics), width="stretch")
    st.caption(t("Each bubble is a theme: right is warmer, up is growing (last 4 weeks against the 4 before), size is mentions."))
    table = topics.assign(trend_text=topics["trend"].map(_trend_text).astype(object))
    show_table(
        fill_missing(table[["label", "lang", "subject_name", "mentions", "share", "net_sentiment", "avg_score", "trend_text"]]),
        hide_index=True,
        column_config={
            "label": st.column_config.TextColumn(t("Theme (top words)"), width="large"),
            "lang": t("Language"),
            "subject_name": t("Subject across languages"),
            **_theme_figures(),
        },
    )


def _theme_figures() -> dict[str, Any]:
    """The figure columns both theme tables share (per theme and per subject): one place for their units and formats."""
    return {
        "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized"),
        "share": st.column_config.ProgressColumn(t("Share of themed mentions (%)"), format="%.1f%%", min_value=0, max_value=100),
        "net_sentiment": st.column_config.NumberColumn(t("Net sentiment (points)"), format="%+.1f"),
        "avg_score": st.column_config.NumberColumn(t("Mean score (−1 to 1)"), format="%+.2f"),
        "trend_text": t("Trend (4 weeks)"),
    }


def _subject_name(key: object) -> str | None:
    """A theme's subject in the reader's language (None: no subject, shown as a dash)."""
    name = SUBJECT_NAMES.get(key) if isinstance(key, str) else None
    return t(name) if name else None


def _subjects(path: str, version: int, f: Filters) -> None:
    """Themes of every language grouped by subject: one bubble and one row per subject."""
    groups = loaders.load_subjects(path, version, f)
    groups = groups.assign(label=[
        t(SUBJECT_NAMES[s]) if isinstance(s, str) and s in SUBJECT_NAMES else label
        for s, label in zip(groups["subject"], groups["label"], strict=True)
    ]).astype({"label": object})
    localised_chart(charts.topics_chart(groups), width="stretch")
    st.caption(t(SUBJECT_CAPTION))
    table = groups.assign(trend_text=groups["trend"].map(_trend_text).astype(object))
    show_table(
        fill_missing(table[["label", "langs", "theme_labels", "mentions", "share", "net_sentiment", "avg_score", "trend_text"]]),
        hide_index=True,
        column_config={
            "label": st.column_config.TextColumn(t("Subject across languages"), width="medium"),
            "langs": t("Languages"),
            "theme_labels": st.column_config.TextColumn(t("Themes (top words)"), width="large"),
            **_theme_figures(),
        },
    )


def _authors(path: str, version: int, f: Filters) -> None:
    rank_by: AuthorRank = st.segmented_control(
        t("Show"), list(AUTHOR_RANKS), format_func=lambda r: t(AUTHOR_RANKS[r]), key="listening_authors_rank", required=True,
        default="mentions",
    ) or "mentions"
    authors = loaders.load_top_authors(path, version, f, 25, rank_by)
    if authors.empty:
        if rank_by == "role":
            st.info(
                t("No author with a role in these filters. Roles are computed with the scores; "
                  "if they are, widen the filters or show the most active authors."),
                icon=":material/filter_alt_off:",
            )
        else:
            st.info(t(NO_MATCH), icon=":material/filter_alt_off:")
        return
    shown = masked_frame(authors, {"author": "handle"})
    shown = shown.assign(
        linked=shown["customer_id"].notna(), platform=shown["platform"].astype(str).map(platform_label).astype(object)
    )
    event = show_table(
        fill_missing(shown[["author", "platform", "mentions", "followers", "net_sentiment", "badges", "role", "linked"]]),
        hide_index=True, key="listening_authors_table", on_select="rerun", selection_mode="single-row",
        column_config={
            "author": t("Author"),
            "platform": t("Platform"),
            "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized"),
            "followers": st.column_config.NumberColumn(t("Followers"), format="localized"),
            "net_sentiment": st.column_config.NumberColumn(t("Net sentiment (points)"), format="%+.1f"),
            "badges": st.column_config.TextColumn(t("Roles"), help=t("Every role whose score reaches its threshold (see the Advocates page).")),
            "role": st.column_config.TextColumn(t("Main role")),
            "linked": st.column_config.CheckboxColumn(t("Customer"), help=t("Linked to a customer record.")),
        },
    )
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked and picked[0] < len(authors):
        # A linked author leads to their Customer 360 card.
        if not loop.customer_link(authors.iloc[picked[0]]["customer_id"], authors.iloc[picked[0]].get("customer_name")):
            st.caption(t("This author is not linked to a customer yet (see Identity review)."))
    else:
        st.caption(t("Select an author linked to a customer to open their Customer 360 card."))
    st.caption(
        t(RANKINGS[rank_by]) + " "
        + t("Roles come from the last recompute of the scores: ambassador, advocate, influencer, detractor.")
    )
    # Downloads are not masked (the privacy switch is for screen sharing).
    loaders.download_buttons(authors, "top-authors", "listening_authors")


def _places(path: str, version: int, f: Filters) -> None:
    summary = loaders.load_places(path, version, f)
    if summary.total == 0:
        st.info(t(NO_MATCH), icon=":material/filter_alt_off:")
        return
    cols = st.columns(3)
    cols[0].metric(t("Mentions with a location"), UL.format_percent(summary.with_location / summary.total * 100, decimals=0), border=True,
                   help=t("{n} of {total} mentions give a location (a free-text field of the profile).",
                          n=UL.format_number(summary.with_location), total=UL.format_number(summary.total)))
    cols[1].metric(t("Of those, placed on the map"), UL.format_percent(summary.placed_share, decimals=0), border=True,
                   help=t("{n} mentions; {city} on a city, the rest on the centre of a region or country.",
                          n=UL.format_number(summary.placed), city=UL.format_number(summary.placed_city)))
    cols[2].metric(t("Places"), UL.format_number(len(summary.places)), border=True)
    if summary.places.empty:
        st.info(t("None of these locations is a city or country the built-in gazetteer knows."), icon=":material/location_off:")
    else:
        # Drawn without map tiles: a tile server would learn who looks at which places.
        localised_chart(charts.places_map(summary.places), width="stretch")
        left, right = st.columns([3, 2], gap="large")
        with left:
            show_table(
                fill_missing(_words(summary.places[["place", "country", "precision", "mentions", "net_sentiment"]], "precision")),
                hide_index=True,
                column_config={
                    "place": t("Place"),
                    "country": t("Country"),
                    "precision": st.column_config.TextColumn(t("Placed on"), help=t("a city, or the centre of a region or country")),
                    "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized"),
                    "net_sentiment": st.column_config.NumberColumn(t("Net sentiment (points)"), format="%+.1f"),
                },
            )
        with right:
            st.caption(t("Commonest locations that could not be placed"))
            show_table(
                fill_missing(summary.unplaced), hide_index=True,
                column_config={"location": t("Location as written"), "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized")},
            )
    st.caption(
        t("Locations are what authors write on their profiles (\"London, UK\", \"Somewhere up north\"). "
          "Cities and countries of a built-in list are placed; the rest is counted, never guessed.")
    )


def _modes(path: str, version: int, f: Filters) -> None:
    modes = loaders.load_modes(path, version, f)
    if modes.empty:
        st.info(t(NO_MATCH), icon=":material/filter_alt_off:")
        return
    localised_chart(charts.modes_chart(modes), width="stretch")
    per_mode = modes.groupby(["mode", "description"], as_index=False, sort=False)[["mentions", "by_people", "by_brand", "share"]].sum()
    cols = st.columns(len(per_mode))
    for col, row in zip(cols, per_mode.itertuples(), strict=True):
        col.metric(t(MODE_NAMES[str(row.mode)]) if str(row.mode) in MODE_NAMES else str(row.mode), UL.format_percent(row.share),
                   border=True, help=t("{n} mentions.", n=UL.format_number(row.mentions)))
    show_table(
        fill_missing(_words(modes[["mode", "kind", "by_people", "by_brand", "mentions", "share"]], "kind").assign(
            mode=modes["mode"].map(lambda m: t(MODE_NAMES[str(m)]) if str(m) in MODE_NAMES else m).astype(object))),
        hide_index=True,
        column_config={
            "mode": t("Mode"),
            "kind": t("Kind"),
            "by_people": st.column_config.NumberColumn(t("By people"), format="localized"),
            "by_brand": st.column_config.NumberColumn(t("By brand accounts"), format="localized"),
            "mentions": st.column_config.NumberColumn(t("Mentions"), format="localized"),
            "share": st.column_config.NumberColumn(t("Share (%)"), format="%.1f"),
        },
    )
    st.caption(
        t("One-to-many: posts, reviews and forum threads anyone can read. One-to-one: direct messages "
          "(private). One-to-one-to-many: public replies and shares, a conversation others watch.")
    )


def _explorer(path: str, version: int, f: Filters) -> None:
    c1, c2, c3 = st.columns([3, 2, 2])
    query = c1.text_input(
        t("Search the mentions"), key="listening_query", placeholder=t("e.g. delivery late"),
        help=t("Finds mentions whose text or author contains every word (word starts match: 'deliver' finds 'delivery')."),
    )
    labels = c2.multiselect(
        t("Sentiment"), list(LABEL_NAMES), format_func=_word, key="listening_labels", placeholder=t("All sentiments")
    )
    kinds = c3.multiselect(t("Kind"), list(KIND_NAMES), format_func=_word, key="listening_kinds", placeholder=t("All kinds"))
    result = loaders.load_search(path, version, query or "", f, tuple(labels), tuple(kinds))
    if query and result.fts_query is None:
        st.caption(t("The search text has no letters or digits to look for; showing the newest mentions."))
    if result.total == 0:
        st.info(
            t("No mention matches. Try fewer or shorter words, clear the sentiment or kind filter, or widen the sidebar's filters."),
            icon=":material/search_off:",
        )
        return
    shown = masked_frame(result.rows, {"author": "handle", "text": "text"})
    shown = shown.assign(
        posted_at=shown["posted_at"].astype(str).str.slice(0, 16).str.replace("T", " ", regex=False),
        platform=shown["platform"].astype(str).map(platform_label).astype(object),
    )
    st.caption(
        t("{n} mentions match; showing the newest {shown}. Select a row to see what moved its score.",
          n=UL.format_number(result.total), shown=UL.format_number(len(shown)))
        if result.total > len(shown) else
        t("{n} mentions match. Select a row to see what moved its score.", n=UL.format_number(result.total))
    )
    event = show_table(
        fill_missing(_words(shown[["posted_at", "platform", "brand", "author", "kind", "label", "confidence", "score", "text"]], "kind", "label")),
        hide_index=True,
        key="listening_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "posted_at": st.column_config.TextColumn(t("Posted (UTC)")),
            "platform": t("Platform"),
            "brand": t("Brand"),
            "author": t("Author"),
            "kind": t("Kind"),
            "label": t("Sentiment"),
            "confidence": st.column_config.ProgressColumn(
                t("Sure"), format="percent", min_value=0.0, max_value=1.0,
                help=t("How likely the label is right (a label a person corrected: 100%)."),
            ),
            "score": st.column_config.NumberColumn(t("Score (−1 to 1)"), format="%+.2f"),
            "text": st.column_config.TextColumn(t("Text"), width="large"),
        },
        height=360,
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    loaders.download_buttons(result.rows, "mentions", "listening_mentions")
    # A link can open one mention (?mention=ID); a selected row wins.
    linked = st.query_params.get("mention")
    if rows and rows[0] < len(shown):
        mention_id = str(result.rows.iloc[rows[0]]["mention_id"])
    elif linked:
        mention_id = str(linked)
    else:
        return
    detail = loaders.load_mention(path, version, mention_id)
    if detail is None:
        st.info(t("This mention is no longer in the database. Search again."), icon=":material/info:")
        return
    st.subheader(t("Selected mention"))
    author = mask_value(detail["author"], "handle") or MISSING
    st.caption(
        f"{ui.escape_markdown(platform_label(str(detail['platform'] or 'other')))} · {ui.escape_markdown(_word(detail['kind']))} · "
        f"{ui.escape_markdown(author)} · {ui.format_timestamp(detail['posted_at'])}"
    )
    # As text: mention texts are untrusted and never rendered as markdown or HTML.
    st.text(mask_value(detail["text"], "text") or "")
    # Close the loop: the author's customer card, and a case on this mention.
    person = loop.load_mention_customer(path, version, mention_id)
    if person is not None:
        loop.customer_link(person[0], person[1])
    loop.open_case_button("listening_mention", mention_id=mention_id)
    cols = st.columns(4)
    score = detail["score"]
    cols[0].metric(t("Score (−1 to 1)"), MISSING if score is None else _signed(score, 2), border=True)
    cols[1].metric(t("Label"), str(_word(detail["label"])), border=True)
    cols[2].metric(t("Language"), str(detail["lang"] or MISSING), border=True)
    model = f"{detail['model']} {detail['model_version'] or ''}".strip() if detail["model"] else MISSING
    cols[3].metric(t("Model"), model, border=True)
    loaders.sentiment_corrector(path, version, mention_id, key="listening_correct")
    words = detail["words"]
    if detail["label"] == "unscored":
        st.caption(
            t("Not scored: its language is not supported, or it arrived after the last recompute of the scores.")
        )
    elif words.empty:
        st.caption(t("No word of the model's vocabulary moved this score."))
    else:
        st.caption(t("Words that moved the score"))
        localised_chart(charts.words_chart(words), width="stretch")


ui.ensure_routed("pages/listening.py")
path = ui.current_db_path()
version = ui.current_version(path)
filters = current_filters()

st.title(t("Listening"))

if loaders.load_mention_count(path, version) == 0:
    st.info(t(NO_MENTIONS), icon=":material/inbox:")
    st.page_link("pages/data.py", label=t("Go to the Data page"), icon=":material/upload_file:")
else:
    scored = loaders.load_has_scores(path, version)
    if not scored:
        st.warning(t(NO_SCORES), icon=":material/pending:")
    if filters.segment is not None:
        st.caption(
            t("The customer segment filter does not apply here: most authors are not (yet) linked to a customer. "
              "Dates, brands, platforms and languages do.")
        )
    tab_labels = [t(name) for name in TABS]
    # A link names its tab in the language it was copied in: open the same tab in this reader's language.
    asked_tab = st.query_params.get(TAB_PARAM)
    if asked_tab and asked_tab not in tab_labels:
        for name, label in zip(TABS, tab_labels, strict=True):
            if asked_tab in {translate(name, code) for code in LANGUAGES}:
                st.session_state[TAB_PARAM] = label
    tabs = st.tabs(tab_labels, key=TAB_PARAM, bind="query-params")
    renderers = (
        lambda: _trends(path, version, filters),
        lambda: _share_of_voice(path, version, filters),
        lambda: _topics(path, version, filters, scored),
        lambda: _authors(path, version, filters),
        lambda: _places(path, version, filters),
        lambda: _modes(path, version, filters),
        lambda: _explorer(path, version, filters),
    )
    for tab, render in zip(tabs, renderers, strict=True):
        with tab:
            if tab.open:
                render()
    loaders.accuracy_panel(path, version)
