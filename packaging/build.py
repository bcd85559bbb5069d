"""Build Campaign Studio's installers from a source tree whose environment has the ``ui`` and
``package`` extras installed.

    python packaging/build.py bundle   # the PyInstaller one-folder bundle in build/bundle/
    python packaging/build.py deb      # the bundle, then dist/campaign-studio_<version>_<arch>.deb
    python packaging/build.py icons    # the PNG icons alone, in build/icons/

A folder of scripts, not a package: a top-level ``packaging`` package would shadow the
``packaging`` library that pip and setuptools import.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "packaging"
BUILD = ROOT / "build"
DIST = ROOT / "dist"
BUNDLE = BUILD / "bundle" / "campaign-studio"

NAME = "campaign-studio"
APP_ID = "org.campaignstudio.CampaignStudio"
INSTALL_DIR = Path("/opt") / NAME
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
DEBIAN_FFMPEG = "/usr/bin/ffmpeg"

DEPENDS = (
    # the Qt runtime libraries the bundled Qt and its platform plugins (xcb, wayland) load
    "libc6",
    "libstdc++6",
    "libglib2.0-0",
    "libegl1",
    "libgl1",
    "libopengl0",
    "libfontconfig1",
    "libfreetype6",
    "libdbus-1-3",
    "libx11-6",
    "libx11-xcb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-glx0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-render0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-xfixes0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libwayland-client0",
    "libwayland-cursor0",
    "libwayland-egl1",
    "fonts-dejavu-core",
    # the local video provider and the media inspector run it (IMAGEIO_FFMPEG_EXE)
    "ffmpeg",
)
"""The .deb's ``Depends:``: what a bare Debian 12 desktop may lack (checked by ldd in CI)."""


def version() -> str:
    """pyproject's ``version``: the one source of the version."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(project["project"]["version"])


def run(*command: str | Path, **kwargs: object) -> None:
    print("$", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], check=True, **kwargs)  # type: ignore[call-overload]  # noqa: S603


def folder_size(folder: Path) -> int:
    """Bytes of the files under ``folder``, a symbolic link counted as itself (as installed)."""
    return sum(
        path.lstat().st_size for path in folder.rglob("*") if path.is_file() or path.is_symlink()
    )


def build_bundle() -> Path:
    """The one-folder bundle, rebuilt from scratch; its self-test is the caller's."""
    started = time.monotonic()
    render_icons(BUILD / "icons")  # the Windows and macOS bundles' icon comes from these
    run(
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level=WARN",
        "--distpath",
        BUILD / "bundle",
        "--workpath",
        BUILD / "pyinstaller",
        HERE / f"{NAME}.spec",
        cwd=ROOT,
    )
    print(
        f"bundle: {BUNDLE} ({folder_size(BUNDLE) / 1e6:.0f} MB unpacked) "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return BUNDLE


def render_icons(folder: Path) -> dict[int, Path]:
    """PNGs of ``resources/icons/app.svg`` at every hicolor size, drawn by Qt's SVG renderer."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(ROOT / "resources" / "icons" / "app.svg"))
    if not renderer.isValid():
        raise SystemExit("resources/icons/app.svg cannot be read")
    folder.mkdir(parents=True, exist_ok=True)
    icons = {}
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = folder / f"{NAME}-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"cannot write {path}")
        icons[size] = path
    # Windows' installer and executable icon, every size in one file.
    from PIL import Image

    with Image.open(icons[256]) as largest:
        largest.save(folder / f"{NAME}.ico", sizes=[(s, s) for s in ICON_SIZES if s <= 256])
    return icons


def debian_architecture() -> str:
    out = subprocess.run(
        ["dpkg", "--print-architecture"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


LAUNCHER = f"""#!/bin/sh
# Campaign Studio: the bundle in {INSTALL_DIR}, rendering video with Debian's ffmpeg.
IMAGEIO_FFMPEG_EXE="${{IMAGEIO_FFMPEG_EXE:-{DEBIAN_FFMPEG}}}"
export IMAGEIO_FFMPEG_EXE
exec {INSTALL_DIR}/{NAME} "$@"
"""


def build_deb(bundle: Path) -> Path:
    """A zstd .deb of ``bundle``: under /opt, a command on the PATH, the menu entry, icons and
    AppStream metainfo; ``Depends:`` Debian's ffmpeg and the Qt runtime libraries."""
    ver = version()
    arch = debian_architecture()
    root = BUILD / "deb" / f"{NAME}_{ver}_{arch}"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(bundle, root / INSTALL_DIR.relative_to("/"), symlinks=True)

    command = root / "usr" / "bin" / NAME
    command.parent.mkdir(parents=True)
    command.write_text(LAUNCHER, encoding="utf-8")
    command.chmod(0o755)

    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(HERE / "linux" / f"{NAME}.desktop", share / "applications" / f"{NAME}.desktop")
    (share / "metainfo").mkdir(parents=True)
    metainfo = (HERE / "linux" / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    metainfo = metainfo.replace("@VERSION@", ver).replace(
        "@DATE@", datetime.date.today().isoformat()
    )
    (share / "metainfo" / f"{APP_ID}.metainfo.xml").write_text(metainfo, encoding="utf-8")
    hicolor = share / "icons" / "hicolor"
    for size, png in render_icons(BUILD / "icons").items():
        target = hicolor / f"{size}x{size}" / "apps" / f"{NAME}.png"
        target.parent.mkdir(parents=True)
        shutil.copy(png, target)
    scalable = hicolor / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "icons" / "app.svg", scalable)

    installed_kib = folder_size(root) // 1024
    control = root / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        f"Package: {NAME}\n"
        f"Version: {ver}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Campaign Studio maintainers <campaign-studio@localhost>\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: desktop studio for marketing campaign teams\n"
        " Plan campaign strategies, approve them, render images and videos, keep a\n"
        " shared library and schedule posts, alone or with a team.\n",
        encoding="utf-8",
    )
    # No maintainer scripts: Debian's icon cache and desktop database follow file triggers.
    DIST.mkdir(exist_ok=True)
    package = DIST / f"{NAME}_{ver}_{arch}.deb"
    run("dpkg-deb", "--root-owner-group", "-Zzstd", "--build", root, package)
    print(f"deb: {package} ({package.stat().st_size / 1e6:.0f} MB)", flush=True)
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=("bundle", "deb", "icons"))
    parser.add_argument(
        "--reuse-bundle", action="store_true", help="deb: package build/bundle as it is"
    )
    args = parser.parse_args(argv)
    if args.target == "icons":
        for path in render_icons(BUILD / "icons").values():
            print(path)
        return 0
    bundle = BUNDLE if args.reuse_bundle and BUNDLE.is_dir() else build_bundle()
    if args.target == "deb":
        build_deb(bundle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
