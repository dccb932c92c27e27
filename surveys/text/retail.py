"""The demo retailer's theme taxonomy (seeded by `seed_demo`, edited by CX leads in the admin afterwards):
(code, parent code, English name, Russian name, root cause it suggests, marker words and phrases separated by
commas)."""

RETAIL_THEMES: list[tuple[str, str, str, str, str, str]] = [
    (
        "staff",
        "",
        "Staff",
        "Персонал",
        "staff",
        (
            "персонал, сотрудник, продавец, продавщица, консультант, кассир, администратор, менеджер, охранник, "
            "девушка на кассе, staff, employee, assistant, adviser, advisor, cashier, manager, sales manager, "
            "team, security guard, person at the"
        ),
    ),
    (
        "staff_politeness",
        "staff",
        "Politeness",
        "Вежливость",
        "staff",
        (
            "вежлив*, невежлив*, хамство, хамить, нахамить, хам*, груб*, приветлив*, улыбка, улыбчивый, свысока, "
            "сквозь зубы, по-хамски, доброжелательный, polite*, rude*, impolite, friendly, unfriendly, smile, "
            "talked down, gritted teeth, dismissive, patience"
        ),
    ),
    (
        "staff_competence",
        "staff",
        "Competence",
        "Компетентность",
        "advice",
        (
            "компетентн*, некомпетентн*, разбираться, подсказать, объяснить, посоветовать, помочь с выбором, "
            "knowledgeable, competent, incompetent, explain*, know his, know their, advice, helpful"
        ),
    ),
    (
        "queue",
        "",
        "Queues and waiting",
        "Очереди и ожидание",
        "queues",
        (
            "очередь, касса, ждать, подождать, ожидание, стоять в очереди, queue*, till, checkout line, "
            "self-checkout, wait*, collection point"
        ),
    ),
    (
        "queue_speed",
        "queue",
        "Speed of service",
        "Скорость обслуживания",
        "queues",
        "обслужить сразу, быстро обслужить, пробить товар, served straight away, scan everything",
    ),
    (
        "delivery",
        "",
        "Delivery",
        "Доставка",
        "delivery",
        ("достав*, доставить, привезти, интервал доставки, deliver*, van, driver, in transit, delivery window"),
    ),
    (
        "delivery_time",
        "delivery",
        "Delivery time",
        "Сроки доставки",
        "delivery",
        ("опоздать, опаздывать, опоздание, вовремя, в срок, перенести, сорвать, late, on time, reschedul*, on the dot"),
    ),
    (
        "delivery_couriers",
        "delivery",
        "Couriers",
        "Курьеры",
        "delivery",
        "курьер, грузчик, водитель, courier*, mover*",
    ),
    (
        "assembly",
        "",
        "Furniture assembly",
        "Сборка мебели",
        "delivery",
        "сборка, собрать, сборщик, мастер по сборке, собирать, assembl*, fitter*, fitted, put together",
    ),
    (
        "price",
        "",
        "Prices",
        "Цены",
        "price",
        (
            "цена, ценник, дорого, дороговато, дешево, недорого, стоимость, распродажа, price*, pricey, "
            "expensive, cheap*, value for money, sale"
        ),
    ),
    (
        "price_discounts",
        "price",
        "Discounts",
        "Скидки",
        "price",
        "скидка, акция, бонус, баллы, карта лояльности, discount*, offer, promotion, bonus, loyalty, points",
    ),
    (
        "price_billing",
        "price",
        "Billing",
        "Счёт и чек",
        "price",
        "обсчитать, пробить дороже, чек, overcharged, charged more, receipt",
    ),
    (
        "product_quality",
        "",
        "Product quality",
        "Качество товара",
        "quality",
        (
            "качество, качественный, брак, бракованный, прочный, крепкий, катышк*, облезть, развалиться, "
            "продавиться, пятно, quality, sturdy, solid, faulty, defect*, pilling, peeled, sagged, falling apart, "
            "fell apart, stain, chipboard, well finished, shrink"
        ),
    ),
    (
        "product_damage",
        "product_quality",
        "Damage",
        "Повреждения",
        "quality",
        (
            "царапина, поцарапать, сломать, сломанный, повреждение, повредить, скол, порвать, scratch*, broken, "
            "broke, damag*, chipped, torn, dent"
        ),
    ),
    (
        "availability",
        "",
        "Availability",
        "Наличие товара",
        "availability",
        (
            "в наличии, нет в наличии, наличие, закончиться, полки пустые, снять с производства, in stock, out of "
            "stock, sold out, discontinued, shelves were empty"
        ),
    ),
    (
        "availability_range",
        "availability",
        "Assortment",
        "Ассортимент",
        "availability",
        "ассортимент, выбор, модель, range, choice, assortment",
    ),
    (
        "returns",
        "",
        "Returns",
        "Возвраты",
        "other",
        (
            "возврат, вернуть, обмен, обменять, принять обратно, стойка возврата, return*, returned, take back, "
            "returns desk, brought back"
        ),
    ),
    (
        "returns_refunds",
        "returns",
        "Refunds",
        "Возврат денег",
        "price",
        "вернуть деньги, возврат денег, деньги за возврат, refund*",
    ),
    (
        "returns_exchanges",
        "returns",
        "Exchanges",
        "Обмен",
        "other",
        "обмен, обменять, замена, exchang*, swap*, replacement",
    ),
    (
        "website",
        "",
        "Website and app",
        "Сайт и приложение",
        "other",
        (
            "сайт, приложение, личный кабинет, корзина, аккаунт, на сайте, website, site, app, account, basket, "
            "search, order page, online, log into, password"
        ),
    ),
    (
        "website_order",
        "website",
        "Online order",
        "Онлайн-заказ",
        "other",
        (
            "оформление заказа, заказ на сайте, статус заказа, отслеживание заказа, online order, order tracking, "
            "ordering on the website, placed the order"
        ),
    ),
    (
        "payment",
        "",
        "Payment",
        "Оплата",
        "price",
        (
            "оплата, оплатить, оплачивать, терминал, бесконтактный, списать, комиссия, pay*, paid, terminal, "
            "contactless, charged twice, instalments, gift card, qr"
        ),
    ),
    (
        "payment_cards",
        "payment",
        "Cards",
        "Карты",
        "price",
        "карта, картой, подарочная карта, card*",
    ),
    (
        "store",
        "",
        "Store",
        "Магазин",
        "store",
        "торговый зал, в зале, shop floor, in the store",
    ),
    (
        "store_cleanliness",
        "store",
        "Cleanliness",
        "Чистота",
        "store",
        ("чисто, чистый, грязно, грязный, мусор, туалет, вонять, clean*, dirty, filthy, toilet*, smell*, boxes, lying"),
    ),
    (
        "store_comfort",
        "store",
        "Comfort",
        "Комфорт",
        "store",
        (
            "уютный, душно, кондиционер, освещение, просторно, светло, музыка, тележка, указатель, детская "
            "комната, кафе, cosy, cozy, stuffy, air conditioning, lighting, spacious, music, trolley*, signs, "
            "play area, café, cafe, fitting room*"
        ),
    ),
    (
        "store_parking",
        "store",
        "Parking",
        "Парковка",
        "store",
        "парковка, парковать, parking, car park",
    ),
]


def retail_markers() -> list[tuple[str, str]]:
    """(theme code, marker) pairs of the retail taxonomy, as `Taxonomy` takes them."""
    return [(code, marker.strip()) for code, *_rest, markers in RETAIL_THEMES for marker in markers.split(",")]
