# A batch whose set-based statement fails with a PostgreSQL error is redone one operation at a time (issue 12,
# part 4). The worker logs the error of the failed attempt after that attempt's transaction was aborted, so the
# log line shows whether the error outlived the transaction's memory: its message must be exactly the one raised.
# The message is a megabyte long, so that its copy gets a memory block of its own which the abort gives back to
# the C library: read after the abort it is reused or unmapped, not left in place (before the fix the line
# showed its own first kilobyte where the message belongs).
#
# How the set-based attempt surely fails: a trigger the administrator put on bulk.resources refuses one id. The
# batch's UPSERTs are one INSERT … ON CONFLICT statement, which the trigger aborts; one by one, only the refused
# operation fails and the others are applied.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Digest::MD5 qw(md5_hex);

my $node = PostgreSQL::Test::Cluster->new('fallback');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'pg_bulk'
pg_bulk.poll_interval = '100ms'
});
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_bulk;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}}}');
CREATE FUNCTION public.refuse_p2() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 'p-2' THEN
        RAISE EXCEPTION 'the registry refuses provider %: %', NEW.id, repeat('0123456789', 100000);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER refuse_p2 BEFORE INSERT OR UPDATE ON bulk.resources FOR EACH ROW EXECUTE FUNCTION public.refuse_p2();
});

my $refusal = 'the registry refuses provider p-2: ' . ('0123456789' x 100_000);
my $log_offset = -s $node->logfile;
my $bulk_id = $node->safe_psql(
	'postgres', q{
SELECT bulk.submit_resources(jsonb_build_object('operations',
    (SELECT jsonb_agg(jsonb_build_object('action', 'UPSERT', 'upsert',
                jsonb_build_object('type', 'provider', 'id', 'p-' || i, 'data', jsonb_build_object('name', 'n' || i)))
            ORDER BY i)
       FROM generate_series(1, 3) AS i))) ->> 'bulkId';
});
is($node->safe_psql('postgres', "SELECT bulk.wait('$bulk_id', '30 s') ->> 'status'"),
	'SUCCESS', 'the task ends SUCCESS');

# The line is written before the one-by-one batch commits, so it is in the log once bulk.wait returned.
my $log = slurp_file($node->logfile, $log_offset);
my @lines = $log =~ /^.*applying operations one by one.*$/mg;
is(scalar @lines, 1, 'the worker logged one fallback');
my ($task, $from, $message) =
  ($lines[0] // '') =~ /LOG:  pg_bulk: task (\S+): applying operations one by one from (\d+): (.*)$/;
is($task, $bulk_id, 'the fallback line names the task');
is($from, 0, 'and the first operation of the batch');
# Not is(): a wrong message of a megabyte would flood the output.
ok(defined $message && $message eq $refusal, 'and carries the exact message of the failed attempt')
  or diag('got ' . length($message // '') . ' bytes starting: ' . substr($message // '', 0, 80));

is( $node->safe_psql(
		'postgres', qq{
SELECT string_agg(g.seq || ' ' || r.status || coalesce(' ' || md5(r.error ->> 'message'), ''), ', ' ORDER BY g.seq)
  FROM bulk.operation_results r, generate_series(r.seq, r.last_seq) AS g(seq) WHERE r.bulk_id = '$bulk_id'}),
	'0 SUCCESS, 1 FAILURE ' . md5_hex($refusal) . ', 2 SUCCESS',
	'one by one, only the refused operation failed, with the same message');
is($node->safe_psql('postgres', q{SELECT string_agg(id, ',' ORDER BY id) FROM bulk.resources}),
	'p-1,p-3', 'the other operations were applied');

$node->stop;
done_testing();
