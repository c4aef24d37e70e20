"""A searchable two-column tree for nested metadata ({"name", "value", "children"} dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6 import QtWidgets


class DataTree(QtWidgets.QWidget):
    """Shows nested name/value nodes; the search box keeps matching nodes and their ancestors."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Search metadata…")
        self.search.setClearButtonEnabled(True)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderLabels(["Name", "Value"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        self.search.textChanged.connect(self.filter)

    def set_nodes(self, nodes: Sequence[dict[str, Any]]) -> None:
        self.tree.clear()
        for node in nodes:
            self.tree.addTopLevelItem(self._item(node))
        self.tree.expandToDepth(0)
        self.tree.resizeColumnToContents(0)
        if self.search.text():
            self.filter(self.search.text())

    def _item(self, node: dict[str, Any]) -> QtWidgets.QTreeWidgetItem:
        value = node.get("value")
        text = "" if value is None else str(value)
        item = QtWidgets.QTreeWidgetItem([str(node.get("name", "")), text[:2000]])
        item.setToolTip(1, text[:4000])
        for child in node.get("children") or ():
            item.addChild(self._item(child))
        return item

    def filter(self, text: str) -> None:
        needle = text.strip().lower()

        def visit(item: QtWidgets.QTreeWidgetItem) -> bool:
            own = not needle or needle in item.text(0).lower() or needle in item.text(1).lower()
            child_match = False
            for i in range(item.childCount()):
                child_match |= visit(item.child(i))
            visible = own or child_match
            item.setHidden(not visible)
            if needle and child_match:
                item.setExpanded(True)
            return visible

        for i in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(i))

    def visible_names(self) -> list[str]:
        """Names of all visible nodes (depth-first), for tests."""
        out: list[str] = []

        def walk(item: QtWidgets.QTreeWidgetItem) -> None:
            if not item.isHidden():
                out.append(item.text(0))
                for i in range(item.childCount()):
                    walk(item.child(i))

        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i))
        return out

