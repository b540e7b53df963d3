BEGIN TRANSACTION;
CREATE TABLE assessments (
	item_id VARCHAR(512) NOT NULL, 
	score FLOAT NOT NULL, 
	band VARCHAR(16) NOT NULL, 
	data JSON NOT NULL, 
	scan_id INTEGER NOT NULL, 
	PRIMARY KEY (item_id), 
	FOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE, 
	FOREIGN KEY(scan_id) REFERENCES scans (id)
);
INSERT INTO "assessments" VALUES('discord:90210:1001-1005',0.9493,'critical','{"item_id": "discord:90210:1001-1005", "kind": "chat", "score": 0.9493, "band": "critical", "entities": [{"type": "price", "value": 300.0, "raw": "$300", "start": 26, "end": 30, "obfuscated": false, "message": 2, "attrs": {"currency": "USD", "unit": null}}], "hits": [{"indicator": "chats.threat.expose_images", "category": "sextortion", "weight": 0.5, "grade": "B", "evidence": [{"start": 0, "end": 17, "text": "i saved your pics", "message": 2}], "explanation": "A threat to send someone''s pictures to family, friends or followers is the core of sextortion. Matched: ''i saved your pics''.", "source": "Wolak, J., Finkelhor, D., Walsh, W., & Treitman, L. (2018). Sextortion of minors: Characteristics and dynamics. Journal of Adolescent Health, 62(1), 72-79.", "effect": "risk", "stage": "threat"}, {"indicator": "chats.demand.more_images", "category": "sextortion", "weight": 0.4, "grade": "B", "evidence": [{"start": 31, "end": 40, "text": "or i send", "message": 2}], "explanation": "Demanding more images under pressure is the non-financial form of sextortion. Matched: ''or i send''.", "source": "Wolak, J., Finkelhor, D., Walsh, W., & Treitman, L. (2018). Sextortion of minors: Characteristics and dynamics. Journal of Adolescent Health, 62(1), 72-79.", "effect": "risk", "stage": "demand"}, {"indicator": "chats.demand.payment", "category": "sextortion", "weight": 0.35, "grade": "C", "evidence": [{"start": 19, "end": 30, "text": "pay me $300", "message": 2}], "explanation": "A demand for payment, often by gift card, payment app or crypto, is the mark of financial sextortion. Matched: ''pay me $300''.", "source": "NCMEC & Thorn (2024). Trends in financial sextortion: An investigation of sextortion reports in NCMEC CyberTipline data.", "effect": "risk", "stage": "demand"}, {"indicator": "chats.threat.harm_or_ruin", "category": "sextortion", "weight": 0.35, "grade": "C", "evidence": [{"start": 31, "end": 40, "text": "or i send", "message": 2}], "explanation": "Threats of harm, ruin or exposure used to force compliance. Matched: ''or i send''.", "source": "NCMEC & Thorn (2024). Trends in financial sextortion: An investigation of sextortion reports in NCMEC CyberTipline data.", "effect": "risk", "stage": "threat"}, {"indicator": "chat.sextortion_threat", "category": "conversation", "weight": 0.6, "grade": "B", "evidence": [{"start": 0, "end": 17, "text": "i saved your pics", "message": 2}, {"start": 31, "end": 40, "text": "or i send", "message": 2}], "explanation": "The same participant threatened the other and demanded payment or more images. Sender: ''kai''. Combines: chats.threat.expose_images (message 3), chats.demand.more_images (message 3).", "source": "Wolak, J., Finkelhor, D., Walsh, W., & Treitman, L. (2018). Sextortion of minors: Characteristics and dynamics. Journal of Adolescent Health, 62(1), 72-79.", "effect": "risk"}], "posted_at": "2024-05-01T16:00:00Z", "location": null, "platform": "discord", "author": null, "text": "hey, saw your drawings, really cool\nthanks!\ni saved your pics. pay me $300 or i send them to all your followers\nplease stop\nok whatever", "conversation": {"stages": [{"stage": "threat", "first_message": 2, "count": 1}, {"stage": "demand", "first_message": 2, "count": 1}], "source_participant": "kai", "participants": {"kai": {"messages": 3, "stages": ["threat", "demand"], "risk_mass": 2.9818, "minor_age_disclosed": false}, "sam": {"messages": 2, "stages": [], "risk_mass": 0.0, "minor_age_disclosed": false}}, "early_warning_message": 2, "messages_total": 5, "evidence_messages": [{"message": 2, "author": "kai", "sent_at": "2024-05-01T16:02:00Z", "stages": ["demand", "threat"], "not_counted": [], "indicators": ["chats.demand.more_images", "chats.demand.payment", "chats.threat.expose_images", "chats.threat.harm_or_ruin"], "spans": [[0, 17, "chats.threat.expose_images"], [19, 30, "chats.demand.payment"], [31, 40, "chats.demand.more_images"], [31, 40, "chats.threat.harm_or_ruin"]]}]}}',1);
INSERT INTO "assessments" VALUES('ad-1',0.0,'low','{"item_id": "ad-1", "kind": "ad", "score": 0.0, "band": "low", "entities": [{"type": "phone", "value": "+16175550123", "raw": "617 555 0123", "start": 30, "end": 42, "obfuscated": false}], "hits": [{"indicator": "ads.movement_language", "category": "movement", "weight": 0.0, "grade": "A", "evidence": [{"start": 0, "end": 11, "text": "New in town"}], "explanation": "Shown as context for the reviewer (it helps trace where an advertiser moves), never as a risk: the 2024 case-outcome study found movement language less common in trafficking-linked ads than in others. Matched: ''New in town''.", "source": "Journal of Human Trafficking (2024), study of online sex ads matched against known case outcomes, doi:10.1080/23322705.2024.2349447 (movement language less common in trafficking-linked ads); the airplane emoji as \"new in town\": Whitney, Jennex, Elkins & Frost (2018), HICSS, doi:10.24251/HICSS.2018.537.", "effect": "context"}], "posted_at": null, "location": "Boston, MA", "platform": null, "author": null, "text": "New in town, sweet girl, text 617 555 0123"}',1);
INSERT INTO "assessments" VALUES('ad-2',0.0,'low','{"item_id": "ad-2", "kind": "ad", "score": 0.0, "band": "low", "entities": [{"type": "phone", "value": "+16175550123", "raw": "617-555-0123", "start": 31, "end": 43, "obfuscated": false}], "hits": [], "posted_at": null, "location": "Boston, MA", "platform": null, "author": null, "text": "Relaxing company tonight, call 617-555-0123"}',1);
CREATE TABLE entities (
	item_id VARCHAR(512) NOT NULL, 
	position INTEGER NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	value TEXT NOT NULL, 
	raw TEXT NOT NULL, 
	obfuscated BOOLEAN NOT NULL, 
	message INTEGER, 
	PRIMARY KEY (item_id, position), 
	FOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE
);
INSERT INTO "entities" VALUES('discord:90210:1001-1005',0,'price','300.0','$300',0,2);
INSERT INTO "entities" VALUES('ad-1',0,'phone','+16175550123','617 555 0123',0,NULL);
INSERT INTO "entities" VALUES('ad-2',0,'phone','+16175550123','617-555-0123',0,NULL);
CREATE TABLE hits (
	item_id VARCHAR(512) NOT NULL, 
	indicator VARCHAR(128) NOT NULL, 
	category VARCHAR(64) NOT NULL, 
	weight FLOAT NOT NULL, 
	grade VARCHAR(1) NOT NULL, 
	effect VARCHAR(16) NOT NULL, 
	PRIMARY KEY (item_id, indicator), 
	FOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE
);
INSERT INTO "hits" VALUES('discord:90210:1001-1005','chats.threat.expose_images','sextortion',0.5,'B','risk');
INSERT INTO "hits" VALUES('discord:90210:1001-1005','chats.demand.more_images','sextortion',0.4,'B','risk');
INSERT INTO "hits" VALUES('discord:90210:1001-1005','chats.demand.payment','sextortion',0.35,'C','risk');
INSERT INTO "hits" VALUES('discord:90210:1001-1005','chats.threat.harm_or_ruin','sextortion',0.35,'C','risk');
INSERT INTO "hits" VALUES('discord:90210:1001-1005','chat.sextortion_threat','conversation',0.6,'B','risk');
INSERT INTO "hits" VALUES('ad-1','ads.movement_language','movement',0.0,'A','context');
CREATE TABLE items (
	id VARCHAR(512) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	platform TEXT, 
	url TEXT, 
	posted_at VARCHAR(40), 
	location TEXT, 
	author TEXT, 
	source_file TEXT, 
	source_line INTEGER, 
	content_sha256 VARCHAR(64) NOT NULL, 
	data JSON NOT NULL, 
	first_scan_id INTEGER NOT NULL, 
	last_scan_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(first_scan_id) REFERENCES scans (id), 
	FOREIGN KEY(last_scan_id) REFERENCES scans (id)
);
INSERT INTO "items" VALUES('discord:90210:1001-1005','chat','discord',NULL,'2024-05-01T16:00:00Z',NULL,NULL,'chat.json',1,'d2acae59dc647b43bf016e693c0e897281b7e5996872514c8ff391a46e9c5dd6','{"id": "discord:90210:1001-1005", "kind": "chat", "platform": "discord", "posted_at": "2024-05-01T16:00:00Z", "title": "Art club / general", "messages": [{"id": "1001", "author": "kai", "sent_at": "2024-05-01T16:00:00Z", "text": "hey, saw your drawings, really cool"}, {"id": "1002", "author": "sam", "sent_at": "2024-05-01T16:01:00Z", "text": "thanks!"}, {"id": "1003", "author": "kai", "sent_at": "2024-05-01T16:02:00Z", "text": "i saved your pics. pay me $300 or i send them to all your followers"}, {"id": "1004", "author": "sam", "sent_at": "2024-05-01T16:03:00Z", "text": "please stop"}, {"id": "1005", "author": "kai", "sent_at": "2024-05-01T16:04:00Z", "text": "ok whatever"}], "extra": {"export_file": "chat.json", "guild_id": "1", "authors": {"kai": "7", "sam": "8"}}, "source": {"file": "chat.json", "line": 1}}',1,1);
INSERT INTO "items" VALUES('ad-1','ad',NULL,NULL,NULL,'Boston, MA',NULL,'ads.jsonl',1,'c2f33328188cd2765b074b8c782ee40fef9f8fdc133d7ce9c88024fe341ff19f','{"id": "ad-1", "kind": "ad", "text": "New in town, sweet girl, text 617 555 0123", "location": "Boston, MA", "source": {"file": "ads.jsonl", "line": 1}}',1,1);
INSERT INTO "items" VALUES('ad-2','ad',NULL,NULL,NULL,'Boston, MA',NULL,'ads.jsonl',2,'0da6877bf405ddd86a32e4ed97fc88779184187926b4187b0f602927f55c335e','{"id": "ad-2", "kind": "ad", "text": "Relaxing company tonight, call 617-555-0123", "location": "Boston, MA", "source": {"file": "ads.jsonl", "line": 2}}',1,1);
CREATE TABLE media_bank_entries (
	id INTEGER NOT NULL, 
	bank_id INTEGER NOT NULL, 
	hash_type VARCHAR(16) NOT NULL, 
	value VARCHAR(64) NOT NULL, 
	quality INTEGER, 
	label VARCHAR(500) NOT NULL, 
	source VARCHAR(500) NOT NULL, 
	case_ref VARCHAR(200), 
	added_by VARCHAR(200) NOT NULL, 
	added_at DATETIME NOT NULL, 
	withdrawn_at DATETIME, 
	withdrawn_by VARCHAR(200), 
	withdraw_reason TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(bank_id) REFERENCES media_banks (id) ON DELETE CASCADE
);
CREATE TABLE media_banks (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	description TEXT NOT NULL, 
	source VARCHAR(500) NOT NULL, 
	created_by VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE network_items (
	network_id VARCHAR(64) NOT NULL, 
	item_id VARCHAR(512) NOT NULL, 
	PRIMARY KEY (network_id, item_id), 
	FOREIGN KEY(network_id) REFERENCES networks (id) ON DELETE CASCADE
);
INSERT INTO "network_items" VALUES('net-74440ef4bddc8c86','ad-1');
INSERT INTO "network_items" VALUES('net-74440ef4bddc8c86','ad-2');
CREATE TABLE networks (
	id VARCHAR(64) NOT NULL, 
	size INTEGER NOT NULL, 
	score FLOAT NOT NULL, 
	band VARCHAR(16) NOT NULL, 
	data JSON NOT NULL, 
	scan_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(scan_id) REFERENCES scans (id)
);
INSERT INTO "networks" VALUES('net-74440ef4bddc8c86',2,0.0,'low','{"id": "net-74440ef4bddc8c86", "items": ["ad-1", "ad-2"], "reasons": [{"kind": "shared_phone", "value": "+16175550123", "items": ["ad-1", "ad-2"], "merged": true}], "places": [], "score": 0.0, "band": "low", "hits": [], "templates": [], "identifiers": [{"type": "phone", "value": "+16175550123", "items": ["ad-1", "ad-2"], "hub": false}]}',1);
CREATE TABLE rejects (
	id INTEGER NOT NULL, 
	scan_id INTEGER NOT NULL, 
	source TEXT NOT NULL, 
	line INTEGER NOT NULL, 
	record_id TEXT, 
	reason TEXT NOT NULL, 
	raw TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(scan_id) REFERENCES scans (id)
);
INSERT INTO "rejects" VALUES(1,1,'ads.jsonl',3,NULL,'invalid JSON: unexpected character, expected a string key at column 2','{not json');
INSERT INTO "rejects" VALUES(2,1,'ads.jsonl',4,'x1','field ''text'' must be a string, got int','{"id": "x1", "text": 5}');
CREATE TABLE scan_runs (
	scan_id INTEGER NOT NULL, 
	host VARCHAR(255) NOT NULL, 
	pid INTEGER NOT NULL, 
	seen_at DATETIME NOT NULL, 
	PRIMARY KEY (scan_id), 
	FOREIGN KEY(scan_id) REFERENCES scans (id)
);
INSERT INTO "scan_runs" VALUES(1,'vm',14319,'2026-12-01 21:35:31.159986');
CREATE TABLE scans (
	id INTEGER NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	inputs JSON NOT NULL, 
	read INTEGER NOT NULL, 
	assessed INTEGER NOT NULL, 
	rejected INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "scans" VALUES(1,'2026-12-01 21:35:30.114095','2026-12-01 21:35:31.171614','["/tmp/tmpicu3g9fy/chat.json", "/tmp/tmpicu3g9fy/ads.jsonl"]',5,3,2,'finished');
CREATE INDEX ix_media_bank_entries_lookup ON media_bank_entries (bank_id, hash_type, value);
CREATE INDEX ix_items_kind ON items (kind);
CREATE INDEX ix_items_posted_at ON items (posted_at);
CREATE INDEX ix_networks_score ON networks (score);
CREATE INDEX ix_rejects_scan_id ON rejects (scan_id);
CREATE INDEX ix_assessments_score ON assessments (score);
CREATE INDEX ix_assessments_band ON assessments (band);
CREATE INDEX ix_entities_type_value ON entities (type, value);
CREATE INDEX ix_hits_indicator ON hits (indicator);
CREATE INDEX ix_network_items_item ON network_items (item_id);
COMMIT;
