"""Contract for ``usb_hid``: HID reports between the board and the USB host.

The binding validates report ids and lengths; the port delivers IN reports (device to host) and
hands over OUT reports (host to device, such as a keyboard's LED states) the host sent.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


@dataclass(frozen=True)
class HidDevice:
    """One HID device as ``usb_hid.Device`` describes it (picklable, so boot.py's choice
    reaches the code run)."""

    report_descriptor: bytes
    usage_page: int
    usage: int
    report_ids: tuple[int, ...]
    in_report_lengths: tuple[int, ...]
    out_report_lengths: tuple[int, ...]

    def index_of(self, report_id: int) -> int:
        return self.report_ids.index(report_id)


class HidHost(Implementation):
    """One per board: the USB host's side of every enabled HID device."""

    def __init__(self, backend: Backend, devices: tuple[HidDevice, ...]) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def send_report(self, device: HidDevice, report_id: int, report: bytes) -> None:
        """Deliver one IN report; ``report`` has the length the device declares for it."""

    @abc.abstractmethod
    def take_out_report(self, device: HidDevice, report_id: int) -> bytes | None:
        """The OUT report the host sent since the last call, or None."""

    def deinit(self) -> None:
        """The host stays attached: nothing to release."""
