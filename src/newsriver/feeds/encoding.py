"""Deciding which character encoding a feed's bytes are really in.

Publishers get this wrong constantly: a UTF-8 body labelled ISO-8859-1, a BOM that
contradicts the XML declaration, windows-1252 bytes labelled UTF-8. The order of
evidence is BOM → HTTP charset → XML declaration → UTF-8 → windows-1252, with one
repair on top: a single-byte label on bytes that are valid, non-ASCII UTF-8 is
believed to be wrong, because Latin-1 text almost never forms valid multi-byte
UTF-8 sequences by accident.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# A document that starts with "<" in UTF-32 or "<?" in UTF-16, without a BOM
# (XML 1.0 appendix F).
_BOMLESS_WIDE = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
# Labels whose every byte decodes to something, so they can never be proven wrong by a
# decoding error; valid UTF-8 under such a label is taken as a mislabelled UTF-8 body.
_SINGLE_BYTE = frozenset({"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"})


@dataclass(frozen=True, slots=True)
class DecodedDocument:
    """A document's text as UTF-8 bytes, ready for a parser told to read UTF-8."""

    utf8: bytes
    encoding: str
    # Why the encoding chosen is not the one the document claimed, if it is not.
    repaired: str | None = None


def decode_document(body: bytes, content_type: str | None = None) -> DecodedDocument:
    """Return `body` re-encoded as UTF-8, with the encoding it was found to be in.

    Undecodable bytes become U+FFFD rather than an error: losing one character is
    better than losing the article. Does not strip XML declarations; parsers must be
    told the encoding explicitly so the (possibly wrong) declaration is ignored.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _transcode(body[len(bom) :], name, None)
    for prefix, name in _BOMLESS_WIDE:
        if body.startswith(prefix):
            return _transcode(body, name, None)
    declared = _http_charset(content_type) or _declared_charset(body)
    if declared is not None and declared.startswith(("utf-16", "utf-32")) and b"\0" not in body[:4]:
        # A wide-encoding label on a document that is visibly byte-oriented is a lie.
        declared = None
    if body.isascii() and (declared is None or not declared.startswith(("utf-16", "utf-32"))):
        return DecodedDocument(body, _display_name(declared) if declared else "utf-8")
    if declared is None or declared == "utf-8":
        if _is_utf8(body):
            return DecodedDocument(body, "utf-8")
        repaired = "bytes are not UTF-8; read as windows-1252"
        return _transcode(body, "cp1252", repaired if declared else None)
    if declared in _SINGLE_BYTE and not body.isascii() and _is_utf8(body):
        return DecodedDocument(
            body, "utf-8", f"declared {_display_name(declared)} but bytes are UTF-8"
        )
    return _transcode(body, declared, None)


def _transcode(body: bytes, encoding: str, repaired: str | None) -> DecodedDocument:
    if encoding == "utf-8":
        text = body.decode("utf-8", errors="replace")
    elif encoding == "cp1252":
        # cp1252 leaves five bytes undefined; browsers map them to C1 controls, which
        # XML forbids, so they become U+FFFD like any other undecodable byte.
        text = body.decode("cp1252", errors="replace")
    else:
        text = body.decode(encoding, errors="replace")
    return DecodedDocument(text.encode("utf-8"), _display_name(encoding), repaired)


def _is_utf8(body: bytes) -> bool:
    if body.isascii():
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _http_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET.search(content_type)
    return _normalise(match.group(1)) if match else None


def _declared_charset(body: bytes) -> str | None:
    match = _DECLARATION.match(body[:512])
    return _normalise(match.group(1).decode("ascii")) if match else None


def _normalise(label: str) -> str | None:
    """Map a charset label to Python's codec name; None when Python has no such codec."""
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # WHATWG Encoding Standard: the ISO-8859-1 and ASCII labels mean windows-1252 on the
    # web, and publishers who write them almost always produce windows-1252 bytes.
    if name in {"latin-1", "iso8859-1", "ascii"}:
        return "cp1252"
    return name


def _display_name(codec_name: str) -> str:
    return {"cp1252": "windows-1252"}.get(codec_name, codec_name)
