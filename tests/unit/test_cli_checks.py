"""The command line's checks of what a user gives it: marketplaces, settings, outputs (a QA audit, 2026-11).

Every mistake is one line on stderr and exit status 2, never a traceback; what is only doubtful
(an action date after the data) is one warning line.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.config import load_settings
from analysis.errors import SettingsError

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
RETURNS = SAMPLE / "fba_customer_returns.txt"


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def test_an_unknown_marketplace_is_refused_with_the_known_codes(tmp_path, capsys):
    """`--marketplace XX` was taken, and the feedback's dates read day for month: 170 rows read, 228 rejected."""
    for argv in (["inspect", "--marketplace", "XX", str(SAMPLE / "seller_feedback.txt")],
                 ["report", "--feedback", str(SAMPLE / "seller_feedback.txt"), "--marketplace", "XX", "--out", str(tmp_path / "o")]):
        assert main(argv) == 2
        err = _one_error(capsys)
        assert err.startswith("error: --marketplace XX: not a marketplace code (known: ") and "US" in err and "JP" in err
    assert not (tmp_path / "o").exists()
    assert main(["inspect", "--json", "--marketplace", "us", str(SAMPLE / "seller_feedback.txt")]) == 0  # any case
    assert json.loads(capsys.readouterr().out)[0]["rows"] == 398


@pytest.mark.parametrize("toml, message", [
    ('[analysis]\nalpha = "abc"', '[analysis] alpha = "abc": must be a number greater than 0 and less than 1'),  # was a TypeError
    ("[analysis]\nalpha = 2", "[analysis] alpha = 2: must be a number greater than 0 and less than 1"),
    ("[analysis]\nfdr = 0", "[analysis] fdr = 0: must be a number greater than 0 and less than 1"),
    ('[analysis]\npraise_min_rating = "x"', '[analysis] praise_min_rating = "x": must be a number from 1 to 5'),  # was a ValueError
    ("[analysis]\ntop_terms = 1e9", "[analysis] top_terms = 1000000000.0: must be a whole number of at least 0"),  # was a TypeError
    ("[analysis]\nmax_findings = -1", "[analysis] max_findings = -1: must be a whole number of at least 1"),
    ("[analysis]\nmin_complaints = -5", "[analysis] min_complaints = -5: must be a whole number of at least 1"),
    ("[analysis]\nmax_levels_per_factor = 0", "[analysis] max_levels_per_factor = 0: must be a whole number of at least 2"),
    ('[analysis]\nfamilies = "abc"', '[analysis] families = "abc": must be a list of names'),  # was read as a, b, c
    ("[poa]\nmax_quotes = -3", "[poa] max_quotes = -3: must be a whole number of at least 0"),
    ('language = "fr"', 'language = "fr": must be one of en, zh'),
    ("poa = 3", "poa must be a table: [poa]"),
    ("[poa]\nnot_a_setting = 1", "unknown poa setting(s): not_a_setting"),
    # [stats] was checked and then never read: the statistics take their levels from [analysis]
    ("[stats]\nfunnel_winsor = 0", "[stats] is not read from a settings file: set alpha, fdr, min_units and min_complaints in [analysis]"),
])
def test_a_setting_of_the_wrong_type_or_out_of_range_is_one_line_naming_it(tmp_path, toml, message):
    path = tmp_path / "s.toml"
    path.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"s.toml: {message}"), str(caught.value)


def test_settings_in_range_still_load_and_keywords_are_checked_too(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[analysis]\nalpha = 0.1\nmin_rate_ratio = 2\nfamilies = ["product_defect"]\naction_date = 2026-09-01\n'
                    "praise_min_rating = 5\n[poa]\nmax_quotes = 0\n", encoding="utf-8")
    s = load_settings(path, praise_min_rating=None, language="zh")  # (the app's keywords: None keeps every rating)
    assert (s.analysis.alpha, s.analysis.min_rate_ratio, s.analysis.families, s.analysis.action_date) == (0.1, 2, ("product_defect",), "2026-09-01")
    assert s.analysis.praise_min_rating is None and s.poa.max_quotes == 0 and s.language == "zh"
    with pytest.raises(SettingsError, match=r"^\[analysis\] min_units = 0: must be a whole number of at least 1$"):
        load_settings(path, min_units=0)  # a keyword's error names no file


def test_a_bad_settings_file_or_family_stops_the_report_in_one_line(tmp_path, capsys):
    for toml, start in (('[analysis]\nalpha = "abc"', 'error: s.toml: [analysis] alpha = "abc": must be a number'),
                        # a family the rules do not have gave "too few complaints" and nothing else
                        ('[analysis]\nfamilies = ["defect"]', "error: families: no complaint family defect (families: product_defect, ")):
        (tmp_path / "s.toml").write_text(toml + "\n", encoding="utf-8")
        assert main(["report", "--returns", str(RETURNS), "--settings", str(tmp_path / "s.toml"), "--findings-only", "--out", str(tmp_path / "o")]) == 2
        assert _one_error(capsys).startswith(start)


def test_no_output_overwrites_an_input(tmp_path, capsys):
    """`classify F --out F` wrote the classified CSV over the seller's report."""
    returns = tmp_path / "returns.txt"
    shutil.copy(RETURNS, returns)
    before = returns.read_bytes()
    link = tmp_path / "link.txt"
    link.symlink_to(returns)
    for given in (returns, link):
        assert main(["classify", str(given), "--out", str(returns)]) == 2
        assert _one_error(capsys).startswith(f"error: {given.name}: --out {returns} is the input file")
    # a report folder holding an input under a name the report writes (or removes as an earlier run's)
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(RETURNS, out / "root_cause.md")
    assert main(["report", "--returns", str(out / "root_cause.md"), "--findings-only", "--out", str(out)]) == 2
    assert _one_error(capsys).startswith(f"error: --out {out}: the report would overwrite its input {out / 'root_cause.md'}")
    assert returns.read_bytes() == before == (out / "root_cause.md").read_bytes() and not (out / "findings.json").exists()


def test_a_report_removes_the_files_of_an_earlier_run_and_nothing_else(tmp_path, capsys):
    """Old charts of a finding the new run has not, and root_cause.md / evidence.zip beside a new --findings-only
    findings.json, were left in the folder and taken for the new run's."""
    out = tmp_path / "out"
    (out / "charts").mkdir(parents=True)
    old = ["findings.json", "root_cause.md", "root_cause.zh.md", "root_cause.docx", "evidence.zip", "chart_errors.txt",
           "charts/family_pareto.png", "charts/finding1_cable_lot_rates.png", "charts/finding1_cable_lot_terms.svg"]
    mine = ["notes.md", "root_cause_draft.md", "charts/logo.png", "charts/finding1_ideas.txt"]
    for name in old + mine:
        (out / name).write_text("old", encoding="utf-8")
    assert main(["report", "--returns", str(RETURNS), "--findings-only", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"removed {len(old)} file(s) an earlier report wrote to {out}" in said
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(["findings.json", *mine])
    assert json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]  # the new one
    assert main(["report", "--returns", str(RETURNS), "--findings-only", "--out", str(tmp_path / "new")]) == 0
    assert "removed" not in capsys.readouterr().out  # nothing to remove: nothing said


def test_inspect_says_how_many_rejected_lines_it_does_not_list_and_when_a_file_has_no_dates(tmp_path, capsys):
    lines = RETURNS.read_text(encoding="utf-8").splitlines()
    bad = [re.sub(r"^(\d{4})-(\d\d)-(\d\d)T[^\t]*", r"\3/\2/\1", line) for line in lines[1:8]]
    path = tmp_path / "some.txt"
    path.write_text("\n".join([lines[0], *bad, *lines[8:20]]) + "\n", encoding="utf-8")
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("    line ") == 5 and "    ... and 2 more (--json lists the first 20)" in out
    words = tmp_path / "words.csv"  # no date column: it said "dates None .. None"
    words.write_text("id,comment\n1,stopped working after 2 days\n", encoding="utf-8")
    assert main(["inspect", str(words)]) == 0
    out = capsys.readouterr().out
    assert "; no dates;" in out and "None" not in out


def test_output_errors_name_the_output_and_the_help_says_the_default(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["classify", "--help"])
    assert "its extension replaced by .classified.csv" in " ".join(capsys.readouterr().out.split())
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    assert main(["report", "--returns", str(RETURNS), "--findings-only", "--out", str(a_file)]) == 2
    assert _one_error(capsys) == f"error: cannot write {a_file}: is a file, not a folder (--out names the output folder)"  # was "File exists"
    if Path("/dev/full").exists():  # a full disk: "cannot write : No space left on device", no file named
        reviews = tmp_path / "reviews.csv"
        reviews.write_text("Rating,Title,Body\n1,Dead,Right earbud died after a week\n", encoding="utf-8")
        assert main(["classify", str(reviews), "--out", "/dev/full"]) == 2
        assert _one_error(capsys) == "error: cannot write /dev/full: No space left on device"


def test_an_action_date_after_the_data_is_a_warning(tmp_path, capsys):
    """An action date after the last date was only noted in findings.json (``no_units_after``)."""
    argv = ["report", "--returns", str(RETURNS), "--shipments", str(SAMPLE / "fba_customer_shipment_sales.txt"), "--findings-only",
            "--out", str(tmp_path), "--action-date"]
    assert main([*argv, "2027-01-01"]) == 0
    err = capsys.readouterr().err.strip()
    assert err == ("warning: action date 2027-01-01 is after the last date in these files (2026-10-29): "
                   "nothing shipped or returned since it to compare with before")
    assert main([*argv, "2026-09-01"]) == 0
    assert "warning" not in capsys.readouterr().err
    # without shipments there is no before/after at all: it was ignored without a word
    assert main(["report", "--returns", str(RETURNS), "--findings-only", "--out", str(tmp_path / "r"), "--action-date", "2026-09-01"]) == 0
    assert capsys.readouterr().err.strip() == "warning: action date 2026-09-01: no shipment file, so no before/after comparison (give --shipments)"


def test_the_settings_files_language_and_poa_reach_the_documents(tmp_path, monkeypatch, capsys):
    """--language defaulted to en over the file's `language`, and [poa] never reached the Root Cause section."""
    import analysis.export.evidence as evidence

    seen = []
    monkeypatch.setattr(evidence, "write_all", lambda *a, **kw: seen.append(kw) or {})
    monkeypatch.setattr("analysis.export.write_all", evidence.write_all)
    path = tmp_path / "s.toml"
    path.write_text('language = "zh"\n[poa]\nmax_quotes = 1\nmax_terms = 2\n', encoding="utf-8")
    argv = ["report", "--returns", str(SAMPLE / "fba_customer_returns.txt"), "--shipments", str(SAMPLE / "fba_customer_shipment_sales.txt"),
            "--lots", str(SAMPLE / "lot_master.xlsx"), "--settings", str(path), "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    assert seen[-1]["language"] == "zh" and (seen[-1]["poa"].max_quotes, seen[-1]["poa"].max_terms) == (1, 2)
    # what the section does with them (PoaSettings: quotes and terms per finding)
    from analysis.config import PoaSettings
    from analysis.export import build_root_cause

    finding = {"rank": 1, "factor": "lot", "level": "L1", "family": "product_defect", "complaints": 40, "units": 4000, "rate": 0.01,
               "baseline_rate": 0.002, "rate_ratio": 5.0, "p_adjusted": 1e-6, "terms_against": "family",
               "top_terms": ["no sound", "right earbud", "crackles"], "top_terms_significant": [True, True, True]}
    assert build_root_cause({"findings": [finding]}, None, "zh", settings=seen[-1]["poa"]).findings[0].buyers_say.count("“") == 2
    assert build_root_cause({"findings": [finding]}, None, settings=PoaSettings()).findings[0].buyers_say.count("“") == 3
    assert load_settings(path, language="en").language == "en"  # --language, passed as this keyword, still wins


def test_a_report_with_no_complaint_file_is_refused(tmp_path, capsys):
    """`report --lots` alone ran and said "No shipment file" and "too few complaints"."""
    assert main(["report", "--lots", str(SAMPLE / "lot_master.csv"), "--shipments", str(SAMPLE / "fba_customer_shipment_sales.txt"),
                 "--out", str(tmp_path / "o")]) == 2
    assert _one_error(capsys) == "error: no complaints in these files: give returns, replacements, seller feedback or reviews (--returns F ...)"
    assert not (tmp_path / "o").exists()
