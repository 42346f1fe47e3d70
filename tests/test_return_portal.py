from urllib.parse import parse_qs, urlparse

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

    def _post_return(self, order, line, qty, login=True, **extra):
        if login:
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

    def test_no_quantity_asks_for_one(self):
        """A form sent without any quantity asks for one (it used to say the
        products were not part of the order)."""
        response = self._post_return(self.order, self.order.order_line, "")
        self.assertIn("o_com_return_error", response.text)
        self.assertIn("Enter the quantity to return of at least one product.", response.text)
        self.assertNotIn("not part of order", response.text)
        self.assertFalse(self._returns())

    def test_acknowledgement_from_the_company(self):
        """ "We have received your return request" is said by the company (the
        return's responsible), to the customer, once; not by the customer."""
        self.order.user_id = self.salesman
        self._post_return(self.order, self.order.order_line, "1")
        ret = self._returns()
        self.assertEqual(len(ret), 1)
        acks = self._messages_with(ret, "We have received your return request")
        self.assertEqual(len(acks), 1)
        self.assertEqual(acks.author_id, self.salesman.partner_id)
        self.assertNotEqual(acks.author_id, self.customer)
        self.assertEqual(acks.partner_ids, self.customer)
        self.assertEqual(acks.message_type, "comment")
        to_customer = acks.notification_ids.filtered(lambda n: n.res_partner_id == self.customer)
        self.assertEqual(to_customer.mapped("notification_type"), ["email"])
        # The customer says nothing: no message of theirs is shown to them.
        self.assertFalse(
            ret.message_ids.filtered(
                lambda m: m.author_id == self.customer and m.message_type == "comment"
            )
        )

    def test_acknowledgement_without_responsible(self):
        """Without a responsible, the company itself says it."""
        order = self._delivered_order(qty=2, user_id=False)
        self._post_return(order, order.order_line, "1")
        ret = self._returns(order)
        self.assertFalse(ret.user_id)
        acks = self._messages_with(ret, "We have received your return request")
        self.assertEqual(len(acks), 1)
        self.assertEqual(acks.author_id, self.env.company.partner_id)
        self.assertEqual(acks.partner_ids, self.customer)

    def test_token_visitor_requests_return(self):
        """A visitor who follows the order's e-mail link (its access token,
        no login) requests a return of that order, in the customer's name,
        under the same checks, and follows it."""
        self.order.user_id = self.salesman
        self.authenticate(None, None)
        token = self.order._portal_ensure_token()
        page = self.url_open(self.order.get_portal_url()).text
        self.assertIn(f"/my/orders/{self.order.id}/return?access_token={token}", page)
        form = self.url_open(f"/my/orders/{self.order.id}/return?access_token={token}")
        self.assertEqual(form.status_code, 200)
        self.assertIn("o_com_return_form", form.text)
        self.assertIn(f'name="access_token" value="{token}"', form.text)

        too_many = self._post_return(
            self.order, self.order.order_line, "6", login=False, access_token=token
        )
        self.assertIn("o_com_return_error", too_many.text)
        self.assertFalse(self._returns())

        response = self._post_return(
            self.order, self.order.order_line, "2", login=False, access_token=token
        )
        ret = self._returns()
        self.assertRecordValues(
            ret, [{"state": "submitted", "origin": "portal", "partner_id": self.customer.id}]
        )
        self.assertEqual(ret.line_ids.quantity, 2)
        # Nothing is said by an anonymous "Public user" in the return's history.
        self.assertNotIn(self.env.ref("base.public_partner"), ret.message_ids.author_id)
        acks = self._messages_with(ret, "We have received your return request")
        self.assertEqual(acks.author_id, self.salesman.partner_id)
        self.assertIn(self.customer, acks.notification_ids.res_partner_id)
        # The visitor lands on the return's page (its own token) and sees it.
        self.assertEqual(response.status_code, 200)
        self.assertEqual(urlparse(response.url).path, f"/my/returns/{ret.id}")
        self.assertEqual(parse_qs(urlparse(response.url).query)["access_token"], [ret.access_token])
        self.assertIn(ret.name, response.text)
        # No link leads a visitor without an account to a login page.
        self.assertNotIn('href="/my/returns"', response.text)
        self.assertIn(ret.get_portal_url(), self.url_open(self.order.get_portal_url()).text)

    def test_wrong_token_gets_nothing(self):
        self.authenticate(None, None)
        self.order._portal_ensure_token()
        for token in ("", "not-the-token", self.other_order._portal_ensure_token()):
            with self.subTest(token=token):
                url = f"/my/orders/{self.order.id}/return?access_token={token}"
                page = self.url_open(url, allow_redirects=False)
                self.assertIn(page.status_code, (302, 303, 403))
                self.assertNotIn("o_com_return_form", page.text)
                response = self._post_return(
                    self.order, self.order.order_line, "1", login=False, access_token=token
                )
                self.assertNotIn("/my/returns/", response.url)
        self.assertFalse(self._returns())
        self.assertFalse(self._returns(self.other_order))

    def test_staff_without_return_rights_cannot_request_for_the_customer(self):
        """A warehouse user reads every order (Odoo's sale_stock) but may not
        create returns: the customers' route does not create one for them
        in the customer's name."""
        self._login(self.stock_user)
        self.assertFalse(
            self.env["customer.return"].with_user(self.stock_user).has_access("create")
        )
        response = self._post_return(self.order, self.order.order_line, "1", login=False)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._returns())

    def test_forged_reason_and_resolution(self):
        response = self._post_return(self.order, self.order.order_line, "1", reason_id="999999")
        self.assertIn("reason", response.text)
        response = self._post_return(self.order, self.order.order_line, "1", resolution="cash")
        self.assertIn("an exchange or a repair", response.text)
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

    def test_progress_labels_are_translatable(self):
        """The steps of a return's progress are terms of the page: a
        translation of them shows (they were Python strings of the
        template, out of reach of translators)."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("customer_order_management.portal_my_return").update_field_translations(
            "arch_db",
            {
                "zh_CN": {
                    "Requested": "已申请",
                    "Goods received": "已收到货物",
                    "Refunded or replaced": "已退款或换货",
                }
            },
        )
        ret = self._create_return(self.order, qty=1)
        ret.action_submit()
        self.customer.lang = "zh_CN"
        self._login()
        page = self.url_open(f"/my/returns/{ret.id}").text
        for label in ("已申请", "已收到货物", "已退款或换货"):
            self.assertIn(label, page)
        self.assertNotIn("Goods received", page)
