import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { AdminOnly, isStaff } from "../admin-only.tsx";
import { SettingsAdmin } from "./settings-admin.tsx";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsAdminPage() {
  const user = await requireUser("/admin/settings");
  if (!isStaff(user.role)) return <AdminOnly />;
  return <SettingsAdmin canWrite={user.role === "owner"} />;
}
