"""Behaviours changing the XML body: drop, change, reorder, insert elements; the iia-hash.

Body paths use local names (see :func:`xpath_of`). A change before signing is
signed as the partner would sign it; with ``after_signing`` it breaks the
Digest and the signature. The iia-hash is ewp_client's
(:func:`~ewp_client.iia.hash.compute_iia_hashes`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from lxml import etree

from ewp_client.errors import ConfigError, EwpError, IiaNotHashableError, UnknownDocumentError
from ewp_client.iia.hash import compute_iia_hashes, sha256_hex
from ewp_client.xml.parser import parse_xml

from .exchange import Behaviour, Exchange, Stage

__all__ = [
    "ChangeValue",
    "DropElements",
    "InsertElements",
    "RecomputeIiaHash",
    "ReverseOrder",
    "xpath_of",
]


def xpath_of(path: str) -> str:
    """An XPath over local names for a body path; :class:`ConfigError` if it is not one.

    A body path is local names with ``/`` between steps, ``//`` first for
    "anywhere below", ``[n]`` for the n-th, ``*`` for any element, and a last
    ``@name`` for an attribute: ``//student-studies-mobility-spec[1]/recommended-language-skill``.
    """
    if not path or path.strip("/") == "":
        raise ConfigError(f"a body path names at least one element, not {path!r}")
    anywhere = path.startswith("//")
    steps = path.strip("/").split("/")
    out = []
    for i, step in enumerate(steps):
        name, _, index = step.partition("[")
        if name.startswith("@"):
            if i != len(steps) - 1 or index or not name[1:]:
                raise ConfigError(f"{path!r}: an attribute can only be the last step")
            out.append(f"@{name[1:]}")
            continue
        if not name or (name != "*" and not name.replace("-", "").replace("_", "").isalnum()):
            raise ConfigError(f"{path!r}: {step!r} is not an element's local name")
        text = "*" if name == "*" else f"*[local-name()='{name}']"
        if index:
            if not index.endswith("]") or not index[:-1].isdigit() or int(index[:-1]) < 1:
                raise ConfigError(f"{path!r}: {step!r} needs a position [n], n from 1")
            text += f"[{index}"
        out.append(text)
    return ("//" if anywhere else "/") + "/".join(out)


def _serialize(exchange: Exchange, root: etree._Element) -> None:
    exchange.body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True, kw_only=True)
class _BodyRewrite(Behaviour):
    """A change to the XML body; ``after_signing`` breaks the Digest and signature."""

    after_signing: bool = False

    @property
    def stage(self) -> Stage:
        return Stage.SIGNED if self.after_signing else Stage.RESPONSE

    def _after(self) -> str:
        return " after signing" if self.after_signing else ""

    async def apply(self, exchange: Exchange) -> None:
        root = exchange.xml_root()
        if root is not None and self.rewrite(root):
            _serialize(exchange, root)

    def rewrite(self, root: etree._Element) -> bool:
        """Change the tree; whether anything changed."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class _PathRewrite(_BodyRewrite):
    """A change to the elements at ``path`` (see the module for the path form)."""

    path: str = ""

    def __post_init__(self) -> None:
        xpath_of(self.path)


@dataclass(frozen=True, kw_only=True)
class DropElements(_PathRewrite):
    """Drop the elements (or attributes) at ``path``."""

    TYPE: ClassVar[str] = "drop"

    def describe(self) -> str:
        return f"drop {self.path}{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        found = root.xpath(xpath_of(self.path))
        assert isinstance(found, list)
        for node in found:
            if isinstance(node, etree._ElementUnicodeResult):
                parent = node.getparent()
                if parent is not None:
                    del parent.attrib[str(node.attrname)]
            elif isinstance(node, etree._Element) and node.getparent() is not None:
                node.getparent().remove(node)  # type: ignore[union-attr]
        return bool(found)


@dataclass(frozen=True, kw_only=True)
class ChangeValue(_PathRewrite):
    """Set the text (or the attribute) at ``path`` to ``value``; ``{uuid}`` is a fresh UUID."""

    TYPE: ClassVar[str] = "change"
    value: str = ""

    def describe(self) -> str:
        return f"set {self.path} to {self.value!r}{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        *parent_steps, last = self.path.rstrip("/").split("/")
        value = self.value.replace("{uuid}", str(uuid.uuid4()))
        if last.startswith("@"):
            owners = root.xpath(xpath_of("/".join(parent_steps)))
            assert isinstance(owners, list)
            for owner in owners:
                if isinstance(owner, etree._Element):
                    owner.set(last[1:], value)
            return bool(owners)
        found = root.xpath(xpath_of(self.path))
        assert isinstance(found, list)
        for node in found:
            if isinstance(node, etree._Element):
                node.text = value
        return bool(found)


@dataclass(frozen=True, kw_only=True)
class ReverseOrder(_PathRewrite):
    """Reverse the order of the sibling elements at ``path`` (swap two partners, say)."""

    TYPE: ClassVar[str] = "reorder"

    def describe(self) -> str:
        return f"reverse the order of {self.path}{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        matched = root.xpath(xpath_of(self.path))
        assert isinstance(matched, list)
        found = [n for n in matched if isinstance(n, etree._Element)]
        by_parent: dict[etree._Element, list[etree._Element]] = {}
        for node in found:
            parent = node.getparent()
            if parent is not None:
                by_parent.setdefault(parent, []).append(node)
        changed = False
        for parent, nodes in by_parent.items():
            if len(nodes) < 2:
                continue
            slots = [parent.index(n) for n in nodes]
            for slot, node in zip(slots, reversed(nodes), strict=True):
                parent.insert(slot, node)
            changed = True
        return changed


@dataclass(frozen=True, kw_only=True)
class InsertElements(_PathRewrite):
    """Append the XML fragment ``xml`` to each element at ``path``, its elements in that
    element's namespace; ``when_empty``: only to an answer listing nothing."""

    TYPE: ClassVar[str] = "insert"
    xml: str = ""
    when_empty: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.fragment()

    def fragment(self) -> etree._Element:
        try:
            return parse_xml(f"<fragment>{self.xml}</fragment>".encode()).getroot()
        except EwpError as exc:
            raise ConfigError(f"insert: xml is not an XML fragment: {exc}") from exc

    def describe(self) -> str:
        when = " when the answer lists nothing" if self.when_empty else ""
        return f"insert {self.xml} into {self.path}{when}{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        if self.when_empty and len(root):
            return False
        owners = [n for n in _found(root, self.path) if isinstance(n, etree._Element)]
        for owner in owners:
            namespace = etree.QName(owner).namespace
            for piece in self.fragment():
                owner.append(_adopted(piece, namespace))
        return bool(owners)


def _found(root: etree._Element, path: str) -> list[Any]:
    found = root.xpath(xpath_of(path))
    assert isinstance(found, list)
    return found


def _adopted(element: etree._Element, namespace: str | None) -> etree._Element:
    """A copy of ``element`` and its descendants, their names in ``namespace``."""
    local = etree.QName(element).localname
    copy = etree.Element(f"{{{namespace}}}{local}" if namespace else local, dict(element.attrib))
    copy.text, copy.tail = element.text, element.tail
    for child in element:
        if isinstance(child.tag, str):
            copy.append(_adopted(child, namespace))
    return copy


@dataclass(frozen=True, kw_only=True)
class RecomputeIiaHash(_BodyRewrite):
    """Set each ``iia-hash`` to the SHA-256 of its ``text-to-hash`` plus ``suffix``.

    With no suffix, after other body changes, the hash fits the changed IIA
    (only the named fault shows); a suffix such as ``_`` makes an invalid hash.
    """

    TYPE: ClassVar[str] = "rehash"
    suffix: str = ""

    @property
    def order(self) -> int:
        return 2 if self.suffix else 1  # an invalid hash is made over the final content

    def describe(self) -> str:
        if self.suffix:
            return f"iia-hash over text-to-hash + {self.suffix!r}{self._after()}"
        return f"iia-hash recomputed for the changed IIA{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        try:
            hashes = compute_iia_hashes(root)
        except (UnknownDocumentError, IiaNotHashableError):  # nothing to hash: left as it is
            return False
        holders = root.xpath(xpath_of("//iia/iia-hash"))
        assert isinstance(holders, list)
        for holder, computed in zip(holders, hashes, strict=False):
            if isinstance(holder, etree._Element):
                holder.text = sha256_hex(computed.text_to_hash + self.suffix)
        return bool(holders)
