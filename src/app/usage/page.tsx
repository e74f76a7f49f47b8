import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { UsageView } from "./usage-view.tsx";

export const metadata: Metadata = { title: "Usage & billing" };

export default async function UsagePage() {
  await requireUser("/usage");
  return <UsageView />;
}
