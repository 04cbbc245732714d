"""RFM, purchase frequency classes and CLV (scrm.analysis.value) on tiny hand-made data."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
import sqlite_utils

from scrm.analysis import value
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError


def orders_frame(rows: Sequence[tuple[str | None, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])


# --- RFM -----------------------------------------------------------------------------------------

# as_of 2024-01-31: A bought 1 day ago, 5 orders, 450 net (one return of 50); E 40 days ago, 1 order, 100.
RFM_ORDERS = orders_frame(
    [
        ("A", "2024-01-02T10:00:00", 100.0),
        ("A", "2024-01-05T10:00:00", 100.0),
        ("A", "2024-01-10T10:00:00", 100.0),
        ("A", "2024-01-20T10:00:00", 100.0),
        ("A", "2024-01-30T23:59:00", 100.0),
        ("A", "2024-01-30T12:00:00", -50.0),  # a return: lowers revenue, is no order
        ("B", "2024-01-01T10:00:00", 100.0),
        ("B", "2024-01-05T10:00:00", 100.0),
        ("B", "2024-01-10T10:00:00", 50.0),
        ("B", "2024-01-21T10:00:00", 100.0),
        ("C", "2024-01-01T10:00:00", 100.0),
        ("C", "2024-01-05T10:00:00", 100.0),
        ("C", "2024-01-11T10:00:00", 100.0),
        ("D", "2024-01-01T10:00:00", 100.0),
        ("D", "2024-01-01T11:00:00", 50.0),
        ("E", "2023-12-22T10:00:00", 100.0),
        (None, "2024-01-30T10:00:00", 9999.0),  # a guest order: left out
        ("", "2024-01-30T10:00:00", 9999.0),  # a guest order too
        ("E", "2024-02-01T10:00:00", 9999.0),  # after as_of: ignored
    ]
)


def test_rfm_scores_are_worked_out_by_hand() -> None:
    rfm = value.rfm_scores(RFM_ORDERS, "2024-01-31")
    assert rfm.index.tolist() == ["A", "B", "C", "D", "E"]
    assert rfm["recency_days"].tolist() == [1, 10, 20, 30, 40]
    assert rfm["frequency"].tolist() == [5, 4, 3, 2, 1]
    assert rfm["monetary"].tolist() == [450.0, 350.0, 300.0, 150.0, 100.0]
    assert rfm["r_score"].tolist() == [5, 4, 3, 2, 1]
    assert rfm["f_score"].tolist() == [5, 4, 3, 2, 1]
    assert rfm["m_score"].tolist() == [5, 4, 3, 2, 1]
    assert rfm["rfm_segment"].tolist() == ["Champions", "Loyal", "Need Attention", "Hibernating", "Lost"]


def test_rfm_ties_are_ranked_by_customer_id() -> None:
    orders = orders_frame([("y", "2024-01-10T10:00:00", 10.0), ("x", "2024-01-10T09:00:00", 10.0)])
    rfm = value.rfm_scores(orders, "2024-01-31")
    # Two customers: ranks 1 and 2 fall in quintiles 1 and 3; the tie goes to x first.
    assert rfm["r_score"].to_dict() == {"x": 1, "y": 3}
    assert rfm["m_score"].to_dict() == {"x": 1, "y": 3}


def test_fm_score_rounds_half_up() -> None:
    orders = orders_frame(
        [("a", "2024-01-01T10:00:00", 500.0)]
        + [("b", f"2024-01-{d:02d}T10:00:00", 1.0) for d in range(1, 6)]
        + [("c", "2024-01-01T10:00:00", 1.0), ("d", "2024-01-01T10:00:00", 2.0), ("e", "2024-01-01T10:00:00", 3.0)]
    )
    rfm = value.rfm_scores(orders, "2024-01-31")
    # a: F 1 (one order, first of the ties), M 5 -> FM 3; b: F 5, M 4 (5.0) -> FM 4.5 -> 5.
    scores = rfm[["f_score", "m_score", "fm_score"]]
    assert list(scores.loc["a"]) == [1, 5, 3]
    assert list(scores.loc["b"]) == [5, 4, 5]


@pytest.mark.parametrize(
    ("r", "fm", "segment"),
    [
        (5, 5, "Champions"),
        (4, 4, "Loyal"),
        (3, 5, "Loyal"),
        (5, 2, "Potential Loyalists"),
        (5, 1, "New Customers"),
        (4, 1, "Promising"),
        (3, 3, "Need Attention"),
        (3, 1, "About to Sleep"),
        (2, 3, "At Risk"),
        (1, 5, "Can't Lose Them"),
        (2, 2, "Hibernating"),
        (1, 1, "Lost"),
    ],
)
def test_rfm_grid_names_each_segment(r: int, fm: int, segment: str) -> None:
    assert value.rfm_segment([r], [fm]).tolist() == [segment]


def test_rfm_grid_uses_all_eleven_segments() -> None:
    cells = {name for row in value.RFM_GRID.values() for name in row}
    assert cells == set(value.RFM_SEGMENTS)
    assert len(value.RFM_SEGMENTS) == 11


def test_a_customer_with_only_returns_has_no_value_row() -> None:
    orders = orders_frame([("a", "2024-01-10T10:00:00", 10.0), ("r", "2024-01-12T10:00:00", -10.0)])
    assert value.rfm_scores(orders, "2024-01-31").index.tolist() == ["a"]


def test_rfm_scores_do_not_change_the_input() -> None:
    before = RFM_ORDERS.copy()
    value.rfm_scores(RFM_ORDERS, "2024-01-31")
    pd.testing.assert_frame_equal(RFM_ORDERS, before)


# --- frequency classes ----------------------------------------------------------------------------


def test_frequency_classes_follow_the_documented_rules() -> None:
    orders = orders_frame(
        [
            ("one", "2026-05-01T10:00:00", 20.0),
            ("one", "2026-05-01T18:00:00", 5.0),  # the same day: still one purchase day
            ("freq", "2026-09-01T10:00:00", 20.0),  # gaps 19, 20, 15 days; last 6 days ago
            ("freq", "2026-09-20T10:00:00", 20.0),
            ("freq", "2026-10-10T10:00:00", 20.0),
            ("freq", "2026-10-25T10:00:00", 20.0),
            ("lapsed", "2025-01-05T10:00:00", 20.0),  # gaps about 25 days, but none since May 2025
            ("lapsed", "2025-02-01T10:00:00", 20.0),
            ("lapsed", "2025-02-25T10:00:00", 20.0),
            ("lapsed", "2025-03-20T10:00:00", 20.0),
            ("lapsed", "2025-04-15T10:00:00", 20.0),
            ("lapsed", "2025-05-10T10:00:00", 20.0),
            ("xmas", "2024-12-20T10:00:00", 20.0),  # December-January in two winters
            ("xmas", "2025-01-10T10:00:00", 20.0),
            ("xmas", "2025-12-15T10:00:00", 20.0),
            ("xmas", "2026-01-05T10:00:00", 20.0),
            ("summer", "2025-07-02T10:00:00", 20.0),  # one summer, then a year without purchases
            ("summer", "2025-07-20T10:00:00", 20.0),
            ("rare", "2025-02-01T10:00:00", 20.0),  # gaps of 6 and 9 months
            ("rare", "2025-08-01T10:00:00", 20.0),
            ("rare", "2026-05-01T10:00:00", 20.0),
            (None, "2026-10-30T10:00:00", 20.0),
        ]
    )
    classes = value.frequency_classes(orders, "2026-10-31")
    assert classes.to_dict() == {
        "freq": "frequent",
        "lapsed": "sporadic",
        "one": "one-off",
        "rare": "sporadic",
        "summer": "seasonal",
        "xmas": "seasonal",
    }


def test_two_purchases_in_one_season_of_a_new_customer_are_not_seasonal_yet() -> None:
    # Known for 60 days only: the rest of the year has not been seen.
    orders = orders_frame([("n", "2026-09-01T10:00:00", 20.0), ("n", "2026-10-01T10:00:00", 20.0)])
    assert value.frequency_classes(orders, "2026-10-31").to_dict() == {"n": "frequent"}


# --- BG/NBD ---------------------------------------------------------------------------------------


def beta(x: float, y: float) -> float:
    return math.gamma(x) * math.gamma(y) / math.gamma(x + y)


def test_bgnbd_likelihood_of_one_customer_matches_the_paper_formula() -> None:
    r, alpha, a, b = 0.25, 4.0, 0.8, 2.5
    x, tx, t = 2, 30.0, 38.0
    # FHL 2005 equation (6), computed directly.
    common = math.gamma(r + x) * alpha**r / math.gamma(r)
    by_hand = beta(a, b + x) / beta(a, b) * common / (alpha + t) ** (r + x) + beta(a + 1, b + x - 1) / beta(
        a, b
    ) * common / (alpha + tx) ** (r + x)
    got = value.bgnbd_log_likelihood((r, alpha, a, b), [x], [tx], [t])
    assert got[0] == pytest.approx(math.log(by_hand), rel=1e-12)


def test_bgnbd_likelihood_without_repeat_is_the_poisson_survivor() -> None:
    # x = 0: L = (alpha / (alpha + T))^r; r = alpha = T = 1 gives 1/2.
    got = value.bgnbd_log_likelihood((1.0, 1.0, 0.5, 0.5), [0], [0.0], [1.0])
    assert got[0] == pytest.approx(-math.log(2), rel=1e-12)


def fitted_bgnbd(r: float = 0.25, alpha: float = 4.0, a: float = 0.8, b: float = 2.5) -> value.BetaGeoFitter:
    model = value.BetaGeoFitter()
    model.params_ = {"r": r, "alpha": alpha, "a": a, "b": b}
    return model


def test_p_alive_is_one_without_repeat_purchases() -> None:
    alive = fitted_bgnbd().p_alive([0, 0], [0.0, 0.0], [1.0, 50.0])
    assert alive.tolist() == [1.0, 1.0]


def test_p_alive_with_a_purchase_at_the_end_is_b_over_a_plus_b() -> None:
    # x = 1, t_x = T: 1 / (1 + a / b).
    alive = fitted_bgnbd(a=1.0, b=3.0).p_alive([1], [20.0], [20.0])
    assert alive[0] == pytest.approx(0.75)


def test_p_alive_falls_with_time_since_the_last_purchase() -> None:
    alive = fitted_bgnbd().p_alive([3, 3, 3], [30.0, 20.0, 5.0], [38.0, 38.0, 38.0])
    assert alive[0] > alive[1] > alive[2]


def test_expected_purchases_grow_with_the_horizon() -> None:
    model = fitted_bgnbd()
    t = np.array([0.0, 1.0, 5.0, 20.0, 52.0, 200.0])
    expected = model.predict(t, np.full(6, 2), np.full(6, 30.0), np.full(6, 38.0))
    assert expected[0] == 0.0
    assert np.all(np.diff(expected) > 0)


def test_expected_purchases_of_a_brand_new_customer_match_equation_seven() -> None:
    model = fitted_bgnbd(a=1.5)
    r, alpha, a, b, t = 0.25, 4.0, 1.5, 2.5, 10.0
    from scipy.special import hyp2f1

    by_hand = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    assert model.predict(t, [0], [0.0], [0.0])[0] == pytest.approx(by_hand, rel=1e-12)
    assert model.expected_purchases_new_customer(t) == pytest.approx(by_hand, rel=1e-12)


def test_expected_purchases_match_equation_ten_and_stay_finite_for_heavy_buyers() -> None:
    from scipy.special import hyp2f1

    r, alpha, a, b = 0.25, 4.0, 0.8, 2.5
    model = fitted_bgnbd(r, alpha, a, b)
    x, tx, big_t, t = 5, 30.0, 38.0, 39.0
    alive = 1 / (1 + a / (b + x - 1) * ((alpha + big_t) / (alpha + tx)) ** (r + x))
    direct = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + big_t + t))
    ) * alive
    assert model.predict(t, [x], [tx], [big_t])[0] == pytest.approx(direct, rel=1e-10)
    # 2000 purchases in 100 weeks: the direct formula gives inf * 0. The rate alone
    # would give 52 (r + x) / (alpha + T) = 1000 purchases; each may be the last, so fewer.
    heavy = model.predict(52.0, [2000], [100.0], [100.0])[0]
    assert 800 < heavy < 52 * (r + 2000) / (alpha + 100.0)


@pytest.mark.parametrize(
    ("model", "call", "message"),
    [
        (value.BetaGeoFitter(), lambda m: m.predict(1.0, [0], [0.0], [1.0]),
         "This BetaGeoFitter is not fitted yet. Call fit(frequency, recency, T) before predicting."),
        (value.BetaGeoFitter(), lambda m: m.p_alive([0], [0.0], [1.0]),
         "This BetaGeoFitter is not fitted yet. Call fit(frequency, recency, T) before predicting."),
        (value.GammaGammaFitter(), lambda m: m.conditional_expected_average_profit([1], [10.0]),
         "This GammaGammaFitter is not fitted yet. Call fit(frequency, monetary_value) before predicting."),
    ],
)
def test_predicting_before_fitting_says_what_to_call(model: object, call: object, message: str) -> None:
    with pytest.raises(value.NotFittedError) as e:
        call(model)  # type: ignore[operator]
    assert str(e.value) == message


def test_bgnbd_fit_refuses_data_without_repeat_buyers() -> None:
    with pytest.raises(value.NotEnoughData) as e:
        value.BetaGeoFitter().fit([0, 0, 0], [0.0, 0.0, 0.0], [3.0, 4.0, 5.0])
    assert str(e.value) == "The BG/NBD model needs repeat buyers: no customer bought on two different days."


def test_bgnbd_fit_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(3)
    n, r, alpha, a, b, big_t = 4000, 0.5, 5.0, 1.2, 3.0, 52.0
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    for i in range(n):
        t = rng.exponential(1 / lam[i])
        while t < big_t:
            x[i] += 1
            tx[i] = t
            if rng.random() < p[i]:
                break
            t += rng.exponential(1 / lam[i])
    # The first purchase is at time 0 (by definition), so repeat purchases start from the second.
    model = value.BetaGeoFitter().fit(x, tx, np.full(n, big_t))
    fitted = model.params_
    assert fitted["r"] == pytest.approx(r, rel=0.2)
    assert fitted["alpha"] == pytest.approx(alpha, rel=0.25)
    assert fitted["a"] / (fitted["a"] + fitted["b"]) == pytest.approx(a / (a + b), rel=0.25)


# --- Gamma-Gamma ----------------------------------------------------------------------------------


def fitted_gamma_gamma(p: float = 6.0, q: float = 4.0, v: float = 15.0) -> value.GammaGammaFitter:
    model = value.GammaGammaFitter()
    model.params_ = {"p": p, "q": q, "v": v}
    return model


def test_gamma_gamma_expected_spend_is_the_weighted_mean() -> None:
    # (v + m x) p / (p x + q - 1): x = 2, m = 20 -> 55 * 6 / 15 = 22; x = 0 -> v p / (q - 1) = 30.
    spend = fitted_gamma_gamma().conditional_expected_average_profit([2, 0], [20.0, 0.0])
    assert spend.tolist() == pytest.approx([22.0, 30.0])


def test_gamma_gamma_likelihood_of_one_purchase_is_the_compound_density() -> None:
    p, q, v, m = 6.0, 4.0, 15.0, 20.0
    by_hand = math.gamma(p + q) / (math.gamma(p) * math.gamma(q)) * v**q * m ** (p - 1) / (v + m) ** (p + q)
    got = value.gamma_gamma_log_likelihood((p, q, v), [1], [m])
    assert got[0] == pytest.approx(math.log(by_hand), rel=1e-12)


def test_gamma_gamma_fit_ignores_customers_without_repeats() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, 300).astype(float)
    m = rng.gamma(6.0, 5.0, 300)
    with_extra = value.GammaGammaFitter().fit(np.r_[x, [0, 0]], np.r_[m, [0.0, 99.0]]).params_
    alone = value.GammaGammaFitter().fit(x, m).params_
    assert with_extra == pytest.approx(alone)


def test_clv_discounts_twelve_months_of_expected_spend() -> None:
    bg, gg = fitted_bgnbd(a=1.5), fitted_gamma_gamma()
    args = ([2], [30.0], [38.0], [20.0])
    undiscounted = value.customer_lifetime_value(bg, gg, *args, monthly_discount_rate=0.0)
    expected = bg.predict(52.0, *args[:3]) * gg.conditional_expected_average_profit([2], [20.0])
    assert undiscounted[0] == pytest.approx(expected[0], rel=1e-12)
    assert value.customer_lifetime_value(bg, gg, *args)[0] < undiscounted[0]


# --- the database ----------------------------------------------------------------------------------


def add_orders(db: sqlite_utils.Database, rows: list[tuple[str, str | None, str, float]]) -> None:
    store.upsert_rows(db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"], rows)


def simulated_orders(n: int = 80, seed: int = 11) -> list[tuple[str, str | None, str, float]]:
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, str | None, str, float]] = []
    start = np.datetime64("2025-01-01")
    for i in range(n):
        k = 1 + rng.poisson(3)
        days = np.sort(rng.integers(0, 600, k))
        for j, d in enumerate(days):
            when = str(start + np.timedelta64(int(d), "D")) + "T12:00:00"
            rows.append((f"O{i}-{j}", f"C{i:03d}", when, float(round(rng.gamma(4, 10), 2))))
    rows.append(("G1", None, "2026-01-01T12:00:00", 50.0))
    return rows


def test_refresh_writes_one_row_per_customer(fresh_db: sqlite_utils.Database) -> None:
    add_orders(fresh_db, simulated_orders())
    summary = value.refresh(fresh_db)
    frame = store.read_frame(fresh_db, "SELECT * FROM customer_value ORDER BY customer_id")
    assert summary.stage == "value"
    assert summary.rows == len(frame) == 80
    for column in ("customer_id", "orders", "revenue", "aov", "first_order_at", "last_order_at", "recency_days",
                   "r_score", "f_score", "m_score", "rfm_segment", "frequency_class", "expected_purchases_52w",
                   "p_alive", "clv", "clv_decile"):
        assert column in frame.columns
    assert frame["clv"].notna().all()
    assert set(frame["clv_decile"]) == set(range(1, 11))
    top = frame.loc[frame["clv_decile"] == 10, "clv"].min()
    assert top >= frame.loc[frame["clv_decile"] < 10, "clv"].max()
    assert set(frame["r_score"]) == {1, 2, 3, 4, 5}
    assert frame["frequency_class"].isin(value.FREQUENCY_CLASSES).all()


def test_refresh_reports_progress_up_to_done(fresh_db: sqlite_utils.Database) -> None:
    add_orders(fresh_db, simulated_orders(n=20))
    seen: list[tuple[float, str]] = []
    value.refresh(fresh_db, progress=lambda fraction, message: seen.append((fraction, message)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert seen[-1] == (1.0, "Customer value ready")


def test_as_of_defaults_to_the_latest_order_not_the_clock(fresh_db: sqlite_utils.Database) -> None:
    add_orders(fresh_db, simulated_orders(n=20) + [("G2", None, "2026-12-24T18:00:00", 10.0)])
    frame = value.compute_customer_value(fresh_db)
    assert frame["as_of"].unique().tolist() == ["2026-12-24"]


def test_orders_after_as_of_are_ignored(fresh_db: sqlite_utils.Database) -> None:
    add_orders(fresh_db, simulated_orders())
    before = value.compute_customer_value(fresh_db, as_of="2025-12-31")
    add_orders(fresh_db, [("late", "C000", "2026-01-15T10:00:00", 500.0), ("new", "C999", "2026-02-01T10:00:00", 20.0)])
    again = value.compute_customer_value(fresh_db, as_of="2025-12-31")
    pd.testing.assert_frame_equal(before, again)
    assert (before["last_order_at"] < "2026-01-01").all()
    assert before["as_of"].unique().tolist() == ["2025-12-31"]


def test_clv_report_lists_customers_by_clv(fresh_db: sqlite_utils.Database) -> None:
    add_orders(fresh_db, simulated_orders())
    report = value.clv_report(fresh_db)
    assert list(report) == ["model", "customers"]
    assert list(report["model"]) == ["r", "alpha", "a", "b", "p", "q", "v"]
    customers = report["customers"]
    assert len(customers) == 80
    assert list(customers[0]) == ["customer_id", "frequency", "recency", "T", "monetary_value",
                                  "expected_purchases", "p_alive", "clv"]
    clvs = [c["clv"] for c in customers]
    assert clvs == sorted(clvs, reverse=True)


def test_clv_report_without_orders_says_what_to_do(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(value.NotEnoughData) as e:
        value.clv_report(fresh_db)
    assert str(e.value) == (
        "There are no orders with a customer; import orders (python -m scrm import orders FILE) "
        "or pick a later --as-of date."
    )


def test_refresh_without_repeat_buyers_stores_rfm_without_clv(fresh_db: sqlite_utils.Database) -> None:
    add_orders(fresh_db, [("1", "a", "2025-01-01T10:00:00", 10.0), ("2", "b", "2025-02-01T10:00:00", 20.0)])
    value.refresh(fresh_db)
    frame = store.read_frame(fresh_db, "SELECT customer_id, rfm_segment, clv FROM customer_value ORDER BY customer_id")
    assert frame["customer_id"].tolist() == ["a", "b"]
    assert frame["clv"].isna().all()


@pytest.mark.parametrize("bad", ["1997-13-01", "yesterday"])
def test_a_bad_as_of_date_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError) as e:
        value.parse_as_of(bad)
    assert str(e.value) == f"The analysis date '{bad}' is not a date. Use YYYY-MM-DD, for example 2026-10-31."


def test_customers_without_any_order_give_an_empty_value_table(fresh_db) -> None:
    from scrm.analysis.value import compute_customer_value
    from scrm.db import store

    store.upsert_rows(fresh_db, "customers", ["customer_id", "name"], [("c1", "Ana")])
    out = compute_customer_value(fresh_db)
    assert len(out) == 0 and "clv" in out.columns
