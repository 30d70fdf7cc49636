"""Shared plumbing of `make bench`: scratch PostgreSQL, app servers, nginx, wrk.

Everything runs on loopback under ``BENCH_DIR`` (default /tmp/madoguchi-bench): a PostgreSQL
cluster of its own on port 5433 (so the fault test may restart it without touching the
developer's server), gunicorn for Madoguchi and for the Wagtail baseline, and nginx for the
multi-instance run. Only processes started here are ever stopped, by their pid.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
WAGTAIL = BENCH / "wagtail"
BENCH_DIR = Path(os.environ.get("MADOGUCHI_BENCH_DIR", "/tmp/madoguchi-bench"))
PG_PORT = int(os.environ.get("MADOGUCHI_BENCH_PG_PORT", "5433"))
PG_BIN = Path(
    os.environ.get("MADOGUCHI_BENCH_PG_BIN")
    or max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), default="")
)
PG_DATA = BENCH_DIR / "pg"
MADOGUCHI_PYTHON = REPO / ".venv" / "bin" / "python"
WAGTAIL_PYTHON = WAGTAIL / ".venv" / "bin" / "python"
SECRET = "bench-" + secrets.token_urlsafe(48)


def pg_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:{PG_PORT}/{name}"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- PostgreSQL (a scratch cluster) -----------------------------------------------------------


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def pg_ctl(action: str, *, check: bool = True) -> None:
    options = (
        f"-p {PG_PORT} -k {BENCH_DIR} -c listen_addresses=127.0.0.1 -c max_connections=200 "
        "-c shared_buffers=256MB -c fsync=on -c synchronous_commit=on"
    )
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(PG_DATA),
                "-l",
                str(BENCH_DIR / "pg.log"),
                "-w",
                "-m",
                "fast",
                "-o",
                options,
                action,
            ]
        ),
        check=check,
        stdout=subprocess.DEVNULL,
    )


def pg_running() -> bool:
    result = subprocess.run(
        [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(PG_PORT)],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def pg_start() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(BENCH_DIR, "postgres")
    if not (PG_DATA / "PG_VERSION").exists():
        log(f"initdb {PG_DATA} (port {PG_PORT})")
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(PG_DATA),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not pg_running():
        pg_ctl("start")


def pg_restart() -> None:
    pg_ctl("restart")


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(pg_url("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def psql(name: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(pg_url(name), autocommit=True) as connection:
        return connection.execute(sql).fetchall()  # type: ignore[arg-type]


# --- the two applications ---------------------------------------------------------------------


REDIS_URL = os.environ.get("MADOGUCHI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_available() -> bool:
    """Production counts rate limits in Redis; the benchmark does too when one is running."""
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def madoguchi_env(database: str) -> dict[str, str]:
    shared_cache = {"REDIS_URL": REDIS_URL} if redis_available() else {}
    return (
        os.environ
        | shared_cache
        | {
            "DATABASE_URL": pg_url(database),
            "DJANGO_SETTINGS_MODULE": "settings_bench",
            # MADOGUCHI_BENCH_SRC: a patched copy of src/ to measure a fix before/after.
            "PYTHONPATH": ":".join(
                filter(None, [os.environ.get("MADOGUCHI_BENCH_SRC"), str(BENCH)])
            ),
            "MADOGUCHI_SECRET_KEY": SECRET,
            "MADOGUCHI_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MADOGUCHI_SSL_REDIRECT": "0",
            "MADOGUCHI_VAR_DIR": str(BENCH_DIR / "var"),
        }
    )


def wagtail_env(database: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": pg_url(database),
        "DJANGO_SETTINGS_MODULE": "benchsite.settings",
        "PYTHONPATH": str(WAGTAIL),
    }


def setup_madoguchi(database: str) -> None:
    """Migrate a fresh scratch database and load the demo forms (dev settings: demo allowed)."""
    recreate_database(database)
    env = madoguchi_env(database) | {"DJANGO_SETTINGS_MODULE": "madoguchi.settings.dev"}
    madoguchi = str(REPO / ".venv" / "bin" / "madoguchi")
    subprocess.run([madoguchi, "migrate", "-v0"], env=env, check=True, cwd=REPO)
    subprocess.run([madoguchi, "demo"], env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    # Static files as production serves them (WhiteNoise, compressed, from STATIC_ROOT).
    subprocess.run(
        [madoguchi, "collectstatic", "--noinput", "-v0"],
        env=madoguchi_env(database),
        check=True,
        cwd=REPO,
    )


def setup_wagtail(database: str) -> None:
    if not WAGTAIL_PYTHON.exists():
        log("creating bench/wagtail/.venv (Wagtail form builder baseline)")
        subprocess.run([sys.executable, "-m", "venv", str(WAGTAIL / ".venv")], check=True)
        subprocess.run(
            [
                str(WAGTAIL / ".venv" / "bin" / "pip"),
                "install",
                "--quiet",
                "-r",
                str(WAGTAIL / "requirements.txt"),
            ],
            check=True,
        )
    recreate_database(database)
    env = wagtail_env(database)
    manage = [str(WAGTAIL_PYTHON), str(WAGTAIL / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=WAGTAIL)
    subprocess.run([*manage, "bench_form"], env=env, check=True, cwd=WAGTAIL)


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    extra: dict[str, Any] = field(default_factory=dict)

    def master_pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        result = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in result.stdout.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_http(
    url: str, timeout: float = 60, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Wait until ``url`` answers; with ``process``, fail as soon as that server exits (a
    server left over on the port would otherwise answer for it)."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited ({process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.3)


def gunicorn(app: str, *, port: int, workers: int, database: str, wait: str = "/") -> Server:
    """Sync workers, the same config file (deploy/gunicorn.conf.py) for both applications."""
    if app == "madoguchi":
        python, env, target, cwd = MADOGUCHI_PYTHON, madoguchi_env(database), "madoguchi.wsgi", REPO
    elif app == "madoguchi-signed":
        python, env, target, cwd = MADOGUCHI_PYTHON, madoguchi_env(database), "signed_wsgi", REPO
    else:
        python, env, target, cwd = WAGTAIL_PYTHON, wagtail_env(database), "benchsite.wsgi", WAGTAIL
    if _port_in_use(port):
        raise RuntimeError(f"127.0.0.1:{port} is taken (a server left over from an earlier run?)")
    env = env | {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    process = subprocess.Popen(
        [
            str(python),
            "-m",
            "gunicorn",
            "-c",
            str(REPO / "deploy" / "gunicorn.conf.py"),
            f"{target}:application",
        ],
        env=env,
        cwd=cwd,
        stdout=open(BENCH_DIR / f"gunicorn-{app}-{port}.log", "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    server = Server(app, process, port)
    try:
        wait_http(f"http://127.0.0.1:{port}{wait}", process=process)
    except BaseException:
        server.stop()  # never leave workers behind to answer the next run's requests
        raise
    return server


def nginx(upstreams: list[int], *, port: int) -> Server:
    """deploy/nginx.conf's proxy settings, with the benchmark's loopback upstreams."""
    prefix = BENCH_DIR / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    template = (REPO / "deploy" / "nginx-bench.conf").read_text()
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in upstreams)
    conf = template.replace("@UPSTREAMS@", servers).replace("@PORT@", str(port))
    conf = conf.replace("@PREFIX@", str(prefix))
    (prefix / "nginx.conf").write_text(conf)
    process = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=open(BENCH_DIR / "nginx.log", "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    server = Server("nginx", process, port)
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return server


# --- CPU accounting (robust on a shared machine: CPU time per request, not wall rates) ---


def _ticks(pid: int, *, children: bool) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # utime, stime, and (for a parent) cutime, cstime: the CPU of children it has reaped.
    return sum(int(f) for f in fields[11 : 15 if children else 13])


def cpu_seconds(masters: list[int]) -> float:
    """User + system CPU seconds so far of these processes and all their children.

    Children come and go (PostgreSQL backends when connections are recycled, gunicorn
    workers after max_requests or a kill): a child's CPU is counted while it lives and,
    once its parent reaps it, in the parent's cutime/cstime, so differences between two
    readings stay right across the churn.
    """
    total = 0
    for master in masters:
        total += _ticks(master, children=True)
        kids = subprocess.run(
            ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
        ).stdout.split()
        total += sum(_ticks(int(kid), children=True) for kid in kids)
    return total / os.sysconf("SC_CLK_TCK")


def postmaster_pid() -> list[int]:
    try:
        return [int((PG_DATA / "postmaster.pid").read_text().split()[0])]
    except (OSError, ValueError):
        return []


# --- wrk -------------------------------------------------------------------------------------

LUA = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = {content_type}
{extra}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {{"requests":%d,"duration_us":%d,"status_errors":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
end
"""


def lua_string(text: str) -> str:
    # A long bracket: Lua 5.1 (LuaJIT) knows no \u escapes, and bytes pass through as they are.
    assert "]==]" not in text
    return f"[==[{text}]==]"


def wrk(
    url: str,
    *,
    body: str,
    content_type: str,
    headers: dict[str, str] | None = None,
    seconds: int,
    connections: int,
    threads: int = 2,
) -> dict[str, Any]:
    extra = "\n".join(
        f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}" for k, v in (headers or {}).items()
    )
    script = BENCH_DIR / f"wrk-{abs(hash((url, body))) % 10**8}.lua"
    script.write_text(
        LUA.format(body=lua_string(body), content_type=lua_string(content_type), extra=extra)
    )
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    if result.stderr.strip():
        raise RuntimeError(f"wrk: {result.stderr.strip()[:500]}")
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCHJSON "))
    data: dict[str, Any] = json.loads(line.removeprefix("BENCHJSON "))
    seconds_run = data["duration_us"] / 1e6
    data["ok"] = data["requests"] - data["status_errors"]
    data["rps"] = data["ok"] / seconds_run
    data["p50_ms"] = data["p50_us"] / 1000
    data["p99_ms"] = data["p99_us"] / 1000
    return data
