"""Supervisor settings

The ``supervisor`` module gives access to the CircuitPython supervisor: why the code is running,
the auto-reload setting, what runs next, the ``settings.toml`` file and the status bar.

On Protoboard the supervisor is the ``protoboard run`` process; each run of ``boot.py``,
``code.py`` or the REPL is a fresh VM process that reports changes back to it, so settings such
as ``supervisor.runtime.autoreload`` persist across soft reloads exactly as on a board.
"""

from __future__ import annotations

import os
import posixpath
import stat as _stat
import sys
from pathlib import Path
from typing import Any, TypeVar, cast

from protoboard import ticks as _ticks
from protoboard.bindings import _enum, _validate
from protoboard.runtime import settings as _settings
from protoboard.runtime import state as _state

_ConstantT = TypeVar("_ConstantT", bound=_enum.Constant)


def _context() -> _state.RunContext:
    return _state.current


class RunReason(_enum.Constant):
    """The reason that CircuitPython started running."""

    __slots__ = ()
    STARTUP: RunReason
    """CircuitPython started the microcontroller started up. See
    `microcontroller.Processor.reset_reason` for more detail on why the microcontroller was
    started."""
    AUTO_RELOAD: RunReason
    """CircuitPython restarted due to an external write to the filesystem."""
    SUPERVISOR_RELOAD: RunReason
    """CircuitPython restarted due to a call to `supervisor.reload()`."""
    REPL_RELOAD: RunReason
    """CircuitPython started due to the user typing CTRL-D in the REPL."""


_enum.define(
    RunReason, **{n: n for n in ("STARTUP", "AUTO_RELOAD", "SUPERVISOR_RELOAD", "REPL_RELOAD")}
)


class SafeModeReason(_enum.Constant):
    """The reason that CircuitPython went into safe mode."""

    __slots__ = ()
    NONE: SafeModeReason
    """CircuitPython is not in safe mode."""
    BROWNOUT: SafeModeReason
    """The microcontroller voltage dropped too low."""
    FLASH_WRITE_FAIL: SafeModeReason
    """Could not write to flash memory."""
    GC_ALLOC_OUTSIDE_VM: SafeModeReason
    """CircuitPython tried to allocate storage when its virtual machine was not running."""
    HARD_FAULT: SafeModeReason
    """The microcontroller detected a fault, such as an out-of-bounds memory write."""
    INTERRUPT_ERROR: SafeModeReason
    """Internal error related to interrupts."""
    NLR_JUMP_FAIL: SafeModeReason
    """An error occurred during exception handling, possibly due to memory corruption."""
    NO_CIRCUITPY: SafeModeReason
    """The CIRCUITPY drive was not available."""
    NO_HEAP: SafeModeReason
    """Heap storage was not present."""
    PROGRAMMATIC: SafeModeReason
    """The program entered safe mode using the `supervisor` module."""
    SDK_FATAL_ERROR: SafeModeReason
    """Third party firmware reported a fatal error."""
    STACK_OVERFLOW: SafeModeReason
    """The CircuitPython heap was corrupted because the stack was too small."""
    USB_BOOT_DEVICE_NOT_INTERFACE_ZERO: SafeModeReason
    """The USB HID boot device was not set up to be the first device, on interface #0."""
    USB_TOO_MANY_ENDPOINTS: SafeModeReason
    """USB devices need more endpoints than are available."""
    USB_TOO_MANY_INTERFACE_NAMES: SafeModeReason
    """USB devices specify too many interface names."""
    USER: SafeModeReason
    """The user pressed one or more buttons to enter safe mode. This safe mode does **not** cause
    ``safemode.py`` to be run, since its purpose is to prevent all user code from running. This
    allows errors in ``safemode.py`` to be corrected easily."""
    WATCHDOG: SafeModeReason
    """An internal watchdog timer expired."""


_enum.define(
    SafeModeReason,
    **{
        n: n
        for n in (
            "NONE",
            "BROWNOUT",
            "FLASH_WRITE_FAIL",
            "GC_ALLOC_OUTSIDE_VM",
            "HARD_FAULT",
            "INTERRUPT_ERROR",
            "NLR_JUMP_FAIL",
            "NO_CIRCUITPY",
            "NO_HEAP",
            "PROGRAMMATIC",
            "SDK_FATAL_ERROR",
            "STACK_OVERFLOW",
            "USB_BOOT_DEVICE_NOT_INTERFACE_ZERO",
            "USB_TOO_MANY_ENDPOINTS",
            "USB_TOO_MANY_INTERFACE_NAMES",
            "USER",
            "WATCHDOG",
        )
    },
)


def _member(cls: type[_ConstantT], name: str) -> _ConstantT | None:
    """``cp_enum_find``: the member named ``name``, or None when there is none."""
    member = getattr(cls, name, None)
    return member if isinstance(member, cls) else None


def _stdin_bytes_available() -> int:
    """Bytes waiting on the console input (file descriptor 0): ``FIONREAD`` on a terminal, pipe
    or socket, else whether ``select`` sees it readable; 0 for anything else."""
    try:
        mode = os.fstat(0).st_mode
    except (OSError, ValueError):
        return 0
    if not (_stat.S_ISCHR(mode) or _stat.S_ISFIFO(mode) or _stat.S_ISSOCK(mode)):
        return 0
    try:
        import array
        import fcntl
        import termios

        count = array.array("i", [0])
        fcntl.ioctl(0, termios.FIONREAD, count, True)
        return max(count[0], 0)
    except (ImportError, OSError, AttributeError):
        pass
    if sys.platform == "win32":
        try:
            import msvcrt

            return 1 if os.isatty(0) and msvcrt.kbhit() else 0
        except (ImportError, OSError):
            return 0
    try:
        import select

        readable, _w, _x = select.select([0], [], [], 0)
        return 1 if readable else 0
    except (OSError, ValueError):
        return 0


class Runtime:
    """Current status of runtime objects.

    Usage::

       import supervisor
       if supervisor.runtime.serial_connected:
           print("Hello World!")
    """

    __slots__ = ("_display",)
    #: (the run it was set in, the display)
    _display: tuple[_state.RunContext | None, Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> Runtime:
        """You cannot create an instance of `supervisor.Runtime`.
        Use `supervisor.runtime` to access the sole instance available."""
        raise _validate.cannot_create("supervisor.Runtime")

    @classmethod
    def _create(cls) -> Runtime:
        obj = object.__new__(cls)
        obj._display = (None, None)  # (the run it was set in, the display)
        return obj

    @property
    def usb_connected(self) -> bool:
        """Returns the USB enumeration status (read-only).

        On Protoboard: whether a host is attached to the runtime (the CIRCUITPY folder and the
        serial console are offered)."""
        return bool(_context().usb_connected)

    @property
    def serial_connected(self) -> bool:
        """Returns the USB serial communication status (read-only)."""
        return bool(_context().serial_connected)

    @property
    def serial_bytes_available(self) -> int:
        """Returns the number of bytes are available to read on the console serial input.
        Multiple console serial inputs may be in use at once, including
        USB, web workflow, BLE workflow, and/or UART.

        Allows for polling to see whether to call the built-in input() or wait. (read-only)

        On Protoboard this is the number of bytes waiting on the VM's standard input (the
        console): 0 when standard input is not a terminal, pipe or socket.

        Changed in version 9.1.0: Previously returned only ``True`` or ``False``.
        Since ``0`` acts as ``False``, ``if supervisor.runtime.serial_byes_available:``
        will still work.
        """
        return _stdin_bytes_available()

    @property
    def run_reason(self) -> RunReason:
        """Why CircuitPython started running this particular time (read-only)."""
        # None for a reason with no member, as on a board; typed as CircuitPython's stubs type it
        return cast(RunReason, _member(RunReason, _context().run_reason))

    @property
    def safe_mode_reason(self) -> SafeModeReason:
        """Why CircuitPython went into safe mode this particular time (read-only).

        ``None`` for a reason that has no member here, as on a board (a failing ``safemode.py``
        puts a board in safe mode for ``SAFE_MODE_SAFEMODE_PY_ERROR``, which
        `SafeModeReason` does not list)."""
        return cast(SafeModeReason, _member(SafeModeReason, _context().safe_mode_reason))

    @property
    def autoreload(self) -> bool:
        """Whether CircuitPython may autoreload based on workflow writes to the filesystem.

        The setting persists across soft reloads; a hard reset turns it back on."""
        return bool(_context().autoreload)

    @autoreload.setter
    def autoreload(self, enabled: Any) -> None:
        _context().remember(autoreload=bool(enabled))

    @property
    def ble_workflow(self) -> bool:
        """Enable/Disable ble workflow until a reset. This prevents BLE advertising outside of the
        VM and the services used for it.
        If ``CIRCUITPY_BLE_WORKFLOW=false`` is present in ``settings.toml``, setting
        `ble_workflow` to ``True`` has no effect.

        As in CircuitPython's code, setting it to ``True`` does not turn a disabled workflow back
        on: only a reset does."""
        return bool(_context().ble_workflow)

    @ble_workflow.setter
    def ble_workflow(self, enabled: Any) -> None:
        if not enabled:
            _context().remember(ble_workflow=False)
        # True: supervisor_bluetooth_enable_workflow() returns early when the workflow is
        # disabled (by the setting, at start-up or by a previous False), so nothing changes.

    @property
    def rgb_status_brightness(self) -> int:
        """Set brightness of status RGB LED from 0-255. This will take effect
        after the current code finishes and the status LED is used to show
        the finish state."""
        return int(_context().rgb_status_brightness)

    @rgb_status_brightness.setter
    def rgb_status_brightness(self, level: Any) -> None:
        value = _validate.int_range(level, 0, 255, "brightness")
        _context().remember(rgb_status_brightness=value)

    @property
    def display(self) -> Any:
        """The primary configured displayio display, if any.

        If the board has a display that is hard coded, or that was explicitly set
        in boot.py or code.py (including a previous run of code.py), it is
        available here until it is released with ``displayio.release_displays()``.

        If no display is configured, this property is `None`.

        Protoboard's boards have no built-in display yet: the value is what the program set
        during this run, else `None`."""
        context, display = self._display
        return display if context is _context() else None

    @display.setter
    def display(self, new_primary_display: Any) -> None:
        self._display = (_context(), new_primary_display)


class StatusBar:
    """Current status of runtime objects.

    Usage::

       import supervisor

       supervisor.status_bar.console = False
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> StatusBar:
        """You cannot create an instance of `supervisor.StatusBar`.
        Use `supervisor.status_bar` to access the sole instance available."""
        raise _validate.cannot_create("supervisor.StatusBar")

    @classmethod
    def _create(cls) -> StatusBar:
        return object.__new__(cls)

    @property
    def console(self) -> bool:
        """Whether status bar information is sent over the console (REPL) serial connection,
        using OSC terminal escape codes that change the terminal's title. Default is ``True``.
        If set to ``False``, status bar will be cleared and then disabled.
        May be set in ``boot.py`` or later. Persists across soft restarts.
        """
        return bool(_context().status_bar_console)

    @console.setter
    def console(self, enabled: Any) -> None:
        _context().remember(status_bar_console=bool(enabled))

    @property
    def display(self) -> bool:
        """Whether status bar information is displayed on the top line of the display.
        Default is ``True``. If set to ``False``, status bar will be cleared and then disabled.
        May be set in ``boot.py`` or later.  Persists across soft restarts.
        """
        return bool(_context().status_bar_display)

    @display.setter
    def display(self, enabled: Any) -> None:
        _context().remember(status_bar_display=bool(enabled))


runtime: Runtime = Runtime._create()
"""Runtime information, such as ``runtime.serial_connected``
(USB serial connection status).
This object is the sole instance of `supervisor.Runtime`."""

status_bar: StatusBar = StatusBar._create()
"""The status bar, shown on an attached display, and also sent to
an attached terminal via OSC escape codes over the REPL serial connection.
The status bar reports the current IP or BLE connection, what file is running,
the last exception name and location, and firmware version information.
This object is the sole instance of `supervisor.StatusBar`."""


def reload() -> None:
    """Reload the main Python code and run it (equivalent to hitting Ctrl-D at the REPL)."""
    from protoboard.runtime.messages import ReloadRequest

    _context().notify(ReloadRequest("SUPERVISOR_RELOAD"))
    raise _state.ReloadRequested("SUPERVISOR_RELOAD")


def _str_or_none(value: Any, name: str) -> str | None:
    """A str/bytes argument as text, None passed through, else CircuitPython's TypeError
    (``%q must be of type %q or %q, not %q``)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, str):
        return value
    return _validate.of_type_or_none(value, str, name)  # neither str, bytes nor None: raises


def _drive_path(path: str) -> Path:
    """A CircuitPython path (absolute, or relative to ``/``, the working directory a run starts
    in) as a host path in the drive (the process's working directory outside the runtime)."""
    drive = _context().drive
    relative = posixpath.normpath(posixpath.join("/", path)).lstrip("/")
    if drive is None:
        return Path(relative or ".")
    return Path(drive) / relative if relative else Path(drive)


def set_next_code_file(
    filename: str | None,
    *,
    working_directory: str | None = None,
    reload_on_success: bool = False,
    reload_on_error: bool = False,
    sticky_on_success: bool = False,
    sticky_on_error: bool = False,
    sticky_on_reload: bool = False,
) -> None:
    """Set what file to run on the next vm run.

    When not ``None``, the given ``filename`` is inserted at the front of the usual ['code.py',
    'main.py'] search sequence.

    The optional keyword arguments specify what happens after the specified file has run:

    ``sticky_on_…`` determine whether the newly set filename and options stay in effect: If
    True, further runs will continue to run that file (unless it says otherwise by calling
    ``set_next_code_filename()`` itself). If False, the settings will only affect one run and
    revert to the standard code.py/main.py afterwards.

    ``reload_on_…`` determine how to continue: If False, wait in the usual "Code done running.
    Waiting for reload. / Press any key to enter the REPL. Use CTRL-D to reload." state. If
    True, reload immediately as if CTRL-D was pressed.

    ``…_on_success`` take effect when the program runs to completion or calls ``sys.exit()``.

    ``…_on_error`` take effect when the program exits with an exception, including the
    KeyboardInterrupt caused by CTRL-C.

    ``…_on_reload`` take effect when the program is interrupted by files being written to the USB
    drive (auto-reload) or when it calls ``supervisor.reload()``.

    These settings are stored in RAM, not in persistent memory, and will therefore only affect
    soft reloads. Powering off or resetting the device will always revert to standard settings.

    When called multiple times in the same run, only the last call takes effect, replacing any
    settings made by previous ones. This is the main use of passing ``None`` as a filename: to
    reset to the standard search sequence.

    A ``filename`` (or ``working_directory``) that does not exist on **CIRCUITPY** raises
    ``ValueError: File not found`` (``ValueError: Invalid working_directory``)."""
    name = _str_or_none(filename, "filename")
    directory = _str_or_none(working_directory, "working_directory")
    if not _drive_path(name or "").exists():
        raise ValueError("File not found")
    if directory is not None and not _drive_path(directory).exists():
        raise _validate.invalid("working_directory")
    options = {
        "reload_on_success": bool(reload_on_success),
        "reload_on_error": bool(reload_on_error),
        "sticky_on_success": bool(sticky_on_success),
        "sticky_on_error": bool(sticky_on_error),
        "sticky_on_reload": bool(sticky_on_reload),
    }
    if not name and not any(options.values()):
        choice = _state.NextCodeFile()
    else:
        choice = _state.NextCodeFile(
            filename=name or None, working_directory=directory or None, **options
        )
    _context().remember(next_code=choice)


def ticks_ms() -> int:
    """Return the time in milliseconds since an unspecified reference point, wrapping after
    2**29ms.

    The value is initialized so that the first overflow occurs about 65
    seconds after power-on, making it feasible to check that your program
    works properly around an overflow.

    The wrap value was chosen so that it is always possible to add
    or subtract two `ticks_ms` values without overflow on a board without
    long ints (or without allocating any long integer objects, on boards with
    long ints).

    This ticks value comes from a low-accuracy clock internal to the
    microcontroller, just like `time.monotonic`.  Due to its low accuracy
    and the fact that it "wraps around" every few days, it is intended
    for working with short term events like advancing an LED animation,
    not for long term events like counting down the time until a holiday.

    Addition, subtraction, and comparison of ticks values can be done
    with routines like the following::

        _TICKS_PERIOD = const(1<<29)
        _TICKS_MAX = const(_TICKS_PERIOD-1)
        _TICKS_HALFPERIOD = const(_TICKS_PERIOD//2)

        def ticks_add(ticks, delta):
            "Add a delta to a base number of ticks, performing wraparound at 2**29ms."
            return (ticks + delta) % _TICKS_PERIOD

        def ticks_diff(ticks1, ticks2):
            "Compute the signed difference between two ticks values, assuming that they are within 2**28 ticks"
            diff = (ticks1 - ticks2) & _TICKS_MAX
            diff = ((diff + _TICKS_HALFPERIOD) & _TICKS_MAX) - _TICKS_HALFPERIOD
            return diff

        def ticks_less(ticks1, ticks2):
            "Return true iff ticks1 is less than ticks2, assuming that they are within 2**28 ticks"
            return ticks_diff(ticks1, ticks2) < 0
    """  # noqa: E501
    return _ticks.ticks_ms()


def get_previous_traceback() -> str | None:
    """If the last vm run ended with an exception (including the KeyboardInterrupt caused by
    CTRL-C), returns the traceback as a string.
    Otherwise, returns ``None``.

    An exception traceback is only preserved over a soft reload, a hard reset clears it.

    Only code (main or boot) runs are considered, not REPL runs."""
    text = _context().previous_traceback
    return text if text else None


def reset_terminal(x_pixels: int, y_pixels: int) -> None:
    """Reset the CircuitPython serial terminal with new dimensions.

    Needs ``displayio``, which Protoboard's boards do not have yet: raises
    ``NotImplementedError``, as on a board built without it."""
    raise NotImplementedError()


def _usb_string(value: Any, name: str) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        data = value.encode("utf-8")
    else:
        try:
            data = bytes(memoryview(value).cast("B"))
        except TypeError:
            raise TypeError("object with buffer protocol required") from None
    if len(data) > 126:
        raise ValueError(f"{name} length must be 0-126")
    return data


def set_usb_identification(
    manufacturer: str | None = None,
    product: str | None = None,
    vid: int = -1,
    pid: int = -1,
) -> None:
    """Override identification constants in the USB Device Descriptor.

    If passed, `manufacturer` and `product` must be ASCII strings (or buffers) of at most 126
    characters. Any omitted arguments will be left at their default values.

    This method must be called in boot.py to have any effect.

    Not available on boards without native USB support.

    On Protoboard the values are checked as on a board and, from ``boot.py``, handed to the
    supervisor (a ``UsbIdentification`` message); elsewhere the call has no effect, as
    on a board, where the USB descriptors are built once, after ``boot.py``."""
    vendor = _validate.int_range(vid, -1, (1 << 16) - 1, "vid")
    product_id = _validate.int_range(pid, -1, (1 << 16) - 1, "pid")
    maker = _usb_string(manufacturer, "manufacturer")
    name = _usb_string(product, "product")
    context = _context()
    if context.in_boot:
        from protoboard.runtime.messages import UsbIdentification

        context.notify(
            UsbIdentification(
                manufacturer=None if maker is None else maker.decode("utf-8", "replace"),
                product=None if name is None else name.decode("utf-8", "replace"),
                vid=vendor,
                pid=product_id,
            )
        )


def get_setting(key: str, default: object = None) -> int | float | str | bool:
    """
    Get and parse the value for the given ``key`` from the ``/settings.toml`` file.
    If ``key`` is not found or ``settings.toml`` is not present, return the ``default`` value.

    :param str key: The setting key to retrieve
    :return: The setting value as an ``int``, ``float``, ``str``, or ``bool`` depending on the
        value in the file

    :raises ValueError: If the value cannot be parsed as a valid TOML value.

    The value must be parseable as one of these types:

    - ``str``: Double-quoted string.
      The string may include Unicode characters, and ``\\u`` Unicode escapes. Backslash-escaped
      characters ``\\b``, ``\\r``, ``\\n``, ``\\t``, ``\\v``, ``\\f`` are also allowed.
    - ``int``: signed or unsigned integer.
    - ``bool``: lower-case ``true`` or ``false``.
      The values are returned as Python ``True`` or ``False`` values.
    - ``float``: signed or unsigned decimal number with a ``.`` or exponent, or ``inf``,
      ``nan``.

    Example::

        # settings.toml:
        WIDTH = 42
        color = "red"
        DEBUG = true
        RATIO = 1.5

        import supervisor
        print(supervisor.get_setting("WIDTH")) # prints 42
        print(supervisor.get_setting("color")) # prints 'red'
        print(supervisor.get_setting("DEBUG")) # prints True
        print(supervisor.get_setting("RATIO")) # prints 1.5
    """
    value: int | float | str | bool = _settings.get_setting(_context().drive, key, default)
    return value


_enum.publish(
    "supervisor",
    RunReason,
    SafeModeReason,
    Runtime,
    StatusBar,
    reload,
    set_next_code_file,
    ticks_ms,
    get_previous_traceback,
    reset_terminal,
    set_usb_identification,
    get_setting,
)
