
# Backups (DESIGN §2 "Backups", issue 12.1): a database holding every kind of pg_bulk content is dumped in
# every pg_dump format and restored every way — default, --single-transaction, -j 2, plain through psql, and
# data-only dumps into a fresh CREATE EXTENSION — and each restored database has every table of the extension
# row for row (versions and timestamps included) and its sequences where they were. Then a restored database
# works at once: its pending tasks are applied (a pending streamed load consumes its restored staging table), a
# new submit queues after the restored tasks, and bulk.task of a restored task is the source's.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('backup');
$node->init;
$node->append_conf(
	'postgresql.conf', q{
shared_preload_libraries = 'pg_bulk'
pg_bulk.database = 'source'
pg_bulk.poll_interval = '100ms'
max_worker_processes = 16
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE source');

sub source { return $node->safe_psql('source', $_[0]); }

sub set_enabled
{
	my ($on) = @_;    # 'true' or 'false'
	$node->safe_psql('postgres', "ALTER SYSTEM SET pg_bulk.enabled = $on; SELECT pg_reload_conf();");
	$node->poll_query_until('source', "SELECT bool_and(paused) = NOT $on FROM bulk.workers")
	  or die "the worker did not take pg_bulk.enabled = $on";
}

sub wait_status
{
	my ($db, $bulk_id) = @_;
	return $node->safe_psql($db, "SELECT bulk.wait('$bulk_id', '60 seconds') ->> 'status'");
}

# ---------------------------------------------------------------------------------------------------------
# The source: re-defined contained chains (rows in another order than they were defined), relationship
# definitions, resources and relationships, tasks of every status with receipts, a load with rejects.
# ---------------------------------------------------------------------------------------------------------
source(q{
CREATE EXTENSION pg_bulk;
CREATE ROLE backup_writer LOGIN IN ROLE bulk_writer;
GRANT CREATE ON SCHEMA public TO backup_writer;
SELECT bulk.define_profile('slot', '{"properties": {"from": {"type": "time"}}}', 'CONTAINED');
SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "code"}},
    "contained": {"slots": {"types": ["slot"], "cardinality": "0:*"}}}', 'CONTAINED');
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}},
    "contained": {"openingHours": {"types": ["hours"], "cardinality": "0:*"}}}');
SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol"}}}');
SELECT bulk.define_profile('temporary', '{"properties": {"name": {"type": "symbol"}}}');
-- Re-defined: their rows now come after the profiles that contain them.
SELECT bulk.define_profile('slot', '{"properties": {"from": {"type": "time"}, "to": {"type": "time"}}}', 'CONTAINED');
SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "code"}, "note": {"type": "markdown"}},
    "contained": {"slots": {"types": ["slot"], "cardinality": "0:*"}}}', 'CONTAINED');
SELECT bulk.define_relationship('works_at', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
    "cardinality": "N:N"}');
SELECT bulk.define_relationship('works_at', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
    "cardinality": "N:N", "properties": {"role": {"type": "code"}}}');
});
is(source("SELECT string_agg(key || ' v' || version, ', ' ORDER BY ctid) FROM bulk.profiles"),
	'provider v1, office v1, temporary v1, slot v2, hours v2',
	'the re-defined contained profiles are stored after the profile that contains them');

my $resources = source(q{
SET ROLE backup_writer;
SELECT bulk.submit_resources(jsonb_build_object('operations', (SELECT jsonb_agg(jsonb_build_object(
    'action', 'CREATE', 'create', jsonb_build_object(
        'type', CASE WHEN i % 2 = 0 THEN 'provider' ELSE 'office' END, 'id', 'r' || i,
        'data', jsonb_build_object('name', 'n' || i),
        'contained', CASE WHEN i % 2 = 0 THEN '{"openingHours": [{"data": {"day": "mon"},
            "contained": {"slots": [{"data": {"from": "08:00:00"}}]}}]}'::jsonb END))) FROM generate_series(1, 400) i)),
    'providers and offices') ->> 'bulkId'});
is(wait_status('source', $resources), 'SUCCESS', 'resources applied');
my $with_failures = source(q{
SET ROLE backup_writer;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "r1", "data": {"name": "again"}}},
  {"action": "DELETE", "delete": {"type": "office", "id": "nobody"}},
  {"action": "UPSERT", "upsert": {"type": "office", "id": "r3", "data": {"name": "renamed"}}},
  {"action": "CREATE", "create": {"type": "office", "data": {"name": "generated id"}}}]}') ->> 'bulkId'});
is(wait_status('source', $with_failures), 'SUCCESS', 'a task with FAILURE receipts applied');
my $relationships = source(q{
SET ROLE backup_writer;
SELECT bulk.submit_relationships(jsonb_build_object('operations', (SELECT jsonb_agg(jsonb_build_object(
    'action', 'CREATE', 'create', jsonb_build_object('type', 'works_at',
        'from', jsonb_build_object('type', 'provider', 'id', 'r' || (2 * i)),
        'to', jsonb_build_object('type', 'office', 'id', 'r' || (2 * i + 1)),
        'data', '{"role": "lead"}'::jsonb))) FROM generate_series(1, 150) i))) ->> 'bulkId'});
is(wait_status('source', $relationships), 'SUCCESS', 'relationships applied');

set_enabled('false');
my $failed = source(q{SET ROLE backup_writer;
SELECT bulk.submit_resources('{"operations": [{"action": "CREATE", "create": {"type": "temporary", "data": {}}}]}')
    ->> 'bulkId'});
source("SELECT bulk.drop_profile('temporary')");
set_enabled('true');
is(wait_status('source', $failed), 'FAILURE', 'a task whose profile was dropped failed');

set_enabled('false');
my $cancelled = source(q{SET ROLE backup_writer;
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "r5"}}]}')
    ->> 'bulkId'});
source("SELECT bulk.cancel('$cancelled')");
my $pending = source(q{SET ROLE backup_writer;
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "office", "id": "restored-1", "data": {"name": "after restore"}}},
  {"action": "DELETE", "delete": {"type": "office", "id": "r7"}}]}', 'idempotent-key') ->> 'bulkId'});
source(q{
SET ROLE backup_writer;
CREATE TABLE public.staged (action text, type text, id text, data jsonb);
INSERT INTO public.staged VALUES
  ('CREATE', 'office', 'staged-1', '{"name": "staged"}'),
  ('CREATE', 'office', 'staged-2', '{"name": 42}'),
  ('CREATE', 'nobody', 'staged-3', '{}');
SELECT bulk.load('public.staged');
CREATE TABLE public.streamed (action text, type text, id text, data jsonb);
INSERT INTO public.streamed VALUES ('CREATE', 'office', 'streamed-1', '{"name": "streamed"}');
SELECT bulk.load('public.streamed', 'resources', '{"mode": "stream"}');
});
is(source("SELECT string_agg(status, ',' ORDER BY queue_position) FROM bulk.tasks"),
	'SUCCESS,SUCCESS,SUCCESS,FAILURE,CANCELLED,PENDING,PENDING,PENDING',
	'the source holds tasks of every status (the last one a streamed load\'s)');
is(source("SELECT count(*) FROM bulk.load_rejects"), '2', 'the load kept its two rejects');

# ---------------------------------------------------------------------------------------------------------
# Dump and restore every way.
# ---------------------------------------------------------------------------------------------------------
my @tables = qw(profiles relationship_definitions resources relationships tasks task_operations
  operation_results task_logs loads load_rejects);
my @sequences = qw(tasks_queue_position_seq task_logs_position_seq load_rejects_position_seq);

# One line per table and sequence: its name and a digest of all its rows.
sub content
{
	my ($db) = @_;
	my @parts;
	push @parts,
	  "SELECT '$_ ' || count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '-') FROM bulk.$_ t"
	  for @tables;
	push @parts, "SELECT '$_ ' || last_value || ' ' || is_called FROM bulk.$_" for @sequences;
	return $node->safe_psql($db, join("\nUNION ALL\n", @parts));
}
my $source_content = content('source');
my $source_receipts = source("SELECT bulk.task('$with_failures')");

my $dir = $PostgreSQL::Test::Utils::tmp_check;
my $source_connstr = $node->connstr('source');
for my $format (qw(c d t p))
{
	$node->command_ok([ 'pg_dump', "-F$format", '-f', "$dir/full.$format", '-d', $source_connstr ],
		"pg_dump -F$format");
}
$node->command_ok([ 'pg_dump', '--data-only', '-Fc', '-f', "$dir/data.c", '-d', $source_connstr ],
	'pg_dump --data-only -Fc');
$node->command_ok([ 'pg_dump', '--data-only', '-Fp', '-f', "$dir/data.p", '-d', $source_connstr ],
	'pg_dump --data-only -Fp');

my %restores = (
	custom => [ 'pg_restore', "$dir/full.c" ],
	custom_single => [ 'pg_restore', '--single-transaction', "$dir/full.c" ],
	directory_parallel => [ 'pg_restore', '-j', '2', "$dir/full.d" ],
	tar_single => [ 'pg_restore', '--single-transaction', "$dir/full.t" ],
	plain => [ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', "$dir/full.p" ],
	data_only_custom => [ 'pg_restore', '--data-only', '-j', '2', "$dir/data.c" ],
	data_only_plain => [ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', "$dir/data.p" ],);
for my $name (sort keys %restores)
{
	my $db = "restored_$name";
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	if ($name =~ /^data_only/)
	{
		$node->safe_psql($db,
			'CREATE EXTENSION pg_bulk; CREATE TABLE public.staged (action text, type text, id text, data jsonb); '
			  . 'CREATE TABLE public.streamed (action text, type text, id text, data jsonb)');
	}
	my @command = @{ $restores{$name} };
	my ($stdout, $stderr) = ('', '');
	# As a user runs them: PostgreSQL::Test::Utils sets PGAPPNAME, which pg_restore would report instead of its name.
	local $ENV{PGAPPNAME};
	my $ok = IPC::Run::run([ @command, '-d', $node->connstr($db) ], '>', \$stdout, '2>', \$stderr);
	ok($ok && $stderr !~ /ERROR|error:/, "restore $name runs without an error") or diag($stderr);
	is(content($db), $source_content, "restore $name: every table and sequence of pg_bulk, row for row");
	is($node->safe_psql($db, "SELECT bulk.task('$with_failures')"),
		$source_receipts, "restore $name: bulk.task of a restored task is the source's");
}

# ---------------------------------------------------------------------------------------------------------
# A restored database works at once: its worker applies the restored pending tasks, a new submit queues after
# them (the sequence came back), receipts of restored tasks read the same.
# ---------------------------------------------------------------------------------------------------------
$node->append_conf('postgresql.conf', "pg_bulk.database = 'restored_directory_parallel'\npg_bulk.enabled = on");
$node->safe_psql('postgres', 'ALTER SYSTEM RESET pg_bulk.enabled');
$node->restart;
my $restored = 'restored_directory_parallel';
is(wait_status($restored, $pending), 'SUCCESS', 'the restored pending task is applied');
is($node->safe_psql($restored, "SELECT data ->> 'name' FROM bulk.resources WHERE id = 'restored-1'"),
	'after restore', 'its effect is stored');
my $load_task = $node->safe_psql($restored, "SELECT bulk_ids[1] FROM bulk.loads WHERE mode = 'queue'");
is(wait_status($restored, $load_task), 'SUCCESS', 'the restored load task is applied');
my $streamed_task = $node->safe_psql($restored,
	"SELECT bulk_ids[1] FROM bulk.loads WHERE mode = 'stream' AND source_table = 'public.streamed'");
is(wait_status($restored, $streamed_task), 'SUCCESS', 'the restored streamed load consumes its restored table');
is( $node->safe_psql(
		$restored, "SELECT (SELECT count(*) FROM public.streamed) || ' ' || (SELECT data ->> 'name' FROM bulk.resources
                                                                                  WHERE id = 'streamed-1')"),
	'0 streamed',
	'its row is stored and no longer staged');
my $new_task = $node->safe_psql($restored, q{SET ROLE backup_writer;
SELECT bulk.submit_resources('{"operations": [{"action": "CREATE", "create": {"type": "office", "id": "new",
    "data": {"name": "new"}}}]}') ->> 'bulkId'});
is(wait_status($restored, $new_task), 'SUCCESS', 'a new task submitted in the restored database is applied');
is( $node->safe_psql(
		$restored, "SELECT queue_position > (SELECT max(queue_position) FROM bulk.tasks WHERE bulk_id <> '$new_task')
                      FROM bulk.tasks WHERE bulk_id = '$new_task'"),
	't',
	'it queues after every restored task');
is( $node->safe_psql(
		$restored, q{SET ROLE backup_writer;
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "r9"}}]}',
    'idempotent-key') ->> 'bulkId'}),
	$pending,
	'an idempotency key of a restored task still replays it, for its submitter');
is($node->safe_psql($restored, "SELECT bulk.task('$with_failures')"),
	$source_receipts, 'bulk.task of a restored task after the worker ran');

done_testing();
