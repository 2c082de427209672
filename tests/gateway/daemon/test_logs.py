"""Readable lines by default, JSON lines that parse, levels per namespace, and syslog
priority prefixes when stderr is the journal."""

from __future__ import annotations

import io
import json
import logging
import os

import pytest

from gateway.daemon.logs import NAMESPACES, LogSettings, configure_logging
from radio.sim.demo import demo_home
from tests.gateway.cli.test_main import READY, DaemonProcess, clean_env

NAMED_LOGGERS = [name for names in NAMESPACES.values() for name in names]


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved = (
        root.level,
        list(root.handlers),
        {n: logging.getLogger(n).level for n in NAMED_LOGGERS},
    )
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def emit_all() -> None:
    for name in ("zigpy.application", "bellows.ezsp", "radio", "gateway", "gateway.api"):
        log = logging.getLogger(name)
        log.debug("%s debug", name)
        log.info("%s info", name)
        log.warning("%s warning", name)


def test_json_lines_from_the_daemon_parse(tmp_path):
    env = clean_env(ZIGBRIDGE_LOG_FORMAT="json")
    levels = "events=DEBUG,api=WARNING"
    daemon = DaemonProcess(tmp_path / "data", "--sim-quiet", "--log-levels", levels, env=env)
    try:
        daemon.wait_for(READY)
        daemon.wait_for(" interviewed: ", count=len(demo_home()))  # then count them all
    finally:
        assert daemon.stop() == 0
    records = [json.loads(line) for line in daemon.output.splitlines()]  # every line parses
    assert len(records) > 20
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys()
        assert record["time"].endswith("Z") and len(record["time"]) == 24
    seen = {(r["logger"], r["level"]) for r in records}
    assert ("gateway.events", "DEBUG") in seen  # events at DEBUG: each attribute read
    assert ("gateway", "INFO") in seen and ("radio", "INFO") in seen
    assert not any(logger == "gateway.api" and level == "INFO" for logger, level in seen)
    assert not any(logger.startswith("zigpy") and level == "INFO" for logger, level in seen)
    assert any(r["message"].startswith(READY) for r in records)
    events = [r["message"] for r in records if r["logger"] == "gateway.events"]
    assert sum(" interviewed: " in message for message in events) == len(demo_home())
    unsupported = [m for m in events if "is not supported" in m]
    assert len(unsupported) == 1 and "SIM-MFR1" in unsupported[0]  # the demo's gadget, once


def test_text_lines_by_default(restore_logging):
    out = io.StringIO()
    configure_logging(LogSettings("INFO", "text", {}), out)
    logging.getLogger("gateway").info("hello %s", "there")
    line = out.getvalue()
    assert line.endswith(" INFO    gateway: hello there\n")
    assert line[:4].isdigit()  # starts with the time


def test_levels_per_namespace(restore_logging):
    out = io.StringIO()
    configure_logging(LogSettings("INFO", "text", {"radio": "DEBUG", "api": "WARNING"}), out)
    emit_all()
    text = out.getvalue()
    assert "radio debug" in text and "radio info" in text
    assert "gateway.api info" not in text and "gateway.api warning" in text
    assert "gateway info" in text and "gateway debug" not in text
    # zigpy and the radio libraries stay at WARNING unless asked
    assert "zigpy.application info" not in text and "zigpy.application warning" in text
    assert "bellows.ezsp info" not in text


def test_zigpy_can_be_turned_up_and_everything_with_debug(restore_logging):
    out = io.StringIO()
    configure_logging(LogSettings("WARNING", "text", {"zigpy": "DEBUG"}), out)
    emit_all()
    text = out.getvalue()
    assert "zigpy.application debug" in text and "bellows.ezsp debug" in text
    assert "radio info" not in text and "radio warning" in text
    out = io.StringIO()
    configure_logging(LogSettings("DEBUG", "text", {}), out)  # replaces the earlier handler
    emit_all()
    assert "zigpy.application debug" in out.getvalue()
    assert [getattr(h, "stream", None) for h in logging.getLogger().handlers].count(out) == 1


def test_json_carries_exceptions_and_extra_fields(restore_logging):
    out = io.StringIO()
    configure_logging(LogSettings("INFO", "json", {}), out)
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        logging.getLogger("gateway.api").exception("GET /api/x failed", extra={"status": 500})
    (line,) = out.getvalue().splitlines()  # a traceback stays on one line
    record = json.loads(line)
    assert record["level"] == "ERROR" and record["logger"] == "gateway.api"
    assert record["message"] == "GET /api/x failed" and record["status"] == 500
    assert "ValueError: boom" in record["exception"]


def test_syslog_priorities_when_stderr_is_the_journal(restore_logging, tmp_path, monkeypatch):
    with open(tmp_path / "journal", "w+") as stream:
        st = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        configure_logging(LogSettings("INFO", "text", {}), stream)
        logging.getLogger("gateway").warning("stick missing")
        logging.getLogger("gateway").info("two\nlines")
        configure_logging(LogSettings("INFO", "json", {}), stream)
        logging.getLogger("radio").error("gone")
        stream.seek(0)
        lines = stream.read().splitlines()
    assert lines[0] == "<4>WARNING gateway: stick missing"  # no timestamp: journald adds one
    assert lines[1:3] == ["<6>INFO    gateway: two", " lines"]
    assert lines[3].startswith("<3>{") and json.loads(lines[3][3:])["message"] == "gone"


def test_not_the_journal_when_the_stream_differs(restore_logging, monkeypatch):
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")
    out = io.StringIO()
    configure_logging(LogSettings("INFO", "text", {}), out)
    logging.getLogger("gateway").info("plain")
    assert not out.getvalue().startswith("<")


def test_accept_errors_become_one_warning_per_interval(caplog):
    from gateway.daemon.logs import AcceptErrorLimiter

    now = [100.0]
    limiter = AcceptErrorLimiter(interval=10, clock=lambda: now[0])
    passed_on: list[dict] = []

    class Loop:
        def default_exception_handler(self, context):
            passed_on.append(context)

    error = {"message": AcceptErrorLimiter.MESSAGE, "exception": OSError(24, "Too many open files")}
    with caplog.at_level(logging.WARNING, logger="gateway"):
        for _ in range(5000):
            limiter(Loop(), error)
        now[0] += 11
        limiter(Loop(), error)
        limiter(Loop(), {"message": "something else"})
    warnings = [r.getMessage() for r in caplog.records if r.name == "gateway"]
    assert len(warnings) == 2
    assert "Too many open files" in warnings[0] and "LimitNOFILE" in warnings[0]
    assert "4999 more like this" in warnings[1]
    assert passed_on == [{"message": "something else"}]
