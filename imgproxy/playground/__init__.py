"""The playground page at `/` (IMGPROXY_PLAYGROUND): try options, get signed URLs."""

from imgproxy.playground.routes import playground_routes
from imgproxy.playground.timing import ServerTimingMiddleware, server_timing

__all__ = ["ServerTimingMiddleware", "playground_routes", "server_timing"]
