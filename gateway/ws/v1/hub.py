"""Every v1 subscription of every connection, and the frames one bus event becomes.

One event is matched against each subscription; the frame text is built once per
(subscription id, notify-all form) and the connections that get the same text are grouped,
so the server encodes one websocket frame for all of them. The text is the bus's own,
spliced; only a subscription whose notify-all form differs from the event's gets it
re-encoded, once per event for all such subscriptions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gateway.app.journal import Entry
from gateway.core.notify_forms import Forms, forms_of, in_form
from gateway.core.resources import Message, deconz_json

from . import frames
from .filters import Filter, TypeOf


@dataclass(eq=False, slots=True)
class Subscription:
    """`owner`: what the transport delivers to (the connection); `notify_all` None: the
    gateway's setting at each event."""

    owner: Any
    id: int
    filter: Filter
    notify_all: bool | None = None
    everything: bool = False  # the filter takes every event (set from it: checked per event)

    def __post_init__(self) -> None:
        self.everything = self.filter.everything


Delivery = tuple[str, list[Any]]
"""One frame's text and the owners that get it."""


class Hub:
    def __init__(self, type_of: TypeOf, notify_all: Callable[[], bool]) -> None:
        self._type_of = type_of
        self._notify_all = notify_all
        self._subs: dict[Subscription, None] = {}  # in subscription order

    def __len__(self) -> int:
        return len(self._subs)

    def add(self, sub: Subscription) -> None:
        self._subs[sub] = None

    def remove(self, sub: Subscription) -> None:
        self._subs.pop(sub, None)

    def deliveries(self, seq: int, message: Message, text: str) -> list[Delivery]:
        """The frames of one published event, each with the owners it goes to."""
        if not self._subs:
            return []
        default = self._notify_all()
        forms = forms_of(message)
        texts: dict[bool, str] = {}
        by_frame: dict[tuple[int, bool], Delivery] = {}
        type_of = self._type_of
        for sub in self._subs:
            if not (sub.everything or sub.filter.matches(message, type_of)):
                continue
            want = default if sub.notify_all is None else sub.notify_all
            key = (sub.id, want)
            delivery = by_frame.get(key)
            if delivery is None:
                body = texts.get(want)
                if body is None:
                    body = texts[want] = _text_in_form(message, text, forms, want)
                delivery = by_frame[key] = (frames.event(sub.id, seq, body), [])
            delivery[1].append(sub.owner)
        return list(by_frame.values())

    def replay(self, sub: Subscription, entries: Iterable[Entry]) -> list[str]:
        """The journal's entries that `sub` takes, as its frames (a resume)."""
        want = self._notify_all() if sub.notify_all is None else sub.notify_all
        out = []
        flt = sub.filter
        for entry in entries:
            decoded: Message | None = None
            if not flt.everything:
                decoded = json.loads(entry.text)
                if not flt.matches(decoded, self._type_of):
                    continue
            body = entry.text
            if entry.forms is not None:
                other = in_form(decoded or json.loads(entry.text), entry.forms, want)
                if other is not None:
                    body = deconz_json(other)
            out.append(frames.event(sub.id, entry.seq, body))
        return out


def _text_in_form(message: Message, text: str, forms: Forms | None, notify_all: bool) -> str:
    other = in_form(message, forms, notify_all)
    return text if other is None else deconz_json(other)
