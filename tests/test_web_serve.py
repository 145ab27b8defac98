"""`tonecoach serve` and `python app.py` as a user runs them: the first admin, the address, a restart."""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from web_support import free_port

from tonecoach.cli import main

ROOT = Path(__file__).resolve().parents[1]
gradio_client = pytest.importorskip("gradio_client")


def start(data: Path, port: int, env_extra: dict | None = None) -> tuple[subprocess.Popen, list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("TONECOACH_ADMIN_PASSWORD", "TONECOACH_DB_URL")}
    env.update(env_extra or {})
    p = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--data-dir", str(data), "--model", "tiny.en"],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    t0 = time.time()
    while time.time() - t0 < 120:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if "is starting at" in line:
            break
    while time.time() - t0 < 120:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return p, lines
        except OSError:
            if p.poll() is not None:
                break
            time.sleep(0.3)
    p.kill()
    raise AssertionError("the app did not start:\n" + "\n".join(lines) + (p.stdout.read() or ""))


def stop(p: subprocess.Popen) -> None:
    p.terminate()
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()


@pytest.mark.slow  # starts the web server, twice
def test_first_start_writes_a_one_time_admin_password_to_a_file_and_a_restart_keeps_it(tmp_path):
    data, port = tmp_path / "data", free_port()
    p, lines = start(data, port)
    try:
        text = "\n".join(lines)
        assert "an admin account was created" in text
        f = data / "admin-password.txt"
        assert str(f.resolve()) in text and stat.S_IMODE(f.stat().st_mode) == 0o600
        password = f.read_text().split("password: ", 1)[1].split()[0]
        assert password not in text  # not in the service's log
        assert f"tonecoach is starting at http://localhost:{port}" in text
        c = gradio_client.Client(f"http://127.0.0.1:{port}/", auth=("admin", password), verbose=False)
        assert c.predict(api_name="/reports") == []
    finally:
        stop(p)
    assert (data / "tonecoach.db").is_file()
    p, lines = start(data, port)  # a restart: the same admin, no new password
    try:
        assert not any("admin account was created" in line for line in lines)
        c = gradio_client.Client(f"http://127.0.0.1:{port}/", auth=("admin", password), verbose=False)
        c.predict(password, "admin-new-pass", "admin-new-pass", api_name="/ui_change_password")
        assert not f.exists()  # the generated password is no longer the admin's
    finally:
        stop(p)


@pytest.mark.slow  # starts the web server
def test_admin_password_from_the_environment_is_not_printed(tmp_path):
    data, port = tmp_path / "data", free_port()
    p, lines = start(data, port, {"TONECOACH_ADMIN_PASSWORD": "chosen-by-the-admin"})
    try:
        assert not any("chosen-by-the-admin" in line or "password: " in line for line in lines)
        gradio_client.Client(f"http://127.0.0.1:{port}/", auth=("admin", "chosen-by-the-admin"), verbose=False)
    finally:
        stop(p)


def test_serve_refuses_a_bad_upload_limit():
    err = io.StringIO()
    assert main(["serve", "--max-upload", "lots"], stdout=io.StringIO(), stderr=err) == 1
    assert "not a size: 'lots'" in err.getvalue()


def test_serve_says_when_the_port_is_taken(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        err = io.StringIO()
        code = main(["serve", "--port", str(port), "--data-dir", str(tmp_path / "d")], stdout=io.StringIO(), stderr=err)
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err.getvalue() and "--port" in err.getvalue()
