"""Caching: HTTP caching headers for the CDN tier."""
