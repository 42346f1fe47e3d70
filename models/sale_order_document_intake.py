"""Document intake: purchase orders that reach the order inbox (or the
Upload button of the quotation list) become order lines.

Odoo's own import framework (``account.document.import.mixin``, used by
``sale_edi_ubl``) finds a decoder per file: UBL / Peppol orders, also inside
a PDF, go to Odoo's decoder; XLSX and CSV order forms to ours
(:mod:`..tools.intake`); plain-text lines of the e-mail body are read when
the e-mail carries no order document. Every XML is parsed without resolving
any entity."""

import logging

import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import RedirectWarning, UserError
from odoo.fields import Command, Domain
from odoo.tools import html2plaintext
from odoo.tools.mimetypes import guess_mimetype

from ..tools import check_protected_create, check_protected_write, intake, write_protected

INTAKE_STATES = [
    ("none", "Not From a Document"),
    ("parsed", "Read"),
    ("needs_attention", "Needs Attention"),
]

# Written only by the intake methods (see tools/protected.py).
INTAKE_OWNED_FIELDS = {"intake_state", "intake_ack_date"}

FORM_TYPES = {"com_order_xlsx": intake.read_xlsx, "com_order_csv": intake.read_csv}
UBL_TYPE = "sale.edi.xml.ubl_bis3"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_logger = logging.getLogger(__name__)


def _is_xml_file(file_data):
    mimetype = file_data.get("mimetype") or ""
    name = file_data.get("name") or ""
    return (
        mimetype.endswith("/xml")
        or name.lower().endswith(".xml")
        or (
            "text/plain" in mimetype
            and guess_mimetype(file_data.get("raw") or b"").endswith("/xml")
        )
    )


class SaleOrder(models.Model):
    _inherit = "sale.order"

    intake_state = fields.Selection(
        INTAKE_STATES,
        string="Document Intake",
        default="none",
        required=True,
        copy=False,
        readonly=True,
        tracking=True,
        index=True,
        help="Read: the order's lines were read from the customer's document. Needs "
        "Attention: some rows could not be matched to a product or read; they are kept "
        "as notes on the order until someone maps or removes them.",
    )

    intake_ack_date = fields.Datetime(
        string="Receipt Acknowledged On",
        copy=False,
        readonly=True,
        help="When the sender was told what was read from their document (sent once).",
    )
    intake_row_ids = fields.One2many(
        "sale.order.line",
        "order_id",
        string="Document Rows",
        domain=[("intake_row_state", "!=", False)],
        readonly=True,
        help="Rows of the customer's document that are kept as notes: map each to a "
        "product, or delete it once handled.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, INTAKE_OWNED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, INTAKE_OWNED_FIELDS)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Decoder framework (account.document.import.mixin)
    # ------------------------------------------------------------------

    @api.model
    def _get_xml_tree(self, file_data):
        # Never Odoo's default parser (it resolves entities): ours refuses any
        # DOCTYPE and resolves nothing. Why a file was refused is kept for the note.
        if not _is_xml_file(file_data):
            return None
        try:
            return intake.parse_xml(file_data["raw"] or b"")
        except intake.IntakeError as error:
            file_data["intake_error"] = str(error)
            return None

    @api.model
    def _get_import_file_type(self, file_data):
        name = (file_data.get("name") or "").lower()
        mimetype = file_data.get("mimetype") or ""
        if name.endswith(".xlsx") or mimetype == XLSX_MIMETYPE:
            return "com_order_xlsx"
        if name.endswith(".csv") or mimetype == "text/csv":
            return "com_order_csv"
        return super()._get_import_file_type(file_data)

    def _get_edi_decoder(self, file_data, new=False):
        decoder = super()._get_edi_decoder(file_data, new=new)
        if decoder:
            return decoder
        file_type = file_data.get("import_file_type")
        if file_type in FORM_TYPES:
            return {"priority": 10, "decoder": self._intake_decoder}
        if self._intake_unread_reason(file_data):
            # Lowest priorities: used only when nothing in the group can be
            # read; a file refused for a reason of its own says so first.
            priority = 2 if file_data.get("intake_error") else 1
            return {"priority": priority, "decoder": self._intake_unread_decoder}
        return None

    def _extend_with_attachments(self, files_data, new=False):
        if self.env.registry.ready:
            result = super()._extend_with_attachments(files_data, new=new)
        else:
            result = self._intake_decode_in_transaction(files_data, new)
        self._intake_after_decode(files_data)
        return result

    def _intake_extend_from_email(self, files_data):
        """Decode an e-mailed document inside the gateway's transaction.

        Odoo's import framework commits before and after each document (to
        keep the record when the decoder fails): in the mail gateway that
        would commit a half-processed e-mail and flush everything twice per
        document. Here the decoder runs in a savepoint; a failure rolls back
        only the decoder's work and is logged on the order, as Odoo does."""
        result = self._intake_decode_in_transaction(files_data, True, log_errors=True)
        self._intake_after_decode(files_data)
        return result

    def _intake_after_decode(self, files_data):
        if any(file_data.get("import_file_type") == UBL_TYPE for file_data in files_data):
            for order in self.filtered(lambda o: o.order_channel != "fax"):
                order.order_channel = "edi"
        self._intake_finish()

    def _intake_decode_in_transaction(self, files_data, new, log_errors=False):
        """Run the best decoder of ``files_data`` inside a savepoint (no
        commit: while modules load, nothing may commit; in the mail gateway,
        the e-mail is one transaction)."""
        self.ensure_one()
        for file_data in files_data:
            if "decoder_info" not in file_data:
                file_data["decoder_info"] = self._get_edi_decoder(file_data, new=new)
        decodable = [fd for fd in files_data if (fd["decoder_info"] or {}).get("priority")]
        if not decodable:
            return None
        file_data = max(decodable, key=lambda fd: fd["decoder_info"]["priority"])
        try:
            with self.env.cr.savepoint():
                reason = file_data["decoder_info"]["decoder"](self, file_data, new)
        except (RedirectWarning, psycopg2.errors.SerializationFailure):
            raise
        except Exception:
            if not log_errors:
                raise
            _logger.exception("Error importing attachment %s on record %s", file_data["name"], self)
            self.sudo().message_post(
                body=self.env._(
                    "Error importing attachment %(filename)s: the document could not be read.",
                    filename=file_data["name"],
                )
            )
            return False
        if reason:
            self.message_post(
                body=self.env._(
                    "Attachment %(filename)s not imported: %(reason)s",
                    filename=file_data["name"],
                    reason=reason,
                )
            )
            return False
        return True

    @api.model
    def _intake_decoder(self, order, file_data, new):
        reader = FORM_TYPES[file_data["import_file_type"]]
        try:
            parsed = intake.read_cached(reader, file_data["raw"] or b"")
        except intake.IntakeError as error:
            order._intake_write_problem(file_data["name"], str(error))
            return
        order._intake_write(parsed, source=file_data["name"])
        return

    @api.model
    def _intake_unread_decoder(self, order, file_data, new):
        order._intake_write_problem(file_data["name"], self._intake_unread_reason(file_data))

    @api.model
    def _intake_unread_reason(self, file_data):
        """Why a file that looks like a purchase order was not read, or None
        for files that are not order documents (images, signatures, ...)."""
        if file_data.get("intake_error"):
            return file_data["intake_error"]
        if file_data.get("xml_tree") is not None:
            return self.env._("this XML file is not a purchase order (UBL / Peppol Order)")
        if _is_xml_file(file_data):
            return self.env._("the XML file could not be read")
        if file_data.get("import_file_type") == "pdf":
            return self.env._(
                "this PDF has no order data embedded; read it and enter the lines by hand"
            )
        return None

    # ------------------------------------------------------------------
    # E-mail intake
    # ------------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        # A document (or customer reference) already received from this
        # customer: no second order, the e-mail goes to the existing one's thread.
        duplicate = self._intake_find_duplicate_of_email(msg_dict).with_env(self.env)
        # (found with sudo: handed back only to whoever may read it, as the gateway)
        if duplicate and duplicate.has_access("read"):
            return duplicate
        return super().message_new(msg_dict, custom_values=custom_values)

    def _message_post_after_hook(self, message, msg_values):
        result = super()._message_post_after_hook(message, msg_values)
        if self._intake_reads_message(message):
            self._intake_process_message(message)
        elif len(self) == 1 and message.message_type == "email" and message.attachment_ids:
            repeated = self._intake_repeated_documents(message)
            if repeated:
                self._intake_notify_duplicate(message.author_id, repeated)
        return result

    def _intake_reads_message(self, message):
        """Facts, not flags: the first e-mail of a draft order of the order
        inbox that has no lines yet and was never read."""
        return (
            len(self) == 1
            and message.message_type == "email"
            and self.state == "draft"
            and self.order_channel in ("email", "fax")
            and self.intake_state == "none"
            and not self.order_line
        )

    def _intake_process_message(self, message):
        """One order per purchase-order document of ``message``; files that
        look like orders but cannot be read and the lines typed in the body
        go to this order."""
        files_data = self._to_files_data(message.attachment_ids)
        files_data.extend(self._unwrap_attachments(files_data))
        readable, unreadable = [], []
        partner = self.partner_id.commercial_partner_id
        for group in self._group_files_data_by_origin_attachment(files_data):
            duplicate = self._intake_is_order_document(group) and self._intake_find_duplicate(
                partner, group, exclude=self
            )
            if duplicate:
                # Already in (another document of this e-mail is new).
                names = [group[0]["name"]]
                duplicate._intake_notify_duplicate(self.partner_id, names)
                continue
            for file_data in group:
                file_data["decoder_info"] = self._get_edi_decoder(file_data, new=True)
            best = max((fd["decoder_info"] or {}).get("priority", 0) for fd in group)
            if best >= 10:
                readable.append(group)
            elif best:
                unreadable.append(group)
        if len(readable) > 1:
            # The first document stays with this order's message, the others go with theirs.
            others = self._from_files_data([fd for group in readable[1:] for fd in group])
            message.attachment_ids = [Command.set((message.attachment_ids - others).ids)]
            orders = self | self._intake_split(message, readable[1:])
        else:
            orders = self
        for order, group in zip(orders, readable, strict=False):
            order._intake_extend_from_email(group)
        for group in unreadable:
            self._intake_extend_from_email(group)
        if not readable:
            lines = intake.parse_text_lines(html2plaintext(message.body or ""))
            if lines:
                self._intake_write(intake.ParsedOrder(lines=lines), source=None)
                self._intake_finish()
        orders = orders.filtered(lambda o: o.intake_state != "none")
        orders._intake_after_read()
        orders._intake_acknowledge()

    def _intake_split(self, message, groups):
        """Create an order for each further document of ``message`` (each
        with its own copy of the e-mail and its document)."""
        self.ensure_one()
        vals = {
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "order_channel": self.order_channel,
            "origin": self.origin,
            "user_id": self.user_id.id,
        }
        orders = self.create([dict(vals) for _group in groups])
        for order, group in zip(orders, groups, strict=True):
            attachments = self._from_files_data(group)
            attachments.write({"res_id": order.id})
            message.copy({"res_id": order.id, "attachment_ids": [Command.set(attachments.ids)]})
        return orders

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------

    @api.model
    def _intake_find_duplicate_of_email(self, msg_dict):
        """The order of the sender that an e-mail's documents are already
        in: every purchase-order document of the e-mail is a file received
        before (checksum) or carries a customer reference already ordered,
        within the company's duplicate window."""
        partner = self.env["res.partner"].browse(msg_dict.get("author_id")).exists()
        attachments = msg_dict.get("attachments") or []
        if not partner or not attachments:
            return self.browse()
        files_data = []
        for attachment in attachments:
            raw = attachment.content
            if isinstance(raw, str):
                raw = raw.encode()
            file_data = {
                "name": attachment.fname or "",
                "raw": raw or b"",
                "mimetype": (attachment.info or {}).get("content_type")
                or guess_mimetype(raw or b""),
                "attachment": None,
                "origin_attachment": None,
            }
            file_data["xml_tree"] = self._get_xml_tree(file_data)
            file_data["import_file_type"] = self._get_import_file_type(file_data)
            file_data["origin_import_file_type"] = file_data["import_file_type"]
            files_data.append([file_data, *self._unwrap_attachments([file_data])])
        groups = [group for group in files_data if self._intake_is_order_document(group)]
        if not groups:
            return self.browse()
        commercial = partner.commercial_partner_id
        duplicates = [self._intake_find_duplicate(commercial, group) for group in groups]
        if all(duplicates):
            return duplicates[0]
        return self.browse()

    @api.model
    def _intake_is_order_document(self, group):
        return any(
            file_data.get("import_file_type") in (*FORM_TYPES, UBL_TYPE) for file_data in group
        )

    @api.model
    def _intake_window_start(self, company=None):
        days = (company or self.env.company).order_duplicate_days
        if days <= 0:
            return None
        return fields.Datetime.subtract(fields.Datetime.now(), days=days)

    @api.model
    def _intake_find_duplicate(self, partner, group, exclude=None):
        """The order of ``partner`` (commercial) that already has the
        document of ``group`` (same file) or its customer reference, received
        within the duplicate window; empty when none."""
        since = self._intake_window_start()
        if not since or not partner:
            return self.browse()
        Attachment = self.env["ir.attachment"].sudo()
        checksums = [
            Attachment._compute_checksum(fd["raw"] or b"") for fd in group if fd.get("raw")
        ]
        base = (
            Domain("partner_id", "child_of", partner.commercial_partner_id.id)
            & Domain("state", "!=", "cancel")
            & Domain("create_date", ">=", since)
        )
        if exclude:
            base &= Domain("id", "not in", exclude.ids)
        if checksums:
            order_ids = Attachment.search(
                [
                    ("checksum", "in", checksums),
                    ("res_model", "=", "sale.order"),
                    ("create_date", ">=", since),
                ]
            ).mapped("res_id")
            if order_ids:
                found = self.sudo().search(base & Domain("id", "in", order_ids), limit=1)
                if found:
                    return found
        refs = {ref for fd in group if (ref := self._intake_peek_reference(fd))}
        if refs:
            return self.sudo().search(base & Domain("client_order_ref", "in", list(refs)), limit=1)
        return self.browse()

    @api.model
    def _intake_peek_reference(self, file_data):
        """The customer's order number of a document, read without writing."""
        file_type = file_data.get("import_file_type")
        if file_type == UBL_TYPE and file_data.get("xml_tree") is not None:
            return (file_data["xml_tree"].findtext("./{*}ID") or "").strip() or None
        if file_type in FORM_TYPES:
            try:
                return intake.read_cached(
                    FORM_TYPES[file_type], file_data["raw"] or b""
                ).customer_ref
            except intake.IntakeError:
                return None
        return None

    def _intake_repeated_documents(self, message):
        """The names of ``message``'s order documents that this order already
        has: the same file on an earlier message, or its customer reference."""
        self.ensure_one()
        earlier = self.message_ids.filtered(lambda m: m.id < message.id).attachment_ids
        checksums = set(earlier.mapped("checksum"))
        repeated = []
        files_data = self._to_files_data(message.attachment_ids)
        for file_data in files_data:
            group = [file_data, *self._unwrap_attachments([file_data])]
            if not self._intake_is_order_document(group):
                continue
            same_file = file_data["attachment"].checksum in checksums
            refs = {self._intake_peek_reference(fd) for fd in group} - {None}
            if same_file or (self.client_order_ref and self.client_order_ref in refs):
                repeated.append(file_data["name"])
        return repeated

    def _intake_notify_duplicate(self, partner, names):
        """Tell the sender, on this order's thread, that it is already in."""
        self.ensure_one()
        body = Markup("<p>%s</p>") % self.env._(
            "We already have this order: %(documents)s is in our order %(order)s "
            "(your reference: %(reference)s). It was not entered a second time.",
            documents=", ".join(names),
            order=self.name,
            reference=self.client_order_ref or "-",
        )
        self.sudo().message_post(
            body=body,
            partner_ids=partner.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )

    # ------------------------------------------------------------------
    # After reading: review, acknowledgement
    # ------------------------------------------------------------------

    def _intake_after_read(self):
        """Submit the orders read from documents to review when the company
        says so: the review rules run on the lines that arrived."""
        to_submit = self.filtered(
            lambda o: (
                o.company_id.order_intake_auto_review
                and o.state in ("draft", "sent")
                and o.review_state in ("not_reviewed", "rejected")
                and o.order_line.filtered(lambda line: not line.display_type)
            )
        )
        if to_submit:
            to_submit.action_submit_review()

    def _intake_acknowledge(self):
        """E-mail the sender, once per order, what was read from the document."""
        template = self.env.ref(
            "customer_order_management.mail_template_order_received", raise_if_not_found=False
        )
        to_ack = self.filtered(
            lambda o: o.company_id.order_intake_ack and not o.intake_ack_date and o.partner_id.email
        )
        if not template or not to_ack:
            return
        for order in to_ack:
            order.message_post_with_source(
                template,
                author_id=order._intake_ack_author().id,
                email_layout_xmlid="mail.mail_notification_light",
                subtype_xmlid="mail.mt_comment",
            )
        write_protected(to_ack, {"intake_ack_date": fields.Datetime.now()})

    def _intake_ack_author(self):
        """Hook: who acknowledges the order of ``self`` (one order) to its
        sender: the salesperson, else the company; never the gateway's bot."""
        self.ensure_one()
        user = self.user_id
        if user and user.active and not user.share and not user._is_superuser():
            return user.partner_id
        return self.company_id.partner_id

    # ------------------------------------------------------------------
    # Writing what was read
    # ------------------------------------------------------------------

    def _intake_write(self, parsed, source):
        """Write the rows of ``parsed`` as this order's lines, in one write:
        matched rows as product lines, the others as notes carrying the row."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        products = self._intake_match(partner, parsed.lines)
        commands = []
        for sequence, line in enumerate(parsed.lines, start=1):
            product = products.get(id(line))
            if product and not line.problem:
                commands.append(
                    Command.create(
                        {
                            "sequence": sequence,
                            "product_id": product.id,
                            "product_uom_qty": line.quantity,
                        }
                    )
                )
            else:
                commands.append(Command.create(self._intake_note_vals(line, sequence)))
        vals = {"order_line": commands}
        if parsed.customer_ref and not self.client_order_ref:
            vals["client_order_ref"] = parsed.customer_ref
        if commands or vals.get("client_order_ref"):
            self.write(vals)
        if source and not commands:
            self._intake_write_problem(source, self.env._("the order form has no rows"))

    @api.model
    def _intake_note_vals(self, line, sequence=10):
        if line.problem:
            state = "unreadable"
            text = self.env._("Not read: %(row)s (%(problem)s)", row=line.raw, problem=line.problem)
        else:
            state = "unmatched"
            text = self.env._("No product found for: %(row)s", row=line.raw)
        return {
            "sequence": sequence,
            "display_type": "line_note",
            "name": text,
            "intake_row_state": state,
            "intake_code": line.code or line.barcode or False,
            "intake_description": line.description or False,
            "intake_quantity": line.quantity if line.quantity > 0 else 0.0,
        }

    def _intake_write_problem(self, filename, reason):
        """A note on the order saying which document could not be read and why."""
        self.ensure_one()
        self.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "sequence": 0,
                            "display_type": "line_note",
                            "name": self.env._(
                                "%(file)s could not be read: %(reason)s",
                                file=filename,
                                reason=reason,
                            ),
                            "intake_row_state": "unreadable",
                        }
                    )
                ]
            }
        )

    @api.model
    def _intake_match(self, partner, lines):
        """The product of each row (``{id(row): product}``): by barcode, by
        internal reference, then by the customer's own code; three queries
        whatever the number of rows."""
        codes = {value for line in lines for value in (line.code, line.barcode) if value}
        if not codes:
            return {}
        company = self.company_id or self.env.company
        Product = self.env["product.product"].with_company(company)
        found = Product.search_fetch(
            Domain("sale_ok", "=", True)
            & Domain("company_id", "in", [False, company.id])
            & (Domain("barcode", "in", list(codes)) | Domain("default_code", "in", list(codes))),
            ["barcode", "default_code"],
        )
        by_barcode = {product.barcode: product for product in found if product.barcode}
        by_reference = {}
        for product in found:
            if product.default_code:
                by_reference.setdefault(product.default_code, product)
        by_customer = self._intake_customer_codes(partner, codes)
        result = {}
        for line in lines:
            for value in (line.barcode, line.code):
                product = by_barcode.get(value) if value else None
                if product:
                    break
            else:
                product = by_reference.get(line.code) or by_customer.get(line.code)
            if product:
                result[id(line)] = product
        return result

    @api.model
    def _intake_customer_codes(self, partner, codes):
        codes = [code for code in codes if code]
        if not partner or not codes:
            return {}
        customer_codes = self.env["product.customer.code"].search_fetch(
            [("partner_id", "=", partner.commercial_partner_id.id), ("code", "in", codes)],
            ["code", "product_id"],
        )
        return {code.code: code.product_id for code in customer_codes}

    def _intake_finish(self):
        """Set the intake state from the order's lines; schedule (or close)
        the salesperson's activity listing the rows that need a person."""
        activity_type = self.env.ref(
            "customer_order_management.mail_activity_order_intake", raise_if_not_found=False
        )
        for order in self:
            flagged = order.order_line.filtered("intake_row_state")
            if flagged:
                state = "needs_attention"
            elif order.order_line or order.intake_state != "none":
                state = "parsed"
            else:
                continue
            if state != order.intake_state:
                write_protected(order, {"intake_state": state})
            activities = order.activity_ids.filtered(
                lambda a, t=activity_type: a.activity_type_id == t
            )
            if flagged and not activities and activity_type:
                rows = Markup().join(Markup("<li>%s</li>") % line.name for line in flagged)
                order.sudo().activity_schedule(
                    activity_type_id=activity_type.id,
                    user_id=order._intake_responsible().id,
                    note=Markup("<p>%s</p><ul>%s</ul>")
                    % (self.env._("Rows of the customer's document that need a person:"), rows),
                )
            elif not flagged and activities:
                activities.sudo().action_feedback(
                    feedback=self.env._("Every row of the document is on the order.")
                )

    def _intake_responsible(self):
        """Who fixes the rows: the salesperson, else the customer's, else the
        sales team's leader, else the user at work (not the gateway's bot),
        else the administrator."""
        self.ensure_one()
        user = self.env.user
        working = user if user.active and not user._is_superuser() else user.browse()
        return (
            self.user_id
            or self.partner_id.commercial_partner_id.user_id
            or self.team_id.user_id
            or working
            or self.env.ref("base.user_admin")
        )


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    intake_row_state = fields.Selection(
        [("unmatched", "No Product Found"), ("unreadable", "Not Read")],
        string="Document Row",
        copy=False,
        readonly=True,
        help="A row of the customer's document kept as a note: no product matched its "
        "code, or it could not be read.",
    )
    intake_code = fields.Char(string="Customer Code", copy=False, readonly=True)
    intake_description = fields.Char(string="Customer Description", copy=False, readonly=True)
    intake_quantity = fields.Float(
        string="Document Quantity", digits="Product Unit", copy=False, readonly=True
    )

    def unlink(self):
        orders = self.filtered("intake_row_state").order_id
        result = super().unlink()
        orders.exists()._intake_finish()
        return result

    def action_intake_map_product(self):
        """Open the one-click mapping of this unmatched row."""
        self.ensure_one()
        if not self.intake_row_state:
            raise UserError(self.env._("This line is not a row of a customer's document."))
        self.check_access("write")
        self.order_id.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Map to Product"),
            "res_model": "sale.order.intake.map",
            "view_mode": "form",
            "target": "new",
            "context": {"default_line_id": self.id},
        }
