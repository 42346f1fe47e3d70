from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import (
    changed_records,
    check_protected_create,
    check_protected_write,
    is_protected_write_granted,
    protected_write,
    write_protected,
)
from .mail_template import report_context

REVIEW_STATES = [
    ("not_reviewed", "Not Reviewed"),
    ("to_review", "To Review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]

# Changing one of these after approval invalidates the approval.
MATERIAL_ORDER_FIELDS = {"partner_id", "partner_shipping_id", "pricelist_id", "currency_id"}

# Written only by the review methods (see tools/protected.py).
REVIEW_OWNED_FIELDS = {"review_state", "review_date", "review_decision_date"}


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "customer.order.approval.mixin"]
    _approval_activity_type = "customer_order_management.mail_activity_order_review"
    _approval_tracked_fields = ("review_state", "lifecycle_stage")

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
    review_issue_decided = fields.Boolean(
        string="Has Decided Issues", compute="_compute_review_issue_decided"
    )

    @api.depends("review_issue_ids.state")
    def _compute_review_open_issue_count(self):
        for order in self:
            order.review_open_issue_count = len(
                order.review_issue_ids.filtered(lambda issue: issue.state == "open")
            )

    @api.depends("review_issue_ids.decided_by_id")
    def _compute_review_issue_decided(self):
        for order in self:
            order.review_issue_decided = bool(order.review_issue_ids.decided_by_id)

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, REVIEW_OWNED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, REVIEW_OWNED_FIELDS)
        if vals.get("state") == "sale":
            self._check_confirmation_write()
        to_reset = changed_records(self, vals, MATERIAL_ORDER_FIELDS)._filter_review_resettable()
        result = super().write(vals)
        if to_reset:
            to_reset._reset_review()
        return result

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
        self._approval_lock()
        # sudo: issues are the rules' verdicts; salespeople may read them but
        # never create or change them themselves.
        self.review_issue_ids.sudo().filtered(lambda i: i.state == "open").unlink()
        results = self._get_review_rules()._evaluate(self)
        with protected_write(self.env["sale.order.review.issue"]) as issues:
            issues.create(
                [
                    order._prepare_review_issue_vals(rule, message)
                    for order, flagged in results.items()
                    for rule, message in flagged
                ]
            )
        now = fields.Datetime.now()
        blocked = self.filtered(lambda o: any(rule.blocking for rule, _m in results.get(o, [])))
        notes = self._get_review_submission_notes(results)
        (self - blocked)._write_review_state(
            "approved", notes, review_date=now, review_decision_date=now
        )
        blocked._write_review_state("to_review", notes, review_date=now, review_decision_date=False)
        blocked._schedule_approval_activities()
        (self - blocked)._after_review_approved()
        return True

    def action_review_approve(self):
        """Approve, as the current user, the open issues of the orders that
        the user's groups allow; an order with no blocking issue left is
        approved."""
        self._approval_lock()
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
        notes = self._get_review_decision_notes(
            {order: decidable for order, (_open, decidable) in decisions.items()}
        )
        # Orders still waiting for another approver get the note alone.
        (self - approved_orders)._log_approval_decision(
            {oid: note for oid, note in notes.items() if oid not in approved_orders.ids}
        )
        approved_orders._write_review_state("approved", notes, review_decision_date=now)
        approved_orders._close_approval_activities()
        approved_orders._after_review_approved()
        return True

    def action_review_reject(self):
        """Open the wizard asking the reviewer why the orders are rejected."""
        self._check_reviewer()
        for order in self:
            order._check_review_decidable()
        return self.env["sale.order.review.reject"]._get_records_action(
            name=self.env._("Reject Order"),
            target="new",
            context={"default_order_ids": self.ids},
        )

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
        self._approval_lock()
        now = fields.Datetime.now()
        for order in self:
            order._check_review_decidable()
        open_issues = self.review_issue_ids.filtered(lambda i: i.state == "open")
        # Decision fields only, after the reviewer check above.
        write_protected(
            open_issues, {"state": "rejected", "decided_by_id": self.env.uid, "decided_date": now}
        )
        self._write_review_state("rejected", review_decision_date=now)
        self._close_approval_activities()
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

    def _prepare_review_issue_vals(self, rule, message):
        """Hook: the values of the issue ``rule`` raises on ``self`` (one order)."""
        self.ensure_one()
        return {
            "order_id": self.id,
            "rule_id": rule.id,
            "message": message,
            "blocking": rule.blocking,
        }

    def _get_review_findings(self):
        """Hook: what makes ``self`` (one unreviewed order) go through review
        before confirmation: the ``(rule, message)`` findings of the blocking
        rules that flag it (empty: no review needed).

        Called by ``_review_confirmation_error``."""
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
            flagged = self._get_review_findings()
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
            ).with_context(**report_context(self.env))._send_order_confirmation_mail()
        return result

    def _after_review_approved(self):
        """Hook: what follows an approval; confirms the orders of companies
        that confirm on approval."""
        to_confirm = self.filtered(
            lambda o: o.company_id.order_auto_confirm and o.state in ("draft", "sent")
        )
        if to_confirm:
            to_confirm.action_confirm()

    def _write_review_state(self, review_state, notes=None, **values):
        """The one place the review state is written, by the review methods
        after their checks; logged with ``notes`` (``{order id: body}``)."""
        self._write_decision(dict(values, review_state=review_state), notes)

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
        note = self.env._("The order changed after its review: it must be reviewed again.")
        orders._write_review_state(
            "not_reviewed",
            dict.fromkeys(orders.ids, note),
            review_date=False,
            review_decision_date=False,
        )
        orders._close_approval_activities()

    def _get_review_signature(self):
        """The products and quantities of the order, to compare orders."""
        self.ensure_one()
        return frozenset(
            (line.product_id.id, line.product_uom_qty)
            for line in self.order_line
            if line.product_id and not line.display_type
        )

    # ------------------------------------------------------------------
    # Approval cycle hooks (see customer.order.approval.mixin)
    # ------------------------------------------------------------------

    def _get_approver_groups(self):
        """The approver groups of the order's open blocking issues."""
        self.ensure_one()
        return self.review_issue_ids.filtered(
            lambda i: i.state == "open" and i.blocking
        ).approver_group_id

    def _get_approval_deadline(self):
        """Within the company's review SLA."""
        self.ensure_one()
        deadline = fields.Datetime.now() + timedelta(hours=self.company_id.order_review_sla_hours)
        return deadline.date()

    def _get_approval_activity_summary(self):
        self.ensure_one()
        return self.env._("Review order %s", self.name)

    def _get_approval_busy_message(self):
        return self.env._(
            "Another user is deciding on these orders right now. Reload the page and try again."
        )

    def _get_review_submission_notes(self, results):
        """The note of each order's submission, with the issues the rules
        found: ``{order id: body}``."""
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
        return bodies

    def _get_review_decision_notes(self, decisions):
        """Which issues the current user approved on each order
        (``decisions`` maps orders to their approved issues): ``{order id:
        body}``."""
        warning = self.env._("warning")
        bodies = {
            order.id: Markup("%s<ul>%s</ul>")
            % (
                self.env._("%s approved:", self.env.user.name),
                Markup().join(
                    Markup("<li><b>%s</b>%s: %s</li>")
                    % (issue.rule_id.name, "" if issue.blocking else f" ({warning})", issue.message)
                    for issue in issues
                ),
            )
            for order, issues in decisions.items()
            if issues
        }
        return bodies
