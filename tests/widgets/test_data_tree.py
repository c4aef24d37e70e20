from widgets.data_tree import DataTree

NODES = [
    {"name": "EXIF", "value": None, "children": [
        {"name": "Make", "value": "Canon", "children": []},
        {"name": "GPS", "value": None, "children": [{"name": "Latitude", "value": "48.8584", "children": []}]},
    ]},
    {"name": "XMP", "value": None, "children": [{"name": "CreatorTool", "value": "Adobe Photoshop", "children": []}]},
]


def test_search_keeps_matches_and_ancestors(qtbot):
    tree = DataTree()
    qtbot.addWidget(tree)
    tree.set_nodes(NODES)
    assert "Latitude" in tree.visible_names()
    tree.search.setText("photoshop")
    assert tree.visible_names() == ["XMP", "CreatorTool"]
    tree.search.setText("48.85")
    assert tree.visible_names() == ["EXIF", "GPS", "Latitude"]
    tree.search.setText("")
    assert len(tree.visible_names()) == 6
