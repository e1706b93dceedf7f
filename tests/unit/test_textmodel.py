"""Tests for analysis.textmodel and its place in classify: the model's arithmetic
against scikit-learn, the rows it may read, its held-out accuracy."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import schema, textmodel
from analysis.classify import classify_complaints, classify_texts, load_taxonomy
from analysis.errors import SettingsError

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
GENERAL = GOLDEN / "general_products_reviews.csv"
RULES_ONLY = load_taxonomy(overrides={"text_model": {"enabled": False}})

# a small labelled set of our own: enough words shared between classes for the weights to matter
SMALL = [
    ("stopped working after two weeks", 1, "product_defect"),
    ("right side stopped working", 1, "product_defect"),
    ("no sound from the left side after a month", 2, "product_defect"),
    ("does not charge any more", 1, "product_defect"),
    ("left earbud not working after a week", 2, "product_defect"),
    ("sound quality is poor and bass is low", 2, "quality_expectation"),
    ("bass is very low, not worth the price", 3, "quality_expectation"),
    ("uncomfortable in the ears, sound is average", 3, "quality_expectation"),
    ("poor sound quality for the price", 2, "quality_expectation"),
    ("fake product, not original", 1, "authenticity"),
    ("looks like a duplicate, not original", 1, "authenticity"),
    ("good product", 3, "other"),
    ("nice, value for money", 3, "other"),
]


def _small():
    texts, ratings, labels = zip(*SMALL)
    return list(texts), [float(r) for r in ratings], list(labels)


@pytest.mark.parametrize("chars", [textmodel.CHARS, None])
def test_features_and_probabilities_equal_scikit_learn(chars):
    """The shipped arithmetic (no scikit-learn at run time) gives scikit-learn's own
    tf-idf rows and predict_proba, for texts with unseen and repeated words and each
    rating, with letter runs as features and without."""
    pytest.importorskip("sklearn")  # a development dependency
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, ratings, labels = _small()
    model = textmodel.train(texts, ratings, labels, min_df=1, chars=chars)
    assert model.chars == chars and any(t.startswith("#") for t in model.vocabulary) == bool(chars)
    vec = TfidfVectorizer(analyzer=lambda t: textmodel.tokens(t, chars), min_df=1, sublinear_tf=True)
    assert model.stars == (1, 2, 3) and not model.digit_runs
    x = hstack([vec.fit_transform(texts), csr_matrix(np.array([[r == s for s in model.stars] for r in ratings], dtype=float))])
    clf = LogisticRegression(C=10.0, solver="newton-cg", tol=1e-6, max_iter=5000).fit(x.tocsr(), labels)  # (the model's solver)
    new = ["It stopped working, stopped WORKING!", "bass bass bass is low", "Doesn't charge", "zzz unseen words", "",
           "stopped after 2days, order 4041234567"]
    new_r = [1.0, 3.0, 2.0, np.nan, 5.0, 4.0]
    assert np.allclose(model.features(new).toarray(), vec.transform(new).toarray(), atol=1e-12)
    stars = np.array([[r == s for s in model.stars] for r in new_r], dtype=float)
    expected = clf.predict_proba(hstack([vec.transform(new), csr_matrix(stars)]).tocsr())
    assert list(model.classes) == clf.classes_.tolist()
    assert np.allclose(model.predict_proba(new, new_r), expected, atol=1e-12)
    # through JSON: the stored 6 significant digits move a probability by far less than 1e-4
    back = textmodel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert back.chars == chars and back.stars == model.stars and back.digit_runs is False
    assert np.allclose(back.predict_proba(new, new_r), expected, atol=1e-4)
    # a file written before letter runs of words with a digit were dropped reads them as before
    old = model.to_dict()
    del old["digit_runs"]
    assert textmodel.from_dict(old).digit_runs is True


def test_letter_runs_are_scikit_learns_char_wb_ngrams():
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import CountVectorizer

    text = "It stopped WORKING after 2 days, doesn't charge: ok ab"
    w = textmodel.words(text)
    cut = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()
    assert sorted(textmodel.letter_runs(w, (3, 5))) == sorted("#" + g for g in cut(" ".join(w)))
    assert textmodel.letter_runs(["ok"], (3, 5)) == ["# ok", "#ok ", "# ok "]
    # a word with a digit gives none (an order number is new in every text), unless asked
    assert textmodel.letter_runs(["2hrs", "ok", "4041234567"], (3, 5)) == ["# ok", "#ok ", "# ok "]
    assert sorted(textmodel.letter_runs(["2hrs"], (3, 5), digit_runs=True)) == sorted("#" + g for g in cut("2hrs"))


def test_tokens_lower_case_drop_apostrophes_and_pair_neighbours():
    assert textmodel.words("Doesn't WORK, 2 days!") == ["doesnt", "work", "days"]
    assert textmodel.tokens("Not getting switch on") == ["not", "getting", "switch", "on", "not getting", "getting switch",
                                                         "switch on"]


def test_the_words_of_many_texts_read_in_one_pass_are_each_texts_words():
    texts = ["Doesn't WORK, 2 days!", "", "a", "x\x01y zz", "x\x00y zz", "İstanbul ΣΑΣ good", "ok ok", "  ",
             "it\u2019s fine`s", "😀 no sound 😀"]
    flat, per_text = textmodel.words_of(texts)
    each = [textmodel.words(t) for t in texts]
    assert per_text.tolist() == [len(w) for w in each] and flat.tolist() == [x for w in each for x in w]
    assert [len(a) for a in textmodel.words_of([])] == [0, 0]


def test_top_terms_are_the_words_that_weigh_for_the_family():
    model = textmodel.train(*_small(), min_df=1)
    assert model.top_terms("stopped working, sound quality is poor", "product_defect")[0] in {"stopped", "working",
                                                                                            "stopped working"}
    assert "bass" in model.top_terms("bass is low", "quality_expectation")
    # letter runs weigh but are never shown as evidence
    assert not any(t.startswith("#") for t in model.top_terms("stopped working, sound quality is poor", "product_defect", n=50))
    assert model.known_share("stopped working zzz") == pytest.approx(2 / 3)
    assert model.known_share("") == 0



def test_a_family_the_model_never_saw_gets_no_probability_and_the_rest_are_unchanged():
    """The combiner learns from blocks each read by a model trained without it; a family labelled
    only inside one block (one "not received" among 8,700 4-5 star reviews) is unknown to that
    block's model.  ``with_classes`` gives it the full list of families: the new ones get no
    probability (under 1e-12 here), the known ones keep theirs."""
    pytest.importorskip("sklearn")
    model = textmodel.train(*_small(), min_df=1)
    wider = tuple(sorted(set(model.classes) | {"not_received", "aaa_first"}))
    extended = textmodel.with_classes(model, wider)
    assert extended.classes == wider and textmodel.with_classes(model, model.classes) is model
    texts, ratings = ["stopped working", "bass is low, good otherwise", "never arrived"], [1.0, 3.0, 2.0]
    before, after = model.predict_proba(texts, ratings), extended.predict_proba(texts, ratings)
    known = [wider.index(c) for c in model.classes]
    np.testing.assert_allclose(after[:, known], before, rtol=0, atol=1e-12)
    assert after[:, [wider.index("not_received"), wider.index("aaa_first")]].max() < 1e-12
    with pytest.raises(SettingsError, match="not among"):
        textmodel.with_classes(model, model.classes[1:])

def test_a_model_file_that_is_not_one_is_a_one_line_error(tmp_path):
    with pytest.raises(SettingsError, match="no file"):
        textmodel.load_text_model(str(tmp_path / "none.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SettingsError, match="cannot read"):
        textmodel.load_text_model(str(bad))
    data = textmodel.train(*_small(), min_df=1).to_dict()
    data["idf"] = data["idf"][:-1]
    with pytest.raises(SettingsError, match="do not match"):
        textmodel.from_dict(data)
    with pytest.raises(SettingsError, match="not a model file"):
        textmodel.from_dict({"classes": ["a"]})
    with pytest.raises(SettingsError, match="not a model file"):
        textmodel.from_dict({**textmodel.train(*_small(), min_df=1).to_dict(), "chars": [5, 3]})


@pytest.mark.parametrize("over, message", [
    ({"enabled": "yes"}, "enabled"),
    ({"below_confidence": 2}, "below_confidence"),
    ({"rules_weight": 11}, "rules_weight"),
    ({"rules_weight": True}, "rules_weight"),
    ({"min_known": "half"}, "min_known"),
    ({"specific_min": 1.5}, "specific_min"),
    ({"families": ["product_defect", "nonsense"]}, "families"),
    ({"keep": "other"}, "keep"),
    ({"file": 3}, "file"),
])
def test_text_model_settings_are_checked(over, message):
    with pytest.raises(SettingsError, match=f"text_model.{message}"):
        load_taxonomy(overrides={"text_model": over})


# ------------------------------------------------------------ in classify (the shipped model)
UNSEEN_FAILURES = [  # wordings of failures no rule lists (test19/test20's errors, reworded)
    "Not getting switch on",
    "Battery life is only 20 days, after that nothing",
    "It decreased the volume of the right speaker after a month",
]


def test_the_model_reads_failures_the_rules_have_no_words_for():
    rules = classify_texts(UNSEEN_FAILURES, RULES_ONLY, ratings=[1.0] * 3)
    both = classify_texts(UNSEEN_FAILURES, ratings=[1.0] * 3)
    assert rules[schema.FAMILY].tolist() == ["quality_expectation"] * 3  # the rules fall back on the star rating
    assert both[schema.FAMILY].tolist() == ["product_defect"] * 3
    assert both[schema.EVIDENCE].str.startswith("text model: ").all()
    assert (both[schema.FAMILY_CONFIDENCE] > 0.5).all()
    assert "switch on" in both[schema.EVIDENCE].iloc[0]


def test_the_model_leaves_codes_other_languages_specific_families_and_unrated_texts_to_the_rules():
    text = "Not getting switch on"
    df = pd.DataFrame({
        schema.TEXT: [text, text, text, text, text, "Funktioniert nach zwei Wochen nicht mehr", "I dropped it in water and now it is dead, my fault",
                      "Worst return policy, seller not responding", "Sound is ok but bass is low",
                      "It didn't last even for 2 months, it stopped working. I think the product that I received is a duplicate one"],
        schema.REASON: ["", "QUALITY_UNACCEPTABLE", "", "", "", "", "", "", "", ""],
        schema.DISPOSITION: ["", "", "SELLABLE", "", "", "", "", "", "", ""],
        schema.RATING: [1, np.nan, np.nan, 5, np.nan, 1, 1, 1, 2, 1],
    })
    both = classify_complaints(df)
    rules = classify_complaints(df, RULES_ONLY)
    model_read = both[schema.EVIDENCE].str.startswith("text model").tolist()
    # only the first: a reason code, a disposition, no rating, German, a misuse term, a service
    # remark ("other" by a word of its terms list), a GUIDE pattern ("but bass") and "duplicate"
    # (authenticity wins over a failure, GUIDE rule 1) keep the rules; the 5-star row is read by
    # the 4-5 star model (test_textmodel_high.py), and by no model when that one is off
    assert model_read == [True, False, False, True] + [False] * 6
    assert both[schema.FAMILY].iloc[[1, 2, *range(4, 10)]].tolist() == rules[schema.FAMILY].iloc[[1, 2, *range(4, 10)]].tolist()
    no_high = classify_complaints(df, load_taxonomy(overrides={"text_model": {"high_stars": {"enabled": False}}}))
    assert no_high[schema.EVIDENCE].str.startswith("text model").tolist() == [True] + [False] * 9
    assert both[schema.FAMILY].iloc[6:8].tolist() == ["misuse", "other"]
    assert both[schema.FAMILY].iloc[9] == "authenticity"


def test_switching_the_model_off_leaves_the_rules_and_a_threshold_of_zero_reads_nothing():
    off = load_taxonomy(overrides={"text_model": {"enabled": False}})
    none = load_taxonomy(overrides={"text_model": {"below_confidence": 0.0}})
    for tax in (off, none):
        out = classify_texts(UNSEEN_FAILURES, tax, ratings=[1.0] * 3)
        assert out[schema.FAMILY].tolist() == ["quality_expectation"] * 3
    # the fast path and the reference path agree with the model on
    import analysis.classify as C

    df = pd.DataFrame({schema.TEXT: pd.array(UNSEEN_FAILURES * 2, dtype="str"), schema.RATING: [1.0, 2.0, 3.0] * 2})
    tax = load_taxonomy()
    fast = C._classify_frame(df, tax, (schema.TITLE, schema.TEXT), C._classify_arrays)
    slow = C._classify_frame(df, tax, (schema.TITLE, schema.TEXT), C._classify_arrays_simple)
    pd.testing.assert_frame_equal(fast, slow)


# ------------------------------------------------------------ accuracy (real reviews)
_MODEL_FILES = itertools.count()


def _rules_and_model(model, df: pd.DataFrame, truth, tmp_path, rules_file: Path | None = None) -> tuple[float, float]:
    """Accuracy on ``df`` of the rules alone and of the rules with ``model`` (written as a model
    file) and today's ``[text_model]`` settings; the bundled rules unless ``rules_file``."""
    path = tmp_path / f"model_{next(_MODEL_FILES)}.json"  # a new name each time: model files are cached by name
    path.write_text(json.dumps(model.to_dict()), encoding="utf-8")
    truth = np.asarray(truth)
    rules = load_taxonomy(rules_file, overrides={"text_model": {"enabled": False}})
    both = load_taxonomy(rules_file, overrides={"text_model": {**load_taxonomy().data["text_model"], "file": str(path)}})
    return tuple((classify_complaints(df, tax)[schema.FAMILY].to_numpy() == truth).mean() for tax in (rules, both))


def _earphone_reviews(lab: pd.DataFrame, splits, reviews: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The labelled reviews of ``splits`` joined to the review file, and their complaints frame."""
    m = lab[lab["split"].isin(splits)].merge(pd.read_csv(reviews), on="doc_id", validate="one_to_one")
    return m, pd.DataFrame({schema.TITLE: m["ReviewTitle"].fillna("").str.strip(), schema.TEXT: m["text"].fillna("").str.strip(),
                            schema.RATING: m["ReviewStar"].astype(float)})


def test_held_out_accuracy_of_rules_and_model_together(realdata, tmp_path):
    """The honest number.  test19 and test20 (495 reviews) were labelled after the
    last round of rules and never studied; the model is trained here on the other
    4,440 labelled reviews.  Rules alone: 0.804 (0.806 since the rounds of general
    products, 0.808 since the round of 4-5 star wordings: each fixed one); with the
    model: 0.861, then 0.863, then 0.869 with letter runs and the rules' confidence
    weighed against the model, now 0.867 with the model fitted to its optimum (measured).
    Guards about 0.02 below; the gain must be real, not one review's worth."""
    pytest.importorskip("sklearn")
    labels, reviews = GOLDEN / "labelled_reviews.csv", realdata / "reviews" / "amazon_in_earphones_reviews.csv"
    lab = pd.read_csv(labels)
    held = ["test19", "test20"]
    model = textmodel.train(*textmodel.labelled_reviews(labels, reviews, [s for s in lab["split"].unique() if s not in held]))
    m, df = _earphone_reviews(lab, held, reviews)
    rules, both = _rules_and_model(model, df, m["label"], tmp_path)
    print(f"held out (test19+test20, {len(m)}): rules {rules:.3f}, rules + model {both:.3f}")
    assert rules == pytest.approx(0.808, abs=0.001)
    assert both >= 0.84 and both - rules >= 0.04


def test_the_model_changes_few_of_the_rules_constructed_wordings():
    """The wording tables of test_taxonomy_wording.py pin the rules.  The models read 19
    of their 318 sentences otherwise (18 of 308 before a table of ten came back: its key was given twice, and
    the second table had replaced it unseen; the models read its 3-star "Good earphones at cheap price | totally
    worth the money" as quality where the GUIDE says other; 17 before the 4-5 star model learned hs24-hs29, which reads
    "Not fake at all, original product. Good sound" at 4 stars as quality; 16 before it learned hs12-hs17, which read
    "Sound stops when a call comes, nice feature" as quality; 15 before the model was fitted to
    its optimum, which reads the Hinglish "Do mahine me kaam nahi kar raha" as quality; 11 before the learned combiner, which also reads where
    a pattern of the rules decided and may choose a specific family where it is sure: "Looks
    better than the photos, happy with it" -> not_as_described) (e.g. 3-star "Good but not best": other by the GUIDE,
    quality_expectation by the model), where real held-out reviews gain 6 points: a gate
    that let the model read more than it should would show here first."""
    from test_taxonomy_wording import WORDING

    cases = [c for cs in WORDING.values() for c in cs]
    df = pd.DataFrame({schema.TEXT: [c[0] for c in cases], schema.RATING: [np.nan if c[1] is None else c[1] for c in cases]})
    expected = np.array([c[2] for c in cases])
    assert (classify_complaints(df, RULES_ONLY)[schema.FAMILY].to_numpy() != expected).sum() == 0
    assert len(cases) == 318 and (classify_complaints(df)[schema.FAMILY].to_numpy() != expected).sum() <= 19


def test_labels_of_several_files_are_read_one_after_the_other(realdata, tmp_path):
    """The 1-3 star and 4-5 star labels train together when asked (``--labels`` takes several
    files; their split names differ); a review labelled in two files is an error."""
    reviews = realdata / "reviews" / "amazon_in_earphones_reviews.csv"
    low, high = GOLDEN / "labelled_reviews.csv", GOLDEN / "labelled_high_star_reviews.csv"
    texts, ratings, labels = textmodel.labelled_reviews([low, high], reviews)
    assert len(texts) == 4935 + 8700 and sorted(set(ratings)) == [1, 2, 3, 4, 5]
    assert textmodel.labelled_reviews([low, high], reviews, splits=["hs2"])[2] == pd.read_csv(high).query("split == 'hs2'")["label"].tolist()
    twice = tmp_path / "twice.csv"
    pd.read_csv(low).head(3).to_csv(twice, index=False)
    with pytest.raises(SettingsError, match="labelled twice"):
        textmodel.read_labels([low, twice])


def test_the_shipped_model_is_the_one_the_labelled_reviews_train(realdata):
    """analysis/rules/text_model_en.json is `python -m analysis.textmodel` on the
    labelled reviews (the earphones' and our other products'): retraining gives the same
    decisions and probabilities."""
    pytest.importorskip("sklearn")
    texts, ratings, y = textmodel.training_set(GOLDEN / "labelled_reviews.csv", realdata / "reviews" / "amazon_in_earphones_reviews.csv", GENERAL)
    fresh = textmodel.train(texts, ratings, y)
    shipped = textmodel.load_text_model()
    assert shipped.classes == fresh.classes and shipped.vocabulary == fresh.vocabulary
    assert shipped.stars == (1, 2, 3) and not shipped.digit_runs
    assert shipped.about["texts"] == len(texts) == 4935 + 720
    p_fresh, p_shipped = fresh.predict_proba(texts, ratings), shipped.predict_proba(texts, ratings)
    assert np.abs(p_fresh - p_shipped).max() < 1e-3
    assert (p_fresh.argmax(axis=1) == p_shipped.argmax(axis=1)).all()


# ------------------------------------------------------------ accuracy (other products)
def _general(sets):
    d = pd.read_csv(GENERAL, keep_default_na=False)
    d = d[d["set"].isin(sets)]
    return d, pd.DataFrame({schema.TITLE: d["title"], schema.TEXT: d["text"], schema.RATING: d["rating"].astype(float)})


def test_the_labelled_reviews_of_other_products_are_well_formed():
    d = pd.read_csv(GENERAL, keep_default_na=False)
    assert len(d) == 720 and d["doc_id"].is_unique and d.groupby("set").size().to_dict() == {"A": 240, "B": 240, "C": 240}
    assert set(d["label"]) == set(load_taxonomy().families) - {"warehouse_damage"}  # buyers cannot tell FC damage
    assert set(d["rating"]) == {1, 2, 3} and (d["text"].str.len() > 0).all()


def test_held_out_accuracy_on_products_other_than_earphones(realdata, tmp_path):
    """Set C (240 reviews of kettles, phones, bags, dash cams, vitamins ..., written and labelled
    blind by its own annotator) was scored once after the rounds of rules that studied sets A
    and B: rules 0.700 (0.625 before those rounds); with the model trained on the labelled
    earphone reviews and sets A and B, 0.800 (0.775 trained on earphone reviews alone; 0.800
    also with letter runs and the rules' confidence weighed).  Rules
    written from one product's words reach about 0.70 on others; the model carries the rest."""
    pytest.importorskip("sklearn")
    labels, reviews = GOLDEN / "labelled_reviews.csv", realdata / "reviews" / "amazon_in_earphones_reviews.csv"
    model = textmodel.train(*textmodel.training_set(labels, reviews, GENERAL, sets=["A", "B"]))
    d, df = _general(["C"])
    rules, both = _rules_and_model(model, df, d["label"], tmp_path)
    print(f"held out (set C, {len(d)}): rules {rules:.3f}, rules + model {both:.3f}")
    assert rules == pytest.approx(0.700, abs=0.005)
    assert both >= 0.78 and both - rules >= 0.06


# ------------------------------------------------------------ accuracy (rules of their time)
FROZEN = GOLDEN / "frozen_rules"

# rules + model on test14, test15+16, test17+18 (measured; the model of words and pairs read
# only below the rules' confidence 0.5, the setting before letter runs and the weighed rules:
# 0.892, 0.844, 0.870; pooled over the 1,745 reviews with test19/test20 and a model trained
# without each block, 0.867 then, 0.880 now, the rules alone 0.826)
# (fitted to the optimum by newton-cg, 2026-11-25: 0.896, 0.862, 0.892)
MEASURED_FROZEN = [0.896, 0.862, 0.892]


@pytest.mark.slow
def test_held_out_accuracy_with_the_rules_as_they_stood_before_each_split(realdata, tmp_path):
    """test14-test18 (1,250 reviews) were each labelled blind and scored once with the rules
    of that time before a round of rules studied them (tests/golden/frozen_rules): with those
    rules they are unseen by the rules as test19/test20 are by today's.  The model is trained
    without any of them.  Guards about 0.02 below the measured scores (printed), and a gain
    of at least 3 points on each block."""
    pytest.importorskip("sklearn")
    labels, reviews = GOLDEN / "labelled_reviews.csv", realdata / "reviews" / "amazon_in_earphones_reviews.csv"
    lab = pd.read_csv(labels)
    blocks = {"rules_before_test14.toml": ["test14"], "rules_before_test15_16.toml": ["test15", "test16"],
              "rules_before_test17_18.toml": ["test17", "test18"]}
    unseen = [s for ss in blocks.values() for s in ss]
    model = textmodel.train(*textmodel.training_set(labels, reviews, GENERAL,
                                                    splits=[s for s in lab["split"].unique() if s not in unseen]))
    got = {}
    for name, splits in blocks.items():
        m, df = _earphone_reviews(lab, splits, reviews)
        got[name] = _rules_and_model(model, df, m["label"], tmp_path, FROZEN / name)
        print(f"{'+'.join(splits)} ({len(m)}) with {name}: rules {got[name][0]:.3f}, rules + model {got[name][1]:.3f}")
    assert [round(r, 3) for r, _ in got.values()] == [0.836, 0.806, 0.860]
    for (rules, both), measured in zip(got.values(), MEASURED_FROZEN):
        assert both >= measured - 0.02 and both - rules >= 0.03


# ------------------------------------------------------------ the combiner
def test_the_combiner_is_scikit_learns_decision_function_and_survives_its_file(tmp_path):
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression

    model = textmodel.train(*_small(), chars=None)
    texts, ratings, labels = _small()
    proba = model.predict_proba(texts, ratings)
    own = np.array([model.classes.index(lab) if i % 3 else -1 for i, lab in enumerate(labels)])  # some rules' families unknown
    conf = np.linspace(0.2, 0.9, len(texts))
    fitted = textmodel.fit_combiner(model, proba, own, conf, labels, C=1.0)
    # by hand: log p clipped at 1e-6, then the rules' family as an indicator x confidence
    x = np.hstack([np.log(np.clip(proba, 1e-6, 1)), np.zeros_like(proba)])
    for i, k in enumerate(own):
        if k >= 0:
            x[i, len(model.classes) + k] = conf[i]
    clf = LogisticRegression(C=1.0, solver="newton-cg", tol=1e-8, max_iter=5000).fit(x, labels)  # (the combiner's solver)
    assert list(clf.classes_) == list(model.classes)
    np.testing.assert_allclose(fitted.combine(proba, own, conf), clf.decision_function(x), atol=1e-9)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(fitted.to_dict()), encoding="utf-8")
    again = textmodel.load_text_model(str(path))
    np.testing.assert_allclose(again.combine(proba, own, conf), fitted.combine(proba, own, conf), atol=1e-4)
    assert again.combine_about["texts"] == len(texts)
    bad = fitted.to_dict()
    bad["combine"]["coef"] = bad["combine"]["coef"][:-1]
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(SettingsError, match="do not match"):
        textmodel.load_text_model(str(tmp_path / "bad.json"))
    with pytest.raises(ValueError, match="no combiner"):
        model.combine(proba, own, conf)


# measured 2026-11-24, each block read by a model trained without it and a combiner learned
# without it: per block 0.900, 0.892, 0.900, 0.883; pooled 0.893 (0.887 with specific_min = 1:
# only `families`), against 0.880 for the rules' confidence weighed by hand (rules_weight 1.0)
# and 0.826 for the rules alone; set C 0.821 (0.792 with specific_min = 1, 0.800 by hand).
# Without letter runs of words with a digit (later that day): per block 0.900, 0.890, 0.900,
# 0.881, pooled 0.892 (hand-set weighing 0.880); set C 0.817.  The models fitted to their optimum
# by newton-cg (2026-11-25; lbfgs had stopped short): 0.900, 0.888, 0.898, 0.881, pooled 0.891
# (hand-set weighing 0.880); set C 0.817.
MEASURED_COMBINER = 0.891


@pytest.mark.slow
@pytest.mark.timeout(900)  # five models trained (about 2.5 minutes alone, more beside the other worker)
def test_the_learned_combiner_on_reviews_unseen_by_rules_model_and_combiner(realdata, tmp_path):
    """The combiner is learned from the 1,745 reviews unseen by the rules of their time
    (test14-test20, ``textmodel.COMBINER_BLOCKS``), each read by a model trained without it.
    Here each block is scored with its model and a combiner learned from the other three:
    unseen by all three.  It must beat the hand-set weighing of the rules' confidence on the
    pooled reviews; the shipped combiner is the one learned from all four blocks; and on set C
    (other products, unseen) it scores at least what the hand-set weighing did (0.800)."""
    pytest.importorskip("sklearn")
    labels, reviews = GOLDEN / "labelled_reviews.csv", realdata / "reviews" / "amazon_in_earphones_reviews.csv"
    cs = textmodel.combiner_set(labels, reviews, GENERAL, FROZEN)
    lab = pd.read_csv(labels)
    got, before, n = 0.0, 0.0, 0  # right answers of each way, reviews
    for rules, splits in textmodel.COMBINER_BLOCKS:
        name = "+".join(splits)
        rest = cs.block != name
        combined = textmodel.fit_combiner(cs.models[name], cs.proba[rest], cs.own[rest], cs.conf[rest], cs.labels[rest])
        m, df = _earphone_reviews(lab, list(splits), reviews)
        rules_file = None if rules is None else FROZEN / rules
        both = _rules_and_model(combined, df, m["label"], tmp_path, rules_file)[1]
        hand = _rules_and_model(cs.models[name], df, m["label"], tmp_path, rules_file)[1]
        print(f"{name} ({len(m)}): hand-set weighing {hand:.3f}, combiner {both:.3f}")
        got, before, n = got + both * len(m), before + hand * len(m), n + len(m)
    pooled, pooled_before = got / n, before / n
    print(f"pooled ({n}): hand-set weighing {pooled_before:.3f}, combiner {pooled:.3f}")
    assert n == 1745 and pooled == pytest.approx(MEASURED_COMBINER, abs=0.003)
    assert pooled - pooled_before >= 0.008
    # the shipped combiner: learned from all four blocks
    shipped = textmodel.load_text_model()
    everything = textmodel.fit_combiner(shipped, cs.proba, cs.own, cs.conf, cs.labels)
    assert np.abs(everything.combine_coef - shipped.combine_coef).max() < 1e-3
    assert shipped.combine_about["texts"] == len(cs.labels)
    # other products (set C): its model trained without it, the combiner of the earphone blocks
    model_c = textmodel.train(*textmodel.training_set(labels, reviews, GENERAL, sets=["A", "B"]))
    model_c = textmodel.fit_combiner(model_c, cs.proba, cs.own, cs.conf, cs.labels)
    d, df = _general(["C"])
    rules, both = _rules_and_model(model_c, df, d["label"], tmp_path)
    print(f"set C ({len(d)}): rules {rules:.3f}, rules + model + combiner {both:.3f}")
    assert both >= 0.80


def test_the_combiner_chooses_a_specific_family_only_where_sure_and_never_with_specific_min_1():
    """A listing contradicted in words no rule lists (set C's wording; the rules see no signal):
    the combiner is sure of not_as_described; with specific_min = 1 only ``families`` may win."""
    text = "Different colour from photo. Photo shows navy, the shoes are almost purple in daylight."
    got = classify_texts([text], ratings=[3]).iloc[0]
    assert got["family"] == "not_as_described" and got["evidence"].startswith("text model: ")
    # its confidence is the combiner's probability of that family, by hand from the rules' reading
    rules = classify_texts([text], RULES_ONLY, ratings=[3]).iloc[0]
    model = textmodel.load_text_model()
    score = model.combine(model.predict_proba([text], [3.0]), np.array([model.classes.index(rules["family"])]),
                          np.array([rules["family_confidence"]]))[0]
    p = np.exp(score - score.max()) / np.exp(score - score.max()).sum()
    assert got["family_confidence"] == pytest.approx(p[model.classes.index("not_as_described")], abs=1e-9)
    assert p.max() >= load_taxonomy().data["text_model"]["specific_min"]
    only = load_taxonomy(overrides={"text_model": {**load_taxonomy().data["text_model"], "specific_min": 1.0}})
    assert classify_texts([text], only, ratings=[3])["family"][0] == "other"


@pytest.mark.parametrize("text", ["右耳没有声音 iPhone", "用了100天就坏了", "充电盒坏了 USB-C", "Bluetooth 断开，没有声音", "iPhone 15 でイヤホンが壊れた",
                                  "没有声音 ok", "右耳没有声音 上海市浦东新区世纪大道100号"])
def test_a_chinese_or_japanese_complaint_with_a_latin_word_is_left_to_the_rules(text):
    """"右耳没有声音 iPhone" read as not_as_described (0.96): the English model saw one word, "iphone", all known,
    and none of the Chinese (found by exploratory testing).  Each Chinese or Japanese character counts as a word it
    cannot read, so such a text is the rules' (whose words for a failure decide)."""
    got = classify_texts([text], ratings=[1]).iloc[0]
    assert got["family"] == "product_defect" and got["evidence"].startswith("terms: "), got["evidence"]
    assert textmodel.load_text_model().known_share(text) < 0.5


def test_foreign_words_count_each_cjk_character_and_each_run_of_other_letters():
    assert textmodel.foreign_words(["no sound", "右耳 ok", "très déçu", "イヤホン", ""]).tolist() == [0, 2, 2, 4, 0]


def test_a_bare_number_is_never_a_texts_evidence():
    """"text model: 150" beside a redacted 〒150-0001 (exploratory testing): a number weighs, it is not shown."""
    texts, ratings, labels = _small()
    model = textmodel.train(texts + ["stopped working after 150 days", "right side died at 150 hours"], ratings + [1.0, 1.0],
                            labels + ["product_defect", "product_defect"], min_df=1)
    assert "150" in model.vocabulary and "150" not in model.top_terms("stopped working 150", "product_defect", n=10)
