import base64
import io
from datetime import timedelta

import openpyxl

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestTrackingImport(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 100)
        cls.carrier = cls._create_carrier("Paper Freight")
        order = cls._create_order(qty=2)
        order.action_confirm()
        order.picking_ids.write({"carrier_id": cls.carrier.id, "carrier_tracking_ref": "IMP-1"})
        cls.picking = cls._deliver(order)
        cls.picking.tracking_event_ids.event_date = fields.Datetime.now() - timedelta(hours=5)
        cls.t1 = (fields.Datetime.now() - timedelta(hours=2)).isoformat()
        cls.t2 = (fields.Datetime.now() - timedelta(hours=1)).isoformat()

    def _import(self, content, filename="events.csv", user=None):
        wizard = (
            self.env["stock.picking.tracking.import"]
            .with_user(user or self.stock_user)
            .create(
                {
                    "carrier_id": self.carrier.id,
                    "file": base64.b64encode(content),
                    "filename": filename,
                }
            )
        )
        return wizard.action_import()

    def test_csv_import(self):
        csv = (
            "tracking_ref,status,event_time,location,description,event_id\n"
            f"IMP-1,in_transit,{self.t1},Lyon,Sorted,X1\n"
            f"IMP-1,out_for_delivery,{self.t2},Paris,,X2\n"
        ).encode()
        result = self._import(csv)
        self.assertIn("2 tracking events imported, 0 already known", result["params"]["message"])
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"})
        self.assertEqual(self.picking.shipment_state, "out_for_delivery")
        self.assertEqual(
            set(self.picking.tracking_event_ids.mapped("source")), {"manual", "import"}
        )
        result = self._import(csv)  # the same file again
        self.assertIn("0 tracking events imported, 2 already known", result["params"]["message"])
        self.assertEqual(len(self.picking.tracking_event_ids), 3)

    def test_xlsx_import(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["tracking_ref", "status", "event_time", "location"])
        sheet.append(["IMP-1", "delivered", fields.Datetime.now() - timedelta(minutes=30), "Door"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        self._import(buffer.getvalue(), filename="events.xlsx")
        self.assertEqual(self.picking.shipment_state, "delivered")

    def test_bad_row_imports_nothing(self):
        csv = (
            "tracking_ref,status,event_time\n"
            f"IMP-1,in_transit,{self.t1}\n"
            f"UNKNOWN,in_transit,{self.t2}\n"
            f"IMP-1,lost,{self.t2}\n"
        ).encode()
        with self.assertRaises(UserError) as error:
            self._import(csv)
        self.assertIn("Row 3", str(error.exception))
        self.assertIn("Row 4", str(error.exception))
        self.assertEqual(len(self.picking.tracking_event_ids), 1)

    def test_bad_files(self):
        cases = {
            "missing columns": (b"ref,when\nIMP-1,now\n", "e.csv"),
            "empty": (b"tracking_ref,status,event_time\n", "e.csv"),
            "not utf-8": ("tracking_ref,status,event_time\n\xe9".encode("latin-1"), "e.csv"),
            "not xlsx": (b"garbage", "e.xlsx"),
        }
        for name, (content, filename) in cases.items():
            with self.subTest(case=name), self.assertRaises(UserError):
                self._import(content, filename)
        self.assertEqual(len(self.picking.tracking_event_ids), 1)

    def test_salesman_cannot_import(self):
        with self.assertRaises(AccessError):
            self._import(b"tracking_ref,status,event_time\n", user=self.salesman)
