-- A claimwatch database made by a release before the polling work (no feed.fetch_url/next_poll/ttl, article.content_hash, operator alerts, channel or daemon state).
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
	PRIMARY KEY (id), 
	UNIQUE (url)
);
INSERT INTO feed VALUES(1,'file:///tmp/old-07ec9ab/seeds/demo-feed.xml','demo',NULL,NULL,'2026-11-30 04:10:41.746522','2026-11-30 04:10:41.746522',NULL,0,1);
CREATE TABLE article (
	id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	feed VARCHAR NOT NULL, 
	link VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	published DATETIME, 
	fetched_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("key")
);
INSERT INTO article VALUES(1,'claimwatch-demo:zelensky-us-troops','demo','https://example.org/claimwatch-demo/zelensky-us-troops','Zelensky confirms talks with Trump administration on US troops in Ukraine','2025-12-30 12:00:00.000000','2026-11-30 04:10:41.365464');
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
INSERT INTO claim VALUES(1,1,'zelensky','confirmation','security-guarantees,foreign-troops,peace-talks','Ukrainian President Volodymyr Zelensky','confirmed','Kiev is in talks with US President Donald Trump''s administration about the possible presence of US troops in Ukraine as part of post-war security guarantees','Ukrainian President Volodymyr Zelensky has confirmed that Kiev is in talks with US President Donald Trump''s administration about the possible presence of US troops in Ukraine as part of post-war security guarantees.','"Ukrainian President Volodymyr Zelensky" → Volodymyr Zelensky',0,214,'2025-12-30 12:00:00.000000',NULL);
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
INSERT INTO claim VALUES(16,1,'zelensky','denial','peace-talks,drone-strikes','Zelensky','responded','"The story about the ''attack on residential houses'' is a complete fabrication aimed at justifying further Russian attacks and sabotaging the peace talks,"','"The story about the ''attack on residential houses'' is a complete fabrication aimed at justifying further Russian attacks and sabotaging the peace talks," Zelensky responded.','"Zelensky" → Volodymyr Zelensky',2400,2573,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(17,1,'france','denial','peace-talks,drone-strikes','a source close to French President Emmanuel Macron','disputed','Moscow''s claims','Moscow''s claims were also disputed by a source close to French President Emmanuel Macron.','"a source close to French President Emmanuel Macron" → French government (speaks for Emmanuel Macron)',2575,2663,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(18,1,'france','denial','drone-strikes','him','According to','there is no evidence to confirm the attack on Putin''s residence','According to him, there is no evidence to confirm the attack on Putin''s residence.','"him" → French government ("a source close to French President Emmanuel Macron", 1 sentence back)',2665,2746,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(19,1,'france','accusation','peace-talks','the French source','said','"Ukraine and its partners want peace. But Russia has decided to escalate the war further,"','"Ukraine and its partners want peace. But Russia has decided to escalate the war further," the French source said.','"the French source" → French government',2748,2861,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(20,1,'tusk','prediction','security-guarantees,peace-talks','Polish Prime Minister Donald Tusk','said','peace in Ukraine could be achieved within weeks if U.S.-backed security guarantees could be negotiated','Polish Prime Minister Donald Tusk said on Tuesday that peace in Ukraine could be achieved within weeks if U.S.-backed security guarantees could be negotiated.','"Polish Prime Minister Donald Tusk" → Donald Tusk',2901,3058,'2025-12-30 12:00:00.000000',NULL);
INSERT INTO claim VALUES(21,1,'tusk','statement','security-guarantees,peace-talks','he','admitted','success was not guaranteed','But he admitted that success was not guaranteed.','"he" → Donald Tusk ("Polish Prime Minister Donald Tusk", 1 sentence back)',3064,3107,'2025-12-30 12:00:00.000000',NULL);
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
INSERT INTO dispute VALUES(1,2,13,'zelensky');
INSERT INTO dispute VALUES(2,15,13,'ukraine');
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
INSERT INTO claim_key VALUES(2,1,'zelensky','foreign-troops','confirmation','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(3,1,'zelensky','peace-talks','confirmation','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(4,2,'zelensky','drone-strikes','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(5,3,'zelensky','peace-talks','offer','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(6,3,'zelensky','leaders-meeting','offer','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(7,4,'zelensky','peace-talks','statement','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(8,5,'zelensky','security-guarantees','demand','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(9,5,'zelensky','foreign-troops','demand','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(10,6,'trump','peace-talks','prediction','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(11,7,'trump','territory','statement','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(12,8,'trump','foreign-troops','statement','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(13,9,'zelensky','peace-talks','offer','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(14,10,'zelensky','leaders-meeting','offer','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(15,11,'russia','drone-strikes','accusation','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(16,12,'russia','drone-strikes','statement','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(17,13,'lavrov','drone-strikes','accusation','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(18,14,'lavrov','drone-strikes','threat','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(19,15,'ukraine','drone-strikes','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(20,16,'zelensky','peace-talks','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(21,16,'zelensky','drone-strikes','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(22,17,'france','peace-talks','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(23,17,'france','drone-strikes','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(24,18,'france','drone-strikes','denial','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(25,19,'france','peace-talks','accusation','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(26,20,'tusk','security-guarantees','prediction','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(27,20,'tusk','peace-talks','prediction','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(28,21,'tusk','security-guarantees','statement','','2025-12-30 12:00:00.000000');
INSERT INTO claim_key VALUES(29,21,'tusk','peace-talks','statement','','2025-12-30 12:00:00.000000');
CREATE TABLE alert (
	id INTEGER NOT NULL, 
	claim_id INTEGER NOT NULL, 
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
INSERT INTO alert VALUES(1,1,'new','watched leaders','high','security-guarantees,foreign-troops,peace-talks','[]','',0,'2026-11-30 04:10:41.674033');
INSERT INTO alert VALUES(2,2,'dispute','watched leaders','high','drone-strikes','[13]','disputes lavrov''s accusation',0,'2026-11-30 04:10:41.691265');
INSERT INTO alert VALUES(3,3,'new','watched leaders','high','peace-talks,leaders-meeting','[]','',0,'2026-11-30 04:10:41.705146');
INSERT INTO alert VALUES(4,4,'new','watched leaders','high','peace-talks','[]','',0,'2026-11-30 04:10:41.707233');
INSERT INTO alert VALUES(5,5,'new','watched leaders','high','security-guarantees,foreign-troops','[]','',0,'2026-11-30 04:10:41.711438');
INSERT INTO alert VALUES(6,6,'new','watched leaders','high','peace-talks','[]','',0,'2026-11-30 04:10:41.713283');
INSERT INTO alert VALUES(7,7,'new','watched leaders','high','territory','[]','',0,'2026-11-30 04:10:41.714465');
INSERT INTO alert VALUES(8,8,'new','watched leaders','high','foreign-troops','[]','',0,'2026-11-30 04:10:41.715515');
INSERT INTO alert VALUES(9,11,'new','watched topics','normal','drone-strikes','[]','',0,'2026-11-30 04:10:41.721123');
INSERT INTO alert VALUES(10,12,'new','watched topics','normal','drone-strikes','[]','',0,'2026-11-30 04:10:41.722619');
INSERT INTO alert VALUES(11,13,'new','watched topics','normal','drone-strikes','[]','',0,'2026-11-30 04:10:41.723559');
INSERT INTO alert VALUES(12,14,'new','watched topics','normal','drone-strikes','[]','',0,'2026-11-30 04:10:41.728895');
INSERT INTO alert VALUES(13,15,'dispute','watched topics','normal','drone-strikes','[13]','disputes lavrov''s accusation',0,'2026-11-30 04:10:41.730342');
INSERT INTO alert VALUES(14,16,'new','watched leaders','high','peace-talks','[]','',0,'2026-11-30 04:10:41.731252');
INSERT INTO alert VALUES(15,17,'dispute','watched topics','normal','peace-talks,drone-strikes','[13]','disputes lavrov''s accusation',0,'2026-11-30 04:10:41.732124');
CREATE TABLE delivery (
	id INTEGER NOT NULL, 
	alert_id INTEGER NOT NULL, 
	channel VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error VARCHAR, 
	next_attempt DATETIME NOT NULL, 
	sent_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (alert_id, channel), 
	FOREIGN KEY(alert_id) REFERENCES alert (id)
);
INSERT INTO delivery VALUES(1,1,'terminal','sent',1,NULL,'2026-11-30 04:10:41.690855','2026-11-30 04:10:41.843102');
INSERT INTO delivery VALUES(2,2,'terminal','sent',1,NULL,'2026-11-30 04:10:41.700327','2026-11-30 04:10:41.872168');
INSERT INTO delivery VALUES(3,3,'terminal','sent',1,NULL,'2026-11-30 04:10:41.706960','2026-11-30 04:10:41.890728');
INSERT INTO delivery VALUES(4,4,'terminal','sent',1,NULL,'2026-11-30 04:10:41.708235','2026-11-30 04:10:41.906866');
INSERT INTO delivery VALUES(5,5,'terminal','sent',1,NULL,'2026-11-30 04:10:41.713039','2026-11-30 04:10:41.922649');
INSERT INTO delivery VALUES(6,6,'terminal','sent',1,NULL,'2026-11-30 04:10:41.714269','2026-11-30 04:10:41.938839');
INSERT INTO delivery VALUES(7,7,'terminal','sent',1,NULL,'2026-11-30 04:10:41.715328','2026-11-30 04:10:41.954349');
INSERT INTO delivery VALUES(8,8,'terminal','sent',1,NULL,'2026-11-30 04:10:41.720696','2026-11-30 04:10:41.964090');
INSERT INTO delivery VALUES(9,9,'terminal','sent',1,NULL,'2026-11-30 04:10:41.722447','2026-11-30 04:10:41.973068');
INSERT INTO delivery VALUES(10,10,'terminal','sent',1,NULL,'2026-11-30 04:10:41.723407','2026-11-30 04:10:41.982599');
INSERT INTO delivery VALUES(11,11,'terminal','sent',1,NULL,'2026-11-30 04:10:41.724354','2026-11-30 04:10:41.991572');
INSERT INTO delivery VALUES(12,12,'terminal','sent',1,NULL,'2026-11-30 04:10:41.730159','2026-11-30 04:10:42.003213');
INSERT INTO delivery VALUES(13,13,'terminal','sent',1,NULL,'2026-11-30 04:10:41.731104','2026-11-30 04:10:42.017154');
INSERT INTO delivery VALUES(14,14,'terminal','sent',1,NULL,'2026-11-30 04:10:41.731944','2026-11-30 04:10:42.034435');
INSERT INTO delivery VALUES(15,15,'terminal','sent',1,NULL,'2026-11-30 04:10:41.737648','2026-11-30 04:10:42.042238');
CREATE INDEX ix_claim_actor ON claim (actor);
CREATE INDEX ix_claim_repeat_of ON claim (repeat_of);
CREATE INDEX ix_claim_article_id ON claim (article_id);
CREATE INDEX ix_outlet_claim_id ON outlet (claim_id);
CREATE INDEX ix_dispute_claim_id ON dispute (claim_id);
CREATE INDEX ix_dispute_disputed_id ON dispute (disputed_id);
CREATE INDEX ix_claim_key_claim_id ON claim_key (claim_id);
CREATE INDEX ix_claim_key_actor_topic ON claim_key (actor, topic, said_at);
CREATE INDEX ix_claim_key_lookup ON claim_key (actor, topic, type, said_at);
CREATE INDEX ix_claim_key_topic_type ON claim_key (topic, type, said_at);
CREATE INDEX ix_alert_claim_id ON alert (claim_id);
CREATE INDEX ix_delivery_due ON delivery (status, next_attempt);
COMMIT;
