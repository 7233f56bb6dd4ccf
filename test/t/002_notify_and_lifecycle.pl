
# The pg_bulk worker's lifecycle around the extension (DESIGN §5-§6, issue 3):
#   1. while the extension is absent from pg_bulk.database the worker idles quietly: a fixed number of poll
#      cycles without an error, a restart or a busy loop;
#   2. NOTIFY bulk_task: a separate listening session receives {"bulkId", "status": "SUCCESS"} from the worker
#      when a task ends (and "CANCELLED" from bulk.cancel);
#   3. CREATE EXTENSION in another database than pg_bulk.database warns that tasks there are not applied;
#   4. DROP EXTENSION while a long task runs neither crashes the server nor hangs, and the worker keeps serving:
#      re-CREATE EXTENSION, submit, wait -> SUCCESS;
#   5. without shared_preload_libraries, CREATE EXTENSION warns that no worker will apply tasks, submit still
#      works and the task stays PENDING.
use strict;
use warnings;

use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $node = PostgreSQL::Test::Cluster->new('lifecycle');
$node->init;
$node->append_conf(
	'postgresql.conf', q{
shared_preload_libraries = 'pg_bulk'
pg_bulk.max_workers = 1  # these checks follow the one worker (the pool's: 008, 009)
pg_bulk.poll_interval = '100ms'
});
$node->start;

# Pid of the running pg_bulk worker other than $not_pid (waits for one).
sub worker_pid
{
	my ($not_pid) = @_;
	$not_pid //= 0;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker' AND pid <> $not_pid")
	  or die "no pg_bulk worker (other than pid $not_pid) came up";
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker'");
}

sub reload_with
{
	my ($sql) = @_;
	$node->safe_psql('postgres', "$sql; SELECT pg_reload_conf();");
}

# Lets worker $pid run $cycles poll cycles and returns how long they took. A cycle is counted by its log line:
# the worker does one transaction per poll (it looks for pg_bulk in pg_extension, and for a task when the
# extension is there), and with log_min_messages = debug5 every transaction start is logged as
# "[<pid>] DEBUG:  StartTransaction(1) ...". debug5 is on for these few seconds only.
sub wait_for_poll_cycles
{
	my ($pid, $cycles) = @_;
	my $offset = -s $node->logfile;
	reload_with('ALTER SYSTEM SET log_min_messages = debug5');
	my ($first, $seen) = (undef, 0);
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (time < $deadline)
	{
		my @cycles = (slurp_file($node->logfile, $offset) =~ /\[$pid\][^\n]*DEBUG:\s+StartTransaction\(/g);
		$seen = scalar @cycles;
		$first //= time if $seen > 0;
		last if $seen >= $cycles;
		usleep(50_000);
	}
	reload_with('ALTER SYSTEM RESET log_min_messages');
	die "worker $pid logged only $seen of $cycles poll cycles" if $seen < $cycles;
	return time - $first;
}

# Lines of the server log from offset $offset written by process $pid at WARNING or above.
sub problems_of
{
	my ($pid, $offset) = @_;
	return join("\n",
		grep { /\[$pid\][^\n]*\b(WARNING|ERROR|FATAL|PANIC):/ } split(/\n/, slurp_file($node->logfile, $offset)));
}

# ---------------------------------------------------------------------------------------------------------------
# 1. The extension is not created in pg_bulk.database (postgres): the worker idles quietly.
# ---------------------------------------------------------------------------------------------------------------
$node->wait_for_log(qr/pg_bulk worker started for database "postgres"/);
my $idle_pid = worker_pid();
my $cycles = 20;
my $seconds = wait_for_poll_cycles($idle_pid, $cycles);
# 20 cycles at poll_interval = 100 ms take about 2 s; a worker that spins (or restarts) would log them at once.
cmp_ok($seconds, '>=', 1, sprintf('1. without the extension: %d idle poll cycles took %.1f s (no busy loop)',
		$cycles, $seconds));
is(worker_pid(), $idle_pid, '1. the same worker process is still running (no restart)');
is(problems_of($idle_pid, 0), '', '1. the idle worker logged no WARNING, ERROR or FATAL');
unlike(slurp_file($node->logfile), qr/background worker "pg_bulk worker" \(PID \d+\) exited/,
	'1. the worker never exited');

# ---------------------------------------------------------------------------------------------------------------
# 2. NOTIFY bulk_task at the end of a task, received by another session that LISTENs.
#
# How the listener works: background_psql is not in every PG 15 Cluster.pm (it was backported in a later minor
# release), so the test drives its own psql through IPC::Run (stdin/stdout pipes). psql prints
#   Asynchronous notification "bulk_task" with payload "..." received from server process with PID N.
# on stdout, but only after a command it ran, never while idle; so the test sends small "ping" queries until
# the line for the task shows up. The listening session is separate from the submitting one and from the one
# that waits, so the notification is the worker's, delivered across sessions.
# ---------------------------------------------------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_bulk;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}}}');
});
my $worker = worker_pid();

my ($listen_in, $listen_out, $listen_err) = ('', '', '');
my $listen_timer = IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default);
my $listener = IPC::Run::start(
	[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-f', '-' ],
	'<', \$listen_in, '>', \$listen_out, '2>', \$listen_err, $listen_timer);
$listen_in .= "LISTEN bulk_task;\nSELECT 'listening';\n";
$listener->pump until $listen_out =~ /^listening$/m || $listen_timer->is_expired;
like($listen_out, qr/^listening$/m, '2. a separate session listens on bulk_task');

# Pings the listener until it printed the notification about $bulk_id, and twice more (a duplicate would show
# up by then); returns [payload hash, sender pid] of every notification about it.
sub notifications_about
{
	my ($bulk_id) = @_;
	my ($found_at, @found);
	for my $ping (1 .. 100)
	{
		$listen_in .= "SELECT 'ping $bulk_id $ping';\n";
		$listener->pump until $listen_out =~ /^ping $bulk_id $ping$/m || $listen_timer->is_expired;
		@found = ();
		while ($listen_out =~
			/^Asynchronous notification "bulk_task" with payload "(.*)" received from server process with PID (\d+)\.$/mg)
		{
			my ($payload, $sender) = ($1, $2);
			my $document = eval { decode_json($payload) } // { unparsable => $payload };
			push @found, [ $document, $sender ] if ($document->{bulkId} // '') eq $bulk_id;
		}
		$found_at //= $ping if @found;
		last if defined $found_at && $ping >= $found_at + 2;
		usleep(50_000);
	}
	return @found;
}

my $small_request = q{'{"operations": [
    {"action": "CREATE", "create": {"type": "provider", "id": "n1", "data": {"name": "x"}}},
    {"action": "CREATE", "create": {"type": "provider", "id": "n2", "data": {"name": "y"}}}]}'};
my $bulk_id = $node->safe_psql('postgres', "SELECT bulk.submit_resources($small_request) ->> 'bulkId'");
is($node->safe_psql('postgres', "SELECT bulk.wait('$bulk_id', '30 s') ->> 'status'"),
	'SUCCESS', '2. the task ends SUCCESS');
my @notes = notifications_about($bulk_id);
is(scalar @notes, 1, '2. the listener received one notification about the task');
is_deeply($notes[0][0], { bulkId => $bulk_id, status => 'SUCCESS' },
	'2. its payload is {"bulkId": <the task>, "status": "SUCCESS"}');
is($notes[0][1], $worker, '2. it was sent by the worker');

# A cancelled task notifies too (from the cancelling session). Pause the worker so the task stays queued.
reload_with('ALTER SYSTEM SET pg_bulk.enabled = off');
$node->poll_query_until('postgres', 'SELECT paused FROM bulk.workers') or die 'the worker did not pause';
my $cancelled = $node->safe_psql('postgres', q{SELECT bulk.submit_resources('{"operations": [
    {"action": "CREATE", "create": {"type": "provider", "id": "c1", "data": {"name": "x"}}}]}') ->> 'bulkId'});
my ($canceller, $cancel_status) = split /\|/,
  $node->safe_psql('postgres', "SELECT pg_backend_pid() || '|' || (bulk.cancel('$cancelled') ->> 'status')");
is($cancel_status, 'CANCELLED', '2. a queued task is cancelled');
@notes = notifications_about($cancelled);
is(scalar @notes, 1, '2. the listener received one notification about the cancelled task');
is_deeply($notes[0][0], { bulkId => $cancelled, status => 'CANCELLED' },
	'2. its payload is {"bulkId": <the task>, "status": "CANCELLED"}');
is($notes[0][1], $canceller, '2. it was sent by the cancelling session');
reload_with('ALTER SYSTEM RESET pg_bulk.enabled');
$node->poll_query_until('postgres', 'SELECT NOT paused FROM bulk.workers') or die 'the worker did not resume';

$listen_in .= "\\q\n";
$listener->finish;
is($listen_err, '', '2. the listening psql printed no error');

# ---------------------------------------------------------------------------------------------------------------
# 3. CREATE EXTENSION in a database the worker does not serve warns about it.
# ---------------------------------------------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE elsewhere');
my ($ret, $stdout, $stderr) = $node->psql('elsewhere', 'CREATE EXTENSION pg_bulk');
is($ret, 0, '3. CREATE EXTENSION in another database succeeds');
like($stderr,
	qr/WARNING:  the pg_bulk worker serves database "postgres", not this one: tasks queued here will not be applied/,
	'3. and warns that its tasks will not be applied');

# ---------------------------------------------------------------------------------------------------------------
# 4. DROP EXTENSION while a long task runs (5 ms per operation in batches of 100: a batch takes 0.5 s, the
# 10,000-operation task would take 50 s).
#
# No crash, no hang, no deadlock: the DROP waits for the batch in flight (the worker share-locks the extension
# object in every transaction) and succeeds; the worker then idles quietly and serves a re-created extension.
# ---------------------------------------------------------------------------------------------------------------
reload_with('ALTER SYSTEM SET pg_bulk.test_apply_delay = 5; ALTER SYSTEM SET pg_bulk.batch_size = 100');
$worker = worker_pid();
my $long = $node->safe_psql(
	'postgres', q{
SELECT bulk.submit_resources(jsonb_build_object('operations',
    (SELECT jsonb_agg(jsonb_build_object('action', 'CREATE', 'create',
                jsonb_build_object('type', 'provider', 'id', 'long-' || i, 'data', jsonb_build_object('name', 'n' || i)))
            ORDER BY i)
       FROM generate_series(0, 9999) AS i))) ->> 'bulkId';
});
$node->poll_query_until('postgres', "SELECT applied_count >= 200 FROM bulk.tasks WHERE bulk_id = '$long'")
  or die 'the long task did not start';
is($node->safe_psql('postgres', "SELECT status FROM bulk.tasks WHERE bulk_id = '$long'"),
	'PENDING', '4. the long task is running');
my $log_offset = -s $node->logfile;
my $drop_start = time;
($ret, $stdout, $stderr) =
  $node->psql('postgres', "SET statement_timeout = '60s'; DROP EXTENSION pg_bulk;");
my $drop_seconds = time - $drop_start;
cmp_ok($drop_seconds, '<', 20,
	sprintf('4. DROP EXTENSION during the task returned after %.1f s (no hang)', $drop_seconds));
is($ret, 0, '4. DROP EXTENSION during the task succeeds') or diag("DROP EXTENSION stderr: $stderr");

# The worker goes on (the same process, or a new one if it exited), idles for a fixed number of poll cycles
# without the extension, and the server never crash-restarted.
my $after_pid = worker_pid();
$seconds = wait_for_poll_cycles($after_pid, $cycles);
ok(1, sprintf('4. after the DROP the worker (pid %d, was %d) ran %d idle poll cycles in %.1f s',
		$after_pid, $worker, $cycles, $seconds));
is(worker_pid(), $after_pid, '4. and is still the same process (no crash loop)');
my $log_after_drop = slurp_file($node->logfile, $log_offset);
unlike($log_after_drop, qr/terminated by signal|reinitializing|server process .* was terminated/,
	'4. no crash restart of the server');
my @exits = $log_after_drop =~ /(background worker "pg_bulk worker" \(PID \d+\) exited[^\n]*)/g;
cmp_ok(scalar @exits, '<=', 1, '4. the worker exited at most once') or diag(join("\n", @exits));
is(problems_of($worker, $log_offset) . problems_of($after_pid, $log_offset),
	'', '4. the worker logged no WARNING, ERROR or FATAL about the dropped extension');

# The worker serves the re-created extension.
reload_with('ALTER SYSTEM RESET pg_bulk.test_apply_delay; ALTER SYSTEM RESET pg_bulk.batch_size');
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_bulk;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}}}');
});
$bulk_id = $node->safe_psql('postgres', "SELECT bulk.submit_resources($small_request) ->> 'bulkId'");
is($node->safe_psql('postgres', "SELECT bulk.wait('$bulk_id', '30 s') ->> 'status'"),
	'SUCCESS', '4. after re-CREATE EXTENSION a new task ends SUCCESS');
is($node->safe_psql('postgres', "SELECT count(*) FROM bulk.receipts('$bulk_id') WHERE status = 'SUCCESS'"),
	'2', '4. with its 2 receipts SUCCESS');
$node->stop;

# ---------------------------------------------------------------------------------------------------------------
# 5. Without shared_preload_libraries: a warning, submit works, no worker, the task stays PENDING.
# ---------------------------------------------------------------------------------------------------------------
my $bare = PostgreSQL::Test::Cluster->new('no_preload');
$bare->init;
$bare->start;
is($bare->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker'"),
	'0', '5. without preload no pg_bulk worker runs');
($ret, $stdout, $stderr) = $bare->psql('postgres', 'CREATE EXTENSION pg_bulk');
is($ret, 0, '5. without preload, CREATE EXTENSION succeeds') or diag("CREATE EXTENSION stderr: $stderr");
like($stderr,
	qr/WARNING:  pg_bulk is not in shared_preload_libraries: bulk requests will be queued but no worker will apply them/,
	'5. and warns that no worker will apply tasks');
$bare->safe_psql('postgres',
	q{SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}}}')});
my $answer = $bare->safe_psql('postgres', "SELECT bulk.submit_resources($small_request) ->> 'status'");
is($answer, 'ACCEPTED', '5. submit still accepts the request');
$bulk_id = $bare->safe_psql('postgres', 'SELECT bulk_id FROM bulk.tasks');
is($bare->safe_psql('postgres', "SELECT bulk.wait('$bulk_id', '1 s') ->> 'status'"),
	'PENDING', '5. the task stays PENDING');
is( $bare->safe_psql(
		'postgres', q{
SELECT (SELECT count(*) FROM bulk.workers),
       (SELECT count(*) FROM bulk.queue),
       (SELECT count(*) FROM bulk.operation_results)}),
	'0|1|0',
	'5. bulk.workers is empty; the task is queued with no receipt');
$bare->stop;

done_testing();
