"""ZCL foundation ("general") commands every simulated cluster answers.

Request → response ids are mapped explicitly (Write_Attributes 0x02 answers with 0x04, not
0x03). Responses, reports and Default_Response are never answered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zigpy.zcl import foundation

from . import behaviours
from .endpoint import Reporting, reporting_config_record
from .request import ZclRequest
from .zcl import type_value, typed

GC = foundation.GeneralCommand
Status = foundation.Status

# Frames that are answers themselves: a device never replies to them.
NOT_ANSWERED = frozenset(
    {cmd for cmd in GC if cmd.name.endswith("_rsp")} | {GC.Report_Attributes, GC.Default_Response}
)

Reply = tuple[GC, foundation.CommandSchema] | None
Handler = Callable[[ZclRequest, Any], Reply]


def _schema(command: GC) -> type[foundation.CommandSchema]:
    return foundation.GENERAL_COMMANDS[command].schema


def _attr(req: ZclRequest, attrid: int) -> foundation.ZCLAttributeDef | None:
    """The attribute if this cluster instance implements it (not merely if ZCL defines it)."""
    if attrid not in req.state.values:
        return None
    return req.cluster.attributes.get(attrid)


def _read_attributes(req: ZclRequest, args: Any) -> Reply:
    records = []
    for attrid in args.attribute_ids:
        attr = _attr(req, attrid)
        if attr is None:
            records.append(foundation.ReadAttributeRecord(attrid, Status.UNSUPPORTED_ATTRIBUTE))
            continue
        records.append(
            foundation.ReadAttributeRecord(
                attrid, Status.SUCCESS, type_value(attr, req.get(attrid))
            )
        )
    return GC.Read_Attributes_rsp, _schema(GC.Read_Attributes_rsp)(status_records=records)


def _check_write(req: ZclRequest, record: foundation.Attribute) -> Status:
    attr = _attr(req, record.attrid)
    if attr is None:
        return Status.UNSUPPORTED_ATTRIBUTE
    if not attr.access & foundation.ZCLAttributeAccess.Write:
        return Status.READ_ONLY
    if record.value.type != attr.zcl_type:
        return Status.INVALID_DATA_TYPE
    try:
        typed(attr, record.value.value)
    except (ValueError, TypeError):
        return Status.INVALID_VALUE
    return Status.SUCCESS


def _write(req: ZclRequest, records: list[foundation.Attribute], *, undivided: bool) -> list:
    statuses = [_check_write(req, record) for record in records]
    all_ok = all(status == Status.SUCCESS for status in statuses)
    for record, status in zip(records, statuses, strict=True):
        if status == Status.SUCCESS and (all_ok or not undivided):
            attr = req.cluster.attributes[record.attrid]
            req.set(attr.id, record.value.value)
            behaviours.attribute_written(req, attr)
    return [
        foundation.WriteAttributesStatusRecord(status=status, attrid=record.attrid)
        for record, status in zip(records, statuses, strict=True)
    ]


def _write_attributes(req: ZclRequest, args: Any) -> Reply:
    records = _write(req, args.attributes, undivided=False)
    return GC.Write_Attributes_rsp, _write_response(records)


def _write_attributes_undivided(req: ZclRequest, args: Any) -> Reply:
    records = _write(req, args.attributes, undivided=True)
    return GC.Write_Attributes_rsp, _write_response(records)


def _write_attributes_no_response(req: ZclRequest, args: Any) -> Reply:
    _write(req, args.attributes, undivided=False)
    return None


def _write_response(records: list) -> foundation.CommandSchema:
    return _schema(GC.Write_Attributes_rsp)(
        status_records=foundation.WriteAttributesResponse(records)
    )


def _configure_reporting(req: ZclRequest, args: Any) -> Reply:
    records = []
    for config in args.config_records:
        status = Status.SUCCESS
        if config.direction == foundation.ReportingDirection.SendReports:
            attr = _attr(req, config.attrid)
            if attr is None:
                status = Status.UNSUPPORTED_ATTRIBUTE
            elif config.datatype != attr.zcl_type:
                status = Status.INVALID_DATA_TYPE
            elif config.max_interval == 0xFFFF:
                req.state.reporting.pop(attr.id, None)  # 0xFFFF switches reporting off
            else:
                req.state.reporting[attr.id] = Reporting(
                    min_interval=config.min_interval,
                    max_interval=config.max_interval,
                    reportable_change=getattr(config, "reportable_change", None),
                    last_reported=req.get(attr.id),
                )
        records.append(
            foundation.ConfigureReportingResponseRecord(
                status=status, direction=config.direction, attrid=config.attrid
            )
        )
    return GC.Configure_Reporting_rsp, _schema(GC.Configure_Reporting_rsp)(
        status_records=foundation.ConfigureReportingResponse(records)
    )


def _read_reporting_configuration(req: ZclRequest, args: Any) -> Reply:
    configs = []
    for record in args.attribute_records:
        attr = _attr(req, record.attrid)
        reporting = req.state.reporting.get(record.attrid)
        if attr is None or reporting is None:
            config = foundation.AttributeReportingConfig()
            config.direction = foundation.ReportingDirection(record.direction)
            config.attrid = record.attrid
            status = Status.UNSUPPORTED_ATTRIBUTE if attr is None else Status.NOT_FOUND
        else:
            config = reporting_config_record(attr, reporting)
            status = Status.SUCCESS
        configs.append(foundation.AttributeReportingConfigWithStatus(status=status, config=config))
    return GC.Read_Reporting_Configuration_rsp, _schema(GC.Read_Reporting_Configuration_rsp)(
        attribute_configs=configs
    )


def _discovered(req: ZclRequest, start: int, count: int) -> tuple[bool, list]:
    ids = sorted(a for a in req.state.values if a >= start and a in req.cluster.attributes)
    return len(ids) <= count, [req.cluster.attributes[a] for a in ids[:count]]


def _discover_attributes(req: ZclRequest, args: Any) -> Reply:
    complete, attrs = _discovered(req, args.start_attribute_id, args.max_attribute_ids)
    return GC.Discover_Attributes_rsp, _schema(GC.Discover_Attributes_rsp)(
        discovery_complete=complete,
        attribute_info=[
            foundation.DiscoverAttributesResponseRecord(attrid=a.id, datatype=a.zcl_type)
            for a in attrs
        ],
    )


def _discover_attributes_extended(req: ZclRequest, args: Any) -> Reply:
    complete, attrs = _discovered(req, args.start_attribute_id, args.max_attribute_ids)
    access = foundation.ZCLAttributeAccess
    acl = foundation.AttributeAccessControl

    def control(attr: foundation.ZCLAttributeDef) -> foundation.AttributeAccessControl:
        bits = acl.READ
        if attr.access & access.Write:
            bits |= acl.WRITE
        if attr.access & access.Report:
            bits |= acl.REPORT
        return bits

    return GC.Discover_Attribute_Extended_rsp, _schema(GC.Discover_Attribute_Extended_rsp)(
        discovery_complete=complete,
        extended_attr_info=[
            foundation.DiscoverAttributesExtendedResponseRecord(
                attrid=a.id, datatype=a.zcl_type, acl=control(a)
            )
            for a in attrs
        ],
    )


def _discover_commands_received(req: ZclRequest, args: Any) -> Reply:
    ids = [i for i in behaviours.supported_command_ids(req) if i >= args.start_command_id]
    return GC.Discover_Commands_Received_rsp, _schema(GC.Discover_Commands_Received_rsp)(
        discovery_complete=len(ids) <= args.max_command_ids,
        command_ids=ids[: args.max_command_ids],
    )


HANDLERS: dict[GC, Handler] = {
    GC.Read_Attributes: _read_attributes,
    GC.Write_Attributes: _write_attributes,
    GC.Write_Attributes_Undivided: _write_attributes_undivided,
    GC.Write_Attributes_No_Response: _write_attributes_no_response,
    GC.Configure_Reporting: _configure_reporting,
    GC.Read_Reporting_Configuration: _read_reporting_configuration,
    GC.Discover_Attributes: _discover_attributes,
    GC.Discover_Attribute_Extended: _discover_attributes_extended,
    GC.Discover_Commands_Received: _discover_commands_received,
}
