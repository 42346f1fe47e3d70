from odoo.http import Request
from odoo.tests import HttpCase, tagged

from .common import CustomerOrderPortalCommon


@tagged("post_install", "-at_install")
class TestReturnPortal(CustomerOrderPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.return_window_days = 30
        cls._set_stock(cls.storable, 100)
        cls.order = cls._delivered_order(qty=5)
        cls.other_order = cls._delivered_order(qty=5, partner_id=cls.other_customer.id)

    def _returns(self, order=None):
        return self.env["customer.return"].search([("order_id", "=", (order or self.order).id)])

    def _login(self, user=None):
        user = user or self.portal_user
        self.authenticate(user.login, user.login)

    def _post_return(self, order, line, qty, **extra):
        self._login()
        data = {
            "csrf_token": Request.csrf_token(self),
            f"qty_{line.id}": qty,
            "reason_id": self.reason.id,
            "resolution": "refund",
            **extra,
        }
        return self.url_open(f"/my/orders/{order.id}/return", data=data)

    def test_request_and_follow(self):
        self._login()
        page = self.url_open(f"/my/orders/{self.order.id}").text
        self.assertIn("Request a Return", page)
        form = self.url_open(f"/my/orders/{self.order.id}/return")
        self.assertEqual(form.status_code, 200)
        self.assertIn(self.storable.name, form.text)
        self.assertIn("Damaged on arrival", form.text)

        response = self._post_return(self.order, self.order.order_line, "2", note="Broken")
        ret = self._returns()
        self.assertEqual(len(ret), 1)
        self.assertRecordValues(
            ret,
            [
                {
                    "state": "submitted",
                    "origin": "portal",
                    "partner_id": self.customer.id,
                    "note": "Broken",
                }
            ],
        )
        self.assertEqual(ret.line_ids.quantity, 2)
        self.assertIn(f"/my/returns/{ret.id}", response.url)
        self.assertIn(ret.name, response.text)
        self.assertIn(f"{ret.name}", self.url_open("/my/returns").text)
        self.assertIn("Your Returns", self.url_open("/my/home").text)

        ret.with_user(self.reviewer).action_approve()
        pdf = self.url_open(f"/my/returns/{ret.id}?report_type=pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")

    def test_quantity_checked_on_server(self):
        for qty in ("6", "-1", "abc", "0"):
            with self.subTest(qty=qty):
                response = self._post_return(self.order, self.order.order_line, qty)
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_com_return_error", response.text)
        self.assertFalse(self._returns())

    def test_other_customers_order_refused(self):
        response = self._post_return(self.other_order, self.other_order.order_line, "1")
        self.assertFalse(response.url.endswith("/return"))
        self.assertFalse(self._returns(self.other_order))
        self._login()
        page = self.url_open(f"/my/orders/{self.other_order.id}/return")
        self.assertNotIn(self.other_customer.name, page.text)

    def test_forged_line_of_another_order(self):
        response = self._post_return(self.order, self.other_order.order_line, "1")
        self.assertIn("not part of order", response.text)
        self.assertFalse(self._returns())
        self.assertFalse(self._returns(self.other_order))

    def test_forged_reason_and_resolution(self):
        response = self._post_return(self.order, self.order.order_line, "1", reason_id="999999")
        self.assertIn("reason", response.text)
        response = self._post_return(self.order, self.order.order_line, "1", resolution="cash")
        self.assertIn("refund or an exchange", response.text)
        self.assertFalse(self._returns())

    def test_outside_window_refused(self):
        self._shipped_days_ago(self.order.picking_ids, 40)
        self._login()
        self.assertNotIn("Request a Return", self.url_open(f"/my/orders/{self.order.id}").text)
        response = self._post_return(self.order, self.order.order_line, "1")
        self.assertIn("return window", response.text)
        self.assertFalse(self._returns())

    def test_return_isolation(self):
        ret = self._create_return(self.other_order, qty=1)
        self._login()
        response = self.url_open(f"/my/returns/{ret.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertNotIn(ret.name, self.url_open("/my/returns").text)
        pdf = self.url_open(f"/my/returns/{ret.id}?report_type=pdf", allow_redirects=False)
        self.assertNotEqual(pdf.headers.get("Content-Type"), "application/pdf")
        self._login(self.other_portal_user)
        self.assertEqual(self.url_open(f"/my/returns/{ret.id}").status_code, 200)

    def test_tour_customer_requests_reviewer_approves(self):
        self.start_tour(
            f"/my/orders/{self.order.id}",
            "customer_order_management_portal_return_tour",
            login=self.portal_user.login,
        )
        ret = self._returns()
        self.assertRecordValues(ret, [{"state": "submitted", "origin": "portal"}])
        self.assertEqual(ret.line_ids.resolution, "exchange")
        self.assertEqual(ret.line_ids.quantity, 2)
        self.start_tour(
            "/odoo/action-customer_order_management.action_customer_return",
            "customer_order_management_return_review_tour",
            login=self.reviewer.login,
        )
        self.assertEqual(ret.state, "approved")
        self.assertEqual(ret.return_picking_id.state, "assigned")
