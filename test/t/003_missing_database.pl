# The worker's database does not exist yet (issue 12, part 6): the worker must not log two lines a second while
# it waits, must say what it waits for, and must serve the database once it is created (within about a minute:
# it looks again at growing intervals, at most a minute apart).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('missing_db');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'pg_bulk'
pg_bulk.database = 'registry'
pg_bulk.poll_interval = '100ms'
});
$node->start;

# Lines about the missing database: the FATAL of the first, failed connection, the worker's exits, and what it
# says it waits for. Without the wait, five seconds give about ten of them.
sub lines_matching
{
	my ($pattern) = @_;
	my @lines = grep { /$pattern/ } split /\n/, slurp_file($node->logfile);
	return scalar @lines;
}
my $waiting = qr/pg_bulk worker: database "registry" does not exist; waiting for it to be created/;
my $deadline = time + 30;
usleep(100_000) until lines_matching($waiting) > 0 || time > $deadline;
is(lines_matching($waiting), 1, 'the worker says what it waits for');
sleep 5;
is(lines_matching($waiting), 1, 'and says it once');
my $about_it = lines_matching(qr/database "registry" does not exist|"pg_bulk worker" \(PID \d+\) exited/);
cmp_ok($about_it, '<=', 3, "five seconds later the log has at most 3 lines about it (has $about_it)");

$node->safe_psql('postgres', 'CREATE DATABASE registry');
$node->safe_psql(
	'registry', q{
CREATE EXTENSION pg_bulk;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}}}');
});
my $bulk_id = $node->safe_psql(
	'registry', q{
SELECT bulk.submit_resources('{"operations": [
    {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "x"}}}]}') ->> 'bulkId'});
# The worker looks 1, 2, 4, 8, 16 … s apart: created some 6 s after its first look, the database is seen at the
# look 8 s (or 16 s) after it, and the restarted worker connects a second later.
is($node->safe_psql('registry', "SELECT bulk.wait('$bulk_id', '60 s') ->> 'status'"),
	'SUCCESS', 'once the database is created the worker serves it');
is(lines_matching(qr/pg_bulk worker started for database "registry"/), 1, 'the worker connected once');

$node->stop;
done_testing();
