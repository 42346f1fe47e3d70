import json
import logging

from odoo import http
from odoo.http import request

from ..models.delivery_carrier import TrackingWebhookError
from ..tools import tracking_providers

_logger = logging.getLogger(__name__)

# A tracking event is a few hundred bytes; refuse anything much larger.
MAX_BODY_BYTES = 16 * 1024


class TrackingWebhookController(http.Controller):
    @http.route(
        "/customer_order_management/tracking/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def tracking_webhook(self, token, **_kwargs):
        """Carrier webhook. A ``generic`` carrier posts one event per call as
        our JSON object; a tracking provider posts its own payload, signed
        (see :mod:`..tools.tracking_providers`).

        Generic: 403 bad token, 404 unknown tracking reference, 400 malformed
        body or unknown status, 200 otherwise (also for a repeated
        ``event_id``)."""
        # sudo: the caller is authenticated by the carrier's secret token,
        # not by an Odoo user; the carrier record scopes what it may touch.
        carrier = request.env["delivery.carrier"].sudo()._find_by_tracking_token(token)
        if not carrier:
            return self._reply(403, {"error": "invalid token"})
        provider = tracking_providers.get_provider(carrier.tracking_provider)
        if provider:
            return self._provider_push(carrier, provider)
        length = request.httprequest.content_length
        if length is None or length > MAX_BODY_BYTES:
            error = f"body missing or larger than {MAX_BODY_BYTES} bytes"
            return self._reply(400, {"error": error})
        # Cached: a request retried after a serialization failure reads the
        # same body again.
        raw = request.httprequest.get_data()
        if len(raw) > MAX_BODY_BYTES:
            return self._reply(400, {"error": f"body larger than {MAX_BODY_BYTES} bytes"})
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):
            # RecursionError: a body nested thousands of levels deep.
            return self._reply(400, {"error": "malformed JSON"})
        try:
            event, created = carrier._process_tracking_payload(payload)
        except TrackingWebhookError as error:
            return self._reply(error.status, {"error": str(error)})
        body = {"result": "created" if created else "duplicate"}
        if event:
            body.update(event_id=event.id, shipment_state=event.picking_id.shipment_state)
        return self._reply(200, body)

    def _provider_push(self, carrier, provider):
        """A provider's signed push: 403 bad or missing signature, 413 too
        large, 400 not this provider's payload, 404 not a shipment of this
        carrier, 200 otherwise (a replay creates nothing). The body and the
        secret are never logged."""
        httprequest = request.httprequest
        length = httprequest.content_length
        limit = tracking_providers.MAX_PUSH_BYTES
        if not length:
            return self._reply(400, provider.reply(400, "the body is missing"))
        if length > limit:
            error = f"body larger than {limit} bytes"
            return self._reply(413, provider.reply(413, error))
        # Read once (cached: a request retried after a serialization failure
        # reads the same bytes); a form (快递100) is parsed by Odoo already.
        raw = b"" if provider.FORM else httprequest.get_data()
        try:
            events, picking = carrier._process_provider_push(
                raw, httprequest.form, httprequest.headers
            )
        except TrackingWebhookError as error:
            _logger.info(
                "Tracking push refused for carrier %s (%s): %s",
                carrier.id,
                carrier.tracking_provider,
                error.status,
            )
            return self._reply(error.status, provider.reply(error.status, str(error)))
        result = "created" if events else "nothing new" if picking else "ignored"
        body = provider.reply(200, result, len(events))
        if picking and not provider.FORM:
            body["shipment_state"] = picking.shipment_state
        return self._reply(200, body)

    def _reply(self, status, body):
        return request.make_json_response(body, status=status)
