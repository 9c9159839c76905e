-- One-time PostgreSQL set-up for Custodian, run by the database
-- administrator as a superuser:
--   psql -v vault_admin_password="$(cat pw)" -f policy/postgres/bootstrap.sql
-- Idempotent: run again, it changes nothing.
--
-- Roles:
--   custodian_owner    NOLOGIN. Owns every object. Used only by migrations,
--                      through short-lived Vault users that SET ROLE to it.
--   custodian_runtime  NOLOGIN. Data rights only (granted by migrations);
--                      custodiand's Vault users are members of it.
--   custodian_vault_admin  LOGIN. Vault's database engine connects as it
--                      to create and drop those users; Vault rotates its
--                      password right after configuration.
\set ON_ERROR_STOP on

SELECT 'CREATE ROLE custodian_owner NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'custodian_owner') \gexec
SELECT 'CREATE ROLE custodian_runtime NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'custodian_runtime') \gexec
SELECT format('CREATE ROLE custodian_vault_admin LOGIN CREATEROLE PASSWORD %L', :'vault_admin_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'custodian_vault_admin') \gexec
GRANT custodian_owner TO custodian_vault_admin WITH ADMIN OPTION;
GRANT custodian_runtime TO custodian_vault_admin WITH ADMIN OPTION;
-- Revocation ends the sessions of a dropped user; without this the whole
-- revocation fails on PostgreSQL 15.
GRANT pg_signal_backend TO custodian_vault_admin;

SELECT 'CREATE DATABASE custodian OWNER custodian_owner ENCODING ''UTF8'''
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'custodian') \gexec
REVOKE ALL ON DATABASE custodian FROM PUBLIC;
GRANT CONNECT ON DATABASE custodian TO custodian_owner, custodian_runtime, custodian_vault_admin;

\connect custodian
ALTER SCHEMA public OWNER TO custodian_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO custodian_runtime;
