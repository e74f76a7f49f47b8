-- CreateEnum
CREATE TYPE "room_mode" AS ENUM ('manual', 'roundtable', 'orchestrator');

-- CreateEnum
CREATE TYPE "mode_transition_kind" AS ENUM ('requested', 'cleared', 'applied');

-- CreateTable
CREATE TABLE "agents" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "model_alias" TEXT NOT NULL,
    "role_prompt" TEXT NOT NULL DEFAULT '',
    "tool_permissions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rooms" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "goal" TEXT NOT NULL DEFAULT '',
    "current_mode" "room_mode" NOT NULL DEFAULT 'orchestrator',
    "pending_mode" "room_mode",
    "mode_version" INTEGER NOT NULL DEFAULT 0,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rooms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "room_agents" (
    "room_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "room_agents_pkey" PRIMARY KEY ("room_id","agent_id")
);

-- CreateTable
CREATE TABLE "mode_transitions" (
    "id" BIGSERIAL NOT NULL,
    "room_id" UUID NOT NULL,
    "from_mode" "room_mode",
    "to_mode" "room_mode",
    "kind" "mode_transition_kind" NOT NULL,
    "version" INTEGER NOT NULL,
    "actor_id" UUID,
    "turn_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mode_transitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "room_id" UUID,
    "agent_id" UUID,
    "title" TEXT NOT NULL DEFAULT '',
    "deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "agents_user_id_created_at_idx" ON "agents"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "rooms_user_id_last_activity_at_idx" ON "rooms"("user_id", "last_activity_at");

-- CreateIndex
CREATE UNIQUE INDEX "room_agents_room_id_position_key" ON "room_agents"("room_id", "position");

-- CreateIndex
CREATE INDEX "mode_transitions_room_id_id_idx" ON "mode_transitions"("room_id", "id");

-- CreateIndex
CREATE INDEX "sessions_room_id_created_at_idx" ON "sessions"("room_id", "created_at");

-- CreateIndex
CREATE INDEX "sessions_agent_id_created_at_idx" ON "sessions"("agent_id", "created_at");

-- CreateIndex
CREATE INDEX "sessions_user_id_created_at_idx" ON "sessions"("user_id", "created_at");

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "room_agents" ADD CONSTRAINT "room_agents_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "room_agents" ADD CONSTRAINT "room_agents_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mode_transitions" ADD CONSTRAINT "mode_transitions_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Constraints Prisma's schema language cannot express (PRODUCT.md section 3).

-- An agent's @key: lowercase letters, digits, '_' and '-' (hyphens allowed), unique per owner among
-- agents that are not deleted.
ALTER TABLE "agents" ADD CONSTRAINT "agents_key_format" CHECK ("key" ~ '^[a-z0-9][a-z0-9_-]{0,63}$');
CREATE UNIQUE INDEX "agents_user_id_key_live_key" ON "agents"("user_id", "key") WHERE "deleted_at" IS NULL;
ALTER TABLE "agents" ADD CONSTRAINT "agents_tool_permissions_known" CHECK ("tool_permissions" <@ ARRAY['search', 'file_read']::text[]);

ALTER TABLE "rooms" ADD CONSTRAINT "rooms_name_length" CHECK (char_length("name") BETWEEN 1 AND 200);
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_pending_differs" CHECK ("pending_mode" IS NULL OR "pending_mode" <> "current_mode");

-- Roster positions start at 1 (density is kept by the roster functions, uniqueness by the index above).
ALTER TABLE "room_agents" ADD CONSTRAINT "room_agents_position_positive" CHECK ("position" >= 1);

-- A session belongs to exactly one of a room or an agent (direct chat).
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_room_xor_agent" CHECK (("room_id" IS NULL) <> ("agent_id" IS NULL));
