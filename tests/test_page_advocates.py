"""The Advocates & detractors page through AppTest, on a tiny scored demo and an empty database.

The page runs on its own (``app_routed`` set, as ``app.py`` would) so that a
failure surfaces as an exception here instead of the app's apology.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import page_support as support
import pytest
from streamlit.testing.v1 import AppTest

from scrm.db import schema as S
from scrm.db import store

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
    assert [m.label for m in at.metric][4:] == ["CLV at risk (EUR)", "CLV at risk (GBP)"]
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
        "No mentions yet. Import mentions on the Data page or load the demo there; "
        "the scores follow in the background."
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


def test_money_is_shown_per_currency_on_the_demo_with_euro_and_pound_customers(demo_db: Path) -> None:
    from scrm import ui

    at = open_page()
    detractors = next(d.value for d in at.dataframe if "clv_at_risk" in d.value.columns)
    columns = list(detractors.columns)
    assert columns[columns.index("clv") + 1] == "currency"
    assert set(detractors["currency"].dropna()) == {"EUR", "GBP"}
    # One "CLV at risk" tile per currency, each the sum of its own rows (never added across).
    tiles = {m.label: m.value for m in at.metric if m.label.startswith("CLV at risk")}
    assert tiles == {
        f"CLV at risk ({code})": ui.format_number(float(detractors.loc[detractors["currency"] == code, "clv_at_risk"].sum()), money=True)
        for code in ("EUR", "GBP")
    }
    per_quadrant = next(d.value for d in at.dataframe if "profiles" in d.value.columns)
    assert list(per_quadrant.columns) == ["quadrant", "profiles", "clv_EUR", "clv_GBP"]
    people = [d.value for d in at.dataframe if "profile_id" in d.value.columns]
    assert all(list(p.columns)[list(p.columns).index("clv") + 1] == "currency" for p in people)
    caption = next(c.value for c in at.caption if "High value = top 20 %" in c.value)
    assert re.search(r"within their currency, each currency apart \(CLV ≥ [\d,]+ EUR; ≥ [\d,]+ GBP\)", caption), caption
    assert any(c.value.startswith("Chart: the ") and "pay in EUR, CLV in EUR" in c.value for c in at.caption)
    at = at.button_group(key="advocates_quadrant_currency").set_value("GBP").run()
    assert not at.exception
    assert any(c.value.startswith("Chart: the ") and "pay in GBP, CLV in GBP" in c.value for c in at.caption)


def test_a_database_whose_orders_name_no_currency_shows_no_currency(
    scored_demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "no-currency.db"
    shutil.copyfile(scored_demo_path, path)
    db = store.open_db(path)
    with store.transaction(db):  # bumps the data version: nothing stored for the old data is reused
        db.execute(f"UPDATE {S.ORDERS} SET currency = NULL")
    db.close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = open_page()
    assert [m.label for m in at.metric][4:] == ["CLV at risk"]
    per_quadrant = next(d.value for d in at.dataframe if "profiles" in d.value.columns)
    assert list(per_quadrant.columns) == ["quadrant", "profiles", "clv"]
    assert all("currency" not in d.value.columns for d in at.dataframe)
    caption = next(c.value for c in at.caption if "High value = top 20 %" in c.value)
    assert re.search(r"High value = top 20 % of customers by CLV \(CLV ≥ [\d,]+\); high influence", caption), caption
    assert not at.get("button_group") or all(b.proto.label != "Currency of the chart" for b in at.get("button_group"))
