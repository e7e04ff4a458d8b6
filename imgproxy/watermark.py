"""The watermark image, read once at start from IMGPROXY_WATERMARK_DATA, _PATH or _URL."""

from __future__ import annotations

import asyncio

import pyvips

from config.settings import Settings, SettingsError
from imgproxy.errors import ProxyError, UndecodableSource
from imgproxy.origins import Origin
from transforms.assets import decode_asset
from transforms.executor import ProcessingPool


def decode_watermark(data: bytes) -> pyvips.Image:
    """Any format a source may be in (BMP and HEIC included), as sRGB pixels in memory."""
    try:
        return decode_asset(data, "watermark")
    except UndecodableSource as error:
        raise SettingsError(f"The watermark image cannot be decoded: {error.detail}") from error


async def load_watermark(settings: Settings, origins: Origin, pool: ProcessingPool) -> pyvips.Image:
    if settings.watermark_data:
        data = settings.watermark_data
    elif settings.watermark_path is not None:
        data = await asyncio.to_thread(settings.watermark_path.read_bytes)
    else:
        try:
            data = (await origins.fetch(settings.watermark_url, settings.max_src_file_size)).data
        except ProxyError as error:
            raise SettingsError(f"IMGPROXY_WATERMARK_URL: {error.detail}") from error
    return await pool.run(decode_watermark, data)
