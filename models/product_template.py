from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools import notification_action

ABC_CLASSES = [("a", "A"), ("b", "B"), ("c", "C")]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    is_returnable = fields.Boolean(
        string="Returnable",
        default=True,
        help="Customers may ask to return this product (backend and portal).",
    )
    is_repairable = fields.Boolean(
        string="Repairable",
        help="Customers may send this product in for repair (return resolution 'Repair').",
    )
    repair_warranty_months = fields.Integer(
        string="Warranty (months)",
        help="How long after its delivery a returned item is repaired under warranty; "
        "0 uses the company's warranty period.",
    )
    abc_class = fields.Selection(
        ABC_CLASSES,
        string="ABC Class",
        company_dependent=True,
        help="A: the best sellers making up the company's class A share of the last 365 "
        "days' delivered sales value; B: the next ones up to the class B share; C: the "
        "rest, products without sales included. Recomputed every night and by "
        "'Recompute ABC Classes'. It sets how often cycle counts come back.",
    )

    # ------------------------------------------------------------------
    # ABC classification
    # ------------------------------------------------------------------

    @api.model
    def _get_abc_sales_values(self, company, date_from):
        """Net delivered sales value per product template of ``company`` since
        ``date_from``, in the company's currency, best seller first: one
        grouped query over the done customer moves (deliveries count, customer
        returns subtract) priced at their sale order line's unit price."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT pp.product_tmpl_id,
                   SUM(CASE WHEN dest.usage = 'customer' THEN 1 ELSE -1 END
                       * m.quantity * sol.price_subtotal
                       / NULLIF(sol.product_uom_qty, 0)
                       / %(order_rate)s) AS value
              FROM stock_move m
              JOIN stock_location src ON src.id = m.location_id
              JOIN stock_location dest ON dest.id = m.location_dest_id
              JOIN sale_order_line sol ON sol.id = m.sale_line_id
              JOIN sale_order so ON so.id = sol.order_id
              JOIN product_product pp ON pp.id = m.product_id
             WHERE m.state = 'done'
               AND m.company_id = %(company)s
               AND m.date >= %(date_from)s
               AND (dest.usage = 'customer') != (src.usage = 'customer')
          GROUP BY pp.product_tmpl_id
          ORDER BY value DESC, pp.product_tmpl_id
            """,
                company=company.id,
                date_from=date_from,
                # In the company's currency, as sale.report converts amounts.
                order_rate=SQL(self.env["sale.report"]._case_value_or_one("so.currency_rate")),
            )
        )
        return [(tmpl_id, value or 0.0) for tmpl_id, value in rows]

    @api.model
    def _abc_classify(self, values, threshold_a, threshold_b):
        """Classes of ``values`` ([(key, value)] best first): a product is A
        while the cumulative share of the products ranked before it is under
        ``threshold_a`` %, B while under ``threshold_b`` %, C after that and
        whenever it sold nothing. The best seller is therefore always A."""
        total = sum(value for _key, value in values if value > 0)
        classes = {}
        cumulative = 0.0
        for key, value in values:
            if value <= 0 or not total:
                classes[key] = "c"
                continue
            share_before = cumulative * 100.0 / total
            if share_before < threshold_a:
                classes[key] = "a"
            elif share_before < threshold_b:
                classes[key] = "b"
            else:
                classes[key] = "c"
            cumulative += value
        return classes

    def _compute_abc_classes(self, companies=None):
        """Recompute the ABC class of every storable product of ``companies``
        (all by default). Writes only the classes that change, one write per
        company and class, so running it twice changes nothing."""
        companies = companies or self.env["res.company"].search([("active", "=", True)])
        date_from = fields.Datetime.subtract(fields.Datetime.now(), days=365)
        changed = 0
        for company in companies:
            templates = (
                self.with_company(company)
                .with_context(active_test=False)
                .search(
                    [
                        ("is_storable", "=", True),
                        ("company_id", "in", [False, company.id]),
                    ]
                )
            )
            values = self._get_abc_sales_values(company, date_from)
            classes = self._abc_classify(values, company.abc_threshold_a, company.abc_threshold_b)
            to_write = {"a": [], "b": [], "c": []}
            for template in templates:
                new_class = classes.get(template.id, "c")
                if template.abc_class != new_class:
                    to_write[new_class].append(template.id)
            for abc_class, ids in to_write.items():
                if ids:
                    # sudo: the class is a computed figure, not an edit of the
                    # product; stock managers recompute it without product rights.
                    self.browse(ids).sudo().with_company(company).write({"abc_class": abc_class})
                    changed += len(ids)
        return changed

    @api.model
    def _cron_compute_abc_classes(self):
        """Recompute the classes company by company, committing after each."""
        self.env["res.company"]._cron_run_per_company([self._compute_abc_classes])

    def action_compute_abc_classes(self):
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(self.env._("Only stock managers can recompute the ABC classes."))
        changed = self.env["product.template"]._compute_abc_classes(self.env.company)
        return notification_action(
            self.env._(
                "ABC classes recomputed: %(count)s products changed class.",
                count=changed,
            )
        )
