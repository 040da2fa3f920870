"""The real server's output carries no personal data and no logging errors (issue 7, high).

The masking once set ``record.args = None``: uvicorn's access formatter then failed on every request
("--- Logging error ---") and Python's fallback printed the failing record, with the whole refused
request body, unmasked to stderr. This starts the real uvicorn on a migrated temporary SQLite
database, sends refused and accepted submissions full of personal data, and reads both streams.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess

import httpx

from tests.api.conftest import ROOT, case_body, make_id_number, migrate
from tests.api.test_dispatch_support import PYTHON, free_port, wait_http

PHONE = "13987654321"
ACCOUNT = "6222029876543210987"


def _start(tmp_path, url: str, name: str = "api", extra_env: dict[str, str] | None = None):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LOG_LEVEL": "INFO",
        "DEV_SECRET_FILE": str(tmp_path / "dev-secret"),
        **(extra_env or {}),
    }
    env.pop("DISPATCH_IN_PROCESS", None)
    out, err = (tmp_path / f"{name}.out").open("wb"), (tmp_path / f"{name}.err").open("wb")
    proc = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=err,
    )
    return proc, f"http://127.0.0.1:{port}", (out, err)


def _stop(proc, files) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    for f in files:
        f.close()


def test_real_uvicorn_logs_every_request_masked_and_without_logging_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate(url)
    deceased_id = make_id_number(dt.date(1941, 3, 8))
    applicant_id = make_id_number(dt.date(1969, 10, 2))
    wrong_check = deceased_id[:17] + str((int(deceased_id[17]) + 1) % 10 if deceased_id[17] != "X" else 0)
    people = {
        "deceased": {"id_number": deceased_id},
        "applicant": {"id_number": applicant_id, "phone": PHONE},
        "payee_account": ACCOUNT,
    }
    proc, base, files = _start(tmp_path, url)
    try:
        wait_http(base + "/healthz", 60)
        with httpx.Client(base_url=base, timeout=30) as http:
            # refused: a NUL character in a name (the validation error holds the whole body) ...
            nul = case_body(**people)
            nul["deceased"]["name"] = "张\x00德明"
            assert http.post("/api/v1/cases", json=nul).status_code == 422
            # ... a wrong check digit ...
            bad = case_body(**{**people, "deceased": {"id_number": wrong_check}})
            assert http.post("/api/v1/cases", json=bad).status_code == 422
            # ... an unknown field next to the personal data
            extra = case_body(**people, surprise=PHONE)
            assert http.post("/api/v1/cases", json=extra).status_code == 422
            # and a normal submission and read
            ok = http.post("/api/v1/cases", json=case_body(**people))
            assert ok.status_code == 201, ok.text
            token = ok.json()["access_token"]
            case_no = ok.json()["case_no"]
            got = http.get(f"/api/v1/cases/{case_no}", headers={"Authorization": f"Bearer {token}"})
            assert got.status_code == 200
            # a token sent in a query string (not the header) stays out of the access log
            http.get(f"/api/v1/cases/{case_no}", params={"access_token": token, "status": "x"})
            assert http.get("/healthz").status_code == 200
    finally:
        _stop(proc, files)
    stdout = (tmp_path / "api.out").read_text("utf-8", "replace")
    stderr = (tmp_path / "api.err").read_text("utf-8", "replace")
    both = stdout + "\n" + stderr
    assert "Logging error" not in both, stderr[-3000:]
    assert "Traceback" not in both, stderr[-3000:]
    # the access log works: every request has its line
    assert both.count('"POST /api/v1/cases HTTP/1.1" 422') == 3, both[-3000:]
    assert '"POST /api/v1/cases HTTP/1.1" 201' in both
    assert '"GET /healthz HTTP/1.1" 200' in both
    assert "access_token=***&status=x" in both
    for secret in (deceased_id, wrong_check, applicant_id, PHONE, ACCOUNT, token):
        assert secret not in both, f"{secret} in clear in the server output"
