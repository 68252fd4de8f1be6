-- A user whose second factor is turned on or off is announced like a role change (`user:<id>` on the channel
-- `session_revoked`): the access check caches whether the user has a second factor (for @RequireMfa()), so every
-- instance must drop the user's cached sessions when it changes.

-- DropTrigger
DROP TRIGGER "users_role_changed_notify" ON "users";

-- CreateTrigger
CREATE TRIGGER "users_access_changed_notify"
  AFTER UPDATE OF "role", "mfa_enabled" ON "users"
  FOR EACH ROW
  WHEN (OLD."role" IS DISTINCT FROM NEW."role" OR OLD."mfa_enabled" IS DISTINCT FROM NEW."mfa_enabled")
  EXECUTE FUNCTION "notify_user_changed"();
