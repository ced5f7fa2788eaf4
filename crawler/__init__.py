"""The Scrapy project: fetches tracked URLs and writes every capture through ``archive``.

Layering: imports ``archive``; never ``scheduler``.
"""
