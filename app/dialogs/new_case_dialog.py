"""Ask for a new case's name and examiner."""

from __future__ import annotations

from PySide6 import QtWidgets


class NewCaseDialog(QtWidgets.QDialog):
    """Name (required) and examiner; OK stays disabled until the name has a letter or digit."""

    def __init__(self, examiner: str = "", parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New case")
        self.setObjectName("newCaseDialog")
        self.name_edit = QtWidgets.QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Harbour fire 2026-031")
        self.examiner_edit = QtWidgets.QLineEdit(examiner)
        self.examiner_edit.setPlaceholderText("shown in every report")
        hint = QtWidgets.QLabel("The case is a folder in TrueLens's data folder. Evidence files are only "
                                "hashed and read, never modified.")
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        form = QtWidgets.QFormLayout()
        form.addRow("Case name", self.name_edit)
        form.addRow("Examiner", self.examiner_edit)
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Create case")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._update_ok)
        self._update_ok()
        self.resize(420, self.sizeHint().height())

    def _update_ok(self) -> None:
        ok = any(ch.isalnum() for ch in self.name_edit.text())
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def values(self) -> tuple[str, str]:
        """(name, examiner), stripped."""
        return self.name_edit.text().strip(), self.examiner_edit.text().strip()
