"""Who is signed in, and the checks pages make before showing or doing something.

A first version: access control off means everyone is :data:`scrm.auth.LOCAL_USER`
(admin). The sign-in gate and the configuration reading come on top of this API.
"""

from __future__ import annotations

import streamlit as st

from scrm import auth


def current_user() -> auth.User:
    """The signed-in user, or the local admin when access control is off."""
    user = st.session_state.get("scrm_user")
    return user if isinstance(user, auth.User) else auth.LOCAL_USER


def actor() -> str:
    """The name the audit log records for the current user."""
    return current_user().name


def role() -> str:
    """The current user's role."""
    return current_user().role


def can(permission: str) -> bool:
    """True when the current user may ``permission``."""
    return auth.can(role(), permission)


def require(permission: str) -> None:
    """Stop the page with a sentence saying what is refused and how to get it, unless allowed."""
    if not can(permission):
        st.error(auth.refusal(role(), permission), icon=":material/lock:")
        st.stop()
