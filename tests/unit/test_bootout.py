"""boot_out.txt parsing (protoboard.updater.bootout): real boards' formats, Protoboard's, junk."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from protoboard.updater.bootout import BootOut, parse_boot_out, parse_version, read_boot_out

CP7 = (
    "Adafruit CircuitPython 7.3.3 on 2022-08-29; Raspberry Pi Pico with rp2040\r\n"
    "Board ID:raspberry_pi_pico\r\n"
)
CP8 = (
    "Adafruit CircuitPython 8.2.10 on 2024-02-14; Adafruit ItsyBitsy nRF52840 Express with "
    "nRF52840\r\nBoard ID:itsybitsy_nrf52840_express\r\nUID:1027F3CECE5BC1D4\r\n"
)
CP9_MAC = (
    "Adafruit CircuitPython 9.2.1 on 2024-11-20; "
    "Adafruit Feather ESP32-S3 TFT with ESP32S3\n"
    "Board ID:adafruit_feather_esp32s3_tft\nUID:C7FD1A8B2E3C\nMAC:F4:12:FA:41:5C:08\n"
    "boot.py output:\nHello from boot\nTraceback (most recent call last):\n"
    "  File \"boot.py\", line 2, in <module>\nNameError: name 'x' isn't defined\n"
)
PROTOBOARD = (
    "Protoboard 0.1.0 on 2026-11-21; Simulated Feather with SimChip\n"
    "Board ID:sim_feather\nUID:0123456789AB\n"
)


def test_cp7_two_lines():
    b = parse_boot_out(CP7)
    assert b.kind == "circuitpython" and b.version == Version("7.3.3") and b.major == 7
    assert (b.board_name, b.mcu, b.board_id, b.uid) == (
        "Raspberry Pi Pico",
        "rp2040",
        "raspberry_pi_pico",
        None,
    )
    assert b.build_date == "2022-08-29" and b.raw == CP7 and not b.truncated
    assert b.boot_py_output is None


def test_cp8_uid():
    b = parse_boot_out(CP8)
    assert b.major == 8 and b.uid == "1027F3CECE5BC1D4"
    assert b.board_name == "Adafruit ItsyBitsy nRF52840 Express" and b.mcu == "nRF52840"


def test_cp9_mac_and_boot_py_output():
    b = parse_boot_out(CP9_MAC)
    assert b.major == 9 and b.mac == "F4:12:FA:41:5C:08" and b.uid == "C7FD1A8B2E3C"
    assert b.board_id == "adafruit_feather_esp32s3_tft"
    assert b.boot_py_output.startswith("Hello from boot\nTraceback")
    assert b.boot_py_output.endswith("isn't defined")


def test_boot_py_output_cannot_fake_fields():
    text = CP7 + "boot.py output:\nBoard ID:evil\nUID:FAKE\n"
    b = parse_boot_out(text)
    assert b.board_id == "raspberry_pi_pico" and b.uid is None
    assert b.boot_py_output == "Board ID:evil\nUID:FAKE"


def test_protoboard():
    b = parse_boot_out(PROTOBOARD)
    assert b.kind == "protoboard" and b.version == Version("0.1.0") and b.major == 0
    assert (b.board_name, b.mcu, b.board_id, b.uid) == (
        "Simulated Feather",
        "SimChip",
        "sim_feather",
        "0123456789AB",
    )


def test_protoboard_as_the_drive_writes_it(tmp_path):
    """The banner and boot_out text Protoboard's runtime builds parse back."""
    from protoboard.runtime.drive import Drive  # noqa: F401  (module exists)
    from protoboard.version import __release_date__, __version__

    text = (
        f"Protoboard {__version__} on {__release_date__}; Board X with chip Y\n"
        "Board ID:board_x\nUID:00FF\n"
    )
    (tmp_path / "boot_out.txt").write_text(text)
    b = read_boot_out(tmp_path)
    assert b.kind == "protoboard" and str(b.version) == __version__
    assert (b.board_name, b.mcu) == ("Board X", "chip Y")


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("9.0.0", "9.0.0"),
        ("9.0.0-alpha.2", "9.0.0a2"),
        ("10.0.0-beta.1", "10.0.0b1"),
        ("10.0.0-rc.0", "10.0.0rc0"),
        ("9.0.0-alpha.2-12-gabc1234", "9.0.0a2.post12+gabc1234"),
        ("8.2.10-dirty", "8.2.10"),
        ("9.2.1-5-g0123abc-dirty", "9.2.1.post5+g0123abc"),
        ("1.2", "1.2"),
        ("9.2.1-alp", "9.2.1"),  # cut short
        ("10.", "10"),
        ("garbage", None),
        ("", None),
    ],
)
def test_versions(text, version):
    assert parse_version(text) == (Version(version) if version else None)


def test_prerelease_orders_before_release():
    assert parse_version("10.0.0-beta.1") < parse_version("10.0.0") < parse_version("10.0.1")
    assert parse_version("9.0.0-alpha.2-12-gabc") > parse_version("9.0.0-alpha.2")


def test_truncated():
    head = CP9_MAC.encode()[: 512 - 26].decode("utf-8", "replace")
    b = parse_boot_out(head + "[truncated due to length]\n")
    assert b.truncated and b.major == 9 and b.board_id == "adafruit_feather_esp32s3_tft"
    # cut in the middle of the first line: whatever is there is still read
    b = parse_boot_out("Adafruit CircuitPython 9.1.0 on 2024-0[truncated due to length]\n")
    assert b.truncated and b.major == 9 and b.board_name is None and b.build_date is None


def test_missing_lines_and_partial_first_line():
    b = parse_boot_out("Adafruit CircuitPython 8.0.5 on 2023-03-31; Some Board with chip")
    assert b.major == 8 and b.board_id is None and b.uid is None
    b = parse_boot_out("Adafruit CircuitPython 8.0.5")
    assert b.major == 8 and b.board_name is None and b.mcu is None
    b = parse_boot_out("Adafruit CircuitPython 8.0.5 on 2023-03-31; Board without chip\n")
    assert (b.board_name, b.mcu) == ("Board without chip", None)
    b = parse_boot_out("\n\nAdafruit CircuitPython 9.2.0 on 2024-10-28; B with C\nBoard ID:\n")
    assert b.major == 9 and b.board_id is None


def test_board_name_containing_with():
    b = parse_boot_out(
        "Adafruit CircuitPython 9.2.1 on 2024-11-20; Board with Display with esp32s3"
    )
    assert (b.board_name, b.mcu) == ("Board with Display", "esp32s3")


def test_crlf_cr_and_bom():
    b = parse_boot_out("\ufeff" + CP8.replace("\r\n", "\r"))
    assert b.major == 8 and b.uid == "1027F3CECE5BC1D4"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "MicroPython v1.22.0 on 2024-01-01; Raspberry Pi Pico with RP2040\n",
        "hello",
        "Adafruit CircuitPython\n",
        "\x00\xff" * 40,
        "Board ID:x\nUID:y\n",
    ],
)
def test_unknown(text):
    b = parse_boot_out(text)
    assert isinstance(b, BootOut)
    if b.kind == "unknown":
        assert b.version is None and b.major is None


def test_unknown_keeps_other_lines():
    b = parse_boot_out("Some Firmware 1.0\nBoard ID:feather\n")
    assert b.kind == "unknown" and b.major is None and b.board_id == "feather"


def test_unparsable_version_of_known_firmware():
    b = parse_boot_out("Adafruit CircuitPython weird-build on 2024-01-01; B with C\n")
    assert b.kind == "circuitpython" and b.version is None and b.major is None
    assert b.version_text == "weird-build" and b.board_name == "B"


def test_bytes_input():
    assert parse_boot_out(CP7.encode()).major == 7


def test_read_boot_out(tmp_path):
    assert read_boot_out(tmp_path) is None
    assert read_boot_out(tmp_path / "no-such-drive") is None
    (tmp_path / "boot_out.txt").write_bytes(CP8.encode() + b"\xff\xfe")
    assert read_boot_out(tmp_path).major == 8
    assert read_boot_out(str(tmp_path)).board_id == "itsybitsy_nrf52840_express"
    (tmp_path / "file").write_text("")
    assert read_boot_out(tmp_path / "file") is None


@given(st.text(max_size=600))
def test_never_raises(text):
    b = parse_boot_out(text)
    assert b.kind in ("circuitpython", "protoboard", "unknown")
    assert b.raw == text


@given(st.integers(0, len(CP9_MAC)))
def test_any_truncation_of_a_real_file(n):
    b = parse_boot_out(CP9_MAC[:n])
    if n >= len("Adafruit CircuitPython 9"):
        assert b.major == 9
