"""What the conformance report covers: the modules, the stub distribution, board's common API."""

from __future__ import annotations

#: The modules checked, in report order.
MODULES: tuple[str, ...] = (
    "board",
    "microcontroller",
    "nvm",
    "digitalio",
    "busio",
    "analogio",
    "pwmio",
    "neopixel_write",
    "keypad",
    "rotaryio",
    "countio",
    "rainbowio",
    "rtc",
    "touchio",
    "fourwire",
    "i2cdisplaybus",
    "paralleldisplaybus",
    "busdisplay",
    "epaperdisplay",
    "framebufferio",
    "rgbmatrix",
    "displayio",
    "fontio",
    "terminalio",
    "vectorio",
    "bitmaptools",
    "pulseio",
    "onewireio",
    "bitbangio",
    "audiocore",
    "audioio",
    "audiopwmio",
    "audiobusio",
    "audiomixer",
    "audiomp3",
    "synthio",
    "adafruit_pixelbuf",
    "usb_hid",
    "usb_midi",
    "usb_cdc",
    "alarm",
    "hashlib",
    "msgpack",
    "wifi",
    "socketpool",
    "ipaddress",
    "mdns",
    "micropython",
    "supervisor",
    "storage",
    "sdcardio",
)

STUBS_DISTRIBUTION = "circuitpython-stubs"

#: ``board``'s names common to every board; everything else in a board module is per board.
COMMON_BOARD_API = frozenset({"board_id", "I2C", "SPI", "UART"})
