"""The leadership app's models, one module per sub-package."""
