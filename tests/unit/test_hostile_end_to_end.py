"""Hostile comments through the whole CLI: nothing personal and nothing live comes out of any export."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from analysis.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
PII = {
    "email": "jane.doe+amz@example.com",
    "phone": "(415) 555-0132",
    "phone_cn": "138 0013 8000",
    "street": "1234 Elm Street",
    "name": "Johnathan Appleseed",
}
HOSTILE = [
    f"right earbud no sound. email me at {PII['email']} or call {PII['phone']}",
    f"right earbud no sound, ship the replacement to {PII['street']}, Apt 5B, Springfield, IL 62704",
    f"right earbud no sound!! Thanks, {PII['name']}",
    '=HYPERLINK("http://evil.example","right earbud no sound")',
    "+cmd|' /C calc'!A0 right earbud no sound",
    "@SUM(1+1) right earbud no sound",
    f"right earbud no sound 请联系我 {PII['phone_cn']} <script>alert(1)</script>",
    # the same contact in two complaints: counted as words, it made the terms "jane doe" and "example com"
    f"left earbud crackles, mail {PII['email']} or call {PII['phone']}",
    f"no sound from the right side, {PII['street']}, Apt 5B, Springfield, IL 62704",
]
#: what the contact details above become as words: no term table may list them
PII_WORDS = ("jane doe", "doe amz", "example com", "elm street", "appleseed", "555 0132", "0013 8000")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    lines = (SAMPLE / "fba_customer_returns.txt").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    # plant the hostile comments on defect returns of the bad cable lot's SKUs, where quotes are drawn from
    targets = [i for i, r in enumerate(rows) if "L2606A" in r and "\tDEFECTIVE\tDEFECTIVE\t" in r][: len(HOSTILE)]
    assert len(targets) == len(HOSTILE)
    for i, comment in zip(targets, HOSTILE):
        fields = rows[i].split("\t")
        fields[-1] = comment
        rows[i] = "\t".join(fields)
    returns = out / "returns.txt"
    returns.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    code = main(["report", "--returns", str(returns), "--shipments", str(SAMPLE / "fba_customer_shipment_sales.txt"), "--lots", str(SAMPLE / "lot_master.xlsx"), "--out", str(out / "report")])
    assert code == 0
    return out / "report"


def _texts(report: Path) -> dict[str, str]:
    """Every text the export wrote: md files, the docx's XML, every zip member."""
    out = {}
    for path in report.rglob("*"):
        if path.suffix in (".md", ".json", ".txt", ".csv", ".svg"):
            out[str(path)] = path.read_text(encoding="utf-8-sig", errors="replace")
        elif path.suffix in (".docx", ".zip"):
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    if not name.endswith((".png",)):
                        out[f"{path}:{name}"] = z.read(name).decode("utf-8", errors="replace")
    return out


def test_no_buyer_pii_in_any_output(report_dir):
    texts = _texts(report_dir)
    assert any("root_cause.docx" in k for k in texts) and any("evidence.zip" in k for k in texts)
    for where, text in texts.items():
        for kind, value in PII.items():
            assert value not in text, f"{kind} leaked into {where}"
        for words in PII_WORDS:
            assert words not in text.lower(), f"{words!r} leaked into {where}"


def test_no_live_formula_in_any_csv(report_dir):
    checked = 0
    for where, text in _texts(report_dir).items():
        if not where.endswith(".csv"):
            continue
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                checked += 1
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (where, cell)
                if cell.startswith("-"):
                    float(cell)  # only plain negative numbers may start with '-'
    assert checked > 1000


def test_markup_is_never_live_in_the_documents(report_dir):
    md = (report_dir / "root_cause.md").read_text(encoding="utf-8")
    assert "<script>" not in md
