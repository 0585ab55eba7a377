"""What ``protoboard check`` reports: one finding per problem, with where and what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem: ``code`` names its kind (``syntax``, ``module``, ``dialect``, ``host-only``,
    ``library``, ``pin``) for editors; ``message`` says what is wrong, ``hint`` what to do."""

    file: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column + 1}"
        text = f"{where}: {self.severity}: {self.message}"
        return text + (f"\n    {self.hint}" if self.hint else "")
