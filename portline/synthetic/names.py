"""Name and place pools for synthetic people, by nationality. Invented combinations of
common names; any resemblance to a real person is chance."""

from __future__ import annotations

_HISPANIC_F = ["María", "Guadalupe", "Ana", "Rosa", "Carmen", "Daniela", "Fernanda", "Lucía", "Sofía", "Valeria", "Yesenia", "Karla", "Alejandra", "Gabriela", "Paola", "Marisol", "Elena", "Isabel", "Camila", "Juana", "Dayana", "Yuliana", "Leidy", "Xiomara"]
_HISPANIC_M = ["José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Francisco", "Pedro", "Jesús", "Alejandro", "Fernando", "Ricardo", "Óscar", "Santiago", "Mateo", "Andrés", "Javier", "Wilmer", "Yeferson", "Brayan", "Kevin", "Edwin", "Nelson", "Julio"]
_HISPANIC_S = ["García", "Hernández", "López", "Martínez", "González", "Rodríguez", "Pérez", "Sánchez", "Ramírez", "Flores", "Cruz", "Morales", "Reyes", "Gutiérrez", "Ortiz", "Castillo", "Mejía", "Vásquez", "Aguilar", "Chávez", "Rivera", "Álvarez", "Mendoza", "Torres", "Romero", "Díaz", "Ruiz", "Jiménez", "Moreno", "Herrera", "Medina", "Castro", "Vargas", "Rojas", "Contreras", "Guzmán", "Salazar", "Ramos", "Molina", "Orellana"]
_HAITIAN_F = ["Marie", "Rose", "Nadège", "Fabienne", "Guerline", "Mirlande", "Wideline", "Roselène", "Jésula", "Darline", "Esther", "Sandra", "Naïka", "Stéphanie", "Lovely"]
_HAITIAN_M = ["Jean", "Pierre", "Jean-Baptiste", "Wilner", "Frantz", "Jocelyn", "Ricardo", "Wisly", "Emmanuel", "Kervens", "Stanley", "Junior", "Evens", "Jameson", "Widlin"]
_HAITIAN_S = ["Joseph", "Jean-Louis", "Pierre", "Louis", "Charles", "Saint-Fleur", "Baptiste", "Désir", "Dorvil", "Étienne", "François", "Augustin", "Noël", "Toussaint", "Alexis", "Célestin", "Michel", "Fils-Aimé", "Laguerre", "Valcin"]
_RUSSIAN_F = ["Anna", "Olga", "Elena", "Natalia", "Irina", "Svetlana", "Tatiana", "Maria", "Ekaterina", "Yulia"]
_RUSSIAN_M = ["Aleksandr", "Dmitry", "Sergey", "Andrey", "Alexey", "Ivan", "Mikhail", "Nikolai", "Vladimir", "Pavel"]
_RUSSIAN_S = ["Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov", "Sokolov", "Mikhailov", "Novikov", "Fedorov", "Morozov", "Volkov"]
_BRAZIL_F = ["Ana", "Maria", "Juliana", "Fernanda", "Patrícia", "Aline", "Camila", "Bruna"]
_BRAZIL_M = ["João", "José", "Antônio", "Francisco", "Carlos", "Paulo", "Lucas", "Gabriel"]
_BRAZIL_S = ["Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes", "Costa", "Ribeiro"]

HISPANIC = (_HISPANIC_F, _HISPANIC_M, _HISPANIC_S, True)
POOLS = {
    "MX": HISPANIC, "HN": HISPANIC, "GT": HISPANIC, "SV": HISPANIC, "VE": HISPANIC, "CU": HISPANIC,
    "CO": HISPANIC, "EC": HISPANIC, "NI": HISPANIC, "PE": HISPANIC,
    "HT": (_HAITIAN_F, _HAITIAN_M, _HAITIAN_S, False),
    "RU": (_RUSSIAN_F, _RUSSIAN_M, _RUSSIAN_S, False),
    "BR": (_BRAZIL_F, _BRAZIL_M, _BRAZIL_S, False),
}

# Share of people by nationality (rough shape of the reported mix; Mexico about a quarter).
NATIONALITY_WEIGHTS = {
    "MX": 0.23, "HN": 0.12, "VE": 0.14, "HT": 0.12, "GT": 0.08, "CU": 0.09, "SV": 0.05,
    "CO": 0.05, "EC": 0.04, "NI": 0.03, "PE": 0.02, "RU": 0.02, "BR": 0.01,
}

BIRTH_CITIES = {
    "MX": ["Guadalajara", "Morelia", "Acapulco", "Oaxaca", "Tapachula", "Zacatecas", "Puebla", "Chilpancingo"],
    "HN": ["Tegucigalpa", "San Pedro Sula", "La Ceiba", "Choluteca"],
    "GT": ["Ciudad de Guatemala", "Quetzaltenango", "Huehuetenango", "Cobán"],
    "SV": ["San Salvador", "Santa Ana", "San Miguel"],
    "VE": ["Caracas", "Maracaibo", "Valencia", "Barquisimeto", "Maracay"],
    "CU": ["La Habana", "Santiago de Cuba", "Camagüey", "Holguín"],
    "CO": ["Bogotá", "Medellín", "Cali", "Barranquilla"],
    "EC": ["Guayaquil", "Quito", "Cuenca"],
    "NI": ["Managua", "León", "Masaya"],
    "PE": ["Lima", "Arequipa", "Trujillo"],
    "HT": ["Port-au-Prince", "Cap-Haïtien", "Gonaïves", "Les Cayes", "Jacmel"],
    "RU": ["Moskva", "Sankt-Peterburg", "Kazan", "Novosibirsk"],
    "BR": ["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Recife"],
}
LANGUAGE_OF = {"HT": "ht", "RU": "ru", "BR": "pt"}

# Where people wait in Mexico (shelters near the ports), as (city, state).
WAITING_CITIES = [
    ("Tijuana", "Baja California"), ("Mexicali", "Baja California"), ("Nogales", "Sonora"),
    ("Ciudad Juárez", "Chihuahua"), ("Piedras Negras", "Coahuila"), ("Nuevo Laredo", "Tamaulipas"),
    ("Reynosa", "Tamaulipas"), ("Matamoros", "Tamaulipas"), ("Monterrey", "Nuevo León"),
    ("Ciudad de México", "Ciudad de México"),
]

US_DESTINATIONS = [
    ("Houston", "TX", "770"), ("Los Angeles", "CA", "900"), ("Miami", "FL", "331"), ("New York", "NY", "100"),
    ("Chicago", "IL", "606"), ("Denver", "CO", "802"), ("Phoenix", "AZ", "850"), ("Atlanta", "GA", "303"),
    ("Newark", "NJ", "071"), ("San Antonio", "TX", "782"), ("Dallas", "TX", "752"), ("Boston", "MA", "021"),
]
STREETS = ["Main St", "Oak Ave", "Maple St", "Cedar Rd", "Pine St", "Elm St", "Washington Ave", "Lake Dr", "Hill Rd", "Park Ave"]

PARTNERS = [
    ("Casa del Migrante Tijuana (demo)", "shelter", "Tijuana"),
    ("Albergue Municipal Mexicali (demo)", "municipal", "Mexicali"),
    ("Clínica Jurídica Frontera (demo)", "legal_clinic", "Ciudad Juárez"),
    ("Red de Apoyo Reynosa (demo)", "ngo", "Reynosa"),
]
