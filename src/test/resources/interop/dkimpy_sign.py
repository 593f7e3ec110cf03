#!/usr/bin/python3
"""Signs the message on stdin with dkimpy and writes the signed message to stdout.

    dkimpy_sign.py SELECTOR DOMAIN KEYFILE ALGORITHM CANON [HEADERS]

ALGORITHM is rsa-sha256 or ed25519-sha256; CANON is header/body, e.g. relaxed/simple;
HEADERS, if given, is the colon-separated list of header fields to sign (dkimpy's
default list otherwise). KEYFILE is an RSA PEM key (PKCS#1 or PKCS#8), or an Ed25519
key either in dkimpy's own form (the base64 32-byte seed) or as PKCS#8 PEM, as
`openssl genpkey -algorithm ed25519` writes it.

The output is the DKIM-Signature header field dkimpy made, folded as dkimpy folds it
with the input's line end, followed by the input unchanged. Exit status: 0 signed,
2 on a usage or signing error.
"""

import base64
import sys

import dkim

ALGORITHMS = ("rsa-sha256", "ed25519-sha256")
CANONICALIZATIONS = ("simple", "relaxed")
# In an Ed25519 PKCS#8 key (RFC 8410) the algorithm identifier is followed by an OCTET
# STRING wrapping the OCTET STRING of the 32-byte seed.
ED25519_OID = bytes.fromhex("06032b6570")
ED25519_SEED = bytes.fromhex("04220420")


def read_key(path, algorithm):
    with open(path, "rb") as source:
        key = source.read()
    if algorithm != "ed25519-sha256" or b"-----BEGIN PRIVATE KEY-----" not in key:
        return key
    body = key.split(b"-----BEGIN PRIVATE KEY-----", 1)[1].split(b"-----END", 1)[0]
    der = base64.b64decode(b"".join(body.split()))
    oid = der.find(ED25519_OID)
    seed = der.find(ED25519_SEED, oid + len(ED25519_OID)) + len(ED25519_SEED)
    if oid < 0 or seed < len(ED25519_SEED) or len(der) < seed + 32:
        raise ValueError("%s: not an Ed25519 PKCS#8 key" % path)
    return base64.b64encode(der[seed:seed + 32])


def parse_canon(value):
    parts = value.split("/")
    if len(parts) == 1:
        parts.append("simple")
    if len(parts) != 2 or any(part not in CANONICALIZATIONS for part in parts):
        raise ValueError("canonicalization: %s (expected: header/body of simple, relaxed)" % value)
    return tuple(part.encode("ascii") for part in parts)


def main(argv):
    if len(argv) not in (6, 7):
        print("usage: dkimpy_sign.py SELECTOR DOMAIN KEYFILE rsa-sha256|ed25519-sha256 "
              "HEADER/BODY-CANON [HEADERS] < message > signed", file=sys.stderr)
        return 2
    selector, domain, keyfile, algorithm, canon = argv[1:6]
    if algorithm not in ALGORITHMS:
        raise ValueError("algorithm: %s (expected: %s)" % (algorithm, ", ".join(ALGORITHMS)))
    headers = None
    if len(argv) == 7:
        headers = [name.strip().encode("ascii") for name in argv[6].split(":") if name.strip()]
    message = sys.stdin.buffer.read()
    linesep = b"\r\n" if b"\r\n" in message else b"\n"
    signature = dkim.sign(
        message,
        selector.encode("ascii"),
        domain.encode("ascii"),
        read_key(keyfile, algorithm),
        canonicalize=parse_canon(canon),
        signature_algorithm=algorithm.encode("ascii"),
        include_headers=headers,
        linesep=linesep,
    )
    sys.stdout.buffer.write(signature + message)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as error:  # report every failure as a usage or signing error
        print("dkimpy_sign.py: %s: %s" % (type(error).__name__, error), file=sys.stderr)
        sys.exit(2)
