"""Altair builders for the Listening and Alerts pages: DataFrame in, chart out, no Streamlit.

Frames come from :mod:`scrm.views.listening` and :mod:`scrm.db.search`. Sentiment
colours are fixed across the app (Okabe-Ito: blue positive, vermillion
negative), the own brand is always the first colour of share of voice, and
every axis names its unit.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from scrm.charts.data import DEFAULT_COLOUR

POSITIVE = "#0072B2"
NEGATIVE = "#D55E00"
NEUTRAL = "#999999"
OWN = "#E69F00"
OTHER = "#56B4E9"
# Okabe-Ito without black: one colour per platform or brand, in a stable order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]


def _period_axis(period: str) -> alt.X:
    fmt = "%d %b" if period == "day" else "%b %Y"
    return alt.X("period:T", title=None, axis=alt.Axis(format=fmt, labelAngle=0, tickCount=8, grid=False))


def volume_chart(df: pd.DataFrame, *, by: str, period: str, height: int = 260) -> alt.Chart:
    """Mentions per period, one line per platform or brand (:func:`scrm.views.listening.volume_over_time`)."""
    title = "Mentions per day" if period == "day" else "Mentions per week"
    group = "Platform" if by == "platform" else "Brand"
    return (
        alt.Chart(df)
        .mark_line(interpolate="monotone", strokeWidth=2)
        .encode(
            x=_period_axis(period),
            y=alt.Y("mentions:Q", title=title, axis=alt.Axis(format=",.0f", tickMinStep=1)),
            color=alt.Color("group:N", title=group, scale=alt.Scale(range=PALETTE), legend=alt.Legend(orient="right", labelLimit=160)),
            tooltip=[
                alt.Tooltip("period:T", title="Week of" if period == "week" else "Day", format="%a %-d %b %Y"),
                alt.Tooltip("group:N", title=group),
                alt.Tooltip("mentions:Q", title="Mentions", format=","),
                alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
            ],
        )
        .properties(height=height)
    )


def net_sentiment_chart(df: pd.DataFrame, *, by: str, period: str, height: int = 260) -> alt.LayerChart:
    """Net sentiment (points, -100 to 100) per period and group, with the zero line."""
    group = "Platform" if by == "platform" else "Brand"
    data = df[df["scored"] > 0] if not df.empty else df
    lines = (
        alt.Chart(data)
        .mark_line(interpolate="monotone", strokeWidth=2)
        .encode(
            x=_period_axis(period),
            y=alt.Y("net_sentiment:Q", title="Net sentiment (points)", scale=alt.Scale(domain=[-100, 100])),
            color=alt.Color("group:N", title=group, scale=alt.Scale(range=PALETTE), legend=alt.Legend(orient="right", labelLimit=160)),
            tooltip=[
                alt.Tooltip("period:T", title="Week of" if period == "week" else "Day", format="%a %-d %b %Y"),
                alt.Tooltip("group:N", title=group),
                alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
                alt.Tooltip("scored:Q", title="Scored mentions", format=","),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=NEUTRAL, strokeDash=[4, 3]).encode(y="y:Q")
    return alt.LayerChart(layer=[zero, lines]).properties(height=height)


def share_of_voice_chart(df: pd.DataFrame, *, height: int = 200) -> alt.Chart:
    """Share of voice per brand (percent of brand mentions), the own brand highlighted."""
    data = df.assign(who=df["own"].map({True: "Own brand", False: "Competitor"}).astype(object))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("brand:N", title=None, sort="-x"),
            x=alt.X("share:Q", title="Share of voice (% of brand mentions)", scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(tickCount=5)),
            color=alt.Color("who:N", title=None, scale=alt.Scale(domain=["Own brand", "Competitor"], range=[OWN, OTHER])),
            tooltip=[
                alt.Tooltip("brand:N", title="Brand"),
                alt.Tooltip("mentions:Q", title="Mentions", format=","),
                alt.Tooltip("share:Q", title="Share (%)", format=".1f"),
                alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
            ],
        )
        .properties(height=height)
    )


def share_of_voice_trend_chart(df: pd.DataFrame, own: str | None, *, height: int = 220) -> alt.Chart:
    """Each brand's share of the week's brand mentions (stacked to 100%), from :func:`scrm.views.listening.volume_over_time` by brand."""
    data = df[df["group"] != "(no brand)"] if not df.empty else df
    # The own brand first (at the bottom of the stack, in its colour), then by name.
    brands = sorted(data["group"].astype(str).unique(), key=lambda b: (b != own, b))
    others = iter([c for c in PALETTE if c != OWN] * 4)
    colours = [OWN if b == own else next(others) for b in brands]
    # The stacking order as a column, not a Vega expression: brand names are untrusted text.
    data = data.assign(brand_rank=data["group"].astype(str).map({b: i for i, b in enumerate(brands)}))
    return (
        alt.Chart(data)
        .mark_area(opacity=0.85)
        .encode(
            x=_period_axis("week"),
            y=alt.Y("mentions:Q", stack="normalize", title="Share of voice per week", axis=alt.Axis(format="%")),
            color=alt.Color("group:N", title="Brand", sort=brands, scale=alt.Scale(domain=brands, range=colours), legend=alt.Legend(orient="right")),
            order=alt.Order("brand_rank:Q"),
            tooltip=[
                alt.Tooltip("period:T", title="Week of", format="%a %-d %b %Y"),
                alt.Tooltip("group:N", title="Brand"),
                alt.Tooltip("mentions:Q", title="Mentions", format=","),
            ],
        )
        .properties(height=height)
    )


def topics_chart(df: pd.DataFrame, *, height: int = 320) -> alt.Chart:
    """Themes as bubbles: net sentiment (x) against trend (y), size = mentions."""
    data = df.assign(trend_pct=((df["trend"] - 1) * 100).round(0))
    return (
        alt.Chart(data)
        .mark_circle(opacity=0.75, stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("net_sentiment:Q", title="Net sentiment (points)", scale=alt.Scale(domain=[-100, 100])),
            y=alt.Y("trend_pct:Q", title="Trend (% change, last 4 weeks vs 4 before)"),
            size=alt.Size("mentions:Q", title="Mentions", scale=alt.Scale(range=[40, 1600])),
            color=alt.Color(
                "net_sentiment:Q", title="Net sentiment", legend=None,
                scale=alt.Scale(domain=[-100, 0, 100], range=[NEGATIVE, "#dddddd", POSITIVE]),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Theme"),
                alt.Tooltip("lang:N", title="Language"),
                alt.Tooltip("mentions:Q", title="Mentions", format=","),
                alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
                alt.Tooltip("trend_pct:Q", title="Trend (%)", format="+.0f"),
            ],
        )
        .properties(height=height)
    )


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


def words_chart(words: pd.DataFrame, *, height: int | None = None) -> alt.Chart:
    """The words that moved a mention's score: bars right for positive weight, left for negative."""
    data = words.assign(direction=(words["weight"] >= 0).map({True: "towards positive", False: "towards negative"}).astype(object))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("word:N", title=None, sort=alt.EncodingSortField("weight", op="sum", order="descending")),
            x=alt.X("weight:Q", title="Weight in the score"),
            color=alt.Color(
                "direction:N", title=None,
                scale=alt.Scale(domain=["towards positive", "towards negative"], range=[POSITIVE, NEGATIVE]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[alt.Tooltip("word:N", title="Word"), alt.Tooltip("weight:Q", title="Weight", format="+.3f")],
        )
        .properties(height=height or max(60, 24 * len(words)))
    )


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
            tooltip=[alt.Tooltip("day:T", title="Day", format="%a %-d %b %Y"), alt.Tooltip("mentions:Q", title="Mentions", format=",")],
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
