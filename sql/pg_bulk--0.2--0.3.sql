-- pg_bulk 0.2 -> 0.3 (docs/backups.md, "Upgrading"). A database updated by this script has exactly the objects of
-- a fresh 0.3 install (test/t/005_upgrade.pl compares their catalogs).
\echo Use "ALTER EXTENSION pg_bulk UPDATE TO '0.3'" to load this file. \quit
