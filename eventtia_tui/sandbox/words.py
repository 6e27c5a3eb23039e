"""Seeded word lists for realistic demo data. Names carry accents and non-Latin scripts on purpose.

Each name is (display, ascii) where ascii is what goes into an email address.
"""

FIRST_NAMES: list[tuple[str, str]] = [
    (n, n.lower())
    for n in (
        "Ana", "Carlos", "María", "Juan", "Lucía", "Mateo", "Sofía", "Diego", "Valentina", "Andrés",
        "Camila", "Santiago", "Isabella", "Sebastián", "Daniela", "Felipe", "Laura", "Nicolás",
        "Paula", "Tomás", "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Hugo", "Léa",
        "Chloé", "Jürgen", "Anja", "Björn", "Zoë", "Renée", "François", "Inés", "Joaquín", "Ramón",
        "Ñusta", "Priya", "Arjun", "Yuki", "Hiroshi", "Fatima", "Omar", "Amara", "Kwame", "Sven",
        "Ingrid", "Mónica", "Álvaro", "Óscar", "Gabriel", "Elena", "Marco", "Giulia", "Pedro",
        "Beatriz", "Rafael", "Catalina", "Esteban", "Jimena", "Martín", "Agustina", "Bruno",
    )
] + [("伟", "wei"), ("芳", "fang"), ("明", "ming"), ("静", "jing")]

LAST_NAMES: list[tuple[str, str]] = [
    (n, n.lower())
    for n in (
        "García", "Rodríguez", "Martínez", "López", "González", "Pérez", "Sánchez", "Ramírez",
        "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Ortiz", "Gutiérrez",
        "Chávez", "Ramos", "Vargas", "Castillo", "Jiménez", "Moreno", "Romero", "Herrera", "Medina",
        "Aguilar", "Núñez", "Muñoz", "Peña", "Müller", "Schröder", "Weiß", "Fischer", "Becker",
        "Dubois", "Lefèvre", "Rossi", "Bianchi", "Smith", "Johnson", "Brown", "Taylor", "Wilson",
        "O'Brien", "Nakamura", "Tanaka", "Kim", "Park", "Nguyễn", "Okafor", "Mensah", "Haddad",
        "Andersson", "Løvik", "Novák", "Kowalski", "Silva", "Santos", "Oliveira", "Costa",
        "Restrepo", "Zuluaga", "Echeverri", "Londoño", "Quintero", "Cárdenas", "Ospina",
    )
] + [("李", "li"), ("王", "wang"), ("张", "zhang"), ("陈", "chen")]

COMPANIES = [
    "Acme Logística", "Andes Analytics", "Bogotá Bioworks", "Café Cumbre", "Cóndor Capital",
    "Delta Diseño", "Eventtia", "Frutas del Valle", "Globant", "Helios Energía", "Iberia Foods",
    "Jaguar Labs", "Kiwi Robotics", "Lumen Health", "Medellín Motors", "Nómada Travel",
    "Orquídea Textiles", "Pacífico Seguros", "Quetzal Software", "Río Verde Agro", "Solaris Media",
    "Tierra Firme", "Umbral Legal", "Volcán Ventures", "Wayra Mining", "Xeno Pharma",
    "Yuca Studio", "Zafiro Finance", "Müller & Söhne", "Northwind Traders", "Blue Harbor",
    "上海贸易", "Crème Consulting", "Niño Toys", "Señal Telecom",
]
COMPANY_DOMAINS = ["example.com", "example.org", "mail.test", "corp.test", "empresa.test"]

JOB_TITLES = [
    "CEO", "CTO", "Head of Sales", "Buyer", "Procurement Lead", "Marketing Manager", "Engineer",
    "Designer", "Product Manager", "Consultant", "Founder", "Analyst", "Developer", "Director",
    "Account Executive", "Operations Manager", "Researcher", "Journalist", "Student",
]

CITY_IDS = [106297, 106298, 106299, 106300, 106301, 106302]

ACTIVITIES = [
    # (name, location, capacity)
    ("Opening Keynote: The Future of Events", "Main Hall", 900),
    ("Hands-on: Data Pipelines in Practice", "Room 101", 30),
    ("Panel: Sustainable Supply Chains", "Room 102", 50),
    ("Workshop: Negotiation for Buyers", "Room 201", 80),
    ("Café con Inversionistas", "Lounge", 60),
    ("Masterclass: Diseño de Experiencias", "Room 202", 120),
    ("Startup Pitch Session", "Main Hall", 400),
    ("Wine & Networking", "Terrace", 150),
    ("Closing Keynote: 李 Wei on Asian Markets", "Main Hall", 900),
    ("Demo Lab: Badge Printing", "Room 103", 25),
]
