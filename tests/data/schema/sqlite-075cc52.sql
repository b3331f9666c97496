-- A claimwatch database made by the last release before migrations (main at 075cc52, today's schema).
-- Made by that commit's own code: `claimwatch run --once` on its seeds/claimwatch.yaml (the demo feed,
-- alerts to stdout://), then `sqlite3 FILE .dump`. tests/test_migrate.py upgrades it in place.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE feed (
	id INTEGER NOT NULL, 
	url VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	etag VARCHAR, 
	last_modified VARCHAR, 
	last_poll DATETIME, 
	last_success DATETIME, 
	last_error VARCHAR, 
	failures INTEGER NOT NULL, 
	items INTEGER NOT NULL, 
	fetch_url VARCHAR, 
	next_poll DATETIME, 
	ttl INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (url)
);
INSERT INTO feed VALUES(1,'file:///tmp/old-075cc52/seeds/demo-feed.xml','demo',NULL,NULL,'2026-11-30 04:11:25.261658','2026-11-30 04:11:25.261658',NULL,0,1,NULL,'2026-11-30 04:27:15.342191',NULL);
CREATE TABLE article (
	id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	feed VARCHAR NOT NULL, 
	link VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	published DATETIME, 
	fetched_at DATETIME NOT NULL, 
	content_hash VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("key")
);
INSERT INTO article VALUES(1,'claimwatch-demo:zelensky-us-troops','demo','https://example.org/claimwatch-demo/zelensky-us-troops','Zelensky confirms talks with Trump administration on US troops in Ukraine','2025-12-30 12:00:00.000000','2026-11-30 04:11:25.082800','8a7f5bf6db928221256485633f9d0a3b61a74e3baa85ad88d7024a444e6d9779');
CREATE TABLE channel_state (
	name VARCHAR NOT NULL, 
	delivered INTEGER NOT NULL, 
	failed INTEGER NOT NULL, 
	consecutive_failures INTEGER NOT NULL, 
	last_error VARCHAR, 
	last_error_at DATETIME, 
	last_success_at DATETIME, 
	last_digest_at DATETIME, 
	next_digest_attempt DATETIME, 
	PRIMARY KEY (name)
);
INSERT INTO channel_state VALUES('terminal',15,0,0,NULL,NULL,'2026-11-30 04:11:25.376918','2026-11-30 04:11:25.266028',NULL);
CREATE TABLE daemon_state (
	id INTEGER NOT NULL, 
	running BOOLEAN NOT NULL, 
	pid INTEGER NOT NULL, 
	started_at DATETIME, 
	stopped_at DATETIME, 
	PRIMARY KEY (id)
);
CREATE TABLE claim (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	actor VARCHAR, 
	type VARCHAR NOT NULL, 
	topics VARCHAR NOT NULL, 
	speaker VARCHAR NOT NULL, 
	cue VARCHAR NOT NULL, 
	content VARCHAR NOT NULL, 
	sentence VARCHAR NOT NULL, 
	resolution VARCHAR NOT NULL, 
	start INTEGER NOT NULL, 
	"end" INTEGER NOT NULL, 
	said_at DATETIME NOT NULL, 
	repeat_of INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(article_id) REFERENCES article (id)
);
INSERT INTO claim VALUES(1,1,'zelensky','confirmation','security-guarantees,foreign-troops','Ukrainian President Volodymyr Zelensky','confirmed','Kiev is in talks with US President Donald Trump''s administration about the possible presence of US troops in Ukraine as part of post-war security guarantees','Ukrainian President Volodymyr Zelensky has confirmed that Kiev is in talks with US President Donald Trump''s administration about the possible presence of US troops in Ukraine as part of post-war security guarantees.','"Ukrainian President Volodymyr Zelensky" → Volodymyr Zelensky',0,214,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(2,1,'zelensky','denial','drone-strikes','he','described','as a "complete fabrication" Moscow''s claims of a drone strike on one of Russian President Vladimir Putin''s residences','At the same time, he described as a "complete fabrication" Moscow''s claims of a drone strike on one of Russian President Vladimir Putin''s residences.','"he" → Volodymyr Zelensky ("Ukrainian President Volodymyr Zelensky", 1 sentence back)',234,364,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(3,1,'zelensky','offer','peace-talks,leaders-meeting','him','According to','Ukraine is ready to continue intensive negotiations to end the war that Russia unleashed with a large-scale attack in February 2022, and is also open to a personal meeting with Putin','According to him, Ukraine is ready to continue intensive negotiations to end the war that Russia unleashed with a large-scale attack in February 2022, and is also open to a personal meeting with Putin.','"him" → Volodymyr Zelensky ("Zelensky", 1 sentence back)',453,653,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(4,1,'zelensky','statement','peace-talks','Zelensky','stressed','without a clear and strong role of the United States, the peace deal would not have the necessary weight','Zelensky stressed that without a clear and strong role of the United States, the peace deal would not have the necessary weight.','"Zelensky" → Volodymyr Zelensky',770,897,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(5,1,'zelensky','demand','security-guarantees,foreign-troops','Zelensky','said','"Of course, we are discussing this with President Trump and with representatives of the Western coalition. We want the presence of American troops. It would be a very strong position of security guarantees,"','"Of course, we are discussing this with President Trump and with representatives of the Western coalition. We want the presence of American troops. It would be a very strong position of security guarantees," Zelensky said.','"Zelensky" → Volodymyr Zelensky',899,1120,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(6,1,'trump','prediction','peace-talks','U.S. President Donald Trump','said','the United States and Ukraine were "maybe very close" to an agreement to end the war','U.S. President Donald Trump said on Sunday that the United States and Ukraine were "maybe very close" to an agreement to end the war.','"U.S. President Donald Trump" → Donald Trump',1122,1254,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(7,1,'trump','statement','territory','he','acknowledged','sensitive territorial issues remain','But he also acknowledged that sensitive territorial issues remain.','"he" → Donald Trump ("U.S. President Donald Trump", 1 sentence back)',1260,1321,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(8,1,'trump','statement','foreign-troops','He','suggesting','European countries, with Washington''s support, should take the lead role','He was more cautious about the possibility of sending US troops, suggesting that European countries, with Washington''s support, should take the lead role.','"He" → Donald Trump ("he", 1 sentence back)',1323,1476,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(9,1,'zelensky','offer','peace-talks','The Ukrainian president','declared','his willingness to personally negotiate with the Russian leader','The Ukrainian president once again declared his willingness to personally negotiate with the Russian leader, although there is deep distrust between the two countries.','"The Ukrainian president" → Volodymyr Zelensky',1596,1703,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(10,1,'zelensky','offer','leaders-meeting','he','declared','"I have told President Trump and European leaders that I am ready for any format of meeting with Putin. I am not afraid of any format. The main thing is that the Russians should not be afraid,"','"I have told President Trump and European leaders that I am ready for any format of meeting with Putin. I am not afraid of any format. The main thing is that the Russians should not be afraid," he declared.','"he" → Volodymyr Zelensky ("The Ukrainian president", 3 sentences back)',1764,1969,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(11,1,'russia','accusation','drone-strikes','Russia','claim','Ukraine had attacked the presidential residence in the Novgorod region with 91 long-range drones','Tensions over the talks were heightened by Russia''s claim on Monday that Ukraine had attacked the presidential residence in the Novgorod region with 91 long-range drones.','"Russia" → Russian government',2070,2196,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(12,1,'russia','statement','drone-strikes','Moscow','said','all the drones were shot down','Moscow said all the drones were shot down.','"Moscow" → Russian government',2198,2239,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(13,1,'lavrov','accusation','drone-strikes','Russian Foreign Minister Sergei Lavrov','described','the incident as "state terrorism"','Russian Foreign Minister Sergei Lavrov described the incident as "state terrorism" and threatened retaliatory attacks.','"Russian Foreign Minister Sergei Lavrov" → Sergei Lavrov',2241,2323,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(14,1,'lavrov','threat','drone-strikes','Russian Foreign Minister Sergei Lavrov','threatened','retaliatory attacks','Russian Foreign Minister Sergei Lavrov described the incident as "state terrorism" and threatened retaliatory attacks.','"Russian Foreign Minister Sergei Lavrov" → Sergei Lavrov',2241,2358,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(15,1,'ukraine','denial','drone-strikes','Kiev','denied','the accusations','Kiev has flatly denied the accusations.','"Kiev" → Ukrainian government',2360,2398,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(16,1,'zelensky','denial','peace-talks','Zelensky','responded','"The story about the ''attack on residential houses'' is a complete fabrication aimed at justifying further Russian attacks and sabotaging the peace talks,"','"The story about the ''attack on residential houses'' is a complete fabrication aimed at justifying further Russian attacks and sabotaging the peace talks," Zelensky responded.','"Zelensky" → Volodymyr Zelensky',2400,2573,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(17,1,'france','denial','drone-strikes','him','According to','there is no evidence to confirm the attack on Putin''s residence','According to him, there is no evidence to confirm the attack on Putin''s residence.','"him" → French government ("a source close to French President Emmanuel Macron", 1 sentence back)',2665,2746,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(18,1,'france','accusation','peace-talks','the French source','said','"Ukraine and its partners want peace. But Russia has decided to escalate the war further,"','"Ukraine and its partners want peace. But Russia has decided to escalate the war further," the French source said.','"the French source" → French government',2748,2861,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(19,1,'tusk','prediction','security-guarantees,peace-talks','Polish Prime Minister Donald Tusk','said','peace in Ukraine could be achieved within weeks if U.S.-backed security guarantees could be negotiated','Polish Prime Minister Donald Tusk said on Tuesday that peace in Ukraine could be achieved within weeks if U.S.-backed security guarantees could be negotiated.','"Polish Prime Minister Donald Tusk" → Donald Tusk',2901,3058,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(20,1,'tusk','statement','security-guarantees,peace-talks','he','admitted','success was not guaranteed','But he admitted that success was not guaranteed.','"he" → Donald Tusk ("Polish Prime Minister Donald Tusk", 1 sentence back)',3064,3107,'2025-12-30 12:00:00.000000',NULL);
CREATE TABLE outlet (
	id INTEGER NOT NULL, 
	claim_id INTEGER NOT NULL, 
	outlet VARCHAR NOT NULL, 
	link VARCHAR NOT NULL, 
	said_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (claim_id, outlet), 
	FOREIGN KEY(claim_id) REFERENCES claim (id)
);
CREATE TABLE dispute (
	id INTEGER NOT NULL, 
	claim_id INTEGER NOT NULL, 
	disputed_id INTEGER NOT NULL, 
	actor VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (claim_id, disputed_id), 
	FOREIGN KEY(claim_id) REFERENCES claim (id), 
	FOREIGN KEY(disputed_id) REFERENCES claim (id)
);
INSERT INTO dispute VALUES(1,2,11,'zelensky');
INSERT INTO dispute VALUES(2,15,11,'ukraine');
INSERT INTO dispute VALUES(3,17,13,'france');
CREATE TABLE claim_key (
	id INTEGER NOT NULL, 
	claim_id INTEGER NOT NULL, 
	actor VARCHAR NOT NULL, 
	topic VARCHAR NOT NULL, 
	type VARCHAR NOT NULL, 
	stance VARCHAR NOT NULL, 
	said_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(claim_id) REFERENCES claim (id)
);
INSERT INTO claim_key VALUES(1,1,'zelensky','security-guarantees','confirmation','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(2,1,'zelensky','foreign-troops','confirmation','supportive','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(3,2,'zelensky','drone-strikes','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(4,3,'zelensky','peace-talks','offer','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(5,3,'zelensky','leaders-meeting','offer','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(6,4,'zelensky','peace-talks','statement','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(7,5,'zelensky','security-guarantees','demand','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(8,5,'zelensky','foreign-troops','demand','supportive','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(9,6,'trump','peace-talks','prediction','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(10,7,'trump','territory','statement','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(11,8,'trump','foreign-troops','statement','opposed','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(12,9,'zelensky','peace-talks','offer','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(13,10,'zelensky','leaders-meeting','offer','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(14,11,'russia','drone-strikes','accusation','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(15,12,'russia','drone-strikes','statement','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(16,13,'lavrov','drone-strikes','accusation','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(17,14,'lavrov','drone-strikes','threat','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(18,15,'ukraine','drone-strikes','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(19,16,'zelensky','peace-talks','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(20,17,'france','drone-strikes','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(21,18,'france','peace-talks','accusation','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(22,19,'tusk','security-guarantees','prediction','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(23,19,'tusk','peace-talks','prediction','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(24,20,'tusk','security-guarantees','statement','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(25,20,'tusk','peace-talks','statement','','2025-12-30 12:00:00.000000');
CREATE TABLE alert (
	id INTEGER NOT NULL, 
	claim_id INTEGER, 
	message VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	rule VARCHAR NOT NULL, 
	severity VARCHAR NOT NULL, 
	topics VARCHAR NOT NULL, 
	previous VARCHAR NOT NULL, 
	detail VARCHAR NOT NULL, 
	digest BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(claim_id) REFERENCES claim (id)
);
INSERT INTO alert VALUES(1,1,'','new','watched leaders','high','security-guarantees,foreign-troops','[]','',0,'2026-11-30 04:11:25.227859');
INSERT INTO alert VALUES(2,2,'','dispute','watched leaders','high','drone-strikes','[11]','disputes an earlier accusation',0,'2026-11-30 04:11:25.238176');
INSERT INTO alert VALUES(3,3,'','new','watched leaders','high','peace-talks,leaders-meeting','[]','',0,'2026-11-30 04:11:25.241932');
INSERT INTO alert VALUES(4,4,'','new','watched leaders','high','peace-talks','[]','',0,'2026-11-30 04:11:25.243249');
INSERT INTO alert VALUES(5,5,'','new','watched leaders','high','security-guarantees,foreign-troops','[]','',0,'2026-11-30 04:11:25.244445');
INSERT INTO alert VALUES(6,6,'','new','watched leaders','high','peace-talks','[]','',0,'2026-11-30 04:11:25.245596');
INSERT INTO alert VALUES(7,7,'','new','watched leaders','high','territory','[]','',0,'2026-11-30 04:11:25.246796');
INSERT INTO alert VALUES(8,8,'','new','watched leaders','high','foreign-troops','[]','',0,'2026-11-30 04:11:25.247830');
INSERT INTO alert VALUES(9,11,'','new','watched topics','normal','drone-strikes','[]','',0,'2026-11-30 04:11:25.248977');
INSERT INTO alert VALUES(10,12,'','new','watched topics','normal','drone-strikes','[]','',0,'2026-11-30 04:11:25.250169');
INSERT INTO alert VALUES(11,13,'','new','watched topics','normal','drone-strikes','[]','',0,'2026-11-30 04:11:25.251367');
INSERT INTO alert VALUES(12,14,'','new','watched topics','normal','drone-strikes','[]','',0,'2026-11-30 04:11:25.252491');
INSERT INTO alert VALUES(13,15,'','dispute','watched topics','normal','drone-strikes','[11]','disputes an earlier accusation',0,'2026-11-30 04:11:25.253584');
INSERT INTO alert VALUES(14,16,'','new','watched leaders','high','peace-talks','[]','',0,'2026-11-30 04:11:25.254769');
INSERT INTO alert VALUES(15,17,'','dispute','watched topics','normal','drone-strikes','[13]','disputes an earlier accusation',0,'2026-11-30 04:11:25.255878');
CREATE TABLE delivery (
	id INTEGER NOT NULL, 
	alert_id INTEGER NOT NULL, 
	channel VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error VARCHAR, 
	next_attempt DATETIME NOT NULL, 
	sent_at DATETIME, 
	"deferred" VARCHAR NOT NULL, 
	queued_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (alert_id, channel), 
	FOREIGN KEY(alert_id) REFERENCES alert (id)
);
INSERT INTO delivery VALUES(1,1,'terminal','sent',1,NULL,'2026-11-30 04:11:25.237728','2026-11-30 04:11:25.285824','','2026-11-30 04:11:25.237764');
INSERT INTO delivery VALUES(2,2,'terminal','sent',1,NULL,'2026-11-30 04:11:25.241621','2026-11-30 04:11:25.306031','','2026-11-30 04:11:25.241658');
INSERT INTO delivery VALUES(3,3,'terminal','sent',1,NULL,'2026-11-30 04:11:25.243016','2026-11-30 04:11:25.312974','','2026-11-30 04:11:25.243046');
INSERT INTO delivery VALUES(4,4,'terminal','sent',1,NULL,'2026-11-30 04:11:25.244175','2026-11-30 04:11:25.318349','','2026-11-30 04:11:25.244202');
INSERT INTO delivery VALUES(5,5,'terminal','sent',1,NULL,'2026-11-30 04:11:25.245359','2026-11-30 04:11:25.323085','','2026-11-30 04:11:25.245391');
INSERT INTO delivery VALUES(6,6,'terminal','sent',1,NULL,'2026-11-30 04:11:25.246573','2026-11-30 04:11:25.328352','','2026-11-30 04:11:25.246600');
INSERT INTO delivery VALUES(7,7,'terminal','sent',1,NULL,'2026-11-30 04:11:25.247592','2026-11-30 04:11:25.333589','','2026-11-30 04:11:25.247616');
INSERT INTO delivery VALUES(8,8,'terminal','sent',1,NULL,'2026-11-30 04:11:25.248752','2026-11-30 04:11:25.339042','','2026-11-30 04:11:25.248784');
INSERT INTO delivery VALUES(9,9,'terminal','sent',1,NULL,'2026-11-30 04:11:25.249915','2026-11-30 04:11:25.344792','','2026-11-30 04:11:25.249949');
INSERT INTO delivery VALUES(10,10,'terminal','sent',1,NULL,'2026-11-30 04:11:25.251148','2026-11-30 04:11:25.350448','','2026-11-30 04:11:25.251180');
INSERT INTO delivery VALUES(11,11,'terminal','sent',1,NULL,'2026-11-30 04:11:25.252201','2026-11-30 04:11:25.355955','','2026-11-30 04:11:25.252235');
INSERT INTO delivery VALUES(12,12,'terminal','sent',1,NULL,'2026-11-30 04:11:25.253364','2026-11-30 04:11:25.360635','','2026-11-30 04:11:25.253394');
INSERT INTO delivery VALUES(13,13,'terminal','sent',1,NULL,'2026-11-30 04:11:25.254495','2026-11-30 04:11:25.366104','','2026-11-30 04:11:25.254528');
INSERT INTO delivery VALUES(14,14,'terminal','sent',1,NULL,'2026-11-30 04:11:25.255637','2026-11-30 04:11:25.371416','','2026-11-30 04:11:25.255663');
INSERT INTO delivery VALUES(15,15,'terminal','sent',1,NULL,'2026-11-30 04:11:25.256856','2026-11-30 04:11:25.376918','','2026-11-30 04:11:25.256891');
CREATE INDEX ix_claim_actor ON claim (actor);
CREATE INDEX ix_claim_repeat_of ON claim (repeat_of);
CREATE INDEX ix_claim_article_id ON claim (article_id);
CREATE INDEX ix_outlet_claim_id ON outlet (claim_id);
CREATE INDEX ix_dispute_claim_id ON dispute (claim_id);
CREATE INDEX ix_dispute_disputed_id ON dispute (disputed_id);
CREATE INDEX ix_claim_key_claim_id ON claim_key (claim_id);
CREATE INDEX ix_claim_key_topic_type ON claim_key (topic, type, said_at);
CREATE INDEX ix_claim_key_actor_topic ON claim_key (actor, topic, said_at);
CREATE INDEX ix_claim_key_lookup ON claim_key (actor, topic, type, said_at);
CREATE INDEX ix_alert_claim_id ON alert (claim_id);
CREATE INDEX ix_delivery_due ON delivery (status, next_attempt);
COMMIT;
