"""The web portal and the REST API (`lvzhi serve`)."""
from .app import app_from_environment, create_app

__all__ = ["create_app", "app_from_environment"]
