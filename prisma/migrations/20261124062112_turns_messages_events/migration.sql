-- CreateEnum
CREATE TYPE "turn_mode" AS ENUM ('manual', 'roundtable', 'orchestrator', 'direct');

-- CreateEnum
CREATE TYPE "turn_status" AS ENUM ('queued', 'running', 'completed', 'partial', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "step_kind" AS ENUM ('agent', 'manager_route', 'manager_evaluate', 'synthesis', 'summary');

-- CreateEnum
CREATE TYPE "step_status" AS ENUM ('pending', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "message_role" AS ENUM ('user', 'assistant', 'tool');

-- CreateEnum
CREATE TYPE "message_visibility" AS ENUM ('shared', 'private');

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "last_seq" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "last_turn_index" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "turns" (
    "id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "mode" "turn_mode" NOT NULL,
    "user_input" TEXT NOT NULL,
    "status" "turn_status" NOT NULL DEFAULT 'queued',
    "roster_snapshot" JSONB NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "client_request_id" TEXT NOT NULL,
    "error_code" TEXT,
    "error_message" TEXT,
    "cancel_requested_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "turns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "turn_steps" (
    "id" UUID NOT NULL,
    "turn_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "kind" "step_kind" NOT NULL,
    "agent_id" UUID,
    "agent_key" TEXT,
    "agent_name" TEXT,
    "model_alias" TEXT NOT NULL,
    "round" INTEGER NOT NULL DEFAULT 1,
    "status" "step_status" NOT NULL DEFAULT 'pending',
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "output" TEXT NOT NULL DEFAULT '',
    "error_code" TEXT,
    "error_message" TEXT,
    "input_tokens" INTEGER,
    "cached_tokens" INTEGER,
    "output_tokens" INTEGER,
    "usage_source" TEXT,
    "latency_ms" INTEGER,
    "ttft_ms" INTEGER,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "turn_steps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "turn_id" UUID,
    "step_id" UUID,
    "seq" BIGINT NOT NULL,
    "role" "message_role" NOT NULL,
    "visibility" "message_visibility" NOT NULL DEFAULT 'shared',
    "agent_key" TEXT,
    "agent_name" TEXT,
    "content" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "session_summaries" (
    "id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "turn_id" UUID,
    "text" TEXT NOT NULL,
    "facts" JSONB NOT NULL DEFAULT '{}',
    "through_seq" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_summaries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "turn_events" (
    "id" BIGSERIAL NOT NULL,
    "session_id" UUID NOT NULL,
    "turn_id" UUID,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "turn_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "turns_user_id_created_at_idx" ON "turns"("user_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "turns_session_id_index_key" ON "turns"("session_id", "index");

-- CreateIndex
CREATE UNIQUE INDEX "turns_user_id_client_request_id_key" ON "turns"("user_id", "client_request_id");

-- CreateIndex
CREATE UNIQUE INDEX "turn_steps_turn_id_index_key" ON "turn_steps"("turn_id", "index");

-- CreateIndex
CREATE INDEX "messages_turn_id_idx" ON "messages"("turn_id");

-- CreateIndex
CREATE UNIQUE INDEX "messages_session_id_seq_key" ON "messages"("session_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "session_summaries_session_id_through_seq_key" ON "session_summaries"("session_id", "through_seq");

-- CreateIndex
CREATE INDEX "turn_events_session_id_id_idx" ON "turn_events"("session_id", "id");

-- AddForeignKey
ALTER TABLE "turns" ADD CONSTRAINT "turns_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "turns" ADD CONSTRAINT "turns_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "turn_steps" ADD CONSTRAINT "turn_steps_turn_id_fkey" FOREIGN KEY ("turn_id") REFERENCES "turns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_turn_id_fkey" FOREIGN KEY ("turn_id") REFERENCES "turns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_step_id_fkey" FOREIGN KEY ("step_id") REFERENCES "turn_steps"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "session_summaries" ADD CONSTRAINT "session_summaries_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "turn_events" ADD CONSTRAINT "turn_events_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Constraints Prisma's schema language cannot express.
ALTER TABLE "turns" ADD CONSTRAINT "turns_index_positive" CHECK ("index" >= 1);
ALTER TABLE "turns" ADD CONSTRAINT "turns_client_request_id_length" CHECK (char_length("client_request_id") BETWEEN 1 AND 200);
ALTER TABLE "turn_steps" ADD CONSTRAINT "turn_steps_index_positive" CHECK ("index" >= 1 AND "round" >= 1);
ALTER TABLE "messages" ADD CONSTRAINT "messages_seq_positive" CHECK ("seq" >= 1);
