/**
 * The Users pages as the server renders them, from data already in the query cache: every field
 * labelled, every control disabled until the page is interactive (and for analysts for good), the
 * wallet, caps, usage and transactions shown as exact decimals.
 */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { getQueryKey } from "@trpc/react-query";
import { createElement, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { UserDetail } from "./[id]/user-detail.tsx";
import { UsersList } from "./users-list.tsx";

type Detail = RouterOutputs["admin"]["users"]["byId"];
const USER_ID = "6f1c2b8e-2d6c-4a0e-9d7e-1a2b3c4d5e6f";

const detail: Detail = {
  user: { id: USER_ID, email: "ada@example.com", name: "Ada", role: "user", status: "active", createdAt: new Date("2026-11-01T10:00:00Z"), emailVerified: null },
  wallet: { balance: "112.5", reserved: "0.105", available: "112.395" },
  transactions: [
    { id: "t2", kind: "admin_adjustment", amount: "12.5", balanceAfter: "112.5", referenceId: "k", initiatedBy: "owner@example.com", note: "Pilot team", createdAt: new Date("2026-12-01T09:00:00Z") },
    { id: "t1", kind: "grant", amount: "100", balanceAfter: "100", referenceId: null, initiatedBy: null, note: "Signup grant", createdAt: new Date("2026-11-01T10:00:00Z") },
  ],
  usage: { days: 30, since: new Date("2026-11-02T00:00:00Z"), calls: 3, credits: "0.31", byModel: [{ modelAlias: "llama", calls: 3, credits: "0.31", tokens: 3100 }], toolCalls: 0, toolCredits: "0" },
  roomsCount: 2,
  activeSessions: 1,
  activeTokens: 0,
  lastActiveAt: null,
  caps: { dailyCap: "1", monthlyCap: null, burnedToday: "0.31", burnedThisMonth: "0.31", held: "0.105", dayResetsAt: new Date("2026-12-03T00:00:00Z"), monthResetsAt: new Date("2027-01-01T00:00:00Z") },
};

function render(node: ReactNode, seed: (client: QueryClient) => void = () => undefined): string {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  seed(queryClient);
  const client = api.createClient({ links: [] });
  return renderToStaticMarkup(createElement(QueryClientProvider, { client: queryClient }, createElement(api.Provider, { client, queryClient } as Parameters<typeof api.Provider>[0], node)));
}

describe("the user's page", () => {
  const html = render(createElement(UserDetail, { userId: USER_ID, canWrite: false, selfId: "someone-else" }), (qc) =>
    qc.setQueryData(getQueryKey(api.admin.users.byId, { userId: USER_ID }, "query"), detail),
  );

  it("shows the facts, wallet, caps, usage and transactions", () => {
    expect(html).toContain("<h1");
    expect(html).toContain("ada@example.com");
    expect(html).toContain('data-testid="user-balance">112.50<');
    expect(html).toContain("<dt>Available</dt><dd>112.40</dd>");
    expect(html).toContain("0.31 used; resets 2026-12-03 00:00 UTC.");
    expect(html).toMatch(/<th scope="row">llama<\/th>/);
    expect(html).toContain("Pilot team");
    expect(html).toContain("admin adjustment");
    expect(html).toContain("read-only access");
  });

  it("labels every field and disables every control for an analyst", () => {
    for (const id of ["user-role", "adjust-amount", "adjust-reason", "cap-daily", "cap-monthly"]) expect(html).toContain(`for="${id}"`);
    const buttons = [...html.matchAll(/<button[^>]*>/g)].map((m) => m[0]);
    expect(buttons.length).toBeGreaterThanOrEqual(4);
    for (const button of buttons) expect(button).toContain("disabled");
    expect(html).toMatch(/<select id="user-role"[^>]*disabled/);
    expect(html).toMatch(/<fieldset[^>]*disabled/);
  });
});

describe("the users list", () => {
  it("has a labelled search form and announces what it found", () => {
    const html = render(createElement(UsersList), (qc) =>
      qc.setQueryData(getQueryKey(api.admin.users.list, { limit: 25 }, "infinite"), {
        pages: [{ items: [{ id: USER_ID, email: "ada@example.com", name: "Ada", role: "user", status: "suspended", createdAt: new Date("2026-11-01T10:00:00Z"), balance: "5", reserved: "0", lastActiveAt: null }], nextCursor: null }],
        pageParams: [null],
      }),
    );
    expect(html).toContain('role="search"');
    for (const id of ["users-search", "users-role", "users-status"]) expect(html).toContain(`for="${id}"`);
    expect(html).toContain(`href="/admin/users/${USER_ID}"`);
    expect(html).toContain("Suspended");
    expect(html).toContain("5.00");
    expect(html).toContain("1 user.");
  });
});
