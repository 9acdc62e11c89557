-- One role and database per service (password = name), as deploy/local/infra.sh creates them.
CREATE ROLE registration LOGIN PASSWORD 'registration';
CREATE DATABASE registration OWNER registration;
CREATE ROLE capacity LOGIN PASSWORD 'capacity';
CREATE DATABASE capacity OWNER capacity;
CREATE ROLE notification LOGIN PASSWORD 'notification';
CREATE DATABASE notification OWNER notification;
