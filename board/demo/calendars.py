"""The demo offices' calendars: each office's time zone, Monday to Friday, and a few public holidays of 2026 and
2027 (deterministic: fixed data, applied through board.org.calendar as an import would be)."""

from __future__ import annotations

import csv
import io

from board.org import calendar
from board.store import Database

ZONES = {
    "Kuala Lumpur": "Asia/Kuala_Lumpur", "Singapore": "Asia/Singapore", "Sydney": "Australia/Sydney",
    "Dublin": "Europe/Dublin", "Lisbon": "Europe/Lisbon", "Warsaw": "Europe/Warsaw",
    "Toronto": "America/Toronto", "Mexico City": "America/Mexico_City",
}
HOLIDAYS = {
    "Kuala Lumpur": [("2026-01-01", "New Year's Day"), ("2026-02-17", "Chinese New Year"),
                     ("2026-05-01", "Labour Day"), ("2026-08-31", "National Day"), ("2026-09-16", "Malaysia Day"),
                     ("2026-12-25", "Christmas Day"), ("2027-01-01", "New Year's Day"),
                     ("2027-05-01", "Labour Day"), ("2027-08-31", "National Day"), ("2027-09-16", "Malaysia Day")],
    "Singapore": [("2026-01-01", "New Year's Day"), ("2026-02-17", "Chinese New Year"), ("2026-05-01", "Labour Day"),
                  ("2026-08-10", "National Day (observed)"), ("2026-12-25", "Christmas Day"),
                  ("2027-01-01", "New Year's Day"), ("2027-08-09", "National Day")],
    "Sydney": [("2026-01-01", "New Year's Day"), ("2026-01-26", "Australia Day"), ("2026-04-03", "Good Friday"),
               ("2026-04-06", "Easter Monday"), ("2026-12-25", "Christmas Day"),
               ("2026-12-28", "Boxing Day (observed)"), ("2027-01-01", "New Year's Day"),
               ("2027-01-26", "Australia Day"), ("2027-03-26", "Good Friday"), ("2027-03-29", "Easter Monday")],
    "Dublin": [("2026-01-01", "New Year's Day"), ("2026-03-17", "Saint Patrick's Day"),
               ("2026-04-06", "Easter Monday"), ("2026-05-04", "May Day"), ("2026-12-25", "Christmas Day"),
               ("2026-12-28", "Saint Stephen's Day (observed)"), ("2027-01-01", "New Year's Day"),
               ("2027-03-17", "Saint Patrick's Day"), ("2027-03-29", "Easter Monday")],
    "Lisbon": [("2026-01-01", "Ano Novo"), ("2026-04-03", "Sexta-feira Santa"), ("2026-05-01", "Dia do Trabalhador"),
               ("2026-06-10", "Dia de Portugal"), ("2026-12-08", "Imaculada Conceição"), ("2026-12-25", "Natal"),
               ("2027-01-01", "Ano Novo"), ("2027-03-26", "Sexta-feira Santa"), ("2027-06-10", "Dia de Portugal")],
    "Warsaw": [("2026-01-01", "Nowy Rok"), ("2026-01-06", "Trzech Króli"), ("2026-04-06", "Poniedziałek Wielkanocny"),
               ("2026-05-01", "Święto Pracy"), ("2026-11-11", "Narodowe Święto Niepodległości"),
               ("2026-12-24", "Wigilia"), ("2026-12-25", "Boże Narodzenie"), ("2027-01-01", "Nowy Rok"),
               ("2027-01-06", "Trzech Króli"), ("2027-03-29", "Poniedziałek Wielkanocny")],
    "Toronto": [("2026-01-01", "New Year's Day"), ("2026-02-16", "Family Day"), ("2026-04-03", "Good Friday"),
                ("2026-05-18", "Victoria Day"), ("2026-07-01", "Canada Day"), ("2026-09-07", "Labour Day"),
                ("2026-10-12", "Thanksgiving"), ("2026-12-25", "Christmas Day"), ("2027-01-01", "New Year's Day"),
                ("2027-02-15", "Family Day")],
    "Mexico City": [("2026-01-01", "Año Nuevo"), ("2026-02-02", "Día de la Constitución"),
                    ("2026-03-16", "Natalicio de Benito Juárez"), ("2026-05-01", "Día del Trabajo"),
                    ("2026-09-16", "Día de la Independencia"), ("2026-11-16", "Día de la Revolución"),
                    ("2026-12-25", "Navidad"), ("2027-01-01", "Año Nuevo"), ("2027-02-01", "Día de la Constitución"),
                    ("2027-09-16", "Día de la Independencia")],
}


def holidays_csv() -> bytes:
    """The demo's holidays as the import takes them (office, date, name)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(calendar.HOLIDAY_COLUMNS)
    for office, days in HOLIDAYS.items():
        writer.writerows((office, day, name) for day, name in days)
    return out.getvalue().encode()


def seed(db: Database, offices: dict[str, int]) -> None:
    """Each demo office's zone, Monday to Friday, and its holidays (offices: name -> id)."""
    for office, zone in ZONES.items():
        calendar.save(db, offices[office], time_zone=zone, working_days=range(5))
    calendar.import_holidays(db, holidays_csv())
