"""The words of a segment's description (:func:`scrm.analysis.segments.describe_centre_message`).

Apart from :mod:`scrm.analysis.segments` because that module loads scikit-learn, which the
sidebar's segment filter of the first page must not wait for.
"""

from __future__ import annotations

from scrm.i18n.messages import Message, from_json

# Every phrase of a segment's plain words: its catalog keys (tests hold each one translated).
ACTIVE_ON = "active on {platform}"
ACTIVE_ON_SOCIAL = "active on social"
TYPICAL = "typical customers"
DESCRIPTION_WORDS: tuple[str, ...] = (
    "top value", "high value", "low value", "recent buyers", "long lapsed", "lapsed buyers", "very frequent buyers",
    "frequent buyers", "one-time buyers", "rare buyers", ACTIVE_ON_SOCIAL, "positive lately", "negative lately",
    TYPICAL,
)
DESCRIPTION_MESSAGES: tuple[str, ...] = (*DESCRIPTION_WORDS, ACTIVE_ON)


def description_message(description: object, message: object = None) -> Message | str:
    """A stored segment description for the reader's language: its message (the JSON of the
    ``description_message`` column) when the row has one, else the English words an older version stored.

    >>> description_message("low value", '{"key":"low value"}')
    Message(key='low value', values={})
    >>> description_message("low value", None)
    'low value'
    """
    found = from_json(message) if isinstance(message, str) else None
    return found if found is not None else ("" if description is None else str(description))
