"""Listening: what people say about the brand and its competitors, where, how and who.

Volume and net sentiment over time, share of voice, themes, top authors,
places, communication modes and a searchable mention explorer. Every figure
comes from ``scrm.views.listening`` / ``scrm.db.search`` through the cached loaders of
``scrm.ui.listening``; the sidebar's global filters apply to all of it.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from scrm import ui
from scrm.charts import listening as charts
from scrm.db.filters import Filters
from scrm.ui import listening as loaders
from scrm.ui import settings as ui_settings
from scrm.ui.filters import current_filters, platform_label
from scrm.ui.masking import mask_value, masked_frame
from scrm.views.listening import AuthorRank, GroupBy, Period

NO_MENTIONS = "No mentions yet. Import a mentions file on the Data page, or load the demo data there."
NO_MATCH = "No mentions match these filters. Widen the date range or clear the brand, platform or language filter in the sidebar."
NO_SCORES = (
    "Sentiment is not computed yet, so net sentiment, themes and roles are empty. "
    "It is recomputed in the background after each change (or with Recompute now on the Settings page)."
)
TABS = ("Trends", "Share of voice", "Themes", "Authors", "Places", "Modes", "Mention explorer")
PERIODS: dict[Period, str] = {"week": "Per week", "day": "Per day"}
GROUPS: dict[GroupBy, str] = {"platform": "By platform", "brand": "By brand"}
AUTHOR_RANKS: dict[AuthorRank, str] = {"mentions": "Most active", "followers": "Widest reach", "role": "With a role"}
LABEL_NAMES = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative", "unscored": "Not scored"}


def _trends(path: str, version: int, f: Filters) -> None:
    c1, c2 = st.columns(2)
    with c1:
        period: Period = st.segmented_control(
            "Period", list(PERIODS), format_func=PERIODS.__getitem__, key="listening_period", required=True, default="week",
        ) or "week"
    with c2:
        by: GroupBy = st.segmented_control(
            "Lines", list(GROUPS), format_func=GROUPS.__getitem__, key="listening_by", required=True, default="platform",
        ) or "platform"
    volume = loaders.load_volume(path, version, f, by, period)
    if volume.empty:
        st.info(NO_MATCH, icon=":material/filter_alt_off:")
        return
    if by == "platform":
        volume = volume.assign(group=volume["group"].map(platform_label).astype(object))
    st.subheader("Volume")
    brands = loaders.load_options(path, version)[0]  # every brand, so a brand keeps its colour on every page
    st.altair_chart(charts.volume_chart(volume, by=by, period=period, brands=brands), width="stretch")
    st.subheader("Net sentiment")
    if volume["scored"].sum() == 0:
        st.info(NO_SCORES, icon=":material/pending:")
    else:
        st.altair_chart(charts.net_sentiment_chart(volume, by=by, period=period, brands=brands), width="stretch")
    total, scored = int(volume["mentions"].sum()), int(volume["scored"].sum())
    week_day = ui_settings.load_settings(path, version).week_start.capitalize()  # a business setting
    st.caption(
        f"{total:,} mentions written by people (brand accounts' own posts and replies are left out); "
        f"{scored:,} of them scored. Net sentiment = % positive − % negative of the scored mentions, "
        f"in points from −100 to +100. Weeks start on {week_day}; the first and last period may be partial."
    )


def _share_of_voice(path: str, version: int, f: Filters) -> None:
    sov = loaders.load_share_of_voice(path, version, f)
    if sov.empty:
        st.info(
            "No mention names a brand in these filters. Import mentions with a `brand` column, or widen the filters.",
            icon=":material/filter_alt_off:",
        )
        return
    own = sov[sov["own"]]
    if not own.empty:
        row = own.iloc[0]
        leader = sov.iloc[0]
        cols = st.columns(3)
        cols[0].metric(f"Share of voice of {ui.escape_markdown(row['brand'])}", f"{row['share']:.1f}%", border=True,
                       help="Mentions of the own brand (meta own_brand) ÷ mentions naming any brand.")
        cols[1].metric("Its net sentiment", "–" if pd.isna(row["net_sentiment"]) else f"{row['net_sentiment']:+.1f} pts", border=True,
                       help="% positive − % negative of its scored mentions.")
        cols[2].metric("Brands compared", f"{len(sov):,}", border=True,
                       help=f"Largest: {ui.escape_markdown(leader['brand'])} ({leader['share']:.1f}%).")
    brands = loaders.load_options(path, version)[0]  # every brand, so a brand keeps its colour on every page
    st.altair_chart(charts.share_of_voice_chart(sov, brands=brands), width="stretch")
    weekly = loaders.load_volume(path, version, replace(f, brands=()), "brand", "week")
    if weekly["period"].nunique() > 1:
        own_name = str(own.iloc[0]["brand"]) if not own.empty else None
        st.altair_chart(charts.share_of_voice_trend_chart(weekly, own_name, brands=brands), width="stretch")
    st.dataframe(
        sov,
        hide_index=True,
        column_config={
            "brand": "Brand",
            "mentions": st.column_config.NumberColumn("Mentions", format="localized"),
            "share": st.column_config.ProgressColumn("Share of voice (%)", format="%.1f%%", min_value=0, max_value=100),
            "net_sentiment": st.column_config.NumberColumn("Net sentiment (points)", format="%+.1f"),
            "own": st.column_config.CheckboxColumn("Own brand"),
        },
    )
    if f.brands:
        st.caption("Share of voice compares every brand: the sidebar's brand filter does not apply here.")


def _trend_text(value: float) -> str:
    if pd.isna(value):
        return "new or unknown"
    change = (value - 1) * 100
    arrow = "▲" if change > 5 else "▼" if change < -5 else "▶"
    return f"{arrow} {change:+.0f}%"


def _topics(path: str, version: int, f: Filters, scored: bool) -> None:
    topics = loaders.load_topics(path, version, f)
    if topics.empty:
        if not scored:
            st.info(NO_SCORES, icon=":material/pending:")
        else:
            st.info(
                "No themes in these filters. Themes are computed with the scores; "
                "if they are, widen the date range or clear the language filter.",
                icon=":material/filter_alt_off:",
            )
        return
    st.altair_chart(charts.topics_chart(topics), width="stretch")
    st.caption("Each bubble is a theme: right is warmer, up is growing (last 4 weeks against the 4 before), size is mentions.")
    table = topics.assign(trend_text=topics["trend"].map(_trend_text).astype(object))
    st.dataframe(
        table[["label", "lang", "mentions", "share", "net_sentiment", "avg_score", "trend_text"]],
        hide_index=True,
        column_config={
            "label": st.column_config.TextColumn("Theme (top words)", width="large"),
            "lang": "Language",
            "mentions": st.column_config.NumberColumn("Mentions", format="localized"),
            "share": st.column_config.ProgressColumn("Share of themed mentions (%)", format="%.1f%%", min_value=0, max_value=100),
            "net_sentiment": st.column_config.NumberColumn("Net sentiment (points)", format="%+.1f"),
            "avg_score": st.column_config.NumberColumn("Mean score (−1 to 1)", format="%+.2f"),
            "trend_text": "Trend (4 weeks)",
        },
    )


def _authors(path: str, version: int, f: Filters) -> None:
    rank_by: AuthorRank = st.segmented_control(
        "Show", list(AUTHOR_RANKS), format_func=AUTHOR_RANKS.__getitem__, key="listening_authors_rank", required=True,
        default="mentions",
    ) or "mentions"
    authors = loaders.load_top_authors(path, version, f, 25, rank_by)
    if authors.empty:
        if rank_by == "role":
            st.info(
                "No author with a role in these filters. Roles are computed with the scores; "
                "if they are, widen the filters or show the most active authors.",
                icon=":material/filter_alt_off:",
            )
        else:
            st.info(NO_MATCH, icon=":material/filter_alt_off:")
        return
    shown = masked_frame(authors, {"author": "handle"})
    shown = shown.assign(
        linked=shown["customer_id"].notna(), platform=shown["platform"].astype(str).map(platform_label).astype(object)
    )
    st.dataframe(
        shown[["author", "platform", "mentions", "followers", "net_sentiment", "badges", "role", "linked"]],
        hide_index=True,
        column_config={
            "author": "Author",
            "platform": "Platform",
            "mentions": st.column_config.NumberColumn("Mentions", format="localized"),
            "followers": st.column_config.NumberColumn("Followers", format="localized"),
            "net_sentiment": st.column_config.NumberColumn("Net sentiment (points)", format="%+.1f"),
            "badges": st.column_config.TextColumn("Roles", help="Every role whose score reaches its threshold (see the Advocates page)."),
            "role": st.column_config.TextColumn("Main role"),
            "linked": st.column_config.CheckboxColumn("Customer", help="Linked to a customer record."),
        },
    )
    ranking = {"mentions": "with most mentions", "followers": "with most followers", "role": "with a role and most mentions"}
    st.caption(
        f"The 25 authors {ranking[rank_by]} in these filters (brand accounts left out). Roles come from "
        "the last recompute of the scores: ambassador, advocate, influencer, detractor."
    )
    # Downloads are not masked (the privacy switch is for screen sharing).
    loaders.download_buttons(authors, "top-authors", "listening_authors")


def _places(path: str, version: int, f: Filters) -> None:
    summary = loaders.load_places(path, version, f)
    if summary.total == 0:
        st.info(NO_MATCH, icon=":material/filter_alt_off:")
        return
    cols = st.columns(3)
    cols[0].metric("Mentions with a location", f"{summary.with_location / summary.total * 100:.0f}%", border=True,
                   help=f"{summary.with_location:,} of {summary.total:,} mentions give a location (a free-text field of the profile).")
    cols[1].metric("Of those, placed on the map", f"{summary.placed_share:.0f}%", border=True,
                   help=f"{summary.placed:,} mentions; {summary.placed_city:,} on a city, the rest on the centre of a region or country.")
    cols[2].metric("Places", f"{len(summary.places):,}", border=True)
    if summary.places.empty:
        st.info("None of these locations is a city or country the built-in gazetteer knows.", icon=":material/location_off:")
    else:
        # Drawn without map tiles: a tile server would learn who looks at which places.
        st.altair_chart(charts.places_map(summary.places), width="stretch")
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.dataframe(
                summary.places[["place", "country", "precision", "mentions", "net_sentiment"]],
                hide_index=True,
                column_config={
                    "place": "Place",
                    "country": "Country",
                    "precision": st.column_config.TextColumn("Placed on", help="a city, or the centre of a region or country"),
                    "mentions": st.column_config.NumberColumn("Mentions", format="localized"),
                    "net_sentiment": st.column_config.NumberColumn("Net sentiment (points)", format="%+.1f"),
                },
            )
        with right:
            st.caption("Commonest locations that could not be placed")
            st.dataframe(
                summary.unplaced, hide_index=True,
                column_config={"location": "Location as written", "mentions": st.column_config.NumberColumn("Mentions", format="localized")},
            )
    st.caption(
        "The background map is drawn from online map tiles; without an internet connection only the bubbles show. "
        "Locations are what authors write on their profiles (\"London, UK\", \"Somewhere up north\"). "
        "Cities and countries of a built-in list are placed; the rest is counted, never guessed."
    )


def _modes(path: str, version: int, f: Filters) -> None:
    modes = loaders.load_modes(path, version, f)
    if modes.empty:
        st.info(NO_MATCH, icon=":material/filter_alt_off:")
        return
    st.altair_chart(charts.modes_chart(modes), width="stretch")
    per_mode = modes.groupby(["mode", "description"], as_index=False, sort=False)[["mentions", "by_people", "by_brand", "share"]].sum()
    cols = st.columns(len(per_mode))
    for col, row in zip(cols, per_mode.itertuples(), strict=True):
        col.metric(str(row.mode), f"{row.share:.1f}%", border=True, help=f"{row.description}: {row.mentions:,.0f} mentions.")
    st.dataframe(
        modes[["mode", "kind", "by_people", "by_brand", "mentions", "share"]],
        hide_index=True,
        column_config={
            "mode": "Mode",
            "kind": "Kind",
            "by_people": st.column_config.NumberColumn("By people", format="localized"),
            "by_brand": st.column_config.NumberColumn("By brand accounts", format="localized"),
            "mentions": st.column_config.NumberColumn("Mentions", format="localized"),
            "share": st.column_config.NumberColumn("Share (%)", format="%.1f"),
        },
    )
    st.caption(
        "One-to-many: posts, reviews and forum threads anyone can read. One-to-one: direct messages "
        "(private). One-to-one-to-many: public replies and shares, a conversation others watch."
    )


def _explorer(path: str, version: int, f: Filters) -> None:
    c1, c2, c3 = st.columns([3, 2, 2])
    query = c1.text_input(
        "Search the mentions", key="listening_query", placeholder="e.g. delivery late",
        help="Finds mentions whose text or author contains every word (word starts match: 'deliver' finds 'delivery').",
    )
    labels = c2.multiselect(
        "Sentiment", list(LABEL_NAMES), format_func=LABEL_NAMES.__getitem__, key="listening_labels", placeholder="All sentiments"
    )
    kinds = c3.multiselect("Kind", ["post", "reply", "share", "review", "dm", "forum"], key="listening_kinds", placeholder="All kinds")
    result = loaders.load_search(path, version, query or "", f, tuple(labels), tuple(kinds))
    if query and result.fts_query is None:
        st.caption("The search text has no letters or digits to look for; showing the newest mentions.")
    if result.total == 0:
        st.info(
            "No mention matches. Try fewer or shorter words, clear the sentiment or kind filter, or widen the sidebar's filters.",
            icon=":material/search_off:",
        )
        return
    shown = masked_frame(result.rows, {"author": "handle", "text": "text"})
    shown = shown.assign(
        posted_at=shown["posted_at"].astype(str).str.slice(0, 16).str.replace("T", " ", regex=False),
        platform=shown["platform"].astype(str).map(platform_label).astype(object),
    )
    more = f"; showing the newest {len(shown):,}" if result.total > len(shown) else ""
    st.caption(f"{result.total:,} mentions match{more}. Select a row to see what moved its score.")
    event = st.dataframe(
        shown[["posted_at", "platform", "brand", "author", "kind", "label", "confidence", "score", "text"]],
        hide_index=True,
        key="listening_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "posted_at": st.column_config.TextColumn("Posted (UTC)"),
            "platform": "Platform",
            "brand": "Brand",
            "author": "Author",
            "kind": "Kind",
            "label": "Sentiment",
            "confidence": st.column_config.ProgressColumn(
                "Sure", format="percent", min_value=0.0, max_value=1.0,
                help="How likely the label is right (a label a person corrected: 100%).",
            ),
            "score": st.column_config.NumberColumn("Score (−1 to 1)", format="%+.2f"),
            "text": st.column_config.TextColumn("Text", width="large"),
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
        st.info("This mention is no longer in the database. Search again.", icon=":material/info:")
        return
    st.subheader("Selected mention")
    author = mask_value(detail["author"], "handle") or ""
    st.caption(
        f"{ui.escape_markdown(platform_label(str(detail['platform'] or 'other')))} · {ui.escape_markdown(detail['kind'])} · "
        f"{ui.escape_markdown(author)} · {ui.format_timestamp(detail['posted_at'])}"
    )
    # As text: mention texts are untrusted and never rendered as markdown or HTML.
    st.text(mask_value(detail["text"], "text") or "")
    cols = st.columns(4)
    score = detail["score"]
    cols[0].metric("Score (−1 to 1)", "–" if score is None else f"{score:+.2f}", border=True)
    cols[1].metric("Label", LABEL_NAMES.get(str(detail["label"]), str(detail["label"])), border=True)
    cols[2].metric("Language", str(detail["lang"] or "–"), border=True)
    model = f"{detail['model']} {detail['model_version'] or ''}".strip() if detail["model"] else "–"
    cols[3].metric("Model", model, border=True)
    loaders.sentiment_corrector(path, version, mention_id, key="listening_correct")
    words = detail["words"]
    if detail["label"] == "unscored":
        st.caption(
            "Not scored: its language is not supported, or it arrived after the last recompute of the scores."
        )
    elif words.empty:
        st.caption("No word of the model's vocabulary moved this score.")
    else:
        st.caption("Words that moved the score")
        st.altair_chart(charts.words_chart(words), width="stretch")


ui.ensure_routed("pages/listening.py")
path = ui.current_db_path()
version = ui.current_version(path)
filters = current_filters()

st.title("Listening")

if loaders.load_mention_count(path, version) == 0:
    st.info(NO_MENTIONS, icon=":material/inbox:")
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
else:
    scored = loaders.load_has_scores(path, version)
    if not scored:
        st.warning(NO_SCORES, icon=":material/pending:")
    if filters.segment is not None:
        st.caption(
            "The customer segment filter does not apply here: most authors are not (yet) linked to a customer. "
            "Dates, brands, platforms and languages do."
        )
    tabs = st.tabs(list(TABS), key="listening_tab", bind="query-params")
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
