from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL

from ..tools import (
    check_protected_create,
    check_protected_write,
    protected_write,
    write_protected,
)
from .mail_template import report_context

# The return's side of a repair: which return line it repairs and the dates
# of the steps the customer is told about, written only by our methods.
REPAIR_RETURN_FIELDS = {
    "customer_return_line_id",
    "return_received_date",
    "quotation_sent_date",
    "refused_date",
    "shipped_back_date",
}
# Repair states that mean the work has started or is over.
REPAIR_WORK_STATES = ("confirmed", "under_repair", "done")


class RepairOrder(models.Model):
    _inherit = "repair.order"

    customer_return_line_id = fields.Many2one(
        "customer.return.line",
        string="Return Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    customer_return_id = fields.Many2one(
        "customer.return",
        string="Customer Return",
        related="customer_return_line_id.return_id",
        store=True,
        index="btree_not_null",
    )
    customer_return_order_id = fields.Many2one(
        "sale.order",
        string="Returned Order",
        related="customer_return_line_id.return_id.order_id",
        store=True,
        help="The order whose delivery the customer sent in for repair.",
    )
    return_reason_id = fields.Many2one(
        "customer.return.reason",
        string="Return Reason",
        related="customer_return_line_id.reason_id",
        store=True,
    )
    return_received_date = fields.Datetime(string="Received for Repair", readonly=True, copy=False)
    quotation_sent_date = fields.Datetime(string="Quotation Sent On", readonly=True, copy=False)
    refused_date = fields.Datetime(
        string="Refused On",
        readonly=True,
        copy=False,
        help="When the customer refused the repair's quotation: the item ships back unrepaired.",
    )
    shipped_back_date = fields.Datetime(string="Shipped Back On", readonly=True, copy=False)
    return_lead_days = fields.Float(
        string="Repair Lead Time (days)",
        compute="_compute_return_kpis",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="From the item's receipt to its delivery back to the customer.",
    )
    warranty_rate = fields.Float(
        string="Under Warranty (%)",
        compute="_compute_return_kpis",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="100 for a repair under warranty, 0 otherwise: its average is the share "
        "under warranty.",
    )

    @api.depends("return_received_date", "shipped_back_date", "under_warranty")
    def _compute_return_kpis(self):
        for repair in self:
            repair.warranty_rate = 100.0 if repair.under_warranty else 0.0
            if repair.return_received_date and repair.shipped_back_date:
                delta = repair.shipped_back_date - repair.return_received_date
                repair.return_lead_days = delta.total_seconds() / 86400.0
            else:
                repair.return_lead_days = 0.0

    def _read_group_select(self, aggregate_spec, query):
        """Averages of the lead time count the repairs shipped back only: one
        still in the workshop has no lead time yet, not one of 0 days."""
        select = super()._read_group_select(aggregate_spec, query)
        if aggregate_spec != "return_lead_days:avg":
            return select
        return SQL(
            "AVG(CASE WHEN %s IS NOT NULL THEN %s END)",
            self._field_to_sql(query.table, "shipped_back_date", query),
            self._field_to_sql(query.table, "return_lead_days", query),
        )

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, REPAIR_RETURN_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, REPAIR_RETURN_FIELDS)
        # A returned item's warranty follows from its delivery date and the
        # warranty period: no edit turns a quoted repair into a free one.
        # Nor does an edit link a plain quotation to it (a repair quotation
        # skips the order review: sale.order._is_return_repair_quotation), or
        # give the customer's item (owned by the return's customer, see
        # stock.quant._gather) to another partner.
        check_protected_write(
            self.filtered("customer_return_line_id"),
            vals,
            {"under_warranty", "sale_order_id", "partner_id"},
        )
        if vals.get("state") in REPAIR_WORK_STATES:
            self._check_return_quotation_accepted()
        return super().write(vals)

    def _check_return_quotation_accepted(self):
        """The repair of a returned item out of warranty starts only once the
        customer has accepted its quotation: checked on every change of state
        that starts the work, whoever asks for it."""
        for repair in self:
            if not repair._is_awaiting_quotation_acceptance():
                continue
            raise UserError(
                self.env._(
                    "Repair %s is not under warranty: the customer must accept its quotation "
                    "before the work starts.",
                    repair.name,
                )
            )

    def _is_awaiting_quotation_acceptance(self):
        self.ensure_one()
        if not self.customer_return_line_id or self.under_warranty:
            return False
        quotation = self.sale_order_id
        return (
            not quotation or quotation == self.customer_return_order_id or quotation.state != "sale"
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_create_sale_order(self):
        # Odoo's "Create Quotation" makes a new quotation for the repair (it
        # refuses a repair that has one): the one way, with ours, a repair of
        # a returned item gets its quotation.
        with protected_write(self.filtered("customer_return_line_id")):
            return super().action_create_sale_order()

    def action_view_customer_return(self):
        self.ensure_one()
        return self.customer_return_id._get_records_action()

    def action_send_return_quotation(self):
        """Send the quotation of the repair (Odoo's repair quotation) to the
        customer, who accepts it on the portal. Once per repair."""
        for repair in self:
            repair._check_return_repair()
            quotation = repair.sale_order_id
            if (
                repair.under_warranty
                or not quotation
                or quotation == repair.customer_return_order_id
            ):
                raise UserError(
                    self.env._("Repair %s is under warranty: there is no quotation.", repair.name)
                )
            if repair.quotation_sent_date or quotation.state != "draft":
                raise UserError(
                    self.env._(
                        "The quotation of repair %s was already sent to the customer.", repair.name
                    )
                )
            if not quotation.order_line.filtered(lambda line: not line.display_type):
                raise UserError(
                    self.env._(
                        "Add the parts and operations of repair %s before sending its quotation.",
                        repair.name,
                    )
                )
        # sudo: the quotation is the sale order of a repair the user may edit;
        # warehouse staff have no sales rights.
        self.sale_order_id.sudo().action_quotation_sent()
        write_protected(self, {"quotation_sent_date": fields.Datetime.now()})
        self._notify_return_customer("customer_order_management.mail_template_repair_quotation")
        return True

    def action_refuse_return_quotation(self):
        """Record that the customer refused the quotation (on the phone, by
        e-mail): the quotation is cancelled and the item ships back
        unrepaired."""
        for repair in self:
            repair._check_return_repair()
            if not repair._is_awaiting_quotation_acceptance() or repair.state not in (
                "draft",
                "confirmed",
            ):
                raise UserError(
                    self.env._(
                        "Repair %s does not wait for the customer's answer to a quotation.",
                        repair.name,
                    )
                )
        quotations = self.sale_order_id - self.customer_return_order_id
        # sudo: cancelling the repair's quotation needs no sales rights.
        quotations.sudo()._action_cancel()
        # Without a quotation (not yet priced), the refusal is recorded here.
        self.filtered(lambda r: not r.refused_date)._refuse_return_repair()
        return True

    def action_ship_back_to_customer(self):
        """Ship the item back to the customer (repaired, or refused): through
        the warehouse's delivery route. Done automatically when the repair
        ends or is refused; this action only retries a shipment not made."""
        for repair in self:
            repair._check_return_repair()
            if repair.state != "done" and not repair.refused_date:
                raise UserError(
                    self.env._(
                        "Repair %s is not done: the item ships back once repaired or once the "
                        "customer refused the quotation.",
                        repair.name,
                    )
                )
            if repair.customer_return_line_id._get_replacement_moves():
                raise UserError(
                    self.env._("The item of repair %s is already shipped back.", repair.name)
                )
        self._ship_back_to_customer()
        return True

    def action_repair_done(self):
        self.filtered("customer_return_line_id")._check_return_item_in_place()
        result = super().action_repair_done()
        self.filtered("customer_return_line_id")._ship_back_to_customer()
        return result

    def _check_return_item_in_place(self):
        """The customer's item (its owner, its lot) must be where the repair
        takes it: Odoo's repair moves the repaired product under its owner
        only when the owner's quantity is there. In a warehouse receiving in
        two or three steps the item arrives at the input: it is put away
        first."""
        Quant = self.env["stock.quant"]
        for repair in self.filtered(lambda r: r.product_id.is_storable):
            available = Quant._get_available_quantity(
                repair.product_id,
                repair.location_id,
                repair.lot_id,
                owner_id=repair.partner_id,
                strict=True,
            )
            needed = repair.product_uom._compute_quantity(
                repair.product_qty, repair.product_id.uom_id
            )
            if repair.product_id.uom_id.compare(available, needed) < 0:
                raise UserError(
                    self.env._(
                        "The item of repair %(repair)s is not in %(location)s yet: put the "
                        "returned item away before ending the repair.",
                        repair=repair.name,
                        location=repair.location_id.display_name,
                    )
                )

    def _check_return_repair(self):
        self.ensure_one()
        if not self.customer_return_line_id:
            raise UserError(
                self.env._("Repair %s does not repair an item of a customer return.", self.name)
            )

    # ------------------------------------------------------------------
    # Business helpers
    # ------------------------------------------------------------------

    def _on_return_repairs_created(self):
        """Repairs of received items were just created (by
        ``customer.return.line._create_repairs``): out of warranty, prepare
        the quotation the customer accepts; tell the customer."""
        for repair in self.filtered(lambda r: not r.under_warranty):
            repair.action_create_sale_order()
            ret = repair.customer_return_id
            repair.sale_order_id.write(
                {
                    "require_signature": True,
                    "require_payment": False,
                    "origin": f"{repair.name}, {ret.name}",
                    # The return's responsible sells the repair, not whoever
                    # validated the receipt.
                    "user_id": (ret.user_id or ret.order_id.user_id).id,
                    "team_id": ret.order_id.team_id.id,
                }
            )
        self._notify_return_customer("customer_order_management.mail_template_repair_received")

    def _refuse_return_repair(self):
        """The customer refused the quotation: record it, cancel the repair
        and ship the item back unrepaired."""
        repairs = self.filtered(lambda r: r.customer_return_line_id and not r.refused_date)
        if not repairs:
            return
        write_protected(repairs, {"refused_date": fields.Datetime.now()})
        repairs.filtered(lambda r: r.state != "cancel").action_repair_cancel()
        repairs._ship_back_to_customer()

    def _ship_back_to_customer(self):
        """Procure the delivery of each repaired (or refused) item to the
        customer through the warehouse's routes, as the exchanges ship their
        replacements: one-, two- and three-step deliveries; each step lands
        in the return (see ``stock.move._assign_picking``)."""
        repairs = self.filtered(
            lambda r: (
                r.customer_return_line_id and not r.customer_return_line_id._get_replacement_moves()
            )
        )
        if not repairs:
            return
        for company, company_repairs in repairs.grouped("company_id").items():
            company_repairs._run_ship_back_procurements(company)

    def _run_ship_back_procurements(self, company):
        """Run the procurements shipping back the items of ``self`` (repairs
        of ``company``), in that company. Called by
        ``_ship_back_to_customer``."""
        # sudo: shipping the item back follows the repair, whoever ends it.
        Rule = self.env["stock.rule"].sudo().with_company(company)
        procurements = []
        for repair in self:
            line = repair.customer_return_line_id
            order = line.return_id.order_id.sudo()
            # Its own reference keeps the shipment apart from the order's
            # open deliveries (a backorder would otherwise absorb it).
            reference = (
                self.env["stock.reference"]
                .sudo()
                .create({"name": repair.name, "sale_ids": [Command.link(order.id)]})
            )
            procurements.append(
                Rule.Procurement(
                    repair.product_id,
                    repair.product_qty,
                    repair.product_uom or line.product_uom_id,
                    order.partner_shipping_id.property_stock_customer,
                    repair.product_id.display_name,
                    f"{repair.name} ({line.return_id.name})",
                    order.company_id,
                    dict(
                        line._prepare_replacement_procurement_values(reference),
                        # The customer's own item goes back, nothing else.
                        restrict_partner_id=line.sudo().return_id.partner_id.id,
                    ),
                )
            )
        Rule.run(procurements)

    def _on_ship_back_done(self):
        """Mark the repairs whose item reached the customer (every step of
        its route done) as shipped back, and tell the customer, once."""
        shipped = self.filtered(
            lambda r: (
                not r.shipped_back_date
                and (moves := r.customer_return_line_id._get_replacement_moves())
                and all(move.state in ("done", "cancel") for move in moves)
                and any(move.state == "done" for move in moves)
            )
        )
        if shipped:
            write_protected(shipped, {"shipped_back_date": fields.Datetime.now()})
            shipped._notify_return_customer(
                "customer_order_management.mail_template_repair_shipped"
            )

    def _notify_return_customer(self, template_xmlid):
        """Tell the customer of each repair's return, on the return (the
        customer follows it on the portal), from ``template_xmlid`` (a
        ``repair.order`` template): authored as the return's other messages
        (``customer.return._get_customer_message_author``)."""
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template:
            return
        # sudo: the message is rendered from our own template, whatever the
        # rights of who triggered it (a customer refusing on the portal).
        template = template.sudo().with_context(**report_context(self.env))
        for repair in self.sudo():
            # Posted as the superuser: a customer who triggers it (a refusal
            # on the portal) is not its author and is notified.
            ret = repair.customer_return_id.with_user(SUPERUSER_ID)
            subject = template._render_field("subject", repair.ids, compute_lang=True)[repair.id]
            body = template._render_field("body_html", repair.ids, compute_lang=True)[repair.id]
            ret.message_subscribe(partner_ids=ret.partner_id.ids)
            author = ret._get_customer_message_author()
            ret.message_post(
                body=body,
                subject=subject,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=author.id,
                email_from=author.email_formatted or ret.company_id.email_formatted,
                partner_ids=ret.partner_id.ids,
            )
