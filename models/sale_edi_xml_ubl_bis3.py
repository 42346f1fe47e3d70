from odoo import models
from odoo.fields import Command

from ..tools.intake import ParsedLine


class SaleEdiXmlUblBis3(models.AbstractModel):
    _inherit = "sale.edi.xml.ubl_bis3"

    def _retrieve_order_vals(self, order, tree):
        """Odoo's UBL import, then the rows it found no product for: matched
        by the customer's own code (BuyersItemIdentification), else kept as
        a note line carrying the row (a line without product cannot be saved)."""
        order_vals, logs = super()._retrieve_order_vals(order, tree)
        items = tree.findall("./{*}OrderLine/{*}LineItem")
        commands = order_vals.get("order_line") or []
        unmatched = [
            index
            for index, command in enumerate(commands[: len(items)])
            if command[0] == Command.CREATE and not command[2].get("product_id")
        ]
        if not unmatched:
            return order_vals, logs
        partner = self.env["res.partner"].browse(order_vals.get("partner_id")) or order.partner_id
        rows = {}
        for index in unmatched:
            item = items[index]
            vals = commands[index][2]
            code = (
                item.findtext("./{*}Item/{*}BuyersItemIdentification/{*}ID")
                or item.findtext("./{*}Item/{*}SellersItemIdentification/{*}ID")
                or ""
            ).strip()
            quantity = vals.get("product_uom_qty") or 0.0
            raw = " | ".join(str(v) for v in (code, vals.get("name"), quantity) if v)
            rows[index] = ParsedLine(
                raw=raw, code=code, description=vals.get("name") or "", quantity=quantity
            )
        by_code = order._intake_customer_codes(partner, {row.code for row in rows.values()})
        dropped = set()
        for index, row in rows.items():
            vals = commands[index][2]
            dropped.add(
                self.env._("Could not retrieve the product named: %(name)s", name=vals["name"])
            )
            product = by_code.get(row.code)
            if product:
                vals["product_id"] = product.id
                vals.pop("product_uom_id", None)
            else:
                commands[index] = Command.create(
                    order._intake_note_vals(row, vals.get("sequence", 10))
                )
        # The rows are on the order (matched, or as notes with their own activity).
        return order_vals, [log for log in logs if log not in dropped]
