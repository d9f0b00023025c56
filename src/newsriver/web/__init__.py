"""The HTTP side of newsriver: `web.app` builds the ASGI application.

Kept free of imports so that importing one part of the web layer (the UI, auth) never
drags in the composition root.
"""
