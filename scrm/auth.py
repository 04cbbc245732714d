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

from dataclasses import dataclass

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


@dataclass(frozen=True)
class User:
    """Who is acting: a name for the audit log and a role."""

    name: str
    role: str


# The user when access control is off: the person at the machine.
LOCAL_USER = User("local", ADMIN)


def can(role: str | None, permission: str) -> bool:
    """True when ``role`` holds ``permission``; an unknown role holds nothing."""
    return permission in ROLE_PERMISSIONS.get(role or "", frozenset())


def refusal(role: str | None, permission: str) -> str:
    """The sentence shown when ``role`` may not do ``permission``."""
    what = PERMISSION_NAMES.get(permission, permission)
    needed = next((r for r in ROLES if can(r, permission)), ADMIN)
    return (
        f"Your role ({role or 'none'}) cannot {what}. "
        f"Ask an admin to give you the {needed} role in the access settings."
    )
