"""PySide6 screens of the touch till."""

from caisse.ui.qt_fixes import install as _install_qt_fixes

_install_qt_fixes()
