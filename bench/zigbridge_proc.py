"""``zigbridge`` for the benchmark: ``gateway.cli.main:main`` unchanged, plus bench-only knobs
taken from the environment. Nothing here is reachable from the installed ``zigbridge``.

    python -m bench.zigbridge_proc --radio sim --sim-devices 200 ...

* ``ZBBENCH_RADIO_DELAY=S``: the simulated coordinator takes S seconds to answer
  (``VirtualRadio.with_startup_delay``), swapped in through ``radio.selection`` so it is
  imported when the daemon starts the radio, as the real one is.
* ``ZBBENCH_LIGHT_REPORTS=R``: besides the demo driver's sensor reports, the
  simulated lights report R attribute changes per second in total (on/off, level, colour
  temperature), sent through the simulated network's own uplink like every device frame.
* ``ZBBENCH_MODULES=PATH``: once started, write the names in ``sys.modules`` to
  PATH (JSON), for the memory floor (``bench.floor``).
* ``ZBBENCH_EARLY_RESTORE=1`` (an experiment, not used by ``python -m bench``): a
  prototype of a proposed change to ``radio/controller.py`` - hand the store the devices
  zigpy loaded from its database *before* ``app.startup()`` waits for the stick, so the
  REST API serves them (unreachable) while the radio starts. Measured with
  ``python -m bench.profile slowradio``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import random
import sys

LOGGER = logging.getLogger("bench")


def _slow_radio() -> None:
    if not float(os.environ.get("ZBBENCH_RADIO_DELAY", "0") or 0):
        return
    from radio import selection

    selection.RADIO_TYPES["sim"] = dataclasses.replace(
        selection.RADIO_TYPES["sim"], module="bench.slow_radio", class_name="SlowVirtualRadio"
    )


async def _light_reports(daemon, rate: float) -> None:
    from zigpy.zcl.clusters.general import LevelControl, OnOff
    from zigpy.zcl.clusters.lighting import Color

    def has(device, cluster) -> bool:
        return any(ep.has(cluster) for ep in device.endpoints.values())

    lights = [d for d in daemon.demo.devices if has(d, OnOff) and d not in daemon.demo.failed]
    if not lights:
        return
    rng = random.Random(5)
    network = daemon.radio.app.network
    tick = 0.1
    per_tick = rate * tick
    owed = 0.0
    i = 0
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while True:
        next_at += tick
        await asyncio.sleep(max(0.0, next_at - loop.time()))
        owed += per_tick
        while owed >= 1:
            owed -= 1
            device = lights[i % len(lights)]
            kind = (i // len(lights)) % 3
            i += 1
            if kind == 2 and has(device, Color):
                frames = device.report(None, Color, {"color_temperature": rng.randint(153, 454)})
            elif kind >= 1 and has(device, LevelControl):
                frames = device.report(None, LevelControl, {"current_level": rng.randint(1, 254)})
            else:
                on = device.get(None, OnOff, "on_off")
                frames = device.report(None, OnOff, {"on_off": not on})
            if device in network:
                network.emit(frames)


def _hook_daemon() -> None:
    from gateway.daemon.daemon import Daemon

    rate = float(os.environ.get("ZBBENCH_LIGHT_REPORTS", "0") or 0)
    modules_out = os.environ.get("ZBBENCH_MODULES")
    start_demo = Daemon._start_demo
    stop = Daemon.stop

    async def _start_demo(self) -> None:
        await start_demo(self)
        if rate > 0:
            self._bench_load = asyncio.create_task(_light_reports(self, rate), name="bench-load")
        if modules_out:
            names = [name for name, mod in list(sys.modules.items()) if mod is not None]
            with open(modules_out, "w") as f:
                json.dump(names, f)

    async def _stop(self) -> None:
        task = getattr(self, "_bench_load", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await stop(self)

    Daemon._start_demo = _start_demo
    Daemon.stop = _stop


def _early_restore() -> None:
    if not os.environ.get("ZBBENCH_EARLY_RESTORE"):
        return
    from gateway.daemon.daemon import Daemon
    from radio import events as ev
    from radio.device_setup import device_info
    from radio.selection import radio_type

    start_radio = Daemon.start_radio

    async def _start_radio(self) -> None:
        radio = self.gateway.radio
        cls = radio_type(radio.settings.radio_type).controller_class()
        new = cls.new  # zigpy's classmethod: builds the app and loads the database

        async def new_then_restore(config, *args, **kwargs):
            app = await new(config, *args, **kwargs)  # start_radio=False: no stick yet
            for device in list(app.devices.values()):
                if device.nwk != 0x0000 and device.is_initialized:
                    info = device_info(device)
                    radio._emit(ev.DeviceInitialized(info, True))
            return app

        cls.new = new_then_restore
        try:
            await start_radio(self)
        finally:
            del cls.new

    Daemon.start_radio = _start_radio


def main() -> int:
    _slow_radio()
    _hook_daemon()
    _early_restore()
    from gateway.cli.main import main as zigbridge_main

    return zigbridge_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
