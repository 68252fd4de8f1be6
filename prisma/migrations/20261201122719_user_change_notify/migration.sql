-- A user whose role changes or who is deleted is announced on the channel `session_revoked` as `user:<id>`,
-- at commit, so that every instance drops the user's cached sessions at once, also when the change is made
-- directly in the database (the service's own role change revokes the sessions as well).

-- CreateFunction
CREATE FUNCTION "notify_user_changed"() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('session_revoked', 'user:' || OLD."id"::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- CreateTrigger
CREATE TRIGGER "users_role_changed_notify"
  AFTER UPDATE OF "role" ON "users"
  FOR EACH ROW
  WHEN (OLD."role" IS DISTINCT FROM NEW."role")
  EXECUTE FUNCTION "notify_user_changed"();

-- CreateTrigger
CREATE TRIGGER "users_deleted_notify"
  AFTER DELETE ON "users"
  FOR EACH ROW
  EXECUTE FUNCTION "notify_user_changed"();
