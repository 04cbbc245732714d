"""Altair builders for the Segments and Advocates & detractors pages (no Streamlit).

Each takes a frame from :mod:`scrm.views.segments` or :mod:`scrm.views.advocates` and
returns a chart; pages pass it to ``st.altair_chart``. Selections have fixed
names (:data:`VALUE_SENTIMENT_SELECTION`) that the page reads back.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from scrm.views.advocates import CLV_HIGH_DECILE, QUADRANTS
from scrm.views.segments import money_columns

VALUE_SENTIMENT_SELECTION = "value_sentiment_pick"
BAR_COLOUR = "#0072B2"
# Okabe-Ito: colour-blind-safe, one colour per quadrant.
QUADRANT_COLOURS = dict(zip(QUADRANTS.values(), ("#009E73", "#0072B2", "#E69F00", "#999999"), strict=True))


def money_tooltips(frame: pd.DataFrame) -> list[alt.Tooltip]:
    """Revenue and average CLV tooltips, one per currency column of ``frame``, titled with the code."""
    tips = []
    for base, title in (("revenue", "Revenue"), ("avg_clv", "Average CLV (12 months)")):
        for column, currency in money_columns(frame, base):
            tips.append(alt.Tooltip(f"{column}:Q", title=f"{title}, {currency}" if currency else title, format=",.0f"))
    return tips


def rfm_heatmap(grid: pd.DataFrame, *, height: int = 300) -> alt.LayerChart:
    """Recency score (rows, 5 = most recent on top) x frequency score (columns): customers per
    cell as colour and label, revenue and average CLV in the tooltip."""
    base = alt.Chart(grid).encode(
        x=alt.X("f_score:O", title="Frequency score (5 = most orders)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("r_score:O", title="Recency score (5 = most recent)", sort="descending"),
    )
    tooltip = [
        alt.Tooltip("r_score:O", title="Recency score"),
        alt.Tooltip("f_score:O", title="Frequency score"),
        alt.Tooltip("customers:Q", title="Customers", format=","),
        alt.Tooltip("share:Q", title="Share of customers", format=".1%"),
        *money_tooltips(grid),
    ]
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("customers:Q", title="Customers", scale=alt.Scale(scheme="blues")), tooltip=tooltip
    )
    top = float(grid["customers"].max()) if len(grid) else 0.0
    labels = base.mark_text(fontSize=12).encode(
        text=alt.Text("customers:Q", format=","),
        color=alt.condition(f"datum.customers > {top * 0.6}", alt.value("white"), alt.value("#222222")),
        tooltip=tooltip,
    )
    return alt.LayerChart(layer=[cells, labels]).properties(height=height)


def summary_bars(summary: pd.DataFrame, category: str, title: str, *, height: int | None = None) -> alt.Chart:
    """Horizontal bars of customers per category (RFM segment, frequency class), in the frame's
    order, with share, revenue and average CLV in the tooltip."""
    order = summary[category].astype(str).tolist()
    return (
        alt.Chart(summary)
        .mark_bar(color=BAR_COLOUR)
        .encode(
            y=alt.Y(f"{category}:N", title=None, sort=order, axis=alt.Axis(labelOverlap=False, labelLimit=180)),
            x=alt.X("customers:Q", title="Customers", axis=alt.Axis(format=",.0f", tickMinStep=1)),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=title),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("share:Q", title="Share of customers", format=".1%"),
                *money_tooltips(summary),
            ],
        )
        .properties(height=height or max(120, 30 * len(summary)))
    )


# A browser draws a few thousand points well; Altair refuses more than 5,000
# rows by default. Bigger sets are drawn as a fixed random sample (the lists
# under the charts always cover every customer).
MAX_POINTS = 5_000


def chart_sample(points: pd.DataFrame, limit: int = MAX_POINTS) -> pd.DataFrame:
    """At most ``limit`` rows, the same ones on every run (a seeded sample).

    >>> len(chart_sample(pd.DataFrame({"x": range(12_000)})))
    5000
    """
    return points if len(points) <= limit else points.sample(n=limit, random_state=0).sort_index()


def sample_note(total: int, limit: int = MAX_POINTS) -> str | None:
    """The sentence under a chart that shows a sample (None when it shows everything)."""
    if total <= limit:
        return None
    return f"The chart shows a fixed sample of {limit:,} of {total:,} points; the lists cover all of them."


def value_sentiment_scatter(points: pd.DataFrame, *, height: int = 380) -> alt.Chart:
    """CLV (log scale) against average sentiment, one point per customer, with a brush
    (interval selection :data:`VALUE_SENTIMENT_SELECTION`) to pick customers."""
    brush = alt.selection_interval(name=VALUE_SENTIMENT_SELECTION, encodings=["x", "y"])
    points = chart_sample(points)
    columns = ["customer_id", "clv", "avg_sentiment", "mentions", "rfm_segment"]
    data = points[columns + (["currency"] if "currency" in points else [])].assign(
        # Log scales cannot show 0: a CLV under 1 is drawn at 1.
        clv_plot=points["clv"].clip(lower=1.0)
    )
    return (
        alt.Chart(data)
        .mark_circle(size=46, opacity=0.7)
        .encode(
            x=alt.X("avg_sentiment:Q", title="Average sentiment of their mentions (-1 to 1)", scale=alt.Scale(domain=[-1, 1])),
            y=alt.Y("clv_plot:Q", title="CLV, next 12 months (log scale)", scale=alt.Scale(type="log"), axis=alt.Axis(format=",.0f")),
            color=alt.condition(brush, alt.value(BAR_COLOUR), alt.value("#BBBBBB")),
            tooltip=[
                alt.Tooltip("customer_id:N", title="Customer"),
                alt.Tooltip("clv:Q", title="CLV", format=",.0f"),
                *([alt.Tooltip("currency:N", title="Currency")] if "currency" in data else []),
                alt.Tooltip("avg_sentiment:Q", title="Average sentiment", format="+.2f"),
                alt.Tooltip("mentions:Q", title="Scored mentions", format=","),
                alt.Tooltip("rfm_segment:N", title="RFM segment"),
            ],
        )
        .add_params(brush)
        .properties(height=height)
    )


def quadrant_chart(points: pd.DataFrame, clv_threshold: float, influence_threshold: float, *, height: int = 420) -> alt.LayerChart:
    """Linked authors by influence (x) and CLV (y, log scale), coloured by quadrant, with the
    two threshold lines and the quadrant names in the corners."""
    points = chart_sample(points)
    data = points[["profile_id", "handle", "platform", "clv", "influencer_score", "quadrant", "role"]].assign(
        clv_plot=points["clv"].clip(lower=1.0)
    )
    top = max(float(data["clv_plot"].max()) if len(data) else 10.0, clv_threshold * 4, 10.0)
    colour = alt.Color(
        "quadrant:N",
        title="Quadrant",
        scale=alt.Scale(domain=list(QUADRANT_COLOURS), range=list(QUADRANT_COLOURS.values())),
        legend=alt.Legend(orient="bottom", columns=2),
    )
    y = alt.Y("clv_plot:Q", title="Customer's CLV, 12 months (log)", scale=alt.Scale(type="log", domain=[1, top]), axis=alt.Axis(format=",.0f"))
    x = alt.X("influencer_score:Q", title="Influence score (0-1: reach and engagement)", scale=alt.Scale(domain=[0, 1]))
    dots = alt.Chart(data).mark_circle(size=60, opacity=0.75).encode(
        x=x,
        y=y,
        color=colour,
        tooltip=[
            alt.Tooltip("handle:N", title="Handle"),
            alt.Tooltip("platform:N", title="Platform"),
            alt.Tooltip("role:N", title="Role"),
            alt.Tooltip("clv:Q", title="CLV", format=",.0f"),
            alt.Tooltip("influencer_score:Q", title="Influence", format=".2f"),
            alt.Tooltip("quadrant:N", title="Quadrant"),
        ],
    )
    rules = pd.DataFrame({"x": [influence_threshold], "y": [max(clv_threshold, 1.0)]})
    vline = alt.Chart(rules).mark_rule(strokeDash=[4, 4], color="#666666").encode(x="x:Q")
    hline = alt.Chart(rules).mark_rule(strokeDash=[4, 4], color="#666666").encode(y=alt.Y("y:Q", scale=alt.Scale(type="log")))
    corners = pd.DataFrame(
        {
            "label": list(QUADRANTS.values()),
            "x": [0.98, 0.02, 0.98, 0.02],
            "y": [top, top, 1.0, 1.0],
            "align": ["right", "left", "right", "left"],
            "baseline": ["top", "top", "bottom", "bottom"],
        }
    )
    # QUADRANTS order: (high value, high influence) top right, (high value, low) top left,
    # (low, high) bottom right, (low, low) bottom left.
    labels = [
        alt.Chart(corners.iloc[[i]]).mark_text(fontWeight="bold", align=a, baseline=b, dy=4 if b == "top" else -4, color="#444444").encode(
            x=alt.X("x:Q"), y=alt.Y("y:Q", scale=alt.Scale(type="log")), text="label:N"
        )
        for i, (a, b) in enumerate(zip(corners["align"], corners["baseline"], strict=True))
    ]
    return alt.LayerChart(layer=[dots, vline, hline, *labels]).properties(height=height)


def clv_threshold(points: pd.DataFrame, decile: int = CLV_HIGH_DECILE) -> float:
    """The lowest CLV in decile ``decile`` or above among ``points`` (the quadrant's horizontal line)."""
    high = points[pd.to_numeric(points["clv_decile"], errors="coerce").fillna(0) >= decile]["clv"]
    return float(high.min()) if len(high) else float(points["clv"].max() if len(points) else 1.0)
