"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { adminSections } from "./sections.ts";

export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin" className="admin-nav">
      <Link href="/admin" aria-current={pathname === "/admin" ? "page" : undefined}>
        Overview
      </Link>
      {adminSections.map((s) => (
        <Link key={s.href} href={s.href} aria-current={pathname.startsWith(s.href) ? "page" : undefined}>
          {s.label}
        </Link>
      ))}
    </nav>
  );
}
