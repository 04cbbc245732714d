"""The Data page's per-file decisions as plain functions (no Streamlit calls).

AppTest can upload files, but a unit test of "which select boxes, with which
defaults, and what mapping do they add up to" is faster and says more when
it fails. The page only draws what these functions decide.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from scrm.analysis.identity import LINKING_KINDS
from scrm.db import schema as S
from scrm.i18n import formats as F
from scrm.i18n import t as translate
from scrm.ingest import mapping as M
from scrm.ingest.limits import UPLOAD_SPOOL_BYTES

AUTO = "auto (by column names)"
NONE = "(none)"
ACCEPTED_TYPES: tuple[str, ...] = (
    "csv", "tsv", "txt", "tab", "gz", "xlsx", "xlsm", "xls", "xlsb", "ods", "json", "jsonl", "ndjson",
)
KIND_LABELS: dict[str, str] = {
    S.CUSTOMERS: "Customers",
    S.ORDERS: "Orders",
    S.MENTIONS: "Social mentions",
    S.SURVEYS: "Survey answers",
}


def preset_options() -> list[str]:
    """``AUTO`` then every preset name, for the preset select box."""
    from scrm.ingest.presets import PRESETS

    return [AUTO, *PRESETS]


def preset_label(option: str, language: str = "en") -> str:
    """How a preset option reads in the select box: ``name (kind)``, in ``language``."""
    if option == AUTO:
        return translate(AUTO, language)
    from scrm.ingest.presets import PRESETS

    preset = PRESETS.get(option)
    return option if preset is None else f"{preset.name} ({kind_label(preset.kind, language).lower()})"


def kind_label(kind: str, language: str = "en") -> str:
    """What a kind of file is called in ``language`` (``orders`` -> "Pedidos")."""
    return translate(KIND_LABELS[kind], language) if kind in KIND_LABELS else kind


def preset_description(option: str | None, language: str = "en") -> str | None:
    """The preset's description (what files it reads) in ``language``, or None for ``AUTO``/unknown names."""
    if not option or option == AUTO:
        return None
    from scrm.ingest.presets import PRESETS

    preset = PRESETS.get(option)
    return translate(preset.description, language) if preset is not None else None


def detected_label(option: str | None, language: str = "en") -> str | None:
    """What the headers were recognised as, in ``language``: ``Shopify orders export, preset shopify-orders``.

    The label is the description's part before its colon (:func:`scrm.ingest.presets.preset_label`),
    taken from the translated description so that both read the same; None for unknown names.
    """
    description = preset_description(option, language)
    if description is None:
        return None
    return translate("{label}, preset {name}", language, label=description.split(":")[0].strip(), name=option)


def _page_wording() -> dict[str, str]:
    """Reason keys whose English names a command-line flag, and their English for the page, which
    names the Data page's box instead (the Spanish and French entries already do)."""
    from scrm.ingest.values import BAD_DATE_KEYS

    return {
        BAD_DATE_KEYS["relative"]: (
            "'{v}' is a relative date. Give the day the file was exported (the “Relative dates count back from” "
            "box where the file is imported) so that it can be read."
        ),
        BAD_DATE_KEYS["two-digit"]: (
            "'{v}' is not a date in its column's order: read as dd/mm/yy it is {day}, as m/d/yy {month}. "
            "Check the value, or say the order in the “Dates such as 05/03/24” box where the file is imported."
        ),
    }


def reasons_in_language(rows: pd.DataFrame, language: str) -> pd.DataFrame:
    """Quarantined rows with each ``reason`` in ``language``, ``reason_message`` dropped.

    A row stored with its reason as a message (``reason_message``, JSON of
    :mod:`scrm.i18n.messages`) is written in ``language``; an older row
    without one keeps its English reason. Each distinct message is read once.
    """
    if "reason_message" not in rows.columns:
        return rows
    from scrm.i18n.messages import Message, from_json

    stored = rows["reason_message"]
    out = rows.drop(columns=["reason_message"])
    has = stored.notna().to_numpy(dtype=bool)
    if has.any():
        codes, uniques = pd.factorize(stored[has])
        rendered = []
        wording = _page_wording() if language == "en" else {}
        for text in uniques:
            message = from_json(str(text))
            if message is not None and message.key in wording:
                message = Message(wording[message.key], message.values)
            rendered.append(None if message is None else message.render(language))
        written = pd.Series([rendered[c] for c in codes], index=stored.index[has], dtype=object)
        reasons = out["reason"].astype(object).copy()
        reasons[has] = written.where(written.notna(), reasons[has]).to_numpy()
        out = out.assign(reason=reasons)
    return out


def preset_kind(option: str | None) -> str | None:
    """The kind a preset imports, or None for ``AUTO``/unknown names."""
    if not option or option == AUTO:
        return None
    from scrm.ingest.presets import PRESETS

    preset = PRESETS.get(option)
    return preset.kind if preset is not None else None


def suggest_preset(sample: pd.DataFrame) -> str | None:
    """The one preset that reads this file's first rows, or None (none or several fit).

    A preset knows its export by its headers; trying its transform on the
    sample is the test, because the transforms refuse files without their
    documented columns. Exports whose headers the synonyms misread (the UCI
    retail file looks like customers to them) are then imported right by
    default.
    """
    from scrm.ingest.presets import PRESETS, detect

    found = detect([str(c) for c in sample.columns])
    if found is not None:
        return found.name
    fits = []
    for name, preset in PRESETS.items():
        if preset.signature:  # a preset that names its headers is found by them, not by trying it
            continue
        if preset.transform is None:
            if preset.mapping and all(h in sample.columns for h in preset.mapping.values()):
                fits.append(name)
            continue
        try:
            frames = preset.transform(sample.copy())
        except Exception:  # noqa: BLE001 - any failure means "not this export"; it is only a suggestion
            continue
        if preset.kind in frames and len(frames[preset.kind]) > 0:
            fits.append(name)
    return fits[0] if len(fits) == 1 else None


# The date order box of the import form: value -> label.
DATE_ORDERS = {"auto": "read from the values", "day": "day first (5 March)", "month": "month first (May 3)"}


def date_options(order: object, anchor: object) -> Any:
    """The :class:`scrm.ingest.pipeline.DateOptions` of the form's date boxes."""
    from datetime import date

    from scrm.ingest.pipeline import DateOptions

    dayfirst = {"day": True, "month": False}.get(str(order))
    return DateOptions(dayfirst=dayfirst, anchor=anchor if isinstance(anchor, date) else None)


def mapping_argument(preset: str | None, choices: Mapping[str, str] | None) -> str | dict[str, str] | None:
    """What to pass as ``import_file(mapping=...)``: the preset name, or the chosen columns."""
    if preset and preset != AUTO:
        return preset
    if choices is None:
        return None
    # A box left at NONE maps to "": the importer then leaves that column out
    # instead of finding it again by its synonyms.
    return {column: (header if header and header != NONE else "") for column, header in choices.items()}


@dataclass(frozen=True)
class FieldChoice:
    """One select box of the mapping form: a canonical column and the file's headers."""

    column: str
    label: str
    required: bool
    options: list[str]
    index: int
    help: str


def proposed_mapping(headers: Sequence[str], kind: str) -> dict[str, str]:
    """The engine's proposal for ``kind`` (by canonical names and synonyms, then the closest header)."""
    return M.propose_mapping(list(headers), kind)


def mapping_fields(kind: str, headers: Sequence[str], proposed: Mapping[str, str], language: str = "en") -> list[FieldChoice]:
    """The select boxes for ``kind``: required columns first, each defaulting to its proposed header.

    Options are ``NONE`` then the headers in file order; a proposed header that
    the file does not have (a stale preset) falls back to ``NONE``.
    """
    entity = S.ENTITIES[kind]
    options = [NONE, *[str(h) for h in headers]]
    fields = []
    columns = sorted(entity.columns, key=lambda c: not c.required)  # stable: schema order within each group
    for column in columns:
        header = proposed.get(column.name)
        index = options.index(header) if header in options[1:] else 0
        accepted = ", ".join([column.name, *column.synonyms[:4]])
        help_text = (column.description + ". " if column.description else "") + translate(
            "Headers found automatically: {headers}, ...", language, headers=accepted
        )
        fields.append(
            FieldChoice(
                column=column.name,
                label=f"{column.name} *" if column.required else column.name,
                required=column.required,
                options=options,
                index=index,
                help=help_text,
            )
        )
    return fields


def chosen_mapping(choices: Mapping[str, str | None]) -> dict[str, str]:
    """``{canonical: header}`` of the select boxes, without the ones left at ``NONE``."""
    return {column: header for column, header in choices.items() if header and header != NONE}


def missing_required(kind: str, mapping: Mapping[str, str]) -> list[str]:
    """Required columns of ``kind`` that ``mapping`` leaves without a header."""
    return [c for c in S.ENTITIES[kind].required if c not in mapping]


def reused_headers(mapping: Mapping[str, str]) -> dict[str, list[str]]:
    """Headers chosen for more than one column (usually a slip): header -> columns."""
    seen: dict[str, list[str]] = {}
    for column, header in mapping.items():
        seen.setdefault(header, []).append(column)
    return {h: cols for h, cols in seen.items() if len(cols) > 1}


def needs_linking(kinds: Sequence[str]) -> bool:
    """Whether an import of these kinds should re-run profile linking."""
    return any(k in LINKING_KINDS for k in kinds)


@dataclass
class ImportOutcome:
    """What the page shows after an import: plain text and numbers only (kept in session state)."""

    import_id: int
    file_name: str
    level: Literal["success", "warning"]
    headline: str
    parts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    links: str | None = None

    def as_state(self) -> dict[str, Any]:
        """A plain dict for ``st.session_state``."""
        return dict(self.__dict__)


def describe_result(result: Any, language: str = "en") -> ImportOutcome:
    """Turn an :class:`scrm.ingest.ImportResult` into the lines the page shows.

    Warning level when rows were set aside in quarantine (they are not in
    the database); success otherwise, also with duplicates, which lose
    nothing (the last copy of a key wins and the count says so).
    """
    parts_all = [result, *getattr(result, "also", [])]
    rejected = sum(p.rejected for p in parts_all)
    def n(value: float, decimals: int = 0) -> str:
        return F.format_number(value, language, decimals=decimals)

    parts = [
        translate(
            "{kind}: {new} new, {updated} updated, {unchanged} unchanged, {duplicates} duplicates, {rejected} quarantined.",
            language, kind=kind_label(p.kind, language), new=n(p.new), updated=n(p.updated), unchanged=n(p.unchanged),
            duplicates=n(p.duplicates), rejected=n(p.rejected),
        )
        for p in parts_all
    ]
    headline = translate(
        "Imported {file}: 1 row read in {seconds} s." if result.rows_read == 1 else "Imported {file}: {rows} rows read in {seconds} s.",
        language, file=result.file_name, rows=n(result.rows_read), seconds=n(result.seconds, 1),
    )
    if rejected:
        headline += " " + translate(
            "1 row set aside: see the Quarantine tab." if rejected == 1 else "{rows} rows set aside: see the Quarantine tab.",
            language, rows=n(rejected),
        )
    # A note the importer also gave as a message is written in the reader's language.
    notes = [
        message.render(language) if (message := getattr(p, "note_messages", {}).get(n)) is not None else n
        for p in parts_all for n in p.notes
    ]
    problems = [q for p in parts_all for q in _problems_in_language(p, language)]
    return ImportOutcome(
        import_id=int(result.import_id),
        file_name=str(result.file_name),
        level="warning" if rejected else "success",
        headline=headline,
        parts=parts,
        notes=notes,
        problems=problems,
        kinds=[p.kind for p in parts_all],
    )


def _problems_in_language(part: Any, language: str) -> list[str]:
    """A part's first quarantined rows as sentences in ``language`` (English where the importer gave no message)."""
    english = list(getattr(part, "problems", []))
    messages = list(getattr(part, "problem_messages", []))
    return [
        messages[i].render(language) if i < len(messages) and messages[i] is not None else sentence
        for i, sentence in enumerate(english)
    ]


@contextmanager
def upload_source(data: bytes, spool_above: int = UPLOAD_SPOOL_BYTES) -> Iterator[bytes | Path]:
    """What to hand ``api.import_file`` for an upload: its bytes, or above ``spool_above`` a temporary file.

    A big file is then read from disk, by the import worker too (a path
    crosses to it, not a pickled copy of the bytes). The file is deleted on
    leaving; pass the user's name as ``file_name`` so that messages and the
    audit log name it.

    >>> with upload_source(b"a,b\\n1,2\\n", spool_above=4) as source:
    ...     source.read_bytes() if isinstance(source, Path) else source
    b'a,b\\n1,2\\n'
    """
    if len(data) <= spool_above:
        yield data
        return
    with tempfile.TemporaryDirectory(prefix="scrm-upload-") as folder:
        path = Path(folder) / "upload"
        with path.open("wb") as f:
            f.write(data)
        yield path
