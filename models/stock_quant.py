from odoo import models


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _gather(
        self,
        product_id,
        location_id,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=False,
        qty=0,
    ):
        """Odoo reserves owned quants for any move that asks for no owner;
        a customer's item at repair (received for a repair not yet shipped
        back, see ``stock.move._action_done``) is left out: only the moves
        restricted to its owner (its ship-back, the repair itself) take it."""
        quants = super()._gather(
            product_id,
            location_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
            qty=qty,
        )
        if strict or owner_id:
            return quants
        owned = quants.filtered("owner_id")
        if not owned:
            return quants
        # sudo: which items are at repair is a fact of the warehouse, whoever
        # reserves.
        at_repair = set(
            self.env["repair.order"]
            .sudo()
            ._read_group(
                [
                    ("customer_return_line_id", "!=", False),
                    ("shipped_back_date", "=", False),
                    ("product_id", "in", owned.product_id.ids),
                    ("partner_id", "in", owned.owner_id.ids),
                ],
                ["partner_id", "product_id"],
            )
        )
        return quants - owned.filtered(lambda q: (q.owner_id, q.product_id) in at_repair)
