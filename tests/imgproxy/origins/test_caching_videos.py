"""A video's bytes stay in the process: never written to the shared (L2) sources cache."""

from __future__ import annotations

from cache.keys import source_key
from imgproxy.origins import Original
from imgproxy.origins.caching import OriginalsCache, OriginalsL1
from tests.cache.tiers import MemoryTier
from tests.transforms.video.making import MP4_H264, WEBM_VP9, make_video

PHOTO = Original(b"\xff\xd8\xff" + bytes(range(256)) * 40, "image/jpeg")


async def test_videos_are_kept_in_l1_only_and_photos_in_both() -> None:
    l1, l2 = OriginalsL1(1 << 22), MemoryTier(1 << 22)
    sources = OriginalsCache(l1, l2, ttl=30)
    videos = {
        "https://origin.example/clip.mp4": make_video(MP4_H264, seconds=1),
        "https://origin.example/clip.webm": make_video(WEBM_VP9, seconds=1),
    }
    for source, data in videos.items():
        await sources.put(source, Original(data, "video/mp4"))
        assert await l2.get(source_key(source)) is None
        assert await l1.get(source_key(source)) is not None
        cached = await sources.get(source)
        assert cached is not None
        assert cached.data == data
    await sources.put("https://origin.example/photo.jpg", PHOTO)
    assert await l2.get(source_key("https://origin.example/photo.jpg")) is not None
