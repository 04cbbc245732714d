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
    # The same export's headers in its other versions (a tool that renamed its columns):
    # any of them identifies it as well as ``signature`` does.
    other_signatures: tuple[tuple[str, ...], ...] = ()
    # The order of ``a/b/yyyy`` dates the export's documentation gives (True: day first),
    # used when no value of the file decides; None: the file's other evidence decides.
    dayfirst: bool | None = None

    def matches(self, headers: Sequence[object]) -> bool:
        """True when every header of the signature (or of one of the other signatures) is among ``headers``."""
        return self.match_length(headers) > 0

    def match_length(self, headers: Sequence[object]) -> int:
        """How many headers the longest matching signature has (0: none matches).

        >>> p = Preset("tool", "mentions", "A tool.", signature=("a", "b"), other_signatures=(("c", "d", "e"),))
        >>> p.match_length(["A", "B"]), p.match_length(["c", "d", "e", "a"]), p.match_length(["a"])
        (2, 3, 0)
        """
        present = {normalise_header(h) for h in headers}
        return max(
            (len(sig) for sig in (self.signature, *self.other_signatures)
             if sig and all(normalise_header(h) in present for h in sig)),
            default=0,
        )


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
    lengths = [(p.match_length(headers), p) for p in presets if kind is None or p.kind == kind]
    found = [(n, p) for n, p in lengths if n]
    return max(found, key=lambda item: item[0])[1] if found else None
