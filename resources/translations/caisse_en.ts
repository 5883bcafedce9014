<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="fr_FR">
  <context>
    <name>LoginScreen</name>
    <message>
      <location filename="src/caisse/ui/login.py" line="159" />
      <source>Administration</source>
      <translation>Administration</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="193" />
      <source>Aucun opérateur actif : créez-en un avec « caisse user add ».</source>
      <translation>No active operator: create one with 'caisse user add'.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="157" />
      <source>Caisse</source>
      <translation>Till</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="83" />
      <source>Chargement des opérateurs…</source>
      <translation>Loading operators…</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="208" />
      <source>Code PIN de {name}</source>
      <translation>{name}'s PIN</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="160" />
      <source>Contrôle</source>
      <translation>Audit</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="111" />
      <source>Effacer</source>
      <translation>Clear</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="72" />
      <source>Qui êtes-vous ?</source>
      <translation>Who are you?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="158" />
      <source>Responsable</source>
      <translation>Manager</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="253" />
      <source>Tapez votre code PIN.</source>
      <translation>Type your PIN.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="232" />
      <source>Touchez d'abord votre nom.</source>
      <translation>Touch your name first.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="91" />
      <source>Touchez votre nom</source>
      <translation>Touch your name</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="310" />
      <source>Trop de codes PIN erronés : {name} est bloqué encore {seconds} s.</source>
      <translation>Too many wrong PINs: {name} is locked for {seconds} more s.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="119" />
      <source>Valider</source>
      <translation>OK</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/login.py" line="322" />
      <source>Vous pouvez retaper votre code PIN.</source>
      <translation>You may type your PIN again.</translation>
    </message>
  </context>
  <context>
    <name>ReasonDialog</name>
    <message>
      <location filename="src/caisse/ui/dialogs.py" line="52" />
      <source>Autre motif…</source>
      <translation>Other reason…</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/dialogs.py" line="56" />
      <source>Retour</source>
      <translation>Back</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/dialogs.py" line="58" />
      <source>Valider ce motif</source>
      <translation>Use this reason</translation>
    </message>
  </context>
  <context>
    <name>SaleScreen</name>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="408" />
      <source>Ajouter</source>
      <translation>Add</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="449" />
      <source>Annuler la ligne</source>
      <translation>Void line</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="455" />
      <source>Annuler le ticket</source>
      <translation>Void ticket</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="963" />
      <source>Annuler une ligne</source>
      <translation>Void a line</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="427" />
      <source>Article</source>
      <translation>Item</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="968" />
      <source>Article défectueux</source>
      <translation>Faulty item</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="998" />
      <source>Client parti</source>
      <translation>Customer left</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1099" />
      <source>Dernier ticket : {number}, rendu {change}</source>
      <translation>Last ticket: {number}, change {change}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1076" />
      <source>Enregistrement n° {gseq} (gseq)</source>
      <translation>Record no. {gseq} (gseq)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="966" />
      <source>Erreur de saisie</source>
      <translation>Keying error</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="967" />
      <source>Le client renonce</source>
      <translation>Customer changed their mind</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="667" />
      <source>MODE ÉCOLE : ces tickets ne sont pas des ventes (responsable : {who}).</source>
      <translation>TRAINING MODE: these tickets are not sales (supervisor: {who}).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="571" />
      <source>Monnaie à rendre</source>
      <translation>Change due</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="996" />
      <source>Moyen de paiement refusé</source>
      <translation>Payment refused</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="598" />
      <source>Nouvelle vente</source>
      <translation>New sale</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="993" />
      <source>Pourquoi abandonner tout le ticket ?</source>
      <translation>Why abandon the whole ticket?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="964" />
      <source>Pourquoi annuler « {label} » ?</source>
      <translation>Why void "{label}"?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="452" />
      <source>Prix</source>
      <translation>Price</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="969" />
      <source>Prix contesté</source>
      <translation>Price disputed</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="427" />
      <source>Prix unit.</source>
      <translation>Unit price</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="427" />
      <source>Qté</source>
      <translation>Qty</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="446" />
      <source>Qté +</source>
      <translation>Qty +</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="444" />
      <source>Qté −</source>
      <translation>Qty −</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="497" />
      <source>Quantité : 3*code · poids : 0,532*code</source>
      <translation>Quantity: 3*code · weight: 0.532*code</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="529" />
      <source>Reste à payer</source>
      <translation>Left to pay</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="403" />
      <source>Scannez ou tapez un code</source>
      <translation>Scan or type a code</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1079" />
      <source>Signature : {extract}</source>
      <translation>Signature: {extract}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="527" />
      <source>TOTAL À PAYER</source>
      <translation>TOTAL TO PAY</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1016" />
      <source>Ticket annulé.</source>
      <translation>Ticket voided.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1086" />
      <source>Ticket imprimé.</source>
      <translation>Ticket printed.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1093" />
      <source>Ticket non imprimé (sur demande du client seulement).</source>
      <translation>Ticket not printed (only on the customer's request).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1082" />
      <source>Ticket non imprimé ({error}) : la vente est enregistrée ; réimprimez un duplicata.</source>
      <translation>Ticket not printed ({error}): the sale is recorded; reprint a duplicate.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1074" />
      <source>Ticket {number}</source>
      <translation>Ticket {number}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="427" />
      <source>Total</source>
      <translation>Total</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="567" />
      <source>Vente enregistrée</source>
      <translation>Sale recorded</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="530" />
      <source>À rendre</source>
      <translation>Change</translation>
    </message>
  </context>
  <context>
    <name>caisse</name>
    <message>
      <location filename="src/caisse/ui/product_grid.py" line="126" />
      <source>/kg</source>
      <translation>/kg</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="249" />
      <source>Abandonner</source>
      <translation>Abandon</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="552" />
      <source>Abandonner l'impression</source>
      <translation>Cancel printing</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="334" />
      <source>Abandonner un ticket en attente</source>
      <translation>Abandon a parked ticket</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="1042" />
      <source>Abandonner une impression demande un responsable.</source>
      <translation>Cancelling a print job needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/pin_dialog.py" line="49" />
      <source>Accord du responsable</source>
      <translation>Manager's approval</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="514" />
      <source>Activer le mode école</source>
      <translation>Start training mode</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="545" />
      <source>Actualiser</source>
      <translation>Refresh</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="243" />
      <source>Adresse e-mail</source>
      <translation>E-mail address</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="345" />
      <source>Afficher le rapport X</source>
      <translation>Show the X report</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="60" />
      <source>Afficheur client</source>
      <translation>Customer display</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="798" />
      <source>Archive signée écrite et enregistrée au journal.</source>
      <translation>Signed archive written and recorded in the journal.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="791" />
      <source>Archive {period} : {records} enregistrements, empreinte {sha}…
{path}</source>
      <translation>Archive {period}: {records} records, fingerprint {sha}…
{path}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="275" />
      <source>Archives fiscales</source>
      <translation>Fiscal archives</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="192" />
      <source>Article</source>
      <translation>Item</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/price_dialog.py" line="63" />
      <source>Article abîmé</source>
      <translation>Damaged item</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/catalogue_panel.py" line="70" />
      <source>Articles</source>
      <translation>Items</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/search_panel.py" line="128" />
      <source>Aucun article ne correspond à « {text} ».</source>
      <translation>No item matches "{text}".</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="581" />
      <source>Aucun réglage à afficher.</source>
      <translation>No settings to show.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="228" />
      <source>Aucun ticket en attente.</source>
      <translation>No parked ticket.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="773" />
      <source>Aucune période clôturée : clôturez d'abord le mois (M) ou l'exercice (Y).</source>
      <translation>No closed period: close the month (M) or the fiscal year (Y) first.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="145" />
      <source>Aucune session de caisse ouverte.</source>
      <translation>No cash session open.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="809" />
      <source>Aucune session ouverte : comptez le fond de caisse puis ouvrez.</source>
      <translation>No session open: count the float, then open.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="282" />
      <source>Aucune vente ce jour-là.</source>
      <translation>No sale that day.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="80" />
      <source>Avoir</source>
      <translation>Credit note</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="573" />
      <source>Balance</source>
      <translation>Scale</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="99" />
      <source>Bienvenue !</source>
      <translation>Welcome!</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="192" />
      <source>Billet reçu en espèces</source>
      <translation>Banknote received in cash</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="79" />
      <source>Bon d'achat</source>
      <translation>Voucher</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="99" />
      <source>Bonjour</source>
      <translation>Hello</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/main_window.py" line="219" />
      <source>CAISSE BLOQUÉE : {reason} Aucune vente n'est possible ; appelez le responsable.</source>
      <translation>TILL BLOCKED: {reason} No sale is possible; call the manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/main_window.py" line="126" />
      <source>Caisse</source>
      <translation>Till</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="120" />
      <source>Carte</source>
      <translation>Card</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="305" />
      <source>Changer d'opérateur</source>
      <translation>Switch operator</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/price_dialog.py" line="37" />
      <source>Changer le prix</source>
      <translation>Change the price</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="938" />
      <source>Changer un prix demande un responsable.</source>
      <translation>Changing a price needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="167" />
      <source>Chercher</source>
      <translation>Search</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="184" />
      <source>Cherchez le ticket d'origine.</source>
      <translation>Find the original ticket.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="780" />
      <source>Choisissez d'abord une période dans la liste.</source>
      <translation>Choose a period in the list first.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="939" />
      <source>Choisissez le ticket à réimprimer.</source>
      <translation>Choose the ticket to reprint.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="120" />
      <source>Chèque</source>
      <translation>Cheque</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="336" />
      <source>Client parti</source>
      <translation>Customer left</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="712" />
      <source>Clôture</source>
      <translation>Closure</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="151" />
      <source>Clôture Z</source>
      <translation>Z closure</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="151" />
      <source>Clôture annuelle</source>
      <translation>Yearly closure</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="379" />
      <source>Clôture de l'exercice (Y)</source>
      <translation>Close the fiscal year (Y)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="367" />
      <source>Clôture du jour (Z)</source>
      <translation>Close the day (Z)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="373" />
      <source>Clôture du mois (M)</source>
      <translation>Close the month (M)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="743" />
      <source>Clôture enregistrée ; ticket non imprimé : {error}</source>
      <translation>Closure recorded; ticket not printed: {error}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="734" />
      <source>Clôture enregistrée.</source>
      <translation>Closure recorded.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="151" />
      <source>Clôture mensuelle</source>
      <translation>Monthly closure</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="382" />
      <source>Clôturer l'exercice (Y) ?</source>
      <translation>Close the fiscal year (Y)?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="370" />
      <source>Clôturer la journée (Z) ?</source>
      <translation>Close the day (Z)?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="376" />
      <source>Clôturer le mois (M) ?</source>
      <translation>Close the month (M)?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="357" />
      <source>Clôtures</source>
      <translation>Closures</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="274" />
      <source>Clôtures Z, M, Y</source>
      <translation>Z, M, Y closures</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/search_panel.py" line="186" />
      <source>Code inconnu : {code}. Rien n'a été ajouté au ticket.</source>
      <translation>Unknown code: {code}. Nothing was added to the ticket.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="571" />
      <source>Colonnes du ticket</source>
      <translation>Ticket columns</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="891" />
      <source>Comptage enregistré, session clôturée</source>
      <translation>Count recorded, session closed</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="444" />
      <source>Compter et clôturer la session</source>
      <translation>Count and close the session</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="534" />
      <source>Créé le</source>
      <translation>Created</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="575" />
      <source>Dossier de données</source>
      <translation>Data folder</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="277" />
      <source>Duplicata</source>
      <translation>Duplicate</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="950" />
      <source>Duplicata {number} enregistré, non imprimé : {error}</source>
      <translation>Duplicate {number} recorded, not printed: {error}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="954" />
      <source>Duplicata {number} imprimé.</source>
      <translation>Duplicate {number} printed.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="192" />
      <source>Déjà rendu</source>
      <translation>Already returned</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="236" />
      <source>E-mail</source>
      <translation>E-mail</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/pin_dialog.py" line="78" />
      <source>Effacer</source>
      <translation>Clear</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/search_panel.py" line="61" />
      <source>Effacer la recherche</source>
      <translation>Clear the search</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="502" />
      <source>En mode école, les tickets sont des exercices : ils sont journalisés à part et n'entrent pas dans le chiffre d'affaires.</source>
      <translation>In training mode, tickets are exercises: they are journaled apart and do not count in the turnover.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="125" />
      <source>Encaisser</source>
      <translation>Finalise</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="459" />
      <source>Entrée d'espèces</source>
      <translation>Cash in</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="889" />
      <source>Entrée d'espèces enregistrée</source>
      <translation>Cash in recorded</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/price_dialog.py" line="63" />
      <source>Erreur d'étiquette</source>
      <translation>Label error</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="870" />
      <source>Erreur de rendu</source>
      <translation>Change error</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="336" />
      <source>Erreur de saisie</source>
      <translation>Keying error</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="120" />
      <source>Espèces</source>
      <translation>Cash</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="140" />
      <source>Espèces attendues dans le tiroir : {amount}</source>
      <translation>Cash expected in the drawer: {amount}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="534" />
      <source>Essais</source>
      <translation>Attempts</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/price_dialog.py" line="63" />
      <source>Geste commercial</source>
      <translation>Goodwill gesture</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/main_window.py" line="152" />
      <source>Gestion</source>
      <translation>Manager</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="133" />
      <source>Grand total perpétuel : {amount}</source>
      <translation>Perpetual grand total: {amount}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="235" />
      <source>Heure</source>
      <translation>Time</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="48" />
      <source>Hors ligne</source>
      <translation>Offline</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="46" />
      <source>Hors ligne depuis {since}</source>
      <translation>Offline since {since}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="1049" />
      <source>Impression du ticket {ticket} abandonnée.</source>
      <translation>Printing of ticket {ticket} cancelled.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="279" />
      <source>Impressions en attente</source>
      <translation>Print queue</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="570" />
      <source>Imprimante</source>
      <translation>Printer</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="58" />
      <source>Imprimante : OK</source>
      <translation>Printer: OK</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="57" />
      <source>Imprimante : aucune</source>
      <translation>Printer: none</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="60" />
      <source>Imprimante : capot ouvert</source>
      <translation>Printer: cover open</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="62" />
      <source>Imprimante : en erreur</source>
      <translation>Printer: error</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="61" />
      <source>Imprimante : hors ligne</source>
      <translation>Printer: offline</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="59" />
      <source>Imprimante : plus de papier</source>
      <translation>Printer: out of paper</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="67" />
      <source>Imprimante : {detail}</source>
      <translation>Printer: {detail}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="63" />
      <source>Imprimante : …</source>
      <translation>Printer: …</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="1035" />
      <source>Imprimante hors service</source>
      <translation>Printer out of order</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="235" />
      <source>Imprimer</source>
      <translation>Print</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="489" />
      <source>Imprimer le duplicata</source>
      <translation>Print the duplicate</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="347" />
      <source>Imprimer le rapport X</source>
      <translation>Print the X report</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="97" />
      <source>Journée du {date}</source>
      <translation>Business day {date}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="442" />
      <source>Justification d'un écart</source>
      <translation>Justification of a difference</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="381" />
      <source>La caisse s'est arrêtée pendant un ticket ({what}). Aucune vente encaissée n'est perdue. Reprendre ce ticket ?</source>
      <translation>The till stopped during a ticket ({what}). No finalised sale is lost. Resume this ticket?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="569" />
      <source>Langue</source>
      <translation>Language</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="1035" />
      <source>Le client n'en veut pas</source>
      <translation>The customer doesn't want it</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="336" />
      <source>Le client renonce</source>
      <translation>Customer changed their mind</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="863" />
      <source>Le comptage demande un responsable.</source>
      <translation>The count needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="976" />
      <source>Le mode école demande un responsable.</source>
      <translation>Training mode needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1095" />
      <source>Le tiroir ne s'est pas ouvert ({error}).</source>
      <translation>The drawer did not open ({error}).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="574" />
      <source>Lecteur de codes</source>
      <translation>Barcode scanner</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="756" />
      <source>Les archives ne sont pas disponibles sur ce poste.</source>
      <translation>Archives are not available on this till.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="587" />
      <source>Les réglages se changent dans config.toml ou par « caisse run --lang en » ; ils sont lus au démarrage.</source>
      <translation>Settings are changed in config.toml or with 'caisse run --lang en'; they are read at start-up.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/search_panel.py" line="132" />
      <source>Les {n} meilleurs résultats : précisez pour affiner.</source>
      <translation>The {n} best results: type more to narrow.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="40" />
      <source>Local uniquement</source>
      <translation>Local only</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="157" />
      <source>MODE ÉCOLE ({who})</source>
      <translation>TRAINING MODE ({who})</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="130" />
      <source>Merci !</source>
      <translation>Thank you!</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="128" />
      <source>Merci et à bientôt !</source>
      <translation>Thank you, see you soon!</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="474" />
      <source>Mettre en attente</source>
      <translation>Park</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="278" />
      <source>Mode école</source>
      <translation>Training mode</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="962" />
      <source>Mode école actif (responsable : {who}).</source>
      <translation>Training mode on (supervisor: {who}).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="964" />
      <source>Mode école inactif : les tickets sont des ventes réelles.</source>
      <translation>Training mode off: tickets are real sales.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="454" />
      <source>Montant (€)</source>
      <translation>Amount (€)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="156" />
      <source>Montant tapé (vide : le reste dû)</source>
      <translation>Typed amount (empty: what is left)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="458" />
      <source>Motif</source>
      <translation>Reason</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="100" />
      <source>Net</source>
      <translation>Net</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/search_panel.py" line="54" />
      <source>Nom, code ou EAN</source>
      <translation>Name, code or EAN</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="487" />
      <source>Numéro du ticket</source>
      <translation>Ticket number</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="164" />
      <source>N° de ticket, ou scannez son QR code</source>
      <translation>Ticket number, or scan its QR code</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="235" />
      <source>Opérateur</source>
      <translation>Operator</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/main_window.py" line="241" />
      <source>Opérateur : {name}</source>
      <translation>Operator: {name}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="712" />
      <source>Oui, clôturer maintenant</source>
      <translation>Yes, close now</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="833" />
      <source>Ouvrir la caisse demande un responsable.</source>
      <translation>Opening the cash session needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="436" />
      <source>Ouvrir la session</source>
      <translation>Open the session</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="466" />
      <source>Ouvrir le tiroir</source>
      <translation>Open the drawer</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="878" />
      <source>Ouvrir le tiroir sans vente demande un responsable.</source>
      <translation>Opening the drawer without a sale needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/product_grid.py" line="330" />
      <source>Page {n}</source>
      <translation>Page {n}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/weigh_dialog.py" line="64" />
      <source>Pesée</source>
      <translation>Weighing</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="206" />
      <source>Pièce reçue en espèces</source>
      <translation>Coin received in cash</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="391" />
      <source>Plus tard (en attente)</source>
      <translation>Later (parked)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/weigh_dialog.py" line="148" />
      <source>Poids refusé : {reason}</source>
      <translation>Weight refused: {reason}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/weigh_dialog.py" line="142" />
      <source>Poids stable : vérifiez-le, puis utilisez-le.</source>
      <translation>Stable weight: check it, then use it.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/weigh_dialog.py" line="95" />
      <source>Posez l'article sur la balance.</source>
      <translation>Put the item on the scale.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="335" />
      <source>Pourquoi abandonner ce ticket ({what}) ?</source>
      <translation>Why abandon this ticket ({what})?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="1034" />
      <source>Pourquoi ne pas imprimer le ticket {ticket} ?</source>
      <translation>Why not print ticket {ticket}?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="869" />
      <source>Pourquoi ouvrir le tiroir sans vente ?</source>
      <translation>Why open the drawer without a sale?</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="518" />
      <source>Quitter le mode école</source>
      <translation>Leave training mode</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="96" />
      <source>RAPPORT X (lecture, ne clôture rien)</source>
      <translation>X REPORT (read-only, closes nothing)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="534" />
      <source>Raison</source>
      <translation>Reason</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="273" />
      <source>Rapport X</source>
      <translation>X report</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="707" />
      <source>Rapport X imprimé.</source>
      <translation>X report printed.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/search_panel.py" line="174" />
      <source>Rechercher</source>
      <translation>Search</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/search_panel.py" line="55" />
      <source>Rechercher : nom, code ou EAN</source>
      <translation>Search: name, code or EAN</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/weigh_dialog.py" line="100" />
      <source>Relire la balance</source>
      <translation>Read the scale again</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="499" />
      <source>Remboursement enregistré : ticket {number}, {total}.</source>
      <translation>Refund recorded: ticket {number}, {total}.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="237" />
      <source>Rembourser</source>
      <translation>Refund</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="870" />
      <source>Rendre la monnaie</source>
      <translation>Give change</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="124" />
      <source>Rendu</source>
      <translation>Change</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="252" />
      <source>Reprendre ce ticket</source>
      <translation>Resume this ticket</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="394" />
      <source>Reprendre le ticket</source>
      <translation>Resume the ticket</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="192" />
      <source>Reste</source>
      <translation>Left</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="149" />
      <source>Retirer
le règlement</source>
      <translation>Remove
payment</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/catalogue_panel.py" line="73" />
      <source>Retour</source>
      <translation>Back</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="478" />
      <source>Retour / remboursement</source>
      <translation>Return / refund</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="486" />
      <source>Retour client</source>
      <translation>Customer return</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="307" />
      <source>Retour à la vente</source>
      <translation>Back to the sale</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="100" />
      <source>Retours</source>
      <translation>Returns</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="118" />
      <source>Retours et remboursements</source>
      <translation>Returns and refunds</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="122" />
      <source>Reçu : {amount}</source>
      <translation>Received: {amount}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="119" />
      <source>Règlements</source>
      <translation>Payments</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="139" />
      <source>Règlements pris</source>
      <translation>Payments taken</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="548" />
      <source>Réessayer l'impression</source>
      <translation>Retry printing</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="280" />
      <source>Réglages</source>
      <translation>Settings</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="478" />
      <source>Réimprimer un ticket (DUPLICATA)</source>
      <translation>Reprint a ticket (DUPLICATE)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/product_grid.py" line="293" />
      <source>Sans catégorie</source>
      <translation>No category</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="234" />
      <source>Sans ticket</source>
      <translation>No ticket</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="276" />
      <source>Session de caisse</source>
      <translation>Cash session</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="888" />
      <source>Session de caisse ouverte</source>
      <translation>Cash session opened</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="813" />
      <source>Session ouverte le {when} ; espèces attendues : {amount}.</source>
      <translation>Session opened on {when}; cash expected: {amount}.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="461" />
      <source>Sortie d'espèces</source>
      <translation>Cash out</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="890" />
      <source>Sortie d'espèces enregistrée</source>
      <translation>Cash out recorded</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/product_grid.py" line="254" />
      <source>Suivants ▶</source>
      <translation>Next ▶</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="42" />
      <source>Synchronisation arrêtée : caisse à ré-enregistrer</source>
      <translation>Sync stopped: register the till again</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="44" />
      <source>Synchronisé</source>
      <translation>Synchronised</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="109" />
      <source>TVA par taux</source>
      <translation>VAT by rate</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1053" />
      <source>Tapez l'adresse e-mail du client, ou choisissez un autre ticket.</source>
      <translation>Type the customer's e-mail address, or choose another ticket option.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/price_dialog.py" line="59" />
      <source>Tapez le nouveau prix, puis touchez le motif.</source>
      <translation>Type the new price, then touch the reason.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="534" />
      <source>Ticket</source>
      <translation>Ticket</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="359" />
      <source>Ticket abandonné (tracé au journal).</source>
      <translation>Ticket abandoned (traced in the journal).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="1035" />
      <source>Ticket déjà remis</source>
      <translation>Ticket already handed over</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="374" />
      <source>Ticket interrompu</source>
      <translation>Interrupted ticket</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1168" />
      <source>Ticket mis en attente : {what}.</source>
      <translation>Ticket parked: {what}.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1227" />
      <source>Ticket repris ; le ticket en cours est mis en attente ({what}).</source>
      <translation>Ticket resumed; the current ticket is parked ({what}).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1188" />
      <source>Ticket repris.</source>
      <translation>Ticket resumed.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="300" />
      <source>Ticket {number} du {when} · {total} · {paid}</source>
      <translation>Ticket {number} of {when} · {total} · {paid}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="1021" />
      <source>Ticket {ticket} imprimé.</source>
      <translation>Ticket {ticket} printed.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1088" />
      <source>Ticket à envoyer par e-mail à {address} (en file d'attente).</source>
      <translation>Ticket to be e-mailed to {address} (queued).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="129" />
      <source>Tickets : {count}</source>
      <translation>Tickets: {count}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="174" />
      <source>Tickets du jour choisi</source>
      <translation>Tickets of the chosen day</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="204" />
      <source>Tickets en attente</source>
      <translation>Parked tickets</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/sale_screen.py" line="1180" />
      <source>Tickets en attente ({count})</source>
      <translation>Parked tickets ({count})</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="530" />
      <source>Tickets non imprimés</source>
      <translation>Tickets not printed</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="884" />
      <source>Tiroir ouvert (tracé au journal).</source>
      <translation>Drawer opened (traced in the journal).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/payment_screen.py" line="78" />
      <source>Titre-restaurant</source>
      <translation>Meal voucher</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="104" />
      <source>Total</source>
      <translation>Total</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="206" />
      <source>Total compté : {amount}</source>
      <translation>Counted total: {amount}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/pin_dialog.py" line="126" />
      <source>Touchez d'abord le nom du responsable.</source>
      <translation>Touch the manager's name first.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="479" />
      <source>Touchez un ticket de la liste, ou tapez son numéro.</source>
      <translation>Touch a ticket in the list, or type its number.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="310" />
      <source>Tout ce ticket a déjà été remboursé.</source>
      <translation>This whole ticket was already refunded.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="210" />
      <source>Tout le reste</source>
      <translation>Everything left</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="398" />
      <source>Un mois ou un exercice clôturé s'archive dans un fichier signé (ZIP), à copier ensuite en lieu sûr.</source>
      <translation>A closed month or fiscal year is archived in a signed file (ZIP), to be copied to a safe place afterwards.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="456" />
      <source>Un remboursement demande l'accord d'un responsable.</source>
      <translation>A refund needs a manager's approval.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="786" />
      <source>Une archive demande un responsable.</source>
      <translation>An archive needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="728" />
      <source>Une clôture demande un responsable.</source>
      <translation>A closure needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="359" />
      <source>Une clôture est définitive : plus aucune vente ne peut être datée dans la période clôturée.</source>
      <translation>A closure is final: no sale can be dated in the closed period any more.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="847" />
      <source>Une entrée ou sortie d'espèces demande un responsable.</source>
      <translation>A cash in or out needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="945" />
      <source>Une réimpression demande un responsable.</source>
      <translation>A reprint needs a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/weigh_dialog.py" line="103" />
      <source>Utiliser ce poids</source>
      <translation>Use this weight</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/pin_dialog.py" line="89" />
      <source>Valider</source>
      <translation>OK</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="192" />
      <source>Vendu</source>
      <translation>Sold</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="100" />
      <source>Ventes</source>
      <translation>Sales</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/main_window.py" line="155" />
      <source>Verrouiller</source>
      <translation>Lock</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="870" />
      <source>Vérification</source>
      <translation>Check</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/main_window.py" line="203" />
      <source>Vérification du journal de la caisse…</source>
      <translation>Checking the till's journal…</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="50" />
      <source>{count} en attente</source>
      <translation>{count} pending</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/status_bar.py" line="69" />
      <source>{count} ticket(s) à réimprimer</source>
      <translation>{count} ticket(s) to reprint</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="764" />
      <source>{label} (déjà archivée)</source>
      <translation>{label} (already archived)</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/price_dialog.py" line="44" />
      <source>{label} : {price} aujourd'hui</source>
      <translation>{label}: {price} today</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/weigh_dialog.py" line="79" />
      <source>{label} — {price}/kg</source>
      <translation>{label} — {price}/kg</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="578" />
      <source>{name} : {value}</source>
      <translation>{name}: {value}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/pin_dialog.py" line="138" />
      <source>{name} n'est pas responsable.</source>
      <translation>{name} is not a manager.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="153" />
      <source>{name} {period} n° {number} : net {net} (enregistrement {gseq})</source>
      <translation>{name} {period} no. {number}: net {net} (record {gseq})</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/search_panel.py" line="137" />
      <source>{n} résultat(s).</source>
      <translation>{n} result(s).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/parked_screen.py" line="179" />
      <source>{time} · {items} article(s) · {total} · {name}</source>
      <translation>{time} · {items} item(s) · {total} · {name}</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="893" />
      <source>{what} (n° {number}).</source>
      <translation>{what} (no. {number}).</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="130" />
      <source>À bientôt</source>
      <translation>See you soon</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/customer_display.py" line="116" />
      <source>À payer</source>
      <translation>To pay</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="219" />
      <source>À rembourser</source>
      <translation>To refund</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="192" />
      <source>À rendre</source>
      <translation>Change</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="208" />
      <source>À rendre +</source>
      <translation>Change +</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/returns_screen.py" line="206" />
      <source>À rendre −</source>
      <translation>Change −</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="903" />
      <source>Écart : {amount}.</source>
      <translation>Difference: {amount}.</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/manager_menu.py" line="409" />
      <source>Écrire l'archive signée</source>
      <translation>Write the signed archive</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/product_grid.py" line="250" />
      <source>◀ Précédents</source>
      <translation>◀ Previous</translation>
    </message>
  </context>
  <context>
    <name>errors</name>
    <message>
      <location filename="src/caisse/ui/errors.py" line="60" />
      <source>Caisse</source>
      <translation>Till</translation>
    </message>
    <message>
      <location filename="src/caisse/ui/errors.py" line="33" />
      <source>Une erreur inattendue est survenue : l'opération n'a pas abouti. Réessayez ; si l'erreur persiste, appelez le responsable.</source>
      <translation>An unexpected error occurred: the operation did not complete. Try again; if the error persists, call the manager.</translation>
    </message>
  </context>
</TS>
