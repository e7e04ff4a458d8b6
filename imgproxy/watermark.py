"""The watermark image, read once at start from IMGPROXY_WATERMARK_DATA, _PATH or _URL."""

from __future__ import annotations

import asyncio

import pyvips

from config.settings import Settings, SettingsError
from imgproxy.errors import ProxyError
from imgproxy.origins import OriginRouter
from transforms.executor import ProcessingPool
from transforms.sources import open_source

WATERMARK_MAX_PIXELS = 50_000_000


def decode_watermark(data: bytes) -> pyvips.Image:
    """Any format a source may be in (BMP and HEIC included), as sRGB pixels in memory."""
    try:
        image = open_source(data, max_pixels=WATERMARK_MAX_PIXELS).load()
        if image.interpretation not in ("srgb", "b-w"):
            image = image.colourspace("srgb")
        return image.copy_memory()
    except (pyvips.Error, ProxyError) as error:
        raise SettingsError(f"The watermark image cannot be decoded: {error}") from error


async def load_watermark(
    settings: Settings, origins: OriginRouter, pool: ProcessingPool
) -> pyvips.Image:
    if settings.watermark_data:
        data = settings.watermark_data
    elif settings.watermark_path is not None:
        data = await asyncio.to_thread(settings.watermark_path.read_bytes)
    else:
        try:
            data = (await origins.fetch(settings.watermark_url, 0)).data
        except ProxyError as error:
            raise SettingsError(f"IMGPROXY_WATERMARK_URL: {error.detail}") from error
    return await pool.run(decode_watermark, data)
