"""Durability across restarts of a real zigbridge process: keys (and their scopes), names,
ids, groups and scenes survive a clean stop, and a key answered just before `kill -9` still
works."""

from __future__ import annotations

import base64
import signal
import subprocess
import time

import httpx

from tests.gateway.cli.test_main import READY, free_port, read_until, zigbridge


class Proc:
    def __init__(self, data_dir, http_port: int, ws_port: int):
        cmd = zigbridge(
            "--radio", "sim", "--sim-quiet", "--data-dir", str(data_dir), "--host", "127.0.0.1",
            "--http-port", str(http_port), "--ws-port", str(ws_port),
        )  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        read_until(self.proc, READY)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{http_port}", timeout=10)

    def stop(self, sig=signal.SIGTERM) -> None:
        self.proc.send_signal(sig)
        self.proc.communicate(timeout=10)
        self.http.close()


def basic_key(http: httpx.Client, password: str, name: str, scope: str = "control") -> str:
    auth = base64.b64encode(f"me:{password}".encode()).decode()
    body = {"devicetype": name, "scope": scope}
    r = http.post("/api", json=body, headers={"Authorization": f"Basic {auth}"})
    return r.json()[0]["success"]["username"]


def wait_for_lights(http: httpx.Client, key: str, count: int) -> dict:
    for _ in range(500):
        lights = http.get(f"/api/{key}/lights").json()
        if len(lights) >= count:
            return lights
        time.sleep(0.02)
    raise AssertionError("lights never appeared")


def test_everything_survives_restart_and_kill_9(tmp_path):
    ports = (free_port(), free_port())
    first = Proc(tmp_path, *ports)
    password = (tmp_path / "password").read_text().strip()
    assert oct((tmp_path / "password").stat().st_mode & 0o777) == "0o600"
    key = basic_key(first.http, password, "restart-test")
    reader = basic_key(first.http, password, "wall-tablet", "read")
    lights = wait_for_lights(first.http, key, 5)
    lid = next(i for i, light in lights.items() if light["type"] == "Dimmable light")
    api = f"/api/{key}"
    assert first.http.put(f"{api}/lights/{lid}", json={"name": "Desk"}).status_code == 200
    gid = first.http.post(f"{api}/groups", json={"name": "Study"}).json()[0]["success"]["id"]
    first.http.put(f"{api}/groups/{gid}", json={"lights": [lid]})
    sid = first.http.post(f"{api}/groups/{gid}/scenes", json={"name": "Work"}).json()
    sid = sid[0]["success"]["id"]
    first.http.put(f"{api}/config", json={"name": "Attic", "websocketnotifyall": False})
    snapshot = first.http.get(f"{api}").json()
    first.stop()

    second = Proc(tmp_path, *ports)
    wait_for_lights(second.http, key, 5)
    again = second.http.get(f"{api}").json()
    assert set(again["lights"]) == set(snapshot["lights"])
    assert set(again["sensors"]) == set(snapshot["sensors"])
    for kind in ("lights", "sensors"):
        for rid, res in snapshot[kind].items():
            assert again[kind][rid]["uniqueid"] == res["uniqueid"]
            assert again[kind][rid]["name"] == res["name"]
    assert again["lights"][lid]["name"] == "Desk"
    assert again["groups"][gid]["name"] == "Study" and again["groups"][gid]["lights"] == [lid]
    assert again["groups"][gid]["scenes"][0]["name"] == "Work"
    assert again["groups"][gid]["scenes"][0]["id"] == sid
    assert again["config"]["name"] == "Attic" and again["config"]["websocketnotifyall"] is False
    assert again["config"]["whitelist"][reader]["scope"] == "read"
    refused = second.http.put(f"/api/{reader}/lights/{lid}", json={"name": "Mine"})
    assert refused.status_code == 403 and refused.json()[0]["error"]["type"] == 1

    # A key answered, then the power is cut (SIGKILL): it must still work afterwards.
    late = basic_key(second.http, password, "last-second")
    second.stop(signal.SIGKILL)
    third = Proc(tmp_path, *ports)
    try:
        assert third.http.get(f"/api/{late}/lights").status_code == 200
        assert third.http.get(f"/api/{late}/config").json()["whitelist"][late]["name"] == (
            "last-second"
        )
    finally:
        third.stop()
