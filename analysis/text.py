"""Text normalisation, language detection and tokenisation for complaint text.

Shared by :mod:`analysis.classify` (phrase matching) and
:mod:`analysis.keywords` (terms and n-grams).  Word lists (stop words,
spelling variants, negations) are data files in ``analysis/rules/``.

Chinese is segmented with jieba and Japanese with Janome, and only text that
contains CJK characters is sent to them (both load a dictionary on first use).
:func:`prepare_segmenters` has the Chinese a run will need segmented ahead by
jieba in a helper process.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path
from typing import Iterable, Mapping

RULES_DIR = Path(__file__).resolve().parent / "rules"
LANGUAGES = ("en", "zh", "ja", "de", "fr", "es", "it")

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200c\u200d\u2060\ufeff\u00ad"), None)
_ZERO_WIDTH[0x200B] = " "  # scraped text uses zero-width spaces between words
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})


def _latin_fold_table() -> dict[int, str]:
    """Latin letters with diacritics -> base letters (ä -> a); CJK untouched."""
    table = {}
    for cp in range(0x00C0, 0x0250):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base and base != ch and base.isascii():
            table[cp] = base
    table[ord("ß")] = "ss"
    table[ord("æ")] = "ae"
    table[ord("œ")] = "oe"
    table[ord("ø")] = "o"
    return table


_FOLD = _latin_fold_table()
_CAMEL = re.compile(r"(?<=[a-z\u00e0-\u00ff])(?=[A-Z][a-z])")
# Sentence ends (and line breaks) survive normalisation as a "." token between
# spaces, so that a negation or a phrase does not reach into the next sentence
# ("Not good. Stopped working" is no negated "stopped working").  A point
# between two digits ("2.5") is no sentence end.
SENTENCE_END = "."
SENTENCE_CHARS = ".!;\n\r\u3002"
#: clause marks: a phrase (an n-gram of :func:`phrase_runs`) does not run across them
CLAUSE_CHARS = ",:()[]\uff0c\u3001\uff1a\uff08\uff09"
_CLAUSE = re.compile("[" + re.escape(CLAUSE_CHARS) + "]+")
_DECIMAL_POINT = re.compile(r"(?<=[0-9])\.(?=[0-9])")
_NON_WORD = re.compile(r"[^\w'?.!;\n\r\u3002]+|_+")
_QUOTE_EDGE = re.compile(r"(?<![\w])'|'(?![\w])")
_GAPS = re.compile(r"[ .!;\n\r\u3002]+")
_SPACES = re.compile(r"\s+")


def _gap(m: re.Match) -> str:
    """A run of spaces and sentence ends: one space, or " . " if it holds an end."""
    return " . " if m.group(0).strip(" ") else " "

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")


def has_cjk(text: str) -> bool:
    """True when the text holds Chinese or Japanese characters."""
    return bool(_CJK.search(text))


def basic_normalise(text: str) -> str:
    """Lower-case, fold Latin accents, unify quotes, turn punctuation into spaces.

    Run-together sentences from scraped reviews ("qualityHopeless") are split
    at the lower->upper case change first.  "?" is kept (questions such as
    "is this original?" are evidence).  Sentence ends (". ! ;", "。", line
    breaks) become one " . " token between words, never at either end:
    "Not good!! Stopped." -> "not good . stopped".
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).translate(_ZERO_WIDTH).translate(_QUOTES)
    text = _CAMEL.sub(" ", text).lower().translate(_FOLD)
    text = _DECIMAL_POINT.sub(" ", text)
    text = _NON_WORD.sub(" ", text)
    text = _QUOTE_EDGE.sub(" ", text)
    return _GAPS.sub(_gap, text).strip(" .")


def ascii_equivalent(ch: str) -> str | None:
    """The ASCII text :func:`basic_normalise` treats the non-ASCII character
    ``ch`` (of NFKC text) exactly like, or None.

    Quotes and zero-width characters give their replacement; characters that
    are no letter or digit and that lower-casing, the accent fold and the
    camel-case split leave alone (emoji, currency signs, dashes) give a space,
    since they end up as one.  So a vectorised ASCII-only normaliser can take
    texts whose only non-ASCII characters are of these kinds.
    """
    rep = ch.translate(_ZERO_WIDTH).translate(_QUOTES)
    if rep != ch:
        return rep if rep.isascii() else None
    if ch in SENTENCE_CHARS:
        return SENTENCE_END
    if ch.isalnum() or ch.lower() != ch or ord(ch) in _FOLD or "\u00e0" <= ch <= "\u00ff":
        return None
    return " "


class Normaliser:
    """Callable applying :func:`basic_normalise` plus whole-word spelling variants."""

    def __init__(self, variants: Mapping[str, str] | None = None):
        pairs = {}
        for k, v in (variants or {}).items():
            kk = basic_normalise(k)
            if kk:
                pairs[kk] = basic_normalise(v)
        self._variants = pairs
        if pairs:
            alts = "|".join(
                r"\s+".join(map(re.escape, k.split())) for k in sorted(pairs, key=len, reverse=True)
            )
            self._pattern = re.compile(rf"(?<![\w'])(?:{alts})(?![\w'])")
        else:
            self._pattern = None

    def _replace(self, m: re.Match) -> str:
        return self._variants.get(_SPACES.sub(" ", m.group(0)), m.group(0))

    def __call__(self, text: str) -> str:
        text = basic_normalise(text)
        if self._pattern is not None and text:
            text = self._pattern.sub(self._replace, text)
        return text


@functools.lru_cache(maxsize=1)
def default_normaliser() -> Normaliser:
    """The normaliser built from the default taxonomy's ``[text.variants]``."""
    import tomllib

    with open(RULES_DIR / "taxonomy.toml", "rb") as fh:
        data = tomllib.load(fh)
    return Normaliser(data.get("text", {}).get("variants", {}))


# ------------------------------------------------------------------ language
_LANG_HINTS = {
    "de": {"und", "nicht", "ist", "der", "die", "das", "ich", "mit", "sehr", "kein", "keine", "funktioniert", "auch", "nach", "aber", "zu"},
    "fr": {"et", "pas", "est", "le", "la", "les", "je", "tres", "avec", "ne", "une", "des", "du", "mais", "fonctionne", "marche", "pour"},
    "es": {"y", "no", "es", "el", "la", "los", "muy", "con", "una", "pero", "funciona", "que", "del", "para", "lo", "por", "las"},
    "it": {"e", "non", "il", "la", "che", "molto", "con", "una", "ma", "funziona", "per", "del", "sono", "gli", "della", "questo"},
    "en": {"the", "and", "not", "is", "it", "this", "was", "very", "with", "but", "of", "to", "i", "a", "product", "quality", "sound", "good"},
}
_ACCENTS = {"de": "äöüß", "fr": "éèêàçùâîôœë", "es": "ñáíóúé¿¡", "it": "àèéìòù"}


def detect_language(text: str) -> str:
    """Guess the language of one text: script first, then function words.

    Japanese when kana appear, Chinese for other Han text; among Latin-script
    languages the one whose common words (and accented letters) occur most,
    English on a tie.  Meant for routing to a tokeniser, not for linguistics.
    """
    if not text:
        return "en"
    if _KANA.search(text):
        return "ja"
    if _CJK.search(text):
        return "zh"
    low = str(text).lower()
    words = re.findall(r"[a-zà-ÿ']+", low)
    if not words:
        return "en"
    folded = [w.translate(_FOLD) for w in words]
    best, best_score = "en", 0.0
    for lang in ("en", "de", "fr", "es", "it"):
        hints = _LANG_HINTS[lang]
        score = sum(1 for w in folded if w in hints)
        score += 1.5 * sum(low.count(c) for c in _ACCENTS.get(lang, ""))
        if lang == "en":
            score += 0.5  # tie-break towards English
        if score > best_score:
            best, best_score = lang, score
    return best


# ---------------------------------------------------------------- stop words
def _word_list(path: Path, normalise: bool = True) -> frozenset[str]:
    """The words of a ``rules/`` list: one per line, ``#`` comments (none when
    there is no such file), normalised unless ``normalise`` is False."""
    if not path.is_file():
        return frozenset()
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(basic_normalise(line) if normalise else line)
    return frozenset(words)


@functools.lru_cache(maxsize=None)
def stop_words(lang: str) -> frozenset[str]:
    """Stop words of one language from ``rules/stopwords_<lang>.txt`` (normalised)."""
    return _word_list(RULES_DIR / f"stopwords_{lang}.txt", normalise=lang not in ("zh", "ja"))


@functools.lru_cache(maxsize=1)
def negation_words() -> frozenset[str]:
    """Negation words of every language (never dropped as stop words)."""
    return _word_list(RULES_DIR / "negations.txt")


@functools.lru_cache(maxsize=1)
def vague_words() -> frozenset[str]:
    """Words that alone name no symptom (time spans, counts, carrier verbs;
    ``rules/vague_words.txt``, every language): a finding's terms skip a term
    made only of these."""
    return _word_list(RULES_DIR / "vague_words.txt")


# ---------------------------------------------------------------- tokenising
# the segmenters load once per process; a lock, because prepare_segmenters may load them in a thread
_SEGMENTER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    with _SEGMENTER_LOCK:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
    return jieba


@functools.lru_cache(maxsize=1)
def _janome():
    with _SEGMENTER_LOCK:
        from janome.tokenizer import Tokenizer

        return Tokenizer()


#: jieba's tokens of Chinese chunks, segmented ahead in a helper process (:func:`prepare_segmenters`)
_SEGMENTED: dict[str, list[str]] = {}
#: prepare_segmenters threads still running (:func:`prepare_segmenters_soon`): tokenising waits for them
_PREPARING: list[threading.Thread] = []
#: longest wait for the helper process before jieba is loaded here instead
_HELPER_TIMEOUT_S = 120
# the helper: a bare interpreter that loads jieba and segments the chunks it reads (JSON in, JSON out)
_HELPER_SCRIPT = (
    "import json, logging, sys\n"
    "import jieba\n"
    "jieba.setLogLevel(logging.WARNING)\n"
    "json.dump([jieba.lcut(chunk) for chunk in json.load(sys.stdin)], sys.stdout)\n"
)


def prepare_segmenters(texts: Iterable[str]) -> None:
    """Get ready to tokenise these texts: Chinese segmented ahead, Janome loaded when they hold Japanese.

    jieba's dictionary takes over half a second to load and holds the
    interpreter meanwhile, however few the Chinese complaints; so the chunks
    that tokenising these texts will hand to jieba (default normaliser,
    language detected, as :mod:`analysis.keywords` tokenises) are segmented by
    jieba in a helper process, on another core, and tokenising finds them
    there.  Any other chunk is segmented by jieba loaded here, which is also
    what happens when the helper cannot run (the same jieba: the same tokens).
    Routing is :func:`tokenize`'s: kana -> Janome, other Han text -> jieba.
    """
    chinese: dict[str, None] = {}
    need_ja = False
    for text in texts:
        if not (text and _CJK.search(text)):
            continue
        lang, sentences = _sentences(text, None, None)
        for sentence in sentences:
            if not has_cjk(sentence):
                continue
            if _cjk_language(lang, sentence) == "ja":
                need_ja = True
            else:
                chinese.update(dict.fromkeys(chunk for chunk in _chunks(sentence) if has_cjk(chunk) and chunk not in _SEGMENTED))
    if chinese:
        segmented = _segment_in_helper(list(chinese))
        _SEGMENTED.update(segmented)
        if len(segmented) < len(chinese):
            _jieba()
    if need_ja:
        _janome()


def prepare_segmenters_soon(texts: Iterable[str]) -> threading.Thread:
    """:func:`prepare_segmenters` in a thread; tokenising waits for it rather than load jieba a second time."""

    def prepare() -> None:
        try:
            prepare_segmenters(texts)
        finally:
            _PREPARING.remove(thread)

    thread = threading.Thread(target=prepare, daemon=True)
    _PREPARING.append(thread)
    thread.start()
    return thread


def _segment_in_helper(chunks: list[str]) -> dict[str, list[str]]:
    """``chunk -> jieba.lcut(chunk)`` from a helper Python process; empty when it cannot run."""
    if not sys.executable or getattr(sys, "frozen", False):  # no interpreter to start (embedded or bundled)
        return {}
    try:
        done = subprocess.run([sys.executable, "-c", _HELPER_SCRIPT], input=json.dumps(chunks), capture_output=True,
                              text=True, check=True, timeout=_HELPER_TIMEOUT_S)
        tokens = json.loads(done.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return {}
    if not isinstance(tokens, list) or len(tokens) != len(chunks):
        return {}
    return dict(zip(chunks, tokens))


def _jieba_tokens(chunk: str) -> list[str]:
    """jieba's tokens of one Chinese chunk: as the helper process segmented it, else from jieba loaded here."""
    for thread in list(_PREPARING):
        thread.join()
    got = _SEGMENTED.get(chunk)
    return list(got) if got is not None else _jieba().lcut(chunk)


_JA_DROP_POS = ("助詞", "記号", "助動詞")
_JA_KEEP = {"ない", "ず", "ぬ", "ません", "ん", "なかっ"}
_ELISION = re.compile(r"^(?:[ldjncmts]|qu|dell|dall|nell|sull|all|un)'")
_TOKEN = re.compile(r"[\w']+|\?")


def _chunks(text: str) -> list[str]:
    """The whitespace-separated chunks of a normalised sentence with CJK characters."""
    return [chunk for chunk in re.split(r"(\s+)", text) if chunk and not chunk.isspace()]


def _cjk_language(lang: str, sentence: str) -> str:
    """The segmenter for a sentence with CJK characters: "ja" (Janome) or "zh" (jieba)."""
    return "ja" if lang == "ja" or _KANA.search(sentence) else "zh"


def _cjk_tokens(text: str, lang: str) -> list[str]:
    out: list[str] = []
    # Latin words inside CJK text (brand names, "bluetooth") are kept whole
    for chunk in _chunks(text):
        if not has_cjk(chunk):
            out.extend(t for t in _TOKEN.findall(chunk) if t != "?")
            continue
        if lang == "ja":
            for tok in _janome().tokenize(chunk):
                surface = tok.surface.strip()
                if not surface:
                    continue
                pos = tok.part_of_speech.split(",")[0]
                if pos in _JA_DROP_POS and surface not in _JA_KEEP:
                    continue
                out.append(surface)
        else:
            out.extend(t.strip() for t in _jieba_tokens(chunk) if t.strip())
    return out


def tokenize(text: str, lang: str | None = None, *, normaliser: Normaliser | None = None,
             drop_stop_words: bool = True) -> list[str]:
    """Split one complaint into normalised word tokens.

    Parameters
    ----------
    text : str
        Raw customer text.
    lang : str, optional
        ``en``, ``zh``, ``ja``, ``de``, ``fr``, ``es`` or ``it``; detected when
        None (:func:`detect_language`).
    normaliser : Normaliser, optional
        Spelling-variant normaliser; the default taxonomy's when None.
    drop_stop_words : bool
        Drop the language's stop words.  Negations ("no", "not", "doesn't",
        "nicht", "不", "ない" ...) are never dropped, so "no sound" stays a
        meaningful bigram.

    Returns
    -------
    list of str
    """
    return [t for sentence in tokenize_sentences(text, lang, normaliser=normaliser, drop_stop_words=drop_stop_words)
            for t in sentence]


def _sentences(text: str, lang: str | None, normaliser: Normaliser | None) -> tuple[str, list[str]]:
    """The language (detected when None) and the normalised sentences of a
    text (none for a missing or empty one)."""
    if text is None or (isinstance(text, float) and text != text):
        return lang or "en", []
    norm = (normaliser or default_normaliser())(text)
    if not norm:
        return lang or "en", []
    return lang or detect_language(text), norm.split(f" {SENTENCE_END} ")


def tokenize_sentences(text: str, lang: str | None = None, *, normaliser: Normaliser | None = None,
                       drop_stop_words: bool = True) -> list[list[str]]:
    """:func:`tokenize`, one token list per sentence (split where
    :func:`basic_normalise` marks a sentence end), so that n-grams can be
    built within sentences: "battery drains fast. Case cracked" gives no
    "fast case"."""
    lang, sentences = _sentences(text, lang, normaliser)
    out = []
    for sentence in sentences:
        tokens = _sentence_tokens(sentence, lang, drop_stop_words)
        if tokens:
            out.append(tokens)
    return out


def phrase_runs(text: str, lang: str | None = None, *, normaliser: Normaliser | None = None,
                max_gap: int = 1) -> list[list[str]]:
    """The content words of a complaint (stop words and numbers out,
    negations in) in runs that n-grams may span: a run ends at a sentence end,
    at a clause mark (comma, colon, bracket; :data:`CLAUSE_CHARS`) and where
    more than ``max_gap`` stop words stood between two words.

    "Won't hold a charge" gives one run (won't, hold, charge: "hold charge"
    skips one "a"); "battery drains fast even in the case" gives two
    (battery, drains, fast | case): no "fast case"; "there is none, I hear
    everything" gives no "none hear".  Joined, the runs are :func:`tokenize`'s
    tokens.  (The classifier's normalised text keeps clauses together: a
    pattern may read across a comma, "good, but the price is high".)
    """
    if text is None or (isinstance(text, float) and text != text):
        return []
    lang = lang or detect_language(str(text))
    sentences = [s for clause in _CLAUSE.split(str(text)) for s in _sentences(clause, lang, normaliser)[1]]
    out = []
    for sentence in sentences:
        is_stop = _stop_test(lang, has_cjk(sentence))
        run: list[str] = []
        gap = 0
        for t in _raw_tokens(sentence, lang):
            if is_stop(t):
                gap += 1
                continue
            if run and gap > max_gap:
                out.append(run)
                run = []
            run.append(t)
            gap = 0
        if run:
            out.append(run)
    return out


def _raw_tokens(norm: str, lang: str) -> list[str]:
    """The word tokens of one normalised sentence, stop words included."""
    if has_cjk(norm):
        tokens = _cjk_tokens(norm, _cjk_language(lang, norm))
    else:
        tokens = [t for t in _TOKEN.findall(norm) if t != "?"]
    if lang in ("fr", "it"):
        # elided articles: l'ecouteur -> ecouteur, dell'auricolare -> auricolare
        tokens = [_ELISION.sub("", t) for t in tokens]
    tokens = [t.strip("'") for t in tokens]
    return [t for t in tokens if t]


@functools.lru_cache(maxsize=None)
def _stop_test(lang: str, cjk: bool):
    """Whether a token is dropped as a stop word (numbers too; negations never)."""
    stops = stop_words(lang) | stop_words("en") if lang != "en" else stop_words("en")
    if cjk:
        stops = stops | stop_words("zh") | stop_words("ja")
    keep = negation_words()
    return lambda t: t not in keep and (t in stops or t.isdigit())


def _sentence_tokens(norm: str, lang: str, drop_stop_words: bool) -> list[str]:
    tokens = _raw_tokens(norm, lang)
    if drop_stop_words:
        is_stop = _stop_test(lang, has_cjk(norm))
        tokens = [t for t in tokens if not is_stop(t)]
    return tokens


def _joiner(a: str, b: str) -> str:
    return "" if (has_cjk(a[-1:]) and has_cjk(b[:1])) else " "


def ngrams(tokens: Iterable[str], n: int) -> list[str]:
    """Contiguous n-grams of a token list, joined by a space (no space between CJK tokens)."""
    toks = list(tokens)
    if n < 1:
        raise ValueError("n must be >= 1")
    if n == 1:
        return toks
    out = []
    for i in range(len(toks) - n + 1):
        gram = toks[i]
        for t in toks[i + 1 : i + n]:
            gram += _joiner(gram, t) + t
        out.append(gram)
    return out
