"""The demo's reply templates: one per root cause and a general one, in Russian and English."""

from surveys.models import FollowUp, ReplyTemplate

RC = FollowUp.RootCause
REPLIES = {
    "": (
        (
            "Ответ клиенту",
            "Спасибо за ваш отзыв",
            "{name}, здравствуйте!\n\nСпасибо, что рассказали нам о своём визите. Мне жаль, что всё прошло не так, "
            "как вы ожидали. Я разобрался в ситуации и хочу всё исправить.\n\n",
        ),
        (
            "Reply to the customer",
            "Thank you for your feedback",
            "Dear {name},\n\nThank you for telling us about your visit. I am sorry it did not go as you expected. "
            "I have looked into it and want to put it right.\n\n",
        ),
    ),
    RC.QUEUES: (
        (
            "Очереди",
            "Мы сократим очереди",
            "{name}, здравствуйте!\n\nПростите за долгое ожидание на кассе. В часы пик "
            "мы открываем дополнительную кассу, а к вашей следующей покупке прилагаем скидку 10%.\n\n",
        ),
        (
            "Queues",
            "We are cutting the queues",
            "Dear {name},\n\nI am sorry you had to wait so long at the till. We now "
            "open an extra till at busy hours, and your next purchase comes with a 10% discount.\n\n",
        ),
    ),
    RC.AVAILABILITY: (
        (
            "Нет в наличии",
            "Товар для вас",
            "{name}, здравствуйте!\n\nМы заказали нужный вам товар со склада и "
            "бесплатно доставим его, как только он поступит. Я сообщу вам дату.\n\n",
        ),
        (
            "Out of stock",
            "Your item is on its way",
            "Dear {name},\n\nWe have ordered the item you were looking for from "
            "our warehouse and will deliver it free of charge as soon as it arrives. I will let you know the date.\n\n",
        ),
    ),
    RC.STAFF: (
        (
            "Отношение персонала",
            "Приносим извинения",
            "{name}, здравствуйте!\n\nМне очень жаль, что наш сотрудник "
            "был невнимателен. Мы поговорили с командой; такого больше не повторится.\n\n",
        ),
        (
            "Staff attitude",
            "Our apologies",
            "Dear {name},\n\nI am very sorry our colleague was not attentive. We have "
            "talked it through with the team; it will not happen again.\n\n",
        ),
    ),
    RC.ADVICE: (
        (
            "Консультация",
            "Поможем с выбором",
            "{name}, здравствуйте!\n\nПростите, что вам не смогли помочь с выбором. "
            "Наш эксперт готов проконсультировать вас по телефону в удобное время.\n\n",
        ),
        (
            "Advice",
            "Let us help you choose",
            "Dear {name},\n\nI am sorry we could not help you choose. Our expert will "
            "gladly advise you by phone at a time that suits you.\n\n",
        ),
    ),
    RC.PRICE: (
        (
            "Цена и оплата",
            "Мы вернём разницу",
            "{name}, здравствуйте!\n\nВы правы: ценник не совпадал с ценой на "
            "кассе. Мы исправили ценники и вернём вам разницу.\n\n",
        ),
        (
            "Price and billing",
            "We will refund the difference",
            "Dear {name},\n\nYou are right: the shelf price did "
            "not match the till. We have corrected the labels and will refund you the difference.\n\n",
        ),
    ),
    RC.DELIVERY: (
        (
            "Доставка и сборка",
            "Исправим доставку",
            "{name}, здравствуйте!\n\nПростите за проблемы с доставкой. Мы "
            "назначим новое удобное вам время, а сборка будет за наш счёт.\n\n",
        ),
        (
            "Delivery and assembly",
            "We will fix your delivery",
            "Dear {name},\n\nI am sorry about the delivery. We will "
            "book a new time that suits you, and assembly is on us.\n\n",
        ),
    ),
    RC.QUALITY: (
        (
            "Качество товара",
            "Заменим товар",
            "{name}, здравствуйте!\n\nНам жаль, что товар оказался с дефектом. Мы "
            "заменим его или вернём деньги — как вам удобнее.\n\n",
        ),
        (
            "Product quality",
            "We will replace it",
            "Dear {name},\n\nWe are sorry the product was faulty. We will "
            "replace it or refund you, whichever you prefer.\n\n",
        ),
    ),
    RC.STORE: (
        (
            "Магазин и чистота",
            "Спасибо, что заметили",
            "{name}, здравствуйте!\n\nСпасибо, что обратили внимание на "
            "порядок в магазине. Мы навели порядок и усилили контроль.\n\n",
        ),
        (
            "Store and cleanliness",
            "Thank you for pointing it out",
            "Dear {name},\n\nThank you for pointing out the "
            "state of the store. We have tidied up and will check it more often.\n\n",
        ),
    ),
}


def seed_reply_templates() -> int:
    """Create or update the demo's reply templates (idempotent by name and language); returns how many there are."""
    for cause, per_language in REPLIES.items():
        for language, (name, subject, body) in zip(("ru", "en"), per_language, strict=True):
            ReplyTemplate.objects.update_or_create(
                name=name, language=language, defaults={"root_cause": cause, "subject": subject, "body": body}
            )
    return ReplyTemplate.objects.count()
