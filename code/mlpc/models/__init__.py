"""Small, seeded, CPU-friendly neural networks of the course (import the submodule you need)."""
