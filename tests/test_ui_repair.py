from odoo.tests import HttpCase, tagged

from .test_return_repair import ReturnRepairCommon


@tagged("post_install", "-at_install")
class TestPortalRepairTour(ReturnRepairCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls._portal_user("com_portal", cls.customer)

    def test_customer_requests_repair_and_accepts_quotation(self):
        order = self._order(qty=2, delivered_days_ago=400)
        self.start_tour(
            f"/my/orders/{order.id}",
            "customer_order_management_portal_repair_request_tour",
            login=self.portal_user.login,
        )
        ret = self.env["customer.return"].search([("order_id", "=", order.id)])
        self.assertRecordValues(ret, [{"state": "submitted", "origin": "portal"}])
        self.assertRecordValues(ret.line_ids, [{"resolution": "repair", "quantity": 1}])
        ret.with_user(self.manager).action_approve()
        ret.with_user(self.stock_user).action_receive()
        repair = ret.repair_ids
        self.assertFalse(repair.under_warranty)
        self._add_part(repair)
        repair.with_user(self.repairer).action_send_return_quotation()
        self.start_tour(
            f"/my/returns/{ret.id}",
            "customer_order_management_portal_repair_quotation_tour",
            login=self.portal_user.login,
        )
        self.assertEqual(repair.sale_order_id.state, "sale")
        self.assertTrue(repair.sale_order_id.signature)
        repair.with_user(self.stock_user).action_repair_start()
        self.assertEqual(repair.state, "under_repair")
