/* The demo municipality, modelled on the source documents: three units, a catch-all group
 * that takes overflow, departments with agreements and boundaries, and logged cases. */
#include "core/demo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "core/auth.h"
#include "base/calendar.h"
#include "core/cases.h"
#include "core/resource.h"
#include "store/db.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char weekday_hours[] =
        "{\"weekly\":{\"mon\":[[\"08:00\",\"18:00\"]],\"tue\":[[\"08:00\",\"18:00\"]],"
        "\"wed\":[[\"08:00\",\"18:00\"]],\"thu\":[[\"08:00\",\"18:00\"]],"
        "\"fri\":[[\"08:00\",\"17:00\"]]},\"seasons\":[{\"name\":\"Sommar\",\"from\":\"06-22\","
        "\"to\":\"08-14\",\"weekly\":{\"mon\":[[\"08:00\",\"16:00\"]],\"tue\":[[\"08:00\",\"16:"
        "00\"]],"
        "\"wed\":[[\"08:00\",\"16:00\"]],\"thu\":[[\"08:00\",\"16:00\"]],\"fri\":[[\"08:00\",\"15:"
        "00\"]]}}]}";

static const char short_hours[] =
        "{\"weekly\":{\"mon\":[[\"09:00\",\"16:00\"]],\"tue\":[[\"09:00\",\"16:00\"]],"
        "\"wed\":[[\"09:00\",\"16:00\"]],\"thu\":[[\"09:00\",\"16:00\"]],"
        "\"fri\":[[\"09:00\",\"15:00\"]]}}";

static const char phone_hours[] =
        "{\"weekly\":{\"mon\":[[\"09:00\",\"10:00\"]],\"tue\":[[\"09:00\",\"10:00\"]],"
        "\"thu\":[[\"13:00\",\"14:00\"]]}}";

/* Deterministic so every demo is the same and tests can rely on it. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static int create(struct db *db, const char *res, json_t *in, int64_t *id)
{
	struct verrors v;
	int64_t tmp;
	int err;

	valid_init(&v, true);
	err = resource_create(db, resource_find(res), in, id ? id : &tmp, &v);
	if (valid_has_errors(&v)) {
		char *s = json_dumps(v.list, JSON_COMPACT);
		log_error("demo.invalid", "resource=%s errors=%s", res, s ? s : "?");
		free(s);
		valid_free(&v);
		err = err ? err : EINVAL;
	}
	json_decref(in);
	return err;
}

static json_t *hours(const char *s)
{
	return json_loads(s, 0, NULL);
}

/* ---------------------------------------------------------------------- */

struct demo_group {
	const char *name;
	int unit; /* index into units */
	const char *number;
	const char *email;
	int client; /* the main client */
	int wrapup;
	bool short_hours;
};

static const char *const units[] = {"Stöd och omsorg", "Barn och ungdom", "Stadsmiljö och teknik"};

static const char *const clients[][2] = {
        {"Äldreförvaltningen", "ÄLDRE"},
        {"Utbildningsförvaltningen", "UTB"},
        {"Trafikkontoret", "TK"},
        {"Stadsbyggnadskontoret", "SBK"},
        {"Överförmyndarförvaltningen", "ÖF"},
        {"Kommunstyrelsen", "KS"},
        {"Socialförvaltningen", "SOC"},
};

static const struct demo_group groups[] = {
        {"Stockholm direkt", 0, "08-508 000 00", "direkt@lotsen.example", 5, 20, false},
        {"Äldre direkt", 0, "08-508 360 00", "aldredirekt@lotsen.example", 0, 45, false},
        {"Överförmyndare", 0, "08-508 290 00", "overformyndare@lotsen.example", 4, 60, true},
        {"Förskola", 1, "08-508 335 00", "forskola@lotsen.example", 1, 30, false},
        {"Skola", 1, "08-508 336 00", "skola@lotsen.example", 1, 30, false},
        {"Parkeringstillstånd", 2, "08-508 263 00", "parkering@lotsen.example", 2, 40, true},
        {"Felanmälan gata och park", 2, "08-508 264 00", "felanmalan@lotsen.example", 2, 20, false},
        {"Bygglov", 2, "08-508 273 00", "bygglov@lotsen.example", 3, 45, true},
};

struct demo_category {
	int group;
	const char *name;
	const char *kind;
	const char *boundary; /* "resolve", "handover" or NULL (no rule) */
	const char *instructions;
	const char *summaries[3];
};

static const struct demo_category categories[] = {
        {0,
         "Allmän fråga om kommunen",
         "question",
         "resolve",
         NULL,
         {"Frågade efter öppettider för stadshuset.",
          "Undrade vem som ansvarar för snöröjning på en privat väg; vägledd till vägföreningen.",
          "Frågade hur man söker jobb i kommunen."}},
        {0,
         "Synpunkt på kommunens service",
         "opinion",
         "handover",
         "Registrera synpunkten och lämna över till kommunstyrelsens registrator inom en "
         "arbetsdag.",
         {"Synpunkt på bemötandet i medborgarkontoret.",
          "Missnöjd med att e-tjänsten för adressändring låg nere.",
          "Tycker att informationen på webben om valet är svår att hitta."}},
        {1,
         "Hemtjänst – ansökan och information",
         "question",
         "resolve",
         "Informera om biståndsbeslut och skicka blankett; biståndshandläggare kontaktas bara vid "
         "akuta behov.",
         {"Dotter frågade hur man ansöker om hemtjänst för sin mamma.",
          "Frågade om avgift för hemtjänst och maxtaxa.",
          "Undrade hur man byter hemtjänstutförare (LOV)."}},
        {1,
         "Biståndsbedömning – kontakt med handläggare",
         "matter",
         "handover",
         "Lämna över till biståndshandläggare i stadsdelen; handläggaren ringer upp inom två "
         "arbetsdagar.",
         {"Vill ha kontakt med biståndshandläggare om utökad hemtjänst.",
          "Anhörig vill diskutera beslut om särskilt boende.",
          "Önskar omprövning av beslut om trygghetslarm."}},
        {1,
         "Klagomål på äldreomsorg",
         "complaint",
         "handover",
         "Klagomål registreras och lämnas över till enhetschef för utföraren.",
         {"Klagomål: hemtjänsten kom inte på avtalad tid två dagar i rad.",
          "Klagomål på maten på äldreboendet.", "Anhörig klagar på att kontaktmannen byts ofta."}},
        {1,
         "Akut – hemtjänst uteblev",
         "matter",
         NULL,
         NULL,
         {"Brukare utan insats på kvällen, kopplat till jourhavande i stadsdelen.",
          "Larmet fungerar inte, kopplat till trygghetslarmets jour.",
          "Anhörig oroad, ingen öppnar hos brukaren; kopplat till jour."}},
        {2,
         "God man – ansökan",
         "question",
         "resolve",
         NULL,
         {"Frågade hur man ansöker om god man för sin far.",
          "Undrade vad en god man får och inte får göra.", "Frågade om arvode för gode män."}},
        {2,
         "Årsräkning",
         "matter",
         "handover",
         "Komplettering av årsräkning lämnas över till handläggare på överförmyndarförvaltningen.",
         {"God man har frågor om komplettering av årsräkningen.",
          "Årsräkning skickad men ingen bekräftelse.", "Vill ha anstånd med årsräkningen."}},
        {3,
         "Förskoleplats – kö och placering",
         "question",
         "resolve",
         NULL,
         {"Förälder frågade om kötid till förskola i Hägersten.",
          "Undrade hur man tackar ja till erbjuden förskoleplats.",
          "Frågade om syskonförtur i förskolekön."}},
        {3,
         "Förskoleavgift",
         "question",
         "resolve",
         NULL,
         {"Frågade hur förskoleavgiften räknas ut.",
          "Undrade om avgiften sänks vid föräldraledighet.",
          "Faktura för förskola verkar fel; förklarat maxtaxan."}},
        {3,
         "Uppsägning av plats",
         "matter",
         "handover",
         "Uppsägningar registreras och lämnas över till förskolans administratör.",
         {"Vill säga upp förskoleplatsen från nästa månad.",
          "Flyttar till annan kommun, säger upp platsen.",
          "Uppsägning av plats på grund av byte till fristående förskola."}},
        {4,
         "Skolval",
         "question",
         "resolve",
         NULL,
         {"Frågade när skolvalet öppnar.", "Undrade hur närhetsprincipen fungerar.",
          "Frågade hur man byter skola mitt i terminen."}},
        {4,
         "Skolskjuts",
         "matter",
         "handover",
         "Ansökan om skolskjuts lämnas över till skolskjutshandläggare.",
         {"Ansöker om skolskjuts för barn med funktionsnedsättning.",
          "Skolskjutsen kom inte i morse.", "Frågar om skolskjuts vid växelvis boende."}},
        {5,
         "Parkeringstillstånd för rörelsehindrade",
         "question",
         "resolve",
         "Informera om läkarintyg och handläggningstid (ca 6 veckor).",
         {"Frågade hur man ansöker om parkeringstillstånd för rörelsehindrade.",
          "Undrade hur lång handläggningstiden är.",
          "Frågade om tillståndet gäller i andra kommuner."}},
        {5,
         "Boendeparkering",
         "question",
         "resolve",
         NULL,
         {"Frågade hur man ansöker om boendeparkering.",
          "Undrade vilket område boendeparkeringen gäller i.",
          "Frågade om avgiften för boendeparkering."}},
        {5,
         "Överklagande av beslut",
         "matter",
         "handover",
         "Överklaganden lämnas över till trafikkontorets jurist; beslut inom tre veckor.",
         {"Vill överklaga avslag på parkeringstillstånd.", "Överklagar beslut om boendeparkering.",
          "Har fått avslag och vill veta hur man överklagar; lämnat över."}},
        {6,
         "Felanmälan gatubelysning",
         "fault_report",
         "handover",
         "Felanmälan registreras och lämnas över till driftentreprenören.",
         {"Gatlampa släckt på Ringvägen 12.",
          "Tre lampor ur funktion i gångtunneln vid tunnelbanan.",
          "Blinkande gatubelysning på Götgatan."}},
        {6,
         "Felanmälan väg och trottoar",
         "fault_report",
         "handover",
         "Felanmälan registreras och lämnas över till driftentreprenören; akuta hål till jour.",
         {"Stort hål i vägen på Hornsgatan.", "Trasig kantsten vid busshållplats.",
          "Ishalka på gångbana vid skolan."}},
        {6,
         "Beröm till stadsmiljö",
         "praise",
         "resolve",
         NULL,
         {"Beröm för snabb snöröjning i parken.", "Tack för de nya bänkarna i parken.",
          "Beröm för fin blomsterplantering."}},
        {7,
         "Bygglov – frågor",
         "question",
         "resolve",
         NULL,
         {"Frågade om man behöver bygglov för en altan.", "Undrade om attefallshus kräver anmälan.",
          "Frågade om handläggningstid för bygglov."}},
        {7,
         "Idé om stadsmiljön",
         "idea",
         "handover",
         "Idéer lämnas över till stadsbyggnadskontorets registrator.",
         {"Förslag om fler cykelställ vid torget.", "Idé om en lekplats i kvarteret.",
          "Förslag om grönare innergårdar."}},
};

/* The steps the desk shows for some categories (at most four here). */
static const struct {
	const char *category;
	const char *steps[4];
} checklists[] = {
        {"Biståndsbedömning – kontakt med handläggare",
         {"Fråga efter personnummer och telefonnummer för återuppringning.",
          "Fråga vilket beslut eller vilken insats det gäller.",
          "Kontrollera handläggarens telefontid.",
          "Säg att handläggaren ringer upp inom två arbetsdagar."}},
        {"Akut – hemtjänst uteblev",
         {"Fråga om brukaren är i fara just nu; vid fara: be anhörig ringa 112.",
          "Anteckna adress och vem som ringer.", "Koppla till jourhavande i stadsdelen.",
          "Markera utfallet Akut, kopplat till jour."}},
        {"Klagomål på äldreomsorg",
         {"Låt den som ringer berätta färdigt.", "Anteckna vad som hänt, när och vilken utförare.",
          "Fråga om personen vill bli kontaktad."}},
        {"Felanmälan gatubelysning",
         {"Fråga efter gatuadress eller närmaste korsning.",
          "Fråga efter stolpens nummer om det syns.",
          "Fråga om hela gatan är mörk eller en lampa."}},
};

struct demo_user {
	const char *username;
	const char *name;
	const char *role;
	int unit;      /* -1: none */
	int groups[4]; /* group indexes +1 (0 ends), skill 1 for the first, 2 for the rest */
	int client;    /* client viewers: client index, else -1 */
};

static const struct demo_user users[] = {
        {"admin", "Systemförvaltare", "admin", -1, {0}, -1},
        {"chef.stod", "Maria Eriksson", "manager", 0, {1, 2, 3}, -1},
        {"chef.barn", "Johan Nilsson", "manager", 1, {4, 5}, -1},
        {"chef.miljo", "Karin Berg", "manager", 2, {6, 7, 8}, -1},
        {"lead.aldre", "Elin Sandberg", "group_lead", 0, {2, 1}, -1},
        {"lead.forskola", "Omar Haddad", "group_lead", 1, {4, 5, 1}, -1},
        {"anna", "Anna Lindqvist", "agent", 0, {2, 1}, -1},
        {"erik", "Erik Johansson", "agent", 0, {2, 3, 1}, -1},
        {"sara", "Sara Ahmed", "agent", 0, {1, 2}, -1},
        {"lars", "Lars Svensson", "agent", 1, {4, 5}, -1},
        {"fatima", "Fatima Ali", "agent", 1, {5, 4, 1}, -1},
        {"peter", "Peter Holm", "agent", 2, {6, 7}, -1},
        {"linnea", "Linnea Åberg", "agent", 2, {7, 8, 1}, -1},
        {"mikael", "Mikael Öberg", "agent", 2, {8, 6}, -1},
        {"viewer.aldre", "Äldreförvaltningen (läsare)", "client_viewer", -1, {0}, 0},
        {"viewer.trafik", "Trafikkontoret (läsare)", "client_viewer", -1, {0}, 2},
};

static const char *const first_names[] = {"Astrid",  "Bengt", "Camilla", "David",  "Eva",
                                          "Farid",   "Greta", "Hassan",  "Ingrid", "Jonas",
                                          "Kerstin", "Leila", "Magnus",  "Nora",   "Olle"};
static const char *const last_names[] = {"Andersson", "Björk",    "Carlsson",   "Dahl",
                                         "Ek",        "Forsberg", "Gustafsson", "Hussein",
                                         "Isaksson",  "Jansson"};

static int insert_user(struct db *db, const struct demo_user *u, const char *hash,
                       const int64_t *unit_ids, const int64_t *group_ids, const int64_t *client_ids,
                       int64_t *id)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s,
	        "INSERT INTO users(username, display_name, role, password_hash, client_id,"
	        " unit_id) VALUES (?,?,?,?,?,?)",
	        false);

	if (err)
		return err;
	stmt_bind_text(s, 1, u->username);
	stmt_bind_text(s, 2, u->name);
	stmt_bind_text(s, 3, u->role);
	stmt_bind_text(s, 4, hash);
	if (u->client >= 0)
		stmt_bind_int(s, 5, client_ids[u->client]);
	else
		stmt_bind_null(s, 5);
	if (u->unit >= 0)
		stmt_bind_int(s, 6, unit_ids[u->unit]);
	else
		stmt_bind_null(s, 6);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	if (err)
		return err;
	*id = db_last_id(db);
	for (int i = 0; i < 4 && u->groups[i]; i++) {
		err = db_prepare(db, &s,
		                 "INSERT INTO user_groups(user_id, group_id, skill) VALUES (?,?,?)",
		                 false);
		if (err)
			return err;
		stmt_bind_int(s, 1, *id);
		stmt_bind_int(s, 2, group_ids[u->groups[i] - 1]);
		stmt_bind_int(s, 3, i == 0 ? 1 : 2);
		err = stmt_step(s) == DB_DONE ? 0 : EIO;
		stmt_done(s);
		if (err)
			return err;
	}
	return 0;
}

static int set_manager(struct db *db, int64_t unit, int64_t user)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "UPDATE units SET manager_id = ? WHERE id = ?", false);

	if (err)
		return err;
	stmt_bind_int(s, 1, user);
	stmt_bind_int(s, 2, unit);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

/* A voice menu on a second number of the catch-all group, "08-508 001 00": 1 Äldre
 * direkt, 2 Skola, 9 the opening hours (docs/telephony.md, prompts/sv/meny_stockholm.txt). */
static int add_menu(struct db *db, const int64_t *group_ids)
{
	json_t *menu =
	        json_pack("{s:s,s:{s:{s:I},s:{s:I},s:{s:s}},s:i,s:I}", "prompt", "meny_stockholm",
	                  "options", "1", "group", (json_int_t)group_ids[1], "2", "group",
	                  (json_int_t)group_ids[4], "9", "announcement", "oppettider", "timeout_s",
	                  5, "default_group", (json_int_t)group_ids[0]);
	char *text = menu ? json_dumps(menu, JSON_COMPACT) : NULL;
	struct stmt *s;
	int err = text ? 0 : ENOMEM;

	if (!err)
		err = db_prepare(db, &s,
		                 "INSERT INTO entry_numbers(number, group_id, menu) VALUES (?,?,?)",
		                 false);
	if (!err) {
		stmt_bind_text(s, 1, "+46850800100");
		stmt_bind_int(s, 2, group_ids[0]);
		stmt_bind_text(s, 3, text);
		err = stmt_step(s) == DB_DONE ? 0 : EIO;
		stmt_done(s);
	}
	free(text);
	json_decref(menu);
	return err;
}

/* The citizens' feedback form (Tyck till) logs into the catch-all group under these; no
 * boundary binds them, so the agent who handles such a case may resolve it or hand it
 * over (a fault report usually goes on to the department's contractor). */
static const char *const feedback_categories[][2] = {
        {"Tyck till – klagomål", "complaint"},
        {"Tyck till – beröm", "praise"},
        {"Tyck till – idé", "idea"},
        {"Tyck till – synpunkt", "opinion"},
        {"Tyck till – felanmälan", "fault_report"},
};

static int load(struct db *db, int64_t now)
{
	int64_t unit_ids[N(units)], client_ids[N(clients)], group_ids[N(groups)];
	int64_t cat_ids[N(categories)], contact_ids[N(clients)], agreement_ids[N(clients)];
	int64_t user_ids[N(users)];
	char hash[128];
	uint64_t seed = 20261122;
	int err = 0;

	for (size_t i = 0; i < N(units) && !err; i++)
		err = create(db, "units", json_pack("{s:s}", "name", units[i]), &unit_ids[i]);
	for (size_t i = 0; i < N(clients) && !err; i++)
		err = create(
		        db, "clients",
		        json_pack("{s:s,s:s}", "name", clients[i][0], "short_name", clients[i][1]),
		        &client_ids[i]);
	for (size_t i = 0; i < N(groups) && !err; i++) {
		const struct demo_group *g = &groups[i];
		json_t *in =
		        json_pack("{s:s,s:I,s:s,s:o,s:i,s:i,s:[s]}", "name", g->name, "unit_id",
		                  (json_int_t)unit_ids[g->unit], "email", g->email, "opening_hours",
		                  hours(g->short_hours ? short_hours : weekday_hours), "max_wait_s",
		                  180, "wrapup_s", g->wrapup, "entry_numbers", g->number);
		if (i > 0) /* everything overflows to the catch-all group, as in Stockholm */
			json_object_set_new(in, "overflow_group_id", json_integer(group_ids[0]));
		json_object_set_new(in, "callback_threshold_s", json_integer(120));
		json_object_set_new(in, "priority", json_integer(i == 1 ? 10 : 0));
		/* The wallboard's targets: Stockholm's 85 % within 60 s, a warning after a
		 * minute's wait and an alarm after two, 10 and 20 % abandoned. */
		json_object_set_new(in, "target_sl_pct", json_integer(85));
		json_object_set_new(in, "target_sl_s", json_integer(60));
		json_object_set_new(in, "wait_warn_s", json_integer(60));
		json_object_set_new(in, "wait_alarm_s", json_integer(120));
		json_object_set_new(in, "abandon_warn_pct", json_integer(10));
		json_object_set_new(in, "abandon_alarm_pct", json_integer(20));
		err = create(db, "groups", in, &group_ids[i]);
	}
	if (!err)
		err = add_menu(db, group_ids);
	/* One receiving contact per client: a caseworker or registrar with phone hours. */
	for (size_t i = 0; i < N(clients) && !err; i++) {
		char email[96], phone[24];
		snprintf(email, sizeof(email), "registrator.%s@lotsen.example", clients[i][1]);
		for (char *p = email; *p; p++)
			if ((unsigned char)*p >= 0x80 || *p == ' ')
				*p = 'x';
		for (char *p = email; *p && *p != '@'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		snprintf(phone, sizeof(phone), "08-508 %02zu0 00", 10 + i * 7);
		err = create(db, "contacts",
		             json_pack("{s:I,s:s,s:s,s:s,s:s,s:o}", "client_id",
		                       (json_int_t)client_ids[i], "name", first_names[i], "role",
		                       "Handläggare / registrator", "phone", phone, "email", email,
		                       "phone_hours", hours(phone_hours)),
		             &contact_ids[i]);
	}
	for (size_t i = 0; i < N(categories) && !err; i++) {
		json_t *in = json_pack("{s:s,s:s,s:I}", "name", categories[i].name, "kind",
		                       categories[i].kind, "group_id",
		                       (json_int_t)group_ids[categories[i].group]);
		for (size_t c = 0; c < N(checklists); c++) {
			json_t *steps;
			if (strcmp(checklists[c].category, categories[i].name) != 0)
				continue;
			steps = json_array();
			for (size_t k = 0; k < N(checklists[c].steps) && checklists[c].steps[k];
			     k++)
				json_array_append_new(steps, json_string(checklists[c].steps[k]));
			json_object_set_new(in, "checklist", steps);
		}
		err = create(db, "categories", in, &cat_ids[i]);
	}
	/* Agreements: each client covers its groups, plus the catch-all group for overflow. */
	for (size_t c = 0; c < N(clients) && !err; c++) {
		json_t *gids = json_array();
		for (size_t g = 0; g < N(groups); g++)
			if (groups[g].client == (int)c || g == 0)
				json_array_append_new(gids, json_integer(group_ids[g]));
		char name[160];
		snprintf(name, sizeof(name), "Serviceavtal %s 2026", clients[c][0]);
		json_t *in = json_pack("{s:I,s:s,s:s,s:s,s:o}", "client_id",
		                       (json_int_t)client_ids[c], "name", name, "valid_from",
		                       "2025-01-01", "valid_to", "2027-12-31", "group_ids", gids);
		if (c == 5)
			json_object_set_new(in, "fixed_annual_price", json_real(1200000.0));
		else
			json_object_set_new(in, "prices",
			                    json_pack("{s:f,s:f,s:f,s:f}", "phone", 48.0, "email",
			                              36.0, "letter", 55.0, "web", 30.0));
		err = create(db, "agreements", in, &agreement_ids[c]);
	}
	for (size_t i = 0; i < N(categories) && !err; i++) {
		const struct demo_category *k = &categories[i];
		int c = groups[k->group].client;
		if (!k->boundary)
			continue;
		json_t *in =
		        json_pack("{s:I,s:I,s:s}", "agreement_id", (json_int_t)agreement_ids[c],
		                  "category_id", (json_int_t)cat_ids[i], "action", k->boundary);
		if (strcmp(k->boundary, "handover") == 0) {
			json_object_set_new(in, "contact_id", json_integer(contact_ids[c]));
			json_object_set_new(in, "due_working_days", json_integer(2));
		}
		if (k->instructions)
			json_object_set_new(in, "instructions", json_string(k->instructions));
		err = create(db, "boundaries", in, NULL);
	}
	if (!err)
		err = auth_password_hash(DEMO_PASSWORD, hash);
	for (size_t i = 0; i < N(users) && !err; i++)
		err = insert_user(db, &users[i], hash, unit_ids, group_ids, client_ids,
		                  &user_ids[i]);
	for (size_t i = 0; i < N(units) && !err; i++)
		err = set_manager(db, unit_ids[i], user_ids[1 + i]);
	if (err)
		return err;

	/* Cases over the last 60 days, in opening hours, by agents of the group. */
	for (int n = 0; n < 360 && !err; n++) {
		const struct demo_category *k = &categories[rng_next(&seed) % N(categories)];
		const struct demo_group *g = &groups[k->group];
		struct principal who = {.role = ROLE_AGENT};
		struct verrors v;
		struct local_time lt;
		struct date d;
		int64_t t, id;
		const char *outcome;
		json_t *in;
		int days = 1 + (int)(rng_next(&seed) % 60);

		calendar_local_from_utc(now - (int64_t)days * 86400, &lt);
		d = lt.date;
		if (!calendar_is_working_day(&d))
			continue;
		calendar_local_to_utc(&d, 8 + (int)(rng_next(&seed) % 8),
		                      (int)(rng_next(&seed) % 60), &t);
		/* an agent of the group's unit */
		for (size_t u = 6 + rng_next(&seed) % 8, tries = 0; tries < N(users);
		     tries++, u = 6 + (u - 6 + 1) % 8) {
			if (users[u].unit == g->unit) {
				who.id = user_ids[u];
				break;
			}
		}
		if (!who.id)
			who.id = user_ids[6];
		if (k->boundary && strcmp(k->boundary, "handover") == 0)
			outcome = "handed_over";
		else if (!k->boundary)
			outcome = "forwarded_urgent";
		else
			outcome = rng_next(&seed) % 6 == 0 ? "guided" : "resolved";
		in = json_pack("{s:I,s:I,s:I,s:s,s:s,s:s}", "group_id",
		               (json_int_t)group_ids[k->group], "client_id",
		               (json_int_t)client_ids[g->client], "category_id",
		               (json_int_t)cat_ids[k - categories], "channel",
		               rng_next(&seed) % 5 == 0 ? "email" : "phone", "outcome", outcome,
		               "summary", k->summaries[rng_next(&seed) % 3]);
		char ts[32];
		calendar_format_iso8601(t, ts);
		json_object_set_new(in, "received_at", json_string(ts));
		if (rng_next(&seed) % 3 == 0) {
			char name[64], phone[24];
			snprintf(name, sizeof(name), "%s %s",
			         first_names[rng_next(&seed) % N(first_names)],
			         last_names[rng_next(&seed) % N(last_names)]);
			snprintf(phone, sizeof(phone), "070-%03d %02d %02d",
			         (int)(rng_next(&seed) % 40), (int)(rng_next(&seed) % 100),
			         (int)(rng_next(&seed) % 100));
			json_object_set_new(in, "citizen",
			                    json_pack("{s:s,s:s}", "name", name, "phone", phone));
		}
		if (strcmp(outcome, "handed_over") == 0)
			json_object_set_new(
			        in, "handover",
			        json_pack("{s:s}", "message",
			                  "Medborgaren vill bli kontaktad, se sammanfattningen."));
		if (n % 97 == 13)
			json_object_set_new(in, "confidential", json_true());
		valid_init(&v, true);
		err = case_create(db, &who, in, t, &id, &v);
		if (valid_has_errors(&v)) {
			char *s = json_dumps(v.list, JSON_COMPACT);
			log_error("demo.case_invalid", "errors=%s", s ? s : "?");
			free(s);
			valid_free(&v);
			err = err ? err : EINVAL;
		}
		json_decref(in);
	}
	/* After the generated cases, so their random sequence stays as it was. */
	for (size_t i = 0; i < N(feedback_categories) && !err; i++)
		err = create(db, "categories",
		             json_pack("{s:s,s:s,s:I}", "name", feedback_categories[i][0], "kind",
		                       feedback_categories[i][1], "group_id",
		                       (json_int_t)group_ids[0]),
		             NULL);
	return err;
}

int demo_load_if_empty(struct db *db, int64_t now, bool *loaded)
{
	struct stmt *s;
	int64_t users_n = 0;
	int err = db_prepare(db, &s, "SELECT COUNT(*) FROM users", false);

	if (err)
		return err;
	if (stmt_step(s) == DB_ROW)
		users_n = stmt_int(s, 0);
	stmt_done(s);
	if (loaded)
		*loaded = false;
	if (users_n > 0) {
		log_info("demo.skip", "reason=\"database already has users\"");
		return 0;
	}
	err = db_begin(db);
	if (err)
		return err;
	err = load(db, now);
	if (!err)
		err = db_commit(db);
	if (err) {
		db_rollback(db);
		return err;
	}
	log_info("demo.loaded", "users=%zu groups=%zu password=\"%s\"", N(users), N(groups),
	         DEMO_PASSWORD);
	if (loaded)
		*loaded = true;
	return 0;
}
