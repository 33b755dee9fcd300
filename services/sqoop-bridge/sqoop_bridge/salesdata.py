"""The Kaggle retail sales CSV (`sales_data_sample.csv`): its layout, a deterministic generator, a checked reader.

The original file (2,823 order lines, 2003–2005, Latin-1) cannot be downloaded here, so
`generate` writes one in exactly its layout: the same 25 columns, `M/D/YYYY H:MM` dates, numbers
without trailing zeros ("95.7", "2871"), quoted fields where a comma occurs, empty ADDRESSLINE2 /
STATE / POSTALCODE, accented names in Latin-1, PRICEEACH capped at 100 while SALES keeps the real
price (a quirk of the original), and DEALSIZE from SALES (Small < 3000 ≤ Medium < 7000 ≤ Large).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

COLUMNS: Final = (
    "ORDERNUMBER", "QUANTITYORDERED", "PRICEEACH", "ORDERLINENUMBER", "SALES", "ORDERDATE", "STATUS", "QTR_ID",
    "MONTH_ID", "YEAR_ID", "PRODUCTLINE", "MSRP", "PRODUCTCODE", "CUSTOMERNAME", "PHONE", "ADDRESSLINE1",
    "ADDRESSLINE2", "CITY", "STATE", "POSTALCODE", "COUNTRY", "TERRITORY", "CONTACTLASTNAME", "CONTACTFIRSTNAME",
    "DEALSIZE",
)  # fmt: skip
PRODUCT_LINES: Final = ("Classic Cars", "Vintage Cars", "Motorcycles", "Trucks and Buses", "Planes", "Ships", "Trains")
STATUSES: Final = ("Shipped", "Cancelled", "Resolved", "On Hold", "In Process", "Disputed")
DEAL_SIZES: Final = ("Small", "Medium", "Large")
ENCODING: Final = "latin-1"
DEFAULT_ROWS: Final = 2823
DEFAULT_SEED: Final = 2003

SALES_DDL: Final = """CREATE TABLE IF NOT EXISTS sales (
  ORDERNUMBER INT NOT NULL,
  QUANTITYORDERED INT NOT NULL,
  PRICEEACH DECIMAL(10,2) NOT NULL,
  ORDERLINENUMBER INT NOT NULL,
  SALES DECIMAL(12,2) NOT NULL,
  ORDERDATE DATETIME NOT NULL,
  STATUS VARCHAR(20) NOT NULL,
  QTR_ID TINYINT NOT NULL,
  MONTH_ID TINYINT NOT NULL,
  YEAR_ID SMALLINT NOT NULL,
  PRODUCTLINE VARCHAR(40) NOT NULL,
  MSRP DECIMAL(10,2) NOT NULL,
  PRODUCTCODE VARCHAR(20) NOT NULL,
  CUSTOMERNAME VARCHAR(100) NOT NULL,
  PHONE VARCHAR(40) NULL,
  ADDRESSLINE1 VARCHAR(200) NULL,
  ADDRESSLINE2 VARCHAR(200) NULL,
  CITY VARCHAR(60) NULL,
  STATE VARCHAR(60) NULL,
  POSTALCODE VARCHAR(20) NULL,
  COUNTRY VARCHAR(60) NULL,
  TERRITORY VARCHAR(20) NULL,
  CONTACTLASTNAME VARCHAR(60) NULL,
  CONTACTFIRSTNAME VARCHAR(60) NULL,
  DEALSIZE VARCHAR(10) NOT NULL,
  PRIMARY KEY (ORDERNUMBER, ORDERLINENUMBER),
  KEY sales_orderdate (ORDERDATE)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"""

# (name, phone, address1, address2, city, state, postal code, country, territory, contact last, contact first)
CUSTOMERS: Final = (
    ("Land of Toys Inc.", "2125557818", "897 Long Airport Avenue", "", "NYC", "NY", "10022", "USA", "NA", "Yu", "Kwai"),
    ("Reims Collectables", "26.47.1555", "59 rue de l'Abbaye", "", "Reims", "", "51100", "France", "EMEA", "Henriot", "Paul"),
    ("Lyon Souveniers", "+33 1 46 62 7555", "27 rue du Colonel Pierre Avia", "", "Paris", "", "75508", "France", "EMEA", "Da Cunha", "Daniel"),  # noqa: E501
    ("Toys4GrownUps.com", "6265557265", "78934 Hillside Dr.", "", "Pasadena", "CA", "90003", "USA", "NA", "Young", "Julie"),
    ("Corporate Gift Ideas Co.", "6505551386", "7734 Strong St.", "", "San Francisco", "CA", "", "USA", "NA", "Brown", "Julie"),
    ("Technics Stores Inc.", "6505556809", "9408 Furth Circle", "", "Burlingame", "CA", "94217", "USA", "NA", "Hirano", "Juri"),
    ("Daedalus Designs Imports", "20.16.1555", "184, chausse de Tournai", "", "Lille", "", "59000", "France", "EMEA", "Rancé", "Martine"),
    ("Herkku Gifts", "+47 2267 3215", "Drammen 121, PR 744 Sentrum", "", "Bergen", "", "N 5804", "Norway", "EMEA", "Oeztan", "Veysel"),
    ("Mini Gifts Distributors Ltd.", "4155551450", "5677 Strong St.", "", "San Rafael", "CA", "97562", "USA", "NA", "Nelson", "Valarie"),
    ("Australian Collectors, Co.", "03 9520 4555", "636 St Kilda Road", "Level 3", "Melbourne", "Victoria", "3004", "Australia", "APAC", "Ferguson", "Peter"),  # noqa: E501
    ("Vitachrome Inc.", "2125551500", "2678 Kingston Rd.", "Suite 101", "NYC", "NY", "10022", "USA", "NA", "Frick", "Michael"),
    ("Rovelli Gifts", "035-640555", "Via Ludovico il Moro 22", "", "Bergamo", "", "24100", "Italy", "EMEA", "Rovelli", "Giovanni"),
    ("Mère de Famille", "91.24.4555", "54, rue Royale", "", "Nantes", "", "44000", "France", "EMEA", "Labrune", "Janine"),
    ("Euro Shopping Channel", "(91) 555 94 44", "C/ Moralzarzal, 86", "", "Madrid", "", "28034", "Spain", "EMEA", "Freyre", "Diego"),
    ("Saveley & Henriot, Co.", "78.32.5555", "2, rue du Commerce", "", "Lyon", "", "69004", "France", "EMEA", "Saveley", "Mary"),
    ("Petit Auto", "(02) 5554 67", "Rue Joseph-Bens 532", "", "Bruxelles", "", "B-1180", "Belgium", "EMEA", "Dewey", "Catherine"),
    ("Suominen Souveniers", "+358 9 8045 555", "Software Engineering Center, SEC Oy", "", "Espoo", "", "FIN-02271", "Finland", "EMEA", "Suominen", "Kalle"),  # noqa: E501
    ("Dragon Souveniers, Ltd.", "+65 221 7555", "Bronz Sok.", "Bronz Apt. 3/6 Tesvikiye", "Singapore", "", "079903", "Singapore", "Japan", "Natividad", "Eric"),  # noqa: E501
    ("Enaco Distributors", "(93) 203 4555", "Rambla de Cataluña, 23", "", "Barcelona", "", "08022", "Spain", "EMEA", "Saavedra", "Eduardo"),
    ("Oulu Toy Supplies, Inc.", "981-443655", "Torikatu 38", "", "Oulu", "", "90110", "Finland", "EMEA", "Koskitalo", "Pirkko"),
    ("Danish Wholesale Imports", "31 12 3555", "Vinbæltet 34", "", "Kobenhavn", "", "1734", "Denmark", "EMEA", "Petersen", "Jytte"),
    ("Salzburg Collectables", "6562-9555", "Geislweg 14", "", "Salzburg", "", "5020", "Austria", "EMEA", "Pipps", "Georg"),
    ("Tokyo Collectables, Ltd", "+81 3 3584 0555", "2-2-8 Roppongi", "", "Minato-ku", "Tokyo", "106-0032", "Japan", "Japan", "Shimamura", "Akiko"),  # noqa: E501
    ("Volvo Model Replicas, Co", "0921-12 3555", "Berguvsvägen  8", "", "Luleå", "", "S-958 22", "Sweden", "EMEA", "Berglund", "Christina"),
    ("Gift Depot Inc.", "2035552570", "25593 South Bay Ln.", "", "Bridgewater", "CT", "97562", "USA", "NA", "King", "Julie"),
    ("Auto Canal Petit", "(1) 47.55.6555", "25, rue Lauriston", "", "Paris", "", "75016", "France", "EMEA", "Perrier", "Dominique"),
    ("Heintze Collectables", "86 21 3555", "Smagsloget 45", "", "Århus", "", "8200", "Denmark", "EMEA", "Ibsen", "Palle"),
    ("La Rochelle Gifts", "40.67.8555", "67, rue des Cinquante Otages", "", "Nantes", "", "44000", "France", "EMEA", "Labrune", "Janine"),
    ("Québec Home Shopping Network", "(514) 555-8054", "43 rue St. Laurent", "", "Montréal", "Québec", "H1J 1C3", "Canada", "NA", "Fresnière", "Jean"),  # noqa: E501
    ("Diecast Classics Inc.", "2155551555", "7586 Pompton St.", "", "Allentown", "PA", "70267", "USA", "NA", "Yu", "Kyung"),
    ("Muscle Machine Inc", "2125557413", "4092 Furth Circle", "Suite 400", "NYC", "NY", "10022", "USA", "NA", "Young", "Jeff"),
    ("Scandinavian Gift Ideas", "0695-34 6555", "Åkergatan 24", "", "Bräcke", "", "S-844 67", "Sweden", "EMEA", "Larsson", "Maria"),
    ("Alpha Cognac", "61.77.6555", "1 rue Alsace-Lorraine", "", "Toulouse", "", "31000", "France", "EMEA", "Roulet", "Annette"),
    ("Königlich Essen", "0241-039123", "Maubelstr. 90", "", "Brandenburg", "", "14776", "Germany", "EMEA", "Müller", "Günter"),
    ("Norway Gifts By Mail, Co.", "+47 2212 1555", "Drammensveien 126A", "PB 211 Sentrum", "Oslo", "", "N 0106", "Norway", "EMEA", "Klaeboe", "Jan"),  # noqa: E501
    ("Atelier graphique", "40.32.2555", "54, rue Royale", "", "Nantes", "", "44000", "France", "EMEA", "Schmitt", "Carine"),
    ("Signal Gift Stores", "7025551838", "8489 Strong St.", "", "Las Vegas", "NV", "83030", "USA", "NA", "King", "Jean"),
    ("Souveniers And Things Co.", "+61 2 9495 8555", "Monitor Money Building", "815 Pacific Hwy", "Chatswood", "NSW", "2067", "Australia", "APAC", "Huxley", "Adrian"),  # noqa: E501
)  # fmt: skip


@dataclass(frozen=True)
class ProductSpec:
    code: str
    line: str
    msrp: int


def _products(rng: random.Random) -> list[ProductSpec]:
    scales = {
        "Classic Cars": "S10",
        "Vintage Cars": "S18",
        "Motorcycles": "S12",
        "Trucks and Buses": "S24",
        "Planes": "S700",
        "Ships": "S72",
        "Trains": "S32",
    }
    counts = {"Classic Cars": 37, "Vintage Cars": 24, "Motorcycles": 13, "Trucks and Buses": 11, "Planes": 12, "Ships": 9, "Trains": 3}
    products: list[ProductSpec] = []
    codes: set[str] = set()
    for line in PRODUCT_LINES:
        for _ in range(counts[line]):
            code = f"{scales[line]}_{rng.randint(1000, 4999)}"
            while code in codes:
                code = f"{scales[line]}_{rng.randint(1000, 4999)}"
            codes.add(code)
            products.append(ProductSpec(code, line, rng.randint(33, 214)))
    return products


def _number(d: Decimal) -> str:
    """A number as the original writes it: no trailing zeros, no exponent ("95.7", "2871")."""
    text = f"{d.normalize():f}"
    return text


def _date_text(d: datetime) -> str:
    return f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}"


def generate_rows(rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Iterator[list[str]]:
    """`rows` order lines as CSV field lists (strings), identical for the same (rows, seed)."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    products = _products(rng)
    start, end = datetime(2003, 1, 6), datetime(2005, 5, 31)
    written, order = 0, 10100
    span_days = (end - start).days
    estimated_orders = max(int(rows / 9.5), 1)
    while written < rows:
        day = start + timedelta(days=min(span_days, int((order - 10100) * span_days / estimated_orders)))
        recent = (end - day).days < 45
        status = rng.choices(STATUSES, weights=(92, 2, 1.5, 1.5, 1, 1) if not recent else (40, 5, 10, 15, 25, 5))[0]
        customer = CUSTOMERS[rng.randrange(len(CUSTOMERS))]
        lines = min(rng.randint(1, 18), rows - written)
        for line_number, product in enumerate(rng.sample(products, lines), start=1):
            quantity = int(rng.triangular(6, 66, 30)) if rng.random() > 0.03 else rng.randint(66, 97)
            price = (Decimal(product.msrp) * Decimal(rng.uniform(0.7, 1.25))).quantize(Decimal("0.01"))
            sales = (price * quantity).quantize(Decimal("0.01"))
            deal = "Small" if sales < 3000 else ("Medium" if sales < 7000 else "Large")
            name, phone, addr1, addr2, city, state, postal, country, territory, last, first = customer
            yield [
                str(order),
                str(quantity),
                _number(min(price, Decimal(100))),
                str(line_number),
                _number(sales),
                _date_text(day),
                status,
                str((day.month - 1) // 3 + 1),
                str(day.month),
                str(day.year),
                product.line,
                str(product.msrp),
                product.code,
                name,
                phone,
                addr1,
                addr2,
                city,
                state,
                postal,
                country,
                territory,
                last,
                first,
                deal,
            ]
            written += 1
        order += 1


def write_csv(path: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """Write the generated file (Latin-1, CRLF-free, minimal quoting like the original); returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=ENCODING, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        writer.writerows(generate_rows(rows, seed))
    return path


# --- reading and checking ------------------------------------------------------------------------


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


NOT_NULL: Final = frozenset(
    (
        "ORDERNUMBER",
        "QUANTITYORDERED",
        "PRICEEACH",
        "ORDERLINENUMBER",
        "SALES",
        "ORDERDATE",
        "STATUS",
        "QTR_ID",
        "MONTH_ID",
        "YEAR_ID",
        "PRODUCTLINE",
        "MSRP",
        "PRODUCTCODE",
        "CUSTOMERNAME",
        "DEALSIZE",
    )
)
MAX_LENGTH: Final = {
    "STATUS": 20, "PRODUCTLINE": 40, "PRODUCTCODE": 20, "CUSTOMERNAME": 100, "PHONE": 40, "ADDRESSLINE1": 200, "ADDRESSLINE2": 200,
    "CITY": 60, "STATE": 60, "POSTALCODE": 20, "COUNTRY": 60, "TERRITORY": 20, "CONTACTLASTNAME": 60, "CONTACTFIRSTNAME": 60, "DEALSIZE": 10,  # noqa: E501
}  # fmt: skip
INT_RANGES: Final = {
    "ORDERNUMBER": (1, 2**31 - 1), "QUANTITYORDERED": (1, 2**31 - 1), "ORDERLINENUMBER": (1, 2**31 - 1),
    "QTR_ID": (1, 4), "MONTH_ID": (1, 12), "YEAR_ID": (1900, 2100),
}  # fmt: skip
DECIMALS: Final = {"PRICEEACH": (10, 2), "SALES": (12, 2), "MSRP": (10, 2)}


def _check_row(fields: list[str]) -> tuple[Any, ...]:
    """The typed row (None for empty) or ValueError naming the field and the problem."""
    if len(fields) != len(COLUMNS):
        raise ValueError(f"expected {len(COLUMNS)} fields, got {len(fields)}")
    out: list[Any] = []
    for name, raw in zip(COLUMNS, fields, strict=True):
        text = raw.strip()
        if text == "":
            if name in NOT_NULL:
                raise ValueError(f"{name} is empty")
            out.append(None)
            continue
        if name in INT_RANGES:
            try:
                value = int(text)
            except ValueError:
                raise ValueError(f"{name} {raw!r} is not an integer") from None
            lo, hi = INT_RANGES[name]
            if not lo <= value <= hi:
                raise ValueError(f"{name} {value} is out of range [{lo}, {hi}]")
            out.append(value)
        elif name in DECIMALS:
            try:
                dec = Decimal(text)
            except InvalidOperation:
                raise ValueError(f"{name} {raw!r} is not a number") from None
            precision, scale = DECIMALS[name]
            if (
                not dec.is_finite()
                or dec < 0
                or dec != dec.quantize(Decimal(1).scaleb(-scale))
                or abs(dec) >= Decimal(10) ** (precision - scale)
            ):
                raise ValueError(f"{name} {raw!r} does not fit DECIMAL({precision},{scale}) >= 0")
            out.append(dec.quantize(Decimal(1).scaleb(-scale)))
        elif name == "ORDERDATE":
            try:
                out.append(datetime.strptime(text, "%m/%d/%Y %H:%M"))
            except ValueError:
                raise ValueError(f"ORDERDATE {raw!r} is not a date like 2/24/2003 0:00") from None
        else:
            if name == "STATUS" and text not in STATUSES:
                raise ValueError(f"STATUS {raw!r} is not one of {', '.join(STATUSES)}")
            if name == "PRODUCTLINE" and text not in PRODUCT_LINES:
                raise ValueError(f"PRODUCTLINE {raw!r} is not a known product line")
            if name == "DEALSIZE" and text not in DEAL_SIZES:
                raise ValueError(f"DEALSIZE {raw!r} is not Small, Medium or Large")
            if len(text) > MAX_LENGTH[name]:
                raise ValueError(f"{name} is longer than {MAX_LENGTH[name]} characters")
            out.append(text)
    return tuple(out)


def read_sales(data: bytes, encoding: str = ENCODING) -> tuple[list[tuple[Any, ...]], list[BadRow]]:
    """The good rows of a sales CSV and the bad ones with their (1-based, physical) line numbers."""
    text = data.decode(encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    good: list[tuple[Any, ...]] = []
    bad: list[BadRow] = []
    try:
        header = next(reader)
    except StopIteration:
        return good, [BadRow(1, "the file is empty")]
    header = [h.strip().lstrip("\ufeff") for h in header]
    if header != list(COLUMNS):
        return good, [BadRow(1, f"the header is not the sales_data_sample.csv layout (got {','.join(header[:5])}…)")]
    seen: dict[tuple[int, int], int] = {}
    line = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            bad.append(BadRow(line, f"unreadable CSV: {exc}"))
            break
        start, line = line, reader.line_num + 1
        if not fields or all(not f.strip() for f in fields):
            continue
        try:
            row = _check_row(fields)
        except ValueError as exc:
            bad.append(BadRow(start, str(exc)))
            continue
        key = (row[0], row[3])
        if key in seen:
            bad.append(BadRow(start, f"duplicate (ORDERNUMBER, ORDERLINENUMBER) = {key}, first on line {seen[key]}"))
            continue
        seen[key] = start
        good.append(row)
    return good, bad
