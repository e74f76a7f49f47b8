import type { Metadata } from "next";
import Link from "next/link";
import { requireUser } from "@/server/auth/current-user.ts";
import { AdminOnly, isStaff } from "./admin-only.tsx";
import { adminSections } from "./sections.ts";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
  const user = await requireUser("/admin");
  if (!isStaff(user.role)) return <AdminOnly />;
  return (
    <div className="stack">
      <div>
        <h1>Admin</h1>
        <p className="lede">{user.role === "owner" ? "Run this Pantheon install." : "Read-only: analysts see everything here; only owners change it."}</p>
      </div>
      <ul className="item-list">
        {adminSections.map((section) => (
          <li className="item" key={section.href}>
            <div className="item-main">
              <Link href={section.href}>{section.label}</Link>
              <span className="muted">{section.blurb}</span>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
