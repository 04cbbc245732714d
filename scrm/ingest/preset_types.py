"""What a preset is, shared by the modules that define presets
(:mod:`scrm.ingest.presets` for shops, CRMs and surveys, :mod:`scrm.ingest.social`
for social and listening exports) and the registry that detects them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scrm.ingest.mapping import normalise_header

Source = str | Path | bytes
Reader = Callable[[Source, str | None], pd.DataFrame]
Transform = Callable[[pd.DataFrame], dict[str, pd.DataFrame]]

# Stored timestamp format (see scrm.db.store.utcnow).
ISO = "%Y-%m-%dT%H:%M:%S"
# Key of DataFrame.attrs where our readers leave the file name, so that a
# transform (which only receives the frame) can name the file in its errors.
FILE_NAME_ATTR = "file_name"


@dataclass(frozen=True)
class Preset:
    """A ready-made import of one export format.

    ``read(source, file_name)`` gives the raw table (None: the standard
    :func:`scrm.ingest.readers.read_table`); ``transform(raw)`` gives canonical
    frames per kind, main kind first. A preset whose columns only need
    renaming may set ``mapping`` ({canonical: header}) instead of a transform.
    """

    name: str
    kind: str
    description: str
    read: Reader | None = None
    transform: Transform | None = None
    mapping: dict[str, str] | None = None
    # Headers that identify the export: when all are present (compared with
    # normalise_header) the preset is proposed without being asked. Empty: never detected.
    signature: tuple[str, ...] = ()
    # The order of ``a/b/yyyy`` dates the export's documentation gives (True: day first),
    # used when no value of the file decides; None: the file's other evidence decides.
    dayfirst: bool | None = None

    def matches(self, headers: Sequence[object]) -> bool:
        """True when every header of the signature is among ``headers``."""
        if not self.signature:
            return False
        present = {normalise_header(h) for h in headers}
        return all(normalise_header(h) in present for h in self.signature)


def detect_preset(
    presets: Sequence[Preset], headers: Sequence[object], kind: str | None = None
) -> Preset | None:
    """The preset whose signature the headers match, the longest signature first; None if none does.

    >>> p = Preset("shop", "orders", "A shop.", signature=("Name", "Total"))
    >>> detect_preset([p], ["name", "total", "Email"]).name
    'shop'
    >>> detect_preset([p], ["Total"]) is None
    True
    """
    found = [p for p in presets if (kind is None or p.kind == kind) and p.matches(headers)]
    return max(found, key=lambda p: len(p.signature)) if found else None
