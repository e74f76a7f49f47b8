import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { AdminOnly, isStaff } from "../admin-only.tsx";
import { AnalyticsView } from "./analytics-view.tsx";

export const metadata: Metadata = { title: "Analytics" };

export default async function AnalyticsPage() {
  const user = await requireUser("/admin/analytics");
  if (!isStaff(user.role)) return <AdminOnly />;
  return <AnalyticsView />;
}
