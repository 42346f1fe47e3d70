from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import (
    check_protected_create,
    check_protected_write,
    protected_write,
)

LIFECYCLE_STAGES = [
    ("received", "Received"),
    ("in_review", "In Review"),
    ("rejected", "Rejected"),
    ("approved", "Approved"),
    ("confirmed", "Confirmed"),
    ("partially_shipped", "Partially Shipped"),
    ("shipped", "Shipped"),
    ("delivered", "Delivered"),
    ("cancelled", "Cancelled"),
]

# Written only by the delay notice (see tools/protected.py).
LIFECYCLE_OWNED_FIELDS = {"late_notice_date"}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    review_decision_date = fields.Datetime(string="Review Decided On", copy=False, readonly=True)
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        compute="_compute_lifecycle_stage",
        store=True,
        tracking=True,
        index=True,
        group_expand="_group_expand_lifecycle_stage",
    )
    lifecycle_stage_date = fields.Datetime(
        string="In Stage Since",
        compute="_compute_lifecycle_stage",
        store=True,
    )
    promised_date = fields.Datetime(
        compute="_compute_promised_date",
        store=True,
        help="The delivery date promised to the customer once the order is confirmed: "
        "the commitment date, else the expected date.",
    )
    is_late = fields.Boolean(
        string="Late",
        compute="_compute_is_late",
        store=True,
        index=True,
        help="The promised date has passed and the order is not fully shipped.",
    )
    late_notice_date = fields.Datetime(
        string="Delay Notified For",
        copy=False,
        readonly=True,
        help="The promised date whose slip was last notified.",
    )
    late_notice_due = fields.Boolean(compute="_compute_late_notice_due", store=True, index=True)
    stage_age_days = fields.Integer(string="Days in Stage", compute="_compute_stage_age")
    stage_age_bucket = fields.Selection(
        [
            ("today", "Today"),
            ("1_3", "1-3 days"),
            ("4_7", "4-7 days"),
            ("over_7", "Over a week"),
        ],
        string="Age in Stage",
        compute="_compute_stage_age",
        search="_search_stage_age_bucket",
    )

    @api.depends(
        "state",
        "review_state",
        "picking_ids.state",
        "picking_ids.shipment_state",
        "picking_ids.picking_type_code",
        "picking_ids.customer_return_id",
    )
    def _compute_lifecycle_stage(self):
        # The stage and its date are computed together: while they are being
        # computed, reading them gives the values they had before (the cache,
        # else the database), so an order that keeps its stage keeps its date
        # without a query of its own.
        now = fields.Datetime.now()
        for order in self:
            previous = order._origin
            previous_stage = previous.lifecycle_stage if previous else False
            previous_date = previous.lifecycle_stage_date if previous else False
            stage = order._get_lifecycle_stage()
            order.lifecycle_stage = stage
            order.lifecycle_stage_date = (
                previous_date if previous_date and stage == previous_stage else now
            )

    def _get_lifecycle_stage(self):
        """Hook: the lifecycle stage of one order.

        Called by ``_compute_lifecycle_stage``; modules adding shipment or
        return data extend it (and the compute's dependencies)."""
        self.ensure_one()
        if self.state == "cancel":
            return "cancelled"
        if self.state == "sale":
            return self._get_shipping_stage()
        return {
            "to_review": "in_review",
            "rejected": "rejected",
            "approved": "approved",
        }.get(self.review_state, "received")

    def _get_shipping_stage(self):
        """The stage of a confirmed order from its outgoing deliveries."""
        self.ensure_one()
        # A return's replacement delivery is tracked on the return.
        deliveries = self.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and p.state != "cancel"
                and not p.customer_return_id
            )
        )
        done = deliveries.filtered(lambda p: p.state == "done")
        if not done:
            return "confirmed"
        if done != deliveries:
            return "partially_shipped"
        if all(p.shipment_state == "delivered" for p in done):
            return "delivered"
        return "shipped"

    @api.depends("state", "commitment_date", "expected_date")
    def _compute_promised_date(self):
        for order in self:
            # A quotation promises nothing yet (and its expected date, computed
            # from every line, is not worth computing for it).
            order.promised_date = (
                (order.commitment_date or order.expected_date) if order.state == "sale" else False
            )

    @api.depends("lifecycle_stage", "promised_date")
    def _compute_is_late(self):
        now = fields.Datetime.now()
        for order in self:
            order.is_late = bool(
                order.lifecycle_stage in ("confirmed", "partially_shipped")
                and order.promised_date
                and order.promised_date < now
            )

    @api.depends("is_late", "promised_date", "late_notice_date")
    def _compute_late_notice_due(self):
        for order in self:
            order.late_notice_due = order.is_late and order.late_notice_date != order.promised_date

    @api.model
    def _group_expand_lifecycle_stage(self, stages, domain):
        return [key for key, _label in LIFECYCLE_STAGES]

    @api.depends("lifecycle_stage_date")
    def _compute_stage_age(self):
        now = fields.Datetime.now()
        for order in self:
            days = (now - order.lifecycle_stage_date).days if order.lifecycle_stage_date else 0
            order.stage_age_days = days
            if days < 1:
                order.stage_age_bucket = "today"
            elif days <= 3:
                order.stage_age_bucket = "1_3"
            elif days <= 7:
                order.stage_age_bucket = "4_7"
            else:
                order.stage_age_bucket = "over_7"

    def _get_stage_age_limits(self):
        """The lower bound of ``lifecycle_stage_date`` of each age bucket, as
        ``_compute_stage_age`` counts whole days."""
        now = fields.Datetime.now()
        return [
            ("today", now - timedelta(days=1)),
            ("1_3", now - timedelta(days=4)),
            ("4_7", now - timedelta(days=8)),
            ("over_7", None),
        ]

    def _search_stage_age_bucket(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        domain = Domain.FALSE
        upper = None
        for bucket, lower in self._get_stage_age_limits():
            bucket_domain = Domain.TRUE
            if lower:
                bucket_domain &= Domain("lifecycle_stage_date", ">", lower)
            if upper:
                bucket_domain &= Domain("lifecycle_stage_date", "<=", upper)
            if bucket in value:
                domain |= bucket_domain
            upper = lower
        return domain if operator == "in" else ~domain

    def _read_group_groupby(self, alias, groupby_spec, query):
        # The age bucket is not stored (it changes with time): group on the
        # same limits in SQL, so the Order Desk kanban shows its progress bar.
        if groupby_spec != "stage_age_bucket":
            return super()._read_group_groupby(alias, groupby_spec, query)
        self._check_field_access(self._fields["stage_age_bucket"], "read")
        stage_date = self._field_to_sql(alias, "lifecycle_stage_date", query)
        cases = SQL(" ").join(
            SQL("WHEN %s > %s THEN %s", stage_date, lower, bucket)
            for bucket, lower in self._get_stage_age_limits()
            if lower
        )
        return SQL("(CASE WHEN %s IS NULL THEN 'today' %s ELSE 'over_7' END)", stage_date, cases)

    # ------------------------------------------------------------------
    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, LIFECYCLE_OWNED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, LIFECYCLE_OWNED_FIELDS)
        if "lifecycle_stage_date" in vals:
            # A date set by hand belongs to the current stage: settle a stage
            # still to compute first, so that the date is kept while the
            # stage stays (see _compute_lifecycle_stage).
            self._recompute_recordset(["lifecycle_stage"])
        return super().write(vals)

    # ------------------------------------------------------------------
    # Delays
    # ------------------------------------------------------------------

    @api.model
    def _cron_notify_late_orders(self, batch_size=500):
        """Flag the orders whose promise slipped, then notify each slip once:
        an activity for the salesperson and (setting) an e-mail to the
        customer. A new promised date allows a new notice. Only promised
        dates from the company's ``order_delay_notice_since`` on are
        notified: a delay older than the install (or than the notices'
        switching on) is flagged, not notified. Batched, with progress
        committed between batches; a second run changes nothing."""
        cron = self.env["ir.cron"]
        flag_domain = [
            ("state", "=", "sale"),
            ("is_late", "=", False),
            ("lifecycle_stage", "in", ("confirmed", "partially_shipped")),
            ("promised_date", "<", fields.Datetime.now()),
        ]
        while orders := self.search(flag_domain, limit=batch_size):
            orders.write({"is_late": True})
            if not cron._commit_progress(len(orders), remaining=self.search_count(flag_domain)):
                return
        # Only the promises that slipped after the notices started: an order
        # already late at install, or when the notices were switched on, is
        # flagged but not notified.
        due = Domain("late_notice_due", "=", True)
        companies = [company for [company] in self._read_group(due, ["company_id"])]
        notice_domain = due & Domain.OR(
            Domain("company_id", "=", company.id)
            & Domain("promised_date", ">=", company.order_delay_notice_since)
            for company in companies
        )
        while orders := self.search(notice_domain, limit=batch_size):
            orders._notify_late()
            if not cron._commit_progress(len(orders), remaining=self.search_count(notice_domain)):
                return

    def _notify_late(self):
        """Hook: tell the salesperson and the customer that ``self`` are late.
        Called once per slipped promise by ``_cron_notify_late_orders``."""
        template = self.env.ref(
            "customer_order_management.mail_template_order_delayed", raise_if_not_found=False
        )
        for order in self:
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(order.user_id or self.env.user).id,
                summary=self.env._("Order %s is late: agree a new date", order.name),
            )
            if template and order.company_id.order_delay_notice:
                order.message_post_with_source(
                    template,
                    email_layout_xmlid="mail.mail_notification_light",
                    subtype_xmlid="mail.mt_comment",
                )
        # The delays are notified: the cron owns these dates.
        with protected_write(self) as orders:
            for order in orders:
                order.late_notice_date = order.promised_date
