"""Words of the demo dataset: names, places, companies, products and the
templates its posts, replies, reviews and survey comments are written from.

Everything here is data plus the small grammar helpers that fill a template
(articles and agreement in Spanish and French). :mod:`scrm.demo` draws the
random choices; this module turns them into text. Templates are written by
hand in each language (never translated word for word) so that a per-language
sentiment model sees real positive and negative wording.

Template slots (``str.format`` fields):

- every language: ``{b}`` brand as written in the post, ``{comp}`` another
  brand, ``{city}`` a store city, ``{days}`` ``{weeks}`` ``{hours}``
  ``{minutes}`` ``{pct}`` numbers, ``{price}`` a formatted price,
  ``{agent}`` a staff first name, ``{room}`` a room with its article,
  ``{code}`` a discount code, ``{p}`` the bare product name;
- English: ``{the_p}`` ``{my_p}`` ``{a_p}``;
- Spanish: ``{el_p}`` ``{un_p}`` ``{mi_p}`` ``{del_p}`` ``{al_p}`` ``{este_p}``
  and agreement endings ``{o}`` (o/a) and the pronoun ``{lo}`` (lo/la);
- French: ``{le_p}`` ``{un_p}`` ``{mon_p}`` ``{du_p}`` ``{au_p}`` ``{ce_p}``
  and ``{e}`` ("" or "e"), ``{il}`` (il/elle).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LANGS: tuple[str, ...] = ("en", "es", "fr")
COUNTRIES: tuple[str, ...] = ("ES", "FR", "GB")
COUNTRY_LANG: dict[str, str] = {"ES": "es", "FR": "fr", "GB": "en"}
COUNTRY_NAMES: dict[str, str] = {"ES": "Spain", "FR": "France", "GB": "United Kingdom"}
# How a profile's free-text location names the country ("Sevilla, España").
COUNTRY_IN_LOCATION: dict[str, tuple[str, ...]] = {
    "ES": ("España", "Spain", "ES"),
    "FR": ("France", "FR"),
    "GB": ("UK", "England", "United Kingdom"),
}
SENTIMENTS: tuple[str, ...] = ("neg", "neu", "pos")
TOPICS: tuple[str, ...] = (
    "delivery",
    "quality",
    "price",
    "service",
    "store",
    "product",
    "sustainability",
    "returns",
    "app",
)
CATEGORIES: tuple[str, ...] = ("furniture", "lighting", "textiles", "kitchen", "decor")


def _t(block: str) -> tuple[str, ...]:
    """The non-blank lines of a block, stripped: one template per line."""
    return tuple(line.strip() for line in block.strip().splitlines() if line.strip())


# --- people and places -------------------------------------------------------------

FIRST_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "ES": {
        "f": _t("""
            María
            Lucía
            Carmen
            Sofía
            Laura
            Marta
            Paula
            Ana
            Elena
            Cristina
            Isabel
            Sara
            Andrea
            Alba
            Irene
            Claudia
            Nuria
            Rocío
            Pilar
            Beatriz
            Raquel
            Silvia
            Patricia
            Noelia
            Inés
            Julia
            Carla
            Aitana
            Nerea
            Ainhoa
            Montserrat
            Begoña
            Teresa
            Lorena
            Verónica
            Miriam
            Alicia
            Rosa
            Mercedes
            Celia
            Blanca
            Olga
            Natalia
            Eva
            Amparo
            Leire
            Itziar
            Núria
            Mireia
            Candela
        """),
        "m": _t("""
            José
            Antonio
            Manuel
            Francisco
            David
            Javier
            Daniel
            Carlos
            Miguel
            Alejandro
            Pablo
            Sergio
            Jorge
            Álvaro
            Adrián
            Diego
            Raúl
            Rubén
            Iván
            Óscar
            Andrés
            Fernando
            Luis
            Jesús
            Alberto
            Víctor
            Hugo
            Mario
            Marcos
            Gonzalo
            Íñigo
            Unai
            Asier
            Jordi
            Marc
            Pau
            Joan
            Sebastián
            Ignacio
            Rafael
            Enrique
            Ramón
            Tomás
            Martín
            Nicolás
            Guillermo
            Jaime
            Héctor
            Borja
            Mateo
        """),
    },
    "FR": {
        "f": _t("""
            Camille
            Léa
            Manon
            Chloé
            Inès
            Jade
            Louise
            Emma
            Zoé
            Juliette
            Élodie
            Amélie
            Céline
            Aurélie
            Mathilde
            Margaux
            Anaïs
            Clémence
            Hélène
            Sophie
            Nathalie
            Isabelle
            Sandrine
            Valérie
            Émilie
            Pauline
            Laure
            Agathe
            Maëlle
            Noémie
            Charlotte
            Marine
            Lucie
            Claire
            Audrey
            Justine
            Océane
            Solène
            Coralie
            Estelle
            Gaëlle
            Sylvie
            Brigitte
            Françoise
            Martine
            Lina
            Yasmine
            Sarah
            Marie
            Anne
        """),
        "m": _t("""
            Lucas
            Hugo
            Louis
            Gabriel
            Arthur
            Jules
            Nathan
            Théo
            Raphaël
            Léo
            Mathéo
            Thomas
            Nicolas
            Julien
            Antoine
            Maxime
            Alexandre
            Guillaume
            Pierre
            François
            Jérôme
            Sébastien
            Stéphane
            Benoît
            Clément
            Rémi
            Baptiste
            Mathieu
            Olivier
            Frédéric
            Cédric
            Loïc
            Gaël
            Adrien
            Romain
            Quentin
            Florian
            Vincent
            Damien
            Yann
            Karim
            Mehdi
            Thibault
            Bastien
            Étienne
            Grégoire
            Hervé
            Philippe
            Patrick
            Noé
        """),
    },
    "GB": {
        "f": _t("""
            Olivia
            Amelia
            Isla
            Ava
            Emily
            Sophie
            Grace
            Lily
            Freya
            Mia
            Ella
            Charlotte
            Poppy
            Evie
            Jessica
            Isabella
            Ruby
            Daisy
            Chloe
            Holly
            Megan
            Lucy
            Hannah
            Eleanor
            Niamh
            Siobhan
            Priya
            Aisha
            Zara
            Imogen
            Harriet
            Rebecca
            Sarah
            Laura
            Katie
            Gemma
            Rachel
            Claire
            Helen
            Emma
            Abigail
            Georgia
            Phoebe
            Jasmine
            Kirsty
            Fiona
            Catriona
            Rhiannon
            Bethan
            Nadia
        """),
        "m": _t("""
            Oliver
            George
            Harry
            Jack
            Jacob
            Noah
            Charlie
            Thomas
            Oscar
            William
            James
            Leo
            Alfie
            Henry
            Joshua
            Freddie
            Archie
            Ethan
            Isaac
            Alexander
            Daniel
            Samuel
            Joseph
            Max
            Lucas
            Mohammed
            Callum
            Liam
            Ewan
            Rhys
            Owen
            Dylan
            Ben
            Matthew
            Luke
            Adam
            Ryan
            Jamie
            Connor
            Hamish
            Angus
            Euan
            Gareth
            Dafydd
            Arjun
            Rohan
            Kieran
            Tom
            Michael
            David
        """),
    },
}

SURNAMES: dict[str, tuple[str, ...]] = {
    "ES": _t("""
        García
        Fernández
        González
        Rodríguez
        López
        Martínez
        Sánchez
        Pérez
        Gómez
        Martín
        Jiménez
        Ruiz
        Hernández
        Díaz
        Moreno
        Muñoz
        Álvarez
        Romero
        Alonso
        Gutiérrez
        Navarro
        Torres
        Domínguez
        Vázquez
        Ramos
        Gil
        Ramírez
        Serrano
        Blanco
        Molina
        Morales
        Suárez
        Ortega
        Delgado
        Castro
        Ortiz
        Rubio
        Marín
        Sanz
        Núñez
        Iglesias
        Medina
        Garrido
        Cortés
        Castillo
        Santos
        Lozano
        Guerrero
        Cano
        Prieto
        Méndez
        Cruz
        Calvo
        Gallego
        Vidal
        León
        Márquez
        Herrera
        Peña
        Flores
        Cabrera
        Campos
        Vega
        Fuentes
        Carrasco
        Díez
        Caballero
        Reyes
        Nieto
        Aguilar
        Pascual
        Herrero
        Lorenzo
        Montero
        Hidalgo
        Giménez
        Ibáñez
        Ferrer
        Durán
        Benítez
        Mora
        Vicente
        Vargas
        Arias
        Carmona
        Crespo
        Román
        Pastor
        Soto
        Sáez
        Velasco
        Moya
        Soler
        Parra
        Esteban
        Bravo
        Gallardo
        Rojas
        Etxeberria
        Aguirre
        Goikoetxea
        Puig
        Vila
        Roca
        Casas
        Ferrández
        Quintana
        Escobar
        Salazar
    """),
    "FR": _t("""
        Martin
        Bernard
        Dubois
        Thomas
        Robert
        Richard
        Petit
        Durand
        Leroy
        Moreau
        Simon
        Laurent
        Lefèvre
        Michel
        Garcia
        David
        Bertrand
        Roux
        Vincent
        Fournier
        Morel
        Girard
        André
        Lefebvre
        Mercier
        Dupont
        Lambert
        Bonnet
        François
        Legrand
        Garnier
        Faure
        Rousseau
        Blanc
        Guérin
        Muller
        Henry
        Roussel
        Perrin
        Morin
        Mathieu
        Clément
        Gauthier
        Dumont
        Fontaine
        Chevalier
        Robin
        Masson
        Gérard
        Nguyen
        Boyer
        Denis
        Lemaire
        Duval
        Joly
        Gautier
        Roche
        Noël
        Meyer
        Meunier
        Marchand
        Dufour
        Blanchard
        Barbier
        Brun
        Dumas
        Brunet
        Schmitt
        Leroux
        Colin
        Renard
        Arnaud
        Rolland
        Caron
        Aubert
        Giraud
        Leclerc
        Bourgeois
        Renaud
        Lemoine
        Picard
        Gaillard
        Lacroix
        Fabre
        Dupuis
        Hubert
        Rivière
        Le Gall
        Moulin
        Berger
        Lecomte
        Ménard
        Fleury
        Deschamps
        Carpentier
        Maillard
        Aubry
        Vasseur
        Le Roux
        Jacquet
        Prévost
        Poirier
        Charpentier
        Huet
        Baron
        Dupuy
        Bouvier
        Benali
        Haddad
        Da Silva
    """),
    "GB": _t("""
        Smith
        Jones
        Williams
        Taylor
        Brown
        Davies
        Evans
        Wilson
        Thomas
        Johnson
        Roberts
        Robinson
        Thompson
        Wright
        Walker
        White
        Edwards
        Hughes
        Green
        Hall
        Lewis
        Harris
        Clarke
        Patel
        Jackson
        Wood
        Turner
        Martin
        Cooper
        Hill
        Ward
        Morris
        Moore
        Clark
        Lee
        King
        Baker
        Harrison
        Morgan
        Allen
        James
        Scott
        Phillips
        Watson
        Davis
        Parker
        Price
        Bennett
        Young
        Griffiths
        Mitchell
        Kelly
        Cook
        Carter
        Richardson
        Bailey
        Collins
        Bell
        Shaw
        Murphy
        Miller
        Cox
        Richards
        Khan
        Marshall
        Anderson
        Simpson
        Ellis
        Adams
        Singh
        Wilkinson
        Foster
        Chapman
        Powell
        Webb
        Rogers
        Gray
        Mason
        Ali
        Hunt
        Hussain
        Campbell
        Matthews
        Owen
        Palmer
        Holmes
        Mills
        Barnes
        Knight
        Lloyd
        Butler
        Russell
        Barker
        Fisher
        Stevens
        Jenkins
        Murray
        Dixon
        Harvey
        MacDonald
        O'Brien
        McLean
        Fraser
        Stewart
        Reid
        Sutherland
        Doherty
        Okafor
        Chowdhury
    """),
}

# Cities and the share of a country's customers living there.
CITIES: dict[str, tuple[tuple[str, float], ...]] = {
    "ES": (
        ("Madrid", 0.27),
        ("Barcelona", 0.21),
        ("Valencia", 0.11),
        ("Sevilla", 0.09),
        ("Bilbao", 0.06),
        ("Málaga", 0.07),
        ("Zaragoza", 0.06),
        ("Palma", 0.04),
        ("Alicante", 0.03),
        ("Granada", 0.03),
        ("Valladolid", 0.03),
    ),
    "FR": (
        ("Paris", 0.31),
        ("Lyon", 0.13),
        ("Marseille", 0.10),
        ("Lille", 0.08),
        ("Bordeaux", 0.09),
        ("Toulouse", 0.09),
        ("Nantes", 0.07),
        ("Nice", 0.05),
        ("Strasbourg", 0.05),
        ("Rennes", 0.03),
    ),
    "GB": (
        ("London", 0.36),
        ("Manchester", 0.12),
        ("Leeds", 0.08),
        ("Bristol", 0.08),
        ("Glasgow", 0.09),
        ("Birmingham", 0.10),
        ("Edinburgh", 0.07),
        ("Liverpool", 0.06),
        ("Cardiff", 0.04),
    ),
}

# Cities with a store of the three brands (the demo keeps one store map for all).
STORE_CITIES: dict[str, tuple[str, ...]] = {
    "ES": ("Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao", "Málaga"),
    "FR": ("Paris", "Lyon", "Bordeaux", "Lille", "Marseille"),
    "GB": ("London", "Manchester", "Leeds", "Bristol", "Glasgow"),
}

# Free-text locations of people who do not give their city.
VAGUE_LOCATIONS: dict[str, tuple[str, ...]] = {
    "es": _t("""
        España
        Entre la sierra y el mar
        Sur de España
        En mi sofá
        Donde haya café
        Costa Brava
        Norte 🌧️
        Península Ibérica
    """),
    "fr": _t("""
        France
        Quelque part en Bretagne
        Sud de la France ☀️
        Ici et ailleurs
        Sous la couette
        Côte Atlantique
        Hauts-de-France
    """),
    "en": _t("""
        UK
        England
        Somewhere up north
        South coast
        Scotland
        Wherever the coffee is
        Living my best life
        Yorkshire
        Down south
    """),
}

EMAIL_DOMAINS: dict[str, tuple[tuple[str, float], ...]] = {
    "ES": (
        ("gmail.com", 0.48),
        ("hotmail.com", 0.14),
        ("hotmail.es", 0.10),
        ("yahoo.es", 0.07),
        ("outlook.es", 0.08),
        ("icloud.com", 0.06),
        ("telefonica.net", 0.04),
        ("movistar.es", 0.03),
    ),
    "FR": (
        ("gmail.com", 0.40),
        ("orange.fr", 0.15),
        ("free.fr", 0.10),
        ("hotmail.fr", 0.10),
        ("laposte.net", 0.07),
        ("sfr.fr", 0.06),
        ("wanadoo.fr", 0.05),
        ("yahoo.fr", 0.04),
        ("outlook.fr", 0.03),
    ),
    "GB": (
        ("gmail.com", 0.42),
        ("hotmail.co.uk", 0.14),
        ("yahoo.co.uk", 0.10),
        ("btinternet.com", 0.08),
        ("outlook.com", 0.10),
        ("icloud.com", 0.08),
        ("live.co.uk", 0.05),
        ("sky.com", 0.03),
    ),
}
# Slips people make when typing an address (kept, as a real CRM keeps them).
EMAIL_TYPOS: dict[str, str] = {
    "gmail.com": "gmial.com",
    "hotmail.com": "hotmial.com",
    "hotmail.es": "hotmail.es.",
    "hotmail.fr": "hotmal.fr",
    "yahoo.co.uk": "yahoo.co.uk.com",
    "outlook.com": "outlok.com",
    "orange.fr": "orange.fr ",
    "icloud.com": "icloud.con",
}

# --- B2B accounts ---------------------------------------------------------------

ACCOUNT_KINDS: tuple[str, ...] = ("hotel", "cafe", "studio")
ACCOUNT_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "ES": {
        "hotel": _t("""
            Hotel Mirador de {city}
            Hotel Casa Azahar
            Hostal La Encina
            Hotel Boutique Las Dunas
            Hotel Puerta del Sol y Mar
            Casa Rural El Almendro
            Hotel Jardín de Olivos
            Hotel Alameda Suites
        """),
        "cafe": _t("""
            Café Botánico
            Cafetería La Tahona
            Bar Restaurante El Patio
            Café de la Plaza {city}
            La Bodeguita de Enfrente
            Granja Petit Cafè
            Café Lumbre
            Restaurante Mar de Fondo
        """),
        "studio": _t("""
            Estudio Lumbre Interiorismo
            Taller de Interiores Alba
            Nómada Interiorismo {city}
            Estudio Arce y Lino
            Habitar Diseño de Interiores
            Estudio Cal y Canto
            Casa Fénix Interiorismo
        """),
    },
    "FR": {
        "hotel": _t("""
            Hôtel des Tilleuls
            Hôtel Le Petit Phare
            Hôtel Particulier {city}
            Maison d'hôtes Les Glycines
            Hôtel du Vieux Port
            Hôtel Les Marronniers
            Auberge du Moulin
        """),
        "cafe": _t("""
            Café des Arts
            Brasserie du Marché
            Le Comptoir de {city}
            Salon de thé Madeleine
            Café Pigment
            Bistrot des Halles
            La Fabrique à Café
        """),
        "studio": _t("""
            Atelier Mansarde Design
            Studio Lin & Chêne
            Atelier Volume Intérieur
            Agence Terracotta {city}
            Studio Plume Architecture
            Maison Ocre Décoration
        """),
    },
    "GB": {
        "hotel": _t("""
            The Harbour Hotel
            Kingsley House Hotel
            The {city} Townhouse
            Willow Lodge B&B
            The Old Rectory Hotel
            Hawthorn Court Hotel
            The Mariner's Rest
        """),
        "cafe": _t("""
            Copper Kettle Café
            Bean & Bloom Coffee
            The Larder {city}
            Crumb & Co
            The Daily Grind
            Honeypot Tearooms
            Salt & Sage Kitchen
        """),
        "studio": _t("""
            Ashdown Interiors Studio
            Marlow & Finch Design
            {city} Interior Co
            Fern & Flint Interiors
            Hollis Studio
            Brightwell Design House
        """),
    },
}
JOB_TITLES: dict[str, tuple[str, ...]] = {
    "ES": ("Responsable de compras", "Gerente", "Interiorista", "Directora de operaciones", "Jefe de mantenimiento"),
    "FR": ("Responsable des achats", "Gérant", "Architecte d'intérieur", "Directrice d'exploitation", "Chef de projet"),
    "GB": ("Purchasing manager", "General manager", "Interior designer", "Operations director", "Owner"),
}

# --- brands and products ---------------------------------------------------------------

OWN_BRAND = "Velora"
COMPETITORS: tuple[str, ...] = ("Casanova Home", "Maison Brix")
BRANDS: tuple[str, ...] = (OWN_BRAND, *COMPETITORS)


@dataclass(frozen=True)
class BrandAccounts:
    """The accounts a brand posts and answers from."""

    social: dict[str, str]  # language -> handle on twitter, instagram, facebook, tiktok
    support: str  # twitter handle of customer care
    display: str  # author_name of the brand's accounts
    support_display: str
    tags: tuple[str, ...]  # hashtags people use for the brand
    written: tuple[str, ...]  # ways people write the brand's name
    followers: int  # followers of each social account
    agents: dict[str, tuple[str, ...]]  # signatures of support agents per language


BRAND_ACCOUNTS: dict[str, BrandAccounts] = {
    "Velora": BrandAccounts(
        social={"en": "velora_uk", "es": "velora_es", "fr": "velora_fr"},
        support="velora_help",
        display="Velora",
        support_display="Velora Help",
        tags=("#Velora", "#VeloraHome", "#MyVelora"),
        written=("Velora", "Velora", "Velora", "Velora", "Velora", "velora", "VELORA"),
        followers=86_400,
        agents={
            "en": ("^Laura", "^Tom", "^Priya", "^Sam", "- Hannah", "^JW"),
            "es": ("^Lucía", "^Pablo", "^Marta", "^Javi", "- Carmen", "^IR"),
            "fr": ("^Camille", "^Julien", "^Sarah", "^Thomas", "- Léa", "^MB"),
        },
    ),
    "Casanova Home": BrandAccounts(
        social={"en": "casanovahome_uk", "es": "casanovahome", "fr": "casanovahome_fr"},
        support="casanovahome_care",
        display="Casanova Home",
        support_display="Casanova Home Atención al Cliente",
        tags=("#CasanovaHome", "#Casanova"),
        written=("Casanova Home", "Casanova Home", "Casanova Home", "Casanova", "casanova home"),
        followers=142_000,
        agents={
            "en": ("Team Casanova", "^AB", "^Kate"),
            "es": ("Equipo Casanova", "^Rocío", "^Dani"),
            "fr": ("L'équipe Casanova", "^Nina", "^Marc"),
        },
    ),
    "Maison Brix": BrandAccounts(
        social={"en": "maisonbrix_uk", "es": "maisonbrix_es", "fr": "maisonbrix"},
        support="maisonbrix_sav",
        display="Maison Brix",
        support_display="Maison Brix Service Client",
        tags=("#MaisonBrix", "#Brix"),
        written=("Maison Brix", "Maison Brix", "Maison Brix", "Brix", "maison brix"),
        followers=64_300,
        agents={
            "en": ("^Chloe", "^Ben", "Maison Brix Care"),
            "es": ("^Elena", "^Hugo", "Equipo Maison Brix"),
            "fr": ("^Margaux", "^Antoine", "Le service client Maison Brix"),
        },
    ),
}


@dataclass(frozen=True)
class Product:
    """A named product of one brand, with its name in each language."""

    brand: str
    category: str
    price_eur: int
    en: str
    es: str
    es_gender: str  # "m" or "f"
    fr: str
    fr_gender: str
    fr_elide: bool = False  # l'étagère, mon étagère


PRODUCTS: tuple[Product, ...] = (
    Product("Velora", "furniture", 1290, "Lisboa sofa", "sofá Lisboa", "m", "canapé Lisboa", "m"),
    Product("Velora", "lighting", 89, "Nube lamp", "lámpara Nube", "f", "lampe Nube", "f"),
    Product("Velora", "furniture", 549, "Oslo armchair", "sillón Oslo", "m", "fauteuil Oslo", "m"),
    Product("Velora", "textiles", 229, "Duna rug", "alfombra Duna", "f", "tapis Duna", "m"),
    Product("Velora", "furniture", 790, "Roble dining table", "mesa Roble", "f", "table Roble", "f"),
    Product("Velora", "textiles", 69, "Brisa duvet cover", "funda nórdica Brisa", "f", "housse de couette Brisa", "f"),
    Product("Velora", "kitchen", 119, "Terra dinner set", "vajilla Terra", "f", "service de table Terra", "m"),
    Product("Velora", "decor", 159, "Alba mirror", "espejo Alba", "m", "miroir Alba", "m"),
    Product("Velora", "kitchen", 39, "Kyoto teapot", "tetera Kyoto", "f", "théière Kyoto", "f"),
    Product("Velora", "textiles", 29, "Cala cushion", "cojín Cala", "m", "coussin Cala", "m"),
    Product("Velora", "lighting", 189, "Siena floor lamp", "lámpara de pie Siena", "f", "lampadaire Siena", "m"),
    Product("Velora", "furniture", 349, "Olivo bookcase", "estantería Olivo", "f", "étagère Olivo", "f", True),
    Product("Velora", "decor", 45, "Marea vase", "jarrón Marea", "m", "vase Marea", "m"),
    Product("Velora", "textiles", 59, "Lino throw", "manta Lino", "f", "plaid Lino", "m"),
    Product("Casanova Home", "furniture", 690, "Menorca sofa", "sofá Menorca", "m", "canapé Menorca", "m"),
    Product("Casanova Home", "lighting", 39, "Faro lamp", "lámpara Faro", "f", "lampe Faro", "f"),
    Product("Casanova Home", "furniture", 99, "Kubo shelving unit", "estantería Kubo", "f", "étagère Kubo", "f", True),
    Product("Casanova Home", "furniture", 299, "Nido bed", "cama Nido", "f", "lit Nido", "m"),
    Product("Casanova Home", "kitchen", 79, "Sal pan set", "batería de cocina Sal", "f", "batterie de cuisine Sal", "f"),
    Product("Casanova Home", "textiles", 89, "Palma rug", "alfombra Palma", "f", "tapis Palma", "m"),
    Product("Casanova Home", "textiles", 15, "Arena cushion", "cojín Arena", "m", "coussin Arena", "m"),
    Product("Maison Brix", "furniture", 2190, "Ouessant sofa", "sofá Ouessant", "m", "canapé Ouessant", "m"),
    Product("Maison Brix", "lighting", 245, "Cabane lamp", "lámpara Cabane", "f", "lampe Cabane", "f"),
    Product("Maison Brix", "furniture", 1150, "Camargue sideboard", "aparador Camargue", "m", "buffet Camargue", "m"),
    Product("Maison Brix", "furniture", 890, "Étretat armchair", "butaca Étretat", "f", "fauteuil Étretat", "m"),
    Product("Maison Brix", "furniture", 1490, "Vercors table", "mesa Vercors", "f", "table Vercors", "f"),
    Product("Maison Brix", "textiles", 189, "Lin bedding set", "juego de cama Lin", "m", "parure de lit Lin", "f"),
    Product("Maison Brix", "kitchen", 135, "Grès dinnerware", "vajilla Grès", "f", "vaisselle Grès", "f"),
)

GBP_PER_EUR = 0.86


def format_price(eur: float, lang: str) -> str:
    """A price as people write it: ``£1,109`` in English, ``1.290€`` or ``1 290 €`` in French."""
    if lang == "en":
        return f"£{round(eur * GBP_PER_EUR):,}"
    value = f"{round(eur):,}"
    if lang == "es":
        return value.replace(",", ".") + "€"
    return value.replace(",", "\u202f") + " €"


def _an(word: str) -> str:
    return "an" if unicodedata.normalize("NFD", word[:1].lower())[:1] in "aeiou" else "a"


def product_slots(product: Product, lang: str) -> dict[str, str]:
    """The product slots of a template in ``lang``: names with articles and agreement."""
    if lang == "en":
        name = product.en
        return {"p": name, "the_p": f"the {name}", "my_p": f"my {name}", "a_p": f"{_an(name)} {name}", "category": product.category}
    if lang == "es":
        name, f = product.es, product.es_gender == "f"
        return {
            "p": name,
            "el_p": f"{'la' if f else 'el'} {name}",
            "un_p": f"{'una' if f else 'un'} {name}",
            "mi_p": f"mi {name}",
            "del_p": f"{'de la' if f else 'del'} {name}",
            "al_p": f"{'a la' if f else 'al'} {name}",
            "este_p": f"{'esta' if f else 'este'} {name}",
            "o": "a" if f else "o",
            "lo": "la" if f else "lo",
            "category": product.category,
        }
    name, f, elide = product.fr, product.fr_gender == "f", product.fr_elide
    return {
        "p": name,
        "le_p": f"l'{name}" if elide else f"{'la' if f else 'le'} {name}",
        "un_p": f"{'une' if f else 'un'} {name}",
        "mon_p": f"{'ma' if f and not elide else 'mon'} {name}",
        "du_p": f"de l'{name}" if elide else f"{'de la' if f else 'du'} {name}",
        "au_p": f"à l'{name}" if elide else f"{'à la' if f else 'au'} {name}",
        "ce_p": f"{'cette' if f else ('cet' if elide else 'ce')} {name}",
        "e": "e" if f else "",
        "il": "elle" if f else "il",
        "category": product.category,
    }


ROOMS: dict[str, tuple[str, ...]] = {
    "en": ("the living room", "the bedroom", "the kitchen", "the hallway", "our new flat", "the dining room", "the kids' room", "the spare room"),
    "es": ("el salón", "el dormitorio", "la cocina", "la entrada", "el piso nuevo", "el comedor", "la habitación de los niños", "la terraza"),
    "fr": ("le salon", "la chambre", "la cuisine", "l'entrée", "le nouvel appart", "la salle à manger", "la chambre des enfants", "le bureau"),
}
STAFF: dict[str, tuple[str, ...]] = {
    "en": ("Laura", "Tom", "Priya", "Sam", "Hannah", "James", "Callum", "Aisha"),
    "es": ("Lucía", "Pablo", "Marta", "Javi", "Carmen", "Irene", "Nacho", "Rocío"),
    "fr": ("Camille", "Julien", "Sarah", "Thomas", "Léa", "Mehdi", "Inès", "Hugo"),
}

# --- post templates -------------------------------------------------------------------
# CORE[lang][(sentiment, topic)]: one statement each; a post uses one or two
# statements of the same cell plus an opener, a closer, emoji and hashtags.

_EN_CORE: dict[tuple[str, str], tuple[str, ...]] = {
    ("pos", "delivery"): _t("""
        {the_p} arrived in {days} days, well before the estimate. Really impressed with {b}
        Delivery from {b} was spot on: two lovely guys carried {the_p} upstairs and took all the packaging away
        Ordered on Monday, {my_p} was here by Thursday. Brilliant service
        Super quick delivery and {the_p} was perfectly packed
        Love that {b} lets you pick a delivery slot. They turned up right on time
        The delivery team were so friendly and careful with {my_p}. Great experience from start to finish
        Tracking updates were clear and {the_p} came a day early. Happy customer
        Fastest furniture delivery I've ever had. Thank you {b}
    """),
    ("neg", "delivery"): _t("""
        {days} days waiting for {my_p} and still no delivery date from {b}. Absolutely ridiculous
        Took a day off work for the {b} delivery and nobody turned up. Not even a call. Useless
        [furniture] {the_p} finally arrived after {weeks} weeks with a broken leg and a torn box. Terrible
        Tracking has said 'out for delivery' for {days} days. What is going on {b}? This is ridiculous
        Third missed delivery slot in a row. I'm so fed up with {b}
        Paid for express delivery and waited {days} days. Awful service
        The courier left {my_p} outside in the rain. Soaked and ruined
        Worst delivery experience ever. {b} lost {my_p} somewhere between the warehouse and my door
    """),
    ("neu", "delivery"): _t("""
        Does anyone know how long {b} usually takes to deliver to {city}?
        Has anyone had anything delivered by {b} recently? How long did it take?
        Ordered {the_p} from {b} today, the site says {days} days for delivery. We'll see
        Question for {b}: can I change the delivery address after ordering?
        Is {b} delivery to the door or do they bring it inside?
    """),
    ("pos", "quality"): _t("""
        Had {my_p} from {b} for a year now and it still looks brand new. Brilliant quality
        Honestly the quality of {the_p} is amazing for the price. Solid, well finished, gorgeous
        {the_p} feels so much more expensive than it was. Beautiful materials
        So impressed with the quality of {the_p}. Soft, sturdy and really well made
        Two years, two kids, one dog, and {my_p} is still perfect. Great quality from {b}
        The finish on {the_p} is lovely. You can tell it's built to last
        [furniture,textiles] Really pleased with {the_p}: sturdy, comfortable and beautifully made
    """),
    ("neg", "quality"): _t("""
        {my_p} from {b} is already falling apart after {weeks} weeks. Such poor quality
        [textiles,furniture] The fabric on {the_p} started pilling within a month. Really disappointed
        Cheap, flimsy and nothing like the photos. {the_p} from {b} is awful
        Paint is peeling off {my_p} already. Terrible quality for what I paid
        {the_p} arrived scratched with a cracked panel. Very poor quality control at {b}
        Honestly gutted and disappointed. {my_p} broke after two weeks of normal use
        [textiles,furniture] The stitching on {the_p} came apart on day three. Not good enough, {b}
    """),
    ("neu", "quality"): _t("""
        What is {the_p} from {b} actually made of? The website isn't clear
        Anyone had {the_p} for more than a year? How is it holding up?
        Comparing {the_p} with something similar from {comp}. Which one lasts longer?
        [textiles,furniture] Can the cover of {the_p} go in the washing machine?
    """),
    ("pos", "price"): _t("""
        Got {the_p} for {price} in the {b} sale. Bargain!
        Great value for money at {b}. {the_p} looks like it costs twice as much
        {pct}% off {the_p} this weekend, so glad I waited
        Honestly the best prices I've found for this style. {the_p} at {price} is a steal
        {b} happily matched the price from {comp}. Great job
        Really fair prices and free delivery over £50. Love {b}
        Picked up {the_p} for {price}. Great deal and it looks fantastic
    """),
    ("neg", "price"): _t("""
        {price} for {the_p}?? That's a joke, {b}. Ridiculous
        {b} put the price of {the_p} up by {pct}% overnight. Ridiculous
        Bought {the_p} at full price and it went on sale the next day. Really annoyed
        Way overpriced for such poor quality, honestly. Not worth {price}
        Hidden delivery charges at checkout. So frustrating, {b}
        Prices at {b} keep going up while the quality goes down. Disappointing
        {price} and it still arrived damaged. Absolute rip-off
    """),
    ("neu", "price"): _t("""
        Does {b} do price matching?
        When does the {b} sale usually start?
        Is {the_p} worth {price}? Thinking about it
        Anyone know if {b} has a student discount?
    """),
    ("pos", "service"): _t("""
        Shout out to {agent} from {b} customer service who sorted my issue in minutes. Amazing
        Great customer service from {b}. Quick, friendly and actually helpful
        Had a problem with {my_p}, emailed {b} and they sent a replacement the same week. Brilliant
        {b} support replied within an hour and fixed everything. Really impressed
        Honestly the nicest customer service team. Thank you {b}!
        The live chat team at {b} were so patient and helpful. Top service
        Love how {b} handles problems. No arguments, just solutions
    """),
    ("neg", "service"): _t("""
        {days} emails to {b} customer service and not one reply. Shocking and useless
        On hold with {b} for {hours} hours. Worst customer service ever
        {b} keeps sending me copy-paste answers. Nobody actually reads the complaint. Pathetic
        The chatbot at {b} is useless and there is no way to speak to a human
        Told three times they'd call me back. Never happened. Awful service {b}
        Rude staff on the phone and no solution for {my_p}. Very disappointed with {b}
        {b}, I've been chasing a refund for {weeks} weeks. This is unacceptable
    """),
    ("neu", "service"): _t("""
        How do I contact {b} customer service?
        Does {b} have a phone number or only the chat?
        {b} is your customer service open on Sundays?
        Sent an email to {b} about {my_p}, waiting to hear back
    """),
    ("pos", "store"): _t("""
        Lovely afternoon at the {b} store in {city}. Everything looks gorgeous in person
        The staff at {b} {city} were so helpful, {agent} helped me choose {the_p}
        Just visited the new {b} store in {city}. Beautiful space, great displays
        Could spend hours in the {b} shop in {city}. So much inspiration
        Tried {the_p} in store in {city} and fell in love. Best shopping experience
        Friendly staff, no pressure, lovely coffee corner. {b} {city} is my happy place
        Great experience at {b} {city} today, everything was tidy and the team was brilliant
    """),
    ("neg", "store"): _t("""
        Queued for {minutes} minutes at the {b} till in {city} with only one person working. Awful
        The {b} store in {city} was a mess and nobody could help us. Disappointing
        Staff at {b} {city} were rude, unhelpful and clearly didn't want to be there
        Went to {b} {city} to see {the_p}: out of stock, again. Waste of a trip
        Dirty, chaotic and no one around. Terrible visit to {b} in {city}
        Click and collect at {b} {city} took {minutes} minutes and they'd lost my order. Ridiculous
        Worst store experience in ages. {b} {city} badly needs more staff
    """),
    ("neu", "store"): _t("""
        What time does {b} {city} close on Saturdays?
        Is the {b} store in {city} big? Do they have {the_p} on display?
        Heading to {b} in {city} this afternoon, anything I should look at?
        Does {b} {city} have parking?
    """),
    ("pos", "product"): _t("""
        Absolutely in love with {my_p} from {b}
        {the_p} is the best thing I've bought for the house this year
        {the_p} looks amazing in {room}. So happy with it
        Can't stop looking at {my_p}. Gorgeous design
        [furniture,textiles] {the_p} from {b} is so comfortable, best decision ever
        Finally got {the_p} and it's even prettier than in the photos
        Obsessed with {my_p}, it's gorgeous. Everyone who visits asks where it's from
        If you're thinking about {the_p}, do it. Beautiful and so practical
    """),
    ("neg", "product"): _t("""
        {the_p} looks nothing like the pictures. Really disappointed
        [furniture,textiles] Regret buying {the_p} from {b}. Uncomfortable and ugly in real life
        The colour of {the_p} is completely different from the website. Not happy
        {the_p} is way smaller than it looks online. Useless in {room}
        Sadly {the_p} is a total disappointment. Sending it back
        {the_p} might look nice but it's awful to actually use
        Honestly {the_p} is the worst purchase I've made this year
    """),
    ("neu", "product"): _t("""
        Torn between {the_p} from {b} and something from {comp}. Opinions?
        Does {the_p} come in other colours?
        Anyone got {the_p}? What are the measurements in real life?
        Just ordered {the_p} from {b}. Will report back
        Looking for something like {the_p} for {room}. Ideas?
    """),
    ("pos", "sustainability"): _t("""
        Love that {b} uses recycled packaging. Not a single bit of plastic with {my_p}
        The {b} take-back scheme is brilliant: they collected my old sofa for free
        Really happy to see FSC wood and organic cotton at {b}. Good job
        Great to see {b} publishing where {the_p} is made. More brands should do this
        Bought {the_p} from the {b} second-life range. Looks perfect and feels like a good choice
        Proud to support a brand like {b} that genuinely cares about sustainability
    """),
    ("neg", "sustainability"): _t("""
        So much plastic wrapping around {the_p}. Disappointing from a brand that talks about sustainability
        {b} claims to be green but ships everything from the other side of the world. Pathetic greenwashing
        Five boxes and a mountain of polystyrene for one {p}. Terrible, {b}
        Tired of the greenwashing. {b} won't even say where {the_p} is made
        The eco label on {the_p} is meaningless. Really disappointed in {b}
        Ordered two cushions and got three separate deliveries in three huge boxes. Wasteful and stupid
    """),
    ("neu", "sustainability"): _t("""
        Does {b} take away old furniture when they deliver?
        [furniture,decor] Is the wood in {the_p} FSC certified?
        Which home brand is actually the most sustainable, {b} or {comp}?
        Reading the {b} sustainability report this morning
    """),
    ("pos", "returns"): _t("""
        Returned {the_p} in store in {city}, refund on my card the same day. Easy
        {b} made the return so simple: free collection and the refund arrived in {days} days
        No questions asked return at {b}. That's how you keep customers happy
        Changed my mind about {the_p} and {b} swapped it straight away. Great service
        Really smooth returns process. Booked online, picked up the next day. Thank you {b}
        Easy exchange at {b} {city}, the staff were lovely about it
    """),
    ("neg", "returns"): _t("""
        Still waiting for my refund for {the_p} after {weeks} weeks. Unacceptable, {b}
        {b} charged me {price} to return a faulty {p}. Ridiculous
        Returns at {b} are an absolute nightmare. Nobody came to collect {the_p} and nobody answers. Terrible
        They refused my return because the box was opened. How else do I check it? Awful
        {days} days since {b} collected {the_p} and still no refund. Shocking and unacceptable
        The returns portal keeps crashing and the hotline is always busy. So frustrating
    """),
    ("neu", "returns"): _t("""
        How long do {b} refunds usually take?
        Can I return online orders to a {b} store?
        What's the return window at {b}? 30 days?
        Returned {the_p} to {b} on Monday. Let's see how long the refund takes
    """),
    ("pos", "app"): _t("""
        The new {b} app is great. Love the AR feature to see {the_p} in {room}
        Ordered {the_p} in two minutes on the {b} app. So easy
        The {b} website is really easy to use, and the filters are brilliant
        Loving the wishlist on the {b} app. Makes planning {room} so much fun
        App notifications told me exactly when {my_p} would arrive. Great
        Great update to the {b} app, checkout is much faster now
    """),
    ("neg", "app"): _t("""
        The {b} app crashed three times at checkout. So annoying
        Can't log in to the {b} website for the second day. Useless
        Paid twice for {the_p} because the {b} app froze. Not happy
        The {b} website says in stock, the store says no. Terrible
        The new {b} app update is awful, everything is slower
        Discount code doesn't work on the {b} app. Frustrating
    """),
    ("neu", "app"): _t("""
        Is the {b} app only for ordering or can you track deliveries too?
        Does the {b} website show stock in stores?
        Just downloaded the {b} app, let's see
        How do I add a delivery note in the {b} app?
    """),
}

_ES_CORE: dict[tuple[str, str], tuple[str, ...]] = {
    ("pos", "delivery"): _t("""
        Me ha llegado {el_p} en solo {days} días, rapidísimo
        Entrega de diez: los transportistas de {b} subieron {el_p} hasta casa y se llevaron todo el embalaje
        Pedido el lunes y el jueves ya tenía {mi_p} en casa. Genial
        Envío súper rápido y {el_p} llegó perfectamente embalad{o}
        Me encanta que {b} te deje elegir franja de entrega. Llegaron puntualísimos
        Los chicos del reparto de {b} majísimos y cuidadosos con {mi_p}. Un gusto
        El seguimiento del pedido súper claro y {el_p} llegó un día antes. Contentísima
        La entrega más rápida que he tenido nunca con un mueble. Gracias {b}
    """),
    ("neg", "delivery"): _t("""
        {days} días esperando {mi_p} y {b} sin darme fecha de entrega. Una vergüenza
        Me cogí el día libre para la entrega de {b} y no apareció nadie. Ni una llamada. Lamentable
        Por fin llegó {el_p} después de {weeks} semanas... y rot{o}. Un desastre
        El seguimiento lleva {days} días diciendo 'en reparto'. ¿Qué pasa {b}?
        Tercera vez que no vienen en la franja de entrega. Estoy harta de {b}
        Pagué envío exprés y tardaron {days} días. Fatal
        El repartidor dejó {mi_p} en el portal bajo la lluvia. Destrozad{o}. Un desastre
        La peor experiencia de entrega de mi vida. {b} ha perdido {mi_p} entre el almacén y mi casa
    """),
    ("neu", "delivery"): _t("""
        ¿Alguien sabe cuánto tarda {b} en entregar en {city}?
        ¿Os ha llegado algo de {b} últimamente? ¿Cuánto tardó?
        He pedido {el_p} a {b} hoy, la web dice {days} días de entrega. A ver
        Pregunta para {b}: ¿se puede cambiar la dirección de entrega después de pedir?
        ¿{b} entrega en la puerta o te lo suben a casa?
    """),
    ("pos", "quality"): _t("""
        Llevo un año con {mi_p} de {b} y está como nuev{o}. Calidad top
        La calidad {del_p} es increíble para lo que cuesta. Sólid{o}, bien acabad{o} y precios{o}
        {el_p} parece mucho más car{o} de lo que es. Materiales preciosos
        Encantada con la calidad {del_p}, suave, resistente y muy bien hech{o}
        Dos años, dos niños y un perro, y {mi_p} sigue perfect{o}. Calidad de verdad
        Los acabados {del_p} son una maravilla. Se nota que está hech{o} para durar
        [furniture,textiles] Muy contenta con {el_p}: resistente, cómod{o} y precios{o}
    """),
    ("neg", "quality"): _t("""
        {mi_p} de {b} ya se está cayendo a trozos a las {weeks} semanas. Qué mala calidad
        [textiles,furniture] A la tela {del_p} le han salido bolitas en un mes. Muy decepcionada
        Endeble, cutre y nada que ver con las fotos. {el_p} de {b} es horrible
        Ya se está pelando la pintura de {mi_p}. Calidad pésima para lo que pagué
        {el_p} llegó rayad{o} y con una pieza rota. Control de calidad de {b} nulo
        De verdad, qué decepción. {mi_p} se rompió a las dos semanas de uso normal
        [textiles,furniture] Las costuras {del_p} se abrieron al tercer día. Así no, {b}
    """),
    ("neu", "quality"): _t("""
        ¿De qué material es {el_p} de {b}? En la web no lo pone claro
        ¿Alguien tiene {el_p} desde hace más de un año? ¿Qué tal aguanta?
        Comparando {el_p} con algo parecido de {comp}. ¿Cuál dura más?
        [textiles,furniture] ¿La funda {del_p} se puede lavar a máquina?
    """),
    ("pos", "price"): _t("""
        Me he llevado {el_p} por {price} en las rebajas de {b}. ¡Chollazo!
        Calidad-precio de diez en {b}. {el_p} parece el doble de car{o}
        {pct}% de descuento en {el_p} este finde, menos mal que esperé
        Los mejores precios que he encontrado para este estilo. {el_p} a {price} es un regalo
        {b} me igualó el precio de {comp} sin problema. Bien hecho
        Precios justos y envío gratis a partir de 50€. Me encanta {b}
        Pillado {el_p} por {price}. Qué buena oferta y queda genial
    """),
    ("neg", "price"): _t("""
        ¿{price} por {el_p}? ¿En serio {b}?
        {b} ha subido el precio {del_p} un {pct}% de la noche a la mañana. Vergonzoso
        Compro {el_p} a precio completo y al día siguiente {lo} rebajan. Qué rabia
        Carísimo para la calidad que tiene, la verdad. No vale {price}
        Gastos de envío escondidos al final del pago. Muy feo, {b}
        En {b} los precios no paran de subir y la calidad de bajar. Decepcionante
        {price} y encima llegó dañad{o}. Un timo
    """),
    ("neu", "price"): _t("""
        ¿{b} iguala precios?
        ¿Cuándo empiezan las rebajas de {b}?
        ¿Merece la pena {el_p} por {price}? Me lo estoy pensando
        ¿Sabéis si {b} tiene descuento para estudiantes?
    """),
    ("pos", "service"): _t("""
        Gracias a {agent} de atención al cliente de {b}, me lo solucionó en minutos. Un encanto
        Atención al cliente de {b} de diez: rápidos, amables y resolutivos
        Tuve un problema con {mi_p}, escribí a {b} y me mandaron otr{o} esa misma semana. Genial
        El soporte de {b} me contestó en una hora y lo arreglaron todo. Muy contenta
        El equipo de atención al cliente más majo que he visto. ¡Gracias {b}!
        Las chicas del chat de {b} súper pacientes y amables. Así da gusto
        Me encanta cómo gestiona {b} los problemas: sin discutir, con soluciones
    """),
    ("neg", "service"): _t("""
        {days} correos a atención al cliente de {b} y ni una respuesta. Increíble
        {hours} horas en espera al teléfono con {b}. El peor servicio de atención al cliente
        {b} me manda respuestas automáticas copiadas y pegadas. Nadie lee las quejas. Lamentable
        El chatbot de {b} es inútil y no hay forma de hablar con una persona
        Me prometieron tres veces que me llamarían. Nunca. Pésimo servicio {b}
        Bordes al teléfono y sin solución para {mi_p}. Muy decepcionado con {b}
        {b}, llevo {weeks} semanas intentando que me devolváis el dinero. Contestad por favor
    """),
    ("neu", "service"): _t("""
        ¿Cuál es la mejor forma de contactar con atención al cliente de {b}?
        ¿{b} tiene teléfono o solo chat?
        {b} ¿atendéis los domingos?
        He escrito a {b} por lo de {mi_p}, a ver qué me dicen
    """),
    ("pos", "store"): _t("""
        Tarde preciosa en la tienda de {b} en {city}. En persona todo es aún más bonito
        Las chicas de {b} {city} súper atentas, {agent} me ayudó a elegir {el_p}
        Acabo de ir a la nueva tienda de {b} en {city}. Preciosa y qué bien montada
        Podría pasarme horas en la tienda de {b} de {city}. Cuánta inspiración
        Probé {el_p} en la tienda de {city} y me enamoré. La mejor experiencia de compra
        Personal amable, sin agobios y un rincón de café ideal. {b} {city} es mi sitio feliz
        Genial la visita a {b} {city} hoy, todo ordenado y el equipo de diez
    """),
    ("neg", "store"): _t("""
        {minutes} minutos de cola en la caja de {b} {city} con una sola persona atendiendo. Fatal
        La tienda de {b} en {city} era un caos y nadie nos pudo ayudar. Qué decepción
        Los dependientes de {b} {city} bordes y con cero ganas de atender
        Fui a {b} {city} a ver {el_p}: agotad{o}, otra vez. Viaje para nada
        Sucia, desordenada y sin nadie a la vista. Horrible la visita a {b} en {city}
        Recogida en tienda en {b} {city}: {minutes} minutos y habían perdido mi pedido. De risa
        La peor experiencia en tienda en mucho tiempo. {b} {city} necesita más personal
    """),
    ("neu", "store"): _t("""
        ¿A qué hora cierra {b} {city} los sábados?
        ¿La tienda de {b} en {city} es grande? ¿Tienen {el_p} expuest{o}?
        Esta tarde me paso por {b} {city}, ¿algo que deba ver?
        ¿{b} {city} tiene parking?
    """),
    ("pos", "product"): _t("""
        Totalmente enamorada de {mi_p} de {b}
        {el_p} es lo mejor que he comprado para casa este año
        {el_p} queda espectacular en {room}. Feliz con la compra
        No puedo dejar de mirar {mi_p}. Qué diseño tan bonito
        [furniture,textiles] {el_p} de {b} es comodísim{o}, la mejor decisión
        Por fin tengo {el_p} y es aún más bonit{o} que en las fotos
        Obsesionada con {mi_p}. Todo el que viene a casa pregunta de dónde es
        Si estáis pensando en {el_p}, hacedlo. Precios{o} y súper práctic{o}
    """),
    ("neg", "product"): _t("""
        {el_p} no se parece en nada a las fotos. Muy decepcionada
        [furniture,textiles] Me arrepiento de haber comprado {el_p} de {b}. Incómod{o} y fe{o} en persona
        El color {del_p} es totalmente distinto al de la web. Nada contenta
        {el_p} es mucho más pequeñ{o} de lo que parece en la web. No sirve para {room}
        Una pena, {el_p} ha sido una decepción total. {lo} devuelvo
        {el_p} será bonit{o}, pero es horrible de usar en el día a día
        Sinceramente {el_p} es la peor compra que he hecho este año
    """),
    ("neu", "product"): _t("""
        Dudando entre {el_p} de {b} y algo de {comp}. ¿Opiniones?
        ¿{el_p} viene en más colores?
        ¿Alguien tiene {el_p}? ¿Qué medidas tiene en realidad?
        Acabo de pedir {el_p} a {b}. Ya os contaré
        Busco algo tipo {el_p} para {room}. ¿Ideas?
    """),
    ("pos", "sustainability"): _t("""
        Me encanta que {b} use embalaje reciclado. Ni un plástico con {mi_p}
        El programa de recogida de {b} es genial: se llevaron mi sofá viejo gratis
        Muy contenta de ver madera FSC y algodón orgánico en {b}. Bien hecho
        Genial que {b} diga dónde se fabrica {el_p}. Más marcas deberían hacerlo
        Compré {el_p} de la colección segunda vida de {b}. Perfect{o} y con la conciencia tranquila
        Orgullosa de apoyar a una marca como {b} que de verdad se preocupa por la sostenibilidad
    """),
    ("neg", "sustainability"): _t("""
        Cuánto plástico para envolver {el_p}. Decepcionante en una marca que presume de sostenible
        {b} va de verde pero lo trae todo desde la otra punta del mundo. Puro greenwashing
        Cinco cajas y una montaña de corcho blanco para {un_p}. Fatal, {b}
        Harta del greenwashing. {b} ni siquiera dice dónde se fabrica {el_p}
        La etiqueta eco {del_p} no significa nada. Muy decepcionada con {b}
        Pido dos cojines y me llegan en tres envíos con tres cajas enormes. Un despropósito
    """),
    ("neu", "sustainability"): _t("""
        ¿{b} se lleva los muebles viejos cuando entrega?
        [furniture,decor] ¿La madera {del_p} tiene certificado FSC?
        ¿Qué marca de deco es más sostenible de verdad, {b} o {comp}?
        Leyendo el informe de sostenibilidad de {b} con el café
    """),
    ("pos", "returns"): _t("""
        Devolví {el_p} en la tienda de {city} y me reembolsaron en el momento. Facilísimo
        {b} lo pone muy fácil: recogida gratis y el reembolso en {days} días
        Devolución sin preguntas en {b}. Así se cuida a los clientes
        Cambié de idea con {el_p} y {b} me {lo} cambió sin ningún problema. Genial
        Devolución súper sencilla: la pedí online y vinieron a recogerla al día siguiente. Gracias {b}
        Cambio rapidísimo en {b} {city}, el personal encantador
    """),
    ("neg", "returns"): _t("""
        Sigo esperando el reembolso {del_p} después de {weeks} semanas. Inaceptable, {b}
        {b} me ha cobrado {price} por devolver {un_p} defectuos{o}. De risa
        Las devoluciones en {b} son una pesadilla. Nadie vino a recoger {el_p} y nadie contesta
        No me aceptan la devolución porque abrí la caja. ¿Y cómo lo compruebo si no? Fatal
        {days} días desde que {b} recogió {el_p} y ni rastro del reembolso. Vergonzoso
        El portal de devoluciones se cuelga y el teléfono siempre comunica. Qué desesperación
    """),
    ("neu", "returns"): _t("""
        ¿Cuánto suele tardar {b} en hacer los reembolsos?
        ¿Se pueden devolver pedidos online en las tiendas de {b}?
        ¿Cuántos días hay para devolver en {b}? ¿30?
        Devuelto {el_p} a {b} el lunes. A ver cuánto tarda el reembolso
    """),
    ("pos", "app"): _t("""
        La nueva app de {b} está genial. Me encanta ver {el_p} en {room} con realidad aumentada
        Pedí {el_p} en dos minutos desde la app de {b}. Facilísimo
        La web de {b} es súper fácil de usar y los filtros son geniales
        Me encanta la lista de deseos de la app de {b}, planear {room} es un gustazo
        Las notificaciones de la app me avisaron justo de cuándo llegaba {mi_p}. Genial
        Gran actualización de la app de {b}, el pago va mucho más rápido
    """),
    ("neg", "app"): _t("""
        La app de {b} se ha colgado tres veces al pagar. Qué rabia
        Segundo día sin poder entrar en la web de {b}. Inútil
        He pagado {el_p} dos veces porque la app de {b} se quedó congelada. Nada contenta
        La web de {b} dice que hay stock y en tienda que no. Fatal
        La nueva actualización de la app de {b} es horrible, todo va más lento
        El código de descuento no funciona en la app de {b}. Qué desesperación
    """),
    ("neu", "app"): _t("""
        ¿La app de {b} sirve para seguir el pedido o solo para comprar?
        ¿La web de {b} enseña el stock de las tiendas?
        Me acabo de bajar la app de {b}, a ver qué tal
        ¿Cómo se añade una nota para el repartidor en la app de {b}?
    """),
}

_FR_CORE: dict[tuple[str, str], tuple[str, ...]] = {
    ("pos", "delivery"): _t("""
        {le_p} est arrivé{e} en {days} jours seulement, super rapide
        Livraison au top : les livreurs de {b} ont monté {le_p} chez moi et repris tous les cartons
        Commandé lundi, {mon_p} était là jeudi. Génial
        Livraison ultra rapide et {le_p} parfaitement emballé{e}
        J'adore pouvoir choisir mon créneau de livraison chez {b}. Pile à l'heure
        Les livreurs de {b} adorables et très soigneux avec {mon_p}. Un plaisir
        Suivi de commande clair et {le_p} arrivé{e} avec un jour d'avance. Ravie
        La livraison de meuble la plus rapide de ma vie. Merci {b}
    """),
    ("neg", "delivery"): _t("""
        {days} jours que j'attends {mon_p} et {b} ne me donne aucune date. Inadmissible
        J'ai posé un jour de congé pour la livraison {b} et personne n'est venu. Même pas un appel. Lamentable
        {le_p} enfin arrivé{e} après {weeks} semaines... cassé{e}. Une catastrophe
        Le suivi indique 'en cours de livraison' depuis {days} jours. Il se passe quoi {b} ?
        Troisième créneau de livraison raté. J'en ai marre de {b}
        Livraison express payée et {days} jours d'attente. Nul
        Le livreur a laissé {mon_p} sous la pluie devant l'immeuble. Complètement abîmé{e}
        Pire livraison de ma vie. {b} a perdu {mon_p} entre l'entrepôt et chez moi
    """),
    ("neu", "delivery"): _t("""
        Quelqu'un sait combien de temps {b} met pour livrer à {city} ?
        Vous avez reçu une commande {b} récemment ? Ça a pris combien de temps ?
        Commandé {le_p} chez {b} aujourd'hui, le site annonce {days} jours de livraison. On verra
        Question pour {b} : on peut changer l'adresse de livraison après la commande ?
        {b} livre au pied de l'immeuble ou dans l'appartement ?
    """),
    ("pos", "quality"): _t("""
        Ça fait un an que j'ai {mon_p} de chez {b} et {il} n'a pas bougé. Qualité top
        La qualité {du_p} est incroyable pour le prix. Solide, bien fini{e}, magnifique
        {le_p} fait beaucoup plus cher qu'{il} ne l'est. Très belles matières
        Ravie de la qualité {du_p}, solide et vraiment bien fait
        Deux ans, deux enfants, un chien, et {mon_p} est toujours parfait{e}. Vraie qualité
        Les finitions {du_p} sont superbes. On sent que c'est fait pour durer
        [furniture,textiles] Très contente {du_p} : solide, confortable et vraiment joli{e}
    """),
    ("neg", "quality"): _t("""
        {mon_p} de chez {b} part déjà en morceaux au bout de {weeks} semaines. Qualité nulle
        [textiles,furniture] Le tissu {du_p} bouloche au bout d'un mois. Très déçue
        Fragile, mal fini et rien à voir avec les photos. {le_p} de {b} est horrible
        La peinture {du_p} s'écaille déjà. Qualité médiocre pour le prix payé
        {le_p} est arrivé{e} rayé{e} avec une pièce cassée. Contrôle qualité chez {b} inexistant
        Franchement quelle déception. {mon_p} s'est cassé{e} au bout de deux semaines d'usage normal
        [textiles,furniture] Les coutures {du_p} ont lâché au bout de trois jours. Pas sérieux, {b}
    """),
    ("neu", "quality"): _t("""
        {le_p} de {b}, c'est quelle matière exactement ? Le site n'est pas clair
        Quelqu'un a {le_p} depuis plus d'un an ? Ça tient comment ?
        J'hésite entre {le_p} et un modèle similaire chez {comp}. Lequel dure le plus ?
        [textiles,furniture] La housse {du_p} passe en machine ?
    """),
    ("pos", "price"): _t("""
        J'ai eu {le_p} à {price} pendant les soldes {b}. Une affaire !
        Rapport qualité-prix au top chez {b}. {le_p} a l'air deux fois plus cher
        -{pct}% sur {le_p} ce week-end, heureusement que j'ai attendu
        Les meilleurs prix que j'ai trouvés pour ce style. {le_p} à {price}, c'est donné
        {b} m'a aligné le prix de {comp} sans discuter. Bravo
        Prix honnêtes et livraison offerte dès 50 €. J'adore {b}
        Craqué pour {le_p} à {price}. Super affaire et {il} rend trop bien
    """),
    ("neg", "price"): _t("""
        {price} pour {le_p} ?? Sérieusement {b} ?
        {b} a augmenté le prix {du_p} de {pct}% du jour au lendemain. Honteux
        J'achète {le_p} plein tarif et le lendemain {il} est en promo. Rageant
        Beaucoup trop cher pour la qualité, franchement. Ça ne vaut pas {price}
        Frais de livraison cachés au moment de payer. Pas très honnête, {b}. Décevant
        Chez {b} les prix montent et la qualité baisse. Décevant
        {price} et en plus arrivé{e} abîmé{e}. Une arnaque
    """),
    ("neu", "price"): _t("""
        Est-ce que {b} fait l'alignement des prix ?
        Les soldes {b} commencent quand ?
        {le_p} à {price}, ça vaut le coup ? J'hésite
        Vous savez si {b} a une réduction étudiante ?
    """),
    ("pos", "service"): _t("""
        Merci à {agent} du service client {b} qui a réglé mon problème en quelques minutes. Adorable
        Service client {b} au top : rapide, aimable et efficace
        Un souci avec {mon_p}, j'ai écrit à {b} et ils m'ont renvoyé un nouveau modèle dans la semaine. Génial
        Le SAV de {b} m'a répondu en une heure et tout réglé. Très contente
        L'équipe service client la plus sympa que je connaisse. Merci {b} !
        Le chat de {b} super patient et serviable. Ça fait plaisir
        J'adore la façon dont {b} gère les problèmes : pas de discussion, des solutions
    """),
    ("neg", "service"): _t("""
        {days} mails au service client {b} et pas une seule réponse. Scandaleux
        {hours} heures en attente au téléphone avec {b}. Le pire service client
        {b} m'envoie des réponses automatiques copiées-collées. Personne ne lit les réclamations. C'est nul
        Le chatbot de {b} est inutile et impossible de parler à un humain
        On m'a promis trois fois de me rappeler. Jamais. SAV déplorable {b}
        Désagréables au téléphone et aucune solution pour {mon_p}. Très déçu de {b}
        {b}, ça fait {weeks} semaines que j'attends mon remboursement. Répondez svp
    """),
    ("neu", "service"): _t("""
        Quel est le meilleur moyen de joindre le service client {b} ?
        {b} a un numéro de téléphone ou seulement le chat ?
        {b} votre service client est ouvert le dimanche ?
        J'ai écrit à {b} pour {mon_p}, j'attends leur réponse
    """),
    ("pos", "store"): _t("""
        Super après-midi dans la boutique {b} de {city}. Tout est encore plus beau en vrai
        L'équipe de {b} {city} aux petits soins, {agent} m'a aidée à choisir {le_p}
        Je viens de découvrir le nouveau magasin {b} à {city}. Magnifique, très bien agencé
        Je pourrais passer des heures chez {b} à {city}. Tellement d'inspiration
        Essayé {le_p} en boutique à {city} et coup de cœur. Meilleure expérience d'achat
        Personnel souriant, aucune pression, un petit coin café adorable. {b} {city}, mon endroit préféré
        Super visite chez {b} {city} aujourd'hui, tout était rangé et l'équipe géniale
    """),
    ("neg", "store"): _t("""
        {minutes} minutes de queue en caisse chez {b} {city} avec une seule personne. Nul
        Le magasin {b} de {city} était en bazar et personne pour nous aider. Décevant
        Vendeurs désagréables chez {b} {city}, aucune envie de nous servir
        Passé chez {b} {city} pour voir {le_p} : en rupture, encore. Déplacement pour rien
        Sale, en désordre et personne en vue. Visite horrible chez {b} à {city}
        Retrait en magasin chez {b} {city} : {minutes} minutes et ils avaient perdu ma commande. Lamentable
        Pire expérience en magasin depuis longtemps. {b} {city} manque clairement de personnel
    """),
    ("neu", "store"): _t("""
        {b} {city} ferme à quelle heure le samedi ?
        La boutique {b} de {city} est grande ? Ils ont {le_p} en expo ?
        Je passe chez {b} à {city} cet après-midi, quelque chose à voir ?
        Il y a un parking chez {b} {city} ?
    """),
    ("pos", "product"): _t("""
        Complètement amoureuse de {mon_p} de chez {b}
        {le_p}, c'est le meilleur achat de l'année pour la maison
        {le_p} rend trop bien dans {room}. Ravie de mon achat
        Je n'arrête pas de regarder {mon_p}. Quel beau design
        [furniture,textiles] {le_p} de {b} est tellement confortable, meilleure décision de l'année
        Enfin reçu {le_p} et {il} est encore plus joli{e} qu'en photo
        Obsédée par {mon_p}. Tous ceux qui viennent à la maison demandent d'où ça vient
        Si vous hésitez pour {le_p}, foncez. Superbe et hyper pratique
    """),
    ("neg", "product"): _t("""
        {le_p} ne ressemble pas du tout aux photos. Très déçue
        [furniture,textiles] Je regrette d'avoir acheté {le_p} chez {b}. Inconfortable et moche en vrai
        La couleur {du_p} n'a rien à voir avec le site. Pas contente du tout
        {le_p} est bien plus petit{e} qu'en ligne. Inutilisable dans {room}
        Dommage, {le_p} est une vraie déception. Retour à l'envoyeur
        {le_p} est peut-être joli{e}, mais horrible à utiliser au quotidien
        Franchement {le_p} est mon pire achat de l'année
    """),
    ("neu", "product"): _t("""
        J'hésite entre {le_p} de {b} et un truc de chez {comp}. Des avis ?
        {le_p} existe en d'autres couleurs ?
        Quelqu'un a {le_p} ? Ça donne quoi en vrai niveau dimensions ?
        Je viens de commander {le_p} chez {b}. Je vous redis
        Je cherche un truc dans le style {du_p} pour {room}. Des idées ?
    """),
    ("pos", "sustainability"): _t("""
        J'adore que {b} utilise des emballages recyclés. Zéro plastique avec {mon_p}
        Le programme de reprise de {b} est génial : ils ont récupéré mon vieux canapé gratuitement
        Contente de voir du bois FSC et du coton bio chez {b}. Bravo
        Super que {b} indique où {le_p} est fabriqué{e}. Plus de marques devraient le faire
        J'ai pris {le_p} dans la gamme seconde vie de {b}. Parfait{e}, et bonne conscience en prime
        Fière de soutenir une marque comme {b} qui s'engage vraiment pour l'environnement
    """),
    ("neg", "sustainability"): _t("""
        Tellement de plastique autour {du_p}. Décevant pour une marque qui se dit écolo
        {b} se dit green mais fait tout venir de l'autre bout du monde. Du pur greenwashing
        Cinq cartons et une montagne de polystyrène pour {un_p}. Nul, {b}
        Marre du greenwashing. {b} ne dit même pas où {le_p} est fabriqué{e}
        Le label éco {du_p} ne veut rien dire. Très déçue par {b}
        Deux coussins commandés, trois colis énormes reçus. Un gâchis absurde
    """),
    ("neu", "sustainability"): _t("""
        {b} reprend les vieux meubles à la livraison ?
        [furniture,decor] Le bois {du_p} est certifié FSC ?
        Quelle marque déco est vraiment la plus durable, {b} ou {comp} ?
        Je lis le rapport RSE de {b} avec mon café
    """),
    ("pos", "returns"): _t("""
        Retour {du_p} en magasin à {city}, remboursement immédiat. Trop simple
        {b} rend les retours faciles : enlèvement gratuit et remboursement en {days} jours
        Retour sans aucune question chez {b}. C'est comme ça qu'on garde ses clients
        J'ai changé d'avis pour {le_p} et {b} l'a échangé{e} sans problème. Top
        Retour hyper simple : demandé en ligne, récupéré le lendemain. Merci {b}
        Échange ultra rapide chez {b} {city}, équipe adorable
    """),
    ("neg", "returns"): _t("""
        Toujours pas de remboursement pour {le_p} après {weeks} semaines. Inacceptable, {b}
        {b} m'a facturé {price} pour renvoyer un article défectueux. Honteux
        Les retours chez {b}, un cauchemar. Personne n'est venu chercher {le_p} et personne ne répond
        Retour refusé parce que le carton a été ouvert. Et comment je vérifie sinon ? Nul
        {days} jours que {b} a récupéré {le_p} et toujours aucun remboursement. Scandaleux
        Le portail de retour plante et la hotline est toujours occupée. Exaspérant
    """),
    ("neu", "returns"): _t("""
        Les remboursements {b} prennent combien de temps en général ?
        On peut rapporter une commande en ligne dans un magasin {b} ?
        C'est combien de jours pour retourner un article chez {b} ? 30 ?
        Renvoyé {le_p} à {b} lundi. On va voir combien de temps prend le remboursement
    """),
    ("pos", "app"): _t("""
        La nouvelle appli {b} est géniale. J'adore voir {le_p} dans {room} en réalité augmentée
        Commandé {le_p} en deux minutes sur l'appli {b}. Trop facile
        Le site {b} est super simple à utiliser et les filtres sont top
        J'adore la liste d'envies de l'appli {b}, ça aide trop pour imaginer {room}
        Les notifications de l'appli m'ont dit exactement quand {mon_p} arrivait. Génial
        Super mise à jour de l'appli {b}, le paiement est beaucoup plus rapide
    """),
    ("neg", "app"): _t("""
        L'appli {b} a planté trois fois au moment de payer. Insupportable
        Deuxième jour sans pouvoir me connecter au site {b}. Nul
        J'ai payé {le_p} deux fois parce que l'appli {b} a freezé. Pas content
        Le site {b} dit en stock, le magasin dit non. N'importe quoi
        La nouvelle mise à jour de l'appli {b} est horrible, tout est plus lent
        Le code promo ne marche pas sur l'appli {b}. Agaçant
    """),
    ("neu", "app"): _t("""
        L'appli {b} permet de suivre sa livraison ou juste de commander ?
        Le site {b} montre le stock des magasins ?
        Je viens de télécharger l'appli {b}, on va voir
        Comment on ajoute une note pour le livreur dans l'appli {b} ?
    """),
}

CORE: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {"en": _EN_CORE, "es": _ES_CORE, "fr": _FR_CORE}

OPENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "pos": _t("""
            Honestly, wow.
            Okay, I'm obsessed.
            Happy dance!
            Not sponsored, just a fan.
            Little update on the house.
            Best news today.
            Well, that made my week.
            So pleased right now.
            Can we talk about this?
            Good vibes only today.
        """),
        "neg": _t("""
            Unbelievable.
            Rant incoming.
            Not impressed.
            Seriously?
            Here we go again.
            I'm done.
            Warning to anyone thinking of ordering:
            Fuming.
            Absolutely furious right now.
            What a shambles.
        """),
        "neu": _t("""
            Quick question.
            Help please!
            Random one:
            Hi all.
            Curious:
            Question for the home decor crowd:
            Hmm.
            Weekend project planning.
        """),
    },
    "es": {
        "pos": _t("""
            Bueno, bueno, bueno.
            Os cuento.
            Sin ser publi:
            ¡Qué ilusión!
            Mini actualización de la casa.
            Pues nada, enamorada.
            Momento feliz del día.
            Tenía que contarlo.
            ¡Qué alegría!
            Ay, mirad qué maravilla.
        """),
        "neg": _t("""
            Increíble.
            Vaya tela.
            Estoy que echo humo.
            Lo que me faltaba.
            Hilo de queja 👇
            Aviso a navegantes:
            Otra vez lo mismo.
            Sin palabras.
            ¿En serio?
            Qué vergüenza.
        """),
        "neu": _t("""
            Pregunta rápida.
            ¡Ayuda!
            Duda existencial:
            Hola a todos.
            A ver.
            Curiosidad:
            Pregunta para los que sabéis de deco:
            Planeando la reforma del finde.
        """),
    },
    "fr": {
        "pos": _t("""
            Bon, je suis fan.
            Petit partage du jour.
            Pas sponso, juste fan.
            Trop contente !
            Petite update déco.
            Coup de cœur.
            Ça a fait ma journée.
            Il fallait que je le dise.
            Quel bonheur !
            Regardez-moi cette merveille.
        """),
        "neg": _t("""
            Incroyable.
            Coup de gueule.
            Je suis furieuse.
            Manquait plus que ça.
            Alerte aux acheteurs :
            Encore la même histoire.
            Sans voix.
            Sérieusement ?
            La honte.
            Ras-le-bol.
        """),
        "neu": _t("""
            Petite question.
            À l'aide !
            Question déco :
            Bonjour à tous.
            Alors.
            Curieuse :
            Question pour les pros de la déco :
            Projet du week-end en préparation.
        """),
    },
}

CLOSERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "pos": _t("""
            Would recommend 100%.
            Will definitely buy again.
            Thank you {b}!
            So happy with it.
            10/10.
            Highly recommend.
            Love it.
            Made my day.
            Great job {b}.
        """),
        "neg": _t("""
            Never again.
            Avoid.
            Sort it out {b}.
            Still waiting. Useless.
            Not recommended.
            So disappointed.
            Absolutely ridiculous.
            Really disappointing.
            Terrible.
        """),
        "neu": _t("""
            Thanks in advance!
            Any tips welcome.
            Cheers.
            Let me know!
            Opinions welcome.
        """),
    },
    "es": {
        "pos": _t("""
            Lo recomiendo 100%.
            Repetiré seguro.
            ¡Gracias {b}!
            Más contenta imposible.
            Un 10.
            Súper recomendable.
            Me encanta.
            Me ha alegrado el día.
            Bravo {b}.
        """),
        "neg": _t("""
            Nunca más.
            No compréis.
            A ver si lo solucionáis, {b}.
            Sigo esperando una solución.
            No lo recomiendo.
            Qué decepción.
            Vergonzoso.
            Esperaba mucho más.
            Fatal.
        """),
        "neu": _t("""
            ¡Gracias de antemano!
            Se aceptan consejos.
            Saludos.
            ¡Contadme!
            Opiniones bienvenidas.
        """),
    },
    "fr": {
        "pos": _t("""
            Je recommande à 100 %.
            J'y retournerai sans hésiter.
            Merci {b} !
            Trop contente.
            10/10.
            Vivement recommandé.
            J'adore.
            Ça a illuminé ma journée.
            Bravo {b}.
        """),
        "neg": _t("""
            Plus jamais.
            À éviter.
            Réagissez {b}.
            J'attends toujours une solution.
            Je ne recommande pas.
            Quelle déception.
            Honteux.
            On attendait mieux.
            Nul.
        """),
        "neu": _t("""
            Merci d'avance !
            Vos conseils sont les bienvenus.
            Bonne journée.
            Dites-moi !
            Vos avis ?
        """),
    },
}

# What a planted advocate or detractor keeps saying.
ADVOCATE_LINES: dict[str, tuple[str, ...]] = {
    "en": _t("""
        I always tell friends to try {b}.
        Honestly can't recommend {b} enough.
        Another purchase from {b} and still in love.
        {b} is always brilliant.
        If you're decorating, start with {b}. Love them.
        Team {b} forever.
        Love this brand, my favourite by far.
        Recommended {b} to my sister and she loves it too.
    """),
    "es": _t("""
        Siempre le digo a todo el mundo que pruebe {b}.
        No me canso de recomendar {b}.
        Otra compra en {b} y sigo enamorada.
        {b} nunca falla.
        Si estáis decorando, empezad por {b}.
        Team {b} para siempre.
        Mi marca de deco favorita, de lejos.
        Se lo recomendé a mi hermana y también le encanta.
    """),
    "fr": _t("""
        Je conseille {b} à tout le monde.
        Je ne me lasse pas de recommander {b}.
        Encore un achat chez {b} et toujours conquise.
        {b} ne me déçoit jamais.
        Si vous aménagez, commencez par {b}.
        Team {b} pour toujours.
        Ma marque déco préférée, de loin.
        Je l'ai conseillé à ma sœur et elle adore aussi.
    """),
}
DETRACTOR_LINES: dict[str, tuple[str, ...]] = {
    "en": _t("""
        Another disaster from {b}.
        Still waiting, as always with useless {b}.
        Don't say I didn't warn you: {b} is terrible.
        This is why I keep telling people to avoid {b}.
        Same terrible story every time with {b}.
        Every order from {b} is a disaster.
    """),
    "es": _t("""
        Otro desastre de {b}.
        Como siempre con {b}, esperando.
        Luego no digáis que no avisé con {b}.
        Por esto digo siempre que evitéis {b}.
        Con {b} siempre la misma pesadilla.
        Cada pedido a {b} es un desastre.
    """),
    "fr": _t("""
        Encore un fiasco signé {b}.
        Toujours en attente, comme d'habitude avec {b}.
        Ne dites pas que je ne vous avais pas prévenus pour {b}.
        Voilà pourquoi je dis à tout le monde d'éviter {b}.
        Toujours la même galère avec {b}.
        Chaque commande chez {b} est un cauchemar.
    """),
}

INFLUENCER_POSTS: dict[str, tuple[str, ...]] = {
    "en": _t("""
        Finally revealing our living room makeover with {the_p} from {b}. Love how it turned out! #ad
        My new favourite corner ✨ {the_p} from {b} is pure cosy. Use code {code} for {pct}% off #ad
        Styling {the_p} three ways, I love them all. Which one is your favourite? In partnership with {b}
        Autumn refresh with {b}: {the_p}, warm textiles and candles. Cosy season is here #gifted
        Honest review after a month with {the_p} from {b}: comfy, well made and the colour is perfect #ad
        Small flat, big style: how I made space for the gorgeous {the_p} #collab with {b}
        Unboxing {the_p} from {b}. The packaging is plastic free! Code {code} gives you {pct}% off
        Room tour time! Everything you see in {room} is from {b}, and I love every piece #ad
        Three things I love about {the_p}: the colour, the comfort and the price #gifted by {b}
    """),
    "es": _t("""
        Por fin os enseño el antes y después del salón con {el_p} de {b}. ¡Desliza! #publi
        Mi nuevo rincón favorito ✨ {el_p} de {b}. Con el código {code} tenéis un {pct}% de descuento #publi
        Tres formas de decorar con {el_p}. ¿Cuál os gusta más? En colaboración con {b}
        Cambio de temporada con {b}: {el_p}, textiles calentitos y velas. Modo hogar activado #colaboración
        Opinión sincera tras un mes con {el_p} de {b}: cómod{o}, bien hech{o} y el color es perfecto #publi
        Piso pequeño, mucho estilo: así le hice hueco {al_p} #colab con {b}
        Unboxing {del_p} de {b}. ¡Embalaje sin plástico! Código {code} para un {pct}% de descuento
        ¡Room tour! Todo lo que veis en {room} es de {b} y me encanta cada pieza #publi
        Tres cosas que me encantan {del_p}: el color, lo cómod{o} que es y el precio #regalo de {b}
    """),
    "fr": _t("""
        Enfin l'avant/après du salon avec {le_p} de chez {b}. Swipez ! #sponsorisé
        Mon nouveau coin préféré ✨ {le_p} de {b}. Avec le code {code}, {pct}% de réduction #partenariat
        Trois façons de styliser {le_p}. Laquelle vous préférez ? En collaboration avec {b}
        Ambiance automne avec {b} : {le_p}, textiles douillets et bougies. Mode cocooning activé #collab
        Avis honnête après un mois avec {le_p} de {b} : confortable, bien fini{e} et la couleur est parfaite #partenariat
        Petit appart, grand style : comment j'ai fait de la place pour {le_p} #collab avec {b}
        Unboxing {du_p} de {b}. Emballage sans plastique ! Code {code} pour {pct}% de réduction
        Room tour ! Tout ce que vous voyez dans {room} vient de chez {b}, et j'adore chaque pièce #sponsorisé
        Trois choses que j'adore avec {le_p} : la couleur, le confort et le prix #cadeau de {b}
    """),
}

# The crisis: a warehouse system failure during the summer sale.
CRISIS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "neg": _t("""
            Ordered in the {b} summer sale and my order has been stuck 'in the warehouse' for {days} days. Nobody answers
            Is anyone else's {b} order completely lost? Mine has been 'processing' since last week
            {b} took my money, cancelled my delivery slot twice and now the phone line is down. Disgraceful
            Waiting for {my_p} for two weeks, tracking frozen, emails ignored. What a shambles {b}
            Apparently the whole {b} warehouse system has crashed. Thousands of orders stuck in the middle of the sale. Disaster
            Cancelled my {b} order today. No delivery, no info, no apology. Disgraceful
            My delivery was meant to be Tuesday. Now {b} says 'no date available'. Absolutely useless
            If you ordered from {b} in July, sorry for you. Nobody seems to know where anything is. Total chaos
            Took two days off for the {b} delivery. Nothing. Second time this week. Furious
            {b} the least you could do is tell us what is going on. Awful communication
            Three weeks of pathetic excuses from {b}. I want my money back
            Sick of the copy-paste 'we're experiencing delays' reply. Where is my order {b}?
        """),
        "neu": _t("""
            Reports that {b} has a major problem at its logistics centre, with deliveries delayed across Spain, France and the UK
            {b} has posted a statement about delivery delays. Compensation promised for affected orders
            Anyone heard anything official from {b} about the delays?
            Looks like {b} deliveries are seriously delayed this week. Anyone got a date yet?
        """),
        "pos": _t("""
            Fair play to {b}, my delayed order finally arrived today with a voucher for the trouble
            Credit where due: {b} refunded my delivery fee after the delays. Appreciated
        """),
    },
    "es": {
        "neg": _t("""
            Pedido en las rebajas de {b} y lleva {days} días 'en almacén'. Nadie contesta
            ¿A alguien más se le ha perdido el pedido de {b}? El mío lleva 'en preparación' desde la semana pasada
            {b} me cobró, me anuló dos veces la entrega y ahora el teléfono ni funciona. Vergonzoso
            Dos semanas esperando {mi_p}, el seguimiento congelado y los correos sin respuesta. Qué desastre {b}
            Dicen que se ha caído todo el sistema del almacén de {b} en Zaragoza. Miles de pedidos parados en plenas rebajas. Un desastre
            Hoy he cancelado mi pedido de {b}. Ni entrega, ni información, ni una disculpa. Se acabó
            Mi entrega era el martes. Ahora {b} dice 'sin fecha disponible'. Inútiles
            Si pedisteis algo en {b} en julio, suerte. Nadie sabe dónde está nada
            Me cogí dos días libres para la entrega de {b}. Nada. Segunda vez esta semana. Estoy furiosa
            {b}, lo mínimo es explicar qué está pasando. Comunicación pésima
            Tres semanas de excusas de {b}. Quiero mi dinero
            Harta de la respuesta copiada de 'estamos sufriendo retrasos'. ¿Dónde está mi pedido {b}?
        """),
        "neu": _t("""
            Informan de un problema grave en el centro logístico de {b}: retrasos en entregas en España, Francia y Reino Unido
            {b} ha publicado un comunicado sobre los retrasos. Prometen compensar los pedidos afectados
            ¿Alguien sabe algo oficial de {b} sobre los retrasos?
            Parece que las entregas de {b} van con mucho retraso esta semana. ¿A alguien le han dado fecha?
        """),
        "pos": _t("""
            Por fin llegó mi pedido retrasado de {b} y con un vale de compensación. Bien por ellos
            Hay que reconocerlo: {b} me devolvió los gastos de envío por los retrasos. Se agradece
        """),
    },
    "fr": {
        "neg": _t("""
            Commande passée pendant les soldes {b} et bloquée 'en entrepôt' depuis {days} jours. Personne ne répond
            Quelqu'un d'autre a une commande {b} perdue ? La mienne est 'en préparation' depuis la semaine dernière
            {b} m'a débitée, a annulé deux fois ma livraison et maintenant la ligne ne répond plus. Scandaleux
            Deux semaines que j'attends {mon_p}, suivi figé, mails ignorés. Quel fiasco {b}
            Il paraît que tout le système de l'entrepôt {b} est en panne. Des milliers de commandes bloquées en pleines soldes. La catastrophe
            J'ai annulé ma commande {b} aujourd'hui. Pas de livraison, pas d'info, pas d'excuses. Terminé
            Ma livraison était prévue mardi. Maintenant {b} dit 'aucune date disponible'. Lamentable
            Si vous avez commandé chez {b} en juillet, bon courage. Personne ne sait où sont les colis
            Deux jours de congé posés pour la livraison {b}. Rien. Deuxième fois cette semaine. Furieuse
            {b} le minimum serait d'expliquer ce qui se passe. Communication déplorable
            Trois semaines d'excuses de la part de {b}. Je veux être remboursée
            Marre de la réponse copiée-collée 'nous rencontrons des retards'. Elle est où ma commande {b} ?
        """),
        "neu": _t("""
            {b} connaîtrait un gros problème sur sa plateforme logistique, avec des retards de livraison en France, en Espagne et au Royaume-Uni
            {b} a publié un communiqué sur les retards de livraison. Un geste commercial est promis
            Quelqu'un a eu une info officielle de {b} sur les retards ?
            Apparemment les livraisons {b} ont beaucoup de retard cette semaine. Quelqu'un a eu une date ?
        """),
        "pos": _t("""
            Ma commande {b} retardée est enfin arrivée, avec un bon d'achat en compensation. Bien joué
            Il faut le reconnaître : {b} m'a remboursé les frais de livraison après les retards. Appréciable
        """),
    },
}
CRISIS_TAGS: dict[str, tuple[str, ...]] = {
    "en": ("#VeloraFail", "#WheresMyOrder", "#VeloraFail #customerservice"),
    "es": ("#VeloraFail", "#DóndeEstáMiPedido", "#VeloraFail #rebajas"),
    "fr": ("#VeloraFail", "#OùEstMaCommande", "#VeloraFail #soldes"),
}

# Brand posts: announcements the brand's own accounts publish.
BRAND_POSTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "general": _t("""
            New season, new collection 🍂 Discover {the_p} and lots more at {b}
            Meet {the_p}: designed in our studio, made to last. Now in stores and online
            Your home, your rules. Which corner would you give {the_p}? 💛
            Our {city} store is open late this Thursday. Come and say hi!
            Sunday inspiration: a cosy living room built around {the_p} ✨
            Good news: free delivery on all orders over £50 this week
            Thanks to you, we've planted 10,000 trees this year. Thank you! 🌳
            Behind the scenes: how {the_p} is made in our partner workshop
            Get the look: {the_p}, soft textiles and warm light for autumn evenings
            Small space? Here are five lovely ideas with {the_p} for {room}
        """),
        "sale": _t("""
            The sale is on! Up to {pct}% off across the store. Happy shopping 🛍️
            Sale time ☀️ Up to {pct}% off textiles, lighting and more. Don't miss {the_p}!
            Last days of the sale: {the_p} is now {price}
        """),
        "crisis": _t("""
            An update on deliveries: a system failure at our logistics centre has delayed some orders. We are truly sorry. Every affected customer will receive a voucher and an email update within 48h.
        """),
    },
    "es": {
        "general": _t("""
            Nueva temporada, nueva colección 🍂 Descubre {el_p} y mucho más en {b}
            Os presentamos {el_p}: diseñad{o} en nuestro estudio, hech{o} para durar. Ya en tiendas y online
            Tu casa, tus reglas. ¿En qué rincón pondrías {el_p}? 💛
            Este jueves nuestra tienda de {city} abre hasta tarde. ¡Pasad a vernos!
            Inspiración de domingo: un salón acogedor alrededor {del_p} ✨
            Buenas noticias: envío gratis en todos los pedidos de más de 50€ esta semana
            Gracias a vosotros este año hemos plantado 10.000 árboles. ¡Gracias! 🌳
            Así se hace {el_p} en nuestro taller colaborador
            Consigue el look: {el_p}, textiles suaves y luz cálida para las tardes de otoño
            ¿Poco espacio? Cinco ideas preciosas con {el_p} para {room}
        """),
        "sale": _t("""
            ¡Empiezan las rebajas! Hasta un {pct}% de descuento en toda la tienda 🛍️
            Rebajas ☀️ Hasta un {pct}% en textil, iluminación y más. ¡No te pierdas {el_p}!
            Últimos días de rebajas: {el_p} ahora a {price}
        """),
        "crisis": _t("""
            Actualización sobre las entregas: un fallo informático en nuestro centro logístico ha retrasado algunos pedidos. Lo sentimos de verdad. Todos los clientes afectados recibirán un vale y noticias por email en 48 h.
        """),
    },
    "fr": {
        "general": _t("""
            Nouvelle saison, nouvelle collection 🍂 Découvrez {le_p} et bien plus chez {b}
            Voici {le_p} : dessiné{e} dans notre studio, fait{e} pour durer. En magasin et en ligne
            Votre maison, vos règles. Dans quel coin mettriez-vous {le_p} ? 💛
            Notre boutique de {city} ouvre en nocturne ce jeudi. Venez nous voir !
            Inspiration du dimanche : un salon cosy autour {du_p} ✨
            Bonne nouvelle : livraison offerte dès 50 € d'achat cette semaine
            Grâce à vous, nous avons planté 10 000 arbres cette année. Merci ! 🌳
            Dans les coulisses : comment {le_p} est fabriqué{e} dans notre atelier partenaire
            Le look du moment : {le_p}, textiles doux et lumière chaude pour les soirées d'automne
            Petit espace ? Cinq jolies idées avec {le_p} pour {room}
        """),
        "sale": _t("""
            C'est parti pour les soldes ! Jusqu'à -{pct}% sur tout le site 🛍️
            Soldes ☀️ Jusqu'à -{pct}% sur le textile, les luminaires et plus. Ne ratez pas {le_p} !
            Derniers jours de soldes : {le_p} passe à {price}
        """),
        "crisis": _t("""
            Point sur les livraisons : une panne informatique sur notre plateforme logistique a retardé certaines commandes. Nous en sommes sincèrement désolés. Chaque client concerné recevra un bon d'achat et des nouvelles par e-mail sous 48 h.
        """),
    },
}

# Replies by people to a post; {who} is the parent's handle with its @.
USER_REPLIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "agree_pos": _t("""
            So true!
            Same here, love mine.
            Totally agree.
            Yes! Mine is brilliant too.
            This. 100%.
            Agreed, great brand.
            Love this!
        """),
        "agree_neg": _t("""
            Same thing happened to me.
            Ugh, same.
            Exactly my experience, awful.
            Not just you, mine too.
            Sorry, that's terrible.
            Same here, really disappointing.
        """),
        "neu": _t("""
            How long did it take?
            Which one did you get?
            Where did you buy it?
            Did they reply in the end?
            What size is it?
            Is it worth it?
        """),
        "disagree_pos": _t("""
            Really? Mine was great.
            Weird, I've always had good service from them.
            Sorry to hear, mine arrived perfect.
        """),
        "disagree_neg": _t("""
            Lucky you, mine was a disaster.
            Hmm, not my experience at all. Terrible for me.
            Wish I could say the same, mine was awful.
        """),
    },
    "es": {
        "agree_pos": _t("""
            ¡Totalmente!
            Igual, me encanta el mío.
            Muy de acuerdo.
            ¡Sí! El mío también es genial.
            Esto. 100%.
            Tal cual, marca top.
            ¡Me encanta!
        """),
        "agree_neg": _t("""
            A mí me pasó lo mismo.
            Uf, igual.
            Exactamente mi experiencia, fatal.
            No eres la única, a mí también.
            Lo siento, qué horror.
            Igual aquí, muy decepcionante.
        """),
        "neu": _t("""
            ¿Cuánto tardó?
            ¿Cuál compraste?
            ¿Dónde lo compraste?
            ¿Al final te contestaron?
            ¿Qué medida es?
            ¿Merece la pena?
        """),
        "disagree_pos": _t("""
            ¿En serio? El mío perfecto.
            Qué raro, a mí siempre me han atendido genial.
            Vaya, a mí me llegó perfecto.
        """),
        "disagree_neg": _t("""
            Qué suerte, el mío un desastre.
            Pues mi experiencia fue horrible.
            Ojalá, el mío fatal.
        """),
    },
    "fr": {
        "agree_pos": _t("""
            Trop vrai !
            Pareil, j'adore le mien.
            Complètement d'accord.
            Oui ! Le mien est génial aussi.
            Ça. 100 %.
            Exactement, super marque.
            J'adore !
        """),
        "agree_neg": _t("""
            Il m'est arrivé exactement la même chose.
            Pareil, galère.
            Exactement mon expérience, nul.
            T'es pas la seule, moi aussi.
            Désolée, c'est horrible.
            Pareil ici, très décevant.
        """),
        "neu": _t("""
            Ça a pris combien de temps ?
            Tu as pris lequel ?
            Tu l'as acheté où ?
            Ils ont fini par répondre ?
            C'est quelle taille ?
            Ça vaut le coup ?
        """),
        "disagree_pos": _t("""
            Ah bon ? Le mien est parfait.
            Bizarre, j'ai toujours eu un super service.
            Mince, le mien est arrivé nickel.
        """),
        "disagree_neg": _t("""
            T'as de la chance, le mien une catastrophe.
            Pas du tout mon expérience, horrible.
            J'aimerais pouvoir en dire autant, le mien nul.
        """),
    },
}
SHARE_COMMENTS: dict[str, tuple[str, ...]] = {
    "en": ("Look at this 👇", "Worth a read.", "This!", "Sharing for anyone who needs it.", "👀", "Thoughts?"),
    "es": ("Mirad esto 👇", "Para quien le interese.", "¡Esto!", "Lo comparto por aquí.", "👀", "¿Qué opináis?"),
    "fr": ("Regardez ça 👇", "À lire.", "Ça !", "Je partage pour ceux que ça intéresse.", "👀", "Vous en pensez quoi ?"),
}

# Brand answers; {who} is the person's @handle or first name, {sig} an agent's signature.
BRAND_REPLIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "complaint": _t("""
            Hi {who}, we're really sorry to hear this. Could you send us a DM with your order number so we can look into it straight away? {sig}
            {who} That's not the experience we want for you. Please DM us your order number and we'll sort it out today. {sig}
            Hi {who}, sorry about the trouble with your order. We've passed this to our delivery team and will be in touch within 24 hours. {sig}
            So sorry {who}! Can you DM us your email address and order number? We'll check what happened. {sig}
            Hi {who}, thanks for letting us know and sorry for the wait. We've opened a case for you, check your DMs. {sig}
            {who} We apologise for this. Our customer care team will contact you by email today to find a solution. {sig}
        """),
        "question": _t("""
            Hi {who}! You'll find all the details on our website under Help. If you need anything else just send us a DM {sig}
            {who} Great question! Our team will DM you with the details in a moment {sig}
            Hi {who}, yes, you can! Drop us a DM and we'll guide you through it. {sig}
            Thanks for asking {who}. Delivery times depend on your postcode, we'll DM you an estimate. {sig}
        """),
        "thanks": _t("""
            Thank you so much {who}! We're thrilled you love it 💛 {sig}
            {who} This made our day, thanks for sharing! {sig}
            Aww thank you {who}! Enjoy your new pieces {sig}
        """),
        "crisis": _t("""
            Hi {who}, we're so sorry. A system failure at our logistics centre has delayed many orders. Your order is safe and we'll update you by email within 48h. {sig}
            {who} We sincerely apologise for the delay. We're working day and night to get orders out, and all affected orders will get a voucher. {sig}
            Hi {who}, sorry for the wait. Please DM us your order number and we'll give you a delivery date as soon as we have one. {sig}
        """),
    },
    "es": {
        "complaint": _t("""
            Hola {who}, sentimos mucho lo ocurrido. ¿Nos escribes por DM con tu número de pedido para revisarlo cuanto antes? {sig}
            {who} No es la experiencia que queremos para ti. Envíanos por privado tu número de pedido y lo solucionamos hoy mismo. {sig}
            Hola {who}, perdona las molestias con tu pedido. Lo hemos trasladado al equipo de logística y te contactaremos en 24 horas. {sig}
            ¡Lo sentimos mucho, {who}! ¿Nos pasas por DM tu email y número de pedido? Revisamos qué ha pasado. {sig}
            Hola {who}, gracias por avisarnos y perdona la espera. Te hemos abierto una incidencia, revisa tus mensajes privados. {sig}
            {who} Te pedimos disculpas. Nuestro equipo de atención al cliente te escribirá hoy por email para buscar una solución. {sig}
        """),
        "question": _t("""
            ¡Hola {who}! Tienes toda la información en la sección de Ayuda de nuestra web. Si necesitas algo más, escríbenos por DM {sig}
            {who} ¡Buena pregunta! Te escribimos por privado con los detalles {sig}
            Hola {who}, ¡sí, claro! Escríbenos por DM y te explicamos cómo hacerlo. {sig}
            Gracias por preguntar, {who}. El plazo de entrega depende de tu código postal, te lo confirmamos por DM. {sig}
        """),
        "thanks": _t("""
            ¡Muchísimas gracias, {who}! Nos alegra un montón que te encante 💛 {sig}
            {who} ¡Nos has alegrado el día! Gracias por compartirlo {sig}
            ¡Gracias {who}! Que lo disfrutes mucho {sig}
        """),
        "crisis": _t("""
            Hola {who}, lo sentimos muchísimo. Un fallo informático en nuestro centro logístico ha retrasado muchos pedidos. Tu pedido está a salvo y te informaremos por email en 48 h. {sig}
            {who} Te pedimos disculpas por el retraso. Estamos trabajando día y noche para enviar todos los pedidos y los afectados recibirán un vale de compensación. {sig}
            Hola {who}, perdona la espera. Mándanos por DM tu número de pedido y te daremos fecha de entrega en cuanto la tengamos. {sig}
        """),
    },
    "fr": {
        "complaint": _t("""
            Bonjour {who}, nous sommes vraiment désolés. Pouvez-vous nous envoyer votre numéro de commande en message privé pour que l'on regarde tout de suite ? {sig}
            {who} Ce n'est pas l'expérience que nous souhaitons pour vous. Envoyez-nous votre numéro de commande en MP et on règle ça aujourd'hui. {sig}
            Bonjour {who}, désolés pour ce souci avec votre commande. Nous avons transmis à notre équipe logistique et revenons vers vous sous 24 h. {sig}
            Toutes nos excuses {who} ! Pouvez-vous nous transmettre votre e-mail et votre numéro de commande en MP ? Nous vérifions ce qui s'est passé. {sig}
            Bonjour {who}, merci de nous avoir prévenus et désolés pour l'attente. Un dossier a été ouvert, regardez vos messages privés. {sig}
            {who} Nous vous présentons nos excuses. Notre service client vous contacte par e-mail aujourd'hui pour trouver une solution. {sig}
        """),
        "question": _t("""
            Bonjour {who} ! Toutes les infos sont dans la rubrique Aide de notre site. Pour toute autre question, écrivez-nous en MP {sig}
            {who} Bonne question ! Nous vous envoyons les détails en message privé {sig}
            Bonjour {who}, oui bien sûr ! Écrivez-nous en MP et on vous explique. {sig}
            Merci pour votre question {who}. Le délai dépend de votre code postal, on vous le confirme en MP. {sig}
        """),
        "thanks": _t("""
            Merci beaucoup {who} ! Ravis que vous l'adoriez 💛 {sig}
            {who} Vous avez illuminé notre journée, merci pour le partage ! {sig}
            Merci {who} ! Profitez bien de votre nouvelle déco {sig}
        """),
        "crisis": _t("""
            Bonjour {who}, nous sommes sincèrement désolés. Une panne informatique sur notre plateforme logistique a retardé de nombreuses commandes. Votre commande est en sécurité et nous vous informons par e-mail sous 48 h. {sig}
            {who} Toutes nos excuses pour ce retard. Nos équipes travaillent jour et nuit pour expédier les commandes, et chaque commande concernée recevra un bon d'achat. {sig}
            Bonjour {who}, désolés pour l'attente. Envoyez-nous votre numéro de commande en MP et nous vous donnerons une date dès que possible. {sig}
        """),
    },
}

# The complainant's answer to the brand; {bh} is the brand's handle, {agent} the agent.
FOLLOW_UPS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "pos": _t("""
            Thanks {bh}, all sorted now!
            Thank you, the replacement arrived today. Great service in the end.
            Cheers, refund received. Appreciate the quick help.
            Thanks for sorting it so fast!
            Got the call, all good now. Thank you.
            Brilliant, {agent} fixed it in one go. Thank you!
            Refund is showing on my card already. Great stuff.
            New delivery date confirmed for {day}. Thanks for the help.
            Problem solved, happy customer again.
            That was quick! Thanks {agent}.
        """),
        "neg": _t("""
            I've already sent it twice. Still nothing.
            DM sent yesterday, no answer. Again.
            This is the same reply you gave me last week.
            Still no solution. Not good enough.
            You said 24 hours. It's been {days} days.
            Nobody has emailed me. Seriously disappointed.
            A voucher doesn't fix a missing {p}.
            Still waiting. Thinking about cancelling the whole order.
        """),
        "extra_pos": _t("""
            Much appreciated.
            You've kept a customer.
            Faith restored!
            Will definitely order again.
        """),
        "extra_neg": _t("""
            Really fed up now.
            Not impressed at all.
            I want a proper answer.
            This is getting ridiculous.
        """),
    },
    "es": {
        "pos": _t("""
            ¡Gracias {bh}, ya está solucionado!
            Gracias, hoy me ha llegado el cambio. Al final un servicio genial.
            Reembolso recibido, gracias por la rapidez.
            ¡Gracias por solucionarlo tan rápido!
            Ya me han llamado, todo arreglado. Gracias.
            Genial, {agent} me lo ha resuelto a la primera. ¡Gracias!
            Ya me aparece el reembolso en la tarjeta. Genial.
            Me confirman nueva fecha de entrega para el {day}. Gracias por la ayuda.
            Problema resuelto, vuelvo a ser clienta feliz.
            ¡Qué rapidez! Gracias {agent}.
        """),
        "neg": _t("""
            Ya os lo he mandado dos veces. Nada.
            DM enviado ayer y sin respuesta. Otra vez.
            Es la misma respuesta de la semana pasada.
            Sigo sin solución. Así no.
            Dijisteis 24 horas. Llevo {days} días.
            Nadie me ha escrito. Muy decepcionada.
            Un vale no arregla {el_p} que no llega.
            Sigo esperando. Me estoy planteando cancelar todo el pedido.
        """),
        "extra_pos": _t("""
            Se agradece mucho.
            Así sí.
            Me habéis recuperado como clienta.
            Volveré a pedir seguro.
        """),
        "extra_neg": _t("""
            Estoy ya harta.
            Nada contenta.
            Quiero una respuesta de verdad.
            Esto ya es de risa.
        """),
    },
    "fr": {
        "pos": _t("""
            Merci {bh}, tout est réglé !
            Merci, le remplacement est arrivé aujourd'hui. Super service finalement.
            Remboursement reçu, merci pour la rapidité.
            Merci d'avoir réglé ça si vite !
            On m'a appelée, tout est arrangé. Merci.
            Génial, {agent} a tout réglé du premier coup. Merci !
            Le remboursement apparaît déjà sur ma carte. Top.
            Nouvelle date de livraison confirmée pour le {day}. Merci pour l'aide.
            Problème résolu, cliente à nouveau contente.
            Quelle rapidité ! Merci {agent}.
        """),
        "neg": _t("""
            Je vous l'ai déjà envoyé deux fois. Toujours rien.
            MP envoyé hier, pas de réponse. Encore.
            C'est la même réponse que la semaine dernière.
            Toujours aucune solution. Pas sérieux.
            Vous aviez dit 24 h. Ça fait {days} jours.
            Personne ne m'a écrit. Très déçue.
            Un bon d'achat ne remplace pas {le_p} qui n'arrive pas.
            Toujours en attente. Je pense annuler toute la commande.
        """),
        "extra_pos": _t("""
            Merci beaucoup.
            Là, je dis bravo.
            Vous avez regagné une cliente.
            Je recommanderai sans hésiter.
        """),
        "extra_neg": _t("""
            J'en ai vraiment marre.
            Pas contente du tout.
            Je veux une vraie réponse.
            Ça devient ridicule.
        """),
    },
}
WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"),
}

# How a private message, a forum post or a review may start.
DM_OPENERS: dict[str, tuple[str, ...]] = {
    "en": ("Hi.", "Hello!", "Hi there.", "Good morning.", "Hi team!"),
    "es": ("¡Hola!", "Buenas.", "Hola, buenos días.", "Buenas tardes.", "¡Hola, equipo!"),
    "fr": ("Bonjour.", "Bonsoir.", "Bonjour à l'équipe !", "Hello !", "Bonjour à vous."),
}
DM_ORDER: dict[str, tuple[str, ...]] = {
    "en": ("My order number is {order}.", "Order {order}.", "It's order {order}.", "Order number: {order}"),
    "es": ("Mi número de pedido es {order}.", "Pedido {order}.", "Es el pedido {order}.", "Nº de pedido: {order}"),
    "fr": ("Mon numéro de commande : {order}.", "Commande {order}.", "C'est la commande {order}.", "N° de commande : {order}"),
}
FORUM_OPENERS: dict[str, tuple[str, ...]] = {
    "en": ("Hi all,", "Hello everyone.", "Long time lurker, first post.", "Evening all.", "Bit of a long one, sorry."),
    "es": ("Buenas foreros.", "Hola a todos.", "Primera vez que escribo por aquí.", "Buenas tardes.", "Perdón por el tocho."),
    "fr": ("Bonjour à tous.", "Salut le forum.", "Premier message ici.", "Bonsoir à tous.", "Désolée pour le pavé."),
}

# Survey comments of passives (scores 7 and 8): mixed on purpose.
SURVEY_PASSIVE: dict[str, tuple[str, ...]] = {
    "en": _t("""
        Good overall, but delivery took longer than expected.
        Nice products, prices are a bit high.
        Happy with {the_p}, the website could be easier.
        Fine. Nothing special.
        Decent quality, slow customer service.
        Lovely store but long queues.
        Okay experience, the assembly instructions were confusing.
        Good, although the colour was slightly different from the photos.
        All correct, I would like more delivery slots.
        All fine, the packaging could be greener.
    """),
    "es": _t("""
        Bien en general, aunque la entrega tardó más de lo esperado.
        Productos bonitos, precios algo altos.
        Contenta con {el_p}, la web podría ser más fácil.
        Correcto. Nada especial.
        Calidad decente, atención al cliente lenta.
        Tienda bonita pero mucha cola.
        Experiencia normal, las instrucciones de montaje eran confusas.
        Bien, aunque el color era algo distinto al de las fotos.
        Correcto, me gustaría tener más franjas de entrega.
        Todo bien, el embalaje podría ser más sostenible.
    """),
    "fr": _t("""
        Bien dans l'ensemble, mais la livraison a pris plus de temps que prévu.
        Jolis produits, prix un peu élevés.
        Contente {du_p}, le site pourrait être plus simple.
        Correct. Rien de spécial.
        Qualité correcte, service client lent.
        Jolie boutique mais beaucoup d'attente.
        Expérience moyenne, la notice de montage était confuse.
        Bien, même si la couleur était un peu différente des photos.
        Correct, j'aimerais plus de créneaux de livraison.
        Tout va bien, l'emballage pourrait être plus écolo.
    """),
}

EMOJI: dict[str, tuple[str, ...]] = {
    "pos": ("😍", "🥰", "✨", "💛", "🙌", "👌", "😊", "❤️", "🤩", "👏", "🏡", "🛋️", "💯", "🌿", "😍😍"),
    "neg": ("😡", "😤", "🙄", "👎", "💔", "😒", "🤬", "😩", "😞", "🤦‍♀️", "🤦‍♂️", "😠", "🙃"),
    "neu": ("🤔", "👀", "📦", "🙏", "🏠", "❓", "😅"),
}
HASHTAGS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "any": ("#homedecor", "#interiors", "#homesweethome", "#cosyhome", "#livingroom", "#interiordesign", "#homestyle", "#newhome"),
        "neg": ("#customerservice", "#fail", "#stillwaiting"),
        "tiktok": ("#fyp", "#roomtour", "#homedecor", "#cleantok"),
        "sale": ("#BlackFriday", "#sale", "#sales"),
    },
    "es": {
        "any": ("#decoración", "#hogar", "#deco", "#interiorismo", "#casa", "#hogardulcehogar", "#decoideas", "#micasa"),
        "neg": ("#atenciónalcliente", "#reclamación", "#indignada"),
        "tiktok": ("#parati", "#roomtour", "#deco", "#fyp"),
        "sale": ("#BlackFriday", "#rebajas", "#ofertas"),
    },
    "fr": {
        "any": ("#déco", "#maison", "#décoration", "#intérieur", "#homesweethome", "#décointérieur", "#cocooning"),
        "neg": ("#SAV", "#colère", "#arnaque"),
        "tiktok": ("#pourtoi", "#roomtour", "#déco", "#fyp"),
        "sale": ("#BlackFriday", "#soldes", "#bonplan"),
    },
}

# Casual spellings, applied now and then to social posts.
INFORMAL: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        (" you ", " u "),
        (" are ", " r "),
        ("Thank you", "Thx"),
        ("really", "rly"),
        ("Honestly", "Tbh"),
        ("because", "cos"),
        (" to be honest", " tbh"),
        ("going to", "gonna"),
        ("Please", "Pls"),
        (" please", " pls"),
    ),
    "es": (
        (" que ", " q "),
        ("también", "tb"),
        ("por favor", "porfa"),
        ("porque", "pq"),
        ("muy ", "mu "),
        (" para ", " pa "),
        ("Qué", "Q"),
        ("está", "esta"),
        ("días", "dias"),
        ("verdad", "vdd"),
        ("estoy", "toy"),
    ),
    "fr": (
        ("c'est", "c"),
        ("s'il vous plaît", "svp"),
        ("beaucoup", "bcp"),
        ("quelqu'un", "qqn"),
        ("Quelqu'un", "Qqn"),
        ("toujours", "tjrs"),
        ("vraiment", "vrmt"),
        ("pourquoi", "pk"),
        ("Je suis", "Chui"),
        ("aujourd'hui", "ajd"),
        ("Il y a", "Y a"),
    ),
}
# Endings some people add to a light-hearted post.
INFORMAL_TAILS: dict[str, tuple[str, ...]] = {
    "en": (" lol", " haha", " omg", " tbh", " x"),
    "es": (" jajaja", " jaja", " xD", " jajajaja"),
    "fr": (" mdr", " ptdr", " lol", " haha"),
}

# --- handles and display names of people who are not customers -------------------------

HANDLE_WORDS: dict[str, tuple[str, ...]] = {
    "es": ("deco", "casita", "hogar", "nordico", "bonito", "luz", "madera", "lino", "terraza", "salon", "cocina",
           "plantas", "vintage", "mediterraneo", "calma", "rincon", "nido", "mundo", "reforma", "piso", "barro"),
    "en": ("cosy", "little", "happy", "nest", "home", "cottage", "nook", "linen", "oak", "house", "interiors",
           "styled", "victorian", "terrace", "flat", "sunday", "plant", "renovation", "sage", "velvet", "fox"),
    "fr": ("petit", "nid", "maison", "cocon", "douce", "lin", "chene", "atelier", "deco", "boheme", "chez",
           "appart", "vintage", "plantes", "lumiere", "renov", "terre", "cabane", "jolie", "bulle", "loft"),
}
NICKNAME_EMOJI: tuple[str, ...] = ("", "", "", " ✨", " 🌿", " 🏡", " 🌸", " ☕", " 🪴", " 🕯️")


# --- filling templates -------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…)\]»\"']$|[\U0001F300-\U0001FAFF\u2600-\u27BF]$")
_FIRST_LETTER = re.compile(r"^([¿¡\"'«(\s]*)(\w)")
_ACCENTS = str.maketrans("áéíóúàèìòùâêîôûäëïöüçñÁÉÍÓÚÀÈÂÊÎÔÛÇÑ", "aeiouaeiouaeiouaeioucnAEIOUAEAEIOUCN")


def capitalise(sentence: str) -> str:
    """Upper-case the first letter, after any opening ``¿ ¡ «`` marks."""
    return _FIRST_LETTER.sub(lambda m: m.group(1) + m.group(2).upper(), sentence, count=1)


def ends_sentence(text: str) -> bool:
    """True when ``text`` already ends with punctuation or an emoji."""
    return bool(_SENTENCE_END.search(text))


def strip_accents(text: str) -> str:
    """Drop accents the way hurried typists do (``décevant`` -> ``decevant``)."""
    return text.translate(_ACCENTS)


def ascii_fold(text: str) -> str:
    """Letters only, no accents, lower case: ``Núñez`` -> ``nunez`` (for handles and e-mails)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def name_key(name: str) -> str:
    """A person's name folded and with sorted words, to compare names as identity linking does."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = re.sub(r"[\W_]+", " ", folded).split()
    return " ".join(sorted(words))


def usable(template: str, category: str | None) -> tuple[bool, str]:
    """Whether a template suits a product of ``category``, and its text without the tag.

    A template may start with ``[furniture,textiles]``: it only makes sense for
    those categories (a sofa has a cover to wash, a lamp does not).
    """
    if not template.startswith("["):
        return True, template
    tag, _, text = template[1:].partition("]")
    return category is None or category in tag.split(","), text.strip()


def choose(options: Sequence[str], u: float, category: str | None) -> tuple[int, str]:
    """The first template from the one ``u`` points at that suits ``category``."""
    n = len(options)
    start = min(int(u * n), n - 1)
    for k in range(n):
        ok, text = usable(options[(start + k) % n], category)
        if ok:
            return (start + k) % n, text
    return start, usable(options[start], None)[1]


def fill(template: str, slots: Mapping[str, str]) -> str:
    """``template`` with its slots filled; a missing slot is a bug in the templates."""
    return template.format_map(slots)


def pick(options: Sequence[str], u: float) -> str:
    """The option a uniform draw ``u`` in [0, 1) points at."""
    return options[min(int(u * len(options)), len(options) - 1)]


def all_templates() -> dict[str, list[tuple[str, str]]]:
    """Every template per language as ``(where, template)``: for tests and checks."""
    out: dict[str, list[tuple[str, str]]] = {lang: [] for lang in LANGS}
    for lang in LANGS:
        for key, lines in CORE[lang].items():
            out[lang] += [(f"core:{key[0]}:{key[1]}", usable(t, None)[1]) for t in lines]
        groups: list[tuple[str, Mapping[str, Sequence[str]]]] = [
            ("opener", OPENERS[lang]),
            ("closer", CLOSERS[lang]),
            ("crisis", CRISIS[lang]),
            ("brand_post", BRAND_POSTS[lang]),
            ("user_reply", USER_REPLIES[lang]),
            ("brand_reply", BRAND_REPLIES[lang]),
            ("follow_up", FOLLOW_UPS[lang]),
        ]
        for name, group in groups:
            for key2, lines2 in group.items():
                out[lang] += [(f"{name}:{key2}", t) for t in lines2]
        flat: list[tuple[str, Sequence[str]]] = [
            ("advocate", ADVOCATE_LINES[lang]),
            ("detractor", DETRACTOR_LINES[lang]),
            ("influencer", INFLUENCER_POSTS[lang]),
            ("dm_opener", DM_OPENERS[lang]),
            ("dm_order", DM_ORDER[lang]),
            ("forum_opener", FORUM_OPENERS[lang]),
            ("survey_passive", SURVEY_PASSIVE[lang]),
            ("share_comment", SHARE_COMMENTS[lang]),
        ]
        for name, lines3 in flat:
            out[lang] += [(name, t) for t in lines3]
    return out


# --- composing texts ---------------------------------------------------------------------
# Each function takes uniform draws ``u`` (floats in [0, 1)) made by the caller's
# generator, so a text depends only on the seed.

_SOCIAL = frozenset({"twitter", "instagram", "facebook", "tiktok"})
_P_OPENER = {"twitter": 0.2, "instagram": 0.3, "facebook": 0.3, "tiktok": 0.15, "trustpilot": 0.3, "google_reviews": 0.25}
_P_SECOND = {"twitter": 0.2, "instagram": 0.25, "facebook": 0.35, "tiktok": 0.1, "trustpilot": 0.7,
             "google_reviews": 0.6, "forum": 0.65, "dm": 0.3}
_P_CLOSER = {"twitter": 0.3, "instagram": 0.35, "facebook": 0.4, "tiktok": 0.2, "trustpilot": 0.55,
             "google_reviews": 0.45, "forum": 0.5, "dm": 0.35}
_P_EMOJI = {"twitter": 0.45, "instagram": 0.8, "facebook": 0.35, "tiktok": 0.85, "trustpilot": 0.05,
            "google_reviews": 0.08, "forum": 0.05, "dm": 0.12}
_P_TAGS = {"twitter": 0.3, "instagram": 0.75, "facebook": 0.08, "tiktok": 0.85}
_P_CASUAL = {"twitter": 0.25, "instagram": 0.15, "facebook": 0.12, "tiktok": 0.3, "forum": 0.08, "dm": 0.12,
             "trustpilot": 0.02, "google_reviews": 0.03}


_INNER_START = re.compile(r"([.!?…]\s+[¿¡]?)([^\W\d_])")


def capitalise_sentences(text: str) -> str:
    """Upper-case the first letter of every sentence (templates may start one with a slot)."""
    return _INNER_START.sub(lambda m: m.group(1) + m.group(2).upper(), capitalise(text))


def _sentence(text: str, sent: str, u: float, lang: str = "") -> str:
    text = capitalise_sentences(text.strip())
    if not ends_sentence(text):
        if sent != "neu" and u < 0.3:
            text += " !" if lang == "fr" and u < 0.15 else "!"
        else:
            text += "."
    return text


def _typo(text: str, u: float) -> str:
    """Swap two letters inside one longer word, as fast thumbs do."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = candidates[int(u * len(candidates)) % len(candidates)]
    w = words[i]
    k = 1 + int(u * 997) % (len(w) - 3)
    words[i] = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    return " ".join(words)


def _casual(text: str, lang: str, u: float) -> str:
    for k, (formal, casual) in enumerate(INFORMAL[lang]):
        if formal in text and (u * (k + 7) * 9973) % 1.0 < 0.6:
            text = text.replace(formal, casual)
    return text


def _hashtags(lang: str, sent: str, key: str, crisis: bool, sale: bool, slots: Mapping[str, str], u: Sequence[float]) -> str:
    tags: list[str] = []
    if crisis and u[0] < 0.8:
        tags.append(pick(CRISIS_TAGS[lang], u[1]))
    if u[2] < 0.6:
        tags.append(slots["tag"])
    if sale and u[3] < 0.5:
        tags.append(pick(HASHTAGS[lang]["sale"], u[4]))
    if key == "tiktok":
        tags.append(pick(HASHTAGS[lang]["tiktok"], u[5]))
    if sent == "neg" and u[6] < 0.3:
        tags.append(pick(HASHTAGS[lang]["neg"], u[7]))
    general = HASHTAGS[lang]["any"]
    for k in range(1 + int(u[8] * 3) if key == "instagram" else int(u[8] * 2)):
        tags.append(general[int((u[9] * 31 + k * 0.37) * len(general)) % len(general)])
    unique: list[str] = []
    for tag in tags:
        if tag.lower() not in (x.lower() for x in unique):
            unique.append(tag)
    return " ".join(unique)


def _style(text: str, lang: str, sent: str, key: str, crisis: bool, sale: bool, slots: Mapping[str, str], u: Sequence[float]) -> str:
    social = key in _SOCIAL
    if u[0] < _P_CASUAL.get(key, 0.1):
        text = _casual(text, lang, u[1])
    if social and lang != "en" and u[2] < 0.05:
        text = strip_accents(text)
    if (social or key == "forum") and u[3] < 0.04:
        text = _typo(text, u[4])
    if social and sent != "neu" and u[5] < 0.15:
        text = text.replace("!", "!!!", 1) if "!" in text else text.rstrip(".") + "!!"
    if social and u[6] < 0.08:
        text = text.lower()
    elif social and sent == "neg" and u[6] > 0.975 and len(text) < 120:
        text = text.upper()
    if social and sent != "neg" and u[7] < 0.05:
        text = text.rstrip(".") + pick(INFORMAL_TAILS[lang], u[8])
    if social and u[9] < 0.3:
        text = text.rstrip(".")
    if u[10] < _P_EMOJI.get(key, 0.1):
        mood = "neg" if crisis else sent
        text += " " + pick(EMOJI[mood], u[11]) + (pick(EMOJI[mood], u[12]) if u[12] < 0.25 else "")
    if social and u[13] < _P_TAGS[key]:
        tags = _hashtags(lang, sent, key, crisis, sale, slots, u[14:24])
        if tags:
            text += ("\n\n" if key == "instagram" and u[24] < 0.5 else " ") + tags
    if key == "twitter" and len(text) > 280:
        text = text[:277].rsplit(" ", 1)[0] + "…"
    return text


def compose_post(
    lang: str,
    sent: str,
    topic: str,
    platform: str,
    kind: str,
    persona: str,
    crisis: bool,
    sale: bool,
    slots: Mapping[str, str],
    u: Sequence[float],
) -> str:
    """An original post, review, forum post or private message (``u``: at least 37 draws)."""
    key = "dm" if kind == "dm" else platform
    influencer = persona == "influencer" and sent == "pos" and key in _SOCIAL and not crisis
    parts: list[str] = []
    if influencer:
        pass  # a sponsored post speaks for itself
    elif key == "dm":
        if u[0] < 0.8:
            parts.append(pick(DM_OPENERS[lang], u[1]))
    elif key == "forum":
        if u[0] < 0.6:
            parts.append(pick(FORUM_OPENERS[lang], u[1]))
    elif u[0] < _P_OPENER.get(key, 0.2):
        parts.append(fill(pick(OPENERS[lang][sent], u[1]), slots))
    if crisis:
        cell = CRISIS[lang][sent]
    elif influencer:
        cell = INFLUENCER_POSTS[lang]
    else:
        cell = CORE[lang][(sent, topic)]
    category = slots.get("category")
    i, first = choose(cell, u[2], category)
    parts.append(_sentence(fill(first, slots), sent, u[3], lang))
    if not influencer and len(cell) > 1 and u[4] < _P_SECOND.get(key, 0.3):
        j, second = choose(cell, ((i + 1 + int(u[5] * (len(cell) - 1))) % len(cell) + 0.5) / len(cell), category)
        if j != i:
            parts.append(_sentence(fill(second, slots), sent, u[6], lang))
    if persona == "advocate" and sent == "pos" and u[7] < 0.45:
        parts.append(fill(pick(ADVOCATE_LINES[lang], u[8]), slots))
    elif persona == "detractor" and sent == "neg" and u[7] < 0.45:
        parts.append(fill(pick(DETRACTOR_LINES[lang], u[8]), slots))
    elif not influencer and u[7] < _P_CLOSER.get(key, 0.3):
        parts.append(fill(pick(CLOSERS[lang][sent], u[8]), slots))
    if key == "dm" and slots.get("order") and u[9] < 0.8:
        parts.append(fill(pick(DM_ORDER[lang], u[10]), slots))
    return _style(" ".join(parts), lang, sent, key, crisis, sale, slots, u[11:])


def compose_brand_post(lang: str, which: str, platform: str, slots: Mapping[str, str], u: Sequence[float]) -> str:
    """A post by a brand's own account: ``which`` is general, sale or crisis (``u``: 4 draws)."""
    text = capitalise_sentences(fill(pick(BRAND_POSTS[lang][which], u[0]), slots))
    if which != "crisis" and u[1] < {"instagram": 0.85, "tiktok": 0.9, "twitter": 0.4}.get(platform, 0.1):
        text += " " + slots["tag"]
        if u[2] < 0.5:
            text += " " + pick(HASHTAGS[lang]["any"], u[3])
    return text


def compose_brand_reply(lang: str, group: str, who: str, sig: str, u: float) -> str:
    """Customer care's answer: ``group`` is complaint, question, thanks or crisis."""
    return " ".join(fill(pick(BRAND_REPLIES[lang][group], u), {"who": who, "sig": sig}).split())


def compose_follow_up(
    lang: str, sent: str, brand_handle: str, public: bool, slots: Mapping[str, str], u: Sequence[float]
) -> str:
    """The customer's answer to the brand's reply (``u``: 8 draws)."""
    d = {**slots, "bh": brand_handle, "day": pick(WEEKDAYS[lang], u[1])}
    text = _sentence(fill(pick(FOLLOW_UPS[lang][sent], u[0]), d), sent, u[2])
    if u[3] < 0.4:
        text += " " + fill(pick(FOLLOW_UPS[lang][f"extra_{sent}"], u[4]), d)
    if public and brand_handle.startswith("@") and brand_handle not in text:
        text = f"{brand_handle} {text}"
    if u[5] < 0.3:
        text += " " + pick(EMOJI[sent] if sent == "neg" else ("🙏", "💛", "👍", "🙌", "😊"), u[6])
    if u[7] < 0.1:
        text = text.lower()
    return text


def compose_share(lang: str, platform: str, parent_author: str, parent_text: str, u0: float, u1: float) -> str:
    """A share: a retweet on Twitter, a comment and the shared post on Facebook."""
    if platform == "twitter":
        return f"RT @{parent_author}: {parent_text}"
    comment = pick(SHARE_COMMENTS[lang], u0)
    return f"{comment} {parent_text}" if u1 < 0.8 else parent_text


def compose_user_reply(
    lang: str, group: str, sent: str, topic: str, parent_author: str, platform: str, slots: Mapping[str, str], u: Sequence[float]
) -> str:
    """A person's reply to a post: agreeing, disagreeing or asking (``u``: 4 draws)."""
    text = pick(USER_REPLIES[lang][group], u[0])
    if group != "neu" and u[1] < 0.45:
        text += " " + _sentence(fill(choose(CORE[lang][(sent, topic)], u[2], slots.get("category"))[1], slots), sent, u[3], lang)
    if platform != "forum" or u[3] < 0.5:
        text = f"@{parent_author} {text}"
    if platform in _SOCIAL and u[2] < 0.25:
        text += " " + pick(EMOJI[sent], u[1])
    return text


def compose_survey_comment(lang: str, band: str, crisis_hit: bool, slots: Mapping[str, str], u: Sequence[float]) -> str:
    """An NPS comment: ``band`` is promoter, passive or detractor (``u``: 10 draws)."""
    if band == "passive":
        text = capitalise_sentences(fill(pick(SURVEY_PASSIVE[lang], u[0]), slots))
    elif band == "promoter":
        topic = pick(("product", "quality", "store", "delivery", "service", "price"), u[0])
        text = _sentence(fill(choose(CORE[lang][("pos", topic)], u[1], slots.get("category"))[1], slots), "pos", u[2], lang)
        if u[3] < 0.3:
            text += " " + fill(pick(CLOSERS[lang]["pos"], u[4]), slots)
    else:
        if crisis_hit and u[0] < 0.7:
            text = _sentence(fill(pick(CRISIS[lang]["neg"], u[1]), slots), "neg", u[2])
        else:
            topic = pick(("delivery", "quality", "service", "returns", "app", "price"), u[0])
            text = _sentence(fill(choose(CORE[lang][("neg", topic)], u[1], slots.get("category"))[1], slots), "neg", u[2], lang)
        if u[3] < 0.35:
            text += " " + fill(pick(CLOSERS[lang]["neg"], u[4]), slots)
    if u[5] < 0.08:
        text = text.lower()
    return text
