"""Conversation themes per language: TF-IDF over words and word pairs, then NMF, named by top phrases.

One :class:`TopicModel` per language (English, Spanish, French) is fitted on
the mentions people wrote (brand replies are left out: they would make "we
apologise · contact · team" a theme of the customers' conversation). Each
theme is named by its two heaviest phrases (``"late delivery · refund"``)
and summarised in the derived table ``topics`` with its size, average
sentiment, trend and cross-language subject; ``mention_topics`` holds each
mention's main theme.

Rules (why these numbers):

- **Language** comes from the ``sentiment`` table (the detector's verdict),
  else (table empty, or a mention not scored yet) from ``mentions.lang``;
  other languages are skipped.
- **Words**: lower-cased, URLs, ``@handles``, digits and the ``#`` of hashtags
  removed; tokens of three or more letters; English stop words from
  scikit-learn, compact Spanish and French lists below, social noise (``rt``,
  ``via``, ``amp``, ...) and the words of the brand names found in the data
  (every mention names a brand, so they would top every theme).
- **Phrases**: words and word pairs (:data:`NGRAM_RANGE`), stop words removed
  first, so "customer service" and "lost luggage" are features of their own.
- **k**: :data:`DEFAULT_TOPICS` = 12 themes per language, fewer on small
  corpora: one theme per :data:`DOCS_PER_TOPIC` distinct texts, at least 2.
  Short posts hold one subject each; against the complaint reasons of the
  airline tweets (``scripts/theme_quality.py``) word pairs and 12 themes
  raised the normalised mutual information on held-out tweets from 0.160
  (words, 8 themes) to 0.175.
- **Fit on a sample**: at most :data:`FIT_SAMPLE` distinct texts per language
  (a seeded sample), then every mention is assigned by ``transform``.
- **Assignment**: a mention's theme is the one with the largest NMF weight;
  ``weight`` is that weight's share of the mention's total (0-1). Texts with no
  known word get no theme.
- **Refit or assign**: :func:`refresh` refits a language when it has no stored
  model, when its corpus grew by :data:`REFIT_GROWTH` (50%) since the fit, or
  when asked (``refit=True``); otherwise it only assigns the mentions missing
  from ``mention_topics``, so theme ids and labels stay put between runs.
  A stored model is also reused for an earlier ``as_of`` (themes are words,
  not outcomes); ``refit=True`` fits on the mentions up to ``as_of`` only.
- **Trend**: mentions in the last 4 weeks up to ``as_of`` divided by those in
  the 4 weeks before (NULL when the earlier window is empty); > 1 is rising.
- **Subject**: each theme also gets the cross-language subject its top terms
  point to (``subject``, a key of :data:`scrm.db.schema.TOPIC_SUBJECTS`, or
  NULL) with its score (``subject_score``, the share of the terms' weight
  that points to it), from the lexicon of :mod:`scrm.analysis.subjects`, so
  "delivery", "entrega" and "livraison" are shown together. It is read off
  the model at every run (no refit needed when the lexicon changes).

Models are stored as JSON (vocabulary, idf, NMF components, parameters) in the
table ``topic_models``: never pickles, which would run code when loaded.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils
from sklearn.decomposition import NMF, non_negative_factorization
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from threadpoolctl import threadpool_limits

from scrm.analysis import subjects
from scrm.analysis.stage import Progress, StageSummary
from scrm.db import schema as S
from scrm.db import store
from scrm.i18n.messages import Message

log = logging.getLogger(__name__)


# Derived tables written here (spelled in scrm.db.schema).
TOPICS = S.TOPICS
MENTION_TOPICS = S.MENTION_TOPICS
TOPIC_MODELS = S.TOPIC_MODELS

LANGUAGES: tuple[str, ...] = ("en", "es", "fr")
DEFAULT_TOPICS = 12
DOCS_PER_TOPIC = 25
MIN_DOCS = 20  # below this a language has too little text for themes
FIT_SAMPLE = 50_000
REFIT_GROWTH = 0.5
TOP_TERMS = 10
LABEL_TERMS = 3
TREND_WEEKS = 4
NGRAM_RANGE = (1, 2)  # words and word pairs: "customer service", "lost luggage"
LABEL_PHRASES = 2
MODEL_FORMAT = 2  # bump when the stored JSON or the preprocessing changes

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Compact stop-word lists: articles, pronouns, prepositions, auxiliaries and
# fillers that carry no theme. Accent-free variants are added below, because
# social text often drops accents ("esta" for "está").
SPANISH_STOP_WORDS = _words(
    """
    a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque bien cada casi
    como con contra cual cuando de del desde donde dos el ella ellas ello ellos en entre era eran
    eres es esa esas ese eso esos esta estaba estado estais estamos estan estar estas este esto
    estos estoy fue fueron fui ha habia han has hasta hay he hemos la las le les lo los mas me
    mi mis mismo mucha muchas mucho muchos muy nada ni no nos nosotros nuestra nuestro o os otra
    otro otros para pero poco por porque que quien se ser si sido sin sobre sois solo somos son
    soy su sus tambien tan tanto te tengo tiene tienen todo todos tu tus un una uno unos usted
    vosotros y ya yo él ésta está están estás había habían más mí qué quién sí también tú aquí
    así aún día días vez veces hace hacer hecho ahora luego después entonces siempre nunca otra
    vez cómo cuándo dónde pues bueno gracias hola vale eh oye jaja jajaja xd viene llevo
    alguien sabéis sabe saber creo cosa cosas igual tal
    """
)
FRENCH_STOP_WORDS = _words(
    """
    a à ai aie ainsi alors au aucun aussi autre aux avais avait avant avec avez avoir avons
    bien c ça car ce ceci cela celle celui ces cet cette chez ci comme comment d dans de des
    deux devrait dois doit donc du elle elles en encore es est et été étais était être eu fait
    faire fois ici il ils j je jamais jusqu l la le les leur leurs lui m ma mais me même mes
    moi mon n ne ni nos notre nous on ont ou où par pas peu peut plus pour pourquoi qu quand
    que quel quelle quelles quels qui quoi s sa sans se ses si son sont sous suis sur t ta te
    tes toi ton tous tout toute toutes très tu un une vos votre vous y déjà après avant
    toujours rien tout merci bonjour salut voilà bon bah ben lol mdr jour jours truc trop
    quelqu quelqu'un savez sais sait vraiment chose trucs
    """
)
SOCIAL_NOISE = _words("rt via amp http https www com co html dm pm am lol omg xx xxx")
# Conversational fillers scikit-learn's English list lacks.
ENGLISH_FILLERS = _words(
    """
    got get gets getting really just know does did doesn don didn isn wasn won wouldn ve ll
    usually actually literally honestly anyone anybody guys like thing things lot lots yes yeah
    today week said says say tell told want wanted think thought way make made going gonna
    """
)

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"@\w+")
_TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"


def _unaccent(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _with_unaccented(words: Iterable[str]) -> frozenset[str]:
    words = list(words)
    return frozenset(words) | frozenset(_unaccent(w) for w in words)


STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(ENGLISH_STOP_WORDS) | ENGLISH_FILLERS | SOCIAL_NOISE,
    "es": _with_unaccented(SPANISH_STOP_WORDS) | SOCIAL_NOISE,
    "fr": _with_unaccented(FRENCH_STOP_WORDS) | SOCIAL_NOISE,
}


def clean_text(text: str) -> str:
    """Lower-case ``text`` and drop what is noise for themes: URLs, @handles, ``#``.

    >>> clean_text("RT @velora_help Late again! https://t.co/x #delivery")
    'rt   late again!    delivery'
    """
    text = _URL.sub(" ", str(text).lower())
    return _HANDLE.sub(" ", text).replace("#", " ")


def brand_words(brands: Iterable[str | None]) -> frozenset[str]:
    """The lower-cased words of brand names (with accent-free variants), to leave out of themes."""
    words: set[str] = set()
    for brand in brands:
        if brand:
            for w in re.findall(r"[^\W\d_]+", str(brand).lower()):
                words.add(w)
                words.add(_unaccent(w))
    return frozenset(words)


@dataclass(frozen=True)
class Topic:
    """A fitted theme: its position in the model, top terms (heaviest first), label, and the terms' weights."""

    index: int
    terms: tuple[str, ...]
    label: str
    weights: tuple[float, ...] = ()

    def subject(self, lang: str) -> subjects.SubjectMatch:
        """The cross-language subject its terms point to (:func:`scrm.analysis.subjects.match_subject`)."""
        return subjects.match_subject(self.terms, self.weights or None, lang)


class TopicModel:
    """TF-IDF + NMF themes for one language, with scikit-learn conventions.

    >>> texts = ["late delivery again", "delivery late order", "order arrived late delivery",
    ...          "lovely sofa so comfy", "comfy sofa lovely colour", "the sofa is lovely"]
    >>> model = TopicModel(n_topics=2, min_df=1).fit(texts)
    >>> sorted(t.label for t in model.topics_)
    ['late delivery · order', 'sofa lovely · comfy']
    """

    def __init__(
        self,
        n_topics: int = DEFAULT_TOPICS,
        *,
        lang: str = "en",
        extra_stop_words: Iterable[str] = (),
        max_features: int = 5000,
        min_df: int | float = 2,
        max_df: int | float = 0.5,
        random_state: int = 0,
        max_iter: int = 400,
        ngram_range: tuple[int, int] | list[int] = NGRAM_RANGE,
    ) -> None:
        self.n_topics = n_topics
        self.lang = lang
        self.extra_stop_words = tuple(sorted(set(extra_stop_words)))
        self.max_features = max_features
        self.min_df = min_df
        self.max_df = max_df
        self.random_state = random_state
        self.max_iter = max_iter
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))

    # -- fitting -------------------------------------------------------------

    def _stop_words(self) -> list[str]:
        base = STOP_WORDS.get(self.lang, STOP_WORDS["en"])
        return sorted(base | set(self.extra_stop_words))

    def fit(self, texts: Sequence[str], y: None = None) -> TopicModel:
        """Learn the vocabulary and ``n_topics`` themes from ``texts``; return ``self``."""
        texts = list(texts)
        vectorizer = TfidfVectorizer(
            preprocessor=clean_text,
            token_pattern=_TOKEN_PATTERN,
            stop_words=self._stop_words(),
            max_features=self.max_features,
            min_df=self.min_df,
            max_df=self.max_df,
            sublinear_tf=True,
            ngram_range=self.ngram_range,
            dtype=np.float64,
        )
        try:
            X = vectorizer.fit_transform(texts)
        except ValueError:
            # Too few texts for min_df/max_df: every word was pruned.
            vectorizer.set_params(min_df=1, max_df=1.0)
            X = vectorizer.fit_transform(texts)
        k = max(1, min(self.n_topics, X.shape[0], X.shape[1]))
        # nndsvda starts from an SVD, so the same texts give the same themes.
        nmf = NMF(n_components=k, init="nndsvda", random_state=self.random_state, max_iter=self.max_iter)
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            # Labels settle long before the last decimals of the loss: an
            # unconverged fit after max_iter still gives the same top terms.
            # One BLAS thread: on a busy 2-core machine more threads
            # oversubscribe (a refit of the demo took 20 s instead of 14 s).
            warnings.simplefilter("ignore", ConvergenceWarning)
            nmf.fit(X)
        self.vectorizer_ = vectorizer
        self.components_ = np.asarray(nmf.components_, dtype=np.float64)
        self.n_topics_ = k
        self.n_docs_ = len(texts)
        self.topics_ = _describe(self.components_, vectorizer.get_feature_names_out())
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise NotFittedError(Message("This TopicModel is not fitted yet; call fit(texts) or TopicModel.from_json() first."))

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Topic weights of ``texts`` (n_texts x n_topics), without refitting."""
        self._check_fitted()
        X = self.vectorizer_.transform(list(texts))
        if X.shape[0] == 0:
            return np.zeros((0, self.n_topics_))
        # The public solver with H fixed is what NMF.transform runs; it also
        # works on a model rebuilt from JSON, where there is no NMF object.
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            W, _, _ = non_negative_factorization(
                X,
                H=self.components_,
                n_components=self.n_topics_,
                update_H=False,
                init=None,
                max_iter=self.max_iter,
                random_state=self.random_state,
            )
        return np.asarray(W)

    def fit_transform(self, texts: Sequence[str], y: None = None) -> np.ndarray:
        """Fit on ``texts`` and return their topic weights."""
        return self.fit(texts).transform(texts)

    def assign(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Main theme of each text (-1 when it has no known word) and its share of the weight."""
        W = self.transform(texts)
        if W.shape[0] == 0:
            return np.zeros(0, dtype=int), np.zeros(0)
        total = W.sum(axis=1)
        best = W.argmax(axis=1)
        share = np.divide(W.max(axis=1), total, out=np.zeros_like(total), where=total > 0)
        best = np.where(total > 1e-12, best, -1)
        return best, share

    # -- storage -------------------------------------------------------------

    def to_json(self) -> str:
        """The fitted model as JSON text (vocabulary, idf, components, parameters)."""
        self._check_fitted()
        terms = self.vectorizer_.get_feature_names_out().tolist()
        return json.dumps(
            {
                "format": MODEL_FORMAT,
                "params": {
                    "n_topics": self.n_topics,
                    "lang": self.lang,
                    "max_features": self.max_features,
                    "min_df": self.min_df,
                    "max_df": self.max_df,
                    "random_state": self.random_state,
                    "max_iter": self.max_iter,
                    "ngram_range": list(self.ngram_range),
                },
                "n_docs": self.n_docs_,
                "terms": terms,
                "idf": [round(float(v), 8) for v in self.vectorizer_.idf_],
                "components": [[round(float(v), 8) for v in row] for row in self.components_],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> TopicModel:
        """Rebuild a fitted model from :meth:`to_json` output (no code runs on load)."""
        data = json.loads(text)
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"topic model format {data.get('format')} is not {MODEL_FORMAT}")
        model = cls(**data["params"])
        terms: list[str] = data["terms"]
        vectorizer = TfidfVectorizer(
            preprocessor=clean_text,
            token_pattern=_TOKEN_PATTERN,
            vocabulary={t: i for i, t in enumerate(terms)},
            sublinear_tf=True,
            ngram_range=model.ngram_range,
            dtype=np.float64,
        )
        # A fixed vocabulary needs no fit; idf_ is settable by design.
        vectorizer.vocabulary_ = {t: i for i, t in enumerate(terms)}
        vectorizer.idf_ = np.asarray(data["idf"], dtype=np.float64)
        model.vectorizer_ = vectorizer
        model.components_ = np.asarray(data["components"], dtype=np.float64)
        model.n_topics_ = model.components_.shape[0]
        model.n_docs_ = int(data["n_docs"])
        model.topics_ = _describe(model.components_, np.asarray(terms, dtype=object))
        return model


def phrase_label(terms: Sequence[str], n: int = LABEL_PHRASES) -> str:
    """A theme's name from its top terms (heaviest first): its ``n`` top phrases.

    A word pair replaces a single word it contains, and a term whose words are
    all in the name already is skipped, so the name reads as phrases rather
    than a triplet of loose words.

    >>> phrase_label(["service", "customer service", "customer", "hold", "worst"])
    'customer service · hold'
    >>> phrase_label(["cancelled", "flight", "cancelled flightled"])
    'cancelled flightled · flight'
    """
    chosen: list[str] = []
    for term in terms:
        words = set(term.split())
        inside = [c for c in chosen if set(c.split()) < words]
        others = [c for c in chosen if c not in inside]
        if any(set(c.split()) & words for c in others):
            continue  # repeats a word of another phrase: "flight cancelled" after "cancelled flight"
        if inside:
            # The pair names the same subject better than the single word it contains.
            chosen = [term if c == inside[0] else c for c in chosen if c == inside[0] or c not in inside]
        elif len(chosen) < n:
            chosen.append(term)
    return " · ".join(chosen) if chosen else "(no words)"


def _describe(components: np.ndarray, terms: np.ndarray) -> list[Topic]:
    topics = []
    for i, row in enumerate(components):
        # Ties broken by term so the label never depends on sort stability.
        order = sorted(range(len(row)), key=lambda j: (-row[j], str(terms[j])))
        kept = [j for j in order[:TOP_TERMS] if row[j] > 0]
        top = tuple(str(terms[j]) for j in kept)
        weights = tuple(float(row[j]) for j in kept)
        topics.append(Topic(index=i, terms=top, label=phrase_label(top[: LABEL_TERMS + 2]), weights=weights))
    return topics


def choose_topic_count(n_docs: int, maximum: int = DEFAULT_TOPICS) -> int:
    """Themes for a corpus of ``n_docs`` distinct texts: one per 25 texts, 2 to ``maximum``.

    >>> choose_topic_count(30), choose_topic_count(100), choose_topic_count(10_000)
    (2, 4, 12)
    """
    return max(2, min(maximum, n_docs // DOCS_PER_TOPIC))


# --- refresh ------------------------------------------------------------------------




def _tables(db: sqlite_utils.Database) -> set[str]:
    return set(db.table_names())


def _end_of(as_of: str) -> str:
    return as_of if "T" in as_of else f"{as_of[:10]}T23:59:59"


def default_as_of(db: sqlite_utils.Database) -> str | None:
    """The latest mention's timestamp: the analysis date when none is given."""
    row = db.execute(f"SELECT max(posted_at) FROM {S.MENTIONS}").fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _load_mentions(db: sqlite_utils.Database, until: str) -> tuple[pd.DataFrame, str]:
    """Mentions people wrote up to ``until`` with their language and sentiment score."""
    tables = _tables(db)
    has_sentiment = S.SENTIMENT in tables and not store.is_empty(db, S.SENTIMENT)
    if has_sentiment:
        sql = f"""
            SELECT m.mention_id, m.text, m.posted_at,
                   coalesce(s.lang, lower(trim(m.lang))) AS lang, s.score AS sentiment
            FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
            WHERE coalesce(m.from_brand, 0) = 0 AND m.posted_at <= ?
        """
        source = S.SENTIMENT
    else:
        sql = f"""
            SELECT mention_id, text, posted_at, lower(trim(lang)) AS lang, NULL AS sentiment
            FROM {S.MENTIONS}
            WHERE coalesce(from_brand, 0) = 0 AND posted_at <= ?
        """
        source = "mentions.lang"
    frame = store.read_frame(db, sql, [until])
    frame["sentiment"] = pd.to_numeric(frame["sentiment"], errors="coerce").astype("float64")
    return frame, source


def _stored_models(db: sqlite_utils.Database) -> dict[str, tuple[TopicModel, int]]:
    if TOPIC_MODELS not in _tables(db):
        return {}
    found: dict[str, tuple[TopicModel, int]] = {}
    for lang, model_json, n_docs in db.execute(f"SELECT lang, model, n_docs FROM {TOPIC_MODELS}").fetchall():
        try:
            found[str(lang)] = (TopicModel.from_json(str(model_json)), int(n_docs))
        except (ValueError, KeyError, TypeError) as e:
            # An old or damaged model is refitted rather than trusted.
            log.warning("stored topic model for %s is unusable (%s); refitting", lang, e)
    return found


def _stored_assignments(db: sqlite_utils.Database) -> pd.DataFrame:
    if MENTION_TOPICS not in _tables(db):
        return pd.DataFrame({"mention_id": pd.Series(dtype=object), "topic_id": pd.Series(dtype=object),
                             "weight": pd.Series(dtype="float64")})
    return store.read_frame(db, f"SELECT mention_id, topic_id, weight FROM {MENTION_TOPICS}")


def topic_id(lang: str, index: int) -> str:
    """The stable id of a theme: language and 1-based rank by size at fit time (``en-1``)."""
    return f"{lang}-{index + 1}"


def refresh(
    db: sqlite_utils.Database,
    *,
    as_of: str | None = None,
    progress: Progress | None = None,
    refit: bool = False,
    random_state: int = 0,
    max_topics: int = DEFAULT_TOPICS,
    fit_sample: int = FIT_SAMPLE,
) -> StageSummary:
    """Fit or update the themes and write ``topics``, ``mention_topics`` and ``topic_models``.

    ``as_of`` (ISO date) bounds the mentions used and ends the trend windows;
    default: the latest mention. See the module docstring for the rules.
    """
    started = time.perf_counter()
    notes: list[str] = []

    def step(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    until = _end_of(as_of) if as_of else default_as_of(db)
    if until is None:
        _write(db, _empty_topics(), _stored_assignments(db).iloc[0:0], None)
        return StageSummary("topics", 0, time.perf_counter() - started, "No mentions yet: no themes.")
    step(0.0, "Reading mentions")
    mentions, source = _load_mentions(db, until)
    if source != S.SENTIMENT:
        notes.append("no sentiment scores yet: languages from mentions.lang, average sentiment left empty")
    mentions["lang"] = mentions["lang"].astype(object).where(mentions["lang"].notna(), None)
    stored = _stored_models(db)
    previous = _stored_assignments(db)
    brands = [r[0] for r in db.execute(f"SELECT DISTINCT brand FROM {S.MENTIONS}").fetchall()]
    extra = brand_words(brands)

    models: dict[str, TopicModel] = {}
    # topic_id per (lang, model index): themes are ranked by size at fit time.
    id_maps: dict[str, list[str]] = {}
    assigned_frames: list[pd.DataFrame] = []
    fitted, updated = [], []
    for n, lang in enumerate(LANGUAGES):
        step(0.05 + 0.85 * n / len(LANGUAGES), f"Finding themes in {lang} mentions")
        corpus = mentions[mentions["lang"] == lang]
        n_distinct = int(corpus["text"].nunique())
        if n_distinct < MIN_DOCS:
            if n_distinct:
                notes.append(f"{lang}: only {n_distinct} distinct texts, too few for themes")
            continue
        old = stored.get(lang)
        grew = old is not None and n_distinct >= old[1] * (1 + REFIT_GROWTH)
        if old is None or refit or grew:
            model = fit_language(
                corpus["text"], lang, extra_stop_words=extra, random_state=random_state,
                max_topics=max_topics, fit_sample=fit_sample,
            )
            todo = corpus
            fitted.append(lang)
        else:
            model = old[0]
            have = previous[previous["topic_id"].astype(str).str.startswith(f"{lang}-")]
            have = have[_isin(have["mention_id"], corpus["mention_id"])]
            assigned_frames.append(have)
            todo = corpus[~_isin(corpus["mention_id"], have["mention_id"])]
            updated.append(f"{lang} (+{len(todo):,})")
        models[lang] = model
        best, share = _assign_unique(model, todo["text"])
        new = pd.DataFrame({"mention_id": todo["mention_id"].to_numpy(), "index": best, "weight": share})
        new = new[new["index"] >= 0]
        if old is None or refit or grew:
            # Rank themes by how many mentions they hold, so en-1 is the biggest.
            sizes = new["index"].value_counts()
            order = sorted(range(model.n_topics_), key=lambda i: (-int(sizes.get(i, 0)), i))
            ids = [""] * model.n_topics_
            for rank, i in enumerate(order):
                ids[i] = topic_id(lang, rank)
            id_maps[lang] = ids
        else:
            id_maps[lang] = _ids_from_json(db, lang, model.n_topics_)
        lookup = np.asarray(id_maps[lang], dtype=object)
        assigned_frames.append(
            pd.DataFrame(
                {"mention_id": new["mention_id"].to_numpy(), "topic_id": lookup[new["index"].to_numpy()],
                 "weight": new["weight"].round(4).to_numpy()}
            )
        )

    step(0.92, "Summarising themes")
    assignments = (
        pd.concat(assigned_frames, ignore_index=True)
        if assigned_frames
        else _stored_assignments(db).iloc[0:0]
    )
    topics = summarise_topics(models, id_maps, assignments, mentions, until)
    _write(db, topics, assignments, (models, id_maps))
    if fitted:
        notes.insert(0, f"fitted {', '.join(fitted)}")
    if updated:
        notes.insert(0 if not fitted else 1, f"assigned new mentions in {', '.join(updated)}")
    skipped = [lang for lang in LANGUAGES if lang not in models]
    if skipped:
        notes.append(f"no themes for {', '.join(skipped)}")
    message = f"{len(topics)} themes over {len(assignments):,} mentions; " + "; ".join(notes) + "."
    step(1.0, "Themes ready")
    return StageSummary("topics", len(assignments), time.perf_counter() - started, message)


def fit_language(
    texts: pd.Series,
    lang: str,
    *,
    extra_stop_words: Iterable[str] = (),
    random_state: int = 0,
    max_topics: int = DEFAULT_TOPICS,
    fit_sample: int = FIT_SAMPLE,
) -> TopicModel:
    """The theme model :func:`refresh` fits for one language's ``texts`` (the same code path).

    Distinct texts only (reshares would weigh twice), a seeded sample of at
    most ``fit_sample`` of them, :func:`choose_topic_count` themes.
    """
    # Sorted, so the seeded sample does not depend on the rows' storage order.
    distinct = np.unique(texts.dropna().astype(str).to_numpy(dtype=object))
    rng = np.random.default_rng(random_state)
    sample = distinct if len(distinct) <= fit_sample else rng.choice(distinct, fit_sample, replace=False)
    model = TopicModel(
        choose_topic_count(len(sample), max_topics), lang=lang, extra_stop_words=extra_stop_words,
        random_state=random_state,
    ).fit([str(t) for t in sample])
    model.n_docs_ = len(distinct)  # growth is measured on the whole corpus, not the sample
    return model


def assign_texts(model: TopicModel, texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Main theme index (-1: none) and weight share of each text, as :func:`refresh` assigns them."""
    return _assign_unique(model, texts)


def _isin(values: pd.Series, other: pd.Series) -> np.ndarray:
    """``values.isin(other)`` through a Python set: pandas' Arrow-string isin
    took 1.5 s per million ids, this takes a tenth of that."""
    known = set(other.tolist())
    return np.fromiter((v in known for v in values.tolist()), dtype=bool, count=len(values))


def _assign_unique(model: TopicModel, texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Assign each distinct text once (reshares repeat texts), then spread back."""
    values = texts.fillna("").astype(str).to_numpy(dtype=object)
    if len(values) == 0:
        return np.zeros(0, dtype=int), np.zeros(0)
    uniques, inverse = np.unique(values, return_inverse=True)
    best = np.empty(len(uniques), dtype=int)
    share = np.empty(len(uniques))
    # Chunks bound the memory of the dense weight matrix on a million texts.
    for a in range(0, len(uniques), 20_000):
        b, s = model.assign(list(uniques[a : a + 20_000]))
        best[a : a + len(b)] = b
        share[a : a + len(s)] = s
    return best[inverse], share[inverse]


def _ids_from_json(db: sqlite_utils.Database, lang: str, n: int) -> list[str]:
    row = db.execute(f"SELECT topic_ids FROM {TOPIC_MODELS} WHERE lang = ?", [lang]).fetchone()
    ids = json.loads(row[0]) if row and row[0] else []
    return ids if len(ids) == n else [topic_id(lang, i) for i in range(n)]


def _empty_topics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "topic_id": pd.Series(dtype=object),
            "lang": pd.Series(dtype=object),
            "label": pd.Series(dtype=object),
            "top_terms": pd.Series(dtype=object),
            "subject": pd.Series(dtype=object),
            "subject_score": pd.Series(dtype="float64"),
            "size": pd.Series(dtype="int64"),
            "avg_sentiment": pd.Series(dtype="float64"),
            "last_4w": pd.Series(dtype="int64"),
            "prev_4w": pd.Series(dtype="int64"),
            "trend": pd.Series(dtype="float64"),
        }
    )


def summarise_topics(
    models: dict[str, TopicModel],
    id_maps: dict[str, list[str]],
    assignments: pd.DataFrame,
    mentions: pd.DataFrame,
    until: str,
) -> pd.DataFrame:
    """One row per theme: label, top terms (JSON), subject and its score, size, average sentiment, trend."""
    if not models:
        return _empty_topics()
    joined = assignments.merge(mentions[["mention_id", "posted_at", "sentiment"]], on="mention_id", how="left")
    end = pd.Timestamp(until)
    last_start = end - pd.Timedelta(weeks=TREND_WEEKS)
    prev_start = last_start - pd.Timedelta(weeks=TREND_WEEKS)
    posted = pd.to_datetime(joined["posted_at"], errors="coerce")
    joined["last"] = (posted > last_start) & (posted <= end)
    joined["prev"] = (posted > prev_start) & (posted <= last_start)
    stats = joined.groupby("topic_id").agg(
        size=("mention_id", "size"),
        avg_sentiment=("sentiment", "mean"),
        last_4w=("last", "sum"),
        prev_4w=("prev", "sum"),
    )
    by_topic: dict[Any, dict[Any, Any]] = stats.to_dict("index")
    rows: list[dict[str, Any]] = []
    for lang, model in models.items():
        for topic in model.topics_:
            tid = id_maps[lang][topic.index]
            st = by_topic.get(tid, {})
            size = int(st.get("size", 0))
            last = int(st.get("last_4w", 0))
            prev = int(st.get("prev_4w", 0))
            avg = float(st.get("avg_sentiment", np.nan))
            match = topic.subject(lang)
            rows.append(
                {
                    "topic_id": tid,
                    "lang": lang,
                    "label": topic.label,
                    "top_terms": json.dumps(list(topic.terms), ensure_ascii=False),
                    "subject": match.subject,
                    "subject_score": match.score,
                    "size": size,
                    "avg_sentiment": round(avg, 4) if not np.isnan(avg) else np.nan,
                    "last_4w": last,
                    "prev_4w": prev,
                    "trend": round(last / prev, 4) if prev else np.nan,
                }
            )
    frame = pd.DataFrame(rows)
    frame = frame.sort_values(["lang", "size", "topic_id"], ascending=[True, False, True], kind="stable")
    return frame.reset_index(drop=True).astype(_empty_topics().dtypes.to_dict())


def _write(
    db: sqlite_utils.Database,
    topics: pd.DataFrame,
    assignments: pd.DataFrame,
    fitted: tuple[dict[str, TopicModel], dict[str, list[str]]] | None,
) -> None:
    with store.transaction(db):
        store.replace_table(db, TOPICS, topics, pk="topic_id", indexes=[("lang",)])
        store.replace_table(
            db, MENTION_TOPICS, assignments.reset_index(drop=True), pk="mention_id", indexes=[("topic_id",)]
        )
        if fitted is not None:
            models, id_maps = fitted
            now = store.utcnow()
            frame = pd.DataFrame(
                [
                    {
                        "lang": lang,
                        "n_topics": model.n_topics_,
                        "n_docs": model.n_docs_,
                        "topic_ids": json.dumps(id_maps[lang]),
                        "model": model.to_json(),
                        "saved_at": now,
                    }
                    for lang, model in models.items()
                ],
                columns=["lang", "n_topics", "n_docs", "topic_ids", "model", "saved_at"],
            )
            store.replace_table(db, TOPIC_MODELS, frame, pk="lang")


def load_model(db: sqlite_utils.Database, lang: str) -> TopicModel | None:
    """The stored model of ``lang``, or None when there is none."""
    found = _stored_models(db).get(lang)
    return found[0] if found else None
