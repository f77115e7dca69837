"""The package installed normally (a wheel, not editable) and the server started from a checkout: an
upload's worker imports the installed ``ccdkg`` as the server did, not the checkout's folders from the
current directory (issue 13, item 6)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from .helpers import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "tests" / "validation" / "valid-minimal.ttl"


@pytest.mark.slow
def test_upload_works_from_a_checkout_with_the_wheel_installed(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ccdkg-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The dependencies come from the test environment's site-packages (a plain path: its .pth files,
    # among them the editable install's finder, are not read); ccdkg itself from the wheel.
    (site / "test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(
        [str(venv / "bin" / "ccdkg"), "serve", "--port", str(port), "--data", str(VALID)],
        cwd=ROOT,  # the checkout: its ccdkg/ folder has no server/ or validation/ subpackage
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        import http.client

        end = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()[-2000:]
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request(
                    "POST",
                    "/validate",
                    body=VALID.read_bytes(),
                    headers={"Content-Type": "text/turtle", "Accept": "application/json"},
                )
                resp = conn.getresponse()
                body = resp.read().decode()
                break
            except OSError:
                assert time.monotonic() < end, "server did not start"
                time.sleep(0.2)
        assert resp.status == 200, body[:500] + "\n" + log.read_text()[-3000:]
        assert '"conforms": true' in body
        installed = subprocess.run(
            [str(python), "-c", "import ccdkg.server; print(ccdkg.server.__file__)"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert str(venv) in installed  # the server ran the wheel's code, not the checkout's
    finally:
        stop(proc)
