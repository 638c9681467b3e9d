"""A small, real OpenID Connect provider for tests: discovery, /authorize, /token, /jwks and /userinfo on
127.0.0.1, signing ID tokens (RS256) with an RSA key made here. It checks what a real provider checks: the
client id and secret, the redirect URI, the PKCE verifier, single-use codes, and the access token.

A test says who signs in next (`provider.sign_in_as(...)`): /authorize then sends the browser straight back
with a code, as a provider would after its own sign-in page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64(number: int) -> str:
    data = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Grant:
    claims: dict
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None


@dataclass
class OIDCProvider:
    client_id: str
    client_secret: str
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537,
                                                                                   key_size=2048))
    kid: str = field(default_factory=lambda: secrets.token_hex(8))
    base_url: str = ""
    claims: dict | None = None
    #: Set to sign ID tokens as another issuer (a token the portal must not accept).
    token_issuer: str = ""
    codes: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, dict] = field(default_factory=dict)
    #: What each request asked for: (method, path), in order, and the problems the provider refused.
    requests: list[tuple[str, str]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    def sign_in_as(self, *, email: str, email_verified=True, sub: str | None = None, **extra) -> None:
        """Who the next /authorize signs in (as if they typed their password at the provider)."""
        self.claims = {"sub": sub or hashlib.sha256(email.encode()).hexdigest()[:24], "email": email,
                       "email_verified": email_verified, "name": extra.pop("name", "Test Person"), **extra}

    @property
    def configuration(self) -> dict:
        return {
            "issuer": self.base_url,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "userinfo_endpoint": f"{self.base_url}/userinfo",
            "jwks_uri": f"{self.base_url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile", "email"],
        }

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                          "n": _b64(numbers.n), "e": _b64(numbers.e)}]}

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        payload = {**grant.claims, "iss": self.token_issuer or self.base_url, "aud": self.client_id, "iat": now, "exp": now + 300}
        if grant.nonce:
            payload["nonce"] = grant.nonce
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    # --- the endpoints -----------------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict, dict | str]:
        problems = []
        if query.get("client_id") != self.client_id:
            problems.append("unknown client_id")
        if query.get("response_type") != "code":
            problems.append("response_type must be code")
        if "openid" not in query.get("scope", "").split():
            problems.append("scope must include openid")
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            problems.append("only S256 PKCE")
        if self.claims is None:
            problems.append("nobody to sign in")
        if problems:
            self.refusals.extend(problems)
            return 400, {}, {"error": "invalid_request", "error_description": "; ".join(problems)}
        code = secrets.token_urlsafe(24)
        self.codes[code] = Grant(claims=dict(self.claims), redirect_uri=query["redirect_uri"],
                                 nonce=query.get("nonce"), code_challenge=query.get("code_challenge"))
        back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": back}, ""

    def token(self, form: dict[str, str]) -> tuple[int, dict, dict]:
        problems = []
        if form.get("grant_type") != "authorization_code":
            problems.append("grant_type must be authorization_code")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            problems.append("bad client credentials")
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None:
            problems.append("unknown or used code")
        else:
            if form.get("redirect_uri") != grant.redirect_uri:
                problems.append("redirect_uri differs from the authorize request's")
            if grant.code_challenge:
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if digest != grant.code_challenge:
                    problems.append("PKCE verifier does not match")
        if problems:
            self.refusals.extend(problems)
            return 400, {}, {"error": "invalid_grant", "error_description": "; ".join(problems)}
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant.claims
        return 200, {}, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300,
                         "id_token": self.id_token(grant), "scope": "openid profile email"}

    def userinfo(self, authorization: str) -> tuple[int, dict, dict]:
        token = authorization.removeprefix("Bearer ").strip()
        claims = self.access_tokens.get(token)
        if claims is None:
            self.refusals.append("bad access token")
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"error": "invalid_token"}
        return 200, {}, claims


class _Handler(BaseHTTPRequestHandler):
    provider: OIDCProvider

    def log_message(self, format, *args):  # quiet
        pass

    def _reply(self, status: int, headers: dict, body) -> None:
        data = body if isinstance(body, str) else json.dumps(body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(data.encode())))
        self.end_headers()
        self.wfile.write(data.encode())

    def do_GET(self):
        url = urlsplit(self.path)
        self.provider.requests.append(("GET", url.path))
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._reply(200, {}, self.provider.configuration)
        elif url.path == "/jwks":
            self._reply(200, {}, self.provider.jwks())
        elif url.path == "/authorize":
            self._reply(*self.provider.authorize(query))
        elif url.path == "/userinfo":
            self._reply(*self.provider.userinfo(self.headers.get("Authorization", "")))
        else:
            self._reply(404, {}, {"error": "not_found"})

    def do_POST(self):
        url = urlsplit(self.path)
        self.provider.requests.append(("POST", url.path))
        length = int(self.headers.get("Content-Length") or 0)
        form = {name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()}
        if url.path == "/token":
            self._reply(*self.provider.token(form))
        else:
            self._reply(404, {}, {"error": "not_found"})


class running_provider:
    """`with running_provider(client_id, secret) as provider:` serves it on 127.0.0.1 in a thread."""

    def __init__(self, client_id: str, client_secret: str):
        self.provider = OIDCProvider(client_id=client_id, client_secret=client_secret)

    def __enter__(self) -> OIDCProvider:
        handler = type("Handler", (_Handler,), {"provider": self.provider})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.provider.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="oidc-provider", daemon=True)
        self.thread.start()
        return self.provider

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
