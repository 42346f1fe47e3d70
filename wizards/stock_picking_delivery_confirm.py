from odoo import fields, models
from odoo.exceptions import UserError


class StockPickingDeliveryConfirm(models.TransientModel):
    _name = "stock.picking.delivery.confirm"
    _description = "Confirm Delivery"

    picking_id = fields.Many2one("stock.picking", string="Delivery", required=True)
    received_by = fields.Char(required=True, help="Who received the goods.")
    delivered_date = fields.Datetime(
        string="Delivered On", required=True, default=fields.Datetime.now
    )
    signature = fields.Image(help="Proof of delivery: the receiver's signature.")
    note = fields.Text(help="Remarks of the driver or the receiver.")

    def action_confirm(self):
        self.ensure_one()
        picking = self.picking_id
        picking._check_delivery_confirmable()
        if not (self.received_by or "").strip():
            raise UserError(self.env._("Say who received the goods."))
        values = {"received_by": self.received_by.strip()}
        if self.signature:
            values["signature"] = self.signature
        picking.write(values)
        self.env["stock.picking.tracking.event"].create(
            {
                "picking_id": picking.id,
                "event_date": self.delivered_date,
                "status": "delivered",
                "description": self.note or self.env._("Received by %s", values["received_by"]),
                "source": "manual",
            }
        )
        if picking.shipment_state != "delivered":
            raise UserError(
                self.env._(
                    "A later tracking event of %s says the shipment is not delivered: "
                    "check the delivery date.",
                    picking.name,
                )
            )
        return {"type": "ir.actions.act_window_close"}
