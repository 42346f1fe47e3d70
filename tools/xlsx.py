"""Helpers shared by the addon's XLSX exports."""

A4 = 9  # xlsxwriter's paper index for A4


def set_print_setup(sheet, header_row=None):
    """Print ``sheet`` landscape on A4, one page wide (as many pages long as
    the rows need), with row ``header_row`` repeated on every page."""
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    if header_row is not None:
        sheet.repeat_rows(header_row)
