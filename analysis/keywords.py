"""What buyers say: tokens, n-grams, term x group tables, distinctive-term scores.

Every function returns a tidy DataFrame (RangeIndex, deterministic sort) or a
plain list.  Tokenising is in :mod:`analysis.text` (stop words and spelling
variants are data files in ``analysis/rules/``); texts are tokenised once per
unique text.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse, stats
from statsmodels.stats.multitest import multipletests

from analysis import schema
from analysis.aggregate import week_start
from analysis.pii import strip_contacts
from analysis.text import default_normaliser, has_cjk, negation_words, ngrams, phrase_runs, tokenize, vague_words

__all__ = [
    "tokenize",
    "ngrams",
    "term_frequency",
    "distinctive_terms",
    "top_terms",
    "top_terms_significance",
    "name_words",
    "keyword_in_context",
    "family_pareto",
    "family_by_week",
]

TEXT_COLS = (schema.TITLE, schema.TEXT)
#: a level name of more words is a listing title, whose words are claims (see :func:`name_words`)
NAME_MAX_WORDS = 6
ALL_GROUP = "all"
#: context columns copied into keyword_in_context results when present
CONTEXT_COLS = (schema.COMPLAINT_ID, schema.ORDER_ID, schema.DATE, schema.SKU, schema.ASIN, schema.LOT,
                schema.SUPPLIER, schema.FC_PROCESSED, schema.FC, schema.FAMILY, schema.RATING)


# ------------------------------------------------------------------ helpers
#: texts whose n-grams are remembered (a run scores the same complaints for finding after finding)
_TERMS_CACHE = 1 << 16


@functools.lru_cache(maxsize=_TERMS_CACHE)
def _text_terms(text: str, lo: int, hi: int) -> tuple[str, ...]:
    """Every n-gram occurrence of one text, n from ``lo`` to ``hi``.

    N-grams stay within runs of words: none spans a sentence end or more than
    one stop word, nor over a buyer's e-mail, phone number or address
    (:func:`analysis.pii.strip_contacts`).  Tokenising a text gives the same tokens all through a
    process (the bundled normaliser and word lists), hence the cache.
    """
    return tuple(g for toks in phrase_runs(strip_contacts(text)) for n in range(lo, hi + 1) for g in ngrams(toks, n))


def _doc_terms(df: pd.DataFrame, text_cols: Sequence[str], ngram_range: tuple[int, int]) -> list[list[str]]:
    """Per row, every n-gram occurrence (title and text tokenised separately)."""
    lo, hi = ngram_range
    if lo < 1 or hi < lo:
        raise ValueError(f"ngram_range must be (min, max) with 1 <= min <= max, got {ngram_range}")
    cols = [c for c in text_cols if c in df.columns]
    out: list[list[str]] = [[] for _ in range(len(df))]
    for c in cols:
        values = df[c].astype("string").fillna("").to_numpy()
        for i, v in enumerate(values):
            if v:
                out[i].extend(_text_terms(str(v), lo, hi))
    return out


def _matrix(docs: list[list[str]]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Document x term count matrix and the term vocabulary (in order of first occurrence)."""
    rows = np.repeat(np.arange(len(docs)), [len(terms) for terms in docs])
    cols, vocab = pd.factorize(np.array([t for terms in docs for t in terms], dtype=object))
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(len(docs), len(vocab)))
    m.sum_duplicates()
    return m, np.asarray(vocab, dtype=object)


def term_matrix(df: pd.DataFrame, text_cols: Sequence[str] = TEXT_COLS, ngram_range: tuple[int, int] = (1, 2)) -> sparse.csr_matrix:
    """Complaint x term tf-idf matrix with unit-length rows (a row of zeros for a complaint without words).

    Terms are the keyword tables' n-grams (:func:`term_frequency`'s tokens:
    stop words out, negations in, no phrase across a sentence end or comma).
    Weights: ``1 + log(count)`` times the smoothed inverse document frequency
    ``1 + log((1 + n) / (1 + documents with the term))`` over these complaints,
    so a row product is the cosine similarity of two complaints' wording.
    """
    m, _ = _matrix(_doc_terms(df, text_cols, ngram_range))
    m = m.astype("float64")
    m.data = 1.0 + np.log(m.data)
    documents = np.bincount(m.indices, minlength=m.shape[1])
    m = m @ sparse.diags(1.0 + np.log((1.0 + m.shape[0]) / (1.0 + documents)))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    return sparse.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ m


def _group_keys(df: pd.DataFrame, by: str | None) -> pd.Series:
    if by is None:
        return pd.Series([ALL_GROUP] * len(df), index=df.index, dtype="str")
    if by not in df.columns:
        raise KeyError(f"column {by!r} not in the complaints table")
    return df[by].astype("string").fillna(schema.UNKNOWN_LEVEL)


def _n_words(term: str) -> int:
    if has_cjk(term) and " " not in term:
        return 1 if term else 0
    return len(term.split(" "))


# ------------------------------------------------------------------ public
def term_frequency(df: pd.DataFrame, by: str | None = None, text_cols: Sequence[str] = TEXT_COLS,
                   ngram_range: tuple[int, int] = (1, 3), min_count: int = 1) -> pd.DataFrame:
    """Term x group frequency table.

    Parameters
    ----------
    df : DataFrame
        Complaints.
    by : str, optional
        Grouping column (family, asin, sku, lot, supplier, fc, week ...);
        None puts every row in group ``"all"``.
    text_cols : sequence of str
        Text columns; each is tokenised separately (no n-gram spans two).
    ngram_range : (int, int)
        Smallest and largest n-gram length.
    min_count : int
        Keep terms with at least this many occurrences in the group.

    Returns
    -------
    DataFrame
        ``group`` (str), ``term`` (str), ``n_words`` (int), ``count``
        (occurrences), ``documents`` (complaints containing the term),
        ``documents_in_group`` (complaints in the group), ``per_1000``
        (documents per 1,000 complaints of the group).  Sorted by group, then
        documents, count descending, then term.
    """
    cols = ["group", "term", "n_words", "count", "documents", "documents_in_group", "per_1000"]
    keys = _group_keys(df, by)
    docs = _doc_terms(df, text_cols, ngram_range)
    m, terms = _matrix(docs)
    if m.shape[1] == 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("group", "term") else "float64") for c in cols})
    codes, groups = pd.factorize(keys, sort=True)
    g = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(groups), len(codes)))
    counts = (g @ m).tocoo()
    docs_in = (g @ (m > 0).astype(np.int64)).tocsr()
    size = np.bincount(codes, minlength=len(groups))
    out = pd.DataFrame({
        "group": np.asarray(groups, dtype=object)[counts.row],
        "term": terms[counts.col],
        "count": counts.data.astype(np.int64),
        "documents": np.asarray(docs_in[counts.row, counts.col]).ravel().astype(np.int64),
        "documents_in_group": size[counts.row].astype(np.int64),
    })
    out = out[out["count"] >= min_count]
    out.insert(2, "n_words", out["term"].map(_n_words).astype(np.int64))
    out["per_1000"] = out["documents"] / out["documents_in_group"] * 1000.0
    out = out.sort_values(["group", "documents", "count", "term"], ascending=[True, False, False, True], kind="stable")
    out["group"] = out["group"].astype("str")
    out["term"] = out["term"].astype("str")
    return out.reset_index(drop=True)[cols]


def distinctive_terms(df: pd.DataFrame, by: str, focus: object | Sequence | None = None,
                      reference: object | Sequence | None = None, text_cols: Sequence[str] = TEXT_COLS,
                      ngram_range: tuple[int, int] = (1, 2), prior_scale: float = 0.1,
                      alternative: str = "greater", min_count: int = 1) -> pd.DataFrame:
    """Terms a group over-uses compared with a reference: log-odds with informative Dirichlet prior.

    Parameters
    ----------
    df : DataFrame
        Complaints.
    by : str
        Grouping column.
    focus : value or list of values, optional
        The group(s) of interest.  None: every group in turn, each against
        all other rows.
    reference : value or list of values, optional
        The comparison group(s); None: every row not in the focus.
    text_cols, ngram_range
        As in :func:`term_frequency`.
    prior_scale : float
        Prior strength: ``a_i = prior_scale * y_i`` with ``y_i`` the term's
        count in the whole table (focus + reference) and
        ``a0 = prior_scale * n`` (n all term occurrences).
    alternative : {"greater", "two-sided"}
        "greater" (default): one-sided p for OVER-use in the focus,
        ``P(Z >= z)``; "two-sided": ``2 P(Z >= |z|)``.
    min_count : int
        Only terms occurring at least this often in the focus group.

    Returns
    -------
    DataFrame
        ``group`` (the focus label; the focus values joined by "+" when a list),
        ``term``, ``count_focus``, ``count_reference``, ``log_odds`` (delta),
        ``variance``, ``z``, ``p_value``, ``p_adjusted`` (Benjamini-Hochberg
        over the terms of the group), ``focus_documents``.  Sorted by group,
        z descending, term.

    Notes
    -----
    Monroe, Colaresi & Quinn (2008), "Fightin' Words", Political Analysis 16(4),
    eq. 16-22::

        delta_i = log((y_if + a_i) / (n_f + a0 - y_if - a_i))
                - log((y_ir + a_i) / (n_r + a0 - y_ir - a_i))
        var_i   = 1 / (y_if + a_i) + 1 / (y_ir + a_i)
        z_i     = delta_i / sqrt(var_i)
    """
    if alternative not in ("greater", "two-sided"):
        raise ValueError("alternative must be 'greater' or 'two-sided'")
    cols = ["group", "term", "count_focus", "count_reference", "log_odds", "variance", "z", "p_value",
            "p_adjusted", "focus_documents"]
    keys = _group_keys(df, by)
    docs = _doc_terms(df, text_cols, ngram_range)
    m, terms = _matrix(docs)

    def as_list(v):
        if v is None:
            return None
        if isinstance(v, (list, tuple, set, frozenset, np.ndarray, pd.Index, pd.Series)):
            return [str(x) for x in v]
        return [str(v)]

    foc = as_list(focus)
    ref = as_list(reference)
    if foc is None:
        comparisons = [([g], None) for g in sorted(keys.unique())]
    else:
        comparisons = [(foc, ref)]
    frames = []
    keyv = keys.to_numpy(dtype=object)
    for fvals, rvals in comparisons:
        fmask = np.isin(keyv, fvals)
        rmask = np.isin(keyv, rvals) & ~fmask if rvals is not None else ~fmask
        label = "+".join(fvals)
        if m.shape[1] == 0 or not fmask.any() or not rmask.any():
            continue
        yf = np.asarray(m[fmask].sum(axis=0)).ravel().astype(float)
        yr = np.asarray(m[rmask].sum(axis=0)).ravel().astype(float)
        fdocs = np.asarray((m[fmask] > 0).sum(axis=0)).ravel()
        y = yf + yr
        keep = (y > 0) & (yf >= min_count)
        if not keep.any():
            continue
        a = prior_scale * y
        a0 = prior_scale * y.sum()
        nf, nr = yf.sum(), yr.sum()
        yf_k, yr_k, a_k = yf[keep], yr[keep], a[keep]
        delta = np.log((yf_k + a_k) / (nf + a0 - yf_k - a_k)) - np.log((yr_k + a_k) / (nr + a0 - yr_k - a_k))
        var = 1.0 / (yf_k + a_k) + 1.0 / (yr_k + a_k)
        z = delta / np.sqrt(var)
        p = stats.norm.sf(z) if alternative == "greater" else 2.0 * stats.norm.sf(np.abs(z))
        p_adj = multipletests(p, method="fdr_bh")[1]
        frames.append(pd.DataFrame({
            "group": label, "term": terms[keep], "count_focus": yf_k.astype(np.int64),
            "count_reference": yr_k.astype(np.int64), "log_odds": delta, "variance": var, "z": z,
            "p_value": p, "p_adjusted": p_adj, "focus_documents": fdocs[keep].astype(np.int64),
        }))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("group", "term") else "float64") for c in cols})
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["group", "z", "term"], ascending=[True, False, True], kind="stable")
    out["group"] = out["group"].astype("str")
    out["term"] = out["term"].astype("str")
    return out.reset_index(drop=True)[cols]


def name_words(name: object, max_words: int = NAME_MAX_WORDS) -> frozenset[str]:
    """The words of a level's name, normalised as complaint words are
    ("boAt Rockerz 255" -> boat, rockerz, 255).

    Buyers name the product they complain about, so a product's name is
    always over-used in its complaints and says nothing of what went wrong:
    :func:`top_terms` leaves these words out for a finding on that level.  A
    name longer than ``max_words`` words is a listing title whose words are
    its claims ("... with Active Noise Cancelling", the very words a listing
    complaint repeats): none are left out.
    """
    if name is None or (isinstance(name, float) and name != name):
        return frozenset()
    if len(tokenize(str(name).lower(), drop_stop_words=False)) > max_words:
        return frozenset()
    # as written ("boAt" splits like a buyer's "boAt" does) and in lower case (a buyer's "boat")
    return frozenset(tokenize(str(name))) | frozenset(tokenize(str(name).lower()))


def is_name_term(term: str, words: frozenset[str]) -> bool:
    """Whether every word of ``term`` is one of a name's ``words`` or the start
    of a longer one ("skull" of "skullcandy"), or the term written as one word
    is ("skull candy")."""
    def named(w: str) -> bool:
        return w in words or (len(w) >= 3 and any(len(n) > len(w) and n.startswith(w) for n in words))

    return bool(words) and (all(named(w) for w in term.split(" ")) or named(term.replace(" ", "")))


def name_term_mask(terms: pd.Series, words: frozenset[str]) -> np.ndarray:
    """Boolean array: which ``terms`` are made of a name's ``words`` (:func:`is_name_term`)."""
    if not words:  # most levels: nothing to test term by term
        return np.zeros(len(terms), dtype=bool)
    return np.array([is_name_term(t, words) for t in terms], dtype=bool)


TERMS_ALPHA = 0.05  # a distinctive term is significant below this BH-adjusted p (top_terms)


def top_terms(focus_df: pd.DataFrame, reference_df: pd.DataFrame, n: int = 5, text_cols: Sequence[str] = TEXT_COLS,
              ngram_range: tuple[int, int] = (1, 2), alpha: float = TERMS_ALPHA, min_focus_documents: int = 2,
              prior_scale: float = 0.1, min_significant: int = 0, exclude_words: frozenset[str] = frozenset()) -> list[str]:
    """The terms a subset of complaints over-uses compared with a reference
    (:func:`top_terms_significance` without the flags)."""
    return top_terms_significance(focus_df, reference_df, n, text_cols, ngram_range, alpha, min_focus_documents,
                                  prior_scale, min_significant, exclude_words)[0]


def top_terms_significance(focus_df: pd.DataFrame, reference_df: pd.DataFrame, n: int = 5, text_cols: Sequence[str] = TEXT_COLS,
                           ngram_range: tuple[int, int] = (1, 2), alpha: float = TERMS_ALPHA, min_focus_documents: int = 2,
                           prior_scale: float = 0.1, min_significant: int = 0,
                           exclude_words: frozenset[str] = frozenset()) -> tuple[list[str], list[bool] | None]:
    """The terms a subset of complaints over-uses compared with a reference, and whether each is significant.

    Significant terms (BH-adjusted one-sided p < ``alpha``) come first, then
    other over-used terms, each by z descending; a term sharing a word with a
    stronger chosen term is skipped (so "earbud no" does not follow "no sound"
    and "right earbud"), a negation alone ("won't", "not") is skipped (it says
    nothing without its verb), and terms need ``min_focus_documents`` complaints.
    With fewer than ``min_significant`` significant terms, nothing is returned
    (the comparison says nothing; the caller may compare with another reference).
    Terms made only of ``exclude_words`` (the level's own name, see
    :func:`name_words`) are left out.

    Returns
    -------
    (list of str, list of bool or None)
        At most ``n`` terms, and per term whether it is significant: its own adjusted p is below
        ``alpha`` or, for a phrase longer than the terms tested ("battery drains fast", joined from
        "battery drains" and "drains fast"), that of a term it contains.  None without a reference
        (nothing was tested).
    """
    if len(focus_df) == 0:
        return [], None
    cols = [c for c in text_cols if c in focus_df.columns or c in reference_df.columns]
    both = pd.concat([focus_df.reindex(columns=cols), reference_df.reindex(columns=cols)], ignore_index=True)
    both["_side"] = ["focus"] * len(focus_df) + ["reference"] * len(reference_df)
    if len(reference_df) == 0:
        if min_significant > 0:
            return [], None
        tf = term_frequency(both, text_cols=cols, ngram_range=ngram_range)
        tf = tf[(tf["documents"] >= min_focus_documents).to_numpy() & ~name_term_mask(tf["term"], exclude_words)]
        return tf["term"].head(n).tolist(), None
    res = distinctive_terms(both, "_side", focus="focus", text_cols=cols, ngram_range=ngram_range,
                            prior_scale=prior_scale)
    res = res[(res["z"] > 0) & (res["focus_documents"] >= min_focus_documents)]
    res = res[~name_term_mask(res["term"], exclude_words)].copy()
    res["_sig"] = res["p_adjusted"] < alpha
    if int(res["_sig"].sum()) < min_significant:
        return [], None
    res = res.sort_values(["_sig", "z", "term"], ascending=[False, False, True], kind="stable")
    # each distinct complaint (its title and text) once, with how many complaints say it
    present = [c for c in cols if c in focus_df.columns]
    texts = focus_df[present].astype("string").fillna("")
    counts = texts.value_counts(sort=False, dropna=False) if present else pd.Series(dtype="int64")
    runs: list[list[list[str]]] = []
    docs: list[int] = []
    for d, values in enumerate(counts.index):
        for v in (values if isinstance(values, tuple) else (values,)):
            if v:
                runs.append(phrase_runs(str(v)))
                docs.append(d)
    picked = _PhrasePicker(runs, docs, counts.to_numpy().tolist(), min_focus_documents).pick(res["term"], n)
    tested = dict(zip(res["term"], res["_sig"]))
    return picked, [bool(tested[t]) if t in tested else _has_significant_part(t, tested) for t in picked]


def _has_significant_part(phrase: str, tested: Mapping[str, bool]) -> bool:
    """Whether a run of ``phrase``'s words is a significant term of ``tested`` (a phrase the picker joined)."""
    words = phrase.split(" ")
    return any(tested.get(" ".join(words[i:j]), False) for i in range(len(words)) for j in range(i + 1, len(words) + 1))


class _PhrasePicker:
    """Chooses the terms to show from a ranked list, reading where each one
    occurs in the focus complaints, so that no term shown is a fragment of
    another.

    A term is taken when most of its complaints use it apart from the terms
    already taken ("right side" after "right earbud": other words, other
    places).  A term that runs on from a taken one in the same words
    ("drains fast" after "battery drains") joins it into one phrase ("battery
    drains fast", at most ``max_words`` words) when that phrase is said in at
    least two thirds of the complaints of the term it replaces; otherwise it
    is left out, and so are the words left over from it ("fast" alone).  A taken word
    gives way to a phrase containing it ("right" -> "right earbud").
    """

    def __init__(self, runs: list[list[list[str]]], docs: list[int], weights: list[int], min_docs: int,
                 max_words: int = 4):
        """``runs[k]`` are the word runs of one text of document ``docs[k]``; ``weights[d]`` is how
        many complaints document ``d`` stands for (identical complaints are read once)."""
        self.runs = [tuple(r) for rs in runs for r in rs]
        self.doc_of = [d for d, rs in zip(docs, runs) for _ in rs]
        self.weights = weights
        self.min_docs = min_docs
        self._found: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        self.max_words = max_words
        self.at: dict[str, list[tuple[int, int]]] = {}
        for r, toks in enumerate(self.runs):
            for i, t in enumerate(toks):
                self.at.setdefault(t, []).append((r, i))
        self.claimed: set[tuple[int, int]] = set()

    def occurrences(self, phrase: tuple[str, ...]) -> list[tuple[int, int]]:
        got = self._found.get(phrase)
        if got is None:
            k = len(phrase)
            got = self._found[phrase] = [(r, i) for r, i in self.at.get(phrase[0], ()) if self.runs[r][i:i + k] == phrase]
        return got

    def n_docs(self, occ) -> int:
        return sum(self.weights[d] for d in {self.doc_of[r] for r, _ in occ})

    def pick(self, ranked: Iterable[str], n: int) -> list[str]:
        negations, vague = negation_words(), vague_words()
        chosen: list[tuple[str, ...]] = []
        for term in ranked:
            words = tuple(term.split(" "))
            if set(words) <= negations or set(words) <= vague:
                # a negation needs its verb; "week", "none", "keeps" name no symptom (but "never came" does)
                continue
            occ = self.occurrences(words)
            if not occ:
                continue
            owner = self._owners(chosen)
            k = len(words)
            free = [(r, i) for r, i in occ if not any((r, j) in owner or (r, j) in self.claimed for j in range(i, i + k))]
            if self.n_docs(free) >= max(self.min_docs, self.n_docs(occ) / 2):
                # a longer phrase replaces the chosen word it contains ("right" -> "right earbud")
                chosen = [c for c in chosen if not (len(c) == 1 and c[0] in words)]
                chosen.append(words)
            else:
                chosen = self._join(words, occ, owner, chosen)
            if len(chosen) >= n:
                break
        return [" ".join(c) for c in chosen[:n]]

    def _owners(self, chosen) -> dict[tuple[int, int], tuple[int, int, int]]:
        """Each word position taken by a chosen term: (term index, run, start)."""
        owner = {}
        for t, c in enumerate(chosen):
            for r, i in self.occurrences(c):
                for j in range(i, i + len(c)):
                    owner[(r, j)] = (t, r, i)
        return owner

    def _join(self, words, occ, owner, chosen):
        k = len(words)
        spans: dict[tuple[str, ...], set[int]] = {}
        for r, i in occ:
            hits = {owner[(r, j)] for j in range(i, i + k) if (r, j) in owner}
            if not hits:
                continue
            lo = min([i] + [s for _, _, s in hits])
            hi = max([i + k] + [s + len(chosen[t]) for t, _, s in hits])
            if hi - lo <= self.max_words:
                spans.setdefault(self.runs[r][lo:hi], set()).add(self.doc_of[r])
        best = max(sorted(spans), key=lambda p: sum(self.weights[d] for d in spans[p]), default=None)
        if best is not None:
            n_best = self.n_docs(self.occurrences(best))
            inside = [c for c in chosen if _contains(best, c)]
            if inside and n_best >= self.min_docs and all(
                    len(c) == 1 or 3 * n_best >= 2 * self.n_docs(self.occurrences(c)) for c in inside):
                at = chosen.index(inside[0])
                rest = [c for c in chosen if c not in inside]
                return rest[:at] + [best] + rest[at:]
        for r, i in occ:  # left out: its words are no one's to show alone
            self.claimed.update((r, j) for j in range(i, i + k))
        return chosen


def _contains(phrase: tuple[str, ...], part: tuple[str, ...]) -> bool:
    k = len(part)
    return any(phrase[i:i + k] == part for i in range(len(phrase) - k + 1))


def drop_contained(terms: pd.DataFrame, share: float = 0.9) -> pd.DataFrame:
    """``terms`` (a :func:`distinctive_terms` table) without the terms that a longer term of the table contains
    in at least ``share`` of their focus uses: "working" (44 uses) beside "stopped working" (44), "earbud no"
    beside "earbud no sound".  Such a term says nothing the longer one does not; a chart of both shows the
    same words twice.  A term used often on its own ("right", 189, beside "right earbud", 107) stays.
    """
    if not len(terms):
        return terms
    count = dict(zip(terms["term"], terms["count_focus"].astype("float64")))
    dropped: set[str] = set()
    for term, n in count.items():
        words = tuple(term.split(" "))
        for k in range(1, len(words)):  # every shorter run of its words
            for i in range(len(words) - k + 1):
                part = " ".join(words[i:i + k])
                if part in count and n >= share * count[part]:
                    dropped.add(part)
    return terms[~terms["term"].isin(dropped)].reset_index(drop=True)


def _term_pattern(term: str) -> re.Pattern:
    words = [w for w in re.split(r"\s+", term.strip()) if w]
    if not words:
        raise ValueError("empty search term")
    body = r"[\W_]+".join(re.escape(w) for w in words)
    if has_cjk(term):
        return re.compile(body, re.IGNORECASE)
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])", re.IGNORECASE)


def keyword_in_context(df: pd.DataFrame, term: str, width: int = 60,
                       text_cols: Sequence[str] = TEXT_COLS) -> pd.DataFrame:
    """Each complaint text containing ``term``, cut into left / match / right.

    Matching ignores case and punctuation between words; a term written in
    its normalised spelling (e.g. "bluetooth") also finds the raw variant
    ("Blutooth") through the variant table.  The text is returned exactly as
    the customer wrote it (plain str: never escaped, unescaped or rendered).

    Returns
    -------
    DataFrame
        RangeIndex, in input order, one row per (complaint, text column) with
        a match (first match): ``row`` (position in ``df``), ``column``,
        whichever of ``complaint_id, order_id, date, sku, asin, lot, supplier,
        fc_processed, fc, family, rating`` exist, then ``left``, ``match``,
        ``right`` (at most ``width`` characters each side).
    """
    pats = [_term_pattern(term)]
    norm_term = default_normaliser()(term)
    variants = [k for k, v in getattr(default_normaliser(), "_variants", {}).items() if v == norm_term and k != norm_term]
    pats.extend(_term_pattern(v) for v in variants)
    ctx = [c for c in CONTEXT_COLS if c in df.columns]
    records = []
    for c in [c for c in text_cols if c in df.columns]:
        values = df[c].astype("string").fillna("").to_numpy()
        for i, v in enumerate(values):
            if not v:
                continue
            v = str(v)
            best = None
            for p in pats:
                m = p.search(v)
                if m and (best is None or m.start() < best.start()):
                    best = m
            if best is None:
                continue
            s, e = best.span()
            records.append((i, c, v[max(0, s - width):s], v[s:e], v[e:e + width]))
    records.sort(key=lambda r: (r[0], list(text_cols).index(r[1])))
    out = pd.DataFrame(records, columns=["row", "column", "left", "match", "right"])
    out["row"] = out["row"].astype(np.int64)
    for c in ctx:
        out[c] = df[c].iloc[out["row"].to_numpy()].to_numpy() if len(out) else pd.Series(dtype=df[c].dtype)
    for c in ("column", "left", "match", "right"):
        out[c] = out[c].astype("str")
    return out[["row", "column", *ctx, "left", "match", "right"]].reset_index(drop=True)


def _family_order(values: Iterable[str]) -> dict[str, int]:
    order = {f: i for i, f in enumerate(schema.FAMILIES)}
    extra = sorted(v for v in set(values) if v not in order)
    order.update({f: len(schema.FAMILIES) + i for i, f in enumerate(extra)})
    return order


def family_pareto(df: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Complaint counts per family, largest first, with cumulative shares.

    Returns
    -------
    DataFrame
        ``group`` ("all" when ``by`` is None), ``family``, ``count``,
        ``share`` (of the group), ``cumulative_share``; sorted by group, count
        descending, then family display order.
    """
    if schema.FAMILY not in df.columns:
        raise KeyError("no 'family' column: run classify_complaints first")
    keys = _group_keys(df, by)
    fam = df[schema.FAMILY].astype("string").fillna("other")
    counts = pd.DataFrame({"group": keys.to_numpy(dtype=object), "family": fam.to_numpy(dtype=object)})
    out = counts.groupby(["group", "family"], sort=False).size().rename("count").reset_index()
    order = _family_order(out["family"])
    out["_o"] = out["family"].map(order)
    out = out.sort_values(["group", "count", "_o"], ascending=[True, False, True], kind="stable").drop(columns="_o")
    total = out.groupby("group")["count"].transform("sum")
    out["count"] = out["count"].astype(np.int64)
    out["share"] = out["count"] / total
    out["cumulative_share"] = out.groupby("group")["count"].cumsum() / total
    out["group"] = out["group"].astype("str")
    out["family"] = out["family"].astype("str")
    return out.reset_index(drop=True)


def family_by_week(df: pd.DataFrame) -> pd.DataFrame:
    """Complaints per ISO week (Monday) and family, every family seen x every week seen.

    Uses ``week`` when present, otherwise the Monday of ``date``'s week.
    Rows without a date are left out.

    Returns
    -------
    DataFrame
        ``week`` (datetime64), ``family``, ``count`` (int, zeros included);
        sorted by week then family display order.
    """
    if schema.FAMILY not in df.columns:
        raise KeyError("no 'family' column: run classify_complaints first")
    if schema.WEEK in df.columns:
        week = pd.to_datetime(df[schema.WEEK], errors="coerce")
    elif schema.DATE in df.columns:
        week = week_start(pd.to_datetime(df[schema.DATE], errors="coerce"))
    else:
        raise KeyError("no 'week' or 'date' column")
    fam = df[schema.FAMILY].astype("string").fillna("other")
    ok = week.notna().to_numpy()
    tab = pd.crosstab(week[ok].to_numpy(), fam[ok].to_numpy())
    order = _family_order(tab.columns)
    tab = tab[sorted(tab.columns, key=order.get)]
    out = tab.stack().rename("count").reset_index()
    out.columns = ["week", "family", "count"]
    out["_o"] = out["family"].map(order)
    out = out.sort_values(["week", "_o"], kind="stable").drop(columns="_o")
    out["count"] = out["count"].astype(np.int64)
    out["family"] = out["family"].astype("str")
    return out.reset_index(drop=True)
