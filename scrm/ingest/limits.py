"""Caps on what one file may hold, so that a hostile or broken file cannot eat the machine.

Every reader checks these before it builds anything big: the bytes it reads
(after unpacking a ``.gz`` or the parts of an ``.xlsx``), the rows, the
columns, the length of one cell and how deep JSON nests. Exceeding one raises
:class:`~scrm.errors.FileTooLarge` with a sentence that names the file, the
limit and what to do. The README ("Limits for files") lists them.

The defaults suit the exports scrm is made for (a million mentions is about
300 MB of CSV); each but the nesting depth can be raised with an environment
variable, read when a file is read (so a worker process sees it too):

=========================  ==================  =================================
limit                      default             environment variable
=========================  ==================  =================================
bytes read from one file   1,024 MB            ``SCRM_MAX_FILE_MB``
rows                       5,000,000           ``SCRM_MAX_ROWS``
columns                    2,000               ``SCRM_MAX_COLUMNS``
cells (rows x columns)     50,000,000          ``SCRM_MAX_CELLS``
characters in one cell     100,000             ``SCRM_MAX_CELL_CHARS``
JSON nesting depth         100                 (fixed)
=========================  ==================  =================================

>>> current().max_rows
5000000
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from scrm.errors import ConfigError
from scrm.i18n.messages import Message

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The caps on one file; see the module docstring for why these defaults."""

    # The bytes read from one file, after unpacking: the same as the upload
    # limit (server.maxUploadSize = 1000 MB), so that a compressed file brings
    # in no more than a plain upload could. A 2 MB gzip bomb unpacks to GBs.
    max_file_bytes: int = 1024 * MB
    # Five times the million-row imports scrm is benchmarked on; Excel itself
    # stops at 1,048,576 rows.
    max_rows: int = 5_000_000
    # Survey exports run to a few hundred columns; Excel's last column (XFD)
    # is 16,384, where a stray far-away cell lands.
    max_columns: int = 2_000
    # Rows times columns: what the table costs in memory (a million rows of
    # 20 columns is 20 million). Without it 500,000 lines of 2,000 commas
    # (1 GB) would make a billion empty cells.
    max_cells: int = 50_000_000
    # A tweet is 280 characters, a long review a few thousand; Excel holds at
    # most 32,767 in a cell.
    max_cell_chars: int = 100_000
    # Real exports nest 5 or 6 levels (a tweet's entities); Python's own
    # parser gives up near 1,000, so this one is not a setting.
    max_json_depth: int = 100


DEFAULTS = Limits()

# Uploads above this size are written to a temporary file and read from
# there: the readers and the import worker then take a path, not bytes.
UPLOAD_SPOOL_BYTES = 64 * MB
# A preview reads at most this much of a text file (after unpacking): a
# 300 MB file previewed whole took 1.25 GB.
PREVIEW_HEAD_BYTES = 1 * MB

# field -> (environment variable, unit in bytes or 1)
SETTINGS: dict[str, tuple[str, int]] = {
    "max_file_bytes": ("SCRM_MAX_FILE_MB", MB),
    "max_rows": ("SCRM_MAX_ROWS", 1),
    "max_columns": ("SCRM_MAX_COLUMNS", 1),
    "max_cells": ("SCRM_MAX_CELLS", 1),
    "max_cell_chars": ("SCRM_MAX_CELL_CHARS", 1),
}


def current() -> Limits:
    """The limits in force: :data:`DEFAULTS`, each raised or lowered by its environment variable."""
    changes: dict[str, int] = {}
    for field, (variable, unit) in SETTINGS.items():
        text = os.environ.get(variable, "").strip().replace("_", "").replace(",", "")
        if not text:
            continue
        if not text.isdigit() or int(text) <= 0:
            raise ConfigError(Message(
                "{setting} is not a positive whole number. Set it to a number such as {example}, or unset it for "
                "the default.",
                {"setting": f"{variable}={os.environ[variable]!r}", "example": str(getattr(DEFAULTS, field) // unit)},
            ))
        changes[field] = int(text) * unit
    return replace(DEFAULTS, **changes) if changes else DEFAULTS


def setting(field: str) -> str:
    """The environment variable that changes ``field``, for messages."""
    return SETTINGS[field][0]
