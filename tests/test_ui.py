from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .common import CustomerOrderCommon, StockCountCommon


@tagged("post_install", "-at_install")
class TestOrderReviewTour(CustomerOrderCommon, HttpCase):
    def test_review_tour(self):
        """A reviewer opens the order waiting for review, approves and confirms it."""
        self._create_rule("amount_above", name="Large order", threshold=1000)
        order = self._create_order(qty=20)  # 2,000
        order.action_submit_review()
        self.assertEqual(order.review_state, "to_review")
        self.start_tour(
            "/odoo/action-customer_order_management.action_order_desk_to_review",
            "customer_order_management_review_tour",
            login=self.reviewer.login,
        )
        self.assertRecordValues(order, [{"state": "sale", "review_state": "approved"}])
        self.assertEqual(order.review_issue_ids.decided_by_id, self.reviewer)


@tagged("post_install", "-at_install")
class TestOrderDeskTour(CustomerOrderCommon, HttpCase):
    def test_order_desk_tour(self):
        """The Order Desk kanban shows approved quotations in their column
        and counts open issues in words."""
        self._create_rule("amount_above", name="Large order", threshold=1000)
        self._create_rule("amount_above", name="Very large order", threshold=1500)
        for name, qty in (
            ("Order Desk Approved", 1),
            ("Order Desk One Issue", 12),
            ("Order Desk Two Issues", 20),
        ):
            partner = self.env["res.partner"].create({"name": name})
            order = self._create_order(qty=qty, partner_id=partner.id, user_id=self.manager.id)
            order.action_submit_review()
        self.start_tour(
            "/odoo/action-customer_order_management.action_order_desk",
            "customer_order_management_order_desk_tour",
            login=self.manager.login,
        )


@tagged("post_install", "-at_install")
class TestDashboardTour(CustomerOrderCommon, HttpCase):
    def test_dashboard_tour(self):
        """A manager opens the overview and drills into the analysis."""
        # Only the tour's order in the period: older orders move out of it.
        self.env["sale.order"].search([("state", "=", "sale")]).write(
            {"date_order": "2000-01-01 00:00:00"}
        )
        self._create_order(qty=1, price=1234).action_confirm()
        self.start_tour(
            "/odoo/action-customer_order_management.action_order_dashboard",
            "customer_order_management_dashboard_tour",
            login=self.manager.login,
        )


@tagged("post_install", "-at_install")
class TestStockCountTour(StockCountCommon, HttpCase):
    def test_counter_enters_a_blind_count(self):
        """A counter opens their count, enters a quantity blind and validates."""
        session = self._session(
            blind=True,
            line_ids=[Command.create({"product_id": self.chair.id, "location_id": self.shelf.id})],
        )
        session.action_start()
        self.assertEqual(session.user_id, self.counter)
        self.env["stock.count.session"].search(
            [("id", "!=", session.id), ("state", "in", ("draft", "in_progress", "to_approve"))]
        ).action_cancel()
        self.start_tour(
            "/odoo/action-customer_order_management.action_stock_count_session",
            "customer_order_management_stock_count_tour",
            login=self.counter.login,
        )
        self.assertRecordValues(session.line_ids, [{"counted_qty": 9, "difference_qty": -1}])
        self.assertEqual(session.state, "done")
        self.assertEqual(self._qty(self.chair), 9)
        # The discrepancy workbook downloads with the counter's session.
        response = self.url_open(
            f"/customer_order_management/count/{session.id}/discrepancies.xlsx"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content[:2], b"PK")
        self.assertIn("Count%20discrepancies", response.headers["Content-Disposition"])
        response = self.url_open("/customer_order_management/count/999999/discrepancies.xlsx")
        self.assertEqual(response.status_code, 404)
