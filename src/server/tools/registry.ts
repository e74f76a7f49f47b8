/**
 * Every tool this server knows, and the questions asked of them: which ones an agent gets here
 * (its permissions AND this server's configuration), why one is unavailable, and the OpenAI-style
 * function definition a model is given. A new kind of tool is one more module in `tools`.
 */
import { z } from "zod";
import type { Env } from "../env.ts";
import { fileReadTool } from "./file-read.ts";
import { fileSearchTool } from "./file-search.ts";
import { searchTool } from "./search.ts";
import type { Tool, ToolPermission } from "./tool.ts";

// Each tool keeps its own argument type; callers validate with `tool.args` before `run`.
type AnyTool = Tool;

export const tools: readonly AnyTool[] = [searchTool, fileSearchTool, fileReadTool];

export function toolByName(name: string): AnyTool | undefined {
  return tools.find((tool) => tool.name === name);
}

/** The tools an agent with these permissions may use on this server (permitted and available). */
export function toolsFor(permissions: readonly string[], env: Env): AnyTool[] {
  const granted = new Set(permissions);
  return tools.filter((tool) => granted.has(tool.permission) && tool.availability(env).available);
}

export interface ToolAvailability {
  name: string;
  permission: ToolPermission;
  available: boolean;
  /** Why it is unavailable here (for the agent editor), null when it is available. */
  reason: string | null;
}

export function toolAvailability(env: Env): ToolAvailability[] {
  return tools.map((tool) => {
    const availability = tool.availability(env);
    return { name: tool.name, permission: tool.permission, available: availability.available, reason: availability.available ? null : availability.reason };
  });
}

export interface ToolDefinition {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** The tool as an OpenAI-style function definition; `parameters` is a plain JSON schema object. */
export function toolDefinition(tool: AnyTool): ToolDefinition {
  // `$schema` names the draft; OpenAI's function parameters are the schema object alone.
  const { $schema: _draft, ...parameters } = z.toJSONSchema(tool.args, { unrepresentable: "throw" }) as Record<string, unknown>;
  return { type: "function", function: { name: tool.name, description: tool.description, parameters } };
}
