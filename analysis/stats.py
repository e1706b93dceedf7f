"""Statistics the workbench prints: rates, intervals, tests, models, control charts.

Every public function returns a tidy :class:`pandas.DataFrame` (RangeIndex,
deterministic row order, snake_case columns) or a small frozen dataclass.
Nothing is rounded here; the UI and the exports format numbers.

The computations sit on statsmodels and scipy (``proportion_confint``,
``multipletests``, ``Table2x2``, ``StratifiedTable``, ``GLM``, ``Logit``,
``fisher_exact``, ``chi2_contingency``, ``proportion_effectsize``).  Where those
libraries lack a method (Wilson interval with continuity correction, Laney p'
chart, Spiegelhalter funnel, binomial change point) it is written out here with
its reference in the docstring.

Thresholds (minimum units, minimum complaints, alpha, FDR ...) are parameters
whose defaults come from one frozen :class:`StatsSettings` instance,
``DEFAULT_SETTINGS``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import integrate, special
from scipy import stats as sps
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportion_effectsize

__all__ = [
    "StatsSettings",
    "DEFAULT_SETTINGS",
    "StatsInputError",
    "proportion_ci",
    "adjust_pvalues",
    "ContingencyResult",
    "contingency_test",
    "compare_levels",
    "MantelHaenszelResult",
    "mantel_haenszel",
    "ModelFit",
    "binomial_glm",
    "logit",
    "LRTest",
    "lr_test",
    "CHART_COLUMNS",
    "p_chart",
    "np_chart",
    "c_chart",
    "u_chart",
    "laney_p_chart",
    "xbar_chart",
    "r_chart",
    "s_chart",
    "individuals_chart",
    "funnel_limits",
    "funnel_points",
    "ChangePoint",
    "change_point",
    "complaint_lag_cdf",
    "BeforeAfter",
    "before_after",
]


# --------------------------------------------------------------------- settings
from analysis.config import StatsSettings  # noqa: E402  (defined with the other settings)

#: the notes the comparisons write (``note`` columns and fields), by code: one text each, so that the app can
#: translate them (``statnotes.<code>`` in the locales); several are joined by "; "
NOTES = {
    "no_units": "no units shipped for this level",
    "no_other_level": "no other level to compare with",
    "zero_cell": "zero cell: 0.5 added to all cells for the ratios",
    "zero_cell_since": "zero cell: 0.5 added to all cells for the rate ratio",
    "no_complaint": "no complaint: ratios 0, upper limits from the score interval",
    "no_complaint_since": "no complaint since: ratio 0, upper limit from the score interval",
    "insufficient": "insufficient evidence",
    "small_expected": "some expected counts below {min_expected:g}, so the chi-square approximation may be poor",
    "empty_margin": "an empty row or column, so no test is possible",
    "undetectable": "no reduction is detectable with these units",
    "none_before": "no complaints before: a reduction cannot be shown",
}

DEFAULT_SETTINGS = StatsSettings()
_S = DEFAULT_SETTINGS


class StatsInputError(ValueError):
    """Input a user can cause (negative counts, complaints above units, ...)."""


# ----------------------------------------------------------------- proportions
_CI_METHODS = {
    "wilson": "wilson",
    "exact": "beta",
    "clopper-pearson": "beta",
    "beta": "beta",
    "agresti-coull": "agresti_coull",
    "agresti_coull": "agresti_coull",
    "wald": "normal",
    "asymptotic": "normal",
    "normal": "normal",
    "jeffreys": "jeffreys",
    "wilson_cc": "wilson_cc",
    "prop.test": "wilson_cc",
}


def proportion_ci(
    count,
    nobs,
    alpha: float = _S.alpha,
    method: str = _S.ci_method,
    clip: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided confidence interval for binomial proportions, vectorised.

    Parameters
    ----------
    count, nobs : array_like
        Successes (complaints) and trials (units); broadcast together.
    alpha : float
        ``1 - confidence level``.
    method : str
        ``"wilson"`` (default), ``"wilson_cc"`` / ``"prop.test"`` (Wilson with
        continuity correction, as R ``prop.test``), ``"exact"`` /
        ``"clopper-pearson"``, ``"agresti-coull"``, ``"wald"`` /
        ``"asymptotic"``, ``"jeffreys"``.
    clip : bool
        Clip the Wald and Agresti-Coull limits to [0, 1] (statsmodels does);
        ``False`` returns the raw formula as R ``binom::binom.confint`` does.
        The other methods always lie in [0, 1].

    Returns
    -------
    (ci_low, ci_high) : tuple of float ndarrays
        Same shape as the broadcast inputs; NaN where ``nobs == 0``.

    Notes
    -----
    Wilson (1927), Clopper-Pearson (1934), Agresti & Coull (1998), Wald and
    Jeffreys come from ``statsmodels.stats.proportion.proportion_confint``.
    The continuity-corrected Wilson interval is Newcombe (1998), Stat Med 17:857,
    method 4::

        L = (2np + z^2 - 1 - z sqrt(z^2 - 2 - 1/n + 4p(n(1-p) + 1))) / (2(n + z^2))
        U = (2np + z^2 + 1 + z sqrt(z^2 + 2 - 1/n + 4p(n(1-p) - 1))) / (2(n + z^2))

    with L = 0 when p = 0 and U = 1 when p = 1.  R's ``prop.test`` gives the same
    interval except when x = n/2 exactly, where R shrinks the correction to 0.
    The Wilson limits are exactly 0 when x = 0 and 1 when x = n, as in theory
    (statsmodels' subtraction leaves a rounding residue such as 5e-18).
    """
    key = _CI_METHODS.get(str(method).lower())
    if key is None:
        raise StatsInputError(f"unknown interval method {method!r}; use one of {sorted(_CI_METHODS)}")
    count, nobs = np.broadcast_arrays(np.asarray(count, dtype=float), np.asarray(nobs, dtype=float))
    if np.any(count < 0) or np.any(count > nobs):
        raise StatsInputError("counts must lie between 0 and the number of units")
    ok = nobs > 0
    low = np.full(count.shape, np.nan)
    high = np.full(count.shape, np.nan)
    if not np.any(ok):
        return low, high
    x, n = count[ok], nobs[ok]
    z = sps.norm.isf(alpha / 2)
    if key == "wilson_cc":
        p = x / n
        with np.errstate(invalid="ignore"):
            lo = (2 * n * p + z**2 - 1 - z * np.sqrt(z**2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1))) / (2 * (n + z**2))
            hi = (2 * n * p + z**2 + 1 + z * np.sqrt(z**2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1))) / (2 * (n + z**2))
        lo = np.where(p == 0, 0.0, np.maximum(lo, 0.0))
        hi = np.where(p == 1, 1.0, np.minimum(hi, 1.0))
    elif key in ("normal", "agresti_coull") and not clip:
        if key == "normal":
            centre, var_n = x / n, n
        else:
            var_n = n + z**2
            centre = (x + z**2 / 2) / var_n
        half = z * np.sqrt(centre * (1 - centre) / var_n)
        lo, hi = centre - half, centre + half
    else:
        lo, hi = proportion_confint(x, n, alpha=alpha, method=key)
        if key == "wilson":  # exactly 0 and 1 at the ends: the formula's subtraction leaves 5e-18 for no complaint
            lo, hi = np.where(x == 0, 0.0, lo), np.where(x == n, 1.0, hi)
    low[ok] = lo
    high[ok] = hi
    return low, high


def share_excess(count: int, total: int, expected_share: float) -> float:
    """One-sided exact binomial p-value that ``count`` or more of ``total`` events fall on a
    level expected to take ``expected_share`` of them (``scipy.stats.binomtest``, alternative
    "greater"): NaN when there are no events or the expected share is not in (0, 1)."""
    if total <= 0 or not (0.0 < expected_share < 1.0):
        return float("nan")
    return float(sps.binomtest(int(count), int(total), float(expected_share), alternative="greater").pvalue)


def adjust_pvalues(p, method: str = _S.fdr_method) -> np.ndarray:
    """Adjust p-values for multiple testing, leaving NaNs in place.

    Parameters
    ----------
    p : array_like
        Raw p-values; NaN entries are ignored (not counted in the family).
    method : str
        Any ``statsmodels.stats.multitest.multipletests`` method: ``"fdr_bh"``
        (Benjamini-Hochberg, default), ``"fdr_by"``, ``"holm"``, ``"bonferroni"`` ...

    Returns
    -------
    ndarray
        Adjusted p-values, same shape as ``p``, NaN where ``p`` is NaN.

    Notes
    -----
    Wraps ``multipletests``; equals R ``p.adjust`` (``"BH"``, ``"BY"``,
    ``"holm"``, ``"bonferroni"``).  Benjamini & Hochberg (1995), JRSS B 57:289.
    """
    arr = np.asarray(p, dtype=float)
    out = np.full(arr.shape, np.nan)
    ok = ~np.isnan(arr)
    if np.any((arr[ok] < 0) | (arr[ok] > 1)):
        raise StatsInputError("p-values must lie between 0 and 1")
    if ok.any():
        out[ok] = multipletests(arr[ok], method=method)[1]
    return out


# ---------------------------------------------------------------- contingency
@dataclass(frozen=True, eq=False)
class ContingencyResult:
    """Result of :func:`contingency_test`.

    Attributes
    ----------
    statistic : float
        X² or G² for ``"chi2"`` / ``"g"``; the sample odds ratio ``ad/bc`` for ``"fisher"``.
    p_value : float
    dof : float
        Degrees of freedom (NaN for Fisher).
    test : str
        ``"chi2"``, ``"g"`` or ``"fisher"``: the test actually run.
    expected : ndarray
        Expected counts under independence.
    alternative : str
    note : str
    """

    statistic: float
    p_value: float
    dof: float
    test: str
    expected: np.ndarray
    alternative: str = "two-sided"
    note: str = ""


def contingency_test(
    table,
    test: str = "auto",
    alternative: str = "two-sided",
    correction: bool = False,
    min_expected: float = _S.min_expected,
) -> ContingencyResult:
    """Test independence in an r x c table of counts.

    Parameters
    ----------
    table : array_like, shape (r, c)
        Non-negative counts.
    test : {"auto", "chi2", "g", "fisher"}
        ``"auto"`` runs Fisher's exact test on a 2x2 table with any expected
        count below ``min_expected``, and Pearson's chi-square otherwise.
    alternative : {"two-sided", "greater", "less"}
        Only used by Fisher's test.
    correction : bool
        Yates' continuity correction for 2x2 chi-square / G tests (default off).
    min_expected : float
        Expected-count threshold for ``"auto"``.

    Returns
    -------
    ContingencyResult
        ``statistic, p_value, dof, test, expected, alternative, note``.

    Notes
    -----
    Pearson X² and the likelihood-ratio G² come from
    ``scipy.stats.chi2_contingency`` (G² with ``lambda_="log-likelihood"``);
    Fisher's exact test from ``scipy.stats.fisher_exact`` (2x2 only).  The Fisher
    ``statistic`` is the **sample** odds ratio ``ad/bc`` (9.0 for the tea-tasting
    table [[3,1],[1,3]]), not R ``fisher.test``'s conditional maximum-likelihood
    estimate (6.408); the p-values agree with R.  Agresti (2007), *An
    Introduction to Categorical Data Analysis*, 2nd ed., ch. 2.
    """
    tab = np.asarray(table, dtype=float)
    if tab.ndim != 2 or min(tab.shape) < 2:
        raise StatsInputError("a contingency table needs at least 2 rows and 2 columns")
    if np.any(tab < 0) or np.any(~np.isfinite(tab)):
        raise StatsInputError("contingency table counts must be finite and non-negative")
    total = tab.sum()
    expected = np.outer(tab.sum(1), tab.sum(0)) / total if total > 0 else np.zeros_like(tab)
    note = ""
    chosen = test
    if test == "auto":
        small = bool(np.any(expected < min_expected))
        if small and tab.shape == (2, 2):
            chosen = "fisher"
        else:
            chosen = "chi2"
            if small:
                note = NOTES["small_expected"].format(min_expected=min_expected)
    if chosen == "fisher":
        if tab.shape != (2, 2):
            raise StatsInputError("Fisher's exact test is available for 2x2 tables only")
        res = sps.fisher_exact(tab.astype(np.int64), alternative=alternative)
        return ContingencyResult(float(res.statistic), float(res.pvalue), np.nan, "fisher", expected, alternative, note)
    if chosen not in ("chi2", "g"):
        raise StatsInputError(f"unknown test {test!r}; use 'auto', 'chi2', 'g' or 'fisher'")
    if np.any(expected == 0):
        # a whole row or column is empty: no information about association
        note = (note + "; " if note else "") + NOTES["empty_margin"]
        return ContingencyResult(np.nan, np.nan, np.nan, chosen, expected, "two-sided", note)
    lam = "log-likelihood" if chosen == "g" else None
    res = sps.chi2_contingency(tab, correction=correction, lambda_=lam)
    return ContingencyResult(float(res.statistic), float(res.pvalue), float(res.dof), chosen, res.expected_freq,
                             "two-sided", note)


def _haldane(table: np.ndarray) -> tuple[np.ndarray, bool]:
    """Add 0.5 to every cell when any cell is zero (Haldane-Anscombe)."""
    if np.any(table == 0):
        return table + 0.5, True
    return table, False


def _score_upper_no_complaint(n1: np.ndarray, c: np.ndarray, n2: np.ndarray, alpha: float, measure: str) -> np.ndarray:
    """Upper limit of the Miettinen-Nurminen (1985) score interval for the rate ratio (``measure="ratio"``) or the odds
    ratio (``"odds-ratio"``) of tables [[0, n1], [c, n2 - c]]: a level (or the weeks since a fix) with no complaint
    against a rest with ``0 < c < n2``.  The ratio is 0 and so is the lower limit.

    The statistic (the score test of ``statsmodels.stats.proportion.test_proportions_2indep``, ``method="score"``)
    is (x1 - n1 p1)^2 / (n1 p1 q1) + (x2 - n2 p2)^2 / (n2 p2 q2), times (N - 1)/N, with p1, p2 the maximum-likelihood
    rates under the ratio tested (a quadratic: Miettinen & Nurminen 1985, Stat Med 4:213, appendix); it rises from 0
    as the ratio grows, and the limit is where it reaches the chi-square quantile, found for every table at once by
    bisection on the log ratio.  Infinite when no ratio up to 1e12 is rejected.
    """
    n1, c, n2 = (np.asarray(v, dtype=float) for v in (n1, c, n2))
    big_n = n1 + n2
    target = sps.chi2.isf(alpha, 1)

    def statistic(theta: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if measure == "ratio":  # p1 = theta p2; N theta p2^2 - (theta (n1 + c) + n2) p2 + c = 0, smaller root
                qa, qb = big_n * theta, -(theta * (n1 + c) + n2)
                p2 = (-qb - np.sqrt(np.maximum(qb * qb - 4 * qa * c, 0.0))) / (2 * qa)
                p1 = theta * p2
            else:  # odds(p1) = theta odds(p2), n1 p1 + n2 p2 = c; n2 (theta - 1) p2^2 + (n1 theta + n2 - c (theta - 1)) p2 - c = 0
                qa, qb = n2 * (theta - 1), n1 * theta + n2 - c * (theta - 1)
                p2 = np.where(np.abs(theta - 1) < 1e-12, c / big_n,
                              (-qb + np.sqrt(np.maximum(qb * qb + 4 * qa * c, 0.0))) / (2 * np.where(qa == 0, 1, qa)))
                p1 = theta * p2 / (1 + p2 * (theta - 1))
            chi = (n1 * p1) ** 2 / (n1 * p1 * (1 - p1)) + (c - n2 * p2) ** 2 / (n2 * p2 * (1 - p2))
        return np.where(np.isfinite(chi), chi, np.inf) * (big_n - 1) / big_n

    lo, hi = np.full(n1.shape, -12 * np.log(10)), np.full(n1.shape, 12 * np.log(10))
    reached = statistic(np.exp(hi)) >= target
    for _ in range(80):  # the bracket is 55 wide in log units: 80 halvings leave 5e-23
        mid = (lo + hi) / 2
        above = statistic(np.exp(mid)) >= target
        hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
    return np.where(reached, np.exp(hi), np.inf)


def _check_counts(complaints: np.ndarray, units: np.ndarray) -> None:
    if np.any(~np.isfinite(complaints)) or np.any(~np.isfinite(units)):
        raise StatsInputError("complaints and units must be finite numbers")
    if np.any(complaints < 0) or np.any(units < 0):
        raise StatsInputError("complaints and units cannot be negative")
    if np.any(complaints > units):
        raise StatsInputError("a level has more complaints than units shipped")


def _two_by_two(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray, alpha: float, min_expected: float) -> dict:
    """Rate ratio, odds ratio (with intervals) and the test of many 2x2 tables [[a, n1 - a], [c, n2 - c]] at once.

    Tables with ``n1 == 0`` or ``n2 == 0`` get NaN and an empty ``test``.
    ``no_complaint`` marks tables whose level has no complaint (and the rest
    some, not all): both ratios are 0, their lower limits 0 and their upper
    limits the score interval's (:func:`_score_upper_no_complaint`).
    ``shifted`` marks the other tables with a zero cell, whose ratios use 0.5
    added to every cell (Haldane-Anscombe); the tests use the raw counts.
    """
    ok = (n1 > 0) & (n2 > 0)
    b, d = n1 - a, n2 - c
    none = ok & (a == 0) & (c > 0) & (d > 0)
    shifted = ok & ~none & ((a == 0) | (b == 0) | (c == 0) | (d == 0))
    half = np.where(shifted | none, 0.5, 0.0)  # (the no-complaint ones are replaced below)
    sa, sb, sc, sd = a + half, b + half, c + half, d + half
    z = sps.norm.isf(alpha / 2)
    nan = np.full(len(a), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.log(sa / (sa + sb)) - np.log(sc / (sc + sd))
        se_rr = np.sqrt(1 / sa - 1 / (sa + sb) + 1 / sc - 1 / (sc + sd))
        log_or = np.log(sa) + np.log(sd) - np.log(sb) - np.log(sc)
        se_or = np.sqrt(1 / sa + 1 / sb + 1 / sc + 1 / sd)
        total, cases, controls = n1 + n2, a + c, b + d
        expected_min = np.min(np.stack([n1 * cases, n1 * controls, n2 * cases, n2 * controls]), axis=0) / total
        chi2 = total * (a * d - b * c) ** 2 / (n1 * n2 * cases * controls)
    fisher = ok & (expected_min < min_expected)
    p = np.where(ok & ~fisher, special.chdtrc(1, chi2), np.nan)
    for i in np.flatnonzero(fisher):
        p[i] = sps.fisher_exact(np.array([[a[i], b[i]], [c[i], d[i]]], dtype=np.int64)).pvalue
    out = {
        "rate_ratio": np.where(ok, np.exp(log_rr), nan),
        "rr_ci_low": np.where(ok, np.exp(log_rr - z * se_rr), nan),
        "rr_ci_high": np.where(ok, np.exp(log_rr + z * se_rr), nan),
        "odds_ratio": np.where(ok, np.exp(log_or), nan),
        "or_ci_low": np.where(ok, np.exp(log_or - z * se_or), nan),
        "or_ci_high": np.where(ok, np.exp(log_or + z * se_or), nan),
    }
    if none.any():  # 0.5 in every cell put a level with no complaint and few units above the rest ("2.5x")
        i = np.flatnonzero(none)
        for ratio, measure in (("rate_ratio", "ratio"), ("odds_ratio", "odds-ratio")):
            low, high = ("rr_ci_low", "rr_ci_high") if measure == "ratio" else ("or_ci_low", "or_ci_high")
            out[ratio][i] = out[low][i] = 0.0
            out[high][i] = _score_upper_no_complaint(n1[i], c[i], n2[i], alpha, measure)
    return {**out, "test": np.where(fisher, "fisher", np.where(ok, "chi2", "")), "p_value": p, "shifted": shifted,
            "no_complaint": none}


COMPARE_COLUMNS = [
    "level", "complaints", "units", "rate", "ci_low", "ci_high", "rest_complaints", "rest_units",
    "baseline_rate", "rate_ratio", "rr_ci_low", "rr_ci_high", "odds_ratio", "or_ci_low", "or_ci_high",
    "test", "p_value", "enough_data", "note",
]


def compare_levels(
    cells: pd.DataFrame,
    alpha: float = _S.alpha,
    min_units: int = _S.min_units,
    min_complaints: int = _S.min_complaints,
    min_expected: float = _S.min_expected,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Compare each level's complaint rate with all other levels pooled.

    Parameters
    ----------
    cells : DataFrame
        Columns ``level``, ``complaints``, ``units``; one row per level of one
        factor (rows with the same level are summed).
    by : column names, optional
        Columns that split ``cells`` into separate comparisons (for instance
        ``["family", "factor"]``): each level is compared with the rest of its
        own group, and the output starts with these columns, sorted by them.
    alpha : float
        ``1 - confidence`` for every interval.
    min_units, min_complaints : int
        ``enough_data`` is False when the level has fewer than ``min_units``
        units, or the comparison has fewer than ``min_complaints`` complaints
        in total (level + rest).
    min_expected : float
        Fisher's exact test is used when any expected count is below this.

    Returns
    -------
    DataFrame
        One row per level, sorted by level, columns ``level, complaints,
        units, rate, ci_low, ci_high, rest_complaints, rest_units,
        baseline_rate, rate_ratio, rr_ci_low, rr_ci_high, odds_ratio,
        or_ci_low, or_ci_high, test, p_value, enough_data, note``.
        ``baseline_rate`` is the rest's rate; ``test`` is ``"fisher"`` or
        ``"chi2"`` (empty, with NaN ratios and p, when the level has no units
        or there is no other level); ``note`` explains zero-cell corrections and
        ``"insufficient evidence"``.

    Notes
    -----
    Each level gives the 2x2 table [[a, n1 - a], [c, n2 - c]] (level vs rest).

    * ``rate`` with the Wilson (1927) interval.
    * ``rate_ratio`` = (a/n1)/(c/n2) with the log (Katz et al. 1978) interval,
      SE = sqrt(1/a - 1/n1 + 1/c - 1/n2).
    * ``odds_ratio`` is the **sample** odds ratio ad/bc with the Woolf (1955)
      logit interval, SE = sqrt(1/a + 1/b + 1/c + 1/d).  It is *not* the
      conditional maximum-likelihood estimate printed by R ``fisher.test``
      (for the tea-tasting table [[3,1],[1,3]]: 9.0 here, 6.408 in R).
    * A level with no complaint (a = 0, the rest with some): both ratios are
      0, their intervals run from 0 to the upper limit of the Miettinen-Nurminen
      (1985) score interval (statsmodels' ``confint_proportions_2indep``,
      ``method="score"``, for the rate ratio, computed for all such levels at
      once), and ``note`` says so.
    * When another cell is zero, 0.5 is added to all four cells for the two
      ratios and their intervals (Haldane-Anscombe), and ``note`` says so;
      ``rate`` and the test use the raw counts.
    * ``test``: two-sided Fisher exact when any expected count < ``min_expected``,
      otherwise Pearson chi-square without continuity correction.

    All levels are computed at once (:func:`_two_by_two`, the formulas of
    ``statsmodels.stats.contingency_tables.Table2x2`` and
    ``scipy.stats.chi2_contingency`` in array form; Fisher from
    ``scipy.stats.fisher_exact`` for the small tables): a big seller's run
    compares thousands of levels.  Agresti (2013), *Categorical Data
    Analysis*, 3rd ed., sec. 3.1.
    """
    missing = {"level", "complaints", "units"} - set(cells.columns)
    if missing:
        raise StatsInputError(f"cells lacks column(s): {', '.join(sorted(missing))}")
    by = list(by)
    agg = (cells.groupby([*by, "level"], sort=True, dropna=False)[["complaints", "units"]].sum()
           .reset_index())
    comp = agg["complaints"].to_numpy(dtype=float)
    units = agg["units"].to_numpy(dtype=float)
    _check_counts(comp, units)
    if by:
        totals = agg.groupby(by, sort=False, dropna=False)[["complaints", "units"]].transform("sum")
        rest_c = totals["complaints"].to_numpy(dtype=float) - comp
        rest_u = totals["units"].to_numpy(dtype=float) - units
    else:
        rest_c = comp.sum() - comp
        rest_u = units.sum() - units
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(units > 0, comp / np.where(units > 0, units, 1), np.nan)
        baseline = np.where(rest_u > 0, rest_c / np.where(rest_u > 0, rest_u, 1), np.nan)
    ci_low, ci_high = proportion_ci(comp, units, alpha=alpha, method="wilson")

    ratios = _two_by_two(comp, units, rest_c, rest_u, alpha, min_expected)
    notes = [[] for _ in range(len(agg))]
    for i in np.flatnonzero(units == 0):
        notes[i].append(NOTES["no_units"])
    for i in np.flatnonzero((units > 0) & (rest_u == 0)):
        notes[i].append(NOTES["no_other_level"])
    for i in np.flatnonzero(ratios.pop("shifted")):
        notes[i].append(NOTES["zero_cell"])
    for i in np.flatnonzero(ratios.pop("no_complaint")):
        notes[i].append(NOTES["no_complaint"])
    enough = (units >= min_units) & (comp + rest_c >= min_complaints)
    for i in np.flatnonzero(~enough):
        notes[i].append(NOTES["insufficient"])
    extra = pd.DataFrame({**ratios, "enough_data": enough, "note": ["; ".join(n) for n in notes]})
    out = pd.DataFrame({
        **{col: agg[col].to_numpy() for col in by},
        "level": agg["level"].to_numpy(),
        "complaints": agg["complaints"].to_numpy(),
        "units": agg["units"].to_numpy(),
        "rate": rate,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "rest_complaints": rest_c,
        "rest_units": rest_u,
        "baseline_rate": baseline,
    })
    out = pd.concat([out, extra], axis=1)
    out["enough_data"] = out["enough_data"].astype(bool)
    return out[[*by, *COMPARE_COLUMNS]]


# --------------------------------------------------------------- Mantel-Haenszel
@dataclass(frozen=True)
class MantelHaenszelResult:
    """Result of :func:`mantel_haenszel`.

    Attributes
    ----------
    focus_level : object
    n_strata : int
        Strata used (strata where the focus level or the rest has no units
        are dropped).
    odds_ratio, or_ci_low, or_ci_high : float
        Mantel-Haenszel pooled odds ratio, Robins-Breslow-Greenland interval.
    risk_ratio, rr_ci_low, rr_ci_high : float
        Mantel-Haenszel pooled risk ratio, Greenland-Robins interval.
    statistic, p_value : float
        Cochran-Mantel-Haenszel chi-square (1 df) and its p-value.
    breslow_day_statistic, breslow_day_p_value : float
        Breslow-Day test of a common odds ratio across strata (NaN with one stratum).
    note : str
    """

    focus_level: object
    n_strata: int
    odds_ratio: float
    or_ci_low: float
    or_ci_high: float
    risk_ratio: float
    rr_ci_low: float
    rr_ci_high: float
    statistic: float
    p_value: float
    breslow_day_statistic: float
    breslow_day_p_value: float
    note: str = ""


def mantel_haenszel(
    df: pd.DataFrame,
    level_col: str,
    stratum_col: str,
    complaints_col: str = "complaints",
    units_col: str = "units",
    focus_level=None,
    alpha: float = _S.alpha,
    correction: bool = False,
) -> MantelHaenszelResult:
    """Pooled odds ratio and risk ratio of one level vs the rest, adjusted for strata.

    Parameters
    ----------
    df : DataFrame
        One row per (level, stratum) cell with complaint and unit counts.
    level_col, stratum_col : str
        The factor under study and the confounder to stratify on.
    complaints_col, units_col : str
    focus_level : object
        The level compared with all other levels pooled (required).
    alpha : float
    correction : bool
        Continuity correction in the CMH statistic (R's ``mantelhaen.test``
        default is ``correct=TRUE``; we default to no correction, like our chi-square).

    Returns
    -------
    MantelHaenszelResult
        ``focus_level, n_strata, odds_ratio, or_ci_low, or_ci_high, risk_ratio,
        rr_ci_low, rr_ci_high, statistic, p_value, breslow_day_statistic,
        breslow_day_p_value, note``.

    Notes
    -----
    Per stratum k the table is [[a, n1 - a], [c, n0 - c]] (focus vs rest).
    ``statsmodels.stats.contingency_tables.StratifiedTable`` gives the MH odds
    ratio sum(a d/N)/sum(b c/N) with the Robins, Breslow & Greenland (1986)
    variance, the Cochran-Mantel-Haenszel test and the Breslow-Day (1980)
    homogeneity test (without Tarone's adjustment; computed over strata in
    which some but not all units complained).  The MH risk ratio
    sum(a n0/N)/sum(c n1/N) uses the Greenland & Robins (1985) variance
    Var(log RR) = sum((n1 n0 m1 - a c N)/N²) / (sum(a n0/N) sum(c n1/N)),
    m1 = a + c.  Mantel & Haenszel (1959), J Natl Cancer Inst 22:719.
    """
    if focus_level is None:
        raise StatsInputError("mantel_haenszel needs focus_level, the level to compare with the rest")
    for col in (level_col, stratum_col, complaints_col, units_col):
        if col not in df.columns:
            raise StatsInputError(f"column {col!r} not found")
    comp = df[complaints_col].to_numpy(dtype=float)
    units = df[units_col].to_numpy(dtype=float)
    _check_counts(comp, units)
    is_focus = (df[level_col] == focus_level).to_numpy()
    if not is_focus.any():
        raise StatsInputError(f"level {focus_level!r} not found in column {level_col!r}")
    work = pd.DataFrame({
        "stratum": df[stratum_col].to_numpy(),
        "a": np.where(is_focus, comp, 0.0), "n1": np.where(is_focus, units, 0.0),
        "c": np.where(is_focus, 0.0, comp), "n0": np.where(is_focus, 0.0, units),
    })
    per = work.groupby("stratum", sort=True, dropna=False).sum()
    # a stratum without units on one side cannot compare anything
    usable = (per["n1"] > 0) & (per["n0"] > 0)
    dropped = int((~usable).sum())
    per = per[usable]
    note = f"{dropped} stratum/strata without units on both sides dropped" if dropped else ""
    nan = np.nan
    m1_all = per["a"] + per["c"]
    if per.empty or m1_all.sum() == 0:
        return MantelHaenszelResult(focus_level, int(len(per)), nan, nan, nan, nan, nan, nan, nan, nan, nan, nan,
                                    (note + "; " if note else "") + "no stratum has both levels and complaints")
    a, n1, c, n0 = (per[k].to_numpy() for k in ("a", "n1", "c", "n0"))
    b, d = n1 - a, n0 - c
    tables = np.stack([np.stack([a, b]), np.stack([c, d])])  # 2 x 2 x K
    st = StratifiedTable(tables)
    with np.errstate(invalid="ignore", divide="ignore"):
        odds = float(st.oddsratio_pooled)
        or_lo, or_hi = (float(v) for v in st.oddsratio_pooled_confint(alpha=alpha))
    null = st.test_null_odds(correction=correction)
    # strata where everyone or no one complained carry no information on the odds ratio
    m1 = a + c
    varies = (m1 > 0) & (m1 < n1 + n0)
    if varies.sum() > 1 and np.isfinite(odds) and odds > 0:
        bd = StratifiedTable(tables[:, :, varies]).test_equal_odds(adjust=False)
        bd_stat, bd_p = float(bd.statistic), float(bd.pvalue)
    else:
        bd_stat = bd_p = nan
    n = n1 + n0
    r_num = np.sum(a * n0 / n)
    r_den = np.sum(c * n1 / n)
    rr = r_num / r_den if r_den > 0 else nan
    if r_num > 0 and r_den > 0:
        var = np.sum((n1 * n0 * (a + c) - a * c * n) / n**2) / (r_num * r_den)
        z = sps.norm.isf(alpha / 2)
        rr_lo, rr_hi = rr * np.exp(-z * np.sqrt(var)), rr * np.exp(z * np.sqrt(var))
    else:
        rr_lo = rr_hi = nan
    return MantelHaenszelResult(focus_level, int(len(per)), odds, or_lo, or_hi, float(rr), float(rr_lo),
                                float(rr_hi), float(null.statistic), float(null.pvalue), bd_stat, bd_p, note)


# ---------------------------------------------------------------------- models
COEF_COLUMNS = ["term", "coef", "se", "z", "p_value", "ci_low", "ci_high", "odds_ratio"]


@dataclass(frozen=True, eq=False)
class ModelFit:
    """A fitted logistic model (:func:`binomial_glm` or :func:`logit`).

    Attributes
    ----------
    coefficients : DataFrame
        ``term, coef, se, z, p_value, ci_low, ci_high, odds_ratio`` (Wald
        intervals on the log-odds scale; ``odds_ratio = exp(coef)``), one row
        per term, intercept ``"const"`` first.
    deviance : float
    llf : float
        Log-likelihood.  For aggregated cells it includes the binomial
        coefficients (statsmodels GLM convention); it cancels in :func:`lr_test`.
    llnull : float
        Log-likelihood of the intercept-only model.
    aic, bic : float
    df_model, df_resid : float
    nobs : float
        Rows (cells for :func:`binomial_glm`, units for :func:`logit`).
    lr_statistic, lr_p_value : float
        Likelihood-ratio test of all terms against the intercept-only model.
    pseudo_r2 : float
        McFadden's 1 - llf/llnull (unit-level likelihoods).
    converged : bool
    note : str
    """

    coefficients: pd.DataFrame
    deviance: float
    llf: float
    llnull: float
    aic: float
    bic: float
    df_model: float
    df_resid: float
    nobs: float
    lr_statistic: float
    lr_p_value: float
    pseudo_r2: float
    converged: bool
    note: str = ""


def _coef_frame(res, alpha: float) -> pd.DataFrame:
    names = list(res.params.index)
    ci = np.asarray(res.conf_int(alpha=alpha))
    coef = np.asarray(res.params, dtype=float)
    return pd.DataFrame({
        "term": names,
        "coef": coef,
        "se": np.asarray(res.bse, dtype=float),
        "z": np.asarray(res.tvalues, dtype=float),
        "p_value": np.asarray(res.pvalues, dtype=float),
        "ci_low": ci[:, 0],
        "ci_high": ci[:, 1],
        "odds_ratio": np.exp(coef),
    })


def _fit_quietly(model, **kwargs):
    """Fit, returning (result, note).

    statsmodels' own separation warning fires on any perfect fit, including a
    saturated model on aggregated cells, so it is replaced by our own check:
    a fitted probability at 0 or 1 means a coefficient is drifting to ±inf.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(**kwargs)
    msgs = sorted({str(w.message).splitlines()[0] for w in caught
                   if "converge" in str(w.message).lower() and "separation" not in str(w.message).lower()})
    mu = np.asarray(res.predict(), dtype=float)
    if np.any((mu < 1e-8) | (mu > 1 - 1e-8)):
        msgs.append("separation: some fitted rates are 0 or 1, so some coefficients are not identified")
    return res, "; ".join(msgs)


def binomial_glm(
    cells: pd.DataFrame,
    terms: list[str],
    complaints_col: str = "complaints",
    units_col: str = "units",
    alpha: float = _S.alpha,
) -> ModelFit:
    """Binomial GLM (logit link) on aggregated cells.

    Parameters
    ----------
    cells : DataFrame
        One row per cell, with complaint and unit counts and 0/1 indicator
        (one-hot) columns.
    terms : list of str
        Indicator columns to include; an intercept ``const`` is always added.
        Leave one level of each factor out as the reference.
    complaints_col, units_col : str
    alpha : float
        For the Wald intervals.

    Returns
    -------
    ModelFit
        ``coefficients`` (``term, coef, se, z, p_value, ci_low, ci_high,
        odds_ratio``), ``deviance, llf, llnull, aic, bic, df_model, df_resid,
        nobs, lr_statistic, lr_p_value, pseudo_r2, converged, note``.

    Notes
    -----
    ``statsmodels.api.GLM`` with ``family=Binomial()`` and the response as
    (successes, failures) = (complaints, units - complaints), fitted by IRLS.
    The coefficients equal those of a unit-level logistic regression; the
    likelihood includes the log binomial coefficients, so compare models on
    the same cells only (:func:`lr_test`).  ``pseudo_r2`` is NaN here because
    McFadden's R² is defined on the unit-level likelihood.  Cells with no units
    are dropped.  McCullagh & Nelder (1989), *Generalized Linear Models*, ch. 4.
    """
    import statsmodels.api as sm

    for col in [complaints_col, units_col, *terms]:
        if col not in cells.columns:
            raise StatsInputError(f"column {col!r} not found")
    data = cells[cells[units_col] > 0]
    y = data[complaints_col].to_numpy(dtype=float)
    n = data[units_col].to_numpy(dtype=float)
    _check_counts(y, n)
    exog = sm.add_constant(data[terms].astype(float), has_constant="add")
    exog.index = range(len(exog))
    endog = np.column_stack([y, n - y])
    # tight IRLS tolerance: the default (1e-8 on the deviance) leaves SEs off in the 6th digit
    res, note = _fit_quietly(sm.GLM(endog, exog, family=sm.families.Binomial()), tol=1e-13, maxiter=200)
    null_res = sm.GLM(endog, np.ones((len(y), 1)), family=sm.families.Binomial()).fit(tol=1e-13, maxiter=200)
    lr = 2 * (res.llf - null_res.llf)
    dfm = float(res.df_model)
    converged = bool(res.converged) and not note
    return ModelFit(
        coefficients=_coef_frame(res, alpha),
        deviance=float(res.deviance), llf=float(res.llf), llnull=float(null_res.llf),
        aic=float(res.aic), bic=float(res.bic_llf), df_model=dfm, df_resid=float(res.df_resid),
        nobs=float(len(y)), lr_statistic=float(lr),
        lr_p_value=float(sps.chi2.sf(lr, dfm)) if dfm > 0 else np.nan,
        pseudo_r2=np.nan, converged=converged, note=note,
    )


def logit(
    df: pd.DataFrame,
    formula_or_columns,
    outcome: str | None = None,
    alpha: float = _S.alpha,
) -> ModelFit:
    """Logistic regression on unit-level (0/1) data.

    Parameters
    ----------
    df : DataFrame
    formula_or_columns : str or list of str
        A formula such as ``"GRADE ~ GPA + TUCE + PSI"``, or a list of
        predictor columns (then ``outcome`` names the 0/1 response and an
        intercept ``const`` is added).
    outcome : str, optional
        Response column when predictors are given as a list.
    alpha : float

    Returns
    -------
    ModelFit
        ``coefficients`` (``term, coef, se, z, p_value, ci_low, ci_high,
        odds_ratio``; the formula intercept is renamed ``const``), ``deviance``
        (= -2 llf), ``llf, llnull, aic, bic, df_model, df_resid, nobs,
        lr_statistic, lr_p_value, pseudo_r2`` (McFadden), ``converged, note``.

    Notes
    -----
    ``statsmodels`` ``Logit`` fitted by Newton-Raphson.  Checked against the
    Stata 11 results for Spector & Mazzeo (1980).  Hosmer, Lemeshow &
    Sturdivant (2013), *Applied Logistic Regression*, 3rd ed.
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    if isinstance(formula_or_columns, str):
        model = smf.logit(formula_or_columns, data=df)
    else:
        if outcome is None:
            raise StatsInputError("logit with a list of columns needs outcome=")
        cols = list(formula_or_columns)
        exog = sm.add_constant(df[cols].astype(float), has_constant="add")
        model = sm.Logit(df[outcome].astype(float), exog)
    res, note = _fit_quietly(model, disp=0)
    coefs = _coef_frame(res, alpha)
    coefs["term"] = coefs["term"].replace({"Intercept": "const"})
    converged = bool(res.mle_retvals.get("converged", True)) and not note
    return ModelFit(
        coefficients=coefs, deviance=float(-2 * res.llf), llf=float(res.llf), llnull=float(res.llnull),
        aic=float(res.aic), bic=float(res.bic), df_model=float(res.df_model), df_resid=float(res.df_resid),
        nobs=float(res.nobs), lr_statistic=float(res.llr), lr_p_value=float(res.llr_pvalue),
        pseudo_r2=float(res.prsquared), converged=converged, note=note,
    )


@dataclass(frozen=True)
class LRTest:
    """Likelihood-ratio test of nested models: ``statistic, df, p_value``."""

    statistic: float
    df: float
    p_value: float

    def __iter__(self):
        """Allow ``statistic, df, p_value = lr_test(...)``."""
        return iter((self.statistic, self.df, self.p_value))


def lr_test(restricted: ModelFit, full: ModelFit) -> LRTest:
    """Likelihood-ratio test of a restricted model nested in a full model.

    Parameters
    ----------
    restricted, full : ModelFit
        Fits on the same rows; ``restricted``'s terms a subset of ``full``'s.

    Returns
    -------
    LRTest
        ``statistic`` = 2 (llf_full - llf_restricted), ``df`` = difference in
        residual degrees of freedom, ``p_value`` from the chi-square distribution.
        Unpacks as ``(statistic, df, p_value)``.

    Notes
    -----
    Wilks (1938).  For binomial GLMs this equals the drop in deviance.
    """
    if restricted.nobs != full.nobs:
        raise StatsInputError("the two models were fitted on different data")
    df = restricted.df_resid - full.df_resid
    if df <= 0:
        raise StatsInputError("the full model must have more parameters than the restricted one")
    stat = max(2.0 * (full.llf - restricted.llf), 0.0)
    return LRTest(float(stat), float(df), float(sps.chi2.sf(stat, df)))


# -------------------------------------------------------------- control charts
CHART_COLUMNS = ["sample", "count", "size", "value", "center", "lcl", "ucl", "out_of_control", "phase"]

# d2 (mean of the relative range) for n = 2..25, the 3-decimal ASTM/Montgomery
# table that qcc also uses, so limits match qcc to every printed digit.
_D2_TABLE = {n: v for n, v in zip(range(2, 26), (
    1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258, 3.336, 3.407, 3.472,
    3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931))}
# d3 (sd of the relative range) for n = 2..25 to 7 digits (values as tabulated in qcc's options).
_D3_TABLE = {n: v for n, v in zip(range(2, 26), (
    0.8525033, 0.8883697, 0.8798108, 0.8640855, 0.8480442, 0.8332108, 0.8198378, 0.8078413, 0.7970584,
    0.7873230, 0.7784873, 0.7704257, 0.7630330, 0.7562217, 0.7499188, 0.7440627, 0.7386021, 0.7334929,
    0.7286980, 0.7241851, 0.7199267, 0.7158987, 0.7120802, 0.7084528))}


def _d2(n: int) -> float:
    if n in _D2_TABLE:
        return _D2_TABLE[n]
    f = lambda x: 1 - sps.norm.sf(x) ** n - sps.norm.cdf(x) ** n  # noqa: E731
    return float(integrate.quad(f, -np.inf, np.inf)[0])


def _d3(n: int) -> float:
    if n in _D3_TABLE:
        return _D3_TABLE[n]
    F = sps.norm.cdf
    f = lambda y, x: 1 - F(y) ** n - (1 - F(x)) ** n + (F(y) - F(x)) ** n  # noqa: E731
    second = 2 * integrate.dblquad(f, -12, 12, lambda x: x, lambda x: 12)[0]
    return float(np.sqrt(second - _d2(n) ** 2))


def _c4(n) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    return np.sqrt(2 / (n - 1)) * np.exp(special.gammaln(n / 2) - special.gammaln((n - 1) / 2))


def _phases(samples: np.ndarray, trial, exclude) -> tuple[np.ndarray, np.ndarray]:
    """Return (phase labels, mask of samples used for the limits)."""
    k = len(samples)
    if trial is None:
        is_trial = np.ones(k, dtype=bool)
    else:
        is_trial = np.asarray(trial, dtype=bool)
        if is_trial.shape != (k,):
            raise StatsInputError("trial must be one True/False per sample")
    excluded = np.zeros(k, dtype=bool)
    if exclude is not None:
        wanted = list(exclude)
        unknown = [s for s in wanted if s not in set(samples.tolist())]
        if unknown:
            raise StatsInputError(f"samples to exclude not found: {unknown}")
        excluded = np.isin(samples, wanted)
    used = is_trial & ~excluded
    if not used.any():
        raise StatsInputError("no samples left to compute control limits")
    phase = np.where(used, "trial", np.where(is_trial, "excluded", "monitor"))
    return phase, used


def _samples(samples, k: int) -> np.ndarray:
    if samples is None:
        return np.arange(1, k + 1)
    arr = np.asarray(samples)
    if arr.shape != (k,):
        raise StatsInputError("samples must give one label per sample")
    return arr


def _chart_frame(samples, count, size, value, center, lcl, ucl, phase) -> pd.DataFrame:
    k = len(samples)
    full = lambda v: np.broadcast_to(np.asarray(v, dtype=float), (k,)).copy()  # noqa: E731
    value, lcl, ucl = full(value), full(lcl), full(ucl)
    with np.errstate(invalid="ignore"):
        ooc = (value > ucl) | (value < lcl)
    return pd.DataFrame({
        "sample": samples,
        "count": full(count),
        "size": full(size),
        "value": value,
        "center": full(center),
        "lcl": lcl,
        "ucl": ucl,
        "out_of_control": ooc.astype(bool),
        "phase": phase,
    })[CHART_COLUMNS]


def _attribute_inputs(counts, sizes, samples):
    c = np.asarray(counts, dtype=float)
    if c.ndim != 1 or len(c) == 0:
        raise StatsInputError("counts must be a non-empty 1-D sequence")
    n = None
    if sizes is not None:
        n = np.broadcast_to(np.asarray(sizes, dtype=float), c.shape).copy()
        if np.any(n <= 0):
            raise StatsInputError("sample sizes must be positive")
    if np.any(c < 0) or np.any(~np.isfinite(c)):
        raise StatsInputError("counts must be finite and non-negative")
    return c, n, _samples(samples, len(c))


def p_chart(counts, sizes, samples=None, trial=None, exclude=None, sigmas: float = _S.control_sigmas) -> pd.DataFrame:
    """Shewhart p chart of the fraction nonconforming (complaint rate).

    Parameters
    ----------
    counts, sizes : array_like
        Nonconforming units (complaints) and units inspected (shipped) per sample.
    samples : sequence, optional
        Sample labels (default 1..k), in time order.
    trial : sequence of bool, optional
        True for trial (phase I) samples; default all.
    exclude : sequence, optional
        Sample labels dropped from the limit computation (assignable cause
        found, e.g. Montgomery's OJ samples 15 and 23).
    sigmas : float
        Limit width in standard errors.

    Returns
    -------
    DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``;
        ``value`` = count/size, limits per sample (they vary with size),
        ``phase`` in {"trial", "excluded", "monitor"}: "trial" rows computed
        the limits, "excluded" rows were in the trial period but dropped via
        ``exclude``, "monitor" rows are phase II.

    Notes
    -----
    p̄ = sum(count)/sum(size) over the samples used; limits
    p̄ ± k sqrt(p̄(1-p̄)/n_i), LCL clipped at 0 and UCL at 1 (as R qcc).
    Montgomery, *Introduction to Statistical Quality Control*, ch. 6 (7);
    Scrucca (2004), qcc, J Stat Softw.
    """
    c, n, s = _attribute_inputs(counts, sizes, samples)
    if n is None or np.any(c > n):
        raise StatsInputError("p chart needs sizes, with counts not above sizes")
    phase, used = _phases(s, trial, exclude)
    pbar = c[used].sum() / n[used].sum()
    sd = np.sqrt(pbar * (1 - pbar) / n)
    return _chart_frame(s, c, n, c / n, pbar, np.maximum(pbar - sigmas * sd, 0), np.minimum(pbar + sigmas * sd, 1),
                        phase)


def np_chart(counts, sizes, samples=None, trial=None, exclude=None, sigmas: float = _S.control_sigmas) -> pd.DataFrame:
    """Shewhart np chart of the number nonconforming.

    Parameters
    ----------
    counts, sizes : array_like
    samples, trial, exclude, sigmas
        As :func:`p_chart`.

    Returns
    -------
    DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``;
        ``value`` = count, ``center`` = n p̄.

    Notes
    -----
    Limits n p̄ ± k sqrt(n p̄ (1-p̄)), LCL clipped at 0, UCL at n.  Meant for
    constant sample size; with varying sizes centre and limits vary too.
    Montgomery, ch. 6 (7).
    """
    c, n, s = _attribute_inputs(counts, sizes, samples)
    if n is None or np.any(c > n):
        raise StatsInputError("np chart needs sizes, with counts not above sizes")
    phase, used = _phases(s, trial, exclude)
    pbar = c[used].sum() / n[used].sum()
    center = n * pbar
    sd = np.sqrt(n * pbar * (1 - pbar))
    return _chart_frame(s, c, n, c, center, np.maximum(center - sigmas * sd, 0), np.minimum(center + sigmas * sd, n),
                        phase)


def c_chart(counts, samples=None, trial=None, exclude=None, sigmas: float = _S.control_sigmas) -> pd.DataFrame:
    """Shewhart c chart of the count of nonconformities per equal inspection unit.

    Parameters
    ----------
    counts : array_like
    samples, trial, exclude, sigmas
        As :func:`p_chart`.

    Returns
    -------
    DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``;
        ``value`` = count, ``size`` NaN (not used).

    Notes
    -----
    Poisson limits c̄ ± k sqrt(c̄), LCL clipped at 0.  Montgomery, ch. 7 (7.3).
    """
    c, _, s = _attribute_inputs(counts, None, samples)
    phase, used = _phases(s, trial, exclude)
    cbar = c[used].mean()
    sd = np.sqrt(cbar)
    return _chart_frame(s, c, np.nan, c, cbar, max(cbar - sigmas * sd, 0.0), cbar + sigmas * sd, phase)


def u_chart(counts, sizes, samples=None, trial=None, exclude=None, sigmas: float = _S.control_sigmas) -> pd.DataFrame:
    """Shewhart u chart of nonconformities per unit (sizes may vary).

    Parameters
    ----------
    counts, sizes : array_like
        Nonconformities and inspection units per sample.
    samples, trial, exclude, sigmas
        As :func:`p_chart`.

    Returns
    -------
    DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``;
        ``value`` = count/size.

    Notes
    -----
    ū = sum(count)/sum(size) over the samples used; limits ū ± k sqrt(ū/n_i),
    LCL clipped at 0.  Montgomery, ch. 7 (7.3.1).
    """
    c, n, s = _attribute_inputs(counts, sizes, samples)
    if n is None:
        raise StatsInputError("u chart needs sizes")
    phase, used = _phases(s, trial, exclude)
    ubar = c[used].sum() / n[used].sum()
    sd = np.sqrt(ubar / n)
    return _chart_frame(s, c, n, c / n, ubar, np.maximum(ubar - sigmas * sd, 0), ubar + sigmas * sd, phase)


def laney_p_chart(counts, sizes, samples=None, trial=None, exclude=None,
                  sigmas: float = _S.control_sigmas) -> pd.DataFrame:
    """Laney p′ chart: a p chart widened for between-sample (overdispersion) variation.

    Parameters
    ----------
    counts, sizes : array_like
    samples, trial, exclude, sigmas
        As :func:`p_chart`.

    Returns
    -------
    DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``.

    Notes
    -----
    Laney (2002), "Improved control charts for attributes", Quality
    Engineering 14(4):531.  With p̄ and σ_pi = sqrt(p̄(1-p̄)/n_i) as in the p
    chart, z_i = (p_i - p̄)/σ_pi; σ_z = mean |z_i - z_{i-1}| / 1.128 (moving
    ranges of consecutive samples used for the limits); limits
    p̄ ± k σ_pi σ_z, LCL clipped at 0, UCL at 1.  σ_z ≈ 1 gives the p chart;
    σ_z > 1 reflects overdispersion (large shipments of a drifting process).
    Needs at least 2 samples for the limits.
    """
    c, n, s = _attribute_inputs(counts, sizes, samples)
    if n is None or np.any(c > n):
        raise StatsInputError("p′ chart needs sizes, with counts not above sizes")
    phase, used = _phases(s, trial, exclude)
    if used.sum() < 2:
        raise StatsInputError("Laney p′ chart needs at least 2 samples for the limits")
    pbar = c[used].sum() / n[used].sum()
    sd = np.sqrt(pbar * (1 - pbar) / n)
    z = (c[used] / n[used] - pbar) / sd[used]
    sigma_z = np.mean(np.abs(np.diff(z))) / _d2(2)
    width = sigmas * sd * sigma_z
    return _chart_frame(s, c, n, c / n, pbar, np.maximum(pbar - width, 0), np.minimum(pbar + width, 1), phase)


def _grouped(data: pd.DataFrame, sample_col: str, value_col: str, trial):
    for col in (sample_col, value_col):
        if col not in data.columns:
            raise StatsInputError(f"column {col!r} not found")
    clean = data[data[value_col].notna()]
    g = clean.groupby(sample_col, sort=True)[value_col]
    stats_ = pd.DataFrame({"mean": g.mean(), "n": g.count(), "range": g.max() - g.min(), "sd": g.std(ddof=1)})
    if (stats_["n"] < 2).any():
        raise StatsInputError("every sample needs at least 2 measurements (use individuals_chart otherwise)")
    if isinstance(trial, str):
        t = clean.groupby(sample_col, sort=True)[trial].agg(["min", "max"])
        if (t["min"] != t["max"]).any():
            raise StatsInputError(f"column {trial!r} must be constant within each sample")
        trial = t["min"].astype(bool).to_numpy()
    return stats_, trial


def _xbar_sigma(st: pd.DataFrame, used: np.ndarray, kind: str) -> float:
    sub = st[used]
    if kind == "R":
        return float(np.mean(sub["range"].to_numpy() / np.array([_d2(int(k)) for k in sub["n"]])))
    if kind == "S":
        return float(np.mean(sub["sd"].to_numpy() / _c4(sub["n"].to_numpy())))
    raise StatsInputError("kind must be 'R' or 'S'")


def xbar_chart(data: pd.DataFrame, sample_col: str, value_col: str, trial=None, kind: str = "R", exclude=None,
               sigmas: float = _S.control_sigmas) -> pd.DataFrame:
    """Shewhart x̄ chart of sample means, sigma from ranges (``kind="R"``) or SDs (``"S"``).

    Parameters
    ----------
    data : DataFrame
        Long format: one row per measurement.
    sample_col, value_col : str
    trial : str or sequence of bool, optional
        Name of a boolean column (constant within a sample), or one flag per
        sample in sorted sample order; default all samples are trial.
    kind : {"R", "S"}
    exclude : sequence, optional
        Sample labels dropped from the limits.
    sigmas : float

    Returns
    -------
    DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``;
        ``value`` the sample mean, ``count`` NaN, ``size`` the measurements per sample.

    Notes
    -----
    Centre = size-weighted grand mean; σ̂ = mean(R_i/d2(n_i)) or
    mean(s_i/c4(n_i)) over the samples used (qcc's "UWAVE-R"/"UWAVE-SD");
    limits centre ± k σ̂/sqrt(n_i).  d2 is the 3-decimal table that qcc and
    Montgomery print (e.g. d2(5) = 2.326), so limits match qcc exactly.
    Montgomery, ch. 5 (6).
    """
    st, trial = _grouped(data, sample_col, value_col, trial)
    s = st.index.to_numpy()
    phase, used = _phases(s, trial, exclude)
    n = st["n"].to_numpy(dtype=float)
    center = float(np.sum(n[used] * st["mean"].to_numpy()[used]) / n[used].sum())
    sigma = _xbar_sigma(st, used, kind)
    half = sigmas * sigma / np.sqrt(n)
    return _chart_frame(s, np.nan, n, st["mean"].to_numpy(), center, center - half, center + half, phase)


def r_chart(data: pd.DataFrame, sample_col: str, value_col: str, trial=None, exclude=None,
            sigmas: float = _S.control_sigmas) -> pd.DataFrame:
    """Shewhart R chart of sample ranges.

    Parameters
    ----------
    data, sample_col, value_col, trial, exclude, sigmas
        As :func:`xbar_chart`.

    Returns
    -------
    DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``;
        ``value`` the sample range.

    Notes
    -----
    σ̂ = mean(R_i/d2(n_i)); centre d2(n_i) σ̂ (= R̄ for equal sizes); limits
    centre ± k d3(n_i) σ̂, LCL clipped at 0.  d3 to 7 digits as in qcc
    (d3(5) = 0.8640855).  Montgomery, ch. 5 (6).
    """
    st, trial = _grouped(data, sample_col, value_col, trial)
    s = st.index.to_numpy()
    phase, used = _phases(s, trial, exclude)
    sigma = _xbar_sigma(st, used, "R")
    sizes = st["n"].to_numpy(dtype=int)
    d2 = np.array([_d2(k) for k in sizes])
    d3 = np.array([_d3(k) for k in sizes])
    center = d2 * sigma
    return _chart_frame(s, np.nan, sizes, st["range"].to_numpy(), center,
                        np.maximum(center - sigmas * d3 * sigma, 0), center + sigmas * d3 * sigma, phase)


def s_chart(data: pd.DataFrame, sample_col: str, value_col: str, trial=None, exclude=None,
            sigmas: float = _S.control_sigmas) -> pd.DataFrame:
    """Shewhart S chart of sample standard deviations.

    Parameters
    ----------
    data, sample_col, value_col, trial, exclude, sigmas
        As :func:`xbar_chart`.

    Returns
    -------
    DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``;
        ``value`` the sample SD.

    Notes
    -----
    σ̂ = mean(s_i/c4(n_i)); centre c4(n_i) σ̂ (= s̄ for equal sizes); limits
    centre ± k σ̂ sqrt(1 - c4²), LCL clipped at 0.  Montgomery, ch. 5 (6.3).
    """
    st, trial = _grouped(data, sample_col, value_col, trial)
    s = st.index.to_numpy()
    phase, used = _phases(s, trial, exclude)
    sigma = _xbar_sigma(st, used, "S")
    sizes = st["n"].to_numpy(dtype=float)
    c4 = _c4(sizes)
    center = c4 * sigma
    half = sigmas * sigma * np.sqrt(1 - c4**2)
    return _chart_frame(s, np.nan, sizes, st["sd"].to_numpy(), center, np.maximum(center - half, 0),
                        center + half, phase)


def individuals_chart(values, samples=None, trial=None, exclude=None, sigma_method: str = "mr",
                      sigmas: float = _S.control_sigmas) -> pd.DataFrame:
    """Individuals (X) chart for one measurement per sample.

    Parameters
    ----------
    values : array_like
    samples, trial, exclude, sigmas
        As :func:`p_chart`.
    sigma_method : {"mr", "sd"}
        ``"mr"``: σ̂ = mean moving range / 1.128 (default, qcc ``xbar.one``);
        ``"sd"``: σ̂ = s / c4(m), the bias-corrected sample standard deviation
        of the m values used (qcc ``std.dev = "SD"``).

    Returns
    -------
    DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``;
        ``count`` and ``size`` NaN.

    Notes
    -----
    Centre = mean of the values used; limits centre ± k σ̂.  Moving ranges
    are |x_i - x_{i-1}| between consecutive samples used for the limits.
    Montgomery, ch. 6 (6.4).
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or len(x) == 0 or np.any(~np.isfinite(x)):
        raise StatsInputError("values must be a non-empty sequence of numbers")
    s = _samples(samples, len(x))
    phase, used = _phases(s, trial, exclude)
    if used.sum() < 2:
        raise StatsInputError("an individuals chart needs at least 2 values for the limits")
    xu = x[used]
    if sigma_method == "mr":
        sigma = np.mean(np.abs(np.diff(xu))) / _d2(2)
    elif sigma_method == "sd":
        sigma = np.std(xu, ddof=1) / float(_c4(len(xu)))
    else:
        raise StatsInputError("sigma_method must be 'mr' or 'sd'")
    center = xu.mean()
    return _chart_frame(s, np.nan, np.nan, x, center, center - sigmas * sigma, center + sigmas * sigma, phase)


# ---------------------------------------------------------------------- funnel
FUNNEL_LIMIT_COLUMNS = ["units", "lower95", "upper95", "lower998", "upper998"]
FUNNEL_POINT_COLUMNS = ["level", "complaints", "units", "rate", "z", "z_adjusted", "phi", "outside95", "outside998"]


def funnel_limits(units, baseline_rate: float, phi: float = 1.0, method: str = "normal") -> pd.DataFrame:
    """Funnel-plot control limits for a proportion at each number of units.

    Parameters
    ----------
    units : array_like
        Denominators at which to draw the funnel (e.g. ``np.geomspace(10, 1e5, 200)``).
    baseline_rate : float
        Target rate p0 (usually the pooled rate).
    phi : float
        Overdispersion factor; limits are widened by sqrt(phi).
    method : {"normal", "exact"}
        ``"normal"``: p0 ± z sqrt(phi p0 (1-p0)/n) (default).  ``"exact"``:
        interpolated binomial quantiles (phi must be 1).

    Returns
    -------
    DataFrame
        ``units, lower95, upper95, lower998, upper998`` (limits as rates,
        clipped to [0, 1]), one row per ``units`` value in the given order.

    Notes
    -----
    Spiegelhalter (2005), "Funnel plots for comparing institutional
    performance", Stat Med 24:1185.  The 95% and 99.8% limits use
    z = 1.960 and 3.090.  The exact option follows Spiegelhalter's appendix:
    r_p = binomial p-quantile, α = (F(r_p) - p)/(F(r_p) - F(r_p - 1)),
    limit = (r_p - α)/n.
    """
    n = np.asarray(units, dtype=float)
    if np.any(n <= 0):
        raise StatsInputError("units must be positive")
    if not 0 <= baseline_rate <= 1:
        raise StatsInputError("baseline_rate must lie between 0 and 1")
    out = {"units": n}
    for name, conf in (("95", 0.95), ("998", 0.998)):
        lo_p, hi_p = (1 - conf) / 2, 1 - (1 - conf) / 2
        if method == "normal":
            z = sps.norm.isf((1 - conf) / 2)
            half = z * np.sqrt(phi * baseline_rate * (1 - baseline_rate) / n)
            lo, hi = baseline_rate - half, baseline_rate + half
        elif method == "exact":
            if phi != 1.0:
                raise StatsInputError("exact funnel limits do not take an overdispersion factor; use method='normal'")
            nn = np.round(n)
            lo, hi = (_binom_limit(q, nn, baseline_rate) for q in (lo_p, hi_p))
        else:
            raise StatsInputError("method must be 'normal' or 'exact'")
        out[f"lower{name}"] = np.clip(lo, 0, 1)
        out[f"upper{name}"] = np.clip(hi, 0, 1)
    return pd.DataFrame(out)[FUNNEL_LIMIT_COLUMNS]


def _binom_limit(q: float, n: np.ndarray, p0: float) -> np.ndarray:
    r = sps.binom.ppf(q, n, p0)
    f_r = sps.binom.cdf(r, n, p0)
    f_r1 = sps.binom.cdf(r - 1, n, p0)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(f_r > f_r1, (f_r - q) / (f_r - f_r1), 0.0)
    return (r - alpha) / n


def funnel_points(cells: pd.DataFrame, baseline_rate: float | None = None, winsor: float = _S.funnel_winsor,
                  overdispersion: bool = True) -> pd.DataFrame:
    """Place each level on a funnel plot, with Spiegelhalter's overdispersion adjustment.

    Parameters
    ----------
    cells : DataFrame
        Columns ``level``, ``complaints``, ``units`` (rows with the same level summed).
    baseline_rate : float, optional
        Target p0; default the pooled rate sum(complaints)/sum(units).
    winsor : float
        Fraction of z-scores winsorised in each tail when estimating phi.
    overdispersion : bool
        Estimate phi and apply it when it passes the rule below.

    Returns
    -------
    DataFrame
        ``level, complaints, units, rate, z, z_adjusted, phi, outside95,
        outside998``, sorted by level.  ``z`` = (rate - p0)/sqrt(p0(1-p0)/n);
        ``phi`` is the factor *applied* (1.0 when not applied), the same on
        every row; ``z_adjusted = z/sqrt(phi)``; ``outside95`` /
        ``outside998`` compare |z_adjusted| with 1.960 / 3.090.

    Notes
    -----
    Spiegelhalter (2005), Stat Med 24:1185, and Spiegelhalter et al. (2012),
    JRSS A 175:1.  The z-scores of the k levels with units are winsorised
    (``scipy.stats.mstats.winsorize``: the int(k * winsor) lowest and highest
    are set to the nearest remaining value) and phi = sum(z_w²)/k.  phi is
    applied only when phi > 1 + 2 sqrt(2/k), i.e. when k·phi exceeds its
    approximate null mean k by two standard deviations (sqrt(2k)) of a χ²_k,
    and only when the winsorising sets at least one z-score in each tail
    (k >= 10 at the default 10%): with fewer levels nothing is winsorised, and
    the very level a funnel is drawn to show would set phi (a packaging version
    at 3x its only other version gave phi = 42 and plotted within the 95%
    limits).  Only the multiplicative model is implemented (no additive random effect).
    """
    missing = {"level", "complaints", "units"} - set(cells.columns)
    if missing:
        raise StatsInputError(f"cells lacks column(s): {', '.join(sorted(missing))}")
    agg = cells.groupby("level", sort=True, dropna=False)[["complaints", "units"]].sum().reset_index()
    comp = agg["complaints"].to_numpy(dtype=float)
    units = agg["units"].to_numpy(dtype=float)
    _check_counts(comp, units)
    p0 = comp.sum() / units.sum() if baseline_rate is None else float(baseline_rate)
    ok = units > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(ok, comp / np.where(ok, units, 1), np.nan)
        z = np.where(ok & (0 < p0) & (p0 < 1), (rate - p0) / np.sqrt(p0 * (1 - p0) / np.where(ok, units, 1)), np.nan)
    zk = z[~np.isnan(z)]
    phi = 1.0
    if overdispersion and int(len(zk) * winsor) >= 1:
        zw = np.asarray(sps.mstats.winsorize(zk, limits=(winsor, winsor)), dtype=float)
        est = float(np.mean(zw**2))
        if est > 1 + 2 * np.sqrt(2 / len(zk)):
            phi = est
    z_adj = z / np.sqrt(phi)
    with np.errstate(invalid="ignore"):
        out95 = np.abs(z_adj) > sps.norm.isf(0.025)
        out998 = np.abs(z_adj) > sps.norm.isf(0.001)
    return pd.DataFrame({
        "level": agg["level"].to_numpy(), "complaints": agg["complaints"].to_numpy(),
        "units": agg["units"].to_numpy(), "rate": rate, "z": z, "z_adjusted": z_adj,
        "phi": np.full(len(agg), phi), "outside95": out95, "outside998": out998,
    })[FUNNEL_POINT_COLUMNS]


# ----------------------------------------------------------------- change point
@dataclass(frozen=True)
class ChangePoint:
    """Result of :func:`change_point`.

    Attributes
    ----------
    index : int
        Position (0-based) of the first sample *after* the change.
    date : object
        ``dates[index]`` when dates were given, else None.
    rate_before, rate_after : float
        Pooled rates before and from ``index`` on.
    statistic : float
        Maximised likelihood-ratio statistic 2 (llf_split - llf_single).
    p_value : float
        Permutation p-value of the maximised statistic.
    ci_low, ci_high : object
        Bounds (dates when given, else indices) of the likelihood support set
        for the onset.
    method : str
    """

    index: int
    date: object
    rate_before: float
    rate_after: float
    statistic: float
    p_value: float
    ci_low: object
    ci_high: object
    method: str


def _binom_ll(k, n):
    """Binomial log-likelihood at the MLE (without constants), vectorised, 0 log 0 = 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / np.where(n > 0, n, 1), 0.0)
        return special.xlogy(k, p) + special.xlogy(n - k, 1 - p)


def _split_stats(c: np.ndarray, n: np.ndarray, min_segment: int) -> np.ndarray:
    """LR statistic for every split (last axis is time); splits min_segment..k-min_segment."""
    cc, nn = np.cumsum(c, axis=-1), np.cumsum(n, axis=-1)
    tc, tn = cc[..., -1:], nn[..., -1:]
    k = c.shape[-1]
    idx = np.arange(min_segment, k - min_segment + 1)  # first index of the "after" segment
    bc, bn = cc[..., idx - 1], nn[..., idx - 1]
    return 2 * (_binom_ll(bc, bn) + _binom_ll(tc - bc, tn - bn) - _binom_ll(tc, tn))


def change_point(counts, sizes, dates=None, min_segment: int = 1, n_permutations: int = _S.change_point_permutations,
                 seed: int = _S.seed, support: float = 0.95) -> ChangePoint | None:
    """Locate a single step change in a binomial rate (complaints per units over time).

    Parameters
    ----------
    counts, sizes : array_like
        Complaints and units per period, in time order.
    dates : sequence, optional
        Labels for the periods (reported in ``date``, ``ci_low``, ``ci_high``).
    min_segment : int
        Minimum periods on each side of the change.
    n_permutations : int
        Permutations for the p-value.
    seed : int
        Random seed; the result is deterministic.
    support : float
        Level of the likelihood support set for the onset.

    Returns
    -------
    ChangePoint or None
        ``index, date, rate_before, rate_after, statistic, p_value, ci_low,
        ci_high, method``; None when there are fewer than ``2 * min_segment``
        periods or no units.  A result is returned even when there is no
        evidence of change: read ``p_value``.

    Notes
    -----
    For every split the binomial likelihood with one rate before and one
    after is compared with a single rate; the split maximising the
    likelihood-ratio statistic is the estimate (Hinkley & Hinkley 1970,
    Biometrika 57:477).  The statistic's null distribution is not χ², so the
    p-value is from ``n_permutations`` random reorderings of the periods
    (exchangeable under no change; robust to overdispersion between periods):
    p = (1 + #{T* >= T}) / (1 + B).  The onset interval is the set of splits
    whose profile log-likelihood is within χ²₁,support / 2 (1.92 at 95%) of
    the maximum
    (a likelihood support interval; approximate, since the split is not a
    regular parameter); ``ci_low``/``ci_high`` are its first and last index.
    """
    c = np.asarray(counts, dtype=float)
    n = np.asarray(sizes, dtype=float)
    if c.shape != n.shape or c.ndim != 1:
        raise StatsInputError("counts and sizes must be 1-D sequences of the same length")
    _check_counts(c, n)
    k = len(c)
    if k < 2 * min_segment or min_segment < 1 or n.sum() == 0:
        return None
    stat = _split_stats(c, n, min_segment)
    best = int(np.argmax(stat))
    t_obs = float(stat[best])
    index = best + min_segment
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((n_permutations, k)), axis=1)
    perm_max = _split_stats(c[order], n[order], min_segment).max(axis=1)
    p_value = float((1 + np.sum(perm_max >= t_obs - 1e-9)) / (1 + n_permutations))
    cut = sps.chi2.ppf(support, 1)
    inside = np.flatnonzero(stat >= t_obs - cut) + min_segment
    lab = (lambda i: dates[i]) if dates is not None else (lambda i: int(i))
    if dates is not None and len(dates) != k:
        raise StatsInputError("dates must give one label per period")
    before_n, after_n = n[:index].sum(), n[index:].sum()
    return ChangePoint(
        index=index, date=dates[index] if dates is not None else None,
        rate_before=float(c[:index].sum() / before_n) if before_n else np.nan,
        rate_after=float(c[index:].sum() / after_n) if after_n else np.nan,
        statistic=t_obs, p_value=p_value, ci_low=lab(inside.min()), ci_high=lab(inside.max()),
        method=f"binomial likelihood-ratio scan, permutation p ({n_permutations} permutations, seed {seed}), "
               f"{support:.0%} likelihood support interval",
    )


# ------------------------------------------------------------------ return lag
def complaint_lag_cdf(lags, limits) -> np.ndarray:
    """Share of complaints made within ``d`` days of their unit shipping, ``d = 0, 1, ...``.

    Parameters
    ----------
    lags : array_like of int
        Days from shipping to complaint, one per complaint (negative ones are ignored).
    limits : array_like of int
        Days from the same shipping to the end of the complaint data, one per
        complaint: a complaint made later could not be seen yet, so every lag
        is right-truncated at its limit (``lag <= limit``).

    Returns
    -------
    ndarray
        ``F`` with ``F[d]`` the estimated share of complaints made within
        ``d`` days, up to the longest lag seen (``F[-1] == 1``); empty when
        there is no lag.

    Notes
    -----
    The product-limit estimator for right-truncated data (Lagakos, Barraj &
    De Gruttola 1988, *Biometrika* 75:515), i.e. Kaplan-Meier in reverse
    time: with ``n_s`` complaints at lag ``s`` among the ``r_s`` that had
    ``lag <= s <= limit``, ``F(d) = prod over s > d of (1 - n_s / r_s)``.
    Units shipped ``a`` days before the data end have had ``F[a]`` of their
    complaints made by then.  Lags longer than any seen count as never made.
    """
    lags = np.asarray(lags, dtype=np.int64).ravel()
    limits = np.asarray(limits, dtype=np.int64).ravel()
    if lags.shape != limits.shape:
        raise StatsInputError("lags and limits need one value per complaint each")
    keep = (lags >= 0) & (limits >= lags)
    lags, limits = lags[keep], limits[keep]
    if not len(lags):
        return np.empty(0)
    top = int(lags.max())
    made = np.bincount(lags, minlength=top + 1).astype(float)
    # r_s = #(lag <= s) - #(limit < s)
    ended = np.bincount(np.minimum(limits, top + 1), minlength=top + 2)
    at_risk = np.cumsum(made) - np.concatenate([[0], np.cumsum(ended)[:top]])
    factor = np.ones(top + 1)
    seen = made > 0
    factor[seen] = 1.0 - made[seen] / at_risk[seen]
    from_s = np.cumprod(factor[::-1])[::-1]  # product over t >= s
    return np.append(from_s[1:], 1.0)


# ---------------------------------------------------------------- before/after
@dataclass(frozen=True)
class BeforeAfter:
    """Result of :func:`before_after`.

    Attributes
    ----------
    rate_before, rate_after : float
    difference : float
        rate_after - rate_before.
    rate_ratio, rr_ci_low, rr_ci_high : float
        rate_after / rate_before with the log (Katz) interval (0 and the
        score interval when no complaint came since).
    test : str
        ``"fisher"`` or ``"chi2"`` (two-sided).
    p_value : float
    minimum_detectable_rate : float
        Smallest after-rate below ``rate_before`` that the two-sided test at
        ``alpha`` would detect with probability ``power`` given the units
        shipped before and since; NaN if even zero complaints would not be
        detectable.
    enough_units_for_claim : bool or None
        Whether the units shipped since suffice to show ``claimed_reduction``
        (None when no claim given).
    units_needed_for_claim : float
        Units after the change needed for that (inf if unreachable; NaN when no claim).
    note : str
    claim_shown : bool or None
        Whether these data show ``claimed_reduction`` already: the rate ratio's
        upper limit is at most ``1 - claimed_reduction`` (None when no claim
        given).  Enough units to show a claim is not the claim shown.
    """

    rate_before: float
    rate_after: float
    difference: float
    rate_ratio: float
    rr_ci_low: float
    rr_ci_high: float
    test: str
    p_value: float
    minimum_detectable_rate: float
    enough_units_for_claim: bool | None
    units_needed_for_claim: float
    note: str = ""
    claim_shown: bool | None = None


def before_after(complaints_before, units_before, complaints_after, units_after, alpha: float = _S.alpha,
                 power: float = _S.power, claimed_reduction: float | None = None,
                 min_expected: float = _S.min_expected) -> BeforeAfter:
    """Compare the complaint rate before and after a fix, and say what the data can show.

    Parameters
    ----------
    complaints_before, units_before, complaints_after, units_after : int
    alpha : float
        Two-sided, for the test, the interval and the power statements alike.
    power : float
    claimed_reduction : float, optional
        Relative reduction claimed for the fix, e.g. 0.5 for "halved".
    min_expected : float
        Fisher's exact test below this expected count.

    Returns
    -------
    BeforeAfter
        ``rate_before, rate_after, difference, rate_ratio, rr_ci_low,
        rr_ci_high, test, p_value, minimum_detectable_rate,
        enough_units_for_claim, units_needed_for_claim, note``.

    Notes
    -----
    The rate ratio uses the Katz log interval on [[after], [before]] via
    ``Table2x2`` (0.5 added to all cells when one is zero); with no complaint
    since, it is 0, from 0 to the Miettinen-Nurminen score limit (as
    :func:`compare_levels` for a level with none).  The test is
    :func:`contingency_test` with ``test="auto"``.  Power uses Cohen's
    arcsine effect size h = 2 asin(sqrt(p_before)) - 2 asin(sqrt(p_after))
    (``statsmodels.stats.proportion.proportion_effectsize``) and the normal
    test at the two-sided alpha the reported test uses: power = Φ(h / sqrt(1/n_after +
    1/n_before) - z_{1-alpha/2}), leaving out the chance of rejecting in the
    wrong direction (under 1e-5 at 80% power).  The minimum detectable rate
    solves this for h in closed form, h = (z_{1-alpha/2} + z_power) sqrt(1/n_after
    + 1/n_before) (``NormalIndPower(alternative="two-sided").solve_power`` finds
    it numerically, with that tail); the units needed for a claimed rate p_before (1 - r)
    are n_after = 1 / ((h/(z_{1-alpha/2} + z_power))² - 1/n_before).  (Until
    2026-11-25 the power was one-sided, z_{1-alpha}, while the test was two-sided:
    it promised a little more than the test delivers.)
    Cohen (1988), *Statistical Power Analysis*, ch. 6.
    """
    cb, ub, ca, ua = (float(v) for v in (complaints_before, units_before, complaints_after, units_after))
    _check_counts(np.array([cb, ca]), np.array([ub, ua]))
    if ub <= 0 or ua <= 0:
        raise StatsInputError("units before and after must be positive")
    pb, pa = cb / ub, ca / ua
    raw = np.array([[ca, ua - ca], [cb, ub - cb]])
    if ca == 0 and 0 < cb < ub:  # none since: the ratio is 0 (0.5 in every cell made it 89x with few units since)
        rr, rr_lo = 0.0, 0.0
        rr_hi = float(_score_upper_no_complaint(np.array([ua]), np.array([cb]), np.array([ub]), alpha, "ratio")[0])
        notes = [NOTES["no_complaint_since"]]
    else:
        shifted, was_shifted = _haldane(raw)
        notes = [NOTES["zero_cell_since"]] if was_shifted else []
        t2 = Table2x2(shifted, shift_zeros=False)
        rr = float(t2.riskratio)
        rr_lo, rr_hi = (float(v) for v in t2.riskratio_confint(alpha=alpha))
    res = contingency_test(raw, test="auto", min_expected=min_expected)
    if res.note:
        notes.append(res.note)

    mdr = np.nan
    zsum = sps.norm.isf(alpha / 2) + sps.norm.ppf(power)
    if 0 < pb < 1:
        # closed form of the power of the two-sided test (its far tail left out) solved for the effect size
        h = zsum * np.sqrt(1 / ua + 1 / ub)
        top = np.arcsin(np.sqrt(pb))
        if h / 2 <= top:
            mdr = float(np.sin(top - h / 2) ** 2)
        else:
            notes.append(NOTES["undetectable"])
    elif pb == 0:
        notes.append(NOTES["none_before"])

    enough, needed, shown = None, np.nan, None
    if claimed_reduction is not None:
        if not 0 < claimed_reduction <= 1:
            raise StatsInputError("claimed_reduction is a fraction between 0 and 1 (0.5 = halved)")
        target = pb * (1 - claimed_reduction)
        h = float(proportion_effectsize(pb, target))
        denom = (h / zsum) ** 2 - 1 / ub if h > 0 else -1.0
        needed = float(1 / denom) if denom > 0 else np.inf
        enough = bool(ua >= needed)
        shown = bool(np.isfinite(rr_hi) and rr_hi <= 1 - claimed_reduction)
    return BeforeAfter(pb, pa, pa - pb, rr, rr_lo, rr_hi, res.test, float(res.p_value), mdr,
                       enough, needed, "; ".join(notes), shown)
