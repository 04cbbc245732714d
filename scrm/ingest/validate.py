"""Stage 5, validate and quarantine: typed frames -> checked chunks ready to write.

Required values, per-kind rules (e-mails, scores, platforms), keys (ids or a
hash of the row) and duplicates; bad rows become quarantine entries. The
output is a stream of plain items (:class:`_Part`, :class:`_Chunk`,
:class:`_Progress`), cheap to pickle from the worker process to the writer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scrm.db import schema as S
from scrm.i18n.messages import Message, from_json
from scrm.ingest import mapping as M
from scrm.ingest import values as V
from scrm.ingest.map import MappingArg, map_frames
from scrm.ingest.parse import (
    DateOptions,
    Hints,
    MessageOf,
    _arrow_text_is_clean,
    _arrow_values_are_unique,
    _clean_text,
    _integral_id,
    column_hints,
    each_message,
    parse_values,
    with_value,
)

# Rows per chunk: checked and staged one chunk at a time; progress is reported between chunks.
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

# Quarantine reasons of this stage as catalog keys (scrm.i18n): the English reason is the key filled with
# its values, and the quarantine keeps the key and values beside it for the reader's language.
REQUIRED_KEYS = {kind: f"`{{column}}` is empty; every {kind[:-1]} needs one." for kind in S.KINDS}
EMAIL_KEY = "'{v}' is not an e-mail address. Use the form name@example.com or leave it empty."
RATING_KEY = "`rating` is negative; star ratings start at 0."
COUNT_KEY = "`{column}` is negative; counts start at 0."
SCORE_KEY = "'{v}' is outside 0-10. NPS scores are whole numbers from 0 to 10."
# A preset's own reason for a whole row, as a message (JSON of scrm.i18n.messages) beside ``_problem``.
PROBLEM_MESSAGE = "_problem_message"


# A quarantined row: (row, column, value, English reason, raw row as JSON, the reason as a message's JSON or None).
BadRow = tuple[int, str, str, str, str, str | None]


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
    bad: list[BadRow]
    duplicates: int
    notes: list[str]


def _cell_text(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and bool(pd.isna(value))) else str(value)


def _same(message: Message) -> MessageOf:
    """The same message for every flagged row (a reason without the cell's value)."""
    text = message.to_json()
    return lambda rows: [text] * len(rows)


def _stored(values: pd.Series) -> MessageOf:
    """Messages a preset wrote as JSON beside its ``_problem`` (None where it wrote none)."""

    def of(rows: pd.Index) -> list[str | None]:
        return [text if from_json(text) is not None else None for text in map(_cell_text, values.loc[rows])]

    return of


def _messages_of(positions: np.ndarray, index: pd.Index, layers: list[tuple[pd.Series, MessageOf]],
                 out: np.ndarray) -> None:
    """Fill ``out`` at ``positions`` with the message of the flag that set each row aside (its first layer)."""
    remaining = positions
    for mask, message_of in layers:
        if not len(remaining):
            return
        holds = mask.to_numpy(dtype=bool)[remaining]
        chosen = remaining[holds]
        if len(chosen):
            out[chosen] = message_of(index[chosen])
        remaining = remaining[~holds]


def _quarantine_entries(
    frame: pd.DataFrame, bad_cells: dict[str, pd.Series], reasons: dict[str, pd.Series],
    messages: dict[str, list[tuple[pd.Series, MessageOf]]] | None = None,
) -> tuple[pd.Series, list[BadRow]]:
    """The first problem of each bad row, in column order, with its reason as a message's JSON.

    Rows are handled by position with NumPy arrays (one Python step per quarantined row, none
    per good row); each column's messages are made in one call for all its quarantined rows.
    """
    any_bad = pd.Series(False, index=frame.index)
    for mask in bad_cells.values():
        any_bad |= mask
    entries: list[BadRow] = []
    if not any_bad.any():
        return any_bad, entries
    positions = np.flatnonzero(any_bad.to_numpy(dtype=bool))
    columns = list(bad_cells)
    first = np.full(len(positions), -1)
    for i in reversed(range(len(columns))):  # the first bad column in order wins
        first[bad_cells[columns[i]].to_numpy(dtype=bool)[positions]] = i
    message_json = np.full(len(frame), None, dtype=object)
    for i, column in enumerate(columns):
        layers = (messages or {}).get(column, [])
        if layers:
            _messages_of(positions[first == i], frame.index, layers, message_json)
    raw_cols = [c for c in frame.columns if not str(c).startswith("_")]
    cells = {c: frame[c].to_numpy(dtype=object) for c in frame.columns}
    reason_cells = {c: reasons[c].to_numpy(dtype=object) for c in columns}
    labels = frame.index.to_numpy()
    for k, pos in enumerate(positions):
        column = columns[first[k]]
        reason = str(reason_cells[column][pos])
        raw = {str(c): _cell_text(cells[c][pos]) for c in raw_cols}
        if column.startswith("_"):  # a whole-row problem found by a preset
            column, value_text = "", ""
        else:
            value_text = (_cell_text(cells[column][pos]) if column in cells else None) or ""
        entries.append((int(labels[pos]), column, value_text, reason, json.dumps(raw, ensure_ascii=False),
                        message_json[pos]))
    return any_bad, entries


def validate(frame: pd.DataFrame, kind: str, file_name: str, hints: Hints | None = None) -> _Validated:
    """Type and check a frame of canonical columns; split good rows from bad ones.

    ``frame``'s index is the source row number. A ``_problem`` column (set by
    presets for rows they could not build) sends its rows to quarantine.
    ``hints`` (from :func:`column_hints`) fix how ambiguous values are read.
    """
    entity = M.entity_of(kind)
    bad: dict[str, pd.Series] = {}
    reasons: dict[str, pd.Series] = {}
    messages: dict[str, list[tuple[pd.Series, MessageOf]]] = {}

    def flag(column: str, mask: pd.Series, reason: pd.Series | str, message: MessageOf | None = None) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        r = reason if isinstance(reason, pd.Series) else pd.Series(reason, index=frame.index)
        if column in bad:
            new = mask & ~bad[column]
            reasons[column] = reasons[column].where(~new, r)
            bad[column] = bad[column] | mask
        else:
            new = mask
            bad[column] = mask
            reasons[column] = r
        if message is not None:
            messages.setdefault(column, []).append((new, message))

    parsed, notes = parse_values(frame, kind, hints, flag)
    df = parsed

    # Required values present.
    for name in entity.required:
        if name in df.columns:
            key = REQUIRED_KEYS.get(kind, f"`{{column}}` is empty; every {kind[:-1]} needs one.")
            empty = Message(key, {"column": name})
            flag(name, df[name].isna() & ~bad.get(name, pd.Series(False, index=df.index)),
                 empty.english(), _same(empty))

    _kind_rules(kind, df, flag, notes)

    if "_problem" in frame.columns:
        problem = frame["_problem"]
        stored = frame[PROBLEM_MESSAGE] if PROBLEM_MESSAGE in frame.columns else None
        flag("_problem", problem.notna(), problem.astype("string").fillna(""), None if stored is None else _stored(stored))

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

    any_bad, entries = _quarantine_entries(frame, bad, reasons, messages)
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
                 df["email"].astype("string").fillna("").map(lambda v: EMAIL_KEY.format(v=v)),
                 each_message(with_value(EMAIL_KEY), email))
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
            flag("rating", df["rating"] < 0, RATING_KEY, _same(Message(RATING_KEY)))
        if "kind" in df.columns:
            df["kind"] = _per_unique(df["kind"], lambda v: KIND_ALIASES.get(v.lower(), v.lower()))
        if "visibility" in df.columns:
            df["visibility"] = _per_unique(df["visibility"], str.lower)
        if "lang" in df.columns:
            df["lang"] = _per_unique(df["lang"], lambda v: v.lower()[:2])
        for name in ("likes", "shares", "replies", "author_followers"):
            if name in df.columns:
                flag(name, df[name] < 0, COUNT_KEY.format(column=name), _same(Message(COUNT_KEY, {"column": name})))
        if "from_brand" in df.columns:
            df["from_brand"] = df["from_brand"].astype("Int64")
        if "author_email" in df.columns:
            df["author_email"] = _per_unique(df["author_email"], str.lower)
    elif kind == S.SURVEYS:
        score = df["score"]
        score_text = score.astype("string").fillna("")
        flag("score", (score < 0) | (score > 10), score_text.map(lambda v: SCORE_KEY.format(v=v)),
             each_message(with_value(SCORE_KEY), score_text))
        if "customer" in df.columns:
            ref = _integral_id(df["customer"])
            is_email = ref.str.contains("@", regex=False).fillna(False)
            df["email"] = ref.where(is_email).str.lower()
            df["customer_id"] = ref.where(~is_email)
    if kind == S.CUSTOMERS and "consent_marketing" in df.columns:
        df["consent_marketing"] = df["consent_marketing"].astype("Int64")


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
    mapping: Mapping[str, str] | None = None, evidence: tuple[bool, str] | None = None,
    notes: list[str] | None = None,
) -> tuple[int, Iterator[_Validated]]:
    """(duplicates found up front, validated chunks of :data:`CHUNK` rows).

    Whole-file decisions are taken before chunking: the style of dates and
    numbers (:func:`column_hints`) and, for files with ids, which row of a
    repeated id wins (the last one in the file). Rows keyed by a hash are
    de-duplicated as they come.
    """
    hints = column_hints(frame, kind, options, file_name, mapping, evidence, notes)
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
    bad: list[BadRow]
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
    mapped = map_frames(raw, kind, mapping, file_name)
    frames, used_mapping, extra, notes = mapped.frames, mapped.mapping, mapped.extra, mapped.notes
    for k in [kind, *[k for k in frames if k != kind]]:
        date_notes: list[str] = []
        duplicates, chunks = _validated_chunks(frames[k], k, file_name, options, used_mapping if k == kind else None,
                                               mapped.date_evidence, date_notes)
        yield _Part(k, len(raw), len(frames[k]), used_mapping if k == kind else None, duplicates)
        done = duplicates
        first = True
        for v in chunks:
            if first:
                v.notes[:0] = [*notes.get(k, []), *date_notes]
                first = False
            _, columns, stored = _stored_frame(k, v.good, extra if k == kind else None)
            guests = 0
            if k == S.ORDERS:
                guests = int(v.good["customer_id"].isna().sum()) if "customer_id" in v.good.columns else len(v.good)
            done += len(v.good) + len(v.bad) + v.duplicates
            yield _Chunk(columns, _column_lists(stored, columns), v.bad, v.duplicates, v.notes, guests, done)
