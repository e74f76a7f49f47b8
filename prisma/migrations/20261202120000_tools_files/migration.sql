-- Tools and files (PRODUCT.md 8): uploaded documents and their searchable text, and one row per
-- tool call of a step's tool loop. The offline model gets the tools capability, so the whole loop
-- runs without a provider.

-- CreateEnum
CREATE TYPE "file_status" AS ENUM ('uploaded', 'parsing', 'ready', 'failed');

-- CreateEnum
CREATE TYPE "tool_call_status" AS ENUM ('running', 'succeeded', 'failed', 'cancelled', 'denied');

-- CreateTable
CREATE TABLE "files" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "room_id" UUID,
    "session_id" UUID,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "status" "file_status" NOT NULL DEFAULT 'uploaded',
    "error" TEXT,
    "pages" INTEGER,
    "text_chars" INTEGER,
    "chunk_count" INTEGER NOT NULL DEFAULT 0,
    "parsed_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "files_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "files_owner_check" CHECK (("room_id" IS NULL) <> ("session_id" IS NULL)),
    CONSTRAINT "files_kind_check" CHECK ("kind" IN ('txt', 'md', 'csv', 'pdf', 'docx')),
    CONSTRAINT "files_size_check" CHECK ("size_bytes" >= 0)
);

-- CreateTable
CREATE TABLE "file_chunks" (
    "id" BIGSERIAL NOT NULL,
    "file_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "page" INTEGER,
    "char_start" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "tsv" tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED,

    CONSTRAINT "file_chunks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tool_call_events" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "turn_id" UUID,
    "step_id" UUID,
    "attempt" INTEGER NOT NULL,
    "call_index" INTEGER NOT NULL,
    "tool_call_id" TEXT NOT NULL,
    "tool" TEXT NOT NULL,
    "arguments" JSONB NOT NULL,
    "status" "tool_call_status" NOT NULL,
    "result" TEXT,
    "summary" TEXT NOT NULL DEFAULT '',
    "sources" JSONB NOT NULL DEFAULT '[]',
    "result_bytes" INTEGER,
    "latency_ms" INTEGER,
    "error" TEXT,
    "credits" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "tool_call_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "files_room_id_created_at_idx" ON "files"("room_id", "created_at");

-- CreateIndex
CREATE INDEX "files_session_id_created_at_idx" ON "files"("session_id", "created_at");

-- CreateIndex
CREATE INDEX "files_user_id_idx" ON "files"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "file_chunks_file_id_position_key" ON "file_chunks"("file_id", "position");

-- CreateIndex
CREATE INDEX "file_chunks_tsv_idx" ON "file_chunks" USING GIN ("tsv");

-- CreateIndex
CREATE UNIQUE INDEX "tool_call_events_key_key" ON "tool_call_events"("key");

-- CreateIndex
CREATE INDEX "tool_call_events_step_id_attempt_call_index_idx" ON "tool_call_events"("step_id", "attempt", "call_index");

-- CreateIndex
CREATE INDEX "tool_call_events_user_id_started_at_idx" ON "tool_call_events"("user_id", "started_at");

-- AddForeignKey
ALTER TABLE "files" ADD CONSTRAINT "files_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "files" ADD CONSTRAINT "files_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "files" ADD CONSTRAINT "files_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "file_chunks" ADD CONSTRAINT "file_chunks_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "files"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_call_events" ADD CONSTRAINT "tool_call_events_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_call_events" ADD CONSTRAINT "tool_call_events_turn_id_fkey" FOREIGN KEY ("turn_id") REFERENCES "turns"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_call_events" ADD CONSTRAINT "tool_call_events_step_id_fkey" FOREIGN KEY ("step_id") REFERENCES "turn_steps"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The offline model answers with tools (a documented, deterministic trigger), so the loop runs offline.
UPDATE "llm_models" SET "capabilities" = array_append("capabilities", 'tools'), "updated_at" = now()
WHERE "alias" = 'local' AND NOT ('tools' = ANY("capabilities"));
