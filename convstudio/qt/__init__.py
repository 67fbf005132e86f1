"""The desktop app: everything that imports PySide6 or pyqtgraph lives under this package.

Entry point: `convstudio.qt.app.run_app(argv)`; the window is `convstudio.qt.main_window.MainWindow`.
"""
