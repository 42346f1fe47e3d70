from odoo import models
from odoo.exceptions import AccessError

from ..tools import lock_rows_nowait, write_protected


class CustomerOrderApprovalMixin(models.AbstractModel):
    """The approval cycle shared by every document that waits for a
    decision: order reviews (``sale.order``), returns (``customer.return``)
    and count variances (``stock.count.session``).

    The cycle, in the order a decision method runs it:

    1. ``_approval_lock()``: lock the rows (NOWAIT), so that two approvers
       deciding at the same moment cannot both win: the second gets
       ``_get_approval_busy_message()``.
    2. ``_check_approver()``: the current user belongs to one of
       ``_get_approver_groups()`` of each record, else ``AccessError`` with
       ``_get_approver_error()``.
    3. The model writes its decision (its own protected fields).
    4. ``_close_approval_activities()`` removes the approvers' activities
       (the decision itself is in the chatter: no "done" message more).
    5. ``_log_approval_decision(bodies)`` logs notes in one batch, or
       ``_write_decision(vals, bodies)`` writes the decision and logs it
       with the changes of ``_approval_tracked_fields`` in the same
       messages (ORM tracking posts its messages record by record: a
       reviewer deciding on a thousand orders would pay two queries each).

    Submitting a record for approval calls
    ``_schedule_approval_activities()``: one activity per approver
    (``_get_approvers()``: internal users of the approver groups who work
    in the record's company), due on ``_get_approval_deadline()``, created
    in one batch.

    Hooks to override: ``_approval_activity_type`` (xmlid),
    ``_get_approver_groups``, ``_get_approval_deadline``,
    ``_get_approval_activity_summary``, ``_get_approval_activity_note``,
    ``_get_approval_busy_message``, ``_get_approver_error``."""

    _name = "customer.order.approval.mixin"
    _description = "Approval Cycle"

    # The activity type of the approvers' to-dos (xmlid).
    _approval_activity_type = None
    # Tracked fields that ``_write_decision`` logs itself, with its note.
    _approval_tracked_fields = ()

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _get_approver_groups(self):
        """Hook: the groups whose members may decide on ``self`` (one record)."""
        self.ensure_one()
        return self.env.ref("customer_order_management.group_order_reviewer")

    def _get_approval_deadline(self):
        """Hook: when the approvers' activity of ``self`` (one record) is
        due; by default after the activity type's own delay."""
        self.ensure_one()
        return self.env.ref(self._approval_activity_type)._get_date_deadline()

    def _get_approval_activity_summary(self):
        """Hook: the summary of the approvers' activity of ``self`` (one record)."""
        self.ensure_one()
        return self.env._("Decide on %s", self.display_name)

    def _get_approval_activity_note(self):
        """Hook: the note of the approvers' activity of ``self`` (one record)."""
        self.ensure_one()
        return False

    def _get_approval_busy_message(self):
        """Hook: what the second of two simultaneous approvers reads."""
        return self.env._(
            "Another user is deciding on these records right now. Reload the page and try again."
        )

    def _get_approver_error(self):
        """Hook: why the current user may not decide on ``self``."""
        return self.env._("You are not allowed to decide on %s.", self[:1].display_name)

    # ------------------------------------------------------------------
    # The cycle
    # ------------------------------------------------------------------

    def _approval_lock(self):
        """Lock the rows of ``self`` for the decision (see the class)."""
        lock_rows_nowait(self, self._get_approval_busy_message())

    def _check_approver(self):
        """Refuse the current user unless they belong to one of the approver
        groups of every record of ``self``."""
        user_group_ids = set(self.env.user._get_group_ids())
        for record in self:
            if not user_group_ids.intersection(record._get_approver_groups().ids):
                raise AccessError(record._get_approver_error())

    def _get_approvers(self):
        """The users who may decide on ``self`` (one record): internal users
        of the approver groups who work in the record's company."""
        self.ensure_one()
        company = self["company_id"] if "company_id" in self._fields else self.env.company
        # sudo: who the approvers are is not readable by every requester;
        # only the users to notify leave this method.
        return (
            self._get_approver_groups()
            .sudo()
            .all_user_ids.filtered(lambda user: not user.share and company in user.company_ids)
        )

    def _schedule_approval_activities(self):
        """Give each approver of each record of ``self`` an activity, all
        created in one batch."""
        activity_type = self.env.ref(self._approval_activity_type)
        model_id = self.env["ir.model"]._get_id(self._name)
        activities = [
            {
                "res_model_id": model_id,
                "res_id": record.id,
                "activity_type_id": activity_type.id,
                "user_id": user.id,
                "date_deadline": record._get_approval_deadline(),
                "summary": record._get_approval_activity_summary(),
                "note": record._get_approval_activity_note(),
                "automated": True,
            }
            for record in self
            for user in record._get_approvers()
        ]
        if activities:
            # sudo: the requester schedules the approvers' activities, which
            # they could not create for other users.
            self.env["mail.activity"].sudo().create(activities)

    def _close_approval_activities(self):
        """Remove the approvers' open activities of ``self``: the decision is
        logged in the chatter, a "done" message would say it twice."""
        self.activity_unlink([self._approval_activity_type])

    def _log_approval_decision(self, bodies):
        """Log the decision notes ``bodies`` (``{record id: body}``) in one batch."""
        if bodies:
            self.browse(list(bodies))._message_log_batch(bodies)

    def _write_decision(self, vals, bodies=None):
        """Write the decision ``vals`` on ``self`` (protected fields: the
        caller has run its checks) and log it: one message per record with
        its note from ``bodies`` (``{record id: body}``) and the changes of
        ``_approval_tracked_fields``, all created in one batch instead of
        ORM tracking's message per record."""
        if not self:
            return
        fnames = [name for name in self._approval_tracked_fields if name in self._fields]
        initial = {record.id: {name: record[name] for name in fnames} for record in self}
        # Neither the write nor the recomputation of the stored fields that
        # depend on it (read here, in the same context) prepares ORM tracking.
        notrack = self.with_context(mail_notrack=True)
        write_protected(notrack, vals)
        # A change tracked earlier in the transaction compares with the
        # values before it: these fields are logged here, not again there.
        pending = self.env.cr.precommit.data.get(f"mail.tracking.{self._name}", {})
        for record in notrack:
            current = {name: record[name] for name in fnames}
            if pending.get(record.id):
                pending[record.id].update(
                    {name: value for name, value in current.items() if name in pending[record.id]}
                )
        tracked = self.fields_get(fnames, attributes=("string", "type", "selection"))
        bodies = bodies or {}
        changes = {}
        for record in notrack:
            _names, values = record._mail_track(tracked, initial[record.id])
            if values or bodies.get(record.id):
                changes[record.id] = values
        if not changes:
            return
        records = self.browse(list(changes))
        messages = records._message_log_batch({rid: bodies.get(rid, "") for rid in changes})
        self.env["mail.tracking.value"].sudo().create(
            [
                {**command[2], "mail_message_id": message.id}
                for message in messages
                for command in changes[message.res_id]
            ]
        )
