"""Root-cause ranking on constructed data with known causes and known confounders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import schema as S
from analysis.config import AnalysisSettings
from analysis.findings import MIN_TERM_REFERENCE, rank_findings, statement, term_sides

LOTS = {  # lot -> (supplier, cable_lot, packaging)
    "L1": ("Supplier A", "C1", "P1"),
    "L2": ("Supplier A", "C2", "P1"),
    "L3": ("Supplier A", "C2", "P2"),
    "L4": ("Supplier B", "C1", "P1"),
    "L5": ("Supplier B", "C3", "P2"),
    "L6": ("Supplier B", "C3", "P1"),
}
FCS = ["F1", "F2", "F3", "F4"]
WEEKS = pd.date_range("2026-06-01", periods=12, freq="W-MON")


def _world(seed: int, planted: bool):
    rng = np.random.default_rng(seed)
    ship_rows, complaint_rows = [], []
    order = 0
    for lot, (supplier, cable, pack) in LOTS.items():
        for fc in FCS:
            # L5 ships mostly through F4 (a lot that merely ships through the bad FC)
            units = 6000 if (lot == "L5" and fc == "F4") else (300 if lot == "L5" else 2500)
            for week in WEEKS:
                n = units // len(WEEKS)
                ship_rows.append({"lot": lot, "supplier": supplier, "cable_lot": cable, "packaging_version": pack, "fulfillment_center": fc, S.WEEK: week, S.QUANTITY: n})
                rates = {"product_defect": 0.004, "warehouse_damage": 0.002, "quality_expectation": 0.006}
                if planted:
                    if cable == "C1":
                        rates["product_defect"] = 0.024
                    if fc == "F4":
                        rates["warehouse_damage"] = 0.016
                for family, rate in rates.items():
                    for _ in range(rng.binomial(n, rate)):
                        order += 1
                        complaint_rows.append({S.ORDER_ID: f"111-{order:07d}-0000001", S.SKU: lot, S.FAMILY: family, S.QUANTITY: 1, "lot": lot, "supplier": supplier, "cable_lot": cable, "packaging_version": pack, "fulfillment_center": fc, S.WEEK: week, S.TEXT: "right earbud no sound" if family == "product_defect" else "case dented"})
    shipments = pd.DataFrame(ship_rows)
    shipments[S.QUANTITY] = shipments[S.QUANTITY].astype("Int64")
    complaints = pd.DataFrame(complaint_rows)
    complaints[S.QUANTITY] = complaints[S.QUANTITY].astype("Int64")
    return complaints, shipments


FACTORS = ["fulfillment_center", "lot", "supplier", "cable_lot", "packaging_version"]


def test_planted_causes_are_found_and_confounders_are_explained():
    complaints, shipments = _world(1, planted=True)
    result = rank_findings(complaints, shipments, FACTORS, AnalysisSettings())
    found = {(f["factor"], f["level"], f["family"]) for f in result.findings}
    assert ("cable_lot", "C1", "product_defect") in found
    assert ("fulfillment_center", "F4", "warehouse_damage") in found
    # the lots that carry C1, and the lot that ships through F4, are not root causes
    assert not any(f["factor"] in ("lot", "supplier") for f in result.findings), result.findings
    explained = {(e["factor"], e["level"]): e["explained_by"] for e in result.explained}
    assert explained[("lot", "L5")] == {"factor": "fulfillment_center", "level": "F4"}
    assert explained[("lot", "L1")] == {"factor": "cable_lot", "level": "C1"}
    cable = next(f for f in result.findings if f["factor"] == "cable_lot")
    # hand check of the headline numbers: complaints / units in C1 vs the rest
    c1 = shipments["cable_lot"] == "C1"
    units_c1 = int(shipments.loc[c1, S.QUANTITY].sum())
    n_c1 = int(((complaints["cable_lot"] == "C1") & (complaints[S.FAMILY] == "product_defect")).sum())
    n_rest = int(((complaints["cable_lot"] != "C1") & (complaints[S.FAMILY] == "product_defect")).sum())
    assert cable["units"] == units_c1 and cable["complaints"] == n_c1
    assert cable["rate"] == pytest.approx(n_c1 / units_c1)
    assert cable["baseline_rate"] == pytest.approx(n_rest / int(shipments.loc[~c1, S.QUANTITY].sum()))
    assert cable["ci_low"] < cable["rate"] < cable["ci_high"]
    assert cable["p_adjusted"] < 0.01 and cable["rank"] >= 1
    assert "C1" in cable["statement"]
    # the odds ratio of the same comparison, by hand: ad/bc, Woolf interval exp(log OR +- 1.96 sqrt(1/a + 1/b + 1/c + 1/d))
    a, b = n_c1, units_c1 - n_c1
    c, d = n_rest, int(shipments.loc[~c1, S.QUANTITY].sum()) - n_rest
    log_or, se = np.log(a * d / (b * c)), np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert cable["odds_ratio"] == pytest.approx(np.exp(log_or), rel=1e-12)
    assert (cable["or_ci_low"], cable["or_ci_high"]) == pytest.approx((np.exp(log_or - 1.959963985 * se), np.exp(log_or + 1.959963985 * se)), rel=1e-8)


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_no_planted_cause_gives_no_finding(seed):
    complaints, shipments = _world(seed, planted=False)
    result = rank_findings(complaints, shipments, FACTORS, AnalysisSettings())
    assert result.findings == []
    assert any("no root cause" in w["text"] and w["code"] == "no_established" for w in result.warnings)


def test_without_shipments_findings_are_about_shares_of_complaints():
    complaints, _ = _world(1, planted=True)
    result = rank_findings(complaints, None, FACTORS, AnalysisSettings())
    assert result.basis == "complaints"
    assert all(f["units"] is None for f in result.findings)
    assert any("rates per unit are not available" in w["text"] for w in result.warnings)


def test_statement_reads_like_a_sentence():
    text = statement({"factor": "cable_lot", "level": "CB-2407", "family": "product_defect", "rate": 0.039, "baseline_rate": 0.006, "units": 3120, "rate_ratio": 6.3, "rr_ci_low": 4.1, "rr_ci_high": 9.7, "p_adjusted": 3e-10, "onset": "2026-07-14", "top_terms": ["right earbud", "no sound"], "basis": "units"})
    assert text == "cable lot CB-2407: 3.90% of 3,120 units returned as defective vs 0.60% elsewhere, 6.3x (95% CI 4.1-9.7); adjusted p < 0.0001; since 2026-07-14; buyers say: right earbud, no sound"
    # the terms significantly more frequent only; none of them: the terms, said to be none
    f = {"factor": "asin", "level": "B0X", "family": "not_as_described", "rate": 0.01, "baseline_rate": 0.002, "units": 5000,
         "p_adjusted": 1e-5, "top_terms": ["listing says", "noise cancelling", "advertised", "active"],
         "top_terms_significant": [False, True, False, False], "basis": "units"}
    assert statement(f).endswith("; buyers say: noise cancelling")
    assert statement({**f, "top_terms_significant": [False] * 4}).endswith(
        "; buyers say: listing says, noise cancelling, advertised (none significantly more often)")


def test_net_ratio_is_the_comparison_a_finding_states():
    from analysis.findings import _net_ratio

    # cells: rest, supplier only, packaging only, both, a lot inside both
    X = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [1, 1, 1]], dtype=float)  # supplier, packaging, lot
    y = np.array([3, 1, 9, 25, 15], dtype=float)
    n = np.array([12163, 5022, 16141, 10009, 2094], dtype=float)
    rest = 3 / 12163
    # the supplier, net of the packaging (which does not contain it) and the lot (inside it: then counted as its own)
    assert _net_ratio(0, [0, 1, 2], X, y, n) == pytest.approx((1 / 5022) / rest)
    assert _net_ratio(1, [0, 1, 2], X, y, n) == pytest.approx((9 / 16141) / rest)
    # the lot lies inside both: compared with their other units
    assert _net_ratio(2, [0, 1, 2], X, y, n) == pytest.approx((15 / 2094) / (25 / 10009))
    # alone, each is compared with everything else
    assert _net_ratio(0, [0], X, y, n) == pytest.approx((41 / 17125) / (12 / 28304))
    # no units on one side: no ratio; no complaint in the rest: infinitely more
    assert np.isnan(_net_ratio(0, [0, 1], X, y, np.array([1.0, 0, 1, 0, 0])))
    assert _net_ratio(0, [0], X, np.array([0, 1, 0, 1, 1.0]), n) == float("inf")


def test_a_cause_masked_by_a_stronger_one_is_still_found():
    """A weak component effect whose marginal rate is diluted by a strong cause elsewhere."""
    rng = np.random.default_rng(5)
    ship, rows, order = [], [], 0
    for lot, cable, battery in [("A", "C1", "B1"), ("B", "C1", "B2"), ("C", "C2", "B2"), ("D", "C2", "B3"), ("E", "C3", "B3"), ("F", "C3", "B1")]:
        for week in WEEKS:
            n = 1500
            ship.append({"lot": lot, "cable_lot": cable, "battery_lot": battery, "fulfillment_center": "F1", S.WEEK: week, S.QUANTITY: n})
            rate = 0.004 * (6 if cable == "C1" else 1) * (2.2 if battery == "B3" else 1)
            for _ in range(rng.binomial(n, rate)):
                order += 1
                rows.append({S.ORDER_ID: f"o{order}", S.SKU: lot, S.FAMILY: "product_defect", S.QUANTITY: 1, "lot": lot, "cable_lot": cable, "battery_lot": battery, "fulfillment_center": "F1", S.WEEK: week, S.TEXT: "battery drains"})
    shipments, complaints = pd.DataFrame(ship), pd.DataFrame(rows)
    result = rank_findings(complaints, shipments, ["lot", "cable_lot", "battery_lot"], AnalysisSettings())
    found = {(f["factor"], f["level"]) for f in result.findings}
    assert ("cable_lot", "C1") in found and ("battery_lot", "B3") in found
    b3 = next(f for f in result.findings if f["level"] == "B3")
    # reported net of the cable lot: B3's own units against units outside both causes
    assert b3["rate_ratio"] == pytest.approx(2.2, rel=0.35) and b3["net_of"] == [{"factor": "cable_lot", "level": "C1"}]


def test_selection_score_is_raos_score_test_as_statsmodels_computes_it():
    """z**2 of a candidate equals statsmodels' GLM score test of adding it to the fitted model."""
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM

    from analysis.findings import _fit, _score_z

    rng = np.random.default_rng(1)
    k = 80
    X = np.column_stack([rng.random(k) < 0.4, rng.random(k) < 0.1, rng.random(k) < 0.3]).astype(float)
    n = rng.integers(50, 500, k).astype(float)
    y = rng.binomial(n.astype(int), 0.01 * (1 + 1.5 * X[:, 0] + 0.8 * X[:, 1])).astype(float)
    _, mu, _ = _fit(y, n, X[:, [0]])
    z = _score_z(y, n, mu, X, X[:, [0]])
    fitted = GLM(np.column_stack([y, n - y]), np.column_stack([np.ones(k), X[:, 0]]), family=Binomial()).fit()
    for j in (1, 2):
        assert z[j] ** 2 == pytest.approx(float(np.squeeze(fitted.score_test(exog_extra=X[:, [j]])[0])), rel=1e-6)
    assert z[0] == 0.0  # already in the model


def test_a_broad_cause_is_not_split_into_the_small_levels_that_happen_to_peak_inside_it():
    """Packaging P2 doubles damage on all its units; one of its lots has a chance excess on top.

    Scored without the intercept correction, the small lot looked stronger than P2
    and entered first; with Rao's score P2 enters and the lot is not a finding.
    """
    rng = np.random.default_rng(5)
    ship, rows = [], []
    lots = {"L1": "P1", "L2": "P1", "L3": "P1", "L4": "P2", "L5": "P2", "L6": "P2", "L7": "P2"}
    units = {"L1": 12000, "L2": 12000, "L3": 12000, "L4": 3000, "L5": 8000, "L6": 8000, "L7": 8000}
    for lot, pack in lots.items():
        n = units[lot]
        ship.append({"lot": lot, "packaging_version": pack, S.WEEK: WEEKS[0], S.QUANTITY: n})
        rate = 0.004 * (2.0 if pack == "P2" else 1.0) * (1.8 if lot == "L4" else 1.0)
        for i in range(rng.binomial(n, rate)):
            rows.append({S.ORDER_ID: f"{lot}-{i}", S.SKU: lot, S.FAMILY: "shipping_damage", S.QUANTITY: 1, "lot": lot, "packaging_version": pack, S.WEEK: WEEKS[0], S.TEXT: "box crushed"})
    shipments = pd.DataFrame(ship).astype({S.QUANTITY: "Int64"})
    result = rank_findings(pd.DataFrame(rows).astype({S.QUANTITY: "Int64"}), shipments, ["lot", "packaging_version"], AnalysisSettings())
    named = [(f["factor"], f["level"]) for f in result.findings]
    assert named[0] == ("packaging_version", "P2")
    assert ("lot", "L4") not in named[:1]


def test_a_component_lot_is_named_before_the_one_lot_that_carries_it_when_the_data_cannot_tell_them_apart():
    """Battery lot B9 is in lots L1 (many units) and L2 (few, a little quieter): L1 scores a bit higher, B9 nearly as well.

    The component enters and the lot is listed as competing with it.
    """
    counts = {"L1": ("B9", 9000, 110), "L2": ("B9", 900, 6), "L3": ("B1", 9000, 45), "L4": ("B1", 9000, 47), "L5": ("B2", 9000, 44)}
    ship, rows = [], []
    for lot, (battery, n, k) in counts.items():
        ship.append({"lot": lot, "battery_lot": battery, S.WEEK: WEEKS[0], S.QUANTITY: n})
        rows += [{S.ORDER_ID: f"{lot}-{i}", S.SKU: lot, S.FAMILY: "product_defect", S.QUANTITY: 1, "lot": lot, "battery_lot": battery, S.WEEK: WEEKS[0], S.TEXT: "drains fast"} for i in range(k)]
    shipments = pd.DataFrame(ship).astype({S.QUANTITY: "Int64"})
    result = rank_findings(pd.DataFrame(rows).astype({S.QUANTITY: "Int64"}), shipments, ["lot", "battery_lot"], AnalysisSettings())
    top = result.findings[0]
    assert (top["factor"], top["level"]) == ("battery_lot", "B9")
    assert {"factor": "lot", "level": "L1"} in top["competing"]
    lots = result.levels[(result.levels["factor"] == "lot") & (result.levels["level"] == "L1")]
    b9 = result.levels[(result.levels["factor"] == "battery_lot") & (result.levels["level"] == "B9")]
    assert lots["p_value"].iloc[0] < b9["p_value"].iloc[0]  # the lot alone is the stronger marginal signal


def test_a_finding_inside_another_is_compared_with_the_rest_of_it():
    """Cable lot C9 doubles defects in L1-L3; L1 has a second problem on top: L1 is described within C9."""
    counts = {"L1": ("C9", 6000, 150), "L2": ("C9", 6000, 60), "L3": ("C9", 6000, 58), "L4": ("C1", 6000, 30), "L5": ("C1", 6000, 29), "L6": ("C2", 6000, 31)}
    ship, rows = [], []
    for lot, (cable, n, k) in counts.items():
        ship.append({"lot": lot, "cable_lot": cable, S.WEEK: WEEKS[0], S.QUANTITY: n})
        rows += [{S.ORDER_ID: f"{lot}-{i}", S.SKU: lot, S.FAMILY: "product_defect", S.QUANTITY: 1, "lot": lot, "cable_lot": cable, S.WEEK: WEEKS[0], S.TEXT: "no sound"} for i in range(k)]
    result = rank_findings(pd.DataFrame(rows).astype({S.QUANTITY: "Int64"}), pd.DataFrame(ship).astype({S.QUANTITY: "Int64"}), ["lot", "cable_lot"], AnalysisSettings())
    by_level = {f["level"]: f for f in result.findings}
    assert set(by_level) == {"C9", "L1"}
    inner = by_level["L1"]
    assert inner["within"] == [{"factor": "cable_lot", "level": "C9"}] and inner["net_of"] == []
    assert (inner["complaints"], inner["units"]) == (150, 6000)
    assert inner["baseline_rate"] == pytest.approx((60 + 58) / 12000)  # the rest of C9
    assert "elsewhere in cable lot C9" in inner["statement"]
    outer = by_level["C9"]
    assert outer["units"] == 12000 and outer["baseline_rate"] == pytest.approx(90 / 18000)  # C9 net of L1, against outside C9


def _term_frame(elsewhere: int) -> pd.DataFrame:
    """A lot whose quality complaints are about the battery, the family's complaints elsewhere about fit
    and bass, and defects everywhere about the battery."""
    rows = [("L1", "quality_expectation", "battery drains fast")] * 10 + [("L1", "quality_expectation", "uncomfortable fit, bass is weak")] * 20
    rows += [("L2", "quality_expectation", "uncomfortable fit, bass is weak")] * elsewhere
    rows += [("L2", "quality_expectation", "")] * 40  # no words: not counted towards the reference
    rows += [(lot, "product_defect", "battery drains fast, won't hold a charge") for lot in ("L1", "L2") for _ in range(150)]
    return pd.DataFrame(rows, columns=["lot", S.FAMILY, S.TEXT]).assign(**{S.TITLE: ""})


def test_a_findings_words_are_compared_with_its_family_elsewhere():
    frame = _term_frame(MIN_TERM_REFERENCE)
    focus, reference, against = term_sides(frame, "lot", "L1", "quality_expectation")
    assert against == "family"
    assert focus.sum() == 30 and (frame.loc[focus, "lot"] == "L1").all()
    assert set(frame.loc[reference, S.FAMILY]) == {"quality_expectation"} and (frame.loc[reference, "lot"] == "L2").all()
    from analysis.keywords import top_terms

    # against its own family the lot's excess reads as the battery; against every complaint it would not
    assert top_terms(frame[focus], frame[reference], n=3) == ["battery drains fast"]
    assert not any("battery" in term for term in top_terms(frame[focus], frame[~focus], n=2))


def test_too_few_worded_complaints_elsewhere_compare_with_every_other_complaint():
    frame = _term_frame(MIN_TERM_REFERENCE - 1)  # the 40 without words do not make up the number
    focus, reference, against = term_sides(frame, "lot", "L1", "quality_expectation")
    assert against == "all" and (reference == ~focus).all()


def test_each_finding_has_its_own_onset_not_its_familys():
    """Two causes of transit damage: fulfilment centre F4 all along, packaging P2 from the week it starts
    shipping.  The family's rate steps up with P2; that date is P2's, and F4's excess has no start."""
    rng = np.random.default_rng(5)
    weeks = pd.date_range("2026-06-01", periods=16, freq="W-MON")
    ship_rows, complaint_rows = [], []
    for i, week in enumerate(weeks):
        for fc in FCS:
            for pack in ("P1", "P2"):
                if pack == "P2" and i < 8:
                    continue  # P2 ships from the ninth week
                n = 1500
                ship_rows.append({"fulfillment_center": fc, "packaging_version": pack, S.WEEK: week, S.QUANTITY: n})
                rate = 0.003 * (4 if fc == "F4" else 1) * (4 if pack == "P2" else 1)
                for _ in range(rng.binomial(n, rate)):
                    complaint_rows.append({S.ORDER_ID: f"111-{len(complaint_rows):07d}-0000001", S.SKU: pack, S.FAMILY: "shipping_damage", S.QUANTITY: 1, "fulfillment_center": fc, "packaging_version": pack,
                                           S.WEEK: week, S.TEXT: "box crushed"})
    shipments = pd.DataFrame(ship_rows).astype({S.QUANTITY: "Int64"})
    complaints = pd.DataFrame(complaint_rows).astype({S.QUANTITY: "Int64"})
    result = rank_findings(complaints, shipments, ["fulfillment_center", "packaging_version"], AnalysisSettings())
    onsets = {f["level"]: f["onset"] for f in result.findings}
    assert set(onsets) == {"F4", "P2"}
    assert onsets["P2"] == str(weeks[8].date())
    assert onsets["F4"] is None


def _with_transit_damage(complaints: pd.DataFrame, shipments: pd.DataFrame, seed: int, rate, text) -> pd.DataFrame:
    """``complaints`` and transit-damage complaints drawn per shipment cell at ``rate(cell)``, worded ``text(i)``."""
    rng = np.random.default_rng(seed)
    extra = []
    for row in shipments.itertuples():
        for _ in range(rng.binomial(int(getattr(row, S.QUANTITY)), rate(row))):
            extra.append({S.ORDER_ID: f"112-{len(extra):07d}-0000001", S.SKU: row.lot, S.FAMILY: "shipping_damage", S.QUANTITY: 1,
                          "lot": row.lot, "supplier": row.supplier, "cable_lot": row.cable_lot, "packaging_version": row.packaging_version,
                          "fulfillment_center": row.fulfillment_center, S.WEEK: getattr(row, S.WEEK), S.TEXT: text(len(extra))})
    return pd.concat([complaints, pd.DataFrame(extra).astype({S.QUANTITY: "Int64"})], ignore_index=True)


def test_a_level_behind_two_kinds_of_complaint_names_the_other_finding():
    """F4 damages units: some buyers' returns read as warehouse damage, some as transit damage.
    Each finding names the other (findings.json 'also'); findings of different levels name none."""
    complaints, shipments = _world(2, planted=True)
    complaints = _with_transit_damage(complaints, shipments, 9, lambda row: 0.01 if row.fulfillment_center == "F4" else 0.002,
                                      lambda i: "box fine, case dented")
    result = rank_findings(complaints, shipments, FACTORS, AnalysisSettings())
    by = {(f["level"], f["family"]): f for f in result.findings}
    wh, sd = by[("F4", "warehouse_damage")], by[("F4", "shipping_damage")]
    assert wh["also"] == [{"rank": sd["rank"], "family": "shipping_damage"}]
    assert sd["also"] == [{"rank": wh["rank"], "family": "warehouse_damage"}]
    assert by[("C1", "product_defect")]["also"] == []


def test_a_lot_worded_like_its_family_everywhere_reads_against_every_other_complaint():
    """A lot with more transit damage, described in the words transit damage uses everywhere: against its
    family nothing stands out, so its words are read against every other complaint ('box crushed')."""
    complaints, shipments = _world(3, planted=False)
    complaints = _with_transit_damage(complaints, shipments, 4, lambda row: 0.012 if row.lot == "L3" else 0.003,
                                      lambda i: ["box crushed", "arrived with the box crushed", "package torn open"][i % 3])
    from analysis.keywords import top_terms

    result = rank_findings(complaints, shipments, FACTORS, AnalysisSettings(), top_terms_fn=lambda f, r, n, **kw: top_terms(f, r, n=n, **kw))
    lot = next(f for f in result.findings if f["level"] == "L3" and f["family"] == "shipping_damage")
    assert lot["terms_against"] == "all"
    assert "box crushed" in lot["top_terms"]


def test_a_cause_with_no_complaint_elsewhere_reads_zero_and_says_how_its_ratio_was_made():
    """Every warehouse damage at one FC: the baseline is 0 (not "0.00%" of something), the rest's counts
    are in the finding, and the finite rate ratio is Haldane-Anscombe's, as the statement says."""
    rng = np.random.default_rng(11)
    ship, rows = [], []
    for fc in FCS:
        for week in WEEKS:
            ship.append({"fulfillment_center": fc, S.WEEK: week, S.QUANTITY: 2000})
            for i in range(rng.binomial(2000, 0.01) if fc == "F2" else 0):
                rows.append({S.ORDER_ID: f"{fc}{week:%m%d}{i}", S.SKU: "A", S.FAMILY: "warehouse_damage", S.QUANTITY: 1,
                             "fulfillment_center": fc, S.WEEK: week, S.TEXT: "case dented"})
    shipments, complaints = pd.DataFrame(ship), pd.DataFrame(rows)
    found = rank_findings(complaints, shipments, ["fulfillment_center"], AnalysisSettings()).findings
    assert [(f["factor"], f["level"]) for f in found] == [("fulfillment_center", "F2")]
    f = found[0]
    a, n1, n2 = len(complaints), 2000 * len(WEEKS), 3 * 2000 * len(WEEKS)
    assert (f["baseline_rate"], f["baseline_complaints"], f["baseline_units"]) == (0.0, 0, n2)
    assert f["rate_ratio"] == pytest.approx(((a + 0.5) / (n1 + 1)) / (0.5 / (n2 + 1)))  # 0.5 added to every cell
    text = statement(f)
    assert f"vs 0% elsewhere, {f['rate_ratio']:,.0f}x" in text and "none elsewhere: the ratio adds 0.5 to every cell" in text


def test_a_tiny_baseline_keeps_two_significant_digits_and_a_large_ratio_no_decimal():
    text = statement({"factor": "fulfillment_center", "level": "SBD1", "family": "warehouse_damage", "rate": 0.0077, "baseline_rate": 0.0000041,
                      "units": 208850, "rate_ratio": 1796.04, "rr_ci_low": 250.2, "rr_ci_high": 12890.7, "p_adjusted": 1e-12, "basis": "units"})
    assert "0.77% of 208,850 units damaged at the fulfilment centre vs 0.00041% elsewhere, 1,796x (95% CI 250-12,891)" in text
    assert "none elsewhere" not in text
