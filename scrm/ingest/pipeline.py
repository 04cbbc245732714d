"""The import pipeline: read -> map -> validate -> quarantine -> upsert.

A file is refused whole (and the database left untouched) when it cannot be
read, is not a table, or lacks a required column. Otherwise each bad row goes
to the quarantine table with its row number, column and reason, and the good
rows are upserted by key in ONE transaction with the import record, so a
re-import adds nothing twice and a killed process leaves no row of the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from scrm import schema as S
from scrm import store
from scrm.errors import ImportRejected, UnknownPreset
from scrm.ingest import mapping as M
from scrm.ingest import values as V

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Source = str | Path | bytes
MappingArg = str | Mapping[str, str] | None

# Rows per executemany chunk: progress is reported between chunks.
CHUNK = 100_000

# How values of `kind` and `platform` in exports are spelled, folded to ours.
KIND_ALIASES = {
    "tweet": "post", "status": "post", "publication": "post", "publicacion": "post",
    "retweet": "share", "rt": "share", "repost": "share", "quote": "share", "compartido": "share", "partage": "share",
    "comment": "reply", "comentario": "reply", "commentaire": "reply", "respuesta": "reply", "reponse": "reply",
    "message": "dm", "direct message": "dm", "private message": "dm", "mensaje": "dm", "mp": "dm",
    "resena": "review", "avis": "review", "rating": "review",
    "thread": "forum", "topic": "forum", "hilo": "forum", "fil": "forum",
}
PLATFORM_ALIASES = {"x": "twitter", "x.com": "twitter", "twitter.com": "twitter", "fb": "facebook", "ig": "instagram"}


@dataclass
class ImportResult:
    """What one import did, per kind; ``also`` holds secondary kinds of a preset."""

    import_id: int
    kind: str
    file_name: str
    rows_read: int
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    also: list[ImportResult] = field(default_factory=list)
    # The first quarantined rows as full sentences ("orders.csv row 3, column `amount`: ...").
    problems: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.new + self.updated + self.unchanged

    def summary(self) -> str:
        """One line per kind, e.g. ``orders.csv: 1,204 rows read -> orders: 3 new, ...``."""
        lines = [f"{self.file_name}: {self.rows_read:,} rows read in {self.seconds:.1f} s."]
        for part in [self, *self.also]:
            lines.append(
                f"  {part.kind}: {part.new:,} new, {part.updated:,} updated, {part.unchanged:,} unchanged, "
                f"{part.duplicates:,} duplicates, {part.rejected:,} quarantined."
            )
            lines.extend(f"  note: {n}" for n in part.notes)
            lines.extend(f"  quarantined: {p}" for p in part.problems)
        return "\n".join(lines)


@dataclass
class Preview:
    """What the Data page shows before an import."""

    kind: str | None
    headers: list[str]
    mapping: dict[str, str]
    missing: list[str]
    sample: pd.DataFrame
    preset: str | None = None


# --- reading -------------------------------------------------------------------


def _name_of(source: Source, file_name: str | None) -> str:
    if file_name:
        return file_name
    if isinstance(source, bytes):
        return "the uploaded file"
    return Path(source).name


def _bytes_of(source: Source, name: str) -> bytes:
    if isinstance(source, bytes):
        return source
    path = Path(source)
    if not path.exists():
        raise ImportRejected(f"{path} does not exist. Check the path and try again.")
    if path.is_dir():
        raise ImportRejected(f"{path} is a folder, not a file. Give the path of a CSV, XLSX or JSON file.")
    try:
        return path.read_bytes()
    except OSError as e:
        raise ImportRejected(f"{name} could not be opened ({e.strerror}). Check the file's permissions.") from e


def _preset(mapping: MappingArg, kind: str) -> tuple[Any, dict[str, str] | None]:
    """(preset or None, explicit mapping or None) from the ``mapping`` argument."""
    if mapping is None or (isinstance(mapping, str) and not mapping.strip()):
        return None, None
    if isinstance(mapping, str):
        from scrm.ingest.presets import PRESETS

        name = mapping.strip()
        if name in PRESETS:
            preset = PRESETS[name]
            if preset.kind != kind:
                raise ImportRejected(
                    f"The preset '{name}' imports {preset.kind}, not {kind}. "
                    f"Import it as {preset.kind} (python -m scrm import {preset.kind} FILE --mapping {name})."
                )
            return preset, preset.mapping
        if not name.startswith("{") and not name.lower().endswith(".json"):
            raise UnknownPreset(
                f"Unknown mapping preset '{name}': use one of {', '.join(PRESETS)}, "
                'a JSON object such as {"amount": "Total"}, or a .json file.'
            )
    return None, M.parse_mapping(mapping)


def read_source(source: Source, file_name: str | None = None, preset: Any = None) -> pd.DataFrame:
    """The raw table of a file (text cells, index = spreadsheet row number)."""
    from scrm.ingest.readers import read_table

    name = _name_of(source, file_name)
    data = _bytes_of(source, name)
    reader = preset.read if preset is not None and preset.read is not None else read_table
    raw = reader(data, name)
    raw.attrs.setdefault("file_name", name)
    return raw


# --- validation ------------------------------------------------------------------

_TYPE_REASONS = {
    "datetime": "'{v}' is not a date. Use ISO dates (2024-03-05 or 2024-03-05 14:30), dd/mm/yyyy or yyyymmdd.",
    "float": "'{v}' is not a number. Use digits with `.` or `,` as decimal mark.",
    "int": "'{v}' is not a whole number. Use digits only, such as 12.",
    "bool": "'{v}' is not yes or no. Use yes/no, true/false or 1/0.",
}


def _clean_text(s: pd.Series) -> pd.Series:
    """Strip, drop NULs, and turn blank cells into missing values."""
    t = s.astype("string").str.replace("\x00", "", regex=False).str.strip()
    return t.mask(t == "")


def _integral_id(s: pd.Series) -> pd.Series:
    """'17850.0' -> '17850': spreadsheets turn numeric ids into floats."""
    return s.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def _stable_hash(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    joined = frame[list(columns)[0]].fillna("").astype(str)
    for c in list(columns)[1:]:
        joined = joined + "\x1f" + frame[c].fillna("").astype(str)
    return joined.map(lambda t: hashlib.sha1(t.encode("utf-8")).hexdigest()[:20])


@dataclass
class _Validated:
    good: pd.DataFrame  # canonical + stored columns, typed, NA for missing
    bad: list[tuple[int, str, str, str, str]]  # (row, column, value, reason, raw json)
    duplicates: int
    notes: list[str]


def _cell_text(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and bool(pd.isna(value))) else str(value)


def _quarantine_entries(
    frame: pd.DataFrame, bad_cells: dict[str, pd.Series], reasons: dict[str, pd.Series]
) -> tuple[pd.Series, list[tuple[int, str, str, str, str]]]:
    """The first problem of each bad row, in column order."""
    any_bad = pd.Series(False, index=frame.index)
    for mask in bad_cells.values():
        any_bad |= mask
    entries: list[tuple[int, str, str, str, str]] = []
    if any_bad.any():
        raw_cols = [c for c in frame.columns if not str(c).startswith("_")]
        for row in frame.index[any_bad.to_numpy()]:
            column = next(c for c, mask in bad_cells.items() if mask.loc[row])
            reason = str(reasons[column].loc[row])
            raw = {str(c): _cell_text(frame.at[row, c]) for c in raw_cols}
            if column.startswith("_"):  # a whole-row problem found by a preset
                column, value_text = "", ""
            else:
                value_text = (_cell_text(frame.at[row, column]) if column in frame.columns else None) or ""
            entries.append((int(row), column, value_text, reason, json.dumps(raw, ensure_ascii=False)))
    return any_bad, entries


def validate(frame: pd.DataFrame, kind: str, file_name: str) -> _Validated:
    """Type and check a frame of canonical columns; split good rows from bad ones.

    ``frame``'s index is the source row number. A ``_problem`` column (set by
    presets for rows they could not build) sends its rows to quarantine.
    """
    entity = M.entity_of(kind)
    df = pd.DataFrame(index=frame.index)
    bad: dict[str, pd.Series] = {}
    reasons: dict[str, pd.Series] = {}

    def flag(column: str, mask: pd.Series, reason: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        r = reason if isinstance(reason, pd.Series) else pd.Series(reason, index=frame.index)
        if column in bad:
            new = mask & ~bad[column]
            reasons[column] = reasons[column].where(~new, r)
            bad[column] = bad[column] | mask
        else:
            bad[column] = mask
            reasons[column] = r

    for column in entity.columns:
        name = column.name
        if name not in frame.columns:
            continue
        raw = frame[name]
        if column.type == "text":
            df[name] = _clean_text(raw)
            continue
        if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
            raw = _clean_text(raw)
        parser = {"datetime": V.parse_datetimes, "float": V.parse_numbers, "int": V.parse_ints, "bool": V.parse_bools}[column.type]
        parsed, is_bad = parser(raw)
        df[name] = parsed
        if is_bad.any():
            text = raw.astype("string").fillna("")
            flag(name, is_bad, text.map(lambda v, t=column.type: _TYPE_REASONS[t].format(v=v)))

    # Required values present.
    for name in entity.required:
        if name in df.columns:
            flag(name, df[name].isna() & ~bad.get(name, pd.Series(False, index=df.index)),
                 f"`{name}` is empty; every {kind[:-1]} needs one.")

    notes: list[str] = []
    _kind_rules(kind, df, flag, notes)

    if "_problem" in frame.columns:
        problem = frame["_problem"]
        flag("_problem", problem.notna(), problem.astype("string").fillna(""))

    # Keys.
    key = entity.key
    if key not in df.columns or df[key].isna().all():
        basis = {S.MENTIONS: ["platform", "author", "posted_at", "text"], S.SURVEYS: ["customer", "answered_at", "score"]}
        if kind in basis:
            df[key] = _stable_hash(df.assign(**{c: df[c] if c in df.columns else None for c in basis[kind]}), basis[kind])
    else:
        df[key] = _integral_id(df[key])
    if "customer_id" in df.columns:
        df["customer_id"] = _integral_id(df["customer_id"])

    any_bad, entries = _quarantine_entries(frame, bad, reasons)
    good = df[~any_bad]
    before = len(good)
    good = good[~good[key].duplicated(keep="last")]
    if kind == S.ORDERS:
        guests = int(good["customer_id"].isna().sum()) if "customer_id" in good.columns else len(good)
        if guests:
            notes.append(f"{guests:,} orders have no customer and are kept as guest orders.")
    return _Validated(good=good, bad=entries, duplicates=before - len(good), notes=notes)


def _kind_rules(kind: str, df: pd.DataFrame, flag: Callable[..., None], notes: list[str]) -> None:
    """Checks and normalisations that belong to one kind."""
    if kind == S.CUSTOMERS:
        if "email" in df.columns:
            email = df["email"].str.lower()
            df["email"] = email
            flag("email", email.notna() & ~email.str.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$").fillna(False),
                 df["email"].astype("string").fillna("").map(lambda v: f"'{v}' is not an e-mail address. Use the form name@example.com or leave it empty."))
    elif kind == S.ORDERS:
        if "currency" in df.columns:
            df["currency"] = df["currency"].str.upper()
    elif kind == S.MENTIONS:
        df["text"] = V.unescape_html(df["text"])
        platform = df["platform"].str.lower() if "platform" in df.columns else pd.Series("other", index=df.index, dtype="string")
        df["platform"] = platform.replace(PLATFORM_ALIASES).fillna("other")
        df["author"] = df["author"].str.lstrip("@")
        if "kind" in df.columns:
            k = df["kind"].str.lower()
            df["kind"] = k.replace(KIND_ALIASES)
        if "visibility" in df.columns:
            df["visibility"] = df["visibility"].str.lower()
        if "lang" in df.columns:
            df["lang"] = df["lang"].str.lower().str.slice(0, 2)
        for name in ("likes", "shares", "replies", "author_followers"):
            if name in df.columns:
                flag(name, df[name] < 0, f"`{name}` is negative; counts start at 0.")
        if "from_brand" in df.columns:
            df["from_brand"] = df["from_brand"].astype("Int64")
        if "author_email" in df.columns:
            df["author_email"] = df["author_email"].str.lower()
    elif kind == S.SURVEYS:
        score = df["score"]
        flag("score", (score < 0) | (score > 10),
             score.astype("string").fillna("").map(lambda v: f"'{v}' is outside 0-10. NPS scores are whole numbers from 0 to 10."))
        if "customer" in df.columns:
            ref = _integral_id(df["customer"])
            is_email = ref.str.contains("@", regex=False).fillna(False)
            df["email"] = ref.where(is_email).str.lower()
            df["customer_id"] = ref.where(~is_email)
    if kind == S.CUSTOMERS and "consent_marketing" in df.columns:
        df["consent_marketing"] = df["consent_marketing"].astype("Int64")


# --- writing -----------------------------------------------------------------------


def _column_lists(frame: pd.DataFrame, columns: Sequence[str]) -> list[list[Any]]:
    """Python lists per column with None for missing values (what sqlite3 binds)."""
    out = []
    for c in columns:
        s = frame[c]
        if pd.api.types.is_float_dtype(s.dtype):
            values = s.to_numpy(dtype=object)
            values[np.isnan(s.to_numpy(dtype=float))] = None
            out.append(values.tolist())
        else:
            obj = s.astype(object)
            out.append(obj.where(s.notna(), None).tolist())
    return out


def _stored_frame(kind: str, good: pd.DataFrame, extra: pd.DataFrame | None) -> tuple[str, list[str], pd.DataFrame]:
    table = kind
    stored = S.STORED_COLUMNS[table]
    frame = good
    if kind == S.SURVEYS:
        frame = good.drop(columns=[c for c in ("customer",) if c in good.columns])
    if kind == S.CUSTOMERS and extra is not None and len(extra.columns):
        attrs = extra.loc[frame.index]
        attributes: list[Any] = [
            json.dumps({str(k): _cell_text(v) for k, v in row.items() if _cell_text(v) is not None}, ensure_ascii=False)
            for row in attrs.astype(object).to_dict("records")
        ]
        frame = frame.assign(attributes=attributes)
    columns = [c for c in stored if c in frame.columns and c != "import_id"]
    return table, columns, frame


def _write_part(
    db: sqlite_utils.Database,
    kind: str,
    file_name: str,
    sha: str,
    preset: str | None,
    mapping: Mapping[str, str] | None,
    rows_read: int,
    validated: _Validated,
    extra: pd.DataFrame | None,
    progress: Progress | None,
    span: tuple[float, float],
) -> ImportResult:
    started = store.utcnow()
    t0 = time.perf_counter()
    cursor = db.conn.execute(
        f"INSERT INTO {S.IMPORTS} (kind, file_name, sha256, preset, mapping, rows_read, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [kind, file_name, sha, preset, json.dumps(dict(mapping or {}), ensure_ascii=False), rows_read, started],
    )
    import_id = int(cursor.lastrowid or 0)
    table, columns, frame = _stored_frame(kind, validated.good, extra)
    lists = _column_lists(frame, columns)
    n = len(frame)
    new = updated = unchanged = 0
    for start in range(0, max(n, 1), CHUNK):
        stop = min(n, start + CHUNK)
        if stop <= start:
            break
        rows = zip(*[col[start:stop] for col in lists], [import_id] * (stop - start), strict=True)
        counts = store.upsert_rows(db, table, [*columns, "import_id"], rows, total=stop - start)
        new, updated, unchanged = new + counts.new, updated + counts.updated, unchanged + counts.unchanged
        if progress:
            progress(span[0] + (span[1] - span[0]) * stop / n, f"Writing {kind}: {stop:,} of {n:,} rows")
    now = store.utcnow()
    if validated.bad:
        store.insert_rows(
            db,
            S.QUARANTINE,
            ["import_id", "kind", "file_name", "row_number", "column", "value", "reason", "raw", "created_at"],
            [(import_id, kind, file_name, row, col or None, value or None, reason, raw, now)
             for row, col, value, reason, raw in validated.bad],
        )
    seconds = time.perf_counter() - t0
    db.conn.execute(
        f"UPDATE {S.IMPORTS} SET rows_new = ?, rows_updated = ?, rows_unchanged = ?, rows_duplicate = ?, "
        "rows_rejected = ?, finished_at = ?, seconds = ? WHERE import_id = ?",
        [new, updated, unchanged, validated.duplicates, len(validated.bad), now, seconds, import_id],
    )
    return ImportResult(
        import_id=import_id, kind=kind, file_name=file_name, rows_read=rows_read, new=new, updated=updated,
        unchanged=unchanged, duplicates=validated.duplicates, rejected=len(validated.bad), notes=list(validated.notes),
        problems=[problem_sentence(file_name, row, col, reason) for row, col, _, reason, _ in validated.bad[:MAX_PROBLEMS]],
    )


MAX_PROBLEMS = 5


def problem_sentence(file_name: str, row: int, column: str, reason: str) -> str:
    """The sentence a user reads for one quarantined row.

    >>> problem_sentence("orders.csv", 17, "amount", "'12,5O' is not a number.")
    "orders.csv row 17, column `amount`: '12,5O' is not a number."
    """
    where = f"{file_name} row {row}" + (f", column `{column}`" if column else "")
    return f"{where}: {reason}"


# --- the public entry points ----------------------------------------------------------


def _frames(
    raw: pd.DataFrame, kind: str, preset: Any, explicit: Mapping[str, str] | None, file_name: str
) -> tuple[dict[str, pd.DataFrame], dict[str, str] | None, pd.DataFrame | None]:
    """Canonical frames per kind, the mapping used, and unmapped customer columns."""
    if preset is not None and preset.transform is not None:
        return preset.transform(raw), None, None
    mapping = M.resolve_mapping(list(raw.columns), kind, explicit, file_name)
    frame = raw[list(mapping.values())].copy()
    frame.columns = list(mapping.keys())
    extra = None
    if kind == S.CUSTOMERS:
        used = set(mapping.values())
        extra = raw[[c for c in raw.columns if c not in used]]
    return {kind: frame}, mapping, extra


def import_frame(
    db: sqlite_utils.Database,
    raw: pd.DataFrame,
    kind: str,
    *,
    file_name: str,
    mapping: MappingArg = None,
    sha256: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Import an already-read table (text cells; index = row numbers)."""
    t0 = time.perf_counter()
    M.entity_of(kind)
    preset, explicit = _preset(mapping, kind)
    frames, used_mapping, extra = _frames(raw, kind, preset, explicit, file_name)
    if progress:
        progress(0.25, "Checking rows")
    validated = {k: validate(f, k, file_name) for k, f in frames.items()}
    if progress:
        progress(0.4, "Writing")
    results: list[ImportResult] = []
    order = [kind, *[k for k in frames if k != kind]]
    with store.transaction(db):
        for i, k in enumerate(order):
            span = (0.4 + 0.6 * i / len(order), 0.4 + 0.6 * (i + 1) / len(order))
            results.append(
                _write_part(db, k, file_name, sha256, preset.name if preset else None, used_mapping if k == kind else None,
                            len(raw), validated[k], extra if k == kind else None, progress, span)
            )
    main, *also = results
    main.also = also
    main.seconds = time.perf_counter() - t0
    for part in also:
        part.seconds = main.seconds
    if progress:
        progress(1.0, "Done")
    log.info("imported %s as %s: %s", file_name, kind, main.summary())
    return main


def import_file(
    db: sqlite_utils.Database,
    source: Source,
    kind: str,
    *,
    file_name: str | None = None,
    mapping: MappingArg = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a CSV, XLSX or JSON file (path or uploaded bytes) as ``kind``.

    ``mapping`` is None (columns found by name and synonyms), a preset name
    (see :data:`scrm.ingest.presets.PRESETS`), a dict ``{canonical: header}``,
    or JSON text / a .json path holding one.
    """
    t0 = time.perf_counter()
    M.entity_of(kind)
    name = _name_of(source, file_name)
    preset, _ = _preset(mapping, kind)
    data = _bytes_of(source, name)
    if progress:
        progress(0.02, f"Reading {name}")
    raw = read_source(data, name, preset)
    result = import_frame(
        db, raw, kind, file_name=name, mapping=mapping, sha256=hashlib.sha256(data).hexdigest(), progress=progress
    )
    result.seconds = time.perf_counter() - t0
    return result


def preview_file(
    source: Source, file_name: str | None = None, kind: str | None = None, mapping: MappingArg = None, rows: int = 20
) -> Preview:
    """Detected kind, proposed mapping and first rows, without writing anything."""
    name = _name_of(source, file_name)
    preset = None
    if isinstance(mapping, str) and mapping.strip():
        from scrm.ingest.presets import PRESETS

        preset = PRESETS.get(mapping.strip())
        if preset is not None:
            kind = preset.kind
    raw = read_source(source, name, preset)
    headers = [str(c) for c in raw.columns]
    if preset is not None:
        return Preview(kind=kind, headers=headers, mapping=dict(preset.mapping or {}), missing=[],
                       sample=raw.head(rows), preset=preset.name)
    if kind is None:
        kind = M.detect_kind(headers)
    if kind is None:
        return Preview(kind=None, headers=headers, mapping={}, missing=[], sample=raw.head(rows))
    explicit = M.parse_mapping(mapping) if mapping else None
    proposed = M.suggest_mapping(headers, kind)
    if explicit:
        proposed.update(explicit)
    missing = [c for c in S.ENTITIES[kind].required if c not in proposed]
    return Preview(kind=kind, headers=headers, mapping=proposed, missing=missing, sample=raw.head(rows))
