"""The performance benchmark behind ``python -m scrm bench``.

The design's budgets (DESIGN.md, "Budgets") are measured here, never by timed
unit tests. A benchmark is a list of stages run in order; each is a function
registered with :func:`stage` that takes a :class:`BenchContext` and returns a
:class:`StageResult`. Later stages (scoring, reports, ...) register the same
way and may use what earlier ones left in ``context.state`` (for example
``state["db_path"]``, the database ``import_mentions`` filled). The last
stages, ``page:NAME``, open each dashboard page in a fresh Python process on
the scored demo database of the scale and time its first run and its warm
reruns against the design's page budgets; then ``filter:NAME`` asks each
page's reads (its ``scrm.views`` functions) 20 random filter combinations never
seen before and reports the median and the worst time. Every stage reports
its own peak memory and the process's peak so far.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:  # doctest: +SKIP
...     run_bench("small", Path(tmp), rows=2000)["stages"][0]["stage"]
'import_mentions'

The data are synthetic but shaped like real exports: mentions in English,
Spanish and French built from word lists (vectorised with numpy, so that a
million rows take seconds to make), timestamps with UTC offsets in the mix of
formats that real exports use, heavy-tailed authors and counts, blanks, commas,
quotes and the odd line break inside texts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

# Mentions per scale (DESIGN.md: small is the demo's 100k, large is 1M). xl (1M customers,
# 10M orders, 10M mentions) takes hours: its demo is made and written in parts (scrm.demo.SHARDS).
SCALES: dict[str, int] = {"small": 100_000, "medium": 300_000, "large": 1_000_000, "xl": 10_000_000}

# Rows generated (and written to the CSV) at a time: bounds the generator's memory.
GEN_CHUNK = 100_000


# --- peak memory -------------------------------------------------------------------


class PeakMemory:
    """Peak resident memory of this process, overall and per stage, in MB.

    ``ru_maxrss`` only ever grows, so on its own it cannot tell a stage's peak
    from the data generator's. On Linux, writing 5 to ``/proc/self/clear_refs``
    resets the high-water mark (and with it ``ru_maxrss``), so we keep the
    lifetime maximum ourselves across resets. Elsewhere a stage's peak is the
    peak so far.
    """

    def __init__(self) -> None:
        self._lifetime = 0.0

    @staticmethod
    def _rusage_mb(who: int) -> float:
        value = resource.getrusage(who).ru_maxrss
        # kilobytes on Linux, bytes on macOS
        return value / (1024 * 1024) if sys.platform == "darwin" else value / 1024

    def current_peak(self) -> float:
        """The high-water mark since the last :meth:`reset` (or the start)."""
        return self._rusage_mb(resource.RUSAGE_SELF)

    def reset(self) -> None:
        """Start a new high-water mark (when the platform allows it)."""
        self._lifetime = max(self._lifetime, self.current_peak())
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass

    def lifetime(self) -> float:
        """The peak since the process started."""
        return max(self._lifetime, self.current_peak())

    def children(self) -> float:
        """The largest peak of any finished child process."""
        return self._rusage_mb(resource.RUSAGE_CHILDREN)


# --- stages ---------------------------------------------------------------------------


@dataclass
class BenchContext:
    """What every stage gets: the size, a scratch folder, progress and shared state."""

    scale: str
    rows: int
    workdir: Path
    progress: Progress
    seed: int = 7
    peak: PeakMemory = field(default_factory=PeakMemory)
    state: dict[str, Any] = field(default_factory=dict)
    # A PostgreSQL URL: the bench's databases are then made on its server, next to its database.
    server: str | None = None

    def report(self, stage: str, fraction: float, message: str) -> None:
        self.progress(fraction, f"{stage}: {message}")


# Where a bench database lives: a file in the scratch folder, or a PostgreSQL URL.
Location = Path | str


def bench_database(context: BenchContext, name: str) -> Location:
    """A new, empty database for the bench: ``NAME.db`` in the scratch folder, or, on PostgreSQL,
    the database ``BASE_bench_NAME`` (dropped first if a previous run left it) on the server of
    ``context.server``, whose own database ``BASE`` is left alone."""
    if context.server is None:
        return context.workdir / f"{name}.db"
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    from scrm.db import pg

    parts = urlsplit(pg.normalise_url(context.server))
    target = f"{parts.path.lstrip('/') or 'scrm'}_bench_{name.replace('-', '_')}"
    url = urlunsplit(parts._replace(path=f"/{target}"))
    pg.close_pools(url)
    try:
        with _server_connection(context.server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{target}"')
    except psycopg.Error as e:
        raise ConfigError(
            f"The bench could not make its database {target} on {pg.describe(context.server)}: "
            f"{str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}. "
            "Run it as a PostgreSQL role that may create databases."
        ) from e
    context.state.setdefault("databases", []).append(url)
    return url


def _server_connection(server: str) -> Any:
    """An autocommit connection to the server of ``server``: its own database, else ``postgres``."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    from scrm.db import pg

    url = pg.normalise_url(server)
    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError:
        # The database named in the URL may not exist yet: the server's maintenance database will do.
        return psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True)


def _reader(location: Location) -> Any:
    """A read-only connection to a bench database (``execute`` and cursors as sqlite3's)."""
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        return store.open_db(location, create=False)
    return sqlite3.connect(f"file:{location}?mode=ro", uri=True)


def drop_bench_databases(context: BenchContext) -> None:
    """Drop the PostgreSQL databases :func:`bench_database` made (files go with the scratch folder)."""
    if context.server is None:
        return
    from scrm.db import pg

    for url in context.state.pop("databases", []):
        pg.close_pools(url)
        name = url.rsplit("/", 1)[1].split("?", 1)[0]
        with _server_connection(context.server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class StageResult:
    """One stage's figures; ``baseline_seconds`` is None for a stage without one."""

    stage: str
    rows: int
    seconds: float
    baseline_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The stage object of the ``bench --json`` contract (plus stage-specific extras)."""
        return {
            "stage": self.stage,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_s": round(self.rows / self.seconds, 1) if self.seconds > 0 else None,
            "baseline_seconds": None if self.baseline_seconds is None else round(self.baseline_seconds, 3),
            **self.extra,
        }


StageFunction = Callable[[BenchContext], StageResult]

# The registry, in run order. Extend with @stage("name").
STAGES: dict[str, StageFunction] = {}


def stage(name: str) -> Callable[[StageFunction], StageFunction]:
    """Register a stage function under ``name`` (runs after those registered before it)."""

    def register(fn: StageFunction) -> StageFunction:
        STAGES[name] = fn
        return fn

    return register


def run_bench(
    scale: str,
    workdir: Path,
    progress: Progress | None = None,
    *,
    rows: int | None = None,
    seed: int = 7,
    stages: Sequence[str] | None = None,
    server: str | None = None,
    keep: bool = False,
) -> dict[str, Any]:
    """Run the benchmark stages in ``workdir`` (a scratch folder the caller owns).

    ``server``, a PostgreSQL URL, runs them on PostgreSQL: the bench makes its
    databases on that server (``BASE_bench_*``, dropped at the end unless ``keep``).

    ``rows`` overrides the scale's size (tests use a few thousand). Returns the
    ``bench --json`` contract: ``{"scale", "stages": [{"stage", "rows",
    "seconds", "rows_per_s", "baseline_seconds", ...}], "peak_rss_mb",
    "peak_rss_children_mb"}``.
    """
    if scale not in SCALES:
        raise ConfigError(f"Unknown bench scale '{scale}': use one of {', '.join(SCALES)}.")
    names = list(stages) if stages is not None else list(STAGES)
    for name in names:
        if name not in STAGES:
            raise ConfigError(f"Unknown bench stage '{name}': use one of {', '.join(STAGES)}.")
    context = BenchContext(
        scale=scale,
        rows=rows if rows is not None else SCALES[scale],
        workdir=Path(workdir),
        progress=progress or (lambda fraction, message: None),
        seed=seed,
        server=server,
    )
    results = []
    try:
        for name in names:
            log.info("bench stage %s at %s rows", name, f"{context.rows:,}")
            figures = STAGES[name](context).as_dict()
            # The process's own peak so far next to the stage's: a stage that looks small
            # may still run in a process that an earlier stage swelled.
            figures.setdefault("process_peak_rss_mb", round(context.peak.lifetime(), 1))
            results.append(figures)
    finally:
        if not keep:
            drop_bench_databases(context)
    return {
        "scale": scale,
        "stages": results,
        "peak_rss_mb": round(context.peak.lifetime(), 1),
        "peak_rss_children_mb": round(context.peak.children(), 1),
        "engine": "postgresql" if server else "sqlite",
    }


def format_report(result: dict[str, Any]) -> list[str]:
    """The plain-text report: one line per stage, then the memory peak.

    ``import_mentions  1,000,000 rows  12.3 s  81,301 rows/s  baseline 6.1 s (2.0x)``
    """
    stages = result["stages"]
    width = max([len(s["stage"]) for s in stages] or [0])
    rows_width = max([len(f"{s['rows']:,}") for s in stages] or [0])
    lines = []
    for s in stages:
        if s.get("skipped"):
            lines.append(f"{s['stage'].ljust(width)}  skipped: {s['skipped']}")
            continue
        if "budget_ms" in s:  # a page: its two budgets, not a throughput
            lines.append(_page_line(s, width))
            continue
        if "worst_seconds" in s:  # a page under random filters: median and worst, not a throughput
            lines.append(_filter_line(s, width))
            continue
        line = f"{s['stage'].ljust(width)}  {s['rows']:>{rows_width},} rows  {s['seconds']:.1f} s"
        if s.get("rows_per_s") is not None:
            line += f"  {s['rows_per_s']:,.0f} rows/s"
        base = s.get("baseline_seconds")
        if base:
            line += f"  baseline {base:.1f} s ({s['seconds'] / base:.1f}x)"
        if s.get("cpu_seconds") is not None:
            line += f"  cpu {s['cpu_seconds']:.1f} s"
            if s.get("baseline_cpu_seconds"):
                line += f" vs {s['baseline_cpu_seconds']:.1f} s"
        lines.append(line)
    per_stage = ", ".join(f"{s['stage']} {s['peak_rss_mb']:,.0f} MB" for s in stages if s.get("peak_rss_mb") is not None)
    lines.append(
        f"peak RSS {result['peak_rss_mb']:,.0f} MB (whole run, data generation included"
        + (f"; {per_stage}" if per_stage else "")
        + f"), children {result.get('peak_rss_children_mb', 0):,.0f} MB"
    )
    return lines


def _page_line(s: dict[str, Any], width: int) -> str:
    """``page:overview  warm 120 ms (budget 150)  cold 2.2 s (budget 3)  within budget``"""
    line = s["stage"].ljust(width)
    if s.get("warm_ms") is not None:
        line += f"  warm {s['warm_ms']:,.0f} ms (budget {s['budget_ms']})"
    if s.get("cold_seconds") is not None:
        line += f"  cold {s['cold_seconds']:.1f} s (budget {s['cold_budget_s']})"
    if s.get("error"):
        return line + f"  error: {s['error']}"
    return line + ("  within budget" if s.get("within_budget") else "  OVER BUDGET")


def _filter_line(s: dict[str, Any], width: int) -> str:
    """``filter:overview  20 filters  median 0.41 s  worst 1.20 s (budget 2 s)  within budget``"""
    line = f"{s['stage'].ljust(width)}  {s.get('runs', 0)} filters"
    if s.get("median_seconds") is not None:
        line += f"  median {s['median_seconds']:.2f} s  worst {s['worst_seconds']:.2f} s (budget {s['budget_s']:g} s)"
    if s.get("error"):
        return line + f"  error: {s['error']}"
    return line + ("  within budget" if s.get("within_budget") else "  OVER BUDGET")


# --- synthetic mentions ------------------------------------------------------------------

_FIRST = np.array(
    ["Ana", "Luis", "Marie", "John", "Sofia", "Pierre", "Emma", "Carlos", "Lucia", "James", "Chloe", "Diego",
     "Olivia", "Hugo", "Laura", "Noah", "Camille", "Pablo", "Grace", "Lea", "Mateo", "Ines", "Liam", "Julie"],
    dtype=object,
)
_LAST = np.array(
    ["Garcia", "Martin", "Smith", "Dubois", "Lopez", "Bernard", "Brown", "Moreau", "Sanchez", "Wilson",
     "Laurent", "Perez", "Taylor", "Simon", "Gomez", "Lefebvre", "Davies", "Diaz", "Roux", "Evans"],
    dtype=object,
)
_CITIES = np.array(
    ["London", "Madrid", "Paris", "New York", "Barcelona", "Lyon", "Manchester", "Sevilla", "Toulouse",
     "Chicago", "Valencia", "Marseille", "Boston, MA", "México", "Montréal", "Buenos Aires", "Bruxelles"],
    dtype=object,
)
_PLATFORMS = (["twitter", "instagram", "facebook", "tiktok", "youtube"], [0.5, 0.2, 0.15, 0.1, 0.05])
_BRANDS = (["Acme", "Globex", "Initech", "Umbrella"], [0.55, 0.2, 0.15, 0.1])
_KINDS = (["post", "reply", "share", "review"], [0.6, 0.25, 0.1, 0.05])
_LANGS = ["en", "es", "fr"]
_LANG_P = [0.6, 0.25, 0.15]
# (minutes east of UTC) offsets seen in exports
_OFFSETS = np.array([0, 60, 120, -300, -240, -420, 330, -180, 540, 600])

# A fragment is: opener subject verb [intensifier] adjective [tail].
_WORDS: dict[str, dict[str, list[str]]] = {
    "en": {
        "opener": ["honestly", "just saying", "wow", "ok so", "again", "finally", "so", "well", "today", "why is it that"],
        "subject": ["the delivery", "my order", "the app", "customer service", "the new update", "the price",
                    "the support team", "this product", "the store", "the refund"],
        "verb": ["was", "is", "has been", "looks", "feels", "seems"],
        "intensifier": ["really ", "so ", "very ", "quite ", "totally ", "a bit ", "extremely ", ""],
        "adjective": ["great", "terrible", "slow", "amazing", "awful", "fine", "late", "perfect", "disappointing",
                      "excellent", "broken", "good", "bad", "helpful", "useless", "fast", "expensive", "cheap",
                      "rude", "friendly"],
        "tail": ["", "", " today", " again", " as usual", " this time", " for once", " lol", "!!", " thanks",
                 " smh", " 🙂", " 😡", " 👍", ' "customer first" they said'],
    },
    "es": {
        "opener": ["la verdad", "hoy", "otra vez", "por fin", "bueno", "vaya", "pues", "increíble", "madre mía", "ayer"],
        "subject": ["el envío", "mi pedido", "la aplicación", "el servicio al cliente", "la nueva actualización",
                    "el precio", "el equipo de soporte", "este producto", "la tienda", "el reembolso"],
        "verb": ["fue", "es", "ha sido", "parece", "está"],
        "intensifier": ["muy ", "súper ", "bastante ", "demasiado ", "un poco ", "totalmente ", ""],
        "adjective": ["genial", "horrible", "lento", "increíble", "pésimo", "correcto", "tarde", "perfecto",
                      "decepcionante", "excelente", "roto", "bueno", "malo", "útil", "inútil", "rápido", "caro",
                      "barato", "grosero", "amable"],
        "tail": ["", "", " hoy", " otra vez", " como siempre", " esta vez", " por una vez", " jaja", "!!",
                 " gracias", " 🙂", " 😡", " 👍", ' "el cliente primero" dicen'],
    },
    "fr": {
        "opener": ["franchement", "encore", "enfin", "bon", "aujourd'hui", "alors", "sérieusement", "bref", "hier", "bravo"],
        "subject": ["la livraison", "ma commande", "l'application", "le service client", "la nouvelle mise à jour",
                    "le prix", "l'équipe support", "ce produit", "le magasin", "le remboursement"],
        "verb": ["était", "est", "a été", "semble", "paraît"],
        "intensifier": ["très ", "vraiment ", "trop ", "assez ", "un peu ", "complètement ", ""],
        "adjective": ["génial", "horrible", "lent", "incroyable", "nul", "correct", "en retard", "parfait",
                      "décevant", "excellent", "cassé", "bien", "mauvais", "utile", "inutile", "rapide", "cher",
                      "pas cher", "impoli", "sympa"],
        "tail": ["", "", " aujourd'hui", " encore une fois", " comme d'habitude", " cette fois", " pour une fois",
                 " mdr", "!!", " merci", " 🙂", " 😡", " 👍", ' "le client d\'abord" paraît-il'],
    },
}
_SLOTS = ("opener", "subject", "verb", "intensifier", "adjective", "tail")

# CSV columns in file order; `posted_at` is written in mixed formats.
CSV_COLUMNS = [
    "mention_id", "platform", "author", "author_name", "text", "posted_at", "brand", "likes", "shares",
    "replies", "author_followers", "location", "kind", "lang",
]
_COUNTS = ("likes", "shares", "replies", "author_followers")


def _choice(rng: np.random.Generator, options: tuple[list[str], list[float]], n: int) -> np.ndarray:
    values, p = options
    return np.array(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def _blank(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    """A copy of ``values`` with about ``share`` of the cells missing (None)."""
    out = values.astype(object)
    out[rng.random(len(values)) < share] = None
    return out


def _fragments(rng: np.random.Generator, lang_index: np.ndarray) -> np.ndarray:
    """One short sentence per row, in the row's language."""
    n = len(lang_index)
    out = np.empty(n, dtype=object)
    for li, lang in enumerate(_LANGS):
        rows = np.flatnonzero(lang_index == li)
        if not len(rows):
            continue
        words = _WORDS[lang]
        picks = [np.array(words[slot], dtype=object)[rng.integers(0, len(words[slot]), len(rows))] for slot in _SLOTS]
        opener, subject, verb, intensifier, adjective, tail = picks
        out[rows] = opener + " " + subject + " " + verb + " " + intensifier + adjective + tail
    return out


def _texts(rng: np.random.Generator, lang_index: np.ndarray, brand: np.ndarray) -> np.ndarray:
    n = len(lang_index)
    separators = np.array([". ", ", ", "\n"], dtype=object)[rng.choice(3, size=n, p=[0.7, 0.29, 0.01])]
    text = _fragments(rng, lang_index) + separators + _fragments(rng, lang_index)
    third = rng.random(n) < 0.5
    text[third] = text[third] + ". " + _fragments(rng, lang_index[third])
    tag = rng.random(n)
    at = tag < 0.3
    text[at] = "@" + brand[at] + " " + text[at]
    hashtag = tag > 0.8
    text[hashtag] = text[hashtag] + " #" + brand[hashtag]
    return text


def _timestamps(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(posted_at as the CSV writes it, the UTC ISO text the store should hold)."""
    start = np.datetime64("2023-01-01T00:00:00", "s").astype(np.int64)
    utc = start + rng.integers(0, 2 * 365 * 86400, n)
    offset = _OFFSETS[rng.integers(0, len(_OFFSETS), n)]
    local = np.datetime_as_string((utc + offset * 60).astype("datetime64[s]"), unit="s")
    utc_text = np.datetime_as_string(utc.astype("datetime64[s]"), unit="s")
    sign = np.where(offset < 0, "-", "+")
    hh = np.strings.zfill((np.abs(offset) // 60).astype(str), 2)
    mm = np.strings.zfill((np.abs(offset) % 60).astype(str), 2)
    colon = np.strings.add(np.strings.add(np.strings.add(sign, hh), ":"), mm)
    compact = np.strings.add(np.strings.add(sign, hh), mm)
    ms = np.strings.zfill(rng.integers(0, 1000, n).astype(str), 3)
    fmt = rng.choice(4, size=n, p=[0.4, 0.2, 0.25, 0.15])
    iso_offset = np.strings.add(local, colon)  # 2024-03-05T14:22:10+01:00
    zulu = np.strings.add(utc_text, "Z")  # 2024-03-05T13:22:10Z
    spaced = np.strings.add(np.strings.add(np.strings.replace(local, "T", " "), " "), compact)  # 2024-03-05 14:22:10 +0100
    fraction = np.strings.add(np.strings.add(np.strings.add(local, "."), ms), colon)  # ...T14:22:10.123+01:00
    written = np.select([fmt == 0, fmt == 1, fmt == 2], [iso_offset, zulu, spaced], fraction)
    return written.astype(object), utc_text.astype(object)


@dataclass(frozen=True)
class _Authors:
    handle: np.ndarray
    name: np.ndarray
    followers: np.ndarray


def _authors(seed: int, rows: int) -> _Authors:
    """About one author per four mentions; the same author keeps name and audience."""
    rng = np.random.default_rng([seed, 0])
    n = max(50, rows // 4)
    idx = np.arange(n)
    first, last = _FIRST[idx % len(_FIRST)], _LAST[(idx // len(_FIRST)) % len(_LAST)]
    handle = np.char.lower((first + "_" + last).astype(str)).astype(object) + idx.astype(str).astype(object)
    followers = np.minimum(rng.lognormal(5.0, 2.0, n), 50_000_000).astype(np.int64)
    return _Authors(handle=handle, name=first + " " + last, followers=followers)


def mention_chunks(rows: int, seed: int = 7, chunk: int = GEN_CHUNK) -> Iterator[pd.DataFrame]:
    """Synthetic mentions in chunks: canonical columns as the store should hold them,
    plus ``posted_at_written`` (the text the CSV carries) and ``author_written``.

    Deterministic for (rows, seed, chunk).
    """
    authors = _authors(seed, rows)
    n_authors = len(authors.handle)
    for number, begin in enumerate(range(0, rows, chunk)):
        n = min(chunk, rows - begin)
        rng = np.random.default_rng([seed, 1, number])
        # Heavy tail: a few authors write much of the volume.
        who = np.minimum((n_authors * rng.random(n) ** 3).astype(np.int64), n_authors - 1)
        platform = _choice(rng, _PLATFORMS, n)
        brand = _choice(rng, _BRANDS, n)
        lang_index = rng.choice(len(_LANGS), size=n, p=_LANG_P)
        written, utc = _timestamps(rng, n)
        handle = authors.handle[who]
        at = (platform == "twitter") & (rng.random(n) < 0.3)
        author_written = handle.copy()
        author_written[at] = "@" + handle[at]
        frame = pd.DataFrame(
            {
                "mention_id": (np.int64(1_400_000_000_000_000_000) + begin + np.arange(n)).astype(str).astype(object),
                "platform": platform,
                "author": handle,
                "author_written": author_written,
                "author_name": _blank(rng, authors.name[who], 0.1),
                "text": _texts(rng, lang_index, brand),
                "posted_at": utc,
                "posted_at_written": written,
                "brand": brand,
                "likes": pd.array(_blank(rng, rng.geometric(0.15, n) - 1, 0.1), dtype="Int64"),
                "shares": pd.array(_blank(rng, rng.geometric(0.4, n) - 1, 0.1), dtype="Int64"),
                "replies": pd.array(_blank(rng, rng.geometric(0.5, n) - 1, 0.1), dtype="Int64"),
                "author_followers": pd.array(_blank(rng, authors.followers[who], 0.05), dtype="Int64"),
                "location": _blank(rng, _CITIES[rng.integers(0, len(_CITIES), n)], 0.3),
                "kind": _choice(rng, _KINDS, n),
                "lang": _blank(rng, np.array(_LANGS, dtype=object)[lang_index], 0.1),
            }
        )
        yield frame


def write_mentions_csv(path: Path, rows: int, seed: int = 7) -> Path:
    """Write ``rows`` synthetic mentions as a UTF-8 CSV export at ``path``."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as f:
        for i, frame in enumerate(mention_chunks(rows, seed)):
            out = frame.drop(columns=["author", "posted_at"]).rename(
                columns={"author_written": "author", "posted_at_written": "posted_at"}
            )[CSV_COLUMNS]
            out.to_csv(f, header=i == 0, index=False, lineterminator="\n")
    return path


def mention_tuples(rows: int, seed: int = 7) -> tuple[list[str], Iterator[list[tuple[Any, ...]]]]:
    """The mentions of :func:`write_mentions_csv`, parsed: (stored columns, chunks of row tuples).

    Chunks, so that a million rows never sit in memory as Python objects at once.
    """
    columns = list(S.STORED_COLUMNS[S.MENTIONS])

    def chunks() -> Iterator[list[tuple[Any, ...]]]:
        for frame in mention_chunks(rows, seed):
            lists: list[list[Any]] = []
            for c in columns:
                if c == "import_id":
                    lists.append([1] * len(frame))
                elif c not in frame.columns:
                    lists.append([None] * len(frame))
                else:
                    s = frame[c]
                    lists.append(s.astype(object).where(s.notna(), None).tolist())
            yield list(zip(*lists, strict=True))

    return columns, chunks()


# --- stage: import_mentions -------------------------------------------------------------


def _baseline_insert(
    path: Path, columns: Sequence[str], chunks: Iterable[Sequence[tuple[Any, ...]]]
) -> tuple[float, float]:
    """(Wall, CPU) seconds for a plain ``executemany`` of already-built row tuples into a bare table
    (same columns and types, no key, no index), in one transaction, with the
    store's journal settings (WAL, synchronous=NORMAL).

    Only ``executemany`` and the commit are timed; building each chunk of
    tuples between calls is not (the transaction stays open meanwhile).
    """
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        types = S.STORED_COLUMNS[S.MENTIONS]
        conn.execute(f"CREATE TABLE bare ({', '.join(f'{chr(34)}{c}{chr(34)} {types[c]}' for c in columns)})")
        sql = f"INSERT INTO bare VALUES ({', '.join('?' for _ in columns)})"
        seconds = cpu = 0.0
        conn.execute("BEGIN")
        for rows in chunks:
            t0, cpu0 = time.perf_counter(), time.process_time()
            conn.executemany(sql, rows)
            seconds, cpu = seconds + time.perf_counter() - t0, cpu + time.process_time() - cpu0
        t0, cpu0 = time.perf_counter(), time.process_time()
        conn.execute("COMMIT")
        return seconds + time.perf_counter() - t0, cpu + time.process_time() - cpu0
    finally:
        conn.close()


@contextlib.contextmanager
def _file_limits_for(path: Path, rows: int, columns: int) -> Iterator[None]:
    """Raise the import's file limits (scrm.ingest.limits) to what the bench's file needs, for the
    duration: the xl file (10M rows, about 1.5 GB) is past the defaults, as it would be for a
    person importing it, who sets the same environment variables."""
    from scrm.ingest import limits as L

    need = {
        "SCRM_MAX_FILE_MB": path.stat().st_size // L.MB + 1,
        "SCRM_MAX_ROWS": rows + 1,
        "SCRM_MAX_CELLS": (rows + 1) * columns,
    }
    defaults = {
        "SCRM_MAX_FILE_MB": L.DEFAULTS.max_file_bytes // L.MB,
        "SCRM_MAX_ROWS": L.DEFAULTS.max_rows,
        "SCRM_MAX_CELLS": L.DEFAULTS.max_cells,
    }
    saved = {k: os.environ.get(k) for k in need}
    try:
        for k, value in need.items():
            if value > defaults[k] and not saved[k]:
                os.environ[k] = str(value)
        yield
    finally:
        for k, old in saved.items():
            if old is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = old


@stage("import_mentions")
def bench_import_mentions(context: BenchContext) -> StageResult:
    """Import a mentions CSV into a fresh database, next to a plain executemany of the same rows."""
    from scrm.ingest import import_file

    name = "import_mentions"
    csv_path = context.workdir / "mentions.csv"
    context.report(name, 0.0, f"writing {context.rows:,} synthetic mentions to {csv_path.name}")
    write_mentions_csv(csv_path, context.rows, context.seed)

    db_path = bench_database(context, "scrm")
    db = store.open_db(db_path)
    context.report(name, 0.0, "importing")
    context.peak.reset()
    t0, cpu0 = time.perf_counter(), time.process_time()
    try:
        with _file_limits_for(csv_path, context.rows, len(CSV_COLUMNS)):
            result = import_file(
                db, csv_path, S.MENTIONS, progress=lambda f, m: context.report(name, f, f"import: {m}")
            )
    finally:
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        peak = context.peak.current_peak()
        db.close()
    if result.rejected:
        log.warning("bench import rejected %d rows: %s", result.rejected, result.problems[:3])
    context.state["db_path"] = db_path

    context.report(name, 1.0, "baseline: executemany of the same rows into a bare table")
    columns, chunks = mention_tuples(context.rows, context.seed)
    baseline, baseline_cpu = _baseline_insert(context.workdir / "baseline.db", columns, chunks)
    return StageResult(
        stage=name,
        rows=result.rows_read,
        seconds=seconds,
        baseline_seconds=baseline,
        # CPU seconds tell a slow import from a busy machine.
        extra={
            "rejected": result.rejected,
            "cpu_seconds": round(cpu, 3),
            "baseline_cpu_seconds": round(baseline_cpu, 3),
            "peak_rss_mb": round(peak, 1),
        },
    )


# --- stage: sentiment ---------------------------------------------------------------------


def _mentions_db(context: BenchContext) -> Location:
    """The database ``import_mentions`` filled, or one filled here (untimed) when that stage did not run."""
    path = context.state.get("db_path")
    if path is not None:
        return path if isinstance(path, str) else Path(path)
    path = bench_database(context, "mentions-only")
    db = store.open_db(path)
    try:
        columns, chunks = mention_tuples(context.rows, context.seed)
        with store.transaction(db):
            for rows in chunks:
                store.upsert_rows(db, S.MENTIONS, columns, rows)
    finally:
        db.close()
    context.state["db_path"] = path
    return path


@stage("sentiment")
def bench_sentiment(context: BenchContext) -> StageResult:
    """Score every mention of the scale (texts/s; the budget is 35k/s at large on two cores)."""
    from scrm.compute import SENTIMENT_STAGE, stage_function

    name = "sentiment"
    score = stage_function(SENTIMENT_STAGE)
    context.report(name, 0.0, "preparing the mentions")
    db = store.open_db(_mentions_db(context))
    try:
        context.peak.reset()
        # The load average before and after: the two scoring workers need both
        # cores, so texts/s on a machine busy with other work says little.
        load_before = os.getloadavg()[0]
        t0, cpu0 = time.perf_counter(), time.process_time()
        summary = score(db, progress=lambda f, m: context.report(name, f, m))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        load_after = os.getloadavg()[0]
        peak = context.peak.current_peak()
        rows = int(getattr(summary, "rows", 0) or 0) or context.rows
    finally:
        db.close()
    context.report(name, 1.0, "baseline: plain vaderSentiment on one core over the same texts")
    baseline, texts = vader_baseline(_mentions_db(context))
    return StageResult(
        stage=name, rows=rows, seconds=seconds, baseline_seconds=baseline,
        extra={
            "cpu_seconds": round(cpu, 3), "peak_rss_mb": round(peak, 1),
            "load_avg_1m": [round(load_before, 2), round(load_after, 2)],
            "baseline_texts": texts,
            # How many times the baseline's speed the stage scores at (the budget: 1.6 or more).
            "baseline_ratio": round(baseline / seconds, 2) if seconds > 0 and texts else None,
        },
    )


def vader_baseline(path: Location, chunk: int = 20_000) -> tuple[float, int]:
    """(Seconds, texts) for plain ``SentimentIntensityAnalyzer.polarity_scores`` over every
    mention text of the database at ``path``, in this process (one core).

    Only the scoring is timed; texts are read in chunks so a million never sit in memory at once.
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    seconds, texts = 0.0, 0
    conn = _reader(path)
    try:
        cursor = conn.execute(f"SELECT text FROM {S.MENTIONS} WHERE text IS NOT NULL")
        while batch := cursor.fetchmany(chunk):
            t0 = time.perf_counter()
            for (text,) in batch:
                analyzer.polarity_scores(str(text))
            seconds += time.perf_counter() - t0
            texts += len(batch)
    finally:
        conn.close()
    return seconds, texts


# --- stages: one per engine step ----------------------------------------------------------------

ENGINE_STAGES = ("identity", "value", "topics", "segments", "summaries", "roles", "journey", "alerts", "workflows")
# What each engine step works through: its rows/s are per row of this table
# (the rows it writes, e.g. 93 alerts, say nothing about its speed).
ENGINE_INPUTS = {
    "identity": S.MENTIONS, "value": S.ORDERS, "topics": S.MENTIONS, "segments": S.CUSTOMERS, "summaries": S.MENTIONS,
    "roles": S.MENTIONS, "journey": S.CUSTOMERS, "alerts": S.MENTIONS, "workflows": S.MENTIONS,
}


def demo_scale_for(context: BenchContext) -> str:
    """The demo scale of the engine database: the one whose mention count is closest to the
    bench's ``rows`` (small for 100k, large for 1M, tiny for the few thousand tests use)."""
    import math

    from scrm.demo import SCALES as DEMO_SCALES

    return min(DEMO_SCALES, key=lambda name: abs(math.log(DEMO_SCALES[name].mentions / max(1, context.rows))))


def _engine_db(context: BenchContext) -> tuple[Location, dict[str, Any]]:
    """The demo database at the bench's scale, built (and sentiment-scored) once, untimed.

    Returns its path and what the preparation cost (reported by the first engine stage).
    """
    if "engine_db" in context.state:
        return context.state["engine_db"], {}
    from scrm.compute import SENTIMENT_STAGE, stage_function
    from scrm.demo import build_demo

    path = bench_database(context, "engine")
    scale = demo_scale_for(context)
    t0 = time.perf_counter()
    db = store.open_db(path)
    try:
        build_demo(db, seed=context.seed, scale=scale, progress=lambda f, m: context.report("engine", f, f"demo: {m}"))
        built = time.perf_counter() - t0
        score = stage_function(SENTIMENT_STAGE)
        score(db, progress=lambda f, m: context.report("engine", f, f"sentiment: {m}"))
    finally:
        db.close()
    context.state["engine_db"] = path
    prep = {"demo_scale": scale, "prep_demo_seconds": round(built, 3), "prep_seconds": round(time.perf_counter() - t0, 3)}
    return path, prep


def _engine_stage(name: str) -> StageFunction:
    def run(context: BenchContext) -> StageResult:
        from scrm.compute import stage_function

        refresh = stage_function(name)
        path, prep = _engine_db(context)
        db = store.open_db(path)
        try:
            context.peak.reset()
            t0, cpu0 = time.perf_counter(), time.process_time()
            summary = refresh(db, progress=lambda f, m: context.report(name, f, m))
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            context.state.setdefault("engine_done", set()).add(name)
            peak = context.peak.current_peak()
            table = ENGINE_INPUTS[name]
            rows = int(db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        finally:
            db.close()
        return StageResult(
            stage=name, rows=rows, seconds=seconds,
            extra={
                "input": table, "rows_written": int(getattr(summary, "rows", 0) or 0), **prep,
                "cpu_seconds": round(cpu, 3), "peak_rss_mb": round(peak, 1),
            },
        )

    run.__doc__ = f"Recompute the {name} tables of the demo database at the bench's scale."
    return run


for _name in ENGINE_STAGES:
    stage(_name)(_engine_stage(_name))


@stage("kpis")
def bench_kpis(context: BenchContext) -> StageResult:
    """Compute the KPI dictionary over the whole engine database (what `report kpis` and the app do)."""
    from scrm.views.kpis import compute_kpis

    path, prep = _engine_db(context)
    db = store.open_db(path)
    try:
        context.report("kpis", 0.0, "computing every KPI")
        context.peak.reset()
        t0 = time.perf_counter()
        compute_kpis(db)
        seconds = time.perf_counter() - t0
        peak = context.peak.current_peak()
        rows = int(db.execute(f"SELECT count(*) FROM {S.MENTIONS}").fetchone()[0])
    finally:
        db.close()
    return StageResult(stage="kpis", rows=rows, seconds=seconds, extra={**prep, "peak_rss_mb": round(peak, 1)})


# --- stages: one per dashboard page ----------------------------------------------------------
# The budgets: every page's warm rerun under 150 ms on the server, the
# first page after a cold start under 3 s. Each page is measured in a fresh
# Python process (cold imports, empty Streamlit caches) that drives the real
# ``app.py`` through Streamlit's AppTest, routed to the page.

PAGES = (
    "overview", "listening", "segments", "customer", "journey", "advocates", "alerts",
    "cases", "rules", "identity", "privacy", "data", "sources", "settings",
)
PAGE_WARM_BUDGET_MS = 150
PAGE_COLD_BUDGET_S = 3
PAGE_WARM_RUNS = 5
# Generous: an over-budget page must still report its figures rather than a timeout.
PAGE_TIMEOUT_S = 600
# The folder holding app.py and pages/ (a setting so that tests can point at a stand-in app).
APP_ROOT = Path(__file__).resolve().parent.parent
_PAGE_RESULT = "SCRM_PAGE_RESULT "

# The child runs scrm/ui/page_probe.py by its path (not as a module, so that
# only Streamlit is imported before the timer starts): Streamlit code stays in
# scrm/ui, the one place of the engine allowed to import it.
_PAGE_PROBE = Path(__file__).resolve().parent / "ui" / "page_probe.py"


def measure_page(
    page_file: str,
    db_path: Location,
    query: dict[str, str] | None = None,
    *,
    warm_runs: int = PAGE_WARM_RUNS,
    app_root: Path | None = None,
    timeout: float = PAGE_TIMEOUT_S,
) -> dict[str, Any]:
    """Open ``page_file`` (relative to the app, e.g. ``pages/overview.py``) in a fresh Python
    process with ``$SCRM_DB`` = ``db_path``; time its first run, then ``warm_runs`` reruns.

    Returns ``{"cold_seconds", "warm_seconds": [...], "peak_rss_mb"}`` plus ``"error"`` when
    the page raised, showed an error or the process failed (never raises for those).
    """
    root = Path(app_root or APP_ROOT)
    env = {**os.environ, store.ENV_DB: str(db_path)}
    # The child imports scrm from the app's folder, whatever the caller's path.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    argv = [sys.executable, str(_PAGE_PROBE), str(root / "app.py"), page_file, json.dumps(query or {}),
            str(warm_runs), str(timeout)]
    try:
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=timeout + 60)
    except subprocess.TimeoutExpired:
        return {"error": f"{page_file} did not finish within {timeout + 60:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith(_PAGE_RESULT)]
    if not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": f"{page_file}: the page process ended with code {done.returncode}: {' | '.join(tail)}"[:500]}
    result: dict[str, Any] = json.loads(lines[-1][len(_PAGE_RESULT):])
    if "traceback" in result:
        log.warning("bench %s failed:\n%s", page_file, result.pop("traceback"))
    cause = _logged_exception(done.stderr) if "error" in result else None
    if cause and cause.split(": ", 1)[-1] not in result["error"]:
        # The app's error funnel shows an apology and logs the traceback: name the cause.
        result["error"] = f"{result['error']} Server log: {cause}"[:1000]
    return result


def _logged_exception(log_text: str) -> str | None:
    """The last exception line of the last traceback in a server log, e.g. ``ValueError: ...``."""
    tail = log_text.rsplit("Traceback (most recent call last):", 1)
    if len(tail) < 2:
        return None
    lines = [line for line in tail[1].splitlines() if line and not line.startswith((" ", "\t", "^"))]
    return lines[0].strip() if lines else None


def _pages_db(context: BenchContext) -> tuple[Location, dict[str, Any]]:
    """The engine database with every compute stage up to date (what the app shows), untimed.

    Builds on :func:`_engine_db` and runs only the compute stages the engine
    stages of this bench did not run already.
    """
    if "pages_db" in context.state:
        return context.state["pages_db"], {}
    from scrm import api
    from scrm.compute import SENTIMENT_STAGE, STAGE_NAMES

    path, prep = _engine_db(context)
    # The workflows and journey stages run again whatever the engine stages did: on the
    # demo, api.score simulates the team's casework after the rules and the journeys read it.
    # The summaries stage runs again too: timed as an engine stage it does not record the data
    # version it summed, and the pages read the summaries only when that version is current.
    again = {"workflows", "journey", "summaries"}
    done = set(context.state.get("engine_done", ())) - again
    missing = tuple(n for n in STAGE_NAMES if n != SENTIMENT_STAGE and n not in done)
    t0 = time.perf_counter()
    db = store.open_db(path)
    try:
        # What ``python -m scrm score`` leaves for the first visitor: the scores,
        # the demo team's casework and the stored page summaries of the data version.
        api.score(db, stages=missing, progress=lambda f, m: context.report("pages", f, f"scoring: {m}"))
        scored = time.perf_counter()
    finally:
        db.close()
    context.state["pages_db"] = path
    return path, {
        **prep,
        "prep_scoring_seconds": round(scored - t0, 3),
    }


def _page_query(page: str, path: Location) -> dict[str, str]:
    """The link a page is opened with: the customer card needs a customer (the most valuable one)."""
    if page != "customer":
        return {}
    conn = _reader(path)
    try:
        for sql in (
            f"SELECT customer_id FROM {S.CUSTOMER_VALUE} ORDER BY clv DESC LIMIT 1",
            f"SELECT customer_id FROM {S.CUSTOMERS} ORDER BY customer_id LIMIT 1",
        ):
            try:
                row = conn.execute(sql).fetchone()
            except Exception:  # no value table yet (on either engine): any customer will do
                continue
            if row:
                return {"customer": str(row[0])}
    finally:
        conn.close()
    return {}


def _page_stage(page: str) -> StageFunction:
    def run(context: BenchContext) -> StageResult:
        name = f"page:{page}"
        page_file = f"pages/{page}.py"
        root = Path(context.state.get("app_root", APP_ROOT))
        try:
            path, prep = _pages_db(context)
            query = _page_query(page, path)
            conn = _reader(path)
            try:
                rows = int(conn.execute(f"SELECT count(*) FROM {S.MENTIONS}").fetchone()[0])
            finally:
                conn.close()
        except Exception as e:  # the bench goes on to the next stage
            log.exception("bench %s: preparing the database failed", name)
            return StageResult(stage=name, rows=0, seconds=0.0, extra={"rows_per_s": None, "error": str(e)[:500]})
        context.report(name, 0.0, "cold start, then warm reruns")
        measured = measure_page(page_file, path, query, app_root=root)
        warm = measured.get("warm_seconds") or []
        warm_s = statistics.median(warm) if warm else None
        cold_s = measured.get("cold_seconds")
        extra: dict[str, Any] = {
            "rows_per_s": None,  # a page is not a throughput: see warm_ms and cold_seconds
            "cold_seconds": None if cold_s is None else round(cold_s, 3),
            "warm_ms": None if warm_s is None else round(warm_s * 1000, 1),
            "warm_runs": len(warm),
            "budget_ms": PAGE_WARM_BUDGET_MS,
            "cold_budget_s": PAGE_COLD_BUDGET_S,
            "within_budget": (
                "error" not in measured and warm_s is not None and cold_s is not None
                and warm_s * 1000 <= PAGE_WARM_BUDGET_MS and cold_s <= PAGE_COLD_BUDGET_S
            ),
            **({"query": query} if query else {}),
            **prep,
        }
        if measured.get("peak_rss_mb") is not None:
            extra["peak_rss_mb"] = round(measured["peak_rss_mb"], 1)
        if "error" in measured:
            extra["error"] = measured["error"]
        return StageResult(stage=name, rows=rows, seconds=warm_s or 0.0, extra=extra)

    run.__doc__ = f"Open the {page} page after a cold start, then rerun it warm (server-side times)."
    return run


for _page in PAGES:
    stage(f"page:{_page}")(_page_stage(_page))


# --- stages: one per page, under filters never seen before ------------------------------------
# DESIGN.md: "a filter combination never seen before answered under 2 s". Each
# stage calls the reads a page makes (its scrm/views functions, not Streamlit)
# with random filter combinations (dates, brand, platform, language, segment),
# seeded, so every run asks the same never-stored questions of a fresh database.

FILTER_RUNS = 20
FILTER_BUDGET_S = 2.0
# Lengths of the random date ranges, in days: a week to a year.
FILTER_SPANS = (7, 14, 28, 30, 60, 90, 120, 180, 365)

PageReads = Callable[[Any, Any], object]


@dataclass(frozen=True)
class FilterChoices:
    """What the sidebar offers on a database: the values random filters pick from."""

    first_day: str | None
    last_day: str | None
    brands: tuple[str, ...]
    platforms: tuple[str, ...]
    langs: tuple[str, ...]
    segments: tuple[int, ...]


def filter_choices(db: Any) -> FilterChoices:
    """The brands, platforms, detected languages, segments and days of the mentions of ``db``."""

    def values(sql: str) -> tuple[Any, ...]:
        try:
            return tuple(r[0] for r in db.execute(sql).fetchall() if r[0] not in (None, ""))
        except Exception:  # a derived table not computed yet: that filter is not offered
            return ()

    first, last = db.execute(f"SELECT min(posted_at), max(posted_at) FROM {S.MENTIONS}").fetchone()
    return FilterChoices(
        first_day=None if first is None else str(first)[:10],
        last_day=None if last is None else str(last)[:10],
        brands=values(f"SELECT DISTINCT brand FROM {S.MENTIONS} ORDER BY 1"),
        platforms=values(f"SELECT DISTINCT platform FROM {S.MENTIONS} ORDER BY 1"),
        langs=values(f"SELECT DISTINCT lang FROM {S.SENTIMENT} ORDER BY 1"),
        segments=tuple(int(v) for v in values(f"SELECT DISTINCT segment_id FROM {S.SEGMENTS} ORDER BY 1")),
    )


def random_filters(choices: FilterChoices, n: int = FILTER_RUNS, seed: int = 7) -> list[Any]:
    """``n`` distinct random filter combinations over ``choices``, none of them the default view.

    Deterministic for (choices, n, seed).

    >>> c = FilterChoices("2024-01-01", "2024-12-31", ("A", "B"), ("x",), ("en", "fr"), (0, 1))
    >>> fs = random_filters(c, 5, seed=1)
    >>> len(fs), len(set(fs)), all(f.date_from and f.date_to for f in fs)
    (5, 5, True)
    """
    import datetime as dt

    from scrm.db.filters import Filters

    rng = np.random.default_rng([seed, 17])
    first = dt.date.fromisoformat(choices.first_day or "2024-01-01")
    last = dt.date.fromisoformat(choices.last_day or choices.first_day or "2024-12-31")
    total = max(1, (last - first).days + 1)

    def some(options: tuple[Any, ...]) -> tuple[Any, ...]:
        if not options or rng.random() < 0.5:
            return ()
        k = int(rng.integers(1, min(2, len(options)) + 1))
        return tuple(sorted(options[i] for i in rng.choice(len(options), size=k, replace=False)))

    out: list[Any] = []
    seen: set[Any] = set()
    for _ in range(n * 50):
        if len(out) == n:
            break
        span = min(total, int(rng.choice(FILTER_SPANS)))
        start = first + dt.timedelta(days=int(rng.integers(0, max(1, total - span + 1))))
        end = start + dt.timedelta(days=span - 1)
        segment = None
        if choices.segments and rng.random() < 0.4:
            segment = int(choices.segments[int(rng.integers(0, len(choices.segments)))])
        f = Filters(
            date_from=start.isoformat(), date_to=end.isoformat(), brands=some(choices.brands),
            platforms=some(choices.platforms), langs=some(choices.langs), segment=segment,
        )
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


def filter_words(f: Any) -> str:
    """A filter combination in one line for the JSON report.

    >>> from scrm.db.filters import Filters
    >>> filter_words(Filters("2026-01-01", "2026-03-31", brands=("Velora",), langs=("en", "fr"), segment=2))
    '2026-01-01..2026-03-31 (90 days); brand Velora; language en, fr; segment 2'
    """
    import datetime as dt

    days = (dt.date.fromisoformat(f.date_to) - dt.date.fromisoformat(f.date_from)).days + 1 if f.date_from and f.date_to else None
    parts = [f"{f.date_from or ''}..{f.date_to or ''}" + (f" ({days} days)" if days else "")]
    for name, values in (("brand", f.brands), ("platform", f.platforms), ("language", f.langs)):
        if values:
            parts.append(f"{name} {', '.join(values)}")
    if f.segment is not None:
        parts.append(f"segment {f.segment}")
    return "; ".join(parts)


def _overview_reads(db: Any, f: Any) -> object:
    from scrm.views import overview as O

    periods = O.stored_periods(db, f)
    if periods is None:
        return None
    O.stored_kpi_summary(db, f, periods)
    O.stored_weekly_trends(db, f, *O.trend_range(periods))
    for kind in O.MOVER_KINDS:
        O.stored_top_movers(db, f, periods, kind)
    return O.open_alerts(db, f, periods)


def _listening_reads(db: Any, f: Any) -> object:
    import dataclasses

    from scrm.db import search
    from scrm.views import listening as V

    V.volume_over_time(db, f, by="platform", period="week")
    V.volume_over_time(db, dataclasses.replace(f, brands=()), by="brand", period="week")
    V.share_of_voice(db, f)
    V.topic_summary(db, f)
    V.top_authors(db, f, 25)
    V.mention_places(db, f)
    V.communication_modes(db, f)
    return search.search_mentions(db, "", f, refresh=False)


def _segments_reads(db: Any, f: Any) -> object:
    from scrm.views import segments as V

    values = V.customer_values(db, f)
    V.cluster_profiles(db, values, f)
    V.value_sentiment(values, V.customer_sentiment(db, f))
    V.rfm_grid(values)
    V.rfm_segment_summary(values)
    return V.frequency_class_summary(values)


def _advocates_reads(db: Any, f: Any) -> object:
    from scrm.views import advocates as A

    roles = A.role_table(db, f, notable_only=True)
    return A.detractors_at_risk(roles, A.recent_sentiment(db, f))


def _alerts_reads(db: Any, f: Any) -> object:
    from scrm.views import listening as V

    return V.alerts_feed(db, f)


def _journey_reads(db: Any, f: Any) -> object:
    from scrm.views import journey as J

    J.stage_funnel(db, f)
    J.stage_time(db, f)
    return J.feedback_by(db, f, by="phase")


def _customer_reads(db: Any, f: Any) -> object:
    from scrm.views import customer as C

    row = db.execute(f"SELECT customer_id FROM {S.CUSTOMERS} ORDER BY customer_id LIMIT 1").fetchone()
    return None if row is None else C.customer_timeline(db, str(row[0]), f)


def _cases_reads(db: Any, f: Any) -> object:
    from scrm.act import cases
    from scrm.views.kpis import stored_case_frame

    # As the page reads them: the case frame stored per data version, summarised for the range.
    return cases.case_kpis(db, f.date_from, f.date_to, store.utcnow(), frame=stored_case_frame(db))


# The reads each page makes with the sidebar's filters; pages without filters have none.
FILTER_READS: dict[str, PageReads] = {
    "overview": _overview_reads,
    "listening": _listening_reads,
    "segments": _segments_reads,
    "customer": _customer_reads,
    "journey": _journey_reads,
    "advocates": _advocates_reads,
    "alerts": _alerts_reads,
    "cases": _cases_reads,
}


def _filter_stage(page: str) -> StageFunction:
    def run(context: BenchContext) -> StageResult:
        name = f"filter:{page}"
        reads = FILTER_READS.get(page)
        if reads is None:
            return StageResult(stage=name, rows=0, seconds=0.0,
                               extra={"rows_per_s": None, "skipped": "the page has no filters"})
        try:
            path, prep = _pages_db(context)
        except Exception as e:  # the bench goes on to the next stage
            log.exception("bench %s: preparing the database failed", name)
            return StageResult(stage=name, rows=0, seconds=0.0, extra={"rows_per_s": None, "error": str(e)[:500]})
        db = store.open_db(path)
        try:
            rows = int(db.execute(f"SELECT count(*) FROM {S.MENTIONS}").fetchone()[0])
            # The same seed on every page: each page answers the same 20 questions.
            combos = random_filters(filter_choices(db), FILTER_RUNS, context.seed)
            context.peak.reset()
            times: list[float] = []
            runs: list[dict[str, Any]] = []  # each filter with its time: which combinations are the slow ones
            error = None
            for i, f in enumerate(combos):
                context.report(name, i / max(1, len(combos)), "a filter never seen before")
                t0 = time.perf_counter()
                try:
                    reads(db, f)
                except Exception as e:  # report it with the figures so far
                    log.exception("bench %s failed on %s", name, f)
                    error = f"{type(e).__name__}: {e}"[:500]
                    break
                times.append(time.perf_counter() - t0)
                runs.append({"seconds": round(times[-1], 3), "filters": filter_words(f)})
            peak = context.peak.current_peak()
        finally:
            db.close()
        worst = max(times) if times else None
        extra: dict[str, Any] = {
            "rows_per_s": None,  # a page is not a throughput: see median_seconds and worst_seconds
            "runs": len(times),
            "median_seconds": round(statistics.median(times), 3) if times else None,
            "worst_seconds": None if worst is None else round(worst, 3),
            "budget_s": FILTER_BUDGET_S,
            "within_budget": error is None and worst is not None and worst <= FILTER_BUDGET_S,
            "per_run": runs,
            "peak_rss_mb": round(peak, 1),
            **prep,
        }
        if error:
            extra["error"] = error
        return StageResult(stage=name, rows=rows, seconds=sum(times), extra=extra)

    run.__doc__ = f"Ask the {page} page's reads {FILTER_RUNS} random filter combinations never seen before."
    return run


for _page in PAGES:
    stage(f"filter:{_page}")(_filter_stage(_page))
