"""Orders written one line per item, folded into one order each.

Shop exports (Shopify, WooCommerce, PrestaShop, Magento) write an order as
several lines that share the order number: the first line holds the order
(date, customer, currency, total), the next ones only their item. Read row by
row, the continuation lines would be "the same key twice" and the last one,
with an empty total, would win: the order's money lost.

:func:`fold_order_lines` gives one row per order instead:

* ``amount``: the order's total (the first non-empty ``amount`` of its lines),
  or, when no line holds a total, the sum of its line amounts (``_line_amount``,
  a column a preset may add: price x quantity of each line);
* ``items``: the sum of the lines' ``items`` when each line has its own;
* every other column: its first non-empty value, the first line's in practice;
* the row's index (the source row number) is the first line's.

A file is folded only when it looks written that way: a preset says so
(``lines=True``, or the frame has a ``_line_amount`` column), or an order
number repeats on lines whose total or date is empty. Otherwise a repeated
order number stays what it always was: the same order twice, the last kept.
"""

from __future__ import annotations

import pandas as pd

LINE_AMOUNT = "_line_amount"


def _blank(s: pd.Series) -> pd.Series:
    """True where a cell is missing or only spaces (in C++ for pyarrow-backed text)."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)
        blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arr), ""), True)
        return pd.Series(blank.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)
    values = s.to_numpy(dtype=object)
    out = [v is None or (isinstance(v, str) and not v.strip()) or (not isinstance(v, str) and bool(pd.isna(v)))
           for v in values]
    return pd.Series(out, index=s.index, dtype=bool)


def _repeated(frame: pd.DataFrame, key: str) -> pd.Series:
    keys = frame[key].astype("string").str.strip()
    return (keys.duplicated(keep="first") & keys.notna() & (keys != "")).fillna(False).astype(bool)


def _all_distinct(s: pd.Series) -> bool:
    """True when no value repeats, checked cheaply (in C++ for pyarrow-backed text)."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)
        return bool(pc.count_distinct(arr).as_py() == len(arr) - arr.null_count)
    return not bool(s.duplicated().any())


def is_multi_line(frame: pd.DataFrame, key: str = "order_id") -> bool:
    """True when the frame holds orders written one line per item (see the module docstring)."""
    if key not in frame.columns or not len(frame):
        return False
    if LINE_AMOUNT in frame.columns:
        return not _all_distinct(frame[key]) and bool(_repeated(frame, key).any())
    # Cheap test first: most files have no blank total or date at all.
    continuation = pd.Series(False, index=frame.index)
    for column in ("amount", "ordered_at"):
        if column in frame.columns:
            continuation |= _blank(frame[column])
    if not continuation.any() or _all_distinct(frame[key]):
        return False
    return bool((_repeated(frame, key) & continuation).any())


def fold_order_lines(frame: pd.DataFrame, key: str = "order_id") -> tuple[pd.DataFrame, int, int]:
    """(one row per order, lines folded away, orders they were folded into).

    Lines without an order number are left as they are (the importer
    quarantines them). The index of each order is its first line's.
    """
    keys = frame[key].astype("string").str.strip()
    has_key = (keys.notna() & (keys != "")).fillna(False).astype(bool).to_numpy()
    lines = frame[has_key]
    orphans = frame[~has_key]
    group = keys[has_key].to_numpy()
    counts = pd.Series(group).value_counts()
    multi = int((counts > 1).sum())
    folded_away = int((counts - 1).sum())
    if not folded_away:
        return frame.drop(columns=[LINE_AMOUNT], errors="ignore"), 0, 0

    columns = [c for c in lines.columns if c != LINE_AMOUNT]
    # Blank cells count as missing, so that "first" takes the first real value.
    cells = pd.DataFrame(index=lines.index)
    for c in columns:
        s = lines[c]
        cells[c] = s.where(~_blank(s)) if s.dtype == object or pd.api.types.is_string_dtype(s.dtype) else s
    cells["_row"] = lines.index.to_numpy()
    grouped = cells.groupby(group, sort=False)
    out = grouped.first()
    out["_row"] = grouped["_row"].min()

    if "amount" in columns and LINE_AMOUNT in lines.columns:
        from scrm.ingest.values import parse_numbers

        line_values, _ = parse_numbers(lines[LINE_AMOUNT])
        sums = line_values.groupby(group, sort=False).sum(min_count=1)
        out["amount"] = out["amount"].astype(object)  # typed cells (a spreadsheet's floats) take text too
        no_total = out["amount"].isna()
        out.loc[no_total, "amount"] = sums[no_total].map(lambda v: None if pd.isna(v) else f"{v:.2f}")
    elif "amount" not in columns and LINE_AMOUNT in lines.columns:
        from scrm.ingest.values import parse_numbers

        line_values, _ = parse_numbers(lines[LINE_AMOUNT])
        out["amount"] = line_values.groupby(group, sort=False).sum(min_count=1).map(
            lambda v: None if pd.isna(v) else f"{v:.2f}"
        )
    if "items" in columns:
        from scrm.ingest.values import parse_numbers

        quantities, bad = parse_numbers(lines["items"])
        every_line = (quantities.notna() | bad).groupby(group, sort=False).all()
        total = quantities.groupby(group, sort=False).sum(min_count=1)
        integral = total.dropna() == total.dropna().round()
        if integral.all():
            out["items"] = out["items"].astype(object)
            out.loc[every_line, "items"] = total[every_line].map(lambda v: None if pd.isna(v) else str(int(v)))

    out[key] = out.index.astype(str)
    out.index = pd.Index(out.pop("_row").to_numpy())
    out = out[[c for c in [*columns] if c in out.columns]]
    if len(orphans):
        out = pd.concat([out, orphans.drop(columns=[LINE_AMOUNT], errors="ignore")])
    return out.sort_index(), folded_away, multi


def folded_note(lines: int, orders: int) -> str:
    """The note an import shows for folded lines.

    >>> folded_note(12, 9)
    '12 item lines folded into 9 orders (one line per item in the file; each order counted once).'
    """
    from scrm.i18n.messages import Message, Said

    key = FOLDED_KEYS[(lines == 1, orders == 1)]
    return Said(Message(key, {"lines": lines, "orders": orders}))


# The note for folded lines, by (one line, one order): catalog keys.
FOLDED_KEYS = {
    (True, True): "{lines} item line folded into {orders} order (one line per item in the file; each order counted once).",
    (True, False): "{lines} item line folded into {orders} orders (one line per item in the file; each order counted once).",
    (False, True): "{lines} item lines folded into {orders} order (one line per item in the file; each order counted once).",
    (False, False): "{lines} item lines folded into {orders} orders (one line per item in the file; each order counted once).",
}
