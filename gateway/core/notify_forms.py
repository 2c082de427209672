"""Both forms of a `changed` message, whole sub-object and changed items only.

deCONZ's `websocketnotifyall` picks one form for everybody; a websocket v1 subscription
picks its own. So a `changed` message built from tracked keys carries, besides the form the
gateway's setting chose (what the legacy stream and the journal hold, byte for byte), what
the other form needs: the changed keys, and the whole sub-object when the message holds only
the changed items. In the default form (whole) that costs one small object per message and
no copy; the other form is built only when a subscriber asks for it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

Message = dict[str, Any]


@dataclass(slots=True)  # not frozen: built for every changed message, never changed after
class Forms:
    """`section`: the sub-object the message carries; `keys`: its changed items (a set the
    resource no longer holds, any order); `whole`: the whole sub-object, kept only when the
    message holds the changed items."""

    section: str
    keys: Collection[str]
    whole: dict[str, Any] | None = None


class ChangedMessage(dict[str, Any]):
    """A `changed` message (a plain dict to every encoder) that knows its other form."""

    __slots__ = ("forms",)
    forms: Forms


def changed_message(items: dict[str, Any], forms: Forms) -> ChangedMessage:
    message = ChangedMessage(items)
    message.forms = forms
    return message


def forms_of(message: Message) -> Forms | None:
    return message.forms if isinstance(message, ChangedMessage) else None


def in_form(message: Message, forms: Forms | None, notify_all: bool) -> Message | None:
    """`message` (the live object or the journal's text decoded) in the form `notify_all`
    asks for; None when it already is in that form."""
    if forms is None:
        return None
    holds_whole = forms.whole is None
    if notify_all is holds_whole:
        return None
    if notify_all:
        return {**message, forms.section: forms.whole}
    body = message.get(forms.section)
    if not isinstance(body, dict):
        return None
    delta = {k: body[k] for k in sorted(forms.keys) if k in body}
    if len(delta) == len(body):
        return None  # every item changed: both forms are the same
    return {**message, forms.section: delta}
