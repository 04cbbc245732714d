"""Workflow rules: what happens when a mention arrives, automatically or after a person decides.

The rules list (conditions and action in words, matches so far), a form to
write or change a rule with a preview of what it would have matched, and the
proposals of manual rules waiting for a person. Rules live in the database
and run on every `python -m scrm score` (:mod:`scrm.act.rules`).
"""

from __future__ import annotations

import contextlib
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from scrm import api, auth, ui
from scrm.act import rules as W
from scrm.db import schema as S
from scrm.errors import ScrmError
from scrm.ui import auth as access
from scrm.ui import escape_markdown as esc
from scrm.ui import language as ui_lang
from scrm.ui import rules as loaders
from scrm.ui.filters import platform_label
from scrm.ui.language import t
from scrm.ui.masking import masked_frame
from scrm.ui.missing import dataframe as show_table

FLASH_KEY = "rules_flash"
NEW = 0  # the "new rule" choice of the editor
NO_RULES = "No rules yet. Write one with the form below; it acts on the next recompute of the scores, in the background."
NO_RULES_VIEWER = "No rules yet. An admin writes them on this page."
NO_MENTIONS = (
    "No mentions yet, so the rules have nothing to act on. Import a mentions file on the Data page "
    "(or load the demo data there); the rules run when the data is scored."
)
NO_PROPOSALS = (
    "Nothing waits for a person. Manual rules propose their matches here after each recompute of the scores; "
    "automatic rules act by themselves."
)
LOOKBACK_NOTE = (
    "Each rule looks at the mentions of the last {n} days before the newest mention: a new or "
    "changed rule does not flood the queues with old history, and a mention imported late is still seen. "
    "A rule acts at most once per mention; a rule on customers opens no second case while its case for that "
    "customer is open."
)
TARGET_NAMES = {W.MENTION: "Mentions", W.CUSTOMER: "Customers (one match per customer)"}
ACTION_NAMES = {
    W.OPEN_CASE: "Open a case", W.TAG: "Tag the mention", W.SUGGEST_REPLY: "Suggest a reply", W.RAISE_ALERT: "Raise an alert",
}
MODE_NAMES = {W.AUTOMATIC: "Automatic (applied during scoring)", W.MANUAL: "Manual (a person approves or dismisses)"}
MODE_SHORT = {W.AUTOMATIC: "Automatic", W.MANUAL: "Manual"}
VISIBILITY_NAMES = {"public": "Public", "private": "Private"}


def _flash() -> None:
    # The message is markdown whose untrusted parts (rule names) were escaped when it was written;
    # an approval that opened a case links to it in the queue.
    message, case_id = st.session_state.pop(FLASH_KEY, (None, None))
    if message:
        st.success(message, icon=":material/check_circle:")
    if case_id:
        # Outside the app's menu (the page run on its own, a test) there is no queue to link to.
        with contextlib.suppress(StreamlitPageNotFoundError):
            st.page_link("pages/cases.py", label=t("Open case {id} in the Rescue queue", id=case_id),
                         icon=":material/support_agent:", query_params={"case": str(case_id)})  # fmt: skip


def _rules_table(table: pd.DataFrame) -> None:
    # Shipped rules are named in the reader's language; a rule a person named keeps its name.
    shown = table.assign(mode=table["mode"].map(lambda m: t(MODE_SHORT.get(m, str(m).title()))).astype(object),
                         name=table["name"].map(t).astype(object))
    show_table(
        shown[["name", "when", "then", "mode", "enabled", "matches", "proposed", "cases"]],
        hide_index=True,
        width="stretch",
        # Widths that keep the counts in view on a laptop screen: the chosen rule is shown in full below.
        column_config={
            "name": st.column_config.TextColumn(t("Rule"), width=175),
            "when": st.column_config.TextColumn(t("When"), width=220),
            "then": st.column_config.TextColumn(t("Then"), width=170),
            "mode": st.column_config.TextColumn(t("Mode"), width=80),
            "enabled": st.column_config.CheckboxColumn(t("On"), width=40),
            "matches": st.column_config.NumberColumn(t("Matches"), format="localized", width=70,
                                                     help=t("Matches so far (count of mentions or customers).")),
            "proposed": st.column_config.NumberColumn(t("Waiting"), format="localized", width=70,
                                                      help=t("Matches waiting for a person to approve or dismiss (count).")),
            "cases": st.column_config.NumberColumn(t("Cases"), format="localized", width=60,
                                                   help=t("Cases the rule opened or joined (count).")),
        },  # fmt: skip
    )


def _manage(path: str, rules: list[W.Rule], table: pd.DataFrame) -> None:
    """Enable/disable and delete (after a confirmation) one rule."""
    if not rules:
        return
    by_id = {int(r.rule_id or 0): r for r in rules}
    choice = st.selectbox(
        t("Rule to turn on, off or delete"), list(by_id), key="rules_manage",
        format_func=lambda i: f"{t(by_id[i].name)} ({t('on') if by_id[i].enabled else t('off')})",
    )
    rule = by_id[int(choice)]
    row = table[table["rule_id"] == int(choice)]
    if not row.empty:  # the table cuts long texts: the chosen rule in full
        st.markdown(
            t("**When** {when} **then** {then}.", when=ui.escape_markdown(row["when"].iloc[0]),
              then=ui.escape_markdown(row["then"].iloc[0]))
            + f" {ui.escape_markdown(t(rule.description))}"
        )
    left, right = st.columns(2)
    with left:
        label = t("Turn off") if rule.enabled else t("Turn on")
        if st.button(label, key="rules_toggle", icon=":material/toggle_on:"):
            with ui.connection(path) as db:
                api.set_rule_enabled(db, int(choice), not rule.enabled, actor=access.actor(), role=access.role())
            st.session_state[FLASH_KEY] = (
                t("Rule “{name}” is off.", name=esc(t(rule.name))) if rule.enabled else t("Rule “{name}” is on.", name=esc(t(rule.name))),
                None,
            )
            st.rerun()
    with right:
        sure = st.checkbox(
            t("Yes, delete “{name}”", name=t(rule.name)), key=f"rules_confirm_{choice}",
            help=t("Deleting a rule keeps the cases, tags and decisions it made; its pending proposals go. "
            "A deleted default rule does not come back."),
        )
        if st.button(t("Delete rule"), key="rules_delete", icon=":material/delete:", disabled=not sure, type="primary"):
            with ui.connection(path) as db:
                api.delete_rule(db, int(choice), actor=access.actor(), role=access.role())
            st.session_state[FLASH_KEY] = (t("Rule “{name}” is deleted.", name=esc(t(rule.name))), None)
            st.rerun()


def _form(path: str, version: int, rules: list[W.Rule]) -> None:
    """Write a new rule or change one: st.form (Enter submits), Preview and Save buttons."""
    options = loaders.load_options(path, loaders.input_version(path))
    topics: dict[str, str] = options["topics"]  # type: ignore[assignment]
    by_id = {int(r.rule_id or 0): r for r in rules}
    picked = st.selectbox(
        t("Rule to edit"), [NEW, *by_id], key="rules_edit",
        format_func=lambda i: t("A new rule") if i == NEW else t(by_id[i].name),
    )
    rule = by_id.get(int(picked), W.Rule(name=""))
    c, p = dict(rule.conditions), dict(rule.params)
    k = f"rules_f{picked}_"  # widget keys per edited rule, so picking another refills the form

    def known(values: list[str], chosen: Any) -> list[str]:
        return list(dict.fromkeys([*values, *(chosen or [])]))

    with st.form(f"rules_form_{picked}"):
        name = st.text_input(t("Name"), value=rule.name, key=k + "name", placeholder=t("Negative mention from a top customer"))
        description = st.text_input(t("Why (optional)"), value=rule.description, key=k + "description")
        target = st.radio(t("Looks at"), list(W.TARGETS), index=list(W.TARGETS).index(rule.target),
                          format_func=lambda x: t(TARGET_NAMES[x]), horizontal=True, key=k + "target")
        st.markdown(t("**When** (every condition left empty is ignored; those filled must all hold)"))
        a, b, d = st.columns(3)
        sentiment = a.multiselect(t("Sentiment"), list(W.SENTIMENT_LABELS), default=c.get("sentiment", []), key=k + "sentiment",
                                  format_func=lambda x: t(W.SENTIMENT_WORDS.get(x, x)))
        score = a.slider(t("Sentiment score (from -1 to 1)"), -1.0, 1.0, (float(c.get("score_min", -1.0)), float(c.get("score_max", 1.0))),
                         step=0.05, key=k + "score")
        langs = a.multiselect(t("Languages"), known(options["langs"], c.get("langs")), default=c.get("langs", []), key=k + "langs")  # type: ignore[arg-type]
        roles = b.multiselect(t("Author role"), list(W.ROLE_CHOICES), default=c.get("roles", []), key=k + "roles", format_func=t)
        decile = b.selectbox(t("CLV decile at least (10 = top 10%)"), [0, *range(1, 11)],
                             index=int(c.get("clv_decile_min", 0)), format_func=lambda d: t("Any") if d == 0 else str(d), key=k + "decile")
        segments = b.multiselect(t("RFM segment"), known(options["rfm_segments"], c.get("rfm_segments")),  # type: ignore[arg-type]
                                 default=c.get("rfm_segments", []), key=k + "segments", format_func=t)
        followers = b.number_input(t("Author's followers at least"), 0, value=int(c.get("min_followers", 0)), step=100, key=k + "followers")
        chosen_topics = d.multiselect(t("Themes"), known(list(topics), c.get("topics")), default=c.get("topics", []),
                                      format_func=lambda t: topics.get(t, t), key=k + "topics")
        platforms = d.multiselect(t("Platforms"), known(options["platforms"], c.get("platforms")), default=c.get("platforms", []),  # type: ignore[arg-type]
                                  key=k + "platforms", format_func=platform_label)
        kinds = d.multiselect(t("Kind of mention"), list(S.MENTION_KINDS), default=c.get("kinds", []), key=k + "kinds",
                              format_func=lambda x: t(W.KIND_WORDS.get(x, x)))
        visibility = d.selectbox(t("Visibility"), ["", *S.VISIBILITIES], index=["", *S.VISIBILITIES].index(c.get("visibility", "")),
                                 format_func=lambda v: t(VISIBILITY_NAMES.get(v, v.title() or "Any")), key=k + "visibility")
        keywords = st.text_input(t("Keywords (any of them, comma-separated, whole words, case does not matter)"),
                                 value=", ".join(c.get("keywords", [])), key=k + "keywords", placeholder=t("refund, broken, ayuda"))
        e, f = st.columns(2)
        # A new rule starts on the own brand (Settings): a competitor's complaints are not our cases.
        own = e.checkbox(t("Only mentions of the own brand"), value=bool(c.get("own_brand", picked == NEW)), key=k + "own",
                         help=t("The own brand is set on the Settings page."))  # fmt: skip
        no_brand = f.checkbox(t("Leave out the brand's own posts"), value=bool(c.get("exclude_brand_posts", True)), key=k + "nobrand")
        st.markdown(t("**Then**"))
        g, h = st.columns(2)
        action = g.selectbox(t("Action"), list(W.ACTIONS), index=list(W.ACTIONS).index(rule.action),
                             format_func=lambda x: t(ACTION_NAMES[x]), key=k + "action")
        mode = h.radio(t("Mode"), list(W.MODES), index=list(W.MODES).index(rule.mode), format_func=lambda x: t(MODE_NAMES[x]), key=k + "mode")
        st.caption(t("Fill in what the chosen action needs; the other boxes are ignored."))
        i, j, m = st.columns(3)
        queue = i.selectbox(t("Queue (open a case)"), [W.RESCUE, W.THANK_YOU, W.SUPPORT],
                            index=[W.RESCUE, W.THANK_YOU, W.SUPPORT].index(p.get("queue", W.RESCUE))
                            if p.get("queue", W.RESCUE) in (W.RESCUE, W.THANK_YOU, W.SUPPORT) else 0, key=k + "queue",
                            format_func=t)
        priority = j.selectbox(t("Priority (case or reply)"), list(W.PRIORITIES),
                               index=list(W.PRIORITIES).index(p.get("priority", "medium")), key=k + "priority", format_func=t)
        severity = m.selectbox(t("Severity (alert)"), list(W.SEVERITIES), index=list(W.SEVERITIES).index(p.get("severity", "medium")),
                               key=k + "severity", format_func=t)
        named = [c.strip() for c in str(p.get("channels", "")).split(",") if c.strip()]
        channels = m.multiselect(
            t("Notification channels (alert)"), list(dict.fromkeys([*loaders.load_channel_names(path), *named])),
            default=named, key=k + "channels", placeholder=t("Every channel that takes rule alerts"),
            help=t("The alert goes to these channels only. Channels are set up on the Sources page."),
        )
        subject = i.text_input(t("Case subject"), value=p.get("subject", ""), key=k + "subject", placeholder=t("the rule's name"))
        tag = j.text_input(t("Tag (tag the mention)"), value=p.get("tag", ""), key=k + "tag", placeholder=t("support"))
        template = st.text_area(t("Reply template (suggest a reply)"), value=p.get("template", ""), key=k + "template")
        enabled = st.checkbox(t("Rule is on"), value=rule.enabled, key=k + "enabled")
        # Only new mentions unless asked: a back-fill opens cases on mentions already past their deadline.
        backfill = st.checkbox(
            t("Back-fill: also act on the mentions of the last {n} days", n=W.LOOKBACK_DAYS),
            value=picked != NEW and not c.get("posted_after"), key=k + "backfill",
            help=t("Off: the rule acts only on the mentions that arrive after it is saved. On: it also acts on the "
                   "recent ones, and cases opened on them may already be past their deadline (the preview says how many)."),
        )  # fmt: skip
        left, right = st.columns(2)
        previewed = left.form_submit_button(t("Preview"), icon=":material/visibility:")
        saved = right.form_submit_button(t("Save rule"), type="primary", icon=":material/save:")
    if not (previewed or saved):
        return
    conditions: dict[str, Any] = {
        "sentiment": sentiment, "langs": langs, "roles": roles, "rfm_segments": segments, "topics": chosen_topics,
        "platforms": platforms, "kinds": kinds, "visibility": visibility or None,
        "keywords": [w.strip() for w in keywords.split(",") if w.strip()],
        "own_brand": own, "exclude_brand_posts": no_brand,
        "posted_after": None if backfill else c.get("posted_after"),
    }
    if decile:
        conditions["clv_decile_min"] = int(decile)
    if followers:
        conditions["min_followers"] = int(followers)
    if score[0] > -1.0:
        conditions["score_min"] = round(float(score[0]), 2)
    if score[1] < 1.0:
        conditions["score_max"] = round(float(score[1]), 2)
    params = {
        W.OPEN_CASE: {"queue": queue, "priority": priority, "subject": subject},
        W.TAG: {"tag": tag},
        W.SUGGEST_REPLY: {"template": template, "priority": priority, "subject": subject},
        W.RAISE_ALERT: {"severity": severity, "channels": ", ".join(channels)},
    }[action]
    draft = W.Rule(
        name=name, target=target, conditions=conditions, action=action, params=params, mode=mode, enabled=enabled,
        description=description, rule_id=None if picked == NEW else int(picked), builtin=rule.builtin,
    )
    try:
        draft = W.validate(draft)
    except ScrmError as e:
        ui.show_error(e)
        return
    result = loaders.load_preview(path, version, loaders.rule_key(draft), draft)
    if saved:
        access.require(auth.RULES)  # the form is hidden from other roles; this refuses a forged submit too
        try:
            with ui.connection(path) as db:
                api.save_rule(db, draft, actor=access.actor(), role=access.role(), backfill=backfill)
        except ScrmError as e:  # a busy database: the form keeps the draft for another try
            ui.show_error(e, kept_input=True)
            _show_preview(result)
            return
        st.session_state[FLASH_KEY] = (
            t("Saved “{name}”. {preview} It acts on the next recompute of the scores, in the background.",
              name=esc(draft.name), preview=esc(result.sentence(ui_lang.lang()))),
            None,
        )
        for key in [key for key in st.session_state if str(key).startswith(k)]:
            del st.session_state[key]  # an empty form for the next rule, the stored values for an edited one
        st.rerun()
    _show_preview(result)


def _show_preview(result: W.Preview) -> None:
    st.info(ui.escape_markdown(result.sentence(ui_lang.lang())), icon=":material/visibility:")
    if result.backfill_cases is not None:
        st.caption(t(
            "With a back-fill it would open {cases} case(s) now, {overdue} of them already past their deadline. "
            "Without one, it opens cases only on mentions that arrive after it is saved.",
            cases=ui_lang.format_number(result.backfill_cases), overdue=ui_lang.format_number(result.backfill_overdue or 0),
        ))  # fmt: skip
    if result.total == 0:
        return
    # A short axis title: a long one is cut off beside a 240 px chart.
    y = t("Mentions per week") if result.unit == "mentions" else t("Customers per week")
    week = t("Week starting")
    chart = result.weekly.rename(columns={"week": week, "matches": y})
    st.bar_chart(chart, x=week, y=y, height=240)
    st.caption(t("The newest matches (at most {n})", n=W.SAMPLE_ROWS))
    sample = masked_frame(result.sample, {"author": "handle", "customer": "name", "text": "text"})
    show_table(
        sample[["posted_at", "platform", "author", "label", "customer", "text"]], hide_index=True,
        column_config={
            "posted_at": t("Posted (UTC)"), "platform": t("Platform"), "author": t("Author"), "label": t("Sentiment"),
            "customer": t("Customer"), "text": st.column_config.TextColumn(t("Text"), width="large"),
        },
    )


def _proposals(path: str, version: int) -> None:
    st.subheader(t("Needs a person"))
    pending = loaders.load_proposals(path, version)
    if pending.empty:
        st.info(t(NO_PROPOSALS), icon=":material/task_alt:")
        return
    st.caption(t("{n} matches of manual rules wait for a decision, oldest first.", n=ui_lang.format_number(len(pending))))
    shown = masked_frame(pending, {"author": "handle", "customer": "name", "text": "text"})
    shown = shown.assign(rule=shown["rule"].map(t).astype(object))
    show_table(
        shown[["match_id", "rule", "posted_at", "platform", "author", "label", "customer", "text"]], hide_index=True,
        column_config={
            "match_id": st.column_config.NumberColumn(t("Match"), format="%d"), "rule": t("Rule"), "posted_at": t("Posted (UTC)"),
            "platform": t("Platform"), "author": t("Author"), "label": t("Sentiment"), "customer": t("Customer"),
            "text": st.column_config.TextColumn(t("Text"), width="large"),
        },
    )
    if not access.can(auth.CASES):
        st.caption(auth.refusal_message(access.role(), auth.CASES).render(ui_lang.lang()))
        return
    labels = {
        int(m): f"{t('Match')} {int(m)} · {t(rule)} · {platform} · {ui_lang.format_date(str(posted)[:10])}"
        for m, rule, platform, posted in zip(pending["match_id"], pending["rule"], pending["platform"], pending["posted_at"], strict=True)
    }
    with st.form("rules_decide"):
        match_id = st.selectbox(t("Proposal"), list(labels), format_func=labels.__getitem__, key="rules_decide_pick")
        left, right = st.columns(2)
        approve = left.form_submit_button(t("Approve"), type="primary", icon=":material/check:")
        dismiss = right.form_submit_button(t("Dismiss"), icon=":material/close:")
    if approve or dismiss:
        access.require(auth.CASES)
        try:
            with ui.connection(path) as db:
                case_id = api.decide_match(db, int(match_id), bool(approve), actor=access.actor(), role=access.role())
        except ScrmError as e:
            ui.show_error(e)
            return
        done = (t("Approved match {n}: case {case} is open in the queue.", n=match_id, case=case_id) if case_id
                else t("Approved match {n}.", n=match_id))
        st.session_state[FLASH_KEY] = (done, case_id) if approve else (t("Dismissed match {n}.", n=match_id), None)
        st.rerun()


ui.ensure_routed("pages/rules.py")
path = ui.current_db_path()
loaders.install_defaults(path)  # once per database; the write moves the data version
version = ui.current_version(path)

st.title(t("Workflow rules"))
st.caption(
    t("What happens when a mention arrives: automatic rules act each time the scores are recomputed, "
    "manual rules wait for a person under “Needs a person”.")
)
_flash()
if not loaders.load_has_mentions(path, version):
    st.info(t(NO_MENTIONS), icon=":material/inbox:")
    st.page_link("pages/data.py", label=t("Go to the Data page"), icon=":material/upload_file:")

rules = loaders.load_rules(path, version)
table = loaders.load_rule_table(path, version, ui_lang.lang())
can_edit = access.can(auth.RULES)
st.subheader(t("Rules"))
if table.empty:
    st.info(t(NO_RULES) if can_edit else t(NO_RULES_VIEWER), icon=":material/rule:")
else:
    _rules_table(table)
st.caption(t(LOOKBACK_NOTE, n=W.LOOKBACK_DAYS))
if can_edit:
    _manage(path, rules, table)
    st.subheader(t("Write or change a rule"))
    _form(path, version, rules)
else:
    st.caption(auth.refusal_message(access.role(), auth.RULES).render(ui_lang.lang()))
_proposals(path, version)
