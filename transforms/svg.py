"""SVG sanitizing: active content and external references removed, reference bombs refused.

expat parses without namespace processing, so names keep the prefixes they were written with
(`xlink:href`, `xi:include`) and the output serializes back to the same names. The rules match
local names, which catches a dangerous element in any namespace.
"""

from __future__ import annotations

import re
import zlib
from xml.etree import ElementTree
from xml.parsers import expat


class SvgError(Exception):
    """An SVG that is invalid or cannot be made safe; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_GZIP = b"\x1f\x8b"
_SNIFF_BYTES = 32 * 1024
# Possessive: a long prolog that turns out not to lead to <svg> fails without backtracking.
_PROLOG = re.compile(
    rb"(?:\s|<\?xml.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*+<(?:[\w.-]+:)?svg[\s/>]",
    re.DOTALL,
)
_MAX_DEPTH = 256  # ElementTree serializes recursively
_MAX_ELEMENTS = 500_000
_MAX_USES = 10_000
_MAX_REFERENCE_DEPTH = 10
_TOO_NESTED = "SVG has too many nested references"
_DROPPED = frozenset(
    {"script", "foreignobject", "iframe", "embed", "object", "form", "audio", "video"}
    | {"include", "handler", "listener"}  # XInclude; SVG Tiny 1.2 / XML Events script hooks
)
_ANIMATIONS = frozenset({"animate", "set", "animatecolor", "animatemotion", "animatetransform"})
_CONTROL = re.compile(r"[\x00-\x20]+")  # browsers ignore these inside URLs: "java\tscript:"
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_CSS_LIKE = re.compile(r"[(\\@]")
_RISKY_CSS = re.compile(
    r"\\|(?:image-set|image|src|cross-fade|element|expression)\s*\(|-moz-binding|behavior\s*:",
    re.IGNORECASE,
)
_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_OUTSIDE_URL = re.compile(r"url\(\s*+(?!['\"]?#)", re.IGNORECASE)


def is_svg(data: bytes) -> bool:
    """An <svg> root after an optional BOM, XML declaration, comments and doctype; or SVGZ."""
    head = data[:_SNIFF_BYTES]
    if head[:2] == _GZIP:
        try:
            head = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(data, _SNIFF_BYTES)
        except zlib.error:
            return False
    return _PROLOG.match(head.removeprefix(b"\xef\xbb\xbf")) is not None


def sanitize(data: bytes, *, max_bytes: int = 10 * 1024 * 1024) -> bytes:
    """Safe UTF-8 SVG from SVG or SVGZ bytes of at most max_bytes (decompressed)."""
    text = _inflate(data, max_bytes) if data[:2] == _GZIP else data
    if len(text) > max_bytes:
        raise SvgError(f"Expected an SVG of at most {max_bytes} bytes but received more")
    root = _Reader().parse(text)
    if _local(root.tag) != "svg":
        raise SvgError(f"Expected an <svg> root element but received <{root.tag}>")
    _clean(root)
    _check_references(root)
    return ElementTree.tostring(root, encoding="unicode").encode("utf-8")


def with_style(clean: bytes, css: str) -> bytes:
    """A sanitized SVG with `css` put first into its root as a `<style>`, cleaned as any
    stylesheet in an SVG is."""
    safe = _clean_css(css)
    if safe is None:
        raise SvgError("Expected CSS without image(), expression() or escapes for style")
    root = _Reader().parse(clean)
    prefix = root.tag[: -len(_local(root.tag))]
    style = ElementTree.Element(f"{prefix}style")
    style.text = safe
    root.insert(0, style)
    return ElementTree.tostring(root, encoding="unicode").encode("utf-8")


def _inflate(data: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        text = inflater.decompress(data, max_bytes + 1)  # never more than the limit allows
    except zlib.error as error:
        raise SvgError(f"Invalid SVGZ data: {error}") from error
    if not inflater.eof and len(text) <= max_bytes:
        raise SvgError("SVGZ data is truncated")
    return text


class _Reader:
    """expat callbacks feeding a TreeBuilder, within size limits, with no entity declarations."""

    def __init__(self) -> None:
        self.builder = ElementTree.TreeBuilder()
        self.depth = 0
        self.elements = 0

    def parse(self, text: bytes) -> ElementTree.Element:
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.builder.data
        parser.EntityDeclHandler = self.entity
        try:
            parser.Parse(text, True)
        except expat.ExpatError as error:
            raise SvgError(f"Invalid SVG: {error}") from error
        return self.builder.close()

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        self.elements += 1
        if self.depth > _MAX_DEPTH:
            raise SvgError("SVG elements are nested too deeply")
        if self.elements > _MAX_ELEMENTS:
            raise SvgError("SVG has too many elements")
        self.builder.start(name, attributes)

    def end(self, name: str) -> None:
        self.depth -= 1
        self.builder.end(name)

    def entity(self, name: str, *_: object) -> None:
        raise SvgError(f"SVG must not declare entities but declares '{name}'")


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _clean(root: ElementTree.Element) -> None:
    _clean_attributes(root)
    stack = [root]
    while stack:
        parent = stack.pop()
        kept: list[ElementTree.Element] = []
        for child in parent:
            if _keep(child):
                _clean_attributes(child)
                kept.append(child)
                stack.append(child)
            elif child.tail and kept:
                kept[-1].tail = (kept[-1].tail or "") + child.tail
            elif child.tail:
                parent.text = (parent.text or "") + child.tail
        if len(kept) != len(parent):
            parent[:] = kept


def _keep(element: ElementTree.Element) -> bool:
    """False for an element to drop with its content; a <style> keeps only safe CSS."""
    name = _local(element.tag).lower()
    if name in _DROPPED:
        return False
    if name in _ANIMATIONS:
        animated = _local(element.get("attributeName", "")).lower()
        return animated not in ("href", "src") and not animated.startswith("on")
    if name == "style":
        css = _clean_css("".join(element.itertext()))  # text inside child elements counts too
        element[:] = []
        element.text = css
        return css is not None
    return True


def _clean_attributes(element: ElementTree.Element) -> None:
    name = _local(element.tag).lower()
    for key, value in list(element.attrib.items()):
        local = _local(key).lower()
        if key == "xmlns" or key.startswith("xmlns:"):
            continue
        if local.startswith("on") or key == "xml:base":
            del element.attrib[key]
        elif local in ("href", "src"):
            if not _link_allowed(name, value):
                del element.attrib[key]
        elif _CSS_LIKE.search(value):
            css = _clean_css(value)
            if css is None:
                del element.attrib[key]
            else:
                element.set(key, css)


def _link_allowed(element: str, value: str) -> bool:
    """Same-document fragments anywhere; inline raster images; web and relative links on <a>."""
    target = _CONTROL.sub("", value).lower()
    if target.startswith("#"):
        return True
    if element in ("image", "feimage"):
        # Not data:image/svg+xml: a nested document would escape this sanitizer.
        return target.startswith("data:image/") and not target.startswith("data:image/svg")
    if element == "a":
        scheme = _SCHEME.match(target)
        return scheme is None or scheme.group(1) in ("http", "https")
    return False


def _clean_css(css: str) -> str | None:
    """CSS whose url()s all point inside the document, or None when it cannot be made so."""
    if _RISKY_CSS.search(css):
        return None
    css = _URL.sub(_inside_url, _IMPORT.sub("", css))
    return None if _OUTSIDE_URL.search(css) else css


def _inside_url(match: re.Match[str]) -> str:
    return match.group(0) if match.group(2).strip().startswith("#") else "none"


def _use_target(
    element: ElementTree.Element, ids: dict[str, ElementTree.Element]
) -> ElementTree.Element | None:
    if _local(element.tag) != "use":
        return None
    href = next((v for k, v in element.attrib.items() if _local(k) == "href"), "").strip()
    return ids.get(href[1:]) if href.startswith("#") else None


def _check_references(root: ElementTree.Element) -> None:
    """Refuse <use> chains expanding past the limits, and reference cycles, without recursion."""
    ids: dict[str, ElementTree.Element] = {}
    for element in root.iter():
        if (key := element.get("id")) is not None:
            ids.setdefault(key, element)
    totals: dict[ElementTree.Element, tuple[int, int]] = {}  # expanded <use> count, depth
    in_progress: set[ElementTree.Element] = set()
    stack = [root]
    while stack:
        element = stack[-1]
        if element in totals:
            stack.pop()
            continue
        target = _use_target(element, ids)
        waiting = [
            d for d in (*element, *([target] if target is not None else [])) if d not in totals
        ]
        if waiting and element not in in_progress:
            if any(dependency in in_progress for dependency in waiting):
                raise SvgError(_TOO_NESTED)  # a reference cycle
            in_progress.add(element)
            stack.extend(waiting)
            continue
        count = sum(totals[child][0] for child in element)
        depth = max((totals[child][1] for child in element), default=0)
        if _local(element.tag) == "use":
            count += 1
            if target is not None:
                count += totals[target][0]
                depth = max(depth, totals[target][1] + 1)
        if count > _MAX_USES or depth > _MAX_REFERENCE_DEPTH:
            raise SvgError(_TOO_NESTED)
        totals[element] = (count, depth)
        in_progress.discard(element)
        stack.pop()
