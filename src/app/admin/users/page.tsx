import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { AdminOnly, isStaff } from "../admin-only.tsx";
import { UsersList } from "./users-list.tsx";

export const metadata: Metadata = { title: "Users" };

export default async function UsersAdminPage() {
  const user = await requireUser("/admin/users");
  if (!isStaff(user.role)) return <AdminOnly />;
  return <UsersList />;
}
