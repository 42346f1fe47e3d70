from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command, Domain

from .customer_return import OPEN_RETURN_STATES


class SaleOrder(models.Model):
    _inherit = "sale.order"

    return_ids = fields.One2many("customer.return", "order_id", string="Returns", copy=False)
    return_count = fields.Integer(compute="_compute_return_count")
    has_open_return = fields.Boolean(
        string="Open Return",
        compute="_compute_has_open_return",
        search="_search_has_open_return",
        help="A return of this order is being requested, reviewed or processed.",
    )

    @api.depends("return_ids")
    def _compute_return_count(self):
        counts = dict(
            self.env["customer.return"]._read_group(
                [("order_id", "in", self.ids)], ["order_id"], ["__count"]
            )
        )
        for order in self:
            order.return_count = counts.get(order._origin, 0)

    @api.depends("return_ids.state")
    def _compute_has_open_return(self):
        for order in self:
            order.has_open_return = any(r.state in OPEN_RETURN_STATES for r in order.return_ids)

    def _search_has_open_return(self, operator, value):
        if operator != "in":
            return NotImplemented
        domain = Domain("return_ids", "any", [("state", "in", OPEN_RETURN_STATES)])
        return domain if True in value else ~domain

    def _get_last_delivery_dates(self):
        """When each order's last customer delivery was validated (not
        counting replacements of returns): ``{order id: datetime}``, in one
        grouped query."""
        if not self.ids:
            return {}
        # sudo: the return window depends on the deliveries, whoever asks
        # (portal customers and salespeople without stock rights included).
        groups = (
            self.env["stock.picking"]
            .sudo()
            ._read_group(
                [
                    ("sale_id", "in", self.ids),
                    ("picking_type_code", "=", "outgoing"),
                    ("state", "=", "done"),
                    ("return_id", "=", False),
                    ("customer_return_id", "=", False),
                ],
                ["sale_id"],
                ["shipped_date:max", "date_done:max"],
            )
        )
        # ``shipped_date`` is the addon's own record of the validation, which
        # no user can edit; ``date_done`` for deliveries older than the addon.
        return {order.id: shipped or done for order, shipped, done in groups}

    def _get_return_deadline(self):
        """When the return window of the order closes (False: not delivered
        yet, or no limit)."""
        self.ensure_one()
        delivered = self._get_last_delivery_dates().get(self.id)
        days = self.company_id.return_window_days
        return delivered + timedelta(days=days) if delivered and days else False

    def _get_portal_returnable_lines(self):
        """``[(order line, returnable quantity)]`` a customer may still ask
        to return, in the order of the lines."""
        self.ensure_one()
        if self.state != "sale":
            return []
        returnable = self.order_line._get_returnable_qty()
        return [
            (line, returnable[line.id])
            for line in self.order_line
            if line.product_uom_id.compare(returnable.get(line.id, 0.0), 0.0) > 0
        ]

    def _portal_can_request_return(self):
        """Show "Request a return" on the customer's order page."""
        self.ensure_one()
        if not self._get_portal_returnable_lines():
            return False
        deadline = self._get_return_deadline()
        return not deadline or deadline >= fields.Datetime.now()

    def action_view_returns(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_order_management.action_customer_return"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"default_order_id": self.id}
        if self.return_count == 1:
            action.update(views=[(False, "form")], res_id=self.return_ids.id)
        return action

    def action_create_return(self):
        """Open a new return of this order, one line per returnable product."""
        self.ensure_one()
        returnable = self.order_line._get_returnable_qty()
        reason = self.env["customer.return.reason"].search([], limit=1)
        return self.env["customer.return"]._get_records_action(
            name=self.env._("New Return"),
            context={
                "default_order_id": self.id,
                "default_line_ids": [
                    Command.create(
                        {"sale_line_id": line_id, "quantity": qty, "reason_id": reason.id}
                    )
                    for line_id, qty in returnable.items()
                    if qty > 0
                ],
            },
        )
