"""Run Mitreden the way it is deployed: real server processes, their own database, no test ORM.

Shared by the deployment tests, the browser tests (tests/browser) and the benchmark
(tests/benchmarks). Everything happens in subprocesses with an explicit environment, so what is
tested is what ``manage.py``, uvicorn and gunicorn do in production with those variables:

- ``Database``: a fresh SQLite file, or a fresh PostgreSQL database ``mitreden_<label>_<pid>``
  when ``DATABASE_URL`` points at PostgreSQL; dropped again by ``drop()``.
- ``DemoSite``: one database migrated and filled by ``manage.py load_demo`` plus one
  ``collectstatic`` run, prepared once and then cloned (PostgreSQL ``CREATE DATABASE ...
  TEMPLATE``, or a file copy) for every server that needs its own data: migrating costs 12-15 s
  here, a clone a fraction of a second.
- ``ServerProcess``: uvicorn or gunicorn on a loopback port it picks itself (port 0), in its
  own process group, so ``stop()`` ends the workers too. It is ready when it prints its
  listening line (read from its output pipe, with a deadline) and then answers one request.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
LOOPBACK = "127.0.0.1"

# Variables the subprocesses get only from us, never inherited from the calling shell.
_CONTROLLED = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_PREFIX",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_PROXY",
    "TRUSTED_PROXY_COUNT",
    "BASE_URL",
    "PAGE_CACHE_SECONDS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SERVE_MEDIA",
    "LOG_LEVEL",
)
_OUR_DATABASES = re.compile(r"^mitreden_(?:template|browser|deployment|benchmark)_(\d+)$")


def random_secret_key() -> str:
    return secrets.token_urlsafe(60)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


def _with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin_connection(url: str):
    import psycopg

    return psycopg.connect(_with_database_name(url, "postgres"), autocommit=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Database:
    """One database for one purpose; ``url`` is what ``DATABASE_URL`` is set to."""

    url: str
    name: str
    postgres: bool

    @classmethod
    def create(cls, label: str, workdir: Path) -> Database:
        base = postgres_url()
        if base is None:
            path = workdir / f"{label}.sqlite3"
            path.unlink(missing_ok=True)
            return cls(url=f"sqlite:///{path}", name=str(path), postgres=False)
        name = f"mitreden_{label}_{os.getpid()}"
        from psycopg import sql

        with _admin_connection(base) as conn:
            _drop_abandoned_databases(conn)
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return cls(url=_with_database_name(base, name), name=name, postgres=True)

    def clone(self, label: str, workdir: Path) -> Database:
        """A copy of this database (which no process may be using) under a new name."""
        if not self.postgres:
            target = workdir / f"{label}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                source = Path(self.name + suffix)
                if source.exists():
                    shutil.copyfile(source, str(target) + suffix)
            return Database(url=f"sqlite:///{target}", name=str(target), postgres=False)
        from psycopg import sql

        name = f"mitreden_{label}_{os.getpid()}"
        with _admin_connection(self.url) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(self.name)
                )
            )
        return Database(url=_with_database_name(self.url, name), name=name, postgres=True)

    def drop(self) -> None:
        if not self.postgres:
            for suffix in ("", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)
            return
        from psycopg import sql

        with _admin_connection(self.url) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )


def _drop_abandoned_databases(conn) -> None:
    """Drop databases left by earlier runs that were killed (their process no longer exists)."""
    from psycopg import sql

    names = [row[0] for row in conn.execute("SELECT datname FROM pg_database").fetchall()]
    for name in names:
        match = _OUR_DATABASES.match(name)
        if match and not _pid_alive(int(match.group(1))):
            with contextlib.suppress(Exception):
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def clean_environment() -> dict[str, str]:
    """The calling environment without any variable that configures Mitreden itself."""
    env = {key: value for key, value in os.environ.items() if key not in _CONTROLLED}
    env["DJANGO_SETTINGS_MODULE"] = "participation.settings"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def production_environment(
    *,
    database_url: str,
    static_root: Path,
    media_root: Path,
    mail_dir: Path | None = None,
    allowed_hosts: str = "127.0.0.1,localhost",
    redis: str | None = None,
    redis_prefix: str | None = None,
    secret_key: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a production deployment on loopback (plain HTTP, no TLS proxy).

    DEBUG is off, so static files come from ``collectstatic`` through whitenoise exactly as in
    production; only TLS-related switches are relaxed because the tests speak plain HTTP.
    """
    env = clean_environment()
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secret_key or random_secret_key(),
            "ALLOWED_HOSTS": allowed_hosts,
            "DATABASE_URL": database_url,
            "STATIC_ROOT": str(static_root),
            "MEDIA_ROOT": str(media_root),
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
            "SECURE_HSTS_PRELOAD": "0",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
    )
    if mail_dir is not None:
        env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
        env["EMAIL_FILE_PATH"] = str(mail_dir)
    else:
        env["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    if redis:
        env["REDIS_URL"] = redis
        # A prefix of our own: other test runs may share this Redis at the same time.
        env["REDIS_PREFIX"] = redis_prefix or f"mitreden-test-{os.getpid()}-{secrets.token_hex(3)}"
    env.update(extra or {})
    return env


def manage(
    *args: str, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py`` in a subprocess; raise with its output if it fails."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed with exit code {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def shell(code: str, *, env: dict[str, str], timeout: float = 120) -> str:
    """Run Python code in ``manage.py shell`` with that environment; return what it printed."""
    return manage("shell", "--no-imports", "-c", code, env=env, timeout=timeout).stdout


def stop_cleanly_on_sigterm() -> None:
    """Let SIGTERM unwind like Ctrl-C, so fixtures stop their servers and drop databases.

    By default SIGTERM ends Python at once and would leave server processes running.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:

        def interrupt(signum, frame):
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGTERM, interrupt)


@dataclass
class DemoSite:
    """A migrated database with the demo content and collected static files, made once.

    ``clone()`` gives every server its own copy; ``close()`` drops everything it made.
    """

    workdir: Path
    template: Database
    static_root: Path
    media_root: Path
    clones: list[Database] = field(default_factory=list)
    seconds_to_prepare: float = 0.0

    @classmethod
    def prepare(cls, workdir: Path | None = None, *, demo: bool = True) -> DemoSite:
        started = time.monotonic()
        stop_cleanly_on_sigterm()
        workdir = Path(workdir or tempfile.mkdtemp(prefix="mitreden-site-"))
        static_root = workdir / "static"
        media_root = workdir / "media"
        media_root.mkdir(parents=True, exist_ok=True)
        template = Database.create("template", workdir)
        site = cls(workdir, template, static_root, media_root)
        env = site.environment(template)
        # collectstatic needs no database: run it while the migrations run.
        collect = subprocess.Popen(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", "--skip-checks"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            # System checks are the deployment check's job; skipping them here saves seconds.
            manage("migrate", "--noinput", "-v0", "--skip-checks", env=env)
            if demo:
                manage("load_demo", "--skip-checks", env=env)
        except BaseException:
            collect.kill()
            collect.wait()
            site.close()
            raise
        output, _ = collect.communicate(timeout=300)
        if collect.returncode != 0:
            site.close()
            raise RuntimeError(f"collectstatic failed:\n{output[-4000:]}")
        site.seconds_to_prepare = time.monotonic() - started
        return site

    def environment(self, database: Database, **kwargs) -> dict[str, str]:
        return production_environment(
            database_url=database.url,
            static_root=self.static_root,
            media_root=self.media_root,
            **kwargs,
        )

    def clone(self, label: str) -> Database:
        database = self.template.clone(label, self.workdir)
        self.clones.append(database)
        return database

    def close(self) -> None:
        for database in [*self.clones, self.template]:
            with contextlib.suppress(Exception):
                database.drop()
        self.clones.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


def uvicorn_argv(port: int, *, trusted_proxies: str | None = None) -> list[str]:
    """One ASGI process for pages and WebSockets (``make run``), or for /ws/ at city scale.

    uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 by default, which lets anybody on
    loopback pick their own client address: off (``--no-proxy-headers``) unless
    ``trusted_proxies`` names the reverse proxies' addresses (``--forwarded-allow-ips``), as
    the README says.
    """
    if trusted_proxies:
        proxy_flags = ["--proxy-headers", "--forwarded-allow-ips", trusted_proxies]
    else:
        proxy_flags = ["--no-proxy-headers"]
    return [
        PYTHON,
        "-m",
        "uvicorn",
        "participation.asgi:application",
        "--host",
        LOOPBACK,
        "--port",
        str(port),
        "--ws-max-size",
        "65536",
        # As the README recommends: events are small, compression costs CPU and ~44 KB a socket.
        "--ws-per-message-deflate",
        "false",
        "--lifespan",
        "off",
        "--no-access-log",
        # INFO for the "Uvicorn running on" line the harness waits for (ServerProcess); with
        # the access log off that adds one line per accepted WebSocket, nothing per request.
        "--log-level",
        "info",
        *proxy_flags,
    ]


def gunicorn_argv(port: int, workers: int = 2, *, threads: int = 1) -> list[str]:
    """The WSGI server that serves pages and forms in the production split."""
    argv = [
        PYTHON,
        "-m",
        "gunicorn",
        "participation.wsgi:application",
        "--bind",
        f"{LOOPBACK}:{port}",
        "--workers",
        str(workers),
        # INFO for the "Listening at" line the harness waits for (no line per request: the
        # access log is off).
        "--log-level",
        "info",
        "--graceful-timeout",
        "5",
    ]
    if threads > 1:
        argv += ["--worker-class", "gthread", "--threads", str(threads)]
    return argv


def workers_argv(queues: str = "default,long") -> list[str]:
    """The background workers, one per queue: ``make run``'s launcher without a server."""
    return [PYTHON, "scripts/run_with_workers.py", "--queues", queues]


# The line a server prints once its socket listens, with the port it got: uvicorn's
# "Uvicorn running on http://127.0.0.1:PORT", gunicorn's "Listening at: http://127.0.0.1:PORT".
LISTENING = re.compile(rb"(?:Uvicorn running on|Listening at:) https?://\S+:(\d+)")


class ServerProcess:
    """A server subprocess in its own process group; its output goes to a log file through a
    pipe the harness reads, which is how it learns that (and on which port) the server listens.

    Port 0 in the command line lets the server take a free port itself (no race with other
    test runs for a port picked beforehand); ``port`` is the real one once it is ready.
    """

    def __init__(
        self, name: str, argv: Sequence[str], *, env: dict[str, str], port: int, log_dir: Path
    ):
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.port = port
        self.log_path = Path(log_dir) / f"{name}-{port or secrets.token_hex(4)}.log"
        self.process: subprocess.Popen | None = None
        self.listening_port: int | None = None
        # Set when the listening line was read, or when the output ended (the process exited).
        self._listening_or_ended = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def popen_options(self) -> dict:
        """More keyword arguments for ``subprocess.Popen`` (subclasses)."""
        return {}

    def launch(self) -> ServerProcess:
        """Start the process without waiting for it (to boot several servers side by side)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.touch()
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **self.popen_options(),
        )
        threading.Thread(target=self._copy_output, name=f"{self.name} output", daemon=True).start()
        return self

    def _copy_output(self) -> None:
        """Copy the server's output to its log until it ends, watching for the listening line.

        Runs for the process's whole life: a pipe nobody reads would block the server's
        logging once its buffer is full."""
        with open(self.log_path, "ab", buffering=0) as log, self.process.stdout as output:
            for line in iter(output.readline, b""):
                log.write(line)
                if self.listening_port is None:
                    match = LISTENING.search(line)
                    if match:
                        self.listening_port = int(match.group(1))
                        self._listening_or_ended.set()
        self._listening_or_ended.set()

    def wait_until_ready(self, *, ready_path: str = "/", timeout: float = 60) -> ServerProcess:
        try:
            self._wait_until_ready(ready_path, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def start(self, *, ready_path: str = "/", timeout: float = 60) -> ServerProcess:
        return self.launch().wait_until_ready(ready_path=ready_path, timeout=timeout)

    def _wait_until_ready(self, path: str, timeout: float) -> None:
        """Wait for the listening line (or the process's end), then ask ``path`` once.

        After the line the socket accepts connections: a request waits in the kernel's
        backlog until the server (gunicorn: a worker still booting) takes it, so one request
        with the remaining time is enough, and an answer of 500 or more is an error."""
        deadline = time.monotonic() + timeout
        if not self._listening_or_ended.wait(timeout):
            raise RuntimeError(
                f"{self.name} did not say it was listening within {timeout:.0f} s:\n"
                f"{self.log_tail()}"
            )
        if self.listening_port is None:
            try:
                code = self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                code = "none (it closed its output but is still running)"
            raise RuntimeError(
                f"{self.name} exited with code {code} while starting:\n{self.log_tail()}"
            )
        if self.port and self.port != self.listening_port:
            raise RuntimeError(
                f"{self.name} listens on port {self.listening_port}, not {self.port}:\n"
                f"{self.log_tail()}"
            )
        self.port = self.listening_port
        remaining = max(1.0, deadline - time.monotonic())
        try:
            status = http_get(self.base_url + path, timeout=remaining)[0]
        except OSError as error:
            raise RuntimeError(
                f"{self.name} listens on port {self.port} but GET {path} failed ({error!r}):\n"
                f"{self.log_tail()}"
            ) from error
        if status >= 500:
            raise RuntimeError(f"{self.name}: GET {path} answered {status}:\n{self.log_tail()}")

    def log_tail(self, characters: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM to the server (gunicorn stops its workers), then SIGKILL to the whole
        process group if anything lingers."""
        self.request_stop()
        self.wait_stopped(timeout)

    def request_stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait_stopped(self, timeout: float = 10) -> None:
        process = self.process
        if process is None:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)


def stop_all(servers: Sequence[ServerProcess]) -> None:
    """Stop several servers at once (gunicorn takes a second or two to wind down)."""
    for server in servers:
        server.request_stop()
    for server in servers:
        server.wait_stopped()


def start_server(
    name: str,
    make_argv,
    *,
    env: dict[str, str],
    log_dir: Path,
    ready_path: str = "/",
) -> ServerProcess:
    """Start a server on a port it picks itself (port 0) and wait until it answers."""
    server = ServerProcess(name, make_argv(0), env=env, port=0, log_dir=log_dir)
    return server.start(ready_path=ready_path)


def http_get(url: str, *, timeout: float = 30, headers: dict[str, str] | None = None):
    """A plain GET without redirects: (status, headers, body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def shared_demo_site(config) -> DemoSite:
    """One DemoSite per pytest run, shared by tests/browser and tests/deployment.

    Kept on the pytest config and dropped when pytest exits, also after failures or Ctrl-C.
    """
    site = getattr(config, "_mitreden_demo_site", None)
    if site is None:
        site = DemoSite.prepare()
        config._mitreden_demo_site = site
        config.add_cleanup(site.close)
    return site
