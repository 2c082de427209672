"""The transport-independent core: SimDevice frame semantics and SimNetwork routing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import zigpy.exceptions
import zigpy.types as t
import zigpy.zdo.types as zdo_t
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import Basic, Groups, OnOff
from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from radio.sim import SimDevice, SimNetwork, catalogue, demo_ieee
from radio.sim.zcl import group_address, nwk_address, parse_zdo, zcl_header, zdo_frame

GC = foundation.GeneralCommand
Status = foundation.Status
C2S = foundation.Direction.Client_to_Server
S2C = foundation.Direction.Server_to_Client


def request(
    device: SimDevice,
    endpoint: int,
    cluster: int,
    command_id: int,
    payload: foundation.CommandSchema,
    *,
    general: bool,
    tsn: int = 0x42,
    ddr: bool = False,
    dst: t.AddrModeAddress | None = None,
    src_ep: int = 3,
) -> t.ZigbeePacket:
    header = zcl_header(
        tsn=tsn, command_id=command_id, general=general, direction=C2S, disable_default_response=ddr
    )
    return t.ZigbeePacket(
        src=nwk_address(0x0000),
        src_ep=src_ep,
        dst=dst or nwk_address(device.nwk),
        dst_ep=endpoint,
        tsn=tsn,
        profile_id=0x0104,
        cluster_id=cluster,
        data=t.SerializableBytes(header.serialize() + payload.serialize()),
    )


def general(device: SimDevice, endpoint: int, cluster: int, command: GC, **kwargs: Any):
    schema = foundation.GENERAL_COMMANDS[command].schema
    return request(device, endpoint, cluster, command, schema(**kwargs), general=True)


def command(device, endpoint, cluster, name, *, ddr=False, dst=None, **kwargs):
    from zigpy.zcl import Cluster

    definition = getattr(Cluster._registry[cluster].ServerCommandDefs, name)
    return request(
        device,
        endpoint,
        cluster,
        definition.id,
        definition.schema(**kwargs),
        general=False,
        ddr=ddr,
        dst=dst,
    )


def parse(packet: t.ZigbeePacket) -> tuple[foundation.ZCLHeader, Any]:
    hdr, rest = foundation.ZCLHeader.deserialize(packet.data.serialize())
    if hdr.frame_control.is_general:
        return hdr, foundation.GENERAL_COMMANDS[hdr.command_id].schema.deserialize(rest)[0]
    return hdr, rest


@pytest.fixture
def light() -> SimDevice:
    return catalogue.extended_color_light(demo_ieee(11, 1), 0x8001)


def test_reply_comes_from_addressed_endpoint_with_echoed_tsn_and_flipped_direction(light) -> None:
    (reply,) = light.handle(
        general(light, 11, OnOff.cluster_id, GC.Read_Attributes, attribute_ids=[0, 0x7777])
    )
    hdr, rsp = parse(reply)
    assert (reply.src_ep, reply.dst_ep, reply.cluster_id) == (11, 3, OnOff.cluster_id)
    assert reply.src == nwk_address(light.nwk) and reply.dst == nwk_address(0x0000)
    assert hdr.tsn == 0x42 and hdr.direction == S2C and hdr.command_id == GC.Read_Attributes_rsp
    assert hdr.frame_control.disable_default_response
    on_off, unknown = rsp.status_records
    assert on_off.status == Status.SUCCESS and on_off.value.value == t.Bool.true
    assert unknown.status == Status.UNSUPPORTED_ATTRIBUTE


def test_write_attributes_variants(light) -> None:
    on_time = foundation.Attribute(0x4001, foundation.TypeValue(0x21, t.uint16_t(30)))
    model = foundation.Attribute(0x0005, foundation.TypeValue(0x42, t.CharacterString("x")))

    (reply,) = light.handle(
        general(light, 11, OnOff.cluster_id, GC.Write_Attributes, attributes=[on_time])
    )
    hdr, rsp = parse(reply)
    assert hdr.command_id == GC.Write_Attributes_rsp  # 0x02 is answered with 0x04
    assert [r.status for r in rsp.status_records] == [Status.SUCCESS]
    assert light.get(11, OnOff, "on_time") == 30

    assert (
        light.handle(
            general(
                light, 11, OnOff.cluster_id, GC.Write_Attributes_No_Response, attributes=[on_time]
            )
        )
        == []
    )

    (reply,) = light.handle(
        general(light, 11, Basic.cluster_id, GC.Write_Attributes, attributes=[model])
    )
    assert parse(reply)[1].status_records[0].status == Status.READ_ONLY

    zero = foundation.Attribute(0x4001, foundation.TypeValue(0x21, t.uint16_t(0)))
    light.handle(
        general(
            light, 11, OnOff.cluster_id, GC.Write_Attributes_Undivided, attributes=[zero, model]
        )
    )
    assert light.get(11, OnOff, "on_time") == 30, "undivided: nothing written if one fails"


def test_answers_are_never_answered(light) -> None:
    for cmd, kwargs in (
        (GC.Default_Response, {"command_id": 1, "status": Status.SUCCESS}),
        (GC.Report_Attributes, {"attribute_reports": []}),
        (GC.Read_Attributes_rsp, {"status_records": []}),
        (
            GC.Configure_Reporting_rsp,
            {
                "status_records": foundation.ConfigureReportingResponse(
                    [foundation.ConfigureReportingResponseRecord(status=Status.SUCCESS)]
                )
            },
        ),
    ):
        assert light.handle(general(light, 11, OnOff.cluster_id, cmd, **kwargs)) == []


def test_default_response_rules(light) -> None:
    (reply,) = light.handle(command(light, 11, OnOff.cluster_id, "off"))
    hdr, rsp = parse(reply)
    assert (
        hdr.command_id == GC.Default_Response
        and rsp.command_id == 0
        and rsp.status == Status.SUCCESS
    )
    assert light.handle(command(light, 11, OnOff.cluster_id, "on", ddr=True)) == []
    assert light.received[-1].command_name == "on"

    # Errors are reported even with disable_default_response; unknown ids are unsupported
    unknown = request(
        light, 11, OnOff.cluster_id, 0x99, foundation.CommandSchema(), general=False, ddr=True
    )
    (reply,) = light.handle(unknown)
    assert parse(reply)[1].status == Status.UNSUP_CLUSTER_COMMAND
    (reply,) = light.handle(
        general(light, 11, OnOff.cluster_id, GC.Write_Attributes_Structured, attributes=[])
    )
    assert parse(reply)[1].status == Status.UNSUP_GENERAL_COMMAND
    (reply,) = light.handle(
        general(light, 42, OnOff.cluster_id, GC.Read_Attributes, attribute_ids=[0])
    )
    assert reply.src_ep == 42 and parse(reply)[1].status == Status.UNSUPPORTED_CLUSTER
    (reply,) = light.handle(general(light, 11, 0x0402, GC.Read_Attributes, attribute_ids=[0]))
    assert parse(reply)[1].status == Status.UNSUPPORTED_CLUSTER


def test_groupcast_acts_silently_on_member_endpoints(light) -> None:
    light.handle(command(light, 11, Groups.cluster_id, "add", group_id=5, group_name="x"))
    packet = command(light, 11, OnOff.cluster_id, "off", dst=group_address(5))
    assert light.handle(packet) == []
    assert not light.get(11, OnOff, "on_off") and light.received[-1].group == 5
    light.handle(command(light, 11, OnOff.cluster_id, "on", dst=group_address(6)))
    assert not light.get(11, OnOff, "on_off"), "not a member of group 6"


def test_reporting_threshold_and_fresh_tsn(light) -> None:
    sensor = catalogue.climate_sensor(demo_ieee(11, 2), 0x8002)
    config = foundation.AttributeReportingConfig()
    config.direction, config.attrid, config.datatype = 0, 0, 0x29
    config.min_interval, config.max_interval, config.reportable_change = 0, 600, 50
    (reply,) = sensor.handle(
        general(sensor, 1, 0x0402, GC.Configure_Reporting, config_records=[config])
    )
    assert parse(reply)[1].status_records[0].status == Status.SUCCESS

    assert sensor.set_attribute(1, TemperatureMeasurement, "measured_value", 2170) == []  # +0.2 °C
    (first,) = sensor.set_attribute(1, TemperatureMeasurement, "measured_value", 2250)
    (second,) = sensor.report(1, TemperatureMeasurement, {"measured_value": 2250})
    (h1, r1), (h2, _) = parse(first), parse(second)
    assert r1.attribute_reports[0].value.value == 2250
    assert h1.direction == S2C and h1.frame_control.disable_default_response
    assert h2.tsn == (h1.tsn + 1) % 256
    assert first.dst == nwk_address(0x0000) and first.dst_ep == 1


def test_discover_attributes(light) -> None:
    (reply,) = light.handle(
        general(
            light,
            11,
            OnOff.cluster_id,
            GC.Discover_Attributes,
            start_attribute_id=0,
            max_attribute_ids=2,
        )
    )
    rsp = parse(reply)[1]
    assert not rsp.discovery_complete
    assert [r.attrid for r in rsp.attribute_info] == [0x0000, 0x4000]


def test_state_export_import_roundtrip(light) -> None:
    light.handle(command(light, 11, Groups.cluster_id, "add", group_id=9, group_name="Hall"))
    light.handle(command(light, 11, 0x0005, "store", group_id=9, scene_id=2))
    state = light.export_state()
    fresh = catalogue.extended_color_light(demo_ieee(11, 1), 0x8001)
    fresh.import_state(state)
    assert fresh.endpoints[11].groups == {9: "Hall"}
    assert set(fresh.endpoints[11].scenes) == {(9, 2)}
    assert fresh.export_state() == state


def test_devices_share_equal_initial_values_but_not_changes() -> None:
    a = catalogue.dimmable_light(demo_ieee(11, 2), 0x8002)
    b = catalogue.dimmable_light(demo_ieee(11, 3), 0x8003)
    assert a.get(None, Basic, "manufacturer") is b.get(None, Basic, "manufacturer")
    assert a.get(None, OnOff, "on_off") is b.get(None, OnOff, "on_off")
    assert a.ieee[-1] is b.ieee[-1]  # the octets of the addresses too (both 0x00)
    before = b.get(None, OnOff, "on_off")
    a.set_attribute(None, OnOff, "on_off", not before)
    assert b.get(None, OnOff, "on_off") == before != a.get(None, OnOff, "on_off")


def test_zdo_answers(light) -> None:
    def zdo(cmd: zdo_t.ZDOCmd, *args: Any, dst=None) -> list:
        packet = t.ZigbeePacket(
            src=nwk_address(0),
            src_ep=0,
            dst=dst or nwk_address(light.nwk),
            dst_ep=0,
            tsn=7,
            profile_id=0,
            cluster_id=cmd,
            data=t.SerializableBytes(zdo_frame(7, cmd, list(args))),
        )
        return [parse_zdo(r.cluster_id, r.data.serialize()) for r in light.handle(packet)]

    ((hdr, args),) = zdo(zdo_t.ZDOCmd.Simple_Desc_req, light.nwk, 5)
    assert hdr.tsn == 7 and args[0] == zdo_t.Status.NOT_ACTIVE
    ((_, args),) = zdo(zdo_t.ZDOCmd.Mgmt_Lqi_req, 0)
    assert args[0] == zdo_t.Status.SUCCESS and args[1].NeighborTableList == []
    dst = zdo_t.MultiAddress(
        addrmode=3, ieee=t.EUI64.convert("11:22:33:44:55:66:77:88"), endpoint=1
    )
    ((_, args),) = zdo(zdo_t.ZDOCmd.Bind_req, light.ieee, 11, 6, dst)
    assert args == [zdo_t.Status.SUCCESS] and len(light.bindings) == 1
    ((_, args),) = zdo(zdo_t.ZDOCmd.Unbind_req, light.ieee, 11, 6, dst)
    assert args == [zdo_t.Status.SUCCESS] and light.bindings == []
    broadcast = t.AddrModeAddress(addr_mode=t.AddrMode.Broadcast, address=0xFFFD)
    assert zdo(zdo_t.ZDOCmd.IEEE_addr_req, 0x1111, 0, 0, dst=broadcast) == []
    ((_, args),) = zdo(zdo_t.ZDOCmd.IEEE_addr_req, light.nwk, 0, 0, dst=broadcast)
    assert args[1] == light.ieee


async def test_network_routing_and_failures() -> None:
    received: list[t.ZigbeePacket] = []
    network = SimNetwork(uplink=received.append)
    lights = [catalogue.dimmable_light(demo_ieee(11, 10 + i), 0x8010 + i) for i in range(3)]
    for sim in lights:
        network.attach(sim)
    with pytest.raises(ValueError):
        network.add(catalogue.dimmable_light(demo_ieee(11, 99), 0x8010))  # NWK clash

    network.deliver(command(lights[0], 1, OnOff.cluster_id, "off"))
    assert received == [], "replies arrive on a later loop iteration"
    await asyncio.sleep(0)
    assert len(received) == 1 and received[0].src.address == 0x8010

    for sim in lights[:2]:
        sim.endpoints[1].groups[0x10] = ""
    network.deliver(command(lights[0], None, OnOff.cluster_id, "off", dst=group_address(0x10)))
    assert [s.get(1, OnOff, "on_off") for s in lights] == [False, False, True]
    assert lights[1].received[-1].group == 0x10

    with pytest.raises(zigpy.exceptions.DeliveryError):
        network.deliver(command(lights[0], 1, OnOff.cluster_id, "on", dst=nwk_address(0x4444)))
    lights[2].online = False
    with pytest.raises(zigpy.exceptions.DeliveryError) as exc:
        network.deliver(command(lights[2], 1, OnOff.cluster_id, "on"))
    assert exc.value.status == t.MACStatus.MAC_NO_ACK
    assert lights[2].received == []
    network.emit(lights[2].device_annce())  # powered off: it cannot transmit either
    await asyncio.sleep(0)
    assert len(received) == 1
