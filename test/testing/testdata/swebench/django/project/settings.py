# The smallest settings Django's test runner accepts: one app, an in-memory SQLite database.
SECRET_KEY = "fixpoint-capture-only"
INSTALLED_APPS = ["shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
