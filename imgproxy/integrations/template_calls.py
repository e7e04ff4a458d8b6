"""What the template adapters share: template arguments in, URLs and markup out.

Templates speak in strings: options as URL segments (`"rs:fill:300:200"`), formats by name,
lists as `"320,640"` (Django templates have no list literals) or as lists. Every argument is
checked here, so Jinja2 and Django report the same mistakes with the same messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, cast

from imgproxy.client import InvalidOptions, UrlBuilder, parse_options
from imgproxy.html import MODERN_FORMATS, ResponsiveImage
from imgproxy.url.options import ImageFormat, Options

SHORTCUTS = {
    "width": "w",
    "height": "h",
    "resizing_type": "rt",
    "dpr": "dpr",
    "quality": "q",
    "format": "f",
}
"""Keyword arguments that stand for one option segment each: `width=300` is `w:300`."""

OPTION_SHORTCUTS = frozenset({"resizing_type", "dpr", "quality"})
"""The shortcuts `img` and `picture` take: there `width` and `height` are the attributes."""

RESPONSIVE_ARGUMENTS = frozenset(
    {"widths", "dprs", "sizes", "width", "height", "size_from_info", "info_timeout"}
    | {"loading", "decoding"}
)

PASSED_THROUGH_ATTRIBUTES = frozenset(
    {"class", "id", "style", "title", "fetchpriority", "referrerpolicy", "crossorigin"}
)
"""Keyword arguments that go onto the `<img>` as they are; any other goes through `attrs`."""


def image_url(builder: UrlBuilder, source: str, segments: Iterable[str], **fields: Any) -> str:
    return builder.url(source, options_of(builder, segments, fields, "imgproxy_url"))


def options_of(
    builder: UrlBuilder, segments: Iterable[str], fields: Mapping[str, Any], caller: str
) -> Options:
    unknown = sorted(set(fields) - set(SHORTCUTS))
    if unknown:
        raise TypeError(
            f"{caller} got unexpected argument {unknown[0]!r}; expected option segments "
            f"or one of {', '.join(SHORTCUTS)}"
        )
    written = [f"{SHORTCUTS[name]}{builder.separator}{value}" for name, value in fields.items()]
    return parse_options(
        *[str(segment) for segment in segments], *written, separator=builder.separator
    )


def srcset(
    builder: UrlBuilder,
    source: str,
    segments: Iterable[str],
    *,
    widths: object = None,
    dprs: object = None,
    size_from_info: bool = False,
    **fields: Any,
) -> str:
    options = options_of(builder, segments, fields, "imgproxy_srcset")
    image = ResponsiveImage(
        builder=builder,
        source=source,
        alt="",
        widths=_numbers(widths, int, "widths"),
        dprs=_numbers(dprs, float, "dprs"),
        options=replace(options, format=None),
        size_from_info=size_from_info,
    )
    return image.srcset(options.format)


def img(
    builder: UrlBuilder,
    source: str,
    segments: Iterable[str],
    *,
    alt: str,
    format: str | None = None,
    **params: Any,
) -> str:
    return _responsive(
        builder, source, segments, alt=alt, params=params, caller="imgproxy_img"
    ).img(_format(format) if format else None)


def picture(
    builder: UrlBuilder,
    source: str,
    segments: Iterable[str],
    *,
    alt: str,
    formats: object = None,
    fallback: str = "jpeg",
    **params: Any,
) -> str:
    chosen = MODERN_FORMATS if formats is None else tuple(map(_format, _items(formats)))
    return _responsive(
        builder, source, segments, alt=alt, params=params, caller="imgproxy_picture"
    ).picture(chosen, _format(fallback))


def _responsive(
    builder: UrlBuilder,
    source: str,
    segments: Iterable[str],
    *,
    alt: str,
    params: dict[str, Any],
    caller: str,
) -> ResponsiveImage:
    attributes = {
        name: str(params.pop(name)) for name in list(params) if name in PASSED_THROUGH_ATTRIBUTES
    }
    attributes |= {str(name): str(value) for name, value in dict(params.pop("attrs", {})).items()}
    extra = {name: params.pop(name) for name in list(params) if name in OPTION_SHORTCUTS}
    unknown = sorted(set(params) - RESPONSIVE_ARGUMENTS)
    if unknown:
        raise TypeError(f"{caller} got unexpected argument {unknown[0]!r}")
    return ResponsiveImage(
        builder=builder,
        source=source,
        alt=str(alt),
        widths=_numbers(params.pop("widths", None), int, "widths"),
        dprs=_numbers(params.pop("dprs", None), float, "dprs"),
        options=options_of(builder, segments, extra, caller),
        attributes=attributes,
        **_typed(params),
    )


def _typed(params: dict[str, Any]) -> dict[str, Any]:
    """The remaining keyword arguments, with numbers that templates may pass as strings."""
    for name in ("width", "height"):
        if params.get(name) is not None:
            params[name] = _number(params[name], int, name)
    if "info_timeout" in params:
        params["info_timeout"] = _number(params["info_timeout"], float, "info_timeout")
    for name, allowed in (("loading", ("lazy", "eager")), ("decoding", ("async", "sync", "auto"))):
        if name in params and params[name] not in allowed:
            raise ValueError(
                f"Expected one of {', '.join(allowed)} for {name} but received {params[name]!r}"
            )
    return params


def _format(name: object) -> ImageFormat:
    try:
        found = parse_options(f"f:{name}").format
    except InvalidOptions:
        raise ValueError(
            f"Expected an image format such as avif, webp or jpeg but received {name!r}"
        ) from None
    return cast(ImageFormat, found)


def _items(value: object) -> list[object]:
    if isinstance(value, str):
        return [item for item in value.replace(",", " ").split() if item]
    if isinstance(value, Iterable):
        return list(value)
    return [value]


def _numbers(value: object, kind: type[int] | type[float], name: str) -> tuple[Any, ...]:
    if value is None or value == "":
        return ()
    return tuple(_number(item, kind, name) for item in _items(value))


def _number(value: object, kind: type[int] | type[float], name: str) -> int | float:
    try:
        return kind(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(f"Expected numbers for {name} but received {value!r}") from None
