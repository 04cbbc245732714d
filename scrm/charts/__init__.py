"""Altair chart builders (DataFrame in, chart out, no Streamlit) and the app's shared chart style.

One colour per brand everywhere: :func:`brand_colours` is the only place a
brand gets a colour. The own brand comes first in a strong blue; competitors
follow in muted tones, in the order of their names, so a brand keeps its
colour from page to page as long as the charts are given the same brand list
(the workspace's brands; a chart given only the brands it shows still puts
the own brand first in its colour). Formats shared by every chart: one date
format and one percent format.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt

OWN_BRAND_COLOUR = "#0072B2"
# Muted, colour-blind-safe tones (Okabe-Ito, lightened), none close to the own brand's blue.
COMPETITOR_COLOURS: tuple[str, ...] = (
    "#E8B458", "#7FBFA6", "#D7A1C2", "#E69B73", "#A9A9A9", "#C2B46B", "#9E8FC4", "#8DB8C7",
)
NO_BRAND = "(no brand)"
NO_BRAND_COLOUR = "#D0D0D0"

DATE_FORMAT = "%-d %b %Y"  # 7 Dec 2026, in every tooltip and table built for charts
AXIS_DATE_FORMAT = "%-d %b"  # axis ticks: the year is on the tooltip
PERCENT_FORMAT = ".1f"  # percentages are numbers 0-100 with "%" in the title: 12.5


def brand_colours(brands: Iterable[str | None], own_brand: str | None) -> tuple[list[str], list[str]]:
    """Domain and range of the brand colour scale: own brand first, then competitors by name.

    >>> brand_colours(["b", "Own", "a"], "Own")
    (['Own', 'a', 'b'], ['#0072B2', '#E8B458', '#7FBFA6'])
    """
    names = {str(b) for b in brands if b is not None and str(b) != ""}
    ordered = sorted(names, key=lambda b: (b != own_brand, b == NO_BRAND, b.casefold(), b))
    colours: list[str] = []
    competitor = 0
    for brand in ordered:
        if own_brand is not None and brand == own_brand:
            colours.append(OWN_BRAND_COLOUR)
        elif brand == NO_BRAND:
            colours.append(NO_BRAND_COLOUR)
        else:
            colours.append(COMPETITOR_COLOURS[competitor % len(COMPETITOR_COLOURS)])
            competitor += 1
    return ordered, colours


def brand_colour(brand: str, brands: Iterable[str | None], own_brand: str | None) -> str:
    """The colour of one brand among ``brands`` (see :func:`brand_colours`)."""
    domain, colours = brand_colours([*brands, brand], own_brand)
    return colours[domain.index(str(brand))]


def brand_scale(brands: Iterable[str | None], own_brand: str | None) -> alt.Scale:
    """The Altair colour scale of :func:`brand_colours`, for ``color=alt.Color("brand:N", scale=...)``."""
    domain, colours = brand_colours(brands, own_brand)
    return alt.Scale(domain=domain, range=colours)
