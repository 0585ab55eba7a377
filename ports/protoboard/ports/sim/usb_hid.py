"""Simulated USB HID: reports go to the board's USB host part (a PC model) that decodes them."""

from __future__ import annotations

from protoboard.hal import usb_hid as hal
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.usbhost import board_host


class HidHost(hal.HidHost):
    def __init__(self, backend: Simulator, devices: tuple[hal.HidDevice, ...]) -> None:
        super().__init__(backend, devices)
        self._sim = backend

    def send_report(self, device: hal.HidDevice, report_id: int, report: bytes) -> None:
        board_host(self._sim).hid_report(device.usage_page, device.usage, report_id, report)

    def take_out_report(self, device: hal.HidDevice, report_id: int) -> bytes | None:
        return board_host(self._sim).take_out_report(report_id)
