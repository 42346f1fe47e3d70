"""Real purchase-order files for the intake tests, generated here: XLSX
(xlsxwriter), CSV, a UBL / Peppol BIS3 Order (after the structure of
OpenPEPPOL's BIS3 Order example), a PDF with that XML embedded, and the bad
inputs (damaged files, entities, a zip bomb, ...)."""

import csv
import io
import re
import zipfile
from email.message import EmailMessage
from xml.sax.saxutils import escape

import xlsxwriter

from odoo.tools.pdf import OdooPdfFileWriter


def xlsx_order(rows, header=("物料编码", "品名", "数量", "单价"), reference=None, formulas=()):
    """An XLSX order form: an optional ``客户订单号`` label line, the header
    row, then ``rows``; ``formulas`` are (row, col, formula, cached value)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("PO")
    row_index = 0
    if reference:
        sheet.write_string(0, 0, "客户订单号:")
        sheet.write_string(0, 1, reference)
        row_index = 2
    for col, title in enumerate(header):
        sheet.write_string(row_index, col, title)
    for offset, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            sheet.write(row_index + offset, col, value)
    for row, col, formula, value in formulas:
        sheet.write_formula(row_index + row, col, formula, None, value)
    book.close()
    return buffer.getvalue()


def csv_order(rows, header=("SKU", "Description", "Qty", "Unit Price", "Customer Reference")):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def ubl_order(number, lines, buyer="Order Desk Customer", email="customer@example.com"):
    """A Peppol BIS3 Order: ``lines`` are dicts with ``quantity``, ``name``
    and any of ``seller_code``, ``buyer_code``, ``barcode``, ``price``."""
    items = []
    for index, line in enumerate(lines, start=1):
        ids = ""
        for key, tag, scheme in (
            ("buyer_code", "BuyersItemIdentification", ""),
            ("seller_code", "SellersItemIdentification", ""),
            ("barcode", "StandardItemIdentification", ' schemeID="0160"'),
        ):
            if line.get(key):
                ids += f"<cac:{tag}><cbc:ID{scheme}>{escape(line[key])}</cbc:ID></cac:{tag}>"
        price = line.get("price", 10.0)
        items.append(
            f"""<cac:OrderLine><cac:LineItem>
  <cbc:ID>{index}</cbc:ID>
  <cbc:Quantity unitCode="EA">{line["quantity"]}</cbc:Quantity>
  <cbc:LineExtensionAmount currencyID="USD">{price * line["quantity"]:.2f}</cbc:LineExtensionAmount>
  <cac:Price><cbc:PriceAmount currencyID="USD">{price:.2f}</cbc:PriceAmount>
  <cbc:BaseQuantity unitCode="EA">1</cbc:BaseQuantity></cac:Price>
  <cac:Item><cbc:Description>{escape(line["name"])}</cbc:Description><cbc:Name>{escape(line["name"])}</cbc:Name>{ids}
  <cac:ClassifiedTaxCategory><cbc:ID>Z</cbc:ID><cbc:Percent>0</cbc:Percent>
  <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
</cac:LineItem></cac:OrderLine>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
       xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
       xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>
  <cbc:ID>{escape(number)}</cbc:ID>
  <cbc:IssueDate>2026-11-30</cbc:IssueDate>
  <cbc:OrderTypeCode>220</cbc:OrderTypeCode>
  <cbc:Note>Information text for the whole order</cbc:Note>
  <cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode>
  <cbc:CustomerReference>{escape(number)}</cbc:CustomerReference>
  <cac:BuyerCustomerParty><cac:Party>
    <cac:PartyName><cbc:Name>{escape(buyer)}</cbc:Name></cac:PartyName>
    <cac:PartyLegalEntity>
      <cbc:RegistrationName>{escape(buyer)}</cbc:RegistrationName>
    </cac:PartyLegalEntity>
    <cac:Contact>
      <cbc:Name>Ole Olsen</cbc:Name><cbc:ElectronicMail>{escape(email)}</cbc:ElectronicMail>
    </cac:Contact>
  </cac:Party></cac:BuyerCustomerParty>
  <cac:SellerSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>Medical</cbc:Name></cac:PartyName>
    <cac:PartyLegalEntity>
      <cbc:RegistrationName>Medical AS</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:SellerSupplierParty>
  {"".join(items)}
</Order>""".encode()


def pdf_with(xml, name="order.xml"):
    """A one-page PDF with ``xml`` embedded (as Odoo embeds its EDI files)."""
    writer = OdooPdfFileWriter()
    writer.add_blank_page(200, 200)
    writer.addAttachment(name, xml, subtype="text/xml")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


XXE_XML = b"""<?xml version="1.0"?>
<!DOCTYPE Order [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
<cbc:ID>&secret;</cbc:ID></Order>"""

LAUGHS_XML = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
<cbc:ID>&lol9;</cbc:ID></Order>"""

NOT_AN_ORDER_XML = b"""<?xml version="1.0"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Invoice>"""


def zip_bomb_xlsx(size=200 * 1024 * 1024):
    """An "XLSX" whose worksheet unpacks to ``size`` bytes (a few hundred KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1024 * 1024)
            for _index in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def email(
    sender,
    to,
    subject="Purchase order",
    body="Please find our order attached.",
    attachments=(),
    message_id=None,
):
    """An e-mail as the mail gateway receives it; ``attachments`` are
    (filename, bytes, mimetype)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-Id"] = message_id or f"<{abs(hash((sender, subject, body)))}@mail.example.com>"
    message.set_content(body)
    for filename, content, mimetype in attachments:
        maintype, subtype = mimetype.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_string()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def blank_rows_xlsx(blank_rows):
    """An XLSX order form (one order line) whose sheet declares the largest
    range (every row padded to 16,384 cells when read) and then has
    ``blank_rows`` empty rows: a few KB packed per thousand rows."""
    form = xlsx_order([("A-100", "Lamp", 1, 1)])
    source = zipfile.ZipFile(io.BytesIO(form))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(
                    r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', data.decode()
                )
                rows = "".join(f'<row r="{index}"/>' for index in range(10, 10 + blank_rows))
                data = text.replace("</sheetData>", rows + "</sheetData>").encode()
            archive.writestr(item, data)
    return buffer.getvalue()
