"""Stage 2: parse each file once with libcst and index its definitions."""
