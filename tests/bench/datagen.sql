-- Benchmark data for Custodian (issue 14): bulletins, actors, incidents
-- with English and Arabic text, revisions, relations, references, events,
-- 30 % restricted to access groups, workflow spread over generated
-- accounts. Driven by tests/bench/datagen; run as the database owner.
-- In one connection (the whole load in one transaction):
--   psql -v records=N [-v role=custodian_owner] -f tests/bench/datagen.sql
-- tests/bench/datagen runs it in two connections instead (see `part`).
--
-- Deterministic: record number i of a kind always gets the same content
-- (every choice is a hash of i), and everything a record owns (revisions,
-- links from it, references, events) is made with it. Generated rows are
-- the ones created by `datagen-*` accounts; a run counts how many of each
-- kind exist and makes only numbers k+1..N, so running twice changes
-- nothing and growing from N to M adds only the difference. Links from
-- record i point only at records with smaller numbers that exist whenever
-- i does, so a grown database equals one made at M at once. Record ids:
-- the setup reserves a block of each record table's identity sequence
-- (under a lock, so nothing takes a number in between) and record k+j
-- gets the j-th id of it, so ids follow numbers and are known before the
-- rows exist; the link tables number their rows in an order that growing
-- in steps keeps (see below), so their ids are the same too.
--
-- Parts (psql variable `part`; default `all`):
--   setup      accounts, reference data, what exists, the id blocks;
--              committed. Holds the advisory lock for the session, and
--              prints DATAGEN-PARAMS (the variables the workers need).
--   bulletins  new bulletins and their revisions, in one transaction left
--              open (prints DATAGEN-READY; the caller commits).
--   rest       actors, incidents, their revisions, and the relations,
--              references and events of all three kinds, likewise. It
--              touches neither bulletin table, so the two transactions
--              never wait for each other: what costs is computing the
--              stored search column and checking the foreign keys of
--              every row, one core each.
--   report     rows per table, run after both committed.
--   all        setup, both loads in one transaction, commit, report.
-- tests/bench/datagen commits `bulletins` and then `rest` right after
-- each other once both are ready; if either fails, neither commits. A run
-- stopped between those two commits leaves the kinds out of step (N
-- bulletins but not N/4 actors and N/20 incidents); the next run notices
-- and refuses, and that database must be loaded again from scratch.
--
-- Nothing is written to the activity log: it is hash-chained evidence of
-- what people did, and these rows were done by nobody.
\set ON_ERROR_STOP on
\if :{?role}
\else
\set role ''
\endif
\if :{?part}
\else
\set part all
\endif
SELECT :'part' IN ('setup', 'all') AS dg_do_setup,
       :'part' IN ('bulletins', 'rest', 'all') AS dg_do_work,
       :'part' IN ('bulletins', 'all') AS dg_do_bulletins,
       :'part' IN ('rest', 'all') AS dg_do_rest,
       :'part' IN ('report', 'all') AS dg_do_report,
       :'part' = 'all' AS dg_do_commit,
       to_regclass('pg_temp.dg_vocab') IS NULL AS dg_new_session \gset

-- Once per session: role, settings, helpers and the vocabulary.
\if :dg_new_session
SELECT format('SET ROLE %I', :'role') WHERE :'role' <> '' \gexec
SET synchronous_commit = off;
-- JIT compiles these wide expressions for about a second per statement.
SET jit = off;
-- Before any temporary table is touched: the work tables are large.
SET temp_buffers = '1GB';
SET work_mem = '256MB';
-- For the index builds after a large load.
SET maintenance_work_mem = '1GB';

-- Hash of (i, salt) as a non-negative bigint; pickers over arrays, the
-- second skewed towards the front (common words first, rare at the end).
CREATE FUNCTION pg_temp.h(i bigint, s bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN hashint8extended(i, s) & 9223372036854775807;
CREATE FUNCTION pg_temp.p(a text[], h bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN a[1 + (h % cardinality(a))::int];
CREATE FUNCTION pg_temp.z(a text[], h bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN a[1 + floor(cardinality(a) * power((h % 1000003)::float8 / 1000003, 2.5))::int];
CREATE FUNCTION pg_temp.zi(a bigint[], h bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN a[1 + floor(cardinality(a) * power((h % 1000003)::float8 / 1000003, 2.5))::int];

-- A view, so that the arrays are constants of the statements that use
-- them: stored in a table they were compressed out of line (TOAST) and
-- decompressed again for every use in every row.
CREATE TEMP VIEW dg_vocab AS SELECT
    ARRAY['Shelling', 'Airstrike', 'Arrest', 'Raid', 'Explosion', 'Detention', 'Sniper fire', 'Checkpoint arrest',
          'Displacement', 'House demolition', 'Abduction', 'Looting', 'Forced disappearance', 'Torture allegation',
          'Mass grave discovery', 'Chemical attack allegation'] AS ev,
    ARRAY['checkpoint', 'market', 'school', 'hospital', 'mosque', 'bakery', 'main road', 'bus station', 'water station',
          'camp', 'bridge', 'police station', 'university', 'power plant', 'orphanage', 'granary'] AS obj,
    ARRAY['near', 'at', 'outside', 'behind', 'in front of'] AS prep,
    ARRAY['Report:', 'Video:', 'Witness account:', 'Photo set:', 'Testimony:', 'News item:', 'Statement:'] AS lead,
    ARRAY['Aleppo', 'Idlib', 'Homs', 'Hama', 'Daraa', 'Raqqa', 'Deir ez-Zor', 'Douma', 'Latakia', 'Qamishli',
          'Mosul', 'Fallujah', 'Taiz', 'Hodeidah', 'Sanaa', 'Aden', 'Benghazi', 'Misrata', 'Sirte', 'Gaza',
          'Khan Younis', 'Tripoli', 'Kobani', 'Manbij'] AS city,
    ARRAY['حلب', 'إدلب', 'حمص', 'حماة', 'درعا', 'الرقة', 'دير الزور', 'دوما', 'اللاذقية', 'القامشلي',
          'الموصل', 'الفلوجة', 'تعز', 'الحديدة', 'صنعاء', 'عدن', 'بنغازي', 'مصراتة', 'سرت', 'غزة',
          'خان يونس', 'طرابلس', 'كوباني', 'منبج'] AS city_ar,
    ARRAY[36.20, 35.93, 34.73, 35.13, 32.62, 35.95, 35.33, 33.57, 35.52, 37.05, 36.34, 33.35, 13.58, 14.80,
          15.37, 12.79, 32.12, 32.38, 31.20, 31.50, 31.34, 32.89, 36.89, 36.53]::float8[] AS lat,
    ARRAY[37.16, 36.63, 36.72, 36.75, 36.10, 39.01, 40.14, 36.40, 35.79, 41.23, 43.13, 43.78, 44.02, 42.95,
          44.19, 45.03, 20.09, 15.09, 16.59, 34.47, 34.31, 13.19, 38.36, 37.95]::float8[] AS lon,
    ARRAY['SY', 'SY', 'SY', 'SY', 'SY', 'SY', 'SY', 'SY', 'SY', 'SY', 'IQ', 'IQ', 'YE', 'YE', 'YE', 'YE',
          'LY', 'LY', 'LY', 'PS', 'PS', 'LY', 'SY', 'SY'] AS cc,
    ARRAY['Civilians in the area said the attack began in the early morning and lasted for several hours.',
          'Local activists uploaded footage showing damage to several buildings and vehicles.',
          'The family of the victims said they had received no warning before the attack.',
          'Medical staff reported that the hospital was overwhelmed with wounded civilians.',
          'Residents fled towards the camp on the outskirts of the city.',
          'A witness said armed men in uniform took the men away in a white van.',
          'The footage could not be independently verified at the time of writing.',
          'Neighbours said the street had been quiet for weeks before the incident.',
          'Relatives have not heard from the detained men since the day of the arrest.',
          'Rescue teams worked through the night to remove people from the rubble.'] AS filler,
    -- Each rare word is in about 1 of 20,000 records: a rare-word search.
    ARRAY['quinoline', 'zeppelin', 'marzipan', 'obsidian', 'xylophone', 'quagmire', 'juxtapose', 'kumquat',
          'fjord', 'sphinx', 'vortex', 'zircon', 'labyrinth', 'metronome', 'nebula', 'pangolin',
          'quartzite', 'rhubarb', 'saxophone', 'walrus'] AS rare,
    ARRAY['قصف', 'غارة جوية', 'اعتقال', 'مداهمة', 'انفجار', 'احتجاز', 'إطلاق نار', 'اعتقال على حاجز',
          'تهجير', 'هدم منزل', 'اختطاف', 'نهب', 'إخفاء قسري', 'ادعاء تعذيب', 'اكتشاف مقبرة جماعية',
          'ادعاء هجوم كيميائي'] AS ev_ar,
    ARRAY['الحاجز', 'السوق', 'المدرسة', 'المستشفى', 'المسجد', 'الفرن', 'الطريق الرئيسي', 'محطة الحافلات',
          'محطة المياه', 'المخيم', 'الجسر', 'مركز الشرطة', 'الجامعة', 'محطة الكهرباء', 'دار الأيتام', 'الصومعة'] AS obj_ar,
    ARRAY['قرب', 'في', 'خارج', 'خلف', 'أمام'] AS prep_ar,
    ARRAY['قال مدنيون في المنطقة إن الهجوم بدأ في الصباح الباكر واستمر عدة ساعات.',
          'نشر ناشطون محليون صوراً تظهر أضراراً في عدة مبانٍ وسيارات.',
          'قالت عائلة الضحايا إنها لم تتلق أي تحذير قبل الهجوم.',
          'أفاد الطاقم الطبي بأن المستشفى امتلأ بالجرحى من المدنيين.',
          'فرّ السكان نحو المخيم في أطراف المدينة.',
          'قال شاهد إن مسلحين بزي رسمي اقتادوا الرجال في سيارة بيضاء.',
          'أكد الأطفال والأهالي أن إصابة عدد من الأشخاص كانت خطيرة.',
          'لم يسمع الأقارب أي خبر عن المعتقلين منذ يوم الاعتقال.',
          'عملت فرق الإسعاف طوال الليل لإخراج الناس من تحت الأنقاض.'] AS filler_ar,
    ARRAY['Ahmad', 'Mohammed', 'Omar', 'Khaled', 'Yusuf', 'Hassan', 'Ali', 'Ibrahim', 'Fatima', 'Aisha',
          'Maryam', 'Layla', 'Noor', 'Huda', 'Rania', 'Samir', 'Tariq', 'Zainab', 'Salma', 'Bilal'] AS first,
    ARRAY['أحمد', 'محمد', 'عمر', 'خالد', 'يوسف', 'حسن', 'علي', 'إبراهيم', 'فاطمة', 'عائشة',
          'مريم', 'ليلى', 'نور', 'هدى', 'رانيا', 'سمير', 'طارق', 'زينب', 'سلمى', 'بلال'] AS first_ar,
    ARRAY['Al-Hassan', 'Haddad', 'Khalil', 'Mansour', 'Al-Masri', 'Nasser', 'Saleh', 'Darwish', 'Qasim',
          'Al-Homsi', 'Shami', 'Aziz', 'Barakat', 'Hamdan', 'Issa', 'Jaber'] AS last,
    ARRAY['الحسن', 'حداد', 'خليل', 'منصور', 'المصري', 'ناصر', 'صالح', 'درويش', 'قاسم',
          'الحمصي', 'الشامي', 'عزيز', 'بركات', 'حمدان', 'عيسى', 'جابر'] AS last_ar,
    ARRAY['Brigade', 'Battalion', 'Front', 'Council', 'Committee', 'Militia', 'Security branch', 'Company'] AS org,
    ARRAY['Syrian', 'Iraqi', 'Yemeni', 'Libyan', 'Palestinian', 'Lebanese', 'Jordanian', 'Turkish'] AS nat,
    ARRAY['Civilian harm', 'Detention', 'Children', 'Women', 'Medical facilities', 'Schools', 'Journalists',
          'Humanitarian workers', 'Property', 'Displacement', 'Chemical weapons', 'Cluster munitions',
          'Barrel bombs', 'Sieges', 'Enforced disappearance', 'Torture', 'Sexual violence', 'Cultural heritage',
          'Water infrastructure', 'Food insecurity', 'Verified', 'Needs translation', 'Graphic content',
          'Priority', 'Geolocated', 'Duplicate suspected', 'Open source', 'Witness interview',
          'Satellite imagery', 'Hospital records'] AS label,
    ARRAY['Local Coordination Committee', 'Civil Defence', 'Media Office', 'Medical Council', 'Human Rights Observer',
          'Witness network'] AS src;
\endif

\if :dg_do_setup
BEGIN;
-- Held by this session until it ends: one run at a time.
SELECT pg_advisory_lock(hashtext('custodian-datagen')) AS dg_locked \gset
SELECT extract(epoch FROM clock_timestamp()) AS dg_started \gset

-- Accounts: 40 analysts (1-8 in group a, 9-16 in b, 17-24 in c, 25-40 in
-- none), 8 moderators (all groups), one administrator. The password hash
-- is no PHC string, so no password verifies: they cannot sign in.
INSERT INTO app_user (username, role, password_hash, pepper_version, access_groups)
SELECT u.username, u.role, '!datagen: generated account, no password signs in', 0, u.groups
FROM (
    SELECT format('datagen-analyst-%s', lpad(n::text, 2, '0')) AS username, 'analyst' AS role,
           CASE WHEN n <= 24 THEN ARRAY['datagen-' || chr(96 + (n + 7) / 8)] ELSE '{}'::text[] END AS groups
    FROM generate_series(1, 40) n
    UNION ALL
    SELECT format('datagen-moderator-%s', n), 'moderator', ARRAY['datagen-a', 'datagen-b', 'datagen-c']
    FROM generate_series(1, 8) n
    UNION ALL SELECT 'datagen-admin', 'admin', '{}'
) u
ON CONFLICT (username) DO NOTHING;

-- Reference data: fixed sets, found again by title.
INSERT INTO label (title, created_by)
SELECT t, (SELECT id FROM app_user WHERE username = 'datagen-admin') FROM dg_vocab, unnest(label) t
ON CONFLICT (lower(title)) DO NOTHING;
INSERT INTO source (title, url, created_by)
SELECT s || ' ' || c, 'https://example.org/sources/' || k || '-' || ci,
       (SELECT id FROM app_user WHERE username = 'datagen-admin')
FROM dg_vocab, unnest(src) WITH ORDINALITY s(s, k), unnest(city) WITH ORDINALITY c(c, ci)
ON CONFLICT (lower(title)) DO NOTHING;
INSERT INTO location (title, latitude, longitude, country_code, created_by)
SELECT c || ', district ' || d, lat[ci] + d * 0.004, lon[ci] - d * 0.003, cc[ci],
       (SELECT id FROM app_user WHERE username = 'datagen-admin')
FROM dg_vocab, unnest(city) WITH ORDINALITY c(c, ci), generate_series(1, 12) d
ON CONFLICT (lower(title)) DO NOTHING;
\endif

-- Once per session, after the setup made them: the generated accounts
-- and reference rows.
SELECT to_regclass('pg_temp.dg_account') IS NULL AS dg_new_lookup \gset
\if :dg_new_lookup
CREATE TEMP TABLE dg_account AS
    SELECT id, role, substring(username FROM '(\d+)$')::int AS n FROM app_user WHERE username LIKE 'datagen-%';
CREATE TEMP TABLE dg_analyst AS SELECT array_agg(id ORDER BY n) AS a FROM dg_account WHERE role = 'analyst';
CREATE TEMP TABLE dg_moderator AS SELECT array_agg(id ORDER BY n) AS m FROM dg_account WHERE role = 'moderator';
-- Stored inline (PLAIN), not compressed out of line: read for every row.
CREATE TEMP TABLE dg_ref (labels bigint[], sources bigint[], locations bigint[], event_types bigint[]);
ALTER TABLE dg_ref ALTER labels SET STORAGE PLAIN, ALTER sources SET STORAGE PLAIN,
    ALTER locations SET STORAGE PLAIN, ALTER event_types SET STORAGE PLAIN;
INSERT INTO dg_ref SELECT
    (SELECT array_agg(l.id ORDER BY k) FROM dg_vocab, unnest(label) WITH ORDINALITY t(t, k) JOIN label l ON lower(l.title) = lower(t)) AS labels,
    (SELECT array_agg(id ORDER BY id) FROM source WHERE url LIKE 'https://example.org/sources/%') AS sources,
    (SELECT array_agg(id ORDER BY id) FROM location WHERE created_by IN (SELECT id FROM dg_account)) AS locations,
    (SELECT array_agg(id ORDER BY id) FROM event_type WHERE lower(title) IN
        ('arrest', 'attack', 'detention', 'disappearance', 'displacement', 'killing', 'property destruction',
         'shelling', 'torture', 'other')) AS event_types;
\endif

\if :dg_do_setup
-- What exists: record number i of a kind is its i-th generated row by id.
SELECT (SELECT count(*) FROM bulletin WHERE created_by IN (SELECT id FROM dg_account)) AS dg_b,
       (SELECT count(*) FROM actor WHERE created_by IN (SELECT id FROM dg_account)) AS dg_a,
       (SELECT count(*) FROM incident WHERE created_by IN (SELECT id FROM dg_account)) AS dg_i,
       (SELECT count(*) FROM bulletin_revision r JOIN bulletin b ON b.id = r.bulletin_id WHERE b.created_by IN (SELECT id FROM dg_account))
         + (SELECT count(*) FROM actor_revision r JOIN actor b ON b.id = r.actor_id WHERE b.created_by IN (SELECT id FROM dg_account))
         + (SELECT count(*) FROM incident_revision r JOIN incident b ON b.id = r.incident_id WHERE b.created_by IN (SELECT id FROM dg_account)) AS dg_rev,
       (SELECT count(*) FROM relation WHERE created_by IN (SELECT id FROM dg_account)) AS dg_rel,
       (SELECT count(*) FROM record_reference WHERE created_by IN (SELECT id FROM dg_account)) AS dg_ref,
       (SELECT count(*) FROM record_event WHERE created_by IN (SELECT id FROM dg_account)) AS dg_ev \gset

-- Every run leaves N bulletins, N/4 actors and N/20 incidents for the
-- largest N asked so far; anything else is what a run stopped between
-- its two commits left, which no later run can put right.
SELECT :dg_a <> :dg_b / 4 OR :dg_i <> :dg_b / 20 AS dg_out_of_step,
       format('datagen: the generated records are out of step (%s bulletins, %s actors, %s incidents; a finished run leaves N, N/4 and N/20): an earlier run was stopped between its two commits. Load into a fresh database.',
              :dg_b, :dg_a, :dg_i) AS dg_step_note \gset
\if :dg_out_of_step
\warn :dg_step_note
DO $$BEGIN RAISE EXCEPTION 'datagen: generated records out of step; nothing done'; END$$;
\endif

SELECT CASE WHEN :dg_b > n OR :dg_a > n / 4 OR :dg_i > n / 20 THEN
    format('datagen: the database already holds more generated records (%s bulletins, %s actors, %s incidents) than asked for; nothing is removed, only missing ones are added', :dg_b, :dg_a, :dg_i)
    END AS note
FROM (SELECT :records::bigint AS n) p \gset
\if :{?note}
\echo :note
\endif

-- The id blocks of the new records, taken from each table's identity
-- sequence while nobody else may insert into the table.
LOCK TABLE bulletin, actor, incident IN SHARE ROW EXCLUSIVE MODE;
SELECT coalesce(nb, 0) AS dg_nb, coalesce(na, 0) AS dg_na, coalesce(ni, 0) AS dg_ni,
       -- A large load (1,000 new records or more, and more than a quarter
       -- of those already there) builds the plain indexes afterwards.
       (nb + na + ni) * 4 > :dg_b + :dg_a + :dg_i AND nb + na + ni >= 1000 AS dg_large
FROM (SELECT greatest(:records::bigint - :dg_b, 0) AS nb, greatest(:records::bigint / 4 - :dg_a, 0) AS na,
             greatest(:records::bigint / 20 - :dg_i, 0) AS ni) c \gset
SELECT coalesce((SELECT nextval(pg_get_serial_sequence('bulletin', 'id')) WHERE :dg_nb > 0), 0) AS dg_base_b,
       coalesce((SELECT nextval(pg_get_serial_sequence('actor', 'id')) WHERE :dg_na > 0), 0) AS dg_base_a,
       coalesce((SELECT nextval(pg_get_serial_sequence('incident', 'id')) WHERE :dg_ni > 0), 0) AS dg_base_i \gset
SELECT setval(pg_get_serial_sequence(t, 'id'), base + n - 1)
FROM (VALUES ('bulletin', :dg_base_b, :dg_nb), ('actor', :dg_base_a, :dg_na), ('incident', :dg_base_i, :dg_ni)) v(t, base, n)
WHERE n > 1 \g /dev/null

-- The records there already, by number, for the links to them (kept for
-- the session: the part that makes links reads it in its transaction).
CREATE TEMP TABLE dg_map_old AS
    SELECT 'bulletin' AS kind, row_number() OVER (ORDER BY id) AS i, id FROM bulletin WHERE created_by IN (SELECT id FROM dg_account)
    UNION ALL SELECT 'actor', row_number() OVER (ORDER BY id), id FROM actor WHERE created_by IN (SELECT id FROM dg_account)
    UNION ALL SELECT 'incident', row_number() OVER (ORDER BY id), id FROM incident WHERE created_by IN (SELECT id FROM dg_account);
COMMIT;
\echo DATAGEN-PARAMS dg_b=:dg_b dg_a=:dg_a dg_i=:dg_i dg_base_b=:dg_base_b dg_base_a=:dg_base_a dg_base_i=:dg_base_i dg_large=:dg_large
\endif

\if :dg_do_work
BEGIN;
SELECT CASE :'part' WHEN 'bulletins' THEN '{bulletin}' ELSE '{bulletin,actor,incident}' END AS dg_kinds,
       CASE :'part' WHEN 'bulletins' THEN '{bulletin}' WHEN 'rest' THEN '{actor,incident}' ELSE '{bulletin,actor,incident}' END AS dg_text,
       CASE :'part' WHEN 'bulletins' THEN '{bulletin,bulletin_revision}'
            WHEN 'rest' THEN '{actor,incident,actor_revision,incident_revision,relation,record_reference,record_event}'
            ELSE '{bulletin,actor,incident,bulletin_revision,actor_revision,incident_revision,relation,record_reference,record_event}' END AS dg_tables \gset
CREATE TEMP TABLE dg_param ON COMMIT DROP AS
    SELECT :records::bigint AS n, (:records::bigint) / 4 AS na, (:records::bigint) / 20 AS ni;
CREATE TEMP TABLE dg_before ON COMMIT DROP AS SELECT :dg_b::bigint AS b, :dg_a::bigint AS a, :dg_i::bigint AS i;

CREATE TEMP TABLE dg_new (id bigint, kind text, i bigint, arabic boolean, variant int, groups text[], status text,
    assignee bigint, reviewer bigint, creator bigint, revs int, created timestamptz, updated timestamptz,
    title text, description text, details jsonb) ON COMMIT DROP;

-- The new records of this part's kinds, in number order, with their ids
-- from the blocks of the setup. kind salt: bulletin 1, actor 2, incident
-- 3. Text (only where this part stores the records): English, a lead,
-- an event, a place, a rare word in 1 of 1,000 records; Arabic rows get
-- Arabic text, and some of them the spellings a search must fold:
-- diacritics, bare alef, final ha for ta marbuta, ya for alef maqsura,
-- tatweel. Built in the same pass as the rest of the row.
INSERT INTO dg_new
SELECT f.id, f.kind, f.i, f.arabic, f.variant, f.groups, f.status,
       CASE WHEN f.status <> 'unassigned' THEN m.member END,
       CASE WHEN f.status IN ('peer_review', 'revisit', 'reviewed', 'finalized') THEN dg_moderator.m[1 + (pg_temp.h(f.i, f.s + 8) % 8)::int] END,
       m.creator, CASE WHEN f.status = 'unassigned' THEN 1 + (pg_temp.h(f.i, f.s + 10) % 10 = 0)::int ELSE 2 + (pg_temp.h(f.i, f.s + 10) % 10 < 3)::int END,
       f.created, least(f.created + make_interval(hours => (pg_temp.h(f.i, f.s + 11) % 2000)::int), timestamptz '2026-11-30'),
       CASE WHEN f.arabic AND f.variant < 4 THEN CASE f.variant
            WHEN 0 THEN replace(replace(replace(t.title, 'قصف', 'قَصْف'), 'المستشفى', 'المُسْتَشْفَى'), 'أحمد', 'أَحْمَد')
            WHEN 1 THEN translate(t.title, 'أإآ', 'ااا')
            WHEN 2 THEN regexp_replace(replace(t.title, 'ى', 'ي'), 'ة(\s|$)', 'ه\1', 'g')
            ELSE replace(replace(t.title, 'قصف', 'قـصـف'), 'محمد', 'محـمـد') END
            ELSE t.title END,
       CASE WHEN f.arabic AND f.variant < 4 THEN CASE f.variant
            WHEN 0 THEN replace(replace(t.description, 'المدرسة', 'المَدْرَسَة'), 'الاعتقال', 'الاِعْتِقَال')
            WHEN 1 THEN translate(t.description, 'أإآ', 'ااا')
            WHEN 2 THEN regexp_replace(replace(t.description, 'ى', 'ي'), 'ة(\s|$)', 'ه\1', 'g')
            ELSE t.description END
            ELSE t.description END,
       t.details
FROM (
    SELECT k.kind, k.s, g.i,
           CASE k.kind WHEN 'bulletin' THEN :dg_base_b - dg_before.b WHEN 'actor' THEN :dg_base_a - dg_before.a
                       ELSE :dg_base_i - dg_before.i END + g.i - 1 AS id,
           pg_temp.h(g.i, k.s + 2) % 100 < CASE k.kind WHEN 'actor' THEN 40 ELSE 25 END AS arabic,
           (pg_temp.h(g.i, k.s + 3) % 20)::int AS variant,
           CASE WHEN pg_temp.h(g.i, k.s + 4) % 100 < 30 THEN
               CASE WHEN pg_temp.h(g.i, k.s + 5) % 10 = 0
                    THEN ARRAY['datagen-' || chr(97 + (pg_temp.h(g.i, k.s + 5) % 3)::int), 'datagen-' || chr(97 + ((pg_temp.h(g.i, k.s + 5) + 1) % 3)::int)]
                    ELSE ARRAY['datagen-' || chr(97 + (pg_temp.h(g.i, k.s + 5) % 3)::int)] END
               ELSE '{}'::text[] END AS groups,
           CASE WHEN pg_temp.h(g.i, k.s + 4) % 100 < 30 THEN (pg_temp.h(g.i, k.s + 5) % 3)::int END AS grp,
           (ARRAY['unassigned', 'assigned', 'peer_review', 'revisit', 'reviewed', 'finalized'])[
               CASE WHEN pg_temp.h(g.i, k.s + 6) % 100 < 20 THEN 1 WHEN pg_temp.h(g.i, k.s + 6) % 100 < 50 THEN 2
                    WHEN pg_temp.h(g.i, k.s + 6) % 100 < 65 THEN 3 WHEN pg_temp.h(g.i, k.s + 6) % 100 < 70 THEN 4
                    WHEN pg_temp.h(g.i, k.s + 6) % 100 < 85 THEN 5 ELSE 6 END] AS status,
           k.base + make_interval(secs => g.i * k.step + pg_temp.h(g.i, k.s + 12) % 60) AS created
    FROM (VALUES ('bulletin', 100, timestamptz '2018-01-01', 80),
                 ('actor', 200, timestamptz '2018-01-01', 320),
                 ('incident', 300, timestamptz '2018-01-01', 1600)) k(kind, s, base, step),
         dg_before, dg_param,
         LATERAL generate_series(CASE k.kind WHEN 'bulletin' THEN dg_before.b WHEN 'actor' THEN dg_before.a ELSE dg_before.i END + 1,
                                 CASE k.kind WHEN 'bulletin' THEN n WHEN 'actor' THEN na ELSE ni END) g(i)
    WHERE k.kind = ANY (:'dg_kinds'::text[])
) f, dg_analyst, dg_moderator, dg_vocab,
LATERAL (SELECT CASE WHEN grp IS NULL THEN dg_analyst.a[1 + (pg_temp.h(i, s + 7) % 40)::int]
                     ELSE dg_analyst.a[1 + grp * 8 + (pg_temp.h(i, s + 7) % 8)::int] END AS member,
                CASE WHEN grp IS NULL THEN dg_analyst.a[1 + (pg_temp.h(i, s + 9) % 40)::int]
                     ELSE dg_analyst.a[1 + grp * 8 + (pg_temp.h(i, s + 9) % 8)::int] END AS creator) m,
LATERAL (SELECT CASE WHEN f.kind = ANY (:'dg_text'::text[]) THEN
    CASE kind
        WHEN 'bulletin' THEN CASE WHEN arabic
            THEN pg_temp.z(ev_ar, pg_temp.h(i, 21)) || ' ' || pg_temp.p(prep_ar, pg_temp.h(i, 22)) || ' ' || pg_temp.z(obj_ar, pg_temp.h(i, 23)) || ' في ' || pg_temp.z(city_ar, pg_temp.h(i, 24))
            ELSE pg_temp.p(lead, pg_temp.h(i, 20)) || ' ' || pg_temp.z(ev, pg_temp.h(i, 21)) || ' ' || pg_temp.p(prep, pg_temp.h(i, 22)) || ' the ' || pg_temp.z(obj, pg_temp.h(i, 23)) || ' in ' || pg_temp.z(city, pg_temp.h(i, 24)) END
        WHEN 'actor' THEN CASE WHEN pg_temp.h(i, 25) % 100 < 15
            THEN CASE WHEN arabic THEN pg_temp.p(ARRAY['لواء', 'كتيبة', 'جبهة', 'مجلس', 'لجنة', 'ميليشيا', 'فرع الأمن', 'شركة'], pg_temp.h(i, 26)) || ' ' || pg_temp.z(city_ar, pg_temp.h(i, 24)) || ' ' || (1 + pg_temp.h(i, 27) % 99)
                 ELSE pg_temp.p(org, pg_temp.h(i, 26)) || ' ' || (1 + pg_temp.h(i, 27) % 99) || ' of ' || pg_temp.z(city, pg_temp.h(i, 24)) END
            ELSE CASE WHEN arabic THEN pg_temp.z(first_ar, pg_temp.h(i, 28)) || ' ' || pg_temp.z(first_ar, pg_temp.h(i, 29)) || ' ' || pg_temp.z(last_ar, pg_temp.h(i, 30))
                 ELSE pg_temp.z(first, pg_temp.h(i, 28)) || ' ' || pg_temp.z(first, pg_temp.h(i, 29)) || ' ' || pg_temp.z(last, pg_temp.h(i, 30)) END END
        ELSE CASE WHEN arabic
            THEN pg_temp.z(ev_ar, pg_temp.h(i, 21)) || ' في ' || pg_temp.z(city_ar, pg_temp.h(i, 24)) || '، ' || to_char(created, 'YYYY/MM')
            ELSE pg_temp.z(ev, pg_temp.h(i, 21)) || ' in ' || pg_temp.z(city, pg_temp.h(i, 24)) || ', ' || to_char(created, 'FMMonth YYYY') END
        END END AS title,
    CASE WHEN f.kind = ANY (:'dg_text'::text[]) THEN
    CASE WHEN arabic THEN
            '<p>' || 'أفادت مصادر محلية بوقوع ' || pg_temp.z(ev_ar, pg_temp.h(i, 21)) || ' ' || pg_temp.p(prep_ar, pg_temp.h(i, 22)) || ' '
            || pg_temp.z(obj_ar, pg_temp.h(i, 23)) || ' في ' || pg_temp.z(city_ar, pg_temp.h(i, 24)) || '. '
            || pg_temp.p(filler_ar, pg_temp.h(i, 31)) || ' ' || pg_temp.p(filler_ar, pg_temp.h(i, 32)) || '</p>'
            || CASE WHEN pg_temp.h(i, 33) % 2 = 0 THEN '<p>' || pg_temp.p(filler_ar, pg_temp.h(i, 34)) || '</p>' ELSE '' END
        ELSE
            '<p>According to ' || pg_temp.z(src, pg_temp.h(i, 35)) || ' sources, ' || lower(pg_temp.z(ev, pg_temp.h(i, 21))) || ' took place '
            || pg_temp.p(prep, pg_temp.h(i, 22)) || ' the ' || pg_temp.z(obj, pg_temp.h(i, 23)) || ' in ' || pg_temp.z(city, pg_temp.h(i, 24))
            || ' on ' || to_char(created - interval '3 days', 'FMDD FMMonth YYYY') || '. '
            || pg_temp.p(filler, pg_temp.h(i, 31)) || ' ' || pg_temp.p(filler, pg_temp.h(i, 32)) || '</p>'
            || CASE WHEN pg_temp.h(i, 33) % 2 = 0 THEN '<p>' || (1 + pg_temp.h(i, 36) % 40) || ' people were '
                    || pg_temp.p(ARRAY['injured', 'detained', 'displaced', 'killed', 'reported missing'], pg_temp.h(i, 37)) || '. '
                    || pg_temp.p(filler, pg_temp.h(i, 34)) || '</p>' ELSE '' END
            || CASE WHEN pg_temp.h(i, 38) % 1000 = 0 THEN '<p>The word ' || pg_temp.p(rare, pg_temp.h(i, 39)) || ' was painted on the wall.</p>' ELSE '' END
        END END AS description,
    CASE WHEN f.kind = ANY (:'dg_text'::text[]) THEN
    CASE kind
        WHEN 'bulletin' THEN '{}'::jsonb
        WHEN 'actor' THEN CASE WHEN pg_temp.h(i, 25) % 100 < 15 THEN '{"type": "entity"}'::jsonb
            ELSE jsonb_build_object('type', 'person', 'sex', pg_temp.p(ARRAY['female', 'male', 'male', ''], pg_temp.h(i, 40)),
                                    'nationality', pg_temp.z(nat, pg_temp.h(i, 41))) END
        ELSE jsonb_build_object('potential_violations', pg_temp.p(ARRAY['Unlawful killing', 'Arbitrary detention', 'Attack on civilians', 'Torture', 'Enforced disappearance'], pg_temp.h(i, 42)),
                                'claimed_violations', pg_temp.p(ARRAY['', 'Indiscriminate attack', 'Attack on medical facility', 'Forced displacement'], pg_temp.h(i, 43)))
        END END AS details) t;
\if :dg_do_rest
-- For the joins of the links (the bulletins part only scans it).
ANALYZE dg_new;
\endif

-- A large load (see dg_large) adds rows to this part's tables without
-- their plain indexes and builds each index again afterwards, from its
-- own definition as the migrations made it (pg_get_indexdef), in this
-- same transaction: one sorted build instead of millions of single
-- insertions, above all into the text-search and trigram GIN indexes.
-- Primary keys, unique indexes, foreign keys and checks stay: every row
-- is still checked.
CREATE TEMP TABLE dg_index ON COMMIT DROP AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relnamespace = 'public'::regnamespace
  AND t.relname = ANY (:'dg_tables'::text[])
  AND NOT i.indisunique AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  AND :'dg_large';
SELECT format('DROP INDEX %s', name) FROM dg_index ORDER BY name \gexec

-- Revisions: 1 'created' (unassigned), then 'assigned', then the status.
CREATE TEMP VIEW dg_rev AS
SELECT n.kind, n.id, n.ctid AS row_ctid, r.r AS revision,
       CASE WHEN r.r = 1 THEN n.creator WHEN r.r < n.revs OR n.reviewer IS NULL THEN coalesce(n.assignee, n.creator) ELSE n.reviewer END AS editor,
       CASE WHEN r.r = 1 THEN n.created WHEN r.r = n.revs THEN n.updated ELSE n.created + (n.updated - n.created) / 2 END AS changed_at,
       CASE WHEN r.r = 1 THEN 'created' WHEN r.r = 2 AND n.revs = 3 THEN 'assigned' ELSE 'status: ' || n.status END AS summary,
       jsonb_build_object('title', n.title, 'description', n.description, 'details', n.details,
           'status', CASE WHEN r.r = n.revs THEN n.status WHEN r.r = 1 THEN 'unassigned' ELSE 'assigned' END,
           'assigned_to', CASE WHEN r.r > 1 THEN n.assignee END,
           'reviewer', CASE WHEN r.r = n.revs THEN n.reviewer END,
           'access_groups', to_jsonb(n.groups)) AS snapshot
FROM dg_new n, generate_series(1, n.revs) r(r);

-- The records with the ids of their blocks, in number order (which is
-- how dg_new was filled), each kind in chunks of dg_new's pages (16 MB,
-- some 20,000 records), each chunk followed by its revisions: the foreign
-- key check of a revision locks its record's row, and the chunk's records
-- are then still in shared buffers instead of being read back and written
-- again (at 2,000,000 bulletins their table is about 2.5 GB).
SELECT format($q$INSERT INTO %1$I (id, title, description, details, status, assigned_to, reviewer, access_groups, created_by, created_at, updated_at, revision)
OVERRIDING SYSTEM VALUE
SELECT id, title, description, details, status, assignee, reviewer, groups, creator, created, updated, revs
FROM dg_new WHERE kind = %1$L AND ctid >= '(%2$s,0)' AND ctid < '(%3$s,0)'$q$, k, lo, lo + 2048),
       format($q$INSERT INTO %1$I (%2$I, revision, editor, changed_at, summary, snapshot)
SELECT id, revision, editor, changed_at, summary, snapshot
FROM dg_rev WHERE kind = %3$L AND row_ctid >= '(%4$s,0)' AND row_ctid < '(%5$s,0)'$q$, k || '_revision', k || '_id', k, lo, lo + 2048)
FROM unnest(:'dg_text'::text[]) k,
     generate_series(0, pg_relation_size('pg_temp.dg_new') / current_setting('block_size')::bigint, 2048) lo
WHERE EXISTS (SELECT 1 FROM dg_new WHERE kind = k)
ORDER BY k = 'incident', lo \gexec
SELECT coalesce(sum(revs) FILTER (WHERE kind = 'bulletin'), 0) AS dg_added_brev,
       coalesce(sum(revs) FILTER (WHERE kind = 'actor'), 0) AS dg_added_arev,
       coalesce(sum(revs) FILTER (WHERE kind = 'incident'), 0) AS dg_added_irev
FROM dg_new WHERE kind = ANY (:'dg_text'::text[]) \gset

\if :dg_do_rest
-- Every generated record by number, for the targets of links: those
-- there before (found by the setup) and the new ones.
CREATE TEMP TABLE dg_map ON COMMIT DROP AS
    SELECT kind, i, id FROM dg_map_old UNION ALL SELECT kind, i, id FROM dg_new;
CREATE UNIQUE INDEX ON dg_map (kind, i);
ANALYZE dg_map;

-- The link tables take their ids in the order of their records' places
-- on the bulletins' scale (bulletin i at i, actor k at 4k, incident j at
-- 20j), then slot: whatever the steps a database was grown in, each
-- step's records come after the previous step's, so ids are the same as
-- those of a load at once.
-- Relations, from each new record to records with smaller numbers:
-- bulletins two slots (the second in a quarter of them), actors and
-- incidents one. Targets: a bulletin i links to bulletins < i, actors
-- <= i/4, incidents <= i/20; an actor k to actors < k or incidents <= k/5;
-- an incident j to incidents < j. All exist whenever the source does.
INSERT INTO relation (from_kind, from_id, to_kind, to_id, relation_type, certainty, created_by, created_at)
SELECT n.kind, n.id, t.to_kind, tm.id, t.rtype,
       pg_temp.p(ARRAY['unverified', 'probable', 'confirmed'], pg_temp.h(n.i, 60 + slot)), n.creator, n.created + interval '1 hour'
FROM dg_new n
CROSS JOIN generate_series(1, 2) slot
CROSS JOIN LATERAL (SELECT pg_temp.h(n.i, 50 + slot) AS hh) x
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN n.kind = 'bulletin' AND (hh % 10 < 4 OR n.i < 20) THEN 'bulletin'
        WHEN n.kind = 'bulletin' AND hh % 10 < 8 THEN 'actor'
        WHEN n.kind = 'bulletin' THEN 'incident'
        WHEN n.kind = 'actor' AND (hh % 2 = 0 OR n.i < 5) THEN 'actor'
        WHEN n.kind = 'actor' THEN 'incident'
        ELSE 'incident' END AS to_kind
) k
CROSS JOIN LATERAL (
    SELECT k.to_kind,
        CASE k.to_kind
            WHEN 'bulletin' THEN pg_temp.p(ARRAY['related', 'duplicate', 'same_event', 'related'], hh / 16)
            WHEN 'actor' THEN CASE WHEN n.kind = 'actor' THEN pg_temp.p(ARRAY['member_of', 'family', 'related'], hh / 16)
                                   ELSE pg_temp.p(ARRAY['appears_in', 'victim', 'witness', 'perpetrator'], hh / 16) END
            ELSE pg_temp.p(ARRAY['part_of', 'related', 'same_event', 'victim', 'perpetrator'], hh / 16) END AS rtype,
        1 + (hh / 1024) % CASE
            WHEN k.to_kind = n.kind THEN n.i - 1
            WHEN n.kind = 'bulletin' AND k.to_kind = 'actor' THEN n.i / 4
            WHEN n.kind = 'bulletin' THEN n.i / 20
            ELSE n.i / 5 END AS target
) t
JOIN dg_map tm ON tm.kind = t.to_kind AND tm.i = t.target
WHERE n.i > 1
  AND (slot = 1 OR (n.kind = 'bulletin' AND pg_temp.h(n.i, 59) % 4 = 0))
  AND (n.kind <> 'incident' OR pg_temp.h(n.i, 58) % 10 < 3)
  AND (n.kind <> 'bulletin' OR t.to_kind <> 'incident' OR n.i >= 20)
ORDER BY CASE n.kind WHEN 'bulletin' THEN n.i WHEN 'actor' THEN 4 * n.i ELSE 20 * n.i END, n.kind, slot
ON CONFLICT (from_kind, from_id, to_kind, to_id, relation_type) WHERE withdrawn_at IS NULL DO NOTHING;
\set dg_added_rel :ROW_COUNT

-- References: a label (half), a source (40 %), a location (40 %).
INSERT INTO record_reference (kind, record_id, label_id, source_id, location_id, created_by, created_at)
SELECT n.kind, n.id,
       CASE WHEN r = 1 THEN pg_temp.zi(labels, pg_temp.h(n.i, 70)) END,
       CASE WHEN r = 2 THEN pg_temp.zi(sources, pg_temp.h(n.i, 71)) END,
       CASE WHEN r = 3 THEN pg_temp.zi(locations, pg_temp.h(n.i, 72)) END,
       n.creator, n.created + interval '2 hours'
FROM dg_new n, dg_ref, generate_series(1, 3) r
WHERE pg_temp.h(n.i, 73 + r) % 10 < CASE r WHEN 1 THEN 5 ELSE 4 END
ORDER BY CASE n.kind WHEN 'bulletin' THEN n.i WHEN 'actor' THEN 4 * n.i ELSE 20 * n.i END, n.kind, r;
\set dg_added_ref :ROW_COUNT

-- Events: bulletins one in half and a second in 15 %, incidents 1-3,
-- actors one in 20 %; dates 2011-2026, a place, a type.
INSERT INTO record_event (kind, record_id, event_type_id, location_id, from_date, to_date, created_by, created_at)
SELECT n.kind, n.id, pg_temp.zi(event_types, pg_temp.h(n.i, 80 + e)),
       CASE WHEN pg_temp.h(n.i, 84 + e) % 10 < 8 THEN pg_temp.zi(locations, pg_temp.h(n.i, 72 + e)) END,
       d.from_date, CASE WHEN pg_temp.h(n.i, 88 + e) % 3 = 0 THEN d.from_date + (pg_temp.h(n.i, 89 + e) % 30)::int END,
       n.creator, n.created + interval '3 hours'
FROM dg_new n, dg_ref, generate_series(1, 3) e,
     LATERAL (SELECT date '2011-03-15' + (pg_temp.h(n.i, 90 + e) % 5700)::int AS from_date) d
WHERE CASE n.kind
        WHEN 'bulletin' THEN (e = 1 AND pg_temp.h(n.i, 95) % 100 < 50) OR (e = 2 AND pg_temp.h(n.i, 95) % 100 < 15)
        WHEN 'incident' THEN e <= 1 + pg_temp.h(n.i, 96) % 3
        ELSE e = 1 AND pg_temp.h(n.i, 97) % 100 < 20 END
ORDER BY CASE n.kind WHEN 'bulletin' THEN n.i WHEN 'actor' THEN 4 * n.i ELSE 20 * n.i END, n.kind, e;
\set dg_added_ev :ROW_COUNT
\endif

-- The indexes dropped for the load, built again as they were.
SELECT def FROM dg_index ORDER BY name \gexec
DROP VIEW dg_rev;
\if :dg_do_bulletins
\echo DATAGEN-READY bulletins dg_added_brev=:dg_added_brev
\endif
\if :dg_do_rest
\echo DATAGEN-READY rest
\endif
\if :dg_do_commit
COMMIT;
\endif
\endif

\if :dg_do_report
-- What was made: what was there before and what each part added.
SELECT t.name AS "table", t.total AS "generated rows", t.total - t.before AS "added now"
FROM (VALUES
    ('bulletin', greatest(:dg_b, :records::bigint), :dg_b::bigint),
    ('actor', greatest(:dg_a, :records::bigint / 4), :dg_a::bigint),
    ('incident', greatest(:dg_i, :records::bigint / 20), :dg_i::bigint),
    ('*_revision', :dg_rev::bigint + :dg_added_brev + :dg_added_arev + :dg_added_irev, :dg_rev::bigint),
    ('relation', :dg_rel::bigint + :dg_added_rel, :dg_rel::bigint),
    ('record_reference', :dg_ref::bigint + :dg_added_ref, :dg_ref::bigint),
    ('record_event', :dg_ev::bigint + :dg_added_ev, :dg_ev::bigint),
    ('app_user (datagen-*)', (SELECT count(*) FROM dg_account), NULL),
    ('label/source/location', (SELECT cardinality(labels) + cardinality(sources) + cardinality(locations) FROM dg_ref), NULL)
) t(name, total, before);
SELECT format('datagen: restricted %s %% of generated records; Arabic text in %s; took %s s',
              round(100.0 * count(*) FILTER (WHERE cardinality(access_groups) > 0) / greatest(count(*), 1), 1),
              count(*) FILTER (WHERE title ~ '[ء-ي]'),
              round(extract(epoch FROM clock_timestamp())::numeric - :dg_started, 1)) AS summary
FROM (SELECT access_groups, title FROM bulletin WHERE created_by IN (SELECT id FROM dg_account)
      UNION ALL SELECT access_groups, title FROM actor WHERE created_by IN (SELECT id FROM dg_account)
      UNION ALL SELECT access_groups, title FROM incident WHERE created_by IN (SELECT id FROM dg_account)) r;
\endif
