"""Element paths: local names and positions among same-named siblings, shared work or not."""

from __future__ import annotations

from lxml import etree

from ewp_client.xml.paths import ElementPaths, counterpart, element_path, string_value

DOCUMENT = b"""<r xmlns="urn:x" xmlns:p="urn:p">
<a/><b/><a><c/><c/></a><!-- note --><p:a/><a><c/></a>
</r>"""


def test_every_element_has_the_path_of_its_position() -> None:
    root = etree.fromstring(DOCUMENT)
    assert [element_path(e) for e in root.iter(etree.Element)] == [
        "/r",
        "/r/a[1]",
        "/r/b[1]",
        "/r/a[2]",
        "/r/a[2]/c[1]",
        "/r/a[2]/c[2]",
        "/r/a[1]",  # another namespace: its own count
        "/r/a[3]",
        "/r/a[3]/c[1]",
    ]


def test_shared_paths_agree_in_any_order() -> None:
    root = etree.fromstring(DOCUMENT)
    elements = list(root.iter(etree.Element))
    for order in (elements, elements[::-1], elements[::2] + elements[1::2]):
        paths = ElementPaths()
        assert [paths(e) for e in order] == [element_path(e) for e in order]


def test_the_counterpart_in_a_copy_is_found_by_position() -> None:
    root = etree.fromstring(DOCUMENT)
    copy = etree.fromstring(etree.tostring(root))
    for element in copy.iter(etree.Element):
        original = counterpart(element, root)
        assert original is not None
        assert element_path(original) == element_path(element)


def test_a_string_value_skips_comments_and_processing_instructions() -> None:
    element = etree.fromstring(b"<a>" + b"x<!-- c --><?p?>" * 2_000 + b"<![CDATA[<y>]]></a>")
    assert string_value(element) == "x" * 2_000 + "<y>"
    assert string_value(etree.fromstring(b"<a/>")) == ""
