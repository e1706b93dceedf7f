"""Tests for analysis.keywords (and the tokeniser in analysis.text)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import schema
from analysis.keywords import (
    distinctive_terms,
    family_by_week,
    family_pareto,
    keyword_in_context,
    ngrams,
    term_frequency,
    tokenize,
    top_terms,
)
from analysis.text import detect_language


# ------------------------------------------------------------ tokenising
@pytest.mark.parametrize(
    "text, lang, must_have",
    [
        ("The left side stopped working, no sound!", "en", ["left", "side", "stopped", "working", "no", "sound"]),
        ("耳机不工作，没有声音", "zh", ["耳机", "不", "工作", "没有", "声音"]),
        ("片方の音が出ない", "ja", ["片方", "音", "出", "ない"]),
        ("Der Kopfhörer funktioniert nicht, kein Ton", "de", ["kopfhorer", "funktioniert", "nicht", "kein", "ton"]),
        ("L'écouteur ne marche pas, pas de son", "fr", ["ne", "marche", "pas", "son"]),
        ("El auricular no funciona, sin sonido", "es", ["auricular", "no", "funciona", "sin", "sonido"]),
        ("L'auricolare non funziona, nessun suono", "it", ["non", "funziona", "nessun", "suono"]),
    ],
)
def test_tokenize_each_language(text, lang, must_have):
    assert detect_language(text) == lang
    toks = tokenize(text)
    for t in must_have:
        assert t in toks, (t, toks)
    # stop words gone
    assert "the" not in toks and "der" not in toks and "el" not in toks and "の" not in toks


_CHINESE = ["右耳没有声音，充电盒坏了", "质量太差 bluetooth 经常断连。客服不回复", "Left earbud 没有声音"]


def test_chinese_segmented_ahead_by_the_helper_process_gives_the_same_tokens(monkeypatch):
    from analysis import text

    monkeypatch.setattr(text, "_SEGMENTED", {})
    expected = [tokenize(t) for t in _CHINESE]  # jieba loaded here
    text.prepare_segmenters(_CHINESE + ["no sound"])
    assert set(text._SEGMENTED) >= {"右耳没有声音", "充电盒坏了", "质量太差", "经常断连", "客服不回复", "没有声音"}

    def not_here():
        raise AssertionError("jieba was asked here for a chunk the helper segmented")

    monkeypatch.setattr(text, "_jieba", not_here)
    assert [tokenize(t) for t in _CHINESE] == expected


def test_chinese_is_segmented_here_when_the_helper_cannot_run(monkeypatch):
    from analysis import text

    monkeypatch.setattr(text, "_SEGMENTED", {})
    expected = [tokenize(t) for t in _CHINESE]
    monkeypatch.setattr(text.sys, "executable", "/nonexistent/python")
    text.prepare_segmenters_soon(_CHINESE).join(timeout=60)
    assert text._SEGMENTED == {} and text._PREPARING == []
    assert [tokenize(t) for t in _CHINESE] == expected


def test_negation_bigrams_survive():
    assert "no sound" in ngrams(tokenize("There is no sound at all"), 2)
    assert "not working" in ngrams(tokenize("It is not working"), 2)
    assert "doesn't charge" in ngrams(tokenize("It doesnt charge"), 2)  # variant -> doesn't
    assert "funktioniert nicht" in ngrams(tokenize("Funktioniert nicht"), 2)
    assert "不工作" in ngrams(tokenize("耳机不工作"), 2)
    assert "出ない" in ngrams(tokenize("音が出ない"), 2)


def test_spelling_variants_and_case():
    assert tokenize("BLUTOOTH Ear Phone") == ["bluetooth", "earphone"]
    assert tokenize("Colour") == ["color"]
    assert ngrams(["a", "b", "c"], 2) == ["a b", "b c"]
    assert ngrams(["a"], 3) == []


def test_ngrams_stay_within_sentences():
    from analysis.text import tokenize_sentences

    assert tokenize_sentences("Battery drains fast. Case cracked!! no sound") == [["battery", "drains", "fast"], ["case", "cracked"], ["no", "sound"]]
    assert tokenize_sentences("电池不耐用。耳机坏了") == [["电池", "不", "耐用"], ["耳机", "坏"]]
    assert tokenize_sentences("...") == [] and tokenize_sentences(None) == []
    # version numbers are no sentence end
    assert tokenize_sentences("v2.5 firmware") == [["v2", "firmware"]]  # one sentence; the digit is a stop word
    df = pd.DataFrame({schema.TEXT: ["Battery drains fast. Case cracked", "drains fast; case fine"]})
    terms = set(term_frequency(df, ngram_range=(2, 2))["term"])
    assert terms == {"battery drains", "drains fast", "case cracked", "case fine"}


def test_ngrams_skip_at_most_one_stop_word():
    from analysis.text import phrase_runs

    assert phrase_runs("Won't hold a charge") == [["won't", "hold", "charge"]]
    assert phrase_runs("Battery drains fast even in the case") == [["battery", "drains", "fast"], ["case"]]
    assert phrase_runs("hurts after 30 minutes") == [["hurts"], ["minutes"]]  # a number counts as a stop word
    assert phrase_runs("right earbud no sound") == [["right", "earbud", "no", "sound"]]  # negations are words
    text = "Battery drains fast even in the case. Won't hold a charge"
    assert [t for run in phrase_runs(text) for t in run] == tokenize(text)
    terms = set(term_frequency(pd.DataFrame({schema.TEXT: [text]}), ngram_range=(2, 2))["term"])
    assert terms == {"battery drains", "drains fast", "won't hold", "hold charge"}


def test_phrases_do_not_run_across_a_comma_or_bracket():
    """Regression: "there is none, I hear everything" gave the phrase "none hear everything"
    and "charging case, battery drains" gave "case battery" in a finding's top terms."""
    from analysis.text import phrase_runs

    assert phrase_runs("There is none, I hear everything") == [["none"], ["hear", "everything"]]
    assert phrase_runs("charging case, battery drains") == [["charging", "case"], ["battery", "drains"]]
    assert phrase_runs("no ANC mode (the title says active)") == [["no", "anc", "mode"], ["title", "says", "active"]]
    assert phrase_runs("电池不行，充电盒坏了") == [["电池", "不行"], ["充电", "盒坏"]]
    assert phrase_runs(None) == [] and phrase_runs("") == []
    text = "Charging case, battery drains fast"
    assert [t for run in phrase_runs(text) for t in run] == tokenize(text)  # the same words, only the runs differ
    terms = set(term_frequency(pd.DataFrame({schema.TEXT: ["There is none, I hear everything"]}), ngram_range=(2, 3))["term"])
    assert terms == {"hear everything"}


# ------------------------------------------------------------ frequencies
def test_term_frequency_counts_and_per_1000():
    df = pd.DataFrame({schema.TEXT: ["no sound", "no sound no sound", "good sound", None],
                       "lot": ["L1", "L1", "L2", "L2"]})
    tf = term_frequency(df, by="lot", ngram_range=(1, 2))
    assert list(tf.columns) == ["group", "term", "n_words", "count", "documents", "documents_in_group", "per_1000"]
    assert isinstance(tf.index, pd.RangeIndex)
    row = tf[(tf["group"] == "L1") & (tf["term"] == "no sound")].iloc[0]
    assert (row["count"], row["documents"], row["documents_in_group"], row["n_words"]) == (3, 2, 2, 2)
    assert row["per_1000"] == 1000.0
    row = tf[(tf["group"] == "L2") & (tf["term"] == "sound")].iloc[0]
    assert (row["documents"], row["documents_in_group"], row["per_1000"]) == (1, 2, 500.0)
    all_ = term_frequency(df)
    assert set(all_["group"]) == {"all"}
    # deterministic: same result twice
    pd.testing.assert_frame_equal(tf, term_frequency(df, by="lot", ngram_range=(1, 2)))


def test_distinctive_terms_against_hand_computation():
    # Tiny table, unigrams only:
    #   group A: "no sound", "no sound"  -> no=2, sound=2, n_A=4
    #   group B: "good sound"            -> good=1, sound=1, n_B=2
    # corpus y: no=2, sound=3, good=1, n=6; prior_scale=1 -> a_i = y_i, a0 = 6
    # term "no" in A vs B:
    #   delta = log((2+2)/(4+6-2-2)) - log((0+2)/(2+6-0-2)) = log(4/6) - log(2/6) = log 2
    #   var   = 1/(2+2) + 1/(0+2) = 0.75 ; z = log 2 / sqrt(0.75) = 0.8003771
    #   p (one-sided, over-use) = 1 - Phi(0.8003771) = 0.2117461
    # term "sound" in A vs B:
    #   delta = log((2+3)/(4+6-2-3)) - log((1+3)/(2+6-1-3)) = log 1 - log 1 = 0
    #   var = 1/5 + 1/4 = 0.45 ; z = 0 ; p = 0.5
    # BH over A's two terms: p_(1)=0.2117461*2/1=0.4234922 (<= 0.5), p_(2)=0.5
    df = pd.DataFrame({schema.TEXT: ["no sound", "no sound", "good sound"], "g": ["A", "A", "B"]})
    res = distinctive_terms(df, by="g", focus="A", ngram_range=(1, 1), prior_scale=1.0)
    assert list(res.columns) == ["group", "term", "count_focus", "count_reference", "log_odds", "variance", "z",
                                 "p_value", "p_adjusted", "focus_documents"]
    res = res.set_index("term")
    assert list(res.index) == ["no", "sound"]
    assert_allclose(res.loc["no", ["log_odds", "variance", "z", "p_value", "p_adjusted"]].astype(float),
                    [math.log(2), 0.75, math.log(2) / math.sqrt(0.75), 0.2117461, 0.4234922], rtol=1e-6)
    assert_allclose(res.loc["sound", ["log_odds", "variance", "z", "p_value", "p_adjusted"]].astype(float),
                    [0.0, 0.45, 0.0, 0.5, 0.5], atol=1e-12)
    assert (res.loc["no", "count_focus"], res.loc["no", "count_reference"], res.loc["no", "focus_documents"]) == (2, 0, 2)
    # two-sided doubles the p-value
    two = distinctive_terms(df, by="g", focus="A", ngram_range=(1, 1), prior_scale=1.0, alternative="two-sided")
    assert_allclose(two.set_index("term").loc["no", "p_value"], 2 * 0.2117461, rtol=1e-6)
    # many groups at once: each vs the rest
    every = distinctive_terms(df, by="g", ngram_range=(1, 1), prior_scale=1.0)
    assert set(every["group"]) == {"A", "B"}
    assert_allclose(every[(every.group == "A") & (every.term == "no")]["z"].iloc[0], math.log(2) / math.sqrt(0.75))


def test_top_terms_finds_over_used_terms():
    focus = pd.DataFrame({schema.TEXT: ["right side stopped working"] * 6 + ["no pouch in the box"] * 3})
    ref = pd.DataFrame({schema.TEXT: ["great bass and battery", "good sound quality", "nice fit", "battery ok"] * 5})
    got = top_terms(focus, ref, n=3)
    assert len(got) == 3
    assert any("stopped" in t or "right side" in t for t in got)
    assert top_terms(focus.iloc[:0], ref) == []
    # min_significant: the same words in both sides say nothing
    like = pd.DataFrame({schema.TEXT: ["box crushed"] * 11 + ["package torn open"] * 9})
    same = pd.DataFrame({schema.TEXT: ["box crushed", "package torn open"] * 10})
    assert top_terms(like, same, n=3) != [] and top_terms(like, same, n=3, min_significant=1) == []
    assert top_terms(focus, ref, n=3, min_significant=1) == got
    assert top_terms(focus, ref.iloc[:0], n=3, min_significant=1) == []


def test_top_terms_significance_flags_each_term_by_its_adjusted_p():
    from analysis.keywords import top_terms_significance
    focus = pd.DataFrame({schema.TEXT: ["right side stopped working"] * 6 + ["no pouch in the box"] * 3 + ["cable short"] * 2})
    ref = pd.DataFrame({schema.TEXT: ["great bass and battery", "good sound quality", "nice fit", "battery ok", "cable ok"] * 5})
    terms, flags = top_terms_significance(focus, ref, n=6)
    assert terms == top_terms(focus, ref, n=6) and len(flags) == len(terms)
    ranked = distinctive_terms(pd.concat([focus.assign(g="f"), ref.assign(g="r")]), by="g", focus="f", prior_scale=0.1).set_index("term")
    for term, sig in zip(terms, flags):  # a tested term: its own BH-adjusted p; a joined phrase: one of its parts'
        parts = [" ".join(term.split()[i:j]) for i in range(len(term.split())) for j in range(i + 1, len(term.split()) + 1)]
        expect = ranked.loc[term, "p_adjusted"] < 0.05 if term in ranked.index else any(
            p in ranked.index and ranked.loc[p, "p_adjusted"] < 0.05 for p in parts)
        assert sig == expect, term
    assert True in flags and False in flags  # "cable short" (2 complaints) is over-used, not significantly
    assert flags[:flags.index(False)] == [True] * flags.index(False)
    # nothing tested (no reference): no flags
    assert top_terms_significance(focus, ref.iloc[:0], n=3)[1] is None
    assert top_terms_significance(focus.iloc[:0], ref) == ([], None)


def test_top_terms_never_shows_a_negation_alone():
    focus = pd.DataFrame({schema.TEXT: ["won't hold a charge", "battery won't charge", "won't turn on", "case won't close"] * 3})
    ref = pd.DataFrame({schema.TEXT: ["great bass", "good sound quality", "nice fit", "battery ok"] * 5})
    assert "won't" in distinctive_terms(pd.concat([focus.assign(g="f"), ref.assign(g="r")]), by="g", focus="f")["term"].head(3).tolist()
    got = top_terms(focus, ref, n=5)
    assert got and "won't" not in got and any("won't" in t for t in got)


def test_top_terms_skip_words_that_alone_name_no_symptom():
    # the sample's findings once said "buyers say: ..., week" and "..., none": over-used, but no symptom
    focus = pd.DataFrame({schema.TEXT: ["stopped after a week", "died within a week", "no sound after one week",
                                        "noise cancelling: none", "ANC: none at all", "keeps cutting out"] * 3})
    ref = pd.DataFrame({schema.TEXT: ["great bass", "good sound quality", "nice fit", "battery ok"] * 5})
    ranked = distinctive_terms(pd.concat([focus.assign(g="f"), ref.assign(g="r")]), by="g", focus="f")
    assert {"week", "none"} <= set(ranked[ranked["z"] > 0]["term"])  # the words are over-used ...
    got = top_terms(focus, ref, n=8)
    assert got and not {"week", "none", "one", "keeps", "one week"} & set(got)  # ... but never shown alone
    assert any("week" in t for t in got) or any("stopped" in t for t in got)  # phrases with them stay
    assert any("cutting" in t for t in got)
    # a negation with one of them is a symptom: "never came", "not received"
    focus = pd.DataFrame({schema.TEXT: ["never came", "it never came", "parcel never came", "not received yet",
                                        "order not received", "still not received"] * 2})
    got = top_terms(focus, ref, n=4)
    assert "never came" in got and "not received" in got
    # the list is every language's: time spans and counts in German, Chinese, Japanese
    from analysis.text import vague_words
    assert {"week", "wochen", "semaine", "dias", "一周", "週間", "none"} <= vague_words()


def test_top_terms_leave_out_the_words_of_the_products_own_name():
    # the real reviews' findings once read "buyers say: boat, battery, one side" and "skullcandy, skull, one star":
    # buyers name the product they complain about, so its name is over-used in its complaints and no symptom
    from analysis.keywords import is_name_term, name_words

    words = name_words("boAt Rockerz 255")
    assert {"boat", "rockerz"} <= words
    assert is_name_term("boat", words) and is_name_term("boat rockerz", words) and not is_name_term("boat battery", words)
    assert is_name_term("skull", name_words("Skullcandy S2PGHW-174")) and is_name_term("jbl t110bt", name_words("JBL T110BT"))
    assert is_name_term("skull candy", name_words("Skullcandy S2PGHW-174"))  # the app once read "buyers say: ..., skull candy"
    assert not is_name_term("candy", name_words("Skullcandy S2PGHW-174"))
    assert not is_name_term("sk", name_words("Skullcandy")) and not is_name_term("one side", words)
    assert not is_name_term("boat", frozenset()) and name_words(None) == frozenset() and name_words(float("nan")) == frozenset()
    # a listing title is its claims: a finding on it keeps "noise cancelling"
    assert name_words("Soundcore P20i True Wireless Earbuds with Active Noise Cancelling, Big Bass") == frozenset()
    focus = pd.DataFrame({schema.TEXT: ["boAt earphones one side stopped", "boat left side dead, boat is bad", "Boat battery died",
                                        "the boat rockerz battery won't charge"] * 3})
    ref = pd.DataFrame({schema.TEXT: ["great bass", "jbl sound quality poor", "nice fit", "battery ok"] * 5})
    assert "boat" in top_terms(focus, ref, n=3)
    got = top_terms(focus, ref, n=3, exclude_words=words)
    assert got and not any(is_name_term(t, words) for t in got) and any("battery" in t or "side" in t for t in got)
    # with no other reference either
    assert "boat" not in top_terms(focus, ref.iloc[:0], n=3, exclude_words=words)


def test_keyword_in_context_is_plain_text():
    df = pd.DataFrame({
        schema.ORDER_ID: ["111-1", "111-2", "111-3"],
        schema.LOT: ["L1", "L2", "L3"],
        schema.TEXT: ["<b>No sound</b> &amp; <script>alert(1)</script> from left", "great", "blutooth issue"],
    })
    kic = keyword_in_context(df, "no sound", width=10)
    assert list(kic.columns) == ["row", "column", schema.ORDER_ID, schema.LOT, "left", "match", "right"]
    assert len(kic) == 1
    r = kic.iloc[0]
    assert r["left"] == "<b>" and r["match"] == "No sound" and r["right"] == "</b> &amp;"
    # nothing escaped, unescaped or stripped: the pieces put back give the original
    assert r["left"] + r["match"] + r["right"] in df[schema.TEXT].iloc[0]
    assert r[schema.ORDER_ID] == "111-1"
    # the normalised spelling finds the raw variant
    kb = keyword_in_context(df, "bluetooth")
    assert kb["match"].tolist() == ["blutooth"] and kb["row"].tolist() == [2]
    assert len(keyword_in_context(df, "nothing like this")) == 0


# ------------------------------------------------------------ families
def test_family_pareto_and_by_week():
    df = pd.DataFrame({
        schema.FAMILY: ["product_defect", "product_defect", "authenticity", "other", "product_defect"],
        schema.DATE: pd.to_datetime(["2024-03-04", "2024-03-06", "2024-03-10", "2024-03-11", None]),
        "fc": ["PHX7", "PHX7", "LGB8", "LGB8", "LGB8"],
    })
    p = family_pareto(df)
    assert list(p.columns) == ["group", "family", "count", "share", "cumulative_share"]
    assert p["family"].tolist() == ["product_defect", "authenticity", "other"]
    assert_allclose(p["cumulative_share"], [0.6, 0.8, 1.0])
    pg = family_pareto(df, by="fc")
    assert pg[pg.group == "LGB8"]["family"].tolist() == ["product_defect", "authenticity", "other"]
    w = family_by_week(df)
    assert list(w.columns) == ["week", "family", "count"]
    assert w["week"].min() == pd.Timestamp("2024-03-04")
    assert w.groupby("week")["count"].sum().tolist() == [3, 1]
    assert w[(w.week == pd.Timestamp("2024-03-04")) & (w.family == "product_defect")]["count"].iloc[0] == 2
    assert np.all(w["count"] >= 0)


_REF = pd.DataFrame({schema.TEXT: ["great bass and battery", "good sound quality", "nice fit", "battery ok",
                                   "stopped working after a month", "no sound at all"] * 5})


def test_top_terms_joins_a_phrase_that_runs_on_and_shows_no_word_left_over():
    # "battery drains" and "drains fast" are one phrase in the same words: shown once, whole;
    # before, "drains fast" was dropped for sharing "drains" and "fast" was shown alone
    focus = pd.DataFrame({schema.TEXT: ["battery drains fast"] * 4 + ["Battery drains fast even in the case"] * 2
                          + ["won't hold a charge"] * 4})
    got = top_terms(focus, _REF, n=6)
    assert got[:2] == ["battery drains fast", "won't hold charge"]
    assert not {"fast", "drains fast", "drains", "hold", "charge"} & set(got)


def test_top_terms_keeps_terms_that_share_a_word_but_not_the_place():
    # "right side" shares "right" with "right earbud" but is said in other complaints: both are shown
    focus = pd.DataFrame({schema.TEXT: ["right earbud died"] * 4 + ["Right side stopped working after a week"] * 3
                          + ["right earbud crackles"] * 2})
    got = top_terms(focus, _REF, n=6)
    assert any(t.startswith("right earbud") for t in got) and any(t.startswith("right side") for t in got)
    assert "right" not in got and "side" not in got
    # a phrase that always comes with two shown terms joins them ("earbud no" between "right earbud" and "no sound")
    focus = pd.DataFrame({schema.TEXT: ["right earbud no sound"] * 5 + ["the case is cracked"] * 3})
    got = top_terms(focus, _REF, n=6)
    assert "right earbud no sound" in got and "earbud no" not in got


def test_top_terms_leaves_out_a_join_that_would_hide_most_of_a_term():
    # "right earbud" is said in 5 complaints, "right earbud loose" in 3 of them: joining would hide
    # the other 2, so "earbud loose" is left out, and "loose" with it; "earbud no" bridges two terms
    focus = pd.DataFrame({schema.TEXT: ["no sound from it"] * 4 + ["right earbud no sound"] * 2
                          + ["right earbud is loose"] * 3})
    got = top_terms(focus, _REF, n=6)
    assert got == ["right earbud", "no sound"]


def test_drop_contained_leaves_out_a_term_a_longer_one_holds_nearly_always():
    """The sample's product defects, as the finding's chart drew them: "working" and "stopped working" (44 and 44),
    "bud" and "right bud" (46 and 46), "earbud no" inside "earbud no sound"; "right" (189) is mostly said without "earbud" (107)."""
    from analysis.keywords import drop_contained

    terms = pd.DataFrame({"term": ["right", "no sound", "right earbud", "earbud no", "earbud no sound", "stopped", "stopped working",
                                   "working", "bud", "right bud"],
                          "count_focus": [189, 136, 107, 52, 50, 69, 44, 44, 46, 46], "z": [13.2, 11.1, 9.8, 6.8, 6.7, 7.9, 6.3, 6.3, 6.4, 6.4]})
    kept = drop_contained(terms)
    # 50 >= 0.9 * 52 drops "earbud no"; 44 < 0.9 * 69 keeps "stopped"; 50 < 0.9 * 136 keeps "no sound"
    assert kept["term"].tolist() == ["right", "no sound", "right earbud", "earbud no sound", "stopped", "stopped working", "right bud"]
    assert drop_contained(terms, share=1.01)["term"].tolist() == terms["term"].tolist()
    assert drop_contained(terms.head(0)).empty
