
# Crash safety of the pg_bulk worker (DESIGN §6, issue 3): a 100,000-operation CREATE task is interrupted in
# the middle by
#   (a) SIGKILL of the worker (the postmaster reinitializes: restart_after_crash = on),
#   (b) an immediate server stop (`pg_ctl stop -m immediate`), then a start,
#   (c) SIGTERM of the worker (pg_terminate_backend): it stops after the operation in flight, exits non-zero and
#       the postmaster starts it again after bgw_restart_time (1 s),
# and each time the task must end SUCCESS with exactly one receipt and one effect per operation.
#   (d) ordering across restarts: receipts and effects follow operation order through every interruption, and an
#       order-sensitive task (CREATE / UPSERT / DELETE rounds on the same ids) survives a SIGKILL and a server
#       restart with every operation SUCCESS, which only an in-order, exactly-once replay gives.
#   (e) an atomic task: SIGKILL of the worker in its middle leaves nothing of it; it is then applied once, whole.
#
# How the interruption surely lands mid-task without making the test slow: pg_bulk.test_apply_delay = 1 ms per
# operation with pg_bulk.batch_size = 100 (about 1,000 operations a second, so 100 seconds for the task) until
# the interruption, then ALTER SYSTEM sets the delay to 0 and the rest runs at full speed (a few seconds).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $operations = 100_000;
# One row per operation: bulk.operation_results stores a run of consecutive successes as one row
# (seq .. last_seq), so the checks below expand it; an operation receipted twice shows up twice.
my $expanded_receipts =
  q{(SELECT r.bulk_id, g.seq, r.status, r.error, r.completed_at FROM bulk.operation_results r, }
  . q{generate_series(r.seq, r.last_seq) AS g(seq))};

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'pg_bulk'
pg_bulk.max_workers = 1  # these checks follow the one worker (the pool's: 008, 009)
# PostgreSQL::Test::Cluster writes restart_after_crash = off: the first SIGKILL would shut the node down.
restart_after_crash = on
pg_bulk.poll_interval = '100ms'
pg_bulk.batch_size = 100
pg_bulk.test_apply_delay = 1
});
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_bulk;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}}}');
});

# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------

# Pid of the running pg_bulk worker other than $not_pid (waits for it: after a crash, connections are refused
# until the postmaster has reinitialized, which poll_query_until rides out).
sub worker_pid
{
	my ($not_pid) = @_;
	$not_pid //= 0;
	my $query =
	  "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker' AND pid <> $not_pid";
	$node->poll_query_until('postgres', $query)
	  or die "no pg_bulk worker (other than pid $not_pid) came up";
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker'");
}

sub set_worker_settings
{
	my ($sql) = @_;
	$node->safe_psql('postgres', "$sql; SELECT pg_reload_conf();");
}

# Slow apply (1 ms per operation, batches of 100) and full speed: the delay is ALTER SYSTEM'ed on and off.
sub slow_apply { set_worker_settings('ALTER SYSTEM RESET pg_bulk.test_apply_delay'); }
sub full_speed { set_worker_settings('ALTER SYSTEM SET pg_bulk.test_apply_delay = 0'); }

# Submits $n CREATE operations: operation i creates provider "<prefix>-i" with data {"name": "n<i>"}.
sub submit_creates
{
	my ($prefix, $n) = @_;
	return $node->safe_psql(
		'postgres', qq{
SET pg_bulk.max_operations = $n;
SELECT bulk.submit_resources(jsonb_build_object('operations',
    (SELECT jsonb_agg(jsonb_build_object('action', 'CREATE', 'create',
                jsonb_build_object('type', 'provider', 'id', '$prefix-' || i,
                                   'data', jsonb_build_object('name', 'n' || i))) ORDER BY i)
       FROM generate_series(0, $n - 1) AS i))) ->> 'bulkId';
});
}

# Waits until the task has at least $count final receipts; returns (status, applied_count) read right then,
# after checking that applied_count matches the committed receipts.
sub wait_applied
{
	my ($label, $bulk_id, $count) = @_;
	$node->poll_query_until('postgres',
		"SELECT applied_count >= $count FROM bulk.tasks WHERE bulk_id = '$bulk_id'")
	  or die "task $bulk_id never reached $count applied operations";
	my ($status, $applied, $receipts) = split /\|/, $node->safe_psql(
		'postgres', qq{
SELECT status, applied_count, (SELECT count(*) FROM $expanded_receipts r WHERE r.bulk_id = t.bulk_id)
  FROM bulk.tasks t WHERE bulk_id = '$bulk_id'});
	is($receipts, $applied, "$label $applied operations applied, with as many receipts committed");
	return ($status, $applied);
}

sub wait_task
{
	my ($bulk_id) = @_;
	return $node->safe_psql('postgres', "SELECT bulk.wait('$bulk_id', '150 s') ->> 'status'");
}

sub task_log_lines
{
	my ($bulk_id) = @_;
	return $node->safe_psql('postgres', "SELECT level || ': ' || message FROM bulk.logs('$bulk_id')");
}

# The end state every interrupted CREATE task must reach: (a)-(c)'s exactly-once checks and (d)'s ordering checks.
sub check_create_task
{
	my ($label, $bulk_id, $prefix, $n) = @_;
	my $last = $n - 1;

	is(wait_task($bulk_id), 'SUCCESS', "$label: task ends SUCCESS");

	# One final receipt per operation, one resource per SUCCESS receipt, no 409 caused by a replay.
	is( $node->safe_psql(
			'postgres', qq{
SELECT (SELECT count(*) FROM bulk.resources WHERE type = 'provider' AND id LIKE '$prefix-%'),
       count(*) FILTER (WHERE status = 'SUCCESS'), count(*), count(DISTINCT seq), min(seq), max(seq),
       count(*) FILTER (WHERE error ->> 'type' = 'ALREADY_EXISTS')
  FROM $expanded_receipts receipt WHERE bulk_id = '$bulk_id'}),
		"$n|$n|$n|$n|0|$last|0",
		"$label: resources = SUCCESS receipts = receipts = distinct seqs = $n, no ALREADY_EXISTS");
	is( $node->safe_psql(
			'postgres', qq{
SELECT count(*), count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE error_type IS NOT NULL)
  FROM bulk.receipts('$bulk_id')}),
		"$n|$n|0",
		"$label: bulk.receipts shows $n SUCCESS receipts, no error");
	is( $node->safe_psql(
			'postgres', "SELECT applied_count, operation_count FROM bulk.tasks WHERE bulk_id = '$bulk_id'"),
		"$n|$n",
		"$label: applied_count reached operation_count");
	like(
		task_log_lines($bulk_id),
		qr/^INFO: finished: $n succeeded, 0 failed$/m,
		"$label: log says finished with $n succeeded");

	# (d) ordering across the interruption. Receipts in seq order name the operations in request order.
	is( $node->safe_psql(
			'postgres', qq{
SELECT count(*) FROM (SELECT seq, id, row_number() OVER () - 1 AS position FROM bulk.receipts('$bulk_id')) r
 WHERE r.seq <> r.position OR r.id <> '$prefix-' || r.seq}),
		'0',
		"$label: receipts ordered by seq match the operation order");
	# Receipts were written in operation order: completed_at never goes back as seq grows (also across the
	# interruption: the receipts written after it come after every receipt written before it).
	is( $node->safe_psql(
			'postgres', qq{
SELECT count(*) FROM (SELECT completed_at < lag(completed_at) OVER (ORDER BY seq) AS back
                        FROM $expanded_receipts receipt WHERE bulk_id = '$bulk_id') r WHERE back}),
		'0',
		"$label: receipts were committed in operation order");
	# Each resource holds the data of its own operation, and resources were created in operation order
	# (created_at is the start of the batch transaction that applied the operation).
	is( $node->safe_psql(
			'postgres', qq{
SELECT count(*) FILTER (WHERE data <> jsonb_build_object('name', 'n' || idx)),
       count(*) FILTER (WHERE created_at < previous_created)
  FROM (SELECT data, idx, created_at, lag(created_at) OVER (ORDER BY idx) AS previous_created
          FROM (SELECT data, created_at, substr(id, length('$prefix-') + 1)::int AS idx
                  FROM bulk.resources WHERE type = 'provider' AND id LIKE '$prefix-%') s) r}),
		'0|0',
		"$label: every resource's data matches its operation index; created in operation order");
}

# Checks that the task was interrupted mid-task and resumed after its last committed receipt: the log line
# "resumed at operation N ... after an interruption" with N at least the progress seen before the interruption.
sub check_resumed
{
	my ($label, $bulk_id, $applied_before) = @_;
	my $logs = task_log_lines($bulk_id);
	if ($logs =~ /resumed at operation (\d+) by worker pid \d+ after an interruption/)
	{
		my $resumed_at = $1;
		ok( $resumed_at >= $applied_before && $resumed_at < $operations,
			"$label: resumed at operation $resumed_at (>= $applied_before committed before, < $operations)");
		# Right after its last committed receipt: the receipts committed before the resumption are exactly
		# seq 0 .. N - 1.
		is( $node->safe_psql(
				'postgres', qq{
SELECT count(*), coalesce(max(seq), -1) FROM $expanded_receipts receipt
 WHERE bulk_id = '$bulk_id'
   AND completed_at < (SELECT min(at) FROM bulk.logs('$bulk_id') WHERE message LIKE 'resumed at operation%')}),
			"$resumed_at|" . ($resumed_at - 1),
			"$label: the receipts committed before the crash are exactly operations 0 .. " . ($resumed_at - 1));
	}
	else
	{
		fail("$label: a 'resumed at operation' log line");
		diag("bulk.logs($bulk_id):\n$logs");
	}
}

# ---------------------------------------------------------------------------------------------------------------
# (a) SIGKILL of the worker mid-task
# ---------------------------------------------------------------------------------------------------------------
my $start = time;
my $pid = worker_pid();
my $bulk_a = submit_creates('a', $operations);
my ($status, $applied) = wait_applied('(a)', $bulk_a, 1000);
is($status, 'PENDING', '(a) task still PENDING when the worker is killed');
cmp_ok($applied, '<', $operations, "(a) $applied of $operations operations applied before SIGKILL");
my $log_offset = -s $node->logfile;
ok(kill('KILL', $pid), "(a) SIGKILL the worker (pid $pid)");
$node->wait_for_log(qr/background worker "pg_bulk worker" \(PID $pid\) was terminated by signal 9/, $log_offset);
my $new_pid = worker_pid($pid);
ok(1, "(a) the worker came back after the crash (pid $new_pid)");
full_speed();
check_create_task('(a)', $bulk_a, 'a', $operations);
check_resumed('(a)', $bulk_a, $applied);
like(
	slurp_file($node->logfile, $log_offset),
	qr/all server processes terminated; reinitializing/,
	'(a) the postmaster reinitialized after the SIGKILL');
diag(sprintf('(a) took %.1f s', time - $start));

# ---------------------------------------------------------------------------------------------------------------
# (b) immediate stop of the server mid-task, then start
# ---------------------------------------------------------------------------------------------------------------
$start = time;
slow_apply();
my $bulk_b = submit_creates('b', $operations);
($status, $applied) = wait_applied('(b)', $bulk_b, 1000);
is($status, 'PENDING', '(b) task still PENDING at the immediate stop');
$node->stop('immediate');
$log_offset = -s $node->logfile;
$node->start;
$pid = worker_pid();
full_speed();
check_create_task('(b)', $bulk_b, 'b', $operations);
check_resumed('(b)', $bulk_b, $applied);
like(
	slurp_file($node->logfile, $log_offset),
	qr/database system was not properly shut down; automatic recovery in progress/,
	'(b) the server ran crash recovery after the immediate stop');
diag(sprintf('(b) took %.1f s', time - $start));

# ---------------------------------------------------------------------------------------------------------------
# (c) SIGTERM of the worker mid-batch: it stops after the operation in flight (not after the batch), commits,
# exits with code 1, comes back after bgw_restart_time (1 s) and resumes.
# Batches of 1000 with 3 ms per operation: a batch takes 3 s, so a worker that finished its batch before exiting
# would need seconds and stop at a multiple of 1000.
# ---------------------------------------------------------------------------------------------------------------
$start = time;
set_worker_settings(
	'ALTER SYSTEM SET pg_bulk.batch_size = 1000; ALTER SYSTEM SET pg_bulk.test_apply_delay = 3');
$pid = worker_pid();
my $bulk_c = submit_creates('c', $operations);
($status, $applied) = wait_applied('(c)', $bulk_c, 1000);
is($status, 'PENDING', '(c) task still PENDING at the SIGTERM');
$log_offset = -s $node->logfile;
# The server's clock when the signal is sent, to compare with the worker's "stopping" log line.
my ($term_at, $signalled) = split /\|/,
  $node->safe_psql('postgres', "SELECT clock_timestamp() || '|' || pg_terminate_backend($pid)");
is($signalled, 'true', "(c) SIGTERM the worker (pid $pid)");
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid")
  or die "the worker did not exit after SIGTERM";
# Back to batches of 100 at full speed for the rest (the restarted worker reads the reloaded settings).
set_worker_settings(
	'ALTER SYSTEM RESET pg_bulk.batch_size; ALTER SYSTEM SET pg_bulk.test_apply_delay = 0');
$node->wait_for_log(qr/background worker "pg_bulk worker" \(PID $pid\) exited with exit code 1/, $log_offset);
$new_pid = worker_pid($pid);
ok(1, "(c) the worker came back after SIGTERM (pid $new_pid)");
check_create_task('(c)', $bulk_c, 'c', $operations);
my $logs_c = task_log_lines($bulk_c);
if ($logs_c =~ /worker stopping \(SIGTERM\) after operation (\d+); it resumes later/)
{
	my $stopped_at = $1;
	ok($stopped_at > 1000 && $stopped_at < 2000,
		"(c) stopped mid-batch after the operation in flight: at operation $stopped_at (batch 1000..1999)");
	my $stop_seconds = $node->safe_psql('postgres', qq{
SELECT round(extract(epoch FROM at - '$term_at'::timestamptz)::numeric, 3) FROM bulk.logs('$bulk_c')
 WHERE message LIKE 'worker stopping (SIGTERM)%'});
	cmp_ok($stop_seconds, '<', 1,
		"(c) the worker committed and logged its stop $stop_seconds s after SIGTERM (a batch takes 3 s)");
	# What the stopping worker committed: exactly the receipts before its log line, seq 0 .. stopped_at - 1.
	is( $node->safe_psql(
			'postgres', qq{
SELECT count(*), max(seq) FROM $expanded_receipts receipt
 WHERE bulk_id = '$bulk_c'
   AND completed_at < (SELECT at FROM bulk.logs('$bulk_c') WHERE message LIKE 'worker stopping (SIGTERM)%')}),
		"$stopped_at|" . ($stopped_at - 1),
		'(c) the stopping worker committed exactly the operations before the one it stopped at');
}
else
{
	fail("(c) a 'worker stopping (SIGTERM) after operation N' log line");
	diag("bulk.logs($bulk_c):\n$logs_c");
}
like($logs_c, qr/resumed at operation \d+ by worker pid $new_pid$/m, '(c) the restarted worker resumed the task (a SIGTERM is not counted as an interruption)');
unlike(
	slurp_file($node->logfile, $log_offset),
	qr/terminated by signal|reinitializing/,
	'(c) SIGTERM caused no crash restart');
diag(sprintf('(c) took %.1f s', time - $start));

# ---------------------------------------------------------------------------------------------------------------
# (d) ordering across restarts with an order-sensitive task: 61 rounds over the ids o-0 .. o-99, round r doing
# CREATE (r % 3 = 0), UPSERT (1) or DELETE (2) of every id, each with data {"name": "v<operation index>"}.
# Every operation succeeds only if all are applied in order, exactly once: a replayed CREATE gives 409, a
# replayed DELETE 404, a reordered one either. Interrupted by a SIGKILL and then by a (fast) server restart.
# ---------------------------------------------------------------------------------------------------------------
$start = time;
slow_apply();
my $mixed = 6100;
$pid = worker_pid();
my $bulk_d = $node->safe_psql(
	'postgres', qq{
SELECT bulk.submit_resources(jsonb_build_object('operations',
    (SELECT jsonb_agg(CASE (i / 100) % 3
                WHEN 0 THEN jsonb_build_object('action', 'CREATE', 'create', jsonb_build_object('type', 'provider',
                                'id', 'o-' || i % 100, 'data', jsonb_build_object('name', 'v' || i)))
                WHEN 1 THEN jsonb_build_object('action', 'UPSERT', 'upsert', jsonb_build_object('type', 'provider',
                                'id', 'o-' || i % 100, 'data', jsonb_build_object('name', 'v' || i)))
                ELSE jsonb_build_object('action', 'DELETE', 'delete', jsonb_build_object('type', 'provider',
                                'id', 'o-' || i % 100))
            END ORDER BY i)
       FROM generate_series(0, $mixed - 1) AS i))) ->> 'bulkId';
});
($status, $applied) = wait_applied('(d)', $bulk_d, 1500);
is($status, 'PENDING', '(d) order-sensitive task still PENDING at the SIGKILL');
ok(kill('KILL', $pid), "(d) SIGKILL the worker (pid $pid)");
$pid = worker_pid($pid);
($status, $applied) = wait_applied('(d)', $bulk_d, 3500);
is($status, 'PENDING', '(d) order-sensitive task still PENDING at the server restart');
$node->restart;
$pid = worker_pid();
full_speed();
is(wait_task($bulk_d), 'SUCCESS', '(d) order-sensitive task ends SUCCESS');
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*), count(DISTINCT seq), count(*) FILTER (WHERE status = 'SUCCESS')
  FROM $expanded_receipts receipt WHERE bulk_id = '$bulk_d'}),
	"$mixed|$mixed|$mixed",
	"(d) all $mixed CREATE/UPSERT/DELETE operations SUCCESS, one receipt each: applied in order, exactly once");
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*) FROM (SELECT seq, action, id, row_number() OVER () - 1 AS position FROM bulk.receipts('$bulk_d')) r
 WHERE r.seq <> r.position OR r.id <> 'o-' || r.seq % 100
    OR r.action <> (ARRAY['CREATE', 'UPSERT', 'DELETE'])[(r.seq / 100) % 3 + 1]}),
	'0',
	'(d) receipts ordered by seq match the operations');
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*) FROM (SELECT completed_at < lag(completed_at) OVER (ORDER BY seq) AS back
                        FROM $expanded_receipts receipt WHERE bulk_id = '$bulk_d') r WHERE back}),
	'0',
	'(d) receipts were committed in operation order across the SIGKILL and the restart');
# The last round (60) created every id with the data of its own operation 6000 + k.
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*), count(*) FILTER (WHERE data = jsonb_build_object('name', 'v' || (6000 + substr(id, 3)::int)))
  FROM bulk.resources WHERE type = 'provider' AND id LIKE 'o-%'}),
	'100|100',
	'(d) each id holds the data of its last operation');
my $logs_d = task_log_lines($bulk_d);
like($logs_d, qr/resumed at operation \d+ .*after an interruption/, '(d) resumed after the SIGKILL');
like($logs_d, qr/worker stopping \(SIGTERM\) after operation \d+/,
	'(d) the worker stopped cleanly at the server shutdown');
diag(sprintf('(d) took %.1f s', time - $start));

# ---------------------------------------------------------------------------------------------------------------
# (e) an atomic task (DESIGN §11) is applied in one transaction: SIGKILL of the worker in its middle leaves
# nothing of it, and the task is then applied once, whole. The worker's progress (bulk.workers) shows it in its
# middle while nothing of it is visible yet.
# ---------------------------------------------------------------------------------------------------------------
$start = time;
slow_apply();
my $atomic_n = 3000;
$pid = worker_pid();
my $bulk_e = $node->safe_psql(
	'postgres', qq{
SELECT bulk.submit_resources(jsonb_build_object('atomic', true, 'operations',
    (SELECT jsonb_agg(jsonb_build_object('action', 'CREATE', 'create',
                jsonb_build_object('type', 'provider', 'id', 'e-' || i,
                                   'data', jsonb_build_object('name', 'n' || i))) ORDER BY i)
       FROM generate_series(0, $atomic_n - 1) AS i))) ->> 'bulkId';
});
$node->poll_query_until('postgres',
	"SELECT operations_applied >= 500 FROM bulk.workers WHERE current_task = '$bulk_e'")
  or die "the atomic task $bulk_e never got to its middle";
is( $node->safe_psql(
		'postgres', qq{
SELECT (SELECT count(*) FROM bulk.resources WHERE id LIKE 'e-%'),
       (SELECT count(*) FROM bulk.operation_results WHERE bulk_id = '$bulk_e'),
       (SELECT status || ' ' || applied_count FROM bulk.tasks WHERE bulk_id = '$bulk_e')}),
	'0|0|PENDING 0',
	'(e) in the middle of the atomic task: nothing of it visible');
$log_offset = -s $node->logfile;
ok(kill('KILL', $pid), "(e) SIGKILL the worker (pid $pid) in the middle of the atomic task");
$node->wait_for_log(qr/background worker "pg_bulk worker" \(PID $pid\) was terminated by signal 9/, $log_offset);
$new_pid = worker_pid($pid);
is( $node->safe_psql(
		'postgres', qq{
SELECT (SELECT count(*) FROM bulk.resources WHERE id LIKE 'e-%'),
       (SELECT count(*) FROM bulk.operation_results WHERE bulk_id = '$bulk_e')}),
	'0|0',
	'(e) after the crash: nothing of the atomic task applied');
full_speed();
is(wait_task($bulk_e), 'SUCCESS', '(e) the atomic task then ends SUCCESS');
is( $node->safe_psql(
		'postgres', qq{
SELECT (SELECT count(*) FROM bulk.resources WHERE id LIKE 'e-%' AND version = 1),
       count(*) FILTER (WHERE status = 'SUCCESS'), count(DISTINCT seq)
  FROM $expanded_receipts receipt WHERE bulk_id = '$bulk_e'}),
	"$atomic_n|$atomic_n|$atomic_n",
	"(e) applied once: $atomic_n resources at version 1, one SUCCESS receipt per operation");
like(task_log_lines($bulk_e), qr/resumed at operation 0 by worker pid \d+ after an interruption/,
	'(e) taken up again from its first operation');
diag(sprintf('(e) took %.1f s', time - $start));

# No task was failed for too many attempts, and the server never ran out of patience with the worker.
is($node->safe_psql('postgres', "SELECT count(*) FROM bulk.tasks WHERE status <> 'SUCCESS'"),
	'0', 'every task ended SUCCESS');

$node->stop;
done_testing();
