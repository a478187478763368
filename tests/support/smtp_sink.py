"""A real SMTP server for Olive's tests (aiosmtpd): every message received is written to a folder.

Usage: python3 smtp_sink.py PORT FOLDER
Prints "ready" once listening on 127.0.0.1:PORT; stops when its standard input closes.
Each message becomes FOLDER/NNNNNN.eml (written to a temporary name first, then renamed), and the name
the client greeted with (HELO/EHLO) is written to FOLDER/NNNNNN.ehlo before it.
"""
import itertools
import pathlib
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.counter = itertools.count()

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        (self.folder / f"{n:06}.ehlo").write_text(session.host_name or "")
        tmp = self.folder / f".{n:06}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(self.folder / f"{n:06}.eml")
        return "250 Message accepted"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
    # A generous start-up wait: on a busy CI machine the default (a second or so) is not always enough.
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port, ready_timeout=30)
    try:
        controller.start()
    except Exception as e:  # the port was taken meanwhile, or it did not start in time: say so and let the caller retry
        print(f"failed {e!r}", flush=True)
        return
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
