from odoo.tests import HttpCase, tagged

from .intake_files import XLSX, xlsx_order
from .test_document_intake import DocumentIntakeCommon


@tagged("post_install", "-at_install")
class TestIntakeFixTour(DocumentIntakeCommon, HttpCase):
    def test_intake_fix_tour(self):
        """A salesperson maps the row of an e-mailed order form that matched
        no product: the row becomes an order line, the customer's code is
        remembered and the order is settled."""
        order = self._receive(
            attachments=[
                ("po.xlsx", xlsx_order([("A-100", "Lamp", 1, 1), ("ZZ-77", "Gadget", 4, 9)]), XLSX)
            ]
        )
        order.user_id = self.salesman
        self.assertEqual(order.intake_state, "needs_attention")
        self.start_tour(
            f"/odoo/sale.order/{order.id}",
            "customer_order_management_intake_fix_tour",
            login=self.salesman.login,
        )
        self.assertEqual(order.intake_state, "parsed")
        self.assertEqual(self._product_lines(order), [(self.lamp, 1), (self.chair, 4)])
        self.assertTrue(
            self.env["product.customer.code"].search(
                [("partner_id", "=", self.customer.id), ("code", "=", "ZZ-77")]
            )
        )
