"""The daily board: the morning's targets, the evening's review, and the tasks both raise."""
