"""Content digests, with CPython's own blake2b (module `_blake2`): `import hashlib` loads
OpenSSL first, about 3 ms of a warm run that reads no file, for a hash OpenSSL does not give."""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # another Python: the same algorithm, through hashlib
    from hashlib import blake2b

__all__ = ["blake2b"]
