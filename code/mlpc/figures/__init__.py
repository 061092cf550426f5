"""Figure helpers of the course: each returns a matplotlib Figure in the course style."""
