from datetime import datetime, timedelta

import pytz

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import CustomerOrderPortalCommon, write_history


@tagged("post_install", "-at_install")
class TestPortalTimeline(CustomerOrderPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 100)
        cls.carrier = cls._create_carrier(
            "Portal Freight", "https://track.example.com/?ref=<shipmenttrackingnumber>"
        )
        cls.order = cls._shipped_order(cls.customer, "PT-1")
        cls.other_order = cls._shipped_order(cls.other_customer, "SECRET-REF-9")
        cls.env["stock.picking.tracking.event"].create(
            {
                "picking_id": cls.order.picking_ids.id,
                "status": "in_transit",
                "location": "Rotterdam hub",
            }
        )

    @classmethod
    def _shipped_order(cls, partner, ref):
        order = cls._create_order(qty=2, partner_id=partner.id)
        order.action_confirm()
        order.picking_ids.write({"carrier_id": cls.carrier.id, "carrier_tracking_ref": ref})
        cls._deliver(order)
        return order

    def test_owner_sees_timeline(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self.url_open(f"/my/orders/{self.order.id}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        for expected in (
            "Order Progress",
            "Received",
            "Confirmed",
            self.order.picking_ids.name,
            "Portal Freight",
            "PT-1",
            "track.example.com/?ref=PT-1",
            "Rotterdam hub",
        ):
            self.assertIn(expected, page)
        self.assertNotIn("SECRET-REF-9", page)

    def test_unmapped_provider_status_is_shown(self):
        """A provider's status that maps to none of ours (one it added
        later) is shown as the provider said it, not as an empty line."""
        self.env["stock.picking.tracking.event"].create(
            {
                "picking_id": self.order.picking_ids.id,
                "provider_status": "HeldByCustoms_Inspection",
                "source": "carrier",
            }
        )
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(f"/my/orders/{self.order.id}").text
        events = page.split("o_com_tracking_events", 1)[1].split("</ul>", 1)[0]
        self.assertIn("HeldByCustoms_Inspection", events)
        self.assertNotIn('<strong class="ms-1"></strong>', events)

    def test_other_customer_cannot_reach_order(self):
        self.authenticate(self.other_portal_user.login, self.other_portal_user.login)
        response = self.url_open(f"/my/orders/{self.order.id}", allow_redirects=False)
        self.assertIn(response.status_code, (303, 302, 403, 404))
        self.assertNotIn("PT-1", response.text)
        self.assertNotIn("Rotterdam hub", response.text)

    def test_access_token_link(self):
        url = self.order.get_portal_url()
        self.assertIn("access_token", url)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Rotterdam hub", response.text)

    def test_tour_customer_follows_shipment(self):
        self.start_tour(
            f"/my/orders/{self.order.id}",
            "customer_order_management_portal_tracking_tour",
            login=self.portal_user.login,
        )


@tagged("post_install", "-at_install")
class TestPortalOrderPage(CustomerOrderPortalCommon, HttpCase):
    """The order page shows each delivery's status once (the addon's
    shipment status, not Odoo's "Shipped" beside it) and one list of
    returns (the customer's returns, not also the return receipts)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.return_window_days = 30
        cls._set_stock(cls.storable, 100)
        cls.order = cls._delivered_order(qty=5)
        cls.delivery = cls.order.picking_ids
        cls.env["stock.picking.tracking.event"].create(
            {"picking_id": cls.delivery.id, "status": "delivered", "location": "Front door"}
        )

    def _page(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        return self.url_open(f"/my/orders/{self.order.id}").text

    def test_one_status_per_delivery(self):
        self.assertEqual(self.delivery.shipment_state, "delivered")
        page = self._page()
        details = page.split('name="delivery_details"', 1)[1].split('class="small', 1)[0]
        self.assertIn(self.delivery.name, details)
        self.assertIn("Delivered", details)
        self.assertNotIn("Shipped", details)
        self.assertEqual(details.count("badge"), 1)
        timeline = page.split('id="order_timeline"', 1)[1].split("</section>", 1)[0]
        badge = timeline.split(f"<strong>{self.delivery.name}</strong>", 1)[1].split("</span>")[0]
        self.assertIn("Delivered", badge)

    def test_order_list_shows_the_orders_stage(self):
        """The order list's status is the order page's: a delivered order
        with an approved return (its receipt open) stays Delivered, not
        Odoo's "Partially Delivered"."""
        self.assertEqual(self.order.lifecycle_stage, "delivered")
        ret = self._create_return(self.order, qty=1)
        ret.action_submit()
        ret.with_user(self.reviewer).action_approve()
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open("/my/orders").text
        self.assertIn(self.order.name, page)
        row = page.split(f">{self.order.name}<", 1)[1].split("</tr>", 1)[0]
        status = row.split('name="order_delivery_status"', 1)[1].split("</td>", 1)[0]
        self.assertIn("Delivered", status)
        self.assertNotIn("Partially", status)

    def test_one_list_of_returns(self):
        ret = self._create_return(self.order, qty=1)
        ret.action_submit()
        ret.with_user(self.reviewer).action_approve()
        self.assertTrue(ret.return_picking_id)
        page = self._page()
        self.assertEqual(page.count(f">{ret.name}<"), 1)
        self.assertNotIn(ret.return_picking_id.name, page)
        self.assertEqual(page.count(">Returns<"), 1)
        self.assertIn("Request a Return", page)


@tagged("post_install", "-at_install")
class TestCustomerTimes(CustomerOrderPortalCommon, HttpCase):
    """Times shown to a customer are in the customer's timezone (else the
    company's), without seconds, the same in the e-mail and on the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 100)
        cls.env.company.partner_id.tz = "America/New_York"
        cls.template = cls.env.ref("customer_order_management.mail_template_shipment_delivered")

    def _delivered_at(self, moment):
        order = self._delivered_order(qty=1)
        self.env["stock.picking.tracking.event"].create(
            {
                "picking_id": order.picking_ids.id,
                "status": "delivered",
                "event_date": moment,
                "location": "Front door",
            }
        )
        self.assertEqual(order.picking_ids.delivered_date, moment)
        return order

    def _shown_times(self, order):
        picking = order.picking_ids
        mail = self.template._render_field("body_html", picking.ids, compute_lang=True)[picking.id]
        self.authenticate(None, None)
        page = self.url_open(order.get_portal_url()).text
        timeline = page.split('id="order_timeline"', 1)[1].split("</section>", 1)[0]
        return str(mail), timeline

    @staticmethod
    def _moment():
        """A moment with seconds, after the shipment's own first event (the
        latest event says where the goods are)."""
        return (fields.Datetime.now() + timedelta(minutes=2)).replace(second=15, microsecond=0)

    def _assert_shown(self, order, tz):
        moment = order.picking_ids.delivered_date
        expected = pytz.utc.localize(moment).astimezone(pytz.timezone(tz))
        expected = expected.strftime("%m/%d/%Y %I:%M %p")
        mail, portal = self._shown_times(order)
        self.assertIn(expected, mail)
        self.assertIn(expected, portal)
        for text in (mail, portal):
            self.assertNotRegex(text, r"\d:\d\d:\d\d")

    def test_customer_timezone(self):
        self.customer.tz = "Asia/Shanghai"
        order = self._delivered_at(self._moment())
        self._assert_shown(order, "Asia/Shanghai")

    def test_company_timezone_without_customer_timezone(self):
        self.customer.tz = False
        order = self._delivered_at(self._moment())
        self._assert_shown(order, "America/New_York")

    def test_company_working_hours_timezone(self):
        """Neither the customer nor the company address has a timezone: the
        company's working hours give it."""
        self.customer.tz = False
        self.env.company.partner_id.tz = False
        self.env.company.resource_calendar_id.tz = "Asia/Tokyo"
        self.assertEqual(self.customer._get_customer_tz(self.env.company), "Asia/Tokyo")
        self.customer.tz = "Europe/Paris"
        self.assertEqual(self.customer._get_customer_tz(self.env.company), "Europe/Paris")

    def test_unknown_stored_timezone_falls_back(self):
        """A contact whose stored timezone this server does not know (a zone
        dropped from tzdata, old data) is shown times in the company's: the
        e-mail and the portal page still render."""
        order = self._delivered_at(self._moment())
        self.env.cr.execute(
            "UPDATE res_partner SET tz = 'Mars/Olympus' WHERE id = %s", [self.customer.id]
        )
        self.customer.invalidate_recordset(["tz"])
        self.assertEqual(self.customer._get_customer_tz(self.env.company), "America/New_York")
        self._assert_shown(order, "America/New_York")

    def test_return_authorization_dates(self):
        """The return authorization dates the request in the customer's
        timezone: late evening in UTC is the next day in Shanghai."""
        self.customer.tz = "Asia/Shanghai"
        order = self._delivered_order(qty=1)
        ret = self._create_return(order, qty=1)
        write_history(ret, {"request_date": datetime(2026, 5, 5, 20, 0, 0)})
        Report = self.env["ir.actions.report"]
        report = "customer_order_management.action_report_customer_return"
        html = Report._render_qweb_html(report, ret.ids)[0].decode()
        self.assertIn("05/06/2026", html)
        self.assertNotIn("05/05/2026", html)
