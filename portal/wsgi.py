"""The WSGI application gunicorn serves.

Once the application is loaded, every object made so far (Django's and the portal's modules, settings, the URL
configuration) lives as long as the worker. `gc.freeze()` moves them out of the cyclic garbage collector's
generations, so its full collections no longer walk them on every pass: at national scale a full collection
in the middle of a request paused it for 230-260 ms (issue 17). Reference counting still frees everything a
request makes; only the collector's scans of long-lived objects are saved.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
gc.collect()
gc.freeze()
