/**
 * Listing commands of the CLI (through the API, as the user of PANTHEON_TOKEN): `agents list`
 * and `sessions list --room <id> | --agent <id>`. Tables for people, `--json` for scripts.
 */
import type { Command } from "commander";
import type { ApiClient } from "./api-client.ts";
import { printTable } from "./models-commands.ts";

/** Every page of a `{ items, nextCursor }` list. */
async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

const day = (at: Date | string) => new Date(at).toISOString().slice(0, 16).replace("T", " ");

export function registerLibraryCommands(program: Command, agents: Command, api: ApiClient) {
  agents
    .command("list")
    .description("list the agents in your library: id, @key, name and model")
    .option("--json", "print them as JSON")
    .action(async (opts: { json?: boolean }) => {
      const items = await allPages((cursor) => api.agents.list.query({ cursor, limit: 100 }));
      if (opts.json) return console.log(JSON.stringify(items.map(({ id, key, name, modelAlias }) => ({ id, key, name, model: modelAlias })), null, 2));
      if (items.length === 0) return console.log("No agents yet: create one with `agents create`.");
      printTable(["id", "key", "name", "model"], items.map((a) => [a.id, `@${a.key}`, a.name, a.modelAlias]));
    });

  program
    .command("sessions")
    .description("sessions")
    .command("list")
    .description("list a room's or a direct chat's sessions (newest first): id, title, created")
    .option("--room <id>", "the room's sessions")
    .option("--agent <id>", "the direct chat sessions with this agent")
    .option("--json", "print them as JSON")
    .action(async (opts: { room?: string; agent?: string; json?: boolean }) => {
      if (Boolean(opts.room) === Boolean(opts.agent)) throw new Error("Give either --room <id> or --agent <id>.");
      const target = opts.room ? { roomId: opts.room } : { agentId: opts.agent! };
      const items = await allPages((cursor) => api.sessions.list.query({ ...target, cursor, limit: 100 }));
      if (opts.json) return console.log(JSON.stringify(items.map(({ id, title, createdAt }) => ({ id, title, createdAt })), null, 2));
      if (items.length === 0) return console.log("No sessions yet.");
      printTable(["id", "title", "created (UTC)"], items.map((s) => [s.id, s.title || "(untitled)", day(s.createdAt)]));
    });
}
