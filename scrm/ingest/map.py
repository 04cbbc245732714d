"""Stage 3, detect the preset and map: a raw table -> canonical frames per kind.

The preset (named, or detected from the headers) or the column mapping turns
the file's headers into canonical columns; a preset may build several kinds
(orders and customers) and multi-line orders fold into one row per order.
Live sources (:mod:`scrm.listen`) join the pipeline here through
:func:`scrm.ingest.pipeline.import_frame`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scrm.db import schema as S
from scrm.errors import ImportRejected, UnknownPreset
from scrm.i18n.messages import Message, Said, Value
from scrm.ingest import mapping as M
from scrm.ingest.lines import fold_order_lines, folded_note, is_multi_line

MappingArg = str | Mapping[str, str] | None


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
                # The es/fr entries leave the command out: on the Data page the kind box is where it changes.
                raise ImportRejected(Message(
                    "The preset '{name}' imports {preset_kind}, not {kind}. "
                    "Import it as {preset_kind} (python -m scrm import {preset_kind} FILE --mapping {name}).",
                    {"name": name, "preset_kind": M.kind_label(preset.kind), "kind": M.kind_label(kind)},
                ))
            return preset, preset.mapping
        if not name.startswith("{") and not name.lower().endswith(".json"):
            of_kind = [n for n, p in PRESETS.items() if p.kind == kind]
            guess = M.closest(name, [*of_kind, *PRESETS])
            values: dict[str, Value] = {"name": name, "kind": M.kind_label(kind), "presets": ", ".join(of_kind),
                                        "example": '{"amount": "Total"}'}
            if guess:
                values["guess"] = guess
            raise UnknownPreset(
                Message("Unknown mapping preset '{name}': did you mean {guess}? the presets for {kind} are {presets}; "
                        "or give a JSON object such as {example}, or a .json file.", values) if guess else
                Message("Unknown mapping preset '{name}': the presets for {kind} are {presets}; or give "
                        "a JSON object such as {example}, or a .json file.", values)
            )
    return None, M.parse_mapping(mapping)



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



@dataclass
class Mapped:
    """What the map stage hands forward: canonical frames per kind (the asked kind first)."""

    frames: dict[str, pd.DataFrame]
    mapping: dict[str, str] | None  # the mapping used for the asked kind (None under a preset's transform)
    extra: pd.DataFrame | None  # customers' unmapped columns, kept as attributes
    notes: dict[str, list[str]] = field(default_factory=dict)
    # What the file says about the order of its a/b/yyyy dates: (day first?, because ...), or None.
    date_evidence: tuple[bool, str] | None = None


def map_frames(raw: pd.DataFrame, kind: str, mapping: MappingArg, file_name: str) -> Mapped:
    """Map a raw table to canonical frames; fold multi-line orders into one row per order."""
    preset, explicit = _preset(mapping, kind)
    frames, used_mapping, extra = _frames(raw, kind, preset, explicit, file_name)
    notes: dict[str, list[str]] = {}
    if S.ORDERS in frames and is_multi_line(frames[S.ORDERS]):
        frames[S.ORDERS], lines, orders = fold_order_lines(frames[S.ORDERS])
        if lines:
            notes[S.ORDERS] = [folded_note(lines, orders)]
    return Mapped(frames, used_mapping, extra, notes, date_order_evidence(raw, preset))


# Header words only Spanish and French exports use (folded: lower case, no accents).
_LOCALE_WORDS = frozenset({
    "fecha", "importe", "cliente", "pedido", "nombre", "apellido", "apellidos", "correo", "precio", "cantidad",
    "pais", "ciudad", "telefono", "pago", "envio", "montant", "commande", "prix", "quantite", "prenom", "pays",
    "ville", "courriel", "paiement", "livraison", "facture", "factura", "creee", "creado", "fecha_pedido",
})  # fmt: skip


def date_order_evidence(raw: pd.DataFrame, preset: Any = None) -> tuple[bool, str] | None:
    """What the file says about the order of its ``a/b/yyyy`` dates when no value decides:
    (True for day first, the reason as a clause), or None when it says nothing.

    A preset that documents its format wins; else day first when the file looks
    European: ``;`` as delimiter, a decimal comma in a column, Spanish or French headers.

    >>> date_order_evidence(pd.DataFrame({"Fecha": ["05/03/2024"], "Importe": ["12"]}))
    (True, 'its headers are Spanish or French (`Fecha`)')
    """
    import unicodedata

    from scrm.ingest import values as V
    from scrm.ingest.readers import DELIMITER_ATTR

    documented = getattr(preset, "dayfirst", None)
    if documented is not None:
        key = EVIDENCE_KEYS["preset day first" if documented else "preset month first"]
        return bool(documented), Said(Message(key, {"preset": preset.name}))
    if raw.attrs.get(DELIMITER_ATTR) == ";":
        return True, Said(Message(EVIDENCE_KEYS["semicolons"]))
    for header in raw.columns:
        folded = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower()
        words = {w for w in "".join(c if c.isalnum() else " " for c in folded).split()}
        if words & _LOCALE_WORDS:
            return True, Said(Message(EVIDENCE_KEYS["headers"], {"header": str(header)}))
    for header in list(raw.columns)[:60]:
        sample = raw[header].dropna().head(500)
        if len(sample) and V.infer_decimal_comma(sample) is True:
            return True, Said(Message(EVIDENCE_KEYS["decimal comma"], {"header": str(header)}))
    return None


# Why a column's a/b/yyyy dates were read one way (a clause of an import's note), as catalog keys.
EVIDENCE_KEYS = {
    "preset day first": "the {preset} export writes its dates day first",
    "preset month first": "the {preset} export writes its dates month first",
    "semicolons": "the file is separated by `;`, as European spreadsheets write it",
    "headers": "its headers are Spanish or French (`{header}`)",
    "decimal comma": "its numbers use a decimal comma (column `{header}`)",
}


def detect_from_headers(headers: Sequence[object], kind: str | None = None) -> Any:
    """The preset the file's headers identify (of ``kind`` when given), or None.

    Only when the user named no mapping: a mapping or preset they give always wins.
    """
    from scrm.ingest.presets import detect

    return detect([str(h) for h in headers], kind)


def _label(preset: Any) -> str | None:
    from scrm.ingest.presets import preset_label

    return None if preset is None else f"{preset_label(preset)}, preset {preset.name}"

