"""Japanese is the first language: every user-facing string must have its translation."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from madoguchi.testing.servers import require_binary

PACKAGE = Path(__file__).resolve().parents[2]


def _untranslated(po_text: str) -> list[str]:
    missing = []
    for block in po_text.split("\n\n"):
        if "msgid " not in block or 'msgid ""\nmsgstr ""\n"Project-Id' in block:
            continue
        if re.search(r"^#~ msgid ", block, flags=re.M):
            continue  # obsolete: makemessages keeps strings the code no longer uses
        if "#, fuzzy" in block:
            missing.append(block)
            continue
        translations = re.findall(r'^msgstr(?:\[\d+\])? ((?:".*"\n?)+)', block, flags=re.M)
        if not translations or any(t.replace('"', "").strip() == "" for t in translations):
            missing.append(block)
    return missing


def test_every_user_facing_string_has_a_japanese_translation(tmp_path: Path) -> None:
    require_binary("xgettext", package="gettext")
    copy = tmp_path / "madoguchi"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))

    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ja", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        # Import the copy, so that its LOCALE_PATHS (not the real catalogue) are written to.
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "madoguchi.settings.test",
            "PYTHONPATH": str(tmp_path),
        },
    )

    po = (copy / "locale" / "ja" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    missing = _untranslated(po)
    assert not missing, "untranslated (run `make messages` and translate):\n\n" + "\n\n".join(
        missing
    )


def test_the_compiled_catalogue_matches_the_translations(tmp_path: Path) -> None:
    require_binary("msgfmt", package="gettext")
    messages = PACKAGE / "locale" / "ja" / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(messages / "django.po")], check=True)

    with (messages / "django.mo").open("rb") as shipped, fresh.open("rb") as compiled:
        shipped_catalog = gettext.GNUTranslations(shipped)._catalog  # type: ignore[attr-defined]
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]

    assert shipped_catalog == compiled_catalog, "run `make messages` to recompile django.mo"


def test_an_empty_translation_is_reported() -> None:
    po = 'msgid "Next"\nmsgstr ""\n\nmsgid "Back"\nmsgstr "戻る"\n'

    assert _untranslated(po) == ['msgid "Next"\nmsgstr ""']


# Japanese written in Python code never reaches the catalogue: UI text is an English msgid
# with the Japanese in django.po. What may stay is data and formats, each with its reason.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_NOT_UI = ("tests", "migrations", "simulators", "demo", "e2e", "testing", "devidp")
_DATA_MODULES = {
    "jp": "era names, prefectures, kana tables and postal data are data, not UI",
}
_ALLOWED: dict[str, set[str]] = {
    # The receipt's 和暦 date and time are a legal format, the PDF's title and the test seal
    # certificate's name are document data, the CLI's help names the document it checks.
    "documents/services.py": {"時", "分", "年", "月", "日 ", "（日本時間）"},
    "documents/constants.py": {"Madoguchi受付証"},
    "documents/seal.py": {" 公印（試験用）"},
    "documents/management/commands/verify.py": {"check a receipt PDF (受付証)"},
    # Excel number formats for 和暦 dates.
    # The treasury's reconciliation files (消込) have fixed Japanese column and sheet names,
    # whatever the page's language: the 会計課's systems read them by name.
    "exports/payment_services.py": {
        "領収書番号",
        "受付番号",
        "手続",
        "担当課",
        "金額",
        "手数料(決済)",
        "入金額",
        "決済方法",
        "決済事業者参照",
        "支払日時",
        "返金日時",
        "区分",
        "集計",
        "項目",
        "件数",
        "入金件数",
        "返金件数",
        "区分別",
        "合計",
        "日別",
        "手続別",
        "明細",
    },
    # The monthly volumes' CSV (catalog.volumes) has fixed Japanese column names, and the short
    # Japanese channel names back-office exports use are data matched on import.
    "catalog/volumes.py": {
        "手続ID",
        "年月",
        "経路",
        "件数",
        "オンライン",
        "電子申請",
        "国のオンラインサービス",
        "ぴったりサービス",
        "マイナポータル",
        "郵送(web)",
        "郵送(web作成)",
        "窓口(事前登録)",
        "窓口(紙)",
        "窓口",
        "郵送(紙)",
        "郵送",
    },
    # The hearing sheet (ヒアリングシート) has fixed Japanese column headers and values, whatever
    # the page's language: departments fill it in and their spreadsheets read it by name.
    "catalog/hearing_sheet.py": {
        "Madoguchiフォーム",
        "あり",
        "なし",
        "ぴったりサービス",
        "オンライン",
        "不要",
        "両方",
        "個人",
        "個人・法人",
        "国のオンラインサービス",
        "存続",
        "対象",
        "対象/対象外",
        "対象外",
        "対象外の理由",
        "年間件数",
        "廃止",
        "必要",
        "手続ID",
        "手続の方法",
        "手続名",
        "押印",
        "押印見直し",
        "担当課コード",
        "未見直し",
        "本人確認",
        "根拠法令",
        "標準処理期間（日）",
        "法人",
        "申請者",
        "窓口事前登録",
        "紙のみ",
        "署名",
        "要",
        "郵送（Web作成）",
        "電子署名に置換",
    },
    # The 領収書's 和暦 date and time, a legal format like the receipt's.
    "payments/receipt_pdf.py": {"時", "分", "年", "月", "日"},
    # Amounts staff type with the yen sign (300円).
    "forms/builder/fee_settings.py": {"円"},
    # The simulator's merchant names for the demo cities (data shown on its checkout page).
    "settings/payment_simulator.py": {"加賀市", "神戸市"},
    "exports/writers/xlsx.py": {
        '[$-411]ggge"年"m"月"d"日"',
        '[$-411]ggge"年"m"月"d"日" hh:mm:ss',
    },
    # Reading kana typed into a URL name, 元年 and 円 in what residents type.
    "forms/builder/edits.py": {"[ぁ-ゖー]+|[A-Za-z0-9]+", "ー"},
    "forms/fieldtypes/date.py": {"元", "年）"},
    "forms/fieldtypes/number.py": {"円"},
    "forms/answers.py": {"元", "年）", "円"},
    # A category name residents' data may hold, matched to sort it last.
    "forms/selectors.py": {"その他"},
    # The card agent runs on a counter PC without Django (no catalog): its console says
    # where to paste the pairing token in both languages at once.
    "counter/agent/command.py": {
        "\n\n窓口の「カードエージェントの設定」（/staff/counter/card/agent/）に、ブラウザーごとに一度\n"
        "このトークンを貼り付けてください。\n"
        "Paste this token once per browser on the counter's Card agent settings page\n"
        "(/staff/counter/card/agent/).\n"
        "Stop with Ctrl+C."
    },
    # Separators a clerk may type inside a pre-registration number (the long vowel mark ー
    # among them): a format, not UI text.
    "counter/reference.py": {"[\\s\\-‐‑‒–—―−ー_]+"},
    # The name of the counter's identity provider record (the model has name and name_en).
    "identity/services.py": {"窓口（マイナンバーカード読取）"},
    "settings/environment.py": {
        "`<lg_code>.p12` seal certificate (公印) per municipality, for receipts; required in "
        "production"
    },
}
_GETTEXT = {"gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy", "_", "_lazy"}
_GETTEXT |= {"ngettext", "ngettext_lazy", "npgettext", "npgettext_lazy"}


def _japanese_literals(source: str) -> list[tuple[int, str]]:
    """Japanese string constants that are not docstrings nor gettext msgids (examples in
    English messages, such as 「電話 | By phone」, are for the reader)."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))  # a docstring (or a bare string statement)
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in _GETTEXT:
                skipped.update(id(arg) for arg in ast.walk(node) if isinstance(arg, ast.Constant))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and _JAPANESE.search(node.value)
    ]


def test_no_japanese_ui_text_is_written_in_python_code() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if set(relative.parts) & set(_NOT_UI) or relative.parts[0] in _DATA_MODULES:
            continue
        allowed = _ALLOWED.get(relative.as_posix(), set())
        for line, value in _japanese_literals(path.read_text(encoding="utf-8")):
            if value not in allowed:
                found.append(f"{relative}:{line}: {value!r}")
    assert not found, (
        "Japanese in code: write the English msgid with gettext and the Japanese in "
        "django.po (or, for data and formats, allow it above with the reason):\n" + "\n".join(found)
    )


def test_a_japanese_literal_outside_gettext_is_found_and_a_msgid_example_is_not() -> None:
    source = 'x = "申請"\ny = _("Unit, e.g. 円")\n\n\ndef f():\n    """申請を受け付ける。"""\n'

    assert _japanese_literals(source) == [(1, "申請")]
