"""Presets: ready-made imports of well-known exports.

A preset turns one export format into canonical frames (column names from
:mod:`scrm.db.schema`), so ``import_file(db, path, "orders", mapping="online-retail")``
needs no column boxes. Its ``read`` returns the raw table (text cells, index =
row number as the file shows it) and its ``transform`` returns
``{kind: frame}`` with the preset's main kind first; each frame's index is the
source row of the (first) line the row came from, so quarantine entries point
at the right place.

Convention shared with the importer: a frame may carry a ``_problem`` column.
Rows where it is set are quarantined whole with that text as the reason; the
preset uses it when a row cannot be built faithfully (an invoice with a line
whose quantity is unreadable must not be stored with a silently smaller amount).

Identifiers (stable across re-imports, so a second import reports "0 new"):

- ``online-retail``: order_id = InvoiceNo (``C...`` for cancellations);
  customer_id = CustomerID as integer text (``17850.0`` -> ``17850``).
- ``airline-tweets`` and ``spotify-support``: mention_id = tweet_id.
- ``cdnow``: customer_id = the file's customer id as written (``00004``; the
  zero padding is kept because ``4`` would collide with the sample file's own
  1..2357 numbering used by ``cdnow_customers_summary.csv``); order_id =
  ``<customer>-<YYYYMMDD>``, with ``-2``, ``-3``... for further purchases of
  the same customer on the same day in file order. The sample file holds
  exactly the master file's lines of its customers, in the same order, so both
  files give the same ids to the same purchases.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from scrm.db import schema as S
from scrm.errors import ImportRejected, MissingColumns
from scrm.ingest.mapping import normalise_header
from scrm.ingest.preset_types import FILE_NAME_ATTR, ISO, Preset, Reader, Source, Transform, detect_preset

log = logging.getLogger(__name__)

__all__ = ["FILE_NAME_ATTR", "ISO", "PRESETS", "Preset", "Reader", "Source", "Transform", "detect_preset"]


# --- helpers -------------------------------------------------------------------------


def _file_name(raw: pd.DataFrame) -> str:
    return str(raw.attrs.get(FILE_NAME_ATTR) or "The file")


def _named(frame: pd.DataFrame, file_name: str | None) -> pd.DataFrame:
    if file_name:
        frame.attrs[FILE_NAME_ATTR] = file_name
    return frame


def _read_standard(source: Source, file_name: str | None = None) -> pd.DataFrame:
    """The standard reader, remembering the file name for the transform's messages."""
    from scrm.ingest.readers import read_table

    return _named(read_table(source, file_name), file_name or _source_name(source))


def _source_name(source: Source) -> str | None:
    return None if isinstance(source, bytes) else Path(source).name


def _source_bytes(source: Source, name: str) -> bytes:
    """The file's bytes, unpacked if gzip and within the limits for files (:func:`scrm.ingest.readers.load_bytes`)."""
    from scrm.ingest.readers import load_bytes

    return load_bytes(source, name)


def _columns(raw: pd.DataFrame, preset: str, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, str]:
    """Map the export's documented headers to the raw frame's actual headers.

    Headers match after :func:`normalise_header`, so a re-saved file with
    ``Invoice No`` instead of ``InvoiceNo`` still works.
    """
    actual: dict[str, str] = {}
    for header in raw.columns:
        actual.setdefault(normalise_header(header), str(header))
    found: dict[str, str] = {}
    missing: list[str] = []
    for header in (*required, *optional):
        match = actual.get(normalise_header(header))
        if match is not None:
            found[header] = match
        elif header in required:
            missing.append(header)
    if missing:
        headers = ", ".join(str(h) for h in raw.columns) or "(none)"
        noun = "column" if len(missing) == 1 else "columns"
        raise MissingColumns(
            f"{_file_name(raw)} cannot be imported with the preset '{preset}': no {noun} "
            f"{', '.join(f'`{m}`' for m in missing)}. Its headers are: {headers}. The preset reads files "
            f"with the columns {', '.join(required)}; use it only on that export, or import the file "
            "without a preset."
        )
    return found


def _text(s: pd.Series) -> pd.Series:
    """Cells as trimmed text; blank cells become missing."""
    t = s.astype("string").str.strip()
    return t.mask((t == "").fillna(False))


def _integral_text(s: pd.Series) -> pd.Series:
    """'17850.0' -> '17850': spreadsheets and pandas exports turn numeric ids into floats."""
    t = _text(s)
    # Two patterns without back-references: pyarrow runs them vectorised (RE2).
    integral = t.str.fullmatch(r"\d+\.0+").fillna(False)
    return t.where(~integral, t.str.replace(r"\.0+$", "", regex=True))


def _iso_with_format(s: pd.Series, fmt: str) -> pd.Series:
    """Text in a known format -> stored UTC ISO text; unparseable cells stay as written.

    Leaving them as written lets the importer quarantine them with its own
    message instead of the preset losing them silently.
    """
    text = _text(s)
    parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    return parsed.dt.strftime(ISO).astype("string").where(parsed.notna(), text)


def _min_iso_per(keys: pd.Series, iso: pd.Series) -> pd.Series:
    """The earliest ISO timestamp per key (ISO text sorts as time); text that is not ISO is ignored."""
    valid = iso.str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$").fillna(False)
    return iso[valid].groupby(keys[valid], sort=False).min()


# --- online-retail -------------------------------------------------------------------

_RETAIL = "online-retail"


def _line_problems(rows: pd.Index, raw: pd.Series, parsed: pd.Series, bad: pd.Series, header: str) -> pd.Series:
    """'row 12, column `Quantity`: ...' for each unreadable or empty cell, missing elsewhere."""
    out = pd.Series(pd.NA, index=rows, dtype="string")
    unreadable = bad.to_numpy(dtype=bool)
    empty = parsed.isna().to_numpy(dtype=bool) & ~unreadable
    if unreadable.any():
        where = "row " + pd.Series(rows[unreadable].astype(str), index=rows[unreadable]) + f", column `{header}`: '"
        value = raw[unreadable].astype("string").str.strip()
        out[unreadable] = where + value + "' is not a number. Use digits with `.` or `,` as decimal mark."
    if empty.any():
        out[empty] = (
            "row " + pd.Series(rows[empty].astype(str), index=rows[empty])
            + f", column `{header}` is empty. Every invoice line needs a quantity and a unit price."
        )
    return out


def _join_problems(a: pd.Series, b: pd.Series) -> pd.Series:
    """Both texts where both rows have one, else whichever there is."""
    return a.where(b.isna(), (a + "; " + b).fillna(b))


def transform_online_retail(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """UCI Online Retail invoice lines -> one order per invoice and one customer per CustomerID.

    Amount = sum of Quantity x UnitPrice rounded to cents (cancellations,
    ``C...`` invoices, come out negative); items = sum of Quantity; orders
    without CustomerID are guest orders. An invoice with a line whose quantity
    or price is unreadable or empty gets a ``_problem`` (the importer
    quarantines it) rather than a wrong amount. Vectorised (no Python loop
    over lines): the 541,909 lines of the real file take about half a second.
    """
    from scrm.ingest.values import parse_datetimes, parse_numbers

    cols = _columns(raw, _RETAIL, ["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"], ["Country"])
    rows = raw.index
    invoice = _integral_text(raw[cols["InvoiceNo"]])
    qty, qty_bad = parse_numbers(raw[cols["Quantity"]])
    price, price_bad = parse_numbers(raw[cols["UnitPrice"]])
    qty_bad, price_bad = qty_bad.fillna(False).astype(bool), price_bad.fillna(False).astype(bool)
    problem = _join_problems(
        _line_problems(rows, raw[cols["Quantity"]], qty, qty_bad, cols["Quantity"]),
        _line_problems(rows, raw[cols["UnitPrice"]], price, price_bad, cols["UnitPrice"]),
    )

    lines = pd.DataFrame(
        {
            "invoice": invoice,
            "row": rows.to_numpy(),
            "customer": _integral_text(raw[cols["CustomerID"]]),
            "date": _text(raw[cols["InvoiceDate"]]),
            "country": _text(raw[cols["Country"]]) if "Country" in cols else pd.Series(pd.NA, index=rows, dtype="string"),
            "qty": qty.astype(float),
            "value": qty.astype(float) * price.astype(float),
        },
        index=rows,
    )

    # Lines without an invoice number cannot be grouped: each becomes its own
    # (quarantined) order so the user sees the row.
    orphan = lines["invoice"].isna()
    grouped = lines[~orphan].groupby("invoice", sort=False)
    orders = grouped.agg(
        row=("row", "first"),
        customer_id=("customer", "first"),  # first non-empty: guest lines never share an invoice with a customer
        ordered_at=("date", "first"),
        country=("country", "first"),
        amount=("value", "sum"),
        items=("qty", "sum"),
    )
    orders.index.name = "order_id"
    orders = orders.reset_index()

    line_problems = problem[~orphan & problem.notna()]
    if len(line_problems):
        joined = line_problems.groupby(lines.loc[line_problems.index, "invoice"], sort=False).agg("; ".join)
        orders["_problem"] = orders["order_id"].map(joined).astype("string")
    else:
        orders["_problem"] = pd.Series(pd.NA, index=orders.index, dtype="string")

    if orphan.any():
        lost = lines[orphan]
        orphans = pd.DataFrame(
            {
                "order_id": pd.Series(pd.NA, index=lost.index, dtype="string"),
                "row": lost["row"],
                "customer_id": lost["customer"],
                "ordered_at": lost["date"],
                "country": lost["country"],
                "amount": lost["value"],
                "items": lost["qty"],
                "_problem": [
                    f"row {r}, column `{cols['InvoiceNo']}` is empty. Every invoice line needs an invoice number."
                    for r in lost["row"]
                ],
            }
        )
        orders = pd.concat([orders, orphans], ignore_index=True)

    # Dates: parsed once per invoice (not per line). Unparseable ones stay as
    # written so the importer quarantines the order with its own message.
    parsed, _ = parse_datetimes(orders["ordered_at"])
    orders["ordered_at"] = parsed.astype("string").where(parsed.notna(), orders["ordered_at"])

    amount = orders["amount"].round(2)
    items = orders["items"]
    integral = bool(((items == items.round()) | items.isna()).all())
    order_frame = pd.DataFrame(
        {
            "order_id": orders["order_id"].astype("string"),
            "customer_id": orders["customer_id"].astype("string"),
            "ordered_at": orders["ordered_at"],
            "amount": amount + 0.0,  # + 0.0 turns -0.0 into 0.0
            "currency": "GBP",
            "channel": "online",
            "category": pd.Series(None, index=orders.index, dtype=object),
            "items": items.round().astype("Int64") if integral else items,
            "_problem": orders["_problem"],
        }
    )
    order_frame.index = pd.Index(orders["row"].to_numpy(), name=None)
    order_frame = order_frame.sort_index()

    customers = _retail_customers(orders)
    return {S.ORDERS: order_frame, S.CUSTOMERS: customers}


def _retail_customers(orders: pd.DataFrame) -> pd.DataFrame:
    """One row per customer: country of most invoices (ties: the earliest), first invoice date."""
    known = orders[orders["customer_id"].notna()]
    first_row = known.groupby("customer_id", sort=False)["row"].min()
    created = _min_iso_per(known["customer_id"], known["ordered_at"].astype("string"))
    with_country = known[known["country"].notna()]
    votes = (
        with_country.groupby(["customer_id", "country"], sort=False)
        .agg(n=("row", "size"), first=("row", "min"))
        .reset_index()
        .sort_values(["customer_id", "n", "first"], ascending=[True, False, True])
        .drop_duplicates("customer_id")
        .set_index("customer_id")["country"]
    )
    ids = first_row.index
    frame = pd.DataFrame(
        {
            "customer_id": ids.astype("string").to_numpy(),
            "country": votes.reindex(ids).astype("string").to_numpy(),
            "created_at": created.reindex(ids).astype("string").to_numpy(),
        },
        index=pd.Index(first_row.to_numpy()),
    )
    return frame.sort_index()


# --- airline-tweets -------------------------------------------------------------------

_AIRLINE = "airline-tweets"


def _tweet_kind(text: pd.Series) -> pd.Series:
    """'share' for retweets ("RT @..."), 'reply' for tweets that open with a handle, else 'post'."""
    t = text.fillna("").str.lstrip()
    kind = np.where(t.str.startswith("RT @"), "share", np.where(t.str.startswith("@"), "reply", "post"))
    return pd.Series(kind, index=text.index, dtype="string")


def transform_airline_tweets(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Kaggle "Twitter US Airline Sentiment" (Tweets.csv) -> mentions.

    The sentiment labels and reasons are left out: they are validation truth,
    not data. Duplicate tweet rows are kept; the importer counts them.
    """
    cols = _columns(raw, _AIRLINE, ["tweet_id", "name", "text", "tweet_created", "airline"],
                    ["retweet_count", "tweet_location"])
    tweet_id = _integral_text(raw[cols["tweet_id"]])
    author = _text(raw[cols["name"]]).str.lstrip("@")
    text = raw[cols["text"]].astype("string")
    url = ("https://twitter.com/" + author + "/status/" + tweet_id).astype("string")
    frame = pd.DataFrame(
        {
            "mention_id": tweet_id,
            "platform": "twitter",
            "author": author,
            "text": text,
            "posted_at": _iso_with_format(raw[cols["tweet_created"]], "%Y-%m-%d %H:%M:%S %z"),
            "url": url,
            "kind": _tweet_kind(text),
            "brand": _text(raw[cols["airline"]]),
        },
        index=raw.index,
    )
    if "retweet_count" in cols:
        frame["shares"] = _text(raw[cols["retweet_count"]])
    if "tweet_location" in cols:
        frame["location"] = _text(raw[cols["tweet_location"]])
    return {S.MENTIONS: frame}


# --- spotify-support ------------------------------------------------------------------

_SPOTIFY = "spotify-support"
# Stands in for a bare carriage return while the CSV is parsed; ASCII "record
# separator", which no text export uses.
_CR_STAND_IN = "\x1e"


def read_keeping_bare_cr(source: Source, file_name: str | None = None) -> pd.DataFrame:
    """Read a CSV whose texts hold bare carriage returns (``\\r`` without ``\\n``).

    The TWCS export behind support_requests.csv has tweets with ``\\r\\r``
    inside unquoted cells; a CSV parser takes each ``\\r`` for the end of a
    record and splits 7 tweets into 15 broken rows (pandas reads "15,103 rows";
    the file has 15,096 records). In a file whose lines end in ``\\n`` a bare
    ``\\r`` cannot end a record, so it is parsed as part of the cell and
    given back as a line break.
    """
    name = file_name or _source_name(source) or "the uploaded file"
    data = _source_bytes(source, name)
    stand_in = _CR_STAND_IN.encode()
    fix = b"\n" in data and re.search(rb"\r(?!\n)", data) is not None and stand_in not in data
    if fix:
        log.info("%s: bare carriage returns inside cells kept as line breaks", name)
        data = re.sub(rb"\r(?!\n)", stand_in, data)
    raw = _read_standard(data, name)
    if fix:
        raw = raw.copy()
        for column in raw.columns:
            if raw[column].dtype == object or pd.api.types.is_string_dtype(raw[column].dtype):
                raw[column] = raw[column].str.replace(_CR_STAND_IN, "\n", regex=False)
    return _named(raw, name)


def transform_spotify_support(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Customer tweets to @SpotifyCares (TWCS extract, support_requests.csv) -> mentions.

    ``in_response_to_tweet_id`` keeps the thread (``848.0`` -> ``848``);
    ``inbound`` True means a customer wrote it, so ``from_brand`` is its
    negation. The unnamed index columns are not data and are dropped.
    """
    from scrm.ingest.values import parse_bools

    cols = _columns(raw, _SPOTIFY, ["tweet_id", "author_id", "text", "created_at"],
                    ["inbound", "in_response_to_tweet_id"])
    index = raw.index
    in_reply_to = (
        _integral_text(raw[cols["in_response_to_tweet_id"]]) if "in_response_to_tweet_id" in cols
        else pd.Series(pd.NA, index=index, dtype="string")
    )
    if "inbound" in cols:
        inbound, _ = parse_bools(_text(raw[cols["inbound"]]))
        from_brand = ~inbound.astype("boolean")
    else:
        from_brand = pd.Series(pd.NA, index=index, dtype="boolean")
    kind = pd.Series(np.where(in_reply_to.notna(), "reply", "post"), index=index, dtype="string")
    frame = pd.DataFrame(
        {
            "mention_id": _integral_text(raw[cols["tweet_id"]]),
            "platform": "twitter",
            "author": _integral_text(raw[cols["author_id"]]),
            "text": raw[cols["text"]].astype("string"),
            "posted_at": _iso_with_format(raw[cols["created_at"]], "%a %b %d %H:%M:%S %z %Y"),
            "kind": kind,
            "in_reply_to": in_reply_to,
            "brand": "Spotify",
            "from_brand": from_brand,
        },
        index=index,
    )
    return {S.MENTIONS: frame}


# --- cdnow ------------------------------------------------------------------------------

_CDNOW = "cdnow"
_CDNOW_FIELDS = {
    4: ["customer_id", "date", "number_of_cds", "dollar_value"],
    5: ["customer_id", "sample_id", "date", "number_of_cds", "dollar_value"],
}
_CDNOW_LAYOUT = (
    "CDNOW lines hold 4 fields separated by spaces (customer id, date YYYYMMDD, number of CDs, dollar value) "
    "or 5 with the sample's own customer number after the id"
)


def read_cdnow(source: Source, file_name: str | None = None) -> pd.DataFrame:
    """Read CDNOW_master.txt (header line, 4 fields) or CDNOW_sample.txt (no header, 5 fields).

    Columns: customer_id, [sample_id,] date, number_of_cds, dollar_value as
    text; index = line number in the file (the master's first purchase is on
    line 2, the sample's on line 1). A line with another number of fields is
    kept with a ``_problem`` so the importer quarantines it.
    """
    name = file_name or _source_name(source) or "the uploaded file"
    data = _source_bytes(source, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    records: list[list[str]] = []
    numbers: list[int] = []
    problems: list[str | None] = []
    width: int | None = None
    first = True
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if width is None:
            if first and not fields[0].isdigit():  # the master's header line: customer_id date ...
                first = False
                continue
            first = False
            if len(fields) not in _CDNOW_FIELDS:
                raise ImportRejected(
                    f"{name} is not a CDNOW purchase file: line {number} has {len(fields)} "
                    f"field{'s' if len(fields) != 1 else ''}. {_CDNOW_LAYOUT}."
                )
            width = len(fields)
        problem = None
        if len(fields) != width:
            problem = f"line {number} has {len(fields)} fields, the lines before have {width}. {_CDNOW_LAYOUT}."
            fields = (fields + [""] * width)[:width]
        records.append(fields)
        numbers.append(number)
        problems.append(problem)
    if width is None:
        raise ImportRejected(f"{name} holds no purchases. {_CDNOW_LAYOUT}.")
    frame = pd.DataFrame(records, columns=_CDNOW_FIELDS[width], index=pd.Index(numbers), dtype="string")
    if any(p is not None for p in problems):
        frame["_problem"] = pd.Series(problems, index=frame.index, dtype="string")
    return _named(frame, name)


def transform_cdnow(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """CDNOW purchases -> one order per line (USD) and one customer per id.

    order_id = ``<customer>-<YYYYMMDD>`` plus ``-2``, ``-3``... for further
    purchases of that customer on that day, numbered in file order.
    """
    cols = _columns(raw, _CDNOW, ["customer_id", "date", "number_of_cds", "dollar_value"])
    customer = _text(raw[cols["customer_id"]])
    date = _text(raw[cols["date"]])
    problem = raw["_problem"].astype("string") if "_problem" in raw.columns else pd.Series(pd.NA, index=raw.index, dtype="string")
    nth = pd.DataFrame({"c": customer, "d": date}).groupby(["c", "d"], sort=False, dropna=False).cumcount() + 1
    suffix = pd.Series(np.where(nth > 1, "-" + nth.astype(str), ""), index=raw.index, dtype="string")
    order_id = (customer + "-" + date + suffix).astype("string")
    ordered_at = _iso_with_format(date, "%Y%m%d")
    orders = pd.DataFrame(
        {
            "order_id": order_id,
            "customer_id": customer,
            "ordered_at": ordered_at,
            "amount": _text(raw[cols["dollar_value"]]),
            "currency": "USD",
            "channel": "online",  # CDNOW sold online only
            "items": _text(raw[cols["number_of_cds"]]),
            "_problem": problem,
        },
        index=raw.index,
    )
    good = orders[orders["customer_id"].notna() & problem.isna()]
    first_row = pd.Series(good.index, index=good.index).groupby(good["customer_id"], sort=False).min()
    created = _min_iso_per(good["customer_id"], good["ordered_at"])
    ids = first_row.index
    customers = pd.DataFrame(
        {
            "customer_id": ids.astype("string").to_numpy(),
            "created_at": created.reindex(ids).astype("string").to_numpy(),
        },
        index=pd.Index(first_row.to_numpy()),
    )
    return {S.ORDERS: orders, S.CUSTOMERS: customers.sort_index()}


# --- the registry -------------------------------------------------------------------------

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name=_RETAIL,
            kind=S.ORDERS,
            description="The UCI Online Retail invoice lines (InvoiceNo, StockCode, Description, Quantity, "
            "InvoiceDate, UnitPrice, CustomerID, Country; CSV or XLSX): one order per invoice, plus customers.",
            read=_read_standard,
            transform=transform_online_retail,
        ),
        Preset(
            name=_AIRLINE,
            kind=S.MENTIONS,
            description="The Kaggle Twitter US Airline Sentiment file Tweets.csv: tweets to six airlines "
            "(labels left out).",
            read=_read_standard,
            transform=transform_airline_tweets,
        ),
        Preset(
            name=_SPOTIFY,
            kind=S.MENTIONS,
            description="The support_requests.csv extract of Kaggle Customer Support on Twitter: customer tweets "
            "to @SpotifyCares with reply links.",
            read=read_keeping_bare_cr,
            transform=transform_spotify_support,
        ),
        Preset(
            name=_CDNOW,
            kind=S.ORDERS,
            description="The CDNOW purchase files CDNOW_master.txt or CDNOW_sample.txt (space-separated): "
            "one order per line in USD, plus customers.",
            read=read_cdnow,
            transform=transform_cdnow,
        ),
    )
}
