"""The KPI dictionary: every KPI once, with its key, name, formula in words, unit and computation.

The app, the CLI (``python -m scrm report kpis``) and the tests share these
definitions; the formula text is what the app shows in its help. Each KPI is a
:class:`KPI` whose ``compute`` takes a :class:`KPIContext` (the frames of the
date range, loaded once) and returns a :class:`Result` (a value, or None with a
note saying why it cannot be computed).

Conventions that hold for every KPI:

- **The date range** is inclusive and counts whole UTC days: ``date_from``
  ``2026-07-01`` and ``date_to`` ``2026-07-31`` cover every timestamp from
  ``2026-07-01T00:00:00`` to ``2026-07-31T23:59:59``. An open end means "from
  the first" or "to the last" record.
- **Mentions** are what the listening tracks: every mention in the range that
  a brand account did not write (``from_brand`` is not 1), all brands
  included. Brand replies only feed ``response_rate`` and
  ``median_first_response_minutes``.
- **Missing counts** (likes, shares, replies) count as 0; missing follower
  counts are left out of ``reach`` and ``engagement_rate``.
- **Percent** values are in percent (``12.5`` means 12.5 %); NPS and net
  sentiment are percentage points in [-100, 100].
- **Currency** values are in the reporting currency: the Settings page's
  (:func:`scrm.db.settings.reporting_currency`), else the most frequent
  ``orders.currency``. Orders in another currency are converted at the rate
  set for it (the note says which rate, of which date); orders in a currency
  without a rate are left out, and the note says how many. Amounts of two
  currencies are never added as they are.

>>> from scrm.db import store
>>> compute_kpis(store.open_db(":memory:"))["mentions"]["value"]
0
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.db import schema as S
from scrm.db import settings as business
from scrm.db import store
from scrm.db.store import own_brand, table_exists
from scrm.errors import ConfigError
from scrm.i18n.messages import Message

if TYPE_CHECKING:
    from scrm.act.cases import CaseKPIs

log = logging.getLogger(__name__)

Unit = Literal["count", "percent", "minutes", "hours", "currency", "ratio"]

# Derived tables this module reads (written by the engine modules of issue 3).
CUSTOMER_VALUE = S.CUSTOMER_VALUE
ROLES = S.ROLES

# Sentiment labels that count as scored (``unscored`` rows are languages we do not score).
SCORED_LABELS = S.SCORED_LABELS
# Kinds of inbound mentions that a brand is expected to answer: shares pass
# something on and replies continue a thread, forums are communities where
# brands do not answer as a rule. A mention without a kind counts as addressed.
ANSWERABLE_KINDS = ("post", "review", "dm")
# Primary roles (table `roles`, column `role`) that count as advocates: an
# ambassador is an advocate who is also a high-value customer.
ADVOCATE_ROLES = ("advocate", "ambassador")
DETRACTOR_ROLES = ("detractor",)
ORDER_COLUMNS = ["order_id", "customer_id", "ordered_at", "amount", "currency"]
RUN_SCORE = "recompute the scores first"


@dataclass(frozen=True)
class Result:
    """A KPI's value, or None with a note saying why it cannot be computed."""

    value: float | int | None
    note: str | None = None


@dataclass(frozen=True)
class KPIContext:
    """The data of one date range, loaded once for all KPIs (see :func:`load_context`).

    Timestamps are ISO text; ``date_from``/``date_to`` are the range as given
    (ISO dates or None for open ends).
    """

    date_from: str | None
    date_to: str | None
    mentions: pd.DataFrame  # inbound mentions in range (from_brand not 1)
    replies: pd.DataFrame  # brand replies (from_brand = 1) to mentions: in_reply_to, posted_at
    sentiment: pd.DataFrame  # mention_id, label of the inbound mentions in range
    orders: pd.DataFrame  # orders in range
    previous_orders: pd.DataFrame | None  # orders of the period of the same length before; None without date_from
    first_orders: pd.DataFrame  # customer_id, first_order_at over all time
    customers: pd.DataFrame  # customer_id, created_at
    surveys: pd.DataFrame  # surveys answered in range: score
    linked_customers: frozenset[str]
    customer_value: pd.DataFrame | None  # None when the table does not exist yet
    roles: pd.DataFrame | None
    own_brand: str | None
    currency: str | None  # the reporting currency
    # Cases with what their KPIs need (scrm.act.cases.case_frame), and the time "breached" is judged at.
    cases: pd.DataFrame | None = None
    now: str | None = None
    # Exchange rates to the reporting currency (Settings), and each customer's main order currency (for CLV).
    rates: dict[str, business.Rate] = field(default_factory=dict)
    customer_currency: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KPI:
    """One KPI: the single definition the app, the CLI and the tests share."""

    key: str
    name: str
    formula: str
    unit: Unit
    higher_is_better: bool | None  # None: neither (a size, not a goal)
    compute: Callable[[KPIContext], Result] = field(repr=False)


# --- helpers -----------------------------------------------------------------------------


def _ratio(numerator: float, denominator: float, *, percent: bool = False, note: str = "") -> Result:
    if not denominator:
        return Result(None, note or "nothing to divide by in this range")
    value = float(numerator) / float(denominator)
    return Result(round(value * 100 if percent else value, 4))


def _counts(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce").fillna(0)


def _customer_orders(orders: pd.DataFrame) -> pd.Series:
    """Orders per identified customer (guest orders have no customer)."""
    identified = orders[orders["customer_id"].notna()]
    return identified.groupby("customer_id").size()


# --- social ---------------------------------------------------------------------------------


def _mentions(c: KPIContext) -> Result:
    return Result(len(c.mentions))


def _unique_authors(c: KPIContext) -> Result:
    m = c.mentions
    if m.empty:
        return Result(0)
    # Anonymous mentions (reviews without an author) are no author: counted apart, by the mentions KPI.
    m = m[m["author"].fillna("").astype(str).str.strip().str.lstrip("@") != ""]
    keys = m["platform"].fillna("").astype(str) + ":" + m["author"].astype(str).str.lower().str.lstrip("@")
    return Result(int(keys.nunique()))


def _reach(c: KPIContext) -> Result:
    m = c.mentions
    if m.empty:
        return Result(0)
    keys = m["platform"].fillna("").astype(str) + ":" + m["author"].fillna("").astype(str).str.lower().str.lstrip("@")
    followers = pd.to_numeric(m["author_followers"], errors="coerce")
    # One audience per author: their largest follower count in the range.
    per_author = followers.groupby(keys).max()
    return Result(int(per_author.fillna(0).sum()))


def _engagement_rate(c: KPIContext) -> Result:
    m = c.mentions
    followers = pd.to_numeric(m["author_followers"], errors="coerce")
    known = followers > 0
    engagements = (_counts(m, "likes") + _counts(m, "shares") + _counts(m, "replies"))[known]
    return _ratio(engagements.sum(), followers[known].sum(), percent=True, note="no mention with a follower count in this range")


def _per_post(column: str) -> Callable[[KPIContext], Result]:
    def compute(c: KPIContext) -> Result:
        return _ratio(_counts(c.mentions, column).sum(), len(c.mentions), note="no mentions in this range")

    return compute


def _share_of_voice(c: KPIContext) -> Result:
    brands = c.mentions["brand"].dropna().astype(str)
    brands = brands[brands.str.strip() != ""]
    if brands.empty or not c.own_brand:
        return Result(None, "no mention names a brand in this range")
    return _ratio(int((brands.str.casefold() == c.own_brand.casefold()).sum()), len(brands), percent=True)


def _scored_labels(c: KPIContext) -> pd.Series | Result:
    labels = c.sentiment["label"]
    labels = labels[labels.isin(SCORED_LABELS)]
    if labels.empty:
        return Result(None, f"no scored mentions in this range; {RUN_SCORE}")
    return labels


def _net_sentiment(c: KPIContext) -> Result:
    labels = _scored_labels(c)
    if isinstance(labels, Result):
        return labels
    net = (labels == "positive").sum() - (labels == "negative").sum()
    return _ratio(int(net), len(labels), percent=True)


def _positive_ratio(c: KPIContext) -> Result:
    labels = _scored_labels(c)
    if isinstance(labels, Result):
        return labels
    return _ratio(int((labels == "positive").sum()), len(labels), percent=True)


def _answerable(c: KPIContext) -> pd.DataFrame | Result:
    m = c.mentions
    if not c.own_brand:
        return Result(None, "no own brand: none is set and no mention names a brand")
    own = m[m["brand"].fillna("").astype(str).str.casefold() == c.own_brand.casefold()]
    own = own[own["kind"].isna() | own["kind"].isin(ANSWERABLE_KINDS)]
    if own.empty:
        return Result(None, "no mention of the own brand to answer in this range")
    return own


def _first_response_minutes(c: KPIContext, inbound: pd.DataFrame) -> pd.Series:
    """Minutes from each answered inbound mention to the brand's first reply to it."""
    replies = c.replies
    if replies.empty:
        return pd.Series(dtype="float64")
    first = replies.groupby("in_reply_to")["posted_at"].min()
    answered = inbound[inbound["mention_id"].astype(object).isin(first.index.astype(object).to_numpy())]
    asked = pd.to_datetime(answered["posted_at"], format="ISO8601")
    replied = pd.to_datetime(first.reindex(answered["mention_id"]).to_numpy(), format="ISO8601")
    minutes = (replied - pd.DatetimeIndex(asked)).total_seconds() / 60.0
    return pd.Series(np.asarray(minutes), dtype="float64")


def _response_rate(c: KPIContext) -> Result:
    inbound = _answerable(c)
    if isinstance(inbound, Result):
        return inbound
    # Object arrays: pandas' Arrow-backed strings build their isin set value by value, each call.
    answered = inbound["mention_id"].astype(object).isin(c.replies["in_reply_to"].astype(object).to_numpy())
    return _ratio(int(answered.sum()), len(inbound), percent=True)


def _median_first_response(c: KPIContext) -> Result:
    inbound = _answerable(c)
    if isinstance(inbound, Result):
        return inbound
    minutes = _first_response_minutes(c, inbound)
    if minutes.empty:
        return Result(None, "the brand answered no mention in this range")
    return Result(round(float(minutes.median()), 1))


def _nps(c: KPIContext) -> Result:
    scores = pd.to_numeric(c.surveys["score"], errors="coerce").dropna()
    scores = scores[(scores >= 0) & (scores <= 10)]
    if scores.empty:
        return Result(None, "no survey answers in this range")
    return _ratio(int((scores >= 9).sum()) - int((scores <= 6).sum()), len(scores), percent=True)


# --- customers and orders -------------------------------------------------------------------


def _customers(c: KPIContext) -> Result:
    created = c.customers["created_at"]
    if c.date_to is None:
        return Result(len(c.customers))
    # A customer without a creation date is counted: they exist, we only do not know since when.
    return Result(int((created.isna() | (created < _day_after(c.date_to))).sum()))


def _active_customers(c: KPIContext) -> Result:
    return Result(int(c.orders["customer_id"].dropna().nunique()))


def _new_customers(c: KPIContext) -> Result:
    first = c.first_orders["first_order_at"]
    inside = pd.Series(True, index=first.index)
    if c.date_from:
        inside &= first >= c.date_from
    if c.date_to:
        inside &= first < _day_after(c.date_to)
    return Result(int(inside.sum()))


def _orders(c: KPIContext) -> Result:
    return Result(len(c.orders))


def _rate_words(rates: list[business.Rate], currency: str) -> str:
    return "; ".join(f"1 {r.currency} = {r.rate:g} {currency} (rate of {r.as_of})" for r in rates)


def convert_amounts(
    amounts: pd.Series, currencies: pd.Series, currency: str | None, rates: dict[str, business.Rate], what: str
) -> tuple[pd.Series, str | None]:
    """``amounts`` in ``currency``: converted at ``rates``, or left out (NaN) when their currency has no rate.

    A blank currency counts as the reporting one. Returns the amounts and a
    note naming the rates used and what was left out (None when nothing was
    converted or left out).

    >>> rates = {"GBP": business.Rate("GBP", 1.2, "2026-10-01")}
    >>> values, note = convert_amounts(pd.Series([10.0, 10.0, 5.0]), pd.Series(["EUR", "GBP", "USD"]), "EUR", rates, "orders")
    >>> values.tolist(), note
    ([10.0, 12.0, nan], 'converted to EUR at 1 GBP = 1.2 EUR (rate of 2026-10-01); 1 of 3 orders in USD left out: no exchange rate to EUR is set')
    """
    codes = currencies.astype(object).where(currencies.notna(), "").astype(str).str.strip().str.upper()
    same = (codes == "") | (codes == (currency or ""))
    if currency is None or bool(same.all()):
        return pd.to_numeric(amounts, errors="coerce"), None
    factor = codes.map(lambda code: rates[code].rate if code in rates else np.nan).astype(float)
    factor[same] = 1.0
    converted = pd.to_numeric(amounts, errors="coerce") * factor
    used = sorted({code for code in codes[~same] if code in rates})
    missing = codes[~same & factor.isna()]
    parts = []
    if used:
        parts.append(f"converted to {currency} at {_rate_words([rates[c] for c in used], currency)}")
    if not missing.empty:
        parts.append(
            f"{len(missing):,} of {len(codes):,} {what} in {', '.join(sorted(set(missing)))} left out: "
            f"no exchange rate to {currency} is set"
        )
    return converted, "; ".join(parts)


def _in_shop_currency(c: KPIContext) -> tuple[pd.DataFrame, str | None]:
    """The orders with their amount in the reporting currency, and a note on the rates used and what was left out.

    Orders in a currency with an exchange rate are converted; those in a
    currency without one stay out of money KPIs: adding euros and pounds as
    they are would give a number that means nothing.
    """
    if c.orders.empty:
        return c.orders, None
    amounts, note = convert_amounts(c.orders["amount"], c.orders["currency"], c.currency, c.rates, "orders")
    if note is None:
        return c.orders, None
    kept = amounts.notna() | pd.to_numeric(c.orders["amount"], errors="coerce").isna()
    return c.orders.assign(amount=amounts)[kept], note


def _revenue(c: KPIContext) -> Result:
    orders, note = _in_shop_currency(c)
    return Result(round(float(_counts(orders, "amount").sum()), 2), note)


def _aov(c: KPIContext) -> Result:
    orders, note = _in_shop_currency(c)
    r = _ratio(_counts(orders, "amount").sum(), len(orders), note="no orders in this range")
    return Result(None if r.value is None else round(float(r.value), 2), r.note or note)


def _purchase_frequency(c: KPIContext) -> Result:
    per_customer = _customer_orders(c.orders)
    return _ratio(int(per_customer.sum()), len(per_customer), note="no orders by known customers in this range")


def _repeat_rate(c: KPIContext) -> Result:
    per_customer = _customer_orders(c.orders)
    return _ratio(int((per_customer >= 2).sum()), len(per_customer), percent=True,
                  note="no orders by known customers in this range")


def _churn_rate(c: KPIContext) -> Result:
    if c.previous_orders is None:
        return Result(None, "churn compares two periods: give a start date (--from) so there is a previous period")
    before = set(c.previous_orders["customer_id"].dropna())
    if not before:
        return Result(None, "no customer ordered in the previous period of the same length")
    now = set(c.orders["customer_id"].dropna())
    return _ratio(len(before - now), len(before), percent=True)


def _avg_clv(c: KPIContext) -> Result:
    if c.customer_value is None or "clv" not in c.customer_value.columns:
        return Result(None, f"customer values are not computed yet; {RUN_SCORE}")
    value = c.customer_value
    codes = value["customer_id"].map(c.customer_currency) if "customer_id" in value.columns else pd.Series(
        [None] * len(value), index=value.index, dtype=object
    )
    converted, note = convert_amounts(value["clv"], codes, c.currency, c.rates, "customers")
    clv = converted.dropna()
    if clv.empty:
        return Result(None, note or "no customer has a CLV")
    return Result(round(float(clv.mean()), 2), note)


def _role_count(roles: tuple[str, ...]) -> Callable[[KPIContext], Result]:
    def compute(c: KPIContext) -> Result:
        if c.roles is None or "role" not in c.roles.columns:
            return Result(0, f"author roles are not computed yet; {RUN_SCORE}")
        return Result(int(c.roles["role"].fillna("").astype(str).str.lower().isin(roles).sum()))

    return compute


def _social_linked_revenue_share(c: KPIContext) -> Result:
    orders, note = _in_shop_currency(c)
    amount = _counts(orders, "amount")
    linked = orders["customer_id"].isin(c.linked_customers)
    r = _ratio(float(amount[linked].sum()), float(amount.sum()), percent=True, note="no revenue in this range")
    return Result(r.value, r.note or note)


# --- cases (issue 5) -------------------------------------------------------------------------


def _case_summary(c: KPIContext) -> CaseKPIs:
    """The case KPIs of the context's range: cases opened in it, breached as of ``c.now``."""
    from scrm.act import cases  # late: scrm.act.cases is the team's work, not an input of the analysis

    frame = c.cases if c.cases is not None else pd.DataFrame({k: pd.Series(dtype=object) for k in cases.KPI_FRAME_COLUMNS})
    return cases.summarise_cases(frame, c.date_from, c.date_to, c.now)


def _case_kpi(field_name: str, note_key: str) -> Callable[[KPIContext], Result]:
    def compute(c: KPIContext) -> Result:
        summary = _case_summary(c)
        return Result(getattr(summary, field_name), summary.notes.get(note_key))

    return compute


# --- the dictionary ---------------------------------------------------------------------------

KPIS: tuple[KPI, ...] = (
    KPI("mentions", "Mentions", "Number of mentions in the range not written by a brand account (all tracked brands).",
        "count", None, _mentions),
    KPI("unique_authors", "Unique authors",
        "Number of distinct authors (platform and handle, case-insensitive, without @) of those mentions; "
        "anonymous mentions (a review without an author) count in Mentions, not here.",
        "count", True, _unique_authors),
    KPI("reach", "Reach",
        "Sum of the authors' followers: each distinct author counted once, with their largest follower count "
        "in the range (authors without a count add 0).",
        "count", True, _reach),
    KPI("engagement_rate", "Engagement rate",
        "(likes + shares + replies) of the mentions whose author follower count is known, divided by the sum of "
        "those mentions' author followers, × 100 (engagement rate by reach, aggregated over posts).",
        "percent", True, _engagement_rate),
    KPI("amplification_rate", "Amplification rate", "Shares per mention: sum of shares ÷ mentions.",
        "ratio", True, _per_post("shares")),
    KPI("applause_rate", "Applause rate", "Likes per mention: sum of likes ÷ mentions.",
        "ratio", True, _per_post("likes")),
    KPI("conversation_rate", "Conversation rate", "Replies per mention: sum of replies ÷ mentions.",
        "ratio", True, _per_post("replies")),
    KPI("share_of_voice", "Share of voice",
        "Mentions that name the own brand ÷ mentions that name any tracked brand × 100. The own brand is the "
        "business settings, by default the most-mentioned brand.",
        "percent", True, _share_of_voice),
    KPI("net_sentiment", "Net sentiment",
        "Percent of scored mentions that are positive minus percent that are negative (points, -100 to 100). "
        "Mentions in unsupported languages are not scored and left out.",
        "percent", True, _net_sentiment),
    KPI("positive_ratio", "Positive ratio", "Positive mentions ÷ scored mentions × 100.",
        "percent", True, _positive_ratio),
    KPI("nps", "Net Promoter Score",
        "Percent of survey answers in the range scoring 9-10 minus percent scoring 0-6 (points, -100 to 100).",
        "percent", True, _nps),
    KPI("response_rate", "Response rate",
        "Mentions of the own brand that ask for an answer (posts, reviews, DMs; not shares, replies or forums) "
        "with at least one reply to them from a brand account ÷ those "
        "mentions × 100.",
        "percent", True, _response_rate),
    KPI("median_first_response_minutes", "Median public reply time",
        "Median over the answered mentions of the minutes from the mention to the brand's first reply to it.",
        "minutes", False, _median_first_response),
    KPI("customers", "Customers",
        "Customers in the CRM created by the end of the range (customers without a creation date included).",
        "count", True, _customers),
    KPI("active_customers", "Active customers", "Customers with at least one order in the range.",
        "count", True, _active_customers),
    KPI("new_customers", "New customers", "Customers whose first order ever falls in the range.",
        "count", True, _new_customers),
    KPI("orders", "Orders", "Orders placed in the range (returns included, guest orders included).",
        "count", True, _orders),
    KPI("revenue", "Revenue", "Sum of order amounts in the range in the reporting currency (returns are negative amounts and subtract; "
        "orders in other currencies are converted at the exchange rates of the business settings, and left out when "
        "their currency has no rate).",
        "currency", True, _revenue),
    KPI("aov", "Average order value", "Revenue ÷ orders in the range (both in the reporting currency).", "currency", True, _aov),
    KPI("purchase_frequency", "Purchase frequency",
        "Orders of known customers ÷ active customers (guest orders left out).", "ratio", True, _purchase_frequency),
    KPI("repeat_rate", "Repeat rate", "Active customers with two or more orders in the range ÷ active customers × 100.",
        "percent", True, _repeat_rate),
    KPI("churn_rate", "Churn rate",
        "Customers who ordered in the previous period of the same length but not in this range ÷ customers who "
        "ordered in the previous period × 100. Needs a start date.",
        "percent", False, _churn_rate),
    KPI("avg_clv", "Average CLV",
        "Mean 12-month customer lifetime value (BG/NBD and Gamma-Gamma models) over customers with a value, "
        "as of the last recompute of the scores, in the reporting currency.",
        "currency", True, _avg_clv),
    KPI("advocates", "Advocates", "Author profiles whose primary role is advocate or ambassador.",
        "count", True, _role_count(ADVOCATE_ROLES)),
    KPI("detractors", "Detractors", "Author profiles whose primary role is detractor.",
        "count", False, _role_count(DETRACTOR_ROLES)),
    KPI("social_linked_revenue_share", "Social-linked revenue share",
        "Revenue in the range of customers with a linked social profile ÷ revenue in the range × 100.",
        "percent", True, _social_linked_revenue_share),
    KPI("open_cases", "Open cases",
        "Cases opened in the range (by workflow rules or by people) that are not resolved now.",
        "count", None, _case_kpi("open_cases", "open_cases")),
    KPI("sla_breached", "SLA breached",
        "Cases opened in the range that missed their deadline (opening time + the SLA hours of their priority): "
        "still open after it, or resolved after it.",
        "count", False, _case_kpi("breached", "sla_breached")),
    KPI("first_response_hours", "Median time to first case action",
        "Median over the cases opened in the range of the hours from the opening (when the customer spoke) to "
        "the first action on the case by a person (status, assignee, priority or note; automatic rule work "
        "does not count).",
        "hours", False, _case_kpi("first_response_hours", "first_response_hours")),
    KPI("resolution_hours", "Median time to resolution",
        "Median over the resolved cases opened in the range of the hours from the opening to the resolution.",
        "hours", False, _case_kpi("resolution_hours", "resolution_hours")),
    KPI("rescued_customers", "Rescued customers",
        "Customers with a resolved rescue case opened in the range whose mean sentiment over their mentions in "
        "the 90 days after the resolution is higher than before the case (the score of the mention that opened "
        "it, else their mean sentiment in the 90 days before opening).",
        "count", True, _case_kpi("rescued_customers", "rescued_customers")),
    KPI("rescue_rate", "Rescue rate",
        "Rescued customers ÷ customers with a resolved rescue case opened in the range who have a sentiment "
        "before and a scored mention in the 90 days after the resolution × 100.",
        "percent", True, _case_kpi("rescue_rate", "rescue_rate")),
)

KPI_BY_KEY: dict[str, KPI] = {k.key: k for k in KPIS}


# --- loading -------------------------------------------------------------------------------------


def parse_date(value: str | None, label: str = "date") -> str | None:
    """``value`` as an ISO date ``YYYY-MM-DD`` (None stays None); a ConfigError otherwise.

    >>> parse_date("2026-07-01")
    '2026-07-01'
    """
    if value is None:
        return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else _bad_date(text, label)
    except ValueError:
        return _bad_date(text, label)


def _bad_date(text: str, label: str) -> str:
    raise ConfigError(Message("{label} '{text}' is not a date; use YYYY-MM-DD.", {"label": label, "text": text}))


def _day_after(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _range_sql(column: str, date_from: str | None, date_to: str | None) -> tuple[str, list[str]]:
    """The WHERE clause of an inclusive day range on an ISO text column (``table.column`` allowed)."""
    quoted = ".".join(f'"{part}"' for part in column.split("."))
    clauses, params = [], []
    if date_from:
        clauses.append(f"{quoted} >= ?")
        params.append(date_from)
    if date_to:
        clauses.append(f"{quoted} < ?")
        params.append(_day_after(date_to))
    return (" AND ".join(clauses) or "1 = 1"), params


def shop_currency(db: sqlite_utils.Database) -> str | None:
    """The reporting currency: the Settings page's, else the most frequent ``orders.currency``
    (None when neither names one)."""
    chosen = business.reporting_currency(db)
    if chosen:
        return chosen
    from scrm.views import data as browse

    # Stored per data version: it groups every order (a tenth of a second per new filter at 200k orders).
    found = browse.stored(db, "kpis:most_frequent_currency", lambda: {"currency": _most_frequent_currency(db)},
                          browse.encode_json, _decode_currency)
    return found["currency"]


def _most_frequent_currency(db: sqlite_utils.Database) -> str | None:
    row = db.execute(
        f"SELECT currency FROM {S.ORDERS} WHERE currency IS NOT NULL AND trim(currency) != '' "
        "GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])


def _decode_currency(raw: bytes) -> dict[str, str | None]:
    import json

    value = json.loads(raw)["currency"]
    return {"currency": None if value is None else str(value)}


def load_context(
    db: sqlite_utils.Database, date_from: str | None = None, date_to: str | None = None, *, customers: bool = True,
    rows: bool = True,
) -> KPIContext:
    """Load the frames of a date range (inclusive ISO dates; None for an open end) once for all KPIs.

    ``customers=False`` leaves out every customer's first order and creation date (two reads of
    whole tables) for a caller that answers the customers and new customers KPIs from the summaries;
    ``rows=False`` leaves out the range's mentions, replies, sentiment, orders and surveys too
    (empty frames), for a caller that answers every KPI of :data:`SUMMARY_KEYS` from the summaries.
    """
    date_from = parse_date(date_from, "date_from")
    date_to = parse_date(date_to, "date_to")
    if date_from and date_to and date_from > date_to:
        raise ConfigError(Message(
            "The range starts ({start}) after it ends ({end}); swap the dates.", {"start": date_from, "end": date_to}
        ))
    # Without rows, every range query gets an always-false condition: the frames keep their columns.
    nothing = "" if rows else " AND 1 = 0"
    where, params = _range_sql("posted_at", date_from, date_to)
    where += nothing
    mentions = read_frame_chunked(
        db,
        f"SELECT mention_id, platform, author, brand, kind, likes, shares, replies, author_followers, posted_at "
        f"FROM {S.MENTIONS} WHERE coalesce(from_brand, 0) != 1 AND {where}",
        params,
    )
    # Replies to mentions in range may come after the range ends: all of them count.
    replies = store.read_frame(
        db,
        f"SELECT in_reply_to, posted_at FROM {S.MENTIONS} WHERE from_brand = 1 AND in_reply_to IS NOT NULL "
        f"AND posted_at IS NOT NULL{nothing}",
    )
    where_m, params_m = _range_sql("m.posted_at", date_from, date_to)
    where_m += nothing
    sentiment = store.read_frame(
        db,
        f"SELECT s.mention_id, s.label FROM {S.SENTIMENT} s JOIN {S.MENTIONS} m ON m.mention_id = s.mention_id "
        f"WHERE coalesce(m.from_brand, 0) != 1 AND {where_m}",
        params_m,
    )
    order_cols = "order_id, customer_id, ordered_at, amount, currency"
    where_o, params_o = _range_sql("ordered_at", date_from, date_to)
    where_o += nothing
    orders = read_frame_chunked(db, f"SELECT {order_cols} FROM {S.ORDERS} WHERE {where_o}", params_o)
    previous: pd.DataFrame | None = None
    if date_from and rows:
        if date_to:
            days = (dt.date.fromisoformat(date_to) - dt.date.fromisoformat(date_from)).days + 1
        else:
            last = db.execute(f"SELECT max(ordered_at) FROM {S.ORDERS}").fetchone()[0]
            end = dt.date.fromisoformat(str(last)[:10]) if last else dt.date.fromisoformat(date_from)
            days = max(1, (end - dt.date.fromisoformat(date_from)).days + 1)
        start = (dt.date.fromisoformat(date_from) - dt.timedelta(days=days)).isoformat()
        previous = store.read_frame(
            db, f"SELECT {order_cols} FROM {S.ORDERS} WHERE ordered_at >= ? AND ordered_at < ?", [start, date_from]
        )
    first_orders = store.read_frame(
        db,
        f"SELECT customer_id, min(ordered_at) AS first_order_at FROM {S.ORDERS} "
        "WHERE customer_id IS NOT NULL GROUP BY customer_id",
    ) if customers else pd.DataFrame()
    everyone = store.read_frame(db, f"SELECT customer_id, created_at FROM {S.CUSTOMERS}") if customers else pd.DataFrame()
    where_s, params_s = _range_sql("answered_at", date_from, date_to)
    where_s += nothing
    surveys = store.read_frame(db, f"SELECT score FROM {S.SURVEYS} WHERE {where_s}", params_s)
    linked = frozenset(
        str(r[0]) for r in db.execute(f"SELECT DISTINCT customer_id FROM {S.LINKS} WHERE status = ?", [S.LINKED])
    ) if rows else frozenset()
    # Only what the KPIs (and the Overview's segment and platform filters) use: at
    # 100k customers and 400k authors, reading whole rows cost seconds per cold start.
    customer_value = _read_columns(db, CUSTOMER_VALUE, ["customer_id", "clv"])
    roles = _read_columns(db, ROLES, ["profile_id", "platform", "customer_id", "role"], with_role_only=True)
    return KPIContext(
        date_from=date_from,
        date_to=date_to,
        mentions=_with_columns(mentions, ["mention_id", "platform", "author", "brand", "kind", "likes", "shares",
                                          "replies", "author_followers", "posted_at"]),
        replies=_with_columns(replies, ["in_reply_to", "posted_at"]),
        sentiment=_with_columns(sentiment, ["mention_id", "label"]),
        orders=_with_columns(orders, ORDER_COLUMNS),
        previous_orders=None if previous is None else _with_columns(previous, ORDER_COLUMNS),
        first_orders=_with_columns(first_orders, ["customer_id", "first_order_at"]),
        customers=_with_columns(everyone, ["customer_id", "created_at"]),
        surveys=_with_columns(surveys, ["score"]),
        linked_customers=linked,
        customer_value=customer_value,
        roles=roles,
        own_brand=own_brand(db),
        currency=shop_currency(db),
        cases=stored_case_frame(db),
        now=store.utcnow(),
        rates=business.exchange_rates(db),
        customer_currency=stored_customer_currencies(db) if customer_value is not None else {},
    )


# Rows read at a time by read_frame_chunked: a million rows as Python tuples at once
# cost about 1 GB before they became a frame of a few hundred MB.
READ_CHUNK = 100_000


def read_frame_chunked(db: sqlite_utils.Database, sql: str, params: list[Any] | None = None, chunk: int = READ_CHUNK) -> pd.DataFrame:
    """:func:`scrm.db.store.read_frame`, but turning ``chunk`` rows at a time into a frame, so that the
    rows never sit in memory as Python objects all at once."""
    cursor = db.execute(sql, params or [])
    columns = [c[0] for c in cursor.description]
    parts = []
    while rows := cursor.fetchmany(chunk):
        parts.append(pd.DataFrame.from_records(rows, columns=columns))
        del rows
    if not parts:
        return pd.DataFrame.from_records([], columns=columns)
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def customer_currencies(db: sqlite_utils.Database) -> dict[str, str]:
    """Each customer's main order currency (the one most of their orders name): what their CLV is in."""
    rows = db.execute(
        f"SELECT customer_id, upper(trim(currency)) AS code, count(*) AS n FROM {S.ORDERS} "
        "WHERE customer_id IS NOT NULL AND currency IS NOT NULL AND trim(currency) != '' "
        "GROUP BY customer_id, code ORDER BY customer_id, n DESC, code"
    ).fetchall()
    main: dict[str, str] = {}
    for customer_id, code, _ in rows:
        main.setdefault(str(customer_id), str(code))
    return main


def stored_customer_currencies(db: sqlite_utils.Database) -> dict[str, str]:
    """:func:`customer_currencies`, stored per data version (:func:`scrm.views.data.stored`): it groups
    every order, the same answer for every filter, and took about a third of a second per new
    Overview filter at medium scale."""
    import json

    from scrm.views import data as browse

    def decode(raw: bytes) -> dict[str, str]:
        return {str(k): str(v) for k, v in json.loads(raw).items()}

    return browse.stored(db, "kpis:customer_currencies", lambda: customer_currencies(db), browse.encode_json, decode)


def stored_case_frame(db: sqlite_utils.Database) -> pd.DataFrame | None:
    """:func:`_case_frame`, stored per data version: it reads every case and customer score
    whatever the filter (about a third of a second per new Overview filter at medium scale)."""
    if not table_exists(db, S.CASES) or store.is_empty(db, S.CASES):
        return None
    from scrm.views import data as browse

    def read() -> pd.DataFrame:
        from scrm.act import cases

        return cases.case_frame(db)

    return browse.stored(db, "kpis:case_frame", read, browse.encode_frame, browse.decode_frame)


def _case_frame(db: sqlite_utils.Database) -> pd.DataFrame | None:
    """Cases for the case KPIs (None before the cases table exists); cheap when there are none."""
    if not table_exists(db, S.CASES) or store.is_empty(db, S.CASES):
        return None
    from scrm.act import cases

    return cases.case_frame(db)


def _read_columns(
    db: sqlite_utils.Database, table: str, wanted: list[str], *, with_role_only: bool = False
) -> pd.DataFrame | None:
    """The ``wanted`` columns a derived table has (None when the table is absent);
    ``with_role_only`` skips authors whose role is none (most of them)."""
    if not table_exists(db, table):
        return None
    have = set(db[table].columns_dict)
    columns = [c for c in wanted if c in have]
    if not columns:
        return pd.DataFrame()
    where = "coalesce(role, 'none') != 'none'" if with_role_only and "role" in have else "1 = 1"
    quoted = ", ".join(f'"{c}"' for c in columns)
    return store.read_frame(db, f'SELECT {quoted} FROM "{table}" WHERE {where}')


def _with_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """An empty query result has no columns; give it the expected ones so KPIs need no special case."""
    if frame.empty and list(frame.columns) != columns:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return frame


def compute_kpis(
    db: sqlite_utils.Database, date_from: str | None = None, date_to: str | None = None
) -> dict[str, dict[str, Any]]:
    """Every KPI of :data:`KPIS` over the inclusive date range, keyed by KPI key.

    Each entry is ``{"value", "unit", "name", "formula", "higher_is_better"}``
    plus ``"currency"`` for currency KPIs and ``"note"`` when the value is None
    (or needs a caveat).

    >>> from scrm.db import store
    >>> compute_kpis(store.open_db(":memory:"))["nps"]["note"]
    'no survey answers in this range'
    """
    context = load_context(db, date_from, date_to)
    out: dict[str, dict[str, Any]] = {}
    for kpi in KPIS:
        result = kpi.compute(context)
        value = result.value
        if isinstance(value, np.generic):
            value = value.item()
        entry: dict[str, Any] = {
            "value": value,
            "unit": kpi.unit,
            "name": kpi.name,
            "formula": kpi.formula,
            "higher_is_better": kpi.higher_is_better,
        }
        if kpi.unit == "currency":
            entry["currency"] = context.currency
        if result.note:
            entry["note"] = result.note
        out[kpi.key] = entry
    return out


def definitions() -> pd.DataFrame:
    """The dictionary as a table (key, name, formula, unit, higher_is_better): the app's KPI help."""
    return pd.DataFrame(
        [(k.key, k.name, k.formula, k.unit, k.higher_is_better) for k in KPIS],
        columns=["key", "name", "formula", "unit", "higher_is_better"],
    )


# --- the same KPIs from the summaries (scrm.db.summaries) -------------------------------------

# KPIs whose exact definition is a sum over days, or a count of the distinct people of the
# days' rows: the summaries answer them for any filter. The others are snapshots (CLV, roles)
# and the case KPIs, read whole (see scrm.db.summaries).
SUMMARY_KEYS: tuple[str, ...] = (
    "mentions", "engagement_rate", "amplification_rate", "applause_rate", "conversation_rate", "share_of_voice",
    "net_sentiment", "positive_ratio", "nps", "customers", "new_customers", "orders", "revenue", "aov",
    "social_linked_revenue_share",
    "unique_authors", "reach", "response_rate", "median_first_response_minutes",
    "active_customers", "purchase_frequency", "repeat_rate", "churn_rate",
)


@dataclass(frozen=True)
class PeopleRows:
    """One row per person and day, sorted by day: ``code`` numbers the people and ``value`` is an
    author's follower count of the day (NaN unknown) or a customer's orders that day."""

    days: np.ndarray
    code: np.ndarray
    value: np.ndarray
    named: np.ndarray  # authors only: 1 when the handle is not blank

    @classmethod
    def of(cls, rows: list[tuple[Any, ...]], *, authors: bool) -> PeopleRows:
        """From rows ``(day YYYYMMDD, person, [named,] value)`` sorted by day."""
        # One float array: numbers only (None, no follower count, becomes NaN), exact below 2**53.
        table = np.array(rows, dtype=np.float64).reshape(len(rows), 4 if authors else 3)
        named = table[:, 2].astype(np.int64) if authors else np.ones(len(rows), dtype=np.int64)
        return cls(table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, -1].copy(), named)

    def cut(self, first: str, last: str) -> slice:
        return slice(int(np.searchsorted(self.days, _day_number(first), side="left")),
                     int(np.searchsorted(self.days, _day_number(last), side="right")))


@dataclass(frozen=True)
class AnswerRows:
    """The own brand's answerable mentions per day, sorted by day: ``answered`` 0/1, ``minutes`` to the
    first reply, ``mentions`` how many (see :func:`scrm.db.summaries.answer_days`)."""

    days: np.ndarray
    answered: np.ndarray
    minutes: np.ndarray
    mentions: np.ndarray


@dataclass(frozen=True)
class SummaryRows:
    """The summaries of a span of days under a filter, one value per day (see :func:`load_summary_rows`).

    ``days`` is sorted; every array has one entry per day. Mention arrays apply the
    brand filter, ``named`` and ``own`` (share of voice) ignore it. Money is kept per
    currency code ('' for blank), so that any sub-range converts as the dictionary does.
    """

    days: np.ndarray
    mentions: dict[str, np.ndarray]  # mentions, likes, shares, replies, engaged, followers, scored, positive, negative, named, own
    money: dict[str, dict[str, np.ndarray]]  # currency -> orders, priced, amount, linked_amount
    orders: np.ndarray
    surveys: dict[str, np.ndarray]  # answers, promoters, detractors
    customers: pd.DataFrame  # day ('' unknown), created, first_orders
    own_brand: str | None
    currency: str | None
    rates: dict[str, business.Rate]
    authors: PeopleRows | None = None
    buyers: PeopleRows | None = None
    answers: AnswerRows | None = None


def load_summary_rows(
    db: sqlite_utils.Database,
    first: str,
    last: str,
    *,
    brands: tuple[str, ...] = (),
    platforms: tuple[str, ...] = (),
    langs: tuple[str, ...] = (),
    segment: int | None = None,
) -> SummaryRows:
    """Read the summaries of the days ``first``..``last`` once; :func:`summary_results` answers any sub-range."""
    from scrm.db import summaries

    if segment is not None and not table_exists(db, S.SEGMENTS):
        segment = None  # not computed yet: the segment filter is not applied (as the frames path does)
    mention_rows = summaries.mention_days(db, first, last, platforms=platforms, langs=langs)
    order_rows = summaries.order_days(db, first, last, segment=segment)
    survey_rows = summaries.survey_days(db, first, last, segment=segment)
    days = np.array(sorted({r[0] for r in mention_rows} | {r[0] for r in order_rows} | {r[0] for r in survey_rows}), dtype=object)
    at = {day: i for i, day in enumerate(days)}
    n = len(days)
    owner = own_brand(db)
    wanted = set(brands)
    mention_keys = ("mentions", "likes", "shares", "replies", "engaged", "followers", "scored", "positive", "negative", "named", "own")
    m = {k: np.zeros(n, dtype=np.int64) for k in mention_keys}
    for day, brand, label, count, likes, shares, replies, engaged, followers in mention_rows:
        # int(): PostgreSQL sums integers as numeric (Decimal in Python).
        i, count = at[day], int(count)
        likes, shares, replies, engaged, followers = (int(v or 0) for v in (likes, shares, replies, engaged, followers))
        brand = str(brand)
        if brand.strip():
            m["named"][i] += count
            if owner and brand.casefold() == owner.casefold():
                m["own"][i] += count
        if wanted and brand not in wanted:
            continue
        m["mentions"][i] += count
        m["likes"][i] += likes
        m["shares"][i] += shares
        m["replies"][i] += replies
        m["engaged"][i] += engaged
        m["followers"][i] += followers
        if label in SCORED_LABELS:
            m["scored"][i] += count
            m["positive"][i] += count if label == "positive" else 0
            m["negative"][i] += count if label == "negative" else 0
    money: dict[str, dict[str, np.ndarray]] = {}
    orders = np.zeros(n, dtype=np.int64)
    for day, code, linked, _known, count, priced, amount in order_rows:
        i, count, priced, amount = at[day], int(count), int(priced), float(amount or 0.0)
        per = money.setdefault(str(code), {
            "orders": np.zeros(n, dtype=np.int64), "priced": np.zeros(n, dtype=np.int64),
            "amount": np.zeros(n, dtype=np.float64), "linked_amount": np.zeros(n, dtype=np.float64),
        })
        per["orders"][i] += count
        per["priced"][i] += priced
        per["amount"][i] += amount
        if int(linked) == 1:
            per["linked_amount"][i] += amount
        orders[i] += count
    v = {k: np.zeros(n, dtype=np.int64) for k in ("answers", "promoters", "detractors")}
    for day, answers, promoters, detractors in survey_rows:
        i = at[day]
        v["answers"][i] += int(answers)
        v["promoters"][i] += int(promoters or 0)
        v["detractors"][i] += int(detractors or 0)
    c = pd.DataFrame(summaries.customer_days(db, segment=segment), columns=["day", "created", "first_orders"])
    filters = {"brands": brands, "platforms": platforms, "langs": langs}
    authors = PeopleRows.of(summaries.author_days(db, first, last, **filters), authors=True)
    buyers = PeopleRows.of(summaries.buyer_days(db, first, last, segment=segment), authors=False)
    answers = _answer_rows(summaries.answer_days(db, first, last, **filters), owner)
    return SummaryRows(days, m, money, orders, v, c, owner, shop_currency(db), business.exchange_rates(db),
                       authors, buyers, answers)


def _answer_rows(rows: list[tuple[Any, ...]], owner: str | None) -> AnswerRows:
    """The rows of the own brand (compared as :func:`_answerable` does), sorted by day."""
    own = owner.casefold() if owner else None
    kept = sorted((r for r in rows if own is not None and str(r[1]).casefold() == own), key=lambda r: str(r[0]))
    return AnswerRows(
        np.array([r[0] for r in kept], dtype=object),
        np.array([int(r[2]) for r in kept], dtype=np.int64),
        np.array([float(r[3]) for r in kept], dtype=np.float64),
        np.array([int(r[4]) for r in kept], dtype=np.int64),
    )


def _people_results(rows: SummaryRows, key: str, first: str, last: str, previous_from: str | None) -> Result | None:
    """The distinct-people and reply KPIs of ``first``..``last`` (None when ``rows`` has no people rows)."""
    if key in ("unique_authors", "reach"):
        a = rows.authors
        if a is None:
            return None
        at = a.cut(first, last)
        codes = a.code[at]
        if key == "unique_authors":
            return Result(int(np.unique(codes[a.named[at] == 1]).size))
        if codes.size == 0:
            return Result(0)
        # One audience per author: their largest follower count in the range (unknown adds 0).
        order = np.argsort(codes, kind="stable")
        ordered = codes[order]
        starts = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1))
        largest = np.fmax.reduceat(a.value[at][order], starts)
        return Result(int(np.nan_to_num(largest, nan=0.0).sum()))
    if key in ("active_customers", "purchase_frequency", "repeat_rate", "churn_rate"):
        b = rows.buyers
        if b is None:
            return None
        at = b.cut(first, last)
        codes = b.code[at]
        if key == "churn_rate":
            if previous_from is None:
                return Result(None, "churn compares two periods: give a start date (--from) so there is a previous period")
            before = np.unique(b.code[b.cut(previous_from, _day_before(first))])
            if before.size == 0:
                return Result(None, "no customer ordered in the previous period of the same length")
            return _ratio(int(np.setdiff1d(before, codes).size), int(before.size), percent=True)
        present, inverse = np.unique(codes, return_inverse=True)
        if key == "active_customers":
            return Result(int(present.size))
        per_customer = np.bincount(inverse, weights=b.value[at], minlength=present.size)
        note = "no orders by known customers in this range"
        if key == "purchase_frequency":
            return _ratio(int(per_customer.sum()), int(present.size), note=note)
        return _ratio(int((per_customer >= 2).sum()), int(present.size), percent=True, note=note)
    if key in ("response_rate", "median_first_response_minutes"):
        r = rows.answers
        if r is None:
            return None
        if not rows.own_brand:
            return Result(None, "no own brand: none is set and no mention names a brand")
        i = int(np.searchsorted(r.days, first, side="left"))
        j = int(np.searchsorted(r.days, last, side="right"))
        counts = r.mentions[i:j]
        if int(counts.sum()) == 0:
            return Result(None, "no mention of the own brand to answer in this range")
        answered = r.answered[i:j] == 1
        if key == "response_rate":
            return _ratio(int(counts[answered].sum()), int(counts.sum()), percent=True)
        if not answered.any():
            return Result(None, "the brand answered no mention in this range")
        minutes = np.repeat(r.minutes[i:j][answered], counts[answered])
        return Result(round(float(pd.Series(minutes, dtype="float64").median()), 1))
    return None


def _day_number(day: str) -> int:
    """``2026-03-01`` as 20260301 (how :func:`scrm.db.summaries.author_days` gives days)."""
    return int(day.replace("-", ""))


def _day_before(day: str) -> str:
    return (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()


def _summary_money(
    rows: SummaryRows, i: int, j: int
) -> tuple[float, int, float, str | None]:
    """(Revenue, orders kept, linked revenue, note) of the days ``i``..``j - 1``, as :func:`_in_shop_currency` decides."""
    present = {code: {k: a[i:j].sum() for k, a in per.items()} for code, per in rows.money.items()}
    present = {code: sums for code, sums in present.items() if sums["orders"] > 0}
    currency = rows.currency
    same = {code for code in present if code in ("", currency or "")}
    if currency is None or same == set(present):
        revenue = float(sum(p["amount"] for p in present.values()))
        return revenue, int(sum(p["orders"] for p in present.values())), float(sum(p["linked_amount"] for p in present.values())), None
    revenue = linked = 0.0
    kept = 0
    missing = 0
    for code, sums in present.items():
        if code in same or code in rows.rates:
            factor = 1.0 if code in same else rows.rates[code].rate
            revenue += float(sums["amount"]) * factor
            linked += float(sums["linked_amount"]) * factor
            kept += int(sums["orders"])
        else:
            # Orders in a currency without a rate stay out, but those without an amount stay in.
            kept += int(sums["orders"] - sums["priced"])
            missing += int(sums["orders"])
    parts = []
    used = sorted(code for code in present if code not in same and code in rows.rates)
    if used:
        parts.append(f"converted to {currency} at {_rate_words([rows.rates[c] for c in used], currency)}")
    if missing:
        total = int(sum(p["orders"] for p in present.values()))
        unrated = sorted(code for code in present if code not in same and code not in rows.rates)
        parts.append(f"{missing:,} of {total:,} orders in {', '.join(unrated)} left out: no exchange rate to {currency} is set")
    return revenue, kept, linked, "; ".join(parts) or None


def summary_results(
    rows: SummaryRows, first: str, last: str, keys: tuple[str, ...] = SUMMARY_KEYS, *, previous_from: str | None = None
) -> dict[str, Result]:
    """The KPIs of :data:`SUMMARY_KEYS` over ``first``..``last`` from the summary rows: the same
    values (and notes) as the dictionary's ``compute`` on the filtered frames.

    ``previous_from`` starts the previous period (it ends the day before ``first``): the churn
    rate compares the two; without it, the churn rate is None with the dictionary's note."""
    i = int(np.searchsorted(rows.days, first, side="left"))
    j = int(np.searchsorted(rows.days, last, side="right"))

    def total(column: str) -> int:
        return int(rows.mentions[column][i:j].sum())

    n = total("mentions")
    out: dict[str, Result] = {}
    money: tuple[float, int, float, str | None] | None = None
    for key in keys:
        people = _people_results(rows, key, first, last, previous_from)
        if people is not None:
            out[key] = people
        elif key == "mentions":
            out[key] = Result(n)
        elif key == "engagement_rate":
            out[key] = _ratio(total("engaged"), total("followers"), percent=True,
                              note="no mention with a follower count in this range")
        elif key in ("amplification_rate", "applause_rate", "conversation_rate"):
            column = {"amplification_rate": "shares", "applause_rate": "likes", "conversation_rate": "replies"}[key]
            out[key] = _ratio(total(column), n, note="no mentions in this range")
        elif key == "share_of_voice":
            named = total("named")
            if named == 0 or not rows.own_brand:
                out[key] = Result(None, "no mention names a brand in this range")
            else:
                out[key] = _ratio(total("own"), named, percent=True)
        elif key in ("net_sentiment", "positive_ratio"):
            scored = total("scored")
            if scored == 0:
                out[key] = Result(None, f"no scored mentions in this range; {RUN_SCORE}")
                continue
            positive = total("positive")
            out[key] = _ratio(positive - total("negative") if key == "net_sentiment" else positive, scored, percent=True)
        elif key == "nps":
            answers = int(rows.surveys["answers"][i:j].sum())
            if answers == 0:
                out[key] = Result(None, "no survey answers in this range")
            else:
                score = int(rows.surveys["promoters"][i:j].sum()) - int(rows.surveys["detractors"][i:j].sum())
                out[key] = _ratio(score, answers, percent=True)
        elif key == "customers":
            c = rows.customers
            out[key] = Result(int(c.loc[(c["day"] == "") | (c["day"] <= last), "created"].sum()))
        elif key == "new_customers":
            c = rows.customers
            out[key] = Result(int(c.loc[(c["day"] >= first) & (c["day"] <= last), "first_orders"].sum()))
        elif key == "orders":
            out[key] = Result(int(rows.orders[i:j].sum()))
        elif key in ("revenue", "aov", "social_linked_revenue_share"):
            money = money or _summary_money(rows, i, j)
            revenue, kept, linked, note = money
            if key == "revenue":
                out[key] = Result(round(revenue, 2), note)
            elif key == "aov":
                r = _ratio(revenue, kept, note="no orders in this range")
                out[key] = Result(None if r.value is None else round(float(r.value), 2), r.note or note)
            else:
                r = _ratio(linked, revenue, percent=True, note="no revenue in this range")
                out[key] = Result(r.value, r.note or note)
    return out
