from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import (
    check_protected_create,
    check_protected_write,
    is_protected_write_granted,
    lock_rows_nowait,
    protected_write,
    write_protected,
)

REVIEW_STATES = [
    ("not_reviewed", "Not Reviewed"),
    ("to_review", "To Review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]

LIFECYCLE_STAGES = [
    ("received", "Received"),
    ("in_review", "In Review"),
    ("rejected", "Rejected"),
    ("confirmed", "Confirmed"),
    ("partially_shipped", "Partially Shipped"),
    ("shipped", "Shipped"),
    ("delivered", "Delivered"),
    ("cancelled", "Cancelled"),
]

ORDER_CHANNELS = [
    ("phone", "Phone"),
    ("fax", "Fax"),
    ("email", "E-mail"),
    ("website", "Website"),
    ("portal", "Portal"),
    ("edi", "EDI"),
    ("other", "Other"),
]

# Changing one of these after approval invalidates the approval.
MATERIAL_ORDER_FIELDS = {"partner_id", "partner_shipping_id", "pricelist_id", "currency_id"}

# Written only by the review and delay methods (see tools/protected.py).
REVIEW_OWNED_FIELDS = {"review_state", "review_date", "review_decision_date", "late_notice_date"}


def _changed_records(records, vals, field_names):
    """Return the records of ``records`` whose value of one of ``field_names``
    differs from what ``vals`` is about to write."""
    names = field_names & vals.keys()
    if not names:
        return records.browse()
    return records.filtered(
        lambda rec: any(
            rec._fields[name].convert_to_write(rec[name], rec) != vals[name] for name in names
        )
    )


class SaleOrder(models.Model):
    _inherit = "sale.order"

    order_channel = fields.Selection(
        ORDER_CHANNELS,
        string="Channel",
        default="other",
        required=True,
        tracking=True,
        help="Where the order came from. Set automatically for e-mail, website, portal "
        "and EDI orders.",
    )
    received_date = fields.Datetime(
        string="Received On", default=fields.Datetime.now, copy=False, tracking=True
    )
    review_state = fields.Selection(
        REVIEW_STATES,
        string="Review",
        default="not_reviewed",
        required=True,
        copy=False,
        readonly=True,
        tracking=True,
        index=True,
    )
    review_issue_ids = fields.One2many(
        "sale.order.review.issue", "order_id", string="Review Issues", copy=False
    )
    review_open_issue_count = fields.Integer(
        string="Open Issues", compute="_compute_review_open_issue_count"
    )
    review_date = fields.Datetime(string="Submitted for Review", copy=False, readonly=True)
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
        compute="_compute_lifecycle_stage_date",
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

    @api.depends("review_issue_ids.state")
    def _compute_review_open_issue_count(self):
        for order in self:
            order.review_open_issue_count = len(
                order.review_issue_ids.filtered(lambda issue: issue.state == "open")
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
        for order in self:
            order.lifecycle_stage = order._get_lifecycle_stage()

    @api.depends("lifecycle_stage")
    def _compute_lifecycle_stage_date(self):
        now = fields.Datetime.now()
        stored = self._get_stored_lifecycle_stages()
        for order in self:
            stored_stage, stored_date = stored.get(order._origin.id, (None, None))
            order.lifecycle_stage_date = (
                stored_date if order.lifecycle_stage == stored_stage and stored_date else now
            )

    def _get_stored_lifecycle_stages(self):
        """The stages of ``self`` and their dates as last written to the
        database: ``{id: (stage, date)}``.

        The new stage is not flushed yet when its date is computed: one query
        per batch tells which orders really change stage; only those restart
        their age in stage."""
        ids = tuple(self._origin.ids)
        if not ids:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT id, lifecycle_stage, lifecycle_stage_date FROM sale_order WHERE id IN %s",
                ids,
            )
        )
        return {order_id: (stage, date) for order_id, stage, date in self.env.cr.fetchall()}

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
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, REVIEW_OWNED_FIELDS)
        for vals in vals_list:
            if "order_channel" not in vals and not self.env.context.get("default_order_channel"):
                channel = self._get_order_channel_from_vals(vals)
                if channel:
                    vals["order_channel"] = channel
        return super().create(vals_list)

    @api.model
    def _get_order_channel_from_vals(self, vals):
        """Hook: guess the channel of an order about to be created.

        Called by ``create`` when no channel is given; a website order (any
        module that sets ``website_id``) is a ``website`` order."""
        if vals.get("website_id"):
            return "website"
        return False

    def write(self, vals):
        check_protected_write(self, vals, REVIEW_OWNED_FIELDS)
        if vals.get("state") == "sale":
            self._check_confirmation_write()
        to_reset = _changed_records(self, vals, MATERIAL_ORDER_FIELDS)._filter_review_resettable()
        result = super().write(vals)
        if "lifecycle_stage_date" in vals:
            # Later recomputations compare with the database (see
            # _get_stored_lifecycle_stages): store a date set by hand now.
            self.flush_recordset(["lifecycle_stage", "lifecycle_stage_date"])
        if to_reset:
            to_reset._reset_review()
        return result

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """E-mail intake: an e-mail to the order alias becomes a draft order of
        the sender (created when unknown); the e-mail, its attachments
        included, is the first message of the order's chatter."""
        values = dict(custom_values or {})
        partner = self.env["res.partner"].browse(msg_dict.get("author_id"))
        if not partner and msg_dict.get("email_from"):
            partner = self.env["res.partner"]._find_or_create_from_emails([msg_dict["email_from"]])[
                0
            ]
        values.setdefault("partner_id", partner.id)
        values.setdefault("order_channel", "email")
        values.setdefault("origin", (msg_dict.get("subject") or "")[:200] or False)
        # Keep the order number: without a name, mail.thread would use the subject.
        values.setdefault("name", self.env._("New"))
        # The gateway runs as OdooBot: leave the salesperson to the partner's.
        return super(SaleOrder, self.with_context(default_user_id=False)).message_new(
            msg_dict, custom_values=values
        )

    def create_document_from_attachment(self, attachment_ids):
        return super(
            SaleOrder, self.with_context(default_order_channel="edi")
        ).create_document_from_attachment(attachment_ids)

    # ------------------------------------------------------------------
    # Review: actions
    # ------------------------------------------------------------------

    def action_submit_review(self):
        """Evaluate the active review rules on the orders and record the issues.

        Orders without blocking issue are approved at once; the others wait
        for the approvers, who get an activity."""
        for order in self:
            if order.state not in ("draft", "sent"):
                raise UserError(
                    self.env._("Only quotations can be submitted for review (%s).", order.name)
                )
            if order.review_state in ("to_review", "approved"):
                raise UserError(self.env._("Order %s is already submitted for review.", order.name))
        self._lock_for_review()
        # sudo: issues are the rules' verdicts; salespeople may read them but
        # never create or change them themselves.
        self.review_issue_ids.sudo().filtered(lambda i: i.state == "open").unlink()
        results = self._get_review_rules()._evaluate(self)
        with protected_write(self.env["sale.order.review.issue"]) as issues:
            issues.create(
                [
                    self._prepare_review_issue_vals(order, rule, message)
                    for order, flagged in results.items()
                    for rule, message in flagged
                ]
            )
        now = fields.Datetime.now()
        blocked = self.filtered(lambda o: any(rule.blocking for rule, _m in results.get(o, [])))
        (self - blocked)._write_review_state("approved", review_date=now, review_decision_date=now)
        blocked._write_review_state("to_review", review_date=now, review_decision_date=False)
        self._message_log_review_submission(results)
        blocked._schedule_review_activities()
        (self - blocked)._after_review_approved()
        return True

    def action_review_approve(self):
        """Approve, as the current user, the open issues of the orders that
        the user's groups allow; an order with no blocking issue left is
        approved."""
        self._lock_for_review()
        user = self.env.user
        decisions = {}
        for order in self:
            order._check_review_decidable()
            open_issues = order.review_issue_ids.filtered(lambda i: i.state == "open")
            decidable = open_issues._can_be_decided_by(user)
            if not decidable:
                raise AccessError(
                    self.env._(
                        "You cannot approve order %(order)s: its open issues need "
                        "an approver from %(groups)s.",
                        order=order.name,
                        groups=", ".join(open_issues.approver_group_id.mapped("display_name")),
                    )
                )
            decisions[order] = (open_issues, decidable)
        now = fields.Datetime.now()
        approved_orders = self.browse()
        for order, (open_issues, decidable) in decisions.items():
            # Only the decision fields are written, after the group check above.
            write_protected(
                decidable, {"state": "approved", "decided_by_id": user.id, "decided_date": now}
            )
            if not (open_issues - decidable).filtered("blocking"):
                approved_orders |= order
        self._message_log_review_decision(
            {order: decidable for order, (_open, decidable) in decisions.items()}
        )
        approved_orders._write_review_state("approved", review_decision_date=now)
        approved_orders._close_review_activities()
        approved_orders._after_review_approved()
        return True

    def action_review_reject(self):
        """Open the wizard asking the reviewer why the orders are rejected."""
        self._check_reviewer()
        for order in self:
            order._check_review_decidable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Order"),
            "res_model": "sale.order.review.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_ids": self.ids},
        }

    def action_view_review_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_order_management.action_sale_order_review_issue"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"search_default_filter_open": 0}
        return action

    # ------------------------------------------------------------------
    # Review: business helpers
    # ------------------------------------------------------------------

    def _action_review_reject(self, reason):
        """Reject the review of the orders; called by the reject wizard."""
        self._check_reviewer()
        self._lock_for_review()
        now = fields.Datetime.now()
        for order in self:
            order._check_review_decidable()
        open_issues = self.review_issue_ids.filtered(lambda i: i.state == "open")
        # Decision fields only, after the reviewer check above.
        write_protected(
            open_issues, {"state": "rejected", "decided_by_id": self.env.uid, "decided_date": now}
        )
        self._write_review_state("rejected", review_decision_date=now)
        self._close_review_activities()
        for order in self:
            order.message_post(
                body=self.env._(
                    "Order rejected by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
                partner_ids=order.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _get_review_rules(self):
        """Hook: the rules that apply to ``self`` (active rules of their companies)."""
        return self.env["sale.order.review.rule"].search(
            [("company_id", "in", [False, *self.company_id.ids])]
        )

    def _prepare_review_issue_vals(self, order, rule, message):
        """Hook: the values of the issue ``rule`` raises on ``order``."""
        return {
            "order_id": order.id,
            "rule_id": rule.id,
            "message": message,
            "blocking": rule.blocking,
        }

    def _review_is_required(self):
        """Hook: whether ``self`` (one unreviewed order) must pass review
        before confirmation; by default, when a blocking rule flags it.

        Called by ``_confirmation_error_message``."""
        self.ensure_one()
        rules = self._get_review_rules().filtered("blocking")
        if not rules:
            return []
        return rules._evaluate(self).get(self, [])

    def _confirmation_error_message(self):
        """Refuse confirmation on the facts: an open blocking issue, whatever
        the review state says, or a blocking rule that flags an order never
        approved."""
        error = super()._confirmation_error_message()
        if error:
            return error
        error = self._review_confirmation_error()
        if error and self.env.user.share:
            # A customer signing on the portal is not shown the review's notes.
            return self.env._(
                "Order %s is being reviewed by our team: we will confirm it shortly.", self.name
            )
        return error

    def _review_confirmation_error(self):
        """The review's part of the confirmation gate (False: no objection)."""
        self.ensure_one()
        if self.review_state == "rejected":
            return self.env._("Order %s was rejected in review and cannot be confirmed.", self.name)
        # sudo: the verdicts decide, whether or not the confirming user may read them.
        blocking = self.sudo().review_issue_ids.filtered(lambda i: i.state == "open" and i.blocking)
        if blocking:
            return self.env._(
                "Order %(order)s waits for review approval:\n%(issues)s",
                order=self.name,
                issues="\n".join(f"- {message}" for message in blocking.mapped("message")),
            )
        if self.review_state != "approved":
            flagged = self._review_is_required()
            if flagged:
                return self.env._(
                    "Order %(order)s must be submitted for review before confirmation:\n%(issues)s",
                    order=self.name,
                    issues="\n".join(f"- {rule.name}: {message}" for rule, message in flagged),
                )
        return False

    def _check_confirmation_write(self):
        """A quotation becomes an order through ``action_confirm``, which
        checks ``_confirmation_error_message`` first; writing ``state``
        directly passes the same gate."""
        quotations = self.filtered(lambda o: o.state != "sale")
        if not quotations or is_protected_write_granted(quotations):
            return
        for order in quotations:
            error = order._review_confirmation_error()
            if error:
                raise UserError(error)

    def _action_confirm(self):
        # The confirmation gate passed (action_confirm): the state write is ours.
        with protected_write(self):
            result = super()._action_confirm()
        if not self.env.context.get("send_email"):
            self.filtered(
                lambda o: o.review_state == "approved" and o.company_id.order_confirmation_email
            )._send_order_confirmation_mail()
        return result

    def _after_review_approved(self):
        """Hook: what follows an approval; confirms the orders of companies
        that confirm on approval."""
        to_confirm = self.filtered(
            lambda o: o.company_id.order_auto_confirm and o.state in ("draft", "sent")
        )
        if to_confirm:
            to_confirm.action_confirm()

    def _write_review_state(self, review_state, **values):
        """The one place the review state is written, by the review methods
        after their checks."""
        if self:
            write_protected(self, dict(values, review_state=review_state))

    def _lock_for_review(self):
        """Lock the orders' rows so that two reviewers deciding at the same
        moment cannot both win: the second gets a clear error."""
        lock_rows_nowait(
            self,
            self.env._(
                "Another user is deciding on these orders right now. Reload the page and try again."
            ),
        )

    def _check_reviewer(self):
        if not self.env.user.has_group("customer_order_management.group_order_reviewer"):
            raise AccessError(self.env._("Only order reviewers can reject orders."))

    def _check_review_decidable(self):
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            raise UserError(
                self.env._("Order %s is no longer a quotation: its review is closed.", self.name)
            )
        if self.review_state == "rejected":
            raise UserError(self.env._("Order %s was already rejected.", self.name))
        if self.review_state == "approved":
            raise UserError(self.env._("Order %s is already approved.", self.name))
        if self.review_state == "not_reviewed":
            raise UserError(self.env._("Order %s has not been submitted for review.", self.name))

    def _filter_review_resettable(self):
        """The orders of ``self`` whose review a material change voids,
        whoever makes the change."""
        return self.filtered(
            lambda o: o.state in ("draft", "sent") and o.review_state in ("to_review", "approved")
        )

    def _reset_review(self):
        """A material change voids the review: back to ``not_reviewed``."""
        orders = self._filter_review_resettable()
        if not orders:
            return
        # sudo: stale verdicts are removed with the review they belonged to.
        orders.review_issue_ids.sudo().filtered(lambda i: i.state == "open").unlink()
        orders._write_review_state("not_reviewed", review_date=False, review_decision_date=False)
        orders._close_review_activities()
        for order in orders:
            order.message_post(
                body=self.env._("The order changed after its review: it must be reviewed again."),
                subtype_xmlid="mail.mt_note",
            )

    def _get_review_signature(self):
        """The products and quantities of the order, to compare orders."""
        self.ensure_one()
        return frozenset(
            (line.product_id.id, line.product_uom_qty)
            for line in self.order_line
            if line.product_id and not line.display_type
        )

    def _message_log_review_submission(self, results):
        """Log the submission of each order with the issues the rules found
        (one batch of notes for all orders)."""
        warning = self.env._("warning")
        bodies = {}
        for order in self:
            flagged = results.get(order, [])
            if not flagged:
                bodies[order.id] = self.env._(
                    "Submitted for review by %s: no rule flagged the order.", self.env.user.name
                )
                continue
            bodies[order.id] = Markup("%s<ul>%s</ul>") % (
                self.env._("Submitted for review by %s. Issues:", self.env.user.name),
                Markup().join(
                    Markup("<li><b>%s</b>%s: %s</li>")
                    % (rule.name, "" if rule.blocking else f" ({warning})", message)
                    for rule, message in flagged
                ),
            )
        self._message_log_batch(bodies)

    def _message_log_review_decision(self, decisions):
        """Log, in one batch, which issues the current user approved on each
        order; ``decisions`` maps orders to their approved issues."""
        bodies = {
            order.id: Markup("%s<ul>%s</ul>")
            % (
                self.env._("%s approved:", self.env.user.name),
                Markup().join(
                    Markup("<li><b>%s</b>: %s</li>") % (issue.rule_id.name, issue.message)
                    for issue in issues
                ),
            )
            for order, issues in decisions.items()
            if issues
        }
        if bodies:
            self.browse(list(bodies))._message_log_batch(bodies)

    def _schedule_review_activities(self):
        """Give each approver of an order's open blocking issues an activity."""
        activity_type = self.env.ref("customer_order_management.mail_activity_order_review")
        activities = []
        for order in self:
            groups = order.review_issue_ids.filtered(
                lambda i: i.state == "open" and i.blocking
            ).approver_group_id
            # sudo: who the approvers are is not readable by every salesperson.
            users = groups.sudo().all_user_ids.filtered(
                lambda u, order=order: not u.share and order.company_id in u.company_ids
            )
            deadline = fields.Datetime.now() + timedelta(
                hours=order.company_id.order_review_sla_hours
            )
            for user in users:
                activities.append(
                    {
                        "res_model_id": self.env["ir.model"]._get_id("sale.order"),
                        "res_id": order.id,
                        "activity_type_id": activity_type.id,
                        "user_id": user.id,
                        "date_deadline": deadline.date(),
                        "summary": self.env._("Review order %s", order.name),
                        "automated": True,
                    }
                )
        if activities:
            # sudo: the salesperson submitting the order schedules the
            # reviewers' activities, which they could not create for others.
            self.env["mail.activity"].sudo().create(activities)

    def _close_review_activities(self):
        """The decision is logged in the chatter: the approvers' review
        activities are removed rather than marked done (one message less per
        activity)."""
        self.activity_unlink(["customer_order_management.mail_activity_order_review"])

    # ------------------------------------------------------------------
    # Delays
    # ------------------------------------------------------------------

    @api.model
    def _cron_notify_late_orders(self, batch_size=500):
        """Flag the orders whose promise slipped, then notify each slip once:
        an activity for the salesperson and (setting) an e-mail to the
        customer. A new promised date allows a new notice. Batched, with
        progress committed between batches; a second run changes nothing."""
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
        notice_domain = [("late_notice_due", "=", True)]
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
