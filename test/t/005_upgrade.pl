
# ALTER EXTENSION pg_bulk UPDATE (issue 12, docs/backups.md): a database created at each earlier version (0.1, 0.2,
# each on a cluster of its own), holding profiles,
# resources, relationships and tasks (finished and pending), is updated to the current version; afterwards
#   1. its extension objects are exactly a fresh install's: functions (bodies, settings, privileges), tables,
#      columns, constraints, indexes, triggers, policies, views, sequences, what pg_dump dumps, comments, initial
#      privileges, membership, the extension's schema;
#   2. its data is all there, the pending task is applied, a new task is applied, writers cannot write the
#      stored tables;
#   3. DROP EXTENSION removes schema bulk, as it does for a fresh install.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node;  # the cluster of the current run (the helpers below read it)

sub upgrade_from
{
	my ($from) = @_;
	$node = PostgreSQL::Test::Cluster->new('upgrade_' . ($from =~ tr/./_/r));
	$node->init;
	$node->append_conf(
		'postgresql.conf', q{
	shared_preload_libraries = 'pg_bulk'
	pg_bulk.database = 'upgraded'
	pg_bulk.poll_interval = '100ms'
	});
	$node->start;
	$node->safe_psql('postgres', 'CREATE DATABASE upgraded; CREATE DATABASE fresh');
	my $current = $node->safe_psql('postgres',
		"SELECT default_version FROM pg_available_extensions WHERE name = 'pg_bulk'");

	sub upgraded { return $node->safe_psql('upgraded', $_[0]); }

	sub wait_status
	{
		my ($bulk_id) = @_;
		return upgraded("SELECT bulk.wait('$bulk_id', '60 seconds') ->> 'status'");
	}

	upgraded(qq{
	CREATE EXTENSION pg_bulk VERSION '$from';
	CREATE ROLE upgrade_writer LOGIN IN ROLE bulk_writer;
	SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "code"}}}', 'CONTAINED');
	SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}},
	    "contained": {"openingHours": {"types": ["hours"], "cardinality": "0:*"}}}');
	SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol"}}}');
	SELECT bulk.define_relationship('works_at', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
	    "cardinality": "1:N"}');
	});
	my $resources = upgraded(q{SET ROLE upgrade_writer;
	SELECT bulk.submit_resources('{"operations": [
	  {"action": "CREATE", "create": {"type": "provider", "id": "ann", "data": {"name": "Ann"},
	                                  "contained": {"openingHours": [{"data": {"day": "mon"}}]}}},
	  {"action": "CREATE", "create": {"type": "office", "id": "main", "data": {"name": "Main"}}},
	  {"action": "DELETE", "delete": {"type": "office", "id": "nobody"}}]}') ->> 'bulkId'});
	is(wait_status($resources), 'SUCCESS', "$from: resources applied");
	my $relationships = upgraded(q{SET ROLE upgrade_writer;
	SELECT bulk.submit_relationships('{"operations": [{"action": "CREATE", "create": {"type": "works_at", "id": "w1",
	    "from": {"type": "provider", "id": "ann"}, "to": {"type": "office", "id": "main"}}}]}') ->> 'bulkId'});
	is(wait_status($relationships), 'SUCCESS', "$from: relationships applied");
	$node->safe_psql('postgres', 'ALTER SYSTEM SET pg_bulk.enabled = off; SELECT pg_reload_conf()');
	$node->poll_query_until('upgraded', 'SELECT bool_and(paused) FROM bulk.workers') or die 'the worker did not pause';
	my $pending = upgraded(q{SET ROLE upgrade_writer;
	SELECT bulk.submit_resources('{"operations": [{"action": "UPSERT", "upsert": {"type": "office", "id": "main",
	    "data": {"name": "Main, after the upgrade"}}}]}') ->> 'bulkId'});
	my $receipts_before = upgraded("SELECT bulk.task('$resources')");

	upgraded('ALTER EXTENSION pg_bulk UPDATE');
	is(upgraded("SELECT extversion FROM pg_extension WHERE extname = 'pg_bulk'"), $current, "$from updated to $current");
	$node->safe_psql('fresh', 'CREATE EXTENSION pg_bulk');

	# ---------------------------------------------------------------------------------------------------------
	# 1. The same objects as a fresh install, one line per property that matters.
	# ---------------------------------------------------------------------------------------------------------
	my $catalog = q{
	WITH ext AS (SELECT * FROM pg_extension WHERE extname = 'pg_bulk'),
	members AS (SELECT d.classid, d.objid, d.objsubid FROM pg_depend d, ext
	             WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
	bulk_classes AS (SELECT c.* FROM pg_class c WHERE c.relnamespace = 'bulk'::regnamespace)
	SELECT line FROM (
	  SELECT 'extension schema=' || extnamespace::regnamespace || ' relocatable=' || extrelocatable AS line FROM ext
	  UNION ALL SELECT 'extension depends on ' || pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) || ' '
	                   || d.deptype::text FROM pg_depend d, ext WHERE d.classid = 'pg_extension'::regclass AND d.objid = ext.oid
	  UNION ALL SELECT 'member ' || pg_describe_object(classid, objid, objsubid) FROM members
	  UNION ALL SELECT 'schema ' || nspname || ' owner=' || pg_get_userbyid(nspowner) || ' acl=' || coalesce(nspacl::text, '')
	              FROM pg_namespace WHERE nspname = 'bulk'
	  UNION ALL SELECT 'function ' || p.oid::regprocedure || ' acl=' || coalesce(p.proacl::text, '') || E'\n'
	                   || pg_get_functiondef(p.oid)
	              FROM pg_proc p WHERE p.pronamespace = 'bulk'::regnamespace
	  UNION ALL SELECT 'relation ' || relname || ' kind=' || relkind::text || ' acl=' || coalesce(relacl::text, '') || ' rls='
	                   || relrowsecurity || ' options=' || coalesce(reloptions::text, '') || ' owner=' || pg_get_userbyid(relowner)
	              FROM bulk_classes
	  UNION ALL SELECT 'column ' || c.relname || ' #' || a.attnum || ' ' || a.attname || ' '
	                   || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull || ' default='
	                   || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '') || ' identity=' || a.attidentity::text || ' generated='
	                   || a.attgenerated::text || ' collation=' || coalesce(co.collname, '') || ' compression=' || a.attcompression::text
	                   || ' acl=' || coalesce(a.attacl::text, '')
	              FROM bulk_classes c JOIN pg_attribute a ON a.attrelid = c.oid
	              LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
	              LEFT JOIN pg_collation co ON co.oid = a.attcollation
	             WHERE a.attnum > 0 AND NOT a.attisdropped
	  UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
	              FROM pg_constraint WHERE connamespace = 'bulk'::regnamespace
	  UNION ALL SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN bulk_classes c ON c.oid = i.indexrelid
	  UNION ALL SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
	              FROM pg_trigger t JOIN bulk_classes c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
	  UNION ALL SELECT 'policy ' || tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' using='
	                   || coalesce(qual, '') || ' check=' || coalesce(with_check, '')
	              FROM pg_policies WHERE schemaname = 'bulk'
	  UNION ALL SELECT 'view ' || relname || ' ' || pg_get_viewdef(oid) FROM bulk_classes WHERE relkind = 'v'
	  UNION ALL SELECT 'sequence ' || c.relname || ' ' || format_type(s.seqtypid, NULL) || ' ' || s.seqstart || ' '
	                   || s.seqincrement || ' ' || s.seqmax || ' ' || s.seqmin || ' ' || s.seqcache || ' ' || s.seqcycle
	              FROM pg_sequence s JOIN bulk_classes c ON c.oid = s.seqrelid
	  UNION ALL SELECT 'dumped ' || x.config::regclass || ' where=' || coalesce(x.condition, '')
	              FROM ext, unnest(ext.extconfig, ext.extcondition) AS x(config, condition)
	  UNION ALL SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ': ' || d.description
	              FROM pg_description d JOIN members m ON m.classid = d.classoid AND m.objid = d.objoid
	  UNION ALL SELECT 'initial privileges ' || pg_describe_object(i.classoid, i.objoid, i.objsubid) || ' '
	                   || i.initprivs::text
	              FROM pg_init_privs i JOIN members m ON m.classid = i.classoid AND m.objid = i.objoid
	) lines ORDER BY line};

	my %fresh = map { $_ => 1 } split /\n(?=\S)/, $node->safe_psql('fresh', $catalog);
	my %upgraded = map { $_ => 1 } split /\n(?=\S)/, upgraded($catalog);
	my @only_fresh = sort grep { !$upgraded{$_} } keys %fresh;
	my @only_upgraded = sort grep { !$fresh{$_} } keys %upgraded;
	ok(scalar(keys %fresh) > 100, 'the catalog description of a fresh install has ' . scalar(keys %fresh) . ' lines');
	is_deeply(\@only_fresh, [], 'nothing of a fresh install is missing after the update');
	is_deeply(\@only_upgraded, [], 'the update leaves nothing a fresh install does not have');

	# ---------------------------------------------------------------------------------------------------------
	# 2. The data, and the behaviour.
	# ---------------------------------------------------------------------------------------------------------
	is(upgraded("SELECT bulk.task('$resources')"), $receipts_before, "the receipts of a $from task read the same");
	is(upgraded('SELECT string_agg(DISTINCT submitted_by::text, \',\') FROM bulk.tasks'),
		'upgrade_writer', 'the submitters are kept (as role names)');
	is(upgraded("SELECT string_agg(key || ' v' || version, ', ' ORDER BY key) FROM bulk.profiles"),
		'hours v1, office v1, provider v1', 'the profiles are kept with their versions');
	$node->safe_psql('postgres', 'ALTER SYSTEM RESET pg_bulk.enabled; SELECT pg_reload_conf()');
	is(wait_status($pending), 'SUCCESS', "the task left pending by $from is applied after the update");
	is(upgraded("SELECT data ->> 'name' FROM bulk.resources WHERE id = 'main'"),
		'Main, after the upgrade', 'its effect is stored');
	my $after = upgraded(q{SET ROLE upgrade_writer;
	SELECT bulk.submit_relationships('{"operations": [{"action": "DELETE", "delete": {"type": "works_at", "id": "w1"}},
	  {"action": "CREATE", "create": {"type": "works_at", "id": "w2", "from": {"type": "provider", "id": "ann"},
	                                  "to": {"type": "office", "id": "main"}}}]}') ->> 'bulkId'});
	is(wait_status($after), 'SUCCESS', 'a task submitted after the update is applied');
	is(upgraded("SELECT string_agg(status, ',' ORDER BY seq) FROM bulk.receipts('$after')"),
		'SUCCESS,SUCCESS', 'with its receipts');
	my ($rc, $stdout, $stderr) = $node->psql('upgraded',
		"SET ROLE upgrade_writer; INSERT INTO bulk.resources (type, id, data) VALUES ('office', 'x', '{}')");
	like($stderr, qr/permission denied for table resources/, 'a writer cannot write bulk.resources after the update');

	# ---------------------------------------------------------------------------------------------------------
	# 3. DROP EXTENSION takes schema bulk with it.
	# ---------------------------------------------------------------------------------------------------------
	for my $db (qw(upgraded fresh))
	{
		$node->safe_psql($db, 'DROP EXTENSION pg_bulk');
		is($node->safe_psql($db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'bulk'"),
			'0', "$from, $db: DROP EXTENSION removes schema bulk");
	}
	$node->stop;
}

upgrade_from($_) for ('0.1', '0.2');

done_testing();
