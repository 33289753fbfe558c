"""`klinika serve` behind a TLS-terminating proxy: https pages, no redirect loop, Secure cookies, HSTS.

Real processes: waitress in a subprocess, the proxy (tests/cli/tls_proxy.py) in a thread,
requests as the browser.
"""
import re
import subprocess
import time

import pytest
import requests

from tests.cli.support import KLINIKA, free_port, klinika_env
from tests.cli.tls_proxy import TlsProxy, self_signed_certificate

PROXY_ADDRESS = "127.0.0.2"  # the proxy's own source address; test clients connect from 127.0.0.1
DEMO_LOGIN, DEMO_PASSWORD = "rejestracja1", "demo-klinika-2026"


def _serve(data_dir, log, **settings):
    port = free_port()
    env = klinika_env(data_dir, KLINIKA_HTTPS="1", KLINIKA_ALLOWED_HOSTS="localhost,127.0.0.1", **settings)
    process = subprocess.Popen([*KLINIKA, "serve", "--port", str(port)], env=env, cwd=data_dir,
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.name
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2, allow_redirects=False)
            return process, port
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("klinika serve did not start within 90 s")


def _stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def site(seeded, tmp_path_factory):
    """waitress trusting the proxy at 127.0.0.2, and that proxy: (https base URL, certificate, direct port)."""
    tmp = tmp_path_factory.mktemp("behind-proxy")
    data_dir = seeded.copy(tmp)
    cert, key = self_signed_certificate(tmp)
    with open(tmp / "serve.log", "w") as log:
        process, port = _serve(data_dir, log, KLINIKA_TRUSTED_PROXY=PROXY_ADDRESS)
        try:
            with TlsProxy(port, cert, key, source_address=PROXY_ADDRESS) as proxy:
                yield f"https://localhost:{proxy.port}", cert, port
        finally:
            _stop(process)


def _secure_cookies(response) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response.raw.headers.getlist("Set-Cookie")}


def test_the_login_page_loads_over_https_with_secure_cookies_and_hsts(site):
    base, cert, _port = site
    page = requests.get(f"{base}/login/", verify=str(cert), allow_redirects=False, timeout=30)
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookies = _secure_cookies(page)
    assert "csrftoken" in cookies and "; Secure" in cookies["csrftoken"], cookies


def test_a_login_through_the_proxy_gets_a_secure_session_and_pages_that_are_not_stored(site):
    base, cert, _port = site
    browser = requests.Session()  # (verify per request: REQUESTS_CA_BUNDLE would override a session's)
    page = browser.get(f"{base}/login/", verify=str(cert), timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    # A browser sends its page's origin: Django compares it with https://<host> (the CSRF check).
    answer = browser.post(f"{base}/login/", data={"username": DEMO_LOGIN, "password": DEMO_PASSWORD,
                                                  "csrfmiddlewaretoken": token},
                          headers={"Origin": base}, verify=str(cert), allow_redirects=False, timeout=30)
    assert answer.status_code == 302 and answer.headers["Location"] in ("/", f"{base}/"), answer.status_code
    cookies = _secure_cookies(answer)
    assert "sessionid" in cookies and "; Secure" in cookies["sessionid"] and "; HttpOnly" in cookies["sessionid"]
    dashboard = browser.get(f"{base}/", verify=str(cert), allow_redirects=False, timeout=30)
    assert dashboard.status_code == 200 and "no-store" in dashboard.headers["Cache-Control"]


def test_a_client_that_is_not_the_proxy_cannot_claim_https(site):
    _base, _cert, port = site
    forged = requests.get(f"http://127.0.0.1:{port}/login/", headers={"X-Forwarded-Proto": "https"},
                          allow_redirects=False, timeout=30)
    assert forged.status_code == 301 and forged.headers["Location"].startswith("https://")


def test_without_the_opt_in_no_forwarded_header_is_believed(seeded, tmp_path):
    data_dir = seeded.copy(tmp_path)
    with open(tmp_path / "serve.log", "w") as log:
        process, port = _serve(data_dir, log)
        try:
            forged = requests.get(f"http://127.0.0.1:{port}/login/", allow_redirects=False, timeout=30,
                                  headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
        finally:
            _stop(process)
    assert forged.status_code == 301 and forged.headers["Location"] == "https://127.0.0.1:%d/login/" % port
