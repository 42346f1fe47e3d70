from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from ..models.stock_picking import SHIPMENT_MAIL_LAYOUT, StockPicking
from .common import CustomerOrderCommon

# What a validation may cost above the same validation without the addon's
# shipment work (the first event, the state and one customer e-mail), at most.
SHIPMENT_QUERY_BUDGET = 25

# What each more delivery of a batch adds, at most: its own message.
MESSAGE_QUERIES = 16

# The message fields the customer's shipment e-mail is made of.
MESSAGE_FIELDS = (
    "author_id",
    "email_from",
    "subject",
    "body",
    "message_type",
    "subtype_id",
    "partner_ids",
    "attachment_ids",
    "email_layout_xmlid",
    "email_add_signature",
    "record_alias_domain_id",
    "record_company_id",
    "reply_to",
    "reply_to_force_new",
    "mail_server_id",
    "is_internal",
    "model",
    "res_id",
)
# What the sent e-mail is made of (its Message-Id and references differ).
EMAIL_KEYS = ("email_from", "email_to", "subject", "body", "reply_to", "attachments")


@tagged("post_install", "-at_install")
class TestValidationPerformance(CustomerOrderCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 1000)
        cls.carrier = cls._create_carrier(
            "Fast Freight", "https://track.example.com/?ref=<shipmenttrackingnumber>"
        )
        cls.stock_user = new_test_user(
            cls.env,
            login="com_perf_stock_user",
            groups="stock.group_stock_user,sales_team.group_sale_salesman",
            company_id=cls.env.company.id,
        )
        cls.template_shipped = cls.env.ref(
            "customer_order_management.mail_template_shipment_shipped"
        )

    def _confirmed(self, qty=5):
        order = self._create_order(qty=qty)
        order.action_confirm()
        order.picking_ids.write(
            {"carrier_id": self.carrier.id, "carrier_tracking_ref": f"TRK-{order.id}"}
        )
        return order

    def _prepared(self, order):
        """The order's delivery, reserved and picked, ready to validate."""
        picking = order.picking_ids
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        return picking

    def _message_values(self, message):
        return {name: message[name] for name in MESSAGE_FIELDS}

    def _email_values(self, email):
        return {key: email.get(key) for key in EMAIL_KEYS}

    def _post_both_ways(self, picking, template):
        """Post ``template`` on ``picking`` through Odoo's composer and
        through the addon's batch path; return both (message, e-mails)."""
        posted = []
        for post in (
            lambda: picking.message_post_with_source(
                template,
                email_layout_xmlid=SHIPMENT_MAIL_LAYOUT,
                subtype_xmlid="mail.mt_comment",
            ),
            lambda: picking._message_post_shipment_template(template),
        ):
            with self.mock_mail_gateway():
                post()
                message = picking.message_ids[:1]
                self.assertEqual(len(self._mails), 1)
                posted.append((message, self._mails[0]))
        return posted

    # Same message, same e-mail ---------------------------------------------

    def test_shipment_mails_as_odoo_composer_posts_them(self):
        """Each shipment template, as shipped and as a manager may set it up,
        is posted with the very message and e-mail Odoo's composer posts."""
        order = self._confirmed(qty=10)
        self._deliver(order, {self.storable: 4})
        picking = order.picking_ids.filtered(lambda p: p.state == "done").with_user(self.stock_user)
        templates = self.env["mail.template"]
        for name in ("shipped", "delivered", "backorder"):
            template = self.env.ref(f"customer_order_management.mail_template_shipment_{name}")
            # As installed (partner_to), as in a database installed before
            # (Odoo's default recipients), and with a sender of its own.
            templates |= template.copy({"use_default_to": False})
            templates |= template.copy({"use_default_to": True})
            templates |= template.copy(
                {"use_default_to": True, "email_from": "{{ object.company_id.email }}"}
            )
        self.env.company.email = "warehouse@example.com"
        for template in templates:
            with self.subTest(template=template.name, default_to=template.use_default_to):
                (composer_message, composer_email), (message, email) = self._post_both_ways(
                    picking, template.with_user(self.stock_user)
                )
                self.assertNotEqual(message, composer_message)
                self.assertEqual(
                    self._message_values(message), self._message_values(composer_message)
                )
                self.assertEqual(self._email_values(email), self._email_values(composer_email))
                self.assertIn(self.customer, message.partner_ids)

    def test_template_with_files_keeps_them(self):
        """A template that attaches a file still attaches it to each e-mail."""
        template = self.template_shipped.copy()
        terms = self.env["ir.attachment"].create(
            {
                "name": "terms.txt",
                "raw": b"Terms of delivery",
                "res_model": "mail.template",
                "res_id": template.id,
            }
        )
        template.attachment_ids = [Command.set(terms.ids)]
        picking = self._deliver(self._confirmed())
        (composer_message, composer_email), (message, email) = self._post_both_ways(
            picking, template
        )
        self.assertEqual(message.attachment_ids.mapped("name"), ["terms.txt"])
        self.assertEqual(email["attachments"], composer_email["attachments"])
        self.assertEqual(
            message.attachment_ids.mapped("raw"), composer_message.attachment_ids.mapped("raw")
        )

    # Batches and bad input --------------------------------------------------

    def test_batch_validation_mails_each_customer_once(self):
        orders = self._confirmed() | self._confirmed() | self._confirmed()
        pickings = self.env["stock.picking"]
        for order in orders:
            pickings |= self._prepared(order)
        with self.mock_mail_gateway():
            pickings.with_user(self.stock_user).button_validate()
        subject = self.template_shipped._render_field("subject", pickings.ids)
        for picking in pickings:
            self.assertRecordValues(picking, [{"state": "done", "shipment_state": "shipped"}])
            self.assertEqual(len(picking.tracking_event_ids), 1)
            mails = picking.message_ids.filtered(
                lambda m, picking=picking: m.subject == subject[picking.id]
            )
            self.assertEqual(len(mails), 1)
            self.assertEqual(mails.partner_ids, self.customer)
        self.assertEqual(len(self._mails), 3)
        self.assertEqual(set(orders.mapped("lifecycle_stage")), {"shipped"})

    def test_no_customer_or_no_template_no_mail(self):
        order = self._confirmed()
        order.picking_ids.partner_id = False
        picking = self._deliver(order)
        self.assertEqual(picking.shipment_state, "shipped")
        self.assertFalse(picking.message_ids.filtered(lambda m: m.partner_ids))
        self.template_shipped.unlink()
        picking = self._deliver(self._confirmed())
        self.assertEqual(picking.shipment_state, "shipped")
        self.assertFalse(picking.message_ids.filtered(lambda m: self.customer in m.partner_ids))

    # Queries ------------------------------------------------------------------

    def _validation_queries(self, picking):
        """The queries of validating ``picking`` as the stock user, from an
        empty cache to the end of the transaction's pending work (flush and
        chatter tracking)."""
        picking = picking.with_user(self.stock_user)
        self.env.flush_all()
        self.env.cr.flush()
        self.env.invalidate_all()
        count = self.cr.sql_log_count
        picking.button_validate()
        self.env.flush_all()
        self.env.cr.flush()
        return self.cr.sql_log_count - count

    def _shipment_queries(self, without, pickings):
        """The queries the addon's shipment work adds to validating
        ``pickings``: against validating ``without``, the same number of
        deliveries like them, with that work left out."""
        with patch.object(StockPicking, "_mark_shipped", lambda self: None):
            plain = self._validation_queries(without)
        return self._validation_queries(pickings) - plain

    def test_validation_queries_within_budget(self):
        """Validating a delivery costs at most SHIPMENT_QUERY_BUDGET queries
        more than the same validation without the addon's shipment work."""
        first, second, third = (self._prepared(self._confirmed()) for _i in range(3))
        # Warm the caches (templates, registry caches) on a first validation.
        self._validation_queries(first)
        extra = self._shipment_queries(second, third)
        self.assertEqual(third.shipment_state, "shipped")
        self.assertFalse(second.tracking_event_ids)
        self.assertLessEqual(extra, SHIPMENT_QUERY_BUDGET)

    def test_batch_validation_shares_its_queries(self):
        """In a batch, each more delivery adds its own message and little
        else: the template is found and rendered, the event written and the
        shared records read once for the batch."""
        pickings = [self._prepared(self._confirmed()) for _i in range(9)]
        self._validation_queries(pickings[0])
        one = self._shipment_queries(pickings[1], pickings[2])
        three = self._shipment_queries(
            pickings[3] | pickings[4] | pickings[5], pickings[6] | pickings[7] | pickings[8]
        )
        self.assertLessEqual(three - one, 2 * MESSAGE_QUERIES, f"1: {one}, 3 at once: {three}")
