-- custodian: additive
-- A notification is stored as the catalogue key of its message and the
-- values it names (issue 16), so each reader sees it in their own language
-- and the domain keeps no words of its own. `message` stays (NOT NULL, read
-- by releases before this one): new rows put the key there, which an older
-- release shows as it is after a rollback; rows written before this
-- migration keep their English sentence and no key.

ALTER TABLE notification
    ADD COLUMN message_key text
        CONSTRAINT notification_message_key_shape CHECK (message_key ~ '^[a-z][a-z0-9-]{1,80}$'),
    ADD COLUMN message_args jsonb NOT NULL DEFAULT '{}'::jsonb
        CONSTRAINT notification_message_args_object CHECK (jsonb_typeof(message_args) = 'object');
