"""The fast classification path (Arrow normalisation, RE2 prefilters, numpy
decision) must give exactly what the straightforward per-text path gives.

Timing is left to ``benchmarks/bench_classify.py`` (no timed tests here).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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
    "I dropped it in water, my fault", "ordered by mistake", "👍👍 nice", "बहुत अच्छा product", "₹999 worth it", "Not good… stopped working", "Not bad。Fake product though", "不好。坏了", "No. It is fake",
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
    for col in (schema.FAMILY, schema.EVIDENCE, schema.SAFETY):
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
    # and so are the small families without the shared gate: their word lists in one
    # pass and their patterns regrouped across families, fewer passes over every text
    # than the families' own (which then run on the texts through the gate only)
    comp = tax._compiled
    assert comp.gate is not None and len(comp.gated) > 1
    gated = {comp.families[i] for i in comp.gated}
    assert {"authenticity", "missing_parts", "wrong_item", "remorse"} <= gated  # families with patterns too
    assert "product_defect" not in gated and comp.default_family not in gated
    assert len(comp.gate) < sum(len(comp.prefilters[i]) for i in comp.gated)


def test_every_family_with_words_keeps_its_ascii_fast_scan(tax):
    """One pattern with a lookbehind or an anchor costs its whole family the
    ASCII fast scan (the round of test15/test16 lost 6 s in 1M texts to one
    "(?<!nothing )"); the bundled rules must not do that."""
    comp = tax._compiled
    slow = [fam for i, fam in enumerate(comp.families)
            if comp.matchers[i][1] is not None and comp.fast_matchers[i] is not comp.matchers[i][1]
            and comp.ascii_matchers[i] is None]
    assert slow == []


def test_gated_families_score_as_without_the_gate(tax, monkeypatch):
    texts = PREFILTERED + EXTRA + ["I had ordered black but received red one", "the price dropped after delivery",
                                   "earbuds are not extra provided", "seems opened by someone, don't know it's used or not"]
    with_gate = C._score_many(tax._compiled, texts)
    monkeypatch.setattr(tax._compiled, "gate", None)
    monkeypatch.setattr(tax._compiled, "gated", frozenset())
    without = C._score_many(tax._compiled, texts)
    assert np.array_equal(with_gate[0], without[0]) and with_gate[1] == without[1]


def test_ascii_equivalents_are_what_basic_normalise_does():
    from analysis.text import ascii_equivalent, basic_normalise

    for ch in ["’", "\u200b", "\u200d", "😍", "₹", "—", "\u2028", "÷", "é", "É", "中", "٣", "ǅ", "Σ", "。", "\u3000"]:
        rep = ascii_equivalent(ch)
        if rep is not None:
            for ctx in ("a{}b", "aB{}Cd", "{}x", "x'{}'y", "it{}s"):
                assert basic_normalise(ctx.format(ch)) == basic_normalise(ctx.format(rep)), (ch, ctx)
    assert ascii_equivalent("é") is None and ascii_equivalent("中") is None


def test_regex_translation_is_conservative():
    assert C._re2_superset(r"(?<![\w'])foo\b(?!\s+bar)") == "foo"
    assert C._re2_superset(r"a\w+b") == "a[^ '?.]+b"
    assert C._re2_superset(r"(a)\1") is None  # back-reference: no prefilter
    assert C._re2_superset(r"[\w]+") is None


def test_parallel_split_gives_same_results(tax, monkeypatch):
    texts = [f"{t} order {i}" for i, t in enumerate(EXTRA * 20)]
    df = _frame(texts)
    one = C.classify_complaints(df, tax)
    monkeypatch.setattr(C, "_PARALLEL_MIN", 10)
    two = C.classify_complaints(df, tax)
    pd.testing.assert_frame_equal(one, two)


# texts around the exclusions, negations and word-skipping patterns the fast
# path prefilters with RE2 (exclusion and negation tests, pattern passes)
PREFILTERED = [
    "no sound clarity at all", "no sound, stopped working", "not working in my pocket but fine on the table",
    "delivery was worst but the product is good", "worst delivery, no sound from the left side",
    "so many fake earphones in the market, this one is original", "beware of fakes", "fake product",
    "not really that good", "not good", "no bass", "never worked", "it is not a fake", "casino piano no sound",
    "the wire may break easily", "stopped working within 2 weeks", "stopped working within ٣ weeks",
    "battery drains in 10 minutes", "only one side is working", "the mic doesn't work well",
    "left earbud not working after 3 months", "it's   not   good", "not  fake", "no? sound", "good? not good",
]


def test_prefiltered_rules_give_the_reference_results(tax):
    texts = PREFILTERED + [t.upper() + " Order 402-1234567" for t in PREFILTERED] + [f"Nice. {t}" for t in PREFILTERED]
    _assert_same(_frame(texts * 2), tax)


def test_untranslatable_exclusion_scans_every_text():
    # a back-reference has no RE2 twin: no prefilter, and still the reference results
    tax = C.load_taxonomy(overrides={"families": {"other": {"exclude": [r"(good)\s+\1"]}}})
    comp = tax._compiled
    assert comp.exclude_filters[comp.index["other"]] is None
    _assert_same(_frame(["good good product", "good product", "not good good"] * 5), tax)


def test_digits_translate_to_digits_only():
    pattern = C._re2_superset(r"\d+\s*(?:day|days)")
    arr = pa.array(["3 days", "٣ days", "many days", "x days"], pa.large_string())
    assert pc.match_substring_regex(arr, pattern).to_pylist() == [True, True, False, False]


def test_pass_groups_keep_word_skipping_patterns_apart():
    conv = ["a", r"b\s+(?:[^ '?]+\s+){0,4}c", "d", r"(?:e\s+)+f", r"g(?:h)*", "i"]
    groups = C._pass_groups(conv)
    assert groups[0] == [0, 2, 5]  # the plain ones in one pass
    assert sorted(k for g in groups[1:] for k in g) == [1, 3, 4]
    assert all(len(g) <= C._RE2_GROUP for g in groups[1:])


def test_vectorised_ascii_normalisation_is_basic_normalise():
    from analysis.text import basic_normalise

    rng = np.random.default_rng(3)
    alphabet = np.array(list("aAbBzZ09 '`?_.!-\t,xyYqQ;\n\r.. 1."))
    texts = ["", " ", "  a  ", "aBc", "aB", "xY", "abCdEf gHi", "'x", "x'", "a''b", "it's 'ok' but ``meh``", "A\tB\nc",
             # sentence ends: one " . " between words, none at the ends, no end between digits
             ".", ". .", "a.", ".a", "a. b", "a .b", "a..b", "a!!! b", "a;b", "a\r\nb", "2.5", "v2.5.1", "a 2. 5", "1.a",
             "a.'b", "a'.b", "a?.b", "a.?b", "Not good. Stopped working"]
    texts += ["".join(rng.choice(alphabet, rng.integers(0, 16))) for _ in range(5000)]
    arr = pa.array(texts, pa.large_string())
    assert C._arrow_basic_normalise_ascii(arr).to_pylist() == [basic_normalise(t) for t in texts]
    # a slice (its buffers start before it), as the pieces of the parallel path are
    part = arr.slice(7, 300)
    assert C._arrow_basic_normalise_ascii(part).to_pylist() == [basic_normalise(t) for t in texts[7:307]]


def test_gc_pause_nests_and_restores():
    import gc

    was = gc.isenabled()
    try:
        gc.enable()
        with C._GC_PAUSE:
            with C._GC_PAUSE:
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        with C._GC_PAUSE:
            pass
        assert not gc.isenabled()  # left as it was
    finally:
        (gc.enable if was else gc.disable)()


def test_parallel_path_without_a_worker_gives_same_results(tax, monkeypatch):
    texts = [f"{t} order {i}" for i, t in enumerate(EXTRA * 20)]
    df = _frame(texts)
    one = C.classify_complaints(df, tax)
    monkeypatch.setattr(C, "_PARALLEL_MIN", 10)
    monkeypatch.setattr(C._Helper, "_open", lambda self: None)  # the process could not start
    pd.testing.assert_frame_equal(one, C.classify_complaints(df, tax))


def test_worker_started_for_many_rows_of_few_texts_gives_same_results(tax, monkeypatch):
    # enough rows to start the worker, too few distinct texts to use it: closed unused
    df = _frame(EXTRA[:8] * 20)
    one = C.classify_complaints(df, tax)
    monkeypatch.setattr(C, "_PARALLEL_MIN", 100)
    pd.testing.assert_frame_equal(one, C.classify_complaints(df, tax))


def test_rules_that_fail_to_compile_behind_a_large_frame_give_one_error_and_no_thread_traceback(tax, monkeypatch):
    # a large frame compiles the rules in a thread while Arrow joins its texts; an error there
    # must reach the caller as the one-line SettingsError, not as a thread's traceback on stderr
    from analysis.config import freeze
    from analysis.errors import SettingsError

    data = C._thaw(tax.data)
    data["families"]["misuse"]["patterns"] = {"bogus": ["dropped it"]}  # a tier that does not exist
    bad = C.Taxonomy(freeze(data))
    seen = []
    monkeypatch.setattr("threading.excepthook", lambda args: seen.append(args.exc_value))
    monkeypatch.setattr(C, "_PARALLEL_MIN", 10)
    monkeypatch.setattr(C._Helper, "_open", lambda self: None)  # no worker process needed here
    with pytest.raises(SettingsError, match="use strong, any or weak"):
        C.classify_complaints(_frame(EXTRA * 2), bad)
    assert seen == []


def test_factorising_texts_is_pandas_factorize():
    texts = ["b", "a", "b", "", "c", "a", "é 😍", ""]
    chunked = pd.Series(pd.array(pa.chunked_array([texts[:3], texts[3:]], pa.string()), dtype="string"))
    for s in (chunked, pd.Series(texts, dtype="string"), pd.Series(texts, dtype=object),
              pd.Series(["x", None, "x"], dtype="string")):
        codes, arr = C._factorise_texts(s)
        want_codes, want_uniques = pd.factorize(s, sort=False)
        assert codes.tolist() == want_codes.tolist()
        assert arr.type == pa.large_string() and arr.to_pylist() == list(want_uniques)
    codes, arr = C._factorise_texts(pd.Series([], dtype="string"))
    assert len(codes) == 0 and arr.to_pylist() == [""]


def test_title_and_body_join_as_pandas_does():
    title = ["Bad", "", " Broke ", "", None]
    body = ["no sound", "stopped", "", "", "fake"]
    df = pd.DataFrame({schema.TITLE: pd.array(title, dtype="string"), schema.TEXT: pd.array(body, dtype="string")})
    got = C._text_series(df, (schema.TITLE, schema.TEXT))
    assert got.tolist() == ["Bad . no sound", "stopped", "Broke", "", "fake"]
    objects = C._text_series(df.astype(object), (schema.TITLE, schema.TEXT))
    assert objects.tolist() == got.tolist()


def test_exclusion_passes_find_what_one_pass_finds(tax):
    comp = tax._compiled
    texts = pa.array([C.basic_normalise(t) for t in EXTRA + PREFILTERED + ["no sound quality at all", "no bass boost"]],
                     pa.large_string())
    split = 0
    for i, fam in enumerate(comp.families):
        passes = comp.exclude_filters[i]
        if passes is None:
            continue
        split += isinstance(passes, list) and len(passes) > 1
        whole = "|".join(f"(?:{C._re2_superset(p)})" for p in tax.data["families"][fam]["exclude"])
        assert C._may_match(texts, passes).tolist() == pc.match_substring_regex(texts, whole).to_pylist(), fam
    assert split  # the defect family's exclusions take several passes


def test_normalised_ascii_texts_never_compile_a_familys_whole_expression():
    """Those texts take ``ascii_matchers``; the plain and gated expressions (a third of the rules'
    start-up) wait for a text that needs them, and then behave as compiled ones."""
    from analysis.classify import classify_texts, load_taxonomy

    tax = load_taxonomy()
    got = classify_texts(["right earbud no sound after a week", "box was crushed in transit", "good"], taxonomy=tax)
    comp = tax._compiled

    def compiled(rx) -> bool:
        try:
            type(rx).__dict__["finditer"].__get__(rx, type(rx))  # a slot set at the compile
        except AttributeError:
            return False
        return True

    assert got[schema.FAMILY].tolist() == ["product_defect", "shipping_damage", "other"]
    i = comp.index["product_defect"]
    assert not any(compiled(rx) for rx in [m[1] for m in comp.matchers] + comp.fast_matchers if rx is not None)
    # a Chinese text takes the gated expression: compiled then, and matching as one compiled up front
    assert classify_texts(["右耳没有声音"], taxonomy=tax)[schema.FAMILY].tolist() == ["product_defect"]
    assert compiled(comp.fast_matchers[i]) and not compiled(comp.matchers[i][1])
    up_front = re.compile(comp.fast_matchers[i].pattern)
    assert [m.span() for m in comp.fast_matchers[i].finditer("右耳没有声音, 左耳也没有声音")] == [m.span() for m in up_front.finditer("右耳没有声音, 左耳也没有声音")] != []


def _rated_reviews(realdata, n: int) -> pd.DataFrame:
    """Real 1-3 star reviews without codes: texts the text model reads."""
    raw = pd.read_csv(realdata / "reviews" / "amazon_in_earphones_reviews.csv")
    raw = raw[raw["ReviewStar"] <= 3].head(n)
    return pd.DataFrame({schema.RATING: raw["ReviewStar"].astype(float).to_numpy(),
                         schema.TITLE: pd.array(raw["ReviewTitle"].fillna("").to_numpy(), dtype="str"),
                         schema.TEXT: pd.array(raw["text"].fillna("").to_numpy(), dtype="str")})


def test_text_model_reading_shared_with_the_worker_gives_same_results(tax, realdata, monkeypatch):
    df = _rated_reviews(realdata, 1500)
    one = C.classify_complaints(df, tax)
    assert one[schema.EVIDENCE].str.startswith(C.EVIDENCE_MODEL).sum() > 20  # the model changed some families
    reads = []
    real_read = C._Helper.read
    monkeypatch.setattr(C._Helper, "read", lambda self, *a: reads.append(len(a[1])) or real_read(self, *a))
    monkeypatch.setattr(C, "_PARALLEL_MIN", 100)
    monkeypatch.setattr(C, "_SHARED_READ_MIN", 100)
    pd.testing.assert_frame_equal(one, C.classify_complaints(df, tax))
    assert len(reads) == 1 and reads[0] > 100  # the worker read the second half of the texts the model reads


def test_text_model_reading_falls_back_to_this_process_when_the_worker_fails(tax, realdata, monkeypatch):
    df = _rated_reviews(realdata, 600)
    one = C.classify_complaints(df, tax)
    seen = []
    monkeypatch.setattr("threading.excepthook", lambda args: seen.append(args.exc_value))

    def broken(self, *args):
        raise RuntimeError("worker died")

    monkeypatch.setattr(C._Helper, "read", broken)
    monkeypatch.setattr(C, "_PARALLEL_MIN", 100)
    monkeypatch.setattr(C, "_SHARED_READ_MIN", 100)
    pd.testing.assert_frame_equal(one, C.classify_complaints(df, tax))
    assert seen == []
