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
    "Thermistor": "protoboard.ports.sim.parts.analog_sensors:Thermistor",
    "LightSensor": "protoboard.ports.sim.parts.analog_sensors:LightSensor",
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
    "ST7789": "protoboard.ports.sim.parts.mipi_dcs:ST7789",
    "ILI9341": "protoboard.ports.sim.parts.mipi_dcs:ILI9341",
    "ILI9341Parallel": "protoboard.ports.sim.parts.mipi_dcs:ILI9341Parallel",
    "HX8357": "protoboard.ports.sim.parts.mipi_dcs:HX8357",
    "ST7735R": "protoboard.ports.sim.parts.mipi_dcs:ST7735R",
    "SH1107": "protoboard.ports.sim.parts.sh1107:SH1107",
    "SH1107SPI": "protoboard.ports.sim.parts.sh1107:SH1107SPI",
    "SSD1680": "protoboard.ports.sim.parts.epaper:SSD1680",
    "RGBMatrixPanel": "protoboard.ports.sim.parts.ledmatrix:RGBMatrixPanel",
    "DVIMonitor": "protoboard.ports.sim.parts.dvi:DVIMonitor",
    "UC8151": "protoboard.ports.sim.parts.epaper:UC8151",
    "IL0373": "protoboard.ports.sim.parts.epaper:IL0373",
    "AccessPoint": "protoboard.ports.sim.parts.network:AccessPoint",
    "ESP32SPI": "protoboard.ports.sim.parts.airlift:ESP32SPI",
    "HCSR04": "protoboard.ports.sim.parts.hcsr04:HCSR04",
    "DHT22": "protoboard.ports.sim.parts.dht:DHT22",
    "DHT11": "protoboard.ports.sim.parts.dht:DHT11",
    "IRRemote": "protoboard.ports.sim.parts.irremote:IRRemote",
    "DS18B20": "protoboard.ports.sim.parts.ds18b20:DS18B20",
    "Speaker": "protoboard.ports.sim.parts.audio:Speaker",
    "I2SAmplifier": "protoboard.ports.sim.parts.audio:I2SAmplifier",
    "Microphone": "protoboard.ports.sim.parts.audio:Microphone",
    "I2SMicrophone": "protoboard.ports.sim.parts.audio:I2SMicrophone",
    "SDCard": "protoboard.ports.sim.parts.sdcard:SDCard",
    "UsbHost": "protoboard.ports.sim.parts.usbhost:UsbHost",
    "USBKeyboard": "protoboard.ports.sim.parts.usbdevices:USBKeyboard",
    "USBMouse": "protoboard.ports.sim.parts.usbdevices:USBMouse",
    "USBGamepad": "protoboard.ports.sim.parts.usbdevices:USBGamepad",
    "USBMIDIController": "protoboard.ports.sim.parts.usbdevices:USBMIDIController",
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
