import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { AdminOnly, isStaff } from "../admin-only.tsx";
import { JobsAdmin } from "./jobs-admin.tsx";

export const metadata: Metadata = { title: "Jobs" };

export default async function JobsAdminPage() {
  const user = await requireUser("/admin/jobs");
  if (!isStaff(user.role)) return <AdminOnly />;
  return <JobsAdmin canWrite={user.role === "owner"} />;
}
