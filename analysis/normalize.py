"""Raw report -> canonical table: recognise the kind, map columns, parse values.

Problems are returned as data (rejected rows with their reasons), never printed.
Every data line of a file ends up either in :attr:`LoadedFile.table` or in
:attr:`LoadedFile.rejected`.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.errors import ReportFormatError, UnknownReportError
from analysis.io import ColumnChoice, RawTable, read_raw


def norm_header(name: str) -> str:
    """Case-, space-, hyphen- and underscore-insensitive form of a column name."""
    name = name.replace("\ufeff", "").strip().strip('"').strip("'").lower()
    return re.sub(r"[\s\-_.()（）:：/#]+", "", name)


def snake_case(name: str) -> str:
    """Identifier-safe factor name for a lot-master column (non-Latin names are kept as written)."""
    text = name.replace("\ufeff", "").strip()
    known = _FACTOR_TRANSLATIONS.get(norm_header(text))
    if known:
        return known
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^\w]+", "_", text.lower(), flags=re.UNICODE).strip("_")
    return text or "column"


# Chinese (and a few English) lot-master headers -> canonical factor names
_FACTOR_TRANSLATIONS = {
    "线材批次": "cable_lot",
    "线材批次号": "cable_lot",
    "电池批次": "battery_lot",
    "电池批次号": "battery_lot",
    "组件批次": "component_lot",
    "零件批次": "component_lot",
    "包装版本": "packaging_version",
    "包装": "packaging_version",
    "包材版本": "packaging_version",
    "颜色": "color",
    "型号": "model",
    "工厂": "factory",
    "产线": "production_line",
    "生产线": "production_line",
    "芯片批次": "chip_lot",
    "喇叭批次": "driver_lot",
    "单元批次": "driver_lot",
    "充电盒批次": "case_lot",
}


# ------------------------------------------------------------------ specs
@dataclass(frozen=True)
class KindSpec:
    """How one report kind maps onto a canonical table."""

    kind: str
    columns: Mapping[str, tuple[str, ...]]  # canonical column -> accepted normalised headers
    required: tuple[str, ...]  # canonical columns whose header must be present
    signature: tuple[tuple[str, ...], ...]  # header groups that identify the kind (any alias per group)
    date_formats: tuple[str, ...] = ("%Y-%m-%dT%H:%M:%S%z",)
    required_values: tuple[str, ...] = ()  # canonical columns that may not be empty in a row
    any_of: tuple[str, ...] = ()  # a row needs at least one of these non-empty


_ISO = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
_FC = ("fulfillmentcenterid", "fulfilmentcentreid", "fulfillmentcentreid", "fulfilmentcenterid", "fcid", "fc")

SPECS: dict[str, KindSpec] = {
    S.FBA_RETURNS: KindSpec(
        S.FBA_RETURNS,
        {
            S.DATE: ("returndate",),
            S.ORDER_ID: ("orderid", "amazonorderid"),
            S.SKU: ("sku", "sellersku", "merchantsku", "msku"),
            S.ASIN: ("asin",),
            S.FNSKU: ("fnsku",),
            S.PRODUCT_NAME: ("productname", "title"),
            S.QUANTITY: ("quantity",),
            S.FC_PROCESSED: _FC,
            S.DISPOSITION: ("detaileddisposition", "disposition"),
            S.REASON_RAW: ("reason", "returnreason"),
            S.STATUS: ("status",),
            S.LPN: ("licenseplatenumber", "lpn"),
            S.TEXT: ("customercomments", "customercomment"),
        },
        required=(S.DATE, S.DISPOSITION, S.REASON_RAW),
        signature=(("returndate",), ("detaileddisposition",), ("reason",)),
        date_formats=_ISO,
        required_values=(S.DATE, S.QUANTITY),
        any_of=(S.SKU, S.ASIN, S.FNSKU),
    ),
    S.FBA_SHIPMENTS: KindSpec(
        S.FBA_SHIPMENTS,
        {
            S.DATE: ("shipmentdate",),
            S.SKU: ("sku", "sellersku", "msku"),
            S.FNSKU: ("fnsku",),
            S.ASIN: ("asin",),
            S.FC_SHIPPED: _FC,
            S.QUANTITY: ("quantity", "quantityshipped"),
            S.ORDER_ID: ("amazonorderid", "orderid"),
        },
        required=(S.DATE, S.SKU, S.QUANTITY, S.FC_SHIPPED),
        signature=(("shipmentdate",), ("fnsku",), _FC, ("quantity",), ("amazonorderid", "orderid")),
        date_formats=_ISO,
        required_values=(S.DATE, S.QUANTITY),
        any_of=(S.SKU, S.FNSKU, S.ASIN),
    ),
    S.FULFILLED_SHIPMENTS: KindSpec(
        S.FULFILLED_SHIPMENTS,
        {
            S.ORDER_ID: ("amazonorderid",),
            S.DATE: ("shipmentdate",),
            S.SKU: ("sku", "sellersku"),
            S.QUANTITY: ("quantityshipped",),
            S.FC_SHIPPED: _FC,
            S.CARRIER: ("carrier",),
            S.MARKETPLACE: ("saleschannel",),
        },
        required=(S.ORDER_ID, S.DATE, S.SKU, S.QUANTITY),
        signature=(("amazonorderid",), ("shipmentitemid",), ("quantityshipped",)),
        date_formats=_ISO,
        required_values=(S.DATE, S.QUANTITY, S.SKU),
    ),
    S.FBM_RETURNS: KindSpec(
        S.FBM_RETURNS,
        {
            S.ORDER_ID: ("orderid",),
            S.DATE: ("returnrequestdate",),
            S.STATUS: ("returnrequeststatus",),
            S.ATOZ_CLAIM: ("atozclaim",),
            S.ASIN: ("asin",),
            S.SKU: ("merchantsku", "sellersku", "sku"),
            S.PRODUCT_NAME: ("itemname",),
            S.QUANTITY: ("returnquantity",),
            S.REASON_RAW: ("returnreason", "returnreasoncode"),
        },
        required=(S.ORDER_ID, S.DATE, S.REASON_RAW),
        signature=(("returnrequestdate",), ("returnreason", "returnreasoncode"), ("amazonrmaid",)),
        date_formats=_ISO + ("%m/%d/%Y", "%d-%b-%Y"),
        required_values=(S.DATE,),
        any_of=(S.SKU, S.ASIN),
    ),
    S.REPLACEMENTS: KindSpec(
        S.REPLACEMENTS,
        {
            S.DATE: ("shipmentdate",),
            S.SKU: ("sku",),
            S.ASIN: ("asin",),
            S.FC_SHIPPED: ("originalfulfillmentcenterid", "originalfulfilmentcentreid"),
            S.QUANTITY: ("quantity",),
            S.REASON_RAW: ("replacementreasoncode",),
            S.ORDER_ID: ("originalamazonorderid", "originalcustomerorderid"),
        },
        required=(S.DATE, S.REASON_RAW, S.ORDER_ID),
        signature=(("replacementreasoncode",), ("originalamazonorderid", "originalcustomerorderid")),
        date_formats=_ISO,
        required_values=(S.DATE,),
        any_of=(S.SKU, S.ASIN),
    ),
    S.REIMBURSEMENTS: KindSpec(
        S.REIMBURSEMENTS,
        {
            S.DATE: ("approvaldate",),
            S.REFERENCE_ID: ("reimbursementid",),
            S.ORDER_ID: ("amazonorderid",),
            S.REASON: ("reason",),
            S.SKU: ("sku",),
            S.FNSKU: ("fnsku",),
            S.ASIN: ("asin",),
            S.QUANTITY: ("quantityreimbursedtotal",),
            S.AMOUNT: ("amounttotal",),
        },
        required=(S.DATE, S.REFERENCE_ID, S.REASON),
        signature=(("approvaldate",), ("reimbursementid",)),
        date_formats=_ISO + ("%m/%d/%Y",),
        required_values=(S.DATE,),
    ),
    S.LEDGER: KindSpec(
        S.LEDGER,
        {
            S.DATE: ("date", "adjusteddate", "adjustmentdate"),
            S.FNSKU: ("fnsku",),
            S.ASIN: ("asin",),
            S.SKU: ("msku", "sku"),
            S.EVENT_TYPE: ("eventtype",),
            S.REFERENCE_ID: ("referenceid", "transactionitemid"),
            S.QUANTITY: ("quantity",),
            S.FC: ("fulfillmentcenter", "fulfillmentcenterid", "fulfilmentcentre"),
            S.DISPOSITION: ("disposition",),
            S.REASON: ("reason",),
            S.UNRECONCILED: ("unreconciledquantity", "unreconciled"),
            S.MARKETPLACE: ("country",),
        },
        required=(S.DATE, S.FNSKU, S.QUANTITY),
        signature=(("fnsku",), ("eventtype", "transactionitemid"), ("disposition",)),
        date_formats=("%m/%d/%Y", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d", "%m/%Y"),
        required_values=(S.DATE, S.QUANTITY),
    ),
    S.VOC: KindSpec(
        S.VOC,
        {
            S.PRODUCT_NAME: ("productname", "商品名称", "商品名"),
            S.ASIN: ("asin",),
            S.SKU: ("sku", "sellersku"),
            S.CONDITION: ("condition",),
            S.FULFILLED_BY: ("fulfilledby",),
            S.NCX_RATE: ("ncxrate", "customerdissatisfactionrate", "买家不满意率"),
            S.NCX_ORDERS: ("ncxorders", "买家不满意订单"),
            S.TOTAL_ORDERS: ("totalorders", "订单总数"),
            S.STAR_RATING: ("starrating",),
            S.RETURN_RATE: ("returnrate", "退货率"),
            S.TOP_REASON: ("topncxreason", "topreturnreason"),
            S.DATE: ("lastupdated",),
            S.CX_HEALTH: ("cxhealth", "pcxhealth", "status"),
        },
        required=(S.ASIN,),
        signature=(("asin",), ("ncxrate", "customerdissatisfactionrate", "买家不满意率", "ncxorders", "买家不满意订单")),
        date_formats=("%m/%d/%Y", "%Y-%m-%d"),
        required_values=(S.ASIN,),
    ),
}

_FEEDBACK_ENGLISH = ("date", "rating", "comments", "response", "orderid", "rateremail")

_REVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    S.TEXT: ("body", "reviewbody", "review", "reviewtext", "text", "content", "comment", "comments", "reviewcontent", "评论", "评论内容", "内容", "レビュー", "本文"),
    S.TITLE: ("title", "reviewtitle", "headline", "subject", "标题", "评论标题", "タイトル"),
    S.RATING: ("rating", "stars", "star", "reviewstar", "reviewrating", "score", "starrating", "评分", "星级", "評価"),
    S.DATE: ("date", "reviewdate", "reviewedat", "日期", "评论日期", "時間", "日付"),
    S.ASIN: ("asin", "parentasin", "childasin"),
    S.SKU: ("sku", "sellersku"),
    S.PRODUCT_NAME: ("product", "productname", "item", "itemname", "variation", "产品", "商品", "型号"),
    S.ORDER_ID: ("orderid", "amazonorderid"),
    S.MARKETPLACE: ("country", "marketplace", "site", "站点"),
}

_LOT_COLUMNS: dict[str, tuple[str, ...]] = {
    S.SKU: ("sku", "sellersku", "msku", "merchantsku", "店铺sku", "产品sku", "卖家sku"),
    S.FNSKU: ("fnsku",),
    S.ASIN: ("asin",),
    S.LOT: ("lot", "lotno", "lotnumber", "lotid", "lotcode", "batch", "batchno", "batchnumber", "batchid", "批次", "批次号", "生产批次", "批号"),
    S.SUPPLIER: ("supplier", "vendor", "manufacturer", "factory", "suppliername", "供应商", "厂家", "工厂", "生产厂家"),
    S.PRODUCTION_DATE: ("productiondate", "mfgdate", "manufacturedate", "manufacturingdate", "生产日期"),
    S.RECEIVE_DATE: ("receivedate", "receiveddate", "receiptdate", "inbounddate", "入库日期", "到货日期", "收货日期"),
    S.INBOUND_SHIPMENT_ID: ("inboundshipmentid", "shipmentid", "fbashipmentid", "入库单号", "货件编号", "货件号", "fba货件号"),
    # the FC that received the lot: first-in-first-out then runs per FC
    S.FC: ("fc", "fcid", "fulfillmentcenter", "fulfillmentcenterid", "fulfilmentcentre", "destinationfc", "destinationfulfillmentcenter",
           "destinationfulfillmentcenterid", "目的仓", "入库仓", "仓库", "仓库代码"),
}
#: the most units one shipment or return line may hold; a line above is rejected (a pasted order id, a typo)
MAX_LINE_QUANTITY = 10_000

_LOT_UNITS = ("units", "quantity", "qty", "数量", "入库数量")


# --------------------------------------------------------------- results
@dataclass(frozen=True)
class LoadedFile:
    """One input file, read: its canonical table and what could not be read.

    Attributes
    ----------
    name, kind, encoding, delimiter, sha256, size_bytes
    table : canonical table (see :mod:`analysis.schema`) with ``source_line``
    rejected : ``line, reason, raw``
    data_lines : non-blank lines after the header; ``rows + len(rejected) == data_lines``
    recognised : original header -> canonical column
    ignored : headers not used (kept for reviews and lot masters as factors)
    notes : plain-language remarks (e.g. "dates read as D/M/YY")
    """

    name: str
    kind: str
    table: pd.DataFrame
    rejected: pd.DataFrame
    data_lines: int
    encoding: str
    delimiter: str
    sha256: str
    size_bytes: int
    recognised: Mapping[str, str]
    ignored: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> int:
        return len(self.table)

    @property
    def date_range(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        for col in (S.DATE, S.RECEIVE_DATE, S.PRODUCTION_DATE):
            if col in self.table.columns:
                dates = self.table[col].dropna()
                if len(dates):
                    return dates.min(), dates.max()
        return None, None


# -------------------------------------------------------------- detection
def detect_kind(header: tuple[str, ...] | list[str]) -> str | None:
    """Report kind from a header row, or None when nothing fits.

    Notes
    -----
    Headers are compared case-, space-, hyphen- and underscore-insensitively.
    Seller feedback is recognised by its English headers here; localized
    feedback files are recognised from their values by :func:`normalize`.
    """
    names = {norm_header(h) for h in header}
    for kind in (S.FBA_RETURNS, S.FBM_RETURNS, S.REPLACEMENTS, S.REIMBURSEMENTS, S.FULFILLED_SHIPMENTS, S.FBA_SHIPMENTS, S.LEDGER, S.VOC):
        if all(any(alias in names for alias in group) for group in SPECS[kind].signature):
            return kind
    if {"rating", "comments", "orderid"} <= names and ("rateremail" in names or "response" in names):
        return S.SELLER_FEEDBACK
    if _find(names, _LOT_COLUMNS[S.LOT]) and (_find(names, _LOT_COLUMNS[S.SKU]) or _find(names, _LOT_COLUMNS[S.FNSKU]) or _find(names, _LOT_COLUMNS[S.INBOUND_SHIPMENT_ID])):
        return S.LOTS
    if _find(names, _REVIEW_COLUMNS[S.TEXT]) or _find(names, _REVIEW_COLUMNS[S.TITLE]):
        return S.REVIEWS
    return None


def _find(names: set[str] | list[str], aliases: tuple[str, ...]) -> str | None:
    for alias in aliases:
        if alias in names:
            return alias
    return None


_ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")


def _looks_like_feedback(raw: RawTable) -> bool:
    """Localized seller-feedback files: six (or five) columns, rating 1-5 second, order id fifth."""
    if len(raw.header) not in (5, 6) or len(raw.frame) == 0:
        return False
    sample = raw.frame.head(200)
    ratings = sample["c1"].str.strip().isin(["1", "2", "3", "4", "5"]).mean()
    orders = sample["c4"].str.strip().str.match(_ORDER_ID).mean()
    return ratings > 0.8 and orders > 0.5


# ------------------------------------------------------------ value parsing
def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.str.strip() == "")


def parse_dates(values: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Parse strings with the first format that fits each value; NaT where none does.

    Returns tz-naive UTC ``datetime64[ns]``.  Values with an offset are converted to UTC.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values.fillna("").astype("str").str.strip()
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = text != ""
    for fmt in formats:
        if not todo.any():
            break
        subset = text[todo]
        if "%z" in fmt:
            arr = pc.strptime(pa.array(subset.to_numpy(dtype=object), type=pa.string()), format=fmt, unit="s", error_is_null=True)
            parsed = pd.Series(arr.to_pandas(), index=subset.index)
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        else:
            parsed = pd.to_datetime(subset, format=fmt, errors="coerce")
        parsed = parsed.astype("datetime64[ns]")
        ok = parsed.notna()
        result.loc[ok[ok].index] = parsed[ok]
        todo.loc[ok[ok].index] = False
    if todo.any():  # last resort: ISO-8601 in any of its shapes (e.g. fractional seconds, Z)
        subset = text[todo]
        parsed = pd.to_datetime(subset, format="ISO8601", errors="coerce", utc=True)
        parsed = parsed.dt.tz_localize(None).astype("datetime64[ns]")
        ok = parsed.notna()
        result.loc[ok[ok].index] = parsed[ok]
    return result


_FLEX_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%y", "%d/%m/%y", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日")


def parse_flexible_dates(values: pd.Series) -> tuple[pd.Series, str]:
    """Dates as a seller's spreadsheet writes them: pick the single format that reads most values.

    Returns the parsed series and a note naming the format (or ``""``).  Excel
    serial day numbers (e.g. ``45054``) are accepted too.
    """
    text = values.fillna("").astype("str").str.strip()
    present = text != ""
    if not present.any():
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), ""
    best, best_ok, best_fmt = None, -1, ""
    for fmt in _FLEX_DATE_FORMATS:
        parsed = pd.to_datetime(text.where(present), format=fmt, errors="coerce")
        ok = int(parsed.notna().sum())
        if ok > best_ok:
            best, best_ok, best_fmt = parsed, ok, fmt
        if ok == int(present.sum()):
            break
    if best_ok < int(present.sum()):
        serial = pd.to_numeric(text.where(present & best.isna()), errors="coerce")
        serial = serial.where((serial > 20000) & (serial < 80000))
        if serial.notna().any():
            best = best.fillna(pd.to_datetime("1899-12-30") + pd.to_timedelta(serial, unit="D"))
            best_fmt = best_fmt + " (and Excel serial numbers)"
    if best_ok < int(present.sum()):  # mixed: fill the rest with ISO-8601 where it reads
        rest = pd.to_datetime(text.where(present & best.isna()), format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)
        best = best.fillna(rest)
    return best.astype("datetime64[ns]"), best_fmt


_FEEDBACK_FORMATS = {
    "M/D/YY": ("%m/%d/%y", "%m/%d/%Y"),
    "D/M/YY": ("%d/%m/%y", "%d/%m/%Y"),
    "D.M.YY": ("%d.%m.%y", "%d.%m.%Y"),
    "YY/M/D": ("%y/%m/%d",),
    "YYYY-MM-DD": ("%Y-%m-%d",),
}


#: Amazon's marketplaces (Airbyte's MARKETPLACE_DATE_FORMAT_MAP): each one's seller-feedback dates are read in the
#: order of :data:`_MARKET_DATES`, D/M/YY where it names none
MARKETPLACES = ("AE", "AU", "BE", "BR", "CA", "DE", "EG", "ES", "FR", "IE", "IN", "IT", "JP", "MX", "NL", "PL", "SA", "SE", "SG", "TR", "UK", "US")
_MARKET_DATES = {"US": "M/D/YY", "DE": "D.M.YY", "JP": "YY/M/D", "SE": "YYYY-MM-DD"}


def _feedback_date_format(values: pd.Series, marketplace: str | None, header: tuple[str, ...] = ()) -> str:
    """Pick the marketplace's feedback date format (Airbyte's MARKETPLACE_DATE_FORMAT_MAP).

    Without a marketplace: Japanese headers mean Japan's YY/M/D; otherwise the format that reads the most
    values and, among those, puts them closest together.  A feedback file spans weeks or months; the wrong
    order of day, month and year scatters the same values over decades ("26/6/10" read as D/M/YY is
    2010-06-26, and the next day's "26/6/11" 2011-06-26).
    """
    if marketplace:
        return _MARKET_DATES.get(marketplace.upper(), "D/M/YY")
    if any(re.search(r"[\u3040-\u30ff]|日付|評価", h) for h in header):
        return "YY/M/D"
    text = values.dropna().astype("str").str.strip()
    text = text[text != ""].head(2000)
    if not len(text):
        return "M/D/YY"
    best, best_key = "M/D/YY", None
    for name in ("M/D/YY", "D/M/YY", "D.M.YY", "YY/M/D", "YYYY-MM-DD"):  # ties: the order Amazon's marketplaces are most often
        dates = parse_dates(text, _FEEDBACK_FORMATS[name]).dropna()
        if not len(dates):
            continue
        spread = (dates.quantile(0.95) - dates.quantile(0.05)).days
        key = (len(dates), -spread)
        if best_key is None or key > best_key:
            best, best_key = name, key
    return best


def _check_marketplace_dates(name: str, marketplace: str, text: pd.Series, fmt_name: str, read: int, header: tuple[str, ...]) -> None:
    """A marketplace whose date order reads fewer than half of a feedback file's dates, where the order the
    dates themselves suggest reads nine in ten, names the wrong marketplace: ``--marketplace JP`` on a US file
    read 40 of 398 dates, in 2010, and rejected the rest."""
    given = int((text.fillna("").astype("str").str.strip() != "").sum())
    guessed = _feedback_date_format(text, None, header)
    if not given or guessed == fmt_name or read >= given / 2:
        return
    fits = int(parse_dates(text, _FEEDBACK_FORMATS[guessed]).notna().sum())
    if fits >= 0.9 * given:
        raise ReportFormatError(name, f"marketplace {marketplace.upper()} reads dates as {fmt_name}, but only {read:,} of {given:,} "
                                      f"dates here do; {fits:,} read as {guessed}: is the file from another marketplace?")


def _to_number(values: pd.Series) -> pd.Series:
    text = values.fillna("").astype("str").str.strip().str.replace(",", "", regex=False)
    text = text.str.replace(r"^[$€£¥￥]\s*", "", regex=True)
    return pd.to_numeric(text.where(text != ""), errors="coerce")


def _to_fraction(values: pd.Series) -> pd.Series:
    """'4.12%' -> 0.0412, '0.035' -> 0.035, '--' -> NaN."""
    text = values.fillna("").astype("str").str.strip()
    pct = text.str.endswith("%")
    number = pd.to_numeric(text.str.rstrip("%").str.replace(",", "", regex=False).where(text.str.match(r"^-?[\d.,]+%?$")), errors="coerce")
    return number.where(~pct, number / 100.0)


def _to_bool(values: pd.Series) -> pd.Series:
    text = values.fillna("").astype("str").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(["y", "yes", "true", "1"])] = True
    out[text.isin(["n", "no", "false", "0"])] = False
    return out


def normalize_reason(raw: pd.Series) -> pd.Series:
    """Upper-case reason code with Amazon's ``CR-`` / ``RO_CR-`` prefix removed."""
    text = raw.fillna("").astype("str").str.strip()
    code = text.str.upper().str.replace(r"^(?:RO_)?CR-", "", regex=True)
    looks_code = code.str.match(r"^[A-Z0-9_\-]+$")
    return code.where(looks_code, text)


# ------------------------------------------------------------ normalising
def normalize(raw: RawTable, kind: str | None = None, column_map: Mapping[str, str] | None = None, marketplace: str | None = None) -> LoadedFile:
    """Turn a :class:`RawTable` into a canonical table of its report kind.

    Parameters
    ----------
    raw
        The file as read by :func:`analysis.io.read_raw`.
    kind
        Force a report kind; by default it is detected from the header.
    column_map
        For reviews / lot masters: ``{canonical column: header as written}``,
        overriding the guesses (e.g. ``{"text": "Review Body"}``).
    marketplace
        Two-letter marketplace for seller-feedback dates (US, DE, JP, UK ...);
        guessed from the values when omitted.

    Returns
    -------
    LoadedFile

    Raises
    ------
    ReportFormatError
        The header fits no known report, or a required column is missing.
    """
    detected = kind or detect_kind(raw.header)
    if detected is None and _looks_like_feedback(raw):
        detected = S.SELLER_FEEDBACK
    if detected is None:
        shown = ", ".join(h for h in raw.header[:8] if h)[:160] or "(blank)"
        if len(raw.header) <= 1 and raw.data_lines == 0:
            raise ReportFormatError(raw.name, f"not a report: a single line with no data ({shown})")
        raise UnknownReportError(raw.name, f"not a recognised Amazon report or lot master (header: {shown})")
    if detected == S.SELLER_FEEDBACK:
        return _normalize_feedback(raw, marketplace)
    if detected == S.REVIEWS:
        return _normalize_generic(raw, S.REVIEWS, _REVIEW_COLUMNS, column_map)
    if detected == S.LOTS:
        return _normalize_generic(raw, S.LOTS, _LOT_COLUMNS, column_map)
    return _normalize_spec(raw, SPECS[detected])


def _map_columns(header: tuple[str, ...], columns: Mapping[str, tuple[str, ...]], column_map: Mapping[str, str] | None = None, name: str = "") -> dict[str, str]:
    """canonical column -> raw frame column (c0, c1 ...); ``name`` is the file's, for the error about ``column_map``."""
    normalized = [norm_header(h) for h in header]
    found: dict[str, str] = {}
    used: set[int] = set()
    if column_map:
        wanted = {norm_header(v): k for k, v in column_map.items()}
        for i, h in enumerate(normalized):
            if h in wanted:
                found[wanted[h]] = f"c{i}"
                used.add(i)
        missing = [v for v in column_map.values() if norm_header(v) not in normalized]
        if missing:
            raise ReportFormatError(name, f"column not found: {', '.join(missing)}")
    for canonical, aliases in columns.items():
        if canonical in found:
            continue
        for alias in aliases:  # alias order is preference order
            hits = [i for i, h in enumerate(normalized) if h == alias and i not in used]
            if hits:
                found[canonical] = f"c{hits[0]}"
                used.add(hits[0])
                break
    return found


def _reject(frame: pd.DataFrame, raw: RawTable, mask: pd.Series, reason: pd.Series | str, bucket: list[pd.DataFrame]) -> pd.DataFrame:
    """Move the rows under ``mask`` to the rejected bucket; return the rest."""
    if not mask.any():
        return frame
    bad = frame[mask]
    rows = raw.frame.loc[bad.index]
    delimiter = "\t" if raw.delimiter in ("\t", "xlsx") else raw.delimiter
    raw_text = rows.astype("str").agg(delimiter.join, axis=1) if len(rows.columns) else pd.Series("", index=rows.index)
    reasons = reason[mask] if isinstance(reason, pd.Series) else reason
    bucket.append(pd.DataFrame({"line": bad[S.SOURCE_LINE].to_numpy(), "reason": reasons, "raw": raw_text.to_numpy()}))
    return frame[~mask]


def _base_frame(raw: RawTable, kind: str) -> pd.DataFrame:
    frame = pd.DataFrame(index=raw.frame.index)
    frame[S.SOURCE_KIND] = kind
    frame[S.SOURCE_FILE] = raw.name
    frame[S.SOURCE_LINE] = raw.lines
    return frame


def _finish(raw: RawTable, kind: str, frame: pd.DataFrame, bucket: list[pd.DataFrame], mapping: dict[str, str], notes: list[str], ignored: tuple[str, ...] | None = None) -> LoadedFile:
    rejected = pd.concat([raw.rejected, *bucket], ignore_index=True) if bucket else raw.rejected
    rejected = rejected.astype({"line": "int64", "reason": "str", "raw": "str"}).sort_values("line", kind="stable").reset_index(drop=True)
    recognised = {raw.header[int(col[1:])]: canonical for canonical, col in mapping.items()}
    if ignored is None:
        used = {int(col[1:]) for col in mapping.values()}
        ignored = tuple(h for i, h in enumerate(raw.header) if i not in used and h)
    frame = frame.reset_index(drop=True)
    if len(frame) + len(rejected) != raw.data_lines:
        raise ReportFormatError(raw.name, f"internal row accounting failed ({len(frame)} rows + {len(rejected)} rejected != {raw.data_lines} lines)")
    return LoadedFile(raw.name, kind, frame, rejected, raw.data_lines, raw.encoding, raw.delimiter, raw.sha256, raw.size_bytes, recognised, ignored, tuple(raw.notes) + tuple(notes))


def _text(raw: RawTable, mapping: dict[str, str], canonical: str) -> pd.Series:
    if canonical in mapping:
        return raw.frame[mapping[canonical]].str.strip()
    return pd.Series("", index=raw.frame.index, dtype="str")


def _arrow_dates(values, formats: tuple[str, ...]):
    """Parse an Arrow string array with the first format that fits each value -> timestamp[ns] (UTC, naive)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    given = pc.not_equal(values, "")
    if formats[:1] == ("%Y-%m-%dT%H:%M:%S%z",):
        try:  # Arrow's own ISO-8601 reader: three times quicker than strptime, the same instants; any odd value falls through
            present = values if pc.all(given).as_py() else pc.if_else(given, values, pa.scalar(None, pa.string()))  # no copy when none is blank
            utc = pc.cast(present, pa.timestamp("s", "UTC"))
            return utc.cast(pa.int64()).cast(pa.timestamp("s")).cast(pa.timestamp("ns"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    result = None
    for fmt in formats:  # a later format only fills what the earlier ones left; most files need one pass
        parsed = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
        if parsed.type.tz is not None:  # stored as UTC instants: drop the zone, keep the instant
            parsed = parsed.cast(pa.int64()).cast(pa.timestamp("s"))
        result = parsed if result is None else pc.coalesce(result, parsed)
        missing = pc.and_(pc.is_null(result), given)
        if not pc.any(missing).as_py():
            break
    if pc.any(missing).as_py():  # last resort: ISO-8601 in any of its shapes (fractional seconds, Z ...)
        idx = np.flatnonzero(missing.to_numpy(zero_copy_only=False))
        text = pd.Series(values.take(pa.array(idx)).to_pylist(), dtype="str")
        extra = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None).astype("datetime64[s]")
        values_now = result.to_pandas().astype("datetime64[s]")
        values_now.iloc[idx] = extra.to_numpy()
        result = pa.array(values_now, type=pa.timestamp("s"), from_pandas=True)
    return result.cast(pa.timestamp("ns"))


def _normalize_spec(raw: RawTable, spec: KindSpec) -> LoadedFile:
    """Arrow fast path: validate and convert columns without per-row Python work.

    Text columns are trimmed only where a value may start or end with
    whitespace (:func:`_trimmed`).  The table's low-cardinality text columns
    (:data:`analysis.schema.CATEGORICAL_COLUMNS`: SKU, ASIN, FC ... of shipment
    lines) are dictionary-encoded in Arrow and become pandas categoricals, so
    millions of lines never turn into millions of strings.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    mapping = _map_columns(raw.header, spec.columns)
    missing = [c for c in spec.required if c not in mapping]
    if missing:
        wanted = ", ".join(spec.columns[c][0] for c in missing)
        raise ReportFormatError(raw.name, f"looks like {spec.kind} but the column(s) {wanted} are missing")
    table = raw.arrow
    n = table.num_rows
    table_name = S.TABLE_OF_KIND[spec.kind]
    categorical = S.CATEGORICAL_COLUMNS.get(table_name, ())
    numeric_cols = (S.DATE, S.QUANTITY, S.ATOZ_CLAIM, S.AMOUNT, S.UNRECONCILED, S.NCX_RATE, S.NCX_ORDERS, S.TOTAL_ORDERS, S.STAR_RATING, S.RETURN_RATE)
    wanted = [c for c in spec.columns if c in mapping]
    # Arrow kernels release the GIL: prepare the columns side by side
    with ThreadPoolExecutor(max_workers=2) as pool:
        prepared = pool.map(lambda c: _trimmed(table.column(mapping[c]), dictionary=c in categorical), wanted)
        text: dict[str, Any] = dict(zip(wanted, prepared))
    has_reason = np.zeros(n, dtype=bool)
    flagged: list[tuple[np.ndarray, list[str]]] = []  # (positions, reasons): the first reason found for a row wins

    def flag(mask, make_reason) -> None:
        positions = np.flatnonzero(np.asarray(mask) & ~has_reason)
        if len(positions):
            has_reason[positions] = True
            flagged.append((positions, make_reason(positions)))

    columns: dict[str, Any] = {}
    if S.DATE in text:
        dates = _arrow_dates(text[S.DATE], spec.date_formats)
        columns[S.DATE] = dates
        if S.DATE in spec.required_values:
            values = text[S.DATE]
            flag(pc.is_null(dates).to_numpy(zero_copy_only=False), lambda pos: [f"unparseable date '{v[:40]}'" if v else "missing date" for v in values.take(pa.array(pos)).to_pylist()])
    if S.QUANTITY in text:
        values = text[S.QUANTITY]
        try:
            qty = pc.cast(values, pa.int64())
            # Arrow also reads hexadecimal ("0x10", "0X10"), which no report writes as a count
            plain = not any(pc.any(pc.starts_with(values, prefix)).as_py() for prefix in ("0x", "0X"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            plain = False
        if not plain:
            written = pd.Series(values.to_pylist(), dtype="str")
            # a count is a whole number in digits, thousands perhaps grouped: "1e3" is not 1,000, nor "1.5" a count
            digits = written.str.fullmatch(r"-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)")
            parsed = pd.to_numeric(written.str.replace(",", "", regex=False).where(digits), errors="coerce")
            huge = (parsed.abs() >= 2.0 ** 53).to_numpy(dtype=bool, na_value=False)  # beyond exact integers (and int64)
            flag(huge, lambda pos: [f"quantity out of range '{v[:40]}'" for v in values.take(pa.array(pos)).to_pylist()])
            qty = pa.array(parsed.where(parsed.notna() & ~huge).astype("Int64"), type=pa.int64(), from_pandas=True)
        if table_name in ("complaints", "shipments"):
            # one mistyped line (an order id pasted into the quantity) took over every rate, or hung Fisher's test
            flag(pc.fill_null(pc.greater(qty, MAX_LINE_QUANTITY), False).to_numpy(zero_copy_only=False),
                 lambda pos: [f"implausible quantity '{v[:40]}' (over {MAX_LINE_QUANTITY:,} units on one line)" for v in values.take(pa.array(pos)).to_pylist()])
        unread = pc.is_null(qty).to_numpy(zero_copy_only=False)
        if S.QUANTITY not in spec.required_values:
            unread = unread & ~_is_empty(values)  # an empty count may stand for one; a count written wrong may not
        flag(unread, lambda pos: [f"non-numeric quantity '{v[:40]}'" if v else "missing quantity" for v in values.take(pa.array(pos)).to_pylist()])
        if table_name in ("complaints", "shipments"):  # (a ledger's and a reimbursement's counts may be negative: adjustments)
            # units shipped or returned are never fewer than none: a negative count would take units from a level's total
            flag(pc.fill_null(pc.less(qty, 0), False).to_numpy(zero_copy_only=False), lambda pos: [f"negative quantity '{v[:40]}'" for v in values.take(pa.array(pos)).to_pylist()])
        if table_name == "complaints":
            # a return of no units is no complaint, yet it was counted as one (a shipment line of 0 units adds nothing)
            flag(pc.fill_null(pc.equal(qty, 0), False).to_numpy(zero_copy_only=False), lambda pos: ["quantity 0"] * len(pos))
        columns[S.QUANTITY] = qty
    if spec.any_of:
        present = [c for c in spec.any_of if c in text]
        if present:
            nothing = np.ones(n, dtype=bool)
            for c in present:
                nothing &= _is_empty(text[c])
            flag(nothing, lambda pos: [f"no product identifier ({' / '.join(present)})"] * len(pos))
    for canonical in spec.required_values:
        if canonical in (S.DATE, S.QUANTITY) or canonical not in text:
            continue
        flag(_is_empty(text[canonical]), lambda pos, c=canonical: [f"missing {c}"] * len(pos))
    bucket: list[pd.DataFrame] = []
    if flagged:
        positions = np.concatenate([p for p, _ in flagged])
        reasons = np.concatenate([np.asarray(r, dtype=object) for _, r in flagged])
        order = np.argsort(positions, kind="stable")
        positions = positions[order]
        bucket.append(pd.DataFrame({"line": raw.lines[positions], "reason": reasons[order].astype(str), "raw": raw.raw_lines(positions)}))
    keep = pa.array(~has_reason) if flagged else None
    lines = raw.lines[~has_reason] if flagged else raw.lines

    def kept(values):
        return values if keep is None else values.filter(keep)

    frame = pd.DataFrame({
        S.SOURCE_KIND: _constant(spec.kind, len(lines), S.SOURCE_KIND in categorical),
        S.SOURCE_FILE: _constant(raw.name, len(lines), S.SOURCE_FILE in categorical),
        S.SOURCE_LINE: lines,
        **{canonical: _pandas_text(kept(values), dropped=keep is not None) for canonical, values in text.items() if canonical not in numeric_cols},
    }, copy=False)
    if S.DATE in columns:
        frame[S.DATE] = kept(columns[S.DATE]).to_pandas().astype("datetime64[ns]").to_numpy()
    if S.QUANTITY in columns:
        frame[S.QUANTITY] = kept(columns[S.QUANTITY]).to_pandas().astype("Int64").array
    small = {c: pd.Series(kept(text[c]).to_pylist(), dtype="str") for c in text if c in numeric_cols and c not in (S.DATE, S.QUANTITY)}
    for canonical in (S.AMOUNT, S.UNRECONCILED, S.NCX_ORDERS, S.TOTAL_ORDERS, S.STAR_RATING):
        if canonical in small:
            frame[canonical] = _to_number(small[canonical]).to_numpy()
    for canonical in (S.NCX_RATE, S.RETURN_RATE):
        if canonical in small:
            frame[canonical] = _to_fraction(small[canonical]).to_numpy()
    if S.ATOZ_CLAIM in small:
        frame[S.ATOZ_CLAIM] = _to_bool(small[S.ATOZ_CLAIM]).to_numpy()
    notes: list[str] = []
    if S.REASON_RAW in frame.columns:
        frame[S.REASON] = normalize_reason(frame[S.REASON_RAW])
    if S.DISPOSITION in frame.columns:
        frame[S.DISPOSITION] = frame[S.DISPOSITION].str.upper().str.replace(" ", "_", regex=False).str.replace("-", "_", regex=False)
    if spec.kind == S.REIMBURSEMENTS:
        frame[S.EVENT_TYPE] = "Reimbursement"
    if spec.kind == S.LEDGER and S.EVENT_TYPE not in mapping:
        frame[S.EVENT_TYPE] = "Adjustments"
        notes.append("legacy Inventory Adjustments report: reason codes keep their old meanings (K = damaged by item defect)")
    frame = _conform(frame, table_name)
    return _finish(raw, spec.kind, frame, bucket, mapping, notes)


def _trimmed(column, dictionary: bool):
    """A raw text column with the whitespace around each value removed; dictionary-encoded when ``dictionary`` (if not read so).

    Trimming copies the whole column, so a plain column is trimmed only when a
    value may start or end with whitespace (:func:`_may_have_edge_space`); a
    dictionary-encoded column is trimmed in its dictionary of distinct values.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not dictionary:
        return pc.utf8_trim_whitespace(column) if _may_have_edge_space(column) else column
    encoded = pc.dictionary_encode(column).combine_chunks()
    values = pc.utf8_trim_whitespace(encoded.dictionary)
    if values.equals(encoded.dictionary):
        return encoded
    merged = pc.dictionary_encode(values)  # values that differed only in their surrounding whitespace become one
    return pa.DictionaryArray.from_arrays(pc.take(merged.indices, encoded.indices), merged.dictionary)


#: the bytes a value may start and end with without any whitespace to trim: printable ASCII but space
_PLAIN_EDGE = (0x21, 0x7E)


def _may_have_edge_space(column) -> bool:
    """False when every value of an Arrow string column is empty or starts and ends with printable ASCII other than space.

    Reads the first and last byte of each value straight from the Arrow buffers.
    Any other byte (space, control character, non-ASCII) counts as possible
    whitespace, so True only means "trim to be sure".
    """
    import pyarrow as pa

    if not pa.types.is_string(column.type):
        return True
    for chunk in column.chunks:
        if chunk.null_count:
            return True
        _, offsets, data = chunk.buffers()
        if len(chunk) == 0 or data is None:
            continue
        offsets = np.frombuffer(offsets, dtype=np.int32, count=len(chunk) + 1, offset=4 * chunk.offset)
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        data = np.frombuffer(data, dtype=np.uint8)
        edges = np.concatenate([data[starts[filled]], data[ends[filled] - 1]])
        if ((edges < _PLAIN_EDGE[0]) | (edges > _PLAIN_EDGE[1])).any():
            return True
    return False


def _is_empty(values) -> np.ndarray:
    """Boolean mask of the empty values of a text column as :func:`_trimmed` returns it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(values.type):
        empty = pc.equal(values.dictionary, "").to_numpy(zero_copy_only=False).astype(bool)
        return empty[values.indices.to_numpy(zero_copy_only=False)]
    return pc.equal(values, "").to_numpy(zero_copy_only=False)


def _pandas_text(values, dropped: bool) -> pd.Series:
    """A text column as :func:`_trimmed` returns it, in pandas: ``str``, or categorical when dictionary-encoded.

    ``dropped``: rows were left out, so categories only they used are removed.
    """
    column = values.to_pandas()
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.remove_unused_categories() if dropped else column
    return column.astype("str")


def _constant(value: str, length: int, categorical: bool) -> pd.Series:
    """A text column repeating one value: a categorical, or ``str`` made in Arrow (pandas would repeat a scalar element by element)."""
    import pyarrow as pa

    if categorical:
        return pd.Series(pd.Categorical.from_codes(np.zeros(length, dtype=np.int8), categories=pd.Index([value], dtype="str")))
    return pa.repeat(value, length).to_pandas().astype("str")


def _conform(frame: pd.DataFrame, table_name: str) -> pd.DataFrame:
    """Give a canonical table all its columns with their dtypes, in schema order."""
    columns = {
        "complaints": S.COMPLAINT_COLUMNS,
        "shipments": S.SHIPMENT_COLUMNS,
        "voc": S.VOC_COLUMNS,
        "events": S.EVENT_COLUMNS,
    }[table_name]
    categorical = S.CATEGORICAL_COLUMNS.get(table_name, ())
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        if col in frame.columns:
            out[col] = frame[col]
        elif col == S.COMPLAINT_ID:
            continue
        else:
            out[col] = _empty_like(col, frame.index, col in categorical)
    extra = [c for c in frame.columns if c not in out.columns]
    for col in extra:
        out[col] = frame[col]
    return out


_NUMERIC = {S.RATING: "float64", S.AMOUNT: "float64", S.UNRECONCILED: "float64", S.NCX_RATE: "float64", S.NCX_ORDERS: "float64", S.TOTAL_ORDERS: "float64", S.STAR_RATING: "float64", S.RETURN_RATE: "float64"}


def _empty_like(col: str, index: pd.Index, categorical: bool = False) -> pd.Series:
    if categorical:
        return _constant("", len(index), categorical=True).set_axis(index)
    if col == S.DATE:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if col == S.QUANTITY:
        return pd.Series(1, index=index, dtype="Int64")
    if col in _NUMERIC:
        return pd.Series(np.nan, index=index, dtype=_NUMERIC[col])
    if col in (S.ATOZ_CLAIM,):
        return pd.Series(pd.NA, index=index, dtype="boolean")
    if col == S.IS_DUPLICATE:
        return pd.Series(False, index=index, dtype="bool")
    if col == S.SOURCE_LINE:
        return pd.Series(0, index=index, dtype="int64")
    return pd.Series("", index=index, dtype="str")


def _normalize_feedback(raw: RawTable, marketplace: str | None) -> LoadedFile:
    if len(raw.header) not in (5, 6):
        raise ReportFormatError(raw.name, f"seller feedback must have 6 columns (Date, Rating, Comments, Response, Order ID, Rater Email); found {len(raw.header)}")
    # positional: the header text is localized per marketplace, the order is fixed (Airbyte)
    mapping = {S.DATE: "c0", S.RATING: "c1", S.TEXT: "c2", S.ORDER_ID: "c4"}
    frame = _base_frame(raw, S.SELLER_FEEDBACK)
    bucket: list[pd.DataFrame] = []
    date_text = raw.frame["c0"].str.strip()
    fmt_name = _feedback_date_format(date_text, marketplace, raw.header)
    frame[S.DATE] = parse_dates(date_text, _FEEDBACK_FORMATS[fmt_name])
    if marketplace:
        _check_marketplace_dates(raw.name, marketplace, date_text, fmt_name, frame[S.DATE].notna().sum(), raw.header)
    frame = _reject(frame, raw, frame[S.DATE].isna(), pd.Series("unparseable date '" + date_text + "'", index=raw.frame.index).where(date_text != "", "missing date"), bucket)
    rating_text = raw.frame["c1"].loc[frame.index].str.strip()
    rating = _to_number(rating_text)
    frame = _reject(frame, raw, ~rating.between(1, 5), "rating '" + rating_text + "' is not 1-5", bucket)
    frame[S.RATING] = rating.loc[frame.index].astype("float64")
    frame[S.TEXT] = raw.frame["c2"].loc[frame.index].str.strip()
    frame[S.ORDER_ID] = raw.frame["c4"].loc[frame.index].str.strip()
    # Rater Email (c5) is buyer PII: never read into the table
    frame[S.QUANTITY] = pd.Series(1, index=frame.index, dtype="Int64")
    frame[S.MARKETPLACE] = (marketplace or "").upper()
    frame = _conform(frame, "complaints")
    notes = [f"feedback dates read as {fmt_name}"]
    ignored = tuple(raw.header[i] for i in (3, 5) if i < len(raw.header))
    return _finish(raw, S.SELLER_FEEDBACK, frame, bucket, mapping, notes, ignored)


def _normalize_generic(raw: RawTable, kind: str, columns: Mapping[str, tuple[str, ...]], column_map: Mapping[str, str] | None) -> LoadedFile:
    mapping = _map_columns(raw.header, columns, column_map, raw.name)
    frame = _base_frame(raw, kind)
    bucket: list[pd.DataFrame] = []
    notes: list[str] = []
    if kind == S.REVIEWS:
        if S.TEXT not in mapping and S.TITLE not in mapping:
            raise ReportFormatError(raw.name, "reviews: no text column found (name it, e.g. text=Body)")
        for canonical in (S.TEXT, S.TITLE, S.ASIN, S.SKU, S.PRODUCT_NAME, S.ORDER_ID, S.MARKETPLACE):
            frame[canonical] = _text(raw, mapping, canonical)
        rating_text = _text(raw, mapping, S.RATING)
        rating = _to_number(rating_text.str.extract(r"^\s*(\d+(?:\.\d+)?)", expand=False).fillna(""))
        if S.RATING in mapping:
            bad = (rating_text != "") & ~rating.between(1, 5)
            frame = _reject(frame, raw, bad, "rating '" + rating_text.str.slice(0, 20) + "' is not 1-5", bucket)
        frame[S.RATING] = rating.loc[frame.index].astype("float64")
        if S.DATE in mapping:
            dates, fmt = parse_flexible_dates(_text(raw, mapping, S.DATE).loc[frame.index])
            date_text = _text(raw, mapping, S.DATE).loc[frame.index]
            bad = dates.isna() & (date_text != "")
            frame[S.DATE] = dates
            frame = _reject(frame, raw, bad, "unparseable date '" + date_text.str.slice(0, 40) + "'", bucket)
            if fmt:
                notes.append(f"review dates read as {fmt}")
        else:
            frame[S.DATE] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        empty = (frame[S.TEXT] == "") & (frame[S.TITLE] == "") & frame[S.RATING].isna()
        frame = _reject(frame, raw, empty, "empty review (no text, title or rating)", bucket)
        frame[S.QUANTITY] = pd.Series(1, index=frame.index, dtype="Int64")
        frame = _conform(frame, "complaints")
        return _finish(raw, kind, frame, bucket, mapping, notes)
    # ---- lot master: every other column is a factor
    if S.LOT not in mapping:
        raise ReportFormatError(raw.name, "lot master: no lot / batch / 批次 column found")
    if S.SKU not in mapping and S.FNSKU not in mapping and S.INBOUND_SHIPMENT_ID not in mapping:
        raise ReportFormatError(raw.name, "lot master: no SKU / FNSKU / inbound shipment column to link lots to sales")
    for canonical in (S.SKU, S.FNSKU, S.ASIN, S.LOT, S.SUPPLIER, S.INBOUND_SHIPMENT_ID, S.FC):
        if canonical in mapping:
            frame[canonical] = _text(raw, mapping, canonical)
    for canonical in (S.PRODUCTION_DATE, S.RECEIVE_DATE):
        if canonical in mapping:
            date_text = _text(raw, mapping, canonical)
            dates, fmt = parse_flexible_dates(date_text)
            frame[canonical] = dates.loc[frame.index]
            bad = dates.loc[frame.index].isna() & (date_text.loc[frame.index] != "")
            frame = _reject(frame, raw, bad, f"unparseable {canonical} '" + date_text.loc[frame.index].str.slice(0, 40) + "'", bucket)
            if fmt:
                notes.append(f"{canonical} read as {fmt}")
    used = {int(c[1:]) for c in mapping.values()}
    factor_names: dict[str, str] = {}
    for i, header in enumerate(raw.header):
        if i in used or not header:
            continue
        name = snake_case(header)
        base, k = name, 2
        while name in frame.columns or name in factor_names.values():
            name, k = f"{base}_{k}", k + 1
        if norm_header(header) in _LOT_UNITS:
            frame["units"] = _to_number(raw.frame[f"c{i}"].loc[frame.index])
            mapping["units"] = f"c{i}"
            continue
        frame[name] = raw.frame[f"c{i}"].loc[frame.index].str.strip()
        factor_names[header] = name
        mapping[name] = f"c{i}"
    no_key = frame[S.LOT] == ""
    frame = _reject(frame, raw, no_key, "missing lot", bucket)
    key_cols = [c for c in (S.SKU, S.FNSKU, S.INBOUND_SHIPMENT_ID) if c in frame.columns]
    no_link = pd.concat([frame[c] == "" for c in key_cols], axis=1).all(axis=1)
    frame = _reject(frame, raw, no_link, "no SKU / FNSKU / shipment id to link the lot", bucket)
    return _finish(raw, kind, frame, bucket, mapping, notes, ignored=())


# ---------------------------------------------------------------- entry
def _columns_read(header: tuple[str, ...], kind: str | None) -> ColumnChoice | None:
    """The fields :func:`normalize` reads from a file with this header (None: all of them, as text).

    Only the reports read by a :class:`KindSpec` leave fields out; lot masters,
    reviews and seller feedback keep every column (as factors, or to recognise
    the kind).  The fields of the table's categorical columns are read
    dictionary-encoded.
    """
    spec = SPECS.get(kind or detect_kind(header))
    if spec is None:
        return None
    mapping = _map_columns(header, spec.columns)
    categorical = S.CATEGORICAL_COLUMNS.get(S.TABLE_OF_KIND[spec.kind], ())
    return ColumnChoice(read=[int(col[1:]) for col in mapping.values()], repeated=[int(col[1:]) for c, col in mapping.items() if c in categorical])


def is_header(header: tuple[str, ...], kind: str | None = None, column_map: Mapping[str, str] | None = None) -> bool:
    """Whether a row is the header of a report of ``kind`` (of any known kind when None), or names every
    column of ``column_map``: the reader looks below a title row or a notes sheet for such a row."""
    if column_map and {norm_header(v) for v in column_map.values()} <= {norm_header(h) for h in header}:
        return True
    found = detect_kind(header)
    return found is not None and (kind is None or found == kind)


def load_file(source: Any, name: str | None = None, kind: str | None = None, column_map: Mapping[str, str] | None = None, marketplace: str | None = None) -> LoadedFile:
    """Read and normalise one file: :func:`analysis.io.read_raw` (only the fields used) then :func:`normalize`."""
    raw = read_raw(source, name=name, columns=lambda header: _columns_read(header, kind), is_header=lambda header: is_header(header, kind, column_map))
    if not raw.header or not any(h.strip() for h in raw.header):
        raise ReportFormatError(raw.name, "no header line")
    if raw.data_lines == 0:
        kind_name = kind or detect_kind(raw.header)
        if kind_name is None:
            shown = ", ".join(h for h in raw.header[:8] if h)[:160] or "(blank)"
            raise ReportFormatError(raw.name, f"not a recognised Amazon report or lot master (one line, no data: {shown})")
        raise ReportFormatError(raw.name, f"header only: the {kind_name} report has no data rows")
    return normalize(raw, kind=kind, column_map=column_map, marketplace=marketplace)
