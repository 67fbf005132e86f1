"""The desktop app: everything that imports PySide6 or pyqtgraph lives under this package.

Entry point: `convstudio.qt.app.launch.run_app(argv)`; the window is `convstudio.qt.app.main_window.MainWindow`.
"""
