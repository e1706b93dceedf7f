"""How rates and ratios read in sentences (analysis.numbers), by hand."""

from __future__ import annotations

import pytest

from analysis.numbers import percent_text, ratio_text


@pytest.mark.parametrize("value, digits, text", [
    (0.02411, 2, "2.41%"),
    (0.1234, 1, "12.3%"),
    (0.0, 2, "0%"),
    (0.0000041, 2, "0.00041%"),  # 1 in ~244,000: rounds to 0.00% at two decimals
    (0.00003, 1, "0.0030%"),
    (0.00005, 2, "0.01%"),       # half a hundredth of a percent rounds up, as before
    (1.2e-10, 2, "0.000000012%"),
    (1.0, 2, "100.00%"),
])
def test_percent_keeps_two_significant_digits_where_the_decimals_would_show_zero(value, digits, text):
    assert percent_text(value, digits) == text


@pytest.mark.parametrize("value, text", [(5.29, "5.3"), (37.12, "37.1"), (99.94, "99.9"), (99.96, "100"), (1796.04, "1,796"), (0.5, "0.5")])
def test_ratio_has_one_decimal_under_a_hundred_and_none_from_there(value, text):
    assert ratio_text(value) == text
