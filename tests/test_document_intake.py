import base64
from unittest.mock import patch

import psycopg2

from odoo.exceptions import AccessError
from odoo.fields import Command, Domain
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..tools import intake
from .common import CustomerOrderCommon
from .intake_files import (
    LAUGHS_XML,
    NOT_AN_ORDER_XML,
    XLSX,
    XXE_XML,
    blank_rows_xlsx,
    csv_order,
    email,
    pdf_with,
    ubl_order,
    xlsx_order,
    zip_bomb_xlsx,
)


class DocumentIntakeCommon(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create({"name": "intake.example.com"})
        cls.alias = cls.env.ref("customer_order_management.mail_alias_order_intake")
        cls.alias.alias_domain_id = cls.alias_domain
        cls.inbox = f"{cls.alias.alias_name}@{cls.alias_domain.name}"
        cls.customer.is_company = True
        cls.lamp = cls.storable
        cls.lamp.write({"default_code": "A-100", "barcode": "4006381333931"})
        cls.chair = cls.env["product.product"].create(
            {"name": "Office Chair", "default_code": "B-200", "list_price": 80.0}
        )
        cls.stool = cls.env["product.product"].create(
            {"name": "Stool", "default_code": "S-1", "list_price": 20.0}
        )
        cls.env["product.customer.code"].create(
            {"partner_id": cls.customer.id, "product_id": cls.stool.id, "code": "CUST-9"}
        )
        cls.sender = "Order Desk Customer <customer@example.com>"

    def _receive(self, **kwargs):
        kwargs.setdefault("sender", self.sender)
        sender = kwargs.pop("sender")
        thread_id = self.env["mail.thread"].message_process(
            False, email(sender, self.inbox, **kwargs)
        )
        return self.env["sale.order"].browse(thread_id)

    def _product_lines(self, order):
        return [
            (line.product_id, line.product_uom_qty)
            for line in order.order_line.filtered(lambda line: not line.display_type).sorted(
                "sequence"
            )
        ]


@tagged("post_install", "-at_install")
class TestDocumentIntake(DocumentIntakeCommon):
    # ------------------------------------------------------------------
    # Formats
    # ------------------------------------------------------------------

    def test_xlsx_order_form_with_chinese_headers(self):
        form = xlsx_order(
            [
                ("A-100", "台灯", 20, 95.5),  # internal reference
                ("4006381333931", "台灯", 2, 95.5),  # barcode in the code column
                ("CUST-9", "凳子", 5, 18),  # the customer's own code
            ],
            reference="PO-2026-001",
        )
        order = self._receive(attachments=[("订单.xlsx", form, XLSX)])
        self.assertRecordValues(
            order,
            [
                {
                    "partner_id": self.customer.id,
                    "order_channel": "email",
                    "client_order_ref": "PO-2026-001",
                    "intake_state": "parsed",
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(
            self._product_lines(order), [(self.lamp, 20), (self.lamp, 2), (self.stool, 5)]
        )
        self.assertEqual(order.order_line[0].price_unit, 100.0, "prices are the pricelist's")
        attachment = order.message_ids.attachment_ids
        self.assertEqual(attachment.name, "订单.xlsx")
        self.assertEqual(base64.b64decode(attachment.datas), form)

    def test_csv_order_form(self):
        form = csv_order(
            [("B-200", "Chair", "3", "80", "PO-CSV-7"), ("A-100", "Lamp", "1,5", "", "")]
        )
        order = self._receive(attachments=[("order.csv", form, "text/csv")])
        self.assertEqual(self._product_lines(order), [(self.chair, 3), (self.lamp, 1.5)])
        self.assertEqual(order.client_order_ref, "PO-CSV-7")
        self.assertEqual(order.intake_state, "parsed")

    def test_plain_text_lines_in_body(self):
        body = (
            "Hello,\n\nplease send:\nA-100 × 20\nB-200 x 3\n4 × S-1\nCUST-9 7\n\n"
            "Thanks\n-- \nBob 12"
        )
        order = self._receive(body=body)
        self.assertEqual(
            self._product_lines(order),
            [(self.lamp, 20), (self.chair, 3), (self.stool, 4), (self.stool, 7)],
        )
        self.assertEqual(order.intake_state, "parsed")

    def test_plain_email_without_lines_stays_empty(self):
        order = self._receive(body="Please call me about prices.")
        self.assertFalse(order.order_line)
        self.assertEqual(order.intake_state, "none")

    def test_ubl_order_through_odoo_decoder(self):
        xml = ubl_order(
            "PO-UBL-1",
            [
                {"quantity": 120, "name": "Desk lamp", "seller_code": "A-100"},
                {"quantity": 15, "name": "Stool", "buyer_code": "CUST-9"},
                {"quantity": 4, "name": "Needle 4mm", "buyer_code": "123456"},
            ],
        )
        order = self._receive(attachments=[("order.xml", xml, "application/xml")])
        self.assertEqual(order.order_channel, "edi")
        self.assertEqual(order.client_order_ref, "PO-UBL-1")
        self.assertEqual(self._product_lines(order), [(self.lamp, 120), (self.stool, 15)])
        note = order.order_line.filtered("intake_row_state")
        self.assertRecordValues(
            note,
            [
                {
                    "display_type": "line_note",
                    "intake_row_state": "unmatched",
                    "intake_code": "123456",
                    "intake_quantity": 4,
                }
            ],
        )
        self.assertIn("Needle 4mm", note.name)
        self.assertEqual(order.intake_state, "needs_attention")

    def test_pdf_with_embedded_ubl(self):
        xml = ubl_order("PO-PDF-1", [{"quantity": 3, "name": "Chair", "seller_code": "B-200"}])
        order = self._receive(attachments=[("po.pdf", pdf_with(xml), "application/pdf")])
        self.assertEqual(self._product_lines(order), [(self.chair, 3)])
        self.assertEqual(order.client_order_ref, "PO-PDF-1")
        self.assertEqual(order.order_channel, "edi")
        self.assertEqual(order.intake_state, "parsed")

    def test_one_order_per_document(self):
        first = xlsx_order([("A-100", "Lamp", 1, 1)], reference="PO-A")
        second = csv_order([("B-200", "Chair", "2", "", "PO-B")])
        order = self._receive(attachments=[("a.xlsx", first, XLSX), ("b.csv", second, "text/csv")])
        orders = self.env["sale.order"].search(
            [("partner_id", "=", self.customer.id), ("client_order_ref", "in", ["PO-A", "PO-B"])]
        )
        self.assertEqual(len(orders), 2)
        self.assertIn(order, orders)
        other = orders - order
        self.assertEqual(other.order_channel, "email")
        by_ref = {o.client_order_ref: self._product_lines(o) for o in orders}
        self.assertEqual(by_ref, {"PO-A": [(self.lamp, 1)], "PO-B": [(self.chair, 2)]})
        self.assertEqual(other.message_ids.attachment_ids.name, "b.csv")
        self.assertEqual(order.message_ids.attachment_ids.name, "a.xlsx")

    def test_fax_gateway_sets_channel(self):
        self.env.company.order_fax_gateway = "faxmail.example.net, scans@office.example.org"
        order = self._receive(
            sender="Fax Service <fax-4711@faxmail.example.net>",
            attachments=[("fax.pdf", b"%PDF-1.4 scanned", "application/pdf")],
        )
        self.assertEqual(order.order_channel, "fax")
        order = self._receive(sender="scans@office.example.org", subject="Another fax")
        self.assertEqual(order.order_channel, "fax")
        order = self._receive(sender="someone@example.net", subject="Not a fax")
        self.assertEqual(order.order_channel, "email")

    def test_upload_button_reads_order_forms_and_ubl(self):
        Attachment = self.env["ir.attachment"].with_user(self.salesman)
        form = Attachment.create(
            {"name": "po.xlsx", "raw": xlsx_order([("B-200", "Chair", 6, 80)], reference="U-1")}
        )
        ubl = Attachment.create(
            {
                "name": "po.xml",
                "raw": ubl_order("U-2", [{"quantity": 2, "name": "Lamp", "seller_code": "A-100"}]),
            }
        )
        action = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create_document_from_attachment((form | ubl).ids)
        )
        orders = self.env["sale.order"].search(
            action.get("domain") or [("id", "=", action["res_id"])]
        )
        by_ref = {o.client_order_ref: o for o in orders}
        self.assertEqual(set(by_ref), {"U-1", "U-2"})
        self.assertEqual(self._product_lines(by_ref["U-1"]), [(self.chair, 6)])
        self.assertEqual(self._product_lines(by_ref["U-2"]), [(self.lamp, 2)])
        self.assertEqual(set(orders.mapped("intake_state")), {"parsed"})

    # ------------------------------------------------------------------
    # Unmatched rows, customer codes
    # ------------------------------------------------------------------

    def test_unmatched_row_mapped_in_one_click_and_remembered(self):
        order = self._receive(
            attachments=[
                (
                    "po.xlsx",
                    xlsx_order(
                        [
                            ("A-100", "Lamp", 1, 1),
                            ("ZZ-77", "Gadget (their name)", 4, 9),
                        ]
                    ),
                    XLSX,
                )
            ]
        )
        order.user_id = self.salesman
        self.assertEqual(order.intake_state, "needs_attention")
        row = order.intake_row_ids
        self.assertEqual(row.intake_code, "ZZ-77")
        activity = order.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("customer_order_management.mail_activity_order_intake")
            )
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("ZZ-77", str(activity.note))
        self.assertTrue(activity.user_id.active, "a person, not the gateway's bot")

        action = row.with_user(self.salesman).action_intake_map_product()
        wizard = Form(
            self.env[action["res_model"]].with_user(self.salesman).with_context(**action["context"])
        )
        self.assertEqual(wizard.quantity, 4)
        wizard.product_id = self.chair
        wizard.save().action_map()

        self.assertEqual(self._product_lines(order), [(self.lamp, 1), (self.chair, 4)])
        self.assertFalse(order.order_line.filtered("display_type"))
        self.assertEqual(order.intake_state, "parsed")
        self.assertFalse(activity.exists() and activity.active)
        code = self.env["product.customer.code"].search(
            [("partner_id", "=", self.customer.id), ("code", "=", "ZZ-77")]
        )
        self.assertRecordValues(
            code, [{"product_id": self.chair.id, "name": "Gadget (their name)"}]
        )
        # The next order with that code matches.
        order2 = self._receive(
            subject="Next order",
            attachments=[("po2.xlsx", xlsx_order([("ZZ-77", "Gadget", 2, 9)]), XLSX)],
        )
        self.assertEqual(self._product_lines(order2), [(self.chair, 2)])

    def test_deleting_the_last_unmatched_row_settles_the_order(self):
        order = self._receive(attachments=[("po.xlsx", xlsx_order([("ZZ-1", "?", 1, 1)]), XLSX)])
        self.assertEqual(order.intake_state, "needs_attention")
        order.write({"order_line": [Command.unlink(order.intake_row_ids.id)]})
        self.assertEqual(order.intake_state, "parsed")

    def test_customer_code_unique_per_customer(self):
        CustomerCode = self.env["product.customer.code"]
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})
        code = CustomerCode.create(
            {"partner_id": contact.id, "product_id": self.lamp.id, "code": " K1 "}
        )
        self.assertEqual(code.partner_id, self.customer, "codes belong to the commercial partner")
        self.assertEqual(code.code, "K1")
        other = self.env["res.partner"].create({"name": "Other Customer", "is_company": True})
        CustomerCode.create({"partner_id": other.id, "product_id": self.chair.id, "code": "K1"})
        with (
            self.assertRaises(psycopg2.IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            CustomerCode.create(
                {"partner_id": self.customer.id, "product_id": self.chair.id, "code": "K1"}
            )
        self.assertIn(code, self.lamp.product_tmpl_id.customer_code_ids)
        self.assertIn(code, self.customer.customer_code_ids)

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------

    def _orders_of(self, ref):
        return self.env["sale.order"].search([("client_order_ref", "=", ref)])

    def _duplicate_notices(self, order):
        return order.message_ids.filtered(
            lambda m: m.message_type == "comment" and "already have this order" in str(m.body)
        )

    def test_same_document_twice_creates_no_second_order(self):
        form = xlsx_order([("A-100", "Lamp", 2, 1)], reference="PO-DUP-1")
        order = self._receive(attachments=[("po.xlsx", form, XLSX)])
        again = self._receive(
            subject="Fwd: Purchase order", attachments=[("po copy.xlsx", form, XLSX)]
        )
        self.assertEqual(again, order)
        self.assertEqual(len(self._orders_of("PO-DUP-1")), 1)
        self.assertEqual(self._product_lines(order), [(self.lamp, 2)], "lines not doubled")
        notice = self._duplicate_notices(order)
        self.assertEqual(len(notice), 1)
        self.assertIn(self.customer, notice.partner_ids)
        self.assertIn(order.name, str(notice.body))
        self.assertEqual(
            len(order.message_ids.filtered(lambda m: m.message_type == "email")),
            2,
            "the repeated e-mail is on the existing order's thread",
        )

    def test_same_customer_reference_creates_no_second_order(self):
        self._receive(
            attachments=[("po.xlsx", xlsx_order([("A-100", "L", 2, 1)], reference="PO-R"), XLSX)]
        )
        ubl = ubl_order("PO-R", [{"quantity": 2, "name": "Lamp", "seller_code": "A-100"}])
        again = self._receive(subject="Resent", attachments=[("po.xml", ubl, "application/xml")])
        self.assertEqual(len(self._orders_of("PO-R")), 1)
        self.assertEqual(len(self._duplicate_notices(again)), 1)

    def test_duplicates_are_per_customer_and_window(self):
        form = xlsx_order([("A-100", "Lamp", 2, 1)], reference="PO-W")
        self._receive(attachments=[("po.xlsx", form, XLSX)])
        # Another customer with the same file and reference: a new order.
        other = self._receive(
            sender="Someone Else <else@example.org>", attachments=[("po.xlsx", form, XLSX)]
        )
        self.assertEqual(len(self._orders_of("PO-W")), 2)
        self.assertFalse(self._duplicate_notices(other))
        # The window off: the customer's repeated document is a new order.
        self.env.company.order_duplicate_days = 0
        self._receive(subject="Again", attachments=[("po.xlsx", form, XLSX)])
        self.assertEqual(len(self._orders_of("PO-W")), 3)

    def test_new_and_known_document_in_one_email(self):
        known = xlsx_order([("A-100", "Lamp", 2, 1)], reference="PO-K")
        first = self._receive(attachments=[("k.xlsx", known, XLSX)])
        fresh = csv_order([("B-200", "Chair", "1", "", "PO-N")])
        order = self._receive(
            subject="Two orders",
            attachments=[("k.xlsx", known, XLSX), ("n.csv", fresh, "text/csv")],
        )
        self.assertNotEqual(order, first)
        self.assertEqual(order.client_order_ref, "PO-N")
        self.assertEqual(len(self._orders_of("PO-K")), 1)
        self.assertEqual(len(self._duplicate_notices(first)), 1)

    # ------------------------------------------------------------------
    # Acknowledgement, review
    # ------------------------------------------------------------------

    def test_decoder_failure_keeps_the_email_and_logs_it(self):
        """The e-mail is decoded inside the gateway's transaction: a decoder
        that fails rolls back only its own work; the order, the e-mail and
        its document stay, with the error on the chatter."""
        form = xlsx_order([("A-100", "Lamp", 2, 1)], reference="PO-BOOM")
        with (
            patch.object(
                type(self.env["sale.order"]), "_intake_write", side_effect=ValueError("boom")
            ),
            mute_logger("odoo.addons.customer_order_management.models.sale_order_document_intake"),
        ):
            order = self._receive(attachments=[("boom.xlsx", form, XLSX)])
        self.assertTrue(order.exists())
        self.assertFalse(order.order_line)
        self.assertEqual(order.message_ids.attachment_ids.mapped("name"), ["boom.xlsx"])
        self.assertTrue(
            any("Error importing attachment boom.xlsx" in str(m.body) for m in order.message_ids)
        )

    def _acknowledgements(self, order):
        return order.message_ids.filtered(lambda m: "we received your order" in (m.subject or ""))

    def test_acknowledgement_sent_once(self):
        order = self._receive(
            attachments=[
                (
                    "po.xlsx",
                    xlsx_order(
                        [("A-100", "Lamp", 2, 1), ("ZZ-5", "Mystery", 1, 1)], reference="PO-ACK"
                    ),
                    XLSX,
                )
            ]
        )
        ack = self._acknowledgements(order)
        self.assertEqual(len(ack), 1)
        self.assertIn(self.customer, ack.partner_ids)
        self.assertIn("Desk Lamp", str(ack.body))
        self.assertIn("ZZ-5", str(ack.body), "unread rows are listed")
        # Spoken by the salesperson, else the company: never by the gateway's bot.
        self.assertFalse(order.user_id)
        self.assertEqual(ack.author_id, order.company_id.partner_id)
        self.assertTrue(order.intake_ack_date)
        order._intake_acknowledge()
        self._receive(
            subject="Re: Purchase order",
            body="Any news?",
            message_id="<reply-ack@mail.example.com>",
        )
        self.assertEqual(len(self._acknowledgements(order)), 1)

    def test_acknowledgement_setting_off(self):
        self.env.company.order_intake_ack = False
        order = self._receive(
            attachments=[("po.xlsx", xlsx_order([("A-100", "Lamp", 2, 1)]), XLSX)]
        )
        self.assertFalse(self._acknowledgements(order))
        self.assertFalse(order.intake_ack_date)

    def test_auto_submit_runs_review_rules_on_arrived_lines(self):
        self._create_rule("amount_above", threshold=1000.0)
        self.env.company.order_intake_auto_review = True
        big = self._receive(attachments=[("po.xlsx", xlsx_order([("A-100", "Lamp", 20, 1)]), XLSX)])
        self.assertEqual(big.review_state, "to_review")
        self.assertEqual(len(big.review_issue_ids), 1)
        small = self._receive(
            subject="Small", attachments=[("s.xlsx", xlsx_order([("A-100", "Lamp", 1, 1)]), XLSX)]
        )
        self.assertEqual(small.review_state, "approved")
        empty = self._receive(subject="Nothing readable", body="Call me")
        self.assertEqual(empty.review_state, "not_reviewed")

    def test_auto_submit_off_by_default(self):
        self._create_rule("amount_above", threshold=1000.0)
        order = self._receive(
            attachments=[("po.xlsx", xlsx_order([("A-100", "Lamp", 20, 1)]), XLSX)]
        )
        self.assertEqual(order.review_state, "not_reviewed")

    # ------------------------------------------------------------------
    # Permissions
    # ------------------------------------------------------------------

    def test_salesman_cannot_map_rows_of_an_order_he_cannot_write(self):
        order = self._receive(attachments=[("po.xlsx", xlsx_order([("ZZ-2", "?", 1, 1)]), XLSX)])
        order.user_id = self.manager  # someone else's order
        row = order.intake_row_ids
        with self.assertRaises(AccessError):
            row.with_user(self.salesman).action_intake_map_product()
        wizard = self.env["sale.order.intake.map"].create(
            {"line_id": row.id, "product_id": self.chair.id, "quantity": 1}
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.salesman).action_map()
        self.assertEqual(order.intake_state, "needs_attention")
        self.assertTrue(order.intake_row_ids)

    def test_intake_state_written_only_by_intake(self):
        order = self._create_order(user_id=self.salesman.id)
        for user in (self.salesman, self.manager):
            with self.assertRaises(AccessError):
                order.with_user(user).write({"intake_state": "parsed"})
            with self.assertRaises(AccessError):
                self.env["sale.order"].with_user(user).create(
                    {"partner_id": self.customer.id, "intake_state": "parsed"}
                )
            with self.assertRaises(AccessError):
                self.env["sale.order"].with_user(user).with_context(
                    default_intake_state="parsed"
                ).create({"partner_id": self.customer.id})
        self.assertEqual(order.intake_state, "none")

    def test_salesman_customer_codes_read_create_only(self):
        CustomerCode = self.env["product.customer.code"].with_user(self.salesman)
        code = CustomerCode.create(
            {"partner_id": self.customer.id, "product_id": self.chair.id, "code": "S-77"}
        )
        with self.assertRaises(AccessError):
            code.write({"code": "S-78"})
        with self.assertRaises(AccessError):
            code.unlink()

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    def _assert_refused(self, order, filename, phrase):
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.intake_state, "needs_attention")
        self.assertFalse(order.order_line.filtered(lambda line: not line.display_type))
        note = order.order_line.filtered(lambda line: line.intake_row_state == "unreadable")
        self.assertEqual(len(note), 1)
        self.assertIn(filename, note.name)
        self.assertIn(phrase, note.name)
        self.assertEqual(order.message_ids.attachment_ids.name, filename)

    def test_damaged_files(self):
        cases = [
            ("po.xlsx", b"PK\x03\x04 damaged", XLSX, "damaged"),
            ("po.xml", b"<Order><unclosed>", "application/xml", "damaged"),
            ("po.pdf", b"%PDF-1.4 not really a pdf", "application/pdf", "no order data"),
            ("invoice.xml", NOT_AN_ORDER_XML, "application/xml", "not a purchase order"),
        ]
        for filename, content, mimetype, phrase in cases:
            with self.subTest(filename=filename):
                order = self._receive(subject=filename, attachments=[(filename, content, mimetype)])
                self._assert_refused(order, filename, phrase)

    def test_entities_never_resolved(self):
        for filename, content in (("xxe.xml", XXE_XML), ("laughs.xml", LAUGHS_XML)):
            with self.subTest(filename=filename):
                order = self._receive(
                    subject=filename, attachments=[(filename, content, "text/xml")]
                )
                self._assert_refused(order, filename, "DOCTYPE")
                self.assertNotIn("root:", order.client_order_ref or "")
                self.assertNotIn("lol", order.client_order_ref or "")
        # Odoo's own path (upload) parses with the same parser.
        attachment = self.env["ir.attachment"].create({"name": "xxe.xml", "raw": XXE_XML})
        file_data = self.env["sale.order"]._to_files_data(attachment)[0]
        self.assertIsNone(file_data["xml_tree"])
        self.assertIn("DOCTYPE", file_data["intake_error"])
        upload = (
            self.env["ir.attachment"]
            .with_user(self.salesman)
            .create({"name": "xxe.xml", "raw": XXE_XML})
        )
        action = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create_document_from_attachment(upload.ids)
        )
        uploaded = self.env["sale.order"].browse(action["res_id"])
        self.assertFalse(uploaded.order_line.filtered(lambda line: not line.display_type))
        self.assertIn("DOCTYPE", uploaded.intake_row_ids.name)
        self.assertEqual(uploaded.intake_state, "needs_attention")
        # Inside a PDF too.
        order = self._receive(
            subject="pdf xxe", attachments=[("po.pdf", pdf_with(XXE_XML), "application/pdf")]
        )
        self.assertFalse(order.order_line.filtered(lambda line: not line.display_type))
        self.assertIn("DOCTYPE", order.intake_row_ids.name)

    def test_zip_bomb_refused_before_reading(self):
        order = self._receive(attachments=[("bomb.xlsx", zip_bomb_xlsx(), XLSX)])
        self._assert_refused(order, "bomb.xlsx", "too large")

    def test_too_many_rows(self):
        rows = [("A-100", "Lamp", 1, 1)] * (intake.MAX_ROWS + 1)
        order = self._receive(attachments=[("big.csv", csv_order(rows), "text/csv")])
        self._assert_refused(order, "big.csv", "more than 2000 rows")

    def test_blank_rows_are_rows_too(self):
        """Blank rows cost as much to read as full ones (an XLSX declaring
        the largest range pads each to 16,384 cells): a form with more than
        MAX_SCANNED_ROWS rows is refused, blank or not."""
        small = intake.read_xlsx(blank_rows_xlsx(100))
        self.assertEqual([line.code for line in small.lines], ["A-100"])
        with self.assertRaisesRegex(intake.IntakeError, "more than"):
            intake.read_xlsx(blank_rows_xlsx(intake.MAX_SCANNED_ROWS + 1))

    def test_bad_quantities_and_formulas(self):
        form = xlsx_order(
            [
                ("A-100", "Lamp", 0, 1),
                ("A-100", "Lamp", -3, 1),
                ("A-100", "Lamp", "many", 1),
                ("B-200", "Chair", None, 1),
                ("S-1", "Stool", None, 1),
            ],
            formulas=[(4, 2, "=2*5", 10), (5, 2, '=WEBSERVICE("http://example.com")', 0)],
        )
        order = self._receive(attachments=[("po.xlsx", form, XLSX)])
        # The formula's saved result is read; nothing is evaluated.
        self.assertEqual(self._product_lines(order), [(self.chair, 10)])
        problems = order.order_line.filtered(lambda line: line.intake_row_state == "unreadable")
        self.assertEqual(len(problems), 4)
        self.assertEqual(
            [
                ("zero or negative" in n, "not a number" in n)
                for n in problems.sorted("sequence").mapped("name")
            ],
            [(True, False), (True, False), (False, True), (True, False)],
        )
        self.assertEqual(order.intake_state, "needs_attention")

    def test_no_header_row(self):
        form = xlsx_order([("A-100", 1)], header=("Foo", "Bar"))
        order = self._receive(attachments=[("po.xlsx", form, XLSX)])
        self._assert_refused(order, "po.xlsx", "no header row")

    # ------------------------------------------------------------------
    # Pure readers
    # ------------------------------------------------------------------

    def test_text_line_patterns(self):
        lines = intake.parse_text_lines(
            "A-100 20\nA-100 x 2.5\n3 × B-200\n- C-1 × 4\nHello there\n12 34\n> A-9 1"
        )
        self.assertEqual(
            [(line.code, line.quantity) for line in lines],
            [("A-100", 20), ("A-100", 2.5), ("B-200", 3), ("C-1", 4)],
        )

    def test_raw_row_reads_as_the_document(self):
        """The note of an unmatched row repeats its cells in the document's
        column order, as the customer wrote them."""
        parsed = intake.read_table(
            [["物料编码", "品名", "数量", "单价"], ["GEM-ARMCHAIR-2", "扶手椅 (灰色)", "2", "35"]]
        )
        self.assertEqual(parsed.lines[0].raw, "GEM-ARMCHAIR-2 | 扶手椅 (灰色) | 2 | 35")

    def test_synonym_table_extends(self):
        parsed = intake.read_table(
            [["Item Code", "Product Name", "QTY", "单位"], ["A-1", "x", "2", "pcs"]]
        )
        self.assertEqual(
            (parsed.lines[0].code, parsed.lines[0].quantity, parsed.lines[0].uom), ("A-1", 2, "pcs")
        )
        with self.assertRaises(intake.IntakeError):
            intake.read_table([["Artikelnummer", "Menge"], ["A-1", "2"]])


@tagged("post_install", "-at_install")
class TestFormulaSafeExports(CustomerOrderCommon):
    def test_customer_text_is_written_as_text(self):
        import io  # noqa: PLC0415

        import openpyxl  # noqa: PLC0415
        import xlsxwriter  # noqa: PLC0415

        from ..tools.rendering.xlsx import Column, Styles, write_table  # noqa: PLC0415

        texts = [
            '=HYPERLINK("http://evil.example","x")',
            "+1+2",
            "-3+4",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "Plain customer",
        ]
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = book.add_worksheet("T")
        write_table(sheet, Styles(book), [Column("Customer", "name")], [{"name": t} for t in texts])
        book.close()
        sheet = openpyxl.load_workbook(output)["T"]
        cells = [sheet.cell(row=row, column=1) for row in range(2, 2 + len(texts))]
        # (openpyxl reads a carriage return as its escape _x000D_)
        self.assertEqual([cell.value.replace("_x000D_", "\r") for cell in cells], texts)
        self.assertEqual({cell.data_type for cell in cells}, {"s"}, "strings, never formulas")
        self.assertEqual(
            [cell.number_format for cell in cells], ["@"] * 6 + ["General"], "Text cells"
        )


@tagged("post_install", "-at_install")
class TestIntakeDemo(CustomerOrderCommon):
    def test_demo_documents_are_read(self):
        """The demo's e-mailed XLSX form and UBL order (run again here on the
        demo products): read by the gateway, one row left for a person."""
        self.require_demo("product.product_product_3")
        Order = self.env["sale.order"]
        refs = ("GF-PO-4471", "WC-2026-118")
        # The install already read them: deleted with their e-mails (the
        # gateway skips a Message-Id it knows) and files (no duplicates).
        Order.search([("client_order_ref", "in", refs)]).unlink()
        open_orders = Domain("state", "!=", "cancel")
        Order._demo_receive_order_documents()
        form, ubl = (
            Order.search(open_orders & Domain("client_order_ref", "=", ref)) for ref in refs
        )
        self.assertRecordValues(
            form + ubl,
            [
                {"order_channel": "email", "intake_state": "needs_attention"},
                {"order_channel": "edi", "intake_state": "parsed"},
            ],
        )
        self.assertEqual(len(form.order_line.filtered(lambda line: not line.display_type)), 2)
        self.assertEqual(form.intake_row_ids.intake_code, "GEM-ARMCHAIR-2")
        self.assertEqual(len(ubl.order_line), 2)
        Order._demo_receive_order_documents()
        self.assertEqual(
            Order.search_count(open_orders & Domain("client_order_ref", "in", refs)), 2, "run once"
        )


@tagged("post_install", "-at_install")
class TestDocumentIntakeQueries(DocumentIntakeCommon):
    """Regression guard on the cost of the e-mail intake path (issue 20's
    benchmark measures it on 200 e-mails; this pins one)."""

    # Measured on 2026-12-04 (Odoo 19, demo database, after a warm-up e-mail,
    # acknowledgement on): 184 queries for one e-mail carrying a 20-line XLSX
    # form whose rows all match (170 before the decoder ran in a savepoint: in
    # tests Odoo's import framework does not commit, so the savepoint's flush
    # shows here while the commits it replaces do not; outside tests the
    # e-mail costs 121 queries instead of 189, see bench/RESULTS.md). 60 of
    # them are Odoo's own per-line computes (analytic distribution twice and
    # pricelist rule once per line), which an ORM create of the same order
    # pays too; the addon's own are about 12 (duplicate checks, product
    # matching in 2 queries, state, template).
    MAX_QUERIES = 200

    def test_query_count_of_one_emailed_20_line_form(self):
        products = self.env["product.product"].create(
            [{"name": f"Bench item {i}", "default_code": f"QC-{i:03d}"} for i in range(20)]
        )
        rows = [(p.default_code, p.name, i + 1, 1.0) for i, p in enumerate(products)]
        # Warm-up e-mail: the caches and the first-use queries are not the path's cost.
        self._receive(
            attachments=[("warm.xlsx", xlsx_order(rows, reference="PO-QC-0"), XLSX)],
            message_id="<qc-0@mail.example.com>",
        )
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        order = self._receive(
            attachments=[("form.xlsx", xlsx_order(rows, reference="PO-QC-1"), XLSX)],
            message_id="<qc-1@mail.example.com>",
        )
        self.env.flush_all()
        count = self.env.cr.sql_log_count - before
        self.assertEqual(len(order.order_line), 20)
        self.assertEqual(order.intake_state, "parsed")
        acks = order.message_ids.filtered(lambda m: "we received your order" in (m.subject or ""))
        self.assertEqual(len(acks), 1, "the acknowledgement is part of the measured path")
        self.assertLessEqual(count, self.MAX_QUERIES, f"{count} queries for one e-mailed form")
