"""Where the demo company's warehouses and customers are (city, country, lat, lon)."""

WAREHOUSES = [
    ("RTM", "Rotterdam DC", "Benelux", "Rotterdam", 51.9244, 4.4777, 1),
    ("LYS", "Lyon DC", "France & Iberia", "Lyon", 45.7640, 4.8357, 1),
    ("POZ", "Poznań DC", "Central Europe", "Poznań", 52.4064, 16.9252, 2),
]

CITIES = [
    ("Amsterdam", "NL", 52.3676, 4.9041), ("Utrecht", "NL", 52.0907, 5.1214), ("Eindhoven", "NL", 51.4416, 5.4697),
    ("Antwerp", "BE", 51.2194, 4.4025), ("Brussels", "BE", 50.8503, 4.3517), ("Liège", "BE", 50.6326, 5.5797),
    ("Cologne", "DE", 50.9375, 6.9603), ("Düsseldorf", "DE", 51.2277, 6.7735), ("Hamburg", "DE", 53.5511, 9.9937),
    ("Berlin", "DE", 52.5200, 13.4050), ("Munich", "DE", 48.1351, 11.5820), ("Frankfurt", "DE", 50.1109, 8.6821),
    ("Stuttgart", "DE", 48.7758, 9.1829), ("Leipzig", "DE", 51.3397, 12.3731), ("Paris", "FR", 48.8566, 2.3522),
    ("Lille", "FR", 50.6292, 3.0573), ("Marseille", "FR", 43.2965, 5.3698), ("Toulouse", "FR", 43.6047, 1.4442),
    ("Bordeaux", "FR", 44.8378, -0.5792), ("Nantes", "FR", 47.2184, -1.5536), ("Grenoble", "FR", 45.1885, 5.7245),
    ("Strasbourg", "FR", 48.5734, 7.7521), ("Barcelona", "ES", 41.3874, 2.1686), ("Madrid", "ES", 40.4168, -3.7038),
    ("Valencia", "ES", 39.4699, -0.3763), ("Milan", "IT", 45.4642, 9.1900), ("Turin", "IT", 45.0703, 7.6869),
    ("Geneva", "CH", 46.2044, 6.1432), ("Zurich", "CH", 47.3769, 8.5417), ("Warsaw", "PL", 52.2297, 21.0122),
    ("Kraków", "PL", 50.0647, 19.9450), ("Wrocław", "PL", 51.1079, 17.0385), ("Gdańsk", "PL", 54.3520, 18.6466),
    ("Łódź", "PL", 51.7592, 19.4560), ("Prague", "CZ", 50.0755, 14.4378), ("Brno", "CZ", 49.1951, 16.6068),
    ("Vienna", "AT", 48.2082, 16.3738), ("Bratislava", "SK", 48.1486, 17.1077), ("Budapest", "HU", 47.4979, 19.0402),
    ("Copenhagen", "DK", 55.6761, 12.5683), ("Luxembourg", "LU", 49.6116, 6.1319),
]

CUSTOMER_KINDS = [
    ("Hardware", "retailer"), ("Bouwmarkt", "retailer"), ("Werkstatt", "workshop"), ("Garage", "workshop"),
    ("Hospital", "hospital"), ("Klinik", "hospital"), ("Facilities", "contractor"), ("Installateurs", "contractor"),
    ("Elektro", "contractor"), ("Outillage", "retailer"), ("Ferramenta", "retailer"), ("Serwis", "workshop"),
]
