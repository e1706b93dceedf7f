"""Tests for analysis.classify: family rules, languages, negation, codes, accuracy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.classify import (
    Taxonomy,
    changed_complaints,
    classify_complaints,
    classify_texts,
    compare_taxonomies,
    explain,
    load_taxonomy,
    taxonomy_to_toml,
)
from analysis.errors import SettingsError

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
#: the rules alone: most tests here pin the rules (the GUIDE's decisions as lists and
#: patterns); the text model that reads where they are unsure is tested in test_textmodel.py
RULES_ONLY = {"text_model": {"enabled": False}}


def rules_only(over: dict | None = None) -> Taxonomy:
    return load_taxonomy(overrides={**(over or {}), **RULES_ONLY})


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return rules_only()


def fam(text: str, tax: Taxonomy, **kw) -> str:
    return classify_texts([text], tax, **kw)[schema.FAMILY].iloc[0]


# ------------------------------------------------------------ text families
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Right side stopped working after 2 months", "product_defect"),
        ("No sound from the left earbud", "product_defect"),
        ("It doesn't charge anymore", "product_defect"),
        ("won't turn on out of the box", "product_defect"),
        ("Sound quality is poor and bass is very low", "quality_expectation"),
        ("Uncomfortable, my ears start paining after 20 minutes", "quality_expectation"),
        ("Not worth the money, battery backup is only 4 hours", "quality_expectation"),
        ("Fake product, not original JBL", "authenticity"),
        ("Seal was opened, looks like a used product", "authenticity"),
        ("Received without pouch, charging cable missing", "missing_parts"),
        ("Wrong product was delivered, I ordered the black model", "wrong_item"),
        ("Never received the item, got an empty box", "not_received"),
        ("I dropped it in water and now it is dead, my fault", "misuse"),
        ("Ordered by mistake, no longer needed", "remorse"),
        ("took too long, bought elsewhere", "remorse"),  # (the CLI audit: "too long" read it as quality)
        ("Not as described, listing says aptX but it is not compatible", "not_as_described"),
        ("Arrived damaged, the box was crushed", "shipping_damage"),
        ("Good", "other"),
    ],
)
def test_each_family_from_text(text, expected, tax):
    assert fam(text, tax) == expected


# GUIDE "Decision rules for the hard boundaries" (labelled_reviews_GUIDE.md)
@pytest.mark.parametrize(
    "text, rating, expected",
    [
        ("Average product", 3, "other"),  # neutral verdict, 3 stars: no complaint content
        ("Just ok", 3, "other"),
        ("Average product", 1, "quality_expectation"),  # 1-2 stars: the rating is the complaint
        ("Average sound, bass is low", 3, "quality_expectation"),  # neutral word + named shortcoming
        ("Bluetooth keeps disconnecting", 2, "product_defect"),  # drops by itself in normal use
        ("Bluetooth keeps disconnecting when the phone is in my pocket", 3, "quality_expectation"),
        ("Voice breaks during calls, other person cannot hear me clearly", 2, "quality_expectation"),
        ("Mic stopped working after a month", 2, "product_defect"),
        ("Battery issue", 3, "quality_expectation"),  # unspecified battery issue = battery life
        ("Battery drains within 10 minutes of full charge", 1, "product_defect"),
        ("Not durable, material feels cheap", 2, "quality_expectation"),  # nothing broken
        ("Wire came out after two months", 2, "product_defect"),  # something broke
        ("Noise cancellation doesn't work at all", 2, "quality_expectation"),
        ("Sound quality is average and one side stopped working", 1, "product_defect"),  # failure wins
        # added with split test3
        ("No bass, no sound clarity", 2, "quality_expectation"),  # "no sound clarity" judges sound
        ("No sound from the earphones", 2, "product_defect"),
        ("If the phone is in my pocket it won't connect properly", 2, "quality_expectation"),  # range
        ("Battery doesn't work for more than 3 hours", 2, "quality_expectation"),  # battery hours
        ("Battery life is terrible, it drops from 20% to 0% within two minutes", 1, "product_defect"),
        ("It gets disconnected when I start playing a video", 2, "product_defect"),  # normal use
        ("A crackling noise is coming from the left earbud", 2, "product_defect"),  # unit noise
        ("Lots of background noise during calls", 2, "quality_expectation"),  # call noise
        ("Amazon delivery service was worst", 1, "other"),  # service-only
        ("Worst return policy, seller not responding", 1, "other"),
        ("I want to replace this product", 1, "other"),  # replacement request naming no problem
        ("It stopped charging, I want a replacement", 1, "product_defect"),  # ... naming a failure
        ("Average. Meeting expectations", 3, "other"),
        ("Mic doesn't work with my OnePlus, checked with other phones it works", 2, "not_as_described"),
        ("Does not seem to be original, stopped working in a day", 1, "authenticity"),  # authenticity first
        ("So many fake earphones in the market, so I bought this; sound is poor", 2, "quality_expectation"),
    ],
)
def test_guide_decision_rules(text, rating, expected, tax):
    assert fam(text, tax, ratings=[rating]) == expected


@pytest.mark.parametrize(
    "text",
    [
        "耳机不工作，没有声音",  # zh
        "片方の音が出ない",  # ja
        "Funktioniert nicht mehr, kein Ton",  # de
        "Ne marche pas, pas de son",  # fr
        "No funciona, sin sonido",  # es
        "Non funziona, nessun suono",  # it
        "Blutooth not wrking, stoped working in a week",  # spelling variants
    ],
)
def test_defect_in_every_language(text, tax):
    assert fam(text, tax) == "product_defect"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("这是假货，不是正品", "authenticity"),
        ("偽物でした", "authenticity"),
        ("Gefälscht, kein Original", "authenticity"),
        ("Contrefaçon, pas original", "authenticity"),
        ("Es falso, no es original", "authenticity"),
        ("Prodotto contraffatto", "authenticity"),
        ("音质差，低音不足", "quality_expectation"),
        ("届いていない", "not_received"),
    ],
)
def test_other_families_multilingual(text, expected, tax):
    assert fam(text, tax) == expected


def test_negation_cancels_and_negated_defects_count(tax):
    # "not fake" is not an authenticity claim
    assert fam("It is not fake, but the sound quality is poor", tax) == "quality_expectation"
    # "not broken" is not a defect
    assert fam("Not broken, just bad bass", tax) == "quality_expectation"
    # negation IS the defect signal here
    ev = classify_texts(["mic doesn't work and no sound"], tax)[schema.EVIDENCE].iloc[0]
    assert "no sound" in ev and "doesn't work" in ev
    # Chinese prefix negation: 不是假货 = "not a fake"
    assert fam("不是假货，但是音质差", tax) == "quality_expectation"


# ------------------------------------------------------------ codes
def complaints(**cols) -> pd.DataFrame:
    n = max(len(v) for v in cols.values())
    return pd.DataFrame({k: pd.array(v, dtype="str") if k != schema.RATING else v for k, v in cols.items()},
                        index=pd.RangeIndex(n))


def test_title_and_body_are_separate_sentences(tax):
    """The title's negation does not reach into the body ("Not durable" + "Broke
    down ..." read as "not durable broke" used to drop the breakage)."""
    df = complaints(**{schema.TITLE: ["Not durable", "Not bad"], schema.TEXT: ["Broke down after a few days of usage.", "Fake product though"],
                       schema.RATING: [1.0, 1.0]})
    out = classify_complaints(df, taxonomy=tax)
    assert out[schema.FAMILY].tolist() == ["product_defect", "authenticity"]


def test_code_wins_when_text_empty(tax):
    df = complaints(**{schema.REASON: ["DEFECTIVE", "QUALITY_UNACCEPTABLE", "MISSING_PARTS", "SWITCHEROO",
                                       "UNWANTED_ITEM", "AMZ-PG-BAD-DESC", "UNDELIVERABLE_REFUSED", "DAMAGED_BY_CARRIER"],
                       schema.TEXT: [""] * 8})
    got = classify_complaints(df, tax)[schema.FAMILY].tolist()
    assert got == ["product_defect", "quality_expectation", "missing_parts", "wrong_item", "remorse",
                   "not_as_described", "not_received", "shipping_damage"]


def test_customer_wording_and_replacement_codes(tax):
    df = complaints(**{schema.REASON: ["ITEM DEFECTIVE OR DOESN'T WORK", "Performance or quality not adequate",
                                       "2", "3", "10", "4", "1"],
                       schema.TEXT: [""] * 7})
    got = classify_complaints(df, tax)[schema.FAMILY].tolist()
    assert got == ["product_defect", "quality_expectation", "product_defect", "shipping_damage",
                   "warehouse_damage", "wrong_item", "not_received"]


def test_damaged_by_fc_needs_fc_disposition(tax):
    df = complaints(**{schema.REASON: ["DAMAGED_BY_FC", "DAMAGED_BY_FC", "DAMAGED_BY_FC", "DAMAGED_BY_FC"],
                       schema.DISPOSITION: ["DAMAGED", "CUSTOMER_DAMAGED", "DEFECTIVE", ""],
                       schema.TEXT: ["", "box fine but the earbud case is cracked", "", ""]})
    out = classify_complaints(df, tax)
    assert out[schema.FAMILY].tolist() == ["warehouse_damage", "shipping_damage", "shipping_damage", "shipping_damage"]
    assert out[schema.EVIDENCE].iloc[0].startswith("reason DAMAGED_BY_FC + disposition DAMAGED")


def test_strong_text_overrides_weak_code(tax):
    df = complaints(**{schema.REASON: ["DEFECTIVE", "DEFECTIVE", "QUALITY_UNACCEPTABLE"],
                       schema.TEXT: ["this is a fake duplicate product", "changed my mind, no longer need it",
                                     "left side stopped working after a week"]})
    out = classify_complaints(df, tax)
    assert out[schema.FAMILY].tolist() == ["authenticity", "remorse", "product_defect"]
    assert "text overrides reason DEFECTIVE" in out[schema.EVIDENCE].iloc[0]


def test_rating_for_text_only_sources(tax):
    out = classify_texts(["meh", "meh", "great earphones"], tax, ratings=[1, 5, 5])
    assert out[schema.FAMILY].tolist() == ["quality_expectation", "other", "other"]


def test_output_shape_index_and_confidence(tax):
    df = pd.DataFrame({schema.TEXT: pd.array(["no sound", None, "fake"], dtype="str"), "x": [1, 2, 3]},
                      index=[10, 5, 7])
    out = classify_complaints(df, tax)
    assert list(out.index) == [10, 5, 7]
    assert list(out.columns) == [schema.TEXT, "x", schema.FAMILY, schema.FAMILY_CONFIDENCE, schema.EVIDENCE]
    conf = out[schema.FAMILY_CONFIDENCE].to_numpy()
    assert np.all((conf >= 0) & (conf <= 1))
    assert out[schema.FAMILY].isin(schema.FAMILIES).all()
    assert classify_complaints(df.iloc[:0], tax).shape[0] == 0


# ------------------------------------------------------------ taxonomy
def test_toml_round_trip_and_overrides(tmp_path, tax):
    path = tmp_path / "t.toml"
    path.write_text(taxonomy_to_toml(tax), encoding="utf-8")
    assert load_taxonomy(path) == tax
    assert hash(load_taxonomy(path)) == hash(tax)
    # a user file overriding one list
    over = tmp_path / "over.toml"
    over.write_text('[families.authenticity.strong]\nen = ["knockoff brand"]\n[text_model]\nenabled = false\n', encoding="utf-8")
    edited = load_taxonomy(overrides=over)
    assert edited != tax
    assert fam("fake", edited) != "authenticity"
    assert fam("a knockoff brand", edited) == "authenticity"
    # dict override of a reason code
    edited2 = load_taxonomy(overrides={"reasons": {"DAMAGED_BY_FC": ["warehouse_damage", 1.0]}})
    df = complaints(**{schema.REASON: ["DAMAGED_BY_FC"], schema.TEXT: [""]})
    assert classify_complaints(df, edited2)[schema.FAMILY].iloc[0] == "warehouse_damage"


def test_bad_taxonomy_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError):
        load_taxonomy(overrides={"reasons": {"DEFECTIVE": ["no_such_family", 1.0]}})
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml", encoding="utf-8")
    with pytest.raises(SettingsError):
        load_taxonomy(bad)
    with pytest.raises(SettingsError):
        load_taxonomy(overrides={"families": {"misuse": {"patterns": {"strong": ["(unclosed"]}}}})
    with pytest.raises(SettingsError, match="families.misuse.patterns: bad regular expression 3"):  # not a text: was a TypeError
        load_taxonomy(overrides={"families": {"misuse": {"patterns": {"strong": [3]}}}})
    with pytest.raises(SettingsError, match="safety.family"):
        load_taxonomy(overrides={"safety": {"family": "no_such_family"}})
    with pytest.raises(SettingsError, match="safety.en"):
        load_taxonomy(overrides={"safety": {"en": "exploded"}})
    # a family's patterns are joined into one expression: a group name of one's own clashed with the
    # tiers' ("redefinition of group name", a traceback) and a back-reference pointed at another group
    # (the tiers' groups come first there, so \1 named one of them; exclusions keep their back-references,
    # see test_untranslatable_exclusion_scans_every_text)
    for where, pat, said in (("patterns", "(?P<strong>broken)", "names or refers back to a group"),
                             ("patterns", r"(?<=x)(?P<p_strong>dead)", "names or refers back to a group"),
                             ("patterns", r"(beep)\1", "names or refers back to a group"), ("exclude", "(?P<x>no)", "names a group")):
        table = {"patterns": {"strong": [pat]}} if where == "patterns" else {"exclude": [pat]}
        with pytest.raises(SettingsError, match=rf"families\.misuse\.{where}: .* {said}"):
            load_taxonomy(overrides={"families": {"misuse": table}})
    assert load_taxonomy(overrides={"families": {"misuse": {"patterns": {"strong": [r"\\1 (?:a|b) \d+"]}}}})  # no group reference


def test_safety_words_name_the_incident_in_every_language_and_not_its_negation_or_idioms(tax):
    df = pd.DataFrame({
        schema.TITLE: ["It exploded", "", None, "Great", "Meh", "", "", ""],
        schema.TEXT: ["battery exploded and caught fire", "no overheating at all, never caught fire", "充电时电池鼓包发烫",
                      "for people with money to burn", "I am shocked how bad the bass is", "Der Akku ist überhitzt",
                      "La batterie a pris feu", None],
    }, index=[10, 11, 12, 13, 14, 15, 16, 17])
    said = classify_complaints(df, tax, safety=True)[schema.SAFETY]
    assert said.index.tolist() == df.index.tolist()
    assert said.tolist() == ["exploded, caught fire", "", "鼓包, 发烫", "", "", "uberhitzt", "pris feu", ""]
    # each one is also strong evidence of a defect
    assert classify_complaints(df.iloc[[0, 2, 5, 6]], tax)[schema.FAMILY].eq("product_defect").all()
    assert classify_complaints(df.iloc[:0], tax, safety=True)[schema.SAFETY].empty
    assert schema.SAFETY not in classify_complaints(df, tax).columns  # asked for only
    # a taxonomy without the table finds none
    from analysis.config import freeze
    from analysis.classify import _thaw

    data = _thaw(tax.data)
    data.pop("safety")
    assert classify_complaints(df, Taxonomy(freeze(data)), safety=True)[schema.SAFETY].eq("").all()


def test_family_exclusions_drop_hits_inside_them(tax):
    """`families.X.exclude`: a hit lying inside a match of an exclusion expression does not count."""
    ex = explain("no sound clarity", taxonomy=tax).set_index("family")
    assert ex.loc["product_defect", "text_score"] == 0 and "no sound" not in ex.loc["product_defect", "terms"]
    assert "no sound clarity" in ex.loc["quality_expectation", "terms"]
    # a user exclusion, in both the fast path and the reference path
    edited = rules_only({"families": {"authenticity": {"exclude": ["fake (?:reviews?|ratings?)"]}}})
    texts = ["too many fake reviews on this listing, bass is poor", "fake product", "fake reviews and a fake product",
             "FAKE REVIEWS", "假货", ""]
    df = pd.DataFrame({schema.TEXT: pd.array(texts * 2, dtype="str"), schema.RATING: [2.0] * 12})
    import analysis.classify as C
    fast = C._classify_frame(df, edited, (schema.TITLE, schema.TEXT), C._classify_arrays)
    slow = C._classify_frame(df, edited, (schema.TITLE, schema.TEXT), C._classify_arrays_simple)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast[schema.FAMILY].tolist()[:5] == ["quality_expectation", "authenticity", "authenticity",
                                                "quality_expectation", "authenticity"]
    # the ASCII scan and the plain scan give the same hits with exclusions in play
    comp = edited._compiled
    for t in texts + ["no sound clarity and no sound from the left side", "delivery was worst, worst sound"]:
        norm = comp.normalise(t)
        for i in range(len(comp.families)):
            if comp.ascii_matchers[i] is not None and norm.isascii():
                assert comp.score_family_ascii(i, norm) == comp.score_family(i, norm), (t, comp.families[i])


def test_exclusions_are_validated():
    with pytest.raises(SettingsError):
        load_taxonomy(overrides={"families": {"misuse": {"exclude": ["(unclosed"]}}})
    with pytest.raises(SettingsError):
        load_taxonomy(overrides={"families": {"misuse": {"exclude": "not a list"}}})


def test_compare_taxonomies_and_changed_rows(tax):
    df = complaints(**{schema.TEXT: ["fake product", "no sound", "great"]})
    new = rules_only({"families": {"authenticity": {"strong": {"en": []}}}})
    counts = compare_taxonomies(df, tax, new)
    assert list(counts.columns) == ["family", "count_old", "count_new", "difference", "moved_in", "moved_out"]
    row = counts.set_index("family").loc["authenticity"]
    assert (row["count_old"], row["count_new"], row["moved_out"]) == (1, 0, 1)
    assert counts["difference"].sum() == 0
    ch = changed_complaints(df, tax, new)
    assert ch["row"].tolist() == [0]
    assert ch["family_old"].iloc[0] == "authenticity"


def test_explain_lists_every_family(tax):
    ex = explain("stopped working, no sound", reason="QUALITY_UNACCEPTABLE", taxonomy=tax)
    assert set(ex["family"]) == set(tax.families)
    assert ex["family"].iloc[0] == "product_defect"



def test_explain_shows_the_text_models_part_and_the_family_given():
    """explain() showed only the rules' scores, while a text model decides most uncoded rated
    texts.  Now: the model's and the combiner's probabilities where a model reads the text, and
    ``chosen`` = classify's family, which is the combiner's choice where it may choose it
    (a family of ``families``, or one it gives ``specific_min`` or more), else the rules'."""
    from analysis.classify import model_settings

    shipped = load_taxonomy()
    settings = {tm.get("file"): tm for tm in model_settings(shipped)}
    lab = pd.concat([pd.read_csv(GOLDEN / "labelled_reviews.csv").sample(60, random_state=1),
                     pd.read_csv(GOLDEN / "labelled_high_star_reviews.csv").sample(60, random_state=1)])
    read = {}
    for excerpt, stars in zip(lab["excerpt"], lab["stars"]):
        ex = explain(excerpt, rating=float(stars), taxonomy=shipped)
        given = classify_texts([excerpt], shipped, ratings=[stars])[schema.FAMILY].iloc[0]
        assert ex["chosen"].sum() == 1 and ex.loc[ex["chosen"], "family"].iloc[0] == given
        model = ex.attrs["model"]
        if model is None:
            assert ex["model_probability"].isna().all() and ex["combined_probability"].isna().all()
            continue
        read[model] = read.get(model, 0) + 1
        assert ex["model_probability"].sum() == pytest.approx(1) and ex["combined_probability"].sum() == pytest.approx(1)
        top = ex.loc[ex["combined_probability"].idxmax()]
        tm = settings[model]
        if top["family"] in tm["families"] or top["combined_probability"] >= float(tm.get("specific_min", 1.0)):
            assert top["chosen"], (excerpt, top["family"], given)
    assert set(read) == set(settings) and min(read.values()) >= 20  # both models read some
    coded = explain("no sound", reason="DEFECTIVE", rating=1.0, taxonomy=shipped)  # a code decides: no model reads
    assert coded.attrs["model"] is None and coded["model_probability"].isna().all()
    assert coded.loc[coded["chosen"], "family"].iloc[0] == "product_defect"

# ------------------------------------------------------------ accuracy
def _labelled(realdata: Path) -> pd.DataFrame:
    lab = pd.read_csv(GOLDEN / "labelled_reviews.csv")
    raw = pd.read_csv(realdata / "reviews" / "amazon_in_earphones_reviews.csv")
    m = lab.merge(raw, on="doc_id", how="left", validate="one_to_one")
    assert m["text"].notna().all()
    df = pd.DataFrame({schema.TITLE: m["ReviewTitle"].str.strip(), schema.TEXT: m["text"].str.strip(),
                       schema.RATING: m["ReviewStar"].astype(float)})
    m["pred"] = classify_complaints(df, rules_only())[schema.FAMILY].to_numpy()
    return m


def test_high_star_reviews_labelled_blind(realdata):
    """Random 4-5 star reviews of the file, 300 per split, each split labelled blind by its own
    helper with the GUIDE (no complaint: other; a named shortcoming inside praise: its family;
    "unsure" in ``why`` where the annotator was).  hs1 (seed 19) was studied by the round of
    4-5 star wordings (0.820 -> 0.923); hs2-hs5 (seeds 20-23, each from what was left) were
    held out: 0.857 -> 0.863, 0.803 -> 0.823, 0.847 -> 0.853, 0.840 -> 0.853 (only their
    scores read; pooled 0.837 -> 0.848).  hs6-hs11 (seeds 24-29) were labelled after that
    round and scored once: 0.780, 0.827, 0.803, 0.827, 0.813, 0.793.  hs12-hs17 (seeds 30-35,
    labelled 2026-11-25 after the 4-5 star text model was shipped) scored once: 0.803, 0.850,
    0.833, 0.840, 0.847, 0.817 (pooled 0.832), and 0.887, 0.913, 0.900, 0.883, 0.907, 0.867
    (pooled 0.893) with the text models as shipped then, which had not seen them.  hs18-hs23 (seeds
    36-41, labelled the same day after the 4-5 star model had learned hs1-hs17) scored once: 0.820,
    0.827, 0.820, 0.813, 0.823, 0.847 (pooled 0.825), and 0.880, 0.900, 0.867, 0.883, 0.883, 0.887
    (pooled 0.883) with the text models as shipped then.  hs24-hs29 (seeds 42-47, labelled in a
    later session after the 4-5 star model had learned hs1-hs23) scored once: 0.797, 0.833, 0.803,
    0.827, 0.833, 0.780 (pooled 0.812), and 0.897, 0.897, 0.887, 0.867, 0.880, 0.863 (pooled
    0.882) with the text models as shipped then.  They are praise to
    the analysis (left out as not complaints), so this measures ``classify`` on a whole review
    export.  The rules alone: the shipped text model has learned every one of them (0.957-0.993
    with it, memory); test_textmodel_high.py measures it on blocks it had not seen.  Guards about
    0.02 below the measured scores."""
    lab = pd.read_csv(GOLDEN / "labelled_high_star_reviews.csv")
    assert lab["doc_id"].is_unique and set(lab["stars"]) == {4, 5}
    assert lab["split"].value_counts().to_dict() == {f"hs{k}": 300 for k in range(1, 30)}
    assert set(lab["label"]) <= set(load_taxonomy().families)
    raw = pd.read_csv(realdata / "reviews" / "amazon_in_earphones_reviews.csv")
    m = lab.merge(raw, on="doc_id", how="left", validate="one_to_one")
    assert (m["ReviewStar"] == m["stars"]).all()
    df = pd.DataFrame({schema.TITLE: m["ReviewTitle"].fillna("").str.strip(), schema.TEXT: m["text"].fillna("").str.strip(),
                       schema.RATING: m["ReviewStar"].astype(float)})
    m["ok"] = classify_complaints(df, rules_only())[schema.FAMILY].to_numpy() == m["label"].to_numpy()
    got = m.groupby("split")["ok"].mean().round(3).to_dict()
    print(f"4-5 stars by split: {got}")
    for split, measured in {"hs1": 0.923, "hs2": 0.863, "hs3": 0.823, "hs4": 0.853, "hs5": 0.853,
                            "hs6": 0.780, "hs7": 0.827, "hs8": 0.803, "hs9": 0.827, "hs10": 0.813, "hs11": 0.793,
                            "hs12": 0.803, "hs13": 0.850, "hs14": 0.833, "hs15": 0.840, "hs16": 0.847, "hs17": 0.817,
                            "hs18": 0.820, "hs19": 0.827, "hs20": 0.820, "hs21": 0.813, "hs22": 0.823, "hs23": 0.847,
                            "hs24": 0.797, "hs25": 0.833, "hs26": 0.803, "hs27": 0.827, "hs28": 0.833, "hs29": 0.780}.items():
        assert got[split] >= measured - 0.02, split


def test_labelled_sample_is_sound():
    lab = pd.read_csv(GOLDEN / "labelled_reviews.csv")
    assert len(lab) == 4935 and lab["doc_id"].is_unique  # every 1-3 star review of the file
    sizes = {"dev": 210, "test": 130, "test2": 150, "test3": 200, "test4": 250, "test5": 250, "test6": 250, "test7": 250,
             "test8": 250, "test9": 250, "test10": 250, "test11": 250, "test12": 250, "test13": 250, "test14": 250, "test15": 250, "test16": 250,
             "test17": 250, "test18": 250, "test19": 250, "test20": 245}
    assert lab["split"].value_counts().to_dict() == sizes
    assert lab["label"].isin(schema.FAMILIES).all()
    assert (lab["stars"] <= 3).all()
    # test6 was labelled twice, independently: the second annotator's label is kept
    second = lab["label_second"].fillna("")
    assert (second != "").sum() == 250 and set(lab.loc[second != "", "split"]) == {"test6"}
    assert lab.loc[second != "", "label_second"].isin(schema.FAMILIES).all()


def test_two_annotators_agree_on_the_doubly_labelled_split():
    """How good the reference is: two annotators who followed the GUIDE without
    seeing each other's labels agree on 240 of test6's 250 reviews (96.0%; the
    issue's hidden sample: 97.5%).  So the classifier's ~0.82 on fresh splits is
    the classifier's shortfall, not noise in the labels."""
    lab = pd.read_csv(GOLDEN / "labelled_reviews.csv")
    t6 = lab[lab["split"] == "test6"]
    assert int((t6["label"] == t6["label_second"]).sum()) == 240


def _held_out_accuracy(realdata: Path, split: str = "test") -> tuple[float, pd.DataFrame]:
    m = _labelled(realdata)
    test = m[m["split"] == split]
    acc = float((test["pred"] == test["label"]).mean())
    return acc, pd.crosstab(test["label"], test["pred"])


# Guards = measured - about 0.02.  Measured with the rules of splits test17/test18 (GUIDE): dev 0.962
# (210), test 0.915 (130), test2 0.960 (150), test3 0.950 (200), test4 0.948 (250), test5 0.892
# (250), test6 0.880 (250), test7 0.904 (250), test8 0.892 (250), test9 0.912 (250), test10 0.932
# (250), test11 0.860 (250, its errors read once), test12 0.892, test13 0.932, test14 0.896, test15
# 0.928, test16 0.908, test17 0.936 and test18 0.932 (250 each, the rounds studied their errors),
# test19 0.784 (250) and test20 0.824 (245; held out: only their scores were read).
# Fresh splits, each labelled blind before any rule of its round was changed, scored with the rules
# frozen: test2 0.747, test3 0.795, test4 0.824, test5 0.804, test6 0.792, test7 0.824, test8 0.828,
# test9 0.804, test10 0.828, test11 0.844, test12 0.836 (labelled blind by a helper after the round for sellers' plain
# comments, which studied no real review; only its score was read), test13 0.856, test14 0.828 (each labelled blind by
# its own helper), test15 0.820, test16 0.788, test17 0.856, test18 0.856, test19 0.784, test20 0.824.  The rounds
# of test9 and test10 took
# test11 to 0.848 and 0.848, the round of test12/test13 took test14 to 0.836 and test15/test16 nowhere (0.820,
# 0.788), the round of test14 took them to 0.820 and 0.792, the round of test15/test16 took test17/test18 to 0.864
# and 0.856, the round of test17/test18 took test19/test20 nowhere (0.784, 0.824): the held-out level is about
# 0.78-0.86; the rules gain on what they were shown, hardly on unseen wording (GUIDE).
# These are the rules alone.  The text model that reads where they are unsure is trained on every split,
# so its scores here would be in-sample; its held-out score is in test_textmodel.py.
@pytest.mark.parametrize("split, guard", [("dev", 0.94), ("test", 0.89), ("test2", 0.94), ("test3", 0.92), ("test4", 0.92),
                                          ("test5", 0.87), ("test6", 0.86), ("test7", 0.88), ("test8", 0.86), ("test9", 0.88),
                                          ("test10", 0.90), ("test11", 0.82), ("test12", 0.87), ("test13", 0.90),
                                          ("test14", 0.87), ("test15", 0.90), ("test16", 0.88),
                                          ("test17", 0.91), ("test18", 0.91), ("test19", 0.76), ("test20", 0.80)])
def test_accuracy_per_split(realdata, split, guard):
    acc, confusion = _held_out_accuracy(realdata, split)
    print(f"{split} accuracy {acc:.3f}\n{confusion}")
    assert acc >= guard, f"{split} accuracy {acc:.3f}\n{confusion}"


def test_fc_disposition_damaged_is_warehouse_damage_even_when_the_box_was_fine():
    """Regression: 'box fine' text moved Amazon-acknowledged FC damage into shipping damage."""
    import pandas as pd

    from analysis.classify import classify_complaints

    df = pd.DataFrame({"reason": ["DAMAGED_BY_FC"] * 3, "disposition": ["DAMAGED", "DAMAGED", "CUSTOMER_DAMAGED"],
                       "text": ["charging case scratched and dented but box fine", "product damaged but box ok", "product damaged but box ok"],
                       "title": "", "rating": float("nan"), "source_kind": "fba_returns"})
    out = classify_complaints(df)
    assert out["family"].tolist() == ["warehouse_damage", "warehouse_damage", "shipping_damage"]


def test_taxonomy_text_replaces_the_default_rules():
    """The app's editor gives a complete taxonomy: a rule deleted there must stay deleted (merging would bring it back)."""
    import pandas as pd

    from analysis.classify import classify_complaints, load_taxonomy, taxonomy_to_toml

    default = load_taxonomy()
    assert load_taxonomy(text=taxonomy_to_toml(default)) == default
    import tomllib

    import tomli_w

    data = tomllib.loads(taxonomy_to_toml(default))
    del data["reasons"]["UNWANTED_ITEM"]
    edited = load_taxonomy(text=tomli_w.dumps(data))
    row = pd.DataFrame({"reason": ["UNWANTED_ITEM"], "disposition": ["SELLABLE"], "text": [""], "title": [""], "rating": [float("nan")], "source_kind": ["fba_returns"]})
    assert classify_complaints(row, default)["family"].iloc[0] == "remorse"
    assert classify_complaints(row, edited)["family"].iloc[0] != "remorse"
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_taxonomy(text="[families")


@pytest.mark.parametrize("text", ["does not support my iphone", "doesn't support android phones", "not suitable for laptops"])
def test_device_compatibility_complaints_are_listing_mismatch(text):
    from analysis.classify import classify_texts

    assert classify_texts([text], ratings=[1])["family"].iloc[0] == "not_as_described"


def test_as_described_is_praise_unless_negated():
    """'Fast shipping, item as described' is what positive feedback says: no listing complaint."""
    df = pd.DataFrame({schema.TEXT: ["Fast shipping, item as described", "As described. Thank you!", "item not as described",
                                     "Noise cancellation as described and good packing", "works as claimed"],
                       schema.TITLE: "", schema.RATING: np.nan})
    assert classify_complaints(df)[schema.FAMILY].tolist() == ["other", "other", "not_as_described", "other", "other"]


@pytest.mark.parametrize("text, family", [
    # the plain wording of sellers' returns and feedback comments
    ("Case cracked in transit.", "shipping_damage"),
    ("Box crushed and the charging case cracked. Very disappointed.", "shipping_damage"),
    ("Package torn open.", "shipping_damage"),
    ("Earbud scuffed out of the box.", "shipping_damage"),
    ("arrived with a scratch on the case", "shipping_damage"),
    ("No USB-C cable included. Returned it.", "missing_parts"),
    ("Can't use it with my PS5.", "not_as_described"),
    ("Does not connect to my tv", "not_as_described"),
    ("Doesn't work with my laptop.", "not_as_described"),
    ("Color is different from the photo", "not_as_described"),
    ("smaller than described", "not_as_described"),
    ("Title says active noise cancelling, there is no ANC mode. Asked for a replacement.", "not_as_described"),
    ("not what the pictures show", "not_as_described"),
    ("arrived too late", "not_received"),
    ("found cheaper", "remorse"),
    ("ordered the wrong color", "remorse"),
    ("Touch controls too sensitive. Asked for a replacement.", "quality_expectation"),
    # and what they must not take
    ("Stopped working after a week, does not connect to my phone", "product_defect"),
    ("The box was torn but the earbuds work fine", "shipping_damage"),
    ("received the wrong color", "wrong_item"),
])
def test_seller_format_comments(text, family):
    _assert_family(text, np.nan, family)


def _assert_family(text: str, rating: float, family: str) -> None:
    """One complaint (no title) with ``rating`` is classified as ``family``; the evidence shows why not."""
    out = classify_complaints(pd.DataFrame({schema.TEXT: [text], schema.TITLE: "", schema.RATING: [float(rating)]}), rules_only())
    assert out[schema.FAMILY].iloc[0] == family, out["evidence"].iloc[0]


# Wordings of each round of rules (GUIDE), with the ones that must not fire: (text, stars, family)
ROUND_TEST12_TO_TEST14 = [
    # the round of splits test12/test13 (GUIDE): failures said other ways
    ("The earphones became dysfunctional in four months.", 1, "product_defect"),
    ("Good sound but the buttons do not function properly.", 2, "product_defect"),
    ("Refuses to switch on after charging all night. Bad quality.", 1, "product_defect"),
    ("Mic is not at all working. Bad product", 1, "product_defect"),
    ("Poor sound, no noise cancellation and bluetooth get disconnected", 1, "product_defect"),
    ("Its output is intermittent", 1, "product_defect"),
    ("Sound is fluctuating, sometimes no bass", 2, "product_defect"),
    ("I can hear the sound from one side only. Worst.", 1, "product_defect"),
    ("Too much noise from the product while playing songs", 2, "product_defect"),
    ("Bad build quality, after 6 months the insulation is worn out", 2, "product_defect"),
    ("Battery sucks. It's not even charging", 2, "product_defect"),
    # ... and what stays a judgement of performance
    ("Connectivity is intermittent and the sound is average", 1, "quality_expectation"),
    ("It gets disconnected if you have not used it for some time", 2, "quality_expectation"),
    ("When I move to the next room it gets disconnected", 2, "quality_expectation"),
    ("You cannot connect it during charging. Battery backup is average.", 3, "quality_expectation"),
    ("Mic sucks", 3, "quality_expectation"),
    ("Average product, I was expecting more", 3, "quality_expectation"),
    ("It caused me rashes on one ear", 3, "quality_expectation"),
    ("This was a clearance of old stock, the bass is weak", 3, "quality_expectation"),
    # used, copied or opened; empty; a listing that is wrong
    ("The box was open and the product was used", 3, "authenticity"),
    ("Its like copy, waste of money", 1, "authenticity"),
    ("When I opened the parcel the box seal is broken", 3, "authenticity"),
    ("Refurnish product delivered, bad quality", 1, "authenticity"),
    ("Box is empty", 1, "not_received"),
    ("Inaccurate descriptions and paid reviews", 1, "not_as_described"),
    # the round of split test14
    ("Good price but both sides sound level is not equal", 3, "product_defect"),
    ("Sound decreases after 1 or 2 months", 1, "product_defect"),
    ("Fell out of my ears often. Now it's stopped left side.", 1, "product_defect"),
    ("Some unwanted crackly sound is coming in the left ear piece, annoying", 1, "product_defect"),
    ("Many times it goes to silent automatically, worst product", 1, "product_defect"),
    ("Bluetooth isn't getting connected well after few months of use", 1, "product_defect"),
    ("After a full charge it's only working for 15 minutes", 1, "product_defect"),
    ("The plug came separately within two days, bad quality", 1, "product_defect"),
    ("I liked the sound but I disliked the battery life", 3, "quality_expectation"),
    ("Ok, nothing great", 3, "quality_expectation"),
    ("Not at all compatible with my redmi phone", 2, "not_as_described"),
    ("One earphone is broken in the pack", 1, "shipping_damage"),
    ("I waited a long time but the product did not reach me", 1, "not_received"),
    ("Worst experience, dublicate product", 1, "authenticity"),
]


ROUND_TEST15_TEST16 = [
    # the round of splits test15/test16 (GUIDE): failures said other ways
    ("Not bad, but I replaced it 4 time in a year", 3, "product_defect"),
    ("The connector is disgusting, I've replaced it for 2 times, not value for money", 3, "product_defect"),
    ("Bad quality, the sound echoes", 1, "product_defect"),
    ("Bad quality. After a month I am unable to hear anything", 1, "product_defect"),
    ("After a week the noise in left part got too low", 2, "product_defect"),
    ("Right hand side speaker sound quality is very low, poor quality", 1, "product_defect"),
    ("Poor quality, sound very low one side", 1, "product_defect"),
    ("Bad quality, having problem in listening from left side, disturbance", 1, "product_defect"),
    ("Not happy. No voice when connecting through the jack", 1, "product_defect"),
    ("Charging automatically off, very nice", 2, "product_defect"),
    ("The jack got a bend so easily, delicate", 3, "product_defect"),
    ("Bad quality, the speaker net is damage within a month", 2, "product_defect"),
    ("Lifespan of not more than a month", 1, "product_defect"),
    ("Facing a problem with it in its 2nd month, the old one was much better", 3, "product_defect"),
    ("After 2 to 3 months of use, the sound quality is worst", 2, "product_defect"),
    ("After using one month the buds create problems", 3, "product_defect"),
    ("Disappointed, after 1 month sound is come very less", 3, "product_defect"),
    ("Drains within an hour, the indicator drops from 90% to 5% in few minutes", 1, "product_defect"),
    ("Sounds like a short circuit, very bad", 1, "product_defect"),
    ("The adaptor given is not good, even the second one had a problem with the adaptor", 2, "product_defect"),
    ("Fake warranty, it malfunctioned after only a month", 1, "product_defect"),
    ("Not sure, the right one failed in two months", 1, "product_defect"),
    ("Poor connectivity, it gets interrupted 5-6 times in a song", 2, "product_defect"),
    ("1-2 mahine me sound bahut slow ho gaya", 1, "product_defect"),
    # ... and what stays a judgement, a worry or a comparison
    ("For me the noise cancellation was not working in the market place", 1, "quality_expectation"),
    ("The product is not working as expected", 1, "quality_expectation"),
    ("Good, but some times the sound cuts while traveling", 3, "quality_expectation"),
    ("Call conversation produce noise, poor voice quality", 1, "quality_expectation"),
    ("The battery is bad, it could be easily damaged by over charging", 2, "quality_expectation"),
    ("Jack gets damaged easily or else this would be the best product", 3, "quality_expectation"),
    ("Not value for money. Once the wire gets damaged you have to run for warranty", 3, "quality_expectation"),
    ("Not good for calls, no voice cancellation", 1, "quality_expectation"),
    ("Very fragile", 3, "quality_expectation"),
    ("Quality is good but it breaks easily", 3, "quality_expectation"),
    ("Dislike due to non water proof", 3, "quality_expectation"),
    ("Doesn't sound good at high volume. More expected from it", 3, "quality_expectation"),
    ("Battery is good but I expected a little more in terms of sound quality", 3, "quality_expectation"),
    ("Ok, but am not very much impressed", 3, "quality_expectation"),
    ("Good at this price but needs a lot of improvement on sound quality", 2, "quality_expectation"),
    ("Flipkart smartbuy has better sound quality than this one", 3, "quality_expectation"),
    ("Very bad sound quality like some local product we get in trains", 1, "quality_expectation"),
    ("You can't hear anything while commuting in a train, the sound is so bad", 1, "quality_expectation"),
    ("Amazing noise reduction, you can't hear anything in the background", 5, "other"),
    ("It has an auto turn off feature and good battery backup", 5, "other"),
    ("Nothing better than this one at this price", 5, "other"),
    # compatibility, the listing and other families
    ("Not compartable | Not good", 1, "not_as_described"),
    ("Mic does not work with Samsung C7pro", 3, "not_as_described"),
    ("Mic doesn't works with iPhone 5s", 1, "not_as_described"),
    ("It doesn't work with imo or viber voice calls", 3, "not_as_described"),
    ("Not compatible with Oneplus5t, I am not able to take calls using this", 3, "not_as_described"),
    ("Only for some mobile it is compatible, not for all", 1, "not_as_described"),
    ("Didn't get the same as shown in the images", 1, "not_as_described"),
    ("Not supported to my laptop and the USB cable is also not available", 1, "missing_parts"),
    ("Seller provides fack product", 1, "authenticity"),
    ("It looks like a fraud product", 1, "authenticity"),
    ("Feels like 2nd copy, hurts the ear", 1, "authenticity"),
    ("Not sure it's genuine, the right one failed in two months", 1, "authenticity"),
    ("Amazon doesn't sell original products, the power button stopped working", 1, "authenticity"),
    ("I scanned the QR code and it failed to prove its originality", 3, "authenticity"),
    ("It failed to power up, clearly a formerly returned item that got resold", 1, "authenticity"),
    ("Received it in torn condition, it seemed to be used", 3, "authenticity"),
    ("The packing box got fully damaged when I received it, sound is ok", 2, "shipping_damage"),
    ("Not sweat proof and the packaging box is also torned", 3, "shipping_damage"),
    ("Product missmatch, the headset inside the box was another brand", 1, "wrong_item"),
    ("Not value for money, can get this for cheaper price too", 3, "remorse"),
    ("Original bill is not received with the order", 3, "other"),
]


ROUND_TEST17_TEST18 = [
    # names split at their capitals by normalisation ("PlayStation" -> "play station") are joined back
    ("Doesn't work with my PlayStation 5", 2, "not_as_described"),
    ("Does not connect to my MacBook", 2, "not_as_described"),
    ("Mic doesn't work with my iPhone", 2, "not_as_described"),
    # the round of splits test17/test18 (GUIDE)
    ("Product is good, but middle button not working. Noise cancellation could be better", 3, "product_defect"),
    ("Frequent disconnection problem, utterly disappointed", 1, "product_defect"),
    ("Fault product, worst experience", 1, "product_defect"),
    ("Bad experience. Fault within 6 months", 3, "product_defect"),
    ("Not good, my one headphone sound is disturb within 10 days", 2, "product_defect"),
    ("Poor quality. Only one ear bud working", 1, "product_defect"),
    ("Worst. I got replaced this product 2 times but still worst performance", 1, "product_defect"),
    ("Too bad, the battery is discharging rapidly, like in 10 mins", 1, "product_defect"),
    ("Not for daily use, the cover on the ear buds start coming off after a few days of use", 2, "product_defect"),
    ("Works only one r two month", 1, "product_defect"),
    ("Good build but the mic will work only for 2 months", 2, "product_defect"),
    ("Bluetooth connection low, automatic diconnect my phone", 2, "product_defect"),
    ("Bass is not good and it is disconnecting by it self only", 3, "product_defect"),
    ("Bought it in April. It doesn't connect to the phone and powers off for no reason", 1, "product_defect"),
    ("No instructions and it does not connect to my phone, cheap quality", 1, "product_defect"),
    ("Bad sound, I had buy it 3 months before but now the right side hearing is very poor", 3, "product_defect"),
    ("Bad quality, the jack is loose", 1, "product_defect"),
    # ... and what stays a judgement or a design
    ("Not worth it. Doesn't connect more than one device", 2, "quality_expectation"),
    ("There is a lag, no sound clearity, only bass", 3, "quality_expectation"),
    ("Lots of static while driving, that is the major problem", 3, "quality_expectation"),
    ("Uncomfortable, produces beep on every mobile action which is frustrating", 2, "quality_expectation"),
    ("Basic functions dont work as desired, the microphone is the worst", 2, "quality_expectation"),
    ("If you are in a different room it is not connecting, range is 10 feet", 2, "quality_expectation"),
    ("Music gets interrupted when I am on a walk with the mobile in my jeans pocket", 2, "quality_expectation"),
    ("No bass at all and it looks like local product", 1, "quality_expectation"),
    ("Best for music, but I don't recommended for calling purposes", 3, "quality_expectation"),
    # other families
    ("I got a broken piece", 1, "shipping_damage"),
    ("Mt box", 1, "not_received"),
    ("Dublicat charging cable", 1, "authenticity"),
    ("Not happy, got used n old headphone", 1, "authenticity"),
    ("Right side not working and the seal pack was opened", 1, "authenticity"),
    ("Opened piece", 2, "authenticity"),
    ("Wire is too long, looks like its not a jbl product", 1, "authenticity"),
    ("Worst product. Don't go with features listed in description", 1, "not_as_described"),
    ("Design is not what appears from the image shown", 3, "not_as_described"),
    ("Bad sound and can't connect all mobile", 1, "not_as_described"),
    ("A week back I bought this for 1499 and now it is 999. I feel cheated", 3, "remorse"),
    ("I bought it for 1999 and now it is 3 months old, sound is poor", 2, "quality_expectation"),
]


@pytest.mark.parametrize("text, rating, family", ROUND_TEST12_TO_TEST14 + ROUND_TEST15_TEST16 + ROUND_TEST17_TEST18)
def test_wordings_of_the_rounds_of_rules(text, rating, family):
    _assert_family(text, rating, family)


@pytest.mark.parametrize("over, said", [({"min_score": "abc"}, r"scoring\.min_score must be a number of 0 or more, got 'abc'"),
                                        ({"text_cap": "x"}, r"scoring\.text_cap must be a number"),
                                        ({"rating_low_weight": -1}, r"scoring\.rating_low_weight must be a number"),
                                        ({"priority": ["nope"]}, r"scoring\.priority must be a list of known families")])
def test_the_scoring_numbers_are_checked_as_family_names_are(over, said):
    """min_score = "abc" passed the Taxonomy page's check, then every analysis page raised ValueError (a browser test)."""
    with pytest.raises(SettingsError, match=said):
        load_taxonomy(overrides={"scoring": over})
