
# Crash safety of a streamed load (DESIGN §7, issue 15): the worker consumes a staging table of N rows (every
# 1000th invalid) batch by batch, and is interrupted in the middle by
#   (a) SIGKILL of the worker (the postmaster reinitializes: restart_after_crash = on), at about 10% of the rows,
#   (b) an immediate server stop (`pg_ctl stop -m immediate`) at about 40%; the server starts again with the
#       worker paused, and every row must then be either stored (with its receipt), rejected, or still staged —
#       exactly one of the three; then the worker goes on.
# At the end every row was consumed exactly once: one resource and one SUCCESS receipt per valid row, in the
# staged order, one reject per invalid row, nothing left staged, the load SUCCESS with the right counts.
#
# N is PG_BULK_TAP_STREAM_ROWS (default 200,000: still in the middle at each interruption, and quick enough for
# CI); the issue's 1,000,000 rows: PG_BULK_TAP_STREAM_ROWS=1000000 (see the closing note of the branch).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $rows = $ENV{PG_BULK_TAP_STREAM_ROWS} // 200_000;
$rows =~ /^[1-9][0-9]{4,7}$/ or die "PG_BULK_TAP_STREAM_ROWS=$rows: expected 10000 to 99999999";
my $invalid = int($rows / 1000);
my $valid = $rows - $invalid;
my $expanded_receipts =
  q{(SELECT r.bulk_id, g.seq, r.status, r.error FROM bulk.operation_results r, }
  . q{generate_series(r.seq, r.last_seq) AS g(seq))};

my $node = PostgreSQL::Test::Cluster->new('stream');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'pg_bulk'
pg_bulk.max_workers = 1
restart_after_crash = on
pg_bulk.poll_interval = '100ms'
});
$node->start;

my $start = time;
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION pg_bulk;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}}}');
CREATE TABLE staging (action text, type text, id text, data jsonb);
INSERT INTO staging SELECT 'CREATE', 'provider', 's-' || i,
       CASE WHEN i % 1000 = 0 THEN jsonb_build_object('name', i) ELSE jsonb_build_object('name', 'n' || i) END
  FROM generate_series(1, $rows) AS i;
});
my $load_id = $node->safe_psql('postgres',
	q{SELECT bulk.load('staging', 'resources', '{"mode": "stream"}') ->> 'loadId'});
my $task = $node->safe_psql('postgres', "SELECT bulk_ids[1] FROM bulk.loads WHERE load_id = '$load_id'");
diag(sprintf('%d rows staged and the load started in %.1f s', $rows, time - $start));

sub worker_pid
{
	my ($not_pid) = @_;
	$not_pid //= 0;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker' AND pid <> $not_pid")
	  or die "no pg_bulk worker (other than pid $not_pid) came up";
	return $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker'");
}

# Waits until the load has applied at least $count operations; returns (status, applied) read right then.
sub wait_applied
{
	my ($count) = @_;
	$node->poll_query_until('postgres', "SELECT applied_count >= $count FROM bulk.tasks WHERE bulk_id = '$task'")
	  or die "the load never reached $count applied operations";
	return split /\|/,
	  $node->safe_psql('postgres', "SELECT status, applied_count FROM bulk.tasks WHERE bulk_id = '$task'");
}

# Every staged row is in exactly one place: stored, rejected or still staged; the load's task has one receipt
# per stored row and its counts agree.
sub check_each_row_once
{
	my ($label) = @_;
	is( $node->safe_psql(
			'postgres', qq{
SELECT count(*), count(DISTINCT id) FROM (
    SELECT id FROM bulk.resources
    UNION ALL SELECT id FROM staging
    UNION ALL SELECT operation -> 'create' ->> 'id' FROM bulk.load_rejects WHERE load_id = '$load_id') every_row}),
		"$rows|$rows",
		"$label: each of the $rows rows is stored, rejected or staged, and only one of these");
	is( $node->safe_psql(
			'postgres', qq{
SELECT (SELECT count(*) FROM bulk.resources) = t.applied_count AND t.applied_count = t.operation_count
       AND (SELECT count(*) FROM $expanded_receipts r WHERE r.bulk_id = t.bulk_id) = t.applied_count
       AND (SELECT records - submitted FROM bulk.loads WHERE load_id = '$load_id')
           = (SELECT count(*) FROM bulk.load_rejects WHERE load_id = '$load_id')
  FROM bulk.tasks t WHERE t.bulk_id = '$task'}),
		't',
		"$label: stored rows = applied operations = receipts; rejected rows = records - submitted");
}

# (a) SIGKILL of the worker at about 10%.
my $pid = worker_pid();
my ($status, $applied) = wait_applied(int($rows / 10));
is($status, 'PENDING', '(a) the load is still PENDING when the worker is killed');
cmp_ok($applied, '<', $valid, "(a) $applied of $valid operations applied before SIGKILL");
my $log_offset = -s $node->logfile;
ok(kill('KILL', $pid), "(a) SIGKILL the worker (pid $pid)");
$node->wait_for_log(qr/background worker "pg_bulk worker" \(PID $pid\) was terminated by signal 9/, $log_offset);
worker_pid($pid);
ok(1, '(a) the worker came back after the crash');

# (b) immediate stop at about 40%; the server starts again with the worker paused.
($status, $applied) = wait_applied(int($rows * 4 / 10));
is($status, 'PENDING', '(b) the load is still PENDING at the immediate stop');
cmp_ok($applied, '<', $valid, "(b) $applied of $valid operations applied before the immediate stop");
$node->stop('immediate');
$node->append_conf('postgresql.conf', "pg_bulk.enabled = off\n");
$node->start;
check_each_row_once('(b) after the immediate stop');
my $staged_left = $node->safe_psql('postgres', 'SELECT count(*) FROM staging');
cmp_ok($staged_left, '>', 0, "(b) $staged_left rows still staged after the immediate stop");
$node->safe_psql('postgres', 'ALTER SYSTEM SET pg_bulk.enabled = on; SELECT pg_reload_conf();');

is($node->safe_psql('postgres', "SELECT bulk.wait('$load_id', '600 s') ->> 'status'"),
	'SUCCESS', 'the load ends SUCCESS');
check_each_row_once('end');
is($node->safe_psql('postgres', 'SELECT count(*) FROM staging'), '0', 'nothing left staged');
is( $node->safe_psql(
		'postgres', qq{
SELECT records, submitted, failure_count, operationsApplied
  FROM bulk.loads, LATERAL (SELECT bulk.load_status(load_id) ->> 'operationsApplied' AS operationsApplied) s
 WHERE load_id = '$load_id'}),
	"$rows|$valid|$invalid|$valid",
	"the load counts $rows records, $valid submitted and applied, $invalid failures");
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*), count(DISTINCT seq), count(*) FILTER (WHERE status = 'SUCCESS'),
       count(*) FILTER (WHERE error ->> 'type' = 'ALREADY_EXISTS')
  FROM $expanded_receipts r WHERE bulk_id = '$task'}),
	"$valid|$valid|$valid|0",
	"$valid receipts, one per operation, all SUCCESS, none ALREADY_EXISTS (no row applied twice)");
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*) FROM bulk.receipts('$task') r JOIN bulk.resources s ON s.type = r.type AND s.id = r.id
 WHERE s.data = jsonb_build_object('name', 'n' || substr(r.id, 3))}),
	$valid, 'every receipt names a stored resource holding its staged data');
# Rows were consumed in staged order: the receipts' ids increase with seq (the table was staged in id order and
# is read in physical order).
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*) FROM (SELECT substr(id, 3)::int AS n, lag(substr(id, 3)::int) OVER (ORDER BY seq) AS previous
                        FROM bulk.receipts('$task')) r WHERE n < previous}),
	'0', 'the rows were applied in staged order across both interruptions');
is($node->safe_psql('postgres', "SELECT count(DISTINCT operation -> 'create' ->> 'id') FROM bulk.load_rejects"),
	$invalid, "$invalid rejects, one per invalid row");
like(
	$node->safe_psql('postgres', "SELECT string_agg(message, E'\\n') FROM bulk.logs('$task')"),
	qr/resumed at operation \d+ by worker pid \d+ after an interruption(.|\n)*resumed at operation \d+ by worker pid \d+/,
	'the log shows the load resumed after each interruption');
diag(sprintf('%d rows: %.1f s in all', $rows, time - $start));

$node->stop;
done_testing();
