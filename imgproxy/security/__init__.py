"""Security building blocks: address filter, guarded network backend, allowed sources,
encrypted source URLs, secret header, rate limiting. Each module has one job; the app wires
them from settings."""
