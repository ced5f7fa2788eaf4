"""The web viewer: a server-rendered FastAPI app over the archive (``redline serve``).

``app.create_app`` builds it from a :class:`~archive.config.Config`.  Every module of this
package that defines a module-level ``router`` (a FastAPI ``APIRouter``) is included by the
app; a module may also define ``enabled(config) -> bool`` to include its router only under some
settings (the admin pages exist only when ``admin_token`` is set).
"""
