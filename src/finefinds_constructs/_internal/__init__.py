"""Helpers no user imports: validation, tagging, props merging, pinned availability zones."""
