"""A linear text model: the family of a review the rules cannot place.

The rules (``rules/taxonomy.toml``) decide from codes and from the wordings
they list.  A buyer who writes "permanently off", "life is only 20 days" or
"decreased the volume of the right speaker" describes a failure in words no
list holds, and the rules fall back on the star rating.  Where no reason code
or disposition speaks, this model reads the words too, and its family wins
when it is more likely than the rules' own family given the rules' confidence
(``[text_model] rules_weight``, see ``classify._text_model_step``).

The model is multinomial logistic regression (scikit-learn's
``LogisticRegression``, L2, ``C``, fitted to its optimum by newton-cg) on tf-idf of words, word pairs and
the letter runs of 3 to 5 characters inside each word (``TfidfVectorizer``
with :func:`tokens` as analyzer, sublinear tf, smooth idf, l2 norm) plus the
star rating as three indicators.  The letter runs read spelling variants and
word forms the labelled reviews do not hold ("wrking", "disconnecting").  It is trained by
:func:`train` on hand-labelled reviews (``tests/golden/labelled_reviews.csv``
and its GUIDE) and shipped as plain numbers in ``rules/text_model_en.json``:
the vocabulary, idf, coefficients and intercepts.  Applying it needs no
scikit-learn: :meth:`TextModel.predict_proba` is the same arithmetic (tested
equal to scikit-learn's ``predict_proba``).

Only English: a text of which fewer than ``min_known`` of the words are in
the vocabulary is left to the rules (other languages, other products' jargon).

A model reads only the star ratings it was trained on (its ``stars``).  4-5 star
reviews have a model of their own, ``rules/text_model_en_45.json``
(``[text_model.high_stars]``; :data:`MODELS` says what each file is trained on):
at 4-5 stars a text is mostly praise, and the words that mean a complaint at 1-3
stars often do not.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

import numpy as np

from .errors import SettingsError
from .text import RULES_DIR

DEFAULT_MODEL = "text_model_en.json"
STARS = (1, 2, 3)  # the ratings a model is trained on, as indicators; none of them = not known
CHARS = (3, 5)  # letter runs of these lengths inside each word (word edges marked by a space) are features
CHAR_MARK = "#"  # a letter-run feature's prefix: "#wor", "# wo" (kept apart from words, never shown as evidence)

_WORD = re.compile(r"[a-z0-9]{2,}")
_DIGIT = re.compile(r"[0-9]")
_APOSTROPHE_CHARS = "'\u2019`"
_APOSTROPHES = str.maketrans("", "", _APOSTROPHE_CHARS)


def words(text: str) -> list[str]:
    """The words of ``text``: lower case, apostrophes dropped ("doesn't" ->
    "doesnt"), runs of two or more ASCII letters or digits."""
    return _WORD.findall(text.lower().translate(_APOSTROPHES))


_BREAK = "\x01"  # between texts joined for words_of (not NUL: numpy's strings drop trailing NULs)
_WORD_OR_BREAK = re.compile(r"[a-z0-9]{2,}|\x01")


def words_of(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The :func:`words` of every text, one text's after the other (an object array), and
    how many each text has: one pass over the texts joined by a control character (lower
    case, apostrophes dropped and words found once for all; that character inside a
    text is read as a space, as it is by :func:`words`)."""
    if not len(texts):
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    if any(_BREAK in t for t in texts):
        texts = [t.replace(_BREAK, " ") for t in texts]
    joined = _BREAK.join(texts).lower()
    for apostrophe in _APOSTROPHE_CHARS:  # (str.replace: translate is slow on a long non-ASCII string)
        joined = joined.replace(apostrophe, "")
    found = np.array(_WORD_OR_BREAK.findall(joined) + [_BREAK], dtype=object)
    breaks = np.flatnonzero(found == _BREAK)
    keep = np.ones(len(found), dtype=bool)
    keep[breaks] = False
    return found[keep], (np.diff(breaks, prepend=-1) - 1).astype(np.int64)


#: a Chinese or Japanese character (each one a word of the count: the scripts write no spaces), or a run
#: of any other letters outside ASCII (a word of Hindi, Russian ...; "é" in "déçu")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_FOREIGN_WORD = re.compile(rf"[{_CJK}]|(?:(?![\x00-\x7f{_CJK}])[^\W\d_])+")


def foreign_words(texts: Sequence[str]) -> np.ndarray:
    """Per text, its words the model cannot read (:data:`_FOREIGN_WORD`): each Chinese or Japanese
    character, and each run of other letters outside ASCII.  :func:`words` finds ASCII words
    only, so without these a Chinese complaint that names "iPhone" read as all-known English."""
    return np.fromiter((0 if t.isascii() else len(_FOREIGN_WORD.findall(t)) for t in texts), dtype=np.int64, count=len(texts))


def tokens(text: str, chars: tuple[int, int] | None = None, digit_runs: bool = False) -> list[str]:
    """The model's features of ``text``: its :func:`words`, each pair of
    neighbouring words ("stopped working") and, with ``chars=(lo, hi)``, the
    :func:`letter_runs` of its words (``digit_runs``: of those with a digit too)."""
    w = words(text)
    return w + [f"{a} {b}" for a, b in zip(w, w[1:])] + (letter_runs(w, chars, digit_runs) if chars else [])


def letter_runs(text_words: Sequence[str], chars: tuple[int, int], digit_runs: bool = False) -> list[str]:
    """Every run of ``lo`` to ``hi`` characters of each word with a space at
    either edge (" work " gives "# wo", "#wor", "#ork", "#rk ", "# wor" ...),
    prefixed by :data:`CHAR_MARK`, as scikit-learn's ``char_wb`` analyzer
    cuts them.  Words with a digit ("2hrs", order numbers) give none unless
    ``digit_runs``: the word itself is a feature, and a new number each text
    (an order id) cost a lookup per run for nothing."""
    out: list[str] = []
    for x in text_words:
        if digit_runs or not _DIGIT.search(x):
            out.extend(_word_runs(x, chars))
    return out


@functools.lru_cache(maxsize=200_000)
def _word_runs(word: str, chars: tuple[int, int]) -> tuple[str, ...]:
    """:func:`letter_runs` of one word (cached: training reads the same words over and over)."""
    lo, hi = chars
    p = f" {word} "
    return tuple(CHAR_MARK + p[i:i + n] for n in range(lo, hi + 1) for i in range(len(p) - n + 1))


@dataclass(frozen=True, eq=False)
class TextModel:
    """A trained model as plain arrays (see the module docstring)."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_terms,)
    coef: np.ndarray  # (n_classes, n_terms)
    star_coef: np.ndarray  # (n_classes, len(stars))
    intercept: np.ndarray  # (n_classes,)
    about: dict[str, Any]
    chars: tuple[int, int] | None = None  # letter runs as features (see tokens); None: words and pairs only
    # how the model's reading and the rules' are combined (see combine); None: by [text_model] rules_weight
    combine_coef: np.ndarray | None = None  # (n_classes, 2 n_classes)
    combine_intercept: np.ndarray | None = None  # (n_classes,)
    combine_about: dict[str, Any] | None = None
    stars: tuple[int, ...] = STARS  # the ratings it was trained on (the gate reads no other)
    digit_runs: bool = True  # letter runs of words with a digit are features (False: none, see letter_runs)

    def known_share(self, text: str) -> float:
        """The share of ``text``'s words that the model has seen (0 for no words); the words of
        other scripts count as words it has not seen (:func:`foreign_words`)."""
        return float(self._read_words([text])[1][0])  # (0 for no words: 0 known of none)

    def features(self, texts: Sequence[str]) -> "Any":
        """tf-idf rows of ``texts`` (scipy CSR, l2-normalised), as scikit-learn's
        ``TfidfVectorizer(analyzer=tokens, sublinear_tf=True)`` would give."""
        return self._counted(*words_of(texts))[0]

    def _counted(self, flat: np.ndarray, per_text: np.ndarray) -> tuple["Any", np.ndarray]:
        """:meth:`features` of the texts whose words are ``flat``, ``per_text`` of them each
        (:func:`words_of`), and, per text, the share of its words the model knows.

        Each distinct word is looked up once: its own feature id and its letter
        runs' (cached per word) make one row of a (distinct words x terms)
        count matrix, and a (texts x distinct words) count matrix times it gives
        every text's counts in one sparse product.  Word pairs are looked up
        once per distinct pair, and only where both words begin or end a pair
        of the vocabulary."""
        import pandas as pd
        from scipy.sparse import csr_matrix

        vocab, n, n_terms = self.vocabulary, len(per_text), len(self.vocabulary)
        occ, uniq = pd.factorize(flat)  # each word's number, in order of first sight
        occ = occ.astype(np.int64, copy=False)
        text_of = np.repeat(np.arange(n, dtype=np.int64), per_text)
        distinct = uniq.tolist()
        n_words = len(distinct)
        own = np.fromiter((vocab.get(t, -1) for t in distinct), dtype=np.int64, count=n_words)
        # per distinct word: its own id (if a term) and its letter runs' ids
        cache = self._run_ids
        runs = [cache[t] if t in cache else self._runs_of(t) for t in distinct] if self.chars else [[]] * n_words
        run_len = np.fromiter((len(r) for r in runs), dtype=np.int64, count=n_words)
        w_rows = np.concatenate([np.flatnonzero(own >= 0), np.repeat(np.arange(n_words, dtype=np.int64), run_len)])
        w_cols = np.concatenate([own[own >= 0], np.fromiter((j for r in runs for j in r), dtype=np.int64,
                                                             count=int(run_len.sum()))])
        # word pairs: neighbours in one text, both words able to make a pair; each
        # distinct pair of the vocabulary is one more column of in_text and row of per_word
        first, second = self._pair_words
        can_a = np.fromiter((t in first for t in distinct), dtype=bool, count=n_words)
        can_b = np.fromiter((t in second for t in distinct), dtype=bool, count=n_words)
        a, b = occ[:-1], occ[1:]
        cand = np.flatnonzero((text_of[:-1] == text_of[1:]) & can_a[a] & can_b[b])
        keys, back = np.unique(a[cand] * n_words + b[cand], return_inverse=True)
        pair_id = np.fromiter((vocab.get(f"{distinct[k // n_words]} {distinct[k % n_words]}", -1) for k in keys.tolist()),
                              dtype=np.int64, count=len(keys))
        kept = pair_id >= 0
        n_cols = n_words + int(kept.sum())
        w_rows = np.concatenate([w_rows, np.arange(n_words, n_cols, dtype=np.int64)])
        w_cols = np.concatenate([w_cols, pair_id[kept]])
        back = back.ravel()
        hit = kept[back]
        in_rows = np.concatenate([text_of, text_of[cand[hit]]])
        in_cols = np.concatenate([occ, n_words + np.cumsum(kept)[back[hit]] - 1])  # (the kept pairs renumbered)
        per_word = csr_matrix((np.ones(len(w_rows)), (w_rows, w_cols)), shape=(n_cols, n_terms))
        in_text = csr_matrix((np.ones(len(in_rows)), (in_rows, in_cols)), shape=(n, n_cols))
        counts = in_text @ per_word  # no duplicates; terms unsorted within a row (the order does not matter)
        vals = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        row_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(counts.indptr))
        norm = np.sqrt(np.bincount(row_of, weights=vals ** 2, minlength=n))[row_of]
        vals = np.divide(vals, norm, out=vals, where=norm > 0)
        known_words = np.bincount(text_of, weights=own[occ] >= 0, minlength=n)  # a word in the vocabulary is a known word
        share = np.divide(known_words, per_text, out=np.zeros(n), where=per_text > 0)
        return csr_matrix((vals, counts.indices, counts.indptr), shape=(n, n_terms)), share

    def predict_proba(self, texts: Sequence[str], ratings: Sequence[float] | None = None) -> np.ndarray:
        """Probability of each of :attr:`classes` for each text (rows sum to 1).
        ``ratings``: the star rating of each text; NaN or a rating the model
        was not trained on adds nothing."""
        return self._proba(self.features(texts), ratings)

    def _proba(self, x: "Any", ratings: Sequence[float] | None) -> np.ndarray:
        scores = np.asarray(x @ self.coef.T) + self.intercept
        if ratings is not None:
            r = np.asarray(ratings, dtype=float)
            for k, star in enumerate(self.stars):
                scores += np.outer(r == star, self.star_coef[:, k])
        return softmax(scores)

    def read(self, texts: Sequence[str], ratings: Sequence[float], min_known: float = 0.0) -> tuple[np.ndarray, np.ndarray, "Any"]:
        """Read the texts of which at least ``min_known`` of the words are known
        (:meth:`known_share`): that mask, their :meth:`predict_proba` and their
        :meth:`features` (for :meth:`row_terms`)."""
        x, share, per_text = self._read_words(texts)
        known = (per_text > 0) & (share >= min_known)
        return known, self._proba(x[known], np.asarray(ratings, dtype=float)[known]), x[known]

    def _read_words(self, texts: Sequence[str]) -> tuple["Any", np.ndarray, np.ndarray]:
        """:meth:`features` of ``texts`` and, per text, :meth:`known_share` and the number of its words (:func:`words`)."""
        flat, per_text = words_of(texts)
        x, share = self._counted(flat, per_text)
        foreign = foreign_words(texts)
        if foreign.any():  # "右耳没有声音 iPhone": one English word, all known, and six characters the model cannot read
            share = share * per_text / np.maximum(per_text + foreign, 1)
        return x, share, per_text

    def combine(self, proba: np.ndarray, own: np.ndarray, conf: np.ndarray) -> np.ndarray:
        """The combiner's scores (rows: texts, columns: :attr:`classes`; the
        family is their argmax): ``[log p, rules' family as an indicator x
        their confidence] @ combine_coef.T + combine_intercept``, where ``p`` is
        :meth:`predict_proba` (clipped at 1e-6) and ``own`` the index of the
        rules' family in :attr:`classes` (-1: one the model does not know,
        which adds nothing).  Learned by :func:`fit_combiner`."""
        if self.combine_coef is None:
            raise ValueError("this text model has no combiner")
        return _combine_features(proba, own, conf) @ self.combine_coef.T + self.combine_intercept

    def row_terms(self, x: "Any", rows: Sequence[int], classes: Sequence[int], n: int = 3) -> list[list[str]]:
        """:meth:`top_terms` of the given ``rows`` of the features ``x``, each for its class index."""
        ptr, ind, val = x.indptr, x.indices, x.data
        return [self._top(ind[ptr[i]:ptr[i + 1]], val[ptr[i]:ptr[i + 1]], k, n) for i, k in zip(rows, classes)]

    def top_terms(self, text: str, family: str, n: int = 3) -> list[str]:
        """The words and word pairs of ``text`` that speak most for ``family``:
        largest tf-idf x (coefficient for ``family`` - mean coefficient).
        Letter runs and bare numbers weigh in the decision but are not shown: "#rki" explains nothing, and
        "150" may be a postcode's."""
        row = self.features([text])
        return self._top(row.indices, row.data, self.classes.index(family), n)

    def _top(self, cols: np.ndarray, vals: np.ndarray, k: int, n: int) -> list[str]:
        contrib = vals * (self.coef[k, cols] - self._mean_coef[cols])
        contrib = np.where(self._unshown[cols], 0.0, contrib)
        order = np.lexsort((cols, -contrib))[:n]  # ties: the first term of the vocabulary
        return [self._terms[cols[i]] for i in order.tolist() if contrib[i] > 0]

    @functools.cached_property
    def _run_ids(self) -> dict[str, list[int]]:
        """word -> the feature ids of its letter runs, filled as words are met (see _runs_of)."""
        return {}

    def _runs_of(self, word: str) -> list[int]:
        runs = self._run_ids
        if len(runs) >= 500_000:  # a bound on the memory of many distinct words
            runs.clear()
        vocab = self.vocabulary
        lo, hi = self.chars
        if not self.digit_runs and _DIGIT.search(word):
            runs[word] = []
            return []
        p = f" {word} "  # letter_runs([word]) looked up, without building the strings' list
        runs[word] = out = [j for k in range(lo, hi + 1) for i in range(len(p) - k + 1)
                            if (j := vocab.get(CHAR_MARK + p[i:i + k])) is not None]
        return out

    @functools.cached_property
    def _pair_words(self) -> tuple[frozenset[str], frozenset[str]]:
        """The words that begin a word pair of the vocabulary, and those that end one."""
        pairs = [t.split(" ") for t in self.vocabulary if " " in t and not t.startswith(CHAR_MARK)]
        return frozenset(p[0] for p in pairs), frozenset(p[1] for p in pairs)

    @functools.cached_property
    def _unshown(self) -> np.ndarray:
        """Terms never shown as evidence: letter runs ("#rki" explains nothing) and bare numbers (an order
        id's or a postcode's "150" read "text model: 150" beside a redacted address)."""
        return np.array([t.startswith(CHAR_MARK) or t.isdigit() for t in self._terms], dtype=bool)

    @functools.cached_property
    def _mean_coef(self) -> np.ndarray:
        return self.coef.mean(axis=0)

    @functools.cached_property
    def _terms(self) -> list[str]:
        out = [""] * len(self.vocabulary)
        for t, j in self.vocabulary.items():
            out[j] = t
        return out

    def to_dict(self, digits: int = 6) -> dict[str, Any]:
        """The model as JSON-ready data (numbers rounded to ``digits`` significant digits)."""
        def r(a: np.ndarray) -> list:
            return np.vectorize(lambda x: float(f"{x:.{digits}g}"), otypes=[float])(a).tolist() if a.size else a.tolist()

        combine = {} if self.combine_coef is None else {"combine": {
            "about": self.combine_about or {}, "coef": r(self.combine_coef), "intercept": r(self.combine_intercept)}}
        return {"about": self.about, "classes": list(self.classes), "stars": list(self.stars), "digit_runs": self.digit_runs,
                **({"chars": list(self.chars)} if self.chars else {}), "terms": self._terms,
                "idf": r(self.idf), "coef": r(self.coef), "star_coef": r(self.star_coef), "intercept": r(self.intercept),
                **combine}


def from_dict(data: dict[str, Any]) -> TextModel:
    """A :class:`TextModel` from :meth:`TextModel.to_dict`'s data."""
    try:
        terms = list(data["terms"])
        classes = tuple(data["classes"])
        chars = data.get("chars")
        if chars is not None:
            lo, hi = (int(c) for c in chars)
            if not 1 <= lo <= hi:
                raise ValueError(f"chars {chars!r}")
        combine = data.get("combine")
        stars = tuple(int(x) for x in data.get("stars", STARS))
        model = TextModel(classes=classes, vocabulary={t: j for j, t in enumerate(terms)},
                          idf=np.asarray(data["idf"], dtype=float), coef=np.asarray(data["coef"], dtype=float),
                          star_coef=np.asarray(data["star_coef"], dtype=float),
                          intercept=np.asarray(data["intercept"], dtype=float), about=dict(data.get("about", {})),
                          chars=None if chars is None else (lo, hi),
                          combine_coef=None if combine is None else np.asarray(combine["coef"], dtype=float),
                          combine_intercept=None if combine is None else np.asarray(combine["intercept"], dtype=float),
                          combine_about=None if combine is None else dict(combine.get("about", {})), stars=stars,
                          digit_runs=bool(data.get("digit_runs", True)))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SettingsError(f"text model: not a model file ({exc})") from None
    n = len(classes)
    if (model.coef.shape != (n, len(terms)) or model.idf.shape != (len(terms),)
            or model.star_coef.shape != (n, len(stars)) or model.intercept.shape != (n,)
            or (model.combine_coef is not None and (model.combine_coef.shape != (n, 2 * n) or model.combine_intercept.shape != (n,)))):
        raise SettingsError("text model: its arrays do not match its terms and classes")
    return model


@functools.lru_cache(maxsize=4)
def load_text_model(name: str = DEFAULT_MODEL) -> TextModel:
    """The model file ``name`` (in ``analysis/rules/`` unless a path)."""
    path = Path(name)
    if not path.is_absolute() and path.parent == Path("."):
        path = RULES_DIR / path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"text model: no file {path}") from None
    except (OSError, ValueError) as exc:
        raise SettingsError(f"text model: cannot read {path} ({exc})") from None
    return from_dict(data)


# ------------------------------------------------------------------ training
def train(texts: Sequence[str], ratings: Sequence[float], labels: Sequence[str], *, C: float = 10.0,
          min_df: int = 2, chars: tuple[int, int] | None = CHARS, about: dict[str, Any] | None = None,
          stars: tuple[int, ...] = STARS, digit_runs: bool = False, counts: TermCounts | None = None) -> TextModel:
    """Fit the model with scikit-learn (needed only here: a development dependency).

    Parameters
    ----------
    texts, ratings, labels : sequences of equal length
        Title and body joined, star rating (``stars`` are features), family id.
    C : float
        Inverse L2 strength of ``LogisticRegression``.
    min_df : int
        A term must occur in this many texts to be a feature.
    chars : (lo, hi) or None
        Letter runs of ``lo`` to ``hi`` characters as features too (:func:`letter_runs`);
        None: words and word pairs only.
    stars : tuple of int
        The ratings that are features (one indicator each); the model reads no text rated otherwise.
    digit_runs : bool
        Letter runs of words with a digit as features too (the files before 2026-11-24 did).
    counts : TermCounts, optional
        :func:`count_terms` of ``texts`` with the same ``chars`` and ``digit_runs`` (or rows of
        a counting of more texts: the terms none of them has are dropped by ``min_df``), to
        share one counting among models trained on overlapping texts; by default they are counted here.

    The tf-idf is scikit-learn's ``TfidfVectorizer(min_df=min_df, sublinear_tf=True)`` done in
    its two documented steps: ``CountVectorizer`` (:func:`count_terms`), then the terms in at
    least ``min_df`` texts through ``TfidfTransformer``.
    """
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    if counts is None:
        counts = count_terms(texts, chars, digit_runs)
    elif (counts.chars, counts.digit_runs) != (chars, digit_runs) or counts.matrix.shape[0] != len(texts):
        raise ValueError("counts are not those of these texts with these chars and digit_runs")
    keep = np.flatnonzero(np.bincount(counts.matrix.indices, minlength=len(counts.terms)) >= min_df)
    tfidf = TfidfTransformer(sublinear_tf=True)
    x_text = tfidf.fit_transform(counts.matrix[:, keep])
    x = hstack([x_text, csr_matrix(_star_matrix(ratings, stars))]).tocsr()
    # newton-cg to a gradient of 1e-6: the optimum, whatever the BLAS threads.  lbfgs at its default
    # tolerance stopped up to 0.3 from it, at a point that moved by up to 0.03 with the number of
    # threads (one held-out block's model), and took 114 iterations against newton-cg's 12.
    clf = LogisticRegression(C=C, solver="newton-cg", tol=1e-6, max_iter=5000).fit(x, list(labels))
    n_terms = x_text.shape[1]
    terms = counts.terms[keep].tolist()
    return TextModel(classes=tuple(clf.classes_.tolist()), vocabulary={t: j for j, t in enumerate(terms)},
                     idf=tfidf.idf_.astype(float), coef=clf.coef_[:, :n_terms].astype(float),
                     star_coef=clf.coef_[:, n_terms:].astype(float), intercept=clf.intercept_.astype(float),
                     chars=chars, stars=tuple(stars), digit_runs=digit_runs,
                     about={"method": f"LogisticRegression(C={C}, newton-cg) on tf-idf of words, word pairs"
                                      + (f" and letter runs of {chars[0]}-{chars[1]} characters" if chars else "")
                                      + f" (min_df={min_df}) and the star rating", "texts": len(texts),
                            "labels": dict(sorted(Counter(labels).items())), **(about or {})})


class TermCounts(NamedTuple):
    """How often each term (:func:`tokens`) occurs in each text: scikit-learn's
    ``CountVectorizer`` (terms sorted, ``matrix`` texts x terms, CSR), and the
    tokens' ``chars`` and ``digit_runs``."""

    terms: np.ndarray
    matrix: "Any"
    chars: tuple[int, int] | None
    digit_runs: bool

    def rows(self, mask: np.ndarray) -> "TermCounts":
        """The counts of the texts where ``mask`` is true."""
        return self._replace(matrix=self.matrix[np.asarray(mask, dtype=bool)])


def count_terms(texts: Sequence[str], chars: tuple[int, int] | None = CHARS, digit_runs: bool = False) -> TermCounts:
    """The :class:`TermCounts` of ``texts`` (for :func:`train`)."""
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(analyzer=functools.partial(tokens, chars=chars, digit_runs=digit_runs))
    matrix = vec.fit_transform(list(texts))
    return TermCounts(vec.get_feature_names_out(), matrix, chars, digit_runs)


def _star_matrix(ratings: Iterable[float], stars: Sequence[int] = STARS) -> np.ndarray:
    r = np.asarray(list(ratings), dtype=float)
    return np.stack([r == s for s in stars], axis=1).astype(float)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Each row of ``scores`` as probabilities (exp, normalised; rows sum to 1)."""
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def _combine_features(proba: np.ndarray, own: np.ndarray, conf: np.ndarray) -> np.ndarray:
    """The combiner's inputs: the model's log-probabilities (clipped at 1e-6), then the rules'
    family as an indicator (none where ``own`` is -1) times their confidence."""
    proba, own = np.asarray(proba, dtype=float), np.asarray(own)
    rules = np.zeros_like(proba)
    has = np.flatnonzero(own >= 0)
    rules[has, own[has]] = np.asarray(conf, dtype=float)[has]
    return np.hstack([np.log(np.clip(proba, 1e-6, 1.0)), rules])


COMBINER_C = 0.1  # inverse L2 strength of the combiner (chosen with the blocks below held out in turn)

#: Reviews unseen by the rules that classify them: the rules as they stood before each split was
#: studied (``tests/golden/frozen_rules``; None: today's rules, which never studied test19/test20).
#: The combiner learns from these, each read by a model trained without it.
COMBINER_BLOCKS: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    ("rules_before_test14.toml", ("test14",)), ("rules_before_test15_16.toml", ("test15", "test16")),
    ("rules_before_test17_18.toml", ("test17", "test18")), (None, ("test19", "test20")))

#: The same for the 4-5 star model (``labelled_high_star_reviews.csv``): hs1 with the rules
#: before its round; no round of rules has studied hs2-hs23.
HIGH_COMBINER_BLOCKS: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    ("rules_before_hs1.toml", ("hs1",)), (None, ("hs2", "hs3")), (None, ("hs4", "hs5")), (None, ("hs6", "hs7")),
    (None, ("hs8", "hs9")), (None, ("hs10", "hs11")), (None, ("hs12", "hs13")), (None, ("hs14", "hs15")),
    (None, ("hs16", "hs17")), (None, ("hs18", "hs19")), (None, ("hs20", "hs21")), (None, ("hs22", "hs23")),
    (None, ("hs24", "hs25")), (None, ("hs26", "hs27")), (None, ("hs28", "hs29")))

HIGH_MODEL = "text_model_en_45.json"

#: The shipped model files and what each is trained on (``python -m analysis.textmodel --model``):
#: label files (``tests/golden``), our reviews of other products (or None), the star ratings
#: it reads, and the blocks its combiner learns from.
MODELS: dict[str, dict[str, Any]] = {
    DEFAULT_MODEL: {"labels": ("labelled_reviews.csv",), "general": "general_products_reviews.csv", "stars": STARS,
                    "blocks": COMBINER_BLOCKS},
    HIGH_MODEL: {"labels": ("labelled_high_star_reviews.csv",), "general": None, "stars": (4, 5),
                 "blocks": HIGH_COMBINER_BLOCKS},
}


def fit_combiner(model: TextModel, proba: np.ndarray, own: np.ndarray, conf: np.ndarray, labels: Sequence[str], *,
                 C: float = COMBINER_C, about: dict[str, Any] | None = None) -> TextModel:
    """``model`` with a combiner (:meth:`TextModel.combine`): multinomial logistic regression
    (scikit-learn, newton-cg to a tolerance of 1e-8, L2, ``C``) of the true family on :func:`_combine_features` of the
    model's probabilities and the rules' family and confidence, for texts neither the rules nor
    the model that read them had seen (:func:`combiner_set`).  A class with no such text gets
    no weight and an intercept of -30 (never chosen)."""
    import dataclasses

    from sklearn.linear_model import LogisticRegression

    n = len(model.classes)
    if np.shape(proba)[1] != n:
        raise ValueError(f"proba has {np.shape(proba)[1]} columns for {n} classes")
    # newton-cg to a tight tolerance: the optimum whatever the BLAS threads (lbfgs stopped up to 0.04
    # away from it, at a point that moved with the thread count, after 700 slow iterations: 8 s)
    clf = LogisticRegression(C=C, solver="newton-cg", tol=1e-8, max_iter=5000).fit(_combine_features(proba, own, conf), list(labels))
    coef, intercept = np.zeros((n, 2 * n)), np.full(n, -30.0)
    rows = [model.classes.index(c) for c in clf.classes_]
    coef[rows], intercept[rows] = clf.coef_, clf.intercept_
    return dataclasses.replace(model, combine_coef=coef, combine_intercept=intercept, combine_about={
        "method": f"LogisticRegression(C={C}, newton-cg) on the model's log-probabilities and the rules' family x confidence",
        "texts": len(labels), **(about or {})})


class CombinerSet(NamedTuple):
    """Per text of :func:`combiner_set`: the model's probabilities, the index of the rules'
    family among its classes (-1: none), the rules' confidence, the true family and the block;
    and per block the model that read it (trained without it)."""

    proba: np.ndarray
    own: np.ndarray
    conf: np.ndarray
    labels: np.ndarray
    block: np.ndarray
    models: dict[str, TextModel]


def with_classes(model: TextModel, classes: Sequence[str]) -> TextModel:
    """``model`` reading ``classes`` (its own and more, in that order): a family it was never
    shown gets no weight on any feature or rating and an intercept 30 below its lowest, so a
    probability under e^-30 of the least likely family it knows (as good as none)."""
    if tuple(classes) == model.classes:
        return model
    missing = set(model.classes) - set(classes)
    if missing:
        raise SettingsError(f"text model: {sorted(missing)} not among {list(classes)}")
    if model.combine_coef is not None:
        raise SettingsError("text model: classes are added before a combiner is learned")
    at = [model.classes.index(c) if c in model.classes else -1 for c in classes]

    def rows(a: np.ndarray, fill: float) -> np.ndarray:
        return np.stack([a[i] if i >= 0 else np.full(a.shape[1:], fill) for i in at])

    return dataclasses.replace(model, classes=tuple(classes), coef=rows(model.coef, 0.0), star_coef=rows(model.star_coef, 0.0),
                               intercept=rows(model.intercept, float(model.intercept.min()) - 30.0))


def combiner_set(labels_csv: str | Path | Sequence[str | Path], reviews_csv: str | Path, general_csv: str | Path | None,
                 rules_dir: str | Path, blocks: Sequence[tuple[str | None, Sequence[str]]] = COMBINER_BLOCKS,
                 stars: tuple[int, ...] = STARS):
    """What :func:`fit_combiner` learns from (:class:`CombinerSet`): each block's labelled
    reviews classified by its rules (a file of ``rules_dir``; None: the bundled rules) and read
    by a model (of ``stars``) trained on every other labelled review (:func:`training_set`).
    Reviews the model cannot read (too few known words) are left out."""
    import pandas as pd

    from . import schema
    from .classify import load_taxonomy, text_model_inputs

    labelled = _labelled_frame(labels_csv, reviews_csv)
    out: list[tuple] = []
    models: dict[str, TextModel] = {}
    min_known = float(load_taxonomy().data["text_model"].get("min_known", 0.5))
    # every training text counted once (training_set's order: the labelled reviews, then the general ones)
    texts, ratings, labels = training_set(labels_csv, reviews_csv, general_csv)
    split = np.concatenate([labelled["split"].to_numpy(object), np.full(len(texts) - len(labelled), None, dtype=object)])
    counts = count_terms(texts)
    for rules, splits in blocks:
        rows = ~np.isin(split, list(splits))
        models["+".join(splits)] = train([t for t, r in zip(texts, rows) if r], np.asarray(ratings)[rows].tolist(),
                                         np.asarray(labels, dtype=object)[rows].tolist(), stars=stars, counts=counts.rows(rows))
    # a family labelled only inside one block (one "not received" among 8,700 4-5 star reviews) is
    # unknown to the model trained without that block: it gives it no probability
    classes = tuple(sorted({c for model in models.values() for c in model.classes}))
    models = {name: with_classes(model, classes) for name, model in models.items()}
    for rules, splits in blocks:
        model = models["+".join(splits)]
        m = labelled[labelled["split"].isin(list(splits))]
        df = pd.DataFrame({schema.TITLE: m["title"], schema.TEXT: m["body"], schema.RATING: m["stars"]})
        tax = load_taxonomy(None if rules is None else Path(rules_dir) / rules)
        fam, conf, text = text_model_inputs(df, tax)
        known, proba, _ = model.read(text, m["stars"].to_numpy(float), min_known)
        own = pd.Index(model.classes).get_indexer(fam[known])
        name = "+".join(splits)
        out.append((proba, own, conf[known], m["label"].to_numpy()[known], np.full(int(known.sum()), name)))
    return CombinerSet(*(np.concatenate(parts) for parts in zip(*out)), models=models)


def labelled_reviews(labels_csv: str | Path | Sequence[str | Path], reviews_csv: str | Path, splits: Iterable[str] | None = None):
    """The hand-labelled reviews as ``(texts, ratings, labels)``: the labels of
    ``labels_csv`` (``doc_id``, ``split``, ``label``) joined to the review
    file's ``ReviewTitle``, ``text`` and ``ReviewStar``; only ``splits`` when given."""
    m = _labelled_frame(labels_csv, reviews_csv, splits)
    texts = (m["title"] + " . " + m["body"]).tolist()
    return texts, m["stars"].tolist(), m["label"].tolist()


def read_labels(labels_csv: str | Path | Sequence[str | Path]):
    """The hand labels of one file or several (``doc_id``, ``split``, ``label``; the 1-3 star
    reviews of ``labelled_reviews.csv`` and the 4-5 star ones of ``labelled_high_star_reviews.csv``
    have distinct split names), one after the other."""
    import pandas as pd

    files = [labels_csv] if isinstance(labels_csv, (str, Path)) else list(labels_csv)
    lab = pd.concat([pd.read_csv(f)[["doc_id", "split", "label"]] for f in files], ignore_index=True)
    if not lab["doc_id"].is_unique:
        raise SettingsError("text model: a review is labelled twice in " + ", ".join(str(f) for f in files))
    return lab


def _labelled_frame(labels_csv: str | Path | Sequence[str | Path], reviews_csv: str | Path, splits: Iterable[str] | None = None):
    """The labels of ``labels_csv`` (:func:`read_labels`; only ``splits`` when given) joined to the
    review file: columns ``split``, ``label``, ``title`` and ``body`` (trimmed) and ``stars`` (float)."""
    import pandas as pd

    lab = read_labels(labels_csv)
    if splits is not None:
        lab = lab[lab["split"].isin(list(splits))]
    m = lab.merge(pd.read_csv(reviews_csv), on="doc_id", how="left", validate="one_to_one")
    if m["text"].isna().any():
        raise SettingsError(f"text model: {int(m['text'].isna().sum())} labelled reviews are not in {reviews_csv}")
    return pd.DataFrame({"split": m["split"], "label": m["label"], "title": m["ReviewTitle"].fillna("").str.strip(),
                         "body": m["text"].fillna("").str.strip(), "stars": m["ReviewStar"].astype(float)})


def general_reviews(csv: str | Path, sets: Iterable[str] | None = None):
    """Our own labelled reviews of products other than earphones as ``(texts, ratings, labels)``
    (``tests/golden/general_products_reviews.csv``: ``set``, ``rating``, ``title``, ``text``,
    ``label``; three sets, each written and labelled blind by its own annotator); only ``sets`` when given."""
    import pandas as pd

    d = pd.read_csv(csv, keep_default_na=False)
    if sets is not None:
        d = d[d["set"].isin(list(sets))]
    texts = (d["title"].str.strip() + " . " + d["text"].str.strip()).tolist()
    return texts, d["rating"].astype(float).tolist(), d["label"].tolist()


def training_set(labels_csv: str | Path | Sequence[str | Path], reviews_csv: str | Path, general_csv: str | Path | None = None, *,
                 splits: Iterable[str] | None = None, sets: Iterable[str] | None = None):
    """The labelled earphone reviews (:func:`labelled_reviews`, ``splits``) followed by, when
    ``general_csv`` is given, those of other products (:func:`general_reviews`, ``sets``)."""
    texts, ratings, labels = labelled_reviews(labels_csv, reviews_csv, splits)
    if general_csv:
        more = general_reviews(general_csv, sets)
        texts, ratings, labels = texts + more[0], ratings + more[1], labels + more[2]
    return texts, ratings, labels


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m analysis.textmodel --reviews CSV [--model NAME] [--labels CSV ...] [--general CSV] [--frozen-rules DIR] [--out JSON]``:
    train the model file ``NAME`` (one of :data:`MODELS`: the 1-3 star model, or the 4-5 star
    one) on every review of its labels (and, for the 1-3 star model unless ``--general ""``,
    our labelled reviews of other products), learn its combiner (:func:`combiner_set`,
    unless ``--frozen-rules ""``) and write it to ``analysis/rules/NAME``."""
    import argparse
    import hashlib

    golden = Path(__file__).resolve().parents[1] / "tests" / "golden"
    p = argparse.ArgumentParser(prog="python -m analysis.textmodel", description=main.__doc__)
    p.add_argument("--reviews", required=True, help="amazon_in_earphones_reviews.csv of the shared real data")
    p.add_argument("--model", choices=list(MODELS), default=DEFAULT_MODEL, help="which model file (its labels, stars and combiner blocks)")
    p.add_argument("--labels", nargs="+", help="hand labels (several files: one after the other); default: the model's")
    p.add_argument("--general", help='labelled reviews of other products ("" for none); default: the model\'s')
    p.add_argument("--frozen-rules", default=str(golden / "frozen_rules"),
                   help='the rules as they stood before splits were studied, for the combiner ("" for none: rules_weight decides)')
    p.add_argument("--out", help="default: analysis/rules/ and the model's name")
    a = p.parse_args(argv)
    recipe = MODELS[a.model]
    labels = a.labels or [str(golden / f) for f in recipe["labels"]]
    general = a.general if a.general is not None else (str(golden / recipe["general"]) if recipe["general"] else "")
    out = a.out or str(RULES_DIR / a.model)
    texts, ratings, y = training_set(labels, a.reviews, general or None)
    trained_on = ", ".join(f"{Path(f).name} (sha256 {hashlib.sha256(Path(f).read_bytes()).hexdigest()[:16]})" for f in labels)
    trained_on += f" joined to {Path(a.reviews).name}"
    if general:
        trained_on += f"; {Path(general).name} (sha256 {hashlib.sha256(Path(general).read_bytes()).hexdigest()[:16]})"
    model = train(texts, ratings, y, stars=recipe["stars"], about={
        "trained_on": trained_on,
        "guide": "tests/golden/labelled_reviews_GUIDE.md",
        "language": "en"})
    if a.frozen_rules:
        cs = combiner_set(labels, a.reviews, general or None, a.frozen_rules, recipe["blocks"], recipe["stars"])
        model = fit_combiner(model, cs.proba, cs.own, cs.conf, cs.labels, about={
            "trained_on": "labelled reviews unseen by the rules that classify them: " + ", ".join(
                f"{b} ({n})" for b, n in zip(*np.unique(cs.block, return_counts=True))),
            "rules": f"{Path(a.frozen_rules).name}/ and the bundled rules"})
    Path(out).write_text(json.dumps(model.to_dict(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {out}: {len(model.vocabulary):,} terms, {len(model.classes)} classes, {len(texts):,} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
