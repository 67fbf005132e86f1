"""The main window: its menus, actions, files, dialogs, settings and status bar; `launch.run_app` starts the app."""
