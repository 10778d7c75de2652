"""
WSGI config for config project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# The ~150,000 objects of a loaded Django (modules, models, URL patterns) live as long as
# the worker: freeze them out of the cyclic collector's full scans, and collect the
# youngest generation every 20,000 new containers instead of 700 (a page allocates a few
# thousand, most freed by reference counting before a collection would look at them).
# Measured in-process on the partner inbox: collector time 1.9-2.6 -> 1.0-1.1 ms a request.
gc.freeze()
gc.set_threshold(20_000, 10, 10)
