"""Settings: frozen dataclasses with defaults, overridable from a TOML file.

No magic numbers elsewhere: thresholds travel explicitly as ``settings=``.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.errors import SettingsError


def freeze(obj: Any) -> Any:
    """Read-only copy of parsed TOML/JSON data: mappings become ``MappingProxyType``, lists tuples."""
    from collections.abc import Mapping
    from types import MappingProxyType

    if isinstance(obj, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return tuple(freeze(v) for v in obj)
    return obj


@dataclass(frozen=True)
class AnalysisSettings:
    """Thresholds of the root-cause analysis.

    Attributes
    ----------
    alpha : two-sided level of the intervals (0.05 -> 95 % intervals)
    fdr : Benjamini-Hochberg false discovery rate a finding must pass to be reported as established
    tentative_fdr : a looser rate under which a selected level is still reported, marked "tentative"
    min_units : fewest units a level needs before its rate is judged
    min_complaints : fewest complaints of a family (in a level) before it is judged
    min_rate_ratio : smallest excess worth reporting
    max_findings : most findings reported
    selection_p : likelihood-ratio p-value a level must reach to enter the model
    max_levels_per_factor : factors with more levels (e.g. order ids) are not analysed
    families : complaint families analysed (empty = all except remorse and other)
    excluded_factors : factors the user chose to leave out
    top_terms : distinctive terms kept per finding
    praise_min_rating : reviews and seller feedback rated this or higher are praise, not
        complaints, and are left out of the analysis (Amazon counts 1-2 star feedback as
        negative and takes low-star reviews as complaints); None keeps every rating
    """

    alpha: float = 0.05
    fdr: float = 0.01
    tentative_fdr: float = 0.05
    min_units: int = 100
    min_complaints: int = 5
    min_rate_ratio: float = 1.5
    max_findings: int = 12
    selection_p: float = 0.001
    max_levels_per_factor: int = 200
    families: tuple[str, ...] = ()
    excluded_factors: tuple[str, ...] = ()
    top_terms: int = 6
    praise_min_rating: float | None = 4
    action_date: str | None = None  # corrective-action date for the before/after check

    def replace(self, **changes: Any) -> "AnalysisSettings":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class StatsSettings:
    """Thresholds and defaults used by the statistics.

    Attributes
    ----------
    min_units : int
        A level with fewer units shipped is flagged ``enough_data=False``.
    min_complaints : int
        A comparison with fewer complaints in total is flagged ``enough_data=False``.
    alpha : float
        Significance level and ``1 - confidence`` of every interval.
    fdr : float
        False discovery rate used when screening many comparisons.
    fdr_method : str
        Multiple-testing method passed to ``multipletests``.
    ci_method : str
        Interval for a single proportion (see :func:`proportion_ci`).
    min_expected : float
        Below this expected cell count a 2x2 table is tested with Fisher's exact test.
    power : float
        Target power for detectability statements in :func:`before_after`.
    control_sigmas : float
        Width of Shewhart control limits in standard errors.
    funnel_winsor : float
        Fraction winsorised in each tail when estimating funnel overdispersion.
    change_point_permutations : int
        Permutations for the change-point p-value.
    seed : int
        Seed for every resampling (results are deterministic).
    """

    min_units: int = 30
    min_complaints: int = 5
    alpha: float = 0.05
    fdr: float = 0.05
    fdr_method: str = "fdr_bh"
    ci_method: str = "wilson"
    min_expected: float = 5.0
    power: float = 0.8
    control_sigmas: float = 3.0
    funnel_winsor: float = 0.1
    change_point_permutations: int = 999
    seed: int = 20260101


@dataclass(frozen=True)
class PoaSettings:
    """Thresholds that decide what the report says.

    Attributes
    ----------
    alpha : float
        A finding with adjusted p above this is reported as insufficient evidence.
    min_complaints : int
        Fewer complaints than this: insufficient evidence whatever the p-value.
    max_findings : int
        Findings included when ``selected`` is None (in rank order).
    max_quotes : int
        Representative quotes per finding (2-3 reads best).
    quote_max_chars : int
        Longer quotes are cut at a word boundary with "…".
    quote_min_chars : int
        Shorter comments ("bad") say nothing and are not quoted.
    max_terms : int
        Top terms named in "what buyers say".
    """

    alpha: float = 0.05
    min_complaints: int = 5
    max_findings: int = 5
    max_quotes: int = 3
    quote_max_chars: int = 300
    quote_min_chars: int = 20
    max_terms: int = 5


@dataclass(frozen=True)
class Settings:
    """All settings of a run."""

    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    stats: StatsSettings = field(default_factory=StatsSettings)
    poa: PoaSettings = field(default_factory=PoaSettings)
    language: str = "en"  # POA language
    taxonomy_path: str | None = None  # user taxonomy file overriding the default rules

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Default settings, updated from a TOML file (``[analysis]``, ``[stats]``, ``[poa]`` tables) and keyword overrides."""
    analysis: dict[str, Any] = {}
    top: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"{Path(path).name}: cannot read settings ({exc})") from None
        analysis.update(data.get("analysis", {}))
        top.update({k: v for k, v in data.items() if k != "analysis"})
    for section, cls in (("stats", StatsSettings), ("poa", PoaSettings)):
        if isinstance(top.get(section), dict):
            try:
                top[section] = cls(**top[section])
            except TypeError as exc:
                raise SettingsError(f"bad [{section}] settings: {exc}") from None
    known = {f.name for f in dataclasses.fields(AnalysisSettings)}
    for key, value in overrides.items():
        if key in known:
            analysis[key] = value
        else:
            top[key] = value
    unknown = set(analysis) - known
    if unknown:
        raise SettingsError(f"unknown analysis setting(s): {', '.join(sorted(unknown))}")
    unknown = set(top) - {f.name for f in dataclasses.fields(Settings)}
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    for key in ("families", "excluded_factors"):
        if key in analysis and analysis[key] is not None:
            analysis[key] = tuple(analysis[key])
    if analysis.get("excluded_factors"):  # as the documents write a factor: "Cable-lot" or "fulfillment center" is cable_lot
        analysis["excluded_factors"] = tuple(re.sub(r"[\s-]+", "_", str(f).strip().lower()) for f in analysis["excluded_factors"])
    if analysis.get("action_date") not in (None, ""):
        import datetime as dt

        try:  # "2026-13-01" or "next week" were kept as written and compared as text
            analysis["action_date"] = dt.date.fromisoformat(str(analysis["action_date"]).strip()).isoformat()
        except ValueError:
            raise SettingsError(f"action date {analysis['action_date']!r} is not a date YYYY-MM-DD") from None
    try:
        return Settings(analysis=AnalysisSettings(**analysis), **top)
    except TypeError as exc:
        raise SettingsError(f"bad settings: {exc}") from None
