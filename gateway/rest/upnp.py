"""`/description.xml`, the UPnP description deCONZ serves on its REST port.

Home Assistant's SSDP matcher for deCONZ needs `manufacturer` "Royal Philips Electronics"
and `manufacturerURL` "http://www.dresden-elektronik.de"; it takes the bridge id from
`serialNumber` (first 6 + last 6 hex of `bridgeid`) and host/port from where it fetched this.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.requests import Request

from gateway.app import config_view

TEMPLATE = """<?xml version="1.0" encoding="UTF-8" ?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<URLBase>http://{host}:{port}/</URLBase>
<device>
<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>
<friendlyName>{name} ({host})</friendlyName>
<manufacturer>Royal Philips Electronics</manufacturer>
<manufacturerURL>http://www.dresden-elektronik.de</manufacturerURL>
<modelDescription>zigbridge, a deCONZ-compatible Zigbee gateway</modelDescription>
<modelName>Philips hue bridge 2015</modelName>
<modelNumber>BSB002</modelNumber>
<modelURL>http://www.dresden-elektronik.de</modelURL>
<serialNumber>{serial}</serialNumber>
<UDN>uuid:{uuid}</UDN>
<presentationURL>index.html</presentationURL>
</device>
</root>
"""


def description_xml(gw, request: Request) -> str:
    server = request.scope.get("server") or ("127.0.0.1", 80)
    bridge = config_view.bridge_id(gw.network.ieee)
    return TEMPLATE.format(
        host=escape(str(server[0])),
        port=int(server[1]),
        name=escape(str(gw.config.get("name") or config_view.DEFAULT_NAME)),
        serial=bridge[:6] + bridge[-6:],
        uuid=escape(str(gw.config.get("uuid", ""))),
    )
