from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command

from ..tools import (
    check_protected_create,
    check_protected_write,
    serialize_on,
    write_protected,
)
from .mail_template import report_context

RETURN_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("received", "Received"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
# Returns whose quantities are not yet back in the order's delivered
# quantity: they reserve what they ask for.
PENDING_RETURN_STATES = ("submitted", "approved")
OPEN_RETURN_STATES = ("draft", "submitted", "approved", "received")
# The workflow's states, dates, decisions and documents: written only by the
# return's own methods (see tools/protected.py).
RETURN_OWNED_FIELDS = {
    "state",
    "request_date",
    "decision_date",
    "decided_by_id",
    "received_date",
    "done_date",
    "reject_reason",
    "return_picking_id",
    "replacement_picking_id",
    "refund_move_id",
}
# What a request is made of: editable while the return is a draft only, so
# that a decision always bears on what was submitted.
RETURN_REQUEST_FIELDS = {"order_id", "partner_id", "line_ids"}
RETURN_LINE_REQUEST_FIELDS = {"sale_line_id", "quantity", "reason_id", "resolution"}
# Beyond any quantity a business ships (and within what float rounding takes).
MAX_QUANTITY = 1e12


class CustomerReturn(models.Model):
    _name = "customer.return"
    _description = "Customer Return"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "customer.order.approval.mixin",
    ]
    _approval_activity_type = "customer_order_management.mail_activity_return_review"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Return Reference", required=True, copy=False, readonly=True, default="/", index=True
    )
    order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('state', '=', 'sale')]",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        index=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        related="order_id.company_id",
        store=True,
        index=True,
        precompute=True,
    )
    currency_id = fields.Many2one(related="order_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        compute="_compute_user_id",
        store=True,
        precompute=True,
        readonly=False,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    state = fields.Selection(
        RETURN_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        group_expand="_group_expand_states",
    )
    origin = fields.Selection(
        [("backend", "Backend"), ("portal", "Portal")],
        default="backend",
        required=True,
        readonly=True,
    )
    line_ids = fields.One2many("customer.return.line", "return_id", string="Lines", copy=True)
    note = fields.Text(string="Customer Comment")
    request_date = fields.Datetime(
        string="Requested On", default=fields.Datetime.now, readonly=True, copy=False
    )
    decision_date = fields.Datetime(string="Decided On", readonly=True, copy=False)
    decided_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    received_date = fields.Datetime(string="Received On", readonly=True, copy=False)
    done_date = fields.Datetime(string="Completed On", readonly=True, copy=False)
    reject_reason = fields.Text(readonly=True, copy=False, tracking=True)
    return_picking_id = fields.Many2one(
        "stock.picking", string="Return Receipt", readonly=True, copy=False
    )
    replacement_picking_id = fields.Many2one(
        "stock.picking", string="Replacement Delivery", readonly=True, copy=False
    )
    refund_move_id = fields.Many2one(
        "account.move", string="Credit Note", readonly=True, copy=False
    )
    scrap_ids = fields.One2many(
        "stock.scrap", "customer_return_id", string="Scraps", groups="stock.group_stock_user"
    )
    delivery_date = fields.Datetime(
        string="Shipped On",
        compute="_compute_return_window",
        help="When the order's last delivery was validated: the return window starts here.",
    )
    return_deadline = fields.Datetime(
        string="Return Window Ends",
        compute="_compute_return_window",
        help="Empty when the company's return window is unlimited.",
    )
    is_outside_window = fields.Boolean(
        string="Outside Return Window",
        compute="_compute_return_window",
        help="Requested after the return window closed: only a manager may approve it.",
    )
    repair_ids = fields.One2many(
        "repair.order",
        "customer_return_id",
        string="Repairs",
        groups="stock.group_stock_user",
    )
    repair_count = fields.Integer(compute="_compute_repair_count", groups="stock.group_stock_user")
    amount_total = fields.Monetary(
        string="Value", compute="_compute_amount_total", currency_field="currency_id"
    )

    @api.model
    def _group_expand_states(self, states, domain):
        """The kanban shows the pipeline, even where a column is empty."""
        return ["draft", "submitted", "approved", "received", "done"]

    @api.depends("order_id")
    def _compute_partner_id(self):
        for ret in self:
            ret.partner_id = ret.order_id.partner_id

    @api.depends("order_id")
    def _compute_user_id(self):
        for ret in self:
            ret.user_id = ret.order_id.user_id or ret.user_id

    @api.depends("order_id", "request_date", "company_id.return_window_days")
    def _compute_return_window(self):
        delivered = self.order_id._get_last_delivery_dates()
        for ret in self:
            ret.delivery_date = delivered.get(ret.order_id.id, False)
            days = ret.company_id.return_window_days
            ret.return_deadline = (
                ret.delivery_date + timedelta(days=days) if ret.delivery_date and days else False
            )
            ret.is_outside_window = bool(
                ret.return_deadline
                and (ret.request_date or fields.Datetime.now()) > ret.return_deadline
            )

    @api.depends("line_ids.quantity", "line_ids.sale_line_id.price_reduce_taxinc")
    def _compute_amount_total(self):
        for ret in self:
            ret.amount_total = sum(
                line.quantity * line.sale_line_id.price_reduce_taxinc for line in ret.line_ids
            )

    @api.depends("repair_ids")
    def _compute_repair_count(self):
        for ret in self:
            ret.repair_count = len(ret.repair_ids)

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for ret in self:
            ret.access_url = f"/my/returns/{ret.id}"
        return result

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, RETURN_OWNED_FIELDS)
        for vals in vals_list:
            self._check_line_quantities(vals)
            if vals.get("name", "/") == "/":
                company = self.env["sale.order"].browse(vals.get("order_id")).company_id
                vals["name"] = self.env["ir.sequence"].with_company(company).next_by_code(
                    "customer.return"
                ) or self.env._("New")
        return super().create(vals_list)

    @api.constrains("order_id", "partner_id")
    def _check_order_and_customer(self):
        """The lines belong to the return's order, and the return to the
        order's customer (who follows it on the portal)."""
        for ret in self:
            if ret.line_ids.sale_line_id.order_id - ret.order_id:
                raise ValidationError(
                    self.env._(
                        "Return %(name)s lists products of another order than %(order)s.",
                        name=ret.name,
                        order=ret.order_id.name,
                    )
                )
            customer = ret.order_id.partner_id.commercial_partner_id
            if ret.partner_id.commercial_partner_id != customer:
                raise ValidationError(
                    self.env._(
                        "Return %(name)s must be in the name of %(customer)s, the customer of "
                        "order %(order)s.",
                        name=ret.name,
                        customer=customer.display_name,
                        order=ret.order_id.name,
                    )
                )

    def write(self, vals):
        check_protected_write(self, vals, RETURN_OWNED_FIELDS)
        self._check_line_quantities(vals)
        if RETURN_REQUEST_FIELDS & vals.keys():
            self._check_request_editable()
        return super().write(vals)

    def _check_line_quantities(self, vals):
        """The quantities of the lines created or updated through ``vals``
        (checked before the ORM rounds them)."""
        Line = self.env["customer.return.line"]
        for command in vals.get("line_ids") or ():
            if (
                isinstance(command, list | tuple)
                and len(command) > 2
                and isinstance(command[2], dict)
            ):
                Line._check_quantity_value(command[2])

    def _check_request_editable(self):
        submitted = self.filtered(lambda ret: ret.state != "draft")
        if submitted:
            raise UserError(
                self.env._(
                    "Return %s is no longer a draft: what it asks for can no longer change.",
                    submitted[0].name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(ret.state not in ("draft", "cancelled") for ret in self):
            raise UserError(self.env._("Only draft or cancelled returns can be deleted."))

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Return Authorization %s", self.name)

    def action_view_return_picking(self):
        self.ensure_one()
        return self.return_picking_id._get_records_action()

    def action_view_replacement_picking(self):
        self.ensure_one()
        return self.replacement_picking_id._get_records_action()

    def action_view_repairs(self):
        self.ensure_one()
        return self.repair_ids._get_records_action(name=self.env._("Repairs"))

    def action_view_refund(self):
        self.ensure_one()
        return self.refund_move_id._get_records_action()

    def _get_return_address(self):
        """Where the customer sends the goods: the receiving warehouse, else
        the company, on one line."""
        self.ensure_one()
        partner = (
            self.return_picking_id.picking_type_id.warehouse_id.partner_id
            or self.order_id.warehouse_id.partner_id
            or self.company_id.partner_id
        )
        address = partner._display_address(without_company=True)
        lines = [partner.name or "", *address.split("\n")]
        return ", ".join(line.strip() for line in lines if line.strip())

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _check_request(self):
        """Refuse a request that cannot be granted: nothing delivered, no
        line, or a line asking more than is still returnable.

        The orders are serialized first: two requests of the same goods
        submitted at once are checked one after the other."""
        serialize_on(self.order_id)
        for ret in self:
            if ret.order_id.state != "sale" or not any(
                line.qty_delivered > 0 for line in ret.order_id.order_line
            ):
                raise ValidationError(
                    self.env._("Nothing of order %s has been delivered yet.", ret.order_id.name)
                )
            if not ret.line_ids:
                raise ValidationError(
                    self.env._("Return %s has no line: add the products to return.", ret.name)
                )
            ret.line_ids._check_returnable_qty()

    def _lock_for_decision(self):
        """Lock the submitted returns for a decision and check that they
        wait for one and that the user is a reviewer (approving a request
        outside the window takes more: see ``_get_approver_groups``)."""
        self._approval_lock()
        for ret in self:
            if ret.state != "submitted":
                raise UserError(
                    self.env._(
                        "Return %(name)s is %(state)s: only submitted returns can be "
                        "approved or rejected.",
                        name=ret.name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            ret.state
                        ],
                    )
                )
        if not self.env.user.has_group("customer_order_management.group_order_reviewer"):
            raise AccessError(self.env._("Only return reviewers can approve or reject returns."))

    # ------------------------------------------------------------------
    # Approval cycle hooks (see customer.order.approval.mixin)
    # ------------------------------------------------------------------

    def _get_approver_groups(self):
        """Reviewers decide; a request outside the return window is approved
        by a manager only."""
        self.ensure_one()
        if self.is_outside_window:
            return self.env.ref("customer_order_management.group_order_manager")
        return self.env.ref("customer_order_management.group_order_reviewer")

    def _get_approver_error(self):
        late = self.filtered("is_outside_window")[:1]
        if late:
            return self.env._(
                "Return %s was requested outside the return window: only an "
                "order management manager can approve it.",
                late.name,
            )
        return self.env._("Only return reviewers can approve or reject returns.")

    def _get_approval_activity_summary(self):
        self.ensure_one()
        return self.env._("Review return %s", self.name)

    def _get_approval_busy_message(self):
        return self.env._(
            "Another user is deciding on these returns right now. Reload the page and try again."
        )

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------

    def action_submit(self):
        for ret in self:
            if ret.state != "draft":
                raise UserError(self.env._("Return %s is already submitted.", ret.name))
        self._check_request()
        write_protected(self, {"state": "submitted", "request_date": fields.Datetime.now()})
        self._schedule_approval_activities()
        self._send_return_mail("customer_order_management.mail_template_return_submitted")
        return True

    def action_approve(self):
        self._lock_for_decision()
        self._check_approver()
        self._check_request()
        now = fields.Datetime.now()
        write_protected(
            self, {"state": "approved", "decision_date": now, "decided_by_id": self.env.user.id}
        )
        self._close_approval_activities()
        for ret in self:
            ret._create_return_picking()
        self._send_return_mail("customer_order_management.mail_template_return_approved")
        return True

    def action_reject(self):
        """Open the wizard asking why the returns are rejected."""
        self._lock_for_decision()
        return self.env["customer.return.reject"]._get_records_action(
            name=self.env._("Reject Return"),
            target="new",
            context={"default_return_ids": self.ids},
        )

    def _action_reject(self, reason):
        if not (reason or "").strip():
            raise UserError(self.env._("Give the customer a reason for the rejection."))
        self._lock_for_decision()
        write_protected(
            self,
            {
                "state": "rejected",
                "reject_reason": reason.strip(),
                "decision_date": fields.Datetime.now(),
                "decided_by_id": self.env.user.id,
            },
        )
        self._close_approval_activities()
        self._send_return_mail("customer_order_management.mail_template_return_rejected")
        return True

    def action_cancel(self):
        for ret in self:
            if ret.state in ("received", "done"):
                raise UserError(
                    self.env._(
                        "Return %s has been received: it can no longer be cancelled.", ret.name
                    )
                )
            if ret.state in ("rejected", "cancelled"):
                raise UserError(self.env._("Return %s is already closed.", ret.name))
        pickings = self.return_picking_id.filtered(lambda p: p.state not in ("done", "cancel"))
        # sudo: a salesperson cancelling the return cancels its receipt too.
        pickings.sudo().action_cancel()
        write_protected(self, {"state": "cancelled"})
        self._close_approval_activities()
        return True

    def action_draft(self):
        if any(ret.state != "cancelled" for ret in self):
            raise UserError(self.env._("Only cancelled returns can be set back to draft."))
        write_protected(self, {"state": "draft", "return_picking_id": False})
        return True

    def action_receive(self):
        """Receive the whole approved return at once: validate its receipt
        with the requested quantities."""
        if not (self.env.su or self.env.user.has_group("stock.group_stock_user")):
            raise AccessError(self.env._("Only warehouse users can receive returned goods."))
        for ret in self:
            if ret.state != "approved":
                raise UserError(
                    self.env._(
                        "Return %s cannot be received: only approved returns not yet received can.",
                        ret.name,
                    )
                )
        pickings = self.return_picking_id.filtered(lambda p: p.state not in ("done", "cancel"))
        for move in pickings.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        # Everything asked for is received at once: without these keys Odoo
        # would open its backorder wizard (an action, not a validation) for
        # any quantity it found short; goods that do not arrive are a new
        # return, not a backorder waiting on this one.
        pickings.with_context(
            skip_backorder=True, picking_ids_not_to_backorder=pickings.ids
        ).button_validate()
        return True

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------

    def _create_return_picking(self):
        """Build the incoming return with Odoo's own return wizard, from the
        delivered moves of the returned order lines (``to_refund`` so the
        order's delivered quantity goes down when the goods come back)."""
        self.ensure_one()
        allocations = self.line_ids._allocate_origin_moves()
        if not allocations:
            raise UserError(self.env._("Return %s has nothing left to receive.", self.name))
        origin_picking = max(
            (move.picking_id for move, _line, _qty in allocations), key=lambda p: p.date_done
        )
        # sudo: the reviewer approving the return creates the warehouse's
        # receipt, which needs stock rights they may not have.
        wizard = (
            self.env["stock.return.picking"]
            .sudo()
            .with_company(self.company_id)
            .create({"picking_id": origin_picking.id})
        )
        wizard.product_return_moves = [Command.clear()] + [
            Command.create(
                {
                    "product_id": move.product_id.id,
                    "move_id": move.id,
                    "quantity": qty,
                    "to_refund": True,
                }
            )
            for move, _line, qty in allocations
        ]
        picking = wizard._create_return()
        line_by_origin = {move.id: line for move, line, _qty in allocations}
        for move in picking.move_ids:
            line = line_by_origin.get(move.origin_returned_move_id.id)
            if line:
                vals = {"customer_return_line_id": line.id}
                if line.resolution == "repair":
                    # The item sent in for repair stays the customer's.
                    vals["restrict_partner_id"] = self.partner_id.id
                write_protected(move, vals)
        write_protected(
            picking, {"customer_return_id": self.id, "origin": f"{self.name} ({picking.origin})"}
        )
        write_protected(self, {"return_picking_id": picking.id})
        self.message_post(
            body=Markup("%s %s") % (self.env._("Return receipt created:"), picking._get_html_link())
        )
        return picking

    def _on_receipt_done(self):
        """The return receipt was validated: record what came back and
        resolve each line (scrap, credit note, replacement)."""
        to_receive = self.filtered(
            lambda r: (
                r.state == "approved"
                and all(p.state in ("done", "cancel") for p in r._get_receipts())
            )
        )
        if not to_receive:
            return
        write_protected(to_receive, {"state": "received", "received_date": fields.Datetime.now()})
        for ret in to_receive:
            ret._scrap_returned_goods()
            ret._create_refund()
            ret._create_replacement()
            ret.line_ids._create_repairs()
        to_receive._mark_done_if_complete()

    def _get_receipts(self):
        self.ensure_one()
        return self.env["stock.picking"].search(
            [("customer_return_id", "=", self.id), ("picking_type_code", "=", "incoming")]
        )

    def _scrap_returned_goods(self):
        self.ensure_one()
        scraps = []
        # Items sent in for repair go to the workshop, never to scrap.
        to_scrap = self.line_ids.filtered(
            lambda ln: ln.disposition == "scrap" and ln.resolution != "repair"
        )
        for line in to_scrap:
            for move_line in line.move_ids.filtered(lambda m: m.state == "done").move_line_ids:
                scraps.append(
                    {
                        "product_id": move_line.product_id.id,
                        "scrap_qty": move_line.quantity,
                        "product_uom_id": move_line.product_uom_id.id,
                        "lot_id": move_line.lot_id.id,
                        "location_id": move_line.location_dest_id.id,
                        "picking_id": self.return_picking_id.id,
                        "company_id": self.company_id.id,
                        "origin": self.name,
                        "customer_return_id": self.id,
                    }
                )
        if scraps:
            # sudo: receiving a return scraps what is damaged, whoever validates the receipt.
            self.env["stock.scrap"].sudo().create(scraps).do_scrap()

    def _create_refund(self):
        """A draft credit note for exactly the quantities received back on
        refund lines, linked to the order lines."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda ln: ln.resolution == "refund" and ln.received_qty)
        if not lines or self.refund_move_id:
            return
        order = self.order_id
        # sudo: receiving the goods issues the credit note; warehouse staff
        # validating the receipt have no accounting rights.
        order_sudo = order.sudo().with_company(order.company_id)
        vals = order_sudo._prepare_invoice()
        vals.update(
            {
                "move_type": "out_refund",
                "ref": self.name,
                "invoice_origin": f"{order.name}, {self.name}",
                "invoice_line_ids": [
                    Command.create(
                        line.sale_line_id.sudo()._prepare_invoice_line(
                            quantity=line.received_qty, sequence=line.sale_line_id.sequence
                        )
                    )
                    for line in lines
                ],
            }
        )
        refund = self.env["account.move"].sudo().with_company(order.company_id).create(vals)
        write_protected(self, {"refund_move_id": refund.id})
        refund.message_post(
            body=Markup("%s %s") % (self.env._("Refund of return"), self._get_html_link())
        )

    def _create_replacement(self):
        """Ship the exchanged quantities again through the warehouse's own
        routes (a procurement, as Odoo's exchanges do): one-, two- and
        three-step deliveries all pick and ship the replacement. The moves
        are linked to the order lines, so the order's delivered quantity goes
        back up when it ships."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda ln: ln.resolution == "exchange" and ln.received_qty)
        if not lines or lines._get_replacement_moves():
            return
        # sudo: the replacement is procured by the receipt of the return,
        # whoever validates it (no stock-rule or picking rights needed).
        order = self.order_id.sudo().with_company(self.company_id)
        # The return's own reference keeps the replacement apart from the
        # order's open deliveries (a backorder would otherwise absorb it).
        reference = (
            self.env["stock.reference"]
            .sudo()
            .create({"name": self.name, "sale_ids": [Command.link(order.id)]})
        )
        Rule = self.env["stock.rule"].sudo().with_company(self.company_id)
        # The first step's transfer is created now; in two- and three-step
        # warehouses the next ones follow as each step is done (see
        # ``stock.move._assign_picking``), the delivery to the customer last.
        Rule.run(
            [
                Rule.Procurement(
                    line.product_id,
                    line.received_qty,
                    line.product_uom_id,
                    order.partner_shipping_id.property_stock_customer,
                    line.product_id.display_name,
                    f"{self.name} ({order.name})",
                    order.company_id,
                    line._prepare_replacement_procurement_values(reference),
                )
                for line in lines
            ]
        )

    def _link_replacement_pickings(self, pickings):
        """``pickings`` carry the replacement of ``self`` (one return): they
        belong to the return, and the transfer to the customer, once it
        exists, is its replacement delivery."""
        self.ensure_one()
        write_protected(pickings, {"customer_return_id": self.id})
        # A repaired item shipped back is the repair's, not a replacement.
        pickings = pickings.filtered(
            lambda p: "exchange" in p.move_ids.customer_return_line_id.mapped("resolution")
        )
        if not pickings:
            return
        delivery = pickings.filtered(lambda p: p.picking_type_code == "outgoing")[:1]
        if delivery or not self.replacement_picking_id:
            write_protected(self, {"replacement_picking_id": (delivery or pickings[:1]).id})

    def _mark_done_if_complete(self):
        """Received returns whose resolutions are complete are done: they
        are marked so and the customer is told."""
        # sudo: the transfer's validator may have no repair rights.
        self.sudo().repair_ids._on_ship_back_done()
        done = self.filtered(
            lambda r: (
                r.state == "received" and all(line._is_resolution_complete() for line in r.line_ids)
            )
        )
        if done:
            write_protected(done, {"state": "done", "done_date": fields.Datetime.now()})
            done._send_return_mail("customer_order_management.mail_template_return_done")

    # ------------------------------------------------------------------
    # Communication
    # ------------------------------------------------------------------

    def _send_return_mail(self, template_xmlid):
        """Tell each return's customer, from ``template_xmlid``: the message
        is the company's (see ``_get_customer_message_author``), addressed to
        the customer, whoever triggered it (the customer's own request
        included)."""
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template:
            return
        # A customer (portal user) who triggers the message is not its author:
        # posted as the superuser, the message is the company's alone and the
        # customer is notified (Odoo skips the acting user's own partner).
        poster = self.with_user(SUPERUSER_ID) if self.env.user.share else self
        for ret in poster.with_context(**report_context(self.env)):
            ret.message_subscribe(partner_ids=ret.partner_id.ids)
            author = ret._get_customer_message_author()
            ret.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=author.id,
                email_from=author.email_formatted or ret.company_id.email_formatted,
                partner_ids=ret.partner_id.ids,
            )

    def _get_customer_message_author(self):
        """Hook: who speaks to the customer of ``self`` (one return) in its
        e-mails: its responsible, else the company; never the customer (a
        portal request triggers the acknowledgement) nor OdooBot (receipts
        validated by scheduled actions). Called by ``_send_return_mail``."""
        self.ensure_one()
        user = self.user_id
        if user and user.active and not user.share and not user._is_superuser():
            return user.partner_id
        return self.company_id.partner_id

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------

    @api.model
    def _create_from_portal(self, order, requested, reason, resolution, note):
        """Create and submit a return requested by the customer.

        ``requested`` maps sale line ids (as posted) to quantities. Every
        check runs here, on the server: the caller has verified that the
        portal user may see ``order``."""
        if order.state != "sale":
            raise ValidationError(self.env._("Only confirmed orders can be returned."))
        if not any(requested.values()):
            raise ValidationError(
                self.env._("Enter the quantity to return of at least one product.")
            )
        lines = self.env["sale.order.line"].browse(list(requested)).exists()
        if len(lines) != len(requested) or lines.order_id != order:
            raise ValidationError(
                self.env._("These products are not part of order %s.", order.name)
            )
        if not reason or not reason.exists() or not reason.active:
            raise ValidationError(self.env._("Choose the reason of the return."))
        if resolution not in ("refund", "exchange", "repair"):
            raise ValidationError(self.env._("Choose a refund, an exchange or a repair."))
        quantities = {line: requested[line.id] for line in lines if requested[line.id]}
        ret = self.create(
            {
                "order_id": order.id,
                "origin": "portal",
                "note": note,
                "line_ids": [
                    Command.create(
                        {
                            "sale_line_id": line.id,
                            "quantity": qty,
                            "reason_id": reason.id,
                            "resolution": resolution,
                        }
                    )
                    for line, qty in quantities.items()
                ],
            }
        )
        if ret.is_outside_window:
            raise ValidationError(
                self.env._(
                    "The return window of order %(order)s closed on %(date)s: please contact us.",
                    order=order.name,
                    date=fields.Date.to_string(ret.return_deadline.date()),
                )
            )
        ret.action_submit()
        return ret
