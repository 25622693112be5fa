"""The output folder: made safe to empty, written only through here, archived, and scanned for secrets.

Emptying a folder someone typed on a command line is the one destructive thing the probe does, so it
refuses anything that looks like more than a previous probe's output: the file system root, the home
directory, a repository, an ancestor of the working directory, a folder with subfolders or foreign
files (the last two unless ``--force``, and even then only files are deleted, never folders).
"""

from __future__ import annotations

import re
import string
import tarfile
from pathlib import Path

from ..domain.redaction import fingerprint, redact
from ..errors import ProbeError

ARCHIVE = "qtickets_orders_debug.tar.gz"
_ARTIFACT = re.compile(
    r"^(step[0-9A-Za-z]+_[\w.-]+"
    r"|post_(filter|orders)_body\.json"
    r"|final_report\.md|README_TESTING\.md|support_ticket\.md"
    r"|probe\.log|probe_records\.json"
    r"|qtickets_orders_debug\.tar\.gz)$"
)


def is_artifact(name: str) -> bool:
    return bool(_ARTIFACT.match(name))


def check_out_dir(path: Path, *, force: bool) -> Path:
    """The resolved folder if it is safe to empty; raises ProbeError otherwise. Changes nothing."""
    target = path.expanduser().resolve()
    hint = "give a dedicated folder such as logs/qtickets_orders_debug"
    if target == Path(target.anchor) or target == Path.home().resolve():
        raise ProbeError(f"refusing to empty {target}: it is the root or the home directory", hint)
    if target in Path.cwd().resolve().parents or target == Path.cwd().resolve():
        raise ProbeError(f"refusing to empty {target}: it is the working directory or one of its parents", hint)
    if target.exists() and not target.is_dir():
        raise ProbeError(f"--out {target} exists and is not a folder", hint)
    if not target.exists():
        return target
    if (target / ".git").exists() or (target / "pyproject.toml").exists():
        raise ProbeError(f"refusing to empty {target}: it looks like a repository", hint)
    entries = sorted(target.iterdir())
    foreign = [entry.name for entry in entries if entry.is_dir() or not is_artifact(entry.name)]
    if foreign and not force:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise ProbeError(
            f"refusing to empty {target}: it holds files or folders the probe did not write ({shown})",
            "use an empty or dedicated folder, or pass --force to delete its files (folders are kept)",
        )
    return target


class OutDir:
    """Every artifact goes through ``write`` (or ``adopt`` for files written by a log handler)."""

    def __init__(self, path: Path, secrets: list[str]) -> None:
        self.path = path
        self._secrets = [s for s in secrets if s]
        self.written: list[str] = []

    @classmethod
    def prepare(cls, path: Path, secrets: list[str], *, force: bool) -> OutDir:
        target = check_out_dir(path, force=force)
        try:
            target.mkdir(parents=True, exist_ok=True)
            for entry in target.iterdir():
                if entry.is_file() or entry.is_symlink():
                    entry.unlink()
        except OSError as exc:
            raise ProbeError(
                f"--out {target} cannot be used: {exc.strerror or exc}", "check the path and rights"
            ) from None
        return cls(target, secrets)

    def file(self, name: str) -> Path:
        if "/" in name or not is_artifact(name):
            raise ValueError(f"not a probe artifact name: {name!r}")
        return self.path / name

    def write(self, name: str, text: str) -> Path:
        target = self.file(name)
        target.write_text(redact(text, self._secrets), encoding="utf-8")
        self.adopt(name)
        return target

    def adopt(self, name: str) -> None:
        if name not in self.written:
            self.written.append(name)

    def archive(self) -> Path:
        """``qtickets_orders_debug.tar.gz`` of every other artifact, inside the folder itself."""
        target = self.path / ARCHIVE
        with tarfile.open(target, "w:gz") as tar:
            for name in self.written:
                if name != ARCHIVE and (self.path / name).is_file():
                    tar.add(self.path / name, arcname=f"{self.path.name}/{name}", recursive=False)
        self.adopt(ARCHIVE)
        return target

    def scan(self) -> list[str]:
        """Where any secret (or the token's first characters) occurs in the folder or in the archive."""
        needles: list[tuple[bytes, str]] = []
        for secret in self._secrets:
            needles.append((secret.encode(), fingerprint(secret)))
            if len(secret) >= 16:
                # a hex token's first 8 characters could occur in hex data by chance; 12 cannot, in practice
                size = 12 if all(c in string.hexdigits for c in secret[:8]) else 8
                needles.append((secret[:size].encode(), f"first {size} characters of {fingerprint(secret)}"))
        found: list[str] = []
        for entry in sorted(self.path.iterdir()):
            if not entry.is_file():
                continue
            blobs = [(entry.name, entry.read_bytes())]
            if entry.name.endswith(".tar.gz"):
                blobs.extend((f"{entry.name}:{name}", data) for name, data in _members(entry))
            for where, data in blobs:
                found.extend(f"{label} in {where}" for needle, label in needles if needle in data)
        return found

    def wipe(self) -> None:
        for entry in self.path.iterdir():
            if entry.is_file() and is_artifact(entry.name):
                entry.unlink()
        self.written.clear()


def _members(archive: Path) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                out.append((member.name, handle.read()))
    return out


def read_archive(archive: Path) -> dict[str, bytes]:
    """Member name → content; for tests and for the report's list of what the archive holds."""
    return dict(_members(archive))


__all__ = ["ARCHIVE", "OutDir", "check_out_dir", "is_artifact", "read_archive"]
