"""Canonical names of report kinds, tables and columns.

Every other module refers to columns through these constants, so a rename
happens here once.  The canonical tables are plain pandas DataFrames:

``complaints``
    one row per complaint signal, whatever its source (FBA return, FBM return,
    replacement, seller feedback, review, A-to-z claim).
``shipments``
    one row per shipped order line (the denominator of every rate).  Its
    repeated text columns (:data:`CATEGORICAL_COLUMNS`) are pandas
    categoricals: millions of lines carry a few hundred SKUs, ASINs and FCs.
``lots``
    the seller's lot master: sku / fnsku -> lot plus any further attribute
    (supplier, component lots, packaging version ...), one column per factor.
``voc``
    Voice of the Customer rows (per-ASIN aggregates, not individual complaints).
``events``
    warehouse records: inventory ledger and reimbursements (FC damage, loss).
"""

from __future__ import annotations

# --------------------------------------------------------------------- kinds
FBA_RETURNS = "fba_returns"
FBA_SHIPMENTS = "fba_shipments"
FBM_RETURNS = "fbm_returns"
FULFILLED_SHIPMENTS = "fulfilled_shipments"
SELLER_FEEDBACK = "seller_feedback"
VOC = "voc"
REIMBURSEMENTS = "reimbursements"
LEDGER = "ledger"
REPLACEMENTS = "replacements"
REVIEWS = "reviews"
LOTS = "lots"

REPORT_KINDS = (
    FBA_RETURNS,
    FBA_SHIPMENTS,
    FBM_RETURNS,
    FULFILLED_SHIPMENTS,
    SELLER_FEEDBACK,
    VOC,
    REIMBURSEMENTS,
    LEDGER,
    REPLACEMENTS,
    REVIEWS,
    LOTS,
)

#: which canonical table each report kind feeds
TABLE_OF_KIND = {
    FBA_RETURNS: "complaints",
    FBM_RETURNS: "complaints",
    REPLACEMENTS: "complaints",
    SELLER_FEEDBACK: "complaints",
    REVIEWS: "complaints",
    FBA_SHIPMENTS: "shipments",
    FULFILLED_SHIPMENTS: "shipments",
    LOTS: "lots",
    VOC: "voc",
    LEDGER: "events",
    REIMBURSEMENTS: "events",
}

# ------------------------------------------------------------ common columns
SOURCE_KIND = "source_kind"  # one of REPORT_KINDS
SOURCE_FILE = "source_file"  # file name as the user gave it
SOURCE_LINE = "source_line"  # 1-based physical line (or sheet row) in that file

DATE = "date"  # datetime64[ns], UTC, tz-naive
ORDER_ID = "order_id"
SKU = "sku"
ASIN = "asin"
FNSKU = "fnsku"
QUANTITY = "quantity"  # Int64
MARKETPLACE = "marketplace"
PRODUCT_NAME = "product_name"

# -------------------------------------------------------- complaints columns
COMPLAINT_ID = "complaint_id"  # "<file index>:<line>", unique in a dataset
FC_PROCESSED = "fc_processed"  # FC that processed a return (not the shipping FC)
DISPOSITION = "disposition"  # FC's inspection result, e.g. DEFECTIVE, CARRIER_DAMAGED
REASON = "reason"  # normalised reason code: CR- prefix stripped, upper case
REASON_RAW = "reason_raw"  # the value exactly as the report gave it
STATUS = "status"
LPN = "license_plate_number"
TITLE = "title"  # review title, when there is one
TEXT = "text"  # customer words: comments, feedback, review body
RATING = "rating"  # float 1..5 or NA
ATOZ_CLAIM = "atoz_claim"  # boolean or NA (FBM returns only)
IS_DUPLICATE = "is_duplicate"  # a re-posted row (same LPN) seen before in the dataset

COMPLAINT_COLUMNS = (
    COMPLAINT_ID,
    SOURCE_KIND,
    SOURCE_FILE,
    SOURCE_LINE,
    DATE,
    ORDER_ID,
    SKU,
    ASIN,
    FNSKU,
    PRODUCT_NAME,
    QUANTITY,
    FC_PROCESSED,
    DISPOSITION,
    REASON,
    REASON_RAW,
    STATUS,
    LPN,
    TITLE,
    TEXT,
    RATING,
    ATOZ_CLAIM,
    MARKETPLACE,
    IS_DUPLICATE,
)

# --------------------------------------------------------- shipments columns
FC_SHIPPED = "fc_shipped"  # FC that shipped the unit
CARRIER = "carrier"

SHIPMENT_COLUMNS = (
    SOURCE_KIND,
    SOURCE_FILE,
    SOURCE_LINE,
    DATE,
    ORDER_ID,
    SKU,
    ASIN,
    FNSKU,
    FC_SHIPPED,
    QUANTITY,
    CARRIER,
    MARKETPLACE,
)

#: per canonical table, the text columns held as pandas categoricals (every other text column is ``str``)
CATEGORICAL_COLUMNS = {
    "shipments": (SOURCE_KIND, SOURCE_FILE, SKU, ASIN, FNSKU, FC_SHIPPED, CARRIER, MARKETPLACE),
}

# -------------------------------------------------------------- lots columns
LOT = "lot"
SUPPLIER = "supplier"
RECEIVE_DATE = "receive_date"
PRODUCTION_DATE = "production_date"
INBOUND_SHIPMENT_ID = "inbound_shipment_id"
# every further lot-master column is kept under its snake_case name as a factor

LOT_KEY_COLUMNS = (SKU, FNSKU)

# --------------------------------------------------------------- voc columns
NCX_RATE = "ncx_rate"  # float fraction (0.0412 for "4.12%")
NCX_ORDERS = "ncx_orders"
TOTAL_ORDERS = "total_orders"
STAR_RATING = "star_rating"
RETURN_RATE = "return_rate"
TOP_REASON = "top_reason"
CX_HEALTH = "cx_health"
FULFILLED_BY = "fulfilled_by"
CONDITION = "condition"

VOC_COLUMNS = (
    SOURCE_KIND,
    SOURCE_FILE,
    SOURCE_LINE,
    DATE,
    PRODUCT_NAME,
    ASIN,
    SKU,
    CONDITION,
    FULFILLED_BY,
    NCX_RATE,
    NCX_ORDERS,
    TOTAL_ORDERS,
    STAR_RATING,
    RETURN_RATE,
    TOP_REASON,
    CX_HEALTH,
)

# ------------------------------------------------------------ events columns
EVENT_TYPE = "event_type"  # ledger Event Type, or "Reimbursement"
REFERENCE_ID = "reference_id"
FC = "fc"
AMOUNT = "amount"
UNRECONCILED = "unreconciled_quantity"

EVENT_COLUMNS = (
    SOURCE_KIND,
    SOURCE_FILE,
    SOURCE_LINE,
    DATE,
    EVENT_TYPE,
    REFERENCE_ID,
    ORDER_ID,
    SKU,
    ASIN,
    FNSKU,
    FC,
    DISPOSITION,
    REASON,
    QUANTITY,
    UNRECONCILED,
    AMOUNT,
)

# ------------------------------------------------- columns added downstream
FAMILY = "family"  # complaint family id (classify.py)
FAMILY_CONFIDENCE = "family_confidence"  # 0..1
EVIDENCE = "evidence"  # human-readable: which code / terms decided the family
SAFETY = "safety"  # the safety incidents a complaint describes ("exploded, caught fire"), "" when none
WEEK = "week"  # Monday of the ISO week, datetime64
SHIP_DATE = "ship_date"  # when the complaint's unit shipped (linked by order to a shipment line), else NaT
LINK_METHOD = "link_method"  # how a complaint was tied to a lot: exact / fifo / none

UNKNOWN_LEVEL = "(unknown)"  # level used when a factor cannot be linked

# The complaint families, in the order they are shown.
FAMILIES = (
    "product_defect",
    "quality_expectation",
    "not_as_described",
    "missing_parts",
    "shipping_damage",
    "warehouse_damage",
    "wrong_item",
    "authenticity",
    "not_received",
    "misuse",
    "remorse",
    "other",
)
