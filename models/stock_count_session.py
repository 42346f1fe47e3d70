from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_amount, format_datetime

from ..tools import (
    check_protected_create,
    check_protected_write,
    protected_write,
    write_protected,
)
from ..tools.actions import notification_action
from ..tools.rendering import render_discrepancy_xlsx

OPEN_STATES = ("draft", "in_progress", "to_approve")
# Written only by the session's own methods (see tools/protected.py): its
# state and dates.
SESSION_OWNED_FIELDS = {"state", "date_start", "date_done", "approved_by_id"}


class StockCountSession(models.Model):
    _name = "stock.count.session"
    _description = "Stock Count Session"
    _inherit = ["mail.thread", "mail.activity.mixin", "customer.order.approval.mixin"]
    _approval_activity_type = "customer_order_management.mail_activity_count_approval"
    _approval_tracked_fields = ("state",)
    _order = "date_planned desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/", index="trigram"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    location_id = fields.Many2one(
        "stock.location",
        required=True,
        check_company=True,
        domain="[('usage', '=', 'internal')]",
        tracking=True,
        help="The location counted, its sub-locations included.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Counter",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("in_progress", "Counting"),
            ("to_approve", "To Approve"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    blind = fields.Boolean(
        string="Blind Count",
        help="Counters do not see the book quantities while they count (on screen and on "
        "the count sheet); they show again once the count is validated.",
    )
    origin = fields.Selection(
        [("manual", "Manual"), ("cycle", "Cycle count plan")],
        default="manual",
        required=True,
        readonly=True,
    )
    date_planned = fields.Date(
        string="Planned Date", default=fields.Date.context_today, required=True
    )
    date_start = fields.Datetime(string="Started On", readonly=True, copy=False)
    date_done = fields.Datetime(string="Applied On", readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    line_ids = fields.One2many("stock.count.line", "session_id", string="Lines", copy=True)
    line_count = fields.Integer(compute="_compute_line_stats")
    counted_count = fields.Integer(string="Counted", compute="_compute_line_stats")
    recount_count = fields.Integer(string="To Recount", compute="_compute_line_stats")
    difference_value = fields.Monetary(
        string="Variance Value", compute="_compute_line_stats", currency_field="currency_id"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    note = fields.Html()

    @api.depends("line_ids.is_counted", "line_ids.needs_recount", "line_ids.difference_value")
    def _compute_line_stats(self):
        for session in self:
            lines = session.line_ids
            session.line_count = len(lines)
            session.counted_count = len(lines.filtered("is_counted"))
            session.recount_count = len(lines.filtered("needs_recount"))
            session.difference_value = sum(lines.mapped("difference_value"))

    @api.constrains("location_id")
    def _check_location(self):
        # Its company: check_company on the field.
        for session in self:
            if session.location_id.usage != "internal":
                raise ValidationError(
                    self.env._(
                        "Only internal locations can be counted, not %(location)s.",
                        location=session.location_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, SESSION_OWNED_FIELDS)
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("stock.count.session") or "/"
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, SESSION_OWNED_FIELDS)
        if "location_id" in vals and self.filtered(lambda session: session.state != "draft"):
            raise UserError(self.env._("A started count keeps the location it was started on."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        if any(session.state not in ("draft", "cancelled") for session in self):
            raise UserError(self.env._("Only draft or cancelled count sessions can be deleted."))

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------

    def _check_state(self, states, action):
        for session in self:
            if session.state not in states:
                raise UserError(
                    self.env._(
                        "%(session)s cannot be %(action)s: it is %(state)s.",
                        session=session.name,
                        action=action,
                        state=dict(session._fields["state"]._description_selection(self.env))[
                            session.state
                        ],
                    )
                )

    def _quant_domain(self, products=None):
        self.ensure_one()
        # The company's own stock only: an item kept for a customer (an owned
        # quant, e.g. a returned item at repair) is theirs, not counted here,
        # and would otherwise give its product a second line.
        domain = (
            Domain("location_id", "child_of", self.location_id.id)
            & Domain("product_id.is_storable", "=", True)
            & Domain("owner_id", "in", [False, self.company_id.partner_id.id])
        )
        if products:
            domain &= Domain("product_id", "in", products.ids)
        return domain

    def action_start(self):
        """Snapshot the book quantities of the location: one line per quant
        (product, sub-location, lot, package). Planned lines (a product
        without quant) narrow the snapshot to their products."""
        self._check_state(("draft",), self.env._("started"))
        self._approval_lock()
        now = fields.Datetime.now()
        for session in self:
            planned = session.line_ids.filtered(lambda line: not line.quant_id)
            products = planned.product_id
            quants = self.env["stock.quant"].search(session._quant_domain(products))
            line_vals = [
                {
                    "session_id": session.id,
                    "quant_id": quant.id,
                    "product_id": quant.product_id.id,
                    "location_id": quant.location_id.id,
                    "lot_id": quant.lot_id.id,
                    "package_id": quant.package_id.id,
                    "theoretical_qty": quant.quantity,
                    "snapshot_date": now,
                }
                for quant in quants
            ]
            # Planned products without stock are still counted (found goods).
            for product in products - quants.product_id:
                line_vals.append(
                    {
                        "session_id": session.id,
                        "product_id": product.id,
                        "location_id": session.location_id.id,
                        "theoretical_qty": 0.0,
                        "snapshot_date": now,
                    }
                )
            planned.unlink()
            # The book quantities are the snapshot's, never the counter's.
            with protected_write(self.env["stock.count.line"]) as lines:
                lines.create(line_vals)
        write_protected(self, {"state": "in_progress", "date_start": now})
        return True

    def _flag_moved_lines(self):
        """Flag for recount the lines whose book quantity is no longer what
        it was at their snapshot: the quants' quantity now, whatever moved it
        and whenever (as Odoo's own inventory conflict check compares). The
        quants are locked first, so a receipt validated at the same moment
        waits for the count or makes it retry. Returns the flagged lines.

        One method on purpose: the lock, the comparison and the flagging
        must see the same quants in the same statement order."""
        lines = self.line_ids.filtered(lambda line: not line.needs_recount)
        if not lines:
            return lines
        # sudo: the book quantities are facts of the company's stock, read
        # whole whatever the counter's visibility.
        Quant = self.env["stock.quant"].sudo()
        quants = Quant.search(
            [
                ("product_id", "in", lines.product_id.ids),
                ("location_id", "in", lines.location_id.ids),
            ]
        )
        if quants:
            # A waiting lock: the count applies to the quantities checked.
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM stock_quant WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                    tuple(quants.ids),
                )
            )
        book_now = defaultdict(float)
        for quant in quants:
            key = (quant.product_id.id, quant.location_id.id, quant.lot_id.id, quant.package_id.id)
            book_now[key] += quant.quantity
        by_key = lines.grouped(
            lambda line: (
                line.session_id.id,
                line.product_id.id,
                line.location_id.id,
                line.lot_id.id,
                line.package_id.id,
            )
        )
        flagged = self.env["stock.count.line"].union(
            *(
                key_lines
                for key, key_lines in by_key.items()
                if key_lines.product_uom_id[:1].compare(
                    book_now[key[1:]], sum(key_lines.mapped("theoretical_qty"))
                )
            )
        )
        if flagged:
            write_protected(flagged, {"needs_recount": True})
            for session, lines in flagged.grouped("session_id").items():
                body = (
                    self.env._(
                        "The book quantity of 1 line changed after the snapshot: "
                        "it is flagged for recount and was not applied."
                    )
                    if len(lines) == 1
                    else self.env._(
                        "The book quantity of %(count)s lines changed after the snapshot: "
                        "they are flagged for recount and were not applied.",
                        count=len(lines),
                    )
                )
                session.message_post(
                    body=body,
                    subtype_xmlid="mail.mt_note",
                )
        return flagged

    def _recount_notification(self, flagged):
        return notification_action(
            self.env._(
                "The stock of 1 line moved after it was counted: recount the line "
                "highlighted in orange (its Recount button), then validate again."
            )
            if len(flagged) == 1
            else self.env._(
                "The stock of %(count)s lines moved after they were counted: recount the "
                "lines highlighted in orange (their Recount button), then validate again.",
                count=len(flagged),
            ),
            "warning",
            sticky=True,
        )

    def action_validate(self):
        """Check the count: every line counted, none moved since its snapshot;
        variances above the company's thresholds wait for a stock manager,
        others are applied at once."""
        self._check_state(("in_progress",), self.env._("validated"))
        self._approval_lock()
        for session in self:
            uncounted = session.line_ids.filtered(lambda line: not line.is_counted)
            if uncounted or not session.line_ids:
                raise UserError(
                    self.env._(
                        "%(session)s cannot be validated: %(count)s lines are not counted yet "
                        "(%(products)s).",
                        session=session.name,
                        count=len(uncounted),
                        products=", ".join(uncounted[:5].product_id.mapped("display_name"))
                        or self.env._("no line"),
                    )
                )
            if session.recount_count:
                raise UserError(
                    self.env._(
                        "%(session)s has lines to recount: recount them first.",
                        session=session.name,
                    )
                )
        flagged = self._flag_moved_lines()
        if flagged:
            return self._recount_notification(flagged)
        to_approve = self.filtered(lambda session: session.line_ids._exceeds_threshold())
        if to_approve:
            write_protected(to_approve, {"state": "to_approve"})
            to_approve._schedule_approval_activities()
        (self - to_approve)._apply_count()
        return True

    # ------------------------------------------------------------------
    # Approval cycle hooks (see customer.order.approval.mixin)
    # ------------------------------------------------------------------

    def _get_approver_groups(self):
        """Stock managers approve count variances."""
        self.ensure_one()
        return self.env.ref("stock.group_stock_manager")

    def _get_approver_error(self):
        return self.env._("Only stock managers can approve count variances.")

    def _get_approval_activity_summary(self):
        self.ensure_one()
        return self.env._("Approve count variances")

    def _get_approval_activity_note(self):
        self.ensure_one()
        return self.env._(
            "Variance of %(value)s above the approval threshold.",
            value=format_amount(self.env, self.difference_value, self.currency_id),
        )

    def _get_approval_busy_message(self):
        return self.env._("Someone else is working on this count session; try again.")

    def action_approve(self):
        self._check_approver()
        self._check_state(("to_approve",), self.env._("approved"))
        self._approval_lock()
        flagged = self._flag_moved_lines()
        if flagged:
            write_protected(flagged.session_id, {"state": "in_progress"})
            return self._recount_notification(flagged)
        write_protected(self, {"approved_by_id": self.env.uid})
        self._apply_count()
        return True

    def action_cancel(self):
        self._check_state(OPEN_STATES, self.env._("cancelled"))
        write_protected(self, {"state": "cancelled"})
        self._close_approval_activities()
        return True

    def action_reset_draft(self):
        self._check_state(("cancelled",), self.env._("reset to draft"))
        self.line_ids.unlink()
        write_protected(self, {"state": "draft", "date_start": False})
        return True

    def _apply_count(self):
        """Apply the counted quantities through Odoo's quant inventory mode
        (inventory_quantity + _apply_inventory): inventory moves, valuation
        and the quants' count dates stay native."""
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        now = fields.Datetime.now()
        for session in self:
            quants = Quant.browse()
            new_vals = []
            for line in session.line_ids:
                if line.quant_id.exists():
                    line.quant_id.with_context(
                        inventory_mode=True
                    ).inventory_quantity = line.counted_qty
                    quants |= line.quant_id
                else:
                    new_vals.append(line._get_quant_create_values())
            if new_vals:
                quants |= Quant.create(new_vals)
            # The inventory moves carry the session's reference.
            quants.with_context(inventory_mode=True, inventory_name=session.name)._apply_inventory()
        lines = self.line_ids
        notes = {
            session.id: self.env._(
                "Count applied: %(lines)s lines, variance %(value)s.",
                lines=len(session.line_ids),
                value=format_amount(self.env, session.difference_value, session.currency_id),
            )
            for session in self
        }
        self._write_decision({"state": "done", "date_done": now}, notes)
        write_protected(lines, {"count_date": now})
        self._close_approval_activities()

    # ------------------------------------------------------------------
    # Reports
    # ------------------------------------------------------------------

    def action_print_count_sheet(self):
        return self.env.ref("customer_order_management.action_report_count_sheet").report_action(
            self
        )

    def action_export_discrepancies(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/customer_order_management/count/{self.id}/discrepancies.xlsx",
            "target": "self",
        }

    def _render_discrepancy_xlsx(self):
        """The discrepancy workbook of ``self``: one row per line with a
        variance, frozen header, autofilter, totals by value, printed
        landscape one page wide (tools/rendering/count_discrepancies.py)."""
        self.ensure_one()
        if self.date_done:
            subtitle = self.env._(
                "%(location)s — applied %(date)s",
                location=self.location_id.display_name,
                date=format_datetime(self.env, self.date_done),
            )
        else:
            subtitle = self.env._(
                "%(location)s — %(state)s, book quantities of %(date)s",
                location=self.location_id.display_name,
                state=dict(self._fields["state"]._description_selection(self.env))[self.state],
                date=format_datetime(self.env, self.date_start) if self.date_start else "-",
            )
        return render_discrepancy_xlsx(
            self._get_discrepancy_rows(),
            title=self.env._("Count %(name)s", name=self.name),
            subtitle=subtitle,
            currency=self.currency_id,
            translate=self.env._,
        )

    def _get_discrepancy_rows(self):
        """The rows of the discrepancy workbook: the lines with a variance,
        largest value first, as dicts keyed as DISCREPANCY_COLUMNS."""
        self.ensure_one()
        reasons = dict(
            self.env["stock.count.line"]._fields["reason"]._description_selection(self.env)
        )
        lines = self.line_ids.filtered(
            lambda line: not line.product_uom_id.is_zero(line.difference_qty)
        ).sorted(lambda line: -abs(line.difference_value))
        return [
            {
                "product": line.product_id.display_name,
                "reference": line.product_id.default_code or "",
                "abc": (line.product_id.abc_class or "").upper(),
                "location": line.location_id.display_name,
                "lot": line.lot_id.name or "",
                "book_qty": line.theoretical_qty,
                "counted_qty": line.counted_qty,
                "difference_qty": line.difference_qty,
                "difference_percent": line.difference_percent / 100.0,
                "unit_cost": line.product_id.standard_price,
                "difference_value": line.difference_value,
                "reason": reasons.get(line.reason, ""),
            }
            for line in lines
        ]

    # ------------------------------------------------------------------
    # Cycle count planning
    # ------------------------------------------------------------------

    @api.model
    def _get_last_count_dates(self, company, products):
        """Last count date per (location, product): our applied counts and
        Odoo's own inventory adjustments, two grouped queries."""
        last = {}
        for location, product, date in self.env["stock.count.line"]._read_group(
            [
                ("session_id.state", "=", "done"),
                ("company_id", "=", company.id),
                ("product_id", "in", products.ids),
            ],
            ["location_id", "product_id"],
            ["count_date:max"],
        ):
            last[location.id, product.id] = date
        for location, product, date in self.env["stock.move.line"]._read_group(
            [
                ("state", "=", "done"),
                ("is_inventory", "=", True),
                ("company_id", "=", company.id),
                ("product_id", "in", products.ids),
                ("location_dest_id.usage", "=", "internal"),
            ],
            ["location_dest_id", "product_id"],
            ["date:max"],
        ):
            key = (location.id, product.id)
            last[key] = max(date, last.get(key) or date)
        return last

    @api.model
    def _plan_cycle_counts(self, companies=None):
        """Create one draft session per internal location holding products
        whose last count is older than their ABC class's frequency. Products
        already in an open session of the location are left out, so a second
        run plans nothing new. Returns the sessions created.

        One method on purpose: three grouped reads per company (stock,
        last counts, open sessions) feed one batch of sessions; split, each
        part would hand the next its dictionaries keyed by location."""
        companies = companies or self.env["res.company"].search([("active", "=", True)])
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        created = self.browse()
        for company in companies:
            stock = self.env["stock.quant"]._read_group(
                [
                    ("company_id", "=", company.id),
                    ("location_id.usage", "=", "internal"),
                    ("product_id.is_storable", "=", True),
                    ("quantity", "!=", 0),
                ],
                ["location_id", "product_id"],
            )
            if not stock:
                continue
            products = self.env["product.product"].union(*(p for _loc, p in stock))
            frequency = {
                "a": company.count_frequency_a,
                "b": company.count_frequency_b,
                "c": company.count_frequency_c,
            }
            classes = {
                product.id: product.product_tmpl_id.with_company(company).abc_class or "c"
                for product in products
            }
            last = self._get_last_count_dates(company, products)
            open_lines = self.env["stock.count.line"]._read_group(
                [("session_id.state", "in", OPEN_STATES), ("company_id", "=", company.id)],
                ["session_id", "product_id"],
            )
            already = {(session.location_id.id, product.id) for session, product in open_lines}
            # Products counted in a parent location's open session are covered.
            due = defaultdict(list)
            for location, product in stock:
                if any(
                    (int(parent), product.id) in already
                    for parent in location.parent_path.split("/")
                    if parent
                ):
                    continue
                counted = last.get((location.id, product.id))
                limit = now - timedelta(days=frequency[classes[product.id]])
                if counted and counted >= limit:
                    continue
                due[location].append(product)
            vals_list = [
                {
                    "company_id": company.id,
                    "location_id": location.id,
                    "origin": "cycle",
                    "date_planned": today,
                    "user_id": False,
                    "line_ids": [
                        Command.create({"product_id": product.id, "location_id": location.id})
                        for product in products_due
                    ],
                }
                for location, products_due in due.items()
            ]
            created |= self.with_company(company).create(vals_list)
        return created

    @api.model
    def _cron_plan_cycle_counts(self):
        """Company by company, run ``_get_cycle_count_cron_steps`` in order,
        committing after each company."""
        self.env["res.company"]._cron_run_per_company(self._get_cycle_count_cron_steps())

    @api.model
    def _get_cycle_count_cron_steps(self):
        """Hook: the nightly steps of ``_cron_plan_cycle_counts``, each called
        with one company, in this order: the ABC classes first, since the
        planning reads them to know which counts are due (a class already
        current is not written again)."""
        return [self.env["product.template"]._compute_abc_classes, self._plan_cycle_counts]
