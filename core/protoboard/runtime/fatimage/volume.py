"""What a FAT image holds, as :mod:`.reader` found it: geometry, files and folders."""

from __future__ import annotations

from dataclasses import dataclass, field

#: the lowest "end of chain" value of a FAT entry, per FAT type
END_OF_CHAIN = {12: 0xFF8, 16: 0xFFF8, 32: 0x0FFFFFF8}
#: the "bad cluster" value of a FAT entry, per FAT type
BAD_CLUSTER = {12: 0xFF7, 16: 0xFFF7, 32: 0x0FFFFFF7}


@dataclass(frozen=True)
class ImageFile:
    fat_path: str  # the path pyfatfs resolves (long names, or 8.3 names as stored)
    size: int
    fat_time: int  # DOS date << 16 | DOS time
    sha256: str
    extents: tuple[tuple[int, int], ...]  # (offset, length) in the raw image
    chain: tuple[int, ...]  # its clusters: those its size needs, and any lost ones after
    own_slots: int  # 32-byte entries its name takes in its folder

    @property
    def clusters(self) -> int:
        return len(self.chain)


@dataclass(frozen=True)
class ImageDir:
    fat_path: str
    chain: tuple[int, ...]  # its clusters (none for the fixed FAT12/16 root folder)
    slots: int  # 32-byte directory entries in use
    own_slots: int  # 32-byte entries its name takes in its parent

    @property
    def clusters(self) -> int:
        return len(self.chain)


@dataclass
class Volume:
    raw: bytes
    label: str
    fat_type: int
    cluster_size: int
    clusters: int
    free: int
    root_slots: int  # capacity of the fixed root folder (0 on FAT32)
    files: dict[str, ImageFile] = field(default_factory=dict)
    dirs: dict[str, ImageDir] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def content(self, entry: ImageFile) -> bytes:
        return b"".join(self.raw[offset : offset + length] for offset, length in entry.extents)

    def index(self) -> dict[str, str]:
        """Upper-cased path -> path, as FAT looks names up."""
        return {key.upper(): key for key in (*self.files, *self.dirs)}

    def below(self, top: str) -> list[str]:
        """``top`` and every path inside it, files and folders."""
        return [key for key in (*self.files, *self.dirs) if key == top or key.startswith(top + "/")]
