#!/usr/bin/python3
"""Verifies every DKIM-Signature of a message with dkimpy, with keys from a file or a DNS server.

    dkimpy_verify.py MESSAGE KEYS
    dkimpy_verify.py MESSAGE dns:ADDRESS:PORT

KEYS holds lines "selector._domainkey.domain<TAB>TXT value" (blank lines and lines
starting with # are ignored); they answer dkimpy's key queries. With dns:ADDRESS:PORT
the queries go to that DNS server instead (dnspython), as dkimverify's would go to the
system's resolver; a name without TXT record answers nothing. One line is printed
per signature, top to bottom:

    INDEX d=DOMAIN s=SELECTOR a=ALGORITHM RESULT [(DETAIL)]

where RESULT is pass or fail. Exit status: 0 if there is at least one signature and
every one passes, 1 otherwise, 2 on a usage or internal error.
"""

import sys

import dkim
from dkim.util import InvalidTagValueList, parse_tag_value


def load_keys(path):
    keys = {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            name, tab, value = line.partition("\t")
            if not tab:
                raise ValueError("%s:%d: expected NAME<TAB>VALUE" % (path, number))
            keys[name.strip().rstrip(".").lower()] = value.encode("utf-8")
    return keys


def dns_keys(server):
    """A mapping whose get() asks the DNS server ADDRESS:PORT for the TXT record of a name."""
    import dns.exception
    import dns.resolver

    address, _, port = server.rpartition(":")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [address]
    resolver.port = int(port)

    class Keys:
        def get(self, name):
            try:
                answer = resolver.resolve(name + ".", "TXT", lifetime=10)
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                return None
            # as dkimpy's own DNS function: the first record, its strings joined
            for record in answer:
                return b"".join(record.strings)
            return None

    return Keys()


def describe(value):
    try:
        tags = parse_tag_value(value)
    except InvalidTagValueList:
        return "d=? s=? a=?"
    def tag(name):
        return tags.get(name, b"?").decode("ascii", "replace")
    return "d=%s s=%s a=%s" % (tag(b"d"), tag(b"s"), tag(b"a"))


def main(argv):
    if len(argv) != 3:
        print("usage: dkimpy_verify.py MESSAGE KEYS", file=sys.stderr)
        return 2
    with open(argv[1], "rb") as source:
        message = source.read()
    keys = dns_keys(argv[2][4:]) if argv[2].startswith("dns:") else load_keys(argv[2])
    queried = []

    def dnsfunc(name, timeout=5):
        key = name.decode("ascii", "replace").rstrip(".").lower()
        queried.append(key)
        return keys.get(key)

    verifier = dkim.DKIM(message)
    signatures = [value for name, value in verifier.headers if name.lower() == b"dkim-signature"]
    if not signatures:
        print("no DKIM-Signature header field")
        return 1
    passed = 0
    for index, value in enumerate(signatures):
        del queried[:]
        try:
            ok = dkim.DKIM(message).verify(idx=index, dnsfunc=dnsfunc)
            detail = "" if ok else " (signature does not verify)"
        except dkim.DKIMException as failure:
            ok, detail = False, " (%s: %s)" % (type(failure).__name__, failure)
        if not ok and queried and keys.get(queried[-1]) is None:
            detail = " (no key record for %s)" % queried[-1]
        passed += ok
        print("%d %s %s%s" % (index, describe(value), "pass" if ok else "fail", detail))
    return 0 if passed == len(signatures) else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as error:  # anything but a verdict is the harness's fault
        print("dkimpy_verify.py: %s: %s" % (type(error).__name__, error), file=sys.stderr)
        sys.exit(2)
