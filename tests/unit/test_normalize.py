"""Each report kind in Amazon's exact format maps onto the canonical tables."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema as S
from analysis.normalize import detect_kind, load_file, norm_header, parse_flexible_dates

FILES = {
    "fba_returns": (
        "return-date\torder-id\tsku\tasin\tfnsku\tproduct-name\tquantity\tfulfillment-center-id\tdetailed-disposition\treason\tstatus\tlicense-plate-number\tcustomer-comments\n"
        "2024-03-04T18:22:41+00:00\t112-4829301-5573024\tKB-ERGO-BLK-01\tB0C4XYZ123\tX003ABC9KL\tErgoKey Wireless Keyboard, Black\t1\tPHX7\tDEFECTIVE\tDEFECTIVE\tUnit returned to inventory\tLPNRR4829301771\tSpacebar stopped working after two days\n"
        "2024-03-05T02:10:09-07:00\t113-7730215-9912046\tKB-ERGO-BLK-01\tB0C4XYZ123\tX003ABC9KL\tErgoKey Wireless Keyboard, Black\t1\tLGB8\tCARRIER_DAMAGED\tDAMAGED_BY_CARRIER\tReimbursed\tLPNRR7730215118\tBox crushed, keycaps loose\n"
    ),
    "fba_returns_ae": (  # amazon.ae: no status column, amazon-order-id spelling, capitalised AU headers
        "Return-date\tamazon-order-id\tSKU\tasin\tfnsku\tproduct-name\tquantity\tFulfilment-centre-id\tdetailed-disposition\treason\tlicense-plate-number\tcustomer-comments\n"
        "2024-03-04T18:22:41+00:00\t112-4829301-5573024\tKB-ERGO-BLK-01\tB0C4XYZ123\tX003ABC9KL\tErgoKey\t1\tDXB3\tSELLABLE\tNOT_AS_DESCRIBED\tLPN1\tnot backlit\n"
    ),
    "fba_shipments": (
        "shipment-date\tsku\tfnsku\tasin\tfulfillment-center-id\tquantity\tamazon-order-id\tcurrency\titem-price-per-unit\tshipping-price\tgift-wrap-price\tship-city\tship-state\tship-postal-code\n"
        "2024-03-01T04:11:52+00:00\tKB-ERGO-BLK-01\tX003ABC9KL\tB0C4XYZ123\tPHX7\t1\t112-4829301-5573024\tUSD\t59.99\t0.00\t0.00\tAUSTIN\tTX\t78701\n"
        "2024-03-01T06:40:13+00:00\tKB-ERGO-WHT-01\tX003ABD2MN\tB0C4XYZ456\tTEB3\t2\t114-1029384-7756100\tUSD\t59.99\t0.00\t0.00\tNEWARK\tNJ\t07102\n"
    ),
    "fbm_returns": (
        "Order ID\tOrder date\tReturn request date\tReturn request status\tAmazon RMA ID\tMerchant RMA ID\tLabel type\tLabel cost\tCurrency code\tReturn carrier\tTracking ID\tLabel to be paid by\tA-to-Z Claim\tIs prime\tASIN\tMerchant SKU\tItem Name\tReturn quantity\tReturn Reason\tIn policy\tReturn type\tResolution\tInvoice number\tReturn delivery date\tOrder Amount\tOrder quantity\tSafeT Action reason\tSafeT claim id\tSafeT claim state\tSafeT claim creation time\tSafeT claim reimbursement amount\tRefunded Amount\n"
        "113-2233445-6677889\t2024-02-20\t2024-02-27\tApproved\tDkR7mT2xQRMA\t\tAmazonPrePaidLabel\t8.45\tUSD\tUPS\t1Z84F2E90312345678\tSeller\tN\tY\tB0C4XYZ123\tKB-ERGO-BLK-01\tErgoKey Wireless Keyboard, Black\t1\tCR-DEFECTIVE\tY\tC-Returns\tStandardRefund\t\t2024-03-04\t59.99\t1\t\t\t\t\t\t59.99\n"
        "114-9080706-5040302\t2024-02-22\t2024-03-01\tCompleted\tDzP1aB9cKRMA\tRMA-0042\tAmazonPrePaidLabel\t7.90\tUSD\tUSPS\t9400111899223344556677\tSeller\tY\tN\tB0C4XYZ456\tKB-ERGO-WHT-01\tErgoKey Wireless Keyboard, White\t1\tAMZ-PG-BAD-DESC\tY\tC-Returns\tStandardRefund\t\t2024-03-06\t59.99\t1\t\t\t\t\t\t59.99\n"
    ),
    "fulfilled_shipments": (
        "amazon-order-id\tmerchant-order-id\tshipment-id\tshipment-item-id\tamazon-order-item-id\tmerchant-order-item-id\tpurchase-date\tpayments-date\tshipment-date\treporting-date\tbuyer-email\tbuyer-name\tbuyer-phone-number\tsku\tproduct-name\tquantity-shipped\tcurrency\titem-price\titem-tax\tshipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\tship-service-level\trecipient-name\tship-address-1\tship-address-2\tship-address-3\tship-city\tship-state\tship-postal-code\tship-country\tship-phone-number\tbill-address-1\tbill-address-2\tbill-address-3\tbill-city\tbill-state\tbill-postal-code\tbill-country\titem-promotion-discount\tship-promotion-discount\tcarrier\ttracking-number\testimated-arrival-date\tfulfillment-center-id\tfulfillment-channel\tsales-channel\n"
        + "\t".join(["112-4829301-5573024", "", "DkW9x2Yq1", "1", "1", "", "2024-02-25T05:11:02+00:00", "", "2024-02-26T05:11:02+00:00", "", "", "", "", "KB-ERGO-BLK-01", "ErgoKey", "1", "USD", "59.99", "0", "0", "0", "0", "0", "Expedited", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "0", "0", "AMZN_US", "TBA304812345678", "2024-02-28T03:00:00+00:00", "PHX7", "Amazon", "Amazon.com"])
        + "\n"
    ),
    "seller_feedback": (
        "Date\tRating\tComments\tResponse\tOrder ID\tRater Email\n"
        "3/9/24\t1\tKeyboard died after a week, seller never replied\t\t112-4829301-5573024\tx7k2m9p4q1r3s5t@marketplace.amazon.com\n"
        "3/14/24\t3\tOK product, instructions only in German\t\t111-5566778-1122334\t\n"
    ),
    "voc": (
        "Product name,ASIN,SKU,Condition,Fulfilled by,NCX rate,NCX orders,Total orders,Star rating,Return rate,Top NCX reason,Last updated,CX Health,Return Badge Displayed\n"
        '"ErgoKey Wireless Keyboard, Black",B0C4XYZ123,KB-ERGO-BLK-01,New,Amazon,4.12%,33,801,3.9,7.6%,Item defective or doesn\'t work,03/15/2024,Poor,Yes\n'
        '"ErgoKey Keycap Set",B0C4XYZ999,KB-CAPS-01,New,Amazon,--,0,12,--,--,,03/15/2024,Insufficient feedback,No\n'
    ),
    "reimbursements": (
        "approval-date\treimbursement-id\tcase-id\tamazon-order-id\treason\tsku\tfnsku\tasin\tproduct-name\tcondition\tcurrency-unit\tamount-per-unit\tamount-total\tquantity-reimbursed-cash\tquantity-reimbursed-inventory\tquantity-reimbursed-total\toriginal-reimbursement-id\toriginal-reimbursement-type\n"
        "2024-03-09T07:12:45+00:00\t4419283001\t\t\tDamaged_Warehouse\tKB-ERGO-BLK-01\tX003ABC9KL\tB0C4XYZ123\tErgoKey Wireless Keyboard, Black\tNew\tUSD\t31.20\t62.40\t2\t0\t2\t\t\n"
    ),
    "ledger": (
        '"Date","FNSKU","ASIN","MSKU","Title","Event Type","Reference ID","Quantity","Fulfillment Center","Disposition","Reason","Country","Reconciled Quantity","Unreconciled Quantity","Date and Time"\n'
        '"03/02/2024","X003ABC9KL","B0C4XYZ123","KB-ERGO-BLK-01","ErgoKey Wireless Keyboard, Black","Adjustments","21904455123","-2","PHX7","SELLABLE","E","US","0","2","2024-03-02T13:41:07-07:00"\n'
    ),
    "replacements": (
        "shipment-date\tsku\tasin\tfulfillment-center-id\toriginal-fulfillment-center-id\tquantity\treplacement-reason-code\treplacement-amazon-order-id\toriginal-amazon-order-id\n"
        "2024-03-03T16:20:11+00:00\tKB-ERGO-BLK-01\tB0C4XYZ123\tPHX7\tPHX7\t1\t2\t112-5544332-1100998\t112-4829301-5573024\n"
    ),
    "reviews": (
        "Date\tRating\tTitle\tBody\tVariation\tVerified\tHelpful\tASIN\n"
        "2024-03-08\t1\tDied in a week\tSpace bar stopped registering on day 6.\tColor: Black\tyes\t4\tB0C4XYZ123\n"
        "2024-03-09\t2.0 out of 5 stars\tNot backlit\tPhotos show glowing keys but there is no backlight at all.\tColor: White\tyes\t7\tB0C4XYZ456\n"
    ),
}

EXPECTED_KIND = {name: ("fba_returns" if name.startswith("fba_returns") else name) for name in FILES}


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_report_kind_is_recognised_and_fully_read(name):
    f = load_file((f"{name}.txt", FILES[name].encode()))
    assert f.kind == EXPECTED_KIND[name]
    assert len(f.rejected) == 0, f.rejected.to_dict("records")
    assert f.rows == f.data_lines >= 1


def test_return_values_are_canonical():
    f = load_file(("r.txt", FILES["fba_returns"].encode()))
    t = f.table
    assert t[S.DATE].tolist() == [pd.Timestamp("2024-03-04 18:22:41"), pd.Timestamp("2024-03-05 09:10:09")]  # offset -> UTC
    assert t[S.REASON].tolist() == ["DEFECTIVE", "DAMAGED_BY_CARRIER"]
    assert t[S.FC_PROCESSED].tolist() == ["PHX7", "LGB8"]
    assert t[S.QUANTITY].tolist() == [1, 1]


def test_fbm_codes_lose_their_cr_prefix_and_atoz_is_boolean():
    t = load_file(("f.txt", FILES["fbm_returns"].encode())).table
    assert t[S.REASON].tolist() == ["DEFECTIVE", "AMZ-PG-BAD-DESC"]
    assert t[S.REASON_RAW].tolist() == ["CR-DEFECTIVE", "AMZ-PG-BAD-DESC"]
    assert t[S.ATOZ_CLAIM].tolist() == [False, True]


def test_feedback_drops_rater_email_and_reads_us_dates():
    f = load_file(("fb.txt", FILES["seller_feedback"].encode()))
    assert "rater" not in " ".join(f.table.columns).lower()
    assert not f.table.astype("str").apply(lambda c: c.str.contains("@marketplace")).any().any()
    assert f.table[S.DATE].tolist() == [pd.Timestamp("2024-03-09"), pd.Timestamp("2024-03-14")]


def test_localized_german_feedback_is_read_by_position():
    text = "Datum\tBewertung\tKommentare\tIhre Antwort\tBestellnummer\tE-Mail-Adresse des Bewerters\n9.3.24\t1\tFunktioniert nicht\t\t302-1234567-1234567\ta@b.de\n15.3.24\t5\tSuper\t\t302-1234567-7654321\t\n"
    f = load_file(("de.txt", text.encode("latin-1")))
    assert f.kind == S.SELLER_FEEDBACK
    assert f.table[S.DATE].tolist() == [pd.Timestamp("2024-03-09"), pd.Timestamp("2024-03-15")]


def test_japanese_feedback_dates_are_year_first_without_a_marketplace():
    """"26/6/10" was read day first (2010-06-26) unless --marketplace JP was given: the period ran 2010-2030."""
    rows = "".join(f"26/{m}/{d}\t{1 + d % 5}\tコメント\t\t503-1234567-12345{d:02d}\t\n" for m in (6, 7) for d in range(1, 29))
    jp = "日付\t評価\tコメント\t回答\t注文番号\t評価者のEメール\n" + rows
    f = load_file(("jp.txt", jp.encode("cp932")))
    assert f.table[S.DATE].min() == pd.Timestamp("2026-06-01") and f.table[S.DATE].max() == pd.Timestamp("2026-07-28")
    # English headers, the same values: the reading that keeps the dates within weeks wins (day first scatters them over 28 years)
    en = "Date\tRating\tComments\tResponse\tOrder ID\tRater Email\n" + rows
    f = load_file(("en.txt", en.encode()))
    assert f.table[S.DATE].min() == pd.Timestamp("2026-06-01") and len(f.table) == 56
    assert "feedback dates read as YY/M/D" in f.notes


def test_a_marketplace_whose_date_order_does_not_fit_the_file_is_refused():
    """--marketplace JP on a US feedback file read 40 of 398 dates (in 2010) and rejected the rest without a word."""
    from analysis.errors import ReportFormatError

    rows = "".join(f"{m}/{d}/26\t{1 + d % 5}\tok\t\t112-1234567-12345{d:02d}\t\n" for m in (6, 7) for d in range(1, 29))
    us = ("us.txt", ("Date\tRating\tComments\tResponse\tOrder ID\tRater Email\n" + rows).encode())
    assert len(load_file(us, marketplace="US").table) == 56
    for market, fmt in (("JP", "YY/M/D"), ("DE", "D.M.YY"), ("UK", "D/M/YY")):
        with pytest.raises(ReportFormatError, match=rf"^us.txt: marketplace {market} reads dates as {fmt}, but only \d+ of 56 dates "
                                                    r"here do; 56 read as M/D/YY: is the file from another marketplace\?$"):
            load_file(us, marketplace=market)
    # where the file's own dates are unclear too (a few bad lines), the marketplace decides as before
    mixed = ("mixed.txt", ("Date\tRating\tComments\tResponse\tOrder ID\tRater Email\n" + "13/6/26\t1\tok\t\t112-1234567-1234567\t\n"
                          + "".join(f"{d}/6/26\t1\tok\t\t112-1234567-12345{d:02d}\t\n" for d in range(1, 13))).encode())
    assert len(load_file(mixed, marketplace="UK").table) == 13


def test_voc_rates_are_fractions():
    t = load_file(("voc.csv", FILES["voc"].encode())).table
    assert t[S.NCX_RATE].iloc[0] == pytest.approx(0.0412)
    assert pd.isna(t[S.NCX_RATE].iloc[1])
    assert t[S.CX_HEALTH].tolist() == ["Poor", "Insufficient feedback"]


def test_review_rating_text_is_read():
    t = load_file(("reviews.txt", FILES["reviews"].encode())).table
    assert t[S.RATING].tolist() == [1.0, 2.0]
    assert t[S.TITLE].iloc[1] == "Not backlit"


def test_header_matching_is_case_space_hyphen_insensitive():
    assert norm_header(" Return-Date ") == norm_header("return_date") == "returndate"
    assert detect_kind(["RETURN DATE", "Order ID", "SKU", "detailed_disposition", "Reason"]) == S.FBA_RETURNS


@pytest.mark.parametrize(
    "values, expected",
    [
        (["2023/05/08", "2023/12/31"], ["2023-05-08", "2023-12-31"]),
        (["2023-05-08", "2023-12-31"], ["2023-05-08", "2023-12-31"]),
        (["5/8/2023", "12/31/2023"], ["2023-05-08", "2023-12-31"]),
        (["08/05/2023", "31/12/2023"], ["2023-05-08", "2023-12-31"]),
        (["45054", "2023/12/31"], ["2023-05-08", "2023-12-31"]),
    ],
)
def test_seller_spreadsheet_dates(values, expected):
    parsed, _ = parse_flexible_dates(pd.Series(values, dtype="str"))
    assert parsed.dt.strftime("%Y-%m-%d").tolist() == expected


def test_lot_master_gbk_csv_with_chinese_headers():
    text = "SKU,FNSKU,批次号,供应商,电池批次,包装版本,生产日期,颜色\nSKU-A,X001,L01,深圳甲,BT-1,PKG-V1,2026/05/08,黑\nSKU-B,X002,L02,东莞乙,BT-2,PKG-V2,2026/05/20,白\n"
    f = load_file(("lots.csv", text.encode("gbk")))
    assert f.kind == S.LOTS and f.rows == 2
    assert f.table[S.SUPPLIER].tolist() == ["深圳甲", "东莞乙"]
    assert {"battery_lot", "packaging_version", "color"} <= set(f.table.columns)


def test_iso_dates_with_fractions_and_z_fall_back_to_the_general_parser():
    text = FILES["fba_returns"].replace("2024-03-04T18:22:41+00:00", "2024-03-04T18:22:41.250Z")
    t = load_file(("r.txt", text.encode())).table
    assert t[S.DATE].iloc[0] == pd.Timestamp("2024-03-04 18:22:41")


def test_shipment_lines_read_with_only_the_fields_used_give_the_same_table_and_rejected_lines():
    from pandas.testing import assert_frame_equal

    from analysis.io import read_raw
    from analysis.normalize import normalize

    header, good = FILES["fba_shipments"].splitlines()[:2]
    bad_date = good.replace("2024-03-01T04:11:52+00:00", "someday")
    no_qty = good.replace("\t1\t112-", "\t\t112-")
    no_ids = "\t".join(v if i not in (1, 2, 3) else "" for i, v in enumerate(good.split("\t")))
    spaced = good.replace("KB-ERGO-BLK-01", " KB-ERGO-BLK-01 ").replace("112-4829301-5573024", "112-4829301-5573024\u3000").replace("AUSTIN", "  AUSTIN")
    text = "\r\n".join([header, good, bad_date, "", no_qty, "2024-03-01\tshort", no_ids, spaced, good]) + "\r\n"
    f = load_file(("ship.txt", text.encode()))
    whole = normalize(read_raw(("ship.txt", text.encode())))  # every field read
    assert_frame_equal(f.table, whole.table)
    assert_frame_equal(f.rejected, whole.rejected)
    assert f.rejected["line"].tolist() == [3, 5, 6, 7]
    # a rejected line's text is the line as written, without its line end
    assert f.rejected["raw"].tolist() == [bad_date, no_qty, "2024-03-01\tshort", no_ids]
    assert f.table[S.SKU].tolist() == ["KB-ERGO-BLK-01"] * 3 and f.table[S.SOURCE_LINE].tolist() == [2, 8, 9]
    assert f.table[S.ORDER_ID].tolist() == ["112-4829301-5573024"] * 3  # trimmed, ideographic space too


def test_shipment_lines_keep_repeated_text_as_categoricals():
    f = load_file(("ship.txt", FILES["fba_shipments"].encode()))
    for col in S.CATEGORICAL_COLUMNS["shipments"]:
        assert isinstance(f.table[col].dtype, pd.CategoricalDtype), col
    assert f.table[S.ORDER_ID].dtype == "str"
    assert f.table[S.FC_SHIPPED].tolist() == ["PHX7", "TEB3"] and f.table[S.CARRIER].tolist() == ["", ""]


def test_edge_space_check_flags_every_value_trimming_could_change():
    import pyarrow as pa

    from analysis.normalize import _may_have_edge_space

    assert not _may_have_edge_space(pa.chunked_array([pa.array(["a", "", "b-c"]), pa.array(["x y"])]))
    for odd in (" a", "a ", "\ta", "a\u00a0", "\u3000a", "é"):  # non-ASCII at an edge counts as possible whitespace
        assert _may_have_edge_space(pa.chunked_array([pa.array(["a"]), pa.array(["b", odd])])), odd
    assert not _may_have_edge_space(pa.chunked_array([pa.array([" a", "b", "c "]).slice(1, 1)]))  # a slice: its own values only


def test_a_quantity_is_a_whole_number_in_digits_and_a_return_of_none_is_rejected(tmp_path):
    """A returned quantity "1e3" was read as 1,000 (a false finding), and a return of 0 units counted as a complaint
    (QA audit). A shipment line of 0 units is kept: it adds no units."""
    header, row = FILES["fba_returns"].splitlines()[:2]
    quantities = ["1", "1e3", "1.5", "0", "0x10", "1,000", " 2 "]
    path = tmp_path / "returns.txt"
    path.write_text("\n".join([header] + [row.replace("\t1\tPHX7\t", f"\t{q}\tPHX7\t").replace("LPNRR4829301771", f"LPN{i}")
                                         for i, q in enumerate(quantities)]) + "\n", encoding="utf-8")
    f = load_file(path)
    assert f.table[S.QUANTITY].tolist() == [1, 1000, 2]
    assert f.rejected[["line", "reason"]].values.tolist() == [[3, "non-numeric quantity '1e3'"], [4, "non-numeric quantity '1.5'"],
                                                              [5, "quantity 0"], [6, "non-numeric quantity '0x10'"]]
    header, row = FILES["fba_shipments"].splitlines()[:2]
    path = tmp_path / "shipments.txt"
    path.write_text("\n".join([header] + [row.replace("\tPHX7\t1\t", f"\tPHX7\t{q}\t") for q in ("0", "1e3", "0x10", "3")]) + "\n", encoding="utf-8")
    f = load_file(path)
    assert f.table[S.QUANTITY].tolist() == [0, 3]
    assert f.rejected[["line", "reason"]].values.tolist() == [[3, "non-numeric quantity '1e3'"], [4, "non-numeric quantity '0x10'"]]

