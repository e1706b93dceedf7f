"""Joins: returns to the FC that shipped them, SKUs to lots (exact or first-in-first-out), nothing dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.dataset import load_files
from analysis.link import link

RET_HEADER = "return-date\torder-id\tsku\tasin\tfnsku\tproduct-name\tquantity\tfulfillment-center-id\tdetailed-disposition\treason\tstatus\tlicense-plate-number\tcustomer-comments"
SHIP_HEADER = "shipment-date\tsku\tfnsku\tasin\tfulfillment-center-id\tquantity\tamazon-order-id\tcurrency\titem-price-per-unit\tshipping-price\tgift-wrap-price\tship-city\tship-state\tship-postal-code"


def _ship(date, sku, fc, qty, order):
    return "\t".join([f"{date}T10:00:00+00:00", sku, "X001", "B0TEST0001", fc, str(qty), order, "USD", "9.99", "0", "0", "", "", ""])


def _ret(date, order, sku, fc, lpn):
    return "\t".join([f"{date}T10:00:00+00:00", order, sku, "B0TEST0001", "X001", "Earbuds", "1", fc, "DEFECTIVE", "DEFECTIVE", "Unit returned to inventory", lpn, "no sound"])


def _files(lots_csv: str):
    ships = [SHIP_HEADER,
             _ship("2026-06-01", "SKU-A", "PHX7", 2, "111-0000001-0000001"),
             _ship("2026-06-10", "SKU-A", "SBD1", 1, "111-0000002-0000001"),
             _ship("2026-07-05", "SKU-A", "PHX7", 3, "111-0000003-0000001"),
             _ship("2026-07-06", "SKU-B", "PHX7", 1, "111-0000004-0000001")]
    rets = [RET_HEADER,
            _ret("2026-06-20", "111-0000002-0000001", "SKU-A", "ONT8", "LPN1"),  # shipped from SBD1
            _ret("2026-07-20", "111-0000003-0000001", "SKU-A", "TEB3", "LPN2"),
            _ret("2026-07-21", "999-0000000-0000000", "SKU-A", "TEB3", "LPN3")]  # order not in the shipments
    return [("returns.txt", ("\n".join(rets) + "\n").encode()), ("ships.txt", ("\n".join(ships) + "\n").encode()), ("lots.csv", lots_csv.encode())]


def test_returns_get_the_shipping_fc_not_the_returns_centre():
    linked = link(load_files(_files("SKU,批次号,供应商\nSKU-A,L1,甲\nSKU-B,L2,乙\n"), strict=True))
    c = linked.complaints.set_index(S.LPN)
    assert c.loc["LPN1", "fulfillment_center"] == "SBD1" and c.loc["LPN1", S.FC_PROCESSED] == "ONT8"
    assert c.loc["LPN3", "fulfillment_center"] == S.UNKNOWN_LEVEL  # kept, as unknown
    assert len(linked.complaints) == 3
    assert linked.lot_link == "sku" and c.loc["LPN3", "lot"] == "L1"  # lot still known from the SKU
    assert linked.coverage["complaints_linked_to_shipments"] == 2


def test_several_lots_per_sku_are_attributed_first_in_first_out_and_flagged():
    lots = "SKU,批次号,入库日期,数量\nSKU-A,L1,2026/05/20,3\nSKU-A,L2,2026/06/25,10\nSKU-B,L9,2026/05/01,5\n"
    linked = link(load_files(_files(lots), strict=True))
    a = linked.shipments[linked.shipments[S.SKU] == "SKU-A"].sort_values(S.WEEK)
    # units 1-3 (2026-06-01, 2026-06-10) come from L1 (3 units received first); the 3 units shipped 2026-07-05 from L2
    assert a[[S.WEEK, "lot", S.QUANTITY]].astype(str).values.tolist() == [["2026-06-01", "L1", "2.0"], ["2026-06-08", "L1", "1.0"], ["2026-06-29", "L2", "3.0"]]
    assert set(a[S.LINK_METHOD]) == {"fifo (estimated)"}
    assert linked.lot_link == "fifo (estimated)"
    c = linked.complaints.set_index(S.LPN)
    assert c.loc["LPN1", "lot"] == "L1" and c.loc["LPN2", "lot"] == "L2"


def test_without_units_the_latest_lot_received_before_shipping_is_used():
    lots = "SKU,批次号,入库日期\nSKU-A,L1,2026/05/20\nSKU-A,L2,2026/07/01\nSKU-B,L9,2026/05/01\n"
    linked = link(load_files(_files(lots), strict=True))
    a = linked.shipments[linked.shipments[S.SKU] == "SKU-A"].sort_values(S.WEEK)
    assert a["lot"].astype(str).tolist() == ["L1", "L1", "L2"]


def test_estimated_link_is_said_in_findings():
    from analysis.pipeline import analyze

    lots = "SKU,批次号,入库日期\nSKU-A,L1,2026/05/20\nSKU-A,L2,2026/07/01\nSKU-B,L9,2026/05/01\n"
    doc = analyze(load_files(_files(lots), strict=True)).findings
    assert any(n["code"] == "fifo_estimated" for n in doc["notices"])
    assert pd.Series([i["kind"] for i in doc["inputs"]]).tolist() == ["fba_returns", "fba_shipments", "lots"]


def test_fifo_runs_per_fc_when_the_lot_master_names_the_receiving_fc():
    # L1 went to PHX7 (3 units), L2 to SBD1: the SBD1 line takes L2 although L1 was received first
    lots = "SKU,批次号,入库日期,数量,目的仓\nSKU-A,L1,2026/05/20,3,PHX7\nSKU-A,L2,2026/05/25,10,SBD1\nSKU-B,L9,2026/05/01,5,PHX7\n"
    linked = link(load_files(_files(lots), strict=True))
    a = linked.shipments[linked.shipments[S.SKU] == "SKU-A"]
    by_fc = a.groupby([a["fulfillment_center"].astype(str), a["lot"].astype(str)])[S.QUANTITY].sum().to_dict()
    assert by_fc == {("PHX7", "L1"): 5.0, ("SBD1", "L2"): 1.0}  # PHX7 runs past its 3 units: the last lot keeps them
    assert "fc" not in linked.factors
    c = linked.complaints.set_index(S.LPN)
    assert c.loc["LPN1", "lot"] == "L2" and c.loc["LPN2", "lot"] == "L1"


def test_shipment_units_are_summed_into_cells_without_losing_any():
    linked = link(load_files(_files("SKU,批次号,供应商\nSKU-A,L1,甲\nSKU-B,L2,乙\n"), strict=True))
    cells = linked.shipments
    assert cells[S.QUANTITY].sum() == 7 == linked.coverage["units_shipped"]
    assert len(cells) == 4  # (PHX7, A, wk 06-01), (SBD1, A, wk 06-08), (PHX7, A, wk 06-29), (PHX7, B, wk 07-06)
    assert cells.groupby("supplier", observed=True)[S.QUANTITY].sum().to_dict() == {"乙": 1.0, "甲": 6.0}


def test_group_sum_packs_codes_and_falls_back_when_they_do_not_fit():
    from analysis.aggregate import group_sum

    a, b = np.array([2, 0, 2, 1]), np.array([5, 5, 5, 0])
    keys, sums = group_sum([a, b], np.array([1.0, 2.0, 3.0, 4.0]))
    assert [k.tolist() for k in keys] == [[0, 1, 2], [5, 0, 5]] and sums.tolist() == [2.0, 4.0, 4.0]
    huge = [np.array([2**40, 0, 2**40]), np.array([2**30, 1, 2**30])]  # 2^71 combinations: pandas groups them
    keys, sums = group_sum(huge, np.array([1.0, 1.0, 1.0]))
    assert [k.tolist() for k in keys] == [[0, 2**40], [1, 2**30]] and sums.tolist() == [1.0, 2.0]


def test_feedback_linked_by_order_takes_the_sku_and_asin_of_its_shipment_line(sample_dir):
    """Feedback names no SKU: linked by its order it got the line's FC and lot (from the SKU) but kept SKU and ASIN
    "(unknown)", so it counted for a lot and not for the listing the lot is sold under."""
    ds = load_files([sample_dir / "fba_customer_shipment_sales.txt", sample_dir / "lot_master.xlsx", sample_dir / "seller_feedback.txt"])
    linked = link(ds)
    feedback = linked.complaints[linked.complaints[S.SOURCE_KIND] == S.SELLER_FEEDBACK]
    lines = ds.shipments.astype({S.SKU: "str", S.ASIN: "str"}).drop_duplicates(S.ORDER_ID).set_index(S.ORDER_ID)
    on_lines = feedback[feedback[S.ORDER_ID].isin(lines.index)]
    assert len(on_lines) > 300
    assert on_lines[S.SKU].astype("str").tolist() == lines.loc[on_lines[S.ORDER_ID], S.SKU].tolist()
    assert on_lines[S.ASIN].astype("str").tolist() == lines.loc[on_lines[S.ORDER_ID], S.ASIN].tolist()


# ---- QA: SKUs that differ only in letter case did not link to the lot master
def test_a_sku_written_in_another_case_in_the_lot_master_links_and_is_counted():
    linked = link(load_files(_files("SKU,批次号,供应商\nsku-a,L1,甲\nSKU-B,L2,乙\n"), strict=True))
    c = linked.complaints.set_index(S.LPN)
    assert c.loc["LPN1", "lot"] == "L1" and c.loc["LPN3", "lot"] == "L1"  # by its shipment line, and by SKU alone
    a = linked.shipments[linked.shipments[S.SKU] == "SKU-A"]
    assert set(a["lot"]) == {"L1"} and set(a[S.LINK_METHOD]) == {"sku"}
    assert linked.coverage["skus_in_lot_master"] == 1.0 and linked.coverage["complaints_with_lot"] == 1.0
    assert linked.coverage["skus_linked_ignoring_case"] == 1
    assert linked.coverage["sku_case_example"] == {"sku": "SKU-A", "lot_master_sku": "sku-a"}


def test_a_sku_in_another_case_links_first_in_first_out_too():
    lots = "SKU,批次号,入库日期,数量\nsku-a,L1,2026/05/20,3\nsku-a,L2,2026/06/25,10\nSKU-B,L9,2026/05/01,5\n"
    linked = link(load_files(_files(lots), strict=True))
    a = linked.shipments[linked.shipments[S.SKU] == "SKU-A"].sort_values(S.WEEK)
    assert a["lot"].astype(str).tolist() == ["L1", "L1", "L2"] and set(a[S.LINK_METHOD]) == {"fifo (estimated)"}


def test_skus_that_differ_only_in_case_in_the_lot_master_keep_their_exact_links():
    """Both spellings in the lot master: each links exactly; a third spelling matches both ignoring case and stays unlinked."""
    files = _files("SKU,批次号\nSKU-A,L1\nsku-a,L7\nSKU-B,L2\n")
    ships = files[1][1].decode().replace("SKU-B", "sku-a").encode()
    rets = files[0][1].decode().replace("999-0000000-0000000\tSKU-A", "999-0000000-0000000\tSku-A").encode()
    linked = link(load_files([("returns.txt", rets), ("ships.txt", ships), files[2]], strict=True))
    cells = linked.shipments.groupby([S.SKU, "lot"], observed=True)[S.QUANTITY].sum()
    assert cells.to_dict() == {("SKU-A", "L1"): 6.0, ("sku-a", "L7"): 1.0}
    assert linked.complaints.set_index(S.LPN).loc["LPN3", "lot"] == S.UNKNOWN_LEVEL
    assert linked.coverage["skus_linked_ignoring_case"] == 0 and linked.coverage["sku_case_example"] is None
