"""Template tags of the pages every app shares."""
