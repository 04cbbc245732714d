"""Spanish and French sentiment: a linear model stored as plain JSON.

The model is a 3-class logistic regression over TF-IDF features, trained by
``scripts/train_sentiment.py`` on public labelled tweets and exported as JSON
(vocabulary, idf, coefficients, intercepts, version). Inference is written
here with numpy and scipy sparse, so loading a model runs no code (no pickle)
and does not depend on the scikit-learn version that trained it.

Features of one text (:func:`analyse`), after :func:`normalise`:

- ``w:<word>`` every word (letters only) and ``!`` ``?`` and emoji tokens;
- ``b:<word> <word>`` adjacent word pairs ("no me", "me gusta");
- ``c:<ngram>`` character 2- to 5-grams inside each word padded with spaces
  (scikit-learn's ``char_wb``): they survive typos, missing accents and
  inflection ("encantó", "encanta", "encantaaa");
- ``l:pos`` / ``l:neg`` one per word of a small hand-written polarity lexicon
  (:data:`LEXICON`), flipped when one of the two previous words is a
  negation ("no", "nunca", "pas", "jamais").

Weights: ``tf = 1 + log(count)`` times the stored idf, then the row is scaled
to unit length (scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``).
The score is P(positive) - P(negative); the label is positive when the
score is >= t, negative when <= -t, else neutral, with t stored in the
model (picked by cross-validation on the training split).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

CLASSES: tuple[str, ...] = ("negative", "neutral", "positive")
FORMAT = "scrm-linear-sentiment/1"

_URL = re.compile(r"https?://\S*|www\.\S+")
_HANDLE = re.compile(r"@\w+")
_REPEAT = re.compile(r"(\w)\1{2,}")
# Words (letters only), ! and ?, and single emoji/pictographs as tokens.
_TOKEN = re.compile(r"[^\W\d_]+|[!?]|[\u2600-\u27bf\U0001f300-\U0001faff]")
_ACCENTS = str.maketrans("áàâäãéèêëíìîïóòôöõúùûüçñ", "aaaaaeeeeiiiiooooouuuucn")


def _words(block: str) -> tuple[str, ...]:
    return tuple(block.split())


NEGATIONS: frozenset[str] = frozenset(
    _words("no ni nunca jamas nada tampoco sin ne pas jamais rien aucun aucune sans plus")
)

# A small hand-written polarity lexicon (accents stripped, lower case). Words
# were chosen from general Spanish and French usage, not from the test data;
# they add two features that generalise beyond the 1,800 training tweets.
_POS_ES = _words(
    """
bien bueno buena buenos buenas mejor mejores genial excelente estupendo estupenda
fantastico fantastica maravilloso maravillosa increible perfecto perfecta feliz
felices contento contenta encanta encanto encantado encantada gusta gusto gracias
amor amo quiero bonito bonita precioso preciosa guapo guapa divertido divertida
alegria alegre enhorabuena felicidades felicitaciones exito mola guay brutal
recomiendo favorito favorita disfrutar disfruto disfrutando orgulloso orgullosa
ilusion esperanza risa jaja jajaja jeje fenomenal top gran bonitos bonitas
"""
)
_NEG_ES = _words(
    """
mal malo mala malos malas peor peores horrible terrible fatal asco odio odia
triste tristeza llorar lloro pena miedo rabia enfadado enfadada harto harta
verguenza desastre mierda puta puto joder jodido cabreo cabreado asqueroso
asquerosa pesimo pesima nunca problema problemas culpa muerte muerto dolor
mentira mentiras corrupcion corrupto corruptos ladrones robo crisis paro
aburrido aburrida cansado cansada falla fallo error roto rota decepcion
decepcionado decepcionada indignante indignado vergonzoso lamentable
"""
)
_POS_FR = _words(
    """
bien bon bonne bons bonnes meilleur meilleure meilleurs super genial geniale
excellent excellente parfait parfaite magnifique merveilleux merveilleuse top
heureux heureuse content contente merci bravo felicitations aime adore adorer
amour beau belle beaux jolie joli plaisir rire drole bonheur cool sympa
formidable incroyable extra chouette ravi ravie recommande gagne victoire
superbe agreable fier fiere genialissime mdr lol haha
"""
)
_NEG_FR = _words(
    """
mal mauvais mauvaise mauvaises pire horrible terrible nul nulle nuls deteste
triste tristesse pleurer peur colere marre honte catastrophe merde putain
chiant chiante degueulasse probleme problemes faute mort morts douleur
mensonge mensonges corruption crise chomage ennui ennuyeux fatigue fatigué
panne erreur casse cassé decu decue deception inadmissible scandale
scandaleux lamentable inacceptable arnaque pollution danger dangereux
"""
)
LEXICON: dict[str, dict[str, int]] = {
    "es": {**{w: 1 for w in _POS_ES}, **{w: -1 for w in _NEG_ES}},
    "fr": {**{w: 1 for w in _POS_FR}, **{w: -1 for w in _NEG_FR}},
}


def normalise(text: str) -> str:
    """Lower case, URLs and handles made generic, accents and letter runs reduced.

    >>> normalise("Me ENCANTAAA la app de @velora! https://t.co/x")
    'me encantaa la app de @user! http'
    """
    t = text.lower()
    if "http" in t or "www." in t:
        t = _URL.sub("http", t)
    if "@" in t:
        t = _HANDLE.sub("@user", t)
    t = _REPEAT.sub(r"\1\1", t)
    return t.translate(_ACCENTS)


def tokens(text: str) -> list[str]:
    """The tokens of a normalised text: words, ``!``, ``?`` and emoji."""
    return _TOKEN.findall(text)


def _char_ngrams(word: str) -> list[str]:
    padded = f" {word} "
    n_chars = len(padded)
    return ["c:" + padded[i : i + n] for n in range(2, 6) if n <= n_chars for i in range(n_chars - n + 1)]


def analyse(text: str, lexicon: dict[str, int] | None = None) -> list[tuple[str, list[str]]]:
    """Each token of ``text`` with the features it contributes.

    Pair features (``b:``) are listed under their second word. Returned per
    token so that a feature's weight can be traced back to the words that
    moved the score.
    """
    toks = tokens(normalise(text))
    out: list[tuple[str, list[str]]] = []
    prev = ""
    prev2 = ""
    for tok in toks:
        feats = ["w:" + tok]
        if tok.isalpha():
            feats.extend(_char_ngrams(tok))
            if lexicon is not None:
                polarity = lexicon.get(tok, 0)
                if polarity:
                    if prev in NEGATIONS or prev2 in NEGATIONS:
                        polarity = -polarity
                    feats.append("l:pos" if polarity > 0 else "l:neg")
        if prev:
            feats.append(f"b:{prev} {tok}")
        out.append((tok, feats))
        prev2, prev = prev, tok
    return out


def features(text: str, lexicon: dict[str, int] | None = None) -> list[str]:
    """All features of ``text`` (with repeats): the analyser used for training."""
    return [f for _, feats in analyse(text, lexicon) for f in feats]


@dataclass(frozen=True)
class LinearScore:
    """One text scored by a :class:`LinearModel`."""

    score: float
    label: str
    words: list[tuple[str, float]]


class LinearModel:
    """A 3-class linear sentiment model loaded from its JSON export."""

    def __init__(self, spec: dict[str, object]) -> None:
        if spec.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} model (format {spec.get('format')!r})")
        self.lang = str(spec["lang"])
        self.name = str(spec["name"])
        self.version = str(spec["version"])
        vocab = spec["vocabulary"]
        assert isinstance(vocab, list)
        self.vocabulary: dict[str, int] = {str(f): i for i, f in enumerate(vocab)}
        self.idf = np.asarray(spec["idf"], dtype=np.float64)
        # coef is stored as one row per class (negative, neutral, positive).
        self.coef = np.asarray(spec["coef"], dtype=np.float64).T.copy()
        self.intercept = np.asarray(spec["intercept"], dtype=np.float64)
        # Labels from the score: positive >= t, negative <= -t (t tuned by
        # cross-validation on the training split); the most probable class
        # for models exported without a threshold.
        threshold = spec.get("threshold")
        self.threshold: float | None = float(threshold) if isinstance(threshold, (int, float)) else None
        self.uses_lexicon = bool(spec.get("lexicon", False))
        self.lexicon = LEXICON.get(self.lang) if self.uses_lexicon else None
        # How much one unit of a feature moves the log-odds positive vs negative.
        self.direction = self.coef[:, 2] - self.coef[:, 0]
        self._token_cache: dict[str, list[int]] = {}

    @classmethod
    def load(cls, path: str | Path) -> LinearModel:
        """Read a model exported by ``scripts/train_sentiment.py``."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def _batch(self, texts: Sequence[str]) -> _Batch:
        """Features of a batch, vectorised over all texts.

        The Python loop only walks tokens (each word's own features are
        cached per process); counting, tf-idf, normalising and the per-word
        contributions are numpy operations over the whole batch.
        """
        vocab = self.vocabulary
        cache = self._token_cache
        lexicon = self.lexicon
        found: list[int] = []
        tok_len: list[int] = []
        tok_row: list[int] = []
        tok_name: list[str] = []
        for r, text in enumerate(texts):
            prev = prev2 = ""
            # Same features as :func:`analyse`.
            for tok in tokens(normalise(text)):
                own = cache.get(tok)
                if own is None:
                    feats = ["w:" + tok] + (_char_ngrams(tok) if tok.isalpha() else [])
                    own = [j for j in (vocab.get(f) for f in feats) if j is not None]
                    if len(cache) < 500_000:
                        cache[tok] = own
                mine = own
                if lexicon is not None and tok in lexicon:
                    polarity = lexicon[tok]
                    if prev in NEGATIONS or prev2 in NEGATIONS:
                        polarity = -polarity
                    j = vocab.get("l:pos" if polarity > 0 else "l:neg")
                    if j is not None:
                        mine = [*mine, j]
                if prev:
                    j = vocab.get(f"b:{prev} {tok}")
                    if j is not None:
                        mine = [*mine, j]
                if mine:
                    found.extend(mine)
                    tok_len.append(len(mine))
                    tok_row.append(r)
                    tok_name.append(tok)
                prev2, prev = prev, tok
        n, width = len(texts), len(vocab)
        lengths = np.asarray(tok_len, dtype=np.int64)
        rows = np.asarray(tok_row, dtype=np.int64)
        occ_row = np.repeat(rows, lengths)
        keys = occ_row * width + np.asarray(found, dtype=np.int64)
        uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        u_row, u_col = np.divmod(uniq, width)
        tf = np.where(counts > 1, 1.0 + np.log(np.maximum(counts, 1)), 1.0) * self.idf[u_col]
        norm = np.sqrt(np.bincount(u_row, weights=tf * tf, minlength=n))
        x = tf / norm[u_row] if len(u_row) else tf
        indptr = np.concatenate(([0], np.cumsum(np.bincount(u_row, minlength=n))))
        matrix = sp.csr_matrix((x, u_col, indptr), shape=(n, width))
        # What one occurrence of a feature adds to log-odds(pos) - log-odds(neg),
        # summed per token.
        push = (x * self.direction[u_col] / counts)[inverse.ravel()]
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else lengths
        tok_weight = np.add.reduceat(push, starts) if len(push) else np.zeros(0)
        return _Batch(matrix, tok_name, rows, tok_weight)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """P(negative, neutral, positive) per text, shape (n, 3)."""
        return _softmax(self._batch(texts).matrix @ self.coef + self.intercept)

    def score(self, texts: Sequence[str], top: int = 5) -> list[LinearScore]:
        """Score, label and the ``top`` words that moved the score, per text.

        A word's weight is the sum of its features' contributions to the
        log-odds of positive versus negative (positive pushes up).
        """
        batch = self._batch(texts)
        proba = _softmax(batch.matrix @ self.coef + self.intercept)
        best = proba.argmax(axis=1).tolist()
        t = self.threshold
        scores = (proba[:, 2] - proba[:, 0]).tolist()
        bounds = np.searchsorted(batch.tok_row, np.arange(len(texts) + 1)).tolist()
        weights = batch.tok_weight.tolist()
        names = batch.tok_name
        out: list[LinearScore] = []
        for r in range(len(texts)):
            words: dict[str, float] = {}
            for k in range(bounds[r], bounds[r + 1]):
                words[names[k]] = words.get(names[k], 0.0) + weights[k]
            ranked = sorted(words.items(), key=lambda kv: -abs(kv[1]))[:top]
            out.append(
                LinearScore(
                    score=scores[r],
                    label=CLASSES[best[r]] if t is None else _label_at(scores[r], t),
                    words=[(w, round(v, 3)) for w, v in ranked if abs(v) >= 0.001],
                )
            )
        return out


@dataclass(frozen=True)
class _Batch:
    matrix: sp.csr_matrix
    tok_name: list[str]
    tok_row: np.ndarray
    tok_weight: np.ndarray


def _label_at(score: float, threshold: float) -> str:
    if score >= threshold:
        return "positive"
    if score <= -threshold:
        return "negative"
    return "neutral"


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits) - np.max(logits, axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))
