"""Production mode: the settings refuse an unsafe configuration, `chiso serve` runs gunicorn
and stops cleanly on SIGTERM, readiness checks the database and the storage, logs are JSON lines,
and the deployment files stay in step with the documentation.

Each refusal is checked in a fresh interpreter, as a server would meet it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User
from django.test import Client

from chiso.lib.testing.served import free_port

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
GOOD_KEY = secrets.token_urlsafe(50)


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A sound production environment (no CHISO_INSECURE_DEV) on a scratch SQLite database."""
    # Nothing of the test process's own set-up: its variables, and the async-safety switch the
    # browser fixture turns on for the session (a deployment check refuses it, rightly).
    skip = ("CHISO_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    good = {
        "CHISO_SECRET_KEY": GOOD_KEY,
        "CHISO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CHISO_HSTS_SECONDS": "31536000",
        "CHISO_DATA_DIR": str(tmp_path / "data"),
    }
    return {**clean, **good, **overrides}


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)


def setup_django(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup()"
    return run([sys.executable, "-c", code], {**env, "DJANGO_SETTINGS_MODULE": "chiso.settings"})


# --- The settings refuse an unsafe production configuration ----------------------------------

REFUSED = [
    ({"CHISO_DEBUG": "1"}, "CHISO_DEBUG must be off in production"),
    ({"CHISO_SECRET_KEY": ""}, "CHISO_SECRET_KEY is required in production"),
    (
        {"CHISO_SECRET_KEY": "insecure-dev-key-do-not-use-in-production"},
        "CHISO_SECRET_KEY is a known development key",
    ),
    ({"CHISO_SECRET_KEY": "django-insecure-" + GOOD_KEY}, "known development key"),
    ({"CHISO_SECRET_KEY": "s3cret-but-short"}, "CHISO_SECRET_KEY is too weak"),
    ({"CHISO_SECRET_KEY": "ab" * 40}, "CHISO_SECRET_KEY is too weak"),
    ({"CHISO_ALLOWED_HOSTS": ""}, "CHISO_ALLOWED_HOSTS is empty"),
    ({"CHISO_ALLOWED_HOSTS": " , "}, "CHISO_ALLOWED_HOSTS is empty"),
    ({"CHISO_LOG_FORMAT": "xml"}, "CHISO_LOG_FORMAT='xml'"),
]


@pytest.mark.parametrize(("overrides", "message"), REFUSED)
def test_production_refuses_to_start_on_an_unsafe_configuration_naming_the_variable(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    result = setup_django(production_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_has_no_default_host_to_answer_to(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["CHISO_ALLOWED_HOSTS"]
    result = setup_django(env)
    assert result.returncode != 0 and "CHISO_ALLOWED_HOSTS is empty" in result.stderr


def test_the_same_unsafe_values_are_accepted_on_a_development_machine(tmp_path: Path) -> None:
    env = production_env(tmp_path, CHISO_INSECURE_DEV="1", CHISO_DEBUG="1", CHISO_SECRET_KEY="")
    del env["CHISO_ALLOWED_HOSTS"]
    result = setup_django(env)
    assert result.returncode == 0, result.stderr


def test_chiso_names_the_bad_variable_without_a_traceback(tmp_path: Path) -> None:
    result = run([str(BIN / "chiso"), "serve"], production_env(tmp_path, CHISO_DEBUG="1"))
    assert result.returncode == 1
    assert "CHISO_DEBUG must be off in production" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sound_production_configuration_passes_the_deployment_checks(tmp_path: Path) -> None:
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = run(command, production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- chiso serve: gunicorn, static files, readiness, JSON logs, SIGTERM ----------------------


def wait_until_up(url: str, server: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            out, err = server.communicate()
            raise AssertionError(f"chiso serve exited with {server.returncode}:\n{out}{err}")
        try:
            urllib.request.urlopen(f"{url}/health/", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"chiso serve did not answer at {url} in {seconds} s")


def get(url: str, https: bool = False) -> tuple[int, dict[str, str], bytes]:
    # What nginx says of a request that came over TLS (else production redirects to https).
    headers = {"X-Forwarded-Proto": "https"} if https else {}
    with urllib.request.urlopen(
        urllib.request.Request(url, headers=headers), timeout=10
    ) as response:
        return response.status, dict(response.headers), response.read()


def test_chiso_serve_answers_then_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = production_env(tmp_path, CHISO_BEHIND_PROXY="1")  # as behind nginx
    migrated = run([str(BIN / "chiso"), "migrate", "-v0"], env)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    command = [str(BIN / "chiso"), "serve", "--port", str(port), "--workers", "1", "--threads", "2"]
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server, seconds=90)  # a bound for a loaded machine, not a goal
        status, _headers, body = get(f"{url}/health/")
        assert (status, body) == (200, b"ok")
        status, headers, body = get(f"{url}/health/ready/")
        assert status == 200
        assert json.loads(body) == {"status": "ok", "database": "ok", "storage": "ok"}
        assert "no-store" in headers["Cache-Control"]
        # The static files were collected under hashed names, served by WhiteNoise for a year.
        manifest = json.loads((tmp_path / "data" / "static" / "staticfiles.json").read_text())
        hashed = manifest["paths"]["chiso/chiso.css"]
        status, headers, _body = get(f"{url}/static/{hashed}", https=True)
        assert status == 200 and "immutable" in headers["Cache-Control"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:  # above gunicorn's graceful_timeout (25 s), so a hang is told from a slow exit
            out, err = server.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]  # every line is a JSON object
    assert any(line["message"] == "Handling signal: term" for line in lines)
    requests = [line for line in lines if line["logger"] == "chiso.request"]
    ready = next(line for line in requests if line["path"] == "/health/ready/")
    assert ready["method"] == "GET" and ready["status"] == 200 and ready["user_id"] is None
    assert ready["duration_ms"] >= 0


def test_chiso_serve_refuses_a_database_with_unapplied_migrations(tmp_path: Path) -> None:
    result = run(
        [str(BIN / "chiso"), "serve", "--port", str(free_port())], production_env(tmp_path)
    )
    assert result.returncode != 0
    assert "chiso migrate" in result.stderr


# --- Readiness ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readiness_reports_the_database_and_the_storage_to_anyone() -> None:
    response = Client().get("/health/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_answers_503_when_the_storage_cannot_be_written(
    tmp_path: Path, settings: Any
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = str(blocker / "media")
    response = Client().get("/health/ready/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "storage": "error"}


def test_readiness_answers_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    # A real PostgreSQL address where nothing listens; the liveness page still answers.
    code = (
        "import django; django.setup(); from django.test import Client; "
        "c = Client(HTTP_HOST='localhost'); r = c.get('/health/ready/'); "
        "print(r.status_code, r.content.decode()); "
        "print(c.get('/health/').status_code)"
    )
    env = production_env(
        tmp_path, CHISO_INSECURE_DEV="1", DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing"
    )
    result = run([sys.executable, "-c", code], {**env, "DJANGO_SETTINGS_MODULE": "chiso.settings"})
    assert result.returncode == 0, result.stderr
    ready, health = result.stdout.strip().splitlines()
    status, body = ready.split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "error", "database": "error", "storage": "ok"}
    assert health == "200"


# --- The request log ------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_request_is_logged_with_its_user_and_never_its_query_or_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = User.objects.create_user("lanhdao", password="x-Password-1")
    client = Client()
    client.force_login(user)
    caplog.set_level(logging.INFO, logger="chiso.request")
    client.get("/health/?q=Nguyễn Văn A")
    client.get("/accounts/password_change/")
    client.get("/accounts/reset/MQ/abc-123def456/")  # a password-reset link carries a token
    probe, page, reset = (vars(r) for r in caplog.records if r.name == "chiso.request")
    assert (probe["method"], probe["path"], probe["status"]) == ("GET", "/health/", 200)
    # A probe never loads the user (no session query); a page that does logs who it was.
    assert probe["user_id"] is None and page["user_id"] == user.pk
    assert reset["path"] == "/accounts/reset/<uidb64>/<token>/"
    assert "Nguyễn" not in caplog.text and "abc-123def456" not in caplog.text
    assert client.cookies["sessionid"].value not in caplog.text


# --- The deployment files -------------------------------------------------------------------

DEPLOY = ROOT / "deploy"
DOC = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")


def test_the_compose_file_runs_postgresql_web_and_worker_with_a_media_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:15")
    assert "chiso serve" in " ".join(services["web"]["command"])
    assert "chiso worker" in " ".join(services["worker"]["command"])
    for name in ("web", "worker"):
        volumes = services[name]["volumes"]
        assert any(v.startswith("media:") for v in volumes), name
    assert "media" in compose["volumes"]


def test_the_systemd_units_run_the_commands_the_documentation_gives() -> None:
    for unit in ("chiso.service", "chiso-worker.service"):
        text = (DEPLOY / unit).read_text(encoding="utf-8")
        commands = re.findall(r"^Exec\w+=(.+)$", text, flags=re.MULTILINE)
        assert commands, unit
        for command in commands:
            assert command.strip() in DOC, f"{unit}: {command} is not in docs/deployment.md"


def test_every_variable_the_deployment_files_set_is_documented() -> None:
    configuration = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    texts = [p.read_text(encoding="utf-8") for p in DEPLOY.iterdir() if p.is_file()] + [DOC]
    used = {name for text in texts for name in re.findall(r"\b(CHISO_[A-Z_]+)", text)}
    assert used, "the deployment files set no variable? the pattern must be wrong"
    assert sorted(n for n in used if f"`{n}`" not in configuration) == []


def test_nginx_lets_through_the_largest_upload_chiso_accepts() -> None:
    from django.conf import settings

    text = (DEPLOY / "nginx-chiso.conf").read_text(encoding="utf-8")
    found = re.search(r"client_max_body_size\s+(\d+)m;", text)
    largest = max(settings.CHISO_EVIDENCE_MAX_MB, getattr(settings, "CHISO_UPLOAD_MAX_MB", 0))
    assert found and int(found.group(1)) > largest  # strictly: the form around the file


# --- Behind a proxy -------------------------------------------------------------------------


def test_behind_a_proxy_the_client_is_the_address_the_proxy_appended() -> None:
    from django.test import RequestFactory

    from chiso.lib.proxy import client_ip

    # The client claimed 6.6.6.6; nginx appended the address it really saw.
    forged = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert client_ip(forged) == "203.0.113.5"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")) == "198.51.100.7"
