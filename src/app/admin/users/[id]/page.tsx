import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { AdminOnly, isStaff } from "../../admin-only.tsx";
import { UserDetail } from "./user-detail.tsx";

export const metadata: Metadata = { title: "User" };

export default async function UserAdminPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  const user = await requireUser(`/admin/users/${id}`);
  if (!isStaff(user.role)) return <AdminOnly />;
  return <UserDetail userId={id} canWrite={user.role === "owner"} selfId={user.id} />;
}
