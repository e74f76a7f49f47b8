/**
 * What a tool is (PRODUCT.md 8). A step's tool loop offers a model the tools its agent may use (as
 * OpenAI-style function definitions), checks and runs the calls the model makes, and meters them.
 * Each kind of tool is one module that exports a `Tool`; `registry.ts` lists them. A new kind (an
 * MCP server, say) is one more module there, nothing else.
 */
import type { z } from "zod";
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import type { Settings } from "../domain/settings/settings.ts";

/** The agent permissions (`agents.tool_permissions`) that grant tools. */
export type ToolPermission = "search" | "file_read";

/** A link a tool found, shown under the answer. */
export interface Source {
  title: string;
  url: string;
}

/** Where a tool call runs: whose turn, and which room's (or direct session's) files it may see. */
export interface ToolContext {
  db: Db;
  env: Env;
  userId: string;
  /** The turn's room; null for a direct-chat session (then `sessionId` scopes the files). */
  roomId: string | null;
  sessionId: string;
  /** Aborts the call in flight when the turn is cancelled or the worker stops. */
  signal: AbortSignal;
  /** The most of the result's `content` the model may get, in tokens (the loop cuts to it anyway). */
  maxResultTokens: number;
}

export interface ToolResult {
  /** The text the model gets back (untrusted: the loop fences and labels it before it enters a context). */
  content: string;
  /** One line for people: "Searched: solar panels", "Read: report.pdf p. 3–4". */
  summary: string;
  sources?: Source[];
}

/** Whether a tool can run on this server, and if not, why (shown in the agent editor). */
export type Availability = { available: true } | { available: false; reason: string };

/**
 * An expected failure the model should hear about ("no such file", "search provider unreachable"):
 * the call ends `failed` and the model gets the message as the result. Anything else thrown is a bug.
 */
export class ToolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ToolError";
  }
}

export interface Tool<Args = unknown> {
  /** The function name the model calls. */
  name: string;
  /** The agent permission that grants it. */
  permission: ToolPermission;
  /** For the model: what it does and when to use it. */
  description: string;
  /** The arguments, validated before the tool runs; also the JSON schema the model is given. */
  args: z.ZodType<Args>;
  /** Whether it can run here (configuration, not the agent). */
  availability(env: Env): Availability;
  /** Credits one call costs (held before it runs, settled when it ends), as a decimal string. */
  credits(settings: Settings): string;
  /** A line while it runs, from its arguments: "Searching: solar panels". */
  describe(args: Args): string;
  run(args: Args, context: ToolContext): Promise<ToolResult>;
}
