"""Altair builders for the Listening and Alerts pages: DataFrame in, chart out, no Streamlit.

Frames come from :mod:`scrm.views.listening` and :mod:`scrm.db.search`. Sentiment
colours are fixed across the app (Okabe-Ito: blue positive, vermillion
negative), the own brand is always the first colour of share of voice, and
every axis names its unit.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from scrm.charts import AXIS_DATE_FORMAT, DATE_FORMAT, NO_BRAND, PERCENT_FORMAT, brand_colours
from scrm.charts.data import DEFAULT_COLOUR

POSITIVE = "#0072B2"
NEGATIVE = "#D55E00"
NEUTRAL = "#999999"
OWN = "#E69F00"  # brand accounts in the modes chart (brands themselves: scrm.charts.brand_colours)
# Okabe-Ito without black: one colour per platform or brand, in a stable order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]


def _period_axis(period: str) -> alt.X:
    fmt = AXIS_DATE_FORMAT if period == "day" else "%b %Y"
    return alt.X("period:T", title=None, axis=alt.Axis(format=fmt, labelAngle=0, tickCount=6, grid=False))


def _own_from(df: pd.DataFrame, own_brand: str | None) -> str | None:
    """The own brand: given, else the frame's ``own`` column (set by the views), else none."""
    if own_brand is not None or "own" not in df.columns or df.empty:
        return own_brand
    owned = df.loc[df["own"].fillna(False).astype(bool), "group" if "group" in df.columns else "brand"]
    return str(owned.iloc[0]) if not owned.empty else None


def _group_colour(df: pd.DataFrame, by: str, group: str, own_brand: str | None, brands: list[str] | None) -> alt.Color:
    """Brands in the app's brand colours (own brand first and strong); platforms in the platform palette."""
    legend = alt.Legend(orient="bottom", columns=3, labelLimit=140)
    if by == "brand":
        own = _own_from(df, own_brand)
        domain, colours = brand_colours([*(brands or []), *df["group"].astype(str).tolist()], own)
        return alt.Color("group:N", title=group, sort=domain, scale=alt.Scale(domain=domain, range=colours), legend=legend)
    return alt.Color("group:N", title=group, scale=alt.Scale(range=PALETTE), legend=legend)


def volume_chart(
    df: pd.DataFrame, *, by: str, period: str, own_brand: str | None = None, brands: list[str] | None = None,
    height: int = 260,
) -> alt.Chart:
    """Mentions per period, one line per platform or brand (:func:`scrm.views.listening.volume_over_time`)."""
    title = "Mentions per day" if period == "day" else "Mentions per week"
    group = "Platform" if by == "platform" else "Brand"
    return (
        alt.Chart(df)
        .mark_line(interpolate="monotone", strokeWidth=2)
        .encode(
            x=_period_axis(period),
            y=alt.Y("mentions:Q", title=title, axis=alt.Axis(format=",.0f", tickMinStep=1)),
            color=_group_colour(df, by, group, own_brand, brands),
            tooltip=[
                alt.Tooltip("period:T", title="Week of" if period == "week" else "Day", format="%a " + DATE_FORMAT),
                alt.Tooltip("group:N", title=group),
                alt.Tooltip("mentions:Q", title="Mentions", format=","),
                alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
            ],
        )
        .properties(height=height)
    )


def net_sentiment_chart(
    df: pd.DataFrame, *, by: str, period: str, own_brand: str | None = None, brands: list[str] | None = None,
    height: int = 260,
) -> alt.LayerChart:
    """Net sentiment (points, -100 to 100) per period and group, with the zero line."""
    group = "Platform" if by == "platform" else "Brand"
    data = df[df["scored"] > 0] if not df.empty else df
    lines = (
        alt.Chart(data)
        .mark_line(interpolate="monotone", strokeWidth=2)
        .encode(
            x=_period_axis(period),
            y=alt.Y("net_sentiment:Q", title="Net sentiment (points)", scale=alt.Scale(domain=[-100, 100])),
            color=_group_colour(df, by, group, own_brand, brands),
            tooltip=[
                alt.Tooltip("period:T", title="Week of" if period == "week" else "Day", format="%a " + DATE_FORMAT),
                alt.Tooltip("group:N", title=group),
                alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
                alt.Tooltip("scored:Q", title="Scored mentions", format=","),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=NEUTRAL, strokeDash=[4, 3]).encode(y="y:Q")
    return alt.LayerChart(layer=[zero, lines]).properties(height=height)


def share_of_voice_chart(df: pd.DataFrame, *, brands: list[str] | None = None, height: int | None = None) -> alt.Chart:
    """Share of voice per brand (percent of brand mentions), each brand in its colour, the own brand first and strong."""
    data = df.assign(brand=df["brand"].astype(str))
    own = _own_from(df, None)
    domain, colours = brand_colours([*(brands or []), *data["brand"].tolist()], own)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("brand:N", title=None, sort="-x"),
            x=alt.X("share:Q", title="Share of voice (% of brand mentions)", scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(tickCount=5)),
            color=alt.Color("brand:N", title=None, scale=alt.Scale(domain=domain, range=colours), legend=None),
            tooltip=[
                alt.Tooltip("brand:N", title="Brand"),
                alt.Tooltip("mentions:Q", title="Mentions", format=","),
                alt.Tooltip("share:Q", title="Share (%)", format=PERCENT_FORMAT),
                alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
            ],
        )
        .properties(height=height or max(80, 28 * len(data)))
    )


def share_of_voice_trend_chart(
    df: pd.DataFrame, own: str | None, *, brands: list[str] | None = None, height: int = 220
) -> alt.Chart:
    """Each brand's share of the week's brand mentions (stacked to 100%), from :func:`scrm.views.listening.volume_over_time` by brand."""
    data = df[df["group"] != NO_BRAND] if not df.empty else df
    # The own brand first (at the bottom of the stack, in its colour), then by name.
    brands, colours = brand_colours([*(brands or []), *data["group"].astype(str).tolist()], own)
    # The stacking order as a column, not a Vega expression: brand names are untrusted text.
    data = data.assign(brand_rank=data["group"].astype(str).map({b: i for i, b in enumerate(brands)}))
    return (
        alt.Chart(data)
        .mark_area(opacity=0.85)
        .encode(
            x=_period_axis("week"),
            y=alt.Y("mentions:Q", stack="normalize", title="Share of voice per week", axis=alt.Axis(format="%")),
            color=alt.Color("group:N", title="Brand", sort=brands, scale=alt.Scale(domain=brands, range=colours), legend=alt.Legend(orient="bottom", columns=3, labelLimit=140)),
            order=alt.Order("brand_rank:Q"),
            tooltip=[
                alt.Tooltip("period:T", title="Week of", format="%a " + DATE_FORMAT),
                alt.Tooltip("group:N", title="Brand"),
                alt.Tooltip("mentions:Q", title="Mentions", format=","),
            ],
        )
        .properties(height=height)
    )


# Themes named on the bubble chart (the biggest); the others keep their tooltip.
TOPIC_LABELS = 12


def topics_chart(df: pd.DataFrame, *, height: int = 360) -> alt.LayerChart:
    """Themes as bubbles: net sentiment (x) against trend (y), size = mentions, the biggest named on the chart.

    Takes :func:`scrm.views.listening.topic_summary` (one bubble per theme; a
    ``subject_name`` column, the subject in the reader's language, joins the
    tooltip) or :func:`scrm.views.listening.subject_summary` (one bubble per
    subject across languages: its ``langs`` and ``theme_labels`` in the tooltip).
    """
    data = df.assign(trend_pct=((df["trend"] - 1) * 100).round(0))
    top = data["mentions"].rank(ascending=False, method="first") <= TOPIC_LABELS
    data = data.assign(name=data["label"].astype(str).where(top, ""))
    grouped = "theme_labels" in data.columns
    base = alt.Chart(data).encode(
        x=alt.X("net_sentiment:Q", title="Net sentiment (points)", scale=alt.Scale(domain=[-100, 100])),
        y=alt.Y("trend_pct:Q", title="Trend (% change, last 4 weeks vs 4 before)"),
    )
    if grouped:
        names = [
            alt.Tooltip("label:N", title="Subject across languages"),
            alt.Tooltip("langs:N", title="Languages"),
            alt.Tooltip("theme_labels:N", title="Themes"),
        ]
    else:
        names = [alt.Tooltip("label:N", title="Theme"), alt.Tooltip("lang:N", title="Language")]
        if "subject_name" in data.columns:
            names.append(alt.Tooltip("subject_name:N", title="Subject across languages"))
    bubbles = base.mark_circle(opacity=0.75, stroke="white", strokeWidth=1).encode(
        size=alt.Size("mentions:Q", title="Mentions", scale=alt.Scale(range=[40, 1600]), legend=alt.Legend(orient="bottom")),
        color=alt.Color(
            "net_sentiment:Q", title="Net sentiment", legend=None,
            scale=alt.Scale(domain=[-100, 0, 100], range=[NEGATIVE, "#dddddd", POSITIVE]),
        ),
        tooltip=[
            *names,
            alt.Tooltip("mentions:Q", title="Mentions", format=","),
            alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
            alt.Tooltip("trend_pct:Q", title="Trend (%)", format="+.0f"),
        ],
    )
    # Drawn as text by Vega (never HTML), so theme words from mentions are safe here.
    labels = base.mark_text(align="left", dx=8, dy=-8, fontSize=11, color="#333333", limit=160).encode(text="name:N")
    return alt.LayerChart(layer=[bubbles, labels]).properties(height=height)


def modes_chart(df: pd.DataFrame, *, height: int = 160) -> alt.Chart:
    """Mentions per communication mode, split into people and brand accounts."""
    per_mode = df.groupby("mode", as_index=False, sort=False)[["by_people", "by_brand"]].sum()
    long = per_mode.melt(id_vars="mode", value_vars=["by_people", "by_brand"], var_name="who", value_name="mentions")
    long["who"] = long["who"].map({"by_people": "People", "by_brand": "Brand accounts"}).astype(object)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("mode:N", title=None, sort=["one-to-many", "one-to-one", "one-to-one-to-many"], axis=alt.Axis(labelLimit=220)),
            x=alt.X("mentions:Q", title="Mentions", stack=True, axis=alt.Axis(format=",.0f")),
            color=alt.Color("who:N", title=None, scale=alt.Scale(domain=["People", "Brand accounts"], range=[DEFAULT_COLOUR, OWN])),
            tooltip=[
                alt.Tooltip("mode:N", title="Mode"),
                alt.Tooltip("who:N", title="Written by"),
                alt.Tooltip("mentions:Q", title="Mentions", format=","),
            ],
        )
        .properties(height=height)
    )


# The explanation chart: every bar this high, whatever the number of words.
WORD_BAR_STEP = 28
WORD_BAR_SIZE = 18


def words_domain(weights: pd.Series) -> list[float]:
    """A symmetric x domain around zero that holds every weight, rounded up to a whole number (at least 1).

    >>> words_domain(pd.Series([0.4, -0.2])), words_domain(pd.Series([2.3, -0.5]))
    ([-1.0, 1.0], [-3.0, 3.0])
    """
    values = pd.to_numeric(weights, errors="coerce").abs().dropna()
    top = float(values.max()) if not values.empty else 0.0
    bound = max(1.0, float(np.ceil(top)))
    return [-bound, bound]


def words_chart(words: pd.DataFrame, *, height: int | None = None) -> alt.LayerChart:
    """The words that moved a mention's score: bars right for positive weight, left for negative.

    Fixed sizes, so one word does not give a 1-px sliver: each bar has its own
    :data:`WORD_BAR_STEP`-pixel row (``height`` overrides the total), the x
    axis is symmetric around zero (:func:`words_domain`) and the word labels
    are never cut.
    """
    data = words.assign(
        word=words["word"].astype(str),
        direction=(words["weight"] >= 0).map({True: "towards positive", False: "towards negative"}).astype(object),
    )
    chart = (
        alt.Chart(data)
        .mark_bar(size=WORD_BAR_SIZE)
        .encode(
            y=alt.Y(
                "word:N", title=None, sort=alt.EncodingSortField("weight", op="sum", order="descending"),
                axis=alt.Axis(labelLimit=200, labelFontSize=12),
            ),
            x=alt.X(
                "weight:Q", title="Weight in the score (right: towards positive)",
                scale=alt.Scale(domain=words_domain(data["weight"]), nice=False, clamp=True),
                axis=alt.Axis(tickCount=5, format="+.1f"),
            ),
            color=alt.Color(
                "direction:N", title=None,
                scale=alt.Scale(domain=["towards positive", "towards negative"], range=[POSITIVE, NEGATIVE]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[alt.Tooltip("word:N", title="Word"), alt.Tooltip("weight:Q", title="Weight", format="+.3f")],
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#555555").encode(x="x:Q")
    layered = alt.LayerChart(layer=[chart, zero])
    if height is not None:
        return layered.properties(height=height)
    return layered.properties(height=alt.Step(WORD_BAR_STEP))


def alert_series_chart(series: pd.DataFrame, *, threshold: float | None = None, baseline: float | None = None, title: str = "Mentions per day", height: int = 220) -> alt.LayerChart:
    """The daily series around an alert: its period in colour, the baseline and threshold as rules."""
    data = series.assign(part=series["in_alert"].map({True: "alert period", False: "before / after"}).astype(object))
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0, grid=False)),
            y=alt.Y("mentions:Q", title=title, axis=alt.Axis(format=",.0f", tickMinStep=1)),
            color=alt.Color("part:N", title=None, scale=alt.Scale(domain=["alert period", "before / after"], range=[NEGATIVE, "#bbbbbb"]), legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("day:T", title="Day", format="%a " + DATE_FORMAT), alt.Tooltip("mentions:Q", title="Mentions", format=",")],
        )
    )
    layers: list[alt.Chart] = [bars]
    rules = [(v, name) for v, name in ((baseline, "baseline"), (threshold, "threshold")) if v is not None and pd.notna(v)]
    if rules:
        frame = pd.DataFrame({"y": [float(v) for v, _ in rules], "rule": [name for _, name in rules]})
        layers.append(
            alt.Chart(frame)
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(y="y:Q", tooltip=[alt.Tooltip("rule:N", title="Line"), alt.Tooltip("y:Q", title="Mentions per day", format=",.1f")])
        )
    return alt.LayerChart(layer=layers).properties(height=height)


# Places named on the map (the most mentioned); the others are bubbles with a tooltip.
MAP_LABELS = 12


def places_map(places: pd.DataFrame, *, height: int = 420) -> alt.LayerChart:
    """Mentions per place on a projected map of points, without a tile server.

    ``places``: place, country, precision, mentions, net_sentiment, lat, lon.
    Bubble area follows mentions, colour the net sentiment (red to blue);
    the most mentioned cities are named (a country's or region's centre sits
    next to a city and its name would cover the city's). Drawn by Vega in the browser from
    the frame alone: no map tiles are fetched from a third party, which would
    tell it the viewer's address and where the team is looking.
    """
    cities = places["precision"].astype(str) == "city"
    top = places["mentions"].where(cities).rank(ascending=False, method="first") <= MAP_LABELS
    data = places.assign(label=places["place"].astype(str).where(top, ""))
    base = alt.Chart(data).encode(longitude="lon:Q", latitude="lat:Q")
    points = base.mark_circle(opacity=0.75, stroke="white", strokeWidth=0.5).encode(
        # Legends below the map: beside it, the size legend is cut off at the map's height.
        size=alt.Size("mentions:Q", title="Mentions", scale=alt.Scale(range=[30, 1800]),
                      legend=alt.Legend(orient="bottom")),
        color=alt.Color(
            "net_sentiment:Q", title="Net sentiment (points)",
            scale=alt.Scale(scheme="redblue", domain=[-100, 100]), legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("place:N", title="Place"), alt.Tooltip("country:N", title="Country"),
            alt.Tooltip("precision:N", title="Placed on"), alt.Tooltip("mentions:Q", title="Mentions", format=","),
            alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
        ],
    )
    labels = base.mark_text(align="left", dx=7, dy=-7, fontSize=11, color="#333").encode(text="label:N")
    return (points + labels).project(type="mercator").properties(height=height)


def source_volume_chart(
    df: pd.DataFrame, *, mentions_title: str = "Mentions", via_title: str = "From", source_title: str = "Source",
    share_title: str = "Share (%)", bar_step: int = 24,
) -> alt.Chart:
    """Mentions per live source or imported file: one bar each, most first, coloured by where they came from.

    ``df``: :func:`scrm.views.listening.volume_by_source` with ``label`` (the
    source's name as shown) and ``via_label`` (where from, as shown) added by
    the page, so every word on the chart is in the reader's language.
    """
    via = df["via_label"].drop_duplicates().tolist()
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=240)),
            x=alt.X("mentions:Q", title=mentions_title, axis=alt.Axis(format=",.0f")),
            color=alt.Color("via_label:N", title=via_title, scale=alt.Scale(domain=via, range=PALETTE[: len(via)]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("label:N", title=source_title),
                alt.Tooltip("via_label:N", title=via_title),
                alt.Tooltip("mentions:Q", title=mentions_title, format=","),
                alt.Tooltip("share:Q", title=share_title, format=".1f"),
            ],
        )
        .properties(height=alt.Step(bar_step))
    )
