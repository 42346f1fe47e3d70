from odoo.tests import HttpCase, new_test_user, tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestOrderReviewTour(HttpCase):
    def test_review_tour(self):
        """A reviewer opens the order waiting for review, approves and confirms it."""
        self.env["sale.order.review.rule"].search([]).action_archive()
        self.env["sale.order.review.rule"].create(
            {"name": "Large order", "check_type": "amount_above", "threshold": 1000}
        )
        reviewer = new_test_user(
            self.env,
            login="tour_reviewer",
            password="tour_reviewer",
            groups="customer_order_management.group_order_reviewer",
        )
        customer = self.env["res.partner"].create({"name": "Tour Customer"})
        product = self.env["product.product"].create({"name": "Tour Desk", "list_price": 2000})
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        order.action_submit_review()
        self.assertEqual(order.review_state, "to_review")
        self.start_tour(
            "/odoo/action-customer_order_management.action_order_desk_to_review",
            "customer_order_management_review_tour",
            login="tour_reviewer",
        )
        self.assertRecordValues(order, [{"state": "sale", "review_state": "approved"}])
        self.assertEqual(order.review_issue_ids.decided_by_id, reviewer)


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    def test_dashboard_tour(self):
        """A manager opens the overview and drills into the analysis."""
        company = self.env.ref("base.main_company")
        new_test_user(
            self.env,
            login="tour_manager",
            password="tour_manager",
            groups="customer_order_management.group_order_manager",
            company_id=company.id,
        )
        self.env["sale.order.review.rule"].search([]).action_archive()
        # Only the tour's order in the period: older orders move out of it.
        self.env["sale.order"].search([("state", "=", "sale")]).write(
            {"date_order": "2000-01-01 00:00:00"}
        )
        customer = self.env["res.partner"].create({"name": "Dashboard Customer"})
        product = self.env["product.product"].create(
            {"name": "Dashboard Desk", "list_price": 1234, "taxes_id": [(5, 0, 0)]}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "company_id": company.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        self.start_tour(
            "/odoo/action-customer_order_management.action_order_dashboard",
            "customer_order_management_dashboard_tour",
            login="tour_manager",
        )


@tagged("post_install", "-at_install")
class TestViews(CustomerOrderCommon):
    def test_order_desk_views_render(self):
        for xmlid in (
            "action_order_desk",
            "action_order_desk_to_review",
            "action_sale_order_review_rule",
            "action_sale_order_review_issue",
            "action_customer_return",
            "action_customer_return_line_analysis",
            "action_customer_return_reason",
            "action_customer_order_analysis",
        ):
            action = self.env.ref(f"customer_order_management.{xmlid}")
            model = self.env[action.res_model].with_user(self.manager)
            for view_id, view_type in action.views:
                with self.subTest(action=xmlid, view=view_type):
                    model.get_views([(view_id, view_type)])

    def test_inventory_views_render(self):
        stock_user = new_test_user(
            self.env, login="com_views_stock", groups="stock.group_stock_user"
        )
        for xmlid, model in (
            ("customer_order_management.action_stock_count_session", "stock.count.session"),
            (
                "customer_order_management.action_stock_replenishment_planner",
                "stock.replenishment.planner",
            ),
            ("stock.product_template_action_product", "product.template"),
        ):
            action = self.env.ref(xmlid)
            views = [(view_id, view_type) for view_id, view_type in action.views] or [
                (False, "form")
            ]
            with self.subTest(action=xmlid):
                self.env[model].with_user(stock_user).get_views([*views, (False, "search")])


@tagged("post_install", "-at_install")
class TestStockCountTour(HttpCase):
    def test_counter_enters_a_blind_count(self):
        """A counter opens their count, enters a quantity blind and validates."""
        self.env.company.write({"count_approval_value": 500.0, "count_approval_percent": 0.0})
        counter = new_test_user(
            self.env,
            login="tour_counter",
            password="tour_counter",
            groups="stock.group_stock_user",
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        shelf = self.env["stock.location"].create(
            {"name": "Tour Shelf", "location_id": warehouse.lot_stock_id.id}
        )
        chair = self.env["product.product"].create(
            {"name": "Tour Chair", "is_storable": True, "standard_price": 50.0}
        )
        self.env["stock.quant"]._update_available_quantity(chair, shelf, 10)
        session = self.env["stock.count.session"].create(
            {"location_id": shelf.id, "user_id": counter.id, "blind": True}
        )
        session.action_start()
        self.env["stock.count.session"].search(
            [("id", "!=", session.id), ("state", "in", ("draft", "in_progress", "to_approve"))]
        ).action_cancel()
        self.start_tour(
            "/odoo/action-customer_order_management.action_stock_count_session",
            "customer_order_management_stock_count_tour",
            login="tour_counter",
        )
        self.assertRecordValues(session.line_ids, [{"counted_qty": 9, "difference_qty": -1}])
        self.assertEqual(session.state, "done")
        quant = self.env["stock.quant"].search(
            [("product_id", "=", chair.id), ("location_id", "=", shelf.id)]
        )
        self.assertEqual(quant.quantity, 9)
        # The discrepancy workbook downloads with the counter's session.
        response = self.url_open(
            f"/customer_order_management/count/{session.id}/discrepancies.xlsx"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content[:2], b"PK")
        self.assertIn("Count%20discrepancies", response.headers["Content-Disposition"])
        response = self.url_open("/customer_order_management/count/999999/discrepancies.xlsx")
        self.assertEqual(response.status_code, 404)
