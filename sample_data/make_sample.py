"""Generate realistic Amazon Seller Central exports with planted root causes.

One seller of wireless earbuds (three ASINs, one SKU per production lot) over
June-September 2026.  Every file follows the exact headers and value formats
of ``AMAZON_FORMATS.md`` (tab-separated, never quoted, for the flat files).
The simulation is seeded and vectorised with numpy, so the same seed gives the
same bytes, and ``scale=20`` (about a million shipment lines) runs in seconds.

Scenario ``"planted"`` hides five causes (see ``TRUTH.json`` / README.md):

1. cable/driver component lot ``CB-2606`` (lots of two suppliers): right
   earbud goes silent, DEFECTIVE returns about 5x baseline;
2. fulfilment centre ``SBD1`` damages units: DAMAGED_BY_FC returns with
   disposition DAMAGED (shipping FC, only visible through the shipment join),
   ledger adjustments ``E``/``P`` and ``Damaged_Warehouse`` reimbursements;
3. packaging version ``PKG-V2`` (lots produced from 2026-06-25 on): carrier
   damage about 3x, starting when the first PKG-V2 lot ships;
4. the white ASIN's listing claims noise cancelling: NOT_AS_DESCRIBED
   returns, spread evenly over that ASIN's lots;
5. battery lot ``BT-2607``: a weaker (about 2x) "drains fast" defect.

Scenario ``"null"`` has the same structure with none of them.

Usage::

    python sample_data/make_sample.py [--out DIR] [--seed N]
        [--scenario planted|null] [--scale F] [--formats all|kind,kind]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

__all__ = ["FILES", "generate", "main"]

# ---------------------------------------------------------------- calendar
PERIOD_START = date(2026, 6, 1)  # first ship day
PERIOD_END = date(2026, 9, 30)  # last ship day
REPORT_END = date(2026, 10, 31)  # returns / ledger / reimbursements pulled up to here
PKG_SWITCH = date(2026, 6, 25)  # lots produced from this day on use PKG-V2
AFS_FROM = date(2026, 9, 28)  # Amazon Fulfilled Shipments: the last three days only (size)
PRIME_DAYS = (date(2026, 7, 14), date(2026, 7, 15))
LABOR_DAY = date(2026, 9, 7)
VOC_UPDATED = "10/01/2026"
N_DAYS = (PERIOD_END - PERIOD_START).days + 1
T0 = np.datetime64("2026-06-01T00:00:00", "s")
DAY = 86400

#: report kind -> file name(s) written for it
FILES = {
    "fba_returns": ("fba_customer_returns.txt",),
    "fba_shipments": ("fba_customer_shipment_sales.txt",),
    "fbm_returns": ("fbm_returns.txt",),
    "fulfilled_shipments": ("amazon_fulfilled_shipments.txt",),
    "seller_feedback": ("seller_feedback.txt",),
    "voc": ("voc.csv",),
    "reimbursements": ("reimbursements.txt",),
    "ledger": ("inventory_ledger.txt",),
    "replacements": ("replacements.txt",),
    "reviews": ("reviews.csv",),
    "lots": ("lot_master.xlsx", "lot_master.csv"),
}

# ------------------------------------------------------------------ headers
H_FBA_RETURNS = (
    "return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity",
    "fulfillment-center-id", "detailed-disposition", "reason", "status",
    "license-plate-number", "customer-comments",
)
H_SHIPMENT_SALES = (
    "shipment-date", "sku", "fnsku", "asin", "fulfillment-center-id", "quantity",
    "amazon-order-id", "currency", "item-price-per-unit", "shipping-price",
    "gift-wrap-price", "ship-city", "ship-state", "ship-postal-code",
)
H_FBM_RETURNS = (
    "Order ID", "Order date", "Return request date", "Return request status",
    "Amazon RMA ID", "Merchant RMA ID", "Label type", "Label cost", "Currency code",
    "Return carrier", "Tracking ID", "Label to be paid by", "A-to-Z Claim", "Is prime",
    "ASIN", "Merchant SKU", "Item Name", "Return quantity", "Return Reason", "In policy",
    "Return type", "Resolution", "Invoice number", "Return delivery date", "Order Amount",
    "Order quantity", "SafeT Action reason", "SafeT claim id", "SafeT claim state",
    "SafeT claim creation time", "SafeT claim reimbursement amount", "Refunded Amount",
)
H_AFS = (
    "amazon-order-id", "merchant-order-id", "shipment-id", "shipment-item-id",
    "amazon-order-item-id", "merchant-order-item-id", "purchase-date", "payments-date",
    "shipment-date", "reporting-date", "buyer-email", "buyer-name", "buyer-phone-number",
    "sku", "product-name", "quantity-shipped", "currency", "item-price", "item-tax",
    "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax",
    "ship-service-level", "recipient-name", "ship-address-1", "ship-address-2",
    "ship-address-3", "ship-city", "ship-state", "ship-postal-code", "ship-country",
    "ship-phone-number", "bill-address-1", "bill-address-2", "bill-address-3",
    "bill-city", "bill-state", "bill-postal-code", "bill-country",
    "item-promotion-discount", "ship-promotion-discount", "carrier", "tracking-number",
    "estimated-arrival-date", "fulfillment-center-id", "fulfillment-channel",
    "sales-channel",
)
H_FEEDBACK = ("Date", "Rating", "Comments", "Response", "Order ID", "Rater Email")
H_VOC = (
    "Product name", "ASIN", "SKU", "Condition", "Fulfilled by", "NCX rate", "NCX orders",
    "Total orders", "Star rating", "Return rate", "Top NCX reason", "Last updated",
    "CX Health", "Return Badge Displayed",
)
H_REIMBURSEMENTS = (
    "approval-date", "reimbursement-id", "case-id", "amazon-order-id", "reason", "sku",
    "fnsku", "asin", "product-name", "condition", "currency-unit", "amount-per-unit",
    "amount-total", "quantity-reimbursed-cash", "quantity-reimbursed-inventory",
    "quantity-reimbursed-total", "original-reimbursement-id", "original-reimbursement-type",
)
H_LEDGER = (
    "Date", "FNSKU", "ASIN", "MSKU", "Title", "Event Type", "Reference ID", "Quantity",
    "Fulfillment Center", "Disposition", "Reason", "Country", "Reconciled Quantity",
    "Unreconciled Quantity", "Date and Time",
)
H_REPLACEMENTS = (
    "shipment-date", "sku", "asin", "fulfillment-center-id",
    "original-fulfillment-center-id", "quantity", "replacement-reason-code",
    "replacement-amazon-order-id", "original-amazon-order-id",
)
H_REVIEWS = ("Date", "Rating", "Title", "Body", "Variation", "Verified", "Helpful", "ASIN")
#: lot master as a Chinese seller keeps it: mixed Chinese / English headers
H_LOTS = ("SKU", "FNSKU", "批次号", "供应商", "线材批次", "电池批次", "包装版本", "生产日期", "入库单号")
#: what each lot-master header means in the workbench's vocabulary
LOT_COLUMN_MEANING = {
    "SKU": "sku", "FNSKU": "fnsku", "批次号": "lot", "供应商": "supplier",
    "线材批次": "cable_lot", "电池批次": "battery_lot", "包装版本": "packaging_version",
    "生产日期": "production_date", "入库单号": "inbound_shipment_id",
}

# ----------------------------------------------------------------- products
@dataclass(frozen=True)
class _Product:
    key: str
    asin: str
    sku_prefix: str
    name: str
    price: float
    deal_price: float
    variation: str
    daily_lines: float  # expected shipment lines per day at scale 1
    reimburse_per_unit: float


PRODUCTS = (
    _Product("BLK", "B0DHK7Q2MX", "SPK-PRO-BLK",
             "SoundPeak Pro Wireless Earbuds, Bluetooth 5.3 Headphones with Charging Case, Black",
             39.99, 29.99, "Color: Black", 170.0, 27.84),
    _Product("WHT", "B0DHK7Q5WT", "SPK-PRO-WHT",
             "SoundPeak Pro Wireless Earbuds, Active Noise Cancelling, Bluetooth 5.3, White",
             39.99, 29.99, "Color: White", 102.0, 27.84),
    _Product("KID", "B0DHK9KD3Z", "SPK-KID-BLU",
             "SoundPeak Kids Wireless Earbuds, 85dB Volume Limited, Blue",
             24.99, 19.99, "Color: Blue", 68.0, 17.36),
)
LISTING_PRODUCT = 1  # the white ASIN's title claims noise cancelling

SUPPLIERS = {"S1": "华信电子", "S2": "瑞通科技", "S3": "凯悦声学"}
SUPPLIERS_EN = {"S1": "Huaxin Electronics", "S2": "Ruitong Technology", "S3": "Kaiyue Acoustics"}

SHIP_FCS = ("PHX7", "LGB8", "SBD1", "TEB3", "ONT8", "MDW2")
RETURN_FCS = ("ONT8", "MDW2", "TEB3", "PHX7", "LGB8", "SBD1", "IND9", "CLT2")
RETURN_FC_WEIGHTS = (0.15, 0.14, 0.14, 0.12, 0.12, 0.09, 0.12, 0.12)
#: local UTC offset (hours) in June-October (daylight saving; Arizona has none)
FC_UTC_OFFSET = {"PHX7": -7, "LGB8": -7, "SBD1": -7, "ONT8": -7, "TEB3": -4,
                 "MDW2": -5, "IND9": -4, "CLT2": -4}
BAD_FC = "SBD1"
BAD_CABLE = "CB-2606"
BAD_BATTERY = "BT-2607"
BAD_PACKAGING = "PKG-V2"
SPILL_SHARE = 0.05  # units shipped from an FC the lot was transferred to

# product, production date, supplier, cable/driver lot, battery lot, inbound FC shares
_LOT_SPECS = (
    ("BLK", date(2026, 4, 10), "S1", "CB-2603", "BT-2604", {"PHX7": 0.8, "LGB8": 0.2}),
    ("BLK", date(2026, 4, 27), "S2", "CB-2604", "BT-2604", {"ONT8": 0.7, "TEB3": 0.3}),
    ("BLK", date(2026, 5, 13), "S1", "CB-2604", "BT-2605", {"SBD1": 0.85, "PHX7": 0.15}),
    ("BLK", date(2026, 5, 29), "S2", "CB-2605", "BT-2605", {"MDW2": 0.6, "SBD1": 0.4}),
    ("BLK", date(2026, 6, 12), "S1", "CB-2606", "BT-2605", {"LGB8": 0.7, "SBD1": 0.3}),
    ("BLK", date(2026, 7, 1), "S2", "CB-2606", "BT-2606", {"TEB3": 0.75, "ONT8": 0.25}),
    ("BLK", date(2026, 7, 16), "S1", "CB-2607", "BT-2607", {"PHX7": 0.6, "MDW2": 0.4}),
    ("BLK", date(2026, 8, 1), "S2", "CB-2607", "BT-2608", {"SBD1": 0.5, "ONT8": 0.5}),
    ("BLK", date(2026, 8, 15), "S1", "CB-2608", "BT-2608", {"LGB8": 0.7, "TEB3": 0.3}),
    ("WHT", date(2026, 4, 16), "S3", "CB-2604", "BT-2604", {"TEB3": 0.8, "MDW2": 0.2}),
    ("WHT", date(2026, 5, 8), "S1", "CB-2604", "BT-2605", {"LGB8": 0.7, "SBD1": 0.3}),
    ("WHT", date(2026, 5, 30), "S3", "CB-2605", "BT-2605", {"ONT8": 0.8, "PHX7": 0.2}),
    ("WHT", date(2026, 6, 22), "S1", "CB-2606", "BT-2606", {"PHX7": 0.7, "SBD1": 0.3}),
    ("WHT", date(2026, 7, 14), "S3", "CB-2607", "BT-2607", {"MDW2": 0.7, "TEB3": 0.3}),
    ("WHT", date(2026, 8, 6), "S3", "CB-2607", "BT-2608", {"ONT8": 0.6, "LGB8": 0.4}),
    ("KID", date(2026, 4, 20), "S3", "CB-2604", "BT-2604", {"MDW2": 0.8, "TEB3": 0.2}),
    ("KID", date(2026, 5, 25), "S2", "CB-2605", "BT-2605", {"PHX7": 0.7, "ONT8": 0.3}),
    ("KID", date(2026, 6, 28), "S3", "CB-2605", "BT-2606", {"TEB3": 0.7, "LGB8": 0.3}),
    ("KID", date(2026, 7, 30), "S2", "CB-2607", "BT-2606", {"LGB8": 0.6, "SBD1": 0.4}),
    ("KID", date(2026, 8, 20), "S3", "CB-2608", "BT-2608", {"TEB3": 0.6, "PHX7": 0.4}),
)
SBD1_CONFOUNDER_SPEC = 2  # index in _LOT_SPECS: the lot inbounded mostly to SBD1
FBM_LOT_SPECS = (3, 4, 11)  # lots the seller also keeps in its own warehouse (FBM)

# ------------------------------------------------------------- comment pools
RIGHT_BUD = (
    "right earbud no sound",
    "Right side stopped working after a week",
    "no sound from the right bud",
    "Right earbud has no sound at all, left one is fine",
    "right side stopped working after a week of light use",
    "The right earbud went silent after 5 days",
    "No sound from the right bud even after a reset",
    "right earbud connects but no sound",
    "Right earbud crackles and then no sound",
    "only the left one plays, right earbud no sound",
)
BATTERY = (
    "battery drains fast",
    "won't hold a charge",
    "Battery drains fast even in the case",
    "earbuds won't hold a charge for more than an hour",
    "charging case battery drains overnight",
    "Won't hold a charge after the first week",
    "battery life nowhere near 30 hours, drains fast",
)
FC_DAMAGE = (
    "charging case scratched and dented but box fine",
    "Charging case scratched and dented, box was fine",
    "case is dented and scratched but the shipping box was fine",
    "charging case dented, box fine",
    "scratched charging case, looks used, box fine",
    "lid of the charging case dented but box fine",
)
TRANSIT = (
    "box crushed",
    "case cracked in transit",
    "Box crushed and the charging case cracked",
    "arrived with the box crushed, case cracked in transit",
    "package crushed, case hinge cracked",
    "retail box crushed, case cracked",
)
LISTING = (
    "listing says noise cancelling but there is none",
    "No noise cancelling at all",
    "listing says noise cancelling but there is none, I hear everything",
    "not noise cancelling as advertised",
    "Title says active noise cancelling, there is no ANC mode",
    "bought them for the noise cancelling, there is none",
)
DEFECT = (
    "won't pair with my phone",
    "left earbud keeps disconnecting",
    "stopped charging",
    "one earbud won't turn on",
    "Bluetooth keeps dropping",
    "crackling noise in both ears",
    "case won't charge the earbuds",
    "mic does not work on calls",
)
QUALITY = (
    "bass is weak",
    "uncomfortable fit",
    "Bass is weak and the sound is tinny",
    "uncomfortable fit, hurts after 20 minutes",
    "falls out of my ears when running",
    "sound quality is mediocre",
    "mic quality is poor, people can't hear me",
    "touch controls too sensitive",
)
CARRIER = ("box was damaged when it arrived", "shipping box crushed, case scuffed",
           "Arrived damaged", "package torn open")
DAMAGED_BOX_OK = ("case has a crack, box ok", "earbud scuffed out of the box",
                  "product damaged but box ok", "arrived with a scratch on the case")
NAD = ("not what the pictures show", "color is different from the photo",
       "smaller than described")
INCOMPATIBLE = ("doesn't work with my laptop", "not compatible with my old android",
                "does not connect to my tv", "can't use it with my PS5")
MISSING = ("no charging cable in the box", "missing ear tips", "no USB-C cable included",
           "missing the small ear tips")
WRONG = ("received a different brand", "got the white one instead of black",
         "wrong item sent", "box had a different model inside")
REMORSE = ("no longer needed", "changed my mind", "gift not needed",
           "don't need them anymore", "bought another pair")
PRICE = ("found cheaper", "cheaper at another store", "price dropped after I bought",
         "found a better price")
MISTAKE = ("bought by mistake", "ordered the wrong color", "meant to order the kids version",
           "ordered twice by accident")
LATE = ("arrived too late", "took too long, bought elsewhere")
NOT_RECEIVED = ("never arrived",)
UNAUTHORIZED = ("my kid ordered this", "didn't order this")
OTHER = ("other", "see notes", "not as expected")

# the odd comments real files contain, planted once each
ODD_COMMENTS = {
    "cable_right_bud": "右耳没有声音",
    "listing_anc": 'box says "noise cancelling" but it is not',
    "defect": "stopped working after 6 days \U0001F621",
}


@dataclass(frozen=True)
class _Cause:
    key: str
    family: str
    reasons: tuple  # ((FBA reason code, probability), ...)
    base_rate: float  # complaints per unit, everywhere
    planted: str | None  # indicator name for a planted cause
    planted_rate: float  # extra complaints per unit where the indicator is true
    dispositions: tuple  # ((detailed-disposition, probability), ...)
    comment_prob: float
    comments: tuple
    replacement_code: int | None
    extra_lag: float  # days: failures show up later than remorse


def _c(key, family, reasons, base, planted, prate, disp, cprob, pool, repl, lag=0.0):
    return _Cause(key, family, tuple(reasons.items()), base, planted, prate,
                  tuple(disp.items()), cprob, pool, repl, lag)


CAUSES = (
    # planted causes (rate 0 in the null scenario)
    _c("cable_right_bud", "product_defect", {"DEFECTIVE": 1.0}, 0.0, "cable", 0.022,
       {"DEFECTIVE": 0.86, "SELLABLE": 0.08, "CUSTOMER_DAMAGED": 0.06}, 0.8, RIGHT_BUD, 2, 6.0),
    _c("battery_drain", "product_defect", {"DEFECTIVE": 0.7, "QUALITY_UNACCEPTABLE": 0.3},
       0.0, "battery", 0.008, {"DEFECTIVE": 0.7, "SELLABLE": 0.2, "CUSTOMER_DAMAGED": 0.1},
       0.8, BATTERY, 2, 8.0),
    _c("fc_damage_site", "warehouse_damage", {"DAMAGED_BY_FC": 1.0}, 0.0, "fc", 0.010,
       {"DAMAGED": 0.85, "DEFECTIVE": 0.10, "CUSTOMER_DAMAGED": 0.05}, 0.8, FC_DAMAGE, 10),
    _c("pkg_transit", "shipping_damage", {"DAMAGED_BY_CARRIER": 1.0}, 0.0, "pkg", 0.007,
       {"CARRIER_DAMAGED": 0.8, "CUSTOMER_DAMAGED": 0.12, "DEFECTIVE": 0.08}, 0.8, TRANSIT, 3),
    _c("listing_anc", "not_as_described", {"NOT_AS_DESCRIBED": 1.0}, 0.0, "listing", 0.011,
       {"SELLABLE": 0.88, "CUSTOMER_DAMAGED": 0.12}, 0.8, LISTING, 7),
    # baseline, everywhere
    _c("defect", "product_defect", {"DEFECTIVE": 1.0}, 0.005, None, 0.0,
       {"DEFECTIVE": 0.8, "SELLABLE": 0.12, "CUSTOMER_DAMAGED": 0.08}, 0.65, DEFECT, 2, 3.0),
    _c("warranty", "product_defect", {"WARRANTY": 1.0}, 0.0003, None, 0.0,
       {"DEFECTIVE": 0.8, "SELLABLE": 0.2}, 0.5, DEFECT, 2, 10.0),
    _c("quality", "quality_expectation", {"QUALITY_UNACCEPTABLE": 1.0}, 0.007, None, 0.0,
       {"SELLABLE": 0.55, "DEFECTIVE": 0.3, "CUSTOMER_DAMAGED": 0.15}, 0.65, QUALITY, None),
    _c("carrier", "shipping_damage", {"DAMAGED_BY_CARRIER": 1.0}, 0.003, None, 0.0,
       {"CARRIER_DAMAGED": 0.6, "CUSTOMER_DAMAGED": 0.25, "DEFECTIVE": 0.15}, 0.6, CARRIER, 3),
    _c("fc_damage", "warehouse_damage", {"DAMAGED_BY_FC": 1.0}, 0.0012, None, 0.0,
       {"DEFECTIVE": 0.35, "CUSTOMER_DAMAGED": 0.35, "DAMAGED": 0.2, "SELLABLE": 0.1}, 0.5,
       DAMAGED_BOX_OK, 10),
    _c("nad", "not_as_described", {"NOT_AS_DESCRIBED": 1.0}, 0.0012, None, 0.0,
       {"SELLABLE": 0.85, "CUSTOMER_DAMAGED": 0.15}, 0.5, NAD, 7),
    _c("incompatible", "not_as_described", {"NOT_COMPATIBLE": 1.0}, 0.0018, None, 0.0,
       {"SELLABLE": 0.8, "CUSTOMER_DAMAGED": 0.2}, 0.5, INCOMPATIBLE, None),
    _c("missing", "missing_parts", {"MISSING_PARTS": 1.0}, 0.001, None, 0.0,
       {"CUSTOMER_DAMAGED": 0.5, "SELLABLE": 0.3, "DEFECTIVE": 0.2}, 0.6, MISSING, 5),
    _c("wrong_item", "wrong_item", {"SWITCHEROO": 1.0}, 0.0004, None, 0.0,
       {"SELLABLE": 0.6, "CUSTOMER_DAMAGED": 0.4}, 0.6, WRONG, 4),
    _c("unwanted", "remorse", {"UNWANTED_ITEM": 1.0}, 0.010, None, 0.0,
       {"SELLABLE": 0.78, "CUSTOMER_DAMAGED": 0.22}, 0.5, REMORSE, None),
    _c("price", "remorse", {"FOUND_BETTER_PRICE": 1.0}, 0.003, None, 0.0,
       {"SELLABLE": 0.8, "CUSTOMER_DAMAGED": 0.2}, 0.5, PRICE, None),
    _c("mistake", "remorse", {"ORDERED_WRONG_ITEM": 0.7, "MISORDERED": 0.3}, 0.0035, None, 0.0,
       {"SELLABLE": 0.85, "CUSTOMER_DAMAGED": 0.15}, 0.15, MISTAKE, None),
    _c("no_reason", "remorse", {"NO_REASON_GIVEN": 1.0}, 0.0015, None, 0.0,
       {"SELLABLE": 0.8, "CUSTOMER_DAMAGED": 0.2}, 0.0, (), None),
    _c("unauthorized", "other", {"UNAUTHORIZED_PURCHASE": 1.0}, 0.0003, None, 0.0,
       {"SELLABLE": 0.9, "CUSTOMER_DAMAGED": 0.1}, 0.1, UNAUTHORIZED, None),
    _c("late", "not_received", {"MISSED_ESTIMATED_DELIVERY": 1.0}, 0.0005, None, 0.0,
       {"SELLABLE": 1.0}, 0.4, LATE, None),
    _c("undeliverable", "not_received",
       {"UNDELIVERABLE_REFUSED": 0.5, "UNDELIVERABLE_UNKNOWN": 0.25, "NEVER_ARRIVED": 0.25},
       0.0008, None, 0.0, {"SELLABLE": 0.9, "CARRIER_DAMAGED": 0.1}, 0.1, NOT_RECEIVED, 1),
    _c("other", "other", {"OTHER": 1.0}, 0.0004, None, 0.0,
       {"SELLABLE": 0.7, "CUSTOMER_DAMAGED": 0.3}, 0.4, OTHER, None),
)
CAUSE_INDEX = {c.key: i for i, c in enumerate(CAUSES)}
#: families Amazon counts in NCX (product and listing issues, not delivery or remorse)
NCX_FAMILIES = {"product_defect", "quality_expectation", "not_as_described", "missing_parts",
                "shipping_damage", "warehouse_damage", "wrong_item"}
REPLACEMENT_SHARE = 0.12  # complaints settled by a free replacement instead of a return
DUPLICATE_SHARE = 0.006  # return rows Amazon re-posts with another return-date

#: customer-facing reason wording shown by VoC (AMAZON_FORMATS.md §1.4)
REASON_LABEL = {
    "DEFECTIVE": "Item defective or doesn't work",
    "WARRANTY": "Item defective or doesn't work",
    "QUALITY_UNACCEPTABLE": "Performance or quality not adequate",
    "NOT_AS_DESCRIBED": "Inaccurate website description",
    "NOT_COMPATIBLE": "Incompatible or not useful",
    "MISSING_PARTS": "Missing parts or accessories",
    "DAMAGED_BY_CARRIER": "Product and shipping box both damaged",
    "DAMAGED_BY_FC": "Product damaged, but shipping box OK",
    "SWITCHEROO": "Wrong item was sent",
}

CITIES = (  # city, state, first zip, weight
    ("NEW YORK", "NY", 10001, 6), ("BROOKLYN", "NY", 11201, 4), ("LOS ANGELES", "CA", 90001, 6),
    ("CHICAGO", "IL", 60601, 5), ("HOUSTON", "TX", 77001, 4), ("PHOENIX", "AZ", 85001, 3),
    ("PHILADELPHIA", "PA", 19102, 3), ("SAN ANTONIO", "TX", 78201, 2), ("SAN DIEGO", "CA", 92101, 3),
    ("DALLAS", "TX", 75201, 3), ("AUSTIN", "TX", 78701, 3), ("JACKSONVILLE", "FL", 32202, 2),
    ("COLUMBUS", "OH", 43201, 2), ("CHARLOTTE", "NC", 28202, 2), ("INDIANAPOLIS", "IN", 46201, 2),
    ("SEATTLE", "WA", 98101, 3), ("DENVER", "CO", 80202, 3), ("BOSTON", "MA", 2108, 3),
    ("NASHVILLE", "TN", 37201, 2), ("PORTLAND", "OR", 97201, 2), ("LAS VEGAS", "NV", 89101, 2),
    ("ATLANTA", "GA", 30303, 3), ("MIAMI", "FL", 33101, 3), ("MINNEAPOLIS", "MN", 55401, 2),
    ("NEWARK", "NJ", 7102, 2), ("SACRAMENTO", "CA", 95814, 2), ("KANSAS CITY", "MO", 64105, 1),
    ("RALEIGH", "NC", 27601, 2), ("OMAHA", "NE", 68102, 1), ("TUCSON", "AZ", 85701, 1),
    ("ORLANDO", "FL", 32801, 2), ("SALT LAKE CITY", "UT", 84101, 1), ("MADISON", "WI", 53703, 1),
    ("ANCHORAGE", "AK", 99501, 1), ("HONOLULU", "HI", 96813, 1), ("SPOKANE", "WA", 99201, 1),
)
STATE_TAX = {"NY": 0.08875, "CA": 0.0925, "IL": 0.1025, "TX": 0.0825, "AZ": 0.086,
             "PA": 0.06, "FL": 0.07, "OH": 0.0725, "NC": 0.0725, "IN": 0.07, "WA": 0.101,
             "CO": 0.0881, "MA": 0.0625, "TN": 0.0925, "OR": 0.0, "NV": 0.08375, "GA": 0.089,
             "MN": 0.0803, "NJ": 0.06625, "MO": 0.0886, "NE": 0.07, "UT": 0.0775, "WI": 0.055,
             "AK": 0.0, "HI": 0.045}

_ALNUM_UP = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"))
_ALNUM_MIXED = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"))
_DIGITS = np.array(list("0123456789"))


# =================================================================== helpers
def _rng(seed: int, stage: int) -> np.random.Generator:
    """An independent stream per stage, so changing one stage leaves the others alone."""
    return np.random.default_rng([seed, stage])


def _tokens(rng, n, length, alphabet=_ALNUM_UP, prefix="", suffix=""):
    """n random strings of `length` characters from `alphabet` (vectorised)."""
    if n == 0:
        return []
    chars = alphabet[rng.integers(0, len(alphabet), size=(n, length))].astype(f"<U1")
    words = np.ascontiguousarray(chars).view(f"<U{length}").ravel()
    if prefix or suffix:
        words = np.strings.add(np.strings.add(prefix, words), suffix)
    return words.tolist()


def _unique_ints(rng, n, low, high):
    """n distinct random integers in [low, high), in random order."""
    out = np.empty(0, dtype=np.int64)
    while len(out) < n:
        draw = rng.integers(low, high, size=int((n - len(out)) * 1.05) + 16, dtype=np.int64)
        merged = np.concatenate([out, draw])
        _, first = np.unique(merged, return_index=True)
        out = merged[np.sort(first)]
    return out[:n]


def _zfill(values, width):
    return np.strings.zfill(np.asarray(values, dtype=np.int64).astype(str), width)


def _order_keys(rng, n):
    """n unique order ids as int64 keys: first block * 10**14 + second * 10**7 + third."""
    p1 = rng.choice(np.array([111, 112, 113, 114], dtype=np.int64), size=n,
                    p=[0.3, 0.3, 0.25, 0.15])
    return p1 * 10**14 + _unique_ints(rng, n, 0, 10**14)


def _order_text(keys):
    """int64 keys -> '113-2355691-4739435' (vectorised)."""
    keys = np.asarray(keys, dtype=np.int64)
    out = np.strings.add((keys // 10**14).astype(str), "-")
    out = np.strings.add(out, _zfill(keys // 10**7 % 10**7, 7))
    return np.strings.add(np.strings.add(out, "-"), _zfill(keys % 10**7, 7))


def _iso(seconds, offset_hours=0):
    """Seconds since 2026-06-01T00:00Z -> '2026-06-01T04:11:52+00:00' (vectorised)."""
    seconds = np.asarray(seconds, dtype=np.int64)
    if np.ndim(offset_hours) == 0:
        local = T0 + (seconds + int(offset_hours) * 3600).astype("timedelta64[s]")
        text = np.datetime_as_string(local, unit="s")
        return np.strings.add(text, _offset_text(int(offset_hours)))
    off = np.asarray(offset_hours, dtype=np.int64)
    local = T0 + (seconds + off * 3600).astype("timedelta64[s]")
    text = np.datetime_as_string(local, unit="s")
    return np.strings.add(text, np.array([_offset_text(int(h)) for h in off], dtype="<U6"))


def _offset_text(hours):
    return f"{'+' if hours >= 0 else '-'}{abs(hours):02d}:00"


def _day_of(d: date) -> int:
    return (d - PERIOD_START).days


def _date_of(day: int) -> date:
    return PERIOD_START + timedelta(days=int(day))


def _money(values):
    return [f"{v:.2f}" for v in np.round(np.asarray(values, dtype=float), 2)]


def _pick(rng, n, pairs):
    """n draws from ((value, probability), ...) -> array of indices into pairs."""
    p = np.array([w for _, w in pairs], dtype=float)
    return rng.choice(len(pairs), size=n, p=p / p.sum())


def _write_flat(path: Path, header, columns, *, sep="\t", encoding="utf-8", newline="\n"):
    """Write a never-quoted delimited file from equal-length columns of str."""
    cols = [c if isinstance(c, list) else list(c) for c in columns]
    n = len(cols[0]) if cols else 0
    assert all(len(c) == n for c in cols), "ragged columns"
    body = newline.join(map(sep.join, zip(*cols)))
    text = sep.join(header) + newline + (body + newline if n else "")
    path.write_bytes(text.encode(encoding))


def _write_csv(path: Path, header, rows, *, encoding="utf-8", newline="\n"):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


# ====================================================================== lots
def _build_lots(seed):
    rng = _rng(seed, 1)
    n = len(_LOT_SPECS)
    pidx = {p.key: i for i, p in enumerate(PRODUCTS)}
    order = sorted(range(n), key=lambda i: (_LOT_SPECS[i][1], pidx[_LOT_SPECS[i][0]]))
    letters, per_month = {}, {}
    for i in order:
        month = _LOT_SPECS[i][1].strftime("%y%m")
        k = per_month.get(month, 0)
        per_month[month] = k + 1
        letters[i] = f"L{month}{'ABCDEFGH'[k]}"
    transit = rng.integers(30, 37, size=n)
    fnskus = _tokens(rng, n, 7, prefix="X00")
    inbound = _tokens(rng, n, 7, prefix="FBA15")
    lots = []
    for i, (pkey, prod, sup, cable, battery, shares) in enumerate(_LOT_SPECS):
        product = PRODUCTS[pidx[pkey]]
        receive = prod + timedelta(days=int(transit[i]))
        lots.append(dict(
            index=i, product=pidx[pkey], lot=letters[i],
            sku=f"{product.sku_prefix}-{letters[i]}", fnsku=fnskus[i],
            supplier_key=sup, supplier=SUPPLIERS[sup], cable=cable, battery=battery,
            packaging=BAD_PACKAGING if prod >= PKG_SWITCH else "PKG-V1",
            production=prod, receive=receive, receive_day=_day_of(receive),
            inbound=inbound[i], shares=shares,
        ))
    return lots


# ================================================================ shipments
def _demand_factor():
    days = np.arange(N_DAYS)
    weekday = np.array([_date_of(d).weekday() for d in days])
    factor = np.array([1.0, 0.97, 0.95, 0.98, 1.02, 1.06, 1.02])[weekday]
    factor = factor * (1.0 + 0.15 * days / (N_DAYS - 1))
    for d, f in ((PRIME_DAYS[0], 2.8), (PRIME_DAYS[1], 2.6), (PRIME_DAYS[1] + timedelta(1), 1.4),
                 (LABOR_DAY, 1.3)):
        factor[_day_of(d)] *= f
    return factor


def _lot_weights(lots, product):
    """days x lots selling weight: a new lot ramps up, the previous one sells out."""
    mine = [lt for lt in lots if lt["product"] == product]
    mine.sort(key=lambda lt: lt["receive_day"])
    days = np.arange(N_DAYS)[:, None].astype(float)
    r = np.array([lt["receive_day"] for lt in mine], dtype=float)[None, :]
    nxt = np.append(r[0, 1:], np.inf)[None, :]
    w = np.clip((days - r + 1.0) / 4.0, 0.0, 1.0)
    w = w * np.exp(-np.clip(days - nxt, 0.0, None) / 7.0)
    return np.array([lt["index"] for lt in mine]), w


def _simulate_shipments(seed, lots, scale):
    rng = _rng(seed, 2)
    factor = _demand_factor()
    expected = np.outer(factor, [p.daily_lines for p in PRODUCTS]) * scale
    counts = rng.poisson(expected)  # days x products
    day = np.repeat(np.repeat(np.arange(N_DAYS), len(PRODUCTS)), counts.ravel())
    product = np.repeat(np.tile(np.arange(len(PRODUCTS)), N_DAYS), counts.ravel())
    n = len(day)
    sec = rng.integers(0, DAY, size=n)
    order = np.lexsort((sec, day))
    day, product, sec = day[order], product[order], sec[order]
    ts = day.astype(np.int64) * DAY + sec
    qty = np.where(rng.random(n) < 0.07, 2, 1)

    lot = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for p in range(len(PRODUCTS)):
        mask = product == p
        idx, w = _lot_weights(lots, p)
        cw = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
        rows = cw[day[mask]]
        pick = (u[mask][:, None] >= rows).sum(axis=1)
        lot[mask] = idx[np.minimum(pick, len(idx) - 1)]

    share = np.zeros((len(lots), len(SHIP_FCS)))
    for lt in lots:
        for fc, s in lt["shares"].items():
            share[lt["index"], SHIP_FCS.index(fc)] = s
    cw = np.cumsum(share, axis=1)
    fc = (rng.random(n)[:, None] >= cw[lot]).sum(axis=1)
    spill = rng.random(n) < SPILL_SHARE
    fc = np.where(spill, rng.integers(0, len(SHIP_FCS), size=n), fc)
    fc = np.minimum(fc, len(SHIP_FCS) - 1)

    # a few orders hold two different products (one order id, two lines)
    order_keys = _order_keys(rng, n)
    pair = np.zeros(n, dtype=bool)
    pair[0:n - 1:2] = rng.random(len(range(0, n - 1, 2))) < 0.03
    pair &= np.append(product[1:] != product[:-1], False)
    pair &= np.append(day[1:] == day[:-1], False)
    follower = np.flatnonzero(pair) + 1
    order_keys[follower] = order_keys[follower - 1]
    ts[follower] = ts[follower - 1]

    city_w = np.array([c[3] for c in CITIES], dtype=float)
    city = rng.choice(len(CITIES), size=n, p=city_w / city_w.sum())
    zips = np.array([c[2] for c in CITIES])[city] + rng.integers(0, 40, size=n)
    deal = np.isin(day, [_day_of(d) for d in PRIME_DAYS])
    gift = rng.random(n) < 0.004
    return dict(n=n, day=day, ts=ts, product=product, lot=lot, fc=fc, qty=qty,
                order_key=order_keys, order_id=_order_text(order_keys), city=city, zip=_zfill(zips, 5), deal=deal, gift=gift)


# =============================================================== complaints
def _indicators(lots, lot, product, fc, planted):
    """unit -> bool per planted indicator (all False in the null scenario)."""
    n = len(lot)
    if not planted:
        f = np.zeros(n, dtype=bool)
        return dict(cable=f, battery=f, pkg=f, fc=f, listing=f)
    cable = np.array([lt["cable"] == BAD_CABLE for lt in lots])
    battery = np.array([lt["battery"] == BAD_BATTERY for lt in lots])
    pkg = np.array([lt["packaging"] == BAD_PACKAGING for lt in lots])
    fc_bad = (fc == SHIP_FCS.index(BAD_FC)) if fc is not None else np.zeros(n, dtype=bool)
    return dict(cable=cable[lot], battery=battery[lot], pkg=pkg[lot], fc=fc_bad,
                listing=product == LISTING_PRODUCT)


def _draw_complaints(rng, ind, n):
    """unit indices that complain, and the cause of each complaint."""
    base = np.array([c.base_rate for c in CAUSES])
    p_tot = np.full(n, base.sum())
    for c in CAUSES:
        if c.planted:
            p_tot = p_tot + c.planted_rate * ind[c.planted]
    hit = np.flatnonzero(rng.random(n) < p_tot)
    rates = np.tile(base, (len(hit), 1))
    for j, c in enumerate(CAUSES):
        if c.planted:
            rates[:, j] += c.planted_rate * ind[c.planted][hit]
    cw = np.cumsum(rates / rates.sum(axis=1, keepdims=True), axis=1)
    cause = np.minimum((rng.random(len(hit))[:, None] >= cw).sum(axis=1), len(CAUSES) - 1)
    return hit, cause


def _sample_fields(rng, cause):
    """reason, disposition, comment (text or '') and lag (days) per complaint."""
    m = len(cause)
    reason = np.empty(m, dtype=object)
    disp = np.empty(m, dtype=object)
    comment = np.full(m, "", dtype=object)
    lag = 3.0 + rng.gamma(2.0, 4.5, size=m)
    for j, c in enumerate(CAUSES):
        sel = np.flatnonzero(cause == j)
        if not len(sel):
            continue
        reason[sel] = np.array([r for r, _ in c.reasons], dtype=object)[_pick(rng, len(sel), c.reasons)]
        disp[sel] = np.array([d for d, _ in c.dispositions], dtype=object)[
            _pick(rng, len(sel), c.dispositions)]
        if c.comments:
            says = rng.random(len(sel)) < c.comment_prob
            text = np.array(c.comments, dtype=object)[rng.integers(0, len(c.comments), len(sel))]
            comment[sel[says]] = text[says]
        lag[sel] += c.extra_lag * rng.random(len(sel))
    return reason, disp, comment, np.minimum(lag, 40.0)


def _simulate_fba_complaints(seed, lots, ship, planted):
    rng = _rng(seed, 3)
    line_of_unit = np.repeat(np.arange(ship["n"]), ship["qty"])
    lot = ship["lot"][line_of_unit]
    ind = _indicators(lots, lot, ship["product"][line_of_unit], ship["fc"][line_of_unit], planted)
    hit, cause = _draw_complaints(rng, ind, len(line_of_unit))
    line = line_of_unit[hit]
    reason, disp, comment, lag = _sample_fields(rng, cause)
    repl_code = np.array([-1 if c.replacement_code is None else c.replacement_code for c in CAUSES])
    is_repl = (repl_code[cause] >= 0) & (rng.random(len(hit)) < REPLACEMENT_SHARE)
    event_ts = ship["ts"][line] + (lag * DAY).astype(np.int64) + rng.integers(-4 * 3600, 4 * 3600,
                                                                              len(hit))
    event_ts = np.clip(event_ts, ship["ts"][line] + 3 * DAY, ship["ts"][line] + 40 * DAY)
    return dict(line=line, cause=cause, reason=reason, disp=disp, comment=comment,
                ts=event_ts, is_repl=is_repl, repl_code=repl_code[cause])


def _build_returns(seed, lots, ship, comp):
    """FBA return rows (with Amazon's re-posted duplicates) from the complaints."""
    rng = _rng(seed, 4)
    keep = ~comp["is_repl"] & (comp["ts"] < (_day_of(REPORT_END) + 1) * DAY)
    idx = np.flatnonzero(keep)
    line = comp["line"][idx]
    m = len(idx)
    # the FC that processed the return: mostly not the one that shipped it
    rfc = rng.choice(len(RETURN_FCS), size=m, p=np.array(RETURN_FC_WEIGHTS) / sum(RETURN_FC_WEIGHTS))
    ship_fc_code = np.array(SHIP_FCS)[ship["fc"][line]]
    same = (np.array(RETURN_FCS)[rfc] == ship_fc_code) & (rng.random(m) < 0.85)
    rfc = np.where(same, (rfc + 1 + rng.integers(0, len(RETURN_FCS) - 1, m)) % len(RETURN_FCS), rfc)
    disp = comp["disp"][idx]
    status = np.where(np.isin(disp, ["DAMAGED", "CARRIER_DAMAGED"]),
                      np.where(rng.random(m) < 0.9, "Reimbursed", "Unit returned to inventory"),
                      "Unit returned to inventory")
    u = rng.random(m)
    sellable = disp == "SELLABLE"
    status = np.where(sellable & (u < 0.12), "Repackaged Successfully", status)
    status = np.where(sellable & (u >= 0.12) & (u < 0.15), "Pending repackaging", status)
    lpn = np.strings.add("LPNRR", _zfill(_unique_ints(rng, m, 10**9, 10**10), 10))
    comment = comp["comment"][idx].copy()
    cause = comp["cause"][idx]
    for key, text in ODD_COMMENTS.items():
        cand = np.flatnonzero((cause == CAUSE_INDEX[key]) & (comment != ""))
        if len(cand):
            comment[cand[rng.integers(0, len(cand))]] = text
    rows = dict(src=idx, line=line, ts=comp["ts"][idx], rfc=rfc, disp=disp, status=status,
                reason=comp["reason"][idx], lpn=lpn, comment=comment, cause=cause,
                dup=np.zeros(m, dtype=bool))
    # Amazon re-posts some returns with another return-date (same LPN)
    dup = np.flatnonzero(rng.random(m) < DUPLICATE_SHARE)
    shift = rng.integers(1, 12, size=len(dup)) * DAY + rng.integers(0, DAY, size=len(dup))
    dup_ts = rows["ts"][dup] + shift
    ok = dup_ts < (_day_of(REPORT_END) + 1) * DAY
    dup, dup_ts = dup[ok], dup_ts[ok]
    out = {}
    for k, v in rows.items():
        extra = v[dup]
        if k == "ts":
            extra = dup_ts
        elif k == "dup":
            extra = np.ones(len(dup), dtype=bool)
        out[k] = np.concatenate([v, extra])
    order = np.lexsort((out["lpn"], out["ts"]))
    return {k: v[order] for k, v in out.items()}


def _simulate_fbm(seed, lots, scale, planted, order_pool):
    """A small merchant-fulfilled channel: orders and their returns."""
    rng = _rng(seed, 5)
    n = int(rng.poisson(7.5 * scale * N_DAYS))
    day = np.sort(rng.integers(0, N_DAYS, size=n))
    fbm_lots = [lots[i] for i in FBM_LOT_SPECS]
    product = rng.choice(np.array([0, 1]), size=n, p=[0.65, 0.35])
    lot = np.empty(n, dtype=np.int64)
    for p in (0, 1):
        cands = sorted((lt for lt in fbm_lots if lt["product"] == p), key=lambda lt: lt["receive_day"])
        recv = np.array([lt["receive_day"] for lt in cands])
        k = np.maximum(np.searchsorted(recv, day, side="right") - 1, 0)
        lot[product == p] = np.array([lt["index"] for lt in cands])[k[product == p]]
    ts = day.astype(np.int64) * DAY + rng.integers(0, DAY, size=n)
    ind = _indicators(lots, lot, product, None, planted)
    hit, cause = _draw_complaints(rng, ind, n)
    remorse = np.array([CAUSES[c].family == "remorse" for c in cause], dtype=bool)
    reason, _, _, lag = _sample_fields(rng, cause)
    req_ts = ts[hit] + (lag * DAY).astype(np.int64)
    keep = req_ts < (_day_of(REPORT_END) + 1) * DAY
    return dict(n=n, ts=ts, product=product, lot=lot, order_id=order_pool[:n],
                hit=hit[keep], cause=cause[keep], reason=reason[keep], req_ts=req_ts[keep],
                remorse=remorse[keep], prime=rng.random(n) < 0.6)


# ================================================================== writers
def _w_shipments(path, lots, ship, chunk=200_000):
    skus = np.array([lt["sku"] for lt in lots])
    fnskus = np.array([lt["fnsku"] for lt in lots])
    asins = np.array([p.asin for p in PRODUCTS])
    fcs = np.array(SHIP_FCS)
    cities = np.array([c[0] for c in CITIES])
    states = np.array([c[1] for c in CITIES])
    price = np.array([p.price for p in PRODUCTS])
    deal = np.array([p.deal_price for p in PRODUCTS])
    # written in chunks so that a million lines never sit in memory as Python strings
    with open(path, "wb") as fh:
        fh.write(("\t".join(H_SHIPMENT_SALES) + "\n").encode("utf-8"))
        for a in range(0, ship["n"], chunk):
            sl = slice(a, min(a + chunk, ship["n"]))
            prod = ship["product"][sl]
            unit_price = np.where(ship["deal"][sl], deal[prod], price[prod])
            n = len(prod)
            cols = [
                _iso(ship["ts"][sl]).tolist(),
                skus[ship["lot"][sl]].tolist(),
                fnskus[ship["lot"][sl]].tolist(),
                asins[prod].tolist(),
                fcs[ship["fc"][sl]].tolist(),
                ship["qty"][sl].astype(str).tolist(),
                ship["order_id"][sl].tolist(),
                ["USD"] * n,
                _money(unit_price),
                ["0.00"] * n,
                np.where(ship["gift"][sl], "4.99", "0.00").tolist(),
                cities[ship["city"][sl]].tolist(),
                states[ship["city"][sl]].tolist(),
                ship["zip"][sl].tolist(),
            ]
            fh.write(("\n".join(map("\t".join, zip(*cols))) + "\n").encode("utf-8"))


def _w_returns(path, lots, ship, ret):
    line = ret["line"]
    lot = ship["lot"][line]
    product = ship["product"][line]
    cols = [
        _iso(ret["ts"]).tolist(),
        ship["order_id"][line].tolist(),
        [lots[i]["sku"] for i in lot],
        [PRODUCTS[p].asin for p in product],
        [lots[i]["fnsku"] for i in lot],
        [PRODUCTS[p].name for p in product],
        ["1"] * len(line),
        np.array(RETURN_FCS)[ret["rfc"]].tolist(),
        ret["disp"].tolist(),
        ret["reason"].tolist(),
        ret["status"].tolist(),
        ret["lpn"].tolist(),
        ret["comment"].tolist(),
    ]
    _write_flat(path, H_FBA_RETURNS, cols)


def _w_fbm(path, seed, lots, fbm):
    rng = _rng(seed, 6)
    rows = []
    for k in range(len(fbm["hit"])):
        o = fbm["hit"][k]
        lt = lots[fbm["lot"][o]]
        prod = PRODUCTS[fbm["product"][o]]
        cause = CAUSES[fbm["cause"][k]]
        code = fbm["reason"][k]
        reason = "AMZ-PG-BAD-DESC" if code == "NOT_AS_DESCRIBED" else f"CR-{code}"
        order_day = int(fbm["ts"][o] // DAY)
        req_day = int(fbm["req_ts"][k] // DAY)
        status = ("Completed", "Approved", "Authorized", "Closed")[
            rng.choice(4, p=[0.7, 0.2, 0.05, 0.05])]
        done = status in ("Completed", "Closed")
        carrier = "UPS" if rng.random() < 0.55 else "USPS"
        tracking = ("1Z" + "".join(rng.choice(_ALNUM_UP, 16)) if carrier == "UPS"
                    else "9400" + "".join(rng.choice(_DIGITS, 18)))
        serious = cause.family in ("product_defect", "not_as_described", "shipping_damage")
        atoz = rng.random() < (0.25 if serious and cause.planted else 0.02)
        safet = cause.family == "shipping_damage"  # seller files SafeT for damaged returns
        price = f"{prod.price:.2f}"
        claim_state = ("APPROVED", "DENIED", "PENDING")[rng.choice(3)] if safet else ""
        rows.append([
            fbm["order_id"][o], _date_of(order_day).isoformat(), _date_of(req_day).isoformat(),
            status, "D" + "".join(rng.choice(_ALNUM_MIXED, 8)) + "RMA",
            f"RMA-{k + 1:04d}" if rng.random() < 0.2 else "",
            "AmazonPrePaidLabel", f"{rng.uniform(6.9, 9.9):.2f}", "USD", carrier, tracking,
            "Customer" if fbm["remorse"][k] else "Seller", "Y" if atoz else "N",
            "Y" if fbm["prime"][o] else "N", prod.asin, lt["sku"] + "-FBM", prod.name, "1",
            reason, "Y" if rng.random() < 0.96 else "N", "C-Returns", "StandardRefund", "",
            _date_of(req_day + int(rng.integers(4, 10))).isoformat() if done else "",
            price, "1",
            "Buyer returned damaged item" if safet else "",
            str(int(rng.integers(7_000_000_000, 7_999_999_999))) if safet else "",
            claim_state,
            _iso(int(fbm["req_ts"][k]) + 6 * DAY).item() if safet else "",
            f"{0.5 * prod.price:.2f}" if claim_state == "APPROVED" else "",
            price if done else "",
        ])
    rows.sort(key=lambda r: (r[2], r[0]))
    _write_flat(path, H_FBM_RETURNS, list(zip(*rows)) if rows else [[]] * len(H_FBM_RETURNS))


def _w_afs(path, seed, lots, ship):
    rng = _rng(seed, 7)
    sel = np.flatnonzero(ship["day"] >= _day_of(AFS_FROM))
    m = len(sel)
    ts = ship["ts"][sel]
    purchase = ts - rng.integers(2 * 3600, 30 * 3600, size=m)
    product = ship["product"][sel]
    qty = ship["qty"][sel]
    price = np.array([p.price for p in PRODUCTS])[product] * qty
    state = np.array([c[1] for c in CITIES])[ship["city"][sel]]
    tax = np.round(price * np.array([STATE_TAX[s] for s in state]), 2)
    carrier_i = rng.choice(3, size=m, p=[0.6, 0.25, 0.15])
    carrier = np.array(["AMZN_US", "UPS", "USPS"])[carrier_i]
    track_amzn = _tokens(rng, m, 12, _DIGITS, prefix="TBA")
    track_ups = _tokens(rng, m, 16, _ALNUM_UP, prefix="1Z")
    track_usps = _tokens(rng, m, 18, _DIGITS, prefix="9400")
    tracking = [(track_amzn, track_ups, track_usps)[c][i] for i, c in enumerate(carrier_i.tolist())]
    level_i = rng.choice(4, size=m, p=[0.55, 0.25, 0.15, 0.05])
    level = np.array(["Standard", "Expedited", "SecondDay", "NextDay"])[level_i]
    transit = np.array([4, 3, 2, 1])[level_i]
    eta = (ts // DAY + transit) * DAY + 3 * 3600
    blank = [""] * m
    cols = [
        ship["order_id"][sel].tolist(), blank,
        _tokens(rng, m, 8, _ALNUM_MIXED, prefix="D"),
        _zfill(_unique_ints(rng, m, 10**13, 10**14), 14).tolist(),
        _zfill(_unique_ints(rng, m, 10**13, 10**14), 14).tolist(), blank,
        _iso(purchase).tolist(), _iso(purchase + 60).tolist(), _iso(ts).tolist(),
        _iso(ts + rng.integers(1800, 4 * 3600, size=m)).tolist(), blank, blank, blank,
        [lots[i]["sku"] for i in ship["lot"][sel]],
        [PRODUCTS[p].name for p in product], qty.astype(str).tolist(), ["USD"] * m,
        _money(price), _money(tax), ["0.00"] * m, ["0.00"] * m,
        np.where(ship["gift"][sel], "4.99", "0.00").tolist(), ["0.00"] * m,
        level.tolist(), blank, blank, blank, blank,
        np.array([c[0] for c in CITIES])[ship["city"][sel]].tolist(), state.tolist(),
        ship["zip"][sel].tolist(), ["US"] * m, blank,
        blank, blank, blank, blank, blank, blank, blank,
        np.where(ship["deal"][sel], "-10.00", "0.00").tolist(), ["0.00"] * m,
        carrier.tolist(), tracking, _iso(eta).tolist(),
        np.array(SHIP_FCS)[ship["fc"][sel]].tolist(), ["Amazon"] * m, ["Amazon.com"] * m,
    ]
    _write_flat(path, H_AFS, cols)


def _w_replacements(path, seed, lots, ship, comp, order_pool):
    rng = _rng(seed, 8)
    idx = np.flatnonzero(comp["is_repl"])
    line = comp["line"][idx]
    ts = np.minimum(comp["ts"][idx] - int(2 * DAY), ship["ts"][line] + 20 * DAY)
    ts = np.maximum(ts, ship["ts"][line] + DAY)
    keep = ts < (_day_of(REPORT_END) + 1) * DAY
    idx, line, ts = idx[keep], line[keep], ts[keep]
    m = len(idx)
    new_fc = np.where(rng.random(m) < 0.6, ship["fc"][line], rng.integers(0, len(SHIP_FCS), m))
    order = np.argsort(ts, kind="stable")
    cols = [
        _iso(ts[order]).tolist(),
        [lots[i]["sku"] for i in ship["lot"][line[order]]],
        [PRODUCTS[p].asin for p in ship["product"][line[order]]],
        np.array(SHIP_FCS)[new_fc[order]].tolist(),
        np.array(SHIP_FCS)[ship["fc"][line[order]]].tolist(),
        ["1"] * m,
        comp["repl_code"][idx[order]].astype(str).tolist(),
        order_pool[:m].tolist(),
        ship["order_id"][line[order]].tolist(),
    ]
    _write_flat(path, H_REPLACEMENTS, cols)
    return m


FEEDBACK_POSITIVE = (
    "Fast shipping, item as described", "Great seller, arrived quickly",
    "Arrived early, works great", "As described. Thank you!", "Très bien, fast delivery",
    "Good earbuds for the price, quick delivery", "Perfect, would buy again",
)
FEEDBACK_NEUTRAL = ("OK product, delivery took a while", "Average", "Fine but the box was dusty")
FEEDBACK_SUFFIX = ("", " Returned it.", " Very disappointed.", " Seller was helpful with the return.")
FEEDBACK_RESPONSE = "We are sorry - please contact us and we will replace them."


def _w_feedback(path, seed, ship, comp):
    rng = _rng(seed, 9)
    fam = np.array([CAUSES[c].family for c in comp["cause"]])
    neg = np.flatnonzero(np.isin(fam, list(NCX_FAMILIES)) & (rng.random(len(fam)) < 0.05))
    rows = []
    for k in neg:
        pool = CAUSES[comp["cause"][k]].comments or OTHER
        text = pool[rng.integers(0, len(pool))]
        suffix = FEEDBACK_SUFFIX[rng.integers(0, len(FEEDBACK_SUFFIX))]
        text = text[0].upper() + text[1:] + ("." if suffix else "") + suffix
        ts = int(comp["ts"][k] + rng.integers(0, 5 * DAY))
        rows.append((ts, int(rng.integers(1, 3)), text,
                     FEEDBACK_RESPONSE if rng.random() < 0.2 else "",
                     ship["order_id"][comp["line"][k]]))
    n = ship["n"]
    pos = np.flatnonzero(rng.random(n) < 0.006)
    neutral = np.flatnonzero(rng.random(n) < 0.0008)
    for k, pool, stars in ((pos, FEEDBACK_POSITIVE, (4, 5)), (neutral, FEEDBACK_NEUTRAL, (3, 3))):
        text = rng.integers(0, len(pool), size=len(k))
        star = rng.integers(stars[0], stars[1] + 1, size=len(k))
        later = ship["ts"][k] + rng.integers(3 * DAY, 25 * DAY, size=len(k))
        for j, o in enumerate(k):
            rows.append((int(later[j]), int(star[j]), pool[text[j]], "", ship["order_id"][o]))
    rows = [r for r in rows if r[0] < (_day_of(REPORT_END) + 1) * DAY]
    rows.sort(key=lambda r: (r[0], r[4]))
    emails = _tokens(rng, len(rows), 15, np.array(list("abcdefghijklmnopqrstuvwxyz0123456789")),
                     suffix="@marketplace.amazon.com")
    has_email = rng.random(len(rows)) < 0.7
    out = []
    for j, (ts, star, text, resp, oid) in enumerate(rows):
        d = _date_of(ts // DAY)
        out.append((f"{d.month}/{d.day}/{d.year % 100:02d}", str(star), text, resp, str(oid),
                    emails[j] if has_email[j] else ""))
    # Airbyte decodes this report as ISO-8859-1; write it that way ("Très" is byte E8)
    _write_flat(path, H_FEEDBACK, list(zip(*out)) if out else [[]] * 6, encoding="latin-1")
    return len(out)


REVIEW_TITLES = {
    "cable_right_bud": ("Right earbud died", "Right side stopped working", "No sound from the right bud"),
    "battery_drain": ("Battery drains fast", "Won't hold a charge"),
    "fc_damage_site": ("Case arrived dented", "Scratched charging case"),
    "pkg_transit": ("Arrived crushed", "Case cracked in shipping"),
    "listing_anc": ("Not noise cancelling", "No ANC despite the listing"),
    "defect": ("Stopped working", "Pairing problems", "Defective"),
    "quality": ("Weak bass", "Uncomfortable", "Meh"),
}
POSITIVE_TITLES = ("Great sound for the price", "Love these", "Good value", "Solid earbuds",
                   "Comfortable and clear", "Five stars", "Battery lasts all day")
POSITIVE_BODIES = (
    "Paired instantly with my phone and the sound is clear.",
    "Good bass for the price, comfortable for hours.",
    "Battery easily lasts my whole work day. Case is compact.",
    "My son uses them for school, volume limit works well.",
    "Calls sound fine, fit is secure when running.",
    "Bought a second pair for my wife.",
)
BODY_TAILS = ("", " Returned them.", " Very disappointed.", " Asked for a replacement.",
              " Would not buy again.")


def _w_reviews(path, seed, ship, comp):
    rng = _rng(seed, 10)
    rows = []
    keys = np.array([CAUSES[c].key for c in comp["cause"]])
    neg = np.flatnonzero(np.isin(keys, list(REVIEW_TITLES)) & (rng.random(len(keys)) < 0.10))
    for k in neg:
        cause = CAUSES[comp["cause"][k]]
        titles = REVIEW_TITLES[cause.key]
        body = cause.comments[rng.integers(0, len(cause.comments))]
        body = body[0].upper() + body[1:] + "." + BODY_TAILS[rng.integers(0, len(BODY_TAILS))]
        stars = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1] if cause.key != "quality" else [0.2, 0.4, 0.4]))
        rows.append((int(comp["ts"][k] + rng.integers(0, 4 * DAY)), stars,
                     titles[rng.integers(0, len(titles))], body,
                     int(ship["product"][comp["line"][k]]), int(rng.integers(0, 12))))
    pos = np.flatnonzero(rng.random(ship["n"]) < 0.011)
    for o in pos:
        rows.append((int(ship["ts"][o] + rng.integers(4 * DAY, 30 * DAY)),
                     int(rng.choice([5, 4, 3], p=[0.62, 0.33, 0.05])),
                     POSITIVE_TITLES[rng.integers(0, len(POSITIVE_TITLES))],
                     POSITIVE_BODIES[rng.integers(0, len(POSITIVE_BODIES))],
                     int(ship["product"][o]), int(rng.integers(0, 4))))
    rows = [r for r in rows if r[0] < (_day_of(REPORT_END) + 1) * DAY]
    rows.sort(key=lambda r: (r[0], r[2]))
    verified = rng.random(len(rows)) < 0.93
    out = [(_date_of(ts // DAY).isoformat(), str(star), title, body, PRODUCTS[p].variation,
            "yes" if verified[j] else "no", str(helpful), PRODUCTS[p].asin)
           for j, (ts, star, title, body, p, helpful) in enumerate(rows)]
    _write_csv(path, H_REVIEWS, out)
    return out


def _w_voc(path, lots, ship, ret, fbm, reviews):
    rows = []
    base = ~ret["dup"]
    ret_line = ret["line"][base]
    ret_fam = np.array([CAUSES[c].family for c in ret["cause"][base]])
    ret_reason = ret["reason"][base]
    stars = {}
    for r in reviews:
        stars.setdefault(r[7], []).append(int(r[1]))
    for lt in lots:
        prod = PRODUCTS[lt["product"]]
        on = ship["lot"] == lt["index"]
        orders = len(np.unique(ship["order_id"][on]))
        units = int(ship["qty"][on].sum())
        mine = ship["lot"][ret_line] == lt["index"]
        ncx = mine & np.isin(ret_fam, list(NCX_FAMILIES))
        rows.append(_voc_row(prod, lt["sku"], "Amazon", orders,
                             len(np.unique(ship["order_id"][ret_line[ncx]])),
                             int(mine.sum()), units, ret_reason[ncx], stars.get(prod.asin)))
    for i in FBM_LOT_SPECS:
        lt = lots[i]
        prod = PRODUCTS[lt["product"]]
        on = fbm["lot"] == i
        hit_lot = fbm["lot"][fbm["hit"]] == i
        fam = np.array([CAUSES[c].family for c in fbm["cause"]], dtype=object)
        ncx = hit_lot & np.isin(fam, list(NCX_FAMILIES))
        rows.append(_voc_row(prod, lt["sku"] + "-FBM", "Merchant", int(on.sum()), int(ncx.sum()),
                             int(hit_lot.sum()), int(on.sum()), fbm["reason"][ncx],
                             stars.get(prod.asin)))
    _write_csv(path, H_VOC, rows)


def _voc_row(prod, sku, by, orders, ncx_orders, returns, units, reasons, stars):
    if orders < 60:
        return [prod.name, prod.asin, sku, "New", by, "--", str(ncx_orders), str(orders), "--",
                "--", "", VOC_UPDATED, "Insufficient feedback", "No"]
    rate = ncx_orders / orders
    labels = [REASON_LABEL.get(r, "") for r in reasons]
    labels = [x for x in labels if x]
    top = max(sorted(set(labels)), key=labels.count) if labels else ""
    health = ("Excellent" if rate < 0.01 else "Good" if rate < 0.02 else "Fair" if rate < 0.035
              else "Poor" if rate < 0.06 else "Very poor")
    ret_rate = returns / max(units, 1)
    star = f"{np.mean(stars):.1f}" if stars else "--"
    return [prod.name, prod.asin, sku, "New", by, f"{100 * rate:.2f}%", str(ncx_orders),
            str(orders), star, f"{100 * ret_rate:.1f}%", top, VOC_UPDATED, health,
            "Yes" if ret_rate > 0.09 else "No"]


def _simulate_warehouse(seed, lots, ship, ret, planted):
    """Ledger rows and reimbursement rows (FC damage, losses, returns, receipts)."""
    rng = _rng(seed, 11)
    ledger = []  # (utc seconds, fc, lot, event, ref, qty, disposition, reason, reconciled, unreconciled)
    reimb = []  # (utc seconds, reason, lot, qty, order id, cash?)
    ref_ids = iter(_unique_ints(rng, 200000, 10**10, 10**11).tolist())
    week = ship["day"] // 7
    n_fc = len(SHIP_FCS)
    units = np.zeros((n_fc, week.max() + 1, len(lots)))
    np.add.at(units, (ship["fc"], week, ship["lot"]), ship["qty"])
    bad_fc = SHIP_FCS.index(BAD_FC)
    for f in range(n_fc):
        for w in range(units.shape[1]):
            per_lot = units[f, w]
            total = per_lot.sum()
            if total == 0:
                continue
            e_rate = 0.0055 if (planted and f == bad_fc) else 0.0007
            for code, rate in (("E", e_rate), ("M", 0.0004)):
                for _ in range(rng.poisson(rate * total / 1.4)):
                    lot = int(rng.choice(len(lots), p=per_lot / total))
                    q = int(rng.choice([1, 2, 3], p=[0.7, 0.2, 0.1]))
                    t = int((w * 7 + rng.integers(0, 7)) * DAY + rng.integers(13, 23) * 3600
                            + rng.integers(0, 3600))
                    if t >= N_DAYS * DAY:
                        continue
                    if code == "E":
                        paid = rng.random() < 0.8
                        ledger.append((t, f, lot, "Adjustments", next(ref_ids), -q, "SELLABLE", "E",
                                       q if paid else 0, 0 if paid else q))
                        ledger.append((t + int(rng.integers(1, 5)), f, lot, "Adjustments",
                                       next(ref_ids), q, "WAREHOUSE_DAMAGED", "P", 0, 0))
                        if paid:
                            reimb.append((t + int(rng.integers(5, 16)) * DAY, "Damaged_Warehouse",
                                          lot, q, "", rng.random() < 0.85))
                    else:
                        found = rng.random() < 0.5
                        ledger.append((t, f, lot, "Adjustments", next(ref_ids), -q, "SELLABLE", "M",
                                       q if found else 0, 0 if found else q))
                        if found:
                            ledger.append((t + int(rng.integers(2, 12)) * DAY, f, lot, "Adjustments",
                                           next(ref_ids), q, "SELLABLE", "F", 0, 0))
                        else:
                            reimb.append((t + int(rng.integers(20, 35)) * DAY, "Lost_Warehouse",
                                          lot, q, "", True))
    # receipts: each lot into its FCs, against its FBA inbound shipment id
    shipped = np.zeros((len(lots), n_fc))
    np.add.at(shipped, (ship["lot"], ship["fc"]), ship["qty"])
    for lt in lots:
        i = lt["index"]
        for k, fc in enumerate(lt["shares"]):
            f = SHIP_FCS.index(fc)
            spill = shipped[i].sum() - sum(shipped[i, SHIP_FCS.index(g)] for g in lt["shares"])
            qty = int(shipped[i, f] * rng.uniform(1.02, 1.08) + (spill if k == 0 else 0)) + 20
            t = (lt["receive_day"] + 2 * k) * DAY + int(rng.integers(14, 22)) * 3600
            ledger.append((t, f, i, "Receipts", lt["inbound"], qty, "SELLABLE", "", None, None))
        for f in range(n_fc):
            if SHIP_FCS[f] in lt["shares"] or shipped[i, f] == 0:
                continue
            src = SHIP_FCS.index(next(iter(lt["shares"])))
            first = ship["ts"][(ship["lot"] == i) & (ship["fc"] == f)].min()
            t = int(first - 3 * DAY - rng.integers(0, DAY))
            q = int(shipped[i, f])
            ref = next(ref_ids)
            ledger.append((t, src, i, "WhseTransfers", ref, -q, "SELLABLE", "", None, None))
            ledger.append((t + 2 * DAY, f, i, "WhseTransfers", ref, q, "SELLABLE", "", None, None))
    # customer returns arrive at the FC that processed them
    ledger_disp = {"DAMAGED": "WAREHOUSE_DAMAGED"}
    base = np.flatnonzero(~ret["dup"])
    rfc_ledger = [RETURN_FCS[r] for r in ret["rfc"][base]]
    for j, k in enumerate(base):
        line = ret["line"][k]
        d = ret["disp"][k]
        ledger.append((int(ret["ts"][k]), rfc_ledger[j], int(ship["lot"][line]), "CustomerReturns",
                       ship["order_id"][line], 1, ledger_disp.get(d, d), "", None, None))
        if ret["status"][k] == "Reimbursed":
            reimb.append((int(ret["ts"][k]) + int(rng.integers(3, 11)) * DAY, "CustomerReturn",
                          int(ship["lot"][line]), 1, ship["order_id"][line], True))
    return ledger, reimb


def _w_ledger(path, lots, ledger):
    limit = (_day_of(REPORT_END) + 1) * DAY
    rows = sorted((r for r in ledger if r[0] < limit),
                  key=lambda r: (r[0], str(r[1]), r[2], r[3], str(r[4])))
    out = []
    for t, fc, lot, event, ref, qty, disp, reason, rec, unrec in rows:
        fc_code = fc if isinstance(fc, str) else SHIP_FCS[fc]
        off = FC_UTC_OFFSET[fc_code]
        local = _iso(t, off).item()
        lt = lots[lot]
        prod = PRODUCTS[lt["product"]]
        out.append((f"{local[5:7]}/{local[8:10]}/{local[0:4]}", lt["fnsku"], prod.asin, lt["sku"],
                    prod.name, event, str(ref), str(qty), fc_code, disp, reason, "US",
                    "" if rec is None else str(rec), "" if unrec is None else str(unrec), local))
    _write_flat(path, H_LEDGER, list(zip(*out)))
    return len(out)


def _w_reimbursements(path, seed, lots, reimb):
    rng = _rng(seed, 12)
    limit = (_day_of(REPORT_END) + 1) * DAY
    rows = sorted((r for r in reimb if r[0] < limit), key=lambda r: (r[0], r[1], r[2], str(r[4])))
    ids = np.sort(_unique_ints(rng, len(rows) + 4, 4_419_000_000, 4_429_000_000))
    out = []
    for j, (t, reason, lot, q, order_id, cash) in enumerate(rows):
        lt = lots[lot]
        prod = PRODUCTS[lt["product"]]
        per = prod.reimburse_per_unit if cash else 0.0
        case = str(int(rng.integers(10**10, 10**11))) if rng.random() < 0.15 else ""
        out.append([_iso(t).item(), str(ids[j]), case, str(order_id), reason, lt["sku"], lt["fnsku"],
                    prod.asin, prod.name, "New", "USD", f"{per:.2f}", f"{per * q:.2f}",
                    str(q if cash else 0), str(0 if cash else q), str(q), "", ""])
    # a couple of claw-backs: lost units that turned up again
    lost = [k for k, r in enumerate(out) if r[4] == "Lost_Warehouse" and r[13] != "0"][:2]
    for j, k in enumerate(lost):
        src = out[k]
        t = _iso(int(rows[k][0]) + 9 * DAY).item()
        q = int(src[13])
        out.append([t, str(ids[len(rows) + j]), "", "", "Reimbursement_Reversal", src[5], src[6],
                    src[7], src[8], "New", "USD", src[11], f"{-float(src[12]):.2f}", str(-q), "0",
                    str(-q), src[1], "Lost_Warehouse"])
    out.sort(key=lambda r: (r[0], r[1]))
    _write_flat(path, H_REIMBURSEMENTS, list(zip(*out)))
    return len(out)


def _lot_master_rows(lots):
    rows = []
    for lt in lots:
        rows.append([lt["sku"], lt["fnsku"], lt["lot"], lt["supplier"], lt["cable"], lt["battery"],
                     lt["packaging"], lt["production"], lt["inbound"]])
    for i in FBM_LOT_SPECS:  # the seller's own-warehouse SKUs of the same lots (no FNSKU)
        lt = lots[i]
        rows.append([lt["sku"] + "-FBM", "", lt["lot"], lt["supplier"], lt["cable"], lt["battery"],
                     lt["packaging"], lt["production"], lt["inbound"]])
    return rows


def _w_lots_csv(path, lots):
    rows = [r[:7] + [r[7].strftime("%Y/%m/%d")] + r[8:] for r in _lot_master_rows(lots)]
    # Chinese Excel "CSV UTF-8": BOM and CRLF line ends
    _write_csv(path, H_LOTS, rows, encoding="utf-8-sig", newline="\r\n")


def _w_lots_xlsx(path, lots):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "批次表"
    ws.append(list(H_LOTS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in _lot_master_rows(lots):
        ws.append(r[:7] + [datetime(r[7].year, r[7].month, r[7].day)] + r[8:])
        ws.cell(row=ws.max_row, column=8).number_format = "yyyy/mm/dd"
    for col, width in zip("ABCDEFGHI", (22, 13, 10, 10, 10, 10, 10, 12, 15)):
        ws.column_dimensions[col].width = width
    stamp = datetime(2026, 10, 1, 9, 0, 0)
    wb.properties.creator = "质量部"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.lastModifiedBy = "质量部"
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps zip entries with the current time: rewrite them fixed, for identical bytes
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core_times(data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 10, 1, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())


def _fix_core_times(xml: bytes) -> bytes:
    import re

    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                  rb"\g<1>2026-10-01T09:00:00Z\g<2>", xml)


# ==================================================================== truth
def _rate(num, den):
    return float(num) / float(den) if den else float("nan")


def _compare(name, num_in, den_in, num_out, den_out):
    r_in, r_out = _rate(num_in, den_in), _rate(num_out, den_out)
    return {"measure": name, "count_in": int(num_in), "units_in": int(den_in),
            "rate_in": round(r_in, 6), "count_rest": int(num_out), "units_rest": int(den_out),
            "rate_rest": round(r_out, 6), "ratio": round(r_in / r_out, 3) if r_out else None}


def _observed(lots, ship, ret):
    """Raw-count effect sizes, measured on the FBA files exactly as written."""
    base = ~ret["dup"]
    line = ret["line"][base]
    reason = ret["reason"][base]
    disp = ret["disp"][base]
    lot_units = np.bincount(ship["lot"], weights=ship["qty"], minlength=len(lots))

    def by_lot(mask_lots, ret_mask):
        inside = np.isin(ship["lot"][line], mask_lots)
        all_lots = np.arange(len(lots))
        rest = np.setdiff1d(all_lots, mask_lots)
        return (ret_mask & inside).sum(), lot_units[mask_lots].sum(), \
            (ret_mask & ~inside).sum(), lot_units[rest].sum()

    cable = [lt["index"] for lt in lots if lt["cable"] == BAD_CABLE]
    battery = [lt["index"] for lt in lots if lt["battery"] == BAD_BATTERY]
    pkg = [lt["index"] for lt in lots if lt["packaging"] == BAD_PACKAGING]
    not_cable = [lt["index"] for lt in lots if lt["cable"] != BAD_CABLE]
    out = {}
    out["cable_lot"] = _compare("DEFECTIVE returns per unit shipped, lots with cable lot "
                                f"{BAD_CABLE} vs the other lots",
                                *by_lot(cable, reason == "DEFECTIVE"))
    # battery: compared with lots that carry neither the bad battery nor the bad cable
    dmask = reason == "DEFECTIVE"
    inside = np.isin(ship["lot"][line], battery)
    rest_lots = np.setdiff1d(not_cable, battery)
    rest = np.isin(ship["lot"][line], rest_lots)
    out["battery_lot"] = _compare(
        f"DEFECTIVE returns per unit, battery lot {BAD_BATTERY} vs lots without {BAD_BATTERY} "
        f"or {BAD_CABLE}",
        (dmask & inside).sum(), lot_units[battery].sum(), (dmask & rest).sum(),
        lot_units[rest_lots].sum())
    fc_units = np.bincount(ship["fc"], weights=ship["qty"], minlength=len(SHIP_FCS))
    bad = SHIP_FCS.index(BAD_FC)
    wmask = (reason == "DAMAGED_BY_FC") & (disp == "DAMAGED")
    from_bad = ship["fc"][line] == bad
    out["fc_shipped"] = _compare(
        f"DAMAGED_BY_FC + DAMAGED returns per unit, shipped from {BAD_FC} vs other FCs "
        "(join returns order-id+sku to shipment sales)",
        (wmask & from_bad).sum(), fc_units[bad], (wmask & ~from_bad).sum(),
        fc_units.sum() - fc_units[bad])
    out["packaging_version"] = _compare(
        f"DAMAGED_BY_CARRIER returns per unit, {BAD_PACKAGING} vs PKG-V1",
        *by_lot(pkg, reason == "DAMAGED_BY_CARRIER"))
    prod_units = np.bincount(ship["product"], weights=ship["qty"], minlength=len(PRODUCTS))
    nad = reason == "NOT_AS_DESCRIBED"
    white = ship["product"][line] == LISTING_PRODUCT
    out["asin"] = _compare(
        f"NOT_AS_DESCRIBED returns per unit, ASIN {PRODUCTS[LISTING_PRODUCT].asin} vs other ASINs",
        (nad & white).sum(), prod_units[LISTING_PRODUCT], (nad & ~white).sum(),
        prod_units.sum() - prod_units[LISTING_PRODUCT])
    # confounders that must not be reported
    s2_clean = [lt["index"] for lt in lots if lt["supplier_key"] == "S2" and lt["cable"] != BAD_CABLE]
    others_clean = [lt["index"] for lt in lots if lt["supplier_key"] != "S2"
                    and lt["cable"] != BAD_CABLE and lt["battery"] != BAD_BATTERY]
    ins = np.isin(ship["lot"][line], s2_clean)
    oth = np.isin(ship["lot"][line], others_clean)
    d = reason == "DEFECTIVE"
    out["confounder_supplier"] = _compare(
        f"DEFECTIVE returns per unit, {SUPPLIERS['S2']} lots without {BAD_CABLE} vs other suppliers' "
        f"lots without {BAD_CABLE}/{BAD_BATTERY}",
        (d & ins).sum(), lot_units[s2_clean].sum(), (d & oth).sum(), lot_units[others_clean].sum())
    conf = SBD1_CONFOUNDER_SPEC
    in_lot = ship["lot"][line] == conf
    ship_conf = ship["lot"] == conf
    from_bad_ship = ship["fc"] == bad
    out["confounder_lot"] = _compare(
        f"DAMAGED_BY_FC + DAMAGED returns per unit among units shipped from {BAD_FC}: lot "
        f"{lots[conf]['lot']} vs the other lots",
        (wmask & in_lot & from_bad).sum(), ship["qty"][ship_conf & from_bad_ship].sum(),
        (wmask & ~in_lot & from_bad).sum(), ship["qty"][~ship_conf & from_bad_ship].sum())
    return out


def _truth(lots, ship, ret, seed, scenario, scale, counts, fbm_returns):
    cable_lots = [lt for lt in lots if lt["cable"] == BAD_CABLE]
    conf = lots[SBD1_CONFOUNDER_SPEC]
    pkg_lots = [lt for lt in lots if lt["packaging"] == BAD_PACKAGING]
    v2_first = int(ship["ts"][np.isin(ship["lot"], [lt["index"] for lt in pkg_lots])].min())
    observed = _observed(lots, ship, ret)
    planted = scenario == "planted"
    sel = ship["lot"] == conf["index"]
    fc_share = float(ship["qty"][sel & (ship["fc"] == SHIP_FCS.index(BAD_FC))].sum()
                     / ship["qty"][sel].sum())
    causes = []
    if planted:
        causes = [
            {"id": "cable_lot", "factor": "cable_lot", "source_column": "线材批次",
             "level": BAD_CABLE, "family": "product_defect", "reason": "DEFECTIVE",
             "disposition": "DEFECTIVE", "planted_multiplier": "about 5x baseline DEFECTIVE",
             "lots": [lt["lot"] for lt in cable_lots], "skus": [lt["sku"] for lt in cable_lots],
             "suppliers": sorted({lt["supplier"] for lt in cable_lots}),
             "symptom_terms": ["right earbud", "right side", "right bud", "no sound",
                               "stopped working", "右耳"],
             "observed": observed["cable_lot"]},
            {"id": "fc_damage", "factor": "fc_shipped", "level": BAD_FC,
             "family": "warehouse_damage", "reason": "DAMAGED_BY_FC", "disposition": "DAMAGED",
             "planted_multiplier": "DAMAGED_BY_FC about 9x baseline for units shipped from SBD1; "
                                   "ledger E/P adjustments about 8x; Damaged_Warehouse reimbursements",
             "note": "returns fulfillment-center-id is the FC that processed the return; the shipping "
                     "FC comes from the shipment sales join (order-id + sku)",
             "symptom_terms": ["scratched", "dented", "box fine", "charging case"],
             "corroboration": {"ledger_reasons": ["E", "P"], "reimbursement_reason": "Damaged_Warehouse",
                               "replacement_reason_code": 10},
             "observed": observed["fc_shipped"]},
            {"id": "packaging", "factor": "packaging_version", "source_column": "包装版本",
             "level": BAD_PACKAGING, "family": "shipping_damage", "reason": "DAMAGED_BY_CARRIER",
             "disposition": "CARRIER_DAMAGED", "planted_multiplier": "about 3x baseline",
             "introduced_for_production_from": PKG_SWITCH.isoformat(),
             "onset_ship_date": _date_of(v2_first // DAY).isoformat(),
             "symptom_terms": ["box crushed", "cracked in transit", "crushed", "cracked"],
             "observed": observed["packaging_version"]},
            {"id": "listing", "factor": "asin", "level": PRODUCTS[LISTING_PRODUCT].asin,
             "family": "not_as_described", "reason": "NOT_AS_DESCRIBED",
             "fbm_reason": "AMZ-PG-BAD-DESC", "disposition": "SELLABLE",
             "planted_multiplier": "about 10x baseline NOT_AS_DESCRIBED, even across the ASIN's lots",
             "symptom_terms": ["noise cancelling", "listing says", "there is none", "ANC"],
             "observed": observed["asin"]},
            {"id": "battery_lot", "factor": "battery_lot", "source_column": "电池批次",
             "level": BAD_BATTERY, "family": "product_defect",
             "reason": "DEFECTIVE (70%) / QUALITY_UNACCEPTABLE (30%)", "disposition": "DEFECTIVE",
             "planted_multiplier": "about 2x baseline (weaker effect)",
             "lots": [lt["lot"] for lt in lots if lt["battery"] == BAD_BATTERY],
             "symptom_terms": ["battery drains fast", "won't hold a charge", "battery", "charge"],
             "observed": observed["battery_lot"]},
        ]
    s2_lots = [lt["lot"] for lt in lots if lt["supplier_key"] == "S2" and lt["cable"] != BAD_CABLE]
    confounders = []
    if planted:
        confounders = [
            {"factor": "supplier", "source_column": "供应商", "level": SUPPLIERS["S2"],
             "why_not": f"shares cable lot {BAD_CABLE} in one lot; its other lots ({', '.join(s2_lots)}) "
                        "are normal", "observed": observed["confounder_supplier"]},
            {"factor": "lot", "level": conf["lot"], "sku": conf["sku"],
             "why_not": f"ships {100 * fc_share:.0f}% of its units from {BAD_FC}; its damage rate "
                        f"equals the other lots' rate at {BAD_FC}", "observed": observed["confounder_lot"]},
        ]
    return {
        "generator": "sample_data/make_sample.py",
        "seed": seed, "scenario": scenario, "scale": scale,
        "period": {"ship_from": PERIOD_START.isoformat(), "ship_to": PERIOD_END.isoformat(),
                   "reports_to": REPORT_END.isoformat(),
                   "amazon_fulfilled_shipments_from": AFS_FROM.isoformat()},
        "products": [{"asin": p.asin, "sku_prefix": p.sku_prefix, "name": p.name} for p in PRODUCTS],
        "suppliers": {SUPPLIERS[k]: SUPPLIERS_EN[k] for k in SUPPLIERS},
        "lot_master_columns": LOT_COLUMN_MEANING,
        "counts": counts,
        "causes": causes,
        "confounders_not_to_report": confounders,
        "observed": observed,
        "fbm_returns": fbm_returns,
    }


# ================================================================ generate
def generate(out_dir, seed: int = 7, scenario: str = "planted", scale: float = 1.0,
             formats="all") -> dict:
    """Write the sample Seller Central files and return the ground truth.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write into (created if missing).
    seed : int
        Random seed; the same seed, scenario and scale give the same bytes.
    scenario : {"planted", "null"}
        ``"planted"`` hides five root causes; ``"null"`` has none.
    scale : float
        Volume multiplier: 1.0 gives about 50k shipment lines, 20 about a million.
    formats : "all" or iterable of str
        Report kinds to write (keys of ``FILES``); ``TRUTH.json`` is always written.

    Returns
    -------
    dict
        The ground truth, as written to ``out_dir/TRUTH.json``.
    """
    if scenario not in ("planted", "null"):
        raise ValueError(f"scenario must be 'planted' or 'null', not {scenario!r}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    kinds = set(FILES) if formats == "all" else set(formats)
    unknown = kinds - set(FILES)
    if unknown:
        raise ValueError(f"unknown formats: {sorted(unknown)}; choose from {sorted(FILES)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    planted = scenario == "planted"

    lots = _build_lots(seed)
    ship = _simulate_shipments(seed, lots, scale)
    comp = _simulate_fba_complaints(seed, lots, ship, planted)
    ret = _build_returns(seed, lots, ship, comp)
    pool = _order_keys(_rng(seed, 13), int(len(comp["line"]) + 20 * N_DAYS * scale + 100))
    # keep the extra order ids (FBM orders, replacement orders) distinct from the shipment ids
    pool = _order_text(pool[~np.isin(pool, ship["order_key"])])
    fbm = _simulate_fbm(seed, lots, scale, planted, pool)
    repl_pool = pool[fbm["n"]:]

    counts = {"shipment_lines": int(ship["n"]), "units_shipped": int(ship["qty"].sum()),
              "fba_return_rows": int(len(ret["line"])),
              "fba_return_duplicates": int(ret["dup"].sum()),
              "fbm_orders": int(fbm["n"]), "fbm_return_rows": int(len(fbm["hit"])),
              "lots": len(lots)}
    if "fba_shipments" in kinds:
        _w_shipments(out / FILES["fba_shipments"][0], lots, ship)
    if "fba_returns" in kinds:
        _w_returns(out / FILES["fba_returns"][0], lots, ship, ret)
    if "fbm_returns" in kinds:
        _w_fbm(out / FILES["fbm_returns"][0], seed, lots, fbm)
    if "fulfilled_shipments" in kinds:
        _w_afs(out / FILES["fulfilled_shipments"][0], seed, lots, ship)
    if "replacements" in kinds:
        counts["replacement_rows"] = _w_replacements(out / FILES["replacements"][0], seed, lots,
                                                     ship, comp, repl_pool)
    if "seller_feedback" in kinds:
        counts["feedback_rows"] = _w_feedback(out / FILES["seller_feedback"][0], seed, ship, comp)
    reviews = None
    if "reviews" in kinds or "voc" in kinds:
        target = out / FILES["reviews"][0] if "reviews" in kinds else _NullPath()
        reviews = _w_reviews(target, seed, ship, comp)
        counts["review_rows"] = len(reviews)
    if "voc" in kinds:
        _w_voc(out / FILES["voc"][0], lots, ship, ret, fbm, reviews)
    if "ledger" in kinds or "reimbursements" in kinds:
        ledger, reimb = _simulate_warehouse(seed, lots, ship, ret, planted)
        if "ledger" in kinds:
            counts["ledger_rows"] = _w_ledger(out / FILES["ledger"][0], lots, ledger)
        if "reimbursements" in kinds:
            counts["reimbursement_rows"] = _w_reimbursements(out / FILES["reimbursements"][0], seed,
                                                             lots, reimb)
    if "lots" in kinds:
        _w_lots_csv(out / "lot_master.csv", lots)
        _w_lots_xlsx(out / "lot_master.xlsx", lots)

    truth = _truth(lots, ship, ret, seed, scenario, scale, counts,
                   _fbm_summary(fbm))
    (out / "TRUTH.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
    return truth


class _NullPath:
    """Stands in for a path when reviews are needed (for VoC) but not written."""

    def write_bytes(self, data):
        return len(data)


def _fbm_summary(fbm):
    fam = [CAUSES[c].family for c in fbm["cause"]]
    return {"orders": int(fbm["n"]), "returns": int(len(fbm["hit"])),
            "by_family": {f: fam.count(f) for f in sorted(set(fam))}}


# ===================================================================== CLI
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent),
                        help="output directory (default: sample_data/)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenario", choices=("planted", "null"), default="planted")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--formats", default="all",
                        help="'all' or a comma list of: " + ", ".join(FILES))
    args = parser.parse_args(argv)
    formats = "all" if args.formats == "all" else [f.strip() for f in args.formats.split(",") if f.strip()]
    start = time.perf_counter()
    try:
        truth = generate(args.out, seed=args.seed, scenario=args.scenario, scale=args.scale,
                         formats=formats)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - start
    c = truth["counts"]
    print(f"wrote {args.out}: {c['shipment_lines']} shipment lines, {c['fba_return_rows']} FBA "
          f"return rows ({args.scenario}, seed {args.seed}, scale {args.scale}) in {took:.1f} s")
    for cause in truth["causes"]:
        o = cause["observed"]
        print(f"  {cause['id']:<12} {cause['factor']}={cause['level']}: "
              f"{o['rate_in']:.4f} vs {o['rate_rest']:.4f} (x{o['ratio']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
