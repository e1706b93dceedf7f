"""Text encoding detection that judges the decoded result, not just the absence of errors.

A wrong single-byte guess (cp1252 / latin-1) decodes any byte string without an
exception, and GB18030 decodes most double-byte text, so each candidate that
decodes is scored on what it produced: mojibake runs, C1 control characters,
half-width katakana out of context, kana (which only a right Japanese decode
yields) and CJK characters wedged between Latin letters.
"""

from __future__ import annotations

import re

#: candidates tried, in order of preference on a tie, when the bytes are not UTF-8
CANDIDATES = ("cp1252", "cp932", "gb18030", "latin-1")

_SAMPLE_BYTES = 2_000_000

_C1 = re.compile("[\u0080-\u009f]")
_HIGH_RUN = re.compile("[\u00a0-\u00ff]{3,}")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")
_KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa]")
_CJK_IN_LATIN = re.compile("(?<=[A-Za-z])[\u3400-\u9fff\uac00-\ud7af]|[\u3400-\u9fff\uac00-\ud7af](?=[A-Za-z])")
_COMMON_HAN = re.compile("[\u4e00-\u9fff]")
_RARE = re.compile("[\u0100-\u024f\u0370-\u2fff\ue000-\uf8ff\U00010000-\U0010ffff]")
_PRIVATE = re.compile("[\ue000-\uf8ff]")


def _score(text: str, encoding: str) -> float:
    """Implausibility of ``text`` as the decode of a real report: lower is better."""
    if not text:
        return 0.0
    bad = 0.0
    bad += 5 * len(_C1.findall(text))
    bad += 5 * len(_PRIVATE.findall(text))
    if encoding in ("cp1252", "latin-1"):
        # real French/German text has isolated accented letters; UTF-8 or CJK bytes
        # read as Latin give runs of them
        bad += 3 * sum(len(m) for m in _HIGH_RUN.findall(text))
    if encoding == "cp932":
        bad += 2 * len(_HALFWIDTH_KANA.findall(text))
        bad -= 2 * len(_KANA.findall(text))
    if encoding in ("cp932", "gb18030"):
        bad += 4 * len(_CJK_IN_LATIN.findall(text))
        # GB18030 four-byte sequences decode to rare blocks; so do many wrong guesses
        bad += 3 * len(_RARE.findall(text))
    if encoding == "gb18030":
        bad -= 0.1 * len(_COMMON_HAN.findall(text))
    return bad / max(len(text), 1)


def detect_encoding(data: bytes) -> str:
    """Return the Python codec name that decodes ``data`` most plausibly.

    Parameters
    ----------
    data
        The raw bytes of a file (already decompressed).

    Returns
    -------
    str
        ``"utf-8-sig"`` for UTF-8 (with or without BOM), ``"utf-16"`` when a
        UTF-16 byte-order mark is present, otherwise one of :data:`CANDIDATES`.

    Notes
    -----
    UTF-8 is accepted when the whole file decodes strictly.  Otherwise each
    candidate that strictly decodes a sample (cut at a line boundary) is scored
    by :func:`_score` and the lowest score wins; ``latin-1`` always decodes, so
    there is always an answer.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    sample = data[:_SAMPLE_BYTES]
    if len(data) > _SAMPLE_BYTES:
        cut = sample.rfind(b"\n")
        if cut > 0:
            sample = sample[:cut]
    best, best_score = "latin-1", float("inf")
    for encoding in CANDIDATES:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _score(text, encoding)
        if score < best_score - 1e-12:
            best, best_score = encoding, score
    return best


def decode(data: bytes, encoding: str) -> str:
    """Decode with ``encoding``; a sample-based guess that fails later falls back to latin-1."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode("latin-1")
