"""aiosmtpd handler that keeps every message it receives, unchanged, as a file.

Each message is written as DIRECTORY/tmp/NAME.eml, flushed to disk, then renamed into DIRECTORY/new/, so a reader
of new/ never sees half a message. NAME.env beside it holds the envelope: "MAIL FROM:<...>" and one
"RCPT TO:<...>" line per recipient. The bytes are the DATA as the client sent it, dot-unstuffed, with its CRLF line
ends: a DKIM signature checks against them as against what a mailbox would store.
"""

import itertools
import os
import time

_counter = itertools.count(1)


class Store:
    def __init__(self, directory):
        self.directory = directory
        for sub in ("tmp", "new"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("sink_store.Store takes one argument: the directory to store messages in")
        return cls(args[0])

    def _write(self, name, data):
        tmp = os.path.join(self.directory, "tmp", name)
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.rename(tmp, os.path.join(self.directory, "new", name))

    async def handle_DATA(self, server, session, envelope):
        name = "%d.%d.%d" % (time.time_ns(), os.getpid(), next(_counter))
        env = "MAIL FROM:<%s>\n" % envelope.mail_from
        env += "".join("RCPT TO:<%s>\n" % rcpt for rcpt in envelope.rcpt_tos)
        # the envelope first: a reader that finds NAME.eml in new/ finds NAME.env too
        self._write(name + ".env", env.encode("utf-8"))
        self._write(name + ".eml", envelope.original_content)
        print("stored %s from=<%s> to=%s size=%d"
              % (name, envelope.mail_from, ",".join(envelope.rcpt_tos), len(envelope.original_content)))
        return "250 2.0.0 Ok: stored as " + name
