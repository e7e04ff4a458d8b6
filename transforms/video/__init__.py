"""A still frame from an MP4/MOV or WebM/Matroska source, decoded by PyAV (FFmpeg) from bytes.

Only `sniff` and `settings` import without PyAV; the decoder is imported when a video arrives."""
