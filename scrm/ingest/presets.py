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
from scrm.i18n.messages import Message, join
from scrm.ingest.mapping import normalise_header
from scrm.ingest.preset_types import FILE_NAME_ATTR, ISO, Preset, Reader, Source, Transform, detect_preset
from scrm.ingest.readers import file_label

log = logging.getLogger(__name__)

__all__ = [
    "FILE_NAME_ATTR", "ISO", "PRESETS", "Preset", "Reader", "Source", "Transform", "detect", "detect_preset",
    "preset_label",
]


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
        values = {
            "file": file_label(_file_name(raw)), "preset": preset, "missing": ", ".join(f"`{m}`" for m in missing),
            "headers": ", ".join(str(h) for h in raw.columns) or Message("(none)"), "required": ", ".join(required),
        }
        if len(missing) == 1:
            raise MissingColumns(Message(
                "{file} cannot be imported with the preset '{preset}': no column {missing}. Its headers are: "
                "{headers}. The preset reads files with the columns {required}; use it only on that export, or "
                "import the file without a preset.", values,
            ))
        raise MissingColumns(Message(
            "{file} cannot be imported with the preset '{preset}': no columns {missing}. Its headers are: "
            "{headers}. The preset reads files with the columns {required}; use it only on that export, or "
            "import the file without a preset.", values,
        ))
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

# Why a preset sets a row aside: catalog keys (scrm.i18n) whose English, filled in, is the stored reason.
RETAIL_UNREADABLE_KEY = "row {row}, column `{header}`: '{v}' is not a number. Use digits with `.` or `,` as decimal mark."
RETAIL_EMPTY_KEY = "row {row}, column `{header}` is empty. Every invoice line needs a quantity and a unit price."
RETAIL_NO_INVOICE_KEY = "row {row}, column `{header}` is empty. Every invoice line needs an invoice number."
CDNOW_WIDTH_KEY = "line {number} has {fields} fields, the lines before have {width}. {layout}."
STRIPE_FAILED_KEY = "column `{header}` is '{status}': a payment that did not go through is not an order."
PROBLEM_KEYS = (RETAIL_UNREADABLE_KEY, RETAIL_EMPTY_KEY, RETAIL_NO_INVOICE_KEY, CDNOW_WIDTH_KEY, STRIPE_FAILED_KEY)
# The column of a preset's frame that holds a ``_problem``'s message (scrm.ingest.validate.PROBLEM_MESSAGE).
_PROBLEM_MESSAGE = "_problem_message"


def _line_problems(rows: pd.Index, raw: pd.Series, parsed: pd.Series, bad: pd.Series,
                   header: str) -> tuple[pd.Series, pd.Series]:
    """'row 12, column `Quantity`: ...' for each unreadable or empty cell, missing elsewhere; and each as a message."""
    out = pd.Series(pd.NA, index=rows, dtype="string")
    messages = pd.Series(None, index=rows, dtype=object)
    unreadable = bad.to_numpy(dtype=bool)
    empty = parsed.isna().to_numpy(dtype=bool) & ~unreadable
    if unreadable.any():
        where = "row " + pd.Series(rows[unreadable].astype(str), index=rows[unreadable]) + f", column `{header}`: '"
        value = raw[unreadable].astype("string").str.strip()
        out[unreadable] = where + value + "' is not a number. Use digits with `.` or `,` as decimal mark."
        # Only the unreadable lines (the ones set aside) get a message.
        messages[unreadable] = [Message(RETAIL_UNREADABLE_KEY, {"row": str(r), "header": header, "v": str(v)})
                                for r, v in zip(rows[unreadable], value.fillna(""), strict=True)]
    if empty.any():
        out[empty] = (
            "row " + pd.Series(rows[empty].astype(str), index=rows[empty])
            + f", column `{header}` is empty. Every invoice line needs a quantity and a unit price."
        )
        messages[empty] = [Message(RETAIL_EMPTY_KEY, {"row": str(r), "header": header}) for r in rows[empty]]
    return out, messages


def _join_problems(a: pd.Series, b: pd.Series) -> pd.Series:
    """Both texts where both rows have one, else whichever there is."""
    return a.where(b.isna(), (a + "; " + b).fillna(b))


def _join_messages(a: pd.Series, b: pd.Series) -> pd.Series:
    """:func:`_join_problems` for the messages of the same lines (a Python step per line with a problem only)."""
    both = a.notna() & b.notna()
    out = a.where(a.notna(), b)
    if both.any():
        out[both] = [join([x, y], "; ") for x, y in zip(a[both], b[both], strict=True)]
    return out


def _messages_json(messages: pd.Series) -> pd.Series:
    """Messages as their JSON (missing where there is none): the column beside ``_problem``."""
    out = pd.Series(pd.NA, index=messages.index, dtype="string")
    has = messages.notna().to_numpy(dtype=bool)
    if has.any():
        out[has] = [m.to_json() for m in messages[has]]
    return out


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
    qty_problem, qty_message = _line_problems(rows, raw[cols["Quantity"]], qty, qty_bad, cols["Quantity"])
    price_problem, price_message = _line_problems(rows, raw[cols["UnitPrice"]], price, price_bad, cols["UnitPrice"])
    problem = _join_problems(qty_problem, price_problem)
    problem_message = _join_messages(qty_message, price_message)

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
        invoices = lines.loc[line_problems.index, "invoice"]
        joined = line_problems.groupby(invoices, sort=False).agg("; ".join)
        orders["_problem"] = orders["order_id"].map(joined).astype("string")
        # One message per invoice with problems: its lines' messages in a row, as the text joins them.
        said = problem_message[line_problems.index]
        per_invoice: dict[str, list[Message]] = {}
        for invoice, message in zip(invoices, said, strict=True):  # the lines with a problem only
            per_invoice.setdefault(str(invoice), []).append(message)
        joined_messages = {k: m[0] if len(m) == 1 else join(m, "; ") for k, m in per_invoice.items()}
        orders[_PROBLEM_MESSAGE] = _messages_json(orders["order_id"].map(joined_messages))
    else:
        orders["_problem"] = pd.Series(pd.NA, index=orders.index, dtype="string")
        orders[_PROBLEM_MESSAGE] = pd.Series(pd.NA, index=orders.index, dtype="string")

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
                _PROBLEM_MESSAGE: [
                    Message(RETAIL_NO_INVOICE_KEY, {"row": str(r), "header": cols["InvoiceNo"]}).to_json()
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
            _PROBLEM_MESSAGE: orders[_PROBLEM_MESSAGE],
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
    problem_messages: list[str | None] = []
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
                values = {"name": file_label(name), "number": str(number), "fields": str(len(fields)),
                          "layout": Message(_CDNOW_LAYOUT)}
                if len(fields) == 1:
                    raise ImportRejected(Message(
                        "{name} is not a CDNOW purchase file: line {number} has {fields} field. {layout}.", values
                    ))
                raise ImportRejected(Message(
                    "{name} is not a CDNOW purchase file: line {number} has {fields} fields. {layout}.", values
                ))
            width = len(fields)
        problem = problem_message = None
        if len(fields) != width:
            problem = f"line {number} has {len(fields)} fields, the lines before have {width}. {_CDNOW_LAYOUT}."
            problem_message = Message(CDNOW_WIDTH_KEY, {"number": number, "fields": len(fields), "width": width,
                                                        "layout": Message(_CDNOW_LAYOUT)}).to_json()
            fields = (fields + [""] * width)[:width]
        records.append(fields)
        numbers.append(number)
        problems.append(problem)
        problem_messages.append(problem_message)
    if width is None:
        raise ImportRejected(Message("{name} holds no purchases. {layout}.",
                                     {"name": file_label(name), "layout": Message(_CDNOW_LAYOUT)}))
    frame = pd.DataFrame(records, columns=_CDNOW_FIELDS[width], index=pd.Index(numbers), dtype="string")
    if any(p is not None for p in problems):
        frame["_problem"] = pd.Series(problems, index=frame.index, dtype="string")
        frame[_PROBLEM_MESSAGE] = pd.Series(problem_messages, index=frame.index, dtype="string")
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
            _PROBLEM_MESSAGE: raw[_PROBLEM_MESSAGE] if _PROBLEM_MESSAGE in raw.columns else problem,
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


# --- shops, CRMs and surveys ----------------------------------------------------------------
# Each export is read by its documented headers (matched with normalise_header,
# so a re-saved file still works); where an export exists in several shop
# languages, every spelling is listed. Missing optional columns are left out.


def _find(raw: pd.DataFrame, *headers: str) -> str | None:
    """The file's header for the first of ``headers`` it has (compared with normalise_header)."""
    actual: dict[str, str] = {}
    for header in raw.columns:
        actual.setdefault(normalise_header(header), str(header))
    for header in headers:
        match = actual.get(normalise_header(header))
        if match is not None:
            return match
    return None


def _cells(raw: pd.DataFrame, *headers: str) -> pd.Series:
    """Trimmed text of the first of ``headers`` the file has; all missing if none."""
    found = _find(raw, *headers)
    if found is None:
        return pd.Series(pd.NA, index=raw.index, dtype="string")
    return _text(raw[found])


def _need(raw: pd.DataFrame, preset: str, **alternatives: tuple[str, ...]) -> None:
    """Refuse the file (one sentence) when a required column has none of its documented headers."""
    missing = [alts[0] for alts in alternatives.values() if _find(raw, *alts) is None]
    if missing:
        _columns(raw, preset, missing)  # raises MissingColumns with the sentence


def _full_name(first: pd.Series, last: pd.Series) -> pd.Series:
    joined = (first.fillna("") + " " + last.fillna("")).str.strip()
    return joined.mask((joined == "").fillna(False))


def _email(s: pd.Series) -> pd.Series:
    return s.str.lower()


def _product(a: pd.Series, b: pd.Series) -> pd.Series:
    """Line amount = price x quantity as text (quantity 1 when empty); missing when the price is."""
    from scrm.ingest.values import parse_numbers

    price, _ = parse_numbers(a)
    qty, _ = parse_numbers(b)
    value = price * qty.fillna(1.0)
    return value.map(lambda v: None if pd.isna(v) else f"{v:.2f}").astype("string")


def _frame(raw: pd.DataFrame, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """A canonical frame with the raw rows' index; columns that are all missing are left out."""
    kept = {k: v for k, v in columns.items() if k.startswith("_") or k in ("amount",) or v.notna().any()}
    return pd.DataFrame(kept, index=raw.index)


# Shopify ------------------------------------------------------------------------------------

_SHOPIFY_ORDERS = "shopify-orders"


def transform_shopify_orders(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Shopify orders export: one line per item; ``Name`` (#1001) is the order number.

    The order's ``Total``, ``Currency`` and ``Financial Status`` are on its first
    line only; the importer folds the lines into one order
    (:mod:`scrm.ingest.lines`). The customer is the order's e-mail (lower case),
    as the Shopify customers preset keys its customers.
    """
    _need(raw, _SHOPIFY_ORDERS, order=("Name",), date=("Created at",))
    frame = _frame(raw, {
        "order_id": _cells(raw, "Name"),
        "customer_id": _email(_cells(raw, "Email")),
        "ordered_at": _cells(raw, "Created at", "Paid at"),
        "amount": _cells(raw, "Total"),
        "currency": _cells(raw, "Currency"),
        "channel": _cells(raw, "Source"),
        "items": _cells(raw, "Lineitem quantity"),
        "_line_amount": _product(_cells(raw, "Lineitem price"), _cells(raw, "Lineitem quantity")),
    })
    return {S.ORDERS: frame}


_SHOPIFY_CUSTOMERS = "shopify-customers"


def transform_shopify_customers(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Shopify customers export: keyed by e-mail (lower case), as Shopify's orders export names its
    customers only by e-mail, so the orders of both files meet; ``Customer ID`` keys a customer without one."""
    _need(raw, _SHOPIFY_CUSTOMERS, email=("Email",))
    email = _email(_cells(raw, "Email"))
    # Newer exports write the id with a leading apostrophe ('7081234567890) so that spreadsheets keep it as text.
    ids = _integral_text(_cells(raw, "Customer ID", "Id").str.lstrip("'"))
    frame = _frame(raw, {
        "customer_id": email.where(email.notna(), ids),
        "name": _full_name(_cells(raw, "First Name"), _cells(raw, "Last Name")),
        "email": email,
        "phone": _cells(raw, "Phone", "Default Address Phone"),
        "city": _cells(raw, "Default Address City", "City"),
        "country": _cells(raw, "Default Address Country Code", "Country Code", "Country"),
        "account": _cells(raw, "Default Address Company", "Company"),
        "consent_marketing": _cells(raw, "Accepts Email Marketing", "Accepts Marketing"),
    })
    return {S.CUSTOMERS: frame}


# WooCommerce ----------------------------------------------------------------------------------

_WOO = "woocommerce-orders"


def transform_woocommerce_orders(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """WooCommerce order exports: the Customer/Order CSV export (``order_number``, ``order_total``,
    ``billing_email``; one row per order, or per item with the order's columns repeated) and the
    Analytics > Orders download (``Order #``, ``Net Sales``, ``Items sold``)."""
    _need(raw, _WOO, order=("order_number", "Order #", "Order Number", "order_id", "Order ID"),
          date=("date", "Date", "Order Date", "order_date"))
    per_item = _find(raw, "item_total", "Item Cost", "item_price") is not None
    customer = _email(_cells(raw, "billing_email", "Email (Billing)", "Customer Email"))
    customer = customer.where(customer.notna(), _integral_text(_cells(raw, "customer_id", "Customer", "Customer ID")))
    columns = {
        "order_id": _integral_text(_cells(raw, "order_number", "Order #", "Order Number", "order_id", "Order ID")),
        "customer_id": customer,
        "ordered_at": _cells(raw, "date", "Order Date", "order_date", "Date"),
        "amount": _cells(raw, "order_total", "Order Total Amount", "Order Total", "Net Sales"),
        "currency": _cells(raw, "order_currency", "Order Currency", "currency"),
        "channel": _cells(raw, "created_via"),
        "items": _cells(raw, "item_quantity", "Quantity", "Items sold", "item_count"),
    }
    if per_item:
        columns["_line_amount"] = _cells(raw, "item_total", "Item Cost", "item_price")
    return {S.ORDERS: _frame(raw, columns)}


# PrestaShop (Orders > Export, in the shop's language) -----------------------------------------

_PRESTA = "prestashop-orders"


def transform_prestashop_orders(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """PrestaShop orders export (``;``-separated, headers in the shop's language:
    ID/Reference/Customer/Total/Date, Référence/Client/Total/Date, Referencia/Cliente/Total/Fecha).
    ``Total`` carries the currency sign (``45,60 €``)."""
    _need(raw, _PRESTA, order=("ID",), date=("Date", "Fecha"), amount=("Total",))
    total = _cells(raw, "Total")
    # The shop's language decides the date order: m/d/Y in English, d/m/Y in French and Spanish.
    english = _find(raw, "New client", "Customer", "Payment") is not None
    dates = _cells(raw, "Date", "Fecha")
    dates = _iso_with_format(dates, "%m/%d/%Y %H:%M:%S" if english else "%d/%m/%Y %H:%M:%S")
    frame = _frame(raw, {
        "order_id": _integral_text(_cells(raw, "ID")),
        "customer_id": _cells(raw, "Customer", "Client", "Cliente"),
        "ordered_at": dates,
        "amount": total,
        "currency": _currency_of(total),
        "channel": pd.Series("online", index=raw.index, dtype="string"),
    })
    return {S.ORDERS: frame}


_SIGNS = {"€": "EUR", "£": "GBP", "$": "USD", "US$": "USD", "CHF": "CHF", "MAD": "MAD", "R$": "BRL"}


def _currency_of(amounts: pd.Series) -> pd.Series:
    """The ISO code of the currency sign or code written with an amount (``45,60 €`` -> EUR)."""
    code = amounts.str.extract(r"([A-Z]{3})", expand=False).astype("string")
    for sign, iso in sorted(_SIGNS.items(), key=lambda kv: -len(kv[0])):
        has = amounts.str.contains(sign, regex=False).fillna(False) & code.isna()
        code = code.mask(has, iso)
    return code


# Magento 2 (Sales > Orders > Export CSV) -----------------------------------------------------------

_MAGENTO = "magento-orders"
_MAGENTO_DATE = ("Purchase Date", "Date d'achat", "Fecha de compra", "Date de commande")
_MAGENTO_TOTAL = ("Grand Total (Purchased)", "Total général (Acheté)", "Total general (Comprado)",
                  "Grand Total (Base)", "Total général (Base)", "Total general (Base)")


def transform_magento_orders(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Magento 2 orders grid export in English, French or Spanish; the customer is its e-mail."""
    _need(raw, _MAGENTO, order=("ID",), date=_MAGENTO_DATE, amount=_MAGENTO_TOTAL)
    total = _cells(raw, *_MAGENTO_TOTAL)
    email = _email(_cells(raw, "Customer Email", "E-mail client", "Email client",
                          "Correo electrónico del cliente", "Correo electrónico"))
    name = _cells(raw, "Customer Name", "Nom du client", "Nombre del cliente", "Bill-to Name",
                  "Nom de facturation", "Nombre de facturación")
    frame = _frame(raw, {
        "order_id": _integral_text(_cells(raw, "ID")),
        "customer_id": email.where(email.notna(), name),
        "ordered_at": _cells(raw, *_MAGENTO_DATE),
        "amount": total,
        "currency": _currency_of(total),
        "channel": _cells(raw, "Purchase Point", "Point d'achat", "Punto de compra"),
    })
    return {S.ORDERS: frame}


# Stripe (Payments > Export) ---------------------------------------------------------------------

_STRIPE = "stripe-payments"


def transform_stripe_payments(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Stripe payments export: the charge ``id`` is the key (never ``Invoice Number``),
    ``Created date (UTC)``, ``Amount`` and ``Currency``; the customer is ``Customer Email``
    (else ``Customer ID``). A payment whose ``Status`` is failed is no order: it is
    quarantined with that reason rather than counted as revenue."""
    _need(raw, _STRIPE, id=("id",), date=("Created date (UTC)", "Created (UTC)", "Created"), amount=("Amount",))
    email = _email(_cells(raw, "Customer Email"))
    status = _cells(raw, "Status")
    failed = status.str.lower().isin(["failed", "canceled", "cancelled", "blocked"]).fillna(False)
    status_header = _find(raw, "Status") or "Status"
    problem = pd.Series(pd.NA, index=raw.index, dtype="string").mask(
        failed, f"column `{status_header}` is '" + status.fillna("") + "': a payment that did not go through is not an order."
    )
    problem_message = pd.Series(pd.NA, index=raw.index, dtype="string")
    if failed.any():  # a message per failed payment only
        problem_message[failed] = [Message(STRIPE_FAILED_KEY, {"header": status_header, "status": str(v)}).to_json()
                                   for v in status[failed].fillna("")]
    frame = _frame(raw, {
        "order_id": _cells(raw, "id"),
        "customer_id": email.where(email.notna(), _cells(raw, "Customer ID")),
        "ordered_at": _cells(raw, "Created date (UTC)", "Created (UTC)", "Created"),
        "amount": _cells(raw, "Amount"),
        "currency": _cells(raw, "Currency").str.upper(),
        "channel": pd.Series("online", index=raw.index, dtype="string"),
        "_problem": problem,
        _PROBLEM_MESSAGE: problem_message,
    })
    return {S.ORDERS: frame}


# HubSpot, Salesforce, Mailchimp --------------------------------------------------------------------

_HUBSPOT = "hubspot-contacts"


def transform_hubspot_contacts(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """HubSpot contacts export: ``Record ID`` is the key; name from First/Last Name."""
    _need(raw, _HUBSPOT, id=("Record ID",))
    frame = _frame(raw, {
        "customer_id": _integral_text(_cells(raw, "Record ID")),
        "name": _full_name(_cells(raw, "First Name"), _cells(raw, "Last Name")),
        "email": _email(_cells(raw, "Email")),
        "phone": _cells(raw, "Phone Number", "Mobile Phone Number", "Phone"),
        "city": _cells(raw, "City"),
        "country": _cells(raw, "Country/Region", "Country"),
        "account": _cells(raw, "Company Name", "Associated Company", "Company"),
        "created_at": _cells(raw, "Create Date", "Created Date"),
        "consent_marketing": _cells(raw, "Marketing contact status"),
    })
    frame = frame.drop(columns=["consent_marketing"], errors="ignore")  # its values are not yes/no
    return {S.CUSTOMERS: frame}


_SALESFORCE = "salesforce-contacts"


def transform_salesforce_contacts(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Salesforce contacts, from Data Loader / Data Export (``Id``, ``FirstName``, ``LastName``,
    ``AccountId``, ``CreatedDate``) or a contacts report (``Contact ID``, ``First Name``, ``Account Name``)."""
    _need(raw, _SALESFORCE, id=("Contact ID", "Id"))
    frame = _frame(raw, {
        "customer_id": _cells(raw, "Contact ID", "Id"),
        "name": _full_name(_cells(raw, "First Name", "FirstName"), _cells(raw, "Last Name", "LastName")),
        "email": _email(_cells(raw, "Email")),
        "phone": _cells(raw, "Phone", "MobilePhone", "Mobile"),
        "city": _cells(raw, "Mailing City", "MailingCity"),
        "country": _cells(raw, "Mailing Country", "MailingCountry"),
        "account": _cells(raw, "Account Name", "AccountName", "AccountId"),
        "created_at": _cells(raw, "Created Date", "CreatedDate"),
        "consent_marketing": _not(_cells(raw, "Email Opt Out", "HasOptedOutOfEmail")),
    })
    return {S.CUSTOMERS: frame}


def _not(s: pd.Series) -> pd.Series:
    """The opposite of a yes/no column (an opt-out flag as consent), as text the importer reads."""
    from scrm.ingest.values import parse_bools

    parsed, _ = parse_bools(s)
    return parsed.map({True: "no", False: "yes"}).astype("string")


_MAILCHIMP = "mailchimp-audience"


def transform_mailchimp_audience(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Mailchimp audience export (subscribed.csv, unsubscribed.csv, cleaned.csv): keyed by
    e-mail (lower case); ``OPTIN_TIME`` is when the contact joined, ``CC`` the country."""
    _need(raw, _MAILCHIMP, email=("Email Address",))
    email = _email(_cells(raw, "Email Address"))
    name = _full_name(_cells(raw, "First Name"), _cells(raw, "Last Name"))
    created = _cells(raw, "OPTIN_TIME", "CONFIRM_TIME", "LAST_CHANGED")
    frame = _frame(raw, {
        "customer_id": email,
        "name": name,
        "email": email,
        "phone": _cells(raw, "Phone Number", "Phone"),
        "country": _cells(raw, "CC", "Country"),
        "created_at": created,
    })
    return {S.CUSTOMERS: frame}


# Surveys ----------------------------------------------------------------------------------------------
# The score of an NPS survey is the question that asks how likely the person is to recommend.

_RECOMMEND = re.compile(r"recommend|recomend|recommand|\bnps\b|0\s*(?:-|to|a|à)\s*10", re.IGNORECASE)
_WHY = re.compile(r"why|reason|comment|feedback|tell us|better|improve|por qu|mejorar|pourquoi|raison|am[ée]liorer",
                  re.IGNORECASE)
QUESTIONS_ATTR = "questions"


def _question_columns(raw: pd.DataFrame, skip: Sequence[str] = ()) -> tuple[str | None, str | None]:
    """(the recommend question's column, the first open question after it) from headers or question texts."""
    texts: dict[str, str] = raw.attrs.get(QUESTIONS_ATTR) or {}
    columns = [str(c) for c in raw.columns if str(c) not in skip]

    def text(c: str) -> str:
        return f"{c} {texts.get(c, '')}"

    score = next((c for c in columns if _RECOMMEND.search(text(c)) and not c.endswith("_NPS_GROUP")), None)
    if score is None:
        return None, None
    after = columns[columns.index(score) + 1:]
    comment = next((c for c in after if _WHY.search(text(c)) or c.endswith("_TEXT")), None)
    return score, comment


def _score_text(s: pd.Series) -> pd.Series:
    """``10 - Extremely likely`` -> ``10``; other answers as written."""
    t = _text(s)
    lead = t.str.extract(r"^(\d{1,2})\b", expand=False).astype("string")
    return lead.where(lead.notna(), t)


def _survey_frame(raw: pd.DataFrame, preset: str, *, survey_id: pd.Series, customer: pd.Series,
                  answered_at: pd.Series, skip: Sequence[str] = ()) -> dict[str, pd.DataFrame]:
    score, comment = _question_columns(raw, skip)
    if score is None:
        headers = ", ".join(str(h) for h in raw.columns)
        # The es/fr entries name the Data page's column boxes, not the command line's --mapping.
        raise MissingColumns(Message(
            "{file} cannot be imported with the preset '{preset}': no question asks how likely the person is to "
            "recommend (the NPS question). Its headers are: {headers}. Map the score explicitly instead, such as "
            "--mapping '{example}'.",
            {"file": file_label(_file_name(raw)), "preset": preset, "headers": headers,
             "example": '{"score": "Q1"}'},
        ))
    frame = _frame(raw, {
        "survey_id": survey_id,
        "customer": customer,
        "score": _score_text(raw[score]),
        "comment": _text(raw[comment]) if comment else pd.Series(pd.NA, index=raw.index, dtype="string"),
        "answered_at": answered_at,
    })
    return {S.SURVEYS: frame}


_QUALTRICS = "qualtrics"


def read_qualtrics(source: Source, file_name: str | None = None) -> pd.DataFrame:
    """A Qualtrics responses export: the header, then two more header rows (the question
    texts, and ``{"ImportId": ...}`` cells) that are not responses. Their question texts are
    kept in ``attrs["questions"]``, the time zone of ``RecordedDate`` in ``attrs["timezone"]``."""
    import json

    raw = _read_standard(source, file_name)
    questions: dict[str, str] = {}
    drop = []
    for row in raw.index[:2]:
        cells = raw.loc[row].astype("string").fillna("")
        if cells.str.startswith('{"ImportId"').any() or cells.str.startswith("{'ImportId'").any():
            drop.append(row)
            for column, cell in cells.items():
                if str(column) in ("RecordedDate", "EndDate") and cell.startswith("{"):
                    try:
                        zone = json.loads(cell).get("timeZone")
                    except (ValueError, AttributeError):
                        zone = None
                    if zone and str(column) == "RecordedDate" or (zone and "timezone" not in raw.attrs):
                        raw.attrs["timezone"] = zone
        elif _find(raw, "ResponseId") and str(raw.loc[row, _find(raw, "ResponseId")]).strip().lower() in (
            "response id", "responseid"
        ):
            drop.append(row)
            questions = {str(c): str(v) for c, v in cells.items()}
    out = raw.drop(index=drop)
    out.attrs = dict(raw.attrs)
    out.attrs[QUESTIONS_ATTR] = questions
    return out


def _in_zone(s: pd.Series, zone: str | None) -> pd.Series:
    """Local times of a named time zone -> UTC ISO text; unreadable cells stay as written."""
    if not zone:
        return s
    try:
        stamps = pd.to_datetime(s, errors="coerce", format="ISO8601")
        utc = stamps.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    except (ValueError, TypeError, KeyError):
        return s
    return utc.dt.strftime(ISO).astype("string").where(utc.notna(), s)


def transform_qualtrics(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Qualtrics responses: ``ResponseId`` is the key; the customer is ``RecipientEmail``, else
    ``ExternalReference``; ``RecordedDate`` in the survey's time zone, turned into UTC."""
    _need(raw, _QUALTRICS, id=("ResponseId",))
    email = _email(_cells(raw, "RecipientEmail"))
    zone = raw.attrs.get("timezone")
    return _survey_frame(
        raw, _QUALTRICS,
        survey_id=_cells(raw, "ResponseId"),
        customer=email.where(email.notna(), _cells(raw, "ExternalReference", "ExternalDataReference")),
        answered_at=_in_zone(_cells(raw, "RecordedDate", "EndDate"), zone),
        skip=("Progress", "Duration (in seconds)", "Finished", "Status", "DistributionChannel"),
    )


_SURVEYMONKEY = "surveymonkey"


def read_surveymonkey(source: Source, file_name: str | None = None) -> pd.DataFrame:
    """A SurveyMonkey "all responses" export: a two-row header (questions, then ``Response``,
    ``Open-Ended Response`` or the options). The second row is kept in ``attrs["questions"]``."""
    raw = _read_standard(source, file_name)
    rid = _find(raw, "Respondent ID")
    if rid is not None and len(raw) and str(raw.iloc[0][rid] if pd.notna(raw.iloc[0][rid]) else "").strip() == "":
        second = raw.iloc[0].astype("string").fillna("")
        out = raw.iloc[1:].copy()
        out.attrs = dict(raw.attrs)
        out.attrs[QUESTIONS_ATTR] = {str(c): str(v) for c, v in second.items()}
        return out
    return raw


def transform_surveymonkey(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """SurveyMonkey responses: ``Respondent ID`` is the key, ``Email Address`` the customer
    (else ``Custom Data 1``), ``End Date`` the answer's time."""
    _need(raw, _SURVEYMONKEY, id=("Respondent ID",))
    email = _email(_cells(raw, "Email Address"))
    return _survey_frame(
        raw, _SURVEYMONKEY,
        survey_id=_integral_text(_cells(raw, "Respondent ID")),
        customer=email.where(email.notna(), _cells(raw, "Custom Data 1")),
        # SurveyMonkey writes US dates (03/05/2024 10:02:11 AM is March 5th) whatever the values show.
        answered_at=_iso_with_format(_cells(raw, "End Date", "Start Date"), "%m/%d/%Y %I:%M:%S %p"),
        skip=("Collector ID", "IP Address"),
    )


_TYPEFORM = "typeform"


def transform_typeform(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Typeform responses: ``#`` (the response token) is the key, ``Submit Date (UTC)`` the
    time; the customer is a hidden field or question holding the e-mail, else ``Network ID``."""
    _need(raw, _TYPEFORM, id=("#", "Response ID", "Token"))
    email_col = next((str(c) for c in raw.columns if re.search(r"e-?mail", str(c), re.IGNORECASE)), None)
    email = _email(_text(raw[email_col])) if email_col else pd.Series(pd.NA, index=raw.index, dtype="string")
    return _survey_frame(
        raw, _TYPEFORM,
        survey_id=_cells(raw, "#", "Response ID", "Token"),
        customer=email,
        answered_at=_cells(raw, "Submit Date (UTC)", "Submitted At", "Start Date (UTC)"),
        skip=("Network ID",),
    )


_GOOGLE_FORMS = "google-forms-nps"


def transform_google_forms(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Google Forms responses (the linked sheet or its CSV): ``Timestamp``, ``Email Address``
    (or ``Email``) and the recommend question. No response id: the key is a hash of
    customer, time and score, stable across re-imports."""
    _need(raw, _GOOGLE_FORMS, time=("Timestamp", "Marca temporal", "Horodateur"))
    email = _email(_cells(raw, "Email Address", "Email", "Dirección de correo electrónico", "Adresse e-mail"))
    return _survey_frame(
        raw, _GOOGLE_FORMS,
        survey_id=pd.Series(pd.NA, index=raw.index, dtype="string"),
        customer=email,
        answered_at=_google_timestamps(_cells(raw, "Timestamp", "Marca temporal", "Horodateur")),
    )


_GOOGLE_STAMP = re.compile(
    r"(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})\s*(?:([AaPp])\.?\s*[Mm]\.?)?\s*"
    r"(?:GMT|UTC)?\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?"
)


def _google_timestamps(s: pd.Series) -> pd.Series:
    """The Forms CSV download's ``2024/03/05 10:02:11 AM GMT+1`` -> UTC ISO; other texts as written."""

    def one(text: object) -> object:
        if not isinstance(text, str):
            return text
        m = _GOOGLE_STAMP.fullmatch(text.strip())
        if not m:
            return text
        y, mo, d, h, mi, sec, ampm, sign, oh, om = m.groups()
        hour = int(h)
        if ampm:
            hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
        offset = f"{sign}{int(oh):02d}:{om or '00'}" if sign else "+00:00"
        try:
            stamp = pd.Timestamp(f"{y}-{int(mo):02d}-{int(d):02d}T{hour:02d}:{mi}:{sec}{offset}")
        except ValueError:  # no such day: the importer quarantines it as written
            return text
        return stamp.tz_convert("UTC").strftime(ISO)

    return s.map(one).astype("string")


def _survey_signature_detect(headers: Sequence[object]) -> str | None:
    """Google Forms has no fixed header but ``Timestamp``: detected with a recommend question."""
    names = {normalise_header(h) for h in headers}
    if names & {"timestamp", "marca temporal", "horodateur"} and any(_RECOMMEND.search(str(h)) for h in headers):
        return _GOOGLE_FORMS
    return None


def _commerce_presets() -> list[Preset]:
    def p(name: str, kind: str, description: str, transform: Transform, *signatures: tuple[str, ...],
          read: Reader | None = None, dayfirst: bool | None = None) -> list[Preset]:
        """The preset, and one twin per further signature (the same export in another language or version)."""
        first, *others = signatures
        out = [Preset(name, kind, description, read=read or _read_standard, transform=transform, signature=first,
                      dayfirst=dayfirst)]
        out += [Preset(f"{name}~{i}", kind, description, read=read or _read_standard, transform=transform,
                       signature=sig, dayfirst=dayfirst) for i, sig in enumerate(others, 2)]
        return out

    return [
        *p(_SHOPIFY_ORDERS, S.ORDERS, "Shopify orders export: one line per item folded into one order "
           "(Name = order number, Total from the first line), customer = e-mail.", transform_shopify_orders,
           ("Name", "Created at", "Lineitem quantity", "Lineitem name")),
        *p(_SHOPIFY_CUSTOMERS, S.CUSTOMERS, "Shopify customers export: keyed by Customer ID, else by e-mail.",
           transform_shopify_customers, ("First Name", "Last Name", "Email", "Total Spent", "Total Orders")),
        *p(_WOO, S.ORDERS, "WooCommerce orders export: one order per order number, customer = billing e-mail.",
           transform_woocommerce_orders, ("order_number", "order_total", "billing_email"),
           ("Order #", "Net Sales", "Items sold"), ("Order Number", "Order Status", "Order Date", "Order Total Amount"),
           ("order_id", "order_total", "billing_email")),
        *p(_PRESTA, S.ORDERS, "PrestaShop orders export (English, French or Spanish shop): ID, customer, "
           "total with its currency sign, date.", transform_prestashop_orders,
           ("ID", "Reference", "New client", "Customer", "Total", "Date"),
           ("ID", "Référence", "Nouveau client", "Client", "Total", "Date"),
           ("ID", "Referencia", "Nuevo cliente", "Cliente", "Total", "Fecha")),
        *p(_MAGENTO, S.ORDERS, "Magento orders export (English, French or Spanish admin): ID, purchase date, "
           "grand total, customer e-mail.", transform_magento_orders,
           ("ID", "Purchase Point", "Purchase Date", "Grand Total (Purchased)"),
           ("ID", "Point d'achat", "Date d'achat", "Total général (Acheté)"),
           ("ID", "Punto de compra", "Fecha de compra", "Total general (Comprado)")),
        *p(_STRIPE, S.ORDERS, "Stripe payments export: the charge id is the key, Created date (UTC), Amount, "
           "Currency, Customer Email; failed payments quarantined.", transform_stripe_payments,
           ("id", "Created date (UTC)", "Amount", "Currency"), ("id", "Created (UTC)", "Amount", "Currency")),
        *p(_HUBSPOT, S.CUSTOMERS, "HubSpot contacts export: Record ID is the key, name from First and Last Name.",
           transform_hubspot_contacts, ("Record ID", "First Name", "Last Name"),
           dayfirst=False),  # HubSpot, a US tool, writes `2/5/24 1:51` month first
        *p(_SALESFORCE, S.CUSTOMERS, "Salesforce contacts export (Data Loader or a contacts report): the "
           "contact Id is the key.", transform_salesforce_contacts, ("Id", "FirstName", "LastName", "AccountId"),
           ("Contact ID", "First Name", "Last Name", "Account Name")),
        *p(_MAILCHIMP, S.CUSTOMERS, "Mailchimp audience export: keyed by e-mail address.",
           transform_mailchimp_audience, ("Email Address", "MEMBER_RATING", "OPTIN_TIME")),
        *p(_QUALTRICS, S.SURVEYS, "Qualtrics responses export: its two extra header rows skipped, ResponseId "
           "is the key, the recommend question is the score.", transform_qualtrics,
           ("StartDate", "EndDate", "ResponseId", "RecordedDate"), read=read_qualtrics),
        *p(_SURVEYMONKEY, S.SURVEYS, "SurveyMonkey responses export: its two-row header read, Respondent ID "
           "is the key, the recommend question is the score.", transform_surveymonkey,
           ("Respondent ID", "Collector ID", "Start Date", "End Date"), read=read_surveymonkey,
           dayfirst=False),  # SurveyMonkey writes `01/15/2024 10:12:33 AM` month first
        *p(_TYPEFORM, S.SURVEYS, "Typeform responses export: # is the key, Submit Date (UTC) the time, "
           "the recommend question the score.", transform_typeform,
           ("#", "Submit Date (UTC)")),
        *p(_GOOGLE_FORMS, S.SURVEYS, "Google Forms NPS responses: Timestamp, Email Address and the recommend "
           "question (no response id: keyed by a hash).", transform_google_forms, ()),
    ]


# The same exports in another language or version: found by detection, named by their main preset.
_TWINS = [preset for preset in _commerce_presets() if "~" in preset.name]
PRESETS.update({preset.name: preset for preset in _commerce_presets() if "~" not in preset.name})
try:  # the social and listening presets, where that module exists
    from scrm.ingest.social import SOCIAL_PRESETS
except ImportError:
    SOCIAL_PRESETS = ()
PRESETS.update({p.name: p for p in (SOCIAL_PRESETS.values() if isinstance(SOCIAL_PRESETS, dict) else SOCIAL_PRESETS)})


def preset_label(preset: Preset) -> str:
    """What a user reads for a preset: ``Shopify orders export``."""
    return preset.description.split(":")[0].strip()


def detect(headers: Sequence[object], kind: str | None = None) -> Preset | None:
    """The preset the headers identify (see :func:`detect_preset`), Google Forms included; None if none."""
    found = detect_preset([*PRESETS.values(), *_TWINS], headers, kind)
    if found is None and kind in (None, S.SURVEYS):
        name = _survey_signature_detect(headers)
        found = PRESETS.get(name) if name else None
    if found is not None and "~" in found.name:
        found = PRESETS.get(found.name.split("~")[0], found)
    return found

