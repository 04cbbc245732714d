"""Customer segments: k-means on value and social features, described in words.

Features per customer (:func:`build_customer_features`):

- value, from ``customer_value`` (``scrm.analysis.value``): ``recency_days``,
  ``orders`` (frequency) and ``clv`` (monetary, forward-looking). Revenue is
  not clustered next to CLV: CLV is driven by it, and the pair doubled the
  weight of money (on the demo it hid the social segments). Before that table
  exists, recency, frequency and revenue come straight from ``orders`` and the
  summary says so.
- social, through the customer's **linked** profiles (``links.status =
  'linked'``): ``mentions`` (written in the 90 days up to ``as_of``),
  ``sentiment_90d`` (their average sentiment score over those mentions, 0 =
  neutral when there is none or ``sentiment`` is not there yet) and
  ``main_platform`` (text: the network with most of those mentions). The
  platform describes segments but is not clustered: its share is near 1 for
  almost everyone who posts at all (0.98 on the demo), so as a feature it only
  doubled the weight of "posts or not". Social features are dropped when no
  customer has a linked profile or none wrote in the window.

:class:`SegmentModel` wraps ``make_pipeline(StandardScaler(), KMeans(n_init=10,
random_state=...))``. Counts and money are skewed, so ``log1p`` of them is
clustered (:data:`LOG_FEATURES`); ``cluster_centers_`` are given back in the
original units. k is the one with the best silhouette score in 2..8, measured
on a seeded sample of at most :data:`SILHOUETTE_SAMPLE` customers; ties go to
the smaller k. Segment ids are 1..k by size, largest first (ties by centre),
so the same data gives the same ids run after run.

Descriptions (:func:`describe_centre`) read the centre's z-score (its distance
from the population mean in standard deviations, on the clustered scale): a
feature is named when ``|z| >= 0.5`` (:data:`Z_NOTABLE`), more strongly from
``z >= 1.5`` (:data:`Z_STRONG`), in this order: value (clv, else revenue:
"top value" / "high value" / "low value"), recency ("recent buyers" /
"lapsed buyers" / "long lapsed"), frequency ("very frequent buyers" /
"frequent buyers" / "rare buyers", "one-time buyers" when the centre has
fewer than 1.5 orders), social volume ("active on social"), sentiment ("positive lately" /
"negative lately", only when the centre's score itself is beyond ±0.05) and
platform ("active on Instagram", when at least 40% of the segment's members
have it as their main platform; it replaces "active on social"). A centre with nothing notable is "typical customers".
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlite_utils
from sklearn import config_context
from sklearn.cluster import KMeans
from sklearn.exceptions import NotFittedError
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from scrm.analysis.segments_words import ACTIVE_ON, ACTIVE_ON_SOCIAL, TYPICAL
from scrm.analysis.stage import Progress, StageSummary
from scrm.db import dialect, store
from scrm.db import schema as S
from scrm.errors import NotEnoughCustomers
from scrm.i18n.messages import Message, join

log = logging.getLogger(__name__)


# Derived tables written here and read (spelled in scrm.db.schema).
SEGMENTS = S.SEGMENTS
SEGMENT_PROFILES = S.SEGMENT_PROFILES
CUSTOMER_VALUE = S.CUSTOMER_VALUE

K_RANGE = (2, 8)
SILHOUETTE_SAMPLE = 4000
# MB of pairwise distances the silhouette holds at once: scikit-learn's default (1 GB) holds the
# sample's whole 4,000 x 4,000 matrix and its temporaries (about 120 MB more at the stage's peak);
# in row blocks the scores are the same (a test compares them) for about 16 MB.
SILHOUETTE_WORKING_MB = 16
Z_NOTABLE = 0.5
Z_STRONG = 1.5
SENTIMENT_NOTABLE = 0.05
PLATFORM_NOTABLE = 0.4
MAIN_PLATFORM = "main_platform"
SOCIAL_DAYS = 90
LOG_FEATURES = ("orders", "revenue", "clv", "mentions")

_PLATFORM_NAMES = {
    "twitter": "X/Twitter",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "linkedin": "LinkedIn",
    "trustpilot": "Trustpilot",
    "google_reviews": "Google reviews",
    "forum": "forums",
}




# --- the model ----------------------------------------------------------------------


class SegmentModel:
    """k-means segments of customers with scikit-learn conventions.

    ``fit(X)`` takes a DataFrame with one row per customer: numeric columns
    are clustered; a ``main_platform`` text column, when present, only
    describes (its most common value per segment). After it, ``labels_`` (1..k, largest segment first), ``cluster_centers_``
    (DataFrame in original units, index = segment id), ``n_clusters_``,
    ``silhouette_`` (k -> score), ``descriptions_`` and ``pipeline_`` are set.

    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"revenue": np.r_[rng.normal(100, 5, 50), rng.normal(900, 5, 30)],
    ...                   "recency_days": np.r_[rng.normal(20, 2, 50), rng.normal(300, 2, 30)]})
    >>> model = SegmentModel(log_features=()).fit(X)
    >>> model.n_clusters_, sorted(model.descriptions_.values())
    (2, ['high value, lapsed buyers', 'low value, recent buyers'])
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        *,
        k_range: tuple[int, int] = K_RANGE,
        sample_size: int = SILHOUETTE_SAMPLE,
        log_features: Sequence[str] = LOG_FEATURES,
        random_state: int = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.sample_size = sample_size
        self.log_features = tuple(log_features)
        self.random_state = random_state

    def _prepare(self, X: pd.DataFrame) -> np.ndarray:
        frame = X[self.feature_names_in_].astype("float64")
        for c in self._logged_:
            frame[c] = np.log1p(frame[c].clip(lower=0))
        return frame.to_numpy()

    def _pipeline(self, k: int) -> Pipeline:
        return make_pipeline(StandardScaler(), KMeans(n_clusters=k, n_init=10, random_state=self.random_state))

    def fit(self, X: pd.DataFrame, y: None = None) -> SegmentModel:
        """Choose k (unless given), cluster ``X`` and describe each segment; return ``self``."""
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(X)
        platforms = X[MAIN_PLATFORM] if MAIN_PLATFORM in X.columns else None
        X = X.drop(columns=[MAIN_PLATFORM]) if platforms is not None else X
        X = X.astype("float64")
        if X.isna().any().any():
            bad = [str(c) for c in X.columns[X.isna().any()]]
            raise ValueError(f"features {', '.join(bad)} have missing values; fill them before fitting")
        self.feature_names_in_ = [str(c) for c in X.columns]
        self._logged_ = [c for c in self.feature_names_in_ if c in self.log_features]
        # One thread: k-means on a few thousand rows is over in milliseconds,
        # while OpenMP threads on a busy 2-core machine (the app, a score run)
        # oversubscribe and took 100x longer in measurements.
        with threadpool_limits(limits=1):
            return self._fit(X, platforms)

    def _fit(self, X: pd.DataFrame, platforms: pd.Series | None) -> SegmentModel:
        data = self._prepare(X)
        lo, hi = self.k_range
        distinct = len(np.unique(data, axis=0))
        if distinct < 2:
            raise NotEnoughCustomers(Message(
                "Segments need at least two customers with different figures; import more orders first."
            ))
        hi = min(hi, distinct - 1) if self.n_clusters is None else hi
        self.silhouette_: dict[int, float] = {}
        if self.n_clusters is not None:
            k = self.n_clusters
        elif hi <= lo:
            k = max(2, min(lo, distinct))
        else:
            k = self._choose_k(data, lo, hi)
        pipeline = self._pipeline(k).fit(data)
        raw_labels = pipeline[-1].labels_
        scaled_centres = pipeline[-1].cluster_centers_
        # Stable ids: largest segment first, ties by the centre's coordinates.
        sizes = np.bincount(raw_labels, minlength=k)
        order = sorted(range(k), key=lambda i: (-sizes[i], tuple(np.round(scaled_centres[i], 9))))
        relabel = np.empty(k, dtype=int)
        relabel[order] = np.arange(1, k + 1)
        self.pipeline_ = pipeline
        self._relabel_ = relabel
        self.n_clusters_ = k
        self.labels_ = relabel[raw_labels]
        self.z_centres_ = pd.DataFrame(
            scaled_centres[order], index=pd.Index(range(1, k + 1), name="segment_id"), columns=self.feature_names_in_
        )
        centres = pipeline[0].inverse_transform(scaled_centres[order])
        self.cluster_centers_ = pd.DataFrame(centres, index=self.z_centres_.index, columns=self.feature_names_in_)
        for c in self._logged_:
            self.cluster_centers_[c] = np.expm1(self.cluster_centers_[c])
        # Inverse scaling and expm1 leave -1e-16 where the value is 0.
        self.cluster_centers_ = self.cluster_centers_.mask(self.cluster_centers_.abs() < 1e-9, 0.0)
        self.sizes_ = pd.Series(sizes[order], index=self.z_centres_.index, name="size")
        self.main_platforms_: dict[int, tuple[str, float]] = {}
        if platforms is not None:
            members = pd.DataFrame({"segment": self.labels_, "platform": platforms.to_numpy()})
            for seg, group in members.groupby("segment"):
                counts = group["platform"].dropna().value_counts()
                if len(counts):
                    top = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0]
                    self.main_platforms_[int(seg)] = (str(top[0]), float(top[1]) / len(group))  # type: ignore[arg-type]
        self.description_messages_ = {
            int(i): describe_centre_message(
                self.z_centres_.loc[i], self.cluster_centers_.loc[i], self.main_platforms_.get(int(i))
            )
            for i in self.z_centres_.index
        }
        self.descriptions_ = {i: m.english() for i, m in self.description_messages_.items()}
        return self

    def _choose_k(self, data: np.ndarray, lo: int, hi: int) -> int:
        rng = np.random.default_rng(self.random_state)
        sample = data if len(data) <= self.sample_size else data[rng.choice(len(data), self.sample_size, replace=False)]
        best_k, best = lo, -np.inf
        for k in range(lo, hi + 1):
            labels = self._pipeline(k).fit_predict(sample)
            if len(np.unique(labels)) < 2:
                continue
            with config_context(working_memory=SILHOUETTE_WORKING_MB):
                score = float(silhouette_score(StandardScaler().fit_transform(sample), labels))
            self.silhouette_[k] = round(score, 4)
            # Strictly better only: ties keep the smaller, simpler k.
            if score > best + 1e-9:
                best_k, best = k, score
        return best_k

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Segment ids (1..k) of new customers, without refitting."""
        if not hasattr(self, "pipeline_"):
            raise NotFittedError(Message("This SegmentModel is not fitted yet; call fit(features) first."))
        X = X.drop(columns=[MAIN_PLATFORM]) if MAIN_PLATFORM in X.columns else X
        with threadpool_limits(limits=1):
            return np.asarray(self._relabel_[self.pipeline_.predict(self._prepare(X))])

    def fit_predict(self, X: pd.DataFrame, y: None = None) -> np.ndarray:
        """Fit on ``X`` and return its segment ids."""
        return np.asarray(self.fit(X).labels_)


def _platform_name(platform: str) -> str:
    return _PLATFORM_NAMES.get(platform, platform.replace("_", " ").title())


def describe_centre(z: pd.Series, centre: pd.Series, main_platform: tuple[str, float] | None = None) -> str:
    """Plain words for a segment from its centre's z-scores and values (rule in the module doc).

    >>> describe_centre(pd.Series({"clv": 1.2, "recency_days": -0.8, "sentiment_90d": -0.9}),
    ...                 pd.Series({"clv": 900.0, "recency_days": 12.0, "sentiment_90d": -0.4}))
    'high value, recent buyers, negative lately'
    """
    return describe_centre_message(z, centre, main_platform).english()


def describe_centre_message(z: pd.Series, centre: pd.Series, main_platform: tuple[str, float] | None = None) -> Message:
    """:func:`describe_centre` as a message: each phrase translated on its own in the reader's language.

    >>> describe_centre_message(pd.Series({"clv": -0.9}), pd.Series({"clv": 10.0}), ("instagram", 0.6)).render("es")
    'valor bajo, activos en Instagram'
    """
    words: list[str] = []

    def zf(name: str) -> float:
        return float(z[name]) if name in z.index else 0.0

    value = "clv" if "clv" in z.index else "revenue"
    if zf(value) >= Z_STRONG:
        words.append("top value")
    elif zf(value) >= Z_NOTABLE:
        words.append("high value")
    elif zf(value) <= -Z_NOTABLE:
        words.append("low value")
    if zf("recency_days") <= -Z_NOTABLE:
        words.append("recent buyers")
    elif zf("recency_days") >= Z_STRONG:
        words.append("long lapsed")
    elif zf("recency_days") >= Z_NOTABLE:
        words.append("lapsed buyers")
    if zf("orders") >= Z_STRONG:
        words.append("very frequent buyers")
    elif zf("orders") >= Z_NOTABLE:
        words.append("frequent buyers")
    elif zf("orders") <= -Z_NOTABLE:
        words.append("one-time buyers" if "orders" in centre.index and centre["orders"] < 1.5 else "rare buyers")
    if zf("mentions") >= Z_NOTABLE:
        words.append("active on social")
    if "sentiment_90d" in centre.index:
        s = float(centre["sentiment_90d"])
        if zf("sentiment_90d") >= Z_NOTABLE and s >= SENTIMENT_NOTABLE:
            words.append("positive lately")
        elif zf("sentiment_90d") <= -Z_NOTABLE and s <= -SENTIMENT_NOTABLE:
            words.append("negative lately")
    phrases = [Message(w) for w in words]
    if main_platform is not None and main_platform[1] >= PLATFORM_NOTABLE:
        # The platform says more than "active on social", so it takes its place.
        phrases = [p for p in phrases if p.key != ACTIVE_ON_SOCIAL]
        phrases.append(Message(ACTIVE_ON, {"platform": _platform_name(main_platform[0])}))
    return join(phrases) if phrases else Message(TYPICAL)


# --- features -----------------------------------------------------------------------


def _tables(db: sqlite_utils.Database) -> set[str]:
    return set(db.table_names())


def default_as_of(db: sqlite_utils.Database) -> str | None:
    """The latest order or mention timestamp: the analysis date when none is given."""
    row = db.execute(
        f"SELECT max(t) FROM (SELECT max(ordered_at) AS t FROM {S.ORDERS} UNION ALL "
        f"SELECT max(posted_at) FROM {S.MENTIONS}) AS latest"
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _end_of(as_of: str) -> str:
    return as_of if "T" in as_of else f"{as_of[:10]}T23:59:59"


def _value_features(db: sqlite_utils.Database, until: str, notes: list[str]) -> pd.DataFrame:
    tables = _tables(db)
    if CUSTOMER_VALUE in tables:
        columns = set(dialect.columns(db, CUSTOMER_VALUE))
        wanted = [c for c in ("recency_days", "orders", "revenue", "clv") if c in columns]
        if "customer_id" in columns and wanted:
            frame = store.read_frame(db, f'SELECT customer_id, {", ".join(wanted)} FROM "{CUSTOMER_VALUE}"')
            if len(frame):
                frame = frame.set_index("customer_id")
                missing = [c for c in ("recency_days", "orders", "clv") if c not in wanted]
                if missing:
                    notes.append(f"customer_value has no {', '.join(missing)}")
                frame = frame.apply(pd.to_numeric, errors="coerce").astype("float64")
                if "clv" in frame.columns and frame["clv"].notna().any():
                    frame = frame.drop(columns=["revenue"], errors="ignore")
                return frame
    notes.append("no customer_value yet: recency, orders and revenue taken from orders (no CLV)")
    frame = store.read_frame(
        db,
        f"""
        SELECT customer_id, max(ordered_at) AS last_order_at, count(*) AS orders, sum(amount) AS revenue
        FROM {S.ORDERS}
        WHERE customer_id IS NOT NULL AND trim(customer_id) <> '' AND ordered_at <= ?
        GROUP BY customer_id
        """,
        [until],
    ).set_index("customer_id")
    last = pd.to_datetime(frame["last_order_at"], errors="coerce")
    frame["recency_days"] = (pd.Timestamp(until) - last).dt.total_seconds() / 86_400
    return frame[["recency_days", "orders", "revenue"]].astype("float64")


def _social_features(db: sqlite_utils.Database, until: str, notes: list[str]) -> pd.DataFrame | None:
    tables = _tables(db)
    if S.LINKS not in tables or store.is_empty(db, S.LINKS):
        notes.append("no linked social profiles: segments use value features only")
        return None
    since = (pd.Timestamp(until) - pd.Timedelta(days=SOCIAL_DAYS)).strftime("%Y-%m-%dT%H:%M:%S")
    has_sentiment = S.SENTIMENT in tables and not store.is_empty(db, S.SENTIMENT)
    score = "s.score" if has_sentiment else "NULL"
    join = f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id" if has_sentiment else ""
    if not has_sentiment:
        notes.append("no sentiment scores yet: sentiment_90d left neutral")
    # profile_id is "<platform>:<handle lower-cased, no @>" (scrm.analysis.identity).
    frame = store.read_frame(
        db,
        f"""
        SELECT l.customer_id, m.platform AS platform, count(*) AS n, avg({score}) AS sentiment, count({score}) AS scored
        FROM {S.LINKS} l
        JOIN {S.MENTIONS} m
          ON coalesce(nullif(lower(trim(m.platform)), ''), 'other') || ':' || lower(ltrim(trim(m.author), '@')) = l.profile_id
        {join}
        WHERE l.status = ? AND coalesce(m.from_brand, 0) = 0 AND m.posted_at > ? AND m.posted_at <= ?
        GROUP BY l.customer_id, m.platform
        """,
        [S.LINKED, since, until],
    )
    linked = db.execute(f"SELECT count(DISTINCT customer_id) FROM {S.LINKS} WHERE status = ?", [S.LINKED]).fetchone()[0]
    if not linked:
        notes.append("no linked social profiles: segments use value features only")
        return None
    if frame.empty:
        return pd.DataFrame({"mentions": pd.Series(dtype="float64"), "sentiment_90d": pd.Series(dtype="float64")})
    frame["n"] = frame["n"].astype("float64")
    frame["sentiment"] = pd.to_numeric(frame["sentiment"], errors="coerce")
    frame["weighted"] = frame["sentiment"].fillna(0) * frame["scored"]
    per = frame.groupby("customer_id").agg(mentions=("n", "sum"), weighted=("weighted", "sum"), scored=("scored", "sum"))
    out = pd.DataFrame(index=per.index)
    out["mentions"] = per["mentions"]
    out["sentiment_90d"] = np.where(per["scored"] > 0, per["weighted"] / per["scored"].where(per["scored"] > 0, 1), 0.0)
    # Main platform: most mentions, ties by name (stable across runs).
    ranked = frame.assign(platform=frame["platform"].astype(str)).sort_values(
        ["customer_id", "n", "platform"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("customer_id").set_index("customer_id")
    out = out.astype("float64")
    out[MAIN_PLATFORM] = ranked["platform"].reindex(out.index).astype(object)
    return out


def build_customer_features(
    db: sqlite_utils.Database, *, as_of: str | None = None, notes: list[str] | None = None
) -> pd.DataFrame:
    """One row per customer with value and (when linked profiles exist) social features.

    Index: ``customer_id``. Customers without orders are left out (they have
    no value to segment on); customers without social activity get 0 mentions,
    neutral sentiment and no ``main_platform``.
    """
    notes = notes if notes is not None else []
    until = _end_of(as_of) if as_of else default_as_of(db)
    if until is None:
        return pd.DataFrame(columns=["recency_days", "orders", "revenue"], dtype="float64")
    value = _value_features(db, until, notes)
    # Customers with no order or unknown figures cannot be placed on value.
    value = value.dropna(subset=[c for c in ("recency_days", "orders") if c in value.columns])
    if "clv" in value.columns:
        value["clv"] = value["clv"].fillna(0.0)
    social = _social_features(db, until, notes)
    if social is None:
        return value.sort_index()
    features = value.join(social, how="left")
    numeric = [c for c in social.columns if c != MAIN_PLATFORM]
    features[numeric] = features[numeric].fillna(0.0)
    if MAIN_PLATFORM in features.columns:
        features[MAIN_PLATFORM] = features[MAIN_PLATFORM].astype(object).where(features[MAIN_PLATFORM].notna(), None)
    if features["mentions"].sum() == 0:
        notes.append(f"linked profiles wrote nothing in the {SOCIAL_DAYS} days up to the analysis date: value features only")
        return value.sort_index()
    return features.sort_index()


# --- refresh ------------------------------------------------------------------------


def refresh(
    db: sqlite_utils.Database,
    *,
    as_of: str | None = None,
    progress: Progress | None = None,
    random_state: int = 0,
    n_clusters: int | None = None,
) -> StageSummary:
    """Segment the customers and write ``segments`` and ``segment_profiles``."""
    started = time.perf_counter()
    notes: list[str] = []

    def step(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    step(0.0, "Building customer features")
    features = build_customer_features(db, as_of=as_of, notes=notes)
    if len(features) < 3:
        _write(db, pd.DataFrame({"customer_id": pd.Series(dtype=object), "segment_id": pd.Series(dtype="int64")}),
               _empty_profiles())
        message = "Fewer than 3 customers with orders: no segments."
        return StageSummary("segments", 0, time.perf_counter() - started, message)
    step(0.3, "Choosing the number of segments")
    try:
        model = SegmentModel(n_clusters=n_clusters, random_state=random_state).fit(features)
    except NotEnoughCustomers:
        _write(db, pd.DataFrame({"customer_id": pd.Series(dtype=object), "segment_id": pd.Series(dtype="int64")}),
               _empty_profiles())
        return StageSummary("segments", 0, time.perf_counter() - started, "All customers look alike: no segments.")
    step(0.9, "Writing segments")
    segments = pd.DataFrame({"customer_id": features.index.astype(object), "segment_id": model.labels_.astype("int64")})
    profiles = segment_profiles(model)
    _write(db, segments, profiles)
    summary = "; ".join(f"{i}: {model.descriptions_[i]} ({int(model.sizes_[i]):,})" for i in model.sizes_.index)
    chosen = "given" if n_clusters else f"best silhouette {model.silhouette_.get(model.n_clusters_, float('nan')):.2f}"
    message = f"{model.n_clusters_} segments of {len(segments):,} customers (k {chosen}): {summary}"
    if notes:
        message += ". " + "; ".join(notes)
    step(1.0, "Segments ready")
    return StageSummary("segments", len(segments), time.perf_counter() - started, message + ".")


def _empty_profiles() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment_id": pd.Series(dtype="int64"),
            "size": pd.Series(dtype="int64"),
            "share": pd.Series(dtype="float64"),
            "description": pd.Series(dtype=object),
            "description_message": pd.Series(dtype=object),  # the description as a message (JSON)
            "main_platform": pd.Series(dtype=object),
            "main_platform_members": pd.Series(dtype="float64"),
            "centre": pd.Series(dtype=object),
            "z": pd.Series(dtype=object),
        }
    )


def segment_profiles(model: SegmentModel) -> pd.DataFrame:
    """One row per segment: size, share, description, the most common main platform and the
    share of members it is main for, centre (JSON, original units) and z-scores (JSON)."""
    total = int(model.sizes_.sum())
    rows = []
    for i in model.sizes_.index:
        centre = {c: round(float(v), 4) for c, v in model.cluster_centers_.loc[i].items()}
        z = {c: round(float(v), 3) for c, v in model.z_centres_.loc[i].items()}
        rows.append(
            {
                "segment_id": int(i),
                "size": int(model.sizes_[i]),
                "share": round(int(model.sizes_[i]) / total, 4),
                "description": model.descriptions_[int(i)],
                "description_message": model.description_messages_[int(i)].to_json(),
                "main_platform": model.main_platforms_.get(int(i), (None, 0.0))[0],
                "main_platform_members": round(model.main_platforms_.get(int(i), (None, 0.0))[1], 4),
                "centre": json.dumps(centre),
                "z": json.dumps(z),
            }
        )
    return pd.DataFrame(rows).astype(_empty_profiles().dtypes.to_dict())


def _write(db: sqlite_utils.Database, segments: pd.DataFrame, profiles: pd.DataFrame) -> None:
    with store.transaction(db):
        store.replace_table(db, SEGMENTS, segments, pk="customer_id", indexes=[("segment_id",)])
        store.replace_table(db, SEGMENT_PROFILES, profiles, pk="segment_id")
