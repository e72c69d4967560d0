"""The circulation desk: its screen (``screen.DeskScreen``), the staff login, and the panes of its tabs."""
