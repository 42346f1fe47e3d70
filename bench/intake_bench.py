#!/usr/bin/env python3
"""Document intake benchmark: e-mailed order forms and UBL uploads.

One run, two databases copied from the same template (sale_stock,
stock_delivery, portal, sale_edi_ubl installed; the addon on top in one).

1. In the addon's database: 200 e-mails, each with a 20-line XLSX order form,
   through ``mail.thread.message_process`` (decoding, product matching,
   acknowledgement e-mail) against creating the same 200 orders with the ORM,
   in the same run. Reports the time ratio and the queries per order line.
2. 200 UBL (Peppol BIS3) order files through the Upload button's method
   (``sale.order.create_document_from_attachment``): plain Odoo with
   ``sale_edi_ubl`` against Odoo + the addon.

Usage: python3 bench/intake_bench.py [--orders 200] [--lines 20] [--rounds 2] [--out bench/out]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
"""

import copy
import io
import json
import subprocess
import time
from email.message import EmailMessage

import _harness as harness

BASE_MODULES = "sale_stock,stock_delivery,portal,sale_edi_ubl"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def orchestrate(options):
    work, addons_path, base = harness.prepare_workspace("intake")
    template, plain, addon = (f"{base}_{name}" for name in ("tpl", "plain", "addon"))
    results = {"xlsx": [], "ubl": {"plain": [], "addon": []}}
    try:
        harness.install_addon(template, addons_path, work, modules=BASE_MODULES)
        for db in (plain, addon):
            subprocess.run(["createdb", "-T", template, db], check=True)
        harness.install_addon(addon, addons_path, work)
        args = ["--orders", str(options.orders), "--lines", str(options.lines)]
        for round_no in range(options.rounds):
            print(f"== round {round_no + 1}: e-mailed XLSX vs ORM", flush=True)
            results["xlsx"].append(
                harness.run_worker(__file__, addon, addons_path, work, "--worker", "xlsx", *args)
            )
            for mode, db in (("plain", plain), ("addon", addon)):
                print(f"== round {round_no + 1}: UBL upload, {mode}", flush=True)
                results["ubl"][mode].append(
                    harness.run_worker(__file__, db, addons_path, work, "--worker", "ubl", *args)
                )
    finally:
        harness.drop_databases(template, plain, addon)
    report(results, options)


def report(results, options):
    n, lines = options.orders, options.lines
    xlsx = min(results["xlsx"], key=lambda r: r["message_process"]["seconds"])
    orm = min(results["xlsx"], key=lambda r: r["orm"]["seconds"])["orm"]
    single = min(results["xlsx"], key=lambda r: r["orm_one_by_one"]["seconds"])["orm_one_by_one"]
    mail = xlsx["message_process"]
    ubl = {
        mode: min(runs, key=lambda r: r["upload"]["seconds"])["upload"]
        for mode, runs in results["ubl"].items()
    }
    rounds = ", ".join(
        f"{r['message_process']['seconds'] / r['orm']['seconds']:.2f}" for r in results["xlsx"]
    )
    text = "\n".join(
        [
            f"{n} orders x {lines} lines; best of {options.rounds} rounds per phase.",
            "",
            "| phase | seconds | queries | queries / line |",
            "| --- | ---: | ---: | ---: |",
            _row("ORM create (same orders, one batch)", orm, n * lines),
            _row("ORM create (same orders, one create each)", single, n * lines),
            _row("message_process, XLSX form", mail, n * lines),
            _row("UBL upload, plain Odoo (sale_edi_ubl)", ubl["plain"], n * lines),
            _row("UBL upload, Odoo + addon", ubl["addon"], n * lines),
            "",
            (
                f"E-mailed XLSX / ORM time ratio: **{mail['seconds'] / orm['seconds']:.2f}** "
                f"(rounds: {rounds}; goal <= 1.5); against one create per order: "
                f"**{mail['seconds'] / single['seconds']:.2f}**."
            ),
            (
                f"UBL upload addon / plain time ratio: "
                f"**{ubl['addon']['seconds'] / ubl['plain']['seconds']:.2f}** (goal <= 1.1); "
                f"queries {ubl['addon']['queries'] / ubl['plain']['queries']:.2f}x."
            ),
        ]
    )
    harness.save_report(options, "intake_bench", text, results)


def _row(label, phase, line_count):
    return (
        f"| {label} | {phase['seconds']:.2f} | {phase['queries']} | "
        f"{phase['queries'] / line_count:.1f} |"
    )


# ----------------------------------------------------------------------
# Worker: runs inside one database
# ----------------------------------------------------------------------


def _prepare(env, options):
    from odoo.fields import Command  # noqa: PLC0415

    partners = env["res.partner"].create(
        [
            {
                "name": f"Intake Customer {i}",
                "email": f"intake{i}@bench.example.com",
                "is_company": True,
            }
            for i in range(20)
        ]
    )
    products = env["product.product"].create(
        [
            {
                "name": f"Intake Product {i}",
                "default_code": f"IB-{i:03d}",
                "list_price": 10.0 + i,
                "taxes_id": [Command.clear()],
            }
            for i in range(options.lines * 2)
        ]
    )
    return partners, products


def _xlsx(reference, codes):
    import xlsxwriter  # noqa: PLC0415

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Customer reference", reference])
    sheet.write_row(2, 0, ["SKU", "Description", "Qty", "Unit Price"])
    for row, (code, qty) in enumerate(codes, start=3):
        sheet.write_row(row, 0, [code, f"Item {code}", qty, 9.5])
    book.close()
    return buffer.getvalue()


def _email(partner, reference, content):
    message = EmailMessage()
    message["From"] = f"{partner.name} <{partner.email}>"
    message["To"] = "orders@bench.example.com"
    message["Subject"] = f"Order {reference}"
    message["Message-Id"] = f"<{reference}-{time.time_ns()}@bench.example.com>"
    message.set_content("Please find our order attached.")
    message.add_attachment(
        content, maintype="application", subtype=XLSX.split("/")[1], filename=f"{reference}.xlsx"
    )
    return message.as_string()


def _ubl(reference, partner, codes):
    items = "".join(
        f"""<cac:OrderLine><cac:LineItem><cbc:ID>{i}</cbc:ID>
<cbc:Quantity unitCode="EA">{qty}</cbc:Quantity>
<cbc:LineExtensionAmount currencyID="USD">{qty * 9.5:.2f}</cbc:LineExtensionAmount>
<cac:Price><cbc:PriceAmount currencyID="USD">9.50</cbc:PriceAmount></cac:Price>
<cac:Item><cbc:Name>Item {code}</cbc:Name>
<cac:SellersItemIdentification><cbc:ID>{code}</cbc:ID></cac:SellersItemIdentification>
</cac:Item></cac:LineItem></cac:OrderLine>"""
        for i, (code, qty) in enumerate(codes, start=1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>
<cbc:ID>{reference}</cbc:ID><cbc:IssueDate>2026-12-01</cbc:IssueDate>
<cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode>
<cac:BuyerCustomerParty><cac:Party><cac:PartyName><cbc:Name>{partner.name}</cbc:Name>
</cac:PartyName><cac:Contact><cbc:ElectronicMail>{partner.email}</cbc:ElectronicMail>
</cac:Contact></cac:Party></cac:BuyerCustomerParty>
{items}</Order>""".encode()


def _lines(products, options, i):
    return [
        (products[(i + j) % len(products)].default_code, 1 + j % 5) for j in range(options.lines)
    ]


class _Phase:
    def __init__(self, cr, results, name):
        self.cr, self.results, self.name = cr, results, name

    def __enter__(self):
        from odoo import sql_db  # noqa: PLC0415

        self.sql = sql_db
        self.cr.flush()
        self.start_queries = sql_db.sql_counter
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.cr.flush()
        self.results[self.name] = {
            "seconds": time.perf_counter() - self.start,
            "queries": self.sql.sql_counter - self.start_queries,
        }


def work(options):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.fields import Command  # noqa: PLC0415

    registry = harness.open_registry(options)
    phases = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        partners, products = _prepare(env, options)
        stamp = time.time_ns()
        if options.worker == "xlsx":
            refs = [f"XB-{stamp}-{i}" for i in range(options.orders)]
            emails = [
                _email(
                    partners[i % len(partners)],
                    refs[i],
                    _xlsx(refs[i], _lines(products, options, i)),
                )
                for i in range(options.orders)
            ]
            by_code = {product.default_code: product for product in products}
            vals = [
                {
                    "partner_id": partners[i % len(partners)].id,
                    "client_order_ref": f"ORM-{refs[i]}",
                    "order_line": [
                        Command.create({"product_id": by_code[code].id, "product_uom_qty": qty})
                        for code, qty in _lines(products, options, i)
                    ],
                }
                for i in range(options.orders)
            ]
            # create() fills in the values it is given: each phase its own copy.
            batch, single = copy.deepcopy(vals), copy.deepcopy(vals)
            env.invalidate_all()
            with _Phase(cr, phases, "orm"):
                env["sale.order"].create(batch)
            # The same orders one by one, as e-mails arrive (one create each).
            for order_vals in single:
                order_vals["client_order_ref"] += "-1"
            env.invalidate_all()
            with _Phase(cr, phases, "orm_one_by_one"):
                for order_vals in single:
                    env["sale.order"].create(order_vals)
            env.invalidate_all()
            with _Phase(cr, phases, "message_process"):
                for message in emails:
                    env["mail.thread"].message_process(
                        "sale.order", message, custom_values={"order_channel": "email"}
                    )
            orders = env["sale.order"].search([("client_order_ref", "in", refs)])
            assert len(orders) == options.orders, "every e-mail made its order"
            assert len(orders.order_line) == options.orders * options.lines, "every line read"
        else:
            refs = [f"UB-{stamp}-{i}" for i in range(options.orders)]
            attachments = env["ir.attachment"].create(
                [
                    {
                        "name": f"{refs[i]}.xml",
                        "raw": _ubl(
                            refs[i], partners[i % len(partners)], _lines(products, options, i)
                        ),
                        "mimetype": "application/xml",
                    }
                    for i in range(options.orders)
                ]
            )
            cr.commit()  # Odoo's import commits around each file
            env.invalidate_all()
            with _Phase(cr, phases, "upload"):
                env["sale.order"].create_document_from_attachment(attachments.ids)
            orders = env["sale.order"].search([("client_order_ref", "in", refs)])
            assert len(orders) == options.orders, "every file made its order"
            assert len(orders.order_line) == options.orders * options.lines, "every line read"
        cr.rollback()
    print(json.dumps(phases))


def main():
    parser = harness.bench_parser(__doc__, worker_choices=["xlsx", "ubl"])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    harness.dispatch(parser.parse_args(), work, orchestrate)


if __name__ == "__main__":
    main()
