"""The ways of reaching a broker: a user and password, TLS with a CA and a client
certificate, MQTT 5. One Mosquitto with a listener for each (and a plain one to watch)."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from tests.brokers import Mosquitto, MqttWatcher, free_port
from tests.gateway.conftest import stop_daemon, until

from .conftest import bridged_daemon, connected_daemon, root

pytestmark = pytest.mark.asyncio(loop_scope="module")


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_certificates(d: Path) -> None:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, signed by it."""
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test CA",
        "-keyout",
        str(d / "ca.key"),
        "-out",
        str(d / "ca.pem"),
    )
    for name, ext in (
        ("server", "subjectAltName=IP:127.0.0.1"),
        ("client", "extendedKeyUsage=clientAuth"),
    ):
        openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            f"/CN={name}",
            "-keyout",
            str(d / f"{name}.key"),
            "-out",
            str(d / f"{name}.csr"),
        )
        (d / f"{name}.ext").write_text(ext + "\n")
        openssl("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / "ca.pem"),
                "-CAkey", str(d / "ca.key"), "-CAcreateserial", "-days", "2",
                "-extfile", str(d / f"{name}.ext"), "-out", str(d / f"{name}.pem"))  # fmt: skip


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    d = tmp_path_factory.mktemp("secure")
    make_certificates(d)
    subprocess.run(
        ["mosquitto_passwd", "-b", "-c", str(d / "passwd"), "zigbridge", "s3cret:/@"], check=True
    )
    (d / "passwd").chmod(0o600)
    password_port, tls_port = free_port(), free_port()
    extra = (
        f"listener {password_port} 127.0.0.1\nallow_anonymous false\n"
        f"password_file {d / 'passwd'}\n"
        f"listener {tls_port} 127.0.0.1\nallow_anonymous true\n"
        f"cafile {d / 'ca.pem'}\ncertfile {d / 'server.pem'}\nkeyfile {d / 'server.key'}\n"
        "require_certificate true\n"
    )
    mosquitto = Mosquitto(d, extra=extra, preamble="per_listener_settings true").start()
    mosquitto.password_port, mosquitto.tls_port, mosquitto.dir = password_port, tls_port, d
    yield mosquitto
    mosquitto.stop()


async def online(broker, running) -> None:
    async with MqttWatcher(broker.url, f"{root(running)}/bridge/state") as watcher:
        await watcher.wait(lambda m: m.json() == {"state": "online"})


async def test_a_user_and_password_from_the_url(broker, tmp_path):
    url = f"mqtt://zigbridge:s3cret%3A%2F%40@127.0.0.1:{broker.password_port}"
    running = await connected_daemon(tmp_path, url, sim_devices=1)
    try:
        await online(broker, running)
    finally:
        await stop_daemon(running)


async def test_a_wrong_password_is_one_warning_and_delays_nothing(broker, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="gateway.mqtt")
    url = f"mqtt://zigbridge:Wr0ngPa55@127.0.0.1:{broker.password_port}"
    running = await bridged_daemon(tmp_path, url, sim_devices=1)
    try:
        assert await running.get("/lights")
        await until(lambda: running.daemon.mqtt.failures >= 3, what="three attempts")
        assert sum("cannot connect" in r.getMessage() for r in caplog.records) == 1
        assert "Not authorized" in caplog.text
        assert "Wr0ngPa55" not in caplog.text  # the password is never logged
        assert not running.daemon.mqtt.connected
    finally:
        await stop_daemon(running)


async def test_tls_with_a_ca_and_a_client_certificate(broker, tmp_path):
    d = broker.dir
    running = await connected_daemon(
        tmp_path,
        f"mqtts://127.0.0.1:{broker.tls_port}",
        sim_devices=1,
        mqtt_ca_file=d / "ca.pem",
        mqtt_cert_file=d / "client.pem",
        mqtt_key_file=d / "client.key",
    )
    try:
        await online(broker, running)
    finally:
        await stop_daemon(running)


async def test_mqtt_5_on_request(broker, tmp_path):
    running = await connected_daemon(tmp_path, broker, sim_devices=1, mqtt_protocol="5")
    try:
        await online(broker, running)
        lid = next(iter(await running.get("/lights")))
        async with MqttWatcher(broker.url, f"{root(running)}/bridge/response") as watcher:
            await watcher.publish(f"{root(running)}/lights/{lid}/set", {"on": True})
            answer = (await watcher.wait(lambda m: True)).json()
        assert answer["status"] == 200
    finally:
        await stop_daemon(running)


@pytest.mark.parametrize("which", ["mqtt_ca_file", "mqtt_cert_file"])
async def test_unreadable_tls_files_stop_the_start_with_one_line(broker, tmp_path, which):
    from gateway.daemon.preflight import StartupError

    missing = tmp_path / "missing.pem"
    with pytest.raises(StartupError) as info:
        await bridged_daemon(
            tmp_path / "data", f"mqtts://127.0.0.1:{broker.tls_port}", **{which: missing}
        )
    assert str(missing) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("which", ["mqtt_ca_file", "mqtt_cert_file", "mqtt_key_file"])
async def test_tls_files_with_a_plain_url_stop_the_start_with_one_line(broker, tmp_path, which):
    """A certificate given for an mqtt:// broker would be ignored: the user is told."""
    from gateway.daemon.preflight import StartupError

    pem = tmp_path / "given.pem"
    pem.write_text("-")
    with pytest.raises(StartupError) as info:
        await bridged_daemon(tmp_path / "data", broker.url, **{which: pem})
    said = str(info.value)
    assert which.removeprefix("mqtt_") in said and "mqtts://" in said and "\n" not in said
