"""The kiosk's dialogs (modal screens): each answers with ``dismiss(result)``."""
