
# Crash safety of grouped small tasks and of the worker pool (DESIGN §6, issue 11): small tasks share one
# batch transaction, and up to 4 workers apply the tasks that do not conflict at once. 3,000 tasks of 3 UPSERTs
# over 30 ids are queued while the workers are paused; they are switched on and a worker is SIGKILLed twice
# while they work through them, then an immediate stop and start. Afterwards every task is
# SUCCESS with exactly one receipt per operation, and each id holds the data of the last task that wrote it
# (what applying the tasks one at a time in queue order gives): no group was lost, repeated or reordered.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $tasks = 3000;
my $node = PostgreSQL::Test::Cluster->new('small_crash');
$node->init;
$node->append_conf(
	'postgresql.conf', q{
shared_preload_libraries = 'pg_bulk'
restart_after_crash = on
pg_bulk.poll_interval = '100ms'
pg_bulk.enabled = off
pg_bulk.max_workers = 4
});
$node->start;
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION pg_bulk;
SELECT bulk.define_profile('item', '{"properties": {"task": {"type": "integer"}}}');
-- Each written row costs the worker 1 ms more, so that a group (about 330 tasks) takes a third of a second and
-- every kill below lands in the middle of the queue, however fast the machine.
CREATE FUNCTION public.slow_row() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END \$\$;
CREATE TRIGGER slow_row BEFORE INSERT OR UPDATE ON bulk.resources FOR EACH ROW EXECUTE FUNCTION public.slow_row();
-- Task n writes ids (n % 30), (n * 7 % 30) and (n * 13 % 30), in that order, with data {"task": n}.
DO \$\$
BEGIN
    FOR n IN 1 .. $tasks LOOP
        PERFORM bulk.submit_resources(jsonb_build_object('operations', (
            SELECT jsonb_agg(jsonb_build_object('action', 'UPSERT', 'upsert', jsonb_build_object(
                       'type', 'item', 'id', 'k' || k, 'data', jsonb_build_object('task', n))) ORDER BY o)
              FROM unnest(ARRAY[n % 30, n * 7 % 30, n * 13 % 30]) WITH ORDINALITY AS u(k, o))));
    END LOOP;
END
\$\$;
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM bulk.tasks'), $tasks, "$tasks tasks queued");

sub worker_pid
{
	$node->poll_query_until('postgres',
		"SELECT count(*) >= 1 FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker'")
	  or die 'no pg_bulk worker came up';
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker' ORDER BY backend_start DESC LIMIT 1");
}

sub applied { return $node->safe_psql('postgres', "SELECT count(*) FROM bulk.tasks WHERE status = 'SUCCESS'"); }

# Kills the worker once it has ended some tasks but not all (a group is most likely in flight).
sub kill_mid_stream
{
	my ($how) = @_;
	# After a crash the server refuses connections until it has recovered.
	$node->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
	my $before = applied();
	$node->poll_query_until('postgres', "SELECT count(*) > $before + 50 FROM bulk.tasks WHERE status = 'SUCCESS'")
	  or die 'the worker made no progress';
	my $now = applied();
	if ($how eq 'kill9')
	{
		kill 'KILL', worker_pid();
	}
	else
	{
		$node->stop('immediate');
		$node->start;
	}
	return $now;
}

$node->safe_psql('postgres', 'ALTER SYSTEM SET pg_bulk.enabled = on; SELECT pg_reload_conf()');
my $at_first = kill_mid_stream('kill9');
ok($at_first < $tasks, "the first SIGKILL landed with $at_first of $tasks tasks ended");
my $at_second = kill_mid_stream('kill9');
ok($at_second < $tasks, "the second SIGKILL landed with $at_second tasks ended");
my $at_stop = kill_mid_stream('immediate');
ok($at_stop < $tasks, "the immediate stop landed with $at_stop tasks ended");

$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM bulk.tasks WHERE status = 'PENDING'")
  or die 'tasks still pending';
is($node->safe_psql('postgres', "SELECT string_agg(DISTINCT status, ',') FROM bulk.tasks"),
	'SUCCESS', 'every task ended SUCCESS');
is( $node->safe_psql(
		'postgres', q{
SELECT count(*) || ' receipts, ' || count(DISTINCT (r.bulk_id, g.seq)) || ' distinct, '
       || count(*) FILTER (WHERE r.status <> 'SUCCESS') || ' not SUCCESS'
  FROM bulk.operation_results r, generate_series(r.seq, r.last_seq) AS g(seq)}),
	($tasks * 3) . ' receipts, ' . ($tasks * 3) . ' distinct, 0 not SUCCESS',
	'exactly one SUCCESS receipt per operation');
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*) FROM (
    SELECT 'k' || k AS id, max(n) AS last_task
      FROM generate_series(1, $tasks) AS n, unnest(ARRAY[n % 30, n * 7 % 30, n * 13 % 30]) AS k
     GROUP BY k) expected
  FULL JOIN bulk.resources r ON r.id = expected.id
 WHERE (r.data ->> 'task')::integer IS DISTINCT FROM expected.last_task}),
	'0',
	'every id holds the data of the last task that wrote it');
is( $node->safe_psql('postgres', "SELECT count(*) FROM bulk.task_logs WHERE message LIKE 'finished:%'"),
	$tasks, 'each task logged its own end once');

done_testing();
