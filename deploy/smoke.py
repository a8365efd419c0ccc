"""Smoke journey over real HTTP against a running tidu (gunicorn + worker), standard library only.

    python deploy/smoke.py journey --base http://127.0.0.1:PORT --call-pk N --state state.json
    python deploy/smoke.py compare --base http://127.0.0.1:PORT2 --state state.json

``journey`` (on a database with the demo data, demo clock inside the 2026 window):
  /healthz is 200; the enterprise `chulv` resubmits its returned application and gets a receipt; the
  township officer `kaifaqu` opens the township list and sees it; the city starts a 汇总表 export job, the
  worker finishes it, the file downloads. It writes what it saw (application, receipt, sha256 of the
  receipt page's facts and of the downloads) to ``--state``.
``compare`` (against a server on the restored database): the same application, the same receipt, the
  same evidence bytes and the same export file are served.

Exit status 0 when every step passed; otherwise the failing step is printed and the status is 1.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import http.cookiejar
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "tidu-demo-2026"
ENTERPRISE, TOWNSHIP, CITY = "chulv", "kaifaqu", "city"


class SmokeFailed(Exception):
    pass


class Session:
    """A browser-like client: cookies, CSRF token from the cookie, no automatic redirects on POST."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method: str, path: str, data: dict | None = None, expect=(200,)) -> tuple[int, bytes, dict]:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method=method)
        if method == "POST":
            req.add_header("Referer", self.base + "/")
            req.add_header("X-CSRFToken", self.csrf())
        try:
            with self.opener.open(req, timeout=60) as response:
                status, content, headers = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, content, headers = error.code, error.read(), dict(error.headers)
        if status not in expect:
            raise SmokeFailed(f"{method} {path}: HTTP {status} (expected {expect}); "
                              f"X-Request-ID {headers.get('X-Request-ID', '-')}\n{content[:600].decode(errors='replace')}")
        return status, content, headers

    def get(self, path: str, expect=(200,)) -> str:
        return self.request("GET", path, expect=expect)[1].decode("utf-8")

    def post(self, path: str, data: dict, expect=(200, 302)) -> tuple[int, str]:
        status, content, _ = self.request("POST", path, data, expect)
        return status, content.decode("utf-8", errors="replace")

    def csrf(self) -> str:
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def login(self, username: str) -> None:
        self.get("/accounts/login/")  # sets the CSRF cookie
        data = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()}
        status, body = self.post("/accounts/login/", data, expect=(302,))
        if not any(cookie.name == "sessionid" for cookie in self.jar):
            raise SmokeFailed(f"login as {username}: no session cookie")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _session(base: str) -> Session:
    session = Session(base)
    session.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(session.jar), NoRedirect())
    return session


def step(text: str) -> None:
    print(f"smoke: {text}", flush=True)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _location(session: Session, path: str, data: dict) -> str:
    status, content, headers = session.request("POST", path, data, expect=(302, 303))
    return headers.get("Location", "")


def check_health(base: str) -> None:
    status, content, _ = _session(base).request("GET", "/healthz")
    body = json.loads(content)
    if body.get("status") != "ok":
        raise SmokeFailed(f"/healthz: {body}")
    step(f"/healthz 200: {json.dumps(body['checks'], ensure_ascii=False)}")


def _receipt_facts(page: str) -> str:
    """What must survive a restore: the receipt number, the enterprise and the verification data on it."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style|form)\b.*?</\1>", " ", page, flags=re.S))
    text = re.sub(r"\s+", " ", html.unescape(text))
    start = text.find("回执")
    return text[start:start + 4000] if start >= 0 else text


def _evidence_links(page: str) -> list[str]:
    return sorted(set(re.findall(r'href="(/applications/evidence/\d+/)"', page)))


def journey(base: str, call_pk: int, state_path: str, timeout: float) -> None:
    check_health(base)

    login_page = _session(base).get("/accounts/login/")
    static = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', login_page)))
    if not static:
        raise SmokeFailed("the login page links no static file")
    for path in static:
        headers = _session(base).request("GET", path)[2]
        if "immutable" not in headers.get("Cache-Control", "") and "max-age" not in headers.get("Cache-Control", ""):
            raise SmokeFailed(f"{path}: served without cache headers (not by WhiteNoise from collectstatic?)")
    step(f"{len(static)} static file(s) served by WhiteNoise: {', '.join(static)}")

    enterprise = _session(base)
    enterprise.login(ENTERPRISE)
    home = enterprise.get("/applications/")
    pks = sorted(set(int(pk) for pk in re.findall(r"/applications/(\d+)/", home)))
    if not pks:
        raise SmokeFailed(f"{ENTERPRISE}: no application on /applications/")
    pk = pks[0]
    submit_page = enterprise.get(f"/applications/{pk}/submit/")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', submit_page)
    if key is None:
        raise SmokeFailed(f"{ENTERPRISE}: the submit page of application {pk} has no submit form "
                          "(is the demo clock TIDU_NOW inside the call window?)")
    location = _location(enterprise, f"/applications/{pk}/submit/",
                         {"idempotency_key": key.group(1), "csrfmiddlewaretoken": enterprise.csrf()})
    receipt = re.search(rf"/applications/{pk}/receipts/([^/]+)/", location)
    if receipt is None:
        raise SmokeFailed(f"{ENTERPRISE}: submitting application {pk} did not lead to a receipt ({location!r})")
    receipt_path = f"/applications/{pk}/receipts/{receipt.group(1)}/"
    receipt_page = enterprise.get(receipt_path)
    step(f"{ENTERPRISE} submitted application {pk}: receipt {urllib.parse.unquote(receipt.group(1))}")
    links = []
    for page in (f"/applications/{pk}/maturity/", f"/applications/{pk}/review/", f"/applications/{pk}/status/"):
        status, content, _ = enterprise.request("GET", page, expect=(200, 302, 403, 404))
        links += _evidence_links(content.decode("utf-8")) if status == 200 else []
    if not links:
        raise SmokeFailed(f"{ENTERPRISE}: no evidence download link for application {pk}")
    evidence = {}
    for link in sorted(set(links))[:3]:
        evidence[link] = _sha(enterprise.request("GET", link)[1])
    step(f"{ENTERPRISE}: {len(evidence)} evidence file(s) downloaded through the checked view")

    township = _session(base)
    township.login(TOWNSHIP)
    listing = township.get("/applications/unit/")
    if f"/applications/{pk}/" not in listing:
        raise SmokeFailed(f"{TOWNSHIP}: application {pk} is not on the township list")
    township.get("/review/township/")
    step(f"{TOWNSHIP}: township list and dashboard show application {pk}")

    city = _session(base)
    city.login(CITY)
    location = _location(city, f"/documents/calls/{call_pk}/summary/",
                         {"format": "xlsx", "order": "", "csrfmiddlewaretoken": city.csrf()})
    job = re.search(r"/documents/jobs/(\d+)/", location)
    if job is None:
        raise SmokeFailed(f"{CITY}: starting the 汇总表 export did not lead to a job page ({location!r})")
    job_pk = int(job.group(1))
    step(f"{CITY}: export job {job_pk} started; waiting for the worker")
    deadline = time.monotonic() + timeout
    while True:
        fragment = city.get(f"/documents/jobs/{job_pk}/status/")
        if f"/documents/jobs/{job_pk}/download/" in fragment:
            break
        if "生成失败" in fragment:
            raise SmokeFailed(f"export job {job_pk} failed: {re.sub(r'<[^>]+>', ' ', fragment).strip()[:500]}")
        if time.monotonic() > deadline:
            raise SmokeFailed(f"export job {job_pk} not finished after {timeout:.0f} s (is `tidu db_worker` running?)")
        time.sleep(1)
    status, export, headers = city.request("GET", f"/documents/jobs/{job_pk}/download/")
    if not export.startswith(b"PK"):
        raise SmokeFailed(f"export job {job_pk}: the download is not an XLSX file")
    step(f"{CITY}: the worker finished job {job_pk}; downloaded {len(export)} bytes")
    check_health(base)

    state = {"application": pk, "receipt_path": receipt_path, "receipt_sha256": _sha(_receipt_facts(receipt_page).encode()),
             "evidence": evidence, "job": job_pk, "export_sha256": _sha(export)}
    with open(state_path, "w", encoding="utf-8") as handle:
        json.dump(state, handle, ensure_ascii=False, indent=1)
    step(f"journey passed; state in {state_path}")


def compare(base: str, state_path: str) -> None:
    with open(state_path, encoding="utf-8") as handle:
        state = json.load(handle)
    check_health(base)
    enterprise = _session(base)
    enterprise.login(ENTERPRISE)
    page = enterprise.get(state["receipt_path"])
    if _sha(_receipt_facts(page).encode()) != state["receipt_sha256"]:
        raise SmokeFailed(f"restored: the receipt {state['receipt_path']} differs from the one before the backup")
    for link, digest in state["evidence"].items():
        if _sha(enterprise.request("GET", link)[1]) != digest:
            raise SmokeFailed(f"restored: evidence {link} differs")
    city = _session(base)
    city.login(CITY)
    export = city.request("GET", f"/documents/jobs/{state['job']}/download/")[1]
    if _sha(export) != state["export_sha256"]:
        raise SmokeFailed(f"restored: export job {state['job']} file differs")
    step(f"restored database serves application {state['application']} with the same receipt, "
         f"{len(state['evidence'])} identical evidence file(s) and the identical export")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    first = sub.add_parser("journey")
    first.add_argument("--base", required=True)
    first.add_argument("--call-pk", type=int, required=True)
    first.add_argument("--state", required=True)
    first.add_argument("--timeout", type=float, default=120)
    second = sub.add_parser("compare")
    second.add_argument("--base", required=True)
    second.add_argument("--state", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "journey":
            journey(args.base, args.call_pk, args.state, args.timeout)
        else:
            compare(args.base, args.state)
    except SmokeFailed as failure:
        print(f"smoke FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
