from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.sale.tests.common import SaleCommon

from ..tools import write_protected


def write_history(records, vals):
    """Fixtures only: set fields that the workflow methods own (a review
    date, a request date, ...) to build a past that tests need."""
    write_protected(records, vals)


class CustomerOrderCommon(SaleCommon):
    """Fixtures shared by the addon's tests: least-privileged users of each
    role, a storable product with a cost, and helpers to build orders and
    rules. Every rule present in the database is archived first, so a test
    sees only the rules it creates."""

    @classmethod
    def default_env_context(cls):
        # Keep tracking and chatter logging: the review's audit trail is tested.
        return {"no_reset_password": True, "mail_create_nosubscribe": True}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["sale.order.review.rule"].search([]).action_archive()
        company = cls.env.company
        company.partner_id.write({"street": "1 Main Street", "city": "Springfield"})
        cls.salesman = cls._company_user("com_salesman", "sales_team.group_sale_salesman")
        cls.reviewer = cls._company_user(
            "com_reviewer", "customer_order_management.group_order_reviewer"
        )
        cls.manager = cls._company_user(
            "com_manager", "customer_order_management.group_order_manager"
        )
        cls.reviewer_group = cls.env.ref("customer_order_management.group_order_reviewer")
        cls.manager_group = cls.env.ref("customer_order_management.group_order_manager")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Order Desk Customer",
                "email": "customer@example.com",
                "street": "5 Harbour Road",
                "city": "Portsmouth",
                "country_id": cls.env.ref("base.us").id,
            }
        )
        cls.payment_term = cls.env.ref("account.account_payment_term_30days")
        cls.storable = cls.env["product.product"].create(
            {
                "name": "Desk Lamp",
                "type": "consu",
                "is_storable": True,
                "list_price": 100.0,
                "standard_price": 60.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )

    @classmethod
    def _company_user(cls, login, groups, company=None):
        """A test user of ``groups`` who works in ``company`` alone (default:
        the test company)."""
        company = company or cls.env.company
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _create_order(cls, qty=1.0, price=100.0, product=None, user=None, **vals):
        values = {
            "partner_id": cls.customer.id,
            "client_order_ref": "PO-1",
            "payment_term_id": cls.payment_term.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": (product or cls.storable).id,
                        "product_uom_qty": qty,
                        "price_unit": price,
                    }
                )
            ],
            **vals,
        }
        env = cls.env(user=user) if user else cls.env
        return env["sale.order"].create(values)

    @classmethod
    def _create_return(cls, order, qty=2.0, user=None, **line_vals):
        """A draft return of ``qty`` of the first line of ``order``, created
        by ``user`` (default: the test environment's user)."""
        env = cls.env(user=user) if user else cls.env
        return env["customer.return"].create(
            {
                "order_id": order.id,
                "line_ids": [
                    Command.create(
                        {
                            "sale_line_id": order.order_line[:1].id,
                            "quantity": qty,
                            "reason_id": cls.env.ref(
                                "customer_order_management.return_reason_damaged"
                            ).id,
                            **line_vals,
                        }
                    )
                ],
            }
        )

    @classmethod
    def _create_rule(cls, check_type, **vals):
        return cls.env["sale.order.review.rule"].create(
            {"name": check_type.replace("_", " ").title(), "check_type": check_type, **vals}
        )

    @classmethod
    def _create_carrier(cls, name, tracking_url=False):
        return cls.env["delivery.carrier"].create(
            {
                "name": name,
                "product_id": cls.env["product.product"]
                .create({"name": name, "type": "service"})
                .id,
                "tracking_url": tracking_url,
            }
        )

    @classmethod
    def _deliver(cls, order, quantities=None, backorder=True):
        """Validate the order's open outgoing delivery; ``quantities`` maps
        products to the quantity shipped now (default: everything)."""
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
        )[:1]
        picking.action_assign()
        for move in picking.move_ids:
            qty = (quantities or {}).get(move.product_id, move.product_uom_qty)
            move.quantity = qty
            move.picked = True
        context = {
            "skip_backorder": True,
            "picking_ids_not_to_backorder": [] if backorder else picking.ids,
        }
        picking.with_context(**context).button_validate()
        return picking

    @classmethod
    def _shipped_days_ago(cls, pickings, days):
        """Fixture: ``pickings`` were validated ``days`` days ago (the return
        window counts from then)."""
        moment = fields.Datetime.now() - timedelta(days=days)
        pickings.date_done = moment
        write_history(pickings, {"shipped_date": moment})

    @classmethod
    def _set_stock(cls, product, qty):
        cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, qty)
