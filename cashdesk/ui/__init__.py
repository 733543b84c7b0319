"""The window (PySide6 only). Screens call services through the ops hub and get plain data back."""
