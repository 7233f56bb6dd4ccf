
# bulk.pause() / bulk.pause(bulk_id) by a bulk_admin member without superuser survive a server restart
# (DESIGN §5, issue 13.5): after the restart the worker still takes nothing paused; bulk.resume() lifts the
# global pause only, bulk.resume(bulk_id) the task's; then both tasks are applied.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('pause');
$node->init;
$node->append_conf(
	'postgresql.conf', q{
shared_preload_libraries = 'pg_bulk'
pg_bulk.max_workers = 1  # these checks follow the one worker (the pool's: 008, 009)
pg_bulk.poll_interval = '100ms'
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION pg_bulk;
CREATE ROLE pause_admin LOGIN IN ROLE bulk_admin;
SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol"}}}');
});

sub as_admin { return $node->safe_psql('postgres', "SET ROLE pause_admin; $_[0]"); }

is(as_admin('SELECT bulk.pause() ->> \'paused\''), 'true', 'a bulk_admin member pauses every task');
my $one = as_admin(q{SELECT bulk.submit_resources('{"operations": [{"action": "CREATE", "create":
    {"type": "office", "id": "one", "data": {"name": "One"}}}]}') ->> 'bulkId'});
my $two = as_admin(q{SELECT bulk.submit_resources('{"operations": [{"action": "CREATE", "create":
    {"type": "office", "id": "two", "data": {"name": "Two"}}}]}') ->> 'bulkId'});
is(as_admin("SELECT bulk.pause('$two') ->> 'paused'"), 'task', 'and one task');

$node->restart;
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker'")
  or die 'no worker after the restart';
# The restarted worker polls every 100 ms: a second of polls takes nothing paused.
sleep 1;
is( $node->safe_psql('postgres', 'SELECT string_agg(paused, \',\' ORDER BY queue_position) FROM bulk.queue'),
	'all,task', 'after the restart both tasks are still held, one by its own pause');
is($node->safe_psql('postgres', 'SELECT paused FROM bulk.workers'), 't', 'bulk.workers shows the global pause');

is(as_admin('SELECT bulk.resume() ->> \'paused\''), 'false', 'bulk.resume() lifts the global pause');
is(as_admin("SELECT bulk.wait('$one', '30 seconds') ->> 'status'"), 'SUCCESS', 'the task it held is applied');
is($node->safe_psql('postgres', 'SELECT string_agg(paused, \',\') FROM bulk.queue'),
	'task', 'the task paused by itself is still held');
is(as_admin("SELECT bulk.resume('$two') ->> 'status'"), 'PENDING', 'bulk.resume(bulk_id) lifts its pause');
is(as_admin("SELECT bulk.wait('$two', '30 seconds') ->> 'status'"), 'SUCCESS', 'and it is applied');
is($node->safe_psql('postgres', 'SELECT string_agg(id, \',\' ORDER BY id) FROM bulk.resources'),
	'one,two', 'both effects are stored');

done_testing();
