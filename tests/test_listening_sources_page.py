"""Volume per source on the Listening page (Trends tab), through AppTest on the scored demo."""

from __future__ import annotations

from pathlib import Path

import page_support as support


def test_the_trends_tab_shows_the_volume_of_each_source_with_where_it_came_from(demo_db: Path) -> None:
    at = support.open_page("listening", listening_tab="Trends")
    assert not at.exception and not at.error
    assert "Volume per source" in [h.value for h in at.subheader]
    table = next(d.value for d in at.dataframe if "via_label" in d.value.columns)
    assert table["mentions"].sum() > 0
    assert set(table["via_label"]) <= {"Live source", "Imported file", "Demo or earlier data"}
    assert any(c.value.startswith("Mentions written by people in these filters, per live source") for c in at.caption)

