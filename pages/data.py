"""Data: import files, review import history and quarantined rows, start over.

Everything the page decides per file lives in :mod:`scrm.ui.data`;
everything it reads comes through the cached loaders in :mod:`scrm.ui`.
Text from files (names, headers, cells) is shown through dataframes, plain
widget options or :func:`scrm.ui.escape_markdown`, never as raw markdown.

Access: the page needs the analyst role (it shows quarantined rows, raw
cells of the files); importing and starting over need ``auth.IMPORT`` (admin),
the quarantine downloads ``auth.EXPORT``. Imports and resets go to the audit
log with their counts, never with the rows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from scrm import api, auth, ui
from scrm.db import schema as S
from scrm.errors import ScrmError
from scrm.export import files as exports
from scrm.i18n import LANGUAGES
from scrm.i18n import t as translate
from scrm.ingest import Preview
from scrm.ui import auth as access
from scrm.ui import data as I
from scrm.ui import language as UL
from scrm.ui.language import lang, t
from scrm.ui.missing import dataframe as show_table
from scrm.views import data as browse

log = logging.getLogger("scrm.pages.data")

TABS = ("Import files", "Import history", "Quarantine", "Start over")
TABLE_NAMES = {
    S.CUSTOMERS: "customers", S.ORDERS: "orders", S.MENTIONS: "mentions", S.SURVEYS: "surveys",
    S.PROFILES: "profiles", S.IMPORTS: "imports",
}
PREVIEW_ROWS_SHOWN = 10
HISTORY_ROWS_SHOWN = 200
ALL_IMPORTS = 0
QUARANTINE_ROWS_SHOWN = 5_000

HISTORY_COLUMNS = {
    "import_id": st.column_config.NumberColumn(t("Import"), format="#%d", width="small"),
    "finished_at": st.column_config.TextColumn(t("Finished (UTC)")),
    "kind": st.column_config.TextColumn(t("Kind")),
    "file_name": st.column_config.TextColumn(t("File"), width="medium"),
    "preset": st.column_config.TextColumn(t("Preset")),
    "rows_read": st.column_config.NumberColumn(t("Rows read"), format="localized"),
    "rows_new": st.column_config.NumberColumn(t("New"), format="localized"),
    "rows_updated": st.column_config.NumberColumn(t("Updated"), format="localized"),
    "rows_unchanged": st.column_config.NumberColumn(t("Unchanged"), format="localized"),
    "rows_duplicate": st.column_config.NumberColumn(t("Duplicates"), format="localized"),
    "rows_rejected": st.column_config.NumberColumn(t("Quarantined"), format="localized"),
    "seconds": st.column_config.NumberColumn(t("Seconds"), format="%.1f"),
}
QUARANTINE_COLUMNS = {
    "import_id": st.column_config.NumberColumn(t("Import"), format="#%d", width="small"),
    "file_name": st.column_config.TextColumn(t("File")),
    "kind": st.column_config.TextColumn(t("Kind")),
    "row_number": st.column_config.NumberColumn(t("Row"), help=t("As a spreadsheet numbers it: the header is row 1.")),
    "column": st.column_config.TextColumn(t("Column")),
    "value": st.column_config.TextColumn(t("Value")),
    "reason": st.column_config.TextColumn(t("Reason"), width="large"),
}
# The engine's names of the kinds of file and of the date orders (scrm.ui.data), as this page shows them.
KIND_LABELS = {S.CUSTOMERS: "Customers", S.ORDERS: "Orders", S.MENTIONS: "Social mentions", S.SURVEYS: "Survey answers"}
DATE_ORDERS = {"auto": "read from the values", "day": "day first (5 March)", "month": "month first (May 3)"}
IMPORT_AS = {
    S.CUSTOMERS: "Import as customers", S.ORDERS: "Import as orders", S.MENTIONS: "Import as social mentions",
    S.SURVEYS: "Import as survey answers",
}
SET_BY_PRESET = {
    S.CUSTOMERS: "Set by the preset: customers.", S.ORDERS: "Set by the preset: orders.",
    S.MENTIONS: "Set by the preset: social mentions.", S.SURVEYS: "Set by the preset: survey answers.",
}
DETECTED = {
    S.CUSTOMERS: "Detected from the headers: customers.", S.ORDERS: "Detected from the headers: orders.",
    S.MENTIONS: "Detected from the headers: social mentions.", S.SURVEYS: "Detected from the headers: survey answers.",
}


NONE_LABEL = "(none)"  # scrm.ui.data.NONE, the option of a column the file does not have


def _kind_name(kind: str) -> str:
    return t(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def _size(n: int) -> str:
    if n < 1024:
        return t("{n} bytes", n=UL.format_number(n))
    if n < 1024**2:
        return f"{UL.format_number(n / 1024)} KB"
    return f"{UL.format_number(n / 1024**2, decimals=1)} MB"


def _progress_reporter(bar: Any) -> Callable[[float, str], None]:
    def report(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=ui.escape_markdown(message))

    return report


def _show_outcome(outcome: dict[str, Any]) -> None:
    show = st.warning if outcome["level"] == "warning" else st.success
    body = "  \n".join(ui.escape_markdown(line) for line in [outcome["headline"], *outcome["parts"]])
    show(body, icon=":material/warning:" if outcome["level"] == "warning" else ":material/check_circle:")
    for note in outcome["notes"]:
        st.caption(ui.escape_markdown(note))
    if outcome["problems"]:
        with st.expander(t("First quarantined rows")):
            for problem in outcome["problems"]:
                st.text(problem)
    if outcome["links"]:
        st.info(ui.escape_markdown(outcome["links"]), icon=":material/link:")


def _run_import(
    db_path: str, file_id: str, file_name: str, data: bytes, kind: str, mapping: Any, dates: Any = None
) -> None:
    access.require(auth.IMPORT)  # the form is hidden from other roles; this refuses a forged submit too
    bar = st.progress(0.0, text=t("Starting the import"))
    report = _progress_reporter(bar)
    try:
        # A big upload is read from a temporary file; file_name stays the user's.
        with I.upload_source(data) as source, ui.write_lock(db_path), ui.connection(db_path) as db:
            done = api.import_file(
                db, source, kind, file_name=file_name, mapping=mapping, actor=access.actor(), role=access.role(),
                progress=report, dates=dates,
            )
    except ScrmError as e:
        bar.empty()
        ui.show_error(e)
        return
    outcome = I.describe_result(done.result, lang())
    outcome.links = done.links
    # The import is committed; the dashboards need scores for the new rows too.
    outcome.notes.append(_scores_note(done.score_error, done.seconds_scoring))
    st.session_state["data_results"][file_id] = outcome.as_state()
    st.rerun()


def _scores_note(error: str | None, seconds: float) -> str:
    """A sentence on the score run after a write: a failure never undoes the write."""
    if error is not None:
        return t(
            "The data is stored, but the scores could not be updated; the dashboards show them as before. "
            "Use Recompute now on the Settings page to try again; the details are in the server log."
        )
    return t("Scores updated in {seconds} s (sentiment, profiles, value, themes, segments, roles, journeys, alerts).",
             seconds=UL.format_number(seconds))


def _choose_preset(file_id: str, suggested: str | None) -> str:
    options = I.preset_options()
    preset = st.selectbox(
        t("Preset"),
        options,
        index=options.index(suggested) if suggested in options else 0,
        format_func=lambda option: I.preset_label(option, lang()),
        key=f"data_preset_{file_id}",
        help=t("A preset knows the layout of a public dataset or an export format. "
               "Auto matches the file's headers to scrm's columns by name, in English, Spanish or French."),
    )
    description = I.preset_description(preset, lang())
    if description:
        recognised = t("Recognised export.") + " " if preset == suggested else ""
        st.caption(recognised + ui.escape_markdown(description))
    return str(preset)


def _choose_kind(file_id: str, preset: str, detected: str | None) -> str | None:
    fixed = I.preset_kind(preset)
    default = fixed or detected
    kind = st.selectbox(
        t("This file holds"),
        list(S.KINDS),
        index=S.KINDS.index(default) if default in S.KINDS else None,
        format_func=_kind_name,
        placeholder=t("Choose what this file holds"),
        disabled=fixed is not None,
        # Per preset: a new preset starts from its own kind, not the last choice.
        key=f"data_kind_{file_id}_{preset}",
    )
    if fixed:
        st.caption(t(SET_BY_PRESET[fixed]) if fixed in SET_BY_PRESET else fixed)
    elif detected:
        st.caption(t(DETECTED[detected]) if detected in DETECTED else detected)
    else:
        st.caption(t("The headers do not say what this file holds: choose it above."))
    return kind


def _saved_choice(db_path: str, file_id: str, preset: str, kind: str) -> dict[str, str] | None:
    """A mapping saved earlier for this kind, to start the column boxes from (None: the engine's proposal)."""
    if I.preset_kind(preset) is not None:
        return None
    with ui.connection(db_path) as db:
        saved = browse.saved_mappings(db, kind)
    if not saved:
        return None
    name = st.selectbox(
        t("Start from a saved mapping"), [I.NONE, *saved], key=f"data_saved_{file_id}_{kind}",
        format_func=lambda name: t(NONE_LABEL) if name == I.NONE else name,
        help=t("Mappings saved with this page's “Save these columns as” box."),
    )
    return saved.get(str(name))


def _mapping_form(
    file_id: str, preset: str, kind: str, preview: Preview, saved: dict[str, str] | None = None
) -> tuple[bool, dict[str, str] | None, dict[str, Any]]:
    """The column select boxes (none with a preset), the date options and the Import button, in one form."""
    choices: dict[str, str] | None = None
    extra: dict[str, Any] = {}
    variant = "saved" if saved else "proposed"
    with st.form(key=f"data_form_{file_id}_{preset}_{kind}_{variant}", border=False):
        if I.preset_kind(preset) is None:
            st.markdown("**" + t("Columns") + "** · " + t("pick the file's header for each of scrm's columns (\\* = required)"))
            proposed = dict(saved) if saved else I.proposed_mapping(preview.headers, kind)
            fields = I.mapping_fields(kind, preview.headers, proposed, lang())
            grid = st.columns(4)
            choices = {}
            for i, field in enumerate(fields):
                with grid[i % 4]:
                    choices[field.column] = st.selectbox(
                        ui.escape_markdown(field.label),
                        field.options,
                        index=field.index,
                        format_func=lambda header: t(NONE_LABEL) if header == I.NONE else header,
                        help=field.help,
                        key=f"data_map_{file_id}_{kind}_{variant}_{field.column}",
                    )
            extra["save_as"] = st.text_input(
                t("Save these columns as (optional)"), key=f"data_save_as_{file_id}_{kind}",
                placeholder="shop-orders",
                help=t("A name to find this mapping again here next time."),
            )
        elif preview.mapping:
            st.caption(
                t("The preset maps:") + " "
                + ui.escape_markdown(", ".join(f"{c} ← {h}" for c, h in preview.mapping.items()))
            )
        left, right = st.columns(2)
        with left:
            extra["order"] = st.selectbox(
                t("Dates such as 05/03/24"), list(I.DATE_ORDERS), format_func=lambda order: t(DATE_ORDERS[order]),
                key=f"data_order_{file_id}", help=t("Only asked for when no value of the column decides."),
            )
        with right:
            extra["anchor"] = st.date_input(
                t("Relative dates count back from"), value=None, key=f"data_anchor_{file_id}", format=UL.date_input_format(),
                help=t("The day the file was exported. Without it, relative dates go to quarantine."),
            )
        submitted = st.form_submit_button(
            t(IMPORT_AS[kind]) if kind in IMPORT_AS else kind, type="primary", icon=":material/upload:"
        )
    return submitted, choices, extra


def _mapping_is_usable(kind: str, choices: dict[str, str] | None, headers: list[str]) -> bool:
    if choices is None:
        return True
    chosen = I.chosen_mapping(choices)
    missing = I.missing_required(kind, chosen)
    if missing:
        st.error(
            t("Choose a column of the file for {columns}: it is required for {kind}." if len(missing) == 1
              else "Choose a column of the file for {columns}: they are required for {kind}.",
              columns=", ".join(missing), kind=_kind_name(kind).lower()),
            icon=":material/error:",
        )
        return False
    for header, columns in I.reused_headers(chosen).items():
        st.warning(
            ui.escape_markdown(t("“{header}” is used for {columns}; check that this is intended.", header=header, columns=", ".join(columns))),
            icon=":material/warning:",
        )
    return True


def _file_panel(db_path: str, upload: Any) -> None:
    """One uploaded file: its name, the outcome of its import, and its settings."""
    file_id = str(upload.file_id)
    data = upload.getvalue()
    with st.container(border=True):
        st.markdown(f"**{ui.escape_markdown(upload.name)}** · {_size(len(data))}")
        outcome = st.session_state["data_results"].get(file_id)
        if outcome:
            _show_outcome(outcome)
            # Done: the settings fold away but stay at hand for a re-import.
            with st.expander(t("Preview and import settings")):
                _file_settings(db_path, upload, file_id, data)
        else:
            _file_settings(db_path, upload, file_id, data)


def _file_settings(db_path: str, upload: Any, file_id: str, data: bytes) -> None:
    """Preset, kind, preview, column mapping and Import button of one file."""
    # The first read (no preset) gives the headers and the sample that the
    # preset suggestion and the kind detection work from. When the standard
    # reader refuses the file, a preset with its own reader (CDNOW's
    # space-separated text) may still read it, so the page goes on.
    first: Preview | None = None
    first_error: ScrmError | None = None
    try:
        first = ui.load_preview(file_id, upload.name, None, data)
    except ScrmError as e:
        first_error = e
    # A preset the headers identify comes first; else the one whose transform reads the sample.
    suggested = first.preset if first is not None and first.preset else None
    if suggested is None and first is not None:
        suggested = ui.load_preset_suggestion(file_id, first.sample)
    if first is not None and first.detected:
        what = I.detected_label(first.preset, lang()) or first.detected
        st.caption(t("Detected: {what}. Choose another preset, or Auto to map the columns yourself, to override it.",
                     what=ui.escape_markdown(what)))

    left, right = st.columns(2)
    with left:
        preset = _choose_preset(file_id, suggested)
    if preset == I.AUTO:
        preview = first
        if preview is None:
            ui.show_error(first_error)
            st.caption(t("If the file is one of the exports scrm knows, choose its preset above."))
            return
    else:
        try:
            preview = ui.load_preview(file_id, upload.name, preset, data)
        except ScrmError as e:
            ui.show_error(e)
            return
    with right:
        kind = _choose_kind(file_id, preset, preview.kind)

    show_table((preview.sample.head(PREVIEW_ROWS_SHOWN).rename_axis(t("Row"))), width="stretch")
    st.caption(t("First rows of {n} columns, as read from the file.", n=UL.format_number(len(preview.headers))))
    if kind is None:
        return
    saved = _saved_choice(db_path, file_id, preset, kind)
    submitted, choices, extra = _mapping_form(file_id, preset, kind, preview, saved)
    if submitted and _mapping_is_usable(kind, choices, preview.headers):
        if choices is not None and str(extra.get("save_as") or "").strip() and not _save_mapping(
            db_path, str(extra["save_as"]), kind, I.chosen_mapping(choices)
        ):
            return
        _run_import(db_path, file_id, upload.name, data, kind, I.mapping_argument(preset, choices),
                    I.date_options(extra.get("order"), extra.get("anchor")))


def _save_mapping(db_path: str, name: str, kind: str, chosen: dict[str, str]) -> bool:
    """Save the chosen columns under ``name`` (admin only, audited); False after showing why it could not."""
    access.require(auth.IMPORT)
    try:
        with ui.write_lock(db_path), ui.connection(db_path) as db:
            saved = api.save_mapping(db, name, kind, chosen, actor=access.actor(), role=access.role())
    except ScrmError as e:
        ui.show_error(e)
        return False
    st.toast(t("Saved the mapping {name}: choose it here next time.", name=saved))
    return True


def _import_tab(db_path: str, version: int) -> None:
    if not access.can(auth.IMPORT):
        st.info(auth.refusal_message(access.role(), auth.IMPORT).render(UL.lang()), icon=":material/lock:")
        return
    if ui.load_is_demo(db_path, version):
        st.info(
            t("This database holds the generated demo data. To keep your own data apart, start with an "
              "empty database first (Start over tab); otherwise your files are added to the demo."),
            icon=":material/science:",
        )
    uploads = st.file_uploader(
        t("Upload CSV, TSV, Excel or JSON files"),
        type=list(I.ACCEPTED_TYPES),
        accept_multiple_files=True,
        key=f"data_upload_{st.session_state['data_round']}",
        help=t("Customers, orders, social mentions or NPS survey answers. Gzipped CSV works too. "
               "A re-import of the same rows adds nothing twice."),
    )
    if not uploads:
        st.caption(
            t("Each file is checked before anything is stored: rows that cannot be read go to the "
              "quarantine with their row number and reason, the rest is imported in one step.")
        )
    for upload in uploads or []:
        _file_panel(db_path, upload)


def _history_tab(db_path: str, version: int) -> None:
    history = ui.load_import_history(db_path, version, HISTORY_ROWS_SHOWN)
    if history.empty:
        st.caption(t("No imports yet."))
        return
    st.caption(
        (t("Newest first: the last {n} imports.", n=UL.format_number(len(history))) if len(history) == HISTORY_ROWS_SHOWN
         else t("Newest first: all {n} imports.", n=UL.format_number(len(history))))
        + " " + t("A preset that yields two kinds records one import per kind.")
    )
    history = history.assign(kind=history["kind"].map(lambda k: _kind_name(str(k))).astype(object)) if "kind" in history else history
    show_table((history), hide_index=True, column_config=HISTORY_COLUMNS, width="stretch")


def _quarantine_tab(db_path: str, version: int) -> None:
    imports = ui.load_quarantine_imports(db_path, version)
    if imports.empty:
        st.caption(t("No rows in quarantine: every imported row was read."))
        return
    per_import = {int(r["import_id"]): int(r["rows"]) for r in imports.to_dict("records")}
    labels = {
        int(r["import_id"]): f"#{r['import_id']} · {r['file_name']} ({_kind_name(str(r['kind'])).lower()}) · "
        + t("{n} rows", n=UL.format_number(int(r["rows"])))
        for r in imports.to_dict("records")
    }
    every, files = sum(per_import.values()), len(per_import)
    st.caption(
        t("Rows set aside, each with its reason: {rows} from {files} import(s). Fix them in the file and import "
          "it again: rows already stored are left as they are.", rows=UL.format_number(every), files=UL.format_number(files))
    )
    # 0 stands for "all imports" (ids start at 1): a None value would show
    # as an empty select box.
    options = [ALL_IMPORTS, *labels]
    if st.session_state["data_quarantine_import"] not in options:
        st.session_state["data_quarantine_import"] = ALL_IMPORTS
    choice = st.selectbox(
        t("Import"),
        options,
        format_func=lambda i: t("All imports") if i == ALL_IMPORTS else labels[i],
        key="data_quarantine_import",
    )
    import_id = None if choice == ALL_IMPORTS else int(choice)
    total = every if import_id is None else per_import[import_id]
    # Each reason in the reader's language (rows imported before reasons were stored as messages stay in English).
    shown = I.reasons_in_language(
        ui.load_quarantine_rows(db_path, version, import_id, QUARANTINE_ROWS_SHOWN, messages=True), lang())
    show_table((shown), hide_index=True, column_config=QUARANTINE_COLUMNS, width="stretch")
    if total > len(shown):
        st.caption(t("Showing the first {n} of {total} rows; the downloads hold all of them.",
                     n=UL.format_number(len(shown)), total=UL.format_number(total)))

    def export(fmt: str) -> Callable[[], bytes]:
        # Built only when the button is clicked, so a large quarantine does
        # not cost a CSV on every rerun.
        def build() -> bytes:
            with ui.connection(db_path) as db:
                frame = browse.quarantine_rows(db, import_id=import_id)
            return exports.to_csv_bytes(frame) if fmt == "csv" else exports.to_xlsx_bytes(frame, "quarantine")

        return build

    stem = "quarantine" if import_id is None else f"quarantine-import-{import_id}"
    if not access.export_allowed():
        return
    left, right, _ = st.columns([1, 1, 4])
    with left:
        st.download_button(
            t("Download CSV"), access.audited(export("csv"), f"{stem}.csv", rows=total), file_name=f"{stem}.csv", mime="text/csv",
            icon=":material/download:", key="data_quarantine_csv",
            on_click="ignore",
        )
    with right:
        st.download_button(
            t("Download Excel"), access.audited(export("xlsx"), f"{stem}.xlsx", rows=total), file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:", key="data_quarantine_xlsx",
            on_click="ignore",
        )


def _start_over_tab(db_path: str, version: int) -> None:
    if not access.can(auth.IMPORT):
        st.info(auth.refusal_message(access.role(), auth.IMPORT).render(UL.lang()), icon=":material/lock:")
        return
    counts = ui.load_counts(db_path, version)
    st.markdown(
        t("Replace what this database holds: start empty to import your own files, or load the "
          "generated demo data to explore scrm.")
    )
    st.caption(
        t("Rows now:") + " "
        + ", ".join(
            f"{t(TABLE_NAMES[table]) if table in TABLE_NAMES else table} {UL.format_number(n)}"
            for table, n in counts.items() if table in (*S.KINDS, S.PROFILES, S.IMPORTS)
        )
    )
    round_ = st.session_state["data_round"]
    confirmed = st.checkbox(
        t("I understand that this deletes every customer, order, mention, survey, profile link, "
          "import record and quarantined row in this database."),
        key=f"data_confirm_{round_}",
    )
    left, right, _ = st.columns([1, 1, 2])
    with left:
        clear = st.button(
            t("Start with an empty database"), disabled=not confirmed, icon=":material/delete_sweep:",
            key=f"data_clear_{round_}",
        )
    with right:
        demo = st.button(
            t("Load demo data"), disabled=not confirmed, icon=":material/science:", key=f"data_demo_{round_}"
        )
    if clear:
        access.require(auth.IMPORT)
        with ui.write_lock(db_path), ui.connection(db_path) as db:
            api.start_empty(db, actor=access.actor(), role=access.role())
        _after_reset(t("The database is empty. Import your files on the Import tab."))
    if demo:
        access.require(auth.IMPORT)
        bar = st.progress(0.0, text=t("Building the demo data"))
        with ui.write_lock(db_path), ui.connection(db_path) as db:
            # One transaction: a failed build leaves the old data in place.
            api.load_demo(db, actor=access.actor(), role=access.role(), progress=_progress_reporter(bar))
            started = time.perf_counter()
            error: str | None = None
            try:
                api.score(db, progress=_progress_reporter(bar), actor=access.actor(), role=access.role())
            except Exception as e:  # the demo is stored; the scores can be computed later
                log.exception("updating the scores after loading the demo failed")
                error = ui.error_text(e, lang()) or type(e).__name__
        note = _scores_note(error, time.perf_counter() - started)
        _after_reset(t("The demo data is loaded: see the Overview page.") + " " + note)


def _after_reset(message: str) -> None:
    st.session_state["data_flash"] = message
    st.session_state["data_results"] = {}
    # A new round gives the uploader and the confirmation box fresh keys:
    # empty uploader, unticked box.
    st.session_state["data_round"] += 1
    st.rerun()


ui.ensure_routed("pages/data.py")
access.require(auth.page_permission("pages/data.py"), page="Data")
path = ui.current_db_path()
version = ui.current_version(path)

st.title(t("Data"))
st.caption(t("Import customers, orders, social mentions and survey answers; check what was set aside; start over."))
if st.session_state["data_flash"]:
    st.success(st.session_state["data_flash"], icon=":material/check_circle:")
    st.session_state["data_flash"] = None
    # After starting over, the next step is an import.
    st.session_state["data_tab"] = t(TABS[0])

# Stateful tabs bound to the URL (?data_tab=Quarantine): a link opens the
# right tab, the tab survives reruns, and only the open tab's content runs.
# A link names its tab in the language it was copied in: open the same tab in this reader's language.
tab_labels = [t(name) for name in TABS]
asked_tab = st.query_params.get("data_tab")
if asked_tab and asked_tab not in tab_labels:
    for name, label in zip(TABS, tab_labels, strict=True):
        if asked_tab in {translate(name, code) for code in LANGUAGES}:
            st.session_state["data_tab"] = label
tabs = st.tabs(tab_labels, key="data_tab", bind="query-params")
with tabs[0]:
    if tabs[0].open:
        _import_tab(path, version)
with tabs[1]:
    if tabs[1].open:
        _history_tab(path, version)
with tabs[2]:
    if tabs[2].open:
        _quarantine_tab(path, version)
with tabs[3]:
    if tabs[3].open:
        _start_over_tab(path, version)
