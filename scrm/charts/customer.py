"""Altair builders for the Customer 360 and Journey pages: DataFrame in, chart out, no Streamlit.

Texts from the data (mention texts, comments) only ever go into tooltips,
which Vega renders as text, never as HTML.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# Okabe-Ito colours, as in scrm.charts.data; sentiment keeps one meaning across pages.
SENTIMENT_COLOURS: dict[str, str] = {
    "positive": "#009E73",
    "neutral": "#999999",
    "negative": "#D55E00",
    "none": "#0072B2",
}
KIND_LABELS: dict[str, str] = {"order": "Orders", "mention": "Mentions", "survey": "Surveys", "case": "Cases"}
STAGE_COLOURS: dict[str, str] = {"path": "#0072B2", "exit": "#D55E00"}
# Category labels must all show: Vega hides "overlapping" ones by default, which drops every other stage.
_CATEGORY_AXIS = alt.Axis(labelOverlap=False, labelLimit=200)


def timeline_chart(timeline: pd.DataFrame, *, height: int = 200) -> alt.Chart:
    """One row of points per kind (orders, mentions, surveys, cases) over time, coloured by sentiment.

    Orders are sized by amount; the tooltip names the item and, for mentions
    and comments, its first 140 characters.
    """
    data = timeline.assign(
        when=pd.to_datetime(timeline["at"], errors="coerce"),
        row=timeline["kind"].map(KIND_LABELS).fillna(timeline["kind"]).astype("object"),
        tone=timeline["sentiment"].fillna("none").astype("object"),
        snippet=timeline["detail"].fillna("").astype(str).str.slice(0, 140).astype("object"),
        size=timeline["amount"].abs().fillna(0).astype(float),
    )
    rows = [KIND_LABELS[k] for k in KIND_LABELS if KIND_LABELS[k] in set(data["row"])]
    tones = list(SENTIMENT_COLOURS)
    return (
        alt.Chart(data[["when", "row", "tone", "snippet", "size", "title", "amount"]])
        .mark_circle(opacity=0.8)
        .encode(
            x=alt.X("when:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, grid=False)),
            y=alt.Y("row:N", title=None, sort=rows),
            color=alt.Color(
                "tone:N",
                title="Sentiment",
                scale=alt.Scale(domain=tones, range=[SENTIMENT_COLOURS[t] for t in tones]),
                legend=alt.Legend(orient="bottom", labelExpr="datum.label == 'none' ? 'no sentiment' : datum.label"),
            ),
            size=alt.Size("size:Q", title="Order amount", legend=None, scale=alt.Scale(range=[40, 400])),
            tooltip=[
                alt.Tooltip("when:T", title="When", format="%-d %b %Y %H:%M"),
                alt.Tooltip("title:N", title="What"),
                alt.Tooltip("amount:Q", title="Amount", format=",.2f"),
                alt.Tooltip("tone:N", title="Sentiment"),
                alt.Tooltip("snippet:N", title="Text"),
            ],
        )
        .properties(height=height)
    )


def funnel_chart(funnel: pd.DataFrame, *, height: int = 280) -> alt.LayerChart:
    """Customers per stage as horizontal bars in journey order; exit stages (at risk, lapsed) in orange."""
    data = funnel.assign(share_text=(funnel["share"].astype(float) * 100).round(1).astype(str) + "%")
    order = list(data.sort_values("order")["label"])
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", title=None, sort=order, axis=_CATEGORY_AXIS),
        x=alt.X("customers:Q", title="Customers now in the stage", axis=alt.Axis(format=",.0f")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "group:N",
            title=None,
            scale=alt.Scale(domain=["path", "exit"], range=[STAGE_COLOURS["path"], STAGE_COLOURS["exit"]]),
            legend=alt.Legend(orient="bottom", labelExpr="datum.label == 'path' ? 'on the path' : 'leaving'"),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Stage"),
            alt.Tooltip("customers:Q", title="Customers", format=","),
            alt.Tooltip("share:Q", title="Share of customers", format=".1%"),
        ],
    )
    labels = base.mark_text(align="left", dx=4, color="#444").encode(
        text=alt.Text("customers:Q", format=",")
    )
    return alt.LayerChart(layer=[bars, labels]).properties(height=height)


def transition_heatmap(moves: pd.DataFrame, stage_order: list[str], *, height: int = 320) -> alt.LayerChart:
    """A from -> to matrix: cell colour = customers who made the move, text = that number."""
    most = float(moves["customers"].max()) if not moves.empty else 0.0
    # White text on the darker half of the colour scale, dark text on the lighter half.
    data = moves.assign(share_pct=moves["share"].astype(float), dark=moves["customers"] > most / 2)
    base = alt.Chart(data).encode(
        x=alt.X(
            "to_label:N", title="To stage", sort=stage_order,
            axis=alt.Axis(labelAngle=0, labelOverlap=False, orient="top", labelLimit=120),
        ),
        y=alt.Y("from_label:N", title="From stage", sort=stage_order, axis=_CATEGORY_AXIS),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("customers:Q", title="Customers", scale=alt.Scale(scheme="blues")),
        tooltip=[
            alt.Tooltip("from_label:N", title="From"),
            alt.Tooltip("to_label:N", title="To"),
            alt.Tooltip("customers:Q", title="Customers", format=","),
            alt.Tooltip("share_pct:Q", title="Share of those leaving", format=".0%"),
            alt.Tooltip("median_days:Q", title="Median days before the move", format=",.0f"),
        ],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("customers:Q", format=","),
        color=alt.condition(alt.datum.dark, alt.value("white"), alt.value("#222")),
    )
    return alt.LayerChart(layer=[cells, text]).properties(height=height)


def stage_time_chart(times: pd.DataFrame, *, height: int = 300) -> alt.Chart:
    """Median days per stage: before moving on (all customers) and so far (current customers), side by side."""
    long = times.melt(
        id_vars=["stage", "label"],
        value_vars=["median_days_before_moving", "median_days_so_far"],
        var_name="measure",
        value_name="days",
    ).dropna(subset=["days"])
    names = {
        "median_days_before_moving": "before moving on (all customers)",
        "median_days_so_far": "so far, customers in it now",
    }
    long = long.assign(measure=long["measure"].map(names).astype("object"))
    order = list(times["label"])
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=order, axis=_CATEGORY_AXIS),
            yOffset=alt.YOffset("measure:N"),
            x=alt.X("days:Q", title="Median days in the stage"),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=list(names.values()), range=["#0072B2", "#E69F00"]),
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=300),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Stage"),
                alt.Tooltip("measure:N", title="Median days"),
                alt.Tooltip("days:Q", title="Days", format=",.0f"),
            ],
        )
        .properties(height=height)
    )


def feedback_chart(feedback: pd.DataFrame, *, height: int = 240) -> alt.Chart:
    """Positive / neutral / negative feedback per phase or stage, as shares of a 100% bar."""
    long = feedback.melt(id_vars=["key", "label", "items"], value_vars=["positive", "neutral", "negative"],
                         var_name="tone", value_name="count")
    long = long.assign(tone=long["tone"].astype("object"))
    order = list(feedback["label"])
    tones = ["positive", "neutral", "negative"]
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=order, axis=_CATEGORY_AXIS),
            x=alt.X("count:Q", stack="normalize", title="Share of the feedback", axis=alt.Axis(format="%")),
            color=alt.Color(
                "tone:N",
                title="Sentiment",
                sort=tones,
                scale=alt.Scale(domain=tones, range=[SENTIMENT_COLOURS[t] for t in tones]),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("tone_order:Q"),
            tooltip=[
                alt.Tooltip("label:N", title="Where"),
                alt.Tooltip("tone:N", title="Sentiment"),
                alt.Tooltip("count:Q", title="Pieces of feedback", format=","),
                alt.Tooltip("items:Q", title="All feedback here", format=","),
            ],
        )
        .transform_calculate(tone_order="indexof(['positive', 'neutral', 'negative'], datum.tone)")
        .properties(height=height)
    )
