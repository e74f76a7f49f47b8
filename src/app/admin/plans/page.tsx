import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { AdminOnly, isStaff } from "../admin-only.tsx";
import { PlansAdmin } from "./plans-admin.tsx";

export const metadata: Metadata = { title: "Plans" };

export default async function PlansAdminPage() {
  const user = await requireUser("/admin/plans");
  if (!isStaff(user.role)) return <AdminOnly />;
  return <PlansAdmin canWrite={user.role === "owner"} />;
}
