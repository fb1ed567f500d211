"""Web load benchmark: the dashboard, ranking and portal pages under 50 concurrent clients.

Builds the demo into a scratch data directory (or reuses one), serves it with gunicorn (the
production server), drives each page with wrk for 30 s at 50 connections, and prints
throughput and p50/p95/p99 latency, with each page's throughput as a share of the same
server answering a trivial page (/health/). Goal (issue 4): p95 < 100 ms at 50 clients on
2 cores, dashboard throughput ≥ 30 % of the trivial page's.

    python bench/web_load/run.py [--duration 30] [--connections 50] [--workers N]
                                 [--worker-class gthread|sync] [--threads 2]
                                 [--data-dir DIR] [--reuse]

Needs wrk (scripts/ensure-report-tools.sh installs it).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# wrk reports p50/75/90/99 only; this prints the percentiles we need in one parsable line.
LUA = """
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT %.1f %.2f %.2f %.2f %d %d\\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.requests))
end
"""


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    login: bool = False
    htmx: bool = False


PAGES = [
    Page("trivial (/health/)", "/health/"),
    Page("dashboard (leader)", "/", login=True),
    Page("ranking (leader, htmx)", "/ranking/?c=nghean-commune-example:2025", True, True),
    Page("portal index", "/portal/"),
    Page("portal ranking", "/portal/nghean-department-example/2024/"),
]


@dataclass(frozen=True)
class Result:
    page: Page
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    requests: int


# One key for every step, so the session made for the bench is valid on the server.
BENCH_KEY = os.environ.get("CHISO_SECRET_KEY") or secrets.token_urlsafe(48)


def env(data_dir: Path) -> dict[str, str]:
    """SQLite in `data_dir`, or the database of BENCH_DATABASE_URL (e.g. PostgreSQL)."""
    out = dict(os.environ, CHISO_DATA_DIR=str(data_dir), CHISO_INSECURE_DEV="1")
    out["CHISO_SECRET_KEY"] = BENCH_KEY
    out.pop("DATABASE_URL", None)
    if "BENCH_DATABASE_URL" in os.environ:
        out["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    return out


def production_env(data_dir: Path) -> dict[str, str]:
    """What `chiso serve` runs with in production (DEBUG off, hashed static files, JSON
    request log), except TLS: the bench speaks plain HTTP on the loopback."""
    out = env(data_dir)
    del out["CHISO_INSECURE_DEV"]
    out.update(
        CHISO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CHISO_SSL_REDIRECT="0",
        CHISO_SECURE_COOKIES="0",
        CHISO_STATIC_ROOT=str(data_dir / "static"),
    )
    return out


def build_demo(data_dir: Path) -> None:
    print(f"Dựng dữ liệu minh hoạ vào {data_dir} …", flush=True)
    subprocess.run([str(BIN / "chiso"), "migrate", "-v0"], env=env(data_dir), check=True)
    code = "from chiso.demo.builder import build; build(progress=lambda t: None)"
    manage = [str(BIN / "python"), str(ROOT / "manage.py"), "shell", "-c", code]
    subprocess.run(manage, env=env(data_dir), check=True, cwd=ROOT)


def session_cookie(data_dir: Path, username: str = "lanhdao") -> str:
    code = (
        "from django.test import Client; from django.contrib.auth.models import User; "
        f"c = Client(); c.force_login(User.objects.get(username={username!r})); "
        "print('SESSION', c.cookies['sessionid'].value)"
    )
    manage = [str(BIN / "python"), str(ROOT / "manage.py"), "shell", "-c", code]
    out = subprocess.run(manage, env=env(data_dir), check=True, capture_output=True, text=True)
    found = re.search(r"SESSION (\S+)", out.stdout)
    assert found, out.stdout + out.stderr
    return found.group(1)


def start_server(data_dir: Path, port: int, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """`chiso serve` — the production command: checks, collectstatic, then gunicorn."""
    command = [str(BIN / "chiso"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(args.workers), "--threads", str(args.threads)]  # fmt: skip
    environment = production_env(data_dir)
    # Options `chiso serve` leaves to gunicorn's configuration.
    environment["GUNICORN_CMD_ARGS"] = f"--worker-class {args.worker_class} --backlog 512"
    # The request log (one JSON line per request, as in production) goes nowhere here.
    server = subprocess.Popen(command, env=environment, cwd=ROOT, stdout=subprocess.DEVNULL)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("chiso serve did not start")


def run_wrk(url: str, headers: list[str], duration: int, connections: int, lua: Path) -> str:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s",
               "-s", str(lua)]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    return subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout


def measure(page: Page, base: str, cookie: str, args: argparse.Namespace, lua: Path) -> Result:
    cookies = [f"sessionid={cookie}"] if page.login else []
    extra = ["HX-Request: true"] if page.htmx else []
    warm = urllib.request.Request(
        base + page.path, headers=dict(h.split(": ", 1) for h in _cookie(cookies) + extra)
    )
    with urllib.request.urlopen(warm, timeout=30) as response:  # fills the page cache
        assert len(response.read()) > 0
        # Clients keep the CSRF cookie a page sets, as browsers do: without it every request
        # would have a new CSRF secret generated (and a cookie set), which no browser causes.
        set_cookies = "; ".join(response.headers.get_all("Set-Cookie") or [])
    csrf = re.search(r"csrftoken=([^;]+)", set_cookies)
    if csrf:
        cookies.append(f"csrftoken={csrf.group(1)}")
    headers = _cookie(cookies) + extra
    # The cache is per worker process: warm every worker (a few seconds of the same load,
    # not counted) so that no worker's first, uncached rendering lands in the measured run.
    run_wrk(base + page.path, headers, 3, args.connections, lua)
    out = run_wrk(base + page.path, headers, args.duration, args.connections, lua)
    found = re.search(r"RESULT (\S+) (\S+) (\S+) (\S+) (\d+) (\d+)", out)
    assert found, out
    rps, p50, p95, p99 = (float(found.group(i)) for i in range(1, 5))
    return Result(page, rps, p50, p95, p99, int(found.group(5)), int(found.group(6)))


def _cookie(cookies: list[str]) -> list[str]:
    return [f"Cookie: {'; '.join(cookies)}"] if cookies else []


def report(results: list[Result], args: argparse.Namespace) -> bool:
    trivial = results[0].rps
    print(f"\n{args.connections} kết nối đồng thời, {args.duration} s mỗi trang, "
          f"gunicorn {args.workers} worker {args.worker_class}"
          f"{f' × {args.threads} luồng' if args.worker_class == 'gthread' else ''}, "
          f"{os.cpu_count()} CPU, tải máy {os.getloadavg()[0]:.1f}")  # fmt: skip
    head = ("req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"{'trang':<26}" + "".join(f"{h:>9}" for h in head) + f"{'/trivial':>10}{'lỗi':>6}")
    for r in results:
        share = r.rps / trivial if trivial else 0.0
        print(f"{r.page.name:<26}{r.rps:>9.0f}{r.p50:>9.1f}{r.p95:>9.1f}{r.p99:>9.1f}"
              f"{share:>9.0%}{r.errors:>6}")  # fmt: skip
    dashboard = results[1]
    ok_p95 = all(r.p95 < 100 for r in results)
    ok_share = dashboard.rps >= 0.3 * trivial
    ok_errors = all(r.errors == 0 for r in results)
    print(f"\nMục tiêu p95 < 100 ms: {'ĐẠT' if ok_p95 else 'CHƯA ĐẠT'}; "
          f"dashboard ≥ 30% trang đơn giản: {'ĐẠT' if ok_share else 'CHƯA ĐẠT'} "
          f"({dashboard.rps / trivial:.0%}); lỗi: {'không' if ok_errors else 'CÓ'}")  # fmt: skip
    return ok_p95 and ok_share and ok_errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    # gthread keeps connections alive (sync closes each one, so every request paid a new TCP
    # connection) and a worker per core plus one hides a worker blocked on the database.
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=2, help="per gthread worker")
    parser.add_argument("--port", type=int, default=18473)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--reuse", action="store_true", help="keep and reuse --data-dir's demo")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: bash scripts/ensure-report-tools.sh")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="chiso-bench-"))
    if not (args.reuse and (data_dir / "chiso.sqlite3").exists()):
        build_demo(data_dir)
    else:  # a reused demo gets the migrations added since it was built
        subprocess.run([str(BIN / "chiso"), "migrate", "-v0"], env=env(data_dir), check=True)
    cookie = session_cookie(data_dir)
    server = start_server(data_dir, args.port, args)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(LUA)
        base = f"http://127.0.0.1:{args.port}"
        results = [measure(p, base, cookie, args, Path(handle.name)) for p in PAGES]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return 0 if report(results, args) else 1


if __name__ == "__main__":
    sys.exit(main())
