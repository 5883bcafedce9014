"""`caisse run`: start the touch till, choosing a Qt platform that works on this machine."""

from __future__ import annotations

import argparse
import ctypes.util
import logging
import os
import sys

from caisse.app.settings import default_data_dir, load_settings

logger = logging.getLogger(__name__)

VNC_PLATFORM = "vnc:size=1280x800:port=5900"

# The shared libraries Qt's xcb platform needs that a minimal Debian lacks, with their packages.
_XCB_LIBS = {
    "xcb-cursor": "libxcb-cursor0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-shape": "libxcb-shape0",
    "EGL": "libegl1",
    "fontconfig": "libfontconfig1",
    "GL": "libgl1",
}


def missing_xcb_packages() -> list[str]:
    """Debian packages to install for Qt's X11 platform, found by probing the libraries."""
    return [pkg for lib, pkg in _XCB_LIBS.items() if ctypes.util.find_library(lib) is None]


def choose_platform() -> tuple[str | None, str | None]:
    """The Qt platform to force (None = Qt's default) and a sentence to tell the user."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return None, None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return VNC_PLATFORM, (
            "Aucun écran détecté : la caisse est servie en VNC sur 127.0.0.1:5900 "
            "(ouvrez-la avec un client VNC)."
        )
    if sys.platform.startswith("linux") and not os.environ.get("WAYLAND_DISPLAY"):
        missing = missing_xcb_packages()
        if missing:
            return VNC_PLATFORM, (
                "Bibliothèques Qt manquantes pour l'affichage X11 : installez-les avec "
                f"« sudo apt-get install {' '.join(missing)} ». En attendant, la caisse est "
                "servie en VNC sur 127.0.0.1:5900."
            )
    return None, None


def run_till(args: argparse.Namespace) -> int:
    """Open the demo shop (with --demo) and start the Qt till."""
    data_dir = default_data_dir() if not args.data else __import__("pathlib").Path(args.data)
    settings = load_settings(data_dir)
    if args.demo:
        from caisse.app.demo import create_demo

        create_demo(settings)
    platform, message = choose_platform()
    if platform is not None:
        os.environ["QT_QPA_PLATFORM"] = platform
    if message:
        sys.stderr.write(message + "\n")
    from caisse.app.qt_main import start_gui

    return start_gui(settings, fullscreen=args.fullscreen, lang=args.lang, demo=bool(args.demo))
