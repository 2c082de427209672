"""Id stability: restarts from the same SQLite file, re-joins, deletions, renames."""

from __future__ import annotations

from dataclasses import replace

from core_zoo import CLIMATE_IEEE, EXT_COLOR_IEEE, ct_light, dimmable_light, ext_color_light, remote

from gateway.core.persistence import Persistence
from gateway.core.store import Store
from radio.events import DeviceRemoved


def _ids(store: Store) -> dict[str, dict[str, str]]:
    return {
        "lights": {i: r.uniqueid for i, r in store.lights.items()},
        "sensors": {i: r.uniqueid for i, r in store.sensors.items()},
    }


def test_ids_survive_restart_and_restore_is_silent(
    store: Store, zoo, joined, rx, db_path, clock
) -> None:
    for device in (
        zoo.ext_color_light(),
        zoo.climate_sensor(),
        zoo.ct_light(),
        zoo.motion_sensor(),
    ):
        joined(device)
    before = _ids(store)
    assert before["lights"] == {"1": f"{EXT_COLOR_IEEE}-01", "2": "90:fd:9f:ff:fe:01:02:03-01"}
    assert list(before["sensors"]) == ["1", "2", "3", "4", "5", "6"]
    store.persistence.close()

    persistence = Persistence(db_path)
    restarted = Store(persistence, clock=clock)
    # Restored in a different order: ids still follow the uniqueids, and nothing is sent.
    for device in (
        zoo.motion_sensor(),
        zoo.ct_light(),
        zoo.climate_sensor(),
        zoo.ext_color_light(),
    ):
        assert restarted.handle(rx.join(device, restored=True)) == []
    assert _ids(restarted) == before
    persistence.close()


def test_restored_state_comes_from_the_cache(store: Store, rx, persistence, clock) -> None:
    restarted = Store(persistence, clock=clock)
    restarted.handle(rx.join(ext_color_light(), restored=True))
    light = restarted.lights["1"].to_json()
    assert light["state"]["bri"] == 180
    assert light["lastseen"] is None  # zigpy had no last_seen for it either
    assert light["lastannounced"] is None


def test_restored_lastseen_comes_from_zigpy(store: Store, rx, persistence, clock) -> None:
    restarted = Store(persistence, clock=clock)
    seen = 1714637400.0  # 2024-05-02T08:10:00Z
    restarted.handle(rx.join(replace(ext_color_light(), last_seen=seen), restored=True))
    assert restarted.lights["1"].to_json()["lastseen"] == "2024-05-02T08:10Z"


def test_new_ids_never_reuse_deleted_ones(store: Store, joined) -> None:
    joined(ext_color_light())
    joined(ct_light())
    store.delete_light("1")
    joined(dimmable_light())
    assert sorted(store.lights) == ["2", "3"]


def test_rejoin_keeps_ids_and_resurrects_deleted(
    store: Store, joined, rx, persistence, clock
) -> None:
    joined(ext_color_light())
    joined(remote())
    store.handle(DeviceRemoved(EXT_COLOR_IEEE))
    assert "1" not in store.lights

    # Deleted stays deleted across a restart of a still-known device ...
    restarted = Store(persistence, clock=clock)
    assert restarted.handle(rx.join(ext_color_light(), restored=True)) == []
    assert "1" not in restarted.lights
    # ... until it is interviewed again (re-join): same id, with an `added`.
    messages = restarted.handle(rx.join(ext_color_light()))
    assert [(m["e"], m["id"]) for m in messages] == [("added", "1")]
    assert restarted.lights["1"].uniqueid == f"{EXT_COLOR_IEEE}-01"


def test_reinterview_of_a_live_device_sends_no_added(store: Store, joined) -> None:
    joined(ext_color_light())
    assert [m["e"] for m in joined(ext_color_light())] == []


def test_rename_is_persisted_and_pushed_as_attr(
    store: Store, joined, persistence, clock, rx
) -> None:
    joined(ext_color_light())
    joined(dimmable_light())
    store.websocketnotifyall = False
    assert store.rename("lights", "1", "Kitchen ceiling") == [
        {
            "attr": {"name": "Kitchen ceiling"},
            "e": "changed",
            "id": "1",
            "r": "lights",
            "t": "event",
            "uniqueid": f"{EXT_COLOR_IEEE}-01",
        }
    ]
    store.websocketnotifyall = True
    [message] = store.rename("lights", "2", "Hall")
    assert {"name", "lastseen", "modelid", "type", "uniqueid"} <= set(message["attr"])

    restarted = Store(persistence, clock=clock)
    restarted.handle(rx.join(ext_color_light(), restored=True))
    assert restarted.lights["1"].name == "Kitchen ceiling"
    assert restarted.websocketnotifyall is True
    restarted.rename("lights", "1", "  ")
    assert restarted.lights["1"].name == "Extended color light 1"


def test_sensor_delete_and_uniqueid_lookup(store: Store, joined) -> None:
    joined(remote())
    sensor = store.find_sensor("90:FD:9F:FF:FE:66:24:3E-01-1000")
    assert sensor is store.sensors["1"]
    assert store.find_light("1") is None
    assert store.delete_sensor("1") == [
        {
            "e": "deleted",
            "id": "1",
            "r": "sensors",
            "t": "event",
            "uniqueid": "90:fd:9f:ff:fe:66:24:3e-01-1000",
        }
    ]
    assert store.find_sensor("1") is None


def test_resources_of_device_and_collection_etags(store: Store, joined, rx) -> None:
    joined(ext_color_light())
    from core_zoo import climate_sensor

    joined(climate_sensor())
    assert [r.id for r in store.resources_of_device(CLIMATE_IEEE.upper())] == ["1", "2", "3"]
    lights, everything = store.collection_etag("lights"), store.collection_etag("all")
    sensors = store.collection_etag("sensors")
    store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0006, 0x0000, 0))
    assert store.collection_etag("lights") != lights
    assert store.collection_etag("all") != everything
    assert store.collection_etag("sensors") == sensors


def test_device_removed_deletes_every_resource(store: Store, joined) -> None:
    from core_zoo import climate_sensor

    joined(climate_sensor())
    messages = store.handle(DeviceRemoved(CLIMATE_IEEE))
    assert [(m["e"], m["r"], m["id"]) for m in messages] == [
        ("deleted", "sensors", "1"),
        ("deleted", "sensors", "2"),
        ("deleted", "sensors", "3"),
    ]
    assert store.resources_of_device(CLIMATE_IEEE) == []


def test_reinterview_without_an_endpoint_makes_it_unreachable(store: Store, joined) -> None:
    import dataclasses

    device = ext_color_light()
    joined(device)
    store.websocketnotifyall = False
    messages = joined(dataclasses.replace(device, endpoints=()))
    assert [m.get("state") for m in messages] == [{"reachable": False}]
    assert "1" in store.lights  # kept (and its id), like deCONZ


def test_etag_changes_with_every_change(store: Store, joined, rx) -> None:
    joined(ext_color_light())
    light = store.lights["1"]
    first = light.etag
    store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0006, 0x0000, 1))  # unchanged value
    assert light.etag == first
    store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0006, 0x0000, 0))
    assert light.etag != first and len(light.etag) == 32
