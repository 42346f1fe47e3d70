"""Demo data only (``demo/stock_replenishment_demo.xml``): customer demand
over the last months for four products, one of each demand pattern, so that
the Replenishment Planner shows smooth, erratic, intermittent and lumpy
demand and the method each gets."""

import math
import random
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models

DEMO_DAYS = 120


def demo_daily_demand(rng, pattern):
    """One day's demand of ``pattern`` (whole units): smooth about 10 on
    almost every day, erratic on most days with sizes varying widely,
    intermittent about 6 on one day in five, lumpy on one day in five with
    sizes varying even more (CV² about 2: far from the classification's
    cut-offs whatever window of the history a planner reads)."""
    if pattern == "smooth":
        return max(round(rng.gauss(10, 2)), 1) if rng.random() < 0.95 else 0
    if pattern == "erratic":
        return max(round(rng.gammavariate(1.0, 10.0)), 1) if rng.random() < 0.9 else 0
    if pattern == "intermittent":
        return max(round(rng.gauss(6, 1)), 1) if rng.random() < 0.2 else 0
    return max(round(rng.gammavariate(0.5, 20.0)), 1) if rng.random() < 0.2 else 0


class StockReplenishmentPlanner(models.TransientModel):
    _inherit = "stock.replenishment.planner"

    @api.model
    def _demo_demand_history(self, products_patterns):
        """Deliver each (product id, pattern) of ``products_patterns`` to
        customers on the days its pattern draws (a fixed seed) over the last
        ``DEMO_DAYS`` days, from the main warehouse's stock; about a third of
        the total demand (whole units) stays on hand."""
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        stock = warehouse.lot_stock_id
        customers = self.env.ref("stock.stock_location_customers")
        Product = self.env["product.product"]
        rng = random.Random(21)
        now = fields.Datetime.now()
        vals_list, dates = [], []
        totals = defaultdict(float)
        for product_id, pattern in products_patterns:
            for age in range(DEMO_DAYS, 0, -1):
                qty = demo_daily_demand(rng, pattern)
                if not qty:
                    continue
                vals_list.append(
                    {
                        "product_id": product_id,
                        "product_uom_qty": qty,
                        "location_id": stock.id,
                        "location_dest_id": customers.id,
                        "warehouse_id": warehouse.id,
                        "origin": self.env._("Demo sales history"),
                    }
                )
                dates.append(now - timedelta(days=age))
                totals[product_id] += qty
        Quant = self.env["stock.quant"]
        for product_id, total in totals.items():
            on_hand = total + math.ceil(total / 3)
            Quant._update_available_quantity(Product.browse(product_id), stock, on_hand)
        moves = self.env["stock.move"].create(vals_list)
        moves._action_confirm()
        moves._action_assign()
        for move in moves:
            move.quantity = move.product_uom_qty
        moves.picked = True
        moves._action_done()
        by_date = defaultdict(list)
        for move, date in zip(moves, dates, strict=True):
            by_date[date].append(move.id)
        for date, ids in by_date.items():
            day_moves = moves.browse(ids)
            day_moves.write({"date": date})
            day_moves.move_line_ids.write({"date": date})
        return moves
