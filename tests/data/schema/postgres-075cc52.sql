-- A claimwatch database on PostgreSQL, made by commit 075cc52's own code with SQLModel 0.0.22 (which the
-- pyproject allowed; it stored times as timestamp without time zone): `claimwatch run --once` on its
-- seeds/claimwatch.yaml (the demo feed), then pg_dump --inserts --no-owner --no-privileges
-- (its \restrict lines removed). tests/test_migrate.py upgrades it in place.
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alert; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alert (
    id integer NOT NULL,
    claim_id integer,
    message character varying NOT NULL,
    kind character varying NOT NULL,
    rule character varying NOT NULL,
    severity character varying NOT NULL,
    topics character varying NOT NULL,
    previous character varying NOT NULL,
    detail character varying NOT NULL,
    digest boolean NOT NULL,
    created_at timestamp without time zone NOT NULL
);


--
-- Name: alert_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.alert_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: alert_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.alert_id_seq OWNED BY public.alert.id;


--
-- Name: article; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.article (
    id integer NOT NULL,
    key character varying NOT NULL,
    feed character varying NOT NULL,
    link character varying NOT NULL,
    title character varying NOT NULL,
    published timestamp without time zone,
    fetched_at timestamp without time zone NOT NULL,
    content_hash character varying NOT NULL
);


--
-- Name: article_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.article_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: article_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.article_id_seq OWNED BY public.article.id;


--
-- Name: channel_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.channel_state (
    name character varying NOT NULL,
    delivered integer NOT NULL,
    failed integer NOT NULL,
    consecutive_failures integer NOT NULL,
    last_error character varying,
    last_error_at timestamp without time zone,
    last_success_at timestamp without time zone,
    last_digest_at timestamp without time zone,
    next_digest_attempt timestamp without time zone
);


--
-- Name: claim; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.claim (
    id integer NOT NULL,
    article_id integer NOT NULL,
    actor character varying,
    type character varying NOT NULL,
    topics character varying NOT NULL,
    speaker character varying NOT NULL,
    cue character varying NOT NULL,
    content character varying NOT NULL,
    sentence character varying NOT NULL,
    resolution character varying NOT NULL,
    start integer NOT NULL,
    "end" integer NOT NULL,
    said_at timestamp without time zone NOT NULL,
    repeat_of integer
);


--
-- Name: claim_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.claim_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: claim_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.claim_id_seq OWNED BY public.claim.id;


--
-- Name: claim_key; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.claim_key (
    id integer NOT NULL,
    claim_id integer NOT NULL,
    actor character varying NOT NULL,
    topic character varying NOT NULL,
    type character varying NOT NULL,
    stance character varying NOT NULL,
    said_at timestamp without time zone NOT NULL
);


--
-- Name: claim_key_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.claim_key_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: claim_key_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.claim_key_id_seq OWNED BY public.claim_key.id;


--
-- Name: daemon_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.daemon_state (
    id integer NOT NULL,
    running boolean NOT NULL,
    pid integer NOT NULL,
    started_at timestamp without time zone,
    stopped_at timestamp without time zone
);


--
-- Name: delivery; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.delivery (
    id integer NOT NULL,
    alert_id integer NOT NULL,
    channel character varying NOT NULL,
    status character varying NOT NULL,
    attempts integer NOT NULL,
    last_error character varying,
    next_attempt timestamp without time zone NOT NULL,
    sent_at timestamp without time zone,
    deferred character varying NOT NULL,
    queued_at timestamp without time zone
);


--
-- Name: delivery_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.delivery_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: delivery_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.delivery_id_seq OWNED BY public.delivery.id;


--
-- Name: dispute; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dispute (
    id integer NOT NULL,
    claim_id integer NOT NULL,
    disputed_id integer NOT NULL,
    actor character varying NOT NULL
);


--
-- Name: dispute_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.dispute_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: dispute_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.dispute_id_seq OWNED BY public.dispute.id;


--
-- Name: feed; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feed (
    id integer NOT NULL,
    url character varying NOT NULL,
    name character varying NOT NULL,
    etag character varying,
    last_modified character varying,
    last_poll timestamp without time zone,
    last_success timestamp without time zone,
    last_error character varying,
    failures integer NOT NULL,
    items integer NOT NULL,
    fetch_url character varying,
    next_poll timestamp without time zone,
    ttl integer
);


--
-- Name: feed_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.feed_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: feed_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.feed_id_seq OWNED BY public.feed.id;


--
-- Name: outlet; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outlet (
    id integer NOT NULL,
    claim_id integer NOT NULL,
    outlet character varying NOT NULL,
    link character varying NOT NULL,
    said_at timestamp without time zone NOT NULL
);


--
-- Name: outlet_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outlet_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: outlet_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.outlet_id_seq OWNED BY public.outlet.id;


--
-- Name: alert id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert ALTER COLUMN id SET DEFAULT nextval('public.alert_id_seq'::regclass);


--
-- Name: article id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.article ALTER COLUMN id SET DEFAULT nextval('public.article_id_seq'::regclass);


--
-- Name: claim id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claim ALTER COLUMN id SET DEFAULT nextval('public.claim_id_seq'::regclass);


--
-- Name: claim_key id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claim_key ALTER COLUMN id SET DEFAULT nextval('public.claim_key_id_seq'::regclass);


--
-- Name: delivery id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivery ALTER COLUMN id SET DEFAULT nextval('public.delivery_id_seq'::regclass);


--
-- Name: dispute id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispute ALTER COLUMN id SET DEFAULT nextval('public.dispute_id_seq'::regclass);


--
-- Name: feed id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feed ALTER COLUMN id SET DEFAULT nextval('public.feed_id_seq'::regclass);


--
-- Name: outlet id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outlet ALTER COLUMN id SET DEFAULT nextval('public.outlet_id_seq'::regclass);


--
-- Data for Name: alert; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alert VALUES (1, 1, '', 'new', 'watched leaders', 'high', 'security-guarantees,foreign-troops', '[]', '', false, '2026-11-30 04:11:39.73636');
INSERT INTO public.alert VALUES (2, 2, '', 'dispute', 'watched leaders', 'high', 'drone-strikes', '[11]', 'disputes an earlier accusation', false, '2026-11-30 04:11:39.749307');
INSERT INTO public.alert VALUES (3, 3, '', 'new', 'watched leaders', 'high', 'peace-talks,leaders-meeting', '[]', '', false, '2026-11-30 04:11:39.757387');
INSERT INTO public.alert VALUES (4, 4, '', 'new', 'watched leaders', 'high', 'peace-talks', '[]', '', false, '2026-11-30 04:11:39.76092');
INSERT INTO public.alert VALUES (5, 5, '', 'new', 'watched leaders', 'high', 'security-guarantees,foreign-troops', '[]', '', false, '2026-11-30 04:11:39.764103');
INSERT INTO public.alert VALUES (6, 6, '', 'new', 'watched leaders', 'high', 'peace-talks', '[]', '', false, '2026-11-30 04:11:39.767301');
INSERT INTO public.alert VALUES (7, 7, '', 'new', 'watched leaders', 'high', 'territory', '[]', '', false, '2026-11-30 04:11:39.770191');
INSERT INTO public.alert VALUES (8, 8, '', 'new', 'watched leaders', 'high', 'foreign-troops', '[]', '', false, '2026-11-30 04:11:39.773167');
INSERT INTO public.alert VALUES (9, 11, '', 'new', 'watched topics', 'normal', 'drone-strikes', '[]', '', false, '2026-11-30 04:11:39.775938');
INSERT INTO public.alert VALUES (10, 12, '', 'new', 'watched topics', 'normal', 'drone-strikes', '[]', '', false, '2026-11-30 04:11:39.783138');
INSERT INTO public.alert VALUES (11, 13, '', 'new', 'watched topics', 'normal', 'drone-strikes', '[]', '', false, '2026-11-30 04:11:39.790182');
INSERT INTO public.alert VALUES (12, 14, '', 'new', 'watched topics', 'normal', 'drone-strikes', '[]', '', false, '2026-11-30 04:11:39.79936');
INSERT INTO public.alert VALUES (13, 15, '', 'dispute', 'watched topics', 'normal', 'drone-strikes', '[11]', 'disputes an earlier accusation', false, '2026-11-30 04:11:39.802076');
INSERT INTO public.alert VALUES (14, 16, '', 'new', 'watched leaders', 'high', 'peace-talks', '[]', '', false, '2026-11-30 04:11:39.80673');
INSERT INTO public.alert VALUES (15, 17, '', 'dispute', 'watched topics', 'normal', 'drone-strikes', '[13]', 'disputes an earlier accusation', false, '2026-11-30 04:11:39.815036');


--
-- Data for Name: article; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.article VALUES (1, 'claimwatch-demo:zelensky-us-troops', 'demo', 'https://example.org/claimwatch-demo/zelensky-us-troops', 'Zelensky confirms talks with Trump administration on US troops in Ukraine', '2025-12-30 12:00:00', '2026-11-30 04:11:39.030358', '8a7f5bf6db928221256485633f9d0a3b61a74e3baa85ad88d7024a444e6d9779');


--
-- Data for Name: channel_state; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.channel_state VALUES ('terminal', 15, 0, 0, NULL, NULL, '2026-11-30 04:11:40.236678', '2026-11-30 04:11:39.852941', NULL);


--
-- Data for Name: claim; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.claim VALUES (1, 1, 'zelensky', 'confirmation', 'security-guarantees,foreign-troops', 'Ukrainian President Volodymyr Zelensky', 'confirmed', 'Kiev is in talks with US President Donald Trump''s administration about the possible presence of US troops in Ukraine as part of post-war security guarantees', 'Ukrainian President Volodymyr Zelensky has confirmed that Kiev is in talks with US President Donald Trump''s administration about the possible presence of US troops in Ukraine as part of post-war security guarantees.', '"Ukrainian President Volodymyr Zelensky" → Volodymyr Zelensky', 0, 214, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (2, 1, 'zelensky', 'denial', 'drone-strikes', 'he', 'described', 'as a "complete fabrication" Moscow''s claims of a drone strike on one of Russian President Vladimir Putin''s residences', 'At the same time, he described as a "complete fabrication" Moscow''s claims of a drone strike on one of Russian President Vladimir Putin''s residences.', '"he" → Volodymyr Zelensky ("Ukrainian President Volodymyr Zelensky", 1 sentence back)', 234, 364, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (3, 1, 'zelensky', 'offer', 'peace-talks,leaders-meeting', 'him', 'According to', 'Ukraine is ready to continue intensive negotiations to end the war that Russia unleashed with a large-scale attack in February 2022, and is also open to a personal meeting with Putin', 'According to him, Ukraine is ready to continue intensive negotiations to end the war that Russia unleashed with a large-scale attack in February 2022, and is also open to a personal meeting with Putin.', '"him" → Volodymyr Zelensky ("Zelensky", 1 sentence back)', 453, 653, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (4, 1, 'zelensky', 'statement', 'peace-talks', 'Zelensky', 'stressed', 'without a clear and strong role of the United States, the peace deal would not have the necessary weight', 'Zelensky stressed that without a clear and strong role of the United States, the peace deal would not have the necessary weight.', '"Zelensky" → Volodymyr Zelensky', 770, 897, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (5, 1, 'zelensky', 'demand', 'security-guarantees,foreign-troops', 'Zelensky', 'said', '"Of course, we are discussing this with President Trump and with representatives of the Western coalition. We want the presence of American troops. It would be a very strong position of security guarantees,"', '"Of course, we are discussing this with President Trump and with representatives of the Western coalition. We want the presence of American troops. It would be a very strong position of security guarantees," Zelensky said.', '"Zelensky" → Volodymyr Zelensky', 899, 1120, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (6, 1, 'trump', 'prediction', 'peace-talks', 'U.S. President Donald Trump', 'said', 'the United States and Ukraine were "maybe very close" to an agreement to end the war', 'U.S. President Donald Trump said on Sunday that the United States and Ukraine were "maybe very close" to an agreement to end the war.', '"U.S. President Donald Trump" → Donald Trump', 1122, 1254, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (7, 1, 'trump', 'statement', 'territory', 'he', 'acknowledged', 'sensitive territorial issues remain', 'But he also acknowledged that sensitive territorial issues remain.', '"he" → Donald Trump ("U.S. President Donald Trump", 1 sentence back)', 1260, 1321, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (8, 1, 'trump', 'statement', 'foreign-troops', 'He', 'suggesting', 'European countries, with Washington''s support, should take the lead role', 'He was more cautious about the possibility of sending US troops, suggesting that European countries, with Washington''s support, should take the lead role.', '"He" → Donald Trump ("he", 1 sentence back)', 1323, 1476, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (9, 1, 'zelensky', 'offer', 'peace-talks', 'The Ukrainian president', 'declared', 'his willingness to personally negotiate with the Russian leader', 'The Ukrainian president once again declared his willingness to personally negotiate with the Russian leader, although there is deep distrust between the two countries.', '"The Ukrainian president" → Volodymyr Zelensky', 1596, 1703, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (10, 1, 'zelensky', 'offer', 'leaders-meeting', 'he', 'declared', '"I have told President Trump and European leaders that I am ready for any format of meeting with Putin. I am not afraid of any format. The main thing is that the Russians should not be afraid,"', '"I have told President Trump and European leaders that I am ready for any format of meeting with Putin. I am not afraid of any format. The main thing is that the Russians should not be afraid," he declared.', '"he" → Volodymyr Zelensky ("The Ukrainian president", 3 sentences back)', 1764, 1969, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (11, 1, 'russia', 'accusation', 'drone-strikes', 'Russia', 'claim', 'Ukraine had attacked the presidential residence in the Novgorod region with 91 long-range drones', 'Tensions over the talks were heightened by Russia''s claim on Monday that Ukraine had attacked the presidential residence in the Novgorod region with 91 long-range drones.', '"Russia" → Russian government', 2070, 2196, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (12, 1, 'russia', 'statement', 'drone-strikes', 'Moscow', 'said', 'all the drones were shot down', 'Moscow said all the drones were shot down.', '"Moscow" → Russian government', 2198, 2239, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (13, 1, 'lavrov', 'accusation', 'drone-strikes', 'Russian Foreign Minister Sergei Lavrov', 'described', 'the incident as "state terrorism"', 'Russian Foreign Minister Sergei Lavrov described the incident as "state terrorism" and threatened retaliatory attacks.', '"Russian Foreign Minister Sergei Lavrov" → Sergei Lavrov', 2241, 2323, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (14, 1, 'lavrov', 'threat', 'drone-strikes', 'Russian Foreign Minister Sergei Lavrov', 'threatened', 'retaliatory attacks', 'Russian Foreign Minister Sergei Lavrov described the incident as "state terrorism" and threatened retaliatory attacks.', '"Russian Foreign Minister Sergei Lavrov" → Sergei Lavrov', 2241, 2358, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (15, 1, 'ukraine', 'denial', 'drone-strikes', 'Kiev', 'denied', 'the accusations', 'Kiev has flatly denied the accusations.', '"Kiev" → Ukrainian government', 2360, 2398, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (16, 1, 'zelensky', 'denial', 'peace-talks', 'Zelensky', 'responded', '"The story about the ''attack on residential houses'' is a complete fabrication aimed at justifying further Russian attacks and sabotaging the peace talks,"', '"The story about the ''attack on residential houses'' is a complete fabrication aimed at justifying further Russian attacks and sabotaging the peace talks," Zelensky responded.', '"Zelensky" → Volodymyr Zelensky', 2400, 2573, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (17, 1, 'france', 'denial', 'drone-strikes', 'him', 'According to', 'there is no evidence to confirm the attack on Putin''s residence', 'According to him, there is no evidence to confirm the attack on Putin''s residence.', '"him" → French government ("a source close to French President Emmanuel Macron", 1 sentence back)', 2665, 2746, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (18, 1, 'france', 'accusation', 'peace-talks', 'the French source', 'said', '"Ukraine and its partners want peace. But Russia has decided to escalate the war further,"', '"Ukraine and its partners want peace. But Russia has decided to escalate the war further," the French source said.', '"the French source" → French government', 2748, 2861, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (19, 1, 'tusk', 'prediction', 'security-guarantees,peace-talks', 'Polish Prime Minister Donald Tusk', 'said', 'peace in Ukraine could be achieved within weeks if U.S.-backed security guarantees could be negotiated', 'Polish Prime Minister Donald Tusk said on Tuesday that peace in Ukraine could be achieved within weeks if U.S.-backed security guarantees could be negotiated.', '"Polish Prime Minister Donald Tusk" → Donald Tusk', 2901, 3058, '2025-12-30 12:00:00', NULL);
INSERT INTO public.claim VALUES (20, 1, 'tusk', 'statement', 'security-guarantees,peace-talks', 'he', 'admitted', 'success was not guaranteed', 'But he admitted that success was not guaranteed.', '"he" → Donald Tusk ("Polish Prime Minister Donald Tusk", 1 sentence back)', 3064, 3107, '2025-12-30 12:00:00', NULL);


--
-- Data for Name: claim_key; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.claim_key VALUES (1, 1, 'zelensky', 'security-guarantees', 'confirmation', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (2, 1, 'zelensky', 'foreign-troops', 'confirmation', 'supportive', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (3, 2, 'zelensky', 'drone-strikes', 'denial', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (4, 3, 'zelensky', 'peace-talks', 'offer', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (5, 3, 'zelensky', 'leaders-meeting', 'offer', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (6, 4, 'zelensky', 'peace-talks', 'statement', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (7, 5, 'zelensky', 'security-guarantees', 'demand', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (8, 5, 'zelensky', 'foreign-troops', 'demand', 'supportive', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (9, 6, 'trump', 'peace-talks', 'prediction', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (10, 7, 'trump', 'territory', 'statement', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (11, 8, 'trump', 'foreign-troops', 'statement', 'opposed', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (12, 9, 'zelensky', 'peace-talks', 'offer', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (13, 10, 'zelensky', 'leaders-meeting', 'offer', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (14, 11, 'russia', 'drone-strikes', 'accusation', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (15, 12, 'russia', 'drone-strikes', 'statement', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (16, 13, 'lavrov', 'drone-strikes', 'accusation', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (17, 14, 'lavrov', 'drone-strikes', 'threat', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (18, 15, 'ukraine', 'drone-strikes', 'denial', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (19, 16, 'zelensky', 'peace-talks', 'denial', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (20, 17, 'france', 'drone-strikes', 'denial', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (21, 18, 'france', 'peace-talks', 'accusation', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (22, 19, 'tusk', 'security-guarantees', 'prediction', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (23, 19, 'tusk', 'peace-talks', 'prediction', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (24, 20, 'tusk', 'security-guarantees', 'statement', '', '2025-12-30 12:00:00');
INSERT INTO public.claim_key VALUES (25, 20, 'tusk', 'peace-talks', 'statement', '', '2025-12-30 12:00:00');


--
-- Data for Name: daemon_state; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: delivery; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.delivery VALUES (1, 1, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.748809', '2026-11-30 04:11:39.912783', '', '2026-11-30 04:11:39.748855');
INSERT INTO public.delivery VALUES (2, 2, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.757021', '2026-11-30 04:11:39.961604', '', '2026-11-30 04:11:39.757061');
INSERT INTO public.delivery VALUES (3, 3, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.760606', '2026-11-30 04:11:39.97502', '', '2026-11-30 04:11:39.760647');
INSERT INTO public.delivery VALUES (4, 4, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.763767', '2026-11-30 04:11:39.997763', '', '2026-11-30 04:11:39.763808');
INSERT INTO public.delivery VALUES (5, 5, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.766944', '2026-11-30 04:11:40.020283', '', '2026-11-30 04:11:39.766984');
INSERT INTO public.delivery VALUES (6, 6, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.769886', '2026-11-30 04:11:40.041186', '', '2026-11-30 04:11:39.769924');
INSERT INTO public.delivery VALUES (7, 7, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.772853', '2026-11-30 04:11:40.061412', '', '2026-11-30 04:11:39.772892');
INSERT INTO public.delivery VALUES (8, 8, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.77563', '2026-11-30 04:11:40.081408', '', '2026-11-30 04:11:39.775671');
INSERT INTO public.delivery VALUES (9, 9, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.782793', '2026-11-30 04:11:40.106748', '', '2026-11-30 04:11:39.782833');
INSERT INTO public.delivery VALUES (10, 10, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.789879', '2026-11-30 04:11:40.129774', '', '2026-11-30 04:11:39.789914');
INSERT INTO public.delivery VALUES (11, 11, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.798997', '2026-11-30 04:11:40.147663', '', '2026-11-30 04:11:39.799039');
INSERT INTO public.delivery VALUES (12, 12, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.801761', '2026-11-30 04:11:40.172646', '', '2026-11-30 04:11:39.801799');
INSERT INTO public.delivery VALUES (13, 13, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.806394', '2026-11-30 04:11:40.187555', '', '2026-11-30 04:11:39.806437');
INSERT INTO public.delivery VALUES (14, 14, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.81471', '2026-11-30 04:11:40.207928', '', '2026-11-30 04:11:39.814748');
INSERT INTO public.delivery VALUES (15, 15, 'terminal', 'sent', 1, NULL, '2026-11-30 04:11:39.817451', '2026-11-30 04:11:40.236678', '', '2026-11-30 04:11:39.817489');


--
-- Data for Name: dispute; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.dispute VALUES (1, 2, 11, 'zelensky');
INSERT INTO public.dispute VALUES (2, 15, 11, 'ukraine');
INSERT INTO public.dispute VALUES (3, 17, 13, 'france');


--
-- Data for Name: feed; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.feed VALUES (1, 'file:///tmp/old-075cc52/seeds/demo-feed.xml', 'demo', NULL, NULL, '2026-11-30 04:11:39.837806', '2026-11-30 04:11:39.837806', NULL, 0, 1, NULL, '2026-11-30 04:27:29.673899', NULL);


--
-- Data for Name: outlet; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Name: alert_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.alert_id_seq', 15, true);


--
-- Name: article_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.article_id_seq', 1, true);


--
-- Name: claim_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.claim_id_seq', 20, true);


--
-- Name: claim_key_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.claim_key_id_seq', 25, true);


--
-- Name: delivery_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.delivery_id_seq', 15, true);


--
-- Name: dispute_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.dispute_id_seq', 3, true);


--
-- Name: feed_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.feed_id_seq', 1, true);


--
-- Name: outlet_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.outlet_id_seq', 1, false);


--
-- Name: alert alert_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert
    ADD CONSTRAINT alert_pkey PRIMARY KEY (id);


--
-- Name: article article_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.article
    ADD CONSTRAINT article_key_key UNIQUE (key);


--
-- Name: article article_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.article
    ADD CONSTRAINT article_pkey PRIMARY KEY (id);


--
-- Name: channel_state channel_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.channel_state
    ADD CONSTRAINT channel_state_pkey PRIMARY KEY (name);


--
-- Name: claim_key claim_key_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claim_key
    ADD CONSTRAINT claim_key_pkey PRIMARY KEY (id);


--
-- Name: claim claim_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claim
    ADD CONSTRAINT claim_pkey PRIMARY KEY (id);


--
-- Name: daemon_state daemon_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.daemon_state
    ADD CONSTRAINT daemon_state_pkey PRIMARY KEY (id);


--
-- Name: delivery delivery_alert_id_channel_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivery
    ADD CONSTRAINT delivery_alert_id_channel_key UNIQUE (alert_id, channel);


--
-- Name: delivery delivery_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivery
    ADD CONSTRAINT delivery_pkey PRIMARY KEY (id);


--
-- Name: dispute dispute_claim_id_disputed_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispute
    ADD CONSTRAINT dispute_claim_id_disputed_id_key UNIQUE (claim_id, disputed_id);


--
-- Name: dispute dispute_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispute
    ADD CONSTRAINT dispute_pkey PRIMARY KEY (id);


--
-- Name: feed feed_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feed
    ADD CONSTRAINT feed_pkey PRIMARY KEY (id);


--
-- Name: feed feed_url_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feed
    ADD CONSTRAINT feed_url_key UNIQUE (url);


--
-- Name: outlet outlet_claim_id_outlet_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outlet
    ADD CONSTRAINT outlet_claim_id_outlet_key UNIQUE (claim_id, outlet);


--
-- Name: outlet outlet_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outlet
    ADD CONSTRAINT outlet_pkey PRIMARY KEY (id);


--
-- Name: ix_alert_claim_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_alert_claim_id ON public.alert USING btree (claim_id);


--
-- Name: ix_claim_actor; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_claim_actor ON public.claim USING btree (actor);


--
-- Name: ix_claim_article_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_claim_article_id ON public.claim USING btree (article_id);


--
-- Name: ix_claim_key_actor_topic; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_claim_key_actor_topic ON public.claim_key USING btree (actor, topic, said_at);


--
-- Name: ix_claim_key_claim_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_claim_key_claim_id ON public.claim_key USING btree (claim_id);


--
-- Name: ix_claim_key_lookup; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_claim_key_lookup ON public.claim_key USING btree (actor, topic, type, said_at);


--
-- Name: ix_claim_key_topic_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_claim_key_topic_type ON public.claim_key USING btree (topic, type, said_at);


--
-- Name: ix_claim_repeat_of; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_claim_repeat_of ON public.claim USING btree (repeat_of);


--
-- Name: ix_delivery_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_delivery_due ON public.delivery USING btree (status, next_attempt);


--
-- Name: ix_dispute_claim_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_dispute_claim_id ON public.dispute USING btree (claim_id);


--
-- Name: ix_dispute_disputed_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_dispute_disputed_id ON public.dispute USING btree (disputed_id);


--
-- Name: ix_outlet_claim_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_outlet_claim_id ON public.outlet USING btree (claim_id);


--
-- Name: alert alert_claim_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert
    ADD CONSTRAINT alert_claim_id_fkey FOREIGN KEY (claim_id) REFERENCES public.claim(id);


--
-- Name: claim claim_article_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claim
    ADD CONSTRAINT claim_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.article(id);


--
-- Name: claim_key claim_key_claim_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claim_key
    ADD CONSTRAINT claim_key_claim_id_fkey FOREIGN KEY (claim_id) REFERENCES public.claim(id);


--
-- Name: delivery delivery_alert_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivery
    ADD CONSTRAINT delivery_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES public.alert(id);


--
-- Name: dispute dispute_claim_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispute
    ADD CONSTRAINT dispute_claim_id_fkey FOREIGN KEY (claim_id) REFERENCES public.claim(id);


--
-- Name: dispute dispute_disputed_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispute
    ADD CONSTRAINT dispute_disputed_id_fkey FOREIGN KEY (disputed_id) REFERENCES public.claim(id);


--
-- Name: outlet outlet_claim_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outlet
    ADD CONSTRAINT outlet_claim_id_fkey FOREIGN KEY (claim_id) REFERENCES public.claim(id);


--
-- PostgreSQL database dump complete
--


