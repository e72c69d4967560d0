"""Real Latvian titles for the demo region: classics, contemporary, poetry, drama.

Each entry is ``(title, authors, year, publisher, subjects, description)``:
authors and subjects are ``"; "``-separated, authors written the way a
cataloguer writes them ("Blaumanis, Rūdolfs"). Titles and authors are real;
the years and publishers are those of plausible editions. A title in square
brackets is a title supplied by the cataloguer, as libraries write it.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.models import MaterialType

Entry = tuple[str, str, int, str, str, str] | tuple[str, str, int, str, str, str, str]
"""(title, authors, year, publisher, subjects, description[, source of an article])."""


@dataclass(frozen=True)
class Section:
    """A group of entries shelved alike."""

    udk: str
    """The UDK class that starts a central-library shelf mark ("821.174-3")."""
    shelf: str
    """Where copies go: "adult", "children", "periodical", "article", "local", "audio"."""
    material: MaterialType
    language: str
    entries: tuple[Entry, ...]


LV_PROSE = Section("821.174-3", "adult", MaterialType.BOOK, "lv", (
    ("Mērnieku laiki", "Kaudzīte, Reinis; Kaudzīte, Matīss", 2014, "Zvaigzne ABC", "latviešu proza; romāns; lauku dzīve; 19. gadsimts", "Pirmais latviešu romāns: zemes mērīšana, Oļinieks un Pratkus Vidzemes pagastā."),
    ("Raudupiete", "Blaumanis, Rūdolfs", 2008, "Zvaigzne ABC", "latviešu proza; noveles; kaislības", "Novele par saimnieci, kas kaislībā pārkāpj visas robežas."),
    ("Nāves ēnā", "Blaumanis, Rūdolfs", 2016, "Zvaigzne ABC", "latviešu proza; noveles; zvejnieki; jūra", "Zvejnieki uz atrauta ledus gabala jūrā."),
    ("Purva bridējs", "Blaumanis, Rūdolfs", 2011, "Zvaigzne ABC", "latviešu proza; noveles; mīlestība", "Novele par Kristapu un Tīni."),
    ("Andriksons", "Blaumanis, Rūdolfs", 2009, "Zvaigzne ABC", "latviešu proza; noveles", "Novele par lepnu un spītīgu vīru."),
    ("Salna pavasarī", "Blaumanis, Rūdolfs", 2013, "Zvaigzne ABC", "latviešu proza; noveles; lauku dzīve", "Novele par Andriķi un Lienīti."),
    ("Pērļu zvejnieks", "Poruks, Jānis", 2012, "Zvaigzne ABC", "latviešu proza; romāns; romantisms", "Romāns par Kārli Vilkaču un dvēseles pērlēm."),
    ("Kauja pie Knipskas", "Poruks, Jānis", 2010, "Zvaigzne ABC", "latviešu proza; stāsti; bērnība", "Humoristisks stāsts par zēnu kauju."),
    ("Kukažiņa", "Poruks, Jānis", 2006, "Zvaigzne ABC", "latviešu proza; stāsti", "Stāsts par nabaga meitenīti Kukažiņu."),
    ("Zaļā zeme", "Upīts, Andrejs", 2015, "Zvaigzne ABC", "latviešu proza; romāns; lauku dzīve", "Romāns par Latvijas laukiem 19. un 20. gadsimta mijā."),
    ("Jaunā strāva", "Upīts, Andrejs", 2005, "Zvaigzne ABC", "latviešu proza; romāns; 1905. gads", "Romāns par jaunās paaudzes idejām."),
    ("Robežsargi", "Upīts, Andrejs", 1972, "Liesma", "latviešu proza; romāns", "Romāns no Andreja Upīša kopotajiem rakstiem."),
    ("Dievs, daba, darbs", "Brigadere, Anna", 2013, "Zvaigzne ABC", "latviešu proza; autobiogrāfiska proza; bērnība", "Trilogijas pirmā daļa: Annele un viņas bērnība."),
    ("Skarbos vējos", "Brigadere, Anna", 2011, "Zvaigzne ABC", "latviešu proza; autobiogrāfiska proza", "Trilogijas otrā daļa: Anneles skolas gadi."),
    ("Akmeņu sprostā", "Brigadere, Anna", 2012, "Zvaigzne ABC", "latviešu proza; autobiogrāfiska proza", "Trilogijas trešā daļa."),
    ("Baltā grāmata", "Jaunsudrabiņš, Jānis", 2017, "Zvaigzne ABC", "latviešu proza; bērnība; lauku dzīve", "Zēna Jancīša bērnība Sēlijas laukos."),
    ("Zaļā grāmata", "Jaunsudrabiņš, Jānis", 2008, "Zvaigzne ABC", "latviešu proza; atmiņas", "Turpinājums \"Baltajai grāmatai\"."),
    ("Aija", "Jaunsudrabiņš, Jānis", 2014, "Zvaigzne ABC", "latviešu proza; romāns; mīlestība", "Romāns par Jāņa un Aijas mīlestību."),
    ("Straumēni", "Virza, Edvarts", 2018, "Zvaigzne ABC", "latviešu proza; lauku dzīve; gadalaiki", "Zemgales sētas gada ritums."),
    ("Kalpa zēna vasara", "Akuraters, Jānis", 2016, "Zvaigzne ABC", "latviešu proza; stāsti; bērnība", "Stāsts par kalpa zēna vasaru pie saimnieka."),
    ("Leijerkaste", "Ezeriņš, Jānis", 2004, "Zvaigzne ABC", "latviešu proza; noveles", "Jāņa Ezeriņa noveles."),
    ("Zvejnieka dēls", "Lācis, Vilis", 2013, "Zvaigzne ABC", "latviešu proza; romāns; zvejnieki; jūra", "Romāns par Oskaru Klintu un zvejnieku ciemu."),
    ("Vecā jūrnieku ligzda", "Lācis, Vilis", 1985, "Liesma", "latviešu proza; romāns; jūra", "Romāns par jūrnieku ģimeni."),
    ("Homo novus", "Eglītis, Anšlavs", 2012, "Zvaigzne ABC", "latviešu proza; romāns; Rīga; māksla", "Jauns mākslinieks trīsdesmito gadu Rīgā."),
    ("Līgavu mednieki", "Eglītis, Anšlavs", 2011, "Zvaigzne ABC", "latviešu proza; romāns; humors", "Humoristisks romāns par brāļiem, kas meklē līgavas."),
    ("Bille", "Belševica, Vizma", 2015, "Zvaigzne ABC", "latviešu proza; bērnība; Rīga; 20. gadsimts", "Triloģija par meitenes Billes bērnību."),
    ("Aka", "Ezera, Regīna", 1972, "Liesma", "latviešu proza; stāsti", "Regīnas Ezeras stāsti."),
    ("Zemdegas", "Ezera, Regīna", 1977, "Liesma", "latviešu proza; romāns", "Romāns par cilvēku attiecībām."),
    ("Izmeklētājs", "Bels, Alberts", 1967, "Liesma", "latviešu proza; romāns", "Alberta Bela romāns."),
    ("Saucēja balss", "Bels, Alberts", 2011, "Zvaigzne ABC", "latviešu proza; romāns; vēsture", "Romāns par mežabrāļiem un zemnieku likteņiem."),
    ("Kolumba mazdēli", "Skujiņš, Zigmunds", 1961, "Latvijas Valsts izdevniecība", "latviešu proza; romāns; jūra", "Romāns par jauniem jūrniekiem."),
    ("Jauna cilvēka memuāri", "Skujiņš, Zigmunds", 1981, "Liesma", "latviešu proza; romāns", "Romāns atmiņu formā."),
    ("Viltotais Fausts", "Zariņš, Marģeris", 1973, "Liesma", "latviešu proza; romāns; groteska", "Groteskā Fausta versija."),
    ("Rīga", "Deglavs, Augusts", 2011, "Zvaigzne ABC", "latviešu proza; romāns; Rīga; 19. gadsimts", "Romāns par latviešiem pilsētā."),
    ("Ceplis", "Rozītis, Pāvils", 2010, "Zvaigzne ABC", "latviešu proza; romāns; humors", "Satīrisks romāns par Cepļa saimnieku."),
    ("Cilvēka bērns", "Klīdzējs, Jānis", 2014, "Zvaigzne ABC", "latviešu proza; romāns; bērnība; Latgale", "Romāns par zēnu Bonifāciju Latgalē."),
    ("Dvēseļu putenis", "Grīns, Aleksandrs", 2018, "Zvaigzne ABC", "latviešu proza; romāns; Pirmais pasaules karš; strēlnieki", "Romāns par latviešu strēlniekiem."),
    ("Sōla", "Janovskis, Gunārs", 2010, "Zvaigzne ABC", "latviešu proza; romāns; trimda", "Romāns par latviešiem trimdā."),
    ("Mātes piens", "Ikstena, Nora", 2015, "Dienas Grāmata", "latviešu proza; romāns; ģimene; padomju okupācija", "Māte un meita padomju Latvijā. Sērijā \"Mēs. Latvija, XX gadsimts\"."),
    ("Dzīves svinēšana", "Ikstena, Nora", 2016, "Dienas Grāmata", "latviešu proza; romāns", "Romāns par dzīvi un nāvi."),
    ("Jaunavas mācība", "Ikstena, Nora", 2001, "Atēna", "latviešu proza; romāns", "Romāns par meitenes pieaugšanu."),
    ("Amour fou", "Ikstena, Nora", 2009, "Dienas Grāmata", "latviešu proza; romāns; mīlestība", "Romāns par neprātīgu mīlestību."),
    ("Besa", "Ikstena, Nora", 2012, "Dienas Grāmata", "latviešu proza; romāns", "Romāns par apsolīta vārda spēku."),
    ("Nieki un izpriecas", "Ikstena, Nora", 1995, "Daugava", "latviešu proza; stāsti", "Noras Ikstenas pirmā grāmata."),
    ("Jelgava 94", "Joņevs, Jānis", 2013, "Mansards", "latviešu proza; romāns; jaunieši; mūzika; 90. gadi", "Romāns par metālistiem deviņdesmito gadu Jelgavā."),
    ("18", "Bankovskis, Pauls", 2014, "Dienas Grāmata", "latviešu proza; romāns; Latvijas vēsture", "Romāns par 1918. gadu. Sērijā \"Mēs. Latvija, XX gadsimts\"."),
    ("Paisums", "Ābele, Inga", 2008, "Dienas Grāmata", "latviešu proza; romāns; ģimene", "Romāns, kas stāstīts no beigām uz sākumu."),
    ("Klūgu mūks", "Ābele, Inga", 2018, "Dienas Grāmata", "latviešu proza; romāns; vēsture", "Vēsturisks romāns par 19. gadsimta Latviju."),
    ("Ugunīgi vērši ar zelta ragiem", "Berelis, Guntis", 2007, "Dienas Grāmata", "latviešu proza; romāns; literatūras vēsture", "Romāns par literatūrpētnieku un noslēpumainu dzejnieku."),
    ("Vārdiem nebija vietas", "Berelis, Guntis", 2015, "Dienas Grāmata", "latviešu proza; romāns; Latvijas vēsture", "Romāns sērijā \"Mēs. Latvija, XX gadsimts\"."),
    ("Es nekad nerunāju muļķības", "Berelis, Guntis", 2018, "Dienas Grāmata", "latviešu proza; stāsti; groteska", "Gunta Bereļa stāstu krājums."),
    ("Greniāna jeb ceturtā versija", "Kolmanis, Arvis", 1995, "Daugava", "latviešu proza; stāsti; postmodernisms", "Arvja Kolmaņa pirmais stāstu krājums."),
    ("Žūpa Amors jeb Mirušais Dievs", "Kolmanis, Arvis", 2005, "Dienas Grāmata", "latviešu proza; romāns", "Arvja Kolmaņa romāns."),
    ("Balāde par latviešu zemnieku, Grēns un citas versijas", "Kolmanis, Arvis", 2018, "Dienas Grāmata", "latviešu proza; stāsti", "Stāstu krājums."),
    ("Annas stāsti", "Kolmanis, Arvis", 2020, "Latvijas Mediji", "latviešu proza; stāsti; sievietes", "Stāsti par sievieti vārdā Anna."),
    ("Mēness bērns", "Einfelds, Jānis", 1995, "Daugava", "latviešu proza; stāsti", "Jāņa Einfelda stāsti."),
    ("Stum, stum", "Neiburga, Andra", 2004, "Atēna", "latviešu proza; stāsti", "Andras Neiburgas stāsti."),
    ("Bogene", "Repše, Gundega", 2016, "Dienas Grāmata", "latviešu proza; romāns; Latvijas vēsture", "Romāns sērijā \"Mēs. Latvija, XX gadsimts\"."),
    ("Gaiļu kalna ēnā", "Zebris, Osvalds", 2014, "Dienas Grāmata", "latviešu proza; romāns; 1905. gads", "Romāns par 1905. gada revolūciju."),
    ("Svina garša", "Bērziņš, Māris", 2015, "Dienas Grāmata", "latviešu proza; romāns; Otrais pasaules karš; Rīga", "Romāns par Rīgu 1940. un 1941. gadā."),
    ("Stikli", "Gaile, Inga", 2019, "Dienas Grāmata", "latviešu proza; romāns; sievietes; vēsture", "Romāns par sievietēm 20. gadsimta sākuma Latvijā."),
    ("Šampinjonu derība", "Muktupāvela, Laima", 2002, "Atēna", "latviešu proza; romāns; emigrācija", "Romāns par darbu Īrijas sēņu fermā."),
    ("Pieci pirksti", "Zālīte, Māra", 2013, "Mansards", "latviešu proza; romāns; bērnība; Sibīrija", "Meitenes Lauras bērnība pēc atgriešanās no Sibīrijas."),
    ("Tauriņu uzdzīve", "Zālīte, Māra", 2020, "Mansards", "latviešu proza; romāns; bērnība", "Turpinājums romānam \"Pieci pirksti\"."),
    ("Kurzemīte", "Ziedonis, Imants", 2011, "Zvaigzne ABC", "latviešu proza; ceļojumi; Kurzeme", "Ceļojuma piezīmes pa Kurzemi."),
))

LV_POETRY = Section("821.174-1", "adult", MaterialType.BOOK, "lv", (
    ("Lāčplēsis", "Pumpurs, Andrejs", 2018, "Zvaigzne ABC", "latviešu dzeja; eposs; varoņi", "Latviešu tautas varoņeposs."),
    ("Tālas noskaņas zilā vakarā", "Rainis", 2015, "Zvaigzne ABC", "latviešu dzeja", "Raiņa dzejoļu krājums."),
    ("Gals un sākums", "Rainis", 2005, "Zvaigzne ABC", "latviešu dzeja", "Raiņa dzejoļu krājums."),
    ("Klusā grāmata", "Rainis", 2009, "Zvaigzne ABC", "latviešu dzeja", "Raiņa dzejoļu krājums."),
    ("Vētras sēja", "Rainis", 1995, "Zvaigzne", "latviešu dzeja; 1905. gads", "Raiņa dzejoļu krājums."),
    ("Dagdas piecas skiču burtnīcas", "Rainis", 2008, "Zvaigzne ABC", "latviešu dzeja", "Raiņa dzejas cikls."),
    ("Sarkanās puķes", "Aspazija", 2015, "Zvaigzne ABC", "latviešu dzeja; sievietes", "Aspazijas dzejoļu krājums."),
    ("Dvēseles krēsla", "Aspazija", 2010, "Zvaigzne ABC", "latviešu dzeja", "Aspazijas dzejoļu krājums."),
    ("Saulains stūrītis", "Aspazija", 2007, "Zvaigzne ABC", "latviešu dzeja", "Aspazijas dzejoļu krājums."),
    ("Zilā debess gaišumā", "Aspazija", 1994, "Liesma", "latviešu dzeja", "Aspazijas dzejoļu krājums."),
    ("[Dzejoļi]", "Poruks, Jānis", 1996, "Liesma", "latviešu dzeja; romantisms", "Dzejoļu izlase; nosaukumu piešķīris katalogētājs."),
    ("Dzejoļi", "Veidenbaums, Eduards", 2012, "Zvaigzne ABC", "latviešu dzeja", "Eduarda Veidenbauma dzejoļi."),
    ("Mūžības skartie", "Čaks, Aleksandrs", 2004, "Zvaigzne ABC", "latviešu dzeja; poēma; strēlnieki", "Poēmu cikls par latviešu strēlniekiem."),
    ("Mana paradīze", "Čaks, Aleksandrs", 1997, "Liesma", "latviešu dzeja; Rīga", "Aleksandra Čaka dzejoļi."),
    ("Epifānijas", "Ziedonis, Imants", 2013, "Zvaigzne ABC", "latviešu dzeja; dzejproza", "Imanta Ziedoņa epifānijas."),
    ("Motocikls", "Ziedonis, Imants", 1965, "Liesma", "latviešu dzeja", "Imanta Ziedoņa dzejoļu krājums."),
    ("Es ieeju sevī", "Ziedonis, Imants", 1968, "Liesma", "latviešu dzeja", "Imanta Ziedoņa dzejoļu krājums."),
    ("Elpa", "Vācietis, Ojārs", 1966, "Liesma", "latviešu dzeja", "Ojāra Vācieša dzejoļu krājums."),
    ("Si minors", "Vācietis, Ojārs", 1970, "Liesma", "latviešu dzeja", "Ojāra Vācieša dzejoļu krājums."),
    ("Antracīts", "Vācietis, Ojārs", 1978, "Liesma", "latviešu dzeja", "Ojāra Vācieša dzejoļu krājums."),
    ("Gadu gredzeni", "Belševica, Vizma", 1969, "Liesma", "latviešu dzeja", "Vizmas Belševicas dzejoļu krājums."),
    ("Madarās", "Belševica, Vizma", 1976, "Liesma", "latviešu dzeja", "Vizmas Belševicas dzejoļu krājums."),
    ("Sēkla sniegā", "Skujenieks, Knuts", 1990, "Liesma", "latviešu dzeja; represijas", "Dzejoļi, kas tapuši ieslodzījumā."),
    ("Ledlauzis", "Vērdiņš, Kārlis", 2001, "Nordik", "latviešu dzeja", "Kārļa Vērdiņa pirmā dzejoļu grāmata."),
    ("Biezpiens ar krējumu", "Vērdiņš, Kārlis", 2004, "Nordik", "latviešu dzeja", "Kārļa Vērdiņa dzejoļu krājums."),
))

LV_DRAMA = Section("821.174-2", "adult", MaterialType.BOOK, "lv", (
    ("Skroderdienas Silmačos", "Blaumanis, Rūdolfs", 2017, "Zvaigzne ABC", "latviešu dramaturģija; komēdija; Jāņi", "Jautra luga par skroderu dienām Silmaču mājās."),
    ("Zagļi", "Blaumanis, Rūdolfs", 2010, "Zvaigzne ABC", "latviešu dramaturģija; lugas", "Luga par zādzību un godu."),
    ("Indrāni", "Blaumanis, Rūdolfs", 2013, "Zvaigzne ABC", "latviešu dramaturģija; lugas; ģimene", "Luga par paaudžu konfliktu Indrānu mājās."),
    ("Ugunī", "Blaumanis, Rūdolfs", 2014, "Zvaigzne ABC", "latviešu dramaturģija; lugas; mīlestība", "Luga par Kristīni, Edgaru un Kaģi."),
    ("Pazudušais dēls", "Blaumanis, Rūdolfs", 2009, "Zvaigzne ABC", "latviešu dramaturģija; lugas", "Luga par Kārli Gaitiņu."),
    ("Trīnes grēki", "Blaumanis, Rūdolfs", 2008, "Zvaigzne ABC", "latviešu dramaturģija; komēdija", "Komēdija par Trīni."),
    ("No saldenās pudeles", "Blaumanis, Rūdolfs", 2006, "Zvaigzne ABC", "latviešu dramaturģija; komēdija", "Komēdija viencēlienā."),
    ("Uguns un nakts", "Rainis", 2015, "Zvaigzne ABC", "latviešu dramaturģija; lugas; Lāčplēsis", "Luga par Lāčplēsi un Melno bruņinieku."),
    ("Pūt, vējiņi!", "Rainis", 2016, "Zvaigzne ABC", "latviešu dramaturģija; lugas; tautasdziesmas", "Luga par Uldi un Barbu."),
    ("Indulis un Ārija", "Rainis", 2011, "Zvaigzne ABC", "latviešu dramaturģija; lugas; vēsture", "Traģēdija par Induli un Āriju."),
    ("Jāzeps un viņa brāļi", "Rainis", 2010, "Zvaigzne ABC", "latviešu dramaturģija; lugas; Bībele", "Traģēdija pēc Bībeles motīviem."),
    ("Spēlēju, dancoju", "Rainis", 2014, "Zvaigzne ABC", "latviešu dramaturģija; lugas; pasaka", "Pasaka par Tīklu un velnu."),
    ("Zelta zirgs", "Rainis", 2019, "Zvaigzne ABC", "latviešu dramaturģija; lugas; pasaka", "Pasaku luga par Antiņu un Stikla kalnu."),
    ("Mīla stiprāka par nāvi", "Rainis", 2013, "Zvaigzne ABC", "latviešu dramaturģija; lugas; Koknese", "Luga par Imantu un Turaidu — arī Kokneses novada teikas."),
    ("Sidraba šķidrauts", "Aspazija", 2014, "Zvaigzne ABC", "latviešu dramaturģija; lugas", "Aspazijas luga par Gundegu."),
    ("Vaidelote", "Aspazija", 2009, "Zvaigzne ABC", "latviešu dramaturģija; lugas; vēsture", "Aspazijas traģēdija."),
    ("Zaudētās tiesības", "Aspazija", 2012, "Zvaigzne ABC", "latviešu dramaturģija; lugas; sievietes", "Luga par sievietes tiesībām."),
    ("Ragana", "Aspazija", 2005, "Zvaigzne ABC", "latviešu dramaturģija; lugas", "Aspazijas luga."),
))

LV_OTHER = Section("821.174", "adult", MaterialType.BOOK, "lv", (
    ("Latviešu literatūras vēsture", "Berelis, Guntis", 1999, "Zvaigzne ABC", "latviešu literatūra; literatūras vēsture", "Pārskats par latviešu literatūru no pirmajiem rakstiem līdz 20. gadsimta beigām."),
    ("Neēd šo ābolu, tas ir mākslas darbs", "Berelis, Guntis", 2001, "Dienas Grāmata", "latviešu literatūra; literatūras kritika; 90. gadi", "Raksti par deviņdesmito gadu latviešu prozu."),
    ("Latvju dainas", "Barons, Krišjānis", 1989, "Zinātne", "tautasdziesmas; folklora", "Latviešu tautasdziesmu krājums."),
    ("Latviešu tautas pasakas", "", 2010, "Zvaigzne ABC", "pasakas; folklora", "Latviešu tautas pasaku izlase."),
    ("[Vēstules]", "Rainis; Aspazija", 2006, "Zvaigzne ABC", "vēstules; latviešu literatūra", "Raiņa un Aspazijas sarakste; nosaukumu piešķīris katalogētājs."),
))

LOCAL_HISTORY = Section("908(474.3)", "local", MaterialType.BOOK, "lv", (
    ("[Bez nosaukuma]", "", 1938, "", "novadpētniecība; Aizkraukle; fotogrāfijas", "Fotogrāfiju albums par Aizkraukles pagastu; nosaukumu piešķīris katalogētājs."),
    ("[Kokneses draudzes vēsture]", "", 1925, "", "novadpētniecība; Koknese; baznīcas", "Mašīnraksts; nosaukumu piešķīris katalogētājs."),
    ("[Staburaga apraksti]", "", 1960, "", "novadpētniecība; Staburags; Daugava", "Rakstu un izgriezumu krājums par Staburagu; nosaukumu piešķīris katalogētājs."),
))

SECTIONS: tuple[Section, ...] = (LV_PROSE, LV_POETRY, LV_DRAMA, LV_OTHER, LOCAL_HISTORY)
