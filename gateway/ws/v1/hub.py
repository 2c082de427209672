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
        # The owners of the unfiltered subscriptions by (subscription id, form), for the
        # gateway's current notify-all setting: the same list objects event after event,
        # which lets the server share one batch between them. Rebuilt on any change.
        self._unfiltered: tuple[bool, dict[tuple[int, bool], list[Any]]] | None = None
        self._filtered: list[Subscription] = []

    def __len__(self) -> int:
        return len(self._subs)

    def add(self, sub: Subscription) -> None:
        self._subs[sub] = None
        self._changed()

    def remove(self, sub: Subscription) -> None:
        if self._subs.pop(sub, 0) is None:
            self._changed()

    def _changed(self) -> None:
        self._unfiltered = None
        self._filtered = [sub for sub in self._subs if not sub.everything]

    def _unfiltered_owners(self, default: bool) -> dict[tuple[int, bool], list[Any]]:
        if self._unfiltered is None or self._unfiltered[0] is not default:
            groups: dict[tuple[int, bool], list[Any]] = {}
            for sub in self._subs:
                if sub.everything:
                    want = default if sub.notify_all is None else sub.notify_all
                    groups.setdefault((sub.id, want), []).append(sub.owner)
            self._unfiltered = (default, groups)
        return self._unfiltered[1]

    def deliveries(self, seq: int, message: Message, text: str) -> list[Delivery]:
        """The frames of one published event, each with the owners it goes to."""
        if not self._subs:
            return []
        default = self._notify_all()
        forms = forms_of(message)
        texts: dict[bool, str] = {}
        by_frame: dict[tuple[int, bool], Delivery] = {}
        shared: set[tuple[int, bool]] = set()  # deliveries whose owners list is the hub's
        for key, owners in self._unfiltered_owners(default).items():
            sub_id, want = key
            body = texts.get(want)
            if body is None:
                body = texts[want] = _text_in_form(message, text, forms, want)
            by_frame[key] = (frames.event(sub_id, seq, body), owners)
            shared.add(key)
        type_of = self._type_of
        for sub in self._filtered:
            if not sub.filter.matches(message, type_of):
                continue
            want = default if sub.notify_all is None else sub.notify_all
            key = (sub.id, want)
            delivery = by_frame.get(key)
            if delivery is None:
                body = texts.get(want)
                if body is None:
                    body = texts[want] = _text_in_form(message, text, forms, want)
                delivery = by_frame[key] = (frames.event(sub.id, seq, body), [])
            elif key in shared:  # never change the hub's own list: a copy for this event
                shared.discard(key)
                delivery = by_frame[key] = (delivery[0], list(delivery[1]))
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
