"""Prints the current TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) of a base32 secret.

Usage: python3 scripts/totp.py SECRET [OFFSET_STEPS]
"""
import base64
import hashlib
import hmac
import struct
import sys
import time

secret = base64.b32decode(sys.argv[1].upper() + "=" * (-len(sys.argv[1]) % 8))
step = int(time.time()) // 30 + (int(sys.argv[2]) if len(sys.argv) > 2 else 0)
digest = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
offset = digest[-1] & 0x0F
code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
print(f"{code:06d}")
