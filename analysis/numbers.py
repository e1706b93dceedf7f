"""How a rate and a ratio read in a sentence: one rule for ``findings.json``'s statements, the export and the app.

A near-zero rate keeps two significant digits rather than round to "0.00%"
(one complaint in 500,000 units is 0.00020%, not nothing); a ratio of a
hundred or more needs no decimal ("1,796", not "1796.0").
"""

from __future__ import annotations

import math


def percent_text(value: float, digits: int = 2) -> str:
    """``value`` (a proportion) as a percentage: ``digits`` decimals, or two significant digits when that would
    show a non-zero value as zero; exactly zero is "0%".

    >>> percent_text(0.02411), percent_text(0.0000041), percent_text(0.0), percent_text(0.1234, 1)
    ('2.41%', '0.00041%', '0%', '12.3%')
    """
    v = 100 * float(value)
    if v == 0:
        return "0%"
    if abs(v) < 0.5 * 10 ** -digits:
        digits = 1 - math.floor(math.log10(abs(v)))  # two significant digits
    return f"{v:.{digits}f}%"


def ratio_text(value: float) -> str:
    """A rate or odds ratio: one decimal under 100, whole and grouped from 100 ("5.3", "37.1", "1,796")."""
    v = float(value)
    return f"{v:,.0f}" if abs(v) >= 99.95 else f"{v:.1f}"
