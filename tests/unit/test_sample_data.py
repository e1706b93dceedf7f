"""The bundled sample data: deterministic, in Amazon's exact formats, with the planted causes.

Headers below are typed from shared/formats/AMAZON_FORMATS.md (not imported from the
generator), so a drift in the generator shows up here.
"""

from __future__ import annotations

import csv
import json
import re

import pandas as pd
import pytest

from sample_data.make_sample import FILES, generate, main

AMAZON_HEADERS = {
    # §1.1
    "fba_customer_returns.txt": "return-date	order-id	sku	asin	fnsku	product-name	quantity	"
    "fulfillment-center-id	detailed-disposition	reason	status	license-plate-number	customer-comments",
    # §6b
    "fba_customer_shipment_sales.txt": "shipment-date	sku	fnsku	asin	fulfillment-center-id	quantity	"
    "amazon-order-id	currency	item-price-per-unit	shipping-price	gift-wrap-price	ship-city	"
    "ship-state	ship-postal-code",
    # §2.1
    "fbm_returns.txt": "Order ID	Order date	Return request date	Return request status	Amazon RMA ID	"
    "Merchant RMA ID	Label type	Label cost	Currency code	Return carrier	Tracking ID	Label to be paid by	"
    "A-to-Z Claim	Is prime	ASIN	Merchant SKU	Item Name	Return quantity	Return Reason	In policy	"
    "Return type	Resolution	Invoice number	Return delivery date	Order Amount	Order quantity	"
    "SafeT Action reason	SafeT claim id	SafeT claim state	SafeT claim creation time	"
    "SafeT claim reimbursement amount	Refunded Amount",
    # §6.1
    "amazon_fulfilled_shipments.txt": "amazon-order-id	merchant-order-id	shipment-id	shipment-item-id	"
    "amazon-order-item-id	merchant-order-item-id	purchase-date	payments-date	shipment-date	"
    "reporting-date	buyer-email	buyer-name	buyer-phone-number	sku	product-name	quantity-shipped	"
    "currency	item-price	item-tax	shipping-price	shipping-tax	gift-wrap-price	gift-wrap-tax	"
    "ship-service-level	recipient-name	ship-address-1	ship-address-2	ship-address-3	ship-city	"
    "ship-state	ship-postal-code	ship-country	ship-phone-number	bill-address-1	bill-address-2	"
    "bill-address-3	bill-city	bill-state	bill-postal-code	bill-country	item-promotion-discount	"
    "ship-promotion-discount	carrier	tracking-number	estimated-arrival-date	fulfillment-center-id	"
    "fulfillment-channel	sales-channel",
    # §8.1
    "seller_feedback.txt": "Date	Rating	Comments	Response	Order ID	Rater Email",
    # §9.1
    "voc.csv": "Product name,ASIN,SKU,Condition,Fulfilled by,NCX rate,NCX orders,Total orders,"
    "Star rating,Return rate,Top NCX reason,Last updated,CX Health,Return Badge Displayed",
    # §4.1
    "reimbursements.txt": "approval-date	reimbursement-id	case-id	amazon-order-id	reason	sku	fnsku	"
    "asin	product-name	condition	currency-unit	amount-per-unit	amount-total	"
    "quantity-reimbursed-cash	quantity-reimbursed-inventory	quantity-reimbursed-total	"
    "original-reimbursement-id	original-reimbursement-type",
    # §3.1
    "inventory_ledger.txt": "Date	FNSKU	ASIN	MSKU	Title	Event Type	Reference ID	Quantity	"
    "Fulfillment Center	Disposition	Reason	Country	Reconciled Quantity	Unreconciled Quantity	"
    "Date and Time",
    # §5.1
    "replacements.txt": "shipment-date	sku	asin	fulfillment-center-id	original-fulfillment-center-id	"
    "quantity	replacement-reason-code	replacement-amazon-order-id	original-amazon-order-id",
    # §10 (tool-style)
    "reviews.csv": "Date,Rating,Title,Body,Variation,Verified,Helpful,ASIN",
}
LOT_HEADER = "SKU,FNSKU,批次号,供应商,线材批次,电池批次,包装版本,生产日期,入库单号"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
ALL_FILES = sorted(name for names in FILES.values() for name in names) + ["TRUTH.json"]


def _flat(path, encoding="utf-8"):
    return pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False,
                       encoding=encoding)


class _Sample:
    """The committed FBA files, joined once for the effect checks."""

    def __init__(self, folder):
        self.ship = _flat(folder / "fba_customer_shipment_sales.txt")
        self.ship["units"] = self.ship["quantity"].astype(int)
        self.returns = _flat(folder / "fba_customer_returns.txt")
        lots = pd.read_csv(folder / "lot_master.csv", encoding="utf-8-sig", dtype=str)
        self.lots = lots.set_index("SKU")
        self.unique = self.returns.drop_duplicates("license-plate-number")
        self.joined = self.unique.merge(
            self.ship, left_on=["order-id", "sku"], right_on=["amazon-order-id", "sku"],
            how="left", suffixes=("", "_shipped"), validate="many_to_one")

    def rate_ratio(self, reason, unit_key, in_level, disposition=None):
        """Returns per unit shipped, level vs the rest; `unit_key` maps a frame's rows to levels."""
        sel = self.joined["reason"] == reason
        if disposition:
            sel &= self.joined["detailed-disposition"] == disposition
        key_r = unit_key(self.joined)
        key_s = unit_key(self.ship)
        num_in, num_out = (sel & (key_r == in_level)).sum(), (sel & (key_r != in_level)).sum()
        den_in = self.ship.loc[key_s == in_level, "units"].sum()
        den_out = self.ship.loc[key_s != in_level, "units"].sum()
        return (num_in / den_in) / (num_out / den_out)


def _by_lot_column(sample, column):
    return lambda df: df["sku"].map(sample.lots[column])


def _shipping_fc(df):
    """The shipping FC: its own column in shipments, the joined column in returns."""
    if "fulfillment-center-id_shipped" in df:
        return df["fulfillment-center-id_shipped"]
    return df["fulfillment-center-id"]


@pytest.fixture(scope="module")
def sample(sample_dir):
    return _Sample(sample_dir)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("planted")
    truth = generate(out, seed=7, scenario="planted", scale=1.0)
    return out, truth


# ------------------------------------------------------------------ determinism
@pytest.mark.parametrize("name", ALL_FILES)
def test_regenerating_gives_the_committed_bytes(regenerated, sample_dir, name):
    out, _ = regenerated
    assert (out / name).read_bytes() == (sample_dir / name).read_bytes(), (
        f"{name} differs from the committed copy: rerun `python sample_data/make_sample.py`")


def test_truth_json_matches_the_returned_truth(regenerated):
    out, truth = regenerated
    assert json.loads((out / "TRUTH.json").read_text(encoding="utf-8")) == truth


# ---------------------------------------------------------------------- formats
@pytest.mark.parametrize("name", sorted(AMAZON_HEADERS))
def test_headers_are_exactly_amazons(sample_dir, name):
    encoding = "latin-1" if name == "seller_feedback.txt" else "utf-8"
    first = (sample_dir / name).read_bytes().decode(encoding).split("\n", 1)[0]
    assert first == AMAZON_HEADERS[name]


@pytest.mark.parametrize("name", sorted(n for n in AMAZON_HEADERS if n.endswith(".txt")))
def test_flat_files_are_tab_separated_rectangular_and_unquoted(sample_dir, name):
    encoding = "latin-1" if name == "seller_feedback.txt" else "utf-8"
    lines = (sample_dir / name).read_bytes().decode(encoding).split("\n")
    assert lines[-1] == "" and "\r" not in "".join(lines)
    width = lines[0].count("\t")
    assert all(line.count("\t") == width for line in lines[:-1])
    quoted = [line for line in lines if line.startswith('"') or '\t"' in line]
    assert not quoted, "flat files are never quoted"


def test_iso_dates_with_offset(sample):
    assert sample.ship["shipment-date"].str.match(ISO).all()
    assert sample.returns["return-date"].str.match(ISO).all()


def test_order_ids_are_3_7_7_and_unique_per_line(sample):
    assert sample.ship["amazon-order-id"].str.match(ORDER_ID).all()
    assert not sample.ship.duplicated(["amazon-order-id", "sku"]).any()
    assert sample.returns["order-id"].str.match(ORDER_ID).all()


def test_returns_link_to_shipments_by_order_id(sample):
    joined = sample.joined
    assert joined["amazon-order-id"].notna().all(), "every return finds its shipment line"
    lag = (pd.to_datetime(joined["return-date"]) - pd.to_datetime(joined["shipment-date"]))
    days = lag.dt.total_seconds() / 86400
    assert days.min() >= 3 and days.max() <= 40
    # the returns FC is the FC that processed the return, mostly not the shipping FC
    same = (joined["fulfillment-center-id"] == joined["fulfillment-center-id_shipped"]).mean()
    assert same < 0.2


def test_realism_details(sample, sample_dir):
    r = sample.returns
    dups = r[r.duplicated("license-plate-number", keep=False)]
    assert 0 < len(dups) < 0.02 * len(r)
    assert (dups.groupby("license-plate-number")["return-date"].nunique() == 2).all()
    empty = (r["customer-comments"] == "").mean()
    assert 0.3 < empty < 0.5
    comments = r["customer-comments"]
    assert comments.str.contains('"', regex=False).sum() >= 1
    assert comments.str.contains("右耳").sum() >= 1
    assert comments.map(lambda s: any(ord(ch) > 0xFFFF for ch in s)).sum() >= 1
    assert set(r["detailed-disposition"]) <= {"SELLABLE", "DAMAGED", "CUSTOMER_DAMAGED", "DEFECTIVE",
                                              "CARRIER_DAMAGED", "EXPIRED"}
    assert set(r["status"]) <= {"Unit returned to inventory", "Reimbursed", "Pending repackaging",
                                "Repackaged Successfully"}
    units = sample.ship["units"].sum()
    assert 40_000 <= units <= 60_000
    assert 0.02 < len(sample.unique) / units < 0.08


def test_other_reports_keep_their_own_conventions(sample_dir):
    fb = _flat(sample_dir / "seller_feedback.txt", encoding="latin-1")
    assert fb["Date"].str.match(r"^\d{1,2}/\d{1,2}/\d\d$").all()
    assert set(fb["Rating"].astype(int)) == {1, 2, 3, 4, 5}
    with pytest.raises(UnicodeDecodeError):
        (sample_dir / "seller_feedback.txt").read_bytes().decode("utf-8")
    ledger = _flat(sample_dir / "inventory_ledger.txt")
    assert ledger["Date"].str.match(r"^\d\d/\d\d/\d{4}$").all()
    assert ledger["Date and Time"].str.match(ISO).all()
    assert {"Receipts", "CustomerReturns", "Adjustments"} <= set(ledger["Event Type"])
    fbm = _flat(sample_dir / "fbm_returns.txt")
    assert fbm["Return Reason"].str.match(r"^(CR-[A-Z_]+|AMZ-PG-BAD-DESC)$").all()
    assert set(fbm["A-to-Z Claim"]) == {"Y", "N"}
    voc = pd.read_csv(sample_dir / "voc.csv", dtype=str, keep_default_na=False)
    assert voc["NCX rate"].str.match(r"^(\d+\.\d\d%|--)$").all()
    assert b'"SoundPeak' in (sample_dir / "voc.csv").read_bytes()
    reviews = pd.read_csv(sample_dir / "reviews.csv")
    assert set(reviews["Rating"]) == {1, 2, 3, 4, 5}


def test_lot_master_csv_and_xlsx_agree(sample_dir):
    raw = (sample_dir / "lot_master.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert raw[3:].decode("utf-8").split("\r\n", 1)[0] == LOT_HEADER
    from_csv = pd.read_csv(sample_dir / "lot_master.csv", encoding="utf-8-sig", dtype=str,
                           keep_default_na=False)
    assert from_csv["生产日期"].str.match(r"^2026/\d\d/\d\d$").all()
    from_xlsx = pd.read_excel(sample_dir / "lot_master.xlsx", dtype={"FNSKU": str})
    assert list(from_xlsx.columns) == LOT_HEADER.split(",")
    assert list(from_xlsx["SKU"]) == list(from_csv["SKU"])
    xlsx_dates = pd.to_datetime(from_xlsx["生产日期"]).dt.strftime("%Y/%m/%d")
    assert list(xlsx_dates) == list(from_csv["生产日期"])
    assert 15 <= from_csv["批次号"].nunique() <= 25
    # every FBA SKU sold is in the lot master: SKU -> lot is exact
    ship = _flat(sample_dir / "fba_customer_shipment_sales.txt")
    assert set(ship["sku"]) <= set(from_csv["SKU"])


# ---------------------------------------------------------------- planted causes
def test_truth_lists_the_planted_causes(sample_dir):
    truth = json.loads((sample_dir / "TRUTH.json").read_text(encoding="utf-8"))
    got = {(c["factor"], c["level"], c["family"]) for c in truth["causes"]}
    assert got == {
        ("cable_lot", "CB-2606", "product_defect"),
        ("fc_shipped", "SBD1", "warehouse_damage"),
        ("packaging_version", "PKG-V2", "shipping_damage"),
        ("asin", "B0DHK7Q5WT", "not_as_described"),
        ("battery_lot", "BT-2607", "product_defect"),
    }
    for cause in truth["causes"]:
        assert cause["symptom_terms"] and cause["observed"]["ratio"] > 1.5
    assert {c["factor"] for c in truth["confounders_not_to_report"]} == {"supplier", "lot"}


def test_planted_effects_show_in_raw_counts(sample):
    cable = sample.rate_ratio("DEFECTIVE", _by_lot_column(sample, "线材批次"), "CB-2606")
    assert cable > 3
    pkg = sample.rate_ratio("DAMAGED_BY_CARRIER", _by_lot_column(sample, "包装版本"), "PKG-V2")
    assert pkg > 2
    white = sample.rate_ratio("NOT_AS_DESCRIBED", lambda df: df["sku"].str[:11], "SPK-PRO-WHT")
    assert white > 4
    fc = sample.rate_ratio("DAMAGED_BY_FC", _shipping_fc, "SBD1", disposition="DAMAGED")
    assert fc > 5


def test_fc_damage_is_invisible_by_processing_fc(sample):
    """The returns' own FC column is the processing FC: only the shipment join shows SBD1."""
    j = sample.joined
    dmg = j[(j["reason"] == "DAMAGED_BY_FC") & (j["detailed-disposition"] == "DAMAGED")]
    share_processed = (dmg["fulfillment-center-id"] == "SBD1").mean()
    share_shipped = (dmg["fulfillment-center-id_shipped"] == "SBD1").mean()
    assert share_processed < 0.25
    assert share_shipped > 0.6


def test_listing_mismatch_is_even_across_the_white_lots(sample):
    white = sample.ship[sample.ship["sku"].str.startswith("SPK-PRO-WHT")]
    units = white.groupby("sku")["units"].sum()
    nad = sample.unique[sample.unique["reason"] == "NOT_AS_DESCRIBED"].groupby("sku").size()
    rates = (nad.reindex(units.index, fill_value=0) / units)
    assert rates.min() > 0.4 * rates.max()


def test_confounders_are_clean(sample):
    lots = sample.lots
    # supplier 瑞通科技 shares the bad cable lot; its other lots are normal
    clean = lots[(lots["线材批次"] != "CB-2606") & (lots["电池批次"] != "BT-2607")]
    clean_ship = sample.ship[sample.ship["sku"].isin(clean.index)]
    clean_defects = sample.joined[(sample.joined["reason"] == "DEFECTIVE")
                                  & sample.joined["sku"].isin(clean.index)]
    units = clean_ship.groupby(clean_ship["sku"].map(clean["供应商"]))["units"].sum()
    defects = clean_defects.groupby(clean_defects["sku"].map(clean["供应商"])).size()
    rates = defects / units
    assert rates["瑞通科技"] < 1.5 * rates.drop("瑞通科技").min()
    # lot L2605B ships mostly from SBD1 but, at SBD1, is no worse than the other lots
    at_sbd1 = sample.ship[sample.ship["fulfillment-center-id"] == "SBD1"]
    assert sample.ship.loc[sample.ship["sku"] == "SPK-PRO-BLK-L2605B", "fulfillment-center-id"].eq(
        "SBD1").mean() > 0.7
    j = sample.joined
    dmg = j[(j["reason"] == "DAMAGED_BY_FC") & (j["detailed-disposition"] == "DAMAGED")
            & (j["fulfillment-center-id_shipped"] == "SBD1")]
    is_lot = dmg["sku"] == "SPK-PRO-BLK-L2605B"
    lot_units = at_sbd1.loc[at_sbd1["sku"] == "SPK-PRO-BLK-L2605B", "units"].sum()
    other_units = at_sbd1.loc[at_sbd1["sku"] != "SPK-PRO-BLK-L2605B", "units"].sum()
    assert (is_lot.sum() / lot_units) < 2 * ((~is_lot).sum() / other_units)


def test_null_scenario_has_no_gap(tmp_path):
    truth = generate(tmp_path, seed=7, scenario="null", scale=1.0,
                     formats=["fba_returns", "fba_shipments", "lots"])
    assert truth["causes"] == [] and truth["confounders_not_to_report"] == []
    s = _Sample(tmp_path)
    assert s.rate_ratio("DEFECTIVE", _by_lot_column(s, "线材批次"), "CB-2606") < 2
    assert s.rate_ratio("DAMAGED_BY_CARRIER", _by_lot_column(s, "包装版本"), "PKG-V2") < 2
    assert s.rate_ratio("NOT_AS_DESCRIBED", lambda df: df["sku"].str[:11], "SPK-PRO-WHT") < 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "TRUTH.json", "fba_customer_returns.txt", "fba_customer_shipment_sales.txt",
        "lot_master.csv", "lot_master.xlsx"]


def test_cli_writes_a_small_sample(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--scale", "0.05", "--seed", "3"]) == 0
    assert "shipment lines" in capsys.readouterr().out
    assert all((tmp_path / name).exists() for name in ALL_FILES)
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--scenario", "nope"])  # argparse rejects it


def test_bad_arguments_are_rejected(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, scenario="nope")
    with pytest.raises(ValueError):
        generate(tmp_path, formats=["not_a_report"])
    with pytest.raises(ValueError):
        generate(tmp_path, scale=0)
