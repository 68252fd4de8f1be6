-- Audit events (GET /auth/events, GET /admin/events). No foreign keys: a deleted user's events stay.
-- Indexes: (user_id, id) serves a user's events newest first, (type, id) the admin's type filter, the primary
-- key the unfiltered admin list; a BRIN index on created_at (tiny, as rows arrive in time order) the retention.

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "user_id" INTEGER,
    "session_id" UUID,
    "actor_id" INTEGER,
    "ip" VARCHAR(64),
    "user_agent" VARCHAR(512),
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_events_user_id_id_idx" ON "audit_events"("user_id", "id");

-- CreateIndex
CREATE INDEX "audit_events_type_id_idx" ON "audit_events"("type", "id");

-- CreateIndex
CREATE INDEX "audit_events_created_at_idx" ON "audit_events" USING BRIN ("created_at");
