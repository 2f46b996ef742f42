"""Stage 4: find entry points, follow them, and judge each message against the process's policy."""
