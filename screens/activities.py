"""Placeholder, replaced by the real pane."""

from textual.widgets import Static


class ActivitiesPane(Static):
    DEFAULT_CLASSES = "event-pane"

    def __init__(self, uri: str) -> None:
        super().__init__("Coming soon.")
        self.uri = uri

    def data_changed(self) -> None:
        pass
