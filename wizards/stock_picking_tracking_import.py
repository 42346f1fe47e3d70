import base64
import csv
import io

from odoo import fields, models
from odoo.exceptions import UserError

from ..models.delivery_carrier import TrackingWebhookError
from ..tools import notification_action

COLUMNS = ("tracking_ref", "status", "event_time", "location", "description", "event_id")


class StockPickingTrackingImport(models.TransientModel):
    _name = "stock.picking.tracking.import"
    _description = "Import Tracking Events"

    carrier_id = fields.Many2one("delivery.carrier", required=True)
    file = fields.Binary(required=True, help="CSV or XLSX with the columns: " + ", ".join(COLUMNS))
    filename = fields.Char()

    def action_import(self):
        """Record every row of the file as a tracking event of the carrier's
        deliveries; any bad row stops the import and nothing is written."""
        self.ensure_one()
        rows = self._read_rows()
        if not rows:
            raise UserError(self.env._("The file has no tracking event."))
        created = duplicates = 0
        errors = []
        for number, row in rows:
            try:
                _event, is_new = self.carrier_id._process_tracking_payload(row, source="import")
            except TrackingWebhookError as error:
                errors.append(self.env._("Row %(row)s: %(error)s", row=number, error=error))
                continue
            created += is_new
            duplicates += not is_new
        if errors:
            raise UserError(self.env._("Nothing was imported:\n%s", "\n".join(errors[:20])))
        return notification_action(
            self.env._(
                "%(created)s tracking events imported, %(duplicates)s already known.",
                created=created,
                duplicates=duplicates,
            ),
            next_action={"type": "ir.actions.act_window_close"},
        )

    def _read_rows(self):
        """Return ``[(row number, {column: value})]`` from the uploaded file."""
        content = base64.b64decode(self.file or b"")
        if (self.filename or "").lower().endswith(".xlsx"):
            table = self._read_xlsx(content)
        else:
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise UserError(self.env._("The CSV file must be UTF-8 encoded.")) from error
            table = list(csv.reader(io.StringIO(text)))
        if not table:
            return []
        header = [str(cell or "").strip().lower() for cell in table[0]]
        missing = [column for column in COLUMNS[:3] if column not in header]
        if missing:
            raise UserError(self.env._("The file lacks the columns: %s.", ", ".join(missing)))
        return [
            (
                number,
                {
                    key: (str(value).strip() if value not in (None, "") else None)
                    for key, value in zip(header, values, strict=False)
                    if key in COLUMNS
                },
            )
            for number, values in enumerate(table[1:], start=2)
            if any(value not in (None, "") for value in values)
        ]

    def _read_xlsx(self, content):
        import openpyxl  # noqa: PLC0415 (only needed for XLSX files)

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:
            raise UserError(self.env._("The file is not a readable XLSX workbook.")) from error
        sheet = workbook.worksheets[0]
        return [
            [cell.isoformat() if hasattr(cell, "isoformat") else cell for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
