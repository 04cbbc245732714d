"""Sources (admin): live listening sources and notification channels.

Add, test, pause, resume and remove a source with a form; see each one's last
run, new mentions per run and errors in plain words. Collection itself runs
from cron (`python -m scrm collect`) or the `python -m scrm watch` loop: the
app never runs the scheduler. Secrets (tokens, app passwords, SMTP
passwords) are never typed here: they live in `.streamlit/secrets.toml`.
Every text from a platform or a setting is shown as a dataframe cell or escaped.
"""

from __future__ import annotations

import streamlit as st

from scrm import api, auth, ui
from scrm.charts import sources as charts
from scrm.errors import ScrmError
from scrm.listen import CONNECTORS, KINDS
from scrm.ui import auth as access
from scrm.ui import sources as loaders
from scrm.views import sources as V

NO_SOURCES = (
    "No sources yet. Add one below and use Test to check it; new mentions arrive each time the scheduled "
    "collector runs (the README's \"Listening live\" says how an admin schedules it)."
)
SECRETS_NOTE = (
    "Tokens, API keys, app passwords and SMTP passwords go in .streamlit/secrets.toml under [sources.NAME] "
    "or [notify.NAME], never in these forms."
)


def _sources(path: str) -> None:
    table = loaders.load_sources(path)
    st.subheader("Sources")
    if table.empty:
        st.info(NO_SOURCES, icon=":material/rss_feed:")
    else:
        st.dataframe(table, hide_index=True, width="stretch")
        for _, row in table[table["state"] == "paused"].iterrows():
            st.warning(ui.escape_markdown(f"{row['name']}: {row['paused_reason']}"), icon=":material/pause_circle:")
        _manage(path, table["name"].tolist())
    _add_form(path)


def _manage(path: str, names: list[str]) -> None:
    name = st.selectbox("Source", names, key="sources_chosen")
    test, pause, resume, remove = st.columns(4)
    try:
        if test.button("Test (one request)", key="sources_test"):
            with ui.connection(path) as db:
                probe = api.probe_source(db, name)
            if probe.error:
                ui.show_error(probe.error)
            else:
                st.success(ui.escape_markdown(
                    f"{probe.fetched} item(s) found with one request, {probe.new} not stored yet."), icon=":material/check_circle:")
                if probe.sample:
                    st.dataframe(probe.sample, hide_index=True)
        if pause.button("Pause", key="sources_pause"):
            with ui.connection(path) as db:
                api.set_source_paused(db, name, True, actor=access.actor(), role=access.role())
            st.rerun()
        if resume.button("Resume", key="sources_resume"):
            with ui.connection(path) as db:
                api.set_source_paused(db, name, False, actor=access.actor(), role=access.role())
            st.rerun()
        if remove.button("Remove", key="sources_remove"):
            with ui.connection(path) as db:
                api.remove_source(db, name, actor=access.actor(), role=access.role())
            st.rerun()
    except ScrmError as e:
        ui.show_error(e)


def _add_form(path: str) -> None:
    st.subheader("Add a source")
    st.dataframe(V.kind_help(), hide_index=True, width="stretch")
    with st.form("sources_add"):
        kind = st.selectbox("Kind", KINDS, key="sources_kind")
        name = st.text_input("Name", key="sources_name", placeholder="acme-mastodon")
        settings = st.text_area("Settings, one key=value a line", key="sources_settings",
                                placeholder="instance=https://mastodon.social\nhashtag=acme")
        every = st.number_input("Minutes between runs (0: at every collect)", min_value=0, value=0, step=5,
                                key="sources_every")
        st.caption(SECRETS_NOTE)
        if st.form_submit_button("Add source"):
            try:
                values = loaders.parse_settings(settings)
                with ui.connection(path) as db:
                    api.add_source(db, kind, name.strip(), values, every_minutes=int(every) or None,
                                   actor=access.actor(), role=access.role())
            except (ScrmError, ValueError) as e:
                ui.show_error(e)
            else:
                st.success(ui.escape_markdown(f"Added {kind} source {name.strip()}."), icon=":material/check_circle:")
    keys = ", ".join(f"{k}: {', '.join(c.setting_keys())}" for k, c in CONNECTORS.items())
    st.caption(ui.escape_markdown(f"Setting keys per kind: {keys}."))


def _runs(path: str) -> None:
    st.subheader("Last runs")
    runs = loaders.load_runs(path)
    if runs.empty:
        st.caption("No run yet.")
        return
    volume = loaders.load_new_per_source(path)
    if not volume.empty:
        st.altair_chart(charts.new_per_source_chart(volume), width="stretch")
    st.dataframe(runs, hide_index=True, width="stretch")


def _channels(path: str) -> None:
    st.subheader("Notification channels")
    channels = loaders.load_channels(path)
    if channels:
        st.dataframe(channels, hide_index=True, width="stretch")
        failed = [c for c in channels if c["last_status"] == "failed"]
        for c in failed:
            st.warning(ui.escape_markdown(f"{c['name']}: {c['last_error']}"), icon=":material/error:")
    else:
        st.caption("No channel yet: alerts only show on the Alerts page.")
    with st.form("sources_channel"):
        kind = st.selectbox("Kind", ("email", "webhook"), key="sources_channel_kind")
        name = st.text_input("Name", key="sources_channel_name", placeholder="team-chat")
        settings = st.text_area("Settings, one key=value a line", key="sources_channel_settings",
                                placeholder="url=https://hooks.example.com/...\nformat=slack")
        if st.form_submit_button("Add channel"):
            try:
                values = loaders.parse_settings(settings)
                with ui.connection(path) as db:
                    api.add_channel(db, kind, name.strip(), values, actor=access.actor(), role=access.role())
            except (ScrmError, ValueError) as e:
                ui.show_error(e)
            else:
                st.success(ui.escape_markdown(f"Added {kind} channel {name.strip()}."), icon=":material/check_circle:")
    deliveries = loaders.load_deliveries(path)
    if not deliveries.empty:
        st.caption("Last deliveries")
        st.dataframe(deliveries, hide_index=True, width="stretch")


ui.ensure_routed("pages/sources.py")
st.title("Sources")
st.caption(
    "Live listening: each source collects new mentions every time the scheduled collector runs; alerts raised "
    "by the scores reach the notification channels."
)
access.require(auth.IMPORT, page="Sources")
db_path = ui.current_db_path()
_sources(db_path)
_runs(db_path)
_channels(db_path)
