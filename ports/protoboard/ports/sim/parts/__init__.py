"""The catalog of simulated parts, by type name (used by board files and ``sim.add``)."""

from __future__ import annotations

import inspect
import re
from typing import Any

from protoboard.ports.sim.parts.base import I2CPart, Part, RegisterI2CPart, SPIPart, UARTPart
from protoboard.ports.sim.parts.basic import LED, Button, NeoPixelStrip, Potentiometer, Servo

#: type name -> "module:Class", imported when first used
CATALOG: dict[str, str] = {
    "LED": "protoboard.ports.sim.parts.basic:LED",
    "Button": "protoboard.ports.sim.parts.basic:Button",
    "Potentiometer": "protoboard.ports.sim.parts.basic:Potentiometer",
    "Servo": "protoboard.ports.sim.parts.basic:Servo",
    "NeoPixelStrip": "protoboard.ports.sim.parts.basic:NeoPixelStrip",
    "BME280": "protoboard.ports.sim.parts.bme280:BME280",
    "LIS3DH": "protoboard.ports.sim.parts.lis3dh:LIS3DH",
    "SSD1306": "protoboard.ports.sim.parts.ssd1306:SSD1306",
    "BME280SPI": "protoboard.ports.sim.parts.bme280:BME280SPI",
    "LIS3DHSPI": "protoboard.ports.sim.parts.lis3dh:LIS3DHSPI",
    "SSD1306SPI": "protoboard.ports.sim.parts.ssd1306:SSD1306SPI",
    "RotaryEncoder": "protoboard.ports.sim.parts.encoder:RotaryEncoder",
    "KeyMatrixKeys": "protoboard.ports.sim.parts.keys:KeyMatrixKeys",
    "SerialLoopback": "protoboard.ports.sim.parts.serial:SerialLoopback",
    "Clock": "protoboard.ports.sim.parts.clock:Clock",
    "TouchPad": "protoboard.ports.sim.parts.touch:TouchPad",
    "Speaker": "protoboard.ports.sim.parts.audio:Speaker",
    "I2SAmplifier": "protoboard.ports.sim.parts.audio:I2SAmplifier",
    "Microphone": "protoboard.ports.sim.parts.audio:Microphone",
    "SDCard": "protoboard.ports.sim.parts.sdcard:SDCard",
    "UsbHost": "protoboard.ports.sim.parts.usbhost:UsbHost",
}


def part_class(type_name: str) -> type[Part]:
    from protoboard.registry import load_ref

    try:
        return load_ref(CATALOG[type_name])
    except KeyError:
        known = ", ".join(sorted(CATALOG))
        raise ValueError(f"unknown part type '{type_name}' (known parts: {known})") from None


def summary(type_name: str) -> str:
    """The first sentence of a part's description, in plain words (no reST markup), for lists
    such as ``protoboard parts``."""
    doc = inspect.getdoc(part_class(type_name)) or ""
    text = " ".join(doc.split("\n\n")[0].split())
    text = re.sub(r":\w+:`~?(?:[\w.]*\.)?([^`]+)`", r"\1", text)  # :class:`~a.B` -> B
    text = re.sub(r"``([^`]+)``|\*([^*]+)\*", lambda m: m.group(1) or m.group(2), text)
    end = re.search(r"(?<=[.!?])\s(?=[A-Z(])", text)
    return text[: end.start()] if end else text


def create(type_name: str, **options: Any) -> Part:
    return part_class(type_name)(**options)


__all__ = [
    "CATALOG",
    "LED",
    "Button",
    "I2CPart",
    "NeoPixelStrip",
    "Part",
    "Potentiometer",
    "RegisterI2CPart",
    "SPIPart",
    "Servo",
    "UARTPart",
    "create",
    "part_class",
    "summary",
]
