/**
 * One client per provider row, made when a call first needs it and made again when the row changes
 * (its `updated_at`), so an owner's edit applies to the next call with no restart. The API key is
 * decrypted here, in memory only, or read from the environment variable a provider made from env
 * names.
 */
import { decryptSecret } from "../crypto/secret-box.ts";
import { OpenAICompatibleProvider } from "./providers/openai-compatible.ts";
import type { Provider } from "./types.ts";

export interface ProviderRow {
  id: string;
  kind: string;
  baseUrl: string | null;
  apiKeyCiphertext: string | null;
  apiKeyEnv: string | null;
  extraHeaders: unknown;
  updatedAt: Date;
}

/** The key a call sends: the environment variable a provider made from env names (the operator's
 * setting wins), else the key saved in the app. */
export function providerApiKey(row: Pick<ProviderRow, "apiKeyCiphertext" | "apiKeyEnv">): string | null {
  const fromEnv = row.apiKeyEnv ? process.env[row.apiKeyEnv] : undefined;
  if (fromEnv) return fromEnv;
  return row.apiKeyCiphertext ? decryptSecret(row.apiKeyCiphertext) : null;
}

export function headersOf(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}

export class ProviderClients {
  private readonly clients = new Map<string, { stamp: number; provider: Provider }>();

  constructor(private readonly local: Provider) {}

  for(row: ProviderRow): Provider {
    if (row.kind === "local") return this.local;
    const stamp = row.updatedAt.getTime();
    const cached = this.clients.get(row.id);
    if (cached?.stamp === stamp) return cached.provider;
    if (!row.baseUrl) throw new Error(`provider ${row.id} has no base URL`);
    // Servers that need no key (Ollama, LM Studio) still get a placeholder: the SDK insists on one.
    const provider = new OpenAICompatibleProvider({ baseURL: row.baseUrl, apiKey: providerApiKey(row) ?? "none", headers: headersOf(row.extraHeaders) });
    this.clients.set(row.id, { stamp, provider });
    return provider;
  }
}
