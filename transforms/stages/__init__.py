"""Load stages: from the opened source to the decoded image and its plan (order: pipeline.py)."""
