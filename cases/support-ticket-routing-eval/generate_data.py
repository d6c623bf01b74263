"""Generate the support tickets, the model's recorded labels and the human labels (stdlib only, fixed seed).

Writes data/tickets.csv (400 tickets with the model's label and confidence: what the candidate sees),
data/labelled_sample.csv (human labels for 150 of them) and checks/judge/answers.csv (human labels for
the other 250: only the judge container ever gets them).

The model is good on plain tickets, torn on tickets that read like another team's (a refund after a
return reads like billing, a login that fails in the app reads like technical), and overconfident on
tickets written in Swedish or Norwegian, so its confidence is not a calibrated probability and one
threshold cannot fix every kind of error. Run it again and the files come out byte for byte the same.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

SEED = 16_2025
HERE = Path(__file__).resolve().parent
N_TICKETS, N_LABELLED = 400, 150
QUEUES = ("billing", "delivery", "returns", "account", "technical")
SHARE = (0.24, 0.30, 0.20, 0.14, 0.12)
CHANNELS = (("email", 0.5), ("chat", 0.3), ("form", 0.2))
PRODUCTS = ("dishwasher", "kettle", "robot vacuum", "TV", "coffee machine", "fridge", "headphones",
            "washing machine", "air fryer", "soundbar", "hair dryer", "microwave")
PRODUKTER = ("diskmaskin", "vattenkokare", "robotdammsugare", "tv", "kaffemaskin", "kylskåp", "tvättmaskin")
PRODUKTER_NO = ("oppvaskmaskin", "vannkoker", "robotstøvsuger", "TV", "kaffemaskin", "kjøleskap", "vaskemaskin")
COURIERS = ("PostNord", "DHL", "Budbee", "Instabox")

CLEAR = {
    "billing": [
        "I was charged twice for order {order}. Please refund one of the payments.",
        "Can I get a copy of the invoice for my {product}? Our company needs it for the books.",
        "My Klarna invoice says {amount} kr but the order confirmation said less. Which one is right?",
        "The payment for order {order} failed but the money left my account anyway.",
        "How do I pay the invoice for order {order} in instalments?",
        "The discount code was not applied at checkout, I paid full price for the {product}.",
    ],
    "delivery": [
        "Where is my order {order}? The tracking page has not changed for four days.",
        "{courier} says my {product} was delivered but there is nothing at my door.",
        "Can I change the delivery address for order {order}? I am moving this week.",
        "The {product} was supposed to arrive yesterday. Nobody came.",
        "Can you deliver the {product} on a Saturday? I work weekdays.",
        "The tracking number for order {order} does not work on the {courier} site.",
    ],
    "returns": [
        "I want to return the {product}, it is too big for our kitchen. How do I do that?",
        "Do I need the original box to return the {product}?",
        "The {product} stopped working after two months. Is it covered by the warranty?",
        "I printed the return label for order {order}, where do I drop off the parcel?",
        "Can I exchange the {product} for the black model instead of returning it?",
        "The {product} makes a loud noise when it runs. I would like a replacement.",
    ],
    "account": [
        "Please change the email address on my account to my new one.",
        "I want to delete my account and all my personal data.",
        "How do I stop your newsletter? I have unsubscribed three times.",
        "My name is spelled wrong on my account and on every order confirmation.",
        "Can I merge my two accounts? I have orders on both.",
        "I never got the email to reset my password.",
    ],
    "technical": [
        "How do I connect the {product} to our wifi? The app cannot find it.",
        "The {product} shows error code E{code} and then switches itself off.",
        "Is there a firmware update for the {product}? It keeps disconnecting.",
        "The manual for the {product} is missing the installation part. Where can I find it?",
        "The {product} remote does not pair with the TV.",
        "Which settings should I use on the {product} for hard water?",
    ],
}
# Read like the second queue, belong to the first (the human triage team's call).
CONFUSING = {
    ("returns", "billing"): [
        "I returned the {product} two weeks ago and the refund of {amount} kr has still not reached my card.",
        "You received my return of order {order} on Monday. When do I get my money back?",
    ],
    ("billing", "returns"): [
        "I am returning the {product}, but you charged my card again for the replacement. Please cancel it.",
        "The credit note for my returned {product} shows the wrong amount, {amount} kr is missing.",
    ],
    ("returns", "delivery"): [
        "The {product} arrived today with a crushed box and a dent in the side.",
        "The courier delivered the wrong {product}, I ordered a different model.",
    ],
    ("delivery", "returns"): [
        "I refused the delivery of the {product} at the door because the box was damaged. Is it coming again?",
        "Can {courier} collect the {product} at the same time as they deliver the new one?",
    ],
    ("technical", "account"): [
        "I cannot log in to the {product} app, it says my account is not found even though I just created it.",
        "The app logs me out every time I try to add the {product} to my home.",
    ],
    ("account", "technical"): [
        "The website shows an error when I try to change my password.",
        "Your app crashes when I open my order history, so I cannot see my receipts.",
    ],
    ("delivery", "billing"): [
        "I paid {amount} kr for express delivery of order {order} and it took a week. Is that fee refunded?",
    ],
    ("billing", "account"): [
        "How do I remove the saved card from my account? I do not want you to store it.",
    ],
}
NORDIC = {
    "billing": ["Hej! Jag har blivit debiterad två gånger för order {order}, kan ni återbetala en av dem?",
                "Fakturan på {amount} kr stämmer inte med beställningen. Vad gäller?"],
    "delivery": ["Hei, pakken med {produkt_no} har stått stille hos {courier} i en uke. Hvor er den?",
                 "Hej, min beställning {order} har inte kommit fram fast spårningen säger levererad."],
    "returns": ["Hej, jag vill returnera min {produkt}, den passar inte. Hur gör jag?",
                "Hei, {produkt_no} er ødelagt etter en måned. Dekkes dette av garantien?"],
    "account": ["Hej, kan ni ta bort mitt konto och mina uppgifter?",
                "Jag får inget mejl när jag försöker byta lösenord."],
    "technical": ["Hej, min {produkt} visar felkod E{code} och stänger av sig själv.",
                  "Hei, appen finner ikke {produkt_no} på wifi-nettet vårt."],
}
COLUMNS = ("ticket_id", "channel", "text", "model_label", "model_confidence")


def _text(rng: random.Random, template: str) -> str:
    return template.format(order=f"{rng.randint(4_100_000, 4_399_999)}", product=rng.choice(PRODUCTS),
                           amount=rng.choice((149, 299, 349, 499, 1_290, 2_490, 4_990)),
                           courier=rng.choice(COURIERS), code=rng.randint(10, 49),
                           produkt=rng.choice(PRODUKTER), produkt_no=rng.choice(PRODUKTER_NO))


def _other(rng: random.Random, queue: str) -> str:
    return rng.choice([q for q in QUEUES if q != queue])


def _between(rng: random.Random, low: float, high: float, a: float, b: float) -> float:
    return round(low + (high - low) * rng.betavariate(a, b), 3)


def ticket(rng: random.Random, n: int) -> tuple[dict[str, object], str]:
    """One ticket as the model saw it, and its human label."""
    truth = rng.choices(QUEUES, weights=SHARE)[0]
    channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
    pairs = [pair for pair in CONFUSING if pair[0] == truth]
    roll = rng.random()
    if roll < 0.08:  # Swedish or Norwegian: the model is weaker and does not know it
        text = _text(rng, rng.choice(NORDIC[truth]))
        label = truth if rng.random() < 0.7 else _other(rng, truth)
        confidence = _between(rng, 0.72, 0.995, 4, 1.2)
    elif roll < 0.30 and pairs:  # reads like another team's ticket
        pair = rng.choice(pairs)
        text = _text(rng, rng.choice(CONFUSING[pair]))
        right = rng.random() < 0.45
        label = truth if right else pair[1]
        confidence = _between(rng, 0.5, 0.97, 3, 1.5) if right else _between(rng, 0.45, 0.93, 2, 2.2)
    else:
        text = _text(rng, rng.choice(CLEAR[truth]))
        right = rng.random() < 0.97
        label = truth if right else _other(rng, truth)
        confidence = _between(rng, 0.6, 0.999, 6, 1) if right else _between(rng, 0.4, 0.95, 2, 2)
    row = {"ticket_id": f"T{n:04d}", "channel": channel, "text": text, "model_label": label,
           "model_confidence": f"{confidence:.3f}"}
    return row, truth


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    tickets, truth = [], {}
    for n in range(1, N_TICKETS + 1):
        row, label = ticket(rng, n)
        tickets.append(row)
        truth[row["ticket_id"]] = label
    labelled = sorted(rng.sample(sorted(truth), N_LABELLED))
    held_out = sorted(set(truth) - set(labelled))
    _write(HERE / "data" / "tickets.csv", COLUMNS, tickets)
    _write(HERE / "data" / "labelled_sample.csv", ("ticket_id", "human_label"),
           [{"ticket_id": t, "human_label": truth[t]} for t in labelled])
    _write(HERE / "checks" / "judge" / "answers.csv", ("ticket_id", "human_label"),
           [{"ticket_id": t, "human_label": truth[t]} for t in held_out])


if __name__ == "__main__":
    main()
