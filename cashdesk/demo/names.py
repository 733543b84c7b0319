"""Name lists for demo data (common in Southern and East Africa; fictional people)."""

FEMALE_GIVEN = (
    "Agnes Alinafe Chikondi Chimwemwe Chisomo Chifundo Dalitso Edina Esther Eliza Faith Fatsani Grace Hawa "
    "Ireen Jane Joyce Kondwani Linda Loveness Lucy Madalitso Mary Mercy Mphatso Naomi Ndaona Ruth Sarah "
    "Tamara Thokozani Tiwonge Tiyamike Towera Ulemu Violet Wezi Yamikani Zione Zikomo Memory Patience "
    "Annie Rose Alice Catherine Dorothy Elube Fanny Gift Hannah Judith Margaret Martha Mwayi Rachel Stella"
).split()
MALE_GIVEN = (
    "Blessings Chikumbutso Chisomo Daniel Davie Emmanuel Frank Felix George Gift Harold Isaac James John "
    "Joseph Kelvin Kondwani Limbani Lusungu Madalitso Mavuto Moses Mphatso Peter Patrick Precious Richard "
    "Samuel Stephen Thomas Tawonga Thokozani Upile Vincent Wongani Yohane Zacharia Francis Charles Dickson "
    "Ephraim Gerald Henry Innocent Jacob Lameck McDonald Noel Oscar Paul Robert Simon Victor Wisdom"
).split()
FAMILY = (
    "Banda Phiri Mwale Tembo Zulu Nkhoma Chirwa Mbewe Kumwenda Gondwe Mvula Kamanga Nyirenda Mhango "
    "Msiska Kaunda Lungu Sakala Daka Mumba Chisale Chikaonda Kachale Kalua Kambalame Kapalamula Makwinja "
    "Malunga Mkandawire Moyo Munthali Mwanza Ngwira Nkhata Chimbalanga Chibwe Chinyama Chiumia Jere Kalinde "
    "Kamwendo Kanyenda Katunga Luhanga Manda Masina Matola Mbale Mlenga Mponda Msowoya Mtambo Mughogho "
    "Mzumara Ndovi Ngoma Nthala Nyasulu Sibande Soko Zgambo Chakwera Mussa Ali Jumbe Bakali Hussein Kassim"
).split()
VILLAGE_SYLLABLES = (
    "chi ka li mbe ngo nda tsa zi wa mu lo ndi pe sa ma yo be ku ta nje mwa phi re ga"
).split()
VILLAGE_SUFFIXES = ("", "", "", " I", " II", " Centre", " North", " South")
