import io
from email.message import EmailMessage

from odoo import models

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The demo's two e-mailed purchase orders: (partner xmlid, customer reference).
DEMO_XLSX_ORDER = ("base.res_partner_3", "GF-PO-4471")
DEMO_UBL_ORDER = ("base.res_partner_1", "WC-2026-118")


def _demo_xlsx(reference, rows):
    import xlsxwriter  # noqa: PLC0415 (demo only)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("采购订单")
    sheet.write_string(0, 0, "客户订单号")
    sheet.write_string(0, 1, reference)
    for col, title in enumerate(("物料编码", "品名", "数量", "单价")):
        sheet.write_string(2, col, title)
    for index, row in enumerate(rows, start=3):
        for col, value in enumerate(row):
            sheet.write(index, col, value)
    book.close()
    return buffer.getvalue()


def _demo_ubl(reference, buyer, lines):
    items = "".join(
        f"""<cac:OrderLine><cac:LineItem><cbc:ID>{index}</cbc:ID>
<cbc:Quantity unitCode="EA">{quantity}</cbc:Quantity>
<cbc:LineExtensionAmount currencyID="USD">{quantity * price:.2f}</cbc:LineExtensionAmount>
<cac:Price><cbc:PriceAmount currencyID="USD">{price:.2f}</cbc:PriceAmount></cac:Price>
<cac:Item><cbc:Name>{name}</cbc:Name>
<cac:SellersItemIdentification><cbc:ID>{code}</cbc:ID></cac:SellersItemIdentification>
</cac:Item></cac:LineItem></cac:OrderLine>"""
        for index, (code, name, quantity, price) in enumerate(lines, start=1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>
<cbc:ID>{reference}</cbc:ID>
<cbc:IssueDate>2026-01-05</cbc:IssueDate>
<cbc:OrderTypeCode>220</cbc:OrderTypeCode>
<cac:BuyerCustomerParty><cac:Party><cac:PartyName><cbc:Name>{buyer}</cbc:Name></cac:PartyName>
</cac:Party></cac:BuyerCustomerParty>
{items}
</Order>""".encode()


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _demo_receive_order_documents(self):
        """Demo data only (``demo/sale_order_intake_demo.xml``): two customers
        e-mail their purchase orders to the order inbox, an XLSX order form
        (Chinese headers, one row whose code nobody knows yet) and a UBL
        order; the mail gateway reads them as it reads any e-mail. Run once:
        an update of the module leaves them alone."""
        refs = (DEMO_XLSX_ORDER[1], DEMO_UBL_ORDER[1])
        if self.search_count([("client_order_ref", "in", refs)], limit=1):
            return
        gemini = self.env.ref(DEMO_XLSX_ORDER[0])
        form = _demo_xlsx(
            DEMO_XLSX_ORDER[1],
            [
                ("FURN_7800", "办公桌", 4, 450),
                ("2300001000008", "桌面收纳盒", 10, 5.1),
                ("GEM-ARMCHAIR-2", "扶手椅 (灰色)", 2, 120),
            ],
        )
        self._demo_email(
            gemini, "采购订单 GF-PO-4471", "附件是我们的订单。谢谢。", "GF-PO-4471.xlsx", form, XLSX
        )
        wood = self.env.ref(DEMO_UBL_ORDER[0])
        ubl = _demo_ubl(
            DEMO_UBL_ORDER[1],
            wood.name,
            [("FURN_8888", "Office Lamp", 3, 40.0), ("E-COM07", "Large Cabinet", 1, 320.0)],
        )
        self._demo_email(
            wood,
            "Order WC-2026-118",
            "Our Peppol order is attached.",
            "WC-2026-118.xml",
            ubl,
            "application/xml",
        )

    def _demo_email(self, partner, subject, body, filename, content, mimetype):
        message = EmailMessage()
        message["From"] = f"{partner.name} <{partner.email}>"
        message["To"] = "orders@example.com"
        message["Subject"] = subject
        message["Message-Id"] = f"<com-demo-{filename}@example.com>"
        message.set_content(body)
        maintype, subtype = mimetype.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        self.env["mail.thread"].message_process(
            "sale.order", message.as_string(), custom_values={"order_channel": "email"}
        )
