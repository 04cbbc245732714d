"""Turn a file's headers into canonical columns.

Headers are compared after :func:`normalise_header` (lower case, accents and
punctuation folded, camelCase split), first against the canonical names, then
against the synonyms in :mod:`scrm.db.schema` (English, Spanish, French).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from scrm.db import schema as S
from scrm.errors import MappingError, MissingColumns, UnknownKind
from scrm.i18n.messages import Message, Value, join

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def normalise_header(header: object) -> str:
    """Fold a header for matching.

    >>> normalise_header("Fecha_Pedido")
    'fecha pedido'
    >>> normalise_header("  Adresse E-mail ")
    'adresse e mail'
    >>> normalise_header("InvoiceNo")
    'invoice no'
    """
    text = _CAMEL.sub(" ", str(header))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _terms(kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """(canonical names, synonyms) as normalised term -> canonical column."""
    entity = entity_of(kind)
    names: dict[str, str] = {}
    synonyms: dict[str, str] = {}
    for column in entity.columns:
        names[normalise_header(column.name)] = column.name
        names.setdefault(column.name.replace("_", ""), column.name)
    for column in entity.columns:
        for synonym in column.synonyms:
            term = normalise_header(synonym)
            if term not in names:
                synonyms.setdefault(term, column.name)
                synonyms.setdefault(term.replace(" ", ""), column.name)
    return names, synonyms


def entity_of(kind: str) -> S.Entity:
    """The entity for an import kind, or :class:`UnknownKind` with the accepted kinds."""
    try:
        return S.ENTITIES[kind]
    except KeyError:
        raise UnknownKind(Message(
            "Unknown kind '{kind}': use one of {kinds}.", {"kind": kind, "kinds": ", ".join(S.KINDS)}
        )) from None


def kind_label(kind: str) -> Value:
    """An import kind inside a message: ``orders`` is translated (the interface's word), anything else kept."""
    return Message(kind) if kind in S.KINDS else kind


def suggest_mapping(headers: Sequence[object], kind: str) -> dict[str, str]:
    """Map canonical columns of ``kind`` to headers found in the file.

    Canonical names win over synonyms; the first matching header wins.

    >>> suggest_mapping(["Pedido", "Fecha", "Importe", "Cliente"], "orders")
    {'order_id': 'Pedido', 'ordered_at': 'Fecha', 'amount': 'Importe', 'customer_id': 'Cliente'}
    """
    names, synonyms = _terms(kind)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for table in (names, synonyms):
        for header in headers:
            h = str(header)
            if h in used or _PATH.fullmatch(h):
                continue
            term = normalise_header(h)
            canonical = table.get(term) or table.get(term.replace(" ", ""))
            if canonical and canonical not in mapping:
                mapping[canonical] = h
                used.add(h)
    _match_paths(headers, kind, mapping, used)
    return mapping


# A header made by flattening nested JSON: parts joined by dots, no spaces (``user.screen_name``).
_PATH = re.compile(r"[^\s.]+(?:\.[^\s.]+)+")


def _match_paths(headers: Sequence[object], kind: str, mapping: dict[str, str], used: set[str]) -> None:
    """Dotted headers of flattened JSON, after the plain ones: the whole path or its last parts match
    (``public_metrics.like_count`` is ``like count``, ``user.screen_name`` is ``screen name``).

    The best match wins: a canonical name before a synonym, then the fewest
    last parts (``user.screen_name`` is a ``screen name`` before ``user.name``
    is a ``user name``), then a synonym listed earlier. Never the key from a
    part (``user.id`` is not the mention's id), and never from a tool's
    bookkeeping (``__twarc.url``, ``record.$type``).

    >>> found = suggest_mapping(["id", "text", "user.id", "user.screen_name", "public_metrics.like_count"], "mentions")
    >>> found["author"], found["likes"], found["mention_id"]
    ('user.screen_name', 'public_metrics.like_count', 'id')
    """
    entity = entity_of(kind)
    names, synonyms = _terms(kind)
    rank: dict[str, int] = {}
    for column in entity.columns:
        rank.setdefault(normalise_header(column.name), 0)
        for i, synonym in enumerate(column.synonyms, start=1):
            rank.setdefault(normalise_header(synonym), i)
    best: dict[str, tuple[tuple[int, int, int, int], str]] = {}
    for order, header in enumerate(headers):
        h = str(header)
        if h in used or not _PATH.fullmatch(h):
            continue
        parts = h.split(".")
        if any(part.startswith(("__", "$", "@")) for part in parts):
            continue
        for dropped in range(len(parts)):
            term = normalise_header(" ".join(parts[dropped:]))
            for tier, table in enumerate((names, synonyms)):
                canonical = table.get(term) or table.get(term.replace(" ", ""))
                if not canonical or canonical in mapping or (dropped and canonical == entity.key):
                    continue
                score = (tier, len(parts) - dropped, rank.get(term, 99), order)
                if canonical not in best or score < best[canonical][0]:
                    best[canonical] = (score, h)
    for canonical, (_, h) in sorted(best.items(), key=lambda item: item[1][0]):
        if h not in used and canonical not in mapping:
            mapping[canonical] = h
            used.add(h)


def propose_mapping(headers: Sequence[object], kind: str) -> dict[str, str]:
    """What the column boxes start from: :func:`suggest_mapping`, plus for each required column
    still missing the closest free header (:func:`best_header`), such as ``Nº pedido`` for ``order_id``.

    >>> propose_mapping(["Nº pedido", "Fecha", "Importe"], "orders")["order_id"]
    'Nº pedido'
    """
    header_list = [str(h) for h in headers]
    mapping = suggest_mapping(header_list, kind)
    for name in entity_of(kind).required:
        if name in mapping:
            continue
        free = [h for h in header_list if h not in set(mapping.values())]
        close = best_header(name, kind, free)
        if close is not None:
            mapping[name] = close
    entity = entity_of(kind)
    return {c: mapping[c] for c in entity.names if c in mapping}


def detect_kind(headers: Sequence[object], sample: object = None) -> str | None:
    """The kind whose required columns are all present and that matches most headers.

    A required column no header names exactly may be found by a close header
    (``Nº pedido`` for ``order_id``, see :func:`best_header`). With ``sample``
    (the first rows, a DataFrame), a kind also scores for each of its date and
    number columns whose values read as such, so that an orders file
    (``Nº pedido;Fecha;Importe;Cliente``) is never taken for customers.

    >>> detect_kind(["Nº pedido", "Fecha", "Importe", "Cliente"])
    'orders'
    """
    best: tuple[float, str] | None = None
    header_list = [str(h) for h in headers]
    for kind in S.KINDS:
        entity = S.ENTITIES[kind]
        mapping = suggest_mapping(header_list, kind)
        fuzzy = 0
        for name in entity.required:
            if name in mapping:
                continue
            free = [h for h in header_list if h not in set(mapping.values())]
            close = best_header(name, kind, free) if name != "customer_id" or kind != S.CUSTOMERS else None
            if close is None:
                break
            mapping[name] = close
            fuzzy += 1
        if any(c not in mapping for c in entity.required):
            continue
        score = len(mapping) + 2 * len(entity.required) - 0.5 * fuzzy + _value_evidence(sample, kind, mapping)
        if best is None or score > best[0]:
            best = (score, kind)
    return best[1] if best else None


def _value_evidence(sample: object, kind: str, mapping: Mapping[str, str]) -> float:
    """+1 per typed column (date, number) of ``kind`` whose sample values mostly read as that type."""
    import pandas as pd

    if not isinstance(sample, pd.DataFrame) or not len(sample):
        return 0.0
    from scrm.ingest import values as V

    score = 0.0
    entity = entity_of(kind)
    for column in entity.columns:
        header = mapping.get(column.name)
        if header is None or header not in sample.columns or column.type == "text":
            continue
        cells = sample[header]
        present = cells.notna() & (cells.astype("string").str.strip() != "")
        if not present.any():
            continue
        parsers: dict[str, Callable[..., tuple[pd.Series, pd.Series]]] = {
            "datetime": V.parse_datetimes, "float": V.parse_numbers, "int": V.parse_ints, "bool": V.parse_bools,
        }
        parser = parsers[column.type]
        try:
            _, bad = parser(cells[present])
        except Exception:  # noqa: BLE001 - evidence only; a value the parser chokes on counts as against
            continue
        share = 1.0 - float(bad.mean())
        score += 1.0 if share >= 0.8 else -1.0
    return score


def closest(word: str, choices: Sequence[str], cutoff: float = 60.0) -> str | None:
    """The choice most like ``word`` (rapidfuzz, on folded text), or None when none is close.

    >>> closest("Importe total", ["Nº pedido", "Fecha", "Total", "Cliente"])
    'Total'
    """
    from rapidfuzz import fuzz, process

    folded: dict[str, str] = {}
    for c in choices:
        folded.setdefault(normalise_header(c), c)
    if not folded:
        return None
    found = process.extractOne(normalise_header(word), list(folded), scorer=fuzz.WRatio, score_cutoff=cutoff)
    return folded[found[0]] if found else None


# The example mapping the messages show (a value: JSON's braces are not a message's placeholders).
_EXAMPLE = '{"amount": "Total"}'


def parse_mapping(value: str | Mapping[str, str]) -> dict[str, str]:
    """An explicit mapping from a dict, JSON text, or a path to a JSON file."""
    if isinstance(value, Mapping):
        data: object = dict(value)
    else:
        text = value.strip()
        if not text.startswith("{"):
            path = Path(text)
            if not path.is_file():
                raise MappingError(Message(
                    "The mapping '{value}' is neither a preset, a JSON object nor a JSON file. "
                    "Give a preset name or an object such as {example}.",
                    {"value": str(value), "example": _EXAMPLE},
                ))
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as e:
                raise MappingError(Message(
                    "The mapping file {file} could not be read ({why}). Save it as UTF-8 JSON.",
                    {"file": path.name, "why": str(e)},
                )) from e
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise MappingError(Message(
                "The mapping is not valid JSON ({why} at character {position}). Give an object such as {example}.",
                {"why": e.msg, "position": str(e.pos + 1), "example": '{"amount": "Total", "ordered_at": "Date"}'},
            )) from None
        except RecursionError:  # nested thousands deep: Python's parser gives up
            raise MappingError(Message(
                "The mapping nests too deep to be a mapping. Give a flat object such as {example}.",
                {"example": _EXAMPLE},
            )) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise MappingError(Message(
            "The mapping must be a JSON object of canonical column to header, such as {example}.",
            {"example": _EXAMPLE},
        ))
    return data


def resolve_mapping(
    headers: Sequence[object],
    kind: str,
    explicit: Mapping[str, str] | None = None,
    file_name: str = "the file",
) -> dict[str, str]:
    """The final mapping: explicit entries first, synonyms for the rest.

    An explicit ``""`` leaves that column unmapped.

    Raises :class:`MappingError` for a key that is not a column of ``kind`` or a
    header the file does not have, and :class:`MissingColumns` naming every
    required column that is still missing with its accepted headers.
    """
    entity = entity_of(kind)
    header_list = [str(h) for h in headers]
    mapping: dict[str, str] = {}
    unmapped: set[str] = set()
    if explicit:
        for canonical, header in explicit.items():
            if canonical in entity.names and header == "":
                unmapped.add(canonical)  # "" leaves the column out, even if a synonym matches
                continue
            if canonical not in entity.names:
                raise MappingError(Message(
                    "The mapping names '{canonical}', which is not a column of {kind}. Use one of: {columns}.",
                    {"canonical": canonical, "kind": kind_label(kind), "columns": ", ".join(entity.names)},
                ))
            if header not in header_list:
                raise MappingError(Message(
                    "The mapping maps `{canonical}` to '{header}', but {file} has no such header. "
                    "Its headers are: {headers}.",
                    {"canonical": canonical, "header": header, "file": _file_label(file_name),
                     "headers": ", ".join(header_list)},
                ))
            mapping[canonical] = header
    taken = set(mapping.values())
    for canonical, header in suggest_mapping([h for h in header_list if h not in taken], kind).items():
        if canonical not in unmapped:
            mapping.setdefault(canonical, header)
    missing = [c for c in entity.required if c not in mapping]
    if missing:
        free = [h for h in header_list if h not in set(mapping.values())]
        raise MissingColumns(missing_columns_message(file_name, kind, missing, header_list, free))
    return {c: mapping[c] for c in entity.names if c in mapping}


def best_header(name: str, kind: str, headers: Sequence[str]) -> str | None:
    """The header most like canonical column ``name`` or one of its synonyms (rapidfuzz), or None.

    >>> best_header("customer_id", "customers", ["First Name", "Last Name", "Client Number", "Email"])
    'Client Number'
    """
    from rapidfuzz import fuzz

    column = entity_of(kind).column(name)
    terms = [normalise_header(t) for t in (name, *column.synonyms)]
    best: tuple[float, str] | None = None
    for header in headers:
        h = normalise_header(header)
        if not h:
            continue
        score = max(fuzz.token_set_ratio(h, t) for t in terms)
        if best is None or score > best[0]:
            best = (score, str(header))
    if best and best[0] >= 70:
        return best[1]
    if name == "customer_id":  # no id at all: the e-mail identifies a customer best
        emails = [h for h in headers if normalise_header(h) in _terms(S.CUSTOMERS)[1] and
                  _terms(S.CUSTOMERS)[1][normalise_header(h)] == "email" or normalise_header(h) == "email"]
        return emails[0] if emails else None
    return None


def _file_label(name: str) -> Value:
    from scrm.ingest.readers import file_label

    return file_label(name)


# The sentence that refuses a file for missing columns, for one column and for several. Its English
# names the command line's --mapping too; the Spanish and French name the Data page's boxes only.
MISSING_COLUMN_KEY = (
    "{file} cannot be imported as {kind}: no column for {parts}. Its headers are: {headers}. Rename the column "
    "in the file, or map it explicitly (the column boxes on the Data page, or --mapping '{example}' on the "
    "command line)."
)
MISSING_COLUMNS_KEY = (
    "{file} cannot be imported as {kind}: no columns for {parts}. Its headers are: {headers}. Rename the columns "
    "in the file, or map them explicitly (the column boxes on the Data page, or --mapping '{example}' on the "
    "command line)."
)


def missing_columns_message(
    file_name: str, kind: str, missing: Sequence[str], headers: Sequence[str], free: Sequence[str] | None = None
) -> Message:
    """The one sentence that rejects a file for missing required columns.

    Its example mapping names the header most like the missing column (never
    simply the first header), taken from ``free`` (headers not mapped yet).
    """
    entity = entity_of(kind)
    parts = []
    for name in missing:
        accepted = [name, *entity.column(name).synonyms[:8]]
        parts.append(Message("`{name}` (accepted headers: {accepted}, ...)",
                             {"name": name, "accepted": ", ".join(accepted)}))
    candidate = best_header(missing[0], kind, list(free if free is not None else headers))
    if candidate is None and missing[0] == "customer_id":  # the e-mail may key customers, even if mapped as e-mail
        candidate = best_header(missing[0], kind, list(headers))
    example = json.dumps({missing[0]: candidate or "Your header"}, ensure_ascii=False)
    values: dict[str, Value] = {
        "file": _file_label(file_name),
        "kind": kind_label(kind),
        "parts": join(parts, "; "),
        "headers": ", ".join(headers) or Message("(none)"),
        "example": example,
    }
    return Message(MISSING_COLUMN_KEY, values) if len(missing) == 1 else Message(MISSING_COLUMNS_KEY, values)
