import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { AdminOnly, isStaff } from "../admin-only.tsx";
import { AuditLog, type AuditFilters } from "./audit-log.tsx";

export const metadata: Metadata = { title: "Audit log" };

const text = (v: string | string[] | undefined) => (typeof v === "string" ? v.slice(0, 200) : "");

/** Filters come from the address too, so another page can link to a target's history. */
export default async function AuditAdminPage(props: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser("/admin/audit");
  if (!isStaff(user.role)) return <AdminOnly />;
  const q = await props.searchParams;
  const initial: AuditFilters = { actor: text(q.actor), action: text(q.action), targetType: text(q.targetType), targetId: text(q.targetId) };
  return <AuditLog initial={initial} />;
}
