import type { ReactNode } from "react";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { isStaff } from "./admin-only.tsx";
import { AdminNav } from "./admin-nav.tsx";

/** Every console page gets the console's navigation; others (and signed-out visitors) get none. */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await getCurrentUser();
  return (
    <div className="stack">
      {user && isStaff(user.role) && <AdminNav />}
      {children}
    </div>
  );
}
