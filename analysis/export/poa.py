"""The root-cause section of a Plan of Action: compute -> decide -> render.

1. *compute*: pick each finding's numbers, its share of the family and 2-3
   representative buyer quotes (redacted) from the complaints table.
2. *decide*: which findings are stated as established and which carry an
   "insufficient evidence" caveat (thresholds in :class:`PoaSettings`), which
   factors are reported as "not the cause", and which action prompts follow
   from each finding's family and factor.
3. *render*: :func:`render_markdown` (plain text for Seller Central's form)
   and :func:`render_docx` (Word, with a findings table and the charts).

Every sentence comes from ``templates/<language>.toml``; the code holds no
prose.  The section is a frozen dataclass, so the UI can show it, let the
user edit the action answers (``overrides=``) and render it again.
"""

from __future__ import annotations

import math
import re
import textwrap
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from analysis import schema
from analysis.export.safety import clean_text, redact_pii
from analysis.numbers import percent_text, ratio_text

__all__ = [
    "LANGUAGES",
    "PoaSettings",
    "Quote",
    "FindingBlock",
    "ActionItem",
    "ActionPlan",
    "RootCauseSection",
    "load_templates",
    "action_category",
    "build_root_cause",
    "render_markdown",
    "render_docx",
]

TEMPLATE_DIR = Path(__file__).with_name("templates")
LANGUAGES = ("en", "zh")

#: factor name -> complaint columns that may hold it (first present wins)
_FACTOR_COLUMNS = {
    "fulfillment_center": ("fulfillment_center", schema.FC_SHIPPED, schema.FC),
    "fc_shipped": (schema.FC_SHIPPED, "fulfillment_center", schema.FC),
    "listing": ("listing", schema.ASIN),
}
_FC_FACTORS = {"fulfillment_center", schema.FC_SHIPPED, schema.FC, schema.FC_PROCESSED}
_LISTING_FACTORS = {"listing", schema.ASIN, schema.SKU}


# ---------------------------------------------------------------- settings
from analysis.config import PoaSettings, freeze  # noqa: E402  (defined with the other settings)


# ------------------------------------------------------------- structures
@dataclass(frozen=True)
class Quote:
    """One buyer comment, redacted, on one line."""

    text: str
    date: str | None = None
    source: str | None = None
    order_id: str | None = None
    meta: str = ""


@dataclass(frozen=True)
class FindingBlock:
    """What the report says about one finding."""

    rank: int
    factor: str
    level: str
    family: str
    heading: str
    statement: str
    details: tuple[str, ...]
    insufficient: str | None
    buyers_say: str
    quotes: tuple[Quote, ...]
    no_quotes: str | None
    action_category: str
    numbers: Mapping[str, Any] = field(default_factory=dict, compare=False)
    #: what ``buyers_say``'s terms were compared with: ``"family"``, ``"all"`` or None (not said)
    terms_against: str | None = None
    #: the finding's number in this section (1, 2, ...); ``rank`` is its rank in findings.json and the evidence pack
    number: int = 0


@dataclass(frozen=True)
class ActionItem:
    """A prompt the user answers; ``response`` None means still to complete."""

    prompt: str
    response: str | None = None


@dataclass(frozen=True)
class ActionPlan:
    """Corrective actions and preventive measures for one kind of root cause."""

    category: str
    heading: str
    ranks: tuple[int, ...]
    corrective: tuple[ActionItem, ...]
    preventive: tuple[ActionItem, ...]


@dataclass(frozen=True)
class RootCauseSection:
    """The root-cause section of a POA, decided but not yet rendered.

    Attributes
    ----------
    language : str
        ``"en"`` (for Amazon) or ``"zh"`` (internal review).
    title, problem_statement, method : str
    findings : tuple of FindingBlock
        In rank order; empty when nothing stood out (``no_findings`` says so).
    no_findings : str or None
    not_causes : tuple of str
        Examined factors that did not stand out and excesses explained by
        another factor.
    actions : tuple of ActionPlan
    action_intro, todo_label : str
    text : Mapping
        The template strings the renderers need (headings, table headers,
        chart captions), read-only.
    """

    language: str
    title: str
    problem_statement: str
    findings: tuple[FindingBlock, ...]
    no_findings: str | None
    not_causes: tuple[str, ...]
    actions: tuple[ActionPlan, ...]
    action_intro: str
    todo_label: str
    method: str
    text: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def heading(self, key: str) -> str:
        """Translated heading ``key`` (``problem``, ``root_cause`` ...)."""
        return str(self.text["headings"][key])


# --------------------------------------------------------------- templates
@lru_cache(maxsize=None)
def _load(language: str) -> Mapping[str, Any]:
    path = TEMPLATE_DIR / f"{language}.toml"
    with open(path, "rb") as fh:
        return freeze(tomllib.load(fh))


def load_templates(language: str = "en") -> Mapping[str, Any]:
    """Read-only template strings for ``language`` (``templates/<language>.toml``).

    Raises
    ------
    ValueError
        If there is no template file for ``language``.
    """
    if language not in LANGUAGES:
        raise ValueError(f"No report templates for language {language!r}; available: {', '.join(LANGUAGES)}")
    return _load(language)


class _Blank(dict):
    def __missing__(self, key: str) -> str:  # unknown placeholder stays visible, never crashes
        return "{" + key + "}"


def terms_with_significance(f: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
    """A finding's ``top_terms``, each with whether it is significantly more frequent (findings.json's
    ``top_terms_significant``); None for every term where the file does not say (written before the field,
    or flags that do not match the terms)."""
    terms = [str(x) for x in f.get("top_terms") or ()]
    flags = f.get("top_terms_significant")
    if not isinstance(flags, list) or len(flags) != len(terms):
        flags = [None] * len(terms)
    return [(x, None if sig is None else bool(sig)) for x, sig in zip(terms, flags)]


def _terms_against(f: Mapping[str, Any]) -> str | None:
    """What a finding's words were compared with (findings.json's ``terms_against``): "family", "all" or None."""
    return f.get("terms_against") if f.get("terms_against") in ("family", "all") else None


def _buyers_say(f: Mapping[str, Any], shown: Sequence[tuple[str, bool | None]], ft: Mapping[str, Any], t: Mapping[str, Any]) -> str:
    """The sentence on a finding's words: what they were compared with (findings.json's ``terms_against``)
    and, where ``top_terms_significant`` says so, which of them are not significantly more frequent."""
    if not shown:
        return ft["no_terms"]
    qo, qc = t["meta"]["quote_open"], t["meta"]["quote_close"]

    def quoted(xs: Sequence[str]) -> str:
        return _join([f"{qo}{x}{qc}" for x in xs], t)

    against = _terms_against(f)
    if against is None:  # nothing compared: the words said most
        return _fill(ft["buyers_say_plain"], terms=quoted([x for x, _ in shown]))
    strong = [x for x, sig in shown if sig is not False]  # (None: an older findings.json, which does not say)
    weak = [x for x, sig in shown if sig is False]
    from analysis.keywords import TERMS_ALPHA  # (the significance top_terms_significant was judged at)

    alpha = f"{TERMS_ALPHA:g}"
    if not strong:
        return _fill(ft["buyers_say_none" if against == "family" else "buyers_say_all_none"], terms=quoted(weak), alpha=alpha)
    text = _fill(ft["buyers_say" if against == "family" else "buyers_say_all"], terms=quoted(strong))
    return text + (t["meta"]["sentence_sep"] + _fill(ft["terms_weak"], terms=quoted(weak), alpha=alpha) if weak else "")


def _fill(template: str, **values: Any) -> str:
    return str(template).format_map(_Blank(values))


def _dated(section: Mapping[str, Any], key: str, summary: Mapping[str, Any]) -> str:
    """Template ``key``, or its ``_undated`` twin when the complaints carry no dates (no "between ? and ?")."""
    undated = not summary.get("period_start") or not summary.get("period_end")
    return section.get(f"{key}_undated", section[key]) if undated else section[key]


# -------------------------------------------------------------- formatting
def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _pct(value: Any, digits: int = 2, na: str = "n/a") -> str:
    if _is_missing(value):
        return na
    return percent_text(value, digits)


def _int(value: Any, na: str = "n/a") -> str:
    if _is_missing(value):
        return na
    return f"{int(round(float(value))):,}"


def _ratio(value: Any, na: str = "n/a") -> str:
    if _is_missing(value) or math.isinf(float(value)):
        return na
    return ratio_text(value)


def _p(value: Any, na: str = "n/a") -> str:
    """``< 0.0001`` or ``= 0.012``: readable by a non-statistician."""
    if _is_missing(value):
        return na
    v = float(value)
    if v < 0.0001:
        return "< 0.0001"
    return f"= {v:.2g}" if v < 0.1 else f"= {v:.2f}"


def _date(value: Any) -> str | None:
    if _is_missing(value):
        return None
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    except (TypeError, ValueError):
        return str(value)


def _join(items: Sequence[str], t: Mapping[str, Any], limit: int | None = None) -> str:
    items = [i for i in items if i]
    if limit is not None and len(items) > limit:
        return t["meta"]["list_sep"].join(items[:limit]) + " " + _fill(t["meta"]["more"], n=len(items) - limit)
    if len(items) <= 1:
        return "".join(items)
    return t["meta"]["list_sep"].join(items[:-1]) + t["meta"]["and"] + items[-1]


def _cap(text: str, t: Mapping[str, Any]) -> str:
    if t["meta"]["capitalize"] and text:
        return text[0].upper() + text[1:]
    return text


def _factor_name(factor: str, t: Mapping[str, Any]) -> str:
    return str(t["factors"].get(factor, str(factor).replace("_", " ")))


def _family_name(family: str, t: Mapping[str, Any]) -> str:
    return str(t["families"].get(family, str(family).replace("_", " ")))


def _line(text: Any) -> str:
    """One line of clean text: control characters gone, whitespace collapsed."""
    return re.sub(r"\s+", " ", clean_text(text)).strip()


# ---------------------------------------------------------------- compute
def _factor_column(factor: str, complaints: pd.DataFrame) -> str | None:
    for col in _FACTOR_COLUMNS.get(factor, (factor,)):
        if col in complaints.columns:
            return col
    return None


def _finding_complaints(finding: Mapping[str, Any], complaints: pd.DataFrame | None) -> pd.DataFrame:
    """The complaints a finding is about: its family and its factor level."""
    if complaints is None or complaints.empty:
        return pd.DataFrame()
    col = _factor_column(str(finding.get("factor")), complaints)
    if col is None:
        return complaints.iloc[0:0]
    mask = complaints[col].astype(str) == str(finding.get("level"))
    family = finding.get("family")
    if family and schema.FAMILY in complaints.columns:
        mask &= complaints[schema.FAMILY].astype(str) == str(family)
    return complaints[mask.fillna(False)]


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    short = textwrap.shorten(text, width=limit, placeholder=" …")
    return short if len(short) > limit // 2 else text[: limit - 1] + "…"


def _select_quotes(
    rows: pd.DataFrame, terms: Sequence[str], settings: PoaSettings, t: Mapping[str, Any], per_unit: bool = False
) -> tuple[Quote, ...]:
    """Representative comments: mention the top terms, confidently classified, readable length.

    With ``per_unit`` (a finding counted per unit shipped) the complaints the finding counts come first:
    those tied to a shipped unit, not a review without an order (2 of 3 quotes were such reviews).
    Deterministic: ties are broken by date then row order.
    """
    if rows.empty or schema.TEXT not in rows.columns:
        return ()
    lowered = [str(x).lower() for x in terms if x]

    def column(name: str) -> list:  # column by column: iterrows took 0.3 s for a finding of 5,000 complaints
        return rows[name].tolist() if name in rows.columns else [None] * len(rows)

    confs, dates, kinds, orders = (column(c) for c in (schema.FAMILY_CONFIDENCE, schema.DATE, schema.SOURCE_KIND, schema.ORDER_ID))
    shipped = [not _is_missing(x) for x in column(schema.SHIP_DATE)] if per_unit else [True] * len(rows)
    scored = []
    for pos, raw in enumerate(column(schema.TEXT)):
        if _is_missing(raw):
            continue
        text = _line(raw)
        if len(text) < settings.quote_min_chars:
            continue
        low = text.lower()
        hits = sum(term in low for term in lowered)
        conf = confs[pos]
        conf = 0.0 if _is_missing(conf) else float(conf)
        too_long = len(text) > settings.quote_max_chars
        date = _date(dates[pos])
        scored.append(((not shipped[pos], -hits, too_long, -conf, date or "9999", pos), text, pos, date))
    scored.sort(key=lambda s: s[0])
    seen: set[str] = set()
    quotes = []
    for _, text, pos, date in scored:
        key = re.sub(r"\W+", "", text.lower())[:80]
        if key in seen:
            continue
        seen.add(key)
        red = _cut(redact_pii(text), settings.quote_max_chars)
        source_kind = kinds[pos]
        source = str(t["sources"].get(str(source_kind), t["sources"]["unknown"]))
        order = orders[pos]
        order = None if _is_missing(order) or not str(order).strip() else _line(order)
        meta_t = t["finding"]["quote_meta_order"] if order else t["finding"]["quote_meta"]
        meta = _fill(meta_t, date=date or t["finding"]["unknown_date"], source=source, order_id=order)
        quotes.append(Quote(text=red, date=date, source=source, order_id=order, meta=meta))
        if len(quotes) >= settings.max_quotes:
            break
    return tuple(quotes)


def _family_total(summary: Mapping[str, Any], family: str) -> int | None:
    for item in summary.get("families") or ():
        if item.get("family") == family:
            return int(item.get("count") or 0)
    return None


# ----------------------------------------------------------------- decide
def action_category(factor: str, family: str) -> str:
    """The kind of corrective action a finding calls for.

    Returns one of ``quality_defect``, ``listing_mismatch``, ``packaging``,
    ``missing_instructions``, ``authenticity``, ``fc_damage``, ``general``
    (the headings of Amazon's Plan-of-Action guidance: Defective / quality
    defect, Defective / listing mismatch, ONPE / packaging, ONPE / missing
    instructions, authenticity, damage in Amazon's care).
    """
    damage = family in ("shipping_damage", "warehouse_damage")
    if factor in _FC_FACTORS and damage:
        return "fc_damage"
    if family == "warehouse_damage":
        return "fc_damage"
    if factor == "packaging_version" or (damage and "packag" in factor):
        return "packaging"
    if family == "shipping_damage":
        return "packaging"
    if family in ("not_as_described", "quality_expectation") or (
        factor in _LISTING_FACTORS and family == "wrong_item"
    ):
        return "listing_mismatch"
    if family in ("missing_parts", "misuse"):
        return "missing_instructions"
    if family == "authenticity":
        return "authenticity"
    if family == "product_defect":
        return "quality_defect"
    return "general"


def _insufficient(f: Mapping[str, Any], settings: PoaSettings, t: Mapping[str, Any]) -> str | None:
    reasons = []
    ft = t["finding"]
    if _is_missing(f.get("rate")) or _is_missing(f.get("units")):
        reasons.append(ft["reason_no_units"])
    p = f.get("p_adjusted", f.get("p_value"))
    if _is_missing(p) or float(p) > settings.alpha:
        reasons.append(_fill(ft["reason_p"], p_adjusted=_p(p)))
    if int(f.get("complaints") or 0) < settings.min_complaints:
        reasons.append(_fill(ft["reason_small"], complaints=_int(f.get("complaints"))))
    lo, base = f.get("ci_low"), f.get("baseline_rate")
    if not _is_missing(lo) and not _is_missing(base) and float(lo) <= float(base):
        reasons.append(ft["reason_ci"])
    if not reasons:
        return None
    return _fill(ft["insufficient"], reason=t["meta"]["list_sep"].join(reasons))


def _levels_text(refs: Iterable[Any], t: Mapping[str, Any]) -> str:
    """Levels named together, grouped by factor in the order they come:
    "lots L2606A, L2606B and L2607A; supplier 华信电子; SKUs A and B"."""
    groups: dict[str, list[str]] = {}
    for ref in refs:
        if isinstance(ref, Mapping):
            groups.setdefault(str(ref.get("factor", "")), []).append(_line(ref.get("level", "")))
    parts = []
    for factor, levels in groups.items():
        name = _factor_name(factor, t) if len(levels) == 1 else str(t.get("factors_plural", {}).get(factor, _factor_name(factor, t)))
        parts.append(f"{name} {_join(levels, t)}")
    return str(t["meta"]["group_sep"]).join(parts)


def cx_health_name(value: Any, t: Mapping[str, Any]) -> str:
    """Amazon's CX Health rating ("Poor") in the document's language; a rating of another wording as written."""
    text = _line(value)
    return str((t.get("cx_health") or {}).get(text.strip().lower(), text)) if text else ""


def _ref_text(ref: Any, t: Mapping[str, Any]) -> str:
    if isinstance(ref, Mapping):
        return f"{_factor_name(str(ref.get('factor', '')), t)} {_line(ref.get('level', ''))}".strip()
    return _line(ref)


def _supplier_of(f: Mapping[str, Any]) -> str | None:
    """The supplier a finding's actions address: its own level, or a supplier with exactly its units (an alias).
    Not a supplier whose excess it explains: that one may only have used the bad cable lot, which others
    used too (an 8D went to 华信电子 for cable lot CB-2606, also built into 瑞通科技's lot)."""
    if f.get("factor") == schema.SUPPLIER:
        return _line(f.get("level"))
    for ref in f.get("aliases") or []:
        if isinstance(ref, Mapping) and ref.get("factor") == schema.SUPPLIER:
            return _line(ref.get("level"))
    return None


def _ledger_sentences(f: Mapping[str, Any], level: str, t: Mapping[str, Any]) -> list[str]:
    """What Amazon's inventory ledger and reimbursements say of a fulfilment centre's damage (findings.json ``ledger``)."""
    led = f.get("ledger")
    if not isinstance(led, Mapping) or not led.get("damaged_units_all"):
        return []
    ft = t["finding"]
    p = led.get("p_value")
    out = [_fill(ft["ledger_agrees" if led.get("agrees") else "ledger_neutral"], level=level, damaged=_int(led.get("damaged_units")), all=_int(led.get("damaged_units_all")),
                 records=_int(led.get("damaged_records", led.get("damaged_units"))), records_all=_int(led.get("damaged_records_all", led.get("damaged_units_all"))),
                 share=_pct(led.get("share"), 1), ci_low=_pct(led.get("ci_low"), 1), ci_high=_pct(led.get("ci_high"), 1),
                 units_share=_pct(led.get("units_share"), 1), p=_p(p))]
    if led.get("reimbursed_units"):
        out.append(_fill(ft["reimbursed"], n=_int(led.get("reimbursed_units"))))
    return out


def _ratio_ci(f: Mapping[str, Any], ft: Mapping[str, Any], na: str) -> str:
    """The rate ratio's interval inside a finding's sentence ("95% CI 4.3 to 6.3; "), none when findings.json has none."""
    if _is_missing(f.get("rr_ci_low")) or _is_missing(f.get("rr_ci_high")):
        return ""
    return _fill(ft["ratio_ci"], low=_ratio(f.get("rr_ci_low"), na), high=_ratio(f.get("rr_ci_high"), na))


def _before_after_sentences(f: Mapping[str, Any], level: str, t: Mapping[str, Any]) -> list[str]:
    """The finding's rate before and since the corrective action (findings.json ``before_after``)."""
    b = f.get("before_after")
    if not isinstance(b, Mapping) or not b.get("date"):
        return []
    ft = t["finding"]
    if _is_missing(b.get("rate_before")) or _is_missing(b.get("rate_after")):
        key = "before_after_no_units_before" if b.get("note") == "no_units_before" else "before_after_no_units_after"
        return [_cap(_fill(ft[key], factor=_factor_name(str(f.get("factor", "")), t), level=level, date=_line(b["date"])), t)]
    mdr = b.get("minimum_detectable_rate")
    power = _fill(ft["before_after_mdr"], mdr=_pct(mdr)) if not _is_missing(mdr) else ft["before_after_undetectable"]
    return [_fill(ft["before_after"], date=_line(b["date"]), rate_after=_pct(b.get("rate_after")), rate_before=_pct(b.get("rate_before")),
                  complaints_after=_int(b.get("complaints_after")), units_after=_int(b.get("units_after")), ratio=_ratio(b.get("rate_ratio")),
                  rr_low=_ratio(b.get("rr_ci_low")), rr_high=_ratio(b.get("rr_ci_high")), p=_p(b.get("p_value")), power=power)]


def _voc_sentences(f: Mapping[str, Any], level: str, t: Mapping[str, Any]) -> list[str]:
    """What Amazon's NCX rate (Voice of the Customer) says of the finding's SKUs (findings.json ``voc``)."""
    v = f.get("voc")
    if not isinstance(v, Mapping) or not v.get("orders"):
        return []
    ft = t["finding"]
    p, ratio = v.get("p_value"), v.get("rate_ratio")
    key = "voc_agrees" if v.get("agrees") else ("voc_higher" if (ratio or 0) > 1 and v.get("agrees_below_p") else "voc_neutral")
    out = _fill(ft[key], level=level, threshold=f"{v.get('agrees_below_p') or 0:g}", skus=_int(v.get("skus")), rate=_pct(v.get("ncx_rate"), 1),
                ncx=_int(v.get("ncx_orders")), orders=_int(v.get("orders")), rest=_pct(v.get("ncx_rate_rest"), 1), ratio=_ratio(ratio),
                rr_low=_ratio(v.get("rr_ci_low")), rr_high=_ratio(v.get("rr_ci_high")), p=_p(p))
    if v.get("top_reason"):
        out += t["meta"]["sentence_sep"] + _fill(ft["voc_reason"], reason=_line(v.get("top_reason")))
    return [out]


def _block(
    f: Mapping[str, Any],
    findings: Mapping[str, Any],
    complaints: pd.DataFrame | None,
    settings: PoaSettings,
    t: Mapping[str, Any],
    quote_override: Sequence[str] | None,
    numbered: Mapping[Any, int] | None = None,
) -> FindingBlock:
    summary = findings.get("summary") or {}
    ft = t["finding"]
    na = t["table"]["not_available"]
    factor, level, family = str(f.get("factor", "")), _line(f.get("level", "")), str(f.get("family", ""))
    fac, fam = _factor_name(factor, t), _family_name(family, t)
    start, end = summary.get("period_start") or "?", summary.get("period_end") or "?"
    numbered = dict(numbered or {})
    number = numbered.get(f.get("rank"), int(f.get("rank") or 0))
    common = dict(
        rank=number, factor=fac, level=level, family=fam, start=start, end=end,
        complaints=_int(f.get("complaints"), na),
    )
    if not _is_missing(f.get("rate")) and not _is_missing(f.get("units")):
        numbers = dict(
            units=_int(f.get("units"), na), rate=_pct(f.get("rate"), na=na), ci_low=_pct(f.get("ci_low"), na=na),
            ci_high=_pct(f.get("ci_high"), na=na), baseline=_pct(f.get("baseline_rate"), na=na),
            ratio=_ratio(f.get("rate_ratio"), na), p_adjusted=_p(f.get("p_adjusted", f.get("p_value")), na), ratio_ci=_ratio_ci(f, ft, na),
        )
        has_base = not _is_missing(f.get("baseline_rate")) and not _is_missing(f.get("rate_ratio"))
        # the weeks the level's units shipped in (a findings.json without them: the shipments', else the complaints' period)
        weeks = f.get("ship_weeks") if isinstance(f.get("ship_weeks"), Mapping) else {}
        ship = (weeks.get("first"), weeks.get("last")) if weeks.get("first") else (summary.get("shipped_start"), summary.get("shipped_end"))
        ship = ship if ship[0] and ship[1] else (summary.get("period_start"), summary.get("period_end"))
        key = "rate" if has_base else "rate_no_baseline"
        template = ft[key] if ship[0] and ship[1] else ft[f"{key}_undated"]
        statement = _fill(template, **common, **numbers, ship_start=ship[0] or "?", ship_end=ship[1] or "?")
        if has_base and float(f["baseline_rate"]) == 0:
            statement += " " + _fill(ft["zero_rest"], ratio=numbers["ratio"])
    elif not _is_missing(f.get("rate")) and not _is_missing(f.get("baseline_rate")):
        # shares of complaints (no shipments): the level's complaints of this family among all its complaints, as the
        # app's statement says (the section said "156 of 251 not-as-described complaints (62.2%)" where the app said 21.0%)
        numbers = dict(rate=_pct(f.get("rate"), 1, na), ci_low=_pct(f.get("ci_low"), 1, na), ci_high=_pct(f.get("ci_high"), 1, na),
                       baseline=_pct(f.get("baseline_rate"), 1, na), ratio=_ratio(f.get("rate_ratio"), na),
                       p_adjusted=_p(f.get("p_adjusted", f.get("p_value")), na), ratio_ci=_ratio_ci(f, ft, na))
        statement = _fill(_dated(ft, "share_mix", summary), **common, **numbers)
    else:
        total = _family_total(summary, family)
        share = (int(f.get("complaints") or 0) / total) if total else None
        numbers = dict(family_total=_int(total, na), share=_pct(share, 1, na), p_adjusted=_p(f.get("p_adjusted"), na))
        statement = _fill(_dated(ft, "share", summary), **common, **numbers)
    statement = _cap(statement, t)

    details = []
    if f.get("onset"):  # the family's weekly rate stepped up then; the level's own units may have shipped from earlier
        first = (f.get("ship_weeks") or {}).get("first") if isinstance(f.get("ship_weeks"), Mapping) else None
        shipped_before = bool(first) and str(first) < str(f.get("onset"))
        interval, onset_p = f.get("onset_interval"), f.get("onset_p")
        how = ""
        if isinstance(interval, Sequence) and len(interval) == 2 and not _is_missing(onset_p):
            low, high = (_line(x) for x in interval)
            how = _fill(ft["onset_one_week"] if low == high else ft["onset_how"], low=low, high=high, p=_p(onset_p))
        details.append(_cap(_fill(ft["onset_shipped" if shipped_before else "onset"], onset=_line(f.get("onset")), family=fam, factor=fac,
                                  level=level, first=first or "", onset_how=how), t))
    aliases = [_ref_text(a, t) for a in f.get("aliases") or ()]
    if aliases:
        details.append(_cap(_fill(ft["aliases"], factor=fac, level=level, aliases=_join(aliases, t)), t))
    competing = [_ref_text(c, t) for c in f.get("competing") or ()]
    if competing:
        details.append(_cap(_fill(ft["competing"], factor=fac, level=level, competing=_join(competing, t)), t))
    # the same level behind another finding: in this section, or left out of it
    also = [a for a in f.get("also") or () if isinstance(a, Mapping)]
    for key, refs in (("also", [a for a in also if a.get("rank") in numbered]), ("also_elsewhere", [a for a in also if a.get("rank") not in numbered])):
        if refs:  # a finding of this section by its number here; one left out by its rank in the analysis
            ranks = [str(numbered[a.get("rank")] if key == "also" else a.get("rank")) for a in refs]
            details.append(_cap(_fill(ft[key], factor=fac, level=level, ranks=_join(ranks, t),
                                      families=_join([_family_name(str(a.get("family")), t) for a in refs], t)), t))
    details += _ledger_sentences(f, level, t) + _voc_sentences(f, level, t) + _before_after_sentences(f, level, t)
    explains = _levels_text(f.get("explains") or (), t)
    if explains:
        details.append(_fill(ft["explains"], explains=explains))
    net_of = [_ref_text(n, t) for n in f.get("net_of") or ()]
    if net_of:
        details.append(_fill(ft["net_of"], net_of=_join(net_of, t)))
    within = [_ref_text(w, t) for w in f.get("within") or ()]
    if within:
        details.append(_fill(ft["within"], within=_join(within, t)))
    if f.get("strength") == "tentative":
        details.append(_fill(ft["tentative"], p_adjusted=_p(f.get("p_adjusted"))))

    shown = [(redact_pii(_line(x)), sig) for x, sig in terms_with_significance(f) if _line(x)][: settings.max_terms]
    terms = [x for x, _ in shown]
    buyers = _buyers_say(f, shown, ft, t)
    against = _terms_against(f)

    if quote_override is not None:
        quotes = tuple(
            Quote(text=_cut(redact_pii(_line(q)), settings.quote_max_chars)) for q in quote_override if _line(q)
        )
    else:
        quotes = _select_quotes(_finding_complaints(f, complaints), terms, settings, t, per_unit=f.get("basis") == "units")

    return FindingBlock(
        rank=int(f.get("rank") or 0),
        factor=factor,
        level=level,
        family=family,
        heading=_fill(ft["heading"], **common),
        statement=statement,
        details=tuple(details),
        insufficient=_insufficient(f, settings, t),
        buyers_say=buyers,
        quotes=quotes,
        no_quotes=None if quotes else ft["no_quotes"],
        action_category=action_category(factor, family),
        terms_against=against,
        numbers=MappingProxyType({**common, **numbers}),
        number=number,
    )


def _not_causes(findings: Mapping[str, Any], chosen: Sequence[Mapping[str, Any]], t: Mapping[str, Any]) -> tuple[str, ...]:
    nt = t["not_causes"]
    out: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    explained = list(findings.get("explained") or ())
    for f in chosen:  # a finding's own "explains" are the same fact seen from the other side
        for ref in f.get("explains") or ():
            if isinstance(ref, Mapping):
                explained.append({**ref, "family": ref.get("family", f.get("family")),
                                  "explained_by": {"factor": f.get("factor"), "level": f.get("level")}})
    # one sentence per explaining level and family, naming every level it explains
    groups: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for e in explained:
        by = e.get("explained_by") or {}
        key = (str(e.get("factor")), str(e.get("level")), str(e.get("family")))
        if key in seen:
            continue
        seen.add(key)
        groups.setdefault((str(by.get("factor", "")), _line(by.get("level", "")), key[2]), []).append(e)
    for (by_factor, by_level, family), items in groups.items():
        values = dict(family=_family_name(family, t), by_factor=_factor_name(by_factor, t), by_level=by_level)
        if len(items) == 1:
            out.append(_cap(_fill(nt["explained"], factor=_factor_name(str(items[0].get("factor", "")), t), level=_line(items[0].get("level", "")), **values), t))
        else:
            out.append(_cap(_fill(nt["explained_many"], items=_levels_text(items, t), **values), t))
    chosen_factors = {str(f.get("factor")) for f in chosen}
    # a factor with a finding left out of this section: "no level has an excess" would deny that finding
    left_out = {str(f.get("factor")) for f in findings.get("findings") or ()} - chosen_factors
    for ex in findings.get("examined") or ():
        factor = str(ex.get("factor", ""))
        fams = [_family_name(str(x), t) for x in ex.get("families") or ()]
        tpl = nt["examined_some"] if factor in chosen_factors else nt["examined_left_out"] if factor in left_out else nt["examined"]
        out.append(_cap(_fill(
            tpl, factor=_factor_name(factor, t), levels=_int(ex.get("levels"), "?"),
            families=_join(fams, t) if fams else nt["all_families"],
        ), t))
    if not out:
        out.append(nt["none"])
    return tuple(out)


def _suppliers(group: Sequence[tuple[FindingBlock, Mapping[str, Any]]], t: Mapping[str, Any]) -> str:
    """Who the supplier prompts address: the one supplier all the findings name, else each finding's
    supplier with its level ("the supplier of BT-2607" where the data name none), so that a supplier
    is never asked about a component it did not supply."""
    named = [(b.level, _supplier_of(f)) for b, f in group]
    known = {s for _, s in named if s}
    if len(known) == 1 and all(s for _, s in named):
        return next(iter(known))
    if len(named) == 1:
        return t["actions"]["supplier_unknown"]
    return _join(list(dict.fromkeys(_fill(t["actions"]["supplier_of"], supplier=s, level=lvl) if s
                                    else _fill(t["actions"]["supplier_unknown_of"], level=lvl) for lvl, s in named)), t)


def _plans(
    blocks: Sequence[FindingBlock],
    chosen: Sequence[Mapping[str, Any]],
    overrides: Mapping[str, Any],
    t: Mapping[str, Any],
) -> tuple[ActionPlan, ...]:
    answers = overrides.get("actions") or {}
    order: list[str] = []
    members: dict[str, list[tuple[FindingBlock, Mapping[str, Any]]]] = {}
    for b, f in zip(blocks, chosen):
        if b.action_category not in members:
            order.append(b.action_category)
            members[b.action_category] = []
        members[b.action_category].append((b, f))
    plans = []
    for cat in order:
        tpl = t["actions"][cat]
        group = members[cat]
        levels = _join(list(dict.fromkeys(b.level for b, _ in group)), t)
        factors = _join(list(dict.fromkeys(_factor_name(b.factor, t) for b, _ in group)), t)
        # each finding named by its own factor ("cable lot CB-2606 and battery lot BT-2607")
        subject = _join(list(dict.fromkeys(f"{_factor_name(b.factor, t)} {b.level}" for b, _ in group)), t)
        values = dict(level=levels, factor=factors, subject=subject, supplier=_suppliers(group, t))
        given = answers.get(cat) or {}

        def items(kind: str) -> tuple[ActionItem, ...]:
            prompts = [_fill(p, **values) for p in tpl[kind]]
            resp = [(_line(r) or None) if r is not None else None for r in (given.get(kind) or ())]
            out = [ActionItem(p, resp[i] if i < len(resp) else None) for i, p in enumerate(prompts)]
            out += [ActionItem("", r) for r in resp[len(prompts):] if r]
            return tuple(out)

        heading = f"{tpl['heading']} ({_fill(t['actions']['for_findings'], ranks=_join([str(b.number or b.rank) for b, _ in group], t))})"
        plans.append(ActionPlan(cat, heading, tuple(b.rank for b, _ in group), items("corrective"), items("preventive")))
    return tuple(plans)


def _problem(findings: Mapping[str, Any], t: Mapping[str, Any]) -> str:
    s = findings.get("summary") or {}
    pt = t["problem"]
    asins = [_line(a) for a in s.get("asins") or () if _line(a)]
    asin_text = _fill(pt["asin_one"] if len(asins) == 1 else pt["asin_many"], asins=_join(asins, t, limit=5)) if asins else pt["asin_none"]
    values = dict(
        start=s.get("period_start") or "?", end=s.get("period_end") or "?",
        # the units' own period (a findings.json without it: the complaints')
        ship_start=s.get("shipped_start") or s.get("period_start") or "?", ship_end=s.get("shipped_end") or s.get("period_end") or "?",
        complaints=_int(s.get("complaints"), "?"), units=_int(s.get("units"), "?"), asins=asin_text,
    )
    text = _fill(_dated(pt, "with_units" if not _is_missing(s.get("units")) else "without_units", s), **values)
    fams = [
        _fill(pt["family_item"], family=_family_name(str(x.get("family")), t), count=_int(x.get("count")),
              share=_pct(x.get("share"), 1))
        for x in list(s.get("families") or ())[:4]
    ]
    if fams:
        text += t["meta"]["sentence_sep"] + _fill(pt["families"], families=t["meta"]["list_sep"].join(fams))
    voc = [v for v in s.get("voc") or () if isinstance(v, Mapping) and v.get("total_orders")][:3]
    if voc:  # Amazon's own measure of the problem, highest NCX rate first
        items = [_fill(pt["voc_item"], asin=_line(v.get("asin")), rate=_pct(v.get("ncx_rate"), 1), ncx=_int(v.get("ncx_orders")),
                       orders=_int(v.get("total_orders")), poor=_int(v.get("poor_skus")), skus=_int(v.get("skus")),
                       worst=cx_health_name(v.get("worst_health"), t) or "?", reason=_line(v.get("top_reason")) or "?") for v in voc]
        text += t["meta"]["sentence_sep"] + _fill(pt["voc"], updated=_line(voc[0].get("updated")) or "?", items=pt["voc_sep"].join(items))
    safety = s.get("safety") or {}
    if safety.get("complaints"):
        terms = [_line(x) for x in safety.get("terms") or () if _line(x)]
        text += t["meta"]["sentence_sep"] + _fill(pt["safety"], n=_int(safety["complaints"]), terms=t["meta"]["list_sep"].join(terms))
    return text


def _method(findings: Mapping[str, Any], chosen: Sequence[Mapping[str, Any]], t: Mapping[str, Any],
            numbered: Mapping[Any, int] | None = None) -> str:
    s = findings.get("summary") or {}
    mt = t["method"]
    method = mt["default"]
    if chosen:  # one sentence in the document's language (each finding's own, in English, is in findings.json)
        analysis = (findings.get("settings") or {}).get("analysis") or {}
        alpha, selection_p = analysis.get("alpha", 0.05), analysis.get("selection_p", 0.001)
        basis = "units" if any(f.get("basis", s.get("basis")) == "units" for f in chosen) else "complaints"
        method = _fill(mt["selected"], basis=mt[f"basis_{basis}"], ci=f"{100 * (1 - float(alpha)):.0f}", selection_p=f"{float(selection_p):g}")
    inputs = [
        _fill(mt["input_item"], name=Path(str(i.get("path", "?"))).name, rows=_int(i.get("rows"), "?"))
        for i in findings.get("inputs") or ()
    ]
    text = _fill(
        _dated(mt, "text", s), method=method,
        start=s.get("period_start") or "?", end=s.get("period_end") or "?",
        inputs=t["meta"]["list_sep"].join(inputs) or "?",
    )
    # why the inputs' rows are more than the complaints
    min_rating = float(((findings.get("settings") or {}).get("analysis") or {}).get("praise_min_rating") or 4)
    for key, rating in (("praise", min_rating), ("neutral", min_rating - 1), ("same_order", None), ("unshipped", None)):
        n = sum(int(v) for v in (s.get(key) or {}).values())
        if n:
            text += t["meta"]["sentence_sep"] + _fill(mt[key], n=_int(n), min_rating=f"{rating or 0:g}", rating=f"{rating or 0:g}")
    late = s.get("after_end")
    if isinstance(late, Mapping) and late.get("units"):
        weeks = late.get("weeks") or ["?", "?"]
        text += t["meta"]["sentence_sep"] + _fill(mt["after_end"], units=_int(late["units"]), first=_line(weeks[0]), last=_line(weeks[-1]),
                                                 end=_line(late.get("complaints_end") or "?"))
    moved = sorted((n, r) for r, n in (numbered or {}).items() if r is not None and n != r)
    if moved:  # the evidence pack's findings.json and chart files name findings by their rank in the analysis
        pairs = _join([_fill(mt["numbered_pair"], number=n, rank=r) for n, r in moved], t)
        text += t["meta"]["sentence_sep"] + _fill(mt["numbered"], pairs=pairs)
    return text


def build_root_cause(
    findings: Mapping[str, Any],
    complaints: pd.DataFrame | None,
    language: str = "en",
    selected: Iterable[int] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    settings: PoaSettings | None = None,
) -> RootCauseSection:
    """Decide what the root-cause section says.

    Parameters
    ----------
    findings : dict
        The findings.json structure (``inputs, summary, findings, explained,
        examined, settings``).
    complaints : DataFrame or None
        Classified complaints (``date, order_id, text, family,
        family_confidence, source_kind`` and factor columns); quotes are taken
        from the rows of each finding's level and family.
    language : {"en", "zh"}
        English for Amazon, Chinese for internal review.
    selected : iterable of int, optional
        Ranks of the findings to include, in that order; default the first
        ``settings.max_findings`` by rank.
    overrides : dict, optional
        What the user wrote: ``problem_statement`` (str, replaces the
        generated one), ``actions`` (``{category: {"corrective": [answer per
        prompt, None to keep the prompt], "preventive": [...]}}``), ``quotes``
        (``{rank: [text, ...]}`` replaces the chosen quotes; still redacted).
    settings : PoaSettings, optional

    Returns
    -------
    RootCauseSection
    """
    settings = settings or PoaSettings()
    overrides = overrides or {}
    t = load_templates(language)
    all_findings = sorted(findings.get("findings") or (), key=lambda f: (f.get("rank") is None, f.get("rank") or 0))
    if selected is None:
        chosen = all_findings[: settings.max_findings]
    else:
        by_rank = {f.get("rank"): f for f in all_findings}
        chosen = [by_rank[r] for r in selected if r in by_rank]
    quote_over = overrides.get("quotes") or {}
    # numbered 1, 2, ... in the section: a POA whose first finding read "Finding 2" (the analyst left #1 out) looked
    # as if one was kept back; the method says which rank each has in the evidence pack
    numbered = {f.get("rank"): i for i, f in enumerate(chosen, start=1)}
    blocks = tuple(_block(f, findings, complaints, settings, t, quote_over.get(f.get("rank")), numbered) for f in chosen)
    problem = _line(overrides["problem_statement"]) if overrides.get("problem_statement") else _problem(findings, t)
    return RootCauseSection(
        language=language,
        title=t["headings"]["title"],
        problem_statement=problem,
        findings=blocks,
        # findings there are, none chosen: not "no factor stands out", which would deny them
        no_findings=None if blocks else _fill(t["problem"]["none_chosen"], n=len(all_findings)) if all_findings else t["problem"]["no_findings"],
        not_causes=_not_causes(findings, chosen, t),
        actions=_plans(blocks, chosen, overrides, t),
        action_intro=t["actions"]["intro"],
        todo_label=t["actions"]["todo"],
        method=_method(findings, chosen, t, numbered),
        text=t,
    )


# ----------------------------------------------------------------- render
_MD_ALWAYS = re.compile(r"([\\`*\[\]~|])")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")  # only "<" that could open an HTML tag or autolink
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=])")
_MD_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])")


def _md(text: str) -> str:
    """Escape Markdown in prose built from data (levels, terms, ...).

    Only what Markdown would interpret is escaped, so the text still pastes
    cleanly: ``p < 0.0001`` stays as it is, ``<script>`` becomes
    ``\\<script>``; ``_`` inside a word (``CB_2407``) is not emphasis in
    CommonMark and stays.
    """
    out = _MD_ALWAYS.sub(r"\\\1", _line(text))
    out = _MD_TAG.sub(r"\\<", out)
    out = _MD_ENTITY.sub(r"\\&", out)
    out = _MD_UNDERSCORE.sub(r"\\_", out)
    out = _MD_LIST_NUMBER.sub(lambda m: m.group(1) + "\\" + m.group(2), out)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out)


def _title(text: str, char: str, esc=None) -> str:
    text = (esc or _md)(text)
    width = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    return f"{text}\n{char * max(width, 3)}"


def _quote_lines(q: Quote, section: RootCauseSection) -> list[str]:
    """A quote as an indented block: Markdown shows it literally, a web form as plain text."""
    t = section.text
    body = f"{t['meta']['quote_open']}{q.text}{t['meta']['quote_close']}"
    lines = textwrap.wrap(body, width=88, break_long_words=True, break_on_hyphens=False) or [body]
    if q.meta:
        lines.append(f"({q.meta})")
    return ["    " + line for line in lines]


def render_markdown(section: RootCauseSection, plain: bool = False) -> str:
    """Render the section as plain text that is also valid Markdown.

    Headings are underlined (setext), lists use ``-``: both read as plain
    text when pasted into Seller Central's form.  No HTML is produced.  Buyer
    quotes are indented blocks (Markdown shows them verbatim, so ``*``,
    ``<script>`` or ``[link](...)`` in a comment do nothing); prose built
    from data is backslash-escaped.  ``plain``: no escaping, the text as it
    is to be pasted into a form that reads no Markdown (the analyst's "2*50
    units [done]" read "2\\*50 units \\[done\\]" there); never to be rendered.
    """
    esc = _line if plain else _md
    out: list[str] = [_title(section.title, "=", esc), ""]
    out += [_title(section.heading("problem"), "-", esc), "", esc(section.problem_statement), ""]
    out += [_title(section.heading("root_cause"), "-", esc), ""]
    if section.no_findings:
        out += [esc(section.no_findings), ""]
    for b in section.findings:
        out += [esc(b.heading), "", esc(b.statement)]
        out += [esc(d) for d in b.details]
        out.append("")
        if b.insufficient:
            out += [esc(b.insufficient), ""]
        out += [f"{esc(section.heading('buyers_say'))}: {esc(b.buyers_say)}", ""]
        if b.quotes:
            out += [esc(section.heading("quotes")) + ":", ""]
            for q in b.quotes:
                out += _quote_lines(q, section) + [""]
        elif b.no_quotes:
            out += [esc(b.no_quotes), ""]
    out += [_title(section.heading("not_causes"), "-", esc), ""]
    out += [f"- {esc(x)}" for x in section.not_causes] + [""]
    out += [_title(section.heading("actions"), "-", esc), ""]
    if section.actions:
        out += [esc(section.action_intro), ""]
    for plan in section.actions:
        out += [esc(plan.heading), ""]
        for key, items in (("corrective", plan.corrective), ("preventive", plan.preventive)):
            out += [esc(section.heading(key)) + ":", ""]
            for item in items:
                if item.response:
                    out.append(f"- {esc(item.response)}")
                else:
                    out.append(f"- {esc(section.todo_label)}: {esc(item.prompt)}")
            out.append("")
    out += [_title(section.heading("method"), "-", esc), "", esc(section.method), ""]
    return "\n".join(out).rstrip() + "\n"


def _table_rows(section: RootCauseSection, findings: Mapping[str, Any]) -> list[list[str]]:
    t = section.text
    na = t["table"]["not_available"]
    by_rank = {f.get("rank"): f for f in findings.get("findings") or ()}
    rows = []
    for b in section.findings:
        f = by_rank.get(b.rank, {})
        ci = na if _is_missing(f.get("ci_low")) else f"{_pct(f.get('ci_low'))} – {_pct(f.get('ci_high'))}"
        rows.append([
            str(b.number or b.rank), _factor_name(b.factor, t), b.level, _family_name(b.family, t),
            _int(f.get("complaints"), na), _int(f.get("units"), na), _pct(f.get("rate"), na=na), ci,
            _pct(f.get("baseline_rate"), na=na), _ratio(f.get("rate_ratio"), na),
            _p(f.get("p_adjusted"), na).replace("= ", ""),
        ])
    return rows


#: a finding's chart: ``finding<rank>_<factor>_<kind>`` (:func:`figure_name`)
_FINDING_FIGURE = re.compile(r"finding(\d+)_(?:.*_)?(rates|funnel|control|terms)")


def figure_name(rank: int, factor: str, kind: str) -> str:
    """The name (and file stem) of one of a finding's charts; ``kind`` is rates, funnel, control or terms."""
    return f"finding{rank}_{''.join(ch if ch.isalnum() else '_' for ch in factor)[:40]}_{kind}"


def _docx_pictures(charts: Mapping[str, Path] | None, section: RootCauseSection,
                   findings: Mapping[str, Any] | None = None) -> dict[int | None, list[tuple[Path, str]]]:
    """The PNG charts to embed with their captions, by the rank of the finding they show
    (``None``: the complaints as a whole, shown with the problem statement).  A finding's
    charts follow its text; those of findings left out of the section are left out too."""
    t = section.text
    blocks = {b.rank: b for b in section.findings}
    onsets = {f.get("rank"): f.get("onset") for f in (findings or {}).get("findings") or ()}
    action = (((findings or {}).get("settings") or {}).get("analysis") or {}).get("action_date")
    placed: dict[int | None, list[tuple[Path, str]]] = {}
    for name, p in (charts or {}).items():
        png = Path(p)
        if png.suffix.lower() != ".png" or not png.is_file():
            continue
        m = _FINDING_FIGURE.fullmatch(name)
        if m is None:
            placed.setdefault(None, []).append((png, str(t["charts"].get(name, name.replace("_", " ")))))
        elif (b := blocks.get(int(m[1]))) is not None:
            kind = {"family": "terms", "all": "terms_all", None: "terms_plain"}[b.terms_against] if m[2] == "terms" else m[2]
            if kind == "control":  # the caption names only the marks the chart has
                kind += {(True, True): "", (True, False): "_onset", (False, True): "_action", (False, False): "_plain"}[(bool(onsets.get(b.rank)), bool(action))]
            caption = _fill(t["charts"]["of_finding"], rank=b.number or b.rank, factor=_factor_name(b.factor, t), level=b.level, caption=t["charts"][kind])
            placed.setdefault(b.rank, []).append((png, caption))
    return placed


def render_docx(
    section: RootCauseSection,
    findings: Mapping[str, Any],
    charts: Mapping[str, Path] | None,
    path: str | Path,
    *,
    notes: Sequence[str] = (),
) -> Path:
    """Write the section as a Word document.

    Parameters
    ----------
    section : RootCauseSection
    findings : dict
        findings.json, for the numbers of the findings table.
    charts : dict of name -> Path
        PNG files to embed (other formats and missing files are skipped), each
        with a caption from ``templates/<lang>.toml [charts]``: a finding's
        charts (:func:`figure_name`) after its text, the others after the
        problem statement.
    path : str or Path
    notes : sequence of str
        Extra lines for a "Notes" heading (e.g. charts that could not be drawn).

    Returns
    -------
    Path
    """
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    t = section.text
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    if section.language == "zh":
        for style_name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title", "Caption", "Quote"):
            rpr = doc.styles[style_name].element.get_or_add_rPr()
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is None:
                fonts = rpr.makeelement(qn("w:rFonts"), {})
                rpr.append(fonts)
            fonts.set(qn("w:eastAsia"), "Microsoft YaHei")

    pictures = _docx_pictures(charts, section, findings)
    shown = 0

    def add_pictures(items: list[tuple[Path, str]]) -> None:
        nonlocal shown
        for png, caption in items:
            shown += 1
            doc.add_picture(str(png), width=Inches(6.5))
            doc.add_paragraph(_fill(t["charts"]["figure"], n=shown, caption=clean_text(caption)), style="Caption")

    doc.add_heading(clean_text(section.title), 0)
    doc.add_heading(clean_text(section.heading("problem")), 1)
    doc.add_paragraph(clean_text(section.problem_statement))
    add_pictures(pictures.get(None, []))

    rows = _table_rows(section, findings)
    if rows:
        doc.add_heading(clean_text(section.heading("findings_table")), 1)
        keys = ["rank", "factor", "level", "family", "complaints", "units", "rate", "ci", "baseline", "ratio", "p_adjusted"]
        table = doc.add_table(rows=1, cols=len(keys))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, key in zip(table.rows[0].cells, keys):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(t["table"][key]))
            run.bold = True
            run.font.size = Pt(8.5)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row):
                cell.text = ""
                cell.paragraphs[0].add_run(clean_text(value)).font.size = Pt(8.5)

    doc.add_heading(clean_text(section.heading("root_cause")), 1)
    if section.no_findings:
        doc.add_paragraph(clean_text(section.no_findings))
    for b in section.findings:
        doc.add_heading(clean_text(b.heading), 2)
        doc.add_paragraph(clean_text(b.statement))
        for d in b.details:
            doc.add_paragraph(clean_text(d))
        if b.insufficient:
            doc.add_paragraph().add_run(clean_text(b.insufficient)).bold = True
        p = doc.add_paragraph()
        p.add_run(clean_text(section.heading("buyers_say")) + ": ").bold = True
        p.add_run(clean_text(b.buyers_say))
        if b.quotes:
            doc.add_paragraph(clean_text(section.heading("quotes")) + ":")
            for q in b.quotes:
                qp = doc.add_paragraph(style="Quote")
                qp.add_run(f"{t['meta']['quote_open']}{clean_text(q.text)}{t['meta']['quote_close']}")
                if q.meta:
                    qp.add_run(f"  ({clean_text(q.meta)})").italic = True
        elif b.no_quotes:
            doc.add_paragraph(clean_text(b.no_quotes))
        add_pictures(pictures.get(b.rank, []))

    doc.add_heading(clean_text(section.heading("not_causes")), 1)
    for x in section.not_causes:
        doc.add_paragraph(clean_text(x), style="List Bullet")

    doc.add_heading(clean_text(section.heading("actions")), 1)
    if section.actions:
        doc.add_paragraph(clean_text(section.action_intro))
    for plan in section.actions:
        doc.add_heading(clean_text(plan.heading), 2)
        for key, items in (("corrective", plan.corrective), ("preventive", plan.preventive)):
            doc.add_heading(clean_text(section.heading(key)), 3)
            for item in items:
                para = doc.add_paragraph(style="List Bullet")
                if item.response:
                    para.add_run(clean_text(item.response))
                else:
                    para.add_run(clean_text(section.todo_label) + ": ").bold = True
                    para.add_run(clean_text(item.prompt))

    doc.add_heading(clean_text(section.heading("method")), 1)
    doc.add_paragraph(clean_text(section.method))
    if notes:
        doc.add_heading(clean_text(section.heading("notes")), 1)
        for note in notes:
            doc.add_paragraph(clean_text(note), style="List Bullet")

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
