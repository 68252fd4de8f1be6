-- Every instance caches which sessions are live (the per-request access-token check). A session that is
-- revoked or deleted (sign-out, reuse detection, password or role change, user deletion by cascade) is
-- announced on the channel `session_revoked` with its id, at commit, so that every instance drops it at once.

-- CreateFunction
CREATE FUNCTION "notify_session_revoked"() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('session_revoked', OLD."id"::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- CreateTrigger
CREATE TRIGGER "sessions_revoked_notify"
  AFTER UPDATE OF "revoked_at" ON "sessions"
  FOR EACH ROW
  WHEN (OLD."revoked_at" IS NULL AND NEW."revoked_at" IS NOT NULL)
  EXECUTE FUNCTION "notify_session_revoked"();

-- CreateTrigger
CREATE TRIGGER "sessions_deleted_notify"
  AFTER DELETE ON "sessions"
  FOR EACH ROW
  EXECUTE FUNCTION "notify_session_revoked"();
