"""Settings (admins only): the business settings, the scores' freshness, who may do what, the audit log.

The business settings (own brand and competitors, reporting currency and
exchange rates, week start, time zone, default period) are stored in the
database and written through :func:`scrm.api.save_settings`
(:mod:`scrm.ui.settings` draws the form); "Recompute now" brings the scores
up to date in the background. The access settings live in
``.streamlit/secrets.toml`` (see the README); this
page shows the mode in effect and the configured people with their roles,
never a password hash, and helps an admin make a hash for a new user. The
audit log (:mod:`scrm.db.audit`) is filterable and downloads as a formula-safe CSV.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from scrm import auth, ui
from scrm.db import audit
from scrm.errors import ConfigError
from scrm.export import files as exports
from scrm.i18n import t as translate
from scrm.ui import auth as access
from scrm.ui import language as ui_lang
from scrm.ui import listening as ui_sentiment
from scrm.ui import masking as ui_privacy
from scrm.ui import settings as ui_settings
from scrm.ui import tables
from scrm.ui.language import t
from scrm.ui.missing import dataframe as show_table

TITLE = "Settings"
LOG_ROWS = 1000
EVERYONE = "Everyone"
# The audit log's kinds of action as the filter names them (the stored words are lower case).
AUDIT_ACTION_NAMES = {
    "import": "Import", "export": "Export", "erase": "Erase", "purge": "Purge", "rule": "Rule", "link": "Link",
    "case": "Case", "settings": "Settings", "login": "Login", "sentiment": "Sentiment",
}
# Who acts without signing in: shown as they are, even when names are masked.
SYSTEM_ACTORS = frozenset({audit.LOCAL, audit.CLI, audit.RULES_ACTOR, auth.ANONYMOUS.name})

MODE_SENTENCES = {
    auth.OFF: (
        "Access control is off: everyone who opens this address is the local admin and nobody signs in. "
        "To let a team sign in with roles, add an [access] section to .streamlit/secrets.toml "
        "(see “Add a person” below and the README)."
    ),
    auth.PASSWORD: "People sign in with a user name and a password; the users, their roles and password "
    "hashes are in .streamlit/secrets.toml.",
    auth.OIDC: "People sign in through your identity provider (OpenID Connect, configured in the [auth] "
    "section of .streamlit/secrets.toml); their role comes from their e-mail in [access.roles].",
}
LOG_COLUMNS = {
    "audit_id": st.column_config.NumberColumn(t("Entry"), format="#%d", width="small"),
    "at": st.column_config.TextColumn(t("When (UTC)")),
    "actor": st.column_config.TextColumn(t("Who")),
    "role": st.column_config.TextColumn(t("Role")),
    "action": st.column_config.TextColumn(t("Action")),
    "target": st.column_config.TextColumn(t("Target")),
    "detail": st.column_config.TextColumn(t("Details"), width="large"),
}


def readable_detail(detail: object, lang: str = "en") -> object:
    """An entry's JSON detail as words for the table: ``rows: 3 · what: person export``.

    Nested counts read ``deleted: orders 34, customers 1``; a detail that is not JSON stays as it is.
    In Spanish and French the keys and the stored words (``automatic``, ``open_case``, ``yes``) are
    translated, names and figures are not. The download keeps the JSON, for machines.
    """
    if not isinstance(detail, str) or not detail.startswith("{"):
        return detail
    try:
        data = json.loads(detail)
    except ValueError:
        return detail

    def text(value: str) -> str:
        if lang == "en":
            return value
        return tables.stored_word(value, lang) or translate(DETAIL_WORDS.get(value, value), lang)

    def word(value: object) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{text(str(k))} {word(v)}" for k, v in value.items()) or text("none")
        if isinstance(value, list):
            return ", ".join(word(v) for v in value) or text("none")
        if value is None:
            return "—"
        if isinstance(value, bool):
            return text("yes" if value else "no")
        return text(value) if isinstance(value, str) else str(value)

    if not isinstance(data, dict):
        return detail
    return " · ".join(f"{text(str(k).replace('_', ' '))}: {word(v)}" for k, v in data.items())


# The keys and words of audit details the engine writes (the stored vocabularies are in scrm.ui.tables).
DETAIL_WORDS = {
    "action": "action",
    "enabled": "enabled",
    "mode": "mode",
    "what": "what",
    "created": "created",
    "updated": "updated",
    "deleted": "deleted",
    "removed": "removed",
    "rows": "rows",
    "result": "result",
    "signed in": "signed in",
    "added": "added",
    "file": "file",
    "review id": "review id",
    "changed": "changed",
}
# What an audit entry's target starts with, in the reader's language (the rest is an id or a name).
TARGET_WORDS = ("rule match", "rule", "case", "source", "channel", "mapping", "restore", "copy from")
TARGET_PHRASES = {"load demo": "load demo", "start empty": "start empty", "report brand": "report brand",
                  "demo casework": "demo casework"}  # fmt: skip


def readable_target(target: object, lang: str = "en") -> object:
    """``rule 3`` as ``regla 3`` in Spanish: the kind of thing translated, its id or name kept."""
    if not isinstance(target, str) or lang == "en":
        return target
    if target in TARGET_PHRASES:
        return translate(TARGET_PHRASES[target], lang)
    for head in TARGET_WORDS:
        if target.startswith(head + " "):
            return f"{translate(head, lang)} {target[len(head) + 1:]}"
    return target


def _actor_name(actor: str) -> str:
    """Who acted, as the filter lists them: the system actors in the reader's language, people masked when asked."""
    if actor in SYSTEM_ACTORS:  # as the log's "Who" column writes them: stored words in Spanish and French only
        return (tables.stored_word(actor, ui_lang.lang()) if ui_lang.lang() != "en" else None) or actor
    return str(_mask_people(pd.Series([actor], dtype=object)).iloc[0])


def _mask_people(values: pd.Series) -> pd.Series:
    """User names and e-mails replaced by stand-ins when the privacy switch is on."""
    if not ui_privacy.masked():
        return values
    return values.map(
        lambda v: v if v is None or v in SYSTEM_ACTORS else ui_privacy.mask_value(str(v), "email" if "@" in str(v) else "name")
    )


def _access_section() -> None:
    st.subheader(t("Access"))
    try:
        cfg = access.config()
    except ConfigError as e:  # not reached in practice: nobody gets here with a broken configuration
        st.error(ui.escape_markdown(ui.error_text(e, ui_lang.lang())), icon=":material/key_off:")
        return
    st.info(t(MODE_SENTENCES[cfg.mode]), icon=":material/admin_panel_settings:")
    user = access.current_user()
    shown_name = _mask_people(pd.Series([user.name], dtype=object)).iloc[0]
    st.markdown(t("You are **{name}**, role **{role}**.", name=ui.escape_markdown(shown_name), role=t(user.role)))
    if cfg.enabled:
        people = pd.DataFrame(cfg.user_roles(), columns=["person", "role"], dtype=object)
        people["person"] = _mask_people(people["person"])
        label = t("User") if cfg.mode == auth.PASSWORD else t("E-mail")
        show_table(
            people, hide_index=True, width=520,
            column_config={"person": st.column_config.TextColumn(label), "role": st.column_config.TextColumn(t("Role"))},
        )
        if cfg.mode == auth.OIDC:
            domains = ", ".join(cfg.allowed_domains) if cfg.allowed_domains else t("any domain")
            if cfg.default_role == auth.NO_ACCESS:
                others = t("Nobody else who signs in gets in; allowed e-mail domains: {domains}.", domains=domains)
            else:
                others = t("Everyone else who signs in gets the {role} role; allowed e-mail domains: {domains}.",
                           role=cfg.default_role, domains=domains)  # fmt: skip
            st.caption(ui.escape_markdown(others))
        st.caption(t("Password hashes are never shown. A change to secrets.toml applies at the next click, without a restart."))
    _roles_table()
    _add_person(cfg)


def _roles_table() -> None:
    rows = [
        {"What": t(auth.PERMISSION_NAMES[p]).capitalize(), **{r: "✓" if auth.can(r, p) else "" for r in auth.ROLES}}
        for p in auth.PERMISSIONS
    ]
    st.markdown(t("**What each role can do**"))
    # The role names are the words written in secrets.toml: they stay as they are.
    show_table(pd.DataFrame(rows), hide_index=True, width=520, column_config={"What": t("What")})


def _add_person(cfg: auth.AccessConfig) -> None:
    with st.expander(t("Add a person"), icon=":material/person_add:"):
        st.markdown(
            t("**With passwords** (mode = \"password\"): make a hash of the new person's password with the form "
            "below, then add their section to `.streamlit/secrets.toml`:")
        )
        st.code(
            '[access]\nmode = "password"\n\n[access.users.ana]\nrole = "analyst"\n'
            'password_hash = "scrypt$131072$8$1$..."',
            language="toml",
        )
        # The sample is what goes in the file, in any language; what it means is said around it, translated.
        st.caption(t("The role is viewer, analyst or admin (see What each role can do above)."))
        st.markdown(
            t("**With your identity provider** (mode = \"oidc\"): add their e-mail and role under `[access.roles]`:")
        )
        st.code('[access.roles]\n"ana@example.com" = "analyst"', language="toml")
        _hash_form()


def _hash_form() -> None:
    st.markdown(t("**Make a password hash**"))
    # The password is not kept: the form clears on submit and only the hash is shown.
    with st.form("settings_hash", clear_on_submit=True, width=420):
        first = st.text_input(t("New password"), type="password", key="settings_hash_1", autocomplete="new-password")
        second = st.text_input(t("The same password again"), type="password", key="settings_hash_2", autocomplete="new-password")
        made = st.form_submit_button(t("Make the hash"), icon=":material/key:")
    if not made:
        return
    try:
        line = f'password_hash = "{auth.hash_new_password(first, second)}"'
    except auth.PasswordRejected as e:
        st.error(ui.error_text(e, ui_lang.lang()), icon=":material/error:")  # our own sentence: nothing to escape
        return
    st.caption(t("Copy this line into the person's section of .streamlit/secrets.toml:"))
    st.code(line, language="toml")


def _audit_section(path: str, version: int) -> None:
    st.subheader(t("Audit log"))
    st.caption(
        t("Who imported, downloaded, erased or purged data, changed a workflow rule, an identity link or a case, "
        "and who signed in: by name or identifier, never with the personal data itself.")
    )
    everything = access.load_audit_log(path, version, (), None, LOG_ROWS)
    if everything.empty:
        st.info(
            t("No entries yet. Imports, downloads, erasures, rule, link and case changes and sign-ins appear here "
            "as they happen."),
            icon=":material/history:",
        )
        return
    left, right = st.columns(2)
    with left:
        actions = st.multiselect(
            t("Actions"), list(audit.ACTIONS), key="settings_actions", placeholder=t("All actions"),
            format_func=lambda a: t(AUDIT_ACTION_NAMES.get(a, a.capitalize())),
        )
    actors = sorted(str(a) for a in everything["actor"].dropna().unique())
    with right:
        actor = st.selectbox(
            t("Who"), [EVERYONE, *actors], key="settings_actor",
            format_func=lambda a: t(EVERYONE) if a == EVERYONE else _actor_name(a),
        )
    chosen_actor = None if actor == EVERYONE else str(actor)
    log = access.load_audit_log(path, version, tuple(actions), chosen_actor, LOG_ROWS)
    if log.empty:
        st.caption(t("No entry matches these filters. Choose other actions or Everyone."))
        return
    shown = log.assign(
        actor=_mask_people(log["actor"].astype(object)),
        target=log["target"].astype(object).map(lambda v: readable_target(v, ui_lang.lang())),
        detail=log["detail"].astype(object).map(lambda v: readable_detail(v, ui_lang.lang())),
    )
    show_table(shown, hide_index=True, column_config=LOG_COLUMNS, width="stretch")
    if len(log) == LOG_ROWS:
        st.caption(t("Newest first: the last {n} matching entries.", n=ui_lang.format_number(LOG_ROWS)))
    else:
        st.caption(t("Newest first: all {n} matching entries.", n=ui_lang.format_number(len(log))))
    if access.export_allowed():
        st.download_button(
            t("Download CSV"), access.audited(lambda: exports.to_csv_bytes(log), "audit-log.csv", rows=len(log)),
            file_name="audit-log.csv", mime="text/csv",
            icon=":material/download:", key="settings_audit_csv",
            on_click="ignore",
        )


ui.ensure_routed("pages/settings.py")
access.require(auth.page_permission("pages/settings.py"), page=TITLE)
db_path = ui.current_db_path()
data_version = ui.current_version(db_path)

st.title(t(TITLE))
st.caption(
    t("What the figures assume about your business, how fresh the scores are, who may do what, "
    "and the log of what was done.")
)
business, scores, people, log_tab = st.tabs([t("Business"), t("Scores"), t("Access"), t("Audit log")])
with business:
    ui_settings.business_form(db_path, data_version)
    ui_settings.languages_form(db_path, data_version)
    ui_settings.accurate_form(db_path, data_version)
    ui_settings.report_brand_form(db_path, data_version)
with scores:
    ui_settings.recompute_panel(db_path, data_version)
    ui_sentiment.train_panel(db_path, data_version)
with people:
    _access_section()
with log_tab:
    _audit_section(db_path, data_version)
