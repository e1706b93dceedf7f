"""Complaint -> root-cause family, from reason code, FC disposition, rating and text.

Every rule and word list is data (``analysis/rules/taxonomy.toml``); this
module only reads, merges and applies it.  See the comment block at the top of
that file for the scoring and for the DAMAGED_BY_FC and Defective-vs-ONPE
rules.

Speed: texts are normalised and matched once per *unique* text, reason codes
once per unique (reason, disposition) pair, and the scores are combined with
numpy; so a million comments drawn from tens of thousands of distinct texts
classify in a few seconds.  With many distinct texts, vectorised RE2 passes
(Arrow) pick which texts, and which parts of each family's expression, the
exact Python matching has to look at (:func:`_score_many`), and a second
process shares the work (:func:`_classify_unique`).  Chinese/Japanese phrases
are matched as substrings, so no segmenter is needed here.
"""

from __future__ import annotations

import collections
import copy
import functools
import gc
import hashlib
import math
import re
import threading
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import schema
from analysis.config import freeze
from analysis.errors import SettingsError
from analysis.text import RULES_DIR, SENTENCE_CHARS, SENTENCE_END, Normaliser, ascii_equivalent, basic_normalise

__all__ = [
    "Taxonomy",
    "DEFAULT_TAXONOMY_PATH",
    "load_taxonomy",
    "taxonomy_to_toml",
    "classify_complaints",
    "classify_texts",
    "explain",
    "compare_taxonomies",
    "changed_complaints",
]

DEFAULT_TAXONOMY_PATH = RULES_DIR / "taxonomy.toml"
DEFAULT_TEXT_MODEL = "text_model_en.json"
# The evidence's own wording, written here once (ui.i18n.evidence_text translates it for display:
# it keys on these).  Codes and the buyers' terms are inserted as they are.
EVIDENCE_TERMS = "terms: "
EVIDENCE_REASON = "reason "
EVIDENCE_DISPOSITION = "disposition "
EVIDENCE_REPLACEMENT = "replacement code "
EVIDENCE_TEXT_OVERRIDES = "text overrides reason "
EVIDENCE_MODEL = "text model: "  # then the words that weighed most (analysis/textmodel.py)
EVIDENCE_SEP = "; "  # between the parts of one complaint's evidence
EVIDENCE_CODE_SEP = " + "  # between the codes of one part
#: evidence with nothing inserted, by the locale key that translates it (``evidence.<key>``)
EVIDENCE_FIXED = {
    "disposition_or_rating": "disposition / rating",
    "low_rating": "low star rating, no specific terms",
    "no_signal": "no specific signal",
    "no_signal_positive": "no specific signal (positive rating)",
}

_TIERS = ("strong", "terms", "weak")
_PATTERN_TIER = {"strong": "strong", "any": "terms", "terms": "terms", "weak": "weak"}
_TIER_WEIGHT_KEY = {"strong": "strong_weight", "terms": "weight", "weak": "weak_weight"}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_JA_NEG_AFTER = ("ではない", "じゃない", "ではありません", "じゃありません")
_WORD_TOKEN = re.compile(r"[\w']+")


# ------------------------------------------------------------------ taxonomy
def _thaw(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _thaw(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [_thaw(v) for v in obj]
    return obj


def _merge(base: dict, over: Mapping) -> dict:
    """Tables merge key by key; any other value (lists included) replaces."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(dict(out[k]), v)
        else:
            out[k] = copy.deepcopy(_thaw(v))
    return out


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """The classification rules, immutable.

    Attributes
    ----------
    data : Mapping
        The merged TOML document (read-only views); :func:`taxonomy_to_toml`
        writes it back.
    fingerprint : str
        SHA-256 of the canonical TOML; equality and hashing use it, so a
        Taxonomy can key a cache.
    """

    data: Mapping[str, Any]
    fingerprint: str = field(default="")

    def __post_init__(self):
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", hashlib.sha256(taxonomy_to_toml(self).encode()).hexdigest())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Taxonomy) and other.fingerprint == self.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    @property
    def families(self) -> tuple[str, ...]:
        """Family ids in display order (schema.FAMILIES first)."""
        fams = list(self.data.get("families", {}))
        ordered = [f for f in schema.FAMILIES if f in fams]
        return tuple(ordered + [f for f in fams if f not in ordered])

    def label(self, family: str) -> str:
        return self.data.get("families", {}).get(family, {}).get("label", family)

    @functools.cached_property
    def _compiled(self) -> "_Compiled":
        with _COMPILING:  # one compile per taxonomy, also where cached_property has no lock (3.12+)
            return self.__dict__.get("_compiled") or _Compiled(self)

    def _compile_behind(self) -> threading.Thread | None:
        """Compile the rules in a thread (None when they are compiled): the
        caller's Arrow work on the texts, which releases the interpreter lock,
        goes on meanwhile."""
        if "_compiled" in self.__dict__:
            return None
        th = threading.Thread(target=self._compile_quietly, daemon=True)
        th.start()
        return th

    def _compile_quietly(self) -> None:
        try:
            self._compiled
        except Exception:  # noqa: BLE001 - the caller's own access raises it again, as a one-line error
            pass


_COMPILING = threading.RLock()
#: a named group or a reference to one
_NAMED_GROUP = re.compile(r"\(\?P[<=]")
#: the same, or a numbered back-reference (not an escaped backslash before a digit)
_OWN_GROUP_REFERENCE = re.compile(_NAMED_GROUP.pattern + r"|(?<!\\)(?:\\\\)*\\[1-9]")


#: the numbers of the [scoring] table
_SCORING_NUMBERS = ("extra_hit_factor", "text_cap", "min_score", "default_confidence", "rating_low_max", "rating_low_weight",
                    "rating_mid_weight", "rating_high_min")


def _validate(data: Mapping) -> None:
    fams = data.get("families")
    if not isinstance(fams, Mapping) or not fams:
        raise SettingsError("taxonomy: no [families] table")
    known = set(fams)
    scoring = data.get("scoring", {})
    for key in ("default_family", "rating_low_family"):
        if scoring.get(key, "other") not in known:
            raise SettingsError(f"taxonomy: scoring.{key} names unknown family {scoring.get(key)!r}")
    # numbers are checked as family names are: min_score = "abc" passed, then every analysis page raised ValueError
    for key in _SCORING_NUMBERS:
        val = scoring.get(key, 0)
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val) or val < 0:
            raise SettingsError(f"taxonomy: scoring.{key} must be a number of 0 or more, got {val!r}")
    if not isinstance(scoring.get("priority", []), list) or any(f not in known for f in scoring.get("priority", [])):
        raise SettingsError(f"taxonomy: scoring.priority must be a list of known families, got {scoring.get('priority')!r}")
    for table in ("reasons", "replacement_codes", "reason_prefixes"):
        for code, val in data.get(table, {}).items():
            if not (isinstance(val, Sequence) and len(val) == 2 and val[0] in known):
                raise SettingsError(f"taxonomy: {table}.{code} must be [family, weight] with a known family, got {val!r}")
    for disp, adj in data.get("dispositions", {}).items():
        for fam in adj:
            if fam not in known:
                raise SettingsError(f"taxonomy: dispositions.{disp} names unknown family {fam!r}")
    safety = data.get("safety", {})
    if safety and safety.get("family", "product_defect") not in known:
        raise SettingsError(f"taxonomy: safety.family names unknown family {safety.get('family')!r}")
    for lang, terms in safety.items():
        if lang != "family" and (isinstance(terms, str) or not isinstance(terms, Sequence) or not all(isinstance(x, str) for x in terms)):
            raise SettingsError(f"taxonomy: safety.{lang} must be a list of words")
    _validate_text_model(data.get("text_model", {}), known)
    for combo in data.get("combinations", []):
        if combo.get("family") not in known:
            raise SettingsError(f"taxonomy: combination for {combo.get('reason')!r} names unknown family {combo.get('family')!r}")
    for fam, rules in fams.items():
        excl = rules.get("exclude", [])
        if isinstance(excl, str) or not isinstance(excl, Sequence):
            raise SettingsError(f"taxonomy: families.{fam}.exclude must be a list of regular expressions")
        for pat in excl:
            try:
                re.compile(pat)
            except (re.error, TypeError) as exc:
                raise SettingsError(f"taxonomy: families.{fam}.exclude: bad regular expression {pat!r}: {exc}") from None
            if _NAMED_GROUP.search(pat):  # joined into one expression too
                raise SettingsError(f"taxonomy: families.{fam}.exclude: {pat!r} names a group; write (?:...) for a group")
        patterns = rules.get("patterns", {})
        if not isinstance(patterns, Mapping):
            raise SettingsError(f"taxonomy: families.{fam}.patterns must be a table of strong, any and weak lists")
        for key, pats in patterns.items():
            if key not in _PATTERN_TIER:
                raise SettingsError(f"taxonomy: families.{fam}.patterns.{key}: use strong, any or weak")
            if isinstance(pats, str) or not isinstance(pats, Sequence):
                raise SettingsError(f"taxonomy: families.{fam}.patterns.{key} must be a list of regular expressions")
        for pat in (p for pats in patterns.values() for p in pats):
            try:
                re.compile(pat)
            except (re.error, TypeError) as exc:
                raise SettingsError(f"taxonomy: families.{fam}.patterns: bad regular expression {pat!r}: {exc}") from None
            # a family's patterns are joined into one expression with a named group per tier:
            # names and numbers of groups of their own would clash or point elsewhere there
            if _OWN_GROUP_REFERENCE.search(pat):
                raise SettingsError(f"taxonomy: families.{fam}.patterns: {pat!r} names or refers back to a group; "
                                    "write (?:...) for a group, and repeat the words instead of a back-reference")


def _validate_text_model(tm: Any, known: set[str], where: str = "text_model") -> None:
    """``[text_model]`` and its sub-tables (a model of its own for other star ratings,
    ``[text_model.high_stars]``: each must name its own ``file``; no deeper tables)."""
    if not isinstance(tm, Mapping):
        raise SettingsError(f"taxonomy: [{where}] must be a table")
    if not isinstance(tm.get("enabled", False), bool):
        raise SettingsError(f"taxonomy: {where}.enabled must be true or false")
    for key in ("below_confidence", "min_known", "specific_min"):
        val = tm.get(key, 0.5)
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not 0 <= val <= 1:
            raise SettingsError(f"taxonomy: {where}.{key} must be a number from 0 to 1, got {val!r}")
    val = tm.get("rules_weight", 0.0)
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not 0 <= val <= 10:
        raise SettingsError(f"taxonomy: {where}.rules_weight must be a number from 0 to 10, got {val!r}")
    for key in ("families", "keep"):
        fams = tm.get(key, [])
        if isinstance(fams, str) or not isinstance(fams, Sequence) or any(f not in known for f in fams):
            raise SettingsError(f"taxonomy: {where}.{key} must be a list of known families, got {fams!r}")
    if not isinstance(tm.get("file", DEFAULT_TEXT_MODEL), str):
        raise SettingsError(f"taxonomy: {where}.file must be a file name")
    for key, sub in tm.items():
        if isinstance(sub, Mapping):
            if where != "text_model":
                raise SettingsError(f"taxonomy: [{where}.{key}] is a table inside a model's table (one level only)")
            if "file" not in sub:
                raise SettingsError(f"taxonomy: [{where}.{key}] must name its own model file (file = ...)")
            _validate_text_model(sub, known, f"{where}.{key}")


def model_settings(tax: Taxonomy) -> list[dict]:
    """The text models the taxonomy switches on, each as the settings it reads with
    (``file``, ``families``, ``keep``, ``min_known`` ...): ``[text_model]``, then each of
    its sub-tables (``[text_model.high_stars]``: a model of its own for 4-5 star
    reviews) over it.  ``[text_model] enabled = false`` switches them all off; a
    sub-table's ``enabled`` only itself; a model with no ``families`` is left out."""
    tm = tax.data.get("text_model", {})
    if not tm.get("enabled", False):
        return []
    top = {k: v for k, v in tm.items() if not isinstance(v, Mapping)}
    every = [top] + [{**top, **sub} for sub in tm.values() if isinstance(sub, Mapping)]
    return [dict(s) for s in every if s.get("enabled", False) and s.get("families")]


def load_taxonomy(path: str | Path | None = None, overrides: str | Path | Mapping | None = None, text: str | None = None) -> Taxonomy:
    """Read a taxonomy file (or complete TOML ``text``) and optionally merge overrides over it.

    Parameters
    ----------
    path : str or Path, optional
        A complete taxonomy TOML; the bundled ``analysis/rules/taxonomy.toml``
        when None.
    overrides : str, Path or mapping, optional
        A (partial) TOML file or dict merged over it: tables merge key by key,
        lists and values replace.  So a user file with only
        ``[families.authenticity.strong] en = [...]`` swaps that one list.
    text : str, optional
        A complete taxonomy as TOML text (e.g. edited in the app); replaces the
        default rather than merging, so a rule deleted in the editor stays deleted.

    Returns
    -------
    Taxonomy

    Raises
    ------
    SettingsError
        When a file cannot be read or the rules are inconsistent.
    """
    if text is not None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"taxonomy: not valid TOML ({exc})") from None
    else:
        data = _read_toml(Path(path) if path is not None else DEFAULT_TAXONOMY_PATH)
    if overrides is not None:
        over = _read_toml(Path(overrides)) if isinstance(overrides, (str, Path)) else overrides
        data = _merge(data, over)
    _validate(data)
    return Taxonomy(freeze(data))


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(f"{path.name}: taxonomy file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path.name}: not valid TOML ({exc})") from None


def taxonomy_to_toml(tax: Taxonomy) -> str:
    """The taxonomy as TOML text (round-trips through :func:`load_taxonomy`)."""
    import tomli_w

    return tomli_w.dumps(_thaw(tax.data))


@functools.lru_cache(maxsize=4)
def _default_taxonomy() -> Taxonomy:
    return load_taxonomy()


# ------------------------------------------------------------------ matching
def _trie_regex(terms: Iterable[str]) -> str:
    """One regex alternation shaped as a character trie: Python's `re` tries
    alternatives one by one, so sharing prefixes makes big word lists fast."""
    trie: dict = {}
    for t in terms:
        node = trie
        for ch in t:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        if "" in node:
            return "(?:" + "|".join(alts) + ")?"
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(trie)


_WORD_START = r"(?<![\w'])"  # the guard in front of Latin terms and patterns


class _CompiledLater:
    """A regular expression compiled when first used, standing in for the :class:`re.Pattern` it
    compiles to (``pattern`` needs no compile).

    A family's whole expression is kept as two patterns that normalised ASCII text never uses
    (most texts take ``ascii_matchers``): compiling each up front was a third of the rules' start-up.
    After the compile its methods are the pattern's own, looked up as fast.
    """

    __slots__ = ("pattern", "finditer", "search", "match", "fullmatch")

    def __init__(self, pattern: str):
        self.pattern = pattern

    def __getattr__(self, name: str):  # only while not compiled: then the methods are set
        if name not in ("finditer", "search", "match", "fullmatch"):
            raise AttributeError(name)
        rx = re.compile(self.pattern)  # concurrent first uses compile twice: the same pattern
        self.finditer, self.search, self.match, self.fullmatch = rx.finditer, rx.search, rx.match, rx.fullmatch
        return getattr(rx, name)


def _ascii_matcher(pattern: str) -> re.Pattern:
    """A family's expression behind a consumed separator, for normalised ASCII
    text prefixed with a space (see ``_Compiled.ascii_matchers``).

    Right after the separator the word-start guards hold anyway, so they are
    left out: Python's engine tested them at every word start, a fifth of
    the time these scans took.  Only for families whose patterns have no
    lookbehind of their own, so every guard is one of ours and sits right
    after the separator.
    """
    return re.compile("[ ?](?:" + pattern.replace(_WORD_START, "") + ")")


def _terms_regex(terms: Sequence[str]) -> str:
    """Latin terms at word boundaries, CJK terms as substrings (texts are normalised:
    single spaces, lower case), as trie-shaped alternations."""
    latin = [t for t in terms if not _CJK.search(t)]
    cjk = [t for t in terms if _CJK.search(t)]
    parts = []
    if latin:
        parts.append(rf"{_WORD_START}(?:{_trie_regex(latin)})(?![\w'])")
    if cjk:
        parts.append(_trie_regex(cjk))
    return "|".join(parts)


# ------------------------------------------------------------------ RE2 prefilters
# The fast path (many unique texts) asks Arrow's RE2 engine, one vectorised
# pass per family, which normalised texts can match a family at all, and runs
# the exact Python expressions only on those.  A prefilter must therefore match
# at least wherever the Python expression matches (a superset is fine).  On
# normalised text every character is a Python word character, "'", "?", a
# space or the "." of a sentence end (a token of its own between spaces), which
# makes the word boundaries expressible without lookarounds.
_RE2_META = set("\\.^$|?*+()[]{}")
# raw patterns that skip words per RE2 pass (see _pass_groups).  The passes' time on 100,000 distinct
# review texts (bundled rules of split test16): 4 per pass 1.10 s, 6 1.03 s, 8 0.96 s, 10 1.04 s, 12 1.19 s:
# beyond 8 the automata outgrow RE2's fast path
_RE2_GROUP = 8
_NON_SEP = "[^ '?.]"  # a Python \w character of a normalised text (not "'", "?", a space or a sentence end)
# a Python \d character: an ASCII digit or some non-ASCII one.  Not _NON_SEP:
# "\d+ days" widened to "any word, days" made one pass cost as much as seven.
_DIGIT = "[0-9\\x{80}-\\x{10ffff}]"


def _re2_escape(term: str) -> str:
    return "".join("\\" + ch if ch in _RE2_META else ch for ch in term)


def _re2_terms(terms: Sequence[str]) -> str:
    """RE2 twin of :func:`_terms_regex` on normalised text (exact as a yes/no test)."""
    latin = [_re2_escape(t) for t in terms if not _CJK.search(t)]
    cjk = [_re2_escape(t) for t in terms if _CJK.search(t)]
    parts = []
    if latin:
        parts.append("(?:^|[ ?])(?:" + "|".join(latin) + ")(?:$|[ ?])")
    if cjk:
        parts.append("(?:" + "|".join(cjk) + ")")
    return "|".join(parts)


def _skip_group(p: str, i: int) -> int:
    """Index just after the group opening at ``p[i] == '('``."""
    depth, in_class = 0, False
    while i < len(p):
        ch = p[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if p[i + 1 : i + 2] == "^":
                i += 1
            if p[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced group")


def _re2_superset(pattern: str) -> str | None:
    """An RE2 expression matching a normalised text wherever the Python
    expression ``pattern`` can: lookarounds and \\b dropped, \\w and \\d widened.
    None when the pattern cannot be translated safely."""
    out, i, in_class = [], 0, False
    p = pattern
    try:
        while i < len(p):
            ch = p[i]
            if ch == "\\":
                esc = p[i : i + 2]
                if esc in ("\\b", "\\B") and not in_class:
                    esc = ""
                elif esc in ("\\w", "\\d"):
                    if in_class:
                        return None
                    esc = _NON_SEP if esc == "\\w" else _DIGIT
                elif len(esc) < 2 or esc[1].isdigit() or esc[1] in "AZgN":
                    return None  # back-references, \A, \Z ...: let the family always run
                out.append(esc)
                i += 2
                continue
            if in_class:
                if ch == "]":
                    in_class = False
                out.append(ch)
                i += 1
                continue
            if ch == "[":
                in_class = True
                j = i + 1
                if p[j : j + 1] == "^":
                    j += 1
                if p[j : j + 1] == "]":
                    j += 1
                out.append(p[i:j])
                i = j
                continue
            if p.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
                i = _skip_group(p, i)
                continue
            out.append(ch)
            i += 1
    except ValueError:
        return None
    return _re2_checked("".join(out))


def _re2_checked(pattern: str | None) -> str | None:
    """``pattern`` if Arrow's RE2 compiles it, else None."""
    if pattern is None:
        return None
    try:
        pc.match_substring_regex(pa.array([""], pa.large_string()), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pattern


_SKIPS_WORDS = re.compile(r"\)(?:[*+]|\{\d*,)")  # a repeated group, as in "(?:\w+\s+){0,4}"
_RE2_GROUP_PLAIN = 16  # raw patterns per RE2 pass without such repetitions


def _pass_groups(conv: Sequence[str]) -> list[list[int]]:
    """Indices of a family's (translated) patterns, grouped into RE2 passes.

    A pass costs about the same for one pattern as for several, as long as
    RE2's automaton stays small; patterns that skip words ("(?:\\w+\\s+){0,4}")
    blow it up together, so they go :data:`_RE2_GROUP` per pass, and the
    others all together (up to :data:`_RE2_GROUP_PLAIN`).
    """
    skipping = [k for k, c in enumerate(conv) if _SKIPS_WORDS.search(c)]
    plain = [k for k, c in enumerate(conv) if not _SKIPS_WORDS.search(c)]
    return ([plain[k : k + _RE2_GROUP_PLAIN] for k in range(0, len(plain), _RE2_GROUP_PLAIN)]
            + [skipping[k : k + _RE2_GROUP] for k in range(0, len(skipping), _RE2_GROUP)])


def _pattern_part(tier: str, guard: str, pats: Sequence[str]) -> str:
    """A tier's raw patterns as one named alternative of a family's expression."""
    alts = "|".join(f"(?:{p})" for p in pats)
    return f"(?P<p_{tier}>{guard}(?:{alts}))"


def _re2_exclusions(patterns: Sequence[str]) -> list[str] | None:
    """RE2 passes testing "one of a family's exclusion expressions may match"
    on normalised text (a superset, see :func:`_re2_superset`: a text may
    match when any pass does); None when one of them cannot be translated, so
    every text is scanned.

    Most texts hold none of them, and the exact Python scan
    (:func:`_exclusion_spans`) of every text with a hit of the family was a
    sixth of the time on many distinct texts.  Grouped into passes as the
    families' patterns are (:func:`_pass_groups`): the defect family's 15 in
    one pass made RE2's automaton give up, and that one pass took 8 us a text,
    three times the three passes.
    """
    conv = [_re2_superset(p) for p in patterns]
    if not conv or None in conv:
        return None
    passes = [_re2_checked("|".join(f"(?:{conv[k]})" for k in grp)) for grp in _pass_groups(conv)]
    return None if None in passes else passes


def _re2_variants(normaliser: Normaliser) -> str | None:
    """RE2 test for "a spelling variant may apply" on basic-normalised text."""
    variants = getattr(normaliser, "_variants", None)
    if variants is None or not hasattr(normaliser, "_pattern"):
        return None
    if not variants:
        return ""
    alts = "|".join("(?:" + r"\s+".join(_re2_escape(w) for w in k.split()) + ")" for k in variants)
    return _re2_checked(f"(?:^|[ ?])(?:{alts})(?:$|[ ?])")


class _Compiled:
    """Regular expressions and lookup tables built once per taxonomy."""

    def __init__(self, tax: Taxonomy):
        d = tax.data
        self.families = tax.families
        self.index = {f: i for i, f in enumerate(self.families)}
        sc = d.get("scoring", {})
        self.extra = float(sc.get("extra_hit_factor", 0.25))
        self.cap = float(sc.get("text_cap", 3.0))
        self.min_score = float(sc.get("min_score", 0.35))
        self.default_family = sc.get("default_family", "other")
        self.default_conf = float(sc.get("default_confidence", 0.2))
        self.low_max = float(sc.get("rating_low_max", 2))
        self.low_family = sc.get("rating_low_family", "quality_expectation")
        self.low_weight = float(sc.get("rating_low_weight", 0.4))
        self.mid_weight = float(sc.get("rating_mid_weight", 0.15))
        prio = list(sc.get("priority", [])) + [f for f in self.families if f not in sc.get("priority", [])]
        # tiny tie-breaker: earlier in priority wins a tie
        self.tiebreak = np.array([-1e-6 * prio.index(f) for f in self.families])

        txt = d.get("text", {})
        self.normalise = Normaliser(txt.get("variants", {}))
        # safety incidents (the [safety] table): strong terms of their family, and see safety_terms
        safety = d.get("safety", {})
        self.safety_family = safety.get("family", "product_defect") if safety else None
        safety_terms = sorted({self.normalise(w) for lang, ws in safety.items() if lang != "family" for w in ws} - {""},
                              key=len, reverse=True)
        negs = sorted({basic_normalise(w) for ws in txt.get("negators", {}).values() for w in ws if w}, key=len, reverse=True)
        latin_negs = [w for w in negs if not _CJK.search(w)]
        self.cjk_negs = tuple(w for w in negs if _CJK.search(w) and w not in ("ない", "なく"))
        self.latin_negs = frozenset(latin_negs)
        window = int(txt.get("negation_window", 1))
        alt = "|".join(re.escape(w) for w in latin_negs) or "(?!)"
        self.neg_before = re.compile(rf"(?:^|\s)(?:{alt})\s+(?:[\w']+\s+){{0,{window}}}$")

        self.matchers: list[tuple[str, re.Pattern | None, dict[str, float]]] = []
        # RE2 prefilters (one per family, None = "may always match"): see _score_many
        self.prefilters: list[list[str] | None] = []
        self.fast_matchers: list[re.Pattern | None] = []
        # per family: its expression's parts with what covers them (None: the
        # word-list pass), and the number of word-list passes (0 or 1); see
        # narrowed_ascii_matcher
        self.part_sources: list[tuple[list[tuple[str, Any]], int]] = []
        self._narrowed: dict[tuple[int, int], re.Pattern] = {}
        # per (family, passes): texts seen with that combination (see matchers_for_passes)
        self._passes_seen: collections.Counter = collections.Counter()
        # per family: the RE2 translations of its patterns, one each (for the gate)
        pattern_supersets: list[list[str]] = []
        for fam in self.families:
            rules = d["families"][fam]
            parts, weights = [], {}
            pre: list[str | None] = []
            # first characters of the alternatives not behind the word-start guard
            # (CJK); None when unknown
            starts: set[str] | None = set()
            for tier in _TIERS:
                terms = []
                for lang_terms in rules.get(tier, {}).values():
                    terms.extend(self.normalise(t) for t in lang_terms)
                if tier == "strong" and fam == self.safety_family:
                    terms.extend(safety_terms)
                terms = sorted({t for t in terms if t}, key=len, reverse=True)
                weights[tier] = float(rules.get(_TIER_WEIGHT_KEY[tier], 0.0))
                if terms and weights[tier] > 0:
                    parts.append((-weights[tier], 1, f"(?P<{tier}>" + _terms_regex(terms) + ")", None))
                    pre.append(_re2_terms(terms))
                    if starts is not None:
                        starts.update(t[0] for t in terms if _CJK.search(t))
            n_terms_pre = len(pre)
            # per pattern: its RE2 translation (None: none), the pass list of its tier's
            # part and its index in the tier; grouped into passes below
            translated: list[tuple[str | None, list, int]] = []
            for key, pats in rules.get("patterns", {}).items():
                tier = _PATTERN_TIER.get(key)
                if tier is None:  # _validate refuses it when rules are read; Taxonomy(...) built by hand is not
                    raise SettingsError(f"taxonomy: families.{fam}.patterns.{key}: use strong, any or weak")
                weights[f"p_{tier}"] = weights[tier]
                if pats and weights[tier] > 0:
                    # word-start guard makes the engine give up fast mid-word (CJK patterns excepted)
                    guard = "" if any(_CJK.search(p) for p in pats) else _WORD_START
                    # which pattern passes (counted after the word-list one) cover which of
                    # these patterns: (pass, pattern indices)
                    groups: list[tuple[int, list[int]]] = []
                    parts.append((-weights[tier], 0, _pattern_part(tier, guard, pats), (tier, guard, list(pats), groups)))
                    if not guard:
                        starts = None
                    for k, p in enumerate(pats):
                        c = _re2_superset(p)
                        translated.append((c if not guard or c is None else f"(?:^|[ ?])(?:{c})", groups, k))
            pattern_supersets.append([c for c, _, _ in translated if c is not None])
            if any(c is None for c, _, _ in translated):
                pre.append(None)
            else:
                for grp in _pass_groups([c for c, _, _ in translated]):
                    j = len(pre) - n_terms_pre
                    for m in grp:
                        _, groups, k = translated[m]
                        if not groups or groups[-1][0] != j:
                            groups.append((j, []))
                        groups[-1][1].append(k)
                    pre.append(_re2_checked("|".join(f"(?:{translated[m][0]})" for m in grp)))
            weights["extra"] = float(rules.get("extra_hit_factor", self.extra))
            # at one position the engine takes the first alternative that matches:
            # heavier tiers first, and a tier's patterns before its (shorter) plain terms
            parts.sort(key=lambda x: (x[0], x[1]))
            rx = _CompiledLater("|".join(p for _, _, p, _ in parts)) if parts else None
            self.matchers.append((fam, rx, weights))
            self.part_sources.append(([(p, src) for _, _, p, src in parts], min(n_terms_pre, 1)))
            # The same expression behind a zero-width test that every match passes
            # (a word start, or a character some CJK alternative starts with):
            # identical matches, but Python's engine rejects most positions at once
            # instead of trying every alternative there.
            fast = rx
            if rx is not None and starts is not None:
                gate = _WORD_START
                if starts:
                    gate = f"(?:{gate}|(?=[{''.join(re.escape(c) for c in sorted(starts))}]))"
                fast = _CompiledLater(gate + "(?:" + rx.pattern + ")")
            self.fast_matchers.append(fast)
            if rx is None or any(p is None for p in pre):
                self.prefilters.append(None)
            else:
                terms_pre = [p for p in pre[: n_terms_pre]]
                self.prefilters.append(([_re2_checked("|".join(terms_pre))] if terms_pre else []) + pre[n_terms_pre:])
                if None in self.prefilters[-1]:
                    self.prefilters[-1] = None
        # A few RE2 passes over the small families (all but the default one,
        # whose common positive words most texts have, and those with more
        # than two passes of their own): their word lists in one pass, their
        # patterns regrouped across families into as few passes as RE2's
        # automaton allows (see _pass_groups).  The texts these let through
        # are a few percent, and only those get the families' own passes.
        self.gated = frozenset(
            i for i, fam in enumerate(self.families)
            if fam != self.default_family and self.prefilters[i] is not None and 1 <= len(self.prefilters[i]) <= 3
        )
        self.gate: list[str] | None = None
        if len(self.gated) > 1:
            words = [self.prefilters[i][0] for i in sorted(self.gated) if self.part_sources[i][1]]
            pats = [c for i in sorted(self.gated) for c in pattern_supersets[i]]
            gate = ([_re2_checked("|".join(f"(?:{w})" for w in words))] if words else []) + [
                _re2_checked("|".join(f"(?:{pats[k]})" for k in grp)) for grp in _pass_groups(pats)]
            if None not in gate and len(gate) < sum(len(self.prefilters[i]) for i in self.gated):
                self.gate = gate
        if self.gate is None:
            self.gated = frozenset()
        self.variant_filter = _re2_variants(self.normalise)
        # The Normaliser's variant expression for normalised ASCII text prefixed
        # with a space: a trie behind a consumed separator (as ascii_matchers),
        # which Python's engine scans for in C instead of trying every variant
        # at every word start.  Used only where variant_filter is not None.
        variants = getattr(self.normalise, "_variants", None)
        self.variant_sub = re.compile("([ ?])(" + _trie_regex(variants) + r")(?![\w'])") if variants else None
        # ASCII fast scan (see score_family_ascii): on a normalised ASCII text every
        # non-word character is " " or "?", so the word-start gate equals "the
        # previous character is one of them"; prefixing the text with a space and
        # consuming that character lets Python's engine skip to candidate starts
        # in C.  Only for gated families whose patterns cannot tell the prefix
        # apart from the start of the string.
        self.ascii_matchers: list[re.Pattern | None] = []
        for i, fam in enumerate(self.families):
            rx, fast = self.matchers[i][1], self.fast_matchers[i]
            pats = [p for ps in d["families"][fam].get("patterns", {}).values() for p in ps]
            unsafe = any("(?<" in p or "\\A" in p or re.search(r"(?<!\[)\^", p) for p in pats)
            if rx is None or fast is rx or unsafe:
                self.ascii_matchers.append(None)
            else:
                self.ascii_matchers.append(_ascii_matcher(rx.pattern))
        self.neg_window = window
        self.neg_tokens_ok = all(re.fullmatch(r"[\w']+", w) for w in latin_negs)
        # the safety words among the safety family's hits (see said_safety)
        self.safety_words = frozenset(safety_terms)
        self.safety_index = self.index.get(self.safety_family) if safety_terms else None
        # RE2 test for "a Latin hit may be negated" on normalised ASCII text: a
        # negator followed by a space somewhere (the window may cut a word, so
        # no word start is asked for).  None: no negators.
        self.negation_filter = _re2_checked("(?:" + "|".join(_re2_escape(w) for w in latin_negs) + ") ") if latin_negs else None
        # per-family exclusion expressions: a hit lying inside one of their
        # matches does not count ("no sound clarity" is no "no sound" failure).
        # Latin ones as one alternation behind a consumed non-word character
        # (== the word-start guard on " " + text, and fast to scan for); CJK
        # ones as substrings.  See _exclusion_spans.
        self.excludes: list[tuple[re.Pattern | None, re.Pattern | None] | None] = []
        # and their RE2 prefilters for the fast path (None: scan every text)
        self.exclude_filters: list[list[str] | None] = []
        for fam in self.families:
            ex = list(d["families"][fam].get("exclude", []))
            self.exclude_filters.append(_re2_exclusions(ex))
            latin = [p for p in ex if not _CJK.search(p)]
            cjk = [p for p in ex if _CJK.search(p)]
            self.excludes.append((
                re.compile(r"[^\w'](?:" + "|".join(f"(?:{p})" for p in latin) + ")") if latin else None,
                re.compile("|".join(f"(?:{p})" for p in cjk)) if cjk else None,
            ) if ex else None)

        self.reasons = {str(k).upper(): (v[0], float(v[1])) for k, v in d.get("reasons", {}).items()}
        self.replacements = {str(k): (v[0], float(v[1])) for k, v in d.get("replacement_codes", {}).items()}
        self.prefixes = {str(k).upper(): (v[0], float(v[1])) for k, v in d.get("reason_prefixes", {}).items()}
        self.wording = {_wording_key(k): str(v).upper() for k, v in d.get("reason_wording", {}).items()}
        self.dispositions = {str(k).upper(): {f: float(w) for f, w in v.items()} for k, v in d.get("dispositions", {}).items()}
        self.combos = [
            (str(c["reason"]).upper(), {str(x).upper() for x in c.get("dispositions", [])}, c["family"], float(c.get("weight", 1.0)), c.get("note", ""))
            for c in d.get("combinations", [])
        ]

    # -- text -------------------------------------------------------------
    def _negated(self, text: str, m: re.Match) -> bool:
        hit = m.group(0)
        start, end = m.span()
        if _CJK.search(hit[:1]):
            before = text[max(0, start - 3) : start]
            if any(before.endswith(n) for n in self.cjk_negs) and not any(hit.startswith(n) for n in self.cjk_negs):
                return True
            after = text[end : end + 7]
            return any(after.startswith(n) for n in _JA_NEG_AFTER)
        first = hit.split(None, 1)[0]
        if first in self.latin_negs:
            return False  # "no sound", "not working": the negation IS the signal
        return bool(self.neg_before.search(text[max(0, start - 60) : start]))

    def score_family(self, i: int, norm: str, rx: re.Pattern | None = None, pos: int = 0,
                     may_exclude: bool = True) -> tuple[float, list[str]] | None:
        """Family ``i``'s text score and its distinct hits (best first) in one
        normalised text; None when nothing (un-negated) matched.  ``rx`` (an
        equivalent expression), ``pos`` (no match starts before it) and
        ``may_exclude`` (False: none of the family's exclusions matches in
        ``norm``) are for the fast path."""
        fam, plain, weights = self.matchers[i]
        rx = rx or plain
        if rx is None:
            return None
        found: dict[str, float] = {}
        excl, spans = self.excludes[i] if may_exclude else None, None
        for m in rx.finditer(norm, pos):
            tier = m.lastgroup
            if not tier.startswith("p_") and self._negated(norm, m):
                continue
            if excl is not None:
                spans = spans if spans is not None else _exclusion_spans(excl, norm)
                if _inside(spans, *m.span()):
                    continue  # inside one of the family's exclusion phrases
            term = " ".join(m.group(0).split())  # == re.sub(r"\s+", " ", hit).strip()
            w = weights[tier]
            if found.get(term, 0.0) < w:
                found[term] = w
        return self._family_score(found, norm, weights)

    def _family_score(self, found: dict[str, float], norm: str, weights: dict[str, float]):
        """Best hit plus a fraction of the others, capped; hits in order of weight then position (None: no hit)."""
        n = len(found)
        if n < 2:
            # the usual cases, without the sort (w + extra * 0 == w)
            for t, w in found.items():
                return min(w, self.cap), [t]
            return None
        if n == 2:  # the next most usual, ordered by comparing (the sort below is stable)
            (t1, w1), (t2, w2) = found.items()
            if w2 > w1 or (w2 == w1 and norm.find(t2) < norm.find(t1)):
                t1, w1, t2, w2 = t2, w2, t1, w1
            return min(w1 + weights["extra"] * w2, self.cap), [t1, t2]
        ordered = sorted(found.items(), key=lambda kv: (-kv[1], norm.find(kv[0])))
        s = ordered[0][1] + weights["extra"] * sum(w for _, w in ordered[1:])
        return min(s, self.cap), [t for t, _ in ordered]

    def _negated_ascii(self, norm: str, hit: str, start: int) -> bool:
        """:meth:`_negated` for a Latin hit in a normalised ASCII text, without the
        backwards regex search when the negators are single words."""
        first = hit.split(None, 1)[0]
        if first in self.latin_negs:
            return False
        lo = max(0, start - 60)
        if not self.neg_tokens_ok or norm.find("  ", lo, start) >= 0:
            return bool(self.neg_before.search(norm[lo:start]))
        if start <= lo or norm[start - 1] != " ":
            return False
        # (?:^|\s)NEG\s+(?:[\w']+\s+){0,window}$ on single-spaced text: the
        # space-separated tokens of norm[lo:start] from the last one backwards,
        # found with rfind rather than by splitting the whole window
        negs, end, prev = self.latin_negs, start - 1, ""
        for j in range(self.neg_window + 1):
            cut = norm.rfind(" ", lo, end)
            tok = norm[cut + 1 if cut >= 0 else lo : end]
            if j and not _WORD_TOKEN.fullmatch(prev):
                break
            if tok in negs:
                return True
            if cut < 0:
                break  # tok was the window's first token
            end, prev = cut, tok
        return False

    def score_family_ascii(self, i: int, norm: str, pos: int = 0, rx2: re.Pattern | None = None,
                           may_exclude: bool = True, may_negate: bool = True):
        """:meth:`score_family` for a normalised ASCII text with
        ``ascii_matchers[i]`` (or ``rx2``, an equivalent for this text); ``False``
        when the text must take the plain way.  ``may_negate`` False: no hit in
        ``norm`` can be negated (``negation_filter`` found nothing)."""
        rx2 = rx2 or self.ascii_matchers[i]
        weights = self.matchers[i][2]
        text2 = " " + norm
        found: dict[str, float] = {}
        excl, spans = self.excludes[i] if may_exclude else None, None
        search = rx2.search
        m = search(text2, pos)
        while m is not None:
            tier = m.lastgroup
            s2, e2 = m.span(tier)
            if e2 == s2:
                return False  # empty hit: finditer's empty-match rules apply
            hit = text2[s2:e2]
            w = weights[tier]
            # a term already counted at this weight again (a text saying "good" three times): whether this
            # one is negated or excluded changes nothing, so neither is looked at (the usual hit is its term)
            if found.get(hit, -1.0) < w:
                keep = tier.startswith("p_") or not (may_negate and self._negated_ascii(norm, hit, s2 - 1))
                if keep and excl is not None:
                    spans = spans if spans is not None else _exclusion_spans(excl, norm)
                    keep = not _inside(spans, s2 - 1, e2 - 1)
                if keep:
                    term = " ".join(hit.split())
                    if found.get(term, 0.0) < w:
                        found[term] = w
            # a hit ending in a separator leaves it free as the next gate
            m = search(text2, e2 - 1 if text2[e2 - 1] in " ?" else e2)
        return self._family_score(found, norm, weights)

    def narrowed_ascii_matcher(self, i: int, passes: int) -> re.Pattern:
        """``ascii_matchers[i]`` without the alternatives whose RE2 prefilter
        passes found nothing in a text (bit j of ``passes`` set: pass j matched).

        Those alternatives cannot match anywhere in that text, so the matches
        are the same; but Python's engine no longer tries them at every word
        start, which was most of the time spent on the families with many
        patterns.  Compiled once per combination of passes seen.
        """
        rx = self._narrowed.get((i, passes))
        if rx is None:
            parts, n_terms = self.part_sources[i]
            keep = []
            for part, src in parts:
                if src is None:
                    if passes & 1:
                        keep.append(part)
                    continue
                tier, guard, pats, groups = src
                kept = sorted(k for j, grp in groups if passes >> (n_terms + j) & 1 for k in grp)
                if kept:  # in their order: at one position the first that matches wins
                    keep.append(_pattern_part(tier, guard, [pats[k] for k in kept]))
            rx = self._narrowed[(i, passes)] = _ascii_matcher("|".join(keep))
        return rx

    def matchers_for_passes(self, i: int, passes: np.ndarray) -> list[re.Pattern]:
        """Per text (``passes``: its RE2 pass bits, see :meth:`narrowed_ascii_matcher`),
        an expression for :meth:`score_family_ascii` with the same matches.

        Compiling a narrowed expression takes up to 6 ms, and combinations of
        passes that only a few texts have were most of those compiled; a text
        scans a little slower with more alternatives than it needs, but the
        same matches come out of any expression that keeps every alternative
        its passes allow.  So a combination gets its own expression once
        :data:`_NARROW_MIN` texts have had it (counted over every call: the
        pieces of one run, and earlier runs); until then its texts use the
        smallest compiled expression that covers it, or the whole one.
        """
        combos, inverse, counts = np.unique(passes, return_inverse=True, return_counts=True)
        seen, cache, out = self._passes_seen, self._narrowed, []
        for b, n in zip(combos.tolist(), counts.tolist()):
            seen[(i, b)] += n
            if (i, b) in cache or seen[(i, b)] >= _NARROW_MIN:
                out.append(self.narrowed_ascii_matcher(i, b))
                continue
            cover = [c for (f, c) in list(cache) if f == i and c & b == b]  # (a copy: other threads may add)
            if b == -1 or not cover:
                out.append(self.ascii_matchers[i])
            else:
                out.append(cache[(i, min(cover, key=lambda c: bin(c & _ALL_BITS).count("1")))])
        return [out[k] for k in inverse.ravel().tolist()]

    def said_safety(self, hits: Sequence[str] | None) -> str:
        """The safety words among the safety family's hits in one text (negated
        ones never are hits), in their order, joined with ", "; "" where none."""
        return ", ".join(h for h in hits if h in self.safety_words) if hits else ""

    def score_text(self, norm: str) -> tuple[np.ndarray, list[list[str]]]:
        scores = np.zeros(len(self.families))
        hits: list[list[str]] = [[] for _ in self.families]
        if not norm:
            return scores, hits
        for i in range(len(self.matchers)):
            res = self.score_family(i, norm)
            if res is not None:
                scores[i], hits[i] = res
        return scores, hits

    # -- codes ------------------------------------------------------------
    def resolve_reason(self, reason: str) -> tuple[str, str | None, float]:
        """-> (code shown in evidence, family or None, weight)."""
        code = str(reason).strip()
        if not code:
            return "", None, 0.0
        up = code.upper()
        if up.startswith("CR-"):
            up = up[3:]
        if up in self.reasons:
            return up, *self.reasons[up]
        if up.isdigit() and up.lstrip("0") in self.replacements or up in self.replacements:
            key = up if up in self.replacements else up.lstrip("0")
            return f"{EVIDENCE_REPLACEMENT}{key}", *self.replacements[key]
        for pre, val in self.prefixes.items():
            if up.startswith(pre):
                return up, *val
        mapped = self.wording.get(_wording_key(code))
        if mapped and mapped in self.reasons:
            return mapped, *self.reasons[mapped]
        return up, None, 0.0

    def score_code(self, reason: str, disposition: str) -> tuple[np.ndarray, dict[int, list[str]], str | None, str]:
        scores = np.zeros(len(self.families))
        why: dict[int, list[str]] = {}
        code, fam, w = self.resolve_reason(reason)
        if fam is not None:
            scores[self.index[fam]] += w
            why.setdefault(self.index[fam], []).append(f"{EVIDENCE_REASON}{code}")
        disp = str(disposition).strip().upper()
        if disp:
            for f, adj in self.dispositions.get(disp, {}).items():
                scores[self.index[f]] += adj
                if adj > 0:
                    why.setdefault(self.index[f], []).append(f"{EVIDENCE_DISPOSITION}{disp}")
            for c_reason, c_disps, c_fam, c_w, note in self.combos:
                if code == c_reason and disp in c_disps:
                    scores[self.index[c_fam]] += c_w
                    lst = why.setdefault(self.index[c_fam], [])
                    for part in (f"{EVIDENCE_REASON}{code}", f"{EVIDENCE_DISPOSITION}{disp}"):
                        if part not in lst:
                            lst.append(part)
                    lst.sort(key=lambda x: not x.startswith(EVIDENCE_REASON))
                    if note:
                        lst[-1] += f" ({note})"
        return scores, why, fam, code


def _exclusion_spans(excl: tuple[re.Pattern | None, re.Pattern | None], norm: str) -> list[tuple[int, int]]:
    """Spans (in ``norm``) of a family's exclusion matches in a normalised text:
    Latin expressions at word starts, scanned left to right without overlap (at
    one position the first listed expression that matches), then CJK ones."""
    latin, cjk = excl
    spans = [(m.start(), m.end() - 1) for m in latin.finditer(" " + norm)] if latin is not None else []
    if cjk is not None:
        spans.extend(m.span() for m in cjk.finditer(norm))
    return spans


def _inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether the hit ``start:end`` lies within one of ``spans``."""
    return any(s <= start and end <= e for s, e in spans)


def _wording_key(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(s).lower().replace("\u2019", "'").replace("'", "")).strip()


# ------------------------------------------------------------------ many texts
def _ascii_byte_table() -> np.ndarray:
    """Byte map doing :func:`analysis.text.basic_normalise`'s per-character steps
    on ASCII: "`" -> "'", lower case, sentence ends (". ! ;" and line breaks)
    -> ".", every other non-word character except "'" and "?" (and "_") ->
    space.  Bytes of non-ASCII characters map to themselves, so a mixed array
    stays valid UTF-8."""
    table = np.arange(256, dtype=np.uint8)
    for b in range(128):
        ch = chr(b).lower().replace("`", "'")
        table[b] = ord(ch) if ch.isalnum() or ch in "'?" else _DOT if ch in SENTENCE_CHARS else ord(" ")
    return table


_DOT = ord(SENTENCE_END)
_ASCII_BYTES = _ascii_byte_table()
_WORD_BYTES = np.isin(np.arange(256), [ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789"])
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


_SPACE = ord(" ")


def _in_range(data: np.ndarray, lo: str, hi: str) -> np.ndarray:
    return (data >= ord(lo)) & (data <= ord(hi))


def _split_camel_case(offsets: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A space inserted wherever a lower-case letter is followed, in the same
    string, by an upper-case and a lower-case one (``"qualityHopeless"``):
    basic_normalise's ``_CAMEL`` split on ASCII."""
    if len(data) < 3:
        return offsets, data
    lower = _in_range(data, "a", "z")
    at = np.flatnonzero(lower[:-2] & _in_range(data[1:-1], "A", "Z") & lower[2:])
    row = np.searchsorted(offsets, at, side="right") - 1
    at = at[at + 2 < offsets[row + 1]]  # all three in one string
    if not len(at):
        return offsets, data
    # each insertion lies inside its string, so a string starts later by the insertions before it
    return offsets + np.searchsorted(at + 1, offsets), np.insert(data, at + 1, _SPACE)


def _blank_edge_quotes(offsets: np.ndarray, data: np.ndarray) -> None:
    """Quotes that are not between two letters or digits of their string
    turned into spaces, in place (basic_normalise's ``_QUOTE_EDGE``)."""
    quotes = np.flatnonzero(data == ord("'"))
    if len(quotes):
        row = np.searchsorted(offsets, quotes, side="right") - 1
        inside = (quotes > offsets[row]) & (quotes + 1 < offsets[row + 1])
        between = _WORD_BYTES[data[quotes - 1]] & _WORD_BYTES[data[np.minimum(quotes + 1, len(data) - 1)]]
        data[quotes[~(inside & between)]] = _SPACE


def _decimal_points(offsets: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Positions of the "." bytes between two digits of their string
    (basic_normalise's ``_DECIMAL_POINT``: "2.5" is no sentence end)."""
    if len(data) < 3:
        return np.empty(0, dtype=np.int64)
    at = np.flatnonzero(data[1:-1] == _DOT) + 1
    at = at[_in_range(data[at - 1], "0", "9") & _in_range(data[at + 1], "0", "9")]
    row = np.searchsorted(offsets, at, side="right") - 1
    return at[(at > offsets[row]) & (at + 1 < offsets[row + 1])]


def _squeeze_spaces(offsets: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of spaces made one and spaces at either end of a string dropped
    (basic_normalise's final ``_SPACES.sub(" ", text).strip()``)."""
    n = len(data)
    if not n:
        return offsets, data
    space = data == _SPACE
    # a space stays if the byte before it, in its string, is no space ...
    keep = np.empty(n, dtype=bool)
    keep[0] = False
    np.logical_not(space[:-1], out=keep[1:])
    keep[offsets[offsets < n]] = False
    keep |= ~space
    # ... unless only spaces follow it in its string: drop the first space of
    # the last run of spaces of the strings that end in one
    starts, ends = offsets[:-1], offsets[1:]
    trailing = (ends > starts) & space[np.maximum(ends - 1, 0)]
    if trailing.any():
        starts, ends = starts[trailing], ends[trailing]
        run_starts = np.flatnonzero(space[1:] & ~space[:-1]) + 1
        last = run_starts[np.maximum(np.searchsorted(run_starts, ends - 1, side="right") - 1, 0)] if len(run_starts) else ends
        keep[last[(last > starts) & (last < ends)]] = False
    dropped = np.flatnonzero(~keep)
    return offsets - np.searchsorted(dropped, offsets), data[keep]


def _sentence_ends(offsets: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """After :func:`_squeeze_spaces` (sentence ends still "." bytes that may
    touch words: "good. bad", "a..b"): each run of "." and spaces made one
    " . " token, and dropped at either end of its string.  Together with
    :func:`_squeeze_spaces`, basic_normalise's ``_GAPS.sub(_gap, text).strip(" .")``.

    Works on the "." bytes only (a few per text), then drops and inserts
    bytes in one pass each."""
    dots = np.flatnonzero(data == _DOT)
    if not len(dots):
        return offsets, data
    n = len(data)
    row = np.searchsorted(offsets, dots, side="right") - 1
    # dots of one run: next to each other, or one space apart, in one string
    gap = np.diff(dots)
    joined = (row[1:] == row[:-1]) & ((gap == 1) | ((gap == 2) & (data[np.minimum(dots[:-1] + 1, n - 1)] == _SPACE)))
    first = np.concatenate([[True], ~joined])
    last = np.concatenate([~joined, [True]])
    lo, hi, r = dots[first], dots[last], row[first]
    start, end = offsets[r], offsets[r + 1]
    # a space on either side belongs to the run
    lo = lo - ((lo > start) & (data[np.maximum(lo - 1, 0)] == _SPACE))
    hi = hi + ((hi + 1 < end) & (data[np.minimum(hi + 1, n - 1)] == _SPACE))
    edge = (lo == start) | (hi == end - 1)
    length = hi - lo + 1
    # every byte of a run dropped, then up to three kept (" . ") of the inner ones
    drop = np.zeros(n, dtype=bool)
    runs_bytes = np.repeat(lo, length) + (np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length))
    drop[runs_bytes] = True
    inner = ~edge
    a, ln = lo[inner], length[inner]
    drop[a] = False
    data[a] = _SPACE
    b = a[ln >= 2] + 1
    drop[b] = False
    data[b] = _DOT
    c = hi[inner][ln >= 3]
    drop[c] = False
    data[c] = _SPACE
    dropped = np.flatnonzero(drop)
    out = data[~drop]
    # runs of one byte ("a.b") miss ". " after their space, runs of two the " " after their "."
    one, two = a[ln == 1], b[ln[ln >= 2] == 2]
    anchors = np.concatenate([one, one, two])
    values = np.concatenate([np.full(len(one), _DOT), np.full(len(one), _SPACE), np.full(len(two), _SPACE)]).astype(np.uint8)
    order = np.argsort(anchors, kind="stable")
    anchors, values = anchors[order], values[order]
    new_offsets = offsets - np.searchsorted(dropped, offsets)
    if len(anchors):
        out = np.insert(out, anchors - np.searchsorted(dropped, anchors) + 1, values)
        new_offsets = new_offsets + np.searchsorted(anchors, offsets)
    return new_offsets, out


def _arrow_basic_normalise_ascii(arr: pa.Array) -> pa.Array:
    """:func:`analysis.text.basic_normalise` for pure-ASCII strings (no nulls), vectorised.

    For ASCII, NFKC, the zero-width table and the accent fold do nothing and
    the quote table only maps "`"; the rest is numpy over the whole data buffer
    at once (the camel-case split, a byte map for the per-character steps, the
    quotes at word edges, the spaces), where Arrow's regular-expression
    replacements each copied every string.  Strings with other characters come
    out valid UTF-8 (only ASCII bytes are touched), but not normalised.
    """
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    offsets, data = _split_camel_case(offsets - offsets[0], data)
    decimal = _decimal_points(offsets, data)
    data = _ASCII_BYTES[data]
    data[decimal] = _SPACE
    _blank_edge_quotes(offsets, data)
    offsets, data = _squeeze_spaces(offsets, data)
    offsets, data = _sentence_ends(offsets, data)
    return pa.LargeStringArray.from_buffers(len(arr), pa.py_buffer(offsets), pa.py_buffer(data))


def _ascii_equivalents(texts: pa.Array) -> pa.Array:
    """``texts`` (no nulls) with every non-ASCII text that normalises like an
    ASCII one replaced by that ASCII text (NFKC, then each non-ASCII character
    as :func:`analysis.text.ascii_equivalent` maps it), for the Arrow path.

    Most non-ASCII reviews are ASCII plus curly quotes and emoji; the plain
    per-text normalisation of them was a tenth of the classification time.
    """
    rows = np.flatnonzero(~pc.string_is_ascii(texts).to_numpy(zero_copy_only=False))
    if not len(rows):
        return texts
    nfkc = [unicodedata.normalize("NFKC", t) for t in texts.take(rows).to_pylist()]
    by_replacement: dict[str, list[str]] = {}
    for ch in set(_NON_ASCII.findall("".join(nfkc))):
        rep = ascii_equivalent(ch)
        if rep is not None:
            by_replacement.setdefault(rep, []).append(ch)
    mapped = pa.array(nfkc, pa.large_string())
    for rep, chars in by_replacement.items():
        mapped = pc.replace_substring_regex(mapped, "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]", rep)
    became = pc.string_is_ascii(mapped)
    mask = np.zeros(len(texts), dtype=bool)
    mask[rows[became.to_numpy(zero_copy_only=False)]] = True
    return pc.replace_with_mask(texts, pa.array(mask), mapped.filter(became))


def _normalise_many(comp: "_Compiled", texts: pa.Array) -> list[str]:
    """``[comp.normalise(t) for t in texts]``, ASCII texts (and those that
    normalise like one) through Arrow."""
    texts = texts.cast(pa.large_string())
    vf = comp.variant_filter
    if vf is None:  # unknown Normaliser: the plain way
        return [comp.normalise(t) for t in texts.to_pylist()]
    texts = pc.fill_null(texts, "")  # normalise(None) == ""
    prepared = _ascii_equivalents(texts)
    ascii_mask = pc.string_is_ascii(prepared)
    norm_arr = _arrow_basic_normalise_ascii(prepared)  # right for the ASCII ones only
    out = norm_arr.to_pylist()
    others = np.flatnonzero(~ascii_mask.to_numpy(zero_copy_only=False))
    for k, t in zip(others.tolist(), texts.take(others).to_pylist()):
        out[k] = comp.normalise(t)
    if vf:
        cand = pc.and_(ascii_mask, pc.match_substring_regex(norm_arr, vf))
        sub, variants = comp.variant_sub.sub, comp.normalise._variants

        def repl(m: re.Match) -> str:
            return m.group(1) + variants[m.group(2)]

        for k in np.flatnonzero(cand.to_numpy(zero_copy_only=False)):
            out[k] = sub(repl, " " + out[k])[1:]
    return out


def _score_many(comp: "_Compiled", texts: list[str] | pa.Array) -> tuple[np.ndarray, list[dict[int, list[str]]]]:
    """Text scores of many raw texts: (n x families) array and, per family,
    {text index: matched terms} for the texts it scored on."""
    arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(texts, pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    norm = _normalise_many(comp, arr)
    norm_arr = pa.array(norm, pa.large_string())
    nonempty = pc.greater(pc.binary_length(norm_arr), 0).to_numpy(zero_copy_only=False)
    scores = np.zeros((len(norm), len(comp.families)))
    hits: list[dict[int, list[str]]] = [{} for _ in comp.families]
    ascii_norm = pc.string_is_ascii(norm_arr).to_numpy(zero_copy_only=False)
    may_negate = None  # per text, whether a hit may be negated (see score_family_ascii): when first needed
    if comp.gate is not None:
        through = np.zeros(len(norm), dtype=bool)
        for gate in comp.gate:
            through |= pc.match_substring_regex(norm_arr, gate).to_numpy(zero_copy_only=False)
        gated_rows = np.flatnonzero(through)
        gated_arr = norm_arr.take(gated_rows)
    for i, (_, rx, _) in enumerate(comp.matchers):
        if rx is None:
            continue
        pres = comp.prefilters[i]
        if pres is None:
            cand, starts = np.flatnonzero(nonempty), None
        else:
            # earliest position any part of the family can match (-1: none);
            # Arrow counts bytes, so only ASCII texts start later than 0.  Bit j
            # of ``passes``: pass j matched (see narrowed_ascii_matcher)
            first, passes = None, np.zeros(len(norm), dtype=np.int64)
            for j, pre in enumerate(pres):
                if i in comp.gated:  # only the texts through the gate can match
                    pos = np.full(len(norm), -1, dtype=np.int64)
                    pos[gated_rows] = pc.find_substring_regex(gated_arr, pre).to_numpy(zero_copy_only=False)
                else:
                    pos = pc.find_substring_regex(norm_arr, pre).to_numpy(zero_copy_only=False)
                passes |= (pos >= 0).astype(np.int64) << j
                if first is None:
                    first = pos
                else:
                    first = np.where((first < 0) | ((pos >= 0) & (pos < first)), pos, first)
            if len(pres) > 62:
                passes[:] = -1  # too many passes for the bits: every bit set, nothing narrowed
            cand = np.flatnonzero((first >= 0) & nonempty)
            starts = np.where(ascii_norm[cand], first[cand], 0).tolist()
        score_family, fast, col, fam_hits = comp.score_family, comp.fast_matchers[i], scores[:, i], hits[i]
        may_ex = _may_exclude(comp, i, norm_arr, cand)
        if starts is None:
            for k, ex in zip(cand.tolist(), may_ex):
                res = score_family(i, norm[k], fast, 0, ex)
                if res is not None:
                    col[k], fam_hits[k] = res
        elif comp.ascii_matchers[i] is None:
            for k, p, ex in zip(cand.tolist(), starts, may_ex):
                res = score_family(i, norm[k], fast, p, ex)
                if res is not None:
                    col[k], fam_hits[k] = res
        else:
            score_ascii = comp.score_family_ascii
            if may_negate is None:
                may_negate = _may_match(norm_arr, comp.negation_filter)
            rxs = comp.matchers_for_passes(i, passes[cand])
            for k, p, asc, rx2, ex, neg in zip(cand.tolist(), starts, ascii_norm[cand].tolist(), rxs,
                                              may_ex, may_negate[cand].tolist()):
                res = score_ascii(i, norm[k], p, rx2, ex, neg) if asc else False
                if res is False:
                    res = score_family(i, norm[k], fast, p, ex)
                if res is not None:
                    col[k], fam_hits[k] = res
    return scores, hits


def _may_match(norm_arr: pa.Array, patterns: str | Sequence[str] | None) -> np.ndarray:
    """Per text, whether the RE2 pattern (or any of the patterns) matches
    (all True when None)."""
    if patterns is None:
        return np.ones(len(norm_arr), dtype=bool)
    out = np.zeros(len(norm_arr), dtype=bool)
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        out |= pc.match_substring_regex(norm_arr, pattern).to_numpy(zero_copy_only=False)
    return out


def _may_exclude(comp: "_Compiled", i: int, norm_arr: pa.Array, cand: np.ndarray) -> list[bool]:
    """Per text of ``cand``: whether one of family ``i``'s exclusions may match
    in it (its RE2 prefilter; all True when there is none)."""
    if comp.excludes[i] is None or not len(cand):
        return [True] * len(cand)
    return _may_match(norm_arr.take(cand), comp.exclude_filters[i]).tolist()


# ------------------------------------------------------------------ helpers
def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].astype("string").fillna("")
    return pd.Series([""] * len(df), index=df.index, dtype="string")


def _confidence(top: float, second: float) -> float:
    if top <= 0:
        return 0.0
    second = max(second, 0.0)
    return float((1.0 - math.exp(-top)) * top / (top + second))


_PARALLEL_MIN = 200_000  # unique texts from which a second process shares the work
_PIECES = 32  # pieces the texts are cut into for sharing them between the two processes (even)
_NARROW_MIN = 100  # texts with one combination of RE2 passes before it gets its own expression (see matchers_for_passes)
_ALL_BITS = (1 << 63) - 1
_WARM_UP_TEXTS = 2000  # texts the worker scores while it waits for its first piece


@functools.lru_cache(maxsize=2)
def _worker_taxonomy(data_toml: str) -> Taxonomy:
    return Taxonomy(freeze(tomllib.loads(data_toml)))


def _classify_chunk(data_toml: str, texts: pa.Array, *combos) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Worker side of :func:`_classify_unique`: rebuilds the taxonomy from its TOML."""
    return _classify_piece(_worker_taxonomy(data_toml)._compiled, texts, *combos)


def _warm_up(data_toml: str, sample: pa.Array) -> None:
    """Worker side of :class:`_Helper`: compiles the taxonomy, and the narrowed
    expressions (see ``narrowed_ascii_matcher``) a sample of the texts needs,
    before any piece comes; and loads the text models the taxonomy names."""
    tax = _worker_taxonomy(data_toml)
    _score_many(tax._compiled, sample)
    for tm in model_settings(tax):
        from analysis.textmodel import load_text_model

        try:
            load_text_model(tm.get("file", DEFAULT_TEXT_MODEL))
        except SettingsError:  # said by this process, if it comes to reading
            pass


class _Helper:
    """The worker process that shares :func:`_classify_unique`'s pieces.

    Started before the texts are even factorised, from a thread (starting a
    forkserver imports the main module, and the start waits for it), and
    given the taxonomy and a sample of the texts to compile for at once: so
    it is ready when the pieces are, where its start-up used to take the
    first second and a half of the parallel part (when the texts turn out to
    be too few to share, it is closed unused).  :meth:`classify` waits for the
    start; :meth:`close` never waits.
    """

    def __init__(self, tax: Taxonomy, sample: pa.Array):
        self.data = taxonomy_to_toml(tax)
        self._sample = sample
        self._pool = None
        self._start = threading.Thread(target=self._open, daemon=True)
        self._start.start()

    def _open(self) -> None:
        import concurrent.futures
        import multiprocessing

        try:
            pool = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
            pool.submit(_warm_up, self.data, self._sample)
        except Exception:  # noqa: BLE001 - no second process: this one does all the work
            return
        self._pool = pool

    def classify(self, *piece) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:func:`_classify_chunk` of a piece in the worker; raises when there is none or it failed."""
        return self._run(_classify_chunk, self.data, *piece)

    def read(self, *args) -> tuple[np.ndarray, np.ndarray]:
        """:func:`_read_model` in the worker; raises when there is none or it failed."""
        return self._run(_read_model, *args)

    def _run(self, fn, *args):
        self._start.join()
        if self._pool is None:
            raise RuntimeError("no worker process")
        return self._pool.submit(fn, *args).result()

    def close(self) -> None:
        # from a thread (not a daemon, so an exiting interpreter waits for it):
        # a worker still starting must finish starting before it can be shut down
        threading.Thread(target=self._shut_down).start()

    def _shut_down(self) -> None:
        self._start.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


class _GcPause:
    """Context manager pausing Python's cyclic garbage collector.

    Scoring many texts makes millions of small dicts, lists and match objects
    that die young and form no cycles, and the collector's passes over them
    were a tenth of the time.  The collector is process-wide, so concurrent
    classifications (Streamlit sessions are threads) share one count, and the
    last one out turns it back on if it was on before the first.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._active = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._active == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._active += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0 and self._was_enabled:
                gc.enable()


_GC_PAUSE = _GcPause()


def _classify_piece(comp: "_Compiled", texts: pa.Array, tk: np.ndarray, ck: np.ndarray, rb: np.ndarray,
                    c_scores: np.ndarray, c_info: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Family, confidence, evidence and safety words of the combinations
    (text ``tk`` of ``texts``, code pair ``ck``, rating bucket ``rb``) of some texts."""
    with _GC_PAUSE:
        t_scores, t_hits = _score_many(comp, texts)
        return _decide(comp, t_scores, t_hits, tk, ck, rb, c_scores, c_info)


def _decide(comp: "_Compiled", t_scores: np.ndarray, t_hits: list[dict[int, list[str]]], tk: np.ndarray,
            ck: np.ndarray, rb: np.ndarray, c_scores: np.ndarray, c_info: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_classify_piece`'s decision from the text scores and hits of :func:`_score_many`."""
    n_fam = len(comp.families)
    tsc = t_scores[tk]
    total = tsc + c_scores[ck]
    low_idx = comp.index[comp.low_family]
    mid = (rb == 2) & (tsc[:, low_idx] > 0)
    total[mid, low_idx] += comp.mid_weight
    # np.argsort(-(total + tiebreak), kind="stable")[:2], row-wise
    keyed = total + comp.tiebreak
    rows = np.arange(len(tk))
    best = keyed.argmax(axis=1)
    top = total[rows, best]
    if n_fam > 1:
        keyed[rows, best] = -np.inf
        second = total[rows, keyed.argmax(axis=1)]
    else:
        second = np.zeros(len(tk))
    fam_u = np.empty(len(tk), dtype=object)
    conf_u = np.empty(len(tk), dtype=float)
    ev_u = np.empty(len(tk), dtype=object)
    undecided = top < comp.min_score
    low = undecided & (rb == 1)
    fam_u[low] = comp.low_family
    conf_u[low] = _confidence(comp.low_weight, 0.0)
    ev_u[low] = EVIDENCE_FIXED["low_rating"]
    other = undecided & (rb != 1)
    fam_u[other] = comp.default_family
    conf_u[other] = comp.default_conf
    ev_u[other & (rb == 3)] = EVIDENCE_FIXED["no_signal_positive"]
    ev_u[other & (rb != 3)] = EVIDENCE_FIXED["no_signal"]

    dec = np.flatnonzero(~undecided)
    families = np.array(comp.families, dtype=object)
    b_dec = best[dec]
    fam_u[dec] = families[b_dec]
    conf_cache: dict[tuple[float, float], float] = {}
    confs = []
    for pair in zip(top[dec].tolist(), second[dec].tolist()):
        c = conf_cache.get(pair)
        if c is None:
            c = conf_cache[pair] = _confidence(*pair)
        confs.append(c)
    conf_u[dec] = confs
    text_hit = (tsc[dec, b_dec] > 0).tolist()
    code_cache: dict[tuple[int, int, bool], tuple[str, str]] = {}
    evs = []
    for t, c, b, hit in zip(tk[dec].tolist(), ck[dec].tolist(), b_dec.tolist(), text_hit):
        pre_post = code_cache.get((c, b, hit))
        if pre_post is None:
            why, code_fam, code = c_info[c]
            code_part = EVIDENCE_CODE_SEP.join(why.get(b, []))
            override = f"{EVIDENCE_TEXT_OVERRIDES}{code}" if code_fam is not None and comp.families[b] != code_fam and hit else ""
            pre_post = code_cache[(c, b, hit)] = (code_part, override)
        code_part, override = pre_post
        terms = t_hits[b].get(t)
        parts = [code_part] if code_part else []
        if terms:
            parts.append(EVIDENCE_TERMS + ", ".join(terms[:5]))
        if override:
            parts.append(override)
        evs.append(EVIDENCE_SEP.join(parts) if parts else EVIDENCE_FIXED["disposition_or_rating"])
    ev_u[dec] = evs
    # the safety words: only in the texts with hits of the safety family, and few of those
    safety_u = np.full(len(tk), "", dtype=object)
    said = {t: w for t, hits in (t_hits[comp.safety_index] if comp.safety_index is not None else {}).items()
            if (w := comp.said_safety(hits))}
    if said:
        rows = np.flatnonzero(np.isin(tk, np.fromiter(said, dtype=np.int64, count=len(said))))
        safety_u[rows] = [said[t] for t in tk[rows].tolist()]
    return fam_u, conf_u, ev_u, safety_u


def _piece_bounds(n: int) -> list[int]:
    """Where ``n`` texts are cut into :data:`_PIECES` pieces: large at both
    ends, shrinking linearly towards the middle, where the two processes meet.
    So the last pieces, for which one process may wait for the other, are
    small, and there are few pieces in all (each costs a few RE2 compiles)."""
    half = np.arange(_PIECES // 2, 0, -1)
    sizes = np.concatenate([half, half[::-1]])
    return (np.concatenate([[0], np.cumsum(sizes)]) * n // sizes.sum()).tolist()


def _classify_unique(comp: "_Compiled", texts: pa.Array, tk: np.ndarray, ck: np.ndarray, rb: np.ndarray,
                     c_scores: np.ndarray, c_info: list, helper: _Helper | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_classify_piece` over all unique texts (``tk`` sorted); with many
    of them, shared with the ``helper`` process (same code, so the same results).

    The texts and their combinations are cut into pieces; this process takes
    them from the first one onwards and a thread hands the worker one at a
    time from the last one backwards, until they meet.  So both finish
    together (within one piece) however fast the worker starts up or the texts
    score.  The worker never holds a piece it has not started, which this
    process would have to wait for at the end (an executor queues one ahead),
    and only its pieces are copied for sending.  Deciding in the pieces, too,
    keeps that step parallel and sends back only the results instead of every
    matched term.
    """
    n = len(texts)
    if helper is None or n < _PARALLEL_MIN:
        return _classify_piece(comp, texts, tk, ck, rb, c_scores, c_info)
    bounds = _piece_bounds(n)
    cuts = np.searchsorted(tk, bounds).tolist()

    def piece(k: int, to_send: bool = False) -> tuple:
        a, b, lo, hi = bounds[k], bounds[k + 1], cuts[k], cuts[k + 1]
        part = texts.slice(a, b - a)
        if to_send:
            part = pa.concat_arrays([part])  # a copy: a pickled slice would carry the whole buffer
        return (part, tk[lo:hi] - a, ck[lo:hi], rb[lo:hi], c_scores, c_info)

    lock = threading.Lock()
    ends = [0, _PIECES - 1]  # next piece from the front (this process), from the back (the worker)

    def take(side: int) -> int | None:
        with lock:
            if ends[0] > ends[1]:
                return None
            k = ends[side]
            ends[side] += 1 if side == 0 else -1
            return k

    results: list = [None] * _PIECES

    def feed_worker() -> None:
        try:
            while (k := take(1)) is not None:
                results[k] = helper.classify(*piece(k, to_send=True))
        except Exception:  # noqa: BLE001 - no worker, or an error in a piece:
            return  # this process does the pieces left below (and raises that error itself)

    feeder = threading.Thread(target=feed_worker, daemon=True)
    feeder.start()
    while (k := take(0)) is not None:
        results[k] = _classify_piece(comp, *piece(k))
    feeder.join()
    for k in range(_PIECES):
        if results[k] is None:  # the worker failed on it
            results[k] = _classify_piece(comp, *piece(k))
    return tuple(np.concatenate(parts) for parts in zip(*results))


def _classify_arrays(tax: Taxonomy, reason: pd.Series, disposition: pd.Series, rating: np.ndarray,
                     text: pd.Series, helper: _Helper | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Same results as :func:`_classify_arrays_simple`, built for millions of
    mostly distinct texts: texts are normalised and prefiltered with Arrow (see
    :func:`_score_many`), and the per-combination decision is numpy; the
    ``helper`` process (when given) shares the scoring."""
    t_codes, t_arr = _factorise_texts(text)
    comp = tax._compiled  # (compiled meanwhile, see _classify_frame)
    # unique (reason, disposition) -> scores
    c_codes, c_scores, c_info = _code_scores(comp, reason, disposition)
    r_bucket = _rating_bucket(rating, comp.low_max)

    t_codes = np.where(t_codes < 0, 0, t_codes)
    c_codes = np.where(c_codes < 0, 0, c_codes)
    n_c = len(c_scores)
    # text first, so that each piece of the texts owns a run of the combinations
    combo = (t_codes.astype(np.int64) * n_c + c_codes) * 4 + r_bucket
    uniq, inverse = np.unique(combo, return_inverse=True)
    fam_u, conf_u, ev_u, safety_u = _classify_unique(comp, t_arr, (uniq // 4) // n_c, (uniq // 4) % n_c, uniq % 4,
                                                     c_scores, c_info, helper)
    return fam_u[inverse], conf_u[inverse], ev_u[inverse], safety_u[inverse]


@functools.cache
def _bulk_pool() -> pa.MemoryPool:
    """Arrow's memory pool for the whole-column steps over millions of
    distinct texts (joining title and body, factorising).

    pyarrow's default pool (mimalloc) took 2-3x as long on them as jemalloc
    or the C library's allocator (1M texts of ~250 bytes: 0.5 s against
    0.24 s to join, 1.1-1.5 s against 0.45 s to factorise; the steps run in
    one process before two share the scoring).  jemalloc where pyarrow has
    it, else the C library's.  Only these arrays come from it: each buffer
    returns to the pool it came from.
    """
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc
        return pa.system_memory_pool()


def _factorise_texts(text: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """``pd.factorize(text, sort=False)``: per row the code of its text (-1:
    missing), and the distinct texts in order of appearance as one Arrow
    large-string array (``[""]`` when there are none)."""
    data = getattr(text.array, "__arrow_array__", None)
    if data is None or text.hasnans:
        codes, uniques = pd.factorize(text, sort=False)
        return codes, _arrow_texts(uniques) if len(uniques) else pa.array([""], pa.large_string())
    arr = data()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = pc.dictionary_encode(arr, memory_pool=_bulk_pool())
    uniques = enc.dictionary.cast(pa.large_string())
    return enc.indices.to_numpy(zero_copy_only=False), uniques if len(uniques) else pa.array([""], pa.large_string())


def _arrow_texts(texts: pd.Index | pd.Series) -> pa.Array:
    """Texts as one Arrow large-string array: straight from their Arrow
    storage when they have one (a round trip of a million distinct texts
    through Python strings took a second), else converted."""
    data = getattr(texts.array, "__arrow_array__", None)
    arr = data() if data is not None else pa.array(np.asarray(texts, dtype=object), pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def _code_scores(comp, reason: pd.Series, disposition: pd.Series):
    """Scores of each distinct (reason, disposition) pair: ``(codes per row, scores, (why, family, code) per pair)``.

    The two columns are factorised apart and their codes paired with numpy:
    joining a million pairs of strings first took longer than the scoring."""
    r_codes, r_uniques = pd.factorize(reason, sort=False)
    d_codes, d_uniques = pd.factorize(disposition, sort=False)
    n_d = max(len(d_uniques), 1)
    pairs, c_codes = np.unique(r_codes.astype(np.int64) * n_d + d_codes, return_inverse=True)
    c_scores = np.zeros((max(len(pairs), 1), len(comp.families)))
    c_info = []
    for k, pair in enumerate(pairs.tolist()):
        r, d = r_uniques[pair // n_d], d_uniques[pair % n_d]
        sc, why, fam, code = comp.score_code(r, d)
        c_scores[k] = sc
        c_info.append((why, fam, code))
    return c_codes, c_scores, c_info or [({}, None, "")]


def _rating_bucket(rating: np.ndarray, low_max: float) -> np.ndarray:
    """0 no rating, 1 low (<= low_max stars), 2 middle (below 4), 3 high."""
    bucket = np.zeros(len(rating), dtype=np.int64)
    valid = ~np.isnan(rating)
    bucket[valid & (rating <= low_max)] = 1
    bucket[valid & (rating > low_max) & (rating < 4)] = 2
    bucket[valid & (rating >= 4)] = 3
    return bucket


def _classify_arrays_simple(tax: Taxonomy, reason: pd.Series, disposition: pd.Series, rating: np.ndarray,
                            text: pd.Series, helper: _Helper | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The straightforward per-text path (reference for the fast one), all in this process (``helper`` unused)."""
    comp = tax._compiled
    # unique texts -> scores
    t_codes, t_uniques = pd.factorize(text, sort=False)
    norm = [comp.normalise(t) for t in t_uniques]
    t_scores = np.zeros((len(norm), len(comp.families)))
    t_hits: list[list[list[str]]] = []
    for k, s in enumerate(norm):
        sc, hits = comp.score_text(s)
        t_scores[k] = sc
        t_hits.append(hits)
    # unique (reason, disposition) -> scores
    c_codes, c_scores, c_info = _code_scores(comp, reason, disposition)
    # rating bucket: 0 none, 1 low, 2 mid (3), 3 high
    r_bucket = _rating_bucket(rating, comp.low_max)

    t_codes = np.where(t_codes < 0, 0, t_codes)
    c_codes = np.where(c_codes < 0, 0, c_codes)
    combo = (c_codes.astype(np.int64) * len(t_uniques) + t_codes) * 4 + r_bucket
    uniq, inverse = np.unique(combo, return_inverse=True)
    fam_u = np.empty(len(uniq), dtype=object)
    conf_u = np.empty(len(uniq), dtype=float)
    ev_u = np.empty(len(uniq), dtype=object)
    low_idx = comp.index[comp.low_family]
    for j, val in enumerate(uniq):
        rb = int(val % 4)
        tk = int((val // 4) % len(t_uniques))
        ck = int((val // 4) // len(t_uniques))
        tsc = t_scores[tk]
        csc = c_scores[ck]
        why, code_fam, code = c_info[ck]
        total = tsc + csc
        if rb == 2 and tsc[low_idx] > 0:
            total = total.copy()
            total[low_idx] += comp.mid_weight
        ranked = np.argsort(-(total + comp.tiebreak), kind="stable")
        best, second = int(ranked[0]), float(total[ranked[1]]) if len(ranked) > 1 else 0.0
        top = float(total[best])
        fam = comp.families[best]
        if top < comp.min_score:
            if rb == 1:
                fam_u[j] = comp.low_family
                conf_u[j] = _confidence(comp.low_weight, 0.0)
                ev_u[j] = EVIDENCE_FIXED["low_rating"]
            else:
                fam_u[j] = comp.default_family
                conf_u[j] = comp.default_conf
                ev_u[j] = EVIDENCE_FIXED["no_signal_positive" if rb == 3 else "no_signal"]
            continue
        parts = []
        code_part = EVIDENCE_CODE_SEP.join(why.get(best, []))
        if code_part:
            parts.append(code_part)
        terms = t_hits[tk][best]
        if terms:
            parts.append(EVIDENCE_TERMS + ", ".join(terms[:5]))
        if code_fam is not None and comp.families[best] != code_fam and tsc[best] > 0:
            parts.append(f"{EVIDENCE_TEXT_OVERRIDES}{code}")
        if not parts:
            parts.append(EVIDENCE_FIXED["disposition_or_rating"])
        fam_u[j] = fam
        conf_u[j] = _confidence(top, second)
        ev_u[j] = EVIDENCE_SEP.join(parts)
    si = comp.safety_index
    safety_t = np.array([comp.said_safety(h[si]) if si is not None else "" for h in t_hits], dtype=object)
    return fam_u[inverse], conf_u[inverse], ev_u[inverse], safety_t[t_codes]


def _text_series(df: pd.DataFrame, text_cols: Iterable[str]) -> pd.Series:
    cols = [c for c in text_cols if c in df.columns]
    if not cols:
        return pd.Series([""] * len(df), index=df.index, dtype="string")
    parts = [_col(df, c) for c in cols]
    if all(hasattr(x.array, "__arrow_array__") for x in parts):
        # the same as the pandas version below, in Arrow (pandas' `where` is
        # slow here) and from the bulk pool: each pair concatenated with a
        # separator that is " . " only where both sides have text (choosing
        # between whole string columns with if_else took a second on a
        # million rows)
        pool = _bulk_pool()
        arrs = []
        for x in parts:
            a = x.array.__arrow_array__()
            arrs.append(pc.utf8_trim_whitespace(a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a, memory_pool=pool))
        o = arrs[0]
        empty = pa.scalar("", o.type)
        for nx in arrs[1:]:
            both = pc.and_(pc.not_equal(o, empty, memory_pool=pool), pc.not_equal(nx, empty, memory_pool=pool), memory_pool=pool)
            sep = pc.if_else(both, pa.scalar(" . ", o.type), empty, memory_pool=pool)
            o = pc.binary_join_element_wise(o, sep, nx, empty, memory_pool=pool)
        return pd.Series(pd.array(o, dtype=parts[0].dtype), index=df.index)
    out = parts[0].str.strip()
    for nxt in parts[1:]:
        nxt = nxt.str.strip()
        out = out.where(nxt == "", out.where(out == "", out + " . ") + nxt)
    return out


# ------------------------------------------------------------------ public
def classify_complaints(df: pd.DataFrame, taxonomy: Taxonomy | None = None,
                        text_cols: Sequence[str] = (schema.TITLE, schema.TEXT), safety: bool = False) -> pd.DataFrame:
    """Give every complaint one root-cause family, a confidence and the evidence.

    Parameters
    ----------
    df : DataFrame
        Complaints; uses whichever of ``reason``, ``disposition``, ``rating``,
        ``title`` and ``text`` exist (schema names).  ``reason`` may hold codes
        (``DEFECTIVE``, ``CR-DEFECTIVE``), replacement codes ``"0"``-``"12"`` or
        customer wording ("Item defective or doesn't work").
    taxonomy : Taxonomy, optional
        Rules; the bundled default when None.
    text_cols : sequence of str
        Text columns joined (in order) as the customer's words.
    safety : bool
        Also a ``safety`` column: the safety incidents the words describe.

    Returns
    -------
    DataFrame
        The input columns, same index and order, plus ``family`` (one of the
        taxonomy's family ids), ``family_confidence`` (float 0..1) and
        ``evidence`` (str, e.g. "reason DAMAGED_BY_FC + disposition DAMAGED" or
        "terms: no sound, stopped working"); with ``safety``, also ``safety``
        (str: the taxonomy's ``[safety]`` words the text says, in order, joined
        with ", ", e.g. "exploded, caught fire"; "" where none).

    Notes
    -----
    Per family: reason weight + disposition adjustment + reason/disposition
    combination + text score (strongest matched tier + a share of further
    distinct hits, capped).  Text can therefore override a weak or mis-clicked
    code ("DEFECTIVE" with "fake, duplicate" -> authenticity); with no text the
    code decides.  Hits preceded by a negation ("not fake") are dropped; terms
    that are negations themselves ("no sound") count as defect evidence.  With
    no signal above ``scoring.min_score``, 1-2 star ratings give
    ``scoring.rating_low_family`` and everything else the default family.
    The safety words are strong terms of their family (``[safety] family``),
    read with the same text in the same pass: a negated one ("no
    overheating", "never caught fire") is no hit, so no safety incident.
    """
    return _classify_frame(df, taxonomy, text_cols, _classify_arrays, safety)


def _classify_frame(df: pd.DataFrame, taxonomy: Taxonomy | None, text_cols: Sequence[str], arrays,
                    safety: bool = True) -> pd.DataFrame:
    """:func:`classify_complaints` with the array step given (the fast
    :func:`_classify_arrays` or the reference :func:`_classify_arrays_simple`)."""
    tax = taxonomy or _default_taxonomy()
    out = df.copy()
    if len(df) == 0:
        out[schema.FAMILY] = pd.Series(dtype="str")
        out[schema.FAMILY_CONFIDENCE] = pd.Series(dtype="float64")
        out[schema.EVIDENCE] = pd.Series(dtype="str")
        if safety:
            out[schema.SAFETY] = pd.Series(dtype="str")
        return out
    reason, disposition, rating, text = _frame_inputs(df, text_cols)
    compiling = tax._compile_behind() if len(df) >= _PARALLEL_MIN else None
    # a second process for many distinct texts, starting while this one factorises
    helper = _Helper(tax, _arrow_texts(text.iloc[:_WARM_UP_TEXTS])) if len(text) >= _PARALLEL_MIN else None
    try:
        fam, conf, ev, said = arrays(tax, reason, disposition, rating, text, helper)
        if compiling is not None:
            compiling.join()
        _text_model_step(tax, fam, conf, ev, reason, disposition, rating, text, helper)
    finally:
        if helper is not None:
            helper.close()
    out[schema.FAMILY] = pd.array(fam, dtype="str")
    out[schema.FAMILY_CONFIDENCE] = conf.astype(float)
    out[schema.EVIDENCE] = pd.array(ev, dtype="str")
    if safety:
        out[schema.SAFETY] = pd.array(said, dtype="str")
    return out


def _frame_inputs(df: pd.DataFrame, text_cols: Sequence[str]) -> tuple[pd.Series, pd.Series, np.ndarray, pd.Series]:
    """The complaints' reason codes, dispositions, ratings (NaN: none) and texts (``text_cols`` joined)."""
    if schema.RATING in df.columns:
        rating = pd.to_numeric(df[schema.RATING], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        rating = np.full(len(df), np.nan)
    return _col(df, schema.REASON), _col(df, schema.DISPOSITION), rating, _text_series(df, text_cols)


def text_model_inputs(df: pd.DataFrame, taxonomy: Taxonomy,
                      text_cols: Sequence[str] = (schema.TITLE, schema.TEXT)) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """What the text model's step starts from, per row of ``df``: the rules' family and
    confidence, and the text as the model reads it (for ``textmodel.combiner_set``)."""
    reason, disposition, rating, text = _frame_inputs(df, text_cols)
    fam, conf, _, _ = _classify_arrays_simple(taxonomy, reason, disposition, rating, text)
    return fam, conf, text.tolist()


def _model_gate(tax: Taxonomy, tm: Mapping, fam: np.ndarray, conf: np.ndarray, ev: np.ndarray, reason: pd.Series,
                disposition: pd.Series, rating: np.ndarray, text: pd.Series, taken: np.ndarray) -> np.ndarray:
    """Rows the text model of settings ``tm`` (one of :func:`model_settings`) reads: not
    ``taken`` (read by a model before it), the rules unsure, and their family one the model may choose (a specific family such as
    misuse stays) and not decided by a term of a ``keep`` family, no code, some text, and
    a star rating the model was trained on (its ``stars``: without one, as for a seller's
    own comments, it would read praise as a complaint)."""
    from analysis.textmodel import load_text_model

    gate = ((conf <= float(tm.get("below_confidence", 0.5))) & np.isin(fam, list(tm["families"]))
            & (reason == "").to_numpy() & (disposition == "").to_numpy()
            & ~np.isnan(rating) & (text.fillna("") != "").to_numpy() & ~taken)
    if not gate.any():  # (the model file is loaded only when some row may be read: coded returns never are)
        return gate
    model = load_text_model(tm.get("file", DEFAULT_TEXT_MODEL))
    gate &= np.isin(rating, model.stars)
    if gate.any() and (tm.get("keep") or model.combine_coef is None):  # (else no decision of the rules stands)
        rows = np.flatnonzero(gate)
        stands = _rules_stand(tax, tm.get("keep", ()), patterns=model.combine_coef is None)
        kept = [stands(f, e) for f, e in zip(fam[rows].tolist(), ev[rows].tolist())]
        gate[rows[np.array(kept, dtype=bool)]] = False
    return gate


def _rules_stand(tax: Taxonomy, keep: Sequence[str], patterns: bool = True):
    """Whether the rules' decision (family, evidence) stands against the text
    model: when a word of the ``strong`` or ``terms`` lists of a ``keep`` family
    decided it (a service remark is "other"), or, with ``patterns`` (a model
    without a combiner), a pattern of the family matched (a term of the evidence
    in none of its word lists: the patterns are the GUIDE's decision rules, such
    as drop-outs only in a pocket).  A combiner weighs the rules' confidence in
    those itself, learned on reviews the rules had not seen."""
    fams = tax.data.get("families", {})

    def listed(f: str, tiers: tuple[str, ...]) -> frozenset[str]:
        return frozenset(w.lower() for tier in tiers for ws in fams.get(f, {}).get(tier, {}).values() for w in ws)

    every = {f: listed(f, _TIERS) for f in fams} if patterns else {}
    kept = {f: listed(f, ("strong", "terms")) for f in keep}

    def stands(family: str, evidence: str) -> bool:
        if not evidence.startswith(EVIDENCE_TERMS):
            return False
        terms = evidence[len(EVIDENCE_TERMS):].split(EVIDENCE_SEP)[0].split(", ")
        return (patterns and any(t.lower() not in every.get(family, ()) for t in terms)) or not kept.get(family, frozenset()).isdisjoint(terms)

    return stands


def _text_model_step(tax: Taxonomy, fam: np.ndarray, conf: np.ndarray, ev: np.ndarray, reason: pd.Series,
                     disposition: pd.Series, rating: np.ndarray, text: pd.Series, helper: _Helper | None = None) -> None:
    """Each text model of :func:`model_settings` in turn reads the rows its gate
    (:func:`_model_gate`) lets it and no model before it read (:func:`_model_reads`):
    the 1-3 star model, then the 4-5 star one."""
    for tm, gate in _model_turns(tax, fam, conf, ev, reason, disposition, rating, text):
        _model_reads(tm, gate, fam, conf, ev, rating, text, helper)


def _model_turns(tax: Taxonomy, fam: np.ndarray, conf: np.ndarray, ev: np.ndarray, reason: pd.Series,
                 disposition: pd.Series, rating: np.ndarray, text: pd.Series):
    """Each text model's settings with the rows it reads (:func:`_model_gate`: none a model
    before it read), where it reads any; a gate is worked out when its turn comes, so after the
    caller has let the model before it change ``fam`` and ``conf``."""
    taken = np.zeros(len(fam), dtype=bool)
    for tm in model_settings(tax):
        gate = _model_gate(tax, tm, fam, conf, ev, reason, disposition, rating, text, taken)
        if gate.any():
            yield tm, gate
            taken |= gate


def _model_reads(tm: Mapping, gate: np.ndarray, fam: np.ndarray, conf: np.ndarray, ev: np.ndarray, rating: np.ndarray,
                 text: pd.Series, helper: _Helper | None = None) -> None:
    """Where ``gate`` lets it, the family of the model of settings ``tm`` replaces the
    rules' (in place) when it is one of ``families``.  With a combiner in the model
    file (``TextModel.combine``), the family is the combiner's, learned from the
    model's probabilities and the rules' family and confidence on reviews neither had
    seen; it may also be another family the model knows where the combiner gives it a
    probability of ``specific_min`` or more (a part named missing, a listing
    contradicted).  Without one, it is the most likely by the model's
    log-probability, the rules' own family adding ``rules_weight`` x their
    confidence (where the rules are surer, the model must be surer still to
    overrule them).  With a ``helper`` process and many texts, it reads half of them
    (:func:`_read_shared`)."""
    from analysis.textmodel import load_text_model, softmax

    model = load_text_model(tm.get("file", DEFAULT_TEXT_MODEL))
    allowed = [model.classes.index(f) for f in tm["families"] if f in model.classes]
    if not allowed:
        return
    rows = np.flatnonzero(gate)
    t_codes, t_uniq = pd.factorize(text.iloc[rows].to_numpy(dtype=object))
    stars = model.stars
    codes, pair = pd.factorize(t_codes.astype(np.int64) * len(stars) + np.searchsorted(stars, rating[rows]))  # one reading per text and rating
    texts = t_uniq[pair // len(stars)].tolist()
    ratings = np.asarray(stars, dtype=float)[pair % len(stars)]
    known, proba = _read_shared(tm.get("file", DEFAULT_TEXT_MODEL), texts, ratings, float(tm.get("min_known", 0.5)), helper)
    if not known.any():
        return
    read_u = np.flatnonzero(known)  # unique pair -> its row of proba and x: position in read_u
    pos_u = np.full(len(texts), -1)
    pos_u[read_u] = np.arange(len(read_u))
    read = pos_u[codes] >= 0  # per gated row: the model read its text
    rows, pos = rows[read], pos_u[codes[read]]
    own = pd.Index(model.classes).get_indexer(fam[rows])  # -1: a family the model does not know
    # per row: the family, its probability by what decided it (the confidence), and whether it may win
    if model.combine_coef is not None:  # the learned combination; a family outside `families` only where sure
        p = softmax(model.combine(proba[pos], own, conf[rows]))
        best = p.argmax(axis=1)
        sure = p[np.arange(len(best)), best]
        may = np.isin(best, allowed) | (sure >= float(tm.get("specific_min", 1.0)))
    else:  # the model's log-probabilities, the rules' family weighted by their confidence
        score = np.log(np.maximum(proba[pos], 1e-300))
        has = np.flatnonzero(own >= 0)
        score[has, own[has]] += float(tm.get("rules_weight", 0.0)) * conf[rows[has]]
        best = score.argmax(axis=1)
        sure, may = proba[pos, best], np.isin(best, allowed)
    classes = np.array(model.classes, dtype=object)
    changed = may & (classes[best] != fam[rows])
    rows, pos, best, sure = rows[changed], pos[changed], best[changed], sure[changed]
    # the evidence only where the family changes: the words that weighed most for it
    # (read once per distinct text and family)
    _, first, back = np.unique(pos * len(classes) + best, return_index=True, return_inverse=True)
    x = model.features([texts[i] for i in read_u[pos[first]].tolist()])
    terms = model.row_terms(x, range(len(first)), best[first].tolist())
    evidence = np.array([(EVIDENCE_MODEL + ", ".join(ts)).removesuffix(": ") for ts in terms], dtype=object)
    fam[rows], conf[rows], ev[rows] = classes[best], sure, evidence[back.ravel()]


_SHARED_READ_MIN = 4000  # texts from which the helper process reads half of them for the text model


def _read_model(name: str, texts: list[str], ratings: np.ndarray, min_known: float) -> tuple[np.ndarray, np.ndarray]:
    """The text model ``name`` reads ``texts``: which it knows, and their probabilities (see ``TextModel.read``).
    Also the worker side of :func:`_read_shared`."""
    from analysis.textmodel import load_text_model

    known, proba, _ = load_text_model(name).read(texts, ratings, min_known)
    return known, proba


def _read_shared(name: str, texts: list[str], ratings: np.ndarray, min_known: float,
                 helper: _Helper | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_read_model`, the second half of many texts read by the ``helper``
    process meanwhile (where it fails, this process reads that half too)."""
    if helper is None or len(texts) < _SHARED_READ_MIN:
        return _read_model(name, texts, ratings, min_known)
    half = len(texts) // 2
    other: list = []

    def send() -> None:
        try:
            other.append(helper.read(name, texts[half:], ratings[half:], min_known))
        except Exception:  # noqa: BLE001 - no worker, or an error there: this process reads that half (and raises it)
            pass

    sent = threading.Thread(target=send, daemon=True)
    sent.start()
    mine = _read_model(name, texts[:half], ratings[:half], min_known)
    sent.join()
    theirs = other[0] if other else _read_model(name, texts[half:], ratings[half:], min_known)
    return np.concatenate([mine[0], theirs[0]]), np.concatenate([mine[1], theirs[1]])


def classify_texts(texts: Sequence[str], taxonomy: Taxonomy | None = None, *,
                   reasons: Sequence[str] | None = None, ratings: Sequence[float] | None = None) -> pd.DataFrame:
    """Classify bare texts (optionally with reason codes and ratings).

    Returns
    -------
    DataFrame
        RangeIndex; columns ``text``, ``family``, ``family_confidence``,
        ``evidence``.
    """
    df = pd.DataFrame({schema.TEXT: pd.array(list(texts), dtype="str")})
    if reasons is not None:
        df[schema.REASON] = pd.array(list(reasons), dtype="str")
    if ratings is not None:
        df[schema.RATING] = pd.to_numeric(pd.Series(list(ratings)), errors="coerce")
    res = classify_complaints(df, taxonomy)
    return res[[schema.TEXT, schema.FAMILY, schema.FAMILY_CONFIDENCE, schema.EVIDENCE]].reset_index(drop=True)


def explain(text: str = "", reason: str = "", disposition: str = "", rating: float | None = None,
            taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Every family's score for one complaint, for showing why a family won.

    The rules' scores first; where a text model reads the complaint (an English
    text with a star rating it was trained on, no code, the rules unsure: see
    :func:`model_settings`), also its probabilities and, with a combiner in its
    file, the combiner's, which decide.  ``chosen`` marks the family
    :func:`classify_complaints` gives.

    Returns
    -------
    DataFrame
        One row per family, sorted by ``total`` descending then family order;
        columns ``family``, ``code_score``, ``text_score``, ``total``,
        ``terms`` (matched terms, comma-joined), ``code_evidence``,
        ``model_probability`` and ``combined_probability`` (NaN where no model
        read the text, or for a family the model does not know), ``chosen``.
        ``attrs["model"]``: the file of the model that read it, or None.
    """
    tax = taxonomy or _default_taxonomy()
    comp = tax._compiled
    tsc, hits = comp.score_text(comp.normalise(text or ""))
    csc, why, _, _ = comp.score_code(reason or "", disposition or "")
    total = tsc + csc
    if rating is not None and not (isinstance(rating, float) and math.isnan(rating)):
        if comp.low_max < rating < 4 and tsc[comp.index[comp.low_family]] > 0:
            total[comp.index[comp.low_family]] += comp.mid_weight
    one = pd.DataFrame({schema.TEXT: pd.array([text or ""], dtype="str"), schema.REASON: pd.array([reason or ""], dtype="str"),
                        schema.DISPOSITION: pd.array([disposition or ""], dtype="str"),
                        schema.RATING: [np.nan if rating is None else float(rating)]})
    chosen = classify_complaints(one, tax, safety=False)[schema.FAMILY].iloc[0]
    model_file, model_p, combined_p = _model_view(tax, one)
    out = pd.DataFrame({
        "family": list(comp.families),
        "code_score": csc,
        "text_score": tsc,
        "total": total,
        "terms": [", ".join(h) for h in hits],
        "code_evidence": [" + ".join(why.get(i, [])) for i in range(len(comp.families))],
        "model_probability": [model_p.get(f, np.nan) for f in comp.families],
        "combined_probability": [combined_p.get(f, np.nan) for f in comp.families],
        "chosen": [f == chosen for f in comp.families],
        "_order": range(len(comp.families)),
    })
    out = out.sort_values(["total", "_order"], ascending=[False, True], kind="stable").drop(columns="_order")
    out = out.reset_index(drop=True)
    out.attrs["model"] = model_file
    return out


def _model_view(tax: Taxonomy, one: pd.DataFrame) -> tuple[str | None, dict[str, float], dict[str, float]]:
    """For :func:`explain`: the file of the text model that reads the one complaint of ``one``
    (as :func:`_text_model_step` picks it), its probability per family and the combiner's
    (empty where it has none); ``(None, {}, {})`` where no model reads it."""
    from analysis.textmodel import load_text_model, softmax

    reason, disposition, rating, text = _frame_inputs(one, (schema.TITLE, schema.TEXT))
    fam, conf, ev, _ = _classify_arrays_simple(tax, reason, disposition, rating, text)
    for tm, _ in _model_turns(tax, fam, conf, ev, reason, disposition, rating, text):  # the first that reads it
        name = tm.get("file", DEFAULT_TEXT_MODEL)
        model = load_text_model(name)
        known, proba, _ = model.read(text.tolist(), rating, float(tm.get("min_known", 0.5)))
        if not known[0]:
            return None, {}, {}
        combined: dict[str, float] = {}
        if model.combine_coef is not None:
            own = pd.Index(model.classes).get_indexer(fam)
            combined = dict(zip(model.classes, softmax(model.combine(proba, own, conf))[0].tolist()))
        return str(name), dict(zip(model.classes, proba[0].tolist())), combined
    return None, {}, {}


def compare_taxonomies(df: pd.DataFrame, old: Taxonomy, new: Taxonomy) -> pd.DataFrame:
    """Family counts under two taxonomies, to preview an edit's effect.

    Returns
    -------
    DataFrame
        RangeIndex, one row per family (union of both taxonomies, display
        order); columns ``family``, ``count_old``, ``count_new``,
        ``difference`` (new - old), ``moved_in``, ``moved_out`` (complaints
        that changed family into / out of this one).
        :func:`changed_complaints` lists the rows themselves.
    """
    a = classify_complaints(df, old)[schema.FAMILY]
    b = classify_complaints(df, new)[schema.FAMILY]
    fams = list(old.families) + [f for f in new.families if f not in old.families]
    changed = a != b
    out = pd.DataFrame({
        "family": fams,
        "count_old": [int((a == f).sum()) for f in fams],
        "count_new": [int((b == f).sum()) for f in fams],
        "moved_in": [int((changed & (b == f)).sum()) for f in fams],
        "moved_out": [int((changed & (a == f)).sum()) for f in fams],
    })
    out.insert(3, "difference", out["count_new"] - out["count_old"])
    return out


def changed_complaints(df: pd.DataFrame, old: Taxonomy, new: Taxonomy) -> pd.DataFrame:
    """The complaints whose family differs between two taxonomies.

    Returns
    -------
    DataFrame
        RangeIndex; the input columns plus ``row`` (position in ``df``),
        ``family_old``, ``family_new``, ``evidence_old``, ``evidence_new``,
        in input order.
    """
    a = classify_complaints(df, old)
    b = classify_complaints(df, new)
    mask = (a[schema.FAMILY] != b[schema.FAMILY]).to_numpy()
    out = df.loc[mask].copy()
    out.insert(0, "row", np.flatnonzero(mask))
    out["family_old"] = a.loc[mask, schema.FAMILY].to_numpy()
    out["family_new"] = b.loc[mask, schema.FAMILY].to_numpy()
    out["evidence_old"] = a.loc[mask, schema.EVIDENCE].to_numpy()
    out["evidence_new"] = b.loc[mask, schema.EVIDENCE].to_numpy()
    return out.reset_index(drop=True)
