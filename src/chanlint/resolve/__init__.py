"""Stage 3: resolve names the way Python does and follow calls from entry points."""
