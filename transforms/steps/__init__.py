"""Pipeline steps: each a function `(image, job) -> image` that skips itself when not needed."""
