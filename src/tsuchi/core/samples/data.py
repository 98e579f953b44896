"""Built-in fictional data the sample generator draws from.

Every name, town and facility here is invented for samples (土見市 does not exist). Names are
common Japanese names combined at random, so no entry describes a real person.
"""

from __future__ import annotations

FAMILY_NAMES: tuple[tuple[str, str, str | None], ...] = (
    # (standard form, katakana reading, variant form written for the same name or None)
    ("山田", "ヤマダ", None),
    ("佐藤", "サトウ", None),
    ("鈴木", "スズキ", None),
    ("田中", "タナカ", None),
    ("伊藤", "イトウ", None),
    ("中村", "ナカムラ", None),
    ("小林", "コバヤシ", None),
    ("加藤", "カトウ", None),
    ("吉田", "ヨシダ", None),
    ("山本", "ヤマモト", None),
    ("松本", "マツモト", None),
    ("井上", "イノウエ", None),
    ("木村", "キムラ", None),
    ("清水", "シミズ", None),
    ("林", "ハヤシ", None),
    ("森", "モリ", None),
    ("池田", "イケダ", None),
    ("橋本", "ハシモト", None),
    ("石川", "イシカワ", None),
    ("前田", "マエダ", None),
    ("藤田", "フジタ", None),
    ("岡田", "オカダ", None),
    ("後藤", "ゴトウ", None),
    ("長谷川", "ハセガワ", None),
    ("村上", "ムラカミ", None),
    ("近藤", "コンドウ", None),
    ("坂本", "サカモト", None),
    ("遠藤", "エンドウ", None),
    ("青木", "アオキ", None),
    ("西村", "ニシムラ", None),
    ("福田", "フクダ", None),
    ("太田", "オオタ", None),
    ("三浦", "ミウラ", None),
    ("藤井", "フジイ", None),
    ("岡本", "オカモト", None),
    ("中島", "ナカジマ", None),
    ("小川", "オガワ", None),
    ("原田", "ハラダ", None),
    ("竹内", "タケウチ", None),
    ("金子", "カネコ", None),
    ("高橋", "タカハシ", "髙橋"),
    ("山崎", "ヤマザキ", "山﨑"),
    ("渡辺", "ワタナベ", "渡邉"),
    ("浜田", "ハマダ", "濵田"),
    ("斎藤", "サイトウ", "齋藤"),
    ("高田", "タカダ", "髙田"),
    ("宮崎", "ミヤザキ", "宮﨑"),
)
"""Family names: standard form, reading, and the variant form of the same name if any."""

LOOKALIKE_FAMILY: dict[str, str] = {
    # A genuinely different surname that differs by one character (not a variant form).
    "山崎": "山埼",
    "宮崎": "宮埼",
    "斎藤": "斉藤",
    "渡辺": "渡部",
    "浜田": "濱口",
}
"""Family names that look alike but are different names (used for the wrong-name case)."""

ADULT_GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("太郎", "タロウ"),
    ("一郎", "イチロウ"),
    ("健太", "ケンタ"),
    ("大輔", "ダイスケ"),
    ("翔太", "ショウタ"),
    ("拓也", "タクヤ"),
    ("直樹", "ナオキ"),
    ("和也", "カズヤ"),
    ("剛", "ツヨシ"),
    ("誠", "マコト"),
    ("花子", "ハナコ"),
    ("美咲", "ミサキ"),
    ("陽子", "ヨウコ"),
    ("由美", "ユミ"),
    ("恵", "メグミ"),
    ("彩", "アヤ"),
    ("真由美", "マユミ"),
    ("智子", "トモコ"),
    ("裕子", "ユウコ"),
    ("麻衣", "マイ"),
)
"""Given names of applicants (parents)."""

CHILD_GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("蓮", "レン"),
    ("陽翔", "ハルト"),
    ("湊", "ミナト"),
    ("蒼", "アオイ"),
    ("樹", "イツキ"),
    ("悠真", "ユウマ"),
    ("大和", "ヤマト"),
    ("朝陽", "アサヒ"),
    ("陽葵", "ヒマリ"),
    ("凛", "リン"),
    ("結菜", "ユイナ"),
    ("芽依", "メイ"),
    ("紬", "ツムギ"),
    ("葵", "アオイ"),
    ("澪", "ミオ"),
    ("さくら", "サクラ"),
    ("ひなた", "ヒナタ"),
    ("花", "ハナ"),
)
"""Given names of children."""

MAYOR_NAME = "鈴木　一郎"
"""The fictional mayor of 土見市 (family and given name separated by U+3000)."""

CITY = "東京都土見市"
"""Prefecture and city prefixed to every address."""

TOWNS: tuple[tuple[str, str], ...] = (
    # (town name, postal code without hyphen); codes spread over 189-00xx .. 189-01xx so that
    # sorting by postal code reorders the batch.
    ("中央", "1890001"),
    ("本町", "1890002"),
    ("栄町", "1890003"),
    ("旭町", "1890004"),
    ("桜ケ丘", "1890011"),
    ("緑ヶ丘", "1890012"),
    ("若葉台", "1890013"),
    ("富士見台", "1890014"),
    ("東土見", "1890021"),
    ("西土見", "1890022"),
    ("南土見", "1890023"),
    ("北原", "1890031"),
    ("梅ノ木", "1890032"),
    ("松風", "1890033"),
    ("青葉", "1890041"),
    ("川端", "1890042"),
    ("新田", "1890051"),
    ("宮前", "1890052"),
    ("柳町", "1890061"),
    ("泉", "1890062"),
    ("花園", "1890071"),
    ("星ケ丘", "1890072"),
    ("霞ヶ台", "1890081"),
    ("つつじケ丘", "1890082"),
    ("大原", "1890101"),
    ("石田", "1890102"),
    ("中土見", "1890111"),
    ("上土見", "1890112"),
    ("下土見", "1890121"),
    ("土見台", "1890125"),
)
"""Fictional towns of 土見市 with their postal codes."""

BUILDINGS: tuple[str, ...] = (
    "サンハイツ土見",
    "グリーンコート桜ケ丘",
    "メゾン中央",
    "つちみパークマンション",
    "コーポ若葉",
    "ライオンズガーデン東土見",
    "レジデンス旭",
    "ハイム北原",
)
"""Fictional building names for addresses with a room number."""

FACILITIES: tuple[str, ...] = (
    "つちみ中央保育園",
    "桜ケ丘保育園",
    "土見駅前こども園",
    "みどり保育園",
    "若葉台保育所",
    "ひかり保育園",
    "東土見こども園",
    "北原保育園",
    "すずらん保育園",
    "土見市立第二保育所",
)
"""Fictional nursery facilities."""

EMAIL_DOMAINS: tuple[str, ...] = (
    "docomo.ne.jp",
    "ezweb.ne.jp",
    "au.com",
    "softbank.ne.jp",
    "i.softbank.jp",
    "gmail.com",
    "yahoo.co.jp",
    "icloud.com",
)
"""Mail domains seen on Japanese residents' addresses (carriers first)."""
