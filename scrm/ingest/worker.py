"""Check a big file in a second process while the first one writes.

SQLite takes one writer, and Python's sqlite3 hands the GIL back and forth
for every row, so a writer *thread* runs no faster than doing things in
turn. A worker *process* reads, maps and checks the file and streams the
checked chunks (plain lists, pickled) to the importing process, which owns
the database and its single transaction: on two cores, checking chunk k+1
overlaps with writing chunk k. The worker never opens the database, so
killing either process cannot leave a half-written import behind.

Protocol: the parent writes one pickled request dict to the worker's stdin;
the worker answers with a stream of pickled items on stdout (parts, chunks,
progress) and ends with ``("end",)`` or ``("error", exception)``.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from scrm.errors import ScrmError
from scrm.i18n.messages import Message

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def stream_from_worker(request: dict[str, Any]) -> Iterator[Any]:
    """Start a worker for ``request`` now; the iterator yields what it sends and raises its errors."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([_PACKAGE_ROOT, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrm.ingest.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
    )
    assert proc.stdin is not None
    try:
        pickle.dump(request, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.close()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return _receive(proc)


def _receive(proc: subprocess.Popen[bytes]) -> Iterator[Any]:
    assert proc.stdout is not None
    try:
        while True:
            try:
                item = pickle.load(proc.stdout)
            except EOFError:
                raise ScrmError(Message(
                    "The import worker stopped without finishing (it may have run out of memory). "
                    "Try again, or split the file in smaller parts."
                )) from None
            if isinstance(item, tuple) and item and item[0] == "end":
                return
            if isinstance(item, tuple) and item and item[0] == "error":
                raise item[1]
            yield item
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def _send(out: BinaryIO, item: Any) -> None:
    pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def main() -> None:
    """The worker: read the request, stream checked items, end with a marker."""
    from scrm.ingest.map import _preset
    from scrm.ingest.read import read_source
    from scrm.ingest.validate import _Progress, checked_parts

    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but pickles on the channel
    request = pickle.load(sys.stdin.buffer)
    try:
        raw = read_source(request["source"], request["file_name"], _preset(request["mapping"], request["kind"])[0])
        _send(out, _Progress(0.25, "Checking rows"))
        for item in checked_parts(raw, request["kind"], request["mapping"], request["file_name"], request.get("dates")):
            _send(out, item)
        _send(out, ("end",))
    except BrokenPipeError:  # the importing process is gone: nothing to do
        return
    except Exception as e:  # handed to the importing process, which decides
        try:
            pickle.dumps(e)
        except Exception:
            e = RuntimeError(f"{type(e).__name__}: {e}")
        _send(out, ("error", e))


if __name__ == "__main__":
    main()
