import base64
from email.message import EmailMessage

from odoo.tests import tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestOrderIntake(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create({"name": "intake.example.com"})
        cls.alias = cls.env.ref("customer_order_management.mail_alias_order_intake")
        cls.alias.alias_domain_id = cls.alias_domain

    def _email(
        self, sender, subject="Order PO-77", body="Please send 3 desk lamps.", attachment=None
    ):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = f"{self.alias.alias_name}@{self.alias_domain.name}"
        message["Subject"] = subject
        message["Message-Id"] = f"<{subject.replace(' ', '-')}-{sender}@mail.example.com>"
        message.set_content(body)
        if attachment:
            message.add_attachment(
                attachment, maintype="application", subtype="pdf", filename="po.pdf"
            )
        return message.as_string()

    def test_email_from_known_customer_creates_draft_order(self):
        thread_id = self.env["mail.thread"].message_process(
            False,
            self._email("Order Desk Customer <customer@example.com>", attachment=b"%PDF-1.4 po"),
        )
        order = self.env["sale.order"].browse(thread_id)
        self.assertRecordValues(
            order,
            [
                {
                    "partner_id": self.customer.id,
                    "order_channel": "email",
                    "state": "draft",
                    "origin": "Order PO-77",
                    "lifecycle_stage": "received",
                    "review_state": "not_reviewed",
                }
            ],
        )
        self.assertNotEqual(order.name, "Order PO-77", "the order keeps its sequence number")
        self.assertTrue(order.received_date)
        incoming = order.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertIn("3 desk lamps", incoming.body)
        self.assertEqual(incoming.attachment_ids.name, "po.pdf")
        self.assertEqual(base64.b64decode(incoming.attachment_ids.datas), b"%PDF-1.4 po")

    def test_email_from_unknown_sender_creates_customer(self):
        thread_id = self.env["mail.thread"].message_process(
            False, self._email("New Buyer <new.buyer@example.org>", subject="Quote request")
        )
        order = self.env["sale.order"].browse(thread_id)
        self.assertEqual(order.partner_id.email, "new.buyer@example.org")
        self.assertEqual(order.order_channel, "email")
        self.assertFalse(order.user_id.id == self.env.ref("base.user_root").id)

    def test_channel_defaults(self):
        self.assertEqual(self._create_order().order_channel, "other")
        self.assertEqual(self._create_order(order_channel="fax").order_channel, "fax")
        order = (
            self.env["sale.order"]
            .with_context(default_order_channel="edi")
            .create({"partner_id": self.customer.id})
        )
        self.assertEqual(order.order_channel, "edi")
        self.assertEqual(
            self.env["sale.order"]._get_order_channel_from_vals({"website_id": 1}), "website"
        )

    def test_edi_import_sets_channel(self):
        attachment = self.env["ir.attachment"].create(
            {
                "name": "order.txt",
                "raw": b"not an EDI file",
                "mimetype": "text/plain",
            }
        )
        action = self.env["sale.order"].create_document_from_attachment(attachment.ids)
        order = self.env["sale.order"].browse(action.get("res_id")) or self.env[
            "sale.order"
        ].search(action.get("domain") or [("id", "=", 0)])
        self.assertTrue(order)
        self.assertEqual(set(order.mapped("order_channel")), {"edi"})

    def test_settings(self):
        settings = (
            self.env["res.config.settings"]
            .with_user(self.env.ref("base.user_admin"))
            .create(
                {
                    "order_review_sla_hours": 8,
                    "order_auto_confirm": True,
                    "order_confirmation_email": False,
                    "order_shipment_email": False,
                    "order_delay_notice": False,
                }
            )
        )
        settings.execute()
        self.assertRecordValues(
            self.env.company,
            [
                {
                    "order_review_sla_hours": 8,
                    "order_auto_confirm": True,
                    "order_confirmation_email": False,
                    "order_shipment_email": False,
                    "order_delay_notice": False,
                }
            ],
        )
        self.assertEqual(settings.order_intake_alias_id, self.alias)
