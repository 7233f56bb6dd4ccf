
# The worker pool against a one-at-a-time reference (DESIGN §6, issue 11). Four sessions submit random
# tasks at once over a small key space (resources and relationships, CREATE / UPSERT / DELETE, many failing:
# 409, 404, missing endpoints, cardinality), and four workers apply them while they come. A reference cluster
# with one worker then applies the same requests one at a time in the pool's queue order. The stored
# resources and relationships, and every task's receipts (status and error type of each operation), must be
# equal, with exactly one receipt per operation. Then the same again with a worker and the launcher killed
# (SIGKILL) while the pool works through a queue of tasks: afterwards exactly once, and the order holds.
use strict;
use warnings;

use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seed = $ENV{PG_BULK_POOL_SEED} // int(rand(1_000_000));
note("random seed $seed (PG_BULK_POOL_SEED=$seed repeats this run)");
srand($seed);

my $json = JSON::PP->new->canonical;
my $setup = q{
CREATE EXTENSION pg_bulk;
SELECT bulk.define_profile('item', '{"properties": {"v": {"type": "integer"}}}');
SELECT bulk.define_relationship('link', '{"from": {"profileKey": "item"}, "to": {"profileKey": "item"},
    "cardinality": "1:1", "properties": {"n": {"type": "integer"}}}');
SELECT bulk.define_relationship('tie', '{"from": {"profileKey": "item"}, "to": {"profileKey": "item"},
    "cardinality": "N:N", "properties": {"n": {"type": "integer"}}}');
};

sub cluster
{
	my ($name, $workers) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	# A small batch size makes tasks of more than 8 operations large (applied alone, batch by batch) and
	# groups of small tasks short.
	$node->append_conf(
		'postgresql.conf', qq{
shared_preload_libraries = 'pg_bulk'
restart_after_crash = on
pg_bulk.max_workers = $workers
pg_bulk.batch_size = 8
pg_bulk.poll_interval = '100ms'
max_worker_processes = 16
});
	$node->start;
	$node->safe_psql('postgres', $setup);
	return $node;
}

my $pool = cluster('pool', 4);
my $reference = cluster('reference', 1);

my $task_number = 0;

sub random_item { return 'i' . int(rand(16)); }

# A random request: [target, request text].
sub random_task
{
	my $n = ++$task_number;
	my $count = rand() < 0.15 ? 9 + int(rand(20)) : 1 + int(rand(4));
	my @operations;
	if (rand() < 0.6)
	{
		for my $k (1 .. $count)
		{
			my $action = (qw(CREATE UPSERT UPSERT DELETE))[ int(rand(4)) ];
			my $payload = { type => 'item', id => random_item() };
			$payload->{data} = { v => $n * 100 + $k } unless $action eq 'DELETE';
			push @operations, { action => $action, lc($action) => $payload };
		}
		return [ 'resources', $json->encode({ operations => \@operations }) ];
	}
	for my $k (1 .. $count)
	{
		my $action = (qw(CREATE CREATE UPSERT DELETE))[ int(rand(4)) ];
		my $payload = { type => (rand() < 0.5 ? 'link' : 'tie'), id => 'r' . int(rand(8)) };
		if ($action ne 'DELETE')
		{
			$payload->{from} = { type => 'item', id => random_item() };
			$payload->{to} = { type => 'item', id => random_item() };
			$payload->{data} = { n => $n * 100 + $k };
		}
		push @operations, { action => $action, lc($action) => $payload };
	}
	return [ 'relationships', $json->encode({ operations => \@operations }) ];
}

sub submit_sql
{
	my ($task) = @_;
	my ($target, $request) = @$task;
	$request =~ s/'/''/g;
	return "SELECT bulk.submit_$target('$request') ->> 'status';\n";
}

# Runs the sessions' scripts at once, each statement in its own transaction.
sub submit_concurrently
{
	my ($node, @scripts) = @_;
	my @runs;
	for my $script (@scripts)
	{
		my ($out, $err) = ('', '');
		push @runs,
		  [
			IPC::Run::start(
				[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres') ],
				'<', \$script, '>', \$out, '2>', \$err),
			\$out, \$err
		  ];
	}
	for my $run (@runs)
	{
		$run->[0]->finish;
		die "a submitting session failed: ${$run->[2]}" if $run->[0]->result != 0;
		my @answers = split /\n/, ${ $run->[1] };
		die "a submit was not accepted: @answers" if grep { $_ ne 'ACCEPTED' } @answers;
	}
}

sub wait_idle
{
	my ($node) = @_;
	$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM bulk.tasks WHERE status = 'PENDING'", 't')
	  or die 'tasks still pending';
}

# The pool's tasks from position $after on, in queue order: [target, request] each.
sub queued_requests
{
	my ($after) = @_;
	my @tasks;
	for my $line (split /\n/, $pool->safe_psql('postgres', qq{
SELECT t.target || E'\\t' || jsonb_build_object('operations', (
           SELECT jsonb_agg(o ORDER BY c.first_operation, n)
             FROM bulk.task_operations c, jsonb_array_elements(c.operations) WITH ORDINALITY AS e(o, n)
            WHERE c.bulk_id = t.bulk_id))::text
  FROM bulk.tasks t WHERE t.queue_position > $after ORDER BY t.queue_position}))
	{
		my ($target, $request) = split /\t/, $line, 2;
		push @tasks, [ $target, $request ];
	}
	return @tasks;
}

my $state = q{
SELECT 'resource ' || type || '/' || id || ' ' || data::text FROM bulk.resources
UNION ALL
SELECT 'relationship ' || type || '/' || id || ' ' || from_id || '->' || to_id || ' ' || data::text
  FROM bulk.relationships
ORDER BY 1};
# A line per task, in queue order: each operation's status and error type.
my $receipts = q{
SELECT t.rank || ' ' || t.target || ': ' || string_agg(r.seq || ':' || r.status || ':' || coalesce(r.error_type, ''), ' '
                                              ORDER BY r.seq)
  FROM (SELECT bulk_id, target, rank() OVER (ORDER BY queue_position) AS rank FROM bulk.tasks) t,
       LATERAL bulk.receipts(t.bulk_id) r
 GROUP BY t.rank, t.target ORDER BY t.rank};
my $once = q{
SELECT (SELECT sum(operation_count) FROM bulk.tasks) || ' operations, '
       || (SELECT count(*) FROM bulk.operation_results r, generate_series(r.seq, r.last_seq) g(seq)) || ' receipts, '
       || (SELECT count(DISTINCT (r.bulk_id, g.seq)) FROM bulk.operation_results r, generate_series(r.seq, r.last_seq) g(seq))
       || ' distinct'};

sub compare_with_reference
{
	my ($label, $after) = @_;
	my $script = join '', map { submit_sql($_) } queued_requests($after);
	submit_concurrently($reference, $script);
	wait_idle($reference);
	is($pool->safe_psql('postgres', $state), $reference->safe_psql('postgres', $state),
		"$label: the stored resources and relationships equal the one-at-a-time reference");
	is_deeply(
		[ split /\n/, $pool->safe_psql('postgres', $receipts) ],
		[ split /\n/, $reference->safe_psql('postgres', $receipts) ],
		"$label: every task's receipts equal the reference's");
	my $counts = $pool->safe_psql('postgres', $once);
	like($counts, qr/^(\d+) operations, \1 receipts, \1 distinct$/, "$label: exactly one receipt per operation ($counts)");
	is($pool->safe_psql('postgres', "SELECT string_agg(DISTINCT status, ',') FROM bulk.tasks"),
		'SUCCESS', "$label: every task ended SUCCESS");
}

# ---------------------------------------------------------------------------------------------------------
# 1. Four sessions submit while four workers apply.
# ---------------------------------------------------------------------------------------------------------
my @scripts = map { join '', map { submit_sql(random_task()) } 1 .. 120 } 1 .. 4;
submit_concurrently($pool, @scripts);
wait_idle($pool);
ok($pool->safe_psql('postgres', q{SELECT count(DISTINCT substring(message from 'pid (\d+)')) FROM bulk.task_logs
                                   WHERE message LIKE 'picked up by%'}) > 1,
	'1: more than one worker took tasks up');
compare_with_reference('1', 0);

# ---------------------------------------------------------------------------------------------------------
# 2. A queue worked through by the pool while a worker, then the launcher, is killed.
# ---------------------------------------------------------------------------------------------------------
my $last = $pool->safe_psql('postgres', 'SELECT max(queue_position) FROM bulk.tasks');
# Each written row costs a millisecond, so that the kills land while the pool works.
$pool->safe_psql('postgres', q{
CREATE FUNCTION public.slow_row() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END $$;
CREATE TRIGGER slow_row BEFORE INSERT OR UPDATE ON bulk.resources FOR EACH ROW EXECUTE FUNCTION public.slow_row();
CREATE TRIGGER slow_row BEFORE INSERT OR UPDATE ON bulk.relationships FOR EACH ROW EXECUTE FUNCTION public.slow_row();
SELECT bulk.pause();});
submit_concurrently($pool, map { join '', map { submit_sql(random_task()) } 1 .. 150 } 1 .. 2);
$pool->safe_psql('postgres', 'SELECT bulk.resume()');

sub ended { return $pool->safe_psql('postgres', "SELECT count(*) FROM bulk.tasks WHERE status <> 'PENDING'"); }

for my $victim ('pg_bulk worker', 'pg_bulk launcher')
{
	$pool->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
	my $before = ended();
	$pool->poll_query_until('postgres', "SELECT count(*) > $before + 20 FROM bulk.tasks WHERE status <> 'PENDING'")
	  or die 'the pool made no progress';
	# The launcher connects to no database: not in pg_stat_activity; found by its process title.
	my ($pid) = split /\n/, `pgrep -f '^postgres: pool: $victim'`;
	chomp $pid if defined $pid;
	my $pending = $pool->safe_psql('postgres', "SELECT count(*) FROM bulk.tasks WHERE status = 'PENDING'");
	ok($pid && $pending > 0, "2: SIGKILL of the $victim (pid $pid) with $pending tasks pending");
	kill 'KILL', $pid;
}
$pool->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
wait_idle($pool);
compare_with_reference('2 (after the kills)', $last);

done_testing();
