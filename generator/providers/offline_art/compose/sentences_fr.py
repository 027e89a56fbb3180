"""The sentence catalogue in French: for each variant of each setting, the
two templates of sentences.SENTENCES, written as a French parent would say
them (not word for word).

{hero} is the hero with its article ("le petit dinosaure", "l’ourson"), always
the subject; {pal} the child ("Léa", else "un ami"), {de_pal} the same after
"de" ("de Léa", "d’Emma", "d’un ami"), {moves} how the hero gets about
("nage", "vole", "se promène"). "[m|f]" is a word in the masculine and the
feminine, chosen by the hero's gender ("[ami|amie]")."""

SENTENCES_FR: dict[str, dict[str, tuple[str, str]]] = {
    "meadow": {
        "flowers": (
            "{hero} cueille des fleurs avec {pal} dans un pré ensoleillé",
            "{hero} et {pal} sentent les fleurs au soleil du printemps",
        ),
        "butterflies": (
            "{hero} court après les papillons avec {pal} à travers le pré",
            "{hero} dit bonjour aux papillons sur la colline",
        ),
        "kite": (
            "{hero} fait voler un cerf-volant avec {pal} en haut de la colline",
            "{hero} et {pal} regardent un cerf-volant danser dans le ciel",
        ),
        "grass": (
            "{hero} dévale la colline en roulant dans l’herbe avec {pal}",
            "{hero} et {pal} s’allongent dans l’herbe douce",
        ),
    },
    "picnic": {
        "basket": (
            "{hero} partage un panier de pique-nique avec {pal} à l’ombre d’un arbre",
            "{hero} déballe un délicieux pique-nique avec {pal}",
        ),
        "apples": (
            "{hero} et {pal} croquent des pommes pendant le pique-nique",
            "{hero} étale une nappe de pique-nique pour {pal}",
        ),
        "lunch": (
            "{hero} et {pal} déjeunent sur l’herbe",
            "{hero} partage son goûter avec {pal} sur la nappe",
        ),
        "shade": (
            "{hero} se repose à l’ombre après le pique-nique",
            "{hero} et {pal} pique-niquent sous le grand arbre",
        ),
    },
    "beach": {
        "sandcastle": (
            "{hero} construit un château de sable avec {pal} à la plage",
            "{hero} et {pal} font le plus haut château de sable du monde",
        ),
        "sailboat": (
            "{hero} fait coucou à un voilier depuis la plage ensoleillée",
            "{hero} et {pal} regardent passer les bateaux",
        ),
        "shells": (
            "{hero} ramasse des coquillages avec {pal} au bord de la mer",
            "{hero} trouve une étoile de mer sur le sable avec {pal}",
        ),
        "sand": (
            "{hero} et {pal} jouent dans le sable chaud",
            "{hero} {moves} le long de la plage avec {pal}",
        ),
    },
    "underwater": {
        "reef": (
            "{hero} explore un récif de corail plein de couleurs avec {pal}",
            "{hero} {moves} entre les algues qui ondulent",
        ),
        "treasure": (
            "{hero} trouve un coffre au trésor au fond de la mer",
            "{hero} et {pal} ouvrent un coffre au trésor englouti",
        ),
        "jellyfish": (
            "{hero} devient [ami|amie] avec une méduse rigolote",
            "{hero} et {pal} font coucou aux méduses",
        ),
        "bubbles": (
            "{hero} fait des bulles avec {pal} sous la mer",
            "{hero} joue à cache-cache avec {pal} sous la mer",
        ),
        "shells": (
            "{hero} trouve des coquillages au fond de la mer",
            "{hero} et {pal} comptent les coquillages au fond de la mer",
        ),
    },
    "waves": {
        "jump": (
            "{hero} saute par-dessus les vagues qui scintillent",
            "{hero} s’éclabousse dans les vagues avec {pal}",
        ),
        "boat": (
            "{hero} {moves} à côté du petit voilier {de_pal}",
            "{hero} et {pal} font la course avec un voilier",
        ),
        "splash": (
            "{hero} et {pal} glissent sur les grosses vagues",
            "{hero} joue dans les embruns avec {pal}",
        ),
    },
    "night": {
        "moon": (
            "{hero} dit bonne nuit à la lune avec {pal}",
            "{hero} et {pal} regardent la lune se lever sur les collines",
        ),
        "stars": (
            "{hero} compte les étoiles avec {pal}",
            "{hero} fait un vœu en regardant une étoile qui scintille",
        ),
        "house": (
            "{hero} rentre à la maison avec {pal} sous le ciel étoilé",
            "{hero} va voir la maison {de_pal} à la nuit tombée",
        ),
        "hills": (
            "{hero} et {pal} écoutent le silence de la nuit",
            "{hero} dit bonne nuit aux collines endormies",
        ),
    },
    "space": {
        "planets": (
            "{hero} file entre les planètes avec {pal}",
            "{hero} visite une planète à anneaux avec {pal}",
        ),
        "moonwalk": (
            "{hero} fait des bonds sur la lune avec {pal}",
            "{hero} et {pal} explorent les cratères de la lune",
        ),
        "stars": (
            "{hero} fait un vœu au milieu des étoiles",
            "{hero} et {pal} flottent parmi les étoiles",
        ),
        "comet": (
            "{hero} fait coucou à une comète avec {pal}",
            "{hero} et {pal} font la course avec une comète dans le ciel",
        ),
        "rocket": (
            "{hero} voyage dans une petite fusée avec {pal}",
            "{hero} et {pal} posent leur fusée sur la lune",
        ),
    },
    "launch": {
        "hills": (
            "{hero} décolle au-dessus des collines vertes",
            "{hero} emmène {pal} tout là-haut dans le ciel",
        ),
        "town": (
            "{hero} {moves} tout là-haut, au-dessus de la ville",
            "{hero} fait coucou à {pal} au-dessus des toits",
        ),
        "rainbow": (
            "{hero} {moves} à travers les nuages tout doux",
            "{hero} et {pal} font la course avec les nuages",
        ),
    },
    "forest": {
        "mushrooms": (
            "{hero} trouve des champignons à pois dans la forêt avec {pal}",
            "{hero} et {pal} comptent les champignons sous les grands arbres",
        ),
        "trees": (
            "{hero} se promène dans les bois avec {pal}",
            "{hero} explore la forêt avec {pal}",
        ),
        "path": (
            "{hero} et {pal} suivent un sentier dans la forêt",
            "{hero} écoute les oiseaux chanter dans la forêt",
        ),
        "pines": (
            "{hero} et {pal} trouvent le plus grand arbre",
            "{hero} joue à cache-cache entre les arbres",
        ),
    },
    "town": {
        "houses": (
            "{hero} va voir la maison {de_pal} en ville",
            "{hero} et {pal} disent bonjour aux voisins",
        ),
        "road": (
            "{hero} explore la ville avec {pal}",
            "{hero} descend la rue animée avec {pal}",
        ),
        "walk": (
            "{hero} et {pal} font une promenade en ville",
            "{hero} compte les maisons de la rue avec {pal}",
        ),
        "errands": (
            "{hero} fait les courses en ville avec {pal}",
            "{hero} et {pal} traversent la rue prudemment",
        ),
    },
    "castle": {
        "castle": (
            "{hero} visite un château de conte de fées avec {pal}",
            "{hero} et {pal} découvrent un château sur la colline",
        ),
        "flags": (
            "{hero} défile dans un cortège royal avec {pal}",
            "{hero} fait coucou depuis le jardin du château",
        ),
        "hill": (
            "{hero} grimpe la colline jusqu’au château avec {pal}",
            "{hero} et {pal} cueillent des fleurs près du château",
        ),
        "towers": (
            "{hero} fait signe aux tours du château",
            "{hero} et {pal} frappent à la porte du château",
        ),
    },
    "party": {
        "balloons": (
            "{hero} tient une grappe de ballons à la fête {de_pal}",
            "{hero} apporte des ballons pour {pal}",
        ),
        "cake": (
            "{hero} apporte un gâteau d’anniversaire pour {pal}",
            "{hero} et {pal} partagent un délicieux gâteau",
        ),
        "gifts": (
            "{hero} ouvre des cadeaux avec {pal}",
            "{hero} emballe un cadeau surprise pour {pal}",
        ),
        "games": (
            "{hero} joue à des jeux de fête avec {pal}",
            "{hero} et {pal} dansent à la fête",
        ),
    },
    "rainbow": {
        "rainbow": (
            "{hero} aperçoit un arc-en-ciel après la pluie avec {pal}",
            "{hero} et {pal} suivent l’arc-en-ciel",
        ),
        "puddles": (
            "{hero} saute dans les flaques avec {pal}",
            "{hero} et {pal} éclaboussent tout dans les flaques de pluie",
        ),
        "sky": (
            "{hero} et {pal} lèvent les yeux vers l’arc-en-ciel",
            "{hero} dit au revoir aux nuages de pluie",
        ),
        "colors": (
            "{hero} compte les couleurs de l’arc-en-ciel avec {pal}",
            "{hero} et {pal} profitent du soleil après la pluie",
        ),
    },
    "snow": {
        "snowman": (
            "{hero} fait un bonhomme de neige avec {pal}",
            "{hero} et {pal} mettent une écharpe au bonhomme de neige",
        ),
        "snowflakes": (
            "{hero} attrape des flocons de neige avec {pal}",
            "{hero} joue dans la neige avec {pal}",
        ),
        "winter": (
            "{hero} et {pal} s’amusent dehors sous la neige",
            "{hero} laisse des traces de pas dans la neige fraîche",
        ),
        "pines": (
            "{hero} et {pal} regardent les montagnes enneigées",
            "{hero} {moves} entre les sapins enneigés avec {pal}",
        ),
    },
    "library": {
        "shelves": (
            "{hero} cherche une histoire sur les hautes étagères",
            "{hero} et {pal} passent sur la pointe des pieds entre les livres",
        ),
        "reading": (
            "{hero} lit un album illustré avec {pal}",
            "{hero} tourne les pages d’un grand livre pour {pal}",
        ),
        "stack": (
            "{hero} porte une pile de livres pour {pal}",
            "{hero} et {pal} construisent une tour de livres",
        ),
        "lamp": (
            "{hero} lit à la lumière de la lampe avec {pal}",
            "{hero} et {pal} chuchotent dans la bibliothèque silencieuse",
        ),
    },
    "knitting": {
        "yarn": (
            "{hero} fait rouler une pelote de laine jusqu’à {pal}",
            "{hero} et {pal} choisissent la laine la plus colorée",
        ),
        "needles": (
            "{hero} apprend à tricoter avec {pal}",
            "{hero} compte les mailles avec {pal}",
        ),
        "scarf": (
            "{hero} tricote une longue écharpe à rayures pour {pal}",
            "{hero} et {pal} tricotent près de la fenêtre",
        ),
        "armchair": (
            "{hero} se repose près du fauteuil douillet avec {pal}",
            "{hero} et {pal} démêlent la laine",
        ),
    },
    "kitchen": {
        "pot": (
            "{hero} remue une marmite de soupe avec {pal}",
            "{hero} et {pal} préparent un délicieux déjeuner",
        ),
        "cupcakes": (
            "{hero} fait des petits gâteaux avec {pal}",
            "{hero} et {pal} posent des cerises sur les petits gâteaux",
        ),
        "bread": (
            "{hero} fait cuire une miche de pain avec {pal}",
            "{hero} et {pal} sentent le bon pain tout chaud",
        ),
        "cake": (
            "{hero} décore un grand gâteau avec {pal}",
            "{hero} et {pal} allument les bougies du gâteau",
        ),
    },
    "music": {
        "drum": (
            "{hero} joue du tambour avec {pal}",
            "{hero} et {pal} tapent un rythme joyeux",
        ),
        "guitar": (
            "{hero} joue de la guitare pour {pal}",
            "{hero} et {pal} chantent une chanson rigolote",
        ),
        "notes": (
            "{hero} regarde les notes de musique s’envoler",
            "{hero} et {pal} dansent en musique",
        ),
        "band": (
            "{hero} monte un groupe de musique avec {pal}",
            "{hero} et {pal} donnent un petit concert",
        ),
    },
    "farm": {
        "barn": (
            "{hero} visite la grande grange rouge avec {pal}",
            "{hero} et {pal} ouvrent les portes de la grange",
        ),
        "hay": (
            "{hero} saute dans le foin avec {pal}",
            "{hero} et {pal} se reposent près d’une meule de foin",
        ),
        "apples": (
            "{hero} cueille des pommes à la ferme avec {pal}",
            "{hero} et {pal} remplissent un panier de pommes",
        ),
        "garden": (
            "{hero} arrose le potager de la ferme avec {pal}",
            "{hero} et {pal} longent la clôture de la ferme",
        ),
    },
    "train": {
        "ride": (
            "{hero} fait coucou au petit train avec {pal}",
            "{hero} et {pal} entendent le train faire tchou-tchou",
        ),
        "long": (
            "{hero} compte les wagons du train avec {pal}",
            "{hero} et {pal} regardent passer un long train",
        ),
        "station": (
            "{hero} attend le train avec {pal}",
            "{hero} et {pal} font coucou au conducteur du train",
        ),
        "hills": (
            "{hero} regarde le train grimper les collines",
            "{hero} et {pal} suivent les rails jusqu’aux montagnes",
        ),
    },
    "jungle": {
        "leaves": (
            "{hero} jette un œil entre les feuilles de la jungle",
            "{hero} et {pal} explorent la jungle verdoyante",
        ),
        "butterflies": (
            "{hero} repère des papillons de la jungle avec {pal}",
            "{hero} et {pal} suivent un papillon",
        ),
        "flowers": (
            "{hero} trouve des fleurs géantes dans la jungle avec {pal}",
            "{hero} et {pal} se reposent sous les palmiers",
        ),
        "vines": (
            "{hero} se balance entre les palmiers",
            "{hero} et {pal} écoutent les bruits de la jungle",
        ),
    },
    "camp": {
        "tent": (
            "{hero} monte une tente avec {pal}",
            "{hero} et {pal} passent la tête hors de la tente",
        ),
        "campfire": (
            "{hero} s’assoit près du feu de camp avec {pal}",
            "{hero} et {pal} font griller des guimauves",
        ),
        "stars": (
            "{hero} et {pal} regardent les étoiles depuis le campement",
            "{hero} raconte des histoires sous les étoiles",
        ),
        "hike": (
            "{hero} et {pal} rentrent d’une randonnée",
            "{hero} ramasse des brindilles pour le feu de camp",
        ),
    },
    "sports": {
        "kick": (
            "{hero} tape dans le ballon avec {pal}",
            "{hero} et {pal} s’entraînent à tirer au but",
        ),
        "catch": (
            "{hero} attrape le ballon que lui lance {pal}",
            "{hero} et {pal} lancent le ballon très haut",
        ),
        "goal": (
            "{hero} marque un but avec {pal}",
            "{hero} et {pal} fêtent le but",
        ),
        "match": (
            "{hero} joue un match avec {pal}",
            "{hero} et {pal} courent à travers le terrain",
        ),
    },
}

# Each hero in French: its noun with the article, and its gender ("m", "f").
HEROES_FR: dict[str, tuple[str, str]] = {
    "dinosaur": ("le petit dinosaure", "m"),
    "dragon": ("le gentil dragon", "m"),
    "cat": ("le chaton", "m"),
    "dog": ("le chiot", "m"),
    "bunny": ("le petit lapin", "m"),
    "bear": ("l’ourson", "m"),
    "teddy": ("le nounours", "m"),
    "unicorn": ("la licorne", "f"),
    "fish": ("le petit poisson", "m"),
    "rocket": ("la petite fusée", "f"),
    "car": ("la petite voiture", "f"),
    "robot": ("le robot", "m"),
    "princess": ("la princesse", "f"),
    "owl": ("la petite chouette", "f"),
}

MOVES_FR = {"fish": "nage", "rocket": "vole", "car": "roule", "dragon": "vole", "owl": "vole"}

# How the pages of the little story begin, in the same order as
# plan.OPENERS (the same seed shuffles both alike).
FIRST_OPENER_FR = "Un jour, "
LAST_OPENER_FR = "À la fin de la journée, "
OPENERS_FR = (
    "Puis ",
    "Ensuite, ",
    "Plus tard, ",
    "Bientôt, ",
    "Après cela, ",
    "Pendant ce temps, ",
    "Tout à coup, ",
    "Peu après, ",
    "Le lendemain matin, ",
    "L’après-midi, ",
    "",
    "",
)
