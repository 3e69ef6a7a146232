"""The hardened parser refuses hostile documents before expanding or fetching anything."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from ewp_client import (
    DtdForbiddenError,
    MalformedXmlError,
    ParserLimits,
    XmlTooDeepError,
    XmlTooLargeError,
    parse_xml,
)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        body = b'<!ENTITY x "fetched">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary_server() -> Iterator[str]:
    """A loopback HTTP server that records every request made to it."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_well_formed_document_parses() -> None:
    tree = parse_xml(b"<?xml version='1.0'?><!-- hi --><a xmlns='urn:x'><b>1</b></a>")
    assert tree.getroot().tag == "{urn:x}a"


def test_xxe_local_file_is_refused_and_nothing_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]><a>&x;</a>'
    ).encode()
    with pytest.raises(DtdForbiddenError) as info:
        parse_xml(doc)
    assert info.value.construct == "DOCTYPE"
    assert "TOP-SECRET" not in str(info.value)


def test_xxe_network_entity_is_refused_without_any_request(canary_server: str) -> None:
    doc = f'<!DOCTYPE a [<!ENTITY x SYSTEM "{canary_server}/x">]><a>&x;</a>'.encode()
    with pytest.raises(DtdForbiddenError):
        parse_xml(doc)
    assert _Recorder.hits == []


def test_external_dtd_is_refused_without_any_request(canary_server: str) -> None:
    doc = f'<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "{canary_server}/a.dtd">\n<a/>'.encode()
    with pytest.raises(DtdForbiddenError) as info:
        parse_xml(doc)
    assert info.value.line == 2
    assert _Recorder.hits == []


def test_billion_laughs_is_refused() -> None:
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    doc = f'<!DOCTYPE a [<!ENTITY l0 "lol">{entities}]><a>&l9;</a>'.encode()
    with pytest.raises(DtdForbiddenError):
        parse_xml(doc)


def test_doctype_hidden_after_comments_and_pis_is_refused() -> None:
    doc = b'<?xml version="1.0"?>\n<!-- a -->\n<?pi x?>\n<!doctype a [<!ENTITY x "y">]><a/>'
    with pytest.raises(DtdForbiddenError):
        parse_xml(doc)


def test_doctype_in_utf16_document_is_refused() -> None:
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    with pytest.raises(DtdForbiddenError):
        parse_xml(doc.encode("utf-16"))


@pytest.mark.parametrize(
    "codec", ["utf-16-be", "utf-16-le", "utf-32", "utf-32-be", "utf-32-le", "utf-8-sig"]
)
def test_doctype_is_refused_in_every_encoding_with_or_without_bom(codec: str) -> None:
    doc = f'<?xml version="1.0" encoding="{codec}"?><!DOCTYPE r [<!ENTITY x "y">]><r/>'
    with pytest.raises(DtdForbiddenError):
        parse_xml(doc.encode(codec))
    plain = "<!DOCTYPE r><r/>"
    with pytest.raises(DtdForbiddenError):
        parse_xml(plain.encode(codec))


def test_undeclared_entity_reference_is_malformed() -> None:
    with pytest.raises(MalformedXmlError) as info:
        parse_xml(b"<a>&x;</a>")
    assert info.value.line == 1


def test_deep_nesting_is_refused() -> None:
    doc = b"<a>" * 10_000 + b"</a>" * 10_000
    with pytest.raises(XmlTooDeepError) as info:
        parse_xml(doc)
    assert info.value.construct == "depth"


def test_configured_depth_limit_is_enforced() -> None:
    doc = b"<a>" * 12 + b"</a>" * 12
    assert parse_xml(doc, limits=ParserLimits(max_depth=12)).getroot().tag == "a"
    with pytest.raises(XmlTooDeepError) as info:
        parse_xml(doc, limits=ParserLimits(max_depth=11))
    assert info.value.limit == 11


def test_size_limit_is_enforced_before_parsing() -> None:
    doc = b"<a>" + b"x" * 2000 + b"</a>"
    with pytest.raises(XmlTooLargeError) as info:
        parse_xml(doc, limits=ParserLimits(max_bytes=1000))
    assert (info.value.size, info.value.limit) == (len(doc), 1000)


@pytest.mark.parametrize("doc", [b"", b"   ", b"<a>", b"<a></b>", b"not xml"])
def test_malformed_input_names_the_position(doc: bytes) -> None:
    with pytest.raises(MalformedXmlError) as info:
        parse_xml(doc)
    assert info.value.line is not None


def test_text_instead_of_bytes_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_xml("<a/>")  # type: ignore[arg-type]


def test_comments_and_pis_can_be_left_out_and_text_joins_up() -> None:
    doc = b"<?xml version='1.0'?><!-- c --><r><a>x<!-- c -->y<?pi z?>z</a><?pi?><b/></r>"
    kept = parse_xml(doc).getroot()
    assert [type(n).__name__ for n in kept[0]] == ["_Comment", "_ProcessingInstruction"]
    stripped = parse_xml(doc, keep_comments=False).getroot()
    assert [child.tag for child in stripped] == ["a", "b"]
    assert len(stripped[0]) == 0
    assert stripped[0].text == "xyz"
    assert stripped.getprevious() is None


def test_hostile_documents_are_refused_without_comments_too() -> None:
    with pytest.raises(DtdForbiddenError):
        parse_xml(b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>', keep_comments=False)
    with pytest.raises(MalformedXmlError):
        parse_xml(b"<r><a></r>", keep_comments=False)
