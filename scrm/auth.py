"""Access control for self-hosted teams: roles, what each may do, who is signed in.

Off by default: on a single machine everyone is the local admin. When a team
configures it (see the README), people sign in and get one of three roles:

- ``viewer``: reads every dashboard page;
- ``analyst``: plus downloads and exports, cases, and the identity review;
- ``admin``: plus imports, workflow rules, erasure and settings.

Everything here is pure and Streamlit-free; :mod:`scrm.ui.auth` reads the
configuration and the session and asks :func:`can`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrm.errors import ConfigError, PasswordRejected
from scrm.i18n.messages import Message, Said

VIEWER, ANALYST, ADMIN = "viewer", "analyst", "admin"
ROLES: tuple[str, ...] = (VIEWER, ANALYST, ADMIN)

# Permissions: what a page or an action needs.
VIEW = "view"
EXPORT = "export"
CASES = "cases"
IDENTITY = "identity"
IMPORT = "import"
RULES = "rules"
ERASE = "erase"
SETTINGS = "settings"
PERMISSIONS: tuple[str, ...] = (VIEW, EXPORT, CASES, IDENTITY, IMPORT, RULES, ERASE, SETTINGS)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    VIEWER: frozenset({VIEW}),
    ANALYST: frozenset({VIEW, EXPORT, CASES, IDENTITY}),
    ADMIN: frozenset(PERMISSIONS),
}

# What a refused action is called in the sentence that refuses it.
PERMISSION_NAMES: dict[str, str] = {
    VIEW: "view the dashboard",
    EXPORT: "download or export data",
    CASES: "work on cases",
    IDENTITY: "review identity links",
    IMPORT: "import data",
    RULES: "change workflow rules",
    ERASE: "erase personal data",
    SETTINGS: "change settings",
}


def page_refusal(role: str | None, page: str, permission: str) -> str:
    """The sentence shown when ``role`` opens a page (by its title) that needs ``permission``."""
    return page_refusal_message(role, page, permission).english()


def page_refusal_message(role: str | None, page: str, permission: str) -> Message:
    """:func:`page_refusal` as a message: the page's title and the sentence in the reader's language.

    >>> page_refusal_message("viewer", "Data", EXPORT).render("es").startswith("La página Datos")
    True
    """
    needed = next((r for r in ROLES if can(r, permission)), ADMIN)
    return Message(
        "The {page} page is not open to your role ({role}): it needs the {needed} role. "
        "Ask an admin to give it to you in the access settings.",
        {"page": Message(page), "role": role or Message("none"), "needed": needed},
    )


@dataclass(frozen=True)
class User:
    """Who is acting: a name for the audit log and a role."""

    name: str
    role: str


# The user when access control is off: the person at the machine.
LOCAL_USER = User("local", ADMIN)
# A visitor who has not signed in (or whom a broken configuration keeps out): no role, no permission.
ANONYMOUS = User("anonymous", "")


def can(role: str | None, permission: str) -> bool:
    """True when ``role`` holds ``permission``; an unknown role holds nothing."""
    return permission in ROLE_PERMISSIONS.get(role or "", frozenset())


def refusal(role: str | None, permission: str) -> str:
    """The sentence shown when ``role`` may not do ``permission``."""
    return refusal_message(role, permission).english()


def refusal_message(role: str | None, permission: str) -> Message:
    """:func:`refusal` as a message, in the reader's language when shown.

    >>> refusal_message(None, IMPORT).render("fr").startswith("Avec votre rôle (aucun)")
    True
    """
    what = PERMISSION_NAMES.get(permission, permission)
    needed = next((r for r in ROLES if can(r, permission)), ADMIN)
    return Message(
        "Your role ({role}) cannot {what}. Ask an admin to give you the {needed} role in the access settings.",
        {"role": role or Message("none"), "what": Message(what), "needed": needed},
    )


# --- configuration -----------------------------------------------------------------
# Read from ``.streamlit/secrets.toml`` by :mod:`scrm.ui.auth` and handed here as a
# plain dict, so every rule below is testable without Streamlit.

OFF, PASSWORD, OIDC = "off", "password", "oidc"
MODES: tuple[str, ...] = (PASSWORD, OIDC)
# ``default_role = "none"`` in OIDC mode: only the people listed in [access.roles] get in.
NO_ACCESS = "none"

SECRETS_FILE = ".streamlit/secrets.toml"


@dataclass(frozen=True)
class AccessConfig:
    """The access settings in effect.

    ``mode`` is :data:`OFF` (everyone is :data:`LOCAL_USER`), :data:`PASSWORD`
    (``users``: name -> (role, password hash)) or :data:`OIDC` (``roles``:
    lower-cased e-mail -> role, ``default_role`` for other signed-in people,
    ``allowed_domains`` limiting who may sign in at all).
    """

    mode: str = OFF
    users: dict[str, tuple[str, str]] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    default_role: str = VIEWER
    allowed_domains: tuple[str, ...] = ()
    provider: str | None = None

    @property
    def enabled(self) -> bool:
        """True when people must sign in."""
        return self.mode != OFF

    def user_roles(self) -> list[tuple[str, str]]:
        """Configured names (users or e-mails) and their roles, sorted; never a hash."""
        if self.mode == PASSWORD:
            return sorted((name, role) for name, (role, _hash) in self.users.items())
        return sorted(self.roles.items())

    def case_workers(self) -> list[str]:
        """The configured people whose role may work on cases: the team a case can be given to."""
        return [name for name, role in self.user_roles() if can(role, CASES)]


OFF_CONFIG = AccessConfig()


def _fix(sentence: Message) -> ConfigError:
    return ConfigError(Message(
        "{file}: {why} Until this is fixed nobody can sign in.", {"file": SECRETS_FILE, "why": sentence}
    ))


def _check_role(role: object, where: str, *, allow_none: bool = False) -> str:
    allowed = (*ROLES, NO_ACCESS) if allow_none else ROLES
    if not isinstance(role, str) or role.strip().lower() not in allowed:
        raise _fix(Message(
            "{where} has the role {role}; use one of {allowed}.",
            {"where": where, "role": repr(role), "allowed": ", ".join(allowed)},
        ))
    return role.strip().lower()


def parse_config(secrets: Mapping[str, Any]) -> AccessConfig:
    """The access settings of a secrets dict (the whole ``secrets.toml``).

    No ``[access]`` section means access control is off. Anything the app
    cannot apply safely raises :class:`scrm.errors.ConfigError` whose sentence
    says what to change in ``.streamlit/secrets.toml``; the app then lets
    nobody in (fail closed) rather than guess.

    >>> parse_config({}).mode
    'off'
    """
    section = secrets.get("access")
    if section is None:
        return OFF_CONFIG
    if not isinstance(section, Mapping):
        raise _fix(Message('[access] must be a section (a line "[access]" followed by mode = "password" or mode = "oidc").'))
    mode = section.get("mode")
    if mode is None:
        raise _fix(Message('the [access] section has no mode; add mode = "password" or mode = "oidc".'))
    if mode == OFF:
        return OFF_CONFIG
    if mode == PASSWORD:
        return _password_config(section)
    if mode == OIDC:
        return _oidc_config(secrets, section)
    raise _fix(Message(
        '[access] mode {mode} is not known; use mode = "password" or mode = "oidc", or remove the [access] section '
        "to turn sign-in off.",
        {"mode": repr(mode)},
    ))


def _password_config(section: Mapping[str, Any]) -> AccessConfig:
    users_section = section.get("users")
    if not isinstance(users_section, Mapping) or not users_section:
        raise _fix(Message(
            'password mode needs at least one user: add a section [access.users.NAME] with role = "admin" '
            "and password_hash = the output of `python -m scrm hash-password`."
        ))
    users: dict[str, tuple[str, str]] = {}
    for name, entry in users_section.items():
        where = f"[access.users.{name}]"
        if not isinstance(entry, Mapping):
            raise _fix(Message("{where} must be a section with role and password_hash.", {"where": where}))
        role = _check_role(entry.get("role"), where)
        stored = entry.get("password_hash")
        if not stored:
            raise _fix(Message(
                "{where} has no password_hash; add the output of `python -m scrm hash-password`.", {"where": where}
            ))
        if not isinstance(stored, str) or _parse_hash(stored) is None:
            raise _fix(Message(
                "{where} has a password_hash that is not in the scrypt$n$r$p$salt$hash format; "
                "paste the whole output of `python -m scrm hash-password`.",
                {"where": where},
            ))
        users[str(name)] = (role, stored)
    return AccessConfig(mode=PASSWORD, users=users)


def _oidc_config(secrets: Mapping[str, Any], section: Mapping[str, Any]) -> AccessConfig:
    auth_section = secrets.get("auth")
    if not isinstance(auth_section, Mapping) or not auth_section.get("redirect_uri") or not auth_section.get("cookie_secret"):
        raise _fix(Message(
            "oidc mode needs an [auth] section with redirect_uri, cookie_secret, client_id, client_secret "
            "and server_metadata_url from your identity provider (see .streamlit/secrets.toml.example)."
        ))
    roles_section = section.get("roles", {})
    if not isinstance(roles_section, Mapping):
        raise _fix(Message('[access.roles] must be a section of lines like "ana@example.com" = "admin".'))
    roles = {str(email).strip().lower(): _check_role(role, f'[access.roles] "{email}"') for email, role in roles_section.items()}
    default_role = _check_role(section.get("default_role", VIEWER), "[access] default_role", allow_none=True)
    domains = section.get("allowed_domains", [])
    if isinstance(domains, str) or not isinstance(domains, Sequence) or not all(isinstance(d, str) and d.strip() for d in domains):
        raise _fix(Message('[access] allowed_domains must be a list of domains, like allowed_domains = ["example.com"].'))
    if ADMIN not in roles.values():
        raise _fix(Message('oidc mode needs at least one admin: add a line "you@example.com" = "admin" under [access.roles].'))
    provider = section.get("provider")
    if provider is not None and (not isinstance(provider, str) or not isinstance(auth_section.get(provider), Mapping)):
        raise _fix(Message(
            "[access] provider {provider} has no {section} section; add it or remove the provider line.",
            {"provider": repr(provider), "section": f"[auth.{provider}]"},
        ))
    return AccessConfig(
        mode=OIDC,
        roles=roles,
        default_role=default_role,
        allowed_domains=tuple(d.strip().lower().lstrip("@") for d in domains),
        provider=provider,
    )


# --- passwords ---------------------------------------------------------------------
# scrypt (RFC 7914) from the standard library: memory-hard, so guessing with
# graphics cards is costly. n = 2**17, r = 8, p = 1 is OWASP's minimum for
# scrypt (Password Storage Cheat Sheet): 128 MiB and a few hundred ms per
# check, on sign-in only. Stored as ``scrypt$n$r$p$salt$hash`` with salt and
# hash in url-safe base64 (no padding); the parameters travel with the hash
# (they are its version), so hashes made with n = 2**14 before this release
# still verify, and :func:`needs_rehash` tells which ones to make again.
# The hashes live in secrets.toml, which the app never writes: the admin
# re-hashes with ``python -m scrm hash-password`` (see :func:`rehash_advice`).

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
# The shortest password the hash command and the settings page accept (NIST SP 800-63B: at least 8).
MIN_PASSWORD_LENGTH = 8
SALT_BYTES, HASH_BYTES = 16, 32
_HASH_PREFIX = "scrypt"
# A hash needing more than this (a hostile or mistyped one) never matches.
_MAX_SCRYPT_MEMORY = 256 * 1024 * 1024


def _scrypt_memory(n: int, r: int, p: int) -> int:
    """The bytes OpenSSL's scrypt needs for these parameters (its own check: 128·r·(n + 2) + 128·r·p).

    >>> _scrypt_memory(2**17, 8, 1) // 2**20
    128
    """
    return 128 * r * (n + 2 + p)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """A salted scrypt hash of ``password`` for ``password_hash`` in secrets.toml.

    A new random salt each call, so two hashes of one password differ.

    >>> hash_password("x", salt=b"0" * 16).startswith("scrypt$131072$8$1$")
    True
    """
    if not password:
        raise ValueError("the password is empty")
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_scrypt_memory(n, r, p), dklen=HASH_BYTES
    )
    return f"{_HASH_PREFIX}${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def _parse_hash(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.strip().split("$")
    if len(parts) != 6 or parts[0] != _HASH_PREFIX:
        return None
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt, digest = _unb64(parts[4]), _unb64(parts[5])
    except ValueError:
        return None
    # n a power of two above 1; bounds keep a hostile hash from eating the server's memory.
    if n < 2 or n & (n - 1) or n > 2**20 or not 1 <= r <= 32 or not 1 <= p <= 16 or not salt or not digest:
        return None
    return n, r, p, salt, digest


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the ``stored`` hash (constant-time comparison).

    A malformed ``stored`` value never matches.
    """
    parsed = _parse_hash(stored)
    if parsed is None:
        return False
    n, r, p, salt, digest = parsed
    memory = _scrypt_memory(n, r, p)
    if memory > _MAX_SCRYPT_MEMORY:
        return False
    try:
        candidate = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=len(digest))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate, digest)


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` verifies but costs less than new hashes do (made with older parameters).

    >>> needs_rehash("scrypt$16384$8$1$c2FsdA$aGFzaA"), needs_rehash("scrypt$131072$8$1$c2FsdA$aGFzaA")
    (True, False)
    """
    parsed = _parse_hash(stored)
    if parsed is None:
        return False
    n, r, p, _salt, _digest = parsed
    return n < SCRYPT_N or r < SCRYPT_R or p < SCRYPT_P


def user_needs_rehash(config: AccessConfig, name: str) -> bool:
    """True when the password user ``name`` has a hash made with weaker parameters than new ones."""
    entry = config.users.get(name.strip()) if config.mode == PASSWORD else None
    return entry is not None and needs_rehash(entry[1])


def rehash_advice(name: str) -> str:
    """What to tell an admin whose configuration holds an old hash for ``name`` (the app cannot rewrite it).

    >>> rehash_advice("ana").startswith("The password hash of ana")
    True
    """
    return Said(Message(
        "The password hash of {name} in {file} was made with older, weaker scrypt parameters "
        "(new hashes use n = 2^{n}, r = {r}, p = {p}). It still works, "
        "but scrm cannot rewrite secrets.toml: on the server, run `python -m scrm hash-password` with the same "
        "(or a new) password and paste the printed line as password_hash in {section}.",
        {
            "name": name, "file": SECRETS_FILE, "n": str(SCRYPT_N.bit_length() - 1), "r": str(SCRYPT_R),
            "p": str(SCRYPT_P), "section": f"[access.users.{name}]",
        },
    ))  # fmt: skip


def new_password_problem(first: str, second: str | None = None) -> str | None:
    """Why a new password (typed twice) cannot be used, or None when it can (its message rides along: :class:`Said`)."""
    if not first:
        return Said(Message("The password is empty. Type a password."))
    if second is not None and first != second:
        return Said(Message("The two passwords differ. Type the same password twice."))
    if len(first) < MIN_PASSWORD_LENGTH:
        return Said(Message(
            "The password has {n} characters. Use at least {least}.", {"n": len(first), "least": MIN_PASSWORD_LENGTH}
        ))
    return None


def hash_new_password(first: str, second: str | None = None) -> str:
    """The hash of a new password after :func:`new_password_problem`'s checks (``hash-password`` command).

    Raises :class:`PasswordRejected` with the reason.
    """
    problem = new_password_problem(first, second)
    if problem:
        raise PasswordRejected(problem.message if isinstance(problem, Said) else Message(problem))
    return hash_password(first)


@functools.cache
def _dummy_hash() -> str:
    """A hash checked for unknown names, so "no such user" takes as long as "wrong password"."""
    return hash_password("scrm-no-such-user", salt=b"scrm-dummy-salt!")


def authenticate(config: AccessConfig, name: str, password: str) -> User | None:
    """The user whose name and password match, or None (never says which part was wrong)."""
    entry = config.users.get(name.strip()) if config.mode == PASSWORD else None
    if entry is None:
        verify_password(password, _dummy_hash())
        return None
    role, stored = entry
    return User(name.strip(), role) if verify_password(password, stored) else None


def password_user(config: AccessConfig, name: str | None) -> User | None:
    """The configured user called ``name`` with the role configured now, or None.

    Checked on every run, so removing a user or changing a role in
    secrets.toml takes effect at once for people already signed in.
    """
    entry = config.users.get(name or "") if config.mode == PASSWORD else None
    return None if entry is None else User(str(name), entry[0])


def oidc_user(config: AccessConfig, claims: Mapping[str, Any]) -> tuple[User | None, str]:
    """The user for an identity provider's claims (``st.user``), or None and the reason.

    The e-mail is the name; its role comes from ``[access.roles]``, else
    ``default_role``. Refused: no e-mail, an e-mail the provider marks as not
    verified, a domain outside ``allowed_domains``, ``default_role = "none"``
    for someone not listed.
    """
    if not claims.get("is_logged_in"):
        return None, ""
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        return None, Said(Message(
            "Your identity provider did not send an e-mail address, which scrm needs to give you a role. Ask your admin."
        ))
    if claims.get("email_verified") is False:
        return None, Said(Message(
            "Your e-mail address {email} is not verified by your identity provider. Verify it there, then sign in again.",
            {"email": email},
        ))
    domain = email.rpartition("@")[2]
    if config.allowed_domains and domain not in config.allowed_domains and email not in config.roles:
        return None, Said(Message(
            "Accounts of {domain} may not use this scrm. Sign in with your work account, or ask an admin to allow "
            "your domain.",
            {"domain": domain},
        ))
    role = config.roles.get(email, config.default_role)
    if role == NO_ACCESS:
        return None, Said(Message(
            "{email} has no role in this scrm. Ask an admin to add you under [access.roles].", {"email": email}
        ))
    return User(email, role), ""


# --- sign-in attempts -------------------------------------------------------------
# After MAX_FAILURES wrong tries in a row, a session (and, separately, a user
# name, whatever the session) waits LOCKOUT_SECONDS before the next try; every
# wrong try also costs FAILURE_DELAY_SECONDS. Enough to make guessing slow
# without locking a colleague out for long. The counts per name live in the
# database (scrm.db.signins), so they hold across sessions, processes and
# restarts. One client address (guessing many names) may try
# MAX_CLIENT_FAILURES times: higher, because a team behind one proxy or
# office router shares an address, and a colleague's typos must not lock
# everyone out.

MAX_FAILURES = 5
MAX_CLIENT_FAILURES = 4 * MAX_FAILURES
LOCKOUT_SECONDS = 60.0
FAILURE_DELAY_SECONDS = 1.0


def seconds_to_wait(failures: int, last_failure_at: float, now: float) -> float:
    """How long the next sign-in try must wait after ``failures`` wrong ones (0 = go ahead)."""
    if failures < MAX_FAILURES:
        return 0.0
    return max(0.0, last_failure_at + LOCKOUT_SECONDS - now)


# --- pages ---------------------------------------------------------------------------
# What each page needs to be listed and opened. Pages not named need VIEW.
# Workflow rules are listed for every role and read-only below admin: knowing
# what happens automatically to a mention helps everyone; changing it needs RULES.
# The Data page shows import history and quarantined rows (raw cells of the
# files, personal data included), so it starts at the analyst role; importing
# and starting over need IMPORT on top.

PAGE_PERMISSIONS: dict[str, str] = {
    "pages/data.py": EXPORT,
    "pages/sources.py": IMPORT,  # live sources collect data: the admins who import
    "pages/identity.py": IDENTITY,
    "pages/privacy.py": EXPORT,
    "pages/settings.py": SETTINGS,
}


def page_permission(page_file: str) -> str:
    """The permission listing and opening ``page_file`` (``pages/x.py``) needs."""
    return PAGE_PERMISSIONS.get(page_file, VIEW)


def visible_pages(role: str | None, page_files: Sequence[str]) -> list[str]:
    """The pages of ``page_files`` that ``role`` sees in the navigation, in order."""
    return [p for p in page_files if can(role, page_permission(p))]
