"""XML parsed without ever resolving an entity.

Purchase orders (UBL) have no DOCTYPE: a document that declares one is
refused outright, so neither an external entity (a local file, a URL) nor a
billion-laughs expansion is ever resolved, whatever the parser's defaults."""

from lxml import etree

from odoo.tools import LazyTranslate

from .model import IntakeError

_lt = LazyTranslate(__name__)

MAX_XML_BYTES = 10 * 1024 * 1024
_DOCTYPE_REFUSED = _lt("the XML file declares a DOCTYPE (entities); such files are refused unread")


def _parser():
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(raw):
    """The root element of the XML document ``raw`` (bytes).

    :raise IntakeError: not well-formed, too large, or declares a DOCTYPE."""
    if len(raw or b"") > MAX_XML_BYTES:
        raise IntakeError(_lt("the XML file is larger than 10 MB"))
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        # Refused before the parser sees the declarations at all.
        raise IntakeError(_DOCTYPE_REFUSED)
    try:
        root = etree.fromstring(raw, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise IntakeError(
            _lt("the XML file is damaged (%(error)s)", error=str(error)[:200])
        ) from None
    if root is None:
        raise IntakeError(_lt("the XML file is empty"))
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise IntakeError(_DOCTYPE_REFUSED)
    return root
