from odoo.tests import HttpCase, tagged

from .common import CustomerOrderPortalCommon


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
