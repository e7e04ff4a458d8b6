"""The playground page at `/` (IMGPROXY_PLAYGROUND): try options, get signed URLs."""

from imgproxy.playground.routes import playground_routes
from imgproxy.playground.timing import ServerTimingMiddleware

__all__ = ["ServerTimingMiddleware", "playground_routes"]
