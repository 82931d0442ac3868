"""ZIP bundles: agencies often send one archive of several extracts. Each member is landed as
its own file, fingerprinted by its own bytes, with the bundle in its lineage
(`bundle.zip!member.csv`). What could hurt the platform is refused, each member with its
reason: a nested archive, a path that leaves the bundle (`../`, absolute), an encrypted member,
or one that inflates beyond `MAX_MEMBER_BYTES` or `MAX_RATIO` times its packed size (a ZIP bomb).
Windows tools write Chinese member names in GB18030 without saying so; they are read as such.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from creditlake.readers import Refusal

ARCHIVES = {".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz"}
MAX_MEMBER_BYTES = 4 << 30  # platform policy: four times the largest extract seen (1M rows, 600 MB)
MAX_RATIO = 200  # platform policy: CSV compresses 5-20x; 200x is a bomb, not an extract
SEPARATOR = "!"


def is_bundle(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


def member_names(path: Path) -> list[str] | None:
    """The files in a bundle, in their order (folders left out); None when it is no readable ZIP."""
    try:
        with zipfile.ZipFile(path) as bundle:
            return [_name(info) for info in bundle.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError):
        return None


def read_member(path: Path, name: str) -> bytes:
    """A member's bytes, or a Refusal saying why it is not taken."""
    try:
        with zipfile.ZipFile(path) as bundle:
            info = next((i for i in bundle.infolist() if _name(i) == name), None)
            if info is None:
                raise Refusal("file_unreadable", f"{name!r} is not in the bundle")
            _check(info, name)
            return bundle.read(info)
    except (zipfile.BadZipFile, OSError, RuntimeError) as err:
        raise Refusal("file_unreadable", f"not a readable ZIP bundle ({err})") from err


def _check(info: zipfile.ZipInfo, name: str) -> None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and pure.parts[0].endswith(":")):
        raise Refusal("file_bundle_member", f"{name!r}: its path leaves the bundle")
    if pure.suffix.lower() in ARCHIVES:
        raise Refusal("file_bundle_member", f"{name!r}: an archive inside the bundle; send its files instead")
    if info.flag_bits & 0x1:
        raise Refusal("file_bundle_member", f"{name!r}: encrypted")
    if info.file_size > MAX_MEMBER_BYTES or info.file_size > MAX_RATIO * max(info.compress_size, 1 << 20):
        raise Refusal(
            "file_bundle_member",
            f"{name!r}: inflates to {info.file_size:,} bytes from {info.compress_size:,} (at most "
            f"{MAX_MEMBER_BYTES:,}, or {MAX_RATIO} times its packed size)",
        )


def _name(info: zipfile.ZipInfo) -> str:
    """The member's name as written: zipfile reads names without the UTF-8 flag as CP437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename
