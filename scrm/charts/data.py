"""Altair chart builders: DataFrame in, chart out, no Streamlit.

Pages pass the result to ``st.altair_chart``; tests can inspect the spec
with ``chart.to_dict()``. Colours are fixed per series so "Orders" has the
same colour on every page.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# One colour per series across the app (the colour-blind-safe Okabe-Ito palette).
SERIES_COLOURS: dict[str, str] = {"Orders": "#0072B2", "Mentions": "#E69F00"}
DEFAULT_COLOUR = "#009E73"


def weekly_series_chart(df: pd.DataFrame, series: str, *, height: int = 220) -> alt.LayerChart:
    """Rows per week of one series of :func:`scrm.views.data.weekly_activity`.

    One chart per series, not one chart for all: real files rarely share a
    period or a scale (a shop's orders of 2011 next to tweets of 2015 flatten
    each other). Partial first/last weeks get hollow points and say so in the
    tooltip, so a low count at the edge of the data does not read as a drop.
    """
    part = df[df["series"] == series] if not df.empty else df
    data = part.assign(coverage=part["partial"].map({True: "partial week", False: "full week"}).astype("object"))
    colour = SERIES_COLOURS.get(series, DEFAULT_COLOUR)
    base = alt.Chart(data).encode(
        x=alt.X("week:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=6, grid=False)),
        y=alt.Y("count:Q", title=f"{series} per week", axis=alt.Axis(format=",.0f", tickCount=5, tickMinStep=1)),
    )
    line = base.mark_line(interpolate="monotone", strokeWidth=2, color=colour)
    points = base.mark_point(size=24, filled=True, color=colour).encode(
        fill=alt.condition("datum.partial", alt.value("white"), alt.value(colour)),
        tooltip=[
            alt.Tooltip("week:T", title="Week of", format="%a %-d %b %Y"),
            alt.Tooltip("count:Q", title=series, format=","),
            alt.Tooltip("coverage:N", title="Coverage"),
        ],
    )
    return alt.LayerChart(layer=[line, points]).properties(height=height)
