"""A stand-in for a time web service on your computer, for programs that ask the internet the time.

It answers every ``GET`` with the JSON worldtimeapi.org gives (``datetime`` in local time with its
offset, ``utc_datetime``, ``unixtime``, ``utc_offset``, ``day_of_week`` with 0 = Sunday,
``day_of_year``, ``timezone``...), for a time you choose, so a test can check what a clock
shows. Used by the internet-clock tutorial's test and the docs build's preview of it::

    with TimeService("2026-12-24 18:30:05", utc_offset="+01:00") as service:
        run_code(..., env TIME_URL=service.url)

The time keeps running from the moment given (``frozen=True`` keeps it still).
"""

from __future__ import annotations

import datetime
import http.server
import json
import re
import threading
import time
from types import TracebackType
from typing import Any

_OFFSET = re.compile(r"^([+-])(\d\d):(\d\d)$")


class TimeService:
    """A local HTTP server answering with the time as worldtimeapi.org's JSON."""

    def __init__(
        self,
        when: str,
        *,
        utc_offset: str = "+00:00",
        timezone: str = "Etc/UTC",
        frozen: bool = False,
    ) -> None:
        match = _OFFSET.match(utc_offset)
        if match is None:
            raise ValueError(f"utc_offset is like '+01:00' or '-05:30', not {utc_offset!r}")
        sign = -1 if match.group(1) == "-" else 1
        self._offset = datetime.timedelta(
            hours=sign * int(match.group(2)), minutes=sign * int(match.group(3))
        )
        try:
            local = datetime.datetime.fromisoformat(when)
        except ValueError:
            raise ValueError(
                f"when is a date and time like '2026-12-24 18:30:05', not {when!r}"
            ) from None
        zone = datetime.timezone(self._offset)
        self._start = local.replace(tzinfo=zone)
        self._since = time.monotonic()
        self._utc_offset = utc_offset
        self._timezone = timezone
        self._frozen = frozen
        self.requests = 0
        self._server: http.server.ThreadingHTTPServer | None = None

    def now(self) -> datetime.datetime:
        """The service's local time now."""
        if self._frozen:
            return self._start
        return self._start + datetime.timedelta(seconds=time.monotonic() - self._since)

    def answer(self) -> dict[str, Any]:
        """The JSON the service sends."""
        local = self.now()
        utc = local.astimezone(datetime.UTC)
        return {
            "abbreviation": local.strftime("%Z") or self._utc_offset,
            "client_ip": "127.0.0.1",
            "datetime": local.isoformat(timespec="microseconds"),
            "day_of_week": local.isoweekday() % 7,
            "day_of_year": local.timetuple().tm_yday,
            "dst": False,
            "dst_from": None,
            "dst_offset": 0,
            "dst_until": None,
            "raw_offset": int(self._offset.total_seconds()),
            "timezone": self._timezone,
            "unixtime": int(utc.timestamp()),
            "utc_datetime": utc.isoformat(timespec="microseconds"),
            "utc_offset": self._utc_offset,
            "week_number": local.isocalendar()[1],
        }

    @property
    def url(self) -> str:
        """The address to ask, e.g. ``http://127.0.0.1:40123/api/ip``."""
        if self._server is None:
            raise RuntimeError("the time service is not running: use it in a with block")
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/ip"

    def start(self) -> TimeService:
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                service.requests += 1
                body = json.dumps(service.answer()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TimeService:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
