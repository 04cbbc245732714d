"""The one door for writes: every change a person or a script asks for.

Pages, ``app.py`` and the CLI call these functions and nothing below them
that writes: none of them opens a transaction, clears the database, builds
the demo or runs the compute layer itself. So an import from the Data page
and ``python -m scrm import`` do the same thing (import, audit, new scores),
and a rule that holds for one (the demo's team work, the retention period,
the page summaries after a score) holds for all.

Every function takes an open database (``store.open_db``) and, for actions a
person takes, who (``actor``) in which role (``role``): both go to the audit
log. Errors are :class:`scrm.errors.ScrmError` subclasses whose message says
what to do; the caller shows it.

>>> db = store.open_db(":memory:")
>>> [s.stage for s in score(db)][:3]
['sentiment', 'identity', 'value']
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from scrm import auth
from scrm.act import cases, notify, replies, review, rules
from scrm.analysis import identity
from scrm.analysis.stage import RAN, Progress, StageSummary
from scrm.db import audit, signins, store
from scrm.db import schema as S
from scrm.db import settings as business
from scrm.db.backup import BackupSummary, backup_to, restore_from
from scrm.db.transfer import CopySummary, copy_database
from scrm.errors import ConfigError
from scrm.i18n.messages import Message, join
from scrm.ingest import ImportResult
from scrm.ingest import import_file as ingest_file
from scrm.listen import sources as listen_sources
from scrm.privacy import requests as privacy
from scrm.views.overview import refresh_page_summaries

if TYPE_CHECKING:
    from scrm.demo import DemoSummary

log = logging.getLogger(__name__)

Source = str | Path | bytes


# --- scores ---------------------------------------------------------------------------------------


def score(
    db: sqlite_utils.Database,
    *,
    force: bool = False,
    progress: Progress | None = None,
    stages: tuple[str, ...] | None = None,
    on_stage: Callable[[StageSummary], None] | None = None,
    on_retention: Callable[[privacy.PurgeSummary, int], None] | None = None,
    actor: str = audit.CLI,
    role: str | None = None,
) -> list[StageSummary]:
    """Bring every score up to date: what ``python -m scrm score`` and every write that needs scores run.

    In order: the retention period (mentions older than the setting are
    purged first, ``on_retention(summary, months)`` is told), the compute
    stages (:func:`scrm.compute.run_all`; ``force``, ``stages`` and
    ``on_stage`` as there), on a demo database the demo team's past work on
    the cases the rules opened (right after the ``workflows`` stage, so the
    journeys see it), and last the page summaries the first visitor of each
    page reads. Returns one summary per stage.
    """
    months = privacy.retention_months(db)
    if months is not None and privacy.count_mentions_older_than(db, months) > 0:
        purged = privacy.purge(db, months, actor=actor, role=role)
        if on_retention is not None:
            on_retention(purged, months)
    # Imported here: the stages bring scikit-learn and scipy, which a page that only reads
    # (and the app's first run after a start) should not wait for.
    from scrm import compute

    after: dict[str, Callable[[sqlite_utils.Database], object]] = {}
    if store.is_demo(db):
        from scrm.demo.casework import demo_casework

        after[rules.STAGE] = demo_casework
    summaries = compute.run_all(db, force=force, progress=progress, stages=stages, on_stage=on_stage, after=after)
    # The first page after a server start reads these instead of scanning every mention.
    try:
        refresh_page_summaries(db)
    except Exception:  # a cache: never fail the score over it
        log.exception("storing the page summaries failed")
    business.record_scored_at(db)  # the Settings page's "Scores are 3 h old"
    # New alerts reach the notification channels (one digest per channel, throttled).
    try:
        notify.deliver_alerts(db)
    except Exception:  # a failed channel is recorded in deliveries; never fail the score over it
        log.exception("delivering the alert notifications failed")
    return summaries


def build_demo(db: sqlite_utils.Database, **options: Any) -> DemoSummary:
    """:func:`scrm.demo.build_demo`, imported when first needed (the demo's texts are large)."""
    from scrm.demo import build_demo as build

    return build(db, **options)


# --- files ----------------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    """An import and what followed it: the rows (``result``), the score run, the profile links."""

    result: ImportResult
    stages: list[StageSummary] = field(default_factory=list)
    score_error: str | None = None
    seconds_scoring: float = 0.0

    @property
    def linking(self) -> StageSummary | None:
        """The profile linking that followed an import of people (rows: profiles), if it ran."""
        kinds = {self.result.kind, *(part.kind for part in self.result.also)}
        if not kinds & set(identity.LINKING_KINDS):
            return None
        return next((s for s in self.stages if s.stage == identity.STAGE and s.status == RAN), None)

    @property
    def links(self) -> str | None:
        """``Linked 1 profile to customers ...`` when the import touched people and links were rebuilt."""
        linking = self.linking
        return None if linking is None else linking.message


def import_file(
    db: sqlite_utils.Database,
    source: Source,
    kind: str,
    *,
    file_name: str | None = None,
    mapping: Any = None,
    actor: str,
    role: str | None = None,
    progress: Progress | None = None,
    score_after: bool = True,
    dates: Any = None,
) -> ImportOutcome:
    """Import one file (one transaction), record it in the audit log, then bring the scores up to date.

    A failure of the score run never undoes the import: the rows are stored,
    the reason is in ``score_error`` and the server log, and the next score
    computes what is missing.
    """
    result = ingest_file(db, source, kind, file_name=file_name, mapping=mapping, progress=progress, dates=dates)
    audit.record(db, audit.IMPORT, actor=actor, role=role, target=str(result.file_name), detail=import_audit_detail(result))
    outcome = ImportOutcome(result)
    if score_after:
        started = time.perf_counter()
        try:
            outcome.stages = score(db, progress=progress, actor=actor, role=role)
        except Exception as e:  # the rows are committed; the scores can be computed later
            log.exception("updating the scores after the import of %s failed", result.file_name)
            outcome.score_error = str(e) or type(e).__name__
        outcome.seconds_scoring = time.perf_counter() - started
    return outcome


def save_mapping(
    db: sqlite_utils.Database, name: str, kind: str, mapping: Mapping[str, str], *, actor: str,
    role: str | None = None,
) -> str:
    """Keep a column mapping under a name for next time (``--mapping NAME``, the Data page's saved mappings); audited."""
    from scrm.ingest.saved import save_mapping as save

    return save(db, name, kind, mapping, actor=actor, role=role)


def import_audit_detail(result: ImportResult) -> dict[str, Any]:
    """What the audit log keeps of an import: its id and counts per kind, never a row.

    The file name is the log entry's target; the rows themselves stay out of
    the log, so erasing a person later leaves nothing of them here.
    """
    parts = [result, *result.also]
    return {
        "import_id": int(result.import_id),
        "rows_read": int(result.rows_read),
        "kinds": {
            p.kind: {
                "new": int(p.new), "updated": int(p.updated), "unchanged": int(p.unchanged),
                "duplicates": int(p.duplicates), "quarantined": int(p.rejected),
            }
            for p in parts
        },
    }  # fmt: skip


# --- the whole database ---------------------------------------------------------------------------


def _removed(db: sqlite_utils.Database) -> dict[str, int]:
    counts = store.counts(db)
    return {table: n for table, n in counts.items() if table in (*S.KINDS, S.PROFILES) and n}


def refuse_to_overwrite(db: sqlite_utils.Database) -> None:
    """Building the demo empties the data tables: never silently over a user's own data."""
    if store.is_demo(db):
        return
    counts = store.counts(db)
    held = [Message(HELD[k], {"n": int(counts[k])}) for k in S.KINDS if counts.get(k)]
    if held:
        raise ConfigError(Message(
            "{where} holds imported data ({held}), not the demo. Build the demo in another file "
            "(python -m scrm --db demo.db demo), or add --replace to empty this one first.",
            {"where": store.db_place(db), "held": join(held)},
        ))


# How many rows of each kind a database holds, in the sentence that refuses to build the demo over them.
HELD = {S.CUSTOMERS: "{n} customers", S.ORDERS: "{n} orders", S.MENTIONS: "{n} mentions", S.SURVEYS: "{n} surveys"}


def load_demo(
    db: sqlite_utils.Database,
    *,
    seed: int = 7,
    scale: str = "small",
    replace: bool = True,
    actor: str = audit.CLI,
    role: str | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Replace the data with the demo dataset in one transaction (audited); :func:`score` scores it.

    Without ``replace`` a database that holds imported data is refused with
    a sentence (:func:`refuse_to_overwrite`). A failed build leaves the old
    data in place.
    """
    if not replace:
        refuse_to_overwrite(db)
    removed = _removed(db)
    with store.transaction(db):
        store.clear_all(db)
        summary = build_demo(db, seed=seed, scale=scale, progress=progress)
        audit.record(db, audit.IMPORT, actor=actor, role=role, target="load demo", detail={"removed": removed})
    return summary


def start_empty(db: sqlite_utils.Database, *, actor: str, role: str | None = None) -> dict[str, int]:
    """Empty every data table (settings, rules and the audit log stay); returns the rows removed per table."""
    removed = _removed(db)
    with store.transaction(db):
        store.clear_all(db)
        audit.record(db, audit.IMPORT, actor=actor, role=role, target="start empty", detail={"removed": removed})
    return removed


def build_demo_file(
    path: Path,
    *,
    seed: int = 7,
    scale: str = "small",
    actor: str = audit.CLI,
    role: str | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """A NEW database file at ``path`` holding the demo (unscored): ``python -m scrm demo`` on a new file.

    Built beside the target (``<name>.building``) and moved in place at the
    end, like :func:`create_demo_database`: a build that is killed or fails
    leaves no database at ``path`` that the next command would take for a
    finished one.
    """
    partial = _fresh_partial(path)
    try:
        db = store.open_db(partial)
        try:
            summary = load_demo(db, seed=seed, scale=scale, actor=actor, role=role, progress=progress)
        finally:
            db.close()  # the last connection: SQLite folds the WAL into the file
        partial.replace(path)
    except BaseException:
        _fresh_partial(path)  # what a failed build left
        raise
    return summary


def _fresh_partial(path: Path) -> Path:
    """The file a new database is built in beside ``path``, with what an earlier attempt left removed."""
    partial = path.with_name(path.name + ".building")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    return partial


def create_demo_database(path: Path, *, phase: Callable[[str], Progress] | None = None) -> bool:
    """A new database file at ``path`` holding the scored demo: the app's first start.

    Built beside the target and moved in place at the end, so a build cut
    short never leaves a half-filled database that the next start would take
    for a finished one. ``phase("build")`` and ``phase("score")`` return the
    progress callback of each phase. Returns False when the scores could not
    be computed (the demo is kept; the reason is in the log).
    """
    started = time.perf_counter()
    if store.is_url(path):  # a PostgreSQL database: built in place (the app holds the long write lock)
        partial = None
        db = store.open_db(path)
    else:
        partial = _fresh_partial(path)
        db = store.open_db(partial)
    try:
        build_demo(db, progress=phase("build") if phase else None)
        log.info("built the demo data in %.1f s", time.perf_counter() - started)
        try:
            score(db, progress=phase("score") if phase else None, actor=audit.LOCAL)
            scored = True
        except Exception:
            log.exception("computing the scores of the new demo database failed")
            scored = False
    finally:
        db.close()  # the last connection: SQLite folds the WAL into the file
    if partial is not None:
        partial.replace(path)
    log.info("built the demo database at %s in %.1f s", path, time.perf_counter() - started)
    return scored


# --- cases ----------------------------------------------------------------------------------------

CASE_FIELDS = ("priority", "assignee", "note", "status")


def update_case(
    db: sqlite_utils.Database, case_id: int, changes: Mapping[str, str | None], *, actor: str, role: str | None = None
) -> list[str]:
    """Apply a case form's changes together (one transaction, each audited); returns the fields that changed.

    ``changes`` maps ``priority``, ``assignee`` (None or "" unassigns),
    ``note`` and ``status`` to their new values; fields left out stay.
    """
    unknown = set(changes) - set(CASE_FIELDS)
    if unknown:
        raise cases.CaseError(Message(
            "A case has no field {fields}; change one of {known}.",
            {"fields": ", ".join(sorted(unknown)), "known": ", ".join(CASE_FIELDS)},
        ))
    changed: list[str] = []
    with store.transaction(db, work=True):
        if "priority" in changes and cases.set_priority(db, case_id, str(changes["priority"]), actor=actor, role=role):
            changed.append("priority")
        if "assignee" in changes and cases.assign(db, case_id, changes["assignee"] or "", actor=actor, role=role):
            changed.append("assignee")
        if changes.get("note") and cases.add_note(db, case_id, str(changes["note"]), actor=actor, role=role):
            changed.append("note")
        if "status" in changes and cases.set_status(db, case_id, str(changes["status"]), actor=actor, role=role):
            changed.append("status")
    return changed


def open_case(
    db: sqlite_utils.Database,
    *,
    mention_id: str | None = None,
    alert_id: int | None = None,
    customer_id: str | None = None,
    profile_id: str | None = None,
    actor: str,
    role: str | None = None,
) -> cases.Opened:
    """Open a case on a selected mention, alert or customer, linked to them (one transaction, audited).

    When an open case already holds that mention (or customer, or alert), it
    is returned with ``created=False`` instead of opening a second one.
    """
    return cases.open_case_from(
        db, mention_id=mention_id, alert_id=alert_id, customer_id=customer_id, profile_id=profile_id, actor=actor, role=role
    )


def set_sla_hours(
    db: sqlite_utils.Database, hours: Mapping[str, float], *, actor: str, role: str | None = None
) -> dict[str, float]:
    """Set the SLA hours of some priorities (moving their open cases' deadlines); returns what was stored."""
    return {p: cases.set_sla_hours(db, p, h, actor, role=role) for p, h in hours.items()}


# --- workflow rules -------------------------------------------------------------------------------


def save_rule(
    db: sqlite_utils.Database, rule: rules.Rule, *, actor: str, role: str | None = None, backfill: bool = True
) -> int:
    """Create or update a workflow rule (validated, audited); returns its id. It acts on the next score.

    ``backfill=False`` limits it to the mentions posted after the newest one
    now (:func:`scrm.act.rules.from_now`): the app's default for a new rule,
    so saving one never opens cases on weeks-old mentions already past their deadline.
    """
    return rules.save_rule(db, rule if backfill else rules.from_now(db, rule), actor=actor, role=role)


def set_rule_enabled(db: sqlite_utils.Database, rule_id: int, enabled: bool, *, actor: str, role: str | None = None) -> None:
    """Turn a workflow rule on or off (audited)."""
    rules.set_enabled(db, rule_id, enabled, actor=actor, role=role)


def delete_rule(db: sqlite_utils.Database, rule_id: int, *, actor: str, role: str | None = None) -> None:
    """Delete a workflow rule and its pending proposals (audited); what it did stays."""
    rules.delete_rule(db, rule_id, actor=actor, role=role)


def decide_match(
    db: sqlite_utils.Database, match_id: int, approve: bool, *, actor: str, role: str | None = None
) -> int | None:
    """Approve (act now) or dismiss a rule's proposal (audited); returns the case opened or joined, if any."""
    return rules.decide(db, match_id, approve, actor, role=role)


# --- identity review ------------------------------------------------------------------------------

REVIEW_ACTIONS: dict[str, Callable[..., review.Decision]] = {
    "accept": review.accept,
    "reject": review.reject,
    "link": review.link,
    "unlink": review.unlink,
    "merge": review.merge,
    "undo": review.undo,
}


def review_link(
    db: sqlite_utils.Database, action: str, *args: Any, actor: str, role: str | None = None
) -> review.Decision:
    """A person's identity decision, stored with the rows before and after so it can be undone.

    ``action`` is one of :data:`REVIEW_ACTIONS`: ``accept``, ``reject``,
    ``link`` and ``unlink`` take (profile id, customer id), ``merge`` takes
    (kept customer id, merged customer id), ``undo`` takes a review id.
    """
    decide = REVIEW_ACTIONS.get(action)
    if decide is None:
        raise ConfigError(Message(
            "Unknown identity decision {action}; use one of {known}.", {"action": repr(action), "known": ", ".join(REVIEW_ACTIONS)}
        ))
    return decide(db, *args, actor, role=role)


def review_many(
    db: sqlite_utils.Database, action: str, pairs: Sequence[tuple[str, str]], *, actor: str, role: str | None = None
) -> review.BulkDecision:
    """Accept or reject many suggested (profile id, customer id) pairs in one transaction, audited.

    Each pair becomes its own decision in the History, undoable alone; pairs
    that are no longer suggestions are skipped with the reason.
    """
    return review.decide_many(db, action, pairs, actor, role=role)


# --- privacy --------------------------------------------------------------------------------------


def export_person(db: sqlite_utils.Database, customer_id: str, *, actor: str, role: str | None = None) -> str:
    """Everything held about one customer as JSON text (``scrm-person-export/1``), recorded as an export.

    The read and its audit entry are one transaction: an erasure cannot fall
    between them, so no entry naming the customer follows their erasure's.
    An erased (or unknown) id raises :class:`scrm.errors.NotFound`.
    """
    with store.transaction(db, bump=False):
        return privacy.export_person_json(db, customer_id, actor=actor, role=role)


def record_person_download(
    db: sqlite_utils.Database,
    customer_id: str,
    file_name: str,
    *,
    actor: str,
    role: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> bool:
    """Record the download of a file about one customer, if they are still held; False (nothing recorded) once erased.

    Checked and recorded in one transaction, so an erasure cannot fall
    between them: no entry naming the customer follows their erasure's.
    """
    with store.transaction(db, bump=False):
        if not privacy.customer_exists(db, customer_id):
            return False
        audit.record(db, audit.EXPORT, actor=actor, role=role, target=file_name, detail=dict(detail or {}))
    return True


def erase_person(
    db: sqlite_utils.Database, customer_id: str, *, actor: str, role: str | None = None
) -> privacy.ErasureSummary:
    """Erase one customer from every table (all or nothing), logged without the erased data."""
    return privacy.erase_person(db, customer_id, actor=actor, role=role)


def save_settings(
    db: sqlite_utils.Database, changes: Mapping[str, object], *, actor: str, role: str | None = None
) -> dict[str, str]:
    """Check and store business settings (:data:`scrm.db.settings.SETTINGS`) with one audit entry.

    ``changes`` maps meta keys to what the Settings page's form holds; exchange
    rates are checked against the reporting currency in ``changes`` or, when
    it is not being changed, the stored one. Returns the stored text of the
    settings that changed (nothing is written or audited when none did).
    """
    wanted = dict(changes)
    if S.META_EXCHANGE_RATES in wanted and S.META_REPORTING_CURRENCY not in wanted:
        wanted[S.META_REPORTING_CURRENCY] = business.reporting_currency(db) or ""
    stored = business.check_settings(wanted)
    if S.META_REPORTING_CURRENCY not in changes:
        stored.pop(S.META_REPORTING_CURRENCY, None)
    with store.transaction(db):
        changed = business.write_settings(db, stored)
        if changed:
            audit.record(
                db, audit.SETTINGS, actor=actor, role=role, target=", ".join(sorted(changed)),
                detail={k: v for k, v in sorted(changed.items())},
            )
    return changed


def save_report_brand(
    db: sqlite_utils.Database, *, name: str | None = None, accent: str | None = None, logo: bytes | None = None,
    clear_logo: bool = False, actor: str, role: str | None = None,
) -> None:  # fmt: skip
    """Store the report's brand name, accent colour and logo (PNG or JPEG, size-capped), audited.

    A bad colour or logo is refused with one sentence (:class:`ConfigError`) and nothing is stored.
    """
    from scrm.export import brand as report_brand

    try:
        with store.transaction(db):
            report_brand.save_identity(db, name=name, accent=accent, logo=logo, clear_logo=clear_logo)
            audit.record(
                db, audit.SETTINGS, actor=actor, role=role, target="report brand",
                detail={"name": name, "accent": accent, "logo": "replaced" if logo else ("removed" if clear_logo else "kept")},
            )  # fmt: skip
    except ValueError as e:  # its sentence is a message (scrm.export.brand): kept whole, so it is translated
        raise ConfigError(e.args[0] if e.args and isinstance(e.args[0], Message) else str(e)) from e


def set_retention_months(db: sqlite_utils.Database, months: int | None, *, actor: str, role: str | None = None) -> None:
    """Store the retention period in months (None keeps everything); applied by every score."""
    privacy.set_retention_months(db, months, actor=actor, role=role)


def set_sentiment_languages(
    db: sqlite_utils.Database, languages: Sequence[str] | str, *, actor: str, role: str | None = None
) -> tuple[str, ...]:
    """Set the languages the brand works in (en, es, fr; main first) and score every mention again with them.

    Detection chooses among them; a text too short or ambiguous to tell is
    scored in the main language. Returns what was stored.
    """
    from scrm.analysis.sentiment import set_workspace_languages

    found = set_workspace_languages(db, languages, actor=actor, role=role)
    score(db, actor=actor, role=role)
    return found


def correct_sentiment(
    db: sqlite_utils.Database, mention_id: str, label: str, *, actor: str, role: str | None = None
) -> None:
    """A person's sentiment label for a mention (positive, neutral, negative): the KPIs show it at once,
    the rules and alerts at the next score, and no re-scoring undoes it. Audited."""
    from scrm.analysis.sentiment import correct_label

    correct_label(db, mention_id, label, actor=actor, role=role)


def train_sentiment(db: sqlite_utils.Database, *, actor: str, role: str | None = None) -> Any:
    """Fit the workspace's adjustment on its corrections, per language; adopt it only where it beats the
    model by cross-validation, then recompute what the labels decide. Audited. Returns the
    :class:`scrm.analysis.sentiment.adjust.TrainResult` (before/after macro-F1 per language)."""
    from scrm.analysis.sentiment import adjust

    result = adjust.train(db, actor=actor, role=role)
    if result.adopted:
        score(db, actor=actor, role=role)
    return result


def purge_mentions(
    db: sqlite_utils.Database, months: int, *, actor: str, role: str | None = None
) -> privacy.PurgeSummary:
    """Delete the mentions posted more than ``months`` months ago and what derives from them (audited)."""
    return privacy.purge(db, months, actor=actor, role=role)


# --- the audit log --------------------------------------------------------------------------------


def record_event(
    db: sqlite_utils.Database,
    action: str,
    *,
    actor: str,
    role: str | None = None,
    target: str = "",
    detail: str | dict[str, Any] = "",
) -> None:
    """An entry in the audit log that no other write made: a sign-in, a download."""
    audit.record(db, action, actor=actor, role=role, target=target, detail=detail)


# --- sign-in tries --------------------------------------------------------------------------------


def _sign_in_limits(name: str, client: str | None) -> dict[str, int]:
    limits = {signins.name_subject(name): auth.MAX_FAILURES}
    if client:
        limits[signins.client_subject(client)] = auth.MAX_CLIENT_FAILURES
    return limits


def reserve_sign_in(
    db: sqlite_utils.Database, name: str, client: str | None = None, *, now: float | None = None
) -> signins.Reservation:
    """Whether a password sign-in of ``name`` (from the address ``client``) may be checked now.

    Counted in the database (:mod:`scrm.db.signins`), so the pause after
    :data:`scrm.auth.MAX_FAILURES` wrong tries of one name (or
    :data:`scrm.auth.MAX_CLIENT_FAILURES` from one address) holds across
    sessions, processes, restarts and tries sent at once. A try that may go
    ahead is counted as wrong until :func:`sign_in_succeeded` clears it.
    """
    return signins.reserve(
        db, _sign_in_limits(name, client), now=time.time() if now is None else now,
        lockout_seconds=auth.LOCKOUT_SECONDS,
    )


def sign_in_failed(db: sqlite_utils.Database, reservation: signins.Reservation) -> None:
    """After a wrong password: the try that reached a limit is logged (without the names tried)."""
    if reservation.reached:
        audit.record(
            db, audit.LOGIN, actor=auth.ANONYMOUS.name,
            detail=f"{auth.MAX_FAILURES} wrong sign-in tries in a row; sign-in paused for {auth.LOCKOUT_SECONDS:.0f} s",
        )


def sign_in_succeeded(db: sqlite_utils.Database, name: str, client: str | None = None) -> None:
    """After a right password: the wrong tries of the name and the address are forgotten."""
    signins.clear(db, list(_sign_in_limits(name, client)))


# --- backups --------------------------------------------------------------------------------------


def backup(db: sqlite_utils.Database, target: str | Path, *, replace: bool = False) -> BackupSummary:
    """Copy the database to the new file ``target`` as one consistent snapshot, while the app runs."""
    return backup_to(db, target, replace=replace)


def restore(db: sqlite_utils.Database, source: str | Path, *, actor: str, role: str | None = None) -> BackupSummary:
    """Replace everything in the database with a backup, then record it in the (restored) audit log."""
    summary = restore_from(db, source)
    audit.record(db, audit.IMPORT, actor=actor, role=role, target=f"restore {Path(source).name}",
                 detail={"bytes": summary.bytes, "data_version": summary.data_version})  # fmt: skip
    return summary


def copy_to(
    db: sqlite_utils.Database,
    target: str | Path,
    *,
    replace: bool = False,
    actor: str,
    role: str | None = None,
    progress: Progress | None = None,
) -> CopySummary:
    """Copy the whole database into ``target`` (a ``postgresql://`` URL or a file), recorded in its audit log.

    How a team moves an SQLite database to PostgreSQL: ``python -m scrm copy postgresql://...``.
    """
    destination = store.open_db(target)
    try:
        with store.transaction(destination, bump=False):
            summary = copy_database(db, destination, replace=replace, progress=progress)
            audit.record(destination, audit.IMPORT, actor=actor, role=role, target=f"copy from {store.db_file(db)}",
                         detail={"rows": sum(summary.rows.values()), "tables": len(summary.rows)})  # fmt: skip
    finally:
        destination.close()
    return summary


# --- live sources (scrm.listen) --------------------------------------------------------------------


def add_source(
    db: sqlite_utils.Database,
    kind: str,
    name: str,
    settings: Mapping[str, str],
    *,
    every_minutes: int | None = None,
    actor: str,
    role: str | None = None,
) -> listen_sources.Source:
    """Store a new live source (settings checked, never a secret; audited). It runs on the next collect."""
    return listen_sources.add_source(db, kind, name, settings, every_minutes=every_minutes, actor=actor, role=role)


def remove_source(db: sqlite_utils.Database, name: str, *, actor: str, role: str | None = None) -> None:
    """Remove a live source (audited); what it collected stays."""
    listen_sources.remove_source(db, name, actor=actor, role=role)


def set_source_paused(
    db: sqlite_utils.Database, name: str, paused: bool, *, actor: str, role: str | None = None
) -> listen_sources.Source:
    """Pause or resume a live source (audited); resuming forgets its failures in a row."""
    return listen_sources.set_paused(db, name, paused, actor=actor, role=role)


def probe_source(
    db: sqlite_utils.Database, name: str, *, options: listen_sources.Options | None = None
) -> listen_sources.Probe:
    """One request to a source: what it would collect, or the exact reason it can't. Stores nothing."""
    return listen_sources.probe_source(db, name, options)


@dataclass
class CollectOutcome:
    """A collection: one result per source that ran, then the score run and the notifications."""

    results: list[listen_sources.RunResult] = field(default_factory=list)
    scored: bool = False
    score_error: str | None = None
    stages: list[StageSummary] = field(default_factory=list)

    @property
    def failed(self) -> list[listen_sources.RunResult]:
        return [r for r in self.results if r.error]


def collect(
    db: sqlite_utils.Database,
    *,
    name: str | None = None,
    score_after: bool = True,
    options: listen_sources.Options | None = None,
    on_source: Callable[[listen_sources.RunResult], None] | None = None,
    actor: str = audit.CLI,
    role: str | None = None,
) -> CollectOutcome:
    """Run every due source (or the named one, whatever its schedule), then score unless told not to.

    Each source is its own transaction: one that fails is recorded (and
    paused after five failures in a row) while the others still collect. The
    score run brings rules, alerts and their notifications up to date; its
    failure never undoes what was collected.
    """
    outcome = CollectOutcome()
    for source in listen_sources.sources_to_run(db, name):
        result = listen_sources.collect_source(db, source, options)
        outcome.results.append(result)
        if on_source is not None:
            on_source(result)
    if score_after:
        try:
            outcome.stages = score(db, actor=actor, role=role)
            outcome.scored = True
        except Exception as e:  # the mentions are committed; the scores can be computed later
            log.exception("updating the scores after the collection failed")
            outcome.score_error = str(e) or type(e).__name__
    return outcome


# --- notification channels (scrm.act.notify) ----------------------------------------------------------


def add_channel(
    db: sqlite_utils.Database, kind: str, name: str, settings: Mapping[str, str], *, actor: str, role: str | None = None
) -> notify.Channel:
    """Store a notification channel (email or webhook; settings checked, never a secret; audited)."""
    return notify.add_channel(db, kind, name, settings, actor=actor, role=role)


def remove_channel(db: sqlite_utils.Database, name: str, *, actor: str, role: str | None = None) -> None:
    """Remove a notification channel (audited); its past deliveries stay recorded."""
    notify.remove_channel(db, name, actor=actor, role=role)


def send_test_notification(db: sqlite_utils.Database, name: str) -> notify.Delivery:
    """Send a test message through a channel (tried up to three times) and record the delivery."""
    return notify.send_test(db, name)


# --- replies that go back out (scrm.act.replies) --------------------------------------------------------


def plan_reply(db: sqlite_utils.Database, case_id: int, text: str) -> replies.Plan:
    """What posting ``text`` as the reply of a case would do (platform, mention answered); posts nothing."""
    return replies.plan_reply(db, case_id, text)


def post_reply(db: sqlite_utils.Database, case_id: int, text: str, *, actor: str, role: str | None = None) -> replies.Posted:
    """Post a person's approved reply from the brand's account; recorded on the case and the thread (audited)."""
    return replies.post_reply(db, case_id, text, actor=actor, role=role)
