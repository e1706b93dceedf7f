"""Tests for analysis.stats against independent references.

References: R (binom, fisher.test, mantelhaen.test, p.adjust), the qcc 3.0
vignette printout, Stata 11 (Spector & Mazzeo logit), scipy docstrings, and hand
computations written out below next to the formula they use.  Golden values
live in tests/golden/stats_*.csv (sources in tests/golden/stats_README.md) or in
/work/shared/realdata/reference (read in place through the ``realdata`` fixture).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats as sps

from analysis import stats as S

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
Z975 = 1.959963984540054  # qnorm(0.975)
Z9990 = 3.090232306167813  # qnorm(0.999)


def _sig7_tol(value: float) -> float:
    """Half a unit in the 7th significant digit: R prints 7 significant digits."""
    if value == 0:
        return 1e-12
    return 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 6) * (1 + 1e-9)


def _decimals_tol(text: str) -> float:
    """Half a unit in the last recorded decimal place (at least 1e-13 for float noise)."""
    dec = len(text.split(".")[1]) if "." in text else 0
    return max(0.5 * 10.0**-dec, 1e-13)


# ---------------------------------------------------------------- settings / hygiene
def test_settings_defaults_and_frozen():
    s = S.StatsSettings()
    assert (s.min_units, s.min_complaints, s.alpha, s.fdr) == (30, 5, 0.05, 0.05)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.alpha = 0.1  # type: ignore[misc]


def test_stats_does_not_import_streamlit():
    src = Path(S.__file__).read_text(encoding="utf-8")
    assert "import streamlit" not in src and "from streamlit" not in src


def test_public_functions_have_numpydoc_notes():
    for name in S.__all__:
        obj = getattr(S, name)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            assert "Returns" in doc and "Notes" in doc, name


# ------------------------------------------------------------------- proportion_ci
R_BINOM_METHODS = {  # column prefix in the R file -> our method name
    "wilson": "wilson",
    "prop.test": "prop.test",
    "exact": "exact",
    "agresti-coull": "agresti-coull",
    "asymptotic": "wald",
}


@pytest.mark.parametrize("r_name", sorted(R_BINOM_METHODS))
def test_proportion_ci_matches_r_binom(realdata, r_name):
    # R: binom::binom.confint(x, n, conf.level = 0.95, tol = 1e-8), as recorded in
    # statsmodels' results_proportion.py; R does not clip Wald / Agresti-Coull.
    ref = pd.read_csv(realdata / "reference" / "binomial_ci_reference_R_binom.csv", dtype=str)
    x = ref["x"].astype(int).to_numpy()
    n = ref["n"].astype(int).to_numpy()
    low, high = S.proportion_ci(x, n, method=R_BINOM_METHODS[r_name], clip=False)
    for got, col in ((low, f"{r_name}_lower"), (high, f"{r_name}_upper")):
        expected = ref[col].astype(float).to_numpy()
        tol = np.array([_decimals_tol(t) for t in ref[col]])
        assert np.all(np.abs(got - expected) <= tol), (col, got - expected)


def test_proportion_ci_clips_by_default(realdata):
    ref = pd.read_csv(realdata / "reference" / "binomial_ci_reference_R_binom.csv")
    low, high = S.proportion_ci(ref["x"], ref["n"], method="wald")
    assert_allclose(low, ref["asymptotic_lower"].clip(0, 1), atol=1e-8)
    assert_allclose(high, ref["asymptotic_upper"].clip(0, 1), atol=1e-8)


def test_proportion_ci_wilson_hand_and_readme_case():
    # Wilson (1927): (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n); 19/38 from statsmodels' tests
    low, high = S.proportion_ci([19, 4], [38, 20])
    assert_allclose([low[0], high[0]], [0.348499283643951, 0.651500716356049], rtol=1e-12)
    p, n, z = 4 / 20, 20, Z975
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert_allclose([low[1], high[1]], [centre - half, centre + half], rtol=1e-12)


def test_proportion_ci_wilson_ends_are_exactly_zero_and_one():
    # by hand: with x = 0 the Wilson centre equals its half-width, so L = 0; with x = n, U = 1
    # (statsmodels' subtraction gives 3.4e-21 and 0.9999999999999999; the app printed the first as "5.42e-18 %")
    low, high = S.proportion_ci([0, 0, 7, 3], [973, 120_000, 7, 10])
    assert low[0] == 0.0 and low[1] == 0.0 and high[2] == 1.0
    z = Z975
    assert_allclose(high[1], z**2 / 120_000 / (1 + z**2 / 120_000), rtol=1e-12)  # U at x = 0: (z²/n) / (1 + z²/n)
    assert 0 < low[3] < high[3] < 1


def test_proportion_ci_edge_cases():
    low, high = S.proportion_ci([0, 3], [0, 10])
    assert np.isnan(low[0]) and np.isnan(high[0])
    with pytest.raises(S.StatsInputError):
        S.proportion_ci(5, 3)
    with pytest.raises(S.StatsInputError):
        S.proportion_ci(1, 3, method="bogus")


# ---------------------------------------------------------------------- adjust_pvalues
def test_adjust_pvalues_nan_safe_matches_r_p_adjust():
    p = [0.01, 0.04, np.nan, 0.03, 0.005]
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02  (m = 4: the NaN is not counted)
    # by hand: sorted 0.005*4/1, 0.01*4/2, 0.03*4/3, 0.04*4/4 = .02 .02 .04 .04, cumulative min from the top
    assert_allclose(S.adjust_pvalues(p), [0.02, 0.04, np.nan, 0.04, 0.02], rtol=1e-12)
    # R: p.adjust(..., "bonferroni") = p * 4
    assert_allclose(S.adjust_pvalues(p, "bonferroni"), [0.04, 0.16, np.nan, 0.12, 0.02], rtol=1e-12)
    # R: p.adjust(..., "holm"): sorted .005*4, .01*3, .03*2, .04*1 -> cummax .02 .03 .06 .06
    assert_allclose(S.adjust_pvalues(p, "holm"), [0.03, 0.06, np.nan, 0.06, 0.02], rtol=1e-12)
    assert np.isnan(S.adjust_pvalues([np.nan, np.nan])).all()


# ------------------------------------------------------------------- contingency_test
def _table(text: str) -> np.ndarray:
    return np.array(eval(text, {"__builtins__": {}}))  # literal nested lists from the reference file


def test_contingency_test_reference_cases(realdata):
    ref = pd.read_csv(realdata / "reference" / "contingency_reference.csv")
    checked = 0
    for row in ref.itertuples():
        tab = _table(row.table_rows)
        if row.test == "Fisher exact":
            alt = "greater" if row.options == "alternative=greater" else "two-sided"
            res = S.contingency_test(tab, test="fisher", alternative=alt)
            assert res.test == "fisher"
            if "R" in row.statistic_name:
                # R fisher.test prints p to 4 digits; its estimate is the conditional MLE, which we do not report
                assert abs(res.p_value - row.p_value) < 5e-5
                assert res.statistic == pytest.approx(9.0)  # sample odds ratio, not 6.408309
            else:
                assert_allclose(res.p_value, row.p_value, rtol=1e-12)
                assert_allclose(res.statistic, row.statistic, rtol=1e-12)
                if row.case == "tea_tasting":
                    greater = S.contingency_test(tab, test="fisher", alternative="greater")
                    assert_allclose(greater.p_value, 0.24285714285714283, rtol=1e-12)
        else:
            kind = "g" if row.test.startswith("G-test") else "chi2"
            res = S.contingency_test(tab, test=kind)
            assert res.test == kind
            assert res.dof == (1 if tab.shape == (2, 2) else 2)
            assert_allclose(res.statistic, row.statistic, rtol=1e-12)
            assert_allclose(res.p_value, row.p_value, rtol=1e-10)
            if row.case == "scipy_doc_chi2_2x3" and kind == "chi2":
                assert_allclose(res.expected, [[12, 12, 16], [18, 18, 24]])
        checked += 1
    assert checked == len(ref) == 9


def test_contingency_agresti_matches_r_printout():
    # R: chisq.test(M) on Agresti (2007) p.39 prints "X-squared = 30.07, df = 2, p-value = 2.954e-07"
    res = S.contingency_test([[762, 327, 468], [484, 239, 477]], test="chi2")
    assert round(res.statistic, 2) == 30.07 and res.dof == 2
    assert float(f"{res.p_value:.3e}") == 2.954e-07


def test_contingency_auto_choice():
    assert S.contingency_test([[3, 1], [1, 3]]).test == "fisher"  # expected counts 2 < 5
    assert S.contingency_test([[20, 30], [25, 25]]).test == "chi2"
    big = S.contingency_test([[1, 2, 30], [3, 4, 40]])  # r x c with small expected: chi2 with a warning note
    assert big.test == "chi2" and "expected" in big.note
    with pytest.raises(S.StatsInputError):
        S.contingency_test([[1, 2, 3], [3, 4, 5]], test="fisher")


# ---------------------------------------------------------------------- compare_levels
def test_compare_levels_columns_and_hand_values():
    cells = pd.DataFrame({"level": ["C", "A", "B"], "complaints": [8, 12, 5], "units": [500, 200, 300]})
    out = S.compare_levels(cells)
    assert list(out.columns) == [
        "level", "complaints", "units", "rate", "ci_low", "ci_high", "rest_complaints", "rest_units",
        "baseline_rate", "rate_ratio", "rr_ci_low", "rr_ci_high", "odds_ratio", "or_ci_low", "or_ci_high",
        "test", "p_value", "enough_data", "note",
    ]
    assert list(out["level"]) == ["A", "B", "C"] and isinstance(out.index, pd.RangeIndex)
    a = out.iloc[0]
    # A vs rest: table [[12, 188], [13, 787]]
    assert (a.rest_complaints, a.rest_units) == (13, 800)
    assert_allclose([a.rate, a.baseline_rate], [0.06, 13 / 800])
    # Wilson interval for 12/200
    p, n = 0.06, 200
    centre = (p + Z975**2 / (2 * n)) / (1 + Z975**2 / n)
    half = Z975 * math.sqrt(p * (1 - p) / n + Z975**2 / (4 * n**2)) / (1 + Z975**2 / n)
    assert_allclose([a.ci_low, a.ci_high], [centre - half, centre + half], rtol=1e-12)
    # Katz log interval: RR = (12/200)/(13/800), SE = sqrt(1/12 - 1/200 + 1/13 - 1/800)
    rr = (12 / 200) / (13 / 800)
    se = math.sqrt(1 / 12 - 1 / 200 + 1 / 13 - 1 / 800)
    assert_allclose([a.rate_ratio, a.rr_ci_low, a.rr_ci_high],
                    [rr, rr * math.exp(-Z975 * se), rr * math.exp(Z975 * se)], rtol=1e-10)
    # Woolf: OR = 12*787/(188*13), SE = sqrt(1/12 + 1/188 + 1/13 + 1/787)
    orr = 12 * 787 / (188 * 13)
    se = math.sqrt(1 / 12 + 1 / 188 + 1 / 13 + 1 / 787)
    assert_allclose([a.odds_ratio, a.or_ci_low, a.or_ci_high],
                    [orr, orr * math.exp(-Z975 * se), orr * math.exp(Z975 * se)], rtol=1e-10)
    # Pearson X² without correction; expected counts 5, 195, 20, 780 (none below 5) -> chi2
    x2 = (12 - 5) ** 2 / 5 + (188 - 195) ** 2 / 195 + (13 - 20) ** 2 / 20 + (787 - 780) ** 2 / 780
    assert a.test == "chi2"
    assert_allclose(a.p_value, sps.chi2.sf(x2, 1), rtol=1e-10)
    assert out["enough_data"].all() and (out["note"] == "").all()


def test_compare_levels_fisher_zero_cell_and_insufficient():
    cells = pd.DataFrame({"level": ["x", "y", "z"], "complaints": [0, 10, 3], "units": [20, 500, 40]})
    out = S.compare_levels(cells).set_index("level")
    x = out.loc["x"]
    assert x.test == "fisher" and not x.enough_data  # 20 units < 30
    assert "insufficient evidence" in x.note and "no complaint: ratios 0" in x.note and "0.5 added" not in x.note
    # no complaint in x: both ratios 0 (0.5 in every cell made the rate ratio (0.5/21)/(13.5/541) = 0.95), from 0 to
    # the Miettinen-Nurminen score limit: statsmodels' own interval, and the level where its score test gives p = 0.05
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

    assert x.rate_ratio == 0 and x.rr_ci_low == 0 and x.odds_ratio == 0 and x.or_ci_low == 0
    assert_allclose(x.rr_ci_high, confint_proportions_2indep(0, 20, 13, 540, compare="ratio", method="score")[1], rtol=1e-7)
    for limit, compare in ((x.rr_ci_high, "ratio"), (x.or_ci_high, "odds-ratio")):
        test = test_proportions_2indep(0, 20, 13, 540, value=limit, compare=compare, method="score")
        assert_allclose(test.pvalue, 0.05, rtol=1e-9)
    # by hand at the rate-ratio limit U: p2 from N U p2^2 - (U (n1 + c) + n2) p2 + c = 0, p1 = U p2, and
    # (n1 p1)^2/(n1 p1 q1) + (c - n2 p2)^2/(n2 p2 q2) times (N - 1)/N is the chi-square quantile 3.8415
    u, n1, c, n2 = x.rr_ci_high, 20, 13, 540
    qa, qb = 560 * u, -(u * (n1 + c) + n2)
    p2 = (-qb - math.sqrt(qb * qb - 4 * qa * c)) / (2 * qa)
    p1 = u * p2
    chi = (n1 * p1) ** 2 / (n1 * p1 * (1 - p1)) + (c - n2 * p2) ** 2 / (n2 * p2 * (1 - p2))
    assert_allclose(chi * 559 / 560, Z975**2, rtol=1e-9)
    assert x.rr_ci_high > 1  # 20 units with none cannot show a lower rate
    # two-sided Fisher by hand: sum of hypergeometric probabilities <= P(observed); a ~ Hyp(N=560, K=13, n=20)
    pmf = sps.hypergeom(560, 13, 20).pmf(np.arange(0, 14))
    assert_allclose(x.p_value, pmf[pmf <= pmf[0] * (1 + 1e-7)].sum(), rtol=1e-9)
    z = out.loc["z"]
    assert z.enough_data and z.test == "fisher"  # expected 40*13/560 = 0.93 < 5


def test_compare_levels_tea_tasting_reports_sample_odds_ratio():
    # R fisher.test(matrix(c(3,1,1,3),2)): p = 0.4857, conditional MLE 6.408309 -- we report the sample OR 9
    out = S.compare_levels(pd.DataFrame({"level": ["milk", "tea"], "complaints": [3, 1], "units": [4, 4]}),
                           min_units=1, min_complaints=1)
    milk = out.iloc[0]
    assert milk.test == "fisher" and abs(milk.p_value - 0.4857) < 5e-5
    assert milk.odds_ratio == pytest.approx(9.0)


def test_compare_levels_matches_statsmodels_and_scipy_table_by_table():
    """The array form gives what Table2x2 and scipy give one table at a time (random tables, zero cells included)."""
    from statsmodels.stats.contingency_tables import Table2x2

    rng = np.random.default_rng(7)
    units = rng.integers(0, 400, 60).astype(float)
    units[[3, 9]] = 0
    comp = np.floor(units * rng.choice([0.0, 0.002, 0.02, 0.2, 1.0], 60)).astype(float)
    out = S.compare_levels(pd.DataFrame({"level": [f"L{i:02d}" for i in range(60)], "complaints": comp, "units": units}))
    checked_none = 0
    for i, row in out.iterrows():
        a, n1 = comp[i], units[i]
        c, n2 = comp.sum() - a, units.sum() - n1
        if n1 == 0:
            assert row.test == "" and np.isnan(row.p_value) and "no units" in row.note
            continue
        raw = np.array([[a, n1 - a], [c, n2 - c]])
        if a == 0 and 0 < c < n2:  # no complaint: 0, from 0 to the score limit (statsmodels one table at a time)
            from statsmodels.stats.proportion import confint_proportions_2indep

            high = confint_proportions_2indep(0, n1, c, n2, compare="ratio", method="score")[1]
            assert_allclose([row.rate_ratio, row.rr_ci_low, row.rr_ci_high, row.odds_ratio, row.or_ci_low], [0, 0, high, 0, 0], rtol=1e-7)
            checked_none += 1
        else:
            t2 = Table2x2(raw + 0.5 if (raw == 0).any() else raw, shift_zeros=False)
            assert_allclose([row.rate_ratio, *[row.rr_ci_low, row.rr_ci_high]], [t2.riskratio, *t2.riskratio_confint()], rtol=1e-9)
            assert_allclose([row.odds_ratio, *[row.or_ci_low, row.or_ci_high]], [t2.oddsratio, *t2.oddsratio_confint()], rtol=1e-9)
        ref = S.contingency_test(raw)
        assert row.test == ref.test
        assert_allclose(row.p_value, ref.p_value, rtol=1e-9, atol=1e-300)
    assert checked_none >= 5


def test_compare_levels_by_group_equals_one_call_per_group():
    cells = pd.DataFrame({"family": ["d", "d", "d", "q", "q", "q"], "level": ["A", "B", "C"] * 2,
                          "complaints": [12, 5, 8, 1, 0, 9], "units": [200, 300, 500] * 2})
    together = S.compare_levels(cells, by=["family"])
    assert list(together.columns[:2]) == ["family", "level"]
    for family, part in cells.groupby("family"):
        alone = S.compare_levels(part.drop(columns="family"))
        mine = together[together["family"] == family].drop(columns="family").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)


def test_compare_levels_rejects_bad_input():
    with pytest.raises(S.StatsInputError):
        S.compare_levels(pd.DataFrame({"level": ["a"], "complaints": [5], "units": [3]}))
    with pytest.raises(S.StatsInputError):
        S.compare_levels(pd.DataFrame({"level": ["a"], "units": [3]}))


# --------------------------------------------------------------------- Mantel-Haenszel
# Agresti (1990) pp.231-237, penicillin and rabbits (the R mantelhaen.test example "Rabbits"):
# stratum -> (immediate: cured, died), (1.5h delay: cured, died)
RABBITS = {"1/8": (0, 6, 0, 5), "1/4": (3, 3, 0, 6), "1/2": (6, 0, 2, 4), "1": (5, 1, 6, 0), "4": (2, 0, 5, 0)}


def _rabbits_long() -> pd.DataFrame:
    rows = []
    for stratum, (a, b, c, d) in RABBITS.items():
        rows.append({"delay": "none", "level": stratum, "cured": a, "n": a + b})
        rows.append({"delay": "1.5h", "level": stratum, "cured": c, "n": c + d})
    return pd.DataFrame(rows)


def test_mantel_haenszel_rabbits_hand_computation():
    res = S.mantel_haenszel(_rabbits_long(), "delay", "level", "cured", "n", focus_level="none")
    a, b, c, d = (np.array(v, dtype=float) for v in zip(*RABBITS.values()))
    n = a + b + c + d
    n1, n0, m1, m0 = a + b, c + d, a + c, b + d
    # MH odds ratio sum(ad/N)/sum(bc/N) = (1.5 + 2)/0.5 = 7
    assert_allclose(res.odds_ratio, 7.0, rtol=1e-12)
    # Robins-Breslow-Greenland variance of log OR
    P, Q, R, Sx = (a + d) / n, (b + c) / n, a * d / n, b * c / n
    var = (np.sum(P * R) / (2 * R.sum() ** 2) + np.sum(P * Sx + Q * R) / (2 * R.sum() * Sx.sum())
           + np.sum(Q * Sx) / (2 * Sx.sum() ** 2))
    assert_allclose([res.or_ci_low, res.or_ci_high],
                    [7 * math.exp(-Z975 * math.sqrt(var)), 7 * math.exp(Z975 * math.sqrt(var))], rtol=1e-10)
    # CMH statistic without correction: (sum(a - n1 m1/N))^2 / sum(n1 n0 m1 m0 / (N^2 (N-1)))
    stat = np.sum(a - n1 * m1 / n) ** 2 / np.sum(n1 * n0 * m1 * m0 / (n**2 * (n - 1)))
    assert_allclose(res.statistic, stat, rtol=1e-12)
    assert_allclose(res.p_value, sps.chi2.sf(stat, 1), rtol=1e-12)
    # MH risk ratio sum(a n0/N)/sum(c n1/N), Greenland-Robins variance
    rr = np.sum(a * n0 / n) / np.sum(c * n1 / n)
    v = np.sum((n1 * n0 * m1 - a * c * n) / n**2) / (np.sum(a * n0 / n) * np.sum(c * n1 / n))
    assert_allclose([res.risk_ratio, res.rr_ci_low, res.rr_ci_high],
                    [rr, rr * math.exp(-Z975 * math.sqrt(v)), rr * math.exp(Z975 * math.sqrt(v))], rtol=1e-10)
    # Breslow-Day over strata where the outcome varies (1/4, 1/2, 1): A solves
    # A (n0 - m1 + A) / ((n1 - A)(m1 - A)) = OR_MH; BD = sum (a - A)^2 / Var(A)
    bd = 0.0
    for k in np.flatnonzero((m1 > 0) & (m0 > 0)):
        lo, hi = max(0.0, m1[k] - n0[k]), min(n1[k], m1[k])
        f = lambda A: A * (n0[k] - m1[k] + A) - 7.0 * (n1[k] - A) * (m1[k] - A)  # noqa: E731
        from scipy.optimize import brentq
        A = brentq(f, lo + 1e-12, hi - 1e-12)
        varA = 1 / (1 / A + 1 / (n1[k] - A) + 1 / (m1[k] - A) + 1 / (n0[k] - m1[k] + A))
        bd += (a[k] - A) ** 2 / varA
    assert_allclose(res.breslow_day_statistic, bd, rtol=1e-8)
    assert_allclose(res.breslow_day_p_value, sps.chi2.sf(bd, 2), rtol=1e-8)


def test_mantel_haenszel_corrected_matches_r_example():
    # R: mantelhaen.test(Rabbits) (correct = TRUE); R's example comment: "=> p = 0.047"
    res = S.mantel_haenszel(_rabbits_long(), "delay", "level", "cured", "n", focus_level="none", correction=True)
    assert round(res.p_value, 3) == 0.047
    with pytest.raises(S.StatsInputError):
        S.mantel_haenszel(_rabbits_long(), "delay", "level", "cured", "n", focus_level="later")


# ---------------------------------------------------------------------------- models
def test_logit_spector_matches_stata(realdata):
    data = pd.read_csv(realdata / "reference" / "spector_mazzeo_1980_logit.csv")
    fit = S.logit(data, "GRADE ~ GPA + TUCE + PSI")
    stata = pd.read_csv(GOLDEN / "stats_spector_logit_stata.csv").set_index("term")
    got = fit.coefficients.set_index("term").loc[stata.index]
    for col in ("coef", "se", "z", "p_value"):
        assert_allclose(got[col], stata[col], rtol=1e-6, err_msg=col)
    assert_allclose(np.log(got["odds_ratio"]), stata["coef"], rtol=1e-6)
    assert_allclose(got["ci_low"], stata["coef"] - Z975 * stata["se"], rtol=1e-6)
    fitstats = pd.read_csv(GOLDEN / "stats_spector_logit_fit_stata.csv").set_index("statistic")["value"]
    for name, value in fitstats.items():
        assert_allclose(getattr(fit, name), value, rtol=1e-6, err_msg=name)
    assert fit.converged and fit.nobs == 32 and fit.df_resid == 28
    # the column-list form gives the same model
    again = S.logit(data, ["GPA", "TUCE", "PSI"], outcome="GRADE")
    assert_allclose(again.coefficients["coef"], fit.coefficients["coef"], rtol=1e-10)


def test_binomial_glm_saturated_two_groups_hand():
    cells = pd.DataFrame({"is_a": [1, 0], "complaints": [12, 13], "units": [200, 800]})
    fit = S.binomial_glm(cells, ["is_a"])
    coef = fit.coefficients.set_index("term")
    assert list(fit.coefficients.columns) == ["term", "coef", "se", "z", "p_value", "ci_low", "ci_high",
                                              "odds_ratio"]
    # saturated logit: const = logit(13/800); is_a = log sample OR, SE = Woolf sqrt(1/a+1/b+1/c+1/d)
    assert_allclose(coef.loc["const", "coef"], math.log(13 / 787), rtol=1e-8)
    assert_allclose(coef.loc["is_a", "coef"], math.log(12 * 787 / (188 * 13)), rtol=1e-8)
    assert_allclose(coef.loc["is_a", "se"], math.sqrt(1 / 12 + 1 / 188 + 1 / 13 + 1 / 787), rtol=1e-8)
    assert_allclose(coef.loc["is_a", "odds_ratio"], 12 * 787 / (188 * 13), rtol=1e-8)
    assert abs(fit.deviance) < 1e-8 and fit.df_resid == 0 and fit.converged and fit.note == ""


def test_binomial_glm_flags_separation():
    # a level with zero complaints: its log-odds diverge, so the fit must not claim convergence
    cells = pd.DataFrame({"is_a": [1, 0], "complaints": [0, 13], "units": [200, 800]})
    fit = S.binomial_glm(cells, ["is_a"])
    assert not fit.converged and "separation" in fit.note


def test_lr_test_equals_g_statistic():
    cells = pd.DataFrame({"is_a": [1, 0], "complaints": [12, 13], "units": [200, 800]})
    null = S.binomial_glm(cells, [])
    full = S.binomial_glm(cells, ["is_a"])
    stat, df, p = S.lr_test(null, full)
    # G² = 2 sum O log(O/E) on [[12,188],[13,787]] with expected [[5,195],[20,780]]
    g2 = 2 * (12 * math.log(12 / 5) + 188 * math.log(188 / 195) + 13 * math.log(13 / 20) + 787 * math.log(787 / 780))
    assert_allclose(stat, g2, rtol=1e-8)
    assert df == 1
    assert_allclose(p, sps.chi2.sf(g2, 1), rtol=1e-8)
    assert_allclose(full.lr_statistic, g2, rtol=1e-8)
    with pytest.raises(S.StatsInputError):
        S.lr_test(full, null)


def test_binomial_glm_equals_unit_level_logit(realdata):
    # Aggregating Spector by (PSI, TUCE>=22) and fitting on cells = logit on the expanded 0/1 rows
    data = pd.read_csv(realdata / "reference" / "spector_mazzeo_1980_logit.csv")
    data["high_tuce"] = (data["TUCE"] >= 22).astype(int)
    cells = data.groupby(["PSI", "high_tuce"], as_index=False).agg(complaints=("GRADE", "sum"),
                                                                 units=("GRADE", "size"))
    agg = S.binomial_glm(cells, ["PSI", "high_tuce"]).coefficients.set_index("term")
    unit = S.logit(data, ["PSI", "high_tuce"], outcome="GRADE").coefficients.set_index("term")
    assert_allclose(agg.loc[unit.index, ["coef", "se"]], unit[["coef", "se"]], rtol=1e-6)


# -------------------------------------------------------------------- control charts
def _read(realdata: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(realdata / "quality" / name)


def _c4(n):
    return math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2)


def _qcc_case(realdata: Path, dataset: str, chart: str, phase1: str):
    """Chart our code draws for one row of control_chart_reference_qcc.csv, and its implied std dev."""
    excl = {"minus samples 15 and 23": [15, 23], "minus samples 6 and 20": [6, 20]}
    exclude = next((v for k, v in excl.items() if k in phase1), None)
    df = _read(realdata, Path(dataset).name)
    if dataset.endswith("orangejuice.csv") or dataset.endswith("orangejuice2.csv"):
        fn = S.p_chart if chart == "p" else S.np_chart
        out = fn(df["D"], df["size"], df["sample"], trial=df["trial"], exclude=exclude)
        return out, (out["ucl"] - out["center"]) / 3
    if dataset.endswith("circuit.csv"):
        if chart == "c":
            out = S.c_chart(df["x"], df["sample"], trial=df["trial"], exclude=exclude)
            return out, (out["ucl"] - out["center"]) / 3
        out = S.u_chart(df["x"], df["size"], df["sample"], trial=df["trial"], exclude=exclude)
        return out, (out["ucl"] - out["center"]) / 3 * np.sqrt(out["size"])  # qcc prints sigma per unit
    if dataset.endswith("pcmanufact.csv"):
        out = S.u_chart(df["x"], df["size"])
        return out, (out["ucl"] - out["center"]) / 3 * np.sqrt(out["size"])
    if dataset.endswith("pistonrings.csv"):
        if chart == "xbar":
            out = S.xbar_chart(df, "sample", "diameter", trial="trial")
            return out, (out["ucl"] - out["center"]) / 3 * np.sqrt(out["size"])
        if chart == "R":
            out = S.r_chart(df, "sample", "diameter", trial="trial")
            return out, out["center"] / 2.326  # sigma = Rbar/d2, d2(5) = 2.326 (Montgomery App. VI)
        out = S.s_chart(df, "sample", "diameter", trial="trial")
        return out, out["center"] / _c4(5)  # sigma = sbar/c4
    if dataset.endswith("viscosity.csv"):
        method = "sd" if "std.dev=SD" in chart else "mr"
        out = S.individuals_chart(df["viscosity"], df["batch"], trial=df["trial"], sigma_method=method)
        return out, (out["ucl"] - out["center"]) / 3
    raise AssertionError(f"no mapping for {dataset} {chart}")


def test_control_charts_reproduce_every_qcc_row(realdata):
    ref = pd.read_csv(realdata / "reference" / "control_chart_reference_qcc.csv")
    assert len(ref) == 13
    for row in ref.itertuples():
        out, sigma = _qcc_case(realdata, row.dataset_file, row.chart, row.phase1_rows)
        assert list(out.columns) == ["sample", "count", "size", "value", "center", "lcl", "ucl",
                                     "out_of_control", "phase"]
        used = out[out["phase"] == "trial"]
        assert len(used) == row.n_groups, row
        first = used.iloc[0]
        for col in ("center", "lcl", "ucl"):
            expected = getattr(row, col)
            assert abs(first[col] - expected) <= _sig7_tol(expected), (row.dataset_file, row.chart, col, first[col])
        assert abs(sigma.iloc[0] - row.std_dev) <= _sig7_tol(row.std_dev), (row.dataset_file, row.chart, "std_dev")


def test_control_charts_flag_the_samples_montgomery_names(realdata):
    flags = pd.read_csv(GOLDEN / "stats_control_chart_flags.csv", dtype=str)
    for row in flags.itertuples():
        df = _read(realdata, Path(row.dataset_file).name)
        if row.chart == "p":
            out = S.p_chart(df["D"], df["size"], df["sample"], trial=df["trial"])
        else:
            out = S.c_chart(df["x"], df["sample"], trial=df["trial"])
        flagged = out.loc[out["out_of_control"] & (out["phase"] == row.phase), "sample"].tolist()
        assert flagged == [int(s) for s in row.flagged_samples.split(";")], row.dataset_file


def test_control_chart_exclusion_marks_phase(realdata):
    df = _read(realdata, "qcc_orangejuice.csv")
    out = S.p_chart(df["D"], df["size"], df["sample"], trial=df["trial"], exclude=[15, 23])
    assert out.set_index("sample").loc[[15, 23], "phase"].tolist() == ["excluded", "excluded"]
    assert (out["phase"] == "monitor").sum() == 24
    with pytest.raises(S.StatsInputError):
        S.p_chart(df["D"], df["size"], df["sample"], exclude=[999])


def test_p_chart_varying_sizes_and_clipping_hand():
    counts, sizes = np.array([2, 0, 9]), np.array([40, 10, 150])
    out = S.p_chart(counts, sizes)
    pbar = 11 / 200  # sum(count)/sum(size)
    sd = np.sqrt(pbar * (1 - pbar) / sizes)
    assert_allclose(out["center"], pbar)
    assert_allclose(out["ucl"], pbar + 3 * sd)
    assert_allclose(out["lcl"], np.maximum(pbar - 3 * sd, 0))
    assert out["lcl"].iloc[1] == 0.0


def test_u_chart_dyed_cloth_montgomery(realdata):
    # Montgomery pp.183-184: ubar = 153/107.5 = 1.42, limits ubar ± 3 sqrt(ubar/n_i); no roll out of control
    df = _read(realdata, "qcc_dyedcloth.csv")
    out = S.u_chart(df["x"], df["size"])
    ubar = df["x"].sum() / df["size"].sum()
    assert_allclose(ubar, 153 / 107.5)
    assert_allclose(out["ucl"], ubar + 3 * np.sqrt(ubar / df["size"]))
    assert not out["out_of_control"].any()


def test_laney_p_chart_hand():
    # Laney (2002): z_i = (p_i - pbar)/sigma_pi, sigma_z = mean|z_i - z_{i-1}|/1.128,
    # limits pbar ± 3 sigma_pi sigma_z
    counts = np.array([5, 12, 3, 9, 20, 6])
    sizes = np.array([100, 120, 90, 110, 150, 100])
    pbar = 55 / 670
    s_pi = np.sqrt(pbar * (1 - pbar) / sizes)
    z = (counts / sizes - pbar) / s_pi
    sigma_z = np.mean(np.abs(np.diff(z))) / 1.128
    out = S.laney_p_chart(counts, sizes)
    assert_allclose(out["center"], pbar)
    assert_allclose(out["ucl"], pbar + 3 * s_pi * sigma_z, rtol=1e-12)
    assert_allclose(out["lcl"], np.maximum(pbar - 3 * s_pi * sigma_z, 0), rtol=1e-12)
    assert sigma_z > 1 and (out["ucl"] > S.p_chart(counts, sizes)["ucl"]).all()  # overdispersed data widen


def test_individuals_chart_phase_two_and_columns(realdata):
    df = _read(realdata, "qcc_viscosity.csv")
    out = S.individuals_chart(df["viscosity"], df["batch"], trial=df["trial"])
    assert (out["phase"] == "monitor").sum() == (~df["trial"]).sum()
    assert out["count"].isna().all() and out["size"].isna().all()


# ----------------------------------------------------------------------------- funnel
def test_funnel_limits_normal_hand():
    out = S.funnel_limits([100, 10_000], 0.02)
    assert list(out.columns) == ["units", "lower95", "upper95", "lower998", "upper998"]
    half95 = Z975 * np.sqrt(0.02 * 0.98 / np.array([100, 10_000]))
    half998 = 3.090232306167813 * np.sqrt(0.02 * 0.98 / np.array([100, 10_000]))  # qnorm(0.999)
    assert_allclose(out["upper95"], 0.02 + half95)
    assert_allclose(out["lower95"], np.maximum(0.02 - half95, 0))
    assert_allclose(out["upper998"], 0.02 + half998)
    wide = S.funnel_limits([100], 0.02, phi=4.0)
    assert_allclose(wide["upper95"], 0.02 + 2 * half95[0])


def test_funnel_limits_exact_interpolated_binomial():
    # Spiegelhalter (2005) appendix: r = qbinom(0.975, n, p0); alpha = (F(r) - 0.975)/(F(r) - F(r-1)); (r - alpha)/n
    n, p0 = 200, 0.03
    r = sps.binom.ppf(0.975, n, p0)
    fr, fr1 = sps.binom.cdf(r, n, p0), sps.binom.cdf(r - 1, n, p0)
    expected = (r - (fr - 0.975) / (fr - fr1)) / n
    out = S.funnel_limits([n], p0, method="exact")
    assert_allclose(out["upper95"].iloc[0], expected, rtol=1e-12)
    big = S.funnel_limits([1_000_000], p0, method="exact")
    norm = S.funnel_limits([1_000_000], p0)
    assert_allclose(big["upper998"], norm["upper998"], rtol=1e-3)
    with pytest.raises(S.StatsInputError):
        S.funnel_limits([n], p0, phi=2.0, method="exact")


def test_funnel_points_overdispersion_hand():
    units = np.array([1000, 800, 1200, 900, 1100, 1000, 950, 1050, 700, 1300])
    rates = np.array([0.02, 0.05, 0.01, 0.04, 0.03, 0.06, 0.015, 0.035, 0.08, 0.025])
    complaints = np.round(units * rates).astype(int)
    cells = pd.DataFrame({"level": [f"L{i:02d}" for i in range(10)], "complaints": complaints, "units": units})
    out = S.funnel_points(cells)
    assert list(out.columns) == ["level", "complaints", "units", "rate", "z", "z_adjusted", "phi", "outside95",
                                 "outside998"]
    p0 = complaints.sum() / units.sum()
    z = (complaints / units - p0) / np.sqrt(p0 * (1 - p0) / units)
    assert_allclose(out["z"], z, rtol=1e-12)
    # winsorise 10% of 10 = 1 value per tail: lowest -> 2nd lowest, highest -> 2nd highest
    zs = np.sort(z)
    zw = np.clip(z, zs[1], zs[-2])
    phi = np.mean(zw**2)
    assert phi > 1 + 2 * math.sqrt(2 / 10)  # clearly overdispersed, so phi is applied
    assert_allclose(out["phi"], phi, rtol=1e-12)
    assert_allclose(out["z_adjusted"], z / math.sqrt(phi), rtol=1e-12)
    assert (out["outside95"] == (np.abs(z / math.sqrt(phi)) > Z975)).all()


def test_funnel_points_no_overdispersion_keeps_phi_one():
    units = np.full(20, 1000)
    complaints = np.array([20, 21, 19, 22, 18, 20, 23, 17, 20, 21, 19, 20, 22, 18, 20, 21, 19, 20, 20, 20])
    out = S.funnel_points(pd.DataFrame({"level": range(20), "complaints": complaints, "units": units}))
    assert (out["phi"] == 1.0).all() and not out["outside95"].any()
    assert_allclose(out["z_adjusted"], out["z"])


def test_funnel_points_mild_overdispersion_below_rule_is_not_applied():
    # z = ±16/sqrt(200*0.98) ≈ ±1.143 for all 20 levels: phi ≈ 1.31, above 1 but below 1 + 2 sqrt(2/20) ≈ 1.63
    complaints = np.array([216, 184] * 10)
    units = np.full(20, 10_000)
    z = (complaints / units - 0.02) / np.sqrt(0.02 * 0.98 / units)
    phi_hat = np.mean(z**2)  # winsorising changes nothing when all |z| are equal
    assert 1 < phi_hat < 1 + 2 * math.sqrt(2 / 20)
    out = S.funnel_points(pd.DataFrame({"level": range(20), "complaints": complaints, "units": units}))
    assert (out["phi"] == 1.0).all()
    assert_allclose(out["z"], z, rtol=1e-12)



def test_funnel_points_estimate_no_overdispersion_from_fewer_levels_than_winsorising_trims():
    """With 5 levels 10% winsorising trims none, and the one level the funnel is drawn to show set phi
    (the sample's packaging versions: phi 42, the bad version within the 95% limits).  From 10 levels
    one z-score in each tail is trimmed and phi is estimated."""
    units = np.array([10_000, 9_000, 11_000, 10_500, 9_500])
    complaints = np.array([300, 45, 52, 50, 48])  # one level at 3%, the rest near 0.5%
    out = S.funnel_points(pd.DataFrame({"level": range(5), "complaints": complaints, "units": units}))
    p0 = complaints.sum() / units.sum()
    z = (complaints / units - p0) / np.sqrt(p0 * (1 - p0) / units)
    assert np.mean(z**2) > 1 + 2 * math.sqrt(2 / 5)  # the rule alone would have applied it
    assert (out["phi"] == 1.0).all() and out["outside998"][0] and out["outside998"].tolist() == (np.abs(z) > Z9990).tolist()
    assert_allclose(out["z_adjusted"], z, rtol=1e-12)
    nine = S.funnel_points(pd.DataFrame({"level": range(9), "complaints": np.r_[complaints, complaints[1:]], "units": np.r_[units, units[1:]]}))
    assert (nine["phi"] == 1.0).all()
    ten = S.funnel_points(pd.DataFrame({"level": range(10), "complaints": np.r_[complaints, complaints], "units": np.r_[units, units]}))
    assert (ten["phi"] > 1.0).all()


# ------------------------------------------------------------------------ change point
def test_change_point_finds_known_step():
    counts = [2] * 20 + [10] * 20
    sizes = [100] * 40
    dates = pd.date_range("2026-01-01", periods=40, freq="D")
    cp = S.change_point(counts, sizes, dates=dates)
    assert cp.index == 20 and cp.date == dates[20]
    assert_allclose([cp.rate_before, cp.rate_after], [0.02, 0.10])
    assert cp.p_value <= 0.002 and cp.ci_low <= dates[20] <= cp.ci_high
    # statistic by hand: 2 (ll(40/2000) + ll(200/2000) - ll(240/4000)), ll(k, n) = k log p + (n-k) log(1-p)
    ll = lambda k, n: k * math.log(k / n) + (n - k) * math.log(1 - k / n)  # noqa: E731
    assert_allclose(cp.statistic, 2 * (ll(40, 2000) + ll(200, 2000) - ll(240, 4000)), rtol=1e-10)
    assert S.change_point(counts, sizes) == S.change_point(counts, sizes)  # fixed seed: deterministic


def test_change_point_flat_series_has_large_p():
    rng = np.random.default_rng(7)
    sizes = np.full(40, 500)
    counts = rng.binomial(sizes, 0.03)
    cp = S.change_point(counts, sizes)
    assert cp.p_value > 0.2
    assert S.change_point([1], [10]) is None


# ----------------------------------------------------------------------- before/after
def test_before_after_hand():
    res = S.before_after(50, 1000, 10, 400, claimed_reduction=0.5)
    assert_allclose([res.rate_before, res.rate_after, res.difference], [0.05, 0.025, -0.025])
    # Katz: RR = 0.025/0.05, SE = sqrt(1/10 - 1/400 + 1/50 - 1/1000)
    se = math.sqrt(1 / 10 - 1 / 400 + 1 / 50 - 1 / 1000)
    assert_allclose([res.rate_ratio, res.rr_ci_low, res.rr_ci_high],
                    [0.5, 0.5 * math.exp(-Z975 * se), 0.5 * math.exp(Z975 * se)], rtol=1e-10)
    # Pearson X² on [[10, 390], [50, 950]]: expected a = 400*60/1400
    obs = np.array([[10, 390], [50, 950]])
    exp = np.outer([400, 1000], [60, 1340]) / 1400
    x2 = ((obs - exp) ** 2 / exp).sum()
    assert res.test == "chi2"
    assert_allclose(res.p_value, sps.chi2.sf(x2, 1), rtol=1e-10)
    # normal power on Cohen's h at the two-sided alpha of the test: h = (z_.975 + z_.80) sqrt(1/400 + 1/1000)
    z_a, z_b = Z975, 0.8416212335729143
    h = (z_a + z_b) * math.sqrt(1 / 400 + 1 / 1000)
    assert_allclose(res.minimum_detectable_rate, math.sin(math.asin(math.sqrt(0.05)) - h / 2) ** 2, rtol=1e-10)
    # cross-check with statsmodels' power tool at that rate: two-sided, its far tail adds under 1e-5
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize
    pw = NormalIndPower().power(proportion_effectsize(0.05, res.minimum_detectable_rate), nobs1=400, alpha=0.05,
                                ratio=1000 / 400, alternative="two-sided")
    assert 0.8 <= pw < 0.8 + 1e-5
    # units needed to show 0.05 -> 0.025: 1/((h/(z_a+z_b))^2 - 1/1000)
    h_claim = 2 * math.asin(math.sqrt(0.05)) - 2 * math.asin(math.sqrt(0.025))
    needed = 1 / ((h_claim / (z_a + z_b)) ** 2 - 1 / 1000)
    assert_allclose(res.units_needed_for_claim, needed, rtol=1e-10)
    assert res.enough_units_for_claim is (400 >= needed)


def test_before_after_small_before_sample_cannot_support_claim():
    res = S.before_after(3, 60, 0, 50, claimed_reduction=0.2)
    assert res.test == "fisher" and res.units_needed_for_claim == np.inf
    assert res.enough_units_for_claim is False and "no complaint since" in res.note
    assert S.before_after(3, 60, 1, 50).enough_units_for_claim is None
    assert "0.5 added" in S.before_after(0, 60, 1, 50).note  # none before: 0.5 in every cell, as in compare_levels


def test_before_after_says_a_claimed_reduction_is_shown_only_when_the_interval_lies_below_it():
    """Enough units to show a reduction is not the reduction shown: 0.7x with an upper limit near 0.9 shows 10%, not 65%."""
    from statsmodels.stats.contingency_tables import Table2x2

    res = S.before_after(300, 30_000, 140, 20_000, claimed_reduction=0.65)
    upper = Table2x2(np.array([[140, 19_860], [300, 29_700]])).riskratio_confint()[1]  # Katz, by statsmodels
    assert res.rr_ci_high == pytest.approx(upper) and 0.65 < upper < 0.9
    assert res.enough_units_for_claim and res.claim_shown is False
    assert S.before_after(300, 30_000, 140, 20_000, claimed_reduction=0.10).claim_shown is True
    assert S.before_after(300, 30_000, 140, 20_000).claim_shown is None


def test_before_after_with_no_complaint_since_is_a_ratio_of_zero_not_an_increase():
    """1 complaint in 2,500 units before, none in the 10 since: 0.5 in every cell made it (0.5/11)/(1.5/2501) = 76x,
    with a Katz interval of 5-1,571 that read as a significant rise, beside Fisher's p = 1."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    res = S.before_after(1, 2500, 0, 10)
    assert res.rate_after == 0 and res.rate_ratio == 0 and res.rr_ci_low == 0 and res.p_value == 1.0
    assert_allclose(res.rr_ci_high, confint_proportions_2indep(0, 10, 1, 2500, compare="ratio", method="score")[1], rtol=1e-7)
    assert res.rr_ci_high > 1 and "no complaint since" in res.note


def test_complaint_lag_cdf_by_hand():
    """Right-truncated lags: lag 0 (limit 10), 1 (1), 1 (3), 2 (2), 5 (6).
    At risk at s (lag <= s <= limit): r0 = 1, r1 = 3, r2 = 3 (the lag-1 with limit 1 has left), r5 = 2.
    F(d) = prod over s > d of (1 - n_s / r_s): F(5) = 1; F(2..4) = 1 - 1/2; F(1) = 1/2 * (1 - 1/3); F(0) = 1/3 * (1 - 2/3)."""
    from analysis.stats import complaint_lag_cdf

    got = complaint_lag_cdf([0, 1, 1, 2, 5], [10, 1, 3, 2, 6])
    assert np.allclose(got, [1 / 9, 1 / 3, 1 / 2, 1 / 2, 1 / 2, 1.0])
    # no truncation (every limit beyond every lag): the plain empirical distribution
    lags = np.array([3, 0, 7, 3, 3, 12, 1, 7])
    plain = complaint_lag_cdf(lags, np.full(len(lags), 100))
    assert np.allclose(plain, [(lags <= d).mean() for d in range(13)])
    assert complaint_lag_cdf([], []).size == 0
    assert np.allclose(complaint_lag_cdf([-1, 2, 4], [5, 1, 9]), [0, 0, 0, 0, 1])  # negative or beyond-limit lags ignored
    with pytest.raises(S.StatsInputError):
        complaint_lag_cdf([1, 2], [3])


def test_lag_truncation_is_undone_on_simulated_returns():
    """Lags drawn from a known distribution and seen only up to each unit's limit: the estimate
    recovers the true distribution, where the plain share of seen lags is biased towards short ones."""
    from analysis.stats import complaint_lag_cdf

    rng = np.random.default_rng(7)
    lag = rng.geometric(1 / 12, 60_000) - 1  # true F(d) = 1 - (11/12)^(d+1)
    limit = rng.integers(0, 90, lag.size)  # days from shipping to the data's end
    seen = lag <= limit
    est = complaint_lag_cdf(lag[seen], limit[seen])
    true = 1 - (11 / 12) ** (np.arange(len(est)) + 1)
    true = true / true[-1]  # given a lag no longer than the longest seen
    assert np.max(np.abs(est[:40] - true[:40])) < 0.02
    naive = np.array([(lag[seen] <= d).mean() for d in range(40)])
    assert np.max(naive - true[:40]) > 0.05  # what the estimator corrects


def test_share_excess_is_the_exact_binomial_upper_tail():
    """P(X >= k) for X ~ Binomial(n, p0), by hand; R: binom.test(5, 10, 0.2, alternative = "greater")$p.value prints 0.0327935."""
    hand = sum(math.comb(10, i) * 0.2 ** i * 0.8 ** (10 - i) for i in range(5, 11))
    assert S.share_excess(5, 10, 0.2) == pytest.approx(hand, rel=1e-12)
    assert round(S.share_excess(5, 10, 0.2), 7) == 0.0327935
    assert S.share_excess(39, 68, 0.1663) < 1e-12  # the sample's SBD1: 39 of the ledger's 68 damaged units, 17% of units shipped
    assert S.share_excess(0, 10, 0.2) == pytest.approx(1.0)
    assert math.isnan(S.share_excess(3, 0, 0.2)) and math.isnan(S.share_excess(3, 10, 0.0))
