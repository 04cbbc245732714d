"""Charts of the Sources page: new mentions per source and day."""

from __future__ import annotations

import altair as alt
import pandas as pd


def new_per_source_chart(df: pd.DataFrame, *, height: int = 220) -> alt.Chart:
    """Stacked bars of new mentions per day, one colour per source (:func:`scrm.views.sources.new_per_source`)."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format="%-d %b", labelAngle=0, grid=False)),
            y=alt.Y("sum(new):Q", title="New mentions", axis=alt.Axis(format=",.0f", tickMinStep=1)),
            color=alt.Color("source:N", title="Source"),
            tooltip=[alt.Tooltip("day:T", title="Day", format="%a %-d %b %Y"), alt.Tooltip("source:N", title="Source"),
                     alt.Tooltip("new:Q", title="New", format=",")],
        )
        .properties(height=height)
    )
