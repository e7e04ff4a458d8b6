"""The `xmp` field of `/info`: the XMP packet's properties, grouped by namespace prefix.

`{"dc": {"creator": ["..."], "format": "image/jpeg"}, "aux": {"Lens": "..."}}`: a property
written as an attribute or as an element is text; an `rdf:Seq` or `rdf:Bag` is a list; an
`rdf:Alt` (language alternatives) is its `x-default` entry, else its first; a structure is an
object of its fields. A packet that does not parse, or that declares a DTD (entities have no
place in XMP), reports nothing.
"""

from __future__ import annotations

import io
from xml.etree import ElementTree

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTAINERS = {RDF + "Seq", RDF + "Bag"}
DEFAULT_LANGUAGE = "x-default"
SKIPPED_ATTRIBUTES = {RDF + "about", RDF + "parseType", RDF + "resource", RDF + "nodeID", XML_LANG}

Value = str | list["Value"] | dict[str, "Value"]


def xmp_of(blob: bytes) -> dict[str, dict[str, Value]]:
    if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
        return {}
    prefixes: dict[str, str] = {}
    try:
        parser = ElementTree.iterparse(io.BytesIO(blob.rstrip(b"\x00 \r\n\t")), ("start-ns",))
        for _, namespace in parser:
            prefix, uri = namespace
            prefixes.setdefault(f"{{{uri}}}", prefix)
        root = parser.root  # type: ignore[attr-defined]
    except ElementTree.ParseError:
        return {}
    found: dict[str, dict[str, Value]] = {}
    for rdf in root.iter(RDF + "RDF"):
        for description in rdf.findall(RDF + "Description"):
            for tag, value in _fields(description):
                uri, _, name = tag[1:].partition("}")
                group = prefixes.get(f"{{{uri}}}", uri)
                found.setdefault(group, {})[name] = value
    return found


def _fields(element: ElementTree.Element) -> list[tuple[str, Value]]:
    """(qualified name, value) of a description's or structure's attribute and element
    properties."""
    fields: list[tuple[str, Value]] = [
        (name, value)
        for name, value in element.attrib.items()
        if name not in SKIPPED_ATTRIBUTES and name.startswith("{")
    ]
    fields += [(child.tag, _value(child)) for child in element if child.tag.startswith("{")]
    return fields


def _struct(element: ElementTree.Element) -> dict[str, Value]:
    return {tag.partition("}")[2]: value for tag, value in _fields(element)}


def _value(element: ElementTree.Element) -> Value:
    children = list(element)
    if element.get(RDF + "parseType") == "Resource":
        return _struct(element)
    if not children:
        if any(name not in SKIPPED_ATTRIBUTES for name in element.attrib):
            return _struct(element)
        return element.get(RDF + "resource") or (element.text or "").strip()
    inner = children[0]
    if inner.tag in CONTAINERS:
        return [_value(item) for item in inner.findall(RDF + "li")]
    if inner.tag == RDF + "Alt":
        items = inner.findall(RDF + "li")
        chosen = next((item for item in items if item.get(XML_LANG) == DEFAULT_LANGUAGE), None)
        if chosen is None and items:
            chosen = items[0]
        return "" if chosen is None else _value(chosen)
    if inner.tag == RDF + "Description":
        return _struct(inner)
    return _struct(element)
