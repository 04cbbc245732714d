"""Altair builders of the Overview page: DataFrame in, chart out, no Streamlit.

The weekly trend charts shade the current period, so the comparison the
tiles make is visible on the line, and draw weeks the range covers only in
part with hollow points (a low count at the edge of the range is not a drop).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from scrm.charts import AXIS_DATE_FORMAT, DATE_FORMAT, brand_colours
from scrm.views.overview import Periods

__all__ = ["brand_colours", "weekly_trend_chart"]

PERIOD_FILL = "#0072B2"


def _period_band(periods: Periods | None) -> alt.Chart | None:
    if periods is None:
        return None
    band = pd.DataFrame(
        {"start": [periods.current.date_from], "end": [periods.current.date_to], "label": ["current period"]}
    )
    return (
        alt.Chart(band)
        .mark_rect(opacity=0.08, color=PERIOD_FILL)
        .encode(
            x="start:T",
            x2="end:T",
            tooltip=[
                alt.Tooltip("label:N", title="Shaded"),
                alt.Tooltip("start:T", title="From", format=DATE_FORMAT),
                alt.Tooltip("end:T", title="To", format=DATE_FORMAT),
            ],
        )
    )


def weekly_trend_chart(
    trends: pd.DataFrame,
    measure: str,
    *,
    periods: Periods | None = None,
    own_brand: str | None = None,
    brands: list[str] | None = None,
    height: int = 260,
) -> alt.LayerChart:
    """Weekly ``measure`` ("mentions" or "net_sentiment") of :func:`scrm.views.overview.weekly_trends`, one line per brand."""
    if measure not in ("mentions", "net_sentiment"):
        raise ValueError(f"measure must be 'mentions' or 'net_sentiment', not {measure!r}")
    data = trends.dropna(subset=[measure]).copy()
    data[measure] = data[measure].astype("float64")
    data["brand"] = data["brand"].astype(str)
    data["coverage"] = data["partial"].map({True: "partial week", False: "full week"}).astype(object)
    # Keyed on the workspace's brands when given, so a brand has the same colour on every page.
    domain, palette = brand_colours([*(brands or []), *data["brand"].tolist()], own_brand)
    title = "Mentions per week" if measure == "mentions" else "Net sentiment (points)"
    y_axis = (
        alt.Axis(format=",.0f", tickCount=5)
        if measure == "mentions"
        else alt.Axis(format="+,.0f", tickCount=5)
    )
    colour = alt.Color(
        "brand:N",
        title="Brand",
        scale=alt.Scale(domain=domain, range=palette),
        legend=alt.Legend(orient="top", columns=3, labelLimit=140),
    )
    base = alt.Chart(data).encode(
        x=alt.X("week:T", title=None, axis=alt.Axis(format=AXIS_DATE_FORMAT, labelAngle=0, tickCount=8, grid=False)),
        y=alt.Y(f"{measure}:Q", title=title, axis=y_axis, scale=alt.Scale(zero=measure == "mentions")),
        color=colour,
    )
    line = base.mark_line(interpolate="monotone", strokeWidth=2)
    points = base.mark_point(size=30, filled=True).encode(
        fill=alt.condition("datum.partial", alt.value("white"), colour),
        tooltip=[
            alt.Tooltip("week:T", title="Week of", format="%a " + DATE_FORMAT),
            alt.Tooltip("brand:N", title="Brand"),
            alt.Tooltip("mentions:Q", title="Mentions", format=","),
            alt.Tooltip("net_sentiment:Q", title="Net sentiment (points)", format="+.1f"),
            alt.Tooltip("scored:Q", title="Scored mentions", format=","),
            alt.Tooltip("coverage:N", title="Coverage"),
        ],
    )
    layers: list[alt.Chart] = [line, points]
    if measure == "net_sentiment":
        zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#888", strokeDash=[4, 4]).encode(y="y:Q")
        layers.insert(0, zero)
    band = _period_band(periods)
    if band is not None:
        layers.insert(0, band)
    return alt.LayerChart(layer=layers).properties(height=height)
