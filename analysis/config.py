"""Settings: frozen dataclasses with defaults, overridable from a TOML file.

No magic numbers elsewhere: thresholds travel explicitly as ``settings=``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import re
import tomllib
import typing
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


@dataclass(frozen=True)
class _Range:
    """The values a number setting may take: ``low`` and ``high`` included unless ``open``."""

    low: float | None = None
    high: float | None = None
    open: bool = False

    def holds(self, value: float) -> bool:
        above = self.low is None or (value > self.low if self.open else value >= self.low)
        below = self.high is None or (value < self.high if self.open else value <= self.high)
        return above and below

    def __str__(self) -> str:
        low = None if self.low is None else (f"greater than {self.low:g}" if self.open else f"of at least {self.low:g}")
        high = None if self.high is None else (f"less than {self.high:g}" if self.open else f"of at most {self.high:g}")
        if low and high and not self.open:
            return f"from {self.low:g} to {self.high:g}"
        return " and ".join(filter(None, (low, high)))


_PROBABILITY = _Range(0, 1, open=True)  # a level, a rate or a power: 0 and 1 say nothing
#: the values the number settings may take, by name (a name means the same in every section)
_RANGES = {
    "alpha": _PROBABILITY, "fdr": _PROBABILITY, "tentative_fdr": _PROBABILITY, "selection_p": _PROBABILITY, "power": _PROBABILITY,
    "min_units": _Range(1), "min_complaints": _Range(1), "max_findings": _Range(1),
    "min_rate_ratio": _Range(1),  # an excess: a ratio under 1 is a deficit
    "max_levels_per_factor": _Range(2),  # a factor of one level compares nothing
    "top_terms": _Range(0), "max_quotes": _Range(0), "max_terms": _Range(0), "quote_min_chars": _Range(0), "quote_max_chars": _Range(1),
    "praise_min_rating": _Range(1, 5),  # star ratings
    "min_expected": _Range(0), "control_sigmas": _Range(0, open=True), "funnel_winsor": _Range(0, 0.5),
    "change_point_permutations": _Range(1), "seed": _Range(0),
}
#: the text settings that name one of a few choices
_CHOICES = {
    "language": ("en", "zh"),
    "ci_method": ("wilson", "wilson_cc", "prop.test", "exact", "clopper-pearson", "agresti-coull", "wald", "asymptotic", "jeffreys"),
    "fdr_method": ("fdr_bh", "fdr_by", "fdr_tsbh", "fdr_tsbky", "bonferroni", "sidak", "holm", "holm-sidak", "simes-hochberg", "hommel"),
}


def _problem(name: str, value: Any, hint: Any) -> str | None:
    """What is wrong with ``value`` for a setting of type ``hint`` (its dataclass annotation), or None.

    The type comes from the annotation (``int``, ``float``, ``str``, ``tuple[str, ...]``, ``X | None``);
    the range or the choices from :data:`_RANGES` and :data:`_CHOICES`.
    """
    args = typing.get_args(hint)
    if type(None) in args:  # X | None: None (from Python; TOML has none) is allowed
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return "must be a list of names, e.g. [\"a\", \"b\"]"
        return None
    if hint is str:
        if not isinstance(value, str):
            return "must be text"
        choices = _CHOICES.get(name)
        return None if choices is None or value in choices else f"must be one of {', '.join(choices)}"
    whole = hint is int
    number = (isinstance(value, numbers.Integral) if whole else isinstance(value, numbers.Real) and math.isfinite(value)) and not isinstance(value, bool)
    if not number or (name in _RANGES and not _RANGES[name].holds(value)):
        return f"must be {'a whole number' if whole else 'a number'} {_RANGES.get(name, '')}".rstrip()
    return None


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Default settings, updated from a TOML file (``[analysis]``, ``[stats]``, ``[poa]`` tables) and keyword overrides.

    Raises
    ------
    SettingsError
        One line naming the file, or the setting with its value and what it may be: an unknown name,
        a value of the wrong type ("abc" for a level, 1e9 for a count) or out of range (``alpha = 2``,
        ``max_findings = -1``).
    """
    sections: dict[str, dict[str, Any]] = {"analysis": {}, "stats": {}, "poa": {}}
    top: dict[str, Any] = {}
    from_file: set[tuple[str, str]] = set()  # (section, name) of the values the file gave, to name the file
    source = ""
    if path is not None:
        source = f"{Path(path).name}: "
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"{Path(path).name}: cannot read settings ({exc})") from None
        if "stats" in data:  # the statistics take their levels and thresholds from [analysis], passed with every call
            raise SettingsError(f"{source}[stats] is not read from a settings file: set alpha, fdr, min_units and min_complaints in [analysis]")
        for key, value in data.items():
            if key in sections:
                if not isinstance(value, dict):
                    raise SettingsError(f"{source}{key} must be a table: [{key}]")
                sections[key].update(value)
                from_file.update((key, k) for k in value)
            else:
                top[key] = value
                from_file.add(("", key))
    known = {f.name for f in dataclasses.fields(AnalysisSettings)}
    for key, value in overrides.items():
        section = "analysis" if key in known else ""
        (sections["analysis"] if section else top)[key] = value
        from_file.discard((section, key))
    classes = {"analysis": AnalysisSettings, "stats": StatsSettings, "poa": PoaSettings, "": Settings}
    for section, values in [*sections.items(), ("", top)]:
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(classes[section])})
        if unknown:
            raise SettingsError(f"{source if any((section, k) in from_file for k in unknown) else ''}"
                                f"unknown {section + ' ' if section else ''}setting(s): {', '.join(unknown)}")
    analysis = sections["analysis"]
    if analysis.get("action_date") not in (None, ""):
        import datetime as dt

        try:  # "2026-13-01" or "next week" were kept as written and compared as text
            analysis["action_date"] = dt.date.fromisoformat(str(analysis["action_date"]).strip()).isoformat()
        except ValueError:
            raise SettingsError(f"action date {analysis['action_date']!r} is not a date YYYY-MM-DD") from None
    # a wrong type crashed the analysis ("abc" for alpha) or was taken apart ("abc" for families: a, b, c);
    # a value out of range was used as given (fdr = 0: "adjusted p between 0 and 0.05")
    for section, values in [*sections.items(), ("", top)]:
        hints = typing.get_type_hints(classes[section])
        for name, value in values.items():
            problem = _problem(name, value, hints[name])
            if problem:
                shown = json.dumps(value, ensure_ascii=False, default=str)
                raise SettingsError(f"{source if (section, name) in from_file else ''}"
                                    f"{f'[{section}] ' if section else ''}{name} = {shown}: {problem}")
    for key in ("families", "excluded_factors"):
        if key in analysis and analysis[key] is not None:
            analysis[key] = tuple(analysis[key])
    if analysis.get("excluded_factors"):  # as the documents write a factor: "Cable-lot" or "fulfillment center" is cable_lot
        analysis["excluded_factors"] = tuple(re.sub(r"[\s-]+", "_", str(f).strip().lower()) for f in analysis["excluded_factors"])
    return Settings(**{**{section: classes[section](**values) for section, values in sections.items()}, **top})
