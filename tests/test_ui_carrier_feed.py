from odoo.tests import HttpCase, tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestCarrierFeedTour(CustomerOrderCommon, HttpCase):
    def test_manager_configures_a_carrier_feed(self):
        """A stock manager switches a carrier to 快递100 pushes, reads what to
        paste where, and enters the salt."""
        carrier = self._create_carrier("Tour Express")
        self.start_tour(
            f"/odoo/action-delivery.action_delivery_carrier_form/{carrier.id}",
            "customer_order_management_carrier_feed_tour",
            login=self.stock_manager.login,
        )
        self.assertRecordValues(
            carrier,
            [{"tracking_provider": "kuaidi100", "tracking_webhook_secret": "tour-salt-42"}],
        )
