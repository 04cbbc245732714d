"""Sign-in through an identity provider, end to end, against a fake OpenID provider on 127.0.0.1.

The fake provider (:class:`FakeProvider`) is a small ``ThreadingHTTPServer`` that publishes
its discovery document, sends the browser back to the app with a code, checks the client's
secret and its PKCE verifier when the app exchanges that code, and signs the ID token with a
test RSA key published at ``/jwks``. The app is ``streamlit run app.py`` with ``HOME`` set to
a temporary folder holding ``.streamlit/secrets.toml`` (``[auth]`` + scrm's ``[access]``), so
the checkout's own ``.streamlit`` is never written.

- Without a browser: Streamlit's ``/auth/login`` route imports Authlib and httpx, fetches the
  provider's metadata and redirects to its authorization endpoint; the callback exchanges the
  code for a verified ID token and sets the sign-in cookie.
- In Chromium (skipped with the reason when Chromium or Playwright is missing): the sign-in
  button, the provider's redirect and back, and the role ``[access.roles]`` gives the e-mail
  (the admin sees "Settings", a viewer does not even see "Data"); a domain outside
  ``allowed_domains`` is refused with a sentence.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import browser_support as B
import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from scrm.db import audit, store

CLIENT_ID = "scrm-test-client"
CLIENT_SECRET = "scrm-test-client-secret"
COOKIE_SECRET = "a-cookie-secret-for-the-oidc-tests-only-0123456789"
KEY_ID = "scrm-test-key"
SIGN_IN_LABEL = "Sign in with your organisation's account"
# The menu entries of the pages a viewer may not open (scrm.auth.PAGE_PERMISSIONS).
NOT_FOR_VIEWERS = ("Identity review", "Privacy requests", "Data", "Settings")

ADA = {"sub": "ada-1", "email": "ada@example.com", "email_verified": True, "name": "Ada"}
BO = {"sub": "bo-2", "email": "bo@example.com", "email_verified": True, "name": "Bo"}
EVE = {"sub": "eve-3", "email": "eve@elsewhere.org", "email_verified": True, "name": "Eve"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt(header: dict[str, Any], payload: dict[str, Any], sign: Any) -> str:
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(payload).encode())}".encode()
    return f"{signing_input.decode()}.{_b64url(sign(signing_input))}"


# --- the fake OpenID provider ----------------------------------------------------------------


@dataclass
class FakeProvider:
    """An OpenID provider on 127.0.0.1 that signs in whoever :attr:`user` is."""

    url: str = ""
    user: dict[str, Any] = field(default_factory=lambda: dict(ADA))
    authorize_queries: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    key: Any = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()

        def as_b64(n: int) -> str:
            return _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

        return {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": KEY_ID,
                    "use": "sig",
                    "alg": "RS256",
                    "n": as_b64(numbers.n),
                    "e": as_b64(numbers.e),
                }
            ]
        }

    def id_token(self, user: dict[str, Any], nonce: str | None) -> str:
        now = int(time.time())
        claims = {**user, "iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        if nonce:
            claims["nonce"] = nonce
        return _jwt(
            {"alg": "RS256", "typ": "JWT", "kid": KEY_ID},
            claims,
            lambda data: self.key.sign(data, padding.PKCS1v15(), hashes.SHA256()),
        )

    def authorize(self, query: dict[str, str]) -> str:
        """Where the browser goes next: the app's redirect_uri with a code and the same state."""
        with self.lock:
            self.authorize_queries.append(query)
            if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                self.errors.append(f"authorize: unexpected request {query}")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "user": dict(self.user),
                "nonce": query.get("nonce"),
                "redirect_uri": query.get("redirect_uri"),
                "code_challenge": query.get("code_challenge"),
            }
        return f"{query.get('redirect_uri')}?{urlencode({'code': code, 'state': query.get('state', '')})}"

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        """The token endpoint: the client's secret, the one-time code, the PKCE verifier, then tokens."""
        with self.lock:
            self.token_requests.append(form)
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
            if authorization and authorization.startswith("Basic "):
                client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
            if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
                self.errors.append("token: wrong client credentials")
                return 401, {"error": "invalid_client"}
            grant = self.codes.pop(form.get("code", ""), None)
            if form.get("grant_type") != "authorization_code" or grant is None:
                self.errors.append(f"token: unknown code or grant type {form}")
                return 400, {"error": "invalid_grant"}
            if form.get("redirect_uri") != grant["redirect_uri"]:
                self.errors.append("token: redirect_uri differs from the authorization request's")
                return 400, {"error": "invalid_grant"}
            if grant["code_challenge"]:
                verifier = form.get("code_verifier", "")
                if _b64url(hashlib.sha256(verifier.encode()).digest()) != grant["code_challenge"]:
                    self.errors.append("token: the PKCE verifier does not match the challenge")
                    return 400, {"error": "invalid_grant"}
        access_token = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[f"access:{access_token}"] = {"user": grant["user"]}
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "openid email profile",
            "id_token": self.id_token(grant["user"], grant["nonce"]),
        }

    def userinfo(self, authorization: str | None) -> tuple[int, dict[str, Any]]:
        token = (authorization or "").removeprefix("Bearer ").strip()
        with self.lock:
            grant = self.codes.get(f"access:{token}")
        if grant is None:
            return 401, {"error": "invalid_token"}
        return 200, dict(grant["user"])


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # the test reads provider.paths instead

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            provider.paths.append(parts.path)
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, provider.metadata())
            elif parts.path == "/jwks":
                self._json(200, provider.jwks())
            elif parts.path == "/authorize":
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                self.send_response(302)
                self.send_header("Location", provider.authorize(query))
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif parts.path == "/userinfo":
                self._json(*provider.userinfo(self.headers.get("Authorization")))
            else:
                provider.errors.append(f"GET {parts.path}: not served")
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            provider.paths.append(parts.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if parts.path == "/token":
                form = {k: v[-1] for k, v in parse_qs(body).items()}
                self._json(*provider.token(form, self.headers.get("Authorization")))
            elif parts.path == "/userinfo":
                self._json(*provider.userinfo(self.headers.get("Authorization")))
            else:
                provider.errors.append(f"POST {parts.path}: not served")
                self._json(404, {"error": "not_found"})

    return Handler


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    """The fake OpenID provider on a free loopback port, shut down after the module."""
    fake = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- the app with sign-in on ---------------------------------------------------------------


def _secrets(port: int, provider: FakeProvider) -> str:
    return f"""\
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{COOKIE_SECRET}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{provider.url}/.well-known/openid-configuration"

[access]
mode = "oidc"
default_role = "viewer"
allowed_domains = ["example.com"]

[access.roles]
"Ada@Example.com" = "admin"
"""


def _serve(home: Path, db_path: Path, provider: FakeProvider) -> Iterator[B.Site]:
    """``streamlit run app.py`` with ``$HOME/.streamlit/secrets.toml`` for the fake provider."""
    port = B.free_port()
    (home / ".streamlit").mkdir(parents=True, exist_ok=True)
    (home / ".streamlit" / "secrets.toml").write_text(_secrets(port, provider), encoding="utf-8")
    site = B.Site(
        url="",
        db_path=db_path,
        log_path=home / "streamlit.log",
        first_day=date.today(),
        last_day=date.today(),
        hostile_ids=(),
    )
    with B.streamlit_server(site, env={"HOME": str(home)}, port=port) as running:
        yield running


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, provider: FakeProvider) -> Iterator[B.Site]:
    """The app with sign-in through the fake provider; no database (the routes tested do not run a page)."""
    home = tmp_path_factory.mktemp("oidc-home")
    yield from _serve(home, home / "no-such.db", provider)


def _provider_token(provider_name: str = "default") -> str:
    """What ``st.login`` puts in the link to ``/auth/login``: the provider, signed with the cookie secret."""
    payload = {"provider": provider_name, "exp": int(time.time()) + 120}
    return _jwt(
        {"alg": "HS256", "typ": "JWT"},
        payload,
        lambda data: hmac.new(COOKIE_SECRET.encode(), data, hashlib.sha256).digest(),
    )


def _assert_clean_log(site: B.Site) -> None:
    log = B.server_log(site)
    assert "Traceback" not in log, log[-3000:]
    assert "ModuleNotFoundError" not in log, log[-3000:]
    assert "Error during OAuth" not in log, log[-3000:]
    assert "token exchange failed" not in log, log[-3000:]


def test_oidc_login_route_redirects_to_the_providers_authorization_endpoint(
    app: B.Site, provider: FakeProvider
) -> None:
    with httpx.Client(follow_redirects=False, timeout=30, trust_env=False) as client:
        response = client.get(f"{app.url}/auth/login", params={"provider": _provider_token()})
    assert response.status_code in (302, 303, 307), (response.status_code, response.text[:500])
    location = response.headers["location"]
    assert location.startswith(f"{provider.url}/authorize?"), location
    query = {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"{app.url}/oauth2callback"
    assert query["response_type"] == "code"
    assert set(query["scope"].split()) >= {"openid", "email"}
    assert query["state"] and query["nonce"]
    # The provider offers S256, and Streamlit insists on it.
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    # The server fetched the discovery document itself (with httpx) to find that endpoint.
    assert "/.well-known/openid-configuration" in provider.paths
    _assert_clean_log(app)


def test_oidc_callback_exchanges_the_code_for_a_verified_id_token_and_sets_the_sign_in_cookie(
    app: B.Site, provider: FakeProvider
) -> None:
    provider.user = dict(ADA)
    exchanges = len(provider.token_requests)
    with httpx.Client(follow_redirects=False, timeout=30, trust_env=False) as client:
        login = client.get(f"{app.url}/auth/login", params={"provider": _provider_token()})
        assert login.status_code in (302, 303, 307), login.text[:500]
        # The browser's step at the provider: it answers with the app's callback, a code and the state.
        at_provider = client.get(login.headers["location"])
        assert at_provider.status_code == 302
        callback = at_provider.headers["location"]
        assert callback.startswith(f"{app.url}/oauth2callback?code=")
        back = client.get(callback)
        assert back.status_code in (302, 303, 307), back.text[:500]
        assert urlsplit(back.headers["location"]).path in ("", "/"), back.headers["location"]
        cookie_names = set(client.cookies.keys())
    assert provider.errors == []
    [exchange] = provider.token_requests[exchanges:]
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    # Streamlit's sign-in cookie: the user's claims, signed, for the app's runs to read as st.user.
    assert any(name.startswith("_streamlit_user") for name in cookie_names), cookie_names
    assert "/jwks" in provider.paths  # the ID token's signature was checked against the provider's key
    _assert_clean_log(app)


# --- in a browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed_in_app(
    tmp_path_factory: pytest.TempPathFactory, provider: FakeProvider, scored_demo_path: Path
) -> Iterator[B.Site]:
    """The app with sign-in through the fake provider, on a copy of the scored tiny demo."""
    home = tmp_path_factory.mktemp("oidc-browser-home")
    yield from _serve(home, scored_demo_path, provider)


@pytest.fixture
def tab(tmp_path: Path, signed_in_app: B.Site) -> Iterator[Any]:
    """A tab in a fresh Chromium profile (no sign-in cookie); the server log stays free of tracebacks."""
    if (reason := B.skip_reason()) is not None:
        pytest.skip(reason)
    log_start = len(B.server_log(signed_in_app))
    with B.chromium(tmp_path / "profile") as context:
        page = context.new_page()
        yield page
    log = B.server_log(signed_in_app)[log_start:]
    assert "Traceback" not in log, log[-3000:]


def _sign_in(page: Any, site: B.Site, provider: FakeProvider, user: dict[str, Any], title: str) -> None:
    """Open the app, click the sign-in button, come back from the fake provider as ``user`` on ``title``."""
    from playwright.sync_api import expect

    provider.user = dict(user)
    B.open_page(page, f"{site.url}/", "Sign in to scrm")
    page.get_by_role("button", name=SIGN_IN_LABEL).click()
    # /auth/login -> the provider's /authorize -> /oauth2callback -> the app again.
    expect(page.locator("h1").first).to_have_text(title)
    B.wait_until_idle(page)


def _menu(page: Any) -> list[str]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [t.split("\n")[-1].strip() for t in links.all_inner_texts()]


def _sidebar_captions(page: Any) -> list[str]:
    return [
        t.strip()
        for t in page.locator(
            '[data-testid="stSidebar"] [data-testid="stCaptionContainer"]'
        ).all_inner_texts()
    ]


@pytest.mark.browser
def test_oidc_sign_in_in_a_browser_gives_the_admin_of_access_roles_the_admin_pages(
    tab: Any, signed_in_app: B.Site, provider: FakeProvider
) -> None:
    from playwright.sync_api import expect

    _sign_in(tab, signed_in_app, provider, ADA, "Overview")
    assert "Signed in as ada@example.com (admin)" in _sidebar_captions(tab)
    menu = _menu(tab)
    assert set(menu) >= set(NOT_FOR_VIEWERS), menu
    # The sign-in is in the audit log, with the e-mail, the role and the mode.
    db = store.open_db(signed_in_app.db_path, create=False)
    try:
        log = audit.read_log(db, actions=(audit.LOGIN,))
    finally:
        db.close()
    assert ("ada@example.com", "admin") in set(zip(log["actor"], log["role"], strict=True)), log
    # Signing out goes back to the sign-in page.
    tab.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    expect(tab.locator("h1").first).to_have_text("Sign in to scrm")
    expect(tab.get_by_role("button", name=SIGN_IN_LABEL)).to_be_visible()
    assert provider.errors == []


@pytest.mark.browser
def test_oidc_sign_in_in_a_browser_gives_anyone_else_of_the_domain_the_viewer_role(
    tab: Any, signed_in_app: B.Site, provider: FakeProvider
) -> None:
    from playwright.sync_api import expect

    _sign_in(tab, signed_in_app, provider, BO, "Overview")
    assert "Signed in as bo@example.com (viewer)" in _sidebar_captions(tab)
    menu = _menu(tab)
    assert "Overview" in menu and "Rescue queue" in menu, menu
    assert not set(menu) & set(NOT_FOR_VIEWERS), menu
    # The address of an admin page shows the refusal, not the page.
    tab.goto(f"{signed_in_app.url}/settings", wait_until="domcontentloaded")
    expect(
        tab.get_by_text("The Settings page is not open to your role (viewer)", exact=False)
    ).to_be_visible()
    assert provider.errors == []


@pytest.mark.browser
def test_oidc_sign_in_in_a_browser_refuses_an_account_outside_the_allowed_domains(
    tab: Any, signed_in_app: B.Site, provider: FakeProvider
) -> None:
    from playwright.sync_api import expect

    provider.user = dict(EVE)
    B.open_page(tab, f"{signed_in_app.url}/", "Sign in to scrm")
    tab.get_by_role("button", name=SIGN_IN_LABEL).click()
    expect(tab.get_by_text("Accounts of elsewhere.org may not use this scrm.", exact=False)).to_be_visible()
    expect(tab.locator("h1").first).to_have_text("Sign in to scrm")
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible()
    assert _menu(tab) == []
    assert provider.errors == []
