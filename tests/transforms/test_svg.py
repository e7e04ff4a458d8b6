"""SVG sanitizer on the shared corpus and on hostile documents written here."""

from __future__ import annotations

import gzip
import re
import time
from pathlib import Path

import pytest
import pyvips

from transforms.svg import SvgError, is_svg, sanitize

CORPUS = Path(__file__).resolve().parents[1] / "images"
SVG_FILES = sorted(path.name for path in CORPUS.glob("svg*.svg*"))
SAFE_CORPUS = [name for name in SVG_FILES if name != "svg-nested-use-bomb.svg"]
HEAD = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' width="40" height="20">'
)


def read(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def source_text(name: str) -> bytes:
    data = read(name)
    return gzip.decompress(data) if name.endswith(".svgz") else data


def render(svg: bytes) -> pyvips.Image:
    return pyvips.Image.svgload_buffer(svg)


def difference(a: pyvips.Image, b: pyvips.Image) -> float:
    assert (a.width, a.height, a.bands) == (b.width, b.height, b.bands)
    return float((a.cast("float") - b.cast("float")).abs().avg())


def clean(body: str) -> str:
    return sanitize(f"{HEAD}{body}</svg>".encode()).decode()


def refusal(data: bytes) -> str:
    with pytest.raises(SvgError) as caught:
        sanitize(data)
    return caught.value.message


def test_corpus_has_the_files_these_tests_expect() -> None:
    assert "svg-basic.svg" in SVG_FILES
    assert "svgz-compressed.svgz" in SVG_FILES
    assert len(SVG_FILES) == 7


@pytest.mark.parametrize("name", SVG_FILES)
def test_corpus_svg_is_sniffed(name: str) -> None:
    assert is_svg(read(name))


@pytest.mark.parametrize(
    "name", ["webp-looks-like-svg.webp", "png-rgb8-pngsuite.png", "jpeg-baseline-icc.jpg"]
)
def test_raster_files_are_not_svg(name: str) -> None:
    assert not is_svg(read(name))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- made by hand -->\n<svg>', True),
        (
            b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "s.dtd" [<!ELEMENT x ANY>]><svg/>',
            True,
        ),
        (b'  <svg:svg xmlns:svg="http://www.w3.org/2000/svg">', True),
        (b"<SVG>", False),
        (b"<svgfoo>", False),
        (b"<html><svg>", False),
        (b"<!-- " * 10_000 + b"<svg>", False),
        (gzip.compress(b"<svg/>"), True),
        (gzip.compress(b"<html/>"), False),
        (b"\x1f\x8bnot gzip at all", False),
        (b"", False),
    ],
)
def test_sniffing(data: bytes, expected: bool) -> None:
    assert is_svg(data) is expected


@pytest.mark.parametrize("name", SAFE_CORPUS)
def test_corpus_output_has_no_active_or_external_content(name: str) -> None:
    out = sanitize(read(name)).decode()
    assert "<script" not in out
    assert not re.search(r"\son\w+=", out)
    assert "javascript:" not in out
    assert not re.search(r"\bfile:", out)
    assert "/etc/passwd" not in out
    assert "XInclude" not in out.replace('xmlns:xi="http://www.w3.org/2001/XInclude"', "")
    assert "<xi:" not in out
    assert "foreignObject" not in out
    assert "../resources/" not in out
    assert "data:application" not in out


@pytest.mark.parametrize("name", SAFE_CORPUS)
def test_corpus_output_renders_and_re_sanitizes_to_itself(name: str) -> None:
    out = sanitize(read(name))
    assert sanitize(out) == out
    assert render(out).width > 0


@pytest.mark.parametrize(
    "name", ["svg-basic.svg", "svgz-compressed.svgz", "svg-xss-script-handlers.svg"]
)
def test_drawing_is_kept(name: str) -> None:
    before = render(source_text(name))
    after = render(sanitize(read(name)))
    assert difference(before, after) < 0.01


def test_benign_links_and_inline_images_stay() -> None:
    out = sanitize(read("svg-xss-script-handlers.svg")).decode()
    assert 'href="https://example.com/"' in out
    assert 'href="data:image/gif;base64,' in out


def test_nested_use_bomb_is_refused() -> None:
    started = time.perf_counter()
    assert refusal(read("svg-nested-use-bomb.svg")) == "SVG has too many nested references"
    assert time.perf_counter() - started < 5


def test_deep_reference_chain_and_cycles_are_refused() -> None:
    chain = '<g id="g0"><rect width="1" height="1"/></g>'
    chain += "".join(f'<g id="g{n}"><use href="#g{n - 1}"/></g>' for n in range(1, 13))
    assert refusal(f"{HEAD}{chain}</svg>".encode()) == "SVG has too many nested references"
    cycle = '<g id="a"><use href="#b"/></g><g id="b"><use xlink:href="#a"/></g>'
    assert refusal(f"{HEAD}{cycle}</svg>".encode()) == "SVG has too many nested references"
    self_reference = '<g id="a"><use href="#a"/></g>'
    assert refusal(f"{HEAD}{self_reference}</svg>".encode()) == "SVG has too many nested references"


def test_modest_reuse_is_allowed() -> None:
    shapes = '<g id="dot"><circle r="1"/></g><g id="row">'
    shapes += "".join(f'<use href="#dot" x="{n}"/>' for n in range(20)) + "</g>"
    shapes += "".join(f'<use href="#row" y="{n}"/>' for n in range(20))
    assert clean(shapes).count("<use") == 40


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = gzip.compress(b"<svg>" + b" " * 200 * 1024 * 1024 + b"</svg>", compresslevel=9)
    assert len(bomb) < 1024 * 1024
    assert is_svg(bomb)
    assert refusal(bomb) == "Expected an SVG of at most 10485760 bytes but received more"


def test_size_limit_applies_to_plain_svg() -> None:
    with pytest.raises(SvgError) as caught:
        sanitize(b"<svg>" + b" " * 100 + b"</svg>", max_bytes=50)
    assert caught.value.message == "Expected an SVG of at most 50 bytes but received more"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]>',
        '<!DOCTYPE svg [<!ENTITY a SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE svg [<!ENTITY % a SYSTEM "http://example.com/evil.dtd"> %a;]>',
    ],
)
def test_entity_declarations_are_refused(doctype: str) -> None:
    data = f"{doctype}<svg>&a;</svg>".encode()
    assert refusal(data).startswith("SVG must not declare entities but declares '")


def test_entity_declarations_are_refused_in_utf16() -> None:
    data = '<!DOCTYPE svg [<!ENTITY a "x">]><svg>&a;</svg>'.encode("utf-16")
    assert refusal(data) == "SVG must not declare entities but declares 'a'"


def test_billion_laughs_entities_are_refused() -> None:
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    data = f"<!DOCTYPE svg [{entities}]><svg><text>&l9;</text></svg>".encode()
    assert refusal(data) == "SVG must not declare entities but declares 'l0'"


def test_doctype_without_entities_is_fine() -> None:
    data = b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "svg11.dtd"><svg width="4" height="4"/>'
    assert sanitize(data) == b'<svg width="4" height="4" />'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body/></html>", "Expected an <svg> root element but received <html>"),
        (b"<svg><g></svg>", "Invalid SVG: mismatched tag: line 1, column 10"),
        (b"", "Invalid SVG: no element found: line 1, column 0"),
        (
            b"\x1f\x8b\x08" + bytes(7) + b"\xff",
            "Invalid SVGZ data: Error -3 while decompressing data: invalid block type",
        ),
        (gzip.compress(b"<svg></svg>")[:-12], "SVGZ data is truncated"),
        (b"<svg>" + b"<g>" * 300 + b"</g>" * 300 + b"</svg>", "SVG elements are nested too deeply"),
    ],
)
def test_invalid_documents(data: bytes, message: str) -> None:
    assert refusal(data) == message


@pytest.mark.parametrize(
    ("body", "absent", "present"),
    [
        ("<script>alert(1)</script><rect/>", "script", "<rect />"),
        ('<svg:script xmlns:svg="http://www.w3.org/2000/svg">x</svg:script>', "script", ""),
        ('<html:iframe xmlns:html="http://www.w3.org/1999/xhtml" src="x"/>', "iframe", ""),
        ('<x:include xmlns:x="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>', "passwd", ""),
        ("<embed/><object/><form/><audio/><video/><foreignObject/>", "<", ""),
        ('<rect onload="a()" ONCLICK="b()" xlink:onmouseover="c()"/>', "on", "<rect />"),
        ('<use href="http://evil.example/x.svg#a"/>', "evil", "<use />"),
        ('<use xlink:href="#a"/><g id="a"/>', "", 'xlink:href="#a"'),
        ('<image href="file:///etc/passwd"/>', "passwd", "<image />"),
        ('<image href="https://evil.example/x.png"/>', "evil", "<image />"),
        ('<image href="data:text/html,&lt;script&gt;"/>', "data:", "<image />"),
        ('<image href="data:image/svg+xml;base64,PHN2Zz4="/>', "data:", "<image />"),
        ('<a href="java&#9;script:alert(1)"><rect/></a>', "script", "<a><rect /></a>"),
        ('<a xlink:href=" JAVASCRIPT:alert(1)"/>', "alert", "<a />"),
        ('<a href="data:text/html,x"/>', "data", "<a />"),
        ('<a href="/relative/page"/>', "", 'href="/relative/page"'),
        ('<linearGradient href="http://evil.example/g.svg#g"/>', "evil", "<linearGradient />"),
        ('<rect fill="url(#g)"/>', "", 'fill="url(#g)"'),
        ('<rect fill="url(http://evil.example/g.svg#g)"/>', "evil", 'fill="none"'),
        ("<rect style=\"fill:url( 'file:///x' );stroke:red\"/>", "file", "fill:none;stroke:red"),
        ('<rect style="fill:\\75rl(http://evil.example/)"/>', "evil", "<rect />"),
        ('<rect style="fill:url(http://evil.example/"/>', "evil", "<rect />"),
        ("<rect filter=\"image-set('http://evil.example/' 1x)\"/>", "evil", "<rect />"),
        ("<style>@import url(http://evil.example/x.css); rect{fill:red}</style>", "evil", "rect{"),
        ("<style>@font-face{src:url(file:///x.ttf)}</style>", "file", "src:none"),
        ("<style>rect{behavior:url(#x)} \\@import 'x'</style>", "style", ""),
        ("<style>rect{}<g/>@import url(http://evil.example/x.css);</style>", "evil", "<style>"),
        ('<animate attributeName="href" to="javascript:alert(1)"/><rect/>', "animate", "<rect"),
        ('<set attributeName="onclick" to="alert(1)"/>', "set", ""),
        ('<animate attributeName="x" to="10"/>', "", 'attributeName="x"'),
        ('<g xml:base="http://evil.example/"/>', "evil", "<g />"),
    ],
)
def test_hostile_markup(body: str, absent: str, present: str) -> None:
    out = clean(body)
    inner = out[len(HEAD) : -len("</svg>")]
    if absent:
        assert absent not in inner
    assert present in inner
    assert sanitize(out.encode()).decode() == out


def test_text_around_removed_elements_is_kept() -> None:
    out = clean("<text>before<script>x</script> after<tspan>t</tspan><script/> end</text>")
    assert "<text>before after<tspan>t</tspan> end</text>" in out


def test_doctype_defaults_and_processing_instructions_do_not_survive() -> None:
    data = (
        b'<?xml-stylesheet href="http://evil.example/x.css"?>'
        b'<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]><svg width="4" height="4"/>'
    )
    assert sanitize(data) == b'<svg width="4" height="4" />'
