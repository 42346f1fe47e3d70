from contextlib import closing

import psycopg2

from odoo import sql_db
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestCustomerReturn(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.return_window_days = 30
        cls._set_stock(cls.storable, 100)
        cls._setup_second_company()
        cls.order = cls._sold_order(qty=5)
        cls.order.action_confirm()
        cls.delivery = cls._deliver(cls.order)
        cls.sale_line = cls.order.order_line

    @classmethod
    def _sold_order(cls, qty):
        # The salesperson sees their own orders only.
        return cls._create_order(qty=qty, user_id=cls.salesman.id)

    def _new_return(self, qty=2.0, user=None, order=None, **line_vals):
        return self._create_return(
            order or self.order, qty=qty, user=user or self.salesman, **line_vals
        )

    def _approved_return(self, **kwargs):
        ret = self._new_return(**kwargs)
        ret.action_submit()
        ret.with_user(self.reviewer).action_approve()
        return ret

    def _stock_qty(self):
        return self.storable.with_context(location=self.warehouse.lot_stock_id.id).qty_available

    # ------------------------------------------------------------------
    # Happy paths
    # ------------------------------------------------------------------

    def test_refund_path(self):
        stock_before = self._stock_qty()
        ret = self._new_return(qty=2)
        self.assertRegex(ret.name, r"^RMA/\d{4}/\d{5}$")
        self.assertEqual(ret.partner_id, self.customer)
        self.assertEqual(ret.line_ids.returnable_qty, 5)
        ret.action_submit()
        self.assertEqual(ret.state, "submitted")
        self.assertTrue(self._messages_with(ret, "received"), "submission e-mail")
        self.assertIn(self.reviewer, ret.activity_ids.user_id)
        self.assertTrue(self.order.has_open_return)

        ret.with_user(self.reviewer).action_approve()
        self.assertEqual(ret.state, "approved")
        self.assertEqual(ret.decided_by_id, self.reviewer)
        self.assertFalse(ret.activity_ids, "review activities are removed on decision")
        receipt = ret.return_picking_id
        self.assertEqual(receipt.picking_type_code, "incoming")
        self.assertEqual(receipt.return_id, self.delivery)
        self.assertEqual(receipt.move_ids.origin_returned_move_id, self.delivery.move_ids)
        self.assertTrue(all(receipt.move_ids.mapped("to_refund")))
        self.assertEqual(receipt.move_ids.product_uom_qty, 2)
        approved_mail = self._messages_with(ret, "approved")
        self.assertTrue(approved_mail.attachment_ids, "the approval e-mail carries the PDF")
        self.assertEqual(approved_mail.message_type, "comment", "shown on the portal")

        ret.with_user(self.stock_user).action_receive()
        self.assertEqual(ret.state, "done")
        self.assertEqual(ret.line_ids.received_qty, 2)
        self.assertEqual(self.sale_line.qty_delivered, 3, "the order's delivered qty goes down")
        self.assertEqual(self._stock_qty(), stock_before + 2, "restocked")
        refund = ret.refund_move_id
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.partner_id, self.customer)
        self.assertEqual(refund.invoice_line_ids.quantity, 2)
        self.assertEqual(refund.invoice_line_ids.price_unit, 100)
        self.assertEqual(refund.invoice_line_ids.sale_line_ids, self.sale_line)
        self.assertAlmostEqual(refund.amount_untaxed, 200)
        self.assertIn(refund, self.order.invoice_ids)
        self.assertFalse(ret.replacement_picking_id)
        self.assertTrue(self._messages_with(ret, "completed"), "completion e-mail")
        self.assertFalse(self.order.has_open_return)
        with self.assertRaises(UserError):
            ret.with_user(self.stock_user).action_receive()

    def test_exchange_path(self):
        ret = self._approved_return(qty=1, resolution="exchange")
        ret.with_user(self.stock_user).action_receive()
        self.assertEqual(ret.state, "received", "waits for the replacement to ship")
        self.assertFalse(ret.refund_move_id)
        replacement = ret.replacement_picking_id
        self.assertEqual(replacement.picking_type_code, "outgoing")
        self.assertEqual(replacement.move_ids.product_uom_qty, 1)
        self.assertEqual(replacement.move_ids.sale_line_id, self.sale_line)
        self.assertEqual(self.sale_line.qty_delivered, 4)
        self.assertEqual(self.order.lifecycle_stage, "shipped", "the replacement is not a backlog")
        replacement.move_ids.quantity = 1
        replacement.move_ids.picked = True
        replacement.with_user(self.stock_user).button_validate()
        self.assertEqual(ret.state, "done")
        self.assertEqual(self.sale_line.qty_delivered, 5)

    def test_mixed_return_completed_by_the_warehouse(self):
        """A refund and an exchange in one return: the warehouse, who may
        not read invoices, ships the replacement, and the customer's
        completion e-mail still states the credit note."""
        order = self._create_order(qty=2, user_id=self.salesman.id)
        order.order_line = [Command.create({"product_id": self.storable.id, "product_uom_qty": 2})]
        order.action_confirm()
        self._deliver(order)
        ret = self._create_return(order, qty=1, user=self.salesman, resolution="refund")
        ret.write(
            {
                "line_ids": [
                    Command.create(
                        {
                            "sale_line_id": order.order_line[1].id,
                            "quantity": 1,
                            "reason_id": self.reason.id,
                            "resolution": "exchange",
                        }
                    )
                ]
            }
        )
        ret.action_submit()
        ret.with_user(self.reviewer).action_approve()
        ret.with_user(self.stock_user).action_receive()
        self.assertTrue(ret.refund_move_id)
        replacement = ret.replacement_picking_id
        replacement.move_ids.quantity = 1
        replacement.move_ids.picked = True
        replacement.with_user(self.stock_user).button_validate()
        self.assertEqual(ret.state, "done")
        done_mail = self._messages_with(ret, "completed")
        self.assertEqual(len(done_mail), 1)
        self.assertIn("credit note", str(done_mail.body))
        self.assertIn(replacement.name, str(done_mail.body))

    def test_scrap_disposition(self):
        stock_before = self._stock_qty()
        ret = self._approved_return(qty=2, disposition="scrap")
        ret.with_user(self.stock_user).action_receive()
        self.assertEqual(ret.state, "done")
        scraps = ret.with_user(self.stock_user).scrap_ids
        self.assertEqual(scraps.state, "done")
        self.assertEqual(scraps.scrap_qty, 2)
        self.assertEqual(self._stock_qty(), stock_before, "scrapped goods do not go back to stock")

    def test_returnable_counts_other_pending_returns(self):
        first = self._new_return(qty=3)
        first.action_submit()
        second = self._new_return(qty=2)
        self.assertEqual(second.line_ids.returnable_qty, 2)
        with self.assertRaisesRegex(ValidationError, "at most 2"):
            second.line_ids.quantity = 3
        first.action_cancel()
        self.assertEqual(second.line_ids.returnable_qty, 5)

    def test_new_return_from_order(self):
        action = self.order.with_user(self.salesman).action_create_return()
        form = Form.from_action(self.env(user=self.salesman), action)
        # Before saving, the form shows the order's customer and salesperson
        # and one line per returnable product, with the line defaults.
        self.assertEqual(form.partner_id, self.customer)
        self.assertEqual(form.user_id, self.salesman)
        self.assertEqual(form.state, "draft")
        self.assertEqual(len(form.line_ids), 1)
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.sale_line_id, self.sale_line)
            self.assertEqual(line.delivered_qty, 5)
            self.assertEqual(line.returnable_qty, 5)
            self.assertEqual((line.resolution, line.disposition), ("refund", "restock"))
            self.assertTrue(line.reason_id)
        ret = form.save()
        self.assertEqual(ret.line_ids.quantity, 5)
        self.assertEqual(self.order.return_count, 1)
        self.assertEqual(self.order.action_view_returns()["res_id"], ret.id)

    def test_return_typed_in_the_form(self):
        """A salesperson picks the order, then adds a line: the customer and
        the responsible follow the order, the line starts from its defaults
        and shows what can still be returned."""
        form = Form(self.env["customer.return"].with_user(self.salesman))
        self.assertEqual((form.state, form.origin), ("draft", "backend"))
        self.assertFalse(form.partner_id)
        form.order_id = self.order
        self.assertEqual(form.partner_id, self.customer)
        self.assertEqual(form.user_id, self.salesman)
        with form.line_ids.new() as line:
            self.assertEqual(line.quantity, 1)
            self.assertEqual((line.resolution, line.disposition), ("refund", "restock"))
            line.sale_line_id = self.sale_line
            self.assertEqual(line.returnable_qty, 5)
            line.quantity = 2
            line.reason_id = self.reason
            line.resolution = "exchange"
        ret = form.save()
        self.assertRecordValues(
            ret,
            [
                {
                    "state": "draft",
                    "partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "company_id": self.env.company.id,
                }
            ],
        )
        self.assertRecordValues(
            ret.line_ids,
            [{"quantity": 2, "reason_id": self.reason.id, "resolution": "exchange"}],
        )
        ret.action_submit()
        form = Form(ret.with_user(self.salesman))
        self.assertTrue(form._get_modifier("order_id", "readonly"), "the order is fixed")

    def test_too_much_typed_in_the_form_is_refused(self):
        form = Form(self.env["customer.return"].with_user(self.salesman))
        form.order_id = self.order
        with form.line_ids.new() as line:
            line.sale_line_id = self.sale_line
            line.reason_id = self.reason
            line.quantity = 6
        # assertRaises (not ...Regex) rolls back to a savepoint: nothing written.
        with self.assertRaises(ValidationError) as caught:
            form.save()
        self.assertIn("at most 5", str(caught.exception))
        self.assertFalse(self.env["customer.return"].search([("order_id", "=", self.order.id)]))

    def test_report_renders(self):
        ret = self._approved_return()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("customer_order_management.action_report_customer_return", ret.ids)[
                0
            ]
            .decode()
        )
        self.assertIn(ret.name, html)
        self.assertIn(f'alt="Barcode {ret.name}"', html)
        self.assertIn(self.reason.name, html)
        self.assertIn("How to send the goods back", html)

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    def test_bad_quantities(self):
        for qty in (0, -1, 6):
            with self.subTest(qty=qty), self.assertRaises(ValidationError):
                self._new_return(qty=qty)
        self.assertFalse(self.env["customer.return"].search([("order_id", "=", self.order.id)]))

    def test_line_of_another_order(self):
        other = self._sold_order(qty=1)
        other.action_confirm()
        with self.assertRaisesRegex(ValidationError, "not part of order"):
            self.env["customer.return"].with_user(self.salesman).create(
                {
                    "order_id": self.order.id,
                    "line_ids": [
                        Command.create(
                            {
                                "sale_line_id": other.order_line.id,
                                "quantity": 1,
                                "reason_id": self.reason.id,
                            }
                        )
                    ],
                }
            )

    def test_non_returnable_product(self):
        self.storable.is_returnable = False
        with self.assertRaisesRegex(ValidationError, "cannot be returned"):
            self._new_return(qty=1)

    def test_nothing_delivered(self):
        order = self._sold_order(qty=1)
        order.action_confirm()
        with self.assertRaises(ValidationError):
            self._new_return(qty=1, order=order)
        ret = self.env["customer.return"].create({"order_id": order.id})
        with self.assertRaisesRegex(ValidationError, "delivered"):
            ret.action_submit()
        self.assertEqual(ret.state, "draft")

    def test_state_errors(self):
        ret = self._approved_return()
        with self.assertRaisesRegex(UserError, "only submitted"):
            ret.with_user(self.reviewer).action_approve()
        with self.assertRaises(UserError):
            ret.action_submit()
        ret.with_user(self.stock_user).action_receive()
        with self.assertRaisesRegex(UserError, "received"):
            ret.with_user(self.salesman).action_cancel()
        with self.assertRaises(UserError):
            ret.unlink()

    def test_cancel_approved_cancels_receipt(self):
        ret = self._approved_return()
        ret.with_user(self.salesman).action_cancel()
        self.assertEqual(ret.state, "cancelled")
        self.assertEqual(ret.return_picking_id.state, "cancel")
        self.assertFalse(self.order.has_open_return)

    def test_reject(self):
        ret = self._new_return()
        ret.action_submit()
        with self.assertRaises(UserError):
            ret.with_user(self.reviewer)._action_reject("  ")
        self.assertEqual(ret.state, "submitted")
        action = ret.with_user(self.reviewer).action_reject()
        wizard = Form.from_action(self.env(user=self.reviewer), action)
        self.assertEqual(
            wizard.return_ids.ids, ret.ids, "the wizard rejects the return it came from"
        )
        wizard.reason = "Used product"
        wizard.save().action_reject()
        self.assertEqual(ret.state, "rejected")
        self.assertEqual(ret.reject_reason, "Used product")
        self.assertTrue(self._messages_with(ret, "Used product"), "the customer gets the reason")
        self.assertFalse(ret.return_picking_id)

    # ------------------------------------------------------------------
    # Permissions and the return window
    # ------------------------------------------------------------------

    def test_concurrent_approval_loses_cleanly(self):
        """While another transaction holds the return, an approval fails at
        once with a clear error and creates no receipt."""
        ret = self.require_demo("demo_return_submitted")
        self.assertEqual(ret.state, "submitted")
        with closing(sql_db.db_connect(self.cr.dbname).cursor()) as other_cr:
            other_cr.execute("SELECT id FROM customer_return WHERE id = %s FOR UPDATE", [ret.id])
            with self.assertRaisesRegex(UserError, "Another user is deciding"):
                ret.with_user(self.manager).action_approve()
            other_cr.rollback()
        self.assertEqual(ret.state, "submitted")
        self.assertFalse(ret.return_picking_id)

    def test_salesman_cannot_approve(self):
        ret = self._new_return()
        ret.action_submit()
        with self.assertRaises(AccessError):
            ret.with_user(self.salesman).action_approve()
        self.assertEqual(ret.state, "submitted")
        with self.assertRaises(AccessError):
            ret.with_user(self.salesman).action_reject()

    def test_window_reviewer_vs_manager(self):
        self._shipped_days_ago(self.delivery, 31)
        ret = self._new_return()
        self.assertTrue(ret.is_outside_window)
        ret.action_submit()
        self.assertIn(self.manager, ret.activity_ids.user_id)
        self.assertNotIn(self.reviewer, ret.activity_ids.user_id)
        with self.assertRaisesRegex(AccessError, "outside the return window"):
            ret.with_user(self.reviewer).action_approve()
        self.assertEqual(ret.state, "submitted")
        ret.with_user(self.manager).action_approve()
        self.assertEqual(ret.state, "approved")

    def test_unlimited_window(self):
        self.env.company.return_window_days = 0
        self._shipped_days_ago(self.delivery, 400)
        ret = self._new_return()
        self.assertFalse(ret.return_deadline)
        self.assertFalse(ret.is_outside_window)

    def test_negative_window_refused(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.CheckViolation),
            self.cr.savepoint(),
        ):
            self.env.company.return_window_days = -1
            self.env.flush_all()

    def test_multi_company_isolation(self):
        ret = self._new_return()
        outsider = self._company_user(
            "com_other_co_salesman", "sales_team.group_sale_salesman", self.company_b
        )
        for user in (outsider, self.user_b):
            with self.subTest(user=user.login):
                self.assertFalse(
                    self.env["customer.return"].with_user(user).search([("id", "=", ret.id)])
                )

    # ------------------------------------------------------------------
    # Receipt validated in Inventory, navigation, searches
    # ------------------------------------------------------------------

    def test_receipt_validated_from_inventory(self):
        """The warehouse validates the return receipt itself, receiving less
        than announced and no backorder: the credit note covers what came back."""
        ret = self._approved_return(qty=3)
        receipt = ret.return_picking_id.with_user(self.stock_user)
        receipt.move_ids.quantity = 1
        receipt.move_ids.picked = True
        receipt.with_context(
            skip_backorder=True, picking_ids_not_to_backorder=receipt.ids
        ).button_validate()
        self.assertEqual(ret.state, "done")
        self.assertEqual(ret.line_ids.received_qty, 1)
        self.assertEqual(ret.refund_move_id.invoice_line_ids.quantity, 1)
        self.assertEqual(self.sale_line.qty_delivered, 4)

    def test_receipt_with_backorder(self):
        """Part of the goods arrive first: the return waits for the backorder."""
        ret = self._approved_return(qty=3)
        receipt = ret.return_picking_id.with_user(self.stock_user)
        receipt.move_ids.quantity = 1
        receipt.move_ids.picked = True
        receipt.with_context(skip_backorder=True).button_validate()
        backorder = receipt.backorder_ids
        self.assertEqual(backorder.customer_return_id, ret)
        self.assertEqual(ret.state, "approved")
        self.assertFalse(ret.refund_move_id)
        backorder.move_ids.quantity = 2
        backorder.move_ids.picked = True
        backorder.button_validate()
        self.assertEqual(ret.state, "done")
        self.assertEqual(ret.line_ids.received_qty, 3)
        self.assertEqual(ret.refund_move_id.invoice_line_ids.quantity, 3)
        self.assertEqual(self.sale_line.qty_delivered, 2)

    def test_buttons_and_search(self):
        ret = self._approved_return(resolution="exchange")
        ret.with_user(self.stock_user).action_receive()
        self.assertEqual(ret.action_view_return_picking()["res_id"], ret.return_picking_id.id)
        self.assertEqual(
            ret.action_view_replacement_picking()["res_id"], ret.replacement_picking_id.id
        )
        self.assertEqual(ret.action_view_refund()["res_model"], "account.move")
        self.assertIn(ret.name, ret._get_report_base_filename())
        self.assertIn("1 Main Street", ret._get_return_address())
        Order = self.env["sale.order"]
        self.assertIn(self.order, Order.search([("has_open_return", "=", True)]))
        self.assertNotIn(self.order, Order.search([("has_open_return", "=", False)]))
        Return = self.env["customer.return"].with_context(read_group_expand=True)
        groups = Return.web_read_group([], ["state"], ["__count"])["groups"]
        self.assertEqual(
            [g["state"] for g in groups][:5], ["draft", "submitted", "approved", "received", "done"]
        )

    def test_salesman_in_the_warehouse_opens_every_return(self):
        """Own-documents sales rights plus warehouse rights: the warehouse
        sees every return, so the Returns list and form open, another
        salesperson's order included."""
        both = self._company_user(
            "com_sales_stock", "sales_team.group_sale_salesman,stock.group_stock_user"
        )
        ret = self._approved_return()
        self.assertNotEqual(ret.order_id.user_id, both)
        Return = self.env["customer.return"].with_user(both)
        for view_type in ("list", "kanban", "form"):
            with self.subTest(view=view_type):
                fields = Return.get_views([(False, view_type)])["models"]["customer.return"]
                spec = {
                    name: {"fields": {"display_name": {}}}
                    if Return._fields[name].type == "many2one"
                    else {}
                    for name in fields["fields"]
                    if Return._fields[name].type not in ("one2many", "many2many")
                }
                records = Return.web_search_read([("id", "=", ret.id)], spec)["records"]
                self.assertEqual([r["id"] for r in records], ret.ids)
        lines_spec = {
            "sale_line_id": {"fields": {"display_name": {}}},
            "product_id": {"fields": {"display_name": {}}},
            "delivered_qty": {},
            "returnable_qty": {},
            "quantity": {},
        }
        lines = ret.line_ids.with_user(both).web_read(lines_spec)
        self.assertEqual(lines[0]["quantity"], 2)

    def test_cancel_and_reset(self):
        ret = self._new_return()
        ret.action_cancel()
        with self.assertRaises(UserError):
            ret.action_cancel()
        ret.action_draft()
        self.assertEqual(ret.state, "draft")
        with self.assertRaises(UserError):
            ret.action_draft()
        ret.unlink()
        self.assertFalse(ret.exists())

    def test_empty_return_refused(self):
        ret = (
            self.env["customer.return"].with_user(self.salesman).create({"order_id": self.order.id})
        )
        with self.assertRaisesRegex(ValidationError, "no line"):
            ret.action_submit()

    def test_portal_creation_checks(self):
        Return = self.env["customer.return"]
        quotation = self._sold_order(qty=1)
        line = self.sale_line
        with self.assertRaisesRegex(ValidationError, "confirmed"):
            Return._create_from_portal(quotation, {line.id: 1}, self.reason, "refund", False)
        with self.assertRaisesRegex(ValidationError, "at least one"):
            Return._create_from_portal(self.order, {line.id: 0}, self.reason, "refund", False)
        self.reason.active = False
        with self.assertRaisesRegex(ValidationError, "reason"):
            Return._create_from_portal(self.order, {line.id: 1}, self.reason, "refund", False)
        self.assertFalse(Return.search([("order_id", "in", (self.order + quotation).ids)]))
