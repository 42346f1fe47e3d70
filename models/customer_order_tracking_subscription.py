import logging
from datetime import timedelta

import requests
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain

from ..tools import check_protected_write, protected_write
from .delivery_carrier_subscription import SubscriptionError, _short

_logger = logging.getLogger(__name__)

# Seconds a provider has to answer one registration.
REQUEST_TIMEOUT = 10
# Attempts before a registration is given up (the picking is told).
MAX_ATTEMPTS = 6
# Wait after the first failure; doubled after each next one (5, 10, 20, ... min).
RETRY_DELAY = timedelta(minutes=5)
# Only the queue's own methods change a registration.
SUBSCRIPTION_OWNED_FIELDS = {"state", "attempts", "next_attempt", "last_error", "done_date"}


class CustomerOrderTrackingSubscription(models.Model):
    _name = "customer.order.tracking.subscription"
    _description = "Tracking Registration"
    _order = "id desc"
    _rec_name = "tracking_ref"

    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    carrier_id = fields.Many2one(
        "delivery.carrier", required=True, ondelete="cascade", readonly=True
    )
    tracking_ref = fields.Char(string="Tracking Reference", required=True, readonly=True)
    company_id = fields.Many2one(
        related="picking_id.company_id", store=True, index=True, precompute=True
    )
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Registered"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(default=fields.Datetime.now, readonly=True, index=True)
    last_error = fields.Char(readonly=True)
    done_date = fields.Datetime(string="Registered On", readonly=True)

    _picking_ref_unique = models.UniqueIndex(
        "(picking_id, tracking_ref)",
        "This tracking reference is already queued for registration.",
    )

    def write(self, vals):
        check_protected_write(self, vals, SUBSCRIPTION_OWNED_FIELDS)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_retry(self):
        """Queue failed registrations again, from the first attempt (stock
        managers, once the carrier's settings are fixed)."""
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(self.env._("Only stock managers can retry tracking registrations."))
        failed = self.filtered(lambda s: s.state == "failed")
        with protected_write(failed) as failed_sudo:
            failed_sudo.write(
                {"state": "pending", "attempts": 0, "next_attempt": fields.Datetime.now()}
            )
        return True

    # ------------------------------------------------------------------
    # Queue
    # ------------------------------------------------------------------

    @api.model
    def _enqueue(self, pickings):
        """Queue the registration of the tracking reference of each delivery
        of ``pickings`` whose carrier has a tracking provider; a reference
        already queued for its delivery is not queued again. No HTTP call
        here: this runs in the validating transaction."""
        pickings = pickings.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and p.state == "done"
                and p.carrier_tracking_ref
                and p.carrier_id
                # sudo: whoever validates registers; only managers read the provider.
                and p.carrier_id.sudo().tracking_provider not in (False, "generic")
            )
        )
        if not pickings:
            return self.browse()
        # sudo: stock users read the queue, only its own methods write it.
        queue = self.sudo()
        queued = queue.search([("picking_id", "in", pickings.ids)])
        # A reference replaced before it was registered is not sent any more.
        queued.filtered(
            lambda sub: (
                sub.state == "pending" and sub.tracking_ref != sub.picking_id.carrier_tracking_ref
            )
        ).unlink()
        known = {(sub.picking_id.id, sub.tracking_ref) for sub in queued.exists()}
        vals_list = [
            {
                "picking_id": picking.id,
                "carrier_id": picking.carrier_id.id,
                "tracking_ref": picking.carrier_tracking_ref,
            }
            for picking in pickings
            if (picking.id, picking.carrier_tracking_ref) not in known
        ]
        return queue.create(vals_list)

    def _due_domain(self):
        return Domain("state", "=", "pending") & Domain("next_attempt", "<=", fields.Datetime.now())

    @api.model
    def _cron_process_subscriptions(self, batch_size=20):
        """Register the due queued tracking references with their providers,
        ``batch_size`` at a time, progress committed after each batch. A
        failure waits longer after each attempt; after the last one the
        delivery is told. A second run finds nothing due and changes
        nothing."""
        cron = self.env["ir.cron"]
        domain = self._due_domain()
        cron._commit_progress(remaining=self.search_count(domain))
        while subscriptions := self.search(domain, limit=batch_size, order="next_attempt, id"):
            # Another worker (a manual run) may hold some: leave them to it.
            locked = subscriptions.try_lock_for_update(allow_referencing=True)
            locked._process()
            if len(locked) < len(subscriptions):
                return
            if not cron._commit_progress(len(locked), remaining=self.search_count(domain)):
                return

    def _process(self):
        """Send each registration of ``self`` to its provider, and record
        the answer."""
        for subscription in self:
            try:
                # A savepoint: an error of the database leaves the
                # transaction usable to record the failure.
                with self.env.cr.savepoint():
                    subscription._send()
            except SubscriptionError as error:
                subscription._record_failure(str(error))
            except Exception as error:
                # An unforeseen answer must not stop the queue at this
                # registration: it fails like an outage, and is retried.
                _logger.exception("Tracking registration %s: unexpected error", subscription.id)
                subscription._record_failure(
                    self.env._("Unexpected error (%s).", type(error).__name__)
                )
            else:
                with protected_write(subscription) as sub:
                    sub.write(
                        {
                            "state": "done",
                            "done_date": fields.Datetime.now(),
                            "attempts": sub.attempts + 1,
                            "last_error": False,
                        }
                    )

    def _send(self):
        """One HTTP call to the provider; raises ``SubscriptionError`` with a
        short text (never the key, never the request) when it fails."""
        self.ensure_one()
        carrier = self.carrier_id
        picking = self.picking_id
        if picking.carrier_tracking_ref != self.tracking_ref:
            raise SubscriptionError(
                self.env._("The delivery's tracking reference changed since it was queued.")
            )
        request = carrier._tracking_subscription_request(picking)
        timeout = self._get_request_timeout()
        try:
            # A redirect would take the key's header to an address nobody checked.
            response = requests.request(timeout=timeout, allow_redirects=False, **request)
        except requests.Timeout as error:
            raise SubscriptionError(
                self.env._("The provider did not answer within %s seconds.", timeout)
            ) from error
        except requests.RequestException as error:
            # The exception's text may hold the address: its kind only.
            raise SubscriptionError(
                self.env._("The provider could not be reached (%s).", type(error).__name__)
            ) from error
        carrier._tracking_subscription_check(response)

    def _get_request_timeout(self):
        """Hook: seconds a provider has to answer one registration."""
        return REQUEST_TIMEOUT

    def _record_failure(self, message):
        self.ensure_one()
        key = self.carrier_id.sudo().tracking_api_key
        if key:
            message = message.replace(key, "***")
        attempts = self.attempts + 1
        vals = {"attempts": attempts, "last_error": _short(message)}
        if attempts >= MAX_ATTEMPTS:
            vals["state"] = "failed"
        else:
            vals["next_attempt"] = fields.Datetime.now() + RETRY_DELAY * 2 ** (attempts - 1)
        with protected_write(self) as sub:
            sub.write(vals)
        _logger.info(
            "Tracking registration %s (delivery %s) failed, attempt %s/%s",
            self.id,
            self.picking_id.id,
            attempts,
            MAX_ATTEMPTS,
        )
        if attempts >= MAX_ATTEMPTS:
            self._notify_given_up()

    def _notify_given_up(self):
        """Hook: tell the delivery's responsible that its tracking reference
        could not be registered with the provider. Called once, after the
        last attempt."""
        self.ensure_one()
        picking = self.picking_id
        text = self.env._(
            "Tracking reference %(ref)s could not be registered with %(carrier)s's tracking "
            "provider after %(attempts)s attempts: %(error)s. No tracking updates will arrive "
            "until it is registered: check the carrier's tracking settings, then retry the "
            "registration.",
            ref=self.tracking_ref,
            carrier=self.carrier_id.name,
            attempts=self.attempts,
            error=self.last_error,
        )
        picking.message_post(body=Markup("<p>%s</p>") % text, subtype_xmlid="mail.mt_note")
        user = picking.sale_id.user_id or picking.user_id or self.env.user
        picking.activity_schedule(
            "mail.mail_activity_data_warning",
            user_id=user.id,
            summary=self.env._("Tracking not registered: %s", picking.name),
            note=Markup("<p>%s</p>") % text,
        )
