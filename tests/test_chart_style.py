"""Charts at the level of the commercial tools: one colour per brand everywhere,
a readable explanation chart, named theme bubbles, no "None"/"nan" in the
demo's view frames, and theme quality against human labels (airline tweets)."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlite_utils

from scrm.analysis import topics
from scrm.charts import OWN_BRAND_COLOUR, brand_colours
from scrm.charts import listening as listening_charts
from scrm.charts import overview as overview_charts
from scrm.db.filters import Filters

ROOT = Path(__file__).resolve().parent.parent
BRANDS = ["Velora", "Nordhaus", "Casa Lumo", "Hygge & Co"]
OWN = "Velora"
# Held-out NMI of themes against the airline complaint reasons, recorded when
# word pairs and 12 themes replaced words and 8 themes (0.160 before).
RECORDED_NMI = 0.175


def _weekly(brands: list[str]) -> pd.DataFrame:
    weeks = ["2026-01-05", "2026-01-12"]
    rows = [(w, b, 10 + i, 5.0) for w in weeks for i, b in enumerate(brands)]
    return pd.DataFrame(rows, columns=["week", "brand", "mentions", "net_sentiment"]).assign(
        scored=3, partial=False
    )


def _volume(brands: list[str]) -> pd.DataFrame:
    weekly = _weekly(brands).rename(columns={"week": "period", "brand": "group"})
    return weekly.assign(own=weekly["group"] == OWN)


def _colour_map(spec: Any) -> dict[str, str]:
    """Every brand -> colour mapping found in a chart spec's colour scales."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            color = node.get("color")
            if isinstance(color, dict) and isinstance(color.get("scale"), dict):
                scale = color["scale"]
                if "domain" in scale and "range" in scale:
                    for name, colour in zip(scale["domain"], scale["range"], strict=False):
                        assert found.get(name, colour) == colour, f"{name} has two colours in one chart"
                        found[name] = colour
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def test_a_brand_has_the_same_colour_in_every_chart_function() -> None:
    sov = pd.DataFrame({"brand": BRANDS, "mentions": [40, 30, 20, 10], "share": [40.0, 30.0, 20.0, 10.0],
                        "net_sentiment": [5.0, 1.0, -2.0, 0.0], "own": [b == OWN for b in BRANDS]})
    # Each page shows a different subset of brands; the workspace list keys the colours.
    charts = {
        "overview trend": overview_charts.weekly_trend_chart(_weekly(BRANDS[:2]), "mentions", own_brand=OWN, brands=BRANDS),
        "volume": listening_charts.volume_chart(_volume(BRANDS[1:]), by="brand", period="week", own_brand=OWN, brands=BRANDS),
        "net sentiment": listening_charts.net_sentiment_chart(_volume(BRANDS), by="brand", period="week", brands=BRANDS),
        "share of voice": listening_charts.share_of_voice_chart(sov.iloc[::-1], brands=BRANDS),
        "share of voice trend": listening_charts.share_of_voice_trend_chart(_volume(BRANDS[:3]), OWN, brands=BRANDS),
    }
    expected = dict(zip(*brand_colours(BRANDS, OWN), strict=True))
    assert expected[OWN] == OWN_BRAND_COLOUR
    assert len(set(expected.values())) == len(BRANDS)
    for name, chart in charts.items():
        colours = _colour_map(chart.to_dict())
        assert colours, f"{name}: no brand colour scale"
        for brand, colour in colours.items():
            assert colour == expected[brand], f"{name}: {brand} is {colour}, elsewhere {expected[brand]}"


def test_the_own_brand_comes_first_in_the_strong_colour_and_competitors_are_muted() -> None:
    domain, colours = brand_colours(["Zeta", "Alpha", OWN, None, ""], OWN)
    assert domain == [OWN, "Alpha", "Zeta"]
    assert colours[0] == OWN_BRAND_COLOUR
    assert OWN_BRAND_COLOUR not in colours[1:]


def test_the_explanation_chart_has_a_fixed_symmetric_domain_and_a_minimum_bar_height() -> None:
    one_word = pd.DataFrame({"word": ["great"], "weight": [2.2]})
    spec = listening_charts.words_chart(one_word).to_dict()
    bars = spec["layer"][0]
    domain = bars["encoding"]["x"]["scale"]["domain"]
    assert domain == [-3.0, 3.0]
    assert spec["height"] == {"step": listening_charts.WORD_BAR_STEP}
    assert listening_charts.WORD_BAR_STEP >= 20
    assert bars["mark"]["size"] >= 12
    assert bars["encoding"]["y"]["axis"]["labelLimit"] >= 150
    small = listening_charts.words_chart(pd.DataFrame({"word": ["ok", "bad"], "weight": [0.2, -0.4]})).to_dict()
    assert small["layer"][0]["encoding"]["x"]["scale"]["domain"] == [-1.0, 1.0]


def test_theme_bubbles_are_named_on_the_chart() -> None:
    frame = pd.DataFrame({"label": ["late delivery · refund", "sofa colour"], "lang": ["en", "en"],
                          "mentions": [30, 10], "net_sentiment": [-40.0, 30.0], "trend": [1.2, 0.8]})
    spec = listening_charts.topics_chart(frame).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert "text" in marks
    text_layer = spec["layer"][marks.index("text")]
    assert text_layer["encoding"]["text"]["field"] == "name"
    names = next(iter(spec["datasets"].values()))
    assert {row["name"] for row in names} == {"late delivery · refund", "sofa colour"}


def test_themes_are_named_by_phrases_not_word_triplets() -> None:
    assert topics.phrase_label(["service", "customer service", "customer", "hold", "worst"]) == "customer service · hold"
    assert topics.phrase_label(["cancelled flight", "flight cancelled", "refund"]) == "cancelled flight · refund"
    assert topics.phrase_label([]) == "(no words)"


_MISSING = re.compile(r"(?:^|\b)(?:None|nan|NaN|NaT)(?:\b|$)")


def test_the_view_frames_of_the_demo_never_spell_none_or_nan(scored_demo_path: Path) -> None:
    db = sqlite_utils.Database(scored_demo_path)
    checked = 0
    for module_name in ("advocates", "customer", "data", "journey", "kpis", "listening", "overview", "segments", "sources"):
        module = importlib.import_module(f"scrm.views.{module_name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            required = [p for p in inspect.signature(function).parameters.values()
                        if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
            if not required or any(p.name not in ("db", "f", "filters") for p in required):
                continue
            try:
                result = function(*[db if p.name == "db" else Filters() for p in required])
            except Exception:  # noqa: BLE001 - views needing other tables are not what this test is about
                continue
            frames = [result] if isinstance(result, pd.DataFrame) else [
                v for v in getattr(result, "__dict__", {}).values() if isinstance(v, pd.DataFrame)
            ]
            for frame in frames:
                checked += 1
                for column in frame.columns:
                    if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
                        text = frame[column].dropna().astype(str)
                        spelled = text[text.str.contains(_MISSING)]
                        assert spelled.empty, f"{module_name}.{name}.{column} shows {spelled.iloc[0]!r}"
    assert checked >= 20


def test_themes_match_the_airline_complaint_reasons_at_least_as_well_as_recorded(shared_data: Path) -> None:
    tweets = shared_data / "airline-tweets" / "Tweets.csv"
    if not tweets.exists():
        pytest.skip(f"airline tweets not found at {tweets}")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        quality = importlib.import_module("theme_quality")
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    _, held_out = quality.halves(quality.load(tweets))
    nmi, model = quality.theme_nmi(held_out)
    assert nmi >= RECORDED_NMI - 0.002
    assert all("·" in t.label or " " in t.label for t in model.topics_)
