"""The libvips pipeline: probe, plan (pure geometry), ordered steps, encode."""
