"""The requested output format: explicit in the URL, else chosen from `Accept` when allowed;
with an enforce flag, a format the client accepts replaces even an explicit one."""

from __future__ import annotations

from dataclasses import dataclass

from imgproxy.url.options import ImageFormat


@dataclass(frozen=True)
class FormatChoice:
    requested: ImageFormat | None
    """None keeps the source's format (settled after loading)."""
    varies: bool
    """The answer depends on `Accept`, so every response must say `Vary: Accept`."""
    candidates: tuple[ImageFormat, ...] = ()
    """`format:best`: the modern formats the client accepts and the flags allow."""


@dataclass(frozen=True)
class Negotiation:
    """IMGPROXY_AUTO_* (only URLs without a format) and IMGPROXY_ENFORCE_* (every URL)."""

    auto_webp: bool = False
    auto_avif: bool = False
    enforce_webp: bool = False
    enforce_avif: bool = False
    auto_jxl: bool = False
    enforce_jxl: bool = False

    @property
    def enforces(self) -> bool:
        return self.enforce_webp or self.enforce_avif or self.enforce_jxl

    @property
    def detects(self) -> bool:
        return self.auto_webp or self.auto_avif or self.auto_jxl or self.enforces

    def _flags(self) -> tuple[tuple[ImageFormat, bool, bool], ...]:
        """(format, auto flag, enforce flag), highest priority first: JPEG XL, AVIF, WebP."""
        return (
            (ImageFormat.JXL, self.auto_jxl, self.enforce_jxl),
            (ImageFormat.AVIF, self.auto_avif, self.enforce_avif),
            (ImageFormat.WEBP, self.auto_webp, self.enforce_webp),
        )

    def accepted(self, accept: str, *, enforced_only: bool) -> ImageFormat | None:
        """The modern format `Accept` lists that a flag allows, JPEG XL before AVIF before WebP."""
        for image_format, auto, enforce in self._flags():
            allowed = enforce or (auto and not enforced_only)
            if allowed and image_format.media_type in accept:
                return image_format
        return None

    def best_candidates(self, accept: str) -> tuple[ImageFormat, ...]:
        """AVIF, WebP and JPEG XL, where `Accept` lists them and a flag (auto or enforce)
        allows them."""
        allowed = {
            image_format
            for image_format, auto, enforce in self._flags()
            if (auto or enforce) and image_format.media_type in accept
        }
        order = (ImageFormat.AVIF, ImageFormat.WEBP, ImageFormat.JXL)
        return tuple(image_format for image_format in order if image_format in allowed)

    def choose(self, explicit: ImageFormat | None, accept: str) -> FormatChoice:
        if explicit is ImageFormat.BEST:
            varies = self.detects
            return FormatChoice(explicit, varies, self.best_candidates(accept))
        if explicit is ImageFormat.SVG:
            return FormatChoice(explicit, varies=False)
        if explicit is not None:
            if not self.enforces:
                return FormatChoice(explicit, varies=False)
            return FormatChoice(self.accepted(accept, enforced_only=True) or explicit, varies=True)
        if not self.detects:
            return FormatChoice(None, varies=False)
        return FormatChoice(self.accepted(accept, enforced_only=False), varies=True)


def choose_format(
    explicit: ImageFormat | None, accept: str, *, auto_webp: bool, auto_avif: bool
) -> FormatChoice:
    return Negotiation(auto_webp, auto_avif).choose(explicit, accept)


def negotiated_format(negotiation: Negotiation, explicit: ImageFormat | None, accept: str) -> str:
    """The `requested` part of a variant key: the explicit format (or the one an enforce flag
    put in its place), else `auto:` plus the Accept class."""
    choice = negotiation.choose(explicit, accept)
    requested = choice.requested
    if requested is ImageFormat.BEST:
        return "best:" + (",".join(f.value for f in choice.candidates) or "none")
    if explicit is not None and requested is not None:
        return requested.value
    return "auto:" + (requested.value if requested is not None else "none")


def requested_format(
    explicit: ImageFormat | None,
    accept: str,
    *,
    auto_webp: bool,
    auto_avif: bool,
    enforce_webp: bool = False,
    enforce_avif: bool = False,
) -> str:
    """`negotiated_format` from the flags themselves."""
    negotiation = Negotiation(auto_webp, auto_avif, enforce_webp, enforce_avif)
    return negotiated_format(negotiation, explicit, accept)


def accept_class(accept: str, auto_webp: bool, auto_avif: bool) -> str:
    """Which of the `auto` answers an Accept header gets: "avif", "webp" or "none" (JPEG XL
    detection is set on a `Negotiation` itself)."""
    choice = Negotiation(auto_webp, auto_avif).choose(None, accept)
    return choice.requested.value if choice.requested is not None else "none"
