"""The Settings dialog's pages: the fields, their inline errors and the values they hold."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.viewmodels.notifications import KINDS
from ui.viewmodels.settings import (
    IMAGE_PROVIDERS,
    PROVIDER_KEYS,
    STORAGE_KEYS,
    VIDEO_PROVIDERS,
    SettingsValues,
)
from ui.widgets.theme import THEME_MODES

PAGES = (
    "Database",
    "Media storage",
    "Providers",
    "Webhook relay",
    "Profile",
    "Appearance",
    "Notifications",
)


class SettingsPages(QStackedWidget):
    """One page per entry of :data:`PAGES`, in that order; secrets in password fields.

    Signals:
        edited(): a field that is validated changed.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.errors: dict[str, QLabel] = {}
        self.secret_edits: dict[str, QLineEdit] = {}
        self._saved_secrets: set[str] = set()
        self.addWidget(self._database_page())
        self.addWidget(self._storage_page())
        self.addWidget(self._providers_page())
        self.addWidget(self._relay_page())
        self.addWidget(self._profile_page())
        self.addWidget(self._appearance_page())
        self.addWidget(self._notifications_page())
        for edit in (self.uri_edit, self.database_edit, self.port_edit, self.public_url_edit):
            edit.textChanged.connect(self.edited)
        for edit in (self.endpoint_edit, self.bucket_edit, self.public_base_edit):
            edit.textChanged.connect(self.edited)
        self.storage_box.currentIndexChanged.connect(self._on_storage_box_changed)
        self._on_storage_box_changed()

    def _database_page(self) -> QWidget:
        self.uri_edit = _edit("MongoDB address", "empty: this computer's own database")
        self.database_edit = _edit("Database name")
        self.test_database_button = _button("Test connection", "Test database connection")
        self.database_result = wrapped_label()
        self.database_result.setAccessibleName("Database test result")
        return self._page(
            "Where campaigns are kept. A MongoDB address with a password is saved in the "
            "OS keyring, never in the config file.",
            [
                ("MongoDB &URI", self.uri_edit, "mongodb_uri"),
                ("Database &name", self.database_edit, "mongodb_database"),
            ],
            [self.test_database_button, self.database_result],
        )

    def _storage_page(self) -> QWidget:
        self.storage_box = QComboBox()
        self.storage_box.setAccessibleName("Media storage")
        self.storage_box.addItem("This computer", "local")
        self.storage_box.addItem("Cloudflare R2", "r2")
        self.endpoint_edit = _edit("R2 endpoint", "https://<account>.r2.cloudflarestorage.com")
        self.bucket_edit = _edit("R2 bucket")
        self.public_base_edit = _edit("R2 public address", "optional")
        self.test_storage_button = _button("Test storage", "Test media storage")
        self.storage_result = wrapped_label()
        self.storage_result.setAccessibleName("Storage test result")
        rows = [
            ("&Storage", self.storage_box, "blob_store"),
            ("&Endpoint", self.endpoint_edit, "r2_endpoint_url"),
            ("&Bucket", self.bucket_edit, "r2_bucket"),
            ("&Public address", self.public_base_edit, "r2_public_base_url"),
        ]
        rows += [
            (label, self._secret_edit(name, label), name) for name, label in STORAGE_KEYS.items()
        ]
        return self._page(
            "Rendered and uploaded media.",
            rows,
            [self.test_storage_button, self.storage_result],
        )

    def _providers_page(self) -> QWidget:
        self.image_provider_box = _combo("Default image provider", IMAGE_PROVIDERS)
        self.video_provider_box = _combo("Default video provider", VIDEO_PROVIDERS)
        rows = [
            ("&Images", self.image_provider_box, "default_image_provider"),
            ("&Videos", self.video_provider_box, "default_video_provider"),
        ]
        rows += [
            (label, self._secret_edit(name, label), name) for name, label in PROVIDER_KEYS.items()
        ]
        return self._page("Keys are saved in the OS keyring. Empty: keep the saved key.", rows)

    def _relay_page(self) -> QWidget:
        self.relay_box = QCheckBox("Receive provider webhooks")
        self.relay_box.setAccessibleName("Webhook relay")
        self.port_edit = _edit("Webhook port", "0: any free port")
        self.public_url_edit = _edit("Public webhook address", "https://…")
        return self._page(
            "Lets render providers call back instead of being polled.",
            [
                ("", self.relay_box, "webhook_relay"),
                ("&Port", self.port_edit, "webhook_port"),
                ("Public &URL", self.public_url_edit, "public_webhook_url"),
            ],
        )

    def _profile_page(self) -> QWidget:
        self.display_name_edit = _edit("Display name", "how teammates see you")
        return self._page(
            "Shown to your teammates in every workspace.",
            [("&Display name", self.display_name_edit, "display_name")],
        )

    def _appearance_page(self) -> QWidget:
        self.appearance_box = QComboBox()
        self.appearance_box.setAccessibleName("Appearance")
        for mode in THEME_MODES:
            self.appearance_box.addItem(mode.capitalize(), mode)
        return self._page("Applies at once.", [("&Theme", self.appearance_box, "appearance")])

    def _notifications_page(self) -> QWidget:
        self.notification_boxes: dict[str, QCheckBox] = {}
        rows = []
        for kind, title in KINDS.items():
            box = QCheckBox("Tell me")
            box.setAccessibleName(f"{title} notifications")
            self.notification_boxes[kind] = box
            rows.append((title, box, f"notifications.{kind}"))
        intro = (
            "Desktop notifications (the system tray, or a note in the window's corner) when "
            "someone else changes an approval, and when publishing finishes. A click opens it."
        )
        return self._page(intro, rows)

    def _page(
        self,
        intro: str,
        rows: list[tuple[str, QWidget, str]],
        extra: list[QWidget] | None = None,
    ) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(wrapped_label(intro, error=False))
        for label, widget, name in rows:
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(widget)
            self.errors[name] = wrapped_label()
            column.addWidget(self.errors[name])
            form.addRow(label, cell)
        if extra:
            row = QHBoxLayout()
            for widget in extra:
                row.addWidget(widget, 1 if isinstance(widget, QLabel) else 0)
            form.addRow(row)
        return page

    def _secret_edit(self, name: str, label: str) -> QLineEdit:
        edit = _edit(label)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edits[name] = edit
        return edit

    def show_values(self, values: SettingsValues) -> None:
        """Show ``values``; key fields are emptied and say whether a key is saved."""
        self._saved_secrets = set(values.saved_secrets)
        self.uri_edit.setText(values.mongodb_uri)
        self.database_edit.setText(values.mongodb_database)
        self.storage_box.setCurrentIndex(max(0, self.storage_box.findData(values.blob_store)))
        self.endpoint_edit.setText(values.r2_endpoint_url)
        self.bucket_edit.setText(values.r2_bucket)
        self.public_base_edit.setText(values.r2_public_base_url)
        self.image_provider_box.setCurrentText(values.default_image_provider)
        self.video_provider_box.setCurrentText(values.default_video_provider)
        self.relay_box.setChecked(values.webhook_relay)
        self.port_edit.setText(str(values.webhook_port))
        self.public_url_edit.setText(values.public_webhook_url)
        self.display_name_edit.setText(values.display_name)
        self.appearance_box.setCurrentIndex(max(0, self.appearance_box.findData(values.appearance)))
        for kind, box in self.notification_boxes.items():
            box.setChecked(values.notifications.get(kind, True))
        for name, edit in self.secret_edits.items():
            edit.clear()
            saved = name in values.saved_secrets
            edit.setPlaceholderText("saved in keyring" if saved else "not set")

    def values(self) -> SettingsValues | None:
        """The values typed, or None when the port is not a number."""
        try:
            port = int(self.port_edit.text().strip())
        except ValueError:
            return None
        return SettingsValues(
            mongodb_uri=self.uri_edit.text().strip(),
            mongodb_database=self.database_edit.text().strip(),
            blob_store=str(self.storage_box.currentData()),
            r2_endpoint_url=self.endpoint_edit.text().strip(),
            r2_bucket=self.bucket_edit.text().strip(),
            r2_public_base_url=self.public_base_edit.text().strip(),
            default_image_provider=self.image_provider_box.currentText().strip(),
            default_video_provider=self.video_provider_box.currentText().strip(),
            webhook_relay=self.relay_box.isChecked(),
            webhook_port=port,
            public_webhook_url=self.public_url_edit.text().strip(),
            display_name=self.display_name_edit.text().strip(),
            appearance=str(self.appearance_box.currentData()),
            notifications={kind: box.isChecked() for kind, box in self.notification_boxes.items()},
            saved_secrets=set(self._saved_secrets),
        )

    def secrets(self) -> dict[str, str]:
        """The keys typed (empty: keep the saved one)."""
        return {name: edit.text() for name, edit in self.secret_edits.items()}

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show each message beside its field; hide the others."""
        for name, label in self.errors.items():
            label.setText(errors.get(name, ""))
            label.setVisible(name in errors)

    def _on_storage_box_changed(self) -> None:
        r2 = self.storage_box.currentData() == "r2"
        for edit in (self.endpoint_edit, self.bucket_edit, self.public_base_edit):
            edit.setEnabled(r2)
        for name in STORAGE_KEYS:
            self.secret_edits[name].setEnabled(r2)


def wrapped_label(text: str = "", error: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if error:
        label.hide()
    return label


def _edit(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    return button


def _combo(name: str, items: tuple[str, ...]) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    box.setEditable(True)
    box.addItems(items)
    return box
