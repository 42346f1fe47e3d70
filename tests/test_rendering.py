import io
from datetime import date
from types import SimpleNamespace

import openpyxl
import xlsxwriter
from markupsafe import Markup

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, TransactionCase, new_test_user, tagged

from ..tools.rendering import (
    Column,
    Styles,
    Total,
    amount_format,
    money_format,
    percent_format,
    render_discrepancy_xlsx,
    sheet_name,
    trend_svg,
    write_table,
)

# Symbols made of Excel number format codes: hours, minutes, seconds, days,
# years, exponent, the start of a [condition], a quote, an escape, a section
# separator, digits.
TRICKY_SYMBOLS = ["KSh", "h", "m", "s", "d", "y", "E", "[", '"', "\\", ";", "0#", "AED", 'K"Sh"']


def split_format(num_format):
    """The codes and the literal text of an Excel number format, as Excel
    reads it: text in double quotes and characters after a backslash are
    literal, the rest is codes."""
    codes, literal, index = [], [], 0
    while index < len(num_format):
        char = num_format[index]
        if char == '"':
            end = num_format.index('"', index + 1)
            literal.append(num_format[index + 1 : end])
            index = end + 1
        elif char == "\\":
            literal.append(num_format[index + 1])
            index += 2
        else:
            codes.append(char)
            index += 1
    return "".join(codes), "".join(literal)


def currency(symbol, position="before", digits=2, name="XXX"):
    return SimpleNamespace(symbol=symbol, name=name, position=position, decimal_places=digits)


@tagged("post_install", "-at_install")
class TestNumberFormats(BaseCase):
    def test_symbol_is_quoted(self):
        self.assertEqual(amount_format("KSh", "before"), '"KSh" #,##0.00')
        self.assertEqual(amount_format("KSh", "after"), '#,##0.00 "KSh"')
        self.assertEqual(amount_format('K"Sh', "after"), '#,##0.00 "K"\\""Sh"')

    def test_no_symbol_character_is_a_code(self):
        for symbol in TRICKY_SYMBOLS:
            for position, codes in (("before", " #,##0.00"), ("after", "#,##0.00 ")):
                with self.subTest(symbol=symbol, position=position):
                    num_format = amount_format(symbol, position)
                    self.assertEqual(split_format(num_format), (codes, symbol))

    def test_digits_and_position_of_the_currency(self):
        self.assertEqual(money_format(currency("¥", "before", 0)), '"¥" #,##0')
        self.assertEqual(money_format(currency("د.ك", "after", 3)), '#,##0.000 "د.ك"')
        # A currency without a symbol shows its code.
        self.assertEqual(money_format(currency("", "after", name="XAF")), '#,##0.00 "XAF"')
        self.assertEqual(money_format(None), "#,##0.00")

    def test_percent_format(self):
        self.assertEqual(percent_format(), "0.0%")
        self.assertEqual(percent_format(0), "0%")
        self.assertEqual(percent_format(2), "0.00%")

    def test_unknown_position_is_refused(self):
        with self.assertRaises(ValueError):
            amount_format("$", "left")

    def test_quoted_format_reaches_the_file(self):
        for symbol in TRICKY_SYMBOLS:
            with self.subTest(symbol=symbol):
                output = io.BytesIO()
                book = xlsxwriter.Workbook(output, {"in_memory": True})
                styles = Styles(book, currency(symbol, "after"))
                book.add_worksheet("Money").write_number(0, 0, 1234.5, styles.cell["money"])
                book.close()
                cell = openpyxl.load_workbook(output)["Money"]["A1"]
                self.assertEqual(cell.number_format, amount_format(symbol, "after"))


@tagged("post_install", "-at_install")
class TestTableWriter(BaseCase):
    ROWS = (
        {"name": "Lamp", "qty": 2, "value": -30.0},
        {"name": "Desk", "qty": 1, "value": 50.5},
        {"name": "Chair", "qty": 0, "value": None},
    )
    COLUMNS = (
        Column("Name", "name"),
        Column("Qty", "qty", "qty"),
        Column("Value", "value", "money"),
    )
    TOTALS = (
        Total("Losses", ("value",), "<0", label_key="qty"),
        Total("Gains", ("value",), ">0", label_key="qty"),
        Total("Net", ("qty", "value"), label_key="name"),
    )

    def _write(self, columns=COLUMNS, rows=ROWS, **kwargs):
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        styles = Styles(book, currency("€", "after"))
        table = write_table(book.add_worksheet("T"), styles, columns, rows, **kwargs)
        book.close()
        sheet = openpyxl.load_workbook(output)["T"]
        cached = openpyxl.load_workbook(output, data_only=True)["T"]
        return table, sheet, cached

    def _values(self, sheet, row):
        return [cell.value for cell in sheet[row]]

    def test_header_rows_and_totals(self):
        table, sheet, cached = self._write(header_row=2, totals=self.TOTALS, totals_gap=1)
        self.assertEqual((table.first_row, table.last_row, table.row_count), (3, 5, 3))
        self.assertEqual(self._values(sheet, 3), ["Name", "Qty", "Value"])
        self.assertEqual(self._values(sheet, 4), ["Lamp", 2, -30])
        self.assertEqual(self._values(sheet, 6), ["Chair", 0, None], "zero written, None empty")
        self.assertEqual(self._values(sheet, 7), [None, None, None], "the gap")
        self.assertEqual(self._values(sheet, 8), [None, "Losses", '=SUMIF(C4:C6,"<0")'])
        self.assertEqual(self._values(sheet, 9), [None, "Gains", '=SUMIF(C4:C6,">0")'])
        self.assertEqual(self._values(sheet, 10), ["Net", "=SUM(B4:B6)", "=SUM(C4:C6)"])
        self.assertEqual(
            [self._values(cached, row)[2] for row in (8, 9, 10)],
            [-30, 50.5, 20.5],
            "the values cached for viewers that do not compute",
        )
        self.assertEqual(sheet.freeze_panes, "A4")
        self.assertEqual(sheet.auto_filter.ref, "A3:C6")
        self.assertEqual(sheet.print_title_rows, "$3:$3")
        self.assertEqual(sheet.page_setup.orientation, "landscape")
        self.assertEqual(sheet["C8"].number_format, '#,##0.00 "€"')

    def test_added_column_keeps_totals_right(self):
        columns = (
            Column("Code", "code", get=lambda row: row["name"][:2].upper()),
            *self.COLUMNS[:2],
            Column("Note", "note", get=lambda row: "x"),
            self.COLUMNS[2],
        )
        _table, sheet, cached = self._write(columns, totals=self.TOTALS)
        self.assertEqual(self._values(sheet, 1), ["Code", "Name", "Qty", "Note", "Value"])
        self.assertEqual(self._values(sheet, 2), ["LA", "Lamp", 2, "x", -30])
        self.assertEqual(self._values(sheet, 5), [None, None, "Losses", None, '=SUMIF(E2:E4,"<0")'])
        self.assertEqual(self._values(sheet, 7), [None, "Net", "=SUM(C2:C4)", None, "=SUM(E2:E4)"])
        self.assertEqual(self._values(cached, 7)[4], 20.5)
        self.assertEqual(sheet.auto_filter.ref, "A1:E4")

    def test_totals_as_numbers_and_empty_tables(self):
        totals = (Total("Total", ("value",), formula=False),)
        _table, sheet, _cached = self._write(totals=totals)
        self.assertEqual(self._values(sheet, 5), ["Total", None, 20.5])
        # No rows: no formula over an empty range (nor over the totals row
        # itself), a zero; a total that is only for rows is left out.
        totals = (Total("Net", ("value",)), Total("Only with rows", ("qty",), if_empty=False))
        table, sheet, _cached = self._write(rows=iter(()), totals=totals)
        self.assertEqual(table.row_count, 0)
        self.assertEqual(self._values(sheet, 2), ["Net", None, 0])
        self.assertEqual(sheet.max_row, 2)

    def test_rows_stream(self):
        rows = ({"name": f"P{index}", "qty": index, "value": 1.0} for index in range(1000))
        table, sheet, _cached = self._write(rows=rows, totals=(Total("T", ("value",)),))
        self.assertEqual(table.row_count, 1000)
        self.assertEqual(table.cells("value"), "C2:C1001")
        self.assertEqual(sheet["C1002"].value, "=SUM(C2:C1001)")

    def test_widths_follow_the_content(self):
        columns = (
            Column("Name", "name"),
            Column("Qty", "qty", "qty", width=7),
            Column("Value", "value", "money", max_width=9),
            Column("Late", "late", "bool"),
            Column("On", "on", "date"),
        )
        rows = [
            {"name": "A" * 30, "qty": 1, "value": 123456.0, "late": True, "on": date(2020, 1, 2)}
        ]
        _table, sheet, _cached = self._write(columns, rows=rows)
        widths = {key: round(dim.width) for key, dim in sheet.column_dimensions.items()}
        self.assertEqual(widths["A"], 33, "the longest text")
        self.assertEqual(widths["B"], 8, "a fixed width")
        self.assertEqual(widths["C"], 10, "capped")
        self.assertGreaterEqual(widths["D"], len("Late"))
        self.assertEqual(sheet["D2"].value, "✔")
        self.assertEqual(sheet["E2"].number_format, "yyyy-mm-dd")

    def test_wide_characters_count_twice(self):
        """Chinese (and other full-width) characters take two columns: a
        name of 20 of them needs 40, not 20."""
        rows = [{"name": "升降桌" * 7, "qty": 1, "value": 1.0}]
        _table, sheet, _cached = self._write(rows=rows)
        self.assertGreaterEqual(sheet.column_dimensions["A"].width, 42)

    def test_bad_specs_are_refused(self):
        with self.assertRaises(ValueError):
            Column("X", "x", "currency")
        with self.assertRaises(ValueError):
            Total("T", ("value",), criteria="<>0")
        with self.assertRaises(ValueError):
            self._write(totals=(Total("T", ("missing",)),))
        with self.assertRaises(ValueError):
            self._write(totals=(Total("T", ("name",)),))
        with self.assertRaises(ValueError):
            self._write(totals=(Total("T", ("value",), label_key="missing"),))

    def test_sheet_name(self):
        self.assertEqual(sheet_name("Returns [A/B]: *?"), "Returns -A-B-- --")
        self.assertEqual(len(sheet_name("x" * 40)), 31)


@tagged("post_install", "-at_install")
class TestTrendSvg(BaseCase):
    TREND = [
        {"month": date(2025, 11, 1), "revenue": 100.0},
        {"month": date(2025, 12, 1), "revenue": None},
        {"month": date(2026, 1, 1), "revenue": 250.0},
    ]

    def test_a_label_for_every_point(self):
        svg = trend_svg(self.TREND)
        self.assertIsInstance(svg, Markup)
        self.assertEqual(svg.count("<circle"), 3)
        self.assertEqual(svg.count("<text"), 3)
        positions = [svg.index(f">{label}</text>") for label in ("11/25", "12/25", "01/26")]
        self.assertEqual(positions, sorted(positions), "in the order of the points")

    def test_many_months_labels_turn(self):
        """Up to a label's width apart, the labels stand straight; closer
        (two years of months), they are turned so that none overlaps,
        and every point keeps its label."""
        months = [
            {"month": date(2024 + index // 12, index % 12 + 1, 1), "revenue": float(index)}
            for index in range(24)
        ]
        svg = trend_svg(months)
        self.assertEqual(svg.count("<text"), 24)
        self.assertEqual(svg.count("rotate(-45"), 24)
        self.assertNotIn("rotate(", trend_svg(self.TREND))

    def test_points_stay_in_the_chart(self):
        svg = trend_svg([*self.TREND, {"month": date(2026, 2, 1), "revenue": -80.0}], height=180)
        points = svg.split('points="')[1].split('"')[0].split()
        heights = [float(point.split(",")[1]) for point in points]
        self.assertTrue(all(24 <= y <= 156 for y in heights), heights)
        self.assertEqual(max(heights), 156, "the lowest value at the bottom")
        self.assertEqual(min(heights), 24, "the highest at the top")
        single = trend_svg(self.TREND[:1])
        self.assertEqual(single.count("<text"), 1)

    def test_labels_are_escaped_and_no_points_no_chart(self):
        svg = trend_svg(self.TREND[:1], label=lambda point: "<b>&</b>")
        self.assertIn("&lt;b&gt;&amp;&lt;/b&gt;", svg)
        self.assertEqual(trend_svg([]), "")


@tagged("post_install", "-at_install")
class TestRenderingWithCurrencies(TransactionCase):
    def test_pack_in_kenyan_shillings(self):
        Pack = self.env["customer.order.report.pack"]
        data = Pack._get_data(date(2019, 1, 1), date(2019, 1, 31), {"summary", "channels"})
        kes = self.env.ref("base.KES")
        data["currency"] = kes
        data["channels"] = [{"channel": "Web", "orders": 2, "revenue": 1500.0}]
        book = openpyxl.load_workbook(io.BytesIO(Pack._render_xlsx(data)))
        self.assertEqual(book["Summary"]["B6"].number_format, '#,##0.00 "KSh"')
        channels = book["Channels"]
        self.assertEqual(channels["C2"].number_format, '#,##0.00 "KSh"')
        self.assertEqual([cell.value for cell in channels[3]], ["Total", None, "=SUM(C2)"])
        self.assertEqual(channels["C3"].number_format, '#,##0.00 "KSh"')
        cached = openpyxl.load_workbook(io.BytesIO(Pack._render_xlsx(data)), data_only=True)
        self.assertEqual(cached["Channels"]["C3"].value, 1500, "the sum cached for viewers")

    def test_pack_section_hook_adds_a_column(self):
        Pack = self.env["customer.order.report.pack"]
        columns = Pack._get_section_columns("channels")
        extended = (*columns[:2], Column("Share", "share", "percent"), columns[2])
        self.patch(type(Pack), "_get_section_columns", lambda self, code: extended)
        data = Pack._get_data(date(2019, 1, 1), date(2019, 1, 31), {"summary", "channels"})
        data["channels"] = [
            {"channel": "Web", "orders": 2, "revenue": 1500.0, "share": 0.75},
            {"channel": "Mail", "orders": 1, "revenue": 500.0, "share": 0.25},
        ]
        sheet = openpyxl.load_workbook(io.BytesIO(Pack._render_xlsx(data)))["Channels"]
        self.assertEqual(
            [cell.value for cell in sheet[1]], ["Channel", "Orders", "Share", "Revenue"]
        )
        self.assertEqual([cell.value for cell in sheet[4]], ["Total", None, None, "=SUM(D2:D3)"])

    def test_discrepancies_in_kenyan_shillings(self):
        rows = [
            {
                "product": "Lamp",
                "reference": "",
                "abc": "A",
                "location": "WH/Stock",
                "lot": "",
                "book_qty": 10.0,
                "counted_qty": 8.0,
                "difference_qty": -2.0,
                "difference_percent": -0.2,
                "unit_cost": 150.0,
                "difference_value": -300.0,
                "reason": "",
            }
        ]
        content = render_discrepancy_xlsx(
            rows,
            title="Count X",
            subtitle="WH/Stock",
            currency=self.env.ref("base.KES"),
            translate=self.env._,
        )
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        self.assertEqual(sheet["K5"].number_format, '#,##0.00 "KSh"')
        self.assertEqual(sheet["K9"].value, "=SUM(K5)")
        self.assertIsNone(sheet["B5"].value, "an empty text stays an empty cell")

    def test_discrepancies_read_with_the_users_rights(self):
        session = self.env["stock.count.session"].create(
            {"location_id": self.env.ref("stock.stock_location_stock").id}
        )
        salesman = new_test_user(
            self.env, login="com_render_salesman", groups="sales_team.group_sale_salesman"
        )
        with self.assertRaises(AccessError):
            session.with_user(salesman)._render_discrepancy_xlsx()
