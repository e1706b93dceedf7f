"""Both locale files carry the same keys, and every key the UI asks for exists."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pandas as pd
import pytest


ROOT = Path(__file__).resolve().parents[2]


def _flatten(table, prefix=""):
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _load(lang):
    """The UI's strings as the app reads them: its locale file plus the charts' words shared with the documents."""
    from ui.i18n import strings

    with open(ROOT / "locales" / f"{lang}.toml", "rb") as fh:
        own = _flatten(tomllib.load(fh))
    merged = dict(strings(lang))
    assert set(own) <= set(merged)
    return merged


def test_same_keys_in_both_languages():
    en, zh = _load("en"), _load("zh")
    assert sorted(set(en) - set(zh)) == []
    assert sorted(set(zh) - set(en)) == []


def test_same_placeholders_in_both_languages():
    en, zh = _load("en"), _load("zh")
    fields = lambda s: sorted({f for _, f, _, _ in string.Formatter().parse(s) if f})
    different = {k: (fields(en[k]), fields(zh[k])) for k in en if fields(en[k]) != fields(zh[k])}
    assert different == {}


def test_every_literal_key_used_exists():
    en = _load("en")
    used = set()
    views = sorted((ROOT / "views").glob("*.py"))
    assert views, "the pages moved: point this test at them"
    for path in [ROOT / "app.py", *views, *(ROOT / "ui").glob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "no t() calls found"
    assert sorted(k for k in used if k not in en and not k.endswith(("_", "."))) == []


def test_every_family_is_translated():
    from analysis import schema
    from analysis.figures import family_names

    for lang in ("en", "zh"):
        strings = _load(lang)
        assert [f for f in schema.FAMILIES if f"family_words.{f}" not in strings] == []
        names = family_names(lang)  # family names come from one place, shared with the documents
        assert [f for f in schema.FAMILIES if not names.get(f)] == []


def test_every_report_kind_is_explained():
    from analysis import schema

    for lang in ("en", "zh"):
        strings = _load(lang)
        for kind in schema.REPORT_KINDS:
            assert f"kinds.{kind}" in strings
            assert f"data.where.{kind}" in strings


def test_every_notice_of_the_analysis_is_translated():
    from analysis.findings import NOTICES

    for lang in ("en", "zh"):
        strings = _load(lang)
        assert [code for code in NOTICES if f"notice.{code}" not in strings] == []


def test_the_classifiers_evidence_reads_in_chinese(monkeypatch):
    """Every form of evidence the classifier and a correction write is shown in Chinese in the zh UI
    (the buyers' terms, codes and the analyst's note stay as written); English is shown unchanged."""
    import pandas as pd

    from analysis import schema
    from analysis.classify import classify_complaints
    from analysis.corrections import apply_corrections, correct, empty
    from ui import i18n

    complaints = pd.DataFrame({
        "complaint_id": [f"c{i}" for i in range(8)], schema.SOURCE_KIND: "fba_returns", schema.ORDER_ID: [f"111-{i}" for i in range(8)], schema.SKU: "EAR-01", schema.ASIN: "B0X",
        schema.REASON: ["DEFECTIVE", "DAMAGED_BY_FC", "DEFECTIVE", "", "", "", "CR-UNWANTED_ITEM", ""],
        schema.DISPOSITION: ["", "DAMAGED", "", "", "", "", "", ""],
        schema.RATING: [None, None, None, 1, 3, 2, None, 1],
        schema.TEXT: ["no sound from the right earbud", "", "box was crushed in transit", "", "Okay", "meh", "", "Not getting switch on"],
    })
    classified = classify_complaints(complaints)
    fixes = correct(empty(), classified, ["c0"], "quality_expectation", note="works, sound is thin")
    corrected, _ = apply_corrections(classified, fixes)
    evidences = list(classified[schema.EVIDENCE]) + [corrected[schema.EVIDENCE].iloc[0]]
    assert any(e.startswith("analyst: ") for e in evidences) and any("terms: " in e for e in evidences)
    assert any("text overrides reason" in e for e in evidences) and any(e.startswith("no specific signal") for e in evidences)
    assert any(e.startswith("low star rating") for e in evidences) and any("disposition DAMAGED" in e for e in evidences)
    assert any(e.startswith("text model: ") for e in evidences)

    monkeypatch.setattr(i18n, "current_language", lambda: "en")
    assert [i18n.evidence_text(e) for e in evidences[:-1]] == evidences[:-1]
    # an analyst's correction names families, not their ids ("analyst: misuse; rules said shipping_damage" on the English UI)
    assert evidences[-1].startswith("analyst: quality_expectation (works, sound is thin); rules said product_defect")
    assert i18n.evidence_text(evidences[-1]).startswith("analyst: Quality below expectation (works, sound is thin); rules said Product defect (")
    monkeypatch.setattr(i18n, "current_language", lambda: "zh")
    shown = [i18n.evidence_text(e) for e in evidences]
    for e, z in zip(evidences, shown):
        for english in ("terms:", "text model", "reason ", "disposition ", "no specific", "low star", "analyst", "rules said", "overrides"):
            assert english not in z, (e, z)
    assert "right earbud" in " ".join(shown) and "works, sound is thin" in shown[-1] and "DAMAGED_BY_FC" in " ".join(shown)
    assert shown[-1].startswith("分析员：") and i18n.family_name("product_defect") in shown[-1]
    assert i18n.evidence_text(None) == "" and i18n.evidence_text("something new") == "something new"


def test_every_note_of_the_comparisons_reads_in_both_languages(monkeypatch):
    """The Lots table's notes and the before/after caption were English on the Chinese UI."""
    from analysis import stats
    from ui import i18n

    for lang in ("en", "zh"):
        strings = _load(lang)
        assert [code for code in stats.NOTES if f"statnotes.{code}" not in strings] == []
    written = [
        stats.compare_levels(pd.DataFrame({"level": ["x", "y", "z"], "complaints": [0, 10, 3], "units": [20, 500, 40]}))["note"].iloc[0],
        stats.before_after(1, 2500, 0, 10).note,
        stats.before_after(0, 60, 1, 50).note,
        stats.contingency_test([[1, 0], [3, 0]], test="chi2").note,
        stats.contingency_test([[2, 3], [4, 1], [1, 1]]).note,
    ]
    assert all(written) and "no complaint: ratios 0" in written[0] and "insufficient evidence" in written[0]
    monkeypatch.setattr(i18n, "current_language", lambda: "en")
    assert [i18n.stat_note(n) for n in written] == written
    monkeypatch.setattr(i18n, "current_language", lambda: "zh")
    shown = [i18n.stat_note(n) for n in written]
    assert not [s for s in shown if re.search(r"[A-Za-z]{3,}", s)], shown  # no English word left
    assert "证据不足" in shown[0] and "没有投诉" in shown[0] and "；" in shown[0]
    assert "5" in i18n.stat_note(stats.NOTES["small_expected"].format(min_expected=5))
    assert i18n.stat_note("something new; insufficient evidence") == "something new；证据不足"
    assert i18n.stat_note(None) == "" and i18n.stat_note(float("nan")) == ""


def test_every_reason_for_a_rejected_line_reads_in_chinese(monkeypatch):
    """The Data page listed rejected lines' reasons in English on the Chinese UI ("unparseable date '0'")."""
    from analysis.normalize import load_file
    from ui import i18n

    sample = ROOT / "sample_data"
    header, good = (sample / "fba_customer_returns.txt").read_text(encoding="utf-8").splitlines()[:2]
    fields = good.split("\t")
    bad = [["0", *fields[1:]], ["", *fields[1:]], [*fields[:6], "two", *fields[7:]], [*fields[:6], "", *fields[7:]], fields[:5], [*fields, "x"]]
    returns = load_file(("r.txt", "\n".join([header, good, *("\t".join(b) for b in bad)]).encode()))
    reviews = load_file(("rv.csv", b"Date,Rating,Title,Body\n2026-06-06,7,Dead,No sound\n2026-06-07,,,\n2026-06-08,1,Dead,No sound\n"))
    lots = load_file(("lots.csv", "SKU,Lot,Supplier,Production date\nA,L1,S,2026-04-10\nB,,S,2026-04-11\n,L3,S,2026-04-12\nC,L4,S,soon\n".encode()))
    reasons = [*returns.rejected["reason"], *reviews.rejected["reason"], *lots.rejected["reason"]]
    assert len(reasons) >= 10, reasons
    monkeypatch.setattr(i18n, "current_language", lambda: "en")
    assert [i18n.reject_reason(r) for r in reasons] == reasons
    monkeypatch.setattr(i18n, "current_language", lambda: "zh")
    for english in reasons:
        shown = i18n.reject_reason(english)
        quoted = re.findall(r"'([^']*)'", english)
        left = re.sub("|".join(map(re.escape, quoted)) or "^$", "", shown)
        assert not re.search(r"[A-Za-z]{3,}", left.replace("SKU", "").replace("FNSKU", "")), (english, shown)


def test_a_files_problem_reads_in_chinese(monkeypatch, tmp_path):
    """"无法读取： bad.txt: not a recognised Amazon report or lot master (header: hello, world)" on the Chinese UI."""
    from analysis.errors import WorkbenchError
    from analysis.normalize import load_file
    from ui import i18n

    problems = []
    for name, data in (("bad.txt", b"hello\tworld\n1\t2\n"), ("empty.txt", b""), ("bin.txt", b"\x00\x01" * 4000),
                       ("head.txt", (ROOT / "sample_data" / "fba_customer_returns.txt").read_text(encoding="utf-8").splitlines()[0].encode() + b"\n"),
                       ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)):
        try:
            load_file((name, data))
        except WorkbenchError as exc:
            problems.append(str(exc))
    assert len(problems) == 5, problems
    monkeypatch.setattr(i18n, "current_language", lambda: "en")
    assert [i18n.error_text(p) for p in problems] == problems
    monkeypatch.setattr(i18n, "current_language", lambda: "zh")
    shown = [i18n.error_text(p) for p in problems]
    assert shown[0] == "bad.txt：不是可识别的亚马逊报告或批次主表（header: hello, world）"
    for english, said in zip(problems, shown):
        name = english.split(": ", 1)[0]
        assert said.startswith(name + "：") and not re.search(r"[A-Za-z]{4,}", said[len(name):].replace("header", "").replace("hello", "").replace("world", "").replace("Excel", "").replace("xlsx", "").replace("TOML", "")), said
    assert i18n.error_text("something else entirely") == "something else entirely"


def test_a_files_notes_read_in_chinese(monkeypatch):
    """The Data page's notes column read "production_date read as %Y/%m/%d" on the Chinese UI."""
    from ui import i18n

    notes = "production_date read as %Y/%m/%d; read sheet '批次' (2 of 2), the other sheets are not read; feedback dates read as M/D/YY"
    monkeypatch.setattr(i18n, "current_language", lambda: "zh")
    assert i18n.file_notes(notes) == "生产日期按 %Y/%m/%d 读取；读取了工作表“批次”（共 2 个中的第 2 个），其他工作表未读取；反馈日期按 M/D/YY 读取"
    assert i18n.file_notes("a note of its own") == "a note of its own" and i18n.file_notes(None) == ""
    assert i18n.file_notes("empty lines skipped (12): 3, 5, …; empty rows skipped (1): 3") == "跳过空行 12 行：第 3, 5, … 行；跳过空行 1 行（工作表行号）：第 3 行"
    # a header found below a title row (analysis.io.reader._above_note)
    assert i18n.file_notes('header found on row 3 of sheet \'Lots\': rows 1-2 above it not read ("Lot master 2026 Q3")') == \
        "表头在工作表“Lots”的第 3 行：其上第 1-2 行未读取（“Lot master 2026 Q3”）"
    assert i18n.file_notes('header found on line 2: line 1 above it not read ("Exported 2026-09-01")') == "表头在第 2 行：其上第 1 行未读取（“Exported 2026-09-01”）"
    monkeypatch.setattr(i18n, "current_language", lambda: "en")
    assert i18n.file_notes(notes) == notes


def test_the_taxonomy_editors_problems_read_in_chinese(monkeypatch, tmp_path):
    """The Taxonomy page showed "taxonomy: families.x.exclude: bad regular expression …" in English on the
    Chinese UI.  Each rule problem the editor can meet reads in Chinese; the names, patterns and values quoted stay."""
    from analysis.classify import load_taxonomy
    from analysis.errors import SettingsError
    from ui import i18n

    broken = [
        {"families": {"product_defect": {"exclude": "not a list"}}},
        {"families": {"product_defect": {"exclude": ["(unclosed"]}}},
        {"families": {"product_defect": {"exclude": ["(?P<x>a)"]}}},
        {"families": {"product_defect": {"patterns": {"strong": ["(?P<x>a)"]}}}},
        {"families": {"product_defect": {"patterns": {"loud": ["a"]}}}},
        {"families": {"product_defect": {"patterns": {"strong": "a"}}}},
        {"families": {"product_defect": {"patterns": ["a"]}}},
        {"dispositions": {"DAMAGED": {"no_such_family": 1.0}}},
        {"combinations": [{"reason": "DEFECTIVE", "family": "no_such_family"}]},
        {"reasons": {"DEFECTIVE": ["no_such_family", 1.0]}},
        {"safety": {"family": "no_such_family"}},
        {"safety": {"en": "fire"}},
        {"text_model": {"enabled": "yes"}},
        {"text_model": {"below_confidence": 2}},
        {"text_model": {"rules_weight": -1}},
        {"text_model": {"families": ["no_such_family"]}},
        {"text_model": {"file": 3}},
        {"text_model": "on"},
        {"text_model": {"high_stars": {"min_known": 2}}},
        {"text_model": {"high_stars": {"families": ["no_such_family"]}}},
        {"text_model": {"high_stars": {"file": 3}}},
        {"text_model": {"high_stars": {"enabled": "yes"}}},
        {"text_model": {"another": {"enabled": True}}},
        {"text_model": {"high_stars": {"deeper": {"file": "x.json"}}}},
    ]
    problems = []
    for over in broken:
        with pytest.raises(SettingsError) as err:
            load_taxonomy(overrides=over)
        problems.append(str(err.value))
    for text in ("[scoring]\n", "[families\n"):
        with pytest.raises(SettingsError) as err:
            load_taxonomy(text=text)
        problems.append(str(err.value))
    with pytest.raises(SettingsError) as err:
        load_taxonomy(tmp_path / "gone.toml")
    problems.append(str(err.value))
    assert len(problems) == 27
    monkeypatch.setattr(i18n, "current_language", lambda: "en")
    assert [i18n.error_text(p) for p in problems] == problems
    monkeypatch.setattr(i18n, "current_language", lambda: "zh")
    shown = [i18n.error_text(p) for p in problems]
    for english, said in zip(problems, shown):  # every one matched a translation; only names, patterns and values stay
        name, problem = english.split(": ", 1)
        assert i18n._translated_by(problem, i18n._FILE_PROBLEMS) is not None, english
        assert said.startswith(("分类规则：", "gone.toml：")), said
    assert shown[1] == "分类规则：families.product_defect.exclude：正则表达式 '(unclosed' 有误：missing ), unterminated subpattern at position 0"
    assert shown[4] == "分类规则：families.product_defect.patterns.loud：只能用 strong、any 或 weak"
    assert shown[7] == "分类规则：dispositions.DAMAGED 指定了不存在的分类 'no_such_family'"
    assert shown[13] == "分类规则：text_model.below_confidence 应是 0 到 1 之间的数，实际为 2"
    assert shown[14] == "分类规则：text_model.rules_weight 应是 0 到 10 之间的数，实际为 -1"
    assert shown[18] == "分类规则：text_model.high_stars.min_known 应是 0 到 1 之间的数，实际为 2"
    assert shown[22] == "分类规则：[text_model.another] 须指定自己的模型文件（file = ...）"
    assert shown[-1] == "gone.toml：找不到分类规则文件"
