"""The privacy switch: "Mask names for screen sharing", and helpers that obey it.

The switch lives in the sidebar (drawn by ``app.py`` through
:func:`privacy_switch`); its state is in the session (``privacy_mask``) and
in the link (``?mask=1``), so a link copied while masking opens masked.

Pages never decide themselves whether to mask. They show personal data
through:

- :func:`show_frame` instead of ``st.dataframe`` (same keyword arguments,
  same return value, so ``on_select`` works);
- :func:`masked_frame` for a frame that feeds a chart or a download label;
- :func:`mask_value` for one value in a card, a caption or a select box label.

``columns`` maps a column to its kind: ``"name"``, ``"email"``, ``"handle"``
or ``"text"`` (handles and e-mails inside a post). The pseudonyms themselves
come from :mod:`scrm.privacy.masking`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from scrm import ui
from scrm.privacy import masking as privacy
from scrm.ui import tables
from scrm.ui.language import lang, t

MASK_KEY = "privacy_mask"
MASK_PARAM = "mask"
SWITCH_LABEL = "Mask names for screen sharing"
SWITCH_HELP = (
    'Shows stand-ins such as "Customer 482193" and "@user_9f2a3c" instead of names, '
    "e-mails and handles, on every page and in links copied from the address bar. "
    "Downloads are not masked."
)


@st.cache_resource(show_spinner=False, max_entries=16)
def load_salt(db_path: str) -> str:
    """The database's pseudonym salt (read, or created on first use, once per server)."""
    with ui.connection(db_path) as db:
        return privacy.privacy_salt(db)


def _current_salt() -> str:
    salt = load_salt(ui.current_db_path())
    # Pages that call scrm.privacy.masking.mask_frame(df, columns) without a salt get
    # this database's too: one server serves one database (SCRM_DB).
    privacy.use_salt(salt)
    return salt


def masked() -> bool:
    """True when names, e-mails and handles must be masked on this screen."""
    if MASK_KEY in st.session_state:
        return bool(st.session_state[MASK_KEY])
    return st.query_params.get(MASK_PARAM) == "1"


def privacy_switch() -> bool:
    """The sidebar toggle; seeds itself from ``?mask=1`` and keeps the link in step."""
    if MASK_KEY not in st.session_state:
        st.session_state[MASK_KEY] = st.query_params.get(MASK_PARAM) == "1"
    on = st.sidebar.toggle(
        t(SWITCH_LABEL),
        key=MASK_KEY,
        help=t(SWITCH_HELP),
    )
    # Written on every run, not only on change: switching pages clears the
    # address's parameters, and the link must keep saying "masked".
    if on and st.query_params.get(MASK_PARAM) != "1":
        st.query_params[MASK_PARAM] = "1"
    elif not on and MASK_PARAM in st.query_params:
        del st.query_params[MASK_PARAM]
    if on:
        _current_salt()
        st.sidebar.caption(t("Names, e-mails and handles are replaced by stable stand-ins."))
    return bool(on)


def masked_frame(df: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """``df`` with ``columns`` (column -> kind) masked when the switch is on, else ``df`` itself."""
    if not masked():
        return df
    return privacy.mask_frame(df, columns, salt=_current_salt())


def show_frame(df: pd.DataFrame, columns: Mapping[str, str], **st_dataframe_kwargs: Any) -> Any:
    """``st.dataframe(df, **kwargs)`` with the personal ``columns`` masked when the switch is on.

    Returns what ``st.dataframe`` returns (the selection state with ``on_select``).
    Row positions are unchanged, so a selection's row numbers index ``df``.
    """
    data, config = tables.localise(masked_frame(df, columns), st_dataframe_kwargs.pop("column_config", None), lang())
    if config is not None:
        st_dataframe_kwargs["column_config"] = config
    return st.dataframe(data, **st_dataframe_kwargs)


def mask_value(value: str | None, kind: str) -> str | None:
    """One personal value, masked when the switch is on (None stays None)."""
    if value is None or not masked() or not str(value).strip():
        return value
    return privacy.pseudonym(str(value), kind, salt=_current_salt())
