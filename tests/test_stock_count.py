import io
from contextlib import closing
from datetime import timedelta

import openpyxl

from odoo import fields, sql_db
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import StockCountCommon, write_history


@tagged("post_install", "-at_install")
class TestStockCount(StockCountCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_second_company()

    def test_start_snapshots_book_quantities(self):
        session = self._session()
        self.assertTrue(session.name.startswith("CNT/"))
        session.action_start()
        self.assertEqual(session.state, "in_progress")
        self.assertEqual(
            sorted(
                (line.product_id.name, line.lot_id.name or "", line.theoretical_qty)
                for line in session.line_ids
            ),
            [
                ("Count Chair", "", 10.0),
                ("Count Lamp", "", 50.0),
                ("Count Serum", "LOT-1", 5.0),
                ("Count Serum", "LOT-2", 8.0),
            ],
        )
        self.assertEqual(self._line(session, self.lamp).location_id, self.bin)
        with self.assertRaisesRegex(UserError, "cannot be started"):
            session.action_start()

    def test_counter_fills_the_form(self):
        """A counter plans a count in the form (its defaults, the location's
        lines), starts it, then types the quantities: typing one marks the
        line counted."""
        form = Form(self.env["stock.count.session"].with_user(self.counter))
        self.assertEqual(form.user_id, self.counter)
        self.assertEqual(form.state, "draft")
        self.assertEqual(form.origin, "manual")
        # The counter's today, in the counter's timezone (as the form's default).
        self.assertEqual(
            form.date_planned,
            fields.Date.context_today(self.env["stock.count.session"].with_user(self.counter)),
        )
        self.assertFalse(form.blind)
        form.location_id = self.shelf
        with form.line_ids.new() as line:
            self.assertEqual(line.location_id, self.shelf, "the session's location by default")
            line.product_id = self.chair
        session = form.save()
        self.assertRecordValues(
            session, [{"company_id": self.company.id, "location_id": self.shelf.id}]
        )
        session.action_start()
        form = Form(session.with_user(self.counter))
        self.assertTrue(form._get_modifier("location_id", "readonly"))
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.theoretical_qty, 10)
            self.assertFalse(line.is_counted)
            line.counted_qty = 9
            self.assertTrue(line.is_counted)
            self.assertEqual(line.difference_qty, -1)
        form.save()
        self.assertRecordValues(
            session.line_ids,
            [{"product_id": self.chair.id, "counted_qty": 9, "is_counted": True}],
        )
        self.assertEqual(session.difference_value, -100)
        session.with_user(self.counter).action_validate()
        self.assertEqual(session.state, "done")
        self.assertEqual(self._qty(self.chair), 9)

    def test_planned_products_narrow_the_snapshot(self):
        session = self._session(
            line_ids=[
                Command.create({"product_id": self.chair.id, "location_id": self.shelf.id}),
                Command.create({"product_id": self.lamp.id, "location_id": self.shelf.id}),
            ]
        )
        session.action_start()
        self.assertEqual(session.line_ids.product_id, self.chair | self.lamp)
        self.assertEqual(len(session.line_ids), 2)

    def test_customer_owned_stock_is_not_counted(self):
        """An item the company keeps for a customer (owned quant: a returned
        item at repair) is not the company's stock: the snapshot leaves it
        out, so a product with both has one line, the company's."""
        customer = self.env["res.partner"].create({"name": "Owner of a desk"})
        self.env["stock.quant"]._update_available_quantity(
            self.chair, self.shelf, 1, owner_id=customer
        )
        session = self._session(
            line_ids=[Command.create({"product_id": self.chair.id, "location_id": self.shelf.id})]
        )
        session.action_start()
        self.assertEqual(len(session.line_ids), 1)
        self.assertEqual(session.line_ids.quant_id.owner_id, self.env["res.partner"])

    def test_small_variance_is_applied(self):
        session = self._session()
        session.action_start()
        for line in session.line_ids:
            line.counted_qty = line.theoretical_qty
        lamp_line = self._line(session, self.lamp)
        lamp_line.write({"counted_qty": 48, "reason": "damaged"})
        self.assertEqual(lamp_line.difference_qty, -2)
        self.assertEqual(lamp_line.difference_value, -20.0)
        self.assertAlmostEqual(lamp_line.difference_percent, -4.0)
        session.action_validate()
        self.assertEqual(session.state, "done")
        self.assertEqual(self._qty(self.lamp, self.bin), 48)
        self.assertEqual(self._qty(self.chair), 10)
        moves = self.env["stock.move"].search(
            [("is_inventory", "=", True), ("product_id", "=", self.lamp.id), ("state", "=", "done")]
        )
        self.assertEqual(moves.reference, session.name)
        self.assertEqual(moves.product_qty, 2)
        self.assertIn("Count applied", session.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "no longer being counted"):
            lamp_line.counted_qty = 50
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            session.action_cancel()

    def test_big_variance_waits_for_a_stock_manager(self):
        session = self._session()
        session.action_start()
        for line in session.line_ids:
            line.counted_qty = line.theoretical_qty
        self._line(session, self.chair).counted_qty = 3  # -7 x 100 = -700 > 500
        session.action_validate()
        self.assertEqual(session.state, "to_approve")
        self.assertEqual(self._qty(self.chair), 10, "nothing applied before approval")
        activity = session.activity_ids
        self.assertIn(self.stock_manager, activity.user_id)
        with self.assertRaises(AccessError):
            session.action_approve()
        self.assertEqual(session.state, "to_approve")
        session.with_user(self.stock_manager).action_approve()
        self.assertEqual(session.state, "done")
        self.assertEqual(session.approved_by_id, self.stock_manager)
        self.assertEqual(self._qty(self.chair), 3)
        self.assertFalse(session.activity_ids)
        with self.assertRaisesRegex(UserError, "cannot be approved"):
            session.with_user(self.stock_manager).action_approve()

    def _count_one(self, book, counted, price):
        product = self.env["product.product"].create(
            {"name": f"Boundary {book}/{counted}", "is_storable": True, "standard_price": price}
        )
        if book:
            self.env["stock.quant"]._update_available_quantity(product, self.shelf, book)
        session = self._session(
            line_ids=[Command.create({"product_id": product.id, "location_id": self.shelf.id})]
        )
        session.action_start()
        session.line_ids.counted_qty = counted
        session.action_validate()
        return session

    def test_approval_boundary(self):
        """A variance equal to a threshold is applied; just above it waits."""
        # Value threshold 500 (percent off): -5 x 100 = -500 vs -5.01 x 100 = -501.
        self.assertEqual(self._count_one(10, 5, 100.0).state, "done")
        self.assertEqual(self._count_one(10, 4.99, 100.0).state, "to_approve")
        self.assertEqual(self._count_one(10, 15, 100.0).state, "done")
        # Percent threshold 10 % (value off): -10 % vs -12 %; found goods are 100 %.
        self.company.write({"count_approval_value": 0.0, "count_approval_percent": 10.0})
        self.assertEqual(self._count_one(50, 45, 1.0).state, "done")
        self.assertEqual(self._count_one(50, 44, 1.0).state, "to_approve")
        self.assertEqual(self._count_one(0, 1, 1.0).state, "to_approve")
        self.assertEqual(self._count_one(50, 50, 1.0).state, "done")

    def test_moved_after_snapshot_is_flagged_not_overwritten(self):
        session = self._session()
        session.action_start()
        for line in session.line_ids:
            line.counted_qty = line.theoretical_qty
        # A picker takes 2 chairs after the snapshot (an inventory move here).
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.chair.id), ("location_id", "=", self.shelf.id)]
        )
        quant.with_context(inventory_mode=True).inventory_quantity = 8
        quant.action_apply_inventory()
        action = session.action_validate()
        self.assertEqual(action["params"]["type"], "warning")
        # One line, said in the singular, pointing at what the form shows.
        self.assertEqual(
            action["params"]["message"],
            "The stock of 1 line moved after it was counted: recount the line "
            "highlighted in orange (its Recount button), then validate again.",
        )
        self.assertIn("1 line changed", session.message_ids[0].body)
        chair_line = self._line(session, self.chair)
        self.assertTrue(chair_line.needs_recount)
        self.assertEqual(session.recount_count, 1)
        self.assertEqual(session.state, "in_progress")
        self.assertEqual(self._qty(self.chair), 8, "the count did not overwrite the move")
        with self.assertRaisesRegex(UserError, "lines to recount"):
            session.action_validate()
        chair_line.action_recount()
        self.assertRecordValues(
            chair_line, [{"theoretical_qty": 8, "is_counted": False, "needs_recount": False}]
        )
        chair_line.counted_qty = 8
        session.action_validate()
        self.assertEqual(session.state, "done")
        self.assertEqual(self._qty(self.chair), 8)

    def test_lots_and_found_goods(self):
        session = self._session()
        session.action_start()
        for line in session.line_ids:
            line.counted_qty = line.theoretical_qty
        self._line(session, self.serum, self.lot_2).counted_qty = 7
        lot_3 = self.env["stock.lot"].create({"name": "LOT-3", "product_id": self.serum.id})
        session.write(
            {
                "line_ids": [
                    Command.create(
                        {
                            "product_id": self.serum.id,
                            "lot_id": lot_3.id,
                            "location_id": self.shelf.id,
                            "counted_qty": 2,
                        }
                    )
                ]
            }
        )
        found = self._line(session, self.serum, lot_3)
        self.assertRecordValues(found, [{"theoretical_qty": 0, "difference_qty": 2}])
        session.action_validate()
        self.assertEqual(session.state, "done")
        self.assertEqual(self._qty(self.serum, lot=self.lot_1), 5)
        self.assertEqual(self._qty(self.serum, lot=self.lot_2), 7)
        self.assertEqual(self._qty(self.serum, lot=lot_3), 2)

    def test_blind_count(self):
        session = self._session(blind=True)
        session.action_start()
        line = self._line(session, self.chair)
        with self.assertRaisesRegex(UserError, "blind count"):
            line.action_set_counted_to_book()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("customer_order_management.report_count_sheet", session.ids)[0]
            .decode()
        )
        self.assertIn("Blind count", html)
        self.assertNotIn(">Book<", html)
        self.assertIn("Count Chair", html)
        # Not blind: the book quantity is printed.
        visible = self._session()
        visible.action_start()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("customer_order_management.report_count_sheet", visible.ids)[0]
            .decode()
        )
        self.assertIn(">Book<", html)
        self._line(visible, self.chair).action_set_counted_to_book()
        self.assertEqual(self._line(visible, self.chair).counted_qty, 10)

    def test_bad_inputs(self):
        session = self._session()
        session.action_start()
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self._line(session, self.chair).counted_qty = -1
        self.assertFalse(self._line(session, self.chair).is_counted)
        # Uncounted lines: clear error, nothing applied.
        self._line(session, self.chair).counted_qty = 1
        with self.assertRaises(UserError):
            session.action_validate()
        self.assertEqual(session.state, "in_progress")
        self.assertEqual(self._qty(self.chair), 10)
        # Zero is a count once confirmed.
        for line in session.line_ids:
            line.is_counted = True
        self.assertEqual(self._line(session, self.lamp).difference_qty, -50)

    def test_location_of_another_company_is_refused(self):
        other = self.company_b
        other_stock = self.warehouse_b.lot_stock_id
        count = self.env["stock.count.session"].search_count([])
        with self.assertRaises(UserError), self.cr.savepoint():
            self.env["stock.count.session"].create(
                {"location_id": other_stock.id, "company_id": self.company.id}
            )
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.env["stock.count.session"].create(
                {"location_id": self.env.ref("stock.stock_location_customers").id}
            )
        self.assertEqual(self.env["stock.count.session"].search_count([]), count)
        # The counter does not even see the other company's sessions.
        foreign = (
            self.env["stock.count.session"]
            .with_company(other)
            .create({"location_id": other_stock.id, "company_id": other.id})
        )
        self.assertFalse(
            self.env["stock.count.session"]
            .with_user(self.counter)
            .search([("id", "=", foreign.id)])
        )

    def test_permissions(self):
        with self.assertRaises(AccessError):
            self._session(user=self.salesman)
        session = self._session()
        with self.assertRaises(AccessError):
            session.with_user(self.counter).unlink()
        session.with_user(self.stock_manager).unlink()

    def test_concurrent_approval_loses_cleanly(self):
        """While another transaction holds the session, an approval fails at
        once with a clear error and applies nothing."""
        session = self.require_demo("demo_count_to_approve")
        self.assertEqual(session.state, "to_approve")
        with closing(sql_db.db_connect(self.cr.dbname).cursor()) as other_cr:
            other_cr.execute(
                "SELECT id FROM stock_count_session WHERE id = %s FOR UPDATE", [session.id]
            )
            with self.assertRaisesRegex(UserError, "Someone else is working on this count"):
                session.with_user(self.stock_manager).action_approve()
            other_cr.rollback()
        self.assertEqual(session.state, "to_approve")
        self.assertFalse(session.approved_by_id)

    def test_cancel_and_reset(self):
        session = self._session()
        session.action_start()
        session.action_cancel()
        self.assertEqual(session.state, "cancelled")
        session.action_reset_draft()
        self.assertRecordValues(session, [{"state": "draft", "line_count": 0}])
        with self.assertRaisesRegex(UserError, "cannot be validated"):
            session.action_validate()

    def test_discrepancy_xlsx(self):
        session = self._session()
        session.action_start()
        for line in session.line_ids:
            line.counted_qty = line.theoretical_qty
        self._line(session, self.lamp).write({"counted_qty": 45, "reason": "loss"})
        self._line(session, self.serum, self.lot_1).counted_qty = 6
        before = openpyxl.load_workbook(io.BytesIO(session._render_discrepancy_xlsx())).active
        self.assertIn(", book quantities of ", before["A2"].value)
        self.assertNotIn("applied", before["A2"].value)
        session.action_validate()
        action = session.action_export_discrepancies()
        self.assertIn(f"/count/{session.id}/", action["url"])
        book = openpyxl.load_workbook(io.BytesIO(session._render_discrepancy_xlsx()))
        sheet = book.active
        self.assertIn(" — applied ", sheet["A2"].value)
        self.assertEqual(sheet.freeze_panes, "A5")
        # Printed landscape, one page wide, the header row on every page.
        self.assertEqual(sheet.page_setup.orientation, "landscape")
        self.assertTrue(sheet.sheet_properties.pageSetUpPr.fitToPage)
        self.assertIn(sheet.page_setup.fitToWidth, (None, 1), "one page wide (1 is the default)")
        self.assertEqual(sheet.page_setup.fitToHeight, 0, "as many pages tall as needed")
        self.assertEqual(sheet.print_title_rows, "$4:$4")
        symbol = f'"{session.currency_id.symbol}"'
        money_format = sheet["K5"].number_format
        if session.currency_id.position == "before":
            self.assertTrue(money_format.startswith(symbol), money_format)
        else:
            self.assertTrue(money_format.endswith(symbol), money_format)
        self.assertEqual(sheet.auto_filter.ref, "A4:L6")
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5, max_row=6)]
        self.assertEqual([row[0] for row in rows], ["Count Lamp", "Count Serum"])
        self.assertEqual(rows[0][7], -5)
        self.assertEqual(rows[0][10], -50)
        self.assertEqual(rows[0][11], "Loss or theft")
        self.assertEqual(rows[1][10], 20)
        labels = {
            sheet.cell(row=r, column=10).value: sheet.cell(row=r, column=11).value
            for r in range(8, 11)
        }
        self.assertEqual(labels["Losses"], '=SUMIF(K5:K6,"<0")')
        self.assertEqual(labels["Net"], "=SUM(K5:K6)")


@tagged("post_install", "-at_install")
class TestCycleCountPlanning(StockCountCommon):
    def _set_class(self, product, abc_class):
        product.product_tmpl_id.with_company(self.company).abc_class = abc_class

    def test_plans_due_counts_once(self):
        self.company.write({"count_frequency_a": 30, "count_frequency_b": 90})
        self._set_class(self.chair, "a")
        self._set_class(self.lamp, "b")
        self._set_class(self.serum, "c")
        # Chair (A) and lamp (B) were counted 40 days ago; serum (C) never.
        done = self._session()
        done.action_start()
        for line in done.line_ids:
            line.counted_qty = line.theoretical_qty
        done.action_validate()
        self.assertEqual(done.state, "done")
        forty_days_ago = fields.Datetime.now() - timedelta(days=40)
        write_history(done.line_ids, {"count_date": forty_days_ago})
        self.env["stock.move.line"].search(
            [
                ("is_inventory", "=", True),
                ("product_id", "in", (self.chair | self.lamp | self.serum).ids),
            ]
        ).write({"date": forty_days_ago})
        self.env["stock.move.line"].search(
            [("is_inventory", "=", True), ("product_id", "=", self.serum.id)]
        ).write({"is_inventory": False})
        write_history(
            done.line_ids.filtered(lambda line: line.product_id == self.serum),
            {"count_date": False},
        )

        sessions = self.env["stock.count.session"]._plan_cycle_counts(self.company)
        planned = sessions.filtered(lambda s: s.location_id in (self.shelf | self.bin))
        self.assertEqual(planned.location_id, self.shelf, "the lamp (B) in Bin 1 is not due")
        self.assertEqual(planned.line_ids.product_id, self.chair | self.serum)
        self.assertRecordValues(planned, [{"state": "draft", "origin": "cycle"}])
        # Second run: nothing new anywhere.
        self.assertFalse(self.env["stock.count.session"]._plan_cycle_counts(self.company))
        # Counting them makes them not due any more.
        planned.action_start()
        self.assertEqual(planned.line_ids.product_id, self.chair | self.serum)
        for line in planned.line_ids:
            line.counted_qty = line.theoretical_qty
        planned.action_validate()
        self.assertEqual(planned.state, "done")
        again = self.env["stock.count.session"]._plan_cycle_counts(self.company)
        self.assertFalse(again.filtered(lambda s: s.location_id in (self.shelf | self.bin)))

    def test_cron_runs_twice(self):
        cron = self.env.ref("customer_order_management.ir_cron_plan_cycle_counts")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        with self._cron_progress_not_committed():
            cron.ir_actions_server_id.run()
            sessions = self.env["stock.count.session"].search([])
            shelf = sessions.filtered(lambda s: s.location_id == self.shelf)
            self.assertEqual(shelf.line_ids.product_id, self.chair | self.serum)
            cron.ir_actions_server_id.run()
            self.assertEqual(self.env["stock.count.session"].search([]), sessions)
