"""An analyst's corrections: a complaint's family set by hand, kept in a file, applied after the rules.

The rules give every complaint a family with its evidence, so an analyst can see
why and disagree.  A correction records the disagreement: which complaint (by
what identifies it in Amazon's report, not by its row number, so the file still
applies when a newer export of the same report is loaded) and the family the
analyst chose.  Corrections are applied after classification: the corrected
complaints get the analyst's family, confidence 1 and evidence that says who
decided and what the rules had said.

The file holds no customer words: the text is identified by a digest.  It is
written through :func:`analysis.export.safety.write_csv_safe` (a note cannot
become a live formula).

Columns: ``source_kind, order_id, sku, asin, text_sha, family, previous_family,
date, note``.  The first five identify the complaint (empty where the report has
no such column: a review has no order id); ``previous_family`` and ``date`` are
for the reader.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from analysis import schema as S
from analysis.errors import ReportFormatError

KEY = (S.SOURCE_KIND, S.ORDER_ID, S.SKU, S.ASIN, "text_sha")
COLUMNS = KEY + (S.FAMILY, "previous_family", S.DATE, "note")
_REQUIRED = KEY + (S.FAMILY,)
_SEP = "\x1f"
#: how a corrected complaint's evidence reads: "analyst: <family> (<note>); rules said <family> (<their evidence>)"
#: (ui.i18n.evidence_text translates it for display: it keys on these)
EVIDENCE_ANALYST = "analyst: "
EVIDENCE_RULES_SAID = "; rules said "


def text_digests(df: pd.DataFrame) -> pd.Series:
    """A short digest of each complaint's customer words (title and text), "" when it has none."""
    parts = [df[c].astype("string").fillna("").str.strip() for c in (S.TITLE, S.TEXT) if c in df.columns]
    if not parts:
        return pd.Series([""] * len(df), index=df.index, dtype="object")
    joined = parts[0] if len(parts) == 1 else parts[0] + "\n" + parts[1]
    return joined.map(lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()[:16] if s.strip() else "").astype("object")


def _key_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The columns that identify each row, as plain strings: a complaints table (the words'
    digest is computed) or a corrections file (it has ``text_sha``)."""
    out = pd.DataFrame(index=df.index)
    for c in KEY:
        if c == "text_sha" and c not in df.columns:
            out[c] = text_digests(df)
        elif c in df.columns:
            # a blank SKU or ASIN reads "(unknown)" once the analysis has made it a factor level: the same key
            out[c] = df[c].astype("string").fillna("").str.strip().replace(S.UNKNOWN_LEVEL, "").astype("object")
        else:
            out[c] = ""
    return out


def _keys(df: pd.DataFrame) -> pd.Series:
    """What identifies each row (a complaint or a correction), as one string."""
    k = _key_frame(df)
    return k[KEY[0]].astype("string").str.cat([k[c].astype("string") for c in KEY[1:]], sep=_SEP).astype("object")


def review_rows(complaints: pd.DataFrame, family: str | None = None, words: str = "",
                order: str = "confidence", safety_only: bool = False) -> pd.DataFrame:
    """The complaints an analyst reads to correct: one ``family`` (None: all), those whose title
    or text contains ``words`` (case-insensitive, taken literally), only those describing a
    safety incident (``safety_only``; the ``safety`` column), the least sure first
    (``order="confidence"``) or the newest first (``"date"``)."""
    view = complaints if family is None else complaints[complaints[S.FAMILY] == family]
    if safety_only:
        said = view[S.SAFETY] if S.SAFETY in view.columns else pd.Series("", index=view.index)
        view = view[said.fillna("") != ""]
    words = words.strip()
    if words:
        cols = [c for c in (S.TITLE, S.TEXT) if c in view.columns]
        said = pd.Series(False, index=view.index)
        for c in cols:
            said |= view[c].astype("string").fillna("").str.contains(words, case=False, regex=False)
        view = view[said]
    if order == "date":
        return view.sort_values(S.DATE, ascending=False, kind="stable")
    return view.sort_values([S.FAMILY_CONFIDENCE, S.DATE], kind="stable")


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})


def correct(corrections: pd.DataFrame | None, complaints: pd.DataFrame, ids: Iterable[str], family: str,
            note: str | Mapping[str, str] = "") -> pd.DataFrame:
    """``corrections`` with the complaints ``ids`` (``complaint_id`` values) set to ``family``.

    ``complaints`` are the classified complaints (the rules' family is kept as
    ``previous_family``).  A complaint corrected before is corrected again (the
    newer row wins); setting it back to the rules' own family removes its
    correction.  ``note``: one for all, or one per complaint id.
    """
    ids = list(dict.fromkeys(str(i) for i in ids))
    rows = complaints[complaints[S.COMPLAINT_ID].astype("string").isin(ids)]
    missing = sorted(set(ids) - set(rows[S.COMPLAINT_ID].astype("string")))
    if missing:
        raise ValueError(f"no complaint with id {', '.join(missing[:5])}")
    new = _key_frame(rows)
    new[S.FAMILY] = family
    # the rules' family: from an earlier correction of the same complaint, else the family it has now
    earlier = {} if corrections is None or not len(corrections) else dict(zip(_keys(corrections), corrections["previous_family"]))
    new["previous_family"] = [earlier.get(k, f) for k, f in zip(_keys(new), rows[S.FAMILY].astype("str"))]
    new[S.DATE] = pd.to_datetime(rows[S.DATE], errors="coerce").dt.strftime("%Y-%m-%d").fillna("") if S.DATE in rows else ""
    new["note"] = note.strip() if isinstance(note, str) else [str(note.get(i, "")).strip() for i in rows[S.COMPLAINT_ID].astype("str")]
    base = merge(corrections, new[list(COLUMNS)])
    return base[~(_keys(base).isin(set(_keys(new))) & (base["previous_family"] == family))].reset_index(drop=True)


def merge(corrections: pd.DataFrame | None, more: pd.DataFrame) -> pd.DataFrame:
    """``corrections`` and ``more`` together; where both correct the same complaint, ``more`` wins."""
    base = corrections if corrections is not None and len(corrections) else empty()
    keep = base[~_keys(base).isin(set(_keys(more)))]
    return pd.concat([keep, more.reindex(columns=list(COLUMNS))], ignore_index=True).astype("object")


def read_corrections(source: str | Path | bytes, name: str | None = None,
                     families: Iterable[str] | None = None) -> pd.DataFrame:
    """Read a corrections file (CSV as written by :func:`to_csv_bytes`).

    Raises :class:`ReportFormatError` (one line naming the file) when a column
    is missing or a family is not one of ``families``.
    """
    from analysis.export.safety import restore_formula  # not on the analysis path: analysis.export is heavy

    name = name or (Path(source).name if isinstance(source, (str, Path)) else "corrections.csv")
    try:
        data = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
        if b"\x00" in data[:65536]:
            raise ReportFormatError(name, "binary or unreadable content, not a corrections CSV")
        df = pd.read_csv(io.BytesIO(data), dtype="string", keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ReportFormatError(name, f"not a corrections CSV ({str(exc).splitlines()[0][:120]})") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise ReportFormatError(name, f"not a corrections file: column(s) {', '.join(missing)} missing")
    for c in COLUMNS:
        if c not in df.columns:
            df[c] = ""
    # write_csv_safe put a quote before text a spreadsheet would run as a formula (a note, a SKU "+EAR-01")
    df = df[list(COLUMNS)].fillna("").astype("object").map(restore_formula)
    df[S.FAMILY] = df[S.FAMILY].str.strip()
    if families is not None:
        known = set(families)
        bad = sorted(set(df[S.FAMILY]) - known)
        if bad:
            raise ReportFormatError(name, f"unknown family {bad[0]!r} (known: {', '.join(sorted(known))})")
    return df.drop_duplicates(subset=list(KEY), keep="last").reset_index(drop=True)


def to_csv_bytes(corrections: pd.DataFrame) -> bytes:
    from analysis.export.safety import csv_bytes

    return csv_bytes(corrections.reindex(columns=list(COLUMNS)))


def apply_corrections(classified: pd.DataFrame, corrections: pd.DataFrame | None) -> tuple[pd.DataFrame, dict]:
    """Give the corrected complaints the analyst's family.

    Returns the complaints (a copy when anything changed) and a summary:
    ``corrections`` (rows in the file), ``applied`` (complaints changed) and
    ``unmatched`` (corrections naming no complaint of these data).
    """
    if corrections is None or not len(corrections) or not len(classified):
        return classified, {"corrections": 0 if corrections is None else int(len(corrections)), "applied": 0,
                            "unmatched": 0 if corrections is None else int(len(corrections))}
    table = dict(zip(_keys(corrections), zip(corrections[S.FAMILY], corrections["note"].fillna(""))))
    keys = _keys(classified)
    hit = keys.map(lambda k: table.get(k)).to_numpy()
    mask = pd.notna(hit)
    matched = set(keys[mask])
    summary = {"corrections": len(table), "applied": int(mask.sum()), "unmatched": len(set(table) - matched)}
    if not mask.any():
        return classified, summary
    out = classified.copy()
    rows = out.index[mask]
    old_family = out.loc[rows, S.FAMILY].astype("string")
    old_evidence = out.loc[rows, S.EVIDENCE].astype("string").fillna("")
    new_family = [h[0] for h in hit[mask]]
    notes = [h[1] for h in hit[mask]]
    out[S.FAMILY] = out[S.FAMILY].astype("object")
    out.loc[rows, S.FAMILY] = new_family
    out.loc[rows, S.FAMILY_CONFIDENCE] = 1.0
    out[S.EVIDENCE] = out[S.EVIDENCE].astype("object")
    out.loc[rows, S.EVIDENCE] = [
        f"{EVIDENCE_ANALYST}{new}" + (f" ({note})" if note else "") + f"{EVIDENCE_RULES_SAID}{old} ({ev})"
        for new, note, old, ev in zip(new_family, notes, old_family, old_evidence)
    ]
    out[S.FAMILY] = out[S.FAMILY].astype(classified[S.FAMILY].dtype)
    out[S.EVIDENCE] = out[S.EVIDENCE].astype(classified[S.EVIDENCE].dtype)
    return out, summary


LOOK_ALIKE_COLUMNS = ("complaint_id", S.FAMILY, "suggested_family", "similarity", "like_complaint_id")


def look_alikes(complaints: pd.DataFrame, corrections: pd.DataFrame | None, min_similarity: float = 0.6) -> pd.DataFrame:
    """Complaints worded like ones the analyst corrected, with the family those were corrected to.

    Every complaint with words that is not corrected itself is compared with
    every corrected one by the cosine similarity of their words and two-word
    phrases (:func:`analysis.keywords.term_matrix`: the keyword tables' tokens,
    counts log-scaled, weighted by rarity over these complaints, unit length).
    Where the most similar corrected complaint reaches ``min_similarity`` and
    was corrected to another family than the complaint has now, the complaint
    is listed with that family as a suggestion.  Nothing is applied: the
    analyst accepts suggestions as corrections (:func:`correct`).

    Parameters
    ----------
    complaints : the analysed complaints (corrections applied), with ``complaint_id``, ``family``, title / text
    corrections : the analyst's corrections (:func:`read_corrections`, :func:`correct`)
    min_similarity : cosine similarity from which a complaint is a look-alike (0-1)

    Returns
    -------
    DataFrame ``complaint_id, family, suggested_family, similarity, like_complaint_id``,
    the most similar first.
    """
    import numpy as np

    from analysis.keywords import term_matrix

    out = pd.DataFrame({c: pd.Series(dtype="float64" if c == "similarity" else "object") for c in LOOK_ALIKE_COLUMNS})
    if corrections is None or not len(corrections) or not len(complaints):
        return out
    corrected = _keys(complaints).isin(set(_keys(corrections))).to_numpy()
    if not corrected.any() or corrected.all():
        return out
    x = term_matrix(complaints, ngram_range=(1, 2))
    has_words = np.asarray(x.getnnz(axis=1) > 0)
    mine, others = np.flatnonzero(corrected & has_words), np.flatnonzero(~corrected & has_words)
    if not len(mine) or not len(others):
        return out
    sim = (x[others] @ x[mine].T).tocsr()
    best = np.asarray(sim.argmax(axis=1)).ravel()
    score = np.asarray(sim.max(axis=1).todense()).ravel()
    families = complaints[S.FAMILY].astype("object").to_numpy()
    ids = complaints["complaint_id"].astype("object").to_numpy()
    like = mine[best]
    keep = (score >= min_similarity) & (families[like] != families[others])
    rows, like = others[keep], like[keep]
    out = pd.DataFrame({"complaint_id": ids[rows], S.FAMILY: families[rows], "suggested_family": families[like],
                        "similarity": score[keep], "like_complaint_id": ids[like]})
    return out.sort_values(["similarity", "complaint_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
