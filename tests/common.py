"""Fixtures shared by the addon's tests.

- ``DemoDataMixin.require_demo``: tests that read demo records skip cleanly
  on a database installed without demo data;
- ``CustomerOrderCommon``: least-privileged users of each role, a storable
  product with a cost, helpers to build, ship and return orders; on demand
  a multi-step warehouse (pick-pack-ship, two-step reception) and a second
  company with its own warehouse and user;
- ``CustomerOrderPortalCommon``: two portal customers;
- ``StockCountCommon``: a shelf, a bin, products and lots to count;
- ``OrderAnalysisDataset``: three orders whose KPIs are known.
"""

import importlib.util
import unittest
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.fields import Command
from odoo.tests import Form, new_test_user
from odoo.tools.safe_eval import safe_eval

from odoo.addons.sale.tests.common import SaleCommon

from ..tools import write_protected

MODULE = "customer_order_management"


def write_history(records, vals):
    """Fixtures only: set fields that the workflow methods own (a review
    date, a request date, ...) to build a past that tests need."""
    write_protected(records, vals)


def load_migration(version, script):
    """The module of the addon's migration ``script`` (``"post-migration"``,
    ...) of ``version``, to call its ``migrate``."""
    path = Path(__file__).parent.parent / "migrations" / version / f"{script}.py"
    spec = importlib.util.spec_from_file_location(f"com_migration_{script}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def visible_buttons(form, xpath="//header/button", attribute="name"):
    """The ``attribute`` (default: the method names) of the nodes at
    ``xpath`` (default: the header's buttons) of ``form``'s view, as its
    user gets it, that show for the form's current values: nodes of groups
    the user is not in are not in the user's view at all; the others show
    unless their ``invisible`` expression holds (as the web client
    evaluates it, on the record's values)."""
    context = form._get_eval_context()
    return {
        node.get(attribute) or node.get("string")
        for node in form._view["tree"].xpath(xpath)
        if not safe_eval(node.get("invisible") or "False", context)
    }


def view_nodes(form, xpath):
    """The nodes at ``xpath`` of ``form``'s view as its user gets it."""
    return form._view["tree"].xpath(xpath)


class DemoDataMixin:
    """Tests that read demo records call ``require_demo`` first: on a
    database without demo data they are skipped, not errors."""

    @classmethod
    def require_demo(cls, xmlid=None):
        """Skip the test (or the class, from ``setUpClass``) unless the demo
        data is loaded; return the record of ``xmlid`` if given (a bare name
        is one of this addon's records)."""
        if xmlid:
            full_xmlid = xmlid if "." in xmlid else f"{MODULE}.{xmlid}"
            record = cls.env.ref(full_xmlid, raise_if_not_found=False)
            if not record:
                raise unittest.SkipTest(f"needs the demo data ({full_xmlid})")
            return record
        if not cls.env["ir.module.module"]._get(MODULE).demo:
            raise unittest.SkipTest("needs the demo data")
        return None


class CustomerOrderCommon(DemoDataMixin, SaleCommon):
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
        cls.reviewer = cls._company_user("com_reviewer", f"{MODULE}.group_order_reviewer")
        cls.manager = cls._company_user("com_manager", f"{MODULE}.group_order_manager")
        cls.stock_user = cls._company_user("com_stock_user", "stock.group_stock_user")
        cls.stock_manager = cls._company_user("com_stock_manager", "stock.group_stock_manager")
        cls.reviewer_group = cls.env.ref(f"{MODULE}.group_order_reviewer")
        cls.manager_group = cls.env.ref(f"{MODULE}.group_order_manager")
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
        cls.reason = cls.env.ref(f"{MODULE}.return_reason_damaged")
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

    # ------------------------------------------------------------------
    # Optional fixtures: a class asks for them in its setUpClass
    # ------------------------------------------------------------------

    @classmethod
    def _setup_multi_step_warehouse(cls):
        """``cls.multi_step_warehouse``: a warehouse of the test company that
        picks, packs and ships (three transfers to the customer) and receives
        in two steps (input, then stock)."""
        cls.multi_step_warehouse = cls.env["stock.warehouse"].create(
            {
                "name": "Three Steps",
                "code": "WH3S",
                "delivery_steps": "pick_pack_ship",
                "reception_steps": "two_steps",
            }
        )

    @classmethod
    def _setup_second_company(cls):
        """``cls.company_b``: another company with its own warehouse
        (``cls.warehouse_b``) and a user who works there alone
        (``cls.user_b``: order management manager and stock manager). The
        test environment's user, who creates it, works in both (as in Odoo)."""
        cls.company_b = cls.env["res.company"].create({"name": "Second Company"})
        cls.warehouse_b = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_b.id)], limit=1
        )
        cls.user_b = cls._company_user(
            "com_user_b",
            f"{MODULE}.group_order_manager,stock.group_stock_manager",
            cls.company_b,
        )

    # ------------------------------------------------------------------
    # Users
    # ------------------------------------------------------------------

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
    def _portal_user(cls, login, partner):
        """A portal user who is ``partner``; the password is the login."""
        return new_test_user(
            cls.env, login=login, password=login, groups="base.group_portal", partner_id=partner.id
        )

    # ------------------------------------------------------------------
    # Orders, deliveries, returns
    # ------------------------------------------------------------------

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
    def _delivered_order(cls, qty=5.0, **vals):
        """A confirmed order (see ``_create_order``) shipped in full."""
        order = cls._create_order(qty=qty, **vals)
        order.action_confirm()
        cls._deliver(order)
        return order

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
                            "reason_id": cls.reason.id,
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
    def _validate(cls, picking, quantities=None, backorder=True):
        """Validate ``picking`` as a warehouse worker would: ``quantities``
        maps products to the quantity done now (default: everything); the
        rest goes to a backorder unless ``backorder`` is False."""
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
    def _deliver(cls, order, quantities=None, backorder=True):
        """Validate the order's open outgoing delivery; ``quantities`` maps
        products to the quantity shipped now (default: everything)."""
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
        )[:1]
        return cls._validate(picking, quantities, backorder)

    @classmethod
    def _ship_all(cls, order, origin=None):
        """Validate every open transfer of the order (pick, pack, ship), or
        of the return ``origin``, in the order of the chain; receipts are
        left alone."""
        Picking = cls.env["stock.picking"]
        domain = (
            [("customer_return_id", "=", origin.id)] if origin else [("sale_id", "=", order.id)]
        )
        for _step in range(3):
            ready = Picking.search([*domain, ("state", "=", "assigned")])
            ready = ready.filtered(lambda p: p.picking_type_code != "incoming")
            for picking in ready:
                for move in picking.move_ids:
                    move.quantity = move.product_uom_qty
                    move.picked = True
                picking.with_context(skip_sms=True).button_validate()

    @classmethod
    def _shipped_days_ago(cls, pickings, days):
        """Fixture: ``pickings`` were validated ``days`` days ago (the return
        window counts from then)."""
        moment = fields.Datetime.now() - timedelta(days=days)
        pickings.date_done = moment
        write_history(pickings, {"shipped_date": moment})

    @classmethod
    def _set_stock(cls, product, qty, location=None):
        cls.env["stock.quant"]._update_available_quantity(
            product, location or cls.warehouse.lot_stock_id, qty
        )

    @classmethod
    def _started_count(cls, location, product, user=None):
        """A count session of ``product`` in ``location``, created and
        started by ``user`` (default: the test environment's user)."""
        env = cls.env(user=user) if user else cls.env
        session = env["stock.count.session"].create({"location_id": location.id})
        session.line_ids.create(
            {"session_id": session.id, "product_id": product.id, "location_id": location.id}
        )
        session.action_start()
        return session

    # ------------------------------------------------------------------
    # Test helpers
    # ------------------------------------------------------------------

    @contextmanager
    def _cron_progress_not_committed(self):
        """TransactionCase forbids commits: the batch loop's progress commit
        (``ir.cron._commit_progress``) is a no-op inside this block."""
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=float("inf"), autospec=True
        ) as commit_progress:
            yield commit_progress

    def _customer_mails(self, record, template):
        """The messages of ``record`` sent to the customer from ``template``."""
        subject = template._render_field("subject", record.ids)[record.id]
        return record.message_ids.filtered(
            lambda m: self.customer in m.partner_ids and m.subject == subject
        )

    def _messages_with(self, record, text):
        return record.message_ids.filtered(lambda m: text in (m.subject or "") + str(m.body))

    def _form(self, record, user=None, view=None):
        """``Form`` of ``record`` (or of a new record of its model) as ``user``."""
        return Form(record.with_user(user) if user else record, view=view)


class CustomerOrderPortalCommon(CustomerOrderCommon):
    """Two customers with a portal account each: ``portal_user`` is
    ``customer``, ``other_portal_user`` is ``other_customer``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls._portal_user("com_portal", cls.customer)
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other Customer", "email": "other@example.com"}
        )
        cls.other_portal_user = cls._portal_user("com_portal_other", cls.other_customer)


class StockCountCommon(CustomerOrderCommon):
    """A shelf of the warehouse with a bin inside, and what they hold:
    10 chairs (100 each) and lots LOT-1 (5) and LOT-2 (8) of a serum
    (20 each) on the shelf, 50 lamps (10 each) in the bin. Variances above
    500 wait for a stock manager; ``counter`` is a stock user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"count_approval_value": 500.0, "count_approval_percent": 0.0})
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Count Shelf", "location_id": cls.warehouse.lot_stock_id.id}
        )
        cls.bin = cls.env["stock.location"].create({"name": "Bin 1", "location_id": cls.shelf.id})
        cls.counter = cls.stock_user
        Product = cls.env["product.product"]
        cls.chair = Product.create(
            {"name": "Count Chair", "is_storable": True, "standard_price": 100.0}
        )
        cls.lamp = Product.create(
            {"name": "Count Lamp", "is_storable": True, "standard_price": 10.0}
        )
        cls.serum = Product.create(
            {
                "name": "Count Serum",
                "is_storable": True,
                "tracking": "lot",
                "standard_price": 20.0,
            }
        )
        cls.lot_1 = cls.env["stock.lot"].create({"name": "LOT-1", "product_id": cls.serum.id})
        cls.lot_2 = cls.env["stock.lot"].create({"name": "LOT-2", "product_id": cls.serum.id})
        Quant = cls.env["stock.quant"]
        Quant._update_available_quantity(cls.chair, cls.shelf, 10)
        Quant._update_available_quantity(cls.lamp, cls.bin, 50)
        Quant._update_available_quantity(cls.serum, cls.shelf, 5, lot_id=cls.lot_1)
        Quant._update_available_quantity(cls.serum, cls.shelf, 8, lot_id=cls.lot_2)

    def _session(self, user=None, **vals):
        env = self.env(user=user or self.counter)
        return env["stock.count.session"].create({"location_id": self.shelf.id, **vals})

    def _qty(self, product, location=None, lot=None):
        return sum(
            self.env["stock.quant"]
            .search(
                [
                    ("product_id", "=", product.id),
                    ("location_id", "=", (location or self.shelf).id),
                    ("lot_id", "=", lot.id if lot else False),
                ]
            )
            .mapped("quantity")
        )

    def _line(self, session, product, lot=None):
        return session.line_ids.filtered(
            lambda line: line.product_id == product and line.lot_id == (lot or line.lot_id)
        )


class OrderAnalysisDataset(CustomerOrderCommon):
    """A constructed dataset whose answers are known:

    - A: 10 x 10, promised in 5 days, shipped today (on time), 2 returned
      and refunded, reviewed in 2 h;
    - B: 5 x 20, promised yesterday, shipped today (late), reviewed in 4 h;
    - C: 4 x 25, confirmed, not shipped (backlog)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 100)
        cls.analysis_customer = cls.env["res.partner"].create(
            {"name": "Analysis Customer", "email": "analysis@example.com"}
        )
        now = fields.Datetime.now()
        cls.order_a = cls._analysis_order(10, 10, now + timedelta(days=5), review_hours=2)
        cls.order_b = cls._analysis_order(5, 20, now - timedelta(days=1), review_hours=4)
        cls.order_c = cls._analysis_order(4, 25, now + timedelta(days=5))
        cls._deliver(cls.order_a)
        cls._deliver(cls.order_b)
        ret = cls._create_return(cls.order_a, qty=2)
        ret.action_submit()
        ret.action_approve()
        ret.action_receive()
        cls.customer_return = ret
        cls.env.flush_all()
        cls.domain = [("partner_id", "=", cls.analysis_customer.id)]
        cls.order_domain = [("partner_id", "=", cls.analysis_customer.id)]

    @classmethod
    def _analysis_order(cls, qty, price, commitment, review_hours=None):
        order = cls._create_order(
            qty=qty,
            price=price,
            partner_id=cls.analysis_customer.id,
            commitment_date=commitment,
            user_id=cls.salesman.id,
        )
        order.action_confirm()
        if review_hours:
            start = fields.Datetime.now() - timedelta(days=1)
            write_history(
                order,
                {
                    "review_date": start,
                    "review_decision_date": start + timedelta(hours=review_hours),
                },
            )
        return order
