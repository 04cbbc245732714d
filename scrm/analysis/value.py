"""Customer value: RFM scores and segments, purchase frequency classes, and CLV.

Everything is computed from the ``orders`` table up to an analysis date
``as_of`` (an ISO date; orders on that day count, later ones are ignored) and
written to the derived table ``customer_value`` by :func:`refresh`.

Conventions (shared with :func:`clv_report` and the ``report clv`` command):

- Only orders with a customer count; guest orders (no ``customer_id``) are
  left out. An order is a row with ``amount >= 0``; a row with a negative
  amount is a return: it lowers revenue (``monetary``) but is not a purchase.
- Days are calendar days of the stored UTC timestamps. ``recency_days`` is
  the number of days from the last order's day to ``as_of``.
- Repeat-purchase summary (the convention of the ``lifetimes`` package and
  of Fader, Hardie & Lee): orders are aggregated per day; ``frequency`` = the
  number of purchase days after the first one; ``recency`` = weeks from the
  first to the last purchase day; ``T`` = weeks from the first purchase day
  to ``as_of``; ``monetary_value`` = the mean amount of the repeat purchase
  days (0 without repeats). Time unit: weeks (7 days).

CLV = the expected revenue of the next 12 months: BG/NBD expected purchases
in each month (52/12 weeks) times the Gamma-Gamma expected spend per
purchase, discounted at :data:`MONTHLY_DISCOUNT_RATE` per month. It is revenue
in the shop's currency, not margin (the orders carry no cost).

>>> import pandas as pd
>>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"],
...                        "ordered_at": ["2024-01-01T10:00:00", "2024-02-01T10:00:00", "2024-03-01T09:00:00"],
...                        "amount": [10.0, 20.0, 5.0]})
>>> rfm = rfm_scores(orders, "2024-03-31")
>>> int(rfm.at["a", "recency_days"]), float(rfm.at["a", "monetary"]), rfm.at["a", "rfm_segment"]
(59, 30.0, 'At Risk')
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils
from scipy import optimize, special

from scrm.analysis.stage import Progress, StageSummary
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError, NotEnoughData, NotFittedError
from scrm.i18n.messages import Message, Value

log = logging.getLogger(__name__)

ArrayLike = Any  # numbers, numpy arrays or pandas Series

CUSTOMER_VALUE = S.CUSTOMER_VALUE
WEEK_DAYS = 7.0
CLV_MONTHS = 12
# 12 months of 52/12 weeks: the CLV horizon is the same 52 weeks as expected_purchases_52w.
CLV_HORIZON_WEEKS = 52.0
# About 12.7 % a year: a usual cost of capital for a retailer (lifetimes'
# examples use 1 % a month too). Revenue of month m is divided by 1.01 ** m.
MONTHLY_DISCOUNT_RATE = 0.01
# Frequency classes (see frequency_classes).
FREQUENT_MAX_MEDIAN_GAP_DAYS = 45
FREQUENT_ACTIVE_DAYS = 90
# Checked on the demo (its seasonal buyers shop late November-January or
# late June-July): 2-month windows with 80 % of purchase days find 76 % of
# those with two or more purchase days, at 84 % precision.
SEASON_MONTHS = 2
SEASONAL_MIN_SHARE = 0.8
SEASONAL_MIN_TENURE_DAYS = 300

# Stored in customer_value; spelled in scrm.db.schema.
FREQUENCY_CLASSES = S.FREQUENCY_CLASSES
RFM_SEGMENTS = S.RFM_SEGMENTS

# R score (rows, 1..5) x FM score (columns, 1..5) -> segment. FM = the mean of
# the F and M scores rounded half up. The grid is the widely used RFM
# segmentation map (the R-score x F-score regex grid popularised by the
# Kaggle/Medium "RFM analysis" notebooks, e.g. ``r'5[4-5]': 'Champions'``,
# after Putler's "RFM Analysis for Successful Customer Segmentation" table),
# read on FM instead of F so that spend counts, with its eleventh segment
# "Lost" for the cell R = 1, FM = 1 (Putler: "lowest recency, frequency and
# monetary scores"), which the regex grid folds into Hibernating:
#
#   R \ FM   1               2                    3                    4                5
#   5        New Customers   Potential Loyalists  Potential Loyalists  Champions        Champions
#   4        Promising       Potential Loyalists  Potential Loyalists  Loyal            Loyal
#   3        About to Sleep  About to Sleep       Need Attention       Loyal            Loyal
#   2        Hibernating     Hibernating          At Risk              At Risk          Can't Lose Them
#   1        Lost            Hibernating          At Risk              At Risk          Can't Lose Them
RFM_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("New Customers", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"),
    4: ("Promising", "Potential Loyalists", "Potential Loyalists", "Loyal", "Loyal"),
    3: ("About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"),
    2: ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    1: ("Lost", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
}




# --- dates and the purchase summary -----------------------------------------------------------


def parse_as_of(as_of: str | pd.Timestamp | None) -> pd.Timestamp | None:
    """The analysis date as a midnight Timestamp (None stays None).

    >>> parse_as_of("1997-09-30T12:00:00")
    Timestamp('1997-09-30 00:00:00')
    """
    if as_of is None:
        return None
    try:
        parsed = pd.Timestamp(as_of)
    except (ValueError, TypeError):
        parsed = None
    if parsed is None or pd.isna(parsed):
        raise ConfigError(Message("The analysis date '{date}' is not a date. Use YYYY-MM-DD, for example 2026-10-31.",
                                  {"date": str(as_of)}))
    ts = parsed
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.normalize()


def _order_days(orders: pd.DataFrame, as_of: pd.Timestamp | None) -> tuple[pd.DataFrame, pd.Timestamp]:
    """customer_id (text), day (datetime64[s], midnight), ts, amount: guest orders and orders after as_of dropped."""
    for c in ("customer_id", "ordered_at", "amount"):
        if c not in orders.columns:
            raise ValueError(f"orders need a column {c}")
    cust = orders["customer_id"]
    keep = cust.notna() & (cust.astype("string").str.strip() != "")
    frame = orders.loc[keep, ["customer_id", "ordered_at", "amount"]]
    ts = pd.to_datetime(frame["ordered_at"], format="ISO8601", utc=True).dt.tz_localize(None)
    out = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype(str).to_numpy(),
            "ts": ts.to_numpy(),
            "amount": pd.to_numeric(frame["amount"], errors="coerce").fillna(0.0).to_numpy(dtype=float),
        }
    )
    out["day"] = out["ts"].dt.floor("D")
    if as_of is None:
        as_of = out["day"].max() if len(out) else pd.Timestamp("1970-01-01")
    else:
        out = out.loc[out["day"] <= as_of]
    return out.reset_index(drop=True), as_of


def purchase_summary(orders: pd.DataFrame, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Per customer: orders, revenue, first/last order, recency_days and the BG/NBD summary.

    ``orders`` needs customer_id, ordered_at (ISO text or datetimes, UTC) and
    amount. Returns a frame indexed by customer_id (sorted) with columns
    orders, revenue (net of returns), first_order_at, last_order_at,
    recency_days, frequency, recency, T (weeks) and monetary_value (see the
    module docstring). Customers with returns but no order are left out.
    """
    o, day0 = _order_days(orders, parse_as_of(as_of))
    columns = ["orders", "revenue", "first_order_at", "last_order_at", "recency_days",
               "frequency", "recency", "T", "monetary_value"]
    if o.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="customer_id", dtype=str))
    revenue = o.groupby("customer_id", sort=True)["amount"].sum()
    buys = o.loc[o["amount"] >= 0]
    if buys.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="customer_id", dtype=str))
    per_cust = buys.groupby("customer_id", sort=True).agg(
        orders=("amount", "size"), first_order_at=("ts", "min"), last_order_at=("ts", "max"),
        first_day=("day", "min"), last_day=("day", "max"),
    )
    daily = buys.groupby(["customer_id", "day"], sort=True)["amount"].sum()
    days = daily.groupby(level=0).agg(["size", "sum", "first"])
    out = per_cust.join(days)
    out["revenue"] = revenue.reindex(out.index).to_numpy()
    out["recency_days"] = ((day0 - out["last_day"]).dt.days).astype("int64")
    out["frequency"] = (out["size"] - 1).astype("int64")
    out["recency"] = (out["last_day"] - out["first_day"]).dt.days / WEEK_DAYS
    out["T"] = (day0 - out["first_day"]).dt.days / WEEK_DAYS
    repeat = out["sum"] - out["first"]
    out["monetary_value"] = np.where(out["frequency"] > 0, repeat / out["frequency"].clip(lower=1), 0.0)
    out.index.name = "customer_id"
    return out[columns]


# --- RFM ---------------------------------------------------------------------------------------


def _quantile_scores(values: pd.Series, n_bins: int, *, higher_is_better: bool = True) -> pd.Series:
    """Scores 1..n_bins by quantiles of rank; ties broken by position (rank method 'first').

    With n values the k-th smallest (1-based) gets ``floor((k - 1) * n_bins / n) + 1``:
    the same bins as quintiles of distinct values, and never a failure on ties or tiny data.
    """
    n = len(values)
    if n == 0:
        return pd.Series([], index=values.index, dtype="int64")
    ranked = (values if higher_is_better else -values).rank(method="first")
    return pd.Series(np.floor((ranked - 1) * n_bins / n) + 1, index=values.index).astype("int64")


def rfm_segment(r_score: ArrayLike, fm_score: ArrayLike) -> np.ndarray:
    """The segment name of each (R score, FM score) pair by :data:`RFM_GRID`.

    >>> rfm_segment([5, 1], [5, 1]).tolist()
    ['Champions', 'Lost']
    """
    r = np.asarray(r_score, dtype=int)
    fm = np.asarray(fm_score, dtype=int)
    table = np.array([RFM_GRID[k] for k in range(1, 6)], dtype=object)
    return np.asarray(table[r - 1, fm - 1])


def rfm_scores(orders: pd.DataFrame, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Recency, frequency, monetary, their 1-5 quintile scores and the RFM segment per customer.

    recency = days from the last order to ``as_of`` (fewer is better),
    frequency = number of orders, monetary = revenue net of returns. Scores
    are quintiles of the rank (5 = best); equal values are ranked by
    customer_id, so the result is the same on every run. ``fm_score`` = the
    mean of F and M rounded half up; ``rfm_segment`` reads :data:`RFM_GRID`.
    Guest orders are excluded. Indexed by customer_id.
    """
    summary = purchase_summary(orders, as_of)
    return _rfm_from_summary(summary)


def _rfm_from_summary(summary: pd.DataFrame) -> pd.DataFrame:
    s = summary.sort_index()
    out = pd.DataFrame(
        {
            "recency_days": s["recency_days"].astype("int64"),
            "frequency": s["orders"].astype("int64"),
            "monetary": s["revenue"].astype(float),
        },
        index=s.index,
    )
    out["r_score"] = _quantile_scores(out["recency_days"], 5, higher_is_better=False)
    out["f_score"] = _quantile_scores(out["frequency"], 5)
    out["m_score"] = _quantile_scores(out["monetary"], 5)
    out["fm_score"] = np.floor((out["f_score"] + out["m_score"]) / 2 + 0.5).astype("int64")
    out["rfm_segment"] = pd.Series(rfm_segment(out["r_score"], out["fm_score"]), index=out.index, dtype=str)
    return out


# --- purchase frequency classes -----------------------------------------------------------------


def frequency_classes(orders: pd.DataFrame, as_of: str | pd.Timestamp | None = None) -> pd.Series:
    """The purchase frequency class of each customer: frequent, sporadic, seasonal or one-off.

    On purchase days (orders of one day count once; returns are not
    purchases), the first rule that matches wins:

    1. **one-off**: a single purchase day.
    2. **seasonal**: at least :data:`SEASONAL_MIN_SHARE` (80 %) of the purchase
       days fall in one window of :data:`SEASON_MONTHS` (2) consecutive
       calendar months (December-January wraps), and either those days lie in
       at least two different years' seasons, or the customer has been known
       for at least :data:`SEASONAL_MIN_TENURE_DAYS` (300) days, so the rest
       of the year was seen without purchases.
    3. **frequent**: the median gap between purchase days is at most
       :data:`FREQUENT_MAX_MEDIAN_GAP_DAYS` (45) days and the last purchase
       is at most :data:`FREQUENT_ACTIVE_DAYS` (90) days before ``as_of``.
    4. **sporadic**: everyone else (repeat buyers with long or irregular gaps,
       and frequent buyers who stopped).

    Indexed by customer_id (sorted); guest orders are excluded.
    """
    o, day0 = _order_days(orders, parse_as_of(as_of))
    o = o.loc[o["amount"] >= 0]
    days = o[["customer_id", "day"]].drop_duplicates().sort_values(["customer_id", "day"], ignore_index=True)
    if days.empty:
        return pd.Series([], index=pd.Index([], name="customer_id", dtype=str), dtype=str, name="frequency_class")
    codes, ids = pd.factorize(days["customer_id"], sort=True)
    n = len(ids)
    n_days = np.bincount(codes, minlength=n)
    first_day = days.groupby(codes)["day"].min().to_numpy()
    last_day = days.groupby(codes)["day"].max().to_numpy()
    tenure = (day0 - pd.DatetimeIndex(first_day)).days.to_numpy()
    since_last = (day0 - pd.DatetimeIndex(last_day)).days.to_numpy()

    # Median gap between consecutive purchase days of the same customer.
    gap = days["day"].diff().dt.days.to_numpy(dtype=float)
    same = np.r_[False, codes[1:] == codes[:-1]]
    gaps = pd.Series(gap[same]).groupby(codes[same]).median()
    median_gap = np.full(n, np.inf)
    median_gap[gaps.index.to_numpy()] = gaps.to_numpy()

    # Purchase days per calendar month, then the busiest window of SEASON_MONTHS months.
    month = days["day"].dt.month.to_numpy() - 1
    per_month = np.zeros((n, 12))
    np.add.at(per_month, (codes, month), 1.0)
    window = np.zeros_like(per_month)  # purchase days in the window starting at each month
    for k in range(SEASON_MONTHS):
        window += np.roll(per_month, -k, axis=1)
    best_start = window.argmax(axis=1)  # ties: the earliest month, deterministic
    share = window[np.arange(n), best_start] / n_days
    # Season years of the days inside the best window (a window that wraps
    # into January belongs to the year it started in).
    start = best_start[codes]
    offset = (month - start) % 12
    inside = offset < SEASON_MONTHS
    season_year = days["day"].dt.year.to_numpy() - (month < start).astype(int)
    seasons = pd.Series(season_year[inside]).groupby(codes[inside]).nunique()
    n_seasons = np.zeros(n, dtype=int)
    n_seasons[seasons.index.to_numpy()] = seasons.to_numpy()

    seasonal = (n_days >= 2) & (share >= SEASONAL_MIN_SHARE) & (
        (n_seasons >= 2) | (tenure >= SEASONAL_MIN_TENURE_DAYS)
    )
    frequent = (n_days >= 2) & (median_gap <= FREQUENT_MAX_MEDIAN_GAP_DAYS) & (since_last <= FREQUENT_ACTIVE_DAYS)
    cls = np.select([n_days == 1, seasonal, frequent], ["one-off", "seasonal", "frequent"], "sporadic")
    return pd.Series(cls, index=pd.Index(ids, name="customer_id"), name="frequency_class", dtype=str)


# --- BG/NBD -------------------------------------------------------------------------------------


def _as_arrays(*values: ArrayLike) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def _check_summary(frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> None:
    if not (frequency.shape == recency.shape == T.shape):
        raise ValueError("frequency, recency and T must have the same length")
    if np.any(frequency < 0) or np.any(recency < 0) or np.any(recency > T + 1e-9):
        raise ValueError("need frequency >= 0 and 0 <= recency <= T")
    if np.any((frequency == 0) & (recency > 0)):
        raise ValueError("customers without repeat purchases must have recency 0")


def _unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows and their counts: customers with the same summary share one likelihood term."""
    stacked = np.column_stack(columns)
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype(float)


def bgnbd_log_likelihood(
    params: tuple[float, float, float, float], frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood (Fader, Hardie & Lee 2005, equation 6).

    With x = frequency, t_x = recency::

        L = B(a, b+x)/B(a, b) * G(r+x) a^r / (G(r) (alpha+T)^(r+x))
            + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))

    computed in logs (``gammaln``, ``logaddexp``).
    """
    r, alpha, a, b = params
    x, tx, t = _as_arrays(frequency, recency, T)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return np.asarray(a1 + a2 + np.logaddexp(a3, a4))


# Parameters are fitted in logs within e^-15..e^15 (3e-7..3e6): degenerate data
# (no drop-out at all) then stop at a bound instead of running off to 1e-19.
LOG_BOUNDS = (-15.0, 15.0)
# L-BFGS-B with numerical gradients: about 100 likelihood evaluations. Tight
# tolerances reproduce the published CDNOW parameters to 0.1 %; Nelder-Mead
# gets the same optimum with about ten times more evaluations.
_LBFGS = {"ftol": 1e-14, "gtol": 1e-9, "maxiter": 2000}


def _not_fitted(model: str, fit: str) -> NotFittedError:
    return NotFittedError(Message("This {model} is not fitted yet. Call {fit} before predicting.", {"model": model, "fit": fit}))


class BetaGeoFitter:
    """The BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

    Transactions follow a Poisson process with rate lambda ~ Gamma(r, alpha);
    after each purchase the customer drops out with probability
    p ~ Beta(a, b). Parameters are estimated in logs (so they stay positive)
    with ``scipy.optimize.minimize`` on the mean negative log-likelihood.

    >>> m = BetaGeoFitter().fit([2, 1, 0, 0], [30.43, 1.71, 0.0, 0.0], [38.86] * 4)
    >>> sorted(m.params_)
    ['a', 'alpha', 'b', 'r']
    """

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> BetaGeoFitter:
        """Estimate r, alpha, a, b from each customer's (frequency, recency, T); returns self."""
        x, tx, t = _as_arrays(frequency, recency, T)
        _check_summary(x, tx, t)
        if len(x) < 2:
            raise NotEnoughData(Message("The BG/NBD model needs at least 2 customers; import more orders."))
        if not np.any(x > 0):
            raise NotEnoughData(Message("The BG/NBD model needs repeat buyers: no customer bought on two different days."))
        (ux, utx, ut), w = _unique_rows(x, tx, t)
        total = w.sum()

        def objective(log_params: np.ndarray) -> float:
            params = tuple(np.exp(log_params))
            ll = bgnbd_log_likelihood(params, ux, utx, ut)  # type: ignore[arg-type]
            value = -float(np.dot(w, ll)) / total
            value += self.penalizer_coef * float(np.sum(np.exp(log_params) ** 2))
            return value if np.isfinite(value) else 1e100

        # alpha is in time units: start it at the mean age so any unit starts sensibly.
        start = np.log(np.array([1.0, max(float(np.mean(t)), 1e-3), 1.0, 1.0]))
        result = optimize.minimize(objective, start, method="L-BFGS-B", bounds=[LOG_BOUNDS] * 4, options=_LBFGS)
        r, alpha, a, b = (float(v) for v in np.exp(result.x))
        self.params_ = {"r": r, "alpha": alpha, "a": a, "b": b}
        self.log_likelihood_ = -float(result.fun) * total
        self.n_customers_ = len(x)
        log.debug("BG/NBD fitted on %d customers: %s", len(x), self.params_)
        return self

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise _not_fitted("BetaGeoFitter", "fit(frequency, recency, T)")
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """P(customer still active at T | x, t_x, T) (FHL 2005, equation 11); 1 when x = 0."""
        r, alpha, a, b = self._params()
        x, tx, t = _as_arrays(frequency, recency, T)
        log_ratio = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + t) - np.log(alpha + tx))
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700.0))), 1.0)

    def predict(self, t: float | ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Expected purchases in the next ``t`` weeks given (x, t_x, T) (FHL 2005, equation 10)::

            E[Y(t)] = (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                      * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
                      / (1 + [x > 0] a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))
        """
        r, alpha, a, b = self._params()
        x, tx, big_t = _as_arrays(frequency, recency, T)
        t_arr = np.asarray(t, dtype=float)
        z = t_arr / (alpha + big_t + t_arr)
        # ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) through Euler's
        # transformation 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z), with
        # 1 - z = (alpha+T)/(alpha+T+t): (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z).
        # The same number, but the upper parameters no longer grow with x, so
        # customers with hundreds of purchases get no inf * 0 = NaN.
        hyp = special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        bracket = 1.0 - np.exp((a - 1) * np.log1p(-z)) * hyp
        expected = (a + b + x - 1) / (a - 1) * bracket * self.p_alive(x, tx, big_t)
        return np.asarray(np.maximum(expected, 0.0))

    def expected_purchases_new_customer(self, t: float | ArrayLike) -> np.ndarray:
        """E[X(t)] for a customer just acquired (FHL 2005, equation 7)."""
        r, alpha, a, b = self._params()
        t_arr = np.asarray(t, dtype=float)
        hyp = special.hyp2f1(r, b, a + b - 1, t_arr / (alpha + t_arr))
        return np.asarray((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t_arr)) ** r * hyp))


# --- Gamma-Gamma ----------------------------------------------------------------------------------


def gamma_gamma_log_likelihood(params: tuple[float, float, float], frequency: ArrayLike, monetary_value: ArrayLike) -> np.ndarray:
    """Each repeat buyer's Gamma-Gamma log-likelihood (Fader, Hardie & Lee 2005 "RFM and CLV"; Hardie's note)::

        L = G(px+q) / (G(px) G(q)) * v^q * m^(px-1) * x^(px) / (v + m x)^(px+q)

    with x = number of repeat purchases and m = their mean value (x > 0, m > 0).
    """
    p, q, v = params
    x, m = _as_arrays(frequency, monetary_value)
    return np.asarray(
        special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q)
        + q * np.log(v) + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(v + m * x)
    )


class GammaGammaFitter:
    """The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005; Colombo & Jiang 1999).

    A customer's purchase values are Gamma(p, nu) with nu ~ Gamma(q, v)
    across customers; fitted on customers with frequency > 0 and a positive
    mean repeat value.
    """

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    def fit(self, frequency: ArrayLike, monetary_value: ArrayLike) -> GammaGammaFitter:
        """Estimate p, q, v from repeat buyers' (frequency, mean repeat value); returns self."""
        x, m = _as_arrays(frequency, monetary_value)
        keep = (x > 0) & (m > 0)
        x, m = x[keep], m[keep]
        if len(x) < 2:
            raise NotEnoughData(Message("The Gamma-Gamma spend model needs at least 2 repeat buyers with a positive spend."))
        (ux, um), w = _unique_rows(x, m)
        total = w.sum()
        # Fit in units of the mean spend: the likelihood is scale-equivariant in v.
        scale = float(np.mean(m))

        def objective(log_params: np.ndarray) -> float:
            p, q, v = np.exp(log_params)
            ll = gamma_gamma_log_likelihood((p, q, v), ux, um / scale)
            value = -float(np.dot(w, ll)) / total + self.penalizer_coef * float(np.sum(np.exp(log_params) ** 2))
            return value if np.isfinite(value) else 1e100

        result = optimize.minimize(objective, np.zeros(3), method="L-BFGS-B", bounds=[LOG_BOUNDS] * 3, options=_LBFGS)
        p, q, v = (float(e) for e in np.exp(result.x))
        self.params_ = {"p": p, "q": q, "v": v * scale}
        self.n_customers_ = len(x)
        log.debug("Gamma-Gamma fitted on %d repeat buyers: %s", len(x), self.params_)
        return self

    def conditional_expected_average_profit(self, frequency: ArrayLike, monetary_value: ArrayLike) -> np.ndarray:
        """E[M | x, m_x] = (v + m_x x) p / (p x + q - 1): a weighted mean of the population mean
        v p / (q - 1) and the customer's own mean m_x (the population mean when x = 0)."""
        if not hasattr(self, "params_"):
            raise _not_fitted("GammaGammaFitter", "fit(frequency, monetary_value)")
        p, q, v = self.params_["p"], self.params_["q"], self.params_["v"]
        x, m = _as_arrays(frequency, monetary_value)
        m = np.where(x > 0, m, 0.0)
        return np.asarray((v + m * x) * p / (p * x + q - 1))


def customer_lifetime_value(
    bgnbd: BetaGeoFitter,
    gamma_gamma: GammaGammaFitter,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    months: int = CLV_MONTHS,
    monthly_discount_rate: float = MONTHLY_DISCOUNT_RATE,
) -> np.ndarray:
    """Discounted expected revenue over ``months`` months of 52/12 weeks::

        CLV = sum_{m=1..months} E[spend] * (E[Y(m w)] - E[Y((m-1) w)]) / (1 + d)^m,  w = 52/12 weeks
    """
    spend = gamma_gamma.conditional_expected_average_profit(frequency, monetary_value)
    weeks = CLV_HORIZON_WEEKS / 12
    total = np.zeros(len(np.atleast_1d(spend)))
    previous = np.zeros_like(total)
    for m in range(1, months + 1):
        cumulative = bgnbd.predict(m * weeks, frequency, recency, T)
        total += spend * (cumulative - previous) / (1 + monthly_discount_rate) ** m
        previous = cumulative
    return total


# --- from the database ----------------------------------------------------------------------------


def load_orders(db: sqlite_utils.Database, as_of: str | pd.Timestamp | None = None) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Orders with a customer up to ``as_of`` and that day (default: the day of the latest order,
    guest orders included, as in every analysis; never today's clock)."""
    day0 = parse_as_of(as_of)
    if day0 is None:
        row = db.execute(f"SELECT max(ordered_at) FROM {S.ORDERS}").fetchone()
        if row is None or row[0] is None:
            return pd.DataFrame(columns=["customer_id", "ordered_at", "amount"]), None
        day0 = parse_as_of(str(row[0])[:10])
    assert day0 is not None
    end = (day0 + pd.Timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    frame = store.read_frame(
        db,
        f"SELECT customer_id, ordered_at, amount FROM {S.ORDERS} "
        "WHERE customer_id IS NOT NULL AND trim(customer_id) != '' AND ordered_at < ?",
        [end],
    )
    return frame, day0


@dataclass
class ValueModels:
    """The fitted CLV models (None when the data were too thin to fit one) and why not."""

    bgnbd: BetaGeoFitter | None
    gamma_gamma: GammaGammaFitter | None
    problem: str | None = None
    problem_message: Value | None = None  # the problem for the reader's language


def fit_models(summary: pd.DataFrame) -> ValueModels:
    """Fit BG/NBD and Gamma-Gamma on a :func:`purchase_summary`; a thin dataset gives None models."""
    try:
        bg = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    except NotEnoughData as e:
        return ValueModels(None, None, str(e), e.message)
    try:
        gg = GammaGammaFitter().fit(summary["frequency"], summary["monetary_value"])
    except NotEnoughData as e:
        return ValueModels(bg, None, str(e), e.message)
    return ValueModels(bg, gg)


def _decile(values: pd.Series) -> pd.Series:
    ok = values.notna()
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    if ok.any():
        out[ok] = _quantile_scores(values[ok], 10).to_numpy()
    return out


def compute_customer_value(
    db: sqlite_utils.Database, as_of: str | None = None, *, progress: Progress | None = None
) -> pd.DataFrame:
    """The ``customer_value`` rows: one per customer with an order up to ``as_of``.

    Columns: customer_id, orders, revenue, aov, first_order_at, last_order_at,
    recency_days, r_score, f_score, m_score, fm_score, rfm_segment,
    frequency_class, frequency, recency_weeks, T_weeks, monetary_value,
    expected_purchases_52w, p_alive, clv (12 months), clv_decile (1-10,
    10 = top). The CLV columns are empty when the models cannot be fitted.
    """
    if progress:
        progress(0.05, "Reading orders")
    orders, day0 = load_orders(db, as_of)
    summary = purchase_summary(orders, day0)
    if progress:
        progress(0.3, "Scoring RFM and purchase frequency")
    rfm = _rfm_from_summary(summary)
    classes = frequency_classes(orders, day0)
    if progress:
        progress(0.5, "Fitting the CLV models")
    models = fit_models(summary) if len(summary) else ValueModels(None, None, "no orders")
    x, tx, t, m = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T", "monetary_value"))
    nan = np.full(len(summary), np.nan)
    expected = models.bgnbd.predict(CLV_HORIZON_WEEKS, x, tx, t) if models.bgnbd else nan
    alive = models.bgnbd.p_alive(x, tx, t) if models.bgnbd else nan
    clv = customer_lifetime_value(models.bgnbd, models.gamma_gamma, x, tx, t, m) if models.bgnbd and models.gamma_gamma else nan
    if models.problem:
        log.info("customer value without CLV: %s", models.problem)
    if progress:
        progress(0.9, "Assembling customer value")
    out = pd.DataFrame(
        {
            "customer_id": summary.index.astype(str),
            "orders": summary["orders"].astype("int64").to_numpy(),
            "revenue": summary["revenue"].astype(float).round(2).to_numpy(),
        }
    )
    out["aov"] = (out["revenue"] / out["orders"]).round(2)
    # to_datetime: with no orders at all the empty columns are not datetimes yet.
    out["first_order_at"] = pd.to_datetime(summary["first_order_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy()
    out["last_order_at"] = pd.to_datetime(summary["last_order_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy()
    for c in ("recency_days", "r_score", "f_score", "m_score", "fm_score"):
        out[c] = rfm[c].to_numpy()
    out["rfm_segment"] = rfm["rfm_segment"].to_numpy()
    out["frequency_class"] = classes.reindex(summary.index).to_numpy()
    out["frequency"] = summary["frequency"].astype("int64").to_numpy()
    out["recency_weeks"] = tx
    out["T_weeks"] = t
    out["monetary_value"] = m
    out["expected_purchases_52w"] = expected
    out["p_alive"] = alive
    out["clv"] = np.round(clv, 2)
    out["clv_decile"] = _decile(out["clv"]).to_numpy()
    out["as_of"] = day0.strftime("%Y-%m-%d") if day0 is not None else None
    return out


def refresh(db: sqlite_utils.Database, as_of: str | None = None, progress: Progress | None = None) -> StageSummary:
    """Recompute ``customer_value`` from the orders up to ``as_of`` and store it."""
    t0 = time.perf_counter()
    frame = compute_customer_value(db, as_of, progress=progress)
    rows = store.replace_table(db, CUSTOMER_VALUE, frame, pk="customer_id", indexes=[("clv_decile",), ("rfm_segment",)])
    if progress:
        progress(1.0, "Customer value ready")
    seconds = time.perf_counter() - t0
    with_clv = int(frame["clv"].notna().sum()) if rows else 0
    message = f"Valued {rows:,} customers ({with_clv:,} with a CLV) in {seconds:.1f} s."
    return StageSummary(stage="value", rows=rows, seconds=seconds, message=message)


def clv_report(db: sqlite_utils.Database, as_of: str | None = None) -> dict[str, Any]:
    """The ``report clv --json`` document: fitted parameters and each customer's CLV figures.

    ``{"model": {"r", "alpha", "a", "b", "p", "q", "v"}, "customers": [{customer_id,
    frequency, recency, T, monetary_value, expected_purchases, p_alive, clv}, ...]}``
    with time in weeks, customers sorted by clv (highest first, then customer_id);
    ``expected_purchases`` is over the next 52 weeks and clv over 12 months.
    Raises :class:`NotEnoughData` when the models cannot be fitted.
    """
    orders, day0 = load_orders(db, as_of)
    summary = purchase_summary(orders, day0)
    if summary.empty:
        # Only `report clv` asks for this report: its sentence names the command line's own words.
        if day0 is not None:
            raise NotEnoughData(Message(
                "There are no orders with a customer up to {day}; import orders (python -m scrm import orders FILE) "
                "or pick a later --as-of date.", {"day": f"{day0:%Y-%m-%d}"},
            ))
        raise NotEnoughData(Message(
            "There are no orders with a customer; import orders (python -m scrm import orders FILE) or pick a later --as-of date."
        ))
    models = fit_models(summary)
    if models.bgnbd is None or models.gamma_gamma is None:
        raise NotEnoughData(Message("Cannot fit the CLV model: {why}", {"why": models.problem_message or str(models.problem)}))
    x, tx, t, m = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T", "monetary_value"))
    frame = pd.DataFrame(
        {
            "customer_id": summary.index.astype(str),
            "frequency": summary["frequency"].astype(int).to_numpy(),
            "recency": tx,
            "T": t,
            "monetary_value": m,
            "expected_purchases": models.bgnbd.predict(CLV_HORIZON_WEEKS, x, tx, t),
            "p_alive": models.bgnbd.p_alive(x, tx, t),
            "clv": customer_lifetime_value(models.bgnbd, models.gamma_gamma, x, tx, t, m),
        }
    )
    frame = frame.sort_values(["clv", "customer_id"], ascending=[False, True], kind="stable")
    customers = [
        {
            "customer_id": str(cid),
            "frequency": int(freq),
            "recency": round(float(rec), 4),
            "T": round(float(big_t), 4),
            "monetary_value": round(float(mon), 4),
            "expected_purchases": _finite(exp, 6),
            "p_alive": _finite(pa, 6),
            "clv": _finite(c, 2),
        }
        for cid, freq, rec, big_t, mon, exp, pa, c in frame.itertuples(index=False, name=None)
    ]
    model = {**models.bgnbd.params_, **models.gamma_gamma.params_}
    return {"model": {k: round(float(v), 6) for k, v in model.items()}, "customers": customers}


def _finite(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None
