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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ImportRejected, ScrmError, UnknownPreset
from scrm.ingest import limits as L
from scrm.ingest import mapping as M
from scrm.ingest import values as V
from scrm.ingest.lines import fold_order_lines, folded_note, is_multi_line
from scrm.ingest.saved import resolve_saved

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Source = str | Path | bytes
MappingArg = str | Mapping[str, str] | None

# Rows per executemany chunk: progress is reported between chunks.
CHUNK = 100_000

# Columns whose text makes the key of a row when the file has no id.
HASH_BASIS = {S.MENTIONS: ["platform", "author", "posted_at", "text"], S.SURVEYS: ["customer", "answered_at", "score"]}

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
    # The commonest quarantine reasons, most frequent first: (rows, an example sentence).
    top_reasons: list[tuple[int, str]] = field(default_factory=list)
    # The preset detected from the headers (not named by the user), if any.
    detected: str | None = None

    @property
    def stored(self) -> int:
        """Rows of every kind of the file that are in the database after the import."""
        return sum(p.loaded for p in [self, *self.also])

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
    # What the headers were recognised as ("Shopify orders export, preset shopify-orders"), when no preset was named.
    detected: str | None = None


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
    path = _checked_path(source, name)
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
            of_kind = [n for n, p in PRESETS.items() if p.kind == kind]
            guess = M.closest(name, [*of_kind, *PRESETS])
            hint = f"did you mean {guess}? " if guess else ""
            raise UnknownPreset(
                f"Unknown mapping preset '{name}': {hint}the presets for {kind} are {', '.join(of_kind)}; or give "
                'a JSON object such as {"amount": "Total"}, or a .json file.'
            )
    return None, M.parse_mapping(mapping)


def read_source(
    source: Source, file_name: str | None = None, preset: Any = None, *, head_rows: int | None = None
) -> pd.DataFrame:
    """The raw table of a file (text cells, index = spreadsheet row number).

    A path is handed to the reader as a path (a .gz is unpacked as it is
    read, within the limits for files). ``head_rows`` reads only the first
    rows, and of a text file only its first megabyte: what a preview needs.
    """
    from scrm.ingest.readers import load_bytes, read_table

    name = _name_of(source, file_name)
    if not isinstance(source, bytes):
        source = _checked_path(source, name)
    if preset is not None and preset.read is not None:
        raw = preset.read(load_bytes(source, name, head=True) if head_rows is not None else source, name)
        if head_rows is not None:
            raw = raw.head(head_rows)
    else:
        raw = read_table(source, name, head_rows=head_rows)
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
    """Strip, drop NULs, and turn blank cells into None (an object Series).

    Clean pyarrow-backed text comes back as it is (the big-file reader makes
    blank cells missing already).

    A list comprehension over Python strings beats pandas' string methods here
    by about 3x, and its None cells are what sqlite3 binds as NULL.
    """
    if _arrow_text_is_clean(s):
        return s  # stays pyarrow-backed: no Python string is made for it here
    out = [
        ((v.replace("\x00", "") if "\x00" in v else v).strip() or None)
        if isinstance(v, str)
        else (None if v is None or v is pd.NA or v != v else str(v))
        for v in s.to_numpy(dtype=object)
    ]
    return pd.Series(out, index=s.index, dtype=object, name=s.name)


def _arrow_text_is_clean(s: pd.Series, ids: bool = False) -> bool:
    """True for pyarrow-backed text (the big-file reader's) with no NUL and no
    space at either end (for ``ids``, also no "17850.0"). Checked in C++ on the
    first and last character only, so clean columns skip the Python pass."""
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        return False
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    if pc.any(pc.match_substring(arr, "\x00")).as_py():
        return False
    for end in (pc.utf8_slice_codeunits(arr, 0, 1), pc.utf8_slice_codeunits(arr, -1)):
        if pc.any(pc.utf8_is_space(end)).as_py():
            return False
    return not (ids and pc.any(pc.ends_with(arr, ".0")).as_py())


def _arrow_values_are_unique(s: pd.Series) -> bool:
    """No value repeats (pyarrow-backed text; a C++ hash count, 5x faster than duplicated)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    return bool(pc.count_distinct(arr).as_py() == len(arr) - arr.null_count)


def _integral_id(s: pd.Series) -> pd.Series:
    """'17850.0' -> '17850': spreadsheets turn numeric ids into floats."""
    out = [
        v[:-2] if isinstance(v, str) and v.endswith(".0") and v[:-2].isdigit() else v
        for v in s.to_numpy(dtype=object)
    ]
    return pd.Series(out, index=s.index, dtype=object, name=s.name)


def _hash_text(s: pd.Series) -> pd.Series:
    """Cells as text for a hash, "" for missing ones (also in typed columns such as Int64)."""
    return s.astype(object).where(s.notna(), "").astype(str)


def _stable_hash(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    joined = _hash_text(frame[list(columns)[0]])
    for c in list(columns)[1:]:
        joined = joined + "\x1f" + _hash_text(frame[c])
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


Hints = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class DateOptions:
    """What the user says about the file's dates: the order of ``a/b/yy`` parts
    (``dayfirst``: True day first, False month first, None read from the values) and
    ``anchor``, the day the file was exported, from which relative dates are counted."""

    dayfirst: bool | None = None
    anchor: date | None = None


def column_hints(frame: pd.DataFrame, kind: str, options: DateOptions | None = None,
                 file_name: str = "The file", mapping: Mapping[str, str] | None = None) -> Hints:
    """What the whole file says about its columns' style (day-first dates,
    decimal comma), so that chunks of it are typed the same way.

    Raises :class:`ImportRejected` for a column of ``a/b/yy`` dates whose values
    read both ways (no part above 12) when ``options`` do not say which: never a silent guess.
    """
    options = options or DateOptions()
    entity = M.entity_of(kind)
    hints: Hints = {}
    for column in entity.columns:
        if column.name not in frame.columns:
            continue
        if column.type == "datetime":
            values = frame[column.name]
            dayfirst = options.dayfirst
            if dayfirst is None:
                dayfirst = V.infer_dayfirst(values)
                order = V.two_digit_year_order(values)
                if order == "mixed":
                    header = (mapping or {}).get(column.name, column.name)
                    raise ImportRejected(
                        f"{file_name} column `{header}` holds dates with two-digit years that only read day first "
                        "(a first part above 12) and others that only read month first (a middle part above 12): "
                        "check the column, or read them all one way with --day-first or --month-first "
                        "(the others go to quarantine)."
                    )
                if order == "ambiguous":
                    example = V.date_example(values) or ""
                    day, month = V.both_readings(example)
                    header = (mapping or {}).get(column.name, column.name)
                    raise ImportRejected(
                        f"{file_name} column `{header}` holds dates such as '{example}' that read both as "
                        f"{day} (day first) and as {month} (month first), and no value decides: say which "
                        "with --day-first or --month-first (the “Dates such as 05/03/24” box on the Data page)."
                    )
                if order is not None and dayfirst is None:
                    dayfirst = order == "day"
            hints[column.name] = {"dayfirst": dayfirst, "anchor": options.anchor}
        elif column.type == "float":
            hints[column.name] = {"decimal_comma": V.infer_decimal_comma(frame[column.name])}
    return hints


def validate(frame: pd.DataFrame, kind: str, file_name: str, hints: Hints | None = None) -> _Validated:
    """Type and check a frame of canonical columns; split good rows from bad ones.

    ``frame``'s index is the source row number. A ``_problem`` column (set by
    presets for rows they could not build) sends its rows to quarantine.
    ``hints`` (from :func:`column_hints`) fix how ambiguous values are read.
    """
    entity = M.entity_of(kind)
    df = pd.DataFrame(index=frame.index)
    notes: list[str] = []
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
        parsers: dict[str, Callable[..., tuple[pd.Series, pd.Series]]] = {
            "datetime": V.parse_datetimes, "float": V.parse_numbers, "int": V.parse_ints, "bool": V.parse_bools
        }
        parser = parsers[column.type]
        parsed, is_bad = parser(raw, **(hints or {}).get(name, {}))
        df[name] = parsed
        if is_bad.any():
            text = raw.astype("string").fillna("")
            if column.type == "datetime":  # name the format the value seems to be in
                flag(name, is_bad, text.where(is_bad, "").map(V.describe_bad_date))
            else:
                flag(name, is_bad, text.map(lambda v, t=column.type: _TYPE_REASONS[t].format(v=v)))
        if column.type == "datetime":
            anchor = (hints or {}).get(name, {}).get("anchor")
            if anchor is not None:
                texts = raw.astype("string").dropna()
                relative = [v for v in texts.drop_duplicates().head(1000) if V.is_relative_date(str(v))]
                if relative:
                    notes.append(f"Relative dates in `{name}` (such as '{relative[0]}') were counted back from "
                                 f"{anchor.isoformat()}, the anchor date given.")

    # Required values present.
    for name in entity.required:
        if name in df.columns:
            flag(name, df[name].isna() & ~bad.get(name, pd.Series(False, index=df.index)),
                 f"`{name}` is empty; every {kind[:-1]} needs one.")

    _kind_rules(kind, df, flag, notes)

    if "_problem" in frame.columns:
        problem = frame["_problem"]
        flag("_problem", problem.notna(), problem.astype("string").fillna(""))

    # Keys.
    key = entity.key
    basis = HASH_BASIS.get(kind)
    if key in df.columns:
        df[key] = _integral_id(df[key])
    if basis and (key not in df.columns or df[key].isna().any()):
        hashed = _stable_hash(df.assign(**{c: df[c] if c in df.columns else None for c in basis}), basis)
        df[key] = df[key].where(df[key].notna(), hashed) if key in df.columns else hashed
    if "customer_id" in df.columns:
        df["customer_id"] = _integral_id(df["customer_id"])

    any_bad, entries = _quarantine_entries(frame, bad, reasons)
    good = df[~any_bad]
    before = len(good)
    good = good[~good[key].duplicated(keep="last")]
    return _Validated(good=good, bad=entries, duplicates=before - len(good), notes=notes)


def _per_unique(s: pd.Series, fn: Callable[[str], str | None], missing: str | None = None) -> pd.Series:
    """Apply ``fn`` to each distinct text once (platforms, kinds, handles repeat a lot)."""
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    mapped = np.array([fn(str(u)) for u in uniques] + [missing], dtype=object)
    return pd.Series(mapped[codes], index=s.index, dtype=object, name=s.name)


def _kind_rules(kind: str, df: pd.DataFrame, flag: Callable[..., None], notes: list[str]) -> None:
    """Checks and normalisations that belong to one kind."""
    if kind == S.CUSTOMERS:
        if "email" in df.columns:
            email = df["email"].str.lower()
            df["email"] = email
            # astype(bool) first: ``~`` on an object column of Python bools gives -1/-2, both "true".
            valid = email.str.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$").fillna(False).astype(bool)
            flag("email", email.notna() & ~valid,
                 df["email"].astype("string").fillna("").map(lambda v: f"'{v}' is not an e-mail address. Use the form name@example.com or leave it empty."))
    elif kind == S.ORDERS:
        if "currency" in df.columns:
            df["currency"] = df["currency"].str.upper()
    elif kind == S.MENTIONS:
        df["text"] = V.unescape_html(df["text"])
        if "platform" in df.columns:
            df["platform"] = _per_unique(df["platform"], lambda v: PLATFORM_ALIASES.get(v.lower(), v.lower()), "other")
        else:
            df["platform"] = "other"
        # An anonymous mention (a review without an author) is kept: author stays empty.
        if "author" in df.columns:
            df["author"] = _per_unique(df["author"], lambda v: v.lstrip("@") or None)
        if "client" in df.columns:  # Twitter's `source` is HTML: <a href="...">Twitter for iPhone</a>
            from scrm.ingest.flatten import html_to_text

            df["client"] = _per_unique(df["client"], html_to_text)
        if "rating" in df.columns:
            flag("rating", df["rating"] < 0, "`rating` is negative; star ratings start at 0.")
        if "kind" in df.columns:
            df["kind"] = _per_unique(df["kind"], lambda v: KIND_ALIASES.get(v.lower(), v.lower()))
        if "visibility" in df.columns:
            df["visibility"] = _per_unique(df["visibility"], str.lower)
        if "lang" in df.columns:
            df["lang"] = _per_unique(df["lang"], lambda v: v.lower()[:2])
        for name in ("likes", "shares", "replies", "author_followers"):
            if name in df.columns:
                flag(name, df[name] < 0, f"`{name}` is negative; counts start at 0.")
        if "from_brand" in df.columns:
            df["from_brand"] = df["from_brand"].astype("Int64")
        if "author_email" in df.columns:
            df["author_email"] = _per_unique(df["author_email"], str.lower)
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


def _column_lists(frame: pd.DataFrame, columns: Sequence[str]) -> list[Any]:
    """Per column, what sqlite3 binds: a Python list with None for missing values,
    or a pyarrow array for pyarrow-backed text (cheap to pickle to the writing
    process, turned into a list there by :func:`_as_list`)."""
    out: list[Any] = []
    for c in columns:
        s = frame[c]
        if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
            import pyarrow as pa

            out.append(pa.array(s.array))
        elif pd.api.types.is_float_dtype(s.dtype):
            values = s.to_numpy(dtype=object)
            values[np.isnan(s.to_numpy(dtype=float))] = None
            out.append(values.tolist())
        else:
            obj = s.astype(object)
            out.append(obj.where(s.notna(), None).tolist())
    return out


def _as_list(column: Any) -> list[Any]:
    return column if isinstance(column, list) else column.to_pylist()


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


def _validated_chunks(
    frame: pd.DataFrame, kind: str, file_name: str, options: DateOptions | None = None,
    mapping: Mapping[str, str] | None = None,
) -> tuple[int, Iterator[_Validated]]:
    """(duplicates found up front, validated chunks of :data:`CHUNK` rows).

    Whole-file decisions are taken before chunking: the style of dates and
    numbers (:func:`column_hints`) and, for files with ids, which row of a
    repeated id wins (the last one in the file). Rows keyed by a hash are
    de-duplicated as they come.
    """
    hints = column_hints(frame, kind, options, file_name, mapping)
    key = M.entity_of(kind).key
    duplicates = 0
    if key in frame.columns and len(frame):
        raw_keys = frame[key]
        # Clean ids (no spaces, no "17850.0") are compared as they are, in C++.
        clean = _arrow_text_is_clean(raw_keys, ids=True)
        keys = raw_keys if clean else _integral_id(_clean_text(raw_keys))
        if not (clean and _arrow_values_are_unique(keys)):
            repeated = (keys.duplicated(keep="last") & keys.notna()).to_numpy()
            duplicates = int(repeated.sum())
            if duplicates:
                frame = frame[~repeated]

    # Keys made from a hash (no id in the file) can only be compared as they come.
    hashed = kind in HASH_BASIS and (key not in frame.columns or bool(frame[key].isna().any()))

    def chunks() -> Iterator[_Validated]:
        seen: set[str] = set()
        for start in range(0, len(frame), CHUNK):
            v = validate(frame.iloc[start : start + CHUNK], kind, file_name, hints)
            if hashed and len(frame) > CHUNK:
                again = np.fromiter((k in seen for k in v.good[key]), dtype=bool, count=len(v.good))
                if again.any():
                    v.duplicates += int(again.sum())
                    v.good = v.good[~again]
                seen.update(v.good[key])
            yield v

    return duplicates, chunks()


@dataclass
class _Part:
    """The header of one kind of a file in a stream of checked chunks."""

    kind: str
    rows_read: int
    total: int
    mapping: dict[str, str] | None
    duplicates: int


@dataclass
class _Chunk:
    """One checked chunk, ready to write: plain lists, cheap to pickle."""

    columns: list[str]
    lists: list[list[Any]]
    bad: list[tuple[int, str, str, str, str]]
    duplicates: int
    notes: list[str]
    guests: int
    done: int


@dataclass
class _Progress:
    fraction: float
    message: str


Item = _Part | _Chunk | _Progress


def checked_parts(
    raw: pd.DataFrame, kind: str, mapping: MappingArg, file_name: str, options: DateOptions | None = None
) -> Iterator[Item]:
    """Map and check a raw table; yield each kind's header, then its chunks.

    Pure: it reads nothing and writes nothing, so it can run in a worker
    process next to the one that writes (see :mod:`scrm.ingest.worker`).
    """
    preset, explicit = _preset(mapping, kind)
    frames, used_mapping, extra = _frames(raw, kind, preset, explicit, file_name)
    notes: dict[str, list[str]] = {}
    if S.ORDERS in frames and is_multi_line(frames[S.ORDERS]):
        frames[S.ORDERS], lines, orders = fold_order_lines(frames[S.ORDERS])
        if lines:
            notes[S.ORDERS] = [folded_note(lines, orders)]
    for k in [kind, *[k for k in frames if k != kind]]:
        duplicates, chunks = _validated_chunks(frames[k], k, file_name, options, used_mapping if k == kind else None)
        yield _Part(k, len(raw), len(frames[k]), used_mapping if k == kind else None, duplicates)
        done = duplicates
        first = True
        for v in chunks:
            if first:
                v.notes[:0] = notes.get(k, [])
                first = False
            _, columns, stored = _stored_frame(k, v.good, extra if k == kind else None)
            guests = 0
            if k == S.ORDERS:
                guests = int(v.good["customer_id"].isna().sum()) if "customer_id" in v.good.columns else len(v.good)
            done += len(v.good) + len(v.bad) + v.duplicates
            yield _Chunk(columns, _column_lists(stored, columns), v.bad, v.duplicates, v.notes, guests, done)


class _PartWriter:
    """Writes one kind of a file: its import record, chunks, quarantine and counts."""

    def __init__(self, db: sqlite_utils.Database, part: _Part, file_name: str, sha: str, preset: str | None) -> None:
        self.db, self.part, self.file_name = db, part, file_name
        self.t0 = time.perf_counter()
        cursor = db.conn.execute(
            f"INSERT INTO {S.IMPORTS} (kind, file_name, sha256, preset, mapping, rows_read, started_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [part.kind, file_name, sha, preset, json.dumps(dict(part.mapping or {}), ensure_ascii=False),
             part.rows_read, store.utcnow()],
        )
        self.import_id = int(cursor.lastrowid or 0)
        # Into an empty table, plain INSERTs do: keys are unique by now, and the
        # upsert's conflict check costs a third of the write at a million rows.
        self.fresh = store.is_empty(db, part.kind)
        self.indexes = store.deferred_indexes(db, part.kind, part.total)
        self.indexes.__enter__()
        self.bad: list[tuple[int, str, str, str, str]] = []
        self.notes: list[str] = []
        self.duplicates = part.duplicates
        self.guests = self.new = self.updated = self.unchanged = 0

    def write(self, chunk: _Chunk) -> None:
        lists = [_as_list(c) for c in chunk.lists]
        n = len(lists[0]) if lists else 0
        rows = zip(*lists, [self.import_id] * n, strict=True)
        counts = store.upsert_rows(self.db, self.part.kind, [*chunk.columns, "import_id"], rows, total=n, fresh=self.fresh)
        self.new += counts.new
        self.updated += counts.updated
        self.unchanged += counts.unchanged
        self.bad.extend(chunk.bad)
        self.duplicates += chunk.duplicates
        self.guests += chunk.guests
        self.notes.extend(note for note in chunk.notes if note not in self.notes)

    def finish(self) -> ImportResult:
        self.indexes.__exit__(None, None, None)
        kind, file_name, bad = self.part.kind, self.file_name, self.bad
        if self.guests:
            self.notes.append(
                f"{self.guests:,} order has no customer and is kept as a guest order."
                if self.guests == 1
                else f"{self.guests:,} orders have no customer and are kept as guest orders."
            )
        now = store.utcnow()
        if bad:
            store.insert_rows(
                self.db,
                S.QUARANTINE,
                ["import_id", "kind", "file_name", "row_number", "column", "value", "reason", "raw", "created_at"],
                [(self.import_id, kind, file_name, row, col or None, value or None, reason, raw, now)
                 for row, col, value, reason, raw in bad],
            )
        seconds = time.perf_counter() - self.t0
        self.db.conn.execute(
            f"UPDATE {S.IMPORTS} SET rows_new = ?, rows_updated = ?, rows_unchanged = ?, rows_duplicate = ?, "
            "rows_rejected = ?, finished_at = ?, seconds = ? WHERE import_id = ?",
            [self.new, self.updated, self.unchanged, self.duplicates, len(bad), now, seconds, self.import_id],
        )
        return ImportResult(
            import_id=self.import_id, kind=kind, file_name=file_name, rows_read=self.part.rows_read, new=self.new,
            updated=self.updated, unchanged=self.unchanged, duplicates=self.duplicates, rejected=len(bad),
            notes=self.notes,
            problems=[problem_sentence(file_name, row, col, reason) for row, col, _, reason, _ in bad[:MAX_PROBLEMS]],
            top_reasons=top_reasons(file_name, bad),
        )


def write_stream(
    db: sqlite_utils.Database,
    stream: Iterable[Item],
    *,
    file_name: str,
    sha256: str,
    preset: str | None,
    progress: Progress | None,
    start: float = 0.25,
) -> ImportResult:
    """Write a stream of checked parts in ONE transaction; the first part is the main result."""
    results: list[ImportResult] = []
    writer: _PartWriter | None = None
    with store.transaction(db):
        for item in stream:
            if isinstance(item, _Progress):
                if progress:
                    progress(item.fraction, item.message)
            elif isinstance(item, _Part):
                if writer is not None:
                    results.append(writer.finish())
                writer = _PartWriter(db, item, file_name, sha256, preset)
            else:
                assert writer is not None, "a chunk comes after its part"
                writer.write(item)
                if progress:
                    total = writer.part.total
                    step = (1.0 - start) / 2
                    base = start + step * min(len(results), 1)
                    progress(base + step * min(1.0, item.done / max(total, 1)),
                             f"Checking and writing {writer.part.kind}: {min(item.done, total):,} of {total:,} rows")
        if writer is not None:
            results.append(writer.finish())
    main, *also = results
    main.also = also
    return main


MAX_PROBLEMS = 5


def top_reasons(
    file_name: str, bad: Sequence[tuple[int, str, str, str, str]], limit: int = 3
) -> list[tuple[int, str]]:
    """The commonest quarantine reasons: (rows, the sentence of the first such row), most rows first.

    Reasons that differ only by the quoted value ('x' is not a number) count as one.
    """
    import re

    groups: dict[tuple[str, str], list[Any]] = {}
    for row, column, _, reason, _ in bad:
        shape = re.sub(r"'[^']*'", "'…'", reason)
        entry = groups.setdefault((column, shape), [0, problem_sentence(file_name, row, column, reason)])
        entry[0] += 1
    ranked = sorted(groups.values(), key=lambda e: -e[0])
    return [(int(n), str(sentence)) for n, sentence in ranked[:limit]]


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
    dates: DateOptions | None = None,
) -> ImportResult:
    """Import an already-read table (text cells; index = row numbers); ``dates`` say how to read its dates."""
    t0 = time.perf_counter()
    M.entity_of(kind)
    mapping = resolve_saved(db, mapping, kind)
    preset, _ = _preset(mapping, kind)
    if progress:
        progress(0.25, "Checking rows")
    result = write_stream(db, checked_parts(raw, kind, mapping, file_name, dates), file_name=file_name, sha256=sha256,
                          preset=preset.name if preset else None, progress=progress)
    return _finished(result, t0, progress)


def _finished(result: ImportResult, t0: float, progress: Progress | None) -> ImportResult:
    result.seconds = time.perf_counter() - t0
    for part in result.also:
        part.seconds = result.seconds
    if progress:
        progress(1.0, "Done")
    log.info("imported %s as %s: %s", result.file_name, result.kind, result.summary())
    return result


def import_file(
    db: sqlite_utils.Database,
    source: Source,
    kind: str,
    *,
    file_name: str | None = None,
    mapping: MappingArg = None,
    progress: Progress | None = None,
    dates: DateOptions | None = None,
) -> ImportResult:
    """Import a CSV, XLSX or JSON file (path or uploaded bytes) as ``kind``.

    ``dates`` (:class:`DateOptions`) give the order of ``a/b/yy`` dates and the
    anchor of relative dates when the file itself cannot say.

    ``mapping`` is None (columns found by name and synonyms), a preset name
    (see :data:`scrm.ingest.presets.PRESETS`), a dict ``{canonical: header}``,
    or JSON text / a .json path holding one.
    """
    t0 = time.perf_counter()
    M.entity_of(kind)
    mapping = resolve_saved(db, mapping, kind)  # a mapping saved under a name on the Data page
    _preset(mapping, kind)  # a wrong preset or mapping is refused before the file is read
    name = _name_of(source, file_name)
    size = len(source) if isinstance(source, bytes) else _checked_path(source, name).stat().st_size
    limits = L.current()
    if size > limits.max_file_bytes:  # refused before a byte is read (unpacked, it is bigger still)
        from scrm.ingest.readers import too_big

        raise too_big(name, limits, unpacked=False)
    big = size >= WORKER_MIN_BYTES and _on_disk(db)
    data = None if big else _bytes_of(source, name)  # read once: the source may be a pipe
    detected = None
    if mapping is None or (isinstance(mapping, str) and not mapping.strip()):
        try:
            head = read_source(source if data is None else data, name, head_rows=5)
        except ScrmError:  # the full read below says what is wrong, in its own words
            head = None
        detected = None if head is None else detect_from_headers(list(head.columns), kind)
        if detected is not None:
            mapping = detected.name
        elif head is not None:
            other = detect_from_headers(list(head.columns))
            if other is not None and other.kind != kind:
                raise ImportRejected(
                    f"{name} looks like the {_label(other)}, which imports {other.kind}, not {kind}: import it as "
                    f"{other.kind} (python -m scrm import {other.kind} FILE), or give --mapping to read it as {kind} anyway."
                )
    preset, _ = _preset(mapping, kind)
    preset_name = preset.name if preset else None
    if progress:
        progress(0.02, f"Reading {name}")
    if data is None:
        from scrm.ingest.readers import sha256_of
        from scrm.ingest.worker import stream_from_worker

        # The worker reads and checks while this process hashes and then writes.
        request = {"source": source if isinstance(source, bytes) else str(source), "file_name": name,
                   "kind": kind, "mapping": mapping, "dates": dates}
        stream = stream_from_worker(request)
        sha = sha256_of(source)  # in blocks: a path is not read into memory here
        result = write_stream(db, stream, file_name=name, sha256=sha, preset=preset_name, progress=progress)
        result.detected = _label(detected)
        return _finished(result, t0, progress)
    raw = read_source(data, name, preset)
    result = import_frame(db, raw, kind, file_name=name, mapping=mapping, sha256=hashlib.sha256(data).hexdigest(),
                          progress=progress, dates=dates)
    result.seconds = time.perf_counter() - t0  # reading included
    result.detected = _label(detected)
    return result


def detect_from_headers(headers: Sequence[object], kind: str | None = None) -> Any:
    """The preset the file's headers identify (of ``kind`` when given), or None.

    Only when the user named no mapping: a mapping or preset they give always wins.
    """
    from scrm.ingest.presets import detect

    return detect([str(h) for h in headers], kind)


def _label(preset: Any) -> str | None:
    from scrm.ingest.presets import preset_label

    return None if preset is None else f"{preset_label(preset)}, preset {preset.name}"


# Files at least this big are checked in a worker process while this one
# writes (two cores: about 40% faster at a million rows; start-up costs ~0.5 s).
WORKER_MIN_BYTES = 16 * 1024 * 1024


def _on_disk(db: sqlite_utils.Database) -> bool:
    """A database in a file (an in-memory one cannot be written from a stream as big)."""
    row = db.execute("PRAGMA database_list").fetchone()
    return bool(row and row[2])


def _checked_path(source: str | Path, name: str) -> Path:
    path = Path(source)
    if not path.exists():
        raise ImportRejected(f"{path} does not exist. Check the path and try again.")
    if path.is_dir():
        raise ImportRejected(f"{path} is a folder, not a file. Give the path of a CSV, XLSX or JSON file.")
    return path


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
    # Only the head of the file: a 300 MB file previewed whole took 1.25 GB.
    raw = read_source(source, name, preset, head_rows=rows)
    headers = [str(c) for c in raw.columns]
    detected = None
    if preset is None and not mapping:
        found = detect_from_headers(headers, kind)
        if found is not None:
            detected = _label(found)
            preset, kind = found, found.kind
            if found.read is not None:
                raw = read_source(source, name, preset, head_rows=rows)
                headers = [str(c) for c in raw.columns]
    if preset is not None:
        return Preview(kind=kind, headers=headers, mapping=dict(preset.mapping or {}), missing=[],
                       sample=raw.head(rows), preset=preset.name, detected=detected)
    if kind is None:
        kind = M.detect_kind(headers, raw.head(rows))
    if kind is None:
        return Preview(kind=None, headers=headers, mapping={}, missing=[], sample=raw.head(rows))
    explicit = M.parse_mapping(mapping) if mapping else None
    proposed = M.propose_mapping(headers, kind)
    if explicit:
        proposed.update(explicit)
    missing = [c for c in S.ENTITIES[kind].required if c not in proposed]
    return Preview(kind=kind, headers=headers, mapping=proposed, missing=missing, sample=raw.head(rows))
