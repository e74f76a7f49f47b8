import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { AdminOnly, isStaff } from "../admin-only.tsx";
import { ModelsAdmin } from "./models-admin.tsx";

export const metadata: Metadata = { title: "Models & providers" };

export default async function ModelsAdminPage() {
  const user = await requireUser("/admin/models");
  if (!isStaff(user.role)) return <AdminOnly />;
  return <ModelsAdmin canWrite={user.role === "owner"} />;
}
