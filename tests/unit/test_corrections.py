"""An analyst's corrections: made on one analysis, kept in a file, applied to the next, reaching the findings."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analysis import corrections as C
from analysis import load_files
from analysis.classify import load_taxonomy
from analysis.cli import main
from analysis.errors import ReportFormatError
from analysis.pipeline import analyze

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
FILES = [SAMPLE / n for n in ("fba_customer_returns.txt", "fba_customer_shipment_sales.txt", "lot_master.csv", "reviews.csv")]


@pytest.fixture(scope="module")
def base():
    return analyze(load_files(FILES, strict=True))


def _cable_defects(a):
    c = a.complaints
    return c[(c["cable_lot"] == "CB-2606") & (c["family"] == "product_defect")]


def test_a_correction_round_trips_through_its_file_without_customer_words(base, tmp_path):
    rows = base.complaints[base.complaints["text"].fillna("").str.len() > 20].head(4)
    cor = C.correct(None, base.complaints, rows["complaint_id"], "quality_expectation", note="=HYPERLINK(\"x\") bass only")
    assert len(cor) == sum(rows["family"] != "quality_expectation")
    data = C.to_csv_bytes(cor)
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text  # no live formula in a spreadsheet
    for words in rows["text"]:  # the customer's words stay out of the file: a digest identifies them
        assert words not in text and words.split()[0] + " " + words.split()[1] not in text
    (tmp_path / "c.csv").write_bytes(data)
    back = C.read_corrections(tmp_path / "c.csv", families=load_taxonomy().families)
    assert_frame_equal(back, cor.reset_index(drop=True), check_dtype=False)


def test_corrections_change_the_family_and_say_what_the_rules_said(base):
    row = base.complaints[base.complaints["family"] == "product_defect"].iloc[0]
    cor = C.correct(None, base.complaints, [row["complaint_id"]], "misuse", note="dropped in water")
    out, summary = C.apply_corrections(base.complaints, cor)
    assert summary == {"corrections": 1, "applied": 1, "unmatched": 0}
    got = out.set_index("complaint_id").loc[row["complaint_id"]]
    assert got["family"] == "misuse" and got["family_confidence"] == 1.0
    assert got["evidence"] == f"analyst: misuse (dropped in water); rules said product_defect ({row['evidence']})"
    # every other complaint untouched, and the input not modified
    others = out["complaint_id"] != row["complaint_id"]
    assert_frame_equal(out[others], base.complaints[others])
    assert base.complaints.set_index("complaint_id").loc[row["complaint_id"], "family"] == "product_defect"


def test_setting_a_complaint_back_to_the_rules_family_removes_its_correction(base):
    ids = base.complaints[base.complaints["family"] == "product_defect"]["complaint_id"].head(2).tolist()
    cor = C.correct(None, base.complaints, ids, "other")
    corrected, _ = C.apply_corrections(base.complaints, cor)
    # the analyst changes their mind on the corrected data: the rules' family is read from the evidence
    again = C.correct(cor, corrected, ids[:1], "product_defect")
    assert len(again) == 1 and again["order_id"].iloc[0] == corrected.set_index("complaint_id").loc[ids[1], "order_id"]
    assert again["previous_family"].tolist() == ["product_defect"]
    # correcting again replaces, never duplicates
    assert len(C.correct(cor, corrected, ids, "misuse")) == 2
    with pytest.raises(ValueError, match="no complaint with id nope"):
        C.correct(None, base.complaints, ["nope"], "other")


def test_corrections_follow_the_complaint_not_its_row(base):
    # loaded in another order, the complaints get other ids (file index : line); the correction still applies
    ids = _cable_defects(base)["complaint_id"].head(5)
    cor = C.correct(None, base.complaints, ids, "quality_expectation")
    other_order = load_files(list(reversed(FILES)), strict=True)
    a = analyze(other_order, corrections=cor)
    assert a.findings["summary"]["corrections"] == {"corrections": 5, "applied": 5, "unmatched": 0}
    assert (a.complaints["evidence"].str.startswith("analyst: quality_expectation")).sum() == 5
    assert not set(a.complaints["complaint_id"]) >= set(ids)  # the ids did change
    # on data that do not hold those complaints, nothing applies and the run says so
    returns_only = analyze(load_files([SAMPLE / "reviews.csv"], strict=True), corrections=cor)
    assert returns_only.findings["summary"]["corrections"] == {"corrections": 5, "applied": 0, "unmatched": 5}
    assert any("5 correction(s) name no complaint" in w for w in returns_only.findings["warnings"])


def test_corrections_reach_the_findings(base):
    # an analyst who reads every cable-lot defect as a disappointment (not a failure) takes the finding away
    before = [(f["factor"], f["level"], f["family"]) for f in base.findings["findings"]]
    assert ("cable_lot", "CB-2606", "product_defect") in before
    cor = C.correct(None, base.complaints, _cable_defects(base)["complaint_id"], "quality_expectation")
    after = analyze(base.dataset, corrections=cor)
    found = [(f["factor"], f["level"], f["family"]) for f in after.findings["findings"]]
    assert ("cable_lot", "CB-2606", "product_defect") not in found
    assert after.findings["summary"]["corrections"]["applied"] == len(cor)
    n_before = dict((d["family"], d["count"]) for d in base.findings["summary"]["families"])
    n_after = dict((d["family"], d["count"]) for d in after.findings["summary"]["families"])
    assert n_after["product_defect"] == n_before["product_defect"] - len(cor)
    assert n_after["quality_expectation"] == n_before["quality_expectation"] + len(cor)


@pytest.mark.parametrize("content, problem", [
    (b"family,note\nother,x\n", "c.csv: not a corrections file: column(s) source_kind, order_id, sku, asin, text_sha missing"),
    (b"source_kind,order_id,sku,asin,text_sha,family\nfba_returns,1,2,3,ab,broken\n", "c.csv: unknown family 'broken'"),
    (b"\x00\x01\x02", "c.csv: binary or unreadable content, not a corrections CSV"),
])
def test_a_bad_corrections_file_is_one_line(tmp_path, content, problem):
    (tmp_path / "c.csv").write_bytes(content)
    with pytest.raises(ReportFormatError) as err:
        C.read_corrections(tmp_path / "c.csv", families=load_taxonomy().families)
    assert str(err.value).startswith(problem) and "\n" not in str(err.value)


def test_cli_report_and_classify_take_corrections(base, tmp_path, capsys):
    rows = _cable_defects(base).head(3)
    (tmp_path / "c.csv").write_bytes(C.to_csv_bytes(C.correct(None, base.complaints, rows["complaint_id"], "misuse")))
    args = ["--returns", str(FILES[0]), "--shipments", str(FILES[1]), "--lots", str(FILES[2])]
    assert main(["report", *args, "--out", str(tmp_path / "out"), "--findings-only", "--corrections", str(tmp_path / "c.csv")]) == 0
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["summary"]["corrections"] == {"corrections": 3, "applied": 3, "unmatched": 0}
    assert main(["classify", str(FILES[0]), "--out", str(tmp_path / "r.csv"), "--corrections", str(tmp_path / "c.csv")]) == 0
    out = pd.read_csv(tmp_path / "r.csv", dtype="string", encoding="utf-8-sig")
    assert (out["family"] == "misuse").sum() == 3
    assert "3 complaint(s) set by the analyst, 0 correction(s) matched nothing" in capsys.readouterr().out
    # a bad file: one line, exit 2
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["classify", str(FILES[0]), "--corrections", str(tmp_path / "bad.csv")]) == 2
    assert capsys.readouterr().err.strip().startswith("error: bad.csv: not a corrections file")


def test_a_complaint_without_sku_or_asin_is_corrected_too(tmp_path):
    # seller feedback names no SKU or ASIN; on an order not in the shipment files it gets none from the order's
    # shipment line: the analysis shows them as "(unknown)", the raw table as blank
    lines = (SAMPLE / "seller_feedback.txt").read_text(encoding="cp1252").splitlines()
    unknown = [lines[0]] + ["\t".join(f if i != 4 else f"999-{n:07d}-0000000" for i, f in enumerate(line.split("\t"))) for n, line in enumerate(lines[1:])]
    (tmp_path / "seller_feedback.txt").write_text("\n".join(unknown) + "\n", encoding="cp1252")
    a = analyze(load_files([*FILES, tmp_path / "seller_feedback.txt"], strict=True))
    feedback = a.complaints[a.complaints["source_kind"] == "seller_feedback"]
    assert len(feedback) and (feedback["asin"].astype("str") == "(unknown)").all()
    cor = C.correct(None, feedback, feedback["complaint_id"].head(3), "other")
    assert (cor["asin"] == "").all()
    again = analyze(a.dataset, corrections=cor)
    assert again.findings["summary"]["corrections"] == {"corrections": len(cor), "applied": len(cor), "unmatched": 0}


def test_a_sku_that_looks_like_a_formula_still_matches_after_the_round_trip(base, tmp_path):
    # the file neutralises "+EAR-01" as "'+EAR-01" for spreadsheets; reading it back restores the SKU
    complaints = base.complaints.copy()
    complaints["sku"] = complaints["sku"].astype("str")
    first = complaints.index[0]
    complaints.loc[first, "sku"] = "+EAR-01"
    cor = C.correct(None, complaints, [complaints.loc[first, "complaint_id"]], "other" if complaints.loc[first, "family"] != "other" else "misuse")
    assert "'+EAR-01" in C.to_csv_bytes(cor).decode("utf-8-sig")
    back = C.read_corrections(C.to_csv_bytes(cor))
    assert back["sku"].tolist() == ["+EAR-01"]
    assert C.apply_corrections(complaints, back)[1]["applied"] == 1


def test_review_rows_filter_and_order(base):
    c = base.complaints
    least = C.review_rows(c)
    assert len(least) == len(c) and least["family_confidence"].is_monotonic_increasing
    defects = C.review_rows(c, family="product_defect")
    assert set(defects["family"]) == {"product_defect"} and len(defects) == (c["family"] == "product_defect").sum()
    said = C.review_rows(c, words="RIGHT EARBUD")  # case-insensitive, title or text
    expected = (c["text"].fillna("").str.lower().str.contains("right earbud") | c["title"].fillna("").str.lower().str.contains("right earbud"))
    assert len(said) == expected.sum() > 0
    assert len(C.review_rows(c, words="(.*")) == 0  # taken literally, not as a pattern
    newest = C.review_rows(c, order="date")
    assert newest["date"].dropna().is_monotonic_decreasing
    # safety incidents alone, whatever their family (the sample has none; two are made up here)
    assert len(C.review_rows(c, safety_only=True)) == 0
    marked = c.assign(safety=["exploded" if i in (3, 7) else "" for i in range(len(c))])
    got = C.review_rows(marked, safety_only=True)
    assert got["complaint_id"].tolist() == marked.iloc[[3, 7]].sort_values(["family_confidence", "date"], kind="stable")["complaint_id"].tolist()
    assert len(C.review_rows(marked.drop(columns=["safety"]), safety_only=True)) == 0


# ------------------------------------------------------------ look-alikes
def _complaints(texts: list[str], families: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"complaint_id": [f"c{i}" for i in range(len(texts))], "source_kind": "reviews", "order_id": "",
                         "sku": "S1", "asin": "B1", "title": "", "text": texts, "family": families})


def test_look_alikes_offer_the_correction_for_complaints_worded_the_same():
    texts = ["the left earbud sound cuts out every few seconds", "left earbud sound cuts out every few seconds, annoying",
             "sound cuts out in the left earbud every few seconds", "bass is weak and the fit is loose", "great product", "",
             "the left earbud sound cuts out every few seconds"]
    fams = ["product_defect", "product_defect", "product_defect", "quality_expectation", "other", "quality_expectation", "quality_expectation"]
    complaints = _complaints(texts, fams)
    fixes = C.correct(C.empty(), complaints, ["c0"], "quality_expectation")
    corrected, _ = C.apply_corrections(complaints.assign(family_confidence=0.5, evidence="terms: cuts out"), fixes)
    alike = C.look_alikes(corrected, fixes, min_similarity=0.6)
    assert list(alike.columns) == list(C.LOOK_ALIKE_COLUMNS)
    # the two paraphrases, most similar first; not the unrelated texts, not the empty one, not c6 (already that family)
    assert alike["complaint_id"].tolist() == ["c1", "c2"]
    assert (alike["suggested_family"] == "quality_expectation").all() and (alike["like_complaint_id"] == "c0").all()
    assert alike["similarity"].is_monotonic_decreasing and alike["similarity"].between(0.6, 1.0).all()
    assert C.look_alikes(corrected, fixes, min_similarity=0.9)["complaint_id"].tolist() == ["c1"]
    assert C.look_alikes(corrected, None).empty and C.look_alikes(corrected, C.empty()).empty


def test_look_alike_similarity_is_the_tfidf_cosine_by_hand():
    """Three complaints: "crackle hiss", "crackle buzz", "refund".  Terms (words and two-word phrases):
    crackle (in 2 of 3), hiss, "crackle hiss", buzz, "crackle buzz", refund (each in 1).  Each count is 1,
    so weight = idf = 1 + ln((1 + 3) / (1 + documents)); the cosine of the first two is
    idf(crackle)^2 / (idf(crackle)^2 + 2 idf(rare)^2) = 0.2243 (both have the same length)."""
    import math

    complaints = _complaints(["crackle hiss", "crackle buzz", "refund"], ["product_defect", "quality_expectation", "other"])
    fixes = C.correct(C.empty(), complaints, ["c0"], "not_as_described")
    corrected, _ = C.apply_corrections(complaints.assign(family_confidence=0.5, evidence=""), fixes)
    common, rare = 1 + math.log(4 / 3), 1 + math.log(4 / 2)
    expected = common**2 / (common**2 + 2 * rare**2)
    alike = C.look_alikes(corrected, fixes, min_similarity=0.1)
    assert alike["complaint_id"].tolist() == ["c1"]
    assert alike["similarity"].iloc[0] == pytest.approx(expected, abs=1e-12) and round(expected, 4) == 0.2243


def test_a_correction_can_carry_a_note_per_complaint():
    complaints = _complaints(["crackle hiss", "crackle buzz", "refund"], ["product_defect", "quality_expectation", "other"])
    fixes = C.correct(C.empty(), complaints, ["c0", "c1"], "not_as_described", note={"c0": " worded like c9 ", "c2": "unused"})
    assert fixes.set_index("previous_family")["note"].to_dict() == {"product_defect": "worded like c9", "quality_expectation": ""}
    assert C.correct(C.empty(), complaints, ["c0"], "other", note=" one for all ")["note"].tolist() == ["one for all"]


def test_an_analyst_who_gives_praise_a_family_keeps_it_in_the_analysis(base):
    """A five-star review is praise and left out, unless the analyst says it is a complaint."""
    from analysis.classify import classify_complaints

    every = classify_complaints(base.linked.complaints)
    praise = every[(every["source_kind"] == "reviews") & (every["rating"] >= 4)]
    assert len(praise) and not base.complaints["complaint_id"].isin(praise["complaint_id"]).any()
    one = praise.iloc[[0]]
    cor = C.correct(None, every, one["complaint_id"], "product_defect", note="the case hinge broke, says the photo")
    # a correction follows the complaint's order, SKU, ASIN and words: every review that matches it the same way
    changed, _ = C.apply_corrections(every, cor)
    same = every[changed["family"].to_numpy() != every["family"].to_numpy()]
    assert 1 <= len(same) < len(praise)
    after = analyze(base.dataset, corrections=cor)
    kept = after.complaints[after.complaints["complaint_id"].isin(same["complaint_id"])]
    assert len(kept) == len(same) and set(kept["family"]) == {"product_defect"}
    assert kept["evidence"].str.startswith("analyst: product_defect").all()
    assert sum(after.findings["summary"]["praise"].values()) == sum(base.findings["summary"]["praise"].values()) - len(same)
    assert after.findings["summary"]["corrections"]["applied"] == len(same)
