"""Both notify-all forms of a `changed` message: the store's message holds the gateway's
form (the bytes deCONZ clients get, unchanged) and knows what the other form needs."""

from __future__ import annotations

from gateway.core.notify_forms import Forms, changed_message, forms_of, in_form
from gateway.core.resources import Group, deconz_json


def test_a_whole_message_gives_its_changed_items():
    message = changed_message(
        {"e": "changed", "state": {"on": True, "bri": 5}}, Forms("state", ("on",))
    )
    assert deconz_json(message) == '{"e":"changed","state":{"bri":5,"on":true}}'
    assert in_form(message, forms_of(message), True) is None
    assert in_form(message, forms_of(message), False) == {"e": "changed", "state": {"on": True}}


def test_a_changed_items_message_gives_the_whole():
    whole = {"on": True, "bri": 5}
    message = changed_message(
        {"e": "changed", "state": {"on": True}}, Forms("state", ("on",), whole)
    )
    assert in_form(message, forms_of(message), False) is None
    assert in_form(message, forms_of(message), True) == {"e": "changed", "state": whole}


def test_every_item_changed_or_no_forms_is_the_same_message():
    message = changed_message({"state": {"on": True}}, Forms("state", ("on",)))
    assert in_form(message, forms_of(message), False) is None
    assert forms_of({"attr": {"lastseen": "x"}}) is None


def test_groups_carry_both_forms():
    for notify_all in (True, False):
        group = Group("1", "Room")
        group.update_state({"any_on": True})
        [message] = group.take_messages(notify_all)
        forms = forms_of(message)
        assert forms is not None and set(forms.keys) == {"any_on"}
        other = in_form(message, forms, not notify_all)
        assert other is not None
        states = {notify_all: message["state"], not notify_all: other["state"]}
        assert states == {True: {"all_on": False, "any_on": True}, False: {"any_on": True}}
