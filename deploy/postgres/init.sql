-- One database and one login role per service, each owning only its own database:
-- no service can read another's tables.
--
-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d).
-- Passwords are read from the container's environment with psql's \getenv (psql 15+),
-- so none is written here: <SERVICE>_DB_PASSWORD must be set for all five services.
-- A missing one leaves its :'variable' unexpanded, which is a syntax error that stops
-- the initialisation (ON_ERROR_STOP) instead of creating a role without a password.
\set ON_ERROR_STOP on

\getenv enrollment_password ENROLLMENT_DB_PASSWORD
\getenv livelihoods_password LIVELIHOODS_DB_PASSWORD
\getenv ledger_password LEDGER_DB_PASSWORD
\getenv mentorship_password MENTORSHIP_DB_PASSWORD
\getenv gateway_password GATEWAY_DB_PASSWORD

CREATE ROLE enrollment LOGIN PASSWORD :'enrollment_password';
CREATE DATABASE enrollment OWNER enrollment;
REVOKE ALL ON DATABASE enrollment FROM PUBLIC;

CREATE ROLE livelihoods LOGIN PASSWORD :'livelihoods_password';
CREATE DATABASE livelihoods OWNER livelihoods;
REVOKE ALL ON DATABASE livelihoods FROM PUBLIC;

CREATE ROLE ledger LOGIN PASSWORD :'ledger_password';
CREATE DATABASE ledger OWNER ledger;
REVOKE ALL ON DATABASE ledger FROM PUBLIC;

CREATE ROLE mentorship LOGIN PASSWORD :'mentorship_password';
CREATE DATABASE mentorship OWNER mentorship;
REVOKE ALL ON DATABASE mentorship FROM PUBLIC;

CREATE ROLE gateway LOGIN PASSWORD :'gateway_password';
CREATE DATABASE gateway OWNER gateway;
REVOKE ALL ON DATABASE gateway FROM PUBLIC;
