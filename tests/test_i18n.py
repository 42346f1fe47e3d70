import re

from odoo.tests import TransactionCase, tagged
from odoo.tools import file_path
from odoo.tools.translate import translation_file_reader

PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|%%")


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def _entries(self, name):
        path = file_path(f"customer_order_management/i18n/{name}")
        with open(path, "rb") as po_file:
            return {
                entry["src"]: entry["value"] for entry in translation_file_reader(po_file, "po")
            }

    def test_zh_cn_is_complete(self):
        template = self._entries("customer_order_management.pot")
        chinese = self._entries("zh_CN.po")
        self.assertEqual(set(chinese), set(template), "zh_CN.po must follow the .pot")
        for source, value in chinese.items():
            with self.subTest(source=source):
                self.assertTrue(value, "untranslated")
                self.assertEqual(
                    sorted(PLACEHOLDER.findall(source)), sorted(PLACEHOLDER.findall(value))
                )

    def test_zh_cn_loads(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_order_management"], ["zh_CN"])
        field = self.env["ir.model.fields"]._get("sale.order", "lifecycle_stage")
        self.assertEqual(field.with_context(lang="zh_CN").field_description, "生命周期阶段")
        rule = (
            self.env["sale.order.review.rule"]
            .with_context(lang="zh_CN")
            .create({"name": "x", "check_type": "new_customer"})
        )
        self.assertEqual(
            dict(rule._fields["check_type"]._description_selection(rule.env))["new_customer"],
            "新客户",
        )

    def test_report_pack_labels_are_translated(self):
        """The pack's sections read the selection labels through
        ``_description_selection``: in the reader's language."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_order_management"], ["zh_CN"])
        Pack = self.env["customer.order.report.pack"].with_context(lang="zh_CN")
        split = {"order_channel": [{"value": "phone", "orders": 1, "revenue": 10.0}]}
        rows = Pack._get_section_channels(None, None, None, split)
        self.assertEqual([row["channel"] for row in rows], ["电话"])
