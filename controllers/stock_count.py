from odoo import http
from odoo.http import content_disposition, request


class StockCountController(http.Controller):
    @http.route(
        "/customer_order_management/count/<int:session_id>/discrepancies.xlsx",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def count_discrepancies(self, session_id, **_kwargs):
        """The discrepancy workbook of a count session, read with the user's
        own rights (record rules decide whether the session is visible)."""
        session = request.env["stock.count.session"].browse(session_id).exists()
        if not session:
            raise request.not_found()
        session.check_access("read")
        content = session._render_discrepancy_xlsx()
        filename = request.env._("Count discrepancies %(name)s.xlsx", name=session.name).replace(
            "/", "-"
        )
        return request.make_response(
            content,
            headers=[
                (
                    "Content-Type",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
