import ipaddress
import json
import socket
from urllib.parse import urlsplit

from odoo import api, fields, models

# Where each provider's API answers by default (editable per carrier: a
# sandbox, a regional endpoint, a newer API version).
PROVIDER_API_URLS = {
    "aftership": "https://api.aftership.com/tracking/2025-07",
    "easypost": "https://api.easypost.com",
    "track17": "https://api.17track.net",
    "kuaidi100": "https://poll.kuaidi100.com",
}
# AfterShip: "Tracking already exists" (meta.code), a registration done.
AFTERSHIP_ALREADY_EXISTS = 4003
# 17TRACK: "The tracking number is already registered" (rejected[].error.code).
TRACK17_ALREADY_REGISTERED = -18019901
# 快递100: 200 subscribed, 501 already subscribed (returnCode).
KUAIDI100_SUBSCRIBED = ("200", "501")
# The longest error kept on a subscription (a provider's message, shortened).
MAX_ERROR_LENGTH = 200
# System parameter: "True" lets registrations go to private hosts and plain
# HTTP (a provider's sandbox on the company network, the tests' local API).
# Only administrators set system parameters; without it the API key is sent to
# public https addresses only.
PRIVATE_HOSTS_PARAM = "customer_order_management.tracking_api_private_hosts"


class SubscriptionError(Exception):
    """A registration the provider did not accept; the message is short,
    plain text, and never holds the API key."""


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    tracking_api_url = fields.Char(
        string="Tracking API URL",
        compute="_compute_tracking_api_url",
        store=True,
        readonly=False,
        groups="stock.group_stock_manager",
        help="Base address of the tracking provider's API, where deliveries of this carrier "
        "are registered for tracking; set to the provider's default when the provider changes.",
    )
    tracking_api_key = fields.Char(
        string="Tracking API Key",
        copy=False,
        groups="stock.group_stock_manager",
        help="The key of your account with the tracking provider (AfterShip API key, EasyPost "
        "API key, 17TRACK security key, 快递100 authorization key), used to register deliveries.",
    )
    tracking_provider_carrier_code = fields.Char(
        string="Provider Carrier Code",
        groups="stock.group_stock_manager",
        help="How the provider names this carrier: AfterShip courier slug (e.g. ups), 17TRACK "
        "carrier number (e.g. 100003), 快递100 company code (e.g. shunfeng), EasyPost carrier "
        "(e.g. USPS). Empty: the provider detects the carrier from the tracking number "
        "(快递100 needs it).",
    )

    @api.depends("tracking_provider")
    def _compute_tracking_api_url(self):
        for carrier in self:
            carrier.tracking_api_url = PROVIDER_API_URLS.get(carrier.tracking_provider, False)

    # ------------------------------------------------------------------
    # Registration with the provider's API (called by the subscription queue)
    # ------------------------------------------------------------------

    def _tracking_subscription_request(self, picking):
        """Hook: the HTTP request registering ``picking``'s tracking
        reference with this carrier's provider, as keyword arguments of
        ``requests.request`` (method, url, headers, json or data, auth).
        Dispatched to ``_<provider>_subscription_request``; add a provider by
        adding that method and ``_<provider>_subscription_check``. Called by
        ``customer.order.tracking.subscription._process``."""
        self.ensure_one()
        carrier = self.sudo()  # the key is read by the queue only, never shown
        if not carrier.tracking_api_key:
            raise SubscriptionError(self.env._("No tracking API key on carrier %s.", self.name))
        if not carrier.tracking_api_url:
            raise SubscriptionError(self.env._("No tracking API URL on carrier %s.", self.name))
        method = getattr(carrier, f"_{carrier.tracking_provider}_subscription_request", None)
        if method is None:
            raise SubscriptionError(
                self.env._("Carrier %s has no tracking provider to register with.", self.name)
            )
        request = method(picking, carrier.tracking_api_url.rstrip("/"), carrier.tracking_api_key)
        self._check_tracking_api_address(request["url"])
        return request

    def _check_tracking_api_address(self, url):
        """Refuse to send a registration (and the API key) anywhere but a
        public https address: not this machine, the private network or a
        cloud's metadata address, which a stock manager could otherwise make
        the server call. Administrators allow private hosts with the system
        parameter ``PRIVATE_HOSTS_PARAM``."""
        if self.env["ir.config_parameter"].sudo().get_param(PRIVATE_HOSTS_PARAM):
            return
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise SubscriptionError(
                self.env._("The tracking API address of carrier %s must use https.", self.name)
            )
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, None)}
        except (OSError, UnicodeError) as error:
            raise SubscriptionError(
                self.env._(
                    "The tracking API address of carrier %s could not be resolved.", self.name
                )
            ) from error
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise SubscriptionError(
                    self.env._(
                        "The tracking API address of carrier %s is not a public address.",
                        self.name,
                    )
                )

    def _tracking_subscription_check(self, response):
        """Hook: raise ``SubscriptionError`` unless the provider's
        ``response`` accepted the registration (an already registered number
        counts as accepted). Dispatched like ``_tracking_subscription_request``."""
        self.ensure_one()
        return getattr(self, f"_{self.sudo().tracking_provider}_subscription_check")(response)

    def _aftership_subscription_request(self, picking, base, key):
        body = {"tracking_number": picking.carrier_tracking_ref}
        if self.tracking_provider_carrier_code:
            body["slug"] = self.tracking_provider_carrier_code
        if picking.origin:
            body["order_number"] = picking.origin
        return {
            "method": "POST",
            "url": f"{base}/trackings",
            "headers": {"as-api-key": key, "Content-Type": "application/json"},
            "json": body,
        }

    def _aftership_subscription_check(self, response):
        payload = _json_or_none(response)
        meta = (payload or {}).get("meta") or {}
        if response.status_code in (200, 201) or meta.get("code") == AFTERSHIP_ALREADY_EXISTS:
            return
        raise SubscriptionError(_http_error(response, meta.get("message")))

    def _easypost_subscription_request(self, picking, base, key):
        tracker = {"tracking_code": picking.carrier_tracking_ref}
        if self.tracking_provider_carrier_code:
            tracker["carrier"] = self.tracking_provider_carrier_code
        return {
            "method": "POST",
            "url": f"{base}/v2/trackers",
            "auth": (key, ""),
            "json": {"tracker": tracker},
        }

    def _easypost_subscription_check(self, response):
        # EasyPost returns the existing tracker for a number already tracked.
        if response.status_code in (200, 201):
            return
        error = ((_json_or_none(response) or {}).get("error") or {}).get("message")
        raise SubscriptionError(_http_error(response, error))

    def _track17_subscription_request(self, picking, base, key):
        item = {"number": picking.carrier_tracking_ref}
        code = self.tracking_provider_carrier_code
        if code:
            item["carrier"] = int(code) if code.isdigit() else code
        return {
            "method": "POST",
            "url": f"{base}/track/v2.2/register",
            "headers": {"17token": key, "Content-Type": "application/json"},
            "json": [item],
        }

    def _track17_subscription_check(self, response):
        payload = _json_or_none(response) or {}
        if response.status_code != 200 or payload.get("code") != 0:
            raise SubscriptionError(_http_error(response, payload.get("message")))
        data = payload.get("data") or {}
        if data.get("accepted"):
            return
        for rejected in data.get("rejected") or []:
            error = rejected.get("error") or {}
            if error.get("code") == TRACK17_ALREADY_REGISTERED:
                return
            raise SubscriptionError(
                _short(f"17TRACK rejected the number: {error.get('code')} {error.get('message')}")
            )
        raise SubscriptionError("17TRACK accepted nothing")

    def _kuaidi100_subscription_request(self, picking, base, key):
        if not self.tracking_provider_carrier_code:
            raise SubscriptionError(
                self.env._("快递100 needs the carrier's company code (Provider Carrier Code).")
            )
        parameters = {"callbackurl": self.tracking_webhook_url, "resultv2": "1"}
        if self.tracking_webhook_secret:
            parameters["salt"] = self.tracking_webhook_secret
        param = {
            "company": self.tracking_provider_carrier_code,
            "number": picking.carrier_tracking_ref,
            "key": key,
            "parameters": parameters,
        }
        return {
            "method": "POST",
            "url": f"{base}/poll",
            "data": {"schema": "json", "param": json.dumps(param, ensure_ascii=False)},
        }

    def _kuaidi100_subscription_check(self, response):
        payload = _json_or_none(response) or {}
        if response.status_code == 200 and str(payload.get("returnCode")) in KUAIDI100_SUBSCRIBED:
            return
        raise SubscriptionError(
            _http_error(response, f"{payload.get('returnCode')} {payload.get('message')}")
        )


def _json_or_none(response):
    """The response's JSON object, or None (not JSON, or not an object)."""
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _short(text):
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"


def _http_error(response, message):
    return _short(f"HTTP {response.status_code}: {message or response.reason or ''}")
