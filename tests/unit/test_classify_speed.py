"""The fast classification path (Arrow normalisation, RE2 prefilters, numpy
decision) must give exactly what the straightforward per-text path gives.

Timing is left to ``benchmarks/bench_classify.py`` (no timed tests here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis import classify as C
from analysis import schema

EXTRA = [
    "耳机不工作，没有声音", "片方の音が出ない", "音質は悪くないではない", "不是假货，质量很好", "没有声音",
    "Funktioniert nicht mehr, kein Ton", "Ne marche pas, pas de son", "No funciona, sin sonido",
    "Non funziona, nessun suono", "Blutooth not wrking, stoped working in a week", "blue tooth  range is  poor",
    "Not fake at all, original product", "not an original product", "Is this original? doubt it is genuine",
    "no complaints about bluetooth", "never received the item", "I don't think it's fake", "Genuine or fake?",
    "qualityHopeless, stoppedWorking after 2 days", "it's 'ok' but ``meh``", "don’t buy — it’s a copy",
    "Stopped working within a week", "left earbud died after 3 weeks", "battery lasts only 20 minutes",
    "sound quality is not good", "no bass", "phone in my pocket and it disconnects", "keeps disconnecting randomly",
    "Ärgerlich: Qualität schlecht, Verpackung beschädigt", "Très déçu, produit cassé à l'arrivée", "café",
    "ＦＵＬＬ ＷＩＤＴＨ fake", "zero\u200bwidth\u200bfake", "soft\u00adhyphen", "under_score fake__copy", "a'b'c'd 'quoted' x'",
    "good", "Good", "", " ", "?", "is this original?", "wrong item!!! ordered black got blue", "empty box received",
    "I dropped it in water, my fault", "ordered by mistake", "👍👍 nice", "बहुत अच्छा product", "₹999 worth it",
    # ASCII apart from quotes, zero-width characters and symbols: normalised on the Arrow path
    "“Smart quotes” — not fake… ₹1,299 😍😍Superb", "÷Ab ×Cd", "naïve café👍NiceWork", "Ⓐbc ｆｕｌｌ\u200dwidth",
    "don’t buy‼ it’s a copy", "no\u200bsound ❤️blutooth", "sound\u2028effects", "´quoted´ `x` it’s",
]


def _frame(texts: list[str], seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(texts)
    reasons = np.array(["", "DEFECTIVE", "QUALITY_UNACCEPTABLE", "DAMAGED_BY_FC", "SWITCHEROO", "2",
                        "Item defective or doesn't work", "UNWANTED_ITEM"], dtype=object)
    disps = np.array(["", "SELLABLE", "DEFECTIVE", "CUSTOMER_DAMAGED", "DAMAGED"], dtype=object)
    ratings = rng.choice([np.nan, 1, 2, 3, 4, 5], n)
    return pd.DataFrame({
        schema.REASON: pd.array(reasons[rng.integers(0, len(reasons), n)], dtype="str"),
        schema.DISPOSITION: pd.array(disps[rng.integers(0, len(disps), n)], dtype="str"),
        schema.RATING: ratings,
        schema.TEXT: pd.array(texts, dtype="str"),
    })


def _assert_same(df: pd.DataFrame, tax) -> None:
    fast = C._classify_frame(df, tax, (schema.TITLE, schema.TEXT), C._classify_arrays)
    slow = C._classify_frame(df, tax, (schema.TITLE, schema.TEXT), C._classify_arrays_simple)
    for col in (schema.FAMILY, schema.EVIDENCE):
        diff = fast[col] != slow[col]
        assert not diff.any(), slow.loc[diff, [schema.TEXT, col]].assign(fast=fast.loc[diff, col]).head().to_string()
    # bit-identical confidences
    assert np.array_equal(fast[schema.FAMILY_CONFIDENCE].to_numpy(), slow[schema.FAMILY_CONFIDENCE].to_numpy())


@pytest.fixture(scope="module")
def tax():
    return C.load_taxonomy()


def test_fast_path_matches_reference_on_edge_cases(tax):
    _assert_same(_frame(EXTRA * 3), tax)


def test_fast_path_matches_reference_on_real_reviews(tax, realdata):
    raw = pd.read_csv(realdata / "reviews" / "amazon_in_earphones_reviews.csv")
    texts = (raw["ReviewTitle"].fillna("").str.strip() + " . " + raw["text"].fillna("").str.strip()).tolist()
    rng = np.random.default_rng(11)
    picked = [texts[i] for i in rng.choice(len(texts), 4000, replace=False)]
    # variants of real texts: casing, order numbers, negations
    picked += [t.upper() for t in picked[:300]] + [f"not {t} order 402-{i:07d}" for i, t in enumerate(picked[300:600])]
    _assert_same(_frame(picked + EXTRA), tax)


def test_normalisation_and_text_scores_match_per_text(tax):
    comp = tax._compiled
    texts = EXTRA + [t + " OK" for t in EXTRA]
    norm = C._normalise_many(comp, pa.array(texts, pa.large_string()))
    assert norm == [comp.normalise(t) for t in texts]
    scores, hits = C._score_many(comp, texts)
    for k, t in enumerate(norm):
        ref_scores, ref_hits = comp.score_text(t)
        assert np.array_equal(scores[k], ref_scores), texts[k]
        assert [h.get(k, []) for h in hits] == ref_hits, texts[k]


def test_prefilters_compile_for_the_default_taxonomy(tax):
    # a family without an RE2 prefilter is still correct, just slow
    assert all(p is not None for p in tax._compiled.prefilters)
    # and so are the word-list families without the shared gate
    assert tax._compiled.gate is not None and len(tax._compiled.gated) > 1


def test_ascii_equivalents_are_what_basic_normalise_does():
    from analysis.text import ascii_equivalent, basic_normalise

    for ch in ["’", "\u200b", "\u200d", "😍", "₹", "—", "\u2028", "÷", "é", "É", "中", "٣", "ǅ", "Σ"]:
        rep = ascii_equivalent(ch)
        if rep is not None:
            for ctx in ("a{}b", "aB{}Cd", "{}x", "x'{}'y", "it{}s"):
                assert basic_normalise(ctx.format(ch)) == basic_normalise(ctx.format(rep)), (ch, ctx)
    assert ascii_equivalent("é") is None and ascii_equivalent("中") is None


def test_regex_translation_is_conservative():
    assert C._re2_superset(r"(?<![\w'])foo\b(?!\s+bar)") == "foo"
    assert C._re2_superset(r"a\w+b") == "a[^ '?]+b"
    assert C._re2_superset(r"(a)\1") is None  # back-reference: no prefilter
    assert C._re2_superset(r"[\w]+") is None


def test_parallel_split_gives_same_results(tax, monkeypatch):
    texts = [f"{t} order {i}" for i, t in enumerate(EXTRA * 20)]
    df = _frame(texts)
    one = C.classify_complaints(df, tax)
    monkeypatch.setattr(C, "_PARALLEL_MIN", 10)
    two = C.classify_complaints(df, tax)
    pd.testing.assert_frame_equal(one, two)
