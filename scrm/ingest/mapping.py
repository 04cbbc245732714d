"""Turn a file's headers into canonical columns.

Headers are compared after :func:`normalise_header` (lower case, accents and
punctuation folded, camelCase split), first against the canonical names, then
against the synonyms in :mod:`scrm.db.schema` (English, Spanish, French).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

from scrm.db import schema as S
from scrm.errors import MappingError, MissingColumns, UnknownKind

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
        raise UnknownKind(
            f"Unknown kind '{kind}': use one of {', '.join(S.KINDS)}."
        ) from None


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
            if h in used:
                continue
            term = normalise_header(h)
            canonical = table.get(term) or table.get(term.replace(" ", ""))
            if canonical and canonical not in mapping:
                mapping[canonical] = h
                used.add(h)
    return mapping


def detect_kind(headers: Sequence[object]) -> str | None:
    """The kind whose required columns are all present and that matches most headers."""
    best: tuple[int, str] | None = None
    for kind in S.KINDS:
        mapping = suggest_mapping(headers, kind)
        if any(c not in mapping for c in S.ENTITIES[kind].required):
            continue
        score = len(mapping) + 2 * len(S.ENTITIES[kind].required)
        if best is None or score > best[0]:
            best = (score, kind)
    return best[1] if best else None


def parse_mapping(value: str | Mapping[str, str]) -> dict[str, str]:
    """An explicit mapping from a dict, JSON text, or a path to a JSON file."""
    if isinstance(value, Mapping):
        data: object = dict(value)
    else:
        text = value.strip()
        if not text.startswith("{"):
            path = Path(text)
            if not path.is_file():
                raise MappingError(
                    f"The mapping '{value}' is neither a preset, a JSON object nor a JSON file. "
                    'Give a preset name or an object such as {"amount": "Total"}.'
                )
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as e:
                raise MappingError(f"The mapping file {path.name} could not be read ({e}). Save it as UTF-8 JSON.") from e
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise MappingError(
                f"The mapping is not valid JSON ({e.msg} at character {e.pos + 1}). "
                'Give an object such as {"amount": "Total", "ordered_at": "Date"}.'
            ) from None
        except RecursionError:  # nested thousands deep: Python's parser gives up
            raise MappingError(
                'The mapping nests too deep to be a mapping. Give a flat object such as {"amount": "Total"}.'
            ) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise MappingError(
            'The mapping must be a JSON object of canonical column to header, such as {"amount": "Total"}.'
        )
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
                raise MappingError(
                    f"The mapping names '{canonical}', which is not a column of {kind}. "
                    f"Use one of: {', '.join(entity.names)}."
                )
            if header not in header_list:
                raise MappingError(
                    f"The mapping maps `{canonical}` to '{header}', but {file_name} has no such header. "
                    f"Its headers are: {', '.join(header_list)}."
                )
            mapping[canonical] = header
    taken = set(mapping.values())
    for canonical, header in suggest_mapping([h for h in header_list if h not in taken], kind).items():
        if canonical not in unmapped:
            mapping.setdefault(canonical, header)
    missing = [c for c in entity.required if c not in mapping]
    if missing:
        raise MissingColumns(missing_columns_message(file_name, kind, missing, header_list))
    return {c: mapping[c] for c in entity.names if c in mapping}


def missing_columns_message(file_name: str, kind: str, missing: Sequence[str], headers: Sequence[str]) -> str:
    """The one sentence that rejects a file for missing required columns."""
    entity = entity_of(kind)
    parts = []
    for name in missing:
        accepted = [name, *entity.column(name).synonyms[:8]]
        parts.append(f"`{name}` (accepted headers: {', '.join(accepted)}, ...)")
    example = json.dumps({missing[0]: headers[0] if headers else "Your header"}, ensure_ascii=False)
    noun = "column" if len(missing) == 1 else "columns"
    return (
        f"{file_name} cannot be imported as {kind}: no {noun} for {'; '.join(parts)}. "
        f"Its headers are: {', '.join(headers) or '(none)'}. Rename the {noun} in the file, or map "
        f"{'it' if len(missing) == 1 else 'them'} explicitly (the column boxes on the Data page, or "
        f"--mapping '{example}' on the command line)."
    )
