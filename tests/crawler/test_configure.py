"""The Scrapy settings a crawl runs with (crawler.configure)."""

from __future__ import annotations

import subprocess
import sys

from scrapy.settings import Settings
from scrapy.settings import default_settings as scrapy_defaults
from scrapy.utils.conf import build_component_list

from archive.config import Config
from crawler.configure import settings_for

REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"


def _extensions(settings: Settings) -> list[object]:
    return build_component_list(settings.getwithbase("EXTENSIONS"))


def test_scrapys_remote_control_server_is_not_among_the_extensions() -> None:
    assert REMOTE_CONTROL not in _extensions(Settings(settings_for(Config())))
    # the twin: Scrapy's own settings load it, when this Scrapy has it
    if REMOTE_CONTROL in getattr(scrapy_defaults, "EXTENSIONS_BASE", {}):
        assert REMOTE_CONTROL in _extensions(Settings())


def test_the_crawls_extensions_do_not_import_aiohttp() -> None:
    """Building the crawl's extensions (as a crawl does) leaves aiohttp unimported; Scrapy's
    own list imports it when it has the remote control (the twin)."""
    code = (
        "import sys\n"
        "from scrapy.settings import Settings\n"
        "from scrapy.utils.conf import build_component_list\n"
        "from scrapy.utils.misc import load_object\n"
        "from archive.config import Config\n"
        "from crawler.configure import settings_for\n"
        "own = sys.argv[1] == 'own'\n"
        "settings = Settings(settings_for(Config())) if own else Settings()\n"
        "for path in build_component_list(settings.getwithbase('EXTENSIONS')):\n"
        "    load_object(path)\n"
        "print('aiohttp' in sys.modules)\n"
    )

    def imports_aiohttp(which: str) -> bool:
        out = subprocess.run(
            [sys.executable, "-c", code, which], capture_output=True, text=True, check=True
        )
        return out.stdout.strip() == "True"

    assert not imports_aiohttp("own")
    if REMOTE_CONTROL in getattr(scrapy_defaults, "EXTENSIONS_BASE", {}):
        assert imports_aiohttp("scrapy")
