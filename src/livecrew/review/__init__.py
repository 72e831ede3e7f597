"""The review after the show (復盤): figures, diagnosis, actions, scorecards, trends, cases, exports."""
