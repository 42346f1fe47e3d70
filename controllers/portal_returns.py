import math

from odoo import http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

RETURNS_PER_PAGE = 20


class ReturnPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "return_count" in counters:
            Return = request.env["customer.return"]
            values["return_count"] = (
                Return.search_count(self._prepare_returns_domain())
                if Return.has_access("read")
                else 0
            )
        return values

    def _prepare_returns_domain(self):
        partner = request.env.user.partner_id
        return [("partner_id", "child_of", [partner.commercial_partner_id.id])]

    @http.route(
        ["/my/returns", "/my/returns/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_returns(self, page=1, **_kwargs):
        Return = request.env["customer.return"]
        domain = self._prepare_returns_domain()
        count = Return.search_count(domain)
        pager = portal_pager(url="/my/returns", total=count, page=page, step=RETURNS_PER_PAGE)
        returns = Return.search(
            domain, order="id desc", limit=RETURNS_PER_PAGE, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "returns": returns,
                "pager": pager,
                "page_name": "customer_return",
                "default_url": "/my/returns",
            }
        )
        return request.render("customer_order_management.portal_my_returns", values)

    @http.route(["/my/returns/<int:return_id>"], type="http", auth="public", website=True)
    def portal_my_return(
        self, return_id, access_token=None, report_type=None, download=False, **kwargs
    ):
        try:
            return_sudo = self._document_check_access(
                "customer.return", return_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=return_sudo,
                report_type=report_type,
                report_ref="customer_order_management.action_report_customer_return",
                download=download,
            )
        values = self._get_page_view_values(
            return_sudo,
            access_token,
            {"customer_return": return_sudo, "page_name": "customer_return", "report_type": "html"},
            "my_returns_history",
            False,
            **kwargs,
        )
        return request.render("customer_order_management.portal_my_return", values)

    @http.route(
        ["/my/orders/<int:order_id>/return"],
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_order_return(self, order_id, access_token=None, **post):
        """Request a return of an order: its customer, logged in, or anyone
        holding the order's access token (the link of its e-mails), as on
        the order's own page. The return is the order's customer's."""
        try:
            # The user's own access, else the order's access token (consteq).
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        # sudo: access to the order was checked just above; the return is
        # created in the customer's name (portal users have no create right):
        # by a logged-in customer as themselves, by a visitor of the e-mail
        # link as the superuser ``order_sudo`` works as (as in Odoo's own
        # token flows), not as "Public user". Staff who reach an order here
        # act with their own rights: reading an order (a warehouse user
        # reads them all) is no right to request its returns.
        user = request.env.user
        if user._is_public():
            order = order_sudo
        elif user._is_internal():
            order = request.env["sale.order"].browse(order_sudo.id)
        else:
            order = request.env["sale.order"].sudo().browse(order_sudo.id)
        error = None
        if request.httprequest.method == "POST":
            try:
                requested = self._parse_return_quantities(post)
                reason = order.env["customer.return.reason"].browse(
                    self._parse_int(post.get("reason_id"))
                )
                with request.env.cr.savepoint():
                    ret = order.env["customer.return"]._create_from_portal(
                        order,
                        requested,
                        reason,
                        post.get("resolution"),
                        (post.get("note") or "").strip()[:2000] or False,
                    )
                return request.redirect(ret.get_portal_url())
            except ValidationError as exc:
                error = exc.args[0]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "sale_order": order,
                "access_token": access_token,
                "returnable": order._get_portal_returnable_lines(),
                "reasons": order.env["customer.return.reason"].search([]),
                "return_deadline": order._get_return_deadline(),
                "error": error,
                "post": post,
                "page_name": "customer_return",
            }
        )
        return request.render("customer_order_management.portal_return_request", values)

    @staticmethod
    def _parse_int(value):
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0

    def _parse_return_quantities(self, post):
        """``{sale line id: quantity}`` from the posted ``qty_<line id>``
        fields; anything that is not a number is refused."""
        requested = {}
        for key, value in post.items():
            if not key.startswith("qty_") or value in ("", None):
                continue
            line_id = self._parse_int(key[4:])
            try:
                qty = float(value)
            except ValueError:
                qty = None
            if not line_id or qty is None or not math.isfinite(qty) or qty < 0:
                raise ValidationError(request.env._("Enter valid quantities."))
            requested[line_id] = qty
        return requested
