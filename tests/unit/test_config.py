"""Settings: defaults, a TOML file and keyword overrides; bad settings are one clear error."""

from __future__ import annotations

import pytest

from analysis.config import load_settings
from analysis.errors import SettingsError


def test_defaults_and_overrides(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('language = "zh"\n[analysis]\nfdr = 0.05\nexcluded_factors = ["sku"]\n[poa]\nmax_quotes = 2\n', encoding="utf-8")
    s = load_settings(path, min_units=50)
    assert s.language == "zh" and s.analysis.fdr == 0.05 and s.analysis.min_units == 50
    assert s.analysis.excluded_factors == ("sku",) and s.poa.max_quotes == 2 and s.stats.alpha == 0.05


def test_unknown_or_broken_settings_are_one_line_errors(tmp_path):
    with pytest.raises(SettingsError, match="unknown setting"):
        load_settings(None, not_a_setting=1)
    bad = tmp_path / "bad.toml"
    bad.write_text("[analysis\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="bad.toml: cannot read settings"):
        load_settings(bad)


def test_an_excluded_factor_is_read_as_the_documents_write_it():
    from analysis.config import load_settings

    assert load_settings(excluded_factors=["Cable-lot", " fulfillment center", "lot"]).analysis.excluded_factors == ("cable_lot", "fulfillment_center", "lot")
