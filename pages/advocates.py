"""Advocates & detractors: who speaks for or against the brand, what they are worth.

Ranked lists per role with the components of each score, a quadrant of CLV
against influence, detractors ranked by CLV at risk, and an export for an
advocacy campaign.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scrm import auth, ui
from scrm.charts import segments as segment_charts
from scrm.ui import auth as access
from scrm.ui import language as L
from scrm.ui import loop, tables
from scrm.ui import segments as U
from scrm.ui.chart_text import arrow_datasets
from scrm.ui.filters import current_filters
from scrm.ui.language import t
from scrm.ui.missing import dataframe as show_table
from scrm.views import advocates as A
from scrm.views import segments as V

ui.ensure_routed("pages/advocates.py")
path = ui.current_db_path()
version = ui.current_version(path)
filters = current_filters()

st.title(t("Advocates & detractors"))

NUM = st.column_config.NumberColumn
SCORE_HELP = {
    "influencer_score": "0.7 reach + 0.3 engagement (0-1).",
    "advocate_score": "volume x loyalty x (0.6 positive + 0.25 recommend + 0.15 amplification) (0-1).",
    "ambassador_score": "advocate score x CLV factor (0-1).",
    "detractor_score": "volume x negative share x (0.4 + 0.6 reach) (0-1).",
}
SCORE_COLUMNS = {
    "influencer_score": "Influencer score",
    "advocate_score": "Advocate score",
    "ambassador_score": "Ambassador score",
    "detractor_score": "Detractor score",
}
COLUMNS = {
    "profile_id": None,
    "platform": st.column_config.TextColumn(t("Platform")),
    "handle": st.column_config.TextColumn(t("Handle")),
    "display_name": st.column_config.TextColumn(t("Display name")),
    "customer_id": st.column_config.TextColumn(t("Customer")),
    "name": st.column_config.TextColumn(t("Customer name")),
    "email": st.column_config.TextColumn(t("E-mail")),
    "consent_marketing": st.column_config.CheckboxColumn(t("Consent"), help=t("Agreed to marketing (customers.consent_marketing).")),
    "role": st.column_config.TextColumn(t("Role")),
    "relation": st.column_config.TextColumn(t("Relation"), help=t("prospect, customer (ordered in the last 365 days) or former customer.")),
    **{c: NUM(t(SCORE_COLUMNS[c]), help=t(h), format="%.2f") for c, h in SCORE_HELP.items()},
    "reach": NUM(t("Reach"), help=t("log10(1 + followers) / 6, capped at 1: 1,000 followers = 0.5."), format="%.2f"),
    "engagement": NUM(t("Engagement"), help=t("Likes + shares + replies per mention, log scale to 10,000."), format="%.2f"),
    "volume": NUM(t("Volume"), help=t("n / (n + 5) over own-brand mentions: 15 mentions = 0.75."), format="%.2f"),
    "loyalty": NUM(t("Loyalty"), help=t("Share of their brand mentions that name our brand."), format="percent"),
    "positive_share": NUM(t("Positive"), help=t("Positive share of their scored own-brand mentions."), format="percent"),
    "negative_share": NUM(t("Negative"), help=t("Negative share of their scored own-brand mentions."), format="percent"),
    "recommend_share": NUM(t("Recommends"), help=t("Own-brand mentions that recommend the brand."), format="percent"),
    "amplification": NUM(t("Amplification"), help=t("Reshares of our content and shares they received, log scale to 50."), format="%.2f"),
    "clv_factor": NUM(t("CLV factor"), help=t("1 in CLV decile 10, 0.75 in decile 9, else 0."), format="%.2f"),
    "clv_decile": NUM(t("CLV decile"), help=t("10 = top 10 % of customers by CLV."), format="%d"),
    "currency_clv_decile": NUM(
        t("CLV decile"), help=t("10 = top 10 % by CLV of the customers who pay in the same currency."), format="%d"
    ),
    "own_mentions": NUM(t("Own-brand mentions"), format="%d"),
    "followers": NUM(t("Followers"), format="%d"),
    "clv": NUM(
        t("CLV (12 mo)"), help=t("Linked customer's expected revenue over the next 12 months, in the row's currency."), format="%,.2f"
    ),
    "clv_at_risk": NUM(
        t("CLV at risk"), help=t("CLV x detractor score; the whole CLV when negative lately. In the row's currency."), format="%,.2f"
    ),
    "currency": st.column_config.TextColumn(
        t("Currency"), help=t("Of the linked customer's orders: CLV is in it (never converted). EUR+GBP = several currencies.")
    ),
    "negative_lately": st.column_config.CheckboxColumn(
        t("Negative lately"),
        help=f"At least {A.LATELY_MIN_MENTIONS} scored own-brand mentions in the last {A.LATELY_DAYS} days "
        f"(or the filter's dates) averaging {A.LATELY_MAX_SENTIMENT} or below.",
    ),
    "recent_mentions": NUM(t("Recent mentions"), format="%d"),
    "recent_sentiment": NUM(t("Recent sentiment"), help=t("-1 to 1."), format="%+.2f"),
    "quadrant": st.column_config.TextColumn(t("Quadrant")),
    "rfm_segment": st.column_config.TextColumn(t("RFM segment")),
}


CONSENT_LABEL = "Only customers who consented to marketing"
CONSENT_HELP = (
    "Keep authors linked to a customer who agreed to marketing (customers.consent_marketing = yes). "
    "Unlinked authors and customers whose consent is unknown count as not consented."
)
ROLE_TITLES = {"ambassador": "Ambassadors", "advocate": "Advocates", "influencer": "Influencers", "detractor": "Detractors"}
SCORE_NAMES = {
    "ambassador": "ambassador score", "advocate": "advocate score", "influencer": "influencer score",
    "detractor": "detractor score",
}

# The quadrant's list shows these columns; the chart draws some of them.
QUADRANT_COLUMNS = ("profile_id", "platform", "handle", "customer_id", "name", "email", "consent_marketing", "role",
                    "influencer_score", "clv", "currency", "currency_clv_decile", "rfm_segment", "quadrant")
DETRACTOR_COLUMNS = ("profile_id", "platform", "handle", "customer_id", "name", "email", "consent_marketing", "role",
                     "clv_at_risk", "clv", "currency", "detractor_score", "negative_lately", "recent_mentions",
                     "recent_sentiment", "negative_share", "reach", "rfm_segment")


def show(
    frame: pd.DataFrame, file_stem: str, key: str, *, height: int = 320, consent_box: bool = True, case_button: bool = False
) -> None:
    """A table of people (masked when the privacy switch is on) and its downloads (not masked).

    The downloads are campaign material: with ``consent_box`` a box (on by
    default) keeps only people who consented to marketing in them and says
    how many it left out; the table above still shows everyone.
    """
    if not has_currency and "currency" in frame:
        frame = frame.drop(columns="currency")  # orders name no currency: nothing to show
    # A selectable table keeps st.dataframe's own drawing (its selection state is the page's); its stored words
    # (roles, relations, segments) are shown in the reader's language.
    event = st.dataframe(
        tables.translate_cells(U.mask(frame), L.lang()), hide_index=True, column_config=COLUMNS, height=height,  # type: ignore[arg-type]
        key=f"advocates_{key}_table", on_select="rerun", selection_mode="single-row",
    )
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked and picked[0] < len(frame):
        # Close the loop: the person's Customer 360 card and, for a detractor, a case.
        row = frame.iloc[picked[0]]
        if not loop.customer_link(row.get("customer_id"), row.get("name")):
            st.caption(t("This author is not linked to a customer yet (see Identity review)."))
        if case_button:
            loop.open_case_button(f"advocates_{key}", customer_id=row.get("customer_id"), profile_id=row.get("profile_id"))
    else:
        st.caption(t("Select a row to open the person's Customer 360 card.") if not case_button
                   else t("Select a row to open the person's Customer 360 card or to open a case on them."))  # fmt: skip
    if consent_box and access.can(auth.EXPORT):
        only = st.checkbox(t(CONSENT_LABEL), value=True, key=f"advocates_{key}_consent", help=t(CONSENT_HELP))
        if only:
            kept, left_out = V.consent_split(frame)
            st.caption(
                t("Downloads: the {n} who consented to marketing; {left_out} left out "
                  "(no consent, consent unknown, or no linked customer).",
                  n=L.format_number(len(kept)), left_out=L.format_number(left_out))
            )
            frame = kept
        else:
            st.caption(t("Downloads: everyone in the table, with or without marketing consent. Not for a campaign."))
    U.download_buttons(frame, file_stem, f"advocates_{key}")


def in_currency(code: str | None) -> str:
    """`` (EUR)`` after a label; nothing when the data has no currency at all."""
    if code:
        return f" ({ui.escape_markdown(code)})"
    return " (" + t("no currency") + ")" if has_currency else ""


def amount_text(amount: float, code: str | None) -> str:
    """``12,345 EUR``: a sum in one currency (the code comes from imported files: escaped)."""
    text = ui.format_number(amount, money=True)
    return f"{text} {ui.escape_markdown(code)}" if code else (f"{text} ({t('no currency')})" if has_currency else text)


@st.cache_data(max_entries=16, show_spinner=False)
def quadrant_spec(key: tuple[object, ...], _points: pd.DataFrame, threshold: float) -> dict:
    """The quadrant chart's Vega-Lite spec, once per ``key`` (database, data version, filters,
    currency, threshold): building and validating the Altair chart was a large part of every rerun."""
    return arrow_datasets(segment_charts.quadrant_chart(_points, threshold, A.INFLUENCE_HIGH).to_dict())


reason = U.load_advocacy_reason(path, version)
if reason:
    st.info(reason, icon=":material/info:")
    st.stop()

authors, has_currency, counts = U.load_role_summary(path, version, filters)
note = U.filter_note(filters, ("segment", "platforms", "dates"))
if not authors:
    st.info(
        t("No authors match these filters. Clear the platform or segment filter in the sidebar."),
        icon=":material/filter_alt_off:",
    )
    st.stop()

st.caption(
    t("Scores from the last recompute over all mentions of the own brand; dates only set the "
      "\"negative lately\" window.") + (f" {note}" if note else "")
)
tiles = st.columns(4)
for tile, role in zip(tiles, ("ambassador", "advocate", "influencer", "detractor"), strict=True):
    tile.metric(
        t(ROLE_TITLES[role]),
        L.format_number(int(counts.get(role, 0))),
        help=t("Authors whose primary role is {role}. Score: {score}",
               role=t(role), score=t(SCORE_HELP[A.ROLE_SCORES[role]])),
        border=True,
    )

ranked_tab, quadrant_tab, detractor_tab, campaign_tab = st.tabs(
    [t("Ranked by role"), t("Value × influence"), t("Detractors by CLV at risk"), t("Advocacy campaign")]
)

with ranked_tab:
    role = st.segmented_control(
        t("Role"),
        ["ambassador", "advocate", "influencer", "detractor"],
        default="ambassador",
        format_func={r: t(v) for r, v in ROLE_TITLES.items()}.__getitem__,
        key="advocates_role",
    ) or "ambassador"
    top = U.load_ranked(path, version, filters, role)
    if top.empty:
        st.info(
            t("No {role} here. Import mentions (scores follow in the background), or clear the filters.",
              role=t(ROLE_TITLES[role]).lower()),
            icon=":material/info:",
        )
    else:
        st.caption(
            t("{n} {roles}, best {score_name} first: {score}", n=L.format_number(len(top)),
              roles=t(ROLE_TITLES[role]).lower(), score_name=t(SCORE_NAMES[role]), score=t(SCORE_HELP[A.ROLE_SCORES[role]]))
        )
        show(top, f"{role}s", "ranked", case_button=role == "detractor")

with quadrant_tab:
    points, thresholds, per_quadrant = U.load_quadrant(path, version, filters, QUADRANT_COLUMNS)
    if points.empty:
        st.info(
            t("No author is linked to a customer with a CLV. Link profiles on Identity review; the scores follow in the background."),
            icon=":material/info:",
        )
    else:
        codes = [None if pd.isna(c) else str(c) for c in thresholds["currency"]]
        # CLVs in different currencies do not share an axis: one chart per currency.
        shown_code = codes[0]
        if len(codes) > 1:
            shown_code = st.segmented_control(
                t("Currency of the chart"),
                codes,
                default=codes[0],
                format_func=lambda c: c or t("no currency"),
                key="advocates_quadrant_currency",
            ) or codes[0]
        point_codes = points["currency"].astype(object).where(points["currency"].notna(), "")
        chart_points = points[(point_codes == (shown_code or "")).to_numpy()]
        line = thresholds[thresholds["currency"].fillna("") == (shown_code or "")]["clv_high_from"]
        threshold = float(line.iloc[0]) if len(line) and pd.notna(line.iloc[0]) else float(chart_points["clv"].max())
        spec = quadrant_spec((path, version, filters, shown_code, threshold), chart_points, threshold)
        st.vega_lite_chart(spec, width="stretch")
        if has_currency:
            n_chart = L.format_number(len(chart_points))
            st.caption(
                (t("Chart: the {n} authors whose customers pay in {code}, CLV in {code}.", n=n_chart,
                   code=ui.escape_markdown(shown_code)) if shown_code
                 else t("Chart: the {n} authors whose customers pay in no named currency.", n=n_chart))
                + (" " + t("Other currencies: pick one above; amounts are never converted.") if len(codes) > 1 else "")
            )
        if note := segment_charts.sample_note(len(chart_points)):
            st.caption(note)
        cuts = "; ".join(
            f"≥ {L.format_number(v)}"
            + (f" {ui.escape_markdown(c)}" if c else " " + t("with no currency") if has_currency else "")
            for v, c in zip(thresholds["clv_high_from"], codes, strict=True)
            if pd.notna(v)
        )
        st.caption(
            t("{n} authors linked to a valued customer.", n=L.format_number(len(points)))
            + " "
            + (t("High value = top 20 % of customers by CLV within their currency, each currency apart")
               if has_currency else t("High value = top 20 % of customers by CLV"))
            + (f" (CLV {cuts})" if cuts else "")
            + "; "
            + t("high influence = influence score ≥ {threshold}.", threshold=L.format_number(A.INFLUENCE_HIGH, decimals=1))
            + " "
            + t("Authors without a linked customer have no CLV and are not shown.")
        )
        money = {
            column: NUM(t("Total CLV") + in_currency(code), help=t("Not converted between currencies."), format="%,.0f")
            for column, code in V.money_columns(per_quadrant, "clv")
        }
        show_table(
            per_quadrant.assign(quadrant=per_quadrant["quadrant"].map(t)),
            hide_index=True,
            column_config={"quadrant": t("Quadrant"), "profiles": NUM(t("Authors"), format="%d"), **money},
        )
        names = list(A.QUADRANTS.values())
        which = st.selectbox(t("Authors in quadrant"), names, key="advocates_quadrant", format_func=t)
        show(points[points["quadrant"] == which].reset_index(drop=True), "quadrant", "quadrant")

with detractor_tab:
    detractors, sums = U.load_detractor_view(path, version, filters, DETRACTOR_COLUMNS)
    if detractors.empty:
        st.info(
            t("No detractor is linked to a valued customer. That is good news; otherwise link profiles on Identity review; "
            "the scores follow in the background."),
            icon=":material/sentiment_satisfied:",
        )
    else:
        tiles = st.columns(4)
        rows = sums.to_dict("records")
        for tile, row in zip(tiles, rows, strict=False):
            code = None if pd.isna(row["currency"]) else str(row["currency"])
            tile.metric(
                t("CLV at risk") + in_currency(code),
                ui.format_number(float(row["clv_at_risk"]), money=True),
                help=(
                    t("Sum over the {n} linked detractors whose customers pay in {code} of CLV x detractor score "
                      "(the whole CLV when negative lately).", n=L.format_number(int(row["authors"])), code=ui.escape_markdown(code))
                    if code else
                    t("Sum over the {n} linked detractors of CLV x detractor score (the whole CLV when negative lately).",
                      n=L.format_number(int(row["authors"])))
                )
                + (" " + t("Never converted or added to other currencies.") if has_currency else ""),
                border=True,
            )
        if len(rows) > len(tiles):
            more = "; ".join(
                amount_text(float(r["clv_at_risk"]), None if pd.isna(r["currency"]) else str(r["currency"])) for r in rows[len(tiles):]
            )
            st.caption(t("CLV at risk in other currencies, kept apart: {amounts}.", amounts=more))
        st.caption(
            t("{n} linked authors with negative own-brand mentions (detractor score above 0), not only "
              "those whose primary role is detractor: a big customer's few complaints can put more at risk than a "
              "loud small one.", n=L.format_number(len(detractors)))
        )
        show(detractors, "detractors-clv-at-risk", "detractors", case_button=True)

with campaign_tab:
    wanted = st.multiselect(
        t("Roles to invite"),
        ["ambassador", "advocate", "influencer"],
        default=["ambassador", "advocate"],
        format_func={r: t(v) for r, v in ROLE_TITLES.items()}.__getitem__,
        key="advocates_campaign_roles",
    )
    consented = st.checkbox(t(CONSENT_LABEL), value=True, key="advocates_campaign_consent", help=t(CONSENT_HELP))
    everyone = U.load_campaign(path, version, filters, tuple(wanted))
    campaign, left_out = V.consent_split(everyone) if consented else (everyone, 0)
    if campaign.empty:
        st.info(
            t("Nobody to invite with these choices. Add a role or untick '{box}'.", box=t(CONSENT_LABEL)),
            icon=":material/info:",
        )
    else:
        st.caption(
            t("{n} authors, best advocate score first.", n=L.format_number(len(campaign))) + " "
            + (t("{n} left out: no marketing consent, consent unknown, or no linked customer.", n=L.format_number(left_out))
               if consented else t("Authors without marketing consent are included: do not use this list for a campaign."))
        )
    show(campaign, "advocacy-campaign", "campaign", consent_box=False)
