"""Run SecantusDB, a MongoDB wire-protocol server, for the test suite (used by ``.ci/test``).

SecantusDB is GPL-2.0 and a pre-release: it lives in its own virtual environment
(``.venv-mongo``) and is never a dependency of the app. Run this file with that environment's
Python::

    .venv-mongo/bin/python tests/mongo_server.py serve --folder DIR --uri-file FILE
    .venv-mongo/bin/python tests/mongo_server.py wait --uri-file FILE --pid PID [--timeout S]

``serve`` starts a one-node replica set (``rs0``) on a free loopback port with its data in
``DIR``, writes the server's URI to ``FILE`` and runs until SIGTERM or SIGINT, or until the
process that started it is gone (so a killed CI script leaves no server behind). ``wait``
returns once the server in ``FILE`` answers ``ping``, and fails with a message saying why when
it does not within the time limit or the server process ``PID`` ended.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

REPLICA_SET = "rs0"
HOST = "127.0.0.1"
PARENT_CHECK_SECONDS = 1.0


def serve(folder: Path, uri_file: Path) -> int:
    """Start the server, publish its URI, and stop it cleanly when told to or orphaned."""
    from secantus import SecantusDBServer  # only in the separate environment

    parent = os.getppid()
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # Port 0: the kernel picks a free port when binding, so two runs never race for one.
    server = SecantusDBServer(HOST, 0, str(folder), replica_set_name=REPLICA_SET)
    server.start()
    try:
        host, port = server.address
        written = uri_file.with_name(uri_file.name + ".tmp")
        written.write_text(f"mongodb://{host}:{port}/?replicaSet={REPLICA_SET}\n")
        written.replace(uri_file)  # readers never see half a URI
        while not stop.wait(PARENT_CHECK_SECONDS):
            if os.getppid() != parent:
                break
    finally:
        server.stop()
    return 0


def wait(uri_file: Path, pid: int, timeout: float) -> int:
    """Wait until the server answers ``ping``; print why not and return 1 otherwise."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    deadline = time.monotonic() + timeout
    last_error = "it has not written its address yet"
    while time.monotonic() < deadline:
        if not _alive(pid):
            print(f"SecantusDB (process {pid}) stopped before answering", file=sys.stderr)
            return 1
        if uri_file.exists():
            uri = uri_file.read_text().strip()
            client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=2000)
            try:
                client.admin.command("ping")
            except PyMongoError as exc:
                last_error = str(exc).split(", Timeout:", 1)[0]
            else:
                return 0
            finally:
                client.close()
        # Polling is the only way to learn a separate process is ready; a short pause keeps
        # it from spinning a core while the server opens its storage.
        time.sleep(0.1)
    print(f"SecantusDB did not answer ping within {timeout:g} s: {last_error}", file=sys.stderr)
    return 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run ``serve`` or ``wait``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the server until SIGTERM")
    serve_cmd.add_argument("--folder", type=Path, required=True, help="the server's data folder")
    serve_cmd.add_argument("--uri-file", type=Path, required=True, help="where to write its URI")
    wait_cmd = commands.add_parser("wait", help="wait until the server answers ping")
    wait_cmd.add_argument("--uri-file", type=Path, required=True)
    wait_cmd.add_argument("--pid", type=int, required=True, help="the serve process")
    wait_cmd.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.folder, args.uri_file)
    return wait(args.uri_file, args.pid, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
