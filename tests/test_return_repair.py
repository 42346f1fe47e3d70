"""Repairs of returned items (after-sales service, 维修): a return line with
resolution ``repair`` becomes an Odoo repair order when the goods arrive,
under warranty or quoted to the customer, and the item ships back through
the warehouse's routes."""

from contextlib import contextmanager
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.http import Request
from odoo.tests import HttpCase, JsonRpcException, tagged

from ..tools import write_protected
from .common import CustomerOrderCommon, visible_buttons


class ReturnRepairCommon(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write({"return_window_days": 0, "repair_warranty_months": 12})
        cls.storable.is_repairable = True
        cls._set_stock(cls.storable, 100)
        cls.part = cls.env["product.product"].create(
            {"name": "Lamp Bulb", "is_storable": True, "list_price": 15.0}
        )
        cls._set_stock(cls.part, 50)
        # Quoting a repair writes its sale order: repair staff sell too.
        cls.repairer = cls._company_user(
            "com_repairer", "stock.group_stock_user,sales_team.group_sale_salesman_all_leads"
        )
        cls.template_received = cls.env.ref(
            "customer_order_management.mail_template_repair_received"
        )
        cls.template_quotation = cls.env.ref(
            "customer_order_management.mail_template_repair_quotation"
        )
        cls.template_shipped = cls.env.ref("customer_order_management.mail_template_repair_shipped")
        cls.template_done = cls.env.ref("customer_order_management.mail_template_return_done")

    @contextmanager
    def _refused(self, exception, regex):
        """``exception`` with a message matching ``regex``; what the refused
        call wrote is rolled back (Odoo's ``assertRaises`` savepoint), as
        the request's transaction is."""
        with self.assertRaises(exception) as catcher:
            yield
        self.assertRegex(str(catcher.exception), regex)

    def _order(self, qty=5, product=None, warehouse=None, delivered_days_ago=0):
        vals = {"user_id": self.salesman.id}
        if warehouse:
            vals["warehouse_id"] = warehouse.id
        order = self._create_order(qty=qty, product=product, **vals)
        order.action_confirm()
        if warehouse:
            self._ship_all(order)
        else:
            self._deliver(order)
        if delivered_days_ago:
            moment = fields.Datetime.now() - timedelta(days=delivered_days_ago)
            moves = order.picking_ids.move_ids.filtered(lambda m: m.state == "done")
            moves.write({"date": moment})
            self._shipped_days_ago(order.picking_ids, delivered_days_ago)
        return order

    def _received_repair(self, order=None, qty=1, **line_vals):
        """A repair return of ``qty`` of ``order`` approved and received:
        its repair order."""
        order = order or self._order()
        ret = self._create_return(
            order, qty=qty, user=self.salesman, resolution="repair", **line_vals
        )
        ret.action_submit()
        ret.with_user(self.manager).action_approve()
        ret.with_user(self.stock_user).action_receive()
        ret = ret.with_env(self.env)
        return ret, ret.repair_ids

    def _repair_messages(self, repair, template):
        ret = repair.customer_return_id
        subject = template._render_field("subject", repair.ids)[repair.id]
        return ret.message_ids.filtered(
            lambda m: self.customer in m.partner_ids and m.subject == subject
        )

    def _ship_back(self, ret):
        """Validate every open step of the item's way back to the customer."""
        self._ship_all(ret.order_id, origin=ret)

    def _add_part(self, repair, qty=1):
        return (
            self.env["stock.move"]
            .with_user(self.repairer)
            .create(
                {
                    "repair_id": repair.id,
                    "repair_line_type": "add",
                    "product_id": self.part.id,
                    "product_uom_qty": qty,
                }
            )
        )

    def _put_away(self, warehouse):
        """Validate the put-away (input to stock) of the returned item: it
        keeps its owner, the customer."""
        put_away = self.env["stock.picking"].search(
            [
                ("location_id", "=", warehouse.wh_input_stock_loc_id.id),
                ("state", "=", "assigned"),
            ]
        )
        self.assertEqual(len(put_away), 1)
        self.assertEqual(put_away.move_line_ids.owner_id, self.customer)
        self._validate(put_away.with_user(self.stock_user))

    def _fix(self, repair, user=None):
        repair = repair.with_user(user or self.stock_user)
        repair.action_validate()
        repair.action_repair_start()
        repair.action_repair_end()


@tagged("post_install", "-at_install")
class TestReturnRepair(ReturnRepairCommon):
    # ------------------------------------------------------------------
    # Warranty path
    # ------------------------------------------------------------------

    def test_warranty_path(self):
        order = self._order()
        stock_before = self.storable.qty_available
        ret, repair = self._received_repair(order, qty=2, disposition="scrap")
        self.assertEqual(ret.state, "received")
        self.assertRecordValues(
            repair,
            [
                {
                    "product_id": self.storable.id,
                    "product_qty": 2.0,
                    "partner_id": self.customer.id,
                    "picking_id": ret.return_picking_id.id,
                    "sale_order_id": ret.order_id.id,
                    "customer_return_id": ret.id,
                    "customer_return_line_id": ret.line_ids.id,
                    "under_warranty": True,
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(repair.picking_type_id, self.warehouse.repair_type_id)
        self.assertFalse(ret.sudo().scrap_ids, "an item sent for repair is never scrapped")
        self.assertFalse(ret.refund_move_id, "a repair is no refund")
        self.assertEqual(ret.repair_count, 1)
        self.assertEqual(ret.with_user(self.stock_user).action_view_repairs()["res_id"], repair.id)
        self.assertEqual(
            repair.with_user(self.stock_user).action_view_customer_return()["res_id"], ret.id
        )
        self.assertEqual(len(self._repair_messages(repair, self.template_received)), 1)
        self.assertIn(
            "under warranty", str(self._repair_messages(repair, self.template_received).body)
        )

        self._fix(repair)
        self.assertEqual(repair.state, "done")
        self.assertEqual(ret.state, "received", "done once the item is back with the customer")
        out = self.env["stock.picking"].search(
            [("customer_return_id", "=", ret.id), ("picking_type_code", "=", "outgoing")]
        )
        self.assertEqual(len(out), 1)
        self.assertEqual(out.partner_id, ret.order_id.partner_shipping_id)
        self.assertFalse(ret.replacement_picking_id, "the repaired item is no replacement")
        self._ship_back(ret)
        self.assertEqual(out.state, "done")
        self.assertEqual(ret.state, "done")
        self.assertTrue(repair.shipped_back_date)
        self.assertGreaterEqual(repair.return_lead_days, 0.0)
        self.assertEqual(repair.warranty_rate, 100.0)
        self.assertEqual(self.storable.qty_available, stock_before, "back with the customer")
        self.assertEqual(ret.order_id.order_line.qty_delivered, 5)
        # Each step told the customer once, as the company's responsible.
        for template in (self.template_received, self.template_shipped):
            messages = self._repair_messages(repair, template)
            self.assertEqual(len(messages), 1, template.name)
            self.assertEqual(messages.author_id, ret._get_customer_message_author())
        done_mail = self._customer_mails(ret, self.template_done)
        self.assertEqual(len(done_mail), 1)
        # A repair's e-mails speak of the repair, never of a refund or replacement.
        approved = self.env.ref("customer_order_management.mail_template_return_approved")
        approved_mail = self._customer_mails(ret, approved)
        self.assertEqual(len(approved_mail), 1)
        self.assertIn("repair", str(approved_mail.body))
        for body in (str(approved_mail.body), str(done_mail.body)):
            self.assertNotIn("refund", body)
            self.assertNotIn("replacement", body)
        self.assertNotIn("We have received the goods", str(done_mail.body))
        self.assertIn("on its way back to you", str(done_mail.body))
        self.assertFalse(self._repair_messages(repair, self.template_quotation))
        # Running the completion again tells nobody anything twice.
        ret._mark_done_if_complete()
        self.assertEqual(len(self._repair_messages(repair, self.template_shipped)), 1)
        self.assertEqual(len(self._customer_mails(ret, self.template_done)), 1)

    def test_product_warranty_overrides_company(self):
        order = self._order(delivered_days_ago=200)
        self.storable.product_tmpl_id.repair_warranty_months = 3
        _ret, repair = self._received_repair(order)
        self.assertFalse(repair.under_warranty)
        self.storable.product_tmpl_id.repair_warranty_months = 0
        self.env.company.repair_warranty_months = 12
        _ret, repair = self._received_repair(self._order(delivered_days_ago=200))
        self.assertTrue(repair.under_warranty, "within the company's 12 months")

    # ------------------------------------------------------------------
    # Quotation path
    # ------------------------------------------------------------------

    def test_quotation_path(self):
        ret, repair = self._received_repair(self._order(delivered_days_ago=400))
        quotation = repair.sale_order_id
        self.assertFalse(repair.under_warranty)
        self.assertTrue(quotation)
        self.assertNotEqual(quotation, ret.order_id)
        self.assertRecordValues(
            quotation,
            [
                {
                    "state": "draft",
                    "partner_id": self.customer.id,
                    "require_signature": True,
                    "user_id": self.salesman.id,
                }
            ],
        )
        self.assertIn("quotation", str(self._repair_messages(repair, self.template_received).body))
        # No work before the customer accepts the quotation, whoever asks.
        for method in ("action_validate", "action_repair_start"):
            with self._refused(UserError, "accept its quotation"):
                getattr(repair.with_user(self.stock_user), method)()
            self.assertEqual(repair.state, "draft")
        with self._refused(UserError, "accept its quotation"):
            repair.with_user(self.stock_user).write({"state": "under_repair"})
        with self._refused(UserError, "Add the parts"):
            repair.with_user(self.repairer).action_send_return_quotation()
        self.assertFalse(repair.quotation_sent_date)

        self._add_part(repair)
        self.assertEqual(quotation.order_line.product_id, self.part)
        repair.with_user(self.repairer).action_send_return_quotation()
        self.assertEqual(quotation.state, "sent")
        self.assertEqual(len(self._repair_messages(repair, self.template_quotation)), 1)
        with self._refused(UserError, "already sent"):
            repair.with_user(self.repairer).action_send_return_quotation()
        self.assertEqual(len(self._repair_messages(repair, self.template_quotation)), 1)

        quotation.action_confirm()
        self._fix(repair)
        self.assertEqual(repair.state, "done")
        self._ship_back(ret)
        self.assertEqual(ret.state, "done")
        self.assertEqual(repair.warranty_rate, 0.0)
        for template in (self.template_received, self.template_quotation, self.template_shipped):
            self.assertEqual(len(self._repair_messages(repair, template)), 1, template.name)
        self.assertIn("repaired", str(self._repair_messages(repair, self.template_shipped).body))

    def test_customer_declines_quotation(self):
        ret, repair = self._received_repair(self._order(delivered_days_ago=400))
        self._add_part(repair)
        repair.with_user(self.repairer).action_send_return_quotation()
        # What the portal's "Decline" does.
        repair.sale_order_id.sudo()._action_cancel()
        self.assertEqual(repair.state, "cancel")
        self.assertTrue(repair.refused_date)
        self._ship_back(ret)
        self.assertEqual(ret.state, "done")
        shipped = self._repair_messages(repair, self.template_shipped)
        self.assertEqual(len(shipped), 1)
        self.assertIn("unrepaired", str(shipped.body))

    def test_staff_record_refusal(self):
        ret, repair = self._received_repair(self._order(delivered_days_ago=400))
        repair.with_user(self.stock_user).action_refuse_return_quotation()
        self.assertRecordValues(repair, [{"state": "cancel"}])
        self.assertEqual(repair.sale_order_id.state, "cancel")
        self.assertTrue(repair.refused_date)
        with self._refused(UserError, "does not wait"):
            repair.with_user(self.stock_user).action_refuse_return_quotation()
        self._ship_back(ret)
        self.assertEqual(ret.state, "done")

    def test_refusal_of_a_warranty_repair_refused(self):
        _ret, repair = self._received_repair()
        with self._refused(UserError, "does not wait"):
            repair.with_user(self.stock_user).action_refuse_return_quotation()
        self.assertFalse(repair.refused_date)
        self.assertEqual(repair.state, "draft")

    # ------------------------------------------------------------------
    # Lots, warehouses
    # ------------------------------------------------------------------

    def test_lot_follows_the_item(self):
        product = self.env["product.product"].create(
            {"name": "Serial Drill", "is_storable": True, "tracking": "lot", "is_repairable": True}
        )
        lot = self.env["stock.lot"].create({"name": "LOT-R1", "product_id": product.id})
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, 3, lot_id=lot
        )
        order = self._order(qty=3, product=product)
        ret, repair = self._received_repair(order, qty=1)
        self.assertEqual(repair.lot_id, lot)
        self._fix(repair)
        self.assertEqual(repair.state, "done")
        self._ship_back(ret)
        self.assertEqual(ret.state, "done")

    def _lot_product_at_repair(self):
        """A lot-tracked product whose lot ``LOT-C`` the customer sent in for
        repair; the company has none of it left. Returns the return, its
        repair, the product and the customer's lot."""
        product = self.env["product.product"].create(
            {
                "name": "Lot Grinder",
                "is_storable": True,
                "tracking": "lot",
                "is_repairable": True,
                "standard_price": 80.0,
            }
        )
        lot = self.env["stock.lot"].create({"name": "LOT-C", "product_id": product.id})
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, 1, lot_id=lot
        )
        ret, repair = self._received_repair(self._order(qty=1, product=product), qty=1)
        return ret, repair, product, lot

    def test_item_at_repair_stays_the_customers(self):
        ret, repair, product, lot = self._lot_product_at_repair()
        owner = ret.partner_id
        self.assertEqual(repair.lot_id, lot)
        receipt_move = ret.return_picking_id.move_ids
        self.assertEqual(receipt_move.restrict_partner_id, owner)
        self.assertEqual(receipt_move.move_line_ids.owner_id, owner)
        quant = self.env["stock.quant"].search(
            [
                ("product_id", "=", product.id),
                ("location_id.usage", "=", "internal"),
                ("quantity", "!=", 0),
            ]
        )
        self.assertRecordValues(quant, [{"lot_id": lot.id, "owner_id": owner.id, "quantity": 1}])
        # Valuation: the customer's item is not the company's asset.
        self.assertFalse(receipt_move.is_in, "an owned item does not enter the valuation")
        self.assertEqual(receipt_move.value, 0.0)
        self.assertEqual(quant.sudo().value, 0.0)

    def test_other_delivery_cannot_reserve_the_item_at_repair(self):
        ret, repair, product, lot = self._lot_product_at_repair()
        # The company's own lot arrives, older than the customer's item.
        own_lot = self.env["stock.lot"].create({"name": "LOT-OWN", "product_id": product.id})
        self.env["stock.quant"]._update_available_quantity(
            product,
            self.warehouse.lot_stock_id,
            1,
            lot_id=own_lot,
            in_date=fields.Datetime.now() - timedelta(days=30),
        )
        someone_else = self.env["res.partner"].create({"name": "Another Buyer"})
        other = self._create_order(qty=2, product=product, partner_id=someone_else.id)
        other.action_confirm()
        delivery = other.picking_ids
        delivery.action_assign()
        self.assertEqual(delivery.move_ids.quantity, 1.0, "only the company's own lot")
        self.assertEqual(delivery.move_ids.move_line_ids.lot_id, own_lot)
        self.assertFalse(delivery.move_ids.move_line_ids.owner_id)
        self._fix(repair)
        delivery.action_assign()
        self.assertEqual(delivery.move_ids.move_line_ids.lot_id, own_lot, "repaired: still hers")
        # The ship-back takes exactly the customer's item, whatever is in stock.
        out = self.env["stock.picking"].search(
            [("customer_return_id", "=", ret.id), ("picking_type_code", "=", "outgoing")]
        )
        self.assertEqual(out.move_ids.restrict_partner_id, ret.partner_id)
        self.assertEqual(out.state, "assigned")
        self.assertRecordValues(
            out.move_line_ids, [{"lot_id": lot.id, "owner_id": ret.partner_id.id, "quantity": 1}]
        )
        self._ship_back(ret)
        self.assertEqual(ret.state, "done")
        self.assertEqual(out.move_line_ids.lot_id, lot)
        self.assertFalse(out.move_ids.is_out, "the customer's item leaves unvalued")
        self.assertEqual(delivery.move_ids.move_line_ids.lot_id, own_lot)
        self.assertFalse(
            self.env["stock.quant"]
            .search(
                [
                    ("product_id", "=", product.id),
                    ("location_id.usage", "=", "internal"),
                    ("owner_id", "!=", False),
                ]
            )
            .filtered("quantity"),
            "nothing of the customer's is left in the warehouse",
        )

    def test_two_step_warehouse(self):
        warehouse = self.env["stock.warehouse"].create(
            {
                "name": "Two Steps",
                "code": "WH2S",
                "delivery_steps": "pick_ship",
                "reception_steps": "two_steps",
            }
        )
        self._set_stock(self.storable, 20, warehouse.lot_stock_id)
        order = self._order(qty=4, warehouse=warehouse)
        self.assertEqual(order.order_line.qty_delivered, 4)
        ret, repair = self._received_repair(order, qty=1)
        self.assertEqual(repair.picking_type_id, warehouse.repair_type_id)
        # The item is received at the input: repaired once put away in stock.
        self._put_away(warehouse)
        self._fix(repair)
        pickings = self.env["stock.picking"].search(
            [("customer_return_id", "=", ret.id), ("picking_type_code", "!=", "incoming")]
        )
        self.assertEqual(pickings.picking_type_id, warehouse.pick_type_id, "picking first")
        self.assertEqual(
            pickings.move_line_ids.owner_id, ret.partner_id, "the customer's item is picked"
        )
        self._validate(pickings)
        self.assertEqual(ret.state, "received", "picked is not shipped")
        self.assertFalse(repair.shipped_back_date)
        ship = self.env["stock.picking"].search(
            [
                ("customer_return_id", "=", ret.id),
                ("picking_type_id", "=", warehouse.out_type_id.id),
            ]
        )
        self.assertEqual(len(ship), 1)
        self._validate(ship)
        self.assertEqual(ret.state, "done")
        self.assertEqual(len(self._repair_messages(repair, self.template_shipped)), 1)

    def test_three_step_warehouse(self):
        self._setup_multi_step_warehouse()
        warehouse = self.multi_step_warehouse
        self._set_stock(self.storable, 20, warehouse.lot_stock_id)
        ret, repair = self._received_repair(self._order(qty=2, warehouse=warehouse), qty=1)
        with self._refused(UserError, "not in WH3S/Stock yet"):
            self._fix(repair)
        self.assertEqual(repair.state, "draft", "nothing written")
        self.assertFalse(repair.move_id)
        self._put_away(warehouse)
        self._fix(repair)
        for step in (warehouse.pick_type_id, warehouse.pack_type_id, warehouse.out_type_id):
            with self.subTest(step=step.name):
                self.assertEqual(ret.state, "received", "not back with the customer yet")
                picking = self.env["stock.picking"].search(
                    [
                        ("customer_return_id", "=", ret.id),
                        ("picking_type_id", "=", step.id),
                        ("state", "not in", ("done", "cancel")),
                    ]
                )
                self.assertEqual(len(picking), 1)
                self.assertEqual(picking.state, "assigned")
                self.assertEqual(picking.move_line_ids.owner_id, ret.partner_id)
                self._validate(picking)
        self.assertEqual(ret.state, "done")
        self.assertEqual(len(self._repair_messages(repair, self.template_shipped)), 1)

    def test_repair_in_another_company(self):
        self._setup_second_company()
        self.storable.company_id = False
        self._set_stock(self.storable, 10, self.warehouse_b.lot_stock_id)
        order = (
            self.env["sale.order"]
            .with_company(self.company_b)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company_b.id,
                    "warehouse_id": self.warehouse_b.id,
                    "order_line": [
                        Command.create({"product_id": self.storable.id, "product_uom_qty": 2})
                    ],
                }
            )
        )
        order.action_confirm()
        self._deliver(order)
        ret = self._create_return(order, qty=1, user=self.user_b, resolution="repair")
        ret.action_submit()
        ret.with_user(self.user_b).action_approve()
        ret.with_user(self.user_b).action_receive()
        repair = ret.with_env(self.env).repair_ids
        self.assertRecordValues(
            repair,
            [
                {
                    "company_id": self.company_b.id,
                    "picking_type_id": self.warehouse_b.repair_type_id.id,
                }
            ],
        )
        self.assertFalse(
            self.env["repair.order"].with_user(self.stock_user).search([("id", "=", repair.id)]),
            "another company's repairs are out of sight",
        )
        self._fix(repair, self.user_b)
        out = self.env["stock.picking"].search(
            [("customer_return_id", "=", ret.id), ("picking_type_code", "=", "outgoing")]
        )
        self.assertEqual(out.company_id, self.company_b)
        self._validate(out)
        self.assertEqual(ret.state, "done")

    # ------------------------------------------------------------------
    # Bad input: a clear error, nothing written
    # ------------------------------------------------------------------

    def test_repair_of_a_product_that_does_not_allow_it(self):
        other = self.env["product.product"].create({"name": "Lamp Shade", "is_storable": True})
        self._set_stock(other, 10)
        order = self._order(qty=2, product=other)
        Return = self.env["customer.return"]
        count = Return.search_count([])
        with self._refused(ValidationError, "cannot be sent in for repair"):
            self._create_return(order, qty=1, user=self.salesman, resolution="repair")
        self.assertEqual(Return.search_count([]), count)
        ret = self._create_return(order, qty=1, user=self.salesman)
        with self._refused(ValidationError, "cannot be sent in for repair"):
            ret.line_ids.with_user(self.salesman).write({"resolution": "repair"})
        self.assertEqual(ret.line_ids.resolution, "refund")
        with self._refused(ValidationError, "cannot be sent in for repair"):
            ret.with_user(self.salesman).write(
                {"line_ids": [Command.update(ret.line_ids.id, {"resolution": "repair"})]}
            )
        self.assertEqual(ret.line_ids.resolution, "refund")

    def test_quantity_above_delivered(self):
        order = self._order(qty=2)
        with self._refused(ValidationError, "at most"):
            self._create_return(order, qty=3, user=self.salesman, resolution="repair")
        self.assertFalse(self.env["customer.return"].search([("order_id", "=", order.id)]))

    def test_ship_back_before_the_repair_is_done(self):
        ret, repair = self._received_repair()
        for state_step in ("draft", "under_repair"):
            if state_step == "under_repair":
                repair.with_user(self.stock_user).action_repair_start()
            with self._refused(UserError, "is not done"):
                repair.with_user(self.stock_user).action_ship_back_to_customer()
            self.assertFalse(
                self.env["stock.picking"].search(
                    [("customer_return_id", "=", ret.id), ("picking_type_code", "=", "outgoing")]
                )
            )
        repair.with_user(self.stock_user).action_repair_end()
        with self._refused(UserError, "already shipped back"):
            repair.with_user(self.stock_user).action_ship_back_to_customer()

    # ------------------------------------------------------------------
    # Permissions
    # ------------------------------------------------------------------

    def test_return_fields_of_a_repair_are_the_workflows(self):
        ret, repair = self._received_repair(self._order(delivered_days_ago=400))
        for vals in (
            {"customer_return_line_id": False},
            {"quotation_sent_date": fields.Datetime.now()},
            {"refused_date": fields.Datetime.now()},
            {"shipped_back_date": fields.Datetime.now()},
            {"under_warranty": True},
        ):
            with self.assertRaises(AccessError):
                repair.with_user(self.stock_user).write(vals)
        self.assertRecordValues(
            repair,
            [
                {
                    "customer_return_line_id": ret.line_ids.id,
                    "refused_date": False,
                    "shipped_back_date": False,
                    "quotation_sent_date": False,
                    "under_warranty": False,
                }
            ],
        )
        with self.assertRaises(AccessError):
            self.env["repair.order"].with_user(self.stock_user).create(
                {"product_id": self.storable.id, "customer_return_line_id": ret.line_ids.id}
            )
        self.assertEqual(ret.repair_ids, repair)

    def test_salesman_has_no_repair_rights(self):
        _ret, repair = self._received_repair(self._order(delivered_days_ago=400))
        self._add_part(repair)
        for method in ("action_send_return_quotation", "action_refuse_return_quotation"):
            with self.assertRaises(AccessError):
                getattr(repair.with_user(self.salesman), method)()
        self.assertFalse(repair.quotation_sent_date)
        self.assertEqual(repair.sale_order_id.state, "draft")

    def test_form_buttons(self):
        _ret, repair = self._received_repair(self._order(delivered_days_ago=400))
        buttons = visible_buttons(self._form(repair, self.stock_user))
        self.assertIn("action_send_return_quotation", buttons)
        self.assertIn("action_refuse_return_quotation", buttons)
        self.assertNotIn("action_ship_back_to_customer", buttons)
        self.assertIn(
            "action_view_customer_return",
            visible_buttons(
                self._form(repair, self.stock_user), "//div[@name='button_box']/button"
            ),
        )
        ret = repair.customer_return_id
        box = "//div[@name='button_box']/button"
        self.assertIn("action_view_repairs", visible_buttons(self._form(ret, self.stock_user), box))
        self.assertNotIn(
            "action_view_repairs", visible_buttons(self._form(ret, self.salesman), box)
        )


# A 1x1 transparent PNG: the customer's signature on the quotation.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@tagged("post_install", "-at_install")
class TestReturnRepairPortal(ReturnRepairCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls._portal_user("com_portal", cls.customer)
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other Customer", "email": "other@example.com"}
        )
        cls.other_portal_user = cls._portal_user("com_portal_other", cls.other_customer)

    def _login(self, user=None):
        user = user or self.portal_user
        self.authenticate(user.login, user.login)

    def _post_return(self, order, qty, resolution):
        self._login()
        return self.url_open(
            f"/my/orders/{order.id}/return",
            data={
                "csrf_token": Request.csrf_token(self),
                f"qty_{order.order_line.id}": qty,
                "reason_id": self.reason.id,
                "resolution": resolution,
            },
        )

    def _quoted_repair(self):
        """A repair out of warranty whose quotation was sent to ``customer``."""
        ret, repair = self._received_repair(self._order(delivered_days_ago=400))
        self._add_part(repair)
        repair.with_user(self.repairer).action_send_return_quotation()
        return ret, repair

    def _accept(self, quotation):
        return self.make_jsonrpc_request(
            f"/my/orders/{quotation.id}/accept", {"name": "Customer", "signature": SIGNATURE}
        )

    def test_repair_offered_where_allowed(self):
        order = self._order(qty=2)
        other = self.env["product.product"].create({"name": "Lamp Shade", "is_storable": True})
        self._set_stock(other, 10)
        plain_order = self._order(qty=2, product=other)
        self._login()
        self.assertIn('id="resolution_repair"', self.url_open(f"/my/orders/{order.id}/return").text)
        self.assertNotIn(
            'id="resolution_repair"', self.url_open(f"/my/orders/{plain_order.id}/return").text
        )
        response = self._post_return(plain_order, 1, "repair")
        self.assertIn("cannot be sent in for repair", response.text)
        Return = self.env["customer.return"]
        self.assertFalse(Return.search([("order_id", "=", plain_order.id)]))
        self._post_return(order, 1, "repair")
        ret = Return.search([("order_id", "=", order.id)])
        self.assertRecordValues(ret, [{"state": "submitted", "origin": "portal"}])
        self.assertEqual(ret.line_ids.resolution, "repair")

    def test_customer_accepts_quotation_on_the_portal(self):
        ret, repair = self._quoted_repair()
        quotation = repair.sale_order_id
        self._login()
        page = self.url_open(f"/my/returns/{ret.id}").text
        self.assertIn("o_com_repair_quotation", page)
        self.assertIn(repair.product_id.display_name, page)
        self.assertNotIn("error", self._accept(quotation) or {})
        self.assertEqual(quotation.state, "sale")
        self._fix(repair)
        self._ship_back(ret)
        self.assertEqual(ret.state, "done")
        page = self.url_open(f"/my/returns/{ret.id}").text
        self.assertIn('name="repair_step_shipped"', page)
        self.assertIn("Completed", page)
        self.assertNotIn("o_com_repair_quotation", page)

    def _review_rules_and_twin(self, quotation):
        """Review rules that flag ``quotation`` (above 10, possible
        duplicate) and a plain quotation of the same customer with the same
        content: the twin."""
        self._create_rule("amount_above", name="Above ten", threshold=10)
        self._create_rule("duplicate_order", name="Twin", days=30)
        twin = self._create_order(
            qty=1, product=self.part, price=quotation.order_line.price_unit, user=self.salesman
        )
        self.assertEqual(twin.amount_untaxed, quotation.amount_untaxed)
        return twin

    def test_review_rules_do_not_gate_a_repair_quotation(self):
        _ret, repair = self._quoted_repair()
        quotation = repair.sale_order_id
        twin = self._review_rules_and_twin(quotation)
        # The plain quotation with the same content is still reviewed.
        with self._refused(UserError, "must be submitted for review"):
            twin.with_user(self.salesman).action_confirm()
        self.assertEqual(twin.state, "draft")
        # The workshop prices a repair: its customer accepts it unreviewed.
        self._login()
        self.assertNotIn("error", self._accept(quotation) or {})
        self.assertEqual(quotation.state, "sale")
        self.assertEqual(quotation.review_state, "not_reviewed")
        self.assertFalse(quotation.review_issue_ids)
        self._fix(repair)
        self.assertEqual(repair.state, "done")
        with self._refused(UserError, "must be submitted for review"):
            twin.with_user(self.salesman).action_confirm()

    def test_other_customer_cannot_accept_or_decline(self):
        ret, repair = self._quoted_repair()
        quotation = repair.sale_order_id
        self._login(self.other_portal_user)
        self.assertIn("error", self._accept(quotation))
        response = self.url_open(
            f"/my/orders/{quotation.id}/decline",
            data={"csrf_token": Request.csrf_token(self), "decline_message": "No"},
        )
        self.assertNotIn(quotation.name, response.text)
        self.assertRecordValues(quotation, [{"state": "sent", "signature": False}])
        self.assertRecordValues(repair, [{"state": "draft", "refused_date": False}])
        response = self.url_open(f"/my/returns/{ret.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        with self._refused(UserError, "accept its quotation"):
            repair.with_user(self.stock_user).action_repair_start()

    def test_customer_declines_on_the_portal(self):
        ret, repair = self._quoted_repair()
        self._login()
        self.url_open(
            f"/my/orders/{repair.sale_order_id.id}/decline",
            data={"csrf_token": Request.csrf_token(self), "decline_message": "Too expensive"},
        )
        self.assertEqual(repair.sale_order_id.state, "cancel")
        self.assertRecordValues(repair, [{"state": "cancel"}])
        self.assertTrue(repair.refused_date)
        self._ship_back(ret)
        self.assertEqual(ret.state, "done")
        shipped = self._repair_messages(repair, self.template_shipped)
        self.assertEqual(len(shipped), 1)
        self.assertEqual(shipped.author_id, ret._get_customer_message_author())


@tagged("post_install", "-at_install")
class TestReturnRepairAnalytics(ReturnRepairCommon):
    def test_report_pack_section(self):
        ret, repair = self._received_repair(qty=1)
        # Received three days ago: the lead time is measured in days.
        write_protected(
            repair, {"return_received_date": repair.return_received_date - timedelta(days=3)}
        )
        self._fix(repair)
        self._ship_back(ret)
        _ret2, repair2 = self._received_repair(self._order(delivered_days_ago=400))
        Pack = self.env["customer.order.report.pack"].with_user(self.repairer)
        # The repairer's today: the pack counts days in its user's time zone.
        today = fields.Date.context_today(Pack)
        data = Pack._get_data(today - timedelta(days=3), today, ["repairs"])
        # The demo's repairs, if any, are other products.
        self.assertEqual(
            [row for row in data["repairs"] if row["product"] == self.storable.display_name],
            [
                {
                    "product": self.storable.display_name,
                    "reason": self.reason.name,
                    "repairs": 2,
                    "under_warranty": 1,
                    "shipped_back": 1,
                    "lead_days": repair.return_lead_days,
                }
            ],
        )
        self.assertFalse(repair2.return_lead_days)
        # Share under warranty and lead time, as the pivot reads them.
        [(rate, lead)] = self.env["repair.order"]._read_group(
            [("customer_return_id", "in", (ret | _ret2).ids)],
            aggregates=["warranty_rate:avg", "return_lead_days:avg"],
        )
        self.assertEqual(rate, 50.0)
        # The repair not shipped back yet has no lead time: it is not 0 days.
        self.assertGreater(repair.return_lead_days, 0.0)
        self.assertAlmostEqual(lead, repair.return_lead_days)
        [(lead_sum,)] = self.env["repair.order"]._read_group(
            [("customer_return_id", "in", (ret | _ret2).ids)],
            aggregates=["return_lead_days:sum"],
        )
        self.assertAlmostEqual(lead_sum, repair.return_lead_days)
        self.assertEqual(
            Pack.with_user(self.salesman)._get_section_repairs([], None, None, None),
            [],
            "no repair access, no repair figures",
        )
        xlsx = Pack._render_xlsx(data)
        self.assertTrue(xlsx.startswith(b"PK"))


@tagged("post_install", "-at_install")
class TestReturnRepairRpc(ReturnRepairCommon, HttpCase):
    """The rules hold for a client of ``/web/dataset/call_kw``, whatever
    context it sends."""

    FORGED_CONTEXT = {"default_resolution": "repair", "default_under_warranty": True}

    def _call(self, user, model, method, args, context):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": {"context": context}},
        )

    def _refused_rpc(self, exception, *call):
        with self.assertRaises(JsonRpcException) as catcher:
            self._call(*call)
        self.assertIn(exception.__name__, str(catcher.exception))

    def test_rpc_refusals(self):
        portal_user = self._portal_user("com_portal", self.customer)
        other = self.env["product.product"].create({"name": "Lamp Shade", "is_storable": True})
        self._set_stock(other, 10)
        plain_order = self._order(qty=2, product=other)
        _ret, repair = self._received_repair(self._order(delivered_days_ago=400))
        returns_before = self.env["customer.return"].search_count([])
        for context in ({}, self.FORGED_CONTEXT):
            with self.subTest(context=context):
                self._refused_rpc(
                    ValidationError,
                    self.salesman,
                    "customer.return",
                    "create",
                    [
                        {
                            "order_id": plain_order.id,
                            "line_ids": [
                                Command.create(
                                    {
                                        "sale_line_id": plain_order.order_line.id,
                                        "quantity": 1,
                                        "reason_id": self.reason.id,
                                        "resolution": "repair",
                                    }
                                )
                            ],
                        }
                    ],
                    context,
                )
                self._refused_rpc(
                    AccessError,
                    self.stock_user,
                    "repair.order",
                    "write",
                    [repair.ids, {"under_warranty": True}],
                    context,
                )
                for method in ("action_repair_start", "action_ship_back_to_customer"):
                    self._refused_rpc(
                        UserError, self.stock_user, "repair.order", method, [repair.ids], context
                    )
                self._refused_rpc(
                    AccessError,
                    portal_user,
                    "repair.order",
                    "read",
                    [repair.ids, ["name"]],
                    context,
                )
        self.assertEqual(self.env["customer.return"].search_count([]), returns_before)
        repair.invalidate_recordset()
        self.assertRecordValues(repair, [{"state": "draft", "under_warranty": False}])
        self.assertFalse(repair.customer_return_line_id._get_replacement_moves())

    def test_a_quotation_cannot_pass_as_a_repair_quotation(self):
        """Only a repair quotation of a return escapes the review rules; no
        user links a plain quotation to such a repair, whatever the call."""
        _ret, repair = self._received_repair(self._order(delivered_days_ago=400))
        quotation = repair.sale_order_id
        self._create_rule("amount_above", name="Above ten", threshold=10)
        plain = self._create_order(qty=1, product=self.part, user=self.salesman)
        for context in ({}, self.FORGED_CONTEXT):
            with self.subTest(context=context):
                self._refused_rpc(
                    AccessError,
                    self.repairer,
                    "repair.order",
                    "write",
                    [repair.ids, {"sale_order_id": plain.id}],
                    context,
                )
                self._refused_rpc(
                    AccessError,
                    self.repairer,
                    "sale.order",
                    "write",
                    [plain.ids, {"repair_order_ids": [Command.link(repair.id)]}],
                    context,
                )
                self._refused_rpc(
                    AccessError,
                    self.repairer,
                    "repair.order",
                    "write",
                    [repair.ids, {"sale_order_id": False}],
                    context,
                )
                self._refused_rpc(
                    AccessError,
                    self.repairer,
                    "repair.order",
                    "write",
                    [repair.ids, {"partner_id": self.salesman.partner_id.id}],
                    context,
                )
                self._refused_rpc(
                    UserError, self.salesman, "sale.order", "action_confirm", [plain.ids], context
                )
        self.assertRecordValues(
            repair, [{"sale_order_id": quotation.id, "partner_id": self.customer.id}]
        )
        # A repair of no return (any repairer may make one) exempts nothing.
        self._call(
            self.repairer,
            "repair.order",
            "create",
            [
                {
                    "product_id": self.storable.id,
                    "partner_id": self.customer.id,
                    "sale_order_id": plain.id,
                }
            ],
            {},
        )
        self.assertTrue(plain.sudo().repair_order_ids)
        self._refused_rpc(UserError, self.salesman, "sale.order", "action_confirm", [plain.ids], {})
        self.assertEqual(plain.state, "draft")
