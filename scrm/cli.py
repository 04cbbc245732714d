"""The command line: ``python -m scrm COMMAND ...``.

A thin layer in the manner of sqlite-utils' ``cli.py``: it turns arguments
into calls, and :class:`~scrm.errors.ScrmError` (plus argparse's usage
errors) into ONE line ``error: <message>`` on stderr with exit status 2.
A fault of the database file or the disk (busy, full, read-only, forbidden,
damaged) gets its own sentence; running out of memory and input nested too
deeply too. Any other exception is a bug: one ``error:`` line that says to
run again with ``-v``, which adds the traceback. No traceback otherwise.

Each command is a :class:`Command` in :data:`COMMANDS`, with a
``_add_<name>`` function for its arguments and a ``_run_<name>`` function
that returns the exit status. Every write (``demo``, ``import``, ``score``,
``export-person``, ``erase``, ``purge``) goes through :mod:`scrm.api`, the
same door the app uses; reads come from the views (:mod:`scrm.views.kpis`,
...) and the engine's pure functions.

Engine modules are imported inside the commands so that ``--help`` answers at
once, without loading pandas.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from scrm.db import schema as S
from scrm.db import store
from scrm.db.audit import CLI as CLI_ACTOR  # who the audit log says acted
from scrm.errors import ConfigError, ScrmError, UsageError

if TYPE_CHECKING:
    import sqlite_utils

    from scrm.ingest import ImportResult

log = logging.getLogger(__name__)

PROG = "python -m scrm"
EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_NOTHING_STORED = 3  # import: the file had rows and none of them was stored
EXIT_INTERRUPTED = 130
SCALES = ("small", "medium", "large")
# The bench also offers xl (1M customers, 10M orders, 10M mentions): hours, not minutes.
BENCH_SCALES = (*SCALES, "xl")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is an :class:`UsageError` like any other user error.

    argparse would print the whole usage block and exit itself; we want the
    one ``error:`` line of the contract, and ``main`` to return instead of exit.
    """

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}. Run `{self.prog} --help` for usage.")


# --- output helpers ------------------------------------------------------------


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _fmt(value: Any) -> str:
    """Cells of a plain-text table: thousands separators, '-' for missing."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        # Small figures (probabilities, shares, model parameters) need more than one decimal.
        return f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "") -> list[str]:
    """Lines of an aligned table; numbers right-aligned, text left-aligned."""
    cells = [[_fmt(v) for v in row] for row in rows]
    numeric = [
        bool(rows) and all(isinstance(row[i], int | float) or row[i] is None for row in rows)
        for i in range(len(headers))
    ]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return (indent + "  ".join(parts)).rstrip()

    return [line(list(headers)), *(line(r) for r in cells)]


class _Progress:
    """Progress of long work on stderr, as the engine's ``progress(fraction, message)``.

    On a terminal: one line rewritten in place (a bar, the percentage, the
    message), at most ten times a second. Elsewhere (a pipe, a log file, a
    test): each new message as a line when ``lines`` is true, else nothing,
    so scripts do not collect carriage returns.
    """

    WIDTH = 24

    def __init__(self, *, lines: bool = False) -> None:
        self.tty = sys.stderr.isatty()
        self.lines = lines
        self._message: str | None = None
        self._drawn_at = 0.0
        self._drawn = 0

    def __call__(self, fraction: float, message: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        if self.tty:
            now = time.monotonic()
            if now - self._drawn_at >= 0.1 or message != self._message or fraction >= 1.0:
                filled = int(round(fraction * self.WIDTH))
                text = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%}  {message}"
                # A line longer than the terminal wraps, and \r would only go back to its last part.
                text = text[: max(20, shutil.get_terminal_size().columns - 1)]
                sys.stderr.write("\r" + text.ljust(self._drawn))
                sys.stderr.flush()
                self._drawn = max(self._drawn, len(text))
                self._drawn_at = now
        elif self.lines and message != self._message:
            _err(message)
        self._message = message

    def done(self) -> None:
        """Clear the in-place line so the report that follows starts clean."""
        if self.tty and self._drawn:
            sys.stderr.write("\r" + " " * self._drawn + "\r")
            sys.stderr.flush()
            self._drawn = 0


def _db_path(args: argparse.Namespace) -> Path:
    value = getattr(args, "db", None)
    return Path(value) if value else store.default_db_path()


# --- demo ------------------------------------------------------------------------


def _add_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same data (default 7)")
    p.add_argument("--scale", choices=SCALES, default="small", help="dataset size (default small)")
    p.add_argument(
        "--replace", action="store_true",
        help="empty a database that holds imported data and build the demo in it (otherwise refused)",
    )


def _run_demo(args: argparse.Namespace) -> int:
    from scrm import api

    path = _db_path(args)
    progress = _Progress(lines=True)
    if not store.is_url(path) and not path.exists():
        # A new file is built beside its place and moved in at the end: a
        # killed `demo` leaves no half-built database behind.
        try:
            summary = api.build_demo_file(path, seed=args.seed, scale=args.scale, actor=CLI_ACTOR, progress=progress)
        finally:
            progress.done()
        print(summary.summary())
        return EXIT_OK
    db = store.open_db(path)
    try:
        try:
            summary = api.load_demo(
                db, seed=args.seed, scale=args.scale, replace=args.replace, actor=CLI_ACTOR, progress=progress
            )
        finally:
            progress.done()
    finally:
        db.close()
    print(summary.summary())
    return EXIT_OK


# --- import ----------------------------------------------------------------------


def _add_import(p: argparse.ArgumentParser) -> None:
    # KIND is checked by the engine (scrm.ingest.mapping.entity_of) so its
    # message lives in one place, not duplicated in argparse `choices`.
    p.add_argument("kind", metavar="KIND", help=f"what the file holds: {', '.join(S.KINDS)}")
    p.add_argument("file", metavar="FILE", help="a CSV, spreadsheet (.xlsx, .xls, .xlsb, .ods) or JSON (Lines) file")
    p.add_argument(
        "--mapping",
        metavar="PRESET_OR_JSON",
        help='a preset name, the name of a mapping saved on the Data page, a JSON object of canonical column '
        'to header such as \'{"amount": "Total"}\', '
        "or the path of a .json file holding one (default: a preset detected from the headers, "
        "else columns found by name)",
    )
    order = p.add_mutually_exclusive_group()
    order.add_argument("--day-first", dest="day_first", action="store_const", const=True, default=None,
                       help="read dates such as 05/03/24 as 5 March 2024 (when no value decides)")
    order.add_argument("--month-first", dest="day_first", action="store_const", const=False,
                       help="read dates such as 05/03/24 as May 3, 2024 (when no value decides)")
    p.add_argument("--anchor-date", metavar="YYYY-MM-DD", type=_iso_day,
                   help="the day the file was exported: relative dates such as '2 days ago' count back from it")


def _iso_day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a day: give it as YYYY-MM-DD, such as 2024-03-10") from None


def _import_lines(result: ImportResult, *, main: bool = True) -> list[str]:
    """The report of one import part (and its secondary kinds)."""
    lines: list[str] = []
    rows: list[tuple[str, int, str]] = []
    if main:
        rows.append(("rows read", result.rows_read, ""))
    rows += [
        ("loaded (new)", result.new, ""),
        ("updated", result.updated, ""),
        ("unchanged", result.unchanged, ""),
        ("duplicates", result.duplicates, "(same key twice in the file: the last one was kept)" if result.duplicates else ""),
        (
            "rejected",
            result.rejected,
            "(kept in quarantine with their reasons: see `python -m scrm status` or the Data page)"
            if result.rejected
            else "",
        ),
    ]
    width = max(len(label) for label, _, _ in rows)
    number_width = max(len(f"{n:,}") for _, n, _ in rows)
    for label, n, comment in rows:
        lines.append(f"  {label.ljust(width)}  {n:>{number_width},}  {comment}".rstrip())
    lines.extend(f"  note: {note}" for note in result.notes)
    lines.extend(f"  quarantined: {problem}" for problem in result.problems)
    if result.rejected > len(result.problems) > 0:
        lines.append(f"  ... and {result.rejected - len(result.problems):,} more in quarantine.")
    for part in result.also:
        lines.append(f"Also from {part.file_name}: {part.kind} (import {part.import_id})")
        lines.extend(_import_lines(part, main=False))
    return lines


def _run_import(args: argparse.Namespace) -> int:
    from scrm import api
    from scrm.analysis.stage import RAN
    from scrm.ingest.mapping import entity_of
    from scrm.ingest.pipeline import DateOptions

    entity_of(args.kind)  # an unknown kind fails before any database is created
    path = _db_path(args)
    existed = store.is_url(path) or path.exists()
    db = store.open_db(path)
    progress = _Progress()
    refused = False
    try:
        try:
            dates = DateOptions(dayfirst=args.day_first, anchor=args.anchor_date)
            outcome = api.import_file(db, args.file, args.kind, mapping=args.mapping, actor=CLI_ACTOR, progress=progress,
                                      dates=dates)
        finally:
            progress.done()
        result = outcome.result
        if result.detected:
            print(f"Detected: {result.detected} (override with --mapping)")
        print(f"Imported {result.file_name} as {result.kind} (import {result.import_id}) in {result.seconds:.1f} s")
        for line in _import_lines(result):
            print(line)
        if outcome.score_error is not None:
            print(
                f"The rows are stored, but the scores could not be updated: {_one_line(outcome.score_error).rstrip('.')}. "
                "They are pending (profile links included): run `python -m scrm score`; "
                "`python -m scrm status` lists what is pending."
            )
        else:
            ran = [s.stage for s in outcome.stages if s.status == RAN]
            print(f"Scores updated in {outcome.seconds_scoring:.1f} s" + (f" ({', '.join(ran)})." if ran else "."))
        if outcome.linking is not None:
            print(f"Profiles: {outcome.linking.rows:,}. {outcome.linking.message}")
        if result.rows_read and not result.stored:
            _nothing_stored(result)
            return EXIT_NOTHING_STORED
    except ScrmError:
        refused = True
        raise
    finally:
        db.close()
        if refused and not existed:
            _remove_if_empty(path)
    return EXIT_OK


def _nothing_stored(result: ImportResult) -> None:
    """Say on stderr why no row of the file was stored: one ``error:`` line, then the top reasons."""
    rows = f"{result.rows_read:,} row" + ("" if result.rows_read == 1 else "s")
    _err(
        f"error: none of the {rows} of {result.file_name} was stored as {result.kind}: "
        "fix the reasons below in the file or the mapping and import it again."
    )
    for part in [result, *result.also]:
        for n, sentence in part.top_reasons:
            more = f" ({n:,} rows like this)" if n > 1 else ""
            _err(f"  {sentence}{more}")


def _remove_if_empty(path: Path) -> None:
    """Remove a database this command created when the import was refused.

    Otherwise a mistyped file name would leave an empty ``data/scrm.db``, and
    the app, finding a database, would no longer offer the demo.
    """
    try:
        db = store.open_db(path, create=False)
    except ScrmError:
        return
    try:
        empty = not any(store.counts(db).values())
    finally:
        db.close()
    if empty:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


# --- status ----------------------------------------------------------------------


def _add_status(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")


def status_info(db_path: Path) -> dict[str, Any]:
    """What ``status --json`` prints: the contract shape
    ``{"db", "counts", "data_version", "demo", "last_imports"}``."""
    db = store.open_db(db_path, create=False)
    try:
        return {
            "db": store.target_label(db_path),
            "counts": store.counts(db),
            "data_version": store.data_version(db),
            "demo": store.is_demo(db),
            "last_imports": store.last_imports(db),
        }
    finally:
        db.close()


QUARANTINE_SHOWN = 10


def _quarantine_sample(db_path: Path) -> list[dict[str, Any]]:
    db = store.open_db(db_path, create=False)
    try:
        return list(
            db[S.QUARANTINE].rows_where(order_by="quarantine_id desc", limit=QUARANTINE_SHOWN)  # type: ignore[union-attr]
        )
    finally:
        db.close()


def _pending_scores(db_path: Path) -> list[str]:
    from scrm.compute import pending_stages

    db = store.open_db(db_path, create=False)
    try:
        return pending_stages(db)
    finally:
        db.close()


def _run_status(args: argparse.Namespace) -> int:
    path = _db_path(args)
    info = status_info(path)
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return EXIT_OK
    print(f"database      {info['db']}")
    print(f"data version  {info['data_version']:,}")
    print(f"demo data     {_fmt(info['demo'])}")
    pending = _pending_scores(path)
    if pending:
        print(f"scores        pending: {', '.join(pending)} (run `python -m scrm score`)")
    else:
        print("scores        up to date")
    print()
    order = list(S.STORED_COLUMNS)
    counts = sorted(info["counts"].items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    print("\n".join(_table(["table", "rows"], counts)))
    imports = info["last_imports"]
    print()
    if not imports:
        print("No imports yet: add data with `python -m scrm import KIND FILE` or build the demo with `python -m scrm demo`.")
    else:
        print("Last imports (newest first)")
        rows = [
            (
                i["import_id"], i["kind"], i["file_name"], i["rows_read"], i["rows_new"], i["rows_updated"],
                i["rows_unchanged"], i["rows_duplicate"], i["rows_rejected"], i["finished_at"],
            )
            for i in imports
        ]
        headers = ["id", "kind", "file", "read", "new", "updated", "unchanged", "duplicates", "rejected", "finished (UTC)"]
        print("\n".join(_table(headers, rows, indent="  ")))
    quarantined = info["counts"].get(S.QUARANTINE, 0)
    if quarantined:
        from scrm.ingest.pipeline import problem_sentence

        sample = _quarantine_sample(path)
        print()
        print(f"Quarantined rows: {quarantined:,} (newest {len(sample)} below; the Data page lists them all)")
        for q in sample:
            print(f"  import {q['import_id']}: {problem_sentence(q['file_name'], q['row_number'], q['column'], q['reason'])}")
    return EXIT_OK


# --- bench -----------------------------------------------------------------------


def _add_bench(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scale", choices=BENCH_SCALES, default="small",
        help="data size (default small: 100,000 mentions; xl: 10,000,000 mentions, hours)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object (on the last line) instead of text")
    p.add_argument("--keep", action="store_true", help="keep the generated files and databases and print where they are")
    p.add_argument(
        "--stages", nargs="+", metavar="STAGE",
        help="run only these stages (e.g. sentiment page:overview); default: every stage",
    )


def _run_bench(args: argparse.Namespace) -> int:
    from scrm import bench

    progress = _Progress(lines=True)
    # A PostgreSQL --db runs the bench on its server (databases NAME_bench_*); a file is not touched.
    given = getattr(args, "db", None)
    server = str(given) if given and store.is_url(given) else None
    if args.keep:
        workdir = Path(tempfile.mkdtemp(prefix="scrm-bench-"))
        try:
            result = bench.run_bench(args.scale, workdir, progress, stages=args.stages, server=server, keep=True)
        finally:
            progress.done()
            _err(f"Files kept in {workdir}" + (" and databases on the PostgreSQL server named *_bench_*" if server else ""))
    else:
        with tempfile.TemporaryDirectory(prefix="scrm-bench-") as tmp:
            try:
                result = bench.run_bench(args.scale, Path(tmp), progress, stages=args.stages, server=server)
            finally:
                progress.done()
    if args.json:
        print(json.dumps(result))
    else:
        for line in bench.format_report(result):
            print(line)
    return EXIT_OK


# --- score -------------------------------------------------------------------------


def _add_score(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--force", action="store_true",
        help="recompute every derived table even when the data did not change (sentiment stays incremental)",
    )


def _run_score(args: argparse.Namespace) -> int:
    from scrm import api
    from scrm.compute import STAGE_NAMES

    path = _db_path(args)
    db = store.open_db(path, create=False)
    progress = _Progress()
    width = max(len(n) for n in STAGE_NAMES)

    def show(summary: Any) -> None:
        progress.done()
        print(summary.line(width), flush=True)

    try:
        before = store.data_version(db)
        started = time.perf_counter()
        try:
            api.score(db, force=args.force, progress=progress, on_stage=show, on_retention=_show_retention, actor=CLI_ACTOR)
        finally:
            progress.done()
        after = store.data_version(db)
    finally:
        db.close()
    changed = f"data version {before:,} -> {after:,}" if after != before else f"data version {after:,}, nothing new"
    print(f"Done in {time.perf_counter() - started:.1f} s ({changed}).")
    return EXIT_OK


def _show_retention(summary: Any, months: int) -> None:
    """The retention setting applied before scoring (:func:`scrm.api.score`)."""
    print(
        f"retention: {summary.mentions:,} mentions older than {months} months (posted before {summary.cutoff} UTC) purged",
        flush=True,
    )


# --- privacy requests -----------------------------------------------------------------


def _add_export_person(p: argparse.ArgumentParser) -> None:
    p.add_argument("--customer", metavar="ID", required=True, help="the customer's id (as in the customers file)")
    p.add_argument("--out", metavar="FILE", help="write the JSON to FILE instead of stdout")


def _run_export_person(args: argparse.Namespace) -> int:
    from scrm import api

    db = store.open_db(_db_path(args), create=False)
    try:
        text = api.export_person(db, args.customer, actor=CLI_ACTOR)
    finally:
        db.close()
    if args.out:
        out = Path(args.out)
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"Cannot write {out} ({e.strerror}); choose a writable path with --out.") from e
        _err(f"Wrote everything held about customer {args.customer} to {out} ({len(text):,} characters).")
    else:
        print(text)
    return EXIT_OK


def _add_erase(p: argparse.ArgumentParser) -> None:
    p.add_argument("--customer", metavar="ID", required=True, help="the customer's id (as in the customers file)")
    p.add_argument("--yes", action="store_true", help="really erase (without it: show what would be erased)")


def _count_lines(counts: dict[str, int], indent: str = "  ") -> list[str]:
    if not counts:
        return [f"{indent}(none)"]
    return _table(["table", "rows"], sorted(counts.items()), indent=indent)


def _run_erase(args: argparse.Namespace) -> int:
    from scrm import api
    from scrm.privacy import requests as gdpr

    db = store.open_db(_db_path(args), create=False)
    try:
        if not args.yes:
            preview = gdpr.preview_erasure(db, args.customer)
            print(f"Erasing customer {args.customer} would delete {preview.total_deleted:,} rows:")
            print("\n".join(_count_lines(preview.deleted)))
            print(f"and replace their name, e-mail or handles by {gdpr.ERASED} in {preview.total_swept:,} other rows:")
            print("\n".join(_count_lines(preview.swept)))
            raise UsageError(
                f"Nothing was erased. Add --yes to erase customer {args.customer}: "
                f"python -m scrm erase --customer {args.customer} --yes"
            )
        summary = api.erase_person(db, args.customer, actor=CLI_ACTOR)
    finally:
        db.close()
    print(f"Erased customer {args.customer}: {summary.total_deleted:,} rows deleted:")
    print("\n".join(_count_lines(summary.deleted)))
    print(f"Their name, e-mail or handles replaced by {gdpr.ERASED} in {summary.total_swept:,} other rows.")
    print(f"Audit reference: {summary.reference} (note it with the request; the log keeps no erased value).")
    if not summary.checkpointed:
        _err("note: another program had the database open, so the file was not compacted; run the erasure again later.")
    return EXIT_OK


def _add_purge(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--months", metavar="N",
        help="delete mentions posted more than N months ago (default: the retention setting)",
    )
    p.add_argument("--yes", action="store_true", help="really delete (without it: show how many would go)")


def _run_purge(args: argparse.Namespace) -> int:
    from scrm import api
    from scrm.privacy import requests as gdpr

    db = store.open_db(_db_path(args), create=False)
    try:
        months = gdpr.check_months(args.months) if args.months is not None else gdpr.retention_months(db)
        if months is None:
            raise UsageError(
                "No retention is set. Give --months N (e.g. --months 24), or set the retention on the "
                "Privacy requests page."
            )
        cutoff = gdpr.retention_cutoff(months)
        if not args.yes:
            n = gdpr.count_mentions_older_than(db, months)
            print(f"{n:,} mentions were posted more than {months} months ago (before {cutoff} UTC).")
            raise UsageError(f"Nothing was deleted. Add --yes to delete them: python -m scrm purge --months {months} --yes")
        summary = api.purge_mentions(db, months, actor=CLI_ACTOR)
    finally:
        db.close()
    print(f"Purged {summary.mentions:,} mentions posted before {summary.cutoff} UTC ({months} months).")
    if summary.deleted:
        print("\n".join(_count_lines(summary.deleted)))
    if summary.cases_detached:
        print(f"{summary.cases_detached:,} cases keep their record without the mention.")
    return EXIT_OK


# --- sentiment ---------------------------------------------------------------------


# The first four are the contract; confidence (P(label is right)) was added after them.
SENTIMENT_COLUMNS = ["text", "lang", "score", "label", "confidence"]


def _add_sentiment(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file", metavar="FILE", help="texts one per line, or a CSV with a `text` column and an optional `lang` column"
    )
    p.add_argument(
        "--languages", metavar="CODES",
        help="the brand's languages, main first (e.g. es,en); default: the database's setting, else en,es,fr",
    )  # fmt: skip


def _run_sentiment(args: argparse.Namespace) -> int:
    from scrm.analysis.sentiment import sentiment_file
    from scrm.export.files import scores_to_csv

    options: dict[str, Any] = {}
    if args.languages:
        options["languages"] = args.languages
    path = _db_path(args)
    db = None
    if store.is_url(path) or path.is_file():  # the workspace's languages; no database is created for this
        with contextlib.suppress(ScrmError):
            db = store.open_db(path, create=False)
    try:
        if db is not None:
            options["db"] = db
        frame = sentiment_file(Path(args.file), **options)[SENTIMENT_COLUMNS]
    finally:
        if db is not None:
            db.close()
    # Formulas neutralised and scores rounded, as the app's download.
    sys.stdout.write(scores_to_csv(frame))
    return EXIT_OK


EXIT_NOT_ADOPTED = 5  # `sentiment-train`: no language's adjustment beat the model; nothing changed


def _add_sentiment_train(p: argparse.ArgumentParser) -> None:
    del p  # the database option only


def _run_sentiment_train(args: argparse.Namespace) -> int:
    from scrm import api

    db = store.open_db(_db_path(args), create=False)
    try:
        result = api.train_sentiment(db, actor=CLI_ACTOR)
    finally:
        db.close()
    if not result.languages:
        print("No corrections yet: correct some labels on Listening, Customer 360, Alerts or the Rescue queue first.")
        return EXIT_NOT_ADOPTED
    print(f"{'language':<9} {'corrections':>11} {'model F1':>9} {'adjusted F1':>12}  result")
    for r in result.languages:
        after = "–" if r.after is None else f"{r.after:.3f}"
        print(f"{r.lang:<9} {r.corrections:>11,} {r.before:>9.3f} {after:>12}  {r.reason}")
    print("Macro-F1 on the workspace's corrections; the adjusted figure is cross-validated.")
    return EXIT_OK if result.adopted else EXIT_NOT_ADOPTED


# --- report ------------------------------------------------------------------------


REPORTS = ("kpis", "segments", "advocates", "clv", "html", "pdf")
# The stakeholder report (scrm.export): `report html|pdf --out FILE [--from --to] [--lang en|es|fr]`.
DOCUMENT_REPORTS = ("html", "pdf")
# Derived tables the reports read (written by scrm.analysis.segments and scrm.analysis.roles).
SEGMENT_PROFILES = S.SEGMENT_PROFILES
ROLES = S.ROLES
ADVOCATE_ROLES = ("advocate", "ambassador")
SHOWN_ROWS = 20


def _add_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("report", metavar="REPORT", choices=REPORTS, help=f"what to report: {', '.join(REPORTS)}")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument(
        "--as-of", dest="as_of", metavar="DATE",
        help="the analysis date YYYY-MM-DD (clv: fit on the data up to it; kpis: the end of the range)",
    )
    p.add_argument("--from", dest="date_from", metavar="DATE", help="kpis: first day of the range, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="kpis: last day of the range, YYYY-MM-DD")
    p.add_argument("--out", metavar="FILE", help="html, pdf: the file to write the stakeholder report to")
    p.add_argument("--lang", metavar="LANG", default="en", help="html, pdf: the report's language, en, es or fr")
    p.add_argument("--masked", action="store_true", help="html, pdf: mask names and handles")
    p.add_argument("--no-quotes", dest="quotes", action="store_false", help="html, pdf: leave out customers' texts")


def _date_option(option: str, value: str | None) -> str | None:
    from scrm.views.kpis import parse_date

    return parse_date(value, option)


def _jsonable(value: Any) -> Any:
    """JSON-safe values: numpy scalars as Python numbers, NaN as null."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _records(frame: Any) -> list[dict[str, Any]]:
    return [_jsonable(r) for r in frame.astype(object).where(frame.notna(), None).to_dict(orient="records")]


def _run_report(args: argparse.Namespace) -> int:
    as_of = _date_option("--as-of", args.as_of)
    date_from = _date_option("--from", args.date_from)
    date_to = _date_option("--to", args.date_to)
    if args.report in DOCUMENT_REPORTS:
        return _report_document(args, date_from, date_to)
    if args.report != "kpis" and (date_from or date_to):
        raise UsageError(f"--from and --to apply to `report kpis` only, not to `report {args.report}`.")
    db = store.open_db(_db_path(args), create=False)
    try:
        if args.report == "kpis":
            return _report_kpis(db, date_from, date_to or as_of, as_json=args.json)
        if args.report == "clv":
            return _report_clv(db, as_of, as_json=args.json)
        if args.report == "segments":
            if as_of:
                raise UsageError("report segments shows the segments of the last `score`; --as-of does not apply.")
            return _report_table(db, SEGMENT_PROFILES, "segment_id", "segments", as_json=args.json,
                                 hidden=("description_message",))  # the interface's copy of the description
        return _report_advocates(db, as_of, as_json=args.json)
    finally:
        db.close()


def _report_document(args: argparse.Namespace, date_from: str | None, date_to: str | None) -> int:
    """`report html|pdf --out FILE`: the stakeholder report, as the Overview's download."""
    from scrm.db.filters import Filters
    from scrm.i18n import LANGUAGES

    if args.lang not in LANGUAGES:
        raise UsageError(f"--lang must be one of {', '.join(LANGUAGES)}, not {args.lang!r}.")
    if not args.out:
        raise UsageError(f"report {args.report} needs --out FILE, the file to write the report to.")
    if date_from and date_to and date_from > date_to:
        raise UsageError(f"--from {date_from} is after --to {date_to}; give the first day first.")
    db = store.open_db(_db_path(args), create=False)
    try:
        filters = Filters(date_from=date_from, date_to=date_to)
        if args.report == "html":
            from scrm.export.report import build_report_html

            data = build_report_html(db, filters, masked=args.masked, lang=args.lang, quotes=args.quotes).encode("utf-8")
        else:
            from scrm.export.pdf import build_report_pdf

            data = build_report_pdf(db, filters, masked=args.masked, lang=args.lang, quotes=args.quotes)
    finally:
        db.close()
    out = Path(args.out)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"Could not write {out}: {exc.strerror or exc}.") from exc
    print(f"Wrote the {args.report.upper()} report to {out} ({len(data):,} bytes).")
    return EXIT_OK


def _report_kpis(db: sqlite_utils.Database, date_from: str | None, date_to: str | None, *, as_json: bool) -> int:
    from scrm.views.kpis import compute_kpis

    if date_from and date_to and date_from > date_to:
        raise UsageError(f"--from {date_from} is after --to {date_to}; swap the dates.")
    kpis = compute_kpis(db, date_from, date_to)
    if as_json:
        print(json.dumps({"kpis": _jsonable(kpis)}, ensure_ascii=False))
        return EXIT_OK
    span = f"{date_from or 'first record'} to {date_to or 'last record'}"
    print(f"KPIs from {span}")
    rows = [(e["name"], _kpi_value(e), e.get("note") or "") for e in kpis.values()]
    print("\n".join(_table(["KPI", "value", "note"], rows, indent="  ")))
    return EXIT_OK


def _kpi_value(entry: dict[str, Any]) -> str:
    value = entry["value"]
    if value is None:
        return "-"
    unit = entry["unit"]
    if unit == "percent":
        return f"{value:,.1f} %"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "minutes":
        return f"{value:,.0f} min"
    if unit == "currency":
        return f"{value:,.2f} {entry.get('currency') or ''}".rstrip()
    if unit == "ratio":
        return f"{value:,.2f}"
    return f"{value:,}"


def _report_clv(db: sqlite_utils.Database, as_of: str | None, *, as_json: bool) -> int:
    from scrm.analysis.value import clv_report

    report = _jsonable(clv_report(db, as_of=as_of))
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return EXIT_OK
    model = report.get("model") or {}
    print("CLV model (time in weeks): " + ", ".join(f"{k} = {_fmt_number(v)}" for k, v in model.items()))
    customers = sorted(report.get("customers") or [], key=lambda c: -(c.get("clv") or 0))
    if customers:
        # The value report's own columns, in its order (frequency, recency, T, monetary value, ...).
        columns = [c for c in customers[0] if not isinstance(customers[0][c], dict | list)]
        print(f"Top {min(SHOWN_ROWS, len(customers))} of {len(customers):,} customers by CLV")
        print("\n".join(_table(columns, [[c.get(k) for k in columns] for c in customers[:SHOWN_ROWS]], indent="  ")))
    return EXIT_OK


def _fmt_number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _read_derived(db: sqlite_utils.Database, table: str, order_by: str, what: str) -> Any:
    if not db[table].exists():
        raise ConfigError(f"No {what} yet: run `python -m scrm score` first.")
    return store.read_frame(db, f'SELECT * FROM "{table}" ORDER BY {order_by}')


def _report_table(
    db: sqlite_utils.Database, table: str, order_by: str, what: str, *, as_json: bool, hidden: tuple[str, ...] = ()
) -> int:
    frame = _read_derived(db, table, order_by, what).drop(columns=list(hidden), errors="ignore")
    if as_json:
        print(json.dumps(_records(frame), ensure_ascii=False))
        return EXIT_OK
    # JSON columns (a segment's centre) are for machines: --json has them.
    columns = [c for c in frame.columns if not frame[c].astype(str).str.startswith("{").any()]
    print("\n".join(_table(columns, frame[columns].astype(object).where(frame[columns].notna(), None).values.tolist())))
    return EXIT_OK


def _report_advocates(db: sqlite_utils.Database, as_of: str | None, *, as_json: bool) -> int:
    if as_of:
        from scrm.analysis.roles import compute_roles

        frame = compute_roles(db, as_of=as_of)
    else:
        frame = _read_derived(db, ROLES, "advocate_score DESC", "author roles")
    frame = frame[frame["role"].isin(ADVOCATE_ROLES)].sort_values("advocate_score", ascending=False)
    if as_json:
        print(json.dumps(_records(frame), ensure_ascii=False))
        return EXIT_OK
    columns = [c for c in ("profile_id", "customer_id", "role", "relation", "advocate_score", "ambassador_score")
               if c in frame.columns]
    print(f"{len(frame):,} advocates (ambassadors included), best first")
    shown = frame[columns].head(SHOWN_ROWS)
    print("\n".join(_table(columns, shown.astype(object).where(shown.notna(), None).values.tolist(), indent="  ")))
    if len(frame) > SHOWN_ROWS:
        print(f"  ... and {len(frame) - SHOWN_ROWS:,} more (all with --json)")
    return EXIT_OK


# --- the command table -------------------------------------------------------------


def _add_backup(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="the new backup file (e.g. backups/scrm-$(date +%%F).db)")
    p.add_argument("--replace", action="store_true", help="overwrite FILE when it exists")


def _run_backup(args: argparse.Namespace) -> int:
    from scrm import api

    db = store.open_db(_db_path(args), create=False)
    try:
        summary = api.backup(db, args.file, replace=args.replace)
    finally:
        db.close()
    print(f"Backed up data version {summary.data_version:,} to {summary.path} ({summary.bytes:,} bytes) "
          f"in {summary.seconds:.1f} s.")  # fmt: skip
    return EXIT_OK


def _add_restore(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a backup made by `backup`")
    p.add_argument("--yes", action="store_true", help="really replace everything in the database with the backup")


def _run_restore(args: argparse.Namespace) -> int:
    from scrm import api

    path = _db_path(args)
    if not args.yes:
        raise UsageError(
            f"Nothing was restored. Restoring replaces everything in {path} with {args.file}; "
            f"add --yes to do it: python -m scrm restore {args.file} --yes"
        )
    db = store.open_db(path)
    try:
        summary = api.restore(db, args.file, actor=CLI_ACTOR)
    finally:
        db.close()
    print(f"Restored {summary.path} ({summary.bytes:,} bytes) into {path} in {summary.seconds:.1f} s; "
          f"data version now {summary.data_version:,}.")  # fmt: skip
    return EXIT_OK


def _add_copy(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="TARGET", help="the database to copy into: postgresql://USER@HOST/DB or a file")
    p.add_argument("--replace", action="store_true", help="empty TARGET first when it already holds data")


def _run_copy(args: argparse.Namespace) -> int:
    from scrm import api

    db = store.open_db(_db_path(args), create=False)
    progress = _Progress(lines=True)
    try:
        summary = api.copy_to(db, args.target, replace=args.replace, actor=CLI_ACTOR, progress=progress)
    finally:
        progress.done()
        db.close()
    print(summary.summary())
    return EXIT_OK


# --- live sources: sources, collect, watch (scrm.listen) ------------------------------------------

EXIT_SOURCE_FAILED = 4  # `collect`: at least one source failed; the others still collected


def _settings_option(values: Sequence[str] | None) -> dict[str, str]:
    """``--set KEY=VALUE`` options as a dict; a malformed one is a usage error."""
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set takes KEY=VALUE (e.g. --set query=acme), not {item!r}.")
        out[key.strip()] = value
    return out


def _add_sources(p: argparse.ArgumentParser) -> None:
    from scrm.listen import CONNECTORS

    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    kinds = "; ".join(f"{k}: {', '.join(c.setting_keys())}" for k, c in CONNECTORS.items())
    add = sub.add_parser("add", help="add a source", description=f"Add a live source. Setting keys per kind: {kinds}.")
    add.add_argument("kind", metavar="KIND", help=f"one of {', '.join(CONNECTORS)}")
    add.add_argument("name", metavar="NAME", help="a name of your choice (letters, digits, - _ .)")
    add.add_argument("--set", dest="settings", action="append", metavar="KEY=VALUE", default=[],
                     help="a setting (repeat for several); secrets go in .streamlit/secrets.toml under [sources.NAME]")
    add.add_argument("--every", type=int, metavar="MINUTES", default=None,
                     help="collect at most every MINUTES (default: at every collect)")
    listing = sub.add_parser("list", help="list the sources, their state and last run")
    listing.add_argument("--json", action="store_true", help="print JSON")
    for action, text in (("remove", "remove a source (what it collected stays)"),
                         ("test", "make one request: what it would collect, or why it can't"),
                         ("pause", "pause a source"), ("resume", "resume a paused source")):
        q = sub.add_parser(action, help=text)
        q.add_argument("name", metavar="NAME")
    for q in sub.choices.values():
        _global_options(q, argparse.SUPPRESS)


def _run_sources(args: argparse.Namespace) -> int:
    from scrm import api
    from scrm.views import sources as V

    db = store.open_db(_db_path(args))
    try:
        if args.action == "add":
            source = api.add_source(db, args.kind, args.name, _settings_option(args.settings),
                                    every_minutes=args.every, actor=CLI_ACTOR)
            schedule = f"every {source.every_minutes} min" if source.every_minutes else "at every collect"
            print(f"Added {source.kind} source {source.name!r} ({schedule}). Try it: {PROG} sources test {source.name}")
        elif args.action == "list":
            records = V.source_records(db)
            if args.json:
                print(json.dumps({"sources": records}, ensure_ascii=False))
            elif not records:
                print(f"No sources yet. Add one: {PROG} sources add hackernews hn --set query=YOURBRAND")
            else:
                rows = [(r["name"], r["kind"], r["state"], r["every_minutes"], r["last_run_at"], r["last_new"],
                         r["last_error"] or r["paused_reason"] or "") for r in records]
                print("\n".join(_table(("name", "kind", "state", "every", "last run (UTC)", "new", "problem"), rows)))
        elif args.action == "remove":
            api.remove_source(db, args.name, actor=CLI_ACTOR)
            print(f"Removed source {args.name!r}; the mentions it collected stay.")
        elif args.action in ("pause", "resume"):
            api.set_source_paused(db, args.name, args.action == "pause", actor=CLI_ACTOR)
            print(f"Source {args.name!r} {'paused' if args.action == 'pause' else 'resumed'}.")
        else:
            probe = api.probe_source(db, args.name)
            if probe.error:
                _err(f"error: {probe.error}")
                return EXIT_SOURCE_FAILED
            print(f"{probe.name} ({probe.kind}): one request found {probe.fetched:,} item(s), {probe.new:,} not stored yet.")
            for item in probe.sample:
                text = " ".join(str(item.get("text") or "").split())[:100]
                print(f"  {item.get('posted_at')}  {item.get('platform')}  {item.get('author')}  {text}")
    finally:
        db.close()
    return EXIT_OK


def _add_collect(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", metavar="NAME", help="run this source only (whatever its schedule or state)")
    p.add_argument("--json", action="store_true", help='last line: {"sources": [...], "scored": true|false}')
    p.add_argument("--no-score", action="store_true", help="do not score after collecting")


def _collect_line(result: Any) -> str:
    if result.error:
        paused = " The source is now paused." if result.paused else ""
        return f"{result.name} ({result.kind}): failed: {result.error}{paused}"
    extra = f", {result.deleted:,} deleted" if result.deleted else ""
    extra += f", {result.rejected:,} quarantined" if result.rejected else ""
    return f"{result.name} ({result.kind}): {result.fetched:,} fetched, {result.new:,} new{extra} in {result.seconds:.1f} s."


def _collect_once(db: sqlite_utils.Database, args: argparse.Namespace, *, as_json: bool) -> int:
    from scrm import api

    outcome = api.collect(
        db, name=getattr(args, "source", None), score_after=not args.no_score,
        on_source=None if as_json else (lambda r: print(_collect_line(r), flush=True)), actor=CLI_ACTOR,
    )
    if as_json:
        print(json.dumps({"sources": [r.as_json() for r in outcome.results], "scored": outcome.scored}, ensure_ascii=False))
    else:
        if not outcome.results:
            print("No source is due (see `sources list`).")
        if outcome.scored:
            print(f"Scored ({len(outcome.stages)} stages).")
        elif outcome.score_error:
            print(f"Scoring failed: {_one_line(outcome.score_error)}; `{PROG} score` tries again.")
    return EXIT_SOURCE_FAILED if outcome.failed else EXIT_OK


def _run_collect(args: argparse.Namespace) -> int:
    db = store.open_db(_db_path(args))
    try:
        return _collect_once(db, args, as_json=args.json)
    finally:
        db.close()


def _add_watch(p: argparse.ArgumentParser) -> None:
    p.add_argument("--every", type=float, default=5.0, metavar="MINUTES",
                   help="minutes between rounds (default 5); each source also keeps its own --every")
    p.add_argument("--no-score", action="store_true", help="do not score after collecting")
    p.add_argument("--runs", type=int, default=0, metavar="N", help="stop after N rounds (default: run until stopped)")


def _run_watch(args: argparse.Namespace) -> int:
    if args.every <= 0:
        raise UsageError(f"--every must be more than 0 minutes, not {args.every:g}.")
    rounds = 0
    while True:
        db = store.open_db(_db_path(args))
        try:
            print(f"{store.utcnow()} collecting", flush=True)
            _collect_once(db, args, as_json=False)
        finally:
            db.close()
        rounds += 1
        if args.runs and rounds >= args.runs:
            return EXIT_OK
        time.sleep(args.every * 60)


def _add_notify(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser(
        "add", help="add a channel",
        description="Add a notification channel. email: host, port, starttls, from, to, username; "
        "webhook: url, format (slack, teams, mattermost, discord, json); both: throttle_minutes, severity, app_url. "
        "Passwords go in .streamlit/secrets.toml under [notify.NAME].",
    )
    add.add_argument("kind", metavar="KIND", help="email or webhook")
    add.add_argument("name", metavar="NAME", help="a name of your choice")
    add.add_argument("--set", dest="settings", action="append", metavar="KEY=VALUE", default=[], help="a setting (repeat)")
    listing = sub.add_parser("list", help="list the channels and their last delivery")
    listing.add_argument("--json", action="store_true", help="print JSON")
    for action, text in (("remove", "remove a channel"), ("test", "send a test message through a channel")):
        sub.add_parser(action, help=text).add_argument("name", metavar="NAME")
    for q in sub.choices.values():
        _global_options(q, argparse.SUPPRESS)


def _run_notify(args: argparse.Namespace) -> int:
    from scrm import api
    from scrm.views import sources as V

    db = store.open_db(_db_path(args))
    try:
        if args.action == "add":
            channel = api.add_channel(db, args.kind, args.name, _settings_option(args.settings), actor=CLI_ACTOR)
            print(f"Added {channel.kind} channel {channel.name!r}. Try it: {PROG} notify test {channel.name}")
        elif args.action == "list":
            records = V.channel_records(db)
            if args.json:
                print(json.dumps({"channels": records}, ensure_ascii=False))
            elif not records:
                print(f"No channels yet. Add one: {PROG} notify add webhook team --set url=https://... --set format=slack")
            else:
                rows = [(r["name"], r["kind"], r["last_status"], r["last_at"], r["last_error"] or "") for r in records]
                print("\n".join(_table(("name", "kind", "last delivery", "at (UTC)", "problem"), rows)))
        elif args.action == "remove":
            api.remove_channel(db, args.name, actor=CLI_ACTOR)
            print(f"Removed channel {args.name!r}.")
        else:
            delivery = api.send_test_notification(db, args.name)
            if delivery.error:
                _err(f"error: {_one_line(delivery.error)}")
                return EXIT_SOURCE_FAILED
            print(f"Sent a test message through {args.name!r} ({delivery.status}, {delivery.attempts} attempt(s)).")
    finally:
        db.close()
    return EXIT_OK


def _add_reply(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", metavar="CASE", type=int, help="the case's number (Rescue queue)")
    p.add_argument("--text", required=True, help="the reply, as it will be posted")
    p.add_argument("--yes", action="store_true", help="approve: really post it from the brand's account")


def _run_reply(args: argparse.Namespace) -> int:
    from scrm import api

    db = store.open_db(_db_path(args), create=False)
    try:
        plan = api.plan_reply(db, args.case, args.text)
        if not args.yes:
            raise UsageError(
                f"Nothing was posted. This would answer {plan.author or 'the author'} on {plan.platform} "
                f"(case {plan.case_id}) from the brand's account; add --yes to approve and post it."
            )
        posted = api.post_reply(db, args.case, args.text, actor=CLI_ACTOR)
    finally:
        db.close()
    print(f"Posted the reply of case {posted.case_id} on {posted.platform}: {posted.url or posted.mention_id}")
    return EXIT_OK


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one-line help, arguments and the function that runs it."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _add_hash_password(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stdin", action="store_true",
        help="read the password from the first line of standard input (scripts) instead of asking twice",
    )


def _run_hash_password(args: argparse.Namespace) -> int:
    import getpass

    from scrm import auth

    if args.stdin:
        first, second = sys.stdin.readline().rstrip("\r\n"), None
    else:
        first = getpass.getpass("New password: ")
        second = getpass.getpass("The same password again: ")
    # Raises auth.PasswordRejected (a ScrmError): empty, mistyped, shorter than 8 characters.
    print(auth.hash_new_password(first, second))
    return EXIT_OK


COMMANDS: list[Command] = [
    Command("demo", "build the demo database (deterministic for a seed)", _add_demo, _run_demo),
    Command("import", "import a customers, orders, mentions or surveys file", _add_import, _run_import),
    Command("status", "row counts, data version and the last imports", _add_status, _run_status),
    Command("bench", "the performance benchmark: one line per stage", _add_bench, _run_bench),
    Command("score", "score new mentions and recompute derived tables whose data changed", _add_score, _run_score),
    Command("sentiment", "score the texts of a file: CSV text,lang,score,label on stdout", _add_sentiment, _run_sentiment),
    Command(
        "sentiment-train", "fit a local adjustment on the corrections; adopted only if better (exit 5: not adopted)",
        _add_sentiment_train, _run_sentiment_train,
    ),
    Command("report", "print kpis, segments, advocates or clv (tables, or JSON with --json), or write the html or pdf report", _add_report, _run_report),
    Command(
        "export-person", "everything held about one customer as JSON (a privacy request)",
        _add_export_person, _run_export_person,
    ),
    Command("erase", "erase one customer from every table (needs --yes)", _add_erase, _run_erase),
    Command("purge", "delete mentions older than the retention period (needs --yes)", _add_purge, _run_purge),
    Command("backup", "copy the database to a new file while the app runs (a consistent snapshot)", _add_backup, _run_backup),
    Command("restore", "replace everything in the database with a backup (needs --yes)", _add_restore, _run_restore),
    Command("copy", "copy the whole database into another, such as an SQLite file into PostgreSQL", _add_copy, _run_copy),
    Command(
        "hash-password", "print a password hash for a user in .streamlit/secrets.toml",
        _add_hash_password, _run_hash_password,
    ),
    Command("sources", "live sources: add, list, remove, test, pause, resume", _add_sources, _run_sources),
    Command("collect", "collect from the due live sources, then score (exit 4: a source failed)", _add_collect, _run_collect),
    Command("watch", "collect and score in a loop, for a container or a service", _add_watch, _run_watch),
    Command("notify", "notification channels: add, list, remove, test", _add_notify, _run_notify),
    Command("reply", "post a case's approved reply on Mastodon or Bluesky (needs --yes)", _add_reply, _run_reply),
    # (see "The command line" in DESIGN.md for their arguments).
]


def _global_options(p: argparse.ArgumentParser, default: Any) -> None:
    # The same options on the main parser and on each subcommand, so that
    # `--db X status` and `status --db X` both work. Subcommands default to
    # SUPPRESS so that they do not overwrite a value given before the command.
    p.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=default,
        help="the SQLite database file or a postgresql://USER@HOST/DB URL (default: $SCRM_DB, else data/scrm.db); "
        "bench makes its own databases on that PostgreSQL server",
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", default=False if default is None else default,
        help="log progress details (INFO) to stderr",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m scrm``."""
    parser = _Parser(
        prog=PROG,
        description="scrm: an open, self-hosted Social CRM. Exit status: 0 success, 2 user error, "
        "3 an import that stored no row.",
    )
    _global_options(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help[0].upper() + command.help[1:] + ".")
        _global_options(p, argparse.SUPPRESS)
        command.add_arguments(p)
        p.set_defaults(run=command.run)
    return parser


def _configure_logging(verbose: bool) -> None:
    level = logging.INFO if verbose else logging.WARNING
    root = logging.getLogger()
    if not root.handlers:  # an embedding program (or pytest) may have configured logging already
        logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("scrm").setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 2 user error).

    >>> main(["status", "--db", "/no/such/dir/x.db"])  # says on stderr that there is no database
    2
    """
    parser = build_parser()
    args: argparse.Namespace | None = None
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # --help and --version exit through argparse
            return int(e.code or 0) if not isinstance(e.code, str) else EXIT_USER_ERROR
        _configure_logging(bool(getattr(args, "verbose", False)))
        return int(args.run(args))
    except ScrmError as e:
        _err(f"error: {_one_line(str(e))}")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        _err("error: interrupted.")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `report ... | head` closed stdout early: not an error. Point stdout at
        # devnull so the interpreter's final flush does not complain again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as e:  # MemoryError and RecursionError are Exceptions too
        verbose = bool(getattr(args, "verbose", False))
        _err(f"error: {_one_line(fault_sentence(e, None if args is None else _db_path(args), verbose=verbose))}")
        if verbose:
            traceback.print_exc(file=sys.stderr)
        return EXIT_USER_ERROR


def fault_sentence(error: BaseException, db_path: Path | None, *, verbose: bool = False) -> str:
    """What the CLI says about an exception that is not a :class:`ScrmError`: a fault, or a bug.

    A fault of the database or the disk names what to do (see
    :func:`scrm.db.store.explain_sqlite_error`); an OSError names its own
    file. Anything else is a bug: its type and message, and ``-v`` for the
    details (unless they are already asked for).

    >>> fault_sentence(sqlite3.OperationalError("database or disk is full"), Path("x.db")).split(";")[0]
    'The disk holding x.db is full (or its quota is used up). Nothing of this change was saved and the database is intact'
    """
    if isinstance(error, MemoryError):
        return (
            "scrm ran out of memory. Close other programs, or split the file into smaller parts, and try again."
        )
    if isinstance(error, RecursionError):
        return (
            "The input is nested too deeply to read (JSON with thousands of levels inside each other?). "
            "Flatten it, or export it as CSV, and try again."
        )
    if isinstance(error, (sqlite3.Error, OSError)):
        named = getattr(error, "filename", None) if isinstance(error, OSError) else None
        fault = store.explain_sqlite_error(error, named or db_path)
        if fault is not None:
            return str(fault)
        if isinstance(error, OSError) and error.strerror:
            where = f" ({named})" if named else ""
            return f"{error.strerror}{where}. Check the file, its folder and the disk, and try again."
    details = "" if verbose else " Run again with -v for the details."
    return f"unexpected {type(error).__name__}: {_one_line(str(error)) or 'no message'} (a bug in scrm?).{details}"


def _one_line(message: str) -> str:
    return " ".join(message.split())


def console() -> None:
    """The ``scrm`` console script (``pip install .``): :func:`main`, its status as the exit code."""
    raise SystemExit(main())
