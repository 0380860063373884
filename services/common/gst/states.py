"""GST state codes and the names people read them by (a GSTIN's first two digits, a place of supply).

The codes are GSTN's: 01-38 for the states and union territories, 97 for other territory and, as a place
of supply only, 96 for a foreign country. Codes that name a former state (25 Daman and Diu, merged into 26
in 2020; 28 Andhra Pradesh before its division) are kept: old documents carry them.
"""

from __future__ import annotations

STATE_NAMES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "25": "Daman and Diu",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "28": "Andhra Pradesh (Before Division)",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "96": "Foreign Country",
    "97": "Other Territory",
}


def state_name(code: str) -> str:
    """The name of a state code; a code GSTN does not define is shown as it is, never guessed at."""
    return STATE_NAMES.get(code, code)
