"""Widgets that close the loop between pages: a person's row leads to their card, a row opens a case.

- :func:`customer_link`: a link to the Customer 360 card (``pages/customer.py``
  reads ``?customer=ID``);
- :func:`open_case_button`: for roles that may work on cases, a button that
  opens a case on the selected mention, alert or customer through
  :func:`scrm.api.open_case` and then says where the case is (a link to it on
  the Rescue queue, ``?case=ID``);
- :func:`incident_feed`: the Alerts feed as incidents under the daily cap per kind;
- :func:`assignee_options`: who a case can be given to (the Rescue queue's form).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scrm import api, auth, ui
from scrm.act import cases
from scrm.analysis import alerts
from scrm.errors import ScrmError
from scrm.ui import auth as access
from scrm.ui import masking as P
from scrm.ui.language import t

CUSTOMER_PAGE = "pages/customer.py"
CASES_PAGE = "pages/cases.py"
CUSTOMER_PARAM = "customer"
CASE_PARAM = "case"


def _present(value: Any) -> bool:
    if value is None:
        return False
    try:
        return str(value).strip() != "" and value == value  # NaN is not equal to itself
    except (TypeError, ValueError):
        return False


@st.cache_data(max_entries=64, show_spinner=False)
def load_mention_customer(db_path: str, data_version: int, mention_id: str) -> tuple[str, str | None] | None:
    """The customer a mention's author is confirmed as (:func:`scrm.act.cases.mention_customer`)."""
    with ui.connection(db_path) as db:
        return cases.mention_customer(db, mention_id)


@st.cache_data(max_entries=16, show_spinner=False)
def load_daily_cap(db_path: str, data_version: int) -> int:
    """Incidents of one alert kind listed per day (:func:`scrm.analysis.alerts.daily_cap`)."""
    with ui.connection(db_path) as db:
        return alerts.daily_cap(db)


INCIDENT_WINDOW_DAYS = alerts.INCIDENT_WINDOW_DAYS


def incident_feed(
    db_path: str, data_version: int, feed: pd.DataFrame, *, key: tuple[object, ...] | None = None
) -> tuple[pd.DataFrame, int]:
    """The alert feed as incidents with the workspace's daily cap (:func:`scrm.analysis.alerts.group_incidents`), and the cap.

    ``key``: what ``feed`` was read for (filters and choices); given, the grouping is kept per
    key and data version instead of being done again on every rerun.
    """
    cap = load_daily_cap(db_path, data_version)
    if key is None:
        return alerts.group_incidents(feed, cap=cap), cap
    return _load_incidents(db_path, data_version, key, feed, cap), cap


@st.cache_data(max_entries=16, show_spinner=False)
def _load_incidents(db_path: str, data_version: int, key: tuple[object, ...], _feed: pd.DataFrame, cap: int) -> pd.DataFrame:
    return alerts.group_incidents(_feed, cap=cap)


def assignee_options(team: list[str], past: list[str], current: str | None) -> list[str]:
    """Who a case can be given to (:func:`scrm.act.cases.assignee_choices`)."""
    return cases.assignee_choices(team, past, current)


def customer_link(customer_id: Any, name: Any = None, *, key: str | None = None) -> bool:
    """A link to the customer's Customer 360 card; False (and nothing drawn) without a customer id.

    The name is masked when the privacy switch is on; the id is shown when there is no name.
    """
    if not _present(customer_id):
        return False
    shown = P.mask_value(str(name), "name") if _present(name) else str(customer_id)
    st.page_link(
        CUSTOMER_PAGE, label=t("Open {name} in Customer 360", name=ui.escape_markdown(shown or str(customer_id))),
        icon=":material/person_search:", query_params={CUSTOMER_PARAM: str(customer_id)},
    )  # fmt: skip
    return True


def _case_link(case_id: int, created: bool) -> None:
    st.success(
        t("Case {id} opened: it is on the Rescue queue.", id=case_id) if created
        else t("Case {id} is already open on this: it is on the Rescue queue.", id=case_id),
        icon=":material/check_circle:",
    )
    st.page_link(CASES_PAGE, label=t("Open case {id} in the Rescue queue", id=case_id), icon=":material/inbox:",
                 query_params={CASE_PARAM: str(case_id)})  # fmt: skip


def open_case_button(
    key: str,
    *,
    mention_id: Any = None,
    alert_id: Any = None,
    customer_id: Any = None,
    profile_id: Any = None,
) -> int | None:
    """A button that opens a case on the selected thing; returns the case id once opened (on this or a later run).

    Roles that may not work on cases see nothing. The outcome is kept in the
    session per selection, so the link to the case stays after the next rerun.
    """
    if not access.can(auth.CASES):
        return None
    target = (str(mention_id or ""), str(alert_id or ""), str(customer_id or ""), str(profile_id or ""))
    done_key = f"{key}_case"
    done = st.session_state.get(done_key)
    if done and tuple(done[0]) == target:
        _case_link(int(done[1]), bool(done[2]))
        return int(done[1])
    if not st.button(t("Open a case"), key=f"{key}_open_case", icon=":material/add_task:",
                     help=t("Opens a case on the Rescue queue with this mention and customer linked; its deadline starts now.")):  # fmt: skip
        return None
    try:
        with ui.connection(ui.current_db_path()) as db:
            opened = api.open_case(
                db,
                mention_id=str(mention_id) if _present(mention_id) else None,
                alert_id=int(alert_id) if _present(alert_id) else None,
                customer_id=str(customer_id) if _present(customer_id) else None,
                profile_id=str(profile_id) if _present(profile_id) else None,
                actor=access.actor(), role=access.role(),
            )  # fmt: skip
    except ScrmError as e:
        ui.show_error(e)
        return None
    st.session_state[done_key] = (list(target), opened.case_id, opened.created)
    _case_link(opened.case_id, opened.created)
    return opened.case_id
