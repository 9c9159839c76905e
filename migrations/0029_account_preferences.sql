-- custodian: additive
-- An account's own preferences (issue 16): the interface language it
-- reads (else the browser's, else the appliance's default) and the time
-- zone its pages show times in (else UTC). Both nullable: an account that
-- never chose follows its browser. The web layer offers only languages it
-- has catalogues for and zones of the IANA database; the checks here keep
-- the columns to those shapes whatever writes them.

ALTER TABLE app_user
    ADD COLUMN language text
        CONSTRAINT app_user_language_shape CHECK (language ~ '^[a-z]{2,3}$'),
    ADD COLUMN time_zone text
        CONSTRAINT app_user_time_zone_shape CHECK (time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$');
