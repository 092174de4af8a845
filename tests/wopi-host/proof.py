"""WOPI proof-key checks for wopi_host.py, from the WOPI specification ("Verifying that requests
originate from Office for the web by using proof keys"). Standard library only: RSA PKCS#1 v1.5
verification is one modular exponentiation.

Signed bytes: BE32 len(token) | token | BE32 len(URL) | URL upper-cased | BE32 8 | BE64 ticks,
with the token URL-decoded and ticks = .NET ticks of X-WOPI-TimeStamp. A request is genuine if
X-WOPI-Proof verifies with the current key, or X-WOPI-ProofOld with the current key, or
X-WOPI-Proof with the old key; and the timestamp is at most 20 minutes old.
"""

import base64
import hashlib
import re
import struct
import time
import urllib.request

SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
TICKS_AT_UNIX_EPOCH = 621355968000000000
MAX_AGE_SECS = 20 * 60


def load_keys(source):
    """{"current": (n, e), "old": (n, e) or None} from discovery XML at a URL or in a file."""
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=10) as reply:
            xml = reply.read().decode()
    else:
        with open(source) as handle:
            xml = handle.read()
    tag = re.search(r"<proof-key\b[^>]*>", xml)
    if not tag:
        raise ValueError("discovery has no <proof-key>")
    attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag.group(0)))

    def key(prefix):
        modulus, exponent = attributes.get(prefix + "modulus"), attributes.get(prefix + "exponent")
        if not modulus or not exponent:
            return None
        return (int.from_bytes(base64.b64decode(modulus), "big"),
                int.from_bytes(base64.b64decode(exponent), "big"))

    return {"current": key(""), "old": key("old")}


def signed_bytes(token, url, ticks):
    token, url = token.encode(), url.upper().encode()
    return (struct.pack(">i", len(token)) + token + struct.pack(">i", len(url)) + url
            + struct.pack(">i", 8) + struct.pack(">q", ticks))


def rsa_verify(key, message, signature_b64):
    if key is None or not signature_b64:
        return False
    try:
        signature = int.from_bytes(base64.b64decode(signature_b64, validate=True), "big")
    except ValueError:
        return False
    modulus, exponent = key
    size = (modulus.bit_length() + 7) // 8
    if signature >= modulus:
        return False
    encoded = pow(signature, exponent, modulus).to_bytes(size, "big")
    digest = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    expected = b"\x00\x01" + b"\xff" * (size - 3 - len(digest)) + b"\x00" + digest
    return encoded == expected


def check(keys, token, url, headers):
    """What the proof headers of one request prove, for the request log."""
    proof, proof_old = headers.get("X-WOPI-Proof"), headers.get("X-WOPI-ProofOld")
    try:
        ticks = int(headers.get("X-WOPI-TimeStamp", ""))
    except ValueError:
        return {"valid": False, "reason": "no X-WOPI-TimeStamp"}
    message = signed_bytes(token, url, ticks)
    current_ok = rsa_verify(keys["current"], message, proof)
    old_header_ok = rsa_verify(keys["current"], message, proof_old)
    old_key_ok = rsa_verify(keys["old"], message, proof)
    age = time.time() - (ticks - TICKS_AT_UNIX_EPOCH) / 1e7
    fresh = -60 <= age <= MAX_AGE_SECS
    return {"valid": (current_ok or old_header_ok or old_key_ok) and fresh, "fresh": fresh,
            "proof_current_key": current_ok, "proofold_current_key": old_header_ok,
            "proof_old_key": old_key_ok}
