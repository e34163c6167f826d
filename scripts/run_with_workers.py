"""Run the server and the background workers as one command (``make run``); Ctrl-C stops all.

    python scripts/run_with_workers.py [--queues default,long] [--] [server command ...]

First ``manage.py schedule_periodic_tasks`` (queues the next run of periodic work), then one
``manage.py db_worker`` per queue and the server command, if one is given. Ctrl-C (SIGINT) or
SIGTERM stops every process with one SIGTERM (workers finish the task they are running); when
one process ends by itself the others are stopped too, and its exit code is ours. Children run
in sessions of their own so that a terminal's Ctrl-C reaches them once, through us.
Production runs the workers as services instead (README, "Background tasks").
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 10


def worker_argv(queue: str) -> list[str]:
    return [
        sys.executable,
        "manage.py",
        "db_worker",
        "--queue-name",
        queue,
        "--worker-id",
        f"{queue}-{os.getpid()}-{os.uname().nodename}"[:64],
        "--no-reload",
    ]


class Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise Stop(signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queues", default="default,long", help="one worker per queue")
    parser.add_argument("server", nargs=argparse.REMAINDER, help="the server command")
    options = parser.parse_args(argv)
    server = options.server[1:] if options.server[:1] == ["--"] else options.server
    queues = [queue.strip() for queue in options.queues.split(",") if queue.strip()]

    subprocess.run([sys.executable, "manage.py", "schedule_periodic_tasks"], cwd=ROOT, check=True)

    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    children: list[subprocess.Popen] = []
    code = 0
    try:
        for command in [*(worker_argv(queue) for queue in queues), *([server] if server else [])]:
            children.append(subprocess.Popen(command, cwd=ROOT, start_new_session=True))
        while True:
            for child in children:
                if child.poll() is not None:
                    code = child.returncode if child.returncode >= 0 else 128 - child.returncode
                    print(f"{' '.join(child.args[:4])} ended ({code}): stopping", file=sys.stderr)
                    raise Stop
            time.sleep(0.2)
    except Stop:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
    return code


if __name__ == "__main__":
    sys.exit(main())
