"""The Advocates & detractors page through AppTest, on a tiny scored demo and an empty database.

The page runs on its own (``app_routed`` set, as ``app.py`` would) so that a
failure surfaces as an exception here instead of the app's apology.
"""

from __future__ import annotations

import re
from pathlib import Path

import page_support as support
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def open_page(**query: str) -> AppTest:
    """The page after its first run; ``query`` are the link's parameters (global filters)."""
    return support.open_page("advocates", **query)


def ranked_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if re.match(r"[\d,]+ (ambassador|advocate|influencer|detractor)s, best", c.value))


def test_the_page_renders_the_scored_demo(demo_db: Path) -> None:
    at = open_page()
    assert at.title[0].value == "Advocates & detractors"
    assert [t.label for t in at.tabs] == ["Ranked by role", "Value × influence", "Detractors by CLV at risk", "Advocacy campaign"]
    assert [m.label for m in at.metric][:4] == ["Ambassadors", "Advocates", "Influencers", "Detractors"]
    assert any(m.label == "CLV at risk" for m in at.metric)
    ranked = at.dataframe[0].value
    assert len(ranked) > 0 and set(ranked["role"]) == {"ambassador"}
    assert list(ranked["ambassador_score"]) == sorted(ranked["ambassador_score"], reverse=True)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Download CSV") == 4 and labels.count("Download XLSX") == 4
    assert not at.info


def test_switching_the_role_changes_the_ranked_list(demo_db: Path) -> None:
    at = open_page()
    before = at.dataframe[0].value
    at = at.button_group(key="advocates_role").set_value("detractor").run()
    assert not at.exception
    after = at.dataframe[0].value
    assert set(after["role"]) == {"detractor"}
    assert set(after["profile_id"]).isdisjoint(before["profile_id"])
    assert ranked_caption(at).endswith("volume x negative share x (0.4 + 0.6 reach) (0-1).")
    assert "negative_share" in after.columns


def test_the_campaign_list_respects_the_consent_box(demo_db: Path) -> None:
    at = open_page()
    consented = at.dataframe[-1].value
    assert consented["consent_marketing"].all()
    at = at.checkbox(key="advocates_campaign_consent").uncheck().run()
    everyone = at.dataframe[-1].value
    assert len(everyone) > len(consented)
    assert set(everyone["role"]) <= {"ambassador", "advocate"}


def test_a_platform_filter_matching_nobody_says_what_to_do(demo_db: Path) -> None:
    at = open_page(platform="myspace")
    assert [i.value for i in at.info] == ["No authors match these filters. Clear the platform or segment filter in the sidebar."]


def test_an_empty_database_says_what_to_do(empty_db: Path) -> None:
    at = open_page()
    assert [i.value for i in at.info] == [
        "No mentions yet. Import mentions on the Data page or load the demo (`python -m scrm demo`), "
        "then run `python -m scrm score`."
    ]
    assert not at.metric and not at.get("download_button")


def test_the_privacy_switch_masks_handles_on_screen(demo_db: Path) -> None:
    shown = open_page(mask="1").dataframe[0].value
    assert shown["handle"].str.fullmatch(r"@user_[0-9a-f]{6}").all()


def test_the_page_renders_inside_the_app_with_its_sidebar(demo_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/advocates.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Advocates & detractors"
    assert not at.error, [e.value for e in at.error]


def test_a_filter_value_from_the_link_is_shown_as_text(demo_db: Path) -> None:
    at = open_page(platform="twitter,**[x](javascript:alert(1))**")
    note = at.caption[0].value
    assert note.endswith("Filtered by platforms twitter, \\*\\*\\[x\\]\\(javascript\\:alert\\(1\\)\\)\\*\\*\\.")


def download_note(at: AppTest, key: str) -> str:
    """The caption under the consent box ``key`` (the next caption after it on the page)."""
    box = at.checkbox(key=key)
    assert box.label == "Only customers who consented to marketing" and box.value is True
    return next(c.value for c in at.caption if c.value.startswith("Downloads: "))


def test_downloads_keep_only_consenting_people_by_default_and_say_how_many_were_left_out(demo_db: Path) -> None:
    at = open_page()
    table = at.dataframe[0].value
    assert "consent_marketing" in table.columns
    note = download_note(at, "advocates_ranked_consent")
    match = re.fullmatch(
        r"Downloads: the ([\d,]+) who consented to marketing; ([\d,]+) left out "
        r"\(no consent, consent unknown, or no linked customer\)\.",
        note,
    )
    assert match, note
    kept, left_out = (int(g.replace(",", "")) for g in match.groups())
    assert kept == int(table["consent_marketing"].sum()) and kept + left_out == len(table)
    at = at.checkbox(key="advocates_ranked_consent").uncheck().run()
    assert not at.exception
    assert "Downloads: everyone in the table, with or without marketing consent. Not for a campaign." in [
        c.value for c in at.caption
    ]


def test_every_people_table_carries_the_consent_column(demo_db: Path) -> None:
    at = open_page()
    people = [d.value for d in at.dataframe if "profile_id" in d.value.columns]
    assert len(people) == 4  # ranked, quadrant, detractors, campaign
    assert all("consent_marketing" in frame.columns for frame in people)


def test_the_campaign_caption_says_how_many_were_left_out(demo_db: Path) -> None:
    at = open_page()
    caption = next(c.value for c in at.caption if re.match(r"[\d,]+ authors, best advocate score first\.", c.value))
    assert re.search(r" [\d,]+ left out: no marketing consent, consent unknown, or no linked customer\.$", caption)
