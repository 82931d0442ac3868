"""Privacy: what keeps personal data out of everything the platform opens to the public.

This package is where the rule lives that a natural person's name, birth date, ID number,
address and phone are never opened, under every profile (hl-2022 Art 23, hl-draft Art 24):
no profile setting can turn it off. Where a person's record is opened (the courts' list, which
the law publishes, or any dataset whose profile opens natural persons: `disclosure`), it is
desensitised: the name to its surname, an ID to its first six and last four characters
(city-2022 Art 23).

One module per concern:

| module        | what it does                                                                   |
|---------------|--------------------------------------------------------------------------------|
| `shapes.yml`  | what is NOT personal (dates, amounts, decision numbers, organisation codes...) |
|               | and the shape each public column must have: declared once, read by both sides  |
| `normalise`   | the desensitiser's detection copy of a text, with the map back to its offsets  |
| `numbers`     | IDs, phones, cards, passports, plates, and any undeclared long number          |
| `contacts`    | e-mail in every written form, WeChat IDs, QQ numbers                           |
| `addresses`   | home addresses and birth dates                                                 |
| `names`       | natural persons' names; the platform's register of them (`KnownPeople`)        |
| `subjects`    | who a record's subject is: individual businesses, court IDs, organisations     |
| `desensitise` | the Presidio engine that runs the detectors over a column and masks findings   |
| `gate`        | the publish gate: its own normalisation and detection, row by row; fails closed |

The gate shares no detection code with the desensitiser, so a bug in one is not repeated in
the other; they agree on every exemption because both read `shapes.yml`.
"""
