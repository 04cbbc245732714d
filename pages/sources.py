"""Sources (admin): live listening sources and notification channels.

Add, test, pause, resume and remove a source with a form; see each one's last
run, new mentions per run and errors in plain words. Collection itself runs
from cron (`python -m scrm collect`) or the `python -m scrm watch` loop: the
app never runs the scheduler. Secrets (tokens, app passwords, SMTP
passwords) are never typed here: they live in `.streamlit/secrets.toml`.
Every text from a platform or a setting is shown as a dataframe cell or escaped.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scrm import api, auth, ui
from scrm.charts import sources as charts
from scrm.errors import ScrmError
from scrm.listen import CONNECTORS, KINDS
from scrm.ui import auth as access
from scrm.ui import sources as loaders
from scrm.ui.chart_text import altair_chart as localised_chart
from scrm.ui.language import lang, t
from scrm.ui.missing import dataframe as show_table
from scrm.views import sources as V

NO_SOURCES = (
    "No sources yet. Add one below and use Test to check it; new mentions arrive each time the scheduled "
    "collector runs (the README's \"Listening live\" says how an admin schedules it)."
)
SECRETS_NOTE = (
    "Tokens, API keys, app passwords and SMTP passwords go in .streamlit/secrets.toml under [sources.NAME] "
    "or [notify.NAME], never in these forms."
)
SOURCE_COLUMNS = {
    "name": "Name", "kind": "Kind", "state": "State", "every_minutes": "Minutes between runs", "last_run_at": "Last run (UTC)",
    "last_new": "New in last run", "last_error": "Last error", "failures": "Failures in a row", "paused_reason": "Why paused",
    "settings": "Settings",
}
RUN_COLUMNS = {
    "collection_id": "Run", "source": "Source", "kind": "Kind", "finished_at": "Finished (UTC)", "fetched": "Fetched",
    "new": "New", "deleted": "Deleted", "rejected": "Rejected", "requests": "Requests", "seconds": "Seconds", "error": "Error",
}
KIND_COLUMNS = {"kind": "Kind", "collects": "Collects", "settings": "Settings (* required)", "needs": "Needs"}
CHANNEL_COLUMNS = {
    "name": "Name", "kind": "Kind", "settings": "Settings", "enabled": "Enabled", "last_status": "Last status",
    "last_at": "Last delivery (UTC)", "last_error": "Last error",
}
DELIVERY_COLUMNS = {
    "delivery_id": "Delivery", "channel": "Channel", "created_at": "Created (UTC)", "subject": "Subject", "status": "Status",
    "attempts": "Attempts", "error": "Error",
}


def _sources(path: str) -> None:
    table = loaders.load_sources(path, lang())  # why paused and the last error in the reader's language
    st.subheader(t("Sources"))
    if table.empty:
        st.info(t(NO_SOURCES), icon=":material/rss_feed:")
    else:
        show_table((table), hide_index=True, width="stretch", column_config={k: t(v) for k, v in SOURCE_COLUMNS.items()})
        for _, row in table[table["state"] == "paused"].iterrows():
            st.warning(ui.escape_markdown(f"{row['name']}: {row['paused_reason']}"), icon=":material/pause_circle:")
        _manage(path, table["name"].tolist())
    _add_form(path)


def _manage(path: str, names: list[str]) -> None:
    name = st.selectbox(t("Source"), names, key="sources_chosen")
    test, pause, resume, remove = st.columns(4)
    try:
        if test.button(t("Test (one request)"), key="sources_test"):
            with ui.connection(path) as db:
                probe = api.probe_source(db, name)
            if probe.error:
                ui.show_error(probe.error_message or probe.error)
            else:
                st.success(ui.escape_markdown(t(
                    "{fetched} item(s) found with one request, {new} not stored yet.", fetched=probe.fetched, new=probe.new,
                )), icon=":material/check_circle:")
                if probe.sample:
                    show_table(probe.sample, hide_index=True)
        if pause.button(t("Pause"), key="sources_pause"):
            with ui.connection(path) as db:
                api.set_source_paused(db, name, True, actor=access.actor(), role=access.role())
            st.rerun()
        if resume.button(t("Resume"), key="sources_resume"):
            with ui.connection(path) as db:
                api.set_source_paused(db, name, False, actor=access.actor(), role=access.role())
            st.rerun()
        if remove.button(t("Remove"), key="sources_remove"):
            with ui.connection(path) as db:
                api.remove_source(db, name, actor=access.actor(), role=access.role())
            st.rerun()
    except ScrmError as e:
        ui.show_error(e)


def _add_form(path: str) -> None:
    st.subheader(t("Add a source"))
    # What each kind collects and needs, in the reader's language (the setting names are the ones to type).
    kinds = [{**row, "collects": t(row["collects"]), "needs": t(row["needs"])} for row in V.kind_help()]
    show_table(kinds, hide_index=True, width="stretch", column_config={k: t(v) for k, v in KIND_COLUMNS.items()})
    with st.form("sources_add"):
        kind = st.selectbox(t("Kind"), KINDS, key="sources_kind")
        name = st.text_input(t("Name"), key="sources_name", placeholder="acme-mastodon")
        settings = st.text_area(t("Settings, one key=value a line"), key="sources_settings",
                                placeholder="instance=https://mastodon.social\nhashtag=acme")
        every = st.number_input(t("Minutes between runs (0: at every collect)"), min_value=0, value=0, step=5,
                                key="sources_every")
        st.caption(t(SECRETS_NOTE))
        if st.form_submit_button(t("Add source")):
            try:
                values = loaders.parse_settings(settings)
                with ui.connection(path) as db:
                    api.add_source(db, kind, name.strip(), values, every_minutes=int(every) or None,
                                   actor=access.actor(), role=access.role())
            except (ScrmError, ValueError) as e:
                ui.show_error(e)
            else:
                st.success(ui.escape_markdown(t("Added {kind} source {name}.", kind=kind, name=name.strip())), icon=":material/check_circle:")
    keys = ", ".join(f"{k}: {', '.join(c.setting_keys())}" for k, c in CONNECTORS.items())
    st.caption(ui.escape_markdown(t("Setting keys per kind: {keys}.", keys=keys)))


def _runs(path: str) -> None:
    st.subheader(t("Last runs"))
    runs = loaders.load_runs(path, lang=lang())  # a failed run's error in the reader's language
    if runs.empty:
        st.caption(t("No run yet."))
        return
    volume = loaders.load_new_per_source(path)
    if not volume.empty:
        localised_chart(charts.new_per_source_chart(volume), width="stretch")
    show_table((runs), hide_index=True, width="stretch", column_config={k: t(v) for k, v in RUN_COLUMNS.items()})


def _channels(path: str) -> None:
    st.subheader(t("Notification channels"))
    channels = loaders.load_channels(path, lang())  # a failed send's error in the reader's language
    if channels:
        show_table((pd.DataFrame(channels)), hide_index=True, width="stretch", column_config={k: t(v) for k, v in CHANNEL_COLUMNS.items()})
        failed = [c for c in channels if c["last_status"] == "failed"]
        for c in failed:
            st.warning(ui.escape_markdown(f"{c['name']}: {c['last_error']}"), icon=":material/error:")
    else:
        st.caption(t("No channel yet: alerts only show on the Alerts page."))
    with st.form("sources_channel"):
        kind = st.selectbox(t("Kind"), ("email", "webhook"), key="sources_channel_kind", format_func=t)
        name = st.text_input(t("Name"), key="sources_channel_name", placeholder="team-chat")
        settings = st.text_area(t("Settings, one key=value a line"), key="sources_channel_settings",
                                placeholder="url=https://hooks.example.com/...\nformat=slack")
        if st.form_submit_button(t("Add channel")):
            try:
                values = loaders.parse_settings(settings)
                with ui.connection(path) as db:
                    api.add_channel(db, kind, name.strip(), values, actor=access.actor(), role=access.role())
            except (ScrmError, ValueError) as e:
                ui.show_error(loaders.channel_form_error(e))  # names this form's settings box, not the command line's --set
            else:
                st.success(ui.escape_markdown(t("Added {kind} channel {name}.", kind=kind, name=name.strip())), icon=":material/check_circle:")
    deliveries = loaders.load_deliveries(path, lang=lang())
    if not deliveries.empty:
        st.caption(t("Last deliveries"))
        show_table((deliveries), hide_index=True, width="stretch", column_config={k: t(v) for k, v in DELIVERY_COLUMNS.items()})


ui.ensure_routed("pages/sources.py")
st.title(t("Sources"))
st.caption(
    t("Live listening: each source collects new mentions every time the scheduled collector runs; alerts raised "
      "by the scores reach the notification channels.")
)
access.require(auth.IMPORT, page="Sources")
db_path = ui.current_db_path()
_sources(db_path)
_runs(db_path)
_channels(db_path)
